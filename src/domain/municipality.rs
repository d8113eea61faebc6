//! What kind of local government a municipality is, and the inhabitant-tax names that follow
//! from it under the Local Tax Act: a Tokyo special ward levies 特別区民税, a city 市民税, a town
//! 町民税, a village 村民税; the prefecture levies 都民税, 道民税, 府民税 or 県民税.

use serde::{Deserialize, Serialize};

/// Which tax names a municipality prints: a Tokyo special ward 特別区民税・都民税, a city 市民税, …
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MunicipalityKind {
    /// 特別区 (Tokyo's 23 wards)
    SpecialWard,
    /// 市
    City,
    /// 政令指定都市 (e.g. 横浜市): a city whose 所得割 is split 8% + 2% since FY2018, because it
    /// took over the prefecture's duties (and cost) for public-school teachers.
    DesignatedCity,
    /// 町
    Town,
    /// 村
    Village,
}

/// The inhabitant-tax names a certificate prints, municipal then prefectural, for a municipality
/// of `kind` in `prefecture` (e.g. "東京都", "北海道", "大阪府", "神奈川県").
pub fn inhabitant_tax_names(
    kind: MunicipalityKind,
    prefecture: &str,
) -> (&'static str, &'static str) {
    let prefectural = match prefecture.chars().last() {
        Some('都') => "都民税",
        Some('道') => "道民税",
        Some('府') => "府民税",
        _ => "県民税",
    };
    let municipal = match kind {
        MunicipalityKind::SpecialWard => "特別区民税",
        MunicipalityKind::City | MunicipalityKind::DesignatedCity => "市民税",
        MunicipalityKind::Town => "町民税",
        MunicipalityKind::Village => "村民税",
    };
    (municipal, prefectural)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(kind: MunicipalityKind, prefecture: &str, expected: (&str, &str)) {
        assert_eq!(
            inhabitant_tax_names(kind, prefecture),
            expected,
            "{kind:?} {prefecture}"
        );
    }

    #[test]
    fn tax_names_follow_the_municipality_kind_and_prefecture() {
        use MunicipalityKind as K;
        check(K::SpecialWard, "東京都", ("特別区民税", "都民税"));
        check(K::City, "神奈川県", ("市民税", "県民税"));
        check(K::City, "大阪府", ("市民税", "府民税"));
        check(K::DesignatedCity, "神奈川県", ("市民税", "県民税"));
        check(K::Town, "北海道", ("町民税", "道民税"));
        check(K::Village, "長野県", ("村民税", "県民税"));
    }
}
