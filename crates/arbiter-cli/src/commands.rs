//! One function per subcommand, each a few lines over arbiter-core.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use anyhow::{bail, Context, Result};
use arbiter_core::dataset::{self, ColumnChoice, ImportOptions, ImportStage};
use arbiter_core::items::{self, LabelFilter};
use arbiter_core::{schema, Project};

use crate::output::{bar, json, table};
use crate::{
    Cli, Command, DatasetCommand, ImportArgs, InitArgs, ItemsArgs, ModelAddArgs, ModelCommand,
    PredictArgs, PredictionsCommand, QueueArgs,
};
use arbiter_core::model::{self, runtime::Device, AddOptions, Color, Layout, OutputKind};
use arbiter_core::predict::{self, PredictOptions};

pub fn run(cli: &Cli) -> Result<()> {
    match &cli.command {
        Command::Init(a) => init(cli, a),
        Command::Dataset(DatasetCommand::Import(a)) => import(cli, a),
        Command::Dataset(DatasetCommand::List) => dataset_list(cli),
        Command::Items(a) => items_cmd(cli, a),
        Command::Labels => labels(cli),
        Command::Model(ModelCommand::Add(a)) => model_add(cli, a),
        Command::Model(ModelCommand::List) => model_list(cli),
        Command::Predict(a) => predict_cmd(cli, a),
        Command::Runs => runs(cli),
        Command::Queue(a) => queue_cmd(cli, a),
        Command::Predictions(PredictionsCommand::Export(a)) => {
            let p = open(cli)?;
            let rows = predict::export(p.conn(), p.root(), a.run, &a.out)?;
            if cli.json {
                return json(&serde_json::json!({ "run": a.run, "rows": rows, "out": a.out }));
            }
            println!(
                "Wrote {rows} predictions of run {} to {}",
                a.run,
                a.out.display()
            );
            Ok(())
        }
    }
}

fn project_dir(cli: &Cli) -> PathBuf {
    cli.project.clone().unwrap_or_else(|| PathBuf::from("."))
}

fn open(cli: &Cli) -> Result<Project> {
    Ok(Project::open(&project_dir(cli))?)
}

fn init(cli: &Cli, a: &InitArgs) -> Result<()> {
    let dir = a.dir.clone().unwrap_or_else(|| project_dir(cli));
    let specs = match (&a.labels, &a.labels_file) {
        (Some(list), _) => schema::parse_label_list(list),
        (None, Some(file)) => schema::parse_labels_file(file)?,
        (None, None) => Vec::new(),
    };
    let p = Project::create(&dir, a.name.as_deref(), &specs)?;
    let labels = schema::labels(p.conn())?;
    if cli.json {
        return json(&serde_json::json!({
            "project": p.root(),
            "name": p.name()?,
            "labels": labels,
        }));
    }
    println!("Created project {:?} in {}", p.name()?, p.root().display());
    if labels.is_empty() {
        println!("No labels yet: the first labeled import sets the schema.");
    } else {
        let names: Vec<&str> = labels.iter().map(|l| l.name.as_str()).collect();
        println!("Labels: {}", names.join(", "));
    }
    Ok(())
}

fn import(cli: &Cli, a: &ImportArgs) -> Result<()> {
    let mut p = open(cli)?;
    let opts = ImportOptions {
        source: a.source.clone(),
        name: a.name.clone(),
        columns: ColumnChoice {
            id_col: a.id_col.clone(),
            path_col: a.path_col.clone(),
            label_col: a.label_col.clone(),
            features: a.features.clone(),
        },
    };
    let pb = bar();
    let summary = dataset::import(
        &mut p,
        &opts,
        &mut |pr| {
            let stage = match pr.stage {
                ImportStage::Reading => "reading",
                ImportStage::Validating => "validating",
                ImportStage::Hashing => "hashing",
                ImportStage::Writing => "writing",
                ImportStage::Done => "done",
            };
            pb.set_message(stage);
            pb.set_length(pr.total);
            pb.set_position(pr.done);
        },
        &AtomicBool::new(false),
    );
    pb.finish_and_clear();
    let summary = summary?;
    if cli.json {
        return json(&summary);
    }
    if summary.unchanged {
        println!(
            "{}: unchanged — same content as version {} ({} items); nothing imported.",
            summary.dataset, summary.version, summary.items
        );
    } else {
        println!(
            "Imported {} version {}: {} items, {} labeled.",
            summary.dataset, summary.version, summary.items, summary.labeled
        );
    }
    for w in summary
        .warnings
        .iter()
        .filter(|w| !w.starts_with("unchanged"))
    {
        eprintln!("warning: {w}");
    }
    Ok(())
}

fn dataset_list(cli: &Cli) -> Result<()> {
    let p = open(cli)?;
    let list = dataset::list(p.conn())?;
    if cli.json {
        return json(&list);
    }
    if list.is_empty() {
        println!("No datasets yet. Import one with `arbiter dataset import SOURCE`.");
        return Ok(());
    }
    let rows = list
        .iter()
        .flat_map(|d| {
            d.versions.iter().map(move |v| {
                vec![
                    d.name.clone(),
                    v.version.to_string(),
                    v.items.to_string(),
                    v.labeled.to_string(),
                    v.feature_names.len().to_string(),
                    v.content_hash[..12].to_string(),
                    v.created_at.clone(),
                    v.source.clone(),
                ]
            })
        })
        .collect();
    table(
        &[
            "dataset", "version", "items", "labeled", "features", "hash", "created", "source",
        ],
        rows,
    );
    Ok(())
}

fn items_cmd(cli: &Cli, a: &ItemsArgs) -> Result<()> {
    let p = open(cli)?;
    let version = match &a.dataset {
        Some(spec) => dataset::resolve(p.conn(), spec)?,
        None => {
            let list = dataset::list(p.conn())?;
            match list.as_slice() {
                [] => bail!("the project has no datasets yet; import one with `arbiter dataset import SOURCE`"),
                [one] => dataset::resolve(p.conn(), &one.name)?,
                many => bail!(
                    "the project has {} datasets; pick one with --dataset ({})",
                    many.len(),
                    many.iter().map(|d| d.name.as_str()).collect::<Vec<_>>().join(", ")
                ),
            }
        }
    };
    let filter = match (&a.label, a.unlabeled) {
        (Some(l), _) => LabelFilter::Label(l.clone()),
        (None, true) => LabelFilter::Unlabeled,
        (None, false) => LabelFilter::All,
    };
    let page = items::list(p.conn(), version.id, &filter, a.offset, a.limit)
        .with_context(|| format!("listing items of version {}", version.version))?;
    if cli.json {
        return json(&page);
    }
    let rows = page
        .items
        .iter()
        .map(|i| {
            vec![
                i.id.clone(),
                i.label.clone().unwrap_or_default(),
                i.path.clone().unwrap_or_default(),
            ]
        })
        .collect();
    table(&["id", "label", "path"], rows);
    eprintln!(
        "{}–{} of {} item(s)",
        (page.offset + 1).min(page.total),
        page.offset + page.items.len() as u64,
        page.total
    );
    Ok(())
}

fn labels(cli: &Cli) -> Result<()> {
    let p = open(cli)?;
    let labels = schema::labels(p.conn())?;
    let reasons = schema::reasons(p.conn())?;
    if cli.json {
        return json(&serde_json::json!({ "labels": labels, "reasons": reasons }));
    }
    let rows = labels
        .iter()
        .map(|l| {
            vec![
                l.name.clone(),
                l.hotkey.clone().unwrap_or_default(),
                l.color.clone(),
                l.guideline.clone().unwrap_or_default(),
            ]
        })
        .collect();
    table(&["label", "hotkey", "colour", "guideline"], rows);
    let rows = reasons
        .iter()
        .map(|r| vec![r.code.clone(), r.description.clone()])
        .collect();
    table(&["reason", "description"], rows);
    Ok(())
}

fn model_add(cli: &Cli, a: &ModelAddArgs) -> Result<()> {
    let mut p = open(cli)?;
    let opts = AddOptions {
        file: a.file.clone(),
        name: a.name.clone(),
        labels_file: a.labels_file.clone(),
        size: a.size.as_deref().map(model::parse_size).transpose()?,
        layout: a.layout.as_deref().map(|l| {
            if l == "nhwc" {
                Layout::Nhwc
            } else {
                Layout::Nchw
            }
        }),
        color: a.color.as_deref().map(|c| match c {
            "bgr" => Color::Bgr,
            "gray" => Color::Gray,
            _ => Color::Rgb,
        }),
        scale: a.scale,
        mean: a.mean.clone(),
        std: a.std.clone(),
        output: OutputKind::parse(&a.output)?,
    };
    let m = model::add(&mut p, &opts)?;
    if cli.json {
        return json(&serde_json::json!({
            "model": m.name,
            "version": m.version,
            "sha256": m.sha256,
            "kind": m.kind,
            "inputs": m.inputs,
            "outputs": m.outputs,
            "classes": m.classes,
            "classes_source": m.classes_source,
            "preprocess": m.preprocess,
            "output": m.output,
        }));
    }
    println!(
        "Registered {}@{} ({} model, sha256 {})",
        m.name,
        m.version,
        m.kind,
        &m.sha256[..16]
    );
    println!(
        "  classes ({}, from {}): {}",
        m.classes.len(),
        m.classes_source.replace('_', " "),
        m.classes.join(", ")
    );
    println!("  input: {}", serde_json::to_string(&m.preprocess)?);
    println!("  output: {} ({:?})", m.output.name, m.output.kind);
    Ok(())
}

fn model_list(cli: &Cli) -> Result<()> {
    let p = open(cli)?;
    let list = model::list(p.conn(), p.root())?;
    if cli.json {
        return json(&list);
    }
    if list.is_empty() {
        println!("No models yet. Register one with `arbiter model add FILE.onnx`.");
        return Ok(());
    }
    let rows = list
        .iter()
        .map(|m| {
            vec![
                m.name.clone(),
                m.version.to_string(),
                m.kind.clone(),
                m.classes.len().to_string(),
                format!("{:?}", m.output.kind).to_lowercase(),
                m.sha256[..12].to_string(),
                m.created_at.clone(),
            ]
        })
        .collect();
    table(
        &[
            "model", "version", "kind", "classes", "output", "sha256", "added",
        ],
        rows,
    );
    Ok(())
}

fn predict_cmd(cli: &Cli, a: &PredictArgs) -> Result<()> {
    let mut p = open(cli)?;
    let opts = PredictOptions {
        model: a.model.clone().unwrap_or_default(),
        dataset: a.dataset.clone().unwrap_or_default(),
        batch_size: a.batch_size,
        device: Device::parse(&a.device)?,
        resume: a.resume,
    };
    let pb = bar();
    pb.set_style(
        indicatif::ProgressStyle::with_template("predict [{bar:40}] {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let summary = predict::predict(
        &mut p,
        &opts,
        &mut |pr| {
            pb.set_length(pr.total);
            pb.set_position(pr.done);
            let eta = pr
                .eta_seconds
                .map(|s| format!(", ETA {s:.0} s"))
                .unwrap_or_default();
            pb.set_message(format!(
                "{:.0} items/s{eta}, {} failed",
                pr.items_per_second, pr.failed
            ));
        },
        &std::sync::atomic::AtomicBool::new(false),
    );
    pb.finish_and_clear();
    let summary = summary?;
    if let Some(n) = &summary.notice {
        eprintln!("notice: {n}");
    }
    if cli.json {
        return json(&summary);
    }
    println!(
        "Run {}: {} over {} — {} items ({} failed) in {:.2} s, {:.0} items/s on {}",
        summary.run,
        summary.model,
        summary.dataset,
        summary.items,
        summary.failed,
        summary.seconds,
        summary.items_per_second,
        summary.device
    );
    Ok(())
}

fn runs(cli: &Cli) -> Result<()> {
    let p = open(cli)?;
    let list = predict::runs(p.conn())?;
    if cli.json {
        return json(&list);
    }
    let rows = list
        .iter()
        .map(|r| {
            vec![
                r.run.to_string(),
                r.model.clone(),
                r.dataset.clone(),
                r.status.clone(),
                format!("{} ({} failed)", r.items, r.failed),
                r.device.clone(),
                format!("{:.2}", r.seconds),
            ]
        })
        .collect();
    table(
        &[
            "run", "model", "dataset", "status", "items", "provider", "seconds",
        ],
        rows,
    );
    Ok(())
}

fn queue_cmd(cli: &Cli, a: &QueueArgs) -> Result<()> {
    use arbiter_core::queue::{self, QueueSpec, Strategy};
    let p = open(cli)?;
    let spec = QueueSpec {
        run: a.run,
        strategy: Strategy::parse(&a.strategy)?,
        other_run: a.other_run,
        threshold: a.threshold,
        seed: a.seed,
    };
    let ranked = queue::rank(p.conn(), p.root(), &spec)?;
    let entries = queue::entries(
        p.conn(),
        p.root(),
        a.run,
        &ranked,
        a.limit.unwrap_or(usize::MAX),
    )?;
    if cli.json {
        return json(&entries);
    }
    let rows = entries
        .iter()
        .map(|e| {
            vec![
                e.item_id.clone(),
                format!("{:.6}", e.score),
                e.predicted.clone().unwrap_or_default(),
                e.confidence.map(|c| format!("{c:.4}")).unwrap_or_default(),
                e.given.clone().unwrap_or_default(),
            ]
        })
        .collect();
    table(&["item", "score", "predicted", "confidence", "given"], rows);
    eprintln!(
        "{} of {} queued item(s) ({})",
        entries.len(),
        ranked.len(),
        spec.strategy.as_str()
    );
    Ok(())
}
