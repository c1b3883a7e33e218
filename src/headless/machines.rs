//! `machines list`, `machines get` and `orgs`.

use std::borrow::Cow;
use std::io::{self, Write};

use crate::api::query::{Filter, Level, Op, Paging, SortKey};
use crate::api::{Machine, MachineDetail, Organization, Query};
use crate::app::table::{Column, Filter as SearchFilter};
use crate::cli::{ListArgs, OutputFormat};
use crate::worker::{ApiEvent, Cmd};

use super::Failure;
use super::output::{
    Field, ListWriter, Table, columns_need_all_fields, machine_fields, software_fields,
    write_csv_row, write_json_object, write_json_object_with_list,
};
use super::session::Connection;

/// Where output goes and what it looks like there.
pub struct Terminal {
    /// stdout is a terminal (a person is reading).
    pub is_terminal: bool,
    /// Columns to fit tables into, when known.
    pub width: Option<usize>,
}

/// The default columns of `machines list --output table`: the id, then the TUI's columns.
pub fn table_columns(ui_columns: Option<&[Column]>) -> Vec<String> {
    let columns = ui_columns.unwrap_or(&[
        Column::Name,
        Column::Ip,
        Column::Os,
        Column::User,
        Column::LastSync,
    ]);
    std::iter::once("Id")
        .chain(columns.iter().map(|column| column.appliance_key()))
        .map(str::to_string)
        .collect()
}

/// The appliance query for `args`. `--limit` goes to the appliance only when no `--search`
/// filters here afterwards.
pub fn build_query(args: &ListArgs, columns: &[String]) -> Result<Query, Failure> {
    let mut query = Query::new();
    for clause in &args.filter {
        query.filters.push(Filter::parse(clause)?);
    }
    if let Some(sort) = &args.sort {
        for key in sort.split(',').filter(|key| !key.trim().is_empty()) {
            query.sort.push(SortKey::parse(key)?);
        }
    }
    let level = match &args.shaping {
        Some(level) => Some(level.parse::<Level>()?),
        None if columns_need_all_fields(columns) => Some(Level::All),
        None => None,
    };
    // `--search` looks at the model too, like the TUI, and the model is an EXTENDED field.
    let level = match level {
        None | Some(Level::Limited | Level::Standard) if args.search.is_some() => {
            Some(Level::Extended)
        }
        level => level,
    };
    if let Some(level) = level {
        query = query.shape("machine", level);
    }
    if let (Some(limit), None) = (args.limit, &args.search) {
        query.paging = Some(Paging {
            limit: limit as u64,
            offset: 0,
        });
    }
    Ok(query)
}

/// Keeps the machines of `page` that the TUI's `/` filter would keep for `text`, in order.
fn retain_search_matches(page: &mut Vec<Machine>, text: &str) {
    let filter = SearchFilter::parse(text);
    page.retain(|machine| filter.matches(machine));
}

/// What `machines list` will ask for and print, checked before anything is sent.
pub struct ListPlan {
    query: Query,
    columns: Vec<String>,
    format: OutputFormat,
}

impl ListPlan {
    pub fn new(
        args: &ListArgs,
        format: OutputFormat,
        default_table_columns: Vec<String>,
    ) -> Result<ListPlan, Failure> {
        let columns = match (args.columns.is_empty(), format) {
            (false, _) => args.columns.clone(),
            (true, OutputFormat::Table) => default_table_columns,
            (true, _) => Vec::new(),
        };
        let query = build_query(args, &columns)?;
        query.validate()?;
        Ok(ListPlan {
            query,
            columns,
            format,
        })
    }
}

/// `machines list`: streams pages to `out` as they arrive.
pub async fn list(
    connection: &mut Connection,
    args: &ListArgs,
    plan: ListPlan,
    terminal: &Terminal,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let ListPlan {
        query,
        columns,
        format,
    } = plan;
    let mut writer = ListWriter::new(format, columns, terminal.is_terminal, terminal.width);
    let id = connection
        .channel
        .send(|id| Cmd::LoadMachines { id, query })?;
    loop {
        match connection.channel.next_event(id).await? {
            ApiEvent::MachinesPage { mut machines, .. } => {
                if let Some(text) = &args.search {
                    retain_search_matches(&mut machines, text);
                }
                if let Some(limit) = args.limit {
                    machines.truncate(limit.saturating_sub(writer.written()));
                }
                if let Err(error) = writer.write_page(out, &machines) {
                    connection.channel.send(|_| Cmd::Cancel { target: id })?;
                    return write_error(error);
                }
                if args.limit.is_some_and(|limit| writer.written() >= limit) {
                    connection.channel.send(|_| Cmd::Cancel { target: id })?;
                    break;
                }
            }
            ApiEvent::MachinesDone {
                progress, elapsed, ..
            } => {
                tracing::info!(loaded = progress.loaded, ?elapsed, "machines loaded");
                break;
            }
            _ => {}
        }
    }
    let unmatched = match writer.finish(out) {
        Ok(unmatched) => unmatched,
        Err(error) => return write_error(error),
    };
    if !unmatched.is_empty() {
        eprintln!(
            "kace-tui: warning: no machine has the column(s) {} (check --columns; some fields need --shaping all)",
            crate::sanitize::for_display(&unmatched.join(", "))
        );
    }
    Ok(())
}

/// `machines get`: one machine by id, or by exact name (case-insensitive).
pub async fn get(
    connection: &mut Connection,
    machine: &str,
    software: bool,
    format: OutputFormat,
    terminal: &Terminal,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let machine_id = match machine.trim().parse::<u64>() {
        Ok(id) => id,
        Err(_) => resolve_name(connection, machine.trim()).await?,
    };
    let id = connection
        .channel
        .send(|id| Cmd::LoadMachine { id, machine_id })?;
    let detail = loop {
        match connection.channel.next_event(id).await {
            Ok(ApiEvent::Machine { detail, .. }) => break detail,
            Ok(_) => {}
            Err(failure) if failure.code == super::exit::NOT_FOUND => {
                return Err(Failure::not_found(format!(
                    "no machine with id {machine_id}"
                )));
            }
            Err(failure) => return Err(failure),
        }
    };
    print_detail(&detail, software, format, terminal, out).or_else(write_error)
}

/// The id of the one machine named `name` (any case); several or none is exit code 4.
async fn resolve_name(connection: &mut Connection, name: &str) -> Result<u64, Failure> {
    /// Enough to show the candidates; more than this many namesakes is still ambiguous.
    const CANDIDATES: u64 = 20;
    let mut query = Query::new().filter("name", Op::Eq, name);
    query.paging = Some(Paging {
        limit: CANDIDATES,
        offset: 0,
    });
    let id = connection
        .channel
        .send(|id| Cmd::LoadMachines { id, query })?;
    let mut found: Vec<Machine> = Vec::new();
    loop {
        match connection.channel.next_event(id).await? {
            ApiEvent::MachinesPage { machines, .. } => found.extend(machines),
            ApiEvent::MachinesDone { .. } => break,
            _ => {}
        }
    }
    pick_by_name(name, &found)
}

/// The one machine of `found` whose name is `name` (any case). Several are ambiguous and none
/// is not found: both exit code 4, the first with the candidates.
fn pick_by_name(name: &str, found: &[Machine]) -> Result<u64, Failure> {
    let wanted = name.to_lowercase();
    let matching: Vec<&Machine> = found
        .iter()
        .filter(|machine| machine.name.to_lowercase() == wanted)
        .collect();
    match matching.as_slice() {
        [] => Err(Failure::not_found(format!("no machine named \"{name}\""))
            .with_hint("`kace-tui machines list --search TEXT` finds machines by part of a name")),
        [one] => Ok(one.id),
        several => {
            let candidates: Vec<String> = several
                .iter()
                .map(|m| format!("{} (id {}, {})", m.name, m.id, m.ip))
                .collect();
            Err(Failure::not_found(format!(
                "{} machines are named \"{name}\": {}",
                several.len(),
                candidates.join("; ")
            ))
            .with_hint("ask for one by its id: kace-tui machines get ID"))
        }
    }
}

fn print_detail(
    detail: &MachineDetail,
    software: bool,
    format: OutputFormat,
    terminal: &Terminal,
    out: &mut dyn Write,
) -> io::Result<()> {
    let fields = machine_fields(&detail.machine);
    let software_rows: Vec<Vec<Field<'_>>> = detail.software.iter().map(software_fields).collect();
    match format {
        OutputFormat::Json | OutputFormat::Jsonl => {
            if software {
                write_json_object_with_list(out, &fields, "Software", &software_rows)?;
            } else {
                write_json_object(out, &fields)?;
            }
            out.write_all(b"\n")?;
        }
        // With --software, CSV is the software list: one row per title.
        OutputFormat::Csv if software => {
            let keys: Vec<String> = software_rows
                .first()
                .map(|row| row.iter().map(|(key, _)| key.to_string()).collect())
                .unwrap_or_default();
            write_csv_row(out, keys.iter().map(|k| Some(k.as_str())), false)?;
            for row in &software_rows {
                write_csv_row(
                    out,
                    row.iter().map(|(_, v)| v.as_deref()),
                    terminal.is_terminal,
                )?;
            }
        }
        OutputFormat::Csv => {
            write_csv_row(out, fields.iter().map(|(k, _)| Some(k.as_ref())), false)?;
            write_csv_row(
                out,
                fields.iter().map(|(_, v)| v.as_deref()),
                terminal.is_terminal,
            )?;
        }
        OutputFormat::Table => {
            let mut table = Table::new(vec!["FIELD".to_string(), "VALUE".to_string()]);
            for (key, value) in &fields {
                table.push_raw([Some(key.as_ref()), value.as_deref()]);
            }
            out.write_all(table.render(terminal.width).as_bytes())?;
            if software {
                let mut list = Table::new(
                    ["NAME", "VERSION", "PUBLISHER", "INSTALLED"]
                        .map(str::to_string)
                        .to_vec(),
                );
                for title in &detail.software {
                    let installed = title.install_date.map(|date| date.format());
                    list.push_raw([
                        Some(title.name.as_str()),
                        Some(title.version.as_str()),
                        Some(title.publisher.as_str()),
                        installed.as_deref(),
                    ]);
                }
                writeln!(out, "\nSoftware ({})", detail.software.len())?;
                out.write_all(list.render(terminal.width).as_bytes())?;
            }
        }
    }
    out.flush()
}

/// `orgs`: the organizations the account can see.
pub async fn orgs(
    connection: &mut Connection,
    format: OutputFormat,
    terminal: &Terminal,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let id = connection
        .channel
        .send(|id| Cmd::ListOrganizations { id })?;
    let orgs = loop {
        if let ApiEvent::Organizations { orgs, .. } = connection.channel.next_event(id).await? {
            break orgs;
        }
    };
    print_orgs(&orgs, format, terminal, out).or_else(write_error)
}

fn print_orgs(
    orgs: &[Organization],
    format: OutputFormat,
    terminal: &Terminal,
    out: &mut dyn Write,
) -> io::Result<()> {
    let rows: Vec<Vec<Field<'_>>> = orgs
        .iter()
        .map(|org| {
            vec![
                (Cow::Borrowed("Id"), Some(Cow::Owned(org.id.to_string()))),
                (
                    Cow::Borrowed("Name"),
                    Some(Cow::Borrowed(org.name.as_str())),
                ),
            ]
        })
        .collect();
    match format {
        OutputFormat::Json => {
            out.write_all(b"[")?;
            for (index, row) in rows.iter().enumerate() {
                out.write_all(if index == 0 { b"\n" } else { b",\n" })?;
                write_json_object(out, row)?;
            }
            out.write_all(if rows.is_empty() { b"]\n" } else { b"\n]\n" })?;
        }
        OutputFormat::Jsonl => {
            for row in &rows {
                write_json_object(out, row)?;
                out.write_all(b"\n")?;
            }
        }
        OutputFormat::Csv => {
            write_csv_row(out, [Some("Id"), Some("Name")], false)?;
            for row in &rows {
                write_csv_row(
                    out,
                    row.iter().map(|(_, v)| v.as_deref()),
                    terminal.is_terminal,
                )?;
            }
        }
        OutputFormat::Table => {
            let mut table = Table::new(vec!["ID".to_string(), "NAME".to_string()]);
            for row in &rows {
                table.push_raw(row.iter().map(|(_, v)| v.as_deref()));
            }
            out.write_all(table.render(terminal.width).as_bytes())?;
        }
    }
    out.flush()
}

/// A closed pipe (`| head`) ends the command quietly; any other write error is a failure.
fn write_error(error: io::Error) -> Result<(), Failure> {
    if error.kind() == io::ErrorKind::BrokenPipe {
        tracing::debug!("output closed early");
        Ok(())
    } else {
        Err(Failure::unexpected(format!(
            "cannot write the output: {error}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(id: u64, name: &str) -> Machine {
        Machine {
            id,
            name: name.into(),
            ip: format!("10.0.0.{id}").into(),
            ..Machine::default()
        }
    }

    #[test]
    fn a_name_matches_in_any_case_and_only_exactly() {
        let found = [named(1, "WS-FIN-0042"), named(2, "WS-FIN-00421")];
        assert_eq!(pick_by_name("ws-fin-0042", &found), Ok(1));
    }

    #[test]
    fn namesakes_are_ambiguous_and_listed() {
        let found = [named(3, "kiosk"), named(9, "KIOSK")];
        let failure = pick_by_name("Kiosk", &found).unwrap_err();
        assert_eq!(failure.code, crate::headless::exit::NOT_FOUND);
        assert!(
            failure.message.contains("2 machines"),
            "{}",
            failure.message
        );
        assert!(failure.message.contains("kiosk (id 3, 10.0.0.3)"));
        assert!(failure.message.contains("KIOSK (id 9, 10.0.0.9)"));
    }

    #[test]
    fn no_match_is_not_found() {
        let failure = pick_by_name("ghost", &[named(1, "ghost-1")]).unwrap_err();
        assert_eq!(failure.code, crate::headless::exit::NOT_FOUND);
    }

    #[test]
    fn search_keeps_page_order_and_uses_the_tui_filter() {
        let mut page = vec![named(5, "web-b"), named(1, "db-a"), named(3, "WEB-c")];
        retain_search_matches(&mut page, "web");
        let ids: Vec<u64> = page.iter().map(|m| m.id).collect();
        assert_eq!(ids, [5, 3]);
        let mut page = vec![named(5, "web-b"), named(1, "db-a")];
        retain_search_matches(&mut page, "!web");
        assert_eq!(page.len(), 1);
    }

    #[test]
    fn a_limit_goes_to_the_appliance_unless_searching() {
        let args = ListArgs {
            limit: Some(5),
            sort: Some("last_sync desc".into()),
            ..ListArgs::default()
        };
        let query = build_query(&args, &[]).unwrap();
        assert_eq!(query.paging.map(|p| p.limit), Some(5));
        assert_eq!(query.sort.len(), 1);
        let searching = ListArgs {
            search: Some("web".into()),
            ..args
        };
        assert_eq!(build_query(&searching, &[]).unwrap().paging, None);
    }

    #[test]
    fn columns_outside_the_standard_record_ask_for_all_fields() {
        let query = build_query(&ListArgs::default(), &["Name".into(), "Mac".into()]).unwrap();
        assert_eq!(query.shaping.first().map(|s| s.level), Some(Level::All));
        let args = ListArgs {
            shaping: Some("limited".into()),
            ..ListArgs::default()
        };
        let query = build_query(&args, &[]).unwrap();
        assert_eq!(query.shaping.first().map(|s| s.level), Some(Level::Limited));
    }
}
