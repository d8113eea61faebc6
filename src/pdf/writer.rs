//! Serialises laid-out drawing operations into a PDF: one page, one content stream, and per
//! font used a Type0/CIDFontType2 font whose program is subset to the glyphs drawn, with widths
//! and a ToUnicode map. No document information beyond the producer: nothing personal in metadata.

use super::RenderError;
use super::fonts::{Font, FontSet, GlyphText, Slot};
use super::layout::{Op, PAGE_HEIGHT_PT, PAGE_WIDTH_PT};
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use subsetter::GlyphRemapper;

/// The glyphs of one embedded font: original id → the text it stands for, in id order.
type GlyphSet = BTreeMap<u16, GlyphText>;

/// A page's content stream is 10–20 KB: room for it at once, not by doubling.
const CONTENT_CAPACITY: usize = 24 * 1024;

/// Up to four fonts: the template and personal subsets of the primary and fallback fonts.
const FONT_NAMES: [&[u8]; 4] = [b"F1", b"F2", b"F3", b"F4"];
const SEAL_NAME: &[u8] = b"Seal";

fn font_index(slot: Slot, personal: bool) -> usize {
    slot as usize + if personal { 2 } else { 0 }
}

/// zlib at level 1 through libdeflate: a page's content stream is deflated on every request,
/// and libdeflate does it 3x faster than miniz_oxide's level 1 and smaller (a 14 KB stream in
/// 25 µs, to 2.8 KB). Each thread keeps its compressor (it is not `Sync`).
fn deflate(data: &[u8]) -> Result<Vec<u8>, RenderError> {
    thread_local! {
        static COMPRESSOR: std::cell::RefCell<libdeflater::Compressor> =
            std::cell::RefCell::new(libdeflater::Compressor::new(
                libdeflater::CompressionLvl::new(1).expect("1 is a valid level"),
            ));
    }
    COMPRESSOR.with_borrow_mut(|compressor| {
        let mut output = vec![0; compressor.zlib_compress_bound(data.len())];
        let written = compressor
            .zlib_compress(data, &mut output)
            .map_err(|_| RenderError::Compress)?;
        output.truncate(written);
        Ok(output)
    })
}

/// A font subset ready to embed: its program already deflated, widths and ToUnicode by new id.
pub struct PreparedFont {
    base_font: String,
    program: Vec<u8>,
    /// Whether `program` is deflated (template subsets) or stored as is (personal ones).
    deflated: bool,
    program_len: i32,
    widths: Vec<f32>,
    to_unicode: Vec<u8>,
    new_id: HashMap<u16, u16>,
}

/// Subsetting and compressing a font program is most of a certificate's cost, and the labels,
/// titles and digits of a certificate kind repeat from one certificate to the next. Their
/// subsets are kept by exact glyph set, so only the person's own glyphs are subset per request.
/// A subset is a pure function of its glyph set, so cached or not the bytes are the same.
#[derive(Default)]
pub struct TemplateCache {
    fonts: Mutex<HashMap<(Slot, GlyphSet), Arc<PreparedFont>>>,
}

/// Enough for every combination of rows the certificate kinds print; past it the cache restarts.
const MAX_CACHED_TEMPLATES: usize = 1024;

impl TemplateCache {
    fn get_or_prepare(
        &self,
        slot: Slot,
        font: &Font,
        glyphs: GlyphSet,
    ) -> Result<Arc<PreparedFont>, RenderError> {
        let key = (slot, glyphs);
        if let Some(found) = self.lock().get(&key) {
            return Ok(found.clone());
        }
        let prepared = Arc::new(prepare(font, &key.1, true)?);
        let mut fonts = self.lock();
        if fonts.len() >= MAX_CACHED_TEMPLATES {
            fonts.clear();
        }
        fonts.insert(key, prepared.clone());
        Ok(prepared)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(Slot, GlyphSet), Arc<PreparedFont>>> {
        self.fonts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A subset of `glyphs`; its program deflated when `deflate_program`. A person's own subset is
/// stored as is: TrueType outlines shrink by about a fifth, which is not worth compressing on
/// every request (it was a third of a certificate's deflate time).
fn prepare(
    font: &Font,
    glyphs: &GlyphSet,
    deflate_program: bool,
) -> Result<PreparedFont, RenderError> {
    let mut remapper = GlyphRemapper::new();
    for id in glyphs.keys() {
        remapper.remap(*id);
    }
    let subset = subsetter::subset(font.embedded, 0, &remapper)
        .map_err(|e| RenderError::Subset(e.to_string()))?;
    // The subset numbers glyphs consecutively from 0 in remapping order.
    let widths = remapper
        .remapped_gids()
        .map(|old| font.advance(ttf_parser::GlyphId(old)))
        .collect();
    let mut cmap = UnicodeCmap::<u16>::new(
        Name(b"Custom"),
        SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"UCS"),
            supplement: 0,
        },
    );
    let mut new_id = HashMap::with_capacity(glyphs.len());
    for (old, text) in glyphs {
        let new = remapper.get(*old).expect("every glyph was remapped");
        cmap.pair_with_multiple(new, text.chars());
        new_id.insert(*old, new);
    }
    Ok(PreparedFont {
        base_font: format!("{}+{}", subset_tag(glyphs), font.postscript_name),
        program: if deflate_program {
            deflate(&subset)?
        } else {
            subset.clone()
        },
        deflated: deflate_program,
        program_len: subset.len() as i32,
        widths,
        to_unicode: cmap.finish().into_vec(),
        new_id,
    })
}

pub fn write(
    ops: &[Op],
    fonts: &FontSet,
    templates: &TemplateCache,
) -> Result<Vec<u8>, RenderError> {
    // Which glyphs each of the four fonts needs; the person's own text goes to personal subsets.
    let mut sets: [GlyphSet; 4] = Default::default();
    for op in ops {
        if let Op::Text {
            glyphs, personal, ..
        } = op
        {
            for g in glyphs {
                sets[font_index(g.slot, *personal)]
                    .entry(g.id)
                    .or_insert(g.text);
            }
        }
    }
    let mut prepared: [Option<Arc<PreparedFont>>; 4] = Default::default();
    for (index, set) in sets.into_iter().enumerate() {
        if set.is_empty() {
            continue;
        }
        let slot = if index % 2 == 0 {
            Slot::Primary
        } else {
            Slot::Fallback
        };
        let font = fonts.font(slot);
        prepared[index] = Some(if index >= 2 {
            Arc::new(prepare(font, &set, false)?)
        } else {
            templates.get_or_prepare(slot, font, set)?
        });
    }

    let content = content_stream(ops, &prepared);
    let seal = ops.iter().find_map(|op| match op {
        Op::Image { image, .. } => Some(image.clone()),
        _ => None,
    });
    let compressed = deflate(&content)?;
    // Room for every stream and some for the dictionaries around them, so the buffer never
    // grows by copying (it is 60–90 KB).
    let capacity = compressed.len()
        + seal.as_ref().map_or(0, |image| {
            image.rgb_deflated.len() + image.alpha_deflated.len()
        })
        + prepared
            .iter()
            .flatten()
            .map(|p| p.program.len() + p.to_unicode.len() + 8 * p.widths.len())
            .sum::<usize>()
        + 8 * 1024;
    let mut pdf = Pdf::with_capacity(capacity);
    let mut next = 1;
    let mut alloc = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let catalog_id = alloc();
    let pages_id = alloc();
    let page_id = alloc();
    let content_id = alloc();
    pdf.catalog(catalog_id).pages(pages_id);
    pdf.pages(pages_id).kids([page_id]).count(1);

    struct FontRefs {
        index: usize,
        type0: Ref,
        cid: Ref,
        descriptor: Ref,
        file: Ref,
        cmap: Ref,
    }
    let font_refs: Vec<FontRefs> = (0..4)
        .filter(|i| prepared[*i].is_some())
        .map(|index| FontRefs {
            index,
            type0: alloc(),
            cid: alloc(),
            descriptor: alloc(),
            file: alloc(),
            cmap: alloc(),
        })
        .collect();
    let seal_ids = seal.as_ref().map(|_| (alloc(), alloc()));
    {
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH_PT, PAGE_HEIGHT_PT))
            .parent(pages_id)
            .contents(content_id);
        let mut resources = page.resources();
        let mut font_dict = resources.fonts();
        for f in &font_refs {
            font_dict.pair(Name(FONT_NAMES[f.index]), f.type0);
        }
        font_dict.finish();
        if let Some((image_id, _)) = seal_ids {
            resources.x_objects().pair(Name(SEAL_NAME), image_id);
        }
    }
    if let (Some(image), Some((image_id, mask_id))) = (&seal, seal_ids) {
        let mut xobject = pdf.image_xobject(image_id, &image.rgb_deflated);
        xobject.filter(Filter::FlateDecode);
        xobject
            .width(image.width as i32)
            .height(image.height as i32)
            .bits_per_component(8)
            .s_mask(mask_id);
        xobject.color_space().device_rgb();
        xobject.finish();
        let mut mask = pdf.image_xobject(mask_id, &image.alpha_deflated);
        mask.filter(Filter::FlateDecode);
        mask.width(image.width as i32)
            .height(image.height as i32)
            .bits_per_component(8);
        mask.color_space().device_gray();
        mask.finish();
    }
    pdf.stream(content_id, &compressed)
        .filter(Filter::FlateDecode);

    for f in font_refs {
        let p = prepared[f.index]
            .as_ref()
            .expect("only prepared fonts get refs");
        let slot = if f.index % 2 == 0 {
            Slot::Primary
        } else {
            Slot::Fallback
        };
        let font = fonts.font(slot);
        let base_font = Name(p.base_font.as_bytes());
        pdf.type0_font(f.type0)
            .base_font(base_font)
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(f.cid)
            .to_unicode(f.cmap);
        let mut cid = pdf.cid_font(f.cid);
        cid.subtype(CidFontType::Type2)
            .base_font(base_font)
            .system_info(SystemInfo {
                registry: Str(b"Adobe"),
                ordering: Str(b"Identity"),
                supplement: 0,
            })
            .font_descriptor(f.descriptor)
            .default_width(1000.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        cid.widths().consecutive(0, p.widths.iter().copied());
        cid.finish();

        let face = &font.face;
        let scale = 1000.0 / font.units_per_em;
        let bbox = face.global_bounding_box();
        pdf.font_descriptor(f.descriptor)
            .name(base_font)
            .flags(FontFlags::SERIF | FontFlags::SYMBOLIC)
            .bbox(Rect::new(
                f32::from(bbox.x_min) * scale,
                f32::from(bbox.y_min) * scale,
                f32::from(bbox.x_max) * scale,
                f32::from(bbox.y_max) * scale,
            ))
            .italic_angle(0.0)
            .ascent(f32::from(face.ascender()) * scale)
            .descent(f32::from(face.descender()) * scale)
            .cap_height(f32::from(face.capital_height().unwrap_or(face.ascender())) * scale)
            .stem_v(80.0)
            .font_file2(f.file);
        {
            let mut program = pdf.stream(f.file, &p.program);
            if p.deflated {
                program.filter(Filter::FlateDecode);
            }
            program.pair(Name(b"Length1"), p.program_len);
        }
        pdf.cmap(f.cmap, &p.to_unicode);
    }

    let info_id = alloc();
    pdf.document_info(info_id).producer(TextStr("kofu"));
    Ok(pdf.finish())
}

/// Six capital letters from the glyph set, so that the same subset always gets the same tag.
fn subset_tag(glyphs: &GlyphSet) -> String {
    let mut hasher = Sha256::new();
    let mut utf8 = [0; 4];
    for (gid, text) in glyphs {
        hasher.update(gid.to_be_bytes());
        for c in text.chars() {
            hasher.update(c.encode_utf8(&mut utf8).as_bytes());
        }
    }
    hasher
        .finalize()
        .iter()
        .take(6)
        .map(|b| char::from(b'A' + b % 26))
        .collect()
}

fn content_stream(ops: &[Op], prepared: &[Option<Arc<PreparedFont>>; 4]) -> Vec<u8> {
    let mut content = Content::with_capacity(CONTENT_CAPACITY);
    let mut bytes = Vec::new();
    let mut source = String::new();
    // The fill colour the page has now: texts repeat theirs, and most are black.
    let mut fill: Option<[f32; 3]> = None;
    for op in ops {
        match op {
            Op::Fill { x, y, w, h, gray } => {
                content.set_fill_gray(*gray);
                fill = None;
                content.rect(*x, *y, *w, *h);
                content.fill_nonzero();
            }
            Op::Frame {
                x,
                y,
                w,
                h,
                width,
                color,
            } => {
                content.set_line_width(*width);
                content.set_stroke_rgb(color[0], color[1], color[2]);
                content.rect(*x, *y, *w, *h);
                content.stroke();
            }
            Op::Image { x, y, w, h, .. } => {
                content.save_state();
                content.transform([*w, 0.0, 0.0, *h, *x, *y]);
                content.x_object(Name(SEAL_NAME));
                content.restore_state();
            }
            Op::Line { x1, y1, x2, y2 } => {
                content.set_line_width(0.5);
                content.set_stroke_gray(0.0);
                content.move_to(*x1, *y1);
                content.line_to(*x2, *y2);
                content.stroke();
            }
            Op::Text {
                x,
                y,
                size,
                color,
                glyphs,
                personal,
            } => {
                // ActualText makes extractors read the source string as one unit: poppler would
                // otherwise turn the full-width space inside "山田　花子" into a word break, and
                // might part a line drawn in two fonts. Other lines extract exactly through the
                // ToUnicode maps; marking them all was a third of the content stream.
                let marked = glyphs.iter().any(|g| g.text.base.is_whitespace())
                    || glyphs.windows(2).any(|pair| pair[0].slot != pair[1].slot);
                if marked {
                    source.clear();
                    source.extend(glyphs.iter().flat_map(|g| g.text.chars()));
                    content
                        .begin_marked_content_with_properties(Name(b"Span"))
                        .properties()
                        .actual_text(TextStr(&source));
                }
                if fill != Some(*color) {
                    content.set_fill_rgb(color[0], color[1], color[2]);
                    fill = Some(*color);
                }
                content.begin_text();
                let mut cursor = *x;
                // One text run per stretch of glyphs from the same font.
                for run in glyphs.chunk_by(|a, b| a.slot == b.slot) {
                    let index = font_index(run[0].slot, *personal);
                    let font = prepared[index]
                        .as_ref()
                        .expect("fonts of drawn glyphs are prepared");
                    bytes.clear();
                    for g in run {
                        bytes.extend_from_slice(&font.new_id[&g.id].to_be_bytes());
                    }
                    content.set_font(Name(FONT_NAMES[index]), *size);
                    content.set_text_matrix([1.0, 0.0, 0.0, 1.0, cursor, *y]);
                    content.show(Str(&bytes));
                    cursor += super::fonts::width(run, *size);
                }
                content.end_text();
                if marked {
                    content.end_marked_content();
                }
            }
        }
    }
    content.finish().into_vec()
}
