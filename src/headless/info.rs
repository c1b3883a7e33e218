//! `kace-tui info`: every path used and the resolved profile, the answer to "where is my
//! config?" and "which appliance would this talk to?". Runs no command and logs into nothing.

use std::io::Write;

use crate::config::Resolved;
use crate::config::secrets::PASSWORD_ENV;
use crate::sanitize::for_display;

use super::Failure;

/// Prints `resolved` as aligned `label: value` lines.
pub fn print(resolved: &Resolved, out: &mut impl Write) -> Result<(), Failure> {
    let paths = &resolved.paths;
    let config_state = if resolved.config_found {
        "found"
    } else {
        "not found; see config.example.toml"
    };
    let mut lines: Vec<(&str, String)> = vec![
        (
            "config file",
            format!("{} ({config_state})", paths.config_file.display()),
        ),
        ("state dir", paths.state_dir.display().to_string()),
        ("log file", paths.log_file.display().to_string()),
        ("cache dir", paths.cache_dir.display().to_string()),
        (
            "profile",
            resolved
                .profile_name
                .clone()
                .unwrap_or_else(|| "(none)".to_string()),
        ),
    ];
    let server = if resolved.demo {
        "embedded demo appliance (--demo)".to_string()
    } else if resolved.settings.server.is_empty() {
        "(none: use --server, KACE_SERVER, a profile, or --demo)".to_string()
    } else {
        format!(
            "{} (from {})",
            resolved.settings.server, resolved.server_origin
        )
    };
    lines.push(("server", server));
    lines.push((
        "user",
        match &resolved.user {
            Some(user) => format!("{user} (from {})", resolved.user_origin),
            None => "(none)".to_string(),
        },
    ));
    lines.push((
        "organization",
        resolved
            .org
            .clone()
            .unwrap_or_else(|| "(appliance default)".to_string()),
    ));
    let password = if resolved.password_command.is_some() {
        "from the profile's password_command".to_string()
    } else if std::env::var_os(PASSWORD_ENV).is_some() {
        format!("from {PASSWORD_ENV}")
    } else {
        "asked for when needed".to_string()
    };
    lines.push(("password", password));
    let settings = &resolved.settings;
    let tls = match (
        &settings.ca_cert,
        settings.tls_fingerprint,
        settings.insecure,
    ) {
        (_, _, true) => "NOT VERIFIED (insecure)".to_string(),
        (_, Some(pin), false) => format!("certificate pinned to SHA-256 {pin}"),
        (Some(ca), None, false) => format!("verified with {} only", ca.display()),
        (None, None, false) => "verified with system roots".to_string(),
    };
    lines.push(("tls", tls));
    if settings.allow_http {
        lines.push(("plain http", "allowed to any host (allow_http)".to_string()));
    }
    lines.push((
        "readonly",
        if resolved.readonly { "yes" } else { "no" }.to_string(),
    ));
    lines.push(("log level", resolved.log_level.to_string().to_lowercase()));

    let width = lines
        .iter()
        .map(|(label, _)| label.len())
        .max()
        .unwrap_or(0);
    let mut text = String::new();
    for (label, value) in &lines {
        text.push_str(&format!("{label:<width$}  {}\n", for_display(value)));
    }
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|error| Failure::unexpected(format!("cannot write: {error}")))
}
