//! The machine list: only the rows in the visible window are built (the data can be 100,000
//! rows), with a rebased `TableState`.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Cell, Paragraph, Row, Table, TableState};

use super::theme::Theme;
use super::{fit, spinner};
use crate::api::Machine;
use crate::app::App;
use crate::app::screens::MachineList;
use crate::app::table::{Column, MachineTable};
use crate::app::text::thousands;

/// The columns shown at a given inner width: the configured ones (`[ui] columns`) in their
/// order, else compact at 80 columns and more when wide. Below 60 columns at most three fit.
fn columns(width: u16, chosen: Option<&[Column]>) -> Vec<(Column, Constraint)> {
    let constraint = |column: Column| match column {
        Column::Name | Column::Os | Column::Model => Constraint::Fill(3),
        Column::Ip => Constraint::Length(15),
        Column::User => Constraint::Length(if width >= 110 { 12 } else { 9 }),
        Column::LastSync => Constraint::Length(11),
    };
    let mut shown: Vec<Column> = match chosen {
        Some(chosen) if !chosen.is_empty() => {
            let mut chosen = chosen.to_vec();
            if width < 60 {
                chosen.truncate(3);
            }
            chosen
        }
        _ => {
            let mut default = vec![
                Column::Name,
                Column::Ip,
                Column::Os,
                Column::User,
                Column::LastSync,
            ];
            if width >= 100 {
                default.push(Column::Model);
            }
            if width < 60 {
                default.retain(|c| matches!(c, Column::Name | Column::Ip | Column::LastSync));
            }
            default
        }
    };
    shown.dedup();
    shown.into_iter().map(|c| (c, constraint(c))).collect()
}

pub(super) fn render(app: &App, list: &MachineList, frame: &mut Frame, area: Rect, theme: Theme) {
    let table = &list.table;
    let mut title = vec![
        Span::styled(" Machines", theme.title()),
        Span::styled(" · ", theme.dim()),
        Span::styled(fit(&list.org, 24), theme.title()),
        Span::styled(" · ", theme.dim()),
        Span::raw(format!(
            "{} of {} ",
            thousands(table.visible_count()),
            thousands(table.total())
        )),
    ];
    if list.load.is_some() {
        title.push(Span::styled(format!("{} ", spinner(app)), theme.warning()));
    }
    let mut block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border())
        .title(Line::from(title));
    if !table.filter_text().is_empty() {
        block = block.title(
            Line::from(vec![
                Span::styled(" /", theme.key()),
                Span::raw(format!("{} ", fit(table.filter_text(), 30))),
            ])
            .alignment(Alignment::Right),
        );
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height < 2 || inner.width < 10 {
        return;
    }
    let columns = columns(inner.width, app.columns.as_deref());
    let constraints: Vec<Constraint> = columns.iter().map(|(_, c)| *c).collect();
    let widths: Vec<u16> = Layout::horizontal(constraints)
        .spacing(1)
        .flex(Flex::Start)
        .split(Rect::new(0, 0, inner.width, 1))
        .iter()
        .map(|r| r.width)
        .collect();
    let sort = table.sort();
    let header = Row::new(columns.iter().zip(&widths).map(|((column, _), &width)| {
        let arrow = if sort.column == *column {
            if sort.descending { " ▼" } else { " ▲" }
        } else {
            ""
        };
        Cell::from(fit(
            &format!("{}{arrow}", column.title()),
            usize::from(width),
        ))
    }))
    .style(theme.header_row());
    let rows_height = usize::from(inner.height - 1);
    let start = table.offset();
    let stale_secs = i64::try_from(app.stale_after.as_secs()).unwrap_or(i64::MAX);
    let rows: Vec<Row> = table
        .window(start, rows_height)
        .map(|machine| {
            let stale = MachineTable::is_stale(machine, app.now, stale_secs);
            Row::new(columns.iter().zip(&widths).map(|((column, _), &width)| {
                cell(machine, *column, usize::from(width), app, stale, theme)
            }))
        })
        .collect();
    if rows.is_empty() {
        let [_, header_area, body] = Layout::vertical([
            Constraint::Length(0),
            Constraint::Length(1),
            Constraint::Fill(1),
        ])
        .areas(inner);
        frame.render_widget(
            Table::new(
                Vec::<Row>::new(),
                widths.iter().map(|&w| Constraint::Length(w)),
            )
            .header(header)
            .column_spacing(1),
            header_area,
        );
        let message = if list.load.is_some() {
            format!("{} Loading machines…", spinner(app))
        } else if !table.filter_text().is_empty() {
            "No machine matches the filter. Esc clears it.".to_string()
        } else if list.error.is_some() {
            "No machines loaded. r tries again.".to_string()
        } else {
            "This organization has no machines.".to_string()
        };
        let y = body.y + body.height / 3;
        frame.render_widget(
            Paragraph::new(Span::styled(message, theme.dim())).alignment(Alignment::Center),
            Rect::new(body.x, y, body.width, 1),
        );
        return;
    }
    let mut state = TableState::default()
        .with_selected(table.selected_index().map(|s| s.saturating_sub(start)));
    let widget = Table::new(rows, widths.iter().map(|&w| Constraint::Length(w)))
        .header(header)
        .column_spacing(1)
        .row_highlight_style(theme.selected());
    frame.render_stateful_widget(widget, inner, &mut state);
}

fn cell(
    machine: &Machine,
    column: Column,
    width: usize,
    app: &App,
    stale: bool,
    theme: Theme,
) -> Cell<'static> {
    match column {
        Column::Name => Cell::from(fit(&machine.name, width)),
        Column::Ip => Cell::from(fit(&machine.ip, width)),
        Column::Os => Cell::from(fit(&machine.os_name, width)),
        Column::User => Cell::from(fit(&machine.user, width)),
        Column::Model => Cell::from(fit(&machine.model, width)),
        Column::LastSync => {
            let age = match machine.last_sync {
                Some(sync) => sync.age(app.now),
                None => "never".to_string(),
            };
            if stale {
                // The mark, not only the colour, so it survives NO_COLOR.
                Cell::from(Span::styled(
                    fit(&format!("! {age}"), width),
                    theme.warning(),
                ))
            } else {
                Cell::from(fit(&age, width))
            }
        }
    }
}
