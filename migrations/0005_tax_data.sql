-- The tax data as a real 税務システム has it: losses, separately taxed income, carried-forward
-- losses, the levies before the tax credits, the person's own categories, and whether the
-- person is named as someone's dependant. Rows stored before keep their meaning: no separate
-- lines, nothing carried forward (総所得金額等 = 合計所得金額 was what they held), levies before
-- credits unknown (NULL), no categories, not named as a dependant.

-- [{"kind": "shares", "revenue_yen": 0, "income_yen": 0}, …]
ALTER TABLE assessment
    ADD COLUMN separate_income_lines jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN carried_forward_loss_yen bigint NOT NULL DEFAULT 0
        CHECK (carried_forward_loss_yen >= 0),
    ADD COLUMN separate_taxable_base_yen bigint NOT NULL DEFAULT 0
        CHECK (separate_taxable_base_yen >= 0),
    ADD COLUMN municipal_income_levy_before_credits_yen bigint
        CHECK (municipal_income_levy_before_credits_yen >= municipal_income_levy_yen),
    ADD COLUMN prefectural_income_levy_before_credits_yen bigint
        CHECK (prefectural_income_levy_before_credits_yen >= prefectural_income_levy_yen),
    ADD COLUMN own_categories text[] NOT NULL DEFAULT '{}'
        CHECK (own_categories <@ ARRAY['disabled', 'specially_disabled', 'widow',
                                       'single_parent', 'working_student']),
    ADD COLUMN declared_as_dependant boolean NOT NULL DEFAULT false,
    ADD CHECK ((municipal_income_levy_before_credits_yen IS NULL)
             = (prefectural_income_levy_before_credits_yen IS NULL));
