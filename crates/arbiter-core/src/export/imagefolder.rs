//! An export as an image folder: `<label>/<item>.<ext>` (or `<split>/<label>/…`), every name
//! sanitised and de-duplicated so nothing is written outside the folder; each file a copy of
//! the source, checked against what was imported. Text items are written as `.txt` files
//! (UTF-8) in the same layout: a text folder, which imports back as one.

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::AtomicBool;

use super::{check, ExportProgress, ExportStage, Row};
use crate::destination;
use crate::error::{Error, Result};

/// A path component safe on every platform: no separators, no `..`, no control characters,
/// no reserved names, bounded length.
pub fn safe_name(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_control() || "/\\:*?\"<>|".contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    out = out.trim().trim_matches('.').to_string();
    if out.is_empty() {
        out = "_".into();
    }
    let upper = out.to_uppercase();
    let stem = upper.split('.').next().unwrap_or("");
    if [
        "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "LPT1", "LPT2", "LPT3",
    ]
    .contains(&stem)
    {
        out = format!("_{out}");
    }
    out.chars().take(120).collect()
}

/// Where an image folder's files go, and what it leaves out.
pub(super) struct FolderPlan {
    /// `(row, target)` per file, in row order: the row's media file or text goes there.
    pub(super) files: Vec<(usize, PathBuf)>,
    /// Label → its folder's name (sanitised; numbered where two labels sanitise alike).
    pub(super) folders: BTreeMap<String, String>,
    /// Files per label.
    pub(super) labels: BTreeMap<String, usize>,
    /// Rows left out, by why (`no_media`, `no_label`).
    pub(super) skipped: BTreeMap<String, usize>,
}

/// `name`, or `name-2`, `name-3`, … (before the extension, if any): the first not in `used`
/// (compared case-insensitively, so names stay distinct on case-insensitive file systems).
fn unique_name(used: &mut std::collections::HashSet<String>, stem: &str, ext: &str) -> String {
    let with = |s: &str| {
        if ext.is_empty() {
            s.to_string()
        } else {
            format!("{s}.{ext}")
        }
    };
    let mut name = with(stem);
    let mut n = 1;
    while used.contains(&name.to_lowercase()) {
        n += 1;
        name = with(&format!("{stem}-{n}"));
    }
    used.insert(name.to_lowercase());
    name
}

/// The plan for every exported item with media and a label (final, else given):
/// `<root>[/<split>]/<label>/<item>.<ext>`, names sanitised and clashes numbered, every target
/// checked to stay inside `root`. Nothing is written.
pub(super) fn plan_imagefolder(rows: &[Row], root: &Path) -> Result<FolderPlan> {
    let label_of = |r: &Row| r.label.clone();
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    // Folder names for labels, assigned in label order so they do not depend on row order.
    let mut folders: BTreeMap<String, String> = BTreeMap::new();
    for r in rows {
        if let (true, Some(label)) = (r.abs_path.is_some() || r.text.is_some(), label_of(r)) {
            folders.entry(label).or_default();
        }
    }
    let split = rows.iter().any(|r| r.split.is_some());
    // Beside the label folders (without a split): the lineage file.
    let mut used_dirs: std::collections::HashSet<String> =
        ["lineage.json".to_string()].into_iter().collect();
    for (label, dir) in folders.iter_mut() {
        *dir = unique_name(&mut used_dirs, &safe_name(label), "");
    }
    let mut used: HashMap<PathBuf, std::collections::HashSet<String>> = HashMap::new();
    let mut files = Vec::new();
    let mut labels: BTreeMap<String, usize> = BTreeMap::new();
    for (row, r) in rows.iter().enumerate() {
        let ext = match (&r.abs_path, &r.text) {
            (Some(src), _) => src
                .extension()
                .map(|e| safe_name(&e.to_string_lossy()))
                .unwrap_or_default(),
            (None, Some(_)) => "txt".to_string(),
            (None, None) => {
                *skipped.entry("no_media".into()).or_default() += 1;
                continue;
            }
        };
        let Some(label) = label_of(r) else {
            *skipped.entry("no_label".into()).or_default() += 1;
            continue;
        };
        let mut dir = root.to_path_buf();
        if let Some(s) = &r.split {
            dir.push(safe_name(s));
        }
        dir.push(&folders[&label]);
        // A text folder's ids end in `.txt` already: not `a.txt.txt`.
        let id = match (&r.text, r.item_id.strip_suffix(".txt")) {
            (Some(_), Some(stem)) if r.abs_path.is_none() => stem,
            _ => r.item_id.as_str(),
        };
        let stem = safe_name(&id.replace(['/', '\\'], "_"));
        let name = unique_name(used.entry(dir.clone()).or_default(), &stem, &ext);
        let target = dir.join(name);
        // Lexically inside the export root, component by component.
        let rel = target.strip_prefix(root).map_err(|_| {
            Error::InvalidArgument(format!("refusing to write outside {}", root.display()))
        })?;
        if rel.components().any(|c| !matches!(c, Component::Normal(_)))
            || rel.components().count() != if split { 3 } else { 2 }
        {
            return Err(Error::InvalidArgument(format!(
                "refusing to write {} outside {}",
                target.display(),
                root.display()
            )));
        }
        *labels.entry(label).or_default() += 1;
        files.push((row, target));
    }
    Ok(FolderPlan {
        files,
        folders,
        labels,
        skipped,
    })
}

/// Copy every planned file into the staged folder, reporting each and checking `cancel`
/// between files. Each file is read, checked against what was imported (its path still inside
/// the dataset root, its content hash unchanged) and written as a new file: never a link to
/// the source, so nothing done to the export can change the dataset.
pub(super) fn write_imagefolder(
    rows: &[Row],
    staged: &destination::Staged,
    progress: &mut dyn FnMut(ExportProgress),
    cancel: &AtomicBool,
) -> Result<FolderPlan> {
    let root = staged.tmp().to_path_buf();
    let plan = plan_imagefolder(rows, &root)?;
    let total = plan.files.len() as u64;
    progress(ExportProgress {
        stage: ExportStage::Linking,
        done: 0,
        total,
    });
    for (i, (row, target)) in plan.files.iter().enumerate() {
        check(cancel)?;
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(|e| destination::write_err(dir, e))?;
        }
        let r = &rows[*row];
        let bytes = match (&r.abs_path, &r.text) {
            (Some(src), _) => crate::media::read_verified(
                src,
                r.media_root.as_deref().unwrap_or(src),
                r.media_hash.as_ref(),
            )?,
            (None, Some(text)) => text.as_bytes().to_vec(),
            (None, None) => continue,
        };
        std::fs::write(target, &bytes).map_err(|e| destination::write_err(target, e))?;
        progress(ExportProgress {
            stage: ExportStage::Linking,
            done: i as u64 + 1,
            total,
        });
    }
    Ok(plan)
}
