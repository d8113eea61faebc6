//! Issuance records and certificate numbers. A record holds what was issued, to whom and its PDF's
//! SHA-256 — never the PDF.

use super::DbError;
use crate::domain::certificate::{CertificateKind, CertificateState};
use crate::domain::lg_code::LgCode;
use chrono::{DateTime, FixedOffset};
use tokio_postgres::Row;

fn kind(row: &Row) -> Result<CertificateKind, DbError> {
    let code: String = row.try_get("kind")?;
    CertificateKind::from_code(&code)
        .ok_or_else(|| DbError::Corrupt(format!("unknown certificate kind {code:?}")))
}

fn state(row: &Row) -> Result<CertificateState, DbError> {
    let code: String = row.try_get("state")?;
    CertificateState::from_code(&code)
        .ok_or_else(|| DbError::Corrupt(format!("unknown certificate state {code:?}")))
}

/// One issued certificate as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuanceRecord {
    /// 地方公共団体コード of the issuing municipality.
    pub lg_code: LgCode,
    /// The number printed on the certificate, e.g. "R7-0000123"; unique per municipality.
    pub certificate_number: String,
    /// The relay's request id; unique per municipality, so a retry finds this record.
    pub request_id: String,
    /// SHA-256 (hex) over the request's fields, telling a retry from a reuse of its request_id.
    pub request_fingerprint: String,
    /// 宛名番号 of the person the certificate is about.
    pub addressee_no: String,
    /// Which certificate.
    pub kind: CertificateKind,
    /// The fiscal year printed (Gregorian start year, 2025 = 令和7年度).
    pub fiscal_year: i32,
    /// Copies printed.
    pub copies: i32,
    /// Fee charged for all copies, yen.
    pub fee_yen: i32,
    /// Kiosk operator (store chain) code.
    pub operator_code: String,
    /// Kiosk terminal id.
    pub terminal_id: String,
    /// The mTLS client identity (certificate CN or SAN) of the relay that asked.
    pub client_identity: String,
    /// SHA-256 of the PDF, hex; a retry must reproduce the same bytes.
    pub pdf_sha256: String,
    /// When it was issued (stored in UTC, returned in Japan time).
    pub issued_at: DateTime<FixedOffset>,
}

/// The record for this municipality and request id, if one was issued; fails only when the
/// database does.
pub async fn find_by_request(
    client: &impl deadpool_postgres::GenericClient,
    lg_code: LgCode,
    request_id: &str,
) -> Result<Option<IssuanceRecord>, DbError> {
    let statement = client
        .prepare_cached(
            "SELECT certificate_number, request_fingerprint, addressee_no, kind, fiscal_year,
                    copies, fee_yen, operator_code, terminal_id, client_identity, pdf_sha256,
                    issued_at
             FROM issuance WHERE lg_code = $1 AND request_id = $2",
        )
        .await?;
    let row = client
        .query_opt(&statement, &[&lg_code.to_string(), &request_id])
        .await?;
    let Some(row) = row else { return Ok(None) };
    let issued_at: DateTime<chrono::Utc> = row.try_get("issued_at")?;
    Ok(Some(IssuanceRecord {
        lg_code,
        certificate_number: row.try_get("certificate_number")?,
        request_id: request_id.to_owned(),
        request_fingerprint: row.try_get("request_fingerprint")?,
        addressee_no: row.try_get("addressee_no")?,
        kind: kind(&row)?,
        fiscal_year: row.try_get("fiscal_year")?,
        copies: row.try_get("copies")?,
        fee_yen: row.try_get("fee_yen")?,
        operator_code: row.try_get("operator_code")?,
        terminal_id: row.try_get("terminal_id")?,
        client_identity: row.try_get("client_identity")?,
        pdf_sha256: row.try_get("pdf_sha256")?,
        issued_at: issued_at.with_timezone(&crate::clock::japan()),
    }))
}

/// Reserves the next `count` numbers of the municipality's series for `fiscal_year` and returns
/// the last of them. Committed on its own (autocommit), so a number is never handed out twice even
/// if its certificate is then not recorded.
pub async fn reserve_numbers(
    client: &impl deadpool_postgres::GenericClient,
    lg_code: LgCode,
    fiscal_year: i32,
    count: i64,
) -> Result<i64, DbError> {
    let statement = client
        .prepare_cached(
            "INSERT INTO certificate_counter (lg_code, fiscal_year, last_number) VALUES ($1, $2, $3)
             ON CONFLICT (lg_code, fiscal_year)
             DO UPDATE SET last_number = certificate_counter.last_number + $3
             RETURNING last_number",
        )
        .await?;
    Ok(client
        .query_one(&statement, &[&lg_code.to_string(), &fiscal_year, &count])
        .await?
        .get(0))
}

/// A certificate as the verification and print reports see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateStatus {
    /// Issued, printed or voided.
    pub state: CertificateState,
    /// SHA-256 of the PDF as issued, hex.
    pub pdf_sha256: String,
    /// Which certificate.
    pub kind: CertificateKind,
    /// The fiscal year printed (Gregorian start year).
    pub fiscal_year: i32,
    /// When it was issued, Japan time.
    pub issued_at: DateTime<FixedOffset>,
}

/// The certificate with this number in this municipality; `None` if no such number was issued.
pub async fn find_by_number(
    client: &impl deadpool_postgres::GenericClient,
    lg_code: LgCode,
    certificate_number: &str,
) -> Result<Option<CertificateStatus>, DbError> {
    let statement = client
        .prepare_cached(
            "SELECT state, pdf_sha256, kind, fiscal_year, issued_at FROM issuance
             WHERE lg_code = $1 AND certificate_number = $2",
        )
        .await?;
    let row = client
        .query_opt(&statement, &[&lg_code.to_string(), &certificate_number])
        .await?;
    let Some(row) = row else { return Ok(None) };
    let issued_at: DateTime<chrono::Utc> = row.try_get("issued_at")?;
    Ok(Some(CertificateStatus {
        state: state(&row)?,
        pdf_sha256: row.try_get("pdf_sha256")?,
        kind: kind(&row)?,
        fiscal_year: row.try_get("fiscal_year")?,
        issued_at: issued_at.with_timezone(&crate::clock::japan()),
    }))
}

/// Moves a certificate from `from` to `to`; false when it was not in `from` (another report won).
pub async fn change_state(
    client: &impl deadpool_postgres::GenericClient,
    lg_code: LgCode,
    certificate_number: &str,
    from: CertificateState,
    to: CertificateState,
) -> Result<bool, DbError> {
    let statement = client
        .prepare_cached(
            "UPDATE issuance SET state = $4 WHERE lg_code = $1 AND certificate_number = $2 AND state = $3",
        )
        .await?;
    Ok(client
        .execute(
            &statement,
            &[
                &lg_code.to_string(),
                &certificate_number,
                &from.code(),
                &to.code(),
            ],
        )
        .await?
        == 1)
}

/// One line of the fee settlement: a day (Japan time), municipality, kind and kiosk operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeLine {
    /// 地方公共団体コード.
    pub lg_code: String,
    /// The day of issue, Japan date.
    pub day: chrono::NaiveDate,
    /// Certificate kind code, e.g. "income-and-taxation".
    pub kind: String,
    /// Kiosk operator code.
    pub operator_code: String,
    /// Certificates printed.
    pub certificates: i64,
    /// Copies printed across them.
    pub copies: i64,
    /// Fees charged, yen.
    pub fee_yen: i64,
}

/// Printed certificates from `from` to `to` inclusive (Japan dates). Voided certificates are
/// not charged, and ones whose print was never confirmed are left out until it is.
pub async fn fee_lines(
    client: &impl deadpool_postgres::GenericClient,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Result<Vec<FeeLine>, DbError> {
    let rows = client
        .query(
            "SELECT lg_code::text, (issued_at AT TIME ZONE 'Asia/Tokyo')::date AS day, kind,
                    operator_code, count(*), sum(copies)::bigint, sum(fee_yen)::bigint
             FROM issuance
             WHERE state = 'printed'
               AND (issued_at AT TIME ZONE 'Asia/Tokyo')::date BETWEEN $1 AND $2
             GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
            &[&from, &to],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| FeeLine {
            lg_code: r.get(0),
            day: r.get(1),
            kind: r.get(2),
            operator_code: r.get(3),
            certificates: r.get(4),
            copies: r.get(5),
            fee_yen: r.get(6),
        })
        .collect())
}
