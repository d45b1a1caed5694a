//! `arbiter import-labelstudio` and `export --format labelstudio` as a user runs them: the
//! fixtures in Label Studio's export format imported (images and texts), a refusal as a one-line reason with its
//! code, a SIGKILL in the middle of writing leaving no project, and the round trip.

use super::*;

fn export_file() -> String {
    fixtures()
        .join("labelstudio/image_classification.json")
        .to_string_lossy()
        .into_owned()
}

fn digits() -> String {
    fixtures().join("digits").to_string_lossy().into_owned()
}

/// `export --format labelstudio --out OUT` of the project at `p` (with `extra` arguments): its
/// JSON summary and the tasks written.
fn export_tasks(p: &str, out: &str, extra: &[&str]) -> (Value, Value) {
    let mut args = vec![
        "--json",
        "--project",
        p,
        "export",
        "--format",
        "labelstudio",
        "--out",
        out,
    ];
    args.extend(extra);
    let summary = ok_json(&args);
    let tasks = serde_json::from_slice(&std::fs::read(out).expect("r")).expect("json");
    (summary, tasks)
}

#[test]
fn import_labelstudio_creates_a_project_and_exports_it_back() {
    let d = tempfile::tempdir().expect("tmp");
    let p = d.path().join("p").to_string_lossy().into_owned();
    let got = ok_json(&[
        "--json",
        "--project",
        &p,
        "import-labelstudio",
        &export_file(),
        "--images-root",
        &digits(),
    ]);
    assert_eq!(got["created"], true, "{got}");
    assert_eq!(got["items"], 4);
    assert_eq!(got["annotations"], 5);
    assert_eq!(got["cancelled"][0], "task 103 annotation 1005");
    assert_eq!(got["runs"].as_array().expect("runs").len(), 2);
    let run = got["runs"][1]["run"].as_i64().expect("run").to_string();
    let out = d.path().join("tasks.json").to_string_lossy().into_owned();
    let (e, tasks) = export_tasks(&p, &out, &["--run", &run]);
    assert_eq!(e["format"], "labelstudio");
    assert_eq!(e["rows"], 4);
    assert_eq!(
        tasks[1]["predictions"][0]["model_version"],
        "digits-resnet-v2"
    );
    assert_eq!(
        tasks[1]["predictions"][0]["result"][0]["value"]["choices"][0],
        "5"
    );
    // And back into a new project: the same decisions.
    let q = d.path().join("q").to_string_lossy().into_owned();
    ok(&[
        "--project",
        &q,
        "import-labelstudio",
        &out,
        "--images-root",
        &digits(),
        "--dataset",
        "image_classification",
    ]);
    // The events are new ones (their global ids differ); everything else is the same.
    let decisions = |dir: &str| {
        let mut v = ok_json(&["--json", "--project", dir, "decisions"]);
        for d in v["decisions"].as_array_mut().expect("list") {
            for vote in d["votes"].as_array_mut().expect("votes") {
                vote.as_object_mut().expect("vote").remove("event");
            }
        }
        v
    };
    assert_eq!(decisions(&q), decisions(&p));
}

#[test]
fn import_labelstudio_takes_a_text_project_and_exports_its_texts_back() {
    let d = tempfile::tempdir().expect("tmp");
    let p = d.path().join("p").to_string_lossy().into_owned();
    let file = fixtures()
        .join("labelstudio/text_classification.json")
        .to_string_lossy()
        .into_owned();
    let got = ok_json(&["--json", "--project", &p, "import-labelstudio", &file]);
    assert_eq!(got["created"], true, "{got}");
    assert_eq!(got["items"], 2);
    assert_eq!(got["labels"], serde_json::json!(["negative", "positive"]));
    assert_eq!(got["annotations"], 2);
    assert_eq!(got["runs"][0]["model"], "sentiment-v1");
    let out = d.path().join("tasks.json").to_string_lossy().into_owned();
    let (e, tasks) = export_tasks(&p, &out, &[]);
    assert_eq!(e["rows"], 2);
    assert_eq!(
        tasks[1]["data"]["text"],
        "Stopped working after a week; support never answered."
    );
    assert_eq!(
        tasks[1]["annotations"][0]["result"][0]["value"]["choices"][0],
        "negative"
    );
}

#[test]
fn a_refused_export_names_the_task_and_field_and_makes_nothing() {
    let d = tempfile::tempdir().expect("tmp");
    let file = d.path().join("bad.json");
    std::fs::write(
        &file,
        r#"[{"id": 5, "data": {"image": "images/3/digit_0003.png"},
             "annotations": [{"completed_by": 1, "result": [{"type": "labels", "value": {"labels": ["3"]}}]}]}]"#,
    )
    .expect("w");
    let p = d.path().join("p");
    let (doc, status) = fails_json(&[
        "--project",
        &p.to_string_lossy(),
        "import-labelstudio",
        &file.to_string_lossy(),
        "--images-root",
        &digits(),
    ]);
    assert_ne!(status, 0);
    assert_eq!(doc["error"]["code"], "invalid_input", "{doc}");
    let m = doc["error"]["message"].as_str().expect("message");
    assert!(
        m.contains("task 5: annotations[0].result[0].type is \"labels\""),
        "{m}"
    );
    assert!(!p.join("arbiter.db").exists());
}

/// 15,000 tasks with two annotations and a prediction each, over the digits' images, in a
/// file under `d`.
fn big_export(d: &Path) -> String {
    let mut tasks = Vec::with_capacity(15_000);
    let paths: Vec<String> = std::fs::read_to_string(fixtures().join("digits/manifest.csv"))
        .expect("manifest")
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).expect("path").to_string())
        .collect();
    for i in 0..15_000usize {
        let label = ["3", "5", "8"][i % 3];
        tasks.push(serde_json::json!({
            "id": i + 1,
            "data": { "image": format!("/data/local-files/?d={}", paths[i % paths.len()]) },
            "annotations": [
                { "id": 2 * i, "completed_by": { "email": "ana@example.com" }, "was_cancelled": false,
                  "created_at": "2026-11-02T09:15:03Z", "updated_at": "2026-11-02T09:15:03Z",
                  "result": [{ "type": "choices", "from_name": "choice", "to_name": "image", "value": { "choices": [label] } }] },
                { "id": 2 * i + 1, "completed_by": { "email": "ben@example.com" }, "was_cancelled": false,
                  "created_at": "2026-11-02T09:15:04Z", "updated_at": "2026-11-02T09:15:04Z",
                  "result": [{ "type": "choices", "from_name": "choice", "to_name": "image", "value": { "choices": [label] } }] }
            ],
            "predictions": [{ "model_version": "m1", "score": 0.9,
                "result": [{ "type": "choices", "from_name": "choice", "to_name": "image", "value": { "choices": [label] } }] }]
        }));
    }
    let file = d.join("big.json");
    std::fs::write(&file, serde_json::to_vec(&tasks).expect("json")).expect("w");
    file.to_string_lossy().into_owned()
}

/// Start the import of `file` into `p`, and SIGKILL it once `writing` says it writes.
fn kill_while_writing(p: &Path, file: &str, writing: &dyn Fn() -> bool) -> Vec<String> {
    let args = vec![
        "--project".to_string(),
        p.to_string_lossy().into_owned(),
        "import-labelstudio".into(),
        file.to_string(),
        "--images-root".into(),
        digits(),
    ];
    kill_once(&args, writing);
    args
}

/// A SIGKILL while a new project's database is being written leaves no project, and the same
/// import succeeds afterwards.
#[test]
fn a_sigkill_mid_import_leaves_no_project() {
    let d = tempfile::tempdir().expect("tmp");
    let file = big_export(d.path());
    let p = d.path().join("p");
    std::fs::create_dir_all(&p).expect("dir");
    // Killed once the database is being written (its temporary file has grown).
    let creating = p.join(".arbiter.db.creating");
    let args = kill_while_writing(&p, &file, &|| {
        std::fs::metadata(&creating).is_ok_and(|m| m.len() > 1_000_000)
    });
    assert!(!p.join("arbiter.db").exists(), "no project after the kill");
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut all = vec!["--json"];
    all.extend_from_slice(&a);
    let got = ok_json(&all);
    assert_eq!(got["items"], 15_000);
    assert_eq!(got["annotations"], 30_000);
}

/// A SIGKILL while an existing project is being written leaves it as it was.
#[test]
fn a_sigkill_mid_import_into_a_project_leaves_it_unchanged() {
    let (d, p) = new_project(None);
    let file = big_export(d.path());
    let before = ok(&["--json", "--project", &p, "dataset", "list"]);
    let labels_before = ok(&["--json", "--project", &p, "labels"]);
    let wal = Path::new(&p).join("arbiter.db-wal");
    kill_while_writing(Path::new(&p), &file, &|| {
        std::fs::metadata(&wal).is_ok_and(|m| m.len() > 1_000_000)
    });
    assert_eq!(ok(&["--json", "--project", &p, "dataset", "list"]), before);
    assert_eq!(ok(&["--json", "--project", &p, "labels"]), labels_before);
    let ann = ok_json(&["--json", "--project", &p, "annotators", "list"]);
    assert_eq!(ann.as_array().map(Vec::len), Some(0), "{ann}");
    let got = ok_json(&[
        "--json",
        "--project",
        &p,
        "import-labelstudio",
        &file,
        "--images-root",
        &digits(),
    ]);
    assert_eq!(got["items"], 15_000);
}
