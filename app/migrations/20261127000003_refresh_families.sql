-- Sessions ("refresh families"). Login and sign-up start one; every access token carries its id
-- as `sid`. A family ends when revoked (logout, logout-all, password change, reuse of a retired
-- refresh token) or when idle past its idle timeout or older than its absolute lifetime.
CREATE TABLE refresh_families (
    id             TEXT PRIMARY KEY NOT NULL,   -- random, the `sid` claim
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Derives each successor refresh token from its parent (see server/sessions.rs), so that
    -- concurrent or repeated refreshes within the grace window all get the same successor.
    chain_secret   TEXT NOT NULL,
    user_agent     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    last_used_at   BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,             -- absolute lifetime
    revoked_at     BIGINT,
    revoked_reason TEXT
);
CREATE INDEX refresh_families_user_id ON refresh_families (user_id);

-- Refresh tokens, stored only as SHA-256 hashes. `rotated_at` is set when the token is exchanged;
-- presenting it again after the grace window revokes the family.
CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    family_id  TEXT NOT NULL REFERENCES refresh_families (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    rotated_at BIGINT
);
CREATE INDEX refresh_tokens_family_id ON refresh_tokens (family_id);
