//! The rows an export writes: one per item of the dataset version, with its decision,
//! provenance, per-item agreement and the run's prediction, filtered and split as asked.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use rusqlite::OptionalExtension;
use serde::Serialize;

use super::{check, ExportOptions, ExportProgress, ExportStage, Format, Predictions, SELECT_CHUNK};
use crate::decide::{self, Status};
use crate::error::{Error, Result};
use crate::queue::seeded_key;
use crate::store::Project;

/// The run whose predictions an export carries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunUsed {
    pub run: i64,
    /// `NAME@VERSION`
    pub model: String,
    pub model_sha256: String,
    pub provider: String,
    pub status: String,
    /// `requested` (named by the caller) or `newest_finished` (the default).
    pub chosen: &'static str,
    #[serde(skip)]
    classes: Vec<String>,
}

/// One exported row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub item_id: String,
    pub path: Option<String>,
    /// A text item's text (the `text` column, written when the version holds texts).
    pub text: Option<String>,
    pub given_label: Option<String>,
    pub predicted: Option<String>,
    pub confidence: Option<f64>,
    pub final_label: Option<String>,
    /// `decided`, `conflict`, `pending` or `unannotated`.
    pub status: &'static str,
    /// How a decided label was decided: `override`, `unanimous` or `majority`.
    pub rule: Option<&'static str>,
    pub deciders: Option<String>,
    pub reasons: Option<String>,
    pub flags: Option<String>,
    /// Live label events (overrides included; not skips, flags or retractions).
    pub annotations: i64,
    pub item_agreement: Option<f64>,
    pub first_annotated: Option<String>,
    pub last_annotated: Option<String>,
    /// The final label when decided, else the given label.
    pub label: Option<String>,
    /// Where `label` comes from: `decided`, `given` or `none`.
    pub label_source: &'static str,
    /// Every live event's note, oldest first, as `annotator: note`, joined with ` | `.
    pub notes: Option<String>,
    pub split: Option<String>,
    /// In `dawid-skene` mode: the posterior probability of `final_label`.
    pub posterior: Option<f64>,
    /// In `dawid-skene` mode: every label's posterior probability, most probable first, as a
    /// JSON object (`{"cat":0.93,"dog":0.07}`; JSON so that any label name reads back).
    pub posteriors: Option<String>,
    /// The media file's absolute path, for an image folder (`None` for the tables).
    #[serde(skip)]
    pub abs_path: Option<PathBuf>,
    /// The dataset root the media must stay inside, and its content hash at import (image
    /// folders: each file is checked before it is copied).
    #[serde(skip)]
    pub media_root: Option<PathBuf>,
    #[serde(skip)]
    pub media_hash: Option<[u8; 32]>,
}

/// A posterior as a JSON object in its order (most probable first).
fn posteriors_json(p: &[decide::Posterior]) -> String {
    let entries: Vec<String> = p
        .iter()
        .map(|x| {
            format!(
                "{}:{}",
                serde_json::Value::from(x.label.as_str()),
                serde_json::Value::from(x.probability)
            )
        })
        .collect();
    format!("{{{}}}", entries.join(","))
}

/// Rows per final label, "(none)" for the undecided: a table export's label counts.
pub(super) fn final_label_counts(rows: &[Row]) -> BTreeMap<String, usize> {
    let mut labels: BTreeMap<String, usize> = BTreeMap::new();
    for r in rows {
        *labels
            .entry(r.final_label.clone().unwrap_or_else(|| "(none)".into()))
            .or_default() += 1;
    }
    labels
}

/// The rows an export would write.
pub fn rows(
    project: &Project,
    opts: &ExportOptions,
) -> Result<(crate::dataset::VersionInfo, Vec<Row>)> {
    let s = select_rows(project, opts, false, &mut |_| {}, &AtomicBool::new(false))?;
    Ok((s.version, s.rows))
}

/// The run [`Predictions`] names for a version: `(run, how)`, how as in
/// `ExportSummary::predictions`. The newest finished run is the one started last.
pub fn resolve_run(
    project: &Project,
    version_id: i64,
    choice: Predictions,
) -> Result<(Option<RunUsed>, &'static str)> {
    let conn = project.conn();
    let (run, chosen) = match choice {
        Predictions::None => return Ok((None, "none")),
        Predictions::Run(run) => {
            let v: i64 = conn
                .query_row("SELECT version_id FROM runs WHERE id = ?1", [run], |r| {
                    r.get(0)
                })
                .optional()?
                .ok_or(Error::NotFound {
                    what: "run",
                    name: run.to_string(),
                })?;
            if v != version_id {
                return Err(Error::InvalidArgument(format!(
                    "--run {run}: the run is over another dataset version; pick a run over the exported one, or leave --run out for the newest finished run"
                )));
            }
            (run, "requested")
        }
        Predictions::Newest => {
            let newest: Option<i64> = conn
                .query_row(
                    "SELECT id FROM runs WHERE version_id = ?1 AND status = 'done' ORDER BY id DESC LIMIT 1",
                    [version_id],
                    |r| r.get(0),
                )
                .optional()?;
            match newest {
                Some(run) => (run, "newest_finished"),
                None => return Ok((None, "no_finished_run")),
            }
        }
    };
    let (model_id, model, sha, provider, status): (i64, String, String, String, String) = conn
        .query_row(
            "SELECT m.id, m.name || '@' || m.version, m.sha256, r.provider, r.status FROM runs r JOIN models m ON m.id = r.model_id WHERE r.id = ?1",
            [run],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?;
    let classes = crate::model::get(conn, project.root(), model_id)?.classes;
    Ok((
        Some(RunUsed {
            run,
            model,
            model_sha256: sha,
            provider,
            status,
            chosen,
            classes,
        }),
        chosen,
    ))
}

/// The filters, checked before anything is read or written; returns the excluded codes
/// (trimmed, blanks dropped, duplicates removed, in the order given).
pub(super) fn validate_filters(project: &Project, opts: &ExportOptions) -> Result<Vec<String>> {
    if let Some(m) = opts.min_agreement {
        if !(0.0..=1.0).contains(&m) {
            return Err(Error::InvalidArgument(format!(
                "--min-agreement {m}: must be between 0 and 1 (the share of an item's agreeing vote pairs, e.g. 0.8)"
            )));
        }
    }
    if let Some(s) = opts.validation_share {
        if !(s > 0.0 && s < 1.0) {
            return Err(Error::InvalidArgument(format!(
                "--validation-share {s}: must be above 0 and below 1 (the share of each label that goes to validation, e.g. 0.2)"
            )));
        }
    }
    let known: Vec<String> = crate::schema::all_reasons(project)?
        .into_iter()
        .map(|r| r.code)
        .collect();
    let mut codes: Vec<String> = Vec::new();
    for code in opts.exclude_reasons.iter().map(|c| c.trim()) {
        if code.is_empty() || codes.iter().any(|c| c == code) {
            continue;
        }
        if !known.iter().any(|k| k == code) {
            return Err(Error::InvalidArgument(format!(
                "--exclude-reasons {code:?}: not one of the project's reason codes ({}); nothing was exported",
                known.join(", ")
            )));
        }
        codes.push(code.to_string());
    }
    Ok(codes)
}

/// What the filters selected, with the run its predictions come from.
pub(super) struct Selection {
    pub(super) version: crate::dataset::VersionInfo,
    pub(super) rows: Vec<Row>,
    /// Items left out per excluded reason code or flag (an item carrying two counts twice).
    pub(super) excluded: BTreeMap<String, usize>,
    /// The version's ratings for agreement, as [`crate::metrics::project_ratings`] reads them
    /// (for the lineage; empty unless asked for).
    pub(super) ratings: Vec<crate::metrics::agreement::Rating>,
    pub(super) run: Option<RunUsed>,
    pub(super) predictions: &'static str,
    pub(super) exclude_reasons: Vec<String>,
}

/// Per item, from its live events (borrowed from them).
#[derive(Default)]
struct Meta<'a> {
    reasons: std::collections::BTreeSet<&'a str>,
    flags: std::collections::BTreeSet<&'a str>,
    labels: i64,
    first: Option<&'a str>,
    last: Option<&'a str>,
    /// (annotator, label) — each annotator's latest own (non-override) label.
    votes: Vec<(&'a str, &'a str)>,
    /// (annotator, note), oldest first.
    notes: Vec<(&'a str, &'a str)>,
}

pub(super) fn select_rows(
    project: &Project,
    opts: &ExportOptions,
    with_ratings: bool,
    progress: &mut dyn FnMut(ExportProgress),
    cancel: &AtomicBool,
) -> Result<Selection> {
    let conn = project.conn();
    let version = crate::dataset::resolve_or_only_in(conn, opts.dataset.as_deref())?;
    let exclude = validate_filters(project, opts)?;
    let (run, how) = resolve_run(project, version.id, opts.predictions)?;
    let classes: &[String] = run.as_ref().map_or(&[], |r| r.classes.as_slice());
    progress(ExportProgress {
        stage: ExportStage::Deciding,
        done: 0,
        total: 0,
    });
    // The version's events, read once: decisions, per-item meta and the ratings come from them.
    let events = crate::annotate::list_version(conn, version.id)?;
    let mut decisions: HashMap<i64, decide::Decision> = decide::decisions_of(conn, &events)?
        .into_iter()
        .map(|d| (d.item, d))
        .collect();
    // Gold items nobody labeled are decided by their answers too, and the items the
    // auto-accept in force accepts by the rule `auto`.
    let voted: std::collections::HashSet<i64> = decisions.keys().copied().collect();
    for d in decide::without_votes(conn, Some(version.id), &voted)? {
        decisions.insert(d.item, d);
    }
    // Reasons, flags, label counts, own votes and times per item from the live events; and
    // the ratings for agreement (live labels that are not overrides, oldest first).
    let retracted: std::collections::HashSet<i64> =
        events.iter().filter_map(|e| e.retracts).collect();
    let mut meta: HashMap<i64, Meta> = HashMap::new();
    let mut ratings = Vec::new();
    for e in events
        .iter()
        .filter(|e| e.kind != crate::events::StoredKind::Retract && !retracted.contains(&e.id))
    {
        let m = meta.entry(e.item).or_default();
        if let Some(code) = &e.reason {
            m.reasons.insert(code);
        }
        if let Some(f) = e.flag {
            m.flags.insert(f.as_str());
        }
        if let Some(n) = &e.note {
            m.notes.push((&e.annotator, n));
        }
        if e.kind == crate::events::StoredKind::Label {
            m.labels += 1;
            if let (Some(label), false) = (&e.label, e.source == crate::events::Source::Override) {
                match m.votes.iter_mut().find(|(a, _)| *a == e.annotator) {
                    Some(v) => v.1 = label,
                    None => m.votes.push((&e.annotator, label)),
                }
                if with_ratings {
                    ratings.push(crate::metrics::agreement::Rating {
                        item: e.item_id.clone(),
                        annotator: e.annotator.clone(),
                        label: label.clone(),
                    });
                }
            }
        }
        let at = e.created_at.as_str();
        if m.first.is_none_or(|f| at < f) {
            m.first = Some(at);
        }
        if m.last.is_none_or(|l| at > l) {
            m.last = Some(at);
        }
    }
    check(cancel)?;
    let total = version.items.max(0) as u64;
    progress(ExportProgress {
        stage: ExportStage::Selecting,
        done: 0,
        total,
    });
    let mut seen = 0usize;
    let mut out = Vec::with_capacity(version.items as usize);
    let mut excluded: BTreeMap<String, usize> = BTreeMap::new();
    let mut stmt = conn.prepare(
        "SELECT i.id, i.ext_id, i.path, l.name, p.predicted, p.confidence, i.media_hash,
                (SELECT t.text FROM item_texts t WHERE t.item_id = i.id) FROM items i
         LEFT JOIN labels l ON l.id = i.label_id LEFT JOIN predictions p ON p.run_id = ?2 AND p.item_id = i.id
         WHERE i.version_id = ?1 ORDER BY i.id",
    )?;
    let root = PathBuf::from(&version.root);
    // Only an image folder reads the media files.
    let folder = opts.format == Format::ImageFolder;
    let mut q = stmt.query(rusqlite::params![version.id, run.as_ref().map(|r| r.run)])?;
    let joined = |set: &std::collections::BTreeSet<&str>| {
        (!set.is_empty()).then(|| set.iter().copied().collect::<Vec<_>>().join(";"))
    };
    while let Some(r) = q.next()? {
        seen += 1;
        if seen.is_multiple_of(SELECT_CHUNK) {
            check(cancel)?;
            progress(ExportProgress {
                stage: ExportStage::Selecting,
                done: seen as u64,
                total,
            });
        }
        let (item, ext_id, path, given, predicted, confidence): (
            i64,
            String,
            Option<String>,
            Option<String>,
            Option<i64>,
            Option<f64>,
        ) = (
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
        );
        let d = decisions.get(&item);
        let m = meta.get(&item);
        if opts.only_decided && d.is_none_or(|d| d.status != Status::Decided) {
            continue;
        }
        if let Some(m) = m {
            let mut out_by = exclude
                .iter()
                .filter(|c| m.reasons.contains(c.as_str()) || m.flags.contains(c.as_str()))
                .peekable();
            if out_by.peek().is_some() {
                for c in out_by {
                    *excluded.entry(c.clone()).or_default() += 1;
                }
                continue;
            }
        }
        let agreement = m.and_then(|m| item_agreement(&m.votes));
        if let Some(min) = opts.min_agreement {
            if agreement.is_none_or(|a| a < min) {
                continue;
            }
        }
        let final_label = d
            .filter(|d| d.status == Status::Decided)
            .and_then(|d| d.label.clone());
        let (label, label_source) = match (&final_label, &given) {
            (Some(l), _) => (Some(l.clone()), "decided"),
            (None, Some(g)) => (Some(g.clone()), "given"),
            (None, None) => (None, "none"),
        };
        out.push(Row {
            label,
            label_source,
            notes: m.filter(|m| !m.notes.is_empty()).map(|m| {
                m.notes
                    .iter()
                    .map(|(who, n)| format!("{who}: {n}"))
                    .collect::<Vec<_>>()
                    .join(" | ")
            }),
            item_id: ext_id,
            abs_path: path.as_ref().filter(|_| folder).map(|p| root.join(p)),
            media_root: folder.then(|| root.clone()),
            media_hash: if folder {
                r.get::<_, Option<Vec<u8>>>(6)?
                    .and_then(|h| <[u8; 32]>::try_from(h.as_slice()).ok())
            } else {
                None
            },
            path,
            text: r.get(7)?,
            given_label: given,
            predicted: predicted.and_then(|i| classes.get(i as usize).cloned()),
            confidence,
            final_label: d.and_then(|d| d.label.clone()),
            status: d.map_or("unannotated", |d| d.status.as_str()),
            rule: d.and_then(|d| d.rule).map(decide::How::as_str),
            deciders: d
                .filter(|d| !d.deciders.is_empty())
                .map(|d| d.deciders.join(";")),
            reasons: m.and_then(|m| joined(&m.reasons)),
            flags: m.and_then(|m| joined(&m.flags)),
            annotations: m.map_or(0, |m| m.labels),
            item_agreement: agreement,
            first_annotated: m.and_then(|m| m.first.map(String::from)),
            last_annotated: m.and_then(|m| m.last.map(String::from)),
            split: None,
            posterior: d.and_then(|d| d.probability),
            posteriors: d.and_then(|d| d.posterior.as_deref()).map(posteriors_json),
        });
    }
    if let Some(share) = opts.validation_share {
        assign_splits(&mut out, share, opts.seed);
    }
    check(cancel)?;
    progress(ExportProgress {
        stage: ExportStage::Selecting,
        done: seen as u64,
        total,
    });
    Ok(Selection {
        version,
        rows: out,
        excluded,
        ratings,
        run,
        predictions: how,
        exclude_reasons: exclude,
    })
}

/// Share of agreeing pairs among `(annotator, label)` votes (1 for a single vote).
pub(super) fn item_agreement(votes: &[(&str, &str)]) -> Option<f64> {
    match votes.len() {
        0 => None,
        1 => Some(1.0),
        n => {
            let mut counts: HashMap<&str, usize> = HashMap::new();
            for (_, label) in votes {
                *counts.entry(*label).or_default() += 1;
            }
            let agree: usize = counts.values().map(|c| c * (c - 1) / 2).sum();
            Some(agree as f64 / (n * (n - 1) / 2) as f64)
        }
    }
}

/// Stratified by final label (or given label): within each stratum, items ordered by a seeded
/// hash; the first round(share × n) go to validation.
pub(super) fn assign_splits(rows: &mut [Row], share: f64, seed: u64) {
    let mut strata: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        let key = r.label.clone().unwrap_or_default();
        strata.entry(key).or_default().push(i);
    }
    for idx in strata.values_mut() {
        idx.sort_by_cached_key(|&i| (seeded_key(seed, &rows[i].item_id), i));
        let n_val = (share * idx.len() as f64).round() as usize;
        for (k, &i) in idx.iter().enumerate() {
            rows[i].split = Some(if k < n_val { "validation" } else { "train" }.to_string());
        }
    }
}
