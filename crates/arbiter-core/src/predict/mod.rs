//! Inference runs: one model version over one dataset version, as a pipeline of three stages
//! joined by bounded channels — decoding and preprocessing in parallel (a rayon pool), inference
//! (ORT, on its own thread), and writing (the caller's thread) — so decoding overlaps the model
//! and the model never waits for SQLite. Results are committed together with the run's counters,
//! at most half a second's worth of batches per transaction, so an interrupted run resumes where its
//! last commit stopped. A file that cannot be read fails that item (its reason is stored), not
//! the run.

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

mod binding;
pub mod import;
mod runs;
pub(crate) mod scores;

use runs::all_failed;
pub use runs::{
    export, failures, predictions, running, runs, top_k, Failure, Prediction, RunStatus,
    RunSummary, Running, TopPrediction,
};
pub(crate) use runs::{item_prediction, predictions_in, run_classes, run_summary};
use scores::valid_probabilities;
pub use scores::{pack, softmax, unpack, unpack_into, Scores, DENSE_MAX_CLASSES, SPARSE_TOP_K};

#[derive(Debug, Clone)]
pub struct PredictOptions {
    pub model: String,
    pub dataset: String,
    pub batch_size: usize,
    pub device: Device,
    /// Continue this run instead of starting a new one.
    pub resume: Option<i64>,
    /// How JPEGs are decoded for this run, instead of the model's stored choice (a run that
    /// differs from it says so in its notice).
    pub decode: Option<crate::model::decode::Decode>,
    /// The CUDA provider's settings (device id, memory limit, cuDNN search); recorded with the
    /// run's start in the audit log. Refused with `--device cpu`, where they would do nothing.
    pub cuda: runtime::CudaOptions,
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

/// One item to predict.
struct Job {
    item: i64,
    path: Option<PathBuf>,
    /// The media's content hash at import (checked before the file is used).
    media_hash: Option<[u8; 32]>,
    features: Vec<f64>,
    /// A text item's text (read only for a text model).
    text: Option<String>,
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

#[derive(Clone)]
enum BatchInput {
    F32(Vec<f32>),
    U8(Vec<u8>),
    /// Texts for a string input.
    Strings(Vec<String>),
    /// Texts encoded by the model's tokenizer.
    Tokens(model::text::Encoded),
}

impl BatchInput {
    fn is_empty(&self) -> bool {
        match self {
            BatchInput::F32(v) => v.is_empty(),
            BatchInput::U8(v) => v.is_empty(),
            BatchInput::Strings(v) => v.is_empty(),
            BatchInput::Tokens(e) => e.ids.is_empty(),
        }
    }
}

/// A batch of images, each decoded and preprocessed straight into its slot of the model's
/// input (a buffer an earlier batch used, when there is one): no sample is allocated or copied
/// on its own. An item that fails leaves no gap: the samples after it move down.
fn image_batch(
    chunk: &[Job],
    image: &preprocess::ImagePre,
    media_root: &std::path::Path,
    recycled: Option<BatchInput>,
) -> Batch {
    let len = image.sample_len();
    let sample = |job: &Job, out: preprocess::SampleMut| -> std::result::Result<(), String> {
        let p = job
            .path
            .as_ref()
            .ok_or_else(|| "the item has no media path".to_string())?;
        let bytes = crate::media::read_verified(p, media_root, job.media_hash.as_ref())
            .map_err(|e| e.to_string())?;
        preprocess::image_sample_into(&bytes, image, out)
            .map_err(|e| format!("{}: {e}", p.display()))
    };
    // Every value of a slot is written (stale values in a recycled buffer never survive).
    fn fill<T: Copy + Default + Send>(
        mut v: Vec<T>,
        len: usize,
        chunk: &[Job],
        one: impl Fn(&Job, &mut [T]) -> std::result::Result<(), String> + Sync,
    ) -> (Vec<T>, Vec<Option<String>>) {
        v.resize(chunk.len() * len, T::default());
        let errors: Vec<Option<String>> = v
            .par_chunks_mut(len)
            .zip(chunk.par_iter())
            .map(|(slot, job)| one(job, slot).err())
            .collect();
        let mut kept = 0;
        for (i, e) in errors.iter().enumerate() {
            if e.is_none() {
                if kept != i {
                    v.copy_within(i * len..(i + 1) * len, kept * len);
                }
                kept += 1;
            }
        }
        v.truncate(kept * len);
        (v, errors)
    }
    let (input, errors) = match image.dtype {
        preprocess::InputType::Float32 => {
            let v = match recycled {
                Some(BatchInput::F32(v)) => v,
                _ => Vec::new(),
            };
            let (v, e) = fill(v, len, chunk, |job, slot| {
                sample(job, preprocess::SampleMut::F32(slot))
            });
            (BatchInput::F32(v), e)
        }
        preprocess::InputType::Uint8 => {
            let v = match recycled {
                Some(BatchInput::U8(v)) => v,
                _ => Vec::new(),
            };
            let (v, e) = fill(v, len, chunk, |job, slot| {
                sample(job, preprocess::SampleMut::U8(slot))
            });
            (BatchInput::U8(v), e)
        }
    };
    Batch {
        items: chunk.iter().map(|j| j.item).collect(),
        given: chunk.iter().map(|j| j.given).collect(),
        errors,
        input,
    }
}

/// A batch of text items: the texts fed as strings, or encoded by the tokenizer. An item
/// without a text, or with a NUL character (a string input cannot carry it), fails alone; a
/// tokenizer error fails the batch's items.
fn text_batch(chunk: &[Job], tokenizer: Option<&tokenizers::Tokenizer>) -> Batch {
    let mut errors: Vec<Option<String>> = Vec::with_capacity(chunk.len());
    let mut texts: Vec<&str> = Vec::with_capacity(chunk.len());
    for job in chunk {
        match job.text.as_deref() {
            None => errors.push(Some("the item has no text".into())),
            Some(t) if tokenizer.is_none() && t.contains('\0') => errors.push(Some(
                "the text holds a NUL character, which a string input cannot carry".into(),
            )),
            Some(t) => {
                errors.push(None);
                texts.push(t);
            }
        }
    }
    let input = match tokenizer {
        None => BatchInput::Strings(texts.iter().map(|t| t.to_string()).collect()),
        Some(_) if texts.is_empty() => BatchInput::Strings(Vec::new()),
        Some(tok) => match model::text::encode(tok, &texts) {
            Ok(e) => BatchInput::Tokens(e),
            Err(why) => {
                for e in errors.iter_mut().filter(|e| e.is_none()) {
                    *e = Some(why.clone());
                }
                BatchInput::Strings(Vec::new())
            }
        },
    };
    Batch {
        items: chunk.iter().map(|j| j.item).collect(),
        given: chunk.iter().map(|j| j.given).collect(),
        errors,
        input,
    }
}

impl Batch {
    fn new(
        items: Vec<i64>,
        given: Vec<Option<usize>>,
        samples: Vec<std::result::Result<Sample, String>>,
        recycled: Option<BatchInput>,
    ) -> Batch {
        let u8_input = samples.iter().any(|s| matches!(s, Ok(Sample::U8(_))));
        // A buffer an earlier batch used, when its element type fits: no allocation per batch.
        let mut input = match (u8_input, recycled) {
            (false, Some(BatchInput::F32(mut v))) => {
                v.clear();
                BatchInput::F32(v)
            }
            (true, Some(BatchInput::U8(mut v))) => {
                v.clear();
                BatchInput::U8(v)
            }
            (true, _) => BatchInput::U8(Vec::new()),
            (false, _) => BatchInput::F32(Vec::new()),
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

/// Why imported predictions cannot be run (refused by [`check_feedable`] before any of it).
const IMPORTED: &str = "imported predictions have no model to run";

/// Check that the model can be fed from this dataset version.
pub(crate) fn check_feedable(
    model: &ModelInfo,
    version: &VersionInfo,
    conn: &Connection,
) -> Result<()> {
    let bad = |m: String| Error::Model {
        path: model.file.clone(),
        message: m,
    };
    match &model.preprocess {
        Preprocess::Imported { from, .. } => {
            return Err(Error::InvalidArgument(format!(
                "{}@{} holds predictions imported from {} — there is no model to run; import new predictions with `arbiter predictions import`, or register the ONNX model with `arbiter model add`",
                model.name, model.version, from.file
            )));
        }
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
        Preprocess::Text { .. } => {
            if !version.texts {
                return Err(bad(format!(
                    "model {:?} reads text but this dataset version holds no texts ({}); run it on a dataset imported with --text-col or from a folder of .txt files",
                    model.name,
                    if version.source_kind == "image_folder" { "it is an image folder".to_string() } else { format!("a {} source without a text column", version.source_kind) }
                )));
            }
        }
        Preprocess::Image { .. } if version.texts => {
            return Err(bad(format!(
                "model {:?} takes images but this dataset version holds texts; run a text model on it (a scikit-learn text pipeline or a model with input_ids and its tokenizer.json)",
                model.name
            )));
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

/// Run (or resume) inference. `progress` is called after every commit (the first batch, then
/// the batches finished within [`COMMIT_EVERY`] together); `cancel` stops after the batches
/// finished so far are written, leaving a resumable run.
pub fn predict(
    project: &mut Project,
    opts: &PredictOptions,
    progress: &mut dyn FnMut(RunProgress),
    cancel: &AtomicBool,
) -> Result<RunSummary> {
    predict_committing(project, opts, progress, cancel, COMMIT_EVERY)
}

/// [`predict`], committing the batches finished within `commit_every` together.
pub(crate) fn predict_committing(
    project: &mut Project,
    opts: &PredictOptions,
    progress: &mut dyn FnMut(RunProgress),
    cancel: &AtomicBool,
    commit_every: std::time::Duration,
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
            dataset::resolve_in(conn, &opts.dataset)?,
            None,
        ),
    };
    check_feedable(&model, &version, conn)?;
    check_cuda_options(opts)?;
    let plan = plan_batches(&model, opts.batch_size)?;
    let batch_size = plan.size;

    let built = runtime::session_with(&model.file, opts.device, &opts.cuda)?;
    let mut session = built.session;
    let provider = built.provider;
    let mut feeder = binding::Feeder::new(
        &session,
        &model.output.name,
        bindable_width(&model, model.classes.len()),
        (provider == runtime::CUDA).then_some(opts.cuda.device_id as i32),
    )
    .map_err(|e| Error::Model {
        path: model.file.clone(),
        message: format!("cannot bind the model's input and output: {e}"),
    })?;
    let pinned_notice = (provider == runtime::CUDA && !feeder.pinned()).then(|| {
        "the CUDA provider offers no pinned host memory here: batches go to the GPU from ordinary memory (slower copies)".to_string()
    });
    let mut model = model;
    let decode_notice = match (&mut model.preprocess, opts.decode) {
        (Preprocess::Image { image, .. }, Some(d)) if image.decode != d => {
            image.decode = d;
            Some(format!(
                "JPEGs decoded with --decode {} (the model's preprocessing says {})",
                d.as_str(),
                if d == crate::model::decode::Decode::Fast {
                    "full"
                } else {
                    "fast"
                }
            ))
        }
        _ => None,
    };
    let notices: Vec<&str> = [
        built.notice.as_deref(),
        plan.notice.as_deref(),
        decode_notice.as_deref(),
        pinned_notice.as_deref(),
    ]
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
                    "INSERT INTO runs (model_id, version_id, device, provider, notice, batch_size, status, items_total, started_at, uid)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'running', ?7, {NOW_SQL}, ?8)"
                ),
                rusqlite::params![model.id, version.id, opts.device.as_str(), provider, notice, batch_size as i64, version.items, crate::identity::new_uid()],
            )?;
            let run = tx.last_insert_rowid();
            // Taken before the run is visible to others (the transaction is not committed).
            _held = crate::store::run_lock::take(&root, run)?;
            crate::audit::record(
                &tx,
                "arbiter",
                "run.start",
                &serde_json::json!({ "run": run, "model": model.name, "model_version": model.version, "sha256": model.sha256,
                    "dataset": version.id, "device": opts.device.as_str(), "provider": provider, "cuda": opts.cuda }),
            )?;
            tx.commit()?;
            run
        }
    };

    // The items still to do, in source order.
    let jobs: Vec<Job> = {
        let conn = project.conn();
        let mut stmt = conn.prepare(
            "SELECT i.id, i.path, i.features, l.name, i.media_hash,
                    CASE WHEN ?3 THEN (SELECT t.text FROM item_texts t WHERE t.item_id = i.id) END
             FROM items i LEFT JOIN labels l ON l.id = i.label_id
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
        let reads_text = matches!(model.preprocess, Preprocess::Text { .. });
        let rows = stmt.query_map(rusqlite::params![version.id, run, reads_text], |r| {
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
                text: r.get(5)?,
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
    let tokenizer = match &pre {
        Preprocess::Text {
            tokens: Some(plan), ..
        } => {
            let bad = |m: String| Error::Model {
                path: model.file.clone(),
                message: m,
            };
            let tok = model::text::load_tokenizer(&root.join(&plan.tokenizer)).map_err(bad)?;
            Some(model::text::prepare(tok, plan).map_err(bad)?)
        }
        _ => None,
    };
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
    // every CPU) → writing (this thread: scores, packing, one SQLite transaction per half second).
    // The model never waits for a write, and waits for decoding only when decoding is slower.
    let (tx_batches, rx_batches) = crossbeam_channel::bounded::<Batch>(QUEUED);
    let (tx_done, rx_done) = crossbeam_channel::bounded::<Inferred>(QUEUED);
    // Input buffers the model is done with, back to the decoders for the next batches.
    let (tx_spare, rx_spare) = crossbeam_channel::bounded::<BatchInput>(QUEUED + 2);

    let decoders = decode_pool()?;
    let outcome: Result<bool> = std::thread::scope(|scope| {
        let producer = scope.spawn(|| {
            for chunk in jobs.chunks(batch_size) {
                if cancel.load(Ordering::Relaxed) {
                    break;
                }
                let whole = match &pre {
                    Preprocess::Text { .. } => {
                        Some(decoders.install(|| text_batch(chunk, tokenizer.as_ref())))
                    }
                    Preprocess::Image { image, .. } => Some(decoders.install(|| {
                        image_batch(chunk, image, &media_root, rx_spare.try_recv().ok())
                    })),
                    _ => None,
                };
                if let Some(batch) = whole {
                    if tx_batches.send(batch).is_err() {
                        break;
                    }
                    continue;
                }
                let samples: Vec<_> = decoders.install(|| {
                    chunk
                        .par_iter()
                        .map(|job| match &pre {
                            Preprocess::Image { .. } => Err("images are batched whole".to_string()),
                            Preprocess::Tabular { features, .. } => {
                                preprocess::tabular_sample(&job.features, &feature_names, *features)
                            }
                            Preprocess::Text { .. } => Err("texts are batched whole".to_string()),
                            Preprocess::Imported { .. } => Err(IMPORTED.to_string()),
                        })
                        .collect()
                });
                let batch = Batch::new(
                    chunk.iter().map(|j| j.item).collect(),
                    chunk.iter().map(|j| j.given).collect(),
                    samples,
                    rx_spare.try_recv().ok(),
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
        // A string input is `[N]` or `[N, 1]`.
        let string_rank = model
            .inputs
            .iter()
            .find(|i| i.name == input_name.as_str())
            .map_or(2, |i| i.shape.len());
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
                        &mut feeder,
                        input_name,
                        pre,
                        &input,
                        n,
                        fixed_batch,
                        output,
                        classes,
                        class_index,
                        string_rank,
                    )
                };
                let seconds = t.elapsed().as_secs_f64();
                // Full or not, a spare buffer is only an optimisation.
                let _ = tx_spare.try_send(input);
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

        // The writer gathers the batches finished within `commit_every` of the first, then
        // writes them with the run's counters in one transaction (a commit rewrites every index
        // page its rows touched, so committing each small batch of a fast model cost more than
        // the model). The database is held only while writing — not while gathering — so other
        // writers (labels saved meanwhile) wait for one write, not for the window; progress is
        // reported after each commit, so what it counts is stored. The first batch is
        // committed at once: a run shows progress (and its first predictions) right away.
        let mut result: Result<bool> = Ok(true);
        let mut pending = rx_done.recv().ok();
        let mut window = std::time::Duration::ZERO;
        while let Some(first) = pending.take() {
            let deadline = Instant::now() + window;
            window = commit_every;
            let mut group = vec![first];
            let mut stop: Option<Result<bool>> = None;
            loop {
                // Cancelled: what was gathered is written, then the run stops (below).
                if cancel.load(Ordering::Relaxed) {
                    break;
                }
                // The deadline is checked first: a writer that always finds a batch waiting
                // still commits on time.
                if group.last().is_some_and(|b| b.probs.is_err()) || Instant::now() >= deadline {
                    break;
                }
                match rx_done.recv_deadline(deadline) {
                    Ok(b) => group.push(b),
                    Err(_) => break,
                }
            }
            let write = (|| -> Result<()> {
                let tx = project.conn_mut().transaction()?;
                let mut group_model_seconds = 0.0;
                {
                    let mut ins = scores::insert_statement(&tx, true)?;
                    for Inferred {
                        batch,
                        probs,
                        seconds: batch_model_seconds,
                    } in group
                    {
                        let probs = match probs {
                            Ok(p) => p,
                            Err(e) => {
                                stop = Some(Err(Error::Model {
                                    path: model.file.clone(),
                                    message: format!("inference failed: {e}"),
                                }));
                                break;
                            }
                        };
                        write_batch(&mut ins, run, &batch, &probs, &mut done, &mut failed)?;
                        group_model_seconds += batch_model_seconds;
                    }
                }
                tx.execute(
                    "UPDATE runs SET items_done = ?2, items_failed = ?3, model_seconds = model_seconds + ?4 WHERE id = ?1",
                    rusqlite::params![run, done, failed, group_model_seconds],
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
            if let Some(s) = stop {
                result = s;
                break;
            }
            if cancel.load(Ordering::Relaxed) {
                result = Ok(false);
                break;
            }
            pending = rx_done.recv().ok();
        }
        // Stopping early: the closed channels end the other stages after their current batch.
        drop(rx_done);
        // A stage that panicked ended the run: it failed (never "cancelled" or "done" with
        // items missing). The panic itself is reported as the run's error.
        for (stage, joined) in [
            ("inference", inference.join()),
            ("decoding", producer.join()),
        ] {
            if let (Err(panic), Ok(_)) = (joined, &result) {
                let why = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "no message".into());
                result = Err(Error::Model {
                    path: model.file.clone(),
                    message: format!(
                        "the {stage} stage of run {run} stopped unexpectedly ({why}); the run is marked failed, resume it with `arbiter predict --resume {run}`"
                    ),
                });
            }
        }
        result
    });

    let seconds = started.elapsed().as_secs_f64();
    let status = match &outcome {
        Ok(true) if done as u64 >= total => "done",
        Ok(_) => "cancelled",
        Err(_) => "failed",
    };
    let tx = project.conn().unchecked_transaction()?;
    tx.execute(
        &format!(
            "UPDATE runs SET status = ?2, seconds = seconds + ?3,
             finished_at = CASE WHEN ?2 = 'done' THEN {NOW_SQL} ELSE finished_at END WHERE id = ?1"
        ),
        rusqlite::params![run, status, seconds],
    )?;
    if status == "done" {
        // A finished run is an event the project's other replicas receive.
        crate::identity::stamp_run(&tx, run)?;
    }
    tx.commit()?;
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

/// CUDA settings on a CPU-only run would silently do nothing: refuse them.
fn check_cuda_options(opts: &PredictOptions) -> Result<()> {
    if opts.device == Device::Cpu && opts.cuda != runtime::CudaOptions::default() {
        return Err(Error::InvalidArgument(format!(
            "--device cpu with CUDA settings ({}): they only apply on a GPU; drop them, or use --device auto or cuda",
            opts.cuda.describe()
        )));
    }
    Ok(())
}

/// Why an item fails when the model's output for it is unusable.
const NON_FINITE: &str = "the model returned scores that are not finite numbers (NaN or infinity) for this item, so it has no prediction; check the model (e.g. an overflow in its last layers) and the item's input";

/// How long the writer gathers finished batches before writing and committing them together
/// (a batch that takes longer is committed alone; the first batch of a run at once). An
/// interrupted run loses at most this much work (`--resume` redoes it). The project is held
/// only during the write itself, so another writer (a label saved meanwhile) waits for one
/// write, not for the window.
const COMMIT_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

/// Insert one batch's predictions (`probs`: one vector per item without an error, in order),
/// counting them into `done` and `failed`.
fn write_batch(
    ins: &mut rusqlite::CachedStatement<'_>,
    run: i64,
    batch: &Batch,
    probs: &[Vec<f32>],
    done: &mut i64,
    failed: &mut i64,
) -> Result<()> {
    let mut next_ok = 0;
    for (i, &item) in batch.items.iter().enumerate() {
        let p = match &batch.errors[i] {
            Some(reason) => Err(reason.as_str()),
            None => {
                next_ok += 1;
                let p = &probs[next_ok - 1];
                if valid_probabilities(p) {
                    Ok(p)
                } else {
                    Err(NON_FINITE)
                }
            }
        };
        *done += 1;
        let c = p.map(|p| scores::stored_columns(p, batch.given[i]));
        if c.is_err() {
            *failed += 1;
        }
        scores::insert_row(ins, run, item, c.as_ref().map_err(|r| *r))?;
    }
    Ok(())
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
        // A text's size is its own; the bound on a text item (`MAX_TEXT_BYTES`) keeps it finite.
        Preprocess::Text { .. } => 4096,
        Preprocess::Imported { .. } => return Err(Error::InvalidArgument(IMPORTED.into())),
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

/// The row width of the model's scores when they are a float32 `[rows, classes]` tensor, which
/// the feeder binds to a buffer reused across batches (other outputs ONNX Runtime allocates).
fn bindable_width(model: &ModelInfo, classes: usize) -> Option<usize> {
    if model.output.kind == OutputKind::Zipmap {
        return None;
    }
    model
        .outputs
        .iter()
        .find(|o| o.name == model.output.name)
        .filter(|o| o.dtype == "float32" && o.shape.len() == 2 && o.shape[1] == classes as i64)
        .map(|_| classes)
}

/// Run the model over one batch's `n` decoded samples.
#[allow(clippy::too_many_arguments)]
fn run_batch(
    session: &mut ort::session::Session,
    feeder: &mut binding::Feeder,
    input_name: &str,
    pre: &Preprocess,
    input: &BatchInput,
    n: usize,
    fixed: Option<usize>,
    output: &model::OutputSpec,
    classes: usize,
    class_index: &std::collections::HashMap<String, usize>,
    string_rank: usize,
) -> std::result::Result<Vec<Vec<f32>>, String> {
    // A model with a fixed batch gets exactly that many samples: the rest is zero padding
    // (the feeder zeroes it), whose outputs are dropped.
    let fed = fixed.unwrap_or(n).max(n);
    let n_out = n;
    let n = fed;
    if let Preprocess::Text { tokens, .. } = pre {
        // Text batches are not bound (strings and token ids are small): padded here.
        let input = match input.clone() {
            BatchInput::Strings(mut v) if n > n_out => {
                v.resize(n, String::new());
                BatchInput::Strings(v)
            }
            BatchInput::Tokens(mut e) if n > n_out => {
                for v in [&mut e.ids, &mut e.mask, &mut e.types] {
                    v.resize(e.len * n, 0);
                }
                BatchInput::Tokens(e)
            }
            other => other,
        };
        let feeds = text_feeds(input_name, tokens.as_ref(), string_rank, input, n)?;
        let outputs = session.run(feeds).map_err(|e| e.to_string())?;
        return read_scores(&outputs, output, classes, class_index, n, n_out);
    }
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
        Preprocess::Text { .. } => unreachable!("texts are fed above"),
        Preprocess::Imported { .. } => return Err(IMPORTED.to_string()),
    };
    match input {
        // A float16 input gets the float32 preprocessing rounded to float16.
        BatchInput::F32(data) if model::precision::wants_f16(session, input_name) => {
            let half: Vec<half::f16> = data.iter().copied().map(half::f16::from_f32).collect();
            feeder.bind_input(input_name, &shape, &half)?
        }
        BatchInput::F32(data) => feeder.bind_input(input_name, &shape, data)?,
        BatchInput::U8(data) => feeder.bind_input(input_name, &shape, data)?,
        BatchInput::Strings(_) | BatchInput::Tokens(_) => {
            return Err("a text batch for a model that does not read text".into())
        }
    }
    let outputs = feeder.run(session, n)?;
    read_scores(&outputs, output, classes, class_index, n, n_out)
}

/// A text batch as the model's inputs: the strings (`[n]` or `[n, 1]`), or the token ids with
/// the mask and type ids the model takes, in its element type.
fn text_feeds(
    input_name: &str,
    tokens: Option<&model::text::TokenPlan>,
    string_rank: usize,
    input: BatchInput,
    n: usize,
) -> std::result::Result<Vec<(String, ort::value::DynValue)>, String> {
    let err = |e: ort::Error| e.to_string();
    match (input, tokens) {
        (BatchInput::Strings(texts), None) => {
            let shape: Vec<i64> = if string_rank == 1 {
                vec![n as i64]
            } else {
                vec![n as i64, 1]
            };
            let value = Tensor::from_string_array((shape, &texts[..])).map_err(err)?;
            Ok(vec![(input_name.to_string(), value.into_dyn())])
        }
        (BatchInput::Tokens(e), Some(plan)) => {
            let shape = vec![n as i64, e.len as i64];
            let tensor = |v: Vec<i64>| -> std::result::Result<ort::value::DynValue, String> {
                Ok(match plan.dtype {
                    model::text::TokenType::Int64 => Tensor::from_array((shape.clone(), v))
                        .map_err(err)?
                        .into_dyn(),
                    model::text::TokenType::Int32 => Tensor::from_array((
                        shape.clone(),
                        v.into_iter().map(|x| x as i32).collect::<Vec<i32>>(),
                    ))
                    .map_err(err)?
                    .into_dyn(),
                })
            };
            let mut feeds = vec![(input_name.to_string(), tensor(e.ids)?)];
            if let Some(name) = &plan.attention_mask {
                feeds.push((name.clone(), tensor(e.mask)?));
            }
            if let Some(name) = &plan.token_type_ids {
                feeds.push((name.clone(), tensor(e.types)?));
            }
            Ok(feeds)
        }
        _ => Err("the batch does not match the model's text input".into()),
    }
}

/// The class probabilities of a batch's `n` rows from the model's outputs, the first `n_out`
/// kept (the rest padded a fixed batch).
fn read_scores(
    outputs: &ort::session::SessionOutputs<'_>,
    output: &model::OutputSpec,
    classes: usize,
    class_index: &std::collections::HashMap<String, usize>,
    n: usize,
    n_out: usize,
) -> std::result::Result<Vec<Vec<f32>>, String> {
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
            let (shape, data) = model::precision::scores(out)?;
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

#[cfg(test)]
mod batch_tests {
    use super::*;

    #[test]
    fn a_batch_refills_a_spare_buffer_of_its_element_type_instead_of_allocating_one() {
        let spare = BatchInput::F32(Vec::with_capacity(64));
        let at = match &spare {
            BatchInput::F32(v) => v.as_ptr(),
            _ => unreachable!(),
        };
        let samples = vec![
            Ok(Sample::F32(vec![1.0; 4])),
            Err("unreadable".to_string()),
            Ok(Sample::F32(vec![2.0; 4])),
        ];
        let batch = Batch::new(vec![1, 2, 3], vec![None; 3], samples, Some(spare));
        match &batch.input {
            BatchInput::F32(v) => {
                assert_eq!(v.as_ptr(), at, "the spare buffer was not reused");
                assert_eq!(v, &[1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0]);
            }
            _ => panic!("an f32 batch became another kind"),
        }
        assert_eq!(batch.ok(), 2);
        // A spare of the other element type is not used (nor is its content carried over).
        let stale = BatchInput::F32(vec![9.0; 8]);
        let batch = Batch::new(
            vec![1],
            vec![None],
            vec![Ok(Sample::U8(vec![7; 3]))],
            Some(stale),
        );
        assert!(matches!(&batch.input, BatchInput::U8(v) if v == &[7, 7, 7]));
        // A reused buffer starts empty.
        let used = BatchInput::F32(vec![9.0; 8]);
        let batch = Batch::new(
            vec![1],
            vec![None],
            vec![Ok(Sample::F32(vec![3.0]))],
            Some(used),
        );
        assert!(matches!(&batch.input, BatchInput::F32(v) if v == &[3.0]));
    }

    #[test]
    fn image_batches_decode_into_their_slots_and_close_the_gaps_failed_items_leave() {
        let root = crate::testutil::fixtures()
            .join("images/exif")
            .canonicalize()
            .expect("fixtures");
        let job = |item: i64, file: Option<&str>| Job {
            item,
            path: file.map(|f| root.join(f)),
            media_hash: None,
            features: Vec::new(),
            text: None,
            given: None,
        };
        // A rotated photo, an item without media, a missing file, a CMYK JPEG, a PNG.
        let jobs = vec![
            job(1, Some("orientation_6.jpg")),
            job(2, None),
            job(3, Some("no_such_file.jpg")),
            job(4, Some("cmyk.jpg")),
            job(5, Some("orientation_3.png")),
        ];
        for dtype in [preprocess::InputType::Float32, preprocess::InputType::Uint8] {
            let pre = preprocess::ImagePre {
                width: 7,
                height: 5,
                layout: model::Layout::Nchw,
                color: model::Color::Rgb,
                dtype,
                scale: 1.0 / 255.0,
                mean: vec![0.5],
                std: vec![0.25],
                decode: Default::default(),
            };
            let alone: Vec<Sample> = [0, 3, 4]
                .iter()
                .map(|&i| {
                    let bytes = std::fs::read(jobs[i].path.as_ref().expect("path")).expect("read");
                    preprocess::image_sample(&bytes, &pre).expect("decodes")
                })
                .collect();
            // A spare buffer longer than the batch, full of stale values.
            let spare = match dtype {
                preprocess::InputType::Float32 => BatchInput::F32(vec![f32::NAN; 9 * 105]),
                preprocess::InputType::Uint8 => BatchInput::U8(vec![77; 9 * 105]),
            };
            let at = match &spare {
                BatchInput::F32(v) => v.as_ptr() as usize,
                BatchInput::U8(v) => v.as_ptr() as usize,
                _ => unreachable!(),
            };
            let batch = image_batch(&jobs, &pre, &root, Some(spare));
            assert_eq!(batch.items, vec![1, 2, 3, 4, 5]);
            let failed: Vec<bool> = batch.errors.iter().map(Option::is_some).collect();
            assert_eq!(failed, vec![false, true, true, false, false]);
            assert_eq!(
                batch.errors[1].as_deref(),
                Some("the item has no media path")
            );
            assert!(
                batch.errors[2]
                    .as_deref()
                    .is_some_and(|e| e.contains("no_such_file.jpg")),
                "{:?}",
                batch.errors[2]
            );
            match (&batch.input, dtype) {
                (BatchInput::F32(v), preprocess::InputType::Float32) => {
                    assert_eq!(v.as_ptr() as usize, at, "the spare buffer was not reused");
                    let want: Vec<f32> = alone
                        .iter()
                        .flat_map(|s| match s {
                            Sample::F32(v) => v.clone(),
                            Sample::U8(_) => panic!("an f32 model's sample is u8"),
                        })
                        .collect();
                    assert_eq!(v, &want);
                }
                (BatchInput::U8(v), preprocess::InputType::Uint8) => {
                    assert_eq!(v.as_ptr() as usize, at, "the spare buffer was not reused");
                    let want: Vec<u8> = alone
                        .iter()
                        .flat_map(|s| match s {
                            Sample::U8(v) => v.clone(),
                            Sample::F32(_) => panic!("a u8 model's sample is f32"),
                        })
                        .collect();
                    assert_eq!(v, &want);
                }
                _ => panic!("the batch's element type is not the model's"),
            }
        }
    }
}
