//! Addresses inside the municipality, written as registers write them: 町名 and 丁目 in kanji
//! numerals, 番 and 号 (or 番地) in half-width digits, then optionally a building and room.

use super::Municipality;
use rand::Rng;
use rand::rngs::SmallRng;

/// (町名, number of 丁目); 0 means the town has no 丁目 and keeps 番地 addressing.
const SHINJUKU_TOWNS: &[(&str, u8)] = &[
    ("西新宿", 8),
    ("新宿", 7),
    ("高田馬場", 4),
    ("歌舞伎町", 2),
    ("四谷", 4),
    ("神楽坂", 6),
    ("早稲田鶴巻町", 0),
    ("大久保", 3),
    ("百人町", 4),
    ("上落合", 3),
    ("中落合", 4),
    ("下落合", 4),
    ("西落合", 4),
    ("北新宿", 4),
    ("戸山", 3),
    ("信濃町", 0),
    ("市谷本村町", 0),
    ("若松町", 0),
    ("余丁町", 0),
    ("西早稲田", 3),
];

const GENERIC_TOWNS: &[(&str, u8)] = &[
    ("本町", 5),
    ("中央", 4),
    ("栄町", 3),
    ("緑町", 3),
    ("旭町", 4),
    ("幸町", 2),
    ("寿町", 3),
    ("東町", 4),
    ("西町", 4),
    ("南町", 3),
    ("北町", 3),
    ("桜町", 2),
    ("宮下", 0),
    ("新田", 0),
];

const KANJI_DIGITS: [&str; 9] = ["一", "二", "三", "四", "五", "六", "七", "八", "九"];

/// Building names: (name, tallest floor); apartment blocks are low, towers high.
const BUILDINGS: &[(&str, u32)] = &[
    ("パークハイツ", 15),
    ("グランドメゾン", 12),
    ("コーポ", 3),
    ("レジデンス", 20),
    ("ハイム", 4),
    ("ハイツ", 3),
    ("マンション", 9),
    ("コート", 6),
    ("テラス", 5),
    ("タワー", 40),
];

/// The city name without its 区/市/町/村 suffix, to prefix building names (新宿パークハイツ).
fn city_stem(city: &str) -> &str {
    city.strip_suffix(['区', '市', '町', '村']).unwrap_or(city)
}

/// "東京都新宿区西新宿二丁目8番1号", sometimes followed by "　新宿パークハイツ1203号".
pub fn address(rng: &mut SmallRng, m: &Municipality) -> String {
    let towns = if m.city_name == "新宿区" {
        SHINJUKU_TOWNS
    } else {
        GENERIC_TOWNS
    };
    let (town, chome_count) = towns[rng.random_range(0..towns.len())];
    let mut out = format!("{}{}{town}", m.prefecture_name, m.city_name);
    if chome_count == 0 {
        out.push_str(&format!("{}番地", rng.random_range(1..=600)));
    } else {
        let chome = KANJI_DIGITS[rng.random_range(0..usize::from(chome_count))];
        out.push_str(&format!(
            "{chome}丁目{}番{}号",
            rng.random_range(1..=30),
            rng.random_range(1..=25)
        ));
    }
    if rng.random_bool(0.45) {
        let (building, floors) = BUILDINGS[rng.random_range(0..BUILDINGS.len())];
        let prefix = if rng.random_bool(0.5) {
            city_stem(&m.city_name)
        } else {
            town
        };
        let room = rng.random_range(1..=floors) * 100 + rng.random_range(1..=12);
        out.push_str(&format!("\u{3000}{prefix}{building}{room}号"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lg_code::LgCode;
    use rand::SeedableRng;

    fn municipality(city: &str) -> Municipality {
        Municipality {
            lg_code: LgCode::parse("131041").unwrap(),
            prefecture_name: "東京都".into(),
            city_name: city.into(),
            kind: crate::domain::municipality::MunicipalityKind::SpecialWard,
        }
    }

    #[test]
    fn addresses_follow_the_register_style() {
        let mut rng = SmallRng::seed_from_u64(1);
        for city in ["新宿区", "八王子市"] {
            let m = municipality(city);
            for _ in 0..500 {
                let a = address(&mut rng, &m);
                assert!(a.starts_with(&format!("東京都{city}")), "{a}");
                assert!(a.contains('番'), "{a}");
                assert!(!a.chars().any(|c| ('０'..='９').contains(&c)), "{a}");
                assert!(a.chars().count() <= 60, "{a}");
            }
        }
        assert_eq!(city_stem("新宿区"), "新宿");
        assert_eq!(city_stem("八王子市"), "八王子");
    }
}
