//! `arbiter escalations`: the built-in queue of flagged and conflicting items, and a reviewer's
//! actions on them (accept, override, send back with a note).

use anyhow::Result;
use arbiter_core::{dataset, escalate, items};
use clap::Subcommand;

use crate::output::{json, table};
use crate::Cli;

#[derive(Subcommand, Debug)]
pub enum EscalationsCommand {
    /// List the escalated items: open conflicts, and items flagged unsure or bad_input since
    /// their last review.
    List,
    /// Accept an escalated item as it is labeled (not a conflict: that needs a label).
    Accept {
        /// The item's id (as in the dataset).
        item: String,
        /// The reviewer or lead acting.
        #[arg(long, value_name = "REVIEWER")]
        by: String,
        #[arg(long)]
        note: Option<String>,
        /// NAME or NAME@VERSION (default: the only dataset).
        #[arg(long)]
        dataset: Option<String>,
    },
    /// Decide an escalated item with a label (an override; a conflict needs no --reason).
    Override {
        item: String,
        #[arg(long)]
        label: String,
        /// A correction reason code (needed unless the item is a conflict).
        #[arg(long)]
        reason: Option<String>,
        #[arg(long, value_name = "REVIEWER")]
        by: String,
        #[arg(long)]
        note: Option<String>,
        #[arg(long)]
        dataset: Option<String>,
    },
    /// Send an item back to the annotator who labeled it, with a note: their label is retracted,
    /// the item reopens in its queue, and they see the note when it is served to them again.
    SendBack {
        item: String,
        /// What to look at again.
        #[arg(long)]
        note: String,
        /// The annotator to send it to [default: the one annotator who labeled it].
        #[arg(long)]
        annotator: Option<String>,
        #[arg(long, value_name = "REVIEWER")]
        by: String,
        #[arg(long)]
        dataset: Option<String>,
    },
    /// The items sent back to an annotator, with the reviewers' notes.
    SentBack {
        #[arg(long)]
        annotator: String,
    },
}

fn rowid(p: &arbiter_core::Project, ds: &Option<String>, item: &str) -> Result<i64> {
    let v = dataset::resolve_or_only(p, ds.as_deref())?;
    Ok(items::find(p, v.id, item)?.rowid)
}

pub fn run(cli: &Cli, c: &EscalationsCommand) -> Result<()> {
    let mut p = crate::commands::open(cli)?;
    let done = |what: String| -> Result<()> {
        if cli.json {
            return json(&serde_json::json!({ "done": what }));
        }
        println!("{what}");
        Ok(())
    };
    match c {
        EscalationsCommand::List => {
            let list = escalate::escalations(&p)?;
            if cli.json {
                return json(&list);
            }
            if list.is_empty() {
                println!("No escalated items.");
                return Ok(());
            }
            let rows = list
                .iter()
                .map(|e| {
                    vec![
                        e.item_id.clone(),
                        e.reasons.join(", "),
                        e.decision
                            .votes
                            .iter()
                            .map(|v| format!("{}: {}", v.annotator, v.label))
                            .collect::<Vec<_>>()
                            .join(", "),
                        e.flags
                            .iter()
                            .map(|f| match &f.note {
                                Some(n) => format!("{} {} ({n})", f.annotator, f.flag),
                                None => format!("{} {}", f.annotator, f.flag),
                            })
                            .collect::<Vec<_>>()
                            .join("; "),
                    ]
                })
                .collect();
            table(&["item", "why", "votes", "flags"], rows);
            Ok(())
        }
        EscalationsCommand::Accept {
            item,
            by,
            note,
            dataset,
        } => {
            let id = rowid(&p, dataset, item)?;
            escalate::accept(&mut p, id, by, note.as_deref())?;
            done(format!("Accepted {item} as labeled"))
        }
        EscalationsCommand::Override {
            item,
            label,
            reason,
            by,
            note,
            dataset,
        } => {
            let id = rowid(&p, dataset, item)?;
            escalate::override_item(&mut p, id, by, label, reason.as_deref(), note.as_deref())?;
            done(format!("Decided {item} as {label}"))
        }
        EscalationsCommand::SendBack {
            item,
            note,
            annotator,
            by,
            dataset,
        } => {
            let id = rowid(&p, dataset, item)?;
            let to = escalate::send_back(&mut p, id, by, annotator.as_deref(), note)?;
            done(format!("Sent {item} back to {to}"))
        }
        EscalationsCommand::SentBack { annotator } => {
            let list = escalate::sent_back(&p, annotator)?;
            if cli.json {
                return json(&list);
            }
            if list.is_empty() {
                println!("Nothing sent back to {annotator}.");
                return Ok(());
            }
            let rows = list
                .iter()
                .map(|s| {
                    vec![
                        s.item_id.clone(),
                        s.by.clone(),
                        s.note.clone(),
                        s.at.clone(),
                    ]
                })
                .collect();
            table(&["item", "by", "note", "at"], rows);
            Ok(())
        }
    }
}
