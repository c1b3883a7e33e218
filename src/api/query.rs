//! The typed query builder for the list routes: `filtering`, `sorting`, `paging`, `shaping`
//! and `use_count` (reference §5).
//!
//! The appliance has no escape for a comma inside a filter value (a comma separates clauses),
//! so such a value is rejected with [`ApiError::InvalidQuery`] instead of silently changing the
//! query. Encoding follows what working clients send: spaces as `%20`, and `,` `;` `.` kept
//! literal because they are part of the syntax.

use std::fmt;
use std::str::FromStr;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::error::ApiError;

/// Characters sent as they are; everything else is percent-encoded (so a space is `%20`,
/// never `+`). `,` `;` `.` are query syntax, `-` `_` `~` are unreserved, and `:` `*` are
/// legal in a query and common in values (times) and fields (the `*` wildcard).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b',')
    .remove(b';')
    .remove(b':')
    .remove(b'*');

/// A filter operator (reference §5.2, plus `gt`, which works although the guide omits it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// Contains.
    Co,
    /// Does not contain.
    Nc,
    /// Starts with.
    St,
    /// Does not start with.
    Ns,
    /// Ends with.
    En,
    /// Does not end with.
    Nen,
    /// In a `;`-separated set.
    In,
    /// Not in a `;`-separated set.
    Nin,
    /// Related data exists (value optional).
    Ex,
    /// Related data does not exist (value optional).
    Nex,
}

impl Op {
    /// Every operator, for help texts.
    pub const ALL: [Op; 16] = [
        Op::Eq,
        Op::Ne,
        Op::Lt,
        Op::Le,
        Op::Gt,
        Op::Ge,
        Op::Co,
        Op::Nc,
        Op::St,
        Op::Ns,
        Op::En,
        Op::Nen,
        Op::In,
        Op::Nin,
        Op::Ex,
        Op::Nex,
    ];

    /// The operator as the appliance spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Ne => "ne",
            Op::Lt => "lt",
            Op::Le => "le",
            Op::Gt => "gt",
            Op::Ge => "ge",
            Op::Co => "co",
            Op::Nc => "nc",
            Op::St => "st",
            Op::Ns => "ns",
            Op::En => "en",
            Op::Nen => "nen",
            Op::In => "in",
            Op::Nin => "nin",
            Op::Ex => "ex",
            Op::Nex => "nex",
        }
    }

    /// `ex` and `nex` test for related data and need no value.
    pub fn value_optional(self) -> bool {
        matches!(self, Op::Ex | Op::Nex)
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Op {
    type Err = ApiError;

    /// Accepts the operators and the long aliases the guide lists (`neq`, `nco`, `nst`,
    /// `end`, `nend`), in any case.
    fn from_str(text: &str) -> Result<Op, ApiError> {
        let op = match text.to_ascii_lowercase().as_str() {
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
            _ => {
                let known: Vec<&str> = Op::ALL.iter().map(|op| op.as_str()).collect();
                return Err(ApiError::InvalidQuery(format!(
                    "unknown operator \"{text}\" (one of: {})",
                    known.join(", ")
                )));
            }
        };
        Ok(op)
    }
}

/// One filter clause: `[entity.]field op value`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    /// Field, optionally prefixed with its entity (`software.name`), or `*` for any field.
    pub field: String,
    pub op: Op,
    /// The value as the user means it; `in`/`nin` take `;`-separated values.
    pub value: String,
}

impl Filter {
    pub fn new(field: impl Into<String>, op: Op, value: impl Into<String>) -> Filter {
        Filter {
            field: field.into(),
            op,
            value: value.into(),
        }
    }

    /// Parses the command-line form `FIELD OP VALUE` (the value may contain spaces; `ex` and
    /// `nex` need none), e.g. `os_name co Windows 11`.
    pub fn parse(text: &str) -> Result<Filter, ApiError> {
        let text = text.trim();
        let (field, rest) = split_word(text);
        let (op, value) = split_word(rest);
        if field.is_empty() || op.is_empty() {
            return Err(ApiError::InvalidQuery(format!(
                "filter \"{text}\" is not of the form FIELD OP VALUE (e.g. \"os_name co Windows\")"
            )));
        }
        let filter = Filter::new(field, op.parse()?, value.trim());
        filter.validate()?;
        Ok(filter)
    }

    /// Checks that the appliance can express the clause exactly.
    pub fn validate(&self) -> Result<(), ApiError> {
        validate_field(&self.field)?;
        if self.value.contains(',') {
            return Err(ApiError::InvalidQuery(format!(
                "the value \"{}\" of the filter on {} contains a comma, which the appliance \
                 reads as the start of another clause; remove the comma (use {} with \
                 several filters instead)",
                self.value,
                self.field,
                if matches!(self.op, Op::In | Op::Nin) {
                    "';' between set values"
                } else {
                    "co"
                }
            )));
        }
        if self.value.trim().is_empty() && !self.op.value_optional() {
            return Err(ApiError::InvalidQuery(format!(
                "the filter {} {} needs a value",
                self.field, self.op
            )));
        }
        if self.value.chars().any(char::is_control) {
            return Err(ApiError::InvalidQuery(format!(
                "the value of the filter on {} contains a control character",
                self.field
            )));
        }
        Ok(())
    }

    /// The clause as the appliance reads it, before percent-encoding.
    fn clause(&self) -> String {
        let value = self.value.trim();
        if value.is_empty() {
            format!("{} {}", self.field, self.op)
        } else {
            format!("{} {} {}", self.field, self.op, value)
        }
    }
}

/// Sort direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Direction {
    #[default]
    Asc,
    Desc,
}

/// One sort key: `[entity.]field asc|desc`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SortKey {
    pub field: String,
    pub direction: Direction,
}

impl SortKey {
    pub fn new(field: impl Into<String>, direction: Direction) -> SortKey {
        SortKey {
            field: field.into(),
            direction,
        }
    }

    /// Parses the command-line form `FIELD` or `FIELD asc|desc`.
    pub fn parse(text: &str) -> Result<SortKey, ApiError> {
        let text = text.trim();
        let (field, rest) = split_word(text);
        let direction = match rest.trim().to_ascii_lowercase().as_str() {
            "" | "asc" => Direction::Asc,
            "desc" => Direction::Desc,
            other => {
                return Err(ApiError::InvalidQuery(format!(
                    "sort direction \"{other}\" is neither asc nor desc"
                )));
            }
        };
        validate_field(field)?;
        Ok(SortKey::new(field, direction))
    }
}

/// Shaping level (reference §5.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Level {
    /// Id and name.
    Limited,
    /// The usual fields (the default for the base entity).
    Standard,
    /// Most data.
    Extended,
    /// Everything, including foreign keys.
    All,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Limited => "limited",
            Level::Standard => "standard",
            Level::Extended => "extended",
            Level::All => "all",
        }
    }
}

impl FromStr for Level {
    type Err = ApiError;

    fn from_str(text: &str) -> Result<Level, ApiError> {
        match text.to_ascii_lowercase().as_str() {
            "limited" => Ok(Level::Limited),
            "standard" => Ok(Level::Standard),
            "extended" => Ok(Level::Extended),
            "all" => Ok(Level::All),
            _ => Err(ApiError::InvalidQuery(format!(
                "shaping level \"{text}\" is not one of limited, standard, extended, all"
            ))),
        }
    }
}

/// One shaping entry: which entity, at which level.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shape {
    pub entity: String,
    pub level: Level,
}

/// `paging=limit N offset M`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paging {
    pub limit: u64,
    pub offset: u64,
}

/// A list query: filtering, sorting, paging and shaping.
///
/// For a streaming load of every machine the client does its own paging; there `paging.limit`
/// caps the total number of machines loaded (the CLI's `--limit`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Query {
    /// All clauses must match.
    pub filters: Vec<Filter>,
    /// Applied left to right.
    pub sort: Vec<SortKey>,
    pub paging: Option<Paging>,
    pub shaping: Vec<Shape>,
    /// `use_count=false` saves the appliance counting; `None` leaves the default (counted).
    pub use_count: Option<bool>,
    /// Client side only (not sent): decode just the typed fields of each machine and leave
    /// `extra` empty, for a list that shows only those (saves an allocation per field).
    pub typed_fields_only: bool,
}

impl Query {
    pub fn new() -> Query {
        Query::default()
    }

    /// Adds a filter clause (all clauses must match).
    pub fn filter(mut self, field: impl Into<String>, op: Op, value: impl Into<String>) -> Query {
        self.filters.push(Filter::new(field, op, value));
        self
    }

    /// Adds a sort key.
    pub fn sort(mut self, field: impl Into<String>, direction: Direction) -> Query {
        self.sort.push(SortKey::new(field, direction));
        self
    }

    /// Sets `paging=limit N offset M`.
    pub fn page(mut self, limit: u64, offset: u64) -> Query {
        self.paging = Some(Paging { limit, offset });
        self
    }

    /// Adds a shaping entry, e.g. `("machine", Level::All)`.
    pub fn shape(mut self, entity: impl Into<String>, level: Level) -> Query {
        self.shaping.push(Shape {
            entity: entity.into(),
            level,
        });
        self
    }

    pub fn use_count(mut self, count: bool) -> Query {
        self.use_count = Some(count);
        self
    }

    /// See [`Query::typed_fields_only`].
    pub fn typed_fields_only(mut self) -> Query {
        self.typed_fields_only = true;
        self
    }

    /// Checks every part; the same check runs before anything is sent.
    pub fn validate(&self) -> Result<(), ApiError> {
        for filter in &self.filters {
            filter.validate()?;
        }
        for key in &self.sort {
            validate_field(&key.field)?;
        }
        for shape in &self.shaping {
            validate_field(&shape.entity)?;
        }
        Ok(())
    }

    /// The encoded query string (without the leading `?`), e.g.
    /// `filtering=os_name%20co%20Windows&paging=limit%20100%20offset%200`.
    pub fn to_query_string(&self) -> Result<String, ApiError> {
        self.validate()?;
        let mut parts: Vec<String> = Vec::new();
        if !self.filters.is_empty() {
            let clauses: Vec<String> = self.filters.iter().map(|f| encode(&f.clause())).collect();
            parts.push(format!("filtering={}", clauses.join(",")));
        }
        if !self.sort.is_empty() {
            let keys: Vec<String> = self
                .sort
                .iter()
                .map(|key| {
                    let direction = match key.direction {
                        Direction::Asc => "asc",
                        Direction::Desc => "desc",
                    };
                    encode(&format!("{} {direction}", key.field))
                })
                .collect();
            parts.push(format!("sorting={}", keys.join(",")));
        }
        if !self.shaping.is_empty() {
            let shapes: Vec<String> = self
                .shaping
                .iter()
                .map(|shape| encode(&format!("{} {}", shape.entity, shape.level.as_str())))
                .collect();
            parts.push(format!("shaping={}", shapes.join(",")));
        }
        if let Some(paging) = self.paging {
            parts.push(format!(
                "paging={}",
                encode(&format!("limit {} offset {}", paging.limit, paging.offset))
            ));
        }
        if let Some(count) = self.use_count {
            parts.push(format!("use_count={count}"));
        }
        Ok(parts.join("&"))
    }
}

fn encode(text: &str) -> String {
    utf8_percent_encode(text, QUERY_VALUE).to_string()
}

/// Splits off the first whitespace-separated word; the rest keeps its inner spaces.
fn split_word(text: &str) -> (&str, &str) {
    let text = text.trim_start();
    match text.find(char::is_whitespace) {
        Some(at) => (&text[..at], text[at..].trim_start()),
        None => (text, ""),
    }
}

/// Field and entity names: letters, digits, `_`, `.` between entity and field, or `*`.
fn validate_field(field: &str) -> Result<(), ApiError> {
    let ok = !field.is_empty()
        && (field == "*"
            || field
                .split('.')
                .all(|part| !part.is_empty() && part.bytes().all(is_name_byte)));
    if ok {
        Ok(())
    } else {
        Err(ApiError::InvalidQuery(format!(
            "\"{field}\" is not a field name (letters, digits and _ , optionally entity.field)"
        )))
    }
}

fn is_name_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_the_reference_example_exactly() {
        let query = Query::new()
            .filter("os_name", Op::Co, "Windows")
            .filter("software.name", Op::Eq, "Google Chrome")
            .sort("machine.name", Direction::Asc)
            .shape("machine", Level::All)
            .shape("software", Level::Limited)
            .page(100, 0);
        assert_eq!(
            query.to_query_string().unwrap(),
            "filtering=os_name%20co%20Windows,software.name%20eq%20Google%20Chrome\
             &sorting=machine.name%20asc&shaping=machine%20all,software%20limited\
             &paging=limit%20100%20offset%200"
        );
    }

    #[test]
    fn keeps_syntax_literal_and_escapes_everything_else() {
        let query = Query::new()
            .filter("id", Op::In, "100;101;108")
            .filter("created", Op::Gt, "2020-03-11 08:30:41")
            .filter("*", Op::Co, "a&b=c+d#e%f/g?h\"ü")
            .use_count(false);
        assert_eq!(
            query.to_query_string().unwrap(),
            "filtering=id%20in%20100;101;108,created%20gt%202020-03-11%2008:30:41,\
             *%20co%20a%26b%3Dc%2Bd%23e%25f%2Fg%3Fh%22%C3%BC&use_count=false"
        );
    }

    #[test]
    fn an_empty_query_is_an_empty_string() {
        assert_eq!(Query::new().to_query_string().unwrap(), "");
    }

    #[test]
    fn existence_needs_no_value_and_sorting_directions_are_spelled_out() {
        let query = Query::new()
            .filter("location", Op::Ex, "")
            .filter("software.name", Op::Nex, "")
            .sort("machine.id", Direction::Desc)
            .sort("software.name", Direction::Asc);
        assert_eq!(
            query.to_query_string().unwrap(),
            "filtering=location%20ex,software.name%20nex\
             &sorting=machine.id%20desc,software.name%20asc"
        );
    }

    #[test]
    fn a_comma_in_a_value_is_rejected_not_sent() {
        let query = Query::new().filter("name", Op::Eq, "Doe, Jane");
        let error = query.to_query_string().unwrap_err();
        assert!(matches!(error, ApiError::InvalidQuery(ref text) if text.contains("comma")));
        assert!(Filter::parse("name eq Doe, Jane").is_err());
    }

    #[test]
    fn bad_fields_and_missing_values_are_rejected() {
        for bad in [
            Query::new().filter("", Op::Eq, "x"),
            Query::new().filter("os name", Op::Eq, "x"),
            Query::new().filter("name,id", Op::Eq, "x"),
            Query::new().filter("software.", Op::Eq, "x"),
            Query::new().filter("name", Op::Eq, "  "),
            Query::new().filter("name", Op::Eq, "a\nb"),
            Query::new().sort("name desc", Direction::Asc),
            Query::new().shape("machine all", Level::All),
        ] {
            assert!(
                matches!(bad.to_query_string(), Err(ApiError::InvalidQuery(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn parses_the_command_line_filter_form() {
        assert_eq!(
            Filter::parse("  os_name   co   Windows 11 Pro ").unwrap(),
            Filter::new("os_name", Op::Co, "Windows 11 Pro")
        );
        assert_eq!(
            Filter::parse("id GT 1000").unwrap(),
            Filter::new("id", Op::Gt, "1000")
        );
        assert_eq!(
            Filter::parse("name neq x").unwrap(),
            Filter::new("name", Op::Ne, "x")
        );
        assert_eq!(
            Filter::parse("software ex").unwrap(),
            Filter::new("software", Op::Ex, "")
        );
        assert_eq!(
            Filter::parse("id nin 1;2;3").unwrap(),
            Filter::new("id", Op::Nin, "1;2;3")
        );
        for bad in ["", "name", "name eq", "name like x", "na-me eq x"] {
            assert!(Filter::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn parses_the_command_line_sort_form() {
        assert_eq!(
            SortKey::parse("name").unwrap(),
            SortKey::new("name", Direction::Asc)
        );
        assert_eq!(
            SortKey::parse("machine.last_sync DESC").unwrap(),
            SortKey::new("machine.last_sync", Direction::Desc)
        );
        assert!(SortKey::parse("name sideways").is_err());
        assert!(SortKey::parse("").is_err());
    }

    #[test]
    fn every_operator_round_trips_through_its_spelling() {
        for op in Op::ALL {
            assert_eq!(op.as_str().parse::<Op>().unwrap(), op);
            assert_eq!(op.as_str().to_uppercase().parse::<Op>().unwrap(), op);
        }
        assert_eq!("ALL".parse::<Level>().unwrap(), Level::All);
        assert!("huge".parse::<Level>().is_err());
    }
}
