//! The official seal (公印) as an image: a PNG with transparency, decoded and compressed once at
//! start-up, then embedded in every certificate as an image with a soft mask, so the red ink lies
//! over the mayor's name as a stamped seal does.

use std::sync::Arc;

/// A seal image ready to embed: 8-bit RGB and alpha planes, each deflated.
#[derive(Debug, PartialEq, Eq)]
pub struct SealImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// RGB samples, 3 bytes a pixel, zlib-deflated.
    pub rgb_deflated: Vec<u8>,
    /// Alpha samples, 1 byte a pixel, zlib-deflated (the PDF's soft mask).
    pub alpha_deflated: Vec<u8>,
}

/// A configured seal image could not be used; the server does not start.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The file could not be read.
    #[error("cannot read the seal image {path}: {reason}")]
    Read {
        /// The configured seal image.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The file is not an 8-bit PNG that decodes.
    #[error("the seal image {path} is not a PNG kofu can use: {reason}")]
    Decode {
        /// The configured seal image.
        path: String,
        /// What the decoder reported.
        reason: String,
    },
}

/// What is stamped over the issuer's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seal {
    /// Drawn as a red square with these characters, e.g. "新宿区長之印".
    Text(String),
    /// The municipality's seal image (公印の印影), stamped over the head's name.
    Image(Arc<SealImage>),
}

impl Seal {
    /// The configured image, read and decoded once, or else the drawn text seal.
    pub fn load(image: Option<&std::path::Path>, text: &str) -> Result<Self, SealError> {
        Ok(match image {
            Some(path) => Seal::Image(Arc::new(SealImage::load(path)?)),
            None => Seal::Text(text.to_owned()),
        })
    }
}

impl SealImage {
    /// Reads and decodes the PNG at `path`; fails when it cannot be read or decoded.
    pub fn load(path: &std::path::Path) -> Result<Self, SealError> {
        let bytes = std::fs::read(path).map_err(|e| SealError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Self::from_png(&bytes).map_err(|reason| SealError::Decode {
            path: path.display().to_string(),
            reason,
        })
    }

    /// Any 8-bit PNG (grey, grey+alpha, RGB, RGBA, palette); a PNG without alpha is opaque.
    pub fn from_png(bytes: &[u8]) -> Result<Self, String> {
        let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
        let mut pixels = vec![0; reader.output_buffer_size().ok_or("image too large")?];
        let frame = reader.next_frame(&mut pixels).map_err(|e| e.to_string())?;
        let pixels = &pixels[..frame.buffer_size()];
        let (rgb, alpha): (Vec<u8>, Vec<u8>) = match frame.color_type {
            png::ColorType::Rgba => (
                pixels
                    .chunks_exact(4)
                    .flat_map(|p| [p[0], p[1], p[2]])
                    .collect(),
                pixels.chunks_exact(4).map(|p| p[3]).collect(),
            ),
            png::ColorType::Rgb => (pixels.to_vec(), vec![255; pixels.len() / 3]),
            png::ColorType::GrayscaleAlpha => (
                pixels
                    .chunks_exact(2)
                    .flat_map(|p| [p[0], p[0], p[0]])
                    .collect(),
                pixels.chunks_exact(2).map(|p| p[1]).collect(),
            ),
            png::ColorType::Grayscale => (
                pixels.iter().flat_map(|&g| [g, g, g]).collect(),
                vec![255; pixels.len()],
            ),
            png::ColorType::Indexed => return Err("palette not expanded".into()),
        };
        Ok(Self {
            width: frame.width,
            height: frame.height,
            rgb_deflated: deflate_best(&rgb)?,
            alpha_deflated: deflate_best(&alpha)?,
        })
    }
}

/// zlib at libdeflate's best level: a seal is compressed once, at start-up, and embedded in
/// every certificate.
fn deflate_best(data: &[u8]) -> Result<Vec<u8>, String> {
    let mut compressor = libdeflater::Compressor::new(libdeflater::CompressionLvl::best());
    let mut output = vec![0; compressor.zlib_compress_bound(data.len())];
    let written = compressor
        .zlib_compress(data, &mut output)
        .map_err(|e| format!("compressing the image failed: {e}"))?;
    output.truncate(written);
    Ok(output)
}
