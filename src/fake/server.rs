//! The HTTP side of the fake appliance: the AMS routes (login, 2FA, logout, organizations),
//! the `/api` routes, sessions, header generations, role scoping, and where the faults of
//! [`Faults`] are applied. Behaviour and the choices made where the reference is silent are
//! documented in `fake/mod.rs`.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, COOKIE, RETRY_AFTER, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::StreamExt;
use serde_json::json;

use super::FakeConfig;
use super::data::{Appliance, MACHINES_SCHEMA, MachinesView, SOFTWARE_SCHEMA, SoftwareView};
use super::faults::{Fault, Faults};
use super::net::Connection;
use super::prng::SplitMix64;
use super::query::{Dataset, ListBody, Query, Selection, select};

/// A demo account of the fake appliance.
#[derive(Debug)]
pub struct DemoAccount {
    pub id: u32,
    pub user: &'static str,
    pub password: &'static str,
    pub full_name: &'static str,
    /// The role name as `/api/users/me` reports it.
    pub role: &'static str,
    /// Organizations the account may log into; the first is its default.
    pub orgs: &'static [&'static str],
    pub two_factor: bool,
    /// Sees only machines whose `User` is this account.
    pub own_machines_only: bool,
    /// May not write (writes get 403).
    pub read_only: bool,
}

/// The accounts `demo-server` prints and the README lists.
pub const DEMO_ACCOUNTS: [DemoAccount; 4] = [
    DemoAccount {
        id: 1,
        user: "admin",
        password: "admin",
        full_name: "Alex Admin",
        role: "Administrator",
        orgs: &["Default", "Lab"],
        two_factor: false,
        own_machines_only: false,
        read_only: false,
    },
    DemoAccount {
        id: 2,
        user: "viewer",
        password: "viewer",
        full_name: "Vera Viewer",
        role: "Read Only Administrator",
        orgs: &["Default"],
        two_factor: false,
        own_machines_only: false,
        read_only: true,
    },
    DemoAccount {
        id: 3,
        user: "jdoe",
        password: "jdoe",
        full_name: "Jane Doe",
        role: "User",
        orgs: &["Default"],
        two_factor: false,
        own_machines_only: true,
        read_only: true,
    },
    DemoAccount {
        id: 4,
        user: "secure",
        password: "secure",
        full_name: "Sam Secure",
        role: "Administrator",
        orgs: &["Default", "Lab"],
        two_factor: true,
        own_machines_only: false,
        read_only: false,
    },
];

/// Answers with more rows than this are streamed (chunked) instead of sent in one piece.
const STREAM_ABOVE_ROWS: usize = 500;

#[derive(Debug)]
struct Session {
    account: &'static DemoAccount,
    org: u64,
    last_seen: Instant,
    generation: u64,
    api_requests: u64,
    expired: bool,
    two_factor_done: bool,
    csrf: String,
    authorization: String,
    /// The login carried `x-dell-api-version`, so the Dell headers stay accepted.
    dell_login: bool,
}

pub(crate) struct AppState {
    pub(crate) config: FakeConfig,
    pub(crate) appliance: Arc<Appliance>,
    pub(crate) faults: Arc<Faults>,
    sessions: Mutex<HashMap<String, Session>>,
    tokens: Mutex<SplitMix64>,
}

impl AppState {
    pub(crate) fn new(config: FakeConfig, appliance: Arc<Appliance>, faults: Arc<Faults>) -> Self {
        let time_seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_nanos() as u64)
            .unwrap_or(0);
        AppState {
            tokens: Mutex::new(SplitMix64::new(time_seed ^ config.seed)),
            config,
            appliance,
            faults,
            sessions: Mutex::new(HashMap::new()),
        }
    }

    fn sessions(&self) -> MutexGuard<'_, HashMap<String, Session>> {
        self.sessions
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn token(&self, bytes: usize) -> String {
        let mut rng = self
            .tokens
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        (0..bytes)
            .map(|_| format!("{:02x}", rng.below(256)))
            .collect()
    }
}

pub(crate) fn router(state: Arc<AppState>) -> Router {
    Router::new().fallback(dispatch).with_state(state)
}

// ----- responses -----

fn json_response(status: StatusCode, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn json_value(status: StatusCode, value: serde_json::Value) -> Response {
    json_response(status, value.to_string())
}

/// The appliance's error envelope.
fn error(status: StatusCode, description: impl Into<String>) -> Response {
    json_value(
        status,
        json!({"errorCode": -1, "errorDescription": description.into()}),
    )
}

fn success() -> Response {
    json_value(StatusCode::OK, json!({"Result": "Success"}))
}

fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static("invalid"))
}

fn add_cookie(response: &mut Response, cookie: String) {
    response
        .headers_mut()
        .append(SET_COOKIE, header_value(&cookie));
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
}

// ----- dispatch -----

async fn dispatch(
    State(state): State<Arc<AppState>>,
    ConnectInfo(connection): ConnectInfo<Connection>,
    request: Request,
) -> Response {
    let path = request.uri().path().to_string();
    let _in_flight = state.faults.count_request(&path);
    if state.faults.is_gone() {
        connection.token.cancel();
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let latency = state.faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if path == "/api" || path.starts_with("/api/") {
        return api_with_faults(&state, &connection, request).await;
    }
    let method = request.method().clone();
    let trimmed = path.trim_end_matches('/');
    if state.faults.without_switch_routes() && is_switch_route(trimmed) {
        return error(StatusCode::NOT_FOUND, format!("No such route: {path}"));
    }
    match (method, trimmed) {
        (Method::POST, "/ams/shared/api/security/login") => login(&state, request).await,
        (Method::POST, "/ams/shared/api/security/verify_2factor") => {
            verify_two_factor(&state, request).await
        }
        (Method::GET | Method::POST, "/ams/shared/api/security/logout") => logout(&state, &request),
        (Method::GET, "/ams/shared/api/security/refreshcontext") => {
            match ams_session(&state, request.headers(), false) {
                Ok(_) => success(),
                Err(rejection) => rejection.into_response(),
            }
        }
        (Method::GET, "/ams/shared/api/organizations") => organizations(&state, &request),
        (Method::POST, "/ams/shared/api/security/organization/switch") => {
            let id = request.uri().query().and_then(|query| {
                query
                    .split('&')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(key, _)| *key == "organizationId")
                    .map(|(_, value)| value.to_string())
            });
            switch_org(&state, &request, id.as_deref())
        }
        (Method::POST, route) if route.starts_with("/ams/shared/api/security/organization/") => {
            let id = route
                .strip_prefix("/ams/shared/api/security/organization/")
                .and_then(|rest| rest.strip_suffix("/switchto"));
            match id {
                Some(id) => switch_org(&state, &request, Some(id)),
                None => error(StatusCode::NOT_FOUND, format!("No such route: {path}")),
            }
        }
        _ => error(StatusCode::NOT_FOUND, format!("No such route: {path}")),
    }
}

/// `.../organization/switch` and `.../organization/{id}/switchto`, whatever the id.
fn is_switch_route(path: &str) -> bool {
    path.strip_prefix("/ams/shared/api/security/organization/")
        .is_some_and(|rest| rest == "switch" || rest.ends_with("/switchto"))
}

async fn api_with_faults(state: &AppState, connection: &Connection, request: Request) -> Response {
    let gzip = state.faults.gzip() && accepts_gzip(request.headers());
    let fault = state.faults.take_fault();
    let response = match fault {
        Some(Fault::Status(status)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return error(status, "Injected failure");
        }
        Some(Fault::TooManyRequests { retry_after_secs }) => {
            let mut response = error(StatusCode::TOO_MANY_REQUESTS, "Too many requests");
            response
                .headers_mut()
                .insert(RETRY_AFTER, header_value(&retry_after_secs.to_string()));
            return response;
        }
        Some(Fault::DropConnection) => {
            connection.token.cancel();
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
        Some(Fault::Hang) => {
            connection.token.cancelled().await;
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
        Some(Fault::TruncateBody | Fault::TruncatedJson) | None => api(state, request).await,
    };
    let response = if gzip {
        state.faults.count_gzip_response();
        compress(response).await
    } else {
        response
    };
    match fault {
        Some(Fault::TruncateBody) => truncate(response, connection.token.clone(), false).await,
        Some(Fault::TruncatedJson) => truncate(response, connection.token.clone(), true).await,
        _ => match state.faults.drip() {
            Some((chunk, pause)) => drip(response, chunk, pause),
            None => response,
        },
    }
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(axum::http::header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| coding.split(';').next().unwrap_or("").trim() == "gzip")
}

/// The answer gzip-compressed, with `Content-Encoding` and the compressed length.
async fn compress(response: Response) -> Response {
    use std::io::Write;
    let (mut parts, body) = response.into_parts();
    let full = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let compressed = encoder
        .write_all(&full)
        .and_then(|()| encoder.finish())
        .unwrap_or_default();
    parts.headers.insert(
        axum::http::header::CONTENT_ENCODING,
        HeaderValue::from_static("gzip"),
    );
    parts
        .headers
        .insert(CONTENT_LENGTH, header_value(&compressed.len().to_string()));
    Response::from_parts(parts, Body::from(compressed))
}

/// Cuts the body in half: either a clean short answer (`complete`), or half a body after a
/// `Content-Length` that promises all of it, then a dead connection.
async fn truncate(
    response: Response,
    token: tokio_util::sync::CancellationToken,
    complete: bool,
) -> Response {
    let (mut parts, body) = response.into_parts();
    let full = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let half = full.slice(..full.len() / 2);
    parts.headers.remove(CONTENT_LENGTH);
    if complete {
        parts.status = StatusCode::OK;
        parts
            .headers
            .insert(CONTENT_LENGTH, header_value(&half.len().to_string()));
        return Response::from_parts(parts, Body::from(half));
    }
    parts
        .headers
        .insert(CONTENT_LENGTH, header_value(&full.len().to_string()));
    let pieces = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(half) })
        .chain(futures_util::stream::once(async move {
            // Give hyper a moment to put the half on the wire, then cut the line.
            tokio::time::sleep(Duration::from_millis(20)).await;
            token.cancel();
            Err(std::io::Error::other("body truncated by a fault"))
        }));
    Response::from_parts(parts, Body::from_stream(pieces))
}

/// Sends the body in small pieces with a pause before each.
fn drip(response: Response, chunk: usize, pause: Duration) -> Response {
    let (mut parts, body) = response.into_parts();
    parts.headers.remove(CONTENT_LENGTH);
    let pieces = body
        .into_data_stream()
        .flat_map(move |data| {
            let pieces: Vec<Result<Bytes, axum::Error>> = match data {
                Ok(data) => (0..data.len())
                    .step_by(chunk)
                    .map(|start| Ok(data.slice(start..(start + chunk).min(data.len()))))
                    .collect(),
                Err(error) => vec![Err(error)],
            };
            futures_util::stream::iter(pieces)
        })
        .then(move |piece| async move {
            tokio::time::sleep(pause).await;
            piece
        });
    Response::from_parts(parts, Body::from_stream(pieces))
}

// ----- sessions -----

/// A refused request: the status and the text of its error envelope.
struct Rejection {
    status: StatusCode,
    description: String,
}

fn reject(status: StatusCode, description: impl Into<String>) -> Rejection {
    Rejection {
        status,
        description: description.into(),
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        error(self.status, self.description)
    }
}

/// A checked session: what a handler needs to know about the caller.
struct Caller {
    account: &'static DemoAccount,
    org: u64,
}

fn expired(state: &AppState, session: &Session) -> bool {
    let faults = &state.faults;
    let ttl = Duration::from_millis(
        faults
            .session_ttl_ms
            .load(std::sync::atomic::Ordering::SeqCst),
    );
    let limit = faults
        .expire_after_requests
        .load(std::sync::atomic::Ordering::SeqCst);
    session.expired
        || session.generation
            < faults
                .expire_generation
                .load(std::sync::atomic::Ordering::SeqCst)
        || (limit > 0 && session.api_requests >= limit)
        || session.last_seen.elapsed() > ttl
}

/// Checks the session cookie (and, in legacy mode, the CSRF header). `allow_pending_2fa`
/// lets the 2FA step itself through.
fn ams_session(
    state: &AppState,
    headers: &HeaderMap,
    allow_pending_2fa: bool,
) -> Result<(String, Caller), Rejection> {
    let Some(session_id) = cookie(headers, "kboxid") else {
        return Err(reject(StatusCode::UNAUTHORIZED, "Not authenticated"));
    };
    let mut sessions = state.sessions();
    let Some(session) = sessions.get_mut(&session_id) else {
        return Err(reject(StatusCode::UNAUTHORIZED, "Invalid token"));
    };
    if expired(state, session) {
        session.expired = true;
        return Err(reject(StatusCode::UNAUTHORIZED, "Expired token"));
    }
    if state.config.legacy_csrf {
        let sent = header(headers, "x-dell-csrf-token");
        let cookie_token = cookie(headers, "KACE_CSRF_TOKEN");
        if sent.is_none() || sent != cookie_token.as_deref() || sent != Some(&session.csrf) {
            return Err(reject(StatusCode::UNAUTHORIZED, "Invalid CSRF token"));
        }
    } else {
        match header(headers, "x-kace-authorization") {
            Some(sent) if sent != session.authorization => {
                return Err(reject(StatusCode::UNAUTHORIZED, "Invalid token"));
            }
            None if state.faults.require_authorization() => {
                return Err(reject(StatusCode::UNAUTHORIZED, "Invalid token"));
            }
            _ => {}
        }
    }
    if session.account.two_factor && !session.two_factor_done && !allow_pending_2fa {
        return Err(reject(
            StatusCode::UNAUTHORIZED,
            "User not fully authenticated.",
        ));
    }
    session.last_seen = Instant::now();
    Ok((
        session_id,
        Caller {
            account: session.account,
            org: session.org,
        },
    ))
}

fn valid_version(value: &str) -> bool {
    value
        .trim()
        .parse::<f64>()
        .is_ok_and(|version| version >= 1.0)
}

/// The checks every `/api` request passes: version header, session, CSRF, 2FA.
fn api_session(state: &AppState, headers: &HeaderMap) -> Result<Caller, Rejection> {
    let kace = header(headers, "x-kace-api-version");
    let dell = header(headers, "x-dell-api-version");
    if kace.is_none() && dell.is_none() {
        return Err(reject(
            StatusCode::BAD_REQUEST,
            "Missing API version header (x-kace-api-version)",
        ));
    }
    if [kace, dell]
        .into_iter()
        .flatten()
        .any(|value| !valid_version(value))
    {
        return Err(reject(StatusCode::BAD_REQUEST, "Invalid API version"));
    }
    let (session_id, caller) = ams_session(state, headers, false)?;
    let mut sessions = state.sessions();
    let Some(session) = sessions.get_mut(&session_id) else {
        return Err(reject(StatusCode::UNAUTHORIZED, "Invalid token"));
    };
    let version_ok = if state.config.legacy_csrf {
        dell.is_some()
    } else {
        kace.is_some() || session.dell_login
    };
    if !version_ok {
        let wanted = if state.config.legacy_csrf {
            "x-dell-api-version"
        } else {
            "x-kace-api-version"
        };
        return Err(reject(
            StatusCode::BAD_REQUEST,
            format!("Missing API version header ({wanted})"),
        ));
    }
    session.api_requests += 1;
    Ok(caller)
}

// ----- AMS routes -----

#[derive(serde::Deserialize)]
struct LoginBody {
    #[serde(rename = "userName")]
    user_name: String,
    password: String,
    #[serde(rename = "organizationName", default)]
    organization_name: Option<String>,
}

async fn login(state: &AppState, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        state.faults.count_login(false);
        return error(StatusCode::BAD_REQUEST, "Invalid request body");
    };
    let Ok(credentials) = serde_json::from_slice::<LoginBody>(&bytes) else {
        state.faults.count_login(false);
        return error(
            StatusCode::BAD_REQUEST,
            "Invalid request body: expected {\"userName\",\"password\",\"organizationName\"}",
        );
    };
    let account = DEMO_ACCOUNTS.iter().find(|account| {
        account.user.eq_ignore_ascii_case(&credentials.user_name)
            && account.password == credentials.password
    });
    let Some(account) = account else {
        state.faults.count_login(false);
        return error(StatusCode::UNAUTHORIZED, "Invalid user name or password");
    };
    let org_name = credentials
        .organization_name
        .filter(|name| !name.trim().is_empty())
        .unwrap_or_else(|| account.orgs[0].to_string());
    let org = state
        .appliance
        .org_by_name(&org_name)
        .filter(|org| account.orgs.contains(&org.name));
    let Some(org) = org else {
        state.faults.count_login(false);
        return error(StatusCode::UNAUTHORIZED, "Invalid organization");
    };
    let session_id = state.token(16);
    let csrf = state.token(16);
    let jwt = format!(
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.{}.{}",
        state.token(24),
        state.token(16)
    );
    // The JWT's random parts too, so a test also catches a leak of one of them.
    for secret in [session_id.as_str(), csrf.as_str(), jwt.as_str()]
        .into_iter()
        .chain(jwt.split('.').skip(1))
    {
        state.faults.record_issued_secret(secret);
    }
    let dell_login = parts.headers.contains_key("x-dell-api-version");
    state.sessions().insert(
        session_id.clone(),
        Session {
            account,
            org: org.id,
            last_seen: Instant::now(),
            generation: state
                .faults
                .expire_generation
                .load(std::sync::atomic::Ordering::SeqCst),
            api_requests: 0,
            expired: false,
            two_factor_done: false,
            csrf: csrf.clone(),
            authorization: jwt.clone(),
            dell_login,
        },
    );
    state.faults.count_login(true);
    let mut response = success();
    add_cookie(
        &mut response,
        format!("kboxid={session_id}; Path=/; HttpOnly"),
    );
    add_cookie(
        &mut response,
        format!("x-dell-auth-jwt={jwt}; Path=/; HttpOnly"),
    );
    add_cookie(&mut response, format!("KACE_CSRF_TOKEN={csrf}; Path=/"));
    add_cookie(
        &mut response,
        format!("KACE_LAST_USER_SECURE={}; Path=/", account.user),
    );
    add_cookie(
        &mut response,
        format!("KACE_LAST_ORG_SECURE={}; Path=/", org.name),
    );
    if state.config.legacy_csrf {
        if dell_login {
            response
                .headers_mut()
                .insert("x-dell-csrf-token", header_value(&csrf));
        }
    } else {
        response
            .headers_mut()
            .insert("x-kace-authorization", header_value(&jwt));
    }
    response
}

#[derive(serde::Deserialize)]
struct TwoFactorBody {
    #[serde(rename = "currentCode")]
    current_code: String,
}

async fn verify_two_factor(state: &AppState, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let (session_id, caller) = match ams_session(state, &parts.headers, true) {
        Ok(found) => found,
        Err(rejection) => return rejection.into_response(),
    };
    let code = axum::body::to_bytes(body, 64 * 1024)
        .await
        .ok()
        .and_then(|bytes| serde_json::from_slice::<TwoFactorBody>(&bytes).ok());
    let Some(code) = code else {
        return error(
            StatusCode::BAD_REQUEST,
            "Invalid request body: expected {\"currentCode\"}",
        );
    };
    if !caller.account.two_factor {
        return error(
            StatusCode::BAD_REQUEST,
            "Two-factor authentication is not enabled for this user",
        );
    }
    if code.current_code.trim() != state.config.two_factor_code {
        return error(StatusCode::UNAUTHORIZED, "Invalid verification code");
    }
    if let Some(session) = state.sessions().get_mut(&session_id) {
        session.two_factor_done = true;
    }
    success()
}

fn logout(state: &AppState, request: &Request) -> Response {
    if let Some(session_id) = cookie(request.headers(), "kboxid") {
        state.sessions().remove(&session_id);
    }
    let mut response = success();
    for name in [
        "kboxid",
        "x-dell-auth-jwt",
        "KACE_CSRF_TOKEN",
        "KACE_LAST_USER_SECURE",
        "KACE_LAST_ORG_SECURE",
    ] {
        add_cookie(&mut response, format!("{name}=; Path=/; Max-Age=0"));
    }
    response
}

fn organizations(state: &AppState, request: &Request) -> Response {
    let caller = match ams_session(state, request.headers(), false) {
        Ok((_, caller)) => caller,
        Err(rejection) => return rejection.into_response(),
    };
    let orgs: Vec<serde_json::Value> = state
        .appliance
        .orgs
        .iter()
        .filter(|org| caller.account.orgs.contains(&org.name))
        .map(|org| json!({"id": org.id, "name": org.name}))
        .collect();
    json_value(
        StatusCode::OK,
        json!({"Count": orgs.len(), "Organizations": orgs}),
    )
}

fn switch_org(state: &AppState, request: &Request, id: Option<&str>) -> Response {
    let (session_id, caller) = match ams_session(state, request.headers(), false) {
        Ok(found) => found,
        Err(rejection) => return rejection.into_response(),
    };
    let Some(id) = id.and_then(|id| id.parse::<u64>().ok()) else {
        return error(StatusCode::BAD_REQUEST, "Invalid organization id");
    };
    let org = state
        .appliance
        .org_by_id(id)
        .filter(|org| caller.account.orgs.contains(&org.name));
    let Some(org) = org else {
        return error(StatusCode::FORBIDDEN, "Invalid organization");
    };
    if let Some(session) = state.sessions().get_mut(&session_id) {
        session.org = org.id;
    }
    let mut response = success();
    add_cookie(
        &mut response,
        format!("KACE_LAST_ORG_SECURE={}; Path=/", org.name),
    );
    response
}

// ----- /api routes -----

async fn api(state: &AppState, request: Request) -> Response {
    let caller = match api_session(state, request.headers()) {
        Ok(caller) => caller,
        Err(rejection) => return rejection.into_response(),
    };
    let path = request.uri().path().trim_end_matches('/').to_string();
    let query = request.uri().query().map(str::to_string);
    if request.method() != Method::GET {
        return if caller.account.read_only {
            error(StatusCode::FORBIDDEN, "Permission denied")
        } else {
            error(
                StatusCode::METHOD_NOT_ALLOWED,
                "The fake appliance is read-only",
            )
        };
    }
    let segments: Vec<&str> = path.split('/').skip(2).collect();
    match segments.as_slice() {
        ["inventory", "machines"] => machines(state, &caller, query, None).await,
        ["inventory", "machines", id] => machines(state, &caller, query, Some(id)).await,
        ["inventory", "softwares"] => softwares(state, &caller, query, None).await,
        ["inventory", "softwares", id] => softwares(state, &caller, query, Some(id)).await,
        ["users", "me"] => current_user(&caller),
        _ => error(StatusCode::NOT_FOUND, format!("No such route: {path}")),
    }
}

fn current_user(caller: &Caller) -> Response {
    let account = caller.account;
    // The appliance's default roles, numbered in the order the console lists them.
    let role_id = match account.role {
        "Administrator" => 1,
        "Read Only Administrator" => 2,
        _ => 3,
    };
    json_value(
        StatusCode::OK,
        json!({
            "Count": 1,
            "Users": [{
                "Id": account.id.to_string(),
                "User_name": account.user,
                "Full_name": account.full_name,
                "Email": format!("{}@example.com", account.user),
                "Role": {"Id": role_id.to_string(), "Name": account.role},
            }]
        }),
    )
}

fn parse_id(text: &str) -> Option<u32> {
    text.parse::<u32>().ok()
}

async fn machines(
    state: &AppState,
    caller: &Caller,
    raw: Option<String>,
    id: Option<&str>,
) -> Response {
    let query = match Query::from_query_string(&MACHINES_SCHEMA, raw.as_deref()) {
        Ok(query) => query,
        Err(problem) => return error(StatusCode::BAD_REQUEST, problem.0),
    };
    let Some(org) = state.appliance.org_by_id(caller.org).cloned() else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "Organization vanished");
    };
    let own_user = caller
        .account
        .own_machines_only
        .then_some(caller.account.user);
    let visible = move |machine: &super::data::MachineRecord| {
        own_user.is_none_or(|user| machine.has_user(user))
    };
    if let Some(id) = id {
        let Some(id) = parse_id(id) else {
            return error(
                StatusCode::BAD_REQUEST,
                format!("Invalid machine id '{id}'"),
            );
        };
        let row = org
            .row_of(id)
            .filter(|&row| visible(&org.machines[row as usize]));
        let query = query.for_single_record();
        return match row {
            Some(row) => respond_list(
                Arc::new(MachinesView { org }),
                query,
                Selection {
                    total: 1,
                    rows: vec![row],
                },
            ),
            None => not_found(state, query, "Machines", format!("Machine {id} not found")),
        };
    }
    if state.faults.endless_pages() {
        return endless_page(&query, state.faults.claimed_count());
    }
    let ignore_offset = state.faults.ignore_offset();
    let view = Arc::new(MachinesView { org });
    let worker_view = view.clone();
    let (query, selection) = match tokio::task::spawn_blocking(move || {
        let org = &worker_view.org;
        let candidates = org
            .machines
            .iter()
            .enumerate()
            .filter(|(_, machine)| visible(machine))
            .map(|(row, _)| row as u32);
        let selection = select(worker_view.as_ref(), &query, candidates, ignore_offset);
        (query, selection)
    })
    .await
    {
        Ok(done) => done,
        Err(_) => return error(StatusCode::INTERNAL_SERVER_ERROR, "Query failed"),
    };
    let selection = match state.faults.claimed_count() {
        Some(claimed) => Selection {
            total: claimed as usize,
            ..selection
        },
        None => selection,
    };
    respond_list(view, query, selection)
}

/// A full page of made-up machines at any offset, for [`Faults::set_endless_pages`]. A
/// `limit ALL` gets a thousand.
fn endless_page(query: &Query, claimed_count: Option<u64>) -> Response {
    let limit = query.limit.unwrap_or(1_000);
    let first = query.offset as u64 + 1;
    let machines: Vec<serde_json::Value> = (first..first + limit as u64)
        .map(|id| json!({"Id": id.to_string(), "Name": format!("ENDLESS-{id}")}))
        .collect();
    let mut body = serde_json::Map::new();
    if query.count != super::query::CountMode::Omit {
        body.insert(
            "Count".to_string(),
            json!(claimed_count.unwrap_or(u64::from(u32::MAX))),
        );
    }
    body.insert("Machines".to_string(), serde_json::Value::Array(machines));
    json_value(StatusCode::OK, serde_json::Value::Object(body))
}

async fn softwares(
    state: &AppState,
    caller: &Caller,
    raw: Option<String>,
    id: Option<&str>,
) -> Response {
    let query = match Query::from_query_string(&SOFTWARE_SCHEMA, raw.as_deref()) {
        Ok(query) => query,
        Err(problem) => return error(StatusCode::BAD_REQUEST, problem.0),
    };
    let Some(org) = state.appliance.org_by_id(caller.org).cloned() else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "Organization vanished");
    };
    let own_user = caller
        .account
        .own_machines_only
        .then_some(caller.account.user);
    let own = move |machine: &super::data::MachineRecord| {
        own_user.is_none_or(|user| machine.has_user(user))
    };
    let view = Arc::new(SoftwareView::new(
        org,
        own_user
            .is_some()
            .then_some(&own as &dyn Fn(&super::data::MachineRecord) -> bool),
    ));
    if let Some(id) = id {
        let Some(id) = parse_id(id) else {
            return error(
                StatusCode::BAD_REQUEST,
                format!("Invalid software id '{id}'"),
            );
        };
        let query = query.for_single_record();
        return match SoftwareView::row_of(id) {
            Some(row) => respond_list(
                view,
                query,
                Selection {
                    total: 1,
                    rows: vec![row],
                },
            ),
            None => not_found(state, query, "Software", format!("Software {id} not found")),
        };
    }
    let selection = select(
        view.as_ref(),
        &query,
        SoftwareView::rows(),
        state.faults.ignore_offset(),
    );
    respond_list(view, query, selection)
}

fn not_found(state: &AppState, query: Query, list_key: &str, description: String) -> Response {
    if !state.faults.empty_for_unknown_id() {
        return error(StatusCode::NOT_FOUND, description);
    }
    let mut body = Vec::new();
    if query.count != super::query::CountMode::Omit {
        body.extend_from_slice(b"{\"Count\":0,");
    } else {
        body.push(b'{');
    }
    super::query::write_json_string(&mut body, list_key);
    body.extend_from_slice(b":[]}");
    json_response(StatusCode::OK, body)
}

fn respond_list(dataset: Arc<dyn Dataset>, query: Query, selection: Selection) -> Response {
    let streamed = selection.rows.len() > STREAM_ABOVE_ROWS;
    let body = ListBody::new(dataset, Arc::new(query), selection);
    if streamed {
        let chunks = futures_util::stream::iter(body.map(Ok::<Bytes, Infallible>));
        json_response(StatusCode::OK, Body::from_stream(chunks))
    } else {
        json_response(StatusCode::OK, body.collect_all())
    }
}
