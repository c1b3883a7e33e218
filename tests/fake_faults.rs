//! The fake appliance's runtime faults, test controls and counters, over real HTTP
//! (issue 2, point 10).

mod fake_support;

use std::time::{Duration, Instant};

use fake_support::*;
use kace_tui::fake::faults::Fault;
use reqwest::StatusCode;

const PAGE: &str = "/api/inventory/machines?paging=limit%205";

#[tokio::test]
async fn the_next_answers_fail_with_a_given_status_then_recover() {
    let server = appliance(|_| {});
    let client = logged_in(&server, "admin").await;
    server.faults().fail_next(2, Fault::Status(503));
    server.faults().fail_next(1, Fault::Status(500));
    for status in [503, 503, 500] {
        let response = get(&client, &server, PAGE).await;
        let description = error_envelope(response, StatusCode::from_u16(status).unwrap()).await;
        assert_eq!(description, "Injected failure");
    }
    assert_eq!(get(&client, &server, PAGE).await.status(), StatusCode::OK);
    let stats = server.faults().stats();
    assert_eq!(stats.faults_injected, 3);
    assert_eq!(stats.requests_to("/api/inventory/machines"), 4);
}

#[tokio::test]
async fn rate_limiting_answers_carry_retry_after() {
    let server = appliance(|_| {});
    let client = logged_in(&server, "admin").await;
    server.faults().fail_next(
        1,
        Fault::TooManyRequests {
            retry_after_secs: 7,
        },
    );
    let response = get(&client, &server, PAGE).await;
    assert_eq!(response.headers()["retry-after"], "7");
    error_envelope(response, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(get(&client, &server, PAGE).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn faults_only_hit_api_routes() {
    let server = appliance(|_| {});
    server.faults().fail_next(1, Fault::Status(502));
    let client = logged_in(&server, "admin").await;
    assert_eq!(
        get(&client, &server, PAGE).await.status(),
        StatusCode::BAD_GATEWAY
    );
}

#[tokio::test]
async fn a_dropped_connection_gives_no_answer_at_all() {
    let server = appliance(|_| {});
    let client = logged_in(&server, "admin").await;
    server.faults().fail_next(1, Fault::DropConnection);
    let failed = client
        .get(format!("{}{PAGE}", server.base_url()))
        .header("x-kace-api-version", "8")
        .send()
        .await;
    let error = failed.expect_err("no answer");
    assert!(!error.is_timeout() && error.status().is_none(), "{error:?}");
    assert_eq!(get(&client, &server, PAGE).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_truncated_body_breaks_off_mid_json() {
    let server = appliance(|_| {});
    let client = logged_in(&server, "admin").await;
    server.faults().fail_next(1, Fault::TruncateBody);
    let response = get(&client, &server, PAGE).await;
    assert_eq!(response.status(), StatusCode::OK);
    let promised: usize = response.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(promised > 100);
    assert!(response.bytes().await.is_err(), "the body ends early");
    assert_eq!(get(&client, &server, PAGE).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn truncated_json_is_a_complete_answer_that_does_not_parse() {
    let server = appliance(|_| {});
    let client = logged_in(&server, "admin").await;
    let whole = get(&client, &server, PAGE).await.bytes().await.unwrap();
    server.faults().fail_next(1, Fault::TruncatedJson);
    let response = get(&client, &server, PAGE).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.bytes().await.expect("a complete HTTP answer");
    assert_eq!(body.len(), whole.len() / 2);
    assert_eq!(&body[..], &whole[..body.len()]);
    assert!(serde_json::from_slice::<serde_json::Value>(&body).is_err());
}

#[tokio::test]
async fn a_hanging_request_never_answers() {
    let server = appliance(|_| {});
    let client = logged_in(&server, "admin").await;
    server.faults().fail_next(1, Fault::Hang);
    let hung = client
        .get(format!("{}{PAGE}", server.base_url()))
        .header("x-kace-api-version", "8")
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(hung.expect_err("no answer").is_timeout());
    assert_eq!(get(&client, &server, PAGE).await.status(), StatusCode::OK);
    // Dropping the server with a request still hanging must not block.
    server.faults().fail_next(1, Fault::Hang);
    let pending = tokio::spawn({
        let client = client.clone();
        let url = format!("{}{PAGE}", server.base_url());
        async move {
            client
                .get(url)
                .header("x-kace-api-version", "8")
                .send()
                .await
        }
    });
    server.faults().wait_for_in_flight(1).await;
    drop(server);
    assert!(pending.await.unwrap().is_err());
}

#[tokio::test]
async fn the_appliance_can_go_away_and_come_back() {
    let server = appliance(|_| {});
    let client = logged_in(&server, "admin").await;
    assert_eq!(get(&client, &server, PAGE).await.status(), StatusCode::OK);
    server.faults().set_gone(true);
    for _ in 0..2 {
        let refused = client
            .get(format!("{}{PAGE}", server.base_url()))
            .header("x-kace-api-version", "8")
            .send()
            .await
            .expect_err("nobody listens");
        assert!(refused.is_connect() || refused.is_request(), "{refused:?}");
    }
    let fresh = fake_support::client()
        .get(format!("{}{PAGE}", server.base_url()))
        .send()
        .await
        .expect_err("a new client is refused too");
    assert!(fresh.is_connect(), "{fresh:?}");
    server.faults().set_gone(false);
    assert_eq!(
        get(&client, &server, PAGE).await.status(),
        StatusCode::OK,
        "the session survived"
    );
}

#[tokio::test]
async fn latency_is_added_to_every_answer() {
    let server = appliance(|config| config.latency = Duration::from_millis(120));
    let client = fake_support::client();
    let started = Instant::now();
    let login = login_as(&client, &server, "admin", "admin", None).await;
    assert_eq!(login.status(), StatusCode::OK);
    assert_eq!(get(&client, &server, PAGE).await.status(), StatusCode::OK);
    assert!(
        started.elapsed() >= Duration::from_millis(240),
        "{:?}",
        started.elapsed()
    );
    server.faults().set_latency(Duration::ZERO);
    let quick = Instant::now();
    assert_eq!(get(&client, &server, PAGE).await.status(), StatusCode::OK);
    assert!(quick.elapsed() < Duration::from_millis(120));
}

#[tokio::test]
async fn the_error_rate_turns_answers_into_5xx() {
    let server = appliance(|config| config.error_rate = 1.0);
    let client = logged_in(&server, "admin").await;
    for _ in 0..10 {
        let status = get(&client, &server, PAGE).await.status();
        assert!([500, 502, 503].contains(&status.as_u16()), "{status}");
    }
    server.faults().set_error_rate(0.5);
    let mut failures = 0;
    for _ in 0..60 {
        failures += usize::from(get(&client, &server, PAGE).await.status() != StatusCode::OK);
    }
    assert!((10..=50).contains(&failures), "{failures} of 60");
    server.faults().clear();
    assert_eq!(get(&client, &server, PAGE).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_dripped_body_arrives_whole() {
    let server = appliance(|_| {});
    let client = logged_in(&server, "admin").await;
    let whole = get(&client, &server, PAGE).await.bytes().await.unwrap();
    server
        .faults()
        .set_drip(Some((97, Duration::from_millis(1))));
    let response = get(&client, &server, PAGE).await;
    assert!(
        response.headers().get("content-length").is_none(),
        "chunked"
    );
    assert_eq!(response.bytes().await.unwrap(), whole);
    server.faults().set_drip(None);
}

#[tokio::test]
async fn concurrency_and_request_counters() {
    let server = appliance(|_| {});
    let client = logged_in(&server, "admin").await;
    server.faults().reset_stats();
    server.faults().fail_next(3, Fault::Hang);
    let mut pending = Vec::new();
    for _ in 0..3 {
        let client = client.clone();
        let url = format!("{}{PAGE}", server.base_url());
        pending.push(tokio::spawn(async move {
            client
                .get(url)
                .header("x-kace-api-version", "8")
                .send()
                .await
        }));
    }
    server.faults().wait_for_in_flight(3).await;
    assert_eq!(server.faults().in_flight(), 3);
    // Going away releases the hanging requests.
    server.faults().set_gone(true);
    for request in pending {
        assert!(request.await.unwrap().is_err());
    }
    server.faults().set_gone(false);
    let stats = server.faults().stats();
    assert_eq!(stats.max_in_flight, 3);
    assert_eq!(stats.requests_to("/api/inventory/machines"), 3);
    assert_eq!(stats.api_requests, 3);
    assert_eq!(stats.logins, 0, "counted since the reset");
    // Every cut request's handler finishes (this would hang if an in-flight guard leaked).
    server.faults().wait_until_idle().await;
}

#[tokio::test]
async fn ignoring_offset_serves_the_first_page_again() {
    let server = appliance(|_| {});
    let client = logged_in(&server, "admin").await;
    let path = "/api/inventory/machines?shaping=machine%20limited&paging=limit%2010%20offset%2010";
    let second = get_json(&client, &server, path, StatusCode::OK).await;
    assert_eq!(machine_ids(&second)[0], "11");
    server.faults().set_ignore_offset(true);
    let again = get_json(&client, &server, path, StatusCode::OK).await;
    assert_eq!(machine_ids(&again)[0], "1");
    assert_eq!(again["Count"], 300);
}

#[tokio::test]
async fn big_answers_are_streamed() {
    let server = appliance(|config| config.machines = 5_000);
    let client = logged_in(&server, "admin").await;
    let response = get(
        &client,
        &server,
        "/api/inventory/machines?paging=limit%20ALL&shaping=machine%20all,software%20limited",
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get("content-length").is_none());
    assert_eq!(response.headers()["transfer-encoding"], "chunked");
    let body = body_json(response).await;
    assert_eq!(body["Count"], 5_000);
    let ids = machine_ids(&body);
    assert_eq!(ids.len(), 5_000);
    assert_eq!(ids[4_999], "5000");
}
