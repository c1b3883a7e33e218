//! Logging in for a headless command: the worker, the credentials (password and 2FA code from
//! their sources, see [`crate::config::secrets`]) and, with `--demo`, the embedded fake
//! appliance. Every command after login goes through [`Connection::send`] and
//! [`Connection::next_event`].

use secrecy::SecretString;
use tokio::sync::mpsc;

use crate::api::{ConnectionSettings, Credentials};
use crate::config::Resolved;
use crate::config::secrets::{self, PasswordSource};
use crate::worker::{ApiEvent, Cmd, LoginOutcome, RequestId, Session};

use super::Failure;

/// The demo appliance's administrator (see the fake appliance's accounts).
const DEMO_USER: &str = "admin";

/// The channels to the worker.
pub struct Channel {
    commands: mpsc::UnboundedSender<Cmd>,
    events: crate::worker::Events,
}

/// A logged-in worker.
pub struct Connection {
    pub channel: Channel,
    pub session: Session,
    /// Keeps the embedded demo appliance running as long as the connection lives.
    _demo: Option<crate::fake::FakeHandle>,
}

impl Connection {
    /// Starts the worker and logs in with the resolved settings.
    pub async fn open(resolved: &Resolved) -> Result<Connection, Failure> {
        let (settings, demo) = connection_settings(resolved)?;
        let user = match (&resolved.user, demo.is_some()) {
            (Some(user), _) => user.clone(),
            (None, true) => DEMO_USER.to_string(),
            (None, false) => {
                return Err(Failure::usage("no user name to log in with")
                    .with_hint("pass --user, set KACE_USER, or set `user` in the profile"));
            }
        };
        let password = password_for(resolved, &user, demo.is_some())?;
        let credentials = Credentials {
            user,
            password,
            organization: resolved.org.clone(),
        };
        let (commands, events) = crate::worker::spawn();
        let mut channel = Channel { commands, events };
        let session = channel.login(settings, credentials).await?;
        tracing::info!(
            server = %session.server,
            user = %session.user.user_name,
            organization = ?session.organization,
            "logged in"
        );
        Ok(Connection {
            channel,
            session,
            _demo: demo,
        })
    }
}

impl Channel {
    async fn login(
        &mut self,
        settings: ConnectionSettings,
        credentials: Credentials,
    ) -> Result<Session, Failure> {
        let id = self.send(|id| Cmd::Login {
            id,
            settings,
            credentials,
        })?;
        match self.next_event(id).await? {
            ApiEvent::Login {
                outcome: LoginOutcome::LoggedIn(session),
                ..
            } => Ok(session),
            ApiEvent::Login {
                outcome: LoginOutcome::TwoFactorRequired,
                ..
            } => {
                let code = two_factor_code()?;
                let id = self.send(|id| Cmd::VerifyTwoFactor { id, code })?;
                match self.next_event(id).await? {
                    ApiEvent::TwoFactorVerified { session, .. } => Ok(session),
                    other => Err(unexpected_event(&other)),
                }
            }
            other => Err(unexpected_event(&other)),
        }
    }

    /// Sends the command `make` builds for a fresh request id; returns that id.
    pub fn send(&mut self, make: impl FnOnce(RequestId) -> Cmd) -> Result<RequestId, Failure> {
        let id = crate::worker::next_request_id();
        self.commands
            .send(make(id))
            .map_err(|_| Failure::unexpected("the background worker stopped"))?;
        Ok(id)
    }

    /// The next event answering request `id`: failures become a [`Failure`], retries are
    /// logged and skipped, events for other requests are dropped.
    pub async fn next_event(&mut self, id: RequestId) -> Result<ApiEvent, Failure> {
        loop {
            let event = self
                .events
                .recv()
                .await
                .ok_or_else(|| Failure::unexpected("the background worker stopped"))?;
            match event {
                ApiEvent::Failed { id: failed, error } if failed == id => {
                    return Err(Failure::from(error));
                }
                ApiEvent::Retrying {
                    attempt,
                    of,
                    reason,
                    ..
                } => {
                    tracing::warn!(attempt, of, %reason, "retrying");
                }
                ApiEvent::SessionRenewed { .. } => tracing::info!("session renewed"),
                event if event.id() == id => return Ok(event),
                _ => {}
            }
        }
    }
}

/// The settings to connect with, and the demo appliance when `--demo` asks for it.
fn connection_settings(
    resolved: &Resolved,
) -> Result<(ConnectionSettings, Option<crate::fake::FakeHandle>), Failure> {
    let mut settings = resolved.settings.clone();
    if resolved.demo {
        let handle = crate::fake::start(crate::fake::FakeConfig::default()).map_err(|error| {
            Failure::unexpected(format!("cannot start the demo appliance: {error}"))
        })?;
        settings.server = handle.base_url();
        return Ok((settings, Some(handle)));
    }
    if settings.server.trim().is_empty() {
        return Err(Failure::usage("no appliance to talk to")
            .with_hint("pass --server URL, set KACE_SERVER, choose a --profile, or try --demo"));
    }
    Ok((settings, None))
}

/// The password from its sources in order; on the demo appliance a user's password is its name.
fn password_for(resolved: &Resolved, user: &str, demo: bool) -> Result<SecretString, Failure> {
    if let Some((password, source)) =
        secrets::password_without_prompt(resolved.password_command.as_deref())?
    {
        tracing::debug!(%source, "password obtained");
        return Ok(password);
    }
    if demo {
        return Ok(SecretString::from(user.to_string()));
    }
    if secrets::can_prompt() {
        let password = secrets::prompt_hidden(&format!("Password for {user}: "))?;
        tracing::debug!(source = %PasswordSource::Prompt, "password obtained");
        return Ok(password);
    }
    Err(Failure::auth(
        "no password: not on a terminal, and neither password_command nor KACE_PASSWORD is set",
    )
    .with_hint("set `password_command` in the profile (e.g. \"pass show kace\") or KACE_PASSWORD"))
}

/// The 2FA code from `KACE_2FA_CODE`, or asked for on a terminal.
fn two_factor_code() -> Result<SecretString, Failure> {
    if let Some(code) = secrets::two_factor_code_from_env() {
        return Ok(code);
    }
    if secrets::can_prompt() {
        return Ok(secrets::prompt_hidden("Two-factor code: ")?);
    }
    Err(Failure::auth(
        "this account needs a two-factor code, and there is no terminal to ask for it",
    )
    .with_hint("set KACE_2FA_CODE to the current code"))
}

fn unexpected_event(event: &ApiEvent) -> Failure {
    tracing::error!(?event, "unexpected answer from the worker");
    Failure::unexpected("unexpected answer from the background worker")
}
