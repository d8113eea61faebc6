//! 賦課: one person's inhabitant-tax assessment for one fiscal year, as the tax system computed it.
//!
//! kofu never computes tax; it prints what the tax system assessed. Amounts are whole yen.

use serde::{Deserialize, Serialize};

/// Income kinds (所得の種類) as declarations and certificates list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncomeKind {
    Business,
    Agriculture,
    RealEstate,
    Interest,
    Dividend,
    Salary,
    Pension,
    Miscellaneous,
    MiscellaneousBusiness,
    CapitalGains,
    Occasional,
    SeparateTaxation,
}

impl IncomeKind {
    pub const ALL: [IncomeKind; 12] = [
        IncomeKind::Business,
        IncomeKind::Agriculture,
        IncomeKind::RealEstate,
        IncomeKind::Interest,
        IncomeKind::Dividend,
        IncomeKind::Salary,
        IncomeKind::Pension,
        IncomeKind::MiscellaneousBusiness,
        IncomeKind::Miscellaneous,
        IncomeKind::CapitalGains,
        IncomeKind::Occasional,
        IncomeKind::SeparateTaxation,
    ];

    /// The code used in sync records and storage.
    pub fn code(self) -> &'static str {
        match self {
            IncomeKind::Business => "business",
            IncomeKind::Agriculture => "agriculture",
            IncomeKind::RealEstate => "real_estate",
            IncomeKind::Interest => "interest",
            IncomeKind::Dividend => "dividend",
            IncomeKind::Salary => "salary",
            IncomeKind::Pension => "pension",
            IncomeKind::Miscellaneous => "miscellaneous",
            IncomeKind::MiscellaneousBusiness => "miscellaneous_business",
            IncomeKind::CapitalGains => "capital_gains",
            IncomeKind::Occasional => "occasional",
            IncomeKind::SeparateTaxation => "separate_taxation",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The label a certificate prints.
    pub fn label(self) -> &'static str {
        match self {
            IncomeKind::Business => "営業等",
            IncomeKind::Agriculture => "農業",
            IncomeKind::RealEstate => "不動産",
            IncomeKind::Interest => "利子",
            IncomeKind::Dividend => "配当",
            IncomeKind::Salary => "給与",
            IncomeKind::Pension => "公的年金等",
            IncomeKind::MiscellaneousBusiness => "雑（業務）",
            IncomeKind::Miscellaneous => "雑（その他）",
            IncomeKind::CapitalGains => "総合譲渡",
            IncomeKind::Occasional => "一時",
            IncomeKind::SeparateTaxation => "分離課税",
        }
    }
}

/// Income deductions (所得控除).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeductionKind {
    SocialInsurance,
    SmallBusinessMutualAid,
    LifeInsurance,
    EarthquakeInsurance,
    Widow,
    SingleParent,
    WorkingStudent,
    Disability,
    Spouse,
    SpouseSpecial,
    Dependant,
    SpecificRelativeSpecial,
    Basic,
    Casualty,
    Medical,
}

impl DeductionKind {
    pub const ALL: [DeductionKind; 15] = [
        DeductionKind::SocialInsurance,
        DeductionKind::SmallBusinessMutualAid,
        DeductionKind::LifeInsurance,
        DeductionKind::EarthquakeInsurance,
        DeductionKind::Widow,
        DeductionKind::SingleParent,
        DeductionKind::WorkingStudent,
        DeductionKind::Disability,
        DeductionKind::Spouse,
        DeductionKind::SpouseSpecial,
        DeductionKind::Dependant,
        DeductionKind::SpecificRelativeSpecial,
        DeductionKind::Basic,
        DeductionKind::Casualty,
        DeductionKind::Medical,
    ];

    /// The code used in sync records and storage.
    pub fn code(self) -> &'static str {
        match self {
            DeductionKind::SocialInsurance => "social_insurance",
            DeductionKind::SmallBusinessMutualAid => "small_business_mutual_aid",
            DeductionKind::LifeInsurance => "life_insurance",
            DeductionKind::EarthquakeInsurance => "earthquake_insurance",
            DeductionKind::Widow => "widow",
            DeductionKind::SingleParent => "single_parent",
            DeductionKind::WorkingStudent => "working_student",
            DeductionKind::Disability => "disability",
            DeductionKind::Spouse => "spouse",
            DeductionKind::SpouseSpecial => "spouse_special",
            DeductionKind::Dependant => "dependant",
            DeductionKind::SpecificRelativeSpecial => "specific_relative_special",
            DeductionKind::Basic => "basic",
            DeductionKind::Casualty => "casualty",
            DeductionKind::Medical => "medical",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            DeductionKind::SocialInsurance => "社会保険料控除",
            DeductionKind::SmallBusinessMutualAid => "小規模企業共済等掛金控除",
            DeductionKind::LifeInsurance => "生命保険料控除",
            DeductionKind::EarthquakeInsurance => "地震保険料控除",
            DeductionKind::Widow => "寡婦控除",
            DeductionKind::SingleParent => "ひとり親控除",
            DeductionKind::WorkingStudent => "勤労学生控除",
            DeductionKind::Disability => "障害者控除",
            DeductionKind::Spouse => "配偶者控除",
            DeductionKind::SpouseSpecial => "配偶者特別控除",
            DeductionKind::Dependant => "扶養控除",
            DeductionKind::SpecificRelativeSpecial => "特定親族特別控除",
            DeductionKind::Basic => "基礎控除",
            DeductionKind::Casualty => "雑損控除",
            DeductionKind::Medical => "医療費控除",
        }
    }
}

impl CollectionMethod {
    pub fn code(self) -> &'static str {
        match self {
            CollectionMethod::Withholding => "withholding",
            CollectionMethod::DirectBilling => "direct_billing",
            CollectionMethod::Mixed => "mixed",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [
            CollectionMethod::Withholding,
            CollectionMethod::DirectBilling,
            CollectionMethod::Mixed,
        ]
        .into_iter()
        .find(|m| m.code() == code)
    }
}

/// 特別徴収 (payroll or pension withholding) or 普通徴収 (direct billing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CollectionMethod {
    Withholding,
    DirectBilling,
    /// Partly withheld, partly billed: the later switchover date applies.
    Mixed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncomeLine {
    pub kind: IncomeKind,
    /// 収入金額
    pub revenue_yen: i64,
    /// 所得金額
    pub income_yen: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeductionLine {
    pub kind: DeductionKind,
    pub amount_yen: i64,
}

/// Tax credits (税額控除), already applied in the income levies: listed for the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxCreditKind {
    /// 調整控除
    Adjustment,
    /// 配当控除
    Dividend,
    /// 住宅借入金等特別税額控除
    HousingLoan,
    /// 寄附金税額控除
    Donation,
    /// 外国税額控除 and others
    Other,
}

impl TaxCreditKind {
    pub const ALL: [TaxCreditKind; 5] = [
        TaxCreditKind::Adjustment,
        TaxCreditKind::Dividend,
        TaxCreditKind::HousingLoan,
        TaxCreditKind::Donation,
        TaxCreditKind::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            TaxCreditKind::Adjustment => "adjustment",
            TaxCreditKind::Dividend => "dividend",
            TaxCreditKind::HousingLoan => "housing_loan",
            TaxCreditKind::Donation => "donation",
            TaxCreditKind::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            TaxCreditKind::Adjustment => "調整控除",
            TaxCreditKind::Dividend => "配当控除",
            TaxCreditKind::HousingLoan => "住宅借入金等特別税額控除",
            TaxCreditKind::Donation => "寄附金税額控除",
            TaxCreditKind::Other => "その他の税額控除",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxCreditLine {
    pub kind: TaxCreditKind,
    pub amount_yen: i64,
}

/// Spouse and dependants as counted for the assessment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dependants {
    /// 控除対象配偶者 (or 配偶者特別控除 target) exists.
    pub has_qualifying_spouse: bool,
    pub general: u8,
    pub specific: u8,
    pub elderly: u8,
    pub elderly_cohabiting_parents: u8,
    pub under_16: u8,
    pub disabled_special: u8,
    pub disabled_ordinary: u8,
    pub disabled_special_cohabiting: u8,
}

/// Tax amounts, split municipal (特別区民税 / 市民税 / 町民税) and prefectural (都民税 / 県民税 …).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxAmounts {
    /// 課税標準額 (総合)
    pub taxable_base_yen: i64,
    pub municipal_income_levy_yen: i64,
    pub municipal_per_capita_levy_yen: i64,
    pub prefectural_income_levy_yen: i64,
    pub prefectural_per_capita_levy_yen: i64,
    /// 森林環境税: national, ¥1,000 from FY2024, collected with the per-capita levy.
    pub forest_env_tax_yen: i64,
    /// 年税額: the sum of the levies and the forest environment tax.
    pub total_yen: i64,
}

impl TaxAmounts {
    /// The sum the total must equal.
    pub fn sum_of_parts(&self) -> i64 {
        self.municipal_income_levy_yen
            + self.municipal_per_capita_levy_yen
            + self.prefectural_income_levy_yen
            + self.prefectural_per_capita_levy_yen
            + self.forest_env_tax_yen
    }
}

/// One person's assessment for one fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    pub addressee_no: String,
    /// The Gregorian year the fiscal year starts in (2025 = 令和7年度).
    pub fiscal_year: i32,
    /// The address on the assessment date (1 January); `None` when the person did not live here then.
    pub address_on_assessment_date: Option<String>,
    /// A declaration or a withholding report exists (not 未申告).
    pub declared: bool,
    /// Any levy is charged (課税); false for 非課税.
    pub taxable: bool,
    pub collection_method: CollectionMethod,
    pub income_lines: Vec<IncomeLine>,
    pub deduction_lines: Vec<DeductionLine>,
    /// 合計所得金額
    pub total_income_yen: i64,
    /// 総所得金額等
    pub aggregate_income_yen: i64,
    pub dependants: Dependants,
    pub tax: TaxAmounts,
    /// Tax credits already deducted in the income levies.
    #[serde(default)]
    pub tax_credits: Vec<TaxCreditLine>,
    /// The assessment is being corrected (更正中): no certificate until it settles.
    pub under_revision: bool,
}

impl Assessment {
    pub fn total_deductions_yen(&self) -> i64 {
        self.deduction_lines.iter().map(|d| d.amount_yen).sum()
    }
}

/// 収納: what was assessed and paid for one tax item in one fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub addressee_no: String,
    pub fiscal_year: i32,
    /// e.g. "inhabitant_tax"
    pub tax_item: String,
    pub assessed_yen: i64,
    pub paid_yen: i64,
    pub unpaid_yen: i64,
    /// 最終納期限: the due date of the year's last instalment. Money unpaid after it is arrears.
    pub last_due_date: Option<chrono::NaiveDate>,
    pub last_paid_on: Option<chrono::NaiveDate>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_the_serde_names_and_round_trip() {
        for kind in IncomeKind::ALL {
            assert_eq!(IncomeKind::from_code(kind.code()), Some(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.code());
        }
        for kind in DeductionKind::ALL {
            assert_eq!(DeductionKind::from_code(kind.code()), Some(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.code());
        }
        for kind in TaxCreditKind::ALL {
            assert_eq!(TaxCreditKind::from_code(kind.code()), Some(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.code());
        }
        for method in [
            CollectionMethod::Withholding,
            CollectionMethod::DirectBilling,
            CollectionMethod::Mixed,
        ] {
            assert_eq!(CollectionMethod::from_code(method.code()), Some(method));
            assert_eq!(serde_json::to_value(method).unwrap(), method.code());
        }
    }
}
