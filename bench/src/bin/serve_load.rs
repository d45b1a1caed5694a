//! `arbiter serve` under load: 50 clients at once, each claiming its next item and saving a
//! label through the annotator API (`POST /api/v1/queues/q/next`, `POST /api/v1/annotations`),
//! on a saved queue of 20,000 items: first at a brisk human pace (each client every 0.5 s), then
//! as fast as the clients can. Figures: the p95 of one claim + save as a client sees it, and
//! annotations per second. Baseline in the same run: the same claims and saves made
//! in-process through the core (one after another, as one writer must), on a copy of the same
//! project. Target (docs/contract.md): p95 of claim + save under 20 ms.
//!
//! Run: `cargo run --release -p arbiter-bench --bin serve_load [-- ROUNDS]` (rounds per client,
//! default 40).

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Result};
use arbiter_bench::{imported_project, p95, report_in, Unit};
use arbiter_core::access::{self, InviteOptions};
use arbiter_core::review::{self, QueueLabel};
use arbiter_core::Project;

const CLIENTS: usize = 50;
const ITEMS: usize = 20_000;
/// A brisk annotator's pace in the paced run: a claim and a label every half second each (50
/// people: 100 labels a second, far beyond a team's real rate of a few a second).
const PACE: Duration = Duration::from_millis(500);

/// The project: ITEMS rows, a run, and a saved queue "q" over every item (one label each), as
/// `review::create` leaves it; CLIENTS annotators invited. Their tokens.
fn build(root: &Path, dir: &Path) -> Result<Vec<String>> {
    let csv = dir.join("m.csv");
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&csv)?);
        writeln!(w, "id,label")?;
        for i in 0..ITEMS {
            writeln!(w, "item_{i:06},{}", i % 10)?;
        }
    }
    let (p, _) = imported_project(root, &csv)?;
    drop(p);
    {
        let conn = rusqlite::Connection::open(root.join("arbiter.db"))?;
        conn.execute_batch(&format!(
            "INSERT INTO models (name, version, sha256, file, kind, inputs, outputs, classes, classes_source, preprocess, output, created_at)
             VALUES ('m', 1, 'x', 'x', 'tabular', '[]', '[]', '[]', 'labels_file', '{{}}', '{{}}', 'now');
             INSERT INTO runs (model_id, version_id, device, provider, batch_size, status, items_total, started_at) VALUES (1, 1, 'cpu', 'cpu', 1, 'done', {ITEMS}, 'now');
             INSERT INTO queues (name, run_id, strategy, seed, overlap_share, overlap_k, lease_seconds, created_at)
             VALUES ('q', 1, 'random', 1, 0, 1, 600, 'now');
             INSERT INTO queue_items (queue_id, position, item_id, score, needed)
             SELECT 1, ROW_NUMBER() OVER (ORDER BY id) - 1, id, 0.5, 1 FROM items;
             UPDATE queues SET items = (SELECT COUNT(*) FROM queue_items WHERE queue_id = 1) WHERE id = 1;"
        ))?;
    }
    let mut p = Project::open(root)?;
    let mut tokens = Vec::new();
    for i in 0..CLIENTS {
        tokens.push(
            access::invite(
                &mut p,
                &InviteOptions {
                    name: format!("a{i:02}"),
                    role: None,
                    expires: "1d".into(),
                    base_url: access::DEFAULT_BASE_URL.into(),
                },
            )?
            .token,
        );
    }
    Ok(tokens)
}

/// Every client's rounds of claim + save over HTTP, each client starting a round every `pace`
/// (`ZERO`: as fast as it can): each round's time, and the wall time.
fn over_http(
    root: &Path,
    tokens: Vec<String>,
    rounds: usize,
    pace: Duration,
) -> Result<(Vec<Duration>, Duration)> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let db = arbiter_server::db::Db::open(root, 4)?;
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    rt.spawn(arbiter_server::serve(
        arbiter_server::Shared::new(db, false),
        listener,
        async {
            let _ = stopped.await;
        },
    ));
    let started = Instant::now();
    let times = rt.block_on(async {
        let mut tasks = Vec::new();
        for (k, t) in tokens.into_iter().enumerate() {
            let base = base.clone();
            tasks.push(tokio::spawn(async move {
                let c = reqwest::Client::new();
                let auth = format!("Bearer {t}");
                let mut times = Vec::with_capacity(rounds);
                // Paced clients start spread over one pace, as people do.
                let mut tick = tokio::time::interval_at(
                    tokio::time::Instant::now() + pace.mul_f64(k as f64 / CLIENTS as f64),
                    pace.max(Duration::from_micros(1)),
                );
                for _ in 0..rounds {
                    if !pace.is_zero() {
                        tick.tick().await;
                    }
                    let t0 = Instant::now();
                    let v: serde_json::Value = c
                        .post(format!("{base}/api/v1/queues/q/next"))
                        .header("authorization", &auth)
                        .json(&serde_json::json!({"n": 1}))
                        .send()
                        .await?
                        .error_for_status()?
                        .json()
                        .await?;
                    let item = v["items"][0]["item_id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    c.post(format!("{base}/api/v1/annotations"))
                        .header("authorization", &auth)
                        .json(&serde_json::json!({"item_id": item, "queue": "q", "label": "3"}))
                        .send()
                        .await?
                        .error_for_status()?;
                    times.push(t0.elapsed());
                }
                Ok::<_, reqwest::Error>(times)
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await??);
        }
        Ok::<_, anyhow::Error>(all)
    })?;
    let wall = started.elapsed();
    let _ = stop.send(());
    Ok((times, wall))
}

/// The same rounds through the core in-process, one after another (one writer).
fn in_process(root: &Path, rounds: usize) -> Result<(Vec<Duration>, Duration)> {
    let mut p = Project::open(root)?;
    let q = review::find(&p, "q")?.id;
    let mut times = Vec::with_capacity(CLIENTS * rounds);
    let started = Instant::now();
    for _ in 0..rounds {
        for i in 0..CLIENTS {
            let who = format!("a{i:02}");
            let t0 = Instant::now();
            let Some(item) = review::next(&mut p, q, &who)? else {
                bail!("the queue ran out");
            };
            review::record_in_queue(
                &mut p,
                &QueueLabel {
                    queue: "q".into(),
                    item_id: item.item_id,
                    annotator: who,
                    label: "3".into(),
                    ..Default::default()
                },
            )?;
            times.push(t0.elapsed());
        }
    }
    Ok((times, started.elapsed()))
}

fn main() -> Result<()> {
    let rounds = arbiter_bench::size_arg(40)?;
    ensure!(
        CLIENTS * rounds <= ITEMS,
        "at most {} rounds",
        ITEMS / CLIENTS
    );
    let dir = tempfile::tempdir()?;
    let (http_root, local_root) = (dir.path().join("served"), dir.path().join("local"));
    eprintln!("building a project of {ITEMS} items with {CLIENTS} invited annotators …");
    let tokens = build(&http_root, dir.path())?;
    std::fs::create_dir_all(&local_root)?;
    let paced_root = dir.path().join("paced");
    std::fs::create_dir_all(&paced_root)?;
    // The baseline's project: the same database, copied before any label.
    {
        let src = Project::open(&http_root)?;
        drop(src);
        std::fs::copy(http_root.join("arbiter.db"), local_root.join("arbiter.db"))?;
        std::fs::copy(http_root.join("arbiter.db"), paced_root.join("arbiter.db"))?;
    }
    let (paced, paced_wall) = over_http(&paced_root, tokens.clone(), rounds, PACE)?;
    let (http, http_wall) = over_http(&http_root, tokens, rounds, Duration::ZERO)?;
    let (local, local_wall) = in_process(&local_root, rounds)?;
    let n = (CLIENTS * rounds) as f64;
    println!(
        "paced: {CLIENTS} clients each claiming and saving every {} ms ({:.0} annotations/s asked, {:.0} done)",
        PACE.as_millis(),
        CLIENTS as f64 / PACE.as_secs_f64(),
        n / paced_wall.as_secs_f64()
    );
    println!(
        "{} claims + saves by {CLIENTS} clients over HTTP in {:.2} s: {:.0} annotations/s; in-process, one at a time: {:.2} s, {:.0} annotations/s",
        CLIENTS * rounds,
        http_wall.as_secs_f64(),
        n / http_wall.as_secs_f64(),
        local_wall.as_secs_f64(),
        n / local_wall.as_secs_f64()
    );
    report_in(
        Unit::Millis,
        &format!(
            "p95 of claim + save over HTTP, {CLIENTS} clients each every {} ms",
            PACE.as_millis()
        ),
        p95(paced),
        Some(Duration::from_millis(20)),
        "p95 of the same claim + save in-process, one at a time",
        p95(local.clone()),
    );
    report_in(
        Unit::Millis,
        &format!("p95 of claim + save over HTTP, {CLIENTS} clients as fast as they can"),
        p95(http),
        None,
        "p95 of the same claim + save in-process, one at a time",
        p95(local),
    );
    Ok(())
}
