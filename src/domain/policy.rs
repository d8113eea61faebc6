//! A municipality's issuance policy: what it offers at kiosks, for how much, from when, in which
//! hours, and how it treats arrears. Plain data read from configuration (every field has the
//! default shown on `Policy::default`); the rules in `eligibility` apply it.

use super::assessment::CollectionMethod;
use super::certificate::CertificateKind;
use super::era::{FirstYear, Fy2019Label};
use super::retention::Retention;
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

/// A month and day, e.g. the day the new fiscal year's certificates open (6月1日).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MonthDay {
    /// Month, 1–12.
    pub month: u32,
    /// Day of the month, 1–31 (checked against the month when the configuration loads).
    pub day: u32,
}

impl MonthDay {
    /// The day `month`/`day`; not checked here (configuration loading checks it).
    pub const fn new(month: u32, day: u32) -> Self {
        Self { month, day }
    }

    fn of(date: NaiveDate) -> Self {
        Self::new(date.month(), date.day())
    }

    /// This day in `year` (29 February falls back to 28 February).
    pub fn in_year(self, year: i32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, self.month, self.day)
            .or_else(|| NaiveDate::from_ymd_opt(year, self.month, self.day - 1))
            .expect("validated month and day")
    }
}

/// A time of day written "HH:MM" in configuration, Japan time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClockTime(pub NaiveTime);

impl TryFrom<String> for ClockTime {
    type Error = String;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        NaiveTime::parse_from_str(&text, "%H:%M")
            .map(ClockTime)
            .map_err(|_| format!("{text:?} is not a time of day HH:MM"))
    }
}

impl From<ClockTime> for String {
    fn from(t: ClockTime) -> Self {
        t.0.format("%H:%M").to_string()
    }
}

/// A recurring closure, inclusive, which may run over the new year (12-29 to 01-03).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosedPeriod {
    /// First closed day, inclusive.
    pub from: MonthDay,
    /// Last closed day, inclusive; may be earlier in the year than `from` (runs over the new year).
    pub to: MonthDay,
}

/// A one-off maintenance stop, Japan time, from inclusive to exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaintenanceWindow {
    /// Stop starts (inclusive), Japan local time.
    pub from: NaiveDateTime,
    /// Stop ends (exclusive), Japan local time.
    pub to: NaiveDateTime,
}

/// The day the new fiscal year's certificates open, by how the person pays. Employers hand out
/// payroll withholding notices in May, so only payroll withholding opens early (e.g. 5月15日);
/// pension withholding and direct billing are notified in June. A person with several methods
/// follows the latest of theirs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Switchover {
    /// 給与特別徴収 (an older configuration's `withholding` means this).
    #[serde(alias = "withholding")]
    pub payroll_withholding: MonthDay,
    /// 年金特別徴収.
    pub pension_withholding: MonthDay,
    /// 普通徴収.
    pub direct_billing: MonthDay,
}

impl Default for Switchover {
    fn default() -> Self {
        Self {
            payroll_withholding: MonthDay::new(5, 15),
            pension_withholding: MonthDay::new(6, 1),
            direct_billing: MonthDay::new(6, 1),
        }
    }
}

impl Switchover {
    /// The day for one method.
    pub fn of(&self, method: CollectionMethod) -> MonthDay {
        match method {
            CollectionMethod::PayrollWithholding => self.payroll_withholding,
            CollectionMethod::PensionWithholding => self.pension_withholding,
            CollectionMethod::DirectBilling => self.direct_billing,
        }
    }

    /// The day for a person collected by `methods`: the latest of theirs; with none known (no
    /// assessment yet), the latest of all.
    pub fn day(&self, methods: &[CollectionMethod]) -> MonthDay {
        let methods = if methods.is_empty() {
            &CollectionMethod::ALL[..]
        } else {
            methods
        };
        methods
            .iter()
            .map(|&m| self.of(m))
            .max()
            .expect("at least one method")
    }

    /// The earliest day any method opens.
    pub fn earliest(&self) -> MonthDay {
        CollectionMethod::ALL
            .iter()
            .map(|&m| self.of(m))
            .min()
            .expect("three methods")
    }
}

/// How a 納税証明書 treats money still owed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ArrearsPolicy {
    /// Refuse a tax payment certificate while an instalment past its due date is unpaid.
    pub refuse_with_arrears: bool,
    /// Bank and store payments take weeks to reach the tax system: an unpaid instalment with a
    /// payment within this many days may already be paid, so the resident is sent to the counter.
    pub reflection_lag_days: u32,
}

impl Default for ArrearsPolicy {
    fn default() -> Self {
        Self {
            refuse_with_arrears: true,
            reflection_lag_days: 21,
        }
    }
}

/// Fiscal years offered per kind, the newest open one included (1 to `retention.years_kept`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct YearsOffered {
    /// 所得証明書: years offered, default 4.
    pub income: u8,
    /// 課税(非課税)証明書: years offered, default 4.
    pub taxation: u8,
    /// 所得・課税証明書: years offered, default 4.
    pub income_and_taxation: u8,
    /// 納税証明書: years offered, default 4.
    pub tax_payment: u8,
}

impl Default for YearsOffered {
    fn default() -> Self {
        Self {
            income: 4,
            taxation: 4,
            income_and_taxation: 4,
            tax_payment: 4,
        }
    }
}

impl YearsOffered {
    /// The number of fiscal years offered for `kind`.
    pub fn of(&self, kind: CertificateKind) -> u8 {
        match kind {
            CertificateKind::Income => self.income,
            CertificateKind::Taxation => self.taxation,
            CertificateKind::IncomeAndTaxation => self.income_and_taxation,
            CertificateKind::TaxPayment => self.tax_payment,
        }
    }
}

/// One municipality's kiosk rules (`[municipalities.policy]`); a missing key takes the default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// Certificate kinds offered at kiosks.
    pub kinds_offered: Vec<CertificateKind>,
    /// Fee per copy, yen, for every kind offered.
    pub fee_yen: FeeTable,
    /// How many fiscal years each kind offers (1 to `retention.years_kept`, the years kofu keeps).
    pub years_offered: YearsOffered,
    /// When the new fiscal year opens to kiosks, per collection method.
    pub switchover: Switchover,
    /// Kiosk service opens (inclusive) and closes (exclusive), Japan time.
    pub opens: ClockTime,
    /// When service closes (exclusive), Japan time; must be after `opens`.
    pub closes: ClockTime,
    /// Recurring closures, e.g. the new-year holidays.
    pub closed_days: Vec<ClosedPeriod>,
    /// One-off maintenance stops.
    pub maintenance: Vec<MaintenanceWindow>,
    /// Minimum age of the applicant on the day of issue.
    pub min_age: u32,
    /// Copies per request at most.
    pub max_copies: u32,
    /// How a 納税証明書 treats unpaid instalments.
    pub arrears: ArrearsPolicy,
    /// Issue a 非課税証明書 to a person with no declaration of their own who is named as a
    /// dependant on someone else's return (it shows no income figures). Off by default: many
    /// wards ask such people to declare at the counter first.
    pub allow_dependant_nontax: bool,
    /// How year 1 of an era prints (元年 or 1年).
    pub first_year: FirstYear,
    /// How fiscal year 2019 is labelled.
    pub fy2019_label: Fy2019Label,
    /// How long tax data and issuance records are kept.
    pub retention: Retention,
    /// Each kind's title, where the municipality's differs from the default (e.g. Shinjuku's
    /// 課税（非課税）証明書). Without one: 所得証明書, 課税証明書 or 非課税証明書 (by the year),
    /// 所得・課税証明書 or 所得・非課税証明書, 納税証明書.
    pub titles: KindTexts,
    /// A one-line note per kind, printed above 以下余白 (e.g. that the kiosk version omits a
    /// credit the counter version shows).
    pub notes: KindTexts,
    /// A 納税証明書 also shows the year's income and tax, as Shinjuku's does.
    pub tax_payment_summary: bool,
}

/// The longest title a municipality may set, in characters: it must fit the title line with
/// the fiscal year and the tax names.
pub const MAX_TITLE_CHARS: usize = 16;
/// The longest note a municipality may set, in characters: one line under the tables.
pub const MAX_NOTE_CHARS: usize = 60;

/// One optional text per certificate kind (`titles`, `notes`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KindTexts {
    /// 所得証明書.
    pub income: Option<String>,
    /// 課税(非課税)証明書.
    pub taxation: Option<String>,
    /// 所得・課税証明書.
    pub income_and_taxation: Option<String>,
    /// 納税証明書.
    pub tax_payment: Option<String>,
}

impl KindTexts {
    /// The text set for `kind`, if any.
    pub fn of(&self, kind: CertificateKind) -> Option<&str> {
        match kind {
            CertificateKind::Income => self.income.as_deref(),
            CertificateKind::Taxation => self.taxation.as_deref(),
            CertificateKind::IncomeAndTaxation => self.income_and_taxation.as_deref(),
            CertificateKind::TaxPayment => self.tax_payment.as_deref(),
        }
    }
}

/// Fees per copy per kind, yen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeeTable {
    /// 所得証明書, yen per copy.
    pub income: u32,
    /// 課税(非課税)証明書, yen per copy.
    pub taxation: u32,
    /// 所得・課税証明書, yen per copy.
    pub income_and_taxation: u32,
    /// 納税証明書, yen per copy.
    pub tax_payment: u32,
}

impl Default for FeeTable {
    fn default() -> Self {
        Self {
            income: 300,
            taxation: 300,
            income_and_taxation: 300,
            tax_payment: 300,
        }
    }
}

impl FeeTable {
    /// The fee per copy of `kind`, yen.
    pub fn per_copy(&self, kind: CertificateKind) -> u32 {
        match kind {
            CertificateKind::Income => self.income,
            CertificateKind::Taxation => self.taxation,
            CertificateKind::IncomeAndTaxation => self.income_and_taxation,
            CertificateKind::TaxPayment => self.tax_payment,
        }
    }
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            kinds_offered: CertificateKind::ALL.to_vec(),
            fee_yen: FeeTable::default(),
            years_offered: YearsOffered::default(),
            switchover: Switchover::default(),
            opens: ClockTime(NaiveTime::from_hms_opt(6, 30, 0).expect("valid time")),
            closes: ClockTime(NaiveTime::from_hms_opt(23, 0, 0).expect("valid time")),
            closed_days: vec![ClosedPeriod {
                from: MonthDay::new(12, 29),
                to: MonthDay::new(1, 3),
            }],
            maintenance: vec![],
            min_age: 15,
            max_copies: 10,
            arrears: ArrearsPolicy::default(),
            allow_dependant_nontax: false,
            first_year: FirstYear::Gannen,
            fy2019_label: Fy2019Label::Reiwa,
            retention: Retention::default(),
            titles: KindTexts::default(),
            notes: KindTexts::default(),
            tax_payment_summary: true,
        }
    }
}

impl ClosedPeriod {
    /// Whether `date` falls in the closure (both ends included, across the new year too).
    pub fn contains(&self, date: NaiveDate) -> bool {
        let day = MonthDay::of(date);
        if self.from <= self.to {
            self.from <= day && day <= self.to
        } else {
            day >= self.from || day <= self.to
        }
    }
}
