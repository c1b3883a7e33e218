//! Snapshot and flow tests of the TUI: the real `update` and `render`, driven by keys and
//! worker events, drawn into ratatui's `TestBackend` (no terminal, no network).

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kace_tui::api::query::Level;
use kace_tui::api::{
    ApiError, ConnectionSettings, CurrentUser, Machine, MachineDetail, Organization, Role,
    Software, Timestamp,
};
use kace_tui::app::{self, App, AppOptions, Cmd, Msg, Screen, update};
use kace_tui::worker::{self, ApiEvent, LoadProgress, LoginOutcome, RequestId, Session};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;
use unicode_width::UnicodeWidthStr;

const SMALL: (u16, u16) = (80, 24);
const LARGE: (u16, u16) = (120, 40);

fn now() -> Timestamp {
    Timestamp::parse("2024-05-02 12:00:00").unwrap()
}

fn ago(seconds: i64) -> Option<Timestamp> {
    Some(Timestamp(now().0 - seconds))
}

// ----- fixtures -----

fn machine(id: u64, name: &str, ip: &str, os: &str, user: &str, model: &str) -> Machine {
    Machine {
        id,
        name: name.into(),
        ip: ip.into(),
        os_name: os.into(),
        user: user.into(),
        model: model.into(),
        manufacturer: "HP".into(),
        serial: format!("5CG{id:04}XYZ").into(),
        mac: format!("00:1A:2B:3C:{:02X}:{:02X}", id / 256, id % 256).into(),
        last_sync: ago((id as i64 % 17) * 3_600 * 7 + 300),
        last_inventory: ago(86_400),
        extra: Vec::new(),
    }
}

/// A small estate: workstations and servers, Windows, macOS and Linux.
fn estate() -> Vec<Machine> {
    let oses = [
        ("Microsoft Windows 11 Enterprise x64", "HP EliteBook 840 G8"),
        ("Microsoft Windows 10 Pro x64", "Dell Latitude 5420"),
        ("Ubuntu 22.04.4 LTS", "PowerEdge R650"),
        ("macOS 14.4 Sonoma", "MacBook Pro 14"),
        ("Microsoft Windows Server 2022", "ProLiant DL380 Gen10"),
    ];
    let depts = ["FIN", "HR", "ENG", "OPS", "SALES"];
    let users = ["jdoe", "asmith", "bwong", "cgarcia", "dkim", ""];
    (1..=60u64)
        .map(|i| {
            let (os, model) = oses[(i as usize) % oses.len()];
            let dept = depts[(i as usize * 7) % depts.len()];
            let prefix = if os.contains("Server") || os.contains("Ubuntu") {
                "SRV"
            } else {
                "WS"
            };
            let ip = if i % 9 == 0 {
                format!("10.20.{}.{}, 192.168.1.{}", i % 4, i, i)
            } else {
                format!("10.20.{}.{}", i % 4, i)
            };
            let mut m = machine(
                i,
                &format!("{prefix}-{dept}-{:04}", i * 7),
                &ip,
                os,
                users[(i as usize) % users.len()],
                model,
            );
            if i % 13 == 0 {
                m.last_sync = ago(90 * 86_400);
            }
            if i == 20 {
                m.last_sync = None;
            }
            m
        })
        .collect()
}

/// Machines whose strings try to attack the terminal or fool the reader.
fn hostile() -> Vec<Machine> {
    let mut list = vec![
        machine(
            901,
            "EVIL\x1b[2J\x1b[HPWNED",
            "10.66.0.1",
            "Windows\x1b]0;pwned\x07 11",
            "root",
            "",
        ),
        machine(
            902,
            "clip\x1b]52;c;cm0gLXJmIH4K\x07board",
            "10.66.0.2",
            "Linux",
            "\u{9b}31mred",
            "",
        ),
        machine(
            903,
            "invoice\u{202e}fdp.exe",
            "10.66.0.3",
            "Windows 10",
            "bidi",
            "",
        ),
        machine(904, "WKS\u{200b}-01", "10.66.0.4", "Windows 11", "zwsp", ""),
        machine(
            905,
            "端末-東京-01",
            "10.66.0.5",
            "Windows 11 日本語版",
            "山田太郎",
            "富士通 LIFEBOOK",
        ),
        machine(
            906,
            "📦-kiosk-🖥️-lobby",
            "10.66.0.6",
            "macOS 14 🍎",
            "kiosk",
            "",
        ),
        machine(
            907,
            &"A".repeat(2_048),
            "10.66.0.7",
            "Windows 11",
            "long",
            "",
        ),
        machine(
            908,
            "line\rbreak\nname",
            "10.66.0.8",
            "Windows 11",
            "tab\there",
            "",
        ),
    ];
    list[0].model = "Model\x1b[31mRED".into();
    list
}

fn detail_of(mut machine: Machine) -> MachineDetail {
    machine.extra = vec![
        ("Ram Total".into(), "16384 Bytes".into()),
        ("Ram_used".into(), "9321.4".into()),
        (
            "Cpu_name".into(),
            "11th Gen Intel(R) Core(TM) i5-1145G7 @ 2.60GHz".into(),
        ),
        ("Physical_cores".into(), "4".into()),
        ("Chassis_type".into(), "Notebook".into()),
        ("Bios_version".into(), "T37 Ver. 01.15.00".into()),
        ("Os_family".into(), "Windows".into()),
        ("Os_version".into(), "23H2".into()),
        ("Os_build".into(), "22631".into()),
        ("Os_arch".into(), "x64".into()),
        ("Uptime".into(), "2 days 03:11:45".into()),
        ("Last_reboot".into(), "2024-04-30 07:02:41".into()),
        ("Netmask".into(), "255.255.255.0".into()),
        ("Ipv6".into(), "".into()),
        ("Cs_domain".into(), "corp.example.com".into()),
        ("User_fullname".into(), "Jane Doe".into()),
        ("Client_version".into(), "14.0.49".into()),
        ("Notes".into(), "spare laptop\x1b[5m blink".into()),
        ("Custom_field_value0".into(), "cost centre 4711".into()),
    ];
    let titles = [
        ("Google Chrome", "124.0.6367.119", "Google LLC"),
        ("7-Zip 23.01 (x64)", "23.01", "Igor Pavlov"),
        (
            "Microsoft Office 365",
            "16.0.17328",
            "Microsoft Corporation",
        ),
        ("Mozilla Firefox", "125.0.3", "Mozilla"),
        ("Zoom Workplace", "6.0.2", "Zoom Video Communications"),
        ("Notepad++", "8.6.5", "Notepad++ Team"),
        ("VLC media player", "3.0.20", "VideoLAN"),
        ("Adobe Acrobat Reader", "24.002.20687", "Adobe"),
    ];
    let software = titles
        .iter()
        .enumerate()
        .map(|(i, (name, version, publisher))| Software {
            id: 7_300 + i as u64,
            name: (*name).into(),
            version: (*version).into(),
            publisher: (*publisher).into(),
            install_date: if i == 1 {
                None
            } else {
                ago(i as i64 * 86_400 * 10)
            },
            extra: Vec::new(),
        })
        .collect();
    MachineDetail { machine, software }
}

fn admin() -> CurrentUser {
    CurrentUser {
        id: 1,
        user_name: "admin".into(),
        full_name: "Demo Administrator".into(),
        role: Role::Administrator,
    }
}

fn viewer() -> CurrentUser {
    CurrentUser {
        id: 2,
        user_name: "viewer".into(),
        full_name: "Read Only".into(),
        role: Role::ReadOnlyAdministrator,
    }
}

fn session(user: CurrentUser, org: &str) -> Session {
    Session {
        server: "https://kace.example.com".into(),
        user,
        organization: Some(org.into()),
    }
}

fn orgs() -> Vec<Organization> {
    vec![
        Organization {
            id: 1,
            name: "Default".into(),
        },
        Organization {
            id: 2,
            name: "Lab".into(),
        },
        Organization {
            id: 3,
            name: "Lab Annex".into(),
        },
    ]
}

// ----- driving the app -----

fn app_options(size: (u16, u16)) -> AppOptions {
    AppOptions {
        settings: ConnectionSettings {
            server: "https://kace.example.com".into(),
            ..ConnectionSettings::default()
        },
        user: Some("admin".into()),
        now: Some(now()),
        size,
        ..AppOptions::default()
    }
}

fn new_app(size: (u16, u16)) -> App {
    App::new(app_options(size))
}

fn key(app: &mut App, code: KeyCode) -> Vec<Cmd> {
    update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ctrl(app: &mut App, c: char) -> Vec<Cmd> {
    update(
        app,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
    )
}

fn typ(app: &mut App, text: &str) {
    for c in text.chars() {
        let cmds = key(app, KeyCode::Char(c));
        assert!(cmds.is_empty(), "typing {c:?} produced {cmds:?}");
    }
}

fn api(app: &mut App, event: ApiEvent) -> Vec<Cmd> {
    update(app, Msg::Api(event))
}

/// The worker commands in `cmds`.
fn worker_cmds(cmds: Vec<Cmd>) -> Vec<worker::Cmd> {
    cmds.into_iter()
        .filter_map(|c| match c {
            Cmd::Worker(w) => Some(w),
            _ => None,
        })
        .collect()
}

fn id_of(cmd: &worker::Cmd) -> RequestId {
    match cmd {
        worker::Cmd::Login { id, .. }
        | worker::Cmd::VerifyTwoFactor { id, .. }
        | worker::Cmd::ListOrganizations { id }
        | worker::Cmd::SwitchOrganization { id, .. }
        | worker::Cmd::LoadMachines { id, .. }
        | worker::Cmd::LoadMachine { id, .. }
        | worker::Cmd::Logout { id } => *id,
        worker::Cmd::Cancel { target } => *target,
    }
}

/// The one worker command in `cmds`, by shape.
fn only(cmds: Vec<Cmd>) -> worker::Cmd {
    let mut cmds = worker_cmds(cmds);
    assert_eq!(cmds.len(), 1, "expected one worker command, got {cmds:?}");
    cmds.remove(0)
}

/// Renders the app into a buffer of its size and returns the screen as text (wide characters
/// take their two columns, trailing blanks trimmed). Lines with reverse-video cells (the
/// selection, the active tab, badges) end with `◀rev` so snapshots show where they are.
fn screen(app: &App) -> String {
    let (width, height) = app.size;
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| kace_tui::ui::render(app, frame))
        .unwrap();
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..height {
        let mut line = String::new();
        let mut skip = 0;
        let mut reversed = false;
        for x in 0..width {
            let cell = &buffer[(x, y)];
            reversed |= cell.modifier.contains(Modifier::REVERSED);
            if skip > 0 {
                skip -= 1;
                continue;
            }
            line.push_str(cell.symbol());
            skip = cell.symbol().width().saturating_sub(1);
        }
        out.push_str(line.trim_end());
        if reversed {
            out.push_str("  ◀rev");
        }
        out.push('\n');
    }
    assert!(
        !out.chars().any(|c| c.is_control() && c != '\n'),
        "a control character reached the screen"
    );
    // ratatui drops control characters itself, but not invisible format characters.
    assert!(
        !out.chars().any(kace_tui::sanitize::is_hidden_format),
        "an invisible format character reached the screen:\n{out}"
    );
    out
}

/// Logs in as `user` and returns the app on the org picker (organizations loaded).
fn logged_in_app(size: (u16, u16), user: CurrentUser) -> App {
    logged_in_from(new_app(size), user)
}

/// Logs `app` (on the login form) in as `user`, up to the org picker.
fn logged_in_from(mut app: App, user: CurrentUser) -> App {
    typ(&mut app, "secret");
    let login = only(key(&mut app, KeyCode::Enter));
    let cmds = api(
        &mut app,
        ApiEvent::Login {
            id: id_of(&login),
            outcome: LoginOutcome::LoggedIn(session(user, "Default")),
        },
    );
    let list_orgs = only(cmds);
    assert!(matches!(list_orgs, worker::Cmd::ListOrganizations { .. }));
    api(
        &mut app,
        ApiEvent::Organizations {
            id: id_of(&list_orgs),
            orgs: orgs(),
        },
    );
    app
}

/// From the org picker, chooses the selected organization and returns the machine load.
fn choose_org(app: &mut App, org: &str) -> worker::Cmd {
    let switch = only(key(app, KeyCode::Enter));
    let worker::Cmd::SwitchOrganization { org: chosen, .. } = &switch else {
        panic!("expected a switch, got {switch:?}");
    };
    assert_eq!(chosen.name, org);
    let mut admin_session = session(admin(), org);
    if let Some(s) = &app.session {
        admin_session.user = s.user.clone();
    }
    let load = only(api(
        app,
        ApiEvent::OrganizationSwitched {
            id: id_of(&switch),
            session: admin_session,
        },
    ));
    assert!(matches!(load, worker::Cmd::LoadMachines { .. }));
    load
}

fn deliver(app: &mut App, load: &worker::Cmd, machines: Vec<Machine>) {
    let id = id_of(load);
    let count = machines.len();
    api(
        app,
        ApiEvent::MachinesPage {
            id,
            machines,
            progress: LoadProgress {
                loaded: count,
                total: Some(count),
            },
        },
    );
    api(
        app,
        ApiEvent::MachinesDone {
            id,
            progress: LoadProgress {
                loaded: count,
                total: Some(count),
            },
            elapsed: Duration::from_millis(400),
        },
    );
}

/// Logged in, organization chosen, `machines` loaded.
fn list_app(size: (u16, u16), user: CurrentUser, machines: Vec<Machine>) -> App {
    list_from(new_app(size), user, machines)
}

/// `app` (on the login form) logged in, organization chosen, `machines` loaded.
fn list_from(app: App, user: CurrentUser, machines: Vec<Machine>) -> App {
    let mut app = logged_in_from(app, user);
    let load = choose_org(&mut app, "Default");
    deliver(&mut app, &load, machines);
    // Let the "Loaded ..." flash expire so snapshots show the steady state.
    update(
        &mut app,
        Msg::Clock {
            now: Timestamp(now().0 + 60),
        },
    );
    update(&mut app, Msg::Clock { now: now() });
    app
}

fn selected_name(app: &App) -> String {
    app.screens
        .iter()
        .rev()
        .find_map(|s| match s {
            Screen::Machines(list) => list.table.selected().map(|m| m.name.to_string()),
            _ => None,
        })
        .unwrap_or_default()
}

fn both_sizes(name: &str, build: impl Fn((u16, u16)) -> App) {
    for size in [SMALL, LARGE] {
        let app = build(size);
        insta::assert_snapshot!(format!("{name}_{}x{}", size.0, size.1), screen(&app));
    }
}

// ----- screens -----

#[test]
fn login_empty_form() {
    both_sizes("login", |size| {
        App::new(AppOptions {
            now: Some(now()),
            size,
            ..AppOptions::default()
        })
    });
}

#[test]
fn login_with_an_error_keeps_the_user_name() {
    both_sizes("login_error", |size| {
        let mut app = new_app(size);
        typ(&mut app, "wrong");
        let login = only(key(&mut app, KeyCode::Enter));
        let worker::Cmd::Login { credentials, .. } = &login else {
            panic!("not a login: {login:?}");
        };
        assert_eq!(credentials.user, "admin");
        api(
            &mut app,
            ApiEvent::Failed {
                id: id_of(&login),
                error: ApiError::InvalidCredentials,
            },
        );
        let Some(Screen::Login(form)) = app.screen() else {
            panic!("not on the login form");
        };
        assert_eq!(form.user.value(), "admin");
        assert_eq!(form.password.value(), "");
        app
    });
}

#[test]
fn login_errors_are_in_words() {
    let cases = [
        (
            ApiError::ConnectionRefused {
                host: "kace.example.com:443".into(),
            },
            "connection was refused",
        ),
        (
            ApiError::Tls {
                host: "kace.example.com".into(),
                detail: "invalid peer certificate: UnknownIssuer".into(),
            },
            "self-signed",
        ),
        (
            ApiError::UnknownOrganization("Nope".into()),
            "no organization \"Nope\"",
        ),
    ];
    for (error, words) in cases {
        let mut app = new_app(SMALL);
        typ(&mut app, "pw");
        let login = only(key(&mut app, KeyCode::Enter));
        api(
            &mut app,
            ApiEvent::Failed {
                id: id_of(&login),
                error,
            },
        );
        let text = screen(&app).replace(['│', '\n'], " ");
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(text.contains(words), "{words}: {text}");
    }
}

#[test]
fn login_while_logging_in_shows_a_spinner() {
    for size in [SMALL, LARGE] {
        let mut app = new_app(size);
        typ(&mut app, "pw");
        key(&mut app, KeyCode::Enter);
        assert!(app.is_busy());
        insta::assert_snapshot!(format!("login_busy_{}x{}", size.0, size.1), screen(&app));
    }
}

#[test]
fn two_factor_with_a_wrong_code() {
    both_sizes("two_factor_wrong_code", |size| {
        let mut app = new_app(size);
        typ(&mut app, "secure");
        let login = only(key(&mut app, KeyCode::Enter));
        api(
            &mut app,
            ApiEvent::Login {
                id: id_of(&login),
                outcome: LoginOutcome::TwoFactorRequired,
            },
        );
        typ(&mut app, "000000");
        let verify = only(key(&mut app, KeyCode::Enter));
        assert!(matches!(verify, worker::Cmd::VerifyTwoFactor { .. }));
        api(
            &mut app,
            ApiEvent::Failed {
                id: id_of(&verify),
                error: ApiError::TwoFactorRejected,
            },
        );
        app
    });
}

#[test]
fn org_picker_filtered() {
    both_sizes("org_picker_filtered", |size| {
        let mut app = logged_in_app(size, admin());
        typ(&mut app, "la");
        app
    });
}

/// The footer offers `Esc` on the organization picker only when it does something: clear a
/// typed filter, or go back to the list it was opened from; never on the first picker.
#[test]
fn org_picker_footer_offers_esc_only_when_it_does_something() {
    let footer = |app: &App| screen(app).lines().last().unwrap_or_default().to_string();
    let mut first = logged_in_app(SMALL, admin());
    assert!(!footer(&first).contains("Esc"), "{}", footer(&first));
    let screens = first.screens.len();
    key(&mut first, KeyCode::Esc);
    assert_eq!(
        first.screens.len(),
        screens,
        "Esc indeed does nothing there"
    );
    typ(&mut first, "la");
    assert!(footer(&first).contains("Esc clear"), "{}", footer(&first));
    key(&mut first, KeyCode::Esc);
    assert!(!footer(&first).contains("Esc"), "the filter is cleared");

    let mut later = list_app(SMALL, admin(), estate());
    key(&mut later, KeyCode::Char('o'));
    assert!(matches!(later.screens.last(), Some(Screen::OrgPicker(_))));
    assert!(footer(&later).contains("Esc back"), "{}", footer(&later));
    key(&mut later, KeyCode::Esc);
    assert!(matches!(later.screens.last(), Some(Screen::Machines(_))));
}

/// Relative ages refresh without a key press, and only when the screen changes: the loop
/// sleeps until `clock_deadline`; before it the screen is identical, at it something differs.
#[test]
fn relative_ages_change_exactly_at_the_clock_deadline() {
    let at_time = |app: &mut App, t: i64| {
        update(app, Msg::Clock { now: Timestamp(t) });
        screen(app)
    };
    let mut app = list_app(SMALL, admin(), estate());
    let start = now().0;
    let before = screen(&app);
    let mut t = start;
    for _ in 0..5 {
        let due = app.clock_deadline().expect("ages on screen").0;
        assert!(due > t, "the deadline is in the future");
        let shown = at_time(&mut app, t);
        assert_eq!(
            at_time(&mut app, due - 1),
            shown,
            "nothing changes before {due}"
        );
        assert_ne!(at_time(&mut app, due), shown, "something changes at {due}");
        t = due;
    }
    // Rows minutes old: the first change comes within a minute.
    app = list_app(SMALL, admin(), estate());
    let first = app.clock_deadline().unwrap().0;
    assert!(first - start <= 60, "{}", first - start);
    assert_eq!(at_time(&mut app, start), before);

    // Only old rows on screen: nothing to redraw for hours.
    let mut old = estate();
    for machine in &mut old {
        machine.last_sync = ago(200 * 86_400);
    }
    let idle = list_app(SMALL, admin(), old);
    let due = idle.clock_deadline().unwrap().0;
    assert!(due - start > 86_400, "{}", due - start);
}

/// `[ui] columns` chooses the list's columns and their order, at any width.
#[test]
fn configured_columns_are_shown_in_their_order() {
    use kace_tui::app::table::Column;
    let app = App::new(AppOptions {
        columns: Some(vec![Column::LastSync, Column::Name, Column::Model]),
        ..app_options(SMALL)
    });
    let app = list_from(app, admin(), estate());
    let shown = screen(&app);
    let header = shown.lines().nth(2).unwrap_or_default();
    let (sync, name, model) = (
        header.find("LAST SYNC").expect("LAST SYNC"),
        header.find("NAME").expect("NAME"),
        header.find("MODEL").expect("MODEL at 80 columns too"),
    );
    assert!(sync < name && name < model, "{header}");
    assert!(!header.contains(" IP "), "{header}");
    insta::assert_snapshot!("machines_configured_columns_80x24", shown);
}

#[test]
fn machine_list() {
    both_sizes("machines", |size| list_app(size, admin(), estate()));
}

#[test]
fn machine_list_while_loading_shows_progress() {
    both_sizes("machines_loading", |size| {
        let mut app = logged_in_app(size, admin());
        let load = choose_org(&mut app, "Default");
        api(
            &mut app,
            ApiEvent::MachinesPage {
                id: id_of(&load),
                machines: estate().into_iter().take(25).collect(),
                progress: LoadProgress {
                    loaded: 500,
                    total: Some(1_214),
                },
            },
        );
        assert!(app.is_busy());
        app
    });
}

#[test]
fn machine_list_filtered_and_sorted() {
    both_sizes("machines_filtered_sorted", |size| {
        let mut app = list_app(size, admin(), estate());
        key(&mut app, KeyCode::Char('/'));
        typ(&mut app, "os:windows 1");
        key(&mut app, KeyCode::Enter);
        key(&mut app, KeyCode::Char('S'));
        app
    });
}

#[test]
fn machine_list_with_hostile_strings_as_read_only_user() {
    both_sizes("machines_hostile", |size| {
        let mut machines = hostile();
        machines.extend(estate().into_iter().take(5));
        list_app(size, viewer(), machines)
    });
}

#[test]
fn a_readonly_profile_shows_the_badge_for_an_administrator() {
    let header = |app: &App| screen(app).lines().next().unwrap_or_default().to_string();
    let admin_list = list_app(SMALL, admin(), estate());
    assert!(!admin_list.is_read_only());
    assert!(
        !header(&admin_list).contains(" RO "),
        "{}",
        header(&admin_list)
    );

    let app = App::new(AppOptions {
        readonly: true,
        ..app_options(SMALL)
    });
    assert!(app.is_read_only(), "before login too: the profile says so");
    assert!(header(&app).contains(" RO "), "{}", header(&app));
    let app = list_from(app, admin(), estate());
    insta::assert_snapshot!("machines_readonly_profile_80x24", screen(&app));
}

#[test]
fn machine_list_filter_prompt_is_live() {
    for size in [SMALL, LARGE] {
        let mut app = list_app(size, admin(), estate());
        key(&mut app, KeyCode::Char('/'));
        typ(&mut app, "!ws-");
        insta::assert_snapshot!(
            format!("machines_filter_typing_{}x{}", size.0, size.1),
            screen(&app)
        );
    }
}

#[test]
fn detail_on_each_tab() {
    for size in [SMALL, LARGE] {
        let mut app = list_app(size, admin(), estate());
        let load = only(key(&mut app, KeyCode::Enter));
        let worker::Cmd::LoadMachine { machine_id, .. } = load else {
            panic!("expected a detail load, got {load:?}");
        };
        let selected = estate().into_iter().find(|m| m.id == machine_id).unwrap();
        insta::assert_snapshot!(
            format!("detail_loading_{}x{}", size.0, size.1),
            screen(&app)
        );
        api(
            &mut app,
            ApiEvent::Machine {
                id: id_of(&load),
                detail: Box::new(detail_of(selected)),
            },
        );
        for tab in [
            "summary",
            "hardware",
            "os",
            "network",
            "software",
            "all_fields",
        ] {
            insta::assert_snapshot!(format!("detail_{tab}_{}x{}", size.0, size.1), screen(&app));
            key(&mut app, KeyCode::Tab);
        }
    }
}

#[test]
fn detail_software_filter() {
    for size in [SMALL, LARGE] {
        let mut app = list_app(size, admin(), estate());
        let load = only(key(&mut app, KeyCode::Enter));
        let machine = estate().remove(0);
        api(
            &mut app,
            ApiEvent::Machine {
                id: id_of(&load),
                detail: Box::new(detail_of(machine)),
            },
        );
        for _ in 0..4 {
            key(&mut app, KeyCode::Tab);
        }
        key(&mut app, KeyCode::Char('/'));
        typ(&mut app, "zip");
        insta::assert_snapshot!(
            format!("detail_software_filtered_{}x{}", size.0, size.1),
            screen(&app)
        );
    }
}

#[test]
fn detail_of_a_hostile_machine() {
    for size in [SMALL, LARGE] {
        let mut app = list_app(size, admin(), hostile());
        key(&mut app, KeyCode::Char('/'));
        typ(&mut app, "evil");
        key(&mut app, KeyCode::Enter);
        let load = only(key(&mut app, KeyCode::Enter));
        let worker::Cmd::LoadMachine { machine_id, .. } = load else {
            panic!("expected a detail load");
        };
        let machine = hostile().into_iter().find(|m| m.id == machine_id).unwrap();
        api(
            &mut app,
            ApiEvent::Machine {
                id: id_of(&load),
                detail: Box::new(detail_of(machine)),
            },
        );
        key(&mut app, KeyCode::BackTab);
        insta::assert_snapshot!(
            format!("detail_hostile_all_fields_{}x{}", size.0, size.1),
            screen(&app)
        );
    }
}

/// Every place server text reaches the screen: user name and role in the header, organization
/// names in the picker and the breadcrumb, machine fields, extra field names and software in
/// the detail, a retry reason in the status line and an error description in the flash.
/// `screen` fails on any control or invisible format character.
#[test]
fn server_text_on_every_surface_is_sanitized() {
    const NASTY: &str = "\x1b]0;t\x07\u{202e}\u{200b}\u{e0041}\u{9b}2J";
    let user = CurrentUser {
        id: 9,
        user_name: format!("eve{NASTY}"),
        full_name: format!("Eve{NASTY}"),
        role: Role::Other(format!("Ops{NASTY}")),
    };
    let mut app = new_app(LARGE);
    typ(&mut app, "pw");
    let login = only(key(&mut app, KeyCode::Enter));
    let list_orgs = only(api(
        &mut app,
        ApiEvent::Login {
            id: id_of(&login),
            outcome: LoginOutcome::LoggedIn(session(user.clone(), "Default")),
        },
    ));
    let hostile_org = format!("Org{NASTY}");
    api(
        &mut app,
        ApiEvent::Organizations {
            id: id_of(&list_orgs),
            orgs: vec![
                Organization {
                    id: 1,
                    name: hostile_org.clone(),
                },
                Organization {
                    id: 2,
                    name: "Lab".into(),
                },
            ],
        },
    );
    let picker = screen(&app);
    assert!(picker.contains("Org␛]0;t␇"), "{picker}");
    assert!(picker.contains("eve␛]0;t␇"), "{picker}");
    let load = choose_org(&mut app, &hostile_org);
    api(
        &mut app,
        ApiEvent::Retrying {
            id: id_of(&load),
            attempt: 1,
            of: 3,
            delay: Duration::from_millis(200),
            reason: format!("HTTP 503{NASTY}"),
        },
    );
    screen(&app);
    deliver(&mut app, &load, hostile());
    screen(&app);
    let refresh = worker_cmds(key(&mut app, KeyCode::Char('r')))
        .iter()
        .find_map(|cmd| match cmd {
            worker::Cmd::LoadMachines { id, .. } => Some(*id),
            _ => None,
        })
        .expect("a refresh");
    api(
        &mut app,
        ApiEvent::Failed {
            id: refresh,
            error: ApiError::Server {
                status: 500,
                description: format!("boom{NASTY}"),
            },
        },
    );
    let failed = screen(&app);
    assert!(failed.contains("boom␛]0;t␇"), "{failed}");

    let load = only(key(&mut app, KeyCode::Enter));
    let worker::Cmd::LoadMachine { machine_id, .. } = load else {
        panic!("expected a detail load");
    };
    let machine = hostile().into_iter().find(|m| m.id == machine_id).unwrap();
    let mut detail = detail_of(machine);
    detail
        .machine
        .extra
        .push((format!("Key{NASTY}").into(), format!("Value{NASTY}").into()));
    detail.software[0].name = format!("App{NASTY}").into();
    detail.software[0].publisher = format!("Pub{NASTY}").into();
    api(
        &mut app,
        ApiEvent::Machine {
            id: id_of(&load),
            detail: Box::new(detail),
        },
    );
    screen(&app);
    key(&mut app, KeyCode::BackTab);
    let fields = screen(&app);
    assert!(fields.contains("Key␛]0;t␇"), "{fields}");
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    screen(&app);
}

#[test]
fn help_filtered() {
    both_sizes("help_filtered", |size| {
        let mut app = list_app(size, admin(), estate());
        key(&mut app, KeyCode::Char('?'));
        typ(&mut app, "sort");
        app
    });
}

#[test]
fn help_runs_the_selected_action() {
    let mut app = list_app(SMALL, admin(), estate());
    key(&mut app, KeyCode::Char('?'));
    typ(&mut app, "invert_sort");
    key(&mut app, KeyCode::Enter);
    assert!(app.overlay.is_none());
    let Some(Screen::Machines(list)) = app.screen() else {
        panic!("not on the list");
    };
    assert!(
        list.table.sort().descending,
        "{:?} {}",
        list.table.sort(),
        screen(&app)
    );
}

#[test]
fn command_line() {
    let mut app = list_app(SMALL, admin(), estate());
    key(&mut app, KeyCode::Char(':'));
    typ(&mut app, "or");
    insta::assert_snapshot!("command_line_80x24", screen(&app));
    let mut large = list_app(LARGE, admin(), estate());
    key(&mut large, KeyCode::Char(':'));
    typ(&mut large, "or");
    insta::assert_snapshot!("command_line_120x40", screen(&large));
    typ(&mut app, "g lab a");
    let switch = only(key(&mut app, KeyCode::Enter));
    let worker::Cmd::SwitchOrganization { org, .. } = switch else {
        panic!("expected a switch");
    };
    assert_eq!(org.name, "Lab Annex");
    key(&mut app, KeyCode::Char(':'));
    typ(&mut app, "frobnicate");
    key(&mut app, KeyCode::Enter);
    assert!(screen(&app).contains("Unknown command \":frobnicate\""));
}

/// The `:` commands the issue names, and `Ctrl-z`, from the machine list.
#[test]
fn colon_commands_and_ctrl_z() {
    let mut app = list_app(SMALL, admin(), estate());
    assert!(matches!(ctrl(&mut app, 'z').as_slice(), [Cmd::Suspend]));

    key(&mut app, KeyCode::Char(':'));
    typ(&mut app, "org");
    key(&mut app, KeyCode::Enter);
    assert!(matches!(app.screens.last(), Some(Screen::OrgPicker(_))));
    assert!(screen(&app).contains("Lab Annex"));
    key(&mut app, KeyCode::Esc);
    assert!(matches!(app.screens.last(), Some(Screen::Machines(_))));

    key(&mut app, KeyCode::Char(':'));
    typ(&mut app, "logout");
    let logout = only(key(&mut app, KeyCode::Enter));
    assert!(matches!(logout, worker::Cmd::Logout { .. }), "{logout:?}");

    let mut app = list_app(SMALL, admin(), estate());
    key(&mut app, KeyCode::Char(':'));
    typ(&mut app, "q");
    assert!(matches!(
        key(&mut app, KeyCode::Enter).as_slice(),
        [Cmd::Quit]
    ));
}

#[test]
fn session_expired_brings_back_the_login_and_returns_where_you_were() {
    for size in [SMALL, LARGE] {
        let mut app = list_app(size, admin(), estate());
        key(&mut app, KeyCode::Char('j'));
        key(&mut app, KeyCode::Char('j'));
        let before = selected_name(&app);
        let load = only(key(&mut app, KeyCode::Enter));
        api(
            &mut app,
            ApiEvent::Failed {
                id: id_of(&load),
                error: ApiError::SessionExpired,
            },
        );
        insta::assert_snapshot!(
            format!("session_expired_{}x{}", size.0, size.1),
            screen(&app)
        );
        typ(&mut app, "admin");
        let login = only(key(&mut app, KeyCode::Enter));
        let worker::Cmd::Login { credentials, .. } = &login else {
            panic!("expected a login");
        };
        assert_eq!(credentials.organization.as_deref(), Some("Default"));
        let resumed = only(api(
            &mut app,
            ApiEvent::Login {
                id: id_of(&login),
                outcome: LoginOutcome::LoggedIn(session(admin(), "Default")),
            },
        ));
        // Back on the detail, which reloads; the list below kept its rows and selection.
        assert!(matches!(resumed, worker::Cmd::LoadMachine { .. }));
        assert!(matches!(app.screen(), Some(Screen::Detail(_))));
        key(&mut app, KeyCode::Esc);
        assert_eq!(selected_name(&app), before);
        let Some(Screen::Machines(list)) = app.screen() else {
            panic!("not on the list");
        };
        assert_eq!(list.table.total(), 60);
    }
}

#[test]
fn too_small() {
    let app = list_app((30, 8), admin(), estate());
    insta::assert_snapshot!("too_small_30x8", screen(&app));
}

#[test]
fn ctrl_c_in_an_input_clears_it_instead_of_quitting() {
    let mut app = list_app(SMALL, admin(), estate());
    key(&mut app, KeyCode::Char('/'));
    typ(&mut app, "fin");
    assert!(ctrl(&mut app, 'c').is_empty());
    let Some(Screen::Machines(list)) = app.screen() else {
        panic!("not on the list");
    };
    assert_eq!(list.table.filter_text(), "");
    assert!(list.filter_input.is_some());
    key(&mut app, KeyCode::Esc);
    assert!(matches!(ctrl(&mut app, 'c').as_slice(), [Cmd::Quit]));
}

#[test]
fn stale_answers_are_dropped() {
    let mut app = logged_in_app(SMALL, admin());
    let first = choose_org(&mut app, "Default");
    key(&mut app, KeyCode::Char('r'));
    // The cancelled load's page arrives late: it must not land in the list.
    api(
        &mut app,
        ApiEvent::MachinesPage {
            id: id_of(&first),
            machines: estate(),
            progress: LoadProgress::default(),
        },
    );
    let Some(Screen::Machines(list)) = app.screen() else {
        panic!("not on the list");
    };
    assert_eq!(list.table.total(), 0);
}

#[test]
fn automatic_login_when_everything_is_known() {
    let mut app = App::new(AppOptions {
        settings: ConnectionSettings {
            server: "https://kace.example.com".into(),
            ..ConnectionSettings::default()
        },
        user: Some("admin".into()),
        password: Some("admin".into()),
        org: Some("Lab".into()),
        now: Some(now()),
        size: SMALL,
        ..AppOptions::default()
    });
    let login = only(app.start());
    let worker::Cmd::Login { credentials, .. } = &login else {
        panic!("expected a login");
    };
    assert_eq!(credentials.organization.as_deref(), Some("Lab"));
    // An organization was asked for: straight to its machines, no picker.
    let load = only(api(
        &mut app,
        ApiEvent::Login {
            id: id_of(&login),
            outcome: LoginOutcome::LoggedIn(session(admin(), "Lab")),
        },
    ));
    assert!(matches!(load, worker::Cmd::LoadMachines { .. }));
    assert!(matches!(app.screen(), Some(Screen::Machines(l)) if l.org == "Lab"));
    // Without a password nothing happens at start.
    let mut app = new_app(SMALL);
    assert!(app.start().is_empty());
}

#[test]
fn paste_goes_into_the_focused_field() {
    let mut app = new_app(SMALL);
    update(&mut app, Msg::Paste("s3cr3t\n".into()));
    let Some(Screen::Login(form)) = app.screen() else {
        panic!("not on the login");
    };
    assert_eq!(form.password.value(), "s3cr3t");
    assert!(!format!("{form:?}").contains("s3cr3t"));
}

// ----- the flow -----

#[test]
fn flow_login_pick_org_filter_open_back_resort_quit() {
    let mut app = new_app(SMALL);
    let mut step = 0;
    let mut snap = |app: &App, what: &str| {
        step += 1;
        insta::assert_snapshot!(format!("flow_{step:02}_{what}"), screen(app));
    };
    snap(&app, "login");
    typ(&mut app, "admin");
    let login = only(key(&mut app, KeyCode::Enter));
    snap(&app, "logging_in");
    let list_orgs = only(api(
        &mut app,
        ApiEvent::Login {
            id: id_of(&login),
            outcome: LoginOutcome::LoggedIn(session(admin(), "Default")),
        },
    ));
    api(
        &mut app,
        ApiEvent::Organizations {
            id: id_of(&list_orgs),
            orgs: orgs(),
        },
    );
    snap(&app, "org_picker");
    let load = choose_org(&mut app, "Default");
    deliver(&mut app, &load, estate());
    snap(&app, "machines_loaded");
    key(&mut app, KeyCode::Char('/'));
    typ(&mut app, "fin");
    snap(&app, "filter_typed");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('j'));
    let selected = selected_name(&app);
    snap(&app, "filter_kept_selection_moved");
    let open = only(key(&mut app, KeyCode::Enter));
    let worker::Cmd::LoadMachine { machine_id, .. } = open else {
        panic!("expected a detail load");
    };
    let machine = estate().into_iter().find(|m| m.id == machine_id).unwrap();
    assert_eq!(machine.name, selected);
    api(
        &mut app,
        ApiEvent::Machine {
            id: id_of(&open),
            detail: Box::new(detail_of(machine)),
        },
    );
    snap(&app, "detail");
    key(&mut app, KeyCode::Esc);
    assert_eq!(selected_name(&app), selected);
    snap(&app, "back_selection_kept");
    key(&mut app, KeyCode::Char('S'));
    assert_eq!(selected_name(&app), selected);
    snap(&app, "resorted_by_sync");
    key(&mut app, KeyCode::Esc);
    assert_eq!(selected_name(&app), selected);
    snap(&app, "filter_cleared");
    let quit = key(&mut app, KeyCode::Char('q'));
    assert!(matches!(quit.as_slice(), [Cmd::Quit]));
}

#[test]
fn default_keymap_and_stale_threshold_are_configurable() {
    let keymap = app::keymap::Keymap::defaults()
        .with_overrides([("quit", vec!["ctrl-q"])])
        .unwrap();
    let mut app = App::new(AppOptions {
        keymap,
        stale_after: Some(Duration::from_secs(3_600)),
        now: Some(now()),
        size: SMALL,
        ..AppOptions::default()
    });
    assert_eq!(app.stale_after, Duration::from_secs(3_600));
    assert!(key(&mut app, KeyCode::Esc).is_empty());
    assert!(matches!(ctrl(&mut app, 'q').as_slice(), [Cmd::Quit]));
}

#[test]
fn no_color_draws_without_colours_but_keeps_the_reverse_selection() {
    use ratatui::style::Color;
    for no_color in [false, true] {
        let mut app = list_app(SMALL, viewer(), estate());
        app.no_color = no_color;
        let mut terminal = Terminal::new(TestBackend::new(SMALL.0, SMALL.1)).unwrap();
        terminal
            .draw(|frame| kace_tui::ui::render(&app, frame))
            .unwrap();
        let buffer = terminal.backend().buffer();
        let coloured = buffer
            .content()
            .iter()
            .any(|cell| cell.fg != Color::Reset || cell.bg != Color::Reset);
        let reversed = buffer
            .content()
            .iter()
            .any(|cell| cell.modifier.contains(Modifier::REVERSED));
        assert_eq!(coloured, !no_color, "no_color = {no_color}");
        assert!(reversed, "the selection must stay visible");
    }
}

#[test]
fn a_hundred_thousand_rows_stream_in_and_stay_usable() {
    let mut app = logged_in_app(SMALL, admin());
    let load = choose_org(&mut app, "Default");
    let id = id_of(&load);
    for page in 0..100u64 {
        let machines = (0..1_000u64)
            .map(|i| {
                let n = page * 1_000 + i;
                machine(
                    n,
                    &format!("WS-{n:06}"),
                    &format!("10.{}.{}.{}", n % 7, n % 250, n % 200),
                    "Windows 11",
                    "jdoe",
                    "",
                )
            })
            .collect();
        api(
            &mut app,
            ApiEvent::MachinesPage {
                id,
                machines,
                progress: LoadProgress {
                    loaded: (page as usize + 1) * 1_000,
                    total: Some(100_000),
                },
            },
        );
    }
    key(&mut app, KeyCode::Char('G'));
    assert_eq!(selected_name(&app), "WS-099999");
    key(&mut app, KeyCode::Char('/'));
    typ(&mut app, "ws-0999");
    key(&mut app, KeyCode::Enter);
    let text = screen(&app);
    assert!(
        text.contains("Machines · Default · 100 of 100,000"),
        "{text}"
    );
    assert!(
        text.contains("Loading machines… 100,000 of 100,000 (100%)"),
        "{text}"
    );
}

// ----- TLS not verified -----

fn insecure_app(size: (u16, u16)) -> App {
    App::new(AppOptions {
        settings: ConnectionSettings {
            server: "https://kace.example.com".into(),
            insecure: true,
            ..ConnectionSettings::default()
        },
        user: Some("admin".into()),
        now: Some(now()),
        size,
        ..AppOptions::default()
    })
}

/// The header line holds the badge, white on red (reverse video without colours).
fn assert_badge(app: &App) {
    let (width, height) = app.size;
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| kace_tui::ui::render(app, frame))
        .unwrap();
    let buffer = terminal.backend().buffer();
    let header: String = (0..width).map(|x| buffer[(x, 0)].symbol()).collect();
    let start = header
        .find("TLS NOT VERIFIED")
        .unwrap_or_else(|| panic!("no badge in the header: {header:?}"));
    let column = header[..start].chars().count() as u16;
    let cell = &buffer[(column, 0)];
    if app.no_color {
        assert!(cell.modifier.contains(Modifier::REVERSED), "{cell:?}");
    } else {
        assert_eq!(cell.bg, ratatui::style::Color::Red, "{cell:?}");
    }
}

#[test]
fn insecure_shows_a_red_badge_on_every_screen_for_the_whole_run() {
    for size in [SMALL, LARGE] {
        let app = insecure_app(size);
        assert!(app.tls_unverified());
        assert_badge(&app);
        insta::assert_snapshot!(
            format!("insecure_login_{}x{}", size.0, size.1),
            screen(&app)
        );
        let mut app = list_from(app, admin(), estate());
        assert_badge(&app);
        insta::assert_snapshot!(
            format!("insecure_machines_{}x{}", size.0, size.1),
            screen(&app)
        );
        // Into the detail and back, past a failure: the badge never goes away.
        let open = only(key(&mut app, KeyCode::Enter));
        assert!(matches!(open, worker::Cmd::LoadMachine { .. }));
        assert_badge(&app);
        api(
            &mut app,
            ApiEvent::Failed {
                id: id_of(&open),
                error: ApiError::Timeout {
                    host: "kace.example.com".into(),
                    seconds: 30,
                },
            },
        );
        assert_badge(&app);
        key(&mut app, KeyCode::Esc);
        assert_badge(&app);
    }
    let mut mono = insecure_app(SMALL);
    mono.no_color = true;
    assert_badge(&mono);
}

#[test]
fn a_verified_connection_has_no_badge() {
    let app = list_app(LARGE, admin(), estate());
    assert!(!app.tls_unverified());
    assert!(!screen(&app).contains("TLS NOT VERIFIED"));
}

#[test]
fn the_machine_list_loads_extended_unless_configured_standard() {
    let level_of = |load: &worker::Cmd| match load {
        worker::Cmd::LoadMachines { query, .. } => query
            .shaping
            .iter()
            .map(|shape| (shape.entity.clone(), shape.level))
            .collect::<Vec<_>>(),
        other => panic!("not a load: {other:?}"),
    };
    let mut app = logged_in_app((120, 30), admin());
    let load = choose_org(&mut app, "Default");
    assert_eq!(level_of(&load), [("machine".to_string(), Level::Extended)]);
    let mut app = logged_in_app((120, 30), admin());
    app.list_shaping = Level::Standard;
    let load = choose_org(&mut app, "Default");
    assert_eq!(level_of(&load), [("machine".to_string(), Level::Standard)]);
}
