//! The keymap registry: the single source for key handling, the footer hints and the `?` help.
//!
//! Every user intent is an [`Action`] with a stable serde name (`move_down`, `sort_by_name`,
//! ...), bound to keys per [`Context`]. `update` resolves keys only through [`Keymap::resolve`],
//! the footer shows [`Keymap::hints`] and the help overlay lists [`Keymap::help_entries`], so
//! the three can never disagree. Users rebind by action name with [`Keymap::with_overrides`].

use std::fmt;
use std::str::FromStr;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::de::IntoDeserializer;
use serde::{Deserialize, Serialize};

/// What the user wants. The serde names are what a config file binds keys to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Back,
    Help,
    CommandLine,
    Suspend,
    ClearInput,
    Submit,
    NextField,
    PrevField,
    MoveUp,
    MoveDown,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Filter,
    Refresh,
    SwitchOrg,
    SortByName,
    SortByIp,
    SortByOs,
    SortByUser,
    SortByLastSync,
    SortByModel,
    InvertSort,
    NextTab,
    PrevTab,
}

impl Action {
    /// The serde name, as a config file writes it.
    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Back => "back",
            Action::Help => "help",
            Action::CommandLine => "command_line",
            Action::Suspend => "suspend",
            Action::ClearInput => "clear_input",
            Action::Submit => "submit",
            Action::NextField => "next_field",
            Action::PrevField => "prev_field",
            Action::MoveUp => "move_up",
            Action::MoveDown => "move_down",
            Action::PageUp => "page_up",
            Action::PageDown => "page_down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::Open => "open",
            Action::Filter => "filter",
            Action::Refresh => "refresh",
            Action::SwitchOrg => "switch_org",
            Action::SortByName => "sort_by_name",
            Action::SortByIp => "sort_by_ip",
            Action::SortByOs => "sort_by_os",
            Action::SortByUser => "sort_by_user",
            Action::SortByLastSync => "sort_by_last_sync",
            Action::SortByModel => "sort_by_model",
            Action::InvertSort => "invert_sort",
            Action::NextTab => "next_tab",
            Action::PrevTab => "prev_tab",
        }
    }

    /// The short word in the footer.
    pub fn label(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Back => "back",
            Action::Help => "help",
            Action::CommandLine => "command",
            Action::Suspend => "suspend",
            Action::ClearInput => "clear",
            Action::Submit => "submit",
            Action::NextField => "next field",
            Action::PrevField => "prev field",
            Action::MoveUp => "up",
            Action::MoveDown => "down",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::Open => "open",
            Action::Filter => "filter",
            Action::Refresh => "refresh",
            Action::SwitchOrg => "org",
            Action::SortByName => "name",
            Action::SortByIp => "ip",
            Action::SortByOs => "os",
            Action::SortByUser => "user",
            Action::SortByLastSync => "sync",
            Action::SortByModel => "model",
            Action::InvertSort => "invert",
            Action::NextTab => "next tab",
            Action::PrevTab => "prev tab",
        }
    }

    /// The sentence in the help overlay.
    pub fn description(self) -> &'static str {
        match self {
            Action::Quit => "Quit kace-tui",
            Action::Back => "Back one level (close, clear the filter, leave the screen)",
            Action::Help => "Show the keys of this screen",
            Action::CommandLine => "Command line (:org, :logout, :q)",
            Action::Suspend => "Suspend to the shell (fg resumes)",
            Action::ClearInput => "Clear the input field",
            Action::Submit => "Submit / confirm",
            Action::NextField => "Next field",
            Action::PrevField => "Previous field",
            Action::MoveUp => "Move up",
            Action::MoveDown => "Move down",
            Action::PageUp => "Page up",
            Action::PageDown => "Page down",
            Action::Top => "First row",
            Action::Bottom => "Last row",
            Action::Open => "Open the selected machine",
            Action::Filter => "Filter (text, column:value, !inverted)",
            Action::Refresh => "Reload from the appliance",
            Action::SwitchOrg => "Switch organization",
            Action::SortByName => "Sort by name (again: invert)",
            Action::SortByIp => "Sort by IP address (again: invert)",
            Action::SortByOs => "Sort by operating system (again: invert)",
            Action::SortByUser => "Sort by user (again: invert)",
            Action::SortByLastSync => "Sort by last sync (again: invert)",
            Action::SortByModel => "Sort by model (again: invert)",
            Action::InvertSort => "Invert the sort order",
            Action::NextTab => "Next tab",
            Action::PrevTab => "Previous tab",
        }
    }

    /// Parses a serde name such as `"move_down"`.
    pub fn from_name(name: &str) -> Option<Action> {
        let deserializer: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
            name.into_deserializer();
        Action::deserialize(deserializer).ok()
    }
}

/// Where a binding applies. Overlays and input fields are contexts of their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Context {
    Global,
    Login,
    TwoFactor,
    OrgPicker,
    Machines,
    MachineFilter,
    Detail,
    DetailFilter,
    Help,
    CommandLine,
}

impl Context {
    /// The heading in the help overlay.
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::Login => "Login",
            Context::TwoFactor => "Two-factor code",
            Context::OrgPicker => "Organizations",
            Context::Machines => "Machines",
            Context::MachineFilter => "Filter",
            Context::Detail => "Machine detail",
            Context::DetailFilter => "Detail filter",
            Context::Help => "Help",
            Context::CommandLine => "Command line",
        }
    }

    /// Contexts where printable characters are typed into a field, not resolved as keys.
    pub fn is_text_input(self) -> bool {
        matches!(
            self,
            Context::Login
                | Context::TwoFactor
                | Context::OrgPicker
                | Context::MachineFilter
                | Context::DetailFilter
                | Context::Help
                | Context::CommandLine
        )
    }

    fn from_name(name: &str) -> Option<Context> {
        let deserializer: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
            name.into_deserializer();
        Context::deserialize(deserializer).ok()
    }
}

/// One key with its modifiers, normalised so `N` and `Shift-N` are the same chord.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyChord {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl KeyChord {
    pub const fn new(code: KeyCode, modifiers: KeyModifiers) -> KeyChord {
        KeyChord { code, modifiers }
    }

    pub const fn plain(code: KeyCode) -> KeyChord {
        KeyChord::new(code, KeyModifiers::NONE)
    }

    pub const fn ch(c: char) -> KeyChord {
        KeyChord::plain(KeyCode::Char(c))
    }

    pub const fn ctrl(c: char) -> KeyChord {
        KeyChord::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    /// The chord of a key event. Shift is folded into characters and Back-Tab, because
    /// terminals disagree on whether they report it there.
    pub fn from_event(event: &KeyEvent) -> KeyChord {
        let mut modifiers = event.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        if event.modifiers.contains(KeyModifiers::SHIFT)
            && !matches!(event.code, KeyCode::Char(_) | KeyCode::BackTab)
        {
            modifiers |= KeyModifiers::SHIFT;
        }
        let code = match event.code {
            KeyCode::Char(c) if modifiers.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            other => other,
        };
        KeyChord { code, modifiers }
    }

    /// A character typed into a field (no Ctrl/Alt), as opposed to a command key.
    pub fn is_printable(&self) -> bool {
        matches!(self.code, KeyCode::Char(_)) && self.modifiers.is_empty()
    }
}

impl fmt::Display for KeyChord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        if self.modifiers.contains(KeyModifiers::SHIFT) {
            f.write_str("Shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::Insert => f.write_str("Ins"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// A key written in a config file could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    #[error("unknown action \"{0}\" (see the ? help for the names)")]
    UnknownAction(String),
    #[error("unknown screen \"{0}\" in \"{1}\"")]
    UnknownContext(String, String),
    #[error("cannot read the key \"{0}\" (examples: j, G, ctrl-r, shift-tab, enter, f1)")]
    BadKey(String),
    #[error("\"{0}\" is not bound on screen \"{1}\"")]
    NotBoundThere(String, String),
}

impl FromStr for KeyChord {
    type Err = KeymapError;

    /// Reads `j`, `G`, `ctrl-r`, `C-r`, `alt-x`, `shift-tab`, `enter`, `esc`, `pgdn`, `f1`, ...
    fn from_str(text: &str) -> Result<KeyChord, KeymapError> {
        let bad = || KeymapError::BadKey(text.to_string());
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            let prefix = ["ctrl-", "c-", "alt-", "a-", "m-", "shift-", "s-"]
                .into_iter()
                .find(|p| lower.starts_with(p) && rest.len() > p.len());
            let Some(prefix) = prefix else { break };
            modifiers |= match prefix {
                "ctrl-" | "c-" => KeyModifiers::CONTROL,
                "alt-" | "a-" | "m-" => KeyModifiers::ALT,
                _ => KeyModifiers::SHIFT,
            };
            rest = &rest[prefix.len()..];
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(c),
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" | "cr" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" if modifiers.contains(KeyModifiers::SHIFT) => {
                    modifiers.remove(KeyModifiers::SHIFT);
                    KeyCode::BackTab
                }
                "tab" => KeyCode::Tab,
                "backtab" => KeyCode::BackTab,
                "space" => KeyCode::Char(' '),
                "backspace" | "bs" => KeyCode::Backspace,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "pgup" | "pageup" => KeyCode::PageUp,
                "pgdn" | "pagedown" => KeyCode::PageDown,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "del" | "delete" => KeyCode::Delete,
                "ins" | "insert" => KeyCode::Insert,
                f if f.starts_with('f') => {
                    let n: u8 = f[1..].parse().map_err(|_| bad())?;
                    if !(1..=24).contains(&n) {
                        return Err(bad());
                    }
                    KeyCode::F(n)
                }
                _ => return Err(bad()),
            },
        };
        let event = KeyEvent::new(code, modifiers);
        Ok(KeyChord::from_event(&event))
    }
}

/// What an action would do if its key were pressed now (screens differ in state: the first
/// organization picker has nothing to go back to, a typed filter is cleared before leaving).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// What its label says.
    Usual,
    /// Something else, in these words (the footer shows them instead of the label).
    Instead(&'static str),
    /// Nothing: the footer does not offer it.
    Nothing,
}

/// Keys bound to one action in one context.
#[derive(Clone, Debug, PartialEq)]
pub struct Binding {
    pub context: Context,
    pub action: Action,
    pub keys: Vec<KeyChord>,
    /// Shown in the footer of that context.
    pub hint: bool,
}

/// Every binding of every context, in display order.
#[derive(Clone, Debug, PartialEq)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

impl Default for Keymap {
    fn default() -> Keymap {
        Keymap::defaults()
    }
}

impl Keymap {
    /// The built-in keys (k9s/lazygit conventions: vim keys plus arrows, `/`, `?`, `:`).
    pub fn defaults() -> Keymap {
        use Action as A;
        use Context as C;
        use KeyChord as K;
        use KeyCode as KC;
        let p = K::plain;
        let list_moves = |c: Context| {
            vec![
                (c, A::MoveDown, vec![K::ch('j'), p(KC::Down)], false),
                (c, A::MoveUp, vec![K::ch('k'), p(KC::Up)], false),
                (
                    c,
                    A::PageDown,
                    vec![p(KC::PageDown), K::ctrl('d'), K::ctrl('f')],
                    false,
                ),
                (
                    c,
                    A::PageUp,
                    vec![p(KC::PageUp), K::ctrl('u'), K::ctrl('b')],
                    false,
                ),
                (c, A::Top, vec![K::ch('g'), p(KC::Home)], false),
                (c, A::Bottom, vec![K::ch('G'), p(KC::End)], false),
            ]
        };
        let input_moves = |c: Context| {
            vec![
                (c, A::MoveDown, vec![p(KC::Down)], false),
                (c, A::MoveUp, vec![p(KC::Up)], false),
                (c, A::PageDown, vec![p(KC::PageDown)], false),
                (c, A::PageUp, vec![p(KC::PageUp)], false),
            ]
        };
        let mut table: Vec<(Context, Action, Vec<KeyChord>, bool)> = vec![
            (C::Login, A::Submit, vec![p(KC::Enter)], true),
            (C::Login, A::NextField, vec![p(KC::Tab), p(KC::Down)], true),
            (
                C::Login,
                A::PrevField,
                vec![p(KC::BackTab), p(KC::Up)],
                false,
            ),
            (C::Login, A::ClearInput, vec![K::ctrl('c')], false),
            (C::Login, A::Quit, vec![p(KC::Esc)], true),
            (C::TwoFactor, A::Submit, vec![p(KC::Enter)], true),
            (C::TwoFactor, A::Back, vec![p(KC::Esc)], true),
            (C::TwoFactor, A::ClearInput, vec![K::ctrl('c')], false),
            (C::OrgPicker, A::Submit, vec![p(KC::Enter)], true),
            (C::OrgPicker, A::Back, vec![p(KC::Esc)], true),
            (C::OrgPicker, A::ClearInput, vec![K::ctrl('c')], false),
        ];
        table.extend(input_moves(C::OrgPicker));
        table.extend([
            (C::Machines, A::Open, vec![p(KC::Enter)], true),
            (C::Machines, A::Filter, vec![K::ch('/')], true),
            (C::Machines, A::SortByName, vec![K::ch('N')], true),
            (C::Machines, A::SortByIp, vec![K::ch('P')], false),
            (C::Machines, A::SortByOs, vec![K::ch('O')], false),
            (C::Machines, A::SortByUser, vec![K::ch('U')], false),
            (C::Machines, A::SortByLastSync, vec![K::ch('S')], true),
            (C::Machines, A::SortByModel, vec![K::ch('M')], false),
            (C::Machines, A::InvertSort, vec![K::ch('I')], true),
            (
                C::Machines,
                A::Refresh,
                vec![K::ch('r'), K::ctrl('r')],
                true,
            ),
            (C::Machines, A::SwitchOrg, vec![K::ch('o')], true),
            (C::Machines, A::Back, vec![p(KC::Esc)], false),
            (C::Machines, A::Quit, vec![K::ch('q')], true),
        ]);
        table.extend(list_moves(C::Machines));
        table.extend([
            (C::MachineFilter, A::Submit, vec![p(KC::Enter)], true),
            (C::MachineFilter, A::Back, vec![p(KC::Esc)], true),
            (C::MachineFilter, A::ClearInput, vec![K::ctrl('c')], false),
        ]);
        table.extend(input_moves(C::MachineFilter));
        table.extend([
            (
                C::Detail,
                A::NextTab,
                vec![p(KC::Tab), K::ch('l'), p(KC::Right)],
                true,
            ),
            (
                C::Detail,
                A::PrevTab,
                vec![p(KC::BackTab), K::ch('h'), p(KC::Left)],
                false,
            ),
            (C::Detail, A::Filter, vec![K::ch('/')], true),
            (C::Detail, A::Refresh, vec![K::ch('r'), K::ctrl('r')], false),
            (C::Detail, A::Back, vec![p(KC::Esc), K::ch('q')], true),
        ]);
        table.extend(list_moves(C::Detail));
        table.extend([
            (C::DetailFilter, A::Submit, vec![p(KC::Enter)], true),
            (C::DetailFilter, A::Back, vec![p(KC::Esc)], true),
            (C::DetailFilter, A::ClearInput, vec![K::ctrl('c')], false),
        ]);
        table.extend(input_moves(C::DetailFilter));
        table.extend([
            (C::Help, A::Submit, vec![p(KC::Enter)], true),
            (C::Help, A::Back, vec![p(KC::Esc), p(KC::F(1))], true),
            (C::Help, A::ClearInput, vec![K::ctrl('c')], false),
        ]);
        table.extend(input_moves(C::Help));
        table.extend([
            (C::CommandLine, A::Submit, vec![p(KC::Enter)], true),
            (C::CommandLine, A::Back, vec![p(KC::Esc)], true),
            (C::CommandLine, A::ClearInput, vec![K::ctrl('c')], false),
            (C::Global, A::Help, vec![K::ch('?'), p(KC::F(1))], true),
            (C::Global, A::CommandLine, vec![K::ch(':')], true),
            (C::Global, A::Suspend, vec![K::ctrl('z')], false),
            (C::Global, A::Quit, vec![K::ctrl('c')], false),
        ]);
        Keymap {
            bindings: table
                .into_iter()
                .map(|(context, action, keys, hint)| Binding {
                    context,
                    action,
                    keys,
                    hint,
                })
                .collect(),
        }
    }

    /// Replaces the keys of actions by name. A plain name (`"refresh"`) rebinds the action on
    /// every screen that has it; `"machines.refresh"` only on that screen. Keys are written as
    /// `j`, `G`, `ctrl-r`, `shift-tab`, `enter`, `f5`. Errors name the offending entry.
    pub fn with_overrides<I, N, K>(mut self, overrides: I) -> Result<Keymap, KeymapError>
    where
        I: IntoIterator<Item = (N, Vec<K>)>,
        N: AsRef<str>,
        K: AsRef<str>,
    {
        for (name, keys) in overrides {
            let name = name.as_ref();
            let (context, action_name) = match name.split_once('.') {
                Some((context, action)) => {
                    let context = Context::from_name(context).ok_or_else(|| {
                        KeymapError::UnknownContext(context.to_string(), name.to_string())
                    })?;
                    (Some(context), action)
                }
                None => (None, name),
            };
            let action = Action::from_name(action_name)
                .ok_or_else(|| KeymapError::UnknownAction(action_name.to_string()))?;
            let chords = keys
                .into_iter()
                .map(|key| key.as_ref().parse())
                .collect::<Result<Vec<KeyChord>, _>>()?;
            let mut found = false;
            for binding in &mut self.bindings {
                if binding.action == action && context.is_none_or(|c| c == binding.context) {
                    binding.keys = chords.clone();
                    found = true;
                }
            }
            if !found {
                return Err(KeymapError::NotBoundThere(
                    action_name.to_string(),
                    context.map_or("any", Context::title).to_string(),
                ));
            }
        }
        Ok(self)
    }

    /// The action a key means in `context`, falling back to the global keys. In text-input
    /// contexts printable characters are never resolved: they are typed into the field.
    pub fn resolve(&self, context: Context, key: &KeyEvent) -> Option<Action> {
        let chord = KeyChord::from_event(key);
        let find = |ctx: Context| {
            self.bindings
                .iter()
                .find(|b| b.context == ctx && b.keys.contains(&chord))
                .map(|b| b.action)
        };
        if let Some(action) = find(context) {
            return Some(action);
        }
        if context.is_text_input() && chord.is_printable() {
            return None;
        }
        find(Context::Global)
    }

    /// The keys of `action` in `context` (empty when unbound).
    pub fn keys(&self, context: Context, action: Action) -> &[KeyChord] {
        self.bindings
            .iter()
            .find(|b| b.context == context && b.action == action)
            .map_or(&[], |b| &b.keys)
    }

    /// Footer hints of a context, most important first: `(first key, label)`. Global hints
    /// follow unless the context types text (where `?` and `:` would be typed). `effect`
    /// says what each of the context's actions does right now, so a key that would do
    /// nothing is not offered and one that does something else is labelled for it.
    pub fn hints(
        &self,
        context: Context,
        effect: impl Fn(Action) -> Effect,
    ) -> Vec<(String, &'static str)> {
        let mut hints: Vec<(String, &'static str)> = self
            .bindings
            .iter()
            .filter(|b| b.context == context && b.hint)
            .filter_map(|b| {
                let label = match effect(b.action) {
                    Effect::Usual => b.action.label(),
                    Effect::Instead(label) => label,
                    Effect::Nothing => return None,
                };
                b.keys.first().map(|k| (k.to_string(), label))
            })
            .collect();
        let overlay = matches!(context, Context::Help | Context::CommandLine);
        for binding in self
            .bindings
            .iter()
            .filter(|b| b.context == Context::Global && b.hint && !overlay)
        {
            // In a text field only the non-printable alternative works (F1, not ?).
            let key = binding
                .keys
                .iter()
                .find(|k| !context.is_text_input() || !k.is_printable());
            if let Some(key) = key {
                hints.push((key.to_string(), binding.action.label()));
            }
        }
        hints
    }

    /// Help lines: the keys of `context` first, then the global ones.
    pub fn help_entries(&self, context: Context) -> Vec<HelpEntry> {
        let of = |ctx: Context| {
            self.bindings
                .iter()
                .filter(move |b| b.context == ctx && !b.keys.is_empty())
                .map(|b| HelpEntry {
                    context: b.context,
                    action: b.action,
                    keys: b
                        .keys
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(" "),
                })
        };
        of(context).chain(of(Context::Global)).collect()
    }
}

/// One line of the help overlay.
#[derive(Clone, Debug, PartialEq)]
pub struct HelpEntry {
    pub context: Context,
    pub action: Action,
    pub keys: String,
}

impl HelpEntry {
    /// Whether the entry matches the help filter (case-insensitive, over keys, name and text).
    pub fn matches(&self, filter: &str) -> bool {
        let filter = filter.trim().to_lowercase();
        filter.is_empty()
            || self.action.description().to_lowercase().contains(&filter)
            || self.action.name().contains(&filter)
            || self.keys.to_lowercase().contains(&filter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn action_names_round_trip_through_serde() {
        for binding in Keymap::defaults().bindings {
            let name = binding.action.name();
            assert_eq!(Action::from_name(name), Some(binding.action), "{name}");
        }
        assert_eq!(Action::from_name("no_such_action"), None);
    }

    #[test]
    fn screen_keys_win_over_global_ones() {
        let keymap = Keymap::defaults();
        let ctrl_c = key(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(
            keymap.resolve(Context::Machines, &ctrl_c),
            Some(Action::Quit)
        );
        assert_eq!(
            keymap.resolve(Context::Login, &ctrl_c),
            Some(Action::ClearInput)
        );
    }

    #[test]
    fn printable_keys_are_typed_in_text_fields() {
        let keymap = Keymap::defaults();
        let q = key(KeyCode::Char('q'), KeyModifiers::NONE);
        let question = key(KeyCode::Char('?'), KeyModifiers::SHIFT);
        assert_eq!(keymap.resolve(Context::Machines, &q), Some(Action::Quit));
        assert_eq!(keymap.resolve(Context::MachineFilter, &q), None);
        assert_eq!(keymap.resolve(Context::Login, &question), None);
        assert_eq!(
            keymap.resolve(Context::Login, &key(KeyCode::F(1), KeyModifiers::NONE)),
            Some(Action::Help)
        );
    }

    #[test]
    fn shift_is_folded_into_letters() {
        let keymap = Keymap::defaults();
        let with_shift = key(KeyCode::Char('N'), KeyModifiers::SHIFT);
        let without = key(KeyCode::Char('N'), KeyModifiers::NONE);
        assert_eq!(
            keymap.resolve(Context::Machines, &with_shift),
            Some(Action::SortByName)
        );
        assert_eq!(
            keymap.resolve(Context::Machines, &without),
            Some(Action::SortByName)
        );
    }

    #[test]
    fn overrides_rebind_by_action_name() {
        let keymap = Keymap::defaults()
            .with_overrides([("refresh", vec!["f5"]), ("machines.quit", vec!["ctrl-q"])])
            .unwrap();
        let f5 = key(KeyCode::F(5), KeyModifiers::NONE);
        assert_eq!(
            keymap.resolve(Context::Machines, &f5),
            Some(Action::Refresh)
        );
        assert_eq!(keymap.resolve(Context::Detail, &f5), Some(Action::Refresh));
        let r = key(KeyCode::Char('r'), KeyModifiers::NONE);
        assert_eq!(keymap.resolve(Context::Machines, &r), None);
        let ctrl_q = key(KeyCode::Char('q'), KeyModifiers::CONTROL);
        assert_eq!(
            keymap.resolve(Context::Machines, &ctrl_q),
            Some(Action::Quit)
        );
        // The footer follows the override.
        assert!(
            keymap
                .hints(Context::Machines, |_| Effect::Usual)
                .contains(&("F5".to_string(), "refresh"))
        );
    }

    #[test]
    fn bad_overrides_say_what_is_wrong() {
        let err = |name: &str, key: &str| {
            Keymap::defaults()
                .with_overrides([(name, vec![key])])
                .unwrap_err()
                .to_string()
        };
        assert!(err("teleport", "t").contains("unknown action \"teleport\""));
        assert!(err("refresh", "hyper-x").contains("cannot read the key \"hyper-x\""));
        assert!(err("nowhere.refresh", "x").contains("unknown screen"));
        assert!(err("login.refresh", "x").contains("not bound"));
    }

    #[test]
    fn keys_parse_and_print() {
        for (text, shown) in [
            ("j", "j"),
            ("G", "G"),
            ("ctrl-r", "Ctrl-r"),
            ("C-R", "Ctrl-r"),
            ("shift-tab", "Shift-Tab"),
            ("enter", "Enter"),
            ("pgdn", "PgDn"),
            ("f12", "F12"),
            ("space", "Space"),
        ] {
            let chord: KeyChord = text.parse().unwrap();
            assert_eq!(chord.to_string(), shown, "{text}");
        }
        assert!("f99".parse::<KeyChord>().is_err());
    }

    #[test]
    fn help_lists_screen_keys_before_global_ones() {
        let entries = Keymap::defaults().help_entries(Context::Machines);
        let first_global = entries
            .iter()
            .position(|e| e.context == Context::Global)
            .unwrap();
        assert!(
            entries[..first_global]
                .iter()
                .all(|e| e.context == Context::Machines)
        );
        let sorting: Vec<_> = entries.iter().filter(|e| e.matches("sort")).collect();
        assert_eq!(sorting.len(), 7);
    }
}
