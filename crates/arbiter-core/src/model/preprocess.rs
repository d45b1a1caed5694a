//! Turning an image file or a feature row into model input, exactly as documented:
//!
//! 1. decode (`model::decode`: upright, 8-bit, as Pillow reads the file);
//! 2. colour: grey sources stay grey; RGB → grey uses Pillow's ITU-R 601-2 luma
//!    `(R·19595 + G·38470 + B·7471 + 32768) >> 16`; grey → RGB repeats the channel; alpha is
//!    dropped (composited on nothing); BGR reverses the channel order;
//! 3. resize (only when the size differs) with bilinear interpolation, half-pixel centres, no
//!    antialiasing: source coordinate `(x + 0.5)·in/out − 0.5`, clamped to `[0, in − 1]`,
//!    linear between the two neighbours, per axis — OpenCV's `INTER_LINEAR` / ONNX `Resize`
//!    (`half_pixel`, linear) convention;
//! 4. float32 inputs: `(v·scale − mean[c]) / std[c]`; uint8 inputs: the resized value rounded;
//! 5. layout NCHW or NHWC.

use std::borrow::Cow;

use image::DynamicImage;

pub use super::decode::{decode_image, jpeg_complete, Decode, MAX_PIXELS};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    Nchw,
    Nhwc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Color {
    Rgb,
    Bgr,
    Gray,
}

impl Layout {
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Nchw => "nchw",
            Layout::Nhwc => "nhwc",
        }
    }
}

impl std::str::FromStr for Layout {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Layout> {
        match s.trim() {
            "nchw" => Ok(Layout::Nchw),
            "nhwc" => Ok(Layout::Nhwc),
            o => Err(crate::Error::InvalidArgument(format!(
                "layout {o:?}: use nchw or nhwc"
            ))),
        }
    }
}

impl std::str::FromStr for Color {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Color> {
        match s.trim() {
            "rgb" => Ok(Color::Rgb),
            "bgr" => Ok(Color::Bgr),
            "gray" | "grey" => Ok(Color::Gray),
            o => Err(crate::Error::InvalidArgument(format!(
                "colour {o:?}: use rgb, bgr or gray"
            ))),
        }
    }
}

impl Color {
    pub fn as_str(self) -> &'static str {
        match self {
            Color::Rgb => "rgb",
            Color::Bgr => "bgr",
            Color::Gray => "gray",
        }
    }

    pub fn channels(self) -> usize {
        match self {
            Color::Gray => 1,
            _ => 3,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputType {
    Float32,
    Uint8,
}

impl InputType {
    pub fn as_str(self) -> &'static str {
        match self {
            InputType::Float32 => "float32",
            InputType::Uint8 => "uint8",
        }
    }
}

impl std::str::FromStr for InputType {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<InputType> {
        match s.trim() {
            "float32" => Ok(InputType::Float32),
            "uint8" => Ok(InputType::Uint8),
            o => Err(crate::Error::InvalidArgument(format!(
                "input type {o:?}: use float32 or uint8"
            ))),
        }
    }
}

/// How an image becomes one input sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImagePre {
    pub width: u32,
    pub height: u32,
    pub layout: Layout,
    pub color: Color,
    pub dtype: InputType,
    pub scale: f32,
    /// One value per channel.
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
    /// How JPEGs are decoded (`full`, the default, is not written, so preprocessing stored
    /// before this option reads and serialises unchanged).
    #[serde(default, skip_serializing_if = "Decode::is_full")]
    pub decode: Decode,
}

impl ImagePre {
    pub fn sample_len(&self) -> usize {
        self.width as usize * self.height as usize * self.color.channels()
    }
}

/// One decoded and converted image: `channels` interleaved 8-bit planes (HWC), borrowed from
/// the decoded image when it already has the wanted layout.
struct Pixels<'a> {
    width: usize,
    height: usize,
    channels: usize,
    data: Cow<'a, [u8]>,
}

/// The image as grey or RGB bytes (BGR is RGB here; the channel order is applied on output).
fn to_pixels(img: &DynamicImage, color: Color) -> Pixels<'_> {
    let (width, height) = (img.width() as usize, img.height() as usize);
    let rgb = || -> Cow<'_, [u8]> {
        match img {
            DynamicImage::ImageRgb8(b) => Cow::Borrowed(b.as_raw().as_slice()),
            other => Cow::Owned(other.to_rgb8().into_raw()),
        }
    };
    let (channels, data) = match color {
        Color::Gray => match img {
            DynamicImage::ImageLuma8(b) => (1, Cow::Borrowed(b.as_raw().as_slice())),
            DynamicImage::ImageLumaA8(_)
            | DynamicImage::ImageLuma16(_)
            | DynamicImage::ImageLumaA16(_) => (1, Cow::Owned(img.to_luma8().into_raw())),
            _ => (
                1,
                Cow::Owned(
                    rgb()
                        .chunks_exact(3)
                        .map(|p| {
                            let [r, g, b] = [p[0], p[1], p[2]].map(u32::from);
                            ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16) as u8
                        })
                        .collect(),
                ),
            ),
        },
        Color::Rgb | Color::Bgr => (3, rgb()),
    };
    Pixels {
        width,
        height,
        channels,
        data,
    }
}

/// Per output index: (lower source index, upper source index, weight of the upper one).
fn axis_weights(inp: usize, out: usize) -> Vec<(usize, usize, f32)> {
    let scale = inp as f64 / out as f64;
    (0..out)
        .map(|o| {
            let src = ((o as f64 + 0.5) * scale - 0.5).clamp(0.0, (inp - 1) as f64);
            let lo = src.floor() as usize;
            let hi = (lo + 1).min(inp - 1);
            (lo, hi, (src - lo as f64) as f32)
        })
        .collect()
}

/// One source row interpolated horizontally, written channel-planar:
/// `out[ch·w + x] = a + (b − a)·wx`, `a` and `b` the two neighbours' values of channel `ch`.
/// `C` is a constant so each pixel is one bounds check and an unrolled loop.
fn horizontal_row<const C: usize>(src: &[u8], xs: &[(usize, usize, f32)], out: &mut [f32]) {
    let w = xs.len();
    for (x, &(x0, x1, wx)) in xs.iter().enumerate() {
        let a: &[u8; C] = src[x0 * C..x0 * C + C].try_into().expect("C values");
        let b: &[u8; C] = src[x1 * C..x1 * C + C].try_into().expect("C values");
        for ch in 0..C {
            let (a, b) = (f32::from(a[ch]), f32::from(b[ch]));
            out[ch * w + x] = a + (b - a) * wx;
        }
    }
}

/// Resize to `w`×`h` (bilinear, half-pixel, no antialiasing; a copy when the size is already
/// right) and hand each output row, `w · channels` values 0..=255 as f32, channel-planar
/// (`values[ch·w + x]`), to `row(y, values)`. Separable: each source row is interpolated horizontally once
/// (`a + (b − a)·wx`), then two such rows vertically (`top + (bottom − top)·wy`) — the same
/// operations, in the same order, as interpolating each output value on its own.
fn resample(p: &Pixels, w: usize, h: usize, mut row: impl FnMut(usize, &[f32])) {
    let c = p.channels;
    let stride = p.width * c;
    if p.width == w && p.height == h {
        let mut values = vec![0f32; w * c];
        for (y, src) in p.data.chunks_exact(stride).enumerate() {
            for (x, px) in src.chunks_exact(c).enumerate() {
                for (ch, s) in px.iter().enumerate() {
                    values[ch * w + x] = f32::from(*s);
                }
            }
            row(y, &values);
        }
        return;
    }
    let xs = axis_weights(p.width, w);
    let ys = axis_weights(p.height, h);
    let horizontal = |y: usize, out: &mut [f32]| {
        let src = &p.data[y * stride..(y + 1) * stride];
        match c {
            1 => horizontal_row::<1>(src, &xs, out),
            3 => horizontal_row::<3>(src, &xs, out),
            _ => unreachable!("pixels have 1 or 3 channels"),
        }
    };
    // The two most recent horizontally interpolated source rows (source rows only move down).
    let (mut top, mut bottom) = (vec![0f32; w * c], vec![0f32; w * c]);
    let (mut top_y, mut bottom_y) = (usize::MAX, usize::MAX);
    let mut values = vec![0f32; w * c];
    for (oy, &(y0, y1, wy)) in ys.iter().enumerate() {
        if top_y != y0 {
            if bottom_y == y0 {
                std::mem::swap(&mut top, &mut bottom);
                std::mem::swap(&mut top_y, &mut bottom_y);
            } else {
                horizontal(y0, &mut top);
                top_y = y0;
            }
        }
        if bottom_y != y1 {
            horizontal(y1, &mut bottom);
            bottom_y = y1;
        }
        for ((v, t), b) in values.iter_mut().zip(&top).zip(&bottom) {
            *v = t + (b - t) * wy;
        }
        row(oy, &values);
    }
}

#[cfg(test)]
fn resize(p: &Pixels, w: usize, h: usize) -> Vec<f32> {
    let mut out = vec![0f32; w * h * p.channels];
    let c = p.channels;
    resample(p, w, h, |y, values| {
        for x in 0..w {
            for ch in 0..c {
                out[(y * w + x) * c + ch] = values[ch * w + x];
            }
        }
    });
    out
}

/// A preprocessed sample in the model's element type.
#[derive(Debug, Clone, PartialEq)]
pub enum Sample {
    F32(Vec<f32>),
    U8(Vec<u8>),
}

/// Where a sample goes: a slice of a batch's input, in the model's element type.
pub enum SampleMut<'a> {
    F32(&'a mut [f32]),
    U8(&'a mut [u8]),
}

/// Preprocess one image from its bytes. The error text says what is wrong with the image.
pub fn image_sample(bytes: &[u8], pre: &ImagePre) -> Result<Sample, String> {
    let draft = (pre.decode == Decode::Fast).then_some((pre.width, pre.height));
    Ok(preprocess(decode_image(bytes, draft)?, pre))
}

/// [`image_sample`] written into `out` (`pre.sample_len()` values), the decoded pixels handed
/// back for this thread's next decode: a stream of images allocates nothing per image.
pub fn image_sample_into(bytes: &[u8], pre: &ImagePre, out: SampleMut) -> Result<(), String> {
    let draft = (pre.decode == Decode::Fast).then_some((pre.width, pre.height));
    let img = decode_image(bytes, draft)?;
    preprocess_into(&img, pre, out);
    crate::model::decode::recycle(img);
    Ok(())
}

/// Preprocess a decoded image.
pub fn preprocess(img: DynamicImage, pre: &ImagePre) -> Sample {
    let n = pre.sample_len();
    match pre.dtype {
        InputType::Float32 => {
            let mut out = vec![0f32; n];
            preprocess_into(&img, pre, SampleMut::F32(&mut out));
            Sample::F32(out)
        }
        InputType::Uint8 => {
            let mut out = vec![0u8; n];
            preprocess_into(&img, pre, SampleMut::U8(&mut out));
            Sample::U8(out)
        }
    }
}

/// Preprocess a decoded image into `out`, whose element type is the model's (`pre.dtype`) and
/// length `pre.sample_len()`.
pub fn preprocess_into(img: &DynamicImage, pre: &ImagePre, out: SampleMut) {
    let px = to_pixels(img, pre.color);
    let (w, h, c) = (pre.width as usize, pre.height as usize, px.channels);
    // BGR: output channel `ch` is source channel `2 − ch`.
    let target = |ch: usize| if pre.color == Color::Bgr { 2 - ch } else { ch };
    // Where value x of source channel ch of output row y goes: `base(y, ch) + x · step`.
    let step = match pre.layout {
        Layout::Nchw => 1,
        Layout::Nhwc => c,
    };
    let base = |y: usize, ch: usize| match pre.layout {
        Layout::Nchw => target(ch) * h * w + y * w,
        Layout::Nhwc => y * w * c + target(ch),
    };
    // One channel of one output row: `w` values, contiguous in NCHW (so the loops vectorise).
    fn put<T>(out: &mut [T], at: usize, step: usize, values: &[f32], f: impl Fn(f32) -> T) {
        if step == 1 {
            for (o, v) in out[at..at + values.len()].iter_mut().zip(values) {
                *o = f(*v);
            }
        } else {
            for (x, v) in values.iter().enumerate() {
                out[at + x * step] = f(*v);
            }
        }
    }
    match out {
        SampleMut::F32(out) => {
            let per_channel = |v: &[f32], default: f32| -> Vec<f32> {
                (0..c)
                    .map(|ch| {
                        let t = target(ch);
                        v.get(t).or(v.first()).copied().unwrap_or(default)
                    })
                    .collect()
            };
            let (mean, std) = (per_channel(&pre.mean, 0.0), per_channel(&pre.std, 1.0));
            let scale = pre.scale;
            resample(&px, w, h, |y, values| {
                for (ch, plane) in values.chunks_exact(w).enumerate() {
                    let (m, s) = (mean[ch], std[ch]);
                    put(out, base(y, ch), step, plane, |v| (v * scale - m) / s);
                }
            });
        }
        SampleMut::U8(out) => {
            resample(&px, w, h, |y, values| {
                for (ch, plane) in values.chunks_exact(w).enumerate() {
                    put(out, base(y, ch), step, plane, |v| {
                        v.round().clamp(0.0, 255.0) as u8
                    });
                }
            });
        }
    }
}

/// A feature row as float32; a missing value fails the item with the feature named.
pub fn tabular_sample(
    features: &[f64],
    names: &[String],
    expected: usize,
) -> Result<Sample, String> {
    if features.len() != expected {
        return Err(format!(
            "the item has {} feature values, the model expects {expected}",
            features.len()
        ));
    }
    let mut out = Vec::with_capacity(expected);
    for (i, v) in features.iter().enumerate() {
        if v.is_nan() {
            let name = names.get(i).map(String::as_str).unwrap_or("?");
            return Err(format!("feature {name:?} is missing"));
        }
        out.push(*v as f32);
    }
    Ok(Sample::F32(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bilinear_half_pixel_matches_a_hand_computed_case() {
        // 2×1 grey image [0, 100] upscaled to 4×1: source x = (o + 0.5)·0.5 − 0.5
        // = −0.25→0 (clamped), 0.25, 0.75, 1.25→1 (clamped): values 0, 25, 75, 100.
        let p = Pixels {
            width: 2,
            height: 1,
            channels: 1,
            data: Cow::Owned(vec![0, 100]),
        };
        assert_eq!(resize(&p, 4, 1), [0.0, 25.0, 75.0, 100.0]);
        // Downscale 4×1 → 2×1: source x = 0.5, 2.5 → averages of neighbours, no antialiasing.
        let p = Pixels {
            width: 4,
            height: 1,
            channels: 1,
            data: Cow::Owned(vec![0, 10, 20, 30]),
        };
        assert_eq!(resize(&p, 2, 1), [5.0, 25.0]);
    }

    #[test]
    fn layout_scale_mean_std_and_grey_conversion() {
        let img = DynamicImage::ImageRgb8(
            image::RgbImage::from_raw(1, 2, vec![255, 0, 0, 0, 0, 255]).expect("img"),
        );
        let pre = ImagePre {
            width: 1,
            height: 2,
            layout: Layout::Nchw,
            color: Color::Rgb,
            dtype: InputType::Float32,
            scale: 1.0 / 255.0,
            mean: vec![0.5],
            std: vec![0.5],
            decode: Decode::Full,
        };
        // NCHW: R plane (1, 0), G plane (0, 0), B plane (0, 1) → (v − 0.5)/0.5
        assert_eq!(
            preprocess(img.clone(), &pre),
            Sample::F32(vec![1.0, -1.0, -1.0, -1.0, -1.0, 1.0])
        );
        let nhwc = ImagePre {
            layout: Layout::Nhwc,
            color: Color::Bgr,
            ..pre.clone()
        };
        assert_eq!(
            preprocess(img.clone(), &nhwc),
            Sample::F32(vec![-1.0, -1.0, 1.0, 1.0, -1.0, -1.0])
        );
        let grey = ImagePre {
            color: Color::Gray,
            dtype: InputType::Uint8,
            ..pre
        };
        // Pillow's L: red 255 → 76, blue 255 → 29.
        assert_eq!(preprocess(img, &grey), Sample::U8(vec![76, 29]));
    }

    #[test]
    fn missing_features_fail_the_item_naming_the_feature() {
        let names = vec!["a".to_string(), "b".to_string()];
        assert_eq!(
            tabular_sample(&[1.0, f64::NAN], &names, 2),
            Err("feature \"b\" is missing".into())
        );
        assert_eq!(
            tabular_sample(&[1.0, 2.0], &names, 2),
            Ok(Sample::F32(vec![1.0, 2.0]))
        );
    }
}
