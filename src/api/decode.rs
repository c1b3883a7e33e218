//! Lenient decoding of appliance JSON into the compact records of [`model`](super::model).
//!
//! Lenient where appliances differ (reference §7.2, §7.3, §9): keys match case-insensitively,
//! ids and counts may be strings or numbers, `null` and missing fields are fine, the sentinels
//! `"0000-00-00 00:00:00"` and `"empty"` read as absent, unknown fields are kept in `extra`.
//! Strict where it matters: a body that is not JSON, or lacks the expected list, is an
//! [`ApiError::Decode`] naming the call; a record without a usable `Id` is skipped and counted.
//!
//! Machine pages are decoded straight from the bytes with a streaming visitor (no
//! `serde_json::Value` per record), because that is the hot path for 100,000 machines.

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::error::ApiError;
use super::model::{
    CurrentUser, Machine, MachineDetail, Organization, Role, SUMMARY_EXTRA_FIELDS, Software, Text,
    Timestamp,
};

/// One decoded page of a list route.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The appliance's `Count` (all matching records, not just this page), when sent.
    pub count: Option<u64>,
    /// Records dropped because their `Id` was missing or unusable.
    pub skipped: usize,
}

/// The error envelope `{"errorCode": n, "errorDescription": "..."}` (reference §6).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ErrorBody {
    pub code: Option<i64>,
    pub description: String,
}

/// Decodes a page of `GET /api/inventory/machines` (`{"Count": n, "Machines": [...]}`).
pub fn machines_page(call: &str, body: &[u8]) -> Result<Page<Machine>, ApiError> {
    machines_of(decode_envelope(
        call,
        body,
        "Machines",
        RecordKind::Machine,
    )?)
}

/// [`machines_page`] keeping only the typed fields and the [`SUMMARY_EXTRA_FIELDS`]: the
/// other fields are skipped (an unparsable time is still kept raw in `extra`).
pub fn machines_page_typed_only(call: &str, body: &[u8]) -> Result<Page<Machine>, ApiError> {
    machines_of(decode_envelope(
        call,
        body,
        "Machines",
        RecordKind::MachineTypedOnly,
    )?)
}

fn machines_of(page: Page<Record>) -> Result<Page<Machine>, ApiError> {
    Ok(Page {
        items: page
            .items
            .into_iter()
            .filter_map(|record| match record {
                Record::Machine(machine, _) => Some(machine),
                Record::Software(_) => None,
            })
            .collect(),
        count: page.count,
        skipped: page.skipped,
    })
}

/// Decodes `GET /api/inventory/machines/{id}?shaping=machine all,software ...`: the first
/// machine of the envelope with its `Software` list.
pub fn machine_detail(call: &str, body: &[u8]) -> Result<MachineDetail, ApiError> {
    let page = decode_envelope(call, body, "Machines", RecordKind::MachineWithSoftware)?;
    let skipped = page.skipped;
    match page.items.into_iter().next() {
        Some(Record::Machine(machine, software)) => Ok(MachineDetail { machine, software }),
        _ if skipped > 0 => Err(ApiError::Decode {
            call: call.to_string(),
            detail: "the machine record has no usable Id".to_string(),
        }),
        _ => Err(ApiError::NotFound(format!("{call}: no such machine"))),
    }
}

/// Decodes a page of `GET /api/inventory/softwares` (`{"Count": n, "Software": [...]}`).
pub fn software_page(call: &str, body: &[u8]) -> Result<Page<Software>, ApiError> {
    let page = decode_envelope(call, body, "Software", RecordKind::Software)?;
    Ok(Page {
        items: page
            .items
            .into_iter()
            .filter_map(|record| match record {
                Record::Software(software) => Some(software),
                Record::Machine(..) => None,
            })
            .collect(),
        count: page.count,
        skipped: page.skipped,
    })
}

/// Decodes `GET /ams/shared/api/organizations`. The shape is undocumented (reference §3):
/// accepted are `{"Organizations": [...]}`, any other single list in an object, or a bare
/// list; each entry needs an id (`id`, `organizationId`, ...) and a name (`name`,
/// `organizationName`, ...).
pub fn organizations(call: &str, body: &[u8]) -> Result<Vec<Organization>, ApiError> {
    let value = parse_value(call, body)?;
    let list = match &value {
        Value::Array(list) => list,
        Value::Object(map) => match field(map, &["organizations", "orgs"]) {
            Some(Value::Array(list)) => list,
            _ => match map.values().find_map(Value::as_array) {
                Some(list) => list,
                None => {
                    return Err(ApiError::Decode {
                        call: call.to_string(),
                        detail: "no list of organizations in the answer".to_string(),
                    });
                }
            },
        },
        _ => {
            return Err(ApiError::Decode {
                call: call.to_string(),
                detail: "expected a JSON object or list".to_string(),
            });
        }
    };
    let orgs = list
        .iter()
        .filter_map(|entry| {
            let map = entry.as_object()?;
            let id = field(map, &["id", "organizationid", "orgid"]).and_then(value_to_id)?;
            let name =
                field(map, &["name", "organizationname", "orgname"]).and_then(value_to_string)?;
            Some(Organization { id, name })
        })
        .collect();
    Ok(orgs)
}

/// Decodes `GET /api/users/me`. The shape is undocumented (reference §4): accepted are the
/// user object itself, `{"Users": [user]}` or `{"User": user}`.
pub fn current_user(call: &str, body: &[u8]) -> Result<CurrentUser, ApiError> {
    let value = parse_value(call, body)?;
    let bad = |detail: &str| ApiError::Decode {
        call: call.to_string(),
        detail: detail.to_string(),
    };
    let mut map = value
        .as_object()
        .ok_or_else(|| bad("expected a JSON object"))?;
    if let Some(inner) = field(map, &["users", "user"]) {
        map = match inner {
            Value::Array(list) => list.first().and_then(Value::as_object),
            Value::Object(inner) => Some(inner),
            _ => None,
        }
        .ok_or_else(|| bad("the user list is empty"))?;
    }
    let id = field(map, &["id", "userid"])
        .and_then(value_to_id)
        .unwrap_or(0);
    let user_name = field(map, &["username", "login", "name"])
        .and_then(value_to_string)
        .ok_or_else(|| bad("no user name in the answer"))?;
    let full_name = field(map, &["fullname", "displayname"])
        .and_then(value_to_string)
        .unwrap_or_default();
    let role_name = match field(map, &["role", "rolename", "roles"]) {
        Some(Value::Object(role)) => field(role, &["name", "rolename"]).and_then(value_to_string),
        Some(Value::Array(roles)) => roles.first().and_then(|role| match role {
            Value::Object(role) => field(role, &["name", "rolename"]).and_then(value_to_string),
            other => value_to_string(other),
        }),
        Some(other) => value_to_string(other),
        None => None,
    };
    Ok(CurrentUser {
        id,
        user_name,
        full_name,
        role: role_name
            .as_deref()
            .map(role_from_name)
            .unwrap_or(Role::Other(String::new())),
    })
}

/// Reads the error envelope of a failed call; `None` if the body is not one.
pub fn error_body(body: &[u8]) -> Option<ErrorBody> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let map = value.as_object()?;
    let description = field(map, &["errordescription", "error", "message"])
        .and_then(value_to_string)
        .unwrap_or_default();
    let code = field(map, &["errorcode", "code"]).and_then(|code| match code {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    });
    if description.is_empty() && code.is_none() {
        return None;
    }
    Some(ErrorBody { code, description })
}

/// Maps a role name as the appliance writes it ("Administrator", "Read Only Administrator",
/// "User", ...) onto [`Role`]; spacing, dashes and case do not matter.
pub fn role_from_name(name: &str) -> Role {
    let key: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    match key.as_str() {
        "administrator" | "admin" => Role::Administrator,
        "readonlyadministrator" | "readonlyadmin" => Role::ReadOnlyAdministrator,
        "user" | "standarduser" | "standard" => Role::StandardUser,
        _ => Role::Other(name.to_string()),
    }
}

// ---------------------------------------------------------------------------------------------
// Streaming envelope and record visitors.

#[derive(Clone, Copy)]
enum RecordKind {
    Machine,
    /// A machine without its `extra` fields.
    MachineTypedOnly,
    MachineWithSoftware,
    Software,
}

enum Record {
    Machine(Machine, Vec<Software>),
    Software(Software),
}

fn decode_envelope(
    call: &str,
    body: &[u8],
    list_key: &'static str,
    kind: RecordKind,
) -> Result<Page<Record>, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let envelope = EnvelopeSeed { list_key, kind }
        .deserialize(&mut deserializer)
        .and_then(|envelope| deserializer.end().map(|()| envelope))
        .map_err(|error| json_error(call, &error))?;
    match envelope.items {
        Some(items) => Ok(Page {
            items,
            count: envelope.count,
            skipped: envelope.skipped,
        }),
        // An empty result may leave the list out; anything else is not the expected answer.
        None if envelope.count == Some(0) => Ok(Page {
            items: Vec::new(),
            count: Some(0),
            skipped: 0,
        }),
        None => Err(ApiError::Decode {
            call: call.to_string(),
            detail: format!("no \"{list_key}\" list in the answer"),
        }),
    }
}

fn json_error(call: &str, error: &serde_json::Error) -> ApiError {
    let detail = if error.is_eof() {
        format!("the answer ends too early (truncated?) at {error}")
    } else {
        error.to_string()
    };
    ApiError::Decode {
        call: call.to_string(),
        detail,
    }
}

struct Envelope {
    items: Option<Vec<Record>>,
    count: Option<u64>,
    skipped: usize,
}

struct EnvelopeSeed {
    list_key: &'static str,
    kind: RecordKind,
}

impl<'de> DeserializeSeed<'de> for EnvelopeSeed {
    type Value = Envelope;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Envelope, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for EnvelopeSeed {
    type Value = Envelope;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a JSON object with a \"{}\" list", self.list_key)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Envelope, A::Error> {
        let mut envelope = Envelope {
            items: None,
            count: None,
            skipped: 0,
        };
        while let Some(key) = map.next_key_seed(KeySeed)? {
            if key.eq_ignore_ascii_case(self.list_key) {
                let list = map.next_value_seed(ListSeed { kind: self.kind })?;
                envelope.skipped += list.skipped;
                envelope
                    .items
                    .get_or_insert_with(Vec::new)
                    .extend(list.items);
            } else if key.eq_ignore_ascii_case("count") {
                envelope.count = map.next_value_seed(ScalarSeed)?.and_then(|n| parse_id(&n));
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(envelope)
    }

    /// A bare list is read as the records themselves.
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Envelope, A::Error> {
        let list = ListSeed { kind: self.kind }.visit_seq(seq)?;
        Ok(Envelope {
            items: Some(list.items),
            count: None,
            skipped: list.skipped,
        })
    }
}

struct RecordList {
    items: Vec<Record>,
    skipped: usize,
}

struct ListSeed {
    kind: RecordKind,
}

impl<'de> DeserializeSeed<'de> for ListSeed {
    type Value = RecordList;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<RecordList, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ListSeed {
    type Value = RecordList;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RecordList, A::Error> {
        let mut list = RecordList {
            items: Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096)),
            skipped: 0,
        };
        while let Some(record) = seq.next_element_seed(RecordSeed { kind: self.kind })? {
            match record {
                Some(record) => list.items.push(record),
                None => list.skipped += 1,
            }
        }
        Ok(list)
    }

    /// `null` instead of a list: no records.
    fn visit_unit<E>(self) -> Result<RecordList, E> {
        Ok(RecordList {
            items: Vec::new(),
            skipped: 0,
        })
    }
}

/// One record; `None` when it is not an object or has no usable id (skipped and counted).
struct RecordSeed {
    kind: RecordKind,
}

impl<'de> DeserializeSeed<'de> for RecordSeed {
    type Value = Option<Record>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed {
    type Value = Option<Record>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a record object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        match self.kind {
            RecordKind::Machine => read_machine(map, false, true),
            RecordKind::MachineTypedOnly => read_machine(map, false, false),
            RecordKind::MachineWithSoftware => read_machine(map, true, true),
            RecordKind::Software => Ok(read_software(map)?.map(Record::Software)),
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// The machine fields with a typed place in [`Machine`] (and the id), and the `extra` fields
/// the summary shows.
fn is_typed_machine_field(key: &str) -> bool {
    SUMMARY_EXTRA_FIELDS
        .iter()
        .any(|summary| key.eq_ignore_ascii_case(summary))
        || [
            "id",
            "name",
            "ip",
            "os_name",
            "user",
            "cs_model",
            "cs_manufacturer",
            "bios_serial_number",
            "mac",
            "last_sync",
            "last_inventory",
        ]
        .iter()
        .any(|typed| key.eq_ignore_ascii_case(typed))
}

fn read_machine<'de, A: MapAccess<'de>>(
    mut map: A,
    with_software: bool,
    with_extra: bool,
) -> Result<Option<Record>, A::Error> {
    let mut machine = Machine::default();
    let mut id = None;
    let mut software = Vec::new();
    while let Some(key) = map.next_key_seed(KeySeed)? {
        let key: &str = &key;
        if key.eq_ignore_ascii_case("software") {
            if with_software {
                let list = map.next_value_seed(ListSeed {
                    kind: RecordKind::Software,
                })?;
                software.extend(list.items.into_iter().filter_map(|record| match record {
                    Record::Software(software) => Some(software),
                    Record::Machine(..) => None,
                }));
            } else {
                map.next_value::<IgnoredAny>()?;
            }
            continue;
        }
        if !with_extra && !is_typed_machine_field(key) {
            map.next_value::<IgnoredAny>()?;
            continue;
        }
        let value = map.next_value_seed(ScalarSeed)?;
        if key.eq_ignore_ascii_case("id") {
            id = value.as_deref().and_then(parse_id);
            continue;
        }
        let text = value.filter(|v| !is_sentinel(v));
        let slot = match key {
            k if k.eq_ignore_ascii_case("name") => &mut machine.name,
            k if k.eq_ignore_ascii_case("ip") => &mut machine.ip,
            k if k.eq_ignore_ascii_case("os_name") => &mut machine.os_name,
            k if k.eq_ignore_ascii_case("user") => &mut machine.user,
            k if k.eq_ignore_ascii_case("cs_model") => &mut machine.model,
            k if k.eq_ignore_ascii_case("cs_manufacturer") => &mut machine.manufacturer,
            k if k.eq_ignore_ascii_case("bios_serial_number") => &mut machine.serial,
            k if k.eq_ignore_ascii_case("mac") => &mut machine.mac,
            k if k.eq_ignore_ascii_case("last_sync") => {
                read_time(key, text, &mut machine.last_sync, &mut machine.extra);
                continue;
            }
            k if k.eq_ignore_ascii_case("last_inventory") => {
                read_time(key, text, &mut machine.last_inventory, &mut machine.extra);
                continue;
            }
            _ => {
                machine
                    .extra
                    .push((Text::new(key), text.unwrap_or_default()));
                continue;
            }
        };
        *slot = text.unwrap_or_default();
    }
    let Some(id) = id else {
        return Ok(None);
    };
    machine.id = id;
    machine.extra.shrink_to_fit();
    Ok(Some(Record::Machine(machine, software)))
}

/// A time column: parsed when it can be; an unparsable value is kept raw in `extra` so
/// nothing the appliance sent is lost.
fn read_time(
    key: &str,
    text: Option<Text>,
    slot: &mut Option<Timestamp>,
    extra: &mut Vec<(Text, Text)>,
) {
    *slot = text.as_deref().and_then(Timestamp::parse);
    if slot.is_none()
        && let Some(raw) = text
    {
        extra.push((Text::new(key), raw));
    }
}

fn read_software<'de, A: MapAccess<'de>>(mut map: A) -> Result<Option<Software>, A::Error> {
    let mut software = Software::default();
    let mut id = None;
    while let Some(key) = map.next_key_seed(KeySeed)? {
        let key: &str = &key;
        let value = map.next_value_seed(ScalarSeed)?;
        if key.eq_ignore_ascii_case("id") {
            id = value.as_deref().and_then(parse_id);
            continue;
        }
        let text = value.filter(|v| !is_sentinel(v));
        let slot = match key {
            k if k.eq_ignore_ascii_case("display_name") => &mut software.name,
            k if k.eq_ignore_ascii_case("display_version") => &mut software.version,
            k if k.eq_ignore_ascii_case("publisher") => &mut software.publisher,
            k if k.eq_ignore_ascii_case("install_date") => {
                read_time(key, text, &mut software.install_date, &mut software.extra);
                continue;
            }
            _ => {
                software
                    .extra
                    .push((Text::new(key), text.unwrap_or_default()));
                continue;
            }
        };
        *slot = text.unwrap_or_default();
    }
    // The title list may say `NAME` / `VERSION` where the machine sub-entity says
    // `DISPLAY_NAME` / `DISPLAY_VERSION`; those stay in `extra` and fill the gap.
    for (slot, alias) in [
        (&mut software.name, "name"),
        (&mut software.version, "version"),
    ] {
        if slot.is_empty()
            && let Some((_, value)) = software
                .extra
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(alias))
        {
            *slot = value.clone();
        }
    }
    let Some(id) = id else {
        return Ok(None);
    };
    software.id = id;
    software.extra.shrink_to_fit();
    Ok(Some(software))
}

/// `"empty"` and the zero date mean "no value" (reference §7.3).
fn is_sentinel(text: &str) -> bool {
    let text = text.trim();
    text.eq_ignore_ascii_case("empty") || text == "0000-00-00 00:00:00" || text == "0000-00-00"
}

/// Ids and counts: a non-negative integer, as a number or a string (`"12"`, `" 12 "`, `12.0`).
fn parse_id(text: &str) -> Option<u64> {
    let text = text.trim();
    if let Ok(n) = text.parse::<u64>() {
        return Some(n);
    }
    let float: f64 = text.parse().ok()?;
    (float.fract() == 0.0 && (0.0..9.0e15).contains(&float)).then_some(float as u64)
}

/// Object keys, borrowed from the input when they have no escapes.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// Any value as text: strings as they are, numbers and booleans spelled out, `null` as
/// absent, and a nested object or list as its compact JSON (kept, not interpreted).
struct ScalarSeed;

impl<'de> DeserializeSeed<'de> for ScalarSeed {
    type Value = Option<Text>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ScalarSeed {
    type Value = Option<Text>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value")
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(Text::new(v)))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(Text::from(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(compact_str::format_compact!("{v}")))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(compact_str::format_compact!("{v}")))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(compact_str::format_compact!("{v}")))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(Text::const_new(if v { "true" } else { "false" })))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let value: Value =
            serde::Deserialize::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
        Ok(Some(Text::from(value.to_string())))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let value: Value =
            serde::Deserialize::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
        Ok(Some(Text::from(value.to_string())))
    }
}

// ---------------------------------------------------------------------------------------------
// Small answers (organizations, current user, errors) go through `serde_json::Value`.

fn parse_value(call: &str, body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body).map_err(|error| json_error(call, &error))
}

/// Key comparison for the small answers: case, `_`, `-` and spaces do not matter.
fn normalized_key(key: &str) -> String {
    key.chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The first of `names` (normalized spellings) present in `map`, in the order of `names`.
fn field<'a>(map: &'a serde_json::Map<String, Value>, names: &[&str]) -> Option<&'a Value> {
    names.iter().find_map(|name| {
        map.iter()
            .find(|(key, value)| !value.is_null() && normalized_key(key) == *name)
            .map(|(_, value)| value)
    })
}

fn value_to_string(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !is_sentinel(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn value_to_id(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64().or_else(|| parse_id(&n.to_string())),
        Value::String(s) => parse_id(s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every quirk from the reference in one page: string and number ids, a float id, key
    /// casing, `Ram Total`, sentinels, `null`, a missing field, unknown fields, a nested
    /// value, unusable ids (missing, negative, text, `null`), a non-object entry, and a
    /// string `Count`.
    const QUIRKY_PAGE: &str = r#"{
        "count": "7",
        "Warnings": ["ignored"],
        "Machines": [
            {"Id": "1", "Modified": "2020-03-11 08:21:38", "User": "", "Name": "Macbook Pro",
             "Ip": "1.2.3.4", "Os_name": "", "Last_inventory": "0000-00-00 00:00:00",
             "Last_sync": "0000-00-00 00:00:00", "Ram Total": "0 Bytes", "Ram_used": "0",
             "Pagefile_size": "empty", "Manual_entry": "1"},
            {"ID": 1042, "NAME": "WS-FIN-0042", "ip": "10.0.0.1,10.0.0.2", "Cs_Manufacturer": "HP",
             "cs_model": "EliteBook", "Bios_Serial_Number": "5CG1234XYZ", "MAC": null,
             "LAST_SYNC": "2024-05-02 10:01:03", "Last_inventory": "yesterday",
             "Custom_field_value0": 17, "Virtual": false, "Labels": {"a": [1, 2]},
             "Uptime": 1.5},
            {"Name": "no id at all"},
            {"Id": "-3", "Name": "negative id"},
            {"Id": "abc", "Name": "text id"},
            {"Id": null, "Name": "null id"},
            "not an object",
            {"Id": 7.0, "Os_name": "Ubuntu"}
        ]
    }"#;

    #[test]
    fn a_typed_only_page_keeps_the_typed_and_summary_fields_and_drops_the_rest() {
        let body = br#"{"Count": 2, "Machines": [
            {"Id": 7, "Name": "WS-1", "Ip": "10.0.0.1", "Os_name": "Windows 11", "User": "jdoe",
             "Ram_total": "16384 MB", "Chassis_type": "laptop", "Uptime": "3 days",
             "Last_sync": "2024-05-02 10:01:03", "Last_inventory": "garbled", "Mac": "aa:bb"},
            {"Id": "8", "Name": "WS-2", "Modified": "2024-01-01 00:00:00", "Cs_domain": "corp"}
        ]}"#;
        let full = machines_page("list", body).expect("decodes");
        let typed = machines_page_typed_only("list", body).expect("decodes");
        assert_eq!((typed.count, typed.skipped), (full.count, full.skipped));
        assert_eq!(typed.items.len(), 2);
        for (typed, full) in typed.items.iter().zip(&full.items) {
            let kept: Vec<_> = full
                .extra
                .iter()
                .filter(|(key, _)| is_typed_machine_field(key))
                .cloned()
                .collect();
            assert_eq!(
                *typed,
                Machine {
                    extra: kept,
                    ..full.clone()
                }
            );
        }
        let keys = |m: &Machine| {
            m.extra
                .iter()
                .map(|(k, _)| k.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            keys(&typed.items[0]),
            ["Chassis_type", "Uptime", "Last_inventory"]
        );
        assert_eq!(keys(&typed.items[1]), ["Cs_domain"]);
        assert!(keys(&full.items[0]).contains(&"Ram_total".to_string()));
    }

    #[test]
    fn decodes_every_quirk_of_a_machine_page() {
        let page = machines_page("list machines", QUIRKY_PAGE.as_bytes()).unwrap();
        assert_eq!(page.count, Some(7));
        assert_eq!(page.skipped, 5);
        assert_eq!(page.items.len(), 3);

        let manual = &page.items[0];
        assert_eq!(manual.id, 1);
        assert_eq!(manual.name, "Macbook Pro");
        assert_eq!(manual.ip, "1.2.3.4");
        assert_eq!(manual.user, "");
        assert_eq!(manual.last_sync, None);
        assert_eq!(manual.last_inventory, None);
        assert_eq!(manual.field("Ram Total").as_deref(), Some("0 Bytes"));
        assert_eq!(manual.field("ram_total").as_deref(), Some("0 Bytes"));
        assert_eq!(manual.field("Pagefile_size").as_deref(), Some(""));
        assert_eq!(manual.field("manual_entry").as_deref(), Some("1"));
        // Unknown fields keep the key exactly as sent, in order.
        let keys: Vec<&str> = manual.extra.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "Modified",
                "Ram Total",
                "Ram_used",
                "Pagefile_size",
                "Manual_entry"
            ]
        );

        let hp = &page.items[1];
        assert_eq!(hp.id, 1042);
        assert_eq!(hp.name, "WS-FIN-0042");
        assert_eq!(hp.ip, "10.0.0.1,10.0.0.2");
        assert_eq!(hp.manufacturer, "HP");
        assert_eq!(hp.model, "EliteBook");
        assert_eq!(hp.serial, "5CG1234XYZ");
        assert_eq!(hp.mac, "");
        assert_eq!(
            hp.last_sync,
            Timestamp::parse("2024-05-02 10:01:03"),
            "upper-case key"
        );
        assert!(hp.last_sync.is_some());
        assert_eq!(hp.last_inventory, None);
        assert_eq!(hp.field("Last_inventory").as_deref(), Some("yesterday"));
        assert_eq!(hp.field("custom_field_value0").as_deref(), Some("17"));
        assert_eq!(hp.field("Virtual").as_deref(), Some("false"));
        assert_eq!(hp.field("Labels").as_deref(), Some(r#"{"a":[1,2]}"#));
        assert_eq!(hp.field("Uptime").as_deref(), Some("1.5"));

        assert_eq!(page.items[2].id, 7);
        assert_eq!(page.items[2].os_name, "Ubuntu");
    }

    /// Heap and inline bytes one machine record holds (allocator overhead aside).
    fn footprint(machine: &Machine) -> usize {
        let heap = |text: &Text| {
            if text.is_heap_allocated() {
                text.capacity()
            } else {
                0
            }
        };
        let typed = [
            &machine.name,
            &machine.ip,
            &machine.os_name,
            &machine.user,
            &machine.model,
            &machine.manufacturer,
            &machine.serial,
            &machine.mac,
        ];
        std::mem::size_of::<Machine>()
            + typed.into_iter().map(heap).sum::<usize>()
            + machine.extra.capacity() * std::mem::size_of::<(Text, Text)>()
            + machine
                .extra
                .iter()
                .map(|(key, value)| heap(key) + heap(value))
                .sum::<usize>()
    }

    #[test]
    fn a_standard_machine_stays_compact() {
        // The STANDARD key set (reference §7.4) with realistic, rather long values.
        let record = |id: usize| {
            format!(
                r#"{{"Id": "{id}", "Modified": "2024-05-02 09:14:22", "Created": "2022-11-17 13:05:41",
                "User": "CORP\\jdoe", "Name": "WS-FIN-{id:05}", "Ip": "10.20.30.42",
                "Os_name": "Microsoft Windows 11 Enterprise x64", "Os_number": "10.0.22631",
                "Last_inventory": "2024-05-02 09:14:20", "Last_sync": "2024-05-02 10:01:03",
                "Ram Total": "16384 Bytes", "Ram_used": "9321.4", "Ram_max": "65536",
                "Bios_identification_code": "", "Sound_devices": "Realtek High Definition Audio",
                "Cdrom_devices": "", "Video_controllers": "Intel(R) UHD Graphics:1024 MB",
                "Monitor": "Generic PnP Monitor", "Registry_size": "empty",
                "Registry_max_size": "empty", "Pagefile_size": "2048",
                "Pagefile_max_size": "4096", "Manual_entry": "0"}}"#
            )
        };
        let records: Vec<String> = (1..=1_000).map(record).collect();
        let body = format!(r#"{{"Count": 1000, "Machines": [{}]}}"#, records.join(","));
        let page = machines_page("list machines", body.as_bytes()).unwrap();
        assert_eq!(page.items.len(), 1_000);
        let per_machine = page.items.iter().map(footprint).sum::<usize>() / page.items.len();
        // 100,000 of them must stay well under 200 MB including allocator overhead.
        assert!(per_machine <= 1_300, "{per_machine} bytes per machine");
    }

    #[test]
    fn decodes_the_reference_detail_with_software() {
        let body = r#"{"Count": 1, "Machines": [{
            "Id": "1042", "Name": "WS-FIN-0042", "Registry_size": "empty",
            "Software": [
                {"ID": "7310", "DISPLAY_NAME": "Google Chrome", "DISPLAY_VERSION": "124.0",
                 "PUBLISHER": "Google LLC", "INSTALL_DATE": "2024-04-25 00:00:00"},
                {"ID": "7311", "DISPLAY_NAME": "7-Zip 23.01 (x64)", "DISPLAY_VERSION": "23.01",
                 "PUBLISHER": "Igor Pavlov", "INSTALL_DATE": "0000-00-00 00:00:00", "THREAT": "1"},
                {"DISPLAY_NAME": "no id"}
            ]}]}"#;
        let detail = machine_detail("get machine 1042", body.as_bytes()).unwrap();
        assert_eq!(detail.machine.id, 1042);
        assert_eq!(detail.software.len(), 2);
        let chrome = &detail.software[0];
        assert_eq!(
            (chrome.id, chrome.name.as_str(), chrome.version.as_str()),
            (7310, "Google Chrome", "124.0")
        );
        assert_eq!(chrome.publisher, "Google LLC");
        assert!(chrome.install_date.is_some());
        assert_eq!(detail.software[1].install_date, None);
        assert_eq!(
            detail.software[1].extra,
            vec![(Text::new("THREAT"), Text::new("1"))]
        );
        // The list decoder leaves software out of the compact record.
        let page = machines_page("list", body.as_bytes()).unwrap();
        assert!(page.items[0].field("Software").is_none());
    }

    #[test]
    fn a_missing_machine_is_not_found() {
        let error = machine_detail("get machine 9", br#"{"Machines": []}"#).unwrap_err();
        assert!(matches!(error, ApiError::NotFound(_)));
    }

    #[test]
    fn software_titles_accept_name_and_version_spellings() {
        let body = br#"{"Software": [{"Id": 5, "Name": "Firefox", "Version": "125", "Publisher": "Mozilla"}]}"#;
        let page = software_page("list software", body).unwrap();
        assert_eq!(page.count, None);
        assert_eq!(page.items[0].name, "Firefox");
        assert_eq!(page.items[0].version, "125");
        assert_eq!(page.items[0].publisher, "Mozilla");
    }

    #[test]
    fn broken_bodies_are_decode_errors_naming_the_call() {
        let cases: [&[u8]; 8] = [
            b"",
            b"{\"Machines\": [{\"Id\": \"1\", \"Na",
            b"<html>502 Bad Gateway</html>",
            b"{\"Count\": 3}",
            b"{\"Machines\": 5}",
            b"{\"Machines\": []} trailing",
            b"\xff\xfe{}",
            b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
        ];
        for body in cases {
            match machines_page("list machines page 3", body) {
                Err(ApiError::Decode { call, detail }) => {
                    assert_eq!(call, "list machines page 3");
                    assert!(!detail.is_empty());
                }
                other => panic!("{:?} gave {other:?}", String::from_utf8_lossy(body)),
            }
        }
        let truncated = machines_page("p", b"{\"Machines\": [{\"Id\": \"1\"").unwrap_err();
        assert!(truncated.to_string().contains("truncated"), "{truncated}");
    }

    #[test]
    fn an_empty_list_and_a_zero_count_without_list_are_fine() {
        let page = machines_page("p", br#"{"Count": 0}"#).unwrap();
        assert!(page.items.is_empty());
        let page = machines_page("p", br#"{"Count": 0, "Machines": null}"#).unwrap();
        assert!(page.items.is_empty());
        let page = machines_page("p", br#"[{"Id": 3}]"#).unwrap();
        assert_eq!(page.items[0].id, 3);
    }

    #[test]
    fn decoding_never_panics_on_arbitrary_bytes() {
        // A cheap deterministic fuzz: every prefix of the quirky page and byte-flipped copies.
        let body = QUIRKY_PAGE.as_bytes();
        for end in 0..body.len() {
            let _ = machines_page("p", &body[..end]);
            let _ = machine_detail("p", &body[..end]);
            let _ = organizations("p", &body[..end]);
            let _ = current_user("p", &body[..end]);
        }
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..2_000 {
            let mut mutated = body.to_vec();
            for _ in 0..4 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let at = (state % mutated.len() as u64) as usize;
                mutated[at] = (state >> 32) as u8;
            }
            let _ = machines_page("p", &mutated);
            let _ = software_page("p", &mutated);
        }
    }

    #[test]
    fn organizations_in_the_shapes_seen() {
        let orgs = organizations(
            "orgs",
            br#"{"Organizations": [{"id": 1, "name": "Default"}, {"Id": "2", "Name": "Lab"}, {"name": "no id"}]}"#,
        )
        .unwrap();
        assert_eq!(
            orgs,
            vec![
                Organization {
                    id: 1,
                    name: "Default".into()
                },
                Organization {
                    id: 2,
                    name: "Lab".into()
                }
            ]
        );
        let bare = organizations(
            "orgs",
            br#"[{"organizationId": 4, "organizationName": "X"}]"#,
        )
        .unwrap();
        assert_eq!(bare[0].id, 4);
        assert!(matches!(
            organizations("orgs", b"{\"x\": 1}"),
            Err(ApiError::Decode { .. })
        ));
    }

    #[test]
    fn current_user_in_the_shapes_seen() {
        let user = current_user(
            "me",
            br#"{"id": 10, "user_name": "viewer", "full_name": "Vera Viewer", "role": {"id": 2, "name": "Read Only Administrator"}}"#,
        )
        .unwrap();
        assert_eq!(user.id, 10);
        assert_eq!(user.user_name, "viewer");
        assert_eq!(user.full_name, "Vera Viewer");
        assert_eq!(user.role, Role::ReadOnlyAdministrator);
        let wrapped = current_user(
            "me",
            br#"{"Users": [{"Id": "3", "userName": "jdoe", "Role": "User"}]}"#,
        )
        .unwrap();
        assert_eq!(wrapped.user_name, "jdoe");
        assert_eq!(wrapped.role, Role::StandardUser);
        assert!(matches!(
            current_user("me", br#"{"id": 1}"#),
            Err(ApiError::Decode { .. })
        ));
    }

    #[test]
    fn role_names_are_matched_loosely() {
        assert_eq!(role_from_name("Administrator"), Role::Administrator);
        assert_eq!(
            role_from_name("read-only administrator"),
            Role::ReadOnlyAdministrator
        );
        assert_eq!(role_from_name("Standard User"), Role::StandardUser);
        assert_eq!(
            role_from_name("Helpdesk"),
            Role::Other("Helpdesk".to_string())
        );
    }

    #[test]
    fn error_envelopes_are_read() {
        assert_eq!(
            error_body(
                br#"{"errorCode": -1, "errorDescription": "User not fully authenticated."}"#
            ),
            Some(ErrorBody {
                code: Some(-1),
                description: "User not fully authenticated.".into()
            })
        );
        assert_eq!(error_body(b"not json"), None);
        assert_eq!(error_body(br#"{"Machines": []}"#), None);
    }

    /// The nasty cases of reference B.5, each decoded or refused with a clear error.
    #[test]
    fn nasty_corpus() {
        // Numbers, booleans and nulls where strings are expected.
        let page = machines_page(
            "p",
            br#"{"Count": 1, "Machines": [{"Id": 1, "Name": 42, "Ip": -7, "User": true,
                "Os_name": null, "Ram Total": 16384, "Software": null}]}"#,
        )
        .unwrap();
        let machine = &page.items[0];
        assert_eq!(
            (
                machine.name.as_str(),
                machine.ip.as_str(),
                machine.user.as_str()
            ),
            ("42", "-7", "true")
        );
        assert_eq!(machine.os_name, "");
        assert_eq!(machine.field("Ram Total").as_deref(), Some("16384"));

        // Nulls for the envelope and its list.
        let page = machines_page("p", br#"{"Count": null, "Machines": null}"#).unwrap();
        assert_eq!((page.count, page.items.len()), (None, 0));

        // Duplicate keys: the last value wins; a second list adds to the first.
        let page = machines_page(
            "p",
            br#"{"Count": 9, "Machines": [{"Id": "4", "Name": "first", "NAME": "second", "id": "5"}],
                "Count": "2", "machines": [{"Id": 6}]}"#,
        )
        .unwrap();
        assert_eq!(page.count, Some(2));
        assert_eq!(page.items.len(), 2);
        assert_eq!(
            (page.items[0].id, page.items[0].name.as_str()),
            (5, "second")
        );
        assert_eq!(page.items[1].id, 6);
        let orgs = organizations("o", br#"[{"id": 1, "name": "a", "name": "b"}]"#).unwrap();
        assert_eq!(orgs[0].name, "b");

        // A 1 MB field is kept whole (the raw value is what JSON export writes); only the
        // display is capped.
        let huge = "N".repeat(1 << 20);
        let body = format!(r#"{{"Machines": [{{"Id": 1, "Name": "{huge}", "Notes": "{huge}"}}]}}"#);
        let page = machines_page("p", body.as_bytes()).unwrap();
        assert_eq!(page.items[0].name.len(), 1 << 20);
        assert_eq!(page.items[0].field("Notes").map(|n| n.len()), Some(1 << 20));
        let shown = crate::sanitize::for_display(&page.items[0].name);
        assert_eq!(shown.chars().count(), crate::sanitize::MAX_DISPLAY_CHARS);

        // Deeply nested junk in a field is kept as compact JSON up to serde_json's depth
        // limit, and beyond it the page is a decode error, not a stack overflow.
        let nested = |depth: usize| {
            format!(
                r#"{{"Machines": [{{"Id": 1, "Junk": {}1{}}}]}}"#,
                "[".repeat(depth),
                "]".repeat(depth)
            )
        };
        let page = machines_page("p", nested(100).as_bytes()).unwrap();
        assert_eq!(
            page.items[0].field("Junk").as_deref(),
            Some(format!("{}1{}", "[".repeat(100), "]".repeat(100)).as_str())
        );
        for depth in [200, 100_000] {
            let body = nested(depth);
            assert!(matches!(
                machines_page("p", body.as_bytes()),
                Err(ApiError::Decode { .. })
            ));
            assert!(machine_detail("p", body.as_bytes()).is_err());
            let deep_object = format!("{}{}", "{\"a\":".repeat(depth), "}".repeat(depth));
            assert!(organizations("o", deep_object.as_bytes()).is_err());
            assert!(current_user("u", deep_object.as_bytes()).is_err());
            assert_eq!(error_body(deep_object.as_bytes()), None);
        }
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        /// JSON as a tree that can hold duplicate keys (serde_json's `Value` cannot).
        #[derive(Clone, Debug)]
        enum Json {
            Null,
            Bool(bool),
            Int(i64),
            Float(f64),
            Str(String),
            List(Vec<Json>),
            Object(Vec<(String, Json)>),
        }

        impl Json {
            fn write(&self, out: &mut String) {
                match self {
                    Json::Null => out.push_str("null"),
                    Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
                    Json::Int(n) => out.push_str(&n.to_string()),
                    Json::Float(f) => out.push_str(&serde_json::to_string(f).unwrap()),
                    Json::Str(s) => out.push_str(&serde_json::to_string(s).unwrap()),
                    Json::List(items) => {
                        out.push('[');
                        for (index, item) in items.iter().enumerate() {
                            if index > 0 {
                                out.push(',');
                            }
                            item.write(out);
                        }
                        out.push(']');
                    }
                    Json::Object(pairs) => {
                        out.push('{');
                        for (index, (key, value)) in pairs.iter().enumerate() {
                            if index > 0 {
                                out.push(',');
                            }
                            out.push_str(&serde_json::to_string(key).unwrap());
                            out.push(':');
                            value.write(out);
                        }
                        out.push('}');
                    }
                }
            }

            fn text(&self) -> String {
                let mut out = String::new();
                self.write(&mut out);
                out
            }
        }

        fn scalar() -> impl Strategy<Value = Json> {
            prop_oneof![
                Just(Json::Null),
                any::<bool>().prop_map(Json::Bool),
                any::<i64>().prop_map(Json::Int),
                (-1e12f64..1e12).prop_map(Json::Float),
                any::<String>().prop_map(Json::Str),
                Just(Json::Str("empty".into())),
                Just(Json::Str("0000-00-00 00:00:00".into())),
            ]
        }

        /// Any JSON value, nested a few levels, with keys that may repeat.
        fn junk() -> impl Strategy<Value = Json> {
            scalar().prop_recursive(4, 24, 4, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4).prop_map(Json::List),
                    prop::collection::vec(
                        (prop::sample::select(vec!["a", "b", "Id"]), inner),
                        0..4
                    )
                    .prop_map(|pairs| Json::Object(
                        pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
                    )),
                ]
            })
        }

        /// A machine record: an id (number or string), one to three `Name`s in any casing
        /// (the last one counts), maybe a `Ram Total`, and unknown fields holding junk.
        #[derive(Clone, Debug)]
        struct Record {
            id: u64,
            id_as_text: bool,
            names: Vec<(&'static str, Json)>,
            ram_total: Option<String>,
            extras: Vec<(String, Json)>,
        }

        fn record() -> impl Strategy<Value = Record> {
            let name_value = prop_oneof![
                any::<String>().prop_map(Json::Str),
                any::<i64>().prop_map(Json::Int),
                any::<bool>().prop_map(Json::Bool),
                Just(Json::Null),
            ];
            (
                0u64..1_000_000_000_000,
                any::<bool>(),
                prop::collection::vec(
                    (
                        prop::sample::select(vec!["Name", "NAME", "name"]),
                        name_value,
                    ),
                    1..4,
                ),
                proptest::option::of(any::<String>()),
                prop::collection::vec(("X_[a-z]{1,6}", junk()), 0..5),
            )
                .prop_map(|(id, id_as_text, names, ram_total, extras)| Record {
                    id,
                    id_as_text,
                    names,
                    ram_total,
                    extras,
                })
        }

        impl Record {
            fn json(&self) -> Json {
                let id = if self.id_as_text {
                    Json::Str(self.id.to_string())
                } else {
                    Json::Int(self.id as i64)
                };
                let mut pairs = vec![("Id".to_string(), id)];
                pairs.extend(self.names.iter().map(|(k, v)| (k.to_string(), v.clone())));
                if let Some(ram) = &self.ram_total {
                    pairs.push(("Ram Total".to_string(), Json::Str(ram.clone())));
                }
                pairs.extend(self.extras.iter().cloned());
                Json::Object(pairs)
            }

            /// What the decoder must make of the last `Name`.
            fn expected_name(&self) -> String {
                match &self.names.last().expect("at least one name").1 {
                    Json::Str(s) if is_sentinel(s) => String::new(),
                    Json::Str(s) => s.clone(),
                    Json::Int(n) => n.to_string(),
                    Json::Bool(b) => b.to_string(),
                    _ => String::new(),
                }
            }
        }

        /// A page: records with non-object entries (skipped) mixed in, behind a `Count`.
        fn page() -> impl Strategy<Value = (Vec<Record>, Vec<Json>, Json)> {
            let not_an_object = prop_oneof![
                scalar(),
                prop::collection::vec(scalar(), 0..3).prop_map(Json::List),
            ];
            (
                prop::collection::vec(record(), 0..6),
                prop::collection::vec(not_an_object, 0..3),
                any::<u32>(),
            )
                .prop_map(|(records, junk, count)| {
                    let mut entries: Vec<Json> = records.iter().map(Record::json).collect();
                    entries.extend(junk.iter().cloned());
                    let envelope = Json::Object(vec![
                        ("Count".into(), Json::Str(count.to_string())),
                        ("Warnings".into(), Json::List(junk.clone())),
                        ("Machines".into(), Json::List(entries)),
                    ]);
                    (records, junk, envelope)
                })
        }

        proptest! {
            #[test]
            fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
                let _ = machines_page("p", &body);
                let _ = machine_detail("p", &body);
                let _ = software_page("p", &body);
                let _ = organizations("p", &body);
                let _ = current_user("p", &body);
                let _ = error_body(&body);
            }

            #[test]
            fn arbitrary_json_never_panics(value in junk()) {
                let body = value.text();
                let _ = machines_page("p", body.as_bytes());
                let _ = machine_detail("p", body.as_bytes());
                let _ = software_page("p", body.as_bytes());
                let _ = organizations("p", body.as_bytes());
                let _ = current_user("p", body.as_bytes());
                let _ = error_body(body.as_bytes());
            }

            #[test]
            fn every_record_is_decoded_or_counted_as_skipped((records, junk, envelope) in page()) {
                let body = envelope.text();
                let page = machines_page("p", body.as_bytes()).expect("a well-formed page");
                prop_assert_eq!(page.items.len(), records.len());
                prop_assert_eq!(page.skipped, junk.len());
                for (machine, record) in page.items.iter().zip(&records) {
                    prop_assert_eq!(machine.id, record.id);
                    prop_assert_eq!(machine.name.as_str(), record.expected_name());
                    if let Some(ram) = &record.ram_total {
                        let expected = if is_sentinel(ram) { "" } else { ram.as_str() };
                        let ram_field = machine.field("Ram Total");
                        prop_assert_eq!(ram_field.as_deref(), Some(expected));
                    }
                }
            }

            #[test]
            fn a_truncated_page_is_an_error_never_a_partial_page(
                (_, _, envelope) in page(),
                cut in any::<prop::sample::Index>(),
            ) {
                let body = envelope.text();
                let end = cut.index(body.len());
                let result = machines_page("p", &body.as_bytes()[..end]);
                let refused = matches!(result, Err(ApiError::Decode { .. }));
                prop_assert!(refused, "{:?} gave {:?}", &body[..end], result);
            }
        }
    }
}
