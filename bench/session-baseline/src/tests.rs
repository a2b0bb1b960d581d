//! The seeded rows must read back as logged-in sessions through the real layers.

use std::path::PathBuf;

use axum::{
    body::{to_bytes, Body},
    http::{header::COOKIE, Request, StatusCode},
    Router,
};
use tower::ServiceExt;

use crate::{api::CurrentUser, db::Db, seed::seed, serve::router};

/// A fresh SQLite file seeded with `n` sessions, the app on it, the cookie lines, and the
/// directory to remove afterwards.
async fn seeded_app(n: usize) -> (Router, Vec<String>, PathBuf) {
    let dir = std::env::temp_dir().join(format!("session-baseline-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("db.sqlite").display());
    let cookies = dir.join("cookies.txt");
    seed(&url, n, &cookies).await.unwrap();
    let lines = std::fs::read_to_string(&cookies)
        .unwrap()
        .lines()
        .map(|line| line.trim_start_matches("Cookie: ").to_owned())
        .collect();
    let app = router(Db::connect(&url).await.unwrap()).await.unwrap();
    (app, lines, dir)
}

async fn get_me(app: &Router, cookie: Option<&str>) -> (StatusCode, Vec<u8>) {
    let mut request = Request::get("/api/me");
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    (
        status,
        to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap()
            .to_vec(),
    )
}

#[tokio::test]
async fn seeded_sessions_are_logged_in_anonymous_and_unknown_ones_are_not() {
    let (app, cookies, dir) = seeded_app(3).await;

    let (status, body) = get_me(&app, Some(&cookies[1])).await;
    assert_eq!(status, StatusCode::OK);
    let user: CurrentUser = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (user.username.as_str(), user.role.as_str()),
        ("user2", "user")
    );

    assert_eq!(get_me(&app, None).await.0, StatusCode::UNAUTHORIZED);
    let unknown = format!("session={}", uuid::Uuid::new_v4());
    assert_eq!(
        get_me(&app, Some(&unknown)).await.0,
        StatusCode::UNAUTHORIZED
    );

    let _ = std::fs::remove_dir_all(dir);
}
