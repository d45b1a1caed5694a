//! `arbiter compare` from the command line: the JSON contract, the human report, the
//! `--max-drop` gate's exit status 3, and each refusal (status 4, nothing on stdout).

use super::{add_annotator, arbiter, fails_json, import, new_project, ok, ok_json, path};

/// A digits project with run 1 (digits_logits, near perfect) and run 2 (digits_rgb_64, which
/// answers only 1 or 5), and the first 20 digits labeled with their given label.
fn two_runs() -> (tempfile::TempDir, String) {
    let (d, p) = new_project(None);
    import(&p, "digits/manifest.csv");
    add_annotator(&p, "ana", None);
    for m in ["digits_logits", "digits_rgb_64"] {
        ok(&[
            "--project",
            &p,
            "model",
            "add",
            &path(&format!("models/{m}.onnx")),
        ]);
        ok(&[
            "--project",
            &p,
            "predict",
            "--model",
            m,
            "--dataset",
            "manifest",
        ]);
    }
    for i in 0..20 {
        let item = format!("digit_{i:04}");
        let label = (i % 10).to_string();
        ok(&[
            "--project",
            &p,
            "annotate",
            &item,
            "--annotator",
            "ana",
            "--label",
            &label,
        ]);
    }
    (d, p)
}

#[test]
fn compare_reports_both_runs_and_gates_a_drop_with_exit_status_3() {
    let (_d, p) = two_runs();
    let v = ok_json(&[
        "--project",
        &p,
        "--json",
        "compare",
        "--run",
        "1",
        "--run",
        "2",
    ]);
    assert!(v["on"].is_null(), "{v}");
    assert_eq!(v["items"], 20);
    let runs = v["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 2);
    for (r, id) in runs.iter().zip([1, 2]) {
        assert_eq!(r["run"], id);
        for k in ["accuracy", "ci_low", "ci_high", "macro_f1", "ece"] {
            assert!(r[k].is_f64(), "{k} in {r}");
        }
        assert!(r["ci_low"].as_f64() <= r["accuracy"].as_f64());
        assert!(r["accuracy"].as_f64() <= r["ci_high"].as_f64());
    }
    assert_eq!(runs[0]["accuracy"], 1.0);
    let flips = &v["flips"];
    assert_eq!(
        flips["total"].as_u64(),
        Some(flips["a_only"].as_u64().expect("a") + flips["b_only"].as_u64().expect("b"))
    );
    assert!(v["mcnemar_p"].as_f64().expect("p") < 0.001, "{v}");

    // The gate: B loses far more than one point; the whole report still goes to stdout.
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
    assert_eq!(out.status.code(), Some(3));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report");
    assert_eq!(doc["gate"]["passed"], false);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("gate failed") && err.contains("--max-drop"),
        "{err}"
    );
    // The other way round B (run 1) gains: the gate passes, status 0.
    let human = ok(&[
        "--project",
        &p,
        "compare",
        "--run",
        "2",
        "--run",
        "1",
        "--max-drop",
        "0",
    ]);
    for part in [
        "accuracy",
        "95% interval",
        "macro-F1",
        "ECE",
        "Flips:",
        "McNemar exact p",
        "passed",
    ] {
        assert!(human.contains(part), "{part} in {human}");
    }
}

#[test]
fn compare_refuses_bad_input_with_status_4() {
    let (_d, p) = two_runs();
    for (args, part) in [
        (
            vec!["--run", "1", "--run", "2", "--max-drop", "1.5"],
            "--max-drop 1.5",
        ),
        (
            vec!["--run", "1", "--run", "2", "--max-drop=-0.1"],
            "between 0 and 1",
        ),
        (vec!["--run", "1"], "exactly two runs"),
    ] {
        let mut all = vec!["--project", p.as_str(), "compare"];
        all.extend(args);
        let (e, status) = fails_json(&all);
        assert_eq!(status, 4, "{e}");
        assert!(
            e["error"]["message"].as_str().expect("m").contains(part),
            "{part}: {e}"
        );
    }
    // Another dataset version: both named.
    import(&p, "digits-unlabeled");
    ok(&[
        "--project",
        &p,
        "predict",
        "--model",
        "digits_logits",
        "--dataset",
        "digits-unlabeled",
    ]);
    let (e, status) = fails_json(&["--project", &p, "compare", "--run", "1", "--run", "3"]);
    assert_eq!(status, 4);
    let m = e["error"]["message"].as_str().expect("m");
    assert!(
        m.contains("manifest@1") && m.contains("digits-unlabeled@1"),
        "{m}"
    );
    // No decided item in common (run 3's items are nobody's decided ones).
    let (e, status) = fails_json(&["--project", &p, "compare", "--run", "3", "--run", "3"]);
    assert_eq!(status, 4);
    assert!(
        e["error"]["message"]
            .as_str()
            .expect("m")
            .contains("no decided item in common"),
        "{e}"
    );
}

/// A wine project with a forest run, a random queue "audit" of 60 items saved without a
/// threshold and its first `labeled` items labeled with their given label.
fn audited(labeled: usize) -> (tempfile::TempDir, String) {
    let (d, p) = new_project(None);
    import(&p, "tabular/wine.csv");
    add_annotator(&p, "ana", None);
    ok(&[
        "--project",
        &p,
        "model",
        "add",
        &path("models/wine_forest.onnx"),
    ]);
    ok(&[
        "--project",
        &p,
        "predict",
        "--model",
        "wine_forest",
        "--dataset",
        "wine",
    ]);
    let shown = ok_json(&[
        "--project",
        &p,
        "--json",
        "queue",
        "--run",
        "1",
        "--strategy",
        "random",
        "--limit",
        "60",
    ]);
    ok(&[
        "--project",
        &p,
        "queue",
        "--run",
        "1",
        "--strategy",
        "random",
        "--limit",
        "60",
        "--save",
        "audit",
    ]);
    for e in shown.as_array().expect("items").iter().take(labeled) {
        ok(&[
            "--project",
            &p,
            "annotate",
            e["item_id"].as_str().expect("id"),
            "--annotator",
            "ana",
            "--label",
            e["given"].as_str().expect("given"),
        ]);
    }
    (d, p)
}

fn saved_queues(p: &str) -> usize {
    ok_json(&["--project", p, "--json", "queues"])
        .as_array()
        .map_or(0, Vec::len)
}

#[test]
fn a_set_size_queue_is_saved_from_a_calibration_queue_and_bad_input_is_refused() {
    let (_d, p) = audited(40);
    let before = saved_queues(&p);
    for (args, part) in [
        (vec!["--alpha", "0.1"], "--calibration QUEUE --alpha A"),
        (
            vec!["--calibration", "audit", "--alpha", "1.5"],
            "--alpha 1.5",
        ),
        (
            vec!["--calibration", "audit", "--alpha", "0.01"],
            "label 59 more",
        ),
    ] {
        let mut all = vec![
            "--project",
            p.as_str(),
            "queue",
            "--run",
            "1",
            "--strategy",
            "set-size",
            "--save",
            "s",
        ];
        all.extend(args);
        let (e, status) = fails_json(&all);
        assert_eq!(status, 4, "{e}");
        assert!(
            e["error"]["message"].as_str().expect("m").contains(part),
            "{part}: {e}"
        );
    }
    assert_eq!(saved_queues(&p), before, "nothing saved");
    let v = ok_json(&[
        "--project",
        &p,
        "--json",
        "queue",
        "--run",
        "1",
        "--strategy",
        "set-size",
        "--calibration",
        "audit",
        "--alpha",
        "0.1",
        "--save",
        "sets",
    ]);
    assert_eq!(v["queue"]["strategy"], "set-size");
    assert_eq!(v["conformal"]["n"], 40);
    assert_eq!(v["conformal"]["calibration"], "audit");
    assert!(v["conformal"]["qhat"].is_f64(), "{v}");
    // Without --save: the ranking, scored by set size.
    let shown = ok_json(&[
        "--project",
        &p,
        "--json",
        "queue",
        "--run",
        "1",
        "--strategy",
        "set-size",
        "--calibration",
        "audit",
        "--alpha",
        "0.1",
    ]);
    let scores: Vec<f64> = shown
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["score"].as_f64().expect("score"))
        .collect();
    assert_eq!(scores.len(), 178);
    assert!(
        scores.iter().all(|s| s.fract() == 0.0 && *s <= 3.0),
        "{scores:?}"
    );
}

#[test]
fn a_set_size_queue_needs_30_decided_calibration_items() {
    let (_d, p) = audited(25);
    let (e, status) = fails_json(&[
        "--project",
        &p,
        "queue",
        "--run",
        "1",
        "--strategy",
        "set-size",
        "--calibration",
        "audit",
        "--alpha",
        "0.1",
        "--save",
        "s",
    ]);
    assert_eq!(status, 4);
    let m = e["error"]["message"].as_str().expect("m");
    assert!(
        m.contains("has 25 decided item(s)") && m.contains("label 5 more"),
        "{m}"
    );
}
