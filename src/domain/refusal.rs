//! Refusals: the business answer "this cannot be issued at a kiosk", what of it leaves the
//! municipality, and the sentence the kiosk shows.
//!
//! A reason about the person (a support measure, a stop flag, a death, arrears, …) never leaves
//! the municipality: the relay receives [`Outward::AskAtCounter`] for all of them, with one "ask
//! at the counter" sentence, so that neither the centre nor someone at the resident's shoulder
//! learns anything. Reasons that are not about the person keep their own outward code. The
//! specific reason stays in the audit trail and the metrics.

use std::fmt;

/// Why a certificate cannot be issued at a kiosk. The reason stays in the municipality (audit,
/// metrics); the kiosk only shows [`RefusalReason::kiosk_message`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefusalReason {
    /// No card link for this JPKI serial today: unknown card, link not yet valid (new card, PIN
    /// reset, moved in) or expired.
    UnknownCard,
    /// 転出: a move-out is filed and its filing day has come, even before the move itself.
    MovedOut,
    /// 死亡: the resident has died.
    Deceased,
    /// 支援措置: the resident is under a DV/stalking protection measure; never told to the centre
    /// or the kiosk.
    SupportMeasure,
    /// 税証明発行停止: a clerk stopped kiosk issuance for this person by hand.
    IssuanceStopped,
    /// Younger than the municipality's `min_age` on the day of issue.
    UnderMinimumAge,
    /// Not assessed here on 1 January of the fiscal year (賦課期日), or no assessment for that year.
    NotResidentOnAssessmentDate,
    /// 未申告: no income declaration or withholding report for the year.
    NoDeclaration,
    /// The fiscal year is not offered now: older than the years offered, or not yet switched over.
    YearNotAvailable,
    /// The municipality does not offer this kind at kiosks.
    KindNotOffered,
    /// A 納税証明書 was asked for a year with no tax (非課税).
    NotTaxedYear,
    /// 滞納: an instalment is unpaid after its due date and the policy refuses such certificates.
    Arrears,
    /// An instalment shows unpaid but a payment within the reflection lag may have settled it.
    PaymentNotYetReflected,
    /// 更正中: the assessment is being corrected.
    UnderRevision,
    /// Outside service hours, on a closed day or during maintenance.
    OutsideServiceHours,
    /// The name or an address has a character no certificate font can print (外字 / MJ文字 missing).
    UnprintableCharacter,
    /// Today is the day the person moved in (転入日): the registry's change is not yet in the tax
    /// data.
    MovedInToday,
    /// 印字できない: the name, reading or an address is too long to print in full in its cell,
    /// or the page's content overflows one A4 page.
    DoesNotFit,
}

/// What the relay is told of a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outward {
    /// A reason that is not about the person, told as it is.
    Own(RefusalReason),
    /// Every reason about the person, told as one.
    AskAtCounter,
}

const ASK_AT_COUNTER: &str =
    "この証明書はコンビニ交付では発行できません。市区町村の窓口でお問い合わせください。";

impl RefusalReason {
    /// Every reason.
    pub const ALL: [RefusalReason; 18] = [
        RefusalReason::UnknownCard,
        RefusalReason::MovedOut,
        RefusalReason::Deceased,
        RefusalReason::SupportMeasure,
        RefusalReason::IssuanceStopped,
        RefusalReason::UnderMinimumAge,
        RefusalReason::NotResidentOnAssessmentDate,
        RefusalReason::NoDeclaration,
        RefusalReason::YearNotAvailable,
        RefusalReason::KindNotOffered,
        RefusalReason::NotTaxedYear,
        RefusalReason::Arrears,
        RefusalReason::PaymentNotYetReflected,
        RefusalReason::UnderRevision,
        RefusalReason::OutsideServiceHours,
        RefusalReason::UnprintableCharacter,
        RefusalReason::MovedInToday,
        RefusalReason::DoesNotFit,
    ];

    /// A stable code for metrics labels and the audit trail.
    pub fn code(self) -> &'static str {
        match self {
            RefusalReason::UnknownCard => "unknown_card",
            RefusalReason::MovedOut => "moved_out",
            RefusalReason::Deceased => "deceased",
            RefusalReason::SupportMeasure => "support_measure",
            RefusalReason::IssuanceStopped => "issuance_stopped",
            RefusalReason::UnderMinimumAge => "under_minimum_age",
            RefusalReason::NotResidentOnAssessmentDate => "not_resident_on_assessment_date",
            RefusalReason::NoDeclaration => "no_declaration",
            RefusalReason::YearNotAvailable => "year_not_available",
            RefusalReason::KindNotOffered => "kind_not_offered",
            RefusalReason::NotTaxedYear => "not_taxed_year",
            RefusalReason::Arrears => "arrears",
            RefusalReason::PaymentNotYetReflected => "payment_not_yet_reflected",
            RefusalReason::UnderRevision => "under_revision",
            RefusalReason::OutsideServiceHours => "outside_service_hours",
            RefusalReason::UnprintableCharacter => "unprintable_character",
            RefusalReason::MovedInToday => "moved_in_today",
            RefusalReason::DoesNotFit => "does_not_fit",
        }
    }

    /// What the relay is told.
    pub fn outward(self) -> Outward {
        match self {
            RefusalReason::UnknownCard
            | RefusalReason::UnderMinimumAge
            | RefusalReason::YearNotAvailable
            | RefusalReason::KindNotOffered
            | RefusalReason::OutsideServiceHours => Outward::Own(self),
            RefusalReason::MovedOut
            | RefusalReason::Deceased
            | RefusalReason::SupportMeasure
            | RefusalReason::IssuanceStopped
            | RefusalReason::NotResidentOnAssessmentDate
            | RefusalReason::NoDeclaration
            | RefusalReason::NotTaxedYear
            | RefusalReason::Arrears
            | RefusalReason::PaymentNotYetReflected
            | RefusalReason::UnderRevision
            | RefusalReason::UnprintableCharacter
            | RefusalReason::MovedInToday
            | RefusalReason::DoesNotFit => Outward::AskAtCounter,
        }
    }

    /// The sentence the kiosk shows the resident.
    pub fn kiosk_message(self) -> &'static str {
        match self.outward() {
            // Everything about the person reads the same, so that someone looking over the
            // resident's shoulder learns nothing (a support measure above all).
            Outward::AskAtCounter => ASK_AT_COUNTER,
            Outward::Own(RefusalReason::UnknownCard) => {
                "このカードでは証明書を発行できません。カードの交付や暗証番号の再設定の翌日からご利用いただけます。"
            }
            Outward::Own(RefusalReason::UnderMinimumAge) => {
                "年齢の条件により、コンビニ交付をご利用いただけません。"
            }
            Outward::Own(RefusalReason::YearNotAvailable) => {
                "ご指定の年度の証明書はコンビニ交付では発行できません。"
            }
            Outward::Own(RefusalReason::KindNotOffered) => {
                "この種類の証明書はコンビニ交付では発行していません。"
            }
            Outward::Own(RefusalReason::OutsideServiceHours) => {
                "現在はサービス提供時間外です。サービス提供時間内に再度ご利用ください。"
            }
            Outward::Own(_) => ASK_AT_COUNTER,
        }
    }
}

impl fmt::Display for RefusalReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_about_the_person_leave_as_one() {
        use RefusalReason as R;
        let own = [
            R::UnknownCard,
            R::UnderMinimumAge,
            R::YearNotAvailable,
            R::KindNotOffered,
            R::OutsideServiceHours,
        ];
        for reason in RefusalReason::ALL {
            if own.contains(&reason) {
                assert_eq!(reason.outward(), Outward::Own(reason));
                assert_ne!(reason.kiosk_message(), ASK_AT_COUNTER, "{reason}");
            } else {
                assert_eq!(reason.outward(), Outward::AskAtCounter, "{reason}");
                assert_eq!(reason.kiosk_message(), ASK_AT_COUNTER, "{reason}");
            }
        }
        let codes: std::collections::HashSet<&str> =
            RefusalReason::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(codes.len(), RefusalReason::ALL.len(), "codes are distinct");
    }

    #[test]
    fn support_measure_reads_like_any_personal_refusal() {
        assert_eq!(
            RefusalReason::SupportMeasure.kiosk_message(),
            RefusalReason::NoDeclaration.kiosk_message()
        );
        assert!(
            !RefusalReason::SupportMeasure
                .kiosk_message()
                .contains("支援")
        );
    }
}
