//! Validation of a [`SourceTable`] before anything is written: unique non-empty ids, media files
//! that exist and stay inside the dataset root (no `..`, no symlink escape), given labels in the
//! schema. Also hashes the media files and the whole content (the version's content hash).

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use super::source::SourceTable;
use super::{ImportProgress, ImportStage};
use crate::error::{Error, Problem, Result};
use crate::schema::{natural_sort, Label};

/// Stop collecting problems after this many (the message lists the first few anyway).
const MAX_PROBLEMS: usize = 10_000;
const CHUNK: usize = 4096;

/// A table that passed validation, with what the writer needs.
#[derive(Debug)]
pub struct Validated {
    pub table: SourceTable,
    /// Normalised media paths relative to the root.
    paths: Option<Vec<Option<String>>>,
    pub media_hashes: Option<Vec<[u8; 32]>>,
    metadata: Vec<Option<String>>,
    pub labeled: usize,
    /// Labels to add to an empty schema, naturally sorted.
    pub new_labels: Vec<String>,
    pub content_hash: String,
}

impl Validated {
    pub fn id(&self, i: usize) -> &str {
        self.table.ids[i].as_deref().unwrap_or_default()
    }
    pub fn path(&self, i: usize) -> Option<&str> {
        self.paths.as_ref().and_then(|p| p[i].as_deref())
    }
    pub fn label(&self, i: usize) -> Option<&str> {
        self.table
            .labels
            .as_ref()
            .and_then(|l| l[i].as_deref())
            .filter(|l| !l.is_empty())
    }
    pub fn metadata_json(&self, i: usize) -> Option<&str> {
        self.metadata[i].as_deref()
    }
    /// The item's text, for text items.
    pub fn text(&self, i: usize) -> Option<&str> {
        self.table.texts.as_ref().and_then(|t| t[i].as_deref())
    }
}

pub fn validate(
    mut table: SourceTable,
    schema: &[Label],
    progress: &mut dyn FnMut(ImportProgress),
    cancel: &AtomicBool,
) -> Result<Validated> {
    let n = table.len();
    let kind = table.kind;
    let mut problems = std::mem::take(&mut table.problems);
    // Rows a reader already refused (a text folder's unreadable files): not named twice.
    let unreadable: HashSet<usize> = problems.iter().filter_map(|p| p.row).collect();
    let mut push = |row: usize, message: String| {
        if problems.len() < MAX_PROBLEMS {
            problems.push(Problem {
                row: Some(row + 1),
                line: kind.line_of_row(row + 1),
                message,
            });
        }
    };
    if n == 0 {
        return Err(Error::InvalidSource {
            path: table.source.clone(),
            problems: vec![Problem::general("no rows: the source holds no items")],
        });
    }

    // Ids: present, non-blank, unique.
    let mut first_seen: HashMap<&str, usize> = HashMap::with_capacity(n);
    for (i, id) in table.ids.iter().enumerate() {
        match id.as_deref().map(str::trim) {
            None | Some("") => push(i, "empty id; every row needs a unique id".into()),
            Some(_) => {
                let id = id.as_deref().unwrap_or_default();
                if let Some(first) = first_seen.insert(id, i) {
                    first_seen.insert(id, first);
                    push(
                        i,
                        format!(
                            "duplicate id {id:?} (first at row {}); ids must be unique",
                            first + 1
                        ),
                    );
                }
            }
        }
    }
    drop(first_seen);

    // Labels: in the schema, or (empty schema) collected to become it.
    let mut labeled = 0usize;
    let mut new_labels = Vec::new();
    if let Some(labels) = &table.labels {
        let known: HashSet<&str> = schema.iter().map(|l| l.name.as_str()).collect();
        let mut seen: HashSet<&str> = HashSet::new();
        // Unknown labels are reported once per label, with the rows that carry it.
        let mut unknown: Vec<(&str, Vec<usize>)> = Vec::new();
        for (i, l) in labels.iter().enumerate() {
            let Some(l) = l.as_deref().filter(|l| !l.is_empty()) else {
                continue;
            };
            labeled += 1;
            if schema.is_empty() {
                seen.insert(l);
            } else if !known.contains(l) {
                match unknown.iter_mut().find(|(u, _)| *u == l) {
                    Some((_, rows)) => rows.push(i),
                    None => unknown.push((l, vec![i])),
                }
            }
        }
        let names: Vec<&str> = schema.iter().map(|l| l.name.as_str()).collect();
        for (l, rows) in unknown {
            let also = match rows.len() {
                1 => String::new(),
                n => {
                    let shown: Vec<String> = rows
                        .iter()
                        .skip(1)
                        .take(5)
                        .map(|r| (r + 1).to_string())
                        .collect();
                    let more = if n > 6 { ", …" } else { "" };
                    format!(" (also rows {}{more}; {n} rows in all)", shown.join(", "))
                }
            };
            push(
                rows[0],
                format!(
                    "label {l:?} is not in the project's label schema ({}){also}; fix the rows, or import into a project whose schema has this label",
                    abbreviate(&names)
                ),
            );
        }
        new_labels = seen.into_iter().map(str::to_string).collect();
        natural_sort(&mut new_labels);
    }

    // Texts: present, not blank, bounded.
    if let Some(texts) = &table.texts {
        let what = match &table.text_col {
            Some(c) => format!("text column {c:?}"),
            None => "text".to_string(),
        };
        for (i, t) in texts.iter().enumerate() {
            match t.as_deref() {
                None if unreadable.contains(&(i + 1)) => {}
                None => push(i, format!("no {what}; every text item needs its text")),
                Some(t) if t.trim().is_empty() => push(
                    i,
                    format!("the {what} is empty; every text item needs its text (drop the row or fill it)"),
                ),
                Some(t) if t.len() > super::source::MAX_TEXT_BYTES => push(
                    i,
                    format!(
                        "the {what} holds {} bytes; a text item holds at most {} bytes — split the document",
                        t.len(),
                        super::source::MAX_TEXT_BYTES
                    ),
                ),
                Some(_) => {}
            }
        }
    }

    // Media paths: inside the root, existing files; hashed in parallel.
    let mut paths_out = None;
    let mut hashes_out = None;
    if let Some(paths) = &table.paths {
        let root = table.root.clone();
        let mut norm: Vec<Option<String>> = Vec::with_capacity(n);
        let mut hashes: Vec<[u8; 32]> = Vec::with_capacity(n);
        let mut missing_paths = 0usize;
        for (c, chunk) in paths.chunks(CHUNK).enumerate() {
            if cancel.load(Ordering::Relaxed) {
                return Err(Error::Cancelled);
            }
            progress(ImportProgress {
                stage: ImportStage::Hashing,
                done: (c * CHUNK) as u64,
                total: n as u64,
            });
            let results: Vec<Option<MediaCheck>> = chunk
                .par_iter()
                .map(|p| {
                    p.as_deref()
                        .filter(|p| !p.trim().is_empty())
                        .map(|p| check_media(&root, p))
                })
                .collect();
            for (j, r) in results.into_iter().enumerate() {
                let i = c * CHUNK + j;
                match r {
                    None => {
                        missing_paths += 1;
                        norm.push(None);
                        hashes.push([0; 32]);
                    }
                    Some(Ok((p, h))) => {
                        norm.push(Some(p));
                        hashes.push(h);
                    }
                    Some(Err(msg)) => {
                        push(i, msg);
                        norm.push(None);
                        hashes.push([0; 32]);
                    }
                }
            }
        }
        if missing_paths > 0 {
            table.warnings.push(format!(
                "{missing_paths} row(s) have no media path; they are imported without media"
            ));
        }
        paths_out = Some(norm);
        hashes_out = Some(hashes);
    }

    if !problems.is_empty() {
        // By row, first row first (they were found check by check: ids, labels, media); within
        // a row, and for problems of no row (listed last), the order they were found in.
        problems.sort_by_key(|p| p.row.unwrap_or(usize::MAX));
        if problems.len() >= MAX_PROBLEMS {
            problems.push(Problem::general(format!(
                "(stopped listing after {MAX_PROBLEMS} problems)"
            )));
        }
        return Err(Error::InvalidSource {
            path: table.source.clone(),
            problems,
        });
    }

    // Metadata as one JSON object per row (NULL when every value is null).
    let metadata: Vec<Option<String>> = (0..n)
        .into_par_iter()
        .map(|i| {
            let mut obj = serde_json::Map::new();
            for (name, col) in &table.metadata {
                if !col[i].is_null() {
                    obj.insert(name.clone(), col[i].clone());
                }
            }
            (!obj.is_empty()).then(|| serde_json::Value::Object(obj).to_string())
        })
        .collect();

    let mut v = Validated {
        table,
        paths: paths_out,
        media_hashes: hashes_out,
        metadata,
        labeled,
        new_labels,
        content_hash: String::new(),
    };
    v.content_hash = content_hash(&v);
    Ok(v)
}

fn abbreviate(names: &[&str]) -> String {
    if names.len() <= 12 {
        names.join(", ")
    } else {
        format!("{}, … {} labels", names[..10].join(", "), names.len())
    }
}

/// A media path normalised relative to the root and its bytes' hash, or why it was refused.
type MediaCheck = Result<(String, [u8; 32]), String>;

/// Check one media path against the root and hash the file. Returns the normalised relative path.
fn check_media(root: &Path, given: &str) -> MediaCheck {
    let p = Path::new(given);
    let abs: PathBuf = if p.is_absolute() {
        p.to_path_buf()
    } else {
        root.join(p)
    };
    // Lexical check first: `..` may not climb out of the root, absolute paths must be inside it.
    let rel = lexical_relative(root, &abs).ok_or_else(|| {
        format!("path {given:?} escapes the dataset root {}; media must live inside the manifest's folder", root.display())
    })?;
    let canonical = abs.canonicalize().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!(
            "media file {given:?} not found (looked for {})",
            abs.display()
        ),
        _ => format!("media file {given:?}: {e}"),
    })?;
    if !canonical.starts_with(root) {
        return Err(format!(
            "path {given:?} escapes the dataset root {} through a symbolic link (it resolves to {})",
            root.display(),
            canonical.display()
        ));
    }
    if !canonical.is_file() {
        return Err(format!("path {given:?} is not a file"));
    }
    let bytes = std::fs::read(&canonical).map_err(|e| format!("media file {given:?}: {e}"))?;
    Ok((rel, *blake3::hash(&bytes).as_bytes()))
}

/// `abs` relative to `root` after resolving `.` and `..` lexically; `None` if it leaves the root.
fn lexical_relative(root: &Path, abs: &Path) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    let rest = abs.strip_prefix(root).ok()?;
    for c in rest.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// The version's content hash: blake3 over the column choice and every row's id, media path,
/// media bytes' hash, label, metadata and features, each length-prefixed; for text items also
/// the text column and every text (after the rest, so other versions' hashes are unchanged).
fn content_hash(v: &Validated) -> String {
    let t = &v.table;
    let mut h = blake3::Hasher::new();
    let mut field = |b: &[u8]| {
        h.update(&(b.len() as u64).to_le_bytes());
        h.update(b);
    };
    field(b"arbiter-dataset-v1");
    for c in [&t.id_col, &t.path_col, &t.label_col] {
        field(c.as_deref().unwrap_or("\0").as_bytes());
    }
    for f in &t.feature_names {
        field(f.as_bytes());
    }
    for i in 0..t.len() {
        field(v.id(i).as_bytes());
        field(v.path(i).unwrap_or("\0").as_bytes());
        field(
            v.media_hashes
                .as_ref()
                .map_or(&[0u8; 32][..], |m| &m[i][..]),
        );
        field(v.label(i).unwrap_or("\0").as_bytes());
        field(v.metadata_json(i).unwrap_or("\0").as_bytes());
        for col in &t.features {
            field(&col[i].to_le_bytes());
        }
    }
    if t.texts.is_some() {
        field(b"texts");
        field(t.text_col.as_deref().unwrap_or("\0").as_bytes());
        for i in 0..t.len() {
            field(v.text(i).unwrap_or_default().as_bytes());
        }
    }
    h.finalize().to_hex().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_relative_resolves_dots_and_refuses_escapes() {
        let root = Path::new("/data/set");
        let check = |p: &str, want: Option<&str>| {
            assert_eq!(
                lexical_relative(root, &root.join(p)).as_deref(),
                want,
                "{p}"
            );
        };
        check("a/b.png", Some("a/b.png"));
        check("./a/../b.png", Some("b.png"));
        check("../b.png", None);
        check("a/../../b.png", None);
        check("/etc/passwd", None);
        check("/data/set/x.png", Some("x.png"));
        check("/data/setx/y.png", None);
    }
}
