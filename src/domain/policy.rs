//! A municipality's issuance policy: what it offers at kiosks, for how much, and from when.
//! Plain data read from configuration; the rules in `eligibility` apply it.

use super::certificate::CertificateKind;
use super::era::{FirstYear, Fy2019Label};
use serde::{Deserialize, Serialize};

/// A month and day, e.g. the day the new fiscal year's certificates open (6月1日).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthDay {
    pub month: u32,
    pub day: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// Certificate kinds offered at kiosks.
    pub kinds_offered: Vec<CertificateKind>,
    /// Fee per copy, yen, for every kind offered.
    pub fee_yen: FeeTable,
    /// How many fiscal years back are offered, the latest included (1 to 4).
    pub years_offered: u8,
    /// The day the new fiscal year's certificates become available.
    pub switchover: MonthDay,
    /// Minimum age of the applicant on the day of issue.
    pub min_age: u32,
    /// Copies per request at most.
    pub max_copies: u32,
    /// How year 1 of an era prints (元年 or 1年).
    pub first_year: FirstYear,
    /// How fiscal year 2019 is labelled.
    pub fy2019_label: Fy2019Label,
}

/// Fees per copy per kind, yen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeeTable {
    pub income: u32,
    pub taxation: u32,
    pub income_and_taxation: u32,
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
            years_offered: 4,
            switchover: MonthDay { month: 6, day: 1 },
            min_age: 15,
            max_copies: 10,
            first_year: FirstYear::Gannen,
            fy2019_label: Fy2019Label::Reiwa,
        }
    }
}
