//! Inference runs: one model version over one dataset version, as a pipeline of three stages
//! joined by bounded channels — decoding and preprocessing in parallel (a rayon pool), inference
//! (ORT, on its own thread), and writing (the caller's thread) — so decoding overlaps the model
//! and the model never waits for SQLite. Results are written in one transaction per batch
//! together with the run's counters, so an interrupted run resumes where it stopped. A file that
//! cannot be read fails that item (its reason is stored), not the run.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use ort::value::{DynMapValueType, Tensor};
use rayon::prelude::*;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use crate::dataset::{self, VersionInfo};
use crate::error::{Error, Result};
use crate::model::preprocess::{self, Sample};
use crate::model::runtime::{self, Device};
use crate::model::{self, ModelInfo, OutputKind, Preprocess};
use crate::store::Project;
use crate::time::NOW_SQL;

/// Above this many classes a prediction keeps a sparse top-[`SPARSE_TOP_K`] instead of the
/// dense vector (1,000 classes × 1,000,000 items would be 4 GB dense; sparse keeps 512 MB).
pub const DENSE_MAX_CLASSES: usize = 256;
pub const SPARSE_TOP_K: usize = 64;

#[derive(Debug, Clone)]
pub struct PredictOptions {
    pub model: String,
    pub dataset: String,
    pub batch_size: usize,
    pub device: Device,
    /// Continue this run instead of starting a new one.
    pub resume: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RunProgress {
    pub run: i64,
    pub done: u64,
    pub failed: u64,
    pub total: u64,
    pub items_per_second: f64,
    pub eta_seconds: Option<f64>,
    /// The execution provider in use.
    pub provider: &'static str,
}

/// What a run did, shaped as the CLI's JSON contract (`notice`, `status`, … added).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    pub run: i64,
    pub items: u64,
    pub failed: u64,
    /// The execution provider actually used.
    pub device: String,
    pub requested_device: String,
    pub notice: Option<String>,
    pub seconds: f64,
    pub items_per_second: f64,
    pub model_seconds: f64,
    pub status: String,
    pub model: String,
    pub dataset: String,
    /// The model version and dataset version the run is of.
    pub model_id: i64,
    pub version_id: i64,
}

/// One item to predict.
struct Job {
    item: i64,
    path: Option<PathBuf>,
    /// The media's content hash at import (checked before the file is used).
    media_hash: Option<[u8; 32]>,
    features: Vec<f64>,
    /// The given label's index among the model's classes, if any.
    given: Option<usize>,
}

/// Batches decoded ahead of the model, and batches inferred ahead of the writer.
const QUEUED: usize = 3;

/// A decoded batch: the items, and the samples that decoded, as one contiguous model input.
struct Batch {
    items: Vec<i64>,
    given: Vec<Option<usize>>,
    /// Why an item failed (`None`: its sample is in `input`, in item order).
    errors: Vec<Option<String>>,
    input: BatchInput,
}

enum BatchInput {
    F32(Vec<f32>),
    U8(Vec<u8>),
}

impl BatchInput {
    fn is_empty(&self) -> bool {
        match self {
            BatchInput::F32(v) => v.is_empty(),
            BatchInput::U8(v) => v.is_empty(),
        }
    }
}

impl Batch {
    fn new(
        items: Vec<i64>,
        given: Vec<Option<usize>>,
        samples: Vec<std::result::Result<Sample, String>>,
    ) -> Batch {
        let u8_input = samples.iter().any(|s| matches!(s, Ok(Sample::U8(_))));
        let mut input = if u8_input {
            BatchInput::U8(Vec::new())
        } else {
            BatchInput::F32(Vec::new())
        };
        let errors = samples
            .into_iter()
            .map(|s| match (s, &mut input) {
                (Ok(Sample::F32(v)), BatchInput::F32(data)) => {
                    data.extend_from_slice(&v);
                    None
                }
                (Ok(Sample::U8(v)), BatchInput::U8(data)) => {
                    data.extend_from_slice(&v);
                    None
                }
                (Ok(_), _) => Some("the sample's element type differs from the batch's".into()),
                (Err(e), _) => Some(e),
            })
            .collect();
        Batch {
            items,
            given,
            errors,
            input,
        }
    }

    fn ok(&self) -> usize {
        self.errors.iter().filter(|e| e.is_none()).count()
    }
}

/// A batch and what the model made of it (one probability vector per decoded sample).
struct Inferred {
    batch: Batch,
    probs: std::result::Result<Vec<Vec<f32>>, String>,
    seconds: f64,
}

/// The decoding workers: one per CPU. They share the CPUs with inference, which uses every
/// CPU too; decoding runs ahead of the model by at most [`QUEUED`] batches and then sleeps.
fn decode_pool() -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(runtime::threads())
        .thread_name(|i| format!("arbiter-decode-{i}"))
        .build()
        .map_err(|e| Error::Runtime(format!("cannot start the decoding threads: {e}")))
}

/// Check that the model can be fed from this dataset version.
pub fn check_feedable(model: &ModelInfo, version: &VersionInfo, conn: &Connection) -> Result<()> {
    let bad = |m: String| Error::Model {
        path: model.file.clone(),
        message: m,
    };
    match &model.preprocess {
        Preprocess::Tabular { features, .. } => {
            if version.feature_names.len() != *features {
                return Err(bad(format!(
                    "model {:?} takes {features} features but this dataset version has {} ({}); import a manifest whose feature columns match, or name them with --features",
                    model.name,
                    version.feature_names.len(),
                    if version.feature_names.is_empty() { "none".to_string() } else { version.feature_names.join(", ") }
                )));
            }
        }
        Preprocess::Image { .. } => {
            let with_media: i64 = conn.query_row(
                "SELECT COUNT(*) FROM items WHERE version_id = ?1 AND path IS NOT NULL",
                [version.id],
                |r| r.get(0),
            )?;
            if with_media == 0 {
                return Err(bad(format!(
                    "model {:?} takes images but this dataset version has no media paths; import a manifest with a path column or an image folder",
                    model.name
                )));
            }
        }
    }
    Ok(())
}

/// Run (or resume) inference. `progress` is called after every batch; `cancel` stops after the
/// current batch, leaving a resumable run.
pub fn predict(
    project: &mut Project,
    opts: &PredictOptions,
    progress: &mut dyn FnMut(RunProgress),
    cancel: &AtomicBool,
) -> Result<RunSummary> {
    let root = project.root().to_path_buf();
    let conn = project.conn();
    let (model, version, run) = match opts.resume {
        Some(run) => {
            let (model_id, version_id, status): (i64, i64, String) = conn
                .query_row(
                    "SELECT model_id, version_id, status FROM runs WHERE id = ?1",
                    [run],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?
                .ok_or(Error::NotFound {
                    what: "run",
                    name: run.to_string(),
                })?;
            if status == "done" {
                return Err(Error::InvalidArgument(format!(
                    "run {run} is complete; nothing to resume"
                )));
            }
            (
                model::get(conn, &root, model_id)?,
                dataset::version(conn, version_id)?,
                Some(run),
            )
        }
        None => (
            model::resolve(conn, &root, &opts.model)?,
            dataset::resolve(conn, &opts.dataset)?,
            None,
        ),
    };
    check_feedable(&model, &version, conn)?;
    let plan = plan_batches(&model, opts.batch_size)?;
    let batch_size = plan.size;

    let built = runtime::session(&model.file, opts.device)?;
    let mut session = built.session;
    let provider = built.provider;
    let notices: Vec<&str> = [built.notice.as_deref(), plan.notice.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let notice = (!notices.is_empty()).then(|| notices.join("; "));

    // This process's hold on the run until it returns: a second process cannot work on it, and
    // if this one dies the run is seen as interrupted (`store::run_lock`).
    let _held: crate::store::run_lock::RunLock;
    let run = match run {
        Some(run) => {
            _held = crate::store::run_lock::take(&root, run)?;
            conn.execute(
                "UPDATE runs SET status = 'running', provider = ?2, notice = ?3, device = ?4, batch_size = ?5 WHERE id = ?1",
                rusqlite::params![run, provider, notice, opts.device.as_str(), batch_size as i64],
            )?;
            run
        }
        None => {
            let tx = project.conn_mut().transaction()?;
            tx.execute(
                &format!(
                    "INSERT INTO runs (model_id, version_id, device, provider, notice, batch_size, status, items_total, started_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'running', ?7, {NOW_SQL})"
                ),
                rusqlite::params![model.id, version.id, opts.device.as_str(), provider, notice, batch_size as i64, version.items],
            )?;
            let run = tx.last_insert_rowid();
            // Taken before the run is visible to others (the transaction is not committed).
            _held = crate::store::run_lock::take(&root, run)?;
            crate::audit::record(
                &tx,
                "arbiter",
                "run.start",
                &serde_json::json!({ "run": run, "model": model.name, "model_version": model.version, "sha256": model.sha256,
                    "dataset": version.id, "device": opts.device.as_str(), "provider": provider }),
            )?;
            tx.commit()?;
            run
        }
    };

    // The items still to do, in source order.
    let jobs: Vec<Job> = {
        let conn = project.conn();
        let mut stmt = conn.prepare(
            "SELECT i.id, i.path, i.features, l.name, i.media_hash FROM items i LEFT JOIN labels l ON l.id = i.label_id
             WHERE i.version_id = ?1 AND NOT EXISTS (SELECT 1 FROM predictions p WHERE p.run_id = ?2 AND p.item_id = i.id)
             ORDER BY i.id",
        )?;
        let root = PathBuf::from(&version.root);
        let class_of: std::collections::HashMap<&str, usize> = model
            .classes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.as_str(), i))
            .collect();
        let rows = stmt.query_map([version.id, run], |r| {
            let path: Option<String> = r.get(1)?;
            let features: Option<Vec<u8>> = r.get(2)?;
            let label: Option<String> = r.get(3)?;
            Ok(Job {
                item: r.get(0)?,
                path: path.map(|p| root.join(p)),
                media_hash: r
                    .get::<_, Option<Vec<u8>>>(4)?
                    .and_then(|h| <[u8; 32]>::try_from(h.as_slice()).ok()),
                features: crate::items::unpack_features(features.as_deref().unwrap_or_default()),
                given: label.and_then(|l| class_of.get(l.as_str()).copied()),
            })
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let (mut done, mut failed): (i64, i64) = project.conn().query_row(
        "SELECT items_done, items_failed FROM runs WHERE id = ?1",
        [run],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let total = version.items as u64;

    let started = Instant::now();
    let media_root = PathBuf::from(&version.root);
    let classes = model.classes.len();
    let pre = model.preprocess.clone();
    let feature_names = version.feature_names.clone();
    let input_name = pre.input().to_string();
    let output = model.output.clone();
    // How a ZipMap output's keys map to class indexes: the model's own keys in order when it
    // declares them (integer targets named by a labels file), else the class names.
    let class_index: std::collections::HashMap<String, usize> = model
        .output
        .keys
        .as_ref()
        .filter(|k| k.len() == model.classes.len())
        .unwrap_or(&model.classes)
        .iter()
        .enumerate()
        .map(|(i, c)| (c.clone(), i))
        .collect();

    // Three stages, each on its own thread, joined by bounded channels: decoding (a pool of
    // workers, one batch at a time, at most `QUEUED` batches ahead) → inference (ORT, using
    // every CPU) → writing (this thread: scores, packing, one SQLite transaction per batch).
    // The model never waits for a write, and waits for decoding only when decoding is slower.
    let (tx_batches, rx_batches) = crossbeam_channel::bounded::<Batch>(QUEUED);
    let (tx_done, rx_done) = crossbeam_channel::bounded::<Inferred>(QUEUED);
    let decoders = decode_pool()?;
    let outcome: Result<bool> = std::thread::scope(|scope| {
        let producer = scope.spawn(|| {
            for chunk in jobs.chunks(batch_size) {
                if cancel.load(Ordering::Relaxed) {
                    break;
                }
                let samples: Vec<_> = decoders.install(|| {
                    chunk
                        .par_iter()
                        .map(|job| match &pre {
                            Preprocess::Image { image, .. } => match &job.path {
                                Some(p) => crate::media::read_verified(
                                    p,
                                    &media_root,
                                    job.media_hash.as_ref(),
                                )
                                .map_err(|e| e.to_string())
                                .and_then(|bytes| {
                                    preprocess::image_sample(&bytes, image)
                                        .map_err(|e| format!("{}: {e}", p.display()))
                                }),
                                None => Err("the item has no media path".to_string()),
                            },
                            Preprocess::Tabular { features, .. } => {
                                preprocess::tabular_sample(&job.features, &feature_names, *features)
                            }
                        })
                        .collect()
                });
                let batch = Batch::new(
                    chunk.iter().map(|j| j.item).collect(),
                    chunk.iter().map(|j| j.given).collect(),
                    samples,
                );
                if tx_batches.send(batch).is_err() {
                    break;
                }
            }
            drop(tx_batches);
        });
        let session = &mut session;
        let (input_name, pre, output, class_index) = (&input_name, &pre, &output, &class_index);
        let fixed_batch = plan.fixed;
        let inference = scope.spawn(move || {
            for mut batch in rx_batches.iter() {
                // Time inside Session::run for this batch, committed with its predictions.
                let t = Instant::now();
                let input = std::mem::replace(&mut batch.input, BatchInput::F32(Vec::new()));
                let probs = if input.is_empty() {
                    Ok(Vec::new())
                } else {
                    let n = batch.ok();
                    run_batch(
                        session,
                        input_name,
                        pre,
                        input,
                        n,
                        fixed_batch,
                        output,
                        classes,
                        class_index,
                    )
                };
                let seconds = t.elapsed().as_secs_f64();
                let failed = probs.is_err();
                if tx_done
                    .send(Inferred {
                        batch,
                        probs,
                        seconds,
                    })
                    .is_err()
                    || failed
                {
                    break;
                }
            }
        });

        let mut result: Result<bool> = Ok(true);
        for Inferred {
            batch,
            probs,
            seconds: batch_model_seconds,
        } in rx_done.iter()
        {
            let probs = match probs {
                Ok(p) => p,
                Err(e) => {
                    result = Err(Error::Model {
                        path: model.file.clone(),
                        message: format!("inference failed: {e}"),
                    });
                    break;
                }
            };
            // Write the batch and the run's counters in one transaction.
            let write = (|| -> Result<()> {
                let tx = project.conn_mut().transaction()?;
                {
                    let mut ins = tx.prepare_cached(
                        "INSERT OR REPLACE INTO predictions (run_id, item_id, predicted, confidence, margin, entropy, given_class, given_prob, probs, error)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                    )?;
                    let mut next_ok = 0;
                    for (i, item) in batch.items.iter().enumerate() {
                        match &batch.errors[i] {
                            None if !valid_probabilities(&probs[next_ok]) => {
                                next_ok += 1;
                                let none = Option::<f64>::None;
                                ins.execute(rusqlite::params![
                                    run,
                                    item,
                                    Option::<i64>::None,
                                    none,
                                    none,
                                    none,
                                    Option::<i64>::None,
                                    none,
                                    Option::<Vec<u8>>::None,
                                    NON_FINITE
                                ])?;
                                done += 1;
                                failed += 1;
                            }
                            None => {
                                let p = &probs[next_ok];
                                next_ok += 1;
                                let s = Scores::of(p);
                                let given_prob =
                                    batch.given[i].and_then(|g| p.get(g)).map(|v| *v as f64);
                                ins.execute(rusqlite::params![
                                    run,
                                    item,
                                    s.predicted as i64,
                                    s.confidence as f64,
                                    s.margin,
                                    s.entropy,
                                    batch.given[i].map(|g| g as i64),
                                    given_prob,
                                    pack(p),
                                    Option::<String>::None
                                ])?;
                                done += 1;
                            }
                            Some(reason) => {
                                let none = Option::<f64>::None;
                                ins.execute(rusqlite::params![
                                    run,
                                    item,
                                    Option::<i64>::None,
                                    none,
                                    none,
                                    none,
                                    Option::<i64>::None,
                                    none,
                                    Option::<Vec<u8>>::None,
                                    reason
                                ])?;
                                done += 1;
                                failed += 1;
                            }
                        }
                    }
                }
                tx.execute(
                    "UPDATE runs SET items_done = ?2, items_failed = ?3, model_seconds = model_seconds + ?4 WHERE id = ?1",
                    rusqlite::params![run, done, failed, batch_model_seconds],
                )?;
                tx.commit()?;
                Ok(())
            })();
            if let Err(e) = write {
                result = Err(e);
                break;
            }
            let secs = started.elapsed().as_secs_f64();
            let this_session = done as f64 - (total as f64 - jobs.len() as f64);
            let rate = if secs > 0.0 { this_session / secs } else { 0.0 };
            progress(RunProgress {
                run,
                done: done as u64,
                failed: failed as u64,
                total,
                items_per_second: rate,
                eta_seconds: (rate > 0.0).then(|| (total as f64 - done as f64) / rate),
                provider,
            });
            if cancel.load(Ordering::Relaxed) {
                result = Ok(false);
                break;
            }
        }
        // Stopping early: the closed channels end the other stages after their current batch.
        drop(rx_done);
        let _ = inference.join();
        let _ = producer.join();
        result
    });

    let seconds = started.elapsed().as_secs_f64();
    let status = match &outcome {
        Ok(true) if done as u64 >= total => "done",
        Ok(_) => "cancelled",
        Err(_) => "failed",
    };
    project.conn().execute(
        &format!(
            "UPDATE runs SET status = ?2, seconds = seconds + ?3,
             finished_at = CASE WHEN ?2 = 'done' THEN {NOW_SQL} ELSE finished_at END WHERE id = ?1"
        ),
        rusqlite::params![run, status, seconds],
    )?;
    outcome?;
    if status == "cancelled" {
        return Err(Error::Cancelled);
    }
    let summary = run_summary(project.conn(), run, notice)?;
    if summary.items > 0 && summary.failed == summary.items {
        return Err(all_failed(project.conn(), run, summary.failed)?);
    }
    Ok(summary)
}

/// Why an item fails when the model's output for it is unusable.
const NON_FINITE: &str = "the model returned scores that are not finite numbers (NaN or infinity) for this item, so it has no prediction; check the model (e.g. an overflow in its last layers) and the item's input";

/// Whether a probability vector can be stored: every value a finite number in [0, 1] (softmax
/// of logits with NaN or infinities, or a model emitting them, gives values that are not).
fn valid_probabilities(p: &[f32]) -> bool {
    p.iter()
        .all(|v| v.is_finite() && (0.0..=1.0 + 1e-4).contains(v))
}

/// The largest input batch Arbiter builds, in bytes.
const MAX_BATCH_BYTES: u64 = 1 << 30;

/// How a run batches its items.
struct BatchPlan {
    size: usize,
    /// The model's fixed batch dimension, when it has one (batches are padded to it).
    fixed: Option<usize>,
    /// Why the batch size differs from the one asked for.
    notice: Option<String>,
}

/// Items per batch: the size asked for, unless the model fixes its batch dimension (then
/// exactly that) or a batch would exceed [`MAX_BATCH_BYTES`] of input (then fewer).
fn plan_batches(model: &ModelInfo, asked: usize) -> Result<BatchPlan> {
    if asked == 0 {
        return Err(Error::InvalidArgument(
            "--batch-size 0: give the number of items per inference batch (at least 1; 64 by default)".into(),
        ));
    }
    let asked = asked.min(65_536);
    let sample_bytes = match &model.preprocess {
        Preprocess::Image { image, .. } => {
            image.sample_len() as u64
                * match image.dtype {
                    model::InputType::Float32 => 4,
                    model::InputType::Uint8 => 1,
                }
        }
        Preprocess::Tabular { features, .. } => *features as u64 * 4,
    }
    .max(1);
    if sample_bytes > model::MAX_SAMPLE_BYTES {
        // A model registered before `model add` checked this.
        return Err(Error::Model {
            path: model.file.clone(),
            message: format!(
                "one input sample takes {:.1} GB; Arbiter feeds up to {} MB per sample — register the model again with a smaller --size",
                sample_bytes as f64 / 1e9,
                model::MAX_SAMPLE_BYTES / (1024 * 1024)
            ),
        });
    }
    let fixed = model
        .inputs
        .iter()
        .find(|i| i.name == model.preprocess.input())
        .and_then(|i| i.shape.first().copied())
        .filter(|&d| d > 0)
        .map(|d| d as usize);
    if let Some(b) = fixed {
        return Ok(BatchPlan {
            size: b,
            fixed,
            notice: (b != asked).then(|| {
                format!("the model takes batches of exactly {b}; running {b} item(s) at a time")
            }),
        });
    }
    let most = (MAX_BATCH_BYTES / sample_bytes).max(1) as usize;
    Ok(if asked > most {
        BatchPlan {
            size: most,
            fixed: None,
            notice: Some(format!(
                "batches of {asked} would need {:.1} GB of input; running {most} item(s) at a time",
                (asked as u64 * sample_bytes) as f64 / 1e9
            )),
        }
    } else {
        BatchPlan {
            size: asked,
            fixed: None,
            notice: None,
        }
    })
}

/// The error for a run in which every item failed, with the first reasons.
fn all_failed(conn: &Connection, run: i64, failed: u64) -> Result<Error> {
    let reasons: Vec<(String, String)> = conn
        .prepare(
            "SELECT i.ext_id, p.error FROM predictions p JOIN items i ON i.id = p.item_id
             WHERE p.run_id = ?1 AND p.error IS NOT NULL ORDER BY p.item_id LIMIT 3",
        )?
        .query_map([run], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let listed: Vec<String> = reasons
        .iter()
        .map(|(id, why)| format!("\n  {id}: {why}"))
        .collect();
    Ok(Error::InvalidArgument(format!(
        "run {run}: all {failed} item(s) failed, so there are no predictions (see `arbiter runs --failures {run}`); the first reasons:{}",
        listed.concat()
    )))
}

/// The uncertainty scores of one probability vector, as docs/contract.md defines them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scores {
    pub predicted: usize,
    /// max p
    pub confidence: f32,
    /// p(1st) − p(2nd); 1 for a single class
    pub margin: f64,
    /// −Σ p ln p, natural log, 0·ln 0 = 0
    pub entropy: f64,
}

impl Scores {
    pub fn of(p: &[f32]) -> Scores {
        let (mut best, mut first, mut second) = (0usize, f32::NEG_INFINITY, f32::NEG_INFINITY);
        for (i, &v) in p.iter().enumerate() {
            if v > first {
                second = first;
                first = v;
                best = i;
            } else if v > second {
                second = v;
            }
        }
        let entropy = -p
            .iter()
            .filter(|&&v| v > 0.0)
            .map(|&v| v as f64 * (v as f64).ln())
            .sum::<f64>();
        let margin = if p.len() > 1 {
            first as f64 - second as f64
        } else {
            1.0
        };
        Scores {
            predicted: best,
            confidence: first,
            margin,
            entropy,
        }
    }
}

/// Softmax in f64 for stability, returned as f32.
pub fn softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
    let exps: Vec<f64> = logits.iter().map(|&x| (x as f64 - max).exp()).collect();
    let sum: f64 = exps.iter().sum();
    exps.into_iter().map(|e| (e / sum) as f32).collect()
}

/// Pack a probability vector: dense f32 up to [`DENSE_MAX_CLASSES`], else sparse top-k
/// (`u32` index, `f32` value) pairs sorted by index.
pub fn pack(p: &[f32]) -> Vec<u8> {
    if p.len() <= DENSE_MAX_CLASSES {
        return p.iter().flat_map(|v| v.to_le_bytes()).collect();
    }
    let mut idx: Vec<usize> = (0..p.len()).collect();
    // The k largest, in linear time; then index order for a stable encoding.
    idx.select_nth_unstable_by(SPARSE_TOP_K - 1, |&a, &b| p[b].total_cmp(&p[a]));
    idx.truncate(SPARSE_TOP_K);
    idx.sort_unstable();
    idx.iter()
        .flat_map(|&i| {
            (i as u32)
                .to_le_bytes()
                .into_iter()
                .chain(p[i].to_le_bytes())
        })
        .collect()
}

/// Unpack to a dense vector of `classes` probabilities (classes outside a sparse top-k are 0).
pub fn unpack(bytes: &[u8], classes: usize) -> Vec<f32> {
    let mut out = vec![0f32; classes];
    unpack_into(bytes, &mut out);
    out
}

/// Unpack into `out`, one slot per class, which must hold zeros (classes outside a sparse top-k
/// stay 0; values beyond `out` are ignored).
pub fn unpack_into(bytes: &[u8], out: &mut [f32]) {
    let le = |c: &[u8]| f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
    if out.len() <= DENSE_MAX_CLASSES {
        for (o, c) in out.iter_mut().zip(bytes.chunks_exact(4)) {
            *o = le(c);
        }
        return;
    }
    for pair in bytes.chunks_exact(8) {
        let i = u32::from_le_bytes([pair[0], pair[1], pair[2], pair[3]]) as usize;
        if let Some(o) = out.get_mut(i) {
            *o = le(&pair[4..]);
        }
    }
}

/// Run the model over one batch's `n` decoded samples.
#[allow(clippy::too_many_arguments)]
fn run_batch(
    session: &mut ort::session::Session,
    input_name: &str,
    pre: &Preprocess,
    input: BatchInput,
    n: usize,
    fixed: Option<usize>,
    output: &model::OutputSpec,
    classes: usize,
    class_index: &std::collections::HashMap<String, usize>,
) -> std::result::Result<Vec<Vec<f32>>, String> {
    // A model with a fixed batch gets exactly that many samples: the rest is zero padding,
    // whose outputs are dropped.
    let fed = fixed.unwrap_or(n).max(n);
    let input = match input {
        BatchInput::F32(mut v) if fed > n => {
            v.resize(v.len() / n * fed, 0.0);
            BatchInput::F32(v)
        }
        BatchInput::U8(mut v) if fed > n => {
            v.resize(v.len() / n * fed, 0);
            BatchInput::U8(v)
        }
        other => other,
    };
    let n_out = n;
    let n = fed;
    let shape: Vec<i64> = match pre {
        Preprocess::Image { image, .. } => {
            let (h, w, c) = (
                image.height as i64,
                image.width as i64,
                image.color.channels() as i64,
            );
            match image.layout {
                model::Layout::Nchw => vec![n as i64, c, h, w],
                model::Layout::Nhwc => vec![n as i64, h, w, c],
            }
        }
        Preprocess::Tabular { features, .. } => vec![n as i64, *features as i64],
    };
    let value: ort::value::DynValue = match input {
        BatchInput::F32(data) => Tensor::from_array((shape, data))
            .map_err(|e| e.to_string())?
            .into_dyn(),
        BatchInput::U8(data) => Tensor::from_array((shape, data))
            .map_err(|e| e.to_string())?
            .into_dyn(),
    };
    let outputs = session
        .run(ort::inputs![input_name => value])
        .map_err(|e| e.to_string())?;
    let out = outputs
        .get(&output.name)
        .ok_or_else(|| format!("the model produced no output {:?}", output.name))?;
    let mut rows = Vec::with_capacity(n);
    match output.kind {
        OutputKind::Zipmap => {
            let maps = out
                .try_extract_sequence::<DynMapValueType>()
                .map_err(|e| e.to_string())?;
            for m in maps {
                let mut p = vec![0f32; classes];
                let pairs: Vec<(String, f32)> = match m.try_extract_key_values::<String, f32>() {
                    Ok(kv) => kv,
                    Err(_) => m
                        .try_extract_key_values::<i64, f32>()
                        .map_err(|e| e.to_string())?
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect(),
                };
                for (k, v) in pairs {
                    let i = class_index.get(&k).ok_or_else(|| {
                        format!("the model output class {k:?}, which is not among its classes")
                    })?;
                    p[*i] = v;
                }
                rows.push(p);
            }
        }
        OutputKind::Logits | OutputKind::Probabilities => {
            let (shape, data) = out.try_extract_tensor::<f32>().map_err(|e| e.to_string())?;
            let c = shape.get(1).copied().unwrap_or(0) as usize;
            if c != classes {
                return Err(format!(
                    "output {:?} has {c} classes per row; the model was registered with {classes}",
                    output.name
                ));
            }
            for row in data.chunks_exact(c) {
                rows.push(if output.kind == OutputKind::Logits {
                    softmax(row)
                } else {
                    row.to_vec()
                });
            }
        }
    }
    if rows.len() != n {
        return Err(format!(
            "the model returned {} rows for {n} inputs",
            rows.len()
        ));
    }
    rows.truncate(n_out);
    Ok(rows)
}

/// The columns of a run's summary (see [`summary_row`]).
const RUN_COLS: &str = "SELECT r.id, r.items_done, r.items_failed, r.provider, r.device, r.notice, r.seconds, r.model_seconds, r.status,
                m.name || '@' || m.version, d.name || '@' || v.version, r.model_id, r.version_id
         FROM runs r JOIN models m ON m.id = r.model_id JOIN dataset_versions v ON v.id = r.version_id JOIN datasets d ON d.id = v.dataset_id";

fn summary_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RunSummary> {
    let items: i64 = r.get(1)?;
    let seconds: f64 = r.get(6)?;
    Ok(RunSummary {
        run: r.get(0)?,
        items: items as u64,
        failed: r.get::<_, i64>(2)? as u64,
        device: r.get(3)?,
        requested_device: r.get(4)?,
        notice: r.get(5)?,
        seconds,
        items_per_second: if seconds > 0.0 {
            items as f64 / seconds
        } else {
            0.0
        },
        model_seconds: r.get(7)?,
        status: r.get(8)?,
        model: r.get(9)?,
        dataset: r.get(10)?,
        model_id: r.get(11)?,
        version_id: r.get(12)?,
    })
}

/// A run's summary from the database (`notice`, when given, replaces the stored one).
pub fn run_summary(conn: &Connection, run: i64, notice: Option<String>) -> Result<RunSummary> {
    let mut s = conn
        .query_row(&format!("{RUN_COLS} WHERE r.id = ?1"), [run], summary_row)
        .optional()?
        .ok_or(Error::NotFound {
            what: "run",
            name: run.to_string(),
        })?;
    if notice.is_some() {
        s.notice = notice;
    }
    Ok(s)
}

/// Every run, newest first, in one query.
pub fn runs(conn: &Connection) -> Result<Vec<RunSummary>> {
    let mut stmt = conn.prepare(&format!("{RUN_COLS} ORDER BY r.id DESC"))?;
    let rows = stmt.query_map([], summary_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A prediction as people see it: the predicted class and its confidence, the classes in
/// order of probability (at most `k`), or why the item failed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopPrediction {
    pub run: i64,
    pub predicted: Option<String>,
    pub confidence: Option<f32>,
    /// (class, probability), most probable first.
    pub top: Vec<(String, f32)>,
    pub error: Option<String>,
}

/// An item's prediction in a run with its `k` most probable classes; `None` before the run
/// reached the item.
pub fn top_k(
    conn: &Connection,
    root: &std::path::Path,
    run: i64,
    item: i64,
    k: usize,
) -> Result<Option<TopPrediction>> {
    let Some(p) = item_prediction(conn, root, run, item)? else {
        return Ok(None);
    };
    let model_id: i64 = conn.query_row("SELECT model_id FROM runs WHERE id = ?1", [run], |r| {
        r.get(0)
    })?;
    let classes = model::get(conn, root, model_id)?.classes;
    let mut top: Vec<(String, f32)> = classes
        .into_iter()
        .zip(p.probabilities.iter().copied())
        .collect();
    top.sort_by(|a, b| b.1.total_cmp(&a.1));
    top.truncate(k);
    Ok(Some(TopPrediction {
        run,
        predicted: p.predicted,
        confidence: p.confidence,
        top,
        error: p.error,
    }))
}

/// An item a run could not predict, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub item_id: String,
    pub error: String,
}

/// The items a run failed, in item order (at most `limit`), and how many there are in all.
pub fn failures(conn: &Connection, run: i64, limit: usize) -> Result<(u64, Vec<Failure>)> {
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM runs WHERE id = ?1)",
        [run],
        |r| r.get(0),
    )?;
    if !exists {
        return Err(Error::NotFound {
            what: "run",
            name: format!("{run} (see `arbiter runs`)"),
        });
    }
    let total: i64 = conn.query_row(
        "SELECT COUNT(*) FROM predictions WHERE run_id = ?1 AND error IS NOT NULL",
        [run],
        |r| r.get(0),
    )?;
    let list = conn
        .prepare(
            "SELECT i.ext_id, p.error FROM predictions p JOIN items i ON i.id = p.item_id
             WHERE p.run_id = ?1 AND p.error IS NOT NULL ORDER BY p.item_id LIMIT ?2",
        )?
        .query_map(
            rusqlite::params![run, limit.min(i64::MAX as usize) as i64],
            |r| {
                Ok(Failure {
                    item_id: r.get(0)?,
                    error: r.get(1)?,
                })
            },
        )?
        .collect::<rusqlite::Result<_>>()?;
    Ok((total as u64, list))
}

/// One item's prediction in a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    pub item: i64,
    pub ext_id: String,
    pub predicted: Option<String>,
    pub confidence: Option<f32>,
    pub probabilities: Vec<f32>,
    pub error: Option<String>,
}

/// One item's prediction in a run, or `None` if the run has not reached it.
pub fn item_prediction(
    conn: &Connection,
    root: &std::path::Path,
    run: i64,
    item: i64,
) -> Result<Option<Prediction>> {
    let model_id: i64 = conn
        .query_row("SELECT model_id FROM runs WHERE id = ?1", [run], |r| {
            r.get(0)
        })
        .optional()?
        .ok_or(Error::NotFound {
            what: "run",
            name: run.to_string(),
        })?;
    let classes = model::get(conn, root, model_id)?.classes;
    Ok(conn
        .query_row(
            "SELECT p.item_id, i.ext_id, p.predicted, p.confidence, p.probs, p.error
             FROM predictions p JOIN items i ON i.id = p.item_id WHERE p.run_id = ?1 AND p.item_id = ?2",
            [run, item],
            |r| prediction_row(r, &classes),
        )
        .optional()?)
}

fn prediction_row(r: &rusqlite::Row<'_>, classes: &[String]) -> rusqlite::Result<Prediction> {
    let predicted: Option<i64> = r.get(2)?;
    let probs: Option<Vec<u8>> = r.get(4)?;
    Ok(Prediction {
        item: r.get(0)?,
        ext_id: r.get(1)?,
        predicted: predicted.and_then(|i| classes.get(i as usize).cloned()),
        confidence: r.get::<_, Option<f64>>(3)?.map(|c| c as f32),
        probabilities: probs.map(|b| unpack(&b, classes.len())).unwrap_or_default(),
        error: r.get(5)?,
    })
}

/// Every prediction of a run in item order, with the class names.
pub fn predictions(
    conn: &Connection,
    root: &std::path::Path,
    run: i64,
) -> Result<(Vec<String>, Vec<Prediction>)> {
    let model_id: i64 = conn
        .query_row("SELECT model_id FROM runs WHERE id = ?1", [run], |r| {
            r.get(0)
        })
        .optional()?
        .ok_or(Error::NotFound {
            what: "run",
            name: format!("{run} (see `arbiter runs`)"),
        })?;
    let model = model::get(conn, root, model_id)?;
    let classes = model.classes.clone();
    let mut stmt = conn.prepare(
        "SELECT p.item_id, i.ext_id, p.predicted, p.confidence, p.probs, p.error
         FROM predictions p JOIN items i ON i.id = p.item_id WHERE p.run_id = ?1 ORDER BY p.item_id",
    )?;
    let rows = stmt.query_map([run], |r| prediction_row(r, &classes))?;
    let preds = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((model.classes, preds))
}

/// Write a run's predictions to `out`, format from the extension (.csv, .parquet, .jsonl):
/// `item_id, predicted, confidence, p_<class>..., error`, one row per item in source order; a
/// failed item has empty predicted/confidence/probabilities and its reason in `error`. The
/// destination is checked against the project's own files and its datasets' sources, and
/// written to a temporary renamed into place.
pub fn export(project: &Project, run: i64, out: &std::path::Path) -> Result<usize> {
    use crate::table::{self, TableFormat};
    use polars::prelude::*;
    let all = [TableFormat::Csv, TableFormat::Parquet, TableFormat::Jsonl];
    TableFormat::from_path(out, &all)?;
    let (classes, preds) = predictions(project.conn(), project.root(), run)?;
    let mut columns: Vec<Column> = vec![
        Column::new(
            "item_id".into(),
            preds.iter().map(|p| p.ext_id.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "predicted".into(),
            preds
                .iter()
                .map(|p| p.predicted.as_deref())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "confidence".into(),
            preds
                .iter()
                .map(|p| p.confidence.map(f64::from))
                .collect::<Vec<_>>(),
        ),
    ];
    for (i, c) in classes.iter().enumerate() {
        let values: Vec<Option<f64>> = preds
            .iter()
            .map(|p| p.probabilities.get(i).map(|v| f64::from(*v)))
            .collect();
        columns.push(Column::new(format!("p_{c}").into(), values));
    }
    columns.push(Column::new(
        "error".into(),
        preds.iter().map(|p| p.error.as_deref()).collect::<Vec<_>>(),
    ));
    let mut df = DataFrame::new(preds.len(), columns)
        .map_err(|e| Error::InvalidArgument(format!("building the table: {e}")))?;
    table::write(Some(project), &mut df, out, &all)?;
    Ok(preds.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_round_trips_dense_and_keeps_the_top_k_when_sparse() {
        let p = vec![0.1f32, 0.7, 0.2];
        assert_eq!(unpack(&pack(&p), 3), p);
        let mut big = vec![0f32; 1000];
        big[999] = 0.5;
        big[3] = 0.25;
        big[500] = 0.125;
        let packed = pack(&big);
        assert_eq!(packed.len(), SPARSE_TOP_K * 8);
        let back = unpack(&packed, 1000);
        assert_eq!((back[999], back[3], back[500]), (0.5, 0.25, 0.125));
        assert_eq!(back.iter().filter(|v| **v > 0.0).count(), 3);
    }

    #[test]
    fn scores_follow_the_product_definitions() {
        let s = Scores::of(&[0.2, 0.5, 0.3, 0.0]);
        assert_eq!((s.predicted, s.confidence), (1, 0.5));
        assert!((s.margin - (0.5f32 as f64 - 0.3f32 as f64)).abs() < 1e-12);
        let want = -[0.2f32, 0.5, 0.3]
            .iter()
            .map(|&p| p as f64 * (p as f64).ln())
            .sum::<f64>();
        assert!((s.entropy - want).abs() < 1e-12);
        // Ties: the first maximum wins, and the margin is 0.
        let t = Scores::of(&[0.5, 0.5]);
        assert_eq!((t.predicted, t.margin), (0, 0.0));
    }

    #[test]
    fn softmax_is_stable_and_sums_to_one() {
        let p = softmax(&[1000.0, 1001.0, 1002.0]);
        let s: f32 = p.iter().sum();
        assert!((s - 1.0).abs() < 1e-6);
        assert!(p[2] > p[1] && p[1] > p[0]);
        let e = (1f64).exp();
        let want = e * e / (1.0 + e + e * e);
        assert!((p[2] as f64 - want).abs() < 1e-7);
    }
}
