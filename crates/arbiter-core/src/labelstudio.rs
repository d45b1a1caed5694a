//! Label Studio interop, the way in: `arbiter import-labelstudio EXPORT.json` reads a Label
//! Studio JSON export ("Export → JSON": a list of tasks with `id`, `data`, `annotations`,
//! `predictions`) of a classification project (Choices on an Image, or on a Text) into a new
//! project or an existing one — the tasks as the items of a new dataset version (images, or
//! text items whose text is `data.text`; one kind per export), the choices as the label
//! schema (an empty schema takes them; a schema must already hold them), the people who
//! annotated as annotators named by their e-mail, each annotation as a label event with its
//! time, and each `model_version`'s predictions as an imported run (`predict::import`'s
//! `Preprocess::Imported` record; the chosen label and its score become predicted + confidence).
//!
//! Everything is read and checked first — every refusal names the task id and the field, and
//! says what to do — then written in one transaction (for a new project, inside the creation of
//! its database), so a failure or a kill leaves nothing. The way out is
//! `export --format labelstudio` (`export/labelstudio.rs`); `docs/labelstudio.md` is the
//! mapping and what it loses.
//!
//! Text classification tasks (`data.text`) enter through [`text_item`], the one place that
//! turns a task's text into an item; their table is made by `SourceTable::from_texts`, so every
//! check of a manifest's text column applies (non-empty, bounded).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::annotate::{Event, NewAnnotation, Source};
use crate::annotators::Role;
use crate::dataset::{SourceKind, SourceTable, TextRow};
use crate::error::{Error, Problem, Result};
use crate::export::labelstudio::{item_of_task, local_file};
use crate::model::{ImportedFrom, InputKind};
use crate::schema::LabelSpec;
use crate::store::Project;

#[cfg(test)]
mod tests;

/// Stop collecting problems after this many.
const MAX_PROBLEMS: usize = 1000;

/// The model name of predictions without a `model_version`.
pub const UNNAMED_MODEL: &str = "labelstudio";

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The Label Studio JSON export.
    pub file: PathBuf,
    /// The dataset's name; default the export file's stem.
    pub dataset: Option<String>,
    /// Where the images' paths are resolved: Label Studio's local-files document root, or its
    /// media folder for uploads (`upload/…`); default the export file's folder.
    pub images_root: Option<PathBuf>,
    /// The project's labeling config (Settings → Labeling Interface → Code, saved as a file):
    /// its choices become the labels, in its order, and a choice outside them is refused.
    /// Label Studio's JSON export does not carry it.
    pub label_config: Option<PathBuf>,
}

/// One imported run: a `model_version` of the export.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunImported {
    pub run: i64,
    /// The model's name in Arbiter (the `model_version`).
    pub model: String,
    pub model_version: i64,
    pub predictions: u64,
}

/// What an import made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportSummary {
    pub project: PathBuf,
    /// True when the import created the project.
    pub created: bool,
    pub dataset: String,
    pub version: i64,
    pub items: u64,
    /// The project's labels after the import, in schema order.
    pub labels: Vec<String>,
    /// The annotators the annotations name (e-mails), sorted; `annotators_added` the new ones.
    pub annotators: Vec<String>,
    pub annotators_added: Vec<String>,
    pub annotations: u64,
    /// Annotations Label Studio marks `was_cancelled` (skipped), not imported: `task T annotation A`.
    pub cancelled: Vec<String>,
    pub runs: Vec<RunImported>,
    pub warnings: Vec<String>,
}

/// What a task's data gives Arbiter as an item.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ItemData {
    /// An image's path as written in the task (resolved against the images root later).
    Image(String),
    /// A Text classification task's text (`<Text value="$text"/>`), as given.
    Text(String),
}

impl ItemData {
    /// The task's field the item comes from.
    fn field(&self) -> &'static str {
        match self {
            ItemData::Image(_) => "data.image",
            ItemData::Text(_) => "data.text",
        }
    }
}

/// The seam for Text classification tasks (`<Text value="$text"/>`): the task's `data.text` as
/// a text item, or why it is not one (the message names the task and the field). An empty
/// text is refused later, with the other checks of text items.
pub(crate) fn text_item(task: &str, text: &Value) -> std::result::Result<ItemData, String> {
    match text {
        Value::String(s) => Ok(ItemData::Text(s.clone())),
        other => Err(format!(
            "task {task}: data.text is {other}: not a text; a Text classification task holds its text as a string"
        )),
    }
}

/// One annotation to store.
struct Ann {
    task: usize,
    annotator: String,
    label: String,
    created_at: Option<String>,
    seconds: Option<f64>,
}

/// One prediction to store: (task index, label, score).
type Pred = (usize, String, f64);

/// The export read and checked, before anything is written.
struct Plan {
    source: PathBuf,
    sha256: String,
    ids: Vec<String>,
    /// Each task's image path (resolved) or text, by `texts`.
    data: Vec<String>,
    /// The tasks are Text classification tasks: `data` holds their texts.
    texts: bool,
    /// Said in the summary: what the import left aside.
    notes: Vec<String>,
    /// The labeling config's choices in order, else the labels the tasks use, naturally sorted.
    labels: Vec<String>,
    anns: Vec<Ann>,
    cancelled: Vec<String>,
    /// Predictions by `model_version`, sorted by it.
    runs: BTreeMap<String, Vec<Pred>>,
}

fn invalid(path: &Path, problems: Vec<Problem>) -> Error {
    Error::InvalidLabelStudio {
        path: path.to_path_buf(),
        problems,
    }
}

/// A task's id as text (`id` is a number in Label Studio; a string is taken as given).
fn id_text(v: Option<&Value>) -> Option<String> {
    match v {
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    }
}

/// The one choice of a `choices` result list, or why there is not exactly one.
/// `field` names the list (`annotations[0].result`).
fn one_choice(
    task: &str,
    field: &str,
    result: Option<&Value>,
) -> std::result::Result<Option<String>, String> {
    let Some(result) = result else {
        return Err(format!(
            "task {task}: {field}: missing; give the list of results"
        ));
    };
    let Some(list) = result.as_array() else {
        return Err(format!("task {task}: {field}: not a list of results"));
    };
    let mut found: Option<String> = None;
    for (i, r) in list.iter().enumerate() {
        let at = format!("{field}[{i}]");
        let kind = r.get("type").and_then(Value::as_str).unwrap_or("");
        if kind != "choices" {
            return Err(format!(
                "task {task}: {at}.type is {kind:?}, not \"choices\": not a classification task — Arbiter imports projects labeled with Choices (one label per item)"
            ));
        }
        let Some(choices) = r
            .get("value")
            .and_then(|v| v.get("choices"))
            .and_then(Value::as_array)
        else {
            return Err(format!("task {task}: {at}.value.choices: missing; a choices result lists the chosen labels"));
        };
        if choices.len() != 1 {
            return Err(format!(
                "task {task}: {at}.value.choices holds {} choices ({}): Arbiter keeps one label per annotation — configure Choices with choice=\"single\" and fix these tasks",
                choices.len(),
                choices.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", ")
            ));
        }
        let Some(label) = choices[0].as_str().map(str::trim).filter(|s| !s.is_empty()) else {
            return Err(format!(
                "task {task}: {at}.value.choices[0] is {}: not a label name",
                choices[0]
            ));
        };
        if found.is_some() {
            return Err(format!(
                "task {task}: {at}: a second choices result: Arbiter keeps one label per annotation — use one Choices tag"
            ));
        }
        found = Some(label.to_string());
    }
    Ok(found)
}

/// An annotator's name: the e-mail of `completed_by` (an object, as exports write it), or
/// `labelstudio-user-<id>` for a bare user id.
fn annotator_of(task: &str, field: &str, v: Option<&Value>) -> std::result::Result<String, String> {
    let name = match v {
        Some(Value::Object(o)) => match o.get("email").and_then(Value::as_str).map(str::trim) {
            Some(e) if !e.is_empty() => e.to_string(),
            _ => match id_text(o.get("id")) {
                Some(id) => format!("labelstudio-user-{id}"),
                None => {
                    return Err(format!(
                        "task {task}: {field}: neither an email nor an id; give the annotator"
                    ))
                }
            },
        },
        Some(Value::Number(n)) => format!("labelstudio-user-{n}"),
        _ => {
            return Err(format!(
                "task {task}: {field}: missing; Arbiter needs who annotated (an object with email, or a user id)"
            ))
        }
    };
    crate::annotators::check_name(&name).map_err(|why| format!("task {task}: {field}: {why}"))?;
    Ok(name)
}

/// What a labeling config says: its `Choice` values in order, and whether its `Choices` allow
/// several per task.
#[derive(Debug, Clone, PartialEq)]
struct LabelConfig {
    choices: Vec<String>,
    multiple: bool,
}

/// The value of attribute `name` in a tag's text (`<Choice value="cat"/>`), unescaped.
fn attr(tag: &str, name: &str) -> Option<String> {
    for q in ['"', '\''] {
        let key = format!("{name}={q}");
        let mut from = 0;
        while let Some(i) = tag[from..].find(&key) {
            let at = from + i;
            let before = tag[..at].chars().last();
            from = at + key.len();
            if before.is_some_and(char::is_whitespace) {
                let rest = &tag[from..];
                let end = rest.find(q)?;
                return Some(
                    rest[..end]
                        .replace("&quot;", "\"")
                        .replace("&apos;", "'")
                        .replace("&lt;", "<")
                        .replace("&gt;", ">")
                        .replace("&amp;", "&"),
                );
            }
        }
    }
    None
}

/// Read a labeling config: the tags' names and attributes are all it needs (no XML library:
/// comments are skipped, text is ignored).
fn read_config(path: &Path) -> Result<LabelConfig> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut choices = Vec::new();
    let mut multiple = false;
    let mut seen_choices = false;
    let mut rest = text.as_str();
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        if let Some(after) = rest.strip_prefix("!--") {
            rest = after.find("-->").map_or("", |j| &after[j + 3..]);
            continue;
        }
        let end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..end];
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        match name.as_str() {
            "Choices" => {
                seen_choices = true;
                multiple |= attr(tag, "choice").as_deref() == Some("multiple");
            }
            "Choice" => match attr(tag, "value").or_else(|| attr(tag, "alias")) {
                Some(v) if !v.trim().is_empty() => choices.push(v.trim().to_string()),
                _ => {}
            },
            _ => {}
        }
        rest = &rest[end..];
    }
    if !seen_choices || choices.is_empty() {
        return Err(invalid(
            path,
            vec![Problem::general(
                "no <Choices> with <Choice value=\"…\"/> in the labeling config: Arbiter imports classification projects — give the config of one (Settings → Labeling Interface → Code)",
            )],
        ));
    }
    Ok(LabelConfig { choices, multiple })
}

/// Read and check the whole export. `schema`: the project's labels (empty: taken from the
/// export).
fn plan(opts: &ImportOptions, schema: &[String]) -> Result<Plan> {
    let source = std::path::absolute(&opts.file).map_err(|e| Error::io(&opts.file, e))?;
    let config = match &opts.label_config {
        Some(c) => {
            let config = read_config(c)?;
            if config.multiple {
                return Err(invalid(
                    c,
                    vec![Problem::general(
                        "the labeling config's Choices take several choices per task (choice=\"multiple\"): Arbiter keeps one label per item — import a single-choice project",
                    )],
                ));
            }
            Some(config)
        }
        None => None,
    };
    let bytes = std::fs::read(&source).map_err(|e| Error::io(&source, e))?;
    let sha256 = format!("{:x}", Sha256::digest(&bytes));
    let doc: Value = serde_json::from_slice(&bytes).map_err(|e| {
        invalid(
            &source,
            vec![Problem {
                row: None,
                line: Some(e.line()),
                message: format!(
                    "not JSON ({e}); give the file Label Studio wrote with Export → JSON"
                ),
            }],
        )
    })?;
    drop(bytes);
    let Some(tasks) = doc.as_array() else {
        return Err(invalid(
            &source,
            vec![Problem::general(
                "not a list of tasks: a Label Studio JSON export is a list ([{\"id\": …, \"data\": …, \"annotations\": […]}, …]); export with Export → JSON (not JSON-MIN or CSV)",
            )],
        ));
    };
    if tasks.is_empty() {
        return Err(invalid(
            &source,
            vec![Problem::general("the export holds no tasks")],
        ));
    }
    let mut problems: Vec<String> = Vec::new();
    let mut ids = Vec::with_capacity(tasks.len());
    let mut data_out: Vec<String> = Vec::with_capacity(tasks.len());
    // The first task's kind (its id and whether it is a text): every task must be of it.
    let mut kind: Option<(String, bool)> = None;
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut anns = Vec::new();
    let mut cancelled = Vec::new();
    let mut runs: BTreeMap<String, Vec<Pred>> = BTreeMap::new();
    let mut labels: BTreeMap<String, String> = BTreeMap::new();
    for (i, task) in tasks.iter().enumerate() {
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
        let Some(id) = id_text(task.get("id")).or_else(|| item_of_task(task)) else {
            problems.push(format!(
                "task {} (the {}th in the list): id: missing; Label Studio's exports give every task an id",
                i + 1,
                i + 1
            ));
            continue;
        };
        // The item's id: Arbiter's own (kept by its export) or the task's.
        let id = item_of_task(task).unwrap_or(id);
        let t = id.as_str();
        if let Some(first) = seen.insert(id.clone(), i) {
            problems.push(format!(
                "task {t}: id: again (first as the {}th task); each task once",
                first + 1
            ));
            continue;
        }
        let Some(data) = task.get("data").and_then(Value::as_object) else {
            problems.push(format!("task {t}: data: missing or not an object"));
            continue;
        };
        let item = if let Some(v) = data.get("image") {
            match v.as_str().map(str::trim).filter(|s| !s.is_empty()) {
                Some(s) => Ok(ItemData::Image(s.to_string())),
                None => Err(format!("task {t}: data.image is {v}: not an image path")),
            }
        } else if let Some(text) = data.get("text") {
            text_item(t, text)
        } else {
            Err(format!(
                "task {t}: data: neither image nor text (keys: {}); Arbiter imports Choices on an Image (data.image) or on a Text (data.text)",
                data.keys().cloned().collect::<Vec<_>>().join(", ")
            ))
        };
        let item = match item {
            Ok(item) => item,
            Err(why) => {
                problems.push(why);
                continue;
            }
        };
        let is_text = matches!(item, ItemData::Text(_));
        let (first, texts) = kind.get_or_insert_with(|| (id.clone(), is_text));
        if *texts != is_text {
            let (this, other) = if is_text {
                ("a Text task", "images")
            } else {
                ("an Image task", "texts")
            };
            problems.push(format!(
                "task {t}: {}: {this} in an export whose tasks are {other} (from task {first} on); a dataset holds one kind of item — export the image and the text tasks as separate projects and import each",
                item.field()
            ));
            continue;
        }
        let value = match item {
            ItemData::Image(s) => match local_file(&s) {
                Ok(p) => p,
                Err(why) => {
                    problems.push(format!("task {t}: data.image {s:?}: {why}"));
                    continue;
                }
            },
            ItemData::Text(text) => text,
        };
        ids.push(id.clone());
        data_out.push(value);
        let index = ids.len() - 1;
        let mut note_label = |label: &str, field: &str, problems: &mut Vec<String>| {
            if let Some(c) = config
                .as_ref()
                .filter(|c| !c.choices.iter().any(|l| l == label))
            {
                problems.push(format!(
                    "task {t}: {field}: label {label:?} is not among the labeling config's choices ({}); fix the task, or give the config the project was labeled with",
                    c.choices.join(", ")
                ));
            } else if !schema.is_empty() && !schema.iter().any(|l| l == label) {
                problems.push(format!(
                    "task {t}: {field}: label {label:?} is not in the project's schema ({}); add it with `arbiter labels add` first, or import into a new project",
                    schema.join(", ")
                ));
            }
            labels
                .entry(label.to_string())
                .or_insert_with(|| field.to_string());
        };
        match task.get("annotations") {
            None | Some(Value::Null) => {}
            Some(Value::Array(list)) => {
                for (j, a) in list.iter().enumerate() {
                    let field = format!("annotations[{j}]");
                    let aid = id_text(a.get("id")).unwrap_or_else(|| format!("#{}", j + 1));
                    if a.get("was_cancelled").and_then(Value::as_bool) == Some(true) {
                        cancelled.push(format!("task {t} annotation {aid}"));
                        continue;
                    }
                    let label = match one_choice(t, &format!("{field}.result"), a.get("result")) {
                        Ok(Some(l)) => l,
                        Ok(None) => {
                            problems.push(format!(
                                "task {t}: {field}.result: empty — an annotation without a choice; choose a label in Label Studio, or skip (cancel) the annotation"
                            ));
                            continue;
                        }
                        Err(why) => {
                            problems.push(why);
                            continue;
                        }
                    };
                    let annotator = match annotator_of(
                        t,
                        &format!("{field}.completed_by"),
                        a.get("completed_by"),
                    ) {
                        Ok(n) => n,
                        Err(why) => {
                            problems.push(why);
                            continue;
                        }
                    };
                    // The label's time: when it took its final value.
                    let time_field = if a.get("updated_at").is_some_and(|v| !v.is_null()) {
                        "updated_at"
                    } else {
                        "created_at"
                    };
                    let created_at = match a.get(time_field) {
                        None | Some(Value::Null) => None,
                        Some(v) => match v.as_str().map(crate::annotate::normalize_time) {
                            Some(Ok(utc)) => Some(utc),
                            _ => {
                                problems.push(format!(
                                    "task {t}: {field}.{time_field} is {v}: not an RFC 3339 time such as 2026-11-22T09:30:00.000Z"
                                ));
                                continue;
                            }
                        },
                    };
                    let seconds = a
                        .get("lead_time")
                        .and_then(Value::as_f64)
                        .filter(|s| s.is_finite() && *s >= 0.0);
                    note_label(&label, &format!("{field}.result"), &mut problems);
                    anns.push(Ann {
                        task: index,
                        annotator,
                        label,
                        created_at,
                        seconds,
                    });
                }
            }
            Some(other) => problems.push(format!("task {t}: annotations is {other}: not a list")),
        }
        match task.get("predictions") {
            None | Some(Value::Null) => {}
            Some(Value::Array(list)) => {
                for (j, p) in list.iter().enumerate() {
                    let field = format!("predictions[{j}]");
                    let label = match one_choice(t, &format!("{field}.result"), p.get("result")) {
                        Ok(Some(l)) => l,
                        Ok(None) => continue,
                        Err(why) => {
                            problems.push(why);
                            continue;
                        }
                    };
                    // The prediction's score, else its one result's.
                    let score = p.get("score").filter(|v| !v.is_null()).or_else(|| {
                        p.get("result")
                            .and_then(|r| r.get(0))
                            .and_then(|r| r.get("score"))
                    });
                    let Some(score) = score.and_then(Value::as_f64) else {
                        problems.push(format!(
                            "task {t}: {field}.score: missing or not a number; Arbiter needs the predicted label's confidence — add the score, or drop the predictions from the export"
                        ));
                        continue;
                    };
                    let model = match p.get("model_version") {
                        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
                        Some(Value::Number(n)) => n.to_string(),
                        _ => UNNAMED_MODEL.to_string(),
                    };
                    let preds = runs.entry(model.clone()).or_default();
                    if preds.last().is_some_and(|(task, _, _)| *task == index) {
                        problems.push(format!(
                            "task {t}: {field}: a second prediction of model_version {model:?}; keep one per task and model version"
                        ));
                        continue;
                    }
                    note_label(&label, &format!("{field}.result"), &mut problems);
                    preds.push((index, label, score));
                }
            }
            Some(other) => problems.push(format!("task {t}: predictions is {other}: not a list")),
        }
    }
    // The confidences against the number of classes the schema will have.
    let k = match (&config, schema.is_empty()) {
        (_, false) => schema.len(),
        (Some(c), true) => c.choices.len(),
        (None, true) => labels.len(),
    };
    for (model, preds) in &runs {
        for (task, _, score) in preds {
            if let Err(why) = crate::predict::import::top_vector(k, 0, *score) {
                problems.push(format!(
                    "task {}: score of model_version {model:?}: {why}",
                    ids[*task]
                ));
            }
        }
    }
    if !problems.is_empty() {
        return Err(invalid(
            &source,
            problems.into_iter().map(Problem::general).collect(),
        ));
    }
    // The config's choices in its order (unused ones too), else the choices used.
    let labels: Vec<String> = match config {
        Some(c) => {
            let mut unique: Vec<String> = Vec::with_capacity(c.choices.len());
            for l in c.choices {
                if !unique.contains(&l) {
                    unique.push(l);
                }
            }
            unique
        }
        None => {
            let mut used: Vec<String> = labels.into_keys().collect();
            crate::schema::natural_sort(&mut used);
            used
        }
    };
    let texts = kind.is_some_and(|(_, texts)| texts);
    let mut notes = Vec::new();
    if let (true, Some(root)) = (texts, &opts.images_root) {
        notes.push(format!(
            "the tasks are texts: the images folder {} was not used",
            root.display()
        ));
    }
    Ok(Plan {
        source,
        sha256,
        ids,
        data: data_out,
        texts,
        notes,
        labels,
        anns,
        cancelled,
        runs,
    })
}

/// The items as a table, validated (paths inside the root, existing, hashed; texts present and
/// bounded) with every problem named by its task.
fn validated(
    plan: &Plan,
    opts: &ImportOptions,
    schema: &[crate::schema::Label],
) -> Result<crate::dataset::Validated> {
    let root_given = match &opts.images_root {
        Some(r) => r.clone(),
        None => plan.source.parent().unwrap_or(Path::new(".")).to_path_buf(),
    };
    let (table, field, hint) = if plan.texts {
        let rows = plan.ids.iter().zip(&plan.data).map(|(id, text)| TextRow {
            id: id.clone(),
            text: text.clone(),
            label: None,
        });
        (
            SourceTable::from_texts(&plan.source, SourceKind::LabelStudio, rows)?,
            "data.text",
            String::new(),
        )
    } else {
        let root = root_given.canonicalize().map_err(|e| Error::Read {
            path: root_given.clone(),
            message: format!("{e}: the images root (--images-root) must be an existing folder"),
        })?;
        let table = SourceTable {
            kind: SourceKind::LabelStudio,
            source: plan.source.clone(),
            root,
            id_col: Some("id".into()),
            path_col: Some("data.image".into()),
            label_col: None,
            text_col: None,
            ids: plan.ids.iter().cloned().map(Some).collect(),
            paths: Some(plan.data.iter().cloned().map(Some).collect()),
            texts: None,
            labels: None,
            feature_names: Vec::new(),
            features: Vec::new(),
            metadata: Vec::new(),
            problems: Vec::new(),
            warnings: Vec::new(),
        };
        let hint = format!(
            " (images are resolved against {}; pass --images-root with Label Studio's local-files root or media folder)",
            root_given.display()
        );
        (table, "data.image", hint)
    };
    crate::dataset::validate_table(table, schema, &mut |_| {}, &AtomicBool::new(false)).map_err(
        |e| match e {
            Error::InvalidSource { path, problems } => invalid(
                &path,
                problems
                    .into_iter()
                    .map(|p| match p.row {
                        Some(r) if r >= 1 && r <= plan.ids.len() => Problem::general(format!(
                            "task {}: {field}: {}{hint}",
                            plan.ids[r - 1],
                            p.message,
                        )),
                        _ => p,
                    })
                    .collect(),
            ),
            other => other,
        },
    )
}

/// Import a Label Studio export into the project at `dir`, creating the project when the
/// folder holds none. Nothing is written unless everything is valid.
pub fn import(dir: &Path, opts: &ImportOptions) -> Result<ImportSummary> {
    if dir.join(crate::store::DB_FILE).exists() {
        let mut project = Project::open(dir)?;
        return import_into(&mut project, opts);
    }
    let plan = plan(opts, &[])?;
    let v = validated(&plan, opts, &[])?;
    let name = dataset_name(opts, &plan);
    let specs: Vec<LabelSpec> = plan.labels.iter().map(LabelSpec::named).collect();
    crate::schema::validate_specs(&specs)?;
    let out: RefCell<Option<ImportSummary>> = RefCell::new(None);
    let project = Project::create_database(dir, None, false, &|tx, pname| {
        crate::schema::insert_default_reasons(tx)?;
        crate::schema::insert_labels(tx, &specs)?;
        crate::audit::record(
            tx,
            "arbiter",
            "project.create",
            &serde_json::json!({ "name": pname, "labels": specs.len(), "ordinal": false, "from": "labelstudio" }),
        )?;
        *out.borrow_mut() = Some(write(tx, &plan, &v, &name, None)?);
        Ok(())
    })?;
    let mut summary = out.into_inner().expect("written");
    summary.project = project.root().to_path_buf();
    summary.created = true;
    summary.warnings.insert(
        0,
        format!(
            "created the project with the labels the export uses: {}",
            plan.labels.join(", ")
        ),
    );
    Ok(summary)
}

/// [`import`] into an open project.
pub fn import_into(project: &mut Project, opts: &ImportOptions) -> Result<ImportSummary> {
    let schema = crate::schema::labels(project)?;
    let names: Vec<String> = schema.iter().map(|l| l.name.clone()).collect();
    let plan = plan(opts, &names)?;
    let v = validated(&plan, opts, &schema)?;
    let name = dataset_name(opts, &plan);
    let existing: Option<(i64, i64, String)> = crate::store::optional(project.conn().query_row(
        "SELECT d.id, v.version, v.content_hash FROM datasets d JOIN dataset_versions v ON v.dataset_id = d.id
         WHERE d.name = ?1 ORDER BY v.version DESC LIMIT 1",
        [&name],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    ))?;
    if let Some((_, version, hash)) = &existing {
        if *hash == v.content_hash {
            return Err(Error::InvalidArgument(format!(
                "the export's tasks are already dataset {name:?} version {version} (the same items and ids): nothing was imported — import into a new project, or name another dataset with --dataset"
            )));
        }
    }
    let tx = project
        .conn_mut()
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    if names.is_empty() {
        let specs: Vec<LabelSpec> = plan.labels.iter().map(LabelSpec::named).collect();
        crate::schema::insert_labels(&tx, &specs)?;
    }
    let mut summary = write(&tx, &plan, &v, &name, existing.map(|e| e.0))?;
    tx.commit()?;
    summary.project = project.root().to_path_buf();
    if names.is_empty() {
        summary.warnings.insert(
            0,
            format!(
                "the project had no labels; its schema is now the export's: {}",
                plan.labels.join(", ")
            ),
        );
    }
    Ok(summary)
}

fn dataset_name(opts: &ImportOptions, plan: &Plan) -> String {
    match opts
        .dataset
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(n) => n.to_string(),
        None => plan
            .source
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "labelstudio".into()),
    }
}

/// Everything written inside the caller's transaction: the dataset version, the annotators,
/// the annotations, one run per model version, the audit entry.
fn write(
    tx: &rusqlite::Connection,
    plan: &Plan,
    v: &crate::dataset::Validated,
    name: &str,
    dataset_id: Option<i64>,
) -> Result<ImportSummary> {
    let written =
        crate::dataset::write_version(tx, name, dataset_id, v, false, &mut |_| {}, &|| Ok(()))?;
    let item = |task: usize| written.first_rowid + task as i64;
    // Annotators.
    let mut names: Vec<String> = plan.anns.iter().map(|a| a.annotator.clone()).collect();
    names.sort();
    names.dedup();
    let mut added = Vec::new();
    for n in &names {
        if crate::annotators::find_annotator(tx, n)?.is_none() {
            crate::annotators::add_annotator_in(tx, n, Role::Annotator)?;
            added.push(n.clone());
        }
    }
    for a in &plan.anns {
        crate::annotate::record_in(
            tx,
            &NewAnnotation {
                seconds: a.seconds,
                created_at: a.created_at.clone(),
                ..NewAnnotation::new(
                    item(a.task),
                    &a.annotator,
                    Event::Label {
                        label: a.label.clone(),
                    },
                    Source::Import,
                )
            },
        )?;
    }
    // Runs.
    let classes: Vec<String> = crate::schema::labels_in(tx)?
        .into_iter()
        .map(|l| l.name)
        .collect();
    let class_of: HashMap<&str, usize> = classes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    let mut runs = Vec::new();
    for (model, preds) in &plan.runs {
        let rows: Vec<_> = preds
            .iter()
            .map(|(task, label, score)| {
                let p = crate::predict::import::top_vector(
                    classes.len(),
                    class_of[label.as_str()],
                    *score,
                )
                .map_err(Error::InvalidArgument)?;
                Ok((
                    item(*task),
                    None,
                    Ok(p.into_iter().map(|x| x as f32).collect()),
                ))
            })
            .collect::<Result<_>>()?;
        let new_run = crate::predict::import::NewRun {
            name: model,
            sha256: &plan.sha256,
            version_id: written.version_id,
            items_kind: if plan.texts {
                InputKind::Text
            } else {
                InputKind::Image
            },
            from: ImportedFrom {
                file: plan.source.display().to_string(),
                file_sha256: plan.sha256.clone(),
                columns: "predicted_confidence".into(),
                class_columns: Vec::new(),
                model_version: Some(model.clone()),
            },
            classes: &classes,
            started: None,
            finished: None,
            notice: format!(
                "imported from the Label Studio export {} (SHA-256 {})",
                plan.source.display(),
                plan.sha256
            ),
            rows: &rows,
        };
        let (run, model_version) = crate::predict::import::write_run(tx, &new_run)?;
        runs.push(RunImported {
            run,
            model: model.clone(),
            model_version,
            predictions: rows.len() as u64,
        });
    }
    crate::audit::record(
        tx,
        "arbiter",
        "labelstudio.import",
        &serde_json::json!({ "file": plan.source.display().to_string(), "sha256": plan.sha256,
            "dataset": name, "version": written.version, "items": plan.ids.len(),
            "annotations": plan.anns.len(), "cancelled": plan.cancelled.len(),
            "runs": runs.iter().map(|r| r.run).collect::<Vec<_>>() }),
    )?;
    let mut warnings = written.warnings;
    warnings.extend(plan.notes.iter().cloned());
    if !plan.cancelled.is_empty() {
        warnings.push(format!(
            "{} cancelled (skipped) annotation(s) not imported: {}",
            plan.cancelled.len(),
            plan.cancelled.join(", ")
        ));
    }
    Ok(ImportSummary {
        project: PathBuf::new(),
        created: false,
        dataset: name.to_string(),
        version: written.version,
        items: plan.ids.len() as u64,
        labels: classes,
        annotators: names,
        annotators_added: added,
        annotations: plan.anns.len() as u64,
        cancelled: plan.cancelled.clone(),
        runs,
        warnings,
    })
}
