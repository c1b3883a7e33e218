//! Faults as the user lives them: the real worker against the fake appliance, its events fed
//! through the App's pure `update`, keys pressed as a user would. Each test asserts that the
//! program keeps working, keeps what it had loaded, says what happened, and recovers from the
//! screen the user is on once the fault goes away.
//!
//! Client-level behaviour (retry counts, error kinds of single calls) is in `api_faults.rs`;
//! the fake's switches themselves are in `fake_faults.rs`.

mod common;

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kace_tui::api::{ApiError, ConnectionSettings};
use kace_tui::app::{self, App, AppOptions, Msg, Screen, update};
use kace_tui::fake::FakeConfig;
use kace_tui::fake::faults::Fault;
use kace_tui::worker::{self, ApiEvent};
use tokio::sync::mpsc::UnboundedSender;

use common::{settings, start_fake};

/// No answer within this long means something hangs: the test fails instead of waiting.
const HANG: Duration = Duration::from_secs(30);

/// The App wired to a real worker, with every event it received.
struct Driver {
    app: App,
    commands: UnboundedSender<worker::Cmd>,
    events: worker::Events,
    seen: Vec<String>,
}

impl Driver {
    fn new(settings: ConnectionSettings, user: &str) -> Driver {
        let (commands, events) = worker::spawn();
        Driver {
            app: App::new(AppOptions {
                settings,
                user: Some(user.to_string()),
                size: (120, 40),
                ..AppOptions::default()
            }),
            commands,
            events,
            seen: Vec::new(),
        }
    }

    fn dispatch(&mut self, cmds: Vec<app::Cmd>) {
        for cmd in cmds {
            if let app::Cmd::Worker(cmd) = cmd {
                self.commands.send(cmd).expect("the worker runs");
            }
        }
    }

    fn key(&mut self, code: KeyCode) {
        let cmds = update(
            &mut self.app,
            Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        );
        self.dispatch(cmds);
    }

    fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    /// Feeds worker events to the App until nothing is loading any more.
    async fn settle(&mut self) {
        while self.app.is_busy() {
            let event = tokio::time::timeout(HANG, self.events.recv())
                .await
                .expect("the worker answers")
                .expect("the worker runs");
            self.seen.push(format!("{event:?}"));
            let cmds = update(&mut self.app, Msg::Api(event));
            self.dispatch(cmds);
        }
    }

    /// Feeds events until one matches `wanted`; returns the App's state right after it.
    async fn until(&mut self, wanted: impl Fn(&ApiEvent) -> bool) {
        loop {
            let event = tokio::time::timeout(HANG, self.events.recv())
                .await
                .expect("the worker answers")
                .expect("the worker runs");
            let found = wanted(&event);
            self.seen.push(format!("{event:?}"));
            let cmds = update(&mut self.app, Msg::Api(event));
            self.dispatch(cmds);
            if found {
                return;
            }
        }
    }

    /// Logs in with `password` (and `code` for a 2FA account), chooses the first organization
    /// and waits for the machine list.
    async fn log_in_and_load(&mut self, password: &str, code: Option<&str>) {
        self.type_text(password);
        self.key(KeyCode::Enter);
        self.settle().await;
        if let Some(code) = code {
            assert!(matches!(
                self.app.screens.last(),
                Some(Screen::TwoFactor(_))
            ));
            self.type_text(code);
            self.key(KeyCode::Enter);
            self.settle().await;
        }
        assert!(
            matches!(self.app.screens.last(), Some(Screen::OrgPicker(_))),
            "{:?}",
            self.app.screens.last()
        );
        self.key(KeyCode::Enter);
        self.settle().await;
        assert_eq!(self.machines_loaded(), 1_200, "the whole list loaded");
    }

    fn list(&self) -> &kace_tui::app::screens::MachineList {
        self.app
            .screens
            .iter()
            .find_map(|screen| match screen {
                Screen::Machines(list) => Some(list),
                _ => None,
            })
            .expect("a machine list")
    }

    fn machines_loaded(&self) -> usize {
        self.list().table.total()
    }

    fn detail(&self) -> &kace_tui::app::detail::DetailView {
        match self.app.screens.last() {
            Some(Screen::Detail(view)) => view,
            other => panic!("not on a detail: {other:?}"),
        }
    }

    /// Opens the selected machine and waits for its answer; returns the machine's id.
    async fn open_detail(&mut self) -> u64 {
        let id = self.list().table.selected().expect("a selection").id;
        self.key(KeyCode::Enter);
        self.settle().await;
        assert_eq!(self.detail().summary.id, id);
        id
    }

    fn failures(&self) -> Vec<&String> {
        self.seen
            .iter()
            .filter(|event| event.starts_with("Failed"))
            .collect()
    }
}

#[tokio::test]
async fn retry_after_is_honoured_and_shown_then_the_detail_loads() {
    let server = start_fake(FakeConfig::default());
    let mut driver = Driver::new(settings(&server), "admin");
    driver.log_in_and_load("admin", None).await;

    server.faults().fail_next(
        1,
        Fault::TooManyRequests {
            retry_after_secs: 1,
        },
    );
    let started = Instant::now();
    driver.key(KeyCode::Enter);
    driver
        .until(|event| matches!(event, ApiEvent::Retrying { .. }))
        .await;
    let (_, status) = driver.app.retry_status.clone().expect("a retry is shown");
    assert!(
        status.starts_with("Retrying (2 of 3) in 1.0 s") && status.contains("429"),
        "{status}"
    );
    driver.settle().await;
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After waited for"
    );
    assert!(driver.detail().detail.is_some() && driver.detail().error.is_none());
    assert_eq!(driver.app.retry_status, None, "the retry note is gone");
    assert_eq!(driver.machines_loaded(), 1_200);
}

#[tokio::test]
async fn a_connection_reset_mid_body_keeps_the_list_and_a_refresh_recovers() {
    let server = start_fake(FakeConfig::default());
    let mut driver = Driver::new(settings(&server), "admin");
    driver.log_in_and_load("admin", None).await;
    let selected = driver.list().table.selected().map(|m| m.id);

    // Every attempt of the refresh is cut off mid-body.
    server.faults().fail_next(3, Fault::TruncateBody);
    driver.key(KeyCode::Char('r'));
    driver.settle().await;
    let error = driver
        .list()
        .error
        .clone()
        .expect("the list says what happened");
    assert!(error.contains("cut short"), "{error}");
    assert_eq!(driver.failures().len(), 1);
    assert!(
        driver.failures()[0].contains("Decode"),
        "{:?}",
        driver.failures()
    );
    assert_eq!(driver.machines_loaded(), 1_200, "nothing loaded is lost");
    assert_eq!(driver.list().table.selected().map(|m| m.id), selected);

    driver.key(KeyCode::Char('r'));
    driver.settle().await;
    assert_eq!(driver.list().error, None);
    assert!(driver.list().complete);
    assert_eq!(driver.machines_loaded(), 1_200);
}

#[tokio::test]
async fn truncated_json_on_a_detail_is_reported_and_a_retry_loads_it() {
    let server = start_fake(FakeConfig::default());
    let mut driver = Driver::new(settings(&server), "admin");
    driver.log_in_and_load("admin", None).await;

    server.faults().fail_next(1, Fault::TruncatedJson);
    let id = driver.open_detail().await;
    let error = driver.detail().error.clone().expect("the detail says why");
    assert!(
        error.contains(&format!("get machine {id}")) && error.contains("truncated"),
        "{error}"
    );
    assert!(driver.detail().detail.is_none());
    // The row from the list is still on screen, and so is the list behind it.
    assert_eq!(driver.detail().summary.id, id);
    assert_eq!(driver.machines_loaded(), 1_200);

    driver.key(KeyCode::Char('r'));
    driver.settle().await;
    assert!(driver.detail().error.is_none());
    assert_eq!(
        driver.detail().detail.as_ref().map(|d| d.machine.id),
        Some(id)
    );
}

#[tokio::test]
async fn a_body_dripping_past_the_read_timeout_is_a_timeout_and_recovers() {
    let server = start_fake(FakeConfig::default());
    let mut driver = Driver::new(
        ConnectionSettings {
            // Long enough that a loaded CI machine still delivers the normal pages in time.
            read_timeout: Duration::from_secs(2),
            ..settings(&server)
        },
        "admin",
    );
    driver.log_in_and_load("admin", None).await;

    // A few bytes, then a pause far longer than the read timeout, again and again.
    server
        .faults()
        .set_drip(Some((16, Duration::from_secs(30))));
    let started = Instant::now();
    driver.open_detail().await;
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "gave up at the read timeout, not at the end of the drip: {:?}",
        started.elapsed()
    );
    assert!(
        driver.failures().iter().any(|f| f.contains("Timeout")),
        "{:?}",
        driver.failures()
    );
    let error = driver.detail().error.clone().expect("the detail says why");
    assert!(error.contains("did not answer within 2 s"), "{error}");
    assert_eq!(driver.machines_loaded(), 1_200);

    server.faults().set_drip(None);
    driver.key(KeyCode::Char('r'));
    driver.settle().await;
    assert!(driver.detail().detail.is_some() && driver.detail().error.is_none());
}

#[tokio::test]
async fn a_session_expiring_mid_detail_is_renewed_without_the_user() {
    let server = start_fake(FakeConfig::default());
    let mut driver = Driver::new(settings(&server), "admin");
    driver.log_in_and_load("admin", None).await;
    let logins = server.faults().stats().logins;

    server.faults().expire_sessions();
    driver.open_detail().await;
    assert!(
        driver.detail().detail.is_some(),
        "{:?}",
        driver.detail().error
    );
    assert_eq!(
        server.faults().stats().logins,
        logins + 1,
        "one silent login"
    );
    let flash = driver.app.flash.clone().expect("the user is told");
    assert_eq!(flash.text, "The session expired and was renewed.");
    assert!(!flash.error);
    assert_eq!(driver.machines_loaded(), 1_200);
}

#[tokio::test]
async fn a_two_factor_session_expiring_mid_detail_asks_to_log_in_and_resumes() {
    let server = start_fake(FakeConfig {
        two_factor_code: "246810".to_string(),
        ..FakeConfig::default()
    });
    let mut driver = Driver::new(settings(&server), "secure");
    driver.log_in_and_load("secure", Some("246810")).await;

    server.faults().expire_sessions();
    let id = driver.list().table.selected().expect("a selection").id;
    driver.key(KeyCode::Enter);
    driver.settle().await;
    // A code is needed, so the client cannot renew alone: the login form comes up over the
    // detail, with the reason, and everything behind it stays.
    match driver.app.screens.last() {
        Some(Screen::Login(form)) => {
            assert!(
                form.reason
                    .as_deref()
                    .is_some_and(|r| r.contains("expired")),
                "{:?}",
                form.reason
            );
        }
        other => panic!("expected the login form, got {other:?}"),
    }
    assert!(
        driver
            .failures()
            .iter()
            .any(|f| f.contains("SessionExpired"))
    );
    assert_eq!(driver.machines_loaded(), 1_200);

    driver.type_text("secure");
    driver.key(KeyCode::Enter);
    driver.settle().await;
    assert!(matches!(
        driver.app.screens.last(),
        Some(Screen::TwoFactor(_))
    ));
    driver.type_text("246810");
    driver.key(KeyCode::Enter);
    driver.settle().await;
    // Back on the detail, which loaded by itself.
    assert_eq!(driver.detail().summary.id, id);
    assert_eq!(
        driver.detail().detail.as_ref().map(|d| d.machine.id),
        Some(id)
    );
    assert_eq!(driver.machines_loaded(), 1_200);
}

#[tokio::test]
async fn the_appliance_going_away_and_coming_back() {
    let server = start_fake(FakeConfig::default());
    let mut driver = Driver::new(settings(&server), "admin");
    driver.log_in_and_load("admin", None).await;

    server.faults().set_gone(true);
    // The list: a refresh fails, the rows stay.
    driver.key(KeyCode::Char('r'));
    driver.settle().await;
    let error = driver.list().error.clone().expect("the list says why");
    assert!(error.contains("connection was refused"), "{error}");
    assert!(
        driver
            .app
            .flash
            .as_ref()
            .is_some_and(|f| f.error && f.text.starts_with("Loading machines failed")),
        "{:?}",
        driver.app.flash
    );
    assert_eq!(driver.machines_loaded(), 1_200);
    // A detail: the error is on the detail screen, the list behind it intact.
    driver.open_detail().await;
    let error = driver.detail().error.clone().expect("the detail says why");
    assert!(error.contains("connection was refused"), "{error}");

    server.faults().set_gone(false);
    // The same command, from the screen the user is on, now works.
    driver.key(KeyCode::Char('r'));
    driver.settle().await;
    assert!(driver.detail().detail.is_some() && driver.detail().error.is_none());
    driver.key(KeyCode::Esc);
    driver.key(KeyCode::Char('r'));
    driver.settle().await;
    assert_eq!(driver.list().error, None);
    assert_eq!(driver.machines_loaded(), 1_200);
    let refused = driver
        .failures()
        .iter()
        .filter(|f| f.contains("ConnectionRefused"))
        .count();
    assert_eq!(refused, 2, "{:?}", driver.failures());
}

#[tokio::test]
async fn the_worker_reports_an_unreachable_appliance_and_the_same_command_succeeds_later() {
    let server = start_fake(FakeConfig::default());
    let mut worker = common::Harness::new();
    worker.login(&server, "admin", None).await;
    let first = worker
        .run(|id| worker::Cmd::LoadMachine { id, machine_id: 7 })
        .await;
    assert!(matches!(first.result, Ok(ApiEvent::Machine { .. })));

    server.faults().set_gone(true);
    let gone = worker
        .run(|id| worker::Cmd::LoadMachine { id, machine_id: 7 })
        .await;
    assert!(
        matches!(gone.result, Err(ApiError::ConnectionRefused { .. })),
        "{:?}",
        gone.result.map(|event| format!("{event:?}"))
    );

    server.faults().set_gone(false);
    let back = worker
        .run(|id| worker::Cmd::LoadMachine { id, machine_id: 7 })
        .await;
    match back.result {
        Ok(ApiEvent::Machine { detail, .. }) => assert_eq!(detail.machine.id, 7),
        other => panic!("{:?}", other.map(|event| format!("{event:?}"))),
    }
}
