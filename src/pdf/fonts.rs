//! Fonts: read and parsed once per process, then asked for glyphs. Text becomes glyphs here:
//! each character from the primary font (IPAex明朝) or, failing that, the fallback (IPAmj明朝);
//! a base character followed by a variation selector becomes the variant glyph the selector names.

use super::{FontError, RenderError};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use ttf_parser::{Face, GlyphId};

/// Which of the two fonts a glyph comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Slot {
    Primary = 0,
    Fallback = 1,
}

/// One parsed font. The bytes live for the whole process: fonts are read once at start-up and
/// kept until exit, which lets the parsed face borrow them without self-referential types.
pub struct Font {
    pub data: &'static [u8],
    /// The bytes subset for embedding: `data` with a `post` table that names no glyphs (see
    /// [`without_glyph_names`]).
    pub embedded: &'static [u8],
    pub face: Face<'static>,
    /// PostScript name without spaces, e.g. "IPAexMincho".
    pub postscript_name: String,
    pub units_per_em: f32,
}

impl Font {
    fn load(path: &Path) -> Result<Self, FontError> {
        let (data, embedded) = font_bytes(path)?;
        let face = Face::parse(data, 0).map_err(|e| FontError::Parse {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let postscript_name = face
            .names()
            .into_iter()
            .filter(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
            .find_map(|n| n.to_string())
            .unwrap_or_else(|| "Font".to_owned())
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        Ok(Self {
            units_per_em: f32::from(face.units_per_em()),
            data,
            embedded,
            face,
            postscript_name,
        })
    }

    fn glyph(&self, c: char) -> Option<GlyphId> {
        self.face.glyph_index(c).filter(|g| g.0 != 0)
    }

    fn variant(&self, base: char, selector: char) -> Option<GlyphId> {
        self.face
            .glyph_variation_index(base, selector)
            .filter(|g| g.0 != 0)
    }

    /// Advance width in 1/1000 em, the unit of PDF glyph widths.
    pub fn advance(&self, glyph: GlyphId) -> f32 {
        f32::from(self.face.glyph_hor_advance(glyph).unwrap_or(0)) * 1000.0 / self.units_per_em
    }
}

/// Reads a font file once per process; later renderers built on the same path share it. Gives
/// the file's bytes and the bytes to subset for embedding.
fn font_bytes(path: &Path) -> Result<(&'static [u8], &'static [u8]), FontError> {
    type Cache = Mutex<HashMap<PathBuf, (&'static [u8], &'static [u8])>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let mut cache = CACHE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(bytes) = cache.get(path) {
        return Ok(*bytes);
    }
    let bytes = std::fs::read(path).map_err(|e| FontError::Read {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    let embedded: &'static [u8] = match without_glyph_names(&bytes) {
        Some(embedded) => Box::leak(embedded.into_boxed_slice()),
        None => Box::leak(bytes.clone().into_boxed_slice()),
    };
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    cache.insert(path.to_owned(), (bytes, embedded));
    Ok((bytes, embedded))
}

/// The font's tables unchanged but for `post`, cut to its version 3 header: a font that names
/// no glyphs. A CIDFontType2 in a PDF is drawn by glyph id and read through its ToUnicode map,
/// never by glyph name; and with names present the subsetter reads all of the font's (some
/// 12,000 in IPAex明朝) for every certificate. `None` when the table directory is not what an
/// sfnt font has (the original bytes are then subset as they are).
pub fn without_glyph_names(data: &[u8]) -> Option<Vec<u8>> {
    let u16_at = |at: usize| Some(u16::from_be_bytes(data.get(at..at + 2)?.try_into().ok()?));
    let u32_at = |at: usize| Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?));
    let count = usize::from(u16_at(4)?);
    let mut tables = Vec::with_capacity(count);
    for i in 0..count {
        let record = 12 + 16 * i;
        let tag: [u8; 4] = data.get(record..record + 4)?.try_into().ok()?;
        let offset = usize::try_from(u32_at(record + 8)?).ok()?;
        let length = usize::try_from(u32_at(record + 12)?).ok()?;
        let mut table = data.get(offset..offset.checked_add(length)?)?.to_vec();
        if &tag == b"post" {
            table.truncate(32);
            if table.len() < 32 {
                return None;
            }
            table[..4].copy_from_slice(&0x0003_0000u32.to_be_bytes());
        }
        tables.push((tag, table));
    }
    let directory = 12 + 16 * count;
    let mut font = Vec::with_capacity(data.len());
    font.extend_from_slice(data.get(..12)?);
    let mut body = Vec::with_capacity(data.len());
    for (tag, table) in &tables {
        font.extend_from_slice(tag);
        font.extend_from_slice(&table_checksum(table).to_be_bytes());
        font.extend_from_slice(&u32::try_from(directory + body.len()).ok()?.to_be_bytes());
        font.extend_from_slice(&u32::try_from(table.len()).ok()?.to_be_bytes());
        body.extend_from_slice(table);
        body.resize(body.len().next_multiple_of(4), 0);
    }
    font.extend_from_slice(&body);
    Some(font)
}

/// The sfnt checksum of a table: its big-endian 32-bit words summed, the last one zero-padded.
fn table_checksum(table: &[u8]) -> u32 {
    table.chunks(4).fold(0u32, |sum, word| {
        let mut padded = [0; 4];
        padded[..word.len()].copy_from_slice(word);
        sum.wrapping_add(u32::from_be_bytes(padded))
    })
}

/// The characters a glyph stands for: one character, or a base and its variation selector.
/// Kept as characters, not a `String`: a page places hundreds of glyphs, and an allocation
/// for each was a tenth of a certificate's rendering time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GlyphText {
    pub base: char,
    pub selector: Option<char>,
}

impl GlyphText {
    /// The characters, in order.
    pub fn chars(self) -> impl Iterator<Item = char> {
        std::iter::once(self.base).chain(self.selector)
    }
}

/// A glyph placed in a line of text, with the characters it stands for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Glyph {
    pub slot: Slot,
    pub id: u16,
    /// The source text of this glyph.
    pub text: GlyphText,
    /// Advance in 1/1000 em.
    pub advance: f32,
}

pub struct FontSet {
    fonts: [Font; 2],
    /// What [`FontSet::search`] found for each character of the Basic Multilingual Plane, filled
    /// in as characters are first met (0: not yet looked up; see [`Found::encode`]): typesetting
    /// and the printability checks then index a table instead of searching two cmaps each time.
    /// The search is a pure function of the fonts, so a race only stores the same value twice.
    bmp: Box<[AtomicU64]>,
}

/// A character's glyph: which font, which glyph, its advance in 1/1000 em.
#[derive(Debug, Clone, Copy)]
struct Found {
    slot: Slot,
    id: GlyphId,
    advance: f32,
}

impl Found {
    const LOOKED_UP: u64 = 1 << 63;
    const PRESENT: u64 = 1 << 62;
    const FALLBACK: u64 = 1 << 48;

    /// A search's result as a table entry: bit 63 set, bit 62 when a glyph was found, bit 48
    /// for the fallback font, bits 32–47 the glyph id, bits 0–31 the advance's bits.
    fn encode(found: Option<Found>) -> u64 {
        match found {
            None => Self::LOOKED_UP,
            Some(f) => {
                let slot = match f.slot {
                    Slot::Primary => 0,
                    Slot::Fallback => Self::FALLBACK,
                };
                Self::LOOKED_UP
                    | Self::PRESENT
                    | slot
                    | u64::from(f.id.0) << 32
                    | u64::from(f.advance.to_bits())
            }
        }
    }

    /// A table entry read back; `None` inside when no font has the character.
    fn decode(entry: u64) -> Option<Option<Found>> {
        if entry & Self::LOOKED_UP == 0 {
            return None;
        }
        Some((entry & Self::PRESENT != 0).then(|| Found {
            slot: if entry & Self::FALLBACK != 0 {
                Slot::Fallback
            } else {
                Slot::Primary
            },
            id: GlyphId((entry >> 32) as u16),
            advance: f32::from_bits(entry as u32),
        }))
    }
}

fn is_variation_selector(c: char) -> bool {
    matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}')
}

impl FontSet {
    pub fn load(primary: &Path, fallback: &Path) -> Result<Self, FontError> {
        Ok(Self {
            fonts: [Font::load(primary)?, Font::load(fallback)?],
            bmp: (0..=0xFFFF).map(|_| AtomicU64::new(0)).collect(),
        })
    }

    /// The glyph of `c` on its own (no variation selector): the primary font's, else the
    /// fallback's.
    fn found(&self, c: char) -> Option<Found> {
        let Some(entry) = self.bmp.get(c as usize) else {
            return self.search(c);
        };
        if let Some(found) = Found::decode(entry.load(Ordering::Relaxed)) {
            return found;
        }
        let found = self.search(c);
        entry.store(Found::encode(found), Ordering::Relaxed);
        found
    }

    /// [`FontSet::found`] without the table: both cmaps searched.
    fn search(&self, c: char) -> Option<Found> {
        [Slot::Primary, Slot::Fallback]
            .into_iter()
            .find_map(|slot| {
                let font = self.font(slot);
                font.glyph(c).map(|id| Found {
                    slot,
                    id,
                    advance: font.advance(id),
                })
            })
    }

    pub fn font(&self, slot: Slot) -> &Font {
        &self.fonts[slot as usize]
    }

    /// The glyphs for `text`, or the first character that no font can print.
    pub fn glyphs(&self, text: &str) -> Result<Vec<Glyph>, RenderError> {
        let mut glyphs = Vec::with_capacity(text.len() / 2);
        self.each_glyph(text, |found, base, selector| {
            glyphs.push(Glyph {
                slot: found.slot,
                id: found.id.0,
                text: GlyphText { base, selector },
                advance: found.advance,
            });
        })?;
        Ok(glyphs)
    }

    /// The advances of the glyphs for `text` summed in 1/1000 em, exactly as [`advance_sum`]
    /// sums [`FontSet::glyphs`], without building them; or the first character no font can
    /// print.
    pub fn advance(&self, text: &str) -> Result<f32, RenderError> {
        let mut sum = 0.0;
        self.each_glyph(text, |found, _, _| sum += found.advance)?;
        Ok(sum)
    }

    /// Calls `glyph` with each glyph `text` prints, its base character and variation selector,
    /// or fails at the first character that no font can print.
    fn each_glyph(
        &self,
        text: &str,
        mut glyph: impl FnMut(Found, char, Option<char>),
    ) -> Result<(), RenderError> {
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            let unprintable = RenderError::UnprintableCharacter {
                code_point: u32::from(c),
            };
            if is_variation_selector(c) {
                // A selector with no base before it prints nothing and means nothing.
                return Err(unprintable);
            }
            let selector = chars.next_if(|&next| is_variation_selector(next));
            let found = match selector {
                // An explicit variant prints as that variant or not at all: printing the base
                // glyph would show a different character than the registered one.
                Some(vs) => [Slot::Primary, Slot::Fallback]
                    .into_iter()
                    .find_map(|slot| {
                        let font = self.font(slot);
                        font.variant(c, vs).map(|id| Found {
                            slot,
                            id,
                            advance: font.advance(id),
                        })
                    }),
                None => self.found(c),
            };
            glyph(found.ok_or(unprintable)?, c, selector);
        }
        Ok(())
    }
}

/// The glyphs' advances summed, in 1/1000 em.
pub fn advance_sum(glyphs: &[Glyph]) -> f32 {
    glyphs.iter().fold(0.0, |sum, g| sum + g.advance)
}

/// Width of glyphs at `size` points.
pub fn width(glyphs: &[Glyph], size: f32) -> f32 {
    width_of(advance_sum(glyphs), size)
}

/// Width at `size` points of text whose advances sum to `advance` (1/1000 em).
pub fn width_of(advance: f32, size: f32) -> f32 {
    advance * size / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fonts() -> FontSet {
        FontSet::load(
            Path::new("/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf"),
            Path::new("/usr/share/fonts/truetype/ipamj/ipamjm.ttf"),
        )
        .expect("fonts installed (ops/deps.sh)")
    }

    #[test]
    fn picks_the_primary_font_then_the_fallback() {
        let fonts = fonts();
        let slots = |text: &str| -> Vec<Slot> {
            fonts.glyphs(text).unwrap().iter().map(|g| g.slot).collect()
        };
        assert_eq!(slots("山田"), vec![Slot::Primary, Slot::Primary]);
        // 𠮷 (U+20BB7) is not in IPAex明朝 but is in IPAmj明朝.
        let tsuchi_yoshi = '\u{20BB7}';
        assert!(fonts.font(Slot::Primary).glyph(tsuchi_yoshi).is_none());
        assert_eq!(slots("𠮷田"), vec![Slot::Fallback, Slot::Primary]);
    }

    #[test]
    fn the_table_finds_what_the_cmaps_do() {
        let fonts = fonts();
        let same = |a: Option<Found>, b: Option<Found>| match (a, b) {
            (None, None) => true,
            (Some(a), Some(b)) => {
                (a.slot, a.id, a.advance.to_bits()) == (b.slot, b.id, b.advance.to_bits())
            }
            _ => false,
        };
        for code in (0..=0xFFFF)
            .step_by(7)
            .chain([0x3000, 0x845B, 0xE000, 0xFFFD])
        {
            if let Some(c) = char::from_u32(code) {
                // Looked up, then read back from the table.
                assert!(same(fonts.found(c), fonts.search(c)), "U+{code:04X}");
                assert!(same(fonts.found(c), fonts.search(c)), "U+{code:04X}");
            }
        }
        assert!(
            fonts
                .found('\u{20BB7}')
                .is_some_and(|f| f.slot == Slot::Fallback)
        );
    }

    #[test]
    fn the_embedded_font_has_every_table_and_glyph_but_no_glyph_names() {
        let fonts = fonts();
        for slot in [Slot::Primary, Slot::Fallback] {
            let font = fonts.font(slot);
            let embedded = Face::parse(font.embedded, 0).expect("the reduced font parses");
            assert_eq!(embedded.number_of_glyphs(), font.face.number_of_glyphs());
            assert_eq!(embedded.tables().post.map(|p| p.names().count()), Some(0));
            let kanji = font.face.glyph_index('鑑').unwrap_or(GlyphId(1));
            assert_eq!(
                embedded.glyph_bounding_box(kanji),
                font.face.glyph_bounding_box(kanji)
            );
            if slot == Slot::Primary {
                // IPAex明朝 names its glyphs: what the reduction takes away.
                assert!(font.face.tables().post.map_or(0, |p| p.names().count()) > 10_000);
            }
        }
        assert_eq!(without_glyph_names(b"not a font"), None);
    }

    #[test]
    fn a_variation_sequence_prints_its_variant_glyph() {
        let fonts = fonts();
        let plain = fonts.glyphs("葛").unwrap();
        let variant = fonts.glyphs("葛\u{E0100}").unwrap();
        assert_eq!(variant.len(), 1);
        assert_eq!(variant[0].text.chars().collect::<String>(), "葛\u{E0100}");
        assert_ne!(
            (plain[0].slot, plain[0].id),
            (variant[0].slot, variant[0].id)
        );
    }

    #[test]
    fn refuses_what_no_font_can_print() {
        let fonts = fonts();
        for (text, code_point) in [
            ("山\u{E000}", 0xE000),
            ("\u{10FFFD}", 0x10FFFD),
            ("\u{E0100}", 0xE0100),
            // A sequence no font registers: the base alone would be the wrong character.
            ("山\u{E01EF}", u32::from('山')),
        ] {
            assert!(
                matches!(fonts.glyphs(text), Err(RenderError::UnprintableCharacter { code_point: c }) if c == code_point),
                "{text:?}"
            );
        }
    }
}
