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
            details: crate::json::from_json_column(&details, 3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn damaged_details_are_an_error_not_null() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = crate::Project::create(dir.path(), None, &[]).expect("project");
        p.conn()
            .execute(
                "INSERT INTO audit_log (at, actor, action, details) VALUES ('t', 'x', 'y', '{broken')",
                [],
            )
            .expect("damage");
        let e = super::recent(&p, 5).expect_err("damaged details");
        assert_eq!(e.code(), crate::error::ErrorCode::Internal);
        assert!(e.to_string().contains("at index: 3"), "{e}");
    }
}
