//! Decisions: each item's final label, derived from its annotation events by one documented
//! rule, with its provenance. Nothing is overwritten: a decision is recomputed from the
//! append-only events whenever it is asked for.
//!
//! The rule, in order:
//! 1. Retracted events and the retractions themselves are ignored; skips and flags are not votes.
//! 2. **Override**: if a reviewer or lead recorded an override, the latest one decides
//!    (`rule = override`), whatever the votes say — and however few there are.
//! 3. **Enough votes**: each annotator's latest label is one vote. An item needs votes from at
//!    least `max(min_annotators, needed)` distinct annotators, where `needed` is the number of
//!    people its queue sends it to (k for an overlap item; the largest over the queues holding
//!    it; 1 for an item in no queue). With fewer, it is `pending` — waiting for votes — whatever
//!    the votes so far say.
//! 4. **Votes**, by the rule's mode:
//!    - `majority` (the default): all the same → `unanimous`; one label holding a strict
//!      majority (more than half) → `majority`; otherwise a **conflict** for adjudication.
//!    - `unanimous`: all the same → `unanimous`; any disagreement → a **conflict**.
//!    - `dawid-skene`: by annotator quality. One Dawid–Skene fit ([`dawid_skene`]) over the
//!      whole project — every annotator's latest own label on every item, all dataset
//!      versions, pending and overridden items included (their votes are evidence of the
//!      annotators' skill; overrides are not votes and are not taken as true answers) — gives
//!      each item a posterior probability per label. An item with enough votes is decided
//!      (`rule = dawid-skene`) for its most probable label, even against the majority: that
//!      is the point of weighing annotators by their confusion matrices. It is a **conflict**
//!      when
//!      - the top two probabilities are within 1e-9 of each other (an exact tie, as from two
//!        equally reliable annotators disagreeing): the fit cannot choose, a reviewer must;
//!        no label is picked by name order; or
//!      - no vote on the item names the most probable label: the fit overrules every person
//!        who looked at the item (typically on the strength of the labels' prior alone, when
//!        the voters' matrices rest on too few items to tell anything), which is a
//!        reviewer's call, not an automatic label.
//!
//!      A low but unique top probability that a vote names still decides; the posterior is
//!      shown beside the decision (the decisions' JSON, the export's `posterior`/`posteriors`
//!      columns, the Review screen), so doubtful items can be found and overridden.
//!      Gold items are held to their answers in the fit ([`fixed_answers`]).
//!
//! In `dawid-skene` mode the decision of one item depends on every vote in the project: a new
//! vote anywhere can change any item's decision. Nothing decision-shaped is cached per item:
//! the review state (`item_state`, queue counters) counts votes, overrides, skips and flags,
//! which no mode changes; [`conflict_items`], the sync import's conflict counts (which count
//! over every item in this mode, as when a pack changes a setting) and the item list's review
//! filter all recompute from the fit. Every decision carries the posterior it rests on
//! (`posterior`, by decreasing probability, and `probability`, that of the decided label) in
//! this mode, and none in the others. The fit orders its sums by this replica's row ids, so
//! two replicas agree to rounding; the 1e-9 tie band keeps rounding from deciding.
//! The cost: one item's decision in this mode is a fit of the whole project (about 1 s at
//! 1,000,000 annotations, `bench/src/bin/dawid_skene_1m.rs`; the fit itself about 0.3 s of it);
//! callers deciding many items fit once ([`decisions_of`], [`decision_with`]).
//!
//! An item the project's **auto-accept** accepts (`calibration::apply`: the run's items at or
//! above a certified threshold of calibrated confidence) is decided by the model's prediction
//! (`rule = auto`, decider `auto`) as long as no person gave it a live label or override: a
//! person's label always wins. The auto-accept is a synchronised setting, so every replica
//! decides alike.
//!
//! A **gold** item (`gold`) is decided by its answer (`rule = gold`), whatever its votes and
//! overrides say, and with no vote at all; its votes stay beside it (they count for agreement,
//! and they score the annotators on gold).

pub mod dawid_skene;

use std::borrow::Borrow;
use std::collections::BTreeMap;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::annotators::lead_actor;
use crate::error::{Error, Result};
use crate::events::{self, AnnotationRow};

/// How votes decide an item once there are enough of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Unanimous, or a strict majority of the votes.
    #[default]
    Majority,
    /// Every vote agrees.
    Unanimous,
    /// The most probable label under a Dawid–Skene fit of the whole project.
    #[serde(rename = "dawid-skene")]
    DawidSkene,
}

impl Mode {
    pub fn parse(s: &str) -> Result<Mode> {
        match s.trim() {
            "majority" => Ok(Mode::Majority),
            "unanimous" => Ok(Mode::Unanimous),
            "dawid-skene" => Ok(Mode::DawidSkene),
            o => Err(Error::InvalidArgument(format!(
                "decision mode {o:?}: use majority, unanimous or dawid-skene"
            ))),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Majority => "majority",
            Mode::Unanimous => "unanimous",
            Mode::DawidSkene => "dawid-skene",
        }
    }
}

impl std::str::FromStr for Mode {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Mode> {
        Mode::parse(s)
    }
}

/// The project's decision rule (stored in `settings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    #[serde(default)]
    pub mode: Mode,
    pub min_annotators: usize,
}

impl Default for Rule {
    fn default() -> Self {
        Rule {
            mode: Mode::Majority,
            min_annotators: 1,
        }
    }
}

impl Rule {
    /// One line for people: "strict majority of at least 2 annotators …".
    pub fn describe(&self) -> String {
        let what = match self.mode {
            Mode::Majority => "unanimous or strict majority",
            Mode::Unanimous => "unanimous",
            Mode::DawidSkene => {
                "most probable label under Dawid–Skene (a tie, or a label no vote gave, is a conflict)"
            }
        };
        format!(
            "{what} of at least {} annotator(s) (or the k of an overlap item); a reviewer's override wins",
            self.min_annotators
        )
    }
}

pub fn rule(project: &crate::Project) -> Result<Rule> {
    rule_in(project.conn())
}

/// [`rule`] on a connection or transaction the core already holds.
pub(crate) fn rule_in(conn: &Connection) -> Result<Rule> {
    let v: String = conn.query_row(
        "SELECT value FROM settings WHERE key = 'decision_rule'",
        [],
        |r| r.get(0),
    )?;
    serde_json::from_str(&v).map_err(|e| {
        Error::InvalidArgument(format!(
            "the project's decision rule {v:?} cannot be read ({e}); set it again with `arbiter decisions --mode … --min-annotators N`"
        ))
    })
}

/// Change the rule, in one transaction with its audit entry. `by` names the lead making the
/// change (refused unless that profile is a lead); `None` is the command line ("arbiter").
pub fn set_rule(project: &crate::Project, rule: Rule, by: Option<&str>) -> Result<()> {
    let conn = project.conn();
    if rule.min_annotators == 0 {
        return Err(Error::InvalidArgument(
            "min annotators must be at least 1".into(),
        ));
    }
    if rule.min_annotators > 1000 {
        return Err(Error::InvalidArgument(format!(
            "min annotators {}: at most 1000",
            rule.min_annotators
        )));
    }
    let tx = conn.unchecked_transaction()?;
    let conn = &*tx;
    let actor = lead_actor(conn, by, "the decision rule")?;
    let json = crate::store::json_text(&rule)?;
    conn.execute(
        "INSERT OR REPLACE INTO settings (key, value) VALUES ('decision_rule', ?1)",
        [&json],
    )?;
    crate::identity::record_setting(conn, "decision_rule", &serde_json::json!(rule), &actor)?;
    crate::identity::apply_settings(conn)?;
    crate::audit::record(conn, &actor, "decision_rule.set", &serde_json::json!(rule))?;
    tx.commit()?;
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Decided,
    Conflict,
    Pending,
}

impl Status {
    /// The serialised name (`decided`, `conflict`, `pending`).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Decided => "decided",
            Status::Conflict => "conflict",
            Status::Pending => "pending",
        }
    }
}

impl std::str::FromStr for Status {
    type Err = Error;
    fn from_str(s: &str) -> Result<Status> {
        match s {
            "decided" => Ok(Status::Decided),
            "conflict" => Ok(Status::Conflict),
            "pending" => Ok(Status::Pending),
            o => Err(Error::InvalidArgument(format!(
                "decision status {o:?}: use decided, conflict or pending"
            ))),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum How {
    Override,
    Unanimous,
    Majority,
    /// The item's gold answer.
    Gold,
    /// The most probable label under the project's Dawid–Skene fit.
    #[serde(rename = "dawid-skene")]
    DawidSkene,
    /// Accepted automatically: the model's prediction, above a certified auto-accept
    /// threshold (`calibration::apply`), on an item no person labeled.
    Auto,
}

impl How {
    /// The serialised name (`override`, `unanimous`, `majority`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            How::Override => "override",
            How::Unanimous => "unanimous",
            How::Majority => "majority",
            How::Gold => "gold",
            How::DawidSkene => "dawid-skene",
            How::Auto => "auto",
        }
    }

    /// Whether the decision is the model's own answer rather than people's: never evidence
    /// about the model (the fair sample leaves such items out).
    pub fn is_automatic(self) -> bool {
        self == How::Auto
    }
}

impl std::str::FromStr for How {
    type Err = Error;
    fn from_str(s: &str) -> Result<How> {
        match s {
            "override" => Ok(How::Override),
            "unanimous" => Ok(How::Unanimous),
            "majority" => Ok(How::Majority),
            "gold" => Ok(How::Gold),
            "dawid-skene" => Ok(How::DawidSkene),
            "auto" => Ok(How::Auto),
            o => Err(Error::InvalidArgument(format!(
                "decision rule {o:?}: use override, unanimous, majority, dawid-skene, gold or auto"
            ))),
        }
    }
}

/// One vote (or override) that counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Vote {
    /// The event's id on this machine.
    #[serde(skip)]
    pub annotation: i64,
    /// The event's global id, the same on every replica.
    pub event: String,
    pub annotator: String,
    pub label: String,
    pub reason: Option<String>,
    pub note: Option<String>,
    pub source: crate::events::Source,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub item_id: String,
    #[serde(skip)]
    pub item: i64,
    pub status: Status,
    pub label: Option<String>,
    pub rule: Option<How>,
    /// The events the decision rests on (the override, or the votes).
    pub votes: Vec<Vote>,
    /// Who decided: the overriding reviewer, or the annotators whose votes carried it.
    pub deciders: Vec<String>,
    pub decided_at: Option<String>,
    /// Distinct annotators' votes the item needs before the votes can decide it:
    /// `max(min_annotators, needed)`.
    pub votes_needed: usize,
    /// In `dawid-skene` mode, the item's posterior probability per label, most probable
    /// first (ties by label name); `None` in the other modes and for an item without votes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub posterior: Option<Vec<Posterior>>,
    /// The posterior probability of the decision's label (decided or overridden), when there
    /// is a posterior.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
}

/// One label's posterior probability.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Posterior {
    pub label: String,
    pub probability: f64,
}

/// Probabilities closer than this are a tie: a conflict in `dawid-skene` mode.
pub const TIE: f64 = 1e-9;

/// The project's Dawid–Skene fit: the posterior of every item with votes.
#[derive(Debug, Clone, Default)]
pub(crate) struct Model {
    labels: Vec<String>,
    posteriors: std::collections::HashMap<i64, Vec<f64>>,
    /// The items whose posterior decides nothing ([`verdict`]): a tie, or a label no vote on
    /// the item names.
    undecided: std::collections::HashSet<i64>,
}

/// Which label a posterior decides, given which labels the item's votes name: the most
/// probable one, unless the runner-up is within [`TIE`] of it or no vote names it (`None`:
/// a conflict).
fn verdict(p: &[f64], voted: impl Fn(usize) -> bool) -> Option<usize> {
    let top = dawid_skene::argmax(p);
    let tie = p
        .iter()
        .enumerate()
        .any(|(i, x)| i != top && p[top] - x <= TIE);
    (!p.is_empty() && !tie && voted(top)).then_some(top)
}

impl Model {
    /// The labels and an item's probabilities (in the same order), if it has votes.
    fn of(&self, item: i64) -> Option<(&[String], &[f64])> {
        self.posteriors
            .get(&item)
            .map(|p| (self.labels.as_slice(), p.as_slice()))
    }
}

/// The fixed answers the Dawid–Skene fit holds items to: the gold items' labels (by name), by
/// item.
pub(crate) fn fixed_answers(conn: &Connection) -> Result<std::collections::HashMap<i64, String>> {
    Ok(crate::answer_key::answer_labels(conn)?
        .into_iter()
        .map(|(item, (label, _))| (item, label))
        .collect())
}

/// Each annotator's latest own (non-override) live label on every item, as (item, annotator,
/// label id), in (item, annotator) order: the votes [`decide`] counts, from one lean read.
fn live_votes(conn: &Connection) -> Result<Vec<(i64, i64, i64)>> {
    // (item, annotator, event id, label) of every own label; the retracted ids.
    let mut own: Vec<(i64, i64, i64, i64)> = Vec::new();
    let mut retracted: std::collections::HashSet<i64> = std::collections::HashSet::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT id, item_id, annotator_id, label_id, source = 'override', retracts FROM annotations
             WHERE kind = 'label' OR kind = 'retract'",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            if let Some(x) = r.get::<_, Option<i64>>(5)? {
                retracted.insert(x);
            } else if !r.get::<_, bool>(4)? {
                own.push((r.get(1)?, r.get(2)?, r.get(0)?, r.get(3)?));
            }
        }
    }
    own.retain(|v| !retracted.contains(&v.2));
    own.sort_unstable();
    let mut when = conn.prepare_cached("SELECT created_at, uid FROM annotations WHERE id = ?1")?;
    let mut out = Vec::with_capacity(own.len());
    for same in own.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
        // An annotator who labeled an item more than once: the latest in the order events
        // were made (time, then global id), as in `decide`.
        let latest = if same.len() == 1 {
            same[0]
        } else {
            let mut best: Option<(String, String)> = None;
            let mut latest = same[0];
            for v in same {
                let key: (String, String) =
                    when.query_row([v.2], |r| Ok((r.get(0)?, r.get(1)?)))?;
                if best.as_ref().is_none_or(|b| key > *b) {
                    best = Some(key);
                    latest = *v;
                }
            }
            latest
        };
        out.push((latest.0, latest.1, latest.3));
    }
    Ok(out)
}

/// The project's Dawid–Skene fit when its rule's mode is `dawid-skene`, else `None`.
pub(crate) fn model_in(conn: &Connection, rule: Rule) -> Result<Option<Model>> {
    if rule.mode != Mode::DawidSkene {
        return Ok(None);
    }
    // Labels by id while fitting (names only for the result).
    let mut names: std::collections::HashMap<i64, String> = std::collections::HashMap::new();
    {
        let mut stmt = conn.prepare_cached("SELECT id, name FROM labels")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            names.insert(r.get(0)?, r.get(1)?);
        }
    }
    let ids: std::collections::HashMap<&str, i64> =
        names.iter().map(|(id, n)| (n.as_str(), *id)).collect();
    let votes = live_votes(conn)?;
    let fixed: std::collections::HashMap<i64, i64> = fixed_answers(conn)?
        .into_iter()
        .filter_map(|(item, label)| ids.get(label.as_str()).map(|id| (item, *id)))
        .collect();
    let fit = dawid_skene::fit(&votes, &fixed, dawid_skene::Options::default());
    // The labels each item's votes name (votes come grouped by item).
    let mut undecided = std::collections::HashSet::new();
    let index: std::collections::HashMap<i64, usize> = fit
        .labels
        .iter()
        .enumerate()
        .map(|(i, l)| (*l, i))
        .collect();
    let row: std::collections::HashMap<i64, usize> =
        fit.items.iter().enumerate().map(|(i, t)| (*t, i)).collect();
    for same in votes.chunk_by(|a, b| a.0 == b.0) {
        let named: Vec<usize> = same.iter().map(|v| index[&v.2]).collect();
        if verdict(&fit.posteriors[row[&same[0].0]], |i| named.contains(&i)).is_none() {
            undecided.insert(same[0].0);
        }
    }
    Ok(Some(Model {
        posteriors: fit.items.into_iter().zip(fit.posteriors).collect(),
        labels: fit
            .labels
            .iter()
            .map(|id| names.get(id).cloned().unwrap_or_default())
            .collect(),
        undecided,
    }))
}

pub(crate) fn vote(e: &AnnotationRow) -> Vote {
    Vote {
        annotation: e.id,
        event: e.uid.clone(),
        annotator: e.annotator.clone(),
        label: e.label.clone().unwrap_or_default(),
        reason: e.reason.clone(),
        note: e.note.clone(),
        source: e.source,
        created_at: e.created_at.clone(),
    }
}

/// Apply the rule to one item's events (oldest first); `needed` is how many people the item's
/// queue(s) send it to (1 outside any queue). In `dawid-skene` mode an item's decision needs
/// the whole project's fit, which one item's events do not give: without it, an item with
/// enough votes is a conflict — use [`decisions`] or [`decision`].
pub fn decide<E: Borrow<AnnotationRow>>(events: &[E], rule: Rule, needed: usize) -> Decision {
    decide_with(events, rule, needed, None)
}

/// [`decide`] with the item's posterior under the project's fit (labels, probabilities).
fn decide_with<E: Borrow<AnnotationRow>>(
    events: &[E],
    rule: Rule,
    needed: usize,
    posterior: Option<(&[String], &[f64])>,
) -> Decision {
    // In the order the events were made (time, then global id): the same on every replica,
    // whatever order they arrived in.
    let mut ordered: Vec<&AnnotationRow> = events.iter().map(Borrow::borrow).collect();
    ordered.sort_by(|a, b| (&a.created_at, &a.uid).cmp(&(&b.created_at, &b.uid)));
    let events = || ordered.iter().copied();
    let votes_needed = rule.min_annotators.max(needed).max(1);
    let (item, item_id) = events()
        .next()
        .map(|e: &AnnotationRow| (e.item, e.item_id.clone()))
        .unwrap_or_default();
    let retracted: std::collections::HashSet<i64> = events().filter_map(|e| e.retracts).collect();
    let labels: Vec<&AnnotationRow> = events()
        .filter(|e| e.kind == crate::events::StoredKind::Label && !retracted.contains(&e.id))
        .collect();
    let probability_of = |label: Option<&str>| {
        let (names, p) = posterior?;
        let i = names.iter().position(|n| Some(n.as_str()) == label)?;
        Some(p[i])
    };
    let ranked = posterior.map(|(names, p)| {
        let mut v: Vec<Posterior> = names
            .iter()
            .zip(p)
            .map(|(l, p)| Posterior {
                label: l.clone(),
                probability: *p,
            })
            .collect();
        v.sort_by(|a, b| {
            b.probability
                .total_cmp(&a.probability)
                .then_with(|| a.label.cmp(&b.label))
        });
        v
    });
    if let Some(o) = labels
        .iter()
        .rev()
        .find(|e| e.source == crate::events::Source::Override)
    {
        return Decision {
            posterior: ranked,
            probability: probability_of(o.label.as_deref()),
            item_id,
            item,
            status: Status::Decided,
            label: o.label.clone(),
            rule: Some(How::Override),
            votes: vec![vote(o)],
            deciders: vec![o.annotator.clone()],
            decided_at: Some(o.created_at.clone()),
            votes_needed,
        };
    }
    // Each annotator's latest label.
    let mut latest: BTreeMap<&str, &AnnotationRow> = BTreeMap::new();
    for e in &labels {
        latest.insert(e.annotator.as_str(), e);
    }
    let mut votes: Vec<&AnnotationRow> = latest.into_values().collect();
    votes.sort_by(|a, b| (&a.created_at, &a.uid).cmp(&(&b.created_at, &b.uid)));
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for v in &votes {
        *counts
            .entry(v.label.as_deref().unwrap_or_default())
            .or_default() += 1;
    }
    let top = counts
        .iter()
        .max_by_key(|(_, c)| **c)
        .map(|(l, c)| (l.to_string(), *c));
    let n = votes.len();
    let (status, how, label) = match top {
        _ if n < votes_needed || n == 0 => (Status::Pending, None, None),
        _ if rule.mode == Mode::DawidSkene => match &ranked {
            Some(r)
                if verdict(&r.iter().map(|x| x.probability).collect::<Vec<_>>(), |i| {
                    counts.contains_key(r[i].label.as_str())
                }) == Some(0) =>
            {
                (
                    Status::Decided,
                    Some(How::DawidSkene),
                    Some(r[0].label.clone()),
                )
            }
            _ => (Status::Conflict, None, None),
        },
        Some((l, c)) if c == n => (Status::Decided, Some(How::Unanimous), Some(l)),
        Some((l, c)) if rule.mode == Mode::Majority && 2 * c > n => {
            (Status::Decided, Some(How::Majority), Some(l))
        }
        _ => (Status::Conflict, None, None),
    };
    let deciders = match &label {
        Some(l) => votes
            .iter()
            .filter(|v| v.label.as_deref() == Some(l.as_str()))
            .map(|v| v.annotator.clone())
            .collect(),
        None => Vec::new(),
    };
    let decided_at = label
        .as_ref()
        .and_then(|_| votes.iter().map(|v| v.created_at.clone()).max());
    Decision {
        item_id,
        item,
        status,
        probability: probability_of(label.as_deref()),
        posterior: ranked,
        label,
        rule: how,
        votes: votes.into_iter().map(vote).collect(),
        deciders,
        decided_at,
        votes_needed,
    }
}

/// How many people the queues holding an item send it to, from the largest `needed` of its
/// queue rows: 1 outside any queue, and never less than 1.
fn needed_value(max_needed: Option<i64>) -> usize {
    max_needed.unwrap_or(1).max(1) as usize
}

/// [`needed_value`] for one item.
fn needed_of(conn: &Connection, item: i64) -> Result<usize> {
    let n: Option<i64> = conn
        .prepare_cached("SELECT MAX(needed) FROM queue_items WHERE item_id = ?1")?
        .query_row([item], |r| r.get(0))?;
    Ok(needed_value(n))
}

/// Decisions for every annotated item (of one dataset version, if given), in item order.
pub fn decisions(project: &crate::Project, version_id: Option<i64>) -> Result<Vec<Decision>> {
    decisions_in(project.conn(), version_id)
}

/// [`decisions`] on a connection or transaction the core already holds.
pub(crate) fn decisions_in(conn: &Connection, version_id: Option<i64>) -> Result<Vec<Decision>> {
    let events = match version_id {
        Some(v) => events::list_version(conn, v)?,
        None => events::list(conn, None)?,
    };
    let mut out = decisions_of(conn, &events)?;
    let voted: std::collections::HashSet<i64> = out.iter().map(|d| d.item).collect();
    out.extend(without_votes(conn, version_id, &voted)?);
    out.sort_by_key(|d| d.item);
    Ok(out)
}

/// The decisions of items no person voted on (of one version, if given; `voted` the items
/// decided from events): gold items by their answers, then the items the auto-accept in force
/// accepts.
pub(crate) fn without_votes(
    conn: &Connection,
    version_id: Option<i64>,
    voted: &std::collections::HashSet<i64>,
) -> Result<Vec<Decision>> {
    let mut out = gold_without_votes(conn, version_id, voted)?;
    let mut seen = voted.clone();
    seen.extend(out.iter().map(|d| d.item));
    out.extend(auto_without_events(conn, version_id, &seen)?);
    Ok(out)
}

/// The items the auto-accept in force accepts (of one version, if given): item → (item id,
/// predicted label, when it was applied). Empty without one.
fn auto_items(
    conn: &Connection,
    version_id: Option<i64>,
) -> Result<std::collections::HashMap<i64, (String, String, String)>> {
    crate::calibrated::accepted(conn, version_id)
}

/// An item's automatic decision: the model's prediction, by the rule `auto`, when no person
/// labeled it (a live label or override of anyone's wins; a gold answer too).
fn with_auto(d: Decision, auto: Option<&(String, String, String)>) -> Decision {
    match auto {
        Some((_, label, at)) if d.votes.is_empty() && d.rule != Some(How::Gold) => Decision {
            status: Status::Decided,
            label: Some(label.clone()),
            rule: Some(How::Auto),
            deciders: vec!["auto".into()],
            decided_at: Some(at.clone()),
            ..d
        },
        _ => d,
    }
}

/// The automatic decisions of accepted items (of one version, if given) not in `decided`.
fn auto_without_events(
    conn: &Connection,
    version_id: Option<i64>,
    decided: &std::collections::HashSet<i64>,
) -> Result<Vec<Decision>> {
    let rule = rule_in(conn)?;
    let mut out = Vec::new();
    for (item, v) in auto_items(conn, version_id)? {
        if decided.contains(&item) {
            continue;
        }
        let blank = Decision {
            item_id: v.0.clone(),
            item,
            status: Status::Pending,
            label: None,
            rule: None,
            votes: vec![],
            deciders: vec![],
            decided_at: None,
            votes_needed: rule.min_annotators.max(1),
            posterior: None,
            probability: None,
        };
        out.push(with_auto(blank, Some(&v)));
    }
    Ok(out)
}

/// A gold item's decision: its answer, decided by the rule `gold`, with the votes it has.
fn gold_decision(mut d: Decision, label: &str, at: &str) -> Decision {
    d.status = Status::Decided;
    d.label = Some(label.to_string());
    d.rule = Some(How::Gold);
    d.deciders = vec!["gold".into()];
    d.decided_at = Some(at.to_string());
    d
}

/// `d`, or its gold answer's decision when its item is gold.
fn with_gold_of(conn: &Connection, d: Decision) -> Result<Decision> {
    Ok(match crate::answer_key::answer_labels_of(conn, d.item)? {
        Some((label, at)) => gold_decision(d, &label, &at),
        None => d,
    })
}

/// The decisions of the gold items (of one version, if given) that have no event, and are
/// not in `voted`: decided by their answers.
pub(crate) fn gold_without_votes(
    conn: &Connection,
    version_id: Option<i64>,
    voted: &std::collections::HashSet<i64>,
) -> Result<Vec<Decision>> {
    let rule = rule_in(conn)?;
    let mut stmt = conn.prepare_cached(
        "SELECT g.item_id, i.ext_id, l.name, g.added_at FROM gold g
         JOIN items i ON i.id = g.item_id JOIN labels l ON l.id = g.label_id
         WHERE ?1 IS NULL OR i.version_id = ?1 ORDER BY g.item_id",
    )?;
    let mut rows = stmt.query([version_id])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let item: i64 = r.get(0)?;
        if voted.contains(&item) {
            continue;
        }
        let (label, at): (String, String) = (r.get(2)?, r.get(3)?);
        let blank = Decision {
            item_id: r.get(1)?,
            item,
            status: Status::Pending,
            label: None,
            rule: None,
            votes: vec![],
            deciders: vec![],
            decided_at: None,
            votes_needed: rule.min_annotators.max(1),
            posterior: None,
            probability: None,
        };
        out.push(gold_decision(blank, &label, &at));
    }
    Ok(out)
}

/// [`decisions`] over events already read (oldest first, every event of each item they
/// hold), for a caller that reads the events for more than the decisions.
pub(crate) fn decisions_of(conn: &Connection, events: &[AnnotationRow]) -> Result<Vec<Decision>> {
    let rule = rule_in(conn)?;
    let model = model_in(conn, rule)?;
    let mut by_item: BTreeMap<i64, Vec<&AnnotationRow>> = BTreeMap::new();
    for e in events {
        by_item.entry(e.item).or_default().push(e);
    }
    // The overlap k of every queued item, in one pass.
    let mut needed: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
    {
        let mut stmt =
            conn.prepare_cached("SELECT item_id, MAX(needed) FROM queue_items GROUP BY item_id")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            needed.insert(r.get(0)?, needed_value(r.get(1)?));
        }
    }
    let gold = crate::answer_key::answer_labels(conn)?;
    let auto = auto_items(conn, None)?;
    Ok(by_item
        .values()
        .map(|ev| {
            let n = needed.get(&ev[0].item).copied();
            let posterior = model.as_ref().and_then(|m| m.of(ev[0].item));
            let d = decide_with(ev, rule, n.unwrap_or_else(|| needed_value(None)), posterior);
            let d = match gold.get(&d.item) {
                Some((label, at)) => gold_decision(d, label, at),
                None => d,
            };
            let item = d.item;
            with_auto(d, auto.get(&item))
        })
        .collect())
}

/// The items whose decision is a conflict, among `items` (every annotated item when `None`):
/// the status [`decide`] gives, from one read of the events' integer columns instead of
/// every event's text. An item where one annotator has more than one live label (whose
/// latest vote then depends on the events' times) is decided in full.
pub(crate) fn conflict_items(
    conn: &Connection,
    items: Option<&std::collections::HashSet<i64>>,
) -> Result<std::collections::HashSet<i64>> {
    let rule = rule_in(conn)?;
    let model = model_in(conn, rule)?;
    let mut needed: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
    let mut stmt =
        conn.prepare_cached("SELECT item_id, MAX(needed) FROM queue_items GROUP BY item_id")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        needed.insert(r.get(0)?, needed_value(r.get(1)?));
    }
    drop(rows);
    // (item, annotator, label, is an override, event id) of every label; the retracted ids.
    let mut labels: Vec<(i64, i64, i64, bool, i64)> = Vec::new();
    let mut retracted: std::collections::HashSet<i64> = std::collections::HashSet::new();
    let mut stmt = conn.prepare_cached(
        "SELECT id, item_id, annotator_id, label_id, source = 'override', retracts FROM annotations
         WHERE kind = 'label' OR kind = 'retract'",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        if let Some(x) = r.get::<_, Option<i64>>(5)? {
            retracted.insert(x);
            continue;
        }
        let item: i64 = r.get(1)?;
        if items.is_some_and(|s| !s.contains(&item)) {
            continue;
        }
        labels.push((item, r.get(2)?, r.get(3)?, r.get(4)?, r.get(0)?));
    }
    drop(rows);
    // A gold item is decided by its answer: never a conflict.
    let gold = crate::answer_key::answers(conn)?;
    labels.retain(|l| !retracted.contains(&l.4) && !gold.contains_key(&l.0));
    labels.sort_unstable();
    let mut out = std::collections::HashSet::new();
    for votes in labels.chunk_by(|a, b| a.0 == b.0) {
        let item = votes[0].0;
        if votes.iter().any(|v| v.3) {
            continue; // an override decides
        }
        if votes.windows(2).any(|w| w[0].1 == w[1].1) {
            let posterior = model.as_ref().and_then(|m| m.of(item));
            let d = decide_with(
                &events::list(conn, Some(item))?,
                rule,
                needed_of(conn, item)?,
                posterior,
            );
            if d.status == Status::Conflict {
                out.insert(item);
            }
            continue;
        }
        let n = votes.len();
        let votes_needed = rule
            .min_annotators
            .max(
                needed
                    .get(&item)
                    .copied()
                    .unwrap_or_else(|| needed_value(None)),
            )
            .max(1);
        if n < votes_needed {
            continue; // pending
        }
        let mut by_label: Vec<i64> = votes.iter().map(|v| v.2).collect();
        by_label.sort_unstable();
        let top = by_label
            .chunk_by(|a, b| a == b)
            .map(<[i64]>::len)
            .max()
            .unwrap_or(0);
        let decided = match &model {
            // The fit decides unless it leaves the item undecided (a tie, or a label no vote gave).
            Some(m) => !m.undecided.contains(&item),
            None => top == n || (rule.mode == Mode::Majority && 2 * top > n),
        };
        if !decided {
            out.insert(item);
        }
    }
    Ok(out)
}

/// One item's decision.
pub fn decision(project: &crate::Project, item: i64) -> Result<Decision> {
    decision_in(project.conn(), item)
}

/// [`decision`] on a connection or transaction the core already holds.
pub(crate) fn decision_in(conn: &Connection, item: i64) -> Result<Decision> {
    let events = events::list(conn, Some(item))?;
    if events.is_empty() {
        let id: String = conn.query_row("SELECT ext_id FROM items WHERE id = ?1", [item], |r| {
            r.get(0)
        })?;
        let blank = Decision {
            item_id: id,
            item,
            status: Status::Pending,
            label: None,
            rule: None,
            votes: vec![],
            deciders: vec![],
            decided_at: None,
            votes_needed: rule_in(conn)?.min_annotators.max(needed_of(conn, item)?),
            posterior: None,
            probability: None,
        };
        let d = with_gold_of(conn, blank)?;
        return with_auto_of(conn, d);
    }
    let rule = rule_in(conn)?;
    let model = model_in(conn, rule)?;
    decision_with(conn, &events, rule, model.as_ref())
}

/// One item's votes (each annotator's latest own label, or the override that decides it, as
/// in [`Decision::votes`]), which no mode changes: without the project's fit.
pub(crate) fn votes_in(conn: &Connection, item: i64) -> Result<Vec<Vote>> {
    Ok(decide(&events::list(conn, Some(item))?, Rule::default(), 1).votes)
}

/// One item's decision from its events (all of them, oldest first, at least one), with the
/// project's fit already made (`None` outside `dawid-skene` mode): for a caller deciding
/// several items one by one, which fits once. A gold item is decided by its answer.
pub(crate) fn decision_with(
    conn: &Connection,
    events: &[AnnotationRow],
    rule: Rule,
    model: Option<&Model>,
) -> Result<Decision> {
    let item = events[0].item;
    let d = decide_with(
        events,
        rule,
        needed_of(conn, item)?,
        model.and_then(|m| m.of(item)),
    );
    with_auto_of(conn, with_gold_of(conn, d)?)
}

/// `d`, or its automatic decision when the auto-accept in force accepts its item.
fn with_auto_of(conn: &Connection, d: Decision) -> Result<Decision> {
    if !d.votes.is_empty() {
        return Ok(d);
    }
    let auto = crate::calibrated::accepted_of(conn, d.item)?;
    Ok(with_auto(d, auto.as_ref()))
}

#[cfg(test)]
mod tests;
