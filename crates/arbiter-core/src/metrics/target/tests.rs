//! The agreement target: its verdicts, its refusals, and the export it gates.

use super::*;
use crate::annotate::{add_annotator, record, Event, NewAnnotation, Role, Source};
use crate::export::{ExportOptions, Format, Predictions};
use crate::metrics::agreement::{report_with_intervals, Rating, Scale};
use crate::Project;

fn ratings(rows: &[(&str, &str, &str)]) -> Vec<Rating> {
    rows.iter()
        .map(|(i, a, l)| Rating {
            item: (*i).into(),
            annotator: (*a).into(),
            label: (*l).into(),
        })
        .collect()
}

/// `n` items rated by two annotators, the first `agree` of them alike.
fn pairs(n: usize, agree: usize) -> Vec<Rating> {
    let mut out = Vec::new();
    for i in 0..n {
        let first = if i % 2 == 0 { "x" } else { "y" };
        let second = if i < agree {
            first
        } else if first == "x" {
            "y"
        } else {
            "x"
        };
        out.extend(ratings(&[
            (&format!("i{i}"), "a", first),
            (&format!("i{i}"), "b", second),
        ]));
    }
    out
}

fn target(statistic: Statistic, min: f64, on: On) -> Target {
    Target { statistic, min, on }
}

#[test]
fn a_target_passes_fails_or_is_insufficient_on_the_figure_it_names() {
    let r = report_with_intervals(&pairs(40, 36), &Scale::Nominal, RESAMPLES, SEED);
    // Percent agreement 0.9: passes 0.85, fails 0.95.
    let v = check(&target(Statistic::PercentAgreement, 0.85, On::Estimate), &r);
    assert_eq!(v.status, Status::Pass, "{v:?}");
    assert!((v.value.expect("value") - 0.9).abs() < 1e-12);
    assert_eq!(v.compared, v.value);
    let iv = v.interval.expect("interval");
    assert!(iv.low < 0.9 && iv.high > 0.9, "{iv:?}");
    let v = check(&target(Statistic::PercentAgreement, 0.95, On::Estimate), &r);
    assert_eq!(v.status, Status::Fail);
    // On the interval's low end, 0.85 is too much for 40 items (the low end is below it).
    let v = check(&target(Statistic::PercentAgreement, 0.85, On::CiLow), &r);
    assert_eq!(v.status, Status::Fail, "{v:?}");
    assert_eq!(v.compared, Some(iv.low));
    for s in Statistic::ALL {
        let v = check(&target(s, -1.0, On::CiLow), &r);
        assert_eq!(v.status, Status::Pass, "{s:?}: {v:?}");
    }
    // No item with two ratings: every statistic is undefined — insufficient, with why.
    let one = report_with_intervals(
        &ratings(&[("i1", "a", "x"), ("i2", "a", "y")]),
        &Scale::Nominal,
        RESAMPLES,
        SEED,
    );
    for s in Statistic::ALL {
        let v = check(&target(s, 0.0, On::Estimate), &one);
        assert_eq!(v.status, Status::Insufficient, "{s:?}: {v:?}");
        assert!(v.reason.is_some() && v.compared.is_none());
        assert!(v.describe().starts_with("insufficient"), "{}", v.describe());
    }
    // Fleiss' kappa needs equal numbers of ratings per item: undefined here, the others not.
    let mut uneven = pairs(30, 30);
    uneven.extend(ratings(&[("i0", "c", "x")]));
    let r = report_with_intervals(&uneven, &Scale::Nominal, RESAMPLES, SEED);
    let v = check(&target(Statistic::FleissKappa, 0.5, On::Estimate), &r);
    assert_eq!(v.status, Status::Insufficient, "{v:?}");
    let v = check(&target(Statistic::KrippendorffAlpha, 0.5, On::Estimate), &r);
    assert_eq!(v.status, Status::Pass, "{v:?}");
}

fn project(dir: &std::path::Path) -> Project {
    let source = crate::testutil::fixtures().join("tabular/wine.csv");
    let (p, _) = crate::testutil::imported_project(dir, &source, None, false);
    add_annotator(&p, "lea", Role::Lead).expect("lead");
    add_annotator(&p, "rev", Role::Reviewer).expect("reviewer");
    for n in ["ana", "ben"] {
        add_annotator(&p, n, Role::Annotator).expect("annotator");
    }
    p
}

fn label(p: &mut Project, ext: &str, who: &str, label: &str) {
    let item: i64 = p
        .conn()
        .query_row("SELECT id FROM items WHERE ext_id = ?1", [ext], |r| {
            r.get(0)
        })
        .expect("item");
    record(
        p,
        &NewAnnotation::new(
            item,
            who,
            Event::Label {
                label: label.into(),
            },
            Source::Manual,
        ),
    )
    .expect("label");
}

fn counts(p: &Project) -> (i64, i64) {
    p.conn()
        .query_row(
            "SELECT (SELECT COUNT(*) FROM setting_events), (SELECT COUNT(*) FROM audit_log)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("counts")
}

#[test]
fn bad_targets_are_refused_naming_the_value_and_nothing_is_written() {
    let d = tempfile::tempdir().expect("tmp");
    let p = project(d.path());
    let before = counts(&p);
    let e = "cohen".parse::<Statistic>().expect_err("unknown");
    assert!(e.to_string().contains("\"cohen\""), "{e}");
    assert!(e.to_string().contains("krippendorff_alpha"), "{e}");
    let e = "middle".parse::<On>().expect_err("unknown");
    assert!(e.to_string().contains("\"middle\""), "{e}");
    for (s, min) in [
        (Statistic::PercentAgreement, -0.1),
        (Statistic::PercentAgreement, 1.5),
        (Statistic::KrippendorffAlpha, -1.01),
        (Statistic::GwetAc1, 2.0),
        (Statistic::FleissKappa, f64::NAN),
    ] {
        let e = set_target(&p, Some(target(s, min, On::Estimate)), None).expect_err("range");
        assert_eq!(e.code(), crate::error::ErrorCode::InvalidInput);
        assert!(e.to_string().contains(&format!("--min {min}")), "{e}");
        assert!(e.to_string().contains(s.as_str()), "{e}");
    }
    // Only a lead sets it.
    let e = set_target(
        &p,
        Some(target(Statistic::GwetAc1, 0.5, On::Estimate)),
        Some("rev"),
    )
    .expect_err("reviewer");
    assert!(e.to_string().contains("only a lead"), "{e}");
    assert_eq!(counts(&p), before);
    assert_eq!(super::target(&p).expect("read"), None);
}

#[test]
fn a_target_is_set_shown_and_cleared_each_change_audited() {
    let d = tempfile::tempdir().expect("tmp");
    let p = project(d.path());
    assert_eq!(super::target(&p).expect("none"), None);
    assert_eq!(verdict(&p).expect("none"), None);
    let t = target(Statistic::KrippendorffAlpha, 0.8, On::CiLow);
    set_target(&p, Some(t), Some("lea")).expect("set");
    assert_eq!(super::target(&p).expect("read"), Some(t));
    set_target(&p, None, None).expect("clear");
    assert_eq!(super::target(&p).expect("read"), None);
    let audit: Vec<(String, String)> = p
        .conn()
        .prepare("SELECT actor, action FROM audit_log WHERE action LIKE 'agreement_target.%' ORDER BY id")
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<rusqlite::Result<_>>()
        .expect("rows");
    assert_eq!(
        audit,
        [
            ("lea".to_string(), "agreement_target.set".to_string()),
            ("arbiter".to_string(), "agreement_target.clear".to_string())
        ]
    );
}

fn export_opts(out: std::path::PathBuf, allow: bool) -> ExportOptions {
    ExportOptions {
        out,
        format: Format::Csv,
        dataset: None,
        predictions: Predictions::None,
        only_decided: false,
        min_agreement: None,
        exclude_reasons: vec![],
        validation_share: None,
        seed: 0,
        allow_below_target: allow,
    }
}

#[test]
fn the_export_is_refused_below_the_target_unless_allowed_and_the_lineage_says_which_way() {
    let d = tempfile::tempdir().expect("tmp");
    let mut p = project(d.path());
    // 10 items, both annotators; they agree on 6: percent agreement 0.6.
    for i in 0..10 {
        let ext = format!("wine_{i:03}");
        label(&mut p, &ext, "ana", "class_0");
        label(
            &mut p,
            &ext,
            "ben",
            if i < 6 { "class_0" } else { "class_1" },
        );
    }
    // No target: the export goes ahead and the lineage says so (null).
    let out = d.path().join("free.csv");
    let s = crate::export::export(&p, &export_opts(out.clone(), false)).expect("no target");
    assert!(s.target.is_none());
    let lineage = |path: &std::path::Path| -> serde_json::Value {
        let text =
            std::fs::read_to_string(format!("{}.lineage.json", path.display())).expect("lineage");
        serde_json::from_str(&text).expect("json")
    };
    assert!(lineage(&out)["agreement_target"].is_null());

    set_target(
        &p,
        Some(target(Statistic::PercentAgreement, 0.8, On::Estimate)),
        None,
    )
    .expect("set");
    let audits = counts(&p).1;
    let out = d.path().join("refused.csv");
    let e = crate::export::export(&p, &export_opts(out.clone(), false)).expect_err("below");
    assert_eq!(e.code(), crate::error::ErrorCode::BelowTarget);
    let m = e.to_string();
    for part in [
        "percent_agreement 0.600",
        "95% interval",
        "≥ 0.8",
        "--allow-below-target",
    ] {
        assert!(m.contains(part), "{part:?} in {m}");
    }
    assert!(!out.exists());
    assert!(!d.path().join("refused.csv.lineage.json").exists());
    let leftovers: Vec<_> = std::fs::read_dir(d.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("refused"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert_eq!(counts(&p).1, audits, "a refused export is not audited");
    // The preview says what the export will meet.
    let pv = crate::export::preview(&p, &export_opts(out.clone(), false)).expect("preview");
    assert_eq!(pv.target.expect("verdict").status, Status::Fail);

    let s = crate::export::export(&p, &export_opts(out.clone(), true)).expect("allowed");
    let gate = s.target.expect("gate");
    assert_eq!(gate.export, "allowed_below_target");
    let l = lineage(&out);
    let t = &l["agreement_target"];
    assert_eq!(t["export"], "allowed_below_target");
    assert_eq!(t["status"], "fail");
    assert_eq!(t["target"]["statistic"], "percent_agreement");
    assert_eq!(t["target"]["min"], 0.8);
    assert_eq!(t["target"]["on"], "estimate");
    assert!((t["value"].as_f64().expect("value") - 0.6).abs() < 1e-12);
    assert!(t["interval"]["low"].as_f64().is_some());
    // The lineage names the schema version the export was made under.
    assert_eq!(
        l["schema"]["version"].as_i64(),
        Some(crate::schema::schema_version(&p).expect("version"))
    );

    // A target met: the export goes ahead without asking, and says it met it.
    set_target(
        &p,
        Some(target(Statistic::PercentAgreement, 0.5, On::Estimate)),
        None,
    )
    .expect("set");
    let out = d.path().join("met.csv");
    crate::export::export(&p, &export_opts(out.clone(), false)).expect("met");
    assert_eq!(lineage(&out)["agreement_target"]["export"], "met");
    assert_eq!(lineage(&out)["agreement_target"]["status"], "pass");

    // The report carries the same verdict.
    let r = crate::metrics::report(&p, None).expect("report");
    assert_eq!(r.target.expect("verdict").status, Status::Pass);

    // Insufficient refuses too: Fleiss' kappa is undefined once an item has three ratings.
    label(&mut p, "wine_000", "rev", "class_0");
    set_target(
        &p,
        Some(target(Statistic::FleissKappa, 0.0, On::Estimate)),
        None,
    )
    .expect("set");
    let e = crate::export::export(&p, &export_opts(d.path().join("x.csv"), false))
        .expect_err("insufficient");
    assert_eq!(e.code(), crate::error::ErrorCode::BelowTarget);
    assert!(e.to_string().contains("insufficient"), "{e}");
}
