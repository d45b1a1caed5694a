//! Metrics: inter-annotator agreement (pure functions over (item, annotator, label) triples).

pub mod agreement;

use rusqlite::Connection;

use crate::error::Result;
use agreement::Rating;

/// The project's ratings for agreement: each annotator's latest live (not retracted) label per
/// item; reviewers' overrides are decisions, not independent ratings, and are left out.
pub fn project_ratings(conn: &Connection, version_id: Option<i64>) -> Result<Vec<Rating>> {
    let mut stmt = conn.prepare(
        "SELECT i.ext_id, w.name, l.name FROM annotations a
         JOIN items i ON i.id = a.item_id JOIN annotators w ON w.id = a.annotator_id JOIN labels l ON l.id = a.label_id
         WHERE a.kind = 'label' AND a.source != 'override' AND (?1 IS NULL OR i.version_id = ?1)
           AND NOT EXISTS (SELECT 1 FROM annotations r WHERE r.retracts = a.id)
         ORDER BY a.id",
    )?;
    let rows = stmt.query_map([version_id], |r| {
        Ok(Rating {
            item: r.get(0)?,
            annotator: r.get(1)?,
            label: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Record a computed agreement in the project's history.
pub fn record(
    conn: &Connection,
    scope: &str,
    annotations: usize,
    report: &agreement::Report,
) -> Result<()> {
    conn.execute(
        &format!("INSERT INTO agreement_history (at, scope, annotations, report) VALUES ({}, ?1, ?2, ?3)", crate::store::NOW_SQL),
        rusqlite::params![scope, annotations as i64, serde_json::to_string(report).unwrap_or_default()],
    )?;
    Ok(())
}

/// Ratings from a file of `item_id, annotator, label` (.csv or .jsonl), no project needed.
pub fn file_ratings(path: &std::path::Path) -> Result<Vec<Rating>> {
    let rows = crate::annotate::read_file(path)?;
    let mut problems = Vec::new();
    let csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    for (i, r) in rows.iter().enumerate() {
        if r.item_id.trim().is_empty() || r.annotator.trim().is_empty() || r.label.trim().is_empty()
        {
            problems.push(crate::error::Problem {
                row: Some(i + 1),
                line: Some(if csv { i + 2 } else { i + 1 }),
                message: "item_id, annotator and label must all be given".into(),
            });
        }
    }
    if !problems.is_empty() {
        return Err(crate::Error::InvalidSource {
            path: path.to_path_buf(),
            problems,
        });
    }
    Ok(rows
        .into_iter()
        .map(|r| Rating {
            item: r.item_id.trim().into(),
            annotator: r.annotator.trim().into(),
            label: r.label.trim().into(),
        })
        .collect())
}
