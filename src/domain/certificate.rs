//! A certificate request as kofu understands it once the wire format is checked: kind, year,
//! copies, who is asking and from which kiosk.

use super::fiscal_year;
use super::lg_code::LgCode;
use std::fmt;

/// The four certificate kinds kiosks can print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CertificateKind {
    /// 所得証明書
    Income,
    /// 課税証明書 / 非課税証明書
    Taxation,
    /// 所得・課税証明書
    IncomeAndTaxation,
    /// 納税証明書
    TaxPayment,
}

impl CertificateKind {
    /// Every kind, in the order kiosks list them.
    pub const ALL: [CertificateKind; 4] = [
        CertificateKind::Income,
        CertificateKind::Taxation,
        CertificateKind::IncomeAndTaxation,
        CertificateKind::TaxPayment,
    ];

    /// A stable code for storage, metrics labels and the CLI.
    pub fn code(self) -> &'static str {
        match self {
            CertificateKind::Income => "income",
            CertificateKind::Taxation => "taxation",
            CertificateKind::IncomeAndTaxation => "income-and-taxation",
            CertificateKind::TaxPayment => "tax-payment",
        }
    }

    /// The kind for a storage/CLI code; `None` for an unknown code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

impl fmt::Display for CertificateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why a request is malformed. Messages name the field and say what is expected; they never
/// echo a value that could be personal data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// `request_id` is missing or not a short token.
    #[error("request_id must be 1 to 64 characters of 0-9 A-Z a-z _ -")]
    RequestId,
    /// `municipality_code` is not a valid 地方公共団体コード.
    #[error("municipality_code: {0}")]
    MunicipalityCode(#[from] super::lg_code::LgCodeError),
    /// `applicant.card_serial` is missing or not a token.
    #[error("applicant.card_serial must be 1 to 64 characters of 0-9 A-Z a-z -")]
    CardSerial,
    /// `kind` is unset or unknown.
    #[error("kind must be one of INCOME, TAXATION, INCOME_AND_TAXATION, TAX_PAYMENT")]
    Kind,
    /// `fiscal_year` is outside the years kofu can hold.
    #[error(
        "fiscal_year must be a Gregorian year from {} to {}, e.g. 2025 for 令和7年度",
        fiscal_year::EARLIEST,
        fiscal_year::LATEST
    )]
    FiscalYear,
    /// `copies` is below 1 or above the wire maximum.
    #[error("copies must be from 1 to {max}")]
    Copies {
        /// The most copies allowed (the municipality's `max_copies` or the wire limit).
        max: u32,
    },
    /// `kiosk.operator_code` is missing or not a token.
    #[error("kiosk.operator_code must be 1 to 16 characters of 0-9 A-Z a-z _ -")]
    OperatorCode,
    /// `kiosk.terminal_id` is missing or not a token.
    #[error("kiosk.terminal_id must be 1 to 32 characters of 0-9 A-Z a-z _ -")]
    TerminalId,
    /// `certificate_number` is empty or longer than 32 characters.
    #[error("certificate_number must be the number IssueCertificate returned, e.g. R7-0000123")]
    CertificateNumber,
    /// `result` is neither PRINTED nor FAILED.
    #[error("result must be PRINTED or FAILED")]
    PrintResult,
    /// `pdf_sha256` is not 64 hex digits.
    #[error("pdf_sha256 must be the 64 hex digits of the PDF's SHA-256")]
    PdfSha256,
}

fn is_token(text: &str, max_len: usize, allow_underscore: bool) -> bool {
    !text.is_empty()
        && text.len() <= max_len
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || (allow_underscore && b == b'_'))
}

/// The JPKI user-certificate serial the centre verified: an opaque token, never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct CardSerial(String);

impl CardSerial {
    /// Accepts 1–64 characters of 0-9 A-Z a-z and `-`; fails with [`RequestError::CardSerial`].
    pub fn parse(text: &str) -> Result<Self, RequestError> {
        if is_token(text, 64, false) {
            Ok(Self(text.to_owned()))
        } else {
            Err(RequestError::CardSerial)
        }
    }

    /// The serial itself, for the card-link lookup only: never log it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CardSerial {
    // Keeps the serial out of logs and panics: it identifies a person.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CardSerial(..)")
    }
}

/// The store kiosk (キオスク端末 / マルチコピー機) a request comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kiosk {
    /// The kiosk operator (store chain), as the centre names it; fees are settled per operator.
    pub operator_code: String,
    /// The terminal within the operator's network.
    pub terminal_id: String,
}

impl Kiosk {
    /// Checks both are tokens (operator up to 16, terminal up to 32 characters of 0-9 A-Z a-z _ -).
    pub fn parse(operator_code: &str, terminal_id: &str) -> Result<Self, RequestError> {
        if !is_token(operator_code, 16, true) {
            return Err(RequestError::OperatorCode);
        }
        if !is_token(terminal_id, 32, true) {
            return Err(RequestError::TerminalId);
        }
        Ok(Self {
            operator_code: operator_code.to_owned(),
            terminal_id: terminal_id.to_owned(),
        })
    }
}

/// Where a certificate stands after issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateState {
    /// Returned to the kiosk; the print outcome is not reported yet.
    Issued,
    /// The kiosk reported it printed: final, and charged.
    Printed,
    /// The kiosk could not print it: void, and not charged.
    Voided,
}

impl CertificateState {
    /// The code used in storage.
    pub fn code(self) -> &'static str {
        match self {
            CertificateState::Issued => "issued",
            CertificateState::Printed => "printed",
            CertificateState::Voided => "voided",
        }
    }

    /// The state for a storage code; `None` for an unknown code.
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Issued, Self::Printed, Self::Voided]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// What the kiosk reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrintResult {
    /// The certificate came out of the printer.
    Printed,
    /// Printing failed (paper jam, cancelled): the certificate is voided.
    Failed,
}

/// The state a print report leads to. Repeating the report that made a state final is fine
/// (the relay may retry); contradicting it is an error, never a silent change.
pub fn after_print_report(
    current: CertificateState,
    result: PrintResult,
) -> Result<CertificateState, CertificateState> {
    use CertificateState as S;
    match (current, result) {
        (S::Issued | S::Printed, PrintResult::Printed) => Ok(S::Printed),
        (S::Issued | S::Voided, PrintResult::Failed) => Ok(S::Voided),
        (final_state, _) => Err(final_state),
    }
}

/// A certificate number: the era and year of the fiscal year of issue, then the municipality's
/// running number for that year, e.g. "R7-0000123".
pub fn certificate_number(issued_on: chrono::NaiveDate, sequence: i64) -> String {
    let fiscal_year = fiscal_year::containing(issued_on);
    let (era, year) = super::era::era_year(
        chrono::NaiveDate::from_ymd_opt(fiscal_year, 4, 1).expect("valid date"),
    )
    .expect("issue dates are after 1873");
    format!("{}{}-{:07}", era.initial(), year, sequence)
}

/// The copies a kiosk may ask for at most, whatever a municipality configures.
pub const MAX_COPIES_ON_WIRE: u32 = 99;

/// A well-formed certificate request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueRequest {
    /// The relay's id for this request; a retry with the same id returns the same certificate.
    pub request_id: String,
    /// 地方公共団体コード of the municipality asked.
    pub lg_code: LgCode,
    /// The JPKI user-certificate serial, resolved to a resident through the card link.
    pub card_serial: CardSerial,
    /// Which certificate.
    pub kind: CertificateKind,
    /// The fiscal year (年度) asked for, Gregorian (2025 = 令和7年度).
    pub fiscal_year: i32,
    /// Copies to print, 1 to [`MAX_COPIES_ON_WIRE`]; the municipality may allow fewer.
    pub copies: u32,
    /// The kiosk asking.
    pub kiosk: Kiosk,
}

/// The request's fields as they came off the wire.
#[derive(Debug, Clone, Copy)]
pub struct RawIssueRequest<'a> {
    /// The relay's request id.
    pub request_id: &'a str,
    /// 地方公共団体コード, six digits.
    pub municipality_code: &'a str,
    /// The JPKI user-certificate serial.
    pub card_serial: &'a str,
    /// `None` when the wire value is unset or unknown.
    pub kind: Option<CertificateKind>,
    /// Gregorian year the fiscal year starts in.
    pub fiscal_year: i32,
    /// Copies as sent (signed on the wire).
    pub copies: i32,
    /// Kiosk operator code.
    pub operator_code: &'a str,
    /// Kiosk terminal id.
    pub terminal_id: &'a str,
}

impl IssueRequest {
    /// Checks every field in order and fails with the first wrong one; does not look at the policy.
    pub fn parse(raw: RawIssueRequest<'_>) -> Result<Self, RequestError> {
        if !is_token(raw.request_id, 64, true) {
            return Err(RequestError::RequestId);
        }
        let lg_code = LgCode::parse(raw.municipality_code)?;
        let card_serial = CardSerial::parse(raw.card_serial)?;
        let kind = raw.kind.ok_or(RequestError::Kind)?;
        if !(fiscal_year::EARLIEST..=fiscal_year::LATEST).contains(&raw.fiscal_year) {
            return Err(RequestError::FiscalYear);
        }
        let copies = u32::try_from(raw.copies)
            .ok()
            .filter(|c| (1..=MAX_COPIES_ON_WIRE).contains(c))
            .ok_or(RequestError::Copies {
                max: MAX_COPIES_ON_WIRE,
            })?;
        let kiosk = Kiosk::parse(raw.operator_code, raw.terminal_id)?;
        Ok(Self {
            request_id: raw.request_id.to_owned(),
            lg_code,
            card_serial,
            kind,
            fiscal_year: raw.fiscal_year,
            copies,
            kiosk,
        })
    }
}

/// ListAvailable: which municipality, whose card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvailabilityRequest {
    /// 地方公共団体コード of the municipality asked.
    pub lg_code: LgCode,
    /// The JPKI user-certificate serial.
    pub card_serial: CardSerial,
}

impl AvailabilityRequest {
    /// Fails when the municipality code or the card serial is malformed.
    pub fn parse(municipality_code: &str, card_serial: &str) -> Result<Self, RequestError> {
        Ok(Self {
            lg_code: LgCode::parse(municipality_code)?,
            card_serial: CardSerial::parse(card_serial)?,
        })
    }
}

/// ReportPrintResult: the kiosk's outcome for a certificate this municipality issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintReport {
    /// 地方公共団体コード of the issuing municipality.
    pub lg_code: LgCode,
    /// The number IssueCertificate returned, e.g. "R7-0000123".
    pub certificate_number: String,
    /// Printed or failed.
    pub result: PrintResult,
}

impl PrintReport {
    /// `result` is `None` when the wire value is neither PRINTED nor FAILED.
    pub fn parse(
        municipality_code: &str,
        certificate_number: &str,
        result: Option<PrintResult>,
    ) -> Result<Self, RequestError> {
        let lg_code = LgCode::parse(municipality_code)?;
        if certificate_number.is_empty() || certificate_number.len() > 32 {
            return Err(RequestError::CertificateNumber);
        }
        Ok(Self {
            lg_code,
            certificate_number: certificate_number.to_owned(),
            result: result.ok_or(RequestError::PrintResult)?,
        })
    }
}

/// VerifyCertificate: a number and the SHA-256 of the PDF a resident brought to the counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationRequest {
    /// 地方公共団体コード of the municipality said to have issued it.
    pub lg_code: LgCode,
    /// Any text: a number never issued here is simply unknown.
    pub certificate_number: String,
    /// 64 hex digits (either case).
    pub pdf_sha256: String,
}

impl VerificationRequest {
    /// Fails when the municipality code is invalid or the hash is not 64 hex digits.
    pub fn parse(
        municipality_code: &str,
        certificate_number: &str,
        pdf_sha256: &str,
    ) -> Result<Self, RequestError> {
        let lg_code = LgCode::parse(municipality_code)?;
        if pdf_sha256.len() != 64 || !pdf_sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(RequestError::PdfSha256);
        }
        Ok(Self {
            lg_code,
            certificate_number: certificate_number.to_owned(),
            pdf_sha256: pdf_sha256.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> RawIssueRequest<'static> {
        RawIssueRequest {
            request_id: "req-0001",
            municipality_code: "131041",
            card_serial: "0A1B2C3D4E5F6789",
            kind: Some(CertificateKind::IncomeAndTaxation),
            fiscal_year: 2025,
            copies: 1,
            operator_code: "SEVEN",
            terminal_id: "T-0001",
        }
    }

    fn check(change: impl FnOnce(&mut RawIssueRequest<'static>), expected: Option<RequestError>) {
        let mut raw = valid();
        change(&mut raw);
        assert_eq!(IssueRequest::parse(raw).err(), expected);
    }

    #[test]
    fn accepts_a_well_formed_request() {
        check(|_| {}, None);
        check(|r| r.copies = 99, None);
    }

    #[test]
    fn names_the_field_that_is_wrong() {
        check(|r| r.request_id = "", Some(RequestError::RequestId));
        check(|r| r.request_id = "a b", Some(RequestError::RequestId));
        check(|r| r.card_serial = "", Some(RequestError::CardSerial));
        check(
            |r| r.card_serial = "ABC_DEF",
            Some(RequestError::CardSerial),
        );
        check(|r| r.kind = None, Some(RequestError::Kind));
        check(|r| r.fiscal_year = 1999, Some(RequestError::FiscalYear));
        check(|r| r.copies = 0, Some(RequestError::Copies { max: 99 }));
        check(|r| r.copies = -1, Some(RequestError::Copies { max: 99 }));
        check(|r| r.copies = 100, Some(RequestError::Copies { max: 99 }));
        check(|r| r.operator_code = "", Some(RequestError::OperatorCode));
        check(|r| r.terminal_id = "t/1", Some(RequestError::TerminalId));
        assert!(matches!(
            IssueRequest::parse(RawIssueRequest {
                municipality_code: "131042",
                ..valid()
            }),
            Err(RequestError::MunicipalityCode(_))
        ));
    }

    #[test]
    fn print_reports_and_verifications_name_the_field_that_is_wrong() {
        let printed = Some(PrintResult::Printed);
        assert!(PrintReport::parse("131041", "R7-0000001", printed).is_ok());
        assert_eq!(
            PrintReport::parse("131041", "", printed),
            Err(RequestError::CertificateNumber)
        );
        assert_eq!(
            PrintReport::parse("131041", &"9".repeat(33), printed),
            Err(RequestError::CertificateNumber)
        );
        assert_eq!(
            PrintReport::parse("131041", "R7-0000001", None),
            Err(RequestError::PrintResult)
        );
        let sha = "ab".repeat(32);
        assert!(VerificationRequest::parse("131041", "R7-0000001", &sha).is_ok());
        assert_eq!(
            VerificationRequest::parse("131041", "R7-0000001", &sha[1..]),
            Err(RequestError::PdfSha256)
        );
        assert_eq!(
            VerificationRequest::parse("131041", "R7-0000001", &"zz".repeat(32)),
            Err(RequestError::PdfSha256)
        );
        assert!(matches!(
            AvailabilityRequest::parse("131042", "0A1B"),
            Err(RequestError::MunicipalityCode(_))
        ));
        assert_eq!(
            AvailabilityRequest::parse("131041", ""),
            Err(RequestError::CardSerial)
        );
    }

    #[test]
    fn card_serial_stays_out_of_debug_output() {
        let serial = CardSerial::parse("0A1B2C3D4E5F6789").unwrap();
        assert!(!format!("{serial:?}").contains("0A1B"));
    }

    #[test]
    fn certificate_numbers_carry_the_fiscal_year_of_issue() {
        let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(certificate_number(d(2025, 6, 10), 123), "R7-0000123");
        assert_eq!(certificate_number(d(2026, 3, 31), 1), "R7-0000001");
        assert_eq!(certificate_number(d(2026, 4, 1), 1), "R8-0000001");
    }

    #[test]
    fn print_reports_settle_a_certificate_once() {
        use CertificateState as S;
        for (current, result, expected) in [
            (S::Issued, PrintResult::Printed, Ok(S::Printed)),
            (S::Issued, PrintResult::Failed, Ok(S::Voided)),
            (S::Printed, PrintResult::Printed, Ok(S::Printed)),
            (S::Voided, PrintResult::Failed, Ok(S::Voided)),
            (S::Printed, PrintResult::Failed, Err(S::Printed)),
            (S::Voided, PrintResult::Printed, Err(S::Voided)),
        ] {
            assert_eq!(
                after_print_report(current, result),
                expected,
                "{current:?} {result:?}"
            );
        }
    }

    #[test]
    fn kind_codes_round_trip() {
        for kind in CertificateKind::ALL {
            assert_eq!(CertificateKind::from_code(kind.code()), Some(kind));
        }
    }
}
