-- Passkeys (issue 15): WebAuthn credentials, and the ceremonies that create and use them.

-- A passkey of an account. `passkey` is webauthn-rs's `Passkey` as JSON: the public key and the
-- signature counter (never a secret). `credential_id` (base64url, as browsers name it) is unique
-- across all accounts: one authenticator credential belongs to one account.
CREATE TABLE passkeys (
    id            TEXT PRIMARY KEY NOT NULL,        -- UUID v4, what the API calls it by
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id TEXT NOT NULL,
    name          TEXT NOT NULL,
    passkey       TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT
);
CREATE UNIQUE INDEX passkeys_credential_id ON passkeys (credential_id);
CREATE INDEX passkeys_user_id ON passkeys (user_id);

-- A ceremony between its start and its finish: webauthn-rs's state (the challenge and what the
-- answer must match) as JSON, stored so that any instance can finish what another started. The
-- client holds a random id; only its SHA-256 is stored. Single use (deleted when taken), short
-- lived, pruned when expired. `user_id` is the account it is for (none for a passwordless
-- sign-in); `context` carries what the finish needs besides (the sign-up's name and address, or
-- the hash of the `mfa_token` a second-factor ceremony belongs to).
CREATE TABLE webauthn_ceremonies (
    id_hash    TEXT PRIMARY KEY NOT NULL,
    purpose    TEXT NOT NULL,                        -- 'register', 'sign_in', 'second_factor', 'signup'
    user_id    TEXT,
    context    TEXT NOT NULL DEFAULT '',
    state      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX webauthn_ceremonies_expires_at ON webauthn_ceremonies (expires_at);
