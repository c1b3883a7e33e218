//! The fake appliance's login, sessions, header generations and 2FA, over real HTTP
//! (issue 2, points 1 to 5).

mod fake_support;

use std::time::Duration;

use fake_support::*;
use reqwest::StatusCode;
use serde_json::json;

const MACHINES: &str = "/api/inventory/machines?paging=limit%201";

#[tokio::test]
async fn login_sets_the_five_cookies_and_the_session_works() {
    let server = appliance(|_| {});
    let client = client();
    let response = login_as(&client, &server, "admin", "admin", Some("Default")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let mut names = cookie_names(&response);
    names.sort();
    assert_eq!(
        names,
        [
            "KACE_CSRF_TOKEN",
            "KACE_LAST_ORG_SECURE",
            "KACE_LAST_USER_SECURE",
            "kboxid",
            "x-dell-auth-jwt"
        ]
    );
    assert_eq!(
        cookie_value(&response, "KACE_LAST_USER_SECURE").as_deref(),
        Some("admin")
    );
    assert_eq!(
        cookie_value(&response, "KACE_LAST_ORG_SECURE").as_deref(),
        Some("Default")
    );
    let jwt = cookie_value(&response, "x-dell-auth-jwt").unwrap();
    assert_eq!(response.headers()["x-kace-authorization"], jwt.as_str());
    assert!(
        response.headers().get("x-dell-csrf-token").is_none(),
        "no CSRF in 12.x mode"
    );
    assert_eq!(body_json(response).await, json!({"Result": "Success"}));

    let body = get_json(&client, &server, MACHINES, StatusCode::OK).await;
    assert_eq!(body["Count"], 300);
    assert_eq!(server.faults().stats().logins, 1);
}

#[tokio::test]
async fn login_without_organization_lands_in_default() {
    let server = appliance(|_| {});
    let client = client();
    let response = login_as(&client, &server, "ADMIN", "admin", None).await;
    assert_eq!(response.status(), StatusCode::OK, "user names ignore case");
    assert_eq!(
        cookie_value(&response, "KACE_LAST_ORG_SECURE").as_deref(),
        Some("Default")
    );
}

#[tokio::test]
async fn wrong_user_password_or_organization_get_401_envelopes() {
    let server = appliance(|_| {});
    let client = client();
    for (user, password, org, expected) in [
        ("admin", "wrong", None, "Invalid user name or password"),
        ("admin", "ADMIN", None, "Invalid user name or password"),
        ("nobody", "nobody", None, "Invalid user name or password"),
        ("admin", "admin", Some("Nowhere"), "Invalid organization"),
        ("viewer", "viewer", Some("Lab"), "Invalid organization"),
    ] {
        let response = login_as(&client, &server, user, password, org).await;
        assert!(cookie_names(&response).is_empty(), "no cookies for {user}");
        assert_eq!(
            error_envelope(response, StatusCode::UNAUTHORIZED).await,
            expected
        );
    }
    // Nothing was logged in, so the API still refuses.
    let response = get(&client, &server, MACHINES).await;
    assert_eq!(
        error_envelope(response, StatusCode::UNAUTHORIZED).await,
        "Not authenticated"
    );
    let stats = server.faults().stats();
    assert_eq!((stats.login_attempts, stats.logins), (5, 0));
}

#[tokio::test]
async fn a_login_body_that_is_not_the_credentials_json_is_400() {
    let server = appliance(|_| {});
    let client = client();
    for body in ["not json", "{\"user\":\"admin\"}", ""] {
        let response = client
            .post(format!("{}{LOGIN}", server.base_url()))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let description = error_envelope(response, StatusCode::BAD_REQUEST).await;
        assert!(
            description.contains("Invalid request body"),
            "{description}"
        );
    }
}

#[tokio::test]
async fn api_requires_a_valid_version_header() {
    let server = appliance(|_| {});
    let client = logged_in(&server, "admin").await;
    let url = format!("{}{MACHINES}", server.base_url());
    let missing = client.get(&url).send().await.unwrap();
    assert_eq!(
        error_envelope(missing, StatusCode::BAD_REQUEST).await,
        "Missing API version header (x-kace-api-version)"
    );
    for bad in ["0", "abc", ""] {
        let response = client
            .get(&url)
            .header("x-kace-api-version", bad)
            .send()
            .await
            .unwrap();
        assert_eq!(
            error_envelope(response, StatusCode::BAD_REQUEST).await,
            "Invalid API version",
            "{bad:?}"
        );
    }
    for good in ["1", "8", "8.1", "13"] {
        let response = client
            .get(&url)
            .header("x-kace-api-version", good)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{good}");
    }
    // The Dell header alone is accepted only if the login carried it.
    let dell_only = client
        .get(&url)
        .header("x-dell-api-version", "8")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_envelope(dell_only, StatusCode::BAD_REQUEST).await,
        "Missing API version header (x-kace-api-version)"
    );
    let dell_client = client_with_dell_login(&server).await;
    let response = dell_client
        .get(&url)
        .header("x-dell-api-version", "8")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

async fn client_with_dell_login(server: &kace_tui::fake::FakeHandle) -> reqwest::Client {
    let client = client();
    let response = client
        .post(format!("{}{LOGIN}", server.base_url()))
        .header("x-dell-api-version", "8")
        .json_body(json!({"userName": "admin", "password": "admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    client
}

#[tokio::test]
async fn echoing_x_kace_authorization_is_optional_but_must_be_right() {
    let server = appliance(|_| {});
    let client = client();
    let response = login_as(&client, &server, "admin", "admin", None).await;
    let token = response.headers()["x-kace-authorization"]
        .to_str()
        .unwrap()
        .to_string();
    let url = format!("{}{MACHINES}", server.base_url());
    let echoed = client
        .get(&url)
        .header("x-kace-api-version", "8")
        .header("x-kace-authorization", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.status(), StatusCode::OK);
    let wrong = client
        .get(&url)
        .header("x-kace-api-version", "8")
        .header("x-kace-authorization", "Bearer stale")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_envelope(wrong, StatusCode::UNAUTHORIZED).await,
        "Invalid token"
    );
}

#[tokio::test]
async fn an_appliance_that_requires_the_authorization_echo_rejects_calls_without_it() {
    let server = appliance(|_| {});
    server.faults().set_require_authorization(true);
    let client = client();
    let response = login_as(&client, &server, "admin", "admin", None).await;
    let token = response.headers()["x-kace-authorization"]
        .to_str()
        .unwrap()
        .to_string();
    let url = format!("{}{MACHINES}", server.base_url());
    let bare = client
        .get(&url)
        .header("x-kace-api-version", "8")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_envelope(bare, StatusCode::UNAUTHORIZED).await,
        "Invalid token"
    );
    let echoed = client
        .get(&url)
        .header("x-kace-api-version", "8")
        .header("x-kace-authorization", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.status(), StatusCode::OK);
}

#[tokio::test]
async fn unknown_session_cookie_is_401() {
    let server = appliance(|_| {});
    let client = client();
    let response = client
        .get(format!("{}{MACHINES}", server.base_url()))
        .header("x-kace-api-version", "8")
        .header("cookie", "kboxid=0123456789abcdef")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_envelope(response, StatusCode::UNAUTHORIZED).await,
        "Invalid token"
    );
}

#[tokio::test]
async fn legacy_mode_issues_and_requires_the_dell_csrf_token() {
    let server = appliance(|config| config.legacy_csrf = true);
    let client = client();
    let login = client
        .post(format!("{}{LOGIN}", server.base_url()))
        .header("x-dell-api-version", "8")
        .json_body(json!({"userName": "admin", "password": "admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    assert!(
        login.headers().get("x-kace-authorization").is_none(),
        "11.x has no x-kace-authorization"
    );
    let token = login.headers()["x-dell-csrf-token"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(
        cookie_value(&login, "KACE_CSRF_TOKEN").as_deref(),
        Some(token.as_str())
    );
    let url = format!("{}{MACHINES}", server.base_url());

    let request = |csrf: Option<&str>, kace_only: bool| {
        let mut builder = client.get(&url);
        builder = if kace_only {
            builder.header("x-kace-api-version", "8")
        } else {
            builder.header("x-dell-api-version", "8")
        };
        if let Some(csrf) = csrf {
            builder = builder.header("x-dell-csrf-token", csrf);
        }
        builder.send()
    };
    let ok = request(Some(&token), false).await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let missing = request(None, false).await.unwrap();
    assert_eq!(
        error_envelope(missing, StatusCode::UNAUTHORIZED).await,
        "Invalid CSRF token"
    );
    let wrong = request(Some("0000"), false).await.unwrap();
    assert_eq!(
        error_envelope(wrong, StatusCode::UNAUTHORIZED).await,
        "Invalid CSRF token"
    );
    let modern_header = request(Some(&token), true).await.unwrap();
    assert_eq!(
        error_envelope(modern_header, StatusCode::BAD_REQUEST).await,
        "Missing API version header (x-dell-api-version)"
    );
    // The organizations call (AMS) needs the token too.
    let orgs = client
        .get(format!(
            "{}/ams/shared/api/organizations",
            server.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_envelope(orgs, StatusCode::UNAUTHORIZED).await,
        "Invalid CSRF token"
    );
}

#[tokio::test]
async fn legacy_login_without_the_dell_version_header_gets_no_csrf_header() {
    let server = appliance(|config| config.legacy_csrf = true);
    let client = client();
    let login = login_as(&client, &server, "admin", "admin", None).await;
    assert_eq!(login.status(), StatusCode::OK);
    assert!(login.headers().get("x-dell-csrf-token").is_none());
    // The cookie still carries the token, and it is still required.
    let token = cookie_value(&login, "KACE_CSRF_TOKEN").unwrap();
    let ok = client
        .get(format!("{}{MACHINES}", server.base_url()))
        .header("x-dell-api-version", "8")
        .header("x-dell-csrf-token", token)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
}

const VERIFY: &str = "/ams/shared/api/security/verify_2factor";

#[tokio::test]
async fn two_factor_accounts_are_locked_until_the_code_is_verified() {
    let server = appliance(|config| config.two_factor_code = "654321".to_string());
    let client = client();
    let login = login_as(&client, &server, "secure", "secure", None).await;
    assert_eq!(login.status(), StatusCode::OK);
    for path in [MACHINES, "/api/users/me"] {
        let response = get(&client, &server, path).await;
        assert_eq!(
            error_envelope(response, StatusCode::UNAUTHORIZED).await,
            "User not fully authenticated.",
            "{path}"
        );
    }
    let verify = |code: &'static str| {
        client
            .post(format!("{}{VERIFY}", server.base_url()))
            .json_body(json!({"currentCode": code}))
            .send()
    };
    let wrong = verify("123456").await.unwrap();
    assert_eq!(
        error_envelope(wrong, StatusCode::UNAUTHORIZED).await,
        "Invalid verification code"
    );
    let still_locked = get(&client, &server, MACHINES).await;
    assert_eq!(still_locked.status(), StatusCode::UNAUTHORIZED);
    let malformed = client
        .post(format!("{}{VERIFY}", server.base_url()))
        .json_body(json!({"code": "654321"}))
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);

    let right = verify("654321").await.unwrap();
    assert_eq!(right.status(), StatusCode::OK);
    assert_eq!(body_json(right).await, json!({"Result": "Success"}));
    let body = get_json(&client, &server, MACHINES, StatusCode::OK).await;
    assert_eq!(body["Count"], 300);
}

#[tokio::test]
async fn verify_without_a_session_is_401() {
    let server = appliance(|_| {});
    let response = client()
        .post(format!("{}{VERIFY}", server.base_url()))
        .json_body(json!({"currentCode": "123456"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_envelope(response, StatusCode::UNAUTHORIZED).await,
        "Not authenticated"
    );
}

#[tokio::test]
async fn idle_sessions_expire_after_the_ttl() {
    // A zero TTL expires a session as soon as any time passes: no waiting needed.
    let server = appliance(|config| config.session_ttl = Duration::ZERO);
    let client = logged_in(&server, "admin").await;
    for _ in 0..2 {
        let response = get(&client, &server, MACHINES).await;
        assert_eq!(
            error_envelope(response, StatusCode::UNAUTHORIZED).await,
            "Expired token"
        );
    }
}

#[tokio::test]
async fn expire_sessions_expires_every_session_now_and_a_new_login_works() {
    let server = appliance(|_| {});
    let client = logged_in(&server, "admin").await;
    let other = logged_in(&server, "viewer").await;
    assert_eq!(
        get(&client, &server, MACHINES).await.status(),
        StatusCode::OK
    );
    server.faults().expire_sessions();
    for session in [&client, &other] {
        let response = get(session, &server, MACHINES).await;
        assert_eq!(
            error_envelope(response, StatusCode::UNAUTHORIZED).await,
            "Expired token"
        );
    }
    let login = login_as(&client, &server, "admin", "admin", None).await;
    assert_eq!(login.status(), StatusCode::OK);
    assert_eq!(
        get(&client, &server, MACHINES).await.status(),
        StatusCode::OK
    );
    assert_eq!(server.faults().stats().logins, 3);
}

#[tokio::test]
async fn sessions_can_expire_after_a_number_of_requests() {
    let server = appliance(|_| {});
    server.faults().expire_sessions_after(Some(2));
    let client = logged_in(&server, "admin").await;
    assert_eq!(
        get(&client, &server, MACHINES).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        get(&client, &server, MACHINES).await.status(),
        StatusCode::OK
    );
    let third = get(&client, &server, MACHINES).await;
    assert_eq!(
        error_envelope(third, StatusCode::UNAUTHORIZED).await,
        "Expired token"
    );
    server.faults().expire_sessions_after(None);
    let login = login_as(&client, &server, "admin", "admin", None).await;
    assert_eq!(login.status(), StatusCode::OK);
    for _ in 0..3 {
        assert_eq!(
            get(&client, &server, MACHINES).await.status(),
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn logout_ends_the_session_and_clears_the_cookies() {
    let server = appliance(|_| {});
    let client = client();
    let login = login_as(&client, &server, "admin", "admin", None).await;
    let session = cookie_value(&login, "kboxid").unwrap();
    let logout = client
        .get(format!(
            "{}/ams/shared/api/security/logout",
            server.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::OK);
    assert_eq!(cookie_value(&logout, "kboxid").as_deref(), Some(""));
    // Replaying the old cookie by hand: the session is gone.
    let replay = fake_support::client()
        .get(format!("{}{MACHINES}", server.base_url()))
        .header("x-kace-api-version", "8")
        .header("cookie", format!("kboxid={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_envelope(replay, StatusCode::UNAUTHORIZED).await,
        "Invalid token"
    );
    let after = get(&client, &server, MACHINES).await;
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
}
