//! The dispatcher against the registry (every command dispatched or refused as desktop-only) and
//! round trips through it on a real project in a temporary folder, the arguments as the web UI
//! sends them.

use std::path::Path;

use serde_json::json;

use super::*;
use crate::registry::{Role, COMMANDS};

fn app() -> (tempfile::TempDir, AppState) {
    let dir = tempfile::tempdir().expect("tmp");
    let state = AppState::new(dir.path().join("config"));
    (dir, state)
}

fn err(r: Result<Value, IpcError>) -> IpcError {
    r.expect_err("an error")
}

#[test]
fn every_command_is_dispatched_or_refused_as_desktop_only() {
    // The arms are generated from the registry, so a command without its handler does not even
    // compile; here: each name reaches its arm, and exactly the desktop-only ones are refused.
    let (_d, s) = app();
    for c in COMMANDS {
        let out = dispatch(&s, c.name, json!({}));
        let code = out.as_ref().err().map(|e| e.code);
        if c.desktop_only() {
            assert_eq!(code, Some(ErrorCode::DesktopOnly), "{}: {out:?}", c.name);
        } else {
            assert_ne!(code, Some(ErrorCode::DesktopOnly), "{}: {out:?}", c.name);
            if let Err(e) = &out {
                assert!(
                    !e.message.starts_with("there is no command"),
                    "{}: {e:?}",
                    c.name
                );
            }
        }
    }
    let desktop: Vec<&str> = COMMANDS
        .iter()
        .filter(|c| c.desktop_only())
        .map(|c| c.name)
        .collect();
    assert_eq!(
        desktop,
        [
            "pick_folder",
            "pick_file",
            "import_dataset",
            "start_run",
            "export_dataset",
            "pick_export_path",
            "open_folder",
            "start_serving",
            "stop_serving",
            "serving_status",
            "pick_pack_path",
            "pick_packs"
        ]
    );
}

#[test]
fn desktop_only_commands_say_why_before_reading_their_arguments() {
    let (_d, s) = app();
    let e = err(dispatch(&s, "pick_folder", json!({ "title": "Open" })));
    assert_eq!(e.code, ErrorCode::DesktopOnly);
    assert!(e.message.contains("`pick_folder`") && e.message.contains("native dialog"));
    // A channel command, even with arguments that would not parse.
    let e = err(dispatch(&s, "import_dataset", json!({ "request": 3 })));
    assert_eq!(e.code, ErrorCode::DesktopOnly);
    assert!(e.message.contains("progress"), "{e:?}");
}

#[test]
fn unknown_commands_and_bad_arguments_are_named() {
    let (_d, s) = app();
    let e = err(dispatch(&s, "open_projects", json!({})));
    assert_eq!(e.code, ErrorCode::NotFound);
    assert!(e.message.contains("`open_projects`"), "{e:?}");
    // A missing argument, and one sent in snake_case instead of camelCase.
    let e = err(dispatch(&s, "open_project", json!({})));
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            ErrorCode::InvalidInput,
            "`open_project` needs the argument `path`"
        )
    );
    let e = err(dispatch(&s, "label_counts", json!({ "version_id": 1 })));
    assert_eq!(e.message, "`label_counts` needs the argument `versionId`");
    // A malformed one: its name and serde's reason.
    let e = err(dispatch(&s, "label_counts", json!({ "versionId": "one" })));
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(
        e.message
            .starts_with("argument `versionId` of `label_counts`: invalid type"),
        "{e:?}"
    );
    let e = err(dispatch(
        &s,
        "list_items",
        json!({ "query": { "versionId": 1 } }),
    ));
    assert!(
        e.message
            .starts_with("argument `query` of `list_items`: missing field"),
        "{e:?}"
    );
    // Arguments that are not an object.
    let e = err(dispatch(&s, "open_project", json!(["/tmp"])));
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(e.message.contains("JSON object"), "{e:?}");
    // An absent optional argument is null, as in Tauri; the command's own errors pass through.
    let e = err(dispatch(&s, "list_conflicts", Value::Null));
    assert_eq!(e.code, ErrorCode::NoProject);
}

#[test]
fn roles_come_from_the_registry() {
    assert_eq!(registry::role_of("open_project"), Some(Role::Any));
    assert_eq!(registry::role_of("annotate"), Some(Role::Annotator));
    assert_eq!(registry::role_of("list_conflicts"), Some(Role::Reviewer));
    assert_eq!(registry::role_of("create_queue"), Some(Role::Lead));
    assert_eq!(registry::role_of("open_projects"), None);
}

#[test]
fn a_project_round_trip_through_dispatch() {
    let (d, s) = app();
    let path = d.path().join("p");
    let info = dispatch(
        &s,
        "create_project",
        json!({ "path": path, "labels": ["cat", "dog"], "ordinal": false }),
    )
    .expect("create");
    assert_eq!(info["path"], json!(path.to_string_lossy()));
    let labels: Vec<&Value> = info["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .map(|l| &l["name"])
        .collect();
    assert_eq!(labels, [&json!("cat"), &json!("dog")]);
    // The result is exactly the command's value serialised (what Tauri sends).
    assert_eq!(
        dispatch(&s, "current_project", Value::Null).expect("current"),
        serde_json::to_value(s.current().expect("current")).expect("json")
    );
    assert_eq!(
        dispatch(&s, "list_queues", json!({})).expect("queues"),
        json!([])
    );
    // A command returning nothing answers null; the project opens again by its path.
    assert_eq!(dispatch(&s, "close_project", json!({})), Ok(Value::Null));
    assert_eq!(dispatch(&s, "current_project", json!({})), Ok(Value::Null));
    let again = dispatch(&s, "open_project", json!({ "path": path })).expect("open");
    assert_eq!(again["labels"].as_array().map(Vec::len), Some(2));
    // The recent projects, read without arguments at all.
    let recent = dispatch(&s, "recent_projects", Value::Null).expect("recent");
    assert_eq!(recent.as_array().map(Vec::len), Some(1));
}

#[test]
fn an_annotation_recorded_through_dispatch() {
    let (d, s) = app();
    dispatch(
        &s,
        "create_project",
        json!({ "path": d.path().join("p"), "labels": [], "ordinal": false }),
    )
    .expect("create");
    // The import reports progress through a channel, so it runs on the state directly.
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/digits/manifest.csv");
    s.import(
        &ImportRequest {
            source: manifest.to_string_lossy().into_owned(),
            name: Some("digits".into()),
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
    let datasets = dispatch(&s, "list_datasets", json!({})).expect("datasets");
    let version = datasets[0]["versions"][0]["id"].clone();
    let page = dispatch(
        &s,
        "list_items",
        json!({ "query": { "versionId": version, "offset": 0, "limit": 2, "label": null,
                           "run": null, "predicted": null, "sort": "source" } }),
    )
    .expect("items");
    assert_eq!(page["total"], json!(1797));
    let rowid = page["items"][0]["rowid"].clone();
    let ana = dispatch(
        &s,
        "add_annotator",
        json!({ "name": "ana", "role": "annotator" }),
    )
    .expect("annotator");
    assert_eq!(ana["name"], json!("ana"));
    let done = dispatch(
        &s,
        "annotate",
        json!({ "request": { "rowid": rowid, "annotator": "ana", "kind": "label", "label": "7",
                             "flag": null, "reason": null, "note": null, "seconds": 1.5,
                             "predictionShown": false, "source": "manual", "queue": null,
                             "run": null } }),
    )
    .expect("annotate");
    assert!(
        done["annotation"].as_i64().is_some_and(|id| id > 0),
        "{done}"
    );
    let decision = dispatch(&s, "get_decision", json!({ "rowid": rowid })).expect("decision");
    assert_eq!(decision["votes"][0]["annotator"], json!("ana"));
    assert_eq!(decision["votes"][0]["label"], json!("7"));
    // A closed set is read as the core reads it: an unknown kind names the field.
    let e = err(dispatch(
        &s,
        "annotate",
        json!({ "request": { "rowid": rowid, "annotator": "ana", "kind": "lable",
                             "predictionShown": false, "source": "manual" } }),
    ));
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(
        e.message.starts_with("argument `request` of `annotate`:"),
        "{e:?}"
    );
}

/// Every command marked `#[read]` runs on a connection that refuses writes (as `arbiter serve`
/// runs them, beside its one writer): a command that writes, claims or records anything must not
/// carry the mark. The project has a dataset, a model run, a queue with claims and labels, and
/// a conflict, so each command reaches its real work.
#[test]
fn every_read_command_runs_on_a_connection_that_refuses_writes() {
    let (d, s) = app();
    let path = d.path().join("p");
    s.create(&path, &[], false).expect("create");
    crate::state::tests::import(
        &s,
        &crate::state::tests::fixtures().join("digits/manifest.csv"),
    )
    .expect("import");
    let model = crate::state::tests::fixtures().join("models/digits_logits.onnx");
    dispatch(
        &s,
        "add_model",
        json!({ "request": { "file": model, "name": "cnn", "labelsFile": null, "size": null,
            "layout": null, "color": null, "scale": null, "mean": null, "std": null,
            "output": null } }),
    )
    .expect("model");
    let run = s
        .start_run(
            &RunRequest {
                model: "cnn".into(),
                dataset: "digits".into(),
                batch_size: 256,
                device: crate::dto::Device::Cpu,
                resume: None,
                decode: None,
                cuda_device: None,
                gpu_mem_limit: None,
                cudnn_conv_search: None,
            },
            &mut |_| {},
        )
        .expect("run")
        .run;
    for (n, r) in [("ana", "annotator"), ("ben", "annotator"), ("lee", "lead")] {
        dispatch(&s, "add_annotator", json!({ "name": n, "role": r })).expect("annotator");
    }
    let queue = dispatch(
        &s,
        "create_queue",
        json!({ "request": { "name": "q", "run": run, "strategy": "least-confidence",
            "otherRun": null, "threshold": null, "seed": 1, "limit": 6, "overlapShare": 1.0,
            "overlapK": 2, "blind": false, "assign": [] } }),
    )
    .expect("queue")["id"]
        .clone();
    let mut rowid = Value::Null;
    for (who, label) in [("ana", "1"), ("ben", "2")] {
        let items = dispatch(
            &s,
            "next_items",
            json!({ "queue": queue, "annotator": who, "n": 1 }),
        )
        .expect("claim");
        rowid = items[0]["rowid"].clone();
        dispatch(
            &s,
            "annotate",
            json!({ "request": { "rowid": rowid, "annotator": who, "kind": "label",
                "label": label, "flag": null, "reason": null, "note": null, "seconds": 1.0,
                "predictionShown": false, "source": "manual", "queue": queue, "run": run } }),
        )
        .expect("annotate");
    }
    // One item decided outside the queue (one vote), for `compare_runs`: the dataset's first
    // (not among the queue's six least-confident items).
    let version =
        dispatch(&s, "list_datasets", json!({})).expect("datasets")[0]["versions"][0]["id"].clone();
    let first = dispatch(
        &s,
        "list_items",
        json!({ "query": { "versionId": version, "offset": 0, "limit": 1, "label": null,
            "run": null, "predicted": null, "sort": "source" } }),
    )
    .expect("items");
    dispatch(
        &s,
        "annotate",
        json!({ "request": { "rowid": first["items"][0]["rowid"], "annotator": "ana",
            "kind": "label", "label": "3", "flag": null, "reason": null, "note": null,
            "seconds": 1.0, "predictionShown": false, "source": "manual", "queue": null,
            "run": run } }),
    )
    .expect("annotate outside the queue");
    let folder = d.path().join("shared");
    std::fs::create_dir_all(&folder).expect("folder");
    let out = d.path().join("out.csv");
    let export = json!({ "out": out, "format": "csv", "dataset": null, "run": run,
        "onlyDecided": false, "minAgreement": null, "excludeReasons": [],
        "validationShare": null, "seed": 1, "allowBelowTarget": false });

    let reader = AppState::new(d.path().join("config2"));
    reader.open_served_reader(&path).expect("reader");
    // The arguments of each `#[read]` command, as the web UI sends them.
    let args = |name: &str| -> Value {
        match name {
            "label_counts" => json!({ "versionId": version }),
            "list_items" => json!({ "query": { "versionId": version, "offset": 0, "limit": 5,
                "label": null, "run": run, "predicted": null, "sort": "source" } }),
            "get_item" | "get_decision" => json!({ "rowid": rowid }),
            "item_prediction" => json!({ "run": run, "rowid": rowid }),
            "run_failures" => json!({ "run": run, "limit": 10 }),
            "count_below" => json!({ "run": run, "threshold": 0.9, "calibrated": false }),
            "compare_runs" => json!({ "a": run, "b": run, "on": null }),
            "queue_progress" => json!({ "queue": queue, "annotator": "ana" }),
            "list_conflicts" => json!({ "resolved": null }),
            "project_report" => json!({ "run": run }),
            "export_preview" => json!({ "request": export }),
            "export_would_replace" => json!({ "out": out, "format": "csv" }),
            "folder_status" => json!({ "dir": folder }),
            "sent_back_notes" => json!({ "annotator": "ana" }),
            "drift_report" => json!({ "request": { "reference": run.to_string(),
                "current": run.to_string(), "psi": false, "classifier": true } }),
            _ => json!({}),
        }
    };
    let reads: Vec<&str> = COMMANDS
        .iter()
        .filter(|c| c.reads)
        .map(|c| c.name)
        .collect();
    assert!(reads.len() >= 20, "{reads:?}");
    for name in &reads {
        let out = dispatch(&reader, name, args(name));
        assert!(out.is_ok(), "{name} on a reading connection: {out:?}");
    }
    // The report's agreement is left for the writer, which records it in the history.
    let history = reader
        .take_history()
        .expect("a report leaves its agreement");
    let before = dispatch(&s, "agreement_history", json!({})).expect("history");
    s.with_project(|p| Ok(history.record(p)?)).expect("record");
    let after = dispatch(&s, "agreement_history", json!({})).expect("history");
    assert_eq!(
        after.as_array().map(Vec::len),
        before.as_array().map(|b| b.len() + 1),
        "{after}"
    );
    // The conflict is seen from the reading connection, as from the writer.
    assert_eq!(
        dispatch(&reader, "list_conflicts", json!({ "resolved": null })),
        dispatch(&s, "list_conflicts", json!({ "resolved": null }))
    );
    // And a command that writes does fail there (the check has teeth).
    let e = err(dispatch(
        &reader,
        "next_items",
        json!({ "queue": queue, "annotator": "lee", "n": 1 }),
    ));
    assert_eq!(e.code, ErrorCode::ReadOnly, "{e:?}");
}
