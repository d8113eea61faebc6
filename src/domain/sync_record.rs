//! One record of a nightly sync batch, and the checks every record must pass before any of the
//! batch is published: formats, dates, amounts that add up, and no My Number anywhere.
//!
//! The serde form of [`SyncRecord`] is also the JSON Lines file format that `kofu sync push`
//! reads (one record a line, `"type"` naming the kind; see docs/sync-format.md).

use super::assessment::{Assessment, IncomeKind, Payment, PersonCategory, TaxCreditKind};
use super::my_number::{contains_my_number, is_my_number};
use super::resident::{CardLink, Resident, ResidentStatus};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One record of a sync batch from the tax system; in the file, `"type"` names the variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
// Records stream through one at a time; boxing the assessment would cost an allocation per
// record for no memory saved.
#[allow(clippy::large_enum_variant)]
pub enum SyncRecord {
    /// A resident (住民) as the tax system knows them: name, address, status.
    Resident(Resident),
    /// A card link: a JPKI user-certificate serial → 宛名番号.
    CardLink(CardLink),
    /// One person's assessment (賦課) for one fiscal year.
    Assessment(Assessment),
    /// What was assessed and paid (収納) for one tax item in one fiscal year.
    Payment(Payment),
    /// Removes a resident (delta batches).
    ResidentDeletion {
        /// 宛名番号 of the resident to remove.
        addressee_no: String,
    },
    /// Removes a card link (delta batches), e.g. after a card was revoked.
    CardLinkDeletion {
        /// The JPKI user-certificate serial of the link to remove.
        card_serial: String,
    },
    /// Removes one fiscal year's assessment (delta batches).
    AssessmentDeletion {
        /// 宛名番号 of the person.
        addressee_no: String,
        /// The fiscal year (Gregorian start year).
        fiscal_year: i32,
    },
    /// Removes one payment record (delta batches).
    PaymentDeletion {
        /// 宛名番号 of the person.
        addressee_no: String,
        /// The fiscal year (Gregorian start year).
        fiscal_year: i32,
        /// The tax item, e.g. "inhabitant_tax".
        tax_item: String,
    },
}

/// How a batch changes a municipality's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMode {
    /// The batch is the whole of the municipality's data and replaces it.
    Full,
    /// The batch carries changes (upserts and deletions) to what is there.
    Delta,
}

impl SyncMode {
    /// "full" or "delta": the batch file's and the metrics' code.
    pub fn code(self) -> &'static str {
        match self {
            SyncMode::Full => "full",
            SyncMode::Delta => "delta",
        }
    }
}

/// The kinds of record, in the order a batch file lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordType {
    /// `resident`
    Resident,
    /// `card_link`
    CardLink,
    /// `assessment`
    Assessment,
    /// `payment`
    Payment,
    /// `resident_deletion`
    ResidentDeletion,
    /// `card_link_deletion`
    CardLinkDeletion,
    /// `assessment_deletion`
    AssessmentDeletion,
    /// `payment_deletion`
    PaymentDeletion,
}

impl RecordType {
    /// Every type, in batch-file order.
    pub const ALL: [RecordType; 8] = [
        RecordType::Resident,
        RecordType::CardLink,
        RecordType::Assessment,
        RecordType::Payment,
        RecordType::ResidentDeletion,
        RecordType::CardLinkDeletion,
        RecordType::AssessmentDeletion,
        RecordType::PaymentDeletion,
    ];

    /// The `"type"` value of the batch file, also used in metrics labels and batch reports.
    pub fn name(self) -> &'static str {
        match self {
            RecordType::Resident => "resident",
            RecordType::CardLink => "card_link",
            RecordType::Assessment => "assessment",
            RecordType::Payment => "payment",
            RecordType::ResidentDeletion => "resident_deletion",
            RecordType::CardLinkDeletion => "card_link_deletion",
            RecordType::AssessmentDeletion => "assessment_deletion",
            RecordType::PaymentDeletion => "payment_deletion",
        }
    }
}

impl SyncRecord {
    /// The type of this record.
    pub fn record_type(&self) -> RecordType {
        match self {
            SyncRecord::Resident(_) => RecordType::Resident,
            SyncRecord::CardLink(_) => RecordType::CardLink,
            SyncRecord::Assessment(_) => RecordType::Assessment,
            SyncRecord::Payment(_) => RecordType::Payment,
            SyncRecord::ResidentDeletion { .. } => RecordType::ResidentDeletion,
            SyncRecord::CardLinkDeletion { .. } => RecordType::CardLinkDeletion,
            SyncRecord::AssessmentDeletion { .. } => RecordType::AssessmentDeletion,
            SyncRecord::PaymentDeletion { .. } => RecordType::PaymentDeletion,
        }
    }
}

/// What is wrong with one field of a record. The problem never quotes the value: it may be
/// personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// The field's path in the record, e.g. `income_lines[2].income_yen`.
    pub field: String,
    /// What is wrong, in words; never the value itself.
    pub problem: String,
}

impl FieldProblem {
    /// A problem with `field`.
    pub fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

/// The context records are checked in: dates may not lie after the extraction day.
#[derive(Debug, Clone, Copy)]
pub struct CheckContext {
    /// The day the tax system extracted the batch (Japan date), from the batch header.
    pub extracted_on: NaiveDate,
}

impl CheckContext {
    /// The newest fiscal year a batch may carry: the one after the extraction day's.
    fn latest_fiscal_year(&self) -> i32 {
        super::fiscal_year::containing(self.extracted_on) + 1
    }
}

const MAX_TEXT_CHARS: usize = 200;

struct Checker {
    problems: Vec<FieldProblem>,
}

impl Checker {
    fn fail(&mut self, field: &str, problem: impl Into<String>) {
        self.problems.push(FieldProblem::new(field, problem));
    }

    fn token(&mut self, field: &str, value: &str, max: usize, allowed: &str) {
        if value.is_empty()
            || value.chars().count() > max
            || !value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || allowed.contains(c))
        {
            self.fail(
                field,
                format!("must be 1 to {max} characters of 0-9 A-Z a-z {allowed}"),
            );
        }
    }

    fn addressee_no(&mut self, field: &str, value: &str) {
        self.token(field, value, 20, "-");
        if is_my_number(value) {
            self.fail(
                field,
                "is a 12-digit number with a valid My Number check digit; kofu never accepts a My Number (個人番号)",
            );
        }
    }

    fn text(&mut self, field: &str, value: &str, required: bool) {
        if required && value.trim().is_empty() {
            self.fail(field, "must not be empty");
        }
        if value.chars().count() > MAX_TEXT_CHARS {
            self.fail(field, format!("is longer than {MAX_TEXT_CHARS} characters"));
        }
        if value.chars().any(char::is_control) {
            self.fail(field, "contains a control character");
        }
        if contains_my_number(value) {
            self.fail(
                field,
                "contains a 12-digit number with a valid My Number check digit; kofu never accepts a My Number (個人番号)",
            );
        }
    }

    fn amount(&mut self, field: &str, value: i64) {
        if value < 0 {
            self.fail(field, "must not be negative");
        }
        self.signed_amount(field, value);
    }

    /// An amount that may be a loss: bounded both ways.
    fn signed_amount(&mut self, field: &str, value: i64) {
        if value.unsigned_abs() > super::money::MAX_AMOUNT_YEN as u64 {
            self.fail(
                field,
                "is above the largest amount kofu prints (999,999,999,999 yen)",
            );
        }
    }

    fn fiscal_year(&mut self, field: &str, value: i32, context: &CheckContext) {
        let latest = context.latest_fiscal_year();
        if !(super::fiscal_year::EARLIEST..=latest).contains(&value) {
            self.fail(
                field,
                format!(
                    "must be a fiscal year from {} to {latest}",
                    super::fiscal_year::EARLIEST
                ),
            );
        }
    }

    fn not_after_extraction(&mut self, field: &str, date: NaiveDate, context: &CheckContext) {
        if date > context.extracted_on {
            self.fail(field, "lies after the day the batch was extracted");
        }
    }
}

/// Every problem with `record`; empty when it may be published.
pub fn check(record: &SyncRecord, context: &CheckContext) -> Vec<FieldProblem> {
    let mut c = Checker {
        problems: Vec::new(),
    };
    match record {
        SyncRecord::Resident(r) => check_resident(&mut c, r, context),
        SyncRecord::CardLink(l) => check_card_link(&mut c, l),
        SyncRecord::Assessment(a) => check_assessment(&mut c, a, context),
        SyncRecord::Payment(p) => check_payment(&mut c, p, context),
        SyncRecord::ResidentDeletion { addressee_no } => {
            c.addressee_no("addressee_no", addressee_no)
        }
        SyncRecord::CardLinkDeletion { card_serial } => {
            c.token("card_serial", card_serial, 64, "-")
        }
        SyncRecord::AssessmentDeletion {
            addressee_no,
            fiscal_year,
        } => {
            c.addressee_no("addressee_no", addressee_no);
            c.fiscal_year("fiscal_year", *fiscal_year, context);
        }
        SyncRecord::PaymentDeletion {
            addressee_no,
            fiscal_year,
            tax_item,
        } => {
            c.addressee_no("addressee_no", addressee_no);
            c.fiscal_year("fiscal_year", *fiscal_year, context);
            c.token("tax_item", tax_item, 40, "_-");
        }
    }
    c.problems
}

fn check_resident(c: &mut Checker, r: &Resident, context: &CheckContext) {
    c.addressee_no("addressee_no", &r.addressee_no);
    c.text("name", &r.name, true);
    c.text("name_kana", &r.name_kana, true);
    c.text("address", &r.address, true);
    if r.birth_date < super::era::earliest_printable() {
        c.fail("birth_date", "lies before 1873-01-01");
    }
    c.not_after_extraction("birth_date", r.birth_date, context);
    if let ResidentStatus::MovedOut { filed_on: date } | ResidentStatus::Deceased { on: date } =
        r.status
    {
        if date < r.birth_date {
            c.fail("status_date", "lies before the birth date");
        }
    }
    if let Some(moved_in) = r.moved_in_on {
        if moved_in < r.birth_date {
            c.fail("moved_in_on", "lies before the birth date");
        }
    }
}

fn check_card_link(c: &mut Checker, l: &CardLink) {
    c.token("card_serial", &l.card_serial, 64, "-");
    c.addressee_no("addressee_no", &l.addressee_no);
    if l.valid_until.is_some_and(|until| until < l.valid_from) {
        c.fail("valid_until", "lies before valid_from");
    }
}

fn check_assessment(c: &mut Checker, a: &Assessment, context: &CheckContext) {
    c.addressee_no("addressee_no", &a.addressee_no);
    c.fiscal_year("fiscal_year", a.fiscal_year, context);
    if let Some(address) = &a.address_on_assessment_date {
        c.text("address_on_assessment_date", address, true);
    }
    if a.collection_methods.is_empty() {
        c.fail(
            "collection_methods",
            "is required: one or more of payroll_withholding, pension_withholding, direct_billing",
        );
    }
    let mut methods = std::collections::HashSet::new();
    for (i, method) in a.collection_methods.iter().enumerate() {
        if !methods.insert(method) {
            c.fail(&format!("collection_methods[{i}]"), "is listed twice");
        }
    }
    check_income(c, a);
    let mut deduction_kinds = std::collections::HashSet::new();
    for (i, line) in a.deduction_lines.iter().enumerate() {
        c.amount(&format!("deduction_lines[{i}].amount_yen"), line.amount_yen);
        if !deduction_kinds.insert(line.kind) {
            c.fail(&format!("deduction_lines[{i}].kind"), "is listed twice");
        }
    }
    check_categories(c, a);
    let t = &a.tax;
    for (field, value) in [
        ("tax.taxable_base_yen", t.taxable_base_yen),
        ("tax.municipal_income_levy_yen", t.municipal_income_levy_yen),
        (
            "tax.municipal_per_capita_levy_yen",
            t.municipal_per_capita_levy_yen,
        ),
        (
            "tax.prefectural_income_levy_yen",
            t.prefectural_income_levy_yen,
        ),
        (
            "tax.prefectural_per_capita_levy_yen",
            t.prefectural_per_capita_levy_yen,
        ),
        ("tax.forest_env_tax_yen", t.forest_env_tax_yen),
        ("tax.total_yen", t.total_yen),
    ] {
        c.amount(field, value);
    }
    if t.total_yen != t.sum_of_parts() {
        c.fail(
            "tax.total_yen",
            "does not equal the sum of the income levies, per-capita levies and forest environment tax",
        );
    }
    check_taxable_base(c, a);
    check_credits(c, a);
    if !a.taxable && t.total_yen != 0 {
        c.fail("taxable", "is false but tax.total_yen is not 0");
    }
    if a.taxable && t.total_yen == 0 {
        c.fail("taxable", "is true but tax.total_yen is 0");
    }
    let has_income = !(a.income_lines.is_empty() && a.separate_income_lines.is_empty());
    if !a.declared && has_income {
        c.fail("declared", "is false but income lines are given");
    }
}

/// Income lines (総合 and 分離) and the totals that follow from them. kofu does not redo
/// 損益通算 (which loss offsets which income is the tax system's arithmetic); it checks that
/// 合計所得金額 lies between every loss offset and none offset, which is exact when there are
/// no losses.
fn check_income(c: &mut Checker, a: &Assessment) {
    let mut line = |field: String, revenue: i64, income: i64, may_be_loss: bool| {
        c.amount(&format!("{field}.revenue_yen"), revenue);
        if may_be_loss {
            c.signed_amount(&format!("{field}.income_yen"), income);
        } else if income < 0 {
            c.fail(
                &format!("{field}.income_yen"),
                "must not be negative: this kind of income cannot be a loss",
            );
        }
        if income > revenue {
            c.fail(
                &format!("{field}.income_yen"),
                "is above the line's revenue_yen",
            );
        }
    };
    for (i, l) in a.income_lines.iter().enumerate() {
        line(
            format!("income_lines[{i}]"),
            l.revenue_yen,
            l.income_yen,
            l.kind.may_be_loss(),
        );
    }
    for (i, l) in a.separate_income_lines.iter().enumerate() {
        line(
            format!("separate_income_lines[{i}]"),
            l.revenue_yen,
            l.income_yen,
            l.kind.may_be_loss(),
        );
    }
    let mut kinds = std::collections::HashSet::new();
    for (i, l) in a.income_lines.iter().enumerate() {
        if !kinds.insert(l.kind) {
            c.fail(&format!("income_lines[{i}].kind"), "is listed twice");
        }
        if l.kind == IncomeKind::SeparateTaxation && !a.separate_income_lines.is_empty() {
            c.fail(
                &format!("income_lines[{i}].kind"),
                "separate_taxation (an older file's single line) may not be sent with separate_income_lines",
            );
        }
    }
    let mut separate_kinds = std::collections::HashSet::new();
    for (i, l) in a.separate_income_lines.iter().enumerate() {
        if !separate_kinds.insert(l.kind) {
            c.fail(
                &format!("separate_income_lines[{i}].kind"),
                "is listed twice",
            );
        }
    }
    c.amount("total_income_yen", a.total_income_yen);
    c.amount("carried_forward_loss_yen", a.carried_forward_loss_yen);
    c.amount("aggregate_income_yen", a.aggregate_income_yen);
    let all_offset = saturating_sum(a.incomes_yen()).max(0);
    let none_offset = saturating_sum(a.incomes_yen().filter(|&y| y > 0));
    if a.total_income_yen < all_offset || a.total_income_yen > none_offset {
        let problem = if all_offset == none_offset {
            "does not equal the sum of the income lines' income_yen".to_owned()
        } else {
            "must lie between the income lines' sum with every loss offset and the sum of their gains (損益通算)".to_owned()
        };
        c.fail("total_income_yen", problem);
    }
    check_income_adjustment(c, a);
    if a.carried_forward_loss_yen > a.total_income_yen.max(0) {
        c.fail(
            "carried_forward_loss_yen",
            "is above total_income_yen: a carried-forward loss deducts only what the year earned",
        );
    } else if a.aggregate_income_yen != a.total_income_yen - a.carried_forward_loss_yen {
        c.fail(
            "aggregate_income_yen",
            "does not equal total_income_yen minus carried_forward_loss_yen",
        );
    }
}

/// The most 所得金額調整控除 there can be: ¥150,000 for a high salary (10% of the salary
/// above ¥8.5 million, up to ¥10 million) and ¥100,000 for salary with pension.
const MAX_INCOME_ADJUSTMENT_YEN: i64 = 250_000;

/// 所得金額調整控除 is taken off 給与所得, so it needs a salary line, and that line's income
/// plus the adjustment cannot exceed its revenue.
fn check_income_adjustment(c: &mut Checker, a: &Assessment) {
    let adjustment = a.income_adjustment_yen;
    if adjustment == 0 {
        return;
    }
    c.amount("income_adjustment_yen", adjustment);
    if adjustment > MAX_INCOME_ADJUSTMENT_YEN {
        c.fail(
            "income_adjustment_yen",
            "is above ¥250,000, the most 所得金額調整控除 there can be",
        );
    }
    match a.income_lines.iter().find(|l| l.kind == IncomeKind::Salary) {
        None => c.fail(
            "income_adjustment_yen",
            "is given without a salary income line: 所得金額調整控除 is taken off 給与所得",
        ),
        Some(salary) if salary.income_yen.saturating_add(adjustment) > salary.revenue_yen => c
            .fail(
                "income_adjustment_yen",
                "with the salary line's income_yen is above its revenue_yen",
            ),
        Some(_) => {}
    }
}

/// 課税標準額: the two bases together never exceed 総所得金額等, and a separate base needs
/// separately taxed income. Bases per separate kind, when given, are on every line, whole
/// thousands, within their line's income, and add up to the separate base.
fn check_taxable_base(c: &mut Checker, a: &Assessment) {
    let t = &a.tax;
    c.amount("tax.separate_taxable_base_yen", t.separate_taxable_base_yen);
    let bases: Vec<Option<i64>> = a
        .separate_income_lines
        .iter()
        .map(|l| l.taxable_base_yen)
        .collect();
    if bases.iter().any(Option::is_some) {
        for (i, l) in a.separate_income_lines.iter().enumerate() {
            let field = format!("separate_income_lines[{i}].taxable_base_yen");
            match l.taxable_base_yen {
                None => c.fail(&field, "is missing: give it on every line or on none"),
                Some(base) => {
                    c.amount(&field, base);
                    if base % 1_000 != 0 {
                        c.fail(&field, "is not floored to ¥1,000");
                    }
                    if base > l.income_yen.max(0) {
                        c.fail(&field, "is above the line's income_yen");
                    }
                }
            }
        }
        if saturating_sum(bases.iter().flatten().copied()) != t.separate_taxable_base_yen {
            c.fail(
                "tax.separate_taxable_base_yen",
                "does not equal the sum of the separate income lines' taxable_base_yen",
            );
        }
    }
    if t.taxable_base_yen
        .saturating_add(t.separate_taxable_base_yen)
        > a.aggregate_income_yen.max(0)
    {
        c.fail(
            "tax.taxable_base_yen",
            "with tax.separate_taxable_base_yen is above aggregate_income_yen",
        );
    }
    let separate_gains = saturating_sum(
        a.separate_income_lines
            .iter()
            .map(|l| l.income_yen.max(0))
            .chain(
                a.income_lines
                    .iter()
                    .filter(|l| l.kind == IncomeKind::SeparateTaxation)
                    .map(|l| l.income_yen.max(0)),
            ),
    );
    if t.separate_taxable_base_yen > separate_gains {
        c.fail(
            "tax.separate_taxable_base_yen",
            "is above the separately taxed income",
        );
    }
}

/// A sum that cannot overflow on hostile input (each amount is reported on its own when it is
/// out of range).
fn saturating_sum(values: impl Iterator<Item = i64>) -> i64 {
    values.fold(0, i64::saturating_add)
}

/// The largest difference between (levies before credits − credits) and the levies after
/// them: each of the two levies drops what lies below ¥100 (地方税法 §20-4-2).
const LEVY_ROUNDING_YEN: i64 = 2 * 99;

/// 税額控除 and the income levies before and after them.
fn check_credits(c: &mut Checker, a: &Assessment) {
    let t = &a.tax;
    let mut kinds = std::collections::HashSet::new();
    for (i, line) in a.tax_credits.iter().enumerate() {
        c.amount(&format!("tax_credits[{i}].amount_yen"), line.amount_yen);
        if !kinds.insert(line.kind) {
            c.fail(&format!("tax_credits[{i}].kind"), "is listed twice");
        }
        if line.kind == TaxCreditKind::FlatRateReduction {
            let field = format!("tax_credits[{i}].amount_yen");
            match flat_rate_reduction_limit(a) {
                None => c.fail(
                    &format!("tax_credits[{i}].kind"),
                    "定額減税 applies to fiscal years 2024 and 2025 (the spouse case) only",
                ),
                Some(limit) if line.amount_yen > limit => c.fail(
                    &field,
                    "is above ¥10,000 for each person the 定額減税 counts",
                ),
                Some(_) => {}
            }
        }
    }
    let shares = credit_shares(c, a);
    let (municipal, prefectural) = (
        t.municipal_income_levy_before_credits_yen,
        t.prefectural_income_levy_before_credits_yen,
    );
    let (Some(municipal), Some(prefectural)) = (municipal, prefectural) else {
        if municipal.is_some() || prefectural.is_some() {
            c.fail(
                "tax.municipal_income_levy_before_credits_yen",
                "and tax.prefectural_income_levy_before_credits_yen are given together or not at all",
            );
        }
        return;
    };
    c.amount("tax.municipal_income_levy_before_credits_yen", municipal);
    c.amount(
        "tax.prefectural_income_levy_before_credits_yen",
        prefectural,
    );
    if municipal < t.municipal_income_levy_yen {
        c.fail(
            "tax.municipal_income_levy_before_credits_yen",
            "is below the levy after the credits",
        );
    }
    if prefectural < t.prefectural_income_levy_yen {
        c.fail(
            "tax.prefectural_income_levy_before_credits_yen",
            "is below the levy after the credits",
        );
    }
    if let Some((credits_m, credits_p)) = shares {
        let levies = [
            (
                "tax.municipal_income_levy_yen",
                municipal,
                credits_m,
                t.municipal_income_levy_yen,
            ),
            (
                "tax.prefectural_income_levy_yen",
                prefectural,
                credits_p,
                t.prefectural_income_levy_yen,
            ),
        ];
        for (field, before, credits, after) in levies {
            let left = before.saturating_sub(credits);
            if left < 0 {
                c.fail(
                    "tax_credits",
                    "add up to more than a levy before them (a credit is used only as far as the levy reaches)",
                );
            } else if !(0..=99).contains(&(left - after)) {
                c.fail(
                    field,
                    "does not equal its levy before the credits less its share of the credits, floored to ¥100",
                );
            }
        }
        return;
    }
    let credits = saturating_sum(a.tax_credits.iter().map(|l| l.amount_yen));
    let left = saturating_sum([municipal, prefectural, credits.saturating_neg()].into_iter());
    let after = t
        .municipal_income_levy_yen
        .saturating_add(t.prefectural_income_levy_yen);
    if left < 0 {
        c.fail(
            "tax_credits",
            "add up to more than the income levies before them (a credit is used only as far as the levy reaches)",
        );
    } else if !(0..=LEVY_ROUNDING_YEN).contains(&(left - after)) {
        c.fail(
            "tax.municipal_income_levy_yen",
            "with tax.prefectural_income_levy_yen does not equal the levies before the credits less the credits (each floored to ¥100)",
        );
    }
}

/// The credits' (municipal, prefectural) totals when every credit gives its municipal share;
/// `None` when none does (an older file). A share outside 0..=amount, or shares on some credits
/// only, is reported.
fn credit_shares(c: &mut Checker, a: &Assessment) -> Option<(i64, i64)> {
    let given = a
        .tax_credits
        .iter()
        .filter(|l| l.municipal_amount_yen.is_some())
        .count();
    if given == 0 {
        return None;
    }
    let mut totals = (0i64, 0i64);
    for (i, line) in a.tax_credits.iter().enumerate() {
        let field = format!("tax_credits[{i}].municipal_amount_yen");
        match line.shares_yen() {
            None => c.fail(&field, "is missing: give it on every credit or on none"),
            Some((m, p)) => {
                if m < 0 || p < 0 {
                    c.fail(&field, "must lie between 0 and the credit's amount_yen");
                }
                totals = (totals.0.saturating_add(m), totals.1.saturating_add(p));
            }
        }
    }
    (given == a.tax_credits.len()).then_some(totals)
}

/// The most 定額減税 a year may carry: in 2024 ¥10,000 for the taxpayer, the qualifying spouse
/// and each dependant (年少 included); in 2025 ¥10,000 for the one spouse not counted in 2024.
/// `None` for any other year.
fn flat_rate_reduction_limit(a: &Assessment) -> Option<i64> {
    let d = &a.dependants;
    match a.fiscal_year {
        2024 => {
            let people = 1
                + i64::from(d.has_qualifying_spouse)
                + i64::from(d.general)
                + i64::from(d.specific)
                + i64::from(d.elderly)
                + i64::from(d.elderly_cohabiting_parents)
                + i64::from(d.under_16);
            Some(10_000 * people)
        }
        2025 => Some(10_000),
        _ => None,
    }
}

/// 本人該当区分: no repeats, no two that exclude each other, and each deduction that rests on
/// a category has it.
fn check_categories(c: &mut Checker, a: &Assessment) {
    let mut seen = std::collections::HashSet::new();
    for (i, category) in a.own_categories.iter().enumerate() {
        if !seen.insert(*category) {
            c.fail(&format!("own_categories[{i}]"), "is listed twice");
        }
    }
    let has = |category| a.own_categories.contains(&category);
    if has(PersonCategory::Disabled) && has(PersonCategory::SpeciallyDisabled) {
        c.fail(
            "own_categories",
            "lists both disabled and specially_disabled; a person is one or the other",
        );
    }
    if has(PersonCategory::Widow) && has(PersonCategory::SingleParent) {
        c.fail(
            "own_categories",
            "lists both widow and single_parent; the law allows one or the other",
        );
    }
    for (i, line) in a.deduction_lines.iter().enumerate() {
        let needs = PersonCategory::ALL
            .into_iter()
            .find(|category| category.deduction() == Some(line.kind));
        if let Some(category) = needs.filter(|category| !has(*category)) {
            c.fail(
                &format!("deduction_lines[{i}].kind"),
                format!(
                    "needs the person's own category {} in own_categories",
                    category.code()
                ),
            );
        }
    }
}

fn check_payment(c: &mut Checker, p: &Payment, context: &CheckContext) {
    c.addressee_no("addressee_no", &p.addressee_no);
    c.fiscal_year("fiscal_year", p.fiscal_year, context);
    c.token("tax_item", &p.tax_item, 40, "_-");
    c.amount("assessed_yen", p.assessed_yen);
    c.amount("paid_yen", p.paid_yen);
    c.amount("unpaid_yen", p.unpaid_yen);
    if p.unpaid_yen != (p.assessed_yen - p.paid_yen).max(0) {
        c.fail("unpaid_yen", "does not equal assessed_yen minus paid_yen");
    }
    if let Some(paid_on) = p.last_paid_on {
        c.not_after_extraction("last_paid_on", paid_on, context);
    }
    if !p.instalments.is_empty() {
        check_instalments(c, p, context);
    }
}

/// The instalments, and the year's figures that must follow from them.
fn check_instalments(c: &mut Checker, p: &Payment, context: &CheckContext) {
    let mut previous_due = None;
    for (i, instalment) in p.instalments.iter().enumerate() {
        let field = |name: &str| format!("instalments[{i}].{name}");
        if usize::from(instalment.number) != i + 1 {
            c.fail(&field("number"), "must count 1, 2, … in order");
        }
        c.amount(&field("amount_yen"), instalment.amount_yen);
        c.amount(&field("paid_yen"), instalment.paid_yen);
        if previous_due.is_some_and(|due| instalment.due_date < due) {
            c.fail(&field("due_date"), "lies before the previous instalment's");
        }
        previous_due = Some(instalment.due_date);
        match instalment.paid_on {
            Some(paid_on) => c.not_after_extraction(&field("paid_on"), paid_on, context),
            None if instalment.paid_yen > 0 => {
                c.fail(&field("paid_on"), "is required when paid_yen is not 0")
            }
            None => {}
        }
    }
    let sum = |f: fn(&crate::domain::assessment::Instalment) -> i64| {
        p.instalments.iter().map(f).sum::<i64>()
    };
    if p.assessed_yen != sum(|i| i.amount_yen) {
        c.fail(
            "assessed_yen",
            "does not equal the sum of the instalments' amount_yen",
        );
    }
    if p.paid_yen != sum(|i| i.paid_yen) {
        c.fail(
            "paid_yen",
            "does not equal the sum of the instalments' paid_yen",
        );
    }
    if p.last_due_date != p.instalments.iter().map(|i| i.due_date).max() {
        c.fail("last_due_date", "is not the last instalment's due_date");
    }
    if p.last_paid_on != p.instalments.iter().filter_map(|i| i.paid_on).max() {
        c.fail(
            "last_paid_on",
            "is not the latest of the instalments' paid_on",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::assessment::{
        CollectionMethod, Dependants, IncomeKind, IncomeLine, TaxAmounts,
    };

    fn context() -> CheckContext {
        CheckContext {
            extracted_on: NaiveDate::from_ymd_opt(2025, 11, 1).unwrap(),
        }
    }

    fn resident() -> Resident {
        Resident {
            addressee_no: "0000000001".into(),
            name: "山田　花子".into(),
            name_kana: "ヤマダ　ハナコ".into(),
            birth_date: NaiveDate::from_ymd_opt(1985, 4, 15).unwrap(),
            address: "東京都新宿区西新宿二丁目8番1号".into(),
            status: ResidentStatus::Resident,
            moved_in_on: None,
            protection_measure: false,
            issuance_stopped: false,
        }
    }

    fn assessment() -> Assessment {
        Assessment {
            addressee_no: "0000000001".into(),
            fiscal_year: 2025,
            address_on_assessment_date: Some("東京都新宿区西新宿二丁目8番1号".into()),
            declared: true,
            taxable: true,
            collection_methods: vec![CollectionMethod::PayrollWithholding],
            income_lines: vec![IncomeLine {
                kind: IncomeKind::Salary,
                revenue_yen: 3_000_000,
                income_yen: 2_020_000,
            }],
            deduction_lines: vec![],
            total_income_yen: 2_020_000,
            separate_income_lines: vec![],
            carried_forward_loss_yen: 0,
            income_adjustment_yen: 0,
            aggregate_income_yen: 2_020_000,
            dependants: Dependants::default(),
            tax: TaxAmounts {
                taxable_base_yen: 1_590_000,
                separate_taxable_base_yen: 0,
                municipal_income_levy_before_credits_yen: None,
                prefectural_income_levy_before_credits_yen: None,
                municipal_income_levy_yen: 93_900,
                municipal_per_capita_levy_yen: 3_000,
                prefectural_income_levy_yen: 62_600,
                prefectural_per_capita_levy_yen: 1_000,
                forest_env_tax_yen: 1_000,
                total_yen: 161_500,
            },
            tax_credits: vec![],
            under_revision: false,
            own_categories: vec![],
            declared_as_dependant: false,
        }
    }

    fn fields(record: SyncRecord) -> Vec<String> {
        check(&record, &context())
            .into_iter()
            .map(|p| p.field)
            .collect()
    }

    #[test]
    fn good_records_pass() {
        assert_eq!(
            fields(SyncRecord::Resident(resident())),
            Vec::<String>::new()
        );
        assert_eq!(
            fields(SyncRecord::Assessment(assessment())),
            Vec::<String>::new()
        );
    }

    #[test]
    fn resident_problems_name_their_fields() {
        let mut r = resident();
        r.name = "番号123456789018".into();
        r.addressee_no = "123456789018".into();
        r.name_kana = String::new();
        r.birth_date = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        assert_eq!(
            fields(SyncRecord::Resident(r)),
            vec!["addressee_no", "name", "name_kana", "birth_date"]
        );
    }

    #[test]
    fn amounts_must_add_up() {
        let mut a = assessment();
        a.tax.total_yen += 1;
        a.income_lines[0].income_yen = 3_000_001;
        a.fiscal_year = 2027;
        a.tax.forest_env_tax_yen = -1;
        a.aggregate_income_yen = 1_000_000_000_000;
        assert_eq!(
            fields(SyncRecord::Assessment(a)),
            vec![
                "fiscal_year",
                "income_lines[0].income_yen",
                "aggregate_income_yen",
                "total_income_yen",
                "aggregate_income_yen",
                "tax.forest_env_tax_yen",
                "tax.total_yen",
            ]
        );
    }

    #[test]
    fn losses_only_where_the_law_has_them_and_totals_net_within_bounds() {
        use crate::domain::assessment::{SeparateIncomeKind, SeparateIncomeLine};
        let with = |lines: Vec<(IncomeKind, i64, i64)>, total, carried, aggregate| {
            let mut a = assessment();
            a.income_lines = lines
                .into_iter()
                .map(|(kind, revenue_yen, income_yen)| IncomeLine {
                    kind,
                    revenue_yen,
                    income_yen,
                })
                .collect();
            a.total_income_yen = total;
            a.carried_forward_loss_yen = carried;
            a.aggregate_income_yen = aggregate;
            a.tax.taxable_base_yen = 0;
            fields(SyncRecord::Assessment(a))
        };
        let salary = (IncomeKind::Salary, 3_000_000, 2_020_000);
        let business_loss = (IncomeKind::Business, 1_000_000, -500_000);
        let none: Vec<String> = vec![];
        // Fully offset, not offset, and anything between: the tax system's 損益通算.
        for total in [1_520_000, 1_800_000, 2_020_000] {
            assert_eq!(with(vec![salary, business_loss], total, 0, total), none);
        }
        for total in [1_519_999, 2_020_001] {
            assert_eq!(
                with(vec![salary, business_loss], total, 0, total),
                vec!["total_income_yen"]
            );
        }
        // A net loss is 合計所得金額 0.
        let big_loss = (IncomeKind::RealEstate, 500_000, -3_000_000);
        assert_eq!(with(vec![salary, big_loss], 0, 0, 0), none);
        // Salary, pension, dividends cannot be losses; revenue never negative.
        assert_eq!(
            with(vec![(IncomeKind::Salary, 100_000, -1)], 0, 0, 0),
            vec!["income_lines[0].income_yen"]
        );
        assert_eq!(
            with(vec![(IncomeKind::Agriculture, -1, -5)], 0, 0, 0),
            vec!["income_lines[0].revenue_yen"]
        );
        // A carried-forward loss: aggregate = total − carried, never more than the year earned.
        assert_eq!(with(vec![salary], 2_020_000, 20_000, 2_000_000), none);
        assert_eq!(
            with(vec![salary], 2_020_000, 20_000, 2_020_000),
            vec!["aggregate_income_yen"]
        );
        assert_eq!(
            with(vec![salary], 2_020_000, 2_020_001, 0),
            vec!["carried_forward_loss_yen"]
        );
        // Separately taxed: only 山林 may be a loss; the separate base needs separate income.
        let mut a = assessment();
        a.separate_income_lines = vec![
            SeparateIncomeLine {
                kind: SeparateIncomeKind::Forestry,
                revenue_yen: 1_000_000,
                income_yen: -20_000,
                taxable_base_yen: None,
            },
            SeparateIncomeLine {
                kind: SeparateIncomeKind::Shares,
                revenue_yen: 500_000,
                income_yen: -1,
                taxable_base_yen: None,
            },
        ];
        a.tax.separate_taxable_base_yen = 10_000;
        assert_eq!(
            fields(SyncRecord::Assessment(a.clone())),
            vec![
                "separate_income_lines[1].income_yen",
                "tax.separate_taxable_base_yen"
            ]
        );
        a.separate_income_lines[1].income_yen = 100_000;
        a.total_income_yen = 2_100_000;
        a.aggregate_income_yen = 2_100_000;
        assert_eq!(fields(SyncRecord::Assessment(a.clone())), none);
        a.income_lines.push(IncomeLine {
            kind: IncomeKind::SeparateTaxation,
            revenue_yen: 0,
            income_yen: 0,
        });
        assert_eq!(
            fields(SyncRecord::Assessment(a)),
            vec!["income_lines[1].kind"]
        );
    }

    #[test]
    fn credits_take_the_levies_before_them_to_those_after() {
        use crate::domain::assessment::{TaxCreditKind, TaxCreditLine};
        let credit = |kind, amount_yen| TaxCreditLine {
            kind,
            amount_yen,
            municipal_amount_yen: None,
        };
        let mut a = assessment();
        // 95,580 + 63,720 before; ¥2,500 adjustment; after 94,000 + 62,700 (each floored).
        a.tax.municipal_income_levy_before_credits_yen = Some(95_580);
        a.tax.prefectural_income_levy_before_credits_yen = Some(63_720);
        a.tax.municipal_income_levy_yen = 94_000;
        a.tax.prefectural_income_levy_yen = 62_700;
        a.tax.total_yen = a.tax.sum_of_parts();
        a.tax_credits = vec![credit(TaxCreditKind::Adjustment, 2_500)];
        let none: Vec<String> = vec![];
        assert_eq!(fields(SyncRecord::Assessment(a.clone())), none);
        let mut off = a.clone();
        off.tax_credits[0].amount_yen = 2_000;
        assert_eq!(
            fields(SyncRecord::Assessment(off)),
            vec!["tax.municipal_income_levy_yen"]
        );
        let mut one = a.clone();
        one.tax.prefectural_income_levy_before_credits_yen = None;
        assert_eq!(
            fields(SyncRecord::Assessment(one)),
            vec!["tax.municipal_income_levy_before_credits_yen"]
        );
        let mut over = a.clone();
        over.tax_credits[0].amount_yen = 200_000;
        assert_eq!(fields(SyncRecord::Assessment(over)), vec!["tax_credits"]);
        // 定額減税: 2024 up to ¥10,000 a person counted, 2025 ¥10,000 (the spouse case), no
        // other year.
        let flat = |fiscal_year, amount| {
            let mut x = a.clone();
            x.fiscal_year = fiscal_year;
            x.tax.municipal_income_levy_before_credits_yen = Some(95_580 + amount * 6 / 10);
            x.tax.prefectural_income_levy_before_credits_yen = Some(63_720 + amount * 4 / 10);
            x.tax_credits
                .push(credit(TaxCreditKind::FlatRateReduction, amount));
            fields(SyncRecord::Assessment(x))
        };
        assert_eq!(flat(2024, 10_000), none);
        assert_eq!(flat(2024, 10_010), vec!["tax_credits[1].amount_yen"]);
        assert_eq!(flat(2025, 10_000), none);
        assert_eq!(flat(2025, 20_000), vec!["tax_credits[1].amount_yen"]);
        assert_eq!(flat(2023, 10_000), vec!["tax_credits[1].kind"]);
    }

    #[test]
    fn credit_shares_check_each_levy_on_its_own() {
        use crate::domain::assessment::{TaxCreditKind, TaxCreditLine};
        let credit = |kind, amount_yen, municipal| TaxCreditLine {
            kind,
            amount_yen,
            municipal_amount_yen: municipal,
        };
        let mut a = assessment();
        a.tax.municipal_income_levy_before_credits_yen = Some(95_580);
        a.tax.prefectural_income_levy_before_credits_yen = Some(63_720);
        a.tax.municipal_income_levy_yen = 94_000;
        a.tax.prefectural_income_levy_yen = 62_700;
        a.tax.total_yen = a.tax.sum_of_parts();
        a.tax_credits = vec![credit(TaxCreditKind::Adjustment, 2_500, Some(1_500))];
        let none: Vec<String> = vec![];
        assert_eq!(fields(SyncRecord::Assessment(a.clone())), none);
        // The same sum split the wrong way: the total still reconciles, each levy does not.
        let mut swapped = a.clone();
        swapped.tax_credits[0].municipal_amount_yen = Some(500);
        assert_eq!(
            fields(SyncRecord::Assessment(swapped)),
            vec![
                "tax.municipal_income_levy_yen",
                "tax.prefectural_income_levy_yen"
            ]
        );
        let mut above = a.clone();
        above.tax_credits[0].municipal_amount_yen = Some(2_600);
        assert!(
            fields(SyncRecord::Assessment(above))
                .contains(&"tax_credits[0].municipal_amount_yen".to_owned())
        );
        let mut partial = a.clone();
        partial
            .tax_credits
            .push(credit(TaxCreditKind::Donation, 100, None));
        assert!(
            fields(SyncRecord::Assessment(partial))
                .contains(&"tax_credits[1].municipal_amount_yen".to_owned())
        );
    }

    #[test]
    fn separate_bases_per_kind_add_up_and_the_income_adjustment_needs_a_salary() {
        use crate::domain::assessment::{SeparateIncomeKind, SeparateIncomeLine};
        let none: Vec<String> = vec![];
        let separate = |kind, income_yen, base| SeparateIncomeLine {
            kind,
            revenue_yen: income_yen,
            income_yen,
            taxable_base_yen: base,
        };
        let mut a = assessment();
        a.separate_income_lines = vec![
            separate(SeparateIncomeKind::Shares, 300_500, Some(300_000)),
            separate(
                SeparateIncomeKind::LongTermRealEstate,
                1_000_000,
                Some(1_000_000),
            ),
        ];
        a.total_income_yen = 3_320_500;
        a.aggregate_income_yen = 3_320_500;
        a.tax.separate_taxable_base_yen = 1_300_000;
        assert_eq!(fields(SyncRecord::Assessment(a.clone())), none);
        let mut sum = a.clone();
        sum.tax.separate_taxable_base_yen = 1_200_000;
        assert_eq!(
            fields(SyncRecord::Assessment(sum)),
            vec!["tax.separate_taxable_base_yen"]
        );
        let mut odd = a.clone();
        odd.separate_income_lines[0].taxable_base_yen = Some(300_500);
        odd.tax.separate_taxable_base_yen = 1_300_500;
        assert_eq!(
            fields(SyncRecord::Assessment(odd)),
            vec!["separate_income_lines[0].taxable_base_yen"]
        );
        let mut missing = a.clone();
        missing.separate_income_lines[1].taxable_base_yen = None;
        assert_eq!(
            fields(SyncRecord::Assessment(missing)),
            vec![
                "separate_income_lines[1].taxable_base_yen",
                "tax.separate_taxable_base_yen"
            ]
        );
        // 所得金額調整控除: on a salary line, within its revenue, at most ¥250,000.
        let mut adjusted = assessment();
        adjusted.income_adjustment_yen = 100_000;
        assert_eq!(fields(SyncRecord::Assessment(adjusted.clone())), none);
        adjusted.income_adjustment_yen = 250_001;
        assert_eq!(
            fields(SyncRecord::Assessment(adjusted.clone())),
            vec!["income_adjustment_yen"]
        );
        adjusted.income_adjustment_yen = 100_000;
        adjusted.income_lines[0].kind = IncomeKind::Pension;
        assert_eq!(
            fields(SyncRecord::Assessment(adjusted)),
            vec!["income_adjustment_yen"]
        );
    }

    #[test]
    fn the_persons_categories_exclude_each_other_and_carry_their_deductions() {
        use crate::domain::assessment::{DeductionKind, DeductionLine, PersonCategory as P};
        let with = |categories: Vec<P>, deductions: Vec<DeductionKind>| {
            let mut a = assessment();
            a.own_categories = categories;
            a.deduction_lines = deductions
                .into_iter()
                .map(|kind| DeductionLine {
                    kind,
                    amount_yen: 260_000,
                })
                .collect();
            fields(SyncRecord::Assessment(a))
        };
        let none: Vec<String> = vec![];
        assert_eq!(
            with(
                vec![P::SpeciallyDisabled, P::Widow, P::WorkingStudent],
                vec![DeductionKind::Widow, DeductionKind::WorkingStudent]
            ),
            none
        );
        assert_eq!(
            with(vec![P::Disabled, P::SpeciallyDisabled], vec![]),
            vec!["own_categories"]
        );
        assert_eq!(
            with(vec![P::Widow, P::SingleParent], vec![]),
            vec!["own_categories"]
        );
        assert_eq!(
            with(vec![P::Widow, P::Widow], vec![]),
            vec!["own_categories[1]"]
        );
        assert_eq!(
            with(vec![P::Widow], vec![DeductionKind::SingleParent]),
            vec!["deduction_lines[0].kind"]
        );
    }

    #[test]
    fn problems_never_quote_values() {
        let mut r = resident();
        r.name = "山田123456789018".into();
        for p in check(&SyncRecord::Resident(r), &context()) {
            assert!(!p.problem.contains("123456789018"), "{p:?}");
            assert!(!p.problem.contains("山田"), "{p:?}");
        }
    }

    fn payment_with_instalments() -> Payment {
        use crate::domain::assessment::Instalment;
        let d = |m, day| NaiveDate::from_ymd_opt(2025, m, day).unwrap();
        Payment {
            addressee_no: "0000000001".into(),
            fiscal_year: 2025,
            tax_item: "inhabitant_tax".into(),
            assessed_yen: 100_000,
            paid_yen: 60_000,
            unpaid_yen: 40_000,
            last_due_date: Some(d(8, 31)),
            last_paid_on: Some(d(6, 28)),
            instalments: vec![
                Instalment {
                    number: 1,
                    due_date: d(6, 30),
                    amount_yen: 60_000,
                    paid_yen: 60_000,
                    paid_on: Some(d(6, 28)),
                },
                Instalment {
                    number: 2,
                    due_date: d(8, 31),
                    amount_yen: 40_000,
                    paid_yen: 0,
                    paid_on: None,
                },
            ],
        }
    }

    #[test]
    fn the_years_figures_follow_from_its_instalments() {
        assert_eq!(
            fields(SyncRecord::Payment(payment_with_instalments())),
            Vec::<String>::new()
        );
        let mut p = payment_with_instalments();
        p.instalments[1].number = 3;
        p.instalments[1].due_date = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
        p.instalments[1].paid_yen = 5;
        p.instalments[0].paid_on = Some(NaiveDate::from_ymd_opt(2025, 11, 2).unwrap());
        p.last_paid_on = None;
        assert_eq!(
            fields(SyncRecord::Payment(p)),
            vec![
                "instalments[0].paid_on",
                "instalments[1].number",
                "instalments[1].due_date",
                "instalments[1].paid_on",
                "paid_yen",
                "last_due_date",
                "last_paid_on",
            ]
        );
        let mut p = payment_with_instalments();
        p.instalments[0].amount_yen = -1;
        assert_eq!(
            fields(SyncRecord::Payment(p)),
            vec!["instalments[0].amount_yen", "assessed_yen"]
        );
    }

    #[test]
    fn collection_methods_are_one_or_more_without_repeats() {
        let mut a = assessment();
        a.collection_methods = vec![];
        assert_eq!(
            fields(SyncRecord::Assessment(a.clone())),
            vec!["collection_methods"]
        );
        a.collection_methods = vec![
            CollectionMethod::PayrollWithholding,
            CollectionMethod::DirectBilling,
            CollectionMethod::PayrollWithholding,
        ];
        assert_eq!(
            fields(SyncRecord::Assessment(a)),
            vec!["collection_methods[2]"]
        );
    }

    #[test]
    fn an_older_files_single_collection_method_is_read_conservatively() {
        let mut line = serde_json::to_value(SyncRecord::Assessment(assessment())).unwrap();
        line.as_object_mut().unwrap().remove("collection_methods");
        for (older, expected) in [
            ("withholding", vec![CollectionMethod::PensionWithholding]),
            ("direct_billing", vec![CollectionMethod::DirectBilling]),
            (
                "mixed",
                vec![
                    CollectionMethod::PensionWithholding,
                    CollectionMethod::DirectBilling,
                ],
            ),
        ] {
            line["collection_method"] = older.into();
            let SyncRecord::Assessment(read) = serde_json::from_value(line.clone()).unwrap() else {
                panic!("not an assessment");
            };
            assert_eq!(read.collection_methods, expected, "{older}");
        }
        line["collection_method"] = "lottery".into();
        assert!(serde_json::from_value::<SyncRecord>(line.clone()).is_err());
    }

    #[test]
    fn the_file_format_is_one_tagged_object_per_record() {
        let line = serde_json::to_string(&SyncRecord::CardLinkDeletion {
            card_serial: "0A1B".into(),
        })
        .unwrap();
        assert_eq!(
            line,
            r#"{"type":"card_link_deletion","card_serial":"0A1B"}"#
        );
        let back: SyncRecord = serde_json::from_str(&line).unwrap();
        assert_eq!(back.record_type(), RecordType::CardLinkDeletion);
    }
}
