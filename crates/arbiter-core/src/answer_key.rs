//! The gold answers as stored (the `gold` module records and samples them): the `gold` table,
//! rebuilt from the `gold:` setting events by [`apply`], and the reads the decisions, the
//! scores and the queues make of it. It imports nothing of the core above the store, so every
//! module may read the answers.

use std::collections::{BTreeMap, HashMap};

use rusqlite::{Connection, OptionalExtension};

use crate::error::Result;

/// The prefix of a gold answer's setting key.
pub const KEY_PREFIX: &str = "gold:";

/// The labels of the schema: name → id, in schema order.
pub(crate) fn schema(conn: &Connection) -> Result<Vec<(String, i64)>> {
    let mut stmt = conn.prepare_cached("SELECT name, id FROM labels ORDER BY position")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The gold answers: item rowid → label id.
pub(crate) fn answers(conn: &Connection) -> Result<HashMap<i64, i64>> {
    let mut stmt = conn.prepare_cached("SELECT item_id, label_id FROM gold")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The gold answers with label names and when they were set: item rowid → (label, added at).
pub(crate) fn answer_labels(conn: &Connection) -> Result<HashMap<i64, (String, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT g.item_id, l.name, g.added_at FROM gold g JOIN labels l ON l.id = g.label_id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One item's answer and when it was set, if it is gold.
pub(crate) fn answer_labels_of(conn: &Connection, item: i64) -> Result<Option<(String, String)>> {
    Ok(conn
        .prepare_cached(
            "SELECT l.name, g.added_at FROM gold g JOIN labels l ON l.id = g.label_id WHERE g.item_id = ?1",
        )?
        .query_row([item], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// Rebuild the `gold` table from the `gold:` setting events: each key's latest event (by time,
/// then uid) wins; a removal, an item this copy does not hold (its dataset version not imported
/// here yet), or a label not in the schema leaves the item out. Rewrites the table only when
/// it changes.
pub(crate) fn apply(conn: &Connection) -> Result<()> {
    let mut latest: BTreeMap<String, (String, String, String)> = BTreeMap::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT key, value, actor, at FROM setting_events WHERE substr(key, 1, 5) = 'gold:' ORDER BY at, uid",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            latest.insert(r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?));
        }
    }
    let labels: HashMap<String, i64> = schema(conn)?.into_iter().collect();
    let mut find = conn.prepare_cached(
        "SELECT i.id FROM items i JOIN dataset_versions v ON v.id = i.version_id
              JOIN datasets d ON d.id = v.dataset_id
         WHERE d.name = ?1 AND v.content_hash = ?2 AND i.ext_id = ?3",
    )?;
    let mut wanted: BTreeMap<i64, (i64, String, String)> = BTreeMap::new();
    for (k, (value, actor, at)) in &latest {
        let Ok(serde_json::Value::Array(parts)) = serde_json::from_str(&k[KEY_PREFIX.len()..])
        else {
            continue;
        };
        let [dataset, hash, item] = parts.as_slice() else {
            continue;
        };
        let (Some(dataset), Some(hash), Some(item)) =
            (dataset.as_str(), hash.as_str(), item.as_str())
        else {
            continue;
        };
        let Some(label) = serde_json::from_str::<serde_json::Value>(value)
            .ok()
            .and_then(|v| v.get("label").and_then(|l| l.as_str()).map(str::to_string))
        else {
            continue; // removed
        };
        let Some(&label_id) = labels.get(&label) else {
            continue;
        };
        let Some(rowid): Option<i64> = find
            .query_row(rusqlite::params![dataset, hash, item], |r| r.get(0))
            .optional()?
        else {
            continue;
        };
        wanted.insert(rowid, (label_id, actor.clone(), at.clone()));
    }
    let current: BTreeMap<i64, (i64, String, String)> = {
        let mut stmt =
            conn.prepare_cached("SELECT item_id, label_id, added_by, added_at FROM gold")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?))))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    if current == wanted {
        return Ok(());
    }
    conn.execute("DELETE FROM gold", [])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO gold (item_id, label_id, added_by, added_at) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (item, (label, by, at)) in wanted {
        insert.execute(rusqlite::params![item, label, by, at])?;
    }
    Ok(())
}
