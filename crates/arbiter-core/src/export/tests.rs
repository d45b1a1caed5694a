use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use super::*;
use crate::annotate::{add_annotator, record, Event, NewAnnotation, Role, Source};
use crate::dataset::{self, ImportOptions};
use crate::model::runtime::Device;
use crate::predict::{self, PredictOptions};
use crate::testutil::{fixtures, imported_project};

/// Digits with a run and a few annotations: unanimous, majority, override, conflict, bad input.
fn setup() -> (tempfile::TempDir, Project, i64) {
    let (dir, mut p, run) = crate::testutil::project_with_run(
        "digits/manifest.csv",
        Some("digits"),
        "digits_logits.onnx",
        512,
        false,
    );
    for (n, r) in [
        ("ana", Role::Annotator),
        ("ben", Role::Annotator),
        ("cy", Role::Annotator),
        ("rev", Role::Reviewer),
    ] {
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
    let v = dataset::resolve(&p, "digits").expect("v").id;
    let mut event = |id: &str, who: &str, event: Event, reason: Option<&str>, source: Source| {
        let item = crate::items::find(&p, v, id).expect("item").rowid;
        record(
            &mut p,
            &NewAnnotation {
                reason: reason.map(String::from),
                seconds: Some(2.0),
                prediction_shown: true,
                run: Some(run),
                created_at: Some(format!("2026-11-01T10:00:0{}Z", who.len())),
                ..NewAnnotation::new(item, who, event, source)
            },
        )
        .expect("record");
    };
    let mut put = |id: &str, who: &str, label: &str, reason: Option<&str>, source: Source| {
        event(
            id,
            who,
            Event::Label {
                label: label.into(),
            },
            reason,
            source,
        )
    };
    put("digit_0000", "ana", "0", None, Source::Manual);
    put("digit_0000", "ben", "0", None, Source::Manual);
    put("digit_0001", "ana", "1", None, Source::Manual);
    put("digit_0001", "ben", "7", None, Source::Manual);
    put("digit_0001", "cy", "1", None, Source::Manual);
    // ana and ben disagree; the reviewer decides.
    put("digit_0002", "ana", "2", None, Source::Manual);
    put("digit_0002", "ben", "5", None, Source::Manual);
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
    // A reviewer's override alone: no annotator votes.
    put(
        "digit_0006",
        "rev",
        "6",
        Some("model_wrong"),
        Source::Override,
    );
    // Agreed, but flagged as bad input (a flag, not a reason code), and skipped once.
    put("digit_0005", "ana", "5", None, Source::Manual);
    put("digit_0005", "ben", "5", None, Source::Manual);
    event(
        "digit_0005",
        "cy",
        Event::Flag {
            flag: "bad_input".into(),
        },
        None,
        Source::Manual,
    );
    event("digit_0005", "cy", Event::Skip, None, Source::Manual);
    (dir, p, run)
}

fn opts(out: PathBuf, format: Format, run: Option<i64>) -> ExportOptions {
    ExportOptions {
        out,
        format,
        dataset: None,
        predictions: run.map_or(Predictions::None, Predictions::Run),
        only_decided: false,
        min_agreement: None,
        exclude_reasons: vec![],
        validation_share: None,
        seed: 7,
        allow_below_target: false,
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
    // Deciders in the order their votes were made: cy's label carries the earlier time
    // (10:00:02, ana's 10:00:03), whatever order they were recorded in.
    check(
        "digit_0001",
        Some("1"),
        Some("majority"),
        Some("cy;ana"),
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
    let (_, preds) = predict::predictions(&p, run).expect("preds");
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
        dataset::resolve(&p, "digits")
            .expect("v")
            .content_hash
            .as_str()
    );
    assert_eq!(lineage["rows"], 1797);
    assert_eq!(lineage["decision_rule"]["min_annotators"], 2);
    let audit = crate::audit::recent(&p, 1).expect("audit");
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
        ["digit_0000", "digit_0001", "digit_0002", "digit_0006"],
        "decided, without the items given or flagged bad_input"
    );
    // ana=2 vs ben=5 overridden by the reviewer: the override does not make them agree.
    o.min_agreement = Some(0.9);
    let (_, rows) = rows_of(&p, &o);
    assert_eq!(
        rows.iter().map(|r| r.item_id.as_str()).collect::<Vec<_>>(),
        ["digit_0000"]
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
    let (p, _) = imported_project(dir.path(), &data.join("m.csv"), None, false);
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
    let source = fixtures().join("digits/manifest.csv");
    let (p, _) = imported_project(dir.path(), &source, Some("digits"), false);
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

fn label_event(p: &mut Project, id: &str, who: &str, label: &str) {
    let v = dataset::resolve(p, "digits").expect("v").id;
    let item = crate::items::find(p, v, id).expect("item").rowid;
    record(
        p,
        &NewAnnotation {
            created_at: Some("2026-11-02T10:00:00Z".into()),
            ..NewAnnotation::new(
                item,
                who,
                Event::Label {
                    label: label.into(),
                },
                Source::Manual,
            )
        },
    )
    .expect("record");
}

/// (item, agreement, label events, reasons, flags)
type Expect<'a> = (&'a str, Option<f64>, i64, Option<&'a str>, Option<&'a str>);

#[test]
fn agreement_counts_and_flags_follow_the_documented_rules() {
    let (d, mut p, run) = setup();
    let o = opts(d.path().join("a.csv"), Format::Csv, Some(run));
    let check = |p: &Project, cases: &[Expect]| {
        let (_, rows) = rows_of(p, &o);
        for &(id, agreement, n, reasons, flags) in cases {
            let r = rows.iter().find(|r| r.item_id == id).expect(id);
            assert_eq!(
                (
                    r.item_agreement,
                    r.annotations,
                    r.reasons.as_deref(),
                    r.flags.as_deref()
                ),
                (agreement, n, reasons, flags),
                "{id}: (agreement, label events, reasons, flags)"
            );
        }
    };
    check(
        &p,
        &[
            ("digit_0000", Some(1.0), 2, None, None),
            ("digit_0001", Some(1.0 / 3.0), 3, None, None),
            // The override (3) decides, but ana (2) and ben (5) still disagree.
            ("digit_0002", Some(0.0), 3, Some("given_label_wrong"), None),
            ("digit_0003", Some(0.0), 2, Some("ambiguous"), None),
            ("digit_0004", Some(1.0), 2, Some("bad_input"), None),
            // A flag and a skip are not label events.
            ("digit_0005", Some(1.0), 2, None, Some("bad_input")),
            // Only an override: no annotator votes.
            ("digit_0006", None, 1, Some("model_wrong"), None),
            ("digit_0010", None, 0, None, None),
        ],
    );
    // ben changes his mind on digit_0000: his latest label is his vote.
    label_event(&mut p, "digit_0000", "ben", "9");
    check(&p, &[("digit_0000", Some(0.0), 3, None, None)]);
    // ...and takes it back: the retracted label and the retraction do not count.
    crate::annotate::undo(&mut p, "ben", None).expect("undo");
    check(&p, &[("digit_0000", Some(1.0), 2, None, None)]);
    // Reasons and flags of several events: distinct, sorted, `;`-joined.
    label_event(&mut p, "digit_0010", "ana", "0");
    let v = dataset::resolve(&p, "digits").expect("v").id;
    let item = crate::items::find(&p, v, "digit_0010").expect("item").rowid;
    for (flag, reason) in [
        ("unsure", "other"),
        ("bad_input", "ambiguous"),
        ("unsure", "other"),
    ] {
        record(
            &mut p,
            &NewAnnotation {
                reason: Some(reason.into()),
                ..NewAnnotation::new(
                    item,
                    "ben",
                    Event::Flag { flag: flag.into() },
                    Source::Manual,
                )
            },
        )
        .expect("flag");
    }
    check(
        &p,
        &[(
            "digit_0010",
            Some(1.0),
            1,
            Some("ambiguous;other"),
            Some("bad_input;unsure"),
        )],
    );
    // The file carries the column, after `reasons`.
    export(&p, &o).expect("export");
    // The lineage's agreement is the project's, on its scale, over this version's ratings
    // (read here by the metrics' own query), an undone label and overrides left out.
    let lineage: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(d.path().join("a.csv.lineage.json")).expect("lineage"),
    )
    .expect("json");
    let ratings = crate::metrics::project_ratings(&p, Some(v)).expect("ratings");
    let scale = crate::metrics::project_scale(&p).expect("scale");
    let want = crate::metrics::agreement::report_on(&ratings, &scale);
    assert_eq!(want.ratings, 14, "ana, ben, cy's live own labels");
    assert_eq!(
        lineage["agreement"],
        serde_json::to_value(&want).expect("json")
    );
    assert!(lineage["agreement"]["krippendorff_alpha"]["ordinal"].is_null());
    // Marked ordinal, the lineage carries the ordinal statistics too, in the schema's order.
    add_annotator(&p, "lee", Role::Lead).expect("lead");
    crate::schema::set_ordinal(&p, true, Some("lee")).expect("ordinal");
    export(&p, &o).expect("export");
    let lineage: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(d.path().join("a.csv.lineage.json")).expect("lineage"),
    )
    .expect("json");
    let scale = crate::metrics::project_scale(&p).expect("scale");
    assert!(matches!(
        scale,
        crate::metrics::agreement::Scale::Ordinal(_)
    ));
    let want = crate::metrics::agreement::report_on(&ratings, &scale);
    assert!(want
        .krippendorff_alpha
        .ordinal
        .as_ref()
        .is_some_and(|a| a.value.is_some()));
    assert_eq!(
        lineage["agreement"],
        serde_json::to_value(&want).expect("json")
    );
    let text = std::fs::read_to_string(d.path().join("a.csv")).expect("csv");
    assert!(
        text.lines()
            .next()
            .is_some_and(|h| h.contains(",reasons,flags,annotations,item_agreement,")),
        "{}",
        text.lines().next().unwrap_or_default()
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("digit_0005,") && l.contains(",bad_input,2,1.0,")),
        "digit_0005's row"
    );
}

#[test]
fn bad_filters_and_destinations_are_refused_before_anything_is_written() {
    let (d, p, run) = setup();
    std::fs::write(d.path().join("file.txt"), "x").expect("w");
    let before = audit_count(&p);
    type Edit = Box<dyn Fn(&mut ExportOptions)>;
    let cases: Vec<(Edit, Vec<&str>)> = vec![
        (
            Box::new(|o| o.exclude_reasons = vec!["bad_inptu".into()]),
            vec![
                "--exclude-reasons \"bad_inptu\"",
                "(model_wrong, ambiguous, bad_input, label_missing_from_schema, given_label_wrong, other)",
            ],
        ),
        (
            Box::new(|o| o.exclude_reasons = vec!["bad_input".into(), "unsure".into()]),
            vec!["\"unsure\": not one of the project's reason codes"],
        ),
        (
            Box::new(|o| o.min_agreement = Some(1.5)),
            vec!["--min-agreement 1.5: must be between 0 and 1"],
        ),
        (
            Box::new(|o| o.min_agreement = Some(-0.1)),
            vec!["--min-agreement -0.1"],
        ),
        (
            Box::new(|o| o.min_agreement = Some(f64::NAN)),
            vec!["--min-agreement NaN"],
        ),
        (
            Box::new(|o| o.validation_share = Some(0.0)),
            vec!["--validation-share 0: must be above 0 and below 1"],
        ),
        (
            Box::new(|o| o.validation_share = Some(1.0)),
            vec!["--validation-share 1:"],
        ),
        (
            Box::new(|o| o.validation_share = Some(1.5)),
            vec!["--validation-share 1.5:"],
        ),
        (
            Box::new(|o| o.predictions = Predictions::Run(42)),
            vec!["run not found: 42"],
        ),
    ];
    let out = d.path().join("x.csv");
    for (i, (edit, needles)) in cases.iter().enumerate() {
        for format in [Format::Csv, Format::ImageFolder] {
            let mut o = opts(
                if format == Format::Csv {
                    out.clone()
                } else {
                    d.path().join("folder")
                },
                format,
                Some(run),
            );
            edit(&mut o);
            let e = export(&p, &o).expect_err("refused").to_string();
            for n in needles {
                assert!(e.contains(n), "case {i}: {e:?} should contain {n:?}");
            }
            // The live count refuses them too.
            assert!(rows(&p, &o).is_err(), "case {i}");
        }
    }
    // Destinations that cannot be written.
    for (o, needle) in [
        (
            opts(d.path().join("file.txt/x.csv"), Format::Csv, None),
            "file.txt: is a file, not a folder; choose another destination".to_string(),
        ),
        (
            opts(d.path().to_path_buf(), Format::Parquet, None),
            format!(
                "{}: is a folder; give a file name, such as {}",
                d.path().display(),
                d.path().join("export.parquet").display()
            ),
        ),
        (
            opts(d.path().join("file.txt"), Format::ImageFolder, None),
            "file.txt: is a file; export an image folder into a new or empty folder".to_string(),
        ),
    ] {
        let e = export(&p, &o).expect_err("refused").to_string();
        assert!(e.contains(&needle), "{e:?} should contain {needle:?}");
    }
    let mut left: Vec<String> = std::fs::read_dir(d.path())
        .expect("read")
        .map(|e| e.expect("e").file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["file.txt", "p"], "nothing was written");
    assert_eq!(audit_count(&p), before, "no audit entry");
    // Blank and repeated codes are not errors; they are dropped.
    let mut o = opts(out.clone(), Format::Csv, Some(run));
    o.exclude_reasons = vec![" bad_input ".into(), String::new(), "bad_input".into()];
    export(&p, &o).expect("export");
    let lineage: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(d.path().join("x.csv.lineage.json")).expect("lineage"),
    )
    .expect("json");
    assert_eq!(
        lineage["filters"]["exclude_reasons"],
        serde_json::json!(["bad_input"])
    );
}

#[test]
fn a_file_export_creates_missing_folders_and_removes_them_if_cancelled() {
    let (d, p) = digits_only();
    let out = d.path().join("new/deeper/x.csv");
    let s = export(&p, &opts(out.clone(), Format::Csv, None)).expect("export");
    assert_eq!(s.rows, 1797);
    assert!(out.is_file() && d.path().join("new/deeper/x.csv.lineage.json").is_file());
    // Cancelled once the table is written: the folders it made are gone again.
    let out = d.path().join("other/deeper/x.parquet");
    let cancel = AtomicBool::new(false);
    let e = export_with_progress(
        &p,
        &opts(out, Format::Parquet, None),
        &mut |pr| {
            if pr.stage == ExportStage::Writing {
                cancel.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        },
        &cancel,
    )
    .expect_err("cancelled");
    assert!(matches!(e, Error::Cancelled), "{e}");
    assert!(!d.path().join("other").exists());
}

#[test]
fn predictions_default_to_the_newest_finished_run_over_the_version() {
    let (d, p, run) = setup();
    let m = crate::model::resolve(p.conn(), p.root(), "digits_logits").expect("m");
    let (_, preds) = predict::predictions(&p, run).expect("preds");
    // A newer run that did not finish is not the default.
    let v = dataset::resolve(&p, "digits").expect("v").id;
    p.conn()
        .execute(
            "INSERT INTO runs (model_id, version_id, device, provider, batch_size, status, items_total, started_at)
             VALUES (?1, ?2, 'cpu', 'CPUExecutionProvider', 8, 'cancelled', 1797, '2026-11-03T00:00:00Z')",
            rusqlite::params![m.id, v],
        )
        .expect("a cancelled run");
    let out = d.path().join("x.csv");
    let mut o = opts(out.clone(), Format::Csv, None);
    o.predictions = Predictions::default();
    let s = export(&p, &o).expect("export");
    assert_eq!(
        (s.run.as_ref().map(|r| r.run), s.predictions),
        (Some(run), "newest_finished")
    );
    let (_, rows) = rows_of(&p, &o);
    assert!(rows
        .iter()
        .zip(&preds)
        .all(|(r, p)| r.predicted == p.predicted && r.confidence.is_some()));
    let lineage = |d: &tempfile::TempDir| -> serde_json::Value {
        serde_json::from_str(
            &std::fs::read_to_string(d.path().join("x.csv.lineage.json")).expect("lineage"),
        )
        .expect("json")
    };
    let l = lineage(&d);
    assert_eq!(l["run"]["run"], run);
    assert_eq!(l["run"]["chosen"], "newest_finished");
    assert_eq!(l["run"]["model_sha256"], m.sha256.as_str());
    assert_eq!(l["predictions"], "newest_finished");
    // Asked for none: empty columns, no run in the lineage.
    o.predictions = Predictions::None;
    let s = export(&p, &o).expect("export");
    assert_eq!((s.run.is_none(), s.predictions), (true, "none"));
    let (_, rows) = rows_of(&p, &o);
    assert!(rows
        .iter()
        .all(|r| r.predicted.is_none() && r.confidence.is_none()));
    let l = lineage(&d);
    assert!(l["run"].is_null());
    assert_eq!(l["predictions"], "none");
    // A project without runs: the default finds none and says so.
    let (d2, p2) = digits_only();
    let mut o = opts(d2.path().join("x.csv"), Format::Csv, None);
    o.predictions = Predictions::Newest;
    let s = export(&p2, &o).expect("export");
    assert_eq!((s.run.is_none(), s.predictions), (true, "no_finished_run"));
    assert_eq!(lineage(&d2)["predictions"], "no_finished_run");
}

#[test]
fn the_lineage_lists_the_queues_over_the_version_with_their_full_policy() {
    use crate::queue::{QueueSpec, Strategy};
    use crate::review::{self, QueueCreate};
    let (d, mut p, run) = setup();
    let predict_over = |p: &mut Project, dataset: &str| {
        predict::predict(
            p,
            &PredictOptions {
                model: "digits_logits".into(),
                dataset: dataset.into(),
                batch_size: 512,
                device: Device::Cpu,
                resume: None,
                decode: None,
                cuda: Default::default(),
            },
            &mut |_| {},
            &AtomicBool::new(false),
        )
        .expect("run")
        .run
    };
    let run2 = predict_over(&mut p, "digits");
    // Another dataset with a run and a queue of its own.
    dataset::import(
        &mut p,
        &ImportOptions {
            source: fixtures().join("digits/manifest.csv"),
            name: Some("elsewhere".into()),
            ..Default::default()
        },
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .expect("import");
    let other = predict_over(&mut p, "elsewhere");
    let queue = |p: &mut Project, name: &str, spec: QueueSpec, limit: Option<usize>| {
        review::create(
            p,
            &QueueCreate {
                name: name.into(),
                spec,
                limit,
                overlap_share: 0.25,
                overlap_k: 2,
                blind: true,
                lease_seconds: 300,
                assign: Vec::new(),
                gold: Default::default(),
            },
        )
        .expect("queue");
    };
    let spec = |run: i64, strategy: Strategy, other_run: Option<i64>| QueueSpec {
        run,
        strategy,
        other_run,
        threshold: Some(0.9),
        seed: 11,
        calibrated: false,
    };
    queue(
        &mut p,
        "lc",
        spec(run, Strategy::LeastConfidence, None),
        Some(50),
    );
    queue(
        &mut p,
        "md",
        spec(run, Strategy::ModelDisagreement, Some(run2)),
        None,
    );
    queue(
        &mut p,
        "theirs",
        spec(other, Strategy::LeastConfidence, None),
        None,
    );
    let mut o = opts(d.path().join("x.csv"), Format::Csv, None);
    o.dataset = Some("digits".into());
    o.predictions = Predictions::Newest;
    let s = export(&p, &o).expect("export");
    assert_eq!(
        s.run.as_ref().map(|r| r.run),
        Some(run2),
        "the newest finished"
    );
    let l: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(d.path().join("x.csv.lineage.json")).expect("lineage"),
    )
    .expect("json");
    let names: Vec<&str> = l["queues"]
        .as_array()
        .expect("queues")
        .iter()
        .map(|q| q["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["lc", "md"], "only the queues over digits");
    let (lc, md) = (&l["queues"][0], &l["queues"][1]);
    assert_eq!(lc["limit"], 50);
    assert_eq!(lc["strategy"], "least-confidence");
    assert_eq!(lc["threshold"], 0.9);
    assert_eq!(lc["seed"], 11);
    assert_eq!(lc["overlap_share"], 0.25);
    assert_eq!(lc["overlap_k"], 2);
    assert_eq!(lc["blind"], true);
    assert_eq!(lc["lease_seconds"], 300);
    assert!(lc["other_run"].is_null());
    assert!(md["limit"].is_null());
    assert_eq!(
        (md["run"].as_i64(), md["other_run"].as_i64()),
        (Some(run), Some(run2))
    );
    let v = dataset::resolve(&p, "digits").expect("v");
    assert_eq!(l["dataset"]["name"], "digits");
    assert_eq!(l["dataset"]["root"], v.root.as_str());
    assert!(!v.root.is_empty());
    // A run over another version is refused by name.
    o.predictions = Predictions::Run(other);
    let e = export(&p, &o).expect_err("other version").to_string();
    assert!(
        e.contains(&format!(
            "--run {other}: the run is over another dataset version"
        )),
        "{e}"
    );
}

#[test]
fn imagefolder_splits_counts_what_it_writes_and_keeps_clashing_names_apart() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("mk");
    let png = fixtures().join("digits/images/0/digit_0000.png");
    // (id, has media, label): ids and labels that sanitise alike, one without media, one
    // without a label, a label that would take the lineage file's name.
    let items = [
        ("a/b", true, "x/y"),
        ("a_b", true, "x/y"),
        ("A_B", true, "x/y"),
        ("c", true, "x_y"),
        ("nomedia", false, "x_y"),
        ("nolabel", true, ""),
        ("d", true, "lineage.json"),
    ];
    let mut csv = String::from("id,path,label\n");
    for (i, (id, media, label)) in items.iter().enumerate() {
        let path = if *media {
            std::fs::copy(&png, data.join(format!("{i}.png"))).expect("cp");
            format!("{i}.png")
        } else {
            String::new()
        };
        csv.push_str(&format!("{id},{path},{label}\n"));
    }
    std::fs::write(data.join("m.csv"), csv).expect("w");
    let (p, _) = imported_project(dir.path(), &data.join("m.csv"), None, false);
    let out = dir.path().join("folder");
    // The live count, before: exactly what the export then reports, for a folder and a table.
    let counted = preview(&p, &opts(out.clone(), Format::ImageFolder, None)).expect("preview");
    let s = export(&p, &opts(out.clone(), Format::ImageFolder, None)).expect("export");
    assert_eq!(s.rows, 5, "files written");
    assert_eq!(
        (counted.rows, &counted.labels, &counted.skipped),
        (s.rows, &s.labels, &s.skipped)
    );
    let table = dir.path().join("t.csv");
    let counted = preview(&p, &opts(table.clone(), Format::Csv, None)).expect("preview");
    let t = export(&p, &opts(table, Format::Csv, None)).expect("export");
    assert_eq!(t.rows, items.len(), "a table has every row");
    assert_eq!(
        (counted.rows, &counted.labels, &counted.skipped),
        (t.rows, &t.labels, &t.skipped)
    );
    assert_eq!(
        s.skipped,
        BTreeMap::from([("no_label".to_string(), 1), ("no_media".to_string(), 1)])
    );
    let mut files: Vec<String> = files_under(&out)
        .iter()
        .filter(|f| f.extension().is_some_and(|x| x == "png"))
        .map(|f| {
            f.strip_prefix(&out)
                .expect("inside")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "lineage.json-2/d.png",
            "x_y-2/c.png",
            "x_y/A_B-3.png",
            "x_y/a_b-2.png",
            "x_y/a_b.png",
        ]
    );
    let l: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("lineage.json")).expect("lineage"))
            .expect("json");
    assert_eq!(l["rows"], 5);
    assert_eq!(
        l["skipped"],
        serde_json::json!({"no_label": 1, "no_media": 1})
    );
    assert_eq!(
        l["folders"],
        serde_json::json!({"lineage.json": "lineage.json-2", "x/y": "x_y", "x_y": "x_y-2"})
    );
    assert_eq!(
        l["labels"],
        serde_json::json!({"lineage.json": 1, "x/y": 3, "x_y": 1})
    );

    // With a validation share: <out>/<split>/<label>/<file>, the split of each row.
    let out = dir.path().join("split");
    let mut o = opts(out.clone(), Format::ImageFolder, None);
    o.validation_share = Some(0.5);
    let s = export(&p, &o).expect("export");
    assert_eq!(s.rows, 5);
    let (_, rows) = rows_of(&p, &o);
    let expect_val = rows
        .iter()
        .filter(|r| {
            r.split.as_deref() == Some("validation")
                && r.abs_path.is_some()
                && r.final_label.as_ref().or(r.given_label.as_ref()).is_some()
        })
        .count();
    let written: Vec<PathBuf> = files_under(&out)
        .into_iter()
        .filter(|f| f.extension().is_some_and(|x| x == "png"))
        .map(|f| f.strip_prefix(&out).expect("inside").to_path_buf())
        .collect();
    assert_eq!(written.len(), 5);
    assert!(written.iter().all(|f| f.components().count() == 3));
    let val = written
        .iter()
        .filter(|f| f.starts_with("validation"))
        .count();
    let train = written.iter().filter(|f| f.starts_with("train")).count();
    assert_eq!((val, train), (expect_val, 5 - expect_val));
    assert!(val > 0 && train > 0, "both splits are used");
}

/// A project over a small copy of the digits (`data/m.csv` with images `data/img/N.png`)
/// in a temporary folder, so refusals are tested on files nothing else needs.
fn small_copy() -> (tempfile::TempDir, Project, PathBuf) {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    std::fs::create_dir_all(data.join("img")).expect("mk");
    let mut csv = String::from("id,path,label\n");
    for i in 0..4 {
        std::fs::copy(
            fixtures().join(format!("digits/images/{i}/digit_000{i}.png")),
            data.join(format!("img/{i}.png")),
        )
        .expect("cp");
        csv.push_str(&format!("d{i},img/{i}.png,{i}\n"));
    }
    std::fs::write(data.join("m.csv"), csv).expect("w");
    let (p, _) = imported_project(dir.path(), &data.join("m.csv"), Some("small"), false);
    (dir, p, data)
}

#[test]
fn exports_never_write_over_the_project_or_its_datasets() {
    let (d, p, data) = small_copy();
    let root = p.root().to_path_buf();
    std::os::unix::fs::symlink(root.join("arbiter.db"), d.path().join("link.csv")).expect("link");
    let cases: Vec<(PathBuf, Format, &str)> = vec![
        (
            root.join("arbiter.db"),
            Format::Csv,
            "is one of the project's own files (arbiter.db)",
        ),
        (
            root.join("arbiter.db-wal"),
            Format::Csv,
            "is one of the project's own files",
        ),
        (
            root.join("models/m.csv"),
            Format::Csv,
            "is one of the project's own files (models)",
        ),
        (
            root.join(".arbiter-cache/x.parquet"),
            Format::Parquet,
            "is one of the project's own files (.arbiter-cache)",
        ),
        (
            root.clone(),
            Format::ImageFolder,
            "is the project's own folder",
        ),
        (
            d.path().join("link.csv"),
            Format::Csv,
            "is one of the project's own files (arbiter.db)",
        ),
        (
            data.join("m.csv"),
            Format::Csv,
            "is the source of dataset small@1",
        ),
        (
            data.join("img/2.png"),
            Format::Csv,
            "is a media file of dataset small@1",
        ),
        (
            data.join("img"),
            Format::ImageFolder,
            "is a media file of dataset small@1",
        ),
        (
            PathBuf::from("/dev/null"),
            Format::Csv,
            "is not a regular file",
        ),
    ];
    let before: Vec<(PathBuf, Vec<u8>)> = [
        root.join("arbiter.db"),
        data.join("m.csv"),
        data.join("img/2.png"),
    ]
    .into_iter()
    .map(|f| {
        let bytes = std::fs::read(&f).expect("read");
        (f, bytes)
    })
    .collect();
    for (out, format, needle) in cases {
        let e = export(&p, &opts(out.clone(), format, None))
            .expect_err("refused")
            .to_string();
        assert!(
            e.contains(needle),
            "{}: {e:?} should contain {needle:?}",
            out.display()
        );
    }
    for (f, bytes) in before {
        assert_eq!(
            std::fs::read(&f).expect("read"),
            bytes,
            "{} unchanged",
            f.display()
        );
    }
    assert!(!root.join("models").exists() && !data.join("img/.img.tmp").exists());
    // The project still opens.
    drop(p);
    Project::open(&root).expect("the project is intact");
}

#[test]
fn an_image_folder_export_holds_copies_checked_against_the_import() {
    let (d, p, data) = small_copy();
    let out = d.path().join("folder");
    let s = export(&p, &opts(out.clone(), Format::ImageFolder, None)).expect("export");
    assert_eq!(s.rows, 4);
    let exported = out.join("2/d2.png");
    let source = data.join("img/2.png");
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        std::fs::metadata(&source).expect("meta").nlink(),
        1,
        "not a hard link"
    );
    let original = std::fs::read(&source).expect("read");
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&exported)
        .expect("open");
    std::io::Write::write_all(&mut f, b"appended").expect("append");
    assert_eq!(
        std::fs::read(&source).expect("read"),
        original,
        "the source is untouched"
    );
    // A source changed after the import is refused, and nothing is left behind.
    std::fs::write(
        data.join("img/1.png"),
        std::fs::read(data.join("img/3.png")).expect("r"),
    )
    .expect("change");
    let out2 = d.path().join("folder2");
    let e = export(&p, &opts(out2.clone(), Format::ImageFolder, None))
        .expect_err("changed")
        .to_string();
    assert!(
        e.contains("1.png") && e.contains("changed since it was imported"),
        "{e}"
    );
    assert!(!out2.exists() && !d.path().join(".folder2.tmp").exists());
}

#[test]
fn a_killed_exports_temporary_is_removed_by_the_next_and_a_live_one_is_respected() {
    let (d, p, _) = small_copy();
    // A killed image-folder export: its hidden temporary folder with some files; nobody holds
    // its lock any more.
    let out = d.path().join("folder");
    let tmp = d.path().join(".folder.tmp");
    std::fs::create_dir_all(tmp.join("3")).expect("mk");
    std::fs::write(tmp.join("3/d3.png"), b"partial").expect("w");
    std::fs::write(tmp.join(".arbiter-export.lock"), b"").expect("w");
    export(&p, &opts(out.clone(), Format::ImageFolder, None)).expect("export");
    assert!(!tmp.exists(), "the leftover is gone");
    assert_eq!(files_under(&out).len(), 5, "4 images and the lineage");
    // A table export whose temporary another process holds (locked): refused, untouched.
    let table = d.path().join("x.csv");
    let busy = d.path().join(".x.csv.tmp");
    let held = std::fs::File::create(&busy).expect("create");
    held.lock().expect("lock");
    let e = export(&p, &opts(table.clone(), Format::Csv, None))
        .expect_err("busy")
        .to_string();
    assert!(
        e.contains("another export is writing there right now"),
        "{e}"
    );
    assert!(busy.exists() && !table.exists());
    drop(held);
    export(&p, &opts(table.clone(), Format::Csv, None)).expect("export once it is free");
    assert!(!busy.exists() && table.exists());
}

#[test]
fn the_label_column_is_the_final_label_else_the_given_one_with_its_source_and_notes() {
    let (d, mut p, _data) = small_copy();
    add_annotator(&p, "ana", Role::Annotator).expect("ana");
    add_annotator(&p, "ben", Role::Annotator).expect("ben");
    let v = dataset::resolve(&p, "small").expect("v").id;
    let item = |p: &Project, id: &str| crate::items::find(p, v, id).expect("item").rowid;
    let (d0, d1) = (item(&p, "d0"), item(&p, "d1"));
    // d0 decided 3 (the given label is 0), with a note; d1 a conflict: its given label stays.
    record(
        &mut p,
        &NewAnnotation {
            note: Some("looks like a three".into()),
            ..NewAnnotation::new(
                d0,
                "ana",
                Event::Label { label: "3".into() },
                Source::Manual,
            )
        },
    )
    .expect("d0");
    crate::decide::set_rule(
        &p,
        crate::decide::Rule {
            min_annotators: 2,
            ..Default::default()
        },
        None,
    )
    .expect("rule");
    record(
        &mut p,
        &NewAnnotation::new(
            d0,
            "ben",
            Event::Label { label: "3".into() },
            Source::Manual,
        ),
    )
    .expect("d0 ben");
    record(
        &mut p,
        &NewAnnotation::new(
            d1,
            "ana",
            Event::Label { label: "2".into() },
            Source::Manual,
        ),
    )
    .expect("d1 ana");
    record(
        &mut p,
        &NewAnnotation {
            note: Some("smudged".into()),
            ..NewAnnotation::new(
                d1,
                "ben",
                Event::Label { label: "3".into() },
                Source::Manual,
            )
        },
    )
    .expect("d1 ben");
    let (_, rows) = rows_of(&p, &opts(d.path().join("x.csv"), Format::Csv, None));
    let got: Vec<(&str, Option<&str>, &str, Option<&str>)> = rows
        .iter()
        .map(|r| {
            (
                r.item_id.as_str(),
                r.label.as_deref(),
                r.label_source,
                r.notes.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("d0", Some("3"), "decided", Some("ana: looks like a three")),
            ("d1", Some("1"), "given", Some("ben: smudged")),
            ("d2", Some("2"), "given", None),
            ("d3", Some("3"), "given", None),
        ]
    );
    assert_eq!(rows[1].final_label, None, "a conflict has no final label");
    // The CSV carries them.
    export(&p, &opts(d.path().join("x.csv"), Format::Csv, None)).expect("export");
    let text = std::fs::read_to_string(d.path().join("x.csv")).expect("csv");
    let header = text.lines().next().expect("header");
    assert!(
        header.ends_with("last_annotated,label,label_source,notes"),
        "{header}"
    );
    assert!(
        text.contains(",3,decided,ana: looks like a three"),
        "{text}"
    );
}

#[test]
fn the_preview_counts_what_each_excluded_reason_or_flag_leaves_out() {
    let (d, mut p, _data) = small_copy();
    add_annotator(&p, "ana", Role::Annotator).expect("ana");
    let v = dataset::resolve(&p, "small").expect("v").id;
    let item = |p: &Project, id: &str| crate::items::find(p, v, id).expect("item").rowid;
    let (d0, d1) = (item(&p, "d0"), item(&p, "d1"));
    let flag = Event::Flag {
        flag: "bad_input".into(),
    };
    record(
        &mut p,
        &NewAnnotation::new(d0, "ana", flag.clone(), Source::Manual),
    )
    .expect("flag");
    record(
        &mut p,
        &NewAnnotation {
            reason: Some("ambiguous".into()),
            ..NewAnnotation::new(
                d1,
                "ana",
                Event::Label { label: "1".into() },
                Source::Manual,
            )
        },
    )
    .expect("reason");
    let mut o = opts(d.path().join("x.csv"), Format::Csv, None);
    assert!(preview(&p, &o).expect("none").excluded.is_empty());
    o.exclude_reasons = vec!["bad_input".into(), "ambiguous".into(), "other".into()];
    let pv = preview(&p, &o).expect("preview");
    assert_eq!(pv.rows, 2);
    assert_eq!(
        pv.excluded,
        [("ambiguous".to_string(), 1), ("bad_input".to_string(), 1)]
            .into_iter()
            .collect()
    );
    assert_eq!(export(&p, &o).expect("export").excluded, pv.excluded);
}

#[test]
fn by_annotator_quality_the_export_carries_each_items_posterior() {
    let (d, p, _) = setup();
    let read = |name: &str| -> Vec<serde_json::Value> {
        let out = d.path().join(name);
        export(&p, &opts(out.clone(), Format::Jsonl, None)).expect("export");
        std::fs::read_to_string(&out)
            .expect("read")
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect()
    };
    // Under majority: no posterior columns.
    let rows = read("majority.jsonl");
    assert!(rows[0].get("posterior").is_none() && rows[0].get("posteriors").is_none());
    crate::decide::set_rule(
        &p,
        crate::decide::Rule {
            mode: crate::decide::Mode::DawidSkene,
            min_annotators: 2,
        },
        None,
    )
    .expect("rule");
    let rows = read("ds.jsonl");
    let decisions: std::collections::HashMap<String, crate::decide::Decision> =
        crate::decide::decisions(&p, None)
            .expect("decisions")
            .into_iter()
            .map(|d| (d.item_id.clone(), d))
            .collect();
    let row = |id: &str| rows.iter().find(|r| r["item_id"] == id).expect("row");
    for id in ["digit_0000", "digit_0001", "digit_0002", "digit_0003"] {
        let (r, d) = (row(id), &decisions[id]);
        assert_eq!(
            r["rule"],
            serde_json::json!(d.rule.map(|h| h.as_str())),
            "{id}"
        );
        assert_eq!(r["posterior"], serde_json::json!(d.probability), "{id}");
        // The full posterior as a JSON object, most probable first, summing to 1.
        let text = r["posteriors"].as_str().expect("posteriors");
        let parsed: Vec<(String, f64)> = text
            .trim_matches(|c| c == '{' || c == '}')
            .split(',')
            .map(|kv| {
                let (k, v) = kv.split_once(':').expect("k:v");
                (
                    serde_json::from_str(k).expect("label"),
                    v.parse().expect("probability"),
                )
            })
            .collect();
        let expected: Vec<(String, f64)> = d
            .posterior
            .as_ref()
            .expect("posterior")
            .iter()
            .map(|x| (x.label.clone(), x.probability))
            .collect();
        assert_eq!(parsed, expected, "{id}");
        assert!((parsed.iter().map(|x| x.1).sum::<f64>() - 1.0).abs() < 1e-9);
    }
    assert_eq!(row("digit_0000")["rule"], "dawid-skene");
    assert_eq!(row("digit_0000")["final_label"], "0");
    assert_eq!(row("digit_0002")["rule"], "override");
    assert!(row("digit_0010")["posterior"].is_null() && row("digit_0010")["posteriors"].is_null());
}

#[test]
fn a_table_with_a_validation_share_also_goes_out_as_one_file_per_split() {
    let (d, p) = digits_only();
    let mut o = opts(d.path().join("data.csv"), Format::Csv, None);
    o.validation_share = Some(0.25);
    let s = export(&p, &o).expect("export");
    let (train, val) = (
        d.path().join("data.train.csv"),
        d.path().join("data.validation.csv"),
    );
    assert_eq!(s.split_files, [train.clone(), val.clone()]);
    let lines = |f: &Path| -> Vec<String> {
        std::fs::read_to_string(f)
            .expect("read")
            .lines()
            .map(String::from)
            .collect()
    };
    let (all, t, v) = (
        lines(&d.path().join("data.csv")),
        lines(&train),
        lines(&val),
    );
    // The same header; every row in the file of its split, none twice.
    assert_eq!(t[0], all[0]);
    assert_eq!(v[0], all[0]);
    assert_eq!(t.len() - 1 + v.len() - 1, all.len() - 1);
    assert!(
        t[1..].iter().all(|r| r.ends_with(",train")),
        "{:?}",
        &t[1..3]
    );
    assert!(
        v[1..].iter().all(|r| r.ends_with(",validation")),
        "{:?}",
        &v[1..3]
    );
    assert_eq!(
        v.len() - 1,
        451,
        "a quarter of each label, rounded per label"
    );
    // Without a share, no split files.
    let o = opts(d.path().join("plain.parquet"), Format::Parquet, None);
    assert!(export(&p, &o).expect("export").split_files.is_empty());
    assert!(!d.path().join("plain.train.parquet").exists());
    assert_eq!(
        split_path(Path::new("/x/y.tar.parquet"), "train"),
        Path::new("/x/y.tar.train.parquet")
    );
}

mod texts;
