//! Shared helpers of the API integration tests: a fake appliance, fast client settings and a
//! worker harness that records every event of a command.

#![allow(dead_code)] // each test binary uses its own subset

use std::time::Duration;

use kace_tui::api::{ApiError, ConnectionSettings, Credentials};
use kace_tui::fake::{self, FakeConfig, FakeHandle};
use kace_tui::worker::{self, ApiEvent, Cmd, RequestId};
use secrecy::SecretString;
use tokio::sync::mpsc::UnboundedSender;

pub fn start_fake(config: FakeConfig) -> FakeHandle {
    fake::start(config).expect("the fake appliance starts")
}

/// Short timeouts and backoffs so failures are quick.
pub fn settings(server: &FakeHandle) -> ConnectionSettings {
    ConnectionSettings {
        server: server.base_url(),
        connect_timeout: Duration::from_secs(2),
        read_timeout: Duration::from_secs(5),
        max_attempts: 3,
        retry_min_delay: Duration::from_millis(1),
        retry_max_delay: Duration::from_millis(10),
        ..ConnectionSettings::default()
    }
}

pub fn credentials(user: &str, organization: Option<&str>) -> Credentials {
    Credentials {
        user: user.to_string(),
        password: SecretString::from(user.to_string()),
        organization: organization.map(str::to_string),
    }
}

/// A worker and its channels.
pub struct Harness {
    pub commands: UnboundedSender<Cmd>,
    pub events: worker::Events,
}

/// What one command produced: the events before the last one, and the last one.
pub struct Outcome {
    pub progress: Vec<ApiEvent>,
    pub result: Result<ApiEvent, ApiError>,
}

impl Harness {
    pub fn new() -> Harness {
        let (commands, events) = worker::spawn();
        Harness { commands, events }
    }

    /// Runs `make(id)` with a fresh id and waits for its final event.
    pub async fn run(&mut self, make: impl FnOnce(RequestId) -> Cmd) -> Outcome {
        let id = worker::next_request_id();
        let mut progress = Vec::new();
        let result = worker::run(&self.commands, &mut self.events, make(id), |event| {
            progress.push(event)
        })
        .await;
        Outcome { progress, result }
    }

    /// Logs in and expects a full session.
    pub async fn login(&mut self, server: &FakeHandle, user: &str, org: Option<&str>) {
        let settings = settings(server);
        let outcome = self
            .run(|id| Cmd::Login {
                id,
                settings,
                credentials: credentials(user, org),
            })
            .await;
        match outcome.result {
            Ok(ApiEvent::Login { .. }) => {}
            other => panic!("login of {user} gave {other:?}"),
        }
    }
}
