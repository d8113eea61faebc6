-- One hash chain per municipality, plus the chain '' for calls that name no municipality served
-- here (and for everything recorded before chains existed): a ward's trail can be verified and
-- exported on its own, and appends for different wards never wait on one head row.
-- Entries keep their hashes: an entry's hash covers its predecessor in its own chain.
ALTER TABLE audit_entry ADD COLUMN chain text NOT NULL DEFAULT '';
ALTER TABLE audit_entry ALTER COLUMN chain DROP DEFAULT;
ALTER TABLE audit_entry DROP CONSTRAINT audit_entry_pkey;
ALTER TABLE audit_entry ADD PRIMARY KEY (chain, seq);

-- One head row per chain; an appender takes its chain's row FOR UPDATE for one group commit.
ALTER TABLE audit_head DROP CONSTRAINT audit_head_pkey;
ALTER TABLE audit_head DROP CONSTRAINT audit_head_singleton_check;
ALTER TABLE audit_head DROP COLUMN singleton;
ALTER TABLE audit_head ADD COLUMN chain text NOT NULL DEFAULT '';
ALTER TABLE audit_head ALTER COLUMN chain DROP DEFAULT;
ALTER TABLE audit_head ADD PRIMARY KEY (chain);

-- A purge anchors one chain.
ALTER TABLE audit_purge ADD COLUMN chain text NOT NULL DEFAULT '';
ALTER TABLE audit_purge ALTER COLUMN chain DROP DEFAULT;
