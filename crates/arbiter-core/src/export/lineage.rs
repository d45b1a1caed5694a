//! The lineage manifest of an export: what was exported, from which dataset version, with
//! which run's predictions, under which queues, rule and annotators, the agreement and the
//! filters — so the same export can be understood and reproduced later.

use std::collections::BTreeMap;

use super::rows::Selection;
use super::ExportOptions;
use crate::decide;
use crate::error::Result;
use crate::store::Project;

/// What the export wrote, for the manifest.
pub(super) struct Written<'a> {
    pub rows: usize,
    pub labels: &'a BTreeMap<String, usize>,
    pub skipped: &'a BTreeMap<String, usize>,
    pub folders: Option<&'a BTreeMap<String, String>>,
    pub target: Option<&'a super::TargetGate>,
}

/// The manifest, as pretty JSON.
pub(super) fn manifest(
    project: &Project,
    opts: &ExportOptions,
    sel: &Selection,
    written: Written<'_>,
) -> Result<String> {
    let version = &sel.version;
    let (labels, skipped, folders) = (written.labels, written.skipped, written.folders);
    let target = written.target;
    let written = written.rows;
    let conn = project.conn();
    let dataset_name: String = conn.query_row(
        "SELECT d.name FROM datasets d JOIN dataset_versions v ON v.dataset_id = d.id WHERE v.id = ?1",
        [version.id],
        |r| r.get(0),
    )?;
    let agreement = crate::metrics::agreement::report_on(
        &sel.ratings,
        &crate::metrics::project_scale_in(conn)?,
    );
    let now: String = conn.query_row(&format!("SELECT {}", crate::time::NOW_SQL), [], |r| {
        r.get(0)
    })?;
    let mut lineage = serde_json::json!({
        "arbiter_version": crate::VERSION,
        "exported_at": now,
        "project": project.name()?,
        "dataset": { "name": dataset_name, "version_id": version.id, "version": version.version, "content_hash": version.content_hash,
            "source": version.source, "root": version.root },
        "run": sel.run,
        "predictions": sel.predictions,
        "queues": queues_over(conn, version.id)?,
        "decision_rule": decide::rule_in(conn)?,
        // The certified auto-accept deciding items by the rule `auto` (threshold, temperature,
        // sample, risk, delta, bound; who applied it and when); null when none is in force.
        "auto_accept": crate::calibrated::auto_accept_in(conn)?,
        // The label schema the export was made under: its version (the same on every replica
        // holding the same events), each label's guideline and examples, the retired reasons.
        "schema": {
            "version": crate::schema::schema_version_in(conn)?,
            "labels": crate::schema::labels_in(conn)?.into_iter().map(|l| serde_json::json!({
                "name": l.name, "guideline": l.guideline,
            })).collect::<Vec<_>>(),
            "examples": crate::schema::examples_in(conn)?,
            "retired_reasons": crate::schema::retired_in(conn)?,
        },
        "annotators": crate::annotators::annotators_in(conn)?,
        "agreement": agreement,
        // The target, the figure it was checked on, and which way the export went (`met` or
        // `allowed_below_target`); null when no target is set.
        "agreement_target": target,
        "filters": {
            "only_decided": opts.only_decided, "min_agreement": opts.min_agreement, "exclude_reasons": sel.exclude_reasons,
            "validation_share": opts.validation_share, "seed": opts.seed, "excluded": sel.excluded,
        },
        "format": opts.format.as_str(),
        "rows": written,
        "labels": labels,
        "skipped": skipped,
    });
    if let Some(folders) = &folders {
        lineage["folders"] = serde_json::json!(folders);
    }
    // A `Value`'s pretty form (what `to_string_pretty` writes, but infallible: no empty file).
    Ok(format!("{lineage:#}"))
}

/// The saved queues over a version (over any of its runs), with their full policy.
fn queues_over(conn: &rusqlite::Connection, version_id: i64) -> Result<Vec<serde_json::Value>> {
    let mut stmt = conn.prepare(
        "SELECT q.id, q.name, q.run_id, q.other_run_id, q.strategy, q.threshold, q.seed, q.limit_n,
                q.overlap_share, q.overlap_k, q.blind, q.lease_seconds, q.created_at, q.uid, q.assignees
         FROM queues q JOIN runs r ON r.id = q.run_id WHERE r.version_id = ?1 ORDER BY q.id",
    )?;
    let rows = stmt.query_map([version_id], |r| {
        Ok(serde_json::json!({
            "id": r.get::<_, i64>(0)?,
            "name": r.get::<_, String>(1)?,
            "run": r.get::<_, i64>(2)?,
            "other_run": r.get::<_, Option<i64>>(3)?,
            "strategy": r.get::<_, String>(4)?,
            "threshold": r.get::<_, Option<f64>>(5)?,
            "seed": r.get::<_, i64>(6)? as u64,
            "limit": r.get::<_, Option<i64>>(7)?,
            "overlap_share": r.get::<_, f64>(8)?,
            "overlap_k": r.get::<_, i64>(9)?,
            "blind": r.get::<_, bool>(10)?,
            "lease_seconds": r.get::<_, i64>(11)?,
            "created_at": r.get::<_, String>(12)?,
            "uid": r.get::<_, Option<String>>(13)?,
            // The work split (`--assign`): the annotators the items went to, or null.
            "assignees": r
                .get::<_, Option<String>>(14)?
                .map(|t| crate::store::from_json_column::<Vec<String>>(&t, 14))
                .transpose()?,
        }))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
