-- Sender-constrained sessions (issue 17, RFC 9449): the RFC 7638 thumbprint of the key a session
-- is bound to (base64url SHA-256). NULL for a Bearer session. Every access token of a bound
-- session carries it as `cnf.jkt`, and a refresh needs a DPoP proof by that key.
ALTER TABLE refresh_families ADD COLUMN dpop_jkt TEXT;
