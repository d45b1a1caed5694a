//! One function per subcommand, each a few lines over arbiter-core.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use anyhow::{Context, Result};
use arbiter_core::dataset::{self, ColumnChoice, ImportOptions, ImportStage};
use arbiter_core::items::{self, LabelFilter};
use arbiter_core::{schema, Project};

use crate::output::{bar, json, table};
use crate::{AgreementArgs, ExportArgs};
use crate::{
    AnnotateArgs, AnnotationsCommand, AnnotatorsCommand, Cli, Command, DatasetCommand,
    DecisionsArgs, ImportArgs, InitArgs, ItemsArgs, LabelsArgs, ModelAddArgs, ModelCommand,
    PredictArgs, PredictionsCommand, QueueArgs, ReasonsCommand, TargetCommand,
};
use arbiter_core::model::{self, AddOptions};
use arbiter_core::predict::{self, PredictOptions};

pub fn run(cli: &Cli) -> Result<()> {
    match &cli.command {
        Command::Init(a) => init(cli, a),
        Command::Dataset(DatasetCommand::Import(a)) => import(cli, a),
        Command::Dataset(DatasetCommand::List) => dataset_list(cli),
        Command::Items(a) => items_cmd(cli, a),
        Command::Labels(a) => labels(cli, a),
        Command::Model(ModelCommand::Add(a)) => model_add(cli, a),
        Command::Model(ModelCommand::List) => model_list(cli),
        Command::Model(ModelCommand::Remove { model }) => {
            let mut p = open(cli)?;
            let r = model::remove(&mut p, model)?;
            if cli.json {
                return json(&r);
            }
            println!(
                "Removed model {}@{} (sha256 {}){}",
                r.model,
                r.version,
                &r.sha256[..r.sha256.len().min(16)],
                if r.file_deleted {
                    "; its file was deleted from the project"
                } else {
                    ""
                }
            );
            Ok(())
        }
        Command::Predict(a) => predict_cmd(cli, a),
        Command::Runs(a) => runs(cli, a),
        Command::Queue(a) => queue_cmd(cli, a),
        Command::Queues => queues_cmd(cli),
        Command::Compare(a) => crate::compare_cmd::run(cli, a),
        Command::Annotators(c) => annotators_cmd(cli, c),
        Command::Annotate(a) => annotate_cmd(cli, a),
        Command::Annotations(c) => annotations_cmd(cli, c),
        Command::Decisions(a) => decisions_cmd(cli, a),
        Command::Agreement(a) => agreement_cmd(cli, a),
        Command::Export(a) => export_cmd(cli, a),
        Command::ImportLabelstudio(a) => import_labelstudio(cli, a),
        Command::Target(c) => target_cmd(cli, c),
        Command::Reasons(c) => {
            let p = open(cli)?;
            let s = match c {
                ReasonsCommand::Add {
                    code,
                    description,
                    by,
                } => schema::add_reason(&p, code, description, by.as_deref())?,
                ReasonsCommand::Retire { code, by } => {
                    schema::retire_reason(&p, code, by.as_deref())?
                }
            };
            if cli.json {
                return json(&s);
            }
            println!(
                "Reason {} {} (schema version {})",
                s.code,
                if s.retired { "retired" } else { "added" },
                s.schema_version
            );
            Ok(())
        }
        Command::Report { run } => report_cmd(cli, *run),
        Command::Clone(a) => clone_cmd(cli, a),
        Command::Sync(c) => crate::sync_cmd::run(cli, c),
        Command::Invite(a) => crate::invite_cmd::run(cli, a),
        Command::Serve(a) => crate::serve_cmd::run(cli, a),
        Command::Gold(c) => crate::gold_cmd::run(cli, c),
        Command::Calibrate(a) => crate::calibrate_cmd::calibrate(cli, a),
        Command::Autoaccept(a) => crate::calibrate_cmd::autoaccept(cli, a),
        Command::Drift(a) => crate::drift_cmd::run(cli, a),
        Command::Escalations(c) => crate::escalate_cmd::run(cli, c),
        Command::Predictions(PredictionsCommand::Export(a)) => {
            let p = open(cli)?;
            let rows = predict::export(&p, a.run, &a.out)?;
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
        Command::Predictions(PredictionsCommand::Import(a)) => {
            let mut p = open(cli)?;
            let got = predict::import::import(
                &mut p,
                &predict::import::ImportOptions {
                    file: a.file.clone(),
                    name: a.name.clone(),
                    version: a.version.clone(),
                    dataset: a.dataset.clone(),
                    normalize: a.normalize,
                },
            )?;
            if cli.json {
                return json(&got);
            }
            println!(
                "Run {}: {} predictions of {}@{} imported as model {}@{} ({}{})",
                got.run,
                got.rows,
                got.dataset,
                got.dataset_version,
                got.model,
                got.model_version,
                got.columns.replace('_', " + "),
                if got.failed > 0 {
                    format!(", {} failed", got.failed)
                } else {
                    String::new()
                }
            );
            if got.normalized > 0 {
                println!(
                    "{} row(s) rescaled to sum to 1 (--normalize)",
                    got.normalized
                );
            }
            if got.items_without > 0 {
                println!(
                    "{} item(s) of the dataset version have no prediction in the file",
                    got.items_without
                );
            }
            if !got.ignored_columns.is_empty() {
                println!("Not read: {}", got.ignored_columns.join(", "));
            }
            Ok(())
        }
    }
}

fn clone_cmd(cli: &Cli, a: &crate::CloneArgs) -> Result<()> {
    use arbiter_core::sync::clone::{clone, CloneOptions};
    let c = clone(
        &a.src,
        &a.dst,
        &CloneOptions {
            media: a.media,
            queues: a.queues.clone(),
        },
    )?;
    if cli.json {
        return json(&c);
    }
    println!(
        "Cloned into {}: project {}, new replica {}",
        c.path.display(),
        c.project_id,
        c.replica_id
    );
    if c.media_files > 0 {
        let size = if c.media_bytes >= 1_000_000 {
            format!("{:.1} MB", c.media_bytes as f64 / 1e6)
        } else {
            format!("{:.1} kB", c.media_bytes as f64 / 1e3)
        };
        println!(
            "Copied {} media file(s) ({size}) into {}",
            c.media_files,
            c.path.join("media").display()
        );
    }
    println!("Exchange events with `arbiter sync export` / `arbiter sync import`, or `arbiter sync folder DIR`.");
    Ok(())
}

pub(crate) fn project_dir(cli: &Cli) -> PathBuf {
    cli.project.clone().unwrap_or_else(|| PathBuf::from("."))
}

pub(crate) fn open(cli: &Cli) -> Result<Project> {
    Ok(Project::open(&project_dir(cli))?)
}

fn init(cli: &Cli, a: &InitArgs) -> Result<()> {
    let dir = a.dir.clone().unwrap_or_else(|| project_dir(cli));
    let file = match (&a.labels, &a.labels_file) {
        (Some(list), _) => schema::LabelsFile {
            labels: schema::parse_label_list(list),
            ordinal: None,
        },
        (None, Some(file)) => schema::parse_schema_file(file)?,
        (None, None) => schema::LabelsFile::default(),
    };
    let ordinal = a.ordinal || file.ordinal == Some(true);
    let p = Project::create_with(&dir, a.name.as_deref(), &file.labels, ordinal)?;
    let labels = schema::labels(&p)?;
    if cli.json {
        return json(&serde_json::json!({
            "project": p.root(),
            "name": p.name()?,
            "labels": labels,
            "ordinal": ordinal,
        }));
    }
    println!("Created project {:?} in {}", p.name()?, p.root().display());
    if labels.is_empty() {
        println!("No labels yet: the first labeled import sets the schema.");
    } else {
        let names: Vec<&str> = labels.iter().map(|l| l.name.as_str()).collect();
        let sep = if ordinal { " < " } else { ", " };
        println!(
            "Labels{}: {}",
            if ordinal { " (ordinal)" } else { "" },
            names.join(sep)
        );
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
            text_col: a.text_col.clone(),
        },
        labels_from_data: a.labels_from_data,
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
    let list = dataset::list(&p)?;
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
    let version = dataset::resolve_or_only(&p, a.dataset.as_deref())?;
    let filter = match (&a.label, a.unlabeled) {
        (Some(l), _) => LabelFilter::Label(l.clone()),
        (None, true) => LabelFilter::Unlabeled,
        (None, false) => LabelFilter::All,
    };
    let page = items::list(&p, version.id, &filter, a.offset, a.limit)
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

fn labels(cli: &Cli, a: &LabelsArgs) -> Result<()> {
    let p = open(cli)?;
    if let Some(o) = a.ordinal {
        schema::set_ordinal(&p, o, None)?;
    }
    match &a.command {
        Some(crate::LabelsCommand::Edit {
            name,
            hotkey,
            color,
            guideline,
            examples,
            by,
        }) => {
            let clear = |v: &Option<String>| {
                v.as_ref()
                    .map(|t| Some(t.clone()).filter(|t| !t.is_empty()))
            };
            let edit = schema::LabelEdit {
                hotkey: clear(hotkey),
                color: color.clone(),
                guideline: clear(guideline),
                examples: (!examples.is_empty()).then(|| {
                    examples
                        .iter()
                        .filter(|e| !e.trim().is_empty())
                        .cloned()
                        .collect()
                }),
            };
            let l = schema::edit_label(&p, name, &edit, by.as_deref())?;
            if cli.json {
                return json(&l);
            }
            println!(
                "Label {:?}: hotkey {}, colour {}, guideline {}",
                l.name,
                l.hotkey.as_deref().unwrap_or("none"),
                l.color,
                l.guideline
                    .as_deref()
                    .map_or("none".to_string(), |g| format!("{g:?}"))
            );
            return Ok(());
        }
        Some(crate::LabelsCommand::Add { names, by }) => {
            let specs: Vec<schema::LabelSpec> = names
                .iter()
                .map(|n| schema::LabelSpec::named(n.trim()))
                .collect();
            schema::add_labels(&p, &specs, by.as_deref())?;
        }
        None => {}
    }
    let labels = schema::labels(&p)?;
    let reasons = schema::reasons(&p)?;
    let ordinal = schema::ordinal(&p)?;
    let examples = schema::examples(&p)?;
    let retired = schema::retired_reasons(&p)?;
    let version = schema::schema_version(&p)?;
    if cli.json {
        return json(
            &serde_json::json!({ "labels": labels, "ordinal": ordinal, "reasons": reasons,
            "examples": examples, "retired_reasons": retired, "schema_version": version }),
        );
    }
    println!("Schema version {version}.");
    println!(
        "{}",
        if ordinal {
            "Labels are ordinal, ranked in this order (weighted kappa, ordinal alpha)."
        } else {
            "Labels are nominal (unordered)."
        }
    );
    let rows = labels
        .iter()
        .map(|l| {
            vec![
                l.name.clone(),
                l.hotkey.clone().unwrap_or_default(),
                l.color.clone(),
                l.guideline.clone().unwrap_or_default(),
                examples
                    .get(&l.name)
                    .map(|e| e.join(", "))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    table(
        &["label", "hotkey", "colour", "guideline", "examples"],
        rows,
    );
    let rows = reasons
        .iter()
        .map(|r| vec![r.code.clone(), r.description.clone()])
        .collect();
    table(&["reason", "description"], rows);
    if !retired.is_empty() {
        println!("Retired reasons: {}", retired.join(", "));
    }
    Ok(())
}

fn model_add(cli: &Cli, a: &ModelAddArgs) -> Result<()> {
    let mut p = open(cli)?;
    let opts = AddOptions {
        file: a.file.clone(),
        name: a.name.clone(),
        labels_file: a.labels_file.clone(),
        size: a.size.as_deref().map(model::parse_size).transpose()?,
        layout: a.layout,
        color: a.color,
        scale: a.scale,
        mean: a.mean.clone(),
        std: a.std.clone(),
        output: a.output.kind(),
        decode: a.decode,
        tokenizer: a.tokenizer.clone(),
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
            "precision": m.precision,
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
        m.classes_source.describe(),
        m.classes.join(", ")
    );
    println!("  input: {}", serde_json::to_string(&m.preprocess)?);
    println!("  output: {} ({:?})", m.output.name, m.output.kind);
    if let Some(precision) = m.precision {
        println!(
            "  precision: {} (input {}, output {})",
            precision.describe(),
            m.inputs
                .iter()
                .find(|i| i.name == m.preprocess.input())
                .map_or("?", |i| i.dtype.as_str()),
            m.outputs
                .iter()
                .find(|o| o.name == m.output.name)
                .map_or("?", |o| o.dtype.as_str()),
        );
    }
    Ok(())
}

fn model_list(cli: &Cli) -> Result<()> {
    let p = open(cli)?;
    let list = model::list(&p)?;
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
                m.precision.map_or("-", |p| p.describe()).to_string(),
                m.sha256[..12].to_string(),
                m.created_at.clone(),
            ]
        })
        .collect();
    table(
        &[
            "model",
            "version",
            "kind",
            "classes",
            "output",
            "precision",
            "sha256",
            "added",
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
        device: a.device,
        resume: a.resume,
        decode: a.decode,
        cuda: arbiter_core::model::runtime::CudaOptions {
            device_id: a.cuda_device.unwrap_or_default(),
            memory_limit: a.gpu_mem_limit,
            conv_search: a.cudnn_conv_search.unwrap_or_default(),
        },
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
    if summary.failed > 0 {
        eprintln!(
            "note: {} item(s) failed; `arbiter runs --failures {}` lists them with the reason",
            summary.failed, summary.run
        );
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

fn runs(cli: &Cli, a: &crate::RunsArgs) -> Result<()> {
    let p = open(cli)?;
    if let Some(run) = a.failures {
        let (total, list) = predict::failures(&p, run, a.limit)?;
        if cli.json {
            return json(&serde_json::json!({ "run": run, "failed": total, "items": list }));
        }
        if total == 0 {
            println!("Run {run} failed no item.");
            return Ok(());
        }
        table(
            &["item", "why it failed"],
            list.iter()
                .map(|f| vec![f.item_id.clone(), f.error.clone()])
                .collect(),
        );
        eprintln!("{} of {total} failed item(s) of run {run}", list.len());
        return Ok(());
    }
    let list = predict::runs(&p)?;
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
                r.status.as_str().to_string(),
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
    use arbiter_core::queue::{self, QueueSpec};
    let p = open(cli)?;
    let spec = QueueSpec {
        run: a.run,
        strategy: a.strategy,
        other_run: a.other_run,
        threshold: a.threshold,
        seed: a.seed,
        calibrated: a.calibrated,
    };
    // A set-size queue: its calibration sample and level.
    let conformal = match (a.strategy, &a.calibration, a.alpha) {
        (queue::Strategy::SetSize, Some(c), Some(alpha)) => Some((c.as_str(), alpha)),
        (queue::Strategy::SetSize, _, _) => return Err(arbiter_core::Error::InvalidArgument(
            "a set-size queue needs a calibration queue and a level: --calibration QUEUE --alpha A"
                .into(),
        )
        .into()),
        (_, None, None) => None,
        (s, _, _) => {
            return Err(arbiter_core::Error::InvalidArgument(format!(
                "--calibration and --alpha go with --strategy set-size, not {}",
                s.as_str()
            ))
            .into())
        }
    };
    if let Some(name) = &a.save {
        let mut p = p;
        let create = arbiter_core::review::QueueCreate {
            name: name.clone(),
            spec,
            limit: a.limit,
            overlap_share: a.overlap_share,
            overlap_k: a.overlap_k,
            blind: a.blind,
            lease_seconds: 600,
            assign: a.assign.clone(),
            gold: arbiter_core::review::GoldServing {
                rate: a.gold_rate,
                warmup: a.gold_warmup,
                qualification: match (a.qualification, a.pass_accuracy, a.pass_items) {
                    (true, Some(pass_accuracy), Some(pass_items)) => {
                        Some(arbiter_core::review::Qualification {
                            pass_accuracy,
                            pass_items,
                        })
                    }
                    _ => None,
                },
            },
        };
        let (lac, q) = match conformal {
            Some((calibration, alpha)) => {
                let (lac, q) =
                    arbiter_core::conformal::create(&mut p, &create, calibration, alpha)?;
                (Some(lac), q)
            }
            None => (None, arbiter_core::review::create(&mut p, &create)?),
        };
        let c = arbiter_core::review::counts(&p, q.id)?;
        if cli.json {
            return json(&match lac {
                Some(lac) => serde_json::json!({ "queue": q, "counts": c, "conformal": lac }),
                None => serde_json::json!({ "queue": q, "counts": c }),
            });
        }
        println!(
            "Saved queue {:?} ({} items, {} strategy)",
            q.name,
            c.total,
            q.strategy.as_str()
        );
        if let Some(t) = q.temperature {
            println!("Ranked by calibrated confidence: softmax(ln p / T), T = {t:.4}");
        }
        if let Some(lac) = lac {
            println!(
                "Prediction sets at alpha {} from {} decided item(s) of {:?}: a class is in an item's set when 1 - p <= {:.6}; score = set size, items whose set is not one label first",
                lac.alpha, lac.n, lac.calibration, lac.qhat
            );
        }
        if !q.assignees.is_empty() {
            println!(
                "Split between {}: each item goes only to its assigned annotator(s)",
                q.assignees.join(", ")
            );
        }
        if let Some(x) = q.gold.qualification {
            println!(
                "A qualification: {} gold items to each annotator, {:.0}% right to pass; annotators claim from other queues only once they passed",
                x.pass_items,
                x.pass_accuracy * 100.0
            );
        } else if q.gold.serves() {
            println!(
                "Gold served blind among its items: each annotator's first {} item(s), then {:.1}% of the rest",
                q.gold.warmup,
                q.gold.rate * 100.0
            );
        }
        return Ok(());
    }
    let ranked = match conformal {
        Some((calibration, alpha)) => {
            arbiter_core::conformal::ranked(&p, &spec, calibration, alpha)?.1
        }
        None => queue::rank(&p, &spec)?,
    };
    let temperature = if a.calibrated {
        arbiter_core::calibrated::temperature(&p, a.run)?
    } else {
        None
    };
    let entries = queue::entries(
        &p,
        a.run,
        &ranked,
        a.limit.unwrap_or(usize::MAX),
        temperature,
    )?;
    if cli.json {
        return json(&entries);
    }
    // A set size is a count; the other scores are fractions.
    let score = |s: f64| match a.strategy {
        queue::Strategy::SetSize => format!("{s:.0}"),
        _ => format!("{s:.6}"),
    };
    let rows = entries
        .iter()
        .map(|e| {
            let mut row = vec![
                e.item_id.clone(),
                score(e.score),
                e.predicted.clone().unwrap_or_default(),
                e.confidence.map(|c| format!("{c:.4}")).unwrap_or_default(),
            ];
            if temperature.is_some() {
                row.push(
                    e.calibrated_confidence
                        .map(|c| format!("{c:.4}"))
                        .unwrap_or_default(),
                );
            }
            row.push(e.given.clone().unwrap_or_default());
            row
        })
        .collect();
    let header: &[&str] = if temperature.is_some() {
        &[
            "item",
            "score",
            "predicted",
            "confidence",
            "calibrated",
            "given",
        ]
    } else {
        &["item", "score", "predicted", "confidence", "given"]
    };
    table(header, rows);
    eprintln!(
        "{} of {} queued item(s) ({}{})",
        entries.len(),
        ranked.len(),
        spec.strategy.as_str(),
        temperature
            .map(|t| format!(", by calibrated confidence, T = {t:.4}"))
            .unwrap_or_default()
    );
    let (failed, _) = predict::failures(&p, a.run, 0)?;
    if failed > 0 {
        eprintln!(
            "note: {failed} item(s) run {} failed have no prediction and are not ranked; `arbiter runs --failures {}` lists them",
            a.run, a.run
        );
    }
    Ok(())
}

/// The dataset version a command works on: --dataset, else the only dataset.
fn version_of(p: &Project, spec: &Option<String>) -> Result<arbiter_core::dataset::VersionInfo> {
    Ok(dataset::resolve_or_only(p, spec.as_deref())?)
}

fn queues_cmd(cli: &Cli) -> Result<()> {
    use arbiter_core::review;
    let p = open(cli)?;
    let mut out = Vec::new();
    for q in review::list(&p)? {
        let c = review::counts(&p, q.id)?;
        out.push((q, c));
    }
    if cli.json {
        let v: Vec<_> = out
            .iter()
            .map(|(q, c)| serde_json::json!({ "queue": q, "counts": c }))
            .collect();
        return json(&v);
    }
    let rows = out
        .iter()
        .map(|(q, c)| {
            vec![
                q.name.clone(),
                match q.temperature {
                    Some(t) => format!("{} (calibrated, T = {t:.3})", q.strategy.as_str()),
                    None => q.strategy.as_str().to_string(),
                },
                q.run.to_string(),
                format!("{}/{}", c.done, c.total),
                c.partial.to_string(),
                c.claimed.to_string(),
                c.skipped.to_string(),
                c.flagged.to_string(),
                if q.overlap_k > 1 {
                    format!("{:.0}% × {}", q.overlap_share * 100.0, q.overlap_k)
                } else {
                    "—".into()
                },
            ]
        })
        .collect();
    table(
        &[
            "queue", "strategy", "run", "done", "partial", "claimed", "skipped", "flagged",
            "overlap",
        ],
        rows,
    );
    Ok(())
}

fn annotators_cmd(cli: &Cli, c: &AnnotatorsCommand) -> Result<()> {
    use arbiter_core::annotate;
    let p = open(cli)?;
    match c {
        AnnotatorsCommand::Add { name, role } => {
            let a = annotate::add_annotator(&p, name, *role)?;
            if cli.json {
                return json(&a);
            }
            println!("Annotator {:?} ({})", a.name, a.role.as_str());
        }
        AnnotatorsCommand::List => {
            let list = annotate::annotators(&p)?;
            let mut rows = Vec::new();
            let mut docs = Vec::new();
            for a in &list {
                let q = arbiter_core::review::qualifications(&p, &a.name)?;
                let standing = q
                    .iter()
                    .map(|s| {
                        format!(
                            "{}: {} ({} of {} labeled, {} right)",
                            s.queue, s.status, s.labeled, s.pass_items, s.correct
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                rows.push(vec![
                    a.name.clone(),
                    a.role.as_str().to_string(),
                    if standing.is_empty() {
                        "—".into()
                    } else {
                        standing
                    },
                ]);
                let mut doc = serde_json::to_value(a)?;
                doc["qualifications"] = serde_json::to_value(&q)?;
                docs.push(doc);
            }
            if cli.json {
                return json(&docs);
            }
            table(&["annotator", "role", "qualification"], rows);
        }
        AnnotatorsCommand::ResetQualification { name, queue, by } => {
            let mut p = p;
            arbiter_core::review::reset_qualification(&mut p, queue, name, by.as_deref())?;
            if cli.json {
                return json(
                    &serde_json::json!({ "annotator": name, "queue": queue, "reset": true }),
                );
            }
            println!("{name} may take the qualification queue {queue:?} again.");
        }
    }
    Ok(())
}

fn annotate_cmd(cli: &Cli, a: &AnnotateArgs) -> Result<()> {
    use arbiter_core::annotate::{self, Event, NewAnnotation, Source};
    use std::io::{BufRead, Write};
    let mut p = open(cli)?;
    if a.undo {
        // With an item: that item's latest event by the annotator; without: their latest.
        let item = match &a.item {
            Some(id) => Some(items::find(&p, version_of(&p, &a.dataset)?.id, id)?.rowid),
            None => None,
        };
        let undone = annotate::undo_on(&mut p, &a.annotator, None, item)?;
        if cli.json {
            return json(&serde_json::json!({ "retracted": undone, "item_id": a.item }));
        }
        match (undone, &a.item) {
            (Some(id), Some(item)) => println!("Retracted annotation {id} on {item}"),
            (Some(id), None) => println!("Retracted annotation {id}"),
            (None, Some(item)) => println!("Nothing to undo for {} on {item}", a.annotator),
            (None, None) => println!("Nothing to undo for {}", a.annotator),
        }
        return Ok(());
    }
    let version = version_of(&p, &a.dataset)?;
    let queue = match &a.queue {
        Some(q) => Some(arbiter_core::review::find(&p, q)?.id),
        None => None,
    };
    let make = |item: i64,
                label: Option<String>,
                reason: Option<String>,
                note: Option<String>|
     -> Result<NewAnnotation> {
        let event = match (&label, a.skip, &a.flag) {
            (Some(l), _, _) => Event::Label { label: l.clone() },
            (None, true, _) => Event::Skip,
            (None, false, Some(f)) => Event::Flag {
                flag: f.as_str().to_string(),
            },
            (None, false, None) => {
                return Err(arbiter_core::Error::InvalidArgument(
                    "give --label L, --skip or --flag".into(),
                )
                .into())
            }
        };
        Ok(NewAnnotation {
            item,
            annotator: a.annotator.clone(),
            event,
            reason,
            note,
            seconds: None,
            prediction_shown: false,
            source: if a.r#override {
                Source::Override
            } else {
                Source::Manual
            },
            queue,
            run: None,
            created_at: None,
        })
    };
    if a.stdin {
        let stdin = std::io::stdin();
        let mut out = std::io::stdout().lock();
        for (n, line) in stdin.lock().lines().enumerate() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            let v: serde_json::Value = serde_json::from_str(&line)
                .with_context(|| format!("stdin line {}: not JSON", n + 1))?;
            let field = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
            let id =
                field("item_id").with_context(|| format!("stdin line {}: no item_id", n + 1))?;
            let item = items::find(&p, version.id, &id)?.rowid;
            let ann = make(
                item,
                field("label").or(a.label.clone()),
                field("reason"),
                field("note"),
            )?;
            let written =
                annotate::record(&mut p, &ann).with_context(|| format!("stdin line {}", n + 1))?;
            // Acknowledge only after the commit.
            writeln!(out, "{written}")?;
            out.flush()?;
        }
        return Ok(());
    }
    let id = a.item.clone().unwrap_or_default();
    let item = items::find(&p, version.id, &id)?.rowid;
    let written = annotate::record(
        &mut p,
        &make(item, a.label.clone(), a.reason.clone(), a.note.clone())?,
    )?;
    let d = arbiter_core::decide::decision(&p, item)?;
    if cli.json {
        return json(&serde_json::json!({ "annotation": written, "item_id": id, "decision": d }));
    }
    println!(
        "Recorded annotation {written} on {id}; decision: {}",
        describe_decision(&d)
    );
    Ok(())
}

fn describe_decision(d: &arbiter_core::decide::Decision) -> String {
    use arbiter_core::decide::Status;
    // By annotator quality: the posterior of the label, or the tie.
    let p = match (&d.posterior, d.probability) {
        (_, Some(p)) => format!(", P = {p:.3}"),
        (Some(post), None) if d.status == Status::Conflict && post.len() > 1 => format!(
            " (tie: {} {:.3} / {} {:.3})",
            post[0].label, post[0].probability, post[1].label, post[1].probability
        ),
        _ => String::new(),
    };
    match (d.status, &d.label, d.rule) {
        (Status::Decided, Some(l), Some(r)) => format!("{l} ({}{p})", r.as_str()),
        (Status::Conflict, _, _) => format!("conflict — needs adjudication{p}"),
        _ => format!(
            "pending — waiting for votes ({} of {})",
            d.votes.len(),
            d.votes_needed
        ),
    }
}

fn annotations_cmd(cli: &Cli, c: &AnnotationsCommand) -> Result<()> {
    use arbiter_core::annotate;
    let mut p = open(cli)?;
    match c {
        AnnotationsCommand::Import { file, dataset } => {
            let version = version_of(&p, dataset)?;
            let s = annotate::import_file(&mut p, file, version.id)?;
            if cli.json {
                return json(&s);
            }
            println!(
                "Imported {} annotation(s) from {}{}",
                s.annotations,
                file.display(),
                if s.already_present > 0 {
                    format!(
                        "; {} row(s) were already in the project and were not stored again",
                        s.already_present
                    )
                } else {
                    String::new()
                }
            );
            if !s.annotators_added.is_empty() {
                eprintln!(
                    "note: new annotator profile(s): {}",
                    s.annotators_added.join(", ")
                );
            }
        }
        AnnotationsCommand::Export { out } => {
            let n = annotate::export_file(&p, out)?;
            if cli.json {
                return json(&serde_json::json!({ "annotations": n, "out": out }));
            }
            println!("Wrote {n} annotation event(s) to {}", out.display());
        }
    }
    Ok(())
}

fn decisions_cmd(cli: &Cli, a: &DecisionsArgs) -> Result<()> {
    use arbiter_core::decide::{self, Rule, Status};
    let p = open(cli)?;
    if a.min_annotators.is_some() || a.mode.is_some() {
        let old = decide::rule(&p)?;
        let rule = Rule {
            mode: a.mode.unwrap_or(old.mode),
            min_annotators: a.min_annotators.unwrap_or(old.min_annotators),
        };
        decide::set_rule(&p, rule, None)?;
    }
    let version = match &a.dataset {
        Some(s) => Some(dataset::resolve(&p, s)?.id),
        None => None,
    };
    let mut list = decide::decisions(&p, version)?;
    if a.conflicts {
        list.retain(|d| d.status == Status::Conflict);
    }
    if cli.json {
        return json(&serde_json::json!({ "rule": decide::rule(&p)?, "decisions": list }));
    }
    let rows = list
        .iter()
        .map(|d| {
            let votes: Vec<String> = d
                .votes
                .iter()
                .map(|v| format!("{}={}", v.annotator, v.label))
                .collect();
            vec![
                d.item_id.clone(),
                describe_decision(d),
                d.deciders.join(", "),
                votes.join(" "),
            ]
        })
        .collect();
    table(&["item", "decision", "decided by", "votes"], rows);
    let rule = decide::rule(&p)?;
    eprintln!("rule: {}", rule.describe());
    Ok(())
}

fn agreement_cmd(cli: &Cli, a: &AgreementArgs) -> Result<()> {
    use arbiter_core::metrics::{self, agreement};
    let (ratings, scope, scale) = match &a.annotations {
        Some(file) => {
            let ratings = metrics::file_ratings(file)?;
            let scale = if a.ordinal {
                agreement::Scale::Ordinal(agreement::file_order(&ratings))
            } else {
                agreement::Scale::Nominal
            };
            (ratings, format!("file {}", file.display()), scale)
        }
        None => {
            let p = open(cli)?;
            let version = match &a.dataset {
                Some(s) => Some(dataset::resolve(&p, s)?),
                None => None,
            };
            let scope = version.as_ref().map_or("project".to_string(), |v| {
                format!("dataset version {}", v.id)
            });
            let ratings = metrics::project_ratings(&p, version.as_ref().map(|v| v.id))?;
            (ratings, scope, metrics::project_scale(&p)?)
        }
    };
    agreement::check_bootstrap(a.bootstrap)?;
    let r = agreement::report_with_intervals(&ratings, &scale, a.bootstrap, a.seed);
    if a.annotations.is_none() {
        let p = open(cli)?;
        metrics::record(&p, &scope, ratings.len(), &r)?;
    }
    if cli.json {
        return json(&r);
    }
    let f = |s: &agreement::Stat| s.value.map_or("—".to_string(), |v| format!("{v:.4}"));
    println!(
        "Agreement over {scope}: {} items, {} annotators, {} ratings, {} labels {}",
        r.items,
        r.annotators,
        r.ratings,
        r.scale.as_str(),
        r.labels.join(if r.scale == agreement::ScaleName::Nominal {
            ", "
        } else {
            " < "
        })
    );
    let iv = |i: Option<agreement::Interval>| {
        i.map_or(String::new(), |i| {
            format!("  [{:.4}, {:.4}]", i.low, i.high)
        })
    };
    let ints = r.intervals.clone();
    println!(
        "  percent agreement   {}{}",
        f(&r.percent_agreement),
        iv(ints.as_ref().and_then(|i| i.percent_agreement))
    );
    println!(
        "  Fleiss' kappa       {}{}",
        f(&r.fleiss_kappa),
        iv(ints.as_ref().and_then(|i| i.fleiss_kappa))
    );
    println!(
        "  Krippendorff alpha  {} (nominal){}",
        f(&r.krippendorff_alpha.nominal),
        r.krippendorff_alpha
            .ordinal
            .as_ref()
            .map(|o| format!(", {} (ordinal)", f(o)))
            .unwrap_or_default()
            + &r.krippendorff_alpha
                .interval
                .as_ref()
                .map(|o| format!(", {} (interval)", f(o)))
                .unwrap_or_default()
    );
    println!(
        "  Gwet's AC1          {}{}",
        f(&r.gwet_ac1),
        iv(ints.as_ref().and_then(|i| i.gwet_ac1))
    );
    if let Some(i) = ints.as_ref().and_then(|i| i.krippendorff_alpha) {
        println!(
            "  alpha 95% interval  [{:.4}, {:.4}] ({} bootstrap resamples over items)",
            i.low, i.high, a.bootstrap
        );
    }
    let rows = r
        .cohen_kappa
        .iter()
        .map(|p| {
            vec![
                p.a.clone(),
                p.b.clone(),
                p.items.to_string(),
                f(&p.kappa),
                f(&p.percent_agreement),
            ]
        })
        .collect();
    table(&["a", "b", "items", "Cohen's kappa", "agreement"], rows);
    for (k, why) in &r.undefined {
        eprintln!("note: {k} is undefined: {why}");
    }
    Ok(())
}

fn import_labelstudio(cli: &Cli, a: &crate::ImportLabelstudioArgs) -> Result<()> {
    use arbiter_core::labelstudio;
    let dir = project_dir(cli);
    let s = labelstudio::import(
        &dir,
        &labelstudio::ImportOptions {
            file: a.file.clone(),
            dataset: a.dataset.clone(),
            images_root: a.images_root.clone(),
            label_config: a.label_config.clone(),
        },
    )?;
    if cli.json {
        return json(&s);
    }
    println!(
        "{} project {}: dataset {}@{} with {} item(s), labels {}",
        if s.created {
            "Created"
        } else {
            "Imported into"
        },
        s.project.display(),
        s.dataset,
        s.version,
        s.items,
        s.labels.join(", ")
    );
    println!(
        "{} annotation(s) by {} annotator(s) ({} new)",
        s.annotations,
        s.annotators.len(),
        s.annotators_added.len()
    );
    for r in &s.runs {
        println!(
            "Run {}: {} prediction(s) of model version {:?} imported as model {}@{}",
            r.run, r.predictions, r.model, r.model, r.model_version
        );
    }
    for w in &s.warnings {
        eprintln!("warning: {w}");
    }
    Ok(())
}

fn export_cmd(cli: &Cli, a: &ExportArgs) -> Result<()> {
    use arbiter_core::export::{self, ExportOptions, ExportStage, Format, Predictions};
    let p = open(cli)?;
    let format = a.format.unwrap_or_else(|| Format::for_path(&a.out));
    let pb = bar();
    let s = export::export_with_progress(
        &p,
        &ExportOptions {
            out: a.out.clone(),
            format,
            dataset: a.dataset.clone(),
            predictions: match (a.run, a.no_predictions) {
                (Some(run), _) => Predictions::Run(run),
                (None, true) => Predictions::None,
                (None, false) => Predictions::Newest,
            },
            only_decided: a.only_decided,
            min_agreement: a.min_agreement,
            exclude_reasons: a.exclude_reasons.clone(),
            validation_share: a.validation_share,
            seed: a.seed,
            allow_below_target: a.allow_below_target,
        },
        &mut |pr| {
            let stage = match pr.stage {
                ExportStage::Deciding => "deciding",
                ExportStage::Selecting => "selecting",
                ExportStage::Writing => "writing",
                ExportStage::Linking => "linking",
                ExportStage::Lineage => "lineage",
                ExportStage::Done => "done",
            };
            pb.set_message(stage);
            pb.set_length(pr.total);
            pb.set_position(pr.done);
        },
        &AtomicBool::new(false),
    );
    pb.finish_and_clear();
    let s = s?;
    if cli.json {
        return json(&s);
    }
    let what = if s.format == "imagefolder" {
        "file(s)"
    } else {
        "row(s)"
    };
    println!(
        "Exported {} {what} to {} ({}); lineage in {}",
        s.rows,
        s.out.display(),
        s.format,
        s.lineage.display()
    );
    match (&s.run, s.predictions) {
        (Some(r), how) => println!(
            "Predictions: run {} ({}, model sha256 {}){}",
            r.run,
            r.model,
            r.model_sha256,
            if how == "newest_finished" {
                " — the newest finished run over this dataset version; --run ID picks another, --no-predictions leaves them out"
            } else {
                ""
            }
        ),
        (None, "no_finished_run") => println!(
            "Predictions: none — no finished run over this dataset version (run `arbiter predict` first)"
        ),
        (None, _) => println!("Predictions: none (--no-predictions)"),
    }
    for (code, n) in &s.excluded {
        println!("Left out {n} item(s) carrying {code} (--exclude-reasons)");
    }
    if let Some(t) = &s.target {
        match t.export {
            "met" => println!("Agreement target {}", t.verdict.describe()),
            _ => println!(
                "Exported below the agreement target (--allow-below-target, recorded in the lineage): {}",
                t.verdict.describe()
            ),
        }
    }
    let skipped: usize = s.skipped.values().sum();
    if skipped > 0 {
        let why: Vec<String> = s
            .skipped
            .iter()
            .map(|(k, n)| {
                format!(
                    "{n} {}",
                    match k.as_str() {
                        "no_media" => "without media",
                        "no_label" => "without a final or given label",
                        other => other,
                    }
                )
            })
            .collect();
        println!("Skipped {skipped} item(s): {}", why.join(", "));
    }
    if !s.split_files.is_empty() {
        let files: Vec<String> = s
            .split_files
            .iter()
            .map(|f| f.display().to_string())
            .collect();
        println!("One file per split: {}", files.join(", "));
    }
    Ok(())
}

fn target_cmd(cli: &Cli, c: &TargetCommand) -> Result<()> {
    use arbiter_core::metrics::target::{self, Target};
    let p = open(cli)?;
    match c {
        TargetCommand::Set {
            statistic,
            min,
            on,
            by,
        } => {
            let t = Target {
                statistic: statistic.parse()?,
                min: *min,
                on: *on,
            };
            target::set_target(&p, Some(t), by.as_deref())?;
        }
        TargetCommand::Clear { by } => target::set_target(&p, None, by.as_deref())?,
        TargetCommand::Show => {}
    }
    let v = target::verdict(&p)?;
    if cli.json {
        return json(&serde_json::json!({ "target": v }));
    }
    match v {
        None => println!("No agreement target: exports are not gated (`arbiter target set --statistic … --min X`)."),
        Some(v) => println!("Agreement target {}: {}", v.target.describe(), v.describe()),
    }
    Ok(())
}

fn report_cmd(cli: &Cli, run: Option<i64>) -> Result<()> {
    use arbiter_core::metrics;
    let p = open(cli)?;
    let r = metrics::report(&p, run)?;
    if cli.json {
        return json(&r);
    }
    let pct = |v: Option<f64>| v.map_or("—".to_string(), |x| format!("{:.1}%", x * 100.0));
    let g = &r.progress;
    println!(
        "Progress: {} items, {} annotated ({} decided, {} conflicts, {} pending), {} labels",
        g.items, g.annotated, g.decided, g.conflicts, g.pending, g.annotations
    );
    let a = &r.agreement;
    println!(
        "Agreement: alpha {} · Fleiss {} · AC1 {} · percent {}",
        a.krippendorff_alpha
            .nominal
            .value
            .map_or("—".into(), |v| format!("{v:.3}")),
        a.fleiss_kappa
            .value
            .map_or("—".into(), |v| format!("{v:.3}")),
        a.gwet_ac1.value.map_or("—".into(), |v| format!("{v:.3}")),
        pct(a.percent_agreement.value)
    );
    if let Some(v) = &r.target {
        println!("Target: {}", v.describe());
    }
    if let Some(q) = &r.model_quality {
        println!(
            "Model (run {}): accuracy on the random sample {} [{} – {}] over {} items; on the uncertainty queues {} (biased); ECE {} {}",
            q.run,
            pct(q.random_sample.accuracy),
            pct(q.random_sample.low),
            pct(q.random_sample.high),
            q.random_sample.items,
            pct(q.uncertainty_queues.accuracy),
            q.ece.map_or("—".into(), |e| format!("{e:.3}")),
            if q.calibration_on == "random_sample" {
                format!("over the {} random-sample items", q.calibration_items)
            } else {
                format!(
                    "over all {} decided items (no random sample yet: biased toward hard items)",
                    q.calibration_items
                )
            }
        );
        if q.failed > 0 {
            println!(
                "  {} item(s) failed in run {} and are in no figure ({} of them decided); see `arbiter runs --failures {}`",
                q.failed, q.run, q.failed_decided, q.run
            );
        }
    }
    let rows = r
        .annotators
        .iter()
        .map(|a| {
            vec![
                a.annotator.clone(),
                a.role.as_str().to_string(),
                a.labels.to_string(),
                a.last_hour.to_string(),
                a.median_seconds.map_or("—".into(), |s| format!("{s:.1}")),
                a.kappa_vs_others.map_or("—".into(), |k| format!("{k:.3}")),
                match a.vs_reviewers.accuracy {
                    None => "—".into(),
                    Some(_) => format!(
                        "{} of {} [{} – {}]",
                        pct(a.vs_reviewers.accuracy),
                        a.vs_reviewers.items,
                        pct(a.vs_reviewers.low),
                        pct(a.vs_reviewers.high)
                    ),
                },
            ]
        })
        .collect();
    table(
        &[
            "annotator",
            "role",
            "labels",
            "last hour",
            "median s",
            "kappa vs others",
            "accuracy vs reviewer decisions",
        ],
        rows,
    );
    if let Some(b) = r.activity.bucket.map(|b| b.as_str()) {
        println!(
            "Activity: {} labels over {} {b}(s) from {}; {} items decided by the end",
            r.activity.labels.iter().sum::<u64>(),
            r.activity.starts.len(),
            r.activity.starts.first().map_or("", String::as_str),
            r.activity.decided.last().copied().unwrap_or(0)
        );
    }
    Ok(())
}
