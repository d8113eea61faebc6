//! What cannot print, in the database: every resident's printed texts streamed out for the scan
//! after a sync batch, the scan's findings (replacing the previous ones), and the kiosk requests
//! turned away because a certificate could not print. Codes only, never the texts themselves.

use super::DbError;
use crate::domain::certificate::CertificateKind;
use crate::domain::lg_code::LgCode;
use crate::domain::printability::{PrintField, PrintProblem, Unprintable};
use chrono::{DateTime, Utc};
use futures_util::{Stream, TryStreamExt};

/// How long a print refusal is kept: long enough for the office to follow up the day's refusals
/// (the audit trail keeps the refusal itself for years).
pub const PRINT_REFUSAL_DAYS: i64 = 31;

/// One row the scan checks: a resident's own texts, or one assessment's address on its
/// assessment date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonTexts {
    /// 宛名番号.
    pub addressee_no: String,
    /// `None` for the resident's texts; the assessment's fiscal year for its address.
    pub fiscal_year: Option<i32>,
    /// The texts, by the field they are printed as.
    pub texts: Vec<(PrintField, String)>,
}

/// Every resident of `lg_code` (name, reading, address) and every assessment's address on its
/// assessment date, streamed in one statement (one snapshot) without loading them all.
pub async fn texts(
    client: &tokio_postgres::Client,
    lg_code: LgCode,
) -> Result<impl Stream<Item = Result<PersonTexts, DbError>> + use<>, DbError> {
    let rows = client
        .query_raw(
            "SELECT addressee_no, NULL::integer AS fiscal_year, name, name_kana, address
             FROM resident WHERE lg_code = $1
             UNION ALL
             SELECT addressee_no, fiscal_year, NULL, NULL, address_on_assessment_date
             FROM assessment
             WHERE lg_code = $1 AND address_on_assessment_date IS NOT NULL",
            [lg_code.to_string()],
        )
        .await?;
    Ok(rows.map_err(DbError::from).and_then(|row| async move {
        let fiscal_year: Option<i32> = row.try_get(1)?;
        let texts = match fiscal_year {
            None => vec![
                (PrintField::Name, row.try_get(2)?),
                (PrintField::NameKana, row.try_get(3)?),
                (PrintField::Address, row.try_get(4)?),
            ],
            Some(_) => vec![(PrintField::AddressOnAssessmentDate, row.try_get(4)?)],
        };
        Ok(PersonTexts {
            addressee_no: row.try_get(0)?,
            fiscal_year,
            texts,
        })
    }))
}

/// The start time of the next statement on this connection, PostgreSQL's clock: the data a scan
/// reads right after was committed by then.
pub async fn database_now(
    client: &impl deadpool_postgres::GenericClient,
) -> Result<DateTime<Utc>, DbError> {
    Ok(client
        .query_one("SELECT statement_timestamp()", &[])
        .await?
        .get(0))
}

/// What one scan of a municipality read and found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanSummary {
    /// The batch whose publication the scan followed.
    pub batch_id: String,
    /// The data read was committed by this time.
    pub data_as_of: DateTime<Utc>,
    /// When the findings were stored.
    pub finished_at: DateTime<Utc>,
    /// Residents checked.
    pub residents: i32,
    /// Texts checked (names, readings, addresses, addresses on assessment dates).
    pub texts: i32,
    /// Residents with at least one text that cannot print.
    pub unprintable: i32,
}

/// Replaces the municipality's findings with `findings`, unless a scan of newer data was stored
/// meanwhile (then nothing changes and this returns false). Also deletes print refusals older
/// than [`PRINT_REFUSAL_DAYS`].
pub async fn replace_findings(
    client: &mut deadpool_postgres::Object,
    lg_code: LgCode,
    summary: &ScanSummary,
    findings: &[Unprintable],
) -> Result<bool, DbError> {
    let lg = lg_code.to_string();
    let tx = client.transaction().await?;
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext('kofu.unprintable.' || $1::text))",
        &[&lg],
    )
    .await?;
    let stored: Option<DateTime<Utc>> = tx
        .query_opt(
            "SELECT data_as_of FROM unprintable_scan WHERE lg_code = $1",
            &[&lg],
        )
        .await?
        .map(|row| row.get(0));
    if stored.is_some_and(|stored| stored > summary.data_as_of) {
        return Ok(false);
    }
    tx.execute(
        "DELETE FROM unprintable_resident WHERE lg_code = $1",
        &[&lg],
    )
    .await?;
    let column = |f: fn(&Unprintable) -> Option<String>| -> Vec<Option<String>> {
        findings.iter().map(f).collect()
    };
    let addressee_nos = column(|u| Some(u.addressee_no.clone()));
    let fields = column(|u| Some(u.field.code().to_owned()));
    let reasons = column(|u| Some(u.problem.code().to_owned()));
    let years: Vec<Option<i32>> = findings.iter().map(|u| u.fiscal_year).collect();
    let code_points: Vec<Option<i32>> = findings
        .iter()
        .map(|u| u.problem.code_point().map(|c| c as i32))
        .collect();
    tx.execute(
        "INSERT INTO unprintable_resident
             (lg_code, addressee_no, field, fiscal_year, reason, code_point)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::integer[], $5::text[], $6::integer[])",
        &[&lg, &addressee_nos, &fields, &years, &reasons, &code_points],
    )
    .await?;
    tx.execute(
        "INSERT INTO unprintable_scan
             (lg_code, batch_id, data_as_of, finished_at, residents, texts, unprintable)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (lg_code) DO UPDATE SET
             batch_id = excluded.batch_id, data_as_of = excluded.data_as_of,
             finished_at = excluded.finished_at, residents = excluded.residents,
             texts = excluded.texts, unprintable = excluded.unprintable",
        &[
            &lg,
            &summary.batch_id,
            &summary.data_as_of,
            &summary.finished_at,
            &summary.residents,
            &summary.texts,
            &summary.unprintable,
        ],
    )
    .await?;
    tx.execute(
        "DELETE FROM print_refusal WHERE lg_code = $1 AND refused_at < $2",
        &[
            &lg,
            &(summary.finished_at - chrono::Duration::days(PRINT_REFUSAL_DAYS)),
        ],
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// The latest scan of each municipality: (municipality code, residents that cannot print), for
/// the gauge at start-up.
pub async fn unprintable_counts(
    client: &impl deadpool_postgres::GenericClient,
) -> Result<Vec<(String, i64)>, DbError> {
    let rows = client
        .query(
            "SELECT lg_code::text, unprintable::bigint FROM unprintable_scan",
            &[],
        )
        .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// The municipality's latest scan, if one ran.
pub async fn latest_scan(
    client: &impl deadpool_postgres::GenericClient,
    lg_code: LgCode,
) -> Result<Option<ScanSummary>, DbError> {
    let row = client
        .query_opt(
            "SELECT batch_id, data_as_of, finished_at, residents, texts, unprintable
             FROM unprintable_scan WHERE lg_code = $1",
            &[&lg_code.to_string()],
        )
        .await?;
    Ok(row.map(|r| ScanSummary {
        batch_id: r.get(0),
        data_as_of: r.get(1),
        finished_at: r.get(2),
        residents: r.get(3),
        texts: r.get(4),
        unprintable: r.get(5),
    }))
}

fn field(code: &str) -> Result<PrintField, DbError> {
    PrintField::from_code(code)
        .ok_or_else(|| DbError::Corrupt(format!("unknown print field {code:?}")))
}

fn problem(code: &str, code_point: Option<i32>) -> Result<PrintProblem, DbError> {
    PrintProblem::from_code(code, code_point.map(|c| c as u32))
        .ok_or_else(|| DbError::Corrupt(format!("unknown print problem {code:?}")))
}

/// What the latest scan found, by 宛名番号, field and fiscal year.
pub async fn findings(
    client: &impl deadpool_postgres::GenericClient,
    lg_code: LgCode,
) -> Result<Vec<Unprintable>, DbError> {
    let rows = client
        .query(
            "SELECT addressee_no, field, fiscal_year, reason, code_point
             FROM unprintable_resident WHERE lg_code = $1
             ORDER BY addressee_no, field, fiscal_year",
            &[&lg_code.to_string()],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Unprintable {
                addressee_no: r.try_get(0)?,
                field: field(r.try_get(1)?)?,
                fiscal_year: r.try_get(2)?,
                problem: problem(r.try_get(3)?, r.try_get(4)?)?,
            })
        })
        .collect()
}

/// A kiosk request turned away (or an offer withheld) because the certificate could not print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintRefusal {
    /// The municipality.
    pub lg_code: LgCode,
    /// When.
    pub refused_at: DateTime<Utc>,
    /// "IssueCertificate" or "ListAvailable".
    pub action: &'static str,
    /// The relay's request id, for IssueCertificate.
    pub request_id: Option<String>,
    /// 宛名番号 of the person.
    pub addressee_no: String,
    /// The kind asked for or withheld.
    pub kind: Option<CertificateKind>,
    /// The fiscal year asked for or withheld.
    pub fiscal_year: Option<i32>,
    /// What could not print.
    pub field: PrintField,
    /// Why.
    pub problem: PrintProblem,
}

/// Records a print refusal.
pub async fn record_refusal(
    client: &impl deadpool_postgres::GenericClient,
    refusal: &PrintRefusal,
) -> Result<(), DbError> {
    let statement = client
        .prepare_cached(
            "INSERT INTO print_refusal (lg_code, refused_at, action, request_id, addressee_no,
                 kind, fiscal_year, field, reason, code_point)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .await?;
    client
        .execute(
            &statement,
            &[
                &refusal.lg_code.to_string(),
                &refusal.refused_at,
                &refusal.action,
                &refusal.request_id,
                &refusal.addressee_no,
                &refusal.kind.map(CertificateKind::code),
                &refusal.fiscal_year,
                &refusal.field.code(),
                &refusal.problem.code(),
                &refusal.problem.code_point().map(|c| c as i32),
            ],
        )
        .await?;
    Ok(())
}

/// The municipality's print refusals from `from` (inclusive) to `to` (exclusive), oldest first.
pub async fn refusals(
    client: &impl deadpool_postgres::GenericClient,
    lg_code: LgCode,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<PrintRefusal>, DbError> {
    let rows = client
        .query(
            "SELECT refused_at, action, request_id, addressee_no, kind, fiscal_year, field, reason,
                    code_point
             FROM print_refusal
             WHERE lg_code = $1 AND refused_at >= $2 AND refused_at < $3
             ORDER BY refused_at, id",
            &[&lg_code.to_string(), &from, &to],
        )
        .await?;
    rows.iter()
        .map(|r| {
            let action: String = r.try_get(1)?;
            let kind: Option<String> = r.try_get(4)?;
            Ok(PrintRefusal {
                lg_code,
                refused_at: r.try_get(0)?,
                action: match action.as_str() {
                    "IssueCertificate" => "IssueCertificate",
                    "ListAvailable" => "ListAvailable",
                    other => return Err(DbError::Corrupt(format!("unknown action {other:?}"))),
                },
                request_id: r.try_get(2)?,
                addressee_no: r.try_get(3)?,
                kind: kind
                    .map(|code| {
                        CertificateKind::from_code(&code).ok_or_else(|| {
                            DbError::Corrupt(format!("unknown certificate kind {code:?}"))
                        })
                    })
                    .transpose()?,
                fiscal_year: r.try_get(5)?,
                field: field(r.try_get(6)?)?,
                problem: problem(r.try_get(7)?, r.try_get(8)?)?,
            })
        })
        .collect()
}
