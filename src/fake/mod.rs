//! The fake KACE SMA appliance: a real HTTP server on loopback that serves the demo and every
//! integration test. (Skeleton: filled in by the foundation issue.)

use std::time::Duration;

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
        }
    }
}
