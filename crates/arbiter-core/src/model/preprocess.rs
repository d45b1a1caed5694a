//! Turning an image file or a feature row into model input, exactly as documented:
//!
//! 1. decode with the `image` crate (format from the bytes);
//! 2. colour: grey sources stay grey; RGB → grey uses Pillow's ITU-R 601-2 luma
//!    `(R·19595 + G·38470 + B·7471 + 32768) >> 16`; grey → RGB repeats the channel; alpha is
//!    dropped (composited on nothing); BGR reverses the channel order;
//! 3. resize (only when the size differs) with bilinear interpolation, half-pixel centres, no
//!    antialiasing: source coordinate `(x + 0.5)·in/out − 0.5`, clamped to `[0, in − 1]`,
//!    linear between the two neighbours, per axis — OpenCV's `INTER_LINEAR` / ONNX `Resize`
//!    (`half_pixel`, linear) convention;
//! 4. float32 inputs: `(v·scale − mean[c]) / std[c]`; uint8 inputs: the resized value rounded;
//! 5. layout NCHW or NHWC.

use std::path::Path;

use image::{DynamicImage, ImageReader};
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

impl Color {
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
}

impl ImagePre {
    pub fn sample_len(&self) -> usize {
        self.width as usize * self.height as usize * self.color.channels()
    }
}

/// One decoded and converted image: `channels` interleaved planes of 0..=255 values as f32.
struct Pixels {
    width: usize,
    height: usize,
    channels: usize,
    data: Vec<f32>, // HWC
}

fn to_pixels(img: DynamicImage, color: Color) -> Pixels {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let grey_source = matches!(
        img,
        DynamicImage::ImageLuma8(_)
            | DynamicImage::ImageLumaA8(_)
            | DynamicImage::ImageLuma16(_)
            | DynamicImage::ImageLumaA16(_)
    );
    match color {
        Color::Gray => {
            let data = if grey_source {
                img.to_luma8()
                    .into_raw()
                    .into_iter()
                    .map(f32::from)
                    .collect()
            } else {
                img.to_rgb8()
                    .pixels()
                    .map(|p| {
                        let [r, g, b] = p.0.map(u32::from);
                        ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16) as f32
                    })
                    .collect()
            };
            Pixels {
                width: w,
                height: h,
                channels: 1,
                data,
            }
        }
        Color::Rgb | Color::Bgr => {
            let mut data: Vec<f32> = img
                .to_rgb8()
                .into_raw()
                .into_iter()
                .map(f32::from)
                .collect();
            if color == Color::Bgr {
                for px in data.chunks_exact_mut(3) {
                    px.swap(0, 2);
                }
            }
            Pixels {
                width: w,
                height: h,
                channels: 3,
                data,
            }
        }
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

fn resize(p: &Pixels, w: usize, h: usize) -> Pixels {
    if p.width == w && p.height == h {
        return Pixels {
            width: w,
            height: h,
            channels: p.channels,
            data: p.data.clone(),
        };
    }
    let c = p.channels;
    let xs = axis_weights(p.width, w);
    let ys = axis_weights(p.height, h);
    let mut out = vec![0f32; w * h * c];
    for (oy, &(y0, y1, wy)) in ys.iter().enumerate() {
        for (ox, &(x0, x1, wx)) in xs.iter().enumerate() {
            for ch in 0..c {
                let at = |y: usize, x: usize| p.data[(y * p.width + x) * c + ch];
                let top = at(y0, x0) + (at(y0, x1) - at(y0, x0)) * wx;
                let bottom = at(y1, x0) + (at(y1, x1) - at(y1, x0)) * wx;
                out[(oy * w + ox) * c + ch] = top + (bottom - top) * wy;
            }
        }
    }
    Pixels {
        width: w,
        height: h,
        channels: c,
        data: out,
    }
}

/// A preprocessed sample in the model's element type.
#[derive(Debug, Clone, PartialEq)]
pub enum Sample {
    F32(Vec<f32>),
    U8(Vec<u8>),
}

/// Decode and preprocess one image file. The error text says what went wrong with the file.
pub fn image_sample(path: &Path, pre: &ImagePre) -> Result<Sample, String> {
    let img = ImageReader::open(path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?
        .with_guessed_format()
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?
        .decode()
        .map_err(|e| format!("cannot decode {} as an image: {e}", path.display()))?;
    Ok(preprocess(img, pre))
}

/// Preprocess a decoded image.
pub fn preprocess(img: DynamicImage, pre: &ImagePre) -> Sample {
    let px = resize(
        &to_pixels(img, pre.color),
        pre.width as usize,
        pre.height as usize,
    );
    let (w, h, c) = (px.width, px.height, px.channels);
    let index = |y: usize, x: usize, ch: usize| match pre.layout {
        Layout::Nchw => ch * h * w + y * w + x,
        Layout::Nhwc => (y * w + x) * c + ch,
    };
    match pre.dtype {
        InputType::Float32 => {
            let mut out = vec![0f32; w * h * c];
            for y in 0..h {
                for x in 0..w {
                    for ch in 0..c {
                        let v = px.data[(y * w + x) * c + ch] * pre.scale;
                        let mean = pre
                            .mean
                            .get(ch)
                            .or(pre.mean.first())
                            .copied()
                            .unwrap_or(0.0);
                        let std = pre.std.get(ch).or(pre.std.first()).copied().unwrap_or(1.0);
                        out[index(y, x, ch)] = (v - mean) / std;
                    }
                }
            }
            Sample::F32(out)
        }
        InputType::Uint8 => {
            let mut out = vec![0u8; w * h * c];
            for y in 0..h {
                for x in 0..w {
                    for ch in 0..c {
                        out[index(y, x, ch)] =
                            px.data[(y * w + x) * c + ch].round().clamp(0.0, 255.0) as u8;
                    }
                }
            }
            Sample::U8(out)
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
            data: vec![0.0, 100.0],
        };
        assert_eq!(resize(&p, 4, 1).data, [0.0, 25.0, 75.0, 100.0]);
        // Downscale 4×1 → 2×1: source x = 0.5, 2.5 → averages of neighbours, no antialiasing.
        let p = Pixels {
            width: 4,
            height: 1,
            channels: 1,
            data: vec![0.0, 10.0, 20.0, 30.0],
        };
        assert_eq!(resize(&p, 2, 1).data, [5.0, 25.0]);
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
