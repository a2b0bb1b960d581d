-- Generations count per algorithm, so that switching TOKENGATE_JWT_ALGORITHM (EdDSA <-> HS256)
-- bootstraps generation 1 of the new algorithm the same race-free way. For HS256 keys,
-- `private_pem` holds the base64url HMAC secret; such keys are never published.
DROP INDEX signing_keys_generation;
CREATE UNIQUE INDEX signing_keys_algorithm_generation ON signing_keys (algorithm, generation);
