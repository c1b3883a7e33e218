//! The configuration file, profiles, `info` and `completions`, through the real binary.

mod cli_common;

use cli_common::{Home, run};

const PROFILES: &str = r#"
default_profile = "prod"

[profiles.prod]
server = "https://prod.example.com"
user = "produser"
org = "Default"

[profiles.lab]
server = "https://lab.example.com"
insecure = true
"#;

fn assert_one_error_line(stderr: &str) {
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        !lines.is_empty() && lines.len() <= 2,
        "one error line plus a hint expected: {stderr:?}"
    );
    assert!(lines[0].starts_with("kace-tui: "), "{stderr:?}");
    assert!(!stderr.contains("panicked") && !stderr.contains("backtrace"));
}

#[test]
fn an_unknown_key_is_reported_with_file_line_and_key() {
    let home = Home::new();
    home.write_config(
        "default_profile = \"prod\"\n\n[profiles.prod]\nserver = \"https://a\"\nservr = \"typo\"\n",
    );
    let outcome = run(&mut home.kace(&["info"]));
    assert_eq!(outcome.code, 2, "{}", outcome.stderr);
    assert!(outcome.stdout.is_empty());
    assert_one_error_line(&outcome.stderr);
    let expected = format!(
        "{}:5:1: key `profiles.prod.servr`: unknown field `servr`",
        home.config_file().display()
    );
    assert!(outcome.stderr.contains(&expected), "{}", outcome.stderr);
}

#[test]
fn a_wrong_type_is_reported_with_line_and_key() {
    let home = Home::new();
    home.write_config("[profiles.lab]\nserver = \"https://a\"\npage_size = \"big\"\n");
    let outcome = run(&mut home.kace(&["machines", "list"]));
    assert_eq!(outcome.code, 2);
    assert!(
        outcome.stderr.contains("config.toml:3:")
            && outcome.stderr.contains("`profiles.lab.page_size`"),
        "{}",
        outcome.stderr
    );
}

#[test]
fn a_missing_required_server_is_reported() {
    let home = Home::new();
    home.write_config("[profiles.lab]\nuser = \"admin\"\n");
    let outcome = run(&mut home.kace(&["info"]));
    assert_eq!(outcome.code, 2);
    assert!(
        outcome.stderr.contains("config.toml:1:") && outcome.stderr.contains("`server`"),
        "{}",
        outcome.stderr
    );
}

#[test]
fn an_unknown_key_binding_action_is_reported() {
    let home = Home::new();
    home.write_config("[ui.keys]\nquit = \"q\"\nfly_away = \"f\"\n");
    let outcome = run(&mut home.kace(&["info"]));
    assert_eq!(outcome.code, 2);
    assert!(
        outcome
            .stderr
            .contains("config.toml:3:1: key `ui.keys.fly_away`"),
        "{}",
        outcome.stderr
    );
}

#[test]
fn the_config_file_can_be_named_by_flag_or_environment() {
    let home = Home::new();
    let file = home.path().join("elsewhere.toml");
    std::fs::write(&file, "log_level = 12\n").unwrap();
    let by_env = run(home.kace(&["info"]).env("KACE_TUI_CONFIG", &file));
    assert_eq!(by_env.code, 2);
    assert!(
        by_env.stderr.contains("elsewhere.toml:1:"),
        "{}",
        by_env.stderr
    );

    let missing = home.path().join("missing.toml");
    let by_flag = run(&mut home.kace(&["--config", missing.to_str().unwrap(), "info"]));
    assert_eq!(by_flag.code, 2);
    assert!(
        by_flag.stderr.contains("missing.toml"),
        "{}",
        by_flag.stderr
    );
}

#[test]
fn the_example_config_is_accepted_by_the_binary() {
    let home = Home::new();
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.toml");
    let outcome = run(&mut home.kace(&["--config", example, "info"]));
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    assert!(
        outcome
            .stdout
            .contains("https://kace.example.com (from profile)")
    );
}

#[test]
fn info_prints_every_path_and_the_default_profile() {
    let home = Home::new();
    home.write_config(PROFILES);
    let outcome = run(&mut home.kace(&["info"]));
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    let line = |label: &str| {
        outcome
            .stdout
            .lines()
            .find(|line| line.starts_with(label))
            .unwrap_or_else(|| panic!("no {label} line in {}", outcome.stdout))
            .to_string()
    };
    assert!(line("config file").contains(&format!("{} (found)", home.config_file().display())));
    assert!(line("state dir").contains(&home.state_dir().display().to_string()));
    assert!(line("log file").contains(&home.log_file().display().to_string()));
    assert!(line("cache dir").contains(&home.path().join("cache/kace-tui").display().to_string()));
    assert!(line("profile").ends_with("prod"));
    assert!(line("server").contains("https://prod.example.com (from profile)"));
    assert!(line("user").contains("produser (from profile)"));
    assert!(line("organization").ends_with("Default"));
    assert!(line("tls").contains("verified"));
}

#[test]
fn flags_beat_environment_beats_profile() {
    let home = Home::new();
    home.write_config(PROFILES);
    let outcome = run(home
        .kace(&["--profile", "lab", "--user", "flaguser", "info"])
        .env("KACE_SERVER", "https://env.example.com")
        .env("KACE_USER", "envuser"));
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    assert!(
        outcome
            .stdout
            .contains("https://env.example.com (from flag or environment)")
    );
    assert!(
        outcome
            .stdout
            .contains("flaguser (from flag or environment)")
    );
    assert!(outcome.stdout.contains("NOT VERIFIED (insecure)"));

    let flag = run(home
        .kace(&["--server", "https://flag.example.com", "info"])
        .env("KACE_SERVER", "https://env.example.com"));
    assert!(
        flag.stdout
            .contains("https://flag.example.com (from flag or environment)")
    );
}

#[test]
fn an_unknown_profile_lists_the_defined_ones() {
    let home = Home::new();
    home.write_config(PROFILES);
    let outcome = run(&mut home.kace(&["--profile", "staging", "info"]));
    assert_eq!(outcome.code, 2);
    assert_one_error_line(&outcome.stderr);
    assert!(
        outcome.stderr.contains("profiles: lab, prod"),
        "{}",
        outcome.stderr
    );
}

#[test]
fn info_never_prints_the_password() {
    let home = Home::new();
    let outcome = run(home
        .kace(&["info"])
        .env("KACE_PASSWORD", "hunter2-very-secret"));
    assert_eq!(outcome.code, 0);
    assert!(outcome.stdout.contains("from KACE_PASSWORD"));
    assert!(!outcome.stdout.contains("hunter2") && !home.log().contains("hunter2"));
}

#[cfg(unix)]
#[test]
fn the_log_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::new();
    let outcome = run(&mut home.kace(&["--log-level", "debug", "info"]));
    assert_eq!(outcome.code, 0);
    let mode = std::fs::metadata(home.log_file())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(home.log().contains("kace-tui started"));
}

#[test]
fn completions_are_printed_for_each_shell() {
    let home = Home::new();
    for shell in ["bash", "zsh", "fish"] {
        let outcome = run(&mut home.kace(&["completions", shell]));
        assert_eq!(outcome.code, 0, "{shell}: {}", outcome.stderr);
        assert!(outcome.stdout.contains("machines"), "{shell}");
        assert!(outcome.stdout.contains("output"), "{shell}");
    }
}

#[test]
fn usage_errors_exit_2() {
    let home = Home::new();
    let cases: [&[&str]; 5] = [
        &["machines", "list", "--bogus"],
        // The password is never a flag.
        &["--password", "x", "machines", "list"],
        &["--log-level", "loud", "info"],
        &["--server", "https://a", "machines", "list"],
        &["--user", "admin", "machines", "list"],
    ];
    for args in cases {
        let outcome = run(home.kace(args).env("KACE_PASSWORD", "x"));
        assert_eq!(outcome.code, 2, "{args:?}: {}", outcome.stderr);
        assert!(!outcome.stderr.is_empty(), "{args:?}");
    }
}
