//! The fake KACE SMA appliance: a real HTTP server on loopback that serves the demo
//! (`kace-tui demo-server`, `--demo`) and every integration test, faithful to
//! `../shared/reference/kace-sma-api.md` and hard to fool.
//!
//! ```no_run
//! use kace_tui::fake::{self, FakeConfig};
//! let server = fake::start(FakeConfig { machines: 200, ..FakeConfig::default() }).unwrap();
//! let url = server.base_url(); // "http://127.0.0.1:PORT" ("https://..." with `tls: true`)
//! // ... talk to it; runtime switches live in `server.faults()` ...
//! drop(server); // stops the server and joins its thread
//! ```
//!
//! Modules: [`data`] (generator, records, fixed machines), [`query`] (the query engine),
//! [`faults`] (every runtime switch and counter), `server` (routes, sessions), `net`
//! (listener and connections that faults can cut).
//!
//! # Routes
//! | Route | Answer |
//! |---|---|
//! | `POST /ams/shared/api/security/login` `{"userName","password","organizationName"?}` | 200 `{"Result":"Success"}` + 5 cookies; 401 envelope for a wrong user, password or organization; 400 for a body that is not that JSON |
//! | `POST /ams/shared/api/security/verify_2factor` `{"currentCode"}` | 200 `{"Result":"Success"}`; 401 "Invalid verification code"; 400 for a bad body or an account without 2FA |
//! | `GET` (or `POST`) `/ams/shared/api/security/logout` | 200, session gone, cookies cleared (`Max-Age=0`) |
//! | `GET /ams/shared/api/security/refreshcontext` | 200, refreshes the idle timer |
//! | `GET /ams/shared/api/organizations` | `{"Count":n,"Organizations":[{"id":1,"name":"Default"},{"id":2,"name":"Lab"}]}` (the orgs the account may use) |
//! | `POST /ams/shared/api/security/organization/{id}/switchto`, `POST .../organization/switch?organizationId={id}` | 200 `{"Result":"Success"}` + new `KACE_LAST_ORG_SECURE`; 403 "Invalid organization"; 400 for a non-numeric id |
//! | `GET /api/inventory/machines[/{id}]` | `{"Count":N,"Machines":[...]}` |
//! | `GET /api/inventory/softwares[/{id}]` | `{"Count":N,"Software":[...]}` |
//! | `GET /api/users/me` | `{"Count":1,"Users":[{"Id":"1","User_name":"admin","Full_name":"Alex Admin","Email":"admin@example.com","Role":{"Id":"1","Name":"Administrator"}}]}` (role ids: 1 Administrator, 2 Read Only Administrator, 3 User) |
//!
//! Every error is `{"errorCode":-1,"errorDescription":"..."}` with `Content-Type:
//! application/json`.
//!
//! # Accounts ([`DEMO_ACCOUNTS`])
//! | User / password | Role name in `/api/users/me` | Organizations | Sees |
//! |---|---|---|---|
//! | `admin`/`admin` | `Administrator` | Default, Lab | everything |
//! | `viewer`/`viewer` | `Read Only Administrator` | Default | everything, writes get 403 |
//! | `jdoe`/`jdoe` | `User` (the standard-user role) | Default | only machines whose `User` holds `jdoe` |
//! | `secure`/`secure` | `Administrator`, with 2FA (`--two-factor-code`, default `123456`) | Default, Lab | everything, after `verify_2factor` |
//!
//! # Order of the checks on `/api/*`
//! 1. Faults ([`faults::Faults`]): queued faults, then the error rate.
//! 2. A version header must be present and a number ≥ 1, else 400.
//! 3. The `kboxid` cookie: missing → 401 "Not authenticated"; unknown (or logged out) → 401
//!    "Invalid token"; expired → 401 "Expired token" (and it stays expired).
//! 4. Legacy mode: `x-dell-csrf-token` must equal the `KACE_CSRF_TOKEN` cookie and the
//!    session's token, else 401 "Invalid CSRF token". Modern mode: an `x-kace-authorization`
//!    header, if sent, must be the session's, else 401 "Invalid token".
//! 5. 2FA pending → 401 "User not fully authenticated.".
//! 6. Generation of the version header: legacy mode needs `x-dell-api-version`; modern mode
//!    needs `x-kace-api-version`, or `x-dell-api-version` if the login carried it. Else 400.
//! 7. The route; query errors → 400 with the reason.
//!
//! # What the reference leaves open → what this fake does
//! | Open point (reference section) | Choice |
//! |---|---|
//! | Login response body (§1.2) | `{"Result":"Success"}`; clients must not depend on it |
//! | Wrong user or password (§1.2) | 401 "Invalid user name or password" |
//! | Unknown organization, or one the account may not use (§3) | 401 "Invalid organization" (no fall-back to the default org) |
//! | Login without `organizationName` | the account's first organization (`Default`) |
//! | Cookie attributes (§10.2) | `Path=/`; `HttpOnly` on `kboxid` and `x-dell-auth-jwt`; no `Secure`, because the fake speaks plain HTTP and clients would drop secure cookies |
//! | `x-kace-authorization` (§1.2) | modern mode returns it at login (same value as the `x-dell-auth-jwt` cookie, a JWT-shaped token); echoing it is optional (`Faults::set_require_authorization` makes it required), a wrong one is 401 "Invalid token" |
//! | Legacy CSRF (§1.5) | `x-dell-csrf-token` returned at login only when the login carried `x-dell-api-version`; required on every later `/api` and AMS call except login and logout |
//! | 2FA success body / wrong code (§2) | 200 `{"Result":"Success"}` / 401 "Invalid verification code"; login itself answers the same for 2FA accounts |
//! | 2FA pending on AMS routes | organizations, switch and refreshcontext get the same 401 as `/api` |
//! | Expired session (§1.4) | 401 "Expired token", sliding idle timeout `--session-ttl` |
//! | Missing version header (§10.2) | 400 "Missing API version header (x-kace-api-version)"; AMS routes need none |
//! | Version header value (§9.3) | any number ≥ 1 (`8`, `8.1`, `13`); else 400 "Invalid API version" |
//! | `+` in query strings (§5.1) | a literal plus, not a space: send `%20` |
//! | Unknown id (§6) | 404 "Machine N not found"; switchable to 200 with an empty array ([`faults::Faults::set_empty_array_for_unknown_id`]); a non-numeric id is 400 |
//! | `Count` on by-id answers (§6) | present (`"Count":1`), like lists |
//! | Bad filter, operator, field, entity, paging, shaping, sort (§6) | 400 with the reason in `errorDescription` |
//! | Role of the standard user | `User`, the appliance's default role name; sees machines whose comma-separated `User` contains its name |
//! | `/api/users/me` shape (§4) | as in the route table above; all values strings |
//! | Organizations list shape (§3) | as in the route table above; integer ids |
//! | Switching to a forbidden/unknown org | 403 "Invalid organization"; the session keeps its org |
//! | Appliances without the switch routes (§3) | switchable ([`faults::Faults::set_without_switch_routes`]): both switch routes answer 404 "No such route: <path>" like any unknown route, so clients must log in again with `organizationName` |
//! | Writes (§4) | read-only roles get 403 "Permission denied", the admin 405 (the fake stores nothing) |
//! | EXTENDED shaping (§7.4) | ALL minus id-like columns (`Kuid`, `Os_id`) |
//! | Sub-entities (§7.1) | `software` (key `Software`, UPPER_CASE keys) and `location` (key `Location`, `ID`/`NAME`); any other → 400 "Unknown entity" |
//! | Software sub-entity fields | LIMITED `ID`,`DISPLAY_NAME`; STANDARD + `DISPLAY_VERSION`,`PUBLISHER`,`INSTALL_DATE`; EXTENDED + `CATEGORY`,`IS_PATCH`; ALL + `UNINSTALL_STRING`; `software.name`/`software.version` are aliases |
//! | Sub-entities of `/api/inventory/softwares` (§7.1 PS-SW) | `machine` (key `Machine`, base-entity casing): the machines of the caller's organization the title is installed on, that the caller may see; LIMITED `Id`,`Name`; STANDARD + `Ip`,`User`,`Os_name`,`Last_sync` |
//! | `/api/inventory/softwares` fields | base-entity casing: LIMITED `Id`,`Display_name`; STANDARD + `Display_version`,`Publisher`; EXTENDED + `Category`,`Is_patch`; ALL + `Uninstall_string`; ids from 7000 |
//! | `ex`/`nex` syntax (§5.2) | `software ex`, `software.name ex`, `software.name ex Chrome` (a row with that value), `name ex` (not empty, `"empty"` or the zero date) |
//! | Sub-entity clauses | a base row matches if any of its sub-rows matches (SQL join), negated operators included; `nex` means no sub-row has it |
//! | `*` field | any field of the entity (all levels); integer fields only join for numeric values and non-text operators |
//! | Operator on the wrong type | `co`/`nc`/`st`/`ns`/`en`/`nen` or a non-number on an integer field (`id`) → 400 |
//! | Comparison | case-insensitive; `lt`/`le`/`gt`/`ge` numeric when both sides are numbers |
//! | Sorting | case-insensitive text, numbers before text, stable on id order; sub-entity keys order the nested rows and pull the sub-entity in at STANDARD |
//! | Paging limits | no maximum; `limit 0`/`ALL` = all; negative or non-numeric → 400 |
//! | Time zone of dates (§7.3) | UTC |
//! | Faults | a share of `/api` answers is 500/502/503 (`--error-rate`); latency applies to every route |
//! | Compression (perf A.3: "unverified") | none by default; `Faults::set_gzip` compresses `/api` answers when the request accepts gzip |
//!
//! # TLS
//! With `tls: true` (`demo-server --tls`) the appliance speaks HTTPS only, with a self-signed
//! certificate generated at start for `127.0.0.1` and `localhost` (like a fresh SMA). Its PEM
//! and SHA-256 fingerprint are on the [`FakeHandle`], for `ca_cert` and `tls_fingerprint`.
//!
//! Answers with more than 500 rows are streamed with chunked transfer encoding, serialized a
//! few hundred rows at a time; smaller ones carry a `Content-Length`.

pub mod catalog;
pub mod data;
pub mod faults;
mod net;
pub mod prng;
pub mod query;
mod server;

use std::future::IntoFuture;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::api::tls::Fingerprint;
pub use server::{DEMO_ACCOUNTS, DemoAccount};

use data::Appliance;
use faults::Faults;
use net::{Connection, FaultListener};
use server::AppState;

/// How the fake appliance behaves. `Default` is the demo appliance.
#[derive(Clone, Debug)]
pub struct FakeConfig {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Machines in the `Default` organization.
    pub machines: usize,
    /// Seed of the deterministic data generator.
    pub seed: u64,
    /// Added to every answer.
    pub latency: Duration,
    /// Share of `/api/*` answers that are a 5xx (0.0 to 1.0).
    pub error_rate: f64,
    /// Idle time after which a session expires.
    pub session_ttl: Duration,
    /// Behave like an 11.x appliance: `x-dell-csrf-token` issued at login and required after.
    pub legacy_csrf: bool,
    /// The code that `secure` must send to `verify_2factor`.
    pub two_factor_code: String,
    /// Serve HTTPS with a freshly generated self-signed certificate.
    pub tls: bool,
}

impl Default for FakeConfig {
    fn default() -> Self {
        FakeConfig {
            port: 0,
            machines: 1_200,
            seed: 42,
            latency: Duration::ZERO,
            error_rate: 0.0,
            session_ttl: Duration::from_secs(3_600),
            legacy_csrf: false,
            two_factor_code: "123456".to_string(),
            tls: false,
        }
    }
}

/// The self-signed certificate of an HTTPS fake appliance.
#[derive(Clone, Debug)]
pub struct Certificate {
    /// The certificate in PEM form (what `ca_cert` points at).
    pub pem: String,
    /// Its SHA-256 fingerprint, `AB:CD:...` (what `tls_fingerprint` pins).
    pub fingerprint: Fingerprint,
}

/// A running fake appliance. Dropping it stops the server and joins its thread.
pub struct FakeHandle {
    addr: SocketAddr,
    certificate: Option<Certificate>,
    faults: Arc<Faults>,
    appliance: Arc<Appliance>,
    shutdown: CancellationToken,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for FakeHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeHandle")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl FakeHandle {
    /// `http://127.0.0.1:PORT` (`https://` with TLS), without a trailing slash.
    pub fn base_url(&self) -> String {
        let scheme = if self.certificate.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
    }

    /// The self-signed certificate, when the appliance speaks HTTPS.
    pub fn certificate(&self) -> Option<&Certificate> {
        self.certificate.as_ref()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every runtime switch, test control and counter.
    pub fn faults(&self) -> &Arc<Faults> {
        &self.faults
    }

    /// The generated data, for tests that compare answers with the source.
    pub fn appliance(&self) -> &Arc<Appliance> {
        &self.appliance
    }
}

impl Drop for FakeHandle {
    fn drop(&mut self) {
        self.shutdown.cancel();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Generates the data, binds 127.0.0.1:`config.port` and serves on a thread of its own with
/// its own tokio runtime. Returns once the socket accepts connections, so it works from plain
/// tests, from `#[tokio::test]` and from the binary alike.
pub fn start(config: FakeConfig) -> io::Result<FakeHandle> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", config.port))?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let (certificate, tls) = if config.tls {
        let (certificate, acceptor) = self_signed_tls()?;
        (Some(certificate), Some(acceptor))
    } else {
        (None, None)
    };
    let appliance = Arc::new(Appliance::generate(config.machines, config.seed));
    let shutdown = CancellationToken::new();
    let faults = Arc::new(Faults::new(
        config.seed,
        config.latency,
        config.error_rate,
        config.session_ttl,
        shutdown.clone(),
    ));
    let state = Arc::new(AppState::new(config, appliance.clone(), faults.clone()));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("kace-fake")
        .enable_all()
        .build()?;
    let listener = {
        let _guard = runtime.enter();
        tokio::net::TcpListener::from_std(listener)?
    };
    let server_shutdown = shutdown.clone();
    let server_faults = faults.clone();
    let thread = std::thread::Builder::new()
        .name("kace-fake-server".to_string())
        .spawn(move || {
            runtime.block_on(async move {
                let listener = FaultListener::new(listener, addr, server_faults, tls);
                let app = server::router(state).into_make_service_with_connect_info::<Connection>();
                let serve = axum::serve(listener, app).into_future();
                tokio::select! {
                    _ = serve => {}
                    _ = server_shutdown.cancelled() => {}
                }
            });
            // Hanging requests and open connections are dropped, not waited for.
            runtime.shutdown_timeout(Duration::from_millis(500));
        })?;
    Ok(FakeHandle {
        addr,
        certificate,
        faults,
        appliance,
        shutdown,
        thread: Some(thread),
    })
}

/// A self-signed certificate for 127.0.0.1 and localhost, and a TLS acceptor serving it
/// (HTTP/1.1, ring provider).
fn self_signed_tls() -> io::Result<(Certificate, tokio_rustls::TlsAcceptor)> {
    let invalid = |error: &dyn std::fmt::Display| io::Error::other(format!("TLS setup: {error}"));
    let generated =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .map_err(|error| invalid(&error))?;
    let der = generated.cert.der().clone();
    let certificate = Certificate {
        pem: generated.cert.pem(),
        fingerprint: Fingerprint::of(&der),
    };
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(generated.signing_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut server_config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| invalid(&error))?
        .with_no_client_auth()
        .with_single_cert(vec![der], key)
        .map_err(|error| invalid(&error))?;
    server_config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server_config));
    Ok((certificate, acceptor))
}

/// Starts the appliance, lets `announce` print what it needs, and serves until Ctrl-C.
pub fn serve_forever(config: FakeConfig, announce: impl FnOnce(&FakeHandle)) -> io::Result<()> {
    let handle = start(config)?;
    announce(&handle);
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(tokio::signal::ctrl_c())?;
    drop(handle);
    Ok(())
}
