//! Text models against `fixtures/text/` (expected probabilities from Python onnxruntime
//! 1.31.1, the transformer fed by Python `tokenizers`): a scikit-learn TF-IDF pipeline with a
//! string input and a transformer-style classifier with its tokenizer.json; text models on
//! image datasets and image models on text datasets are refused with the reason.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use super::super::*;
use crate::dataset::{self, ColumnChoice, ImportOptions};
use crate::predict::{self, PredictOptions};
use crate::testutil::fixtures;

fn text_project(source: &str, text_col: Option<&str>) -> (tempfile::TempDir, Project) {
    let dir = tempfile::tempdir().expect("tmp");
    let mut p = Project::create(&dir.path().join("p"), None, &[]).expect("create");
    dataset::import(
        &mut p,
        &ImportOptions {
            source: fixtures().join(source),
            name: Some("data".into()),
            columns: ColumnChoice {
                text_col: text_col.map(str::to_string),
                ..Default::default()
            },
            labels_from_data: false,
        },
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .expect("import");
    (dir, p)
}

fn add_file(p: &mut Project, file: PathBuf, tokenizer: Option<PathBuf>) -> Result<ModelInfo> {
    add(
        p,
        &AddOptions {
            file,
            tokenizer,
            ..Default::default()
        },
    )
}

fn predict_with(p: &mut Project, model: &str, batch: usize) -> Result<predict::RunSummary> {
    predict::predict(
        p,
        &PredictOptions {
            model: model.into(),
            dataset: "data".into(),
            batch_size: batch,
            device: runtime::Device::Cpu,
            resume: None,
            decode: None,
            cuda: Default::default(),
        },
        &mut |_| {},
        &AtomicBool::new(false),
    )
}

/// `fixtures/text/expected/<name>.csv`: the classes and each item's probabilities.
fn expected(name: &str) -> (Vec<String>, HashMap<String, Vec<f64>>) {
    let text = std::fs::read_to_string(fixtures().join(format!("text/expected/{name}.csv")))
        .expect("expected csv");
    let mut lines = text.lines();
    let classes = lines.next().expect("header").split(',').skip(1);
    let classes = classes
        .map(|c| c.trim_start_matches("p_").to_string())
        .collect();
    let rows = lines
        .map(|l| {
            let mut f = l.split(',');
            let id = f.next().expect("id").to_string();
            (id, f.map(|x| x.parse().expect("float")).collect())
        })
        .collect();
    (classes, rows)
}

fn check_run(p: &Project, run: i64, name: &str) {
    let (classes, want) = expected(name);
    let (got_classes, preds) = predict::predictions(p, run).expect("predictions");
    assert_eq!(got_classes, classes);
    assert_eq!(preds.len(), want.len());
    for pr in &preds {
        assert_eq!(pr.error, None, "{}", pr.ext_id);
        let w = &want[&pr.ext_id];
        for (g, w) in pr.probabilities.iter().zip(w) {
            assert!(
                (f64::from(*g) - w).abs() < 1e-5,
                "{name} {}: {:?} vs {w:?}",
                pr.ext_id,
                pr.probabilities
            );
        }
    }
}

#[test]
fn a_scikit_learn_tfidf_pipeline_reads_strings_and_matches_onnxruntime() {
    let (_d, mut p) = text_project("text/descr.csv", Some("text"));
    let m = add_file(&mut p, fixtures().join("text/tfidf_logreg.onnx"), None).expect("add");
    assert_eq!(m.preprocess.input_kind(), InputKind::Text);
    assert_eq!(
        m.preprocess,
        Preprocess::Text {
            input: "text".into(),
            tokens: None
        }
    );
    assert_eq!(m.classes_source, ClassesSource::ModelGraph);
    let s = predict_with(&mut p, "tfidf_logreg", 7).expect("predict");
    assert_eq!((s.items, s.failed), (34, 0));
    check_run(&p, s.run, "tfidf_logreg");

    // A queue over the run serves each item with its text, to label.
    let q = crate::review::create(
        &mut p,
        &crate::review::QueueCreate {
            name: "texts".into(),
            spec: crate::queue::QueueSpec {
                run: s.run,
                strategy: crate::queue::Strategy::Random,
                other_run: None,
                threshold: None,
                seed: 3,
                calibrated: false,
            },
            limit: Some(5),
            overlap_share: 0.0,
            overlap_k: 1,
            blind: false,
            lease_seconds: 600,
            assign: Vec::new(),
            gold: Default::default(),
        },
    )
    .expect("queue");
    crate::annotate::add_annotator(&p, "ana", crate::annotate::Role::Annotator).expect("ana");
    let views = crate::review::next_view(&mut p, q.id, "ana", 2).expect("view");
    assert_eq!(views.len(), 2);
    let (_, want) = expected("tfidf_logreg");
    for v in &views {
        assert!(want.contains_key(&v.assigned.item_id));
        let text = v.text.as_deref().expect("the item's text");
        let detail = crate::items::get(&p, v.assigned.item).expect("item");
        assert_eq!(Some(text), detail.text.as_deref());
    }

    // Two people disagree on an item: the conflict a reviewer adjudicates carries the text.
    let item = views[0].assigned.item;
    crate::annotate::add_annotator(&p, "ben", crate::annotate::Role::Annotator).expect("ben");
    for (who, label) in [("ana", "lfw"), ("ben", "covtype")] {
        crate::annotate::record(
            &mut p,
            &crate::annotate::NewAnnotation::new(
                item,
                who,
                crate::annotate::Event::Label {
                    label: label.into(),
                },
                crate::annotate::Source::Manual,
            ),
        )
        .expect("label");
    }
    let conflicts = crate::review::conflicts(&p, false).expect("conflicts");
    let c = conflicts
        .iter()
        .find(|c| c.decision.item == item)
        .expect("the conflict");
    assert_eq!(c.text, crate::items::get(&p, item).expect("item").text);
    assert!(c.text.is_some());
}

#[test]
fn a_transformer_style_model_is_fed_by_its_tokenizer_and_matches_onnxruntime() {
    let (_d, mut p) = text_project("text/descr.jsonl", Some("text"));
    let m = add_file(&mut p, fixtures().join("text/transformer/model.onnx"), None).expect("add");
    let Preprocess::Text {
        input,
        tokens: Some(plan),
    } = &m.preprocess
    else {
        panic!("not a token plan: {:?}", m.preprocess)
    };
    assert_eq!(input, "input_ids");
    assert_eq!(plan.attention_mask.as_deref(), Some("attention_mask"));
    assert_eq!(plan.token_type_ids.as_deref(), Some("token_type_ids"));
    assert_eq!(plan.sequence, None);
    // The tokenizer is kept in the project, content-addressed.
    assert!(
        p.root().join(&plan.tokenizer).is_file(),
        "{}",
        plan.tokenizer
    );
    assert_eq!(m.classes_source, ClassesSource::ModelMetadata);
    // Batches of 5 pad differently from Python's single batch: the mask makes it the same.
    for batch in [5, 64] {
        let s = predict_with(&mut p, "model", batch).expect("predict");
        assert_eq!((s.items, s.failed), (34, 0));
        check_run(&p, s.run, "transformer");
    }
}

#[test]
fn a_token_model_without_its_tokenizer_is_refused_naming_the_file() {
    let (d, mut p) = text_project("text/descr.csv", Some("text"));
    let alone = d.path().join("alone.onnx");
    std::fs::copy(fixtures().join("text/transformer/model.onnx"), &alone).expect("copy");
    let e = add_file(&mut p, alone.clone(), None)
        .expect_err("no tokenizer")
        .to_string();
    assert!(
        e.contains("tokenizer.json") && e.contains("--tokenizer"),
        "{e}"
    );
    // Named explicitly, it is found anywhere; a file that is not a tokenizer is refused.
    let bad = d.path().join("bad.json");
    std::fs::write(&bad, "{}").expect("write");
    let e = add_file(&mut p, alone.clone(), Some(bad))
        .expect_err("bad")
        .to_string();
    assert!(e.contains("not a tokenizer"), "{e}");
    add_file(
        &mut p,
        alone,
        Some(fixtures().join("text/transformer/tokenizer.json")),
    )
    .expect("with --tokenizer");
    assert!(
        list(&p).expect("list").len() == 1,
        "nothing registered by the refusals"
    );
    // --tokenizer on a model without token inputs.
    let e = add_file(
        &mut p,
        fixtures().join("text/tfidf_logreg.onnx"),
        Some(fixtures().join("text/transformer/tokenizer.json")),
    )
    .expect_err("not a token model")
    .to_string();
    assert!(e.contains("--tokenizer applies"), "{e}");
}

#[test]
fn text_models_refuse_image_datasets_and_image_models_refuse_text_datasets() {
    let (_d, mut p) = text_project("digits/manifest.csv", None);
    add_file(&mut p, fixtures().join("text/tfidf_logreg.onnx"), None).expect("add");
    let e = predict_with(&mut p, "tfidf_logreg", 8)
        .expect_err("refused")
        .to_string();
    assert!(e.contains("reads text") && e.contains("--text-col"), "{e}");

    let (_d, mut p) = text_project("text/folder", None);
    add_file(&mut p, fixtures().join("models/digits_logits.onnx"), None).expect("add");
    let e = predict_with(&mut p, "digits_logits", 8)
        .expect_err("refused")
        .to_string();
    assert!(
        e.contains("takes images") && e.contains("holds texts"),
        "{e}"
    );
}

/// Predict `model` in batches of one, committing what finishes within `every` together; for
/// each batch, the items done and the items another connection sees committed at that moment.
fn commits_seen(p: &mut Project, model: &str, every: std::time::Duration) -> Vec<(i64, i64)> {
    let observer =
        rusqlite::Connection::open(p.root().join(crate::store::DB_FILE)).expect("observer");
    let mut seen = Vec::new();
    let s = predict::predict_committing(
        p,
        &PredictOptions {
            model: model.into(),
            dataset: "data".into(),
            batch_size: 1,
            device: runtime::Device::Cpu,
            resume: None,
            decode: None,
            cuda: Default::default(),
        },
        &mut |r| {
            let committed = observer
                .query_row(
                    "SELECT items_done FROM runs WHERE id = ?1",
                    [r.run],
                    |row| row.get(0),
                )
                .expect("run");
            seen.push((r.done as i64, committed));
        },
        &AtomicBool::new(false),
        every,
    )
    .expect("predict");
    assert_eq!((s.items, s.failed), (34, 0));
    // Everything is committed by the end, the same as in one batch.
    check_run(p, s.run, model);
    seen
}

#[test]
fn a_fast_models_batches_are_committed_together_not_one_transaction_each() {
    // A commit rewrites every index page its rows touched: committing each of a fast model's
    // small batches on its own made writing slower than the model (TF-IDF, batches of 64).
    let (_d, mut p) = text_project("text/descr.csv", Some("text"));
    add_file(&mut p, fixtures().join("text/tfidf_logreg.onnx"), None).expect("add");
    // Progress is reported after each commit: (reported, stored) pairs. The first batch is
    // committed at once, the 33 after it within the interval together, at the end.
    let seen = commits_seen(&mut p, "tfidf_logreg", std::time::Duration::from_secs(600));
    assert_eq!(seen, [(1, 1), (34, 34)]);
    // With no time to gather, each batch is committed (and reported) on its own.
    let seen = commits_seen(&mut p, "tfidf_logreg", std::time::Duration::ZERO);
    let want: Vec<(i64, i64)> = (1..=34).map(|i| (i, i)).collect();
    assert_eq!(seen, want);
}
