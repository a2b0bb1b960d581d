-- Failed-login and sign-up counters, shared by every server instance on this database.
-- `bucket` is 'login-user:<username key>', 'login-ip:<address>' or 'signup-ip:<address>'.
-- A bucket counts events since `window_start`; once it reaches its limit it is locked until
-- `locked_until` (Unix seconds), which doubles with each further failure.
CREATE TABLE login_throttle (
    bucket       TEXT PRIMARY KEY NOT NULL,
    failures     BIGINT NOT NULL,
    window_start BIGINT NOT NULL,
    locked_until BIGINT NOT NULL DEFAULT 0
);
