//! Writes a synthetic municipality into the database in one transaction (replacing that
//! municipality's data), streaming each table with binary COPY so memory stays flat.

use super::DbError;
use super::residents::collection_method_code;
use crate::domain::lg_code::LgCode;
use crate::synthetic::{self, Municipality, SyntheticPerson};
use futures_util::pin_mut;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{Json, Type};

/// Counts of rows written per table.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeedCounts {
    pub residents: u64,
    pub card_links: u64,
    pub assessments: u64,
    pub payments: u64,
}

pub async fn seed(
    client: &mut tokio_postgres::Client,
    municipality: &Municipality,
    seed: u64,
    residents: usize,
    latest_fiscal_year: i32,
) -> Result<SeedCounts, DbError> {
    // Each table is its own pass over the (deterministic) generator, so nothing is held in memory.
    replace_municipality(client, municipality.lg_code, || {
        synthetic::people(seed, municipality, residents, latest_fiscal_year)
    })
    .await
}

/// Replaces all data of municipality `lg_code` with `people()`, in one transaction. `people` is
/// called once per table.
pub async fn replace_municipality<I>(
    client: &mut tokio_postgres::Client,
    lg_code: LgCode,
    people: impl Fn() -> I,
) -> Result<SeedCounts, DbError>
where
    I: Iterator<Item = SyntheticPerson>,
{
    let lg = lg_code.to_string();
    let tx = client.transaction().await?;
    tx.execute("DELETE FROM resident WHERE lg_code = $1", &[&lg])
        .await?;
    let mut counts = SeedCounts::default();

    {
        let sink = tx
            .copy_in(
                "COPY resident (lg_code, addressee_no, name, name_kana, birth_date, address,
                     status, status_date, moved_in_on, protection_measure, issuance_stopped)
                 FROM STDIN BINARY",
            )
            .await?;
        let types = [
            Type::BPCHAR,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::DATE,
            Type::TEXT,
            Type::TEXT,
            Type::DATE,
            Type::DATE,
            Type::BOOL,
            Type::BOOL,
        ];
        let writer = BinaryCopyInWriter::new(sink, &types);
        pin_mut!(writer);
        for person in people() {
            let r = &person.resident;
            writer
                .as_mut()
                .write(&[
                    &lg,
                    &r.addressee_no,
                    &r.name,
                    &r.name_kana,
                    &r.birth_date,
                    &r.address,
                    &r.status.code(),
                    &r.status.date(),
                    &r.moved_in_on,
                    &r.protection_measure,
                    &r.issuance_stopped,
                ])
                .await?;
        }
        counts.residents = writer.finish().await?;
    }

    {
        let sink = tx
            .copy_in(
                "COPY card_link (lg_code, card_serial, addressee_no, valid_from, valid_until)
                 FROM STDIN BINARY",
            )
            .await?;
        let types = [Type::BPCHAR, Type::TEXT, Type::TEXT, Type::DATE, Type::DATE];
        let writer = BinaryCopyInWriter::new(sink, &types);
        pin_mut!(writer);
        for person in people() {
            for c in &person.card_links {
                writer
                    .as_mut()
                    .write(&[
                        &lg,
                        &c.card_serial,
                        &c.addressee_no,
                        &c.valid_from,
                        &c.valid_until,
                    ])
                    .await?;
            }
        }
        counts.card_links = writer.finish().await?;
    }

    {
        let sink = tx
            .copy_in(
                "COPY assessment (lg_code, addressee_no, fiscal_year, address_on_assessment_date,
                     declared, taxable, collection_method, income_lines, deduction_lines,
                     dependants, total_income_yen, aggregate_income_yen, taxable_base_yen,
                     municipal_income_levy_yen, municipal_per_capita_levy_yen,
                     prefectural_income_levy_yen, prefectural_per_capita_levy_yen,
                     forest_env_tax_yen, total_tax_yen, under_revision)
                 FROM STDIN BINARY",
            )
            .await?;
        let types = [
            Type::BPCHAR,
            Type::TEXT,
            Type::INT4,
            Type::TEXT,
            Type::BOOL,
            Type::BOOL,
            Type::TEXT,
            Type::JSONB,
            Type::JSONB,
            Type::JSONB,
            Type::INT8,
            Type::INT8,
            Type::INT8,
            Type::INT8,
            Type::INT8,
            Type::INT8,
            Type::INT8,
            Type::INT8,
            Type::INT8,
            Type::BOOL,
        ];
        let writer = BinaryCopyInWriter::new(sink, &types);
        pin_mut!(writer);
        for person in people() {
            for a in &person.assessments {
                let t = &a.tax;
                writer
                    .as_mut()
                    .write(&[
                        &lg,
                        &a.addressee_no,
                        &a.fiscal_year,
                        &a.address_on_assessment_date,
                        &a.declared,
                        &a.taxable,
                        &collection_method_code(a.collection_method),
                        &Json(&a.income_lines),
                        &Json(&a.deduction_lines),
                        &Json(&a.dependants),
                        &a.total_income_yen,
                        &a.aggregate_income_yen,
                        &t.taxable_base_yen,
                        &t.municipal_income_levy_yen,
                        &t.municipal_per_capita_levy_yen,
                        &t.prefectural_income_levy_yen,
                        &t.prefectural_per_capita_levy_yen,
                        &t.forest_env_tax_yen,
                        &t.total_yen,
                        &a.under_revision,
                    ])
                    .await?;
            }
        }
        counts.assessments = writer.finish().await?;
    }

    {
        let sink = tx
            .copy_in(
                "COPY payment (lg_code, addressee_no, fiscal_year, tax_item, assessed_yen,
                     paid_yen, unpaid_yen, last_due_date, last_paid_on) FROM STDIN BINARY",
            )
            .await?;
        let types = [
            Type::BPCHAR,
            Type::TEXT,
            Type::INT4,
            Type::TEXT,
            Type::INT8,
            Type::INT8,
            Type::INT8,
            Type::DATE,
            Type::DATE,
        ];
        let writer = BinaryCopyInWriter::new(sink, &types);
        pin_mut!(writer);
        for person in people() {
            for p in &person.payments {
                writer
                    .as_mut()
                    .write(&[
                        &lg,
                        &p.addressee_no,
                        &p.fiscal_year,
                        &p.tax_item,
                        &p.assessed_yen,
                        &p.paid_yen,
                        &p.unpaid_yen,
                        &p.last_due_date,
                        &p.last_paid_on,
                    ])
                    .await?;
            }
        }
        counts.payments = writer.finish().await?;
    }

    tx.commit().await?;
    Ok(counts)
}
