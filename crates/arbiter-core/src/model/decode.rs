//! The one place image files are decoded — for predictions, thumbnails and the item view alike —
//! into an upright 8-bit image, as Python's Pillow reads it:
//!
//! - JPEGs with libjpeg-turbo (the library Pillow itself uses: same integer IDCT, same "fancy"
//!   chroma upsampling, so the same pixels), optionally at a reduced DCT scale (1/2, 1/4, 1/8:
//!   Pillow's `Image.draft`); a JPEG libjpeg-turbo refuses — it also reports mere warnings as
//!   failures — is decoded again with the `image` crate, and fails its item if that fails too;
//! - every other format with the `image` crate;
//! - EXIF orientation applied as Pillow's `ImageOps.exif_transpose` (all eight orientations);
//! - CMYK (and YCCK) JPEGs converted to RGB as Pillow's `convert("RGB")` does (Adobe files store
//!   inverted values), 16-bit images reduced to their high byte (as Pillow reads 16-bit RGB PNGs;
//!   Pillow clips 16-bit grey to 0..=255 instead, which whitens the picture — Arbiter does not);
//! - images above [`MAX_PIXELS`] refused from their header, before anything is allocated, and
//!   truncated JPEGs refused (libjpeg would fill the rest with grey).

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageReader};
use serde::{Deserialize, Serialize};

/// The largest image Arbiter decodes, in pixels (128 megapixels: a 100-megapixel camera's
/// photo fits; a small file declaring a huge image — a decompression bomb — does not).
pub const MAX_PIXELS: u64 = 128 * 1024 * 1024;

/// Memory one decode may allocate (128 megapixels of 16-bit RGBA).
const MAX_DECODE_BYTES: u64 = MAX_PIXELS * 8;

/// How a JPEG is decoded for a model: `full` size (the default; equal to Pillow's pipeline), or
/// `fast` — at the smallest DCT scale (1/2, 1/4, 1/8) whose size is not below the model input,
/// as Pillow's `Image.draft("RGB", size)` does, then resized as usual.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decode {
    #[default]
    Full,
    Fast,
}

impl Decode {
    pub fn is_full(&self) -> bool {
        *self == Decode::Full
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Decode::Full => "full",
            Decode::Fast => "fast",
        }
    }
}

impl std::str::FromStr for Decode {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Decode> {
        match s.trim() {
            "full" => Ok(Decode::Full),
            "fast" => Ok(Decode::Fast),
            o => Err(crate::Error::InvalidArgument(format!(
                "decode {o:?}: use full or fast"
            ))),
        }
    }
}

/// What a JPEG's header segments say (up to the first scan).
#[derive(Debug, Default)]
struct JpegMeta<'a> {
    /// The EXIF TIFF structure (after `Exif\0\0`) of the first APP1 EXIF segment.
    exif: Option<&'a [u8]>,
    /// An Adobe APP14 segment is present (CMYK values are stored inverted).
    adobe: bool,
}

fn jpeg_meta(b: &[u8]) -> JpegMeta<'_> {
    let mut meta = JpegMeta::default();
    let mut i = 2;
    while i + 4 <= b.len() && b[i] == 0xFF {
        let m = b[i + 1];
        if m == 0xFF {
            i += 1;
            continue;
        }
        if m == 0xD8 || (0xD0..=0xD7).contains(&m) || m == 0x01 {
            i += 2;
            continue;
        }
        if m == 0xDA || m == 0xD9 {
            break;
        }
        let len = usize::from(b[i + 2]) << 8 | usize::from(b[i + 3]);
        let Some(body) = b.get(i + 4..i + 2 + len.max(2)) else {
            break;
        };
        if m == 0xE1 && meta.exif.is_none() && body.starts_with(b"Exif\0\0") {
            meta.exif = Some(&body[6..]);
        }
        if m == 0xEE && body.starts_with(b"Adobe") {
            meta.adobe = true;
        }
        i += 2 + len;
    }
    meta
}

/// Whether the orientation swaps width and height.
fn transposes(o: Orientation) -> bool {
    matches!(
        o,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

/// Pillow's `draft` scale: the largest of 8, 4, 2, 1 not above `min(W / w, H / h)`.
fn draft_scale(w: usize, h: usize, want: (u32, u32)) -> usize {
    let (ww, wh) = (want.0.max(1) as usize, want.1.max(1) as usize);
    let s = (w / ww).min(h / wh);
    [8, 4, 2, 1].into_iter().find(|&k| s >= k).unwrap_or(1)
}

fn too_big(w: u64, h: u64) -> Option<String> {
    let pixels = w * h;
    (pixels > MAX_PIXELS).then(|| {
        format!(
            "the image is {w}×{h} ({:.0} megapixels); Arbiter decodes images up to {} megapixels — downscale it first",
            pixels as f64 / 1e6,
            MAX_PIXELS / (1024 * 1024)
        )
    })
}

/// Pillow's CMYK → RGB: `255 − k − c·(255 − k)/255` per channel, with its rounding.
fn cmyk_to_rgb(cmyk: &[u8], inverted: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(cmyk.len() / 4 * 3);
    for p in cmyk.chunks_exact(4) {
        let v = |x: u8| i32::from(if inverted { 255 - x } else { x });
        let nk = 255 - v(p[3]);
        for &c in &p[..3] {
            let t = v(c) * nk + 128;
            out.push((nk - (((t >> 8) + t) >> 8)).clamp(0, 255) as u8);
        }
    }
    out
}

thread_local! {
    /// This thread's libjpeg-turbo decompressor, made once and reused for every image.
    static TURBO: std::cell::RefCell<Option<turbojpeg::Decompressor>> =
        const { std::cell::RefCell::new(None) };
    /// A pixel buffer handed back by [`recycle`], reused by this thread's next decode: a run
    /// decodes thousands of images, and a fresh buffer each time (megabytes for a photo) costs
    /// page faults and zeroing, not just an allocation.
    static SPARE: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Give a decoded image's pixel buffer back for this thread's next [`decode_image`] (a stream
/// of decodes then allocates nothing per image). Only 8-bit grey and RGB buffers are kept.
pub fn recycle(img: DynamicImage) {
    let raw = match img {
        DynamicImage::ImageRgb8(b) => b.into_raw(),
        DynamicImage::ImageLuma8(b) => b.into_raw(),
        _ => return,
    };
    SPARE.with(|s| {
        let mut s = s.borrow_mut();
        if raw.capacity() > s.capacity() {
            *s = raw;
        }
    });
}

/// Decode a JPEG with libjpeg-turbo at scale 1/`scale`; `None` when libjpeg-turbo refuses it.
fn turbo(bytes: &[u8], w: usize, h: usize, scale: usize, cmyk: bool) -> Option<DynamicImage> {
    TURBO.with(|t| {
        let mut slot = t.borrow_mut();
        if slot.is_none() {
            *slot = Some(turbojpeg::Decompressor::new().ok()?);
        }
        let d = slot.as_mut()?;
        let decoded = turbo_with(d, bytes, w, h, scale, cmyk);
        if decoded.is_none() {
            // A fresh decompressor for the next image: nothing of a failed one is kept.
            *slot = None;
        }
        decoded
    })
}

fn turbo_with(
    d: &mut turbojpeg::Decompressor,
    bytes: &[u8],
    w: usize,
    h: usize,
    scale: usize,
    cmyk: bool,
) -> Option<DynamicImage> {
    let header = d.read_header(bytes).ok()?;
    let (ow, oh) = (w.div_ceil(scale), h.div_ceil(scale));
    let (format, gray) = match header.colorspace {
        turbojpeg::Colorspace::Gray => (turbojpeg::PixelFormat::GRAY, true),
        turbojpeg::Colorspace::CMYK | turbojpeg::Colorspace::YCCK => {
            (turbojpeg::PixelFormat::CMYK, false)
        }
        _ => (turbojpeg::PixelFormat::RGB, false),
    };
    let c = format.size();
    // The spare buffer, if any: libjpeg-turbo writes every byte of it, so only new length is
    // zeroed (stale bytes beyond the image are cut off).
    let mut pixels = SPARE.with(|s| std::mem::take(&mut *s.borrow_mut()));
    pixels.resize(ow * oh * c, 0);
    let image = turbojpeg::Image {
        pixels: pixels.as_mut_slice(),
        width: ow,
        pitch: ow * c,
        height: oh,
        format,
    };
    d.decompress(bytes, image).ok()?;
    let (ow, oh) = (ow as u32, oh as u32);
    if gray {
        image::GrayImage::from_raw(ow, oh, pixels).map(DynamicImage::ImageLuma8)
    } else if c == 4 {
        image::RgbImage::from_raw(ow, oh, cmyk_to_rgb(&pixels, cmyk)).map(DynamicImage::ImageRgb8)
    } else {
        image::RgbImage::from_raw(ow, oh, pixels).map(DynamicImage::ImageRgb8)
    }
}

/// 8-bit samples: 16-bit and float images reduced (16-bit to the high byte, as Pillow).
fn to_8bit(img: DynamicImage) -> DynamicImage {
    fn high(v: &[u16]) -> Vec<u8> {
        v.iter().map(|x| (x >> 8) as u8).collect()
    }
    let (w, h) = (img.width(), img.height());
    let reduced = match &img {
        DynamicImage::ImageLuma8(_)
        | DynamicImage::ImageLumaA8(_)
        | DynamicImage::ImageRgb8(_)
        | DynamicImage::ImageRgba8(_) => None,
        DynamicImage::ImageLuma16(b) => {
            image::GrayImage::from_raw(w, h, high(b)).map(DynamicImage::ImageLuma8)
        }
        DynamicImage::ImageLumaA16(b) => {
            image::GrayAlphaImage::from_raw(w, h, high(b)).map(DynamicImage::ImageLumaA8)
        }
        DynamicImage::ImageRgb16(b) => {
            image::RgbImage::from_raw(w, h, high(b)).map(DynamicImage::ImageRgb8)
        }
        DynamicImage::ImageRgba16(b) => {
            image::RgbaImage::from_raw(w, h, high(b)).map(DynamicImage::ImageRgba8)
        }
        other if other.color().has_alpha() => Some(DynamicImage::ImageRgba8(other.to_rgba8())),
        other => Some(DynamicImage::ImageRgb8(other.to_rgb8())),
    };
    reduced.unwrap_or(img)
}

/// What a file holds, from its header: stored size, orientation, and whether its colours need
/// converting for display (CMYK).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Header {
    pub width: u32,
    pub height: u32,
    pub orientation: Orientation,
    pub cmyk: bool,
}

fn is_jpeg(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xD8, 0xFF])
}

/// Read a file's header (no pixel data decoded).
pub fn header(bytes: &[u8]) -> Result<Header, String> {
    if is_jpeg(bytes) {
        let h = turbojpeg::read_header(bytes)
            .map_err(|e| format!("cannot decode it as a JPEG: {e}"))?;
        let meta = jpeg_meta(bytes);
        return Ok(Header {
            width: h.width as u32,
            height: h.height as u32,
            orientation: meta
                .exif
                .and_then(Orientation::from_exif_chunk)
                .unwrap_or(Orientation::NoTransforms),
            cmyk: matches!(
                h.colorspace,
                turbojpeg::Colorspace::CMYK | turbojpeg::Colorspace::YCCK
            ),
        });
    }
    let mut decoder = reader(bytes)?
        .into_decoder()
        .map_err(|e| format!("cannot decode it as an image: {e}"))?;
    let (width, height) = decoder.dimensions();
    Ok(Header {
        width,
        height,
        orientation: decoder.orientation().unwrap_or(Orientation::NoTransforms),
        cmyk: false,
    })
}

fn reader(bytes: &[u8]) -> Result<ImageReader<std::io::Cursor<&[u8]>>, String> {
    let mut reader = ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| format!("cannot read it: {e}"))?;
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    Ok(reader)
}

/// Decode an image from its bytes (format from the bytes) into an upright 8-bit image (grey,
/// grey + alpha, RGB or RGBA). `draft`: a JPEG may be decoded at a reduced DCT scale as long as
/// the upright result is at least this wide and high. The error text says what is wrong with
/// the image.
pub fn decode_image(bytes: &[u8], draft: Option<(u32, u32)>) -> Result<DynamicImage, String> {
    if is_jpeg(bytes) {
        return decode_jpeg(bytes, draft);
    }
    let mut decoder = reader(bytes)?
        .into_decoder()
        .map_err(|e| format!("cannot decode it as an image: {e}"))?;
    let (w, h) = decoder.dimensions();
    if let Some(m) = too_big(w.into(), h.into()) {
        return Err(m);
    }
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder)
        .map_err(|e| format!("cannot decode it as an image: {e}"))?;
    img.apply_orientation(orientation);
    Ok(to_8bit(img))
}

fn decode_jpeg(bytes: &[u8], draft: Option<(u32, u32)>) -> Result<DynamicImage, String> {
    let head = header(bytes)?;
    if let Some(m) = too_big(head.width.into(), head.height.into()) {
        return Err(m);
    }
    if !jpeg_complete(bytes) {
        return Err(
            "the JPEG file is truncated (its data ends before the end of the image); restore the complete file".into(),
        );
    }
    let (w, h) = (head.width as usize, head.height as usize);
    let scale = match draft {
        Some((dw, dh)) if transposes(head.orientation) => draft_scale(w, h, (dh, dw)),
        Some(want) => draft_scale(w, h, want),
        None => 1,
    };
    let adobe = jpeg_meta(bytes).adobe;
    let mut img = match turbo(bytes, w, h, scale, adobe) {
        Some(img) => img,
        None => {
            let decoder = reader(bytes)?
                .into_decoder()
                .map_err(|e| format!("cannot decode it as a JPEG: {e}"))?;
            to_8bit(
                DynamicImage::from_decoder(decoder)
                    .map_err(|e| format!("cannot decode it as a JPEG: {e}"))?,
            )
        }
    };
    img.apply_orientation(head.orientation);
    Ok(img)
}

/// Whether a JPEG stream reaches its end-of-image marker: the marker segments are walked by
/// their lengths (so an EXIF thumbnail's own end marker is skipped), entropy-coded data is
/// scanned for the next marker, and data after the end marker (e.g. a motion photo's video)
/// is ignored.
pub fn jpeg_complete(b: &[u8]) -> bool {
    if b.len() < 4 || b[0] != 0xFF || b[1] != 0xD8 {
        return false;
    }
    let mut i = 2;
    loop {
        // At a marker: skip fill bytes (0xFF padding).
        while i < b.len() && b[i] == 0xFF {
            i += 1;
        }
        let Some(&m) = b.get(i) else { return false };
        i += 1;
        match m {
            0xD9 => return true,
            // Markers without a length: TEM, RSTn, a stray SOI.
            0x01 | 0xD0..=0xD8 => continue,
            _ => {}
        }
        let Some(len) = b
            .get(i..i + 2)
            .map(|l| usize::from(l[0]) << 8 | usize::from(l[1]))
        else {
            return false;
        };
        if len < 2 {
            return false;
        }
        i += len;
        if i > b.len() {
            return false;
        }
        if m == 0xDA {
            // Entropy-coded data up to the next marker that is not a stuffed 0xFF00 or a
            // restart marker.
            loop {
                match b
                    .get(i..)
                    .and_then(|rest| rest.iter().position(|&x| x == 0xFF))
                {
                    None => return false,
                    Some(off) => i += off,
                }
                match b.get(i + 1) {
                    None => return false,
                    Some(0x00) | Some(0xD0..=0xD7) => i += 2,
                    Some(0xFF) => i += 1,
                    Some(_) => break,
                }
            }
        } else if i < b.len() && b[i] != 0xFF {
            return false;
        }
        if i < b.len() {
            i += 1; // past the 0xFF of the next marker
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_completeness_walks_segments_and_ignores_what_follows_the_end() {
        // SOI, an APP1 segment holding a stray end marker (as an EXIF thumbnail does), a scan
        // with a stuffed 0xFF00 and a restart marker, then EOI.
        let mut j = vec![0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x06, 0xFF, 0xD9, 0x00, 0x00];
        j.extend([0xFF, 0xDA, 0x00, 0x04, 0x01, 0x02, 0x11, 0xFF, 0x00, 0x22]);
        j.extend([0xFF, 0xD0, 0x33, 0xFF, 0xD9]);
        assert!(jpeg_complete(&j));
        let mut trailing = j.clone();
        trailing.extend(b"ftyp mp4 data \xFF\xDA");
        assert!(
            jpeg_complete(&trailing),
            "data after the end marker is ignored"
        );
        for cut in [3, 9, 12, 16, j.len() - 1] {
            assert!(!jpeg_complete(&j[..cut]), "cut at {cut}");
        }
        assert!(!jpeg_complete(b"not a jpeg"));
    }

    fn photo() -> Vec<u8> {
        std::fs::read(crate::testutil::fixtures().join("images/exif/photo.jpg")).expect("photo")
    }

    #[test]
    fn a_small_jpeg_declaring_a_huge_image_is_refused_from_its_header() {
        // The photo's frame header (SOF0) rewritten to declare 65000×65000 (4.2 gigapixels):
        // refused before any pixel memory is allocated, with the limit named.
        let mut bomb = photo();
        let sof = bomb
            .windows(2)
            .position(|w| w == [0xFF, 0xC0])
            .expect("SOF0");
        bomb[sof + 5..sof + 9].copy_from_slice(&[0xFD, 0xE8, 0xFD, 0xE8]);
        for draft in [None, Some((224, 224))] {
            let err = decode_image(&bomb, draft).expect_err("bomb");
            assert!(
                err.starts_with("the image is 65000×65000 (4225 megapixels); Arbiter decodes images up to 128 megapixels"),
                "{err}"
            );
        }
    }

    #[test]
    fn truncated_or_corrupt_jpegs_fail_with_a_reason_and_never_panic() {
        let good = photo();
        for draft in [None, Some((12, 8))] {
            let cut = &good[..good.len() / 2];
            let err = decode_image(cut, draft).expect_err("truncated");
            assert!(err.contains("truncated"), "{err}");
            // Garbage after the start-of-image marker.
            let mut junk = good[..2].to_vec();
            junk.extend(std::iter::repeat_n(0x5A, 5000));
            assert!(decode_image(&junk, draft).is_err());
            // Scan data overwritten in the middle (markers intact): decoded or refused, but
            // never a panic or a hang.
            let mut scrambled = good.clone();
            let mid = scrambled.len() / 2;
            for (i, b) in scrambled[mid..mid + 4000].iter_mut().enumerate() {
                *b = (i as u8).wrapping_mul(37) & 0xFE;
            }
            let _ = decode_image(&scrambled, draft);
        }
    }

    #[test]
    fn draft_scale_is_pillows() {
        // min(W // w, H // h), then the largest of 8, 4, 2, 1 not above it.
        assert_eq!(draft_scale(2000, 1500, (224, 224)), 4);
        assert_eq!(draft_scale(4000, 3000, (224, 224)), 8);
        assert_eq!(draft_scale(447, 1000, (224, 224)), 1);
        assert_eq!(draft_scale(448, 1000, (224, 224)), 2);
        assert_eq!(draft_scale(100, 100, (224, 224)), 1);
    }

    #[test]
    fn cmyk_conversion_is_pillows() {
        // Pillow: nk = 255 − k; v = nk − MULDIV255(c, nk).
        assert_eq!(cmyk_to_rgb(&[0, 0, 0, 0], false), [255, 255, 255]);
        assert_eq!(cmyk_to_rgb(&[255, 0, 128, 0], false), [0, 255, 127]);
        assert_eq!(cmyk_to_rgb(&[0, 0, 0, 255], false), [0, 0, 0]);
        assert_eq!(cmyk_to_rgb(&[255, 255, 255, 255], true), [255, 255, 255]);
    }

    #[test]
    fn a_recycled_buffer_decodes_the_next_image_exactly_as_a_fresh_one() {
        let dir = crate::testutil::fixtures().join("images/exif");
        let read = |f: &str| std::fs::read(dir.join(f)).expect("fixture");
        let (big, small, grey) = (photo(), read("orientation_6.jpg"), read("cmyk.jpg"));
        // On a thread of its own, so no buffer handed back elsewhere is in play.
        let fresh = |b: Vec<u8>, draft| {
            std::thread::spawn(move || decode_image(&b, draft).expect("decodes"))
                .join()
                .expect("thread")
        };
        for draft in [None, Some((8, 8))] {
            // A bigger image's buffer handed back, then smaller images decoded into it.
            recycle(decode_image(&big, draft).expect("photo"));
            for bytes in [&small, &grey, &big, &small] {
                let again = decode_image(bytes, draft).expect("decodes");
                assert_eq!(again, fresh(bytes.clone(), draft));
                recycle(again);
            }
        }
    }
}
