//! Helpers shared by the fake appliance's integration tests: a small appliance, a client with
//! a cookie jar, and request shortcuts. Everything goes over real HTTP on loopback.

#![allow(dead_code)] // Each test file uses a different subset.

use kace_tui::fake::{self, FakeConfig, FakeHandle};
use reqwest::{Client, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};

/// A small, fast appliance (300 machines in Default) with the given changes.
pub fn appliance(change: impl FnOnce(&mut FakeConfig)) -> FakeHandle {
    let mut config = FakeConfig {
        machines: 300,
        ..FakeConfig::default()
    };
    change(&mut config);
    fake::start(config).expect("fake appliance starts")
}

/// A client with its own cookie jar, like a browser session.
pub fn client() -> Client {
    // reqwest is built without a TLS provider; plain HTTP needs none, but the builder wants one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::builder()
        .cookie_store(true)
        .build()
        .expect("client builds")
}

pub const LOGIN: &str = "/ams/shared/api/security/login";

pub async fn login_as(
    client: &Client,
    server: &FakeHandle,
    user: &str,
    password: &str,
    org: Option<&str>,
) -> Response {
    let mut body = json!({"userName": user, "password": password});
    if let Some(org) = org {
        body["organizationName"] = json!(org);
    }
    with_json(client.post(format!("{}{LOGIN}", server.base_url())), &body)
        .send()
        .await
        .expect("login answered")
}

/// Sets a JSON body (reqwest's `json` feature is not enabled in this crate).
pub fn with_json(builder: RequestBuilder, body: &Value) -> RequestBuilder {
    builder
        .header("content-type", "application/json")
        .body(body.to_string())
}

/// Logs in and asserts success.
pub async fn logged_in(server: &FakeHandle, user: &str) -> Client {
    let client = client();
    let response = login_as(&client, server, user, user, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    client
}

/// GET with the modern version header.
pub async fn get(client: &Client, server: &FakeHandle, path_and_query: &str) -> Response {
    client
        .get(format!("{}{path_and_query}", server.base_url()))
        .header("x-kace-api-version", "8")
        .send()
        .await
        .expect("answered")
}

/// GET and read a JSON body, asserting the status.
pub async fn get_json(
    client: &Client,
    server: &FakeHandle,
    path_and_query: &str,
    status: StatusCode,
) -> Value {
    let response = get(client, server, path_and_query).await;
    assert_eq!(response.status(), status, "{path_and_query}");
    body_json(response).await
}

pub async fn body_json(response: Response) -> Value {
    let text = response.text().await.expect("body");
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("not JSON ({error}): {text}"))
}

/// Asserts the appliance's error envelope and returns its description.
pub async fn error_envelope(response: Response, status: StatusCode) -> String {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers()["content-type"],
        "application/json",
        "errors are JSON"
    );
    let body = body_json(response).await;
    assert_eq!(body["errorCode"], -1, "{body}");
    body["errorDescription"]
        .as_str()
        .unwrap_or_else(|| panic!("no errorDescription in {body}"))
        .to_string()
}

/// The names of the `Set-Cookie` headers of a response.
pub fn cookie_names(response: &Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|value| value.split('=').next())
        .map(str::to_string)
        .collect()
}

/// The value of one `Set-Cookie` of a response.
pub fn cookie_value(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|value| value.split(';').next())
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
}

/// The ids of the `Machines` of a list answer.
pub fn machine_ids(body: &Value) -> Vec<String> {
    body["Machines"]
        .as_array()
        .unwrap_or_else(|| panic!("no Machines in {body}"))
        .iter()
        .map(|machine| machine["Id"].as_str().expect("string Id").to_string())
        .collect()
}

/// `.json_body(value)` on a request builder.
pub trait JsonBody {
    fn json_body(self, body: Value) -> Self;
}

impl JsonBody for RequestBuilder {
    fn json_body(self, body: Value) -> Self {
        with_json(self, &body)
    }
}
