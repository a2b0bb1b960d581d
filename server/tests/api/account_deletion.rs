//! `POST /api/account/delete`: needs the password and a live session; afterwards the account
//! and every session of it are gone.

use serde_json::json;

use crate::helpers::sessions::alice_on_three_devices;
use crate::helpers::{assert_error, assert_invalid_token, json_with_status, Backend};

const PASSWORD: &str = "correct horse";

async fn account_deletion_with_a_wrong_password_is_401_and_deletes_nothing(backend: Backend) {
    let (server, [session, _, _]) = alice_on_three_devices(backend, PASSWORD).await;
    let body = json!({ "password": "wrong horse" });

    let response = server.post_bearer("/api/account/delete", &session.access_token, &body);

    assert_error(response.await, 401, "invalid_credentials").await;
    json_with_status(server.login("alice", PASSWORD).await, 200).await;
}

async fn account_deletion_ends_every_session_and_the_account(backend: Backend) {
    let (server, [first, current, third]) = alice_on_three_devices(backend, PASSWORD).await;
    let body = json!({ "password": PASSWORD });

    let response = server.post_bearer("/api/account/delete", &current.access_token, &body);

    assert_eq!(
        json_with_status(response.await, 200).await,
        json!({ "logged_out": true })
    );
    for session in [&first, &current, &third] {
        let refresh = server.refresh(Some(&session.refresh_token)).await;
        assert_error(refresh, 401, "invalid_refresh_token").await;
        let account = server
            .get_bearer("/api/account", &session.access_token)
            .await;
        assert_invalid_token(account).await;
    }
    assert_error(
        server.login("alice", PASSWORD).await,
        401,
        "invalid_credentials",
    )
    .await;
}

async fn access_token_of_an_ended_session_cannot_delete_the_account(backend: Backend) {
    let (server, [first, current, _]) = alice_on_three_devices(backend, PASSWORD).await;
    let ended = server.logout(Some(&first.refresh_token), None).await;
    json_with_status(ended, 200).await;
    let body = json!({ "password": PASSWORD });

    let response = server.post_bearer("/api/account/delete", &first.access_token, &body);

    assert_invalid_token(response.await).await;
    json_with_status(
        server
            .get_bearer("/api/account", &current.access_token)
            .await,
        200,
    )
    .await;
}

on_both_backends!(
    account_deletion_with_a_wrong_password_is_401_and_deletes_nothing,
    account_deletion_ends_every_session_and_the_account,
    access_token_of_an_ended_session_cannot_delete_the_account,
);
