-- What cannot print (issue 9). Codes only: a field's name, a reason, the code point a font lacks —
-- never the name or address itself.

-- The latest printability scan of each municipality, run after every applied sync batch: which
-- batch's data it read and what it found. A scan that read older data never replaces a newer one.
CREATE TABLE unprintable_scan (
    lg_code          char(6)     PRIMARY KEY,
    batch_id         text        NOT NULL,
    -- When the scan's read began: the data it saw was committed by then.
    data_as_of       timestamptz NOT NULL,
    finished_at      timestamptz NOT NULL,
    residents        integer     NOT NULL CHECK (residents >= 0),
    texts            integer     NOT NULL CHECK (texts >= 0),
    -- Residents with at least one text that cannot print (the gauge).
    unprintable      integer     NOT NULL CHECK (unprintable >= 0)
);

-- What that scan found: per resident, each text that cannot print and why. Replaced as a whole
-- by the next scan.
CREATE TABLE unprintable_resident (
    lg_code      char(6) NOT NULL,
    addressee_no text    NOT NULL,
    field        text    NOT NULL
        CHECK (field IN ('name', 'name_kana', 'address', 'address_on_assessment_date')),
    -- The assessment's fiscal year, for address_on_assessment_date; else NULL.
    fiscal_year  integer,
    reason       text    NOT NULL CHECK (reason IN ('unprintable_character', 'does_not_fit')),
    -- The code point no font has, for unprintable_character.
    code_point   integer CHECK ((reason = 'unprintable_character') = (code_point IS NOT NULL))
);
CREATE INDEX unprintable_resident_by_person ON unprintable_resident (lg_code, addressee_no);

-- Kiosk requests turned away because the certificate could not print (IssueCertificate refused,
-- or ListAvailable withholding an offer), with the person's 宛名番号 so the office can fix the
-- data: the page-level cases the scan cannot see (tables overflowing the page) are found only
-- here. Kept 31 days (each scan deletes older rows); the audit trail keeps the refusal itself.
CREATE TABLE print_refusal (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lg_code      char(6)     NOT NULL,
    refused_at   timestamptz NOT NULL,
    action       text        NOT NULL CHECK (action IN ('IssueCertificate', 'ListAvailable')),
    -- The relay's request id, for IssueCertificate.
    request_id   text,
    addressee_no text        NOT NULL,
    -- The kind and fiscal year asked for or withheld; NULL when the person's own text cannot
    -- print whatever the kind.
    kind         text,
    fiscal_year  integer,
    field        text        NOT NULL
        CHECK (field IN ('name', 'name_kana', 'address', 'address_on_assessment_date', 'page')),
    reason       text        NOT NULL CHECK (reason IN ('unprintable_character', 'does_not_fit')),
    code_point   integer CHECK ((reason = 'unprintable_character') = (code_point IS NOT NULL))
);
CREATE INDEX print_refusal_by_time ON print_refusal (lg_code, refused_at);
