//! Password and 2FA sources, the exit codes of failed logins, and that no secret reaches the
//! log file or the output, through the real binary against the fake appliance.

mod cli_common;

use cli_common::{Home, Outcome, run, start_fake};

fn profile(server: &str, extra: &str) -> String {
    format!("default_profile = \"t\"\n[profiles.t]\nserver = \"{server}\"\n{extra}")
}

fn orgs_ok(outcome: &Outcome) {
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    assert!(outcome.stdout.contains("\"Default\""), "{}", outcome.stdout);
}

#[test]
fn the_password_comes_from_the_profiles_command() {
    let fake = start_fake(20);
    let home = Home::new();
    home.write_config(&profile(
        &fake.base_url(),
        "user = \"admin\"\npassword_command = \"printf '  admin\\\\n'\"\n",
    ));
    // The command wins over the environment.
    orgs_ok(&run(home.kace(&["orgs"]).env("KACE_PASSWORD", "wrong")));
}

#[test]
fn the_password_comes_from_the_environment() {
    let fake = start_fake(20);
    let home = Home::new();
    orgs_ok(&run(home
        .kace(&["--server", &fake.base_url(), "orgs"])
        .env("KACE_USER", "admin")
        .env("KACE_PASSWORD", "admin")));
}

#[test]
fn no_password_and_no_terminal_exits_3_and_says_why() {
    let fake = start_fake(20);
    let home = Home::new();
    let outcome = run(&mut home.kace(&["--server", &fake.base_url(), "--user", "admin", "orgs"]));
    assert_eq!(outcome.code, 3);
    assert!(outcome.stderr.contains("no password"), "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains("KACE_PASSWORD"),
        "{}",
        outcome.stderr
    );
}

#[test]
fn a_failing_password_command_exits_3() {
    let fake = start_fake(20);
    let home = Home::new();
    home.write_config(&profile(
        &fake.base_url(),
        "user = \"admin\"\npassword_command = \"exit 7\"\n",
    ));
    let outcome = run(&mut home.kace(&["orgs"]));
    assert_eq!(outcome.code, 3, "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains("password_command"),
        "{}",
        outcome.stderr
    );
}

#[test]
fn a_wrong_password_exits_3() {
    let fake = start_fake(20);
    let home = Home::new();
    let outcome = run(home
        .kace(&["--server", &fake.base_url(), "--user", "admin", "orgs"])
        .env("KACE_PASSWORD", "not-the-password"));
    assert_eq!(outcome.code, 3, "{}", outcome.stderr);
    assert!(outcome.stderr.contains("wrong user name or password"));
}

#[test]
fn an_unknown_organization_exits_3() {
    let fake = start_fake(20);
    let home = Home::new();
    let outcome = run(home
        .kace(&[
            "--server",
            &fake.base_url(),
            "--user",
            "admin",
            "--org",
            "Nowhere",
            "orgs",
        ])
        .env("KACE_PASSWORD", "admin"));
    assert_eq!(outcome.code, 3, "{}", outcome.stderr);
    assert!(outcome.stderr.contains("Nowhere"), "{}", outcome.stderr);
}

#[test]
fn an_organization_can_be_chosen() {
    let fake = start_fake(20);
    let home = Home::new();
    let outcome = run(home
        .kace(&[
            "--server",
            &fake.base_url(),
            "--user",
            "admin",
            "--org",
            "Lab",
        ])
        .args(["machines", "list", "--output", "jsonl"])
        .env("KACE_PASSWORD", "admin"));
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    assert_eq!(outcome.stdout.lines().count(), 150, "the Lab organization");
}

#[test]
fn a_two_factor_account_needs_kace_2fa_code_headless() {
    let fake = start_fake(20);
    let home = Home::new();
    let base = fake.base_url();
    let args = ["--server", base.as_str(), "--user", "secure", "orgs"];

    let without = run(home.kace(&args).env("KACE_PASSWORD", "secure"));
    assert_eq!(without.code, 3, "{}", without.stderr);
    assert!(without.stderr.contains("two-factor"), "{}", without.stderr);
    assert!(
        without.stderr.contains("KACE_2FA_CODE"),
        "{}",
        without.stderr
    );

    let wrong = run(home
        .kace(&args)
        .env("KACE_PASSWORD", "secure")
        .env("KACE_2FA_CODE", "000000"));
    assert_eq!(wrong.code, 3, "{}", wrong.stderr);

    let with = run(home
        .kace(&args)
        .env("KACE_PASSWORD", "secure")
        .env("KACE_2FA_CODE", "123456"));
    orgs_ok(&with);
}

#[test]
fn an_unreachable_appliance_exits_5() {
    let home = Home::new();
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let outcome = run(home
        .kace(&[
            "--server",
            &format!("http://127.0.0.1:{port}"),
            "--user",
            "admin",
            "orgs",
        ])
        .env("KACE_PASSWORD", "admin"));
    assert_eq!(outcome.code, 5, "{}", outcome.stderr);
    assert!(outcome.stderr.lines().count() <= 2);
}

#[test]
fn no_secret_reaches_the_log_or_the_output_even_at_trace_level() {
    // The 2FA code is configurable, so it can be a value that appears nowhere else.
    let code = "748213";
    let fake = kace_tui::fake::start(kace_tui::fake::FakeConfig {
        machines: 120,
        two_factor_code: code.to_string(),
        ..kace_tui::fake::FakeConfig::default()
    })
    .unwrap();
    let home = Home::new();
    let base = fake.base_url();
    let mut outputs = String::new();
    for args in [
        vec![
            "--log-level",
            "trace",
            "--server",
            &base,
            "--user",
            "secure",
            "orgs",
        ],
        vec![
            "--log-level",
            "trace",
            "--server",
            &base,
            "--user",
            "secure",
            "machines",
            "list",
            "--limit",
            "60",
        ],
        vec![
            "--log-level",
            "trace",
            "--server",
            &base,
            "--user",
            "secure",
            "machines",
            "get",
            "42",
        ],
    ] {
        let outcome = run(home
            .kace(&args)
            .env("KACE_PASSWORD", "secure")
            .env("KACE_2FA_CODE", code));
        assert_eq!(outcome.code, 0, "{args:?}: {}", outcome.stderr);
        outputs.push_str(&outcome.stdout);
        outputs.push_str(&outcome.stderr);
    }
    let log = home.log();
    assert!(
        log.contains("logged in"),
        "the log is written at trace level"
    );
    // Every session cookie (kboxid), CSRF token and x-dell-auth-jwt the appliance handed out,
    // by exact value.
    let issued = fake.faults().issued_secrets();
    assert!(issued.len() >= 3 * 5, "three logins, five secrets each");
    for secret in &issued {
        assert!(
            !log.contains(secret.as_str()),
            "an issued secret is in the log"
        );
        assert!(
            !outputs.contains(secret.as_str()),
            "an issued secret was printed"
        );
    }
    for text in [&log, &outputs] {
        assert!(!text.contains(code), "the 2FA code leaked");
        assert!(!text.contains("\"password\""), "a login body leaked");
        assert!(
            !text.to_lowercase().contains("kboxid="),
            "a session cookie leaked"
        );
        assert!(
            !text.to_lowercase().contains("cookie:"),
            "a cookie header leaked"
        );
        assert!(!has_token(text), "a session or CSRF token leaked");
    }
}

#[test]
fn a_known_password_appears_nowhere_even_at_trace_level() {
    // The demo accounts' passwords equal their user names, so a distinctive password can only
    // be a wrong one: it still goes all the way (source, credentials, login body, HTTP, error).
    let password = "Zq9-known-PASSWORD-4417";
    let fake = start_fake(20);
    let home = Home::new();
    home.write_config(&profile(
        &fake.base_url(),
        &format!("user = \"admin\"\npassword_command = \"echo {password}\"\n"),
    ));
    let from_command = run(&mut home.kace(&["--log-level", "trace", "orgs"]));
    let from_env = run(home
        .kace(&[
            "--log-level",
            "trace",
            "--server",
            &fake.base_url(),
            "--user",
            "admin",
            "orgs",
        ])
        .env("KACE_PASSWORD", password));
    for outcome in [&from_command, &from_env] {
        assert_eq!(outcome.code, 3, "{}", outcome.stderr);
        assert!(!outcome.stdout.contains(password) && !outcome.stderr.contains(password));
    }
    let log = home.log();
    assert!(log.contains(" TRACE "), "a trace-level log");
    assert!(!log.contains(password), "the password is in the log");
    assert!(!log.contains("Zq9"), "part of the password is in the log");
}

#[test]
fn no_secret_reaches_the_log_in_legacy_csrf_mode_with_a_session_renewed_mid_run() {
    // 11.x style: the CSRF token travels in a header on every request; the session expires
    // during the listing, so the password is sent a second time by the silent renewal.
    let password = "Kq7-legacy-PASSWORD-9051";
    let fake = kace_tui::fake::start(kace_tui::fake::FakeConfig {
        machines: 300,
        legacy_csrf: true,
        ..kace_tui::fake::FakeConfig::default()
    })
    .unwrap();
    fake.faults().expire_sessions_after(Some(2));
    let home = Home::new();
    home.write_config(&profile(
        &fake.base_url(),
        "user = \"admin\"\napi_version = \"8\"\n",
    ));
    // The fake's accounts have fixed passwords, so the distinctive one goes through a wrong
    // login first; the real run then uses the right one.
    let wrong = run(home
        .kace(&["--log-level", "trace", "orgs"])
        .env("KACE_PASSWORD", password));
    assert_eq!(wrong.code, 3, "{}", wrong.stderr);
    let listing = run(home
        .kace(&[
            "--log-level",
            "trace",
            "machines",
            "list",
            "--output",
            "jsonl",
        ])
        .env("KACE_PASSWORD", "admin"));
    assert_eq!(listing.code, 0, "{}", listing.stderr);
    assert_eq!(listing.stdout.lines().count(), 300);
    let stats = fake.faults().stats();
    assert!(
        stats.logins >= 2,
        "the session was renewed mid-run: {stats:?}"
    );
    let log = home.log();
    assert!(log.contains(" TRACE "), "a trace-level log");
    let issued = fake.faults().issued_secrets();
    assert!(issued.len() >= 2 * 5);
    for secret in &issued {
        assert!(
            !log.contains(secret.as_str()),
            "an issued secret is in the log"
        );
        assert!(!listing.stderr.contains(secret.as_str()));
    }
    for text in [&log, &wrong.stderr, &listing.stderr] {
        assert!(
            !text.contains(password) && !text.contains("Kq7"),
            "the password leaked"
        );
        assert!(!has_token(text), "a token-shaped string leaked");
        assert!(!text.to_lowercase().contains("x-dell-csrf-token:"));
    }
}

/// Whether `text` holds a run of 32 or more hex digits: what the fake's session ids, CSRF
/// tokens and JWT parts look like (nothing in the inventory data does).
fn has_token(text: &str) -> bool {
    let mut run = 0;
    for c in text.chars() {
        run = if c.is_ascii_hexdigit() { run + 1 } else { 0 };
        if run >= 32 {
            return true;
        }
    }
    false
}

#[test]
fn an_unreadable_answer_exits_1_with_one_line() {
    let fake = start_fake(20);
    fake.faults()
        .fail_next(50, kace_tui::fake::faults::Fault::TruncatedJson);
    let home = Home::new();
    let outcome = run(home
        .kace(&["--server", &fake.base_url(), "--user", "admin", "orgs"])
        .env("KACE_PASSWORD", "admin"));
    assert_eq!(outcome.code, 1, "{}", outcome.stderr);
    assert!(
        outcome.stderr.starts_with("kace-tui: "),
        "{}",
        outcome.stderr
    );
    assert!(outcome.stderr.lines().count() <= 2, "{}", outcome.stderr);
    assert!(!outcome.stderr.contains("panicked"));
}

#[test]
fn a_failing_appliance_exits_5() {
    let fake = start_fake(20);
    fake.faults()
        .fail_next(50, kace_tui::fake::faults::Fault::Status(503));
    let home = Home::new();
    let outcome = run(home
        .kace(&["--server", &fake.base_url(), "--user", "admin", "orgs"])
        .env("KACE_PASSWORD", "admin"));
    assert_eq!(outcome.code, 5, "{}", outcome.stderr);
}
