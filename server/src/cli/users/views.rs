//! What `users list` and `users show` print: the account fields both share, as JSON for
//! scripts and as aligned lines for people.

use app::server::audit;
use app::server::config::Config;
use app::server::db::users::{self, UserRecord};
use app::server::db::{mfa, refresh_families, Db};
use app::server::refresh_rotation::{is_live, SessionPolicy};
use serde_json::{json, Value};

use super::find;
use crate::cli::{format_time, Output};

/// Accounts per page of `list`.
const PAGE_SIZE: i64 = 25;
/// Events shown by `show`.
const SHOWN_EVENTS: i64 = 20;

fn user_json(user: &UserRecord) -> Value {
    json!({
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "email_verified": user.email_verified_at.is_some(),
        "role": user.role,
        "disabled": user.disabled_at.is_some(),
        "created_at": user.created_at,
        "last_login_at": user.last_login_at,
    })
}

pub async fn list(db: &Db, query: &str, page: i64) -> anyhow::Result<Output> {
    let (found, total) = users::search(db, query, PAGE_SIZE, (page - 1) * PAGE_SIZE).await?;
    let width = found
        .iter()
        .map(|u| u.username.len())
        .max()
        .unwrap_or(0)
        .max(8);
    let mut human = format!(
        "{:<width$}  {:<5}  {:<8}  {:<23}  EMAIL\n",
        "USERNAME", "ROLE", "STATUS", "LAST LOGIN"
    );
    for user in &found {
        let status = if user.disabled_at.is_some() {
            "disabled"
        } else {
            "active"
        };
        let last_login = user.last_login_at.map_or("never".to_owned(), format_time);
        let email = describe_email(user);
        human += &format!(
            "{:<width$}  {:<5}  {status:<8}  {last_login:<23}  {email}\n",
            user.username, user.role
        );
    }
    let pages = (total + PAGE_SIZE - 1) / PAGE_SIZE;
    human += &format!("page {page} of {} ({total} accounts)", pages.max(1));
    let json = json!({
        "users": found.iter().map(user_json).collect::<Vec<_>>(),
        "total": total,
        "page": page,
    });
    Ok(Output { human, json })
}

fn describe_email(user: &UserRecord) -> String {
    match (&user.email, user.email_verified_at) {
        (Some(email), Some(_)) => format!("{email} (verified)"),
        (Some(email), None) => format!("{email} (not verified)"),
        (None, _) => "-".to_owned(),
    }
}

pub async fn show(db: &Db, config: &Config, name: &str, now: i64) -> anyhow::Result<Output> {
    let user = find(db, name).await?;
    let mfa_enabled = mfa::has_confirmed_totp(db, &user.id).await?;
    let policy = SessionPolicy::from_config(config);
    let families = refresh_families::active_families(db, &user.id, now).await?;
    let sessions = families.iter().filter(|f| is_live(f, &policy, now)).count();
    let events = audit::list(db, Some(&user.id), None, SHOWN_EVENTS).await?;

    let mut json = user_json(&user);
    json["mfa_enabled"] = json!(mfa_enabled);
    json["sessions"] = json!(sessions);
    json["events"] = serde_json::to_value(&events)?;

    let yes_no = |on: bool| if on { "on" } else { "off" };
    let mut human = format!(
        "id             {}\nusername       {}\nemail          {}\nrole           {}\n",
        user.id,
        user.username,
        describe_email(&user),
        user.role
    );
    let disabled = user
        .disabled_at
        .map_or("no".to_owned(), |at| format!("since {}", format_time(at)));
    human += &format!("disabled       {disabled}\n");
    human += &format!("created        {}\n", format_time(user.created_at));
    let last_login = user.last_login_at.map_or("never".to_owned(), format_time);
    human += &format!("last login     {last_login}\n");
    human += &format!("second factor  {}\n", yes_no(mfa_enabled));
    human += &format!("live sessions  {sessions}\n");
    human += &format!("last {} events (newest first):\n", events.len());
    for event in &events {
        let by = match event.actor_id.as_deref() {
            None => "operator or anonymous".to_owned(),
            Some(actor) if actor == user.id => "the user".to_owned(),
            Some(actor) => format!("admin {actor}"),
        };
        let from = event.client_address.as_deref().unwrap_or("-");
        let reason = event
            .reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        human += &format!(
            "  {}  {}{reason}  by {by}  from {from}\n",
            format_time(event.at),
            event.kind
        );
    }
    Ok(Output { human, json })
}
