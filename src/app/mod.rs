//! The one owned application state and the pure `update` function (The Elm Architecture).
//!
//! Everything that happens becomes a [`Msg`]: keys, paste, resize, a spinner tick, the clock
//! and the worker's [`ApiEvent`]s. [`update`] changes the [`App`] and answers with [`Cmd`]s for
//! the event loop (worker commands, quit, suspend); it does no I/O and reads no clock, so every
//! screen can be driven and snapshot-tested without a terminal or a network.
//!
//! The screens form a view stack (login → 2FA → organizations → machines → detail); overlays
//! (help, command line) sit above and get keys first. Keys are resolved only through the
//! [`keymap`] registry.

pub mod detail;
pub mod keymap;
pub mod screens;
pub mod table;
pub mod text;

use std::time::Duration;

use crossterm::event::{Event, KeyEvent, KeyEventKind};
use secrecy::SecretString;
use tui_input::backend::crossterm::to_input_request;
use tui_input::{Input, InputRequest};

use crate::api::query::Level;
use crate::api::{ApiError, ConnectionSettings, Credentials, Organization, Query, Timestamp};
use crate::worker::{self, ApiEvent, LoginOutcome, RequestId, Session};
use detail::{DetailTab, DetailView};
use keymap::{Action, Context, Effect, HelpEntry, Keymap};
use screens::{LoginField, LoginForm, MachineList, OrgPicker, TwoFactorForm};
use table::{Column, Sort};

/// Default age of the last sync after which a machine is marked stale.
pub const DEFAULT_STALE_AFTER: Duration = Duration::from_secs(30 * 86_400);

/// How long a flash message stays, in seconds.
const FLASH_SECONDS: i64 = 4;

/// Everything `update` reacts to.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Resize {
        width: u16,
        height: u16,
    },
    /// The spinner advances (sent only while something loads); carries the time.
    Tick {
        now: Timestamp,
    },
    /// The time passed, without animating anything (flash expiry, relative ages).
    Clock {
        now: Timestamp,
    },
    Api(ApiEvent),
}

/// What `update` asks the event loop to do.
// Commands live for one loop iteration; boxing the worker command would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Cmd {
    Worker(worker::Cmd),
    Quit,
    /// Ctrl-z: give the terminal back to the shell until `fg`.
    Suspend,
    /// End the program with this error (only the hidden `:debug-error` of debug builds).
    Fail(String),
}

/// One level of the view stack.
#[derive(Debug)]
pub enum Screen {
    Login(LoginForm),
    TwoFactor(TwoFactorForm),
    OrgPicker(OrgPicker),
    Machines(MachineList),
    Detail(DetailView),
}

/// The `?` help: the keys of the screen below, filterable, Enter runs the selected one.
#[derive(Clone, Debug)]
pub struct HelpOverlay {
    /// The context the help was opened from.
    pub context: Context,
    pub filter: Input,
    pub selected: usize,
    pub scroll: usize,
}

/// Something above the screens that takes the keys first.
#[derive(Debug)]
pub enum Overlay {
    Help(HelpOverlay),
    Command(Input),
}

/// A transient line in the status bar.
#[derive(Clone, Debug, PartialEq)]
pub struct Flash {
    pub text: String,
    pub error: bool,
    pub until: Timestamp,
}

/// What the app was told at start-up (filled from flags, environment and the profile).
#[derive(Debug, Default)]
pub struct AppOptions {
    pub settings: ConnectionSettings,
    pub user: Option<String>,
    pub password: Option<SecretString>,
    pub org: Option<String>,
    pub keymap: Keymap,
    pub stale_after: Option<Duration>,
    pub no_color: bool,
    /// The profile says `readonly`: the header shows the read-only badge whatever the role.
    pub readonly: bool,
    /// The machine list's columns in order (`[ui] columns`); `None` fits them to the width.
    pub columns: Option<Vec<Column>>,
    pub now: Option<Timestamp>,
    pub size: (u16, u16),
    /// Shaping of the machine list (default EXTENDED, so the model column is filled).
    pub list_shaping: Option<Level>,
}

/// Requests in flight that are not owned by one screen.
#[derive(Debug, Default)]
struct Pending {
    login: Option<RequestId>,
    two_factor: Option<RequestId>,
    orgs: Option<RequestId>,
    /// The organizations are asked for right after login, to decide whether to show the picker.
    orgs_after_login: bool,
    switch: Option<(RequestId, Organization)>,
}

/// The whole application state.
#[derive(Debug)]
pub struct App {
    pub settings: ConnectionSettings,
    pub screens: Vec<Screen>,
    pub overlay: Option<Overlay>,
    pub session: Option<Session>,
    pub orgs: Vec<Organization>,
    pub keymap: Keymap,
    pub no_color: bool,
    /// The profile marks this appliance read-only (see [`App::is_read_only`]).
    pub readonly: bool,
    /// The machine list's columns chosen in the configuration.
    pub columns: Option<Vec<Column>>,
    pub stale_after: Duration,
    pub now: Timestamp,
    /// Spinner frame counter.
    pub spinner: usize,
    pub flash: Option<Flash>,
    /// A retry in progress: (request, text for the status line).
    pub retry_status: Option<(RequestId, String)>,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    /// The sort the user chose last; kept across organizations.
    pub sort: Sort,
    /// Shaping of the machine list's load.
    pub list_shaping: Level,
    pending: Pending,
    next_id: RequestId,
    /// The password given at start-up, used once for the automatic login.
    start_password: Option<SecretString>,
}

/// The pure update: applies one message and returns what the event loop must do.
pub fn update(app: &mut App, msg: Msg) -> Vec<Cmd> {
    match msg {
        Msg::Key(key) => app.on_key(key),
        Msg::Paste(text) => app.on_paste(&text),
        Msg::Resize { width, height } => {
            app.size = (width, height);
            app.keep_selection_visible();
            Vec::new()
        }
        Msg::Tick { now } => {
            app.spinner = app.spinner.wrapping_add(1);
            app.set_time(now);
            Vec::new()
        }
        Msg::Clock { now } => {
            app.set_time(now);
            Vec::new()
        }
        Msg::Api(event) => app.on_api(event),
    }
}

impl App {
    pub fn new(options: AppOptions) -> App {
        let server = options.settings.server.clone();
        let form = LoginForm::new(
            &server,
            options.user.as_deref().unwrap_or_default(),
            options.org.as_deref().unwrap_or_default(),
        );
        App {
            settings: options.settings,
            screens: vec![Screen::Login(form)],
            overlay: None,
            session: None,
            orgs: Vec::new(),
            keymap: options.keymap,
            no_color: options.no_color,
            readonly: options.readonly,
            columns: options.columns,
            stale_after: options.stale_after.unwrap_or(DEFAULT_STALE_AFTER),
            now: options.now.unwrap_or(Timestamp(0)),
            spinner: 0,
            flash: None,
            retry_status: None,
            size: options.size,
            sort: Sort::default(),
            list_shaping: options.list_shaping.unwrap_or(Level::Extended),
            pending: Pending::default(),
            next_id: 1,
            start_password: options.password,
        }
    }

    /// The commands to run at start-up: an immediate login when server, user and password are
    /// all known. Otherwise the login form waits for the user.
    pub fn start(&mut self) -> Vec<Cmd> {
        let Some(password) = self.start_password.take() else {
            return Vec::new();
        };
        let Some(Screen::Login(form)) = self.screens.last_mut() else {
            return Vec::new();
        };
        if form.server.value().trim().is_empty() || form.user.value().trim().is_empty() {
            return Vec::new();
        }
        self.login_with(password)
    }

    /// Certificate checking is off (`insecure`): the header says so for the whole run.
    pub fn tls_unverified(&self) -> bool {
        self.settings.insecure
    }

    /// Read-only: the profile says so, or the signed-in role may change nothing. kace-tui
    /// never writes to the appliance; the header's badge tells the user which session this is.
    pub fn is_read_only(&self) -> bool {
        self.readonly
            || self
                .session
                .as_ref()
                .is_some_and(|session| session.user.role.is_read_only())
    }

    /// Something is loading: the spinner timer should run.
    pub fn is_busy(&self) -> bool {
        self.pending.login.is_some()
            || self.pending.two_factor.is_some()
            || self.pending.orgs.is_some()
            || self.pending.switch.is_some()
            || self.screens.iter().any(|screen| match screen {
                Screen::Machines(list) => list.load.is_some(),
                Screen::Detail(view) => view.load.is_some(),
                _ => false,
            })
    }

    pub fn login_pending(&self) -> bool {
        self.pending.login.is_some()
    }

    pub fn two_factor_pending(&self) -> bool {
        self.pending.two_factor.is_some()
    }

    pub fn orgs_pending(&self) -> bool {
        self.pending.orgs.is_some()
    }

    /// The organization being switched to, while the switch is in flight.
    pub fn switching_to(&self) -> Option<&Organization> {
        self.pending.switch.as_ref().map(|(_, org)| org)
    }

    /// When the flash message should disappear (the event loop wakes up then).
    pub fn flash_deadline(&self) -> Option<Timestamp> {
        self.flash.as_ref().map(|f| f.until)
    }

    /// The next moment at which the passing of time alone changes what is on screen: a flash
    /// expires, a relative age on screen ("5m ago") reads differently, or a row turns stale.
    /// The event loop sleeps until then and draws only if it is reached, so an idle screen
    /// gets no frames while nothing it shows changes (rows a few minutes old: one a minute).
    pub fn clock_deadline(&self) -> Option<Timestamp> {
        let now = self.now;
        let stale_secs = i64::try_from(self.stale_after.as_secs()).unwrap_or(i64::MAX);
        let age_changes = |stamp: Timestamp| stamp.age_changes_at(now);
        let visible = match self.screens.last() {
            Some(Screen::Machines(list)) => list
                .table
                .window(list.table.offset(), self.list_rows())
                .filter_map(|machine| machine.last_sync)
                .flat_map(|sync| {
                    let turns_stale =
                        Timestamp(sync.0.saturating_add(stale_secs).saturating_add(1));
                    [
                        Some(age_changes(sync)),
                        (turns_stale > now).then_some(turns_stale),
                    ]
                })
                .flatten()
                .min(),
            Some(Screen::Detail(view)) => view.ages_shown().into_iter().map(age_changes).min(),
            _ => None,
        };
        [self.flash_deadline(), visible].into_iter().flatten().min()
    }

    pub fn screen(&self) -> Option<&Screen> {
        self.screens.last()
    }

    /// Where keys go now: the overlay, the open input field, or the screen.
    pub fn context(&self) -> Context {
        match &self.overlay {
            Some(Overlay::Help(_)) => return Context::Help,
            Some(Overlay::Command(_)) => return Context::CommandLine,
            None => {}
        }
        self.screen_context()
    }

    fn screen_context(&self) -> Context {
        match self.screens.last() {
            Some(Screen::Login(_)) | None => Context::Login,
            Some(Screen::TwoFactor(_)) => Context::TwoFactor,
            Some(Screen::OrgPicker(_)) => Context::OrgPicker,
            Some(Screen::Machines(list)) if list.filter_input.is_some() => Context::MachineFilter,
            Some(Screen::Machines(_)) => Context::Machines,
            Some(Screen::Detail(view)) if view.editing => Context::DetailFilter,
            Some(Screen::Detail(_)) => Context::Detail,
        }
    }

    /// What `action` would do in `context` right now, for the footer hints. Mirrors the
    /// state checks of the screen's key handling.
    pub fn effect(&self, context: Context, action: Action) -> Effect {
        match (context, action, self.screens.last()) {
            (Context::OrgPicker, Action::Back, Some(Screen::OrgPicker(picker))) => {
                if !picker.filter.value().is_empty() {
                    Effect::Instead("clear")
                } else if self.screens.len() > 1 && self.pending.switch.is_none() {
                    Effect::Usual
                } else {
                    Effect::Nothing
                }
            }
            _ => Effect::Usual,
        }
    }

    /// The help lines for the open help overlay, filtered.
    pub fn help_entries(&self, help: &HelpOverlay) -> Vec<HelpEntry> {
        self.keymap
            .help_entries(help.context)
            .into_iter()
            .filter(|entry| entry.matches(help.filter.value()))
            .collect()
    }

    /// The organization the session is in, as far as the app knows.
    pub fn current_org(&self) -> Option<&str> {
        self.screens
            .iter()
            .rev()
            .find_map(|s| match s {
                Screen::Machines(list) => Some(list.org.as_str()),
                _ => None,
            })
            .or_else(|| self.session.as_ref()?.organization.as_deref())
    }

    fn next_request(&mut self) -> RequestId {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn set_time(&mut self, now: Timestamp) {
        self.now = now;
        if self.flash.as_ref().is_some_and(|f| f.until <= now) {
            self.flash = None;
        }
    }

    fn flash(&mut self, text: impl Into<String>) {
        self.flash = Some(Flash {
            text: text.into(),
            error: false,
            until: Timestamp(self.now.0 + FLASH_SECONDS),
        });
    }

    fn flash_error(&mut self, text: impl Into<String>) {
        self.flash = Some(Flash {
            text: text.into(),
            error: true,
            until: Timestamp(self.now.0 + FLASH_SECONDS * 2),
        });
    }

    fn list_rows(&self) -> usize {
        crate::ui::list_rows(self.size)
    }

    fn detail_rows(&self) -> usize {
        crate::ui::detail_rows(self.size)
    }

    fn keep_selection_visible(&mut self) {
        let rows = self.list_rows();
        for screen in &mut self.screens {
            if let Screen::Machines(list) = screen {
                list.table.scroll_to_selection(rows);
            }
        }
    }

    // ----- keys -----

    fn on_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        let context = self.context();
        match self.keymap.resolve(context, &key) {
            Some(action) => self.perform(context, action),
            None if context.is_text_input() => {
                if let Some(request) = to_input_request(&Event::Key(key)) {
                    self.edit_input(context, request);
                }
                Vec::new()
            }
            None => Vec::new(),
        }
    }

    fn on_paste(&mut self, text: &str) -> Vec<Cmd> {
        // A pasted value is one line; a trailing newline from the clipboard is not a submit.
        let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        let mut context = self.context();
        if context == Context::Machines {
            self.perform(context, Action::Filter);
            context = self.context();
        }
        if !context.is_text_input() {
            return Vec::new();
        }
        for c in line.chars().filter(|c| !c.is_control()) {
            self.edit_input(context, InputRequest::InsertChar(c));
        }
        Vec::new()
    }

    /// The input field that has the cursor in `context`.
    fn input_mut(&mut self, context: Context) -> Option<&mut Input> {
        match (context, &mut self.overlay) {
            (Context::Help, Some(Overlay::Help(help))) => return Some(&mut help.filter),
            (Context::CommandLine, Some(Overlay::Command(input))) => return Some(input),
            _ => {}
        }
        match self.screens.last_mut()? {
            Screen::Login(form) => Some(form.focused_input_mut()),
            Screen::TwoFactor(form) => Some(&mut form.code),
            Screen::OrgPicker(picker) => Some(&mut picker.filter),
            Screen::Machines(list) => list.filter_input.as_mut(),
            Screen::Detail(view) => Some(&mut view.filter),
        }
    }

    fn edit_input(&mut self, context: Context, request: InputRequest) {
        let Some(input) = self.input_mut(context) else {
            return;
        };
        if input.handle(request).is_none_or(|changed| !changed.value) {
            return;
        }
        self.input_changed(context);
    }

    /// Reacts to a changed input value (live filters).
    fn input_changed(&mut self, context: Context) {
        let rows = self.list_rows();
        match (context, &mut self.overlay, self.screens.last_mut()) {
            (Context::Help, Some(Overlay::Help(help)), _) => {
                help.selected = 0;
                help.scroll = 0;
            }
            (Context::OrgPicker, _, Some(Screen::OrgPicker(picker))) => picker.selected = 0,
            (Context::MachineFilter, _, Some(Screen::Machines(list))) => {
                if let Some(input) = &list.filter_input {
                    list.table.set_filter(input.value());
                    list.table.scroll_to_selection(rows);
                }
            }
            (Context::DetailFilter, _, Some(Screen::Detail(view))) => view.scroll = 0,
            _ => {}
        }
    }

    fn clear_input(&mut self, context: Context) -> bool {
        let was_empty = self
            .input_mut(context)
            .is_none_or(|input| input.value().is_empty());
        if let Some(input) = self.input_mut(context) {
            input.reset();
        }
        self.input_changed(context);
        !was_empty
    }

    fn perform(&mut self, context: Context, action: Action) -> Vec<Cmd> {
        match action {
            Action::Quit => return vec![Cmd::Quit],
            Action::Suspend => return vec![Cmd::Suspend],
            Action::Help => {
                self.overlay = Some(Overlay::Help(HelpOverlay {
                    context: self.screen_context(),
                    filter: Input::default(),
                    selected: 0,
                    scroll: 0,
                }));
                return Vec::new();
            }
            Action::CommandLine => {
                self.overlay = Some(Overlay::Command(Input::default()));
                return Vec::new();
            }
            _ => {}
        }
        match context {
            Context::Help => self.help_action(action),
            Context::CommandLine => self.command_action(action),
            Context::Login => self.login_action(action),
            Context::TwoFactor => self.two_factor_action(action),
            Context::OrgPicker => self.org_picker_action(action),
            Context::Machines | Context::MachineFilter => self.machines_action(context, action),
            Context::Detail | Context::DetailFilter => self.detail_action(context, action),
            Context::Global => Vec::new(),
        }
    }

    fn help_action(&mut self, action: Action) -> Vec<Cmd> {
        let Some(Overlay::Help(help)) = &self.overlay else {
            return Vec::new();
        };
        let entries = self.help_entries(help);
        let rows = crate::ui::help_rows(self.size);
        let Some(Overlay::Help(help)) = &mut self.overlay else {
            return Vec::new();
        };
        let last = entries.len().saturating_sub(1);
        match action {
            Action::Back => self.overlay = None,
            Action::ClearInput => {
                if help.filter.value().is_empty() {
                    self.overlay = None;
                } else {
                    help.filter.reset();
                    help.selected = 0;
                }
            }
            Action::MoveDown => help.selected = (help.selected + 1).min(last),
            Action::MoveUp => help.selected = help.selected.saturating_sub(1),
            Action::PageDown => help.selected = (help.selected + rows).min(last),
            Action::PageUp => help.selected = help.selected.saturating_sub(rows),
            Action::Submit => {
                let (context, selected) = (help.context, help.selected);
                self.overlay = None;
                if let Some(entry) = entries.get(selected) {
                    let target = if entry.context == Context::Global {
                        context
                    } else {
                        entry.context
                    };
                    return self.perform(target, entry.action);
                }
            }
            _ => {}
        }
        if let Some(Overlay::Help(help)) = &mut self.overlay {
            if help.selected < help.scroll {
                help.scroll = help.selected;
            } else if help.selected >= help.scroll + rows.max(1) {
                help.scroll = help.selected + 1 - rows.max(1);
            }
        }
        Vec::new()
    }

    fn command_action(&mut self, action: Action) -> Vec<Cmd> {
        let Some(Overlay::Command(input)) = &mut self.overlay else {
            return Vec::new();
        };
        match action {
            Action::Back => self.overlay = None,
            Action::ClearInput => {
                if input.value().is_empty() {
                    self.overlay = None;
                } else {
                    input.reset();
                }
            }
            Action::Submit => {
                let line = input.value().trim().to_string();
                self.overlay = None;
                return self.run_command(&line);
            }
            _ => {}
        }
        Vec::new()
    }

    /// Runs a `:` command.
    fn run_command(&mut self, line: &str) -> Vec<Cmd> {
        let (name, argument) = match line.split_once(char::is_whitespace) {
            Some((name, argument)) => (name, argument.trim()),
            None => (line, ""),
        };
        let logged_in = self.session.is_some();
        match name {
            "" => Vec::new(),
            "q" | "q!" | "quit" | "exit" => vec![Cmd::Quit],
            "help" | "h" => self.perform(self.screen_context(), Action::Help),
            "org" | "orgs" | "o" if logged_in => self.open_org_picker(argument),
            "logout" if logged_in => self.logout(),
            "refresh" | "r" if logged_in => {
                let context = self.screen_context();
                self.perform(context, Action::Refresh)
            }
            "machines" | "m" if logged_in => {
                while self.screens.len() > 1 && !matches!(self.screen(), Some(Screen::Machines(_)))
                {
                    self.screens.pop();
                }
                Vec::new()
            }
            // Hidden switches of debug builds for the pseudo-terminal tests (tests/tui_signals.rs):
            // a panic, an error return and a hang from inside the running UI. Release builds answer
            // "Unknown command", and nothing lists them.
            "debug-panic" if cfg!(debug_assertions) => {
                panic!("debug-panic: a deliberate panic (debug builds only)")
            }
            "debug-error" if cfg!(debug_assertions) => vec![Cmd::Fail(
                "debug-error: a deliberate error (debug builds only)".to_string(),
            )],
            // An event loop that never comes back, so SIGTERM has to use its fallback.
            "debug-freeze" if cfg!(debug_assertions) => {
                tracing::warn!("debug-freeze: the event loop stops here");
                loop {
                    std::thread::park();
                }
            }
            "org" | "orgs" | "o" | "logout" | "refresh" | "r" | "machines" | "m" => {
                self.flash_error("Log in first.");
                Vec::new()
            }
            other => {
                self.flash_error(format!(
                    "Unknown command \":{}\". Try :org, :logout, :refresh or :q.",
                    crate::sanitize::for_display(other)
                ));
                Vec::new()
            }
        }
    }

    fn login_action(&mut self, action: Action) -> Vec<Cmd> {
        if self.pending.login.is_some() && action != Action::Quit {
            return Vec::new(); // the form is frozen while logging in
        }
        let Some(Screen::Login(form)) = self.screens.last_mut() else {
            return Vec::new();
        };
        match action {
            Action::NextField => form.next_field(),
            Action::PrevField => form.prev_field(),
            // Ctrl-c clears the field; on an empty field it quits as usual.
            Action::ClearInput if !self.clear_input(Context::Login) => return vec![Cmd::Quit],
            Action::Submit => return self.submit_login(),
            _ => {}
        }
        Vec::new()
    }

    fn submit_login(&mut self) -> Vec<Cmd> {
        let Some(Screen::Login(form)) = self.screens.last_mut() else {
            return Vec::new();
        };
        let mut server = form.server.value().trim().to_string();
        if !server.is_empty() && !server.contains("://") {
            server = format!("https://{server}");
            form.server = Input::new(server.clone());
        }
        let missing = [
            (
                LoginField::Server,
                "Enter the appliance address, e.g. https://kace.example.com.",
            ),
            (LoginField::User, "Enter your user name."),
            (LoginField::Password, "Enter your password."),
        ]
        .into_iter()
        .find(|(field, _)| form.input(*field).value().trim().is_empty());
        if let Some((field, message)) = missing {
            form.error = Some(message.to_string());
            form.focus(field);
            return Vec::new();
        }
        let password = SecretString::from(form.password.value().to_string());
        form.password.reset();
        self.login_with(password)
    }

    /// Sends the login with the form's server, user and organization.
    fn login_with(&mut self, password: SecretString) -> Vec<Cmd> {
        let id = self.next_request();
        let Some(Screen::Login(form)) = self.screens.last_mut() else {
            return Vec::new();
        };
        form.error = None;
        let organization = form.organization.value().trim();
        let credentials = Credentials {
            user: form.user.value().trim().to_string(),
            password,
            organization: (!organization.is_empty()).then(|| organization.to_string()),
        };
        self.settings.server = form.server.value().trim().to_string();
        self.pending.login = Some(id);
        vec![Cmd::Worker(worker::Cmd::Login {
            id,
            settings: self.settings.clone(),
            credentials,
        })]
    }

    fn two_factor_action(&mut self, action: Action) -> Vec<Cmd> {
        match action {
            Action::Back => {
                self.pending.two_factor = None;
                self.screens.pop();
                if let Some(Screen::Login(form)) = self.screens.last_mut() {
                    form.focus(LoginField::Password);
                }
            }
            Action::ClearInput if !self.clear_input(Context::TwoFactor) => {
                return vec![Cmd::Quit];
            }
            Action::Submit if self.pending.two_factor.is_none() => {
                let id = self.next_request();
                let Some(Screen::TwoFactor(form)) = self.screens.last_mut() else {
                    return Vec::new();
                };
                let code = form.code.value().trim().to_string();
                if code.is_empty() {
                    form.error = Some("Enter the code from your authenticator app.".into());
                    return Vec::new();
                }
                form.code.reset();
                form.error = None;
                self.pending.two_factor = Some(id);
                return vec![Cmd::Worker(worker::Cmd::VerifyTwoFactor {
                    id,
                    code: SecretString::from(code),
                })];
            }
            _ => {}
        }
        Vec::new()
    }

    fn org_picker_action(&mut self, action: Action) -> Vec<Cmd> {
        let visible: Vec<Organization> = match self.screens.last() {
            Some(Screen::OrgPicker(picker)) => {
                picker.visible(&self.orgs).into_iter().cloned().collect()
            }
            _ => return Vec::new(),
        };
        let below = self.screens.len() > 1;
        let Some(Screen::OrgPicker(picker)) = self.screens.last_mut() else {
            return Vec::new();
        };
        let last = visible.len().saturating_sub(1);
        match action {
            Action::MoveDown => picker.selected = (picker.selected + 1).min(last),
            Action::MoveUp => picker.selected = picker.selected.saturating_sub(1),
            Action::PageDown => picker.selected = (picker.selected + 10).min(last),
            Action::PageUp => picker.selected = picker.selected.saturating_sub(10),
            Action::ClearInput => {
                picker.filter.reset();
                picker.selected = 0;
            }
            Action::Back => {
                if !picker.filter.value().is_empty() {
                    picker.filter.reset();
                    picker.selected = 0;
                } else if below && self.pending.switch.is_none() {
                    self.screens.pop();
                }
            }
            Action::Submit => {
                if self.pending.switch.is_some() {
                    return Vec::new();
                }
                match visible.get(picker.selected) {
                    Some(org) => return self.switch_org(org.clone()),
                    None => picker.error = Some("No organization matches the filter.".into()),
                }
            }
            _ => {}
        }
        Vec::new()
    }

    fn machines_action(&mut self, context: Context, action: Action) -> Vec<Cmd> {
        let rows = self.list_rows();
        let below = self.screens.len() > 1;
        let Some(Screen::Machines(list)) = self.screens.last_mut() else {
            return Vec::new();
        };
        let page = rows.max(1) as isize;
        match action {
            Action::MoveDown => list.table.move_by(1),
            Action::MoveUp => list.table.move_by(-1),
            Action::PageDown => list.table.move_by(page),
            Action::PageUp => list.table.move_by(-page),
            Action::Top => list.table.select_first(),
            Action::Bottom => list.table.select_last(),
            Action::Filter => {
                list.filter_input = Some(Input::new(list.table.filter_text().to_string()));
            }
            Action::Submit if context == Context::MachineFilter => list.filter_input = None,
            Action::ClearInput if context == Context::MachineFilter => {
                self.clear_input(context);
            }
            Action::Back if context == Context::MachineFilter => {
                list.filter_input = None;
                list.table.set_filter("");
            }
            Action::Back => {
                if !list.table.filter_text().is_empty() {
                    list.table.set_filter("");
                } else if below {
                    self.screens.pop();
                    return Vec::new();
                } else {
                    self.flash("Press q to quit.");
                }
            }
            Action::SortByName => list.table.sort_by(Column::Name),
            Action::SortByIp => list.table.sort_by(Column::Ip),
            Action::SortByOs => list.table.sort_by(Column::Os),
            Action::SortByUser => list.table.sort_by(Column::User),
            Action::SortByLastSync => list.table.sort_by(Column::LastSync),
            Action::SortByModel => list.table.sort_by(Column::Model),
            Action::InvertSort => list.table.invert_sort(),
            Action::Open => return self.open_detail(),
            Action::Refresh => return self.reload_machines(),
            Action::SwitchOrg => return self.open_org_picker(""),
            _ => {}
        }
        if let Some(Screen::Machines(list)) = self.screens.last_mut() {
            self.sort = list.table.sort();
            list.table.scroll_to_selection(rows);
        }
        Vec::new()
    }

    fn open_detail(&mut self) -> Vec<Cmd> {
        let id = self.next_request();
        let Some(Screen::Machines(list)) = self.screens.last() else {
            return Vec::new();
        };
        let Some(machine) = list.table.selected().cloned() else {
            return Vec::new();
        };
        let machine_id = machine.id;
        self.screens
            .push(Screen::Detail(DetailView::new(machine, id)));
        vec![Cmd::Worker(worker::Cmd::LoadMachine { id, machine_id })]
    }

    /// Reloads the machine list on top of the stack (keeping rows until the load ends).
    fn reload_machines(&mut self) -> Vec<Cmd> {
        let id = self.next_request();
        let Some(Screen::Machines(list)) = self.screens.last_mut() else {
            return Vec::new();
        };
        let mut cmds = Vec::new();
        if let Some(target) = list.load.take() {
            cmds.push(Cmd::Worker(worker::Cmd::Cancel { target }));
        }
        list.table.begin_refresh();
        list.load = Some(id);
        list.error = None;
        list.progress = worker::LoadProgress::default();
        cmds.push(Cmd::Worker(worker::Cmd::LoadMachines {
            id,
            query: list_query(self.list_shaping),
        }));
        cmds
    }

    fn detail_action(&mut self, context: Context, action: Action) -> Vec<Cmd> {
        let rows = self.detail_rows();
        let now = self.now;
        let Some(Screen::Detail(view)) = self.screens.last_mut() else {
            return Vec::new();
        };
        let count = view.rows(now).len();
        let max_scroll = count.saturating_sub(rows);
        match action {
            Action::NextTab | Action::PrevTab => {
                view.tab = if action == Action::NextTab {
                    view.tab.next()
                } else {
                    view.tab.prev()
                };
                view.scroll = 0;
                view.filter.reset();
                view.editing = false;
            }
            Action::MoveDown => view.scroll = (view.scroll + 1).min(max_scroll),
            Action::MoveUp => view.scroll = view.scroll.saturating_sub(1),
            Action::PageDown => view.scroll = (view.scroll + rows.max(1)).min(max_scroll),
            Action::PageUp => view.scroll = view.scroll.saturating_sub(rows.max(1)),
            Action::Top => view.scroll = 0,
            Action::Bottom => view.scroll = max_scroll,
            Action::Filter => {
                if !view.tab.is_filterable() {
                    view.tab = DetailTab::AllFields;
                    view.scroll = 0;
                }
                view.editing = true;
            }
            Action::Submit if context == Context::DetailFilter => view.editing = false,
            Action::ClearInput if context == Context::DetailFilter => {
                self.clear_input(context);
            }
            Action::Back if context == Context::DetailFilter => {
                view.editing = false;
                view.filter.reset();
                view.scroll = 0;
            }
            Action::Back => {
                if view.filter.value().is_empty() {
                    self.screens.pop();
                } else {
                    view.filter.reset();
                    view.scroll = 0;
                }
            }
            Action::Refresh => {
                let machine_id = view.summary.id;
                let old = view.load.take();
                let id = self.next_request();
                if let Some(Screen::Detail(view)) = self.screens.last_mut() {
                    view.load = Some(id);
                    view.error = None;
                }
                let mut cmds: Vec<Cmd> = old
                    .map(|target| Cmd::Worker(worker::Cmd::Cancel { target }))
                    .into_iter()
                    .collect();
                cmds.push(Cmd::Worker(worker::Cmd::LoadMachine { id, machine_id }));
                return cmds;
            }
            _ => {}
        }
        Vec::new()
    }

    // ----- navigation between screens -----

    /// Shows the organization picker (loading the organizations if needed). With a name that
    /// matches exactly one organization, switches to it at once.
    fn open_org_picker(&mut self, filter: &str) -> Vec<Cmd> {
        let mut picker = OrgPicker {
            filter: Input::new(filter.to_string()),
            ..OrgPicker::default()
        };
        let matches = picker.visible(&self.orgs);
        if !filter.is_empty() && matches.len() == 1 {
            let org = matches[0].clone();
            return self.switch_org(org);
        }
        if let Some(position) = self
            .current_org()
            .and_then(|current| matches.iter().position(|o| o.name == current))
        {
            picker.selected = position;
        }
        if !matches!(self.screen(), Some(Screen::OrgPicker(_))) {
            self.screens.push(Screen::OrgPicker(picker));
        }
        if self.orgs.is_empty() && self.pending.orgs.is_none() {
            return self.load_orgs(false);
        }
        Vec::new()
    }

    fn load_orgs(&mut self, after_login: bool) -> Vec<Cmd> {
        let id = self.next_request();
        self.pending.orgs = Some(id);
        self.pending.orgs_after_login = after_login;
        vec![Cmd::Worker(worker::Cmd::ListOrganizations { id })]
    }

    fn switch_org(&mut self, org: Organization) -> Vec<Cmd> {
        let id = self.next_request();
        self.pending.switch = Some((id, org.clone()));
        if let Some(Screen::OrgPicker(picker)) = self.screens.last_mut() {
            picker.error = None;
        }
        vec![Cmd::Worker(worker::Cmd::SwitchOrganization { id, org })]
    }

    /// Opens the machine list of `org` as the top screen (above the picker when the account
    /// has several organizations) and starts loading it.
    fn show_machines(&mut self, org: String) -> Vec<Cmd> {
        let id = self.next_request();
        self.screens.clear();
        if self.orgs.len() > 1 {
            let picker = OrgPicker {
                selected: self
                    .orgs
                    .iter()
                    .position(|o| o.name == org)
                    .unwrap_or_default(),
                ..OrgPicker::default()
            };
            self.screens.push(Screen::OrgPicker(picker));
        }
        self.screens
            .push(Screen::Machines(MachineList::new(org, self.sort, id)));
        self.keep_selection_visible();
        vec![Cmd::Worker(worker::Cmd::LoadMachines {
            id,
            query: list_query(self.list_shaping),
        })]
    }

    fn logout(&mut self) -> Vec<Cmd> {
        let id = self.next_request();
        let user = self
            .session
            .take()
            .map(|s| s.user.user_name)
            .unwrap_or_default();
        self.screens = vec![Screen::Login(LoginForm::new(
            &self.settings.server,
            &user,
            "",
        ))];
        self.orgs.clear();
        self.pending = Pending::default();
        self.flash("Logged out.");
        vec![Cmd::Worker(worker::Cmd::Logout { id })]
    }

    // ----- worker events -----

    fn on_api(&mut self, event: ApiEvent) -> Vec<Cmd> {
        if let Some((retrying, _)) = &self.retry_status {
            let id = event.id();
            if id == *retrying && !matches!(event, ApiEvent::Retrying { .. }) {
                self.retry_status = None;
            }
        }
        match event {
            ApiEvent::Login { id, outcome } if self.pending.login == Some(id) => {
                self.pending.login = None;
                match outcome {
                    LoginOutcome::LoggedIn(session) => self.logged_in(session),
                    LoginOutcome::TwoFactorRequired => {
                        self.screens
                            .push(Screen::TwoFactor(TwoFactorForm::default()));
                        Vec::new()
                    }
                }
            }
            ApiEvent::TwoFactorVerified { id, session } if self.pending.two_factor == Some(id) => {
                self.pending.two_factor = None;
                self.logged_in(session)
            }
            ApiEvent::Organizations { id, orgs } if self.pending.orgs == Some(id) => {
                self.pending.orgs = None;
                self.orgs = orgs;
                if std::mem::take(&mut self.pending.orgs_after_login) && self.orgs.len() <= 1 {
                    let org = self.default_org_name();
                    return self.show_machines(org);
                }
                if let Some(Screen::OrgPicker(picker)) = self.screens.last_mut() {
                    let count = picker.visible(&self.orgs).len();
                    picker.selected = picker.selected.min(count.saturating_sub(1));
                }
                Vec::new()
            }
            ApiEvent::OrganizationSwitched { id, session }
                if self.pending.switch.as_ref().is_some_and(|(p, _)| *p == id) =>
            {
                let org = self.pending.switch.take().map(|(_, org)| org.name);
                let name = session
                    .organization
                    .clone()
                    .or(org)
                    .unwrap_or_else(|| "Default".to_string());
                self.session = Some(session);
                self.show_machines(name)
            }
            ApiEvent::MachinesPage {
                id,
                machines,
                progress,
            } => {
                let rows = self.list_rows();
                if let Some(list) = self.machine_list_loading(id) {
                    list.table.upsert(machines);
                    list.progress = progress;
                    list.table.scroll_to_selection(rows);
                }
                Vec::new()
            }
            ApiEvent::MachinesDone {
                id,
                progress,
                elapsed,
            } => {
                let rows = self.list_rows();
                if let Some(list) = self.machine_list_loading(id) {
                    list.table.finish_refresh();
                    list.table.scroll_to_selection(rows);
                    list.progress = progress;
                    list.load = None;
                    list.complete = true;
                    let count = list.table.total();
                    self.flash(format!(
                        "Loaded {} machine{} in {}.",
                        text::thousands(count),
                        if count == 1 { "" } else { "s" },
                        text::seconds(elapsed)
                    ));
                }
                Vec::new()
            }
            ApiEvent::Machine { id, detail } => {
                if let Some(view) = self.detail_loading(id) {
                    view.detail = Some(detail);
                    view.load = None;
                }
                Vec::new()
            }
            ApiEvent::Retrying {
                id,
                attempt,
                of,
                delay,
                reason,
            } => {
                self.retry_status = Some((
                    id,
                    format!(
                        "Retrying ({attempt} of {of}) in {}: {}",
                        text::seconds(delay),
                        crate::sanitize::for_display(&reason)
                    ),
                ));
                Vec::new()
            }
            ApiEvent::SessionRenewed { .. } => {
                self.flash("The session expired and was renewed.");
                Vec::new()
            }
            ApiEvent::Failed { id, error } => self.failed(id, error),
            // Answers to requests nobody waits for any more (stale ids) are dropped.
            _ => Vec::new(),
        }
    }

    fn machine_list_loading(&mut self, id: RequestId) -> Option<&mut MachineList> {
        self.screens.iter_mut().find_map(|screen| match screen {
            Screen::Machines(list) if list.load == Some(id) => Some(list),
            _ => None,
        })
    }

    fn detail_loading(&mut self, id: RequestId) -> Option<&mut DetailView> {
        self.screens.iter_mut().find_map(|screen| match screen {
            Screen::Detail(view) if view.load == Some(id) => Some(view),
            _ => None,
        })
    }

    fn default_org_name(&self) -> String {
        self.session
            .as_ref()
            .and_then(|s| s.organization.clone())
            .or_else(|| self.orgs.first().map(|o| o.name.clone()))
            .unwrap_or_else(|| "Default".to_string())
    }

    fn logged_in(&mut self, session: Session) -> Vec<Cmd> {
        let requested_org = self.screens.iter().rev().find_map(|s| match s {
            Screen::Login(form) if !form.organization.value().trim().is_empty() => {
                Some(form.organization.value().trim().to_string())
            }
            _ => None,
        });
        let user = session.user.user_name.clone();
        self.session = Some(session);
        while matches!(
            self.screens.last(),
            Some(Screen::Login(_) | Screen::TwoFactor(_))
        ) {
            self.screens.pop();
        }
        if !self.screens.is_empty() {
            self.flash(format!(
                "Logged in again as {}.",
                crate::sanitize::for_display(&user)
            ));
            return self.resume();
        }
        match requested_org {
            Some(requested) => {
                let org = self
                    .session
                    .as_ref()
                    .and_then(|s| s.organization.clone())
                    .unwrap_or(requested);
                self.show_machines(org)
            }
            None => {
                self.screens.push(Screen::OrgPicker(OrgPicker::default()));
                self.load_orgs(true)
            }
        }
    }

    /// After logging in again, restarts what the expired session interrupted.
    fn resume(&mut self) -> Vec<Cmd> {
        let mut cmds = Vec::new();
        for index in 0..self.screens.len() {
            let needs = match &self.screens[index] {
                Screen::Machines(list) => list.load.is_none() && list.error.is_some(),
                Screen::Detail(view) => view.load.is_none() && view.detail.is_none(),
                Screen::OrgPicker(_) => self.orgs.is_empty() && self.pending.orgs.is_none(),
                _ => false,
            };
            if !needs {
                continue;
            }
            let id = self.next_request();
            match &mut self.screens[index] {
                Screen::Machines(list) => {
                    list.error = None;
                    list.table.begin_refresh();
                    list.load = Some(id);
                    cmds.push(Cmd::Worker(worker::Cmd::LoadMachines {
                        id,
                        query: list_query(self.list_shaping),
                    }));
                }
                Screen::Detail(view) => {
                    view.error = None;
                    view.load = Some(id);
                    cmds.push(Cmd::Worker(worker::Cmd::LoadMachine {
                        id,
                        machine_id: view.summary.id,
                    }));
                }
                Screen::OrgPicker(_) => {
                    self.pending.orgs = Some(id);
                    cmds.push(Cmd::Worker(worker::Cmd::ListOrganizations { id }));
                }
                _ => {}
            }
        }
        cmds
    }

    fn failed(&mut self, id: RequestId, error: ApiError) -> Vec<Cmd> {
        let words = text::describe(&error);
        if self.pending.login == Some(id) {
            self.pending.login = None;
            if let Some(Screen::Login(form)) = self.screens.last_mut() {
                form.focus(match error {
                    ApiError::UnknownOrganization(_) => LoginField::Organization,
                    ApiError::InvalidCredentials => LoginField::Password,
                    ApiError::InvalidQuery(_)
                    | ApiError::Config(_)
                    | ApiError::Dns { .. }
                    | ApiError::ConnectionRefused { .. }
                    | ApiError::InsecureTransport { .. }
                    | ApiError::Tls { .. } => LoginField::Server,
                    _ => LoginField::Password,
                });
                form.error = Some(words);
            }
            return Vec::new();
        }
        if error == ApiError::SessionExpired {
            return self.session_expired();
        }
        if self.pending.two_factor == Some(id) {
            self.pending.two_factor = None;
            if let Some(Screen::TwoFactor(form)) = self.screens.last_mut() {
                form.error = Some(words);
            }
            return Vec::new();
        }
        if self.pending.orgs == Some(id) {
            self.pending.orgs = None;
            if std::mem::take(&mut self.pending.orgs_after_login) {
                // Single-organization appliances may not list organizations at all.
                let org = self.default_org_name();
                return self.show_machines(org);
            }
            if let Some(Screen::OrgPicker(picker)) = self.screens.last_mut() {
                picker.error = Some(words);
            }
            return Vec::new();
        }
        if self.pending.switch.as_ref().is_some_and(|(p, _)| *p == id) {
            self.pending.switch = None;
            if let Some(Screen::OrgPicker(picker)) = self.screens.last_mut() {
                picker.error = Some(words);
            }
            return Vec::new();
        }
        if let Some(list) = self.machine_list_loading(id) {
            list.load = None;
            list.error = Some(words.clone());
            self.flash_error(format!("Loading machines failed: {words}"));
            return Vec::new();
        }
        if let Some(view) = self.detail_loading(id) {
            view.load = None;
            view.error = Some(words);
        }
        Vec::new()
    }

    /// The session cannot be renewed: the login form comes back on top of everything, with
    /// the reason; logging in again returns to where the user was.
    fn session_expired(&mut self) -> Vec<Cmd> {
        self.overlay = None;
        self.pending = Pending::default();
        for screen in &mut self.screens {
            match screen {
                Screen::Machines(list) if list.load.is_some() => {
                    list.load = None;
                    list.error = Some("interrupted: the session expired".into());
                }
                Screen::Detail(view) => view.load = None,
                _ => {}
            }
        }
        if matches!(self.screen(), Some(Screen::Login(_) | Screen::TwoFactor(_))) {
            return Vec::new();
        }
        let user = self
            .session
            .take()
            .map(|s| s.user.user_name)
            .unwrap_or_default();
        let org = self.current_org().unwrap_or_default().to_string();
        let mut form = LoginForm::new(&self.settings.server, &user, &org);
        form.reason = Some("Your session expired. Log in again to continue where you were.".into());
        self.screens.push(Screen::Login(form));
        self.flash_error("Session expired: log in again.");
        Vec::new()
    }
}

/// The query of the machine list: EXTENDED shaping by default, so the model column is filled
/// (`[ui] list_shaping = "standard"` halves the transfer and the memory, without model).
/// The list shows only typed fields; the detail view loads the whole record itself.
fn list_query(level: Level) -> Query {
    Query::new().shape("machine", level).typed_fields_only()
}
