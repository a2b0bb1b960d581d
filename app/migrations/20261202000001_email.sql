-- E-mail addresses and the one-time tokens sent to them (issue 13).
--
-- `email` is the account's current address as normalised at the boundary (trimmed, domain
-- lower-cased); `email_key` is its fully lower-cased form. An address belongs to at most one
-- account once verified: the uniqueness holds only among verified rows, so an unverified claim
-- on someone else's address can never take it over (no link is ever sent for it).
ALTER TABLE users ADD COLUMN email TEXT;
ALTER TABLE users ADD COLUMN email_key TEXT;
ALTER TABLE users ADD COLUMN email_verified_at BIGINT;              -- Unix seconds; NULL = unverified
CREATE UNIQUE INDEX users_verified_email ON users (email_key) WHERE email_verified_at IS NOT NULL;

-- Links sent by mail: e-mail verification (also carrying a pending address change) and password
-- reset. Only the SHA-256 of the 256-bit token is stored; each row is bound to its purpose and to
-- the address it was sent to.
CREATE TABLE email_tokens (
    token_hash  TEXT PRIMARY KEY NOT NULL,            -- base64url(SHA-256(token))
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     TEXT NOT NULL,                        -- 'verify_email' | 'password_reset'
    email       TEXT NOT NULL,                        -- the address the link went to
    email_key   TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT                                -- consumed, or superseded by a newer link
);
CREATE INDEX email_tokens_user_purpose ON email_tokens (user_id, purpose);
CREATE INDEX email_tokens_expires_at ON email_tokens (expires_at);
