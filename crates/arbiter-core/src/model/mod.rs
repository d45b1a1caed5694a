//! The model registry: `add` copies an ONNX file into the project (content-addressed by
//! sha256), reads its inputs and outputs, works out its kind (image or tabular), preprocessing,
//! output meaning, class names and precision — every default overridable — and refuses what
//! Arbiter cannot run, saying why.

pub mod decode;
pub mod onnx_meta;
pub mod precision;
pub mod preprocess;
pub mod runtime;
pub mod text;

use std::path::{Path, PathBuf};

use ort::value::{TensorElementType, ValueType};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::store::Project;
use crate::time::NOW_SQL;
pub use precision::Precision;
pub use preprocess::{Color, ImagePre, InputType, Layout};

/// A graph input or output as the model declares it (`-1` = dynamic dimension).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TensorInfo {
    pub name: String,
    /// `float32`, `uint8`, `string`, …, or `sequence<map<string,float32>>`.
    pub dtype: String,
    pub shape: Vec<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputKind {
    /// Raw scores: softmax is applied.
    Logits,
    /// Already probabilities.
    Probabilities,
    /// scikit-learn's ZipMap: a sequence of {class: probability} maps.
    Zipmap,
}

impl OutputKind {
    /// What `--output` asks for: `None` for `auto` (see [`OutputChoice`]).
    pub fn parse(s: &str) -> Result<Option<OutputKind>> {
        Ok(s.parse::<OutputChoice>()?.kind())
    }
    pub fn as_str(self) -> &'static str {
        match self {
            OutputKind::Logits => "logits",
            OutputKind::Probabilities => "probabilities",
            OutputKind::Zipmap => "zipmap",
        }
    }
}

impl std::str::FromStr for OutputKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<OutputKind> {
        match s {
            "logits" => Ok(OutputKind::Logits),
            "probabilities" => Ok(OutputKind::Probabilities),
            "zipmap" => Ok(OutputKind::Zipmap),
            o => Err(Error::InvalidArgument(format!(
                "output kind {o:?}: use logits, probabilities or zipmap"
            ))),
        }
    }
}

/// What `model add --output` asks for: `auto` works it out from the model (probabilities
/// after Softmax/classifier ops, else logits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputChoice {
    #[default]
    Auto,
    Logits,
    Probabilities,
}

impl OutputChoice {
    pub fn as_str(self) -> &'static str {
        match self {
            OutputChoice::Auto => "auto",
            OutputChoice::Logits => "logits",
            OutputChoice::Probabilities => "probabilities",
        }
    }
    /// The kind asked for; `None` = auto.
    pub fn kind(self) -> Option<OutputKind> {
        match self {
            OutputChoice::Auto => None,
            OutputChoice::Logits => Some(OutputKind::Logits),
            OutputChoice::Probabilities => Some(OutputKind::Probabilities),
        }
    }
}

impl std::str::FromStr for OutputChoice {
    type Err = Error;
    fn from_str(s: &str) -> Result<OutputChoice> {
        match s {
            "auto" => Ok(OutputChoice::Auto),
            "logits" => Ok(OutputChoice::Logits),
            "probabilities" | "probs" => Ok(OutputChoice::Probabilities),
            other => Err(Error::InvalidArgument(format!(
                "--output {other:?}: use auto, logits or probabilities"
            ))),
        }
    }
}

/// Which output carries the class scores and what they mean.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputSpec {
    pub name: String,
    pub kind: OutputKind,
    /// For a ZipMap output: the model's own class keys, in output order (`"10"`, `"20"`, … for
    /// a classifier trained on integer targets). The i-th key is the i-th class name, so a
    /// labels file can name them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keys: Option<Vec<String>>,
}

/// The largest input sample Arbiter feeds (one image's tensor), in bytes.
pub const MAX_SAMPLE_BYTES: u64 = 512 * 1024 * 1024;

/// How a dataset item becomes the model's input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Preprocess {
    Image {
        input: String,
        #[serde(flatten)]
        image: ImagePre,
    },
    Tabular {
        input: String,
        features: usize,
    },
    /// Text items: fed as strings to `input`, or (with `tokens`) encoded by the model's
    /// tokenizer, `input` being the token ids.
    Text {
        input: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tokens: Option<text::TokenPlan>,
    },
    /// No model to run: predictions made elsewhere and imported (`predictions import`), over
    /// items of this kind.
    Imported {
        items: InputKind,
        #[serde(flatten)]
        from: ImportedFrom,
    },
}

/// Where imported predictions came from: the file, its SHA-256, which columns gave the
/// probabilities, and the model's own version label if one was given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportedFrom {
    pub file: String,
    pub file_sha256: String,
    /// `probabilities` (`p_<class>`), `logits` (`logits_<class>`) or `predicted_confidence`.
    pub columns: String,
    /// Each class's column, in class order (empty for `predicted_confidence`).
    #[serde(default)]
    pub class_columns: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_version: Option<String>,
}

impl Preprocess {
    /// The model's input tensor (empty for imported predictions).
    pub fn input(&self) -> &str {
        match self {
            Preprocess::Image { input, .. }
            | Preprocess::Tabular { input, .. }
            | Preprocess::Text { input, .. } => input,
            Preprocess::Imported { .. } => "",
        }
    }
    pub fn kind(&self) -> &'static str {
        self.input_kind().as_str()
    }
    pub fn input_kind(&self) -> InputKind {
        match self {
            Preprocess::Image { .. } => InputKind::Image,
            Preprocess::Tabular { .. } => InputKind::Tabular,
            Preprocess::Text { .. } => InputKind::Text,
            Preprocess::Imported { items, .. } => *items,
        }
    }

    /// Where the predictions came from, when they were imported rather than computed.
    pub fn imported(&self) -> Option<&ImportedFrom> {
        match self {
            Preprocess::Imported { from, .. } => Some(from),
            _ => None,
        }
    }
}

/// What a model reads: images, feature rows or texts (the `kind` of [`Preprocess`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputKind {
    Image,
    Tabular,
    Text,
}

impl InputKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Image => "image",
            InputKind::Tabular => "tabular",
            InputKind::Text => "text",
        }
    }
}

impl std::str::FromStr for InputKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<InputKind> {
        match s {
            "image" => Ok(InputKind::Image),
            "tabular" => Ok(InputKind::Tabular),
            "text" => Ok(InputKind::Text),
            o => Err(Error::InvalidArgument(format!(
                "model kind {o:?}: use image, tabular or text"
            ))),
        }
    }
}

/// Where a model's class names came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassesSource {
    /// `--labels-file`.
    LabelsFile,
    /// The model's metadata (`classes`, `labels`, …).
    ModelMetadata,
    /// A classifier op's class labels in the graph.
    ModelGraph,
    /// The project's label schema, in order.
    ProjectSchema,
}

impl ClassesSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ClassesSource::LabelsFile => "labels_file",
            ClassesSource::ModelMetadata => "model_metadata",
            ClassesSource::ModelGraph => "model_graph",
            ClassesSource::ProjectSchema => "project_schema",
        }
    }
    /// For people: `labels file`, `model metadata`, …
    pub fn describe(self) -> String {
        self.as_str().replace('_', " ")
    }
}

impl std::str::FromStr for ClassesSource {
    type Err = Error;
    fn from_str(s: &str) -> Result<ClassesSource> {
        match s {
            "labels_file" => Ok(ClassesSource::LabelsFile),
            "model_metadata" => Ok(ClassesSource::ModelMetadata),
            "model_graph" => Ok(ClassesSource::ModelGraph),
            "project_schema" => Ok(ClassesSource::ProjectSchema),
            o => Err(Error::InvalidArgument(format!(
                "classes source {o:?}: use labels_file, model_metadata, model_graph or project_schema"
            ))),
        }
    }
}

impl rusqlite::types::ToSql for ClassesSource {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}

sql_from_str!(ClassesSource);

/// A registered model version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelInfo {
    pub id: i64,
    pub name: String,
    pub version: i64,
    pub sha256: String,
    /// The project's copy of the file.
    pub file: PathBuf,
    pub kind: String,
    pub inputs: Vec<TensorInfo>,
    pub outputs: Vec<TensorInfo>,
    pub classes: Vec<String>,
    pub classes_source: ClassesSource,
    pub preprocess: Preprocess,
    pub output: OutputSpec,
    pub created_at: String,
    /// From the model file's graph (`None`: the project has no readable copy of the file, e.g.
    /// imported predictions).
    pub precision: Option<Precision>,
}

/// What the user gives `model add`; `None` = work it out from the model.
#[derive(Debug, Clone, Default)]
pub struct AddOptions {
    pub file: PathBuf,
    pub name: Option<String>,
    pub labels_file: Option<PathBuf>,
    pub size: Option<(u32, u32)>,
    pub layout: Option<Layout>,
    pub color: Option<Color>,
    pub scale: Option<f32>,
    pub mean: Option<Vec<f32>>,
    pub std: Option<Vec<f32>>,
    pub output: Option<OutputKind>,
    /// How JPEGs are decoded for this model (default `full`).
    pub decode: Option<decode::Decode>,
    /// A transformer-style text model's tokenizer (default: `tokenizer.json` beside the model).
    pub tokenizer: Option<PathBuf>,
}

/// Parse `WxH`.
pub fn parse_size(s: &str) -> Result<(u32, u32)> {
    let bad = || Error::InvalidArgument(format!("--size {s:?}: use WIDTHxHEIGHT, e.g. 224x224"));
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    let w: u32 = w.trim().parse().map_err(|_| bad())?;
    let h: u32 = h.trim().parse().map_err(|_| bad())?;
    if w == 0 || h == 0 {
        return Err(bad());
    }
    Ok((w, h))
}

fn element_name(t: TensorElementType) -> String {
    match t {
        TensorElementType::Float32 => "float32".into(),
        TensorElementType::Float64 => "float64".into(),
        TensorElementType::Uint8 => "uint8".into(),
        TensorElementType::Int64 => "int64".into(),
        TensorElementType::String => "string".into(),
        other => format!("{other:?}").to_lowercase(),
    }
}

fn describe(name: &str, t: &ValueType) -> TensorInfo {
    match t {
        ValueType::Tensor { ty, shape, .. } => TensorInfo {
            name: name.to_string(),
            dtype: element_name(*ty),
            shape: shape.iter().copied().collect(),
        },
        ValueType::Sequence(inner) => match inner.as_ref() {
            ValueType::Map { key, value } => TensorInfo {
                name: name.to_string(),
                dtype: format!(
                    "sequence<map<{},{}>>",
                    element_name(*key),
                    element_name(*value)
                ),
                shape: vec![-1],
            },
            other => TensorInfo {
                name: name.to_string(),
                dtype: format!("sequence<{other:?}>"),
                shape: vec![-1],
            },
        },
        other => TensorInfo {
            name: name.to_string(),
            dtype: format!("{other:?}"),
            shape: vec![],
        },
    }
}

/// Register a model file. The same name and content returns the existing version; new content
/// under a known name becomes the next version.
pub fn add(project: &mut Project, opts: &AddOptions) -> Result<ModelInfo> {
    let path = &opts.file;
    let model_err = |m: String| Error::Model {
        path: path.clone(),
        message: m,
    };
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let meta = onnx_meta::parse(&bytes).ok_or_else(|| {
        model_err("not an ONNX model: the file could not be decoded as an ONNX ModelProto with a graph. Export the model to ONNX (e.g. torch.onnx.export, skl2onnx, tf2onnx) and add the .onnx file".into())
    })?;
    if !meta.external_files.is_empty() {
        return Err(model_err(format!(
            "the model keeps its weights in separate file(s) ({}) beside it (ONNX external data); Arbiter registers single-file models. Save it as one file, e.g. in Python: onnx.save_model(onnx.load(\"{name}\"), \"single.onnx\", save_as_external_data=False) (possible up to 2 GB); nothing was registered",
            meta.external_files.join(", "),
            name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
        )));
    }
    let sha256 = format!("{:x}", Sha256::digest(&bytes));

    let built = runtime::session(path, runtime::Device::Cpu).map_err(|e| match e {
        Error::Model { message, .. } if message.contains("Failed to construct locale") => {
            model_err(format!(
                "ONNX Runtime cannot load this model: a text-normalising step names a locale this system lacks ({message}). Install the locale (Debian: `apt-get install locales`, then enable it in /etc/locale.gen and run `locale-gen`), or export the model with a locale every system has, e.g. skl2onnx options {{TfidfVectorizer: {{\"locale\": \"C.UTF-8\"}}}}"
            ))
        }
        Error::Model { message, .. } => {
            model_err(format!("ONNX Runtime cannot load this model: {message}"))
        }
        other => other,
    })?;
    let session = built.session;
    let inputs: Vec<TensorInfo> = session
        .inputs()
        .iter()
        .map(|i| describe(i.name(), i.dtype()))
        .collect();
    let outputs: Vec<TensorInfo> = session
        .outputs()
        .iter()
        .map(|o| describe(o.name(), o.dtype()))
        .collect();
    drop(session);

    let mut preprocess = plan_input(&inputs, opts).map_err(model_err)?;
    // A tokenizer is kept in the project beside the model, content-addressed.
    let tokenizer_bytes = match &mut preprocess {
        Preprocess::Text {
            tokens: Some(plan), ..
        } => {
            let file = opts.tokenizer.clone().unwrap_or_else(|| {
                path.parent()
                    .unwrap_or(Path::new("."))
                    .join("tokenizer.json")
            });
            if !file.is_file() {
                return Err(model_err(format!(
                    "the model takes token ids ({}) but there is no tokenizer: {} does not exist. Put the tokenizer.json saved with the model beside it, or name the tokenizer file (--tokenizer FILE; in the app, the Add model dialog's Tokenizer field); nothing was registered",
                    preprocess_inputs(&inputs),
                    file.display()
                )));
            }
            text::load_tokenizer(&file).map_err(model_err)?;
            let bytes = std::fs::read(&file).map_err(|e| Error::io(&file, e))?;
            let sha = format!("{:x}", Sha256::digest(&bytes));
            plan.tokenizer = format!("models/{sha}.tokenizer.json");
            plan.tokenizer_sha256 = sha;
            Some((plan.tokenizer.clone(), bytes))
        }
        _ => {
            if opts.tokenizer.is_some() {
                return Err(model_err(
                    "--tokenizer applies to models with token inputs (input_ids); this model does not take any".into(),
                ));
            }
            None
        }
    };
    let output = plan_output(&outputs, &meta, opts.output).map_err(model_err)?;
    let n_classes = class_count(&outputs, &output, &meta);
    let (classes, classes_source) =
        class_names(project.conn(), opts, &meta, n_classes).map_err(model_err)?;
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = classes.iter().find(|c| !seen.insert(c.as_str())) {
        return Err(model_err(format!(
            "class {dup:?} is named twice in the {}; every class needs its own name (--labels-file with one distinct name per output)",
            classes_source.describe()
        )));
    }
    if let Some(blank) = classes.iter().position(|c| c.trim().is_empty()) {
        return Err(model_err(format!(
            "class {} has an empty name in the {}; give every class a name (--labels-file)",
            blank + 1,
            classes_source.describe()
        )));
    }
    if let Some(n) = n_classes {
        if n != classes.len() {
            return Err(model_err(format!(
                "the model outputs {n} classes but {} names {}: {}; give a labels file with exactly {n} names (--labels-file)",
                classes_source.describe(),
                classes.len(),
                abbreviate(&classes)
            )));
        }
    }

    let name = match &opts.name {
        Some(n) if !n.trim().is_empty() => n.trim().to_string(),
        _ => path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "model".into()),
    };
    let conn = project.conn();
    if let Some(existing) = conn
        .query_row(
            "SELECT id FROM models WHERE name = ?1 AND sha256 = ?2 ORDER BY version DESC LIMIT 1",
            (&name, &sha256),
            |r| r.get::<_, i64>(0),
        )
        .optional()?
    {
        let info = get(conn, project.root(), existing)?;
        if info.preprocess == preprocess && info.output == output && info.classes == classes {
            return Ok(info);
        }
    }

    // The file: content-addressed, written atomically.
    let rel = format!("models/{sha256}.onnx");
    let dest = project.root().join(&rel);
    if !dest.is_file() {
        let dir = project.root().join("models");
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let tmp = dir.join(format!(".{sha256}.{}.tmp", std::process::id()));
        std::fs::write(&tmp, &bytes).map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, &dest).map_err(|e| Error::io(&dest, e))?;
    }
    if let Some((rel, bytes)) = &tokenizer_bytes {
        write_once(&project.root().join(rel), bytes)?;
    }
    let tx = project.conn_mut().transaction()?;
    let version: i64 = tx.query_row(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM models WHERE name = ?1",
        [&name],
        |r| r.get(0),
    )?;
    tx.execute(
        &format!(
            "INSERT INTO models (name, version, sha256, file, kind, inputs, outputs, classes, classes_source, preprocess, output, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, {NOW_SQL})"
        ),
        rusqlite::params![
            name,
            version,
            sha256,
            rel,
            preprocess.kind(),
            to_json(&inputs)?,
            to_json(&outputs)?,
            to_json(&classes)?,
            classes_source,
            to_json(&preprocess)?,
            to_json(&output)?,
        ],
    )?;
    let id = tx.last_insert_rowid();
    crate::audit::record(
        &tx,
        "arbiter",
        "model.add",
        &serde_json::json!({ "model": name, "version": version, "sha256": sha256, "source": path.to_string_lossy() }),
    )?;
    tx.commit()?;
    get(project.conn(), project.root(), id)
}

/// Write a content-addressed file unless it is there: a temporary renamed into place.
fn write_once(dest: &Path, bytes: &[u8]) -> Result<()> {
    if dest.is_file() {
        return Ok(());
    }
    let dir = dest.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, dest).map_err(|e| Error::io(dest, e))
}

fn preprocess_inputs(inputs: &[TensorInfo]) -> String {
    inputs
        .iter()
        .map(|i| i.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn to_json<T: Serialize>(v: &T) -> Result<String> {
    crate::store::json_text(v)
}

fn abbreviate(names: &[String]) -> String {
    if names.len() <= 12 {
        names.join(", ")
    } else {
        format!("{}, …", names[..10].join(", "))
    }
}

/// The image options a text or tabular model refuses.
fn image_options_given(opts: &AddOptions) -> bool {
    opts.size.is_some()
        || opts.layout.is_some()
        || opts.color.is_some()
        || opts.mean.is_some()
        || opts.std.is_some()
        || opts.scale.is_some()
        || opts.decode.is_some()
}

/// Text inputs: token ids (`input_ids` [+ `attention_mask`, `token_type_ids`]) or one string
/// input. `None` when the model takes neither. The tokenizer's place is filled in by `add`.
fn plan_text(
    inputs: &[TensorInfo],
    opts: &AddOptions,
) -> Option<std::result::Result<Preprocess, String>> {
    let strings = inputs.len() == 1 && inputs[0].dtype == "string";
    let tokens = inputs.iter().any(|i| i.name == text::INPUT_IDS);
    if !strings && !tokens {
        return None;
    }
    if image_options_given(opts) {
        return Some(Err("--size, --layout, --color, --scale, --mean, --std and --decode apply to image models; this model reads text".into()));
    }
    if strings {
        let input = &inputs[0];
        if !(input.shape.len() == 1 || (input.shape.len() == 2 && input.shape[1] == 1)) {
            return Some(Err(format!(
                "string input {:?} has shape {:?}; Arbiter feeds one text per row, [N] or [N, 1]: export the model with such an input (a feature table goes in as float32)",
                input.name, input.shape
            )));
        }
        return Some(Ok(Preprocess::Text {
            input: input.name.clone(),
            tokens: None,
        }));
    }
    let known = [text::INPUT_IDS, text::ATTENTION_MASK, text::TOKEN_TYPE_IDS];
    if let Some(other) = inputs.iter().find(|i| !known.contains(&i.name.as_str())) {
        return Some(Err(format!(
            "the model takes token ids but also input {:?}; Arbiter feeds input_ids, attention_mask and token_type_ids only (inputs: {})",
            other.name,
            preprocess_inputs(inputs)
        )));
    }
    let dtype = match inputs
        .iter()
        .map(|i| i.dtype.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["int64"] => text::TokenType::Int64,
        ["int32"] => text::TokenType::Int32,
        _ => {
            let list: Vec<String> = inputs
                .iter()
                .map(|i| format!("{} {}", i.name, i.dtype))
                .collect();
            return Some(Err(format!(
                "token inputs must all be int64 or all int32 ({})",
                list.join(", ")
            )));
        }
    };
    if let Some(bad) = inputs.iter().find(|i| i.shape.len() != 2) {
        return Some(Err(format!(
            "token input {:?} has shape {:?}; Arbiter feeds [N, sequence]",
            bad.name, bad.shape
        )));
    }
    let has = |n: &str| inputs.iter().any(|i| i.name == n).then(|| n.to_string());
    let sequence = inputs
        .iter()
        .find(|i| i.name == text::INPUT_IDS)
        .and_then(|i| i.shape.get(1).copied())
        .filter(|&d| d > 0)
        .map(|d| d as usize);
    Some(Ok(Preprocess::Text {
        input: text::INPUT_IDS.to_string(),
        tokens: Some(text::TokenPlan {
            attention_mask: has(text::ATTENTION_MASK),
            token_type_ids: has(text::TOKEN_TYPE_IDS),
            dtype,
            tokenizer: String::new(),
            tokenizer_sha256: String::new(),
            sequence,
        }),
    }))
}

/// Work out how to feed the model's input(s).
fn plan_input(inputs: &[TensorInfo], opts: &AddOptions) -> std::result::Result<Preprocess, String> {
    if let Some(plan) = plan_text(inputs, opts) {
        return plan;
    }
    let [input] = inputs else {
        let names: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
        return Err(format!(
            "Arbiter feeds models with exactly one input; this one has {}: {}",
            inputs.len(),
            names.join(", ")
        ));
    };
    let shape = &input.shape;
    let dyn_or = |d: i64| (d > 0).then_some(d as u32);
    match shape.len() {
        2 => {
            if !precision::FEATURE_TYPES.contains(&input.dtype.as_str()) {
                return Err(precision::refuse_input(input, "tabular", "feature rows as float32 or float16"));
            }
            if image_options_given(opts) {
                return Err("--size, --layout, --color, --scale, --mean, --std and --decode apply to image models; this model takes a feature row [N, F]".into());
            }
            let features = dyn_or(shape[1]).ok_or_else(|| format!("input {:?} has a dynamic feature count; Arbiter needs [N, F] with F fixed", input.name))?;
            Ok(Preprocess::Tabular { input: input.name.clone(), features: features as usize })
        }
        4 => {
            // A float16 input gets the float32 pixels rounded to float16 when fed.
            let dtype = match input.dtype.as_str() {
                "float32" | "float16" => InputType::Float32,
                "uint8" => InputType::Uint8,
                _ => return Err(precision::refuse_input(input, "image", "images as float32, float16 or uint8")),
            };
            let is_ch = |d: i64| d == 1 || d == 3;
            let layout = match opts.layout {
                Some(l) => l,
                None if is_ch(shape[1]) => Layout::Nchw,
                None if is_ch(shape[3]) => Layout::Nhwc,
                None => {
                    return Err(format!(
                        "cannot tell the layout of input {:?} {:?}: neither dimension 1 nor 3 is a channel count (1 or 3); pass --layout nchw|nhwc",
                        input.name, shape
                    ))
                }
            };
            let (c, h, w) = match layout {
                Layout::Nchw => (shape[1], shape[2], shape[3]),
                Layout::Nhwc => (shape[3], shape[1], shape[2]),
            };
            let color = match (opts.color, c) {
                (Some(Color::Gray), 1) | (None, 1) => Color::Gray,
                (Some(col @ (Color::Rgb | Color::Bgr)), 3) => col,
                (None, 3) => Color::Rgb,
                (Some(col), c) if c <= 0 => col,
                (None, c) if c <= 0 => {
                    return Err(format!("input {:?} has a dynamic channel count; pass --color rgb|bgr|gray", input.name))
                }
                (Some(col), c) => {
                    return Err(format!("--color {col:?} needs {} channel(s) but input {:?} has {c}", col.channels(), input.name).to_lowercase())
                }
                (None, c) => return Err(format!("input {:?} has {c} channels; Arbiter feeds 1 (grey) or 3 (RGB/BGR)", input.name)),
            };
            let (width, height) = match (opts.size, dyn_or(w), dyn_or(h)) {
                (Some((sw, sh)), Some(mw), Some(mh)) if (sw, sh) != (mw, mh) => {
                    return Err(format!("--size {sw}x{sh} cannot feed input {:?}, which is fixed at {mw}x{mh}", input.name))
                }
                (Some(s), _, _) => s,
                (None, Some(mw), Some(mh)) => (mw, mh),
                (None, _, _) => {
                    return Err(format!("input {:?} {:?} has a dynamic image size; pass --size WIDTHxHEIGHT", input.name, shape))
                }
            };
            let ch = color.channels();
            let per_channel = |v: &Option<Vec<f32>>, default: f32, flag: &str| -> std::result::Result<Vec<f32>, String> {
                match v {
                    None => Ok(vec![default; ch]),
                    Some(list) if list.len() == 1 => Ok(vec![list[0]; ch]),
                    Some(list) if list.len() == ch => Ok(list.clone()),
                    Some(list) => Err(format!("{flag} has {} values; give 1 or {ch} (one per channel)", list.len())),
                }
            };
            if dtype == InputType::Uint8 && (opts.scale.is_some() || opts.mean.is_some() || opts.std.is_some()) {
                return Err(format!("input {:?} is uint8: pixels are fed as bytes, so --scale, --mean and --std do not apply", input.name));
            }
            let std = per_channel(&opts.std, 1.0, "--std")?;
            if std.contains(&0.0) {
                return Err("--std must not contain 0".into());
            }
            let (scale, mean) = match dtype {
                InputType::Float32 => (opts.scale.unwrap_or(1.0 / 255.0), per_channel(&opts.mean, 0.0, "--mean")?),
                InputType::Uint8 => (1.0, vec![0.0; ch]),
            };
            check_finite("--scale", &[scale])?;
            check_finite("--mean", &mean)?;
            check_finite("--std", &std)?;
            if scale == 0.0 {
                return Err("--scale 0 would make every pixel 0; give the factor pixels are multiplied by (e.g. 0.00392156862745098 for 1/255)".into());
            }
            let bytes = u64::from(width) * u64::from(height) * ch as u64 * match dtype {
                InputType::Float32 => 4,
                InputType::Uint8 => 1,
            };
            if bytes > MAX_SAMPLE_BYTES {
                return Err(format!(
                    "one {width}×{height} image as input {:?} takes {:.1} GB; Arbiter feeds images of up to {} MB per sample — pass a smaller --size or export the model with a smaller input",
                    input.name,
                    bytes as f64 / 1e9,
                    MAX_SAMPLE_BYTES / (1024 * 1024)
                ));
            }
            Ok(Preprocess::Image {
                input: input.name.clone(),
                image: ImagePre { width, height, layout, color, dtype, scale, mean, std, decode: opts.decode.unwrap_or_default() },
            })
        }
        n => Err(format!(
            "input {:?} has rank {n} {:?}; Arbiter feeds images [N, C, H, W] / [N, H, W, C] or feature rows [N, F]",
            input.name, shape
        )),
    }
}

/// Ops after which an output holds probabilities.
const PROBABILITY_OPS: &[&str] = &[
    "Softmax",
    "ZipMap",
    "LinearClassifier",
    "TreeEnsembleClassifier",
    "TreeEnsemble",
    "SVMClassifier",
    "Normalizer",
];

fn plan_output(
    outputs: &[TensorInfo],
    meta: &onnx_meta::OnnxMeta,
    declared: Option<OutputKind>,
) -> std::result::Result<OutputSpec, String> {
    if let Some(z) = outputs
        .iter()
        .find(|o| o.dtype.starts_with("sequence<map<"))
    {
        if !z.dtype.ends_with(",float32>>") {
            return Err(format!(
                "output {:?} is {}; Arbiter reads maps of float32 probabilities",
                z.name, z.dtype
            ));
        }
        return Ok(OutputSpec {
            name: z.name.clone(),
            kind: OutputKind::Zipmap,
            keys: meta.graph_classes.clone(),
        });
    }
    let candidates: Vec<&TensorInfo> = outputs
        .iter()
        .filter(|o| precision::SCORE_TYPES.contains(&o.dtype.as_str()) && o.shape.len() == 2)
        .collect();
    if candidates.is_empty() {
        if let Some(why) = precision::refuse_outputs(outputs) {
            return Err(why);
        }
    }
    let chosen = candidates
        .iter()
        .find(|o| o.name.to_lowercase().contains("prob"))
        .or(candidates.first())
        .ok_or_else(|| {
            let list: Vec<String> = outputs.iter().map(|o| format!("{} {} {:?}", o.name, o.dtype, o.shape)).collect();
            format!("no output holds class scores [N, classes] as float32 or float16 (outputs: {}); Arbiter reads classifier outputs", list.join("; "))
        })?;
    let kind = declared.unwrap_or_else(|| {
        let by_op = meta
            .producer(&chosen.name)
            .is_some_and(|op| PROBABILITY_OPS.contains(&op));
        if by_op || chosen.name.to_lowercase().contains("prob") {
            OutputKind::Probabilities
        } else {
            OutputKind::Logits
        }
    });
    Ok(OutputSpec {
        name: chosen.name.clone(),
        kind,
        keys: None,
    })
}

fn class_count(
    outputs: &[TensorInfo],
    output: &OutputSpec,
    meta: &onnx_meta::OnnxMeta,
) -> Option<usize> {
    match output.kind {
        OutputKind::Zipmap => meta.graph_classes.as_ref().map(Vec::len),
        _ => outputs
            .iter()
            .find(|o| o.name == output.name)
            .and_then(|o| o.shape.get(1))
            .and_then(|&d| (d > 0).then_some(d as usize)),
    }
}

fn class_names(
    conn: &Connection,
    opts: &AddOptions,
    meta: &onnx_meta::OnnxMeta,
    n: Option<usize>,
) -> std::result::Result<(Vec<String>, ClassesSource), String> {
    if let Some(file) = &opts.labels_file {
        let specs = crate::schema::parse_labels_file(file).map_err(|e| e.to_string())?;
        return Ok((
            specs.into_iter().map(|s| s.name).collect(),
            ClassesSource::LabelsFile,
        ));
    }
    if let Some(c) = meta.metadata_classes() {
        return Ok((c, ClassesSource::ModelMetadata));
    }
    if let Some(c) = &meta.graph_classes {
        return Ok((c.clone(), ClassesSource::ModelGraph));
    }
    let schema: Vec<String> = crate::schema::labels_in(conn)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|l| l.name)
        .collect();
    if schema.is_empty() {
        return Err(format!(
            "the model names no classes and the project has no label schema yet; pass --labels-file with {} class name(s), one per line, in output order",
            n.map_or("its".to_string(), |n| n.to_string())
        ));
    }
    Ok((schema, ClassesSource::ProjectSchema))
}

/// Refuse NaN, infinities (`1e40` is infinite as float32) in a preprocessing value.
fn check_finite(flag: &str, values: &[f32]) -> std::result::Result<(), String> {
    match values.iter().find(|v| !v.is_finite()) {
        Some(v) => Err(format!(
            "{flag} {v} is not a finite number (float32 holds about ±3.4e38); give a finite value — nothing was registered"
        )),
        None => Ok(()),
    }
}

const MODEL_COLS: &str = "id, name, version, sha256, file, kind, inputs, outputs, classes, classes_source, preprocess, output, created_at";

fn json_col<T: serde::de::DeserializeOwned>(
    r: &rusqlite::Row<'_>,
    i: usize,
) -> rusqlite::Result<T> {
    crate::store::from_json_column(&r.get::<_, String>(i)?, i)
}

fn from_row(root: &Path, r: &rusqlite::Row<'_>) -> rusqlite::Result<ModelInfo> {
    let file: String = r.get(4)?;
    Ok(ModelInfo {
        id: r.get(0)?,
        name: r.get(1)?,
        version: r.get(2)?,
        sha256: r.get(3)?,
        file: root.join(file),
        kind: r.get(5)?,
        inputs: json_col(r, 6)?,
        outputs: json_col(r, 7)?,
        classes: json_col(r, 8)?,
        classes_source: r.get(9)?,
        preprocess: json_col(r, 10)?,
        output: json_col(r, 11)?,
        created_at: r.get(12)?,
        precision: None,
    })
}

/// A row read in full, or an error naming the model and how to get rid of a damaged record.
fn read_row(root: &Path, r: &rusqlite::Row<'_>) -> Result<ModelInfo> {
    let mut info = read_columns(root, r)?;
    if info.preprocess.imported().is_none() {
        info.precision = precision::of_file(&info.file, &info.sha256);
    }
    Ok(info)
}

fn read_columns(root: &Path, r: &rusqlite::Row<'_>) -> Result<ModelInfo> {
    from_row(root, r).map_err(|e| {
        // Only to name the model in the message about the error `e`, which is what is reported.
        let name: String = r.get(1).unwrap_or_default();
        let version: i64 = r.get(2).unwrap_or_default();
        match e {
            rusqlite::Error::FromSqlConversionFailure(..) => Error::InvalidArgument(format!(
                "model {name}@{version} has a record this Arbiter cannot read ({e}); it was registered with an invalid setting by an older version — remove it with `arbiter model remove {name}@{version}` and add it again"
            )),
            other => Error::Db(other),
        }
    })
}

/// One model version by id.
pub(crate) fn get(conn: &Connection, root: &Path, id: i64) -> Result<ModelInfo> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {MODEL_COLS} FROM models WHERE id = ?1"))?;
    let mut rows = stmt.query([id])?;
    match rows.next()? {
        Some(r) => read_row(root, r),
        None => Err(Error::NotFound {
            what: "model",
            name: id.to_string(),
        }),
    }
}

/// Every model version, by name then newest first.
pub fn list(project: &crate::Project) -> Result<Vec<ModelInfo>> {
    let conn = project.conn();
    let root = project.root();
    let mut stmt = conn.prepare(&format!(
        "SELECT {MODEL_COLS} FROM models ORDER BY name, version DESC"
    ))?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(read_row(root, r)?);
    }
    Ok(out)
}

/// A model version taken out of the registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Removed {
    pub model: String,
    pub version: i64,
    pub sha256: String,
    /// Whether the project's copy of the file was deleted (no other version shares it).
    pub file_deleted: bool,
}

/// Remove a model version (`NAME@N`, or `NAME` when it has one version) that no run used:
/// its record (read without interpreting its settings, so a damaged record can be removed
/// too) and, when no other version shares it, the project's copy of the file. A model with
/// runs is refused — its predictions, queues and the annotations made on them refer to it.
pub fn remove(project: &mut Project, spec: &str) -> Result<Removed> {
    let (name, version) = match spec.rsplit_once('@') {
        Some((n, v)) if v.parse::<i64>().is_ok() => (n, v.parse::<i64>().ok()),
        _ => (spec, None),
    };
    let tx = project
        .conn_mut()
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let versions: Vec<(i64, i64, String, String)> = tx
        .prepare("SELECT id, version, sha256, file FROM models WHERE name = ?1 AND (?2 IS NULL OR version = ?2) ORDER BY version")?
        .query_map(rusqlite::params![name, version], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let (id, version, sha256, file) = match versions.as_slice() {
        [one] => one.clone(),
        [] => {
            return Err(Error::NotFound {
                what: "model",
                name: format!("{spec} (see `arbiter model list`)"),
            })
        }
        many => {
            return Err(Error::InvalidArgument(format!(
                "model {name} has {} versions ({}); name the one to remove, e.g. {name}@{}",
                many.len(),
                many.iter()
                    .map(|v| v.1.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                many[0].1
            )))
        }
    };
    let runs: Vec<i64> = tx
        .prepare("SELECT id FROM runs WHERE model_id = ?1 ORDER BY id")?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if !runs.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "model {name}@{version} was used by {} run(s) ({}); their predictions, queues and the annotations made on them refer to it, so it stays registered — nothing was removed",
            runs.len(),
            runs.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
        )));
    }
    tx.execute("DELETE FROM models WHERE id = ?1", [id])?;
    let shared: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM models WHERE sha256 = ?1)",
        [&sha256],
        |r| r.get(0),
    )?;
    crate::audit::record(
        &tx,
        "arbiter",
        "model.remove",
        &serde_json::json!({ "model": name, "version": version, "sha256": sha256 }),
    )?;
    tx.commit()?;
    // After the commit: a file left behind by a failed delete only costs disk space.
    let file_deleted = !shared && std::fs::remove_file(project.root().join(&file)).is_ok();
    Ok(Removed {
        model: name.to_string(),
        version,
        sha256,
        file_deleted,
    })
}

/// `NAME` (latest version) or `NAME@N`.
pub(crate) fn resolve(conn: &Connection, root: &Path, spec: &str) -> Result<ModelInfo> {
    let (name, version) = match spec.rsplit_once('@') {
        Some((n, v)) if v.parse::<i64>().is_ok() => (n, v.parse::<i64>().ok()),
        _ => (spec, None),
    };
    let id: Option<i64> = conn
        .query_row(
            "SELECT id FROM models WHERE name = ?1 AND (?2 IS NULL OR version = ?2) ORDER BY version DESC LIMIT 1",
            rusqlite::params![name, version],
            |r| r.get(0),
        )
        .optional()?;
    match id {
        Some(id) => get(conn, root, id),
        None => Err(Error::NotFound {
            what: "model",
            name: format!("{spec} (see `arbiter model list`)"),
        }),
    }
}

#[cfg(test)]
mod tests;
