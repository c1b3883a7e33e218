//! The appliance's query language (`filtering`, `sorting`, `paging`, `shaping`, `use_count`,
//! `use_count_only`), parsed and executed over any [`Dataset`], and the JSON writer that turns
//! the selected rows into the list envelope one row at a time.
//!
//! The engine knows nothing about machines: a [`Schema`] names the base entity, its fields
//! and its sub-entities, and a [`Dataset`] hands out field values by index. That keeps it unit
//! testable on a small hand-made data set and lets the server stream 100,000 rows without ever
//! building the whole answer in memory.
//!
//! Semantics (reference §5; choices for the open points are listed in `fake/mod.rs`):
//! - String comparisons ignore case (the appliance's MySQL collation is case-insensitive).
//! - `lt`/`le`/`gt`/`ge` compare numerically when both sides are numbers, otherwise as text;
//!   dates compare correctly as text because of their `YYYY-MM-DD HH:MM:SS` shape.
//! - A clause on a sub-entity field (`software.name eq X`) keeps a base row when *any* of its
//!   sub-rows matches, like the SQL join the appliance runs; that holds for negated operators too.
//! - Integer fields (ids) reject the text operators (`co`, `st`, `en` and their negations) and
//!   non-numeric values, as the guide says an operator on the wrong type is an error.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::sync::Arc;

use bytes::Bytes;

/// How much of a record an answer carries (`shaping=<entity> <LEVEL>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Limited,
    Standard,
    Extended,
    All,
}

impl Level {
    fn parse(text: &str) -> Option<Level> {
        match text.to_ascii_lowercase().as_str() {
            "limited" => Some(Level::Limited),
            "standard" => Some(Level::Standard),
            "extended" => Some(Level::Extended),
            "all" => Some(Level::All),
            _ => None,
        }
    }
}

/// The type of a field, which decides which operators apply and how values compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    Integer,
    Text,
}

/// One field of an entity: its key exactly as the appliance writes it, and the lowest shaping
/// level that includes it. Fields are written in the order of [`EntityDef::fields`].
#[derive(Debug)]
pub struct FieldDef {
    pub key: &'static str,
    pub level: Level,
    pub kind: ValueKind,
}

impl FieldDef {
    pub const fn new(key: &'static str, level: Level, kind: ValueKind) -> FieldDef {
        FieldDef { key, level, kind }
    }
}

/// An entity: its name in queries (`machine`, `software`), the key its rows sit under when
/// nested in another entity's record, its fields, and extra names accepted in queries.
#[derive(Debug)]
pub struct EntityDef {
    pub name: &'static str,
    pub nested_key: &'static str,
    pub fields: &'static [FieldDef],
    /// (name in queries, key of the field it stands for), e.g. `("name", "DISPLAY_NAME")`.
    pub aliases: &'static [(&'static str, &'static str)],
}

impl EntityDef {
    /// Looks a field up the way the appliance does: case-insensitively, `_` and ` ` alike.
    pub fn field_index(&self, name: &str) -> Option<usize> {
        let wanted = normalize(name);
        self.fields
            .iter()
            .position(|field| normalize(field.key) == wanted)
            .or_else(|| {
                let (_, key) = self
                    .aliases
                    .iter()
                    .find(|(alias, _)| normalize(alias) == wanted)?;
                self.fields.iter().position(|field| field.key == *key)
            })
    }
}

fn normalize(name: &str) -> String {
    name.trim()
        .chars()
        .map(|c| {
            if c == ' ' {
                '_'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

/// What a route serves: the base entity, the key of the list envelope and the sub-entities
/// that can be shaped, sorted and filtered on.
#[derive(Debug)]
pub struct Schema {
    pub base: &'static EntityDef,
    pub list_key: &'static str,
    pub subs: &'static [&'static EntityDef],
}

/// Read access to the rows of one route. Rows and sub-rows are addressed by index.
pub trait Dataset: Send + Sync {
    fn schema(&self) -> &'static Schema;
    fn value(&self, row: u32, field: usize) -> Cow<'_, str>;
    fn sub_len(&self, sub: usize, row: u32) -> usize;
    fn sub_value(&self, sub: usize, row: u32, item: usize, field: usize) -> Cow<'_, str>;
}

/// A rejected query; the text goes into the 400 envelope's `errorDescription`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryError(pub String);

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Base,
    Sub(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Co,
    Nc,
    St,
    Ns,
    En,
    Nen,
    In,
    Nin,
    Ex,
    Nex,
}

impl Op {
    fn parse(text: &str) -> Option<Op> {
        Some(match text.to_ascii_lowercase().as_str() {
            "eq" => Op::Eq,
            "ne" | "neq" => Op::Ne,
            "lt" => Op::Lt,
            "le" => Op::Le,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "co" => Op::Co,
            "nc" | "nco" => Op::Nc,
            "st" => Op::St,
            "ns" | "nst" => Op::Ns,
            "en" | "end" => Op::En,
            "nen" | "nend" => Op::Nen,
            "in" => Op::In,
            "nin" => Op::Nin,
            "ex" => Op::Ex,
            "nex" => Op::Nex,
            _ => return None,
        })
    }

    fn is_text_only(self) -> bool {
        matches!(self, Op::Co | Op::Nc | Op::St | Op::Ns | Op::En | Op::Nen)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Subject {
    Field(usize),
    AnyField,
    /// The sub-entity itself (`software ex`).
    Entity,
}

#[derive(Debug)]
struct Clause {
    target: Target,
    subject: Subject,
    op: Op,
    /// Lower-cased value (or the `;`-separated set for `in`/`nin`).
    values: Vec<String>,
    numbers: Vec<Option<f64>>,
}

#[derive(Debug)]
struct SortKey {
    target: Target,
    field: usize,
    descending: bool,
}

/// Whether the answer carries `Count`, or nothing else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CountMode {
    Include,
    Omit,
    Only,
}

/// A parsed, validated query.
#[derive(Debug)]
pub struct Query {
    clauses: Vec<Clause>,
    sorts: Vec<SortKey>,
    /// `None` = every row (`limit 0` or `limit ALL`).
    pub limit: Option<usize>,
    pub offset: usize,
    base_level: Level,
    sub_levels: Vec<Option<Level>>,
    pub count: CountMode,
}

/// The default page size when `paging` gives no limit.
pub const DEFAULT_LIMIT: usize = 50;

impl Query {
    /// Parses the raw query string of a request (the part after `?`). Values are
    /// percent-decoded; `+` stays a literal plus (see the module docs of `fake`).
    pub fn from_query_string(schema: &Schema, raw: Option<&str>) -> Result<Query, QueryError> {
        let mut params = Vec::new();
        for pair in raw.unwrap_or("").split('&').filter(|pair| !pair.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            params.push((decode(key)?, decode(value)?));
        }
        Query::parse(schema, &params)
    }

    /// Parses decoded `(name, value)` parameters. Unknown parameters are ignored; the last
    /// occurrence of a repeated one wins.
    pub fn parse(schema: &Schema, params: &[(String, String)]) -> Result<Query, QueryError> {
        let param = |name: &str| {
            params
                .iter()
                .rev()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        };
        let mut query = Query {
            clauses: Vec::new(),
            sorts: Vec::new(),
            limit: Some(DEFAULT_LIMIT),
            offset: 0,
            base_level: Level::Standard,
            sub_levels: vec![None; schema.subs.len()],
            count: CountMode::Include,
        };
        if let Some(filtering) = param("filtering") {
            for clause in filtering.split(',') {
                query.clauses.push(parse_clause(schema, clause)?);
            }
        }
        if let Some(shaping) = param("shaping") {
            parse_shaping(schema, shaping, &mut query)?;
        }
        if let Some(sorting) = param("sorting") {
            for key in sorting.split(',') {
                let key = parse_sort_key(schema, key)?;
                // Sorting on a sub-entity pulls it into the output unless shaping named it.
                if let Target::Sub(sub) = key.target {
                    query.sub_levels[sub].get_or_insert(Level::Standard);
                }
                query.sorts.push(key);
            }
        }
        if let Some(paging) = param("paging") {
            parse_paging(paging, &mut query)?;
        }
        if param("use_count").is_some_and(|value| value.eq_ignore_ascii_case("false")) {
            query.count = CountMode::Omit;
        }
        if param("use_count_only").is_some_and(|value| !value.eq_ignore_ascii_case("false")) {
            query.count = CountMode::Only;
        }
        Ok(query)
    }

    /// A query for a by-id request: only shaping and sub-entity sorting apply.
    pub fn for_single_record(mut self) -> Query {
        self.clauses.clear();
        self.sorts.retain(|key| key.target != Target::Base);
        self.limit = None;
        self.offset = 0;
        if self.count == CountMode::Only {
            self.count = CountMode::Include;
        }
        self
    }
}

fn decode(text: &str) -> Result<String, QueryError> {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .map(Cow::into_owned)
        .map_err(|_| QueryError("Invalid query string: not UTF-8 after decoding".to_string()))
}

fn entity_target(schema: &Schema, name: &str) -> Option<Target> {
    if name.eq_ignore_ascii_case(schema.base.name) {
        return Some(Target::Base);
    }
    schema
        .subs
        .iter()
        .position(|sub| sub.name.eq_ignore_ascii_case(name))
        .map(Target::Sub)
}

fn entity_of(schema: &Schema, target: Target) -> &'static EntityDef {
    match target {
        Target::Base => schema.base,
        Target::Sub(sub) => schema.subs[sub],
    }
}

fn parse_clause(schema: &Schema, clause: &str) -> Result<Clause, QueryError> {
    let malformed = || QueryError(format!("Invalid filtering clause '{clause}'"));
    let text = clause.trim_start();
    let (subject_text, rest) = text.split_once(' ').ok_or_else(malformed)?;
    let (op_text, value) = match rest.split_once(' ') {
        Some((op_text, value)) => (op_text, Some(value)),
        None => (rest, None),
    };
    if subject_text.is_empty() || op_text.is_empty() {
        return Err(malformed());
    }
    let op = Op::parse(op_text)
        .ok_or_else(|| QueryError(format!("Unknown operator '{op_text}' in '{clause}'")))?;
    let value = match (op, value) {
        (Op::Ex | Op::Nex, value) => value.unwrap_or(""),
        (_, Some(value)) => value,
        (_, None) => {
            return Err(QueryError(format!(
                "Invalid filtering clause '{clause}': missing value"
            )));
        }
    };

    let (target, subject) = parse_subject(schema, subject_text, op)?;
    let entity = entity_of(schema, target);
    if let Subject::Field(field) = subject {
        let def = &entity.fields[field];
        if def.kind == ValueKind::Integer && op.is_text_only() {
            return Err(QueryError(format!(
                "Operator '{op_text}' cannot be used on the integer field '{}'",
                def.key
            )));
        }
    }
    if subject == Subject::Entity && !value.is_empty() {
        return Err(QueryError(format!(
            "Invalid filtering clause '{clause}': '{op_text}' on an entity takes no value"
        )));
    }
    let values: Vec<String> = if matches!(op, Op::In | Op::Nin) {
        value.split(';').map(str::to_lowercase).collect()
    } else {
        vec![value.to_lowercase()]
    };
    let numbers: Vec<Option<f64>> = values.iter().map(|value| parse_number(value)).collect();
    if let Subject::Field(field) = subject {
        let def = &entity.fields[field];
        let needs_number = !matches!(op, Op::Ex | Op::Nex) || !value.is_empty();
        if def.kind == ValueKind::Integer && needs_number && numbers.iter().any(Option::is_none) {
            return Err(QueryError(format!(
                "Invalid value '{value}' for the integer field '{}'",
                def.key
            )));
        }
    }
    Ok(Clause {
        target,
        subject,
        op,
        values,
        numbers,
    })
}

fn parse_subject(schema: &Schema, text: &str, op: Op) -> Result<(Target, Subject), QueryError> {
    let (target, field_name) = match text.split_once('.') {
        Some((entity, field)) => (
            entity_target(schema, entity)
                .ok_or_else(|| QueryError(format!("Unknown entity '{entity}'")))?,
            field,
        ),
        None => {
            if let Some(Target::Sub(sub)) = entity_target(schema, text) {
                if matches!(op, Op::Ex | Op::Nex) {
                    return Ok((Target::Sub(sub), Subject::Entity));
                }
                return Err(QueryError(format!(
                    "Entity '{text}' needs a field, as in '{text}.name'"
                )));
            }
            (Target::Base, text)
        }
    };
    if field_name == "*" {
        if matches!(op, Op::Ex | Op::Nex) {
            return Err(QueryError(format!(
                "Operator ex/nex cannot be used on the '*' field in '{text}'"
            )));
        }
        return Ok((target, Subject::AnyField));
    }
    let entity = entity_of(schema, target);
    let field = entity.field_index(field_name).ok_or_else(|| {
        QueryError(format!(
            "Unknown field '{field_name}' for entity '{}'",
            entity.name
        ))
    })?;
    Ok((target, Subject::Field(field)))
}

fn parse_sort_key(schema: &Schema, text: &str) -> Result<SortKey, QueryError> {
    let malformed = || QueryError(format!("Invalid sorting '{text}'"));
    let mut words = text.split(' ').filter(|word| !word.is_empty());
    let subject = words.next().ok_or_else(malformed)?;
    let descending = match words.next() {
        None => false,
        Some(word) if word.eq_ignore_ascii_case("asc") => false,
        Some(word) if word.eq_ignore_ascii_case("desc") => true,
        Some(word) => {
            return Err(QueryError(format!(
                "Invalid sort direction '{word}' in '{text}'"
            )));
        }
    };
    if words.next().is_some() {
        return Err(malformed());
    }
    let (target, field_name) = match subject.split_once('.') {
        Some((entity, field)) => (
            entity_target(schema, entity)
                .ok_or_else(|| QueryError(format!("Unknown entity '{entity}'")))?,
            field,
        ),
        None => (Target::Base, subject),
    };
    let entity = entity_of(schema, target);
    let field = entity.field_index(field_name).ok_or_else(|| {
        QueryError(format!(
            "Unknown field '{field_name}' for entity '{}'",
            entity.name
        ))
    })?;
    Ok(SortKey {
        target,
        field,
        descending,
    })
}

fn parse_paging(text: &str, query: &mut Query) -> Result<(), QueryError> {
    let malformed = || QueryError(format!("Invalid paging '{text}'"));
    let words: Vec<&str> = text.split(' ').filter(|word| !word.is_empty()).collect();
    if words.is_empty() || !words.len().is_multiple_of(2) {
        return Err(malformed());
    }
    for pair in words.chunks(2) {
        let (keyword, value) = (pair[0], pair[1]);
        if keyword.eq_ignore_ascii_case("limit") {
            query.limit = if value.eq_ignore_ascii_case("all") {
                None
            } else {
                match value.parse::<usize>().map_err(|_| malformed())? {
                    0 => None,
                    limit => Some(limit),
                }
            };
        } else if keyword.eq_ignore_ascii_case("offset") {
            query.offset = value.parse::<usize>().map_err(|_| malformed())?;
        } else {
            return Err(malformed());
        }
    }
    Ok(())
}

fn parse_shaping(schema: &Schema, text: &str, query: &mut Query) -> Result<(), QueryError> {
    for item in text.split(',') {
        let malformed = || QueryError(format!("Invalid shaping '{item}'"));
        let mut words = item.split(' ').filter(|word| !word.is_empty());
        let (entity, level) = match (words.next(), words.next(), words.next()) {
            (Some(entity), Some(level), None) => (entity, level),
            _ => return Err(malformed()),
        };
        let target = entity_target(schema, entity)
            .ok_or_else(|| QueryError(format!("Unknown entity '{entity}'")))?;
        let level = Level::parse(level)
            .ok_or_else(|| QueryError(format!("Unknown shaping level '{level}'")))?;
        match target {
            Target::Base => query.base_level = level,
            Target::Sub(sub) => query.sub_levels[sub] = Some(level),
        }
    }
    Ok(())
}

fn parse_number(text: &str) -> Option<f64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    text.parse::<f64>().ok().filter(|number| number.is_finite())
}

/// Whether a value counts as present for `ex`: not empty and not a "no value" sentinel.
fn is_present(value: &str) -> bool {
    !value.is_empty() && value != "empty" && value != "0000-00-00 00:00:00"
}

impl Clause {
    /// Whether one value satisfies the comparison (`ex`/`nex` are handled by the caller).
    fn test(&self, kind: ValueKind, value: &str) -> bool {
        let lower = value.to_lowercase();
        let wanted = &self.values[0];
        match self.op {
            Op::Eq => self.equals(kind, &lower, 0),
            Op::Ne => !self.equals(kind, &lower, 0),
            Op::Lt => self.compare(&lower, 0) == Ordering::Less,
            Op::Le => self.compare(&lower, 0) != Ordering::Greater,
            Op::Gt => self.compare(&lower, 0) == Ordering::Greater,
            Op::Ge => self.compare(&lower, 0) != Ordering::Less,
            Op::Co => lower.contains(wanted.as_str()),
            Op::Nc => !lower.contains(wanted.as_str()),
            Op::St => lower.starts_with(wanted.as_str()),
            Op::Ns => !lower.starts_with(wanted.as_str()),
            Op::En => lower.ends_with(wanted.as_str()),
            Op::Nen => !lower.ends_with(wanted.as_str()),
            Op::In => (0..self.values.len()).any(|index| self.equals(kind, &lower, index)),
            Op::Nin => !(0..self.values.len()).any(|index| self.equals(kind, &lower, index)),
            Op::Ex => is_present(value) && (wanted.is_empty() || lower == *wanted),
            Op::Nex => !(is_present(value) && (wanted.is_empty() || lower == *wanted)),
        }
    }

    fn equals(&self, kind: ValueKind, lower: &str, index: usize) -> bool {
        match (kind, self.numbers[index], parse_number(lower)) {
            (ValueKind::Integer, Some(wanted), Some(actual)) => wanted == actual,
            _ => lower == self.values[index],
        }
    }

    fn compare(&self, lower: &str, index: usize) -> Ordering {
        match (parse_number(lower), self.numbers[index]) {
            (Some(actual), Some(wanted)) => actual.total_cmp(&wanted),
            _ => lower.cmp(self.values[index].as_str()),
        }
    }

    /// Whether the field with this kind can take part in a `*` match for this clause.
    fn applies_to(&self, kind: ValueKind) -> bool {
        kind == ValueKind::Text
            || (!self.op.is_text_only() && self.numbers.iter().all(Option::is_some))
    }

    fn matches(&self, dataset: &dyn Dataset, row: u32) -> bool {
        let schema = dataset.schema();
        match self.target {
            Target::Base => {
                let fields = schema.base.fields;
                match self.subject {
                    Subject::Field(field) => {
                        self.test(fields[field].kind, &dataset.value(row, field))
                    }
                    Subject::AnyField => fields.iter().enumerate().any(|(field, def)| {
                        self.applies_to(def.kind) && self.test(def.kind, &dataset.value(row, field))
                    }),
                    Subject::Entity => false,
                }
            }
            Target::Sub(sub) => {
                let items = dataset.sub_len(sub, row);
                let fields = schema.subs[sub].fields;
                match self.subject {
                    Subject::Entity => (items > 0) == (self.op == Op::Ex),
                    // `nex` on a sub-field: no sub-row has the value.
                    Subject::Field(field) if self.op == Op::Nex => !(0..items).any(|item| {
                        let value = dataset.sub_value(sub, row, item, field);
                        is_present(&value)
                            && (self.values[0].is_empty() || value.to_lowercase() == self.values[0])
                    }),
                    Subject::Field(field) => (0..items).any(|item| {
                        self.test(
                            fields[field].kind,
                            &dataset.sub_value(sub, row, item, field),
                        )
                    }),
                    Subject::AnyField => (0..items).any(|item| {
                        fields.iter().enumerate().any(|(field, def)| {
                            self.applies_to(def.kind)
                                && self.test(def.kind, &dataset.sub_value(sub, row, item, field))
                        })
                    }),
                }
            }
        }
    }
}

/// A sort key value: numbers sort before text, so the order is total.
#[derive(Debug, PartialEq)]
enum SortValue {
    Number(f64),
    Text(String),
}

impl SortValue {
    fn of(kind: ValueKind, value: &str) -> SortValue {
        match parse_number(value) {
            Some(number) => SortValue::Number(number),
            None if kind == ValueKind::Integer => SortValue::Number(f64::MIN),
            None => SortValue::Text(value.to_lowercase()),
        }
    }

    fn cmp(&self, other: &SortValue) -> Ordering {
        match (self, other) {
            (SortValue::Number(a), SortValue::Number(b)) => a.total_cmp(b),
            (SortValue::Number(_), SortValue::Text(_)) => Ordering::Less,
            (SortValue::Text(_), SortValue::Number(_)) => Ordering::Greater,
            (SortValue::Text(a), SortValue::Text(b)) => a.cmp(b),
        }
    }
}

fn compare_keys(a: &[SortValue], b: &[SortValue], keys: &[&SortKey]) -> Ordering {
    for ((a, b), key) in a.iter().zip(b).zip(keys) {
        let order = a.cmp(b);
        let order = if key.descending {
            order.reverse()
        } else {
            order
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    Ordering::Equal
}

/// The rows of one answer: how many matched in total, and the rows of the requested page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub total: usize,
    pub rows: Vec<u32>,
}

/// Filters, sorts and pages `candidates` (rows the caller may see, in their natural order).
/// With `ignore_offset` the server behaves like the appliance of pitfall 9.6.
pub fn select(
    dataset: &dyn Dataset,
    query: &Query,
    candidates: impl Iterator<Item = u32>,
    ignore_offset: bool,
) -> Selection {
    let mut rows: Vec<u32> = candidates
        .filter(|&row| {
            query
                .clauses
                .iter()
                .all(|clause| clause.matches(dataset, row))
        })
        .collect();
    let base_keys: Vec<&SortKey> = query
        .sorts
        .iter()
        .filter(|key| key.target == Target::Base)
        .collect();
    if !base_keys.is_empty() {
        let fields = dataset.schema().base.fields;
        let mut keyed: Vec<(Vec<SortValue>, u32)> = rows
            .iter()
            .map(|&row| {
                let values = base_keys
                    .iter()
                    .map(|key| {
                        SortValue::of(fields[key.field].kind, &dataset.value(row, key.field))
                    })
                    .collect();
                (values, row)
            })
            .collect();
        keyed.sort_by(|(a, _), (b, _)| compare_keys(a, b, &base_keys));
        rows = keyed.into_iter().map(|(_, row)| row).collect();
    }
    let total = rows.len();
    let offset = if ignore_offset { 0 } else { query.offset };
    let end = match query.limit {
        Some(limit) => offset.saturating_add(limit).min(total),
        None => total,
    };
    let rows = if offset >= total {
        Vec::new()
    } else {
        rows[offset..end].to_vec()
    };
    Selection { total, rows }
}

/// Appends `text` as a JSON string literal.
pub fn write_json_string(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    let mut start = 0;
    for (index, byte) in text.bytes().enumerate() {
        let escape: Option<&[u8]> = match byte {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            b'\n' => Some(b"\\n"),
            b'\r' => Some(b"\\r"),
            b'\t' => Some(b"\\t"),
            0..=0x1f | 0x7f => None,
            _ => continue,
        };
        out.extend_from_slice(&text.as_bytes()[start..index]);
        match escape {
            Some(escape) => out.extend_from_slice(escape),
            None => out.extend_from_slice(format!("\\u{byte:04x}").as_bytes()),
        }
        start = index + 1;
    }
    out.extend_from_slice(&text.as_bytes()[start..]);
    out.push(b'"');
}

fn write_fields(
    out: &mut Vec<u8>,
    fields: &[FieldDef],
    level: Level,
    mut value: impl FnMut(usize) -> String,
) -> bool {
    let mut first = true;
    for (index, field) in fields.iter().enumerate() {
        if field.level > level {
            continue;
        }
        if !first {
            out.push(b',');
        }
        first = false;
        write_json_string(out, field.key);
        out.push(b':');
        write_json_string(out, &value(index));
    }
    first
}

/// Appends one record, shaped as the query asks, with its shaped sub-entities.
pub fn write_record(dataset: &dyn Dataset, query: &Query, row: u32, out: &mut Vec<u8>) {
    let schema = dataset.schema();
    out.push(b'{');
    let mut empty = write_fields(out, schema.base.fields, query.base_level, |field| {
        dataset.value(row, field).into_owned()
    });
    for (sub, level) in query.sub_levels.iter().enumerate() {
        let Some(level) = *level else { continue };
        let entity = schema.subs[sub];
        if !empty {
            out.push(b',');
        }
        empty = false;
        write_json_string(out, entity.nested_key);
        out.extend_from_slice(b":[");
        for (position, item) in sorted_items(dataset, query, sub, row)
            .into_iter()
            .enumerate()
        {
            if position > 0 {
                out.push(b',');
            }
            out.push(b'{');
            write_fields(out, entity.fields, level, |field| {
                dataset.sub_value(sub, row, item, field).into_owned()
            });
            out.push(b'}');
        }
        out.push(b']');
    }
    out.push(b'}');
}

fn sorted_items(dataset: &dyn Dataset, query: &Query, sub: usize, row: u32) -> Vec<usize> {
    let items: Vec<usize> = (0..dataset.sub_len(sub, row)).collect();
    let keys: Vec<&SortKey> = query
        .sorts
        .iter()
        .filter(|key| key.target == Target::Sub(sub))
        .collect();
    if keys.is_empty() {
        return items;
    }
    let fields = dataset.schema().subs[sub].fields;
    let mut keyed: Vec<(Vec<SortValue>, usize)> = items
        .into_iter()
        .map(|item| {
            let values = keys
                .iter()
                .map(|key| {
                    SortValue::of(
                        fields[key.field].kind,
                        &dataset.sub_value(sub, row, item, key.field),
                    )
                })
                .collect();
            (values, item)
        })
        .collect();
    keyed.sort_by(|(a, _), (b, _)| compare_keys(a, b, &keys));
    keyed.into_iter().map(|(_, item)| item).collect()
}

/// Rows serialized per chunk of a streamed answer.
const ROWS_PER_CHUNK: usize = 200;

/// The answer body as a lazy sequence of chunks: the envelope head, the rows a chunk at a
/// time, the tail. Nothing but the current chunk is ever in memory.
pub struct ListBody {
    dataset: Arc<dyn Dataset>,
    query: Arc<Query>,
    selection: Selection,
    next_row: usize,
    stage: Stage,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Head,
    Rows,
    Done,
}

impl ListBody {
    pub fn new(dataset: Arc<dyn Dataset>, query: Arc<Query>, selection: Selection) -> ListBody {
        ListBody {
            dataset,
            query,
            selection,
            next_row: 0,
            stage: Stage::Head,
        }
    }

    /// The whole body at once (for small answers).
    pub fn collect_all(self) -> Vec<u8> {
        let mut out = Vec::new();
        for chunk in self {
            out.extend_from_slice(&chunk);
        }
        out
    }
}

impl Iterator for ListBody {
    type Item = Bytes;

    fn next(&mut self) -> Option<Bytes> {
        let list_key = self.dataset.schema().list_key;
        match self.stage {
            Stage::Done => None,
            Stage::Head => {
                let mut out = Vec::new();
                match self.query.count {
                    CountMode::Only => {
                        out.extend_from_slice(
                            format!("{{\"Count\":{}}}", self.selection.total).as_bytes(),
                        );
                        self.stage = Stage::Done;
                        return Some(Bytes::from(out));
                    }
                    CountMode::Include => {
                        out.extend_from_slice(
                            format!("{{\"Count\":{},", self.selection.total).as_bytes(),
                        );
                    }
                    CountMode::Omit => out.push(b'{'),
                }
                write_json_string(&mut out, list_key);
                out.extend_from_slice(b":[");
                self.stage = Stage::Rows;
                Some(Bytes::from(out))
            }
            Stage::Rows => {
                let mut out = Vec::new();
                let end = (self.next_row + ROWS_PER_CHUNK).min(self.selection.rows.len());
                for position in self.next_row..end {
                    if position > 0 {
                        out.push(b',');
                    }
                    write_record(
                        self.dataset.as_ref(),
                        &self.query,
                        self.selection.rows[position],
                        &mut out,
                    );
                }
                self.next_row = end;
                if end == self.selection.rows.len() {
                    out.extend_from_slice(b"]}");
                    self.stage = Stage::Done;
                }
                Some(Bytes::from(out))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    static THING: EntityDef = EntityDef {
        name: "thing",
        nested_key: "Thing",
        fields: &[
            FieldDef::new("Id", Level::Limited, ValueKind::Integer),
            FieldDef::new("Name", Level::Limited, ValueKind::Text),
            FieldDef::new("Os_name", Level::Standard, ValueKind::Text),
            FieldDef::new("Ram Total", Level::Standard, ValueKind::Text),
            FieldDef::new("Created", Level::Standard, ValueKind::Text),
            FieldDef::new("Serial", Level::Extended, ValueKind::Text),
            FieldDef::new("Secret_id", Level::All, ValueKind::Text),
        ],
        aliases: &[],
    };
    static PART: EntityDef = EntityDef {
        name: "software",
        nested_key: "Software",
        fields: &[
            FieldDef::new("ID", Level::Limited, ValueKind::Integer),
            FieldDef::new("DISPLAY_NAME", Level::Limited, ValueKind::Text),
            FieldDef::new("DISPLAY_VERSION", Level::Standard, ValueKind::Text),
        ],
        aliases: &[("name", "DISPLAY_NAME"), ("version", "DISPLAY_VERSION")],
    };
    static SCHEMA: Schema = Schema {
        base: &THING,
        list_key: "Things",
        subs: &[&PART],
    };

    struct Row {
        values: [String; 7],
        software: Vec<[String; 3]>,
    }

    struct Things(Vec<Row>);

    impl Dataset for Things {
        fn schema(&self) -> &'static Schema {
            &SCHEMA
        }
        fn value(&self, row: u32, field: usize) -> Cow<'_, str> {
            Cow::Borrowed(&self.0[row as usize].values[field])
        }
        fn sub_len(&self, _sub: usize, row: u32) -> usize {
            self.0[row as usize].software.len()
        }
        fn sub_value(&self, _sub: usize, row: u32, item: usize, field: usize) -> Cow<'_, str> {
            Cow::Borrowed(&self.0[row as usize].software[item][field])
        }
    }

    fn row(
        id: u32,
        name: &str,
        os: &str,
        ram: &str,
        created: &str,
        software: &[(&str, &str)],
    ) -> Row {
        Row {
            values: [
                id.to_string(),
                name.to_string(),
                os.to_string(),
                ram.to_string(),
                created.to_string(),
                format!("SN{id}"),
                format!("secret-{id}"),
            ],
            software: software
                .iter()
                .enumerate()
                .map(|(index, (name, version))| {
                    [
                        (id * 100 + index as u32).to_string(),
                        name.to_string(),
                        version.to_string(),
                    ]
                })
                .collect(),
        }
    }

    /// Ids 1, 2, 3, 4, 10: "10" sorts before "2" as text, so numeric handling shows.
    fn things() -> Things {
        Things(vec![
            row(
                1,
                "Alpha",
                "Windows 10",
                "8192 Bytes",
                "2024-01-05 10:00:00",
                &[("Google Chrome", "124.0"), ("7-Zip", "23.01")],
            ),
            row(
                2,
                "beta",
                "Windows 11",
                "16384 Bytes",
                "2023-06-01 00:00:00",
                &[("Mozilla Firefox", "125.0")],
            ),
            row(
                3,
                "Gamma Ray",
                "macOS 14",
                "empty",
                "0000-00-00 00:00:00",
                &[],
            ),
            row(
                4,
                "delta",
                "Ubuntu",
                "",
                "2024-03-01 12:00:00",
                &[("Google Chrome", "125.0"), ("Word", "16.0")],
            ),
            row(
                10,
                "Alpha Two",
                "Windows 10",
                "4096 Bytes",
                "2024-02-01 08:00:00",
                &[("word", "15.0")],
            ),
        ])
    }

    fn run_on(data: &Things, query: &str) -> Result<(usize, Vec<String>), String> {
        let query = Query::from_query_string(&SCHEMA, Some(query)).map_err(|error| error.0)?;
        let selection = select(data, &query, 0..data.0.len() as u32, false);
        let ids = selection
            .rows
            .iter()
            .map(|&row| data.0[row as usize].values[0].clone())
            .collect();
        Ok((selection.total, ids))
    }

    fn ids(query: &str) -> Vec<String> {
        match run_on(&things(), query) {
            Ok((_, ids)) => ids,
            Err(error) => panic!("{query}: {error}"),
        }
    }

    fn rejected(query: &str) -> String {
        match run_on(&things(), query) {
            Ok(result) => panic!("{query} was accepted: {result:?}"),
            Err(error) => error,
        }
    }

    fn render(data: Things, query: &str) -> Value {
        let parsed = Query::from_query_string(&SCHEMA, Some(query)).expect(query);
        let selection = select(&data, &parsed, 0..data.0.len() as u32, false);
        let body = ListBody::new(Arc::new(data), Arc::new(parsed), selection).collect_all();
        serde_json::from_slice(&body).expect("valid JSON")
    }

    fn keys(record: &Value) -> Vec<String> {
        // serde_json sorts object keys; the order on the wire is checked from the raw text.
        record
            .as_object()
            .expect("object")
            .keys()
            .cloned()
            .collect()
    }

    #[test]
    fn equality_operators_ignore_case() {
        assert_eq!(ids("filtering=name eq ALPHA"), ["1"]);
        assert_eq!(ids("filtering=name ne alpha"), ["2", "3", "4", "10"]);
        assert_eq!(ids("filtering=name neq alpha"), ["2", "3", "4", "10"]);
        assert_eq!(ids("filtering=id eq 10"), ["10"]);
    }

    #[test]
    fn ordering_operators_are_numeric_on_numbers_and_textual_on_dates() {
        assert_eq!(ids("filtering=id gt 2"), ["3", "4", "10"]);
        assert_eq!(ids("filtering=id ge 4"), ["4", "10"]);
        assert_eq!(ids("filtering=id lt 3"), ["1", "2"]);
        assert_eq!(ids("filtering=id le 3"), ["1", "2", "3"]);
        assert_eq!(
            ids("filtering=created lt 2024-01-01 00:00:00"),
            ["2", "3"],
            "the zero date sorts before every date"
        );
        assert_eq!(ids("filtering=created ge 2024-02-01 08:00:00"), ["4", "10"]);
    }

    #[test]
    fn text_operators_and_their_negations() {
        assert_eq!(ids("filtering=name co ALPHA"), ["1", "10"]);
        assert_eq!(ids("filtering=name nc alpha"), ["2", "3", "4"]);
        assert_eq!(ids("filtering=name nco alpha"), ["2", "3", "4"]);
        assert_eq!(ids("filtering=name st a"), ["1", "10"]);
        assert_eq!(ids("filtering=name ns a"), ["2", "3", "4"]);
        assert_eq!(ids("filtering=name nst a"), ["2", "3", "4"]);
        assert_eq!(ids("filtering=name en TA"), ["2", "4"]);
        assert_eq!(ids("filtering=name end ta"), ["2", "4"]);
        assert_eq!(ids("filtering=name nen ta"), ["1", "3", "10"]);
        assert_eq!(ids("filtering=name nend ta"), ["1", "3", "10"]);
    }

    #[test]
    fn sets_use_semicolons() {
        assert_eq!(ids("filtering=id in 1;4;99"), ["1", "4"]);
        assert_eq!(ids("filtering=id nin 1;4"), ["2", "3", "10"]);
        assert_eq!(ids("filtering=name in BETA;delta"), ["2", "4"]);
        assert_eq!(
            ids("filtering=os_name nin windows 10;windows 11"),
            ["3", "4"]
        );
    }

    #[test]
    fn existence_on_fields_and_sub_entities() {
        assert_eq!(ids("filtering=software ex"), ["1", "2", "4", "10"]);
        assert_eq!(ids("filtering=software nex"), ["3"]);
        assert_eq!(ids("filtering=software.name ex word"), ["4", "10"]);
        assert_eq!(ids("filtering=software.name nex word"), ["1", "2", "3"]);
        assert_eq!(
            ids("filtering=ram_total ex"),
            ["1", "2", "10"],
            "empty and the \"empty\" sentinel do not exist"
        );
        assert_eq!(ids("filtering=ram_total nex"), ["3", "4"]);
        assert_eq!(ids("filtering=created nex"), ["3"]);
    }

    #[test]
    fn wildcard_field_matches_any_field() {
        assert_eq!(ids("filtering=* co ray"), ["3"]);
        assert_eq!(ids("filtering=* co SN1"), ["1", "10"]);
        assert_eq!(ids("filtering=* eq 10"), ["10"]);
        assert_eq!(ids("filtering=software.* co firefox"), ["2"]);
        assert_eq!(ids("filtering=* co ubuntu,software.name eq word"), ["4"]);
    }

    #[test]
    fn sub_entity_fields_and_aliases() {
        assert_eq!(ids("filtering=software.name eq google chrome"), ["1", "4"]);
        assert_eq!(
            ids("filtering=software.display_name eq Google Chrome"),
            ["1", "4"]
        );
        assert_eq!(
            ids("filtering=SOFTWARE.DISPLAY_VERSION st 12"),
            ["1", "2", "4"]
        );
        assert_eq!(ids("filtering=software.version gt 100"), ["1", "2", "4"]);
        // Join semantics: machine 1 has software that is not Chrome, so it matches `ne`.
        assert_eq!(
            ids("filtering=software.name ne google chrome"),
            ["1", "2", "4", "10"]
        );
        assert_eq!(ids("filtering=software.id eq 401"), ["4"]);
    }

    #[test]
    fn field_names_are_case_insensitive_and_may_name_the_entity() {
        assert_eq!(ids("filtering=NAME eq alpha"), ["1"]);
        assert_eq!(ids("filtering=Thing.Name eq alpha"), ["1"]);
        assert_eq!(ids("filtering=THING.ID eq 2"), ["2"]);
        assert_eq!(ids("filtering=Ram_Total eq 8192 bytes"), ["1"]);
    }

    #[test]
    fn commas_mean_and_and_values_keep_their_spaces() {
        assert_eq!(ids("filtering=os_name co windows,id gt 1"), ["2", "10"]);
        assert_eq!(ids("filtering=name eq Gamma Ray"), ["3"]);
        assert_eq!(ids("filtering=name eq alpha two"), ["10"]);
        assert_eq!(
            ids("filtering=os_name eq windows 10,name st alpha t"),
            ["10"]
        );
        assert_eq!(
            ids("filtering=name%20eq%20Gamma%20Ray"),
            ["3"],
            "percent-encoded spaces"
        );
        assert!(ids("filtering=name eq gamma").is_empty(), "eq is not co");
    }

    #[test]
    fn bad_filters_are_rejected_with_a_reason() {
        assert!(rejected("filtering=colour eq red").contains("Unknown field 'colour'"));
        assert!(rejected("filtering=name like alpha").contains("Unknown operator 'like'"));
        assert!(rejected("filtering=disk.size gt 1").contains("Unknown entity 'disk'"));
        assert!(rejected("filtering=software.colour eq red").contains("Unknown field"));
        assert!(rejected("filtering=name eq").contains("missing value"));
        assert!(rejected("filtering=name").contains("Invalid filtering clause"));
        assert!(rejected("filtering=").contains("Invalid filtering clause"));
        assert!(rejected("filtering=name eq a,").contains("Invalid filtering clause"));
        assert!(rejected("filtering=id co 1").contains("integer field"));
        assert!(rejected("filtering=id gt abc").contains("Invalid value"));
        assert!(rejected("filtering=id in 1;x").contains("Invalid value"));
        assert!(rejected("filtering=software eq x").contains("needs a field"));
        assert!(rejected("filtering=software ex chrome").contains("takes no value"));
        assert!(rejected("filtering=* ex").contains("'*'"));
        assert!(
            rejected("filtering=name+eq+alpha").contains("Invalid filtering clause"),
            "+ is not a space"
        );
        assert!(rejected("filtering=name eq %FF").contains("UTF-8"));
    }

    #[test]
    fn sorting_by_one_or_several_keys() {
        assert_eq!(ids("sorting=name"), ["1", "10", "2", "4", "3"]);
        assert_eq!(ids("sorting=name asc"), ["1", "10", "2", "4", "3"]);
        assert_eq!(ids("sorting=thing.name DESC"), ["3", "4", "2", "10", "1"]);
        assert_eq!(
            ids("sorting=id desc"),
            ["10", "4", "3", "2", "1"],
            "numeric, not text"
        );
        assert_eq!(
            ids("sorting=os_name asc,id desc"),
            ["3", "4", "10", "1", "2"]
        );
        assert_eq!(ids("sorting=created asc"), ["3", "2", "1", "10", "4"]);
        assert!(rejected("sorting=name up").contains("Invalid sort direction"));
        assert!(rejected("sorting=colour").contains("Unknown field"));
        assert!(rejected("sorting=name asc extra").contains("Invalid sorting"));
        assert!(rejected("sorting=disk.size").contains("Unknown entity"));
    }

    #[test]
    fn sorting_a_sub_entity_orders_the_nested_rows_and_pulls_them_in() {
        let body = render(things(), "sorting=software.name desc&filtering=id eq 1");
        let software = &body["Things"][0]["Software"];
        assert_eq!(software[0]["DISPLAY_NAME"], "Google Chrome");
        assert_eq!(software[1]["DISPLAY_NAME"], "7-Zip");
        assert_eq!(
            keys(&software[0]),
            ["DISPLAY_NAME", "DISPLAY_VERSION", "ID"],
            "STANDARD level"
        );
        let limited = render(
            things(),
            "sorting=software.name&shaping=software limited&filtering=id eq 1",
        );
        assert_eq!(
            keys(&limited["Things"][0]["Software"][0]),
            ["DISPLAY_NAME", "ID"]
        );
        assert_eq!(limited["Things"][0]["Software"][0]["DISPLAY_NAME"], "7-Zip");
    }

    fn many(count: u32) -> Things {
        Things(
            (1..=count)
                .map(|id| {
                    row(
                        id,
                        &format!("M{id:03}"),
                        "Linux",
                        "1 Bytes",
                        "2024-01-01 00:00:00",
                        &[],
                    )
                })
                .collect(),
        )
    }

    #[test]
    fn paging_defaults_to_fifty_and_honours_limit_and_offset() {
        let data = many(120);
        let (total, rows) = run_on(&data, "").unwrap();
        assert_eq!((total, rows.len()), (120, 50));
        assert_eq!(rows[0], "1");
        let (total, rows) = run_on(&data, "paging=limit 10 offset 30").unwrap();
        assert_eq!(
            (total, rows.first().map(String::as_str), rows.len()),
            (120, Some("31"), 10)
        );
        let (_, rows) = run_on(&data, "paging=offset 115 limit 10").unwrap();
        assert_eq!(rows, ["116", "117", "118", "119", "120"]);
        let (_, rows) = run_on(&data, "paging=offset 200").unwrap();
        assert!(rows.is_empty());
        assert_eq!(run_on(&data, "paging=limit ALL").unwrap().1.len(), 120);
        assert_eq!(run_on(&data, "paging=LIMIT all").unwrap().1.len(), 120);
        assert_eq!(run_on(&data, "paging=limit 0").unwrap().1.len(), 120);
        assert_eq!(run_on(&data, "paging=offset 100").unwrap().1.len(), 20);
        for bad in [
            "paging=limit",
            "paging=limit -1",
            "paging=limit ten",
            "paging=page 2",
            "paging=",
            "paging=offset x",
        ] {
            assert!(
                run_on(&data, bad).unwrap_err().contains("Invalid paging"),
                "{bad}"
            );
        }
    }

    #[test]
    fn ignoring_offset_repeats_the_first_page() {
        let data = many(30);
        let query = Query::from_query_string(&SCHEMA, Some("paging=limit 10 offset 10")).unwrap();
        let selection = select(&data, &query, 0..30, true);
        assert_eq!(selection.rows, (0..10).collect::<Vec<u32>>());
    }

    #[test]
    fn shaping_levels_choose_the_fields_in_table_order() {
        let limited = render(things(), "shaping=thing limited&filtering=id eq 1");
        assert_eq!(keys(&limited["Things"][0]), ["Id", "Name"]);
        let standard = render(things(), "filtering=id eq 1");
        assert_eq!(
            keys(&standard["Things"][0]),
            ["Created", "Id", "Name", "Os_name", "Ram Total"]
        );
        let extended = render(things(), "shaping=THING Extended&filtering=id eq 1");
        assert!(extended["Things"][0].get("Serial").is_some());
        assert!(extended["Things"][0].get("Secret_id").is_none());
        let all = render(things(), "shaping=thing ALL,software all&filtering=id eq 1");
        assert_eq!(all["Things"][0]["Secret_id"], "secret-1");
        assert_eq!(
            all["Things"][0]["Software"][0],
            json!({"ID": "100", "DISPLAY_NAME": "Google Chrome", "DISPLAY_VERSION": "124.0"})
        );
        assert!(
            standard["Things"][0].get("Software").is_none(),
            "sub-entities only when asked"
        );
        let empty = render(things(), "shaping=software standard&filtering=id eq 3");
        assert_eq!(empty["Things"][0]["Software"], json!([]));
        for (bad, reason) in [
            ("shaping=thing", "Invalid shaping"),
            ("shaping=thing huge", "Unknown shaping level"),
            ("shaping=disk all", "Unknown entity"),
            ("shaping=thing all extra", "Invalid shaping"),
        ] {
            assert!(rejected(bad).contains(reason), "{bad}");
        }
    }

    #[test]
    fn raw_key_order_follows_the_field_table() {
        let data = things();
        let query = Query::from_query_string(&SCHEMA, Some("shaping=thing all")).unwrap();
        let mut out = Vec::new();
        write_record(&data, &query, 0, &mut out);
        let text = String::from_utf8(out).unwrap();
        let positions: Vec<usize> = [
            "\"Id\"",
            "\"Name\"",
            "\"Os_name\"",
            "\"Ram Total\"",
            "\"Created\"",
            "\"Serial\"",
            "\"Secret_id\"",
        ]
        .iter()
        .map(|key| text.find(key).expect(key))
        .collect();
        assert!(positions.windows(2).all(|pair| pair[0] < pair[1]), "{text}");
    }

    #[test]
    fn counting_can_be_left_out_or_be_the_whole_answer() {
        assert_eq!(
            render(things(), "use_count_only=true&filtering=name co alpha"),
            json!({"Count": 2})
        );
        let without = render(things(), "use_count=false&filtering=id eq 2");
        assert!(without.get("Count").is_none());
        assert_eq!(without["Things"][0]["Id"], "2");
        let with = render(things(), "use_count=true&paging=limit 1");
        assert_eq!(with["Count"], 5);
        assert_eq!(with["Things"].as_array().unwrap().len(), 1);
        assert_eq!(
            render(things(), "use_count_only=false&paging=limit 1")["Count"],
            5
        );
    }

    #[test]
    fn long_answers_stream_in_valid_chunks() {
        let data = many(450);
        let query = Arc::new(Query::from_query_string(&SCHEMA, Some("paging=limit ALL")).unwrap());
        let selection = select(&data, &query, 0..450, false);
        let chunks: Vec<Bytes> = ListBody::new(Arc::new(data), query, selection).collect();
        assert!(chunks.len() >= 4, "head, three row chunks, tail");
        let body: Vec<u8> = chunks.concat();
        let value: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(value["Things"].as_array().unwrap().len(), 450);
        assert_eq!(value["Things"][449]["Name"], "M450");
    }

    #[test]
    fn json_strings_escape_everything_json_requires() {
        let mut out = Vec::new();
        write_json_string(&mut out, "a\"b\\c\n\r\t\u{0}\u{1b}\u{7f}é🖥");
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, "\"a\\\"b\\\\c\\n\\r\\t\\u0000\\u001b\\u007fé🖥\"");
        let back: String = serde_json::from_str(&text).unwrap();
        assert_eq!(back, "a\"b\\c\n\r\t\u{0}\u{1b}\u{7f}é🖥");
    }
}
