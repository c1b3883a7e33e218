//! The background worker: a tokio task that owns the [`Client`](crate::api::Client).
//!
//! It receives [`Cmd`]s over an mpsc channel and answers with [`ApiEvent`]s, each tagged with
//! the [`RequestId`] of the command it answers, so the UI can drop stale answers. This is the
//! seam the TUI, the headless CLI and the tests all use.
//!
//! Every command runs in its own task, so a slow load never holds up a detail request, and
//! sending a command never blocks (the command channel is unbounded). Pages of machines are
//! paced: at most [`PAGES_QUEUED`] wait in [`Events`] until the consumer takes them, and a
//! load fetches no further pages meanwhile, so a slow consumer (a headless export into a slow
//! pipe) holds a few pages, not the whole inventory. Other events are never held back, so
//! draining [`Events`] is all a consumer must do to keep the worker going.
//!
//! `Login`, `SwitchOrganization` and `Logout` cancel whatever is still running; `Cancel` stops
//! one command. A cancelled command sends no further events.
//!
//! ```no_run
//! # async fn demo() {
//! use kace_tui::worker::{self, ApiEvent, Cmd};
//! let (commands, mut events) = worker::spawn();
//! let id = worker::next_request_id();
//! commands.send(Cmd::ListOrganizations { id }).ok();
//! while let Some(event) = events.recv().await {
//!     if event.id() == id && event.is_final() {
//!         break;
//!     }
//! }
//! # }
//! ```

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use secrecy::SecretString;
use tokio::sync::Semaphore;
use tokio::sync::mpsc::error::TryRecvError;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::api::client::{ListProgress, LoginState, Notice};
use crate::api::{
    ApiError, Client, ConnectionSettings, Credentials, CurrentUser, Machine, MachineDetail,
    Organization, Query,
};

/// Identifies one command and every event that answers it.
pub type RequestId = u64;

/// What the UI (or the CLI) asks the worker to do.
#[derive(Debug)]
pub enum Cmd {
    /// Connect (building a new HTTP client for `settings`) and log in.
    Login {
        id: RequestId,
        settings: ConnectionSettings,
        credentials: Credentials,
    },
    /// Send the 2FA code after a login that answered [`LoginOutcome::TwoFactorRequired`].
    VerifyTwoFactor { id: RequestId, code: SecretString },
    /// List the organizations the account can see.
    ListOrganizations { id: RequestId },
    /// Switch the session to another organization. Cancels loads in flight.
    SwitchOrganization { id: RequestId, org: Organization },
    /// Load every machine matching `query`, streaming pages as [`ApiEvent::MachinesPage`].
    LoadMachines { id: RequestId, query: Query },
    /// Load one machine with all its fields and its software.
    LoadMachine { id: RequestId, machine_id: u64 },
    /// Stop the command `target` if it is still running (its events stop arriving).
    Cancel { target: RequestId },
    /// Log out. Cancels loads in flight.
    Logout { id: RequestId },
}

/// The session the worker holds after a successful login (and 2FA where needed).
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    /// The server as the user typed it.
    pub server: String,
    pub user: CurrentUser,
    /// The organization the session is in, when the appliance says (or it was asked for).
    pub organization: Option<String>,
}

/// How a login ended when it did not fail.
#[derive(Clone, Debug, PartialEq)]
pub enum LoginOutcome {
    LoggedIn(Session),
    /// Credentials accepted; send [`Cmd::VerifyTwoFactor`] next.
    TwoFactorRequired,
}

/// Where a streaming load stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadProgress {
    /// Machines received so far (distinct ids).
    pub loaded: usize,
    /// The appliance's `Count`, when it sent one.
    pub total: Option<usize>,
}

/// What the worker answers.
#[derive(Debug)]
pub enum ApiEvent {
    Login {
        id: RequestId,
        outcome: LoginOutcome,
    },
    TwoFactorVerified {
        id: RequestId,
        session: Session,
    },
    Organizations {
        id: RequestId,
        orgs: Vec<Organization>,
    },
    OrganizationSwitched {
        id: RequestId,
        session: Session,
    },
    /// One more page of machines (only ids not seen before in this load).
    MachinesPage {
        id: RequestId,
        machines: Vec<Machine>,
        progress: LoadProgress,
    },
    /// The load finished: every machine has been sent.
    MachinesDone {
        id: RequestId,
        progress: LoadProgress,
        elapsed: Duration,
    },
    Machine {
        id: RequestId,
        detail: Box<MachineDetail>,
    },
    LoggedOut {
        id: RequestId,
    },
    /// A request is being retried after a transient failure (for the status line).
    Retrying {
        id: RequestId,
        attempt: u32,
        of: u32,
        delay: Duration,
        reason: String,
    },
    /// The session expired and was renewed without the user (for a flash message).
    SessionRenewed {
        id: RequestId,
    },
    /// The command failed. Everything sent before stays valid.
    Failed {
        id: RequestId,
        error: ApiError,
    },
}

impl Cmd {
    /// The id the answers will carry (`Cancel` has none of its own).
    pub fn id(&self) -> Option<RequestId> {
        match self {
            Cmd::Login { id, .. }
            | Cmd::VerifyTwoFactor { id, .. }
            | Cmd::ListOrganizations { id }
            | Cmd::SwitchOrganization { id, .. }
            | Cmd::LoadMachines { id, .. }
            | Cmd::LoadMachine { id, .. }
            | Cmd::Logout { id } => Some(*id),
            Cmd::Cancel { .. } => None,
        }
    }
}

impl ApiEvent {
    /// The command this event answers.
    pub fn id(&self) -> RequestId {
        match self {
            ApiEvent::Login { id, .. }
            | ApiEvent::TwoFactorVerified { id, .. }
            | ApiEvent::Organizations { id, .. }
            | ApiEvent::OrganizationSwitched { id, .. }
            | ApiEvent::MachinesPage { id, .. }
            | ApiEvent::MachinesDone { id, .. }
            | ApiEvent::Machine { id, .. }
            | ApiEvent::LoggedOut { id }
            | ApiEvent::Retrying { id, .. }
            | ApiEvent::SessionRenewed { id }
            | ApiEvent::Failed { id, .. } => *id,
        }
    }

    /// Whether this is the last event of its command (pages, retries and renewals are not).
    pub fn is_final(&self) -> bool {
        !matches!(
            self,
            ApiEvent::MachinesPage { .. }
                | ApiEvent::Retrying { .. }
                | ApiEvent::SessionRenewed { .. }
        )
    }
}

impl From<ListProgress> for LoadProgress {
    fn from(progress: ListProgress) -> LoadProgress {
        LoadProgress {
            loaded: progress.loaded,
            total: progress.total,
        }
    }
}

/// How many pages of machines may wait in [`Events`] before loads pause. The TUI takes them
/// as fast as it merges them, so a few are enough to keep it busy.
pub const PAGES_QUEUED: usize = 4;

/// The worker's answers, in the order it sent them. Taking a page of machines out lets a
/// paused load go on.
pub struct Events {
    events: UnboundedReceiver<ApiEvent>,
    /// Free places for pages; a page takes one when sent and gives it back when received.
    page_slots: Arc<Semaphore>,
}

impl Events {
    /// The next event; `None` once the worker has stopped.
    pub async fn recv(&mut self) -> Option<ApiEvent> {
        let event = self.events.recv().await;
        self.received(event.as_ref());
        event
    }

    /// The next event if one is waiting.
    pub fn try_recv(&mut self) -> Result<ApiEvent, TryRecvError> {
        let event = self.events.try_recv();
        self.received(event.as_ref().ok());
        event
    }

    /// Pages of machines sent and not yet taken out (at most [`PAGES_QUEUED`]).
    pub fn pages_waiting(&self) -> usize {
        PAGES_QUEUED.saturating_sub(self.page_slots.available_permits())
    }

    fn received(&self, event: Option<&ApiEvent>) {
        if let Some(ApiEvent::MachinesPage { .. }) = event {
            self.page_slots.add_permits(1);
        }
    }
}

impl Drop for Events {
    /// Nobody reads any more: paused loads stop instead of waiting forever.
    fn drop(&mut self) {
        self.page_slots.close();
    }
}

/// A fresh request id, unique in this process.
pub fn next_request_id() -> RequestId {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Starts the worker on the current Tokio runtime (call it from inside one). It runs until
/// the command sender is dropped.
pub fn spawn() -> (UnboundedSender<Cmd>, Events) {
    let (command_tx, mut command_rx) = mpsc::unbounded_channel();
    let (event_tx, event_rx) = mpsc::unbounded_channel();
    let page_slots = Arc::new(Semaphore::new(PAGES_QUEUED));
    let events = Events {
        events: event_rx,
        page_slots: page_slots.clone(),
    };
    let mut worker = Worker {
        events: event_tx,
        page_slots,
        client: None,
        server: String::new(),
        running: Vec::new(),
    };
    tokio::spawn(async move {
        while let Some(cmd) = command_rx.recv().await {
            worker.handle(cmd);
        }
        worker.cancel_all();
    });
    (command_tx, events)
}

/// Sends `cmd` and waits for its final event, handing every earlier event of it (pages,
/// retries) to `on_event`. Events of other commands are dropped. For the headless CLI and
/// tests, which run one command at a time. A [`ApiEvent::Failed`] comes back as its error.
pub async fn run(
    commands: &UnboundedSender<Cmd>,
    events: &mut Events,
    cmd: Cmd,
    mut on_event: impl FnMut(ApiEvent),
) -> Result<ApiEvent, ApiError> {
    let worker_gone = || ApiError::Network {
        host: "the background worker".to_string(),
        detail: "it has stopped".to_string(),
    };
    let Some(id) = cmd.id() else {
        commands.send(cmd).map_err(|_| worker_gone())?;
        return Err(ApiError::Config(
            "Cancel has no answer to wait for".to_string(),
        ));
    };
    commands.send(cmd).map_err(|_| worker_gone())?;
    while let Some(event) = events.recv().await {
        if event.id() != id {
            tracing::debug!(stale = event.id(), "dropping an event of another command");
        } else if let ApiEvent::Failed { error, .. } = event {
            return Err(error);
        } else if event.is_final() {
            return Ok(event);
        } else {
            on_event(event);
        }
    }
    Err(worker_gone())
}

struct Running {
    id: RequestId,
    cancel: CancellationToken,
    task: JoinHandle<()>,
}

struct Worker {
    events: UnboundedSender<ApiEvent>,
    page_slots: Arc<Semaphore>,
    client: Option<Client>,
    /// The server as the user typed it, for [`Session`].
    server: String,
    running: Vec<Running>,
}

impl Worker {
    fn handle(&mut self, cmd: Cmd) {
        self.running.retain(|running| !running.task.is_finished());
        match cmd {
            Cmd::Login {
                id,
                settings,
                credentials,
            } => self.login(id, settings, credentials),
            Cmd::VerifyTwoFactor { id, code } => {
                let Some(client) = self.client_for(id) else {
                    return;
                };
                let server = self.server.clone();
                self.start(id, move |events| async move {
                    let event = match client.verify_two_factor(&code).await {
                        Ok(user) => ApiEvent::TwoFactorVerified {
                            id,
                            session: session(&server, &client, user),
                        },
                        Err(error) => ApiEvent::Failed { id, error },
                    };
                    let _ = events.send(event);
                });
            }
            Cmd::ListOrganizations { id } => {
                let Some(client) = self.client_for(id) else {
                    return;
                };
                self.start(id, move |events| async move {
                    let event = match client.organizations().await {
                        Ok(orgs) => ApiEvent::Organizations { id, orgs },
                        Err(error) => ApiEvent::Failed { id, error },
                    };
                    let _ = events.send(event);
                });
            }
            Cmd::SwitchOrganization { id, org } => {
                self.cancel_all();
                let Some(client) = self.client_for(id) else {
                    return;
                };
                let server = self.server.clone();
                self.start(id, move |events| async move {
                    let event = match client.switch_organization(&org).await {
                        Ok(user) => ApiEvent::OrganizationSwitched {
                            id,
                            session: session(&server, &client, user),
                        },
                        Err(error) => ApiEvent::Failed { id, error },
                    };
                    let _ = events.send(event);
                });
            }
            Cmd::LoadMachines { id, query } => {
                let Some(client) = self.client_for(id) else {
                    return;
                };
                let page_slots = self.page_slots.clone();
                self.start(id, move |events| async move {
                    let started = Instant::now();
                    let pages = events.clone();
                    let result = client
                        .list_machines_paced(&query, |machines, progress| {
                            let (pages, page_slots) = (pages.clone(), page_slots.clone());
                            async move {
                                // Closed only when nobody reads the events any more.
                                let Ok(slot) = page_slots.acquire_owned().await else {
                                    return;
                                };
                                // The receiver gives the place back when it takes the page.
                                slot.forget();
                                let _ = pages.send(ApiEvent::MachinesPage {
                                    id,
                                    machines,
                                    progress: progress.into(),
                                });
                            }
                        })
                        .await;
                    let event = match result {
                        Ok(progress) => ApiEvent::MachinesDone {
                            id,
                            progress: progress.into(),
                            elapsed: started.elapsed(),
                        },
                        Err(error) => ApiEvent::Failed { id, error },
                    };
                    let _ = events.send(event);
                });
            }
            Cmd::LoadMachine { id, machine_id } => {
                let Some(client) = self.client_for(id) else {
                    return;
                };
                self.start(id, move |events| async move {
                    let event = match client.machine(machine_id).await {
                        Ok(detail) => ApiEvent::Machine {
                            id,
                            detail: Box::new(detail),
                        },
                        Err(error) => ApiEvent::Failed { id, error },
                    };
                    let _ = events.send(event);
                });
            }
            Cmd::Cancel { target } => {
                for running in self.running.iter().filter(|running| running.id == target) {
                    running.cancel.cancel();
                }
            }
            Cmd::Logout { id } => {
                self.cancel_all();
                let Some(client) = self.client.take() else {
                    let _ = self.events.send(ApiEvent::LoggedOut { id });
                    return;
                };
                self.start(id, move |events| async move {
                    // Locally the session is gone either way; a failure is only worth a log line.
                    if let Err(error) = client.logout().await {
                        tracing::warn!(%error, "logout failed");
                    }
                    let _ = events.send(ApiEvent::LoggedOut { id });
                });
            }
        }
    }

    fn login(&mut self, id: RequestId, settings: ConnectionSettings, credentials: Credentials) {
        self.cancel_all();
        self.client = None;
        self.server = settings.server.clone();
        let client = match Client::new(settings) {
            Ok(client) => client,
            Err(error) => {
                let _ = self.events.send(ApiEvent::Failed { id, error });
                return;
            }
        };
        self.client = Some(client);
        let Some(client) = self.client_for(id) else {
            return;
        };
        let server = self.server.clone();
        self.start(id, move |events| async move {
            let outcome = match client.login(credentials).await {
                Ok(LoginState::LoggedIn(user)) => {
                    LoginOutcome::LoggedIn(session(&server, &client, user))
                }
                Ok(LoginState::TwoFactorRequired) => LoginOutcome::TwoFactorRequired,
                Err(error) => {
                    let _ = events.send(ApiEvent::Failed { id, error });
                    return;
                }
            };
            let _ = events.send(ApiEvent::Login { id, outcome });
        });
    }

    /// The client, observed so its retries and renewals are reported under `id`; without a
    /// login, the command fails at once.
    fn client_for(&self, id: RequestId) -> Option<Client> {
        let Some(client) = &self.client else {
            let _ = self.events.send(ApiEvent::Failed {
                id,
                error: ApiError::NotLoggedIn,
            });
            return None;
        };
        let events = self.events.clone();
        Some(client.observed(move |notice| {
            let event = match notice {
                Notice::Retrying {
                    attempt,
                    of,
                    delay,
                    reason,
                } => ApiEvent::Retrying {
                    id,
                    attempt,
                    of,
                    delay,
                    reason,
                },
                Notice::SessionRenewed => ApiEvent::SessionRenewed { id },
            };
            let _ = events.send(event);
        }))
    }

    /// Runs one command in its own task, cancellable by `id`.
    fn start<F, Fut>(&mut self, id: RequestId, work: F)
    where
        F: FnOnce(UnboundedSender<ApiEvent>) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let cancel = CancellationToken::new();
        let work = work(self.events.clone());
        let until_cancelled = cancel.clone();
        let task = tokio::spawn(async move {
            until_cancelled.run_until_cancelled_owned(work).await;
        });
        self.running.push(Running { id, cancel, task });
    }

    fn cancel_all(&mut self) {
        for running in self.running.drain(..) {
            running.cancel.cancel();
        }
    }
}

fn session(server: &str, client: &Client, user: CurrentUser) -> Session {
    Session {
        server: server.to_string(),
        user,
        organization: client.organization(),
    }
}
