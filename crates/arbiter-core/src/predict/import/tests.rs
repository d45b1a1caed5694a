//! Predictions imported from files: a real run's predictions exported and imported back in
//! every format give the same run; logits, predicted + confidence and failed rows; every
//! refusal names its row or column and writes nothing.

use std::path::Path;

use super::*;
use crate::predict::{predictions, runs};
use crate::queue::{self, QueueSpec, Strategy};
use crate::testutil;

/// Wine with a forest run: (folder, project, run).
fn wine() -> (tempfile::TempDir, Project, i64) {
    testutil::project_with_run(
        "tabular/wine.csv",
        Some("wine"),
        "wine_forest.onnx",
        64,
        false,
    )
}

fn opts(file: &Path, name: &str) -> ImportOptions {
    ImportOptions {
        file: file.to_path_buf(),
        name: name.into(),
        version: Some("v1.4.2".into()),
        dataset: None,
        normalize: false,
    }
}

/// Rows, runs, models and predictions: what a refused import must leave unchanged.
fn counts(p: &Project) -> (i64, i64, i64, i64) {
    p.conn()
        .query_row(
            "SELECT (SELECT COUNT(*) FROM models), (SELECT COUNT(*) FROM runs),
                    (SELECT COUNT(*) FROM predictions), (SELECT COUNT(*) FROM audit_log)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .expect("counts")
}

#[test]
fn a_runs_exported_predictions_import_back_as_the_same_run_in_every_format() {
    let (d, mut p, run) = wine();
    let (classes, want) = predictions(&p, run).expect("predictions");
    for ext in ["csv", "parquet", "jsonl"] {
        let file = d.path().join(format!("forest.{ext}"));
        crate::predict::export(&p, run, &file).expect("export");
        let got = import(&mut p, &opts(&file, &format!("forest-{ext}"))).expect(ext);
        assert_eq!(
            (got.rows, got.failed, got.items_without),
            (178, 0, 0),
            "{got:?}"
        );
        assert_eq!(got.columns, "probabilities");
        assert_eq!(got.ignored_columns, ["predicted", "confidence"], "{ext}");
        let (c, back) = predictions(&p, got.run).expect("back");
        assert_eq!(c, classes);
        for (a, b) in want.iter().zip(&back) {
            assert_eq!((&a.ext_id, &a.predicted), (&b.ext_id, &b.predicted));
            for (x, y) in a.probabilities.iter().zip(&b.probabilities) {
                // CSV writes the f32 values as decimal f64 text: the same f32 back.
                assert_eq!(x, y, "{ext} {}", a.ext_id);
            }
        }
        let summary = runs(&p)
            .expect("runs")
            .into_iter()
            .find(|r| r.run == got.run)
            .expect("the run");
        assert_eq!(summary.device, "imported");
        assert_eq!(summary.status.as_str(), "done");
        // A queue ranks it like the model's own run.
        let spec = |run| QueueSpec {
            run,
            strategy: Strategy::Margin,
            other_run: None,
            threshold: None,
            seed: 7,
            calibrated: false,
        };
        let ranked = |run| {
            queue::rank(&p, &spec(run))
                .expect("queue")
                .into_iter()
                .map(|e| e.item)
                .collect::<Vec<_>>()
        };
        assert_eq!(ranked(got.run), ranked(run), "{ext}");
    }
    // The model record says where the predictions came from; running it is refused.
    let model = crate::model::list(&p)
        .expect("models")
        .into_iter()
        .find(|m| m.name == "forest-csv")
        .expect("model");
    let from = model.preprocess.imported().expect("imported");
    assert_eq!(from.model_version.as_deref(), Some("v1.4.2"));
    assert_eq!(from.class_columns, ["p_class_0", "p_class_1", "p_class_2"]);
    let e = crate::predict::predict(
        &mut p,
        &crate::predict::PredictOptions {
            model: "forest-csv".into(),
            dataset: "wine".into(),
            batch_size: 8,
            device: crate::model::runtime::Device::Cpu,
            resume: None,
            decode: None,
            cuda: Default::default(),
        },
        &mut |_| {},
        &std::sync::atomic::AtomicBool::new(false),
    )
    .expect_err("no model to run");
    assert!(e.to_string().contains("no model to run"), "{e}");
}

#[test]
fn logits_predicted_confidence_and_failed_rows() {
    let (d, mut p, run) = wine();
    let (_, want) = predictions(&p, run).expect("predictions");
    // Logits: ln p + a per-row shift gives back p (softmax is shift-invariant).
    let mut csv = String::from("item_id,logits_class_0,logits_class_1,logits_class_2,created_at\n");
    for (i, w) in want.iter().enumerate() {
        let shift = i as f64 * 0.37 - 20.0;
        let l: Vec<String> = w
            .probabilities
            .iter()
            .map(|&v| format!("{}", (v as f64).max(1e-30).ln() + shift))
            .collect();
        csv.push_str(&format!(
            "{},{},2026-11-0{}T10:00:00Z\n",
            w.ext_id,
            l.join(","),
            1 + i % 3
        ));
    }
    let file = d.path().join("logits.csv");
    std::fs::write(&file, csv).expect("write");
    let got = import(&mut p, &opts(&file, "from-logits")).expect("logits");
    assert_eq!(got.columns, "logits");
    let (_, back) = predictions(&p, got.run).expect("back");
    for (a, b) in want.iter().zip(&back) {
        for (x, y) in a.probabilities.iter().zip(&b.probabilities) {
            assert!((x - y).abs() < 1e-6, "{} {x} {y}", a.ext_id);
        }
    }
    let (started, finished): (String, String) = p
        .conn()
        .query_row(
            "SELECT started_at, finished_at FROM runs WHERE id = ?1",
            [got.run],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("span");
    assert!(
        started.starts_with("2026-11-01T10:00:00") && finished.starts_with("2026-11-03T10:00:00"),
        "{started} {finished}"
    );

    // Predicted + confidence: the other classes share the rest; a failed row keeps its reason.
    let file = d.path().join("top.jsonl");
    std::fs::write(
        &file,
        "{\"item_id\":\"wine_000\",\"predicted\":\"class_1\",\"confidence\":0.7}\n\
         {\"item_id\":\"wine_001\",\"predicted\":\"class_0\",\"confidence\":0.5}\n\
         {\"item_id\":\"wine_002\",\"predicted\":null,\"confidence\":null,\"error\":\"timeout from the endpoint\"}\n",
    )
    .expect("write");
    let got = import(&mut p, &opts(&file, "hosted")).expect("top");
    assert_eq!((got.rows, got.failed, got.items_without), (3, 1, 175));
    let (_, back) = predictions(&p, got.run).expect("back");
    let by: HashMap<&str, &crate::predict::Prediction> =
        back.iter().map(|b| (b.ext_id.as_str(), b)).collect();
    assert_eq!(by["wine_000"].probabilities, [0.15f32, 0.7, 0.15]);
    assert_eq!(by["wine_000"].predicted.as_deref(), Some("class_1"));
    assert_eq!(by["wine_001"].probabilities, [0.5f32, 0.25, 0.25]);
    assert_eq!(
        by["wine_002"].error.as_deref(),
        Some("timeout from the endpoint")
    );
    assert!(by["wine_002"].predicted.is_none());

    // The listing tells the failed row from the items the file has no prediction for.
    let version: i64 = p
        .conn()
        .query_row(
            "SELECT version_id FROM runs WHERE id = ?1",
            [got.run],
            |r| r.get(0),
        )
        .expect("version");
    let page = crate::items::query(
        &p,
        &crate::items::Query {
            version_id: version,
            run: Some(got.run),
            limit: 4,
            ..Default::default()
        },
    )
    .expect("listing");
    let shown: Vec<(&str, Option<&str>, bool)> = page
        .items
        .iter()
        .map(|i| (i.id.as_str(), i.predicted.as_deref(), i.failed))
        .collect();
    assert_eq!(
        shown,
        [
            ("wine_000", Some("class_1"), false),
            ("wine_001", Some("class_0"), false),
            ("wine_002", None, true),
            ("wine_003", None, false),
        ]
    );
}

#[test]
fn rows_that_do_not_sum_to_one_are_refused_unless_normalized() {
    let (d, mut p, _) = wine();
    let file = d.path().join("loose.csv");
    std::fs::write(
        &file,
        "item_id,p_class_0,p_class_1,p_class_2\nwine_000,0.2,0.3,0.4\nwine_001,0.2,0.3,0.5\n",
    )
    .expect("write");
    let before = counts(&p);
    let e = import(&mut p, &opts(&file, "loose")).expect_err("0.9");
    let m = e.to_string();
    assert!(
        m.contains("row 1 (line 2): the probabilities sum to 0.900000, not 1")
            && m.contains("--normalize"),
        "{m}"
    );
    assert_eq!(counts(&p), before, "nothing written");
    let got = import(
        &mut p,
        &ImportOptions {
            normalize: true,
            ..opts(&file, "loose")
        },
    )
    .expect("normalized");
    assert_eq!(got.normalized, 1);
    let (_, back) = predictions(&p, got.run).expect("back");
    let w0 = back.iter().find(|b| b.ext_id == "wine_000").expect("row");
    assert!((w0.probabilities[2] - 0.4 / 0.9).abs() < 1e-6);
}

#[test]
fn bad_files_are_refused_naming_the_row_or_column_and_write_nothing() {
    let (d, mut p, _) = wine();
    let before = counts(&p);
    let cases: &[(&str, &str, &str)] = &[
        ("unknown.csv", "item_id,p_class_0,p_class_1,p_class_2\nwine_000,1,0,0\nnope_9,1,0,0\n",
            "row 2 (line 3): item \"nope_9\" is not in wine@1"),
        ("dup.csv", "item_id,p_class_0,p_class_1,p_class_2\nwine_000,1,0,0\nwine_000,0,1,0\n",
            "row 2 (line 3): item \"wine_000\" again (first at row 1)"),
        ("dup3.csv", "item_id,p_class_0,p_class_1,p_class_2\nwine_000,1,0,0\nwine_000,0,1,0\nwine_000,0,0,1\n",
            "row 3 (line 4): item \"wine_000\" again (first at row 1)"),
        ("class.csv", "item_id,p_class_0,p_class_1,p_class_2,p_class_9\nwine_000,1,0,0,0\n",
            "p_class_9 names classes not in the label schema (class_0, class_1, class_2)"),
        ("short.csv", "item_id,p_class_0,p_class_1\nwine_000,1,0\n",
            "a vector of 2 values for 3 classes: p_class_2 missing"),
        ("nan.csv", "item_id,p_class_0,p_class_1,p_class_2\nwine_000,NaN,0,1\n",
            "row 1 (line 2): p_class_0 is NaN: not a finite number"),
        ("inf.csv", "item_id,logits_class_0,logits_class_1,logits_class_2\nwine_000,inf,0,1\n",
            "row 1 (line 2): logits_class_0 is inf: not a finite number"),
        ("negative.csv", "item_id,p_class_0,p_class_1,p_class_2\nwine_000,-0.5,0.5,1\n",
            "row 1 (line 2): p_class_0 is -0.5: a probability is from 0 to 1"),
        ("empty.csv", "item_id,p_class_0,p_class_1,p_class_2\nwine_000,0.5,,0.5\n",
            "row 1 (line 2): p_class_1 is empty"),
        ("text.csv", "item_id,p_class_0,p_class_1,p_class_2\nwine_000,0.5,0.5,0\nwine_001,half,0.5,0\n",
            "row 2: p_class_0 is \"half\", not a number"),
        ("noid.csv", "id,p_class_0,p_class_1,p_class_2\nwine_000,1,0,0\n", "no item_id column"),
        ("mixed.csv", "item_id,p_class_0,p_class_1,p_class_2,logits_class_0,logits_class_1,logits_class_2\nwine_000,1,0,0,1,0,0\n",
            "both p_… and logits_… columns"),
        ("half.csv", "item_id,predicted\nwine_000,class_0\n", "predicted without confidence"),
        ("label.csv", "item_id,predicted,confidence\nwine_000,class_7,0.9\n",
            "row 1 (line 2): predicted \"class_7\" is not a label of the schema"),
        ("low.csv", "item_id,predicted,confidence\nwine_000,class_0,0.2\n",
            "row 1 (line 2): confidence 0.2 is below 1/3"),
        ("none.csv", "item_id,score\nwine_000,0.2\n", "no prediction columns"),
        ("header.csv", "item_id,p_class_0,p_class_1,p_class_2\n", "no rows"),
        ("ragged.csv", "item_id,p_class_0,p_class_1,p_class_2\nwine_000,1,0\n", "row 1 (line 2)"),
        ("models.csv", "item_id,p_class_0,p_class_1,p_class_2,model_sha256\nwine_000,1,0,0,aa\nwine_001,1,0,0,bb\n",
            "row 2 (line 3): model_sha256 \"bb\" differs from row 1's \"aa\""),
        ("when.csv", "item_id,p_class_0,p_class_1,p_class_2,created_at\nwine_000,1,0,0,yesterday\n",
            "row 1 (line 2): created_at \"yesterday\""),
    ];
    for (name, text, want) in cases {
        let file = d.path().join(name);
        std::fs::write(&file, text).expect("write");
        let e = import(&mut p, &opts(&file, "bad")).expect_err(name);
        let m = e.to_string();
        assert!(m.contains(want), "{name}: {m}");
        assert!(m.contains(name), "{name}: the file is named: {m}");
        assert_eq!(e.code(), crate::error::ErrorCode::InvalidInput, "{name}");
        assert_eq!(counts(&p), before, "{name}: nothing written");
    }
    // A folder, an unknown dataset, no name.
    let e = import(&mut p, &opts(d.path(), "bad")).expect_err("folder");
    assert!(e.to_string().contains("give a predictions file"), "{e}");
    let file = d.path().join("unknown.csv");
    let e = import(
        &mut p,
        &ImportOptions {
            dataset: Some("nope".into()),
            ..opts(&file, "bad")
        },
    )
    .expect_err("dataset");
    assert_eq!(e.code(), crate::error::ErrorCode::NotFound, "{e}");
    let e = import(&mut p, &opts(&file, " ")).expect_err("name");
    assert!(e.to_string().contains("--name"), "{e}");
    assert_eq!(counts(&p), before);
}

/// The stored columns of every prediction of `run`, by item id: predicted, confidence, margin,
/// entropy, given class, given probability, packed vector, error.
type StoredRow = (
    Option<i64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<i64>,
    Option<f64>,
    Option<Vec<u8>>,
    Option<String>,
);

fn stored(p: &Project, run: i64) -> HashMap<String, StoredRow> {
    let mut stmt = p
        .conn()
        .prepare(
            "SELECT i.ext_id, p.predicted, p.confidence, p.margin, p.entropy, p.given_class, p.given_prob, p.probs, p.error
             FROM predictions p JOIN items i ON i.id = p.item_id WHERE p.run_id = ?1",
        )
        .expect("prepare");
    stmt.query_map([run], |r| {
        Ok((
            r.get(0)?,
            (
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
            ),
        ))
    })
    .expect("query")
    .collect::<rusqlite::Result<_>>()
    .expect("rows")
}

/// What inference stores for the probability vector `p` of an item whose given label is class
/// `given`.
fn scored(p: &[f64], given: Option<usize>) -> StoredRow {
    let p: Vec<f32> = p.iter().map(|&v| v as f32).collect();
    let c = stored_columns(&p, given);
    (
        Some(c.predicted),
        Some(c.confidence),
        Some(c.margin),
        Some(c.entropy),
        c.given_class,
        c.given_prob,
        Some(c.probs),
        None,
    )
}

/// Every value an import stores is pinned: the scores, the given label's class and
/// probability and the packed vector are inference's scoring of the file's vector (rescaled in
/// f64 with `normalize`, softmax in f64 for logits, then f32), whatever order the rows come
/// in; failed rows keep their reason and nothing else.
#[test]
fn stored_values_are_inferences_scoring_of_the_files_vectors() {
    let (d, mut p, _) = wine();
    let given: HashMap<String, Option<usize>> = p
        .conn()
        .prepare("SELECT i.ext_id, l.name FROM items i LEFT JOIN labels l ON l.id = i.label_id")
        .expect("prepare")
        .query_map([], |r| {
            let label: Option<String> = r.get(1)?;
            Ok((
                r.get(0)?,
                label.and_then(|l| l.strip_prefix("class_").and_then(|k| k.parse().ok())),
            ))
        })
        .expect("query")
        .collect::<rusqlite::Result<_>>()
        .expect("given");
    let mut ids: Vec<String> = given.keys().cloned().collect();
    ids.sort();
    // A shuffled order: every seventh item, round and round.
    let order: Vec<&String> = (0..ids.len()).map(|i| &ids[i * 7 % ids.len()]).collect();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut probs = String::from("item_id,p_class_0,p_class_1,p_class_2,error\n");
    let mut logits = String::from("item_id,logits_class_0,logits_class_1,logits_class_2\n");
    let mut want_probs = HashMap::new();
    let mut want_logits = HashMap::new();
    for (i, id) in order.iter().enumerate() {
        let g = given[*id];
        if i % 17 == 5 {
            probs.push_str(&format!("{id},,,,the endpoint timed out\n"));
            want_probs.insert(
                id.to_string(),
                (
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    Some("the endpoint timed out".into()),
                ),
            );
        } else {
            // Some rows sum to 1, others are rescaled.
            let mut v = [next(), next(), next()];
            if i % 3 != 0 {
                let sum: f64 = v.iter().sum();
                v.iter_mut().for_each(|e| *e /= sum);
            }
            probs.push_str(&format!("{id},{},{},{},\n", v[0], v[1], v[2]));
            let sum: f64 = v.iter().sum();
            let p: Vec<f64> = if (sum - 1.0).abs() > SUM_TOLERANCE {
                v.iter().map(|e| e / sum).collect()
            } else {
                v.to_vec()
            };
            want_probs.insert(id.to_string(), scored(&p, g));
        }
        let l = [next() * 40.0 - 20.0, next() * 40.0 - 20.0, next() * 3.0];
        logits.push_str(&format!("{id},{},{},{}\n", l[0], l[1], l[2]));
        let max = l.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let e: Vec<f64> = l.iter().map(|v| (v - max).exp()).collect();
        let s: f64 = e.iter().sum();
        let p: Vec<f64> = e.iter().map(|v| v / s).collect();
        want_logits.insert(id.to_string(), scored(&p, g));
    }
    for (name, text, want, normalize) in [
        ("probs.csv", probs, want_probs, true),
        ("logits.csv", logits, want_logits, false),
    ] {
        let file = d.path().join(name);
        std::fs::write(&file, text).expect("write");
        let got = import(
            &mut p,
            &ImportOptions {
                normalize,
                ..opts(&file, name)
            },
        )
        .expect(name);
        assert_eq!(got.rows, 178, "{name}");
        let back = stored(&p, got.run);
        assert_eq!(back.len(), want.len(), "{name}");
        for (id, w) in &want {
            assert_eq!(&back[id], w, "{name} {id}");
        }
    }
}
