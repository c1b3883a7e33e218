//! Where the password and the 2FA code come from. Never from the command line (argv is visible
//! to every user of the machine), never written to disk, never logged.
//!
//! Password, in order: the profile's `password_command` (run through `sh -c`, its trimmed
//! standard output is the password), `KACE_PASSWORD`, then a prompt: the TUI's login form, or
//! a no-echo prompt on the terminal for headless commands. The 2FA code: `KACE_2FA_CODE`, then
//! a no-echo prompt.

use std::fmt;
use std::io::IsTerminal;
use std::process::{Command, Stdio};

use secrecy::SecretString;
use secrecy::zeroize::Zeroize;

/// The environment variable holding the password.
pub const PASSWORD_ENV: &str = "KACE_PASSWORD";
/// The environment variable holding the 2FA code for headless commands.
pub const TWO_FACTOR_ENV: &str = "KACE_2FA_CODE";

/// Where a password came from (for `info` and the log; never the password itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordSource {
    Command,
    Environment,
    Prompt,
}

impl fmt::Display for PasswordSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PasswordSource::Command => "password_command",
            PasswordSource::Environment => PASSWORD_ENV,
            PasswordSource::Prompt => "prompt",
        })
    }
}

/// A secret could not be obtained. Messages never contain the secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretError(pub String);

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SecretError {}

/// The password from `password_command` or `KACE_PASSWORD`, without prompting. `Ok(None)` means
/// neither is set: prompt (or show the login form).
pub fn password_without_prompt(
    password_command: Option<&str>,
) -> Result<Option<(SecretString, PasswordSource)>, SecretError> {
    if let Some(command) = password_command {
        return run_password_command(command).map(|p| Some((p, PasswordSource::Command)));
    }
    Ok(non_empty_env(PASSWORD_ENV).map(|p| (p, PasswordSource::Environment)))
}

/// Runs `command` through `sh -c`. The terminal stays connected to its stdin and stderr so that
/// tools like `pass` or `gpg` can ask for their own passphrase. Neither the log nor an error
/// names the command: a careless one (`echo hunter2`) holds the password itself.
pub fn run_password_command(command: &str) -> Result<SecretString, SecretError> {
    tracing::debug!("running password_command");
    let output = Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::inherit())
        .stderr(Stdio::inherit())
        .stdout(Stdio::piped())
        .output()
        .map_err(|error| SecretError(format!("cannot run password_command: {error}")))?;
    let mut stdout = output.stdout;
    if !output.status.success() {
        stdout.zeroize();
        return Err(SecretError(format!(
            "password_command failed ({})",
            output.status
        )));
    }
    let password = match std::str::from_utf8(&stdout) {
        Ok(text) => text.trim().to_string(),
        Err(_) => {
            stdout.zeroize();
            return Err(SecretError(
                "password_command printed something that is not UTF-8".to_string(),
            ));
        }
    };
    stdout.zeroize();
    if password.is_empty() {
        return Err(SecretError("password_command printed nothing".to_string()));
    }
    Ok(SecretString::from(password))
}

/// The 2FA code from `KACE_2FA_CODE`, if set.
pub fn two_factor_code_from_env() -> Option<SecretString> {
    non_empty_env(TWO_FACTOR_ENV)
}

/// Whether a no-echo prompt can be shown: someone is at a terminal on stdin and stderr.
pub fn can_prompt() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Asks on the terminal without echoing what is typed.
pub fn prompt_hidden(prompt: &str) -> Result<SecretString, SecretError> {
    let mut answer = rpassword::prompt_password(prompt)
        .map_err(|error| SecretError(format!("cannot read from the terminal: {error}")))?;
    let secret = SecretString::from(answer.trim().to_string());
    answer.zeroize();
    Ok(secret)
}

fn non_empty_env(name: &str) -> Option<SecretString> {
    let mut value = std::env::var(name).ok()?;
    let secret = (!value.is_empty()).then(|| SecretString::from(value.clone()));
    value.zeroize();
    secret
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn the_command_output_is_trimmed() {
        let password = run_password_command("printf '  s3cret pass\\n\\n'").unwrap();
        assert_eq!(password.expose_secret(), "s3cret pass");
    }

    #[test]
    fn a_failing_command_says_so_without_its_output_or_text() {
        let error = run_password_command("echo leaked-secret; exit 3").unwrap_err();
        assert!(error.0.contains("failed"), "{error}");
        assert!(!error.0.contains("leaked"), "{error}");
    }

    #[test]
    fn an_empty_output_is_an_error() {
        let error = run_password_command("true").unwrap_err();
        assert!(error.0.contains("printed nothing"), "{error}");
    }

    #[test]
    fn the_command_wins_over_the_environment() {
        let (password, source) = password_without_prompt(Some("echo fromcommand"))
            .unwrap()
            .unwrap();
        assert_eq!(password.expose_secret(), "fromcommand");
        assert_eq!(source, PasswordSource::Command);
    }
}
