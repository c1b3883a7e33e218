//! The `?` help overlay: the keys of the current screen first, then the global ones,
//! filterable by typing; Enter runs the selected action.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph};

use super::theme::Theme;
use super::{centered, clear, fit, render_input};
use crate::app::{App, HelpOverlay};

/// Where the overlay sits in the body.
pub(super) fn area(body: Rect) -> Rect {
    centered(
        body,
        body.width.saturating_sub(4).min(76),
        body.height.saturating_sub(2).min(30),
    )
}

pub(super) fn render(app: &App, help: &HelpOverlay, frame: &mut Frame, body: Rect, theme: Theme) {
    let popup = area(body);
    clear(frame, popup);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.focused_border())
        .title(Span::styled(
            format!(" Keys · {} ", help.context.title()),
            theme.title(),
        ));
    let inner = block.inner(popup).inner(Margin::new(1, 0));
    frame.render_widget(block, popup);
    let [filter_row, _, list] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(inner);
    let [label, value] =
        Layout::horizontal([Constraint::Length(8), Constraint::Fill(1)]).areas(filter_row);
    frame.render_widget(Paragraph::new(Span::styled("Filter", theme.label())), label);
    render_input(&help.filter, false, frame, value, theme.input(), true);
    let entries = app.help_entries(help);
    if entries.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled("No key matches the filter.", theme.dim())),
            list,
        );
        return;
    }
    let width = usize::from(list.width);
    let keys_width = 18.min(width / 3);
    let context_width = 14.min(width / 5);
    let text_width = width.saturating_sub(keys_width + context_width + 2);
    let lines: Vec<Line> = entries
        .iter()
        .enumerate()
        .skip(help.scroll)
        .take(usize::from(list.height))
        .map(|(index, entry)| {
            let keys = format!("{:<keys_width$} ", fit(&entry.keys, keys_width));
            let text = format!(
                "{:<text_width$} ",
                fit(entry.action.description(), text_width)
            );
            let context = format!(
                "{:>context_width$}",
                fit(entry.context.title(), context_width)
            );
            if index == help.selected {
                Line::from(Span::styled(
                    format!("{keys}{text}{context}"),
                    theme.selected(),
                ))
            } else {
                Line::from(vec![
                    Span::styled(keys, theme.key()),
                    Span::raw(text),
                    Span::styled(context, theme.dim()),
                ])
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), list);
}
