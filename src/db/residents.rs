//! Reading a person and their assessment for one fiscal year, in one statement so that a request
//! sees one consistent snapshot even while a sync is publishing new data.

use super::DbError;
use crate::domain::assessment::{
    Assessment, CollectionMethod, DeductionLine, Dependants, IncomeLine, Payment, PersonCategory,
    SeparateIncomeLine, TaxAmounts, TaxCreditLine,
};
use crate::domain::lg_code::LgCode;
use crate::domain::resident::{Resident, ResidentStatus};
use chrono::NaiveDate;
use tokio_postgres::Row;
use tokio_postgres::types::Json;

/// A person and, when one exists, their assessment and payments for the requested year.
#[derive(Debug, Clone)]
pub struct PersonYear {
    /// The person as registered.
    pub resident: Resident,
    /// The requested fiscal year's assessment; `None` when there is none (not assessed here).
    pub assessment: Option<Assessment>,
    /// That year's payment records, one per tax item.
    pub payments: Vec<Payment>,
}

const SELECT_PERSON_YEAR: &str = "
    r.addressee_no, r.name, r.name_kana, r.birth_date, r.address, r.status, r.status_date,
    r.moved_in_on, r.protection_measure, r.issuance_stopped,
    a.fiscal_year, a.address_on_assessment_date, a.declared, a.taxable, a.collection_methods,
    a.income_lines, a.deduction_lines, a.dependants, a.total_income_yen, a.aggregate_income_yen,
    a.taxable_base_yen, a.municipal_income_levy_yen, a.municipal_per_capita_levy_yen,
    a.prefectural_income_levy_yen, a.prefectural_per_capita_levy_yen, a.forest_env_tax_yen,
    a.total_tax_yen, a.tax_credits, a.under_revision, a.separate_income_lines,
    a.carried_forward_loss_yen, a.separate_taxable_base_yen,
    a.municipal_income_levy_before_credits_yen, a.prefectural_income_levy_before_credits_yen,
    a.own_categories, a.declared_as_dependant, a.income_adjustment_yen,
    (SELECT coalesce(json_agg(p ORDER BY p.tax_item), '[]') FROM payment p
     WHERE p.lg_code = r.lg_code AND p.addressee_no = r.addressee_no AND p.fiscal_year = $3)
     AS payments";

/// The card lookup every kiosk call makes: `$1` 地方公共団体コード (text), `$2` card serial
/// (text), `$3` fiscal year (int4), `$4` today (date). Public so that its plan can be read with
/// `EXPLAIN` through kofu's own connection settings.
pub fn by_card_sql() -> String {
    format!(
        "SELECT {SELECT_PERSON_YEAR}
         FROM card_link c
         JOIN resident r ON r.lg_code = c.lg_code AND r.addressee_no = c.addressee_no
         LEFT JOIN assessment a ON a.lg_code = r.lg_code AND a.addressee_no = r.addressee_no
                               AND a.fiscal_year = $3
         WHERE c.lg_code = $1 AND c.card_serial = $2
           AND c.valid_from <= $4 AND (c.valid_until IS NULL OR c.valid_until >= $4)"
    )
}

/// The person whose card link for `card_serial` is valid on `today`, with their year.
pub async fn by_card(
    client: &impl deadpool_postgres::GenericClient,
    lg_code: LgCode,
    card_serial: &str,
    fiscal_year: i32,
    today: NaiveDate,
) -> Result<Option<PersonYear>, DbError> {
    let statement = client.prepare_cached(&by_card_sql()).await?;
    let row = client
        .query_opt(
            &statement,
            &[&lg_code.to_string(), &card_serial, &fiscal_year, &today],
        )
        .await?;
    row.map(|r| person_year(&r)).transpose()
}

/// The person with tax number `addressee_no`, with their year (used to reproduce a certificate).
pub async fn by_addressee(
    client: &impl deadpool_postgres::GenericClient,
    lg_code: LgCode,
    addressee_no: &str,
    fiscal_year: i32,
) -> Result<Option<PersonYear>, DbError> {
    let sql = format!(
        "SELECT {SELECT_PERSON_YEAR}
         FROM resident r
         LEFT JOIN assessment a ON a.lg_code = r.lg_code AND a.addressee_no = r.addressee_no
                               AND a.fiscal_year = $3
         WHERE r.lg_code = $1 AND r.addressee_no = $2"
    );
    let statement = client.prepare_cached(&sql).await?;
    let row = client
        .query_opt(
            &statement,
            &[&lg_code.to_string(), &addressee_no, &fiscal_year],
        )
        .await?;
    row.map(|r| person_year(&r)).transpose()
}

fn person_year(row: &Row) -> Result<PersonYear, DbError> {
    let status_code: String = row.try_get("status")?;
    let status = ResidentStatus::from_code(&status_code, row.try_get("status_date")?)
        .ok_or_else(|| DbError::Corrupt(format!("unknown resident status {status_code:?}")))?;
    let addressee_no: String = row.try_get("addressee_no")?;
    let resident = Resident {
        addressee_no: addressee_no.clone(),
        name: row.try_get("name")?,
        name_kana: row.try_get("name_kana")?,
        birth_date: row.try_get("birth_date")?,
        address: row.try_get("address")?,
        status,
        moved_in_on: row.try_get("moved_in_on")?,
        protection_measure: row.try_get("protection_measure")?,
        issuance_stopped: row.try_get("issuance_stopped")?,
    };
    let fiscal_year: Option<i32> = row.try_get("fiscal_year")?;
    let assessment = match fiscal_year {
        None => None,
        Some(fiscal_year) => Some(Assessment {
            addressee_no,
            fiscal_year,
            address_on_assessment_date: row.try_get("address_on_assessment_date")?,
            declared: row.try_get("declared")?,
            taxable: row.try_get("taxable")?,
            collection_methods: row
                .try_get::<_, Vec<String>>("collection_methods")?
                .iter()
                .map(|code| collection_method(code))
                .collect::<Result<_, _>>()?,
            income_lines: row.try_get::<_, Json<Vec<IncomeLine>>>("income_lines")?.0,
            separate_income_lines: row
                .try_get::<_, Json<Vec<SeparateIncomeLine>>>("separate_income_lines")?
                .0,
            deduction_lines: row
                .try_get::<_, Json<Vec<DeductionLine>>>("deduction_lines")?
                .0,
            total_income_yen: row.try_get("total_income_yen")?,
            carried_forward_loss_yen: row.try_get("carried_forward_loss_yen")?,
            income_adjustment_yen: row.try_get("income_adjustment_yen")?,
            aggregate_income_yen: row.try_get("aggregate_income_yen")?,
            dependants: row.try_get::<_, Json<Dependants>>("dependants")?.0,
            tax: TaxAmounts {
                taxable_base_yen: row.try_get("taxable_base_yen")?,
                separate_taxable_base_yen: row.try_get("separate_taxable_base_yen")?,
                municipal_income_levy_before_credits_yen: row
                    .try_get("municipal_income_levy_before_credits_yen")?,
                prefectural_income_levy_before_credits_yen: row
                    .try_get("prefectural_income_levy_before_credits_yen")?,
                municipal_income_levy_yen: row.try_get("municipal_income_levy_yen")?,
                municipal_per_capita_levy_yen: row.try_get("municipal_per_capita_levy_yen")?,
                prefectural_income_levy_yen: row.try_get("prefectural_income_levy_yen")?,
                prefectural_per_capita_levy_yen: row.try_get("prefectural_per_capita_levy_yen")?,
                forest_env_tax_yen: row.try_get("forest_env_tax_yen")?,
                total_yen: row.try_get("total_tax_yen")?,
            },
            tax_credits: row.try_get::<_, Json<Vec<TaxCreditLine>>>("tax_credits")?.0,
            under_revision: row.try_get("under_revision")?,
            own_categories: row
                .try_get::<_, Vec<String>>("own_categories")?
                .iter()
                .map(|code| {
                    PersonCategory::from_code(code).ok_or_else(|| {
                        DbError::Corrupt(format!("unknown person category {code:?}"))
                    })
                })
                .collect::<Result<_, _>>()?,
            declared_as_dependant: row.try_get("declared_as_dependant")?,
        }),
    };
    Ok(PersonYear {
        resident,
        assessment,
        payments: row.try_get::<_, Json<Vec<Payment>>>("payments")?.0,
    })
}

/// The code a collection method is stored under, e.g. "direct_billing".
fn collection_method(code: &str) -> Result<CollectionMethod, DbError> {
    CollectionMethod::from_code(code)
        .ok_or_else(|| DbError::Corrupt(format!("unknown collection method {code:?}")))
}
