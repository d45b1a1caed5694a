//! `arbiter`: the command-line shell over arbiter-core. Parses arguments, calls one core
//! function per subcommand, prints a table (or one JSON document with `--json`) on stdout;
//! progress and errors go to stderr.

mod commands;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "arbiter",
    version,
    about = "Model review and human-in-the-loop labeling, local-first."
)]
pub struct Cli {
    /// The project folder (default: the current folder).
    #[arg(long, global = true, env = "ARBITER_PROJECT", value_name = "DIR")]
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
    /// Show the project's label schema and correction reasons.
    Labels,
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Folder to create the project in (default: --project, else the current folder).
    pub dir: Option<PathBuf>,
    /// Comma-separated label names, in order (default: taken from the first import).
    #[arg(long, conflicts_with = "labels_file")]
    pub labels: Option<String>,
    /// A file of labels: one name per line, or JSON [{"name","hotkey","color","guideline"}].
    #[arg(long, value_name = "FILE")]
    pub labels_file: Option<PathBuf>,
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
    /// A manifest (.csv, .tsv, .parquet, .jsonl, .ndjson) or an image folder.
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    match commands::run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let mut msg = format!("{e}");
            for cause in e.chain().skip(1) {
                msg.push_str(&format!(": {cause}"));
            }
            eprintln!("error: {msg}");
            ExitCode::FAILURE
        }
    }
}
