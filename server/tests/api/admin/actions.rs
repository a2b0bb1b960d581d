//! The admin API: who may call it, listing and searching, and each action's effect.

use serde_json::json;

use super::{act, promote, user_id, with_admin, PASSWORD};
use crate::helpers::sessions::session_from;
use crate::helpers::{assert_error, json_with_status, Backend};

async fn every_admin_call_is_403_forbidden_for_a_user(backend: Backend) {
    let (server, admin) = with_admin(backend).await;
    let alice = server.signup_session("alice", PASSWORD).await;
    let root_id = user_id(&admin);
    let bearer = &alice.access_token;

    for path in [
        "/api/admin/users".to_owned(),
        format!("/api/admin/user?id={root_id}"),
        format!("/api/admin/users/{root_id}"),
        "/api/admin/events".to_owned(),
    ] {
        let response = server.get_bearer(&path, bearer).await;
        assert_error(response, 403, "forbidden").await;
    }
    let body = json!({ "id": root_id, "action": "disable" });
    let response = server
        .post_bearer("/api/admin/users/act", bearer, &body)
        .await;
    assert_error(response, 403, "forbidden").await;
    let path = format!("/api/admin/users/{root_id}/disable");
    let response = server.post_bearer(&path, bearer, &json!({})).await;
    assert_error(response, 403, "forbidden").await;
    // And without a token at all: 401.
    let response = server.get("/api/admin/users").await;
    assert_error(response, 401, "invalid_token").await;
}

async fn users_are_listed_by_name_searched_and_paged(backend: Backend) {
    let (server, admin) = with_admin(backend).await;
    for n in 0..27 {
        server
            .signup_session(&format!("user{n:02}"), PASSWORD)
            .await;
    }
    let bearer = &admin.access_token;

    let first = server.get_bearer("/api/admin/users", bearer).await;
    let first = json_with_status(first, 200).await;
    assert_eq!(first["total"], 28);
    assert_eq!(first["users"].as_array().unwrap().len(), 25);
    assert_eq!(first["users"][0]["username"], "root");
    assert_eq!(first["users"][0]["role"], "admin");
    let second = server.get_bearer("/api/admin/users?page=2", bearer).await;
    let names: Vec<String> = json_with_status(second, 200).await["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["user24", "user25", "user26"]);
    let found = server.get_bearer("/api/admin/users?q=USER1", bearer).await;
    let found = json_with_status(found, 200).await;
    assert_eq!(found["total"], 10);
    // `%` and `_` are literal, not patterns.
    let none = server.get_bearer("/api/admin/users?q=%25", bearer).await;
    assert_eq!(json_with_status(none, 200).await["total"], 0);
}

async fn disabling_ends_sessions_at_once_and_refuses_logins(backend: Backend) {
    let (server, admin) = with_admin(backend).await;
    let alice = server.signup_session("alice", PASSWORD).await;
    let id = user_id(&alice);

    assert_eq!(
        act(&server, &admin, &id, "disable").await,
        json!({ "ok": true })
    );

    let refresh = server.refresh(Some(&alice.refresh_token)).await;
    assert_error(refresh, 401, "invalid_refresh_token").await;
    let account = server.get_bearer("/api/account", &alice.access_token).await;
    assert_error(account, 401, "invalid_token").await;
    // The documented bound: the stateless endpoint accepts the token until it expires.
    json_with_status(server.me(&alice.access_token).await, 200).await;
    let login = server.login("alice", PASSWORD).await;
    assert_error(login, 403, "account_disabled").await;
    // A wrong password says nothing about the account being disabled.
    let wrong = server.login("alice", "wrong horse").await;
    assert_error(wrong, 401, "invalid_credentials").await;
    let details = server
        .get_bearer(&format!("/api/admin/users/{id}"), &admin.access_token)
        .await;
    assert_eq!(json_with_status(details, 200).await["disabled"], true);

    act(&server, &admin, &id, "enable").await;
    session_from(server.login("alice", PASSWORD).await, 200).await;
}

async fn a_demoted_admin_loses_the_power_at_once(backend: Backend) {
    let (server, root) = with_admin(backend).await;
    server.signup_session("bob", PASSWORD).await;
    promote(&server, "bob");
    let bob = server.login_session("bob", PASSWORD).await;
    json_with_status(
        server
            .get_bearer("/api/admin/users", &bob.access_token)
            .await,
        200,
    )
    .await;

    let body = json!({ "id": user_id(&bob), "action": "role", "role": "user" });
    let response = server
        .post_bearer("/api/admin/users/act", &root.access_token, &body)
        .await;
    json_with_status(response, 200).await;

    // Bob's token still says "admin"; the database says otherwise.
    let claims = crate::tokens::segment(&bob.access_token, 1);
    assert_eq!(claims["role"], "admin");
    let refused = server
        .get_bearer("/api/admin/users", &bob.access_token)
        .await;
    assert_error(refused, 403, "forbidden").await;
    // The role reaches the token at the next refresh.
    let refreshed = server.refreshed(&bob.refresh_token).await;
    assert_eq!(
        crate::tokens::segment(&refreshed.access_token, 1)["role"],
        "user"
    );
}

async fn sign_out_ends_every_session_and_reset_mfa_removes_the_factor(backend: Backend) {
    let (server, admin) = with_admin(backend).await;
    let alice = crate::mfa::enrolled(&server).await;
    let id = user_id(&alice.session);

    act(&server, &admin, &id, "sign-out").await;
    let refresh = server.refresh(Some(&alice.session.refresh_token)).await;
    assert_error(refresh, 401, "invalid_refresh_token").await;
    assert_eq!(
        json_with_status(server.login("alice", PASSWORD).await, 403).await["error"],
        "mfa_required"
    );

    act(&server, &admin, &id, "reset-mfa").await;
    session_from(server.login("alice", PASSWORD).await, 200).await;
    let details = server
        .get_bearer(&format!("/api/admin/user?id={id}"), &admin.access_token)
        .await;
    let details = json_with_status(details, 200).await;
    assert_eq!(details["mfa_enabled"], false);
    assert_eq!(details["sessions"].as_array().unwrap().len(), 1);
}

async fn unknown_users_and_actions_are_4xx(backend: Backend) {
    let (server, admin) = with_admin(backend).await;
    let bearer = &admin.access_token;

    let missing = server.get_bearer("/api/admin/users/nobody", bearer).await;
    assert_error(missing, 404, "not_found").await;
    let path = "/api/admin/users/nobody/disable";
    let missing = server.post_bearer(path, bearer, &json!({})).await;
    assert_error(missing, 404, "not_found").await;
    let path = format!("/api/admin/users/{}/explode", user_id(&admin));
    let bad = server.post_bearer(&path, bearer, &json!({})).await;
    assert_error(bad, 400, "invalid_input").await;
    let body = json!({ "id": user_id(&admin), "action": "role", "role": "god" });
    let bad = server
        .post_bearer("/api/admin/users/act", bearer, &body)
        .await;
    assert_error(bad, 400, "invalid_input").await;
    let bad = server
        .get_bearer("/api/admin/events?type=nonsense", bearer)
        .await;
    assert_error(bad, 400, "invalid_input").await;
}

on_both_backends!(
    every_admin_call_is_403_forbidden_for_a_user,
    users_are_listed_by_name_searched_and_paged,
    disabling_ends_sessions_at_once_and_refuses_logins,
    a_demoted_admin_loses_the_power_at_once,
    sign_out_ends_every_session_and_reset_mfa_removes_the_factor,
    unknown_users_and_actions_are_4xx,
);
