//! Guidelines with examples, reasons added and retired, the schema version, and the agreement
//! before and after a guideline change.

use super::*;
use crate::annotate::{add_annotator, record, Event, NewAnnotation, Role, Source};
use crate::schema::{edit_label, LabelEdit};
use crate::Project;

fn project(dir: &std::path::Path) -> Project {
    let source = crate::testutil::fixtures().join("tabular/wine.csv");
    let (p, _) = crate::testutil::imported_project(dir, &source, None, false);
    add_annotator(&p, "lea", Role::Lead).expect("lead");
    for n in ["ana", "ben"] {
        add_annotator(&p, n, Role::Annotator).expect("annotator");
    }
    p
}

fn writes(p: &Project) -> (i64, i64) {
    p.conn()
        .query_row(
            "SELECT (SELECT COUNT(*) FROM setting_events), (SELECT COUNT(*) FROM audit_log)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("counts")
}

fn label(p: &mut Project, ext: &str, who: &str, l: &str, reason: Option<&str>) -> Result<i64> {
    let item: i64 = p
        .conn()
        .query_row("SELECT id FROM items WHERE ext_id = ?1", [ext], |r| {
            r.get(0)
        })
        .expect("item");
    let source = if reason.is_some() {
        Source::Override
    } else {
        Source::Manual
    };
    record(
        p,
        &NewAnnotation {
            reason: reason.map(str::to_string),
            ..NewAnnotation::new(item, who, Event::Label { label: l.into() }, source)
        },
    )
}

#[test]
fn a_guideline_gets_examples_and_each_change_is_a_new_audited_schema_version() {
    let d = tempfile::tempdir().expect("tmp");
    let p = project(d.path());
    let v0 = schema_version(&p).expect("v");
    assert!(
        v0 >= 3,
        "each label's first definition is a schema event: {v0}"
    );
    let before = writes(&p);
    let e = edit_label(
        &p,
        "class_0",
        &LabelEdit {
            guideline: Some(Some("Rich, dark".into())),
            examples: Some(vec!["wine_001".into(), "wine_999".into()]),
            ..Default::default()
        },
        None,
    )
    .expect_err("unknown example");
    assert!(e.to_string().contains("--example \"wine_999\""), "{e}");
    assert_eq!(writes(&p), before, "nothing written");
    edit_label(
        &p,
        "class_0",
        &LabelEdit {
            guideline: Some(Some("Rich, dark".into())),
            examples: Some(vec![
                "wine_001".into(),
                "wine_002".into(),
                "wine_001".into(),
            ]),
            ..Default::default()
        },
        Some("lea"),
    )
    .expect("edit");
    assert_eq!(schema_version(&p).expect("v"), v0 + 1);
    assert_eq!(
        examples(&p).expect("examples").get("class_0"),
        Some(&vec!["wine_001".to_string(), "wine_002".to_string()])
    );
    // A later edit of the hotkey keeps the examples.
    edit_label(
        &p,
        "class_0",
        &LabelEdit {
            hotkey: Some(Some("y".into())),
            ..Default::default()
        },
        None,
    )
    .expect("hotkey");
    assert_eq!(examples(&p).expect("examples")["class_0"].len(), 2);
    let audit: String = p
        .conn()
        .query_row(
            "SELECT details FROM audit_log WHERE action = 'label.edit' AND actor = 'lea'",
            [],
            |r| r.get(0),
        )
        .expect("audit");
    assert!(
        audit.contains("wine_002") && audit.contains("schema_version"),
        "{audit}"
    );
}

#[test]
fn reasons_are_added_and_retired_by_a_lead_and_a_retired_reason_is_refused_on_new_events() {
    let d = tempfile::tempdir().expect("tmp");
    let mut p = project(d.path());
    add_annotator(&p, "rev", Role::Reviewer).expect("reviewer");
    let v0 = schema_version(&p).expect("v");
    let before = writes(&p);
    for (code, desc, why) in [
        ("Bad Code", "x", "lowercase letters"),
        ("blurry", "  ", "needs a --description"),
        ("model_wrong", "dup", "already one of the project's reasons"),
    ] {
        let e = add_reason(&p, code, desc, None).expect_err(why);
        assert!(e.to_string().contains(why), "{e}");
    }
    let e = add_reason(&p, "blurry", "Out of focus", Some("ana")).expect_err("annotator");
    assert!(e.to_string().contains("only a lead"), "{e}");
    let e = retire_reason(&p, "nope", None).expect_err("unknown");
    assert_eq!(e.code(), crate::error::ErrorCode::NotFound);
    assert_eq!(writes(&p), before, "nothing written");

    let s = add_reason(&p, "blurry", "Out of focus", Some("lea")).expect("add");
    assert_eq!(s.schema_version, v0 + 1);
    let codes: Vec<String> = crate::schema::reasons(&p)
        .expect("reasons")
        .into_iter()
        .map(|r| r.code)
        .collect();
    assert_eq!(codes.last().map(String::as_str), Some("blurry"));
    label(&mut p, "wine_001", "rev", "class_1", Some("blurry")).expect("the new reason");

    retire_reason(&p, "blurry", None).expect("retire");
    assert!(!crate::schema::reasons(&p)
        .expect("reasons")
        .iter()
        .any(|r| r.code == "blurry"));
    assert_eq!(retired_reasons(&p).expect("retired"), ["blurry"]);
    let e = label(&mut p, "wine_002", "rev", "class_1", Some("blurry")).expect_err("retired");
    assert!(e.to_string().contains("was retired"), "{e}");
    let e = retire_reason(&p, "blurry", None).expect_err("twice");
    assert!(e.to_string().contains("retired already"), "{e}");
    // The event that carries it keeps it; a filter may still name it.
    let kept: i64 = p
        .conn()
        .query_row(
            "SELECT COUNT(*) FROM annotations a JOIN reasons r ON r.id = a.reason_id WHERE r.code = 'blurry'",
            [],
            |r| r.get(0),
        )
        .expect("kept");
    assert_eq!(kept, 1);
    // Added back with a new description.
    add_reason(&p, "blurry", "Out of focus or shaken", None).expect("back");
    assert!(crate::schema::reasons(&p)
        .expect("reasons")
        .iter()
        .any(|r| r.code == "blurry" && r.description == "Out of focus or shaken"));
    assert_eq!(schema_version(&p).expect("v"), v0 + 3);
}

#[test]
fn agreement_is_shown_before_and_after_a_guideline_change() {
    let d = tempfile::tempdir().expect("tmp");
    let mut p = project(d.path());
    // Before: ana and ben disagree on 2 of 4 items.
    for (i, (a, b)) in [
        ("class_0", "class_0"),
        ("class_1", "class_1"),
        ("class_0", "class_1"),
        ("class_1", "class_0"),
    ]
    .iter()
    .enumerate()
    {
        let ext = format!("wine_{i:03}");
        label(&mut p, &ext, "ana", a, None).expect("ana");
        label(&mut p, &ext, "ben", b, None).expect("ben");
    }
    std::thread::sleep(std::time::Duration::from_millis(5));
    edit_label(
        &p,
        "class_1",
        &LabelEdit {
            guideline: Some(Some("Lighter, more acidic".into())),
            ..Default::default()
        },
        None,
    )
    .expect("edit");
    let version = schema_version(&p).expect("v");
    std::thread::sleep(std::time::Duration::from_millis(5));
    // After: they agree on 3 new items.
    for i in 10..13 {
        let ext = format!("wine_{i:03}");
        label(&mut p, &ext, "ana", "class_1", None).expect("ana");
        label(&mut p, &ext, "ben", "class_1", None).expect("ben");
    }
    let periods = crate::metrics::periods::guideline_periods(p.conn()).expect("periods");
    assert_eq!(periods.len(), 2, "{periods:#?}");
    assert_eq!(
        (periods[0].items, periods[0].percent_agreement),
        (4, Some(0.5))
    );
    assert!(periods[0].since.is_none() && periods[0].until.is_some());
    assert_eq!(periods[1].changed, ["class_1"]);
    assert_eq!(periods[1].schema_version, version);
    assert_eq!(
        (periods[1].items, periods[1].percent_agreement),
        (3, Some(1.0))
    );
    let r = crate::metrics::report(&p, None).expect("report");
    assert_eq!(r.schema_version, version);
    assert_eq!(r.guideline_periods, periods);
    // A hotkey change is no guideline change.
    edit_label(
        &p,
        "class_1",
        &LabelEdit {
            hotkey: Some(Some("q".into())),
            ..Default::default()
        },
        None,
    )
    .expect("hotkey");
    assert_eq!(
        crate::metrics::periods::guideline_periods(p.conn())
            .expect("periods")
            .len(),
        2
    );
}
