//! The state of each screen on the view stack (the detail screen lives in [`super::detail`]).

use std::fmt;

use tui_input::Input;

use crate::api::Organization;
use crate::app::table::{MachineTable, Sort};
use crate::worker::{LoadProgress, RequestId};

/// The fields of the login form, in Tab order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginField {
    Server,
    User,
    Password,
    Organization,
}

impl LoginField {
    pub const ALL: [LoginField; 4] = [
        LoginField::Server,
        LoginField::User,
        LoginField::Password,
        LoginField::Organization,
    ];

    pub fn label(self) -> &'static str {
        match self {
            LoginField::Server => "Server",
            LoginField::User => "User",
            LoginField::Password => "Password",
            LoginField::Organization => "Organization",
        }
    }

    fn index(self) -> usize {
        LoginField::ALL.iter().position(|&f| f == self).unwrap_or(0)
    }
}

/// The login form. `Debug` never shows the password.
#[derive(Clone, Default)]
pub struct LoginForm {
    pub server: Input,
    pub user: Input,
    pub password: Input,
    pub organization: Input,
    pub focus: usize,
    /// Why the last attempt failed, in words.
    pub error: Option<String>,
    /// Why the form is back (the session expired), shown above the fields.
    pub reason: Option<String>,
}

impl fmt::Debug for LoginForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginForm")
            .field("server", &self.server.value())
            .field("user", &self.user.value())
            .field("password", &"[redacted]")
            .field("organization", &self.organization.value())
            .field("focus", &self.focus)
            .field("error", &self.error)
            .field("reason", &self.reason)
            .finish()
    }
}

impl LoginForm {
    pub fn new(server: &str, user: &str, organization: &str) -> LoginForm {
        let mut form = LoginForm {
            server: Input::new(server.to_string()),
            user: Input::new(user.to_string()),
            password: Input::default(),
            organization: Input::new(organization.to_string()),
            ..LoginForm::default()
        };
        form.focus_first_empty();
        form
    }

    pub fn focused(&self) -> LoginField {
        LoginField::ALL[self.focus % LoginField::ALL.len()]
    }

    pub fn input(&self, field: LoginField) -> &Input {
        match field {
            LoginField::Server => &self.server,
            LoginField::User => &self.user,
            LoginField::Password => &self.password,
            LoginField::Organization => &self.organization,
        }
    }

    pub fn focused_input_mut(&mut self) -> &mut Input {
        match self.focused() {
            LoginField::Server => &mut self.server,
            LoginField::User => &mut self.user,
            LoginField::Password => &mut self.password,
            LoginField::Organization => &mut self.organization,
        }
    }

    pub fn focus(&mut self, field: LoginField) {
        self.focus = field.index();
    }

    pub fn next_field(&mut self) {
        self.focus = (self.focus + 1) % LoginField::ALL.len();
    }

    pub fn prev_field(&mut self) {
        self.focus = (self.focus + LoginField::ALL.len() - 1) % LoginField::ALL.len();
    }

    /// Puts the cursor in the first required field that is empty (else the password).
    pub fn focus_first_empty(&mut self) {
        let field = [LoginField::Server, LoginField::User, LoginField::Password]
            .into_iter()
            .find(|&f| self.input(f).value().trim().is_empty())
            .unwrap_or(LoginField::Password);
        self.focus(field);
    }
}

/// The two-factor prompt. `Debug` never shows the code.
#[derive(Clone, Default)]
pub struct TwoFactorForm {
    pub code: Input,
    pub error: Option<String>,
}

impl fmt::Debug for TwoFactorForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwoFactorForm")
            .field("code", &"[redacted]")
            .field("error", &self.error)
            .finish()
    }
}

/// The organization picker; the organizations themselves are kept on the `App`.
#[derive(Clone, Debug, Default)]
pub struct OrgPicker {
    pub filter: Input,
    /// Position in the filtered list.
    pub selected: usize,
    pub error: Option<String>,
}

impl OrgPicker {
    /// The organizations that match the filter (case-insensitive substring), in order.
    pub fn visible<'a>(&self, orgs: &'a [Organization]) -> Vec<&'a Organization> {
        let needle = self.filter.value().trim().to_lowercase();
        orgs.iter()
            .filter(|org| needle.is_empty() || org.name.to_lowercase().contains(&needle))
            .collect()
    }
}

/// The machine list of one organization.
#[derive(Clone, Debug)]
pub struct MachineList {
    pub org: String,
    pub table: MachineTable,
    /// The load in flight, if any.
    pub load: Option<RequestId>,
    pub progress: LoadProgress,
    /// A load has finished at least once since the list was opened.
    pub complete: bool,
    /// The `/` filter being typed; `None` when the filter bar is closed.
    pub filter_input: Option<Input>,
    pub error: Option<String>,
}

impl MachineList {
    pub fn new(org: String, sort: Sort, load: RequestId) -> MachineList {
        MachineList {
            org,
            table: MachineTable::new(sort),
            load: Some(load),
            progress: LoadProgress::default(),
            complete: false,
            filter_input: None,
            error: None,
        }
    }
}
