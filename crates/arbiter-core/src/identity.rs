//! Portable identity: the project's id, this copy's replica id, and the stamp (a UUIDv7 `uid`,
//! the replica it was made on, its sequence number there) every event carries, so that copies
//! of one project on several machines exchange their events and merge exactly (see `sync`).
//!
//! Settings are last-writer-wins registers over their events (`setting_events`): a key's value
//! is that of its latest event by (time, uid), the same on every replica whatever order the
//! events arrived in. [`apply_settings`] writes the winners into the tables the rest of the core
//! reads (`settings`, `project.ordinal_labels`, `labels`, and the gold answers: `gold`).

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::time::NOW_SQL;

/// A new global id: a UUIDv7 (time-ordered), hyphenated lowercase.
pub(crate) fn new_uid() -> String {
    uuid::Uuid::now_v7().hyphenated().to_string()
}

/// A UUIDv7 for a row made at `at` (an RFC 3339 time) before ids existed: ordered by `at`, and
/// by `context` among rows of the same millisecond.
fn uid_at(context: &uuid::ContextV7, at: &str) -> String {
    let (secs, ms) = crate::time::parse(at).unwrap_or((0, 0));
    let ts = uuid::Timestamp::from_unix(
        context,
        secs.max(0) as u64,
        (ms.clamp(0, 999) as u32) * 1_000_000,
    );
    uuid::Uuid::new_v7(ts).hyphenated().to_string()
}

/// What identifies a database file on this machine: its device and inode where the platform
/// has them (a rename or a move within the disk keeps them; a copy does not), else its path.
pub(crate) fn file_key(db: &Path) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let Ok(m) = std::fs::metadata(db) {
            return format!("{}:{}", m.dev(), m.ino());
        }
    }
    db.canonicalize()
        .unwrap_or_else(|_| db.to_path_buf())
        .display()
        .to_string()
}

/// The project's id and this copy's replica id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    pub project_id: String,
    pub replica_id: String,
}

pub fn identity(project: &crate::Project) -> Result<Identity> {
    identity_in(project.conn())
}

pub(crate) fn identity_in(conn: &Connection) -> Result<Identity> {
    Ok(conn.query_row(
        "SELECT p.uid, o.uid FROM project p, replica r JOIN origins o ON o.id = r.origin WHERE p.id = 1 AND r.id = 1",
        [],
        |r| {
            Ok(Identity {
                project_id: r.get(0)?,
                replica_id: r.get(1)?,
            })
        },
    )?)
}

/// The `origins` row of a replica id, made when new.
pub(crate) fn origin_id(conn: &Connection, uid: &str) -> Result<i64> {
    if let Some(id) = conn
        .prepare_cached("SELECT id FROM origins WHERE uid = ?1")?
        .query_row([uid], |r| r.get(0))
        .optional()?
    {
        return Ok(id);
    }
    conn.prepare_cached("INSERT INTO origins (uid) VALUES (?1)")?
        .execute([uid])?;
    Ok(conn.last_insert_rowid())
}

/// The stamp of a new local event.
#[derive(Debug, Clone)]
pub(crate) struct Stamp {
    pub uid: String,
    pub origin: i64,
    pub seq: i64,
}

/// Stamp a new event made on this replica: its uid and the replica's next sequence number.
/// Call inside the transaction that writes the event.
pub(crate) fn next_stamp(conn: &Connection) -> Result<Stamp> {
    let (origin, seq) = conn
        .prepare_cached(
            "UPDATE origins SET seen = seen + 1 WHERE id = (SELECT origin FROM replica WHERE id = 1) RETURNING id, seen",
        )?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(Stamp {
        uid: new_uid(),
        origin,
        seq,
    })
}

/// Make sure the project has its ids, called whenever a project is opened for writing (and when
/// one is created): the project id, this copy's replica id (a new one when the database file is
/// not the one the id was given to: a copy), ids for rows made before they existed, the
/// settings' events, and the media folders copied into the project re-pointed when the project
/// folder moved. Changes nothing (and takes no write lock) when everything is in place.
pub(crate) fn ensure(conn: &mut Connection, root: &Path, db: &Path) -> Result<()> {
    let key = file_key(db);
    if settled(conn, root, &key)? {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    ensure_in(&tx, root, &key)?;
    tx.commit()?;
    Ok(())
}

fn settled(conn: &Connection, root: &Path, key: &str) -> Result<bool> {
    let ok: bool = conn.query_row(
        "SELECT (SELECT uid IS NOT NULL FROM project WHERE id = 1)
            AND EXISTS (SELECT 1 FROM replica WHERE id = 1 AND file_key = ?1)
            AND NOT EXISTS (SELECT 1 FROM annotations WHERE uid IS NULL)
            AND NOT EXISTS (SELECT 1 FROM queues WHERE uid IS NULL)
            AND NOT EXISTS (SELECT 1 FROM runs WHERE uid IS NULL)
            AND NOT EXISTS (SELECT 1 FROM labels l WHERE NOT EXISTS
                (SELECT 1 FROM setting_events e WHERE e.key = 'label:' || l.name))
            AND EXISTS (SELECT 1 FROM setting_events WHERE key = 'decision_rule')",
        [key],
        |r| r.get(0),
    )?;
    if !ok {
        return Ok(false);
    }
    Ok(misplaced_media(conn, root)?.is_empty())
}

/// Versions whose media were copied into the project, with the root they should have now.
fn misplaced_media(conn: &Connection, root: &Path) -> Result<Vec<(i64, String)>> {
    let mut stmt = conn.prepare(
        "SELECT id, root, media_in_project FROM dataset_versions WHERE media_in_project IS NOT NULL",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, current, rel) = row?;
        let want = root.join(&rel).display().to_string();
        if current != want {
            out.push((id, want));
        }
    }
    Ok(out)
}

pub(crate) fn ensure_in(conn: &Connection, root: &Path, key: &str) -> Result<()> {
    conn.execute(
        "UPDATE project SET uid = ?1 WHERE id = 1 AND uid IS NULL",
        [new_uid()],
    )?;
    let current: Option<String> = conn
        .query_row("SELECT file_key FROM replica WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?;
    match current {
        None => {
            let origin = origin_id(conn, &new_uid())?;
            conn.execute(
                &format!("INSERT INTO replica (id, origin, file_key, since) VALUES (1, ?1, ?2, {NOW_SQL})"),
                rusqlite::params![origin, key],
            )?;
        }
        Some(k) if k != key => renew(conn, key, "the project's database is a copy (another file than the one this replica id was given to)")?,
        Some(_) => {}
    }
    backfill(conn)?;
    for (id, want) in misplaced_media(conn, root)? {
        conn.execute(
            "UPDATE dataset_versions SET root = ?2 WHERE id = ?1",
            rusqlite::params![id, want],
        )?;
    }
    Ok(())
}

/// Give this copy a new replica id (its events from now on are its own), audited.
pub(crate) fn renew(conn: &Connection, key: &str, why: &str) -> Result<()> {
    let before: Option<String> = conn
        .query_row(
            "SELECT o.uid FROM replica r JOIN origins o ON o.id = r.origin WHERE r.id = 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let uid = new_uid();
    let origin = origin_id(conn, &uid)?;
    conn.execute(
        &format!(
            "INSERT OR REPLACE INTO replica (id, origin, file_key, since) VALUES (1, ?1, ?2, {NOW_SQL})"
        ),
        rusqlite::params![origin, key],
    )?;
    crate::audit::record(
        conn,
        "arbiter",
        "replica.new",
        &serde_json::json!({ "replica": uid, "was": before, "why": why }),
    )?;
    Ok(())
}

/// Ids and stamps for rows made before they existed (in the order they were made), and the
/// settings' first events.
fn backfill(conn: &Connection) -> Result<()> {
    let context = uuid::ContextV7::new();
    // Annotations: in id order, so a retraction comes after what it retracts.
    let rows: Vec<(i64, String)> = conn
        .prepare("SELECT id, created_at FROM annotations WHERE uid IS NULL ORDER BY id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, at) in rows {
        let s = next_stamp(conn)?;
        conn.prepare_cached(
            "UPDATE annotations SET uid = ?2, origin = ?3, seq = ?4 WHERE id = ?1",
        )?
        .execute(rusqlite::params![
            id,
            uid_at(&context, &at),
            s.origin,
            s.seq
        ])?;
    }
    let rows: Vec<(i64, String, bool)> = conn
        .prepare("SELECT id, started_at, status = 'done' FROM runs WHERE uid IS NULL ORDER BY id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, at, done) in rows {
        conn.execute(
            "UPDATE runs SET uid = ?2 WHERE id = ?1",
            rusqlite::params![id, uid_at(&context, &at)],
        )?;
        if done {
            stamp_run(conn, id)?;
        }
    }
    let rows: Vec<(i64, String, i64)> = conn
        .prepare("SELECT id, created_at, run_id FROM queues WHERE uid IS NULL ORDER BY id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, at, run) in rows {
        stamp_run(conn, run)?;
        let s = next_stamp(conn)?;
        conn.execute(
            "UPDATE queues SET uid = ?2, origin = ?3, seq = ?4 WHERE id = ?1",
            rusqlite::params![id, uid_at(&context, &at), s.origin, s.seq],
        )?;
    }
    let has_rule: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM setting_events WHERE key = 'decision_rule')",
        [],
        |r| r.get(0),
    )?;
    if !has_rule {
        let rule: String = conn.query_row(
            "SELECT value FROM settings WHERE key = 'decision_rule'",
            [],
            |r| r.get(0),
        )?;
        let rule: serde_json::Value = serde_json::from_str(&rule)
            .unwrap_or_else(|_| serde_json::json!({"min_annotators": 1}));
        record_setting(conn, "decision_rule", &rule, "arbiter")?;
        let ordinal: bool = conn.query_row(
            "SELECT ordinal_labels = 1 FROM project WHERE id = 1",
            [],
            |r| r.get(0),
        )?;
        record_setting(
            conn,
            "ordinal_labels",
            &serde_json::json!(ordinal),
            "arbiter",
        )?;
    }
    let undefined: Vec<(String, LabelDef)> = conn
        .prepare(
            "SELECT name, hotkey, color, guideline FROM labels l
             WHERE NOT EXISTS (SELECT 1 FROM setting_events e WHERE e.key = 'label:' || l.name) ORDER BY position",
        )?
        .query_map([], label_row)?
        .collect::<rusqlite::Result<_>>()?;
    for (name, def) in undefined {
        record_label(conn, &name, &def, "arbiter")?;
    }
    Ok(())
}

/// Stamp a run as an event (once): when it is done, or when a queue is saved on it.
pub(crate) fn stamp_run(conn: &Connection, run: i64) -> Result<()> {
    let stamped: bool = conn.query_row(
        "SELECT seq IS NOT NULL FROM runs WHERE id = ?1",
        [run],
        |r| r.get(0),
    )?;
    if stamped {
        return Ok(());
    }
    let s = next_stamp(conn)?;
    conn.execute(
        "UPDATE runs SET uid = COALESCE(uid, ?2), origin = ?3, seq = ?4 WHERE id = ?1",
        rusqlite::params![run, s.uid, s.origin, s.seq],
    )?;
    Ok(())
}

/// A label as its `label:NAME` setting holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelDef {
    pub hotkey: Option<String>,
    pub color: String,
    pub guideline: Option<String>,
    /// Example items of the guideline (item ids), kept in the setting event only (not in the
    /// `labels` table): `schema::examples` reads them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<String>,
}

/// The default correction reasons of a new project (docs/contract.md), re-exported by `schema`.
pub const DEFAULT_REASONS: &[(&str, &str)] = &[
    ("model_wrong", "The model's prediction is wrong"),
    (
        "ambiguous",
        "The item is ambiguous; more than one label could apply",
    ),
    (
        "bad_input",
        "The input is broken, unreadable or out of scope",
    ),
    (
        "label_missing_from_schema",
        "The right label is not in the schema",
    ),
    ("given_label_wrong", "The dataset's given label is wrong"),
    ("other", "Another reason, explained in the note"),
];

/// A correction reason as its `reason:CODE` setting holds it (`schema::add_reason`,
/// `schema::retire_reason`); the default reasons have no event until one changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonDef {
    pub description: String,
    #[serde(default)]
    pub retired: bool,
}

fn label_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, LabelDef)> {
    Ok((
        r.get(0)?,
        LabelDef {
            hotkey: r.get(1)?,
            color: r.get(2)?,
            guideline: r.get(3)?,
            examples: Vec::new(),
        },
    ))
}

pub(crate) fn label_key(name: &str) -> String {
    format!("label:{name}")
}

/// Record a setting's new value as an event made here (the caller applies it).
pub(crate) fn record_setting(
    conn: &Connection,
    key: &str,
    value: &serde_json::Value,
    actor: &str,
) -> Result<()> {
    let s = next_stamp(conn)?;
    conn.prepare_cached(&format!(
        "INSERT INTO setting_events (uid, origin, seq, key, value, actor, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, {NOW_SQL})"
    ))?
    .execute(rusqlite::params![s.uid, s.origin, s.seq, key, value.to_string(), actor])?;
    Ok(())
}

pub(crate) fn record_label(
    conn: &Connection,
    name: &str,
    def: &LabelDef,
    actor: &str,
) -> Result<()> {
    record_setting(conn, &label_key(name), &serde_json::json!(def), actor)
}

/// Write the settings' winning values (latest event by time, then uid) into the tables the
/// core reads: the decision rule, the ordinal switch, and the labels — placed in the order of
/// their first events, each with its latest definition; when two labels claim one hotkey, the
/// later definition keeps it. The same events give the same tables on every replica.
pub(crate) fn apply_settings(conn: &Connection) -> Result<()> {
    let mut latest: BTreeMap<String, String> = BTreeMap::new();
    let mut first: Vec<String> = Vec::new();
    let mut latest_at: BTreeMap<String, (String, String)> = BTreeMap::new();
    {
        let mut stmt =
            conn.prepare("SELECT key, value, at, uid FROM setting_events ORDER BY at, uid")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let key: String = r.get(0)?;
            if !latest.contains_key(&key) {
                first.push(key.clone());
            }
            latest.insert(key.clone(), r.get(1)?);
            latest_at.insert(key, (r.get(2)?, r.get(3)?));
        }
    }
    if let Some(v) = latest.get("decision_rule") {
        conn.execute(
            "INSERT INTO settings (key, value) VALUES ('decision_rule', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE value != excluded.value",
            [v],
        )?;
    }
    if let Some(v) = latest.get("ordinal_labels") {
        let on = v.trim() == "true";
        conn.execute(
            "UPDATE project SET ordinal_labels = ?1 WHERE id = 1 AND ordinal_labels != ?1",
            [i64::from(on)],
        )?;
    }
    // The labels as the events define them, in schema order.
    let mut wanted: Vec<(String, LabelDef)> = Vec::new();
    for key in &first {
        let Some(name) = key.strip_prefix("label:") else {
            continue;
        };
        let mut def: LabelDef = serde_json::from_str(&latest[key]).map_err(|e| {
            crate::Error::InvalidArgument(format!(
                "the definition of label {name:?} cannot be read: {e}"
            ))
        })?;
        // Examples live in the events only.
        def.examples.clear();
        wanted.push((name.to_string(), def));
    }
    // Reasons added or retired: their codes exist in `reasons` (annotations name them), in the
    // order of their first events after the default ones; descriptions follow the latest event.
    for key in &first {
        let Some(code) = key.strip_prefix("reason:") else {
            continue;
        };
        let def: ReasonDef = serde_json::from_str(&latest[key]).map_err(|e| {
            crate::Error::InvalidArgument(format!(
                "the definition of reason {code:?} cannot be read: {e}"
            ))
        })?;
        let updated = conn.execute(
            "UPDATE reasons SET description = ?2 WHERE code = ?1 AND description != ?2",
            rusqlite::params![code, def.description],
        )?;
        if updated == 0 {
            conn.execute(
                "INSERT OR IGNORE INTO reasons (code, description, position)
                 VALUES (?1, ?2, (SELECT COALESCE(MAX(position), -1) + 1 FROM reasons))",
                rusqlite::params![code, def.description],
            )?;
        }
    }
    // Added reasons after the default ones, in the order of their first events: the same
    // order on every replica, whatever order the events arrived in.
    let added: Vec<&str> = first
        .iter()
        .filter_map(|k| k.strip_prefix("reason:"))
        .filter(|c| !DEFAULT_REASONS.iter().any(|(d, _)| d == c))
        .collect();
    let base = DEFAULT_REASONS.len() as i64;
    let mut in_place = true;
    for (i, code) in added.iter().enumerate() {
        let pos: Option<i64> = conn
            .query_row(
                "SELECT position FROM reasons WHERE code = ?1",
                [code],
                |r| r.get(0),
            )
            .optional()?;
        in_place &= pos == Some(base + i as i64);
    }
    if !in_place {
        for code in &added {
            conn.execute(
                "UPDATE reasons SET position = -1 - position WHERE code = ?1",
                [code],
            )?;
        }
        for (i, code) in added.iter().enumerate() {
            conn.execute(
                "UPDATE reasons SET position = ?2 WHERE code = ?1",
                rusqlite::params![code, base + i as i64],
            )?;
        }
    }
    // Hotkeys: the latest definition claiming a key keeps it.
    let mut by_recency: Vec<usize> = (0..wanted.len()).collect();
    by_recency.sort_by(|a, b| {
        latest_at[&label_key(&wanted[*b].0)].cmp(&latest_at[&label_key(&wanted[*a].0)])
    });
    let mut taken: HashSet<String> = HashSet::new();
    for i in by_recency {
        if let Some(k) = wanted[i].1.hotkey.clone() {
            if !taken.insert(k) {
                wanted[i].1.hotkey = None;
            }
        }
    }
    let current: Vec<(String, LabelDef)> = conn
        .prepare("SELECT name, hotkey, color, guideline FROM labels ORDER BY position")?
        .query_map([], label_row)?
        .collect::<rusqlite::Result<_>>()?;
    let mut names_in_table: Vec<&str> = current.iter().map(|(n, _)| n.as_str()).collect();
    // Labels without any event (none after the backfill) stay after the defined ones.
    names_in_table.retain(|n| !wanted.iter().any(|(w, _)| w == n));
    let same = current == wanted;
    if same {
        // Gold answers name labels: applied once the labels are.
        return crate::answer_key::apply(conn);
    }
    // Clear positions and hotkeys first (both unique), then set them.
    conn.execute(
        "UPDATE labels SET position = -1 - position, hotkey = NULL",
        [],
    )?;
    for (pos, (name, def)) in wanted.iter().enumerate() {
        let updated = conn.execute(
            "UPDATE labels SET position = ?2, hotkey = ?3, color = ?4, guideline = ?5 WHERE name = ?1",
            rusqlite::params![name, pos as i64, def.hotkey, def.color, def.guideline],
        )?;
        if updated == 0 {
            conn.execute(
                "INSERT INTO labels (name, hotkey, color, guideline, position) VALUES (?1, ?2, ?3, ?4, ?5)",
                rusqlite::params![name, def.hotkey, def.color, def.guideline, pos as i64],
            )?;
        }
    }
    for (i, name) in names_in_table.iter().enumerate() {
        conn.execute(
            "UPDATE labels SET position = ?2 WHERE name = ?1",
            rusqlite::params![name, (wanted.len() + i) as i64],
        )?;
    }
    crate::answer_key::apply(conn)
}

#[cfg(test)]
mod tests;
