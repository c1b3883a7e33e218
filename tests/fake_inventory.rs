//! The fake appliance's inventory routes, query language, organizations and roles, over real
//! HTTP (issue 2, points 6 to 9).

mod fake_support;

use fake_support::*;
use kace_tui::fake::data::{HOSTILE_IDS, WS_FIN_0042_ID};
use reqwest::StatusCode;
use serde_json::{Value, json};

const STANDARD_KEYS: [&str; 23] = [
    "Id",
    "Modified",
    "Created",
    "User",
    "Name",
    "Ip",
    "Os_name",
    "Os_number",
    "Last_inventory",
    "Last_sync",
    "Ram Total",
    "Ram_used",
    "Ram_max",
    "Bios_identification_code",
    "Sound_devices",
    "Cdrom_devices",
    "Video_controllers",
    "Monitor",
    "Registry_size",
    "Registry_max_size",
    "Pagefile_size",
    "Pagefile_max_size",
    "Manual_entry",
];

fn keys(record: &Value) -> Vec<String> {
    record
        .as_object()
        .expect("object")
        .keys()
        .cloned()
        .collect()
}

#[tokio::test]
async fn list_envelope_defaults_to_fifty_standard_records_in_the_reference_key_order() {
    let server = appliance(|_| {});
    let client = logged_in(&server, "admin").await;
    let response = get(&client, &server, "/api/inventory/machines").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    let text = response.text().await.unwrap();
    assert!(
        text.starts_with("{\"Count\":300,\"Machines\":[{\"Id\":\"1\","),
        "{}",
        &text[..80]
    );
    let body: Value = serde_json::from_str(&text).unwrap();
    let ids = machine_ids(&body);
    assert_eq!(ids.len(), 50);
    assert_eq!(ids.first().map(String::as_str), Some("1"));
    assert_eq!(ids.last().map(String::as_str), Some("50"));
    let first = &body["Machines"][0];
    assert_eq!(keys(first).len(), STANDARD_KEYS.len());
    for record in body["Machines"].as_array().unwrap() {
        for (key, value) in record.as_object().unwrap() {
            assert!(value.is_string(), "every field is a string: {key}");
        }
    }
    // Order on the wire, read from the raw text of the first record.
    let first_record = &text[text.find("[{").unwrap()..text.find("},{").unwrap()];
    let positions: Vec<usize> = STANDARD_KEYS
        .iter()
        .map(|key| {
            first_record
                .find(&format!("\"{key}\":"))
                .unwrap_or_else(|| panic!("{key}"))
        })
        .collect();
    assert!(
        positions.windows(2).all(|pair| pair[0] < pair[1]),
        "{first_record}"
    );
}

#[tokio::test]
async fn paging_walks_the_whole_set() {
    let server = appliance(|_| {});
    let client = logged_in(&server, "admin").await;
    let page = get_json(
        &client,
        &server,
        "/api/inventory/machines?paging=limit%2010%20offset%2020&shaping=machine%20limited",
        StatusCode::OK,
    )
    .await;
    assert_eq!(page["Count"], 300);
    let expected: Vec<String> = (21..=30).map(|id: u32| id.to_string()).collect();
    assert_eq!(machine_ids(&page), expected);
    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let path = format!(
            "/api/inventory/machines?shaping=machine%20limited&paging=limit%20128%20offset%20{offset}"
        );
        let page = get_json(&client, &server, &path, StatusCode::OK).await;
        let ids = machine_ids(&page);
        if ids.is_empty() {
            break;
        }
        offset += ids.len();
        seen.extend(ids);
    }
    assert_eq!(seen.len(), 300);
    for all in ["limit%20ALL", "limit%200", "limit%20all%20offset%200"] {
        let body = get_json(
            &client,
            &server,
            &format!("/api/inventory/machines?paging={all}"),
            StatusCode::OK,
        )
        .await;
        assert_eq!(machine_ids(&body).len(), 300, "{all}");
    }
}

#[tokio::test]
async fn shaping_levels_and_the_software_sub_entity() {
    let server = appliance(|_| {});
    let client = logged_in(&server, "admin").await;
    let path =
        |shaping: &str| format!("/api/inventory/machines/{WS_FIN_0042_ID}?shaping={shaping}");
    let limited = get_json(&client, &server, &path("machine%20LIMITED"), StatusCode::OK).await;
    assert_eq!(
        limited["Machines"][0],
        json!({"Id": "42", "Name": "WS-FIN-0042"})
    );
    let extended = get_json(
        &client,
        &server,
        &path("machine%20extended"),
        StatusCode::OK,
    )
    .await;
    let machine = &extended["Machines"][0];
    for key in [
        "Mac",
        "Bios_serial_number",
        "Cs_model",
        "Cs_manufacturer",
        "Chassis_type",
        "Ram Total",
    ] {
        assert!(machine[key].is_string(), "EXTENDED has {key}");
    }
    assert!(machine.get("Kuid").is_none(), "Kuid is ALL only");
    let all = get_json(
        &client,
        &server,
        &path("machine%20all,software%20standard"),
        StatusCode::OK,
    )
    .await;
    let machine = &all["Machines"][0];
    assert_eq!(all["Count"], 1);
    assert_eq!(machine["Name"], "WS-FIN-0042");
    assert_eq!(machine["User"], "jdoe");
    assert_eq!(machine["Cs_model"], "HP EliteBook 840 G8 Notebook PC");
    assert!(machine["Kuid"].is_string());
    let software = machine["Software"].as_array().unwrap();
    assert!((5..=80).contains(&software.len()), "{}", software.len());
    for row in software {
        assert_eq!(
            keys(row),
            [
                "DISPLAY_NAME",
                "DISPLAY_VERSION",
                "ID",
                "INSTALL_DATE",
                "PUBLISHER"
            ]
        );
    }
    let software_only = get_json(
        &client,
        &server,
        &path("software%20limited"),
        StatusCode::OK,
    )
    .await;
    let machine = &software_only["Machines"][0];
    assert_eq!(
        keys(machine).len(),
        STANDARD_KEYS.len() + 1,
        "base stays STANDARD"
    );
    assert_eq!(keys(&machine["Software"][0]), ["DISPLAY_NAME", "ID"]);
}

#[tokio::test]
async fn by_id_unknown_id_and_the_empty_array_switch() {
    let server = appliance(|_| {});
    let client = logged_in(&server, "admin").await;
    let missing = get(&client, &server, "/api/inventory/machines/99999").await;
    assert_eq!(
        error_envelope(missing, StatusCode::NOT_FOUND).await,
        "Machine 99999 not found"
    );
    let not_a_number = get(&client, &server, "/api/inventory/machines/abc").await;
    assert!(
        error_envelope(not_a_number, StatusCode::BAD_REQUEST)
            .await
            .contains("Invalid machine id")
    );
    server.faults().set_empty_array_for_unknown_id(true);
    let empty = get_json(
        &client,
        &server,
        "/api/inventory/machines/99999",
        StatusCode::OK,
    )
    .await;
    assert_eq!(empty, json!({"Count": 0, "Machines": []}));
    let found = get_json(
        &client,
        &server,
        "/api/inventory/machines/7",
        StatusCode::OK,
    )
    .await;
    assert_eq!(machine_ids(&found), ["7"]);
}

#[tokio::test]
async fn filtering_and_sorting_over_http() {
    let server = appliance(|_| {});
    let client = logged_in(&server, "admin").await;
    let exact = get_json(
        &client,
        &server,
        "/api/inventory/machines?filtering=name%20eq%20ws-fin-0042",
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        machine_ids(&exact),
        ["42"],
        "the zero-width-space twin (92) does not match"
    );
    let chrome = get_json(
        &client,
        &server,
        "/api/inventory/machines?filtering=software.name%20eq%20Google%20Chrome,os_name%20co%20windows&shaping=software%20limited&paging=limit%20ALL",
        StatusCode::OK,
    )
    .await;
    let machines = chrome["Machines"].as_array().unwrap();
    assert!(!machines.is_empty());
    assert_eq!(chrome["Count"], machines.len());
    for machine in machines {
        assert!(
            machine["Os_name"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("windows")
        );
        let titles: Vec<&str> = machine["Software"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row["DISPLAY_NAME"].as_str().unwrap())
            .collect();
        assert!(titles.contains(&"Google Chrome"), "{titles:?}");
    }
    let sorted = get_json(&client, &server, "/api/inventory/machines?sorting=machine.name%20desc&shaping=machine%20limited&paging=limit%20ALL&filtering=id%20lt%2080", StatusCode::OK).await;
    let names: Vec<String> = sorted["Machines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["Name"].as_str().unwrap().to_lowercase())
        .collect();
    let mut expected = names.clone();
    expected.sort();
    expected.reverse();
    assert_eq!(names, expected);
    assert_eq!(names.len(), 79);
    let never = get_json(&client, &server, "/api/inventory/machines?filtering=last_sync%20eq%200000-00-00%2000:00:00,manual_entry%20eq%201&paging=limit%20ALL", StatusCode::OK).await;
    assert_eq!(machine_ids(&never), ["100", "200", "300"]);
}

#[tokio::test]
async fn bad_queries_get_400_envelopes() {
    let server = appliance(|_| {});
    let client = logged_in(&server, "admin").await;
    for (query, reason) in [
        ("filtering=name%20like%20x", "Unknown operator 'like'"),
        (
            "filtering=colour%20eq%20red",
            "Unknown field 'colour' for entity 'machine'",
        ),
        ("filtering=disk.size%20gt%201", "Unknown entity 'disk'"),
        ("filtering=name", "Invalid filtering clause 'name'"),
        ("filtering=name+eq+x", "Invalid filtering clause"),
        ("filtering=id%20co%201", "integer field"),
        ("paging=limit%20lots", "Invalid paging"),
        ("paging=limit%20-5", "Invalid paging"),
        ("paging=offset", "Invalid paging"),
        ("shaping=machine%20huge", "Unknown shaping level 'huge'"),
        ("shaping=machine", "Invalid shaping"),
        ("shaping=nic%20all", "Unknown entity 'nic'"),
        ("sorting=name%20sideways", "Invalid sort direction"),
        ("sorting=colour", "Unknown field"),
    ] {
        let response = get(
            &client,
            &server,
            &format!("/api/inventory/machines?{query}"),
        )
        .await;
        let description = error_envelope(response, StatusCode::BAD_REQUEST).await;
        assert!(description.contains(reason), "{query}: {description}");
    }
    let route = get(&client, &server, "/api/inventory/nothing").await;
    assert!(
        error_envelope(route, StatusCode::NOT_FOUND)
            .await
            .contains("No such route")
    );
}

#[tokio::test]
async fn counting_modes() {
    let server = appliance(|_| {});
    let client = logged_in(&server, "admin").await;
    let only = get_json(
        &client,
        &server,
        "/api/inventory/machines?use_count_only=true&filtering=id%20le%2010",
        StatusCode::OK,
    )
    .await;
    assert_eq!(only, json!({"Count": 10}));
    let without = get_json(
        &client,
        &server,
        "/api/inventory/machines?use_count=false&paging=limit%202",
        StatusCode::OK,
    )
    .await;
    assert!(without.get("Count").is_none());
    assert_eq!(machine_ids(&without), ["1", "2"]);
}

#[tokio::test]
async fn software_catalog_route() {
    let server = appliance(|_| {});
    let client = logged_in(&server, "admin").await;
    let list = get_json(
        &client,
        &server,
        "/api/inventory/softwares?paging=limit%20ALL",
        StatusCode::OK,
    )
    .await;
    let rows = list["Software"].as_array().unwrap();
    assert!(rows.len() >= 400, "{}", rows.len());
    assert_eq!(list["Count"], rows.len());
    assert_eq!(
        keys(&rows[0]),
        ["Display_name", "Display_version", "Id", "Publisher"]
    );
    let chrome = get_json(
        &client,
        &server,
        "/api/inventory/softwares?filtering=name%20eq%20google%20chrome",
        StatusCode::OK,
    )
    .await;
    assert!(chrome["Count"].as_u64().unwrap() >= 2, "several versions");
    let one = get_json(
        &client,
        &server,
        "/api/inventory/softwares/7000?shaping=software%20all",
        StatusCode::OK,
    )
    .await;
    assert_eq!(one["Count"], 1);
    assert_eq!(one["Software"][0]["Id"], "7000");
    assert_eq!(one["Software"][0]["Display_name"], "Google Chrome");
    assert!(one["Software"][0]["Uninstall_string"].is_string());
    let missing = get(&client, &server, "/api/inventory/softwares/1").await;
    assert_eq!(
        error_envelope(missing, StatusCode::NOT_FOUND).await,
        "Software 1 not found"
    );
}

/// `shaping=...,machine ...` on the software catalog: the machines a title is installed on,
/// the same join the machines route answers from the other side, scoped by role.
#[tokio::test]
async fn software_titles_carry_the_machines_they_are_installed_on() {
    let server = appliance(|_| {});
    let ids_of = |rows: &Value, key: &str| -> Vec<String> {
        let mut ids: Vec<String> = rows
            .as_array()
            .expect("an array")
            .iter()
            .map(|row| row[key].as_str().expect("string id").to_string())
            .collect();
        ids.sort();
        ids
    };
    for user in ["admin", "jdoe"] {
        let client = logged_in(&server, user).await;
        let title = get_json(
            &client,
            &server,
            "/api/inventory/softwares/7000?shaping=software%20limited,machine%20limited",
            StatusCode::OK,
        )
        .await;
        let installed = &title["Software"][0]["Machine"];
        let machines = get_json(
            &client,
            &server,
            "/api/inventory/machines?filtering=software.id%20eq%207000&shaping=machine%20limited&paging=limit%20ALL",
            StatusCode::OK,
        )
        .await;
        let expected = ids_of(&machines["Machines"], "Id");
        assert!(
            !expected.is_empty(),
            "{user}: Chrome is installed somewhere"
        );
        assert_eq!(ids_of(installed, "Id"), expected, "{user}");
        assert_eq!(keys(&installed[0]), ["Id", "Name"], "limited");
        if user == "jdoe" {
            let own: Vec<String> = server.appliance().orgs[0]
                .machines
                .iter()
                .filter(|machine| machine.has_user("jdoe"))
                .map(|machine| machine.id.to_string())
                .collect();
            assert!(
                expected.iter().all(|id| own.contains(id)),
                "only jdoe's machines"
            );
        }
    }

    let client = logged_in(&server, "admin").await;
    let standard = get_json(
        &client,
        &server,
        "/api/inventory/softwares/7000?shaping=machine%20standard",
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        keys(&standard["Software"][0]["Machine"][0]),
        ["Id", "Ip", "Last_sync", "Name", "Os_name", "User"]
    );

    // Filtering on the sub-entity: the titles on WS-FIN-0042 are the ones it lists itself.
    let on_42 = get_json(
        &client,
        &server,
        "/api/inventory/softwares?filtering=machine.name%20eq%20WS-FIN-0042&paging=limit%20ALL",
        StatusCode::OK,
    )
    .await;
    let machine_42 = get_json(
        &client,
        &server,
        "/api/inventory/machines/42?shaping=machine%20limited,software%20limited",
        StatusCode::OK,
    )
    .await;
    let listed = ids_of(&machine_42["Machines"][0]["Software"], "ID");
    assert!(listed.len() >= 5, "{listed:?}");
    assert_eq!(ids_of(&on_42["Software"], "Id"), listed);
}

const ORGS: &str = "/ams/shared/api/organizations";

async fn switch(
    client: &reqwest::Client,
    server: &kace_tui::fake::FakeHandle,
    path: &str,
) -> reqwest::Response {
    client
        .post(format!("{}{path}", server.base_url()))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn organizations_have_their_own_data_and_can_be_switched() {
    let server = appliance(|_| {});
    let client = logged_in(&server, "admin").await;
    let orgs = client
        .get(format!("{}{ORGS}", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(orgs.status(), StatusCode::OK);
    assert_eq!(
        body_json(orgs).await,
        json!({"Count": 2, "Organizations": [{"id": 1, "name": "Default"}, {"id": 2, "name": "Lab"}]})
    );
    let default_one = get_json(
        &client,
        &server,
        "/api/inventory/machines/1",
        StatusCode::OK,
    )
    .await;

    let switched = switch(
        &client,
        &server,
        "/ams/shared/api/security/organization/2/switchto",
    )
    .await;
    assert_eq!(switched.status(), StatusCode::OK);
    assert_eq!(
        cookie_value(&switched, "KACE_LAST_ORG_SECURE").as_deref(),
        Some("Lab")
    );
    let lab = get_json(
        &client,
        &server,
        "/api/inventory/machines?shaping=machine%20limited",
        StatusCode::OK,
    )
    .await;
    assert_eq!(lab["Count"], 150);
    let lab_one = get_json(
        &client,
        &server,
        "/api/inventory/machines/1",
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        lab_one["Machines"][0]["Id"], "1",
        "ids repeat across organizations"
    );
    assert_ne!(
        lab_one["Machines"][0]["Name"],
        default_one["Machines"][0]["Name"]
    );
    assert!(
        lab_one["Machines"][0]["Name"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .starts_with("lab-")
    );
    let no_such_machine = get(&client, &server, "/api/inventory/machines/151").await;
    assert_eq!(no_such_machine.status(), StatusCode::NOT_FOUND);

    let back = switch(
        &client,
        &server,
        "/ams/shared/api/security/organization/switch?organizationId=1",
    )
    .await;
    assert_eq!(back.status(), StatusCode::OK);
    let default = get_json(
        &client,
        &server,
        "/api/inventory/machines?use_count_only=true",
        StatusCode::OK,
    )
    .await;
    assert_eq!(default["Count"], 300);

    let unknown = switch(
        &client,
        &server,
        "/ams/shared/api/security/organization/9/switchto",
    )
    .await;
    assert_eq!(
        error_envelope(unknown, StatusCode::FORBIDDEN).await,
        "Invalid organization"
    );
    let bad = switch(
        &client,
        &server,
        "/ams/shared/api/security/organization/x/switchto",
    )
    .await;
    assert_eq!(
        error_envelope(bad, StatusCode::BAD_REQUEST).await,
        "Invalid organization id"
    );
    let missing = switch(
        &client,
        &server,
        "/ams/shared/api/security/organization/switch",
    )
    .await;
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn login_can_choose_the_organization_and_others_may_not_switch_into_it() {
    let server = appliance(|_| {});
    let admin = fake_support::client();
    let login = login_as(&admin, &server, "admin", "admin", Some("lab")).await;
    assert_eq!(login.status(), StatusCode::OK);
    assert_eq!(
        cookie_value(&login, "KACE_LAST_ORG_SECURE").as_deref(),
        Some("Lab")
    );
    let lab = get_json(
        &admin,
        &server,
        "/api/inventory/machines?use_count_only=true",
        StatusCode::OK,
    )
    .await;
    assert_eq!(lab["Count"], 150);

    let viewer = logged_in(&server, "viewer").await;
    let orgs = viewer
        .get(format!("{}{ORGS}", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        body_json(orgs).await["Organizations"],
        json!([{"id": 1, "name": "Default"}])
    );
    let refused = switch(
        &viewer,
        &server,
        "/ams/shared/api/security/organization/2/switchto",
    )
    .await;
    assert_eq!(
        error_envelope(refused, StatusCode::FORBIDDEN).await,
        "Invalid organization"
    );
    let still_default = get_json(
        &viewer,
        &server,
        "/api/inventory/machines?use_count_only=true",
        StatusCode::OK,
    )
    .await;
    assert_eq!(still_default["Count"], 300);
    let anonymous = fake_support::client()
        .get(format!("{}{ORGS}", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn without_switch_routes_both_switch_calls_are_unknown_routes() {
    let server = appliance(|_| {});
    server.faults().set_without_switch_routes(true);
    let client = logged_in(&server, "admin").await;
    for path in [
        "/ams/shared/api/security/organization/2/switchto",
        "/ams/shared/api/security/organization/switch?organizationId=2",
    ] {
        let answer = switch(&client, &server, path).await;
        assert!(cookie_names(&answer).is_empty(), "{path}: no org cookie");
        let route = path.split('?').next().unwrap();
        assert_eq!(
            error_envelope(answer, StatusCode::NOT_FOUND).await,
            format!("No such route: {route}")
        );
    }
    let still_default = get_json(
        &client,
        &server,
        "/api/inventory/machines?use_count_only=true",
        StatusCode::OK,
    )
    .await;
    assert_eq!(still_default["Count"], 300, "the session kept its org");

    server.faults().set_without_switch_routes(false);
    let switched = switch(
        &client,
        &server,
        "/ams/shared/api/security/organization/2/switchto",
    )
    .await;
    assert_eq!(
        switched.status(),
        StatusCode::OK,
        "the switch turns back off"
    );
}

#[tokio::test]
async fn roles_scope_what_an_account_sees_and_may_do() {
    let server = appliance(|_| {});
    let own: Vec<String> = server.appliance().orgs[0]
        .machines
        .iter()
        .filter(|machine| machine.has_user("jdoe"))
        .map(|machine| machine.id.to_string())
        .collect();
    assert!(own.len() >= 3, "the generator gives jdoe several machines");

    let jdoe = logged_in(&server, "jdoe").await;
    let mine = get_json(
        &jdoe,
        &server,
        "/api/inventory/machines?paging=limit%20ALL",
        StatusCode::OK,
    )
    .await;
    assert_eq!(machine_ids(&mine), own);
    assert_eq!(mine["Count"], own.len());
    for machine in mine["Machines"].as_array().unwrap() {
        assert_eq!(machine["User"], "jdoe");
    }
    let own_one = get(&jdoe, &server, "/api/inventory/machines/42").await;
    assert_eq!(own_one.status(), StatusCode::OK);
    let not_mine = get(&jdoe, &server, "/api/inventory/machines/1").await;
    assert_eq!(
        error_envelope(not_mine, StatusCode::NOT_FOUND).await,
        "Machine 1 not found"
    );

    let viewer = logged_in(&server, "viewer").await;
    let everything = get_json(
        &viewer,
        &server,
        "/api/inventory/machines?use_count_only=1",
        StatusCode::OK,
    )
    .await;
    assert_eq!(everything["Count"], 300);
    let write = viewer
        .put(format!("{}/api/inventory/machines/1", server.base_url()))
        .header("x-kace-api-version", "8")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_envelope(write, StatusCode::FORBIDDEN).await,
        "Permission denied"
    );
    let admin = logged_in(&server, "admin").await;
    let admin_write = admin
        .put(format!("{}/api/inventory/machines/1", server.base_url()))
        .header("x-kace-api-version", "8")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(admin_write.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn users_me_names_the_account_and_its_role() {
    let server = appliance(|_| {});
    for (user, full_name, role, role_id) in [
        ("admin", "Alex Admin", "Administrator", "1"),
        ("viewer", "Vera Viewer", "Read Only Administrator", "2"),
        ("jdoe", "Jane Doe", "User", "3"),
    ] {
        let client = logged_in(&server, user).await;
        let me = get_json(&client, &server, "/api/users/me", StatusCode::OK).await;
        assert_eq!(me["Count"], 1);
        let record = &me["Users"][0];
        assert_eq!(record["User_name"], user);
        assert_eq!(record["Full_name"], full_name);
        assert_eq!(record["Role"], json!({"Id": role_id, "Name": role}));
        assert!(record["Id"].is_string());
    }
}

#[tokio::test]
async fn hostile_machines_are_served_verbatim_as_valid_json() {
    let server = appliance(|_| {});
    let client = logged_in(&server, "admin").await;
    let mut names = Vec::new();
    for id in HOSTILE_IDS {
        let body = get_json(
            &client,
            &server,
            &format!("/api/inventory/machines/{id}?shaping=machine%20all"),
            StatusCode::OK,
        )
        .await;
        names.push(body["Machines"][0]["Name"].as_str().unwrap().to_string());
    }
    assert!(names[0].contains("\u{1b}[31m"));
    assert!(names[1].contains('\u{202e}'));
    assert_eq!(names[2], "WS-FIN\u{200b}-0042");
    assert!(names[3].contains("東京") && names[3].contains('🖥'));
    assert_eq!(names[4].len(), 2_048);
    assert!(names[5].contains('\u{0}') && names[5].contains('\n'));
    assert!(names[6].contains('\u{336}'));
}
