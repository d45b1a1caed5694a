//! Annotators: local profiles with a role (annotator, reviewer, lead), the checks on a name,
//! and the one lead check for project-wide settings (`lead_actor`).

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::time::NOW_SQL;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Annotator,
    Reviewer,
    Lead,
}

impl Role {
    pub fn parse(s: &str) -> Result<Role> {
        match s {
            "annotator" => Ok(Role::Annotator),
            "reviewer" => Ok(Role::Reviewer),
            "lead" => Ok(Role::Lead),
            o => Err(Error::InvalidArgument(format!(
                "role {o:?}: use annotator, reviewer or lead"
            ))),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Annotator => "annotator",
            Role::Reviewer => "reviewer",
            Role::Lead => "lead",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Role> {
        Role::parse(s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Annotator {
    pub id: i64,
    pub name: String,
    pub role: Role,
}

/// Add an annotator profile (or change nothing if it exists with the same role).
pub fn add_annotator(project: &crate::Project, name: &str, role: Role) -> Result<Annotator> {
    add_annotator_in(project.conn(), name, role)
}

/// [`add_annotator`] on a connection or transaction the core already holds.
pub(crate) fn add_annotator_in(conn: &Connection, name: &str, role: Role) -> Result<Annotator> {
    let name = name.trim();
    check_name(name).map_err(Error::InvalidArgument)?;
    if let Some(a) = find_annotator(conn, name)? {
        if a.role != role {
            return Err(Error::InvalidArgument(format!(
                "annotator {name:?} already exists as {}",
                a.role.as_str()
            )));
        }
        return Ok(a);
    }
    conn.execute(
        &format!("INSERT INTO annotators (name, role, created_at) VALUES (?1, ?2, {NOW_SQL})"),
        (name, role.as_str()),
    )?;
    // The new row's id, read before the audit entry's insert takes `last_insert_rowid`.
    let id = conn.last_insert_rowid();
    crate::audit::record(
        conn,
        name,
        "annotator.add",
        &serde_json::json!({ "name": name, "role": role.as_str() }),
    )?;
    Ok(Annotator {
        id,
        name: name.to_string(),
        role,
    })
}

/// The longest annotator name, in characters.
pub const MAX_NAME_CHARS: usize = 64;

/// Why `name` cannot name an annotator, if it cannot: empty, too long, or holding a control
/// character (a newline would break every table and file that lists annotators).
pub fn check_name(name: &str) -> std::result::Result<(), String> {
    if name.trim().is_empty() {
        return Err("an annotator needs a name".into());
    }
    if name.chars().any(char::is_control) {
        return Err(format!(
            "annotator name {name:?} holds a control character (a newline or tab); use letters, digits, spaces and punctuation"
        ));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!(
            "annotator name {name:?} is longer than {MAX_NAME_CHARS} characters"
        ));
    }
    Ok(())
}

pub(crate) fn find_annotator(conn: &Connection, name: &str) -> Result<Option<Annotator>> {
    Ok(conn
        .query_row(
            "SELECT id, name, role FROM annotators WHERE name = ?1",
            [name],
            |r| {
                Ok(Annotator {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    // A stored role this code does not know is an error naming it (FromStr).
                    role: r.get(2)?,
                })
            },
        )
        .optional()?)
}

pub fn annotators(project: &crate::Project) -> Result<Vec<Annotator>> {
    annotators_in(project.conn())
}

/// [`annotators`] on a connection or transaction the core already holds.
pub(crate) fn annotators_in(conn: &Connection) -> Result<Vec<Annotator>> {
    let mut stmt = conn.prepare("SELECT name FROM annotators ORDER BY name")?;
    let names: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    names
        .iter()
        .filter_map(|n| find_annotator(conn, n).transpose())
        .collect()
}

/// Who a project-wide change is recorded under: `by`, who must be a lead, or `arbiter` (the
/// command line) when nobody is named. `what` names the setting, for the refusal.
pub(crate) fn lead_actor(conn: &Connection, by: Option<&str>, what: &str) -> Result<String> {
    let Some(name) = by else {
        return Ok("arbiter".to_string());
    };
    match find_annotator(conn, name.trim())? {
        Some(a) if a.role == Role::Lead => Ok(a.name),
        Some(a) => Err(Error::InvalidArgument(format!(
            "{} is a {}; only a lead changes {what}",
            a.name,
            a.role.as_str()
        ))),
        None => Err(Error::NotFound {
            what: "annotator",
            name: name.to_string(),
        }),
    }
}
