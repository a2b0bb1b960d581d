-- Key generations: the first key is generation 1. Several instances starting at once on an empty
-- database all try to insert generation 1; the unique index lets exactly one win and every
-- instance then loads that same key (no instance signs with a key the others do not know).
ALTER TABLE signing_keys ADD COLUMN generation BIGINT;
CREATE UNIQUE INDEX signing_keys_generation ON signing_keys (generation);
