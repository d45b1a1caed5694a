//! Reading a dataset source into a column-oriented [`SourceTable`]: CSV, Parquet and JSONL
//! manifests through polars, an image folder (sub-folders = labels, flat = unlabeled), or a
//! folder of `.txt` files in the same layout (text items); a manifest's text column gives text
//! items too.
//! Reading only extracts; validation lives in `validate`.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{Error, Problem, Result};

/// What kind of source a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Csv,
    Parquet,
    Jsonl,
    ImageFolder,
    /// A Label Studio JSON export (`labelstudio.rs`); never detected from a path.
    LabelStudio,
    /// A folder of `.txt` files laid out as an image folder: each file one text item.
    TextFolder,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Csv => "csv",
            SourceKind::Parquet => "parquet",
            SourceKind::Jsonl => "jsonl",
            SourceKind::ImageFolder => "image_folder",
            SourceKind::LabelStudio => "labelstudio",
            SourceKind::TextFolder => "text_folder",
        }
    }

    /// Decide from the path: a folder holding `.txt` files and no images is a text folder,
    /// any other folder an image folder; files by extension.
    pub fn detect(path: &Path) -> Result<SourceKind> {
        if path.is_dir() {
            return Ok(if folder_holds_texts(path) {
                SourceKind::TextFolder
            } else {
                SourceKind::ImageFolder
            });
        }
        if !path.exists() {
            return Err(Error::Read {
                path: path.to_path_buf(),
                message: "no such file or folder".into(),
            });
        }
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "csv" | "tsv" => Ok(SourceKind::Csv),
            "parquet" | "pq" => Ok(SourceKind::Parquet),
            "jsonl" | "ndjson" => Ok(SourceKind::Jsonl),
            _ => Err(Error::Read {
                path: path.to_path_buf(),
                message: format!(
                    "unsupported manifest type {:?}: use .csv, .tsv, .parquet, .jsonl or .ndjson, or an image folder",
                    ext
                ),
            }),
        }
    }

    /// The 1-based line of data row `row` (1-based) in a text manifest.
    pub fn line_of_row(self, row: usize) -> Option<usize> {
        match self {
            SourceKind::Csv => Some(row + 1),
            SourceKind::Jsonl => Some(row),
            _ => None,
        }
    }
}

/// Which columns to use; `None` means the default name, which may be absent (except the id).
#[derive(Debug, Clone, Default)]
pub struct ColumnChoice {
    pub id_col: Option<String>,
    pub path_col: Option<String>,
    pub label_col: Option<String>,
    pub features: Option<Vec<String>>,
    /// The column holding each item's text (text items); no default: text items are asked for.
    pub text_col: Option<String>,
}

pub const DEFAULT_ID_COL: &str = "id";
pub const DEFAULT_PATH_COL: &str = "path";
pub const DEFAULT_LABEL_COL: &str = "label";

/// A JSON-able cell of a metadata column.
pub type MetaColumn = (String, Vec<serde_json::Value>);

/// A source read into columns, row order preserved.
#[derive(Debug)]
pub struct SourceTable {
    pub kind: SourceKind,
    /// The source as given, made absolute.
    pub source: PathBuf,
    /// Media paths are relative to this folder (canonical).
    pub root: PathBuf,
    pub id_col: Option<String>,
    pub path_col: Option<String>,
    pub label_col: Option<String>,
    pub text_col: Option<String>,
    pub ids: Vec<Option<String>>,
    pub paths: Option<Vec<Option<String>>>,
    pub labels: Option<Vec<Option<String>>>,
    /// Each item's text, for text items (a text column or a text folder); validation refuses
    /// a missing or empty one and one above [`MAX_TEXT_BYTES`].
    pub texts: Option<Vec<Option<String>>>,
    pub feature_names: Vec<String>,
    /// Column-major: `features[f][row]`, NaN = missing.
    pub features: Vec<Vec<f64>>,
    pub metadata: Vec<MetaColumn>,
    /// Problems found while reading (image folder layout); validation adds more.
    pub problems: Vec<Problem>,
    pub warnings: Vec<String>,
}

impl SourceTable {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// A table of text items made elsewhere (e.g. read from another tool's export): one row
    /// per `(id, text, given label)`, in order. `source` is recorded as the version's source
    /// (and its folder as the root); `kind` is how the source is recorded (`Jsonl`, `Csv`, …).
    /// Import it with [`super::import_table`]; every check of a manifest's text column
    /// applies (unique non-empty ids, UTF-8 non-empty texts up to [`MAX_TEXT_BYTES`], labels
    /// in the schema).
    pub fn from_texts(
        source: &Path,
        kind: SourceKind,
        rows: impl IntoIterator<Item = TextRow>,
    ) -> Result<SourceTable> {
        let source = std::path::absolute(source).map_err(|e| Error::io(source, e))?;
        let root = source.parent().unwrap_or(Path::new(".")).to_path_buf();
        let (mut ids, mut texts, mut labels) = (Vec::new(), Vec::new(), Vec::new());
        for r in rows {
            ids.push(Some(r.id));
            texts.push(Some(r.text));
            labels.push(r.label);
        }
        let labeled = labels.iter().any(Option::is_some);
        Ok(SourceTable {
            kind,
            source,
            root,
            id_col: None,
            path_col: None,
            label_col: None,
            text_col: None,
            ids,
            paths: None,
            labels: labeled.then_some(labels),
            texts: Some(texts),
            feature_names: Vec::new(),
            features: Vec::new(),
            metadata: Vec::new(),
            problems: Vec::new(),
            warnings: Vec::new(),
        })
    }
}

/// One text item given directly (see [`SourceTable::from_texts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextRow {
    pub id: String,
    pub text: String,
    /// The given label, if any (a label of the project's schema; an empty schema takes the
    /// labels of a first import).
    pub label: Option<String>,
}

/// The longest text an item may hold, in bytes of UTF-8 (about 250 pages of prose): longer
/// documents are refused with the row, so one runaway cell cannot bloat the project.
pub const MAX_TEXT_BYTES: usize = 1_000_000;

fn read_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Read {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Read `source` (manifest or image folder).
pub fn read(source: &Path, cols: &ColumnChoice) -> Result<SourceTable> {
    let kind = SourceKind::detect(source)?;
    let source = std::path::absolute(source).map_err(|e| Error::io(source, e))?;
    match kind {
        SourceKind::ImageFolder => read_image_folder(&source, cols),
        SourceKind::TextFolder => read_text_folder(&source, cols),
        _ => read_manifest(&source, kind, cols),
    }
}

fn read_manifest(path: &Path, kind: SourceKind, cols: &ColumnChoice) -> Result<SourceTable> {
    let root = path
        .parent()
        .unwrap_or(Path::new("."))
        .canonicalize()
        .map_err(|e| Error::io(path, e))?;
    let mut text_cols = vec![
        cols.id_col.as_deref().unwrap_or(DEFAULT_ID_COL),
        cols.path_col.as_deref().unwrap_or(DEFAULT_PATH_COL),
        cols.label_col.as_deref().unwrap_or(DEFAULT_LABEL_COL),
    ];
    text_cols.extend(cols.text_col.as_deref());
    let df = read_frame(path, kind, &text_cols)?;
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let listing = || names.join(", ");
    let id_name = cols.id_col.clone().unwrap_or_else(|| DEFAULT_ID_COL.into());
    if !names.contains(&id_name) {
        let hint = if cols.id_col.is_some() {
            "check the name".to_string()
        } else {
            "name it with --id-col".to_string()
        };
        return Err(Error::InvalidSource {
            path: path.to_path_buf(),
            problems: vec![Problem::general(format!(
                "no id column {id_name:?} (columns: {}); {hint}",
                listing()
            ))],
        });
    }
    let optional_col =
        |given: &Option<String>, default: &str, flag: &str| -> Result<Option<String>> {
            match given {
                Some(n) if names.contains(n) => Ok(Some(n.clone())),
                Some(n) => Err(Error::InvalidSource {
                    path: path.to_path_buf(),
                    problems: vec![Problem::general(format!(
                        "no column {n:?} given by {flag} (columns: {})",
                        listing()
                    ))],
                }),
                None if names.iter().any(|c| c == default) => Ok(Some(default.to_string())),
                None => Ok(None),
            }
        };
    let path_name = optional_col(&cols.path_col, DEFAULT_PATH_COL, "--path-col")?;
    let label_name = optional_col(&cols.label_col, DEFAULT_LABEL_COL, "--label-col")?;
    // No default name: a column called `text` may be a note beside an image.
    let text_name = match &cols.text_col {
        Some(n) => optional_col(&Some(n.clone()), "", "--text-col")?,
        None => None,
    };
    if let Some(t) = &text_name {
        let clash = if t == &id_name {
            Some("id")
        } else if Some(t) == path_name.as_ref() && cols.path_col.is_some() {
            Some("path")
        } else if Some(t) == label_name.as_ref() {
            Some("label")
        } else {
            None
        };
        if let Some(what) = clash {
            return Err(Error::InvalidSource {
                path: path.to_path_buf(),
                problems: vec![Problem::general(format!(
                    "column {t:?} is the {what} column and cannot also be the text column; name another with --text-col"
                ))],
            });
        }
    }
    // Text items have no media: a default `path` column beside a text column stays metadata.
    let path_name = if text_name.is_some() && cols.path_col.is_none() {
        None
    } else {
        path_name
    };
    let special = |c: &String| {
        c == &id_name
            || Some(c) == path_name.as_ref()
            || Some(c) == label_name.as_ref()
            || Some(c) == text_name.as_ref()
    };

    let feature_names: Vec<String> = match &cols.features {
        Some(list) => {
            let mut problems = Vec::new();
            for (i, f) in list.iter().enumerate() {
                if list[..i].contains(f) {
                    problems.push(Problem::general(format!(
                        "feature column {f:?} is listed twice in --features; name each column once"
                    )));
                }
            }
            for f in list {
                if !names.contains(f) {
                    problems.push(Problem::general(format!(
                        "no feature column {f:?} (columns: {})",
                        listing()
                    )));
                } else if special(f) {
                    problems.push(Problem::general(format!(
                        "column {f:?} is the id, path or label column and cannot also be a feature"
                    )));
                } else if let Ok(c) = df.column(f) {
                    if !c.dtype().is_primitive_numeric() {
                        problems.push(Problem::general(format!(
                            "feature column {f:?} is not numeric (type {})",
                            c.dtype()
                        )));
                    }
                }
            }
            if !problems.is_empty() {
                return Err(Error::InvalidSource {
                    path: path.to_path_buf(),
                    problems,
                });
            }
            list.clone()
        }
        None => df
            .columns()
            .iter()
            .filter(|c| c.dtype().is_primitive_numeric() && !special(&c.name().to_string()))
            .map(|c| c.name().to_string())
            .collect(),
    };

    let strings = |name: &str| -> Result<Vec<Option<String>>> {
        let col = df.column(name).map_err(|e| read_err(path, e))?;
        let s = col
            .as_materialized_series()
            .cast(&DataType::String)
            .map_err(|e| read_err(path, format!("column {name:?}: {e}")))?;
        let ca = s.str().map_err(|e| read_err(path, e))?;
        Ok(ca.iter().map(|v| v.map(str::to_string)).collect())
    };
    let ids = strings(&id_name)?;
    let paths = path_name.as_deref().map(strings).transpose()?;
    let labels = label_name.as_deref().map(strings).transpose()?;
    let texts = text_name.as_deref().map(strings).transpose()?;

    let mut features = Vec::with_capacity(feature_names.len());
    for f in &feature_names {
        let col = df.column(f).map_err(|e| read_err(path, e))?;
        let s = col
            .as_materialized_series()
            .cast(&DataType::Float64)
            .map_err(|e| read_err(path, format!("column {f:?}: {e}")))?;
        let ca = s.f64().map_err(|e| read_err(path, e))?;
        features.push(ca.iter().map(|v| v.unwrap_or(f64::NAN)).collect());
    }

    let mut metadata = Vec::new();
    for c in df.columns() {
        let name = c.name().to_string();
        if special(&name) || feature_names.contains(&name) {
            continue;
        }
        metadata.push((name, json_column(c.as_materialized_series())));
    }

    Ok(SourceTable {
        kind,
        source: path.to_path_buf(),
        root,
        id_col: Some(id_name),
        path_col: path_name,
        label_col: label_name,
        text_col: text_name,
        ids,
        paths,
        labels,
        texts,
        feature_names,
        features,
        metadata,
        problems: Vec::new(),
        warnings: Vec::new(),
    })
}

/// Read a table file (a manifest, a predictions file): CSV/TSV checked for structure and read
/// as text, then typed; JSON Lines parsed line by line; Parquet with polars. The `text_cols`
/// (ids, paths, labels) are always text, so ids such as `007` keep their leading zeros.
pub(crate) fn read_frame(path: &Path, kind: SourceKind, text_cols: &[&str]) -> Result<DataFrame> {
    match kind {
        SourceKind::Csv => {
            let sep = if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("tsv"))
            {
                b'\t'
            } else {
                b','
            };
            let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
            let header = super::text::check_csv(path, &bytes, sep)?;
            drop(bytes);
            super::text::read_csv(path, sep, &header, text_cols)
        }
        SourceKind::Parquet => {
            let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
            ParquetReader::new(f)
                .finish()
                .map_err(|e| read_err(path, format!("not a readable Parquet file: {e}")))
        }
        SourceKind::Jsonl => {
            let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
            super::text::read_jsonl(path, &bytes, text_cols)
        }
        SourceKind::ImageFolder | SourceKind::TextFolder | SourceKind::LabelStudio => {
            unreachable!("folders and Label Studio exports are not read with polars")
        }
    }
}

/// Convert a polars column into JSON values, one per row.
fn json_column(s: &Series) -> Vec<serde_json::Value> {
    use serde_json::Value;
    let dtype = s.dtype();
    if dtype.is_integer() {
        if let Ok(c) = s.cast(&DataType::Int64) {
            if let Ok(ca) = c.i64() {
                return ca
                    .iter()
                    .map(|v| v.map_or(Value::Null, Value::from))
                    .collect();
            }
        }
    }
    if dtype.is_float() {
        if let Ok(c) = s.cast(&DataType::Float64) {
            if let Ok(ca) = c.f64() {
                return ca
                    .iter()
                    .map(|v| {
                        v.and_then(serde_json::Number::from_f64)
                            .map_or(Value::Null, Value::Number)
                    })
                    .collect();
            }
        }
    }
    if let Ok(ca) = s.bool() {
        return ca
            .iter()
            .map(|v| v.map_or(Value::Null, Value::Bool))
            .collect();
    }
    if let Ok(c) = s.cast(&DataType::String) {
        if let Ok(ca) = c.str() {
            return ca
                .iter()
                .map(|v| v.map_or(Value::Null, |t| Value::String(t.to_string())))
                .collect();
        }
    }
    s.iter()
        .map(|v| match v {
            AnyValue::Null => Value::Null,
            other => Value::String(other.to_string()),
        })
        .collect()
}

/// File extensions taken as images in an image folder.
pub const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "bmp", "gif", "webp"];

fn is_image(path: &Path) -> bool {
    path.extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.as_str()))
}

/// An image folder: sub-folders are labels (`root/cat/x.png` has label `cat`); a flat folder is
/// unlabeled. Ids are paths relative to the folder, `/`-separated. Hidden entries are skipped.
fn read_image_folder(dir: &Path, cols: &ColumnChoice) -> Result<SourceTable> {
    if cols.id_col.is_some()
        || cols.path_col.is_some()
        || cols.label_col.is_some()
        || cols.features.is_some()
        || cols.text_col.is_some()
    {
        return Err(Error::InvalidArgument(format!(
            "{}: --id-col, --path-col, --label-col, --features and --text-col apply to manifests, not to an image folder",
            dir.display()
        )));
    }
    let root = dir.canonicalize().map_err(|e| Error::io(dir, e))?;
    let (files, skipped) = folder_files(dir, &root, is_image)?;
    let (labels, problems) = folder_labels(&files);
    let mut warnings = Vec::new();
    if skipped > 0 {
        warnings.push(format!(
            "{skipped} file(s) skipped: not images ({})",
            IMAGE_EXTENSIONS.join(", ")
        ));
    }
    Ok(SourceTable {
        kind: SourceKind::ImageFolder,
        source: dir.to_path_buf(),
        root,
        id_col: None,
        path_col: None,
        label_col: None,
        text_col: None,
        ids: files.iter().cloned().map(Some).collect(),
        paths: Some(files.into_iter().map(Some).collect()),
        labels,
        texts: None,
        feature_names: Vec::new(),
        features: Vec::new(),
        metadata: Vec::new(),
        problems,
        warnings,
    })
}

fn is_text_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("txt"))
}

/// Whether a folder's files (hidden ones aside) include `.txt` files and no images.
fn folder_holds_texts(dir: &Path) -> bool {
    let (mut texts, mut images) = (false, false);
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker.flatten() {
        if entry.file_type().is_file() {
            texts |= is_text_file(entry.path());
            images |= is_image(entry.path());
            if images {
                return false;
            }
        }
    }
    texts
}

/// A text folder: `root/<label>/<id>.txt` (sub-folders are labels) or flat (unlabeled), the
/// image folder's layout; ids are paths relative to the folder. Each file must be UTF-8, not
/// empty and at most [`MAX_TEXT_BYTES`]; a file that is not is named, and nothing is imported.
fn read_text_folder(dir: &Path, cols: &ColumnChoice) -> Result<SourceTable> {
    if cols.id_col.is_some()
        || cols.path_col.is_some()
        || cols.label_col.is_some()
        || cols.features.is_some()
        || cols.text_col.is_some()
    {
        return Err(Error::InvalidArgument(format!(
            "{}: --id-col, --path-col, --label-col, --features and --text-col apply to manifests, not to a folder of text files",
            dir.display()
        )));
    }
    let root = dir.canonicalize().map_err(|e| Error::io(dir, e))?;
    let (files, skipped) = folder_files(dir, &root, is_text_file)?;
    let (labels, mut problems) = folder_labels(&files);
    let mut texts = Vec::with_capacity(files.len());
    for (i, f) in files.iter().enumerate() {
        let file = root.join(f);
        let bytes = std::fs::read(&file).map_err(|e| Error::io(&file, e))?;
        if bytes.len() > MAX_TEXT_BYTES {
            problems.push(Problem {
                row: Some(i + 1),
                line: None,
                message: format!("{f:?} holds {} bytes; a text item holds at most {MAX_TEXT_BYTES} bytes — split the document", bytes.len()),
            });
            texts.push(None);
            continue;
        }
        match String::from_utf8(bytes) {
            Ok(t) => texts.push(Some(t)),
            Err(e) => {
                problems.push(Problem {
                    row: Some(i + 1),
                    line: None,
                    message: format!(
                        "{f:?} is not UTF-8 text (invalid byte at offset {}); save it as UTF-8",
                        e.utf8_error().valid_up_to()
                    ),
                });
                texts.push(None);
            }
        }
    }
    let mut warnings = Vec::new();
    if skipped > 0 {
        warnings.push(format!("{skipped} file(s) skipped: not .txt files"));
    }
    Ok(SourceTable {
        kind: SourceKind::TextFolder,
        source: dir.to_path_buf(),
        root,
        id_col: None,
        path_col: None,
        label_col: None,
        text_col: None,
        ids: files.iter().cloned().map(Some).collect(),
        paths: None,
        labels,
        texts: Some(texts),
        feature_names: Vec::new(),
        features: Vec::new(),
        metadata: Vec::new(),
        problems,
        warnings,
    })
}

/// The files of a folder that `wanted` accepts, relative to `root`, `/`-separated, sorted by
/// name (hidden entries skipped), and how many other files were skipped.
fn folder_files(
    dir: &Path,
    root: &Path,
    wanted: fn(&Path) -> bool,
) -> Result<(Vec<String>, usize)> {
    let mut files: Vec<String> = Vec::new();
    let mut skipped = 0usize;
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry = entry.map_err(|e| read_err(dir, e))?;
        if entry.file_type().is_dir() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(root)
            .map_err(|e| read_err(dir, e))?;
        if !wanted(rel) {
            skipped += 1;
            continue;
        }
        let rel: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        files.push(rel.join("/"));
    }
    Ok((files, skipped))
}

/// A folder's labels from its files' sub-folders (none when the folder is flat), and a
/// problem for each file at the top of a folder whose sub-folders are labels.
#[allow(clippy::type_complexity)]
fn folder_labels(files: &[String]) -> (Option<Vec<Option<String>>>, Vec<Problem>) {
    let labeled = files.iter().any(|f| f.contains('/'));
    let mut problems = Vec::new();
    let mut labels = Vec::with_capacity(files.len());
    for (i, f) in files.iter().enumerate() {
        match f.split_once('/') {
            Some((label, _)) => labels.push(Some(label.to_string())),
            None => {
                if labeled {
                    problems.push(Problem {
                        row: Some(i + 1),
                        line: None,
                        message: format!(
                            "{f:?} sits at the top of a folder whose sub-folders are labels; move it into a label sub-folder, or import a flat folder"
                        ),
                    });
                }
                labels.push(None);
            }
        }
    }
    (labeled.then_some(labels), problems)
}
