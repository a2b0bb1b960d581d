//! `AppState`: everything a request needs, built once at start-up and passed (never global).

use std::sync::Arc;

use arc_swap::ArcSwap;
use axum::extract::FromRef;
use leptos::prelude::{use_context, LeptosOptions};

use crate::error::ApiError;

use super::config::Config;
use super::cookies::RefreshCookie;
use super::db::{Db, DbError};
use super::mail::{MailError, Mailer};
use super::passkeys::PasskeyPolicy;
use super::passwords::{PasswordError, PasswordHasher};
use super::public_url::PublicUrl;
use super::recovery::RecoveryPolicy;
use super::refresh_rotation::SessionPolicy;
use super::request::{TrustedProxies, TrustedProxiesError};
use super::throttle::ThrottlePolicy;
use super::tokens::{
    load_signing_keys, KeyError, KeySource, SignatureBatcher, SigningKeys, TokenPolicy,
    VerifiedTokenCache,
};

/// Shared by every request. Cloning it is one reference-count increment: Leptos clones the state
/// into each request's context, and a field-by-field clone (options, pool, policies) cost about
/// 7% of the CPU of a cached `/api/me`.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What leptos_axum reads from the router state.
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The fields of [`AppState`], reached through it (`state.db`, `state.keys`, ...).
pub struct Shared {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    /// Swapped in place by the key reload task (new and retired keys, no restart needed).
    pub keys: Arc<ArcSwap<SigningKeys>>,
    pub token_policy: Arc<TokenPolicy>,
    /// Tokens that already passed full verification (see `tokens::cache`).
    pub verified_tokens: Arc<VerifiedTokenCache>,
    /// The threads that check EdDSA signatures of new tokens in batches (see `tokens::batch`).
    pub signatures: SignatureBatcher,
    pub passwords: PasswordHasher,
    pub throttle: Arc<ThrottlePolicy>,
    pub sessions: Arc<SessionPolicy>,
    /// Where users reach the app (`TOKENGATE_PUBLIC_URL`).
    pub public_url: PublicUrl,
    /// The refresh cookie's name and flags, decided by the public URL.
    pub refresh_cookie: RefreshCookie,
    pub trusted_proxies: TrustedProxies,
    pub recovery: Arc<RecoveryPolicy>,
    /// Queues are in the database; this wakes the local sender and carries the transport.
    pub mailer: Mailer,
    /// The WebAuthn relying party (none when the public URL is an IP address).
    pub passkeys: Arc<PasskeyPolicy>,
    /// `TOKENGATE_DPOP`.
    pub dpop: super::dpop::DpopMode,
    /// DPoP proof ids seen by this instance.
    pub dpop_replays: super::dpop::ReplayCache,
    /// Checked DPoP proof headers (the client keys in use).
    pub dpop_keys: super::dpop::proof_key::ProofKeys,
}

/// The state of the server function being answered (leptos_axum puts it into the context).
pub fn app_state() -> Result<AppState, ApiError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the server-function context");
        ApiError::internal()
    })
}

/// Shown with its cause (`{:#}`): each variant names only what failed.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database")]
    Db(#[from] DbError),
    #[error("signing keys")]
    Keys(#[from] KeyError),
    #[error("password hashing")]
    Passwords(#[from] PasswordError),
    #[error(transparent)]
    TrustedProxies(#[from] TrustedProxiesError),
    #[error("mail")]
    Mail(#[from] MailError),
    #[error("cannot start the signature threads")]
    Threads(#[source] std::io::Error),
}

impl AppState {
    /// Connects and migrates the database, loads (or creates) the signing keys.
    pub async fn build(
        config: &Config,
        leptos_options: LeptosOptions,
        public_url: PublicUrl,
    ) -> Result<Self, StartupError> {
        let trusted_proxies = TrustedProxies::parse(&config.trusted_proxies)?;
        let db = Db::connect(config).await?;
        db.migrate().await?;
        let keys = load_signing_keys(&db, &KeySource::from_config(config)).await?;
        let passwords = PasswordHasher::new(config.argon2_memory_kib, config.argon2_iterations)?;
        let mailer = Mailer::new(&config.mail, &config.data_dir)?;
        let signatures = match config.signature_threads {
            None => SignatureBatcher::with_default_threads(),
            Some(0) => Ok(SignatureBatcher::inline()),
            Some(threads) => SignatureBatcher::start(usize::from(threads)),
        }
        .map_err(StartupError::Threads)?;
        Ok(Self(Arc::new(Shared {
            leptos_options,
            db,
            keys: Arc::new(ArcSwap::from_pointee(keys)),
            token_policy: Arc::new(TokenPolicy {
                issuer: config.jwt_issuer.clone(),
                audience: config.jwt_audience.clone(),
                ttl_secs: config.access_token_ttl_secs,
                leeway_secs: config.jwt_leeway_secs,
            }),
            verified_tokens: Arc::new(VerifiedTokenCache::new(
                usize::try_from(config.token_cache_capacity).unwrap_or(usize::MAX),
            )),
            signatures,
            passwords,
            throttle: Arc::new(ThrottlePolicy::from_config(config)),
            sessions: Arc::new(SessionPolicy::from_config(config)),
            refresh_cookie: RefreshCookie::for_url(&public_url),
            passkeys: Arc::new(PasskeyPolicy::new(
                &public_url,
                config.passkey_max_open_ceremonies,
            )),
            dpop: config.dpop,
            dpop_replays: super::dpop::ReplayCache::new(
                usize::try_from(config.dpop_replay_capacity).unwrap_or(usize::MAX),
            ),
            dpop_keys: Default::default(),
            public_url,
            trusted_proxies,
            recovery: Arc::new(config.recovery.clone()),
            mailer,
        })))
    }
}
