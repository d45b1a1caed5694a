//! Event packs at 1,000,000 annotation events: `sync export` of the whole project, `sync import`
//! of that pack into a replica cloned before the events were made (its decisions then checked
//! equal to the source's), and a `--since` pack of the 1,000 events made after that import.
//! Baselines in the same run, what a team does without packs: the events exported to CSV
//! (`arbiter annotations export`) and the labels imported from a CSV file (`arbiter annotations
//! import`, labels only: a CSV carries no skip, flag, override or retraction). Targets
//! (docs/contract.md): export under 5 s, import under 10 s, a `--since` pack under 0.2 s.
//!
//! The events: labels by six annotators, four per item (imported from a CSV file, ~15% of them
//! disagreeing with the item's given label, so there are conflicts), and 3% recorded one by
//! one as people make them — skips, `unsure` flags, reviewer overrides with a reason code, and
//! undos (retractions).
//!
//! Run: `cargo run --release -p arbiter-bench --bin sync_packs [-- EVENTS]`

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, ensure, Result};
use arbiter_bench::{imported_project, report, report_in, time, Unit};
use arbiter_core::annotate::{self, Event, NewAnnotation, Role, Source};
use arbiter_core::sync::{self, clone};
use arbiter_core::{decide, Project};

/// Annotators who label; each item gets `PER_ITEM` of them.
const ANNOTATORS: usize = 6;
const PER_ITEM: usize = 4;
/// Events made after the replica imported the full pack, carried by the `--since` pack.
const LATER: usize = 1_000;

fn annotator(k: usize) -> String {
    format!("ann_{}", k % ANNOTATORS + 1)
}

/// A deterministic pseudo-random stream (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// `2026-11-DDTHH:MM:SSZ`, `s` seconds after November 1st (s < 30 days).
fn november(s: usize) -> String {
    let (d, r) = (s / 86_400, s % 86_400);
    format!(
        "2026-11-{:02}T{:02}:{:02}:{:02}Z",
        d + 1,
        r / 3600,
        r % 3600 / 60,
        r % 60
    )
}

fn megabytes(path: &Path) -> Result<f64> {
    Ok(std::fs::metadata(path)?.len() as f64 / 1e6)
}

/// Every decision as the project states it (local ids left out), in item order.
fn decisions(p: &Project) -> Result<Vec<serde_json::Value>> {
    Ok(decide::decisions(p, None)?
        .iter()
        .map(serde_json::to_value)
        .collect::<serde_json::Result<_>>()?)
}

fn main() -> Result<()> {
    let events = arbiter_bench::size_arg(1_000_000)?;
    // 3% recorded one by one, in cycles of six: 2 skips, 1 flag, 2 overrides, 1 undo.
    let one_by_one = events * 3 / 100 / 6 * 6;
    let labels = events - one_by_one;
    let labeled_items = labels.div_ceil(PER_ITEM);
    // Room for the later events on items nobody labeled yet.
    let items = labeled_items + LATER;
    let dir = tempfile::tempdir()?;
    eprintln!("working in {}", dir.path().display());

    // The data (the manifest, the labels file) in one folder, the packs and CSV exports in
    // another (a shared folder, say).
    let (data, outbox) = (dir.path().join("data"), dir.path().join("outbox"));
    std::fs::create_dir_all(&data)?;
    std::fs::create_dir_all(&outbox)?;
    let manifest = data.join("items.csv");
    arbiter_bench::write_manifest(&manifest, "id,label", items, |i| {
        format!("item_{i:07},class_{}", i % 10)
    })?;
    let labels_csv = data.join("labels.csv");
    {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let mut w = std::io::BufWriter::new(std::fs::File::create(&labels_csv)?);
        writeln!(w, "item_id,annotator,label,created_at")?;
        for n in 0..labels {
            let (i, k) = (n / PER_ITEM, n % PER_ITEM);
            let label = if rng.next() % 100 < 15 {
                rng.next() % 10
            } else {
                (i % 10) as u64
            };
            // The time a label was given: the rows are spread over two weeks, in order.
            let at = november(n * 1_200_000 / labels.max(1));
            writeln!(w, "item_{i:07},{},class_{label},{at}", annotator(i + k))?;
        }
    }

    let root = dir.path().join("source");
    let (p, imported) = imported_project(&root, &manifest)?;
    for k in 0..ANNOTATORS {
        annotate::add_annotator(&p, &annotator(k), Role::Annotator)?;
    }
    annotate::add_annotator(&p, "rev", Role::Reviewer)?;
    drop(p);
    // The replicas, made before any event: one takes the pack, one the baseline's CSV.
    let keep = clone::CloneOptions {
        media: clone::Media::Keep,
        queues: vec![],
    };
    let replica = dir.path().join("replica");
    let csv_replica = dir.path().join("csv-replica");
    clone::clone(&root, &replica, &keep)?;
    clone::clone(&root, &csv_replica, &keep)?;

    eprintln!("recording {events} events on {items} items …");
    let mut p = Project::open(&root)?;
    let (seeded, seed_time) = time(|| annotate::import_file(&mut p, &labels_csv, imported.version));
    ensure!(
        seeded?.annotations == labels,
        "the labels file did not import whole"
    );
    let (recorded, record_time) = time(|| -> Result<()> {
        for c in 0..one_by_one / 6 {
            let i = c * labeled_items / (one_by_one / 6).max(1);
            let item = i as i64 + 1;
            // The two annotators this item was not given to skip and flag it …
            let skip = NewAnnotation::new(item, &annotator(i + 4), Event::Skip, Source::Manual);
            annotate::record(&mut p, &skip)?;
            let flag = NewAnnotation::new(
                item,
                &annotator(i + 5),
                Event::Flag {
                    flag: "unsure".into(),
                },
                Source::Manual,
            );
            annotate::record(&mut p, &flag)?;
            // … the reviewer overrides it …
            let mut o = NewAnnotation::new(
                item,
                "rev",
                Event::Label {
                    label: format!("class_{}", (i + 1) % 10),
                },
                Source::Override,
            );
            o.reason = Some("model_wrong".into());
            annotate::record(&mut p, &o)?;
            // … on the next item an annotator skips and takes the skip back …
            let skip = NewAnnotation::new(item + 1, &annotator(i + 5), Event::Skip, Source::Manual);
            annotate::record(&mut p, &skip)?;
            ensure!(
                annotate::undo_on(&mut p, &annotator(i + 5), None, Some(item + 1))?.is_some(),
                "nothing to undo"
            );
            // … and the reviewer overrides another.
            let mut o = NewAnnotation::new(
                item + 2,
                "rev",
                Event::Label {
                    label: format!("class_{}", (i + 3) % 10),
                },
                Source::Override,
            );
            o.reason = Some("ambiguous".into());
            annotate::record(&mut p, &o)?;
        }
        Ok(())
    });
    recorded?;
    let status = sync::status(&p)?;
    let made: i64 = status.stamp.values().sum();
    eprintln!(
        "{labels} labels imported from CSV in {:.1} s, {one_by_one} events recorded one by one in {:.1} s; the source holds {made} events (with the label schema's and the decision rule's)",
        seed_time.as_secs_f64(),
        record_time.as_secs_f64(),
    );

    // 1. The whole project as a pack, against the events exported to CSV.
    let pack = outbox.join("all.pack");
    let (exported, export_time) = time(|| sync::export(&p, &pack, None));
    let exported = exported?;
    let events_csv = outbox.join("events.csv");
    let (rows, csv_export_time) = time(|| annotate::export_file(&p, &events_csv));
    let rows = rows?;
    let file_bytes = std::fs::metadata(&pack)?.len();
    println!(
        "pack: {} events ({} annotations, {} retractions, {} settings), {:.1} MB, {:.1} bytes/event; events CSV: {rows} rows, {:.1} MB",
        exported.events,
        exported.header.counts.annotations,
        exported.header.counts.retractions,
        exported.header.counts.settings,
        file_bytes as f64 / 1e6,
        file_bytes as f64 / exported.events as f64,
        megabytes(&events_csv)?,
    );

    // 2. The pack into the replica cloned before the events, against the labels from CSV.
    let (read, read_time) = time(|| sync::read_pack(&pack));
    let read = read?;
    ensure!(read.events.len() as u64 == exported.events);
    drop(read);
    let mut r = Project::open(&replica)?;
    let (got, import_time) = time(|| sync::import(&mut r, std::slice::from_ref(&pack), false));
    let got = got?;
    let mut b = Project::open(&csv_replica)?;
    let (csv_got, csv_import_time) =
        time(|| annotate::import_file(&mut b, &labels_csv, imported.version));
    ensure!(csv_got?.annotations == labels);
    println!(
        "import: {} events added, {} known; conflicts {} before, {} after; reading and checking the pack alone: {:.3} s",
        got[0].events_added,
        got[0].events_known,
        got[0].conflicts_before,
        got[0].conflicts_after,
        read_time.as_secs_f64(),
    );
    let (mine, theirs) = (decisions(&p)?, decisions(&r)?);
    if mine != theirs {
        let first = mine.iter().zip(&theirs).position(|(a, b)| a != b);
        bail!(
            "the replica's decisions differ from the source's ({} vs {} decisions; first difference at {first:?})",
            mine.len(),
            theirs.len()
        );
    }
    println!(
        "check: the replica's {} decisions equal the source's",
        theirs.len()
    );

    // 3. The events made since the replica's import, as a `--since` pack.
    for n in 0..LATER {
        let item = (labeled_items + n) as i64 + 1;
        let a = NewAnnotation::new(
            item,
            &annotator(n),
            Event::Label {
                label: format!("class_{}", n % 10),
            },
            Source::Manual,
        );
        annotate::record(&mut p, &a)?;
    }
    let since = sync::status(&r)?.stamp;
    let later = outbox.join("later.pack");
    let (delta, since_time) = time(|| sync::export(&p, &later, Some(&since)));
    let delta = delta?;
    ensure!(
        delta.events == LATER as u64 && delta.header.counts.annotations == LATER as u64,
        "the --since pack holds {} events ({:?}), not the {LATER} made since",
        delta.events,
        delta.header.counts
    );
    let (_, csv_again_time) = time(|| annotate::export_file(&p, &events_csv));
    // The same pack written into the dataset's folder: the destination check then asks
    // whether the file is one of the version's media.
    let (beside, beside_time) = time(|| sync::export(&p, &data.join("later.pack"), Some(&since)));
    ensure!(beside?.events == LATER as u64);
    let (later_got, later_import_time) =
        time(|| sync::import(&mut r, std::slice::from_ref(&later), false));
    ensure!(later_got?[0].events_added == LATER as u64);
    println!(
        "--since pack: {} events, {:.1} kB; the same written into the dataset's folder: {:.1} ms; imported into the replica in {:.3} s",
        delta.events,
        std::fs::metadata(&later)?.len() as f64 / 1e3,
        beside_time.as_secs_f64() * 1e3,
        later_import_time.as_secs_f64(),
    );

    report(
        &format!("sync export, whole project ({} events)", exported.events),
        export_time,
        Some(Duration::from_secs(5)),
        "annotations export to CSV, every event",
        csv_export_time,
    );
    report(
        &format!(
            "sync import of that pack into a fresh replica ({} events)",
            exported.events
        ),
        import_time,
        Some(Duration::from_secs(10)),
        "annotations import from CSV, labels only",
        csv_import_time,
    );
    report_in(
        Unit::Millis,
        &format!("sync export --since the replica's stamp ({LATER} events)"),
        since_time,
        Some(Duration::from_millis(200)),
        "annotations export to CSV, every event again",
        csv_again_time,
    );
    Ok(())
}
