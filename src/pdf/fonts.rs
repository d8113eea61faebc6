//! Fonts: read and parsed once per process, then asked for glyphs. Text becomes glyphs here:
//! each character from the primary font (IPAex明朝) or, failing that, the fallback (IPAmj明朝);
//! a base character followed by a variation selector becomes the variant glyph the selector names.

use super::{FontError, RenderError};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
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
    pub face: Face<'static>,
    /// PostScript name without spaces, e.g. "IPAexMincho".
    pub postscript_name: String,
    pub units_per_em: f32,
}

impl Font {
    fn load(path: &Path) -> Result<Self, FontError> {
        let data = font_bytes(path)?;
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

/// Reads a font file once per process; later renderers built on the same path share it.
fn font_bytes(path: &Path) -> Result<&'static [u8], FontError> {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, &'static [u8]>>> = OnceLock::new();
    let mut cache = CACHE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(bytes) = cache.get(path) {
        return Ok(bytes);
    }
    let bytes = std::fs::read(path).map_err(|e| FontError::Read {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    cache.insert(path.to_owned(), bytes);
    Ok(bytes)
}

/// A glyph placed in a line of text, with the characters it stands for.
#[derive(Debug, Clone, PartialEq)]
pub struct Glyph {
    pub slot: Slot,
    pub id: u16,
    /// The source text of this glyph: one character, or a base and its variation selector.
    pub text: String,
    /// Advance in 1/1000 em.
    pub advance: f32,
}

pub struct FontSet {
    fonts: [Font; 2],
}

fn is_variation_selector(c: char) -> bool {
    matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}')
}

impl FontSet {
    pub fn load(primary: &Path, fallback: &Path) -> Result<Self, FontError> {
        Ok(Self {
            fonts: [Font::load(primary)?, Font::load(fallback)?],
        })
    }

    pub fn font(&self, slot: Slot) -> &Font {
        &self.fonts[slot as usize]
    }

    /// The glyphs for `text`, or the first character that no font can print.
    pub fn glyphs(&self, text: &str) -> Result<Vec<Glyph>, RenderError> {
        let mut glyphs = Vec::with_capacity(text.len() / 2);
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
                    .find_map(|slot| self.font(slot).variant(c, vs).map(|g| (slot, g))),
                None => [Slot::Primary, Slot::Fallback]
                    .into_iter()
                    .find_map(|slot| self.font(slot).glyph(c).map(|g| (slot, g))),
            };
            let (slot, id) = found.ok_or(unprintable)?;
            let mut source = String::from(c);
            source.extend(selector);
            glyphs.push(Glyph {
                slot,
                id: id.0,
                text: source,
                advance: self.font(slot).advance(id),
            });
        }
        Ok(glyphs)
    }
}

/// Width of glyphs at `size` points.
pub fn width(glyphs: &[Glyph], size: f32) -> f32 {
    glyphs.iter().map(|g| g.advance).sum::<f32>() * size / 1000.0
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
    fn a_variation_sequence_prints_its_variant_glyph() {
        let fonts = fonts();
        let plain = fonts.glyphs("葛").unwrap();
        let variant = fonts.glyphs("葛\u{E0100}").unwrap();
        assert_eq!(variant.len(), 1);
        assert_eq!(variant[0].text, "葛\u{E0100}");
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
