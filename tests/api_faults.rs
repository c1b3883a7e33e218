//! Faults over real HTTP against the fake appliance: 5xx bursts, 429 with `Retry-After`,
//! dropped connections, truncated and malformed bodies, a hanging answer, and an appliance
//! that ignores `offset`. Transient faults are retried; persistent ones end in a clear,
//! typed error; nothing hangs and no load loops.

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Harness, credentials, settings, start_fake};
use kace_tui::api::client::Notice;
use kace_tui::api::{ApiError, Client, Query};
use kace_tui::fake::faults::Fault;
use kace_tui::fake::{FakeConfig, FakeHandle};
use kace_tui::worker::{ApiEvent, Cmd};

const MACHINES_PATH: &str = "/api/inventory/machines";

/// A logged-in client whose notices are recorded.
async fn client(server: &FakeHandle) -> (Client, Arc<Mutex<Vec<Notice>>>) {
    let notices = Arc::new(Mutex::new(Vec::new()));
    let recorded = Arc::clone(&notices);
    let client = Client::new(settings(server))
        .unwrap()
        .observed(move |notice| recorded.lock().unwrap().push(notice));
    client.login(credentials("admin", None)).await.unwrap();
    (client, notices)
}

fn retries(notices: &Mutex<Vec<Notice>>) -> Vec<u32> {
    notices
        .lock()
        .unwrap()
        .iter()
        .filter_map(|notice| match notice {
            Notice::Retrying { attempt, .. } => Some(*attempt),
            Notice::SessionRenewed => None,
        })
        .collect()
}

#[tokio::test]
async fn a_5xx_burst_is_retried_and_the_load_completes_through_the_worker() {
    let server = start_fake(FakeConfig::default());
    let mut worker = Harness::new();
    worker.login(&server, "admin", None).await;
    server.faults().fail_next(2, Fault::Status(503));
    let load = worker
        .run(|id| Cmd::LoadMachines {
            id,
            query: Query::new(),
        })
        .await;
    match load.result {
        Ok(ApiEvent::MachinesDone { progress, .. }) => assert_eq!(progress.loaded, 1_200),
        other => panic!("{other:?}"),
    }
    let retrying: Vec<(u32, u32)> = load
        .progress
        .iter()
        .filter_map(|event| match event {
            ApiEvent::Retrying { attempt, of, .. } => Some((*attempt, *of)),
            _ => None,
        })
        .collect();
    assert_eq!(retrying, [(2, 3), (3, 3)]);
}

#[tokio::test]
async fn persistent_5xx_ends_in_a_server_error_after_the_configured_attempts() {
    let server = start_fake(FakeConfig::default());
    let (client, notices) = client(&server).await;
    server.faults().fail_next(10, Fault::Status(502));
    let before = server.faults().stats().requests_to(MACHINES_PATH);
    let error = client
        .list_machines(&Query::new(), |_, _| {})
        .await
        .unwrap_err();
    assert!(
        matches!(error, ApiError::Server { status: 502, .. }),
        "{error:?}"
    );
    assert_eq!(
        server.faults().stats().requests_to(MACHINES_PATH) - before,
        3
    );
    assert_eq!(retries(&notices), [2, 3]);
}

#[tokio::test]
async fn dropped_connections_are_retried_then_reported() {
    let server = start_fake(FakeConfig::default());
    let (client, notices) = client(&server).await;

    server.faults().fail_next(2, Fault::DropConnection);
    let detail = client.machine(1).await.unwrap();
    assert_eq!(detail.machine.id, 1);
    assert_eq!(retries(&notices), [2, 3]);

    server.faults().fail_next(3, Fault::DropConnection);
    let error = client.machine(1).await.unwrap_err();
    assert!(matches!(error, ApiError::Network { .. }), "{error:?}");
    server.faults().clear();
    assert_eq!(client.machine(1).await.unwrap().machine.id, 1);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = start_fake(FakeConfig::default());
    let (client, notices) = client(&server).await;
    server.faults().fail_next(
        1,
        Fault::TooManyRequests {
            retry_after_secs: 1,
        },
    );
    let started = Instant::now();
    let user = client.current_user().await.unwrap();
    assert_eq!(user.user_name, "admin");
    assert!(started.elapsed() >= Duration::from_secs(1));
    let delays: Vec<Duration> = notices
        .lock()
        .unwrap()
        .iter()
        .filter_map(|notice| match notice {
            Notice::Retrying { delay, .. } => Some(*delay),
            Notice::SessionRenewed => None,
        })
        .collect();
    assert_eq!(delays.len(), 1);
    assert!(delays[0] >= Duration::from_secs(1), "{delays:?}");
}

#[tokio::test]
async fn a_body_cut_short_is_retried_then_a_decode_error_naming_the_call() {
    let server = start_fake(FakeConfig::default());
    let (client, notices) = client(&server).await;
    server.faults().fail_next(1, Fault::TruncateBody);
    assert_eq!(client.machine(5).await.unwrap().machine.id, 5);
    assert_eq!(retries(&notices), [2]);

    server.faults().fail_next(3, Fault::TruncateBody);
    match client.machine(5).await.unwrap_err() {
        ApiError::Decode { call, detail } => {
            assert_eq!(call, "get machine 5");
            assert!(detail.contains("cut short"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn truncated_json_is_a_decode_error_naming_the_call() {
    let server = start_fake(FakeConfig::default());
    let (client, _) = client(&server).await;
    server.faults().fail_next(1, Fault::TruncatedJson);
    let mut delivered = 0;
    let error = client
        .list_machines(&Query::new(), |page, _| delivered += page.len())
        .await
        .unwrap_err();
    match error {
        ApiError::Decode { call, detail } => {
            assert_eq!(call, "list machines (offset 0)");
            assert!(detail.contains("truncated"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(delivered, 0);
}

#[tokio::test]
async fn a_hanging_answer_is_a_timeout_within_the_read_timeout() {
    let server = start_fake(FakeConfig::default());
    let settings = kace_tui::api::ConnectionSettings {
        read_timeout: Duration::from_millis(300),
        ..settings(&server)
    };
    let client = Client::new(settings).unwrap();
    client.login(credentials("admin", None)).await.unwrap();
    server.faults().fail_next(1, Fault::Hang);
    let started = Instant::now();
    let error = client.machine(1).await.unwrap_err();
    assert!(matches!(error, ApiError::Timeout { .. }), "{error:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn an_appliance_that_ignores_offset_cannot_make_a_load_loop() {
    let server = start_fake(FakeConfig {
        machines: 5_000,
        ..FakeConfig::default()
    });
    let (client, _) = client(&server).await;
    server.faults().set_ignore_offset(true);

    for query in [Query::new(), Query::new().use_count(false)] {
        let before = server.faults().stats().requests_to(MACHINES_PATH);
        let mut ids = Vec::new();
        let progress = client
            .list_machines(&query, |page, _| ids.extend(page.iter().map(|m| m.id)))
            .await
            .unwrap();
        let requests = server.faults().stats().requests_to(MACHINES_PATH) - before;
        let distinct: HashSet<u64> = ids.iter().copied().collect();
        assert_eq!(distinct.len(), ids.len(), "no duplicates delivered");
        // Every page returns the first rows: 100, then the first 1000, then nothing new.
        assert_eq!(progress.loaded, 1_000);
        assert!(requests <= 6, "{query:?}: {requests} requests");
    }
}

#[tokio::test]
async fn gzip_compressed_answers_are_decoded_transparently() {
    let server = start_fake(FakeConfig {
        machines: 5_000,
        ..FakeConfig::default()
    });
    let (client, _) = client(&server).await;
    let load = || async {
        let mut machines = Vec::new();
        client
            .list_machines(&Query::new(), |page, _| machines.extend(page))
            .await
            .unwrap();
        machines
    };
    let plain = load().await;
    server.faults().reset_stats();
    server.faults().set_gzip(true);
    let compressed = load().await;
    let stats = server.faults().stats();
    assert!(
        stats.gzip_responses >= 6,
        "the client asks for gzip and every page came compressed: {stats:?}"
    );
    assert_eq!(stats.gzip_responses, stats.api_requests);
    assert_eq!(compressed.len(), 5_000);
    assert_eq!(compressed, plain, "the same machines, field for field");
    let detail = client.machine(42).await.unwrap();
    assert_eq!(detail.machine.name, "WS-FIN-0042");
    assert!(!detail.software.is_empty());
}
