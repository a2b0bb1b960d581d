//! Runtime configuration. Every setting is an environment variable (a `.env` file in the working
//! directory is read too) and, unless it can carry a secret, a command-line flag: a flag's value
//! is visible to every local user in `ps`. A bad value stops start-up with a message naming the
//! variable.

use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Clone, Args)]
#[command(after_long_help = ENV_ONLY_HELP)]
pub struct Config {
    /// Database URL: `sqlite://path.db` or `postgres://...`. Default: `<data dir>/tokengate.db`.
    /// Environment only: it may hold a password.
    #[arg(skip = env_only("DATABASE_URL"))]
    pub database_url: Option<String>,

    /// Directory for the SQLite database and generated key material.
    #[arg(
        long,
        env = "TOKENGATE_DATA_DIR",
        value_name = "TOKENGATE_DATA_DIR",
        default_value = "./data"
    )]
    pub data_dir: PathBuf,

    /// Access-token lifetime in seconds (2 to 86400).
    #[arg(
        long,
        env = "TOKENGATE_ACCESS_TOKEN_TTL_SECS",
        value_name = "TOKENGATE_ACCESS_TOKEN_TTL_SECS",
        default_value_t = 900,
        value_parser = clap::value_parser!(u64).range(2..=86_400)
    )]
    pub access_token_ttl_secs: u64,

    /// `iss` claim written into and required from every access token.
    #[arg(
        long,
        env = "TOKENGATE_JWT_ISSUER",
        value_name = "TOKENGATE_JWT_ISSUER",
        default_value = "tokengate"
    )]
    pub jwt_issuer: String,

    /// `aud` claim written into and required from every access token.
    #[arg(
        long,
        env = "TOKENGATE_JWT_AUDIENCE",
        value_name = "TOKENGATE_JWT_AUDIENCE",
        default_value = "tokengate"
    )]
    pub jwt_audience: String,

    /// Clock-skew leeway in seconds when checking `exp` and `nbf` (0 to 60).
    #[arg(
        long,
        env = "TOKENGATE_JWT_LEEWAY_SECS",
        value_name = "TOKENGATE_JWT_LEEWAY_SECS",
        default_value_t = 5,
        value_parser = clap::value_parser!(u64).range(0..=60)
    )]
    pub jwt_leeway_secs: u64,

    /// Signing algorithm: `EdDSA` (Ed25519), `ES256` (ECDSA P-256) or `RS256` (RSA-2048
    /// PKCS#1 v1.5), whose public keys are published in the JWKS, or `HS256` (a shared secret,
    /// never published).
    #[arg(long, env = "TOKENGATE_JWT_ALGORITHM", value_name = "TOKENGATE_JWT_ALGORITHM", value_enum,
        default_value_t = JwtAlgorithm::EdDSA)]
    pub jwt_algorithm: JwtAlgorithm,

    /// HS256 only: the HMAC secret, at least 32 random bytes base64-encoded. Default: generated
    /// and stored. Environment only.
    #[arg(skip = env_only("TOKENGATE_JWT_HS256_SECRET").map(secrecy::SecretString::from))]
    pub jwt_hs256_secret: Option<secrecy::SecretString>,

    /// HS256 only: a file holding the HMAC secret, encoded like `TOKENGATE_JWT_HS256_SECRET`.
    #[arg(
        long,
        env = "TOKENGATE_JWT_HS256_SECRET_FILE",
        value_name = "TOKENGATE_JWT_HS256_SECRET_FILE"
    )]
    pub jwt_hs256_secret_file: Option<PathBuf>,

    /// A file holding 32 random bytes, base64-encoded (`openssl rand -base64 32`): stored
    /// signing keys are encrypted with it, so a copy of the database yields none. Keep it
    /// outside the database and its backups.
    #[arg(
        long,
        env = "TOKENGATE_KEY_ENCRYPTION_KEY_FILE",
        value_name = "TOKENGATE_KEY_ENCRYPTION_KEY_FILE"
    )]
    pub key_encryption_key_file: Option<PathBuf>,

    /// A private key (PKCS#8 PEM) of the configured algorithm (Ed25519, P-256 or RSA of at
    /// least 2048 bits) to sign with instead of the generated one.
    #[arg(
        long,
        env = "TOKENGATE_JWT_PRIVATE_KEY_FILE",
        value_name = "TOKENGATE_JWT_PRIVATE_KEY_FILE"
    )]
    pub jwt_private_key_file: Option<PathBuf>,

    /// Argon2id memory cost in KiB (OWASP: 19456).
    #[arg(
        long,
        env = "TOKENGATE_ARGON2_MEMORY_KIB",
        value_name = "TOKENGATE_ARGON2_MEMORY_KIB",
        default_value_t = 19_456,
        value_parser = clap::value_parser!(u32).range(8_192..)
    )]
    pub argon2_memory_kib: u32,

    /// Argon2id iterations (OWASP: 2).
    #[arg(
        long,
        env = "TOKENGATE_ARGON2_ITERATIONS",
        value_name = "TOKENGATE_ARGON2_ITERATIONS",
        default_value_t = 2,
        value_parser = clap::value_parser!(u32).range(1..=10)
    )]
    pub argon2_iterations: u32,

    /// Maximum open database connections.
    #[arg(
        long,
        env = "TOKENGATE_DB_MAX_CONNECTIONS",
        value_name = "TOKENGATE_DB_MAX_CONNECTIONS",
        default_value_t = 10,
        value_parser = clap::value_parser!(u32).range(1..=1000)
    )]
    pub db_max_connections: u32,

    /// Seconds to wait for a database connection before answering 503.
    #[arg(
        long,
        env = "TOKENGATE_DB_ACQUIRE_TIMEOUT_SECS",
        value_name = "TOKENGATE_DB_ACQUIRE_TIMEOUT_SECS",
        default_value_t = 3,
        value_parser = clap::value_parser!(u64).range(1..=60)
    )]
    pub db_acquire_timeout_secs: u64,

    /// Failed logins per account within the window before it is locked.
    #[arg(long, env = "TOKENGATE_LOGIN_MAX_FAILURES", value_name = "TOKENGATE_LOGIN_MAX_FAILURES", default_value_t = 5,
        value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub login_max_failures: u32,

    /// Failed logins per client address within the window before it is locked.
    #[arg(long, env = "TOKENGATE_LOGIN_MAX_FAILURES_PER_IP", value_name = "TOKENGATE_LOGIN_MAX_FAILURES_PER_IP",
        default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub login_max_failures_per_ip: u32,

    /// Sign-up attempts per client address within the window before it is locked.
    #[arg(long, env = "TOKENGATE_SIGNUP_MAX_PER_IP", value_name = "TOKENGATE_SIGNUP_MAX_PER_IP", default_value_t = 20,
        value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub signup_max_per_ip: u32,

    /// The counting window of the throttles, in seconds.
    #[arg(long, env = "TOKENGATE_LOGIN_WINDOW_SECS", value_name = "TOKENGATE_LOGIN_WINDOW_SECS", default_value_t = 900,
        value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub login_window_secs: u64,

    /// First lock length in seconds; each further failure doubles it, up to the window.
    #[arg(long, env = "TOKENGATE_LOGIN_LOCKOUT_SECS", value_name = "TOKENGATE_LOGIN_LOCKOUT_SECS", default_value_t = 30,
        value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub login_lockout_secs: u64,

    /// PostgreSQL statement timeout in milliseconds.
    #[arg(long, env = "TOKENGATE_DB_STATEMENT_TIMEOUT_MS", value_name = "TOKENGATE_DB_STATEMENT_TIMEOUT_MS",
        default_value_t = 5_000, value_parser = clap::value_parser!(u64).range(100..=600_000))]
    pub db_statement_timeout_ms: u64,

    /// After `keys rotate`, seconds before the new key starts signing: every instance reloads
    /// keys more often than this, so all of them can verify its tokens from the first one.
    #[arg(long, env = "TOKENGATE_KEY_PUBLISH_DELAY_SECS", value_name = "TOKENGATE_KEY_PUBLISH_DELAY_SECS",
        default_value_t = 60, value_parser = clap::value_parser!(u64).range(0..=86_400))]
    pub key_publish_delay_secs: u64,

    /// How often a running server reloads the signing keys from the database.
    #[arg(long, env = "TOKENGATE_KEY_RELOAD_SECS", value_name = "TOKENGATE_KEY_RELOAD_SECS",
        default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub key_reload_secs: u64,

    /// Verified access tokens remembered (by SHA-256) so a repeated token skips the signature
    /// check; `exp` and the key are still checked on every use. 0 turns the cache off. An entry
    /// costs about 0.7 KB: the default 2,048 keeps the server's memory flat (+1.4 MB at most)
    /// while a busy client's repeated calls still skip the signature check.
    #[arg(long, env = "TOKENGATE_TOKEN_CACHE_CAPACITY", value_name = "TOKENGATE_TOKEN_CACHE_CAPACITY",
        default_value_t = 2_048, value_parser = clap::value_parser!(u64).range(0..=10_000_000))]
    pub token_cache_capacity: u64,

    /// Threads that check the Ed25519 signatures of new access tokens in batches (see
    /// `tokens::batch`); unset, one per two CPUs (at least one). 0 checks each on the request's
    /// own task.
    #[arg(long, env = "TOKENGATE_SIGNATURE_THREADS", value_name = "TOKENGATE_SIGNATURE_THREADS",
        value_parser = clap::value_parser!(u16).range(0..=256))]
    pub signature_threads: Option<u16>,

    /// A session ends after this many seconds without a refresh (default 7 days).
    #[arg(long, env = "TOKENGATE_REFRESH_IDLE_SECS", value_name = "TOKENGATE_REFRESH_IDLE_SECS", default_value_t = 604_800,
        value_parser = clap::value_parser!(u64).range(1..=31_536_000))]
    pub refresh_idle_secs: u64,

    /// A session ends this many seconds after login whatever happens (default 30 days).
    #[arg(long, env = "TOKENGATE_REFRESH_ABSOLUTE_SECS", value_name = "TOKENGATE_REFRESH_ABSOLUTE_SECS",
        default_value_t = 2_592_000, value_parser = clap::value_parser!(u64).range(1..=31_536_000))]
    pub refresh_absolute_secs: u64,

    /// A retired refresh token presented again within this many seconds gets the current one
    /// (two tabs, a lost answer); later, it revokes the session.
    #[arg(long, env = "TOKENGATE_REFRESH_REUSE_GRACE_SECS", value_name = "TOKENGATE_REFRESH_REUSE_GRACE_SECS",
        default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=300))]
    pub refresh_reuse_grace_secs: u64,

    /// Where users reach the app, e.g. `https://auth.example.com` (default: `http://` plus the
    /// listen address). It alone decides `Secure` cookies, HSTS and same-origin checks; request
    /// headers (`Host`, `X-Forwarded-Proto`) never do.
    #[arg(
        long,
        env = "TOKENGATE_PUBLIC_URL",
        value_name = "TOKENGATE_PUBLIC_URL"
    )]
    pub public_url: Option<String>,

    /// Comma-separated CIDR ranges of reverse proxies whose `Forwarded` / `X-Forwarded-For`
    /// headers are believed (default: none, the TCP peer is the client).
    #[arg(
        long,
        env = "TOKENGATE_TRUSTED_PROXIES",
        value_name = "TOKENGATE_TRUSTED_PROXIES",
        default_value = ""
    )]
    pub trusted_proxies: String,

    /// Seconds a client has to send a request's headers; an idle keep-alive connection is
    /// closed after the same time.
    #[arg(long, env = "TOKENGATE_HEADER_READ_TIMEOUT_SECS", value_name = "TOKENGATE_HEADER_READ_TIMEOUT_SECS",
        default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub header_read_timeout_secs: u64,

    /// Seconds a whole request (body included) may take before it is answered 408.
    #[arg(long, env = "TOKENGATE_REQUEST_TIMEOUT_SECS", value_name = "TOKENGATE_REQUEST_TIMEOUT_SECS",
        default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub request_timeout_secs: u64,

    /// Open connections served at once; further ones wait in the listen backlog.
    #[arg(long, env = "TOKENGATE_MAX_CONNECTIONS", value_name = "TOKENGATE_MAX_CONNECTIONS",
        default_value_t = 1_024, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_connections: u64,

    /// Requests handled at once; beyond this they are answered 503 with `Retry-After` at once
    /// instead of queueing without bound.
    #[arg(long, env = "TOKENGATE_MAX_CONCURRENT_REQUESTS", value_name = "TOKENGATE_MAX_CONCURRENT_REQUESTS",
        default_value_t = 512, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_concurrent_requests: u64,

    /// Live sessions per user; logging in beyond this ends the least recently used one.
    #[arg(long, env = "TOKENGATE_MAX_SESSIONS_PER_USER", value_name = "TOKENGATE_MAX_SESSIONS_PER_USER",
        default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub max_sessions_per_user: u64,

    /// Refreshes one session may make per minute before it gets 429.
    #[arg(long, env = "TOKENGATE_REFRESH_MAX_PER_MINUTE", value_name = "TOKENGATE_REFRESH_MAX_PER_MINUTE",
        default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub refresh_max_per_minute: u64,

    /// How many times one retired refresh token may be answered inside the grace window (tabs
    /// refreshing together, a lost answer; each one is logged); one more is treated as theft.
    #[arg(long, env = "TOKENGATE_REFRESH_MAX_GRACE_REPLAYS", value_name = "TOKENGATE_REFRESH_MAX_GRACE_REPLAYS",
        default_value_t = 50, value_parser = clap::value_parser!(u64).range(0..=1_000))]
    pub refresh_max_grace_replays: u64,

    /// Retired refresh tokens are kept this long so that presenting one again is still detected
    /// as reuse (and ends its session); after that they are deleted and answer "unknown".
    #[arg(long, env = "TOKENGATE_RETIRED_TOKEN_RETENTION_SECS", value_name = "TOKENGATE_RETIRED_TOKEN_RETENTION_SECS",
        default_value_t = 86_400, value_parser = clap::value_parser!(u64).range(0..=31_536_000))]
    pub retired_token_retention_secs: u64,

    /// How often the server deletes retired refresh tokens, ended sessions and stale throttle rows.
    #[arg(long, env = "TOKENGATE_PRUNE_INTERVAL_SECS", value_name = "TOKENGATE_PRUNE_INTERVAL_SECS",
        default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub prune_interval_secs: u64,

    /// Days the security audit trail keeps an event (1 to 3650).
    #[arg(long, env = "TOKENGATE_EVENT_RETENTION_DAYS", value_name = "TOKENGATE_EVENT_RETENTION_DAYS",
        default_value_t = 90, value_parser = clap::value_parser!(u64).range(1..=3650))]
    pub event_retention_days: u64,

    /// Passkey ceremonies (started, not yet finished) the server keeps at most: each lives 5
    /// minutes; past this many, new sign-in and sign-up ceremonies answer 503 until some expire.
    #[arg(long, env = "TOKENGATE_PASSKEY_MAX_OPEN_CEREMONIES", value_name = "TOKENGATE_PASSKEY_MAX_OPEN_CEREMONIES",
        default_value_t = 10_000, value_parser = clap::value_parser!(i64).range(1..=10_000_000))]
    pub passkey_max_open_ceremonies: i64,

    /// Sender-constrained tokens (RFC 9449 DPoP): `off`, `optional` (bound when the client sends
    /// a proof, Bearer otherwise) or `required` (no Bearer tokens at all).
    #[arg(long, env = "TOKENGATE_DPOP", value_name = "TOKENGATE_DPOP", value_enum,
        default_value_t = super::dpop::DpopMode::Optional)]
    pub dpop: super::dpop::DpopMode,

    /// DPoP proof ids each instance remembers to refuse replays (within the 60 s proof window).
    #[arg(long, env = "TOKENGATE_DPOP_REPLAY_CAPACITY", value_name = "TOKENGATE_DPOP_REPLAY_CAPACITY",
        default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub dpop_replay_capacity: u64,

    /// Serve Prometheus metrics at `GET /metrics` on this address (e.g. `127.0.0.1:9100`), a
    /// listener of its own, never the public port (default: off).
    #[arg(
        long,
        env = "TOKENGATE_METRICS_ADDR",
        value_name = "TOKENGATE_METRICS_ADDR"
    )]
    pub metrics_addr: Option<std::net::SocketAddr>,

    /// E-mail addresses, verification and password reset.
    #[command(flatten)]
    pub recovery: super::recovery::RecoveryConfig,

    /// Outgoing mail: SMTP, or the outbox folder.
    #[command(flatten)]
    pub mail: super::mail::MailConfig,
}

/// The settings that have no flag, for `--help`.
const ENV_ONLY_HELP: &str = "Environment only (a flag's value is visible to other users in `ps`):
  DATABASE_URL                  sqlite://path.db or postgres://... (default: <data dir>/tokengate.db)
  TOKENGATE_JWT_HS256_SECRET    HS256 only: at least 32 random bytes, base64-encoded
  TOKENGATE_SMTP_URL            smtp://host:port, smtp://host:587?tls=required, smtps://user:pass@host
                                (default: none; mail is written to <data dir>/outbox/)";

/// A setting that is read from the environment only (the `.env` file is loaded before the
/// command line is parsed). Empty counts as unset, as clap treats other variables.
pub(crate) fn env_only(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum JwtAlgorithm {
    #[value(name = "EdDSA")]
    EdDSA,
    #[value(name = "ES256")]
    ES256,
    #[value(name = "RS256")]
    RS256,
    #[value(name = "HS256")]
    HS256,
}

impl JwtAlgorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EdDSA => "EdDSA",
            Self::ES256 => "ES256",
            Self::RS256 => "RS256",
            Self::HS256 => "HS256",
        }
    }
}

impl Config {
    /// The database URL to use: the configured one, or a SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.trim().is_empty() => url.clone(),
            _ => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("tokengate.db").display()
            ),
        }
    }
}
