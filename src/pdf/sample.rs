//! A fully populated synthetic 所得・課税証明書 page, used by tests, benchmarks and previews.

use super::document::{Document, Field, Row, Section};

fn row(label: &str, values: &[&str]) -> Row {
    Row {
        label: label.into(),
        values: values.iter().map(|v| (*v).into()).collect(),
    }
}

/// The largest realistic certificate: losses, separately taxed income, many deductions, the
/// person's categories, dependants, every credit, a note.
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
                    row("営業等所得", &["2,400,000", "△310,000"]),
                    row("不動産所得", &["480,000", "120,000"]),
                    row("配当所得", &["35,000", "35,000"]),
                    row("給与所得", &["9,200,000", "7,080,000"]),
                    row("所得金額調整控除（控除済）", &["", "70,000"]),
                    row("雑所得（公的年金等）", &["0", "0"]),
                    row("雑所得（業務）", &["300,000", "120,000"]),
                    row("雑所得（その他）", &["60,000", "48,000"]),
                    row("一時所得", &["600,000", "50,000"]),
                    row("短期譲渡所得（分離）", &["12,000,000", "1,800,000"]),
                    row("株式等の譲渡所得等（分離）", &["1,200,000", "300,000"]),
                    row("上場株式等の配当所得等（分離）", &["80,000", "80,000"]),
                    row("合計所得金額", &["", "9,323,000"]),
                    row("繰越損失控除額", &["", "65,000"]),
                    row("総所得金額等", &["", "9,258,000"]),
                ],
            },
            Section {
                heading: "所得控除（円）".into(),
                columns: vec![],
                rows: vec![
                    row("社会保険料控除", &["1,312,345"]),
                    row("小規模企業共済等掛金控除", &["276,000"]),
                    row("生命保険料控除", &["70,000"]),
                    row("地震保険料控除", &["25,000"]),
                    row("ひとり親控除", &["300,000"]),
                    row("障害者控除", &["260,000"]),
                    row("扶養控除", &["780,000"]),
                    row("特定親族特別控除", &["450,000"]),
                    row("基礎控除", &["430,000"]),
                    row("雑損控除", &["120,000"]),
                    row("医療費控除", &["52,400"]),
                    row("所得控除合計", &["4,075,745"]),
                ],
            },
            Section {
                heading: "本人該当区分".into(),
                columns: vec![],
                rows: vec![row("障害者", &["該当"]), row("ひとり親", &["該当"])],
            },
            Section {
                heading: "控除対象配偶者・扶養親族・障害者の数（人）".into(),
                columns: [
                    "控除対象配偶者",
                    "扶養（一般）",
                    "扶養（特定）",
                    "扶養（老人）",
                    "同居老親等",
                    "16歳未満",
                    "特別障害者",
                    "同居特別障害者",
                    "普通障害者",
                ]
                .map(String::from)
                .to_vec(),
                rows: vec![row("人数", &["無", "1", "1", "0", "1", "2", "0", "0", "1"])],
            },
            Section {
                heading: "課税標準額（円）".into(),
                columns: vec![],
                rows: vec![
                    row("総合課税分", &["5,117,000"]),
                    row("分離課税分", &["2,180,000"]),
                    row("うち短期譲渡所得", &["1,800,000"]),
                    row("うち株式等の譲渡所得等", &["300,000"]),
                    row("うち上場株式等の配当所得等", &["80,000"]),
                ],
            },
            Section {
                heading: "税額（円）".into(),
                columns: vec!["特別区民税".into(), "都民税".into(), "計".into()],
                rows: vec![
                    row("所得割額（税額控除前）", &["416,220", "277,480", "693,700"]),
                    row("調整控除", &["1,500", "1,000", "2,500"]),
                    row("配当控除", &["560", "420", "980"]),
                    row("住宅借入金等特別税額控除", &["39,000", "26,000", "65,000"]),
                    row("寄附金税額控除", &["18,000", "12,000", "30,000"]),
                    row("定額減税", &["30,000", "20,000", "50,000"]),
                    row("所得割額", &["327,100", "218,000", "545,100"]),
                    row("均等割額", &["3,000", "1,000", "4,000"]),
                    row("森林環境税（国税）", &["", "", "1,000"]),
                    row("年税額", &["330,100", "219,000", "550,100"]),
                ],
            },
        ],
        note: Some("この証明書には住宅借入金等特別税額控除の内訳を記載していません。".into()),
        end_mark: "以下余白".into(),
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
