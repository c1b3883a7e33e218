//! The pure `render` functions, one file per screen.
//!
//! `render(&App, &mut Frame)` draws the header (breadcrumbs, user, role), the top screen of
//! the view stack, the status line (flash, progress, the open input) and the footer (key hints
//! from the keymap), then any overlay. It reads only the `App`, so snapshots are deterministic.
//! Every string from the server goes through [`crate::sanitize`] on its way to a cell.

mod command;
mod detail;
mod help;
mod login;
mod machines;
mod org_picker;
pub mod theme;
mod two_factor;

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use tui_input::Input;

use crate::api::Role;
use crate::app::keymap::Context;
use crate::app::{App, Overlay, Screen};
use crate::sanitize::{display_width, fit, for_display, truncate_to_width};
use theme::Theme;

/// Below this size only "terminal too small" is drawn.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 10;

/// Rows of header, status line and footer around the body.
const CHROME_ROWS: u16 = 3;

/// Spinner frames (drawn only while something loads).
const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// Table rows of the machine list that fit on screen (border and header row excluded).
pub fn list_rows(size: (u16, u16)) -> usize {
    usize::from(size.1.saturating_sub(CHROME_ROWS + 3))
}

/// Lines of a detail tab that fit on screen (border, tab bar, rule and table header excluded).
pub fn detail_rows(size: (u16, u16)) -> usize {
    usize::from(size.1.saturating_sub(CHROME_ROWS + 5))
}

/// Entries of the help overlay that fit on screen.
pub fn help_rows(size: (u16, u16)) -> usize {
    let body = Rect::new(0, 1, size.0, size.1.saturating_sub(CHROME_ROWS));
    usize::from(help::area(body).height.saturating_sub(4))
}

/// Draws the whole screen.
pub fn render(app: &App, frame: &mut Frame) {
    let area = frame.area();
    let theme = Theme::new(app.no_color);
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, area, theme);
        return;
    }
    let [header, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    render_header(app, frame, header, theme);
    let cursor_free = app.overlay.is_none();
    match app.screen() {
        Some(Screen::Login(form)) => login::render(app, form, frame, body, theme, cursor_free),
        Some(Screen::TwoFactor(form)) => {
            two_factor::render(app, form, frame, body, theme, cursor_free)
        }
        Some(Screen::OrgPicker(picker)) => {
            org_picker::render(app, picker, frame, body, theme, cursor_free)
        }
        Some(Screen::Machines(list)) => machines::render(app, list, frame, body, theme),
        Some(Screen::Detail(view)) => detail::render(app, view, frame, body, theme),
        None => {}
    }
    render_status(app, frame, status, theme);
    render_footer(app, frame, footer, theme);
    if let Some(Overlay::Help(help)) = &app.overlay {
        help::render(app, help, frame, body, theme);
    }
}

fn too_small(frame: &mut Frame, area: Rect, theme: Theme) {
    let text = vec![
        Line::from(Span::styled("Terminal too small", theme.error())),
        Line::from(format!(
            "need {MIN_WIDTH}×{MIN_HEIGHT}, have {}×{}",
            area.width, area.height
        )),
    ];
    let height = 2.min(area.height);
    let y = area.y + area.height.saturating_sub(height) / 2;
    frame.render_widget(
        Paragraph::new(text)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        Rect::new(area.x, y, area.width, height),
    );
}

/// The current spinner frame.
fn spinner(app: &App) -> &'static str {
    SPINNER[app.spinner % SPINNER.len()]
}

/// The server as a host name for the breadcrumbs.
fn server_host(server: &str) -> &str {
    let rest = server.split_once("://").map_or(server, |(_, rest)| rest);
    rest.trim_end_matches('/')
}

fn role_name(role: &Role) -> String {
    match role {
        Role::Administrator => "Administrator".to_string(),
        Role::ReadOnlyAdministrator => "Read-only administrator".to_string(),
        Role::StandardUser => "Standard user".to_string(),
        Role::Other(name) => for_display(name).into_owned(),
    }
}

/// `server ▸ org ▸ machines ▸ WS-FIN-0042` on the left, user, role and a read-only badge on the
/// right (read-only role or `readonly` profile).
fn render_header(app: &App, frame: &mut Frame, area: Rect, theme: Theme) {
    let mut crumbs: Vec<String> = vec!["kace-tui".to_string()];
    if !app.settings.server.is_empty() {
        crumbs[0] = server_host(&app.settings.server).to_string();
    }
    if let Some(org) = app.current_org() {
        crumbs.push(org.to_string());
    }
    let top = app.screens.len().saturating_sub(1);
    for (index, screen) in app.screens.iter().enumerate() {
        match screen {
            Screen::OrgPicker(_) if index == top => crumbs.push("organizations".into()),
            Screen::Machines(_) => crumbs.push("machines".into()),
            Screen::Detail(view) => crumbs.push(view.machine().name.to_string()),
            Screen::Login(_) if index == top && app.session.is_none() && index > 0 => {
                crumbs.push("login".into())
            }
            Screen::TwoFactor(_) if index == top => crumbs.push("two-factor".into()),
            _ => {}
        }
    }
    let mut right: Vec<Span> = Vec::new();
    match &app.session {
        Some(session) => {
            right.push(Span::styled(
                fit(&session.user.user_name, 20),
                theme.title(),
            ));
            right.push(Span::styled(
                format!(" ({})", role_name(&session.user.role)),
                theme.dim(),
            ));
        }
        None => right.push(Span::styled("not logged in", theme.dim())),
    }
    if app.is_read_only() {
        right.push(Span::raw(" "));
        right.push(Span::styled(" RO ", theme.badge()));
    }
    if app.tls_unverified() {
        right.insert(0, Span::styled(" TLS NOT VERIFIED ", theme.danger_badge()));
        right.insert(1, Span::raw(" "));
    }
    let right_width: usize = right
        .iter()
        .map(|s| display_width(&s.content))
        .sum::<usize>()
        + 1;
    let left_width = usize::from(area.width).saturating_sub(right_width + 1);
    let separator = " ▸ ";
    let mut left: Vec<Span> = Vec::new();
    let last = crumbs.len() - 1;
    for (index, crumb) in crumbs.iter().enumerate() {
        if index > 0 {
            left.push(Span::styled(separator, theme.dim()));
        }
        let style = if index == last {
            theme.title()
        } else {
            theme.base()
        };
        left.push(Span::styled(fit(crumb, 32), style));
    }
    let left_line = fit_spans(left, left_width);
    let [left_area, right_area] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Length(right_width as u16)])
            .areas(area);
    frame.render_widget(Paragraph::new(Line::from(left_line)), left_area);
    frame.render_widget(
        Paragraph::new(Line::from(right)).alignment(Alignment::Right),
        right_area,
    );
}

/// Cuts a line made of spans to `width` columns (with an ellipsis on the last kept span).
fn fit_spans(spans: Vec<Span<'static>>, width: usize) -> Vec<Span<'static>> {
    let mut out = Vec::new();
    let mut used = 0;
    for span in spans {
        let span_width = display_width(&span.content);
        if used + span_width <= width {
            used += span_width;
            out.push(span);
        } else {
            let rest = width.saturating_sub(used);
            let cut = truncate_to_width(&span.content, rest).into_owned();
            out.push(Span::styled(cut, span.style));
            break;
        }
    }
    out
}

/// The status line: an open input (command line, filter), else a flash message, a retry, the
/// load progress or a screen-specific note.
fn render_status(app: &App, frame: &mut Frame, area: Rect, theme: Theme) {
    if let Some(Overlay::Command(input)) = &app.overlay {
        command::render(input, frame, area, theme);
        return;
    }
    match app.screen() {
        Some(Screen::Machines(list)) => {
            if let Some(input) = &list.filter_input {
                render_prompt(
                    "/",
                    input,
                    "name, ip:10.2., os:win, !inverted",
                    frame,
                    area,
                    theme,
                );
                return;
            }
        }
        Some(Screen::Detail(view)) if view.editing => {
            render_prompt(
                "/",
                &view.filter,
                "text in names and values",
                frame,
                area,
                theme,
            );
            return;
        }
        _ => {}
    }
    let line = if let Some(flash) = &app.flash {
        let style = if flash.error {
            theme.error()
        } else {
            theme.success()
        };
        Line::from(Span::styled(for_display(&flash.text).into_owned(), style))
    } else if let Some((_, text)) = &app.retry_status {
        Line::from(vec![
            Span::styled(format!("{} ", spinner(app)), theme.warning()),
            Span::styled(text.clone(), theme.warning()),
        ])
    } else {
        screen_status(app, theme)
    };
    let width = usize::from(area.width);
    frame.render_widget(
        Paragraph::new(Line::from(fit_spans(line.spans, width))),
        area,
    );
}

/// What the status line says when nothing else needs it.
fn screen_status(app: &App, theme: Theme) -> Line<'static> {
    match app.screen() {
        Some(Screen::Machines(list)) => {
            if list.load.is_some() {
                let loaded = list.progress.loaded;
                let text = match list.progress.total {
                    Some(total) if total > 0 => format!(
                        "Loading machines… {} of {} ({}%)",
                        crate::app::text::thousands(loaded),
                        crate::app::text::thousands(total),
                        (loaded * 100 / total).min(100)
                    ),
                    _ => format!("Loading machines… {}", crate::app::text::thousands(loaded)),
                };
                Line::from(vec![
                    Span::styled(format!("{} ", spinner(app)), theme.warning()),
                    Span::raw(text),
                ])
            } else if let Some(error) = &list.error {
                Line::from(Span::styled(
                    format!("Loading failed: {error} (r retries)"),
                    theme.error(),
                ))
            } else {
                Line::from("")
            }
        }
        Some(Screen::Detail(view)) if view.load.is_some() => Line::from(vec![
            Span::styled(format!("{} ", spinner(app)), theme.warning()),
            Span::raw("Loading the full record and its software…"),
        ]),
        _ => Line::from(""),
    }
}

/// A one-line input with a prompt, for the filter bar and the command line.
fn render_prompt(
    prompt: &str,
    input: &Input,
    placeholder: &str,
    frame: &mut Frame,
    area: Rect,
    theme: Theme,
) {
    let prompt_width = prompt.chars().count() as u16;
    let [prompt_area, field] =
        Layout::horizontal([Constraint::Length(prompt_width), Constraint::Fill(1)]).areas(area);
    frame.render_widget(
        Paragraph::new(Span::styled(prompt.to_string(), theme.key())),
        prompt_area,
    );
    if input.value().is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled(placeholder.to_string(), theme.dim())),
            field,
        );
        frame.set_cursor_position((field.x, field.y));
        return;
    }
    render_input(input, false, frame, field, theme.base(), true);
}

/// Draws an input field, scrolled so the cursor is visible, and places the cursor there.
fn render_input(
    input: &Input,
    masked: bool,
    frame: &mut Frame,
    area: Rect,
    style: Style,
    show_cursor: bool,
) {
    let width = usize::from(area.width.max(1));
    let (text, cursor) = if masked {
        let count = input.value().chars().count();
        ("•".repeat(count), input.cursor())
    } else {
        (
            for_display(input.value()).into_owned(),
            input.visual_cursor(),
        )
    };
    let scroll = if masked {
        cursor.saturating_sub(width - 1)
    } else {
        input.visual_scroll(width)
    };
    frame.render_widget(
        Paragraph::new(Span::styled(text, style)).scroll((0, scroll as u16)),
        area,
    );
    if show_cursor {
        let x = area.x + (cursor.saturating_sub(scroll)).min(width - 1) as u16;
        frame.set_cursor_position((x, area.y));
    }
}

/// Key hints of the current context, as many as fit.
fn render_footer(app: &App, frame: &mut Frame, area: Rect, theme: Theme) {
    let context = app.context();
    let width = usize::from(area.width);
    let mut spans: Vec<Span> = Vec::new();
    let mut used = 0;
    for (key, label) in app
        .keymap
        .hints(context, |action| app.effect(context, action))
    {
        let item_width = display_width(&key) + 1 + label.len() + 2;
        if used + item_width > width {
            break;
        }
        used += item_width;
        spans.push(Span::styled(key, theme.key()));
        spans.push(Span::styled(format!(" {label}  "), theme.dim()));
    }
    if context == Context::Help {
        spans.push(Span::styled("type to filter", theme.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A box of `width`×`height` centered in `area` (clamped to it).
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}

/// Clears the area under a popup.
fn clear(frame: &mut Frame, area: Rect) {
    frame.render_widget(Clear, area);
}

/// Lines a wrapped paragraph of `text` takes at `width` (approximate: by words).
fn wrapped_height(text: &str, width: u16) -> u16 {
    let width = usize::from(width.max(1));
    let mut lines = 1;
    let mut used = 0;
    for word in text.split(' ') {
        let w = display_width(word);
        if used == 0 {
            used = w;
        } else if used + 1 + w <= width {
            used += 1 + w;
        } else {
            lines += 1;
            used = w;
        }
        while used > width {
            lines += 1;
            used -= width;
        }
    }
    lines
}
