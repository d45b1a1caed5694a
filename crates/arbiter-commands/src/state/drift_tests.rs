//! The Drift screen's commands through the app state: the report between two imported
//! versions, refusals as `invalid_input`, and the drift queue needing a run.

use super::tests::{app, fixtures};
use super::*;

fn import_as(state: &AppState, source: &std::path::Path, name: &str) {
    state
        .import(
            &ImportRequest {
                source: source.to_string_lossy().into_owned(),
                name: Some(name.into()),
                id_col: None,
                path_col: None,
                label_col: None,
                features: None,
                text_col: None,
                labels_from_data: None,
            },
            &mut |_| {},
        )
        .expect("import");
}

#[test]
fn the_drift_report_and_its_refusals_through_the_app_state() {
    let (d, s) = app();
    s.create(&d.path().join("p"), &[], false).expect("create");
    let f = fixtures().join("drift");
    import_as(&s, &f.join("small_ref.csv"), "d");
    import_as(&s, &f.join("small_cur.csv"), "d");
    let request = DriftRequest {
        reference: "d@1".into(),
        current: "d@2".into(),
        psi: false,
        classifier: true,
    };
    let r = s.drift_report(&request).expect("report");
    assert_eq!((r.drifted_columns, r.columns.len()), (4, 7));
    assert!(r.dataset_drift);
    let few = r.columns.iter().find(|c| c.column == "few").expect("few");
    assert_eq!(
        (few.kind.as_str(), few.test.as_str()),
        ("categorical", "chi_square")
    );
    assert_eq!(few.histogram.edges, vec![0.0, 1.0, 2.0, 3.0]);
    assert!(r
        .domain_classifier
        .as_ref()
        .is_some_and(|c| c.roc_auc > 0.5));
    assert_eq!(r.reference.label, "d@1");
    // Unknown side, no run for the queue: invalid or not found, nothing saved.
    let e = s
        .drift_report(&DriftRequest {
            current: "nope".into(),
            ..request.clone()
        })
        .expect_err("unknown");
    assert_eq!(e.code, ErrorCode::NotFound);
    let e = s
        .save_drift_queue(&DriftQueueRequest {
            reference: "d@1".into(),
            current: "d@2".into(),
            name: "new".into(),
            limit: None,
        })
        .expect_err("no run");
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(e.message.contains("has no finished run"), "{}", e.message);
    assert!(s.queues().expect("queues").is_empty());
}

/// Wine with a forest run, a random audit queue of 100 items labeled by ana with the given
/// labels, and auto-accept applied by the lead lea: the run.
fn auto_accepted(s: &AppState) -> i64 {
    let run = super::tests::add_and_run_on(s, "wine_forest.onnx", "forest", "wine");
    s.add_annotator("lea", Role::Lead).expect("lead");
    s.add_annotator("ana", Role::Annotator).expect("ana");
    let audit = s
        .create_queue(&CreateQueueRequest {
            name: "audit".into(),
            run,
            strategy: Strategy::Random,
            other_run: None,
            threshold: None,
            seed: 3,
            limit: Some(100),
            overlap_share: 0.0,
            overlap_k: 1,
            blind: false,
            assign: vec![],
            gold: None,
            calibration: None,
            alpha: None,
            calibrated: None,
        })
        .expect("queue");
    loop {
        let items = s.next_items(audit.id, "ana", 8).expect("next");
        if items.is_empty() {
            break;
        }
        for it in items {
            s.annotate(&AnnotateRequest {
                rowid: it.rowid,
                annotator: "ana".into(),
                kind: EventKind::Label,
                label: it.given.clone(),
                flag: None,
                reason: None,
                note: None,
                seconds: Some(1.0),
                prediction_shown: true,
                source: AnnotationSource::Manual,
                queue: Some(audit.id),
                run: Some(run),
            })
            .expect("label");
        }
    }
    s.apply_autoaccept(run, "audit", 0.1, 0.1, false, "lea")
        .expect("apply");
    run
}

#[test]
fn a_drift_report_marks_the_auto_accept_stale_and_the_card_must_choose_to_apply_it() {
    let (d, s) = app();
    s.create(&d.path().join("p"), &[], false).expect("create");
    import_as(&s, &fixtures().join("tabular/wine.csv"), "wine");
    let run = auto_accepted(&s);
    import_as(&s, &fixtures().join("drift/wine_v2.csv"), "wine");
    let r = s
        .drift_report(&DriftRequest {
            reference: "wine@1".into(),
            current: "wine@2".into(),
            psi: false,
            classifier: true,
        })
        .expect("report");
    let stale = r.auto_accept_stale.expect("stale");
    assert!(stale.recorded);
    assert_eq!(
        (stale.run, stale.verdict.reason.as_str()),
        (run, "domain classifier")
    );
    assert_eq!(stale.verdict.columns, ["alcohol", "proline"]);
    // The card's curve carries the verdict; applying needs the explicit choice.
    let curve = s.risk_curve(run, "audit", &[0.1], 0.1).expect("curve");
    assert_eq!(
        curve[0].stale.as_ref().map(|v| v.current.as_str()),
        Some("wine@2")
    );
    let e = s
        .apply_autoaccept(run, "audit", 0.1, 0.1, false, "lea")
        .expect_err("stale");
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(e.message.contains("--despite-drift"), "{}", e.message);
    let a = s
        .apply_autoaccept(run, "audit", 0.1, 0.1, true, "lea")
        .expect("despite");
    assert!(a.applied && a.despite_drift && a.stale.is_some());
}
