-- A second factor (issue 14): TOTP (RFC 6238) with single-use recovery codes.

-- One TOTP factor per account. `secret` is the base32 secret, sealed under the key-encryption key
-- when one is configured (`enc:v1:...`, bound to the user id). Set up but not yet confirmed while
-- `confirmed_at` is NULL. `last_step` is the newest 30-second step a code was accepted for: a code
-- is accepted only for a later step, so one code never passes twice.
CREATE TABLE totp_factors (
    user_id      TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    confirmed_at BIGINT,
    last_step    BIGINT
);

-- Recovery codes: 80 random bits each, stored as SHA-256 only; shown once.
CREATE TABLE recovery_codes (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    used_at    BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

-- The second step of a login: issued after a correct password, stored hashed, bound to the user
-- and to the credentials version the password was checked under; single use, short-lived, and dead
-- after too many wrong codes.
CREATE TABLE mfa_challenges (
    token_hash          TEXT PRIMARY KEY NOT NULL,
    user_id             TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credentials_version BIGINT NOT NULL,
    created_at          BIGINT NOT NULL,
    expires_at          BIGINT NOT NULL,
    failures            BIGINT NOT NULL DEFAULT 0,
    used_at             BIGINT
);
CREATE INDEX mfa_challenges_expires_at ON mfa_challenges (expires_at);

-- How the session was started (RFC 8176 `amr` values, space-separated: 'pwd', 'pwd otp'); every
-- access token of the session carries it.
ALTER TABLE refresh_families ADD COLUMN amr TEXT NOT NULL DEFAULT 'pwd';
