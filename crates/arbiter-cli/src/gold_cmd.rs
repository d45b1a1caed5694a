//! `arbiter gold add | list | remove`: the answer key that scores annotators.

use anyhow::Result;
use arbiter_core::gold;

use crate::commands::open;
use crate::output::{json, table};
use crate::{Cli, GoldCommand};

pub fn run(cli: &Cli, c: &GoldCommand) -> Result<()> {
    match c {
        GoldCommand::Add(a) => {
            let mut p = open(cli)?;
            let source = match (&a.file, a.from_decisions) {
                (Some(f), _) => gold::Source::File(f.clone()),
                (None, true) => gold::Source::Decisions,
                (None, false) => gold::Source::Given,
            };
            let added = gold::add(
                &mut p,
                &gold::AddOptions {
                    source,
                    dataset: a.dataset.clone(),
                    share: a.share,
                    count: a.count,
                    seed: a.seed,
                    by: a.by.clone(),
                },
            )?;
            if cli.json {
                return json(&added);
            }
            let per_label = added
                .by_label
                .iter()
                .map(|(l, n)| format!("{l} {n}"))
                .collect::<Vec<_>>()
                .join(", ");
            println!(
                "{}: {} gold answer(s) recorded, {} already gold with the same answer, of {} candidate(s){}",
                added.dataset,
                added.added,
                added.unchanged,
                added.candidates,
                if per_label.is_empty() {
                    String::new()
                } else {
                    format!(" (per label: {per_label})")
                }
            );
        }
        GoldCommand::List { dataset } => {
            let p = open(cli)?;
            let all = gold::list(&p, dataset.as_deref())?;
            if cli.json {
                return json(&all);
            }
            if all.is_empty() {
                println!(
                    "No gold items yet: `arbiter gold add --from-given --share 0.05` makes some."
                );
                return Ok(());
            }
            table(
                &["item", "dataset", "answer", "added by", "added at"],
                all.iter()
                    .map(|g| {
                        vec![
                            g.item_id.clone(),
                            g.dataset.clone(),
                            g.label.clone(),
                            g.added_by.clone(),
                            g.added_at.clone(),
                        ]
                    })
                    .collect(),
            );
        }
        GoldCommand::Remove {
            items,
            all,
            dataset,
            by,
        } => {
            let mut p = open(cli)?;
            let n = gold::remove(&mut p, dataset.as_deref(), items, *all, by.as_deref())?;
            if cli.json {
                return json(&serde_json::json!({ "removed": n }));
            }
            println!("Removed {n} item(s) from the gold set.");
        }
    }
    Ok(())
}
