//! `kace-tui demo-server`: prints its URL and the accounts, serves what the flags say, and
//! the README's curl-style session (log in with a cookie jar, list machines) works against it.

mod fake_support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use fake_support::*;
use kace_tui::api::tls::Fingerprint;
use kace_tui::api::{Client, ConnectionSettings, Credentials, Query};
use reqwest::StatusCode;
use serde_json::json;

/// The child process, killed when the test ends however it ends.
struct DemoServer {
    child: Child,
    url: String,
    output: Vec<String>,
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn demo_server(args: &[&str]) -> (DemoServer, Duration) {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kace-tui"))
        .arg("demo-server")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary runs");
    let stdout = child.stdout.take().expect("stdout");
    let (lines_tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut output = Vec::new();
    let mut server = DemoServer {
        child,
        url: String::new(),
        output: Vec::new(),
    };
    while let Ok(line) = lines.recv_timeout(Duration::from_secs(20)) {
        let done = line.starts_with("Press Ctrl-C");
        output.push(line);
        if done {
            break;
        }
    }
    let elapsed = started.elapsed();
    let url = output
        .iter()
        .find_map(|line| {
            line.split_whitespace().find(|word| {
                word.starts_with("http://127.0.0.1:") || word.starts_with("https://127.0.0.1:")
            })
        })
        .unwrap_or_else(|| panic!("no URL in {output:?}"))
        .to_string();
    server.url = url;
    server.output = output;
    (server, elapsed)
}

#[tokio::test]
async fn demo_server_prints_url_and_accounts_and_serves_the_demo_data() {
    let (server, startup) = demo_server(&["--port", "0"]);
    // Issue 2: under a second for the default data set. A debug build takes about 0.1 s.
    assert!(startup < Duration::from_secs(1), "started in {startup:?}");
    let text = server.output.join("\n");
    for expected in [
        "admin/admin",
        "viewer/viewer",
        "jdoe/jdoe",
        "secure/secure",
        "2FA code 123456",
        "Read Only Administrator",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }

    let client = fake_support::client();
    let login = with_json(
        client.post(format!("{}{LOGIN}", server.url)),
        &json!({"userName": "admin", "password": "admin", "organizationName": "Default"}),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let machines = client
        .get(format!(
            "{}/api/inventory/machines?paging=limit%205",
            server.url
        ))
        .header("x-kace-api-version", "8")
        .send()
        .await
        .unwrap();
    assert_eq!(machines.status(), StatusCode::OK);
    let body = body_json(machines).await;
    assert_eq!(body["Count"], 1_200);
    assert_eq!(machine_ids(&body), ["1", "2", "3", "4", "5"]);
}

#[tokio::test]
async fn demo_server_flags_reach_the_appliance() {
    let (server, _) = demo_server(&[
        "--port",
        "0",
        "--machines",
        "120",
        "--seed",
        "7",
        "--legacy-csrf",
        "--two-factor-code",
        "999999",
    ]);
    assert!(server.output.join("\n").contains("2FA code 999999"));
    let client = fake_support::client();
    let login = with_json(
        client
            .post(format!("{}{LOGIN}", server.url))
            .header("x-dell-api-version", "8"),
        &json!({"userName": "secure", "password": "secure"}),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let csrf = login.headers()["x-dell-csrf-token"]
        .to_str()
        .unwrap()
        .to_string();
    let verify = with_json(
        client
            .post(format!(
                "{}/ams/shared/api/security/verify_2factor",
                server.url
            ))
            .header("x-dell-csrf-token", &csrf),
        &json!({"currentCode": "999999"}),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(verify.status(), StatusCode::OK);
    let count = client
        .get(format!(
            "{}/api/inventory/machines?use_count_only=true",
            server.url
        ))
        .header("x-dell-api-version", "8")
        .header("x-dell-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(body_json(count).await, json!({"Count": 120}));
}

#[tokio::test]
async fn demo_server_tls_prints_the_fingerprint_and_writes_the_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let cert_path = dir.path().join("demo.pem");
    let (server, _) = demo_server(&[
        "--port",
        "0",
        "--machines",
        "50",
        "--tls",
        "--cert-out",
        cert_path.to_str().unwrap(),
    ]);
    assert!(
        server.url.starts_with("https://127.0.0.1:"),
        "{}",
        server.url
    );
    let after = |prefix: &str| {
        server
            .output
            .iter()
            .find_map(|line| line.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no \"{prefix}\" in {:?}", server.output))
            .trim()
            .to_string()
    };
    let printed = after("TLS certificate SHA-256 fingerprint:");
    assert_eq!(
        after("TLS certificate (PEM) written to"),
        cert_path.display().to_string()
    );
    let pem = std::fs::read_to_string(&cert_path).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");

    // Both ways of trusting it that the output suggests work; plain verification does not.
    let pin = Fingerprint::parse(&printed).unwrap();
    let base = ConnectionSettings {
        server: server.url.clone(),
        ..ConnectionSettings::default()
    };
    for (settings, works) in [
        (
            ConnectionSettings {
                ca_cert: Some(cert_path.clone()),
                ..base.clone()
            },
            true,
        ),
        (
            ConnectionSettings {
                tls_fingerprint: Some(pin),
                ..base.clone()
            },
            true,
        ),
        (base.clone(), false),
    ] {
        let client = Client::new(settings).unwrap();
        let login = client
            .login(Credentials {
                user: "admin".into(),
                password: "admin".to_string().into(),
                organization: None,
            })
            .await;
        assert_eq!(login.is_ok(), works, "{login:?}");
        if works {
            let progress = client
                .list_machines(&Query::new(), |_, _| {})
                .await
                .unwrap();
            assert_eq!(progress.loaded, 50);
        }
    }
}

#[test]
fn demo_server_rejects_an_impossible_error_rate() {
    let output = Command::new(env!("CARGO_BIN_EXE_kace-tui"))
        .args(["demo-server", "--error-rate", "1.5"])
        .output()
        .expect("binary runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("--error-rate must be between 0.0 and 1.0")
    );
}
