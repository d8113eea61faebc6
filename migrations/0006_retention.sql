-- Retention follows what residents can obtain (issue 9). A fiscal year's tax data is purged when no
-- resident can be offered it any more (the first applied batch on or after the last switchover
-- day), and issuance records, which hold 宛名番号, are purged after `retention.issuance_records_years`
-- whole fiscal years; both in the same purge, recorded here.
--
-- batch_id: the batch whose publication ran the purge; NULL when an operator ran `kofu purge` for
-- a municipality whose sync is late (its audit entry, action 'RetentionPurge', says who and when).
ALTER TABLE retention_purge ALTER COLUMN batch_id DROP NOT NULL;

-- The floor the purge applied (NULL for purges recorded before this migration): tax data of fiscal
-- years before oldest_fiscal_year_kept, and issuance records issued before issued_before (1 April,
-- 00:00 Japan time), were deleted. deleted lists rows per table and fiscal year; for "issuance"
-- the fiscal year is the one the records were issued in:
-- [{"table": "assessment", "fiscal_year": 2021, "rows": 1234}, {"table": "issuance", "fiscal_year": 2017, "rows": 56}, …]
ALTER TABLE retention_purge
    ADD COLUMN oldest_fiscal_year_kept integer,
    ADD COLUMN issued_before           timestamptz;
