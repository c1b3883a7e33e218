//! Every runtime switch of the fake appliance, in one place: faults to inject, test controls
//! for sessions and paging quirks, and counters a test can read. Reach it through
//! [`FakeHandle::faults`](super::FakeHandle::faults); every switch takes effect on the next
//! request, without restarting the server.
//!
//! ```no_run
//! # use kace_tui::fake::{self, FakeConfig, faults::Fault};
//! let server = fake::start(FakeConfig::default()).unwrap();
//! server.faults().fail_next(2, Fault::Status(503)); // the next two /api answers are 503
//! server.faults().expire_sessions();                // every session is expired now
//! assert_eq!(server.faults().stats().logins, 0);
//! ```

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::prng::SplitMix64;

/// A fault for one `/api/*` answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status and the error envelope (a 5xx, or anything else).
    Status(u16),
    /// 429 with `Retry-After: <seconds>`.
    TooManyRequests { retry_after_secs: u64 },
    /// Close the connection without sending a single byte.
    DropConnection,
    /// Send the head and about half of the body, then close the connection (the
    /// `Content-Length` promises more).
    TruncateBody,
    /// A complete HTTP answer (200, matching `Content-Length`) whose JSON is cut in half.
    TruncatedJson,
    /// Accept the request and never answer (until the server stops or goes away).
    Hang,
}

/// Counters since start (or the last [`Faults::reset_stats`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Requests seen per path (without the query string), whatever their outcome.
    pub requests_by_path: HashMap<String, u64>,
    /// All requests.
    pub requests: u64,
    /// Requests to `/api/*`.
    pub api_requests: u64,
    /// Login attempts, successful or not.
    pub login_attempts: u64,
    /// Successful logins.
    pub logins: u64,
    /// Faults injected (queued or by error rate).
    pub faults_injected: u64,
    /// The most requests in flight at once.
    pub max_in_flight: usize,
    /// Answers sent gzip-compressed (see [`Faults::set_gzip`]).
    pub gzip_responses: u64,
}

impl Stats {
    /// Requests seen for `path`.
    pub fn requests_to(&self, path: &str) -> u64 {
        self.requests_by_path.get(path).copied().unwrap_or(0)
    }
}

/// The state of the listening socket, for the "appliance gone" switch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Listening {
    Open,
    Closed,
}

/// All switches and counters. Shared by the server and the test through an `Arc`.
#[derive(Debug)]
pub struct Faults {
    latency_ms: AtomicU64,
    /// Share of `/api` answers that fail, in millionths.
    error_rate_ppm: AtomicU64,
    queued: Mutex<Vec<(Fault, usize)>>,
    drip: Mutex<Option<(usize, Duration)>>,
    dice: Mutex<SplitMix64>,
    pub(crate) session_ttl_ms: AtomicU64,
    /// Sessions created (or last refreshed) before this generation are expired.
    pub(crate) expire_generation: AtomicU64,
    /// Expire a session after this many authenticated `/api` requests (0 = never).
    pub(crate) expire_after_requests: AtomicU64,
    ignore_offset: AtomicBool,
    empty_for_unknown_id: AtomicBool,
    /// `Count` reported by machine lists instead of the true one.
    claimed_count: Mutex<Option<u64>>,
    endless_pages: AtomicBool,
    /// Session ids, CSRF tokens and JWTs handed out, for tests that look for leaks.
    issued_secrets: Mutex<Vec<String>>,
    without_switch_routes: AtomicBool,
    require_authorization: AtomicBool,
    gzip: AtomicBool,
    gone: AtomicBool,
    /// Cancelled when the appliance goes away: every connection of the epoch closes.
    epoch: Mutex<CancellationToken>,
    shutdown: CancellationToken,
    listening: Mutex<Listening>,
    listening_changed: Condvar,
    gone_changed: tokio::sync::Notify,
    stats: Mutex<Stats>,
    in_flight: AtomicUsize,
    in_flight_changed: tokio::sync::Notify,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking test thread must not wedge the server: the data stays usable.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Faults {
    pub(crate) fn new(
        seed: u64,
        latency: Duration,
        error_rate: f64,
        session_ttl: Duration,
        shutdown: CancellationToken,
    ) -> Faults {
        let faults = Faults {
            latency_ms: AtomicU64::new(0),
            error_rate_ppm: AtomicU64::new(0),
            queued: Mutex::new(Vec::new()),
            drip: Mutex::new(None),
            dice: Mutex::new(SplitMix64::new(seed ^ 0xFA17)),
            session_ttl_ms: AtomicU64::new(0),
            expire_generation: AtomicU64::new(0),
            expire_after_requests: AtomicU64::new(0),
            ignore_offset: AtomicBool::new(false),
            empty_for_unknown_id: AtomicBool::new(false),
            claimed_count: Mutex::new(None),
            endless_pages: AtomicBool::new(false),
            issued_secrets: Mutex::new(Vec::new()),
            without_switch_routes: AtomicBool::new(false),
            require_authorization: AtomicBool::new(false),
            gzip: AtomicBool::new(false),
            gone: AtomicBool::new(false),
            epoch: Mutex::new(shutdown.child_token()),
            shutdown,
            listening: Mutex::new(Listening::Open),
            listening_changed: Condvar::new(),
            gone_changed: tokio::sync::Notify::new(),
            stats: Mutex::new(Stats::default()),
            in_flight: AtomicUsize::new(0),
            in_flight_changed: tokio::sync::Notify::new(),
        };
        faults.set_latency(latency);
        faults.set_error_rate(error_rate);
        faults.set_session_ttl(session_ttl);
        faults
    }

    // ----- faults -----

    /// Adds `latency` before every answer (AMS and `/api` alike).
    pub fn set_latency(&self, latency: Duration) {
        self.latency_ms
            .store(latency.as_millis() as u64, Ordering::SeqCst);
    }

    pub(crate) fn latency(&self) -> Duration {
        Duration::from_millis(self.latency_ms.load(Ordering::SeqCst))
    }

    /// Makes a share (0.0 to 1.0) of `/api` answers a 500, 502 or 503 (deterministic dice).
    pub fn set_error_rate(&self, rate: f64) {
        let ppm = (rate.clamp(0.0, 1.0) * 1_000_000.0) as u64;
        self.error_rate_ppm.store(ppm, Ordering::SeqCst);
    }

    /// The next `count` `/api` answers get `fault` (queued after faults already waiting).
    pub fn fail_next(&self, count: usize, fault: Fault) {
        if count > 0 {
            lock(&self.queued).push((fault, count));
        }
    }

    /// Forgets queued faults and turns off latency, error rate and drip.
    pub fn clear(&self) {
        lock(&self.queued).clear();
        *lock(&self.drip) = None;
        self.set_latency(Duration::ZERO);
        self.set_error_rate(0.0);
    }

    /// Sends every `/api` body in pieces of `chunk` bytes with `pause` between them
    /// (`None` turns it off).
    pub fn set_drip(&self, drip: Option<(usize, Duration)>) {
        *lock(&self.drip) = drip.map(|(chunk, pause)| (chunk.max(1), pause));
    }

    pub(crate) fn drip(&self) -> Option<(usize, Duration)> {
        *lock(&self.drip)
    }

    /// The fault for the `/api` request being answered now, if any.
    pub(crate) fn take_fault(&self) -> Option<Fault> {
        let queued = {
            let mut queue = lock(&self.queued);
            match queue.first_mut() {
                Some((fault, remaining)) => {
                    let fault = *fault;
                    *remaining -= 1;
                    if *remaining == 0 {
                        queue.remove(0);
                    }
                    Some(fault)
                }
                None => None,
            }
        };
        let fault = queued.or_else(|| {
            let ppm = self.error_rate_ppm.load(Ordering::SeqCst);
            let mut dice = lock(&self.dice);
            (ppm > 0 && dice.below(1_000_000) < ppm)
                .then(|| Fault::Status(*dice.pick(&[500, 502, 503])))
        });
        if fault.is_some() {
            lock(&self.stats).faults_injected += 1;
        }
        fault
    }

    /// "Appliance gone": refuses new connections and closes every open one, until
    /// `set_gone(false)`. Returns once the listening socket is closed (or open again), so a
    /// test can connect right after.
    pub fn set_gone(&self, gone: bool) {
        let was = self.gone.swap(gone, Ordering::SeqCst);
        if gone && !was {
            let mut epoch = lock(&self.epoch);
            epoch.cancel();
            *epoch = self.shutdown.child_token();
        }
        self.gone_changed.notify_waiters();
        self.gone_changed.notify_one();
        let wanted = if gone {
            Listening::Closed
        } else {
            Listening::Open
        };
        let state = lock(&self.listening);
        // Bounded, so a broken server cannot hang a test forever.
        let _state =
            self.listening_changed
                .wait_timeout_while(state, Duration::from_secs(5), |state| *state != wanted);
    }

    pub fn is_gone(&self) -> bool {
        self.gone.load(Ordering::SeqCst)
    }

    pub(crate) async fn gone_changed(&self) {
        self.gone_changed.notified().await;
    }

    pub(crate) fn set_listening(&self, state: Listening) {
        *lock(&self.listening) = state;
        self.listening_changed.notify_all();
    }

    /// A token cancelled when this connection must die: the appliance went away, or the
    /// server stops.
    pub(crate) fn connection_token(&self) -> CancellationToken {
        lock(&self.epoch).child_token()
    }

    // ----- sessions and quirks -----

    /// Expires every session now (their next request gets 401 "Expired token").
    pub fn expire_sessions(&self) {
        self.expire_generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Expires each session after `requests` authenticated `/api` requests (`None` = never).
    pub fn expire_sessions_after(&self, requests: Option<u64>) {
        self.expire_after_requests
            .store(requests.unwrap_or(0), Ordering::SeqCst);
    }

    /// Changes the idle timeout of sessions.
    pub fn set_session_ttl(&self, ttl: Duration) {
        self.session_ttl_ms
            .store(ttl.as_millis() as u64, Ordering::SeqCst);
    }

    /// Makes the server ignore `offset` in `paging` (reference pitfall 9.6).
    pub fn set_ignore_offset(&self, ignore: bool) {
        self.ignore_offset.store(ignore, Ordering::SeqCst);
    }

    pub(crate) fn ignore_offset(&self) -> bool {
        self.ignore_offset.load(Ordering::SeqCst)
    }

    /// Answers an unknown id with 200 and an empty array instead of 404.
    pub fn set_empty_array_for_unknown_id(&self, empty: bool) {
        self.empty_for_unknown_id.store(empty, Ordering::SeqCst);
    }

    pub(crate) fn empty_for_unknown_id(&self) -> bool {
        self.empty_for_unknown_id.load(Ordering::SeqCst)
    }

    /// Makes machine lists report `Count: count` whatever they hold (`None`: the truth). A
    /// broken or hostile appliance, for the client's page cap.
    pub fn set_claimed_count(&self, count: Option<u64>) {
        *lock(&self.claimed_count) = count;
    }

    pub(crate) fn claimed_count(&self) -> Option<u64> {
        *lock(&self.claimed_count)
    }

    /// Makes every machine list page full, of made-up machines with ids `offset + 1 ..`, at
    /// any offset: the list never ends. `Count` is the claimed one, else `u32::MAX`.
    pub fn set_endless_pages(&self, endless: bool) {
        self.endless_pages.store(endless, Ordering::SeqCst);
    }

    pub(crate) fn endless_pages(&self) -> bool {
        self.endless_pages.load(Ordering::SeqCst)
    }

    /// Every session id (`kboxid`), CSRF token and `x-dell-auth-jwt` handed out so far.
    pub fn issued_secrets(&self) -> Vec<String> {
        lock(&self.issued_secrets).clone()
    }

    pub(crate) fn record_issued_secret(&self, secret: &str) {
        lock(&self.issued_secrets).push(secret.to_string());
    }

    /// Behaves like an appliance without the organization-switch routes (reference §3 marks
    /// them as not present everywhere): both `.../organization/{id}/switchto` and
    /// `.../organization/switch` answer 404 with the envelope, exactly like any unknown route
    /// (`"No such route: <path>"`), before any session check. Logging in with
    /// `organizationName` is then the only way into another organization.
    pub fn set_without_switch_routes(&self, without: bool) {
        self.without_switch_routes.store(without, Ordering::SeqCst);
    }

    pub(crate) fn without_switch_routes(&self) -> bool {
        self.without_switch_routes.load(Ordering::SeqCst)
    }

    /// Requires the `x-kace-authorization` token from login on every later call (modern mode),
    /// as GO's client assumes; a call without it gets 401 "Invalid token". The reference leaves
    /// open whether real appliances insist, so by default the fake does not.
    pub fn set_require_authorization(&self, require: bool) {
        self.require_authorization.store(require, Ordering::SeqCst);
    }

    pub(crate) fn require_authorization(&self) -> bool {
        self.require_authorization.load(Ordering::SeqCst)
    }

    /// Compresses `/api/*` answers with gzip when the request accepts it, as an appliance
    /// behind a compressing proxy would. Whether real appliances compress is unknown
    /// (reference A.3), so by default the fake does not. The whole answer is compressed at once.
    pub fn set_gzip(&self, gzip: bool) {
        self.gzip.store(gzip, Ordering::SeqCst);
    }

    pub(crate) fn gzip(&self) -> bool {
        self.gzip.load(Ordering::SeqCst)
    }

    pub(crate) fn count_gzip_response(&self) {
        lock(&self.stats).gzip_responses += 1;
    }

    // ----- counters -----

    /// A snapshot of the counters.
    pub fn stats(&self) -> Stats {
        lock(&self.stats).clone()
    }

    /// Zeroes the counters.
    pub fn reset_stats(&self) {
        *lock(&self.stats) = Stats::default();
    }

    /// Requests being answered right now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// Waits until at least `count` requests are in flight at once (for example hanging on a
    /// [`Fault::Hang`]). Works from any runtime.
    pub async fn wait_for_in_flight(&self, count: usize) {
        loop {
            let changed = self.in_flight_changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if self.in_flight() >= count {
                return;
            }
            changed.await;
        }
    }

    /// Waits until no request is being answered (a cut connection's handler may finish a
    /// moment after the client has seen the error).
    pub async fn wait_until_idle(&self) {
        loop {
            let changed = self.in_flight_changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if self.in_flight() == 0 {
                return;
            }
            changed.await;
        }
    }

    pub(crate) fn count_request(&self, path: &str) -> InFlight<'_> {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        let mut stats = lock(&self.stats);
        stats.requests += 1;
        if path.starts_with("/api/") {
            stats.api_requests += 1;
        }
        *stats.requests_by_path.entry(path.to_string()).or_insert(0) += 1;
        stats.max_in_flight = stats.max_in_flight.max(now);
        drop(stats);
        self.in_flight_changed.notify_waiters();
        InFlight { faults: self }
    }

    pub(crate) fn count_login(&self, success: bool) {
        let mut stats = lock(&self.stats);
        stats.login_attempts += 1;
        if success {
            stats.logins += 1;
        }
    }
}

/// Counts a request as in flight until dropped.
pub(crate) struct InFlight<'a> {
    faults: &'a Faults,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.faults.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.faults.in_flight_changed.notify_waiters();
    }
}
