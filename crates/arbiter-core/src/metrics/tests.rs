//! The project report over a real project: wine with a forest run.

use crate::annotate::{add_annotator, record, undo, Event, NewAnnotation, Role, Source};
use crate::queue::{QueueSpec, Strategy};
use crate::review::{self, QueueCreate};
use crate::Project;

fn setup(ordinal: bool) -> (tempfile::TempDir, Project, i64) {
    let (dir, p, run) = crate::testutil::project_with_run(
        "tabular/wine.csv",
        None,
        "wine_forest.onnx",
        64,
        ordinal,
    );
    for n in ["a1", "a2"] {
        add_annotator(&p, n, Role::Annotator).expect("annotator");
    }
    add_annotator(&p, "rev", Role::Reviewer).expect("reviewer");
    (dir, p, run)
}

fn item(p: &Project, ext: &str) -> i64 {
    p.conn()
        .query_row("SELECT id FROM items WHERE ext_id = ?1", [ext], |r| {
            r.get(0)
        })
        .expect("item")
}

fn label(p: &mut Project, item: i64, who: &str, label: &str, source: Source, seconds: Option<f64>) {
    record(
        p,
        &NewAnnotation {
            reason: (source == Source::Override).then(|| "model_wrong".to_string()),
            seconds,
            ..NewAnnotation::new(
                item,
                who,
                Event::Label {
                    label: label.into(),
                },
                source,
            )
        },
    )
    .expect("label");
}

fn queue(p: &mut Project, name: &str, spec: QueueSpec, limit: Option<usize>) -> review::SavedQueue {
    review::create(
        p,
        &QueueCreate {
            name: name.into(),
            spec,
            limit,
            overlap_share: 0.0,
            overlap_k: 1,
            blind: true,
            lease_seconds: 600,
            assign: Vec::new(),
            gold: Default::default(),
        },
    )
    .expect("queue")
}

#[test]
fn a_random_queue_with_a_threshold_is_not_the_unbiased_sample() {
    let (_d, mut p, run) = setup(false);
    let spec = |threshold| QueueSpec {
        run,
        strategy: Strategy::Random,
        other_run: None,
        threshold,
        seed: 5,
        calibrated: false,
    };
    let low = queue(&mut p, "random-below-0.9", spec(Some(0.9)), Some(12));
    let items: Vec<i64> = p
        .conn()
        .prepare("SELECT item_id FROM queue_items WHERE queue_id = ?1")
        .expect("q")
        .query_map([low.id], |r| r.get(0))
        .expect("rows")
        .collect::<rusqlite::Result<_>>()
        .expect("items");
    assert!(!items.is_empty());
    for &i in &items {
        label(&mut p, i, "a1", "class_0", Source::Manual, None);
    }
    let q = super::quality::quality(p.conn(), p.root(), run).expect("quality");
    assert_eq!(
        q.random_sample.items, 0,
        "a thresholded random queue is biased"
    );
    assert_eq!(q.random_sample.accuracy, None);
    assert_eq!(q.uncertainty_queues.items, items.len());
    // A random queue without a threshold (a limit keeps a uniform prefix) is the sample.
    let fair = queue(&mut p, "random", spec(None), Some(10));
    let fair_items: Vec<i64> = p
        .conn()
        .prepare("SELECT item_id FROM queue_items WHERE queue_id = ?1")
        .expect("q")
        .query_map([fair.id], |r| r.get(0))
        .expect("rows")
        .collect::<rusqlite::Result<_>>()
        .expect("items");
    for &i in &fair_items {
        if !items.contains(&i) {
            label(&mut p, i, "a1", "class_1", Source::Manual, None);
        }
    }
    let q = super::quality::quality(p.conn(), p.root(), run).expect("quality");
    assert_eq!(q.random_sample.items, fair_items.len());
    assert_eq!(q.uncertainty_queues.items, items.len());
}

#[test]
fn accuracy_against_reviewer_decisions_counts_overridden_items_only() {
    let (_d, mut p, _run) = setup(false);
    let ids: Vec<i64> = (0..6).map(|i| item(&p, &format!("wine_{i:03}"))).collect();
    // a1 and a2 label six items; the reviewer overrides items 0..4 with class_2.
    for (k, &i) in ids.iter().enumerate() {
        let a1 = if k % 2 == 0 { "class_2" } else { "class_0" };
        label(&mut p, i, "a1", a1, Source::Manual, None);
        label(&mut p, i, "a2", "class_1", Source::Manual, None);
    }
    // a2 fixes item 0 to class_2, undoes it (back to class_1 as its latest live label).
    label(&mut p, ids[0], "a2", "class_2", Source::Manual, None);
    undo(&mut p, "a2", None).expect("undo");
    // a1 relabels item 1: class_0 -> class_2 (its latest label counts).
    label(&mut p, ids[1], "a1", "class_2", Source::Manual, None);
    for &i in &ids[..4] {
        label(&mut p, i, "rev", "class_2", Source::Override, None);
    }
    let r = super::report(&p, None).expect("report");
    let get = |n: &str| r.annotators.iter().find(|a| a.annotator == n).expect(n);
    // a1 on items 0..4: class_2, class_2 (relabelled), class_2, class_0 → 3 of 4.
    let a1 = &get("a1").vs_reviewers;
    assert_eq!((a1.correct, a1.items), (3, 4));
    assert_eq!(a1.accuracy, Some(0.75));
    assert_eq!((a1.low, a1.high), super::quality::wilson(3, 4));
    let a2 = &get("a2").vs_reviewers;
    assert_eq!((a2.correct, a2.items), (0, 4));
    // The reviewer's own overrides are the decisions, not ratings against them.
    let rev = &get("rev").vs_reviewers;
    assert_eq!((rev.items, rev.accuracy, rev.low), (0, None, None));
    let json = serde_json::to_value(&r).expect("json");
    assert_eq!(json["annotators"][0]["vs_reviewers"]["items"], 4);
}

#[test]
fn median_seconds_leaves_undone_labels_out_and_activity_counts_live_labels() {
    let (_d, mut p, _run) = setup(false);
    let ids: Vec<i64> = (0..3).map(|i| item(&p, &format!("wine_{i:03}"))).collect();
    label(&mut p, ids[0], "a1", "class_0", Source::Manual, Some(2.0));
    label(&mut p, ids[1], "a1", "class_0", Source::Manual, Some(4.0));
    label(&mut p, ids[2], "a1", "class_0", Source::Manual, Some(500.0));
    undo(&mut p, "a1", None).expect("undo");
    let r = super::report(&p, None).expect("report");
    let a1 = r
        .annotators
        .iter()
        .find(|a| a.annotator == "a1")
        .expect("a1");
    assert_eq!(
        a1.median_seconds,
        Some(3.0),
        "the undone 500 s label is not counted"
    );
    let act = &r.activity;
    assert_eq!(act.bucket.map(|b| b.as_str()), Some("hour"));
    assert_eq!(act.labels.iter().sum::<u64>(), r.progress.annotations);
    assert_eq!(act.per_annotator["a1"].iter().sum::<u64>(), 2);
    assert_eq!(act.decided.last().copied(), Some(r.progress.decided));
    assert_eq!(act.starts.len(), act.labels.len());
}

#[test]
fn a_report_records_its_agreement_in_the_history_as_labeling_progresses() {
    let (_d, mut p, _run) = setup(false);
    let ids: Vec<i64> = (0..3).map(|i| item(&p, &format!("wine_{i:03}"))).collect();
    label(&mut p, ids[0], "a1", "class_0", Source::Manual, None);
    label(&mut p, ids[0], "a2", "class_0", Source::Manual, None);
    let r = super::report(&p, None).expect("report");
    super::report(&p, None).expect("again");
    let h = super::history(&p).expect("history");
    assert_eq!(h.len(), 1, "the same state is recorded once");
    assert_eq!((h[0].1.as_str(), h[0].2), ("project", 2));
    assert_eq!(
        h[0].3["percent_agreement"],
        r.agreement.percent_agreement.value.expect("pa")
    );
    // One label more is no new point: the history follows labeling progress (every
    // HISTORY_STEP ratings), not how often the report is looked at.
    label(&mut p, ids[1], "a1", "class_1", Source::Manual, None);
    super::report(&p, None).expect("report");
    assert_eq!(super::history(&p).expect("history").len(), 1);
    for i in 3..3 + super::HISTORY_STEP as usize {
        let it = item(&p, &format!("wine_{i:03}"));
        label(&mut p, it, "a2", "class_0", Source::Manual, None);
    }
    super::report(&p, None).expect("report");
    let h = super::history(&p).expect("history");
    assert_eq!(
        h.iter().map(|e| e.2).collect::<Vec<_>>(),
        [2, 3 + super::HISTORY_STEP]
    );
}

#[test]
fn the_schema_flag_switches_the_ordinal_statistics_and_is_audited() {
    let (_d, mut p, _run) = setup(false);
    let ids: Vec<i64> = (0..8).map(|i| item(&p, &format!("wine_{i:03}"))).collect();
    for (k, &i) in ids.iter().enumerate() {
        let l = ["class_0", "class_1", "class_2"];
        label(&mut p, i, "a1", l[k % 3], Source::Manual, None);
        label(&mut p, i, "a2", l[(k / 2) % 3], Source::Manual, None);
    }
    let r = super::report(&p, None).expect("report");
    assert_eq!(r.agreement.scale.as_str(), "nominal");
    assert!(!r.ordinal_labels);
    assert!(r.agreement.krippendorff_alpha.ordinal.is_none());
    assert!(r.agreement.cohen_kappa[0].kappa_linear.is_none());
    add_annotator(&p, "lead1", Role::Lead).expect("lead");
    crate::schema::set_ordinal(&p, true, Some("lead1")).expect("set");
    let r = super::report(&p, None).expect("report");
    assert!(r.ordinal_labels);
    assert_eq!(
        r.agreement.scale.as_str(),
        "ordinal",
        "class_0.. are not numbers: no interval"
    );
    let o = r
        .agreement
        .krippendorff_alpha
        .ordinal
        .as_ref()
        .expect("ordinal");
    assert!(o.value.is_some());
    assert!(r
        .agreement
        .krippendorff_alpha
        .interval
        .as_ref()
        .expect("i")
        .value
        .is_none());
    assert!(r.agreement.cohen_kappa[0]
        .kappa_linear
        .as_ref()
        .expect("l")
        .value
        .is_some());
    let audit = crate::audit::recent(&p, 5).expect("audit");
    assert_eq!(audit[0].action, "schema.ordinal");
    assert_eq!(audit[0].actor, "lead1");
    assert_eq!(audit[0].details["ordinal"], true);
    // Setting the same value again records nothing.
    crate::schema::set_ordinal(&p, true, Some("lead1")).expect("again");
    assert_eq!(
        crate::audit::recent(&p, 5).expect("audit")[1].action,
        audit[1].action
    );
    crate::schema::set_ordinal(&p, false, Some("lead1")).expect("off");
    assert!(!crate::schema::ordinal(&p).expect("read"));
}

#[test]
fn a_project_created_ordinal_with_numeric_labels_gets_interval_alpha() {
    let dir = tempfile::tempdir().expect("tmp");
    let specs: Vec<crate::schema::LabelSpec> = ["1", "2", "3"]
        .iter()
        .map(|n| crate::schema::LabelSpec::named(*n))
        .collect();
    let p = Project::create_with(&dir.path().join("p"), None, &specs, true).expect("create");
    assert!(crate::schema::ordinal(&p).expect("ordinal"));
    assert_eq!(
        super::project_scale(&p).expect("scale"),
        super::agreement::Scale::Ordinal(vec!["1".into(), "2".into(), "3".into()])
    );
    assert_eq!(super::project_scale(&p).expect("scale").name(), "interval");
}
