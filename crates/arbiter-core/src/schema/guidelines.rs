//! Guidelines and reasons as a versioned schema.
//!
//! A label's guideline and its example items ride on the label's setting event (`label:NAME`),
//! a correction reason added or retired on its own (`reason:CODE`): they are synchronised like
//! every setting and audited. The **schema version** is the number of schema events the project
//! holds (label definitions, reasons, the ordinal switch): every change adds one, and replicas
//! that exchanged their events hold the same events, so they report the same version.
//! A retired reason is no longer offered nor accepted on new events; the events that carry it
//! keep it, and export filters may still name it.

use std::collections::{BTreeMap, HashSet};

use rusqlite::Connection;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::identity::{LabelDef, ReasonDef};

/// The schema events, as a `WHERE` clause over `setting_events` (ranges use the key index).
const SCHEMA_KEYS: &str = "(key >= 'label:' AND key < 'label;') OR (key >= 'reason:' AND key < 'reason;') OR key = 'ordinal_labels'";

/// The project's schema version: how many schema events it holds.
pub fn schema_version(project: &crate::Project) -> Result<i64> {
    schema_version_in(project.conn())
}

pub(crate) fn schema_version_in(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row(
        &format!("SELECT COUNT(*) FROM setting_events WHERE {SCHEMA_KEYS}"),
        [],
        |r| r.get(0),
    )?)
}

/// Each label's example items (item ids), from its latest definition.
pub fn examples(project: &crate::Project) -> Result<BTreeMap<String, Vec<String>>> {
    examples_in(project.conn())
}

pub(crate) fn examples_in(conn: &Connection) -> Result<BTreeMap<String, Vec<String>>> {
    let mut stmt = conn.prepare_cached(
        "SELECT key, value FROM setting_events WHERE key >= 'label:' AND key < 'label;' ORDER BY at, uid",
    )?;
    let mut rows = stmt.query([])?;
    let mut out = BTreeMap::new();
    while let Some(r) = rows.next()? {
        let key: String = r.get(0)?;
        let text: String = r.get(1)?;
        let def: LabelDef = crate::store::from_json_column(&text, 1)?;
        out.insert(key["label:".len()..].to_string(), def.examples);
    }
    out.retain(|_, v: &mut Vec<String>| !v.is_empty());
    Ok(out)
}

/// Example item ids checked: each names an item of one of the project's datasets (else an
/// error naming it); duplicates dropped, order kept.
pub(crate) fn checked_examples(conn: &Connection, list: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    let mut exists =
        conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM items WHERE ext_id = ?1)")?;
    for id in list.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if !exists.query_row([id], |r| r.get::<_, bool>(0))? {
            return Err(Error::InvalidArgument(format!(
                "--example {id:?}: no item with this id in the project's datasets (see `arbiter items`); nothing was changed"
            )));
        }
        if !out.iter().any(|x| x == id) {
            out.push(id.to_string());
        }
    }
    Ok(out)
}

/// The latest definition of every reason that has events.
fn reason_defs(conn: &Connection) -> Result<BTreeMap<String, ReasonDef>> {
    let mut stmt = conn.prepare_cached(
        "SELECT key, value FROM setting_events WHERE key >= 'reason:' AND key < 'reason;' ORDER BY at, uid",
    )?;
    let mut rows = stmt.query([])?;
    let mut out = BTreeMap::new();
    while let Some(r) = rows.next()? {
        let key: String = r.get(0)?;
        let text: String = r.get(1)?;
        let def: ReasonDef = crate::store::from_json_column(&text, 1)?;
        out.insert(key["reason:".len()..].to_string(), def);
    }
    Ok(out)
}

/// The retired reason codes.
pub fn retired_reasons(project: &crate::Project) -> Result<Vec<String>> {
    Ok(retired_in(project.conn())?.into_iter().collect())
}

pub(crate) fn retired_in(conn: &Connection) -> Result<std::collections::BTreeSet<String>> {
    Ok(reason_defs(conn)?
        .into_iter()
        .filter(|(_, d)| d.retired)
        .map(|(c, _)| c)
        .collect())
}

fn check_code(code: &str) -> Result<&str> {
    let code = code.trim();
    if code.is_empty()
        || code.len() > 64
        || !code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(Error::InvalidArgument(format!(
            "reason code {code:?}: use 1 to 64 lowercase letters, digits and underscores (like model_wrong); nothing was changed"
        )));
    }
    Ok(code)
}

/// The schema version after a change, for the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemaSummary {
    pub schema_version: i64,
    pub code: String,
    pub description: String,
    pub retired: bool,
}

/// Add a correction reason (`by` a lead; `None`: the command line), or bring a retired one
/// back with a new description. Refused when the code is in use already.
pub fn add_reason(
    project: &crate::Project,
    code: &str,
    description: &str,
    by: Option<&str>,
) -> Result<SchemaSummary> {
    let code = check_code(code)?;
    let description = description.trim();
    if description.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "reason {code:?} needs a --description saying when to use it; nothing was changed"
        )));
    }
    let conn = project.conn();
    let tx = conn.unchecked_transaction()?;
    let actor = crate::annotators::lead_actor(&tx, by, "the reasons")?;
    let known: HashSet<String> = tx
        .prepare("SELECT code FROM reasons")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if known.contains(code) && !retired_in(&tx)?.contains(code) {
        return Err(Error::InvalidArgument(format!(
            "reason {code:?} is already one of the project's reasons; nothing was changed"
        )));
    }
    let def = ReasonDef {
        description: description.to_string(),
        retired: false,
    };
    crate::identity::record_setting(
        &tx,
        &format!("reason:{code}"),
        &serde_json::json!(def),
        &actor,
    )?;
    crate::identity::apply_settings(&tx)?;
    let version = schema_version_in(&tx)?;
    crate::audit::record(
        &tx,
        &actor,
        "reason.add",
        &serde_json::json!({ "code": code, "description": description, "schema_version": version }),
    )?;
    tx.commit()?;
    Ok(SchemaSummary {
        schema_version: version,
        code: code.to_string(),
        description: description.to_string(),
        retired: false,
    })
}

/// Retire a correction reason: no longer offered nor accepted on new events (`by` a lead).
/// Refused for an unknown or already retired code.
pub fn retire_reason(
    project: &crate::Project,
    code: &str,
    by: Option<&str>,
) -> Result<SchemaSummary> {
    let code = code.trim();
    let conn = project.conn();
    let tx = conn.unchecked_transaction()?;
    let actor = crate::annotators::lead_actor(&tx, by, "the reasons")?;
    let description: Option<String> = rusqlite::OptionalExtension::optional(tx.query_row(
        "SELECT description FROM reasons WHERE code = ?1",
        [code],
        |r| r.get(0),
    ))?;
    let Some(description) = description else {
        return Err(Error::NotFound {
            what: "reason",
            name: format!("{code} (see `arbiter labels`)"),
        });
    };
    if retired_in(&tx)?.contains(code) {
        return Err(Error::InvalidArgument(format!(
            "reason {code:?} is retired already; nothing was changed"
        )));
    }
    let def = ReasonDef {
        description: description.clone(),
        retired: true,
    };
    crate::identity::record_setting(
        &tx,
        &format!("reason:{code}"),
        &serde_json::json!(def),
        &actor,
    )?;
    crate::identity::apply_settings(&tx)?;
    let version = schema_version_in(&tx)?;
    crate::audit::record(
        &tx,
        &actor,
        "reason.retire",
        &serde_json::json!({ "code": code, "schema_version": version }),
    )?;
    tx.commit()?;
    Ok(SchemaSummary {
        schema_version: version,
        code: code.to_string(),
        description,
        retired: true,
    })
}

#[cfg(test)]
mod tests;
