//! Transport security through the real binary: an HTTPS fake appliance with a self-signed
//! certificate reached with `--ca-cert`, `--tls-fingerprint`, the profile's `tls_fingerprint`
//! and `--insecure` (with its warning on stderr), and plain HTTP refused off loopback.

mod cli_common;

use cli_common::{Home, Outcome, run};
use kace_tui::fake::{FakeConfig, FakeHandle};

fn https_fake() -> FakeHandle {
    kace_tui::fake::start(FakeConfig {
        machines: 20,
        tls: true,
        ..FakeConfig::default()
    })
    .expect("the fake appliance starts")
}

fn orgs(home: &Home, server: &str, extra: &[&str]) -> Outcome {
    let mut args = vec!["--server", server, "--user", "admin"];
    args.extend_from_slice(extra);
    args.push("orgs");
    run(home.kace(&args).env("KACE_PASSWORD", "admin"))
}

fn ok(outcome: &Outcome) {
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    assert!(outcome.stdout.contains("\"Default\""), "{}", outcome.stdout);
}

const WARNING: &str = "WARNING: TLS certificate verification is disabled";

#[test]
fn an_unknown_ca_exits_5_with_the_hint() {
    let fake = https_fake();
    let home = Home::new();
    let outcome = orgs(&home, &fake.base_url(), &[]);
    assert_eq!(outcome.code, 5, "{}", outcome.stderr);
    for hint in ["ca_cert", "tls_fingerprint", "insecure"] {
        assert!(outcome.stderr.contains(hint), "{}", outcome.stderr);
    }
    assert!(!outcome.stderr.contains(WARNING));
}

#[test]
fn ca_cert_and_pins_from_flags_and_profile_work() {
    let fake = https_fake();
    let certificate = fake.certificate().unwrap();
    let home = Home::new();
    let pem = home.path().join("appliance.pem");
    std::fs::write(&pem, &certificate.pem).unwrap();
    let pin = certificate.fingerprint.to_string();

    ok(&orgs(
        &home,
        &fake.base_url(),
        &["--ca-cert", pem.to_str().unwrap()],
    ));
    ok(&orgs(&home, &fake.base_url(), &["--tls-fingerprint", &pin]));

    home.write_config(&format!(
        "default_profile = \"t\"\n[profiles.t]\nserver = \"{}\"\nuser = \"admin\"\ntls_fingerprint = \"{pin}\"\n",
        fake.base_url()
    ));
    let from_profile = run(home.kace(&["orgs"]).env("KACE_PASSWORD", "admin"));
    ok(&from_profile);
    let info = run(&mut home.kace(&["info"]));
    assert!(
        info.stdout.contains(&format!("pinned to SHA-256 {pin}")),
        "{}",
        info.stdout
    );
}

#[test]
fn a_wrong_pin_exits_5_and_shows_the_presented_fingerprint() {
    let fake = https_fake();
    let other = https_fake();
    let home = Home::new();
    let wrong = other.certificate().unwrap().fingerprint.to_string();
    let outcome = orgs(&home, &fake.base_url(), &["--tls-fingerprint", &wrong]);
    assert_eq!(outcome.code, 5, "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains("does not match the pinned")
            && outcome
                .stderr
                .contains(&fake.certificate().unwrap().fingerprint.to_string()),
        "{}",
        outcome.stderr
    );
}

#[test]
fn a_malformed_pin_is_a_usage_error() {
    let home = Home::new();
    let outcome = orgs(
        &home,
        "https://kace.example.invalid",
        &["--tls-fingerprint", "AB:CD"],
    );
    assert_eq!(outcome.code, 2, "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains("64 hex digits"),
        "{}",
        outcome.stderr
    );
}

#[test]
fn insecure_works_and_warns_on_stderr() {
    let fake = https_fake();
    let home = Home::new();
    let outcome = orgs(&home, &fake.base_url(), &["--insecure"]);
    ok(&outcome);
    assert!(outcome.stderr.contains(WARNING), "{}", outcome.stderr);
    assert!(
        !outcome.stdout.contains(WARNING),
        "stdout stays clean for scripts"
    );
    assert!(
        home.log()
            .contains("TLS CERTIFICATE VERIFICATION IS DISABLED"),
        "and the log says so"
    );
}

#[test]
fn plain_http_to_a_remote_host_is_refused_with_exit_2() {
    let home = Home::new();
    let outcome = orgs(&home, "http://kace.example.invalid", &[]);
    assert_eq!(outcome.code, 2, "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains("plain HTTP") && outcome.stderr.contains("kace.example.invalid"),
        "{}",
        outcome.stderr
    );
    // With --allow-http the name is looked up, and found nowhere (exit 5, network).
    let allowed = orgs(&home, "http://kace.example.invalid", &["--allow-http"]);
    assert_eq!(allowed.code, 5, "{}", allowed.stderr);
}
