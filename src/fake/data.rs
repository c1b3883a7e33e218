//! The demo data set: organizations of machines generated deterministically from a seed, kept
//! as compact records (indices into the catalogs plus a per-machine seed from which the rarely
//! used fields are derived when asked for), and the [`Dataset`] views the query engine reads.
//!
//! Fixed machines in the `Default` organization, for tests and screenshots:
//! - Id [`WS_FIN_0042_ID`] (42) is `WS-FIN-0042`, user `jdoe`, Windows 11, HP EliteBook.
//! - Ids [`HOSTILE_IDS`] (90 to 96) carry hostile strings, see [`hostile_overrides`].
//! - The Standard user `jdoe` owns machine 42 and every machine whose id is 11 modulo 97.
//! - Ids [`REIMAGED_IDS`] (70 and 80) are one re-imaged PC that the appliance lists twice under
//!   the same name [`REIMAGED_NAME`] (`KIOSK-LOBBY-01`), as real appliances do until someone
//!   deletes the stale record: 70 is the old record (last sync 120 days ago), 80 the new one
//!   (created when 70 stopped syncing, synced minutes ago); same hardware, serial and MAC,
//!   different IPs. Every other name is unique.
//! - Every 100th machine (ids 100, 200, ...) is a manual entry that never synced: zero dates,
//!   `"0 Bytes"` of RAM, no software, `Manual_entry` `"1"`.
//!   Further machines never synced (ids 50 modulo 61, plus some at random).
//!
//! The fixed machines exist when the organization has at least that many machines.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use compact_str::{CompactString, format_compact};

use super::catalog::{Catalog, Kind, catalog};
use super::prng::{SplitMix64, derive};
use super::query::{Dataset, EntityDef, FieldDef, Level, Schema, ValueKind};
use crate::api::model::Timestamp;

/// The id of the machine named `WS-FIN-0042` in `Default`.
pub const WS_FIN_0042_ID: u32 = 42;
/// Ids of the machines with hostile strings in `Default`.
pub const HOSTILE_IDS: std::ops::RangeInclusive<u32> = 90..=96;
/// The old and the new record of the re-imaged machine in `Default` (namesakes).
pub const REIMAGED_IDS: [u32; 2] = [70, 80];
/// The name both [`REIMAGED_IDS`] carry.
pub const REIMAGED_NAME: &str = "KIOSK-LOBBY-01";
/// Machines in the `Lab` organization.
pub const LAB_MACHINES: usize = 150;
/// The zero date the appliance writes for "never".
pub const ZERO_DATE: &str = "0000-00-00 00:00:00";

/// Every machine field, in the order the appliance writes them (STANDARD first, exactly as
/// reference §7.4, then the EXTENDED/ALL extras).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MachineField {
    Id,
    Modified,
    Created,
    User,
    Name,
    Ip,
    OsName,
    OsNumber,
    LastInventory,
    LastSync,
    RamTotal,
    RamUsed,
    RamMax,
    BiosIdentificationCode,
    SoundDevices,
    CdromDevices,
    VideoControllers,
    Monitor,
    RegistrySize,
    RegistryMaxSize,
    PagefileSize,
    PagefileMaxSize,
    ManualEntry,
    Mac,
    AssetTag,
    BiosSerialNumber,
    BiosVersion,
    ChassisType,
    ClientVersion,
    CsDomain,
    CsManufacturer,
    CsModel,
    OsFamily,
    OsArch,
    OsBuild,
    OsVersion,
    OsInstalledDate,
    Uptime,
    LastReboot,
    LastShutdown,
    Virtual,
    UserLogged,
    UserName,
    UserFullname,
    UserDomain,
    Domain,
    Ipv6,
    Netmask,
    BiosManufacturer,
    BiosReleaseDate,
    CpuName,
    PhysicalProcessors,
    PhysicalCores,
    Notes,
    CustomFieldValue0,
    Kuid,
    OsId,
}

use MachineField as F;

const STD: Level = Level::Standard;
const EXT: Level = Level::Extended;
const ALL: Level = Level::All;
const TEXT: ValueKind = ValueKind::Text;

/// (field, definition) in output order.
const MACHINE_FIELD_LIST: [(MachineField, FieldDef); 57] = [
    (
        F::Id,
        FieldDef::new("Id", Level::Limited, ValueKind::Integer),
    ),
    (F::Modified, FieldDef::new("Modified", STD, TEXT)),
    (F::Created, FieldDef::new("Created", STD, TEXT)),
    (F::User, FieldDef::new("User", STD, TEXT)),
    (F::Name, FieldDef::new("Name", Level::Limited, TEXT)),
    (F::Ip, FieldDef::new("Ip", STD, TEXT)),
    (F::OsName, FieldDef::new("Os_name", STD, TEXT)),
    (F::OsNumber, FieldDef::new("Os_number", STD, TEXT)),
    (F::LastInventory, FieldDef::new("Last_inventory", STD, TEXT)),
    (F::LastSync, FieldDef::new("Last_sync", STD, TEXT)),
    (F::RamTotal, FieldDef::new("Ram Total", STD, TEXT)),
    (F::RamUsed, FieldDef::new("Ram_used", STD, TEXT)),
    (F::RamMax, FieldDef::new("Ram_max", STD, TEXT)),
    (
        F::BiosIdentificationCode,
        FieldDef::new("Bios_identification_code", STD, TEXT),
    ),
    (F::SoundDevices, FieldDef::new("Sound_devices", STD, TEXT)),
    (F::CdromDevices, FieldDef::new("Cdrom_devices", STD, TEXT)),
    (
        F::VideoControllers,
        FieldDef::new("Video_controllers", STD, TEXT),
    ),
    (F::Monitor, FieldDef::new("Monitor", STD, TEXT)),
    (F::RegistrySize, FieldDef::new("Registry_size", STD, TEXT)),
    (
        F::RegistryMaxSize,
        FieldDef::new("Registry_max_size", STD, TEXT),
    ),
    (F::PagefileSize, FieldDef::new("Pagefile_size", STD, TEXT)),
    (
        F::PagefileMaxSize,
        FieldDef::new("Pagefile_max_size", STD, TEXT),
    ),
    (F::ManualEntry, FieldDef::new("Manual_entry", STD, TEXT)),
    (F::Mac, FieldDef::new("Mac", EXT, TEXT)),
    (F::AssetTag, FieldDef::new("Asset_tag", EXT, TEXT)),
    (
        F::BiosSerialNumber,
        FieldDef::new("Bios_serial_number", EXT, TEXT),
    ),
    (F::BiosVersion, FieldDef::new("Bios_version", EXT, TEXT)),
    (F::ChassisType, FieldDef::new("Chassis_type", EXT, TEXT)),
    (F::ClientVersion, FieldDef::new("Client_version", EXT, TEXT)),
    (F::CsDomain, FieldDef::new("Cs_domain", EXT, TEXT)),
    (
        F::CsManufacturer,
        FieldDef::new("Cs_manufacturer", EXT, TEXT),
    ),
    (F::CsModel, FieldDef::new("Cs_model", EXT, TEXT)),
    (F::OsFamily, FieldDef::new("Os_family", EXT, TEXT)),
    (F::OsArch, FieldDef::new("Os_arch", EXT, TEXT)),
    (F::OsBuild, FieldDef::new("Os_build", EXT, TEXT)),
    (F::OsVersion, FieldDef::new("Os_version", EXT, TEXT)),
    (
        F::OsInstalledDate,
        FieldDef::new("Os_installed_date", EXT, TEXT),
    ),
    (F::Uptime, FieldDef::new("Uptime", EXT, TEXT)),
    (F::LastReboot, FieldDef::new("Last_reboot", EXT, TEXT)),
    (F::LastShutdown, FieldDef::new("Last_shutdown", EXT, TEXT)),
    (F::Virtual, FieldDef::new("Virtual", EXT, TEXT)),
    (F::UserLogged, FieldDef::new("User_logged", EXT, TEXT)),
    (F::UserName, FieldDef::new("User_name", EXT, TEXT)),
    (F::UserFullname, FieldDef::new("User_fullname", EXT, TEXT)),
    (F::UserDomain, FieldDef::new("User_domain", EXT, TEXT)),
    (F::Domain, FieldDef::new("Domain", EXT, TEXT)),
    (F::Ipv6, FieldDef::new("Ipv6", EXT, TEXT)),
    (F::Netmask, FieldDef::new("Netmask", EXT, TEXT)),
    (
        F::BiosManufacturer,
        FieldDef::new("Bios_manufacturer", EXT, TEXT),
    ),
    (
        F::BiosReleaseDate,
        FieldDef::new("Bios_release_date", EXT, TEXT),
    ),
    (F::CpuName, FieldDef::new("Cpu_name", EXT, TEXT)),
    (
        F::PhysicalProcessors,
        FieldDef::new("Physical_processors", EXT, TEXT),
    ),
    (F::PhysicalCores, FieldDef::new("Physical_cores", EXT, TEXT)),
    (F::Notes, FieldDef::new("Notes", EXT, TEXT)),
    (
        F::CustomFieldValue0,
        FieldDef::new("Custom_field_value0", EXT, TEXT),
    ),
    (F::Kuid, FieldDef::new("Kuid", ALL, TEXT)),
    (F::OsId, FieldDef::new("Os_id", ALL, TEXT)),
];

const fn machine_fields() -> [FieldDef; 57] {
    let mut defs = [const { FieldDef::new("", Level::All, ValueKind::Text) }; 57];
    let mut index = 0;
    while index < 57 {
        let def = &MACHINE_FIELD_LIST[index].1;
        defs[index] = FieldDef::new(def.key, def.level, def.kind);
        index += 1;
    }
    defs
}

static MACHINE_FIELDS: [FieldDef; 57] = machine_fields();

pub static MACHINE_ENTITY: EntityDef = EntityDef {
    name: "machine",
    nested_key: "Machine",
    fields: &MACHINE_FIELDS,
    aliases: &[],
};

/// The software sub-entity of a machine: upper-case keys (reference §7.2).
pub static MACHINE_SOFTWARE_ENTITY: EntityDef = EntityDef {
    name: "software",
    nested_key: "Software",
    fields: &[
        FieldDef::new("ID", Level::Limited, ValueKind::Integer),
        FieldDef::new("DISPLAY_NAME", Level::Limited, TEXT),
        FieldDef::new("DISPLAY_VERSION", STD, TEXT),
        FieldDef::new("PUBLISHER", STD, TEXT),
        FieldDef::new("INSTALL_DATE", STD, TEXT),
        FieldDef::new("CATEGORY", EXT, TEXT),
        FieldDef::new("IS_PATCH", EXT, TEXT),
        FieldDef::new("UNINSTALL_STRING", ALL, TEXT),
    ],
    aliases: &[("name", "DISPLAY_NAME"), ("version", "DISPLAY_VERSION")],
};

/// The location sub-entity of a machine (zero or one row).
pub static MACHINE_LOCATION_ENTITY: EntityDef = EntityDef {
    name: "location",
    nested_key: "Location",
    fields: &[
        FieldDef::new("ID", Level::Limited, ValueKind::Integer),
        FieldDef::new("NAME", Level::Limited, TEXT),
    ],
    aliases: &[],
};

pub static MACHINES_SCHEMA: Schema = Schema {
    base: &MACHINE_ENTITY,
    list_key: "Machines",
    subs: &[&MACHINE_SOFTWARE_ENTITY, &MACHINE_LOCATION_ENTITY],
};

/// `/api/inventory/softwares`: one row per title and version.
pub static SOFTWARE_ENTITY: EntityDef = EntityDef {
    name: "software",
    nested_key: "Software",
    fields: &[
        FieldDef::new("Id", Level::Limited, ValueKind::Integer),
        FieldDef::new("Display_name", Level::Limited, TEXT),
        FieldDef::new("Display_version", STD, TEXT),
        FieldDef::new("Publisher", STD, TEXT),
        FieldDef::new("Category", EXT, TEXT),
        FieldDef::new("Is_patch", EXT, TEXT),
        FieldDef::new("Uninstall_string", ALL, TEXT),
    ],
    aliases: &[("name", "Display_name"), ("version", "Display_version")],
};

/// The machine sub-entity of a software title (`shaping=software limited,machine limited`,
/// reference §7.1 PS-SW): the machines of the caller's organization it is installed on, that
/// the caller may see, in id order. The reference does not confirm the casing: the key is
/// `Machine` and the fields have the base-entity casing of `/api/inventory/machines`.
pub static SOFTWARE_MACHINE_ENTITY: EntityDef = EntityDef {
    name: "machine",
    nested_key: "Machine",
    fields: &[
        FieldDef::new("Id", Level::Limited, ValueKind::Integer),
        FieldDef::new("Name", Level::Limited, TEXT),
        FieldDef::new("Ip", STD, TEXT),
        FieldDef::new("User", STD, TEXT),
        FieldDef::new("Os_name", STD, TEXT),
        FieldDef::new("Last_sync", STD, TEXT),
    ],
    aliases: &[],
};

/// The machine fields behind [`SOFTWARE_MACHINE_ENTITY`]'s fields, in the same order.
const SOFTWARE_MACHINE_FIELDS: [MachineField; 6] =
    [F::Id, F::Name, F::Ip, F::User, F::OsName, F::LastSync];

pub static SOFTWARE_SCHEMA: Schema = Schema {
    base: &SOFTWARE_ENTITY,
    list_key: "Software",
    subs: &[&SOFTWARE_MACHINE_ENTITY],
};

/// Per-machine replacements of derived values (the hostile machines).
type Overrides = Box<[(MachineField, Box<str>)]>;

/// One machine, compact: everything else is derived from `seed` when asked for.
#[derive(Debug)]
pub struct MachineRecord {
    pub id: u32,
    pub name: CompactString,
    /// The `User` field: empty, one user, or several comma-separated.
    pub user: CompactString,
    pub ip: CompactString,
    seed: u64,
    kind: Kind,
    os: u8,
    hardware: u8,
    /// 0 = no location, else index + 1 into the catalog's locations.
    location: u8,
    manual: bool,
    /// Index into the organization's people, for the full name.
    person: Option<u32>,
    created: i64,
    modified: i64,
    last_inventory: i64,
    last_sync: i64,
    ram_mb: u32,
    software_start: u32,
    software_len: u16,
    overrides: Option<Overrides>,
}

impl MachineRecord {
    /// Whether `user` (case-insensitive) is one of this machine's users.
    pub fn has_user(&self, user: &str) -> bool {
        self.user
            .split(',')
            .any(|one| one.trim().eq_ignore_ascii_case(user))
    }
}

/// A person of an organization: `User` values and `User_fullname` come from here.
#[derive(Debug)]
pub struct Person {
    pub user: CompactString,
    pub full_name: CompactString,
}

/// One organization with its own machines (ids repeat across organizations).
#[derive(Debug)]
pub struct Org {
    pub id: u64,
    pub name: &'static str,
    pub machines: Vec<MachineRecord>,
    installs: Vec<u16>,
    people: Vec<Person>,
    domain: &'static str,
    netbios: &'static str,
    now: i64,
    /// Per software title (catalog row): the rows of the machines it is installed on. Built
    /// on first use (the `machine` sub-entity of `/api/inventory/softwares`).
    installed_on: OnceLock<Vec<Vec<u32>>>,
}

impl Org {
    /// The rows of the machines each software title (by catalog row) is installed on.
    fn installed_on(&self) -> &[Vec<u32>] {
        self.installed_on.get_or_init(|| {
            let mut index = vec![Vec::new(); catalog().software.len()];
            for (row, machine) in self.machines.iter().enumerate() {
                for &title in self.software_of(machine) {
                    index[usize::from(title)].push(row as u32);
                }
            }
            index
        })
    }

    /// The row index of a machine id.
    pub fn row_of(&self, id: u32) -> Option<u32> {
        self.machines
            .binary_search_by_key(&id, |machine| machine.id)
            .ok()
            .map(|row| row as u32)
    }

    fn software_of(&self, machine: &MachineRecord) -> &[u16] {
        let start = machine.software_start as usize;
        &self.installs[start..start + usize::from(machine.software_len)]
    }
}

/// The whole appliance: its organizations.
#[derive(Debug)]
pub struct Appliance {
    pub orgs: Vec<Arc<Org>>,
}

impl Appliance {
    /// Generates `Default` with `machines` machines and `Lab` with [`LAB_MACHINES`].
    pub fn generate(machines: usize, seed: u64) -> Appliance {
        let now = Timestamp::now().0;
        let default = generate_org(1, "Default", machines, derive(seed, 1), now, Site::Corp);
        let lab = generate_org(2, "Lab", LAB_MACHINES, derive(seed, 2), now, Site::Lab);
        Appliance {
            orgs: vec![Arc::new(default), Arc::new(lab)],
        }
    }

    pub fn org_by_name(&self, name: &str) -> Option<&Arc<Org>> {
        self.orgs
            .iter()
            .find(|org| org.name.eq_ignore_ascii_case(name))
    }

    pub fn org_by_id(&self, id: u64) -> Option<&Arc<Org>> {
        self.orgs.iter().find(|org| org.id == id)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Site {
    Corp,
    Lab,
}

/// Per-pattern counters so every generated name is unique.
struct NameCounters {
    counters: std::collections::HashMap<(Kind, &'static str), u32>,
}

impl NameCounters {
    fn next(&mut self, kind: Kind, part: &'static str, rng: &mut SplitMix64) -> u32 {
        let counter = self.counters.entry((kind, part)).or_insert(0);
        *counter += 1 + rng.below(3) as u32;
        *counter
    }
}

const DAY: i64 = 86_400;

fn generate_org(id: u64, name: &'static str, count: usize, seed: u64, now: i64, site: Site) -> Org {
    let catalog = catalog();
    let mut rng = SplitMix64::new(seed);
    let people: Vec<Person> = (0..400)
        .map(|_| {
            let first = *rng.pick(&catalog.first_names);
            let last = *rng.pick(&catalog.last_names);
            let initial = first.chars().next().unwrap_or('x');
            Person {
                user: format_compact!("{}{}", initial, last).to_lowercase(),
                full_name: format_compact!("{first} {last}"),
            }
        })
        .collect();
    let (domain, netbios) = match site {
        Site::Corp => ("corp.example.com", "CORP"),
        Site::Lab => ("lab.example.com", "LAB"),
    };
    let mut org = Org {
        id,
        name,
        machines: Vec::with_capacity(count),
        installs: Vec::with_capacity(count * 40),
        people,
        domain,
        netbios,
        now,
        installed_on: OnceLock::new(),
    };
    let mut names = NameCounters {
        counters: Default::default(),
    };
    let kind_weights = match site {
        Site::Corp => [72, 10, 10, 8],
        Site::Lab => [40, 25, 5, 30],
    };
    let kinds = [Kind::Workstation, Kind::Server, Kind::Mac, Kind::Linux];
    let tables = Tables::new(catalog);
    for index in 0..count {
        let id = index as u32 + 1;
        let machine_seed = rng.next_u64();
        let mut machine_rng = SplitMix64::new(machine_seed);
        let special = site == Site::Corp && (id == WS_FIN_0042_ID || id % 97 == 11);
        let kind = if special {
            Kind::Workstation
        } else {
            kinds[machine_rng.weighted(&kind_weights)]
        };
        let record = generate_machine(
            &mut org,
            &mut names,
            &tables,
            id,
            kind,
            machine_seed,
            &mut machine_rng,
            site,
        );
        org.machines.push(record);
    }
    if site == Site::Corp {
        apply_fixed_machines(&mut org);
    }
    org
}

/// What the generator draws from for one kind of machine, computed once per data set.
struct KindTable {
    kind: Kind,
    operating_systems: Vec<usize>,
    os_weights: Vec<u32>,
    hardware: Vec<usize>,
    hardware_weights: Vec<u32>,
    /// (title index, popularity), in catalog order.
    titles: Vec<(usize, u32)>,
    /// The same titles, most popular first (for topping up).
    titles_by_popularity: Vec<usize>,
    /// Expected number of titles at a scale of 1.
    popularity_sum: f64,
}

/// Chooses OS, hardware and software of a machine from the catalogs.
struct Tables {
    per_kind: Vec<KindTable>,
}

impl Tables {
    fn new(catalog: &Catalog) -> Tables {
        let per_kind = [Kind::Workstation, Kind::Server, Kind::Mac, Kind::Linux]
            .into_iter()
            .map(|kind| {
                let operating_systems: Vec<usize> = (0..catalog.operating_systems.len())
                    .filter(|&os| catalog.operating_systems[os].kind == kind)
                    .collect();
                let os_weights = operating_systems
                    .iter()
                    .map(|&os| catalog.operating_systems[os].weight)
                    .collect();
                let hardware: Vec<usize> = (0..catalog.hardware.len())
                    .filter(|&hw| catalog.hardware[hw].kinds.contains(&kind))
                    .collect();
                let hardware_weights = hardware
                    .iter()
                    .map(|&hw| catalog.hardware[hw].weight)
                    .collect();
                let titles: Vec<(usize, u32)> = catalog
                    .titles
                    .iter()
                    .enumerate()
                    .filter(|(_, title)| title.kinds.contains(&kind))
                    .map(|(index, title)| (index, title.popularity))
                    .collect();
                let mut sorted = titles.clone();
                sorted.sort_by_key(|(_, popularity)| std::cmp::Reverse(*popularity));
                let popularity_sum = titles
                    .iter()
                    .map(|(_, popularity)| f64::from(*popularity) / 100.0)
                    .sum();
                KindTable {
                    kind,
                    operating_systems,
                    os_weights,
                    hardware,
                    hardware_weights,
                    titles,
                    titles_by_popularity: sorted.into_iter().map(|(title, _)| title).collect(),
                    popularity_sum,
                }
            })
            .collect();
        Tables { per_kind }
    }

    fn of(&self, kind: Kind) -> &KindTable {
        self.per_kind
            .iter()
            .find(|table| table.kind == kind)
            .unwrap_or(&self.per_kind[0])
    }

    fn pick_os(&self, kind: Kind, rng: &mut SplitMix64) -> u8 {
        let table = self.of(kind);
        table.operating_systems[rng.weighted(&table.os_weights)] as u8
    }

    fn pick_hardware(&self, kind: Kind, rng: &mut SplitMix64) -> u8 {
        let table = self.of(kind);
        table.hardware[rng.weighted(&table.hardware_weights)] as u8
    }

    /// Each title of the kind is installed with a probability that follows its popularity,
    /// scaled so the count lands near a per-machine target; at least 5, at most 80.
    fn pick_software(
        &self,
        catalog: &Catalog,
        kind: Kind,
        rng: &mut SplitMix64,
        out: &mut Vec<u16>,
    ) {
        let table = self.of(kind);
        let target = match kind {
            Kind::Workstation => rng.between(25, 80),
            Kind::Server => rng.between(10, 45),
            Kind::Mac => rng.between(12, 40),
            Kind::Linux => rng.between(8, 30),
        } as f64;
        let scale = target / table.popularity_sum.max(1.0);
        let start = out.len();
        for &(title, popularity) in &table.titles {
            let p = (f64::from(popularity) / 100.0 * scale).min(0.98);
            if rng.chance(p) {
                let versions = &catalog.titles[title].versions;
                out.push(*rng.pick(versions) as u16);
                if out.len() - start >= 80 {
                    break;
                }
            }
        }
        for &title in &table.titles_by_popularity {
            if out.len() - start >= 5 {
                break;
            }
            let installed = out[start..]
                .iter()
                .any(|&sw| catalog.software[usize::from(sw)].title == title);
            if !installed {
                out.push(catalog.titles[title].versions[0] as u16);
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn generate_machine(
    org: &mut Org,
    names: &mut NameCounters,
    tables: &Tables,
    id: u32,
    kind: Kind,
    seed: u64,
    rng: &mut SplitMix64,
    site: Site,
) -> MachineRecord {
    let catalog = catalog();
    let now = org.now;
    let department = *rng.pick(&catalog.departments);
    let lab = if site == Site::Lab { "LAB-" } else { "" };
    let name: CompactString = match kind {
        Kind::Workstation => {
            let mut number = names.next(kind, department, rng);
            if department == "FIN" && number == 42 {
                number = names.next(kind, department, rng);
            }
            format_compact!("{lab}WS-{department}-{number:04}")
        }
        Kind::Server => {
            let role = *rng.pick(&catalog.server_roles);
            let number = names.next(kind, role, rng);
            format_compact!("{lab}SRV-{role}-{number:02}")
        }
        Kind::Mac => {
            let number = names.next(kind, department, rng);
            format_compact!("{lab}MAC-{department}-{number:04}")
        }
        Kind::Linux => {
            let role = *rng.pick(&catalog.linux_roles);
            let number = names.next(kind, role, rng);
            format_compact!("{}{role}-{number:02}", lab.to_lowercase())
        }
    };
    let person = rng.below(org.people.len() as u64) as u32;
    let person_user = org.people[person as usize].user.clone();
    let (user, person) = match kind {
        Kind::Workstation | Kind::Mac => {
            if rng.chance(0.03) {
                (
                    format_compact!("{person_user},adm-{person_user}"),
                    Some(person),
                )
            } else if rng.chance(0.04) {
                (CompactString::default(), None)
            } else {
                (person_user, Some(person))
            }
        }
        Kind::Server => match rng.below(10) {
            0..=5 => (CompactString::default(), None),
            6..=8 => (CompactString::from("administrator"), None),
            _ => (format_compact!("adm-{person_user}"), Some(person)),
        },
        Kind::Linux => match rng.below(3) {
            0 => (CompactString::from("root"), None),
            1 => (CompactString::default(), None),
            _ => (person_user, Some(person)),
        },
    };
    let location = if rng.chance(0.8) {
        1 + rng.below(catalog.locations.len() as u64) as u8
    } else {
        0
    };
    let subnet = 10 + rng.below(200);
    let host = 2 + rng.below(250);
    let site_octet = if site == Site::Lab {
        99
    } else {
        16 + u64::from(location)
    };
    let mut ip = format_compact!("10.{site_octet}.{subnet}.{host}");
    if rng.chance(0.05) {
        let extra = if rng.chance(0.5) {
            format_compact!("192.168.56.{}", 1 + rng.below(254))
        } else {
            format_compact!("172.16.{}.{}", rng.below(256), 1 + rng.below(254))
        };
        ip = format_compact!("{ip},{extra}");
    }
    let manual = site == Site::Corp && id.is_multiple_of(100);
    let never_synced = manual || id % 61 == 50 || rng.chance(0.01);
    let created = now - (30 + rng.below(1_500)) as i64 * DAY - rng.below(DAY as u64) as i64;
    let age = match rng.below(100) {
        0..=34 => rng.below(3_600) as i64,
        35..=69 => rng.below(DAY as u64) as i64,
        70..=89 => rng.between(1, 30) as i64 * DAY,
        _ => rng.between(30, 240) as i64 * DAY,
    };
    let last_sync = if never_synced {
        0
    } else {
        (now - age).max(created)
    };
    let last_inventory = if never_synced {
        0
    } else {
        (last_sync - rng.below(7_200) as i64).max(created)
    };
    let modified = last_inventory.max(created);
    let ram_mb = match kind {
        Kind::Workstation => *rng.pick(&[8_192, 16_384, 16_384, 32_768, 65_536]),
        Kind::Server => *rng.pick(&[16_384, 32_768, 65_536, 131_072, 262_144]),
        Kind::Mac => *rng.pick(&[8_192, 16_384, 18_432, 24_576, 36_864]),
        Kind::Linux => *rng.pick(&[4_096, 8_192, 16_384, 32_768]),
    };
    let software_start = org.installs.len() as u32;
    if !manual {
        tables.pick_software(catalog, kind, rng, &mut org.installs);
    }
    let software_len = (org.installs.len() - software_start as usize) as u16;
    MachineRecord {
        id,
        name,
        user,
        ip,
        seed,
        kind,
        os: tables.pick_os(kind, rng),
        hardware: tables.pick_hardware(kind, rng),
        location,
        manual,
        person,
        created,
        modified,
        last_inventory,
        last_sync,
        ram_mb: if manual { 0 } else { ram_mb },
        software_start,
        software_len,
        overrides: None,
    }
}

/// The hostile strings, by machine id: (field, value). Names are always overridden.
pub fn hostile_overrides(id: u32) -> Vec<(MachineField, String)> {
    let long_name: String = {
        let mut name = String::from("WS-LONG-");
        while name.len() < 2_048 {
            name.push_str("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");
        }
        name.truncate(2_048);
        name
    };
    match id {
        // ANSI escape sequences: colour, clear screen, OSC window title.
        90 => vec![
            (F::Name, "WS-\u{1b}[31mRED\u{1b}[0m-0090".to_string()),
            (F::User, "\u{1b}]0;owned\u{7}evil".to_string()),
            (F::Notes, "\u{1b}[2J\u{1b}[Hscreen cleared".to_string()),
        ],
        // A right-to-left override that makes "exe.FDP" read as "PDF.exe".
        91 => vec![
            (F::Name, "WS-\u{202e}exe.FDP-0091".to_string()),
            (F::User, "admin\u{202e}".to_string()),
        ],
        // A zero-width space: looks exactly like WS-FIN-0042 but is not.
        92 => vec![(F::Name, "WS-FIN\u{200b}-0042".to_string())],
        // CJK and emoji (double-width cells, multi-codepoint graphemes).
        93 => vec![
            (F::Name, "工作站-東京-🖥️-0093".to_string()),
            (F::User, "山田太郎".to_string()),
            (F::UserFullname, "山田 太郎 👩‍💻".to_string()),
            (
                F::OsName,
                "Microsoft Windows 11 Pro 日本語版 x64".to_string(),
            ),
        ],
        // A 2 KB name.
        94 => vec![(F::Name, long_name)],
        // Raw control characters: NUL, BEL, backspace, CR, LF, TAB, DEL.
        95 => vec![
            (
                F::Name,
                "WS-CTRL\u{0}\u{7}\u{8}\r\n\t\u{7f}-0095".to_string(),
            ),
            (F::User, "line1\nline2".to_string()),
        ],
        // Combining marks and full-width letters.
        96 => vec![
            (
                F::Name,
                "ＷＳ－ＦＵＬＬ－Z\u{336}A\u{337}L\u{338}G\u{335}O-0096".to_string(),
            ),
            (F::Ip, "10.0.0.96,fe80::1%eth0\u{202e}".to_string()),
        ],
        _ => Vec::new(),
    }
}

fn apply_fixed_machines(org: &mut Org) {
    let catalog = catalog();
    let os = catalog
        .operating_systems
        .iter()
        .position(|os| os.name == "Microsoft Windows 11 Enterprise x64")
        .unwrap_or(0) as u8;
    let hardware = catalog
        .hardware
        .iter()
        .position(|hw| hw.model == "HP EliteBook 840 G8 Notebook PC")
        .unwrap_or(0) as u8;
    for machine in &mut org.machines {
        if machine.id == WS_FIN_0042_ID {
            machine.name = "WS-FIN-0042".into();
            machine.ip = "10.20.30.42".into();
            machine.os = os;
            machine.hardware = hardware;
        }
        if machine.id == WS_FIN_0042_ID || machine.id % 97 == 11 {
            machine.user = "jdoe".into();
            machine.person = None;
        }
        let overrides = hostile_overrides(machine.id);
        if !overrides.is_empty() {
            let mut rest = Vec::new();
            for (field, value) in overrides {
                match field {
                    F::Name => machine.name = value.into(),
                    F::User => machine.user = value.into(),
                    F::Ip => machine.ip = value.into(),
                    _ => rest.push((field, value.into_boxed_str())),
                }
            }
            machine.overrides = Some(rest.into_boxed_slice());
        }
    }
    reimage(org);
}

/// Makes [`REIMAGED_IDS`] one PC listed twice: the new record takes the old one's hardware
/// identity (the per-machine seed drives serial, MAC and asset tag) and starts where the old
/// one stopped syncing.
fn reimage(org: &mut Org) {
    let [old_id, new_id] = REIMAGED_IDS;
    let (Some(old_row), Some(new_row)) = (org.row_of(old_id), org.row_of(new_id)) else {
        return;
    };
    let now = org.now;
    let stopped = now - 120 * DAY;
    let old = &mut org.machines[old_row as usize];
    old.name = REIMAGED_NAME.into();
    old.created = old.created.min(stopped - 400 * DAY);
    old.last_sync = stopped;
    old.last_inventory = stopped - 3_600;
    old.modified = stopped;
    let (seed, kind, hardware, os, ram_mb) = (old.seed, old.kind, old.hardware, old.os, old.ram_mb);
    let (software_start, software_len) = (old.software_start, old.software_len);
    let new = &mut org.machines[new_row as usize];
    new.name = REIMAGED_NAME.into();
    new.seed = seed;
    new.kind = kind;
    new.hardware = hardware;
    new.os = os;
    new.ram_mb = ram_mb;
    new.software_start = software_start;
    new.software_len = software_len;
    new.created = stopped + 3_600;
    new.last_sync = now - 20 * 60;
    new.last_inventory = now - 3_600;
    new.modified = new.last_inventory;
}

fn format_date(seconds: i64) -> String {
    if seconds <= 0 {
        ZERO_DATE.to_string()
    } else {
        Timestamp(seconds).format()
    }
}

/// The machines of one organization, as the query engine reads them.
pub struct MachinesView {
    pub org: Arc<Org>,
}

impl MachinesView {
    fn field(&self, machine: &MachineRecord, field: MachineField) -> Cow<'_, str> {
        if let Some(overrides) = &machine.overrides
            && let Some((_, value)) = overrides.iter().find(|(f, _)| *f == field)
        {
            return Cow::Owned(value.to_string());
        }
        let catalog = catalog();
        let os = &catalog.operating_systems[usize::from(machine.os)];
        let hw = &catalog.hardware[usize::from(machine.hardware)];
        let d = |salt: u64| derive(machine.seed, salt);
        let manual = machine.manual;
        let windows = matches!(machine.kind, Kind::Workstation | Kind::Server);
        let text = |value: &str| -> Cow<'static, str> { Cow::Owned(value.to_string()) };
        let blank_if_manual = |value: Cow<'static, str>| -> Cow<'static, str> {
            if manual { Cow::Borrowed("") } else { value }
        };
        let value: Cow<'_, str> = match field {
            F::Id => Cow::Owned(machine.id.to_string()),
            F::Modified => Cow::Owned(format_date(machine.modified)),
            F::Created => Cow::Owned(format_date(machine.created)),
            F::User => Cow::Owned(machine.user.to_string()),
            F::Name => Cow::Owned(machine.name.to_string()),
            F::Ip => Cow::Owned(machine.ip.to_string()),
            F::OsName => blank_if_manual(text(os.name)),
            F::OsNumber => blank_if_manual(text(os.number)),
            F::LastInventory => Cow::Owned(format_date(machine.last_inventory)),
            F::LastSync => Cow::Owned(format_date(machine.last_sync)),
            F::RamTotal => Cow::Owned(format!("{} Bytes", machine.ram_mb)),
            F::RamUsed => {
                if manual {
                    Cow::Borrowed("0")
                } else {
                    let used = f64::from(machine.ram_mb) * (0.2 + (d(1) % 700) as f64 / 1_000.0);
                    Cow::Owned(format!("{used:.1}"))
                }
            }
            F::RamMax => blank_if_manual(Cow::Owned((machine.ram_mb * 4).to_string())),
            F::BiosIdentificationCode => Cow::Borrowed(""),
            F::SoundDevices => blank_if_manual(match machine.kind {
                Kind::Workstation => Cow::Borrowed("Realtek High Definition Audio"),
                Kind::Mac => Cow::Borrowed("Apple Audio Device"),
                _ => Cow::Borrowed(""),
            }),
            F::CdromDevices => match d(2) % 10 {
                0 if machine.kind == Kind::Workstation => Cow::Borrowed("HL-DT-ST DVD+-RW GU90N"),
                _ => Cow::Borrowed(""),
            },
            F::VideoControllers => blank_if_manual(text(hw.video)),
            F::Monitor => blank_if_manual(match machine.kind {
                Kind::Workstation | Kind::Mac => {
                    text(catalog.monitors[(d(3) % catalog.monitors.len() as u64) as usize])
                }
                _ => Cow::Borrowed(""),
            }),
            F::RegistrySize | F::RegistryMaxSize => Cow::Borrowed("empty"),
            F::PagefileSize => {
                if windows && !manual {
                    Cow::Owned((machine.ram_mb / 8).to_string())
                } else {
                    Cow::Borrowed("empty")
                }
            }
            F::PagefileMaxSize => {
                if windows && !manual {
                    Cow::Owned((machine.ram_mb / 4).to_string())
                } else {
                    Cow::Borrowed("empty")
                }
            }
            F::ManualEntry => Cow::Borrowed(if manual { "1" } else { "0" }),
            F::Mac => {
                let bytes = d(4).to_be_bytes();
                Cow::Owned(format!(
                    "{:02X}:{:02X}:{:02X}:{:02X}:{:02X}:{:02X}",
                    bytes[0] & 0xFC,
                    bytes[1],
                    bytes[2],
                    bytes[3],
                    bytes[4],
                    bytes[5]
                ))
            }
            F::AssetTag => {
                if d(5) % 2 == 0 {
                    Cow::Owned(format!("AT-{:06}", d(5) % 1_000_000))
                } else {
                    Cow::Borrowed("")
                }
            }
            F::BiosSerialNumber => {
                blank_if_manual(Cow::Owned(serial_number(hw.serial_style, d(6))))
            }
            F::BiosVersion => blank_if_manual(text(hw.bios_version)),
            F::ChassisType => blank_if_manual(text(hw.chassis)),
            F::ClientVersion => blank_if_manual(Cow::Borrowed(
                ["14.1.19", "14.0.49", "14.0.49", "13.2.24"][(d(7) % 4) as usize],
            )),
            F::CsDomain => match machine.kind {
                Kind::Workstation | Kind::Server => text(self.org.domain),
                _ => Cow::Borrowed(""),
            },
            F::CsManufacturer => blank_if_manual(text(hw.manufacturer)),
            F::CsModel => blank_if_manual(text(hw.model)),
            F::OsFamily => blank_if_manual(text(os.family)),
            F::OsArch => blank_if_manual(text(os.arch)),
            F::OsBuild => blank_if_manual(text(os.build)),
            F::OsVersion => blank_if_manual(text(os.version)),
            F::OsInstalledDate => {
                Cow::Owned(format_date(if manual { 0 } else { machine.created - DAY }))
            }
            F::Uptime => {
                if machine.last_sync == 0 {
                    Cow::Borrowed("")
                } else {
                    let seconds = d(8) % (40 * DAY as u64);
                    Cow::Owned(format!(
                        "{} days {:02}:{:02}:{:02}",
                        seconds / DAY as u64,
                        seconds % DAY as u64 / 3_600,
                        seconds % 3_600 / 60,
                        seconds % 60
                    ))
                }
            }
            F::LastReboot => Cow::Owned(format_date(if machine.last_sync == 0 {
                0
            } else {
                machine.last_sync - (d(8) % (40 * DAY as u64)) as i64
            })),
            F::LastShutdown => Cow::Owned(format_date(if machine.last_sync == 0 {
                0
            } else {
                machine.last_sync - (d(8) % (40 * DAY as u64)) as i64 - 600
            })),
            F::Virtual => Cow::Borrowed(if hw.is_virtual { "1" } else { "0" }),
            F::UserLogged => Cow::Owned(
                machine
                    .user
                    .split(',')
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            ),
            F::UserName => Cow::Owned(
                machine
                    .user
                    .split(',')
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            ),
            F::UserFullname => match (machine.person, machine.user.as_str()) {
                (_, "jdoe") => Cow::Borrowed("Jane Doe"),
                (Some(person), _) => text(&self.org.people[person as usize].full_name),
                (None, _) => Cow::Borrowed(""),
            },
            F::UserDomain | F::Domain => match machine.kind {
                Kind::Workstation | Kind::Server => text(self.org.netbios),
                _ => Cow::Borrowed(""),
            },
            F::Ipv6 => {
                if d(9) % 3 == 0 {
                    Cow::Owned(format!("fe80::{:x}:{:x}", d(9) & 0xFFFF, d(10) & 0xFFFF))
                } else {
                    Cow::Borrowed("")
                }
            }
            F::Netmask => Cow::Borrowed("255.255.255.0"),
            F::BiosManufacturer => blank_if_manual(text(hw.manufacturer)),
            F::BiosReleaseDate => Cow::Owned(format_date(if manual {
                0
            } else {
                let day = machine.created - (d(11) % 700) as i64 * DAY;
                day - day.rem_euclid(DAY)
            })),
            F::CpuName => blank_if_manual(text(hw.cpu)),
            F::PhysicalProcessors => blank_if_manual(Cow::Borrowed(
                if machine.kind == Kind::Server && !hw.is_virtual {
                    "2"
                } else {
                    "1"
                },
            )),
            F::PhysicalCores => blank_if_manual(text(hw.cores)),
            F::Notes => Cow::Borrowed(if manual { "Entered by hand" } else { "" }),
            F::CustomFieldValue0 => {
                if d(12) % 3 == 0 {
                    Cow::Owned(format!("CC-{}", 4_000 + d(12) % 900))
                } else {
                    Cow::Borrowed("")
                }
            }
            F::Kuid => {
                let (a, b) = (d(13), d(14));
                Cow::Owned(format!(
                    "{:08X}-{:04X}-{:04X}-{:04X}-{:012X}",
                    a >> 32,
                    (a >> 16) & 0xFFFF,
                    a & 0xFFFF,
                    b >> 48,
                    b & 0xFFFF_FFFF_FFFF
                ))
            }
            F::OsId => blank_if_manual(Cow::Owned((u64::from(machine.os) + 1).to_string())),
        };
        value
    }
}

fn serial_number(style: &str, seed: u64) -> String {
    const ALNUM: &[u8] = b"0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut rng = SplitMix64::new(seed);
    let mut chars =
        |count: usize| -> String { (0..count).map(|_| char::from(*rng.pick(ALNUM))).collect() };
    match style {
        "HP" => format!("5CG{}", chars(7)),
        "DELL" => chars(7),
        "LENOVO" => format!("PF{}", chars(6)),
        "APPLE" => format!("C02{}", chars(9)),
        "VMWARE" => format!(
            "VMware-56 4d {} {}",
            chars(2).to_lowercase(),
            chars(2).to_lowercase()
        ),
        "HYPERV" => format!("{}-{}-{}", chars(4), chars(4), chars(4)),
        _ => chars(10),
    }
}

impl Dataset for MachinesView {
    fn schema(&self) -> &'static Schema {
        &MACHINES_SCHEMA
    }

    fn value(&self, row: u32, field: usize) -> Cow<'_, str> {
        let machine = &self.org.machines[row as usize];
        self.field(machine, MACHINE_FIELD_LIST[field].0)
    }

    fn sub_len(&self, sub: usize, row: u32) -> usize {
        let machine = &self.org.machines[row as usize];
        match sub {
            0 => usize::from(machine.software_len),
            _ => usize::from(machine.location != 0),
        }
    }

    fn sub_value(&self, sub: usize, row: u32, item: usize, field: usize) -> Cow<'_, str> {
        let machine = &self.org.machines[row as usize];
        if sub == 1 {
            let location = usize::from(machine.location.saturating_sub(1));
            return match field {
                0 => Cow::Owned((location + 1).to_string()),
                _ => Cow::Borrowed(catalog().locations[location]),
            };
        }
        let installed = self.org.software_of(machine)[item];
        let software = &catalog().software[usize::from(installed)];
        match field {
            0 => Cow::Owned(software.id.to_string()),
            1 => Cow::Borrowed(software.name),
            2 => Cow::Borrowed(software.version),
            3 => Cow::Borrowed(software.publisher),
            4 => {
                let salt = derive(machine.seed, 100 + u64::from(installed));
                Cow::Owned(if salt.is_multiple_of(7) {
                    ZERO_DATE.to_string()
                } else {
                    let seconds = machine.created + (salt % 400) as i64 * DAY;
                    format_date(seconds.min(self.org.now) - seconds.rem_euclid(DAY))
                })
            }
            _ => software_extra(software, field - 5),
        }
    }
}

/// CATEGORY, IS_PATCH, UNINSTALL_STRING of a software row.
fn software_extra(software: &super::catalog::SoftwareVersion, which: usize) -> Cow<'static, str> {
    match which {
        0 => Cow::Borrowed(software.category),
        1 => Cow::Borrowed(if software.category == "Patch" {
            "1"
        } else {
            "0"
        }),
        _ => Cow::Owned(format!(
            "MsiExec.exe /X{{{:08X}-0000-0000-0000-000000000000}}",
            software.id
        )),
    }
}

/// The software catalog as `/api/inventory/softwares` serves it, seen from one organization
/// (for the `machine` sub-entity).
pub struct SoftwareView {
    machines: MachinesView,
    /// For a caller who sees only some machines: the visible part of the org's index.
    scoped: Option<Vec<Vec<u32>>>,
}

impl SoftwareView {
    /// The catalog for a caller in `org` who sees the machines `visible` accepts (`None`: all).
    pub fn new(org: Arc<Org>, visible: Option<&dyn Fn(&MachineRecord) -> bool>) -> SoftwareView {
        let scoped = visible.map(|visible| {
            org.installed_on()
                .iter()
                .map(|rows| {
                    rows.iter()
                        .copied()
                        .filter(|&row| visible(&org.machines[row as usize]))
                        .collect()
                })
                .collect()
        });
        SoftwareView {
            machines: MachinesView { org },
            scoped,
        }
    }

    /// The row of a software id.
    pub fn row_of(id: u32) -> Option<u32> {
        let row = id.checked_sub(super::catalog::FIRST_SOFTWARE_ID)?;
        ((row as usize) < catalog().software.len()).then_some(row)
    }

    pub fn rows() -> std::ops::Range<u32> {
        0..catalog().software.len() as u32
    }

    fn installed_on(&self, row: u32) -> &[u32] {
        match &self.scoped {
            Some(scoped) => &scoped[row as usize],
            None => &self.machines.org.installed_on()[row as usize],
        }
    }
}

impl Dataset for SoftwareView {
    fn schema(&self) -> &'static Schema {
        &SOFTWARE_SCHEMA
    }

    fn value(&self, row: u32, field: usize) -> Cow<'_, str> {
        let software = &catalog().software[row as usize];
        match field {
            0 => Cow::Owned(software.id.to_string()),
            1 => Cow::Borrowed(software.name),
            2 => Cow::Borrowed(software.version),
            3 => Cow::Borrowed(software.publisher),
            _ => software_extra(software, field - 4),
        }
    }

    fn sub_len(&self, _sub: usize, row: u32) -> usize {
        self.installed_on(row).len()
    }

    fn sub_value(&self, _sub: usize, row: u32, item: usize, field: usize) -> Cow<'_, str> {
        let machine = &self.machines.org.machines[self.installed_on(row)[item] as usize];
        self.machines.field(machine, SOFTWARE_MACHINE_FIELDS[field])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(view: &MachinesView, row: u32, key: &str) -> String {
        let field = MACHINE_ENTITY.field_index(key).expect(key);
        view.value(row, field).into_owned()
    }

    #[test]
    fn field_table_matches_the_enum_order() {
        for (index, (field, def)) in MACHINE_FIELD_LIST.iter().enumerate() {
            assert_eq!(MACHINE_FIELDS[index].key, def.key);
            assert_eq!(MACHINE_FIELD_LIST[index].0, *field);
        }
    }

    #[test]
    fn generation_is_deterministic_and_has_the_fixed_machines() {
        let a = Appliance::generate(300, 42);
        let b = Appliance::generate(300, 42);
        let default_a = MachinesView {
            org: a.orgs[0].clone(),
        };
        let default_b = MachinesView {
            org: b.orgs[0].clone(),
        };
        for row in [0, 17, 299] {
            for key in ["Name", "User", "Ip", "Os_name", "Mac", "Bios_serial_number"] {
                assert_eq!(value(&default_a, row, key), value(&default_b, row, key));
            }
        }
        let other = Appliance::generate(300, 43);
        let names = |appliance: &Appliance| -> Vec<String> {
            appliance.orgs[0]
                .machines
                .iter()
                .map(|m| m.name.to_string())
                .collect()
        };
        assert_ne!(names(&a), names(&other));

        let org = &a.orgs[0];
        assert_eq!(org.machines.len(), 300);
        assert_eq!(a.orgs[1].machines.len(), LAB_MACHINES);
        let row = org.row_of(WS_FIN_0042_ID).unwrap();
        assert_eq!(value(&default_a, row, "Name"), "WS-FIN-0042");
        assert_eq!(value(&default_a, row, "User"), "jdoe");
        let named_42 = org
            .machines
            .iter()
            .filter(|m| m.name == "WS-FIN-0042")
            .count();
        assert_eq!(named_42, 1);
        let jdoe = org.machines.iter().filter(|m| m.has_user("jdoe")).count();
        assert!(jdoe >= 3, "{jdoe}");
        let hostile = value(&default_a, org.row_of(94).unwrap(), "Name");
        assert_eq!(hostile.len(), 2_048);
        assert!(value(&default_a, org.row_of(90).unwrap(), "Name").contains('\u{1b}'));
        let manual = org.row_of(100).unwrap();
        assert_eq!(value(&default_a, manual, "Manual_entry"), "1");
        assert_eq!(value(&default_a, manual, "Last_sync"), ZERO_DATE);
        assert_eq!(value(&default_a, manual, "Ram Total"), "0 Bytes");
        assert_eq!(default_a.sub_len(0, manual), 0);
    }

    #[test]
    fn names_are_unique_and_values_realistic() {
        let appliance = Appliance::generate(2_000, 7);
        let view = MachinesView {
            org: appliance.orgs[0].clone(),
        };
        let mut names: Vec<&str> = view.org.machines.iter().map(|m| m.name.as_str()).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(
            names.len(),
            before - 1,
            "only the re-imaged pair shares a name"
        );
        let namesakes: Vec<u32> = view
            .org
            .machines
            .iter()
            .filter(|m| m.name == REIMAGED_NAME)
            .map(|m| m.id)
            .collect();
        assert_eq!(namesakes, REIMAGED_IDS);
        let [old, new] = REIMAGED_IDS.map(|id| view.org.row_of(id).unwrap());
        for key in ["Bios_serial_number", "Mac", "Cs_model"] {
            assert_eq!(value(&view, old, key), value(&view, new, key), "{key}");
        }
        assert_ne!(
            value(&view, old, "Last_sync"),
            value(&view, new, "Last_sync")
        );
        assert!(value(&view, old, "Last_sync") < value(&view, new, "Created"));
        let mut two_ips = 0;
        let mut never = 0;
        for machine in &view.org.machines {
            let row = view.org.row_of(machine.id).unwrap();
            let software = view.sub_len(0, row);
            if machine.manual {
                assert_eq!(software, 0);
            } else {
                assert!(
                    (5..=80).contains(&software),
                    "{} has {software}",
                    machine.name
                );
            }
            two_ips += usize::from(machine.ip.contains(','));
            never += usize::from(value(&view, row, "Last_sync") == ZERO_DATE);
        }
        assert!(two_ips > 20, "{two_ips}");
        assert!(never > 20, "{never}");
        let os: std::collections::HashSet<String> = (0..2_000)
            .map(|row| value(&view, row, "Os_family"))
            .collect();
        for family in ["Windows", "Mac", "Linux"] {
            assert!(os.contains(family), "{os:?}");
        }
    }
}
