-- A year's payment carries its instalments (期別): number, 納期限, amount, paid, paid-on date.
-- Arrears are judged per instalment. Rows stored before have none ('[]'): for them only the
-- year's totals are known, as before.
-- [{"number": 1, "due_date": "2025-06-30", "amount_yen": 0, "paid_yen": 0, "paid_on": null}, …]
ALTER TABLE payment ADD COLUMN instalments jsonb NOT NULL DEFAULT '[]';
