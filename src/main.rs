//! The `sciatica-bot` command: parses arguments and hands each command to its entry
//! function in `commands`. Exit status: 0 fine, 1 problems found, 2 could not run.

mod commands;
mod explain;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "sciatica-bot",
    version,
    about = "Answers sciatica questions from a massage clinic's own article and FAQ"
)]
struct Cli {
    /// The config file (default: config.toml in the working directory, optional).
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    /// The corpus folder, overriding the config's `corpus.dir`.
    #[arg(long, global = true, value_name = "DIR")]
    corpus: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Answer a question and print the reply exactly as the bot would post it.
    Ask {
        /// Print one JSON object per question instead of the reply text.
        #[arg(long)]
        json: bool,
        /// Also print what the engine looked for, its best candidates with every signal and
        /// weight, and why it answered or abstained (with --json: an "explain" field).
        #[arg(long)]
        explain: bool,
        /// The question, or `-` to read one question per line from standard input.
        question: String,
    },
    /// Validate the config and the corpus; print every problem as FILE:LINE: message.
    Check,
    /// Run the Discord bot (the token comes from the DISCORD_TOKEN environment variable).
    Serve,
    /// For staff: the questions the bot could not answer, most frequent first.
    Report {
        /// How many groups to list.
        #[arg(long, default_value_t = 20)]
        top: usize,
    },
}

fn main() -> ExitCode {
    // Before any thread starts (see its comment).
    sciatica_bot::embed::settle_thread_count();
    let cli = Cli::parse();
    commands::init_logging();
    let settings = commands::Settings { config: cli.config, corpus: cli.corpus };
    let outcome = match cli.command {
        Command::Ask { json, explain, question } => commands::ask(&settings, &question, json, explain),
        Command::Check => commands::check(&settings),
        Command::Serve => commands::serve(&settings),
        Command::Report { top } => commands::report(&settings, top),
    };
    match outcome {
        Ok(status) => status.into(),
        Err(error) => {
            eprintln!("sciatica-bot: {error:#}");
            commands::Status::CouldNotRun.into()
        }
    }
}
