//! The organization picker: type to filter, Enter to choose.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Wrap};

use super::theme::Theme;
use super::{centered, clear, fit, render_input, spinner};
use crate::app::App;
use crate::app::screens::OrgPicker;

pub(super) fn render(
    app: &App,
    picker: &OrgPicker,
    frame: &mut Frame,
    area: Rect,
    theme: Theme,
    cursor_free: bool,
) {
    let visible = picker.visible(&app.orgs);
    let list_height = (visible.len().max(1) as u16).min(area.height.saturating_sub(9));
    let popup = centered(
        area,
        area.width.saturating_sub(4).clamp(30, 56),
        list_height + 8,
    );
    clear(frame, popup);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.focused_border())
        .title(Span::styled(" Choose an organization ", theme.title()));
    let inner = block.inner(popup).inner(Margin::new(1, 1));
    frame.render_widget(block, popup);
    let [filter_row, _, list_area, _, message] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(list_height),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(inner);
    let [label, value] =
        Layout::horizontal([Constraint::Length(8), Constraint::Fill(1)]).areas(filter_row);
    frame.render_widget(Paragraph::new(Span::styled("Filter", theme.label())), label);
    render_input(
        &picker.filter,
        false,
        frame,
        value,
        theme.input(),
        cursor_free,
    );
    let current = app.current_org();
    let width = usize::from(list_area.width.saturating_sub(4));
    let rows = usize::from(list_height.max(1));
    let offset = picker.selected.saturating_sub(rows - 1);
    let lines: Vec<Line> = visible
        .iter()
        .enumerate()
        .skip(offset)
        .take(rows)
        .map(|(index, org)| {
            let marker = if current == Some(org.name.as_str()) {
                "● "
            } else {
                "  "
            };
            let text = format!("{marker}{}", fit(&org.name, width));
            let padded = format!("{text:<width$}", width = width + 2);
            if index == picker.selected {
                Line::from(Span::styled(padded, theme.selected()))
            } else {
                Line::from(padded)
            }
        })
        .collect();
    if lines.is_empty() && !app.orgs_pending() {
        frame.render_widget(
            Paragraph::new(Span::styled("No organization matches.", theme.dim())),
            list_area,
        );
    } else {
        frame.render_widget(Paragraph::new(lines), list_area);
    }
    let status = if let Some(org) = app.switching_to() {
        Paragraph::new(Line::from(vec![
            Span::styled(format!("{} ", spinner(app)), theme.warning()),
            Span::raw(format!("Switching to {}…", fit(&org.name, 30))),
        ]))
    } else if app.orgs_pending() {
        Paragraph::new(Line::from(vec![
            Span::styled(format!("{} ", spinner(app)), theme.warning()),
            Span::raw("Loading organizations…"),
        ]))
    } else if let Some(error) = &picker.error {
        Paragraph::new(Span::styled(error.clone(), theme.error())).wrap(Wrap { trim: true })
    } else {
        Paragraph::new(Span::styled(
            format!("{} of {} · ● current", visible.len(), app.orgs.len()),
            theme.dim(),
        ))
    };
    frame.render_widget(status, message);
}
