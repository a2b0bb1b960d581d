//! HTTP integration tests: each test starts the real `tokengate` binary and talks to it over
//! HTTP. Every test runs twice, on SQLite and on PostgreSQL (`<module>::sqlite::<test>` and
//! `<module>::postgres::<test>`); PostgreSQL must be reachable on 127.0.0.1:5432.

/// Turns `async fn name(backend: Backend)` test bodies into one `#[tokio::test]` per backend.
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(crate::helpers::Backend::Sqlite).await
                }
            )+
        }

        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(crate::helpers::Backend::Postgres).await
                }
            )+
        }
    };
}

mod account_deletion;
mod admin;
mod algorithms;
mod assets;
mod attacks;
mod bounded;
mod cli_users;
mod cookie_endpoints;
mod dpop;
mod edges;
mod errors;
mod helpers;
mod keys;
mod login;
mod mail_sink;
mod me;
mod metrics;
mod mfa;
mod multi_instance;
mod ops;
mod outage;
mod passkeys;
mod password;
mod proxy;
mod races;
mod recovery;
mod refresh;
mod secrets;
mod sessions;
mod signup;
mod throttle;
mod tokens;
