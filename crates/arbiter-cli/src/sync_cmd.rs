//! `arbiter sync …`: packs of events between the replicas of a project.

use anyhow::Result;
use arbiter_core::sync;

use crate::commands::open;
use crate::output::{json, table};
use crate::{Cli, SyncCommand};

pub fn run(cli: &Cli, c: &SyncCommand) -> Result<()> {
    match c {
        SyncCommand::Export { out, since } => {
            let p = open(cli)?;
            let since = since.as_deref().map(sync::parse_stamp).transpose()?;
            let e = sync::export(&p, out, since.as_ref())?;
            if cli.json {
                return json(&e);
            }
            let c = &e.header.counts;
            println!(
                "Wrote {} event(s) to {} ({} bytes): {} annotation(s), {} retraction(s), {} setting(s), {} queue(s), {} run(s)",
                e.events,
                e.file.display(),
                e.bytes,
                c.annotations,
                c.retractions,
                c.settings,
                c.queues,
                c.runs
            );
            Ok(())
        }
        SyncCommand::Import { files, dry_run } => {
            let mut p = open(cli)?;
            // One pack at a time (each all-or-nothing), saying which on stderr (with --json,
            // stderr holds only an error).
            let mut done = Vec::with_capacity(files.len());
            for f in files {
                if cli.json {
                    done.extend(sync::import(&mut p, std::slice::from_ref(f), *dry_run)?);
                    continue;
                }
                eprintln!(
                    "{} {} …",
                    if *dry_run { "Reading" } else { "Importing" },
                    f.display()
                );
                done.extend(sync::import(&mut p, std::slice::from_ref(f), *dry_run)?);
            }
            if cli.json {
                return json(&if done.len() == 1 {
                    serde_json::to_value(&done[0])?
                } else {
                    serde_json::to_value(&done)?
                });
            }
            for i in &done {
                println!(
                    "{}{}: {} new event(s), {} already here; {} annotator(s), {} queue(s), {} run(s) added; conflicts {} → {}{}",
                    if i.dry_run { "Would import " } else { "Imported " },
                    i.file.display(),
                    i.events_added,
                    i.events_known,
                    i.annotators_added,
                    i.queues_added,
                    i.runs_added,
                    i.conflicts_before,
                    i.conflicts_after,
                    if i.pending > 0 {
                        format!("; {} event(s) wait for packs not imported yet", i.pending)
                    } else {
                        String::new()
                    }
                );
                for q in &i.renamed_queues {
                    println!("  two replicas saved a queue under one name: one is now {q:?}");
                }
            }
            Ok(())
        }
        SyncCommand::Status => {
            let p = open(cli)?;
            let s = sync::status(&p)?;
            if cli.json {
                return json(&s);
            }
            println!("Project {}", s.project_id);
            println!("This replica {}", s.replica_id);
            let rows = s
                .stamp
                .iter()
                .map(|(r, n)| {
                    vec![
                        format!("{r}{}", if *r == s.replica_id { " (this)" } else { "" }),
                        n.to_string(),
                    ]
                })
                .collect();
            table(&["replica", "events held"], rows);
            if s.pending > 0 {
                println!("{} event(s) wait for packs not imported yet", s.pending);
            }
            Ok(())
        }
        SyncCommand::Folder { dir } => {
            let mut p = open(cli)?;
            let f = sync::folder::sync_folder(&mut p, dir)?;
            if cli.json {
                return json(&f);
            }
            let added: u64 = f.imported.iter().map(|i| i.events_added).sum();
            println!(
                "{}: imported {} pack(s) ({added} new event(s)); {}",
                f.dir.display(),
                f.imported.len(),
                match &f.written {
                    Some(w) => format!("wrote {} ({} event(s))", w.display(), f.written_events),
                    None => "nothing new to write".into(),
                }
            );
            for r in &f.refused {
                eprintln!(
                    "not imported (retried next time): {}: {}",
                    r.file.display(),
                    r.error
                );
            }
            Ok(())
        }
    }
}
