//! The machine detail screen's model: which fields go on which tab, and the filter of the
//! software and all-fields tabs. Pure functions of the record, shared by `update` (to clamp
//! scrolling) and `ui` (to draw).

use std::borrow::Cow;

use tui_input::Input;

use crate::api::{Machine, MachineDetail, SUMMARY_EXTRA_FIELDS, Software, Timestamp};
use crate::sanitize::for_display;
use crate::worker::RequestId;

/// The tabs of the detail screen, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DetailTab {
    Summary,
    Hardware,
    Os,
    Network,
    Software,
    AllFields,
}

impl DetailTab {
    pub const ALL: [DetailTab; 6] = [
        DetailTab::Summary,
        DetailTab::Hardware,
        DetailTab::Os,
        DetailTab::Network,
        DetailTab::Software,
        DetailTab::AllFields,
    ];

    pub fn title(self) -> &'static str {
        match self {
            DetailTab::Summary => "Summary",
            DetailTab::Hardware => "Hardware",
            DetailTab::Os => "OS",
            DetailTab::Network => "Network",
            DetailTab::Software => "Software",
            DetailTab::AllFields => "All fields",
        }
    }

    fn index(self) -> usize {
        DetailTab::ALL.iter().position(|&t| t == self).unwrap_or(0)
    }

    pub fn next(self) -> DetailTab {
        DetailTab::ALL[(self.index() + 1) % DetailTab::ALL.len()]
    }

    pub fn prev(self) -> DetailTab {
        DetailTab::ALL[(self.index() + DetailTab::ALL.len() - 1) % DetailTab::ALL.len()]
    }

    /// Tabs with a filter of their own.
    pub fn is_filterable(self) -> bool {
        matches!(self, DetailTab::Software | DetailTab::AllFields)
    }
}

/// One line of a detail tab.
#[derive(Clone, Debug, PartialEq)]
pub enum DetailRow<'a> {
    Field { key: Cow<'a, str>, value: String },
    Software(&'a Software),
}

/// State of the detail screen of one machine.
#[derive(Clone, Debug)]
pub struct DetailView {
    /// The row from the list, shown at once while the full record loads.
    pub summary: Machine,
    pub detail: Option<Box<MachineDetail>>,
    pub load: Option<RequestId>,
    pub error: Option<String>,
    pub tab: DetailTab,
    /// First visible line of the tab.
    pub scroll: usize,
    /// Filter of the software and all-fields tabs; `editing` while the cursor is in it.
    pub filter: Input,
    pub editing: bool,
}

impl DetailView {
    pub fn new(summary: Machine, load: RequestId) -> DetailView {
        DetailView {
            summary,
            detail: None,
            load: Some(load),
            error: None,
            tab: DetailTab::Summary,
            scroll: 0,
            filter: Input::default(),
            editing: false,
        }
    }

    /// The best record available: the full one once loaded, else the list row.
    pub fn machine(&self) -> &Machine {
        self.detail.as_ref().map_or(&self.summary, |d| &d.machine)
    }

    /// The lines of the current tab (filtered when the tab has a filter).
    pub fn rows(&self, now: Timestamp) -> Vec<DetailRow<'_>> {
        let machine = self.machine();
        let filter = self.filter.value();
        match self.tab {
            DetailTab::Summary => summary_rows(machine, now),
            DetailTab::Hardware => section_rows(machine, now, Section::Hardware),
            DetailTab::Os => section_rows(machine, now, Section::Os),
            DetailTab::Network => section_rows(machine, now, Section::Network),
            DetailTab::Software => {
                let matcher = TextMatch::new(filter);
                self.detail
                    .iter()
                    .flat_map(|d| d.software.iter())
                    .filter(|s| matcher.any(&[&s.name, &s.version, &s.publisher]))
                    .map(DetailRow::Software)
                    .collect()
            }
            DetailTab::AllFields => {
                let matcher = TextMatch::new(filter);
                all_fields(machine, now)
                    .into_iter()
                    .filter(|row| match row {
                        DetailRow::Field { key, value } => matcher.any(&[key, value]),
                        DetailRow::Software(_) => true,
                    })
                    .collect()
            }
        }
    }

    /// The timestamps the current tab shows as a relative age ("3h ago").
    pub fn ages_shown(&self) -> Vec<Timestamp> {
        let machine = self.machine();
        let shown = match self.tab {
            DetailTab::Summary | DetailTab::AllFields => {
                vec![machine.last_sync, machine.last_inventory]
            }
            DetailTab::Os => vec![machine.last_inventory],
            DetailTab::Hardware | DetailTab::Network | DetailTab::Software => Vec::new(),
        };
        shown.into_iter().flatten().collect()
    }

    /// Whether the tab needs the full record, which has not arrived yet.
    pub fn waiting_for_detail(&self) -> bool {
        self.detail.is_none() && self.tab != DetailTab::Summary
    }
}

/// Smart-case substring match, as in the machine list.
struct TextMatch {
    needle: String,
    case_sensitive: bool,
}

impl TextMatch {
    fn new(filter: &str) -> TextMatch {
        let case_sensitive = filter.chars().any(char::is_uppercase);
        TextMatch {
            needle: if case_sensitive {
                filter.to_string()
            } else {
                filter.to_lowercase()
            },
            case_sensitive,
        }
    }

    fn any(&self, fields: &[&str]) -> bool {
        self.needle.is_empty()
            || fields.iter().any(|field| {
                let shown = for_display(field);
                if self.case_sensitive {
                    shown.contains(&self.needle)
                } else {
                    shown.to_lowercase().contains(&self.needle)
                }
            })
    }
}

fn field<'a>(key: &'a str, value: impl Into<String>) -> DetailRow<'a> {
    DetailRow::Field {
        key: Cow::Borrowed(key),
        value: value.into(),
    }
}

/// `2024-05-02 10:01:03 (3h ago)`, or `never`.
pub fn when(timestamp: Option<Timestamp>, now: Timestamp) -> String {
    match timestamp {
        Some(ts) => format!("{} ({})", ts.format(), ts.age(now)),
        None => "never".to_string(),
    }
}

fn extra<'a>(machine: &'a Machine, key: &str) -> Option<&'a str> {
    machine
        .extra
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str())
}

fn summary_rows(machine: &Machine, now: Timestamp) -> Vec<DetailRow<'static>> {
    let mut rows = vec![
        field("Name", machine.name.as_str()),
        field("Id", machine.id.to_string()),
        field("IP address", machine.ip.as_str()),
        field("MAC address", machine.mac.as_str()),
        field("Operating system", machine.os_name.as_str()),
        field("User", machine.user.as_str()),
        field("Manufacturer", machine.manufacturer.as_str()),
        field("Model", machine.model.as_str()),
        field("Serial number", machine.serial.as_str()),
        field("Last sync", when(machine.last_sync, now)),
        field("Last inventory", when(machine.last_inventory, now)),
    ];
    let labels = ["Chassis", "Domain", "Uptime", "Agent version"];
    for (key, label) in SUMMARY_EXTRA_FIELDS.into_iter().zip(labels) {
        if let Some(value) = extra(machine, key) {
            rows.push(field(label, value));
        }
    }
    rows
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Hardware,
    Os,
    Network,
}

/// The section an extra field belongs to, by its key (case-insensitive prefixes).
fn section_of(key: &str) -> Option<Section> {
    let key = key.to_ascii_lowercase();
    let starts = |prefixes: &[&str]| prefixes.iter().any(|p| key.starts_with(p));
    if starts(&[
        "ip",
        "mac",
        "netmask",
        "prefix_len",
        "domain",
        "cs_domain",
        "user",
        "last_user",
    ]) {
        Some(Section::Network)
    } else if starts(&[
        "os_",
        "service_pack",
        "uptime",
        "last_reboot",
        "last_shutdown",
        "ie_version",
        "dotnet",
        "system_",
        "pagefile",
        "registry",
        "client_version",
        "tz_agent",
        "kuid",
    ]) {
        Some(Section::Os)
    } else if starts(&[
        "cs_",
        "bios_",
        "ram",
        "cpu",
        "processors",
        "physical_",
        "motherboard",
        "chassis",
        "monitor",
        "video",
        "sound",
        "cdrom",
        "printers",
        "virtual",
        "sys_arch",
        "csp_",
        "manufacturer_product",
        "asset_tag",
    ]) {
        Some(Section::Hardware)
    } else {
        None
    }
}

fn section_rows(machine: &Machine, now: Timestamp, section: Section) -> Vec<DetailRow<'_>> {
    let mut rows = match section {
        Section::Hardware => vec![
            field("Manufacturer", machine.manufacturer.as_str()),
            field("Model", machine.model.as_str()),
            field("Serial number", machine.serial.as_str()),
        ],
        Section::Os => vec![
            field("Operating system", machine.os_name.as_str()),
            field("Last inventory", when(machine.last_inventory, now)),
        ],
        Section::Network => vec![
            field("IP address", machine.ip.as_str()),
            field("MAC address", machine.mac.as_str()),
            field("User", machine.user.as_str()),
        ],
    };
    rows.extend(
        machine
            .extra
            .iter()
            .filter(|(key, _)| section_of(key) == Some(section))
            .map(|(key, value)| DetailRow::Field {
                key: Cow::Owned(key.replace('_', " ")),
                value: value.to_string(),
            }),
    );
    rows
}

/// Every key the appliance sent, with its API name: the typed fields first, then the rest in
/// the order received.
fn all_fields(machine: &Machine, now: Timestamp) -> Vec<DetailRow<'_>> {
    let mut rows = vec![
        field("Id", machine.id.to_string()),
        field("Name", machine.name.as_str()),
        field("Ip", machine.ip.as_str()),
        field("Mac", machine.mac.as_str()),
        field("Os_name", machine.os_name.as_str()),
        field("User", machine.user.as_str()),
        field("Cs_manufacturer", machine.manufacturer.as_str()),
        field("Cs_model", machine.model.as_str()),
        field("Bios_serial_number", machine.serial.as_str()),
        field("Last_sync", when(machine.last_sync, now)),
        field("Last_inventory", when(machine.last_inventory, now)),
    ];
    rows.extend(machine.extra.iter().map(|(key, value)| DetailRow::Field {
        key: Cow::Borrowed(key.as_str()),
        value: value.to_string(),
    }));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detail() -> DetailView {
        let machine = Machine {
            id: 42,
            name: "WS-FIN-0042".into(),
            extra: vec![
                ("Ram Total".into(), "16384 Bytes".into()),
                ("Os_build".into(), "22631".into()),
                ("Netmask".into(), "255.255.255.0".into()),
                ("Notes".into(), "spare".into()),
            ],
            ..Machine::default()
        };
        let mut view = DetailView::new(machine.clone(), 1);
        view.detail = Some(Box::new(MachineDetail {
            machine,
            software: vec![
                Software {
                    name: "Google Chrome".into(),
                    version: "124.0".into(),
                    ..Software::default()
                },
                Software {
                    name: "7-Zip".into(),
                    version: "23.01".into(),
                    ..Software::default()
                },
            ],
        }));
        view
    }

    fn keys(view: &DetailView) -> Vec<String> {
        view.rows(Timestamp(0))
            .into_iter()
            .map(|row| match row {
                DetailRow::Field { key, .. } => key.into_owned(),
                DetailRow::Software(s) => s.name.to_string(),
            })
            .collect()
    }

    #[test]
    fn extra_fields_land_on_their_tab() {
        let mut view = detail();
        view.tab = DetailTab::Hardware;
        assert!(keys(&view).contains(&"Ram Total".to_string()));
        view.tab = DetailTab::Os;
        assert!(keys(&view).contains(&"Os build".to_string()));
        view.tab = DetailTab::Network;
        assert!(keys(&view).contains(&"Netmask".to_string()));
        view.tab = DetailTab::AllFields;
        let all = keys(&view);
        assert!(all.contains(&"Notes".to_string()) && all.contains(&"Ram Total".to_string()));
    }

    #[test]
    fn software_and_all_fields_filter() {
        let mut view = detail();
        view.tab = DetailTab::Software;
        view.filter = Input::new("zip".into());
        assert_eq!(keys(&view), ["7-Zip"]);
        view.tab = DetailTab::AllFields;
        view.filter = Input::new("ram".into());
        assert_eq!(keys(&view), ["Ram Total"]);
    }

    #[test]
    fn tabs_cycle_both_ways() {
        assert_eq!(DetailTab::AllFields.next(), DetailTab::Summary);
        assert_eq!(DetailTab::Summary.prev(), DetailTab::AllFields);
    }
}
