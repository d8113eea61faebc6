//! A fully populated synthetic 所得・課税証明書 page, used by tests, benchmarks and previews.

use super::document::{Document, Field, Row, Section};

fn row(label: &str, values: &[&str]) -> Row {
    Row {
        label: label.into(),
        values: values.iter().map(|v| (*v).into()).collect(),
    }
}

/// The largest realistic certificate: every income kind, many deductions, dependants, taxes.
pub fn sample_document() -> Document {
    Document {
        title: "令和7年度　特別区民税・都民税　所得・課税証明書".into(),
        subtitle: Some("（令和6年中の所得に基づく）".into()),
        person: vec![
            Field {
                label: "住所".into(),
                value: "東京都新宿区西新宿二丁目8番1号　新宿パークハイツ1203号".into(),
            },
            Field {
                label: "令和7年1月1日現在の住所".into(),
                value: "東京都新宿区西新宿二丁目8番1号　新宿パークハイツ1203号".into(),
            },
            Field {
                label: "フリガナ".into(),
                value: "ヤマダ　ハナコ".into(),
            },
            Field {
                label: "氏名".into(),
                value: "山田　花子".into(),
            },
            Field {
                label: "生年月日".into(),
                value: "昭和60年4月15日".into(),
            },
        ],
        sections: vec![
            Section {
                heading: "所得の内訳（円）".into(),
                columns: vec!["収入金額".into(), "所得金額".into()],
                rows: vec![
                    row("営業等所得", &["0", "0"]),
                    row("農業所得", &["0", "0"]),
                    row("不動産所得", &["480,000", "120,000"]),
                    row("利子所得", &["0", "0"]),
                    row("配当所得", &["35,000", "35,000"]),
                    row("給与所得", &["6,850,000", "5,065,000"]),
                    row("公的年金等所得", &["0", "0"]),
                    row("雑（業務）所得", &["0", "0"]),
                    row("雑（その他）所得", &["60,000", "48,000"]),
                    row("総合譲渡所得", &["0", "0"]),
                    row("一時所得", &["0", "0"]),
                    row("合計所得金額", &["", "5,268,000"]),
                    row("総所得金額等", &["", "5,268,000"]),
                ],
            },
            Section {
                heading: "所得控除（円）".into(),
                columns: vec![],
                rows: vec![
                    row("社会保険料控除", &["1,012,345"]),
                    row("小規模企業共済等掛金控除", &["276,000"]),
                    row("生命保険料控除", &["70,000"]),
                    row("地震保険料控除", &["25,000"]),
                    row("寡婦控除", &["0"]),
                    row("ひとり親控除", &["0"]),
                    row("勤労学生控除", &["0"]),
                    row("障害者控除", &["0"]),
                    row("配偶者控除", &["330,000"]),
                    row("配偶者特別控除", &["0"]),
                    row("扶養控除", &["330,000"]),
                    row("基礎控除", &["430,000"]),
                    row("雑損控除", &["0"]),
                    row("医療費控除", &["52,400"]),
                    row("所得控除合計", &["2,525,745"]),
                ],
            },
            Section {
                heading: "扶養等の状況".into(),
                columns: vec![],
                rows: vec![
                    row("控除対象配偶者", &["有"]),
                    row("扶養親族（一般）", &["1人"]),
                    row("扶養親族（特定）", &["0人"]),
                    row("扶養親族（老人）", &["0人"]),
                    row("扶養親族（同居老親等）", &["0人"]),
                    row("扶養親族（16歳未満）", &["1人"]),
                    row("障害者（特別・同居特別）", &["0人"]),
                    row("障害者（普通）", &["0人"]),
                ],
            },
            Section {
                heading: "税額（円）".into(),
                columns: vec![],
                rows: vec![
                    row("課税標準額", &["2,742,000"]),
                    row("特別区民税 所得割額", &["163,000"]),
                    row("特別区民税 均等割額", &["3,000"]),
                    row("都民税 所得割額", &["108,600"]),
                    row("都民税 均等割額", &["1,000"]),
                    row("森林環境税", &["1,000"]),
                    row("年税額", &["276,600"]),
                ],
            },
        ],
        certify_text: "上記のとおり証明します。".into(),
        issue_date: "令和7年6月10日".into(),
        certificate_number: "証明書番号　R7-0000123".into(),
        issuer: "新宿区長　新宿　太郎".into(),
        seal: super::Seal::Text("新宿区長之印".into()),
        footnote: Some(
            "この証明書はコンビニエンスストア等のキオスク端末で交付したものです。記載事項を訂正したものは無効です。"
                .into(),
        ),
    }
}
