//! End-to-end tests of the `arbiter` binary as a user runs it, on the committed fixtures.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

mod calibration;
mod compare;
mod drift;
mod labelstudio;
mod quality;
mod quantized;
mod serve_tls;
mod text;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .canonicalize()
        .expect("fixtures")
}

fn arbiter(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_arbiter"))
        .args(args)
        .env_remove("ARBITER_PROJECT")
        .output()
        .expect("run arbiter")
}

fn ok(args: &[&str]) -> String {
    let out = arbiter(args);
    assert!(
        out.status.success(),
        "arbiter {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf8")
}

fn ok_json(args: &[&str]) -> Value {
    let text = ok(args);
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("arbiter {args:?}: not one JSON document ({e}): {text}"))
}

/// Run and expect failure; returns stderr. Without `--json` nothing goes to stdout; with it,
/// stdout holds one JSON document `{"error":{"code","message"}}` whose message is stderr's.
fn fails(args: &[&str]) -> String {
    let out = arbiter(args);
    assert!(!out.status.success(), "arbiter {args:?} should fail");
    let err = String::from_utf8(out.stderr).expect("utf8");
    assert!(err.starts_with("error: "), "{err}");
    if args.contains(&"--json") {
        let doc: Value = serde_json::from_slice(&out.stdout).expect("one JSON error document");
        assert_eq!(
            doc["error"]["message"]
                .as_str()
                .map(|m| format!("error: {m}\n")),
            Some(err.clone()),
            "{doc}"
        );
        assert!(doc["error"]["code"].is_string(), "{doc}");
    } else {
        assert!(
            out.stdout.is_empty(),
            "nothing on stdout when failing: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    err
}

/// Run and expect failure with `--json`: the error document and the exit status.
fn fails_json(args: &[&str]) -> (Value, i32) {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = arbiter(&all);
    fails(&all);
    (
        serde_json::from_slice(&out.stdout).expect("json"),
        out.status.code().expect("exit status"),
    )
}

fn new_project(labels: Option<&str>) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("proj").to_string_lossy().into_owned();
    match labels {
        Some(l) => ok(&["init", &p, "--labels", l]),
        None => ok(&["init", &p]),
    };
    (dir, p)
}

fn path(rel: &str) -> String {
    fixtures().join(rel).to_string_lossy().into_owned()
}

/// `arbiter dataset import` of a fixture into the project at `p`; its human output.
fn import(p: &str, rel: &str) -> String {
    ok(&["--project", p, "dataset", "import", &path(rel)])
}

/// Start `arbiter ARGS`, and SIGKILL it once `writing` says it writes (it must not finish
/// first).
fn kill_once(args: &[String], writing: &dyn Fn() -> bool) {
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_arbiter"))
        .args(args)
        .env_remove("ARBITER_PROJECT")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let start = std::time::Instant::now();
    while !writing() {
        assert!(
            child.try_wait().expect("wait").is_none(),
            "arbiter {args:?} finished before it could be killed"
        );
        assert!(start.elapsed().as_secs() < 120, "no writing started");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("wait");
    assert!(!status.success(), "killed while writing");
}

/// `arbiter annotators add NAME [--role ROLE]` in the project at `p`.
fn add_annotator(p: &str, name: &str, role: Option<&str>) {
    let mut args = vec!["--project", p, "annotators", "add", name];
    if let Some(role) = role {
        args.extend(["--role", role]);
    }
    ok(&args);
}

/// Every annotation event of the project at `p`, as `arbiter annotations export` writes them
/// (JSON lines) to `out`.
fn exported_events(p: &str, out: &Path) -> Vec<Value> {
    ok(&[
        "--project",
        p,
        "annotations",
        "export",
        "--out",
        &out.to_string_lossy(),
    ]);
    std::fs::read_to_string(out)
        .expect("r")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect()
}

#[test]
fn import_json_follows_the_contract_for_every_source_kind() {
    for (src, name, items, labeled) in [
        ("digits/manifest.csv", "manifest", 1797, 1797),
        ("tabular/breast_cancer.parquet", "breast_cancer", 569, 569),
        ("tabular/wine.jsonl", "wine", 178, 178),
        ("digits-unlabeled", "digits-unlabeled", 24, 0),
    ] {
        let (_d, p) = new_project(None);
        let v = ok_json(&["--project", &p, "--json", "dataset", "import", &path(src)]);
        let keys: Vec<&str> = v
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        for k in ["dataset", "version", "items", "labeled", "warnings"] {
            assert!(keys.contains(&k), "{src}: missing {k} in {v}");
        }
        assert_eq!(v["dataset"], name, "{src}");
        assert_eq!(v["version"], 1, "{src}");
        assert_eq!(v["items"], items, "{src}");
        assert_eq!(v["labeled"], labeled, "{src}");
        assert!(v["warnings"].is_array());
    }
}

#[test]
fn project_and_json_flags_work_before_and_after_the_subcommand() {
    let (_d, p) = new_project(None);
    ok(&[
        "dataset",
        "import",
        &path("digits/images"),
        "--project",
        &p,
        "--name",
        "digits",
    ]);
    let a = ok_json(&["--json", "--project", &p, "dataset", "list"]);
    let b = ok_json(&["dataset", "list", "--project", &p, "--json"]);
    assert_eq!(a, b);
    assert_eq!(a[0]["name"], "digits");
    assert_eq!(a[0]["versions"][0]["items"], 1797);
    // The project defaults to the current folder.
    let out = Command::new(env!("CARGO_BIN_EXE_arbiter"))
        .args(["dataset", "list", "--json"])
        .current_dir(&p)
        .env_remove("ARBITER_PROJECT")
        .output()
        .expect("run");
    assert!(out.status.success());
    assert_eq!(
        serde_json::from_slice::<Value>(&out.stdout).expect("json"),
        a
    );
}

#[test]
fn items_lists_filters_and_pages() {
    let (_d, p) = new_project(None);
    ok(&[
        "--project",
        &p,
        "dataset",
        "import",
        &path("digits/manifest.csv"),
        "--name",
        "digits",
    ]);
    let page = ok_json(&[
        "--project",
        &p,
        "--json",
        "items",
        "--label",
        "3",
        "--limit",
        "5",
        "--offset",
        "1",
    ]);
    assert_eq!(page["total"], 183);
    let ids: Vec<&str> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids.len(), 5);
    assert!(page["items"]
        .as_array()
        .expect("a")
        .iter()
        .all(|i| i["label"] == "3"));
    assert_eq!(ids[0], "digit_0013", "the second '3' in source order");
    let table = ok(&["--project", &p, "items", "--limit", "2"]);
    assert!(
        table.contains("digit_0000")
            && table.contains("digit_0001")
            && !table.contains("digit_0002"),
        "{table}"
    );
    let err = fails(&["--project", &p, "items", "--label", "cat"]);
    assert!(err.contains("label not found: cat"), "{err}");
    ok(&[
        "--project",
        &p,
        "dataset",
        "import",
        &path("digits/manifest.jsonl"),
        "--name",
        "wine",
    ]);
    let err = fails(&["--project", &p, "items"]);
    assert!(
        err.contains("--dataset") && err.contains("digits") && err.contains("wine"),
        "{err}"
    );
    let wine = ok_json(&[
        "--project",
        &p,
        "--json",
        "items",
        "--dataset",
        "wine@1",
        "--limit",
        "1",
    ]);
    assert_eq!(wine["total"], 1797);
}

#[test]
fn init_with_labels_file_and_refusals() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("labels.json");
    std::fs::write(
        &file,
        r##"[{"name": "cat", "hotkey": "c", "color": "#112233", "guideline": "Felines"}, "dog"]"##,
    )
    .expect("w");
    let p = dir.path().join("p").to_string_lossy().into_owned();
    let v = ok_json(&[
        "--json",
        "init",
        &p,
        "--labels-file",
        &file.to_string_lossy(),
    ]);
    assert_eq!(v["labels"][0]["name"], "cat");
    assert_eq!(v["labels"][0]["hotkey"], "c");
    assert_eq!(v["labels"][0]["guideline"], "Felines");
    assert_eq!(v["labels"][1]["name"], "dog");
    let err = fails(&["init", &p]);
    assert!(err.contains("already an Arbiter project"), "{err}");
    let err = fails(&[
        "--project",
        &dir.path().join("nowhere").to_string_lossy(),
        "dataset",
        "list",
    ]);
    assert!(
        err.contains("no Arbiter project here") && err.contains("arbiter init"),
        "{err}"
    );
}

/// Every bad input of the import contract: refused, row named, nothing written.
#[test]
fn bad_imports_are_refused_naming_the_row_and_leave_the_project_as_it_was() {
    let (d, p) = new_project(Some("cat,dog"));
    let root = d.path().join("data");
    std::fs::create_dir_all(root.join("img")).expect("mk");
    std::fs::copy(
        fixtures().join("digits/images/0/digit_0000.png"),
        root.join("img/a.png"),
    )
    .expect("cp");
    std::fs::write(d.path().join("outside.png"), b"x").expect("w");
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "dup.csv",
            "id,label\na,cat\nb,dog\na,dog\n",
            &["row 3 (line 4)", "duplicate id \"a\""],
        ),
        ("noid.csv", "name,label\na,cat\n", &["no id column \"id\""]),
        (
            "missing.csv",
            "id,path\na,img/a.png\nb,img/nope.png\n",
            &["row 2 (line 3)", "\"img/nope.png\" not found"],
        ),
        (
            "escape.csv",
            "id,path\na,../outside.png\n",
            &["row 1 (line 2)", "escapes the dataset root"],
        ),
        (
            "label.csv",
            "id,label\na,cat\nb,bird\n",
            &[
                "row 2 (line 3)",
                "label \"bird\" is not in the project's label schema",
            ],
        ),
    ];
    let before_list = ok(&["--project", &p, "--json", "dataset", "list"]);
    let db = PathBuf::from(&p).join("arbiter.db");
    for (file, text, needles) in cases {
        let f = root.join(file);
        std::fs::write(&f, text).expect("w");
        let err = fails(&["--project", &p, "dataset", "import", &f.to_string_lossy()]);
        assert!(
            err.contains(&f.to_string_lossy().into_owned()),
            "names the file: {err}"
        );
        for n in *needles {
            assert!(err.contains(n), "{file}: {err:?} should contain {n:?}");
        }
        assert_eq!(
            err.lines().next().map(|l| l.contains(file)),
            Some(true),
            "first line names the file: {err}"
        );
        assert_eq!(
            ok(&["--project", &p, "--json", "dataset", "list"]),
            before_list,
            "{file} changed the project"
        );
    }
    // The database holds no items and only the creation audit entry.
    let conn = rusqlite_free_count(&db);
    assert_eq!(conn, 0);
}

/// Count items through the CLI (the test has no SQLite dependency of its own).
fn rusqlite_free_count(db: &Path) -> u64 {
    let p = db.parent().expect("parent").to_string_lossy().into_owned();
    let list = ok_json(&["--project", &p, "--json", "dataset", "list"]);
    list.as_array()
        .expect("a")
        .iter()
        .map(|d| d["versions"].as_array().expect("v").len() as u64)
        .sum()
}

#[test]
fn reimport_is_unchanged_and_human_output_says_so() {
    let (_d, p) = new_project(None);
    import(&p, "tabular/wine.csv");
    let out = import(&p, "tabular/wine.csv");
    assert!(
        out.contains("unchanged") && out.contains("version 1"),
        "{out}"
    );
    let v = ok_json(&[
        "--project",
        &p,
        "--json",
        "dataset",
        "import",
        &path("tabular/wine.csv"),
    ]);
    assert_eq!(v["version"], 1);
    assert_eq!(v["unchanged"], true);
}

/// A SIGKILL while `predictions import` commits (the write-ahead log growing: the rows are
/// written out at the commit) leaves no run, no model version, no prediction; the same import
/// succeeds afterwards.
#[test]
fn a_sigkill_mid_predictions_import_leaves_nothing() {
    const N: usize = 300_000;
    let (d, p) = new_project(Some("a,b,c"));
    let manifest = d.path().join("items.csv");
    let file = d.path().join("predictions.csv");
    let (mut items, mut preds) = (
        String::from("id,label\n"),
        String::from("item_id,p_a,p_b,p_c\n"),
    );
    for i in 0..N {
        items.push_str(&format!("i{i:06},a\n"));
        preds.push_str(&format!("i{i:06},0.2,0.3,0.5\n"));
    }
    std::fs::write(&manifest, items).expect("manifest");
    std::fs::write(&file, preds).expect("predictions");
    ok(&[
        "--project",
        &p,
        "dataset",
        "import",
        &manifest.to_string_lossy(),
    ]);
    let state = || {
        (
            ok(&["--project", &p, "--json", "runs"]),
            ok(&["--project", &p, "--json", "model", "list"]),
        )
    };
    let before = state();
    let args: Vec<String> = ["--project", &p, "predictions", "import"]
        .into_iter()
        .map(String::from)
        .chain([
            file.to_string_lossy().into_owned(),
            "--name".into(),
            "elsewhere".into(),
        ])
        .collect();
    let wal = Path::new(&p).join("arbiter.db-wal");
    kill_once(&args, &|| {
        std::fs::metadata(&wal).is_ok_and(|m| m.len() > 1_000_000)
    });
    assert_eq!(state(), before, "nothing written");
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut all = vec!["--json"];
    all.extend_from_slice(&a);
    let got = ok_json(&all);
    assert_eq!(got["rows"], N);
    assert_eq!(got["run"], 1, "{got}");
}

#[test]
fn predictions_made_elsewhere_import_as_a_run_and_bad_rows_are_named() {
    let (_d, p) = new_project(None);
    import(&p, "tabular/wine.csv");
    ok(&[
        "--project",
        &p,
        "model",
        "add",
        &path("models/wine_forest.onnx"),
        "--name",
        "forest",
    ]);
    let run = ok_json(&[
        "--project",
        &p,
        "--json",
        "predict",
        "--model",
        "forest",
        "--dataset",
        "wine",
    ]);
    let id = run["run"].to_string();
    let dir = tempfile::tempdir().expect("tmp");
    let csv = dir.path().join("p.csv");
    ok(&[
        "--project",
        &p,
        "predictions",
        "export",
        "--run",
        &id,
        "--out",
        &csv.to_string_lossy(),
    ]);
    let text = std::fs::read_to_string(&csv).expect("csv");
    // What `predictions export` writes, `predictions import` takes back as a run of its own.
    let imported = ok_json(&[
        "--project",
        &p,
        "--json",
        "predictions",
        "import",
        &csv.to_string_lossy(),
        "--name",
        "forest-elsewhere",
        "--version",
        "2024.11",
    ]);
    assert_eq!(
        (&imported["rows"], &imported["failed"], &imported["columns"]),
        (
            &Value::from(178),
            &Value::from(0),
            &Value::from("probabilities")
        )
    );
    let again = dir.path().join("again.csv");
    let run2 = imported["run"].to_string();
    ok(&[
        "--project",
        &p,
        "predictions",
        "export",
        "--run",
        &run2,
        "--out",
        &again.to_string_lossy(),
    ]);
    assert_eq!(
        std::fs::read_to_string(&again).expect("again"),
        text,
        "the same predictions"
    );
    let human = ok(&[
        "--project",
        &p,
        "predictions",
        "import",
        &csv.to_string_lossy(),
        "--name",
        "x",
    ]);
    assert!(
        human.contains("178 predictions of wine@1 imported as model x@1 (probabilities)"),
        "{human}"
    );
    assert!(human.contains("Not read: predicted, confidence"), "{human}");
    // A bad row: named, exit status of bad input, nothing written.
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "item_id,p_class_0,p_class_1,p_class_2\nwine_000,0.5,0.4,0.3\n",
    )
    .expect("bad");
    let runs_before = ok(&["--project", &p, "--json", "runs"]);
    let (doc, code) = fails_json(&[
        "--project",
        &p,
        "predictions",
        "import",
        &bad.to_string_lossy(),
        "--name",
        "y",
    ]);
    assert_eq!(doc["error"]["code"], "invalid_input", "{doc}");
    assert_eq!(code, 4, "{doc}");
    let why = doc["error"]["message"].as_str().expect("message");
    assert!(
        why.contains("bad.csv")
            && why.contains("row 1 (line 2): the probabilities sum to 1.200000")
            && why.contains("--normalize"),
        "{why}"
    );
    assert_eq!(
        ok(&["--project", &p, "--json", "runs"]),
        runs_before,
        "nothing written"
    );
}

#[test]
fn model_add_predict_and_export_follow_the_contract() {
    let (_d, p) = new_project(None);
    import(&p, "tabular/wine.csv");
    let m = ok_json(&[
        "--project",
        &p,
        "--json",
        "model",
        "add",
        &path("models/wine_forest.onnx"),
        "--name",
        "forest",
    ]);
    for k in [
        "model",
        "sha256",
        "kind",
        "inputs",
        "outputs",
        "classes",
        "preprocess",
    ] {
        assert!(m.get(k).is_some(), "model add JSON lacks {k}: {m}");
    }
    assert_eq!(m["model"], "forest");
    assert_eq!(m["kind"], "tabular");
    assert_eq!(
        m["classes"],
        serde_json::json!(["class_0", "class_1", "class_2"])
    );
    assert_eq!(m["sha256"].as_str().map(str::len), Some(64));

    let out = arbiter(&[
        "--project",
        &p,
        "--json",
        "predict",
        "--model",
        "forest",
        "--dataset",
        "wine",
        "--batch-size",
        "16",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run: Value = serde_json::from_slice(&out.stdout).expect("json");
    for k in [
        "run",
        "items",
        "failed",
        "device",
        "seconds",
        "items_per_second",
    ] {
        assert!(run.get(k).is_some(), "predict JSON lacks {k}: {run}");
    }
    assert_eq!(run["items"], 178);
    assert_eq!(run["failed"], 0);
    assert_eq!(run["device"], "CPUExecutionProvider");
    // --device auto on a machine without CUDA says so, on stderr.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("notice: CUDA is not available") && stderr.contains("running on CPU"),
        "{stderr}"
    );

    let dir = tempfile::tempdir().expect("tmp");
    let csv = dir.path().join("p.csv");
    let id = run["run"].to_string();
    ok(&[
        "--project",
        &p,
        "predictions",
        "export",
        "--run",
        &id,
        "--out",
        &csv.to_string_lossy(),
    ]);
    let text = std::fs::read_to_string(&csv).expect("csv");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("item_id,predicted,confidence,p_class_0,p_class_1,p_class_2,error")
    );
    let first: Vec<&str> = lines.next().expect("row").split(',').collect();
    assert_eq!(&first[..2], ["wine_000", "class_0"]);
    assert_eq!(text.lines().count(), 179);
    for ext in ["parquet", "jsonl"] {
        let f = dir.path().join(format!("p.{ext}"));
        ok(&[
            "--project",
            &p,
            "predictions",
            "export",
            "--run",
            &id,
            "--out",
            &f.to_string_lossy(),
        ]);
        assert!(std::fs::metadata(&f).expect("written").len() > 100);
    }
    let jsonl = std::fs::read_to_string(dir.path().join("p.jsonl")).expect("jsonl");
    let row: Value = serde_json::from_str(jsonl.lines().next().expect("line")).expect("json line");
    assert_eq!(row["item_id"], "wine_000");
    let err = fails(&[
        "--project",
        &p,
        "predictions",
        "export",
        "--run",
        &id,
        "--out",
        &dir.path().join("p.xlsx").to_string_lossy(),
    ]);
    assert!(err.contains(".csv, .parquet or .jsonl"), "{err}");

    // `arbiter export` without --run carries the newest finished run's predictions, and says so.
    let out = dir.path().join("corrected.csv");
    let text = ok(&["--project", &p, "export", "--out", &out.to_string_lossy()]);
    assert!(
        text.contains(&format!(
            "Predictions: run {id} (forest@1, model sha256 {}) — the newest finished run",
            m["sha256"].as_str().expect("sha")
        )),
        "{text}"
    );
    let csv = std::fs::read_to_string(&out).expect("csv");
    let header: Vec<&str> = csv.lines().next().expect("header").split(',').collect();
    let predicted = header
        .iter()
        .position(|c| *c == "predicted")
        .expect("predicted");
    assert!(csv.lines().skip(1).all(|l| l
        .split(',')
        .nth(predicted)
        .is_some_and(|v| v.starts_with("class_"))));
    let lineage: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("corrected.csv.lineage.json")).expect("lineage"),
    )
    .expect("json");
    assert_eq!(lineage["run"]["run"], run["run"]);
    assert_eq!(lineage["run"]["model_sha256"], m["sha256"]);
    assert_eq!(lineage["predictions"], "newest_finished");
    // --no-predictions opts out; it cannot be combined with --run.
    let v = ok_json(&[
        "--project",
        &p,
        "--json",
        "export",
        "--out",
        &out.to_string_lossy(),
        "--no-predictions",
    ]);
    assert!(v["run"].is_null());
    assert_eq!(v["predictions"], "none");
    let csv = std::fs::read_to_string(&out).expect("csv");
    assert!(csv
        .lines()
        .nth(1)
        .expect("row")
        .starts_with("wine_000,,class_0,,,"));
    fails(&[
        "--project",
        &p,
        "export",
        "--out",
        &out.to_string_lossy(),
        "--no-predictions",
        "--run",
        &id,
    ]);
}

#[test]
fn a_missing_runtime_library_says_what_to_run() {
    let (_d, p) = new_project(None);
    import(&p, "tabular/wine.csv");
    let out = Command::new(env!("CARGO_BIN_EXE_arbiter"))
        .args([
            "--project",
            &p,
            "model",
            "add",
            &path("models/wine_forest.onnx"),
        ])
        .env("ORT_DYLIB_PATH", "/nonexistent/libonnxruntime.so.1.31.1")
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ONNX Runtime 1.31.1 library was not found"),
        "{err}"
    );
    assert!(
        err.contains("/nonexistent/libonnxruntime.so.1.31.1") && err.contains("./scripts/setup.sh"),
        "{err}"
    );
    // A file that is not the library at all.
    let bogus = PathBuf::from(&p).join("libonnxruntime.so");
    std::fs::write(&bogus, b"not a library").expect("w");
    let out = Command::new(env!("CARGO_BIN_EXE_arbiter"))
        .args([
            "--project",
            &p,
            "model",
            "add",
            &path("models/wine_forest.onnx"),
        ])
        .env("ORT_DYLIB_PATH", &bogus)
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && err.contains("cannot load ONNX Runtime")
            && err.contains("ORT_DYLIB_PATH"),
        "{err}"
    );
    let models = ok_json(&["--project", &p, "--json", "model", "list"]);
    assert_eq!(models, serde_json::json!([]), "nothing registered");
    // An empty ORT_DYLIB_PATH (`ORT_DYLIB_PATH= arbiter …`) is as good as unset: the library is
    // found beside the executable or where set-up put it.
    let out = Command::new(env!("CARGO_BIN_EXE_arbiter"))
        .args([
            "--project",
            &p,
            "model",
            "add",
            &path("models/wine_forest.onnx"),
        ])
        .env("ORT_DYLIB_PATH", "")
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn annotate_import_export_and_decisions_from_the_command_line() {
    let (d, p) = new_project(None);
    import(&p, "tabular/wine.csv");
    add_annotator(&p, "ana", None);
    add_annotator(&p, "rev", Some("reviewer"));
    let v = ok_json(&[
        "--project",
        &p,
        "--json",
        "annotate",
        "wine_000",
        "--annotator",
        "ana",
        "--label",
        "class_1",
    ]);
    // wine_000 is in no overlap queue and the default rule needs one annotator: one vote decides.
    assert_eq!(v["decision"]["label"], "class_1");
    assert_eq!(v["decision"]["rule"], "unanimous");
    assert_eq!(v["decision"]["votes_needed"], 1);
    let err = fails(&[
        "--project",
        &p,
        "annotate",
        "wine_000",
        "--annotator",
        "ana",
        "--label",
        "class_9",
    ]);
    assert!(
        err.contains("label \"class_9\" is not in the project's label schema"),
        "{err}"
    );
    let err = fails(&[
        "--project",
        &p,
        "annotate",
        "nope",
        "--annotator",
        "ana",
        "--label",
        "class_0",
    ]);
    assert!(err.contains("item not found: nope"), "{err}");
    let err = fails(&[
        "--project",
        &p,
        "annotate",
        "wine_000",
        "--annotator",
        "rev",
        "--label",
        "class_0",
        "--override",
    ]);
    assert!(err.contains("needs a reason"), "{err}");
    let v = ok_json(&[
        "--project",
        &p,
        "--json",
        "annotate",
        "wine_000",
        "--annotator",
        "rev",
        "--label",
        "class_0",
        "--override",
        "--reason",
        "model_wrong",
        "--note",
        "clearly 0",
    ]);
    assert_eq!(v["decision"]["rule"], "override");
    assert_eq!(v["decision"]["deciders"], serde_json::json!(["rev"]));

    // An import with an unknown item is refused, naming the row, and writes nothing.
    let f = d.path().join("a.csv");
    std::fs::write(
        &f,
        "item_id,annotator,label\nwine_001,bo,class_0\nwine_777,bo,class_0\n",
    )
    .expect("w");
    let err = fails(&[
        "--project",
        &p,
        "annotations",
        "import",
        &f.to_string_lossy(),
    ]);
    assert!(
        err.contains("row 2 (line 3)") && err.contains("unknown item \"wine_777\""),
        "{err}"
    );
    std::fs::write(
        &f,
        "item_id,annotator,label\nwine_001,bo,class_0\nwine_001,cy,class_2\nwine_002,bo,class_1\n",
    )
    .expect("w");
    let v = ok_json(&[
        "--project",
        &p,
        "--json",
        "annotations",
        "import",
        &f.to_string_lossy(),
    ]);
    assert_eq!(v["annotations"], 3);
    let conflicts = ok_json(&["--project", &p, "--json", "decisions", "--conflicts"]);
    let items: Vec<&str> = conflicts["decisions"]
        .as_array()
        .expect("a")
        .iter()
        .map(|d| d["item_id"].as_str().expect("id"))
        .collect();
    assert_eq!(items, ["wine_001"], "bo and cy disagree on wine_001");
    // Stricter rule: two annotators needed; wine_002 (one vote) becomes pending.
    let all = ok_json(&[
        "--project",
        &p,
        "--json",
        "decisions",
        "--min-annotators",
        "2",
    ]);
    let status: Vec<(String, String)> = all["decisions"]
        .as_array()
        .expect("a")
        .iter()
        .map(|d| {
            (
                d["item_id"].as_str().expect("i").to_string(),
                d["status"].as_str().expect("s").to_string(),
            )
        })
        .collect();
    assert_eq!(
        status,
        [
            ("wine_000".into(), "decided".into()),
            ("wine_001".into(), "conflict".into()),
            ("wine_002".into(), "pending".into())
        ]
    );
    // Unanimous mode: the rule is stored, shown and audited; the minimum stays.
    let all = ok_json(&[
        "--project",
        &p,
        "--json",
        "decisions",
        "--mode",
        "unanimous",
    ]);
    assert_eq!(
        all["rule"],
        serde_json::json!({"mode": "unanimous", "min_annotators": 2})
    );
    let err = fails(&["--project", &p, "decisions", "--mode", "most"]);
    assert!(
        err.contains("majority") && err.contains("unanimous"),
        "{err}"
    );
    let table = arbiter(&["--project", &p, "decisions"]);
    let shown = String::from_utf8_lossy(&table.stderr);
    assert!(
        shown.contains("rule: unanimous of at least 2 annotator(s)"),
        "{shown}"
    );
    assert!(
        String::from_utf8_lossy(&table.stdout).contains("waiting for votes (1 of 2)"),
        "wine_002 has one vote of two"
    );
    // Undo, then export every event.
    let v = ok_json(&[
        "--project",
        &p,
        "--json",
        "annotate",
        "--undo",
        "--annotator",
        "ana",
    ]);
    assert!(v["retracted"].is_i64());
    let out = d.path().join("events.jsonl");
    ok(&[
        "--project",
        &p,
        "annotations",
        "export",
        "--out",
        &out.to_string_lossy(),
    ]);
    let lines: Vec<Value> = std::fs::read_to_string(&out)
        .expect("r")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(lines.len(), 6);
    assert_eq!(lines.last().expect("last")["kind"], "retract");
}

#[test]
fn queue_save_and_progress_counts() {
    let (_d, p) = new_project(None);
    import(&p, "tabular/wine.csv");
    ok(&[
        "--project",
        &p,
        "model",
        "add",
        &path("models/wine_forest.onnx"),
    ]);
    let run = ok_json(&[
        "--project",
        &p,
        "--json",
        "predict",
        "--model",
        "wine_forest",
        "--dataset",
        "wine",
    ]);
    let id = run["run"].to_string();
    let ranked = ok_json(&[
        "--project",
        &p,
        "--json",
        "queue",
        "--run",
        &id,
        "--strategy",
        "least-confidence",
        "--limit",
        "5",
    ]);
    let arr = ranked.as_array().expect("array");
    assert_eq!(arr.len(), 5);
    for e in arr {
        for k in ["item_id", "score", "predicted", "confidence"] {
            assert!(e.get(k).is_some(), "queue JSON lacks {k}: {e}");
        }
    }
    let scores: Vec<f64> = arr
        .iter()
        .map(|e| e["score"].as_f64().expect("score"))
        .collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "most in need first: {scores:?}"
    );
    ok(&[
        "--project",
        &p,
        "queue",
        "--run",
        &id,
        "--strategy",
        "random",
        "--seed",
        "3",
        "--limit",
        "10",
        "--save",
        "sample",
    ]);
    let queues = ok_json(&["--project", &p, "--json", "queues"]);
    assert_eq!(queues[0]["queue"]["name"], "sample");
    assert_eq!(queues[0]["counts"]["total"], 10);
    assert_eq!(queues[0]["counts"]["done"], 0);
    // Every item of an overlap queue with k = 2 needs two people: one vote is not a decision.
    ok(&[
        "--project",
        &p,
        "queue",
        "--run",
        &id,
        "--strategy",
        "random",
        "--limit",
        "3",
        "--save",
        "pairs",
        "--overlap-share",
        "1",
        "--overlap-k",
        "2",
    ]);
    let queues = ok_json(&["--project", &p, "--json", "queues"]);
    let item = arr[0]["item_id"].as_str().expect("id").to_string();
    let first = ok_json(&[
        "--project",
        &p,
        "--json",
        "queue",
        "--run",
        &id,
        "--strategy",
        "random",
        "--limit",
        "3",
    ]);
    let pair_item = first[0]["item_id"].as_str().expect("id").to_string();
    assert_eq!(queues[1]["counts"]["total"], 3);
    for (who, status, rule) in [
        ("ana", "pending", Value::Null),
        ("bo", "decided", Value::from("unanimous")),
    ] {
        ok(&["--project", &p, "annotators", "add", who]);
        let v = ok_json(&[
            "--project",
            &p,
            "--json",
            "annotate",
            &pair_item,
            "--annotator",
            who,
            "--label",
            "class_1",
        ]);
        assert_eq!(v["decision"]["status"], status, "{who}: {v}");
        assert_eq!(v["decision"]["rule"], rule, "{who}: {v}");
        assert_eq!(v["decision"]["votes_needed"], 2);
    }
    let human = ok(&[
        "--project",
        &p,
        "annotate",
        &item,
        "--annotator",
        "ana",
        "--label",
        "class_0",
    ]);
    assert!(human.contains("decision:"), "{human}");
}

/// A reader that stops early closes the pipe: the command stops quietly, without a panic.
#[test]
fn a_closed_stdout_ends_a_command_quietly() {
    use std::process::Stdio;
    let (_d, p) = new_project(None);
    import(&p, "tabular/wine.csv");
    for args in [
        vec!["--project", p.as_str(), "--json", "items", "--limit", "178"],
        vec!["--project", p.as_str(), "items", "--limit", "178"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_arbiter"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && !err.contains("panicked") && err.trim().is_empty(),
            "{args:?}: {:?} {err}",
            out.status
        );
    }
}

/// SIGKILL in the middle of a burst: every annotation acknowledged before the kill is stored.
#[cfg(unix)]
#[test]
fn annotations_acknowledged_before_a_sigkill_survive_it() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;
    let (d, p) = new_project(None);
    import(&p, "tabular/wine.csv");
    add_annotator(&p, "ana", None);
    let mut child = Command::new(env!("CARGO_BIN_EXE_arbiter"))
        .args(["--project", &p, "annotate", "--stdin", "--annotator", "ana"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        for i in 0..5000 {
            let line = format!(
                "{{\"item_id\": \"wine_{:03}\", \"label\": \"class_{}\"}}\n",
                i % 178,
                i % 3
            );
            if stdin.write_all(line.as_bytes()).is_err() {
                break;
            }
        }
    });
    let mut acked: Vec<i64> = Vec::new();
    let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    while acked.len() < 150 {
        line.clear();
        if reader.read_line(&mut line).expect("read") == 0 {
            break;
        }
        acked.push(line.trim().parse().expect("an annotation id"));
    }
    child.kill().expect("SIGKILL"); // std's kill() sends SIGKILL on Unix
    let status = child.wait().expect("wait");
    let _ = writer.join();
    assert_eq!(acked.len(), 150, "the burst was acknowledged as it went");
    assert!(!status.success(), "killed mid-burst");
    let stored: std::collections::HashSet<i64> =
        exported_events(&p, &d.path().join("events.jsonl"))
            .iter()
            .map(|e| e["id"].as_i64().expect("id"))
            .collect();
    let lost: Vec<&i64> = acked.iter().filter(|id| !stored.contains(id)).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    assert!(stored.len() >= acked.len());
}

#[test]
fn export_writes_the_file_and_its_lineage() {
    let (d, p) = new_project(None);
    import(&p, "tabular/wine.csv");
    add_annotator(&p, "ana", None);
    ok(&[
        "--project",
        &p,
        "annotate",
        "wine_005",
        "--annotator",
        "ana",
        "--label",
        "class_2",
    ]);
    let out = d.path().join("wine.csv");
    let v = ok_json(&[
        "--project",
        &p,
        "--json",
        "export",
        "--out",
        &out.to_string_lossy(),
        "--only-decided",
    ]);
    assert_eq!(v["rows"], 1);
    let text = std::fs::read_to_string(&out).expect("csv");
    let mut lines = text.lines();
    assert!(lines
        .next()
        .expect("header")
        .starts_with("item_id,path,given_label,predicted,confidence,final_label,status,rule"));
    assert!(lines
        .next()
        .expect("row")
        .starts_with("wine_005,,class_0,,,class_2,decided,unanimous,ana"));
    let lineage: Value = serde_json::from_str(
        &std::fs::read_to_string(d.path().join("wine.csv.lineage.json")).expect("lineage"),
    )
    .expect("json");
    assert_eq!(lineage["rows"], 1);
    assert_eq!(lineage["labels"]["class_2"], 1);
    let err = fails(&[
        "--project",
        &p,
        "export",
        "--out",
        &d.path().join("x.csv").to_string_lossy(),
        "--run",
        "42",
    ]);
    assert!(err.contains("run not found: 42"), "{err}");

    // Bad filters name the field and write nothing.
    let x = d.path().join("x.csv");
    for (args, needle) in [
        (
            vec!["--exclude-reasons", "bad_inptu"],
            "--exclude-reasons \"bad_inptu\": not one of the project's reason codes (model_wrong, ambiguous, bad_input,",
        ),
        (
            vec!["--min-agreement", "1.5"],
            "--min-agreement 1.5: must be between 0 and 1",
        ),
        (
            vec!["--validation-share", "1"],
            "--validation-share 1: must be above 0 and below 1",
        ),
    ] {
        let mut all = vec!["--project", &p, "export", "--out"];
        let xs = x.to_string_lossy().into_owned();
        all.push(&xs);
        all.extend(args);
        let err = fails(&all);
        assert!(err.contains(needle), "{err}");
        assert_eq!(err.lines().count(), 1, "one line: {err}");
    }
    assert!(!x.exists() && !d.path().join("x.csv.lineage.json").exists());
    // A destination in folders that do not exist yet: they are made.
    let deep = d.path().join("exports/2026/wine.csv");
    let text = ok(&["--project", &p, "export", "--out", &deep.to_string_lossy()]);
    assert!(text.contains("Exported 178 row(s)"), "{text}");
    assert!(
        text.contains("Predictions: none — no finished run"),
        "{text}"
    );
    assert!(deep.is_file());
    // A file where a folder should be: named, with what to do.
    let err = fails(&[
        "--project",
        &p,
        "export",
        "--out",
        &d.path().join("wine.csv/x.csv").to_string_lossy(),
    ]);
    assert!(
        err.contains("wine.csv: is a file, not a folder; choose another destination"),
        "{err}"
    );
    // An image folder of a manifest without media: nothing to link, every item skipped.
    let folder = d.path().join("images");
    let text = ok(&[
        "--project",
        &p,
        "export",
        "--out",
        &folder.to_string_lossy(),
        "--format",
        "imagefolder",
    ]);
    assert!(text.contains("Exported 0 file(s)"), "{text}");
    assert!(
        text.contains("Skipped 178 item(s): 178 without media"),
        "{text}"
    );
}

#[test]
fn ordinal_statistics_follow_the_schema_flag_and_the_file_flag() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("p").to_string_lossy().into_owned();
    let v = ok_json(&[
        "--json",
        "init",
        &p,
        "--labels",
        "low,medium,high",
        "--ordinal",
    ]);
    assert_eq!(v["ordinal"], true);
    let v = ok_json(&["--json", "--project", &p, "labels"]);
    assert_eq!(v["ordinal"], true);
    let v = ok_json(&["--json", "--project", &p, "labels", "--ordinal", "false"]);
    assert_eq!(v["ordinal"], false);
    // A labels file may carry the flag.
    let file = dir.path().join("scale.json");
    std::fs::write(&file, r#"{"ordinal": true, "labels": ["1", "2", "3"]}"#).expect("w");
    let q = dir.path().join("q").to_string_lossy().into_owned();
    let v = ok_json(&[
        "--json",
        "init",
        &q,
        "--labels-file",
        &file.to_string_lossy(),
    ]);
    assert_eq!(v["ordinal"], true);
    let v = ok_json(&["--json", "--project", &q, "agreement", "--bootstrap", "0"]);
    assert_eq!(v["scale"], "interval");

    // A file has no schema: nominal unless --ordinal, whatever the labels look like.
    let ratings = path("agreement/gen_ordinal.csv");
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(path("agreement/expected.json")).expect("expected"),
    )
    .expect("json");
    let e = &expected["files"]["gen_ordinal.csv"];
    let nominal = ok_json(&[
        "--json",
        "agreement",
        "--annotations",
        &ratings,
        "--bootstrap",
        "0",
    ]);
    assert_eq!(nominal["scale"], "nominal");
    assert!(nominal["krippendorff_alpha"]["ordinal"].is_null());
    assert!(nominal["cohen_kappa"][0]["kappa_linear"].is_null());
    let ordinal = ok_json(&[
        "--json",
        "agreement",
        "--annotations",
        &ratings,
        "--ordinal",
        "--bootstrap",
        "0",
    ]);
    assert_eq!(ordinal["scale"], "interval");
    for key in ["ordinal", "interval"] {
        let got = ordinal["krippendorff_alpha"][key].as_f64().expect(key);
        let want = e["krippendorff_alpha"][key].as_f64().expect(key);
        assert!((got - want).abs() < 1e-9, "{key}: {got} vs {want}");
    }
    let got = ordinal["cohen_kappa"][0]["kappa_quadratic"]
        .as_f64()
        .expect("q");
    let want = e["cohen_kappa"][0]["kappa_quadratic"].as_f64().expect("q");
    assert!((got - want).abs() < 1e-9);
    let err = fails(&["--project", &p, "agreement", "--ordinal"]);
    assert!(err.contains("--annotations"), "{err}");
}

#[test]
fn report_json_has_accuracy_against_reviewer_decisions_and_activity() {
    let (_d, p) = new_project(None);
    import(&p, "tabular/wine.csv");
    add_annotator(&p, "ana", None);
    add_annotator(&p, "rev", Some("reviewer"));
    for (item, label) in [
        ("wine_000", "class_0"),
        ("wine_001", "class_1"),
        ("wine_002", "class_0"),
    ] {
        ok(&[
            "--project",
            &p,
            "annotate",
            item,
            "--annotator",
            "ana",
            "--label",
            label,
        ]);
    }
    for item in ["wine_000", "wine_001"] {
        ok(&[
            "--project",
            &p,
            "annotate",
            item,
            "--annotator",
            "rev",
            "--label",
            "class_1",
            "--override",
            "--reason",
            "model_wrong",
        ]);
    }
    let r = ok_json(&["--json", "--project", &p, "report"]);
    let ana = r["annotators"]
        .as_array()
        .expect("annotators")
        .iter()
        .find(|a| a["annotator"] == "ana")
        .expect("ana")
        .clone();
    assert_eq!(ana["vs_reviewers"]["items"], 2);
    assert_eq!(ana["vs_reviewers"]["correct"], 1);
    assert_eq!(ana["vs_reviewers"]["accuracy"], 0.5);
    assert!(ana["vs_reviewers"]["low"].as_f64().expect("low") < 0.5);
    assert_eq!(r["ordinal_labels"], false);
    assert_eq!(r["activity"]["bucket"], "hour");
    let labels: u64 = r["activity"]["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .map(|x| x.as_u64().expect("n"))
        .sum();
    assert_eq!(labels, 5);
    assert_eq!(
        r["activity"]["decided"].as_array().expect("d").last(),
        Some(&Value::from(3))
    );
    let text = ok(&["--project", &p, "report"]);
    assert!(text.contains("accuracy vs reviewer decisions"), "{text}");
}

#[test]
fn a_lead_edits_and_adds_labels_from_the_command_line() {
    let (_d, p) = new_project(Some("cat,dog"));
    add_annotator(&p, "lea", Some("lead"));
    add_annotator(&p, "ana", None);
    let label = |name: &str| -> Value {
        let all = ok_json(&["--project", &p, "--json", "labels"]);
        all["labels"]
            .as_array()
            .expect("labels")
            .iter()
            .find(|l| l["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {all}"))
            .clone()
    };
    let before = label("cat");
    // Hotkey, colour and guideline in one edit, answered with the label as it now is.
    let edited = ok_json(&[
        "--project",
        &p,
        "--json",
        "labels",
        "edit",
        "cat",
        "--hotkey",
        "c",
        "--color",
        "#112233",
        "--guideline",
        "whiskers, pointed ears",
        "--by",
        "lea",
    ]);
    assert_eq!(
        (&edited["hotkey"], &edited["color"], &edited["guideline"]),
        (
            &Value::from("c"),
            &Value::from("#112233"),
            &Value::from("whiskers, pointed ears")
        )
    );
    assert_eq!(label("cat")["color"], "#112233");
    assert_eq!(
        label("cat")["position"],
        before["position"],
        "an edit keeps the order"
    );
    // "" takes the hotkey away; what is not named stays.
    let cleared = ok_json(&[
        "--project",
        &p,
        "--json",
        "labels",
        "edit",
        "cat",
        "--hotkey",
        "",
        "--by",
        "lea",
    ]);
    assert!(cleared["hotkey"].is_null(), "{cleared}");
    assert_eq!(cleared["guideline"], "whiskers, pointed ears");
    // Refused, changing nothing: not a lead, a colour that is not #rrggbb, a hotkey another label
    // has, a label that does not exist.
    let dog_key = label("dog")["hotkey"]
        .as_str()
        .expect("dog has a hotkey")
        .to_string();
    for (args, code, says) in [
        (
            vec!["edit", "cat", "--color", "#000000", "--by", "ana"],
            "invalid_input",
            "only a lead",
        ),
        (
            vec!["edit", "cat", "--color", "red", "--by", "lea"],
            "invalid_input",
            "red",
        ),
        (
            vec!["edit", "cat", "--hotkey", dog_key.as_str(), "--by", "lea"],
            "invalid_input",
            "dog",
        ),
        (
            vec!["edit", "cow", "--hotkey", "w", "--by", "lea"],
            "not_found",
            "cow",
        ),
    ] {
        let mut all = vec!["--project", p.as_str(), "labels"];
        all.extend(args.iter().copied());
        let (doc, _) = fails_json(&all);
        assert_eq!(doc["error"]["code"], code, "{args:?}: {doc}");
        let msg = doc["error"]["message"].as_str().expect("message");
        assert!(msg.contains(says), "{args:?}: {msg}");
    }
    assert_eq!(label("cat"), cleared, "nothing changed");
    // Added after the existing ones, each with a hotkey of its own; a name already there is refused.
    let all = ok_json(&[
        "--project",
        &p,
        "--json",
        "labels",
        "add",
        "bird",
        "fish",
        "--by",
        "lea",
    ]);
    let names: Vec<&str> = all["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .map(|l| l["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["cat", "dog", "bird", "fish"]);
    let keys: Vec<&Value> = all["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .map(|l| &l["hotkey"])
        .collect();
    let distinct: std::collections::HashSet<String> = keys
        .iter()
        .filter(|k| !k.is_null())
        .map(|k| k.to_string())
        .collect();
    assert_eq!(
        distinct.len(),
        keys.iter().filter(|k| !k.is_null()).count(),
        "hotkeys are distinct: {keys:?}"
    );
    assert!(!label("bird")["hotkey"].is_null() && !label("fish")["hotkey"].is_null());
    let (doc, _) = fails_json(&["--project", &p, "labels", "add", "dog", "--by", "lea"]);
    assert_eq!(doc["error"]["code"], "invalid_input", "{doc}");
    assert_eq!(label("dog")["position"], 1);
}

#[test]
fn errors_are_one_json_document_with_json_and_exit_with_a_status_per_code() {
    let dir = tempfile::tempdir().expect("tmp");
    let nowhere = dir.path().join("nothing").to_string_lossy().into_owned();
    let (doc, status) = fails_json(&["--project", &nowhere, "dataset", "list"]);
    assert_eq!(
        (doc["error"]["code"].as_str(), status),
        (Some("no_project"), 6)
    );
    let (_d, p) = new_project(Some("a,b"));
    let (doc, status) = fails_json(&["--project", &p, "items", "--dataset", "nope"]);
    assert_eq!(
        (doc["error"]["code"].as_str(), status),
        (Some("not_found"), 5)
    );
    let (doc, status) = fails_json(&["--project", &p, "dataset", "import", &path("nope.csv")]);
    assert_eq!(
        (doc["error"]["code"].as_str(), status),
        (Some("invalid_input"), 4)
    );
    // A usage error is a JSON document too (status 2, clap's).
    let out = arbiter(&["--json", "--project", &p, "queue", "--strategy", "bogus"]);
    assert_eq!(out.status.code(), Some(2));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(doc["error"]["code"], "usage", "{doc}");
    // --help is not an error.
    assert!(arbiter(&["--json", "--help"]).status.success());
    // Messages are said once, not repeated by their causes.
    let err = fails(&["--project", &p, "dataset", "import", &path("nope.csv")]);
    assert_eq!(err.matches("no such file").count(), 1, "{err}");
}

/// Run the `arbiter` binary as an unprivileged user when the tests run as root (root ignores
/// file permissions), so a read-only folder is read-only.
fn arbiter_unprivileged(args: &[&str]) -> Output {
    let root = Command::new("id").arg("-u").output().expect("id").stdout == b"0\n";
    let mut cmd = if root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_arbiter"));
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_arbiter"))
    };
    cmd.args(args)
        .env_remove("ARBITER_PROJECT")
        .env("HOME", "/tmp")
        .output()
        .expect("run arbiter")
}

#[test]
fn a_read_only_project_can_be_read_and_says_why_it_cannot_be_changed() {
    use std::os::unix::fs::PermissionsExt;
    let (d, p) = new_project(Some("0,1,2,3,4,5,6,7,8,9"));
    import(&p, "digits/manifest.csv");
    let set = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod")
    };
    set(d.path(), 0o755);
    for f in std::fs::read_dir(&p).expect("dir") {
        let f = f.expect("entry").path();
        set(&f, if f.is_dir() { 0o555 } else { 0o444 });
    }
    set(Path::new(&p), 0o555);
    let listed = arbiter_unprivileged(&["--project", &p, "--json", "dataset", "list"]);
    let stderr = String::from_utf8_lossy(&listed.stderr).into_owned();
    assert!(listed.status.success(), "reads work: {stderr}");
    let list: Value = serde_json::from_slice(&listed.stdout).expect("json");
    assert_eq!(list[0]["versions"][0]["items"], 1797);
    let added = arbiter_unprivileged(&["--project", &p, "annotators", "add", "ana"]);
    let stderr = String::from_utf8_lossy(&added.stderr).into_owned();
    assert_eq!(added.status.code(), Some(9), "{stderr}");
    assert!(
        stderr.contains("cannot be written here (a read-only folder or file): reading works"),
        "{stderr}"
    );
    set(Path::new(&p), 0o755);
    set(&Path::new(&p).join("arbiter.db"), 0o644);
}

#[test]
fn a_full_disk_says_so_and_keeps_what_was_saved() {
    // A 1.2 MB file system of our own (a user and mount namespace: no privileges needed): room
    // for a new project (about 290 KB, and its write-ahead log while the migrations run) and the
    // filler, not for an import.
    let (_d, p) = new_project(None);
    let script = format!(
        "set -e; mkdir -p /tmp/arbiter-full; mount -t tmpfs -o size=1200k none /tmp/arbiter-full; \
         A='{bin}'; P=/tmp/arbiter-full/p; \
         \"$A\" init \"$P\" --labels 0,1,2,3,4,5,6,7,8,9 >/dev/null; \
         \"$A\" --project \"$P\" annotators add ana >/dev/null; \
         head -c 750000 /dev/urandom > /tmp/arbiter-full/filler; \
         set +e; \"$A\" --project \"$P\" dataset import '{manifest}'; echo \"status=$?\"; \
         rm /tmp/arbiter-full/filler; \"$A\" --project \"$P\" --json annotators list",
        bin = env!("CARGO_BIN_EXE_arbiter"),
        manifest = path("digits/manifest.csv"),
    );
    let _ = p;
    let out = Command::new("unshare")
        .args(["-rm", "sh", "-c", &script])
        .output()
        .expect("unshare");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(stdout.contains("status=10"), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("is full: this change was not saved, and nothing saved before was lost"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("is full").count(), 1, "said once: {stderr}");
    let after = stdout
        .split_once("status=10\n")
        .map_or("", |(_, rest)| rest);
    let annotators: Value = serde_json::from_str(after).expect("json");
    assert_eq!(
        annotators[0]["name"], "ana",
        "once space is freed, what was saved is there"
    );
}

/// The files in `dir` whose names say they are temporaries (`.tmp`).
fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect()
}

#[test]
fn hostile_model_and_export_arguments_are_refused_and_leave_nothing_behind() {
    let (d, p) = new_project(None);
    import(&p, "tabular/wine.csv");
    let wine = path("models/wine_forest.onnx");
    let digits = path("models/digits_logits.onnx");
    for bad in [
        vec!["--scale", "NaN"],
        vec!["--scale", "inf"],
        vec!["--mean", "NaN"],
        vec!["--std", "inf"],
        vec!["--mean", "1e40"],
        vec!["--scale", "0"],
    ] {
        let mut args = vec!["--project", &p, "model", "add", &digits, "--labels-file"];
        let labels = d.path().join("ten.txt");
        std::fs::write(&labels, "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n").expect("w");
        let labels = labels.to_string_lossy().into_owned();
        args.push(&labels);
        args.extend(bad.iter());
        let err = fails(&args);
        assert!(
            err.contains("nothing was registered") || err.contains("--scale 0"),
            "{bad:?}: {err}"
        );
    }
    // The project is not broken: list and predict still work, and a model can be removed.
    let list = ok_json(&["--project", &p, "--json", "model", "list"]);
    assert_eq!(list.as_array().map(Vec::len), Some(0));
    ok(&["--project", &p, "model", "add", &wine]);
    let removed = ok_json(&["--project", &p, "--json", "model", "remove", "wine_forest"]);
    assert_eq!(removed["file_deleted"], true);
    ok(&["--project", &p, "model", "add", &wine]);
    let run = ok_json(&[
        "--project",
        &p,
        "--json",
        "predict",
        "--model",
        "wine_forest",
        "--dataset",
        "wine",
    ]);
    let run_id = run["run"].to_string();
    let err = fails(&[
        "--project",
        &p,
        "predict",
        "--model",
        "wine_forest",
        "--dataset",
        "wine",
        "--batch-size",
        "0",
    ]);
    assert!(err.contains("--batch-size 0"), "{err}");
    // Exports over the project's own files or into a pipe are refused; the project is intact.
    let db = Path::new(&p).join("arbiter.db");
    let bytes = std::fs::read(&db).expect("db");
    for (out, needle) in [
        (
            db.to_string_lossy().into_owned(),
            "is one of the project's own files (arbiter.db)",
        ),
        (path("tabular/wine.csv"), "is the source of dataset wine@1"),
        ("/dev/stdout".to_string(), "is not a regular file"),
    ] {
        let err = fails(&["--project", &p, "export", "--out", &out, "--format", "csv"]);
        assert!(err.contains(needle), "{out}: {err}");
    }
    assert_eq!(std::fs::read(&db).expect("db"), bytes);
    ok(&["--project", &p, "dataset", "list"]);
    // Refused file names leave no temporary behind.
    let out = d.path().join("x.xlsx").to_string_lossy().into_owned();
    let err = fails(&["--project", &p, "annotations", "export", "--out", &out]);
    assert!(err.contains("use a .csv or .jsonl file name"), "{err}");
    let err = fails(&[
        "--project",
        &p,
        "predictions",
        "export",
        "--run",
        &run_id,
        "--out",
        &out,
    ]);
    assert!(err.contains(".csv, .parquet or .jsonl"), "{err}");
    assert_eq!(temporaries(d.path()), Vec::<String>::new());
    // Other meaningless values.
    let err = fails(&[
        "--project",
        &p,
        "queue",
        "--run",
        &run_id,
        "--strategy",
        "margin",
        "--save",
        "",
    ]);
    assert!(err.contains("a queue needs a name"), "{err}");
    let err = fails(&["--project", &p, "agreement", "--bootstrap", "1000000000"]);
    assert!(
        err.contains("--bootstrap 1000000000: at most 100000"),
        "{err}"
    );
    let err = fails(&[
        "--project",
        &p,
        "dataset",
        "import",
        &path("tabular/wine.csv"),
        "--name",
        "w2",
        "--features",
        "alcohol,alcohol",
    ]);
    assert!(
        err.contains("feature column \"alcohol\" is listed twice"),
        "{err}"
    );
}

#[test]
fn undo_of_an_item_and_annotations_imported_twice() {
    let (d, p) = new_project(None);
    import(&p, "tabular/wine.csv");
    add_annotator(&p, "ana", None);
    ok(&[
        "--project",
        &p,
        "annotate",
        "wine_010",
        "--annotator",
        "ana",
        "--label",
        "class_0",
    ]);
    ok(&[
        "--project",
        &p,
        "annotate",
        "wine_011",
        "--annotator",
        "ana",
        "--label",
        "class_1",
    ]);
    let undone = ok_json(&[
        "--project",
        &p,
        "--json",
        "annotate",
        "wine_010",
        "--annotator",
        "ana",
        "--undo",
    ]);
    assert_eq!(undone["item_id"], "wine_010");
    let decisions = ok_json(&["--project", &p, "--json", "decisions"]);
    let ids: Vec<&str> = decisions["decisions"]
        .as_array()
        .expect("list")
        .iter()
        .filter(|d| d["status"] == "decided")
        .filter_map(|d| d["item_id"].as_str())
        .collect();
    assert_eq!(ids, ["wine_011"], "wine_011 keeps its label");
    let f = d.path().join("labels.csv");
    std::fs::write(
        &f,
        "item_id,annotator,label\nwine_020,ben,class_0\nwine_021,ben,class_2\n",
    )
    .expect("w");
    let f = f.to_string_lossy().into_owned();
    let first = ok_json(&["--project", &p, "--json", "annotations", "import", &f]);
    assert_eq!(
        (
            first["annotations"].as_u64(),
            first["already_present"].as_u64()
        ),
        (Some(2), Some(0))
    );
    let again = ok(&["--project", &p, "annotations", "import", &f]);
    assert!(
        again.contains("Imported 0 annotation(s)")
            && again.contains("2 row(s) were already in the project"),
        "{again}"
    );
}

#[test]
fn a_run_whose_every_item_fails_exits_non_zero_with_the_reasons() {
    // The dataset folder moves away after the import: every image is missing.
    let (d, p) = new_project(None);
    let data = d.path().join("data");
    std::fs::create_dir_all(data.join("img")).expect("mk");
    let mut csv = String::from("id,path,label\n");
    for i in 0..3 {
        std::fs::copy(
            path(&format!("digits/images/{i}/digit_000{i}.png")),
            data.join(format!("img/{i}.png")),
        )
        .expect("cp");
        csv.push_str(&format!("d{i},img/{i}.png,{i}\n"));
    }
    std::fs::write(data.join("m.csv"), csv).expect("w");
    ok(&[
        "--project",
        &p,
        "dataset",
        "import",
        &data.join("m.csv").to_string_lossy(),
        "--name",
        "d",
    ]);
    let labels = d.path().join("ten.txt");
    std::fs::write(&labels, "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n").expect("w");
    ok(&[
        "--project",
        &p,
        "model",
        "add",
        &path("models/digits_logits.onnx"),
        "--labels-file",
        &labels.to_string_lossy(),
    ]);
    std::fs::rename(&data, d.path().join("moved")).expect("move");
    let err = fails(&[
        "--project",
        &p,
        "predict",
        "--model",
        "digits_logits",
        "--dataset",
        "d",
    ]);
    assert!(err.contains("all 3 item(s) failed"), "{err}");
    assert!(
        err.contains("d0: ") && err.contains("0.png"),
        "the first reasons: {err}"
    );
    let failures = ok_json(&["--project", &p, "--json", "runs", "--failures", "1"]);
    assert_eq!(failures["failed"], 3);
    assert_eq!(failures["items"][2]["item_id"], "d2");
    let listed = ok(&["--project", &p, "runs", "--failures", "1"]);
    assert!(listed.contains("d1"), "{listed}");
}

#[test]
fn a_first_import_with_thousands_of_labels_asks_before_making_them_the_schema() {
    let (d, p) = new_project(None);
    let f = d.path().join("m.csv");
    let mut csv = String::from("id,label\n");
    for i in 0..1001 {
        csv.push_str(&format!("i{i},l{i}\n"));
    }
    std::fs::write(&f, csv).expect("w");
    let f = f.to_string_lossy().into_owned();
    let err = fails(&["--project", &p, "dataset", "import", &f]);
    assert!(
        err.contains("holds 1001 distinct values") && err.contains("--labels-from-data"),
        "{err}"
    );
    let labels = ok_json(&["--project", &p, "--json", "labels"]);
    assert_eq!(
        labels["labels"].as_array().map(Vec::len),
        Some(0),
        "nothing imported"
    );
    ok(&[
        "--project",
        &p,
        "dataset",
        "import",
        &f,
        "--labels-from-data",
    ]);
    let labels = ok_json(&["--project", &p, "--json", "labels"]);
    assert_eq!(labels["labels"].as_array().map(Vec::len), Some(1001));
}

#[test]
fn closed_sets_are_refused_with_the_cores_message() {
    // `--flag` and `--output` parse through the core's FromStr, as the app's requests do.
    let err = fails(&["annotate", "x", "--annotator", "ana", "--flag", "meh"]);
    assert!(
        err.contains("flag \"meh\": use bad_input or unsure"),
        "{err}"
    );
    let err = fails(&["model", "add", "m.onnx", "--output", "scores"]);
    assert!(
        err.contains("--output \"scores\": use auto, logits or probabilities"),
        "{err}"
    );
}

/// A project with wine and the forest model's run, and its clone; returns (tmp, lead, clone).
fn lead_and_replica() -> (tempfile::TempDir, String, String) {
    let (d, p) = new_project(None);
    import(&p, "tabular/wine.csv");
    ok(&[
        "--project",
        &p,
        "model",
        "add",
        &path("models/wine_forest.onnx"),
        "--name",
        "forest",
    ]);
    ok(&[
        "--project",
        &p,
        "predict",
        "--model",
        "forest",
        "--dataset",
        "wine",
    ]);
    let c = d.path().join("replica").to_string_lossy().into_owned();
    ok(&["clone", &p, &c]);
    (d, p, c)
}

#[test]
fn replicas_exchange_packs_and_print_byte_identical_decisions_and_agreement() {
    let (d, a, b) = lead_and_replica();
    let ids: Vec<Value> = [&a, &b]
        .iter()
        .map(|p| ok_json(&["--project", p, "--json", "sync", "status"]))
        .collect();
    assert_eq!(ids[0]["project_id"], ids[1]["project_id"]);
    assert_ne!(ids[0]["replica_id"], ids[1]["replica_id"]);
    add_annotator(&a, "ana", None);
    add_annotator(&b, "ben", None);
    for (p, who, label) in [(&a, "ana", "class_0"), (&b, "ben", "class_1")] {
        for item in ["wine_000", "wine_001"] {
            ok(&[
                "--project",
                p,
                "annotate",
                item,
                "--annotator",
                who,
                "--label",
                label,
            ]);
        }
    }
    ok(&["--project", &b, "annotate", "--annotator", "ben", "--undo"]);
    // a → b with b's stamp (a file written by `sync status --json` on b); b → a in full.
    let stamp = d.path().join("b-stamp.json");
    std::fs::write(&stamp, ok(&["--project", &b, "--json", "sync", "status"])).expect("w");
    let ab = d.path().join("ab.pack").to_string_lossy().into_owned();
    let ba = d.path().join("ba.pack").to_string_lossy().into_owned();
    let e = ok_json(&[
        "--project",
        &a,
        "--json",
        "sync",
        "export",
        "--out",
        &ab,
        "--since",
        &stamp.to_string_lossy(),
    ]);
    assert_eq!(e["events"], 2, "{e}");
    ok(&["--project", &b, "sync", "export", "--out", &ba]);
    let dry = ok_json(&[
        "--project",
        &b,
        "--json",
        "sync",
        "import",
        &ab,
        "--dry-run",
    ]);
    assert_eq!(
        (
            &dry["events_added"],
            &dry["annotators_added"],
            &dry["conflicts_before"],
            &dry["conflicts_after"],
            &dry["dry_run"]
        ),
        (
            &Value::from(2),
            &Value::from(1),
            &Value::from(0),
            &Value::from(1),
            &Value::from(true)
        ),
        "{dry}"
    );
    let got = ok_json(&["--project", &b, "--json", "sync", "import", &ab]);
    for key in [
        "events_added",
        "events_known",
        "annotators_added",
        "queues_added",
        "conflicts_before",
        "conflicts_after",
    ] {
        assert!(got[key].is_u64(), "{key}: {got}");
    }
    ok(&["--project", &a, "sync", "import", &ba]);
    let again = ok_json(&["--project", &a, "--json", "sync", "import", &ba]);
    assert_eq!(again["events_added"], 0);
    for cmd in [vec!["decisions"], vec!["agreement"]] {
        let run = |p: &str| {
            let mut args = vec!["--project", p, "--json"];
            args.extend(cmd.iter().copied());
            ok(&args)
        };
        assert_eq!(run(&a), run(&b), "{cmd:?}");
    }
    // The events exports of both replicas name the same events by their global ids (a
    // retraction by the retracted event's), whatever this machine's own ids are.
    let uids = |p: &str, name: &str| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = exported_events(p, &d.path().join(name))
            .iter()
            .map(|e| {
                (
                    e["uid"].as_str().expect("uid").to_string(),
                    e["retracts_uid"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let (ua, ub) = (uids(&a, "a.jsonl"), uids(&b, "b.jsonl"));
    assert_eq!(ua, ub);
    assert_eq!(ua.len(), 5);
    assert_eq!(
        ua.iter().filter(|(_, r)| !r.is_empty()).count(),
        1,
        "the undo names what it retracts"
    );
    let conflicts = ok_json(&["--project", &a, "--json", "decisions", "--conflicts"]);
    let listed = conflicts["decisions"].as_array().map(Vec::len);
    assert_eq!(listed, Some(1), "{conflicts}");
    // A damaged pack: refused with exit status and message, nothing imported.
    let mut bytes = std::fs::read(&ab).expect("read");
    let n = bytes.len();
    bytes.truncate(n - 7);
    let cut = d.path().join("cut.pack");
    std::fs::write(&cut, bytes).expect("w");
    let (doc, code) = fails_json(&["--project", &b, "sync", "import", &cut.to_string_lossy()]);
    assert_eq!(doc["error"]["code"], "invalid_input");
    assert!(
        doc["error"]["message"].as_str().is_some_and(
            |m| m.contains("truncated") && m.contains("nothing of the pack was imported")
        ),
        "{doc}"
    );
    assert_eq!(code, 4, "invalid input exits with 4 (README)");
}

#[test]
fn a_sigkill_during_sync_import_leaves_the_replica_as_before_the_pack() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let (d, a, b) = lead_and_replica();
    // 35,600 events on the lead, recorded after the clone.
    let csv = d.path().join("many.csv");
    let mut text = String::from("item_id,annotator,label\n");
    for who in 0..200 {
        for item in 0..178 {
            text.push_str(&format!(
                "wine_{item:03},w{who:03},class_{}\n",
                (item + who) % 3
            ));
        }
    }
    std::fs::write(&csv, text).expect("w");
    ok(&[
        "--project",
        &a,
        "annotations",
        "import",
        &csv.to_string_lossy(),
    ]);
    let pack = d.path().join("big.pack").to_string_lossy().into_owned();
    ok(&["--project", &a, "sync", "export", "--out", &pack]);
    let before = ok(&["--project", &b, "--json", "sync", "status"]);
    let decisions_before = ok(&["--project", &b, "--json", "decisions"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_arbiter"))
        .args(["--project", &b, "sync", "import", &pack])
        .env_remove("ARBITER_PROJECT")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut err = BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    err.read_line(&mut line).expect("read");
    assert!(line.starts_with("Importing"), "{line}");
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("wait");
    assert!(
        !status.success(),
        "killed while importing (the import had not finished)"
    );
    assert_eq!(ok(&["--project", &b, "--json", "sync", "status"]), before);
    assert_eq!(
        ok(&["--project", &b, "--json", "decisions"]),
        decisions_before
    );
    // And the pack imports whole afterwards.
    let got = ok_json(&["--project", &b, "--json", "sync", "import", &pack]);
    assert_eq!(got["events_added"], 35_600, "{got}");
}

#[test]
fn invite_prints_a_link_and_token_once_and_revoke_ends_them() {
    let (_d, p) = new_project(Some("a,b"));
    add_annotator(&p, "rev", Some("reviewer"));
    let inv = ok_json(&[
        "--json",
        "--project",
        &p,
        "invite",
        "ana",
        "--expires",
        "12h",
        "--url",
        "http://10.1.2.3:8765",
    ]);
    let token = inv["token"].as_str().expect("token");
    assert_eq!(inv["annotator"], "ana");
    assert_eq!(inv["role"], "annotator");
    assert_eq!(
        inv["url"].as_str(),
        Some(format!("http://10.1.2.3:8765/signin#token={token}").as_str())
    );
    // Human output names the link and the token; the list never shows a token.
    let text = ok(&["--project", &p, "invite", "rev"]);
    assert!(
        text.contains("http://127.0.0.1:8765/signin#token=arb_")
            && text.contains("Invited rev (reviewer)"),
        "{text}"
    );
    let list = ok_json(&["--json", "--project", &p, "invite", "--list"]);
    let rows = list.as_array().expect("rows");
    assert_eq!(rows.len(), 2);
    assert!(rows
        .iter()
        .all(|r| r["status"] == "active" && r.get("token").is_none()));
    assert!(!ok(&["--project", &p, "invite", "--list"]).contains("arb_"));
    // Refusals: a role that is not theirs, a bad expiry, an unknown name to revoke.
    let (doc, status) = fails_json(&["--project", &p, "invite", "rev", "--role", "lead"]);
    assert_eq!(
        (doc["error"]["code"].as_str(), status),
        (Some("invalid_input"), 4)
    );
    let (doc, status) = fails_json(&["--project", &p, "invite", "cy", "--expires", "forever"]);
    assert_eq!(
        (doc["error"]["code"].as_str(), status),
        (Some("invalid_input"), 4)
    );
    let (doc, status) = fails_json(&["--project", &p, "invite", "--revoke", "nobody"]);
    assert_eq!(
        (doc["error"]["code"].as_str(), status),
        (Some("not_found"), 5)
    );
    assert_eq!(
        ok_json(&["--json", "--project", &p, "invite", "--list"])
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    // A name is needed unless listing; --role does not go with --revoke.
    assert_eq!(arbiter(&["--project", &p, "invite"]).status.code(), Some(2));
    assert_eq!(
        arbiter(&[
            "--project",
            &p,
            "invite",
            "ana",
            "--revoke",
            "--role",
            "lead"
        ])
        .status
        .code(),
        Some(2)
    );
    let r = ok_json(&["--json", "--project", &p, "invite", "--revoke", "ana"]);
    assert_eq!(
        (r["invites"].as_u64(), r["sessions"].as_u64()),
        (Some(1), Some(0))
    );
    let list = ok_json(&["--json", "--project", &p, "invite", "--list"]);
    let ana: Vec<&Value> = list
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["annotator"] == "ana")
        .collect();
    assert_eq!(ana.len(), 1);
    assert_eq!(ana[0]["status"], "revoked");
}

#[test]
fn labels_acknowledged_by_arbiter_serve_survive_a_sigkill_mid_load() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    use std::sync::{Arc, Mutex};
    let (d, p) = new_project(Some("class_0,class_1,class_2"));
    import(&p, "tabular/wine.csv");
    ok(&[
        "--project",
        &p,
        "model",
        "add",
        &path("models/wine_forest.onnx"),
    ]);
    ok(&[
        "--project",
        &p,
        "predict",
        "--model",
        "wine_forest",
        "--dataset",
        "wine",
    ]);
    ok(&[
        "--project",
        &p,
        "queue",
        "--run",
        "1",
        "--strategy",
        "random",
        "--save",
        "q",
        "--overlap-share",
        "1",
        "--overlap-k",
        "2",
    ]);
    let tokens: Vec<String> = (0..10)
        .map(|i| {
            ok_json(&["--json", "--project", &p, "invite", &format!("a{i}")])["token"]
                .as_str()
                .expect("token")
                .to_string()
        })
        .collect();
    let mut child = Command::new(env!("CARGO_BIN_EXE_arbiter"))
        .args(["--json", "--project", &p, "serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the address");
    let url = serde_json::from_str::<Value>(&line).expect("json")["url"]
        .as_str()
        .expect("url")
        .to_string();
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let clients: Vec<_> = tokens
        .into_iter()
        .map(|t| {
            let (url, acked) = (url.clone(), acked.clone());
            std::thread::spawn(move || {
                let c = reqwest::blocking::Client::new();
                let auth = format!("Bearer {t}");
                loop {
                    let Ok(r) = c
                        .post(format!("{url}/api/v1/queues/q/next"))
                        .header("authorization", &auth)
                        .json(&serde_json::json!({"n": 1}))
                        .send()
                    else {
                        return; // the server is gone
                    };
                    let Ok(v) = r.json::<Value>() else { return };
                    let Some(item) = v["items"][0]["item_id"].as_str() else {
                        return;
                    };
                    let Ok(r) = c
                        .post(format!("{url}/api/v1/annotations"))
                        .header("authorization", &auth)
                        .json(
                            &serde_json::json!({"item_id": item, "queue": "q", "label": "class_2"}),
                        )
                        .send()
                    else {
                        return;
                    };
                    if r.status().as_u16() != 201 {
                        return;
                    }
                    // A 201 whose body did not arrive is not an acknowledgement.
                    let Ok(v) = r.json::<Value>() else { return };
                    acked
                        .lock()
                        .expect("acked")
                        .push(v["uid"].as_str().expect("uid").to_string());
                }
            })
        })
        .collect();
    while acked.lock().expect("acked").len() < 120 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("wait");
    for c in clients {
        let _ = c.join();
    }
    assert!(!status.success(), "killed mid-load");
    let acked = acked.lock().expect("acked").clone();
    assert!(
        acked.len() >= 120 && acked.len() < 356,
        "{} acknowledged",
        acked.len()
    );
    let stored: std::collections::HashSet<String> =
        exported_events(&p, &d.path().join("events.jsonl"))
            .iter()
            .map(|e| e["uid"].as_str().expect("uid").to_string())
            .collect();
    let lost: Vec<&String> = acked.iter().filter(|u| !stored.contains(*u)).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
}

#[test]
fn gold_add_list_remove_and_the_report_from_the_command_line() {
    let (d, p) = new_project(None);
    import(&p, "digits/manifest.csv");
    add_annotator(&p, "ana", None);
    let added = ok_json(&[
        "--json",
        "--project",
        &p,
        "gold",
        "add",
        "--from-given",
        "--count",
        "20",
        "--seed",
        "3",
    ]);
    assert_eq!(added["added"], 20, "{added}");
    assert_eq!(added["candidates"], 1797);
    let list = ok_json(&["--json", "--project", &p, "gold", "list"]);
    let items = list.as_array().expect("list");
    assert_eq!(items.len(), 20);
    let first = items[0]["item_id"].as_str().expect("id").to_string();
    let answer = items[0]["label"].as_str().expect("label").to_string();
    // ana labels one gold item wrongly: the report scores her on it.
    let wrong = if answer == "0" { "1" } else { "0" };
    ok(&[
        "--project",
        &p,
        "annotate",
        &first,
        "--annotator",
        "ana",
        "--label",
        wrong,
    ]);
    let report = ok_json(&["--json", "--project", &p, "report"]);
    let ana = report["annotators"]
        .as_array()
        .expect("annotators")
        .iter()
        .find(|a| a["annotator"] == "ana")
        .expect("ana");
    assert_eq!(ana["gold"]["items"], 1, "{ana}");
    assert_eq!(ana["gold"]["correct"], 0);
    assert_eq!(ana["gold"]["low"], 0.0);
    let decisions = ok_json(&["--json", "--project", &p, "decisions"]);
    let d0 = decisions["decisions"]
        .as_array()
        .expect("decisions")
        .iter()
        .find(|x| x["item_id"] == first.as_str())
        .expect("decision");
    assert_eq!(
        (&d0["label"], &d0["rule"]),
        (&serde_json::json!(answer), &serde_json::json!("gold")),
        "{d0}"
    );
    // Human output names what happened.
    let text = ok(&["--project", &p, "gold", "remove", &first]);
    assert!(text.contains("Removed 1 item(s)"), "{text}");
    assert_eq!(
        ok_json(&["--json", "--project", &p, "gold", "list"])
            .as_array()
            .map(Vec::len),
        Some(19)
    );
    // Bad input: a message naming the value, the invalid-input exit status, nothing written.
    let (e, status) = fails_json(&[
        "--project",
        &p,
        "gold",
        "add",
        "--from-given",
        "--share",
        "1.5",
    ]);
    assert_eq!(e["error"]["code"], "invalid_input", "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("--share 1.5"),
        "{e}"
    );
    assert_eq!(status, 4);
    let file = d.path().join("gold.csv");
    std::fs::write(&file, "item_id,label\ndigit_0000,seven\n").expect("csv");
    let e = fails(&[
        "--project",
        &p,
        "gold",
        "add",
        "--file",
        &file.to_string_lossy(),
    ]);
    assert!(
        e.contains("row 1 (line 2): label \"seven\" is not in the schema"),
        "{e}"
    );
    let e = fails(&["--project", &p, "gold", "add", "--count", "3"]);
    assert!(e.contains("--from-given"), "{e}");
    assert_eq!(
        ok_json(&["--json", "--project", &p, "gold", "list"])
            .as_array()
            .map(Vec::len),
        Some(19)
    );
    // Queues serving gold, and a qualification.
    ok(&[
        "--project",
        &p,
        "model",
        "add",
        &path("models/digits_logits.onnx"),
        "--name",
        "cnn",
    ]);
    ok(&[
        "--project",
        &p,
        "predict",
        "--model",
        "cnn",
        "--dataset",
        "manifest",
    ]);
    let text = ok(&[
        "--project",
        &p,
        "queue",
        "--run",
        "1",
        "--strategy",
        "random",
        "--save",
        "with-gold",
        "--gold-rate",
        "0.2",
        "--gold-warmup",
        "2",
    ]);
    assert!(
        text.contains("Saved queue \"with-gold\" (1778 items"),
        "{text}"
    );
    assert!(
        text.contains("each annotator's first 2 item(s), then 20.0% of the rest"),
        "{text}"
    );
    let text = ok(&[
        "--project",
        &p,
        "queue",
        "--run",
        "1",
        "--strategy",
        "random",
        "--save",
        "qual",
        "--qualification",
        "--pass-accuracy",
        "0.8",
        "--pass-items",
        "3",
    ]);
    assert!(
        text.contains("3 gold items to each annotator, 80% right to pass"),
        "{text}"
    );
    let queues = ok_json(&["--json", "--project", &p, "queues"]).to_string();
    assert!(
        queues.contains("with-gold") && queues.contains("\"blind\":true"),
        "{queues}"
    );
    let people = ok_json(&["--json", "--project", &p, "annotators", "list"]);
    let ana = people
        .as_array()
        .expect("people")
        .iter()
        .find(|a| a["name"] == "ana")
        .expect("ana");
    assert_eq!(ana["qualifications"][0]["status"], "pending", "{ana}");
    assert_eq!(ana["qualifications"][0]["pass_items"], 3);
    let text = ok(&[
        "--project",
        &p,
        "annotators",
        "reset-qualification",
        "ana",
        "--queue",
        "qual",
    ]);
    assert!(
        text.contains("ana may take the qualification queue \"qual\" again"),
        "{text}"
    );
    let e = fails(&[
        "--project",
        &p,
        "annotators",
        "reset-qualification",
        "ana",
        "--queue",
        "with-gold",
    ]);
    assert!(
        e.contains("\"with-gold\" is not a qualification queue"),
        "{e}"
    );
    let e = fails(&[
        "--project",
        &p,
        "queue",
        "--run",
        "1",
        "--strategy",
        "random",
        "--save",
        "bad",
        "--gold-rate",
        "1",
    ]);
    assert!(e.contains("--gold-rate 1"), "{e}");
    let e = fails(&[
        "--project",
        &p,
        "queue",
        "--run",
        "1",
        "--save",
        "bad",
        "--qualification",
    ]);
    assert!(e.contains("--pass-accuracy"), "{e}");
}

#[test]
fn decisions_by_annotator_quality_show_and_export_their_posteriors() {
    let (d, p) = new_project(None);
    import(&p, "tabular/wine.csv");
    // ana and cy agree on ten items and ben contradicts them; on wine_030, ana and ben
    // disagree alone: the fit trusts ana.
    let mut rows = vec!["item_id,annotator,label".to_string()];
    for n in 40..50 {
        let (l, other) = if n % 2 == 0 {
            ("class_0", "class_1")
        } else {
            ("class_1", "class_0")
        };
        rows.push(format!("wine_{n:03},ana,{l}"));
        rows.push(format!("wine_{n:03},cy,{l}"));
        rows.push(format!("wine_{n:03},ben,{other}"));
    }
    rows.push("wine_030,ana,class_0".into());
    rows.push("wine_030,ben,class_1".into());
    let f = d.path().join("votes.csv");
    std::fs::write(&f, rows.join("\n") + "\n").expect("write");
    ok(&[
        "--project",
        &p,
        "annotations",
        "import",
        f.to_str().expect("utf-8"),
    ]);
    let v = ok_json(&[
        "--project",
        &p,
        "--json",
        "decisions",
        "--mode",
        "dawid-skene",
    ]);
    assert_eq!(
        v["rule"],
        serde_json::json!({"mode": "dawid-skene", "min_annotators": 1})
    );
    let thirty = v["decisions"]
        .as_array()
        .expect("decisions")
        .iter()
        .find(|d| d["item_id"] == "wine_030")
        .expect("wine_030");
    assert_eq!(thirty["label"], "class_0");
    assert_eq!(thirty["rule"], "dawid-skene");
    let probability = thirty["probability"].as_f64().expect("probability");
    assert!(probability > 0.99, "{thirty}");
    assert_eq!(thirty["posterior"][0]["label"], "class_0");
    assert_eq!(thirty["posterior"][0]["probability"], probability);
    assert_eq!(thirty["posterior"].as_array().expect("posterior").len(), 2);
    // The table says it in words, with the probability.
    let table = arbiter(&["--project", &p, "decisions"]);
    let out = String::from_utf8_lossy(&table.stdout);
    let line = out
        .lines()
        .find(|l| l.contains("wine_030"))
        .expect("wine_030 row");
    assert!(line.contains("class_0 (dawid-skene, P = 1.000)"), "{line}");
    assert!(
        String::from_utf8_lossy(&table.stderr)
            .contains("rule: most probable label under Dawid–Skene"),
        "{}",
        String::from_utf8_lossy(&table.stderr)
    );
    // The export carries the posterior columns.
    let out = d.path().join("out.csv");
    ok(&[
        "--project",
        &p,
        "export",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    let text = std::fs::read_to_string(&out).expect("csv");
    let header: Vec<&str> = text.lines().next().expect("header").split(',').collect();
    assert!(
        header.contains(&"posterior") && header.contains(&"posteriors"),
        "{header:?}"
    );
    let err = fails(&["--project", &p, "decisions", "--mode", "dawid"]);
    assert!(err.contains("dawid-skene"), "{err}");
}

#[test]
fn predict_takes_cuda_settings_falls_back_saying_why_and_refuses_bad_ones() {
    let (_d, p) = new_project(None);
    import(&p, "tabular/wine.csv");
    let model = path("models/wine_forest.onnx");
    ok(&["--project", &p, "model", "add", &model, "--name", "forest"]);
    let base = [
        "--project",
        &p,
        "--json",
        "predict",
        "--model",
        "forest",
        "--dataset",
        "wine",
    ];
    let with = |extra: &[&'static str]| {
        let mut a: Vec<&str> = base.to_vec();
        a.extend_from_slice(extra);
        a
    };
    // No GPU here: auto runs on CPU with the settings, and the notice says why.
    let out = arbiter(&with(&[
        "--cuda-device",
        "1",
        "--gpu-mem-limit",
        "2GiB",
        "--cudnn-conv-search",
        "heuristic",
    ]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let run: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(run["device"], "CPUExecutionProvider");
    assert!(
        stderr.contains("notice: CUDA is not available") && stderr.contains("CPU-only build"),
        "{stderr}"
    );
    for (extra, says) in [
        (
            &["--cuda-device", "-1"][..],
            "a GPU index cannot be negative",
        ),
        (&["--cuda-device", "first"][..], "not a whole number"),
        (&["--gpu-mem-limit", "4XB"][..], "unknown unit \"XB\""),
        (&["--gpu-mem-limit", "-2GiB"][..], "cannot be negative"),
        (&["--gpu-mem-limit", "0"][..], "must be above zero"),
        (&["--cudnn-conv-search", "fast"][..], "use exhaustive"),
        (
            &["--device", "cpu", "--cuda-device", "1"][..],
            "--device cpu with CUDA settings",
        ),
        (
            &["--device", "cuda", "--gpu-mem-limit", "1GiB"][..],
            "CUDA was requested but cannot be used (device 0, memory limit 1 GiB",
        ),
    ] {
        let err = fails(&with(extra));
        assert!(err.contains(says), "{extra:?}: {err}");
    }
}
