//! Places a `Document` on an A4 portrait page: title, person block, tables two abreast, the
//! certifying text, the issuer and the official seal, the foot note. Positions are computed in
//! millimetres from the top-left corner and emitted as drawing operations in PDF points.

use super::RenderError;
use super::document::{Document, Section};
use super::fonts::{FontSet, Glyph, advance_sum, width, width_of};

pub const PAGE_WIDTH_PT: f32 = 595.276;
pub const PAGE_HEIGHT_PT: f32 = 841.89;
const PT_PER_MM: f32 = 72.0 / 25.4;

/// Kiosk printers cut about 10 mm; everything stays 18 mm inside the edges.
const MARGIN_MM: f32 = 18.0;
const CONTENT_MM: f32 = 210.0 - 2.0 * MARGIN_MM;
const GUTTER_MM: f32 = 4.0;
/// Space between a table and the one below it.
const TABLE_GAP_MM: f32 = 3.0;
/// Row height and table text size, tried in turn: full size while the page has room, then
/// tighter rows (still above what kiosk printers render legibly) before the page is refused.
const ROW_STEPS: [(f32, f32); 4] = [(5.2, 8.5), (4.6, 8.0), (4.1, 7.2), (3.7, 6.6)];
const MIN_SIZE: f32 = 6.0;
const CELL_PAD_MM: f32 = 1.5;
/// A value column's width in a table beside another, and at most in a full-width one.
const VALUE_MM: f32 = 24.0;
const WIDE_VALUE_MM: f32 = 28.0;
/// The narrowest label column a full-width table keeps when it has many value columns.
const MIN_LABEL_MM: f32 = 12.0;
/// Tables (with the note and the end mark) must end here, leaving room for the certifying block.
const TABLES_END_MM: f32 = 232.0;
const LINE_PT: f32 = 0.5;

pub const BLACK: [f32; 3] = [0.0, 0.0, 0.0];
pub const SEAL_RED: [f32; 3] = [0.85, 0.1, 0.1];
const HEADING_GRAY: f32 = 0.9;

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Glyphs on a baseline starting at (x, y), PDF points from the bottom-left.
    Text {
        x: f32,
        y: f32,
        size: f32,
        color: [f32; 3],
        glyphs: Vec<Glyph>,
        /// The person's own text (name, reading, addresses), embedded from a per-certificate
        /// subset; everything else comes from the cached template subsets.
        personal: bool,
    },
    /// A filled rectangle in gray.
    Fill {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        gray: f32,
    },
    /// A stroked rectangle.
    Frame {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        width: f32,
        color: [f32; 3],
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
    },
    /// The seal image, scaled into the rectangle.
    Image {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        image: std::sync::Arc<super::SealImage>,
    },
}

fn pt(mm: f32) -> f32 {
    mm * PT_PER_MM
}

/// Baseline y (points, from the bottom) for text of `size` vertically centred in a row that
/// starts `top_mm` from the top and is `height_mm` tall.
fn baseline(top_mm: f32, height_mm: f32, size: f32) -> f32 {
    // CJK glyphs sit about 0.12 em below the baseline and 0.88 em above it.
    PAGE_HEIGHT_PT - pt(top_mm + height_mm / 2.0) - size * 0.38
}

#[derive(Clone, Copy)]
enum Align {
    Left,
    Center,
    Right,
}

/// A box for one line of text, in millimetres from the top-left corner.
#[derive(Clone, Copy)]
struct Cell {
    left_mm: f32,
    width_mm: f32,
    top_mm: f32,
    height_mm: f32,
}

fn cell(left_mm: f32, width_mm: f32, top_mm: f32, height_mm: f32) -> Cell {
    Cell {
        left_mm,
        width_mm,
        top_mm,
        height_mm,
    }
}

/// The size text whose glyph advances sum to `advance` (1/1000 em) is drawn at in a box `room`
/// points wide: `size` when it fits, else shrunk to fit down to [`MIN_SIZE`]; `None` when even
/// that is too wide.
fn fitted_size(advance: f32, room: f32, size: f32) -> Option<f32> {
    let natural = width_of(advance, size);
    if natural <= room {
        return Some(size);
    }
    let fitted = size * room / natural;
    // The mm → pt conversion rounds in f32: text that fits exactly at MIN_SIZE must not fail by
    // a rounding error (60 full-width characters in the person block's 127 mm).
    (fitted >= MIN_SIZE - 1e-3).then_some(fitted)
}

/// The person block's rows: the label column's width, each row's height, and the size the values
/// (the person's name, reading and addresses) are printed at before shrinking.
const PERSON_LABEL_MM: f32 = 44.0;
const PERSON_ROW_MM: f32 = 6.2;
const PERSON_VALUE_SIZE: f32 = 10.0;

/// The box a value of the person block is printed in, on the row starting `top_mm` from the top.
fn person_value_cell(top_mm: f32) -> Cell {
    cell(
        MARGIN_MM + PERSON_LABEL_MM + CELL_PAD_MM,
        CONTENT_MM - PERSON_LABEL_MM - 2.0 * CELL_PAD_MM,
        top_mm,
        PERSON_ROW_MM,
    )
}

/// Whether text whose glyph advances sum to `advance` (1/1000 em) fits a value cell of the
/// person block (name, reading, addresses) at the smallest size the layout allows: the very test
/// [`lay_out`] applies to those cells.
pub fn fits_person_value(advance: f32) -> bool {
    fitted_size(
        advance,
        pt(person_value_cell(0.0).width_mm),
        PERSON_VALUE_SIZE,
    )
    .is_some()
}

struct Page<'f> {
    fonts: &'f FontSet,
    ops: Vec<Op>,
}

impl Page<'_> {
    /// Text fitted into a box `width_mm` wide: shrinks to at least MIN_SIZE, else does not fit.
    fn text(&mut self, text: &str, cell: Cell, size: f32, align: Align) -> Result<(), RenderError> {
        self.colored_text(text, cell, size, align, BLACK)
    }

    fn colored_text(
        &mut self,
        text: &str,
        cell: Cell,
        size: f32,
        align: Align,
        color: [f32; 3],
    ) -> Result<(), RenderError> {
        let Cell {
            left_mm,
            width_mm,
            top_mm,
            height_mm,
        } = cell;
        if text.is_empty() {
            return Ok(());
        }
        let glyphs = self.fonts.glyphs(text)?;
        let room = pt(width_mm);
        let size = fitted_size(advance_sum(&glyphs), room, size).ok_or(RenderError::DoesNotFit)?;
        let used = width(&glyphs, size);
        let x = pt(left_mm)
            + match align {
                Align::Left => 0.0,
                Align::Center => (room - used) / 2.0,
                Align::Right => room - used,
            };
        self.ops.push(Op::Text {
            x,
            y: baseline(top_mm, height_mm, size),
            size,
            color,
            glyphs,
            personal: false,
        });
        Ok(())
    }

    fn frame(&mut self, left_mm: f32, top_mm: f32, width_mm: f32, height_mm: f32) {
        self.ops.push(Op::Frame {
            x: pt(left_mm),
            y: PAGE_HEIGHT_PT - pt(top_mm + height_mm),
            w: pt(width_mm),
            h: pt(height_mm),
            width: LINE_PT,
            color: BLACK,
        });
    }

    fn fill(&mut self, left_mm: f32, top_mm: f32, width_mm: f32, height_mm: f32) {
        self.ops.push(Op::Fill {
            x: pt(left_mm),
            y: PAGE_HEIGHT_PT - pt(top_mm + height_mm),
            w: pt(width_mm),
            h: pt(height_mm),
            gray: HEADING_GRAY,
        });
    }

    fn hline(&mut self, left_mm: f32, right_mm: f32, at_mm: f32) {
        let y = PAGE_HEIGHT_PT - pt(at_mm);
        self.ops.push(Op::Line {
            x1: pt(left_mm),
            y1: y,
            x2: pt(right_mm),
            y2: y,
        });
    }

    fn vline(&mut self, x_mm: f32, top_mm: f32, bottom_mm: f32) {
        let x = pt(x_mm);
        self.ops.push(Op::Line {
            x1: x,
            y1: PAGE_HEIGHT_PT - pt(top_mm),
            x2: x,
            y2: PAGE_HEIGHT_PT - pt(bottom_mm),
        });
    }

    /// A bordered table at (left, top), `width_mm` wide, rows `row_mm` tall with text of
    /// `size`; returns where it ends.
    fn section(
        &mut self,
        section: &Section,
        (left_mm, top_mm, width_mm): (f32, f32, f32),
        (row_mm, size): (f32, f32),
    ) -> Result<f32, RenderError> {
        let columns = section.columns.len().max(1);
        let value_mm = match columns {
            1 => 30.0,
            2 => VALUE_MM,
            n => WIDE_VALUE_MM.min((width_mm - MIN_LABEL_MM) / n as f32),
        };
        let label_mm = width_mm - value_mm * columns as f32;
        let right = left_mm + width_mm;
        let mut y = top_mm;

        self.fill(left_mm, y, width_mm, row_mm);
        self.text(
            &section.heading,
            cell(
                left_mm + CELL_PAD_MM,
                width_mm - 2.0 * CELL_PAD_MM,
                y,
                row_mm,
            ),
            size + 0.5,
            Align::Left,
        )?;
        y += row_mm;
        self.hline(left_mm, right, y);
        let grid_top = y;
        if !section.columns.is_empty() {
            for (i, header) in section.columns.iter().enumerate() {
                let x = left_mm + label_mm + value_mm * i as f32;
                self.text(
                    header,
                    cell(x + CELL_PAD_MM, value_mm - 2.0 * CELL_PAD_MM, y, row_mm),
                    size,
                    Align::Center,
                )?;
            }
            y += row_mm;
            self.hline(left_mm, right, y);
        }
        for (r, row) in section.rows.iter().enumerate() {
            self.text(
                &row.label,
                cell(
                    left_mm + CELL_PAD_MM,
                    label_mm - 2.0 * CELL_PAD_MM,
                    y,
                    row_mm,
                ),
                size,
                Align::Left,
            )?;
            for (i, value) in row.values.iter().take(columns).enumerate() {
                let x = left_mm + label_mm + value_mm * i as f32;
                self.text(
                    value,
                    cell(x + CELL_PAD_MM, value_mm - 2.0 * CELL_PAD_MM, y, row_mm),
                    size,
                    Align::Right,
                )?;
            }
            y += row_mm;
            if r + 1 < section.rows.len() {
                self.hline(left_mm, right, y);
            }
        }
        for i in 0..columns {
            self.vline(left_mm + label_mm + value_mm * i as f32, grid_top, y);
        }
        self.frame(left_mm, top_mm, width_mm, y - top_mm);
        Ok(y)
    }

    /// The tables, the note and the end mark from `top_mm` down, with rows and text of `step`;
    /// returns where they end. Full-width tables start below everything before them; the others
    /// go to whichever of the two columns ends higher, so short tables fill the gaps.
    fn tables(
        &mut self,
        document: &Document,
        top_mm: f32,
        (row_mm, size): (f32, f32),
    ) -> Result<f32, RenderError> {
        let left = MARGIN_MM;
        let column_mm = (CONTENT_MM - GUTTER_MM) / 2.0;
        let mut bottoms = [top_mm, top_mm];
        for section in &document.sections {
            if section.columns.len() > 2 {
                let top = bottoms[0].max(bottoms[1]);
                let end = self.section(section, (left, top, CONTENT_MM), (row_mm, size))?;
                bottoms = [end + TABLE_GAP_MM; 2];
            } else {
                let column = usize::from(bottoms[1] < bottoms[0]);
                let x = left + column as f32 * (column_mm + GUTTER_MM);
                let end = self.section(section, (x, bottoms[column], column_mm), (row_mm, size))?;
                bottoms[column] = end + TABLE_GAP_MM;
            }
        }
        let mut y = bottoms[0].max(bottoms[1]);
        if let Some(note) = &document.note {
            self.text(note, cell(left, CONTENT_MM, y, row_mm), size, Align::Left)?;
            y += row_mm;
        }
        self.text(
            &document.end_mark,
            cell(left, CONTENT_MM, y, row_mm),
            size,
            Align::Right,
        )?;
        Ok(y + row_mm)
    }

    /// The official seal: a red square with its characters in columns read right to left.
    fn seal(
        &mut self,
        text: &str,
        left_mm: f32,
        top_mm: f32,
        size_mm: f32,
    ) -> Result<(), RenderError> {
        let chars: Vec<char> = text.chars().collect();
        if chars.is_empty() {
            return Ok(());
        }
        self.ops.push(Op::Frame {
            x: pt(left_mm),
            y: PAGE_HEIGHT_PT - pt(top_mm + size_mm),
            w: pt(size_mm),
            h: pt(size_mm),
            width: 1.6,
            color: SEAL_RED,
        });
        let rows = (chars.len() as f32).sqrt().ceil() as usize;
        let cols = chars.len().div_ceil(rows);
        let inner = size_mm - 3.0;
        let cell_w = inner / cols as f32;
        let cell_h = inner / rows as f32;
        let glyph_size = cell_w.min(cell_h) * PT_PER_MM * 0.92;
        for (i, c) in chars.iter().enumerate() {
            let col = i / rows;
            let row = i % rows;
            let x = left_mm + 1.5 + inner - cell_w * (col + 1) as f32;
            let y = top_mm + 1.5 + cell_h * row as f32;
            self.colored_text(
                &c.to_string(),
                cell(x, cell_w, y, cell_h),
                glyph_size,
                Align::Center,
                SEAL_RED,
            )?;
        }
        Ok(())
    }
}

/// A certificate page laid out, its certificate number still to be drawn again. The number is
/// the one text nothing else on the page depends on (left-aligned in a cell of its own), so a
/// page checked with the widest number is finished with the real one without laying out the
/// rest again: the ops are those [`lay_out`] gives for a document with the real number.
pub struct LaidOut {
    ops: Vec<Op>,
    /// Where the number's op is, or would be were the number empty.
    number_at: usize,
    has_number: bool,
}

impl LaidOut {
    /// The page's ops as laid out.
    pub fn ops(&self) -> &[Op] {
        &self.ops
    }

    /// The page's ops with `certificate_number` (the whole line, e.g. "証明書番号　R7-0000123")
    /// drawn in the number's cell, fitted as [`lay_out`] fits it.
    pub fn with_number(
        mut self,
        fonts: &FontSet,
        certificate_number: &str,
    ) -> Result<Vec<Op>, RenderError> {
        let mut page = Page {
            fonts,
            ops: Vec::with_capacity(1),
        };
        page.certificate_number(certificate_number)?;
        if self.has_number {
            self.ops.remove(self.number_at);
        }
        if let Some(op) = page.ops.pop() {
            self.ops.insert(self.number_at, op);
        }
        Ok(self.ops)
    }
}

impl Page<'_> {
    fn certificate_number(&mut self, text: &str) -> Result<(), RenderError> {
        let block = TABLES_END_MM + 4.0;
        self.text(
            text,
            cell(MARGIN_MM + 6.0, 80.0, block + 16.0, 5.0),
            8.5,
            Align::Left,
        )
    }
}

/// Lays out one certificate page.
pub fn lay_out(document: &Document, fonts: &FontSet) -> Result<LaidOut, RenderError> {
    let mut page = Page {
        fonts,
        ops: Vec::with_capacity(256),
    };
    let left = MARGIN_MM;
    page.text(
        &document.title,
        cell(left, CONTENT_MM, 14.0, 10.0),
        15.0,
        Align::Center,
    )?;
    if let Some(subtitle) = &document.subtitle {
        page.text(
            subtitle,
            cell(left, CONTENT_MM, 23.0, 6.0),
            9.0,
            Align::Center,
        )?;
    }

    // Person block.
    let person_top = 31.0;
    let person_row = PERSON_ROW_MM;
    let label_mm = PERSON_LABEL_MM;
    let mut y = person_top;
    for (i, field) in document.person.iter().enumerate() {
        page.fill(left, y, label_mm, person_row);
        page.text(
            &field.label,
            cell(
                left + CELL_PAD_MM,
                label_mm - 2.0 * CELL_PAD_MM,
                y,
                person_row,
            ),
            9.0,
            Align::Left,
        )?;
        page.text(
            &field.value,
            person_value_cell(y),
            PERSON_VALUE_SIZE,
            Align::Left,
        )?;
        // The value just drawn is the person's own text.
        if let Some(Op::Text { personal, .. }) = page.ops.last_mut() {
            *personal = true;
        }
        y += person_row;
        if i + 1 < document.person.len() {
            page.hline(left, left + CONTENT_MM, y);
        }
    }
    if !document.person.is_empty() {
        page.vline(left + label_mm, person_top, y);
        page.frame(left, person_top, CONTENT_MM, y - person_top);
    }

    let tables_top = y + 4.0;
    let mark = page.ops.len();
    let mut fitted = false;
    for step in ROW_STEPS {
        if page.tables(document, tables_top, step)? <= TABLES_END_MM {
            fitted = true;
            break;
        }
        page.ops.truncate(mark);
    }
    if !fitted {
        return Err(RenderError::DoesNotFit);
    }

    // Certifying block.
    let block = TABLES_END_MM + 4.0;
    page.text(
        &document.certify_text,
        cell(left + 6.0, CONTENT_MM - 6.0, block, 7.0),
        10.5,
        Align::Left,
    )?;
    page.text(
        &document.issue_date,
        cell(left + 6.0, 80.0, block + 9.0, 6.0),
        10.5,
        Align::Left,
    )?;
    let number_at = page.ops.len();
    page.certificate_number(&document.certificate_number)?;
    let has_number = page.ops.len() > number_at;
    let issuer_right = left + CONTENT_MM - 14.0;
    page.text(
        &document.issuer,
        cell(issuer_right - 90.0, 90.0, block + 24.0, 8.0),
        12.5,
        Align::Right,
    )?;
    // The seal is stamped over the end of the name, as municipal seals are.
    let (seal_left, seal_top, seal_mm) = (issuer_right - 12.0, block + 15.0, 22.0);
    match &document.seal {
        super::Seal::Text(text) => page.seal(text, seal_left, seal_top, seal_mm)?,
        super::Seal::Image(image) => {
            // Fit the image into the seal square, keeping its proportions.
            let scale = seal_mm / image.width.max(image.height) as f32;
            let (w_mm, h_mm) = (image.width as f32 * scale, image.height as f32 * scale);
            page.ops.push(Op::Image {
                x: pt(seal_left + (seal_mm - w_mm) / 2.0),
                y: PAGE_HEIGHT_PT - pt(seal_top + (seal_mm + h_mm) / 2.0),
                w: pt(w_mm),
                h: pt(h_mm),
                image: image.clone(),
            });
        }
    }
    if let Some(footnote) = &document.footnote {
        page.text(
            footnote,
            cell(left, CONTENT_MM, 297.0 - MARGIN_MM - 5.0, 5.0),
            7.5,
            Align::Left,
        )?;
    }
    Ok(LaidOut {
        ops: page.ops,
        number_at,
        has_number,
    })
}
