//! The background worker: a tokio task that owns the [`Client`](crate::api::Client).
//!
//! It receives [`Cmd`]s over an mpsc channel and answers with [`ApiEvent`]s, each tagged with
//! the [`RequestId`] of the command it answers, so the UI can drop stale answers. This is the
//! seam the TUI, the headless CLI and the tests all use. (Skeleton: the client issue fills in
//! `spawn`.)

use std::time::Duration;

use secrecy::SecretString;

use crate::api::{
    ApiError, ConnectionSettings, Credentials, CurrentUser, Machine, MachineDetail, Organization,
    Query,
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
