//! `export --format labelstudio`: the exported rows as Label Studio tasks, in the JSON Label
//! Studio 1.x imports (a list of tasks with `data`, `annotations`, `predictions`), for an image
//! or text classification project whose labeling config is [`label_config`].
//!
//! - `data.image`: the item's media as a local-files URL, `/data/local-files/?d=<path relative
//!   to the dataset root>` (serve the dataset root as Label Studio's local-files document root);
//!   for a text item `data.text`, its text (and the results' `to_name` is `text`);
//!   `data.arbiter_item_id` the item's id when it is not the task's integer `id`.
//! - `annotations`: every person's live label event on the item, one annotation each (Label
//!   Studio's model: each annotator's own annotation), `completed_by.email` the annotator's
//!   name, `created_at`/`updated_at` the event's time, `lead_time` its seconds; the one carrying
//!   Arbiter's decision (the override, else the first person's label equal to the final label)
//!   is marked `ground_truth`.
//! - `predictions`: the exported run's prediction (`--run`, else the newest finished run):
//!   the predicted label as the one choice, `score` its confidence, `model_version` the
//!   imported model version or `NAME@VERSION`.
//! - `meta.arbiter`: the decision (`final_label`, `status`, `rule`) — Label Studio keeps it with
//!   the task but does not act on it.
//!
//! The same module reads Label Studio's own conventions back for the import (`labelstudio.rs`):
//! [`local_file`] (URLs to paths) and [`item_of_task`].

use std::collections::HashMap;
use std::path::Path;

use serde_json::{json, Value};

use super::rows::{Row, RunUsed};
use crate::error::{Error, Result};
use crate::store::Project;

/// The Choices tag's name in the exported results and [`label_config`].
pub const FROM_NAME: &str = "choice";
/// The Image tag's name.
pub const TO_NAME: &str = "image";
/// The Text tag's name, for text items.
pub const TO_NAME_TEXT: &str = "text";
/// Label Studio's URL prefix for files served from its local-files document root.
const LOCAL_FILES: &str = "/data/local-files/?d=";

/// The labeling config of an image (or, `texts`, text) classification project with these
/// labels (Label Studio's Settings → Labeling Interface → Code).
pub fn label_config(labels: &[String], texts: bool) -> String {
    let (tag, to) = if texts {
        ("Text", TO_NAME_TEXT)
    } else {
        ("Image", TO_NAME)
    };
    let mut out = format!(
        "<View>\n  <{tag} name=\"{to}\" value=\"${to}\"/>\n  <Choices name=\"{FROM_NAME}\" toName=\"{to}\" choice=\"single\">\n"
    );
    for l in labels {
        out.push_str(&format!("    <Choice value=\"{}\"/>\n", xml_escape(l)));
    }
    out.push_str("  </Choices>\n</View>\n");
    out
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Percent-encode a path for a URL query (unreserved characters and `/` kept).
fn encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decode `%XX` escapes (and `+` as a space, as a query string writes it).
fn decode(s: &str) -> std::result::Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = s
                    .get(i + 1..i + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| format!("a broken %-escape at character {}", i + 1))?;
                out.push(hex);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| "the %-escapes do not decode to UTF-8".to_string())
}

/// A task's image reference as a path (relative to the images root, or absolute): a
/// local-files URL (`/data/local-files/?d=…`, decoded), an upload (`/data/upload/…` →
/// `upload/…`, inside Label Studio's media folder), or a plain path. Web and cloud URLs are
/// refused with what to do.
pub fn local_file(s: &str) -> std::result::Result<String, String> {
    let s = s.trim();
    if let Some(q) = s.find("/data/local-files/?") {
        let query = &s[q + "/data/local-files/?".len()..];
        let d = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("d="))
            .ok_or("a local-files URL without its d= parameter")?;
        return decode(d);
    }
    if let Some(rest) = s.strip_prefix("/data/upload/") {
        return Ok(format!("upload/{}", decode(rest)?));
    }
    let lower = s.to_ascii_lowercase();
    if ["http://", "https://", "s3://", "gs://", "azure-blob://"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        return Err("a web or cloud URL: Arbiter reads images from disk — download them, keep their paths relative to one folder, and pass it as --images-root".into());
    }
    if let Some(rest) = lower.strip_prefix("file://") {
        let _ = rest;
        return decode(&s["file://".len()..]);
    }
    Ok(s.to_string())
}

/// The Arbiter item id an exported task carries (`data.arbiter_item_id`), if any.
pub fn item_of_task(task: &Value) -> Option<String> {
    match task.get("data")?.get("arbiter_item_id")? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The `model_version` written for a run: an imported run's own version label, else the
/// model's `NAME@VERSION`.
fn model_version(project: &Project, run: &RunUsed) -> Result<String> {
    let pre: String = project.conn().query_row(
        "SELECT m.preprocess FROM runs r JOIN models m ON m.id = r.model_id WHERE r.id = ?1",
        [run.run],
        |r| r.get(0),
    )?;
    let imported = serde_json::from_str::<crate::model::Preprocess>(&pre)
        .ok()
        .and_then(|p| match p {
            crate::model::Preprocess::Imported { from, .. } => from.model_version,
            _ => None,
        });
    Ok(imported.unwrap_or_else(|| run.model.clone()))
}

/// The tasks of `rows` (one dataset version's, `version_id`) as Label Studio JSON.
pub(super) fn write_tasks(
    project: &Project,
    version_id: i64,
    rows: &[Row],
    run: Option<&RunUsed>,
    out: &Path,
) -> Result<()> {
    let conn = project.conn();
    // Each item's live label events, oldest first.
    let events = crate::events::list_version(conn, version_id)?;
    let retracted: std::collections::HashSet<i64> =
        events.iter().filter_map(|e| e.retracts).collect();
    let mut by_item: HashMap<&str, Vec<&crate::events::AnnotationRow>> = HashMap::new();
    for e in &events {
        if e.kind == crate::events::StoredKind::Label
            && !retracted.contains(&e.id)
            && e.label.is_some()
        {
            by_item.entry(e.item_id.as_str()).or_default().push(e);
        }
    }
    let model_version = match run {
        Some(r) => Some(model_version(project, r)?),
        None => None,
    };
    let mut tasks = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let numeric = row
            .item_id
            .parse::<i64>()
            .ok()
            .filter(|n| n.to_string() == row.item_id);
        let mut data = serde_json::Map::new();
        let to_name = match (&row.text, &row.path) {
            (Some(text), _) => {
                data.insert("text".into(), json!(text));
                TO_NAME_TEXT
            }
            (None, Some(p)) => {
                data.insert("image".into(), json!(format!("{LOCAL_FILES}{}", encode(p))));
                TO_NAME
            }
            (None, None) => TO_NAME,
        };
        if numeric.is_none() {
            data.insert("arbiter_item_id".into(), json!(row.item_id));
        }
        let events = by_item
            .get(row.item_id.as_str())
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        // The annotation that carries the decision.
        let decisive = row
            .final_label
            .as_ref()
            .filter(|_| row.status == "decided")
            .and_then(|fl| {
                events
                    .iter()
                    .rev()
                    .find(|e| {
                        e.source == crate::events::Source::Override && e.label.as_ref() == Some(fl)
                    })
                    .or_else(|| events.iter().find(|e| e.label.as_ref() == Some(fl)))
                    .map(|e| e.id)
            });
        let annotations: Vec<Value> = events
            .iter()
            .map(|e| {
                let mut a = json!({
                    "id": e.id,
                    "completed_by": { "email": e.annotator },
                    "result": [{
                        "from_name": FROM_NAME,
                        "to_name": to_name,
                        "type": "choices",
                        "value": { "choices": [e.label] },
                    }],
                    "was_cancelled": false,
                    "ground_truth": decisive == Some(e.id),
                    "created_at": e.created_at,
                    "updated_at": e.created_at,
                });
                if let Some(s) = e.seconds {
                    a["lead_time"] = json!(s);
                }
                a
            })
            .collect();
        let predictions: Vec<Value> = match (&model_version, &row.predicted, row.confidence) {
            (Some(mv), Some(p), Some(c)) => vec![json!({
                "model_version": mv,
                "score": c,
                "result": [{
                    "from_name": FROM_NAME,
                    "to_name": to_name,
                    "type": "choices",
                    "value": { "choices": [p] },
                }],
            })],
            _ => Vec::new(),
        };
        tasks.push(json!({
            "id": numeric.unwrap_or(i as i64 + 1),
            "data": data,
            "annotations": annotations,
            "predictions": predictions,
            "meta": { "arbiter": {
                "final_label": row.final_label,
                "status": row.status,
                "rule": row.rule,
            }},
        }));
    }
    let text = serde_json::to_vec_pretty(&Value::Array(tasks))
        .map_err(|e| Error::InvalidArgument(e.to_string()))?;
    std::fs::write(out, text).map_err(|e| crate::destination::write_err(out, e))
}
