//! The output formats of the headless commands.
//!
//! - `table`: aligned columns for a person, every cell through the one sanitizer
//!   ([`crate::sanitize`]) and the whole line fitted to the terminal width.
//! - `json`: one array, one object per line inside it, written as records arrive.
//! - `jsonl`: one object per line, streamed.
//! - `csv`: a header row, then RFC 4180 rows (quoted when needed, CRLF line ends).
//!
//! Keys are the appliance's own (`Id`, `Name`, `Ip`, `Os_name`, `Last_sync`, ...), values are
//! strings as the appliance sends them, absent values are `null`. JSON keeps raw values; besides
//! the escapes JSON requires, it escapes DEL, C1 controls and the invisible BiDi and zero-width
//! characters as `\uXXXX`, so printing JSON to a terminal is safe and parsing it back gives the
//! exact value.

use std::borrow::Cow;
use std::io::{self, Write};

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::api::model::same_key;
use crate::api::{Machine, Software};
use crate::app::table::Column;
use crate::cli::OutputFormat;
use crate::sanitize::{display_width, fit, for_display, is_hidden_format, truncate_to_width};

/// One output field: key as the appliance spells it, and the value if there is one.
pub type Field<'a> = (Cow<'a, str>, Option<Cow<'a, str>>);

/// The typed fields of [`Machine`], in the appliance's spelling and output order.
const TYPED_MACHINE_KEYS: [&str; 11] = [
    "Id",
    "Name",
    "Ip",
    "Os_name",
    "User",
    "Cs_model",
    "Cs_manufacturer",
    "Bios_serial_number",
    "Mac",
    "Last_sync",
    "Last_inventory",
];

/// Fields that are only sent with EXTENDED or ALL shaping (reference §7.4).
const NOT_IN_STANDARD: [&str; 4] = ["Cs_model", "Cs_manufacturer", "Bios_serial_number", "Mac"];

/// Every field of `machine`: the typed ones (the shaping-dependent ones only when present),
/// then everything else the appliance sent, in its order.
pub fn machine_fields(machine: &Machine) -> Vec<Field<'_>> {
    let mut fields: Vec<Field<'_>> =
        Vec::with_capacity(TYPED_MACHINE_KEYS.len() + machine.extra.len());
    for key in TYPED_MACHINE_KEYS {
        let value = machine.field(key);
        if NOT_IN_STANDARD.contains(&key) && value.as_deref().is_none_or(str::is_empty) {
            continue;
        }
        fields.push((Cow::Borrowed(key), value));
    }
    fields.extend(machine.extra.iter().map(|(key, value)| {
        (
            Cow::Borrowed(key.as_str()),
            Some(Cow::Borrowed(value.as_str())),
        )
    }));
    fields
}

/// The fields named in `columns` (already in the appliance's spelling, see [`canonical_column`]).
pub fn selected_fields<'a>(machine: &'a Machine, columns: &'a [String]) -> Vec<Field<'a>> {
    columns
        .iter()
        .map(|column| (Cow::Borrowed(column.as_str()), machine.field(column)))
        .collect()
}

/// Every field of one software title, keys upper-case as the appliance sends them.
pub fn software_fields(software: &Software) -> Vec<Field<'_>> {
    let mut fields: Vec<Field<'_>> = vec![
        (
            Cow::Borrowed("ID"),
            Some(Cow::Owned(software.id.to_string())),
        ),
        (
            Cow::Borrowed("DISPLAY_NAME"),
            Some(Cow::Borrowed(software.name.as_str())),
        ),
        (
            Cow::Borrowed("DISPLAY_VERSION"),
            Some(Cow::Borrowed(software.version.as_str())),
        ),
        (
            Cow::Borrowed("PUBLISHER"),
            Some(Cow::Borrowed(software.publisher.as_str())),
        ),
        (
            Cow::Borrowed("INSTALL_DATE"),
            software.install_date.map(|date| Cow::Owned(date.format())),
        ),
    ];
    fields.extend(software.extra.iter().map(|(key, value)| {
        (
            Cow::Borrowed(key.as_str()),
            Some(Cow::Borrowed(value.as_str())),
        )
    }));
    fields
}

/// A column name as the user typed it (`os_name`, `ram total`), spelt as the appliance spells
/// the field: a typed field's key, else the key `sample` carries, else the user's text.
pub fn canonical_column(column: &str, sample: Option<&Machine>) -> String {
    /// Everyday words for fields the appliance names otherwise.
    const ALIASES: [(&str, &str); 3] = [
        ("manufacturer", "Cs_manufacturer"),
        ("serial", "Bios_serial_number"),
        ("domain", "Cs_domain"),
    ];
    let column = column.trim();
    // The TUI's column names (`os`, `model`, ...) mean what the TUI shows.
    if let Some(shown) = Column::ALL
        .iter()
        .find(|shown| same_key(shown.name(), column))
    {
        return shown.appliance_key().to_string();
    }
    if let Some((_, key)) = ALIASES.iter().find(|(alias, _)| same_key(alias, column)) {
        return key.to_string();
    }
    if let Some(known) = TYPED_MACHINE_KEYS.iter().find(|key| same_key(key, column)) {
        return known.to_string();
    }
    sample
        .and_then(|machine| machine.extra.iter().find(|(key, _)| same_key(key, column)))
        .map_or_else(|| column.to_string(), |(key, _)| key.to_string())
}

/// Whether listing `columns` needs the full machine record (`shaping=machine all`).
pub fn columns_need_all_fields(columns: &[String]) -> bool {
    /// The STANDARD machine record (reference §7.4).
    const STANDARD: [&str; 23] = [
        "Id",
        "Modified",
        "Created",
        "User",
        "Name",
        "Ip",
        "Os_name",
        "Os_number",
        "Last_inventory",
        "Last_sync",
        "Ram Total",
        "Ram_used",
        "Ram_max",
        "Bios_identification_code",
        "Sound_devices",
        "Cdrom_devices",
        "Video_controllers",
        "Monitor",
        "Registry_size",
        "Registry_max_size",
        "Pagefile_size",
        "Pagefile_max_size",
        "Manual_entry",
    ];
    columns.iter().any(|column| {
        let key = canonical_column(column, None);
        !STANDARD.iter().any(|standard| same_key(standard, &key))
    })
}

/// Serializes fields as a JSON object, keeping their order.
struct Record<'r, 'a>(&'r [Field<'a>]);

impl Serialize for Record<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in self.0 {
            map.serialize_entry(key.as_ref(), &value.as_deref())?;
        }
        map.end()
    }
}

/// serde_json's compact format, plus `\uXXXX` escapes for the characters that are valid JSON
/// but act on a terminal or hide text (DEL, C1 controls, line and paragraph separators, and
/// every format character the sanitizer removes: BiDi controls, zero-width characters, ...).
struct TerminalSafeJson;

impl serde_json::ser::Formatter for TerminalSafeJson {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (index, c) in fragment.char_indices() {
            if needs_json_escape(c) {
                writer.write_all(&fragment.as_bytes()[start..index])?;
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
                start = index + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

fn needs_json_escape(c: char) -> bool {
    matches!(c, '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}') || is_hidden_format(c)
}

/// Writes `fields` as one JSON object on one line (no newline).
pub fn write_json_object(out: &mut dyn Write, fields: &[Field<'_>]) -> io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(&mut *out, TerminalSafeJson);
    Record(fields)
        .serialize(&mut serializer)
        .map_err(io::Error::from)
}

/// Writes an object whose last key holds an array of objects (a machine and its `Software`).
pub fn write_json_object_with_list(
    out: &mut dyn Write,
    fields: &[Field<'_>],
    list_key: &str,
    list: &[Vec<Field<'_>>],
) -> io::Result<()> {
    struct WithList<'r, 'a> {
        fields: &'r [Field<'a>],
        list_key: &'r str,
        list: &'r [Vec<Field<'a>>],
    }
    impl Serialize for WithList<'_, '_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut map = serializer.serialize_map(Some(self.fields.len() + 1))?;
            for (key, value) in self.fields {
                map.serialize_entry(key.as_ref(), &value.as_deref())?;
            }
            let records: Vec<Record<'_, '_>> = self.list.iter().map(|f| Record(f)).collect();
            map.serialize_entry(self.list_key, &records)?;
            map.end()
        }
    }
    let mut serializer = serde_json::Serializer::with_formatter(&mut *out, TerminalSafeJson);
    WithList {
        fields,
        list_key,
        list,
    }
    .serialize(&mut serializer)
    .map_err(io::Error::from)
}

/// Writes one CSV row (RFC 4180): a field holding a comma, a quote, CR or LF is quoted, with
/// quotes doubled; lines end with CRLF. `for_terminal` passes values through the sanitizer.
pub fn write_csv_row<'v>(
    out: &mut dyn Write,
    values: impl IntoIterator<Item = Option<&'v str>>,
    for_terminal: bool,
) -> io::Result<()> {
    let mut line = String::new();
    for (index, value) in values.into_iter().enumerate() {
        if index > 0 {
            line.push(',');
        }
        let value = value.unwrap_or("");
        let value = if for_terminal {
            for_display(value)
        } else {
            Cow::Borrowed(value)
        };
        if value.contains([',', '"', '\r', '\n']) {
            line.push('"');
            line.push_str(&value.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(&value);
        }
    }
    line.push_str("\r\n");
    out.write_all(line.as_bytes())
}

/// A table for a person: headers and already sanitized cells.
#[derive(Debug, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Widest cell shown, in columns, before any fitting to the terminal.
const MAX_CELL_WIDTH: usize = 60;
/// Columns are never squeezed below this width (plus room for the ellipsis).
const MIN_CELL_WIDTH: usize = 4;
const GAP: &str = "  ";

impl Table {
    pub fn new(headers: Vec<String>) -> Table {
        Table {
            headers,
            rows: Vec::new(),
        }
    }

    /// Adds a row of raw values; each is sanitized here.
    pub fn push_raw<'v>(&mut self, values: impl IntoIterator<Item = Option<&'v str>>) {
        self.rows.push(
            values
                .into_iter()
                .map(|value| fit(value.unwrap_or(""), MAX_CELL_WIDTH))
                .collect(),
        );
    }

    /// Renders the table; with `width`, every line fits in that many terminal columns.
    pub fn render(&self, width: Option<usize>) -> String {
        let count = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| display_width(h)).collect();
        for row in &self.rows {
            for (column, cell) in row.iter().enumerate().take(count) {
                widths[column] = widths[column].max(display_width(cell));
            }
        }
        if let Some(width) = width {
            shrink_to(
                &mut widths,
                width.saturating_sub(GAP.len() * count.saturating_sub(1)),
            );
        }
        let mut out = String::new();
        let mut line = |cells: &mut dyn Iterator<Item = &str>| {
            let mut text = String::new();
            for (column, cell) in cells.enumerate().take(count) {
                if column > 0 {
                    text.push_str(GAP);
                }
                let cell = truncate_to_width(cell, widths[column]);
                text.push_str(&cell);
                if column + 1 < count {
                    let pad = widths[column].saturating_sub(display_width(&cell));
                    text.extend(std::iter::repeat_n(' ', pad));
                }
            }
            out.push_str(text.trim_end());
            out.push('\n');
        };
        line(&mut self.headers.iter().map(String::as_str));
        for row in &self.rows {
            line(&mut row.iter().map(String::as_str));
        }
        out
    }
}

/// Narrows the widest columns, one column at a time, until they add up to `budget`.
fn shrink_to(widths: &mut [usize], budget: usize) {
    let mut total: usize = widths.iter().sum();
    while total > budget {
        let Some((widest, width)) = widths
            .iter()
            .copied()
            .enumerate()
            .max_by_key(|&(index, width)| (width, usize::MAX - index))
        else {
            return;
        };
        if width <= MIN_CELL_WIDTH {
            return; // Nothing sensible left to cut: let the terminal wrap.
        }
        widths[widest] -= 1;
        total -= 1;
    }
}

/// Writes `machine list` output as pages arrive: json, jsonl and csv stream; a table waits for
/// everything (it needs the column widths).
pub struct ListWriter {
    format: OutputFormat,
    /// Columns as the user named them; `None` means every field (json, jsonl, csv).
    requested: Option<Vec<String>>,
    /// `requested` spelt as the appliance does, fixed once the first machine is seen.
    columns: Option<Vec<String>>,
    /// Which columns matched a field in at least one machine (to warn about typos).
    matched: Vec<bool>,
    to_terminal: bool,
    width: Option<usize>,
    written: usize,
    table: Table,
}

impl ListWriter {
    /// `columns` empty means the default: every field for json, jsonl and csv; the default
    /// table columns for table.
    pub fn new(
        format: OutputFormat,
        columns: Vec<String>,
        to_terminal: bool,
        width: Option<usize>,
    ) -> ListWriter {
        let requested = (!columns.is_empty()).then_some(columns);
        ListWriter {
            format,
            matched: vec![false; requested.as_ref().map_or(0, Vec::len)],
            requested,
            columns: None,
            to_terminal,
            width,
            written: 0,
            table: Table::default(),
        }
    }

    /// How many machines were written.
    pub fn written(&self) -> usize {
        self.written
    }

    fn fix_columns(&mut self, sample: Option<&Machine>) {
        if self.columns.is_some() {
            return;
        }
        let columns = match &self.requested {
            Some(requested) => requested
                .iter()
                .map(|column| canonical_column(column, sample))
                .collect(),
            // CSV needs one header: the fields of the first machine (all have the same shape).
            None => sample.map_or_else(Vec::new, |machine| {
                machine_fields(machine)
                    .into_iter()
                    .map(|(key, _)| key.into_owned())
                    .collect()
            }),
        };
        self.table = Table::new(columns.clone());
        self.columns = Some(columns);
    }

    /// Writes one page of machines.
    pub fn write_page(&mut self, out: &mut dyn Write, machines: &[Machine]) -> io::Result<()> {
        if machines.is_empty() {
            return Ok(());
        }
        let first_page = self.columns.is_none();
        self.fix_columns(machines.first());
        let columns = self.columns.clone().unwrap_or_default();
        if self.requested.is_some() {
            for machine in machines {
                for (index, column) in columns.iter().enumerate() {
                    if !self.matched[index] && machine.field(column).is_some() {
                        self.matched[index] = true;
                    }
                }
            }
        }
        match self.format {
            OutputFormat::Jsonl | OutputFormat::Json => {
                let json_array = self.format == OutputFormat::Json;
                for machine in machines {
                    let fields = match &self.requested {
                        Some(_) => selected_fields(machine, &columns),
                        None => machine_fields(machine),
                    };
                    if json_array {
                        out.write_all(if self.written == 0 { b"[\n" } else { b",\n" })?;
                    }
                    write_json_object(out, &fields)?;
                    if !json_array {
                        out.write_all(b"\n")?;
                    }
                    self.written += 1;
                }
            }
            OutputFormat::Csv => {
                if first_page {
                    write_csv_row(out, columns.iter().map(|c| Some(c.as_str())), false)?;
                }
                for machine in machines {
                    let values: Vec<Option<Cow<'_, str>>> =
                        columns.iter().map(|column| machine.field(column)).collect();
                    write_csv_row(out, values.iter().map(|v| v.as_deref()), self.to_terminal)?;
                    self.written += 1;
                }
            }
            OutputFormat::Table => {
                for machine in machines {
                    let values: Vec<Option<Cow<'_, str>>> =
                        columns.iter().map(|column| machine.field(column)).collect();
                    self.table.push_raw(values.iter().map(|v| v.as_deref()));
                    self.written += 1;
                }
            }
        }
        out.flush()
    }

    /// Ends the output (closes the JSON array, prints the table) and returns the requested
    /// columns that matched no field, for a warning.
    pub fn finish(mut self, out: &mut dyn Write) -> io::Result<Vec<String>> {
        self.fix_columns(None);
        match self.format {
            OutputFormat::Json => {
                out.write_all(if self.written == 0 { b"[]\n" } else { b"\n]\n" })?;
            }
            OutputFormat::Csv if self.written == 0 => {
                let columns = self.columns.clone().unwrap_or_default();
                if !columns.is_empty() {
                    write_csv_row(out, columns.iter().map(|c| Some(c.as_str())), false)?;
                }
            }
            OutputFormat::Table => {
                if self.written > 0 {
                    out.write_all(self.table.render(self.width).as_bytes())?;
                }
            }
            OutputFormat::Csv | OutputFormat::Jsonl => {}
        }
        out.flush()?;
        let unmatched = match (&self.columns, self.written) {
            (Some(columns), written) if written > 0 => columns
                .iter()
                .zip(&self.matched)
                .filter(|(_, matched)| !**matched)
                .map(|(column, _)| column.clone())
                .collect(),
            _ => Vec::new(),
        };
        Ok(unmatched)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Timestamp;

    fn machine(id: u64, name: &str) -> Machine {
        Machine {
            id,
            name: name.into(),
            ip: "10.0.0.1".into(),
            os_name: "Windows 11".into(),
            user: "jdoe".into(),
            last_sync: Timestamp::parse("2024-05-02 10:01:03"),
            extra: vec![("Ram Total".into(), "2048 Bytes".into())],
            ..Machine::default()
        }
    }

    fn render(format: OutputFormat, columns: &[&str], machines: &[Machine]) -> String {
        let mut out = Vec::new();
        let mut writer = ListWriter::new(
            format,
            columns.iter().map(|c| c.to_string()).collect(),
            false,
            None,
        );
        writer.write_page(&mut out, machines).unwrap();
        writer.finish(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn jsonl_keeps_the_appliance_spelling_and_order() {
        let text = render(OutputFormat::Jsonl, &[], &[machine(7, "WS-1")]);
        assert_eq!(
            text,
            "{\"Id\":\"7\",\"Name\":\"WS-1\",\"Ip\":\"10.0.0.1\",\"Os_name\":\"Windows 11\",\
             \"User\":\"jdoe\",\"Last_sync\":\"2024-05-02 10:01:03\",\"Last_inventory\":null,\
             \"Ram Total\":\"2048 Bytes\"}\n"
        );
    }

    #[test]
    fn json_escapes_what_acts_on_a_terminal_and_parses_back_raw() {
        let hostile = "evil\u{1b}]52;c;AAAA\u{7}\u{9b}2J\u{202e}gpj.exe\u{200b}";
        let text = render(OutputFormat::Json, &["name"], &[machine(1, hostile)]);
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{text:?}"
        );
        assert!(!text.contains('\u{202e}') && !text.contains('\u{200b}'));
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed[0]["Name"], hostile);
    }

    #[test]
    fn a_megabyte_field_is_capped_in_the_table_and_whole_in_json() {
        let huge = format!("{}\u{e0041}\u{e0042}", "X".repeat(1 << 20));
        let table = render(OutputFormat::Table, &["id", "name"], &[machine(1, &huge)]);
        let row = table.lines().nth(1).expect("a row");
        assert!(
            display_width(row) <= 2 + 2 + MAX_CELL_WIDTH,
            "{} columns",
            row.len()
        );
        assert!(row.ends_with('…'), "{row}");
        let json = render(OutputFormat::Json, &["name"], &[machine(1, &huge)]);
        // Tag characters (invisible ASCII) are escaped like the other format characters.
        assert!(json.contains("\\udb40\\udc41"), "tag character not escaped");
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed[0]["Name"], huge.as_str());
    }

    #[test]
    fn streaming_formats_write_each_page_at_once_and_keep_nothing() {
        for format in [OutputFormat::Jsonl, OutputFormat::Json, OutputFormat::Csv] {
            let mut writer = ListWriter::new(format, Vec::new(), false, None);
            let mut out = Vec::new();
            writer.write_page(&mut out, &[machine(1, "first")]).unwrap();
            let after_first = String::from_utf8(out.clone()).unwrap();
            assert!(after_first.contains("first"), "{format:?}: {after_first}");
            writer
                .write_page(&mut out, &[machine(2, "second")])
                .unwrap();
            assert!(writer.table.rows.is_empty(), "{format:?} keeps rows");
            let text = String::from_utf8(out).unwrap();
            assert!(text.starts_with(&after_first) && text.contains("second"));
        }
    }

    #[test]
    fn json_of_nothing_is_an_empty_array() {
        assert_eq!(render(OutputFormat::Json, &[], &[]), "[]\n");
    }

    #[test]
    fn csv_quotes_as_rfc_4180_says() {
        let text = render(
            OutputFormat::Csv,
            &["id", "name"],
            &[machine(1, "a,b"), machine(2, "say \"hi\"\nbye")],
        );
        assert_eq!(
            text,
            "Id,Name\r\n1,\"a,b\"\r\n2,\"say \"\"hi\"\"\nbye\"\r\n"
        );
    }

    #[test]
    fn the_tuis_column_names_and_everyday_words_name_appliance_fields() {
        assert_eq!(canonical_column("os", None), "Os_name");
        assert_eq!(canonical_column("Model", None), "Cs_model");
        assert_eq!(canonical_column("serial", None), "Bios_serial_number");
        assert_eq!(canonical_column("last_sync", None), "Last_sync");
        assert_eq!(canonical_column("OS_NAME", None), "Os_name");
    }

    #[test]
    fn columns_are_matched_without_case_and_unknown_ones_reported() {
        let mut out = Vec::new();
        let mut writer = ListWriter::new(
            OutputFormat::Csv,
            vec!["ram_total".into(), "nosuch".into()],
            false,
            None,
        );
        writer.write_page(&mut out, &[machine(1, "a")]).unwrap();
        let unmatched = writer.finish(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "Ram Total,nosuch\r\n2048 Bytes,\r\n"
        );
        assert_eq!(unmatched, vec!["nosuch".to_string()]);
    }

    #[test]
    fn a_table_fits_the_width_and_shows_no_control_characters() {
        let long = format!("{}\u{1b}[31mred", "x".repeat(80));
        let mut out = Vec::new();
        let mut writer = ListWriter::new(
            OutputFormat::Table,
            vec!["Id".into(), "Name".into(), "Os_name".into()],
            true,
            Some(40),
        );
        writer
            .write_page(&mut out, &[machine(1, &long), machine(22, "short")])
            .unwrap();
        writer.finish(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        for line in text.lines() {
            assert!(display_width(line) <= 40, "{line:?}");
            assert!(!line.chars().any(char::is_control), "{line:?}");
        }
        assert!(text.starts_with("Id  Name"), "{text}");
        assert!(text.contains('…'));
    }

    #[test]
    fn needing_all_fields_is_detected() {
        assert!(!columns_need_all_fields(&[
            "name".into(),
            "ram total".into()
        ]));
        assert!(columns_need_all_fields(&["Name".into(), "mac".into()]));
        assert!(!columns_need_all_fields(&["os".into(), "last_sync".into()]));
        assert!(columns_need_all_fields(&["serial".into()]));
    }

    #[test]
    fn software_keys_are_upper_case() {
        let software = Software {
            id: 3,
            name: "7-Zip".into(),
            ..Software::default()
        };
        let fields = software_fields(&software);
        let keys: Vec<&str> = fields.iter().map(|(k, _)| k.as_ref()).collect();
        assert_eq!(
            keys,
            [
                "ID",
                "DISPLAY_NAME",
                "DISPLAY_VERSION",
                "PUBLISHER",
                "INSTALL_DATE"
            ]
        );
    }
}
