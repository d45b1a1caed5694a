//! `arbiter`: the command-line shell over arbiter-core. Parses arguments, calls one core
//! function per subcommand, prints a table (or one JSON document with `--json`) on stdout;
//! progress and errors go to stderr.

mod calibrate_cmd;
mod commands;
mod compare_cmd;
mod drift_cmd;
mod escalate_cmd;
mod gold_cmd;
mod invite_cmd;
mod output;
#[cfg(test)]
mod reference;
mod serve_cmd;
mod sync_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use std::io::Write;

use arbiter_core::annotate::{Flag, Role};
use arbiter_core::decide::Mode;
use arbiter_core::error::ErrorCode;
use arbiter_core::export::Format;
use arbiter_core::model::decode::Decode;
use arbiter_core::model::runtime::{ConvSearch, CudaOptions, Device};
use arbiter_core::model::{Color, Layout, OutputChoice};
use arbiter_core::queue::Strategy;
use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "arbiter",
    version,
    about = "Model review and human-in-the-loop labeling, local-first."
)]
pub struct Cli {
    /// The project folder (default: the current folder).
    #[arg(
        long,
        global = true,
        env = "ARBITER_PROJECT",
        hide_env_values = true,
        value_name = "DIR"
    )]
    project: Option<PathBuf>,
    /// Print one JSON document on stdout instead of tables.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create a project: a folder with arbiter.db.
    Init(InitArgs),
    /// Import and list datasets.
    #[command(subcommand)]
    Dataset(DatasetCommand),
    /// List the items of a dataset version.
    Items(ItemsArgs),
    /// Show the project's label schema and correction reasons (--ordinal true|false marks the labels ordinal).
    Labels(LabelsArgs),
    /// Register and list ONNX models.
    #[command(subcommand)]
    Model(ModelCommand),
    /// Run a model over a dataset version (batched, parallel decoding, resumable).
    Predict(PredictArgs),
    /// List inference runs (--failures RUN: the items a run could not predict, and why).
    Runs(RunsArgs),
    /// Export a run's predictions, or import predictions made elsewhere as a run.
    #[command(subcommand)]
    Predictions(PredictionsCommand),
    /// Rank a run's items for review, most in need of a human first (--save NAME keeps it).
    Queue(QueueArgs),
    /// Saved queues and their progress.
    Queues,
    /// Two runs on the same decided items: accuracy with 95% Wilson intervals, macro-F1, ECE,
    /// flips and McNemar's exact p; --max-drop D exits with status 3 when B loses more than D.
    Compare(CompareArgs),
    /// Manage annotator profiles.
    #[command(subcommand)]
    Annotators(AnnotatorsCommand),
    /// Record one annotation (or --skip, --flag, --undo); --stdin records a stream, acknowledging each.
    Annotate(AnnotateArgs),
    /// Import or export annotations.
    #[command(subcommand)]
    Annotations(AnnotationsCommand),
    /// Final labels by the decision rule, with provenance; --conflicts lists what needs adjudication.
    Decisions(DecisionsArgs),
    /// Inter-annotator agreement over the project, or over a file with no project at all.
    Agreement(AgreementArgs),
    /// Export the corrected dataset with its lineage manifest.
    Export(ExportArgs),
    /// Import a Label Studio JSON export (Export → JSON) of an image or text classification
    /// project: a new project (or a new dataset in the --project one) with its items, labels,
    /// annotators, annotations and predictions; all or nothing.
    ImportLabelstudio(ImportLabelstudioArgs),
    /// Escalated items (flagged unsure or bad_input, conflicts) and a reviewer's actions on
    /// them: accept, override, send back with a note.
    #[command(subcommand)]
    Escalations(escalate_cmd::EscalationsCommand),
    /// Add or retire correction reasons (a lead's change, versioned, audited, synchronised).
    #[command(subcommand)]
    Reasons(ReasonsCommand),
    /// The agreement target the export must meet: set, show or clear it.
    #[command(subcommand)]
    Target(TargetCommand),
    /// Make a replica of a project for another machine (same project id, new replica id).
    Clone(CloneArgs),
    /// Exchange events with the project's other replicas: packs, status, a shared folder.
    #[command(subcommand)]
    Sync(SyncCommand),
    /// Invite someone to label in a browser (`arbiter serve`): a sign-in link and a token for
    /// scripts; --revoke NAME ends their access, --list shows every invitation and session.
    Invite(InviteArgs),
    /// Serve the project over HTTP: invited people label in a browser, scripts use the
    /// annotator API (docs/http-api.md). Ctrl-C stops it.
    Serve(ServeArgs),
    /// Gold items: items whose right label is known, to score annotators (never shown to them).
    #[command(subcommand)]
    Gold(GoldCommand),
    /// Fit a run's temperature on a fair sample (a random queue saved without --threshold):
    /// NLL, ECE and reliability bins before and after; the temperature is kept with the run.
    Calibrate(calibrate_cmd::CalibrateArgs),
    /// A confidence threshold with a certified error bound (Learn-then-Test on a fair
    /// sample): --apply decides the items above it automatically, --revoke undoes that.
    Autoaccept(calibrate_cmd::AutoacceptArgs),
    /// Is today's data still the data the model was made for? Feature drift between two
    /// dataset versions or runs (Evidently's default tests, or --psi), prediction drift and the
    /// label-free accuracy estimate between two runs; --save-queue NAME queues the new items.
    Drift(drift_cmd::DriftArgs),
    /// Progress, agreement, model quality, reasons by class and annotator pace.
    Report {
        /// The run for model quality [default: the latest finished run].
        #[arg(long)]
        run: Option<i64>,
    },
}

#[derive(Args, Debug)]
pub struct CloneArgs {
    /// The project to copy.
    pub src: PathBuf,
    /// A new (or empty) folder for the replica.
    pub dst: PathBuf,
    /// keep: the replica reads the media where the source does; copy: copy them into DST/media.
    #[arg(long, default_value = "keep", value_parser = core_value::<arbiter_core::sync::clone::Media>)]
    pub media: arbiter_core::sync::clone::Media,
    /// With --media copy: copy only the media of this saved queue's items (repeat for more).
    #[arg(long = "queue", value_name = "Q")]
    pub queues: Vec<String>,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The address to listen on; another machine reaches only a non-loopback one (then serve
    /// HTTPS with --tls-cert/--tls-key or --tls-self-signed, or use a network you trust).
    #[arg(long, default_value = "127.0.0.1:8765")]
    pub bind: std::net::SocketAddr,
    /// Reading connections to the project.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub readers: u16,
    /// Serve HTTPS with this PEM certificate (chain, leaf first); needs --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Serve HTTPS with a certificate made for this machine (localhost, its addresses, its
    /// hostname), kept in the project's .arbiter-cache/tls/ so its fingerprint stays the same
    /// across restarts.
    #[arg(long, conflicts_with_all = ["tls_cert", "tls_key"])]
    pub tls_self_signed: bool,
    /// For developing the web UI (ui/README.md): on a loopback address only, print sign-in
    /// links for the lead `dev-lead` and the annotator `dev-annotator` (added when missing; use
    /// a demo project) that open the Vite dev server at --dev-ui.
    #[arg(long, conflicts_with_all = ["tls_cert", "tls_key", "tls_self_signed"])]
    pub dev: bool,
    /// With --dev: where the Vite dev server runs.
    #[arg(
        long,
        requires = "dev",
        default_value = "http://localhost:1420",
        value_name = "URL"
    )]
    pub dev_ui: String,
}

#[derive(Args, Debug)]
pub struct InviteArgs {
    /// The annotator (created when new).
    #[arg(required_unless_present = "list")]
    pub name: Option<String>,
    /// A new annotator's role: annotator, reviewer or lead [default: annotator; an existing
    /// annotator keeps theirs].
    #[arg(long, value_parser = core_value::<Role>, conflicts_with_all = ["revoke", "list"])]
    pub role: Option<Role>,
    /// How long the invitation lasts: a number and m, h, d or w (up to 365d).
    #[arg(long, default_value = "7d", conflicts_with_all = ["revoke", "list"])]
    pub expires: String,
    /// The server's address as the invited person's browser reaches it [default: the address
    /// of the server now serving the project on this machine, else http://127.0.0.1:8765].
    #[arg(long, conflicts_with_all = ["revoke", "list"])]
    pub url: Option<String>,
    /// End NAME's invitations and sessions.
    #[arg(long, conflicts_with = "list")]
    pub revoke: bool,
    /// List every invitation and session (no tokens: they are shown only when made).
    #[arg(long)]
    pub list: bool,
}

#[derive(Subcommand, Debug)]
pub enum SyncCommand {
    /// Write a pack of this replica's events (all, or those beyond --since).
    Export {
        /// The pack file to write.
        #[arg(long)]
        out: PathBuf,
        /// The other replica's stamp: the file or JSON `arbiter sync status --json` printed
        /// there, or REPLICA:N,REPLICA:N.
        #[arg(long, value_name = "STAMP")]
        since: Option<String>,
    },
    /// Import packs, each all-or-nothing; importing one twice adds nothing.
    Import {
        /// The pack files, in order.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Say what each pack would add (events, annotators, queues, conflicts); write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// This replica's id and how far it holds each replica's events (the stamp for --since).
    Status,
    /// Import the other replicas' new packs from a shared folder and write this one's.
    Folder {
        /// The shared folder (never the one holding the project).
        dir: PathBuf,
    },
}

#[derive(Args, Debug)]
pub struct RunsArgs {
    /// List the items this run failed, with the reason for each.
    #[arg(long, value_name = "RUN")]
    pub failures: Option<i64>,
    /// With --failures: at most this many items.
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
}

#[derive(Args, Debug)]
pub struct ImportLabelstudioArgs {
    /// The Label Studio JSON export (a list of tasks).
    pub file: PathBuf,
    /// The dataset's name [default: the export file's name].
    #[arg(long)]
    pub dataset: Option<String>,
    /// The folder the tasks' images are resolved against: Label Studio's local-files document
    /// root, or its media folder for uploads [default: the export file's folder]. Not used
    /// for Text tasks (their text is in the export).
    #[arg(long, value_name = "DIR")]
    pub images_root: Option<PathBuf>,
    /// The project's labeling config (Settings → Labeling Interface → Code, saved as a file):
    /// its choices become the labels in its order; a task's choice outside them is refused.
    #[arg(long, value_name = "FILE")]
    pub label_config: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// A file (.parquet, .csv, .jsonl; .json with --format labelstudio) or, with --format
    /// imagefolder, a new folder.
    #[arg(long)]
    pub out: PathBuf,
    /// parquet, csv, jsonl, imagefolder or labelstudio (Label Studio tasks with the people's
    /// annotations and the run's predictions) [default: from the extension of --out, else
    /// parquet]
    #[arg(long, value_parser = core_value::<Format>)]
    pub format: Option<Format>,
    /// Dataset as NAME or NAME@VERSION (default: the only dataset).
    #[arg(long)]
    pub dataset: Option<String>,
    /// Put this run's predictions in the predicted/confidence columns [default: the newest
    /// finished run over the dataset version].
    #[arg(long, conflicts_with = "no_predictions")]
    pub run: Option<i64>,
    /// Leave the predicted/confidence columns empty.
    #[arg(long)]
    pub no_predictions: bool,
    /// Only items with a decided final label.
    #[arg(long)]
    pub only_decided: bool,
    /// Only items whose annotators agree at least this much (0-1: share of agreeing pairs of
    /// their own labels; a reviewer's override is not a vote; one vote counts as 1).
    #[arg(long)]
    pub min_agreement: Option<f64>,
    /// Leave out items whose events carry these reason codes, or a flag of the same code
    /// (e.g. bad_input).
    #[arg(long, value_delimiter = ',')]
    pub exclude_reasons: Vec<String>,
    /// Add a seeded, stratified `split` column with this share (above 0, below 1) in
    /// validation; an image folder gets train/ and validation/ sub-folders.
    #[arg(long)]
    pub validation_share: Option<f64>,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Export even though the agreement target (`arbiter target`) is not met; the lineage
    /// records that the export went ahead below the target. Without it such an export is
    /// refused (exit status 15, code below_target).
    #[arg(long)]
    pub allow_below_target: bool,
}

#[derive(Subcommand, Debug)]
pub enum ReasonsCommand {
    /// Add a correction reason (or bring a retired one back).
    Add {
        /// lowercase letters, digits and underscores, like model_wrong
        code: String,
        /// When to use it.
        #[arg(long)]
        description: String,
        #[arg(long, value_name = "LEAD")]
        by: Option<String>,
    },
    /// Retire a reason: no longer offered nor accepted on new events (old events keep it).
    Retire {
        code: String,
        #[arg(long, value_name = "LEAD")]
        by: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum TargetCommand {
    /// Set the agreement target (a lead's setting, shared with every replica, audited): until
    /// it passes, `export` refuses unless --allow-below-target.
    Set {
        /// krippendorff_alpha (nominal), fleiss_kappa, gwet_ac1 or percent_agreement.
        #[arg(long)]
        statistic: String,
        /// The minimum: 0 to 1 for percent_agreement, -1 to 1 for the others.
        #[arg(long, allow_negative_numbers = true)]
        min: f64,
        /// Compare the estimate itself, or the low end of its 95% bootstrap interval (stricter
        /// on few items).
        #[arg(long, default_value = "estimate", value_parser = core_value::<arbiter_core::metrics::target::On>)]
        on: arbiter_core::metrics::target::On,
        /// Record the change under this lead's name.
        #[arg(long, value_name = "LEAD")]
        by: Option<String>,
    },
    /// The target and whether the project meets it now: pass, fail or insufficient (the
    /// statistic, or with --on ci_low its interval, is not defined for the labels so far).
    Show,
    /// Remove the target (audited): exports are no longer gated.
    Clear {
        #[arg(long, value_name = "LEAD")]
        by: Option<String>,
    },
}

#[derive(Args, Debug)]
pub struct LabelsArgs {
    /// Mark the labels ordinal (ranked in schema order: weighted kappa, ordinal alpha, and
    /// interval alpha when every label is a number) or nominal; recorded in the audit log.
    #[arg(long, value_name = "true|false", action = clap::ArgAction::Set)]
    pub ordinal: Option<bool>,
    #[command(subcommand)]
    pub command: Option<LabelsCommand>,
}

#[derive(Subcommand, Debug)]
pub enum LabelsCommand {
    /// Change a label's hotkey, colour or guideline (recorded in the audit log).
    Edit {
        /// The label's name.
        name: String,
        /// A single key; "" removes the hotkey.
        #[arg(long)]
        hotkey: Option<String>,
        /// #rrggbb
        #[arg(long)]
        color: Option<String>,
        /// A short guideline; "" removes it.
        #[arg(long)]
        guideline: Option<String>,
        /// An example item (its id) shown with the guideline; repeat for more. Replaces the
        /// label's examples; --example "" removes them.
        #[arg(long = "example", value_name = "ITEM")]
        examples: Vec<String>,
        /// Record the change under this lead's name.
        #[arg(long, value_name = "LEAD")]
        by: Option<String>,
    },
    /// Add labels after the existing ones (free hotkeys and colours are assigned).
    Add {
        /// Label names.
        #[arg(required = true)]
        names: Vec<String>,
        #[arg(long, value_name = "LEAD")]
        by: Option<String>,
    },
}

#[derive(Args, Debug)]
pub struct AgreementArgs {
    /// A .csv or .jsonl file of item_id, annotator, label (no project needed).
    #[arg(long, value_name = "FILE")]
    pub annotations: Option<PathBuf>,
    /// Only this dataset (NAME or NAME@VERSION) of the project.
    #[arg(long, conflicts_with = "annotations")]
    pub dataset: Option<String>,
    /// With --annotations: treat the labels as ordinal (a file has no schema): ranked
    /// numerically when every label is a number (then also interval alpha), else lexically.
    /// A project uses its schema instead (`arbiter labels --ordinal true`).
    #[arg(long, requires = "annotations")]
    pub ordinal: bool,
    /// Bootstrap resamples over items for the 95% intervals (0 = none).
    #[arg(long, default_value_t = 1000)]
    pub bootstrap: usize,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

#[derive(Subcommand, Debug)]
pub enum GoldCommand {
    /// Mark items gold with their right label: a stratified, seeded sample of the items with a
    /// given label (--from-given) or a decided one (--from-decisions), or every row of a file
    /// (--file F: a CSV with item_id,label).
    Add(GoldAddArgs),
    /// The gold items and their answers.
    List {
        /// `NAME` or `NAME@N` [default: every dataset].
        #[arg(long)]
        dataset: Option<String>,
    },
    /// Remove items from the gold set (recorded; --all removes every gold item of the dataset).
    Remove {
        /// The items' ids.
        #[arg(required_unless_present = "all")]
        items: Vec<String>,
        #[arg(long, conflicts_with = "items")]
        all: bool,
        /// `NAME` or `NAME@N` [default: the only dataset].
        #[arg(long)]
        dataset: Option<String>,
        /// Record the change under this lead's name.
        #[arg(long, value_name = "LEAD")]
        by: Option<String>,
    },
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("gold_source").required(true).args(["from_given", "from_decisions", "file"])))]
pub struct GoldAddArgs {
    /// Answers from the items' given labels.
    #[arg(long)]
    pub from_given: bool,
    /// Answers from the items' decided labels (unanimous, majority or an override).
    #[arg(long)]
    pub from_decisions: bool,
    /// Answers from a CSV file with the columns item_id and label.
    #[arg(long, value_name = "F")]
    pub file: Option<PathBuf>,
    /// `NAME` or `NAME@N` [default: the only dataset].
    #[arg(long)]
    pub dataset: Option<String>,
    /// The share of the candidates to take, in (0, 1].
    #[arg(long, conflicts_with = "count")]
    pub share: Option<f64>,
    /// How many candidates to take.
    #[arg(long)]
    pub count: Option<usize>,
    /// The seed of the sample.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Record the answers under this lead's name.
    #[arg(long, value_name = "LEAD")]
    pub by: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum AnnotatorsCommand {
    /// Add a local annotator profile.
    Add {
        name: String,
        /// annotator, reviewer or lead
        #[arg(long, default_value = "annotator", value_parser = core_value::<Role>)]
        role: Role,
    },
    /// List annotator profiles, with where each stands in the qualification queues.
    List,
    /// Let an annotator take a qualification queue again (their labels there so far no longer
    /// count; recorded).
    ResetQualification {
        name: String,
        /// The qualification queue.
        #[arg(long)]
        queue: String,
        /// Record the change under this lead's name.
        #[arg(long, value_name = "LEAD")]
        by: Option<String>,
    },
}

#[derive(Args, Debug)]
pub struct AnnotateArgs {
    /// The item's id (as in the dataset).
    #[arg(required_unless_present_any = ["stdin", "undo"])]
    pub item: Option<String>,
    #[arg(long)]
    pub annotator: String,
    #[arg(long, conflicts_with_all = ["skip", "flag", "undo"])]
    pub label: Option<String>,
    /// A correction reason code (see `arbiter labels`).
    #[arg(long)]
    pub reason: Option<String>,
    #[arg(long)]
    pub note: Option<String>,
    /// Record a skip.
    #[arg(long)]
    pub skip: bool,
    /// Flag the item: bad_input or unsure.
    #[arg(long, value_parser = core_value::<Flag>)]
    pub flag: Option<Flag>,
    /// Retract the annotator's latest event.
    #[arg(long)]
    pub undo: bool,
    /// A reviewer's override (needs --reason).
    #[arg(long)]
    pub r#override: bool,
    /// Dataset as NAME or NAME@VERSION (default: the only dataset; latest version).
    #[arg(long)]
    pub dataset: Option<String>,
    /// Read JSON lines {"item_id","label"[,"reason","note"]} from stdin; print each annotation's id once committed.
    #[arg(long)]
    pub stdin: bool,
    /// Record through this saved queue (name or id): the label counts toward the queue's
    /// overlap, and is refused once the item has the labels the queue needs.
    #[arg(long, value_name = "QUEUE")]
    pub queue: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum AnnotationsCommand {
    /// Import item_id, annotator, label[, reason, note, created_at] rows (.csv or .jsonl); all or nothing.
    Import {
        file: PathBuf,
        #[arg(long)]
        dataset: Option<String>,
    },
    /// Export every annotation event (.csv or .jsonl).
    Export {
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Args, Debug)]
pub struct DecisionsArgs {
    /// Only items whose annotators disagree with no rule reached.
    #[arg(long)]
    pub conflicts: bool,
    /// Set the rule: an item is decided by the votes of at least N annotators (an overlap
    /// item needs at least its k).
    #[arg(long, value_name = "N")]
    pub min_annotators: Option<usize>,
    /// Set how votes decide: majority (unanimous or a strict majority; the default),
    /// unanimous (every vote agrees, else a conflict) or dawid-skene (the most probable label
    /// under a Dawid–Skene fit of every annotator's confusion matrix over the whole project; a
    /// tie, or a label no vote on the item gave, is a conflict; each decision shows its
    /// posterior).
    #[arg(long, value_parser = core_value::<Mode>)]
    pub mode: Option<Mode>,
    #[arg(long)]
    pub dataset: Option<String>,
}

#[derive(Args, Debug)]
pub struct QueueArgs {
    #[arg(long)]
    pub run: i64,
    /// least-confidence, margin, entropy, label-disagreement, model-disagreement, random or
    /// set-size (split-conformal prediction sets: items whose set is not one label first)
    #[arg(long, value_parser = core_value::<Strategy>)]
    pub strategy: Strategy,
    /// Show at most this many items [default: all].
    #[arg(long)]
    pub limit: Option<usize>,
    /// Keep only items whose confidence is below T (risk-based routing); calibrated
    /// confidence with --calibrated.
    #[arg(long, value_name = "T")]
    pub threshold: Option<f64>,
    /// The second run for model-disagreement (same dataset version).
    #[arg(long, value_name = "ID")]
    pub other_run: Option<i64>,
    /// Rank and threshold by calibrated confidence, softmax(ln p / T) under the temperature
    /// `arbiter calibrate` fitted for the run (and for --other-run); refused for a run not
    /// calibrated yet.
    #[arg(long)]
    pub calibrated: bool,
    /// Seed of the random strategy.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Save the queue under this name for annotators (`arbiter queues`).
    #[arg(long, value_name = "NAME")]
    pub save: Option<String>,
    /// With --save: share of items (0-1) labeled by --overlap-k annotators for agreement.
    #[arg(long, default_value_t = 0.0)]
    pub overlap_share: f64,
    #[arg(long, default_value_t = 1)]
    pub overlap_k: usize,
    /// With --save: hide predictions and others' labels from annotators; only labels given
    /// through this queue count toward its items (a blind pass over labeled items starts open).
    #[arg(long)]
    pub blind: bool,
    /// With --save: split the items between these annotators (comma-separated), each item
    /// to its k of them by rendezvous hashing — the same split on every replica.
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    pub assign: Vec<String>,
    /// With --save: the share of each annotator's items that are gold items (served blind,
    /// among the queue's own; the queue is then blind), at least 0 and below 1.
    #[arg(long, value_name = "R", requires = "save", default_value_t = 0.0)]
    pub gold_rate: f64,
    /// With --save: each annotator's first N items are gold.
    #[arg(long, value_name = "N", requires = "save", default_value_t = 0)]
    pub gold_warmup: u32,
    /// With --save: a qualification queue — it serves gold items only, --pass-items to each
    /// annotator, and annotators claim from other queues only once they passed it.
    #[arg(long, requires_all = ["save", "pass_accuracy", "pass_items"], conflicts_with_all = ["gold_rate", "gold_warmup"])]
    pub qualification: bool,
    /// With --qualification: the least share of its gold items an annotator must get right.
    #[arg(long, value_name = "A", requires = "qualification")]
    pub pass_accuracy: Option<f64>,
    /// With --qualification: how many gold items each annotator labels there.
    #[arg(long, value_name = "N", requires = "qualification")]
    pub pass_items: Option<u32>,
    /// With --strategy set-size: the fair sample the prediction sets are calibrated on (a
    /// random queue on the run saved without --threshold, at least 30 decided items).
    #[arg(long, value_name = "QUEUE")]
    pub calibration: Option<String>,
    /// With --strategy set-size: the share of items whose set may miss the true label, in
    /// (0, 1) (0.1: sets hold the true label for at least 90% of items).
    #[arg(long, value_name = "A")]
    pub alpha: Option<f64>,
}

#[derive(Args, Debug)]
pub struct CompareArgs {
    /// A run id; give it twice: A (the reference, e.g. the FP32 parent), then B (the candidate).
    #[arg(long, value_name = "ID", required = true)]
    pub run: Vec<i64>,
    /// Only the decided items of this saved queue (name or id) [default: every decided item].
    #[arg(long, value_name = "QUEUE")]
    pub on: Option<String>,
    /// A quality gate for CI: exit with status 3 when B's accuracy is below A's by more than D
    /// (0-1; 0.01 is one percentage point).
    #[arg(long, value_name = "D")]
    pub max_drop: Option<f64>,
}

#[derive(Subcommand, Debug)]
pub enum ModelCommand {
    /// Copy an ONNX model into the project and record how to feed it.
    Add(Box<ModelAddArgs>),
    /// List registered models.
    List,
    /// Remove a model version no run used (NAME@VERSION, or NAME with one version).
    Remove {
        /// NAME or NAME@VERSION.
        model: String,
    },
}

#[derive(Args, Debug)]
pub struct ModelAddArgs {
    /// The .onnx file.
    pub file: PathBuf,
    /// Model name (default: the file's stem); a known name with new content becomes a new version.
    #[arg(long)]
    pub name: Option<String>,
    /// Class names in output order (one per line, or a JSON list) [default: the model's metadata, else the project's labels].
    #[arg(long, value_name = "FILE")]
    pub labels_file: Option<PathBuf>,
    /// Input image size WIDTHxHEIGHT [default: from the input shape].
    #[arg(long, value_name = "WxH")]
    pub size: Option<String>,
    /// Input layout [default: from the input shape].
    #[arg(long, value_parser = core_value::<Layout>)]
    pub layout: Option<Layout>,
    /// Colour order [default: gray for 1 channel, else rgb].
    #[arg(long, value_parser = core_value::<Color>)]
    pub color: Option<Color>,
    /// Pixel scale before mean/std [default: 1/255 for float inputs].
    #[arg(long)]
    pub scale: Option<f32>,
    /// Per-channel mean subtracted after scaling [default: 0].
    #[arg(long, value_delimiter = ',', value_name = "a,b,c")]
    pub mean: Option<Vec<f32>>,
    /// Per-channel standard deviation divided by [default: 1].
    #[arg(long, value_delimiter = ',', value_name = "a,b,c")]
    pub std: Option<Vec<f32>>,
    /// What the scores are: auto, logits or probabilities [default: auto — probabilities after Softmax/classifier ops, else logits].
    #[arg(long, default_value = "auto", value_parser = core_value::<OutputChoice>)]
    pub output: OutputChoice,
    /// How JPEGs are decoded: full, or fast — at the smallest DCT scale (1/2, 1/4, 1/8) not below the input size, as Pillow's draft [default: full].
    #[arg(long, value_parser = core_value::<Decode>)]
    pub decode: Option<Decode>,
    /// A text model's tokenizer.json, for a model with token inputs (input_ids) [default:
    /// tokenizer.json beside the model].
    #[arg(long, value_name = "FILE")]
    pub tokenizer: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct PredictArgs {
    /// Model as NAME or NAME@VERSION.
    #[arg(long, required_unless_present = "resume")]
    pub model: Option<String>,
    /// Dataset as NAME or NAME@VERSION.
    #[arg(long, required_unless_present = "resume")]
    pub dataset: Option<String>,
    /// Items per inference batch.
    #[arg(long, default_value_t = 64)]
    pub batch_size: usize,
    /// auto tries CUDA and falls back to CPU with a notice.
    #[arg(long, default_value = "auto", value_parser = core_value::<Device>)]
    pub device: Device,
    /// Continue an interrupted or cancelled run instead of starting a new one.
    #[arg(long, value_name = "RUN", conflicts_with_all = ["model", "dataset"])]
    pub resume: Option<i64>,
    /// How JPEGs are decoded for this run: full, or fast (at a reduced DCT scale not below the input size) [default: the model's preprocessing].
    #[arg(long, value_parser = core_value::<Decode>)]
    pub decode: Option<Decode>,
    /// CUDA: the GPU's index, as `nvidia-smi -L` lists them [default: 0].
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = cuda_device)]
    pub cuda_device: Option<u32>,
    /// CUDA: the most memory ONNX Runtime's GPU arena may take, e.g. 4GiB, 512MiB or bytes [default: no limit].
    #[arg(long, value_name = "SIZE", allow_hyphen_values = true, value_parser = gpu_mem_limit)]
    pub gpu_mem_limit: Option<u64>,
    /// CUDA: how cuDNN picks convolution algorithms: exhaustive (benchmark each once), heuristic or default (no search, least memory) [default: exhaustive].
    #[arg(long, value_name = "SEARCH", value_parser = core_value::<ConvSearch>)]
    pub cudnn_conv_search: Option<ConvSearch>,
}

fn cuda_device(s: &str) -> Result<u32, String> {
    CudaOptions::parse_device_id(s).map_err(|e| e.to_string())
}

fn gpu_mem_limit(s: &str) -> Result<u64, String> {
    CudaOptions::parse_memory_limit(s).map_err(|e| e.to_string())
}

#[derive(Subcommand, Debug)]
pub enum PredictionsCommand {
    /// Write item_id, predicted, confidence, p_<class>... (.csv, .parquet or .jsonl).
    Export(PredictionsExportArgs),
    /// Import predictions made outside Arbiter as a run (provider "imported"): a .csv, .tsv,
    /// .parquet or .jsonl with item_id and p_<class> for every class, or logits_<class>, or
    /// predicted + confidence; optional model_sha256, created_at and error. Every row is checked
    /// first; nothing is written unless all are valid.
    Import(PredictionsImportArgs),
}

#[derive(Args, Debug)]
pub struct PredictionsImportArgs {
    /// The predictions file.
    pub file: PathBuf,
    /// The model's name in Arbiter (a new version of it if the name is taken).
    #[arg(long)]
    pub name: String,
    /// The model's own version label (a tag or a commit), kept as provenance.
    #[arg(long)]
    pub version: Option<String>,
    /// The dataset predicted, as NAME or NAME@VERSION (default: the only dataset; latest version).
    #[arg(long)]
    pub dataset: Option<String>,
    /// Rescale probability rows that do not sum to 1 (within 1e-3) instead of refusing them.
    #[arg(long)]
    pub normalize: bool,
}

#[derive(Args, Debug)]
pub struct PredictionsExportArgs {
    #[arg(long)]
    pub run: i64,
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Folder to create the project in (default: --project, else the current folder).
    pub dir: Option<PathBuf>,
    /// Comma-separated label names, in order (default: taken from the first import).
    #[arg(long, conflicts_with = "labels_file")]
    pub labels: Option<String>,
    /// A file of labels: one name per line, JSON [{"name","hotkey","color","guideline"}], or
    /// JSON {"ordinal": true, "labels": [...]}.
    #[arg(long, value_name = "FILE")]
    pub labels_file: Option<PathBuf>,
    /// The labels are ordinal, ranked in the order given (weighted kappa, ordinal alpha; interval
    /// alpha too when every label is a number). Change it later with `arbiter labels --ordinal`.
    #[arg(long)]
    pub ordinal: bool,
    /// Project name (default: the folder's name).
    #[arg(long)]
    pub name: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum DatasetCommand {
    /// Import a CSV, Parquet or JSONL manifest, or an image folder, as a new dataset version.
    Import(ImportArgs),
    /// List datasets and their versions.
    List,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// A manifest (.csv, .tsv, .parquet, .jsonl, .ndjson), an image folder, or a folder of
    /// .txt files (text items; sub-folders are labels, as in an image folder).
    pub source: PathBuf,
    /// Dataset name (default: the file's stem or the folder's name).
    #[arg(long)]
    pub name: Option<String>,
    /// The id column [default: id].
    #[arg(long, value_name = "C")]
    pub id_col: Option<String>,
    /// The media path column, relative to the manifest's folder [default: path, if present].
    #[arg(long, value_name = "C")]
    pub path_col: Option<String>,
    /// The given-label column [default: label, if present].
    #[arg(long, value_name = "C")]
    pub label_col: Option<String>,
    /// Feature columns, in order [default: every other numeric column].
    #[arg(long, value_delimiter = ',', value_name = "a,b,...")]
    pub features: Option<Vec<String>>,
    /// The column holding each item's text: the items are texts (UTF-8, not empty, at most
    /// 1,000,000 bytes each).
    #[arg(long, value_name = "C")]
    pub text_col: Option<String>,
    /// On a project without labels: take the label column's values as the schema even when
    /// there are more than 1,000 of them.
    #[arg(long)]
    pub labels_from_data: bool,
}

#[derive(Args, Debug)]
pub struct ItemsArgs {
    /// Dataset as NAME or NAME@VERSION (default: the only dataset; latest version).
    #[arg(long)]
    pub dataset: Option<String>,
    /// Only items with this given label.
    #[arg(long, conflicts_with = "unlabeled")]
    pub label: Option<String>,
    /// Only items without a given label.
    #[arg(long)]
    pub unlabeled: bool,
    /// Skip this many matching items.
    #[arg(long, default_value_t = 0)]
    pub offset: u64,
    /// Show at most this many items.
    #[arg(long, default_value_t = 50)]
    pub limit: u64,
}

/// A value of one of the core's closed sets, parsed by the core (so the command line and the
/// app accept and refuse the same values, with the same message).
fn core_value<T: std::str::FromStr<Err = arbiter_core::Error>>(s: &str) -> Result<T, String> {
    s.parse::<T>().map_err(|e| e.to_string())
}

/// Whether an error is a closed stdout (`arbiter … | head`).
fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The exit status of a failed command, by the core's error code (documented in the README):
/// a script can tell "fix your input" from "try again later" without reading the message.
fn exit_status(code: Option<ErrorCode>) -> u8 {
    match code {
        None | Some(ErrorCode::Internal) => 1,
        Some(ErrorCode::InvalidInput) => 4,
        Some(ErrorCode::NotFound) => 5,
        Some(ErrorCode::NoProject) => 6,
        Some(ErrorCode::NewerSchema) => 7,
        Some(ErrorCode::Locked) => 8,
        Some(ErrorCode::ReadOnly) => 9,
        Some(ErrorCode::Io) => 10,
        Some(ErrorCode::Runtime) => 11,
        Some(ErrorCode::Cancelled) => 12,
        Some(ErrorCode::Unauthorized) => 13,
        Some(ErrorCode::Forbidden) => 14,
        Some(ErrorCode::BelowTarget) => 15,
    }
}

/// The exit status of a command-line usage error (clap's own).
const USAGE_STATUS: u8 = 2;

/// One line for the user: the error and its causes, stopping after the first core error (its
/// message is complete; its sources only repeat it).
fn message(e: &anyhow::Error) -> String {
    let mut msg = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !msg.contains(&text) {
            if !msg.is_empty() {
                msg.push_str(": ");
            }
            msg.push_str(&text);
        }
        if cause.downcast_ref::<arbiter_core::Error>().is_some() {
            break;
        }
    }
    msg
}

/// The core's error code, if the error came from the core; `io` for an operating-system error
/// the shell met itself (a port already in use, a file it could not write).
fn code_of(e: &anyhow::Error) -> Option<ErrorCode> {
    e.chain()
        .find_map(|c| c.downcast_ref::<arbiter_core::Error>())
        .map(arbiter_core::Error::code)
        .or_else(|| {
            e.chain()
                .any(|c| c.downcast_ref::<std::io::Error>().is_some())
                .then_some(ErrorCode::Io)
        })
}

/// Report a failure: one line on stderr, and with `--json` one document on stdout, so a script
/// parses one JSON document either way.
fn fail(json: bool, code: &str, message: &str, status: u8) -> ExitCode {
    eprintln!("error: {message}");
    if json {
        let doc = serde_json::json!({ "error": { "code": code, "message": message } });
        let _ = writeln!(std::io::stdout(), "{doc}");
    }
    ExitCode::from(status)
}

fn main() -> ExitCode {
    // A reader that stops early (`arbiter --json decisions | head`) closes the pipe: stop
    // quietly, like other command-line tools, for every command. `println!` panics on it;
    // `writeln!` returns the error (handled below).
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.contains("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default_hook(info);
    }));
    let json_requested = std::env::args_os().any(|a| a == "--json");
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !json_requested || !e.use_stderr() => e.exit(),
        Err(e) => {
            let text = e.kind().to_string();
            let detail = e.to_string();
            let first = detail
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or(&text)
                .trim_start_matches("error: ");
            return fail(true, "usage", first, USAGE_STATUS);
        }
    };
    match commands::run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if broken_pipe(&e) => ExitCode::SUCCESS,
        // The report is printed (with --json, the whole document); the status says the gate failed.
        Err(e) if e.downcast_ref::<compare_cmd::GateFailed>().is_some() => {
            eprintln!("gate failed: {e}");
            ExitCode::from(compare_cmd::GATE_FAILED_STATUS)
        }
        Err(e) => {
            // A disk that filled up is said plainly (SQLite may only report an I/O error).
            let dir = cli.project.clone().unwrap_or_else(|| PathBuf::from("."));
            let full = e
                .chain()
                .find_map(|c| c.downcast_ref::<arbiter_core::Error>())
                .and_then(|core| core.disk_full_at(&dir));
            let (code, text) = match full {
                Some(full) => (Some(full.code()), full.to_string()),
                None => (code_of(&e), message(&e)),
            };
            fail(
                cli.json,
                code.map_or("internal", ErrorCode::as_str),
                &text,
                exit_status(code),
            )
        }
    }
}
