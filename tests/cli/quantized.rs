//! Quantized models from the command line: `model add` shows the precision read from the graph,
//! `model list` lists it, a refused element type is named, and `compare --max-drop` gates an
//! INT8 variant against its FP32 parent on decided items (exit status 3 for the lossy one).

use super::{add_annotator, arbiter, fails, import, new_project, ok, ok_json, path};

/// Every breast-cancer item decided by one annotator with its true label.
fn decide_all(p: &str, dir: &std::path::Path) {
    add_annotator(p, "ana", None);
    let table = std::fs::read_to_string(path("tabular/breast_cancer.csv")).expect("csv");
    let mut csv = String::from("item_id,annotator,label\n");
    for line in table.lines().skip(1) {
        let mut f = line.split(',');
        let (id, label) = (f.next().expect("id"), f.next().expect("label"));
        csv.push_str(&format!("{id},ana,{label}\n"));
    }
    let file = dir.join("labels.csv");
    std::fs::write(&file, csv).expect("write");
    ok(&[
        "--project",
        p,
        "annotations",
        "import",
        &file.to_string_lossy(),
    ]);
}

#[test]
fn model_add_shows_the_precision_and_compare_gates_an_int8_variant_on_decided_items() {
    let (d, p) = new_project(None);
    import(&p, "tabular/breast_cancer.csv");
    decide_all(&p, d.path());

    let human = ok(&[
        "--project",
        &p,
        "model",
        "add",
        &path("models/quantized/breast_cancer_linear.onnx"),
    ]);
    assert!(
        human.contains("precision: fp32 (input float32, output float32)"),
        "{human}"
    );
    for (file, precision, says) in [
        (
            "breast_cancer_linear_int8_qdq",
            "int8_qdq",
            "precision: int8 QDQ (input float32, output float32)",
        ),
        (
            "breast_cancer_linear_int8_dynamic",
            "int8_qoperator",
            "precision: int8 QOperator (input float32, output float32)",
        ),
    ] {
        let model = path(&format!("models/quantized/{file}.onnx"));
        let v = ok_json(&["--project", &p, "--json", "model", "add", &model]);
        assert_eq!(v["precision"], precision, "{v}");
        // The same file again is the same version; its human report says the precision.
        let human = ok(&["--project", &p, "model", "add", &model]);
        assert!(human.contains(says), "{human}");
    }
    let human = ok(&[
        "--project",
        &p,
        "model",
        "add",
        &path("models/quantized/breast_cancer_linear_fp16.onnx"),
    ]);
    assert!(
        human.contains("precision: fp16 (input float16, output float16)"),
        "{human}"
    );
    let list = ok(&["--project", &p, "model", "list"]);
    for part in ["precision", "fp32", "int8 QDQ", "int8 QOperator", "fp16"] {
        assert!(list.contains(part), "{part} in {list}");
    }
    let listed = ok_json(&["--project", &p, "--json", "model", "list"]);
    let precisions: Vec<&str> = listed
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|m| m["precision"].as_str())
        .collect();
    assert_eq!(precisions.len(), 4, "{listed}");

    // Runs 1 (FP32 parent), 2 (static QDQ), 3 (dynamic) and 4 (FP16) over the decided items.
    for model in [
        "breast_cancer_linear",
        "breast_cancer_linear_int8_qdq",
        "breast_cancer_linear_int8_dynamic",
        "breast_cancer_linear_fp16",
    ] {
        ok(&[
            "--project",
            &p,
            "predict",
            "--model",
            model,
            "--dataset",
            "breast_cancer",
        ]);
    }
    // The static QDQ variant quantizes the raw features and loses a third of its accuracy: the
    // gate fails with status 3, after the whole report.
    let out = arbiter(&[
        "--project",
        &p,
        "--json",
        "compare",
        "--run",
        "1",
        "--run",
        "2",
        "--max-drop",
        "0.01",
    ]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report");
    assert_eq!(doc["items"], 569, "{doc}");
    assert_eq!(doc["gate"]["passed"], false, "{doc}");
    assert!(doc["gate"]["drop"].as_f64().expect("drop") > 0.3, "{doc}");
    // Dynamic INT8 and FP16 keep every decision of the parent: both gates pass at 1 point.
    for run in ["3", "4"] {
        let v = ok_json(&[
            "--project",
            &p,
            "--json",
            "compare",
            "--run",
            "1",
            "--run",
            run,
            "--max-drop",
            "0.01",
        ]);
        assert_eq!(v["gate"]["passed"], true, "{v}");
        assert_eq!(v["flips"]["total"], 0, "{v}");
    }
}

#[test]
fn a_model_with_an_unsupported_element_type_is_refused_naming_it() {
    let (_d, p) = new_project(None);
    import(&p, "tabular/breast_cancer.csv");
    let err = fails(&[
        "--project",
        &p,
        "model",
        "add",
        &path("models/quantized/refused_bfloat16_output.onnx"),
    ]);
    assert!(
        err.contains("output \"probabilities\" [N, 2] is bfloat16")
            && err.contains("add a Cast to float32"),
        "{err}"
    );
    let listed = ok_json(&["--project", &p, "--json", "model", "list"]);
    assert_eq!(listed, serde_json::json!([]));
}
