//! The precision rules, and FP16 and INT8 models (`fixtures/models/quantized/`, made with onnxconverter-common and
//! onnxruntime.quantization): their precision as `model add` reports it, their predictions
//! against Python onnxruntime's, and the refusal of element types Arbiter cannot feed or read.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;

use super::*;
use crate::model::{add, runtime, AddOptions, ModelInfo};
use crate::predict::{self, PredictOptions};
use crate::store::Project;
use crate::testutil::{fixtures, imported_project};
use crate::Result;

const DIR: &str = "models/quantized";

fn expected_json() -> serde_json::Value {
    let text = std::fs::read_to_string(fixtures().join(DIR).join("expected.json")).expect("json");
    serde_json::from_str(&text).expect("parse")
}

/// Item id → (predicted class, probabilities if the file has them).
fn reference(stem: &str) -> HashMap<String, (String, Vec<f64>)> {
    let text =
        std::fs::read_to_string(fixtures().join(DIR).join(format!("{stem}.csv"))).expect("csv");
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let p = f[2..].iter().map(|x| x.parse().expect("float")).collect();
            (f[0].to_string(), (f[1].to_string(), p))
        })
        .collect()
}

/// A project with `source` imported as `data`.
fn project(source: &str) -> (tempfile::TempDir, Project) {
    let dir = tempfile::tempdir().expect("tmp");
    let (p, _) = imported_project(dir.path(), &fixtures().join(source), Some("data"), false);
    (dir, p)
}

fn add_file(p: &mut Project, rel: &str) -> Result<ModelInfo> {
    add(
        p,
        &AddOptions {
            file: fixtures().join(rel),
            ..Default::default()
        },
    )
}

/// Item id → (predicted class, probabilities) of a CPU run of `model` over `data`.
fn predictions(p: &mut Project, model: &ModelInfo) -> HashMap<String, (String, Vec<f32>)> {
    let summary = predict::predict(
        p,
        &PredictOptions {
            model: format!("{}@{}", model.name, model.version),
            dataset: "data".into(),
            batch_size: 64,
            device: runtime::Device::Cpu,
            resume: None,
            decode: None,
            cuda: Default::default(),
        },
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", model.name));
    assert_eq!(summary.failed, 0, "{}", model.name);
    let (_, preds) = predict::predictions(p, summary.run).expect("predictions");
    preds
        .into_iter()
        .map(|pr| {
            (
                pr.ext_id,
                (pr.predicted.expect("predicted"), pr.probabilities),
            )
        })
        .collect()
}

fn source_of(parent: &str) -> &'static str {
    match parent {
        "digits" => "digits/manifest.csv",
        _ => "tabular/breast_cancer.csv",
    }
}

fn parent_file(parent: &str) -> &'static str {
    match parent {
        "digits" => "models/digits_logits.onnx",
        _ => "models/quantized/breast_cancer_linear.onnx",
    }
}

#[test]
fn fp16_and_mixed_models_run_and_equal_onnxruntime_within_1e_3() {
    let want = expected_json();
    let mut checked = 0;
    for (stem, v) in want["variants"].as_object().expect("variants") {
        let precision = match v["precision"].as_str() {
            Some("fp16") => Precision::Fp16,
            Some("mixed") => Precision::Mixed,
            _ => continue,
        };
        let parent = v["parent"].as_str().expect("parent");
        let (_d, mut p) = project(source_of(parent));
        let m = add_file(&mut p, &format!("{DIR}/{stem}.onnx"))
            .unwrap_or_else(|e| panic!("{stem}: {e}"));
        assert_eq!(m.precision, Some(precision), "{stem}");
        let io = v["inputs"][0]["type"].as_str().expect("type");
        assert_eq!(
            m.inputs[0].dtype,
            if io == "tensor(float16)" {
                "float16"
            } else {
                "float32"
            },
            "{stem}"
        );
        let got = predictions(&mut p, &m);
        let reference = reference(stem);
        assert_eq!(
            got.len(),
            reference.len(),
            "{stem}: one prediction per item"
        );
        let mut worst = 0f64;
        for (id, (class, probs)) in &reference {
            let (g_class, g_probs) = &got[id];
            assert_eq!(g_class, class, "{stem} {id}");
            for (g, w) in g_probs.iter().zip(probs) {
                worst = worst.max((f64::from(*g) - w).abs());
            }
        }
        assert!(worst <= 1e-3, "{stem}: max |Δp| = {worst:e} exceeds 1e-3");
        checked += 1;
    }
    assert_eq!(
        checked, 4,
        "digits (float16 and float32 I/O, mixed) and breast cancer"
    );
}

#[test]
fn int8_models_agree_with_onnxruntime_exactly_and_with_their_fp32_parent_as_recorded() {
    let want = expected_json();
    let mut checked = 0;
    for (stem, v) in want["variants"].as_object().expect("variants") {
        let precision = match v["precision"].as_str() {
            Some("int8_qdq") => Precision::Int8Qdq,
            Some("int8_qoperator") => Precision::Int8Qoperator,
            _ => continue,
        };
        let parent = v["parent"].as_str().expect("parent");
        let (_d, mut p) = project(source_of(parent));
        let fp32 = add_file(&mut p, parent_file(parent)).expect("parent");
        assert_eq!(fp32.precision, Some(Precision::Fp32), "{}", fp32.name);
        let m = add_file(&mut p, &format!("{DIR}/{stem}.onnx"))
            .unwrap_or_else(|e| panic!("{stem}: {e}"));
        assert_eq!(m.precision, Some(precision), "{stem}");
        let got = predictions(&mut p, &m);
        let of_parent = predictions(&mut p, &fp32);
        let reference = reference(stem);
        assert_eq!(
            got.len(),
            reference.len(),
            "{stem}: one prediction per item"
        );
        let with_python = reference
            .iter()
            .filter(|(id, (class, _))| &got[*id].0 == class)
            .count();
        let with_parent = got
            .iter()
            .filter(|(id, (class, _))| &of_parent[*id].0 == class)
            .count();
        assert_eq!(
            with_python,
            reference.len(),
            "{stem}: class agreement with Python onnxruntime"
        );
        assert_eq!(
            with_parent as u64,
            v["agree_with_parent"].as_u64().expect("agree"),
            "{stem}: agreement with the FP32 parent"
        );
        checked += 1;
    }
    assert_eq!(
        checked, 4,
        "digits QDQ and QOperator, breast cancer QDQ and dynamic"
    );
}

#[test]
fn unsupported_element_types_are_refused_naming_the_input_or_output_and_its_type() {
    let (_d, mut p) = project("tabular/breast_cancer.csv");
    for (file, says) in [
        (
            "refused_string_input.onnx",
            // A string input is a text model's: one text per row.
            "string input \"X\" has shape [-1, 30]; Arbiter feeds one text per row",
        ),
        (
            "refused_bfloat16_input.onnx",
            "tabular input \"X\" is bfloat16; Arbiter feeds feature rows as float32 or float16",
        ),
        (
            "refused_int64_output.onnx",
            "output \"label\" int64 [N] holds one value per item (a predicted label or index), not scores per class",
        ),
        (
            "refused_bfloat16_output.onnx",
            "output \"probabilities\" [N, 2] is bfloat16; Arbiter reads class scores as float32 or float16",
        ),
        (
            "refused_float8_output.onnx",
            "output \"probabilities\" [N, 2] is float8e4m3fn; Arbiter reads class scores as float32 or float16",
        ),
    ] {
        let msg = add_file(&mut p, &format!("{DIR}/{file}"))
            .expect_err(file)
            .to_string();
        assert!(msg.contains(file), "{file}: names the file: {msg}");
        assert!(msg.contains(says), "{file}: {msg}");
        assert!(msg.contains("Export the model") || msg.contains("export the model") || msg.contains("Cast"), "{file}: says what to do: {msg}");
    }
    let models: i64 = p
        .conn()
        .query_row("SELECT COUNT(*) FROM models", [], |r| r.get(0))
        .expect("n");
    assert_eq!(models, 0, "refused models are not registered");
}

fn ops(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn precision_follows_operators_and_weight_types() {
    // weights float32 (1), int8 (3), uint8 (2), int32 (6)
    assert_eq!(classify(&ops(&["Conv", "Gemm"]), &[FLOAT]), Precision::Fp32);
    assert_eq!(classify(&ops(&["Conv"]), &[FLOAT16]), Precision::Fp16);
    assert_eq!(
        classify(&ops(&["Cast", "Conv"]), &[FLOAT16, 7]),
        Precision::Fp16
    );
    assert_eq!(
        classify(&ops(&["Conv"]), &[FLOAT, FLOAT16]),
        Precision::Mixed
    );
    assert_eq!(
        classify(
            &ops(&["Conv", "DequantizeLinear", "QuantizeLinear"]),
            &[FLOAT, 2, 3, 6]
        ),
        Precision::Int8Qdq
    );
    assert_eq!(
        classify(
            &ops(&["DequantizeLinear", "QGemm", "QLinearConv", "QuantizeLinear"]),
            &[FLOAT, 2, 3, 6]
        ),
        Precision::Int8Qoperator
    );
    assert_eq!(
        classify(
            &ops(&["DynamicQuantizeLinear", "MatMulInteger"]),
            &[FLOAT, 3]
        ),
        Precision::Int8Qoperator
    );
    assert_eq!(
        classify(
            &ops(&["DequantizeLinear", "QuantizeLinear"]),
            &[FLOAT16, 2, 3]
        ),
        Precision::Mixed
    );
    assert_eq!(classify(&ops(&["MatMul"]), &[BFLOAT16]), Precision::Mixed);
}
