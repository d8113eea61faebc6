//! TEMPORARY STUB — replaced by the renderer.
pub mod document;
pub use document::{Document, Field, Row, Section};
pub struct FontPaths {
    pub primary: std::path::PathBuf,
    pub fallback: std::path::PathBuf,
}
pub struct Renderer;
#[derive(Debug, thiserror::Error)]
pub enum FontError {
    #[error("x")]
    X,
}
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("unprintable")]
    UnprintableCharacter { code_point: u32 },
    #[error("fit")]
    DoesNotFit,
}
impl Renderer {
    pub fn new(_f: &FontPaths) -> Result<Renderer, FontError> {
        Ok(Renderer)
    }
    pub fn render(&self, _d: &Document) -> Result<Vec<u8>, RenderError> {
        Ok(b"%PDF-stub".to_vec())
    }
    pub fn check_printable(&self, _t: &str) -> Result<(), RenderError> {
        Ok(())
    }
}
