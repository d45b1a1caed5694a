//! The IPC boundary's types: what crosses between the Rust side and the web UI. Each is
//! converted explicitly from core types and exported to TypeScript (`ui/src/bindings/`) with
//! ts-rs; `bindings_are_current` fails when the committed files drift from these definitions.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use arbiter_core::{annotate, dataset, decide, items, model, predict, review, schema};

mod access;
mod calibration;
mod closed;
mod compare;
mod drift;
mod gold;
mod quality;
mod report;
mod team;
pub use access::*;
pub use calibration::*;
pub use closed::*;
pub use compare::*;
pub use drift::*;
pub use gold::*;
pub use quality::*;
pub use report::*;
pub use team::*;

/// The closed set of error codes the UI switches on (never on message text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    NoProject,
    NotFound,
    InvalidInput,
    NewerSchema,
    ProjectLocked,
    /// The project cannot be written here (a read-only folder or file); reads work.
    ReadOnly,
    /// The ONNX Runtime library is missing or cannot run the model as asked.
    Runtime,
    Io,
    Cancelled,
    /// No valid credentials (an unknown, expired or revoked token; `arbiter serve`).
    Unauthorized,
    /// The signed-in person's role may not do this, or not as someone else.
    Forbidden,
    /// Too many failed sign-ins from this address lately (`arbiter serve`): every request from
    /// it waits a minute. A session is not ended by it: the request can be made again later.
    RateLimited,
    /// The command runs only in the desktop app (a native dialog, the file manager, a progress
    /// channel); another shell (an HTTP server) refuses it.
    DesktopOnly,
    /// The project's agreement target is not met: the export was refused (the message names
    /// the target, the figure and its interval); exporting anyway needs the explicit override.
    BelowTarget,
    Internal,
}

/// Every failed command rejects with this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct IpcError {
    pub code: ErrorCode,
    pub message: String,
}

impl IpcError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        IpcError {
            code,
            message: message.into(),
        }
    }
}

impl From<arbiter_core::Error> for IpcError {
    fn from(e: arbiter_core::Error) -> Self {
        use arbiter_core::error::ErrorCode as C;
        let code = match e.code() {
            C::NoProject => ErrorCode::NoProject,
            C::NotFound => ErrorCode::NotFound,
            C::InvalidInput => ErrorCode::InvalidInput,
            C::NewerSchema => ErrorCode::NewerSchema,
            C::Io => ErrorCode::Io,
            C::Cancelled => ErrorCode::Cancelled,
            C::Runtime => ErrorCode::Runtime,
            C::Locked => ErrorCode::ProjectLocked,
            C::ReadOnly => ErrorCode::ReadOnly,
            C::Unauthorized => ErrorCode::Unauthorized,
            C::Forbidden => ErrorCode::Forbidden,
            C::BelowTarget => ErrorCode::BelowTarget,
            C::Internal => ErrorCode::Internal,
        };
        IpcError::new(code, e.to_string())
    }
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LabelInfo {
    pub name: String,
    pub hotkey: Option<String>,
    pub color: String,
    pub guideline: Option<String>,
    #[ts(type = "number")]
    pub position: i64,
}

impl From<schema::Label> for LabelInfo {
    fn from(l: schema::Label) -> Self {
        LabelInfo {
            name: l.name,
            hotkey: l.hotkey,
            color: l.color,
            guideline: l.guideline,
            position: l.position,
        }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProjectInfo {
    pub path: String,
    pub name: String,
    pub labels: Vec<LabelInfo>,
    #[ts(type = "number")]
    pub datasets: u64,
    #[ts(type = "number")]
    pub items: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RecentProject {
    pub path: String,
    pub name: String,
    /// RFC 3339.
    pub opened_at: String,
    pub exists: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DatasetVersionInfo {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub version: i64,
    pub content_hash: String,
    #[ts(type = "number")]
    pub items: i64,
    #[ts(type = "number")]
    pub labeled: i64,
    pub created_at: String,
    pub feature_names: Vec<String>,
    /// The items are texts (a text column or a folder of `.txt` files).
    pub texts: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DatasetInfo {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    pub source: String,
    /// Newest first.
    pub versions: Vec<DatasetVersionInfo>,
}

impl From<dataset::DatasetInfo> for DatasetInfo {
    fn from(d: dataset::DatasetInfo) -> Self {
        DatasetInfo {
            id: d.id,
            name: d.name,
            source: d
                .versions
                .first()
                .map(|v| v.source.clone())
                .unwrap_or_default(),
            versions: d
                .versions
                .into_iter()
                .map(|v| DatasetVersionInfo {
                    id: v.id,
                    version: v.version,
                    content_hash: v.content_hash,
                    items: v.items,
                    labeled: v.labeled,
                    created_at: v.created_at,
                    feature_names: v.feature_names,
                    texts: v.texts,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ItemQuery {
    #[ts(type = "number")]
    pub version_id: i64,
    #[ts(type = "number")]
    pub offset: u64,
    #[ts(type = "number")]
    pub limit: u64,
    /// `null` = all items, `""` = unlabeled only, else one given label.
    pub label: Option<String>,
    /// Show this run's predictions (and allow sorting/filtering by them).
    #[ts(type = "number | null")]
    pub run: Option<i64>,
    /// Only items the run predicted as this class.
    pub predicted: Option<String>,
    /// Only items whose prediction differs from their given label (needs `run`).
    #[serde(default)]
    #[ts(optional)]
    pub mismatch: Option<bool>,
    /// Only items whose review stands so.
    #[serde(default)]
    #[ts(optional)]
    pub review: Option<ReviewFilter>,
    /// Only items this annotator labeled, skipped or flagged.
    #[serde(default)]
    #[ts(optional)]
    pub annotator: Option<String>,
    /// Only items whose id contains this text (case-insensitive).
    #[serde(default)]
    #[ts(optional)]
    pub search: Option<String>,
    pub sort: ItemSort,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ItemSort {
    #[default]
    Source,
    ConfidenceAsc,
    ConfidenceDesc,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ItemSummary {
    #[ts(type = "number")]
    pub rowid: i64,
    pub id: String,
    pub label: Option<String>,
    pub has_media: bool,
    /// A text item's first 280 characters.
    pub snippet: Option<String>,
    pub predicted: Option<String>,
    pub confidence: Option<f32>,
    /// The shown run tried the item and it failed (false when the run has no prediction for
    /// it at all: not reached yet, or absent from imported predictions).
    pub failed: bool,
    /// `pending`: waiting for votes; null without a live label.
    pub review: Option<DecisionStatus>,
    /// The decided label, if decided.
    pub final_label: Option<String>,
    /// A standing unsure / bad-input flag.
    pub flagged: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ItemPage {
    #[ts(type = "number")]
    pub total: u64,
    #[ts(type = "number")]
    pub offset: u64,
    pub items: Vec<ItemSummary>,
    /// The given and final labels (and reviews) are left out for this viewer: the project has
    /// gold items, whose answers they would tell.
    pub labels_hidden: bool,
}

impl ItemPage {
    pub fn hide_labels(&mut self) {
        self.labels_hidden = true;
        for i in &mut self.items {
            i.label = None;
            i.final_label = None;
            i.review = None;
        }
    }
}

impl From<items::ItemPage> for ItemPage {
    fn from(p: items::ItemPage) -> Self {
        ItemPage {
            total: p.total,
            offset: p.offset,
            items: p
                .items
                .into_iter()
                .map(|i| ItemSummary {
                    rowid: i.rowid,
                    id: i.id,
                    label: i.label,
                    has_media: i.path.is_some(),
                    snippet: i.snippet,
                    predicted: i.predicted,
                    confidence: i.confidence,
                    failed: i.failed,
                    review: i.review.map(DecisionStatus::from),
                    final_label: i.final_label,
                    flagged: i.flagged,
                })
                .collect(),
            labels_hidden: false,
        }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ItemDetail {
    #[ts(type = "number")]
    pub rowid: i64,
    pub id: String,
    pub label: Option<String>,
    pub path: Option<String>,
    pub abs_path: Option<String>,
    /// The manifest's other columns.
    #[ts(type = "Record<string, unknown>")]
    pub metadata: serde_json::Map<String, serde_json::Value>,
    pub features: Vec<(String, Option<f64>)>,
    /// A text item's whole text.
    pub text: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// The given label is left out for this viewer (see `ItemPage::labels_hidden`).
    pub labels_hidden: bool,
}

impl From<items::ItemDetail> for ItemDetail {
    fn from(d: items::ItemDetail) -> Self {
        let dims = d
            .abs_path
            .as_deref()
            .and_then(|p| arbiter_core::media::dimensions(std::path::Path::new(p)));
        ItemDetail {
            rowid: d.rowid,
            id: d.id,
            label: d.label,
            path: d.path,
            abs_path: d.abs_path,
            metadata: d.metadata,
            features: d.features,
            text: d.text,
            width: dims.map(|d| d.0),
            height: dims.map(|d| d.1),
            labels_hidden: false,
        }
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportRequest {
    pub source: String,
    pub name: Option<String>,
    pub id_col: Option<String>,
    pub path_col: Option<String>,
    pub label_col: Option<String>,
    /// `null` = every numeric column.
    pub features: Option<Vec<String>>,
    /// The column holding each item's text (text items); ignored for folders.
    #[serde(default)]
    #[ts(optional)]
    pub text_col: Option<String>,
    /// Take every distinct value of the label column as a label, however many (a first
    /// import with more than 1,000 is refused without it).
    #[serde(default)]
    #[ts(optional)]
    pub labels_from_data: Option<bool>,
}

#[derive(Debug, Clone, Copy, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ImportStage {
    Reading,
    Validating,
    Hashing,
    Writing,
    Done,
}

#[derive(Debug, Clone, Copy, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportProgress {
    pub stage: ImportStage,
    #[ts(type = "number")]
    pub done: u64,
    #[ts(type = "number")]
    pub total: u64,
}

impl From<dataset::ImportProgress> for ImportProgress {
    fn from(p: dataset::ImportProgress) -> Self {
        use dataset::ImportStage as S;
        let stage = match p.stage {
            S::Reading => ImportStage::Reading,
            S::Validating => ImportStage::Validating,
            S::Hashing => ImportStage::Hashing,
            S::Writing => ImportStage::Writing,
            S::Done => ImportStage::Done,
        };
        ImportProgress {
            stage,
            done: p.done,
            total: p.total,
        }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportSummary {
    pub dataset: String,
    #[ts(type = "number")]
    pub version: i64,
    #[ts(type = "number")]
    pub items: u64,
    #[ts(type = "number")]
    pub labeled: u64,
    pub warnings: Vec<String>,
    pub unchanged: bool,
}

impl From<dataset::ImportSummary> for ImportSummary {
    fn from(s: dataset::ImportSummary) -> Self {
        ImportSummary {
            dataset: s.dataset,
            version: s.version,
            items: s.items,
            labeled: s.labeled,
            warnings: s.warnings,
            unchanged: s.unchanged,
        }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LabelCount {
    pub label: Option<String>,
    #[ts(type = "number")]
    pub count: u64,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TensorInfo {
    pub name: String,
    pub dtype: String,
    /// `-1` = dynamic.
    #[ts(type = "Array<number>")]
    pub shape: Vec<i64>,
}

/// How images, feature rows or texts become the model's input.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PreprocessInfo {
    pub kind: InputKind,
    pub input: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub layout: Option<Layout>,
    pub color: Option<Color>,
    pub dtype: Option<InputType>,
    pub scale: Option<f32>,
    pub mean: Option<Vec<f32>>,
    pub std: Option<Vec<f32>>,
    /// Image: how JPEGs are decoded.
    pub decode: Option<Decode>,
    /// Tabular: feature count.
    pub features: Option<u32>,
    /// Text: the token inputs' tokenizer (`models/<sha256>.tokenizer.json` in the project);
    /// null for a model fed the texts as strings.
    pub tokenizer: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ModelDto {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    #[ts(type = "number")]
    pub version: i64,
    pub sha256: String,
    pub kind: InputKind,
    pub inputs: Vec<TensorInfo>,
    pub outputs: Vec<TensorInfo>,
    pub classes: Vec<String>,
    pub classes_source: ClassesSource,
    pub preprocess: PreprocessInfo,
    pub output_name: String,
    pub output_kind: OutputKind,
    pub created_at: String,
    /// Predictions imported from this file (`predictions import`): no model to run.
    pub imported_from: Option<String>,
    /// From the model file's graph (null for imported predictions).
    pub precision: Option<Precision>,
}

impl From<model::ModelInfo> for ModelDto {
    fn from(m: model::ModelInfo) -> Self {
        let tensor = |t: model::TensorInfo| TensorInfo {
            name: t.name,
            dtype: t.dtype,
            shape: t.shape,
        };
        let preprocess = match &m.preprocess {
            model::Preprocess::Image { input, image } => PreprocessInfo {
                kind: InputKind::Image,
                input: input.clone(),
                width: Some(image.width),
                height: Some(image.height),
                layout: Some(image.layout.into()),
                color: Some(image.color.into()),
                dtype: Some(image.dtype.into()),
                scale: Some(image.scale),
                mean: Some(image.mean.clone()),
                std: Some(image.std.clone()),
                decode: Some(image.decode.into()),
                features: None,
                tokenizer: None,
            },
            model::Preprocess::Tabular { input, features } => PreprocessInfo {
                kind: InputKind::Tabular,
                input: input.clone(),
                width: None,
                height: None,
                layout: None,
                color: None,
                dtype: Some(InputType::Float32),
                scale: None,
                mean: None,
                std: None,
                decode: None,
                features: Some(*features as u32),
                tokenizer: None,
            },
            model::Preprocess::Text { input, tokens } => PreprocessInfo {
                kind: InputKind::Text,
                input: input.clone(),
                width: None,
                height: None,
                layout: None,
                color: None,
                dtype: None,
                scale: None,
                mean: None,
                std: None,
                decode: None,
                features: None,
                tokenizer: tokens.as_ref().map(|t| t.tokenizer.clone()),
            },
            model::Preprocess::Imported { items, .. } => PreprocessInfo {
                kind: (*items).into(),
                decode: None,
                input: String::new(),
                width: None,
                height: None,
                layout: None,
                color: None,
                dtype: None,
                scale: None,
                mean: None,
                std: None,
                features: None,
                tokenizer: None,
            },
        };
        let imported_from = m.preprocess.imported().map(|f| f.file.clone());
        ModelDto {
            id: m.id,
            name: m.name,
            version: m.version,
            sha256: m.sha256,
            kind: m.preprocess.input_kind().into(),
            inputs: m.inputs.into_iter().map(tensor).collect(),
            outputs: m.outputs.into_iter().map(tensor).collect(),
            classes: m.classes,
            classes_source: m.classes_source.into(),
            preprocess,
            output_name: m.output.name.clone(),
            output_kind: m.output.kind.into(),
            created_at: m.created_at,
            imported_from,
            precision: m.precision.map(Into::into),
        }
    }
}

/// `predictions import` from the app: predictions made elsewhere, as a run.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportPredictionsRequest {
    pub file: String,
    pub name: String,
    /// The model's own version label (a tag, a commit).
    pub version: Option<String>,
    /// `NAME@N`, or null for the only dataset's latest version.
    pub dataset: Option<String>,
    pub normalize: bool,
}

/// What a predictions import made (`arbiter predictions import --json`).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PredictionsImportedDto {
    #[ts(type = "number")]
    pub run: i64,
    pub model: String,
    #[ts(type = "number")]
    pub model_version: i64,
    pub dataset: String,
    #[ts(type = "number")]
    pub dataset_version: i64,
    #[ts(type = "number")]
    pub rows: u64,
    #[ts(type = "number")]
    pub failed: u64,
    #[ts(type = "number")]
    pub items_without: u64,
    /// `probabilities`, `logits` or `predicted_confidence`.
    pub columns: String,
    #[ts(type = "number")]
    pub normalized: u64,
    pub ignored_columns: Vec<String>,
}

impl From<arbiter_core::predict::import::Imported> for PredictionsImportedDto {
    fn from(i: arbiter_core::predict::import::Imported) -> Self {
        PredictionsImportedDto {
            run: i.run,
            model: i.model,
            model_version: i.model_version,
            dataset: i.dataset,
            dataset_version: i.dataset_version,
            rows: i.rows,
            failed: i.failed,
            items_without: i.items_without,
            columns: i.columns,
            normalized: i.normalized,
            ignored_columns: i.ignored_columns,
        }
    }
}

/// `import-labelstudio` from the app: a Label Studio JSON export into the open project.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportLabelStudioRequest {
    pub file: String,
    /// The new dataset's name; null: the file's name.
    pub dataset: Option<String>,
    /// The folder the tasks' images are resolved against; null: the file's folder.
    pub images_root: Option<String>,
}

/// One run a Label Studio import made (a `model_version` of the export).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LabelStudioRunDto {
    #[ts(type = "number")]
    pub run: i64,
    pub model: String,
    #[ts(type = "number")]
    pub model_version: i64,
    #[ts(type = "number")]
    pub predictions: u64,
}

/// What a Label Studio import made (`arbiter import-labelstudio --json`).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LabelStudioImportedDto {
    pub dataset: String,
    #[ts(type = "number")]
    pub version: i64,
    #[ts(type = "number")]
    pub items: u64,
    pub labels: Vec<String>,
    pub annotators: Vec<String>,
    pub annotators_added: Vec<String>,
    #[ts(type = "number")]
    pub annotations: u64,
    /// Cancelled (skipped) annotations left out: `task T annotation A`.
    pub cancelled: Vec<String>,
    pub runs: Vec<LabelStudioRunDto>,
    pub warnings: Vec<String>,
}

impl From<arbiter_core::labelstudio::ImportSummary> for LabelStudioImportedDto {
    fn from(s: arbiter_core::labelstudio::ImportSummary) -> Self {
        LabelStudioImportedDto {
            dataset: s.dataset,
            version: s.version,
            items: s.items,
            labels: s.labels,
            annotators: s.annotators,
            annotators_added: s.annotators_added,
            annotations: s.annotations,
            cancelled: s.cancelled,
            runs: s
                .runs
                .into_iter()
                .map(|r| LabelStudioRunDto {
                    run: r.run,
                    model: r.model,
                    model_version: r.model_version,
                    predictions: r.predictions,
                })
                .collect(),
            warnings: s.warnings,
        }
    }
}

/// `model add` from the app: a file plus optional overrides (null = from the model).
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AddModelRequest {
    pub file: String,
    pub name: Option<String>,
    pub labels_file: Option<String>,
    /// `WxH`
    pub size: Option<String>,
    pub layout: Option<Layout>,
    pub color: Option<Color>,
    pub scale: Option<f32>,
    pub mean: Option<Vec<f32>>,
    pub std: Option<Vec<f32>>,
    /// null = `auto`.
    pub output: Option<OutputChoice>,
    /// null = `full`.
    pub decode: Option<Decode>,
    /// A token model's tokenizer.json; null = `tokenizer.json` beside the model.
    #[serde(default)]
    pub tokenizer: Option<String>,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunRequest {
    /// `NAME` or `NAME@VERSION`
    pub model: String,
    /// `NAME` or `NAME@VERSION`
    pub dataset: String,
    #[ts(type = "number")]
    pub batch_size: u32,
    pub device: Device,
    /// Continue this run.
    #[ts(type = "number | null")]
    pub resume: Option<i64>,
    /// null = the model's preprocessing.
    pub decode: Option<Decode>,
    /// CUDA: the GPU's index (null = 0).
    #[serde(default)]
    pub cuda_device: Option<u32>,
    /// CUDA: the GPU memory arena's limit, e.g. `4GiB` (null = no limit).
    #[serde(default)]
    pub gpu_mem_limit: Option<String>,
    /// CUDA: cuDNN's convolution algorithm search (null = exhaustive).
    #[serde(default)]
    pub cudnn_conv_search: Option<ConvSearch>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunProgress {
    #[ts(type = "number")]
    pub run: i64,
    #[ts(type = "number")]
    pub done: u64,
    #[ts(type = "number")]
    pub failed: u64,
    #[ts(type = "number")]
    pub total: u64,
    pub items_per_second: f64,
    pub eta_seconds: Option<f64>,
    /// The execution provider in use.
    pub provider: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunInfo {
    #[ts(type = "number")]
    pub run: i64,
    /// `NAME@VERSION`
    pub model: String,
    /// `NAME@VERSION`
    pub dataset: String,
    #[ts(type = "number")]
    pub version_id: i64,
    pub status: RunStatus,
    #[ts(type = "number")]
    pub items: u64,
    #[ts(type = "number")]
    pub failed: u64,
    /// The execution provider actually used.
    pub provider: String,
    pub requested_device: Device,
    pub notice: Option<String>,
    pub seconds: f64,
    pub items_per_second: f64,
    /// The run's fitted temperature: queues can rank by calibrated confidence.
    pub temperature: Option<f64>,
}

impl From<predict::RunSummary> for RunInfo {
    fn from(r: predict::RunSummary) -> Self {
        RunInfo {
            run: r.run,
            model: r.model,
            dataset: r.dataset,
            version_id: r.version_id,
            status: r.status.into(),
            items: r.items,
            failed: r.failed,
            provider: r.device,
            requested_device: r.requested_device.into(),
            notice: r.notice,
            seconds: r.seconds,
            items_per_second: r.items_per_second,
            temperature: r.temperature,
        }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ItemPrediction {
    #[ts(type = "number")]
    pub run: i64,
    pub predicted: Option<String>,
    pub confidence: Option<f32>,
    /// The most probable classes, most probable first (at most 10).
    pub top: Vec<(String, f32)>,
    /// Why the item failed in this run.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AnnotatorDto {
    pub name: String,
    pub role: Role,
}

impl From<annotate::Annotator> for AnnotatorDto {
    fn from(a: annotate::Annotator) -> Self {
        AnnotatorDto {
            name: a.name,
            role: a.role.into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReasonDto {
    pub code: String,
    pub description: String,
}

#[derive(Debug, Clone, Copy, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct QueueCounts {
    #[ts(type = "number")]
    pub total: u64,
    #[ts(type = "number")]
    pub done: u64,
    #[ts(type = "number")]
    pub partial: u64,
    #[ts(type = "number")]
    pub claimed: u64,
    #[ts(type = "number")]
    pub untouched: u64,
    #[ts(type = "number")]
    pub skipped: u64,
    #[ts(type = "number")]
    pub flagged: u64,
}

impl From<review::Counts> for QueueCounts {
    fn from(c: review::Counts) -> Self {
        QueueCounts {
            total: c.total,
            done: c.done,
            partial: c.partial,
            claimed: c.claimed,
            untouched: c.untouched,
            skipped: c.skipped,
            flagged: c.flagged,
        }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct QueueDto {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    #[ts(type = "number")]
    pub run: i64,
    pub strategy: Strategy,
    pub threshold: Option<f64>,
    pub overlap_share: f64,
    #[ts(type = "number")]
    pub overlap_k: i64,
    pub blind: bool,
    pub created_at: String,
    pub counts: QueueCounts,
    /// The annotators the queue's items are split between (empty: anyone takes any item).
    pub assignees: Vec<String>,
    /// Gold served among its items, or a qualification.
    pub gold: GoldServingDto,
    /// The run's temperature when the queue ranks by calibrated confidence.
    pub temperature: Option<f64>,
}

impl QueueDto {
    pub fn new(q: review::SavedQueue, c: review::Counts) -> Self {
        QueueDto {
            id: q.id,
            name: q.name,
            run: q.run,
            strategy: q.strategy.into(),
            threshold: q.threshold,
            overlap_share: q.overlap_share,
            overlap_k: q.overlap_k,
            blind: q.blind,
            created_at: q.created_at,
            counts: c.into(),
            gold: q.gold.into(),
            temperature: q.temperature,
            assignees: q.assignees,
        }
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CreateQueueRequest {
    pub name: String,
    #[ts(type = "number")]
    pub run: i64,
    pub strategy: Strategy,
    #[ts(type = "number | null")]
    pub other_run: Option<i64>,
    pub threshold: Option<f64>,
    #[ts(type = "number")]
    pub seed: u64,
    #[ts(type = "number | null")]
    pub limit: Option<u64>,
    pub overlap_share: f64,
    #[ts(type = "number")]
    pub overlap_k: u32,
    pub blind: bool,
    /// Split the items between these annotators (each item to `overlap_k` of them); empty:
    /// anyone takes any item.
    pub assign: Vec<String>,
    /// Gold served among the items, or a qualification (absent: none).
    #[serde(default)]
    #[ts(optional)]
    pub gold: Option<GoldServingDto>,
    /// A `set-size` queue's calibration queue (a random queue on the run saved without a
    /// threshold) and level alpha in (0, 1) (absent for the other strategies).
    #[serde(default)]
    #[ts(optional)]
    pub calibration: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub alpha: Option<f64>,
    /// Rank and threshold by calibrated confidence (the run's temperature; refused for a run
    /// not calibrated yet).
    #[serde(default)]
    #[ts(optional)]
    pub calibrated: Option<bool>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BelowCount {
    #[ts(type = "number")]
    pub below: u64,
    #[ts(type = "number")]
    pub total: u64,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VoteDto {
    #[ts(type = "number")]
    pub annotation: i64,
    pub annotator: String,
    pub label: String,
    pub reason: Option<String>,
    pub note: Option<String>,
    pub source: AnnotationSource,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DecisionDto {
    pub item_id: String,
    #[ts(type = "number")]
    pub rowid: i64,
    pub status: DecisionStatus,
    pub label: Option<String>,
    pub rule: Option<DecisionHow>,
    pub votes: Vec<VoteDto>,
    pub deciders: Vec<String>,
    pub decided_at: Option<String>,
    /// Distinct annotators' votes the item needs before votes can decide it (the rule's
    /// minimum, or its overlap k if larger).
    #[ts(type = "number")]
    pub votes_needed: u64,
    /// Under the `dawid-skene` rule: each label's posterior probability, most probable first
    /// (null under the other rules, and for an item without votes).
    pub posterior: Option<Vec<PosteriorDto>>,
    /// The posterior probability of the decision's label, when there is a posterior.
    pub probability: Option<f64>,
}

/// One label's posterior probability under the `dawid-skene` rule.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PosteriorDto {
    pub label: String,
    pub probability: f64,
}

/// The project's decision rule.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DecisionRuleDto {
    pub mode: DecisionMode,
    #[ts(type = "number")]
    pub min_annotators: u64,
}

impl From<decide::Rule> for DecisionRuleDto {
    fn from(r: decide::Rule) -> Self {
        DecisionRuleDto {
            mode: r.mode.into(),
            min_annotators: r.min_annotators as u64,
        }
    }
}

impl From<decide::Vote> for VoteDto {
    fn from(v: decide::Vote) -> Self {
        VoteDto {
            annotation: v.annotation,
            annotator: v.annotator,
            label: v.label,
            reason: v.reason,
            note: v.note,
            source: v.source.into(),
            created_at: v.created_at,
        }
    }
}

impl From<decide::Decision> for DecisionDto {
    fn from(d: decide::Decision) -> Self {
        DecisionDto {
            item_id: d.item_id,
            rowid: d.item,
            status: d.status.into(),
            label: d.label,
            rule: d.rule.map(DecisionHow::from),
            votes: d.votes.into_iter().map(VoteDto::from).collect(),
            deciders: d.deciders,
            decided_at: d.decided_at,
            votes_needed: d.votes_needed as u64,
            posterior: d.posterior.map(|p| {
                p.into_iter()
                    .map(|x| PosteriorDto {
                        label: x.label,
                        probability: x.probability,
                    })
                    .collect()
            }),
            probability: d.probability,
        }
    }
}

/// The items a run failed, and why (at most the number asked for), with how many in all.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunFailures {
    #[ts(type = "number")]
    pub run: i64,
    #[ts(type = "number")]
    pub total: u64,
    pub items: Vec<RunFailure>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunFailure {
    pub item_id: String,
    pub error: String,
}

/// A change to one label: `null` keeps a property, `""` clears the hotkey or the guideline.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LabelEditRequest {
    pub name: String,
    pub hotkey: Option<String>,
    pub color: Option<String>,
    pub guideline: Option<String>,
    /// The guideline's example items (item ids), replacing the list; absent or null keeps it.
    #[serde(default)]
    #[ts(optional)]
    pub examples: Option<Vec<String>>,
}

/// A conflict (open, or resolved by a reviewer) with what a reviewer weighs.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConflictDto {
    pub decision: DecisionDto,
    /// Each annotator's latest own label (overrides are not votes).
    pub votes: Vec<VoteDto>,
    /// The dataset's given label.
    pub given: Option<String>,
    /// The newest finished run over the item's dataset version, and its prediction.
    #[ts(type = "number | null")]
    pub run: Option<i64>,
    pub predicted: Option<String>,
    pub confidence: Option<f32>,
    /// A text item's text.
    pub text: Option<String>,
}

impl From<review::ConflictView> for ConflictDto {
    fn from(c: review::ConflictView) -> Self {
        ConflictDto {
            decision: c.decision.into(),
            votes: c.votes.into_iter().map(VoteDto::from).collect(),
            given: c.given,
            run: c.run,
            predicted: c.predicted,
            confidence: c.confidence,
            text: c.text,
        }
    }
}

/// An item handed to an annotator, with what the queue's mode lets them see.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReviewItem {
    #[ts(type = "number")]
    pub rowid: i64,
    pub item_id: String,
    #[ts(type = "number")]
    pub position: i64,
    pub score: f64,
    #[ts(type = "number")]
    pub needed: i64,
    /// The dataset's given label (hidden in blind mode).
    pub given: Option<String>,
    /// The model's prediction (null in blind mode).
    pub prediction: Option<ItemPrediction>,
    /// Other people's labels so far (empty in blind mode).
    pub others: Vec<VoteDto>,
    pub blind: bool,
    pub lease_until: f64,
    /// The note a reviewer sent this item back to the viewer with (until they label it again).
    pub sent_back: Option<SentBackDto>,
    /// A text item's text.
    pub text: Option<String>,
}

impl From<predict::TopPrediction> for ItemPrediction {
    fn from(p: predict::TopPrediction) -> Self {
        ItemPrediction {
            run: p.run,
            predicted: p.predicted,
            confidence: p.confidence,
            top: p.top,
            error: p.error,
        }
    }
}

impl From<review::ReviewView> for ReviewItem {
    fn from(v: review::ReviewView) -> Self {
        let a = v.assigned;
        ReviewItem {
            rowid: a.item,
            item_id: a.item_id,
            position: a.position,
            score: a.score,
            needed: a.needed,
            given: v.given,
            prediction: v.prediction.map(ItemPrediction::from),
            others: v.others.into_iter().map(VoteDto::from).collect(),
            blind: v.blind,
            lease_until: a.lease_until,
            sent_back: v.sent_back.map(SentBackDto::from),
            text: v.text,
        }
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AnnotateRequest {
    #[ts(type = "number")]
    pub rowid: i64,
    pub annotator: String,
    pub kind: EventKind,
    pub label: Option<String>,
    /// A flag event's flag (null = `unsure`).
    pub flag: Option<Flag>,
    pub reason: Option<String>,
    pub note: Option<String>,
    pub seconds: Option<f64>,
    pub prediction_shown: bool,
    /// The app records `manual`, `accepted_prediction` or `override`.
    pub source: AnnotationSource,
    #[ts(type = "number | null")]
    pub queue: Option<i64>,
    #[ts(type = "number | null")]
    pub run: Option<i64>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AnnotateResult {
    /// The stored event's id (it is committed when this returns).
    #[ts(type = "number")]
    pub annotation: i64,
    pub decision: DecisionDto,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    pub counts: QueueCounts,
    /// Labels by this annotator in the last hour.
    #[ts(type = "number")]
    pub last_hour: u64,
    #[ts(type = "number")]
    pub labeled: u64,
    /// Items of this queue the annotator has handled (labeled, skipped or flagged; undone ones not).
    #[ts(type = "number")]
    pub mine: u64,
    /// Of those, the items this annotator skipped and flagged (not everyone's).
    #[ts(type = "number")]
    pub my_skipped: u64,
    #[ts(type = "number")]
    pub my_flagged: u64,
    /// Seconds between this annotator's first and last label of the last hour (a pace over less
    /// than a minute says little).
    pub pace_seconds: f64,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AgreementPoint {
    pub at: String,
    pub scope: String,
    #[ts(type = "number")]
    pub annotations: i64,
    pub alpha: Option<f64>,
    pub fleiss: Option<f64>,
    pub ac1: Option<f64>,
    pub percent_agreement: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportRequest {
    pub out: String,
    pub format: ExportFormat,
    /// `NAME@VERSION`, or null for the only dataset.
    pub dataset: Option<String>,
    /// The run whose predictions fill `predicted`/`confidence`; null for none. (The screen
    /// preselects the newest finished run over the version, the CLI's default.)
    #[ts(type = "number | null")]
    pub run: Option<i64>,
    pub only_decided: bool,
    pub min_agreement: Option<f64>,
    pub exclude_reasons: Vec<String>,
    pub validation_share: Option<f64>,
    #[ts(type = "number")]
    pub seed: u64,
    /// Export even though the agreement target is not met (the lineage records it); without
    /// it such an export fails with `below_target`.
    pub allow_below_target: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportPreview {
    /// Rows the export will write; files, for an image folder.
    #[ts(type = "number")]
    pub rows: u64,
    /// Rows per final label ("(none)" when undecided); for an image folder, files per label
    /// folder (final label, else given) — as the export's summary will say.
    #[ts(type = "Record<string, number>")]
    pub labels: std::collections::BTreeMap<String, usize>,
    /// What an image folder leaves out, by why (`no_media`, `no_label`); empty otherwise.
    #[ts(type = "Record<string, number>")]
    pub skipped: std::collections::BTreeMap<String, usize>,
    /// Items each excluded reason code or flag leaves out (an item with two counts twice).
    #[ts(type = "Record<string, number>")]
    pub excluded: std::collections::BTreeMap<String, usize>,
    /// The agreement target checked now (null when none is set): unless it passes, the export
    /// needs `allowBelowTarget`.
    pub target: Option<TargetVerdict>,
}

/// What `export_annotations` wrote.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AnnotationsExported {
    pub out: String,
    /// The folder to open afterwards.
    pub folder: String,
    /// Annotation events written (labels, skips, flags, overrides, retractions).
    #[ts(type = "number")]
    pub events: u64,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportDone {
    pub out: String,
    pub lineage: String,
    /// The folder to open afterwards.
    pub folder: String,
    /// Rows written (files, for an image folder).
    #[ts(type = "number")]
    pub rows: u64,
    /// Final label (or "(none)") → rows; label → files for an image folder.
    #[ts(type = "Record<string, number>")]
    pub labels: std::collections::BTreeMap<String, usize>,
    /// Items an image folder left out, by why: `no_media`, `no_label`.
    #[ts(type = "Record<string, number>")]
    pub skipped: std::collections::BTreeMap<String, usize>,
    /// The run whose predictions were exported.
    #[ts(type = "number | null")]
    pub run: Option<i64>,
    /// The agreement target the export met (`met`) or went past (`allowed_below_target`);
    /// null when no target is set.
    pub target_export: Option<String>,
}

/// Where a running export is (`arbiter_core::export::ExportStage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ExportStage {
    /// Computing every item's decision from the annotation events.
    Deciding,
    /// Reading the version's items and applying the filters (`done`/`total` = items).
    Selecting,
    /// Writing the table file in one go (no count).
    Writing,
    /// Hard-linking or copying the image folder's files (`done`/`total` = files).
    Linking,
    /// Writing the lineage manifest and the audit entry.
    Lineage,
    Done,
}

#[derive(Debug, Clone, Copy, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportProgress {
    pub stage: ExportStage,
    #[ts(type = "number")]
    pub done: u64,
    /// 0 when the stage has no count.
    #[ts(type = "number")]
    pub total: u64,
}

impl From<arbiter_core::export::ExportProgress> for ExportProgress {
    fn from(p: arbiter_core::export::ExportProgress) -> Self {
        use arbiter_core::export::ExportStage as S;
        let stage = match p.stage {
            S::Deciding => ExportStage::Deciding,
            S::Selecting => ExportStage::Selecting,
            S::Writing => ExportStage::Writing,
            S::Linking => ExportStage::Linking,
            S::Lineage => ExportStage::Lineage,
            S::Done => ExportStage::Done,
        };
        ExportProgress {
            stage,
            done: p.done,
            total: p.total,
        }
    }
}

/// Render every IPC type as ts-rs would write it: `(file name, contents)`.
pub fn typescript_bindings() -> Vec<(String, String)> {
    fn one<T: TS + 'static>(out: &mut Vec<(String, String)>) {
        let cfg = ts_rs::Config::new().with_large_int("number");
        let path = T::output_path()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = T::export_to_string(&cfg).unwrap_or_else(|e| format!("// export failed: {e}"));
        out.push((path, text));
    }
    let mut out = Vec::new();
    macro_rules! export_all {
        ($($t:ident),*) => { $(one::<$t>(&mut out);)* };
    }
    closed::with_closed_sets!(export_all);
    report::with_report_types!(export_all);
    team::with_team_types!(export_all);
    gold::with_gold_types!(export_all);
    drift::with_drift_types!(export_all);
    quality::with_quality_types!(export_all);
    compare::with_compare_types!(export_all);
    calibration::with_calibration_types!(export_all);
    one::<ErrorCode>(&mut out);
    one::<IpcError>(&mut out);
    one::<LabelInfo>(&mut out);
    one::<ProjectInfo>(&mut out);
    one::<RecentProject>(&mut out);
    one::<DatasetVersionInfo>(&mut out);
    one::<DatasetInfo>(&mut out);
    one::<ItemQuery>(&mut out);
    one::<ItemSort>(&mut out);
    one::<ConflictDto>(&mut out);
    one::<LabelEditRequest>(&mut out);
    one::<RunFailures>(&mut out);
    one::<RunFailure>(&mut out);
    one::<TensorInfo>(&mut out);
    one::<PreprocessInfo>(&mut out);
    one::<ModelDto>(&mut out);
    one::<AddModelRequest>(&mut out);
    one::<ImportPredictionsRequest>(&mut out);
    one::<PredictionsImportedDto>(&mut out);
    one::<ImportLabelStudioRequest>(&mut out);
    one::<LabelStudioRunDto>(&mut out);
    one::<LabelStudioImportedDto>(&mut out);
    one::<RunRequest>(&mut out);
    one::<RunProgress>(&mut out);
    one::<RunInfo>(&mut out);
    one::<ItemPrediction>(&mut out);
    one::<AnnotatorDto>(&mut out);
    one::<ReasonDto>(&mut out);
    one::<QueueCounts>(&mut out);
    one::<QueueDto>(&mut out);
    one::<CreateQueueRequest>(&mut out);
    one::<BelowCount>(&mut out);
    one::<VoteDto>(&mut out);
    one::<DecisionDto>(&mut out);
    one::<PosteriorDto>(&mut out);
    one::<DecisionRuleDto>(&mut out);
    one::<ReviewItem>(&mut out);
    one::<AnnotateRequest>(&mut out);
    one::<AnnotateResult>(&mut out);
    one::<Progress>(&mut out);
    one::<AgreementPoint>(&mut out);
    one::<ExportRequest>(&mut out);
    one::<ExportPreview>(&mut out);
    one::<ExportDone>(&mut out);
    one::<AnnotationsExported>(&mut out);
    one::<ExportStage>(&mut out);
    one::<ExportProgress>(&mut out);
    one::<ItemSummary>(&mut out);
    one::<ItemPage>(&mut out);
    one::<ItemDetail>(&mut out);
    one::<ImportRequest>(&mut out);
    one::<ImportStage>(&mut out);
    one::<ImportProgress>(&mut out);
    one::<ImportSummary>(&mut out);
    one::<LabelCount>(&mut out);
    one::<InviteRequest>(&mut out);
    one::<InvitedDto>(&mut out);
    one::<AccessDto>(&mut out);
    one::<RevokedDto>(&mut out);
    one::<ConnectedDto>(&mut out);
    one::<ServingDto>(&mut out);
    out
}
