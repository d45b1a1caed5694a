//! Replicas of one project exchange their events in packs (`docs/sync-format.md`): a pack holds
//! every event of each replica it covers in a range of that replica's sequence numbers, by
//! natural keys (items by dataset name, version content hash and item id; annotators, labels
//! by name; reasons by code; queues and runs by their global ids) — local integer ids never
//! leave the machine. Importing is all-or-nothing per pack, in one transaction; importing the
//! same events twice adds nothing; events form a set, so replicas that have imported each
//! other's packs, in any order, hold the same events and print the same decisions.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::error::{Error, Result};
use crate::store::Project;

pub mod clone;
pub mod folder;

/// The first line of every pack file.
pub const MAGIC: &str = "ARBITER-PACK";
/// The pack format this build writes and the newest it reads.
pub const FORMAT: u32 = 1;

/// How far a replica holds each replica's events: `replica id → highest sequence number`
/// (it holds 1..n of each, without gaps).
pub type Stamp = BTreeMap<String, i64>;

/// A pack's header: the first JSON line after the magic line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub format: u32,
    pub project_id: String,
    /// The replica that wrote the pack.
    pub source_replica: String,
    pub created_at: String,
    /// Every event of replica R with `from < seq <= to` is in the pack, for each `R: [from, to]`.
    pub ranges: BTreeMap<String, (i64, i64)>,
    pub counts: Counts,
    /// Length and SHA-256 (hex) of the compressed body that follows the header line.
    pub body_bytes: u64,
    pub body_sha256: String,
}

/// Events of a pack by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub settings: u64,
    pub runs: u64,
    pub queues: u64,
    pub annotations: u64,
    pub retractions: u64,
}

impl Counts {
    pub fn events(&self) -> u64 {
        self.settings + self.runs + self.queues + self.annotations + self.retractions
    }
}

/// One event of a pack body (a JSON line).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PackEvent {
    Setting(SettingEvent),
    Run(Box<RunEvent>),
    Queue(Box<QueueEvent>),
    Annotation(Box<AnnotationEvent>),
}

impl PackEvent {
    fn stamp(&self) -> (&str, i64) {
        match self {
            PackEvent::Setting(e) => (&e.replica, e.seq),
            PackEvent::Run(e) => (&e.replica, e.seq),
            PackEvent::Queue(e) => (&e.replica, e.seq),
            PackEvent::Annotation(e) => (&e.replica, e.seq),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingEvent {
    pub uid: String,
    pub replica: String,
    pub seq: i64,
    pub at: String,
    pub key: String,
    pub value: serde_json::Value,
    pub actor: String,
}

/// A dataset version by its natural key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VersionKey {
    pub dataset: String,
    pub content_hash: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelDef {
    pub name: String,
    pub version: i64,
    pub sha256: String,
    pub kind: String,
    /// The model's stored JSON columns, as stored.
    pub inputs: String,
    pub outputs: String,
    pub classes: String,
    pub classes_source: String,
    pub preprocess: String,
    pub output: String,
    pub created_at: String,
}

/// A prediction row: item id, predicted class, confidence, margin, entropy, given class, its
/// probability, the probabilities (base64 of the stored bytes), the error.
pub type PredictionRow = (
    String,
    Option<i64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<i64>,
    Option<f64>,
    Option<String>,
    Option<String>,
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunEvent {
    pub uid: String,
    pub replica: String,
    pub seq: i64,
    pub at: String,
    pub model: ModelDef,
    pub version: VersionKey,
    pub device: String,
    pub provider: String,
    pub notice: Option<String>,
    pub batch_size: i64,
    pub status: String,
    pub items_total: i64,
    pub items_done: i64,
    pub items_failed: i64,
    pub seconds: f64,
    pub model_seconds: f64,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub predictions: Vec<PredictionRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueEvent {
    pub uid: String,
    pub replica: String,
    pub seq: i64,
    pub at: String,
    pub name: String,
    pub run: String,
    pub other_run: Option<String>,
    pub strategy: String,
    pub threshold: Option<f64>,
    pub seed: i64,
    pub limit: Option<i64>,
    pub overlap_share: f64,
    pub overlap_k: i64,
    pub blind: bool,
    pub lease_seconds: i64,
    #[serde(default)]
    pub assignees: Vec<String>,
    /// Gold items served among the queue's own; a qualification queue.
    #[serde(default, skip_serializing_if = "gold_serving_is_none")]
    pub gold: crate::review::GoldServing,
    /// The temperature a calibrated queue ranked by (absent: the model's own confidence).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// The ranked items: (item id, score, needed), in queue order.
    pub items: Vec<(String, f64, i64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnotationEvent {
    pub uid: String,
    pub replica: String,
    pub seq: i64,
    pub at: String,
    pub version: VersionKey,
    pub item: String,
    pub annotator: String,
    pub role: String,
    /// label | skip | flag | retract
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
    pub prediction_shown: bool,
    pub source: String,
    /// The uid of the event a retraction retracts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retracts: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
}

fn gold_serving_is_none(g: &crate::review::GoldServing) -> bool {
    !g.serves()
}

/// This replica's ids and how far it holds each replica's events.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    pub project_id: String,
    pub replica_id: String,
    pub stamp: Stamp,
    /// Events held that wait for another (a retraction whose event has not arrived).
    pub pending: i64,
}

pub fn status(project: &Project) -> Result<Status> {
    status_in(project.conn())
}

pub(crate) fn status_in(conn: &Connection) -> Result<Status> {
    let id = crate::identity::identity_in(conn)?;
    Ok(Status {
        project_id: id.project_id,
        replica_id: id.replica_id,
        stamp: stamp_in(conn)?,
        pending: conn.query_row("SELECT COUNT(*) FROM pending_events", [], |r| r.get(0))?,
    })
}

fn stamp_in(conn: &Connection) -> Result<Stamp> {
    let mut stmt = conn.prepare("SELECT uid, seen FROM origins WHERE seen > 0 ORDER BY uid")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Read a `--since` stamp: the JSON `arbiter sync status --json` prints (or just its `stamp`
/// object), inline or in a file, or `REPLICA:N,REPLICA:N`.
pub fn parse_stamp(text: &str) -> Result<Stamp> {
    let t = text.trim();
    let bad = |why: String| {
        Error::InvalidArgument(format!(
            "the stamp {t:?} (what the other replica holds): {why}; give what `arbiter sync status --json` (or the Team screen's \"Holds\") shows on the other replica — as a file or text — or REPLICA:N,REPLICA:N"
        ))
    };
    if t.starts_with('{') {
        let v: serde_json::Value =
            serde_json::from_str(t).map_err(|e| bad(format!("not JSON ({e})")))?;
        let map = v.get("stamp").unwrap_or(&v);
        return serde_json::from_value(map.clone()).map_err(|e| bad(format!("not a stamp ({e})")));
    }
    let path = Path::new(t);
    if path.is_file() {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        return parse_stamp(&text);
    }
    let mut out = Stamp::new();
    for part in t.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (r, n) = part
            .rsplit_once(':')
            .ok_or_else(|| bad(format!("{part:?} is not REPLICA:N")))?;
        let n: i64 = n
            .parse()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| bad(format!("{n:?} is not a count")))?;
        out.insert(r.to_string(), n);
    }
    Ok(out)
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exported {
    pub file: PathBuf,
    pub events: u64,
    pub bytes: u64,
    pub header: Header,
}

/// Write a pack of every event this replica holds beyond `since` (all of them without it) to
/// `out`, through a temporary renamed into place.
pub fn export(project: &Project, out: &Path, since: Option<&Stamp>) -> Result<Exported> {
    let staged = crate::destination::Staged::begin(
        Some(project),
        out,
        crate::destination::Kind::File,
        "team.pack",
    )?;
    let (header, body) = build(project.conn(), since.unwrap_or(&Stamp::new()))?;
    let file = write_staged(staged, &header, &body)?;
    Ok(Exported {
        file,
        events: header.counts.events(),
        bytes: body.len() as u64,
        header,
    })
}

/// Write a pack through a staged destination (a locked temporary, synced, renamed into place).
pub(crate) fn write_staged(
    staged: crate::destination::Staged,
    header: &Header,
    body: &[u8],
) -> Result<PathBuf> {
    let mut f = std::io::BufWriter::new(staged.file()?);
    write_pack(&mut f, header, body).map_err(|e| crate::destination::write_err(staged.tmp(), e))?;
    f.into_inner()
        .map_err(|e| crate::destination::write_err(staged.tmp(), e.into_error()))?
        .sync_all()
        .map_err(|e| crate::destination::write_err(staged.tmp(), e))?;
    staged.commit()
}

fn write_pack(w: &mut impl Write, header: &Header, body: &[u8]) -> std::io::Result<()> {
    writeln!(w, "{MAGIC}")?;
    serde_json::to_writer(&mut *w, header)?;
    writeln!(w)?;
    w.write_all(body)
}

/// The header and compressed body of a pack of everything beyond `since`.
pub(crate) fn build(conn: &Connection, since: &Stamp) -> Result<(Header, Vec<u8>)> {
    let id = crate::identity::identity_in(conn)?;
    let origins: Vec<(i64, String, i64)> = conn
        .prepare("SELECT id, uid, seen FROM origins ORDER BY uid")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut ranges = BTreeMap::new();
    let mut counts = Counts::default();
    let mut enc = zstd::stream::Encoder::new(Vec::new(), 3).map_err(internal)?;
    let mut line = Vec::with_capacity(512);
    let mut emit = |e: &PackEvent, counts: &mut Counts| -> Result<()> {
        match e {
            PackEvent::Setting(_) => counts.settings += 1,
            PackEvent::Run(_) => counts.runs += 1,
            PackEvent::Queue(_) => counts.queues += 1,
            PackEvent::Annotation(a) if a.kind == "retract" => counts.retractions += 1,
            PackEvent::Annotation(_) => counts.annotations += 1,
        }
        line.clear();
        serde_json::to_writer(&mut line, e).map_err(internal)?;
        line.push(b'\n');
        enc.write_all(&line).map_err(internal)
    };
    let wanted: Vec<&(i64, String, i64)> = origins
        .iter()
        .filter(|(_, uid, seen)| *seen > since.get(uid).copied().unwrap_or(0))
        .collect();
    // Settings, runs and queues first (what annotations refer to), then annotations; each
    // replica's in sequence order.
    for (origin, uid, _) in &wanted {
        let from = since.get(uid).copied().unwrap_or(0);
        for e in read_settings(conn, *origin, uid, from)? {
            emit(&PackEvent::Setting(e), &mut counts)?;
        }
    }
    for (origin, uid, _) in &wanted {
        let from = since.get(uid).copied().unwrap_or(0);
        for e in read_runs(conn, *origin, uid, from)? {
            emit(&PackEvent::Run(Box::new(e)), &mut counts)?;
        }
    }
    for (origin, uid, _) in &wanted {
        let from = since.get(uid).copied().unwrap_or(0);
        for e in read_queues(conn, *origin, uid, from)? {
            emit(&PackEvent::Queue(Box::new(e)), &mut counts)?;
        }
    }
    for (origin, uid, seen) in &wanted {
        let from = since.get(uid).copied().unwrap_or(0);
        read_annotations(conn, *origin, uid, from, &mut |e| {
            emit(&PackEvent::Annotation(Box::new(e)), &mut counts)
        })?;
        // Events waiting for another travel on as they came.
        let mut stmt = conn.prepare_cached(
            "SELECT body FROM pending_events WHERE origin = ?1 AND seq > ?2 ORDER BY seq",
        )?;
        let bodies: Vec<String> = stmt
            .query_map(rusqlite::params![origin, from], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for b in bodies {
            let e: PackEvent = serde_json::from_str(&b).map_err(internal)?;
            emit(&e, &mut counts)?;
        }
        ranges.insert(uid.clone(), (from, *seen));
    }
    let body = enc.finish().map_err(internal)?;
    // Every event of every range, or the pack would promise what it lacks.
    let held: i64 = ranges.values().map(|(a, b)| b - a).sum();
    if held as u64 != counts.events() {
        return Err(Error::InvalidArgument(format!(
            "this replica's events are not complete ({} events where its stamps promise {held}); nothing was written — report this as a bug",
            counts.events()
        )));
    }
    let header = Header {
        format: FORMAT,
        project_id: id.project_id,
        source_replica: id.replica_id,
        created_at: crate::time::now_utc(),
        ranges,
        counts,
        body_bytes: body.len() as u64,
        body_sha256: hex(&sha2::Sha256::digest(&body)),
    };
    Ok((header, body))
}

fn internal(e: impl std::fmt::Display) -> Error {
    Error::InvalidArgument(format!("pack: {e}"))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn read_settings(
    conn: &Connection,
    origin: i64,
    uid: &str,
    from: i64,
) -> Result<Vec<SettingEvent>> {
    let mut stmt = conn.prepare_cached(
        "SELECT uid, seq, at, key, value, actor FROM setting_events WHERE origin = ?1 AND seq > ?2 ORDER BY seq",
    )?;
    let rows = stmt.query_map(rusqlite::params![origin, from], |r| {
        let value: String = r.get(4)?;
        Ok(SettingEvent {
            uid: r.get(0)?,
            replica: uid.to_string(),
            seq: r.get(1)?,
            at: r.get(2)?,
            key: r.get(3)?,
            value: crate::store::from_json_column(&value, 4)?,
            actor: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn version_key(conn: &Connection, version: i64) -> Result<VersionKey> {
    Ok(conn
        .prepare_cached(
            "SELECT d.name, v.content_hash FROM dataset_versions v JOIN datasets d ON d.id = v.dataset_id WHERE v.id = ?1",
        )?
        .query_row([version], |r| {
            Ok(VersionKey {
                dataset: r.get(0)?,
                content_hash: r.get(1)?,
            })
        })?)
}

fn read_runs(conn: &Connection, origin: i64, uid: &str, from: i64) -> Result<Vec<RunEvent>> {
    let ids: Vec<i64> = conn
        .prepare_cached("SELECT id FROM runs WHERE origin = ?1 AND seq > ?2 ORDER BY seq")?
        .query_map(rusqlite::params![origin, from], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for run in ids {
        let (mut e, version): (RunEvent, i64) = conn.query_row(
            "SELECT r.uid, r.seq, COALESCE(r.finished_at, r.started_at), r.version_id, r.device, r.provider, r.notice, r.batch_size,
                    r.status, r.items_total, r.items_done, r.items_failed, r.seconds, r.model_seconds, r.started_at, r.finished_at,
                    m.name, m.version, m.sha256, m.kind, m.inputs, m.outputs, m.classes, m.classes_source, m.preprocess, m.output, m.created_at
             FROM runs r JOIN models m ON m.id = r.model_id WHERE r.id = ?1",
            [run],
            |r| {
                Ok((
                    RunEvent {
                        uid: r.get(0)?,
                        replica: uid.to_string(),
                        seq: r.get(1)?,
                        at: r.get(2)?,
                        version: VersionKey {
                            dataset: String::new(),
                            content_hash: String::new(),
                        },
                        device: r.get(4)?,
                        provider: r.get(5)?,
                        notice: r.get(6)?,
                        batch_size: r.get(7)?,
                        status: r.get(8)?,
                        items_total: r.get(9)?,
                        items_done: r.get(10)?,
                        items_failed: r.get(11)?,
                        seconds: r.get(12)?,
                        model_seconds: r.get(13)?,
                        started_at: r.get(14)?,
                        finished_at: r.get(15)?,
                        model: ModelDef {
                            name: r.get(16)?,
                            version: r.get(17)?,
                            sha256: r.get(18)?,
                            kind: r.get(19)?,
                            inputs: r.get(20)?,
                            outputs: r.get(21)?,
                            classes: r.get(22)?,
                            classes_source: r.get(23)?,
                            preprocess: r.get(24)?,
                            output: r.get(25)?,
                            created_at: r.get(26)?,
                        },
                        predictions: Vec::new(),
                    },
                    r.get(3)?,
                ))
            },
        )?;
        e.version = version_key(conn, version)?;
        let mut stmt = conn.prepare_cached(
            "SELECT i.ext_id, p.predicted, p.confidence, p.margin, p.entropy, p.given_class, p.given_prob, p.probs, p.error
             FROM predictions p JOIN items i ON i.id = p.item_id WHERE p.run_id = ?1 ORDER BY p.item_id",
        )?;
        let b64 = base64::engine::general_purpose::STANDARD;
        e.predictions = stmt
            .query_map([run], |r| {
                let probs: Option<Vec<u8>> = r.get(7)?;
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    probs.map(|p| b64.encode(p)),
                    r.get(8)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        out.push(e);
    }
    Ok(out)
}

fn read_queues(conn: &Connection, origin: i64, uid: &str, from: i64) -> Result<Vec<QueueEvent>> {
    let ids: Vec<i64> = conn
        .prepare_cached("SELECT id FROM queues WHERE origin = ?1 AND seq > ?2 ORDER BY seq")?
        .query_map(rusqlite::params![origin, from], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for q in ids {
        let mut e: QueueEvent = conn.query_row(
            "SELECT q.uid, q.seq, q.created_at, q.name, r.uid, o.uid, q.strategy, q.threshold, q.seed, q.limit_n,
                    q.overlap_share, q.overlap_k, q.blind, q.lease_seconds, q.assignees,
                    q.gold_rate, q.gold_warmup, q.qualification, q.temperature
             FROM queues q JOIN runs r ON r.id = q.run_id LEFT JOIN runs o ON o.id = q.other_run_id WHERE q.id = ?1",
            [q],
            |r| {
                let assignees: Option<String> = r.get(14)?;
                Ok(QueueEvent {
                    uid: r.get(0)?,
                    replica: uid.to_string(),
                    seq: r.get(1)?,
                    at: r.get(2)?,
                    name: r.get(3)?,
                    run: r.get(4)?,
                    other_run: r.get(5)?,
                    strategy: r.get(6)?,
                    threshold: r.get(7)?,
                    seed: r.get(8)?,
                    limit: r.get(9)?,
                    overlap_share: r.get(10)?,
                    overlap_k: r.get(11)?,
                    blind: r.get(12)?,
                    lease_seconds: r.get(13)?,
                    assignees: match assignees {
                        Some(t) => crate::store::from_json_column(&t, 14)?,
                        None => Vec::new(),
                    },
                    gold: crate::review::GoldServing {
                        rate: r.get(15)?,
                        warmup: r.get(16)?,
                        qualification: match r.get::<_, Option<String>>(17)? {
                            Some(t) => Some(crate::store::from_json_column(&t, 17)?),
                            None => None,
                        },
                    },
                    temperature: r.get(18)?,
                    items: Vec::new(),
                })
            },
        )?;
        let mut stmt = conn.prepare_cached(
            "SELECT i.ext_id, q.score, q.needed FROM queue_items q JOIN items i ON i.id = q.item_id WHERE q.queue_id = ?1 ORDER BY q.position",
        )?;
        e.items = stmt
            .query_map([q], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        out.push(e);
    }
    Ok(out)
}

fn read_annotations(
    conn: &Connection,
    origin: i64,
    uid: &str,
    from: i64,
    f: &mut dyn FnMut(AnnotationEvent) -> Result<()>,
) -> Result<()> {
    let mut versions: HashMap<i64, VersionKey> = HashMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT a.uid, a.seq, a.created_at, i.version_id, i.ext_id, w.name, w.role, a.kind, l.name, r.code, a.note, a.flag,
                a.seconds, a.prediction_shown, a.source, t.uid, q.uid, ru.uid
         FROM annotations a JOIN items i ON i.id = a.item_id JOIN annotators w ON w.id = a.annotator_id
         LEFT JOIN labels l ON l.id = a.label_id LEFT JOIN reasons r ON r.id = a.reason_id
         LEFT JOIN annotations t ON t.id = a.retracts LEFT JOIN queues q ON q.id = a.queue_id LEFT JOIN runs ru ON ru.id = a.run_id
         WHERE a.origin = ?1 AND a.seq > ?2 ORDER BY a.seq",
    )?;
    let mut rows = stmt.query(rusqlite::params![origin, from])?;
    while let Some(r) = rows.next()? {
        let version: i64 = r.get(3)?;
        if let std::collections::hash_map::Entry::Vacant(v) = versions.entry(version) {
            v.insert(version_key(conn, version)?);
        }
        f(AnnotationEvent {
            uid: r.get(0)?,
            replica: uid.to_string(),
            seq: r.get(1)?,
            at: r.get(2)?,
            version: versions[&version].clone(),
            item: r.get(4)?,
            annotator: r.get(5)?,
            role: r.get(6)?,
            kind: r.get(7)?,
            label: r.get(8)?,
            reason: r.get(9)?,
            note: r.get(10)?,
            flag: r.get(11)?,
            seconds: r.get(12)?,
            prediction_shown: r.get(13)?,
            source: r.get(14)?,
            retracts: r.get(15)?,
            queue: r.get(16)?,
            run: r.get(17)?,
        })?;
    }
    Ok(())
}

/// A pack read from a file: its header and its events, checked.
#[derive(Debug)]
pub struct Pack {
    pub path: PathBuf,
    pub header: Header,
    pub events: Vec<PackEvent>,
}

/// A pack file whose header and body were read and checked (the body's length and checksum);
/// its events not parsed yet.
pub(crate) struct Checked {
    pub path: PathBuf,
    pub header: Header,
    body: Vec<u8>,
}

impl Checked {
    fn refuse(&self, message: String) -> Error {
        Error::Pack {
            path: self.path.clone(),
            message,
        }
    }

    /// Line `n` (0-based) of the body: an event inside the ranges the header states.
    fn parse_line(&self, n: usize, line: &[u8]) -> Result<PackEvent> {
        let e: PackEvent = serde_json::from_slice(line).map_err(|e| {
            self.refuse(format!(
                "event {} cannot be read ({e}); export the pack again",
                n + 1
            ))
        })?;
        let (replica, seq) = e.stamp();
        match self.header.ranges.get(replica) {
            Some((from, to)) if seq > *from && seq <= *to => Ok(e),
            _ => Err(self.refuse(format!(
                "event {} ({replica}#{seq}) lies outside the ranges its header states; export the pack again",
                n + 1
            ))),
        }
    }

    fn unreadable(&self, e: std::io::Error) -> Error {
        self.refuse(format!(
            "the pack's body cannot be read ({e}); export it again"
        ))
    }

    fn miscounted(&self, n: u64) -> Error {
        self.refuse(format!(
            "the pack holds {n} events where its header states {}; export it again",
            self.header.counts.events()
        ))
    }

    /// Every event, decompressed whole and parsed in parallel (rayon keeps their order; the
    /// first bad line is reported).
    fn events(&self) -> Result<Vec<PackEvent>> {
        let text = zstd::stream::decode_all(&self.body[..]).map_err(|e| self.unreadable(e))?;
        use rayon::prelude::*;
        let lines: Vec<(usize, &[u8])> = text
            .split(|b| *b == b'\n')
            .enumerate()
            .filter(|(_, l)| !l.is_empty())
            .collect();
        let events: Vec<PackEvent> = lines
            .par_iter()
            .map(|(n, line)| self.parse_line(*n, line))
            .collect::<Result<_>>()?;
        if events.len() as u64 != self.header.counts.events() {
            return Err(self.miscounted(events.len() as u64));
        }
        Ok(events)
    }

    /// The events in batches, decompressed and parsed on a thread of `scope` while the caller
    /// writes the batches before: memory stays a few batches whatever the pack's size. A bad
    /// line ends the stream with its error; the caller counts what it received.
    fn stream<'s>(
        &'s self,
        scope: &'s std::thread::Scope<'s, '_>,
    ) -> std::sync::mpsc::Receiver<Result<Vec<PackEvent>>> {
        const BATCH: usize = 4096;
        let (tx, rx) = std::sync::mpsc::sync_channel(8);
        scope.spawn(move || {
            let produce = || -> Result<()> {
                let decoder = zstd::stream::read::Decoder::new(&self.body[..])
                    .map_err(|e| self.unreadable(e))?;
                let mut r = std::io::BufReader::with_capacity(1 << 20, decoder);
                let (mut line, mut n) = (Vec::new(), 0usize);
                let mut batch = Vec::with_capacity(BATCH);
                loop {
                    line.clear();
                    if r.read_until(b'\n', &mut line)
                        .map_err(|e| self.unreadable(e))?
                        == 0
                    {
                        break;
                    }
                    let text = line.strip_suffix(b"\n").unwrap_or(&line);
                    if !text.is_empty() {
                        batch.push(self.parse_line(n, text)?);
                        if batch.len() == BATCH
                            && tx
                                .send(Ok(std::mem::replace(&mut batch, Vec::with_capacity(BATCH))))
                                .is_err()
                        {
                            return Ok(()); // the importer stopped
                        }
                    }
                    n += 1;
                }
                let _ = tx.send(Ok(batch));
                Ok(())
            };
            if let Err(e) = produce() {
                let _ = tx.send(Err(e));
            }
        });
        rx
    }
}

/// Read a pack file's magic line and header, and check its body's length and checksum.
pub(crate) fn check_pack(path: &Path) -> Result<Checked> {
    let refuse = |message: String| Error::Pack {
        path: path.to_path_buf(),
        message,
    };
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut r = std::io::BufReader::new(f);
    let mut magic = String::new();
    r.by_ref()
        .take(64)
        .read_line(&mut magic)
        .map_err(|e| Error::io(path, e))?;
    if magic.trim_end() != MAGIC {
        return Err(refuse(
            "not an Arbiter event pack (it does not start with ARBITER-PACK); give a file made by `arbiter sync export`".into(),
        ));
    }
    let mut head = String::new();
    r.by_ref()
        .take(16 << 20)
        .read_line(&mut head)
        .map_err(|e| Error::io(path, e))?;
    let v: serde_json::Value = serde_json::from_str(&head).map_err(|e| {
        refuse(format!(
            "its header is damaged ({e}); export the pack again"
        ))
    })?;
    let format = v
        .get("format")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0);
    if format > u64::from(FORMAT) {
        return Err(refuse(format!(
            "the pack has format {format}, newer than this Arbiter reads (format {FORMAT}); upgrade Arbiter on this machine"
        )));
    }
    let header: Header = serde_json::from_value(v).map_err(|e| {
        refuse(format!(
            "its header is damaged ({e}); export the pack again"
        ))
    })?;
    let mut body = Vec::with_capacity(header.body_bytes.min(1 << 30) as usize);
    r.read_to_end(&mut body).map_err(|e| Error::io(path, e))?;
    if (body.len() as u64) < header.body_bytes {
        return Err(refuse(format!(
            "the pack is truncated ({} of {} bytes); copy it again or export it again",
            body.len(),
            header.body_bytes
        )));
    }
    if body.len() as u64 != header.body_bytes
        || hex(&sha2::Sha256::digest(&body)) != header.body_sha256
    {
        return Err(refuse(
            "the pack is damaged (its checksum does not match); copy it again or export it again"
                .into(),
        ));
    }
    Ok(Checked {
        path: path.to_path_buf(),
        header,
        body,
    })
}

/// Read and check a pack file: the magic line, a header this build understands, a body of the
/// stated length and checksum, events that match the header's ranges.
pub fn read_pack(path: &Path) -> Result<Pack> {
    let checked = check_pack(path)?;
    let events = checked.events()?;
    Ok(Pack {
        path: checked.path,
        header: checked.header,
        events,
    })
}

/// What importing a pack added (or, for a dry run, would add).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Imported {
    pub file: PathBuf,
    pub source_replica: String,
    pub events_added: u64,
    pub events_known: u64,
    pub annotators_added: u64,
    pub queues_added: u64,
    pub runs_added: u64,
    pub settings_added: u64,
    /// Items in conflict (votes that disagree, waiting for a reviewer) before and after.
    pub conflicts_before: u64,
    pub conflicts_after: u64,
    /// Events that wait for another that has not arrived (a retraction before its event).
    pub pending: u64,
    /// Queues renamed because two replicas saved different queues under one name.
    pub renamed_queues: Vec<String>,
    pub dry_run: bool,
}

/// Import packs, each all-or-nothing in its own transaction (a refused pack stops the list:
/// the packs before it stay imported). A dry run reports what each would add and writes
/// nothing.
pub fn import(project: &mut Project, files: &[PathBuf], dry_run: bool) -> Result<Vec<Imported>> {
    if project.is_read_only() && !dry_run {
        return Err(Error::InvalidArgument(format!(
            "{}: the project is read-only here; nothing was imported",
            project.root().display()
        )));
    }
    let mut out = Vec::new();
    for f in files {
        out.push(import_checked(
            project.conn_mut(),
            &check_pack(f)?,
            dry_run,
        )?);
    }
    Ok(out)
}

/// Import one pack whose header and body were checked: a large one streamed (its events
/// parsed on a second thread while the first writes), a small one parsed whole first.
pub(crate) fn import_checked(
    conn: &mut Connection,
    checked: &Checked,
    dry_run: bool,
) -> Result<Imported> {
    if checked.header.counts.annotations < BULK as u64 {
        let events = checked.events()?;
        return import_events(conn, checked, Events::Whole(&events), dry_run);
    }
    std::thread::scope(|scope| {
        let rx = checked.stream(scope);
        import_events(conn, checked, Events::Streamed(rx), dry_run)
    })
}

/// A pack's events: read whole, or arriving in batches from a parsing thread.
enum Events<'p> {
    Whole(&'p [PackEvent]),
    Streamed(std::sync::mpsc::Receiver<Result<Vec<PackEvent>>>),
}

impl Events<'_> {
    /// `f` on every event in the pack's order; a streamed pack must deliver the number of
    /// events its header states (a parsing thread that stopped early is an error).
    fn for_each(
        self,
        checked: &Checked,
        mut f: impl FnMut(&PackEvent) -> Result<()>,
    ) -> Result<()> {
        match self {
            Events::Whole(events) => events.iter().try_for_each(f),
            Events::Streamed(rx) => {
                let mut n = 0u64;
                for batch in rx {
                    let batch = batch?;
                    n += batch.len() as u64;
                    batch.iter().try_for_each(&mut f)?;
                }
                if n != checked.header.counts.events() {
                    return Err(checked.miscounted(n));
                }
                Ok(())
            }
        }
    }
}

/// Import one pack's events, all-or-nothing.
fn import_events(
    conn: &mut Connection,
    checked: &Checked,
    events: Events<'_>,
    dry_run: bool,
) -> Result<Imported> {
    // In bulk, foreign keys are not looked up per row: every id an import writes is one it
    // read in the same transaction (the resolver's lookups), so the references hold by
    // construction; debug builds (the tests) check them all before the commit. The pragma
    // cannot change inside a transaction: it is set around it, and restored on every path.
    let bulk = checked.header.counts.annotations >= BULK as u64;
    let enforced: bool = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
    if bulk && enforced {
        conn.pragma_update(None, "foreign_keys", false)?;
    }
    let result = apply_in_transaction(conn, checked, events, dry_run);
    if bulk && enforced {
        conn.pragma_update(None, "foreign_keys", true)?;
    }
    result
}

fn apply_in_transaction(
    conn: &mut Connection,
    checked: &Checked,
    events: Events<'_>,
    dry_run: bool,
) -> Result<Imported> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let result = apply(&tx, checked, events, dry_run)?;
    if cfg!(debug_assertions) {
        let broken: i64 =
            tx.query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })?;
        if broken > 0 {
            return Err(internal(format!(
                "the import would leave {broken} broken reference(s)"
            )));
        }
    }
    if dry_run {
        tx.rollback()?;
    } else {
        tx.commit()?;
    }
    Ok(result)
}

/// Items in conflict among `items` (every item when `None`: a pack that changes a setting
/// may change any decision): item by item when they are few, else from one lean pass over
/// every event.
fn conflicts(conn: &Connection, items: Option<&HashSet<i64>>) -> Result<u64> {
    let is_conflict = |d: &crate::decide::Decision| d.status == crate::decide::Status::Conflict;
    // By annotator quality, every decision rests on one fit of the whole project: made once.
    let global = crate::decide::rule_in(conn)?.mode == crate::decide::Mode::DawidSkene;
    match items {
        Some(items) if items.len() <= 5_000 && !global => {
            let mut n = 0;
            for i in items {
                n += u64::from(is_conflict(&crate::decide::decision_in(conn, *i)?));
            }
            Ok(n)
        }
        _ => Ok(crate::decide::conflict_items(conn, items)?.len() as u64),
    }
}

/// New annotation events from which an import writes in bulk: the per-event review-state
/// trigger is set aside and its own statements run once per touched item at the end.
const BULK: usize = 10_000;

/// The statements of the review-state trigger (`annotations_item_state`, migrations 0005,
/// 0007, 0008) as it stands in the database, each with `NEW.item_id` as parameter 1: run
/// once per touched item, they give every item and queue item the state the trigger would
/// have left after the item's last event.
fn trigger_statements(sql: &str) -> Result<Vec<String>> {
    let body = sql
        .split_once("BEGIN")
        .and_then(|(_, b)| b.rsplit_once("END"))
        .map(|(b, _)| b)
        .ok_or_else(|| internal("the review-state trigger cannot be read"))?;
    Ok(body
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.replace("NEW.item_id", "?1"))
        .collect())
}

/// Local ids of what events name, looked up once.
struct Resolver<'c> {
    conn: &'c Connection,
    pack: &'c Path,
    versions: HashMap<VersionKey, i64>,
    annotators: HashMap<String, i64>,
    labels: HashMap<String, i64>,
    reasons: HashMap<String, i64>,
    queues: HashMap<String, i64>,
    runs: HashMap<String, Option<i64>>,
    origins: HashMap<String, i64>,
    annotators_added: u64,
    /// Every item of a version by its id, read once (bulk imports); else one query per event.
    items: Option<HashMap<i64, HashMap<String, i64>>>,
    /// The items given events.
    touched: HashSet<i64>,
}

impl<'c> Resolver<'c> {
    fn refuse(&self, message: String) -> Error {
        Error::Pack {
            path: self.pack.to_path_buf(),
            message,
        }
    }

    fn origin(&mut self, uid: &str) -> Result<i64> {
        if let Some(id) = self.origins.get(uid) {
            return Ok(*id);
        }
        let id = crate::identity::origin_id(self.conn, uid)?;
        self.origins.insert(uid.to_string(), id);
        Ok(id)
    }

    fn version(&mut self, k: &VersionKey) -> Result<i64> {
        if let Some(id) = self.versions.get(k) {
            return Ok(*id);
        }
        let id: Option<i64> = self
            .conn
            .query_row(
                "SELECT v.id FROM dataset_versions v JOIN datasets d ON d.id = v.dataset_id
                 WHERE d.name = ?1 AND v.content_hash = ?2 ORDER BY v.id LIMIT 1",
                (&k.dataset, &k.content_hash),
                |r| r.get(0),
            )
            .optional()?;
        let id = id.ok_or_else(|| {
            self.refuse(format!(
                "its events need a version of dataset {:?} (content {}…) that this replica lacks; make this replica with `arbiter clone` from one that has it, or import the same data here with `arbiter import`",
                k.dataset,
                &k.content_hash[..k.content_hash.len().min(12)]
            ))
        })?;
        self.versions.insert(k.clone(), id);
        Ok(id)
    }

    fn item(&mut self, k: &VersionKey, ext: &str) -> Result<i64> {
        let v = self.version(k)?;
        if let Some(all) = self.items.as_mut() {
            if let std::collections::hash_map::Entry::Vacant(e) = all.entry(v) {
                let m: HashMap<String, i64> = self
                    .conn
                    .prepare("SELECT ext_id, id FROM items WHERE version_id = ?1")?
                    .query_map([v], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<_>>()?;
                e.insert(m);
            }
            if let Some(id) = all.get(&v).and_then(|m| m.get(ext)) {
                return Ok(*id);
            }
            return Err(self.refuse(format!(
                "item {ext:?} is not in this replica's version of dataset {:?}",
                k.dataset
            )));
        }
        self.conn
            .prepare_cached("SELECT id FROM items WHERE version_id = ?1 AND ext_id = ?2")?
            .query_row(rusqlite::params![v, ext], |r| r.get(0))
            .optional()?
            .ok_or_else(|| {
                self.refuse(format!(
                    "item {ext:?} is not in this replica's version of dataset {:?}",
                    k.dataset
                ))
            })
    }

    fn annotator(&mut self, name: &str, role: &str) -> Result<i64> {
        if let Some(id) = self.annotators.get(name) {
            return Ok(*id);
        }
        let id = match crate::annotators::find_annotator(self.conn, name)? {
            Some(a) => a.id,
            None => {
                let role: crate::annotators::Role = role.parse()?;
                self.annotators_added += 1;
                crate::annotators::add_annotator_in(self.conn, name, role)?.id
            }
        };
        self.annotators.insert(name.to_string(), id);
        Ok(id)
    }

    fn label(&mut self, name: &str) -> Result<i64> {
        if let Some(id) = self.labels.get(name) {
            return Ok(*id);
        }
        let id: i64 = self
            .conn
            .query_row("SELECT id FROM labels WHERE name = ?1", [name], |r| r.get(0))
            .optional()?
            .ok_or_else(|| {
                self.refuse(format!(
                    "its events name label {name:?}, which this replica's schema lacks and the pack does not define; import the packs that define it first (or add it with `arbiter labels add {name}`)"
                ))
            })?;
        self.labels.insert(name.to_string(), id);
        Ok(id)
    }

    fn reason(&mut self, code: &str) -> Result<i64> {
        if let Some(id) = self.reasons.get(code) {
            return Ok(*id);
        }
        let id: i64 = self
            .conn
            .query_row("SELECT id FROM reasons WHERE code = ?1", [code], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or_else(|| {
                self.refuse(format!(
                    "its events name correction reason {code:?}, which this replica does not have"
                ))
            })?;
        self.reasons.insert(code.to_string(), id);
        Ok(id)
    }

    fn queue(&mut self, uid: &str) -> Result<i64> {
        if let Some(id) = self.queues.get(uid) {
            return Ok(*id);
        }
        let id: i64 = self
            .conn
            .query_row("SELECT id FROM queues WHERE uid = ?1", [uid], |r| r.get(0))
            .optional()?
            .ok_or_else(|| {
                self.refuse(format!(
                    "its events were recorded in queue {uid}, which this replica does not have; import the pack of the replica that saved the queue first"
                ))
            })?;
        self.queues.insert(uid.to_string(), id);
        Ok(id)
    }

    fn run(&mut self, uid: &str) -> Result<Option<i64>> {
        if let Some(id) = self.runs.get(uid) {
            return Ok(*id);
        }
        let id: Option<i64> = self
            .conn
            .query_row("SELECT id FROM runs WHERE uid = ?1", [uid], |r| r.get(0))
            .optional()?;
        self.runs.insert(uid.to_string(), id);
        Ok(id)
    }
}

fn apply(conn: &Connection, pack: &Checked, events: Events<'_>, dry_run: bool) -> Result<Imported> {
    let id = crate::identity::identity_in(conn)?;
    let h = &pack.header;
    let refuse = |message: String| pack.refuse(message);
    if h.project_id != id.project_id {
        return Err(refuse(format!(
            "the pack belongs to project {}, and this is project {}; import it into a replica of its own project",
            h.project_id, id.project_id
        )));
    }
    let seen = stamp_in(conn)?;
    for (replica, (from, _)) in &h.ranges {
        let have = seen.get(replica).copied().unwrap_or(0);
        if *from > have {
            return Err(refuse(format!(
                "it continues replica {replica}'s events after #{from}, but this replica holds only up to #{have}; import that replica's earlier packs first, or export a pack with `--since` this replica's `arbiter sync status --json`"
            )));
        }
    }
    let mut out = Imported {
        file: pack.path.clone(),
        source_replica: h.source_replica.clone(),
        dry_run,
        ..Imported::default()
    };
    // A streamed pack is large (from `BULK` annotation events): written in bulk.
    let bulk = matches!(events, Events::Streamed(_));
    let mut res = Resolver {
        conn,
        pack: &pack.path,
        versions: HashMap::new(),
        annotators: HashMap::new(),
        labels: HashMap::new(),
        reasons: HashMap::new(),
        queues: HashMap::new(),
        runs: HashMap::new(),
        origins: HashMap::new(),
        annotators_added: 0,
        items: bulk.then(HashMap::new),
        touched: HashSet::new(),
    };
    // Conflicts among the items the pack's events touch (every item when it changes a
    // setting), before and after. In bulk, the project's conflict items before, kept to
    // compare once the touched items are known; else the touched items, looked up first.
    let mut touched: HashSet<i64> = HashSet::new();
    let (conflicts_before, changes_settings) = match &events {
        Events::Streamed(_) => (Some(crate::decide::conflict_items(conn, None)?), false),
        Events::Whole(all) => {
            let new = |replica: &str, seq: i64| seq > seen.get(replica).copied().unwrap_or(0);
            for e in all.iter() {
                if let PackEvent::Annotation(a) = e {
                    // An item this replica lacks is refused below, with the event that names it.
                    if new(&a.replica, a.seq) {
                        if let Ok(i) = res.item(&a.version, &a.item) {
                            touched.insert(i);
                        }
                    }
                }
            }
            // A new setting may change any decision; so may any new vote when decisions
            // weigh annotators by a fit of the whole project (`dawid-skene`).
            let changes_settings = all
                .iter()
                .any(|e| matches!(e, PackEvent::Setting(s) if new(&s.replica, s.seq)))
                || crate::decide::rule_in(conn)?.mode == crate::decide::Mode::DawidSkene;
            out.conflicts_before = conflicts(conn, (!changes_settings).then_some(&touched))?;
            (None, changes_settings)
        }
    };
    let trigger: Option<(String, i64)> = if bulk {
        // In bulk: a larger page cache while writing, and the review-state trigger set aside
        // (inside this transaction: a failure or a kill puts it back with everything else).
        let cache: i64 = conn.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
        conn.pragma_update(None, "cache_size", -262_144)?;
        let sql: String = conn.query_row(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'annotations_item_state'",
            [],
            |r| r.get(0),
        )?;
        conn.execute_batch("DROP TRIGGER annotations_item_state")?;
        Some((sql, cache))
    } else {
        None
    };
    let known = |replica: &str, seq: i64| seq <= seen.get(replica).copied().unwrap_or(0);
    let mut settings_changed = false;
    let mut waiting: Vec<AnnotationEvent> = Vec::new();
    events.for_each(pack, |e| {
        let (replica, seq) = e.stamp();
        if known(replica, seq) {
            out.events_known += 1;
            return Ok(());
        }
        out.events_added += 1;
        match e {
            PackEvent::Setting(s) => {
                let origin = res.origin(&s.replica)?;
                conn.prepare_cached(
                    "INSERT INTO setting_events (uid, origin, seq, key, value, actor, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(rusqlite::params![s.uid, origin, s.seq, s.key, s.value.to_string(), s.actor, s.at])?;
                settings_changed = true;
                out.settings_added += 1;
            }
            PackEvent::Run(r) => {
                insert_run(&mut res, r)?;
                out.runs_added += 1;
            }
            PackEvent::Queue(q) => {
                if let Some(renamed) = insert_queue(&mut res, q)? {
                    out.renamed_queues.push(renamed);
                }
                out.queues_added += 1;
            }
            PackEvent::Annotation(a) => {
                if settings_changed {
                    // Labels the pack defines exist before its annotations name them.
                    crate::identity::apply_settings(conn)?;
                    settings_changed = false;
                    res.labels.clear();
                }
                if !insert_annotation(&mut res, a)? {
                    waiting.push((**a).clone());
                }
            }
        }
        Ok(())
    })?;
    let changes_settings = changes_settings
        || out.settings_added > 0
        || crate::decide::rule_in(conn)?.mode == crate::decide::Mode::DawidSkene;
    if settings_changed {
        crate::identity::apply_settings(conn)?;
    }
    // The auto-accept in force may have changed, or its run arrived.
    crate::calibration::refresh(conn)?;
    // Retractions whose event came later in the pack, then those still waiting.
    for a in &waiting {
        if !insert_annotation(&mut res, a)? {
            let origin = res.origin(&a.replica)?;
            let body = serde_json::to_string(&PackEvent::Annotation(Box::new(a.clone())))
                .map_err(internal)?;
            conn.execute(
                "INSERT OR IGNORE INTO pending_events (uid, origin, seq, waits, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                rusqlite::params![a.uid, origin, a.seq, a.retracts, body],
            )?;
        }
    }
    release_pending(&mut res)?;
    if let Some((sql, cache)) = trigger {
        let statements = trigger_statements(&sql)?;
        let mut prepared = Vec::with_capacity(statements.len());
        for st in &statements {
            prepared.push(conn.prepare(st)?);
        }
        let mut items: Vec<i64> = res.touched.iter().copied().collect();
        items.sort_unstable();
        for item in items {
            for p in &mut prepared {
                p.execute([item])?;
            }
        }
        drop(prepared);
        conn.execute_batch(&sql)?;
        conn.pragma_update(None, "cache_size", cache)?;
    }
    for (replica, (_, to)) in &h.ranges {
        let origin = res.origin(replica)?;
        conn.execute(
            "UPDATE origins SET seen = MAX(seen, ?2) WHERE id = ?1",
            rusqlite::params![origin, to],
        )?;
    }
    out.annotators_added = res.annotators_added;
    out.pending = conn.query_row("SELECT COUNT(*) FROM pending_events", [], |r| {
        r.get::<_, i64>(0)
    })? as u64;
    touched.extend(res.touched.iter().copied());
    match conflicts_before {
        Some(before) => {
            let after = crate::decide::conflict_items(conn, None)?;
            let among = |set: &HashSet<i64>| match changes_settings {
                true => set.len() as u64,
                false => set.intersection(&touched).count() as u64,
            };
            out.conflicts_before = among(&before);
            out.conflicts_after = among(&after);
        }
        None => out.conflicts_after = conflicts(conn, (!changes_settings).then_some(&touched))?,
    }
    if !dry_run && out.events_added > 0 {
        crate::audit::record(
            conn,
            "arbiter",
            "sync.import",
            &serde_json::json!({ "pack": pack.path.display().to_string(), "from": h.source_replica,
                "events_added": out.events_added, "events_known": out.events_known,
                "renamed_queues": out.renamed_queues }),
        )?;
    }
    Ok(out)
}

/// Apply the waiting events whose event has now arrived (a retraction may free another).
fn release_pending(res: &mut Resolver<'_>) -> Result<()> {
    loop {
        let ready: Vec<(String, String)> = res
            .conn
            .prepare(
                "SELECT p.uid, p.body FROM pending_events p WHERE EXISTS (SELECT 1 FROM annotations a WHERE a.uid = p.waits) ORDER BY p.uid",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        if ready.is_empty() {
            return Ok(());
        }
        for (uid, body) in ready {
            let PackEvent::Annotation(a) = serde_json::from_str(&body).map_err(internal)? else {
                return Err(internal("a waiting event is not an annotation"));
            };
            res.conn
                .execute("DELETE FROM pending_events WHERE uid = ?1", [&uid])?;
            insert_annotation(res, &a)?;
        }
    }
}

/// Insert an annotation event; `false` when it is a retraction whose event is not here yet.
fn insert_annotation(res: &mut Resolver<'_>, a: &AnnotationEvent) -> Result<bool> {
    let retracts = match &a.retracts {
        Some(uid) => match res
            .conn
            .prepare_cached("SELECT id FROM annotations WHERE uid = ?1")?
            .query_row([uid], |r| r.get::<_, i64>(0))
            .optional()?
        {
            Some(id) => Some(id),
            None => return Ok(false),
        },
        None => None,
    };
    let item = res.item(&a.version, &a.item)?;
    res.touched.insert(item);
    let annotator = res.annotator(&a.annotator, &a.role)?;
    let label = a.label.as_deref().map(|l| res.label(l)).transpose()?;
    let reason = a.reason.as_deref().map(|r| res.reason(r)).transpose()?;
    let queue = a.queue.as_deref().map(|q| res.queue(q)).transpose()?;
    let run = match &a.run {
        Some(r) => res.run(r)?,
        None => None,
    };
    let origin = res.origin(&a.replica)?;
    res.conn
        .prepare_cached(
            "INSERT INTO annotations (item_id, annotator_id, queue_id, run_id, kind, label_id, reason_id, note, flag, seconds,
                                      prediction_shown, source, retracts, created_at, uid, origin, seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        )?
        .execute(rusqlite::params![
            item,
            annotator,
            queue,
            run,
            a.kind,
            label,
            reason,
            a.note,
            a.flag,
            a.seconds,
            a.prediction_shown,
            a.source,
            retracts,
            a.at,
            a.uid,
            origin,
            a.seq
        ])
        .map_err(|e| {
            res.refuse(format!(
                "event {} ({} on item {:?}) cannot be stored ({e})",
                a.uid, a.kind, a.item
            ))
        })?;
    Ok(true)
}

fn insert_run(res: &mut Resolver<'_>, r: &RunEvent) -> Result<()> {
    let conn = res.conn;
    if res.run(&r.uid)?.is_some() {
        // Held already (a clone's copy, stamped here first): nothing to add.
        return Ok(());
    }
    let version = res.version(&r.version)?;
    let m = &r.model;
    let model: Option<i64> = conn
        .query_row(
            "SELECT id FROM models WHERE sha256 = ?1 AND name = ?2 AND version = ?3",
            rusqlite::params![m.sha256, m.name, m.version],
            |x| x.get(0),
        )
        .optional()?;
    let model = match model {
        Some(id) => id,
        None => {
            let taken: bool = conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM models WHERE name = ?1 AND version = ?2)",
                rusqlite::params![m.name, m.version],
                |x| x.get(0),
            )?;
            // Two replicas registered different files under one name and version: the
            // arriving one takes the next free version here.
            let version_no: i64 = if taken {
                conn.query_row(
                    "SELECT MAX(version) + 1 FROM models WHERE name = ?1",
                    [&m.name],
                    |x| x.get(0),
                )?
            } else {
                m.version
            };
            conn.execute(
                "INSERT INTO models (name, version, sha256, file, kind, inputs, outputs, classes, classes_source, preprocess, output, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                rusqlite::params![m.name, version_no, m.sha256, format!("models/{}.onnx", m.sha256), m.kind, m.inputs, m.outputs,
                    m.classes, m.classes_source, m.preprocess, m.output, m.created_at],
            )?;
            conn.last_insert_rowid()
        }
    };
    let origin = res.origin(&r.replica)?;
    conn.execute(
        "INSERT INTO runs (model_id, version_id, device, provider, notice, batch_size, status, items_total, items_done, items_failed,
                           seconds, model_seconds, started_at, finished_at, uid, origin, seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        rusqlite::params![model, version, r.device, r.provider, r.notice, r.batch_size, r.status, r.items_total, r.items_done,
            r.items_failed, r.seconds, r.model_seconds, r.started_at, r.finished_at, r.uid, origin, r.seq],
    )?;
    let run = conn.last_insert_rowid();
    res.runs.insert(r.uid.clone(), Some(run));
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut ins = crate::predict::scores::insert_statement(conn, false)?;
    for p in &r.predictions {
        let item = res.item(&r.version, &p.0)?;
        let probs =
            match &p.7 {
                Some(t) => Some(b64.decode(t).map_err(|e| {
                    res.refuse(format!("run {}: damaged probabilities ({e})", r.uid))
                })?),
                None => None,
            };
        ins.execute(rusqlite::params![
            run, item, p.1, p.2, p.3, p.4, p.5, p.6, probs, p.8
        ])?;
    }
    Ok(())
}

/// Insert a queue event; returns the name a queue was renamed to when two replicas saved
/// different queues under one name (the later by time, then uid, takes `NAME~UID8`, the same
/// on every replica).
fn insert_queue(res: &mut Resolver<'_>, q: &QueueEvent) -> Result<Option<String>> {
    let conn = res.conn;
    let run = res.run(&q.run)?.ok_or_else(|| {
        res.refuse(format!(
            "queue {:?} ranks run {}, which this replica does not have; import the pack of the replica that made the run first",
            q.name, q.run
        ))
    })?;
    let other = match &q.other_run {
        Some(o) => Some(res.run(o)?.ok_or_else(|| {
            res.refuse(format!(
                "queue {:?} compares with run {o}, which this replica does not have",
                q.name
            ))
        })?),
        None => None,
    };
    let version: i64 = conn.query_row("SELECT version_id FROM runs WHERE id = ?1", [run], |r| {
        r.get(0)
    })?;
    let key = version_key(conn, version)?;
    let mut renamed = None;
    let mut name = q.name.clone();
    let clash: Option<(i64, String, String)> = conn
        .query_row(
            "SELECT id, created_at, uid FROM queues WHERE name = ?1",
            [&q.name],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    if let Some((other_id, at, uid)) = clash {
        let alt = |uid: &str| format!("{}~{}", q.name, &uid[uid.len().saturating_sub(8)..]);
        if (q.at.as_str(), q.uid.as_str()) > (at.as_str(), uid.as_str()) {
            name = alt(&q.uid);
            renamed = Some(name.clone());
        } else {
            let new = alt(&uid);
            conn.execute(
                "UPDATE queues SET name = ?2 WHERE id = ?1",
                rusqlite::params![other_id, new],
            )?;
            renamed = Some(new);
        }
    }
    let origin = res.origin(&q.replica)?;
    conn.execute(
        "INSERT INTO queues (name, run_id, other_run_id, strategy, threshold, seed, limit_n, overlap_share, overlap_k, blind, lease_seconds,
                             created_at, uid, origin, seq, assignees, gold_rate, gold_warmup, qualification, temperature)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
        rusqlite::params![name, run, other, q.strategy, q.threshold, q.seed, q.limit, q.overlap_share, q.overlap_k, q.blind,
            q.lease_seconds, q.at, q.uid, origin, q.seq,
            (!q.assignees.is_empty()).then(|| serde_json::json!(q.assignees).to_string()),
            q.gold.rate, q.gold.warmup, q.gold.qualification.map(|x| serde_json::json!(x).to_string()), q.temperature],
    )?;
    let id = conn.last_insert_rowid();
    let mut items = Vec::with_capacity(q.items.len());
    for (ext, score, needed) in &q.items {
        items.push((res.item(&key, ext)?, *score, *needed));
    }
    crate::review::fill_queue(conn, id, q.blind, &items, &q.assignees)?;
    res.queues.insert(q.uid.clone(), id);
    Ok(renamed)
}

/// Events made on each replica, for the Team screen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    pub replica: String,
    pub this_replica: bool,
    /// Events held of that replica (1..n).
    pub events: i64,
    pub annotations: i64,
    pub annotators: Vec<String>,
    pub last_at: Option<String>,
}

pub fn contributions(project: &Project) -> Result<Vec<Contribution>> {
    let conn = project.conn();
    let me = crate::identity::identity_in(conn)?.replica_id;
    let mut stmt = conn.prepare(
        "SELECT o.uid, o.seen,
                (SELECT COUNT(*) FROM annotations a WHERE a.origin = o.id),
                (SELECT GROUP_CONCAT(name, char(31)) FROM (SELECT DISTINCT w.name FROM annotations a JOIN annotators w ON w.id = a.annotator_id
                  WHERE a.origin = o.id ORDER BY w.name)),
                (SELECT MAX(created_at) FROM annotations a WHERE a.origin = o.id)
         FROM origins o WHERE o.seen > 0 ORDER BY o.uid",
    )?;
    let rows = stmt.query_map([], |r| {
        let uid: String = r.get(0)?;
        let names: Option<String> = r.get(3)?;
        Ok(Contribution {
            this_replica: uid == me,
            replica: uid,
            events: r.get(1)?,
            annotations: r.get(2)?,
            annotators: names
                .map(|n| n.split('\u{1f}').map(String::from).collect())
                .unwrap_or_default(),
            last_at: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests;
