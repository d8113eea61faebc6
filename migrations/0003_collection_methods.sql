-- A person's tax may be collected by several methods at once, and payroll withholding
-- (給与特別徴収) is told apart from pension withholding (年金特別徴収): only payroll withholding
-- opens a new fiscal year early. Stored rows keep their meaning conservatively: the old
-- 'withholding' did not say whose, so it becomes pension withholding (which opens with direct
-- billing), and 'mixed' becomes pension withholding plus direct billing.
ALTER TABLE assessment ADD COLUMN collection_methods text[];

UPDATE assessment SET collection_methods = CASE collection_method
    WHEN 'withholding' THEN ARRAY['pension_withholding']
    WHEN 'direct_billing' THEN ARRAY['direct_billing']
    ELSE ARRAY['pension_withholding', 'direct_billing']
END;

ALTER TABLE assessment
    ALTER COLUMN collection_methods SET NOT NULL,
    ADD CONSTRAINT assessment_collection_methods_check CHECK (
        cardinality(collection_methods) >= 1
        AND collection_methods <@ ARRAY['payroll_withholding', 'pension_withholding', 'direct_billing']
    ),
    DROP COLUMN collection_method;
