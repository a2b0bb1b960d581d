-- Credential versions. Every change that must end sessions (password change, logout-all) bumps
-- the user's version in the same transaction that revokes the sessions. A session records the
-- version it was started under and is live only while the two match, so a login that had already
-- checked the old password when the change happened inserts a session that is born dead.
ALTER TABLE users ADD COLUMN credentials_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE refresh_families ADD COLUMN credentials_version BIGINT NOT NULL DEFAULT 0;

-- How often a retired refresh token was answered inside the grace window (two tabs, a lost
-- answer); past the configured cap the next presentation is treated as theft.
ALTER TABLE refresh_tokens ADD COLUMN grace_replays BIGINT NOT NULL DEFAULT 0;

-- For the pruning task (server/prune.rs): retired tokens, ended sessions and stale throttle rows
-- are deleted by time.
CREATE INDEX refresh_tokens_rotated_at ON refresh_tokens (rotated_at);
CREATE INDEX refresh_families_last_used_at ON refresh_families (last_used_at);
CREATE INDEX login_throttle_window_start ON login_throttle (window_start);
