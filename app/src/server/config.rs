//! Runtime configuration. Every setting is an environment variable (a `.env` file is read too) and
//! a command-line flag; a bad value stops start-up with a message naming the variable.

use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Database URL: `sqlite://path.db` or `postgres://...`. Default: `<data dir>/tokengate.db`.
    #[arg(
        long,
        env = "DATABASE_URL",
        value_name = "DATABASE_URL",
        hide_env_values = true
    )]
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

    /// HS256 only: the HMAC secret (at least 32 bytes). Default: generated and stored.
    #[arg(
        long,
        env = "TOKENGATE_JWT_HS256_SECRET",
        value_name = "TOKENGATE_JWT_HS256_SECRET",
        hide_env_values = true
    )]
    pub jwt_hs256_secret: Option<secrecy::SecretString>,

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
