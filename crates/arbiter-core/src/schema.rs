//! The project's label schema (names, hotkeys, colours, guidelines, order) and its list of
//! correction reasons. Hotkeys and colours get sensible defaults when not given.

use rusqlite::Connection;
use serde::Serialize;

use crate::error::{Error, Result};

/// A label as the user specifies it; missing hotkey and colour are assigned.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct LabelSpec {
    pub name: String,
    #[serde(default)]
    pub hotkey: Option<String>,
    #[serde(default)]
    pub color: Option<String>,
    #[serde(default)]
    pub guideline: Option<String>,
}

impl LabelSpec {
    pub fn named(name: impl Into<String>) -> Self {
        LabelSpec {
            name: name.into(),
            ..Default::default()
        }
    }
}

/// A label of the project's schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    pub id: i64,
    pub name: String,
    pub hotkey: Option<String>,
    pub color: String,
    pub guideline: Option<String>,
    pub position: i64,
}

/// A correction reason code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub code: String,
    pub description: String,
}

/// The default correction reasons of a new project (docs/contract.md); defined beside the
/// settings, which order reasons added later after them.
pub use crate::identity::DEFAULT_REASONS;

/// Keys the review screen reserves for actions (skip, flag, undo, reason, note, override, help);
/// never assigned as label hotkeys.
pub const RESERVED_KEYS: &[&str] = &["s", "f", "z", "r", "n", "o", "?", "enter", "escape", " "];

/// Default hotkeys in assignment order: digits first (1–9, 0), then letters not reserved.
fn default_hotkeys() -> impl Iterator<Item = String> {
    ('1'..='9')
        .chain(std::iter::once('0'))
        .chain('a'..='z')
        .map(|c| c.to_string())
        .filter(|k| !RESERVED_KEYS.contains(&k.as_str()))
}

/// A 20-colour qualitative palette (Tableau 20), readable on light and dark backgrounds.
pub const PALETTE: &[&str] = &[
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac", "#a0cbe8", "#ffbe7d", "#ff9d9a", "#86bcb6", "#8cd17d", "#f1ce63",
    "#d4a6c8", "#fabfd2", "#d7b5a6", "#79706e",
];

/// Check a schema before anything is written: non-empty unique names, unique valid hotkeys,
/// colours as `#rrggbb`.
pub fn validate_specs(specs: &[LabelSpec]) -> Result<()> {
    let mut names = std::collections::HashSet::new();
    let mut keys = std::collections::HashSet::new();
    for (i, s) in specs.iter().enumerate() {
        let n = s.name.trim();
        if n.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "label {}: empty label name",
                i + 1
            )));
        }
        if n != s.name {
            return Err(Error::InvalidArgument(format!(
                "label {:?}: leading or trailing spaces in a label name",
                s.name
            )));
        }
        if !names.insert(n.to_string()) {
            return Err(Error::InvalidArgument(format!(
                "label {:?} is listed twice",
                s.name
            )));
        }
        if let Some(k) = &s.hotkey {
            let k = k.to_lowercase();
            if k.chars().count() != 1 || RESERVED_KEYS.contains(&k.as_str()) {
                return Err(Error::InvalidArgument(format!(
                    "label {:?}: hotkey {:?} must be a single character other than {}",
                    s.name,
                    k,
                    RESERVED_KEYS[..4].join(" ")
                )));
            }
            if !keys.insert(k.clone()) {
                return Err(Error::InvalidArgument(format!(
                    "label {:?}: hotkey {:?} is used by another label",
                    s.name, k
                )));
            }
        }
        if let Some(c) = &s.color {
            let ok = c.len() == 7
                && c.starts_with('#')
                && c[1..].chars().all(|ch| ch.is_ascii_hexdigit());
            if !ok {
                return Err(Error::InvalidArgument(format!(
                    "label {:?}: colour {:?} must look like #1f77b4",
                    s.name, c
                )));
            }
        }
    }
    Ok(())
}

/// Parse `a,b,c` into label specs.
pub fn parse_label_list(list: &str) -> Vec<LabelSpec> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(LabelSpec::named)
        .collect()
}

/// A labels file: the labels and, when the file says so, whether they are ordinal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelsFile {
    pub labels: Vec<LabelSpec>,
    /// `Some` when the file states it (`{"ordinal": true, "labels": [...]}`).
    pub ordinal: Option<bool>,
}

/// Parse a labels file: JSON (an array of names or of `{name, hotkey, color, guideline}`), or
/// plain text with one label name per line (blank lines and `#` comments ignored).
pub fn parse_labels_file(path: &std::path::Path) -> Result<Vec<LabelSpec>> {
    Ok(parse_schema_file(path)?.labels)
}

/// Parse a labels file as [`parse_labels_file`], also accepting a JSON object
/// `{"ordinal": true|false, "labels": [...]}` (the list as above, in scale order when ordinal).
pub fn parse_schema_file(path: &std::path::Path) -> Result<LabelsFile> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Doc {
            #[serde(default)]
            ordinal: Option<bool>,
            labels: serde_json::Value,
        }
        let doc: Doc = serde_json::from_str(&text).map_err(|e| Error::Read {
            path: path.to_path_buf(),
            message: format!(
                "not a valid labels object ({e}); expected {{\"ordinal\": true, \"labels\": [\"low\", \"medium\", \"high\"]}}"
            ),
        })?;
        return Ok(LabelsFile {
            labels: label_list(path, &doc.labels.to_string())?,
            ordinal: doc.ordinal,
        });
    }
    if trimmed.starts_with('[') {
        return Ok(LabelsFile {
            labels: label_list(path, &text)?,
            ordinal: None,
        });
    }
    Ok(LabelsFile {
        labels: text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(LabelSpec::named)
            .collect(),
        ordinal: None,
    })
}

fn label_list(path: &std::path::Path, text: &str) -> Result<Vec<LabelSpec>> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Entry {
        Name(String),
        Spec(LabelSpec),
    }
    let entries: Vec<Entry> = serde_json::from_str(text).map_err(|e| Error::Read {
        path: path.to_path_buf(),
        message: format!(
            "not a valid JSON list of labels ({e}); expected [\"cat\", \"dog\"] or [{{\"name\": \"cat\", \"hotkey\": \"c\"}}]"
        ),
    })?;
    Ok(entries
        .into_iter()
        .map(|e| match e {
            Entry::Name(n) => LabelSpec::named(n),
            Entry::Spec(s) => s,
        })
        .collect())
}

/// Whether the project's labels are ordinal (`project.ordinal_labels`): the switch for the
/// ordinal agreement statistics, ranked in the schema's order (`labels.position`).
pub fn ordinal(project: &crate::Project) -> Result<bool> {
    ordinal_in(project.conn())
}

/// [`ordinal`] on a connection or transaction the core already holds.
pub(crate) fn ordinal_in(conn: &Connection) -> Result<bool> {
    Ok(
        conn.query_row("SELECT ordinal_labels FROM project WHERE id = 1", [], |r| {
            r.get::<_, i64>(0)
        })? == 1,
    )
}

/// Mark the labels ordinal (or not), with an audit entry naming who did it — `by`, who must be a
/// lead, or `arbiter` (the lead check of `annotators`) — in one transaction. Setting the value
/// it already has changes nothing and records nothing.
pub fn set_ordinal(project: &crate::Project, ordinal_labels: bool, by: Option<&str>) -> Result<()> {
    let conn = project.conn();
    let tx = conn.unchecked_transaction()?;
    let actor = &crate::annotators::lead_actor(&tx, by, "the label scale")?;
    if ordinal_in(&tx)? == ordinal_labels {
        return Ok(());
    }
    tx.execute(
        "UPDATE project SET ordinal_labels = ?1 WHERE id = 1",
        [i64::from(ordinal_labels)],
    )?;
    crate::identity::record_setting(
        &tx,
        "ordinal_labels",
        &serde_json::json!(ordinal_labels),
        actor,
    )?;
    crate::identity::apply_settings(&tx)?;
    let order: Vec<String> = labels_in(&tx)?.into_iter().map(|l| l.name).collect();
    crate::audit::record(
        &tx,
        actor,
        "schema.ordinal",
        &serde_json::json!({ "ordinal": ordinal_labels, "order": order }),
    )?;
    tx.commit()?;
    Ok(())
}

/// What to change about a label: each `Some` replaces that property (`Some(None)` clears a
/// hotkey or a guideline). A label's name stays: annotations, models and exports refer to it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelEdit {
    pub hotkey: Option<Option<String>>,
    pub color: Option<String>,
    pub guideline: Option<Option<String>>,
    /// The guideline's example items (item ids of the project's datasets), replacing the list;
    /// `Some(vec![])` removes them.
    pub examples: Option<Vec<String>>,
}

/// Change a label's hotkey, colour or guideline — `by` must be a lead (`None`: the command
/// line), checked like a new schema (a single free, unreserved key; `#rrggbb`), recorded in the
/// audit log with the values before and after, in one transaction. Returns the label as it is
/// now.
pub fn edit_label(
    project: &crate::Project,
    name: &str,
    edit: &LabelEdit,
    by: Option<&str>,
) -> Result<Label> {
    let conn = project.conn();
    let tx = conn.unchecked_transaction()?;
    let actor = crate::annotators::lead_actor(&tx, by, "the labels")?;
    let all = labels_in(&tx)?;
    let before = all
        .iter()
        .find(|l| l.name == name)
        .cloned()
        .ok_or_else(|| Error::NotFound {
            what: "label",
            name: format!("{name} (see `arbiter labels`)"),
        })?;
    let hotkey = match &edit.hotkey {
        Some(k) => k
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_lowercase),
        None => before.hotkey.clone(),
    };
    let guideline = match &edit.guideline {
        Some(g) => g
            .as_deref()
            .map(str::trim)
            .filter(|g| !g.is_empty())
            .map(String::from),
        None => before.guideline.clone(),
    };
    let color = edit.color.clone().unwrap_or_else(|| before.color.clone());
    // The whole schema as it would be, checked as a new one would be.
    let specs: Vec<LabelSpec> = all
        .iter()
        .map(|l| {
            if l.name == name {
                LabelSpec {
                    name: l.name.clone(),
                    hotkey: hotkey.clone(),
                    color: Some(color.clone()),
                    guideline: guideline.clone(),
                }
            } else {
                LabelSpec {
                    name: l.name.clone(),
                    hotkey: l.hotkey.clone(),
                    color: Some(l.color.clone()),
                    guideline: l.guideline.clone(),
                }
            }
        })
        .collect();
    validate_specs(&specs)?;
    let before_examples = examples_in(&tx)?.remove(name).unwrap_or_default();
    let examples = match &edit.examples {
        Some(list) => checked_examples(&tx, list)?,
        None => before_examples.clone(),
    };
    tx.execute(
        "UPDATE labels SET hotkey = ?2, color = ?3, guideline = ?4 WHERE id = ?1",
        rusqlite::params![before.id, hotkey, color, guideline],
    )?;
    crate::identity::record_label(
        &tx,
        name,
        &crate::identity::LabelDef {
            hotkey: hotkey.clone(),
            color: color.clone(),
            guideline: guideline.clone(),
            examples: examples.clone(),
        },
        &actor,
    )?;
    crate::identity::apply_settings(&tx)?;
    let after = labels_in(&tx)?
        .into_iter()
        .find(|l| l.id == before.id)
        .ok_or_else(|| Error::NotFound {
            what: "label",
            name: name.to_string(),
        })?;
    if after != before || examples != before_examples {
        crate::audit::record(
            &tx,
            &actor,
            "label.edit",
            &serde_json::json!({ "label": name, "before": before, "after": after,
                "examples_before": before_examples, "examples": examples,
                "schema_version": schema_version_in(&tx)? }),
        )?;
    }
    tx.commit()?;
    Ok(after)
}

/// Add labels to the schema after the existing ones (free hotkeys and colours assigned), by a
/// lead (`None`: the command line), audited, in one transaction.
pub fn add_labels(
    project: &crate::Project,
    specs: &[LabelSpec],
    by: Option<&str>,
) -> Result<Vec<Label>> {
    let conn = project.conn();
    let tx = conn.unchecked_transaction()?;
    let actor = crate::annotators::lead_actor(&tx, by, "the labels")?;
    if specs.is_empty() {
        return Err(Error::InvalidArgument(
            "name at least one label to add".into(),
        ));
    }
    insert_labels(&tx, specs)?;
    let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    crate::audit::record(
        &tx,
        &actor,
        "label.add",
        &serde_json::json!({ "labels": names }),
    )?;
    let all = labels_in(&tx)?;
    tx.commit()?;
    Ok(all)
}

impl crate::Project {
    /// Create a project in `dir` (created if missing) with an optional label schema.
    /// An empty schema means "take it from the first import".
    pub fn create(dir: &std::path::Path, name: Option<&str>, labels: &[LabelSpec]) -> Result<Self> {
        Self::create_with(dir, name, labels, false)
    }

    /// [`Self::create`], with the labels marked ordinal (ranked in the given order) when
    /// `ordinal_labels` is true — the switch for the ordinal agreement statistics. The schema is
    /// checked before anything is made.
    pub fn create_with(
        dir: &std::path::Path,
        name: Option<&str>,
        labels: &[LabelSpec],
        ordinal_labels: bool,
    ) -> Result<Self> {
        if dir.join(crate::store::DB_FILE).exists() {
            return Err(Error::ProjectExists(
                dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf()),
            ));
        }
        validate_specs(labels)?;
        Self::create_database(dir, name, ordinal_labels, &|tx, name| {
            insert_default_reasons(tx)?;
            insert_labels(tx, labels)?;
            crate::audit::record(
                tx,
                "arbiter",
                "project.create",
                &serde_json::json!({ "name": name, "labels": labels.len(), "ordinal": ordinal_labels }),
            )
        })
    }
}

/// Insert labels after the existing ones, assigning free hotkeys and colours.
pub(crate) fn insert_labels(conn: &Connection, specs: &[LabelSpec]) -> Result<()> {
    if specs.is_empty() {
        return Ok(());
    }
    validate_specs(specs)?;
    let existing = labels_in(conn)?;
    let mut used_keys: std::collections::HashSet<String> = existing
        .iter()
        .filter_map(|l| l.hotkey.clone())
        .chain(
            specs
                .iter()
                .filter_map(|s| s.hotkey.as_ref().map(|k| k.to_lowercase())),
        )
        .collect();
    // A one-character label name is its own hotkey when free (label "7" on key 7).
    let own_key: Vec<Option<String>> = specs
        .iter()
        .map(|s| {
            let k = s.name.to_lowercase();
            (s.hotkey.is_none()
                && k.chars().count() == 1
                && !RESERVED_KEYS.contains(&k.as_str())
                && used_keys.insert(k.clone()))
            .then_some(k)
        })
        .collect();
    let mut free_keys = default_hotkeys();
    let first_position = existing.iter().map(|l| l.position + 1).max().unwrap_or(0);
    let mut stmt = conn.prepare(
        "INSERT INTO labels (name, hotkey, color, guideline, position) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (position, (s, own)) in (first_position..).zip(specs.iter().zip(own_key)) {
        if existing.iter().any(|l| l.name == s.name) {
            return Err(Error::InvalidArgument(format!(
                "label {:?} is already in the schema",
                s.name
            )));
        }
        let hotkey = match (&s.hotkey, own) {
            (Some(k), _) => Some(k.to_lowercase()),
            (None, Some(k)) => Some(k),
            (None, None) => free_keys.by_ref().find(|k| used_keys.insert(k.clone())),
        };
        let color = s
            .color
            .clone()
            .unwrap_or_else(|| PALETTE[position as usize % PALETTE.len()].to_string());
        stmt.execute((&s.name, &hotkey, &color, &s.guideline, position))?;
        // The definition as an event, for the other replicas of the project.
        crate::identity::record_label(
            conn,
            &s.name,
            &crate::identity::LabelDef {
                hotkey,
                color,
                guideline: s.guideline.clone(),
                examples: Vec::new(),
            },
            "arbiter",
        )?;
    }
    Ok(())
}

pub(crate) fn insert_default_reasons(conn: &Connection) -> Result<()> {
    let mut stmt =
        conn.prepare("INSERT INTO reasons (code, description, position) VALUES (?1, ?2, ?3)")?;
    for (i, (code, desc)) in DEFAULT_REASONS.iter().enumerate() {
        stmt.execute((code, desc, i as i64))?;
    }
    Ok(())
}

/// The label schema in display order.
pub fn labels(project: &crate::Project) -> Result<Vec<Label>> {
    labels_in(project.conn())
}

/// [`labels`] on a connection or transaction the core already holds.
pub(crate) fn labels_in(conn: &Connection) -> Result<Vec<Label>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, hotkey, color, guideline, position FROM labels ORDER BY position",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Label {
            id: r.get(0)?,
            name: r.get(1)?,
            hotkey: r.get(2)?,
            color: r.get(3)?,
            guideline: r.get(4)?,
            position: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The correction reasons in use (not retired), in display order: what a reviewer may give.
pub fn reasons(project: &crate::Project) -> Result<Vec<Reason>> {
    let retired = retired_in(project.conn())?;
    Ok(all_reasons(project)?
        .into_iter()
        .filter(|r| !retired.contains(&r.code))
        .collect())
}

/// Every correction reason, retired ones included (events and filters still name them).
pub fn all_reasons(project: &crate::Project) -> Result<Vec<Reason>> {
    let conn = project.conn();
    let mut stmt =
        conn.prepare_cached("SELECT code, description FROM reasons ORDER BY position")?;
    let rows = stmt.query_map([], |r| {
        Ok(Reason {
            code: r.get(0)?,
            description: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

mod guidelines;
pub use guidelines::{
    add_reason, examples, retire_reason, retired_reasons, schema_version, SchemaSummary,
};
pub(crate) use guidelines::{checked_examples, examples_in, retired_in, schema_version_in};

/// Sort label names the way people expect: numbers numerically (`2` before `10`), then text.
pub fn natural_sort(names: &mut [String]) {
    names.sort_by(|a, b| match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x
            .partial_cmp(&y)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.cmp(b)),
        (Ok(_), Err(_)) => std::cmp::Ordering::Less,
        (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
        (Err(_), Err(_)) => a.cmp(b),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lead_edits_hotkeys_colours_and_guidelines_checked_and_audited() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = crate::Project::create(
            dir.path(),
            None,
            &[LabelSpec::named("cat"), LabelSpec::named("dog")],
        )
        .expect("project");
        let c = &p;
        crate::annotators::add_annotator(c, "lee", crate::annotators::Role::Lead).expect("lead");
        crate::annotators::add_annotator(c, "ana", crate::annotators::Role::Annotator)
            .expect("ana");
        let edit = LabelEdit {
            hotkey: Some(Some("C".into())),
            color: Some("#112233".into()),
            guideline: Some(Some("  whiskers, pointed ears  ".into())),
            examples: None,
        };
        let e = edit_label(c, "cat", &edit, Some("ana")).expect_err("not a lead");
        assert!(
            e.to_string().contains("only a lead changes the labels"),
            "{e}"
        );
        let cat = edit_label(c, "cat", &edit, Some("lee")).expect("edit");
        assert_eq!(
            (
                cat.hotkey.as_deref(),
                cat.color.as_str(),
                cat.guideline.as_deref()
            ),
            (Some("c"), "#112233", Some("whiskers, pointed ears"))
        );
        // Refused: a key another label has, a reserved key, a bad colour; nothing changes.
        for (bad, needle) in [
            (
                LabelEdit {
                    hotkey: Some(Some("2".into())),
                    ..Default::default()
                },
                "is used by another label",
            ),
            (
                LabelEdit {
                    hotkey: Some(Some("s".into())),
                    ..Default::default()
                },
                "must be a single character other than",
            ),
            (
                LabelEdit {
                    color: Some("red".into()),
                    ..Default::default()
                },
                "must look like #1f77b4",
            ),
        ] {
            let e = edit_label(c, "cat", &bad, None)
                .expect_err(needle)
                .to_string();
            assert!(e.contains(needle), "{e}");
        }
        assert_eq!(labels(c).expect("labels")[0], cat, "unchanged by refusals");
        // Clearing the guideline; the audit log holds before and after.
        edit_label(
            c,
            "cat",
            &LabelEdit {
                guideline: Some(None),
                ..Default::default()
            },
            None,
        )
        .expect("clear");
        let audit = crate::audit::recent(c, 5).expect("audit");
        let edits: Vec<_> = audit.iter().filter(|a| a.action == "label.edit").collect();
        assert_eq!(edits.len(), 2);
        assert_eq!(edits[1].actor, "lee");
        assert_eq!(
            edits[0].details["after"]["guideline"],
            serde_json::Value::Null
        );
        assert_eq!(
            edits[0].details["before"]["guideline"],
            "whiskers, pointed ears"
        );
        let e = edit_label(c, "cow", &edit, None)
            .expect_err("unknown")
            .to_string();
        assert!(e.contains("label not found: cow"), "{e}");
        // Adding a label: after the others, with a free key.
        let all = add_labels(c, &[LabelSpec::named("fox")], Some("lee")).expect("add");
        let fox = all.last().expect("fox");
        assert_eq!((fox.name.as_str(), fox.position), ("fox", 2));
        assert!(fox.hotkey.is_some());
        let e = add_labels(c, &[LabelSpec::named("dog")], None)
            .expect_err("twice")
            .to_string();
        assert!(e.contains("already in the schema"), "{e}");
    }

    #[test]
    fn one_character_labels_get_their_own_key_and_others_the_next_free_one() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = crate::Project::create(dir.path(), None, &[]).expect("project");
        let conn = p.conn();
        let specs: Vec<LabelSpec> = ["0", "1", "cat", "s", "9"]
            .iter()
            .map(|n| LabelSpec::named(*n))
            .collect();
        insert_labels(conn, &specs).expect("insert");
        let keys: Vec<(String, Option<String>)> = labels_in(conn)
            .expect("labels")
            .into_iter()
            .map(|l| (l.name, l.hotkey))
            .collect();
        let k = |n: &str, key: &str| (n.to_string(), Some(key.to_string()));
        // "s" is reserved for skip, so it gets a free key instead of its own.
        assert_eq!(
            keys,
            [
                k("0", "0"),
                k("1", "1"),
                k("cat", "2"),
                k("s", "3"),
                k("9", "9")
            ]
        );
    }

    #[test]
    fn a_labels_file_may_say_the_labels_are_ordinal() {
        let dir = tempfile::tempdir().expect("dir");
        let write = |name: &str, text: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).expect("write");
            p
        };
        let f = parse_schema_file(&write(
            "o.json",
            r#"{"ordinal": true, "labels": ["low", {"name": "medium", "hotkey": "m"}, "high"]}"#,
        ))
        .expect("parse");
        assert_eq!(f.ordinal, Some(true));
        let names: Vec<&str> = f.labels.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["low", "medium", "high"]);
        assert_eq!(f.labels[1].hotkey.as_deref(), Some("m"));
        let plain = parse_schema_file(&write("p.txt", "a\nb\n")).expect("text");
        assert_eq!((plain.labels.len(), plain.ordinal), (2, None));
        let list = parse_schema_file(&write("l.json", r#"["a", "b"]"#)).expect("list");
        assert_eq!((list.labels.len(), list.ordinal), (2, None));
        let err = parse_schema_file(&write("bad.json", r#"{"ordinal": "yes", "labels": []}"#))
            .expect_err("refused")
            .to_string();
        assert!(err.contains("bad.json"), "{err}");
    }

    #[test]
    fn natural_sort_orders_numbers_numerically() {
        let mut v: Vec<String> = ["10", "2", "b", "1", "a"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        natural_sort(&mut v);
        assert_eq!(v, ["1", "2", "10", "a", "b"]);
    }

    #[test]
    fn default_hotkeys_skip_reserved_keys() {
        let keys: Vec<String> = default_hotkeys().take(14).collect();
        assert_eq!(
            keys,
            ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "a", "b", "c", "d"]
        );
        assert!(!default_hotkeys().any(|k| RESERVED_KEYS.contains(&k.as_str())));
    }

    #[test]
    fn invalid_specs_are_refused_with_the_label_named() {
        let check = |specs: Vec<LabelSpec>, needle: &str| {
            let err = validate_specs(&specs)
                .expect_err("should be refused")
                .to_string();
            assert!(err.contains(needle), "{err:?} should contain {needle:?}");
        };
        check(
            vec![LabelSpec::named("a"), LabelSpec::named("a")],
            "\"a\" is listed twice",
        );
        check(vec![LabelSpec::named("")], "empty label name");
        check(
            vec![LabelSpec {
                name: "x".into(),
                hotkey: Some("s".into()),
                ..Default::default()
            }],
            "hotkey \"s\"",
        );
        check(
            vec![LabelSpec {
                name: "x".into(),
                color: Some("red".into()),
                ..Default::default()
            }],
            "colour \"red\"",
        );
    }
}
