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
