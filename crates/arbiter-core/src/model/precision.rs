//! A model's numeric precision and the element types Arbiter feeds and reads.
//!
//! The precision `model add` shows — fp32, fp16, int8 QDQ, int8 QOperator or mixed — is worked
//! out from the graph: quantized operators (QLinearConv, QGemm, MatMulInteger… = QOperator;
//! QuantizeLinear/DequantizeLinear pairs around float operators = QDQ) and the element types of
//! weights and constants (float16 weights = fp16, also when the inputs and outputs stay float32;
//! float16 with float32 weights, or float16 in a quantized graph = mixed).
//!
//! Inputs are fed as float32 or float16 (images also as uint8): a float16 input gets the float32
//! preprocessing rounded to the nearest float16, as numpy's `astype(np.float16)` does. Class
//! scores are read from float32 or float16 outputs (widened to float32). Other element types
//! (string, int64, bfloat16, float8, …) are refused at `model add`, naming the input or output.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use ort::value::{DynValue, TensorElementType, ValueType};
use serde::{Deserialize, Serialize};

use super::TensorInfo;

/// A model's numeric precision, from its graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    Fp32,
    Fp16,
    /// Quantized in the QDQ format: QuantizeLinear/DequantizeLinear around float operators.
    Int8Qdq,
    /// Quantized operators (QLinearConv, QGemm, MatMulInteger from dynamic quantization, …).
    Int8Qoperator,
    /// More than one of the above in one graph.
    Mixed,
}

impl Precision {
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Fp32 => "fp32",
            Precision::Fp16 => "fp16",
            Precision::Int8Qdq => "int8_qdq",
            Precision::Int8Qoperator => "int8_qoperator",
            Precision::Mixed => "mixed",
        }
    }

    /// For people: `fp32`, `fp16`, `int8 QDQ`, `int8 QOperator`, `mixed`.
    pub fn describe(self) -> &'static str {
        match self {
            Precision::Fp32 => "fp32",
            Precision::Fp16 => "fp16",
            Precision::Int8Qdq => "int8 QDQ",
            Precision::Int8Qoperator => "int8 QOperator",
            Precision::Mixed => "mixed",
        }
    }
}

impl std::str::FromStr for Precision {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Precision> {
        match s {
            "fp32" => Ok(Precision::Fp32),
            "fp16" => Ok(Precision::Fp16),
            "int8_qdq" => Ok(Precision::Int8Qdq),
            "int8_qoperator" => Ok(Precision::Int8Qoperator),
            "mixed" => Ok(Precision::Mixed),
            o => Err(crate::Error::InvalidArgument(format!(
                "precision {o:?}: use fp32, fp16, int8_qdq, int8_qoperator or mixed"
            ))),
        }
    }
}

// `onnx.TensorProto.DataType` values.
const FLOAT: i32 = 1;
const FLOAT16: i32 = 10;
const DOUBLE: i32 = 11;
const BFLOAT16: i32 = 16;
/// FLOAT8E4M3FN … FLOAT8E5M2FNUZ, and later low-precision floats (FLOAT4E2M1, FLOAT8E8M0).
const LOW_FLOATS: &[i32] = &[17, 18, 19, 20, 23, 24];

/// Operators that compute on quantized integers (the QOperator format, and dynamic
/// quantization's integer MatMul/Conv).
fn is_qoperator(op: &str) -> bool {
    op.starts_with("QLinear")
        || matches!(
            op,
            "QGemm"
                | "QAttention"
                | "MatMulInteger"
                | "ConvInteger"
                | "DynamicQuantizeMatMul"
                | "MatMulIntegerToFloat"
                | "DynamicQuantizeLSTM"
                | "QEmbedLayerNormalization"
        )
}

/// The precision of a graph with these operators and weight/constant element types.
pub fn classify(ops: &[String], weight_types: &[i32]) -> Precision {
    let has = |t: i32| weight_types.contains(&t);
    let low = has(FLOAT16) || has(BFLOAT16) || weight_types.iter().any(|t| LOW_FLOATS.contains(t));
    let quantized = if ops.iter().any(|o| is_qoperator(o)) {
        Some(Precision::Int8Qoperator)
    } else if ops
        .iter()
        .any(|o| o == "QuantizeLinear" || o == "DequantizeLinear")
    {
        Some(Precision::Int8Qdq)
    } else {
        None
    };
    match (quantized, low) {
        (Some(q), false) => q,
        (Some(_), true) => Precision::Mixed,
        (None, true) if has(FLOAT16) && !has(FLOAT) && !has(DOUBLE) && !has(BFLOAT16) => {
            Precision::Fp16
        }
        (None, true) => Precision::Mixed,
        (None, false) => Precision::Fp32,
    }
}

/// The precision of a model file's graph, `None` when it cannot be read as ONNX. Worked out once
/// per content hash (`sha256`) and process (a missing file is looked for again next time: a
/// clone may copy it later).
pub fn of_file(path: &Path, sha256: &str) -> Option<Precision> {
    static SEEN: OnceLock<Mutex<HashMap<String, Option<Precision>>>> = OnceLock::new();
    let seen = SEEN.get_or_init(Default::default);
    if let Some(p) = seen.lock().ok().and_then(|m| m.get(sha256).copied()) {
        return p;
    }
    let p = std::fs::read(path)
        .ok()
        .and_then(|bytes| super::onnx_meta::parse(&bytes))
        .map(|meta| classify(&meta.ops, &meta.weight_types));
    if let (Some(_), Ok(mut m)) = (p, seen.lock()) {
        m.insert(sha256.to_string(), p);
    }
    p
}

/// Element types of class-score outputs Arbiter reads.
pub const SCORE_TYPES: &[&str] = &["float32", "float16"];
/// Element types of feature-row inputs Arbiter feeds.
pub const FEATURE_TYPES: &[&str] = &["float32", "float16"];

/// Why a model's input cannot be fed, naming it, its type and what to do.
pub fn refuse_input(input: &TensorInfo, what: &str, fed: &str) -> String {
    format!(
        "{what} input {:?} is {}; Arbiter feeds {fed}. Export the model with a float32 (or float16) input{} — nothing was registered",
        input.name,
        input.dtype,
        match input.dtype.as_str() {
            "string" => " and turn text into numbers before the model",
            "bfloat16" => " (e.g. a Cast from float32 to bfloat16 as the graph's first node)",
            _ => " and cast it inside the graph if the model needs another type",
        }
    )
}

/// Why no output can be read as class scores, when an output has the right rank but an element
/// type Arbiter does not read, or only label outputs exist. `None` when neither is the case.
pub fn refuse_outputs(outputs: &[TensorInfo]) -> Option<String> {
    let shape = |o: &TensorInfo| {
        let dims: Vec<String> = o
            .shape
            .iter()
            .enumerate()
            .map(|(i, &d)| match d {
                d if d > 0 => d.to_string(),
                _ if i == 0 => "N".into(),
                _ => "?".into(),
            })
            .collect();
        format!("[{}]", dims.join(", "))
    };
    if let Some(o) = outputs.iter().find(|o| {
        o.shape.len() == 2
            && !o.dtype.starts_with("sequence")
            && !SCORE_TYPES.contains(&o.dtype.as_str())
    }) {
        let hint = match o.dtype.as_str() {
            "int64" | "int32" | "string" => " — these look like labels or indexes, not scores; export the model's probability or logit output",
            _ => " — add a Cast to float32 (or float16) at the end of the graph, or export the model in float32",
        };
        return Some(format!(
            "output {:?} {} is {}; Arbiter reads class scores as float32 or float16{hint} — nothing was registered",
            o.name,
            shape(o),
            o.dtype
        ));
    }
    let labels: Vec<&TensorInfo> = outputs.iter().filter(|o| o.shape.len() <= 1).collect();
    if !labels.is_empty() && labels.len() == outputs.len() {
        let list: Vec<String> = labels
            .iter()
            .map(|o| format!("{:?} {} {}", o.name, o.dtype, shape(o)))
            .collect();
        return Some(format!(
            "output {} holds one value per item (a predicted label or index), not scores per class; Arbiter reads class scores [N, classes] as float32 or float16 — export the model with its probability or logit output (e.g. without the final ArgMax; skl2onnx classifiers have output_probability) — nothing was registered",
            list.join(", ")
        ));
    }
    None
}

/// Whether the session's input `name` takes float16 (the float32 preprocessing is then rounded
/// to float16 when fed).
pub(crate) fn wants_f16(session: &ort::session::Session, name: &str) -> bool {
    session.inputs().iter().any(|i| {
        i.name() == name
            && matches!(
                i.dtype(),
                ValueType::Tensor {
                    ty: TensorElementType::Float16,
                    ..
                }
            )
    })
}

/// A score output's shape and values as float32 (float16 widened).
pub(crate) fn scores(out: &DynValue) -> Result<(Vec<i64>, Cow<'_, [f32]>), String> {
    match out.dtype() {
        ValueType::Tensor {
            ty: TensorElementType::Float16,
            ..
        } => {
            let (shape, data) = out
                .try_extract_tensor::<half::f16>()
                .map_err(|e| e.to_string())?;
            Ok((
                shape.to_vec(),
                Cow::Owned(data.iter().map(|v| v.to_f32()).collect()),
            ))
        }
        _ => {
            let (shape, data) = out.try_extract_tensor::<f32>().map_err(|e| e.to_string())?;
            Ok((shape.to_vec(), Cow::Borrowed(data)))
        }
    }
}

#[cfg(test)]
mod tests;
