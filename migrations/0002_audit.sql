-- The audit trail: every call from the relay and operators (refusals and invalid requests too),
-- every print result, every sync batch and purge. Entries are hash-chained: each entry's hash
-- covers the previous entry's hash and its own fields, so `kofu audit verify` detects any edit,
-- insertion or deletion. Never a PDF, never a card serial or a name.

CREATE TABLE audit_entry (
    seq             bigint      PRIMARY KEY,
    at              timestamptz NOT NULL,
    client_identity text        NOT NULL,
    action          text        NOT NULL,
    lg_code         text        NOT NULL,
    -- What was asked, without personal data: request id, kind, year, copies, kiosk, batch id …
    request         jsonb       NOT NULL,
    outcome         text        NOT NULL,
    certificate_number text,
    pdf_sha256      text,
    prev_hash       text        NOT NULL,
    hash            text        NOT NULL UNIQUE
);
CREATE INDEX audit_entry_at ON audit_entry (at);

-- Serialises appends: the row holds the chain's head.
CREATE TABLE audit_head (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    seq       bigint  NOT NULL,
    hash      text    NOT NULL
);
INSERT INTO audit_head (seq, hash) VALUES (0, repeat('0', 64));

-- Entries older than the retention period (7 years) are purged; each purge keeps the hash the
-- remaining chain continues from, so verification starts there.
CREATE TABLE audit_purge (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    purged_at   timestamptz NOT NULL,
    before      timestamptz NOT NULL,
    through_seq bigint      NOT NULL,
    entries     bigint      NOT NULL,
    anchor_hash text        NOT NULL
);
