//! The client and the worker over real HTTP against the fake appliance: login, organizations,
//! switching, loading every machine, one machine with its software, 2FA, roles, session
//! expiry with transparent re-login, cancellation and logout.

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use common::{Harness, credentials, settings, start_fake};
use kace_tui::api::client::{LoginState, Notice};
use kace_tui::api::{ApiError, Client, Machine, Op, Query, Role};
use kace_tui::fake::FakeConfig;
use kace_tui::worker::{self, ApiEvent, Cmd, LoginOutcome, PAGES_QUEUED};
use secrecy::SecretString;

const DEFAULT_MACHINES: usize = 5_000;

fn big_fake(legacy_csrf: bool) -> kace_tui::fake::FakeHandle {
    start_fake(FakeConfig {
        machines: DEFAULT_MACHINES,
        legacy_csrf,
        ..FakeConfig::default()
    })
}

fn ids_of(events: &[ApiEvent]) -> Vec<u64> {
    events
        .iter()
        .filter_map(|event| match event {
            ApiEvent::MachinesPage { machines, .. } => Some(machines.iter().map(|m| m.id)),
            _ => None,
        })
        .flatten()
        .collect()
}

/// Login into Lab → organizations → switch to Default → every machine exactly once → one
/// machine with its software.
async fn full_session(legacy_csrf: bool) {
    let server = big_fake(legacy_csrf);
    let mut worker = Harness::new();
    let connection = settings(&server);
    let login = worker
        .run(|id| Cmd::Login {
            id,
            settings: connection,
            credentials: credentials("admin", Some("Lab")),
        })
        .await;
    let session = match login.result {
        Ok(ApiEvent::Login {
            outcome: LoginOutcome::LoggedIn(session),
            ..
        }) => session,
        other => panic!("{other:?}"),
    };
    assert_eq!(session.user.user_name, "admin");
    assert_eq!(session.user.role, Role::Administrator);
    assert_eq!(session.organization.as_deref(), Some("Lab"));

    let orgs = match worker.run(|id| Cmd::ListOrganizations { id }).await.result {
        Ok(ApiEvent::Organizations { orgs, .. }) => orgs,
        other => panic!("{other:?}"),
    };
    let names: Vec<&str> = orgs.iter().map(|org| org.name.as_str()).collect();
    assert_eq!(names, ["Default", "Lab"]);
    let default = orgs[0].clone();

    match worker
        .run(|id| Cmd::SwitchOrganization { id, org: default })
        .await
        .result
    {
        Ok(ApiEvent::OrganizationSwitched { session, .. }) => {
            assert_eq!(session.organization.as_deref(), Some("Default"));
        }
        other => panic!("{other:?}"),
    }

    let load = worker
        .run(|id| Cmd::LoadMachines {
            id,
            query: Query::new(),
        })
        .await;
    let progress = match load.result {
        Ok(ApiEvent::MachinesDone { progress, .. }) => progress,
        other => panic!("{other:?}"),
    };
    let ids = ids_of(&load.progress);
    let distinct: HashSet<u64> = ids.iter().copied().collect();
    assert_eq!(ids.len(), DEFAULT_MACHINES, "every machine arrives once");
    assert_eq!(distinct.len(), DEFAULT_MACHINES, "no duplicates");
    assert_eq!(progress.loaded, DEFAULT_MACHINES);
    assert_eq!(progress.total, Some(DEFAULT_MACHINES));
    // The first page is the small one, so the first rows show at once.
    match &load.progress[0] {
        ApiEvent::MachinesPage { machines, .. } => assert_eq!(machines.len(), 100),
        other => panic!("{other:?}"),
    }
    let stats = server.faults().stats();
    assert_eq!(
        stats.requests_to("/api/inventory/machines"),
        6,
        "100 + 5 pages of 1000, nothing more"
    );
    assert!(stats.max_in_flight <= 4, "{}", stats.max_in_flight);

    // No gaps: the same set as one unpaged answer of the appliance.
    let check = Client::new(settings(&server)).unwrap();
    check
        .login(credentials("admin", Some("Default")))
        .await
        .unwrap();
    let everything = check.machines_page(&Query::new().page(0, 0)).await.unwrap();
    let expected: HashSet<u64> = everything.items.iter().map(|m| m.id).collect();
    assert_eq!(distinct, expected);

    let machine_id = ids[17];
    let detail = match worker
        .run(|id| Cmd::LoadMachine { id, machine_id })
        .await
        .result
    {
        Ok(ApiEvent::Machine { detail, .. }) => detail,
        other => panic!("{other:?}"),
    };
    assert_eq!(detail.machine.id, machine_id);
    assert!(!detail.machine.name.is_empty());
    assert!(
        detail.machine.field("Bios_version").is_some(),
        "`machine all` shaping"
    );
    assert!(!detail.software.is_empty(), "software is shaped in");
    assert!(detail.software.iter().all(|s| !s.name.is_empty()));
}

#[tokio::test]
async fn login_orgs_switch_load_everything_and_one_machine() {
    full_session(false).await;
}

#[tokio::test]
async fn the_same_against_a_legacy_csrf_appliance() {
    full_session(true).await;
}

#[tokio::test]
async fn a_two_factor_account_needs_the_right_code() {
    let server = start_fake(FakeConfig::default());
    let mut worker = Harness::new();
    let settings = settings(&server);
    match worker
        .run(|id| Cmd::Login {
            id,
            settings,
            credentials: credentials("secure", None),
        })
        .await
        .result
    {
        Ok(ApiEvent::Login {
            outcome: LoginOutcome::TwoFactorRequired,
            ..
        }) => {}
        other => panic!("{other:?}"),
    }

    // Without the code nothing works, and the error says why.
    let load = worker
        .run(|id| Cmd::LoadMachines {
            id,
            query: Query::new(),
        })
        .await;
    assert_eq!(load.result.unwrap_err(), ApiError::TwoFactorRequired);

    let wrong = worker
        .run(|id| Cmd::VerifyTwoFactor {
            id,
            code: SecretString::from("000000".to_string()),
        })
        .await;
    assert_eq!(wrong.result.unwrap_err(), ApiError::TwoFactorRejected);

    match worker
        .run(|id| Cmd::VerifyTwoFactor {
            id,
            code: SecretString::from("123456".to_string()),
        })
        .await
        .result
    {
        Ok(ApiEvent::TwoFactorVerified { session, .. }) => {
            assert_eq!(session.user.user_name, "secure");
        }
        other => panic!("{other:?}"),
    }
    let orgs = worker.run(|id| Cmd::ListOrganizations { id }).await;
    assert!(
        matches!(orgs.result, Ok(ApiEvent::Organizations { ref orgs, .. }) if !orgs.is_empty())
    );
}

#[tokio::test]
async fn wrong_credentials_and_unknown_organizations_are_typed() {
    let server = start_fake(FakeConfig::default());
    let client = Client::new(settings(&server)).unwrap();
    let wrong = kace_tui::api::Credentials {
        password: SecretString::from("not-the-password".to_string()),
        ..credentials("admin", None)
    };
    assert_eq!(
        client.login(wrong).await.unwrap_err(),
        ApiError::InvalidCredentials
    );
    assert_eq!(
        client
            .login(credentials("admin", Some("Nowhere")))
            .await
            .unwrap_err(),
        ApiError::UnknownOrganization("Nowhere".to_string())
    );
    // jdoe may only use Default.
    client
        .login(credentials("jdoe", Some("Default")))
        .await
        .unwrap();
    let lab = kace_tui::api::Organization {
        id: 2,
        name: "Lab".to_string(),
    };
    assert_eq!(
        client.switch_organization(&lab).await.unwrap_err(),
        ApiError::UnknownOrganization("Lab".to_string())
    );
    assert_eq!(
        server.faults().stats().login_attempts,
        3,
        "a failed login is never retried"
    );
}

#[tokio::test]
async fn a_standard_user_sees_only_their_machines() {
    let server = start_fake(FakeConfig {
        machines: 2_000,
        ..FakeConfig::default()
    });
    let client = Client::new(settings(&server)).unwrap();
    let user = match client.login(credentials("jdoe", None)).await.unwrap() {
        LoginState::LoggedIn(user) => user,
        other => panic!("{other:?}"),
    };
    assert_eq!(user.role, Role::StandardUser);
    assert!(user.role.is_read_only());

    let mut machines: Vec<Machine> = Vec::new();
    let progress = client
        .list_machines(&Query::new(), |page, _| machines.extend(page))
        .await
        .unwrap();
    assert!(!machines.is_empty());
    assert!(machines.len() < 2_000, "{}", machines.len());
    assert_eq!(Some(machines.len()), progress.total);
    for machine in &machines {
        assert!(
            machine
                .user
                .split(',')
                .any(|user| user.trim().eq_ignore_ascii_case("jdoe")),
            "{} belongs to {:?}",
            machine.id,
            machine.user
        );
    }
}

#[tokio::test]
async fn a_session_expiring_mid_load_is_renewed_once_without_duplicates_or_gaps() {
    let server = big_fake(false);
    let notices = Arc::new(Mutex::new(Vec::new()));
    let recorded = Arc::clone(&notices);
    let client = Client::new(settings(&server))
        .unwrap()
        .observed(move |notice| recorded.lock().unwrap().push(notice));
    client.login(credentials("admin", None)).await.unwrap();

    let mut ids = Vec::new();
    let mut pages = 0;
    let progress = client
        .list_machines(&Query::new(), |page, _| {
            pages += 1;
            if pages == 1 {
                // Every page still to come now meets an expired session, concurrently.
                server.faults().expire_sessions();
            }
            ids.extend(page.iter().map(|m| m.id));
        })
        .await
        .unwrap();
    let distinct: HashSet<u64> = ids.iter().copied().collect();
    assert_eq!(ids.len(), DEFAULT_MACHINES);
    assert_eq!(distinct.len(), DEFAULT_MACHINES);
    assert_eq!(progress.loaded, DEFAULT_MACHINES);
    assert_eq!(*notices.lock().unwrap(), [Notice::SessionRenewed]);
    assert_eq!(
        server.faults().stats().logins,
        2,
        "one re-login for all pages"
    );
}

#[tokio::test]
async fn the_worker_renews_repeatedly_expiring_sessions_single_flight() {
    let server = big_fake(false);
    // Every session dies after three requests: several renewals during one load.
    server.faults().expire_sessions_after(Some(3));
    let mut worker = Harness::new();
    worker.login(&server, "admin", None).await;
    let logins_before = server.faults().stats().logins;
    let load = worker
        .run(|id| Cmd::LoadMachines {
            id,
            query: Query::new(),
        })
        .await;
    assert!(
        matches!(load.result, Ok(ApiEvent::MachinesDone { .. })),
        "{:?}",
        load.result
    );
    let ids = ids_of(&load.progress);
    assert_eq!(ids.len(), DEFAULT_MACHINES);
    assert_eq!(
        ids.iter().copied().collect::<HashSet<_>>().len(),
        DEFAULT_MACHINES
    );
    let renewals = load
        .progress
        .iter()
        .filter(|event| matches!(event, ApiEvent::SessionRenewed { .. }))
        .count() as u64;
    assert!(renewals >= 1);
    assert_eq!(server.faults().stats().logins - logins_before, renewals);
}

#[tokio::test]
async fn a_two_factor_session_that_expires_is_not_renewed_and_keeps_what_it_loaded() {
    let server = big_fake(false);
    let client = Client::new(settings(&server)).unwrap();
    assert_eq!(
        client.login(credentials("secure", None)).await.unwrap(),
        LoginState::TwoFactorRequired
    );
    client
        .verify_two_factor(&SecretString::from("123456".to_string()))
        .await
        .unwrap();
    let mut loaded = Vec::new();
    let error = client
        .list_machines(&Query::new(), |page, _| {
            server.faults().expire_sessions();
            loaded.extend(page);
        })
        .await
        .unwrap_err();
    assert_eq!(error, ApiError::SessionExpired);
    assert_eq!(loaded.len(), 100, "the first page stays");
    assert_eq!(server.faults().stats().logins, 1, "no silent re-login");
}

#[tokio::test]
async fn software_titles_are_listed() {
    let server = start_fake(FakeConfig::default());
    let client = Client::new(settings(&server)).unwrap();
    client.login(credentials("viewer", None)).await.unwrap();
    let mut titles = Vec::new();
    let progress = client
        .list_software(&Query::new(), |page, _| titles.extend(page))
        .await
        .unwrap();
    assert!(!titles.is_empty());
    assert_eq!(Some(titles.len()), progress.total);
    assert!(titles.iter().all(|title| !title.name.is_empty()));
    let distinct: HashSet<u64> = titles.iter().map(|t| t.id).collect();
    assert_eq!(distinct.len(), titles.len());
}

#[tokio::test]
async fn a_filtered_sorted_load_returns_what_the_filter_says() {
    let server = start_fake(FakeConfig::default());
    let client = Client::new(settings(&server)).unwrap();
    client.login(credentials("admin", None)).await.unwrap();
    let query = Query::new()
        .filter("os_name", Op::Co, "Windows")
        .sort("name", kace_tui::api::Direction::Desc);
    let mut machines = Vec::new();
    client
        .list_machines(&query, |page, _| machines.extend(page))
        .await
        .unwrap();
    assert!(!machines.is_empty());
    assert!(
        machines
            .iter()
            .all(|m| m.os_name.to_lowercase().contains("windows"))
    );
    let names: Vec<String> = machines
        .iter()
        .map(|m| m.name.to_lowercase().to_string())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(names, sorted, "pages arrive in order");
}

#[tokio::test]
async fn a_comma_in_a_filter_value_is_rejected_before_anything_is_sent() {
    let server = start_fake(FakeConfig::default());
    let mut worker = Harness::new();
    worker.login(&server, "admin", None).await;
    let before = server.faults().stats().requests;
    let load = worker
        .run(|id| Cmd::LoadMachines {
            id,
            query: Query::new().filter("user", Op::Eq, "Doe, Jane"),
        })
        .await;
    assert!(
        matches!(load.result, Err(ApiError::InvalidQuery(ref text)) if text.contains("comma")),
        "{:?}",
        load.result
    );
    assert!(load.progress.is_empty());
    assert_eq!(server.faults().stats().requests, before, "nothing was sent");
}

#[tokio::test]
async fn switching_organization_cancels_a_load_in_flight() {
    let server = big_fake(false);
    let mut worker = Harness::new();
    worker.login(&server, "admin", None).await;
    // Slow answers keep the load in flight while the switch arrives.
    server
        .faults()
        .set_latency(std::time::Duration::from_millis(300));
    let load_id = kace_tui::worker::next_request_id();
    let switch_id = kace_tui::worker::next_request_id();
    let lab = kace_tui::api::Organization {
        id: 2,
        name: "Lab".to_string(),
    };
    worker
        .commands
        .send(Cmd::LoadMachines {
            id: load_id,
            query: Query::new(),
        })
        .unwrap();
    worker
        .commands
        .send(Cmd::SwitchOrganization {
            id: switch_id,
            org: lab,
        })
        .unwrap();
    let mut seen = Vec::new();
    let switched = loop {
        let event = worker.events.recv().await.expect("the worker runs");
        if event.id() == switch_id && event.is_final() {
            break event;
        }
        seen.push(event);
    };
    assert!(
        matches!(switched, ApiEvent::OrganizationSwitched { .. }),
        "{switched:?}"
    );
    server.faults().set_latency(std::time::Duration::ZERO);
    // A later command's answer comes after anything the cancelled load could still send.
    let id = kace_tui::worker::next_request_id();
    worker.commands.send(Cmd::ListOrganizations { id }).unwrap();
    loop {
        let event = worker.events.recv().await.expect("the worker runs");
        if event.id() == id {
            break;
        }
        seen.push(event);
    }
    assert!(
        seen.iter().all(|event| event.id() != load_id),
        "the cancelled load still answered: {seen:?}"
    );
}

#[tokio::test]
async fn logout_ends_the_session() {
    let server = start_fake(FakeConfig::default());
    let mut worker = Harness::new();
    worker.login(&server, "viewer", None).await;
    let logout = worker.run(|id| Cmd::Logout { id }).await;
    assert!(matches!(logout.result, Ok(ApiEvent::LoggedOut { .. })));
    assert_eq!(
        server
            .faults()
            .stats()
            .requests_to("/ams/shared/api/security/logout"),
        1
    );
    let after = worker.run(|id| Cmd::ListOrganizations { id }).await;
    assert_eq!(after.result.unwrap_err(), ApiError::NotLoggedIn);
}

/// An appliance without the switch routes: the client logs in again with `organizationName`,
/// lands in the organization asked for, and a later silent re-login stays there.
#[tokio::test]
async fn without_switch_routes_switching_falls_back_to_a_login_into_the_organization() {
    let server = start_fake(FakeConfig::default());
    server.faults().set_without_switch_routes(true);
    let lab_ids = {
        let reference = Client::new(settings(&server)).unwrap();
        reference
            .login(credentials("admin", Some("Lab")))
            .await
            .unwrap();
        let page = reference
            .machines_page(&Query::new().page(0, 0))
            .await
            .unwrap();
        page.items
            .iter()
            .map(|m| (m.id, m.name.clone()))
            .collect::<Vec<_>>()
    };
    server.faults().reset_stats();

    let mut worker = Harness::new();
    worker.login(&server, "admin", None).await;
    let lab = kace_tui::api::Organization {
        id: 2,
        name: "Lab".to_string(),
    };
    match worker
        .run(|id| Cmd::SwitchOrganization { id, org: lab })
        .await
        .result
    {
        Ok(ApiEvent::OrganizationSwitched { session, .. }) => {
            assert_eq!(session.organization.as_deref(), Some("Lab"));
            assert_eq!(session.user.user_name, "admin");
        }
        other => panic!("{other:?}"),
    }
    let stats = server.faults().stats();
    assert_eq!(
        stats.requests_to("/ams/shared/api/security/organization/2/switchto"),
        1,
        "the switch route is tried first, once"
    );
    assert_eq!(stats.logins, 2, "the first login, then the one into Lab");

    let loaded = |events: &[ApiEvent]| {
        events
            .iter()
            .filter_map(|event| match event {
                ApiEvent::MachinesPage { machines, .. } => {
                    Some(machines.iter().map(|m| (m.id, m.name.clone())))
                }
                _ => None,
            })
            .flatten()
            .collect::<Vec<_>>()
    };
    let load = worker
        .run(|id| Cmd::LoadMachines {
            id,
            query: Query::new(),
        })
        .await;
    assert!(matches!(load.result, Ok(ApiEvent::MachinesDone { .. })));
    assert_eq!(
        loaded(&load.progress),
        lab_ids,
        "Lab's machines, not Default's"
    );

    // The silent re-login after an expiry lands in Lab again.
    server.faults().expire_sessions();
    let reload = worker
        .run(|id| Cmd::LoadMachines {
            id,
            query: Query::new(),
        })
        .await;
    assert!(matches!(reload.result, Ok(ApiEvent::MachinesDone { .. })));
    assert_eq!(loaded(&reload.progress), lab_ids);
    assert_eq!(server.faults().stats().logins, 3);
}

#[tokio::test]
async fn the_client_echoes_x_kace_authorization_where_the_appliance_insists() {
    let server = start_fake(FakeConfig::default());
    server.faults().set_require_authorization(true);
    let client = Client::new(settings(&server)).unwrap();
    client.login(credentials("admin", None)).await.unwrap();
    // Every call after login carries the token, or the fake would answer 401 "Invalid token".
    assert_eq!(
        client.current_user().await.unwrap().role,
        Role::Administrator
    );
    assert_eq!(
        client.machine(42).await.unwrap().machine.name,
        "WS-FIN-0042"
    );
}

#[tokio::test]
async fn a_consumer_that_falls_behind_holds_a_few_pages_and_a_cancel_frees_them() {
    let server = big_fake(false);
    let mut worker = Harness::new();
    worker.login(&server, "admin", None).await;

    // Nobody reads: the load fills the page slots and pauses (six pages are needed).
    let stuck = worker::next_request_id();
    worker
        .commands
        .send(Cmd::LoadMachines {
            id: stuck,
            query: Query::new(),
        })
        .expect("the worker runs");
    while worker.events.pages_waiting() < PAGES_QUEUED {
        tokio::task::yield_now().await;
    }

    // Cancelling the paused load and asking something else works: the paused load does not
    // hold the worker, and the pages it left behind are dropped as stale.
    worker
        .commands
        .send(Cmd::Cancel { target: stuck })
        .expect("the worker runs");
    let orgs = worker.run(|id| Cmd::ListOrganizations { id }).await;
    assert!(
        matches!(orgs.result, Ok(ApiEvent::Organizations { .. })),
        "{:?}",
        orgs.result
    );
    assert_eq!(
        worker.events.pages_waiting(),
        0,
        "taking the pages frees the slots"
    );

    // A new load gets every machine through the freed slots.
    let load = worker
        .run(|id| Cmd::LoadMachines {
            id,
            query: Query::new(),
        })
        .await;
    assert!(
        matches!(load.result, Ok(ApiEvent::MachinesDone { .. })),
        "{:?}",
        load.result
    );
    assert_eq!(ids_of(&load.progress).len(), DEFAULT_MACHINES);
}
