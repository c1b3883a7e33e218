//! Words for the screen: API errors a person can act on, counts and durations.

use std::time::Duration;

use crate::api::ApiError;
use crate::sanitize::for_display;

/// An API error as a sentence for the screen (sanitized: parts of it come from the server).
pub fn describe(error: &ApiError) -> String {
    let text = match error {
        ApiError::InvalidCredentials => "Wrong user name or password.".to_string(),
        ApiError::TwoFactorRejected => {
            "That code was not accepted. Check your authenticator app and try again.".to_string()
        }
        ApiError::UnknownOrganization(org) => {
            format!("There is no organization \"{org}\" that this account can use.")
        }
        ApiError::SessionExpired => "Your session expired. Log in again.".to_string(),
        ApiError::ConnectionRefused { host } => format!(
            "Cannot reach {host}: the connection was refused. Is the appliance running and the port right?"
        ),
        ApiError::Dns { host } => {
            format!("Cannot find the host \"{host}\". Check the server address.")
        }
        ApiError::Timeout { host, seconds } => {
            format!("{host} did not answer within {seconds} s. Check the network or try again.")
        }
        ApiError::Tls { host, detail } => format!(
            "The secure connection to {host} failed ({detail}). For a self-signed appliance set ca_cert or tls_fingerprint (--insecure only as a last resort)."
        ),
        ApiError::InsecureTransport { host } => {
            format!(
                "Refusing to send your password over plain http:// to {host}. Use https:// (or allow_http = true)."
            )
        }
        other => {
            let mut text = other.to_string();
            if let Some(first) = text.get(..1) {
                let upper = first.to_uppercase();
                text.replace_range(..1, &upper);
            }
            if !text.ends_with('.') {
                text.push('.');
            }
            text
        }
    };
    for_display(&text).into_owned()
}

/// `1214` → `1,214`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `Duration` → `0.4 s`, `12 s`, `2 min 5 s`.
pub fn seconds(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs < 10.0 {
        format!("{secs:.1} s")
    } else if secs < 60.0 {
        format!("{} s", secs.round())
    } else {
        let whole = duration.as_secs();
        format!("{} min {} s", whole / 60, whole % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_214), "1,214");
        assert_eq!(thousands(100_000), "100,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(seconds(Duration::from_millis(400)), "0.4 s");
        assert_eq!(seconds(Duration::from_secs(12)), "12 s");
        assert_eq!(seconds(Duration::from_secs(125)), "2 min 5 s");
    }

    #[test]
    fn errors_are_sentences_without_control_characters() {
        let text = describe(&ApiError::Server {
            status: 500,
            description: "boom\x1b[2J".into(),
        });
        assert_eq!(text, "The appliance answered 500: boom␛[2J.");
        assert_eq!(
            describe(&ApiError::ConnectionRefused {
                host: "127.0.0.1:9".into()
            }),
            "Cannot reach 127.0.0.1:9: the connection was refused. Is the appliance running and the port right?"
        );
    }
}
