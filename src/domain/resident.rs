//! The resident as the tax system and the resident registry know them, keyed by 宛名番号
//! (the tax system's person number) — never by My Number.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A resident's standing in the registry, which decides whether kiosk issuance is possible.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ResidentStatus {
    /// Registered here (住民), nothing blocking.
    Resident,
    /// A move-out (転出届) has been filed; it blocks issuance from the day it is filed.
    MovedOut {
        /// The day the move-out was filed (not the day of the move).
        filed_on: NaiveDate,
    },
    /// 死亡: the resident has died.
    Deceased {
        /// Date of death.
        on: NaiveDate,
    },
}

impl ResidentStatus {
    /// The code stored in the database.
    pub fn code(&self) -> &'static str {
        match self {
            ResidentStatus::Resident => "resident",
            ResidentStatus::MovedOut { .. } => "moved_out",
            ResidentStatus::Deceased { .. } => "deceased",
        }
    }

    /// The date that goes with the status (filing of the move-out, date of death).
    pub fn date(&self) -> Option<NaiveDate> {
        match self {
            ResidentStatus::Resident => None,
            ResidentStatus::MovedOut { filed_on } => Some(*filed_on),
            ResidentStatus::Deceased { on } => Some(*on),
        }
    }

    /// The status for a stored code and date; `None` for an unknown code, or a moved-out or
    /// deceased code without its date.
    pub fn from_code(code: &str, date: Option<NaiveDate>) -> Option<Self> {
        match (code, date) {
            ("resident", _) => Some(ResidentStatus::Resident),
            ("moved_out", Some(filed_on)) => Some(ResidentStatus::MovedOut { filed_on }),
            ("deceased", Some(on)) => Some(ResidentStatus::Deceased { on }),
            _ => None,
        }
    }
}

/// What kofu keeps of a person: what certificates print and what eligibility needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resident {
    /// 宛名番号: the tax system's person number.
    pub addressee_no: String,
    /// Family and given name separated by a full-width space, exactly as registered
    /// (MJ characters and variation selectors included).
    pub name: String,
    /// Katakana reading, family and given name separated by a full-width space.
    pub name_kana: String,
    /// 生年月日, Gregorian; printed in 和暦.
    pub birth_date: NaiveDate,
    /// Current address, exactly as registered.
    pub address: String,
    /// Registered, moved out or deceased.
    pub status: ResidentStatus,
    /// The day the person moved into the municipality, if they were not born here.
    pub moved_in_on: Option<NaiveDate>,
    /// DV / stalking support measure (支援措置).
    pub protection_measure: bool,
    /// The tax office stopped kiosk issuance for this person (税証明発行停止).
    pub issuance_stopped: bool,
}

/// A card link: the serial of a JPKI user-authentication certificate, resolved to a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardLink {
    /// The JPKI user-authentication certificate's serial number: opaque, never logged.
    pub card_serial: String,
    /// 宛名番号 of the person the card belongs to.
    pub addressee_no: String,
    /// First day the link may be used (Japan date); typically the day after the card was issued,
    /// the PIN reset or the move-in was registered.
    pub valid_from: NaiveDate,
    /// Last day the link may be used, inclusive; `None` while the certificate is valid.
    pub valid_until: Option<NaiveDate>,
}
