//! The login form: server, user, password (masked), organization; errors under the form.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Wrap};

use super::theme::Theme;
use super::{centered, clear, render_input, spinner, wrapped_height};
use crate::app::App;
use crate::app::screens::{LoginField, LoginForm};

const LABEL_WIDTH: u16 = 16;

pub(super) fn render(
    app: &App,
    form: &LoginForm,
    frame: &mut Frame,
    area: Rect,
    theme: Theme,
    cursor_free: bool,
) {
    let width = area.width.saturating_sub(4).clamp(30, 72);
    let inner_width = width.saturating_sub(4);
    let reason_height = form
        .reason
        .as_deref()
        .map_or(0, |r| wrapped_height(r, inner_width) + 1);
    let message_height = if app.login_pending() {
        1
    } else {
        form.error
            .as_deref()
            .map_or(1, |e| wrapped_height(e, inner_width))
    };
    let height = 2 + reason_height + 4 + 1 + message_height + 2;
    let popup = centered(area, width, height);
    clear(frame, popup);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.focused_border())
        .title(Span::styled(" Log in to the KACE SMA ", theme.title()));
    let inner = block.inner(popup).inner(ratatui::layout::Margin::new(1, 1));
    frame.render_widget(block, popup);
    let [reason_area, fields_area, _, message_area] = Layout::vertical([
        Constraint::Length(reason_height),
        Constraint::Length(4),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(inner);
    if let Some(reason) = &form.reason {
        frame.render_widget(
            Paragraph::new(Span::styled(reason.clone(), theme.warning())).wrap(Wrap { trim: true }),
            reason_area,
        );
    }
    let rows = Layout::vertical([Constraint::Length(1); 4]).split(fields_area);
    for (index, field) in LoginField::ALL.into_iter().enumerate() {
        let row = rows[index];
        let focused = form.focused() == field;
        let [label_area, value_area] =
            Layout::horizontal([Constraint::Length(LABEL_WIDTH), Constraint::Fill(1)]).areas(row);
        let marker = if focused { "› " } else { "  " };
        let label_style = if focused { theme.label() } else { theme.base() };
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(marker, theme.key()),
                Span::styled(field.label(), label_style),
            ])),
            label_area,
        );
        let input = form.input(field);
        if input.value().is_empty() && !focused {
            let placeholder = match field {
                LoginField::Server => "https://kace.example.com",
                LoginField::Organization => "(optional)",
                _ => "",
            };
            frame.render_widget(
                Paragraph::new(Span::styled(placeholder, theme.dim())),
                value_area,
            );
            continue;
        }
        render_input(
            input,
            field == LoginField::Password,
            frame,
            value_area,
            theme.input(),
            focused && cursor_free && !app.login_pending(),
        );
    }
    let message = if app.login_pending() {
        Paragraph::new(Line::from(vec![
            Span::styled(format!("{} ", spinner(app)), theme.warning()),
            Span::raw("Logging in…"),
        ]))
    } else if let Some(error) = &form.error {
        Paragraph::new(Span::styled(error.clone(), theme.error())).wrap(Wrap { trim: true })
    } else {
        Paragraph::new(Span::styled(
            "Tab moves between fields, Enter logs in.",
            theme.dim(),
        ))
    };
    frame.render_widget(message, message_area);
}
