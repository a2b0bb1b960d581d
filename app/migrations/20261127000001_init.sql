-- Accounts. `username` is shown to people as typed (trimmed, NFKC); `username_key` is its
-- lower-cased form and carries the uniqueness, so "Alice" and "alice" cannot both exist.
CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,          -- UUID v4, also the JWT `sub`
    username      TEXT NOT NULL,
    username_key  TEXT NOT NULL,
    password_hash TEXT NOT NULL,                      -- Argon2id PHC string, never returned
    role          TEXT NOT NULL DEFAULT 'user',
    created_at    BIGINT NOT NULL                     -- Unix seconds
);
CREATE UNIQUE INDEX users_username_key ON users (username_key);

-- JWT signing keys, generated with a CSPRNG on first start. The newest active key signs; every
-- active key verifies, so tokens from a previous key stay valid until they expire.
CREATE TABLE signing_keys (
    kid         TEXT PRIMARY KEY NOT NULL,            -- random, published in token headers
    algorithm   TEXT NOT NULL,                        -- 'EdDSA'
    private_pem TEXT NOT NULL,                        -- PKCS#8 PEM
    created_at  BIGINT NOT NULL,
    retired_at  BIGINT
);
