//! The two-factor prompt: one field for the code.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Wrap};

use super::theme::Theme;
use super::{centered, clear, render_input, spinner};
use crate::app::App;
use crate::app::screens::TwoFactorForm;
use crate::sanitize::for_display;

pub(super) fn render(
    app: &App,
    form: &TwoFactorForm,
    frame: &mut Frame,
    area: Rect,
    theme: Theme,
    cursor_free: bool,
) {
    let width = area.width.saturating_sub(4).clamp(30, 60);
    let message_height = form
        .error
        .as_deref()
        .map_or(1, |e| super::wrapped_height(e, width.saturating_sub(4)));
    let popup = centered(area, width, 9 + message_height);
    clear(frame, popup);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.focused_border())
        .title(Span::styled(" Two-factor authentication ", theme.title()));
    let inner = block.inner(popup).inner(Margin::new(1, 1));
    frame.render_widget(block, popup);
    let [intro, _, field_row, _, message] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(inner);
    let user = app
        .screens
        .iter()
        .rev()
        .find_map(|s| match s {
            crate::app::Screen::Login(login) => Some(login.user.value().to_string()),
            _ => None,
        })
        .unwrap_or_default();
    frame.render_widget(
        Paragraph::new(format!(
            "Enter the code from your authenticator app for {}.",
            for_display(&user)
        ))
        .wrap(Wrap { trim: true }),
        intro,
    );
    let [label, value] =
        Layout::horizontal([Constraint::Length(8), Constraint::Length(12)]).areas(field_row);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled("› ", theme.key()),
            Span::styled("Code", theme.label()),
        ])),
        label,
    );
    let pending = app.two_factor_pending();
    render_input(
        &form.code,
        false,
        frame,
        value,
        theme.input(),
        cursor_free && !pending,
    );
    let text = if pending {
        Paragraph::new(Line::from(vec![
            Span::styled(format!("{} ", spinner(app)), theme.warning()),
            Span::raw("Checking the code…"),
        ]))
    } else if let Some(error) = &form.error {
        Paragraph::new(Span::styled(error.clone(), theme.error())).wrap(Wrap { trim: true })
    } else {
        Paragraph::new(Span::styled(
            "Enter submits, Esc goes back to the login.",
            theme.dim(),
        ))
    };
    frame.render_widget(text, message);
}
