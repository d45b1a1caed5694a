//! Claim the next item of a saved queue of 1,000,000 items (20% of them going to 3 people), of
//! which the first 200,000 are done, and read the queue's counts — both inside the app's save
//! loop. Baseline in the same run: the same questions asked with schema version 4's SQL (a walk
//! over the queue's items in order, counting each item's events), on the same database.
//! Target (docs/contract.md): the next item shown under 50 ms — claiming is the part that touches the
//! database, so it has to fit well inside that.
//!
//! Run: `cargo run --release -p arbiter-bench --bin claim_1m [-- ITEMS DONE]`

use std::io::Write;
use std::time::Duration;

use anyhow::{bail, Result};
use arbiter_bench::{imported_project, median, p95, report_in, sql_conn, time, Unit};
use arbiter_core::annotate::{self, Event, NewAnnotation, Role, Source};
use arbiter_core::review;
use arbiter_core::Project;

/// Timed claims (each followed by a label, as an annotator works); median and p95 are reported.
const CLAIMS: usize = 200;
/// Timed runs of each baseline query (each takes most of a second).
const BASELINE_RUNS: usize = 3;

/// Schema version 4's claim: the first item in queue order this annotator may take.
const OLD_CLAIM: &str = "SELECT q.item_id, q.position, q.score, q.needed FROM queue_items q
     WHERE q.queue_id = ?1
       AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.queue_id = q.queue_id AND c.item_id = q.item_id AND c.annotator_id = ?2)
       AND NOT EXISTS (SELECT 1 FROM annotations a WHERE a.item_id = q.item_id AND a.annotator_id = ?2
                       AND a.kind IN ('label', 'skip', 'flag') AND NOT EXISTS (SELECT 1 FROM annotations r WHERE r.retracts = a.id))
       AND NOT EXISTS (SELECT 1 FROM annotations a WHERE a.item_id = q.item_id AND a.kind = 'label'
                       AND a.source = 'override' AND NOT EXISTS (SELECT 1 FROM annotations r WHERE r.retracts = a.id))
       AND (SELECT COUNT(DISTINCT a.annotator_id) FROM annotations a WHERE a.item_id = q.item_id
                       AND a.kind = 'label' AND NOT EXISTS (SELECT 1 FROM annotations r WHERE r.retracts = a.id))
         + (SELECT COUNT(*) FROM claims c WHERE c.queue_id = q.queue_id AND c.item_id = q.item_id AND c.annotator_id != ?2)
         < q.needed
     ORDER BY q.position LIMIT 1";

/// Schema version 4's counts.
const OLD_COUNTS: &str = "WITH q AS (SELECT item_id, needed FROM queue_items WHERE queue_id = ?1),
     ev AS (SELECT a.item_id,
                   COUNT(DISTINCT CASE WHEN a.kind = 'label' THEN a.annotator_id END) AS labels,
                   MAX(a.kind = 'label' AND a.source = 'override') AS overridden,
                   MAX(a.kind = 'skip') AS skipped,
                   MAX(a.kind = 'flag') AS flagged
            FROM annotations a WHERE a.item_id IN (SELECT item_id FROM q) AND a.kind != 'retract'
              AND NOT EXISTS (SELECT 1 FROM annotations r WHERE r.retracts = a.id)
            GROUP BY a.item_id),
     cl AS (SELECT DISTINCT item_id FROM claims WHERE queue_id = ?1 AND expires_at >= ?2)
     SELECT COUNT(*),
            COALESCE(SUM(COALESCE(ev.labels, 0) >= q.needed OR COALESCE(ev.overridden, 0)), 0),
            COALESCE(SUM(COALESCE(ev.labels, 0) > 0 AND COALESCE(ev.labels, 0) < q.needed AND NOT COALESCE(ev.overridden, 0)), 0),
            COALESCE(SUM(cl.item_id IS NOT NULL), 0),
            COALESCE(SUM(COALESCE(ev.labels, 0) = 0 AND NOT COALESCE(ev.overridden, 0)), 0),
            COALESCE(SUM(COALESCE(ev.skipped, 0)), 0),
            COALESCE(SUM(COALESCE(ev.flagged, 0)), 0)
     FROM q LEFT JOIN ev ON ev.item_id = q.item_id LEFT JOIN cl ON cl.item_id = q.item_id";

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let items: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let done: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(items / 5);
    let dir = tempfile::tempdir()?;
    let csv = dir.path().join("m.csv");
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&csv)?);
        writeln!(w, "id,label")?;
        for i in 0..items {
            writeln!(w, "item_{i:07},{}", i % 10)?;
        }
    }
    let root = dir.path().join("p");
    let (p, _) = imported_project(&root, &csv)?;
    for name in ["a1", "a2", "a3", "me"] {
        annotate::add_annotator(&p, name, Role::Annotator)?;
    }
    drop(p);
    eprintln!("building a queue of {items} items with {done} done …");
    {
        // The saved queue as `review::create` leaves it (its ranking is queue_1m's business):
        // every fifth item needs three people. Then the first `done` items get their labels —
        // through the store's triggers, as labels saved one by one would.
        let mut conn = rusqlite::Connection::open(root.join("arbiter.db"))?;
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
             INSERT INTO models (name, version, sha256, file, kind, inputs, outputs, classes, classes_source, preprocess, output, created_at)
             VALUES ('m', 1, 'x', 'x', 'tabular', '[]', '[]', '[]', 'labels_file', '{{}}', '{{}}', 'now');
             INSERT INTO runs (model_id, version_id, device, provider, batch_size, status, items_total, started_at) VALUES (1, 1, 'cpu', 'cpu', 1, 'done', {items}, 'now');
             INSERT INTO queues (name, run_id, strategy, seed, overlap_share, overlap_k, lease_seconds, created_at)
             VALUES ('big', 1, 'random', 1, 0.2, 3, 600, 'now');"
        ))?;
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO queue_items (queue_id, position, item_id, score, needed)
             SELECT 1, ROW_NUMBER() OVER (ORDER BY id) - 1, id, 0.5, CASE WHEN id % 5 = 0 THEN 3 ELSE 1 END FROM items",
            [],
        )?;
        tx.execute(
            "UPDATE queues SET items = (SELECT COUNT(*) FROM queue_items WHERE queue_id = 1) WHERE id = 1",
            [],
        )?;
        let label: i64 = tx.query_row("SELECT MIN(id) FROM labels", [], |r| r.get(0))?;
        for (who, all) in [(1, true), (2, false), (3, false)] {
            tx.execute(
                "INSERT INTO annotations (item_id, annotator_id, queue_id, kind, label_id, source, created_at)
                 SELECT q.item_id, ?1, 1, 'label', ?2, 'manual', '2026-11-01T10:00:00.000Z' FROM queue_items q
                 WHERE q.queue_id = 1 AND q.position < ?3 AND (?4 OR q.needed = 3)",
                rusqlite::params![who, label, done as i64, all],
            )?;
        }
        tx.commit()?;
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    }
    let mut p = Project::open(&root)?;
    let c = review::counts(&p, 1)?;
    if c.done != done as u64 || c.total != items as u64 {
        bail!("the queue was not built as meant: {c:?}");
    }
    // The baseline's SQL runs on a connection of the bench's own.
    let base = sql_conn(&root)?;
    let me: i64 = base.query_row("SELECT id FROM annotators WHERE name = 'me'", [], |r| {
        r.get(0)
    })?;
    let label_name: String =
        base.query_row("SELECT name FROM labels ORDER BY id LIMIT 1", [], |r| {
            r.get(0)
        })?;

    // Baseline: schema version 4's SQL on the same database, inside BEGIN IMMEDIATE as then.
    let mut old_claim = Vec::new();
    let mut old_counts = Vec::new();
    let mut old_pick = None;
    for _ in 0..BASELINE_RUNS {
        let conn = &base;
        let (pick, t) = time(|| -> Result<(i64, i64)> {
            conn.execute_batch("BEGIN IMMEDIATE")?;
            let r = conn.query_row(OLD_CLAIM, rusqlite::params![1, me], |r| {
                Ok((r.get(0)?, r.get(1)?))
            });
            conn.execute_batch("ROLLBACK")?;
            Ok(r?)
        });
        old_pick = Some(pick?);
        old_claim.push(t);
        let (n, t) = time(|| -> Result<i64> {
            Ok(conn.query_row(OLD_COUNTS, rusqlite::params![1, 0.0], |r| r.get(0))?)
        });
        if n? != items as i64 {
            bail!("baseline counts disagree");
        }
        old_counts.push(t);
    }

    // Ours: claim (with the next item prefetched, as the app asks), then save a label on it.
    let mut claim = Vec::with_capacity(CLAIMS);
    let mut save = Vec::with_capacity(CLAIMS);
    let mut counts = Vec::with_capacity(CLAIMS);
    for i in 0..CLAIMS {
        let (got, t) = time(|| review::next_n(&mut p, 1, "me", 2));
        let got = got?;
        claim.push(t);
        let Some(a) = got.first() else {
            bail!("nothing to claim")
        };
        if i == 0 && Some((a.item, a.position)) != old_pick {
            bail!(
                "the claim and the baseline disagree: {:?} vs {old_pick:?}",
                (a.item, a.position)
            );
        }
        let (r, t) = time(|| {
            annotate::record(
                &mut p,
                &NewAnnotation {
                    seconds: Some(1.0),
                    queue: Some(1),
                    run: Some(1),
                    ..NewAnnotation::new(
                        a.item,
                        "me",
                        Event::Label {
                            label: label_name.clone(),
                        },
                        Source::Manual,
                    )
                },
            )
        });
        r?;
        save.push(t);
        let (c, t) = time(|| review::counts(&p, 1));
        c?;
        counts.push(t);
    }
    let c = review::counts(&p, 1)?;
    println!(
        "queue of {items} items (every fifth needs 3 people), {done} done; {CLAIMS} claims, each followed by a saved label and a counts read; baseline = schema 4's SQL on the same database, best of {BASELINE_RUNS}"
    );
    println!("after the run: {c:?}");
    let target = Some(Duration::from_millis(50));
    let old_claim_best = *old_claim.iter().min().expect("runs");
    let old_counts_best = *old_counts.iter().min().expect("runs");
    report_in(
        Unit::Millis,
        "claim next item (next_n, 2 ahead), median",
        median(claim.clone()),
        target,
        "schema 4 claim query",
        old_claim_best,
    );
    report_in(
        Unit::Millis,
        "claim next item (next_n, 2 ahead), p95   ",
        p95(claim),
        target,
        "schema 4 claim query",
        old_claim_best,
    );
    report_in(
        Unit::Millis,
        "queue counts, median                     ",
        median(counts.clone()),
        target,
        "schema 4 counts query",
        old_counts_best,
    );
    report_in(
        Unit::Millis,
        "queue counts, p95                        ",
        p95(counts),
        target,
        "schema 4 counts query",
        old_counts_best,
    );
    println!(
        "save one label (record, synchronous = FULL, state kept by triggers): median {:.3} ms, p95 {:.3} ms",
        median(save.clone()).as_secs_f64() * 1e3,
        p95(save).as_secs_f64() * 1e3
    );
    // The rest of what the app reads after each save (progress: pace and handled items), for
    // an annotator with 200 labels and for one with every done item's label.
    for who in ["me", "a1"] {
        let (r, t_pace) = time(|| review::pace(&p, who));
        let (last_hour, labels) = r?;
        let (h, t_handled) = time(|| review::handled(&p, 1, who));
        println!(
            "progress reads for {who} ({labels} labels, {last_hour} in the last hour, {} handled): pace {:.3} ms, handled {:.3} ms",
            h?,
            t_pace.as_secs_f64() * 1e3,
            t_handled.as_secs_f64() * 1e3
        );
    }
    Ok(())
}
