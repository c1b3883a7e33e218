//! Network failures below HTTP, over real sockets: a refused connection, a listener that
//! accepts but never answers, and a peer that does not speak TLS. Each must end in its typed
//! error quickly, never in a hang.

use std::time::{Duration, Instant};

use kace_tui::api::{ApiError, Client, ConnectionSettings, Credentials};
use kace_tui::worker::{self, ApiEvent, Cmd};
use secrecy::SecretString;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

fn settings(server: String) -> ConnectionSettings {
    ConnectionSettings {
        server,
        connect_timeout: Duration::from_millis(500),
        read_timeout: Duration::from_millis(400),
        max_attempts: 3,
        retry_min_delay: Duration::from_millis(1),
        retry_max_delay: Duration::from_millis(5),
        ..ConnectionSettings::default()
    }
}

fn admin() -> Credentials {
    Credentials {
        user: "admin".to_string(),
        password: SecretString::from("admin".to_string()),
        organization: None,
    }
}

/// A port on loopback that nothing listens on (bound, then released).
async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test]
async fn a_refused_connection_is_a_typed_error() {
    let port = closed_port().await;
    let client = Client::new(settings(format!("http://127.0.0.1:{port}"))).unwrap();
    let error = client.login(admin()).await.unwrap_err();
    assert_eq!(
        error,
        ApiError::ConnectionRefused {
            host: format!("127.0.0.1:{port}")
        }
    );
    // GETs are not retried on a refused connection either: the appliance is down.
    let error = client.organizations().await.unwrap_err();
    assert!(
        matches!(error, ApiError::ConnectionRefused { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_listener_that_never_answers_times_out_within_the_read_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accept every connection and hold it open without a byte of answer.
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let settings = settings(format!("http://127.0.0.1:{port}"));
    let read_timeout = settings.read_timeout;
    let client = Client::new(settings).unwrap();

    let started = Instant::now();
    let error = client.login(admin()).await.unwrap_err();
    let waited = started.elapsed();
    assert_eq!(
        error,
        ApiError::Timeout {
            host: format!("127.0.0.1:{port}"),
            seconds: 1
        }
    );
    assert!(waited >= read_timeout, "{waited:?}");
    assert!(waited < read_timeout * 3, "login waited {waited:?}");

    let started = Instant::now();
    let error = client.current_user().await.unwrap_err();
    assert!(matches!(error, ApiError::Timeout { .. }), "{error:?}");
    assert!(
        started.elapsed() < read_timeout * 3,
        "a timeout is not retried"
    );
    holder.abort();
}

#[tokio::test]
async fn a_peer_that_does_not_speak_tls_is_a_tls_error_with_a_hint() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let _ = socket
                .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                .await;
        }
    });
    let client = Client::new(settings(format!("https://127.0.0.1:{port}"))).unwrap();
    let error = client.login(admin()).await.unwrap_err();
    assert!(matches!(error, ApiError::Tls { .. }), "{error:?}");
    assert!(error.to_string().contains("ca_cert"), "{error}");
    server.abort();
}

#[tokio::test]
async fn the_worker_reports_a_refused_login_and_refuses_work_without_a_session() {
    let (commands, mut events) = worker::spawn();
    let port = closed_port().await;

    let id = worker::next_request_id();
    let outcome = worker::run(
        &commands,
        &mut events,
        Cmd::ListOrganizations { id },
        |_| {},
    )
    .await;
    assert_eq!(outcome.unwrap_err(), ApiError::NotLoggedIn);

    let id = worker::next_request_id();
    let outcome = worker::run(
        &commands,
        &mut events,
        Cmd::Login {
            id,
            settings: settings(format!("http://127.0.0.1:{port}")),
            credentials: admin(),
        },
        |event: ApiEvent| panic!("unexpected {event:?}"),
    )
    .await;
    assert!(
        matches!(outcome, Err(ApiError::ConnectionRefused { .. })),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn an_unresolvable_host_is_a_dns_error() {
    // `.invalid` never resolves (RFC 6761), with or without a network.
    let client = Client::new(settings("https://kace.invalid".to_string())).unwrap();
    let error = client.login(admin()).await.unwrap_err();
    assert_eq!(
        error,
        ApiError::Dns {
            host: "kace.invalid".to_string()
        }
    );
}
