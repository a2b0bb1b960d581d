//! `tokengate users ...`: accounts from the command line, for making the first administrator and
//! for the day the admin pages cannot be reached. Every change goes through `server::admin` with
//! no actor (the operator), so it ends the same sessions and writes the same audit event as an
//! admin's, with `actor_id` NULL. Accounts are named by username; a password is never an argument.

use anyhow::{anyhow, Context as _};
use app::server::admin::{self, Actor, AdminError};
use app::server::audit::{self, EventKind, NewEvent, Origin};
use app::server::config::Config;
use app::server::credentials::Username;
use app::server::db::users::{self, CreateUserError, UserRecord, ADMIN_ROLE};
use app::server::db::Db;
use app::server::email_address::EmailAddress;
use app::server::passwords::PasswordHasher;
use app::server::public_url::PublicUrl;
use clap::Subcommand;
use serde_json::json;

mod views;

use self::views::{list, show};
use super::{open_db, read_new_password, Output};

#[derive(Debug, Subcommand)]
pub enum UsersAction {
    /// List accounts by username, 25 a page.
    List {
        /// Only accounts whose username or e-mail address contains this (any case).
        #[arg(long)]
        query: Option<String>,
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(i64).range(1..=1_000_000))]
        page: i64,
    },
    /// One account: its details, live sessions and last 20 security events.
    Show { username: String },
    /// Create an account. Its password is read from standard input when that is not a terminal
    /// (one line), otherwise asked for twice without echo.
    Create {
        username: String,
        /// Make it an administrator.
        #[arg(long)]
        admin: bool,
        /// An e-mail address, unverified until the user confirms it from the account page.
        #[arg(long, value_name = "ADDRESS")]
        email: Option<String>,
    },
    /// Make an account a `user` or an `admin`.
    SetRole {
        username: String,
        #[arg(value_name = "user|admin")]
        role: String,
    },
    /// Disable an account: it cannot log in, and its sessions end now.
    Disable { username: String },
    /// Let a disabled account log in again.
    Enable { username: String },
    /// End every session of an account.
    SignOut { username: String },
    /// Remove an account's second factor (and end its sessions), for a user who lost it.
    ResetMfa { username: String },
    /// Print a one-time password-reset link to hand to the user.
    ResetPassword { username: String },
    /// Delete an account and its sessions (its audit events stay).
    Delete { username: String },
}

pub async fn run(config: &Config, action: UsersAction, json: bool) -> anyhow::Result<()> {
    let db = open_db(config).await?;
    let now = app::server::now_unix();
    let origin = Origin::default();
    let operator = Actor {
        id: None,
        origin: &origin,
    };
    let output = match action {
        UsersAction::List { query, page } => {
            list(&db, query.as_deref().unwrap_or(""), page).await?
        }
        UsersAction::Show { username } => show(&db, config, &username, now).await?,
        UsersAction::Create {
            username,
            admin,
            email,
        } => create(&db, config, &username, admin, email.as_deref(), now).await?,
        UsersAction::SetRole { username, role } => {
            let user = find(&db, &username).await?;
            let set = admin::set_role(&db, &user.id, &role, operator, now).await;
            set.map_err(|e| failed(e, &username, &role))?;
            done(&user, format!("{} is now {role}", user.username))
        }
        UsersAction::Disable { username } => {
            let user = find(&db, &username).await?;
            let disabled = admin::disable(&db, &user.id, operator, now).await;
            disabled.map_err(|e| failed(e, &username, ""))?;
            done(
                &user,
                format!("disabled {}; its sessions ended", user.username),
            )
        }
        UsersAction::Enable { username } => {
            let user = find(&db, &username).await?;
            let enabled = admin::enable(&db, &user.id, operator, now).await;
            enabled.map_err(|e| failed(e, &username, ""))?;
            done(&user, format!("enabled {}", user.username))
        }
        UsersAction::SignOut { username } => {
            let user = find(&db, &username).await?;
            let signed_out = admin::sign_out(&db, &user.id, operator, now).await;
            signed_out.map_err(|e| failed(e, &username, ""))?;
            done(&user, format!("ended every session of {}", user.username))
        }
        UsersAction::ResetMfa { username } => {
            let user = find(&db, &username).await?;
            let reset = admin::reset_mfa(&db, &user.id, operator, now).await;
            reset.map_err(|e| failed(e, &username, ""))?;
            let message = format!(
                "removed the second factor of {}; its sessions ended",
                user.username
            );
            done(&user, message)
        }
        UsersAction::ResetPassword { username } => {
            reset_password(&db, config, &username, now).await?
        }
        UsersAction::Delete { username } => {
            let user = find(&db, &username).await?;
            let deleted = admin::delete(&db, &user.id, operator, now).await;
            deleted.map_err(|e| failed(e, &username, ""))?;
            done(&user, format!("deleted {}", user.username))
        }
    };
    output.print(json);
    Ok(())
}

/// The account named `name` (any case), or "no such user".
async fn find(db: &Db, name: &str) -> anyhow::Result<UserRecord> {
    let username = Username::parse(name).map_err(|e| anyhow!("{}", e.message))?;
    users::find_by_username(db, &username)
        .await?
        .ok_or_else(|| anyhow!("no such user: {name}"))
}

fn failed(err: AdminError, name: &str, role: &str) -> anyhow::Error {
    match err {
        // Deleted between the look-up and the action.
        AdminError::NotFound => anyhow!("no such user: {name}"),
        AdminError::BadRole => anyhow!("role must be `user` or `admin` (got {role:?})"),
        AdminError::Db(e) => anyhow::Error::new(e).context("database"),
    }
}

fn done(user: &UserRecord, human: String) -> Output {
    Output {
        human,
        json: json!({ "ok": true, "user_id": user.id }),
    }
}

async fn create(
    db: &Db,
    config: &Config,
    name: &str,
    make_admin: bool,
    email: Option<&str>,
    now: i64,
) -> anyhow::Result<Output> {
    let username = Username::parse(name).map_err(|e| anyhow!("{}", e.message))?;
    let email = email
        .map(|raw| EmailAddress::parse(raw).map_err(|e| anyhow!("{}", e.message)))
        .transpose()?;
    // Before asking for a password that could not be used.
    if users::find_by_username(db, &username).await?.is_some() {
        return Err(anyhow!("username taken: {}", username.as_str()));
    }
    let password = read_new_password(&username).await?;
    let hasher = PasswordHasher::new(config.argon2_memory_kib, config.argon2_iterations)?;
    let hash = hasher.hash(password).await?;
    let id = uuid::Uuid::new_v4().to_string();
    let mut tx = db.pool.begin().await?;
    let user = users::create(&mut *tx, &id, &username, &hash, email.as_ref(), now)
        .await
        .map_err(|e| match e {
            CreateUserError::UsernameTaken => anyhow!("username taken: {}", username.as_str()),
            CreateUserError::Db(e) => anyhow::Error::new(e).context("database"),
        })?;
    if make_admin {
        users::set_role(&mut tx, &user.id, ADMIN_ROLE).await?;
    }
    let origin = Origin::default();
    let event = NewEvent::by_user(EventKind::Signup, &user.id, &origin, now)
        .actor(None)
        .reason("cli");
    audit::record(&mut tx, &event).await?;
    tx.commit().await?;
    let role = if make_admin {
        ADMIN_ROLE
    } else {
        users::DEFAULT_ROLE
    };
    Ok(done(
        &user,
        format!("created {} ({role}), id {}", user.username, user.id),
    ))
}

async fn reset_password(db: &Db, config: &Config, name: &str, now: i64) -> anyhow::Result<Output> {
    let user = find(db, name).await?;
    let public_url = public_url(config)?;
    let ttl = config.recovery.password_reset_ttl_secs;
    let link = admin::reset_password_link(db, &public_url, &user.id, ttl, now).await;
    let link = link.map_err(|e| failed(e, name, ""))?;
    let human = format!(
        "one-time password-reset link for {} (valid {} min, newest link only):\n{link}",
        user.username,
        ttl / 60
    );
    Ok(Output {
        human,
        json: json!({ "link": link }),
    })
}

/// The origin the server uses: `TOKENGATE_PUBLIC_URL`, else `http://` plus LEPTOS_SITE_ADDR.
fn public_url(config: &Config) -> anyhow::Result<PublicUrl> {
    let site = leptos::config::get_configuration(None)
        .context("Leptos configuration (LEPTOS_*)")?
        .leptos_options
        .site_addr;
    if config.public_url.is_none() && site.port() == 0 {
        eprintln!("warning: TOKENGATE_PUBLIC_URL is not set and LEPTOS_SITE_ADDR={site} has port 0: the link's origin is not the one the server listens on");
    }
    Ok(PublicUrl::resolve(config.public_url.as_deref(), site)?)
}
