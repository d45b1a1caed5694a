//! Calibration and certified auto-accept from the command line: `calibrate`, `autoaccept`
//! (--apply, --revoke), their JSON contracts, refusals, and the decisions and lineage after.

use super::{add_annotator, fails, fails_json, import, new_project, ok, ok_json, path};

/// Wine with a forest run, a random queue "audit" (100 items, saved without a threshold) whose
/// items ana labeled with their given labels, and a least-confidence queue "hard". The run id.
fn audited() -> (tempfile::TempDir, String, String) {
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
    let run = ok_json(&[
        "--project",
        &p,
        "--json",
        "predict",
        "--model",
        "wine_forest",
        "--dataset",
        "wine",
    ])["run"]
        .to_string();
    let ranked = ok_json(&[
        "--project",
        &p,
        "--json",
        "queue",
        "--run",
        &run,
        "--strategy",
        "random",
        "--seed",
        "5",
        "--limit",
        "100",
    ]);
    ok(&[
        "--project",
        &p,
        "queue",
        "--run",
        &run,
        "--strategy",
        "random",
        "--seed",
        "5",
        "--limit",
        "100",
        "--save",
        "audit",
    ]);
    ok(&[
        "--project",
        &p,
        "queue",
        "--run",
        &run,
        "--strategy",
        "least-confidence",
        "--limit",
        "50",
        "--save",
        "hard",
    ]);
    let given: std::collections::HashMap<String, String> =
        std::fs::read_to_string(path("tabular/wine.csv"))
            .expect("wine")
            .lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                (f[0].to_string(), f[1].to_string())
            })
            .collect();
    let mut csv = String::from("item_id,annotator,label\n");
    for e in ranked.as_array().expect("array") {
        let id = e["item_id"].as_str().expect("id");
        csv.push_str(&format!("{id},ana,{}\n", given[id]));
    }
    let f = d.path().join("audit.csv");
    std::fs::write(&f, csv).expect("csv");
    ok(&[
        "--project",
        &p,
        "annotations",
        "import",
        &f.to_string_lossy(),
    ]);
    (d, p, run)
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn message(e: &serde_json::Value) -> &str {
    e["error"]["message"].as_str().expect("message")
}

#[test]
fn calibrate_and_autoaccept_follow_the_contract_and_apply_decides_by_auto() {
    let (d, p, run) = audited();
    let c = ok_json(&[
        "--project",
        &p,
        "--json",
        "calibrate",
        "--run",
        &run,
        "--sample",
        "audit",
    ]);
    for k in [
        "run",
        "sample",
        "items",
        "temperature",
        "nll_before",
        "nll_after",
        "ece_before",
        "ece_after",
        "bins_before",
        "bins_after",
    ] {
        assert!(c.get(k).is_some(), "calibrate JSON lacks {k}: {c}");
    }
    assert_eq!(c["items"], 100);
    assert_eq!(c["bins_after"].as_array().expect("bins").len(), 10);
    let human = ok(&[
        "--project",
        &p,
        "calibrate",
        "--run",
        &run,
        "--sample",
        "audit",
        "--bins",
        "5",
    ]);
    assert!(
        human.contains("temperature T =") && human.contains("ECE"),
        "{human}"
    );

    let args = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = [
            "--project",
            &p,
            "--json",
            "autoaccept",
            "--run",
            &run,
            "--sample",
            "audit",
            "--risk",
            "0.1",
            "--delta",
            "0.1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let r = ok_json(&strs(&args(&[])));
    for k in [
        "threshold",
        "sample_accepted",
        "sample_errors",
        "upper_bound",
        "coverage",
        "accepted",
        "status",
        "labels_needed",
    ] {
        assert!(r.get(k).is_some(), "autoaccept JSON lacks {k}: {r}");
    }
    assert_eq!(r["status"], "certified", "{r}");
    assert!(r["upper_bound"].as_f64().expect("bound") <= 0.2);
    // Nothing recorded without --apply.
    let decisions = ok_json(&["--project", &p, "--json", "decisions"]);
    assert!(!decisions.to_string().contains("\"auto\""));

    let applied = ok_json(&strs(&args(&["--apply"])));
    assert_eq!(applied["applied"], true);
    let decisions = ok_json(&["--project", &p, "--json", "decisions"]);
    let auto = decisions["decisions"]
        .as_array()
        .expect("decisions")
        .iter()
        .filter(|d| d["rule"] == "auto")
        .count();
    assert!(auto > 0, "{decisions}");
    // The export's lineage names the auto-accept with its provenance.
    let out = d.path().join("out.csv");
    ok(&["--project", &p, "export", "--out", &out.to_string_lossy()]);
    let lineage: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(d.path().join("out.csv.lineage.json")).expect("lineage"),
    )
    .expect("json");
    let a = &lineage["auto_accept"];
    for k in [
        "threshold",
        "temperature",
        "sample",
        "risk",
        "delta",
        "upper_bound",
    ] {
        assert!(!a[k].is_null(), "lineage auto_accept lacks {k}: {a}");
    }
    let human = ok(&["--project", &p, "autoaccept", "--revoke"]);
    assert!(human.contains("Revoked"), "{human}");
    let decisions = ok_json(&["--project", &p, "--json", "decisions"]);
    assert!(!decisions.to_string().contains("\"auto\""));
}

#[test]
fn bad_input_is_refused_with_the_reason_and_nothing_written() {
    let (_d, p, run) = audited();
    let audit_before = ok_json(&["--project", &p, "--json", "report"])
        .to_string()
        .len();
    for (sample, risk, delta, want) in [
        ("hard", "0.1", "0.1", "least-confidence queue"),
        ("audit", "1.5", "0.1", "--risk 1.5"),
        ("audit", "0.1", "0", "--delta 0"),
    ] {
        let (e, status) = fails_json(&[
            "--project",
            &p,
            "autoaccept",
            "--run",
            &run,
            "--sample",
            sample,
            "--risk",
            risk,
            "--delta",
            delta,
            "--apply",
        ]);
        assert_eq!(
            (status, e["error"]["code"].as_str()),
            (4, Some("invalid_input")),
            "{e}"
        );
        assert!(message(&e).contains(want), "{e}");
    }
    let (e, _) = fails_json(&[
        "--project",
        &p,
        "calibrate",
        "--run",
        &run,
        "--sample",
        "hard",
    ]);
    assert!(message(&e).contains("not a fair sample"), "{e}");
    let r = ok_json(&[
        "--project",
        &p,
        "--json",
        "autoaccept",
        "--run",
        &run,
        "--sample",
        "audit",
        "--risk",
        "0.01",
    ]);
    assert_eq!(
        (r["status"].as_str(), r["labels_needed"].as_u64()),
        (Some("insufficient"), Some(299))
    );
    let (e, _) = fails_json(&["--project", &p, "autoaccept", "--revoke"]);
    assert!(message(&e).contains("nothing to revoke"), "{e}");
    assert_eq!(
        ok_json(&["--project", &p, "--json", "report"])
            .to_string()
            .len(),
        audit_before,
        "nothing written"
    );
}

#[test]
fn calibrated_queues_rank_and_threshold_by_calibrated_confidence() {
    let (_d, p, run) = audited();
    let queue = |extra: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = ["--project", &p, "queue", "--run", &run]
            .iter()
            .map(|s| s.to_string())
            .collect();
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    // Not calibrated yet: refused with what to do, nothing saved.
    let args = queue(&[
        "--strategy",
        "least-confidence",
        "--calibrated",
        "--save",
        "cal",
    ]);
    let (e, _) = fails_json(&strs(&args));
    assert!(
        message(&e).contains(&format!("run {run} has no calibrated confidence")),
        "{e}"
    );
    let queues = ok_json(&["--project", &p, "--json", "queues"]);
    assert!(!queues.to_string().contains("\"cal\""), "{queues}");

    let t = ok_json(&[
        "--project",
        &p,
        "--json",
        "calibrate",
        "--run",
        &run,
        "--sample",
        "audit",
    ])["temperature"]
        .as_f64()
        .expect("T");
    // The threshold: the median calibrated confidence.
    let mut a = vec!["--json".to_string()];
    a.extend(queue(&["--strategy", "least-confidence", "--calibrated"]));
    let all = ok_json(&strs(&a));
    let mut c: Vec<f64> = all
        .as_array()
        .expect("all")
        .iter()
        .map(|e| e["calibrated_confidence"].as_f64().expect("calibrated"))
        .collect();
    c.sort_by(f64::total_cmp);
    let cut = c[c.len() / 2];
    let below = c.iter().filter(|&&x| x < cut).count();
    let mut a = vec!["--json".to_string()];
    a.extend(queue(&[
        "--strategy",
        "least-confidence",
        "--calibrated",
        "--threshold",
        &cut.to_string(),
    ]));
    let entries = ok_json(&strs(&a));
    let entries = entries.as_array().expect("entries");
    assert_eq!(entries.len(), below);
    assert!(below > 0);
    let mut last = f64::INFINITY;
    for e in entries {
        let c = e["calibrated_confidence"].as_f64().expect("calibrated");
        let score = e["score"].as_f64().expect("score");
        assert!(c < cut, "{e}");
        assert!((score - (1.0 - c)).abs() < 1e-6, "{e}");
        assert!(score <= last + 1e-12, "descending: {e}");
        last = score;
    }
    // Without --calibrated the same threshold keeps a different set (the forest is not
    // calibrated), and entries carry no calibrated confidence.
    let mut a = vec!["--json".to_string()];
    a.extend(queue(&[
        "--strategy",
        "least-confidence",
        "--threshold",
        "0.9",
    ]));
    let raw = ok_json(&strs(&a));
    assert!(raw[0].get("calibrated_confidence").is_none(), "{raw}");
    assert_ne!(raw.as_array().expect("raw").len(), entries.len());

    // Saved: the queue keeps its temperature; the table shows both confidences.
    let mut a = vec!["--json".to_string()];
    a.extend(queue(&[
        "--strategy",
        "margin",
        "--calibrated",
        "--save",
        "cal",
    ]));
    let saved = ok_json(&strs(&a));
    assert_eq!(saved["queue"]["temperature"].as_f64(), Some(t));
    let text = ok(&strs(&queue(&[
        "--strategy",
        "margin",
        "--calibrated",
        "--limit",
        "3",
    ])));
    assert!(text.contains("calibrated"), "{text}");
}

#[test]
fn drift_on_the_certified_runs_data_marks_auto_accept_stale_and_reapplying_takes_a_choice() {
    let (d, p, run) = audited();
    let certify = |extra: &[&str]| {
        let mut args = vec![
            "--project",
            p.as_str(),
            "autoaccept",
            "--run",
            run.as_str(),
            "--sample",
            "audit",
            "--risk",
            "0.1",
            "--delta",
            "0.1",
        ];
        args.extend_from_slice(extra);
        args.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let with_json = |args: Vec<String>| [vec!["--json".to_string()], args].concat();
    ok_json(&strs(&with_json(certify(&["--apply"]))));
    let wine2 = path("drift/wine_v2.csv");
    ok(&[
        "--project",
        &p,
        "dataset",
        "import",
        &wine2,
        "--name",
        "wine",
    ]);
    let human = ok(&[
        "--project",
        &p,
        "drift",
        "--ref",
        &run,
        "--cur",
        "wine@2",
        "--classifier",
    ]);
    assert!(
        human.contains(&format!("Auto-accept on run {run}"))
            && human.contains("is stale (recorded now)")
            && human.contains("alcohol, proline"),
        "{human}"
    );
    let v = ok_json(&[
        "--project",
        &p,
        "--json",
        "drift",
        "--ref",
        "wine@1",
        "--cur",
        "wine@2",
        "--classifier",
    ]);
    let s = &v["auto_accept_stale"];
    assert_eq!(s["recorded"], false, "{v}");
    assert_eq!(s["verdict"]["reason"], "domain classifier", "{v}");
    // The export's lineage shows the verdict with the auto-accept.
    let out = d.path().join("out.csv");
    ok(&["--project", &p, "export", "--out", &out.to_string_lossy()]);
    let lineage: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(d.path().join("out.csv.lineage.json")).expect("lineage"),
    )
    .expect("json");
    assert_eq!(
        lineage["auto_accept"]["stale"]["reason"], "domain classifier",
        "{lineage}"
    );
    // Re-applying is refused, naming the report, and writes nothing.
    let (e, status) = fails_json(&strs(&certify(&["--apply"])));
    assert_eq!(status, 4, "{e}");
    assert!(
        message(&e).contains("data drifted") && message(&e).contains("--despite-drift"),
        "{e}"
    );
    // The certificate shows the verdict; applying despite it is recorded.
    let human = ok(&strs(&certify(&[])));
    assert!(
        human.starts_with(&format!("Stale: run {run}'s data drifted")),
        "{human}"
    );
    let r = ok_json(&strs(&with_json(certify(&["--apply", "--despite-drift"]))));
    assert_eq!(
        (r["applied"].as_bool(), r["despite_drift"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(
        r["stale"]["columns"],
        serde_json::json!(["alcohol", "proline"])
    );
    // --despite-drift without --apply is a usage error.
    let e = fails(&strs(&certify(&["--despite-drift"])));
    assert!(e.contains("--apply"), "{e}");
}
