//! Transport security over real connections to the fake appliance: HTTPS with a self-signed
//! certificate (unknown CA, `ca_cert`, pinned fingerprint right and wrong, `insecure`), plain
//! HTTP refused off loopback before any network I/O, and the caps that keep a broken or
//! hostile appliance from exhausting memory: answer size and records per load.

mod common;

use common::{Harness, credentials, settings, start_fake};
use kace_tui::api::tls::Fingerprint;
use kace_tui::api::{ApiError, Client, ConnectionSettings, Query};
use kace_tui::fake::{FakeConfig, FakeHandle};
use kace_tui::worker::{ApiEvent, Cmd};

const MACHINES_PATH: &str = "/api/inventory/machines";

fn https_fake() -> FakeHandle {
    start_fake(FakeConfig {
        machines: 300,
        tls: true,
        ..FakeConfig::default()
    })
}

/// Logs in as admin and lists every machine: the whole session works over this transport.
async fn full_session(settings: ConnectionSettings) -> Result<usize, ApiError> {
    let client = Client::new(settings)?;
    client.login(credentials("admin", None)).await?;
    let progress = client.list_machines(&Query::new(), |_, _| {}).await?;
    Ok(progress.loaded)
}

#[tokio::test]
async fn an_unknown_ca_fails_with_a_hint_at_ca_cert_and_insecure() {
    let server = https_fake();
    assert!(server.base_url().starts_with("https://127.0.0.1:"));
    let error = full_session(settings(&server)).await.unwrap_err();
    let ApiError::Tls { host, detail } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(host, &server.addr().to_string());
    assert!(
        detail.to_lowercase().contains("certificate"),
        "names the certificate problem: {detail}"
    );
    let message = error.to_string();
    for hint in ["ca_cert", "tls_fingerprint", "insecure"] {
        assert!(message.contains(hint), "{message}");
    }
    // Nothing reached the appliance's routes: the handshake failed first.
    assert_eq!(server.faults().stats().requests, 0);
}

#[tokio::test]
async fn the_certificate_as_ca_cert_works() {
    let server = https_fake();
    let certificate = server
        .certificate()
        .expect("an HTTPS fake has a certificate");
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &certificate.pem).unwrap();
    let loaded = full_session(ConnectionSettings {
        ca_cert: Some(file.path().to_path_buf()),
        ..settings(&server)
    })
    .await
    .unwrap();
    assert_eq!(loaded, 300);
}

#[tokio::test]
async fn ca_cert_replaces_the_system_roots_and_another_certificate_is_refused() {
    let server = https_fake();
    let other = https_fake();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &other.certificate().unwrap().pem).unwrap();
    let error = full_session(ConnectionSettings {
        ca_cert: Some(file.path().to_path_buf()),
        ..settings(&server)
    })
    .await
    .unwrap_err();
    assert!(matches!(error, ApiError::Tls { .. }), "{error:?}");
}

#[tokio::test]
async fn the_right_pin_works() {
    let server = https_fake();
    let pin = server.certificate().unwrap().fingerprint;
    // As a user would paste it from `demo-server --tls` or openssl.
    let typed = Fingerprint::parse(&pin.to_string().to_lowercase()).unwrap();
    let loaded = full_session(ConnectionSettings {
        tls_fingerprint: Some(typed),
        ..settings(&server)
    })
    .await
    .unwrap();
    assert_eq!(loaded, 300);
}

#[tokio::test]
async fn a_wrong_pin_fails_and_names_the_presented_fingerprint() {
    let server = https_fake();
    let other = https_fake();
    let wrong = other.certificate().unwrap().fingerprint;
    let error = full_session(ConnectionSettings {
        tls_fingerprint: Some(wrong),
        ..settings(&server)
    })
    .await
    .unwrap_err();
    let ApiError::Tls { detail, .. } = &error else {
        panic!("{error:?}");
    };
    assert!(detail.contains("does not match the pinned"), "{detail}");
    let presented = server.certificate().unwrap().fingerprint.to_string();
    assert!(detail.contains(&presented), "{detail}");
    assert_eq!(server.faults().stats().requests, 0, "no request was sent");
}

#[tokio::test]
async fn a_pin_cannot_be_combined_with_ca_cert_or_insecure() {
    let server = https_fake();
    let pin = Some(server.certificate().unwrap().fingerprint);
    for settings in [
        ConnectionSettings {
            tls_fingerprint: pin,
            insecure: true,
            ..settings(&server)
        },
        ConnectionSettings {
            tls_fingerprint: pin,
            ca_cert: Some("/etc/hosts".into()),
            ..settings(&server)
        },
    ] {
        let error = Client::new(settings).unwrap_err();
        assert!(
            matches!(&error, ApiError::Config(text) if text.contains("tls_fingerprint")),
            "{error:?}"
        );
    }
}

#[tokio::test]
async fn insecure_accepts_the_self_signed_certificate() {
    let server = https_fake();
    let loaded = full_session(ConnectionSettings {
        insecure: true,
        ..settings(&server)
    })
    .await
    .unwrap();
    assert_eq!(loaded, 300);
}

#[tokio::test]
async fn plain_http_to_a_remote_host_is_refused_before_any_network_io() {
    // `.invalid` never resolves (RFC 2606): had anything been sent, the error would be DNS.
    let mut worker = Harness::new();
    let remote = ConnectionSettings {
        server: "http://kace.example.invalid".to_string(),
        ..ConnectionSettings::default()
    };
    let refused = worker
        .run(|id| Cmd::Login {
            id,
            settings: remote.clone(),
            credentials: credentials("admin", None),
        })
        .await;
    match refused.result {
        Err(ApiError::InsecureTransport { host }) => assert_eq!(host, "kace.example.invalid"),
        other => panic!("{:?}", other.map(|event| format!("{event:?}"))),
    }
    let message = ApiError::InsecureTransport {
        host: "kace.example.invalid".into(),
    }
    .to_string();
    assert!(
        message.contains("https://") && message.contains("allow_http"),
        "{message}"
    );

    // With allow_http the same login does go to the network, and fails there.
    let allowed = worker
        .run(|id| Cmd::Login {
            id,
            settings: ConnectionSettings {
                allow_http: true,
                ..remote
            },
            credentials: credentials("admin", None),
        })
        .await;
    assert!(
        matches!(
            allowed.result,
            Err(ApiError::Dns { .. } | ApiError::Network { .. })
        ),
        "{:?}",
        allowed.result.map(|event| format!("{event:?}"))
    );
}

#[tokio::test]
async fn plain_http_to_loopback_is_fine() {
    let server = start_fake(FakeConfig {
        machines: 10,
        ..FakeConfig::default()
    });
    assert!(server.base_url().starts_with("http://127.0.0.1:"));
    let localhost = server.base_url().replace("127.0.0.1", "localhost");
    for url in [server.base_url(), localhost] {
        let loaded = full_session(ConnectionSettings {
            server: url.clone(),
            ..settings(&server)
        })
        .await;
        assert_eq!(loaded, Ok(10), "{url}");
    }
}

// ----- caps -----

async fn logged_in(settings: ConnectionSettings) -> Client {
    let client = Client::new(settings).unwrap();
    client.login(credentials("admin", None)).await.unwrap();
    client
}

#[tokio::test]
async fn a_streamed_answer_over_the_size_cap_is_refused_and_not_retried() {
    let server = start_fake(FakeConfig::default());
    // Pages of 1000 rows are streamed (chunked, no Content-Length) and far above 64 KiB.
    let client = logged_in(ConnectionSettings {
        max_response_bytes: 64 * 1024,
        ..settings(&server)
    })
    .await;
    let before = server.faults().stats().requests_to(MACHINES_PATH);
    let mut delivered = 0;
    let error = client
        .list_machines(&Query::new(), |page, _| delivered += page.len())
        .await
        .unwrap_err();
    match &error {
        ApiError::TooLarge { call, limit_mb } => {
            assert!(call.starts_with("list machines (offset "), "{call}");
            assert_eq!(*limit_mb, 1, "64 KiB, rounded up");
        }
        other => panic!("{other:?}"),
    }
    assert!(error.to_string().contains("max_response_mb"), "{error}");
    // The small first page came through and stays delivered.
    assert_eq!(delivered, 100);
    // The first page, then at most one try of each of the pages in flight: no retries.
    let requests = server.faults().stats().requests_to(MACHINES_PATH) - before;
    assert!(requests <= 1 + 2, "{requests} requests");
    // Below the cap, the same client keeps working.
    assert_eq!(client.machine(1).await.unwrap().machine.id, 1);
}

#[tokio::test]
async fn an_answer_whose_length_is_over_the_cap_is_refused_before_reading_it() {
    let server = start_fake(FakeConfig::default());
    let client = logged_in(ConnectionSettings {
        max_response_bytes: 1024,
        ..settings(&server)
    })
    .await;
    let before = server.faults().stats().requests;
    let error = client.machine(1).await.unwrap_err();
    assert!(
        matches!(&error, ApiError::TooLarge { call, .. } if call == "get machine 1"),
        "{error:?}"
    );
    assert_eq!(server.faults().stats().requests - before, 1, "not retried");
    server.faults().reset_stats();
    // The default cap is far above any real page.
    let client = logged_in(settings(&server)).await;
    assert_eq!(client.machine(1).await.unwrap().machine.id, 1);
}

fn capped(server: &FakeHandle) -> ConnectionSettings {
    ConnectionSettings {
        page_size: 500,
        first_page_size: 100,
        max_records: 2_000,
        ..settings(server)
    }
}

#[tokio::test]
async fn endless_full_pages_with_a_huge_count_stop_at_max_records() {
    let server = start_fake(FakeConfig::default());
    let client = logged_in(capped(&server)).await;
    server.faults().set_endless_pages(true);
    server.faults().set_claimed_count(Some(1_000_000_000_000));
    let before = server.faults().stats().requests_to(MACHINES_PATH);
    let mut delivered = 0;
    let error = client
        .list_machines(&Query::new(), |page, _| delivered += page.len())
        .await
        .unwrap_err();
    assert_eq!(
        error,
        ApiError::TooManyRecords {
            call: "list machines".to_string(),
            limit: 2_000
        }
    );
    assert!(error.to_string().contains("max_records"), "{error}");
    assert_eq!(delivered, 2_000, "what was loaded is delivered, no more");
    let requests = server.faults().stats().requests_to(MACHINES_PATH) - before;
    // 100 first, then ceil(1900 / 500) = 4 pages: the limit, not the claimed Count, decides.
    assert_eq!(requests, 5);

    // The same appliance, healthy again: the same load completes.
    server.faults().set_endless_pages(false);
    server.faults().set_claimed_count(None);
    let progress = client
        .list_machines(&Query::new(), |_, _| {})
        .await
        .unwrap();
    assert_eq!(progress.loaded, 1_200);
}

#[tokio::test]
async fn endless_full_pages_without_a_count_stop_at_max_records() {
    let server = start_fake(FakeConfig::default());
    let client = logged_in(capped(&server)).await;
    server.faults().set_endless_pages(true);
    let before = server.faults().stats().requests_to(MACHINES_PATH);
    let mut delivered = 0;
    let error = client
        .list_machines(&Query::new().use_count(false), |page, _| {
            delivered += page.len()
        })
        .await
        .unwrap_err();
    assert!(
        matches!(error, ApiError::TooManyRecords { limit: 2_000, .. }),
        "{error:?}"
    );
    assert_eq!(delivered, 2_000);
    let requests = server.faults().stats().requests_to(MACHINES_PATH) - before;
    // 100 first, 4 pages to the limit, one more to see that it goes on.
    assert!(requests <= 6, "{requests} requests");
}

#[tokio::test]
async fn a_count_that_lies_cannot_make_a_load_loop_or_overflow() {
    let server = start_fake(FakeConfig::default());
    let client = logged_in(capped(&server)).await;

    // Too low: the load trusts it, takes what the pages held, and stops.
    server.faults().set_claimed_count(Some(50));
    let before = server.faults().stats().requests_to(MACHINES_PATH);
    let progress = client
        .list_machines(&Query::new(), |_, _| {})
        .await
        .unwrap();
    assert_eq!(progress.loaded, 100, "the first page");
    assert_eq!(progress.total, Some(50));
    assert_eq!(
        server.faults().stats().requests_to(MACHINES_PATH) - before,
        1
    );

    // Too high, but the pages end: the short last page ends the load.
    server.faults().set_claimed_count(Some(1_500));
    let before = server.faults().stats().requests_to(MACHINES_PATH);
    let progress = client
        .list_machines(&Query::new(), |_, _| {})
        .await
        .unwrap();
    assert_eq!(progress.loaded, 1_200);
    assert!(server.faults().stats().requests_to(MACHINES_PATH) - before <= 4);

    // Far too high: the pages still run out before max_records.
    server.faults().set_claimed_count(Some(u64::MAX / 2));
    let progress = client
        .list_machines(&Query::new(), |_, _| {})
        .await
        .unwrap();
    assert_eq!(progress.loaded, 1_200, "the pages ran out before the limit");
}

#[tokio::test]
async fn a_load_asked_for_fewer_records_than_max_records_is_no_error() {
    let server = start_fake(FakeConfig::default());
    let client = logged_in(capped(&server)).await;
    server.faults().set_endless_pages(true);
    let progress = client
        .list_machines(&Query::new().page(2_000, 0), |_, _| {})
        .await
        .unwrap();
    assert_eq!(progress.loaded, 2_000);
}

#[tokio::test]
async fn the_worker_reports_the_cap_and_keeps_the_pages() {
    let server = start_fake(FakeConfig::default());
    let mut worker = Harness::new();
    let login_settings = capped(&server);
    let login = worker
        .run(|id| Cmd::Login {
            id,
            settings: login_settings,
            credentials: credentials("admin", None),
        })
        .await;
    assert!(matches!(login.result, Ok(ApiEvent::Login { .. })));
    server.faults().set_endless_pages(true);
    let load = worker
        .run(|id| Cmd::LoadMachines {
            id,
            query: Query::new(),
        })
        .await;
    assert!(
        matches!(load.result, Err(ApiError::TooManyRecords { .. })),
        "{:?}",
        load.result.map(|event| format!("{event:?}"))
    );
    let pages: usize = load
        .progress
        .iter()
        .map(|event| match event {
            ApiEvent::MachinesPage { machines, .. } => machines.len(),
            _ => 0,
        })
        .sum();
    assert_eq!(pages, 2_000);
}
