//! The audit log: one row per state-changing action (project created, dataset imported, …),
//! written in the same transaction as the change it records.

use rusqlite::Connection;
use serde::Serialize;

use crate::error::Result;
use crate::time::NOW_SQL;

/// Append an entry; call it inside the transaction that makes the change.
pub(crate) fn record(
    conn: &Connection,
    actor: &str,
    action: &str,
    details: &serde_json::Value,
) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO audit_log (at, actor, action, details) VALUES ({NOW_SQL}, ?1, ?2, ?3)"
    ))?
    .execute((actor, action, details.to_string()))?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub details: serde_json::Value,
}

/// The most recent entries, newest first.
pub fn recent(project: &crate::Project, limit: usize) -> Result<Vec<AuditEntry>> {
    let conn = project.conn();
    let mut stmt = conn.prepare_cached(
        "SELECT at, actor, action, details FROM audit_log ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit as i64], |r| {
        let details: String = r.get(3)?;
        Ok(AuditEntry {
            at: r.get(0)?,
            actor: r.get(1)?,
            action: r.get(2)?,
            details: serde_json::from_str(&details).unwrap_or(serde_json::Value::Null),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
