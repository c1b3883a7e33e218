//! The HTTP client: one per appliance connection.
//!
//! One client works against the 11.x, 12.x and 13+/14.x generations without configuration
//! (reference §1.5): every request carries `Accept: application/json` and both
//! `x-kace-api-version` and `x-dell-api-version`; a CSRF token returned at login (either
//! header name, or the `KACE_CSRF_TOKEN` cookie) is echoed under both names, and an
//! `x-kace-authorization` header is echoed as it came.
//!
//! Reliability (perf-reliability B.4): connect and read timeouts but no total timeout, so big
//! pages are fine; idempotent GETs are retried with exponential backoff, jitter and
//! `Retry-After`; the login POST is never retried. An expired session is renewed once,
//! single-flight, when the client holds the credentials and the account needs no 2FA.
//!
//! Secrets (password, CSRF and authorization tokens) live in [`SecretString`]s, go out only as
//! sensitive header values or in the login body, and never appear in `Debug` or errors.
//!
//! Transport (perf-reliability B.3): certificates are verified against the system roots, or
//! only against `ca_cert`, or replaced by a pinned fingerprint (`tls_fingerprint`, see
//! [`super::tls`]), or not at all (`insecure`). Plain `http://` is refused before anything is
//! sent unless the host is a loopback address or `allow_http` is set: every request carries a
//! credential (the password, or the session cookie).
//!
//! Hostile appliances (perf-reliability B.5): no answer may exceed `max_response_bytes` (after
//! decompression), and no load may deliver more than `max_records` records, whatever `Count`
//! says, so neither a huge page nor endless pages can exhaust memory or loop forever.

use std::collections::HashSet;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use bytes::Bytes;
use futures_util::StreamExt;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};

use super::decode::{self, Page};
use super::error::ApiError;
use super::model::{CurrentUser, Machine, MachineDetail, Organization, Software};
use super::query::{Paging, Query};
use super::tls::{self, Fingerprint};

/// Where and how to connect. Built from flags, environment and the profile.
#[derive(Clone, Debug)]
pub struct ConnectionSettings {
    /// Base URL of the appliance, e.g. `https://kace.example.com`.
    pub server: String,
    /// Extra CA certificate (PEM) for self-signed appliances.
    pub ca_cert: Option<PathBuf>,
    /// Skip certificate verification entirely (loudly logged).
    pub insecure: bool,
    /// Trust exactly the certificate with this SHA-256 fingerprint, instead of its chain.
    pub tls_fingerprint: Option<Fingerprint>,
    /// Allow plain `http://` to a host that is not a loopback address.
    pub allow_http: bool,
    /// The largest answer accepted, in bytes after decompression.
    pub max_response_bytes: u64,
    /// The most records one load may deliver, whatever the appliance's `Count` says.
    pub max_records: usize,
    /// Value of the `x-kace-api-version` / `x-dell-api-version` headers.
    pub api_version: String,
    /// Machines per page when listing everything.
    pub page_size: usize,
    /// Pages in flight at once when listing everything.
    pub concurrency: usize,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Read timeout (between bytes, so big pages are fine).
    pub read_timeout: Duration,
    /// Attempts for idempotent GETs (1 = no retry).
    pub max_attempts: u32,
    /// Size of the first page of a streaming load: small, so the first rows show at once.
    pub first_page_size: usize,
    /// Backoff before the first retry (doubled each time, plus jitter).
    pub retry_min_delay: Duration,
    /// Upper bound of the backoff between retries.
    pub retry_max_delay: Duration,
}

impl Default for ConnectionSettings {
    fn default() -> Self {
        ConnectionSettings {
            server: String::new(),
            ca_cert: None,
            insecure: false,
            tls_fingerprint: None,
            allow_http: false,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_records: DEFAULT_MAX_RECORDS,
            api_version: "8".to_string(),
            page_size: 1000,
            concurrency: 4,
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(30),
            max_attempts: 4,
            first_page_size: 100,
            retry_min_delay: Duration::from_millis(500),
            retry_max_delay: Duration::from_secs(10),
        }
    }
}

/// What login needs. The password never leaves a [`SecretString`] except into the login body.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub user: String,
    pub password: SecretString,
    /// `organizationName` for the login body; `None` lets the appliance choose.
    pub organization: Option<String>,
}

/// Something the client did on its own, for the status line.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    /// A GET failed transiently and is tried again after `delay`.
    Retrying {
        /// The attempt about to be made (2 for the first retry).
        attempt: u32,
        /// Attempts in all.
        of: u32,
        delay: Duration,
        reason: String,
    },
    /// The session had expired and was renewed with the stored credentials.
    SessionRenewed,
}

/// How a login ended when it did not fail.
#[derive(Clone, Debug, PartialEq)]
pub enum LoginState {
    LoggedIn(CurrentUser),
    /// Credentials accepted; [`Client::verify_two_factor`] must follow.
    TwoFactorRequired,
}

/// Where a streaming load stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ListProgress {
    /// Distinct records delivered so far.
    pub loaded: usize,
    /// The appliance's `Count`, when it sent one.
    pub total: Option<usize>,
    /// Pages received.
    pub pages: usize,
    /// Records skipped because their `Id` was unusable.
    pub skipped: usize,
}

/// The server's text for "credentials fine, 2FA code still missing" (reference §2).
const NOT_FULLY_AUTHENTICATED: &str = "not fully authenticated";
/// Pages fetched beyond what `Count` promises, in case records were added during the load.
const SLACK_PAGES: usize = 2;
/// Default of [`ConnectionSettings::max_response_bytes`]: 256 MiB, far above a page of 1000
/// machines with every field.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 256 * 1024 * 1024;
/// Default of [`ConnectionSettings::max_records`]: far above the largest appliances.
pub const DEFAULT_MAX_RECORDS: usize = 1_000_000;
const MEBIBYTE: u64 = 1024 * 1024;
/// A `Retry-After` longer than this is cut to it, so a load never waits minutes.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
/// Bodies larger than this are decoded on a blocking thread, off the async reactor.
const DECODE_INLINE_LIMIT: usize = 128 * 1024;

const LOGIN_PATH: &str = "/ams/shared/api/security/login";
const VERIFY_2FA_PATH: &str = "/ams/shared/api/security/verify_2factor";
const LOGOUT_PATH: &str = "/ams/shared/api/security/logout";
const ORGANIZATIONS_PATH: &str = "/ams/shared/api/organizations";
const CURRENT_USER_PATH: &str = "/api/users/me";
const MACHINES_PATH: &str = "/api/inventory/machines";
const SOFTWARE_PATH: &str = "/api/inventory/softwares";

/// The appliance client. Cheap to clone: clones share the connection pool and the session.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    observer: Option<Arc<dyn Fn(Notice) + Send + Sync>>,
}

struct Inner {
    http: reqwest::Client,
    /// Scheme, host and port, without a trailing slash.
    base: String,
    /// `host:port`, for error messages.
    host: String,
    settings: ConnectionSettings,
    session: Mutex<SessionState>,
    /// Held while the session is renewed, so concurrent requests wait for one re-login.
    renewal: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct SessionState {
    credentials: Option<Credentials>,
    csrf_token: Option<SecretString>,
    authorization: Option<SecretString>,
    /// The account needs a 2FA code at login, so the session cannot be renewed silently.
    two_factor: bool,
    /// A call after login worked: a later 401 means the session expired.
    established: bool,
    /// Bumped by every login; a request that saw an older generation just replays.
    generation: u64,
    /// The generation whose renewal failed: requests from it give up at once.
    renewal_failed: Option<u64>,
    organization: Option<String>,
}

/// A complete HTTP answer.
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    cookies: Vec<(String, SecretString)>,
}

/// A failed exchange, and whether trying again may help.
struct Failure {
    error: ApiError,
    retryable: bool,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let session = self.session();
        f.debug_struct("Client")
            .field("server", &self.inner.base)
            .field(
                "user",
                &session.credentials.as_ref().map(|c| c.user.as_str()),
            )
            .field("organization", &session.organization)
            .field("established", &session.established)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Builds the client (no network yet). Fails on a bad URL, an unreadable `ca_cert`,
    /// contradictory TLS settings, or plain `http://` to a host that is not loopback without
    /// `allow_http` ([`ApiError::InsecureTransport`]).
    pub fn new(settings: ConnectionSettings) -> Result<Client, ApiError> {
        let Server {
            base,
            host,
            https,
            loopback,
        } = parse_server(&settings.server)?;
        if !https && !loopback && !settings.allow_http {
            return Err(ApiError::InsecureTransport { host });
        }
        if settings.tls_fingerprint.is_some() && (settings.insecure || settings.ca_cert.is_some()) {
            return Err(ApiError::Config(
                "tls_fingerprint replaces certificate checking: do not combine it with ca_cert or insecure"
                    .to_string(),
            ));
        }
        // reqwest is built without a default crypto provider; ring is the one we ship.
        let _ = rustls::crypto::ring::default_provider().install_default();

        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        let version = HeaderValue::from_str(&settings.api_version).map_err(|_| {
            ApiError::Config(format!(
                "api_version \"{}\" cannot be sent as a header",
                settings.api_version
            ))
        })?;
        headers.insert("x-kace-api-version", version.clone());
        headers.insert("x-dell-api-version", version);

        let mut builder = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(concat!("kace-tui/", env!("CARGO_PKG_VERSION")))
            .cookie_store(true)
            .gzip(true)
            .connect_timeout(settings.connect_timeout)
            .read_timeout(settings.read_timeout)
            .tcp_keepalive(Duration::from_secs(30))
            .pool_idle_timeout(Duration::from_secs(60))
            // A redirect usually means a wrong base URL; say so rather than follow it.
            .redirect(reqwest::redirect::Policy::none());
        if let Some(path) = &settings.ca_cert {
            let pem = std::fs::read(path).map_err(|error| {
                ApiError::Config(format!("cannot read ca_cert {}: {error}", path.display()))
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .ok()
                .filter(|certs| !certs.is_empty())
                .ok_or_else(|| {
                    ApiError::Config(format!(
                        "ca_cert {} holds no PEM certificate",
                        path.display()
                    ))
                })?;
            builder = builder.tls_certs_only(certs);
        }
        if let Some(pin) = settings.tls_fingerprint {
            let config = tls::pinned_client_config(pin).map_err(|error| ApiError::Tls {
                host: host.clone(),
                detail: error.to_string(),
            })?;
            builder = builder.tls_backend_preconfigured(config);
        }
        if https {
            // Never follow anything to http:// (redirects are off too; this is the backstop).
            builder = builder.https_only(true);
        }
        if settings.insecure {
            tracing::warn!(
                server = %base,
                "TLS CERTIFICATE VERIFICATION IS DISABLED (insecure = true): anyone on the path \
                 can read the password and the session"
            );
            builder = builder.tls_danger_accept_invalid_certs(true);
        }
        let http = builder.build().map_err(|error| ApiError::Tls {
            host: host.clone(),
            detail: error_text(&error),
        })?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                host,
                settings,
                session: Mutex::new(SessionState::default()),
                renewal: tokio::sync::Mutex::new(()),
            }),
            observer: None,
        })
    }

    /// A clone sharing this client's session whose retries and renewals are reported to
    /// `observer` (the worker tags them with the request they belong to).
    pub fn observed(&self, observer: impl Fn(Notice) + Send + Sync + 'static) -> Client {
        Client {
            inner: Arc::clone(&self.inner),
            observer: Some(Arc::new(observer)),
        }
    }

    /// The settings the client was built with.
    pub fn settings(&self) -> &ConnectionSettings {
        &self.inner.settings
    }

    /// The organization of the session, when known (asked for at login, switched to, or
    /// reported by the appliance's `KACE_LAST_ORG_SECURE` cookie).
    pub fn organization(&self) -> Option<String> {
        self.session().organization.clone()
    }

    /// Logs in (`POST /ams/shared/api/security/login`, never retried), then asks who we are.
    /// An account with 2FA answers [`LoginState::TwoFactorRequired`]: call
    /// [`verify_two_factor`](Self::verify_two_factor) next.
    pub async fn login(&self, credentials: Credentials) -> Result<LoginState, ApiError> {
        {
            let mut session = self.session();
            *session = SessionState {
                generation: session.generation,
                ..SessionState::default()
            };
        }
        self.post_login(&credentials).await?;
        self.session().credentials = Some(credentials);
        match self.current_user().await {
            Ok(user) => Ok(LoginState::LoggedIn(user)),
            Err(ApiError::TwoFactorRequired) => {
                self.session().two_factor = true;
                Ok(LoginState::TwoFactorRequired)
            }
            Err(error) => Err(error),
        }
    }

    /// Sends the 2FA code after a login that answered [`LoginState::TwoFactorRequired`].
    pub async fn verify_two_factor(&self, code: &SecretString) -> Result<CurrentUser, ApiError> {
        let call = "verify the two-factor code";
        let body = serde_json::json!({ "currentCode": code.expose_secret().trim() });
        let reply = self
            .exchange(call, Method::POST, VERIFY_2FA_PATH, Some(body.to_string()))
            .await
            .map_err(|failure| failure.error)?;
        match reply.status {
            status if status.is_success() => {}
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                return Err(ApiError::TwoFactorRejected);
            }
            status => return Err(status_error(call, status, &reply)),
        }
        self.session().two_factor = true;
        self.current_user().await
    }

    /// The organizations the account can see.
    pub async fn organizations(&self) -> Result<Vec<Organization>, ApiError> {
        let call = "list organizations";
        let body = self.get(call, ORGANIZATIONS_PATH).await?;
        decode::organizations(call, &body)
    }

    /// Switches the session to `org`: the `switchto` route first; when the appliance does not
    /// have it, a new login with `organizationName` (which for a 2FA account ends in
    /// [`ApiError::TwoFactorRequired`]: send the code with `verify_two_factor`).
    pub async fn switch_organization(&self, org: &Organization) -> Result<CurrentUser, ApiError> {
        let call = format!("switch to organization {}", org.name);
        let path = format!("/ams/shared/api/security/organization/{}/switchto", org.id);
        let reply = self
            .send_in_session(&call, Method::POST, &path, Some("{}".to_string()))
            .await?;
        match reply.status {
            status if status.is_success() => {}
            StatusCode::NOT_FOUND
            | StatusCode::METHOD_NOT_ALLOWED
            | StatusCode::NOT_IMPLEMENTED
                if !mentions_organization(&reply) =>
            {
                tracing::info!(org = %org.name, "no switchto route; logging in again into the organization");
                let credentials = self
                    .session()
                    .credentials
                    .clone()
                    .ok_or(ApiError::NotLoggedIn)?;
                let credentials = Credentials {
                    organization: Some(org.name.clone()),
                    ..credentials
                };
                return match self.login(credentials).await? {
                    LoginState::LoggedIn(user) => {
                        self.session().organization = Some(org.name.clone());
                        Ok(user)
                    }
                    LoginState::TwoFactorRequired => Err(ApiError::TwoFactorRequired),
                };
            }
            StatusCode::BAD_REQUEST | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
                if mentions_organization(&reply) =>
            {
                return Err(ApiError::UnknownOrganization(org.name.clone()));
            }
            status => return Err(status_error(&call, status, &reply)),
        }
        {
            let mut session = self.session();
            session.organization = Some(org.name.clone());
            // A later silent re-login must land in the same organization.
            if let Some(credentials) = session.credentials.as_mut() {
                credentials.organization = Some(org.name.clone());
            }
        }
        self.current_user().await
    }

    /// The signed-in account (`GET /api/users/me`).
    pub async fn current_user(&self) -> Result<CurrentUser, ApiError> {
        let call = "get the current user";
        let body = self.get(call, CURRENT_USER_PATH).await?;
        decode::current_user(call, &body)
    }

    /// Logs out and forgets the session, even when the appliance cannot be reached.
    pub async fn logout(&self) -> Result<(), ApiError> {
        let call = "log out";
        let result = self.exchange(call, Method::GET, LOGOUT_PATH, None).await;
        {
            let mut session = self.session();
            *session = SessionState {
                generation: session.generation + 1,
                ..SessionState::default()
            };
        }
        let reply = result.map_err(|failure| failure.error)?;
        match reply.status {
            status if status.is_success() || status == StatusCode::UNAUTHORIZED => Ok(()),
            status => Err(status_error(call, status, &reply)),
        }
    }

    /// One page of machines exactly as `query` asks (its `paging` is sent as is).
    pub async fn machines_page(&self, query: &Query) -> Result<Page<Machine>, ApiError> {
        let call = "list machines";
        let path = with_query(MACHINES_PATH, &query.to_query_string()?);
        let body = self.get(call, &path).await?;
        decode_off_reactor(call.to_string(), body, decode::machines_page).await
    }

    /// Every machine matching `query`, streamed: `on_page` gets each page's new machines (by
    /// `Id`) as it arrives. The first page is small so the first rows show at once; the rest
    /// are fetched `concurrency` at a time, in order. `query.paging.limit`, when set, caps the
    /// total. Stops on an empty or short page, on `Count`, or on a page with no new id (an
    /// appliance that ignores `offset` cannot make it loop). On an error, what `on_page`
    /// already got stays valid.
    pub async fn list_machines(
        &self,
        query: &Query,
        mut on_page: impl FnMut(Vec<Machine>, ListProgress),
    ) -> Result<ListProgress, ApiError> {
        self.list_machines_paced(query, move |machines, progress| {
            on_page(machines, progress);
            std::future::ready(())
        })
        .await
    }

    /// [`list_machines`](Self::list_machines) with backpressure: no further page is fetched
    /// or delivered until the future `on_page` returns has finished, so a slow consumer never
    /// has more than the pages in flight waiting for it.
    pub async fn list_machines_paced<Fut: Future<Output = ()>>(
        &self,
        query: &Query,
        on_page: impl FnMut(Vec<Machine>, ListProgress) -> Fut,
    ) -> Result<ListProgress, ApiError> {
        let decode = if query.typed_fields_only {
            decode::machines_page_typed_only
        } else {
            decode::machines_page
        };
        self.list_all(
            MACHINES_PATH,
            "list machines",
            query,
            decode,
            |machine| machine.id,
            on_page,
        )
        .await
        .inspect(|progress| Self::log_skipped("list machines", progress))
    }

    /// Every software title matching `query`, streamed like [`list_machines`](Self::list_machines).
    pub async fn list_software(
        &self,
        query: &Query,
        mut on_page: impl FnMut(Vec<Software>, ListProgress),
    ) -> Result<ListProgress, ApiError> {
        self.list_all(
            SOFTWARE_PATH,
            "list software titles",
            query,
            decode::software_page,
            |software| software.id,
            move |titles, progress| {
                on_page(titles, progress);
                std::future::ready(())
            },
        )
        .await
        .inspect(|progress| Self::log_skipped("list software titles", progress))
    }

    /// One machine with every field (`machine all`) and its software (`software standard`).
    pub async fn machine(&self, id: u64) -> Result<MachineDetail, ApiError> {
        let call = format!("get machine {id}");
        let path = format!("{MACHINES_PATH}/{id}?shaping=machine%20all,software%20standard");
        let body = self.get(&call, &path).await?;
        decode_off_reactor(call, body, decode::machine_detail).await
    }

    // -----------------------------------------------------------------------------------------
    // Paging.

    async fn list_all<T: Send + 'static, Fut: Future<Output = ()>>(
        &self,
        route: &str,
        what: &str,
        query: &Query,
        decode: fn(&str, &[u8]) -> Result<Page<T>, ApiError>,
        id_of: fn(&T) -> u64,
        on_page: impl FnMut(Vec<T>, ListProgress) -> Fut,
    ) -> Result<ListProgress, ApiError> {
        query.validate()?;
        let settings = &self.inner.settings;
        let cap = query
            .paging
            .map(|paging| paging.limit as usize)
            .filter(|&limit| limit > 0);
        let page_size = settings.page_size.max(1);
        let first_size = settings.first_page_size.clamp(1, page_size);
        let first_size = cap.map_or(first_size, |cap| first_size.min(cap));
        let limit = settings.max_records.max(1);
        let mut pager = Pager {
            seen: HashSet::new(),
            progress: ListProgress::default(),
            cap,
            limit,
            overflow: false,
            id_of,
            on_page,
        };
        let fetch = |limit: usize, offset: usize| {
            let mut query = query.clone();
            query.paging = Some(Paging {
                limit: limit as u64,
                offset: offset as u64,
            });
            let call = format!("{what} (offset {offset})");
            async move {
                let path = with_query(route, &query.to_query_string()?);
                let body = self.get(&call, &path).await?;
                decode_off_reactor(call, body, decode).await
            }
        };

        let first = fetch(first_size, 0).await?;
        if !pager.absorb(first, first_size).await {
            return pager.finish(what);
        }
        let wanted = match (pager.progress.total, cap) {
            (Some(total), Some(cap)) => Some(total.min(cap)),
            (total, cap) => total.or(cap),
        }
        .map(|wanted| wanted.min(limit));
        let offsets = (0..).map(|page| first_size + page * page_size);
        let mut next_offset = first_size;
        // With a known size, fetch exactly the pages it needs concurrently; then a few slack
        // pages one by one, only if records were added meanwhile. Without, stream until a stop
        // rule fires (dropping the stream cancels the requests still in flight).
        let (bulk_pages, slack_pages) = match wanted {
            Some(wanted) => (
                wanted.saturating_sub(first_size).div_ceil(page_size),
                SLACK_PAGES,
            ),
            // One page past the limit, so an appliance that never stops is noticed.
            None => (limit.div_ceil(page_size) + 1, 0),
        };
        let mut pages = futures_util::stream::iter(offsets.take(bulk_pages))
            .map(|offset| async move { (offset, fetch(page_size, offset).await) })
            .buffered(settings.concurrency.max(1));
        while let Some((offset, page)) = pages.next().await {
            next_offset = offset + page_size;
            if !pager.absorb(page?, page_size).await {
                return pager.finish(what);
            }
        }
        drop(pages);
        for _ in 0..slack_pages {
            let page = fetch(page_size, next_offset).await?;
            next_offset += page_size;
            if !pager.absorb(page, page_size).await {
                break;
            }
        }
        pager.finish(what)
    }

    /// Logs what a finished load left out, so a short list can be explained.
    fn log_skipped(what: &str, progress: &ListProgress) {
        if progress.skipped > 0 {
            tracing::warn!(
                what,
                skipped = progress.skipped,
                "records without a usable Id were left out"
            );
        }
    }

    // -----------------------------------------------------------------------------------------
    // Requests, retries and session renewal.

    fn session(&self) -> MutexGuard<'_, SessionState> {
        // A poisoned lock only means another thread panicked mid-update; the state is still
        // a consistent set of plain values.
        self.inner
            .session
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn notify(&self, notice: Notice) {
        if let Some(observer) = &self.observer {
            observer(notice);
        }
    }

    /// `POST login`: stores the CSRF and authorization tokens; never retried.
    async fn post_login(&self, credentials: &Credentials) -> Result<(), ApiError> {
        let call = "log in";
        let mut body = serde_json::json!({
            "userName": credentials.user,
            "password": credentials.password.expose_secret(),
        });
        if let Some(org) = &credentials.organization {
            body["organizationName"] = serde_json::Value::String(org.clone());
        }
        let reply = self
            .exchange(call, Method::POST, LOGIN_PATH, Some(body.to_string()))
            .await
            .map_err(|failure| failure.error)?;
        match reply.status {
            status if status.is_success() => {}
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::BAD_REQUEST
                if mentions_organization(&reply) =>
            {
                return Err(ApiError::UnknownOrganization(
                    credentials.organization.clone().unwrap_or_default(),
                ));
            }
            StatusCode::UNAUTHORIZED => return Err(ApiError::InvalidCredentials),
            status => return Err(status_error(call, status, &reply)),
        }
        let header = |name: &str| {
            reply
                .headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .filter(|value| !value.is_empty())
                .map(|value| SecretString::from(value.to_string()))
        };
        let cookie = |name: &str| {
            reply
                .cookies
                .iter()
                .find(|(cookie, _)| cookie == name)
                .map(|(_, value)| value.clone())
        };
        let csrf_token = header("x-dell-csrf-token")
            .or_else(|| header("x-kace-csrf-token"))
            .or_else(|| cookie("KACE_CSRF_TOKEN"));
        let authorization = header("x-kace-authorization");
        let organization = cookie("KACE_LAST_ORG_SECURE")
            .map(|org| org.expose_secret().to_string())
            .filter(|org| !org.is_empty())
            .or_else(|| credentials.organization.clone());
        let mut session = self.session();
        session.csrf_token = csrf_token;
        session.authorization = authorization;
        session.organization = organization;
        session.generation += 1;
        session.renewal_failed = None;
        session.established = false;
        Ok(())
    }

    /// An idempotent GET with retries and session renewal; the body of a 2xx answer.
    async fn get(&self, call: &str, path: &str) -> Result<Bytes, ApiError> {
        let reply = self.send_in_session(call, Method::GET, path, None).await?;
        if reply.status.is_success() {
            Ok(reply.body)
        } else {
            Err(status_error(call, reply.status, &reply))
        }
    }

    /// Sends a request of the session: GETs are retried on transient failures, and a 401
    /// that means "session expired" renews the session once and replays. The reply may still
    /// be a non-2xx status for the caller to interpret; a 401 never is.
    async fn send_in_session(
        &self,
        call: &str,
        method: Method,
        path: &str,
        body: Option<String>,
    ) -> Result<Reply, ApiError> {
        let mut renewed = false;
        loop {
            let generation = self.session().generation;
            let reply = if method == Method::GET {
                self.get_retrying(call, path).await?
            } else {
                self.exchange(call, method.clone(), path, body.clone())
                    .await
                    .map_err(|failure| failure.error)?
            };
            if reply.status != StatusCode::UNAUTHORIZED {
                if reply.status.is_success() {
                    self.session().established = true;
                }
                return Ok(reply);
            }
            let description = decode::error_body(&reply.body)
                .map(|body| body.description.to_ascii_lowercase())
                .unwrap_or_default();
            if description.contains(NOT_FULLY_AUTHENTICATED) {
                return Err(ApiError::TwoFactorRequired);
            }
            let expired = description.contains("expired") || self.session().established;
            if renewed || !expired {
                return Err(ApiError::SessionExpired);
            }
            self.renew_session(generation).await?;
            renewed = true;
        }
    }

    /// Logs in again with the stored credentials, once for all requests that saw
    /// `generation` expire: the first one in logs in, the others wait and then replay.
    async fn renew_session(&self, generation: u64) -> Result<(), ApiError> {
        let _renewal = self.inner.renewal.lock().await;
        let credentials = {
            let session = self.session();
            if session.generation != generation {
                return Ok(());
            }
            if session.renewal_failed == Some(generation) || session.two_factor {
                return Err(ApiError::SessionExpired);
            }
            match &session.credentials {
                Some(credentials) => credentials.clone(),
                None => return Err(ApiError::SessionExpired),
            }
        };
        match self.post_login(&credentials).await {
            Ok(()) => {
                tracing::info!(server = %self.inner.base, "session expired; logged in again");
                self.notify(Notice::SessionRenewed);
                Ok(())
            }
            Err(error) => {
                tracing::warn!(%error, "session expired and logging in again failed");
                self.session().renewal_failed = Some(generation);
                Err(ApiError::SessionExpired)
            }
        }
    }

    /// A GET, retried on transient failures (network trouble, a cut-short body, 408, 429,
    /// 5xx) with exponential backoff and jitter, honouring `Retry-After`. Timeouts, refused
    /// connections, DNS and TLS failures are not retried: they would only make the user wait.
    async fn get_retrying(&self, call: &str, path: &str) -> Result<Reply, ApiError> {
        let settings = &self.inner.settings;
        let attempts = settings.max_attempts.max(1);
        let mut backoff = ExponentialBuilder::default()
            .with_min_delay(settings.retry_min_delay)
            .with_max_delay(settings.retry_max_delay.max(settings.retry_min_delay))
            .with_jitter()
            .with_max_times(attempts as usize - 1)
            .build();
        let mut attempt = 1;
        loop {
            let (error, retry_after) = match self.exchange(call, Method::GET, path, None).await {
                Ok(reply) if is_transient_status(reply.status) => {
                    let retry_after = reply
                        .headers
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|value| value.to_str().ok())
                        .and_then(|value| value.trim().parse::<u64>().ok())
                        .map(|seconds| Duration::from_secs(seconds).min(MAX_RETRY_AFTER));
                    (status_error(call, reply.status, &reply), retry_after)
                }
                Ok(reply) => return Ok(reply),
                Err(Failure {
                    error,
                    retryable: true,
                }) => (error, None),
                Err(Failure { error, .. }) => return Err(error),
            };
            let Some(delay) = backoff.next() else {
                return Err(error);
            };
            let delay = retry_after.map_or(delay, |after| after.max(delay));
            attempt += 1;
            tracing::info!(call, attempt, attempts, ?delay, %error, "retrying");
            self.notify(Notice::Retrying {
                attempt,
                of: attempts,
                delay,
                reason: error.to_string(),
            });
            tokio::time::sleep(delay).await;
        }
    }

    /// One request and its whole body, with the session headers.
    async fn exchange(
        &self,
        call: &str,
        method: Method,
        path: &str,
        body: Option<String>,
    ) -> Result<Reply, Failure> {
        let url = format!("{}{path}", self.inner.base);
        let mut request = self.inner.http.request(method, &url);
        {
            let session = self.session();
            if let Some(token) = &session.csrf_token {
                for name in ["x-dell-csrf-token", "x-kace-csrf-token"] {
                    if let Some(value) = sensitive_header(token) {
                        request = request.header(HeaderName::from_static(name), value);
                    }
                }
            }
            if let Some(value) = session.authorization.as_ref().and_then(sensitive_header) {
                request = request.header(HeaderName::from_static("x-kace-authorization"), value);
            }
        }
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        let response = request
            .send()
            .await
            .map_err(|error| self.transport_failure(call, &error))?;
        let status = response.status();
        let headers = response.headers().clone();
        let cookies = response
            .cookies()
            .map(|cookie| {
                (
                    cookie.name().to_string(),
                    SecretString::from(cookie.value().to_string()),
                )
            })
            .collect();
        let body = self.read_capped(call, response).await?;
        Ok(Reply {
            status,
            headers,
            body,
            cookies,
        })
    }

    /// The whole body, refused as soon as it exceeds `max_response_bytes` (a promised length
    /// is checked before reading; a chunked or compressed body as it arrives).
    async fn read_capped(
        &self,
        call: &str,
        mut response: reqwest::Response,
    ) -> Result<Bytes, Failure> {
        let limit = self.inner.settings.max_response_bytes;
        let too_large = || {
            tracing::warn!(
                call,
                limit,
                "answer larger than max_response_bytes; refused"
            );
            Failure {
                error: ApiError::TooLarge {
                    call: call.to_string(),
                    limit_mb: limit.div_ceil(MEBIBYTE),
                },
                retryable: false,
            }
        };
        let promised = response.content_length().unwrap_or(0);
        if promised > limit {
            return Err(too_large());
        }
        let mut body = Vec::with_capacity(promised as usize);
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|error| self.transport_failure(call, &error))?
        {
            if (body.len() + chunk.len()) as u64 > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Bytes::from(body))
    }

    /// Maps a reqwest error onto the typed errors, and says whether a retry may help.
    fn transport_failure(&self, call: &str, error: &reqwest::Error) -> Failure {
        let host = self.inner.host.clone();
        // For TLS, the handshake's own words say it better than the request's error chain.
        let detail = tls_error(error).map_or_else(|| error_text(error), tls::describe);
        let settings = &self.inner.settings;
        let (error, retryable) = if error.is_timeout() {
            let limit = if error.is_connect() {
                settings.connect_timeout
            } else {
                settings.read_timeout
            };
            let seconds = (limit.as_millis() as u64).div_ceil(1000);
            (ApiError::Timeout { host, seconds }, false)
        } else if error.is_connect() {
            if has_io_kind(error, std::io::ErrorKind::ConnectionRefused) {
                (ApiError::ConnectionRefused { host }, false)
            } else if is_tls_error(error) {
                (ApiError::Tls { host, detail }, false)
            } else if is_dns_error(&detail) {
                (ApiError::Dns { host }, false)
            } else {
                (ApiError::Network { host, detail }, true)
            }
        } else if error.is_body() || error.is_decode() {
            (
                ApiError::Decode {
                    call: call.to_string(),
                    detail: format!("the answer was cut short: {detail}"),
                },
                true,
            )
        } else if is_tls_error(error) {
            (ApiError::Tls { host, detail }, false)
        } else {
            (ApiError::Network { host, detail }, true)
        };
        Failure { error, retryable }
    }
}

/// The bookkeeping of one streaming load.
struct Pager<T, F> {
    seen: HashSet<u64>,
    progress: ListProgress,
    /// The most records the caller asked for.
    cap: Option<usize>,
    /// The most records any load may deliver (`max_records`).
    limit: usize,
    /// The appliance had more than `limit` records to give.
    overflow: bool,
    id_of: fn(&T) -> u64,
    on_page: F,
}

impl<T, F: FnMut(Vec<T>, ListProgress) -> Fut, Fut: Future<Output = ()>> Pager<T, F> {
    /// Takes one page asked for with `limit` (and waits until `on_page` has taken it);
    /// `false` when the load is complete.
    async fn absorb(&mut self, page: Page<T>, limit: usize) -> bool {
        let received = page.items.len() + page.skipped;
        let mut fresh: Vec<T> = page
            .items
            .into_iter()
            .filter(|item| self.seen.insert((self.id_of)(item)))
            .collect();
        let new_ids = fresh.len();
        let room = self.limit.saturating_sub(self.progress.loaded);
        let asked_room = self
            .cap
            .map_or(usize::MAX, |cap| cap.saturating_sub(self.progress.loaded));
        if new_ids > room && room < asked_room {
            self.overflow = true;
        }
        fresh.truncate(room.min(asked_room));
        self.progress.pages += 1;
        self.progress.skipped += page.skipped;
        self.progress.loaded += fresh.len();
        if let Some(count) = page.count {
            self.progress.total = Some(count as usize);
        }
        if !fresh.is_empty() {
            (self.on_page)(fresh, self.progress).await;
        }
        if new_ids == 0 && received > 0 {
            tracing::warn!(
                loaded = self.progress.loaded,
                "a page brought no new ids (the appliance may ignore offset); stopping"
            );
        }
        let complete = received < limit
            || new_ids == 0
            || self
                .progress
                .total
                .is_some_and(|total| self.seen.len() >= total)
            || self.cap.is_some_and(|cap| self.progress.loaded >= cap)
            || self.progress.loaded >= self.limit;
        !complete
    }

    /// The end of the load: an error when the appliance had more than `limit` records (by
    /// the pages it sent, or by its `Count`). What `on_page` got stays valid either way.
    fn finish(self, what: &str) -> Result<ListProgress, ApiError> {
        let beyond_limit = self.progress.loaded >= self.limit
            && self.cap.is_none_or(|cap| cap > self.limit)
            && self.progress.total.is_some_and(|total| total > self.limit);
        if self.overflow || beyond_limit {
            tracing::warn!(
                what,
                limit = self.limit,
                total = ?self.progress.total,
                "stopped at max_records"
            );
            return Err(ApiError::TooManyRecords {
                call: what.to_string(),
                limit: self.limit,
            });
        }
        Ok(self.progress)
    }
}

/// Decodes on a blocking thread when the body is big, so the reactor keeps serving the UI.
async fn decode_off_reactor<T: Send + 'static>(
    call: String,
    body: Bytes,
    decode: fn(&str, &[u8]) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    if body.len() <= DECODE_INLINE_LIMIT {
        return decode(&call, &body);
    }
    let failed_call = call.clone();
    tokio::task::spawn_blocking(move || decode(&call, &body))
        .await
        .unwrap_or_else(|error| {
            Err(ApiError::Decode {
                call: failed_call,
                detail: format!("the decoder stopped: {error}"),
            })
        })
}

/// The appliance's address, normalized.
#[derive(Debug, PartialEq)]
struct Server {
    /// `https://host[:port]`, without a trailing slash.
    base: String,
    /// `host[:port]`, for messages.
    host: String,
    https: bool,
    /// The host is a loopback address (or `localhost`): plain HTTP never leaves the machine.
    loopback: bool,
}

/// Normalizes what the user typed (`https://` is assumed when no scheme is given).
fn parse_server(server: &str) -> Result<Server, ApiError> {
    let server = server.trim();
    if server.is_empty() {
        return Err(ApiError::Config(
            "no server given (e.g. https://kace.example.com)".to_string(),
        ));
    }
    let with_scheme = if server.contains("://") {
        server.to_string()
    } else {
        format!("https://{server}")
    };
    let url = reqwest::Url::parse(&with_scheme)
        .map_err(|error| ApiError::Config(format!("server \"{server}\" is not a URL: {error}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ApiError::Config(format!(
            "server \"{server}\" must start with https:// (or http://)"
        )));
    }
    let host = url
        .host_str()
        .ok_or_else(|| ApiError::Config(format!("server \"{server}\" has no host")))?;
    let loopback = match host.trim_matches(['[', ']']).parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => ip.is_loopback(),
        Ok(std::net::IpAddr::V6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|ip| ip.is_loopback())
        }
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    };
    let host = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    };
    let base = with_scheme
        .split_once("://")
        .map(|(scheme, rest)| format!("{scheme}://{}", rest.trim_end_matches('/')))
        .unwrap_or(with_scheme);
    Ok(Server {
        base,
        host,
        https: url.scheme() == "https",
        loopback,
    })
}

fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

fn sensitive_header(secret: &SecretString) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(secret.expose_secret()).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// 408, 429 and 5xx: worth another try.
fn is_transient_status(status: StatusCode) -> bool {
    status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
        || status.is_server_error()
}

/// Whether the appliance's `errorDescription` talks about the organization. Words that are
/// paths do not count: an appliance without the switch route echoes
/// `.../organization/2/switchto` in its "no such route" answer, which is no verdict on the
/// organization.
fn mentions_organization(reply: &Reply) -> bool {
    decode::error_body(&reply.body).is_some_and(|body| {
        body.description
            .split_whitespace()
            .filter(|word| !word.starts_with('/'))
            .any(|word| word.to_ascii_lowercase().contains("organization"))
    })
}

/// A non-2xx answer as a typed error, with the appliance's `errorDescription` when it sent
/// one (cut to a readable length).
fn status_error(call: &str, status: StatusCode, reply: &Reply) -> ApiError {
    let description = decode::error_body(&reply.body)
        .map(|body| body.description)
        .filter(|text| !text.trim().is_empty())
        .unwrap_or_else(|| {
            status
                .canonical_reason()
                .unwrap_or("no reason given")
                .to_string()
        });
    let description: String = description.chars().take(300).collect();
    match status.as_u16() {
        400 => ApiError::BadRequest(format!("{call}: {description}")),
        401 => ApiError::SessionExpired,
        403 => ApiError::Forbidden(format!("{call}: {description}")),
        404 => ApiError::NotFound(format!("{call}: {description}")),
        300..=399 => {
            let location = reply
                .headers
                .get(reqwest::header::LOCATION)
                .and_then(|value| value.to_str().ok())
                .unwrap_or("elsewhere");
            ApiError::Server {
                status: status.as_u16(),
                description: format!(
                    "{call}: redirected to {location}; check the server URL (https://?)"
                ),
            }
        }
        code => ApiError::Server {
            status: code,
            description: format!("{call}: {description}"),
        },
    }
}

/// The error and its causes, joined: reqwest's own message is often just "error sending
/// request".
fn error_text(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

/// Every error in the chain, including those wrapped inside an `io::Error`.
fn causes<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(error), |error| {
        error
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref().map(|inner| inner as _))
            .or_else(|| error.source())
    })
}

fn has_io_kind(error: &reqwest::Error, kind: std::io::ErrorKind) -> bool {
    causes(error).any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == kind)
    })
}

fn is_tls_error(error: &reqwest::Error) -> bool {
    tls_error(error).is_some()
}

fn tls_error(error: &reqwest::Error) -> Option<&rustls::Error> {
    causes(error).find_map(|cause| cause.downcast_ref::<rustls::Error>())
}

fn is_dns_error(detail: &str) -> bool {
    let detail = detail.to_ascii_lowercase();
    [
        "dns error",
        "failed to lookup",
        "name or service not known",
        "no address associated",
    ]
    .iter()
    .any(|needle| detail.contains(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_secret_reaches_debug_output() {
        let credentials = Credentials {
            user: "admin".to_string(),
            password: SecretString::from("hunter2-password".to_string()),
            organization: Some("Default".to_string()),
        };
        let pin = Fingerprint::of(b"certificate");
        let settings = ConnectionSettings {
            server: "https://kace.example.com/".to_string(),
            tls_fingerprint: Some(pin),
            allow_http: true,
            ..ConnectionSettings::default()
        };
        let client = Client::new(settings.clone()).unwrap();
        {
            let mut session = client.session();
            session.credentials = Some(credentials.clone());
            session.csrf_token = Some(SecretString::from("csrf-secret-token".to_string()));
            session.authorization = Some(SecretString::from("bearer-secret".to_string()));
        }
        let printed = format!("{credentials:?} {settings:?} {client:?} {client:#?}");
        for secret in ["hunter2-password", "csrf-secret-token", "bearer-secret"] {
            assert!(!printed.contains(secret), "{secret} leaked: {printed}");
        }
        assert!(printed.contains("admin"), "{printed}");
        // The transport settings are not secret, and useful when diagnosing.
        assert!(printed.contains(&pin.to_string()), "{printed}");
        assert!(printed.contains("allow_http: true"), "{printed}");
        let header = sensitive_header(&SecretString::from("csrf-secret-token".to_string()));
        assert!(!format!("{header:?}").contains("csrf-secret-token"));
    }

    #[test]
    fn server_urls_are_normalized() {
        assert_eq!(
            parse_server("kace.example.com").unwrap(),
            Server {
                base: "https://kace.example.com".to_string(),
                host: "kace.example.com".to_string(),
                https: true,
                loopback: false,
            }
        );
        assert_eq!(
            parse_server(" http://127.0.0.1:8080/ ").unwrap(),
            Server {
                base: "http://127.0.0.1:8080".to_string(),
                host: "127.0.0.1:8080".to_string(),
                https: false,
                loopback: true,
            }
        );
        for loopback in ["http://localhost:1", "http://[::1]:2", "http://127.8.9.10"] {
            assert!(parse_server(loopback).unwrap().loopback, "{loopback}");
        }
        for remote in [
            "http://10.0.0.1",
            "http://localhost.example.com",
            "http://[::2]",
        ] {
            assert!(!parse_server(remote).unwrap().loopback, "{remote}");
        }
        for bad in ["", "ftp://x", "https://"] {
            assert!(
                matches!(parse_server(bad), Err(ApiError::Config(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_missing_or_bad_ca_cert_is_a_config_error() {
        let settings = ConnectionSettings {
            server: "https://kace.example.com".to_string(),
            ca_cert: Some(PathBuf::from("/nonexistent/ca.pem")),
            ..ConnectionSettings::default()
        };
        assert!(matches!(Client::new(settings), Err(ApiError::Config(_))));
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), "not a certificate").unwrap();
        let settings = ConnectionSettings {
            server: "https://kace.example.com".to_string(),
            ca_cert: Some(file.path().to_path_buf()),
            ..ConnectionSettings::default()
        };
        assert!(matches!(Client::new(settings), Err(ApiError::Config(_))));
    }

    fn page(ids: &[u64], count: Option<u64>) -> Page<Machine> {
        Page {
            items: ids
                .iter()
                .map(|&id| Machine {
                    id,
                    ..Machine::default()
                })
                .collect(),
            count,
            skipped: 0,
        }
    }

    #[tokio::test]
    async fn the_pager_dedups_and_knows_when_to_stop() {
        let mut delivered = Vec::new();
        let mut pager = Pager {
            seen: HashSet::new(),
            progress: ListProgress::default(),
            cap: None,
            limit: DEFAULT_MAX_RECORDS,
            overflow: false,
            id_of: |machine: &Machine| machine.id,
            on_page: |machines: Vec<Machine>, _| {
                delivered.extend(machines.iter().map(|m| m.id));
                std::future::ready(())
            },
        };
        assert!(pager.absorb(page(&[1, 2], Some(6)), 2).await);
        assert!(
            pager.absorb(page(&[2, 3], None), 2).await,
            "one new id: go on"
        );
        assert!(
            !pager.absorb(page(&[2, 3], None), 2).await,
            "no new id: stop"
        );
        assert_eq!(pager.progress.loaded, 3);
        assert_eq!(pager.progress.total, Some(6));
        assert!(!pager.absorb(page(&[4], None), 2).await, "short page: stop");
        assert!(!pager.absorb(page(&[], None), 2).await, "empty page: stop");
        assert!(
            !pager.absorb(page(&[5, 6], None), 2).await,
            "count reached: stop"
        );
        drop(pager);
        assert_eq!(delivered, [1, 2, 3, 4, 5, 6]);
    }

    #[tokio::test]
    async fn the_pager_honours_a_cap() {
        let mut delivered = 0;
        let mut pager = Pager {
            seen: HashSet::new(),
            progress: ListProgress::default(),
            cap: Some(3),
            limit: DEFAULT_MAX_RECORDS,
            overflow: false,
            id_of: |machine: &Machine| machine.id,
            on_page: |machines: Vec<Machine>, _| {
                delivered += machines.len();
                std::future::ready(())
            },
        };
        assert!(pager.absorb(page(&[1, 2], None), 2).await);
        assert!(!pager.absorb(page(&[3, 4], None), 2).await);
        drop(pager);
        assert_eq!(delivered, 3);
    }
}
