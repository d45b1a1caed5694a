//! Tests of the Label Studio import and export: the fixtures in Label Studio's documented export
//! format (image and text classification) imported whole, every refusal naming the task and
//! field with nothing written, the Text seam, and the round trips import → export → import.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::*;
use crate::export::{self, ExportOptions, Format, Predictions};
use crate::testutil::fixtures;

fn fixture(name: &str) -> PathBuf {
    fixtures().join("labelstudio").join(name)
}

fn digits() -> PathBuf {
    fixtures().join("digits")
}

fn opts(file: &Path) -> ImportOptions {
    ImportOptions {
        file: file.to_path_buf(),
        dataset: None,
        images_root: Some(digits()),
        label_config: None,
    }
}

/// (item, annotator, label, time, seconds) of every event, in order.
fn events(p: &Project) -> Vec<(String, String, String, String, Option<f64>)> {
    crate::events::list(p.conn(), None)
        .expect("events")
        .into_iter()
        .map(|e| {
            (
                e.item_id,
                e.annotator,
                e.label.unwrap_or_default(),
                e.created_at,
                e.seconds,
            )
        })
        .collect()
}

/// (model name, [(item, predicted, confidence)]) of every run, oldest first.
/// (item, predicted, confidence).
type Pred = (String, String, f64);

fn runs(p: &Project) -> Vec<(String, Vec<Pred>)> {
    let conn = p.conn();
    let mut stmt = conn
        .prepare("SELECT r.id, m.name FROM runs r JOIN models m ON m.id = r.model_id ORDER BY r.id")
        .expect("q");
    let list: Vec<(i64, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("q")
        .collect::<rusqlite::Result<_>>()
        .expect("rows");
    list.into_iter()
        .map(|(run, name)| {
            let mut s = conn
                .prepare(
                    "SELECT i.ext_id, l.name, p.confidence FROM predictions p JOIN items i ON i.id = p.item_id
                     JOIN labels l ON l.position = p.predicted WHERE p.run_id = ?1 ORDER BY i.id",
                )
                .expect("q");
            let preds = s
                .query_map([run], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .expect("q")
                .collect::<rusqlite::Result<_>>()
                .expect("rows");
            (name, preds)
        })
        .collect()
}

fn items(p: &Project) -> Vec<(String, Option<String>)> {
    let mut stmt = p
        .conn()
        .prepare("SELECT ext_id, path FROM items ORDER BY id")
        .expect("q");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("q")
        .collect::<rusqlite::Result<_>>()
        .expect("rows")
}

fn labels(p: &Project) -> Vec<String> {
    crate::schema::labels(p)
        .expect("labels")
        .into_iter()
        .map(|l| l.name)
        .collect()
}

#[test]
fn the_fixture_becomes_a_project_with_items_labels_annotators_annotations_and_runs() {
    let d = tempfile::tempdir().expect("tmp");
    let dir = d.path().join("p");
    let s = import(&dir, &opts(&fixture("image_classification.json"))).expect("import");
    assert!(s.created);
    assert_eq!(s.dataset, "image_classification");
    assert_eq!(s.items, 4);
    assert_eq!(s.labels, ["3", "5", "8"]);
    assert_eq!(
        s.annotators,
        ["ana@example.com", "ben@example.com", "labelstudio-user-3"]
    );
    assert_eq!(s.annotations, 5);
    assert_eq!(s.cancelled, ["task 103 annotation 1005"]);
    assert!(
        s.warnings
            .iter()
            .any(|w| w.contains("task 103 annotation 1005")),
        "{:?}",
        s.warnings
    );
    let p = Project::open(&dir).expect("open");
    assert_eq!(
        items(&p),
        [
            (
                "101".to_string(),
                Some("images/3/digit_0003.png".to_string())
            ),
            ("102".into(), Some("images/5/digit_0005.png".into())),
            ("103".into(), Some("images/8/digit_0008.png".into())),
            ("104".into(), Some("images/3/digit_0013.png".into())),
        ]
    );
    // The label's time is when it took its final value (updated_at), in UTC.
    let ev = events(&p);
    assert_eq!(ev.len(), 5);
    assert!(
        ev.contains(&(
            "101".into(),
            "ben@example.com".into(),
            "3".into(),
            "2026-11-02T09:02:30.500Z".into(),
            Some(12.0)
        )),
        "{ev:?}"
    );
    assert!(
        ev.contains(&(
            "102".into(),
            "labelstudio-user-3".into(),
            "8".into(),
            "2026-11-03T14:00:00.000Z".into(),
            Some(6.0)
        )),
        "{ev:?}"
    );
    // Two model versions, two imported runs; a result's own score stands in for a missing one.
    let r = runs(&p);
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].0, "digits-resnet-v1");
    assert_eq!(r[0].1.len(), 4);
    assert_eq!(r[0].1[1].0, "102");
    assert_eq!(r[0].1[1].1, "8");
    assert!((r[0].1[1].2 - 0.55).abs() < 1e-6);
    assert_eq!(r[1].0, "digits-resnet-v2");
    assert_eq!(r[1].1.len(), 2);
    assert!((r[1].1[1].2 - 0.8).abs() < 1e-6);
    // Imported runs, by the predictions import's record.
    let provider: String = p
        .conn()
        .query_row(
            "SELECT provider FROM runs WHERE id = ?1",
            [s.runs[0].run],
            |r| r.get(0),
        )
        .expect("run");
    assert_eq!(provider, "imported");
    // Decisions follow: 101 agreed, 102 in conflict.
    let d101 = crate::decide::decisions(&p, None).expect("decisions");
    let by: std::collections::HashMap<String, &crate::decide::Decision> =
        d101.iter().map(|x| (x.item_id.clone(), x)).collect();
    assert_eq!(by["101"].label.as_deref(), Some("3"));
    assert_eq!(by["102"].status, crate::decide::Status::Conflict);
}

/// `p`'s only dataset exported as Label Studio tasks to `out`, with `run`'s predictions; the
/// tasks written.
fn export_tasks(p: &Project, run: i64, out: &Path) -> usize {
    export::export(
        p,
        &ExportOptions {
            out: out.to_path_buf(),
            format: Format::LabelStudio,
            dataset: None,
            predictions: Predictions::Run(run),
            only_decided: false,
            min_agreement: None,
            exclude_reasons: Vec::new(),
            validation_share: None,
            seed: 0,
            allow_below_target: false,
        },
    )
    .expect("export")
    .rows
}

/// The tasks at `out` imported again into a new project at `dir` as dataset `name`; checks that
/// it has `first`'s labels, label events and annotators, and returns it.
fn reimport(
    out: &Path,
    dir: &Path,
    name: &str,
    images_root: Option<PathBuf>,
    first: (&Project, &ImportSummary),
) -> Project {
    let s2 = import(
        dir,
        &ImportOptions {
            file: out.to_path_buf(),
            dataset: Some(name.into()),
            images_root,
            label_config: None,
        },
    )
    .expect("import again");
    let p2 = Project::open(dir).expect("open");
    assert_eq!(labels(&p2), labels(first.0));
    assert_eq!(events(&p2), events(first.0));
    assert_eq!(s2.annotators, first.1.annotators);
    p2
}

/// Import `tasks` (written to a file) into a new project; the error's text, with nothing made.
fn refused(tasks: &Value) -> String {
    refused_text(&serde_json::to_string_pretty(tasks).expect("json"))
}

fn refused_text(text: &str) -> String {
    let d = tempfile::tempdir().expect("tmp");
    let file = d.path().join("export.json");
    std::fs::write(&file, text).expect("w");
    let dir = d.path().join("p");
    let e = import(&dir, &opts(&file)).expect_err("refused");
    assert!(
        !dir.join(crate::store::DB_FILE).exists(),
        "a refused import leaves no project"
    );
    assert_eq!(e.code(), crate::error::ErrorCode::InvalidInput, "{e}");
    e.to_string()
}

fn choice(labels: &[&str]) -> Value {
    json!([{ "from_name": "choice", "to_name": "image", "type": "choices", "value": { "choices": labels } }])
}

fn task(id: i64, image: &str, annotations: Value) -> Value {
    json!({ "id": id, "data": { "image": image }, "annotations": annotations })
}

fn ann(result: Value) -> Value {
    json!({ "id": 9, "completed_by": { "email": "ana@example.com" }, "result": result,
            "was_cancelled": false, "created_at": "2026-11-02T09:15:03Z", "updated_at": "2026-11-02T09:15:03Z" })
}

#[test]
fn malformed_json_is_refused_with_its_line() {
    let e = refused_text("[\n  {\"id\": 1,\n  \"data\": }\n]");
    assert!(e.contains("line 3"), "{e}");
    assert!(e.contains("not JSON"), "{e}");
    assert!(e.contains("Export → JSON"), "{e}");
}

#[test]
fn an_object_instead_of_a_task_list_is_refused() {
    let e = refused(&json!({ "tasks": [] }));
    assert!(e.contains("not a list of tasks"), "{e}");
}

#[test]
fn a_non_classification_result_is_refused_naming_task_and_field() {
    let e = refused(&json!([task(
        7,
        "images/3/digit_0003.png",
        json!([ann(
            json!([{ "from_name": "tag", "to_name": "img", "type": "rectanglelabels",
            "value": { "x": 1, "y": 2, "width": 3, "height": 4, "rectanglelabels": ["3"] } }])
        )])
    )]));
    assert!(
        e.contains("task 7: annotations[0].result[0].type is \"rectanglelabels\""),
        "{e}"
    );
    assert!(e.contains("not a classification task"), "{e}");
}

#[test]
fn multiple_choices_are_refused_naming_task_and_field() {
    let e = refused(&json!([task(
        8,
        "images/3/digit_0003.png",
        json!([ann(choice(&["3", "5"]))])
    )]));
    assert!(
        e.contains("task 8: annotations[0].result[0].value.choices holds 2 choices"),
        "{e}"
    );
    assert!(e.contains("choice=\"single\""), "{e}");
}

#[test]
fn a_missing_image_is_named_with_its_task() {
    let e = refused(&json!([task(
        9,
        "/data/local-files/?d=images/3/nope.png",
        json!([])
    )]));
    assert!(e.contains("task 9: data.image"), "{e}");
    assert!(e.contains("nope.png"), "{e}");
    assert!(e.contains("--images-root"), "{e}");
}

#[test]
fn a_web_url_is_refused_with_what_to_do() {
    let e = refused(&json!([task(10, "https://example.com/a.jpg", json!([]))]));
    assert!(
        e.contains("task 10: data.image \"https://example.com/a.jpg\""),
        "{e}"
    );
    assert!(e.contains("download them"), "{e}");
}

#[test]
fn a_prediction_without_a_score_is_refused() {
    let e = refused(
        &json!([{ "id": 11, "data": { "image": "images/3/digit_0003.png" },
        "predictions": [{ "model_version": "m", "result": choice(&["3"]) }] }]),
    );
    assert!(e.contains("task 11: predictions[0].score: missing"), "{e}");
}

#[test]
fn a_missing_annotator_and_a_bad_time_are_refused() {
    let e = refused(&json!([
        task(
            12,
            "images/3/digit_0003.png",
            json!([{ "result": choice(&["3"]) }])
        ),
        task(
            13,
            "images/5/digit_0005.png",
            json!([{ "completed_by": 2, "result": choice(&["5"]), "updated_at": "yesterday" }])
        ),
    ]));
    assert!(
        e.contains("task 12: annotations[0].completed_by: missing"),
        "{e}"
    );
    assert!(
        e.contains("task 13: annotations[0].updated_at is \"yesterday\""),
        "{e}"
    );
}

#[test]
fn duplicate_task_ids_are_refused() {
    let e = refused(&json!([
        task(14, "images/3/digit_0003.png", json!([])),
        task(14, "images/5/digit_0005.png", json!([])),
    ]));
    assert!(e.contains("task 14: id: again"), "{e}");
}

#[test]
fn a_label_outside_an_existing_schema_is_refused_and_nothing_is_written() {
    let d = tempfile::tempdir().expect("tmp");
    let dir = d.path().join("p");
    Project::create(&dir, None, &crate::schema::parse_label_list("3,5")).expect("create");
    let e = import(&dir, &opts(&fixture("image_classification.json"))).expect_err("refused");
    let text = e.to_string();
    assert!(
        text.contains(
            "task 102: annotations[1].result: label \"8\" is not in the project's schema (3, 5)"
        ),
        "{text}"
    );
    assert!(text.contains("arbiter labels add"), "{text}");
    let p = Project::open(&dir).expect("open");
    assert!(crate::dataset::list(&p).expect("list").is_empty());
    assert!(events(&p).is_empty());
}

/// (item id, text) of every text item, in order.
fn texts(p: &Project) -> Vec<(String, String)> {
    let mut stmt = p
        .conn()
        .prepare("SELECT i.ext_id, t.text FROM items i JOIN item_texts t ON t.item_id = i.id ORDER BY i.id")
        .expect("q");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("q")
        .collect::<rusqlite::Result<_>>()
        .expect("rows")
}

const BATTERY: &str = "The battery lasts two days and charging is quick.";
const BROKEN: &str = "Stopped working after a week; support never answered.";

#[test]
fn the_text_fixture_becomes_text_items_with_labels_annotators_annotations_and_a_run() {
    let d = tempfile::tempdir().expect("tmp");
    let dir = d.path().join("p");
    // No images root: the texts are in the export.
    let mut o = opts(&fixture("text_classification.json"));
    o.images_root = None;
    let s = import(&dir, &o).expect("import");
    assert!(s.created);
    assert_eq!(s.dataset, "text_classification");
    assert_eq!(s.items, 2);
    assert_eq!(s.labels, ["negative", "positive"]);
    assert_eq!(s.annotators, ["ana@example.com", "ben@example.com"]);
    assert_eq!(s.annotations, 2);
    assert!(s.cancelled.is_empty());
    let p = Project::open(&dir).expect("open");
    assert_eq!(
        texts(&p),
        [
            ("201".to_string(), BATTERY.to_string()),
            ("202".into(), BROKEN.into())
        ]
    );
    // Text items have no media path, and the version says it holds texts.
    assert_eq!(items(&p), [("201".to_string(), None), ("202".into(), None)]);
    let v = crate::dataset::resolve(&p, "text_classification").expect("version");
    assert!(v.texts);
    assert_eq!(
        events(&p),
        [
            (
                "201".to_string(),
                "ana@example.com".to_string(),
                "positive".to_string(),
                "2026-11-04T08:00:00.000Z".to_string(),
                Some(5.0)
            ),
            (
                "202".into(),
                "ben@example.com".into(),
                "negative".into(),
                "2026-11-04T08:01:00.000Z".into(),
                Some(4.0)
            ),
        ]
    );
    // One model version with one prediction: an imported run over text items.
    let r = runs(&p);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].0, "sentiment-v1");
    assert_eq!(r[0].1.len(), 1);
    assert_eq!(
        (r[0].1[0].0.as_str(), r[0].1[0].1.as_str()),
        ("201", "positive")
    );
    assert!((r[0].1[0].2 - 0.93).abs() < 1e-6);
    let kind: String = p
        .conn()
        .query_row(
            "SELECT m.kind FROM runs r JOIN models m ON m.id = r.model_id WHERE r.id = ?1",
            [s.runs[0].run],
            |r| r.get(0),
        )
        .expect("run");
    assert_eq!(kind, "text");
    // An images root given for texts is not used, and the summary says so.
    let s2 = import(
        &d.path().join("q"),
        &opts(&fixture("text_classification.json")),
    )
    .expect("import with a root");
    assert!(
        s2.warnings
            .iter()
            .any(|w| w.contains("the tasks are texts")),
        "{:?}",
        s2.warnings
    );
}

#[test]
fn text_tasks_export_as_data_text_and_import_back_the_same() {
    let d = tempfile::tempdir().expect("tmp");
    let first = d.path().join("first");
    let s = import(&first, &opts(&fixture("text_classification.json"))).expect("import");
    let p1 = Project::open(&first).expect("open");
    let out = d.path().join("tasks.json");
    assert_eq!(export_tasks(&p1, s.runs[0].run, &out), 2);
    let tasks: Value = serde_json::from_slice(&std::fs::read(&out).expect("r")).expect("json");
    assert_eq!(tasks[0]["id"], 201);
    assert_eq!(tasks[0]["data"], json!({ "text": BATTERY }));
    assert_eq!(tasks[1]["data"], json!({ "text": BROKEN }));
    let a = &tasks[0]["annotations"][0];
    assert_eq!(a["completed_by"]["email"], "ana@example.com");
    assert_eq!(a["result"][0]["to_name"], "text");
    assert_eq!(a["result"][0]["value"]["choices"][0], "positive");
    let pr = &tasks[0]["predictions"][0];
    assert_eq!(pr["model_version"], "sentiment-v1");
    assert_eq!(pr["result"][0]["to_name"], "text");
    assert!((pr["score"].as_f64().expect("score") - 0.93).abs() < 1e-6);
    assert_eq!(tasks[1]["predictions"], json!([]));
    // And back: the same texts, labels, events and predictions.
    let second = d.path().join("second");
    let p2 = reimport(&out, &second, "text_classification", None, (&p1, &s));
    assert_eq!(texts(&p2), texts(&p1));
    let (r1, r2) = (runs(&p1), runs(&p2));
    assert_eq!(r2.len(), 1);
    assert_eq!((&r2[0].0, r2[0].1.len()), (&r1[0].0, r1[0].1.len()));
    assert_eq!(
        (&r2[0].1[0].0, &r2[0].1[0].1),
        (&r1[0].1[0].0, &r1[0].1[0].1)
    );
    assert!((r2[0].1[0].2 - r1[0].1[0].2).abs() < 1e-6);
}

#[test]
fn an_export_mixing_image_and_text_tasks_is_refused_naming_the_task() {
    let e = refused(&json!([
        task(31, "images/3/digit_0003.png", json!([])),
        { "id": 32, "data": { "text": "a review" } },
        task(33, "images/5/digit_0005.png", json!([])),
    ]));
    assert!(
        e.contains(
            "task 32: data.text: a Text task in an export whose tasks are images (from task 31 on)"
        ),
        "{e}"
    );
    assert!(e.contains("separate projects"), "{e}");
    assert!(!e.contains("task 33"), "{e}");
    // Texts first: the image task is the odd one.
    let e = refused(&json!([
        { "id": 34, "data": { "text": "a review" } },
        task(35, "images/5/digit_0005.png", json!([])),
    ]));
    assert!(
        e.contains("task 35: data.image: an Image task in an export whose tasks are texts (from task 34 on)"),
        "{e}"
    );
}

#[test]
fn an_empty_text_or_one_that_is_not_a_string_is_refused_naming_the_task() {
    let e = refused(&json!([
        { "id": 41, "data": { "text": "fine" } },
        { "id": 42, "data": { "text": "   " } },
        { "id": 43, "data": { "text": 7 } },
    ]));
    assert!(e.contains("task 43: data.text is 7: not a text"), "{e}");
    // The empty text is named once the tasks are read (with the other checks of texts): 43
    // stops the import first, so it is fixed alone here.
    let e = refused(&json!([
        { "id": 41, "data": { "text": "fine" } },
        { "id": 42, "data": { "text": "   " } },
    ]));
    assert!(e.contains("task 42: data.text: the text is empty"), "{e}");
    // The seam itself.
    assert_eq!(
        text_item("5", &json!("hello")),
        Ok(ItemData::Text("hello".into()))
    );
    assert!(text_item("5", &json!(null)).is_err());
}

#[test]
fn importing_into_an_existing_project_adds_a_dataset_and_refuses_the_same_tasks_twice() {
    let d = tempfile::tempdir().expect("tmp");
    let dir = d.path().join("p");
    Project::create(&dir, None, &[]).expect("create");
    let s = import(&dir, &opts(&fixture("image_classification.json"))).expect("import");
    assert!(!s.created);
    assert_eq!(s.labels, ["3", "5", "8"]);
    assert!(
        s.warnings[0].contains("its schema is now the export's"),
        "{:?}",
        s.warnings
    );
    let e = import(&dir, &opts(&fixture("image_classification.json"))).expect_err("twice");
    assert!(
        e.to_string()
            .contains("already dataset \"image_classification\" version 1"),
        "{e}"
    );
    let p = Project::open(&dir).expect("open");
    assert_eq!(events(&p).len(), 5);
}

#[test]
fn import_export_import_keeps_items_labels_annotations_and_predictions() {
    let d = tempfile::tempdir().expect("tmp");
    let first = d.path().join("first");
    let s = import(&first, &opts(&fixture("image_classification.json"))).expect("import");
    let p1 = Project::open(&first).expect("open");
    let out = d.path().join("tasks.json");
    for run in &s.runs {
        assert_eq!(export_tasks(&p1, run.run, &out), 4);
        let second = d.path().join(format!("second-{}", run.run));
        let p2 = reimport(
            &out,
            &second,
            "image_classification",
            Some(digits()),
            (&p1, &s),
        );
        assert_eq!(items(&p2), items(&p1));
        let (r1, r2) = (runs(&p1), runs(&p2));
        assert_eq!(r2.len(), 1);
        let want = r1.iter().find(|r| r.0 == run.model).expect("run");
        assert_eq!(r2[0].0, want.0);
        assert_eq!(r2[0].1.len(), want.1.len());
        for (a, b) in r2[0].1.iter().zip(&want.1) {
            assert_eq!((&a.0, &a.1), (&b.0, &b.1));
            assert!((a.2 - b.2).abs() < 1e-6, "{a:?} {b:?}");
        }
    }
    // The decision travels as ground_truth on the annotation that carries it.
    let tasks: Value = serde_json::from_slice(&std::fs::read(&out).expect("r")).expect("json");
    let t101 = &tasks[0];
    assert_eq!(t101["id"], 101);
    assert_eq!(
        t101["data"]["image"],
        "/data/local-files/?d=images/3/digit_0003.png"
    );
    assert_eq!(t101["meta"]["arbiter"]["final_label"], "3");
    let truths: Vec<bool> = t101["annotations"]
        .as_array()
        .expect("list")
        .iter()
        .map(|a| a["ground_truth"].as_bool().expect("bool"))
        .collect();
    assert_eq!(truths, [true, false]);
}

#[test]
fn local_file_urls_uploads_and_paths_resolve() {
    use crate::export::labelstudio::local_file;
    assert_eq!(
        local_file("/data/local-files/?d=a%20b/c.png").as_deref(),
        Ok("a b/c.png")
    );
    assert_eq!(
        local_file("http://localhost:8080/data/local-files/?d=x/y.jpg").as_deref(),
        Ok("x/y.jpg")
    );
    assert_eq!(
        local_file("/data/upload/7/ab12-cat.jpg").as_deref(),
        Ok("upload/7/ab12-cat.jpg")
    );
    assert_eq!(local_file("imgs/a.png").as_deref(), Ok("imgs/a.png"));
    assert!(local_file("s3://bucket/a.png").is_err());
    assert!(local_file("/data/local-files/?d=%zz").is_err());
}

/// A labeling config file under `d`.
fn config(d: &Path, xml: &str) -> PathBuf {
    let f = d.join("config.xml");
    std::fs::write(&f, xml).expect("w");
    f
}

const CONFIG: &str = r#"<View>
  <!-- <Choice value="commented"/> -->
  <Image name="image" value="$image"/>
  <Choices name="choice" toName="image" choice="single-radio" showInline="true">
    <Choice value="8"/>
    <Choice value='5'/>
    <Choice value="3"/>
    <Choice value="9 &amp; up"/>
  </Choices>
</View>"#;

#[test]
fn a_labeling_config_gives_the_labels_in_its_order_and_refuses_other_choices() {
    let d = tempfile::tempdir().expect("tmp");
    let mut o = opts(&fixture("image_classification.json"));
    o.label_config = Some(config(d.path(), CONFIG));
    let s = import(&d.path().join("p"), &o).expect("import");
    assert_eq!(s.labels, ["8", "5", "3", "9 & up"]);
    // A choice the config does not have.
    o.label_config = Some(config(
        d.path(),
        &CONFIG.replace("<Choice value=\"8\"/>", ""),
    ));
    let e = import(&d.path().join("q"), &o)
        .expect_err("refused")
        .to_string();
    assert!(
        e.contains("task 102: annotations[1].result: label \"8\" is not among the labeling config's choices (5, 3, 9 & up)"),
        "{e}"
    );
    assert!(!d.path().join("q").join(crate::store::DB_FILE).exists());
}

#[test]
fn a_multiple_choice_config_or_one_without_choices_is_refused() {
    let d = tempfile::tempdir().expect("tmp");
    let mut o = opts(&fixture("image_classification.json"));
    o.label_config = Some(config(
        d.path(),
        &CONFIG.replace("single-radio", "multiple"),
    ));
    let e = import(&d.path().join("p"), &o)
        .expect_err("multiple")
        .to_string();
    assert!(e.contains("choice=\"multiple\""), "{e}");
    o.label_config = Some(config(
        d.path(),
        r#"<View><Image name="i" value="$image"/><RectangleLabels name="r" toName="i"><Label value="cat"/></RectangleLabels></View>"#,
    ));
    let e = import(&d.path().join("p"), &o)
        .expect_err("no choices")
        .to_string();
    assert!(e.contains("no <Choices>"), "{e}");
    assert!(!d.path().join("p").join(crate::store::DB_FILE).exists());
}
