use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use super::*;
use crate::annotate::{add_annotator, record, Event, NewAnnotation, Role, Source};
use crate::dataset::{self, ImportOptions};
use crate::model::{self, runtime::Device, AddOptions};
use crate::predict::{self, PredictOptions};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// Digits with a run and a few annotations: unanimous, majority, override, conflict, bad input.
fn setup() -> (tempfile::TempDir, Project, i64) {
    let dir = tempfile::tempdir().expect("tmp");
    let mut p = Project::create(&dir.path().join("p"), None, &[]).expect("create");
    let opts = ImportOptions {
        source: fixtures().join("digits/manifest.csv"),
        name: Some("digits".into()),
        ..Default::default()
    };
    dataset::import(&mut p, &opts, &mut |_| {}, &AtomicBool::new(false)).expect("import");
    model::add(
        &mut p,
        &AddOptions {
            file: fixtures().join("models/digits_logits.onnx"),
            ..Default::default()
        },
    )
    .expect("model");
    let run = predict::predict(
        &mut p,
        &PredictOptions {
            model: "digits_logits".into(),
            dataset: "digits".into(),
            batch_size: 512,
            device: Device::Cpu,
            resume: None,
        },
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .expect("run")
    .run;
    for (n, r) in [
        ("ana", Role::Annotator),
        ("ben", Role::Annotator),
        ("cy", Role::Annotator),
        ("rev", Role::Reviewer),
    ] {
        add_annotator(p.conn(), n, r).expect("annotator");
    }
    crate::decide::set_rule(
        p.conn(),
        crate::decide::Rule {
            min_annotators: 2,
            ..Default::default()
        },
        None,
    )
    .expect("rule");
    let v = dataset::resolve(p.conn(), "digits").expect("v").id;
    let mut put = |id: &str, who: &str, label: &str, reason: Option<&str>, source: Source| {
        let item = crate::items::find(p.conn(), v, id).expect("item").rowid;
        record(
            &mut p,
            &NewAnnotation {
                item,
                annotator: who.into(),
                event: Event::Label {
                    label: label.into(),
                },
                reason: reason.map(String::from),
                note: None,
                seconds: Some(2.0),
                prediction_shown: true,
                source,
                queue: None,
                run: Some(run),
                created_at: Some(format!("2026-11-01T10:00:0{}Z", who.len())),
            },
        )
        .expect("record");
    };
    put("digit_0000", "ana", "0", None, Source::Manual);
    put("digit_0000", "ben", "0", None, Source::Manual);
    put("digit_0001", "ana", "1", None, Source::Manual);
    put("digit_0001", "ben", "7", None, Source::Manual);
    put("digit_0001", "cy", "1", None, Source::Manual);
    put("digit_0002", "ana", "2", None, Source::Manual);
    put(
        "digit_0002",
        "rev",
        "3",
        Some("given_label_wrong"),
        Source::Override,
    );
    put("digit_0003", "ana", "3", None, Source::Manual);
    put("digit_0003", "ben", "5", Some("ambiguous"), Source::Manual);
    put("digit_0004", "ana", "4", Some("bad_input"), Source::Manual);
    put("digit_0004", "ben", "4", None, Source::Manual);
    (dir, p, run)
}

fn opts(out: PathBuf, format: Format, run: Option<i64>) -> ExportOptions {
    ExportOptions {
        out,
        format,
        dataset: None,
        run,
        only_decided: false,
        min_agreement: None,
        exclude_reasons: vec![],
        validation_share: None,
        seed: 7,
    }
}

#[test]
fn parquet_export_reads_back_with_final_labels_and_provenance() {
    use polars::prelude::*;
    let (d, p, run) = setup();
    let out = d.path().join("out.parquet");
    let s = export(&p, &opts(out.clone(), Format::Parquet, Some(run))).expect("export");
    assert_eq!(s.rows, 1797);
    let df = ParquetReader::new(std::fs::File::open(&out).expect("open"))
        .finish()
        .expect("read");
    assert_eq!(df.height(), 1797);
    let col = |name: &str| -> Vec<Option<String>> {
        let s = df
            .column(name)
            .expect(name)
            .as_materialized_series()
            .cast(&DataType::String)
            .expect("cast");
        s.str()
            .expect("str")
            .iter()
            .map(|v| v.map(String::from))
            .collect()
    };
    let ids = col("item_id");
    let finals = col("final_label");
    let rules = col("rule");
    let deciders = col("deciders");
    let status = col("status");
    let at = |id: &str| {
        ids.iter()
            .position(|x| x.as_deref() == Some(id))
            .expect("row")
    };
    let check = |id: &str, fin: Option<&str>, rule: Option<&str>, who: Option<&str>, st: &str| {
        let i = at(id);
        assert_eq!(
            (
                finals[i].as_deref(),
                rules[i].as_deref(),
                deciders[i].as_deref(),
                status[i].as_deref()
            ),
            (fin, rule, who, Some(st)),
            "{id}"
        );
    };
    check(
        "digit_0000",
        Some("0"),
        Some("unanimous"),
        Some("ana;ben"),
        "decided",
    );
    check(
        "digit_0001",
        Some("1"),
        Some("majority"),
        Some("ana;cy"),
        "decided",
    );
    check(
        "digit_0002",
        Some("3"),
        Some("override"),
        Some("rev"),
        "decided",
    );
    check("digit_0003", None, None, None, "conflict");
    check("digit_0010", None, None, None, "unannotated");
    // Predictions of the chosen run, and given labels.
    let predicted = col("predicted");
    let (_, preds) = predict::predictions(p.conn(), p.root(), run).expect("preds");
    assert!(preds.iter().zip(&predicted).all(|(x, y)| x.predicted == *y));
    assert_eq!(col("given_label")[at("digit_0002")].as_deref(), Some("2"));
    assert_eq!(
        col("reasons")[at("digit_0002")].as_deref(),
        Some("given_label_wrong")
    );
    // The lineage names the model's sha256 and the dataset version hash.
    let lineage: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(d.path().join("out.parquet.lineage.json")).expect("lineage"),
    )
    .expect("json");
    let m = crate::model::resolve(p.conn(), p.root(), "digits_logits").expect("m");
    assert_eq!(lineage["run"]["model_sha256"], m.sha256.as_str());
    assert_eq!(
        lineage["dataset"]["content_hash"],
        dataset::resolve(p.conn(), "digits")
            .expect("v")
            .content_hash
            .as_str()
    );
    assert_eq!(lineage["rows"], 1797);
    assert_eq!(lineage["decision_rule"]["min_annotators"], 2);
    let audit = crate::audit::recent(p.conn(), 1).expect("audit");
    assert_eq!(audit[0].action, "export");
}

#[test]
fn filters_split_and_byte_identical_re_exports() {
    let (d, p, run) = setup();
    let mut o = opts(d.path().join("a.csv"), Format::Csv, Some(run));
    o.only_decided = true;
    o.exclude_reasons = vec!["bad_input".into()];
    let (_, rows) = rows(&p, &o).expect("rows");
    let ids: Vec<&str> = rows.iter().map(|r| r.item_id.as_str()).collect();
    assert_eq!(
        ids,
        ["digit_0000", "digit_0001", "digit_0002"],
        "decided, without the bad_input item"
    );
    o.min_agreement = Some(0.9);
    let (_, rows) = rows_of(&p, &o);
    assert_eq!(
        rows.iter().map(|r| r.item_id.as_str()).collect::<Vec<_>>(),
        ["digit_0000", "digit_0002"]
    );
    // Same state, same options → the same bytes, for every table format.
    for (f, name) in [
        (Format::Csv, "x.csv"),
        (Format::Jsonl, "x.jsonl"),
        (Format::Parquet, "x.parquet"),
    ] {
        let mut o = opts(d.path().join(name), f, Some(run));
        o.validation_share = Some(0.2);
        export(&p, &o).expect("first");
        let a = std::fs::read(d.path().join(name)).expect("a");
        std::thread::sleep(std::time::Duration::from_millis(5));
        export(&p, &o).expect("second");
        let b = std::fs::read(d.path().join(name)).expect("b");
        assert_eq!(a, b, "{name} differs between two exports");
    }
    // The split is stratified: about 20% of each given label is validation.
    let mut o = opts(d.path().join("s.csv"), Format::Csv, None);
    o.validation_share = Some(0.2);
    let (_, rows) = rows_of(&p, &o);
    for label in ["0", "5", "9"] {
        let of: Vec<&Row> = rows
            .iter()
            .filter(|r| r.final_label.as_deref().or(r.given_label.as_deref()) == Some(label))
            .collect();
        let val = of
            .iter()
            .filter(|r| r.split.as_deref() == Some("validation"))
            .count();
        assert_eq!(
            val,
            (0.2 * of.len() as f64).round() as usize,
            "label {label}"
        );
    }
}

fn rows_of(p: &Project, o: &ExportOptions) -> (crate::dataset::VersionInfo, Vec<Row>) {
    rows(p, o).expect("rows")
}

#[test]
fn imagefolder_cannot_be_made_to_write_outside_its_folder() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("mk");
    let png = fixtures().join("digits/images/0/digit_0000.png");
    let hostile_ids = [
        "../../escape",
        "/abs/olute",
        "a\\\\..\\\\b",
        "..",
        "con",
        "x\u{0}y",
        "same",
        "same",
    ];
    let mut csv = String::from("id,path,label\n");
    for (i, id) in hostile_ids.iter().enumerate() {
        std::fs::copy(&png, data.join(format!("{i}.png"))).expect("cp");
        let label = ["../up", "a/b", "..", "ok", "ok", "ok", "ok", "ok"][i];
        csv.push_str(&format!(
            "\"{}\",{i}.png,{label}\n",
            id.replace('\u{0}', "\u{1}").replace('"', "")
        ));
    }
    // Ids must be unique: the two "same" become same and same2.
    let csv = csv.replacen("\"same\",7.png", "\"same2\",7.png", 1);
    std::fs::write(data.join("m.csv"), csv).expect("w");
    let mut p = Project::create(&dir.path().join("p"), None, &[]).expect("create");
    dataset::import(
        &mut p,
        &ImportOptions {
            source: data.join("m.csv"),
            ..Default::default()
        },
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .expect("import");
    let out = dir.path().join("export/folder");
    let s = export(&p, &opts(out.clone(), Format::ImageFolder, None)).expect("export");
    assert_eq!(s.rows, 8);
    // Everything written lies inside the folder, two levels deep (label/item).
    let root = out.canonicalize().expect("root");
    let mut files = 0;
    for e in walkdir::WalkDir::new(dir.path())
        .into_iter()
        .map(|e| e.expect("walk"))
    {
        if e.file_type().is_file()
            && e.path().extension().is_some_and(|x| x == "png")
            && !e.path().starts_with(&data)
        {
            let rel = e
                .path()
                .canonicalize()
                .expect("c")
                .strip_prefix(&root)
                .map(Path::to_path_buf)
                .expect("inside the export folder");
            assert_eq!(rel.components().count(), 2, "{}", rel.display());
            files += 1;
        }
    }
    assert_eq!(files, 8);
    assert!(out.join("lineage.json").is_file());
    assert!(!dir.path().join("up").exists() && !dir.path().join("escape.png").exists());
    // A second export into the same (now non-empty) folder is refused.
    let e = export(&p, &opts(out, Format::ImageFolder, None))
        .expect_err("not empty")
        .to_string();
    assert!(e.contains("not empty"), "{e}");
}

/// Digits imported, nothing else: enough for the progress and cancel tests.
fn digits_only() -> (tempfile::TempDir, Project) {
    let dir = tempfile::tempdir().expect("tmp");
    let mut p = Project::create(&dir.path().join("p"), None, &[]).expect("create");
    dataset::import(
        &mut p,
        &ImportOptions {
            source: fixtures().join("digits/manifest.csv"),
            name: Some("digits".into()),
            ..Default::default()
        },
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .expect("import");
    (dir, p)
}

fn audit_count(p: &Project) -> i64 {
    p.conn()
        .query_row("SELECT COUNT(*) FROM audit_log", [], |r| r.get(0))
        .expect("count")
}

/// Every file under `dir` (recursively).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.expect("walk"))
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().to_path_buf())
        .collect()
}

#[test]
fn imagefolder_progress_counts_every_file_up_to_the_total() {
    let (d, p) = digits_only();
    let out = d.path().join("folder");
    let mut seen: Vec<ExportProgress> = Vec::new();
    let s = export_with_progress(
        &p,
        &opts(out.clone(), Format::ImageFolder, None),
        &mut |pr| seen.push(pr),
        &AtomicBool::new(false),
    )
    .expect("export");
    assert_eq!(s.rows, 1797);
    // The stages in order, each once (Selecting may repeat with growing counts).
    let mut stages: Vec<ExportStage> = seen.iter().map(|p| p.stage).collect();
    stages.dedup();
    assert_eq!(
        stages,
        [
            ExportStage::Deciding,
            ExportStage::Selecting,
            ExportStage::Linking,
            ExportStage::Lineage,
            ExportStage::Done
        ]
    );
    let selecting: Vec<_> = seen
        .iter()
        .filter(|p| p.stage == ExportStage::Selecting)
        .collect();
    assert_eq!(
        selecting.last().map(|p| (p.done, p.total)),
        Some((1797, 1797))
    );
    // One report per file after the opening 0 of N, counting up by one to the total.
    let linking: Vec<(u64, u64)> = seen
        .iter()
        .filter(|p| p.stage == ExportStage::Linking)
        .map(|p| (p.done, p.total))
        .collect();
    let expected: Vec<(u64, u64)> = (0..=1797).map(|i| (i, 1797)).collect();
    assert_eq!(linking, expected);
    let images = files_under(&out)
        .into_iter()
        .filter(|f| f.extension().is_some_and(|x| x == "png"))
        .count();
    assert_eq!(images, 1797);
    assert_eq!(seen.last().map(|p| (p.done, p.total)), Some((1797, 1797)));
}

#[test]
fn a_cancelled_imagefolder_export_leaves_nothing_behind() {
    let (d, p) = digits_only();
    let before = audit_count(&p);
    // A new folder two levels below an existing one: both levels are removed again.
    let out = d.path().join("exports/new");
    let cancel = AtomicBool::new(false);
    let mut linked = 0;
    let e = export_with_progress(
        &p,
        &opts(out.clone(), Format::ImageFolder, None),
        &mut |pr| {
            if pr.stage == ExportStage::Linking {
                linked = pr.done;
                if pr.done == 25 {
                    cancel.store(true, std::sync::atomic::Ordering::Relaxed);
                }
            }
        },
        &cancel,
    )
    .expect_err("cancelled");
    assert!(matches!(e, Error::Cancelled), "{e}");
    assert_eq!(linked, 25, "no file after the cancel");
    assert!(
        !d.path().join("exports").exists(),
        "the new folders are gone"
    );
    assert_eq!(audit_count(&p), before, "no audit entry");

    // Into an existing empty folder: the folder stays, empty.
    let empty = d.path().join("empty");
    std::fs::create_dir(&empty).expect("mk");
    let cancel = AtomicBool::new(false);
    let e = export_with_progress(
        &p,
        &opts(empty.clone(), Format::ImageFolder, None),
        &mut |pr| {
            if pr.stage == ExportStage::Linking && pr.done == 1797 {
                // After the last file: still before the lineage is written.
                cancel.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        },
        &cancel,
    )
    .expect_err("cancelled");
    assert!(matches!(e, Error::Cancelled), "{e}");
    assert!(empty.is_dir());
    assert_eq!(
        std::fs::read_dir(&empty).expect("read").count(),
        0,
        "nothing left in the folder, not even lineage.json"
    );
    assert_eq!(audit_count(&p), before);
}

#[test]
fn a_cancelled_table_export_keeps_the_previous_file_and_writes_no_lineage() {
    let (d, p) = digits_only();
    let out = d.path().join("x.csv");
    let lineage = d.path().join("x.csv.lineage.json");
    // Cancelled while selecting rows: nothing at all.
    let cancel = AtomicBool::new(false);
    let e = export_with_progress(
        &p,
        &opts(out.clone(), Format::Csv, None),
        &mut |pr| {
            if pr.stage == ExportStage::Selecting {
                cancel.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        },
        &cancel,
    )
    .expect_err("cancelled");
    assert!(matches!(e, Error::Cancelled), "{e}");
    assert!(files_under(d.path())
        .iter()
        .all(|f| f.starts_with(d.path().join("p"))));

    // A finished export, then one cancelled once its table is written: the first stays.
    export(&p, &opts(out.clone(), Format::Csv, None)).expect("first");
    let (data, lin) = (
        std::fs::read(&out).expect("data"),
        std::fs::read(&lineage).expect("lineage"),
    );
    let before = audit_count(&p);
    let mut o = opts(out.clone(), Format::Csv, None);
    o.validation_share = Some(0.5); // other bytes, if they were written
    let cancel = AtomicBool::new(false);
    let mut stages = Vec::new();
    let e = export_with_progress(
        &p,
        &o,
        &mut |pr| {
            stages.push(pr.stage);
            if pr.stage == ExportStage::Writing {
                cancel.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        },
        &cancel,
    )
    .expect_err("cancelled");
    assert!(matches!(e, Error::Cancelled), "{e}");
    assert!(!stages.contains(&ExportStage::Lineage));
    assert_eq!(std::fs::read(&out).expect("data"), data);
    assert_eq!(std::fs::read(&lineage).expect("lineage"), lin);
    let mut left: Vec<String> = std::fs::read_dir(d.path())
        .expect("read")
        .map(|e| e.expect("e").file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["p", "x.csv", "x.csv.lineage.json"],
        "no temporary files"
    );
    assert_eq!(audit_count(&p), before, "no audit entry");
}
