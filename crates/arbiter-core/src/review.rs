//! Saved review queues and who works on what: a queue keeps its policy (strategy, threshold,
//! seed, limit, overlap) and its ranked items; `next` atomically claims the next item for an
//! annotator with a lease that lapses, so annotators working at once never push an item past
//! the number of people it needs (k for the overlap share, else 1) and nobody sees an item twice.
//! An item leaves the queue once it has enough labels or a reviewer's override.

use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;

use crate::annotate;
use crate::error::{Error, Result};
use crate::queue::{self, splitmix64, QueueSpec};
use crate::store::Project;
use crate::time::NOW_SQL;

#[derive(Debug, Clone)]
pub struct QueueCreate {
    pub name: String,
    pub spec: QueueSpec,
    pub limit: Option<usize>,
    /// Share of the queued items (0–1) that go to `overlap_k` annotators.
    pub overlap_share: f64,
    pub overlap_k: usize,
    /// Hide predictions and other people's labels from annotators.
    pub blind: bool,
    pub lease_seconds: u32,
    /// Work split without a server: the annotators the queue's items go to, each item to its
    /// `needed` of them by rendezvous hashing (the same on every replica); empty: anyone.
    pub assign: Vec<String>,
    /// Gold items served among the queue's own, and whether it is a qualification.
    pub gold: GoldServing,
}

impl QueueCreate {
    /// A queue of `spec` named `name` with the usual policy: every ranked item, one person
    /// per item, not blind, a 10-minute lease, open to anyone, no gold.
    pub fn new(name: impl Into<String>, spec: QueueSpec) -> QueueCreate {
        QueueCreate {
            name: name.into(),
            spec,
            limit: None,
            overlap_share: 0.0,
            overlap_k: 1,
            blind: false,
            lease_seconds: 600,
            assign: Vec::new(),
            gold: GoldServing::default(),
        }
    }
}

/// How a queue serves gold items (see the `gold` module): each annotator's first `warmup` items are
/// gold, then each further item is gold with probability `rate` — by a hash of the queue's
/// seed, the annotator and the item's place in their sequence, so the same on every replica
/// and every run. Gold items are served blind (a queue serving gold is blind: no prediction,
/// given label or other people's labels on any of its items), so they look like any other.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct GoldServing {
    pub rate: f64,
    pub warmup: u32,
    /// A qualification queue: it serves only gold items, `pass_items` to each annotator, and
    /// grades them; annotators claim from other queues only once they passed.
    pub qualification: Option<Qualification>,
}

impl GoldServing {
    /// Whether the queue serves any gold item.
    pub fn serves(&self) -> bool {
        self.rate > 0.0 || self.warmup > 0 || self.qualification.is_some()
    }
}

/// What passing a qualification queue takes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct Qualification {
    /// The least share correct, in (0, 1].
    pub pass_accuracy: f64,
    /// How many gold items each annotator labels there (at least 1).
    pub pass_items: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SavedQueue {
    pub id: i64,
    pub name: String,
    pub run: i64,
    pub strategy: crate::queue::Strategy,
    pub threshold: Option<f64>,
    pub seed: i64,
    pub limit: Option<i64>,
    pub overlap_share: f64,
    pub overlap_k: i64,
    pub blind: bool,
    pub lease_seconds: i64,
    pub created_at: String,
    /// The annotators an `--assign` queue splits its items between (empty: anyone).
    pub assignees: Vec<String>,
    pub gold: GoldServing,
    /// The run's temperature a `--calibrated` queue ranked by (its scores and threshold are
    /// calibrated confidence under it); `None`: the model's own confidence.
    pub temperature: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub total: u64,
    /// Enough labels (or an override): out of the queue.
    pub done: u64,
    /// Some labels, fewer than needed.
    pub partial: u64,
    /// Claimed right now by someone.
    pub claimed: u64,
    /// No label yet.
    pub untouched: u64,
    pub skipped: u64,
    pub flagged: u64,
}

/// An item handed to an annotator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assigned {
    pub item: i64,
    pub item_id: String,
    pub position: i64,
    pub score: f64,
    pub needed: i64,
    pub lease_until: f64,
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Whether an item falls in the overlap share (a seeded, documented hash).
pub fn in_overlap(seed: u64, item: i64, share: f64) -> bool {
    let u = (splitmix64(seed ^ 0x6f76_6572_6c61_7021 ^ splitmix64(item as u64)) >> 11) as f64
        / (1u64 << 53) as f64;
    u < share
}

/// Rank and save a queue (a `set-size` queue: `conformal::create`).
pub fn create(project: &mut Project, q: &QueueCreate) -> Result<SavedQueue> {
    create_with(
        project,
        q,
        |p| queue::rank(p, &q.spec),
        serde_json::Value::Null,
    )
}

/// Save a queue whose items were ranked already (the drift module's domain classifier for a
/// drift queue), checked like [`create`].
pub fn create_ranked(
    project: &mut Project,
    q: &QueueCreate,
    ranked: Vec<queue::Ranked>,
) -> Result<SavedQueue> {
    create_with(project, q, move |_| Ok(ranked), serde_json::Value::Null)
}

/// Save a queue whose items `rank` orders (called after every check on `q`); `extra`, when
/// not null, is recorded in the audit entry as `ranking`.
pub(crate) fn create_with(
    project: &mut Project,
    q: &QueueCreate,
    rank: impl FnOnce(&Project) -> Result<Vec<queue::Ranked>>,
    extra: serde_json::Value,
) -> Result<SavedQueue> {
    if q.name.trim().is_empty() {
        return Err(Error::InvalidArgument("a queue needs a name".into()));
    }
    if !(0.0..=1.0).contains(&q.overlap_share) || q.overlap_k == 0 {
        return Err(Error::InvalidArgument(
            "overlap: a share between 0 and 1 and k of at least 1".into(),
        ));
    }
    let assign = check_assignees(&q.assign, q.overlap_k)?;
    check_gold(&q.gold)?;
    let ranked = rank(project)?;
    let temperature = if q.spec.calibrated {
        Some(crate::calibrated::required_temperature(
            project.conn(),
            q.spec.run,
        )?)
    } else {
        None
    };
    let tx = project
        .conn_mut()
        .transaction_with_behavior(TransactionBehavior::Immediate)?;
    let exists: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM queues WHERE name = ?1)",
        [q.name.trim()],
        |r| r.get(0),
    )?;
    if exists {
        return Err(Error::InvalidArgument(format!(
            "a queue named {:?} exists; pick another name",
            q.name.trim()
        )));
    }
    // The queue is an event; the run it ranks travels before it.
    crate::identity::stamp_run(&tx, q.spec.run)?;
    if let Some(other) = q.spec.other_run {
        crate::identity::stamp_run(&tx, other)?;
    }
    let stamp = crate::identity::next_stamp(&tx)?;
    tx.execute(
        &format!(
            "INSERT INTO queues (name, run_id, other_run_id, strategy, threshold, seed, limit_n, overlap_share, overlap_k, blind, lease_seconds, created_at,
                                 uid, origin, seq, assignees, gold_rate, gold_warmup, qualification, temperature)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, {NOW_SQL}, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)"
        ),
        rusqlite::params![
            q.name.trim(),
            q.spec.run,
            q.spec.other_run,
            q.spec.strategy.as_str(),
            q.spec.threshold,
            q.spec.seed as i64,
            q.limit.map(|l| l as i64),
            q.overlap_share,
            q.overlap_k as i64,
            // Gold looks like any other item only when no item shows its prediction or label.
            q.blind || q.gold.serves(),
            q.lease_seconds.max(1) as i64,
            stamp.uid,
            stamp.origin,
            stamp.seq,
            (!assign.is_empty()).then(|| serde_json::json!(assign).to_string()),
            q.gold.rate,
            q.gold.warmup,
            q.gold.qualification.map(|x| serde_json::json!(x).to_string()),
            temperature,
        ],
    )?;
    let id = tx.last_insert_rowid();
    let items: Vec<(i64, f64, i64)> = ranked
        .iter()
        .take(q.limit.unwrap_or(usize::MAX))
        .map(|r| {
            let needed = if q.overlap_k > 1 && in_overlap(q.spec.seed, r.item, q.overlap_share) {
                q.overlap_k
            } else {
                1
            } as i64;
            (r.item, r.score, needed)
        })
        .collect();
    // A qualification queue serves gold items only; a queue serving gold serves them only in
    // gold slots (at their rate), so its own items leave them out.
    let items = if q.gold.qualification.is_some() {
        Vec::new()
    } else if q.gold.serves() {
        let gold = crate::answer_key::answers(&tx)?;
        items
            .into_iter()
            .filter(|(item, _, _)| !gold.contains_key(item))
            .collect()
    } else {
        items
    };
    fill_queue(&tx, id, q.blind || q.gold.serves(), &items, &assign)?;
    let mut detail = serde_json::json!({ "queue": q.name.trim(), "run": q.spec.run, "strategy": q.spec.strategy.as_str(),
        "threshold": q.spec.threshold, "limit": q.limit, "overlap_share": q.overlap_share, "overlap_k": q.overlap_k,
        "assign": assign, "gold": q.gold });
    if let Some(t) = temperature {
        detail["calibrated"] = serde_json::json!({ "temperature": t });
    }
    if !extra.is_null() {
        detail["ranking"] = extra;
    }
    crate::audit::record(&tx, "arbiter", "queue.create", &detail)?;
    tx.commit()?;
    get(project.conn(), id)
}

/// A gold rate in [0, 1), a qualification's accuracy in (0, 1] and at least one item.
fn check_gold(g: &GoldServing) -> Result<()> {
    if !(0.0..1.0).contains(&g.rate) {
        return Err(Error::InvalidArgument(format!(
            "--gold-rate {}: give the share of served items that are gold, at least 0 and below 1 (such as 0.05)",
            g.rate
        )));
    }
    if let Some(x) = g.qualification {
        if !(x.pass_accuracy > 0.0 && x.pass_accuracy <= 1.0) {
            return Err(Error::InvalidArgument(format!(
                "--pass-accuracy {}: give the least share correct, above 0 and at most 1 (such as 0.8)",
                x.pass_accuracy
            )));
        }
        if x.pass_items == 0 {
            return Err(Error::InvalidArgument(
                "--pass-items 0: a qualification needs at least 1 gold item".into(),
            ));
        }
    }
    Ok(())
}

/// The names of an `--assign` list, checked: distinct, non-empty, and at least `k` of them.
fn check_assignees(names: &[String], k: usize) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for n in names.iter().map(|n| n.trim()) {
        if n.is_empty() {
            return Err(Error::InvalidArgument(
                "the annotators to assign: an empty name; list names separated by commas (ana,ben,cy)"
                    .into(),
            ));
        }
        if out.iter().any(|o| o == n) {
            return Err(Error::InvalidArgument(format!(
                "the annotators to assign: {n:?} is listed twice"
            )));
        }
        out.push(n.to_string());
    }
    if !out.is_empty() && out.len() < k {
        return Err(Error::InvalidArgument(format!(
            "the queue is assigned to {} annotator(s), but overlap items need {k} different people: list at least {k}",
            out.len()
        )));
    }
    Ok(out)
}

/// The `needed` annotators of `names` an item goes to: the highest rendezvous scores of
/// (item key, name), where the item key is (dataset name, version content hash, item id) — the
/// same choice on every replica, and adding a name moves only the items it wins.
pub fn rendezvous<'a>(item_key: &str, names: &'a [String], needed: usize) -> Vec<&'a str> {
    let mut scored: Vec<(u64, &str)> = names
        .iter()
        .map(|n| {
            let mut h = blake3::Hasher::new();
            h.update(item_key.as_bytes());
            h.update(&[0]);
            h.update(n.as_bytes());
            let b = h.finalize();
            let mut x = [0u8; 8];
            x.copy_from_slice(&b.as_bytes()[..8]);
            (u64::from_be_bytes(x), n.as_str())
        })
        .collect();
    scored.sort_by(|a, b| b.cmp(a));
    scored.into_iter().take(needed).map(|(_, n)| n).collect()
}

/// The key an item is known by outside this machine, as rendezvous hashing reads it.
pub(crate) fn item_key(dataset: &str, content_hash: &str, ext_id: &str) -> String {
    format!("{dataset}\u{0}{content_hash}\u{0}{ext_id}")
}

/// Insert a queue's ranked items (item, score, needed), in order, starting in the state their
/// events give them, and its counters; with assignees, each item's chosen annotators.
pub(crate) fn fill_queue(
    tx: &Connection,
    id: i64,
    blind: bool,
    items: &[(i64, f64, i64)],
    assign: &[String],
) -> Result<()> {
    {
        // Items annotated before this queue existed start in their current state — except
        // that an overlap item (migration 0007) and any item of a blind queue (0008) count only
        // the votes given through their queue, so they start open: a second, blind pass over
        // items labeled elsewhere is possible. An overridden item is decided everywhere.
        let state: std::collections::HashMap<i64, (i64, bool, bool, bool)> = tx
            .prepare(
                "SELECT item_id, labelers, overrides > 0, skips > 0, flags > 0 FROM item_state",
            )?
            .query_map([], |r| {
                Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut ins = tx.prepare(
            "INSERT INTO queue_items (queue_id, position, item_id, score, needed, labels, overridden, skipped, flagged)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        let (mut count, mut done, mut partial, mut skipped, mut flagged) =
            (0i64, 0i64, 0i64, 0i64, 0i64);
        for (pos, &(item, score, needed)) in items.iter().enumerate() {
            let (labels, overridden, skip, flag) = match state.get(&item).copied() {
                // Only votes given through this queue count for an overlap item, and for every
                // item of a blind queue: none yet.
                Some((_, overridden, _, _)) if needed > 1 || blind => (0, overridden, false, false),
                Some(s) => s,
                None => (0, false, false, false),
            };
            count += 1;
            if labels >= needed || overridden {
                done += 1;
            } else if labels > 0 {
                partial += 1;
            }
            skipped += i64::from(skip);
            flagged += i64::from(flag);
            ins.execute(rusqlite::params![
                id, pos as i64, item, score, needed, labels, overridden, skip, flag
            ])?;
        }
        tx.execute(
            "UPDATE queues SET items = ?2, done = ?3, partial = ?4, skipped = ?5, flagged = ?6 WHERE id = ?1",
            rusqlite::params![id, count, done, partial, skipped, flagged],
        )?;
    }
    if !assign.is_empty() {
        let mut keys = tx.prepare_cached(
            "SELECT d.name, v.content_hash, i.ext_id FROM items i JOIN dataset_versions v ON v.id = i.version_id
             JOIN datasets d ON d.id = v.dataset_id WHERE i.id = ?1",
        )?;
        let mut ins = tx.prepare_cached(
            "INSERT INTO queue_assignees (queue_id, item_id, annotator) VALUES (?1, ?2, ?3)",
        )?;
        for &(item, _, needed) in items {
            let (d, h, e): (String, String, String) =
                keys.query_row([item], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            for who in rendezvous(&item_key(&d, &h, &e), assign, needed as usize) {
                ins.execute(rusqlite::params![id, item, who])?;
            }
        }
    }
    Ok(())
}

const COLS: &str = "id, name, run_id, strategy, threshold, seed, limit_n, overlap_share, overlap_k, blind, lease_seconds, created_at, assignees, gold_rate, gold_warmup, qualification, temperature";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SavedQueue> {
    Ok(SavedQueue {
        id: r.get(0)?,
        name: r.get(1)?,
        run: r.get(2)?,
        strategy: r.get(3)?,
        threshold: r.get(4)?,
        seed: r.get(5)?,
        limit: r.get(6)?,
        overlap_share: r.get(7)?,
        overlap_k: r.get(8)?,
        blind: r.get(9)?,
        lease_seconds: r.get(10)?,
        created_at: r.get(11)?,
        assignees: match r.get::<_, Option<String>>(12)? {
            Some(t) => crate::store::from_json_column(&t, 12)?,
            None => Vec::new(),
        },
        gold: GoldServing {
            rate: r.get(13)?,
            warmup: r.get(14)?,
            qualification: match r.get::<_, Option<String>>(15)? {
                Some(t) => Some(crate::store::from_json_column(&t, 15)?),
                None => None,
            },
        },
        temperature: r.get(16)?,
    })
}

pub(crate) fn get(conn: &Connection, id: i64) -> Result<SavedQueue> {
    conn.query_row(
        &format!("SELECT {COLS} FROM queues WHERE id = ?1"),
        [id],
        row,
    )
    .optional()?
    .ok_or(Error::NotFound {
        what: "queue",
        name: id.to_string(),
    })
}

/// A queue by name or id.
pub fn find(project: &crate::Project, name_or_id: &str) -> Result<SavedQueue> {
    let conn = project.conn();
    if let Some(q) = conn
        .query_row(
            &format!("SELECT {COLS} FROM queues WHERE name = ?1"),
            [name_or_id],
            row,
        )
        .optional()?
    {
        return Ok(q);
    }
    match name_or_id.parse::<i64>() {
        Ok(id) => get(conn, id),
        Err(_) => Err(Error::NotFound {
            what: "queue",
            name: name_or_id.to_string(),
        }),
    }
}

pub fn list(project: &crate::Project) -> Result<Vec<SavedQueue>> {
    let conn = project.conn();
    let mut stmt = conn.prepare(&format!("SELECT {COLS} FROM queues ORDER BY id"))?;
    let rows = stmt.query_map([], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Live (not retracted) events of a kind on an item — as an SQL condition on alias `a`.
const LIVE: &str = "NOT EXISTS (SELECT 1 FROM annotations r WHERE r.retracts = a.id)";

/// A label on an item named as a script or a browser names it: by the item's id in a saved
/// queue (the annotator API's `POST /api/v1/annotations`).
#[derive(Debug, Clone, Default)]
pub struct QueueLabel {
    pub queue: String,
    pub item_id: String,
    pub annotator: String,
    pub label: String,
    /// A correction reason: the label is then a reviewer's override (refused for annotators).
    pub reason: Option<String>,
    pub note: Option<String>,
    pub seconds: Option<f64>,
}

/// Record a [`QueueLabel`] through its queue (with the queue's run as the prediction shown
/// beside it); the event's global id.
pub fn record_in_queue(project: &mut Project, l: &QueueLabel) -> Result<String> {
    let q = find(project, l.queue.trim())?;
    let item: i64 = project
        .conn()
        .prepare_cached(
            // The queue's own items, and the gold items it served this annotator (claims).
            "SELECT qi.item_id FROM queue_items qi JOIN items i ON i.id = qi.item_id
             WHERE qi.queue_id = ?1 AND i.ext_id = ?2
             UNION
             SELECT c.item_id FROM claims c JOIN items i ON i.id = c.item_id
                  JOIN annotators w ON w.id = c.annotator_id JOIN gold g ON g.item_id = c.item_id
             WHERE c.queue_id = ?1 AND i.ext_id = ?2 AND w.name = ?3",
        )?
        .query_row(
            rusqlite::params![q.id, l.item_id, l.annotator.trim()],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| Error::NotFound {
            what: "item",
            name: format!("{} in queue {:?}", l.item_id, q.name),
        })?;
    let override_ = l.reason.as_deref().is_some_and(|r| !r.trim().is_empty());
    let a = annotate::NewAnnotation {
        reason: l.reason.clone(),
        note: l.note.clone(),
        seconds: l.seconds,
        queue: Some(q.id),
        run: Some(q.run),
        ..annotate::NewAnnotation::new(
            item,
            &l.annotator,
            annotate::Event::Label {
                label: l.label.clone(),
            },
            if override_ {
                annotate::Source::Override
            } else {
                annotate::Source::Manual
            },
        )
    };
    let id = annotate::record(project, &a)?;
    Ok(project
        .conn()
        .query_row("SELECT uid FROM annotations WHERE id = ?1", [id], |r| {
            r.get(0)
        })?)
}

/// A saved queue as the annotator API (`GET /api/v1/queues`) lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueSummary {
    pub name: String,
    pub strategy: crate::queue::Strategy,
    pub total: u64,
    pub done: u64,
}

/// Every saved queue with its progress, in the order of [`list`].
pub fn summaries(project: &crate::Project) -> Result<Vec<QueueSummary>> {
    list(project)?
        .into_iter()
        .map(|q| {
            let c = counts(project, q.id)?;
            Ok(QueueSummary {
                name: q.name,
                strategy: q.strategy,
                total: c.total,
                done: c.done,
            })
        })
        .collect()
}

/// Counts per state: the queue's counters (kept by the store in the transaction of every event)
/// and its live claims — a few index reads whatever the queue's size.
pub fn counts(project: &crate::Project, queue: i64) -> Result<Counts> {
    counts_in(project.conn(), queue)
}

/// [`counts`] on a connection or transaction the core already holds.
pub(crate) fn counts_in(conn: &Connection, queue: i64) -> Result<Counts> {
    let (total, done, partial, skipped, flagged): (i64, i64, i64, i64, i64) = conn
        .query_row(
            "SELECT items, done, partial, skipped, flagged FROM queues WHERE id = ?1",
            [queue],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?
        .ok_or(Error::NotFound {
            what: "queue",
            name: queue.to_string(),
        })?;
    let claimed: i64 = conn.query_row(
        "SELECT COUNT(DISTINCT item_id) FROM claims WHERE queue_id = ?1 AND expires_at >= ?2",
        rusqlite::params![queue, now()],
        |r| r.get(0),
    )?;
    let g = |v: i64| v.max(0) as u64;
    Ok(Counts {
        total: g(total),
        done: g(done),
        partial: g(partial),
        claimed: g(claimed),
        untouched: g(total - done - partial),
        skipped: g(skipped),
        flagged: g(flagged),
    })
}

/// Claim the next item of a queue for `annotator` (their own unexpired claim first). `None` when
/// nothing is left for them.
pub fn next(project: &mut Project, queue: i64, annotator: &str) -> Result<Option<Assigned>> {
    Ok(next_n(project, queue, annotator, 1)?.into_iter().next())
}

/// The annotator's next `n` items in queue order: their unexpired claims first, topped up with
/// new claims, all in one transaction — so the UI can prefetch the item after the current one.
/// Claims are renewed for another lease.
pub fn next_n(
    project: &mut Project,
    queue: i64,
    annotator: &str,
    n: usize,
) -> Result<Vec<Assigned>> {
    let tx = project
        .conn_mut()
        .transaction_with_behavior(TransactionBehavior::Immediate)?;
    let who = annotate::find_annotator(&tx, annotator)?.ok_or_else(|| Error::NotFound {
        what: "annotator",
        name: format!("{annotator} (add it with `arbiter annotators add`)"),
    })?;
    let q = get(&tx, queue)?;
    if q.gold.qualification.is_none() {
        serving::check_qualified(&tx, &who)?;
    }
    let t = now();
    let lease_until = t + q.lease_seconds as f64;
    tx.execute(
        "DELETE FROM claims WHERE queue_id = ?1 AND expires_at < ?2",
        rusqlite::params![queue, t],
    )?;
    // Claims on items this annotator has since labeled or skipped are spent.
    tx.execute(
        &format!(
            "DELETE FROM claims WHERE queue_id = ?1 AND annotator_id = ?2 AND EXISTS (
                SELECT 1 FROM annotations a WHERE a.item_id = claims.item_id AND a.annotator_id = ?2 AND a.kind IN ('label', 'skip', 'flag') AND {LIVE})"
        ),
        rusqlite::params![queue, who.id],
    )?;
    let row = |r: &rusqlite::Row<'_>| -> rusqlite::Result<(i64, i64, f64, i64)> {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    };
    let mut picked: Vec<(i64, i64, f64, i64)> = tx
        .prepare(
            // CROSS JOIN keeps SQLite from walking the whole queue in position order to
            // satisfy ORDER BY: the annotator's few claims drive the join.
            "SELECT q.item_id, q.position, q.score, q.needed FROM claims c CROSS JOIN queue_items q ON q.queue_id = c.queue_id AND q.item_id = c.item_id
             WHERE c.queue_id = ?1 AND c.annotator_id = ?2 ORDER BY q.position LIMIT ?3",
        )?
        .query_map(rusqlite::params![queue, who.id, n as i64], row)?
        .collect::<rusqlite::Result<_>>()?;
    // Gold items this annotator holds claims on here (items outside the queue's own).
    let gold_claims: Vec<i64> = if q.gold.serves() {
        tx.prepare_cached(
            "SELECT c.item_id FROM claims c WHERE c.queue_id = ?1 AND c.annotator_id = ?2
               AND NOT EXISTS (SELECT 1 FROM queue_items q WHERE q.queue_id = c.queue_id AND q.item_id = c.item_id)
             ORDER BY c.item_id",
        )?
        .query_map(rusqlite::params![queue, who.id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?
    } else {
        Vec::new()
    };
    // A gold item looks like the queue's others: served blind, with the k most items need.
    let gold_needed = if q.overlap_share >= 1.0 {
        q.overlap_k
    } else {
        1
    };
    let gold_row = |item: i64| (item, 0_i64, 0.0_f64, gold_needed);
    picked.truncate(n.saturating_sub(gold_claims.len().min(n)));
    let mut picked: Vec<(i64, i64, f64, i64)> = gold_claims
        .iter()
        .take(n)
        .map(|&i| gold_row(i))
        .chain(picked)
        .collect();
    // A new claim (or a renewed one) of `item` by this annotator here.
    let claim = |item: i64| {
        tx.prepare_cached(
            "INSERT OR REPLACE INTO claims (queue_id, item_id, annotator_id, expires_at) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(rusqlite::params![queue, item, who.id, lease_until])
    };
    // Items sent back to someone (escalation) go to them only, before their other items.
    let reserved = crate::escalate::reserved(&tx)?;
    let others: Vec<i64> = reserved
        .iter()
        .filter(|(_, to)| **to != who.name)
        .map(|(item, _)| *item)
        .collect();
    let others_json = serde_json::json!(others).to_string();
    let mine: Vec<i64> = reserved
        .iter()
        .filter(|(_, to)| **to == who.name)
        .map(|(item, _)| *item)
        .collect();
    if !mine.is_empty() && picked.len() < n {
        let mut stmt = tx.prepare_cached(
            "SELECT q.item_id, q.position, q.score, q.needed FROM queue_items q
             WHERE q.queue_id = ?1 AND q.item_id IN (SELECT value FROM json_each(?2))
               AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.queue_id = q.queue_id AND c.item_id = q.item_id AND c.annotator_id = ?3)
             ORDER BY q.position",
        )?;
        let back: Vec<(i64, i64, f64, i64)> = stmt
            .query_map(
                rusqlite::params![queue, serde_json::json!(mine).to_string(), who.id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?
            .collect::<rusqlite::Result<_>>()?;
        for m in back.into_iter().take(n - picked.len()) {
            claim(m.0)?;
            picked.push(m);
        }
    }
    let since = serving::since(&tx, &q, &who.name)?;
    let mut slot = if q.gold.serves() {
        serving::handled(&tx, queue, who.id, since.as_deref())?
            + tx.query_row(
                "SELECT COUNT(*) FROM claims WHERE queue_id = ?1 AND annotator_id = ?2",
                rusqlite::params![queue, who.id],
                |r| r.get::<_, i64>(0),
            )? as u64
    } else {
        0
    };
    while picked.len() < n {
        if q.gold.serves() {
            let gold_slot = serving::slot_is_gold(&q, &who.name, slot);
            slot += 1;
            if gold_slot {
                if let Some(item) = serving::next_gold(&tx, &q, &who, since.as_deref())? {
                    claim(item)?;
                    picked.push(gold_row(item));
                    continue;
                }
            }
            if q.gold.qualification.is_some() {
                break; // a qualification serves gold items only
            }
        }
        // Open items only (fewer labels than needed, no override), through `queue_items_open`:
        // finished items are never read.
        let more = tx
            .prepare_cached(&format!(
                "SELECT q.item_id, q.position, q.score, q.needed FROM queue_items q INDEXED BY queue_items_open
                 WHERE q.queue_id = ?1 AND q.labels < q.needed AND q.overridden = 0
                   AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.queue_id = q.queue_id AND c.item_id = q.item_id AND c.annotator_id = ?2)
                   AND NOT EXISTS (SELECT 1 FROM annotations a WHERE a.item_id = q.item_id AND a.annotator_id = ?2
                                   AND a.kind IN ('label', 'skip', 'flag') AND {LIVE})
                   AND q.labels
                     + (SELECT COUNT(*) FROM claims c WHERE c.queue_id = q.queue_id AND c.item_id = q.item_id AND c.annotator_id != ?2)
                     < q.needed
                   AND (?3 = 0 OR EXISTS (SELECT 1 FROM queue_assignees s
                                          WHERE s.queue_id = q.queue_id AND s.item_id = q.item_id AND s.annotator = ?4))
                   AND q.item_id NOT IN (SELECT value FROM json_each(?5))
                 ORDER BY q.position LIMIT 1"
            ))?
            .query_row(
                rusqlite::params![queue, who.id, !q.assignees.is_empty(), who.name, others_json],
                row,
            )
            .optional()?;
        let Some(m) = more else { break };
        claim(m.0)?;
        picked.push(m);
    }
    tx.execute(
        "UPDATE claims SET expires_at = ?3 WHERE queue_id = ?1 AND annotator_id = ?2",
        rusqlite::params![queue, who.id, lease_until],
    )?;
    let mut out = Vec::with_capacity(picked.len());
    for (item, position, score, needed) in picked {
        let item_id: String =
            tx.query_row("SELECT ext_id FROM items WHERE id = ?1", [item], |r| {
                r.get(0)
            })?;
        out.push(Assigned {
            item,
            item_id,
            position,
            score,
            needed,
            lease_until,
        });
    }
    tx.commit()?;
    Ok(out)
}

mod serving;
pub use serving::{qualifications, reset_qualification, slot_is_gold, QualificationStatus};

/// An item handed to someone, with what they may see of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewView {
    pub assigned: Assigned,
    /// The dataset's given label; hidden in a blind queue.
    pub given: Option<String>,
    /// The queue's run's prediction (its 10 most probable classes); hidden in a blind queue.
    pub prediction: Option<crate::predict::TopPrediction>,
    /// Other people's labels so far — shown to reviewers and leads only: an annotator never
    /// sees the votes of an item that still waits for votes, so overlap labels stay
    /// independent and agreement measures what it claims to.
    pub others: Vec<crate::decide::Vote>,
    pub blind: bool,
    /// The note a reviewer sent this item back to the viewer with (until they label it again).
    pub sent_back: Option<crate::escalate::SentBack>,
    /// A text item's text (what the viewer labels).
    pub text: Option<String>,
}

/// [`next_n`] with each item as its viewer may see it: the blind rule of the queue (no given
/// label, no prediction), the independence rule of voting (an annotator sees nobody
/// else's labels; reviewers and leads see them, to review) and the gold rule (an annotator
/// never sees a gold item's given label, in any queue).
pub fn next_view(
    project: &mut Project,
    queue: i64,
    annotator: &str,
    n: usize,
) -> Result<Vec<ReviewView>> {
    let q = get(project.conn(), queue)?;
    let assigned = next_n(project, queue, annotator, n)?;
    let conn = project.conn();
    let role =
        annotate::find_annotator(conn, annotator)?.map_or(annotate::Role::Annotator, |a| a.role);
    let mut out = Vec::with_capacity(assigned.len());
    // The notes reviewers sent items back to this viewer with, read once for the batch.
    let mut notes = if assigned.is_empty() {
        Default::default()
    } else {
        crate::escalate::notes_for(conn, annotator)?
    };
    for a in assigned {
        let mut detail = crate::items::get(project, a.item)?;
        let text = detail.text.take();
        let (given, prediction) = if q.blind {
            (None, None)
        } else {
            // A gold item's given label is often its answer (gold taken from the given labels):
            // an annotator sees it without one, as an unlabeled item.
            let hidden = role == annotate::Role::Annotator
                && crate::answer_key::answer_labels_of(conn, a.item)?.is_some();
            (
                if hidden { None } else { detail.label },
                crate::predict::top_k(project, q.run, a.item, 10)?,
            )
        };
        let others = if role == annotate::Role::Annotator {
            Vec::new()
        } else {
            crate::decide::votes_in(conn, a.item)?
                .into_iter()
                .filter(|v| v.annotator != annotator)
                .collect()
        };
        let sent_back = notes.remove(&a.item);
        out.push(ReviewView {
            assigned: a,
            given,
            prediction,
            others,
            blind: q.blind,
            sent_back,
            text,
        });
    }
    Ok(out)
}

/// A conflict — open, or resolved by a reviewer — with what a reviewer weighs: the
/// annotators' own votes, the dataset's given label and the newest finished run's prediction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConflictView {
    pub decision: crate::decide::Decision,
    /// Each annotator's latest own label (overrides are not votes).
    pub votes: Vec<crate::decide::Vote>,
    pub given: Option<String>,
    /// The newest finished run over the item's dataset version, and its prediction.
    pub run: Option<i64>,
    pub predicted: Option<String>,
    pub confidence: Option<f32>,
    /// A text item's text.
    pub text: Option<String>,
}

/// The open conflicts (`resolved = false`): items whose votes disagree with no rule reached;
/// or the resolved ones (`resolved = true`): items whose annotators' own votes disagree and
/// that a reviewer decided — the adjudication history. Most recently decided first for the
/// history; in item order for the open ones.
pub fn conflicts(project: &crate::Project, resolved: bool) -> Result<Vec<ConflictView>> {
    let conn = project.conn();
    let root = project.root();
    use crate::decide::{How, Status};
    let events = annotate::list(conn, None)?;
    let decisions = crate::decide::decisions_of(conn, &events)?;
    let mut own: std::collections::HashMap<i64, Vec<crate::decide::Vote>> =
        std::collections::HashMap::new();
    let retracted: std::collections::HashSet<i64> =
        events.iter().filter_map(|e| e.retracts).collect();
    for e in &events {
        if e.kind != crate::events::StoredKind::Label
            || e.source == crate::events::Source::Override
            || retracted.contains(&e.id)
        {
            continue;
        }
        let votes = own.entry(e.item).or_default();
        votes.retain(|v| v.annotator != e.annotator);
        votes.push(crate::decide::vote(e));
    }
    let disagree = |votes: &[crate::decide::Vote]| votes.iter().any(|v| v.label != votes[0].label);
    let mut picked: Vec<(crate::decide::Decision, Vec<crate::decide::Vote>)> = decisions
        .into_iter()
        .filter_map(|d| {
            let votes = own.remove(&d.item).unwrap_or_default();
            let keep = if resolved {
                d.status == Status::Decided && d.rule == Some(How::Override) && disagree(&votes)
            } else {
                d.status == Status::Conflict
            };
            keep.then_some((d, votes))
        })
        .collect();
    if resolved {
        picked.sort_by(|a, b| {
            b.0.decided_at
                .cmp(&a.0.decided_at)
                .then(a.0.item.cmp(&b.0.item))
        });
    }
    // The newest finished run per dataset version, found once per version.
    let mut newest: std::collections::HashMap<i64, Option<i64>> = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(picked.len());
    for (decision, votes) in picked {
        let detail = crate::items::get(project, decision.item)?;
        let run = match newest.get(&detail.version_id) {
            Some(r) => *r,
            None => {
                let r: Option<i64> = conn
                    .query_row(
                        "SELECT id FROM runs WHERE version_id = ?1 AND status = 'done' ORDER BY id DESC LIMIT 1",
                        [detail.version_id],
                        |r| r.get(0),
                    )
                    .optional()?;
                newest.insert(detail.version_id, r);
                r
            }
        };
        let prediction = match run {
            Some(r) => crate::predict::item_prediction(conn, root, r, decision.item)?,
            None => None,
        };
        out.push(ConflictView {
            votes,
            given: detail.label,
            run,
            predicted: prediction.as_ref().and_then(|p| p.predicted.clone()),
            confidence: prediction.and_then(|p| p.confidence),
            decision,
            text: detail.text,
        });
    }
    Ok(out)
}

/// Give back an annotator's claims on a queue (closing the review screen).
pub fn release(project: &mut Project, queue: i64, annotator: &str) -> Result<()> {
    let conn = project.conn();
    if let Some(who) = annotate::find_annotator(conn, annotator)? {
        conn.execute(
            "DELETE FROM claims WHERE queue_id = ?1 AND annotator_id = ?2",
            (queue, who.id),
        )?;
    }
    Ok(())
}

/// Labels (not retracted) recorded by an annotator in the last hour and in all (items per hour).
pub fn pace(project: &crate::Project, annotator: &str) -> Result<(u64, u64)> {
    pace_in(project.conn(), annotator)
}

/// [`pace`] on a connection or transaction the core already holds.
pub(crate) fn pace_in(conn: &Connection, annotator: &str) -> Result<(u64, u64)> {
    let (hour, all): (i64, i64) = conn.query_row(
        "SELECT COALESCE(SUM(a.created_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 hour')), 0), COUNT(*)
         FROM annotations a JOIN annotators w ON w.id = a.annotator_id
         WHERE w.name = ?1 AND a.kind = 'label' AND NOT EXISTS (SELECT 1 FROM annotations r WHERE r.retracts = a.id)",
        [annotator],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok((hour as u64, all as u64))
}

/// Items of a queue this annotator has handled (a live label, skip or flag) — the annotator's own
/// progress, which `counts` does not show while an overlap queue waits for the other people.
pub fn handled(project: &crate::Project, queue: i64, annotator: &str) -> Result<u64> {
    Ok(mine(project, queue, annotator)?.handled)
}

/// One annotator's own work on a queue's items: items handled (a live label, skip or flag),
/// and of those the items skipped and flagged — the end-of-queue summary of that person,
/// not of everyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Mine {
    pub handled: u64,
    pub skipped: u64,
    pub flagged: u64,
}

pub fn mine(project: &crate::Project, queue: i64, annotator: &str) -> Result<Mine> {
    let conn = project.conn();
    // Walks the annotator's own events (not the queue's items).
    let sql = format!(
        "SELECT COUNT(DISTINCT a.item_id),
                COUNT(DISTINCT CASE WHEN a.kind = 'skip' THEN a.item_id END),
                COUNT(DISTINCT CASE WHEN a.kind = 'flag' THEN a.item_id END)
         FROM annotations a JOIN annotators w ON w.id = a.annotator_id
         WHERE w.name = ?2 AND a.kind IN ('label', 'skip', 'flag') AND {LIVE}
           AND EXISTS (SELECT 1 FROM queue_items q WHERE q.queue_id = ?1 AND q.item_id = a.item_id)"
    );
    let (handled, skipped, flagged): (i64, i64, i64) =
        conn.query_row(&sql, rusqlite::params![queue, annotator], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    Ok(Mine {
        handled: handled as u64,
        skipped: skipped as u64,
        flagged: flagged as u64,
    })
}

/// How long, in seconds, the annotator's labels of the last hour span (first to last): a pace
/// over less than a minute of work says little, and the app shows none then.
pub fn pace_span(project: &crate::Project, annotator: &str) -> Result<f64> {
    let conn = project.conn();
    let span: Option<f64> = conn.query_row(
        "SELECT (julianday(MAX(a.created_at)) - julianday(MIN(a.created_at))) * 86400.0
         FROM annotations a JOIN annotators w ON w.id = a.annotator_id
         WHERE w.name = ?1 AND a.kind = 'label'
           AND a.created_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 hour')
           AND NOT EXISTS (SELECT 1 FROM annotations r WHERE r.retracts = a.id)",
        [annotator],
        |r| r.get(0),
    )?;
    Ok(span.unwrap_or(0.0))
}

#[cfg(test)]
pub(crate) mod tests;
