//! The generator's catalogs (software titles and versions, operating systems, hardware, name
//! parts), read from the tab-separated files in `assets/fake/` embedded at build time.

use std::sync::OnceLock;

/// What a machine is, which decides its name, OS, hardware and software.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Workstation,
    Server,
    Mac,
    Linux,
}

impl Kind {
    fn from_letter(letter: char) -> Option<Kind> {
        Some(match letter {
            'W' => Kind::Workstation,
            'S' => Kind::Server,
            'M' => Kind::Mac,
            'L' => Kind::Linux,
            _ => return None,
        })
    }
}

#[derive(Debug)]
pub struct OperatingSystem {
    pub kind: Kind,
    pub name: &'static str,
    pub number: &'static str,
    pub family: &'static str,
    pub arch: &'static str,
    pub build: &'static str,
    pub version: &'static str,
    pub weight: u32,
}

#[derive(Debug)]
pub struct Hardware {
    pub kinds: Vec<Kind>,
    pub manufacturer: &'static str,
    pub model: &'static str,
    pub chassis: &'static str,
    pub cpu: &'static str,
    pub cores: &'static str,
    pub video: &'static str,
    pub bios_version: &'static str,
    pub serial_style: &'static str,
    pub is_virtual: bool,
    pub weight: u32,
}

/// One installable software version: a row of the `Software` entity.
#[derive(Debug)]
pub struct SoftwareVersion {
    pub id: u32,
    pub title: usize,
    pub name: &'static str,
    pub publisher: &'static str,
    pub version: &'static str,
    pub category: &'static str,
}

#[derive(Debug)]
pub struct SoftwareTitle {
    /// Which kinds of machine carry it.
    pub kinds: Vec<Kind>,
    pub popularity: u32,
    /// Indices into [`Catalog::software`].
    pub versions: Vec<usize>,
}

#[derive(Debug)]
pub struct Catalog {
    pub operating_systems: Vec<OperatingSystem>,
    pub hardware: Vec<Hardware>,
    pub titles: Vec<SoftwareTitle>,
    pub software: Vec<SoftwareVersion>,
    pub departments: Vec<&'static str>,
    pub server_roles: Vec<&'static str>,
    pub linux_roles: Vec<&'static str>,
    pub locations: Vec<&'static str>,
    pub monitors: Vec<&'static str>,
    pub first_names: Vec<&'static str>,
    pub last_names: Vec<&'static str>,
}

/// The first software id; the appliance's ids are database row ids, never small.
pub const FIRST_SOFTWARE_ID: u32 = 7_000;

fn rows(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| line.split('\t').collect())
}

fn kinds(letters: &str) -> Vec<Kind> {
    letters.chars().filter_map(Kind::from_letter).collect()
}

fn number(text: &str) -> u32 {
    text.trim().parse().unwrap_or(1)
}

impl Catalog {
    fn load() -> Catalog {
        let operating_systems = rows(include_str!("../../assets/fake/operating_systems.tsv"))
            .filter(|row| row.len() >= 8)
            .map(|row| OperatingSystem {
                kind: row[0]
                    .chars()
                    .next()
                    .and_then(Kind::from_letter)
                    .unwrap_or(Kind::Workstation),
                name: row[1],
                number: row[2],
                family: row[3],
                arch: row[4],
                build: row[5],
                version: row[6],
                weight: number(row[7]),
            })
            .collect();
        let hardware = rows(include_str!("../../assets/fake/hardware.tsv"))
            .filter(|row| row.len() >= 11)
            .map(|row| Hardware {
                kinds: kinds(row[0]),
                manufacturer: row[1],
                model: row[2],
                chassis: row[3],
                cpu: row[4],
                cores: row[5],
                video: row[6],
                bios_version: row[7],
                serial_style: row[8],
                is_virtual: row[9] == "1",
                weight: number(row[10]),
            })
            .collect();
        let mut titles = Vec::new();
        let mut software = Vec::new();
        for row in rows(include_str!("../../assets/fake/software.tsv")).filter(|row| row.len() >= 6)
        {
            let mut title_kinds = kinds(row[0]);
            // "W" means any Windows machine, servers included.
            if title_kinds.contains(&Kind::Workstation) && !title_kinds.contains(&Kind::Server) {
                title_kinds.push(Kind::Server);
            }
            let title = titles.len();
            let mut versions = Vec::new();
            for version in row[3].split(';').filter(|version| !version.is_empty()) {
                versions.push(software.len());
                software.push(SoftwareVersion {
                    id: FIRST_SOFTWARE_ID + software.len() as u32,
                    title,
                    name: row[1],
                    publisher: row[2],
                    version,
                    category: row[4],
                });
            }
            titles.push(SoftwareTitle {
                kinds: title_kinds,
                popularity: number(row[5]),
                versions,
            });
        }
        let mut parts = std::collections::HashMap::new();
        for row in rows(include_str!("../../assets/fake/name_parts.tsv")) {
            if let Some((section, values)) = row.split_first() {
                parts.insert(*section, values.to_vec());
            }
        }
        let mut part = |name: &str| parts.remove(name).unwrap_or_default();
        Catalog {
            operating_systems,
            hardware,
            titles,
            software,
            departments: part("department"),
            server_roles: part("server_role"),
            linux_roles: part("linux_role"),
            locations: part("location"),
            monitors: part("monitor"),
            first_names: part("first_name"),
            last_names: part("last_name"),
        }
    }
}

/// The catalogs, parsed once.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(Catalog::load)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogs_parse_completely() {
        let catalog = catalog();
        assert!(catalog.titles.len() >= 250, "{}", catalog.titles.len());
        assert!(catalog.software.len() > catalog.titles.len());
        assert!(catalog.software.len() < usize::from(u16::MAX));
        for kind in [Kind::Workstation, Kind::Server, Kind::Mac, Kind::Linux] {
            assert!(catalog.operating_systems.iter().any(|os| os.kind == kind));
            assert!(catalog.hardware.iter().any(|hw| hw.kinds.contains(&kind)));
            let titles = catalog
                .titles
                .iter()
                .filter(|t| t.kinds.contains(&kind))
                .count();
            assert!(titles >= 20, "{kind:?} has {titles} titles");
        }
        for list in [
            &catalog.departments,
            &catalog.server_roles,
            &catalog.linux_roles,
            &catalog.locations,
            &catalog.monitors,
            &catalog.first_names,
            &catalog.last_names,
        ] {
            assert!(list.len() >= 5);
        }
        assert!(catalog.departments.contains(&"FIN"));
    }
}
