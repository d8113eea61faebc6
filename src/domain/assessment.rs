//! 賦課: one person's inhabitant-tax assessment for one fiscal year, as the tax system computed it.
//!
//! kofu never computes tax; it prints what the tax system assessed. Amounts are whole yen.

use serde::{Deserialize, Serialize};

/// Income kinds (所得の種類) as declarations and certificates list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncomeKind {
    /// 営業等所得: business income (sole proprietors, freelancers).
    Business,
    /// 農業所得: farming income.
    Agriculture,
    /// 不動産所得: rental income from land and buildings.
    RealEstate,
    /// 利子所得: interest income.
    Interest,
    /// 配当所得: dividend income.
    Dividend,
    /// 給与所得: employment income (salary after the employment-income deduction).
    Salary,
    /// 公的年金等所得: public-pension income.
    Pension,
    /// 雑所得（その他）: miscellaneous income other than business-like side work.
    Miscellaneous,
    /// 雑所得（業務）: miscellaneous income from business-like side work (e.g. manuscript fees).
    MiscellaneousBusiness,
    /// 総合譲渡所得: capital gains taxed together with other income.
    CapitalGains,
    /// 一時所得: occasional income (e.g. lump-sum insurance payouts, prizes).
    Occasional,
    /// 分離課税所得 as one line: an older file's form. New senders list separately taxed income
    /// by kind in `separate_income_lines` instead.
    SeparateTaxation,
}

impl IncomeKind {
    /// Every kind, in the order a certificate lists them.
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

    /// The kind for a sync/storage code; `None` for an unknown code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Whether the line may be a loss (income below zero): 営業等, 農業, 不動産 and 総合譲渡
    /// (所得税法 §69: the kinds whose losses enter 損益通算).
    pub fn may_be_loss(self) -> bool {
        matches!(
            self,
            IncomeKind::Business
                | IncomeKind::Agriculture
                | IncomeKind::RealEstate
                | IncomeKind::CapitalGains
        )
    }

    /// The label a certificate prints: the statute's names (所得税法 §23–35), 雑所得 split into
    /// 公的年金等, 業務 and その他 as the return form (and §35) splits it.
    pub fn label(self) -> &'static str {
        match self {
            IncomeKind::Business => "営業等所得",
            IncomeKind::Agriculture => "農業所得",
            IncomeKind::RealEstate => "不動産所得",
            IncomeKind::Interest => "利子所得",
            IncomeKind::Dividend => "配当所得",
            IncomeKind::Salary => "給与所得",
            IncomeKind::Pension => "雑所得（公的年金等）",
            IncomeKind::MiscellaneousBusiness => "雑所得（業務）",
            IncomeKind::Miscellaneous => "雑所得（その他）",
            IncomeKind::CapitalGains => "総合譲渡所得",
            IncomeKind::Occasional => "一時所得",
            IncomeKind::SeparateTaxation => "分離課税の所得",
        }
    }
}

/// Income deductions (所得控除).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeductionKind {
    /// 社会保険料控除: social-insurance premiums (health, pension, care).
    SocialInsurance,
    /// 小規模企業共済等掛金控除: small-business mutual-aid and iDeCo contributions.
    SmallBusinessMutualAid,
    /// 生命保険料控除: life-insurance premiums.
    LifeInsurance,
    /// 地震保険料控除: earthquake-insurance premiums.
    EarthquakeInsurance,
    /// 寡婦控除: deduction for widows.
    Widow,
    /// ひとり親控除: deduction for single parents.
    SingleParent,
    /// 勤労学生控除: deduction for working students.
    WorkingStudent,
    /// 障害者控除: deduction for disabled taxpayers or dependants.
    Disability,
    /// 配偶者控除: spouse deduction.
    Spouse,
    /// 配偶者特別控除: special spouse deduction (spouse with income above the spouse-deduction limit).
    SpouseSpecial,
    /// 扶養控除: dependant deduction.
    Dependant,
    /// 特定親族特別控除: special deduction for relatives aged 19–22 whose income is above the
    /// dependant limit (new).
    SpecificRelativeSpecial,
    /// 基礎控除: basic deduction.
    Basic,
    /// 雑損控除: casualty-loss deduction (disaster, theft).
    Casualty,
    /// 医療費控除: medical-expense deduction.
    Medical,
}

impl DeductionKind {
    /// Every deduction, in the order a certificate lists them.
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

    /// The deduction for a sync/storage code; `None` for an unknown code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The label a certificate prints, e.g. 「社会保険料控除」.
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

/// Separately taxed income (分離課税), each kind with its own rates and its own line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeparateIncomeKind {
    /// 短期譲渡所得: gains on land and buildings held five years or less.
    ShortTermRealEstate,
    /// 長期譲渡所得: gains on land and buildings held more than five years.
    LongTermRealEstate,
    /// 株式等に係る譲渡所得等: gains on shares (一般株式等 and 上場株式等).
    Shares,
    /// 上場株式等に係る配当所得等: listed-share dividends the person chose to tax separately.
    ListedDividends,
    /// 先物取引に係る雑所得等: futures and other derivatives.
    Futures,
    /// 山林所得: timber sold after more than five years; its loss enters 損益通算.
    Forestry,
    /// 退職所得: retirement allowances assessed with the year (not withheld at source).
    Retirement,
}

impl SeparateIncomeKind {
    /// Every kind, in the order a certificate lists them: the order the deductions left over
    /// from the income taxed together reach them (所得税法87条2項 and 租税特別措置法施行令).
    pub const ALL: [SeparateIncomeKind; 7] = [
        SeparateIncomeKind::ShortTermRealEstate,
        SeparateIncomeKind::LongTermRealEstate,
        SeparateIncomeKind::Shares,
        SeparateIncomeKind::ListedDividends,
        SeparateIncomeKind::Futures,
        SeparateIncomeKind::Forestry,
        SeparateIncomeKind::Retirement,
    ];

    /// The code used in sync records and storage.
    pub fn code(self) -> &'static str {
        match self {
            SeparateIncomeKind::ShortTermRealEstate => "short_term_real_estate",
            SeparateIncomeKind::LongTermRealEstate => "long_term_real_estate",
            SeparateIncomeKind::Shares => "shares",
            SeparateIncomeKind::ListedDividends => "listed_dividends",
            SeparateIncomeKind::Futures => "futures",
            SeparateIncomeKind::Forestry => "forestry",
            SeparateIncomeKind::Retirement => "retirement",
        }
    }

    /// The kind for a sync/storage code; `None` for an unknown code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Whether the line may be a loss: only 山林. A loss on land or shares is not a loss of the
    /// year's income (it is 0 here; shares carry theirs forward within their own kind).
    pub fn may_be_loss(self) -> bool {
        self == SeparateIncomeKind::Forestry
    }

    /// The label a certificate prints (租税特別措置法's names, shortened as return forms do).
    pub fn label(self) -> &'static str {
        match self {
            SeparateIncomeKind::ShortTermRealEstate => "短期譲渡所得",
            SeparateIncomeKind::LongTermRealEstate => "長期譲渡所得",
            SeparateIncomeKind::Shares => "株式等の譲渡所得等",
            SeparateIncomeKind::ListedDividends => "上場株式等の配当所得等",
            SeparateIncomeKind::Futures => "先物取引に係る雑所得等",
            SeparateIncomeKind::Forestry => "山林所得",
            SeparateIncomeKind::Retirement => "退職所得",
        }
    }
}

/// One separately taxed income line: 収入金額 and 所得金額 of one kind, in yen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeparateIncomeLine {
    /// Which separately taxed income.
    pub kind: SeparateIncomeKind,
    /// 収入金額 (never negative).
    pub revenue_yen: i64,
    /// 所得金額 (negative only for 山林).
    pub income_yen: i64,
    /// 課税標準額 of this kind (課税短期譲渡所得金額, 課税山林所得金額 …): its income less the
    /// deductions left over from the income taxed together, floored to ¥1,000. `None` in an
    /// older file, which gave only the separate base as one sum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taxable_base_yen: Option<i64>,
}

/// The person's own categories (本人該当区分), as the assessment found them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonCategory {
    /// 障害者 (普通障害者).
    Disabled,
    /// 特別障害者: a severe disability.
    SpeciallyDisabled,
    /// 寡婦.
    Widow,
    /// ひとり親.
    SingleParent,
    /// 勤労学生.
    WorkingStudent,
}

impl PersonCategory {
    /// Every category, in the order a certificate lists them.
    pub const ALL: [PersonCategory; 5] = [
        PersonCategory::Disabled,
        PersonCategory::SpeciallyDisabled,
        PersonCategory::Widow,
        PersonCategory::SingleParent,
        PersonCategory::WorkingStudent,
    ];

    /// The code used in sync records and storage.
    pub fn code(self) -> &'static str {
        match self {
            PersonCategory::Disabled => "disabled",
            PersonCategory::SpeciallyDisabled => "specially_disabled",
            PersonCategory::Widow => "widow",
            PersonCategory::SingleParent => "single_parent",
            PersonCategory::WorkingStudent => "working_student",
        }
    }

    /// The category for a sync/storage code; `None` for an unknown code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The label a certificate prints.
    pub fn label(self) -> &'static str {
        match self {
            PersonCategory::Disabled => "障害者",
            PersonCategory::SpeciallyDisabled => "特別障害者",
            PersonCategory::Widow => "寡婦",
            PersonCategory::SingleParent => "ひとり親",
            PersonCategory::WorkingStudent => "勤労学生",
        }
    }

    /// The income deduction that requires this category, if one does.
    pub fn deduction(self) -> Option<DeductionKind> {
        match self {
            PersonCategory::Widow => Some(DeductionKind::Widow),
            PersonCategory::SingleParent => Some(DeductionKind::SingleParent),
            PersonCategory::WorkingStudent => Some(DeductionKind::WorkingStudent),
            PersonCategory::Disabled | PersonCategory::SpeciallyDisabled => None,
        }
    }
}

impl CollectionMethod {
    /// Every method.
    pub const ALL: [CollectionMethod; 3] = [
        CollectionMethod::PayrollWithholding,
        CollectionMethod::PensionWithholding,
        CollectionMethod::DirectBilling,
    ];

    /// The code used in sync records and storage.
    pub fn code(self) -> &'static str {
        match self {
            CollectionMethod::PayrollWithholding => "payroll_withholding",
            CollectionMethod::PensionWithholding => "pension_withholding",
            CollectionMethod::DirectBilling => "direct_billing",
        }
    }

    /// The method for a sync/storage code; `None` for an unknown code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.code() == code)
    }

    /// The methods an older batch's single `collection_method` code stands for. That code did
    /// not say whose withholding: "withholding" is read as pension withholding, whose year opens
    /// with direct billing, so that an older file never opens a year early for anyone.
    pub fn from_older_code(code: &str) -> Option<Vec<Self>> {
        match code {
            "withholding" => Some(vec![CollectionMethod::PensionWithholding]),
            "direct_billing" => Some(vec![CollectionMethod::DirectBilling]),
            "mixed" => Some(vec![
                CollectionMethod::PensionWithholding,
                CollectionMethod::DirectBilling,
            ]),
            _ => None,
        }
    }
}

/// How a year's inhabitant tax is collected. A person may have several at once (salary withheld
/// by the employer and business income billed directly, say).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CollectionMethod {
    /// 給与特別徴収: withheld from salary by the employer, June to May (July to May in FY2024,
    /// whose 定額減税 left June at nothing).
    PayrollWithholding,
    /// 年金特別徴収: withheld from the public pension, from pensioners 65 and over.
    PensionWithholding,
    /// 普通徴収: billed directly to the person, paid in instalments (期別).
    DirectBilling,
}

/// Reads `collection_methods` as a list of codes, or an older file's single `collection_method`
/// code (see [`CollectionMethod::from_older_code`]).
fn methods_or_older_code<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<CollectionMethod>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Form {
        List(Vec<CollectionMethod>),
        Older(String),
    }
    match Form::deserialize(deserializer)? {
        Form::List(methods) => Ok(methods),
        Form::Older(code) => CollectionMethod::from_older_code(&code).ok_or_else(|| {
            serde::de::Error::custom(
                "collection_method must be withholding, direct_billing or mixed",
            )
        }),
    }
}

/// One income line: 収入金額 and 所得金額 for one kind of income, in yen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncomeLine {
    /// Which income (所得の種類).
    pub kind: IncomeKind,
    /// 収入金額
    pub revenue_yen: i64,
    /// 所得金額
    pub income_yen: i64,
}

/// One income deduction (所得控除) and its amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeductionLine {
    /// Which deduction.
    pub kind: DeductionKind,
    /// The amount deducted, in yen.
    pub amount_yen: i64,
}

/// Tax credits (税額控除), taken off the income levies (所得割) before them to give those after.
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
    /// 地方税法附則3条の3: for someone just above the income-levy non-taxable limit, each levy
    /// (after the credits above) is reduced to its rate of 総所得金額等 above the limit. Not a
    /// 税額控除 in name, but it is taken off the same way and printed with them, so the levy after
    /// can be explained.
    LowIncomeRelief,
    /// 定額減税: the one-off flat reduction of 令和6年度 (¥10,000 per person: the taxpayer,
    /// the spouse and each dependant), and in 令和7年度 the ¥10,000 for a spouse who was not
    /// counted in 令和6年度 (控除対象配偶者以外の同一生計配偶者).
    FlatRateReduction,
}

impl TaxCreditKind {
    /// Every credit kind, in the order a certificate lists them.
    pub const ALL: [TaxCreditKind; 7] = [
        TaxCreditKind::Adjustment,
        TaxCreditKind::Dividend,
        TaxCreditKind::HousingLoan,
        TaxCreditKind::Donation,
        TaxCreditKind::Other,
        TaxCreditKind::LowIncomeRelief,
        TaxCreditKind::FlatRateReduction,
    ];

    /// The code used in sync records and storage.
    pub fn code(self) -> &'static str {
        match self {
            TaxCreditKind::Adjustment => "adjustment",
            TaxCreditKind::Dividend => "dividend",
            TaxCreditKind::HousingLoan => "housing_loan",
            TaxCreditKind::Donation => "donation",
            TaxCreditKind::Other => "other",
            TaxCreditKind::LowIncomeRelief => "low_income_relief",
            TaxCreditKind::FlatRateReduction => "flat_rate_reduction",
        }
    }

    /// The credit for a sync/storage code; `None` for an unknown code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The label a certificate prints, e.g. 「調整控除」.
    pub fn label(self) -> &'static str {
        match self {
            TaxCreditKind::Adjustment => "調整控除",
            TaxCreditKind::Dividend => "配当控除",
            TaxCreditKind::HousingLoan => "住宅借入金等特別税額控除",
            TaxCreditKind::Donation => "寄附金税額控除",
            TaxCreditKind::Other => "その他の税額控除",
            TaxCreditKind::LowIncomeRelief => "非課税限度額による減額",
            TaxCreditKind::FlatRateReduction => "定額減税",
        }
    }
}

/// One tax credit (税額控除) and its amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxCreditLine {
    /// Which credit.
    pub kind: TaxCreditKind,
    /// The amount credited, in yen (municipal and prefectural together).
    pub amount_yen: i64,
    /// The municipality's share of `amount_yen`; the prefecture's is the rest. `None` in an older
    /// file, which gave the credit as one sum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub municipal_amount_yen: Option<i64>,
}

impl TaxCreditLine {
    /// The (municipal, prefectural) shares, when the file gave them.
    pub fn shares_yen(&self) -> Option<(i64, i64)> {
        self.municipal_amount_yen
            .map(|m| (m, self.amount_yen.saturating_sub(m)))
    }
}

/// Spouse and dependants as counted for the assessment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dependants {
    /// 控除対象配偶者 (or 配偶者特別控除 target) exists.
    pub has_qualifying_spouse: bool,
    /// 一般扶養親族: ordinary dependants (aged 16–18 or 23–69).
    pub general: u8,
    /// 特定扶養親族: specified dependants (aged 19–22).
    pub specific: u8,
    /// 老人扶養親族: elderly dependants (aged 70 or over).
    pub elderly: u8,
    /// 同居老親等: elderly dependants who are parents (or grandparents) living with the taxpayer.
    pub elderly_cohabiting_parents: u8,
    /// 年少扶養親族: dependants under 16 (counted, no deduction).
    pub under_16: u8,
    /// 特別障害者: dependants (or spouse) with a severe disability.
    pub disabled_special: u8,
    /// 普通障害者: dependants (or spouse) with another disability.
    pub disabled_ordinary: u8,
    /// 同居特別障害者: those with a severe disability who live with the taxpayer.
    pub disabled_special_cohabiting: u8,
}

/// Tax amounts, split municipal (特別区民税 / 市民税 / 町民税) and prefectural (都民税 / 県民税 …).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxAmounts {
    /// 課税標準額 (総合): income taxed together, less the deductions.
    pub taxable_base_yen: i64,
    /// 課税標準額 (分離): separately taxed income left after the deductions; 0 without any.
    #[serde(default)]
    pub separate_taxable_base_yen: i64,
    /// 所得割 of the municipality before the tax credits (算出所得割額); `None` in an older file,
    /// which gave only the levy after them.
    #[serde(default)]
    pub municipal_income_levy_before_credits_yen: Option<i64>,
    /// 所得割 of the prefecture before the tax credits; `None` in an older file.
    #[serde(default)]
    pub prefectural_income_levy_before_credits_yen: Option<i64>,
    /// 所得割 of the municipality (特別区民税 / 市民税) after the tax credits, yen.
    pub municipal_income_levy_yen: i64,
    /// 均等割 of the municipality, yen.
    pub municipal_per_capita_levy_yen: i64,
    /// 所得割 of the prefecture (都民税 / 県民税) after the tax credits, yen.
    pub prefectural_income_levy_yen: i64,
    /// 均等割 of the prefecture, yen.
    pub prefectural_per_capita_levy_yen: i64,
    /// 森林環境税: national, ¥1,000 from FY2024, collected with the per-capita levy.
    pub forest_env_tax_yen: i64,
    /// 年税額: the sum of the levies and the forest environment tax.
    pub total_yen: i64,
}

impl TaxAmounts {
    /// The sum the total must equal.
    /// Saturating, so that hostile input cannot overflow it.
    pub fn sum_of_parts(&self) -> i64 {
        [
            self.municipal_income_levy_yen,
            self.municipal_per_capita_levy_yen,
            self.prefectural_income_levy_yen,
            self.prefectural_per_capita_levy_yen,
            self.forest_env_tax_yen,
        ]
        .into_iter()
        .fold(0, i64::saturating_add)
    }
}

/// One person's assessment for one fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    /// 宛名番号: the tax system's person number (not My Number).
    pub addressee_no: String,
    /// The Gregorian year the fiscal year starts in (2025 = 令和7年度).
    pub fiscal_year: i32,
    /// The address on the assessment date (1 January); `None` when the person did not live here then.
    pub address_on_assessment_date: Option<String>,
    /// A declaration or a withholding report exists (not 未申告).
    pub declared: bool,
    /// Any levy is charged (課税); false for 非課税.
    pub taxable: bool,
    /// How the tax is collected (one or more methods, no repeats); decides when the new fiscal
    /// year opens to kiosks. An older file's `collection_method` is read too.
    #[serde(
        alias = "collection_method",
        deserialize_with = "methods_or_older_code"
    )]
    pub collection_methods: Vec<CollectionMethod>,
    /// 所得の内訳: income per kind; kinds with no income are left out.
    pub income_lines: Vec<IncomeLine>,
    /// 分離課税の所得: separately taxed income per kind; kinds with none are left out.
    #[serde(default)]
    pub separate_income_lines: Vec<SeparateIncomeLine>,
    /// 所得控除: deductions per kind.
    pub deduction_lines: Vec<DeductionLine>,
    /// 合計所得金額: the income lines (総合 and 分離) after 損益通算; never negative (a net
    /// loss is 0 here and carried forward by the tax system).
    pub total_income_yen: i64,
    /// 繰越損失の控除額: losses of earlier years deducted this year (純損失・雑損失の繰越控除).
    #[serde(default)]
    pub carried_forward_loss_yen: i64,
    /// 所得金額調整控除 (租税特別措置法 §41-3-3, applied to inhabitant tax): already taken off the
    /// 給与所得 line's income, printed so the line can be explained from its revenue. 0 without.
    #[serde(default)]
    pub income_adjustment_yen: i64,
    /// 総所得金額等: 合計所得金額 less the carried-forward losses deducted.
    pub aggregate_income_yen: i64,
    /// 控除対象配偶者 and the counts of 扶養親族 and 障害者.
    pub dependants: Dependants,
    /// Taxable base and tax amounts.
    pub tax: TaxAmounts,
    /// Tax credits already deducted in the income levies.
    #[serde(default)]
    pub tax_credits: Vec<TaxCreditLine>,
    /// The assessment is being corrected (更正中): no certificate until it settles.
    pub under_revision: bool,
    /// 本人該当区分: the person's own categories, no repeats.
    #[serde(default)]
    pub own_categories: Vec<PersonCategory>,
    /// Named as a dependant (or qualifying spouse) on another taxpayer's return or withholding
    /// report. With no declaration of their own this is what a 非課税証明書 can rest on.
    #[serde(default)]
    pub declared_as_dependant: bool,
}

impl Assessment {
    /// 所得控除の合計: the sum of the deduction lines, yen.
    pub fn total_deductions_yen(&self) -> i64 {
        self.deduction_lines.iter().map(|d| d.amount_yen).sum()
    }

    /// Every income of the year, 総合 and 分離, as (income yen) in listing order.
    pub fn incomes_yen(&self) -> impl Iterator<Item = i64> + '_ {
        self.income_lines
            .iter()
            .map(|l| l.income_yen)
            .chain(self.separate_income_lines.iter().map(|l| l.income_yen))
    }
}

/// 収納: what was assessed and paid for one tax item in one fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// 宛名番号: the tax system's person number.
    pub addressee_no: String,
    /// The Gregorian year the fiscal year starts in (2025 = 令和7年度).
    pub fiscal_year: i32,
    /// e.g. "inhabitant_tax"
    pub tax_item: String,
    /// 調定額: the tax assessed for the year, yen.
    pub assessed_yen: i64,
    /// 収納額: what has been paid so far, yen.
    pub paid_yen: i64,
    /// 未納額: assessed minus paid, never below zero, yen.
    pub unpaid_yen: i64,
    /// 最終納期限: the due date of the year's last instalment.
    pub last_due_date: Option<chrono::NaiveDate>,
    /// The day of the latest payment the tax system knows of; `None` if nothing was paid.
    pub last_paid_on: Option<chrono::NaiveDate>,
    /// 期別: the year's instalments in due-date order. When given, the year's totals,
    /// 最終納期限 and last payment day must follow from them (the sync checks it). An older file
    /// has none: then the year's totals are all kofu knows.
    #[serde(default)]
    pub instalments: Vec<Instalment>,
}

/// One instalment (期別) of a year's tax: 納期限, amount and what was paid of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instalment {
    /// 期: 1, 2, … in due-date order (direct billing has 4, payroll withholding 12).
    pub number: u8,
    /// 納期限: the last day it may be paid on time.
    pub due_date: chrono::NaiveDate,
    /// 期別税額, yen.
    pub amount_yen: i64,
    /// What was paid of it, yen (a withheld instalment is paid when the employer or pension
    /// fund remits it).
    pub paid_yen: i64,
    /// The day it was paid (the latest day, for a part payment); `None` if nothing was paid.
    pub paid_on: Option<chrono::NaiveDate>,
}

impl Instalment {
    /// What is still owed of it, yen (an overpayment owes nothing).
    pub fn unpaid_yen(&self) -> i64 {
        (self.amount_yen - self.paid_yen).max(0)
    }
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
        for kind in SeparateIncomeKind::ALL {
            assert_eq!(SeparateIncomeKind::from_code(kind.code()), Some(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.code());
        }
        for category in PersonCategory::ALL {
            assert_eq!(PersonCategory::from_code(category.code()), Some(category));
            assert_eq!(serde_json::to_value(category).unwrap(), category.code());
        }
        for method in CollectionMethod::ALL {
            assert_eq!(CollectionMethod::from_code(method.code()), Some(method));
            assert_eq!(serde_json::to_value(method).unwrap(), method.code());
        }
    }
}
