//! Calibration over a real project (wine with a forest run): which queues are fair samples,
//! what is refused and why.

use crate::annotate::{add_annotator, record, Event, NewAnnotation, Role, Source};
use crate::queue::{QueueSpec, Strategy};
use crate::review::{self, QueueCreate};
use crate::Project;

pub(crate) fn setup() -> (tempfile::TempDir, Project, i64) {
    let (dir, p, run) =
        crate::testutil::project_with_run("tabular/wine.csv", None, "wine_forest.onnx", 64, false);
    add_annotator(&p, "a1", Role::Annotator).expect("annotator");
    (dir, p, run)
}

pub(crate) fn queue(
    p: &mut Project,
    name: &str,
    run: i64,
    strategy: Strategy,
    threshold: Option<f64>,
    limit: Option<usize>,
) -> review::SavedQueue {
    review::create(
        p,
        &QueueCreate {
            name: name.into(),
            spec: QueueSpec {
                run,
                strategy,
                other_run: None,
                threshold,
                seed: 7,
            },
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

/// The queue's items in rank order.
pub(crate) fn queued(p: &Project, queue: i64) -> Vec<i64> {
    p.conn()
        .prepare("SELECT item_id FROM queue_items WHERE queue_id = ?1 ORDER BY position")
        .expect("stmt")
        .query_map([queue], |r| r.get(0))
        .expect("query")
        .collect::<rusqlite::Result<_>>()
        .expect("items")
}

/// Label `items` with their given label (the wine file's `class` column, which the forest
/// mostly gets right), as `who` would.
pub(crate) fn label_truth(p: &mut Project, items: &[i64], who: &str) {
    for &item in items {
        let given: String = p
            .conn()
            .query_row(
                "SELECT COALESCE(l.name, 'class_0') FROM items i LEFT JOIN labels l ON l.id = i.label_id WHERE i.id = ?1",
                [item],
                |r| r.get(0),
            )
            .expect("given");
        record(
            p,
            &NewAnnotation::new(item, who, Event::Label { label: given }, Source::Manual),
        )
        .expect("label");
    }
}

fn message(e: crate::Error) -> String {
    e.to_string()
}

#[test]
fn only_a_random_queue_without_threshold_on_the_run_is_a_fair_sample() {
    let (_d, mut p, run) = setup();
    let fair = queue(&mut p, "audit", run, Strategy::Random, None, Some(60));
    queue(
        &mut p,
        "hard",
        run,
        Strategy::LeastConfidence,
        None,
        Some(60),
    );
    queue(&mut p, "low", run, Strategy::Random, Some(0.9), None);
    let items = queued(&p, fair.id);
    label_truth(&mut p, &items[..40], "a1");

    let s = super::fair_sample(&p, run, "audit").expect("fair");
    assert_eq!(s.items.len(), 40);
    assert_eq!(s.queued, 60);
    let mut want = items[..40].to_vec();
    want.sort_unstable();
    assert_eq!(s.items.iter().map(|i| i.item).collect::<Vec<_>>(), want);
    assert!(s
        .items
        .iter()
        .all(|i| i.probabilities.len() == 3 && i.label.is_some()));

    let e = message(super::fair_sample(&p, run, "hard").expect_err("uncertainty queue"));
    assert!(
        e.contains("least-confidence queue") && e.contains("not a fair sample"),
        "{e}"
    );
    let e = message(super::fair_sample(&p, run, "low").expect_err("threshold"));
    assert!(e.contains("confidence threshold (0.9)"), "{e}");
    let e = message(super::fair_sample(&p, run + 1, "audit").expect_err("other run"));
    assert!(e.contains("not found") || e.contains("run"), "{e}");
}

#[test]
fn a_sample_with_fewer_than_30_decided_items_says_how_many_more_are_needed() {
    let (_d, mut p, run) = setup();
    let fair = queue(&mut p, "audit", run, Strategy::Random, None, Some(60));
    let items = queued(&p, fair.id);
    label_truth(&mut p, &items[..21], "a1");
    let e = message(super::fair_sample(&p, run, "audit").expect_err("too few"));
    assert!(
        e.contains("has 21 decided item(s)") && e.contains("label 9 more"),
        "{e}"
    );
}
