//! Assertions shared by the tests: exact status, exact error code, the API headers.

use reqwest::header::HeaderMap;
use reqwest::Response;
use serde_json::Value;

/// Asserts an API error: exact status and code, a message, JSON, not cacheable.
pub async fn assert_error(response: Response, status: u16, code: &str) -> Value {
    let actual = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("error body is readable");
    assert_eq!(actual, status, "unexpected status; body: {text}");
    assert_eq!(header(&headers, "content-type"), Some("application/json"));
    assert_eq!(header(&headers, "cache-control"), Some("no-store"));
    let body: Value = serde_json::from_str(&text).expect("error body is JSON");
    assert_eq!(body["error"], code, "body: {body}");
    let message = body["message"].as_str().expect("message is a string");
    assert!(!message.is_empty(), "message is empty");
    body
}

/// Asserts the 401 `invalid_token` answer, `WWW-Authenticate` challenge included.
pub async fn assert_invalid_token(response: Response) {
    let challenge = header(response.headers(), "www-authenticate").map(str::to_owned);
    assert_error(response, 401, "invalid_token").await;
    assert_eq!(challenge.as_deref(), Some("Bearer error=\"invalid_token\""));
}

/// Asserts the status and returns the JSON body.
pub async fn json_with_status(response: Response, status: u16) -> Value {
    let actual = response.status().as_u16();
    let content_type = header(response.headers(), "content-type").map(str::to_owned);
    let text = response.text().await.expect("body is readable");
    assert_eq!(actual, status, "unexpected status; body: {text}");
    assert_eq!(content_type.as_deref(), Some("application/json"));
    serde_json::from_str(&text).expect("body is JSON")
}

pub fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

pub fn now_unix() -> i64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    now.expect("clock after 1970").as_secs() as i64
}
