//! Certificates as PDF: a [`Document`] (the page's text) becomes one A4 page with the fonts
//! embedded as subsets and a ToUnicode map, so that `pdftotext` reads back exactly what was
//! printed. [`Renderer`] parses the fonts once; `render` is pure and deterministic after that.
//!
//! ```no_run
//! # use kofu::pdf::{FontPaths, Renderer};
//! let renderer = Renderer::new(&FontPaths {
//!     primary: "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf".into(),
//!     fallback: "/usr/share/fonts/truetype/ipamj/ipamjm.ttf".into(),
//! })?;
//! let pdf = renderer.render(&kofu::pdf::sample::sample_document())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod document;
mod fonts;
mod layout;
pub mod sample;
pub mod seal;
mod writer;

pub use document::{Document, Field, Row, Section};
pub use layout::LaidOut;
pub use seal::{Seal, SealError, SealImage};
use std::path::PathBuf;

/// Paths to the fonts: IPAex明朝 for text, IPAmj明朝 for characters only it has.
#[derive(Debug, Clone)]
pub struct FontPaths {
    /// IPAex明朝 (`ipaexm.ttf`), tried first.
    pub primary: PathBuf,
    /// IPAmj明朝 (`ipamjm.ttf`), for MJ文字 and variation sequences IPAex明朝 lacks.
    pub fallback: PathBuf,
}

/// A font file could not be used at start-up; the server does not start.
#[derive(Debug, thiserror::Error)]
pub enum FontError {
    /// The file could not be read.
    #[error("cannot read font {path}: {reason}")]
    Read {
        /// The font file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The file is not a font kofu can use.
    #[error("cannot parse font {path}: {reason}")]
    Parse {
        /// The font file.
        path: String,
        /// What the parser reported.
        reason: String,
    },
}

/// Why a certificate could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// No configured font has a glyph for a character. The message carries only the code point,
    /// never the text around it.
    #[error("a character (U+{code_point:04X}) has no glyph in any configured font")]
    UnprintableCharacter {
        /// The Unicode scalar value with no glyph.
        code_point: u32,
    },
    /// The content overflows one A4 page even at the smallest text size allowed.
    #[error("the certificate's content does not fit on one A4 page")]
    DoesNotFit,
    /// The font subsetter failed.
    #[error("font subsetting failed: {0}")]
    Subset(String),
    /// The compressor refused its input (a fault of kofu's, never of the data).
    #[error("compressing a stream failed")]
    Compress,
}

/// Holds the parsed fonts; built once at start-up and shared by every request.
pub struct Renderer {
    fonts: fonts::FontSet,
    templates: writer::TemplateCache,
}

impl Renderer {
    /// Reads and parses both fonts; fails when either cannot be read or parsed.
    pub fn new(paths: &FontPaths) -> Result<Self, FontError> {
        Ok(Self {
            fonts: fonts::FontSet::load(&paths.primary, &paths.fallback)?,
            templates: writer::TemplateCache::default(),
        })
    }

    /// Lays out and serialises one certificate. The same document gives the same bytes.
    pub fn render(&self, document: &Document) -> Result<Vec<u8>, RenderError> {
        let page = layout::lay_out(document, &self.fonts)?;
        writer::write(page.ops(), &self.fonts, &self.templates)
    }

    /// Lays `document` out on one page without writing any byte (no subsetting, no PDF): the
    /// check [`Renderer::render`] makes first. Fails as `render` would.
    pub fn lay_out(&self, document: &Document) -> Result<LaidOut, RenderError> {
        layout::lay_out(document, &self.fonts)
    }

    /// Serialises a page laid out by [`Renderer::lay_out`] with `certificate_number_line` in
    /// place of its document's: the same bytes as [`Renderer::render`] of the document with
    /// that line, at the cost of laying out one line instead of the page.
    pub fn finish(
        &self,
        page: LaidOut,
        certificate_number_line: &str,
    ) -> Result<Vec<u8>, RenderError> {
        let ops = page.with_number(&self.fonts, certificate_number_line)?;
        writer::write(&ops, &self.fonts, &self.templates)
    }

    /// Ok when `text` prints in full as a value of the person block (氏名, フリガナ, 住所, the
    /// address on the assessment date): every character has a glyph, and the line fits its cell
    /// at the smallest size the layout shrinks to. The cell, sizes and fonts are the layout's
    /// own, so this agrees with [`Renderer::render`] on every text. Fails with
    /// [`RenderError::UnprintableCharacter`] or [`RenderError::DoesNotFit`].
    pub fn check_person_value(&self, text: &str) -> Result<(), RenderError> {
        // The advances alone, summed as the layout sums them: no glyph list is built, which
        // keeps the scan of every resident after a sync fast.
        if layout::fits_person_value(self.fonts.advance(text)?) {
            Ok(())
        } else {
            Err(RenderError::DoesNotFit)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn renderer() -> Renderer {
        Renderer::new(&FontPaths {
            primary: "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf".into(),
            fallback: "/usr/share/fonts/truetype/ipamj/ipamjm.ttf".into(),
        })
        .expect("fonts installed (ops/deps.sh)")
    }

    fn tool(name: &str, args: &[&str], pdf: &[u8]) -> (String, String) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.pdf");
        std::fs::write(&path, pdf).unwrap();
        let out = std::process::Command::new(name)
            .args(args)
            .arg(&path)
            .args(if name == "pdftotext" {
                &["-"][..]
            } else {
                &[][..]
            })
            .output()
            .unwrap_or_else(|e| panic!("{name} missing ({e}): run ops/deps.sh"));
        assert!(out.status.success(), "{name}: {out:?}");
        // pdftoppm writes the image itself to stdout: read it lossily, only the text matters.
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    #[test]
    fn renders_text_that_extracts_exactly() {
        let document = sample::sample_document();
        let pdf = renderer().render(&document).unwrap();
        // The fullest page (every table, each glyph once in a subset) stays a small download.
        assert!(pdf.len() < 130_000, "{} bytes", pdf.len());
        let (text, _) = tool("pdftotext", &[], &pdf);
        let mut expected: Vec<&str> =
            vec![&document.title, &document.certify_text, &document.issuer];
        for field in &document.person {
            expected.push(&field.label);
            expected.push(&field.value);
        }
        for section in &document.sections {
            for row in &section.rows {
                expected.push(&row.label);
                expected.extend(row.values.iter().map(String::as_str));
            }
        }
        for e in expected {
            assert!(text.contains(e), "{e:?} not extracted from:\n{text}");
        }
        let (fonts, _) = tool("pdffonts", &[], &pdf);
        for row in fonts.lines().skip(2) {
            assert!(
                row.contains("CID TrueType") && row.contains("yes yes yes"),
                "{row}"
            );
        }
        let (_, warnings) = tool("pdftoppm", &["-r", "30", "-png"], &pdf);
        assert_eq!(warnings, "");
        tool("qpdf", &["--check"], &pdf);
    }

    #[test]
    fn mj_characters_and_variation_sequences_extract_as_stored() {
        let mut document = sample::sample_document();
        document.person[3].value = "𠮷田　葛\u{E0100}子".into();
        let pdf = renderer().render(&document).unwrap();
        let (text, _) = tool("pdftotext", &[], &pdf);
        assert!(text.contains("𠮷田　葛\u{E0100}子"), "{text}");
        let (fonts, _) = tool("pdffonts", &[], &pdf);
        assert!(fonts.contains("IPAmjMincho"), "{fonts}");
    }

    #[test]
    fn the_same_document_gives_the_same_bytes() {
        let r = renderer();
        let document = sample::sample_document();
        assert_eq!(r.render(&document).unwrap(), r.render(&document).unwrap());
    }

    #[test]
    fn cached_template_subsets_change_no_byte() {
        let document = sample::sample_document();
        let cold = renderer().render(&document).unwrap();
        let warm = renderer();
        let mut other = sample::sample_document();
        other.person[3].value = "佐藤　一郎".into();
        other.sections.truncate(2);
        warm.render(&other).unwrap();
        warm.render(&document).unwrap();
        assert_eq!(warm.render(&document).unwrap(), cold);
    }

    /// The person block's value cell is 127 mm wide and text shrinks to 6 pt: 60 full-width
    /// characters (1 em each) fit, the 61st does not; half-width kana take half as much.
    #[test]
    fn person_values_fit_up_to_the_width_of_their_cell() {
        let r = renderer();
        let check = |text: String, expected: Result<(), Option<u32>>| {
            let got = match r.check_person_value(&text) {
                Ok(()) => Ok(()),
                Err(RenderError::UnprintableCharacter { code_point }) => Err(Some(code_point)),
                Err(RenderError::DoesNotFit) => Err(None),
                Err(other) => panic!("{other}"),
            };
            assert_eq!(
                got,
                expected,
                "{} characters: {text:?}",
                text.chars().count()
            );
        };
        let fits = Ok(());
        let too_long = Err(None);
        check(String::new(), fits);
        check("山田　花子".into(), fits);
        check(
            "東京都新宿区西新宿二丁目8番1号　新宿パークハイツ1203号".into(),
            fits,
        );
        check("山".repeat(60), fits);
        check("山".repeat(61), too_long);
        check("ヤ".repeat(60), fits);
        check("ヤ".repeat(61), too_long);
        // Variation sequences are one glyph each: the selectors take no room.
        check("葛\u{E0100}".repeat(60), fits);
        check("葛\u{E0100}".repeat(61), too_long);
        check("ｱ".repeat(120), fits);
        check("ｱ".repeat(121), too_long);
        // IPAex明朝's Latin letters and digits are proportional (a "1" is 0.618 em).
        check("1".repeat(97), fits);
        check("1".repeat(98), too_long);
        check(format!("{}　{}", "山".repeat(30), "田".repeat(29)), fits);
        check(
            format!("{}　{}", "山".repeat(30), "田".repeat(30)),
            too_long,
        );
        // A character no font has is the reason, however long the text.
        check("山田\u{E000}".into(), Err(Some(0xE000)));
        check(format!("{}\u{E000}", "山".repeat(70)), Err(Some(0xE000)));
    }

    /// The check and the layout agree at every length around the boundary, in every value row
    /// of the person block.
    #[test]
    fn the_person_value_check_agrees_with_the_layout() {
        let r = renderer();
        for row in 0..sample::sample_document().person.len() {
            for n in 55..=66 {
                let text = "鑑".repeat(n);
                let mut document = sample::sample_document();
                document.person[row].value = text.clone();
                let rendered = r.render(&document).map(|_| ());
                let checked = r.check_person_value(&text);
                assert_eq!(
                    format!("{rendered:?}"),
                    format!("{checked:?}"),
                    "row {row}, {n} characters"
                );
                assert_eq!(
                    format!("{:?}", r.lay_out(&document).map(|_| ())),
                    format!("{checked:?}")
                );
            }
        }
    }

    #[test]
    fn a_page_finished_with_its_number_is_the_page_rendered_with_it() {
        let r = renderer();
        let mut widest = sample::sample_document();
        widest.certificate_number = "証明書番号　R88-9999999".into();
        for number in [
            "証明書番号　R7-0000001",
            "証明書番号　R7-1234567",
            "",
            "証明書番号　R88-9999999",
        ] {
            let mut document = widest.clone();
            document.certificate_number = number.into();
            let finished = r.finish(r.lay_out(&widest).unwrap(), number).unwrap();
            assert_eq!(finished, r.render(&document).unwrap(), "{number:?}");
        }
        // A number too long for its cell is refused as rendering would refuse it.
        let long = format!("証明書番号　{}", "9".repeat(200));
        let mut document = widest.clone();
        document.certificate_number = long.clone();
        assert_eq!(
            r.finish(r.lay_out(&widest).unwrap(), &long)
                .unwrap_err()
                .to_string(),
            r.render(&document).unwrap_err().to_string()
        );
    }

    #[test]
    fn refuses_unprintable_text_and_overflowing_content() {
        let r = renderer();
        let mut document = sample::sample_document();
        document.person[3].value = "山田\u{E000}".into();
        assert!(matches!(
            r.render(&document),
            Err(RenderError::UnprintableCharacter { code_point: 0xE000 })
        ));
        let mut document = sample::sample_document();
        let rows = document.sections[0].rows.clone();
        document.sections[0].rows.extend(rows.iter().cloned());
        document.sections[0].rows.extend(rows);
        assert!(matches!(r.render(&document), Err(RenderError::DoesNotFit)));
        let error = RenderError::UnprintableCharacter { code_point: 0xE000 }.to_string();
        assert_eq!(
            error,
            "a character (U+E000) has no glyph in any configured font"
        );
    }
}

#[cfg(test)]
mod seal_tests {
    use super::*;

    #[test]
    fn an_image_seal_is_embedded_with_its_transparency_and_renders_cleanly() {
        let renderer = Renderer::new(&FontPaths {
            primary: "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf".into(),
            fallback: "/usr/share/fonts/truetype/ipamj/ipamjm.ttf".into(),
        })
        .unwrap();
        let image = SealImage::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/ops/seal-sample.png"
        )))
        .unwrap();
        let mut document = sample::sample_document();
        document.seal = Seal::Image(std::sync::Arc::new(image));
        let pdf = renderer.render(&document).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.pdf");
        std::fs::write(&path, &pdf).unwrap();
        let run = |tool: &str, args: &[&str]| {
            let out = std::process::Command::new(tool)
                .args(args)
                .output()
                .unwrap_or_else(|e| panic!("{tool} missing ({e}): run ops/deps.sh"));
            assert!(out.status.success(), "{tool}: {out:?}");
            (
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        };
        let (images, _) = run("pdfimages", &["-list", path.to_str().unwrap()]);
        assert!(
            images.contains(" image ") && images.contains(" smask "),
            "{images}"
        );
        run("qpdf", &["--check", path.to_str().unwrap()]);
        let png = dir.path().join("c.png");
        let (_, warnings) = run(
            "mutool",
            &["draw", "-o", png.to_str().unwrap(), path.to_str().unwrap()],
        );
        // mutool reports progress ("page … 1") on stderr too; this build also says "ICC support is
        // not available" for every PDF. Any other warning or error is about ours.
        let ours: Vec<&str> = warnings
            .lines()
            .filter(|l| l.contains("warning") || l.contains("error"))
            .filter(|l| !l.contains("ICC support is not available"))
            .collect();
        assert!(ours.is_empty(), "mutool warned: {ours:?}");
    }

    #[test]
    fn a_broken_seal_image_is_reported_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seal.png");
        std::fs::write(&path, b"not a png").unwrap();
        let error = SealImage::load(&path).unwrap_err().to_string();
        assert!(
            error.contains("seal.png") && error.contains("not a PNG"),
            "{error}"
        );
    }
}
