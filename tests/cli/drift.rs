//! `arbiter drift`: Evidently's verdicts from the command line, prediction drift and the
//! accuracy estimate between two runs, the drift queue, and each refusal writing nothing.

use super::{fails_json, fixtures, import, new_project, ok, ok_json, path};

fn queues(p: &str) -> usize {
    ok_json(&["--project", p, "--json", "queues"])
        .as_array()
        .map_or(0, Vec::len)
}

#[test]
fn drift_between_two_versions_prints_evidentlys_statistics() {
    let (_d, p) = new_project(None);
    for f in ["drift/small_ref.csv", "drift/small_cur.csv"] {
        ok(&[
            "--project",
            &p,
            "dataset",
            "import",
            &path(f),
            "--name",
            "d",
        ]);
    }
    let v = ok_json(&[
        "--project",
        &p,
        "--json",
        "drift",
        "--ref",
        "d@1",
        "--cur",
        "d@2",
    ]);
    let want: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("drift/expected.json")).expect("expected"),
    )
    .expect("json");
    let w = &want["cases"]["small"]["default"];
    let cols = v["columns"].as_array().expect("columns");
    for (got, col) in cols.iter().zip(w["columns"].as_array().expect("columns")) {
        assert_eq!(got["column"], col["column"]);
        for k in ["kind", "test", "threshold", "drifted"] {
            assert!(got.get(k).is_some(), "{k} missing: {got}");
        }
        let (a, b) = (
            got["statistic"].as_f64().expect("s"),
            col["statistic"].as_f64().expect("s"),
        );
        assert!((a - b).abs() < 1e-6, "{got} vs {col}");
        assert_eq!(got["drifted"], col["drifted"]);
    }
    assert_eq!(v["dataset_drift"], w["dataset_drift"]);
    assert_eq!(v["ref"]["spec"], "d@1");
    assert_eq!(v["cur"]["rows"], 300);
    let human = ok(&["--project", &p, "drift", "--ref", "d@1", "--cur", "d@2"]);
    assert!(human.contains("4 of 7 columns drifted"), "{human}");
    assert!(human.contains("chi-squared p-value"), "{human}");
    let psi = ok(&[
        "--project",
        &p,
        "drift",
        "--ref",
        "d@1",
        "--cur",
        "d@2",
        "--psi",
    ]);
    assert!(psi.contains("(major)"), "{psi}");
}

#[test]
fn two_runs_report_prediction_drift_and_a_drift_queue_is_saved() {
    let (d, p) = new_project(None);
    import(&p, "tabular/wine.csv");
    // A second version: new ids, alcohol moved up.
    let text = std::fs::read_to_string(fixtures().join("tabular/wine.csv")).expect("wine");
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if i == 0 {
            out.push_str(line);
        } else {
            let mut cells: Vec<String> = line.split(',').map(String::from).collect();
            cells[0] = format!("new_{}", cells[0]);
            cells[2] = format!("{}", cells[2].parse::<f64>().expect("alcohol") + 1.5);
            out.push_str(&cells.join(","));
        }
        out.push('\n');
    }
    let v2 = d.path().join("wine2.csv");
    std::fs::write(&v2, out).expect("write");
    ok(&[
        "--project",
        &p,
        "model",
        "add",
        &path("models/wine_forest.onnx"),
    ]);
    let predict = || {
        ok_json(&[
            "--project",
            &p,
            "--json",
            "predict",
            "--model",
            "wine_forest",
            "--dataset",
            "wine",
        ])["run"]
            .to_string()
    };
    let first = predict();
    // No run on the new version yet: the queue is refused, nothing written.
    ok(&[
        "--project",
        &p,
        "dataset",
        "import",
        v2.to_str().expect("utf-8"),
        "--name",
        "wine",
    ]);
    let (e, status) = fails_json(&[
        "--project",
        &p,
        "drift",
        "--ref",
        "wine@1",
        "--cur",
        "wine@2",
        "--save-queue",
        "new",
    ]);
    assert_eq!(status, 4, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .expect("m")
            .contains("has no finished run"),
        "{e}"
    );
    assert_eq!(queues(&p), 0);
    let second = predict();
    let v = ok_json(&[
        "--project",
        &p,
        "--json",
        "drift",
        "--ref",
        &first,
        "--cur",
        &second,
        "--save-queue",
        "new",
        "--limit",
        "40",
    ]);
    let alcohol = v["columns"]
        .as_array()
        .expect("c")
        .iter()
        .find(|c| c["column"] == "alcohol")
        .cloned();
    assert_eq!(alcohol.expect("alcohol")["drifted"], true, "{v}");
    assert!(
        v["predictions"]["class_mix"]
            .as_array()
            .is_some_and(|m| m.len() == 3),
        "{v}"
    );
    assert!(
        v["predictions"]["flips"].is_null(),
        "different versions: no flips"
    );
    assert_eq!(v["estimated_accuracy"]["calibrated"], false);
    assert!(
        v["domain_classifier"]["roc_auc"].as_f64().expect("auc") > 0.55,
        "{v}"
    );
    assert_eq!(v["queue"]["items"], 40);
    assert_eq!(queues(&p), 1);
    let human = ok(&["--project", &p, "drift", "--ref", &first, "--cur", &first]);
    assert!(human.contains("0 of 13 columns drifted"), "{human}");
    assert!(human.contains("Cohen's κ 1.000"), "{human}");
    assert!(
        human.contains("uncalibrated") && human.contains("concept drift"),
        "{human}"
    );
}

#[test]
fn bad_input_is_refused_with_a_clear_message_and_nothing_written() {
    let (d, p) = new_project(None);
    let write = |name: &str, header: &str, n: usize| {
        let mut s = format!("id,{header}\n");
        (0..n).for_each(|i| s.push_str(&format!("{name}{i},{i}\n")));
        let f = d.path().join(format!("{name}.csv"));
        std::fs::write(&f, s).expect("write");
        f.to_str().expect("utf-8").to_string()
    };
    let tiny = write("tiny", "x", 12);
    let other = write("other", "y", 40);
    ok(&[
        "--project",
        &p,
        "dataset",
        "import",
        &tiny,
        "--name",
        "tiny",
    ]);
    ok(&[
        "--project",
        &p,
        "dataset",
        "import",
        &other,
        "--name",
        "other",
    ]);
    let (e, status) = fails_json(&["--project", &p, "drift", "--ref", "tiny", "--cur", "other"]);
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (4, Some("invalid_input")),
        "{e}"
    );
    assert!(
        e["error"]["message"]
            .as_str()
            .expect("m")
            .contains("has 12 rows; drift needs at least 30"),
        "{e}"
    );
    let (e, _) = fails_json(&[
        "--project",
        &p,
        "drift",
        "--ref",
        "other",
        "--cur",
        "other@1",
        "--save-queue",
        "q",
    ]);
    assert!(
        e["error"]["message"]
            .as_str()
            .expect("m")
            .contains("has no finished run"),
        "{e}"
    );
    let more = write("more", "z", 40);
    ok(&[
        "--project",
        &p,
        "dataset",
        "import",
        &more,
        "--name",
        "more",
    ]);
    let (e, _) = fails_json(&[
        "--project",
        &p,
        "drift",
        "--ref",
        "other",
        "--cur",
        "more",
        "--save-queue",
        "q",
    ]);
    assert!(
        e["error"]["message"]
            .as_str()
            .expect("m")
            .contains("no feature column in common"),
        "{e}"
    );
    assert_eq!(queues(&p), 0);
}
