use std::path::{Path, PathBuf};

use super::*;

pub(crate) fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

pub(crate) fn app() -> (tempfile::TempDir, AppState) {
    let dir = tempfile::tempdir().expect("tmp");
    let state = AppState::new(dir.path().join("config"));
    (dir, state)
}

/// Adding the fixture model `file` (under `fixtures/models/`) as `name`, nothing else given.
pub(crate) fn model_request(file: &str, name: &str) -> AddModelRequest {
    AddModelRequest {
        file: fixtures()
            .join("models")
            .join(file)
            .to_string_lossy()
            .into_owned(),
        name: Some(name.into()),
        labels_file: None,
        size: None,
        layout: None,
        color: None,
        scale: None,
        mean: None,
        std: None,
        output: None,
        decode: None,
        tokenizer: None,
    }
}

/// `file` (under `fixtures/models/`) added as `name` and run over the digits on the CPU; the run.
pub(crate) fn add_and_run(s: &AppState, file: &str, name: &str) -> i64 {
    add_and_run_on(s, file, name, "digits")
}

/// [`add_and_run`] on another dataset.
pub(crate) fn add_and_run_on(s: &AppState, file: &str, name: &str, dataset: &str) -> i64 {
    s.add_model(&model_request(file, name)).expect("add");
    s.start_run(
        &RunRequest {
            model: name.into(),
            dataset: dataset.into(),
            batch_size: 256,
            device: Device::Cpu,
            resume: None,
            decode: None,
            cuda_device: None,
            gpu_mem_limit: None,
            cudnn_conv_search: None,
        },
        &mut |_| {},
    )
    .expect("run")
    .run
}

pub(crate) fn import(state: &AppState, source: &Path) -> Result<ImportSummary, IpcError> {
    let req = ImportRequest {
        source: source.to_string_lossy().into_owned(),
        name: Some("digits".into()),
        id_col: Some(" ".into()),
        path_col: None,
        label_col: None,
        features: Some(vec![]),
        text_col: None,
        labels_from_data: None,
    };
    let mut stages = Vec::new();
    let out = state.import(&req, &mut |p| stages.push(p.stage as u8));
    if out.is_ok() {
        assert!(!stages.is_empty(), "progress must be reported");
    }
    out
}

#[test]
fn bindings_are_current() {
    // The committed TypeScript types must be exactly what ts-rs renders from dto.rs.
    // Regenerate with: UPDATE_BINDINGS=1 cargo test -p arbiter-commands bindings_are_current
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/bindings");
    let update = std::env::var_os("UPDATE_BINDINGS").is_some();
    let mut stale = Vec::new();
    for (file, text) in crate::dto::typescript_bindings() {
        assert!(
            !file.is_empty() && !text.contains("export failed"),
            "{file}: {text}"
        );
        let path = dir.join(&file);
        if update {
            std::fs::create_dir_all(&dir).expect("mkdir");
            std::fs::write(&path, &text).expect("write binding");
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "TypeScript bindings differ from crates/arbiter-commands/src/dto.rs: {stale:?}; run UPDATE_BINDINGS=1 cargo test -p arbiter-commands bindings_are_current"
    );
}

#[test]
fn without_a_project_commands_say_no_project() {
    let (_d, s) = app();
    assert!(s.current().expect("current").is_none());
    let e = s.datasets().expect_err("no project");
    assert_eq!(e.code, ErrorCode::NoProject);
    assert_eq!(
        s.image("thumb", 1).err().map(|e| e.code),
        Some(ErrorCode::NoProject)
    );
}

#[test]
fn create_import_browse_and_serve_images() {
    let (d, s) = app();
    let proj = d.path().join("p");
    let info = s.create(&proj, &[], false).expect("create");
    assert_eq!(info.datasets, 0);
    let sum = import(&s, &fixtures().join("digits/manifest.csv")).expect("import");
    assert_eq!((sum.items, sum.labeled, sum.version), (1797, 1797, 1));
    let ds = s.datasets().expect("datasets");
    assert_eq!(ds.len(), 1);
    let v = &ds[0].versions[0];
    let counts = s.label_counts(v.id).expect("counts");
    assert_eq!(counts.iter().map(|c| c.count).sum::<u64>(), 1797);
    let page = s
        .items(&ItemQuery {
            version_id: v.id,
            offset: 10,
            limit: 5,
            label: None,
            run: None,
            predicted: None,
            sort: ItemSort::Source,
            ..Default::default()
        })
        .expect("items");
    assert_eq!(page.total, 1797);
    assert_eq!(page.items[0].id, "digit_0010");
    assert!(page.items.iter().all(|i| i.has_media));
    let sevens = s
        .items(&ItemQuery {
            version_id: v.id,
            offset: 0,
            limit: 500,
            label: Some("7".into()),
            run: None,
            predicted: None,
            sort: ItemSort::Source,
            ..Default::default()
        })
        .expect("7");
    assert!(sevens.items.iter().all(|i| i.label.as_deref() == Some("7")));
    assert_eq!(sevens.total, 179);
    let none = s
        .items(&ItemQuery {
            version_id: v.id,
            offset: 0,
            limit: 5,
            label: Some(String::new()),
            run: None,
            predicted: None,
            sort: ItemSort::Source,
            ..Default::default()
        })
        .expect("u");
    assert_eq!(none.total, 0);

    let detail = s.item(page.items[0].rowid).expect("detail");
    assert_eq!((detail.width, detail.height), (Some(8), Some(8)));
    assert_eq!(detail.label.as_deref(), Some("0"));

    // The thumbnail is a PNG of the same 8×8 pixels (tiny images are not enlarged).
    let thumb = s.image("thumb", page.items[0].rowid).expect("thumb");
    assert_eq!(thumb.mime, "image/png");
    let t = image::load_from_memory(&thumb.bytes)
        .expect("decode thumb")
        .to_luma8();
    let orig = image::open(fixtures().join("digits/images/0/digit_0010.png"))
        .expect("orig")
        .to_luma8();
    assert_eq!(t.dimensions(), (8, 8));
    assert_eq!(t.as_raw(), orig.as_raw());
    // Served again from the on-disk cache.
    assert!(proj.join(".arbiter-cache/thumbs").is_dir());
    assert_eq!(
        s.image("thumb", page.items[0].rowid).expect("cached").bytes,
        thumb.bytes
    );
    // The full image is the original file's bytes.
    let full = s.image("media", page.items[0].rowid).expect("media");
    assert_eq!(
        full.bytes,
        std::fs::read(fixtures().join("digits/images/0/digit_0010.png")).expect("read")
    );
    assert_eq!(
        s.image("media", 999_999).err().map(|e| e.code),
        Some(ErrorCode::NotFound)
    );
}

#[test]
fn bad_imports_reject_with_invalid_input_and_the_core_message() {
    let (d, s) = app();
    s.create(&d.path().join("p"), &["cat".to_string()], false)
        .expect("create");
    let csv = d.path().join("bad.csv");
    std::fs::write(&csv, "id,label\na,cat\na,cat\n").expect("w");
    let e = import(&s, &csv).expect_err("refused");
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(
        e.message.contains("row 2 (line 3)") && e.message.contains("duplicate id"),
        "{}",
        e.message
    );
    assert!(s.datasets().expect("ds").is_empty());
    let e = import(&s, Path::new("")).expect_err("empty source");
    assert_eq!(e.code, ErrorCode::InvalidInput);
    // IpcError serialises as {code, message} with a snake_case code.
    let json = serde_json::to_value(&e).expect("json");
    assert_eq!(json["code"], "invalid_input");
    assert!(json["message"].is_string());
}

#[test]
fn a_refused_import_lists_its_problems_in_row_order() {
    let (d, s) = app();
    s.create(&d.path().join("p"), &["cat".to_string()], false)
        .expect("create");
    let csv = d.path().join("bad.csv");
    // Row 1: a missing file; row 2: an unknown label; row 3: a duplicate id and a missing file.
    std::fs::write(
        &csv,
        "id,label,path\na,cat,gone1.png\nb,dog,\na,cat,gone3.png\n",
    )
    .expect("w");
    let e = import(&s, &csv).expect_err("refused");
    assert_eq!(e.code, ErrorCode::InvalidInput);
    let rows: Vec<&str> = e
        .message
        .lines()
        .skip(1)
        .map(|l| l.trim().split(':').next().unwrap_or_default())
        .collect();
    assert_eq!(
        rows,
        [
            "row 1 (line 2)",
            "row 2 (line 3)",
            "row 3 (line 4)",
            "row 3 (line 4)"
        ],
        "{}",
        e.message
    );
    // Within a row the core's order stays: the id before the file.
    let third: Vec<&str> = e.message.lines().filter(|l| l.contains("row 3")).collect();
    assert!(
        third[0].contains("duplicate id") && third[1].contains("gone3.png"),
        "{}",
        e.message
    );
}

#[test]
fn a_first_import_of_over_a_thousand_labels_needs_labels_from_data() {
    let (d, s) = app();
    s.create(&d.path().join("p"), &[], false).expect("create");
    let csv = d.path().join("many.csv");
    let mut text = String::from("id,label\n");
    for i in 0..1001 {
        text.push_str(&format!("i{i},l{i}\n"));
    }
    std::fs::write(&csv, text).expect("w");
    let mut req = ImportRequest {
        source: csv.to_string_lossy().into_owned(),
        name: None,
        id_col: None,
        path_col: None,
        label_col: None,
        features: None,
        text_col: None,
        labels_from_data: None,
    };
    let e = s.import(&req, &mut |_| {}).expect_err("refused");
    assert_eq!(e.code, ErrorCode::InvalidInput, "{}", e.message);
    assert!(s.datasets().expect("ds").is_empty());
    assert!(s.current().expect("info").expect("open").labels.is_empty());
    // The flag is optional in the request's JSON (older front ends send none).
    let parsed: ImportRequest =
        serde_json::from_value(serde_json::json!({"source": "x", "name": null, "idCol": null, "pathCol": null, "labelCol": null, "features": null}))
            .expect("no labelsFromData");
    assert_eq!(parsed.labels_from_data, None);
    req.labels_from_data = Some(true);
    let summary = s.import(&req, &mut |_| {}).expect("taken");
    assert_eq!(summary.items, 1001);
    assert_eq!(s.current().expect("info").expect("open").labels.len(), 1001);
}

#[test]
fn an_export_asks_before_replacing_a_file_only() {
    let d = tempfile::tempdir().expect("tmp");
    let file = d.path().join("out.csv");
    let path = |p: &Path| p.to_string_lossy().into_owned();
    assert!(
        !export_would_replace(&path(&file), ExportFormat::Csv),
        "nothing there yet"
    );
    std::fs::write(&file, "x").expect("w");
    assert!(export_would_replace(&path(&file), ExportFormat::Csv));
    assert!(export_would_replace(
        &format!(" {} ", path(&file)),
        ExportFormat::Parquet
    ));
    // A folder is not replaced (the core refuses it for a table, and an image folder must be new or empty).
    assert!(!export_would_replace(&path(d.path()), ExportFormat::Csv));
    assert!(!export_would_replace(
        &path(d.path()),
        ExportFormat::ImageFolder
    ));
    assert!(!export_would_replace("", ExportFormat::Csv));
}

#[test]
fn a_new_project_can_rank_its_labels_as_an_ordinal_scale() {
    let (d, s) = app();
    let labels = ["low", " ", "mid", "high"].map(String::from);
    let info = s
        .create(&d.path().join("ranked"), &labels, true)
        .expect("create");
    let names: Vec<&str> = info.labels.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["low", "mid", "high"], "blank dropped, order kept");
    assert!(s.report(None).expect("report").ordinal_labels);
    s.close();
    s.create(&d.path().join("plain"), &labels, false)
        .expect("create");
    assert!(!s.report(None).expect("report").ordinal_labels);
}

#[test]
fn a_lead_edits_and_adds_labels_from_the_app() {
    let (d, s) = app();
    let labels = ["cat", "dog"].map(String::from);
    s.create(&d.path().join("p"), &labels, false)
        .expect("create");
    s.add_annotator("lee", Role::Lead).expect("lead");
    s.add_annotator("ana", Role::Annotator).expect("ana");
    let edit = LabelEditRequest {
        name: "cat".into(),
        hotkey: Some("c".into()),
        color: None,
        guideline: Some("whiskers".into()),
        examples: None,
    };
    let e = s.edit_label(&edit, "ana").expect_err("an annotator");
    assert_eq!(e.code, ErrorCode::InvalidInput);
    let now = s.edit_label(&edit, "lee").expect("edit");
    assert_eq!(
        (now[0].hotkey.as_deref(), now[0].guideline.as_deref()),
        (Some("c"), Some("whiskers"))
    );
    // "" clears; null keeps.
    let cleared = s
        .edit_label(
            &LabelEditRequest {
                name: "cat".into(),
                hotkey: None,
                color: None,
                guideline: Some(String::new()),
                examples: None,
            },
            "lee",
        )
        .expect("clear");
    assert_eq!(
        (
            cleared[0].hotkey.as_deref(),
            cleared[0].guideline.as_deref()
        ),
        (Some("c"), None)
    );
    let all = s
        .add_labels(&["fox".into(), " ".into()], "lee")
        .expect("add");
    assert_eq!(
        all.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(),
        ["cat", "dog", "fox"]
    );
    assert_eq!(s.current().expect("info").expect("open").labels.len(), 3);

    // Reasons: a lead adds and retires them; each change is a schema version.
    let v0 = s.guidelines().expect("guidelines").schema_version;
    let e = s
        .add_reason("blurry", "Out of focus", "ana")
        .expect_err("an annotator");
    assert!(e.message.contains("only a lead"), "{}", e.message);
    let now = s.add_reason("blurry", "Out of focus", "lee").expect("add");
    assert!(now.iter().any(|r| r.code == "blurry"));
    let now = s.retire_reason("other", "lee").expect("retire");
    assert!(!now.iter().any(|r| r.code == "other"));
    assert!(!s
        .reasons()
        .expect("reasons")
        .iter()
        .any(|r| r.code == "other"));
    let g = s.guidelines().expect("guidelines");
    assert_eq!(g.schema_version, v0 + 2);
    assert_eq!(g.retired_reasons, ["other"]);
}

#[test]
fn an_import_can_be_cancelled_from_another_thread_and_writes_nothing() {
    let (d, s) = app();
    s.create(&d.path().join("p"), &[], false).expect("create");
    assert!(!s.cancel_import(), "nothing runs yet");
    let req = ImportRequest {
        source: fixtures()
            .join("digits/manifest.csv")
            .to_string_lossy()
            .into_owned(),
        name: None,
        id_col: None,
        path_col: None,
        label_col: None,
        features: None,
        text_col: None,
        labels_from_data: None,
    };
    // Cancel from the progress callback's first report, as the UI's button would mid-run.
    let mut cancelled = false;
    let out = s.import(&req, &mut |_| {
        if !cancelled {
            cancelled = s.cancel_import();
        }
    });
    assert!(cancelled, "the running import must be cancellable");
    assert_eq!(out.err().map(|e| e.code), Some(ErrorCode::Cancelled));
    assert!(s.datasets().expect("ds").is_empty());
    // The slot is free again: the next import runs.
    assert_eq!(s.import(&req, &mut |_| {}).expect("import").items, 1797);
}

#[test]
fn an_export_reports_its_files_and_can_be_cancelled_leaving_nothing() {
    let (d, s) = app();
    s.create(&d.path().join("p"), &[], false).expect("create");
    import(&s, &fixtures().join("digits/manifest.csv")).expect("import");
    assert!(!s.cancel_export(), "nothing runs yet");
    let out = d.path().join("folder");
    let req = ExportRequest {
        out: out.to_string_lossy().into_owned(),
        format: ExportFormat::ImageFolder,
        dataset: None,
        run: None,
        only_decided: false,
        min_agreement: None,
        exclude_reasons: vec![],
        validation_share: None,
        seed: 0,
        allow_below_target: false,
    };
    // Cancel after ten files, as the UI's button would mid-export.
    let mut cancelled = false;
    let mut last = None;
    let e = s
        .export(&req, &mut |p| {
            last = Some(p);
            if p.stage == ExportStage::Linking && p.done == 10 {
                cancelled = s.cancel_export();
            }
        })
        .expect_err("cancelled");
    assert!(cancelled, "the running export must be cancellable");
    assert_eq!(e.code, ErrorCode::Cancelled);
    assert_eq!(
        last.map(|p| (p.stage, p.done)),
        Some((ExportStage::Linking, 10))
    );
    assert!(!out.exists(), "the new folder is removed again");
    // The slot is free again: the next export runs to the last file.
    let mut linked = None;
    let done = s
        .export(&req, &mut |p| {
            if p.stage == ExportStage::Linking {
                linked = Some((p.done, p.total));
            }
        })
        .expect("export");
    assert_eq!(done.rows, 1797);
    assert_eq!(linked, Some((1797, 1797)));
    assert!(out.join("lineage.json").is_file());
}

#[test]
fn models_runs_and_predictions_through_the_app_state() {
    let (d, s) = app();
    s.create(&d.path().join("p"), &[], false).expect("create");
    import(&s, &fixtures().join("digits/manifest.csv")).expect("import");
    let req = AddModelRequest {
        file: fixtures()
            .join("models/digits_logits.onnx")
            .to_string_lossy()
            .into_owned(),
        name: Some("cnn".into()),
        labels_file: None,
        size: Some(" ".into()),
        layout: None,
        color: None,
        scale: None,
        mean: Some(vec![]),
        std: None,
        output: Some(OutputChoice::Auto),
        decode: None,
        tokenizer: None,
    };
    let m = s.add_model(&req).expect("add");
    assert_eq!(
        (m.name.as_str(), m.kind.as_str(), m.output_kind.as_str()),
        ("cnn", "image", "logits")
    );
    assert_eq!(m.preprocess.width, Some(8));
    assert_eq!(m.preprocess.layout.map(Layout::as_str), Some("nchw"));
    assert_eq!(m.preprocess.color.map(Color::as_str), Some("gray"));
    assert_eq!(m.preprocess.decode.map(Decode::as_str), Some("full"));
    assert_eq!(s.models().expect("models").len(), 1);
    let bad = s
        .add_model(&AddModelRequest {
            size: Some("big".into()),
            ..req.clone()
        })
        .expect_err("size");
    assert_eq!(bad.code, ErrorCode::InvalidInput);

    let mut reports = Vec::new();
    let run = s
        .start_run(
            &RunRequest {
                model: "cnn".into(),
                dataset: "digits".into(),
                batch_size: 256,
                device: Device::Auto,
                resume: None,
                decode: None,
                cuda_device: None,
                gpu_mem_limit: None,
                cudnn_conv_search: None,
            },
            &mut |p| reports.push(p),
        )
        .expect("run");
    assert_eq!(
        (run.items, run.failed, run.status.as_str()),
        (1797, 0, "done")
    );
    assert_eq!(run.provider, "CPUExecutionProvider");
    assert!(run
        .notice
        .as_deref()
        .is_some_and(|n| n.contains("running on CPU")));
    // CUDA settings: a bad memory limit, and settings on a CPU run, are refused as bad input.
    let cuda_req = RunRequest {
        model: "cnn".into(),
        dataset: "digits".into(),
        batch_size: 256,
        device: Device::Auto,
        resume: None,
        decode: None,
        cuda_device: Some(1),
        gpu_mem_limit: Some("4XB".into()),
        cudnn_conv_search: Some(ConvSearch::Heuristic),
    };
    let bad = s.start_run(&cuda_req, &mut |_| {}).expect_err("unit");
    assert_eq!(bad.code, ErrorCode::InvalidInput);
    assert!(
        bad.message.contains("unknown unit \"XB\""),
        "{}",
        bad.message
    );
    let bad = s
        .start_run(
            &RunRequest {
                device: Device::Cpu,
                gpu_mem_limit: Some(" 4GiB ".into()),
                ..cuda_req.clone()
            },
            &mut |_| {},
        )
        .expect_err("cpu");
    assert_eq!(bad.code, ErrorCode::InvalidInput);
    assert!(
        bad.message
            .contains("CUDA settings (device 1, memory limit 4 GiB, cuDNN search heuristic)"),
        "{}",
        bad.message
    );
    assert_eq!(
        reports.last().map(|p| (p.done, p.total)),
        Some((1797, 1797))
    );
    assert!(reports.iter().all(|p| p.provider == "CPUExecutionProvider"));
    assert_eq!(s.runs().expect("runs")[0].run, run.run);

    let q = ItemQuery {
        version_id: run.version_id,
        offset: 0,
        limit: 20,
        label: None,
        run: Some(run.run),
        predicted: None,
        sort: ItemSort::ConfidenceAsc,
        ..Default::default()
    };
    let page = s.items(&q).expect("items");
    let conf: Vec<f32> = page
        .items
        .iter()
        .map(|i| i.confidence.expect("confidence"))
        .collect();
    assert!(
        conf.windows(2).all(|w| w[0] <= w[1]),
        "least confident first: {conf:?}"
    );
    let p = s
        .item_prediction(run.run, page.items[0].rowid)
        .expect("prediction")
        .expect("some");
    assert_eq!(p.predicted, page.items[0].predicted);
    assert_eq!(p.top.len(), 10);
    assert!(p.top.windows(2).all(|w| w[0].1 >= w[1].1));
    assert_eq!(Some(p.top[0].1), p.confidence);
    assert!(!s.cancel_run(), "nothing runs now");
}

#[test]
fn a_second_window_on_the_same_project_is_refused() {
    let (d, first) = app();
    let proj = d.path().join("p");
    first.create(&proj, &[], false).expect("create");
    let second = AppState::new(d.path().join("config2"));
    let e = second.open(&proj).expect_err("locked");
    assert_eq!(e.code, ErrorCode::ProjectLocked);
    assert!(
        e.message.contains("another Arbiter window"),
        "{}",
        e.message
    );
    // Reopening in the same window is fine; closing frees it for the other.
    first.open(&proj).expect("reopen in the same window");
    first.close();
    second.open(&proj).expect("now free");
    // A server (not a window) opens the project beside the window that holds it, and leaves
    // the window's lock and recent list alone.
    let served = AppState::new(d.path().join("config3"));
    served.open_served(&proj).expect("served beside the window");
    assert!(served.recent().is_empty());
    let third = AppState::new(d.path().join("config4"));
    assert_eq!(
        third
            .open(&proj)
            .expect_err("still held by the window")
            .code,
        ErrorCode::ProjectLocked
    );
}

#[test]
fn recent_projects_are_remembered_most_recent_first() {
    let (d, s) = app();
    let a = d.path().join("a");
    let b = d.path().join("b");
    s.create(&a, &[], false).expect("a");
    s.create(&b, &[], false).expect("b");
    s.open(&a).expect("reopen a");
    let names: Vec<String> = s.recent().into_iter().map(|r| r.name).collect();
    assert_eq!(names, ["a", "b"]);
    std::fs::remove_file(b.join(arbiter_core::store::DB_FILE)).expect("rm");
    let recent = s.recent();
    assert!(recent[0].exists && !recent[1].exists);
    assert!(
        recent[0].opened_at.ends_with('Z') && recent[0].opened_at.len() == 20,
        "{}",
        recent[0].opened_at
    );
    let e = s.open(&b).expect_err("gone");
    assert_eq!(e.code, ErrorCode::NoProject);
}

#[test]
fn the_review_flow_through_the_app_state() {
    let (d, s) = app();
    s.create(&d.path().join("p"), &[], false).expect("create");
    import(&s, &fixtures().join("digits/manifest.csv")).expect("import");
    s.add_model(&model_request("digits_logits.onnx", "cnn"))
        .expect("add");
    let run = s
        .start_run(
            &RunRequest {
                model: "cnn".into(),
                dataset: "digits".into(),
                batch_size: 256,
                device: Device::Cpu,
                resume: None,
                decode: None,
                cuda_device: None,
                gpu_mem_limit: None,
                cudnn_conv_search: None,
            },
            &mut |_| {},
        )
        .expect("run");
    for (n, r) in [
        ("ana", Role::Annotator),
        ("ben", Role::Annotator),
        ("rev", Role::Reviewer),
    ] {
        s.add_annotator(n, r).expect("annotator");
    }
    assert_eq!(s.reasons().expect("reasons")[0].code, "model_wrong");
    let below = s.count_below(run.run, 0.99, false).expect("below");
    assert_eq!(below.total, 1797);
    assert!(below.below > 0 && below.below < 1797);
    let mk = |name: &str, blind: bool, k: u32| CreateQueueRequest {
        name: name.into(),
        run: run.run,
        strategy: Strategy::LeastConfidence,
        other_run: None,
        threshold: Some(0.99),
        seed: 1,
        limit: Some(10),
        overlap_share: if k > 1 { 1.0 } else { 0.0 },
        overlap_k: k,
        blind,
        assign: vec![],
        gold: None,
        calibration: None,
        alpha: None,
        calibrated: None,
    };
    let open_q = s.create_queue(&mk("open", false, 2)).expect("queue");
    assert_eq!(open_q.counts.total, 10);
    assert!(open_q.assignees.is_empty());
    // A queue split between ana and ben: each item goes to one of them, nobody else gets any.
    let split = s
        .create_queue(&CreateQueueRequest {
            assign: vec![" ana".into(), "ben ".into(), "".into()],
            gold: None,
            ..mk("split", false, 1)
        })
        .expect("split queue");
    assert_eq!(split.assignees, ["ana", "ben"]);
    assert_eq!(
        s.queues()
            .expect("queues")
            .iter()
            .find(|q| q.id == split.id)
            .map(|q| q.assignees.len()),
        Some(2)
    );
    let for_ana = s.next_items(split.id, "ana", 8).expect("ana's");
    let for_ben = s.next_items(split.id, "ben", 8).expect("ben's");
    assert!(!for_ana.is_empty() && !for_ben.is_empty());
    assert_eq!(for_ana.len() + for_ben.len(), 10);
    assert!(for_ana
        .iter()
        .all(|i| for_ben.iter().all(|j| j.rowid != i.rowid)));
    assert!(s.next_items(split.id, "rev", 8).expect("rev's").is_empty());
    s.release_queue(split.id, "ana").expect("release");
    s.release_queue(split.id, "ben").expect("release");
    let e = s
        .create_queue(&CreateQueueRequest {
            assign: vec!["ana".into()],
            gold: None,
            ..mk("too-few", false, 2)
        })
        .expect_err("k = 2 needs two people");
    assert_eq!(e.code, ErrorCode::InvalidInput);
    let blind_q = s.create_queue(&mk("blind", true, 1)).expect("blind queue");
    let items = s.next_items(open_q.id, "ana", 2).expect("next");
    assert_eq!(items.len(), 2);
    assert!(items[0].prediction.is_some() && items[0].given.is_some());
    assert!(items[0].score >= items[1].score, "least confident first");
    let blind = s.next_items(blind_q.id, "ana", 1).expect("blind next");
    assert!(
        blind[0].prediction.is_none() && blind[0].given.is_none() && blind[0].others.is_empty()
    );

    let label = |who: &str, rowid: i64, l: &str| {
        s.annotate(&AnnotateRequest {
            rowid,
            annotator: who.into(),
            kind: EventKind::Label,
            label: Some(l.into()),
            flag: None,
            reason: None,
            note: None,
            seconds: Some(0.8),
            prediction_shown: true,
            source: AnnotationSource::Manual,
            queue: Some(open_q.id),
            run: Some(run.run),
        })
    };
    let first = items[0].rowid;
    label("ana", first, "3").expect("ana");
    // A reviewer in the queue sees ana's vote…
    let for_rev = s.next_items(open_q.id, "rev", 1).expect("rev");
    assert_eq!(for_rev[0].rowid, first);
    assert_eq!(
        for_rev[0]
            .others
            .iter()
            .map(|v| v.annotator.as_str())
            .collect::<Vec<_>>(),
        ["ana"]
    );
    s.release_queue(open_q.id, "rev").expect("release");
    // …but ben, an annotator, gets the item without it (an annotator never sees the other
    // votes of an item waiting for votes, blind queue or not), and disagrees: a conflict.
    let for_ben = s.next_items(open_q.id, "ben", 1).expect("ben");
    assert_eq!(for_ben[0].rowid, first);
    assert!(for_ben[0].others.is_empty(), "{:?}", for_ben[0].others);
    assert!(for_ben[0].prediction.is_some(), "the queue is not blind");
    let r = label("ben", first, "5").expect("ben");
    assert_eq!(r.decision.status.as_str(), "conflict");
    let conflicts = s.conflicts(false).expect("conflicts");
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].decision.votes.len(), 2);
    // What a reviewer weighs beside the votes: the given label and the newest prediction.
    let c = &conflicts[0];
    assert_eq!(c.votes.len(), 2);
    assert_eq!(c.run, Some(run.run));
    assert!(c.given.is_some() && c.predicted.is_some() && c.confidence.is_some());
    assert!(s.conflicts(true).expect("history").is_empty());
    // A reviewer decides it with one override.
    let over = s
        .annotate(&AnnotateRequest {
            rowid: first,
            annotator: "rev".into(),
            kind: EventKind::Label,
            label: Some("5".into()),
            flag: None,
            // Deciding a conflict needs no reason (it corrects no model).
            reason: None,
            note: Some("the loop is open".into()),
            seconds: None,
            prediction_shown: true,
            source: AnnotationSource::Override,
            queue: None,
            run: Some(run.run),
        })
        .expect("override");
    assert_eq!(
        (
            over.decision.status.as_str(),
            over.decision.rule.map(DecisionHow::as_str)
        ),
        ("decided", Some("override"))
    );
    assert_eq!(over.decision.votes[0].reason, None);
    assert!(s.conflicts(false).expect("none").is_empty());
    // The resolved conflict stays in the history, with both votes and the decision.
    let history = s.conflicts(true).expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].decision.label.as_deref(), Some("5"));
    let mut votes: Vec<(&str, &str)> = history[0]
        .votes
        .iter()
        .map(|v| (v.annotator.as_str(), v.label.as_str()))
        .collect();
    votes.sort();
    assert_eq!(votes, [("ana", "3"), ("ben", "5")]);
    // The decision rule: read by anyone, changed only by a lead (and then in force).
    let rule = s.decision_rule().expect("rule");
    assert_eq!((rule.mode.as_str(), rule.min_annotators), ("majority", 1));
    let strict = DecisionRuleDto {
        mode: DecisionMode::Unanimous,
        min_annotators: 3,
    };
    let e = s.set_decision_rule(&strict, "rev").expect_err("not a lead");
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(e.message.contains("only a lead"), "{}", e.message);
    // An unknown mode is refused where the request is read, with the core's message.
    let e = serde_json::from_value::<DecisionRuleDto>(serde_json::json!({
        "mode": "most",
        "minAnnotators": 2,
    }))
    .expect_err("no such mode");
    assert!(
        e.to_string().contains("majority, unanimous or dawid-skene"),
        "{e}"
    );
    s.add_annotator("lea", Role::Lead).expect("lead");
    let set = s.set_decision_rule(&strict, "lea").expect("set");
    assert_eq!((set.mode.as_str(), set.min_annotators), ("unanimous", 3));
    assert_eq!(s.decision_rule().expect("rule").min_annotators, 3);
    assert_eq!(s.decision(first).expect("d").votes_needed, 3);
    // By annotator quality: the decision carries its posterior (a camelCase wire name).
    let ds = DecisionRuleDto {
        mode: DecisionMode::DawidSkene,
        min_annotators: 1,
    };
    let set = s.set_decision_rule(&ds, "lea").expect("set");
    assert_eq!(set.mode.as_str(), "dawid-skene");
    let by_quality = s.decision(first).expect("decision");
    let posterior = by_quality.posterior.as_ref().expect("posterior");
    assert!(!posterior.is_empty());
    let sum: f64 = posterior.iter().map(|p| p.probability).sum();
    assert!((sum - 1.0).abs() < 1e-9, "{sum}");
    let wire = serde_json::to_value(&by_quality).expect("json");
    assert_eq!(wire["posterior"][0]["label"], posterior[0].label.as_str());
    assert_eq!(
        wire["probability"],
        serde_json::json!(by_quality.probability)
    );
    s.set_decision_rule(
        &DecisionRuleDto {
            mode: DecisionMode::Majority,
            min_annotators: 1,
        },
        "lea",
    )
    .expect("back to the default");
    // Undo takes ana's label back.
    let bad = label("ana", items[1].rowid, "7").expect("second");
    assert_eq!(
        s.undo("ana", Some(open_q.id)).expect("undo"),
        Some(bad.annotation)
    );
    let prog = s.progress(open_q.id, "ana").expect("progress");
    assert_eq!(prog.counts.done, 1);
    assert_eq!(
        (prog.last_hour, prog.labeled),
        (1, 1),
        "the undone label does not count"
    );
    s.release_queue(open_q.id, "ana").expect("release");

    // The dashboard's report and history, and an export with a live preview.
    let report = serde_json::to_value(s.report(Some(run.run)).expect("report")).expect("json");
    assert_eq!(report["progress"]["decided"], 1);
    assert!(report["agreement"]["krippendorff_alpha"].is_object());
    assert_eq!(report["model_quality"]["run"], run.run);
    assert_eq!(report["ordinal_labels"], false);
    assert_eq!(report["agreement"]["scale"], "nominal");
    assert!(report["annotators"][0]["vs_reviewers"].is_object());
    assert!(report["activity"]["labels"].is_array());
    let history = s.agreement_history().expect("history");
    assert_eq!(history.len(), 1);
    // Only a lead marks the labels ordinal.
    let refused = s.set_ordinal_labels("ana", true).expect_err("an annotator");
    assert_eq!(refused.code, ErrorCode::InvalidInput);
    assert!(
        refused.message.contains("only a lead"),
        "{}",
        refused.message
    );
    s.add_annotator("lee", Role::Lead).expect("lead");
    assert!(s.set_ordinal_labels("lee", true).expect("set"));
    let report = serde_json::to_value(s.report(Some(run.run)).expect("report")).expect("json");
    assert_eq!(report["ordinal_labels"], true);
    assert_eq!(
        report["agreement"]["scale"], "interval",
        "digit labels are numbers"
    );
    assert!(!s.set_ordinal_labels("lee", false).expect("unset"));
    let out = d.path().join("export.csv");
    let req = ExportRequest {
        out: out.to_string_lossy().into_owned(),
        format: ExportFormat::Csv,
        dataset: None,
        run: Some(run.run),
        only_decided: true,
        min_agreement: None,
        exclude_reasons: vec![],
        validation_share: None,
        seed: 0,
        allow_below_target: false,
    };
    let preview = s.export_preview(&req).expect("preview");
    assert_eq!(preview.rows, 1);
    assert_eq!(preview.labels.get("5"), Some(&1));
    let done = s.export(&req, &mut |_| {}).expect("export");
    assert_eq!(done.rows, 1);
    assert_eq!(done.run, Some(run.run));
    assert!(done.skipped.is_empty());
    assert!(out.is_file() && Path::new(&done.lineage).is_file());
    // An image folder's count is in files, and is what its export then writes.
    let folder = ExportRequest {
        format: ExportFormat::ImageFolder,
        out: d.path().join("folder").to_string_lossy().into_owned(),
        ..req.clone()
    };
    let counted = s.export_preview(&folder).expect("preview");
    let written = s.export(&folder, &mut |_| {}).expect("export");
    assert_eq!(
        (counted.rows, &counted.labels, &counted.skipped),
        (written.rows, &written.labels, &written.skipped)
    );
    assert_eq!(written.rows, 1, "one decided item, one file");
    // A filter the project does not know is refused by name, for the count and the export.
    let bad = ExportRequest {
        exclude_reasons: vec!["bad_inptu".into()],
        out: d.path().join("bad.csv").to_string_lossy().into_owned(),
        ..req.clone()
    };
    for e in [
        s.export_preview(&bad).map(|_| ()).expect_err("refused"),
        s.export(&bad, &mut |_| {})
            .map(|_| ())
            .expect_err("refused"),
    ] {
        assert_eq!(e.code, ErrorCode::InvalidInput);
        assert!(
            e.message
                .contains("\"bad_inptu\": not one of the project's reason codes"),
            "{}",
            e.message
        );
    }
    assert!(!d.path().join("bad.csv").exists());
    assert_eq!(done.folder, d.path().to_string_lossy());

    // An agreement target gates the export: only a lead sets it; the annotators disagreed
    // above, so the target fails and the export is refused with its own code until the
    // screen's override is ticked.
    let target = AgreementTarget {
        statistic: TargetStatistic::PercentAgreement,
        min: 0.8,
        on: TargetOn::Estimate,
    };
    assert!(s.agreement_target().expect("none").is_none());
    let e = s
        .set_agreement_target(Some(target), "ana")
        .expect_err("not a lead");
    assert!(e.message.contains("only a lead"), "{}", e.message);
    let bad_min = AgreementTarget { min: 1.5, ..target };
    let e = s
        .set_agreement_target(Some(bad_min), "lee")
        .expect_err("range");
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(s.agreement_target().expect("still none").is_none());
    let v = s
        .set_agreement_target(Some(target), "lee")
        .expect("set")
        .expect("verdict");
    assert_eq!(v.status, TargetStatus::Fail);
    assert!(v.summary.starts_with("fail"), "{}", v.summary);
    let gated = ExportRequest {
        out: d.path().join("gated.csv").to_string_lossy().into_owned(),
        ..req.clone()
    };
    let preview = s.export_preview(&gated).expect("preview");
    assert_eq!(preview.target.map(|t| t.status), Some(TargetStatus::Fail));
    let e = s
        .export(&gated, &mut |_| {})
        .map(|_| ())
        .expect_err("gated");
    assert_eq!(e.code, ErrorCode::BelowTarget);
    assert!(!d.path().join("gated.csv").exists());
    let allowed = ExportRequest {
        allow_below_target: true,
        ..gated.clone()
    };
    let done = s.export(&allowed, &mut |_| {}).expect("allowed");
    assert_eq!(done.target_export.as_deref(), Some("allowed_below_target"));
    let report = s.report(None).expect("report");
    assert_eq!(report.target.map(|t| t.status), Some(TargetStatus::Fail));
    assert!(s
        .set_agreement_target(None, "lee")
        .expect("clear")
        .is_none());

    // Escalation: ana labels an item of the blind queue and is unsure of it; a reviewer sees it
    // escalated and sends it back with a note; ana is served it again, with the note.
    let ev = |rowid: i64,
              kind: EventKind,
              label: Option<&str>,
              flag: Option<Flag>,
              note: Option<&str>| {
        s.annotate(&AnnotateRequest {
            rowid,
            annotator: "ana".into(),
            kind,
            label: label.map(str::to_string),
            flag,
            reason: None,
            note: note.map(str::to_string),
            seconds: None,
            prediction_shown: false,
            source: AnnotationSource::Manual,
            queue: Some(blind_q.id),
            run: None,
        })
    };
    let it = s.next_items(blind_q.id, "ana", 1).expect("blind")[0].rowid;
    ev(it, EventKind::Label, Some("5"), None, None).expect("label");
    ev(
        it,
        EventKind::Flag,
        None,
        Some(Flag::Unsure),
        Some("a 5 or a 6?"),
    )
    .expect("flag");
    let esc = s.escalations().expect("escalations");
    let mine = esc
        .iter()
        .find(|e| e.decision.rowid == it)
        .expect("escalated");
    assert_eq!(mine.reasons, ["unsure"]);
    assert_eq!(mine.flags[0].note.as_deref(), Some("a 5 or a 6?"));
    let send = |rowid: i64, actor: &str| EscalationRequest {
        rowid,
        actor: actor.into(),
        verb: EscalationVerb::SendBack,
        label: None,
        reason: None,
        note: Some("look at the top stroke".into()),
        to: None,
    };
    let e = s
        .act_on_escalation(&send(it, "ana"))
        .expect_err("an annotator");
    assert!(
        e.message.contains("only reviewers and leads"),
        "{}",
        e.message
    );
    // An item nobody labeled: nothing to send back.
    let unlabeled = (1..100)
        .find(|r| s.decision(*r).is_ok_and(|d| d.votes.is_empty()))
        .expect("an unlabeled item");
    let e = s
        .act_on_escalation(&send(unlabeled, "rev"))
        .expect_err("not labeled");
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(e.message.contains("nothing was written"), "{}", e.message);
    let after = s.act_on_escalation(&send(it, "rev")).expect("send back");
    assert!(after.iter().all(|e| e.decision.rowid != it));
    let notes = s.sent_back_notes("ana").expect("notes");
    assert_eq!(notes.len(), 1);
    assert_eq!((notes[0].rowid, notes[0].by.as_str()), (it, "rev"));
    let again = s.next_items(blind_q.id, "ana", 10).expect("again");
    let back = again.iter().find(|i| i.rowid == it).expect("served again");
    assert_eq!(
        back.sent_back.as_ref().map(|n| n.note.as_str()),
        Some("look at the top stroke")
    );
    s.release_queue(blind_q.id, "ana").expect("release");

    // A guideline with an example: the Review screen gets its row for the thumbnail.
    s.edit_label(
        &LabelEditRequest {
            name: "3".into(),
            hotkey: None,
            color: None,
            guideline: Some("a closed top".into()),
            examples: Some(vec![items[0].item_id.clone()]),
        },
        "lee",
    )
    .expect("edit");
    let g = s.guidelines().expect("guidelines");
    let three = g.labels.iter().find(|l| l.name == "3").expect("3");
    assert_eq!(three.guideline.as_deref(), Some("a closed top"));
    assert_eq!(three.examples.len(), 1);
    assert_eq!(three.examples[0].rowid, Some(items[0].rowid));
    let report = s.report(None).expect("report");
    assert_eq!(report.schema_version, g.schema_version);
    assert_eq!(report.guideline_periods.len(), 2);

    // The annotation events, as `arbiter annotations export` writes them: one JSON line each.
    let events_out = d.path().join("events.jsonl");
    let written = s
        .export_annotations(&events_out.to_string_lossy())
        .expect("events");
    assert_eq!(written.folder, d.path().to_string_lossy());
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&events_out)
        .expect("read")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect();
    assert_eq!(lines.len() as u64, written.events);
    let by = |who: &str| lines.iter().filter(|e| e["annotator"] == who).count();
    assert!(
        by("ana") >= 2 && by("ben") >= 1 && by("rev") >= 1,
        "{lines:?}"
    );
    // ana's undone label is there, and so is the event that took it back.
    assert!(lines.iter().any(|e| e["label"] == "7"));
    assert!(lines.iter().any(|e| !e["retracts"].is_null()));
    // Refused, with nothing written: another format, an empty path, the project's own database.
    let e = s
        .export_annotations(&d.path().join("events.parquet").to_string_lossy())
        .expect_err("not csv or jsonl");
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(!d.path().join("events.parquet").exists());
    assert_eq!(
        s.export_annotations("  ").expect_err("no path").code,
        ErrorCode::InvalidInput
    );
    let db = d.path().join("p").join("arbiter.db");
    let e = s
        .export_annotations(&db.to_string_lossy())
        .expect_err("the project's own database");
    assert_eq!(e.code, ErrorCode::InvalidInput, "{}", e.message);
    assert_eq!(
        s.report(Some(run.run))
            .expect("still a project")
            .progress
            .decided,
        1
    );
}

#[test]
fn a_lead_invites_lists_and_revokes_browser_access() {
    let (d, s) = app();
    s.create(&d.path().join("p"), &["cat".into(), "dog".into()], false)
        .expect("create");
    let inv = s
        .invite_annotator(&InviteRequest {
            name: "ana".into(),
            role: None,
            expires: "2d".into(),
            url: Some("http://10.0.0.7:8765".into()),
        })
        .expect("invite");
    assert_eq!(inv.annotator, "ana");
    assert_eq!(inv.role, Role::Annotator);
    assert_eq!(
        inv.url,
        format!("http://10.0.0.7:8765/signin#token={}", inv.token)
    );
    let listed = s.list_access().expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].kind.as_str(), listed[0].status.as_str()),
        ("invite", "active")
    );
    // A bad expiry is refused with the core's message, and writes nothing.
    let e = s
        .invite_annotator(&InviteRequest {
            name: "ben".into(),
            role: Some(Role::Reviewer),
            expires: "soon".into(),
            url: None,
        })
        .expect_err("bad expiry");
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(e.message.contains("--expires"), "{}", e.message);
    assert_eq!(s.list_access().expect("list").len(), 1);
    let r = s.revoke_access("ana").expect("revoke");
    assert_eq!((r.invites, r.sessions), (1, 0));
    assert_eq!(s.list_access().expect("list")[0].status, "revoked");
    assert_eq!(
        s.revoke_access("nobody").expect_err("unknown").code,
        ErrorCode::NotFound
    );
}

#[test]
fn gold_answers_are_shown_to_whom_may_see_them_in_the_app_as_over_http() {
    use crate::handlers;
    let (d, s) = app();
    s.create(&d.path().join("p"), &[], false).expect("create");
    import(&s, &fixtures().join("digits/manifest.csv")).expect("import");
    for (n, r) in [
        ("ana", Role::Annotator),
        ("rev", Role::Reviewer),
        ("lea", Role::Lead),
    ] {
        s.add_annotator(n, r).expect("annotator");
    }
    let version = s.datasets().expect("datasets")[0].versions[0].id;
    let query = |label: Option<&str>| ItemQuery {
        version_id: version,
        offset: 0,
        limit: 50,
        label: label.map(str::to_string),
        sort: ItemSort::Source,
        ..Default::default()
    };
    let who = |n: &str| Some(n.to_string());
    // Without gold, everyone browses the given labels.
    let page = handlers::list_items(&s, query(None), None).expect("page");
    assert!(!page.labels_hidden && page.items.iter().all(|i| i.label.is_some()));
    s.add_gold(
        &AddGoldRequest {
            source: GoldSource::Given,
            dataset: None,
            share: None,
            count: Some(20),
            seed: 3,
        },
        "lea",
    )
    .expect("gold");
    // With gold: an annotator, or nobody named, sees no given labels and cannot filter by them.
    for viewer in [None, who("ana"), who("someone-unknown")] {
        let page = handlers::list_items(&s, query(Some("3")), viewer.clone()).expect("page");
        assert!(page.labels_hidden, "{viewer:?}");
        assert_eq!(page.total, 1797, "{viewer:?}: the label filter is ignored");
        assert!(page
            .items
            .iter()
            .all(|i| i.label.is_none() && i.final_label.is_none() && i.review.is_none()));
        let rowid = page.items[0].rowid;
        let item = handlers::get_item(&s, rowid, viewer.clone()).expect("item");
        assert!(item.labels_hidden && item.label.is_none(), "{viewer:?}");
        // The digits' paths name their label's folder (`images/3/…`).
        assert!(item.path.is_none() && item.abs_path.is_none(), "{item:?}");
    }
    // A reviewer and a lead see them.
    for viewer in [who("rev"), who("lea")] {
        let page = handlers::list_items(&s, query(Some("3")), viewer.clone()).expect("page");
        assert!(!page.labels_hidden, "{viewer:?}");
        assert!(page.total < 1797 && page.items.iter().all(|i| i.label.as_deref() == Some("3")));
        let item = handlers::get_item(&s, page.items[0].rowid, viewer).expect("item");
        assert_eq!(item.label.as_deref(), Some("3"));
        assert!(
            item.path
                .as_deref()
                .is_some_and(|p| p.starts_with("images/3/")),
            "{item:?}"
        );
    }
    // The report's gold details (each annotator's missed items, with the answers): a lead's.
    let gold = s.list_gold(None).expect("gold");
    let row = handlers::list_items(
        &s,
        ItemQuery {
            search: Some(gold[0].item_id.clone()),
            ..query(None)
        },
        who("lea"),
    )
    .expect("row")
    .items[0]
        .rowid;
    let wrong = if gold[0].label == "0" { "1" } else { "0" };
    s.annotate(&AnnotateRequest {
        rowid: row,
        annotator: "ana".into(),
        kind: EventKind::Label,
        label: Some(wrong.into()),
        flag: None,
        reason: None,
        note: None,
        seconds: Some(1.0),
        prediction_shown: false,
        source: AnnotationSource::Manual,
        queue: None,
        run: None,
    })
    .expect("label");
    let lead = handlers::project_report(&s, None, who("lea")).expect("report");
    assert_eq!(lead.gold.annotators.len(), 1);
    assert_eq!(lead.gold.annotators[0].missed[0].gold, gold[0].label);
    for viewer in [None, who("ana"), who("rev")] {
        let r = handlers::project_report(&s, None, viewer.clone()).expect("report");
        assert!(r.gold.annotators.is_empty(), "{viewer:?}");
    }
}

#[test]
fn predictions_made_elsewhere_import_from_the_app_as_a_run() {
    let (d, s) = app();
    s.create(&d.path().join("p"), &[], false).expect("create");
    import(&s, &fixtures().join("digits/manifest.csv")).expect("import");
    let file = d.path().join("hosted.csv");
    std::fs::write(
        &file,
        "item_id,predicted,confidence\ndigit_0000,0,0.91\ndigit_0001,1,0.55\ndigit_0002,7,0.3\n",
    )
    .expect("write");
    let req = |normalize: bool| ImportPredictionsRequest {
        file: file.to_string_lossy().into_owned(),
        name: "hosted".into(),
        version: Some(" ".into()),
        dataset: None,
        normalize,
    };
    let got = s.import_predictions(&req(false)).expect("import");
    assert_eq!((got.rows, got.failed, got.items_without), (3, 0, 1794));
    assert_eq!(got.columns, "predicted_confidence");
    let run = s
        .runs()
        .expect("runs")
        .into_iter()
        .find(|r| r.run == got.run)
        .expect("the run");
    assert_eq!((run.provider.as_str(), run.items), ("imported", 3));
    let model = s
        .models()
        .expect("models")
        .into_iter()
        .find(|m| m.name == "hosted")
        .expect("model");
    assert_eq!(
        model.imported_from.as_deref(),
        Some(&*file.to_string_lossy())
    );
    // A refused file: the problem named, nothing more written.
    std::fs::write(
        &file,
        "item_id,predicted,confidence\ndigit_0000,0,0.91\ndigit_9999,1,0.55\n",
    )
    .expect("write");
    let e = s.import_predictions(&req(false)).expect_err("unknown item");
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(
        e.message
            .contains("row 2 (line 3): item \"digit_9999\" is not in digits@1"),
        "{}",
        e.message
    );
    assert_eq!(s.runs().expect("runs").len(), 1);
}

#[test]
fn a_lead_calibrates_a_run_reads_the_risk_curve_and_applies_auto_accept_from_the_app() {
    let (d, s) = app();
    s.create(&d.path().join("p"), &[], false).expect("create");
    import(&s, &fixtures().join("digits/manifest.csv")).expect("import");
    let run = add_and_run(&s, "digits_logits.onnx", "cnn");
    s.add_annotator("lea", Role::Lead).expect("lead");
    s.add_annotator("ana", Role::Annotator).expect("ana");
    let audit = s
        .create_queue(&CreateQueueRequest {
            name: "audit".into(),
            run,
            strategy: Strategy::Random,
            other_run: None,
            threshold: None,
            seed: 3,
            limit: Some(200),
            overlap_share: 0.0,
            overlap_k: 1,
            blind: false,
            assign: vec![],
            gold: None,
            calibration: None,
            alpha: None,
            calibrated: None,
        })
        .expect("queue");
    // Too few decided items yet: refused, with how many more are needed.
    let e = s
        .calibrate_run(run, "audit", "lea")
        .expect_err("empty sample");
    assert_eq!(e.code, ErrorCode::InvalidInput);
    // ana labels the whole audit queue with the given labels.
    loop {
        let items = s.next_items(audit.id, "ana", 8).expect("next");
        if items.is_empty() {
            break;
        }
        for it in items {
            s.annotate(&AnnotateRequest {
                rowid: it.rowid,
                annotator: "ana".into(),
                kind: EventKind::Label,
                label: it.given.clone(),
                flag: None,
                reason: None,
                note: None,
                seconds: Some(1.0),
                prediction_shown: true,
                source: AnnotationSource::Manual,
                queue: Some(audit.id),
                run: Some(run),
            })
            .expect("label");
        }
    }
    let c = s.calibrate_run(run, "audit", "lea").expect("calibrate");
    assert_eq!(
        (c.items, c.bins_before.len(), c.bins_after.len()),
        (200, 10, 10)
    );
    assert!(c.nll_after.expect("nll") <= c.nll_before.expect("nll") + 1e-12);
    // An annotator may not calibrate.
    let e = s.calibrate_run(run, "audit", "ana").expect_err("annotator");
    assert!(e.message.contains("lead"), "{}", e.message);
    let curve = s
        .risk_curve(run, "audit", &[0.001, 0.05, 0.2], 0.1)
        .expect("curve");
    assert_eq!(curve.len(), 3);
    assert_eq!(curve[0].status, "insufficient");
    assert!(curve[0].labels_needed.is_some_and(|n| n > 200));
    let certified = curve
        .iter()
        .find(|r| r.status == "certified")
        .expect("a risk certified");
    assert!(certified.coverage.is_some_and(|c| c > 0.0) && certified.threshold.is_some());
    let applied = s
        .apply_autoaccept(run, "audit", certified.risk, 0.1, false, "lea")
        .expect("apply");
    assert!(applied.applied && applied.accepted == certified.accepted);
    s.revoke_autoaccept("lea").expect("revoke");
    assert_eq!(
        s.revoke_autoaccept("lea")
            .expect_err("nothing in force")
            .code,
        ErrorCode::InvalidInput
    );
}

#[test]
fn a_label_studio_export_imports_from_the_app_as_a_dataset_with_its_people_and_runs() {
    let (d, s) = app();
    s.create(&d.path().join("p"), &[], false).expect("create");
    let req = |file: &std::path::Path| ImportLabelStudioRequest {
        file: file.to_string_lossy().into_owned(),
        dataset: Some(" ".into()),
        images_root: Some(fixtures().join("digits").to_string_lossy().into_owned()),
    };
    let got = s
        .import_labelstudio(&req(
            &fixtures().join("labelstudio/image_classification.json")
        ))
        .expect("import");
    assert_eq!(
        (got.dataset.as_str(), got.items, got.annotations),
        ("image_classification", 4, 5)
    );
    assert_eq!(got.labels, ["3", "5", "8"]);
    assert_eq!(got.runs.len(), 2);
    assert_eq!(got.cancelled, ["task 103 annotation 1005"]);
    assert_eq!(s.runs().expect("runs").len(), 2);
    // A text project's labels are not this project's: refused with the task named, nothing
    // more written.
    let text = fixtures().join("labelstudio/text_classification.json");
    let e = s.import_labelstudio(&req(&text)).expect_err("other labels");
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(
        e.message.contains(
            "task 201: annotations[0].result: label \"positive\" is not in the project's schema"
        ),
        "{}",
        e.message
    );
    assert_eq!(s.runs().expect("runs").len(), 2);
    // Into a project of its own, as the dialog sends it (no images folder): text items.
    s.create(&d.path().join("texts"), &[], false)
        .expect("create");
    let got = s
        .import_labelstudio(&ImportLabelStudioRequest {
            file: text.to_string_lossy().into_owned(),
            dataset: None,
            images_root: None,
        })
        .expect("import texts");
    assert_eq!(
        (got.dataset.as_str(), got.items, got.annotations),
        ("text_classification", 2, 2)
    );
    assert_eq!(got.labels, ["negative", "positive"]);
    assert_eq!(got.runs.len(), 1);
    let datasets = s.datasets().expect("datasets");
    assert!(datasets[0].versions[0].texts, "{datasets:?}");
}
