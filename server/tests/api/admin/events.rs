//! The audit trail: a scripted journey gives exactly its sequence of events, each with where it
//! came from; users see their own.

use serde_json::{json, Value};

use super::{act, user_id, with_admin, PASSWORD};
use crate::helpers::{json_with_status, Backend};

const CHROME: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.8078.73 Safari/537.36";

fn kinds(events: &Value) -> Vec<(String, Option<String>)> {
    let mut list: Vec<(String, Option<String>)> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_owned(),
                e["reason"].as_str().map(str::to_owned),
            )
        })
        .collect();
    list.reverse(); // oldest first
    list
}

async fn a_scripted_journey_gives_exactly_its_events(backend: Backend) {
    let (server, admin) = with_admin(backend).await;
    let alice = server.signup_session("alice", PASSWORD).await;
    let id = user_id(&alice);
    let _ = server.login("alice", "wrong horse").await;
    let session = server.login_with_agent("alice", PASSWORD, CHROME).await;
    // Refresh, then present the retired token after the grace window (10 s): faked by aging
    // the rotation in the database rather than sleeping.
    let next = server.refreshed(&session.refresh_token).await;
    server
        .sql("UPDATE refresh_tokens SET rotated_at = rotated_at - 60 WHERE rotated_at IS NOT NULL");
    let reuse = server.refresh(Some(&session.refresh_token)).await;
    assert_eq!(reuse.status().as_u16(), 401);
    drop(next);
    let body = json!({ "current_password": PASSWORD, "new_password": "battery staple" });
    let change = server
        .post_bearer("/api/auth/password", &alice.access_token, &body)
        .await;
    json_with_status(change, 200).await;
    act(&server, &admin, &id, "disable").await;

    let events = server
        .get_bearer(
            &format!("/api/admin/events?user_id={id}"),
            &admin.access_token,
        )
        .await;
    let events = json_with_status(events, 200).await;

    let s = |k: &str| (k.to_owned(), None);
    let r = |k: &str, why: &str| (k.to_owned(), Some(why.to_owned()));
    assert_eq!(
        kinds(&events),
        [
            s("signup"),
            r("login_failed", "wrong_password"),
            s("login_succeeded"),
            s("refresh_token_reused"),
            s("password_changed"),
            s("account_disabled"),
        ]
    );
    let list = events.as_array().unwrap();
    let login = &list[list.len() - 3];
    assert_eq!(login["user_agent"], "Chrome 156 on Linux");
    assert_eq!(login["client_address"], "127.0.0.1");
    assert_eq!(login["session_id"], session.sid());
    let disabled = &list[0];
    assert_eq!(
        disabled["actor_id"].as_str(),
        Some(user_id(&admin).as_str())
    );
    // Filtered by type.
    let only = server
        .get_bearer("/api/admin/events?type=login_failed", &admin.access_token)
        .await;
    assert_eq!(
        kinds(&json_with_status(only, 200).await),
        [r("login_failed", "wrong_password")]
    );
}

async fn locks_and_second_factor_outcomes_are_recorded(backend: Backend) {
    let server =
        crate::helpers::TestServer::spawn_with(backend, &[("TOKENGATE_LOGIN_MAX_FAILURES", "3")])
            .await;
    let mut alice = crate::mfa::enrolled(&server).await;
    let token = crate::mfa::mfa_token(&server).await;
    let wrong = json!({ "mfa_token": token, "code": "000000" });
    let _ = crate::mfa::verify(&server, &wrong).await;
    let right = json!({ "mfa_token": token, "code": alice.app.code() });
    let done = crate::mfa::verify(&server, &right).await;
    assert_eq!(done.status().as_u16(), 200);
    for _ in 0..3 {
        let _ = server.login("alice", "wrong horse").await;
    }

    let events = server
        .get_bearer("/api/account/events", &alice.session.access_token)
        .await;
    // The enrolment session was ended by nothing here: it still reads its own trail.
    let events = json_with_status(events, 200).await;
    let s = |k: &str| (k.to_owned(), None);
    let r = |k: &str, why: &str| (k.to_owned(), Some(why.to_owned()));
    assert_eq!(
        kinds(&events),
        [
            s("signup"),
            s("mfa_enabled"),
            r("mfa_failed", "wrong_code"),
            r("mfa_passed", "totp"),
            s("login_succeeded"),
            r("login_failed", "wrong_password"),
            r("login_failed", "wrong_password"),
            r("login_failed", "wrong_password"),
            s("account_locked"),
        ]
    );
}

async fn users_see_only_their_own_events(backend: Backend) {
    let (server, _) = with_admin(backend).await;
    let alice = server.signup_session("alice", PASSWORD).await;
    let _ = server.login("root", "wrong horse").await;

    let events = server
        .get_bearer("/api/account/events", &alice.access_token)
        .await;
    let events = json_with_status(events, 200).await;

    assert_eq!(kinds(&events), [("signup".to_owned(), None)]);
    assert!(events[0]["user_id"] == Value::String(user_id(&alice)));
}

on_both_backends!(
    a_scripted_journey_gives_exactly_its_events,
    locks_and_second_factor_outcomes_are_recorded,
    users_see_only_their_own_events,
);
