//! In-memory records, compact because 100,000 machines must fit comfortably.
//!
//! Strings are [`CompactString`]: values up to 24 bytes (names, IPs, dates, MACs) live inline
//! without a heap allocation. Sentinels the appliance uses for "no value" (`"empty"`,
//! `"0000-00-00 00:00:00"`) are read as absent by the decoder.

use std::borrow::Cow;

use compact_str::CompactString;

/// Text as stored in records.
pub type Text = CompactString;

/// A point in time as the appliance writes it (`YYYY-MM-DD HH:MM:SS`, no time zone), kept as
/// seconds since 1970-01-01 00:00:00 in the appliance's own clock. The appliance's time zone
/// is unknown (reference §7.3), so it is treated as UTC everywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Parses `YYYY-MM-DD HH:MM:SS` (or just `YYYY-MM-DD`). The zero date and anything
    /// malformed give `None`.
    pub fn parse(text: &str) -> Option<Timestamp> {
        let text = text.trim();
        let bytes = text.as_bytes();
        if bytes.len() != 10 && bytes.len() != 19 {
            return None;
        }
        let num = |range: std::ops::Range<usize>| -> Option<i64> {
            let part = text.get(range)?;
            if !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            part.parse().ok()
        };
        if bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = if bytes.len() == 19 {
            if bytes[10] != b' ' && bytes[10] != b'T' || bytes[13] != b':' || bytes[16] != b':' {
                return None;
            }
            (num(11..13)?, num(14..16)?, num(17..19)?)
        } else {
            (0, 0, 0)
        };
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) || year == 0 {
            return None;
        }
        if hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        let days = days_from_civil(year, month, day);
        Some(Timestamp(
            days * 86_400 + hour * 3_600 + minute * 60 + second,
        ))
    }

    /// The current time as a timestamp (UTC).
    pub fn now() -> Timestamp {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Timestamp(secs)
    }

    /// Formats as the appliance does: `YYYY-MM-DD HH:MM:SS`.
    pub fn format(self) -> String {
        let days = self.0.div_euclid(86_400);
        let rem = self.0.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
            rem / 3_600,
            rem % 3_600 / 60,
            rem % 60
        )
    }

    /// A short relative age such as `"3h ago"`, `"12d ago"` or `"just now"`.
    pub fn age(self, now: Timestamp) -> String {
        let secs = now.0 - self.0;
        if secs < 0 {
            return "in future".to_string();
        }
        match secs {
            0..60 => "just now".to_string(),
            60..3_600 => format!("{}m ago", secs / 60),
            3_600..86_400 => format!("{}h ago", secs / 3_600),
            86_400..5_184_000 => format!("{}d ago", secs / 86_400),
            5_184_000..63_072_000 => format!("{}mo ago", secs / 2_592_000),
            _ => format!("{}y ago", secs / 31_536_000),
        }
    }

    /// The first moment after `now` at which [`Timestamp::age`] reads differently, so a
    /// screen showing it can sleep until then instead of redrawing on a timer.
    pub fn age_changes_at(self, now: Timestamp) -> Timestamp {
        let secs = now.0 - self.0;
        // (unit of the number shown, where this wording ends)
        let (unit, bucket_end) = match secs {
            ..0 => return self,
            0..60 => (60, 60),
            60..3_600 => (60, 3_600),
            3_600..86_400 => (3_600, 86_400),
            86_400..5_184_000 => (86_400, 5_184_000),
            5_184_000..63_072_000 => (2_592_000, 63_072_000),
            _ => (31_536_000, i64::MAX),
        };
        let next_unit = (secs / unit + 1).saturating_mul(unit);
        Timestamp(self.0.saturating_add(next_unit.min(bucket_end)))
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The `extra` fields the machine summary shows, in its order. A list loaded with only the
/// typed fields keeps these, so the summary is complete before the full record arrives.
pub const SUMMARY_EXTRA_FIELDS: [&str; 4] =
    ["Chassis_type", "Cs_domain", "Uptime", "Client_version"];

/// One machine of the inventory, as the list view, the filter and headless output need it.
///
/// The well-known columns are typed fields; every other field the appliance sent is kept in
/// `extra` (key exactly as sent, raw value) so the detail view and JSON export lose nothing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Machine {
    /// `Id`: unique within one organization only.
    pub id: u64,
    /// `Name`.
    pub name: Text,
    /// `Ip`: may hold several comma-separated addresses.
    pub ip: Text,
    /// `Os_name`.
    pub os_name: Text,
    /// `User`: may hold several comma-separated users.
    pub user: Text,
    /// `Cs_model`: only present with EXTENDED or ALL shaping.
    pub model: Text,
    /// `Cs_manufacturer`: only present with EXTENDED or ALL shaping.
    pub manufacturer: Text,
    /// `Bios_serial_number`: only present with EXTENDED or ALL shaping.
    pub serial: Text,
    /// `Mac`: only present with EXTENDED or ALL shaping.
    pub mac: Text,
    /// `Last_sync`: the last agent check-in; `None` for "never".
    pub last_sync: Option<Timestamp>,
    /// `Last_inventory`.
    pub last_inventory: Option<Timestamp>,
    /// Every other field, in the order the appliance sent them: (key as sent, raw value).
    pub extra: Vec<(Text, Text)>,
}

impl Machine {
    /// Any field by the appliance's name, typed or kept in `extra`: case does not matter, and
    /// a space matches `_` (so `ram_total` finds `"Ram Total"`). Times come formatted as the
    /// appliance writes them. `None` when the appliance did not send the field.
    pub fn field(&self, name: &str) -> Option<Cow<'_, str>> {
        let typed: Option<&Text> = match () {
            _ if same_key(name, "Name") => Some(&self.name),
            _ if same_key(name, "Ip") => Some(&self.ip),
            _ if same_key(name, "Os_name") => Some(&self.os_name),
            _ if same_key(name, "User") => Some(&self.user),
            _ if same_key(name, "Cs_model") => Some(&self.model),
            _ if same_key(name, "Cs_manufacturer") => Some(&self.manufacturer),
            _ if same_key(name, "Bios_serial_number") => Some(&self.serial),
            _ if same_key(name, "Mac") => Some(&self.mac),
            _ => None,
        };
        if let Some(text) = typed {
            return Some(Cow::Borrowed(text.as_str()));
        }
        if same_key(name, "Id") {
            return Some(Cow::Owned(self.id.to_string()));
        }
        for (key, time) in [
            ("Last_sync", self.last_sync),
            ("Last_inventory", self.last_inventory),
        ] {
            if same_key(name, key)
                && let Some(time) = time
            {
                return Some(Cow::Owned(time.format()));
            }
        }
        self.extra
            .iter()
            .find(|(key, _)| same_key(key, name))
            .map(|(_, value)| Cow::Borrowed(value.as_str()))
    }
}

/// Field names compare without case, and a space equals `_` (`"Ram Total"` = `ram_total`).
pub fn same_key(a: &str, b: &str) -> bool {
    let fold = |byte: u8| match byte {
        b' ' => b'_',
        other => other.to_ascii_lowercase(),
    };
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| fold(x) == fold(y))
}

/// One software title installed on a machine (the `Software` sub-entity, upper-case keys).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Software {
    /// `ID`.
    pub id: u64,
    /// `DISPLAY_NAME`.
    pub name: Text,
    /// `DISPLAY_VERSION`.
    pub version: Text,
    /// `PUBLISHER`.
    pub publisher: Text,
    /// `INSTALL_DATE`; `None` for the zero date.
    pub install_date: Option<Timestamp>,
    /// Every other field: (key as sent, raw value).
    pub extra: Vec<(Text, Text)>,
}

/// A machine with everything the detail view shows: the full record and its software.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MachineDetail {
    pub machine: Machine,
    pub software: Vec<Software>,
}

/// An organization of a multi-org appliance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organization {
    pub id: u64,
    pub name: String,
}

/// The role the appliance gives the signed-in account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    Administrator,
    ReadOnlyAdministrator,
    StandardUser,
    /// A custom role, by name.
    Other(String),
}

impl Role {
    /// Whether the role may change anything. The TUI shows a read-only badge otherwise.
    pub fn is_read_only(&self) -> bool {
        !matches!(self, Role::Administrator)
    }
}

/// The signed-in account (`GET /api/users/me`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrentUser {
    pub id: u64,
    pub user_name: String,
    pub full_name: String,
    pub role: Role,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_appliance_dates() {
        let ts = Timestamp::parse("2024-05-02 10:01:03").unwrap();
        assert_eq!(ts.format(), "2024-05-02 10:01:03");
        assert_eq!(Timestamp::parse("1970-01-01 00:00:00"), Some(Timestamp(0)));
        assert_eq!(
            Timestamp::parse("2024-05-02"),
            Some(Timestamp(ts.0 - 36_063))
        );
    }

    #[test]
    fn sentinels_and_garbage_are_absent() {
        for bad in [
            "0000-00-00 00:00:00",
            "empty",
            "",
            "2024-13-01 00:00:00",
            "2024/05/02",
        ] {
            assert_eq!(Timestamp::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn ages_read_like_a_person_would_say_them() {
        let now = Timestamp(1_000_000_000);
        assert_eq!(Timestamp(now.0 - 30).age(now), "just now");
        assert_eq!(Timestamp(now.0 - 3 * 3_600).age(now), "3h ago");
        assert_eq!(Timestamp(now.0 - 12 * 86_400).age(now), "12d ago");
        assert_eq!(Timestamp(now.0 - 400 * 86_400).age(now), "13mo ago");
    }

    #[test]
    fn an_age_reads_the_same_until_it_changes_and_differently_at_that_moment() {
        let stamp = Timestamp(1_000_000_000);
        let mut ages = vec![-5, 0, 59, 60, 61, 3_599, 3_600, 86_399, 86_400, 5_183_999];
        ages.extend((0..2_000).map(|i| i * 37_003 + i % 7));
        ages.extend([63_071_999, 63_072_000, 100_000_000]);
        for age in ages {
            let now = Timestamp(stamp.0 + age);
            let at = stamp.age_changes_at(now);
            assert!(at.0 > now.0, "{age}: {at:?}");
            let shown = stamp.age(now);
            assert_ne!(stamp.age(at), shown, "{age}: changes at {}", at.0 - stamp.0);
            let last_same = Timestamp(at.0 - 1);
            assert_eq!(
                stamp.age(last_same),
                shown,
                "{age}: not before {}",
                at.0 - stamp.0
            );
            // Sampled: nothing changes in between either.
            let step = ((at.0 - now.0) / 16).max(1);
            for t in (now.0..at.0).step_by(step as usize) {
                assert_eq!(stamp.age(Timestamp(t)), shown, "{age} at {t}");
            }
        }
    }
}
