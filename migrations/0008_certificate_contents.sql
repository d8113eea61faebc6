-- What a certificate needs to explain every figure from the others: the 所得金額調整控除
-- already taken off the 給与所得 line. (The separate bases per kind and each credit's municipal
-- share live in the separate_income_lines and tax_credits JSON, as optional keys.) Rows stored
-- before had none: 0.
ALTER TABLE assessment
    ADD COLUMN income_adjustment_yen bigint NOT NULL DEFAULT 0
        CHECK (income_adjustment_yen BETWEEN 0 AND 250000);
