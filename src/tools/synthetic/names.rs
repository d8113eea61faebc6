//! Japanese family and given names with their katakana readings: common family names weighted
//! like a real register, given names by birth generation, and the variant-character family names
//! (JIS X 0213 variants, ideographic variation sequences) registers also hold.

use rand::Rng;
use rand::rngs::SmallRng;

/// (family name, reading), most common first: the pick is skewed towards the head of the list.
const FAMILY_NAMES: &[(&str, &str)] = &[
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山田", "ヤマダ"),
    ("佐々木", "ササキ"),
    ("山口", "ヤマグチ"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("林", "ハヤシ"),
    ("斎藤", "サイトウ"),
    ("清水", "シミズ"),
    ("山崎", "ヤマザキ"),
    ("森", "モリ"),
    ("池田", "イケダ"),
    ("橋本", "ハシモト"),
    ("阿部", "アベ"),
    ("石川", "イシカワ"),
    ("山下", "ヤマシタ"),
    ("中島", "ナカジマ"),
    ("石井", "イシイ"),
    ("小川", "オガワ"),
    ("前田", "マエダ"),
    ("岡田", "オカダ"),
    ("長谷川", "ハセガワ"),
    ("藤田", "フジタ"),
    ("後藤", "ゴトウ"),
    ("近藤", "コンドウ"),
    ("村上", "ムラカミ"),
    ("遠藤", "エンドウ"),
    ("青木", "アオキ"),
    ("坂本", "サカモト"),
    ("斉藤", "サイトウ"),
    ("福田", "フクダ"),
    ("太田", "オオタ"),
    ("西村", "ニシムラ"),
    ("藤井", "フジイ"),
    ("金子", "カネコ"),
    ("岡本", "オカモト"),
    ("藤原", "フジワラ"),
    ("中野", "ナカノ"),
    ("三浦", "ミウラ"),
    ("原田", "ハラダ"),
    ("中川", "ナカガワ"),
    ("松田", "マツダ"),
    ("竹内", "タケウチ"),
    ("小野", "オノ"),
    ("田村", "タムラ"),
    ("中山", "ナカヤマ"),
    ("和田", "ワダ"),
    ("石田", "イシダ"),
    ("森田", "モリタ"),
    ("上田", "ウエダ"),
    ("原", "ハラ"),
    ("内田", "ウチダ"),
    ("柴田", "シバタ"),
    ("酒井", "サカイ"),
    ("宮崎", "ミヤザキ"),
    ("横山", "ヨコヤマ"),
    ("高木", "タカギ"),
    ("安藤", "アンドウ"),
    ("宮本", "ミヤモト"),
    ("大野", "オオノ"),
    ("小島", "コジマ"),
    ("谷口", "タニグチ"),
    ("今井", "イマイ"),
    ("工藤", "クドウ"),
    ("高田", "タカダ"),
    ("増田", "マスダ"),
    ("丸山", "マルヤマ"),
    ("杉山", "スギヤマ"),
    ("村田", "ムラタ"),
    ("大塚", "オオツカ"),
    ("新井", "アライ"),
    ("小山", "コヤマ"),
    ("平野", "ヒラノ"),
    ("藤本", "フジモト"),
    ("河野", "コウノ"),
    ("上野", "ウエノ"),
    ("野口", "ノグチ"),
    ("武田", "タケダ"),
    ("松井", "マツイ"),
    ("千葉", "チバ"),
    ("岩崎", "イワサキ"),
    ("菅原", "スガワラ"),
    ("木下", "キノシタ"),
    ("久保", "クボ"),
    ("佐野", "サノ"),
    ("野村", "ノムラ"),
    ("松尾", "マツオ"),
    ("市川", "イチカワ"),
    ("菊地", "キクチ"),
];

/// Family names that need more than everyday JIS: JIS X 0213 variants (髙, 﨑, 邊, 齋), a
/// character outside the BMP (𠮷), and ideographic variation sequences (base + VS17, U+E0100)
/// that only an IPAmj-class font prints as registered. Each base+selector pair is one unit.
const VARIANT_FAMILY_NAMES: &[(&str, &str)] = &[
    ("髙橋", "タカハシ"),
    ("葛\u{E0100}西", "カサイ"),
    ("山﨑", "ヤマザキ"),
    ("辻\u{E0100}", "ツジ"),
    ("𠮷田", "ヨシダ"),
    ("渡邊", "ワタナベ"),
    ("葛\u{E0100}城", "カツラギ"),
    ("齋藤", "サイトウ"),
    ("辻\u{E0100}本", "ツジモト"),
    ("宮﨑", "ミヤザキ"),
];

/// (given name, reading, female) for people born up to 1945.
const GIVEN_BORN_TO_1945: &[(&str, &str, bool)] = &[
    ("清", "キヨシ", false),
    ("茂", "シゲル", false),
    ("勇", "イサム", false),
    ("正雄", "マサオ", false),
    ("武", "タケシ", false),
    ("博", "ヒロシ", false),
    ("実", "ミノル", false),
    ("三郎", "サブロウ", false),
    ("進", "ススム", false),
    ("弘", "ヒロシ", false),
    ("和子", "カズコ", true),
    ("節子", "セツコ", true),
    ("幸子", "サチコ", true),
    ("久子", "ヒサコ", true),
    ("文子", "フミコ", true),
    ("静子", "シズコ", true),
    ("千代子", "チヨコ", true),
    ("トシ", "トシ", true),
    ("キヨ", "キヨ", true),
    ("貞子", "サダコ", true),
];

const GIVEN_BORN_1946_TO_1975: &[(&str, &str, bool)] = &[
    ("誠", "マコト", false),
    ("浩", "ヒロシ", false),
    ("隆", "タカシ", false),
    ("健一", "ケンイチ", false),
    ("和也", "カズヤ", false),
    ("哲也", "テツヤ", false),
    ("修", "オサム", false),
    ("明", "アキラ", false),
    ("秀樹", "ヒデキ", false),
    ("直樹", "ナオキ", false),
    ("恵子", "ケイコ", true),
    ("洋子", "ヨウコ", true),
    ("裕子", "ユウコ", true),
    ("真由美", "マユミ", true),
    ("直美", "ナオミ", true),
    ("久美子", "クミコ", true),
    ("由美子", "ユミコ", true),
    ("明美", "アケミ", true),
    ("智子", "トモコ", true),
    ("陽子", "ヨウコ", true),
];

const GIVEN_BORN_1976_TO_2000: &[(&str, &str, bool)] = &[
    ("大輔", "ダイスケ", false),
    ("翔太", "ショウタ", false),
    ("拓也", "タクヤ", false),
    ("健太", "ケンタ", false),
    ("達也", "タツヤ", false),
    ("翼", "ツバサ", false),
    ("大樹", "ダイキ", false),
    ("翔", "ショウ", false),
    ("直人", "ナオト", false),
    ("亮", "リョウ", false),
    ("美咲", "ミサキ", true),
    ("愛", "アイ", true),
    ("彩", "アヤ", true),
    ("舞", "マイ", true),
    ("麻衣", "マイ", true),
    ("沙織", "サオリ", true),
    ("優子", "ユウコ", true),
    ("恵", "メグミ", true),
    ("明日香", "アスカ", true),
    ("千尋", "チヒロ", true),
];

const GIVEN_BORN_FROM_2001: &[(&str, &str, bool)] = &[
    ("陽翔", "ハルト", false),
    ("蓮", "レン", false),
    ("湊", "ミナト", false),
    ("蒼", "アオイ", false),
    ("悠真", "ユウマ", false),
    ("樹", "イツキ", false),
    ("大翔", "ヒロト", false),
    ("颯太", "ソウタ", false),
    ("陸", "リク", false),
    ("悠人", "ユウト", false),
    ("結菜", "ユイナ", true),
    ("陽葵", "ヒマリ", true),
    ("芽依", "メイ", true),
    ("さくら", "サクラ", true),
    ("結衣", "ユイ", true),
    ("凛", "リン", true),
    ("紬", "ツムギ", true),
    ("葵", "アオイ", true),
    ("莉子", "リコ", true),
    ("美桜", "ミオ", true),
];

/// One in this many people carries a variant-character family name.
pub const VARIANT_EVERY: usize = 200;

/// A full name and its reading, family and given parts separated by U+3000.
///
/// Variant names go to exactly one person in [`VARIANT_EVERY`] (by index, not by chance) and
/// cycle through the table, so even a population of 2,000 shows every kind of variant.
pub fn full_name(
    rng: &mut SmallRng,
    index: usize,
    birth_year: i32,
    female: bool,
) -> (String, String) {
    let (family, family_kana) = if index % VARIANT_EVERY == VARIANT_EVERY / 2 {
        VARIANT_FAMILY_NAMES[(index / VARIANT_EVERY) % VARIANT_FAMILY_NAMES.len()]
    } else {
        // Squaring a uniform draw favours the head of the list, as real name frequencies do.
        let u: f64 = rng.random();
        FAMILY_NAMES[((u * u) * FAMILY_NAMES.len() as f64) as usize]
    };
    let generation = match birth_year {
        ..=1945 => GIVEN_BORN_TO_1945,
        1946..=1975 => GIVEN_BORN_1946_TO_1975,
        1976..=2000 => GIVEN_BORN_1976_TO_2000,
        _ => GIVEN_BORN_FROM_2001,
    };
    // Each generation table lists ten male names, then ten female ones.
    let half = generation.len() / 2;
    let pick = rng.random_range(0..half) + if female { half } else { 0 };
    let (given, given_kana, _) = generation[pick];
    (
        format!("{family}\u{3000}{given}"),
        format!("{family_kana}\u{3000}{given_kana}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_katakana(s: &str) -> bool {
        s.chars().all(|c| ('\u{30A1}'..='\u{30FC}').contains(&c))
    }

    #[test]
    fn tables_are_consistent() {
        assert!(FAMILY_NAMES.len() >= 100, "{}", FAMILY_NAMES.len());
        for (name, kana) in FAMILY_NAMES.iter().chain(VARIANT_FAMILY_NAMES) {
            assert!(!name.is_empty() && is_katakana(kana), "{name} {kana}");
        }
        let mut given = 0;
        for generation in [
            GIVEN_BORN_TO_1945,
            GIVEN_BORN_1946_TO_1975,
            GIVEN_BORN_1976_TO_2000,
            GIVEN_BORN_FROM_2001,
        ] {
            let half = generation.len() / 2;
            for (i, (name, kana, female)) in generation.iter().enumerate() {
                assert_eq!(*female, i >= half, "{name}");
                assert!(!name.is_empty() && is_katakana(kana), "{name} {kana}");
            }
            given += generation.len();
        }
        assert_eq!(given, 80);
    }

    #[test]
    fn variation_sequences_keep_base_and_selector_together() {
        for (name, _) in VARIANT_FAMILY_NAMES {
            let chars: Vec<char> = name.chars().collect();
            for (i, c) in chars.iter().enumerate() {
                if ('\u{E0100}'..='\u{E01EF}').contains(c) {
                    assert!(i > 0 && ('\u{4E00}'..='\u{9FFF}').contains(&chars[i - 1]));
                }
            }
        }
    }
}
