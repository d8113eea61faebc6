//! Conversions between wire sync records and domain records, both ways: the server parses what
//! the tax system streams, and `kofu sync push` builds what it streams. Only "is this a date,
//! is this a known code" is checked here; every other rule lives in `domain::sync_record`.
//! Problems name the field and never quote its value.

use super::pb;
use crate::domain::assessment::{
    Assessment, CollectionMethod, DeductionKind, DeductionLine, Dependants, IncomeKind, IncomeLine,
    Instalment, Payment, PersonCategory, SeparateIncomeKind, SeparateIncomeLine, TaxAmounts,
    TaxCreditKind, TaxCreditLine,
};
use crate::domain::resident::{CardLink, Resident, ResidentStatus};
use crate::domain::sync_record::{FieldProblem, RecordType, SyncRecord};
use chrono::NaiveDate;

struct Problems(Vec<FieldProblem>);

impl Problems {
    fn date(&mut self, field: &str, text: &str) -> NaiveDate {
        self.optional_date(field, text).unwrap_or_else(|| {
            if text.is_empty() {
                self.0
                    .push(FieldProblem::new(field, "is required (YYYY-MM-DD)"));
            }
            NaiveDate::MIN
        })
    }

    fn optional_date(&mut self, field: &str, text: &str) -> Option<NaiveDate> {
        if text.is_empty() {
            return None;
        }
        match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                self.0.push(FieldProblem::new(
                    field,
                    "is not a date of the form YYYY-MM-DD",
                ));
                None
            }
        }
    }

    fn code<T>(&mut self, field: &str, text: &str, parse: impl Fn(&str) -> Option<T>) -> Option<T> {
        let parsed = parse(text);
        if parsed.is_none() {
            self.0.push(FieldProblem::new(
                field,
                format!("has an unknown code {text:?}; see docs/sync-format.md"),
            ));
        }
        parsed
    }

    /// A list of codes (collection methods, own categories): every unknown code is reported by
    /// its index; `None` when any was unknown.
    fn codes<T>(
        &mut self,
        field: &str,
        codes: &[String],
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<Vec<T>> {
        let parsed: Vec<Option<T>> = codes
            .iter()
            .enumerate()
            .map(|(i, code)| self.code(&format!("{field}[{i}]"), code, &parse))
            .collect();
        parsed.into_iter().collect()
    }

    /// Lines keyed by a code (income, deduction, tax credit): every unknown code is reported by
    /// its index; `None` when any was unknown.
    fn coded_lines<W, K, T>(
        &mut self,
        field: &str,
        wire: &[W],
        code_of: impl Fn(&W) -> &str,
        parse: impl Fn(&str) -> Option<K>,
        build: impl Fn(K, &W) -> T,
    ) -> Option<Vec<T>> {
        let lines: Vec<Option<T>> = wire
            .iter()
            .enumerate()
            .map(|(i, w)| {
                self.code(&format!("{field}[{i}].kind"), code_of(w), &parse)
                    .map(|kind| build(kind, w))
            })
            .collect();
        lines.into_iter().collect()
    }

    fn count(&mut self, field: &str, n: i32) -> u8 {
        u8::try_from(n).unwrap_or_else(|_| {
            self.0
                .push(FieldProblem::new(field, "must be from 0 to 255"));
            0
        })
    }
}

/// A wire record as a domain record, or every problem converting it.
pub fn record_from_wire(
    record: pb::SyncRecord,
) -> (RecordType, Result<SyncRecord, Vec<FieldProblem>>) {
    use pb::sync_record::Record as W;
    let mut p = Problems(Vec::new());
    let (record_type, record) = match record.record {
        None => {
            return (
                RecordType::Resident,
                Err(vec![FieldProblem::new("record", "is empty")]),
            );
        }
        Some(W::Resident(r)) => {
            let birth_date = p.date("birth_date", &r.birth_date);
            let status_date = p.optional_date("status_date", &r.status_date);
            let status = match (r.status.as_str(), status_date) {
                ("resident", None) => Some(ResidentStatus::Resident),
                ("moved_out", Some(filed_on)) => Some(ResidentStatus::MovedOut { filed_on }),
                ("deceased", Some(on)) => Some(ResidentStatus::Deceased { on }),
                ("resident", Some(_)) => {
                    p.0.push(FieldProblem::new(
                        "status_date",
                        "must be empty for a resident",
                    ));
                    None
                }
                ("moved_out" | "deceased", None) => {
                    p.0.push(FieldProblem::new(
                        "status_date",
                        "is required for moved_out (the filing date) and deceased (the date of death)",
                    ));
                    None
                }
                _ => {
                    p.0.push(FieldProblem::new(
                        "status",
                        "must be resident, moved_out or deceased",
                    ));
                    None
                }
            };
            let moved_in_on = p.optional_date("moved_in_on", &r.moved_in_on);
            (
                RecordType::Resident,
                status.map(|status| {
                    SyncRecord::Resident(Resident {
                        addressee_no: r.addressee_no,
                        name: r.name,
                        name_kana: r.name_kana,
                        birth_date,
                        address: r.address,
                        status,
                        moved_in_on,
                        protection_measure: r.protection_measure,
                        issuance_stopped: r.issuance_stopped,
                    })
                }),
            )
        }
        Some(W::CardLink(c)) => {
            let valid_from = p.date("valid_from", &c.valid_from);
            let valid_until = p.optional_date("valid_until", &c.valid_until);
            (
                RecordType::CardLink,
                Some(SyncRecord::CardLink(CardLink {
                    card_serial: c.card_serial,
                    addressee_no: c.addressee_no,
                    valid_from,
                    valid_until,
                })),
            )
        }
        Some(W::Assessment(a)) => {
            let collection_methods = if a.collection_methods.is_empty()
                && a.collection_method.is_empty()
            {
                p.0.push(FieldProblem::new(
                    "collection_methods",
                    "is required: one or more of payroll_withholding, pension_withholding, direct_billing",
                ));
                None
            } else if a.collection_methods.is_empty() {
                p.code(
                    "collection_method",
                    &a.collection_method,
                    CollectionMethod::from_older_code,
                )
            } else {
                p.codes(
                    "collection_methods",
                    &a.collection_methods,
                    CollectionMethod::from_code,
                )
            };
            let income_lines = p.coded_lines(
                "income_lines",
                &a.income_lines,
                |l| &l.kind,
                IncomeKind::from_code,
                |kind, l| IncomeLine {
                    kind,
                    revenue_yen: l.revenue_yen,
                    income_yen: l.income_yen,
                },
            );
            let separate_income_lines = p.coded_lines(
                "separate_income_lines",
                &a.separate_income_lines,
                |l| &l.kind,
                SeparateIncomeKind::from_code,
                |kind, l| SeparateIncomeLine {
                    kind,
                    revenue_yen: l.revenue_yen,
                    income_yen: l.income_yen,
                    taxable_base_yen: l.taxable_base_yen,
                },
            );
            let own_categories = p.codes(
                "own_categories",
                &a.own_categories,
                PersonCategory::from_code,
            );
            let deduction_lines = p.coded_lines(
                "deduction_lines",
                &a.deduction_lines,
                |l| &l.kind,
                DeductionKind::from_code,
                |kind, l| DeductionLine {
                    kind,
                    amount_yen: l.amount_yen,
                },
            );
            let d = a.dependants.unwrap_or_default();
            let dependants = Dependants {
                has_qualifying_spouse: d.has_qualifying_spouse,
                general: p.count("dependants.general", d.general),
                specific: p.count("dependants.specific", d.specific),
                elderly: p.count("dependants.elderly", d.elderly),
                elderly_cohabiting_parents: p.count(
                    "dependants.elderly_cohabiting_parents",
                    d.elderly_cohabiting_parents,
                ),
                under_16: p.count("dependants.under_16", d.under_16),
                disabled_special: p.count("dependants.disabled_special", d.disabled_special),
                disabled_ordinary: p.count("dependants.disabled_ordinary", d.disabled_ordinary),
                disabled_special_cohabiting: p.count(
                    "dependants.disabled_special_cohabiting",
                    d.disabled_special_cohabiting,
                ),
            };
            let tax_credits = p.coded_lines(
                "tax_credits",
                &a.tax_credits,
                |l| &l.kind,
                TaxCreditKind::from_code,
                |kind, l| TaxCreditLine {
                    kind,
                    amount_yen: l.amount_yen,
                    municipal_amount_yen: l.municipal_amount_yen,
                },
            );
            let t = a.tax.unwrap_or_default();
            let record = collection_methods.and_then(|collection_methods| {
                Some(SyncRecord::Assessment(Assessment {
                    addressee_no: a.addressee_no,
                    fiscal_year: a.fiscal_year,
                    address_on_assessment_date: Some(a.address_on_assessment_date)
                        .filter(|s| !s.is_empty()),
                    declared: a.declared,
                    taxable: a.taxable,
                    collection_methods,
                    income_lines: income_lines?,
                    separate_income_lines: separate_income_lines?,
                    deduction_lines: deduction_lines?,
                    total_income_yen: a.total_income_yen,
                    carried_forward_loss_yen: a.carried_forward_loss_yen,
                    income_adjustment_yen: a.income_adjustment_yen,
                    aggregate_income_yen: a.aggregate_income_yen,
                    dependants,
                    tax: TaxAmounts {
                        taxable_base_yen: t.taxable_base_yen,
                        separate_taxable_base_yen: t.separate_taxable_base_yen,
                        municipal_income_levy_before_credits_yen: t
                            .municipal_income_levy_before_credits_yen,
                        prefectural_income_levy_before_credits_yen: t
                            .prefectural_income_levy_before_credits_yen,
                        municipal_income_levy_yen: t.municipal_income_levy_yen,
                        municipal_per_capita_levy_yen: t.municipal_per_capita_levy_yen,
                        prefectural_income_levy_yen: t.prefectural_income_levy_yen,
                        prefectural_per_capita_levy_yen: t.prefectural_per_capita_levy_yen,
                        forest_env_tax_yen: t.forest_env_tax_yen,
                        total_yen: t.total_yen,
                    },
                    tax_credits: tax_credits?,
                    under_revision: a.under_revision,
                    own_categories: own_categories?,
                    declared_as_dependant: a.declared_as_dependant,
                }))
            });
            (RecordType::Assessment, record)
        }
        Some(W::Payment(x)) => {
            let last_due_date = p.optional_date("last_due_date", &x.last_due_date);
            let last_paid_on = p.optional_date("last_paid_on", &x.last_paid_on);
            let instalments = x
                .instalments
                .iter()
                .enumerate()
                .map(|(i, w)| Instalment {
                    number: u8::try_from(w.number).unwrap_or_else(|_| {
                        p.0.push(FieldProblem::new(
                            format!("instalments[{i}].number"),
                            "must be from 1 to 255",
                        ));
                        0
                    }),
                    due_date: p.date(&format!("instalments[{i}].due_date"), &w.due_date),
                    amount_yen: w.amount_yen,
                    paid_yen: w.paid_yen,
                    paid_on: p.optional_date(&format!("instalments[{i}].paid_on"), &w.paid_on),
                })
                .collect();
            (
                RecordType::Payment,
                Some(SyncRecord::Payment(Payment {
                    addressee_no: x.addressee_no,
                    fiscal_year: x.fiscal_year,
                    tax_item: x.tax_item,
                    assessed_yen: x.assessed_yen,
                    paid_yen: x.paid_yen,
                    unpaid_yen: x.unpaid_yen,
                    last_due_date,
                    last_paid_on,
                    instalments,
                })),
            )
        }
        Some(W::ResidentDeletion(k)) => (
            RecordType::ResidentDeletion,
            Some(SyncRecord::ResidentDeletion {
                addressee_no: k.addressee_no,
            }),
        ),
        Some(W::CardLinkDeletion(k)) => (
            RecordType::CardLinkDeletion,
            Some(SyncRecord::CardLinkDeletion {
                card_serial: k.card_serial,
            }),
        ),
        Some(W::AssessmentDeletion(k)) => (
            RecordType::AssessmentDeletion,
            Some(SyncRecord::AssessmentDeletion {
                addressee_no: k.addressee_no,
                fiscal_year: k.fiscal_year,
            }),
        ),
        Some(W::PaymentDeletion(k)) => (
            RecordType::PaymentDeletion,
            Some(SyncRecord::PaymentDeletion {
                addressee_no: k.addressee_no,
                fiscal_year: k.fiscal_year,
                tax_item: k.tax_item,
            }),
        ),
    };
    match (record, p.0.is_empty()) {
        (Some(record), true) => (record_type, Ok(record)),
        (_, _) if !p.0.is_empty() => (record_type, Err(p.0)),
        _ => (
            record_type,
            Err(vec![FieldProblem::new("record", "could not be read")]),
        ),
    }
}

fn date_text(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// A domain record as the wire carries it.
pub fn record_to_wire(record: &SyncRecord) -> pb::SyncRecord {
    use pb::sync_record::Record as W;
    let wire = match record {
        SyncRecord::Resident(r) => W::Resident(pb::Resident {
            addressee_no: r.addressee_no.clone(),
            name: r.name.clone(),
            name_kana: r.name_kana.clone(),
            birth_date: date_text(Some(r.birth_date)),
            address: r.address.clone(),
            status: r.status.code().to_owned(),
            status_date: date_text(r.status.date()),
            moved_in_on: date_text(r.moved_in_on),
            protection_measure: r.protection_measure,
            issuance_stopped: r.issuance_stopped,
        }),
        SyncRecord::CardLink(c) => W::CardLink(pb::CardLink {
            card_serial: c.card_serial.clone(),
            addressee_no: c.addressee_no.clone(),
            valid_from: date_text(Some(c.valid_from)),
            valid_until: date_text(c.valid_until),
        }),
        SyncRecord::Assessment(a) => {
            let d = &a.dependants;
            let t = &a.tax;
            W::Assessment(pb::Assessment {
                addressee_no: a.addressee_no.clone(),
                fiscal_year: a.fiscal_year,
                address_on_assessment_date: a
                    .address_on_assessment_date
                    .clone()
                    .unwrap_or_default(),
                declared: a.declared,
                taxable: a.taxable,
                collection_methods: a
                    .collection_methods
                    .iter()
                    .map(|m| m.code().to_owned())
                    .collect(),
                collection_method: String::new(),
                income_lines: a
                    .income_lines
                    .iter()
                    .map(|l| pb::IncomeLine {
                        kind: l.kind.code().to_owned(),
                        revenue_yen: l.revenue_yen,
                        income_yen: l.income_yen,
                    })
                    .collect(),
                separate_income_lines: a
                    .separate_income_lines
                    .iter()
                    .map(|l| pb::SeparateIncomeLine {
                        kind: l.kind.code().to_owned(),
                        revenue_yen: l.revenue_yen,
                        income_yen: l.income_yen,
                        taxable_base_yen: l.taxable_base_yen,
                    })
                    .collect(),
                carried_forward_loss_yen: a.carried_forward_loss_yen,
                income_adjustment_yen: a.income_adjustment_yen,
                own_categories: a
                    .own_categories
                    .iter()
                    .map(|c| c.code().to_owned())
                    .collect(),
                declared_as_dependant: a.declared_as_dependant,
                deduction_lines: a
                    .deduction_lines
                    .iter()
                    .map(|l| pb::DeductionLine {
                        kind: l.kind.code().to_owned(),
                        amount_yen: l.amount_yen,
                    })
                    .collect(),
                dependants: Some(pb::Dependants {
                    has_qualifying_spouse: d.has_qualifying_spouse,
                    general: d.general.into(),
                    specific: d.specific.into(),
                    elderly: d.elderly.into(),
                    elderly_cohabiting_parents: d.elderly_cohabiting_parents.into(),
                    under_16: d.under_16.into(),
                    disabled_special: d.disabled_special.into(),
                    disabled_ordinary: d.disabled_ordinary.into(),
                    disabled_special_cohabiting: d.disabled_special_cohabiting.into(),
                }),
                total_income_yen: a.total_income_yen,
                aggregate_income_yen: a.aggregate_income_yen,
                tax: Some(pb::TaxAmounts {
                    taxable_base_yen: t.taxable_base_yen,
                    municipal_income_levy_yen: t.municipal_income_levy_yen,
                    municipal_per_capita_levy_yen: t.municipal_per_capita_levy_yen,
                    prefectural_income_levy_yen: t.prefectural_income_levy_yen,
                    prefectural_per_capita_levy_yen: t.prefectural_per_capita_levy_yen,
                    forest_env_tax_yen: t.forest_env_tax_yen,
                    total_yen: t.total_yen,
                    separate_taxable_base_yen: t.separate_taxable_base_yen,
                    municipal_income_levy_before_credits_yen: t
                        .municipal_income_levy_before_credits_yen,
                    prefectural_income_levy_before_credits_yen: t
                        .prefectural_income_levy_before_credits_yen,
                }),
                under_revision: a.under_revision,
                tax_credits: a
                    .tax_credits
                    .iter()
                    .map(|l| pb::TaxCreditLine {
                        kind: l.kind.code().to_owned(),
                        amount_yen: l.amount_yen,
                        municipal_amount_yen: l.municipal_amount_yen,
                    })
                    .collect(),
            })
        }
        SyncRecord::Payment(x) => W::Payment(pb::Payment {
            addressee_no: x.addressee_no.clone(),
            fiscal_year: x.fiscal_year,
            tax_item: x.tax_item.clone(),
            assessed_yen: x.assessed_yen,
            paid_yen: x.paid_yen,
            unpaid_yen: x.unpaid_yen,
            last_due_date: date_text(x.last_due_date),
            last_paid_on: date_text(x.last_paid_on),
            instalments: x
                .instalments
                .iter()
                .map(|i| pb::Instalment {
                    number: i32::from(i.number),
                    due_date: date_text(Some(i.due_date)),
                    amount_yen: i.amount_yen,
                    paid_yen: i.paid_yen,
                    paid_on: date_text(i.paid_on),
                })
                .collect(),
        }),
        SyncRecord::ResidentDeletion { addressee_no } => W::ResidentDeletion(pb::ResidentKey {
            addressee_no: addressee_no.clone(),
        }),
        SyncRecord::CardLinkDeletion { card_serial } => W::CardLinkDeletion(pb::CardLinkKey {
            card_serial: card_serial.clone(),
        }),
        SyncRecord::AssessmentDeletion {
            addressee_no,
            fiscal_year,
        } => W::AssessmentDeletion(pb::AssessmentKey {
            addressee_no: addressee_no.clone(),
            fiscal_year: *fiscal_year,
        }),
        SyncRecord::PaymentDeletion {
            addressee_no,
            fiscal_year,
            tax_item,
        } => W::PaymentDeletion(pb::PaymentKey {
            addressee_no: addressee_no.clone(),
            fiscal_year: *fiscal_year,
            tax_item: tax_item.clone(),
        }),
    };
    pb::SyncRecord { record: Some(wire) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unknown_code_in_a_record_is_reported() {
        let wire = pb::SyncRecord {
            record: Some(pb::sync_record::Record::Assessment(pb::Assessment {
                addressee_no: "0000000001".into(),
                fiscal_year: 2025,
                collection_methods: vec!["payroll_withholding".into()],
                income_lines: vec![pb::IncomeLine {
                    kind: "lottery".into(),
                    revenue_yen: 1,
                    income_yen: 1,
                }],
                tax_credits: vec![
                    pb::TaxCreditLine {
                        kind: "adjustment".into(),
                        amount_yen: 2_500,
                        municipal_amount_yen: None,
                    },
                    pb::TaxCreditLine {
                        kind: "bonus".into(),
                        amount_yen: 1,
                        municipal_amount_yen: None,
                    },
                ],
                ..Default::default()
            })),
        };
        let (record_type, parsed) = record_from_wire(wire);
        assert_eq!(record_type, RecordType::Assessment);
        let fields: Vec<String> = parsed.unwrap_err().into_iter().map(|p| p.field).collect();
        assert_eq!(fields, vec!["income_lines[0].kind", "tax_credits[1].kind"]);
    }

    #[test]
    fn an_older_senders_single_collection_method_is_read_and_none_is_a_problem() {
        let assessment = |older: &str, methods: Vec<String>| pb::SyncRecord {
            record: Some(pb::sync_record::Record::Assessment(pb::Assessment {
                addressee_no: "0000000001".into(),
                fiscal_year: 2025,
                collection_method: older.into(),
                collection_methods: methods,
                ..Default::default()
            })),
        };
        let Ok(SyncRecord::Assessment(read)) =
            record_from_wire(assessment("withholding", vec![])).1
        else {
            panic!("not read");
        };
        assert_eq!(
            read.collection_methods,
            vec![CollectionMethod::PensionWithholding]
        );
        // The list wins over the older field.
        let Ok(SyncRecord::Assessment(read)) =
            record_from_wire(assessment("mixed", vec!["payroll_withholding".into()])).1
        else {
            panic!("not read");
        };
        assert_eq!(
            read.collection_methods,
            vec![CollectionMethod::PayrollWithholding]
        );
        for (older, methods, field) in [
            ("", vec![], "collection_methods"),
            ("", vec!["payroll".into()], "collection_methods[0]"),
            ("monthly", vec![], "collection_method"),
        ] {
            let problems = record_from_wire(assessment(older, methods)).1.unwrap_err();
            assert_eq!(
                problems
                    .iter()
                    .map(|p| p.field.as_str())
                    .collect::<Vec<_>>(),
                vec![field]
            );
        }
    }

    fn round_trip(record: &SyncRecord) {
        let (record_type, parsed) = record_from_wire(record_to_wire(record));
        assert_eq!(record_type, record.record_type());
        assert_eq!(parsed.as_ref(), Ok(record), "{record_type:?}");
    }

    #[test]
    fn every_record_type_survives_the_wire_both_ways() {
        use crate::tools::synthetic::{self, sample};
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let assessment = sample::assessment(2025, true);
        let mut records = vec![
            SyncRecord::Resident(sample::resident()),
            SyncRecord::CardLink(CardLink {
                card_serial: "0A1B2C3D".into(),
                addressee_no: "0000000001".into(),
                valid_from: date(2024, 4, 1),
                valid_until: Some(date(2029, 3, 31)),
            }),
            SyncRecord::Assessment(sample::assessment(2025, false)),
            SyncRecord::ResidentDeletion {
                addressee_no: "0000000001".into(),
            },
            SyncRecord::CardLinkDeletion {
                card_serial: "0A1B".into(),
            },
            SyncRecord::AssessmentDeletion {
                addressee_no: "0000000001".into(),
                fiscal_year: 2024,
            },
            SyncRecord::PaymentDeletion {
                addressee_no: "0000000001".into(),
                fiscal_year: 2025,
                tax_item: "inhabitant_tax".into(),
            },
        ];
        records.extend(
            sample::payments(&assessment)
                .into_iter()
                .map(SyncRecord::Payment),
        );
        records.push(SyncRecord::Assessment(assessment));
        // A synthetic ward's variety: statuses, collection methods, non-taxed and undeclared years.
        let ward = synthetic::Municipality {
            lg_code: crate::domain::lg_code::LgCode::parse("131041").unwrap(),
            prefecture_name: "東京都".into(),
            city_name: "新宿区".into(),
            kind: crate::domain::municipality::MunicipalityKind::SpecialWard,
        };
        records.extend(synthetic::records(7, &ward, 300, 2025));
        for record_type in RecordType::ALL {
            assert!(
                records.iter().any(|r| r.record_type() == record_type),
                "no {record_type:?} in the test"
            );
        }
        for record in &records {
            round_trip(record);
        }
    }
}
