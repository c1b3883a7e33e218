//! The machine detail: tabs for summary, hardware, OS, network, software and all fields.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Cell, Paragraph, Row, Table, Tabs, Wrap};

use super::theme::Theme;
use super::{fit, spinner};
use crate::app::App;
use crate::app::detail::{DetailRow, DetailTab, DetailView};
use crate::sanitize::{display_width, for_display, has_hidden_characters};

pub(super) fn render(app: &App, view: &DetailView, frame: &mut Frame, area: Rect, theme: Theme) {
    let machine = view.machine();
    let mut title = vec![
        Span::styled(" ", theme.title()),
        Span::styled(fit(&machine.name, 40), theme.title()),
        Span::styled(format!(" · id {} ", machine.id), theme.dim()),
    ];
    if view.load.is_some() {
        title.push(Span::styled(format!("{} ", spinner(app)), theme.warning()));
    }
    let rows = view.rows(app.now);
    let page = super::detail_rows(app.size);
    let mut block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border())
        .title(Line::from(title));
    if !view.filter.value().is_empty() {
        block = block.title(
            Line::from(vec![
                Span::styled(" /", theme.key()),
                Span::raw(format!("{} ", fit(view.filter.value(), 30))),
            ])
            .alignment(Alignment::Right),
        );
    }
    if rows.len() > page && !view.waiting_for_detail() {
        let last = (view.scroll + page).min(rows.len());
        block = block.title_bottom(
            Line::from(format!(" {}–{} of {} ", view.scroll + 1, last, rows.len()))
                .alignment(Alignment::Right),
        );
    }
    let inner = block.inner(area).inner(ratatui::layout::Margin::new(1, 0));
    frame.render_widget(block, area);
    if inner.height < 3 {
        return;
    }
    let [tabs_area, _, content] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(inner);
    let software_count = view.detail.as_ref().map(|d| d.software.len());
    let titles = DetailTab::ALL
        .iter()
        .map(|tab| match (tab, software_count) {
            (DetailTab::Software, Some(count)) => format!("Software ({count})"),
            _ => tab.title().to_string(),
        });
    let selected = DetailTab::ALL
        .iter()
        .position(|&t| t == view.tab)
        .unwrap_or_default();
    frame.render_widget(
        Tabs::new(titles)
            .select(selected)
            .style(theme.dim())
            .highlight_style(theme.selected())
            .divider("│"),
        tabs_area,
    );
    if view.waiting_for_detail() {
        let message = match &view.error {
            Some(error) => Span::styled(error.clone(), theme.error()),
            None => Span::styled(
                format!("{} Loading the full record…", spinner(app)),
                theme.dim(),
            ),
        };
        frame.render_widget(Paragraph::new(message).wrap(Wrap { trim: true }), content);
        return;
    }
    let mut content = content;
    if let Some(error) = &view.error {
        let [error_area, rest] =
            Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(content);
        frame.render_widget(
            Paragraph::new(Span::styled(
                fit(
                    &format!("Reload failed: {error}"),
                    usize::from(error_area.width),
                ),
                theme.error(),
            )),
            error_area,
        );
        content = rest;
    }
    if view.tab == DetailTab::Software {
        render_software(&rows, view, frame, content, theme);
    } else {
        render_fields(&rows, view, frame, content, theme);
    }
}

fn render_fields(
    rows: &[DetailRow],
    view: &DetailView,
    frame: &mut Frame,
    area: Rect,
    theme: Theme,
) {
    if rows.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled("No field matches the filter.", theme.dim())),
            area,
        );
        return;
    }
    let key_width = rows
        .iter()
        .filter_map(|row| match row {
            DetailRow::Field { key, .. } => Some(display_width(&for_display(key))),
            DetailRow::Software(_) => None,
        })
        .max()
        .unwrap_or(8)
        .clamp(8, 26);
    let value_width = usize::from(area.width).saturating_sub(key_width + 2);
    let lines: Vec<Line> = rows
        .iter()
        .skip(view.scroll)
        .take(usize::from(area.height))
        .filter_map(|row| match row {
            DetailRow::Field { key, value } => {
                let mut spans = vec![
                    Span::styled(
                        format!("{:<key_width$}  ", fit(key, key_width)),
                        theme.label(),
                    ),
                    Span::raw(fit(value, value_width)),
                ];
                if value.is_empty() {
                    spans[1] = Span::styled("—", theme.dim());
                } else if has_hidden_characters(value) {
                    spans.push(Span::styled(" ⚠ hidden characters", theme.warning()));
                }
                Some(Line::from(spans))
            }
            DetailRow::Software(_) => None,
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

fn render_software(
    rows: &[DetailRow],
    view: &DetailView,
    frame: &mut Frame,
    area: Rect,
    theme: Theme,
) {
    let total = view.detail.as_ref().map_or(0, |d| d.software.len());
    if rows.is_empty() {
        let text = if total == 0 {
            "No software reported for this machine."
        } else {
            "No software matches the filter."
        };
        frame.render_widget(Paragraph::new(Span::styled(text, theme.dim())), area);
        return;
    }
    let constraints = [
        Constraint::Fill(4),
        Constraint::Length(16),
        Constraint::Fill(2),
        Constraint::Length(10),
    ];
    let widths: Vec<u16> = Layout::horizontal(constraints)
        .spacing(1)
        .split(Rect::new(0, 0, area.width, 1))
        .iter()
        .map(|r| r.width)
        .collect();
    let header = Row::new(
        ["NAME", "VERSION", "PUBLISHER", "INSTALLED"]
            .into_iter()
            .zip(&widths)
            .map(|(title, &w)| Cell::from(fit(title, usize::from(w)))),
    )
    .style(theme.header_row());
    let body: Vec<Row> = rows
        .iter()
        .skip(view.scroll)
        .take(usize::from(area.height.saturating_sub(1)))
        .filter_map(|row| match row {
            DetailRow::Software(software) => {
                let installed = software
                    .install_date
                    .map(|d| d.format()[..10].to_string())
                    .unwrap_or_else(|| "—".to_string());
                let cells = [
                    software.name.as_str(),
                    software.version.as_str(),
                    software.publisher.as_str(),
                    installed.as_str(),
                ];
                Some(Row::new(
                    cells
                        .into_iter()
                        .zip(&widths)
                        .map(|(text, &w)| Cell::from(fit(text, usize::from(w)))),
                ))
            }
            DetailRow::Field { .. } => None,
        })
        .collect();
    frame.render_widget(
        Table::new(body, widths.iter().map(|&w| Constraint::Length(w)))
            .header(header)
            .column_spacing(1),
        area,
    );
}
