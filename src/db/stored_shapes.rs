//! The JSON shapes kofu stores in JSONB columns and reads back by field name, pinned as literal
//! text: a renamed field or enum value in the domain types would silently break reading what is
//! already stored, so it must fail here first (then write a migration that rewrites the rows).

use crate::domain::assessment::{
    DeductionKind, DeductionLine, Dependants, IncomeKind, IncomeLine, Instalment, Payment,
    SeparateIncomeKind, SeparateIncomeLine, TaxCreditKind, TaxCreditLine,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// `value` is stored as `stored`, and `stored` reads back as `value`.
fn check<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: T, stored: Value) {
    assert_eq!(serde_json::to_value(&value).unwrap(), stored);
    assert_eq!(serde_json::from_value::<T>(stored).unwrap(), value);
}

#[test]
fn assessment_lines_keep_their_stored_shape() {
    check(
        vec![IncomeLine {
            kind: IncomeKind::Salary,
            revenue_yen: 5_000_000,
            income_yen: 3_560_000,
        }],
        json!([{ "kind": "salary", "revenue_yen": 5_000_000, "income_yen": 3_560_000 }]),
    );
    check(
        vec![SeparateIncomeLine {
            kind: SeparateIncomeKind::LongTermRealEstate,
            revenue_yen: 30_000_000,
            income_yen: -1,
            taxable_base_yen: None,
        }],
        json!([{ "kind": "long_term_real_estate", "revenue_yen": 30_000_000, "income_yen": -1 }]),
    );
    check(
        vec![TaxCreditLine {
            kind: TaxCreditKind::FlatRateReduction,
            amount_yen: 10_000,
            municipal_amount_yen: None,
        }],
        json!([{ "kind": "flat_rate_reduction", "amount_yen": 10_000 }]),
    );
    check(
        vec![DeductionLine {
            kind: DeductionKind::SocialInsurance,
            amount_yen: 720_000,
        }],
        json!([{ "kind": "social_insurance", "amount_yen": 720_000 }]),
    );
    check(
        vec![TaxCreditLine {
            kind: TaxCreditKind::Adjustment,
            amount_yen: 2_500,
            municipal_amount_yen: Some(1_500),
        }],
        json!([{ "kind": "adjustment", "amount_yen": 2_500, "municipal_amount_yen": 1_500 }]),
    );
    check(
        Dependants {
            has_qualifying_spouse: true,
            general: 1,
            specific: 2,
            elderly: 3,
            elderly_cohabiting_parents: 4,
            under_16: 5,
            disabled_special: 6,
            disabled_ordinary: 7,
            disabled_special_cohabiting: 8,
        },
        json!({
            "has_qualifying_spouse": true, "general": 1, "specific": 2, "elderly": 3,
            "elderly_cohabiting_parents": 4, "under_16": 5, "disabled_special": 6,
            "disabled_ordinary": 7, "disabled_special_cohabiting": 8
        }),
    );
}

#[test]
fn payments_read_from_the_payment_tables_columns() {
    // db::residents reads a year's payments as `json_agg(payment row)`: the struct's fields are
    // the table's column names (migrations/0001_initial.sql); lg_code is ignored.
    let row = json!({
        "lg_code": "131041", "addressee_no": "0000000001", "fiscal_year": 2025,
        "tax_item": "inhabitant_tax", "assessed_yen": 120_000, "paid_yen": 90_000,
        "unpaid_yen": 30_000, "last_due_date": "2026-01-31", "last_paid_on": "2025-08-29",
        "instalments": [
            { "number": 1, "due_date": "2025-06-30", "amount_yen": 90_000, "paid_yen": 90_000,
              "paid_on": "2025-08-29" },
            { "number": 2, "due_date": "2026-01-31", "amount_yen": 30_000, "paid_yen": 0,
              "paid_on": null }
        ]
    });
    let payment: Payment = serde_json::from_value(row).unwrap();
    assert_eq!(
        payment,
        Payment {
            addressee_no: "0000000001".into(),
            fiscal_year: 2025,
            tax_item: "inhabitant_tax".into(),
            assessed_yen: 120_000,
            paid_yen: 90_000,
            unpaid_yen: 30_000,
            last_due_date: chrono::NaiveDate::from_ymd_opt(2026, 1, 31),
            last_paid_on: chrono::NaiveDate::from_ymd_opt(2025, 8, 29),
            instalments: vec![
                Instalment {
                    number: 1,
                    due_date: chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(),
                    amount_yen: 90_000,
                    paid_yen: 90_000,
                    paid_on: chrono::NaiveDate::from_ymd_opt(2025, 8, 29),
                },
                Instalment {
                    number: 2,
                    due_date: chrono::NaiveDate::from_ymd_opt(2026, 1, 31).unwrap(),
                    amount_yen: 30_000,
                    paid_yen: 0,
                    paid_on: None,
                },
            ],
        }
    );
    // A row stored before instalments existed reads with none.
    let older = json!({
        "addressee_no": "0000000001", "fiscal_year": 2024, "tax_item": "inhabitant_tax",
        "assessed_yen": 1, "paid_yen": 1, "unpaid_yen": 0, "last_due_date": null,
        "last_paid_on": null
    });
    assert!(
        serde_json::from_value::<Payment>(older)
            .unwrap()
            .instalments
            .is_empty()
    );
}
