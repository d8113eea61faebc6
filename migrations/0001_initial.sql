-- kofu schema v1: residents, card links, assessments, payments, issuance records and sync batches.
-- Every table is keyed by the municipality code (地方公共団体コード) so that one deployment can serve
-- several municipalities. People are keyed by the tax system's person number (宛名番号); kofu
-- never stores My Number.
--
-- The four tables the nightly sync fills are LIST-partitioned by municipality: a FULL batch loads
-- and indexes fresh tables, then swaps them in for the municipality's partitions in one short
-- transaction. They carry no foreign keys (a swap could not keep them); the sync validates
-- references set-wise before it publishes anything.

CREATE TABLE resident (
    lg_code            char(6)  NOT NULL,
    addressee_no       text     NOT NULL,
    name               text     NOT NULL,
    name_kana          text     NOT NULL,
    birth_date         date     NOT NULL,
    address            text     NOT NULL,
    status             text     NOT NULL CHECK (status IN ('resident', 'moved_out', 'deceased')),
    -- The move-out filing date or the date of death; NULL for a resident.
    status_date        date,
    moved_in_on        date,
    protection_measure boolean  NOT NULL DEFAULT false,
    issuance_stopped   boolean  NOT NULL DEFAULT false,
    PRIMARY KEY (lg_code, addressee_no),
    CHECK ((status = 'resident') = (status_date IS NULL))
) PARTITION BY LIST (lg_code);

-- JPKI user-authentication certificate serial → person, as the resident registry reports it.
CREATE TABLE card_link (
    lg_code      char(6) NOT NULL,
    card_serial  text    NOT NULL,
    addressee_no text    NOT NULL,
    valid_from   date    NOT NULL,
    valid_until  date,
    PRIMARY KEY (lg_code, card_serial),
    CHECK (valid_until IS NULL OR valid_until >= valid_from)
) PARTITION BY LIST (lg_code);

CREATE TABLE assessment (
    lg_code                         char(6) NOT NULL,
    addressee_no                    text    NOT NULL,
    fiscal_year                     integer NOT NULL CHECK (fiscal_year BETWEEN 2000 AND 2100),
    address_on_assessment_date      text,
    declared                        boolean NOT NULL,
    taxable                         boolean NOT NULL,
    collection_method               text    NOT NULL
        CHECK (collection_method IN ('withholding', 'direct_billing', 'mixed')),
    -- [{"kind": "salary", "revenue_yen": 0, "income_yen": 0}, …]
    income_lines                    jsonb   NOT NULL,
    -- [{"kind": "basic", "amount_yen": 0}, …]
    deduction_lines                 jsonb   NOT NULL,
    dependants                      jsonb   NOT NULL,
    total_income_yen                bigint  NOT NULL CHECK (total_income_yen >= 0),
    aggregate_income_yen            bigint  NOT NULL CHECK (aggregate_income_yen >= 0),
    taxable_base_yen                bigint  NOT NULL CHECK (taxable_base_yen >= 0),
    municipal_income_levy_yen       bigint  NOT NULL CHECK (municipal_income_levy_yen >= 0),
    municipal_per_capita_levy_yen   bigint  NOT NULL CHECK (municipal_per_capita_levy_yen >= 0),
    prefectural_income_levy_yen     bigint  NOT NULL CHECK (prefectural_income_levy_yen >= 0),
    prefectural_per_capita_levy_yen bigint  NOT NULL CHECK (prefectural_per_capita_levy_yen >= 0),
    forest_env_tax_yen              bigint  NOT NULL CHECK (forest_env_tax_yen >= 0),
    total_tax_yen                   bigint  NOT NULL,
    -- 税額控除 already applied in the income levies: [{"kind": "adjustment", "amount_yen": 2500}, …]
    tax_credits                     jsonb   NOT NULL DEFAULT '[]',
    under_revision                  boolean NOT NULL DEFAULT false,
    PRIMARY KEY (lg_code, addressee_no, fiscal_year),
    CHECK (total_tax_yen = municipal_income_levy_yen + municipal_per_capita_levy_yen
        + prefectural_income_levy_yen + prefectural_per_capita_levy_yen + forest_env_tax_yen)
) PARTITION BY LIST (lg_code);

-- 収納: assessed and paid amounts per person, fiscal year and tax item.
CREATE TABLE payment (
    lg_code       char(6) NOT NULL,
    addressee_no  text    NOT NULL,
    fiscal_year   integer NOT NULL CHECK (fiscal_year BETWEEN 2000 AND 2100),
    tax_item      text    NOT NULL,
    assessed_yen  bigint  NOT NULL CHECK (assessed_yen >= 0),
    paid_yen      bigint  NOT NULL CHECK (paid_yen >= 0),
    unpaid_yen    bigint  NOT NULL CHECK (unpaid_yen >= 0),
    last_due_date date,
    last_paid_on  date,
    PRIMARY KEY (lg_code, addressee_no, fiscal_year, tax_item)
) PARTITION BY LIST (lg_code);

-- Certificate numbers: one counter per municipality and fiscal year of issue, so numbers are
-- unique per municipality and never reused.
CREATE TABLE certificate_counter (
    lg_code     char(6) NOT NULL,
    fiscal_year integer NOT NULL,
    last_number bigint  NOT NULL,
    PRIMARY KEY (lg_code, fiscal_year)
);

-- One row per certificate issued. Never the PDF: its SHA-256 proves which bytes were handed out.
-- The person, kind, year and issue time are kept so that a retried request can reproduce the
-- identical PDF.
CREATE TABLE issuance (
    lg_code             char(6)     NOT NULL,
    certificate_number  text        NOT NULL,
    request_id          text        NOT NULL,
    -- SHA-256 of the request's fields, to tell a retry from a reuse of the same request_id.
    request_fingerprint text        NOT NULL,
    addressee_no        text        NOT NULL,
    kind                text        NOT NULL,
    fiscal_year         integer     NOT NULL,
    copies              integer     NOT NULL CHECK (copies > 0),
    fee_yen             integer     NOT NULL CHECK (fee_yen >= 0),
    operator_code       text        NOT NULL,
    terminal_id         text        NOT NULL,
    client_identity     text        NOT NULL,
    pdf_sha256          text        NOT NULL,
    issued_at           timestamptz NOT NULL,
    state               text        NOT NULL DEFAULT 'issued'
        CHECK (state IN ('issued', 'printed', 'voided')),
    PRIMARY KEY (lg_code, certificate_number),
    UNIQUE (lg_code, request_id)
);
CREATE INDEX issuance_issued_at ON issuance (lg_code, issued_at);

-- Every sync batch received: its outcome, counts and errors. The content hash tells a re-sent
-- batch (ALREADY_APPLIED) from a batch id reused for different content.
CREATE TABLE sync_batch (
    batch_id        text        PRIMARY KEY,
    lg_code         char(6)     NOT NULL,
    mode            text        NOT NULL CHECK (mode IN ('full', 'delta')),
    extracted_at    timestamptz NOT NULL,
    content_sha256  text        NOT NULL,
    state           text        NOT NULL CHECK (state IN ('applied', 'rejected')),
    counts          jsonb       NOT NULL,
    errors          jsonb       NOT NULL,
    client_identity text        NOT NULL,
    received_at     timestamptz NOT NULL,
    finished_at     timestamptz NOT NULL
);
CREATE INDEX sync_batch_applied ON sync_batch (lg_code, finished_at) WHERE state = 'applied';

-- Evidence of every retention purge (data older than the latest four fiscal years): what was
-- deleted, per table and fiscal year, when and by which batch.
CREATE TABLE retention_purge (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lg_code     char(6)     NOT NULL,
    batch_id    text        NOT NULL,
    purged_at   timestamptz NOT NULL,
    -- fiscal years kept after the purge, newest first
    kept_years  integer[]   NOT NULL,
    -- [{"table": "assessment", "fiscal_year": 2021, "rows": 1234}, …]
    deleted     jsonb       NOT NULL
);
