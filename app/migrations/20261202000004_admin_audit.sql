-- Operating it (issue 16): disabled accounts, the last login, and the security audit trail.

ALTER TABLE users ADD COLUMN disabled_at BIGINT;          -- set: the account cannot log in
ALTER TABLE users ADD COLUMN last_login_at BIGINT;

-- What happened to accounts, written in the same transaction as the change it records where
-- there is one. No foreign key: the record of an account outlives the account (until the
-- retention prunes it). `reason` is a stable code, never a secret; `user_agent` is parsed
-- ("Chrome 156 on Linux").
CREATE TABLE security_events (
    id             TEXT PRIMARY KEY NOT NULL,
    at             BIGINT NOT NULL,
    kind           TEXT NOT NULL,
    user_id        TEXT,                                  -- whom it is about
    actor_id       TEXT,                                  -- who did it (an admin, the user, NULL: anonymous)
    session_id     TEXT,
    client_address TEXT,
    user_agent     TEXT,
    reason         TEXT
);
CREATE INDEX security_events_user_at ON security_events (user_id, at);
CREATE INDEX security_events_at ON security_events (at);
CREATE INDEX security_events_kind_at ON security_events (kind, at);
