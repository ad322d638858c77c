//! One entry function per command, at the binary's edge: they load what they need, run the
//! library, print, and return the exit status. Errors here are `anyhow`, with context.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use sciatica_bot::config::{self, Config, ConfigError};
use sciatica_bot::discord::{self, DiscordError, Shared};
use sciatica_bot::search::Engine;
use sciatica_bot::{Knowledge, LoadError};

/// What an exit status means to scripts and CI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Fine = 0,
    ProblemsFound = 1,
    CouldNotRun = 2,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        ExitCode::from(status as u8)
    }
}

/// The options every command shares.
pub struct Settings {
    pub config: Option<PathBuf>,
    pub corpus: Option<PathBuf>,
}

impl Settings {
    fn load_config(&self) -> Result<Config, ConfigError> {
        let path = self.config.clone().unwrap_or_else(|| PathBuf::from(config::DEFAULT_PATH));
        let mut config = Config::load(&path, self.config.is_some())?;
        if let Some(dir) = &self.corpus {
            config.corpus.dir = dir.clone();
        }
        Ok(config)
    }
}

/// Libraries that log whole gateway payloads or requests (message text, user ids) below
/// `info`: they are held at `info` whatever `RUST_LOG` asks, because questions are health data.
const PAYLOAD_LOGGERS: &[&str] =
    &["serenity", "tokio_tungstenite", "tungstenite", "reqwest", "hyper", "hyper_util", "h2", "rustls"];

/// Logs go to standard error, filtered by `RUST_LOG` (default: `warn`, and `info` for the bot).
pub fn init_logging() {
    let mut filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,sciatica_bot=info"));
    for target in PAYLOAD_LOGGERS {
        filter = filter.add_directive(format!("{target}=info").parse().expect("a valid directive"));
    }
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}

/// `ask`: answer one question, or each line of standard input when the question is `-`.
pub fn ask(settings: &Settings, question: &str, json: bool, explain: bool) -> anyhow::Result<Status> {
    let config = settings.load_config()?;
    let knowledge = Knowledge::load(&config)
        .with_context(|| format!("cannot load the corpus from {}", config.corpus.dir.display()))?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let answer_one = |question: &str, out: &mut dyn Write| -> std::io::Result<()> {
        let response = sciatica_bot::respond(&knowledge, &config.reply, question);
        if json {
            let line = serde_json::to_string(&response).map_err(std::io::Error::other)?;
            writeln!(out, "{line}")?;
        } else {
            writeln!(out, "{}", response.reply)?;
            if explain {
                write_explanation(&knowledge.engine, question, out)?;
            }
        }
        out.flush()
    };
    if question != "-" {
        answer_one(question, &mut out)?;
        return Ok(Status::Fine);
    }
    let mut input = std::io::stdin().lock();
    let mut line = Vec::new();
    let mut first = true;
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line).context("cannot read standard input")? == 0 {
            break;
        }
        // Invalid UTF-8 is replaced, not refused: every input line gets exactly one answer.
        let text = String::from_utf8_lossy(&line);
        let text = text.strip_suffix('\n').unwrap_or(&text);
        let text = text.strip_suffix('\r').unwrap_or(text);
        if !json && !std::mem::take(&mut first) {
            writeln!(out)?;
        }
        answer_one(text, &mut out)?;
    }
    Ok(Status::Fine)
}

fn write_explanation(engine: &Engine, question: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let explanation = engine.explain(question);
    writeln!(out, "\n--- explain (answered: {})", explanation.answered)?;
    for concept in &explanation.concepts {
        let wordings: Vec<String> = concept.alternatives.iter().map(|a| a.terms.join(" ")).collect();
        let known = if concept.known { "" } else { ", not in corpus" };
        writeln!(out, "concept {:?} weight {:.2}{known}: {}", concept.said, concept.weight, wordings.join(" | "))?;
    }
    for candidate in &explanation.candidates {
        let passage = candidate.answer.passage;
        writeln!(
            out,
            "{:>6.3}  bm25 {:>6.3}  coverage {:.2}  covered {:.2}  missed {:.2}  title {:.2}  {}",
            candidate.answer.score,
            candidate.bm25,
            candidate.coverage,
            candidate.covered,
            candidate.missed_known,
            candidate.title_match,
            passage.id
        )?;
    }
    Ok(())
}

/// `check`: validate config and corpus, printing every problem as `FILE:LINE: message`.
pub fn check(settings: &Settings) -> anyhow::Result<Status> {
    let config = match settings.load_config() {
        Ok(config) => config,
        Err(ConfigError::Invalid(problem)) => {
            println!("{problem}");
            return Ok(Status::ProblemsFound);
        }
        Err(error) => return Err(error.into()),
    };
    match Knowledge::load(&config) {
        Ok(knowledge) => {
            let corpus = knowledge.engine.corpus();
            println!(
                "ok: {} passages in {} sections, {} synonyms, {} red-flag categories, from {}",
                corpus.passages.len(),
                corpus.sections.len(),
                corpus.synonyms.entries.len(),
                knowledge.triage.categories().count(),
                config.corpus.dir.display()
            );
            Ok(Status::Fine)
        }
        Err(LoadError::Invalid(problems)) => {
            for problem in problems {
                println!("{problem}");
            }
            Ok(Status::ProblemsFound)
        }
        Err(error) => Err(error.into()),
    }
}

/// `serve`: run the Discord bot until SIGINT or SIGTERM.
pub fn serve(settings: &Settings) -> anyhow::Result<Status> {
    let token = match std::env::var(discord::TOKEN_VARIABLE) {
        Ok(token) if !token.trim().is_empty() => token,
        _ => {
            eprintln!("sciatica-bot: {}", DiscordError::MissingToken);
            return Ok(Status::CouldNotRun);
        }
    };
    let config = settings.load_config()?;
    let knowledge = Knowledge::load(&config)
        .with_context(|| format!("cannot load the corpus from {}", config.corpus.dir.display()))?;
    let shared = std::sync::Arc::new(Shared::new(config, knowledge));
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(discord::run(token.trim(), shared, discord::shutdown_signal()))?;
    Ok(Status::Fine)
}

/// `report`: the unanswered questions grouped, and the passages people find least helpful,
/// for staff to decide what content to add or improve.
pub fn report(settings: &Settings, top: usize) -> anyhow::Result<Status> {
    let config = settings.load_config()?;
    let path = &config.staff.unanswered_log;
    let (groups, skipped) = sciatica_bot::staff::group_unanswered(path)
        .with_context(|| format!("cannot read the unanswered log {}", path.display()))?;
    println!("{}", sciatica_bot::staff::unanswered_report(&groups, top));
    if skipped > 0 {
        eprintln!("sciatica-bot: skipped {skipped} unreadable line(s) in {}", path.display());
    }
    let feedback = &config.staff.feedback_file;
    let votes = sciatica_bot::staff::read_votes(feedback)
        .with_context(|| format!("cannot read the feedback file {}", feedback.display()))?;
    println!("\n{}", sciatica_bot::staff::least_helpful_report(&votes, top));
    Ok(Status::Fine)
}
