//! The machine table model: rows, live filter, cached sorts and a selection that follows the
//! machine, built to stay instant at 100,000 rows.
//!
//! - `view` holds the indices of the rows that pass the filter, in sort order; rendering only
//!   builds widgets for the window of `view` that is on screen.
//! - Each row has a lower-case, sanitized search text of its visible columns, all rows in one
//!   buffer ([`Hays`]). A plain filter is one `memchr::memmem` pass over that buffer (a few
//!   GB/s, no per-row work); when the filter text only grows and few rows are left, the
//!   current view is narrowed row by row instead.
//! - Ascending sort permutations are cached per column; descending walks one backwards. A
//!   fresh sort orders integer keys (the rank of the value among the column's distinct values,
//!   then the row's rank by name), not strings. Pages that stream in are merged into the active
//!   permutation by binary search instead of re-sorting everything.
//! - The selection is remembered by machine id, so sorting, filtering and refreshing keep it.

use std::cmp::Ordering;
use std::collections::HashMap;

use memchr::memmem;
use serde::{Deserialize, Serialize};

use crate::api::{Machine, Timestamp};
use crate::sanitize::for_display;

/// A column of the machine list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    Name,
    Ip,
    Os,
    User,
    LastSync,
    Model,
}

impl Column {
    pub const ALL: [Column; 6] = [
        Column::Name,
        Column::Ip,
        Column::Os,
        Column::User,
        Column::LastSync,
        Column::Model,
    ];

    /// The header text.
    pub fn title(self) -> &'static str {
        match self {
            Column::Name => "NAME",
            Column::Ip => "IP",
            Column::Os => "OS",
            Column::User => "USER",
            Column::LastSync => "LAST SYNC",
            Column::Model => "MODEL",
        }
    }

    /// The column's name in the configuration (`[ui] columns`) and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Column::Name => "name",
            Column::Ip => "ip",
            Column::Os => "os",
            Column::User => "user",
            Column::LastSync => "last_sync",
            Column::Model => "model",
        }
    }

    /// The appliance field the column shows, spelt as the appliance spells it.
    pub fn appliance_key(self) -> &'static str {
        match self {
            Column::Name => "Name",
            Column::Ip => "Ip",
            Column::Os => "Os_name",
            Column::User => "User",
            Column::LastSync => "Last_sync",
            Column::Model => "Cs_model",
        }
    }

    /// The position of the column in the search text, for the text columns.
    fn hay_field(self) -> Option<usize> {
        match self {
            Column::Name => Some(0),
            Column::Ip => Some(1),
            Column::Os => Some(2),
            Column::User => Some(3),
            Column::Model => Some(4),
            Column::LastSync => None,
        }
    }

    /// The column a `name:value` filter prefix targets.
    fn from_filter_prefix(prefix: &str) -> Option<Column> {
        match prefix.to_ascii_lowercase().as_str() {
            "name" | "host" => Some(Column::Name),
            "ip" => Some(Column::Ip),
            "os" => Some(Column::Os),
            "user" => Some(Column::User),
            "model" => Some(Column::Model),
            _ => None,
        }
    }
}

/// Number of text fields in a row's search text.
const HAY_FIELDS: usize = 5;
/// Separates the fields of a row's search text so a match cannot span two columns.
const HAY_SEPARATOR: char = '\u{1f}';
/// Ends a row's search text in [`Hays`], so a match cannot span two rows.
const ROW_SEPARATOR: char = '\u{1e}';

/// Where one row's search text (name, IP, OS, user and model) lies in [`Hays::text`].
#[derive(Clone, Copy, Debug)]
struct HaySpan {
    start: u32,
    /// Byte end of each field.
    ends: [u32; HAY_FIELDS],
}

/// The sanitized, lower-case search text of every row in one buffer. A row that changes gets
/// a new span at the end (the old bytes stay until [`Hays::retain`] compacts).
#[derive(Clone, Debug, Default)]
struct Hays {
    text: String,
    /// The span of each row.
    spans: Vec<HaySpan>,
    /// Every span ever appended, in buffer order: (start, row). Stale ones are skipped.
    segments: Vec<(u32, u32)>,
}

impl Hays {
    fn push(&mut self, machine: &Machine) {
        let row = self.spans.len() as u32;
        let span = self.append(machine, row);
        self.spans.push(span);
    }

    fn replace(&mut self, row: usize, machine: &Machine) {
        let span = self.append(machine, row as u32);
        self.spans[row] = span;
    }

    fn append(&mut self, machine: &Machine, row: u32) -> HaySpan {
        let fields = [
            &machine.name,
            &machine.ip,
            &machine.os_name,
            &machine.user,
            &machine.model,
        ];
        let start = offset(self.text.len());
        let mut ends = [start; HAY_FIELDS];
        for (i, field) in fields.into_iter().enumerate() {
            if i > 0 {
                self.text.push(HAY_SEPARATOR);
            }
            let shown = for_display(field);
            if shown.bytes().any(|b| b.is_ascii_uppercase()) || !shown.is_ascii() {
                self.text.push_str(&shown.to_lowercase());
            } else {
                self.text.push_str(&shown);
            }
            ends[i] = offset(self.text.len());
        }
        self.text.push(ROW_SEPARATOR);
        self.segments.push((start, row));
        HaySpan { start, ends }
    }

    /// Keeps the rows whose `keep` is true, renumbered in order, in a compacted buffer.
    fn retain(&mut self, keep: &[bool]) {
        let old = std::mem::take(self);
        for (row, span) in old.spans.iter().enumerate() {
            if !keep[row] {
                continue;
            }
            let start = offset(self.text.len());
            let shift = |end: u32| end - span.start + start;
            let end = span.ends[HAY_FIELDS - 1] as usize;
            self.text
                .push_str(&old.text[span.start as usize..end + ROW_SEPARATOR.len_utf8()]);
            let new_row = self.spans.len() as u32;
            self.spans.push(HaySpan {
                start,
                ends: span.ends.map(shift),
            });
            self.segments.push((start, new_row));
        }
    }

    fn row(&self, row: usize) -> &str {
        let span = &self.spans[row];
        &self.text[span.start as usize..span.ends[HAY_FIELDS - 1] as usize]
    }

    fn field(&self, row: usize, index: usize) -> &str {
        let span = &self.spans[row];
        let start = if index == 0 {
            span.start
        } else {
            span.ends[index - 1] + HAY_SEPARATOR.len_utf8() as u32
        };
        self.text
            .get(start as usize..span.ends[index] as usize)
            .unwrap_or_default()
    }

    /// Which rows contain `finder`'s needle, in one pass over the whole buffer. The needle must
    /// not contain a separator (a match then never spans two fields or rows).
    fn scan(&self, finder: &memmem::Finder) -> Vec<bool> {
        let mut hit = vec![false; self.spans.len()];
        let bytes = self.text.as_bytes();
        let mut segment = 0;
        let mut from = 0;
        while let Some(found) = finder.find(&bytes[from..]) {
            let at = from + found;
            while segment + 1 < self.segments.len() && self.segments[segment + 1].0 as usize <= at {
                segment += 1;
            }
            let (start, row) = self.segments[segment];
            let span = &self.spans[row as usize];
            let end = self
                .segments
                .get(segment + 1)
                .map_or(bytes.len(), |next| next.0 as usize);
            if span.start == start {
                hit[row as usize] = true;
            }
            // One hit per row is enough: go on at the next row.
            from = end.max(at + 1);
        }
        hit
    }
}

/// A buffer offset as stored (the buffer of 100,000 rows is a few MB, far below 4 GB).
fn offset(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

/// A parsed filter: `text`, `column:text`, and a leading `!` to invert. Smart case: all
/// lower-case text matches any case; any upper-case letter makes it case-sensitive.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    needle: String,
    column: Option<Column>,
    invert: bool,
    case_sensitive: bool,
}

impl Filter {
    pub fn parse(text: &str) -> Filter {
        let (invert, rest) = match text.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (column, needle) = match rest.split_once(':') {
            Some((prefix, value)) => match Column::from_filter_prefix(prefix) {
                Some(column) => (Some(column), value),
                None => (None, rest),
            },
            None => (None, rest),
        };
        let case_sensitive = needle.chars().any(char::is_uppercase);
        Filter {
            needle: if case_sensitive {
                needle.to_string()
            } else {
                needle.to_lowercase()
            },
            column,
            invert,
            case_sensitive,
        }
    }

    /// A filter that lets everything through.
    pub fn is_empty(&self) -> bool {
        self.needle.is_empty()
    }

    /// Whether `machine` passes: each shown field on its own (sanitized, lower-cased unless the
    /// filter is case-sensitive). The headless `--search` asks this; the table answers the same
    /// from its pre-lowered search text ([`Hay`]), and delegates here for case-sensitive
    /// filters, so the two cannot disagree (`tests/search_agreement.rs`).
    pub fn matches(&self, machine: &Machine) -> bool {
        if self.is_empty() {
            return true;
        }
        let fields = [
            &machine.name,
            &machine.ip,
            &machine.os_name,
            &machine.user,
            &machine.model,
        ];
        let contains = |field: &str| {
            let shown = for_display(field);
            if self.case_sensitive {
                shown.contains(self.needle.as_str())
            } else {
                shown.to_lowercase().contains(self.needle.as_str())
            }
        };
        let found = match self.column.and_then(Column::hay_field) {
            Some(field) => contains(fields[field]),
            None => fields.iter().any(|field| contains(field)),
        };
        found != self.invert
    }

    /// Whether every row this filter keeps is also kept by `previous`, so the previous result
    /// can be narrowed instead of searching all rows.
    fn narrows(&self, previous: &Filter) -> bool {
        !self.invert
            && !previous.invert
            && self.column == previous.column
            && self.case_sensitive == previous.case_sensitive
            && self.needle.contains(previous.needle.as_str())
    }
}

/// Sort column and direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sort {
    pub column: Column,
    pub descending: bool,
}

impl Default for Sort {
    fn default() -> Sort {
        Sort {
            column: Column::Name,
            descending: false,
        }
    }
}

/// The machine rows of one organization with their filter, sort and selection.
#[derive(Clone, Debug, Default)]
pub struct MachineTable {
    machines: Vec<Machine>,
    hays: Hays,
    /// First IPv4 address of each row as a number, for sorting.
    ip_keys: Vec<Option<u32>>,
    /// Which load last delivered each row; rows missing from a finished refresh are dropped.
    generation: Vec<u32>,
    current_generation: u32,
    by_id: HashMap<u64, u32>,
    /// Cached ascending permutations of all rows, per column.
    sorted: HashMap<Column, Vec<u32>>,
    sort: Sort,
    filter_text: String,
    filter: Filter,
    /// Indices of the rows that pass the filter, in sort order.
    view: Vec<u32>,
    /// Position of the selection in `view`.
    selected: usize,
    /// The machine the user selected; followed across sort, filter and refresh.
    selected_id: Option<u64>,
    /// The user has chosen a row. Until then the selection stays on the first row while pages
    /// stream in, instead of following whichever machine happened to arrive first.
    chosen: bool,
    /// First row of `view` on screen.
    offset: usize,
}

impl MachineTable {
    pub fn new(sort: Sort) -> MachineTable {
        MachineTable {
            sort,
            ..MachineTable::default()
        }
    }

    /// Every row, in arrival order.
    pub fn machines(&self) -> &[Machine] {
        &self.machines
    }

    pub fn total(&self) -> usize {
        self.machines.len()
    }

    pub fn visible_count(&self) -> usize {
        self.view.len()
    }

    pub fn sort(&self) -> Sort {
        self.sort
    }

    pub fn filter_text(&self) -> &str {
        &self.filter_text
    }

    pub fn selected_index(&self) -> Option<usize> {
        (!self.view.is_empty()).then_some(self.selected)
    }

    pub fn selected(&self) -> Option<&Machine> {
        let index = *self.view.get(self.selected)?;
        self.machines.get(index as usize)
    }

    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The machines at view positions `start..start + len` (the window on screen).
    pub fn window(&self, start: usize, len: usize) -> impl Iterator<Item = &Machine> {
        self.view
            .iter()
            .skip(start)
            .take(len)
            .filter_map(|&i| self.machines.get(i as usize))
    }

    /// Starts a new load: rows it does not deliver are dropped when it finishes.
    pub fn begin_refresh(&mut self) {
        self.current_generation = self.current_generation.wrapping_add(1);
    }

    /// Adds or updates rows (matched by id) as a page arrives, keeping sort, filter and
    /// selection.
    pub fn upsert(&mut self, machines: Vec<Machine>) {
        let first_new = self.machines.len();
        let mut keys_changed = false;
        for machine in machines {
            if let Some(&index) = self.by_id.get(&machine.id) {
                let index = index as usize;
                let old = &self.machines[index];
                keys_changed |= old.name != machine.name
                    || old.ip != machine.ip
                    || old.os_name != machine.os_name
                    || old.user != machine.user
                    || old.model != machine.model
                    || old.last_sync != machine.last_sync;
                self.hays.replace(index, &machine);
                self.ip_keys[index] = first_ipv4(&machine.ip);
                self.generation[index] = self.current_generation;
                self.machines[index] = machine;
            } else {
                let Ok(index) = u32::try_from(self.machines.len()) else {
                    continue; // more than 4 billion rows cannot be indexed
                };
                self.by_id.insert(machine.id, index);
                self.hays.push(&machine);
                self.ip_keys.push(first_ipv4(&machine.ip));
                self.generation.push(self.current_generation);
                self.machines.push(machine);
            }
        }
        if keys_changed {
            self.sorted.clear();
        } else {
            self.merge_new_rows(first_new);
        }
        self.rebuild_view();
    }

    /// Ends a refresh: drops the rows the last load no longer delivered.
    pub fn finish_refresh(&mut self) {
        let generation = self.current_generation;
        if self.generation.iter().all(|&g| g == generation) {
            return;
        }
        let keep: Vec<bool> = self.generation.iter().map(|&g| g == generation).collect();
        let mut index = 0;
        self.machines.retain(|_| {
            index += 1;
            keep[index - 1]
        });
        self.hays.retain(&keep);
        let mut index = 0;
        self.ip_keys.retain(|_| {
            index += 1;
            keep[index - 1]
        });
        self.generation.retain(|&g| g == generation);
        self.by_id = self
            .machines
            .iter()
            .enumerate()
            .map(|(i, m)| (m.id, i as u32))
            .collect();
        self.sorted.clear();
        self.rebuild_view();
    }

    /// Sorts by `column`; choosing the current column again inverts the order.
    pub fn sort_by(&mut self, column: Column) {
        if self.sort.column == column {
            self.sort.descending = !self.sort.descending;
        } else {
            self.sort = Sort {
                column,
                descending: column == Column::LastSync,
            };
        }
        self.rebuild_view();
    }

    pub fn invert_sort(&mut self) {
        self.sort.descending = !self.sort.descending;
        self.rebuild_view();
    }

    /// Applies a new filter text, narrowing the current result when possible.
    pub fn set_filter(&mut self, text: &str) {
        if text == self.filter_text {
            return;
        }
        let filter = Filter::parse(text);
        let narrow = !self.filter.is_empty() && filter.narrows(&self.filter);
        self.filter_text = text.to_string();
        self.filter = filter;
        if narrow {
            let matcher = Matcher::new(&self.filter);
            // Narrowing a large view row by row costs more than one pass over the buffer.
            let large = self.view.len() > self.machines.len() / 8;
            match large.then(|| matcher.scan(&self.hays)).flatten() {
                Some(hit) => self.view.retain(|&i| hit[i as usize]),
                None => {
                    let (hays, machines) = (&self.hays, &self.machines);
                    self.view
                        .retain(|&i| matcher.matches(hays, i as usize, &machines[i as usize]));
                }
            }
            self.reselect();
        } else {
            self.rebuild_view();
        }
    }

    /// Moves the selection by `delta` rows (clamped) and remembers the machine.
    pub fn move_by(&mut self, delta: isize) {
        if self.view.is_empty() {
            return;
        }
        let last = self.view.len() - 1;
        self.selected = self.selected.saturating_add_signed(delta).min(last);
        self.selected_id = self.selected().map(|m| m.id);
        self.chosen = true;
    }

    pub fn select_first(&mut self) {
        self.move_by(isize::MIN);
    }

    pub fn select_last(&mut self) {
        self.move_by(isize::MAX);
    }

    /// Selects the machine with `id` if it is in the view.
    pub fn select_id(&mut self, id: u64) {
        self.selected_id = Some(id);
        self.chosen = true;
        self.reselect();
    }

    /// Keeps the selection inside a window of `height` rows, scrolling as little as possible.
    pub fn scroll_to_selection(&mut self, height: usize) {
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        let max_offset = self.view.len().saturating_sub(height);
        self.offset = self.offset.min(max_offset);
    }

    fn rebuild_view(&mut self) {
        self.ensure_sorted(self.sort.column);
        let matcher = Matcher::new(&self.filter);
        let order = &self.sorted[&self.sort.column];
        let hit = matcher.scan(&self.hays);
        let keep = |&&i: &&u32| match &hit {
            Some(hit) => hit[i as usize],
            None => matcher.matches(&self.hays, i as usize, &self.machines[i as usize]),
        };
        self.view = if self.sort.descending {
            order.iter().rev().filter(keep).copied().collect()
        } else {
            order.iter().filter(keep).copied().collect()
        };
        self.reselect();
    }

    /// Puts the selection back on the remembered machine, or keeps its position when that
    /// machine is filtered out (the id is kept, so clearing the filter finds it again).
    fn reselect(&mut self) {
        if !self.chosen {
            self.selected = 0;
            self.selected_id = self.selected().map(|m| m.id);
            return;
        }
        let found = self.selected_id.and_then(|id| {
            self.view
                .iter()
                .position(|&i| self.machines[i as usize].id == id)
        });
        match found {
            Some(position) => self.selected = position,
            None => {
                self.selected = self.selected.min(self.view.len().saturating_sub(1));
            }
        }
    }

    fn ensure_sorted(&mut self, column: Column) {
        if self.sorted.contains_key(&column) {
            return;
        }
        let rows = self.machines.len();
        let order = if column == Column::Name {
            let text_rank = self.text_ranks(0);
            let mut order: Vec<u32> = (0..rows as u32).collect();
            order.sort_unstable_by_key(|&row| {
                (text_rank[row as usize], self.machines[row as usize].id)
            });
            order
        } else {
            // Integer keys in the same total order as `compare`: (primary, secondary, rank by
            // name then id).
            self.ensure_sorted(Column::Name);
            let mut name_rank = vec![0u32; rows];
            for (rank, &row) in self.sorted[&Column::Name].iter().enumerate() {
                name_rank[row as usize] = rank as u32;
            }
            if column == Column::Ip {
                let order = self.ip_order(&name_rank);
                self.sorted.insert(column, order);
                return;
            }
            let keys: Vec<(u64, u64)> = match column {
                Column::LastSync => (0..rows)
                    .map(|row| {
                        let sync = self.machines[row].last_sync;
                        // "Never" (None) first, then by time: an order-preserving map of the
                        // i64 to u64, its lowest bit moved to the second key.
                        let time = sync.map_or(0, |t| (t.0 as u64) ^ (1 << 63));
                        (
                            u64::from(sync.is_some()) << 63 | time >> 1,
                            (time & 1) << 32 | u64::from(name_rank[row]),
                        )
                    })
                    .collect(),
                other => {
                    let field = other.hay_field().unwrap_or(0);
                    let text_rank = self.text_ranks(field);
                    (0..rows)
                        .map(|row| (u64::from(text_rank[row]), u64::from(name_rank[row])))
                        .collect()
                }
            };
            let mut order: Vec<u32> = (0..rows as u32).collect();
            order.sort_unstable_by_key(|&row| keys[row as usize]);
            order
        };
        self.sorted.insert(column, order);
    }

    /// All rows in the IP column's order (see `compare`). Sorting integers first, then the
    /// text only inside runs of equal first IPv4 addresses, avoids ranking ~100,000 distinct
    /// IP texts: most runs hold a single row.
    fn ip_order(&self, name_rank: &[u32]) -> Vec<u32> {
        let ip_key = |row: usize| {
            let ip = self.ip_keys[row];
            u64::from(ip.is_none()) << 32 | u64::from(ip.unwrap_or(0))
        };
        let mut order: Vec<u32> = (0..self.machines.len() as u32).collect();
        order.sort_unstable_by_key(|&row| (ip_key(row as usize), name_rank[row as usize]));
        let by_text_then_name = |&a: &u32, &b: &u32| {
            let (x, y) = (
                self.hays.field(a as usize, 1),
                self.hays.field(b as usize, 1),
            );
            x.is_empty()
                .cmp(&y.is_empty())
                .then_with(|| x.cmp(y))
                .then_with(|| name_rank[a as usize].cmp(&name_rank[b as usize]))
        };
        let mut start = 0;
        while start < order.len() {
            let key = ip_key(order[start] as usize);
            let len = order[start..]
                .iter()
                .position(|&row| ip_key(row as usize) != key)
                .unwrap_or(order.len() - start);
            if len > 1 {
                order[start..start + len].sort_unstable_by(by_text_then_name);
            }
            start += len;
        }
        order
    }

    /// The rank of each row's text in `field` among the distinct values, ordered like
    /// `compare` orders them (empty last).
    fn text_ranks(&self, field: usize) -> Vec<u32> {
        let mut codes: HashMap<&str, u32> = HashMap::new();
        let row_codes: Vec<u32> = (0..self.machines.len())
            .map(|row| {
                let next = codes.len() as u32;
                *codes.entry(self.hays.field(row, field)).or_insert(next)
            })
            .collect();
        // The first bytes inline, so most comparisons touch no string (names and IPs are
        // short): ordering by them, then by the whole text, is the text's order.
        let prefix = |text: &str| {
            let mut bytes = [0u8; 16];
            let head = &text.as_bytes()[..text.len().min(16)];
            bytes[..head.len()].copy_from_slice(head);
            (text.is_empty(), u128::from_be_bytes(bytes))
        };
        let mut distinct: Vec<((bool, u128), &str, u32)> = codes
            .into_iter()
            .map(|(text, code)| (prefix(text), text, code))
            .collect();
        distinct.sort_unstable_by(|(x_head, x, _), (y_head, y, _)| {
            x_head.cmp(y_head).then_with(|| x.cmp(y))
        });
        let mut rank_of_code = vec![0u32; distinct.len()];
        for (rank, (_, _, code)) in distinct.iter().enumerate() {
            rank_of_code[*code as usize] = rank as u32;
        }
        row_codes
            .into_iter()
            .map(|code| rank_of_code[code as usize])
            .collect()
    }

    /// Merges rows `first_new..` into the cached permutation of the active column and drops
    /// the other caches (they are rebuilt when asked for).
    fn merge_new_rows(&mut self, first_new: usize) {
        let column = self.sort.column;
        self.sorted.retain(|&c, _| c == column);
        let Some(existing) = self.sorted.remove(&column) else {
            return;
        };
        let mut fresh: Vec<u32> = (first_new as u32..self.machines.len() as u32).collect();
        fresh.sort_unstable_by(|&a, &b| self.compare(column, a as usize, b as usize));
        // Each new row finds its place by binary search (log n comparisons, not n), and the
        // runs of existing rows between are copied whole.
        let mut merged = Vec::with_capacity(existing.len() + fresh.len());
        let mut copied = 0;
        for &row in &fresh {
            let place = copied
                + existing[copied..].partition_point(|&old| {
                    self.compare(column, old as usize, row as usize) == Ordering::Less
                });
            merged.extend_from_slice(&existing[copied..place]);
            merged.push(row);
            copied = place;
        }
        merged.extend_from_slice(&existing[copied..]);
        self.sorted.insert(column, merged);
    }

    /// Ascending order of two rows by `column`; empty values last, ties by name then id, so
    /// the order is total and descending is exactly its reverse.
    fn compare(&self, column: Column, a: usize, b: usize) -> Ordering {
        let by_text = |field: usize| {
            let (x, y) = (self.hays.field(a, field), self.hays.field(b, field));
            x.is_empty().cmp(&y.is_empty()).then_with(|| x.cmp(y))
        };
        let primary = match column {
            Column::Ip => {
                let (x, y) = (self.ip_keys[a], self.ip_keys[b]);
                x.is_none()
                    .cmp(&y.is_none())
                    .then(x.cmp(&y))
                    .then_with(|| by_text(1))
            }
            Column::LastSync => self.machines[a].last_sync.cmp(&self.machines[b].last_sync),
            other => other.hay_field().map_or(Ordering::Equal, by_text),
        };
        primary
            .then_with(|| by_text(0))
            .then_with(|| self.machines[a].id.cmp(&self.machines[b].id))
    }

    /// Whether the row's last sync is older than `threshold_secs` before `now` (or never).
    pub fn is_stale(machine: &Machine, now: Timestamp, threshold_secs: i64) -> bool {
        machine
            .last_sync
            .is_none_or(|sync| now.0 - sync.0 > threshold_secs)
    }
}

/// A compiled [`Filter`].
struct Matcher<'a> {
    filter: &'a Filter,
    finder: memmem::Finder<'a>,
}

impl<'a> Matcher<'a> {
    fn new(filter: &'a Filter) -> Matcher<'a> {
        Matcher {
            filter,
            finder: memmem::Finder::new(filter.needle.as_bytes()),
        }
    }

    /// Which rows match, in one pass over all search texts; `None` when this filter needs
    /// the row-by-row path (case-sensitive, one column, or a needle with a separator).
    fn scan(&self, hays: &Hays) -> Option<Vec<bool>> {
        let needle = &self.filter.needle;
        if self.filter.is_empty()
            || self.filter.case_sensitive
            || self.filter.column.is_some()
            || needle.contains([HAY_SEPARATOR, ROW_SEPARATOR])
        {
            return None;
        }
        let mut hit = hays.scan(&self.finder);
        if self.filter.invert {
            hit.iter_mut().for_each(|h| *h = !*h);
        }
        Some(hit)
    }

    /// Lower-case filters search the row's search text; case-sensitive ones go through the
    /// shared [`Filter::matches`], so the TUI and `machines list --search` never disagree.
    fn matches(&self, hays: &Hays, row: usize, machine: &Machine) -> bool {
        if self.filter.is_empty() {
            return true;
        }
        if self.filter.case_sensitive {
            return self.filter.matches(machine);
        }
        let found = match self.filter.column.and_then(Column::hay_field) {
            Some(field) => self.contains(hays.field(row, field)),
            // A needle holding the separator would match across two columns; sanitized
            // fields never hold it, so nothing matches.
            None => !self.filter.needle.contains(HAY_SEPARATOR) && self.contains(hays.row(row)),
        };
        found != self.filter.invert
    }

    fn contains(&self, text: &str) -> bool {
        self.finder.find(text.as_bytes()).is_some()
    }
}

/// The first IPv4 address of a (possibly comma-separated) IP field, as a number.
fn first_ipv4(ip: &str) -> Option<u32> {
    ip.split(',')
        .find_map(|part| part.trim().parse::<std::net::Ipv4Addr>().ok())
        .map(u32::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names_are_the_configuration_names() {
        for column in Column::ALL {
            let serialized = serde_json::to_string(&column).unwrap();
            assert_eq!(serialized, format!("\"{}\"", column.name()));
        }
    }

    fn machine(id: u64, name: &str, ip: &str, os: &str, user: &str, sync: i64) -> Machine {
        Machine {
            id,
            name: name.into(),
            ip: ip.into(),
            os_name: os.into(),
            user: user.into(),
            last_sync: (sync > 0).then_some(Timestamp(sync)),
            ..Machine::default()
        }
    }

    fn sample() -> MachineTable {
        let mut table = MachineTable::new(Sort::default());
        table.upsert(vec![
            machine(1, "WS-FIN-0042", "10.0.0.42", "Windows 11", "jdoe", 500),
            machine(2, "srv-db-01", "10.0.0.5", "Ubuntu 22.04", "root", 900),
            machine(
                3,
                "WS-HR-0007",
                "10.0.1.7, 192.168.1.7",
                "Windows 10",
                "asmith",
                100,
            ),
            machine(4, "mac-design-3", "10.0.0.100", "macOS 14", "jdoe", 0),
        ]);
        table
    }

    fn names(table: &MachineTable) -> Vec<String> {
        table
            .window(0, usize::MAX)
            .map(|m| m.name.to_string())
            .collect()
    }

    #[test]
    fn equal_first_ipv4_addresses_sort_by_text_then_name() {
        let mut table = MachineTable::new(Sort::default());
        table.upsert(vec![
            machine(1, "b", "fe80::1, 10.0.0.1", "", "", 0),
            machine(2, "c", "10.0.0.1", "", "", 0),
            machine(3, "a", "10.0.0.1", "", "", 0),
            machine(4, "d", "10.0.0.0", "", "", 0),
            machine(5, "e", "", "", "", 0),
            machine(6, "f", "not an ip", "", "", 0),
            machine(7, "g", "fe80::2", "", "", 0),
        ]);
        table.sort_by(Column::Ip);
        assert_eq!(names(&table), ["d", "a", "c", "b", "g", "f", "e"]);
    }

    #[test]
    fn sorts_by_name_case_insensitively_and_inverts() {
        let mut table = sample();
        assert_eq!(
            names(&table),
            ["mac-design-3", "srv-db-01", "WS-FIN-0042", "WS-HR-0007"]
        );
        table.invert_sort();
        assert_eq!(
            names(&table),
            ["WS-HR-0007", "WS-FIN-0042", "srv-db-01", "mac-design-3"]
        );
    }

    #[test]
    fn sorts_ips_numerically_and_sync_newest_first() {
        let mut table = sample();
        table.sort_by(Column::Ip);
        assert_eq!(
            names(&table),
            ["srv-db-01", "WS-FIN-0042", "mac-design-3", "WS-HR-0007"]
        );
        table.sort_by(Column::LastSync);
        assert_eq!(
            names(&table),
            ["srv-db-01", "WS-FIN-0042", "WS-HR-0007", "mac-design-3"]
        );
    }

    #[test]
    fn filter_is_smart_case_column_aware_and_invertible() {
        let mut table = sample();
        table.set_filter("ws-");
        assert_eq!(names(&table), ["WS-FIN-0042", "WS-HR-0007"]);
        table.set_filter("WS-");
        assert_eq!(names(&table), ["WS-FIN-0042", "WS-HR-0007"]);
        table.set_filter("Ws-");
        assert!(names(&table).is_empty());
        table.set_filter("user:jdoe");
        assert_eq!(names(&table), ["mac-design-3", "WS-FIN-0042"]);
        table.set_filter("!os:windows");
        assert_eq!(names(&table), ["mac-design-3", "srv-db-01"]);
        table.set_filter("ip:192.168");
        assert_eq!(names(&table), ["WS-HR-0007"]);
        // An unknown prefix is plain text (so IPv6 and URLs still work).
        table.set_filter("fe80::1");
        assert!(names(&table).is_empty());
        table.set_filter("");
        assert_eq!(table.visible_count(), 4);
    }

    #[test]
    fn a_match_cannot_span_two_columns() {
        let mut table = sample();
        table.set_filter("0042 10.0");
        assert!(names(&table).is_empty());
    }

    #[test]
    fn narrowing_gives_the_same_result_as_a_full_search() {
        let mut narrowed = sample();
        for text in ["w", "wi", "win", "windows 1", "windows 11"] {
            narrowed.set_filter(text);
            let mut fresh = sample();
            fresh.set_filter(text);
            assert_eq!(names(&narrowed), names(&fresh), "{text}");
        }
    }

    #[test]
    fn selection_follows_the_machine_across_sort_filter_and_refresh() {
        let mut table = sample();
        table.select_id(3);
        assert_eq!(table.selected().unwrap().name, "WS-HR-0007");
        table.sort_by(Column::LastSync);
        assert_eq!(table.selected().unwrap().id, 3);
        table.set_filter("ws");
        assert_eq!(table.selected().unwrap().id, 3);
        // Filtered out: the position is kept, and clearing the filter finds it again.
        table.set_filter("srv");
        assert_eq!(table.selected().unwrap().id, 2);
        table.set_filter("");
        assert_eq!(table.selected().unwrap().id, 3);
        // A refresh that adds rows in front keeps it too.
        table.begin_refresh();
        table.upsert(vec![machine(9, "aaa-first", "1.1.1.1", "x", "y", 950)]);
        assert_eq!(table.selected().unwrap().id, 3);
    }

    #[test]
    fn the_first_row_stays_selected_while_pages_stream_in_until_the_user_moves() {
        let mut table = MachineTable::new(Sort::default());
        table.upsert(vec![machine(1, "m-last", "", "", "", 1)]);
        table.upsert(vec![machine(2, "a-first", "", "", "", 1)]);
        assert_eq!(table.selected().unwrap().id, 2);
        table.move_by(1);
        table.upsert(vec![machine(3, "0-before-all", "", "", "", 1)]);
        assert_eq!(table.selected().unwrap().id, 1);
    }

    #[test]
    fn streamed_pages_merge_into_the_sorted_order() {
        let mut table = sample();
        table.upsert(vec![
            machine(10, "b-new", "", "", "", 1),
            machine(11, "zz-new", "", "", "", 1),
        ]);
        assert_eq!(
            names(&table),
            [
                "b-new",
                "mac-design-3",
                "srv-db-01",
                "WS-FIN-0042",
                "WS-HR-0007",
                "zz-new"
            ]
        );
        // The merged order equals a full sort.
        let mut fresh = MachineTable::new(Sort::default());
        fresh.upsert(table.machines().to_vec());
        assert_eq!(names(&table), names(&fresh));
    }

    #[test]
    fn finished_refresh_drops_rows_that_disappeared_and_updates_changed_ones() {
        let mut table = sample();
        table.begin_refresh();
        table.upsert(vec![
            machine(1, "WS-FIN-0042", "10.0.0.42", "Windows 11", "jdoe", 500),
            machine(2, "aaa-renamed", "10.0.0.5", "Ubuntu 22.04", "root", 900),
        ]);
        assert_eq!(table.total(), 4);
        table.finish_refresh();
        assert_eq!(names(&table), ["aaa-renamed", "WS-FIN-0042"]);
    }

    #[test]
    fn scrolling_keeps_the_selection_on_screen() {
        let mut table = MachineTable::new(Sort::default());
        table.upsert(
            (0..100)
                .map(|i| machine(i, &format!("m{i:03}"), "", "", "", 1))
                .collect(),
        );
        table.move_by(50);
        table.scroll_to_selection(10);
        assert_eq!(table.offset(), 41);
        table.move_by(-45);
        table.scroll_to_selection(10);
        assert_eq!(table.offset(), 5);
        table.select_last();
        table.scroll_to_selection(10);
        assert_eq!(table.offset(), 90);
    }

    /// Rows with many equal values, empty ones, several IPs, case differences and updates.
    fn crowd() -> MachineTable {
        let os = ["Windows 11", "windows 10", "", "Ubuntu 22.04", "macOS 14"];
        let users = ["jdoe", "JDoe", "", "asmith", "root, jdoe"];
        let mut table = MachineTable::new(Sort::default());
        let rows = |range: std::ops::Range<u64>| -> Vec<Machine> {
            range
                .map(|i| Machine {
                    model: ["OptiPlex 7090", "", "ThinkPad"][(i % 3) as usize].into(),
                    ..machine(
                        i,
                        &format!("WS-{:03}", (i * 7919) % 120),
                        &match i % 4 {
                            0 => format!("10.0.{}.{}", i % 3, i % 250),
                            1 => String::new(),
                            2 => format!("fe80::{i}, 10.1.0.{}", i % 9),
                            _ => "not an ip".to_string(),
                        },
                        os[(i % 5) as usize],
                        users[(i * 3 % 5) as usize],
                        if i % 6 == 0 {
                            0
                        } else {
                            1_000 + (i as i64 % 17) * 100
                        },
                    )
                })
                .collect()
        };
        table.upsert(rows(0..150));
        table.upsert(rows(150..300));
        // An update of existing rows (their search text moves in the buffer).
        let mut changed = rows(10..20);
        for m in &mut changed {
            m.name = format!("changed-{}", m.id).into();
        }
        table.upsert(changed);
        table
    }

    #[test]
    fn every_column_sorts_as_the_comparison_says() {
        for column in Column::ALL {
            let mut table = crowd();
            table.sort_by(column);
            let mut expected: Vec<u32> = (0..table.total() as u32).collect();
            expected.sort_by(|&a, &b| table.compare(column, a as usize, b as usize));
            if table.sort().descending {
                expected.reverse();
            }
            assert_eq!(table.view, expected, "{column:?}");
        }
    }

    #[test]
    fn the_whole_buffer_search_finds_what_the_row_search_finds() {
        let table = crowd();
        for text in [
            "ws-0", "jdoe", "10.0.1", "windows", "!windows", "changed", "", "zz",
        ] {
            let filter = Filter::parse(text);
            let matcher = Matcher::new(&filter);
            let by_row: Vec<bool> = (0..table.total())
                .map(|row| matcher.matches(&table.hays, row, &table.machines[row]))
                .collect();
            if let Some(scanned) = matcher.scan(&table.hays) {
                assert_eq!(scanned, by_row, "{text}");
            }
        }
        // Narrowing through a large view takes the buffer path and agrees with a fresh search.
        let mut narrowed = crowd();
        let mut fresh = crowd();
        for text in ["w", "ws", "ws-", "ws-1"] {
            narrowed.set_filter(text);
            fresh.filter = Filter::default();
            fresh.filter_text.clear();
            fresh.set_filter(text);
            assert_eq!(narrowed.view, fresh.view, "{text}");
        }
        assert!(narrowed.visible_count() > 0);
    }

    #[test]
    fn hostile_strings_are_searched_as_displayed() {
        let mut table = MachineTable::new(Sort::default());
        table.upsert(vec![
            machine(1, "WKS\u{200b}-01", "", "", "", 1),
            machine(2, "WKS-01", "", "", "", 1),
        ]);
        // The spoof shows as `WKS�-01`, so looking for the real name finds only the real one.
        table.set_filter("wks-01");
        assert_eq!(table.visible_count(), 1);
        assert_eq!(table.selected().map(|m| m.id), Some(2));
        table.set_filter("wks");
        assert_eq!(table.visible_count(), 2);
    }
}
