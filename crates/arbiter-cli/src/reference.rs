//! The command-line reference (`docs/cli.md`), rendered from the clap definitions themselves, so
//! it cannot drift: a test fails when the committed file differs (`UPDATE_DOCS=1 cargo test -p
//! arbiter-cli cli_reference_is_current` rewrites it).

use clap::CommandFactory;

/// Markdown for every command and subcommand: its long help, as `arbiter help …` prints it.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Command-line reference\n\n\
         Generated from the `arbiter` command's own definitions (`crates/arbiter-cli/src/main.rs`);\n\
         do not edit by hand. Every command also takes `--project DIR` and `--json`; errors and exit\n\
         statuses are in the README. Definitions of scores and statistics: [contract.md](contract.md).\n",
    );
    let mut root = crate::Cli::command();
    root.build();
    section(&mut out, &root, &mut Vec::new());
    out
}

fn section(out: &mut String, cmd: &clap::Command, path: &mut Vec<String>) {
    path.push(cmd.get_name().to_string());
    if cmd.is_hide_set() {
        path.pop();
        return;
    }
    let depth = path.len().min(4);
    out.push_str(&format!(
        "\n{} `{}`\n\n",
        "#".repeat(depth + 1),
        path.join(" ")
    ));
    let help = cmd
        .clone()
        .bin_name(path.join(" "))
        .term_width(100)
        .render_long_help()
        .to_string();
    out.push_str("```text\n");
    for line in help.lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.push_str("```\n");
    for sub in cmd.get_subcommands() {
        if sub.get_name() != "help" {
            section(out, sub, path);
        }
    }
    path.pop();
}

#[cfg(test)]
mod tests {
    #[test]
    fn cli_reference_is_current() {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/cli.md");
        let want = super::markdown();
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(&file, &want).expect("write docs/cli.md");
        }
        let have = std::fs::read_to_string(&file).unwrap_or_default();
        assert!(
            have == want,
            "docs/cli.md is stale; regenerate it with UPDATE_DOCS=1 cargo test -p arbiter-cli cli_reference_is_current"
        );
    }
}
