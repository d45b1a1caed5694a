//! Predict with text models on the CPU, and compare in the same run with the loop a user would
//! otherwise write in Python over the same texts, in the same batches:
//! - the scikit-learn TF-IDF + logistic regression pipeline (skl2onnx, a string input):
//!   onnxruntime `session.run` on a NumPy array of strings per batch;
//! - the transformer-style classifier (`input_ids`, `attention_mask`, `token_type_ids`):
//!   `tokenizers.Tokenizer.encode_batch` per batch (truncation and padding as its
//!   tokenizer.json says), NumPy int64 arrays, onnxruntime `session.run`.
//!
//! Both from `fixtures/text/`; the texts are the fixture's 34 paragraphs repeated to N items
//! (each repetition with its number appended, so no two texts are equal).
//!
//! Arbiter's figure is the whole `predict` run: reading the texts from the project, tokenizing,
//! inference and writing every prediction to SQLite; the Python loop only reads a CSV and runs
//! the model (its probabilities are not stored anywhere).
//!
//! Run: `cargo run --release -p arbiter-bench --bin predict_text [-- N [BATCH]]` (defaults 20000
//! 64), with `python3` on the PATH being an environment with onnxruntime, tokenizers and NumPy
//! (`fixtures/requirements.txt`).

use std::path::Path;
use std::sync::atomic::AtomicBool;

use anyhow::Result;
use arbiter_bench::{python_seconds, time, write_manifest};
use arbiter_core::dataset::{self, ColumnChoice, ImportOptions};
use arbiter_core::model::{self, runtime::Device, AddOptions};
use arbiter_core::predict::{self, PredictOptions};
use arbiter_core::Project;

const PYTHON_LOOP: &str = r#"
import csv, sys, time
import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer
kind, model, manifest, batch = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
t0 = time.perf_counter()
with open(manifest, encoding="utf-8", newline="") as f:
    texts = [r["text"] for r in csv.DictReader(f)]
so = ort.SessionOptions()
sess = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
if kind == "transformer":
    tok = Tokenizer.from_file(sys.argv[5])
for i in range(0, len(texts), batch):
    chunk = texts[i:i + batch]
    if kind == "tfidf":
        sess.run(None, {"text": np.array(chunk).reshape(-1, 1)})
    else:
        enc = tok.encode_batch(chunk)
        sess.run(["probabilities"], {
            "input_ids": np.array([e.ids for e in enc], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64),
        })
print(time.perf_counter() - t0)
"#;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args
        .get(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(20_000);
    let batch: usize = args.get(2).map(|a| a.parse()).transpose()?.unwrap_or(64);
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/text");
    let base: Vec<(String, String)> = csv::Reader::from_path(fixtures.join("descr.csv"))?
        .records()
        .map(|r| r.map(|r| (r[1].to_string(), r[2].to_string())))
        .collect::<std::result::Result<_, _>>()?;
    let dir = tempfile::tempdir()?;
    let manifest = dir.path().join("texts.csv");
    write_manifest(&manifest, "id,text,label", n, |i| {
        let (text, label) = &base[i % base.len()];
        format!("t{i},\"{} ({i})\",{label}", text.replace('"', "\"\""))
    })?;
    let mut p = Project::create(&dir.path().join("p"), None, &[])?;
    dataset::import(
        &mut p,
        &ImportOptions {
            source: manifest.clone(),
            name: Some("texts".into()),
            columns: ColumnChoice {
                text_col: Some("text".into()),
                ..Default::default()
            },
            labels_from_data: false,
        },
        &mut |_| {},
        &AtomicBool::new(false),
    )?;
    println!("predict_text: {n} texts, batches of {batch}, CPU");
    let batch_s = batch.to_string();
    for (kind, file, tokenizer) in [
        ("tfidf", fixtures.join("tfidf_logreg.onnx"), None),
        (
            "transformer",
            fixtures.join("transformer/model.onnx"),
            Some(fixtures.join("transformer/tokenizer.json")),
        ),
    ] {
        let m = model::add(
            &mut p,
            &AddOptions {
                file: file.clone(),
                name: Some(kind.into()),
                ..Default::default()
            },
        )?;
        let opts = PredictOptions {
            model: m.name.clone(),
            dataset: "texts".into(),
            batch_size: batch,
            device: Device::Cpu,
            resume: None,
            decode: None,
            cuda: Default::default(),
        };
        // A warm-up run (page cache, ONNX Runtime), then the measured one.
        predict::predict(&mut p, &opts, &mut |_| {}, &AtomicBool::new(false))?;
        let (run, wall) =
            time(|| predict::predict(&mut p, &opts, &mut |_| {}, &AtomicBool::new(false)));
        let run = run?;
        anyhow::ensure!(run.failed == 0, "{kind}: {} items failed", run.failed);
        let mut py_args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&kind, &file, &manifest, &batch_s];
        let tok_arg = tokenizer.clone().unwrap_or_default();
        if tokenizer.is_some() {
            py_args.push(&tok_arg);
        }
        python_seconds(PYTHON_LOOP, &py_args)?; // warm-up
        let py = python_seconds(PYTHON_LOOP, &py_args)?.as_secs_f64();
        let ours = wall.as_secs_f64();
        println!(
            "  {kind:12} Arbiter {:>9.0} items/s ({ours:.2} s, model {:.2} s)   Python onnxruntime{} {:>9.0} items/s ({py:.2} s)   ×{:.2}",
            n as f64 / ours,
            run.model_seconds,
            if tokenizer.is_some() { " + tokenizers" } else { "" },
            n as f64 / py,
            py / ours
        );
    }
    Ok(())
}
