//! Quality control from the command line: the agreement target that gates the export.

use super::{add_annotator, fails, fails_json, import, new_project, ok, ok_json};

/// A wine project where ana and ben labeled 10 items and agree on 6 (percent agreement 0.6).
fn labeled() -> (tempfile::TempDir, String) {
    let (d, p) = new_project(None);
    import(&p, "tabular/wine.csv");
    add_annotator(&p, "ana", None);
    add_annotator(&p, "ben", None);
    add_annotator(&p, "lea", Some("lead"));
    for i in 0..10 {
        let item = format!("wine_{i:03}");
        let theirs = if i < 6 { "class_0" } else { "class_1" };
        for (who, label) in [("ana", "class_0"), ("ben", theirs)] {
            ok(&[
                "--project",
                &p,
                "annotate",
                &item,
                "--annotator",
                who,
                "--label",
                label,
            ]);
        }
    }
    (d, p)
}

#[test]
fn a_target_gates_the_export_until_allowed_and_report_shows_its_verdict() {
    let (d, p) = labeled();
    let v = ok_json(&["--project", &p, "--json", "target", "show"]);
    assert!(v["target"].is_null(), "{v}");
    // Bad input: an unknown statistic, a minimum outside the range — nothing written.
    let (e, status) = fails_json(&[
        "--project",
        &p,
        "target",
        "set",
        "--statistic",
        "cohen_kappa",
        "--min",
        "0.5",
    ]);
    assert_eq!(status, 4);
    assert_eq!(e["error"]["code"], "invalid_input");
    assert!(
        e["error"]["message"]
            .as_str()
            .expect("m")
            .contains("\"cohen_kappa\""),
        "{e}"
    );
    let (e, status) = fails_json(&[
        "--project",
        &p,
        "target",
        "set",
        "--statistic",
        "percent_agreement",
        "--min",
        "-0.2",
    ]);
    assert_eq!(status, 4);
    assert!(
        e["error"]["message"]
            .as_str()
            .expect("m")
            .contains("--min -0.2"),
        "{e}"
    );
    let e = fails(&[
        "--project",
        &p,
        "target",
        "set",
        "--statistic",
        "gwet_ac1",
        "--min",
        "0.5",
        "--by",
        "ana",
    ]);
    assert!(e.contains("only a lead"), "{e}");
    let v = ok_json(&["--project", &p, "--json", "target", "show"]);
    assert!(v["target"].is_null(), "nothing was written: {v}");

    let v = ok_json(&[
        "--project",
        &p,
        "--json",
        "target",
        "set",
        "--statistic",
        "percent_agreement",
        "--min",
        "0.8",
        "--by",
        "lea",
    ]);
    assert_eq!(v["target"]["status"], "fail", "{v}");
    assert_eq!(v["target"]["target"]["statistic"], "percent_agreement");
    let text = ok(&["--project", &p, "report"]);
    assert!(
        text.contains("Target: fail: percent_agreement 0.600 (95% interval"),
        "{text}"
    );
    let r = ok_json(&["--project", &p, "--json", "report"]);
    assert_eq!(r["target"]["status"], "fail");
    assert!((r["target"]["value"].as_f64().expect("v") - 0.6).abs() < 1e-12);
    assert!(r["target"]["interval"]["low"].is_number(), "{r}");

    let out = d.path().join("w.csv");
    let out_s = out.to_string_lossy().into_owned();
    let (e, status) = fails_json(&["--project", &p, "export", "--out", &out_s]);
    assert_eq!(status, 15, "{e}");
    assert_eq!(e["error"]["code"], "below_target");
    let m = e["error"]["message"].as_str().expect("m");
    assert!(m.contains("percent_agreement 0.600"), "{m}");
    assert!(m.contains("≥ 0.8"), "{m}");
    assert!(!out.exists(), "a refused export writes nothing");

    let text = ok(&[
        "--project",
        &p,
        "export",
        "--out",
        &out_s,
        "--allow-below-target",
    ]);
    assert!(
        text.contains("Exported below the agreement target"),
        "{text}"
    );
    let lineage: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(d.path().join("w.csv.lineage.json")).expect("lineage"),
    )
    .expect("json");
    assert_eq!(
        lineage["agreement_target"]["export"],
        "allowed_below_target"
    );
    assert_eq!(lineage["agreement_target"]["target"]["min"], 0.8);

    ok(&["--project", &p, "target", "clear"]);
    let text = ok(&["--project", &p, "target", "show"]);
    assert!(text.contains("No agreement target"), "{text}");
    ok(&["--project", &p, "export", "--out", &out_s]);
}

#[test]
fn escalations_flow_from_flags_and_conflicts_and_a_reviewer_sends_back_with_a_note() {
    let (_d, p) = new_project(None);
    import(&p, "tabular/wine.csv");
    add_annotator(&p, "ana", None);
    add_annotator(&p, "ben", None);
    add_annotator(&p, "rev", Some("reviewer"));
    let annotate = |args: &[&str]| {
        let mut all = vec!["--project", &p, "annotate"];
        all.extend_from_slice(args);
        ok(&all);
    };
    annotate(&["wine_001", "--annotator", "ana", "--label", "class_0"]);
    annotate(&[
        "wine_001",
        "--annotator",
        "ana",
        "--flag",
        "unsure",
        "--note",
        "blurry",
    ]);
    annotate(&["wine_002", "--annotator", "ana", "--label", "class_0"]);
    annotate(&["wine_002", "--annotator", "ben", "--label", "class_1"]);
    let list = ok_json(&["--project", &p, "--json", "escalations", "list"]);
    let why: Vec<(String, String)> = list
        .as_array()
        .expect("array")
        .iter()
        .map(|e| {
            (
                e["item_id"].as_str().expect("id").to_string(),
                e["reasons"][0].as_str().expect("reason").to_string(),
            )
        })
        .collect();
    assert_eq!(
        why,
        [
            ("wine_001".to_string(), "unsure".to_string()),
            ("wine_002".to_string(), "conflict".to_string())
        ]
    );
    let text = ok(&["--project", &p, "escalations", "list"]);
    assert!(text.contains("ana unsure (blurry)"), "{text}");

    // Bad input: an item nobody labeled is not sent back, nothing written.
    let (e, status) = fails_json(&[
        "--project",
        &p,
        "escalations",
        "send-back",
        "wine_003",
        "--note",
        "again",
        "--by",
        "rev",
    ]);
    assert_eq!(status, 4);
    assert!(
        e["error"]["message"]
            .as_str()
            .expect("m")
            .contains("wine_003 was not labeled"),
        "{e}"
    );
    // An annotator cannot act on escalations.
    let e = fails(&[
        "--project",
        &p,
        "escalations",
        "accept",
        "wine_001",
        "--by",
        "ben",
    ]);
    assert!(e.contains("only reviewers and leads"), "{e}");

    ok(&[
        "--project",
        &p,
        "escalations",
        "send-back",
        "wine_001",
        "--note",
        "check the colour",
        "--by",
        "rev",
    ]);
    ok(&[
        "--project",
        &p,
        "escalations",
        "override",
        "wine_002",
        "--label",
        "class_1",
        "--by",
        "rev",
    ]);
    let list = ok_json(&["--project", &p, "--json", "escalations", "list"]);
    assert_eq!(list.as_array().map(Vec::len), Some(0), "{list}");
    let notes = ok_json(&[
        "--project",
        &p,
        "--json",
        "escalations",
        "sent-back",
        "--annotator",
        "ana",
    ]);
    assert_eq!(notes[0]["item_id"], "wine_001");
    assert_eq!(notes[0]["note"], "check the colour");
    assert_eq!(notes[0]["by"], "rev");
}

#[test]
fn guidelines_get_examples_and_reasons_are_added_and_retired_each_a_schema_version() {
    let (d, p) = new_project(None);
    import(&p, "tabular/wine.csv");
    add_annotator(&p, "rev", Some("reviewer"));
    let v0 = ok_json(&["--project", &p, "--json", "labels"])["schema_version"]
        .as_i64()
        .expect("version");
    // Bad input: an example that is no item, a reason code already in use: nothing written.
    let (e, status) = fails_json(&[
        "--project",
        &p,
        "labels",
        "edit",
        "class_0",
        "--guideline",
        "Dark",
        "--example",
        "wine_999",
    ]);
    assert_eq!(status, 4);
    assert!(
        e["error"]["message"]
            .as_str()
            .expect("m")
            .contains("\"wine_999\""),
        "{e}"
    );
    let e = fails(&[
        "--project",
        &p,
        "reasons",
        "add",
        "model_wrong",
        "--description",
        "again",
    ]);
    assert!(e.contains("already one of the project's reasons"), "{e}");
    assert_eq!(
        ok_json(&["--project", &p, "--json", "labels"])["schema_version"].as_i64(),
        Some(v0)
    );

    ok(&[
        "--project",
        &p,
        "labels",
        "edit",
        "class_0",
        "--guideline",
        "Dark and rich",
        "--example",
        "wine_001",
        "--example",
        "wine_002",
    ]);
    ok(&[
        "--project",
        &p,
        "reasons",
        "add",
        "blurry",
        "--description",
        "Out of focus",
    ]);
    let r = ok_json(&["--project", &p, "--json", "reasons", "retire", "other"]);
    assert_eq!(r["schema_version"].as_i64(), Some(v0 + 3));
    let l = ok_json(&["--project", &p, "--json", "labels"]);
    assert_eq!(l["examples"]["class_0"][1], "wine_002");
    assert_eq!(l["retired_reasons"][0], "other");
    let codes: Vec<&str> = l["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .map(|r| r["code"].as_str().expect("code"))
        .collect();
    assert!(
        codes.contains(&"blurry") && !codes.contains(&"other"),
        "{codes:?}"
    );
    // A retired reason is refused on a new event.
    let e = fails(&[
        "--project",
        &p,
        "annotate",
        "wine_003",
        "--annotator",
        "rev",
        "--label",
        "class_1",
        "--override",
        "--reason",
        "other",
    ]);
    assert!(e.contains("was retired"), "{e}");
    // The export's lineage names the schema version; the report its guideline periods.
    let out = d.path().join("w.csv");
    ok(&["--project", &p, "export", "--out", &out.to_string_lossy()]);
    let lineage: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(d.path().join("w.csv.lineage.json")).expect("lineage"),
    )
    .expect("json");
    assert_eq!(lineage["schema"]["version"].as_i64(), Some(v0 + 3));
    assert_eq!(lineage["schema"]["examples"]["class_0"][0], "wine_001");
    let report = ok_json(&["--project", &p, "--json", "report"]);
    assert_eq!(report["schema_version"].as_i64(), Some(v0 + 3));
    assert_eq!(
        report["guideline_periods"].as_array().map(Vec::len),
        Some(2),
        "{report}"
    );
}
