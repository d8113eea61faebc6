//! What goes on a certificate page, as plain text already formatted for print (和暦 dates,
//! amounts with separators). The renderer lays it out; it does not know what a tax is.

/// One A4 portrait certificate page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// e.g. "令和7年度 特別区民税・都民税 所得・課税証明書"
    pub title: String,
    /// e.g. "（令和6年1月1日から令和6年12月31日までの所得）"
    pub subtitle: Option<String>,
    /// The person block: label / value rows (住所, 氏名, フリガナ, 生年月日 …).
    pub person: Vec<Field>,
    /// Tables, in reading order. A table with more than two value columns spans the page; the
    /// others fill two columns, each going where the page is shorter.
    pub sections: Vec<Section>,
    /// One line printed under the tables (the municipality's note for this kind), if any.
    pub note: Option<String>,
    /// The mark that closes the content, e.g. "以下余白": nothing can be added below it.
    pub end_mark: String,
    /// "上記のとおり証明します。"
    pub certify_text: String,
    /// e.g. "令和7年6月10日"
    pub issue_date: String,
    /// e.g. "証明書番号 第R7-000123号"
    pub certificate_number: String,
    /// The certifying head's title and name, e.g. "新宿区長　吉住　健一"
    pub issuer: String,
    /// The official seal (公印), stamped over the end of the issuer's name.
    pub seal: super::seal::Seal,
    /// Small print at the foot of the page.
    pub footnote: Option<String>,
}

/// One row of the person block, e.g. 「氏名」「山田　花子」.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// e.g. "住所"
    pub label: String,
    /// The text as printed; names and addresses exactly as registered.
    pub value: String,
}

/// A table: a heading, optional column headers over the value columns, and rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// e.g. "所得の内訳（円）"
    pub heading: String,
    /// Headers of the value columns, e.g. ["収入金額", "所得金額"]; empty for one unlabeled column.
    pub columns: Vec<String>,
    /// The table's rows, in print order.
    pub rows: Vec<Row>,
}

/// A table row: a label and one right-aligned value per column ("" leaves a cell empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// e.g. "給与"
    pub label: String,
    /// One cell per column, already formatted (e.g. "4,500,000").
    pub values: Vec<String>,
}
