//! `compare_runs` and the set-size queue through the app state: the same figures as the core,
//! and the core's refusals as `invalid_input`.

use super::tests::{add_and_run, app, fixtures, import};
use super::*;

fn request(name: &str, run: i64, strategy: Strategy, limit: Option<u64>) -> CreateQueueRequest {
    CreateQueueRequest {
        name: name.into(),
        run,
        strategy,
        other_run: None,
        threshold: None,
        seed: 1,
        limit,
        overlap_share: 0.0,
        overlap_k: 1,
        blind: false,
        assign: vec![],
        gold: None,
        calibration: None,
        alpha: None,
        calibrated: None,
    }
}

#[test]
fn compare_runs_and_a_set_size_queue_through_the_app_state() {
    let (d, s) = app();
    s.create(&d.path().join("p"), &[], false).expect("create");
    import(&s, &fixtures().join("digits/manifest.csv")).expect("import");
    s.add_annotator("ana", Role::Annotator).expect("ana");
    let a = add_and_run(&s, "digits_logits.onnx", "cnn");
    let b = add_and_run(&s, "digits_rgb_64.onnx", "rgb");
    let e = s.compare_runs(a, b, None).expect_err("nothing decided");
    assert_eq!(e.code, ErrorCode::InvalidInput);
    let audit = s
        .create_queue(&request("audit", a, Strategy::Random, Some(40)))
        .expect("audit");
    let mut labeled = 0;
    while labeled < 35 {
        let item = s.next_items(audit.id, "ana", 1).expect("items").remove(0);
        labeled += 1;
        let label = item.given.clone().expect("given");
        s.annotate(&AnnotateRequest {
            rowid: item.rowid,
            annotator: "ana".into(),
            kind: EventKind::Label,
            label: Some(label),
            flag: None,
            reason: None,
            note: None,
            seconds: Some(0.5),
            prediction_shown: true,
            source: AnnotationSource::Manual,
            queue: Some(audit.id),
            run: Some(a),
        })
        .expect("label");
    }
    let c = s.compare_runs(a, b, Some("audit".into())).expect("compare");
    let core = arbiter_core::compare::compare(
        s.lock().as_ref().expect("project"),
        &arbiter_core::compare::CompareOptions {
            a,
            b,
            on: Some("audit".into()),
            max_drop: None,
        },
    )
    .expect("core");
    assert_eq!(c.items, 35);
    assert_eq!(c.on.as_deref(), Some("audit"));
    assert_eq!(c.runs[1].accuracy, core.runs[1].accuracy);
    assert_eq!(c.flips.a_only as usize, core.flips.a_only);
    assert_eq!(c.mcnemar_p, core.mcnemar_p);

    let sets = s
        .create_queue(&CreateQueueRequest {
            calibration: Some("audit".into()),
            alpha: Some(0.1),
            calibrated: None,
            ..request("sets", a, Strategy::SetSize, None)
        })
        .expect("set-size queue");
    assert_eq!(sets.strategy, Strategy::SetSize);
    assert_eq!(sets.counts.total, 1797);
    // Its items' scores are set sizes.
    let first = s.next_items(sets.id, "ana", 3).expect("items");
    assert!(first
        .iter()
        .all(|i| i.score.fract() == 0.0 && i.score <= 10.0));
    let e = s
        .create_queue(&CreateQueueRequest {
            calibration: Some("audit".into()),
            alpha: Some(1.5),
            calibrated: None,
            ..request("bad", a, Strategy::SetSize, None)
        })
        .expect_err("alpha");
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(e.message.contains("--alpha 1.5"), "{}", e.message);
}
