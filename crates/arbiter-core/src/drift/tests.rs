//! Drift over a project: two imported versions give Evidently's verdicts; two runs give
//! prediction drift and the accuracy estimate; the drift queue; every refusal writes nothing.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use super::*;
use crate::dataset::{self, ImportOptions};
use crate::testutil::{fixtures, model_run};

pub(crate) fn import(p: &mut Project, source: &Path, name: &str) {
    dataset::import(
        p,
        &ImportOptions {
            source: source.to_path_buf(),
            name: Some(name.into()),
            ..Default::default()
        },
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .expect("import");
}

fn project_with(dir: &Path, versions: &[(&Path, &str)]) -> Project {
    let mut p = Project::create_with(&dir.join("p"), None, &[], false).expect("create");
    for (source, name) in versions {
        import(&mut p, source, name);
    }
    p
}

fn queue_count(p: &Project) -> i64 {
    p.conn()
        .query_row("SELECT COUNT(*) FROM queues", [], |r| r.get(0))
        .expect("fixture")
}

#[test]
fn two_versions_of_a_dataset_get_evidentlys_verdicts() {
    let dir = tempfile::tempdir().expect("fixture");
    let d = fixtures().join("drift");
    let p = project_with(
        dir.path(),
        &[
            (&d.join("small_ref.csv"), "d"),
            (&d.join("small_cur.csv"), "d"),
        ],
    );
    let r = report(&p, "d@1", "d@2", Options::default()).expect("report");
    let want: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("expected.json")).expect("fixture"))
            .expect("fixture");
    let w = &want["cases"]["small"]["default"];
    assert_eq!(r.columns.len(), 7);
    for (got, col) in r
        .columns
        .iter()
        .zip(w["columns"].as_array().expect("fixture"))
    {
        assert_eq!(got.column, col["column"].as_str().expect("fixture"));
        assert!(
            (got.statistic - col["statistic"].as_f64().expect("fixture")).abs() < 1e-6,
            "{}",
            got.column
        );
        assert_eq!(
            got.drifted,
            col["drifted"].as_bool().expect("fixture"),
            "{}",
            got.column
        );
    }
    assert!(
        (r.share_drifted.expect("fixture") - w["share_drifted"].as_f64().expect("fixture")).abs()
            < 1e-12
    );
    assert_eq!(
        r.dataset_drift,
        w["dataset_drift"].as_bool().expect("fixture")
    );
    let gappy = r
        .columns
        .iter()
        .find(|c| c.column == "gappy")
        .expect("fixture");
    assert!(gappy.reference_missing > 0 && gappy.current_missing > 0);
    assert_eq!(r.reference.rows, 200);
    assert!(r.predictions.is_none() && r.estimated_accuracy.is_none());
    // PSI: every column, with its band.
    let psi = report(
        &p,
        "d@1",
        "d@2",
        Options {
            method: Method::Psi,
            ..Default::default()
        },
    )
    .expect("fixture");
    assert!(psi
        .columns
        .iter()
        .all(|c| c.test == Test::Psi && c.band.is_some()));
    let few = psi
        .columns
        .iter()
        .find(|c| c.column == "few")
        .expect("fixture");
    assert_eq!(few.band, Some("major"));
    // Histograms share their bins; a categorical one is by value.
    assert_eq!(few.histogram.edges, vec![0.0, 1.0, 2.0, 3.0]);
    assert_eq!(few.histogram.reference[3], 0.0);
    let wide = &r.columns[0].histogram;
    assert_eq!(wide.edges.len(), wide.reference.len() + 1);
    assert!((wide.current.iter().sum::<f64>() - 1.0).abs() < 1e-9);
}

#[test]
fn versions_without_a_common_feature_column_are_refused() {
    let dir = tempfile::tempdir().expect("fixture");
    let (mut a, mut b) = (
        String::from("id,alcohol,ash\n"),
        String::from("id,radius\n"),
    );
    for i in 0..40 {
        a.push_str(&format!("a{i},{i},{}\n", i % 3));
        b.push_str(&format!("b{i},{i}\n"));
    }
    let a = write(dir.path(), "a.csv", &a);
    let b = write(dir.path(), "b.csv", &b);
    let p = project_with(dir.path(), &[(&a, "wine"), (&b, "bc")]);
    let e = report(&p, "wine", "bc", Options::default())
        .expect_err("refused")
        .to_string();
    assert!(e.contains("no feature column in common"), "{e}");
    assert!(e.contains("alcohol, ash") && e.contains("radius"), "{e}");
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("fixture");
    path
}

#[test]
fn a_reference_under_30_rows_is_refused_saying_so() {
    let dir = tempfile::tempdir().expect("fixture");
    let rows = |n: usize, p: &str| {
        let mut s = String::from("id,x\n");
        (0..n).for_each(|i| s.push_str(&format!("{p}{i},{}\n", i as f64 * 0.5)));
        s
    };
    let small = write(dir.path(), "small.csv", &rows(29, "a"));
    let big = write(dir.path(), "big.csv", &rows(40, "b"));
    let p = project_with(dir.path(), &[(&small, "t"), (&big, "t")]);
    let e = report(&p, "t@1", "t@2", Options::default())
        .expect_err("refused")
        .to_string();
    assert!(e.contains("has 29 rows; drift needs at least 30"), "{e}");
    // 30 rows are enough.
    let ok = write(dir.path(), "ok.csv", &rows(30, "c"));
    let mut p = p;
    import(&mut p, &ok, "t");
    assert!(report(&p, "t@3", "t@2", Options::default()).is_ok());
}

fn write_parquet(path: &Path, ids: Vec<String>, x: Vec<Option<f64>>, y: Vec<Option<f64>>) {
    use polars::prelude::*;
    let n = ids.len();
    let mut df = DataFrame::new(
        n,
        vec![
            Column::new("id".into(), ids),
            Column::new("x".into(), x),
            Column::new("y".into(), y),
        ],
    )
    .expect("fixture");
    let file = std::fs::File::create(path).expect("fixture");
    ParquetWriter::new(file).finish(&mut df).expect("fixture");
}

#[test]
fn a_column_with_no_value_is_refused_naming_it() {
    let dir = tempfile::tempdir().expect("fixture");
    let n = 40;
    let a = dir.path().join("a.parquet");
    let b = dir.path().join("b.parquet");
    write_parquet(
        &a,
        (0..n).map(|i| format!("a{i}")).collect(),
        (0..n).map(|i| Some(i as f64)).collect(),
        (0..n).map(|i| Some((i % 7) as f64)).collect(),
    );
    write_parquet(
        &b,
        (0..n).map(|i| format!("b{i}")).collect(),
        (0..n).map(|i| Some(i as f64)).collect(),
        vec![None; n],
    );
    let p = project_with(dir.path(), &[(&a, "t"), (&b, "t")]);
    let e = report(&p, "t@1", "t@2", Options::default())
        .expect_err("refused")
        .to_string();
    assert!(
        e.contains("column \"y\" has no value in any row of t@2"),
        "{e}"
    );
}

#[test]
fn a_column_on_one_side_only_is_named_in_the_report() {
    let dir = tempfile::tempdir().expect("fixture");
    let (mut a, mut b) = (String::from("id,x,y\n"), String::from("id,x,z\n"));
    for i in 0..40 {
        a.push_str(&format!("a{i},{i},{}\n", i % 7));
        b.push_str(&format!("b{i},{i},{}\n", i % 5));
    }
    let a = write(dir.path(), "a.csv", &a);
    let b = write(dir.path(), "b.csv", &b);
    let p = project_with(dir.path(), &[(&a, "t"), (&b, "t")]);
    let r = report(&p, "t@1", "t@2", Options::default()).expect("fixture");
    assert_eq!(r.columns.len(), 1);
    assert_eq!(r.only_in_reference, vec!["y".to_string()]);
    assert_eq!(r.only_in_current, vec!["z".to_string()]);
}

#[test]
fn two_runs_give_prediction_drift_flips_kappa_and_an_uncalibrated_estimate() {
    let dir = tempfile::tempdir().expect("fixture");
    let mut p = project_with(
        dir.path(),
        &[(&fixtures().join("tabular/wine.csv"), "wine")],
    );
    let a = model_run(&mut p, "wine_forest.onnx", "wine", 32);
    let b = model_run(&mut p, "wine_int_zipmap.onnx", "wine", 32);
    let r = report(&p, &a.to_string(), &b.to_string(), Options::default()).expect("report");
    // Same version: no feature drifts.
    assert_eq!(r.drifted_columns, 0);
    assert!(!r.dataset_drift);
    let pd = r.predictions.as_ref().expect("prediction drift");
    let flips = pd.flips.as_ref().expect("same version");
    assert_eq!(flips.items, 178);
    let diagonal: usize = (0..flips.classes.len()).map(|i| flips.matrix[i][i]).sum();
    assert_eq!(flips.flipped, 178 - diagonal);
    assert!((flips.flip_rate - flips.flipped as f64 / 178.0).abs() < 1e-12);
    assert!(flips.kappa.is_some());
    assert!((pd.class_mix.iter().map(|c| c.reference).sum::<f64>() - 1.0).abs() < 1e-9);
    let est = r.estimated_accuracy.as_ref().expect("fixture");
    assert!(!est.calibrated && est.temperature.is_none());
    assert!(est.warning.contains("uncalibrated") && est.warning.contains("concept drift"));
    let (_, preds) = crate::predict::predictions(&p, b).expect("fixture");
    let mean = preds
        .iter()
        .map(|p| p.confidence.expect("fixture") as f64)
        .sum::<f64>()
        / preds.len() as f64;
    assert!((est.estimate - mean).abs() < 1e-6);
    // No decided items: no measured accuracy yet.
    assert_eq!(est.reference.items, 0);
}

#[test]
fn estimated_accuracy_is_the_mean_top_probability_and_a_temperature_flattens_it() {
    let probs = vec![vec![0.9f32, 0.1], vec![0.6, 0.4]];
    assert!((estimated_accuracy(&probs, None) - 0.75).abs() < 1e-6);
    assert!((estimated_accuracy(&probs, Some(1.0)) - 0.75).abs() < 1e-6);
    assert!(estimated_accuracy(&probs, Some(2.0)) < 0.75);
}

#[test]
fn a_run_without_probabilities_is_refused() {
    let dir = tempfile::tempdir().expect("fixture");
    let mut p = project_with(
        dir.path(),
        &[(&fixtures().join("tabular/wine.csv"), "wine")],
    );
    let a = model_run(&mut p, "wine_forest.onnx", "wine", 32);
    let b = model_run(&mut p, "wine_int_zipmap.onnx", "wine", 32);
    p.conn()
        .execute("UPDATE predictions SET probs = NULL WHERE run_id = ?1", [b])
        .expect("fixture");
    let e = report(&p, &a.to_string(), &b.to_string(), Options::default())
        .expect_err("refused")
        .to_string();
    assert!(
        e.contains(&format!("run {b} has no probability vectors")),
        "{e}"
    );
}

/// wine.csv with new ids and `alcohol` and `proline` moved: a second version that drifted
/// (`fixtures/drift/wine_v2.csv`).
pub(crate) fn drifted_wine() -> std::path::PathBuf {
    fixtures().join("drift/wine_v2.csv")
}

#[test]
fn the_drift_queue_holds_the_current_items_least_like_the_reference_first() {
    let dir = tempfile::tempdir().expect("fixture");
    let wine2 = drifted_wine();
    let mut p = project_with(
        dir.path(),
        &[
            (&fixtures().join("tabular/wine.csv"), "wine"),
            (&wine2, "wine"),
        ],
    );
    // No run on the current version: refused, nothing written.
    let e = save_queue(&mut p, "wine@1", "wine@2", Options::default(), "new", None)
        .expect_err("refused")
        .to_string();
    assert!(e.contains("has no finished run"), "{e}");
    assert_eq!(queue_count(&p), 0);
    let run = model_run(&mut p, "wine_forest.onnx", "wine", 32);
    let (report, queue) = save_queue(
        &mut p,
        "wine@1",
        "wine@2",
        Options::default(),
        "new",
        Some(50),
    )
    .expect("queue");
    assert!(report
        .columns
        .iter()
        .any(|c| c.column == "alcohol" && c.drifted));
    let dc = report.domain_classifier.expect("classifier");
    assert_eq!(dc.inputs, "features");
    assert!(dc.roc_auc > 0.55 && dc.drifted, "{dc:?}");
    assert_eq!(queue.strategy, crate::queue::Strategy::Drift);
    assert_eq!(queue.run, run);
    assert_eq!(queue_count(&p), 1);
    let scores: Vec<f64> = p
        .conn()
        .prepare("SELECT score FROM queue_items WHERE queue_id = ?1 ORDER BY position")
        .expect("fixture")
        .query_map([queue.id], |r| r.get(0))
        .expect("fixture")
        .collect::<rusqlite::Result<_>>()
        .expect("fixture");
    assert_eq!(scores.len(), 50);
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "least like the reference first"
    );
    // The same name again is refused and writes nothing more.
    assert!(save_queue(&mut p, "wine@1", "wine@2", Options::default(), "new", None).is_err());
    assert_eq!(queue_count(&p), 1);
    // Identical versions: the classifier cannot tell them apart.
    let same = report_with_classifier(&p, "wine@1", "wine@1");
    assert!(same.roc_auc < 0.55 && !same.drifted, "{same:?}");
}

fn report_with_classifier(p: &Project, a: &str, b: &str) -> DomainClassifier {
    report(
        p,
        a,
        b,
        Options {
            domain_classifier: true,
            ..Default::default()
        },
    )
    .expect("fixture")
    .domain_classifier
    .expect("fixture")
}

fn setting_count(p: &Project) -> i64 {
    p.conn()
        .query_row("SELECT COUNT(*) FROM setting_events", [], |r| r.get(0))
        .expect("fixture")
}

/// Wine with a forest run, a fair audit sample labeled with the truth, auto-accept applied on
/// the run, then a drifted second version of wine imported: (dir, project, run).
pub(crate) fn auto_accepted_then_drifted() -> (tempfile::TempDir, Project, i64) {
    use crate::calibration::tests::{label_truth, queue, queued, setup};
    let (dir, mut p, run) = setup();
    let q = queue(
        &mut p,
        "audit",
        run,
        crate::queue::Strategy::Random,
        None,
        Some(100),
    );
    let items = queued(&p, q.id);
    label_truth(&mut p, &items, "a1");
    crate::calibration::apply(&p, run, "audit", 0.1, 0.1, None).expect("apply");
    let wine2 = drifted_wine();
    import(&mut p, &wine2, "wine");
    (dir, p, run)
}

fn with_classifier() -> Options {
    Options {
        domain_classifier: true,
        ..Default::default()
    }
}

#[test]
fn a_drift_report_on_the_auto_accepted_runs_data_marks_it_stale_once() {
    let (_d, p, run) = auto_accepted_then_drifted();
    let before = setting_count(&p);
    // Two of thirteen columns moved: no dataset drift, so without the classifier nothing is
    // stale and nothing is written.
    let plain = report_and_mark(&p, "wine@1", "wine@2", Options::default()).expect("report");
    assert!(!plain.dataset_drift);
    assert_eq!(plain.auto_accept_stale, None);
    assert_eq!(setting_count(&p), before);
    // The other way round, or a version against itself: not the certificate's data moving on.
    for (a, b) in [("wine@2", "wine@1"), ("wine@1", "wine@1")] {
        let r = report(&p, a, b, with_classifier()).expect("report");
        assert_eq!(staleness(p.conn(), &r).expect("rule"), None, "{a} → {b}");
    }
    // The domain classifier tells the versions apart: stale, recorded once.
    let r = report_and_mark(&p, &run.to_string(), "wine@2", with_classifier()).expect("report");
    let s = r.auto_accept_stale.clone().expect("stale");
    assert!(s.recorded);
    assert_eq!(s.run, run);
    assert_eq!(s.verdict.reason, "domain classifier");
    assert_eq!(s.verdict.columns, ["alcohol", "proline"]);
    assert!(s.verdict.domain_auc.expect("auc") > 0.55);
    assert_eq!(s.verdict.by, "arbiter");
    assert!(!s.verdict.at.is_empty());
    assert_eq!(setting_count(&p), before + 1);
    let again = report_and_mark(&p, "wine@1", "wine@2", with_classifier()).expect("report");
    let s2 = again.auto_accept_stale.expect("still stale");
    assert!(!s2.recorded, "an earlier report had recorded it");
    assert_eq!(s2.verdict, s.verdict);
    assert_eq!(setting_count(&p), before + 1);
    // Shown with the auto-accept in force, the certificate and the lineage.
    let a = crate::calibrated::auto_accept(&p)
        .expect("read")
        .expect("in force");
    assert_eq!(a.stale.as_ref(), Some(&s.verdict));
    let cert = crate::calibration::autoaccept(&p, run, "audit", 0.1, 0.1).expect("certify");
    assert_eq!(cert.stale.as_ref(), Some(&s.verdict));
    let audit: i64 = p
        .conn()
        .query_row(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'autoaccept.stale'",
            [],
            |r| r.get(0),
        )
        .expect("audit");
    assert_eq!(audit, 1);
}

#[test]
fn applying_a_stale_certificate_takes_an_explicit_choice_that_is_recorded() {
    let (_d, p, run) = auto_accepted_then_drifted();
    report_and_mark(&p, "wine@1", "wine@2", with_classifier()).expect("report");
    let before = setting_count(&p);
    let e = crate::calibration::apply(&p, run, "audit", 0.05, 0.1, None)
        .expect_err("refused")
        .to_string();
    assert!(
        e.contains("data drifted")
            && e.contains("wine@2")
            && e.contains("alcohol, proline")
            && e.contains("--despite-drift"),
        "{e}"
    );
    assert_eq!(setting_count(&p), before, "nothing written");
    // Revoking does not clear the verdict: the run's data drifted all the same.
    crate::calibration::revoke(&p, None).expect("revoke");
    assert!(crate::calibration::apply(&p, run, "audit", 0.1, 0.1, None).is_err());
    let r =
        crate::calibration::apply_with(&p, run, "audit", 0.1, 0.1, None, true).expect("despite");
    assert!(r.applied && r.despite_drift && r.stale.is_some());
    let a = crate::calibrated::auto_accept(&p)
        .expect("read")
        .expect("in force");
    assert!(a.despite_drift && a.stale.is_some(), "{a:?}");
    let audited: String = p
        .conn()
        .query_row(
            "SELECT details FROM audit_log WHERE action = 'autoaccept.apply' ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("audit");
    assert!(audited.contains("\"despite_drift\":true"), "{audited}");
}
