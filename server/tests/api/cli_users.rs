//! `tokengate users ...` (issue 16), run beside a live server on its storage: what the operator
//! does at the command line is what the server enforces at once over HTTP, and it is audited
//! like an admin's action with no actor.

use serde_json::{json, Value};

use crate::helpers::cli::{run_cli, CliRun};
use crate::helpers::sessions::session_from;
use crate::helpers::{assert_error, json_with_status, Backend, TestServer};

const PASSWORD: &str = "correct horse";
const NEW_PASSWORD: &str = "battery staple";

/// `tokengate users <args>` on the server's storage, with `stdin`.
async fn users(server: &TestServer, args: &[&str], stdin: &str) -> CliRun {
    let args: Vec<&str> = ["users"].iter().chain(args).copied().collect();
    run_cli(server.storage(), &args, stdin, &[]).await
}

async fn users_json(server: &TestServer, args: &[&str]) -> Value {
    let args: Vec<&str> = args.iter().copied().chain(["--json"]).collect();
    users(server, &args, "").await.json()
}

async fn create_reads_the_password_from_stdin_and_the_admin_logs_in_as_admin(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;

    let created = users(
        &server,
        &["create", "root", "--admin"],
        &format!("{PASSWORD}\n"),
    )
    .await;

    assert!(created.status.success(), "{}", created.stderr);
    assert!(
        created.stdout.contains("created root (admin)"),
        "{}",
        created.stdout
    );
    let session = session_from(server.login("root", PASSWORD).await, 200).await;
    let account = server
        .get_bearer("/api/account", &session.access_token)
        .await;
    let account = json_with_status(account, 200).await;
    assert_eq!(account["username"], "root");
    assert_eq!(account["role"], "admin");
}

async fn a_weak_password_on_stdin_is_refused_and_no_account_is_made(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;

    let created = users(&server, &["create", "root", "--json"], "password\n").await;

    created.assert_failed_with("weak password");
    assert_eq!(
        created
            .stderr
            .lines()
            .filter(|l| l.starts_with("error:"))
            .count(),
        1
    );
    let listed = users_json(&server, &["list"]).await;
    assert_eq!(listed["total"], 0);
    assert_error(
        server.login("root", "password").await,
        401,
        "invalid_credentials",
    )
    .await;
}

async fn list_json_lists_exactly_the_accounts_made(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    server.signed_up("bob", PASSWORD).await;
    server.signed_up("alice", PASSWORD).await;
    let stdin = format!("{PASSWORD}\n");
    let created = users(
        &server,
        &["create", "carol", "--email", "carol@example.com"],
        &stdin,
    )
    .await;
    assert!(created.status.success(), "{}", created.stderr);

    let listed = users_json(&server, &["list"]).await;

    let names: Vec<&Value> = listed["users"]
        .as_array()
        .expect("users")
        .iter()
        .map(|u| &u["username"])
        .collect();
    assert_eq!(names, ["alice", "bob", "carol"]);
    assert_eq!(listed["total"], 3);
    assert_eq!(listed["page"], 1);
    let carol = &listed["users"][2];
    assert_eq!(carol["email"], "carol@example.com");
    assert_eq!(carol["email_verified"], false);
    assert_eq!(carol["role"], "user");
    assert_eq!(carol["disabled"], false);
    assert_eq!(carol["last_login_at"], Value::Null);
}

async fn disable_refuses_login_and_ends_live_sessions_until_enable(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let session = server.signup_session("alice", PASSWORD).await;
    let id = session.body["user"]["id"].clone();

    let disabled = users_json(&server, &["disable", "alice"]).await;

    assert_eq!(disabled, json!({ "ok": true, "user_id": id }));
    let refresh = server.refresh(Some(&session.refresh_token)).await;
    assert_error(refresh, 401, "invalid_refresh_token").await;
    assert_error(
        server.login("alice", PASSWORD).await,
        403,
        "account_disabled",
    )
    .await;
    users_json(&server, &["enable", "alice"]).await;
    session_from(server.login("alice", PASSWORD).await, 200).await;
}

async fn sign_out_ends_every_session_and_is_audited_with_no_actor(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let first = server.signup_session("alice", PASSWORD).await;
    let second = server.login_session("alice", PASSWORD).await;
    assert_eq!(users_json(&server, &["show", "alice"]).await["sessions"], 2);

    users_json(&server, &["sign-out", "alice"]).await;

    for session in [&first, &second] {
        let refresh = server.refresh(Some(&session.refresh_token)).await;
        assert_error(refresh, 401, "invalid_refresh_token").await;
    }
    let shown = users_json(&server, &["show", "alice"]).await;
    assert_eq!(shown["sessions"], 0);
    assert_eq!(shown["mfa_enabled"], false);
    // Events of one second have no order among them: found by kind.
    let events = shown["events"].as_array().expect("events");
    let by_operator: Vec<&Value> = events
        .iter()
        .filter(|e| e["kind"] == "signed_out_by_admin")
        .collect();
    assert_eq!(by_operator.len(), 1, "{events:?}");
    assert_eq!(by_operator[0]["actor_id"], Value::Null);
    assert_eq!(by_operator[0]["user_id"], first.body["user"]["id"]);
}

async fn reset_password_prints_a_link_on_the_servers_origin_whose_token_works_once(
    backend: Backend,
) {
    let server = TestServer::spawn_on(backend).await;
    server.signed_up("alice", PASSWORD).await;
    let site = server.address.trim_start_matches("http://");
    let args = ["users", "reset-password", "alice", "--json"];

    let printed = run_cli(server.storage(), &args, "", &[("LEPTOS_SITE_ADDR", site)]).await;

    let link = printed.json()["link"].as_str().expect("link").to_owned();
    // The server's origin: a loopback listener's default public URL is `localhost`.
    let port = site.rsplit(':').next().unwrap();
    let prefix = format!("http://localhost:{port}/reset-password?token=");
    let token = link
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{link}"));
    let confirm = |password: &'static str| {
        let body = json!({ "token": token, "new_password": password });
        server
            .client
            .post(server.url("/api/auth/password-reset/confirm"))
            .json(&body)
            .send()
    };
    session_from(confirm(NEW_PASSWORD).await.expect("sent"), 200).await;
    assert_error(
        confirm("another passphrase").await.expect("sent"),
        400,
        "invalid_reset_token",
    )
    .await;
    session_from(server.login("alice", NEW_PASSWORD).await, 200).await;
}

async fn an_unknown_user_is_a_non_zero_exit_saying_no_such_user(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;

    let run = users(&server, &["disable", "nobody"], "").await;

    run.assert_failed_with("no such user: nobody");
}

async fn a_bad_role_is_a_non_zero_exit_naming_the_roles(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    server.signed_up("alice", PASSWORD).await;

    let run = users(&server, &["set-role", "alice", "root"], "").await;

    run.assert_failed_with("role must be `user` or `admin`");
    assert_eq!(
        users_json(&server, &["show", "alice"]).await["role"],
        "user"
    );
}

on_both_backends!(
    create_reads_the_password_from_stdin_and_the_admin_logs_in_as_admin,
    a_weak_password_on_stdin_is_refused_and_no_account_is_made,
    list_json_lists_exactly_the_accounts_made,
    disable_refuses_login_and_ends_live_sessions_until_enable,
    sign_out_ends_every_session_and_is_audited_with_no_actor,
    reset_password_prints_a_link_on_the_servers_origin_whose_token_works_once,
    an_unknown_user_is_a_non_zero_exit_saying_no_such_user,
    a_bad_role_is_a_non_zero_exit_naming_the_roles,
);
