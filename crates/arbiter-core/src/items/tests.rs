//! Item queries: the review filters (decided, conflict, waiting, flagged, unannotated), the
//! annotator, the prediction-differs-from-label filter and the id search, against a small
//! scripted set of events, with each page's review fields.

use super::*;
use crate::annotate::{add_annotator, record, Event, NewAnnotation, Role, Source};
use crate::store::Project;

fn ids(page: &ItemPage) -> Vec<&str> {
    page.items.iter().map(|i| i.id.as_str()).collect()
}

#[test]
fn review_filters_annotator_and_search() {
    let (_d, mut p, _run) =
        crate::testutil::project_with_run("tabular/wine.csv", None, "wine_forest.onnx", 64, false);
    for (n, r) in [("ana", Role::Annotator), ("ben", Role::Annotator)] {
        add_annotator(&p, n, r).expect("annotator");
    }
    crate::decide::set_rule(
        &p,
        crate::decide::Rule {
            min_annotators: 2,
            ..Default::default()
        },
        None,
    )
    .expect("rule");
    let v = crate::dataset::resolve(&p, "wine").expect("v").id;
    let item = |p: &Project, id: &str| find(p, v, id).expect("item").rowid;
    let put = |p: &mut Project, id: &str, who: &str, event: Event| {
        let it = item(p, id);
        record(p, &NewAnnotation::new(it, who, event, Source::Manual)).expect("record");
    };
    let l = |s: &str| Event::Label { label: s.into() };
    put(&mut p, "wine_001", "ana", l("class_0"));
    put(&mut p, "wine_001", "ben", l("class_0")); // decided
    put(&mut p, "wine_002", "ana", l("class_0"));
    put(&mut p, "wine_002", "ben", l("class_1")); // conflict
    put(&mut p, "wine_003", "ana", l("class_2")); // waiting for a second vote
    put(
        &mut p,
        "wine_004",
        "ben",
        Event::Flag {
            flag: "unsure".into(),
        },
    ); // flagged
    put(&mut p, "wine_005", "ben", Event::Skip); // skipped only
    let q = |review: Option<ReviewFilter>| Query {
        version_id: v,
        review,
        limit: 500,
        ..Default::default()
    };
    let page = |q: &Query| query(&p, q).expect("query");
    assert_eq!(ids(&page(&q(Some(ReviewFilter::Decided)))), ["wine_001"]);
    assert_eq!(ids(&page(&q(Some(ReviewFilter::Conflict)))), ["wine_002"]);
    assert_eq!(ids(&page(&q(Some(ReviewFilter::Waiting)))), ["wine_003"]);
    assert_eq!(ids(&page(&q(Some(ReviewFilter::Flagged)))), ["wine_004"]);
    let unannotated = page(&q(Some(ReviewFilter::Unannotated)));
    assert_eq!(unannotated.total, 178 - 5);
    assert!(!ids(&unannotated)
        .iter()
        .any(|i| ["wine_001", "wine_005"].contains(i)));
    // The review fields of a page.
    let first = page(&Query {
        limit: 6,
        ..q(None)
    });
    let fields: Vec<(&str, Option<&str>, Option<&str>, bool)> = first
        .items
        .iter()
        .map(|i| {
            (
                i.id.as_str(),
                i.review.map(|r| r.as_str()),
                i.final_label.as_deref(),
                i.flagged,
            )
        })
        .collect();
    assert_eq!(
        fields,
        [
            ("wine_000", None, None, false),
            ("wine_001", Some("decided"), Some("class_0"), false),
            ("wine_002", Some("conflict"), None, false),
            ("wine_003", Some("pending"), None, false),
            ("wine_004", None, None, true),
            ("wine_005", None, None, false),
        ]
    );
    // By annotator, with a page of one and its total.
    let bens = page(&Query {
        annotator: Some("ben".into()),
        limit: 1,
        offset: 1,
        ..q(None)
    });
    assert_eq!((bens.total, ids(&bens)), (4, vec!["wine_002"]));
    // Search by id, case-insensitive; % and _ are literal.
    let found = page(&Query {
        search: Some("WINE_17".into()),
        ..q(None)
    });
    assert_eq!(
        ids(&found),
        [
            "wine_170", "wine_171", "wine_172", "wine_173", "wine_174", "wine_175", "wine_176",
            "wine_177"
        ]
    );
    assert_eq!(
        page(&Query {
            search: Some("%".into()),
            ..q(None)
        })
        .total,
        0
    );
    // Filters combine with the review filter.
    let both = page(&Query {
        review: Some(ReviewFilter::Conflict),
        annotator: Some("ana".into()),
        search: Some("002".into()),
        ..q(None)
    });
    assert_eq!(ids(&both), ["wine_002"]);
    let err = query(
        &p,
        &Query {
            annotator: Some("zed".into()),
            ..q(None)
        },
    )
    .expect_err("unknown")
    .to_string();
    assert!(err.contains("annotator not found: zed"), "{err}");
}

#[test]
fn the_mismatch_filter_lists_the_items_whose_prediction_differs_from_their_label() {
    let (_d, p, run) = crate::testutil::project_with_run(
        "digits/manifest.csv",
        Some("digits"),
        "digits_logits.onnx",
        256,
        false,
    );
    let v = crate::dataset::resolve(&p, "digits").expect("v").id;
    let page = query(
        &p,
        &Query {
            version_id: v,
            run: Some(run),
            mismatch: true,
            limit: 2000,
            ..Default::default()
        },
    )
    .expect("query");
    let (_, preds) = crate::predict::predictions(&p, run).expect("preds");
    let given: std::collections::HashMap<i64, Option<String>> =
        list(&p, v, &LabelFilter::All, 0, 2000)
            .expect("list")
            .items
            .into_iter()
            .map(|i| (i.rowid, i.label))
            .collect();
    let want: Vec<i64> = preds
        .iter()
        .filter(|x| x.predicted.is_some() && x.predicted != given[&x.item])
        .map(|x| x.item)
        .collect();
    assert!(!want.is_empty(), "the digits net makes some mistakes");
    assert_eq!(page.items.iter().map(|i| i.rowid).collect::<Vec<_>>(), want);
    assert!(page.items.iter().all(|i| i.predicted != i.label));
}

#[test]
fn damaged_json_in_the_store_is_an_error_not_empty_metadata_or_features() {
    let dir = tempfile::tempdir().expect("tmp");
    let (p, _) = crate::testutil::imported_project(
        dir.path(),
        &crate::testutil::fixtures().join("tabular/wine.csv"),
        None,
        false,
    );
    let v = crate::dataset::resolve(&p, "wine").expect("v").id;
    let rowid = find(&p, v, "wine_001").expect("item").rowid;
    let damage = |sql: &str, id: i64| p.conn().execute(sql, [id]).expect("damage");
    damage("UPDATE items SET metadata = '{broken' WHERE id = ?1", rowid);
    let e = get(&p, rowid).expect_err("damaged metadata");
    assert_eq!(e.code(), crate::error::ErrorCode::Internal);
    assert!(e.to_string().contains("at index: 6"), "{e}");
    // Feature names that are not JSON: the item and the dataset list both say so.
    damage("UPDATE items SET metadata = NULL WHERE id = ?1", rowid);
    get(&p, rowid).expect("readable again");
    damage(
        "UPDATE dataset_versions SET feature_names = 'x' WHERE id = ?1",
        v,
    );
    let e = get(&p, rowid).expect_err("damaged feature names");
    assert!(e.to_string().contains("at index: 8"), "{e}");
    let e = crate::dataset::list(&p).expect_err("damaged feature names");
    assert!(e.to_string().contains("at index: 10"), "{e}");
}
