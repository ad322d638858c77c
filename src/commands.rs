//! One entry function per command, at the binary's edge: they load what they need, run the
//! library, print, and return the exit status. Errors here are `anyhow`, with context.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use sciatica_bot::config::{self, Config, ConfigError};
use sciatica_bot::discord::{self, DiscordError, Shared};
use sciatica_bot::embed::Model;
use sciatica_bot::staff::{self, StaffData};
use sciatica_bot::{Embedded, Knowledge, LoadError};

use crate::explain;

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

/// The most questions `ask -` embeds together.
const ASK_BATCH: usize = 1024;
/// How much of standard input is read at once.
const INPUT_BUFFER: usize = 64 * 1024;

/// The model named by the config; a missing or damaged folder is one line, exit 2.
fn load_model(config: &Config) -> anyhow::Result<Arc<Model>> {
    Ok(Arc::new(Model::load(&config.model.dir)?))
}

fn load_knowledge(config: &Config, model: &Arc<Model>) -> anyhow::Result<Knowledge> {
    Knowledge::load(config, model)
        .with_context(|| format!("cannot load the corpus from {}", config.corpus.dir.display()))
}

/// `ask`: answer one question, or each line of standard input when the question is `-`.
pub fn ask(settings: &Settings, question: &str, json: bool, explain: bool) -> anyhow::Result<Status> {
    let config = settings.load_config()?;
    let model = load_model(&config)?;
    let knowledge = load_knowledge(&config, &model)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut answer_one = |question: &str, embedded: &Embedded, separated: bool| -> std::io::Result<()> {
        if separated {
            writeln!(out)?;
        }
        let response = sciatica_bot::respond_embedded(&knowledge, &config.reply, question, embedded);
        let explanation =
            explain.then(|| knowledge.engine.explain(sciatica_bot::searchable_part(question), &embedded.question));
        if json {
            let line = match &explanation {
                Some(explanation) => {
                    let mut value = serde_json::to_value(&response).map_err(std::io::Error::other)?;
                    value["explain"] = explain::to_json(explanation, knowledge.engine.policy());
                    value["explain"]["triage"] = explain::triage_to_json(&response);
                    value.to_string()
                }
                None => serde_json::to_string(&response).map_err(std::io::Error::other)?,
            };
            writeln!(out, "{line}")?;
        } else {
            writeln!(out, "{}", response.reply)?;
            if let Some(explanation) = &explanation {
                explain::write_triage(&response, &mut out)?;
                explain::write(explanation, &mut out)?;
            }
        }
        out.flush()
    };
    if question != "-" {
        let embedded = knowledge.embed_all(&[question]).pop().expect("one vector set per message");
        answer_one(question, &embedded, false)?;
        return Ok(Status::Fine);
    }
    // Our own buffer, to see what has already arrived: `ask -` batches the questions that
    // came together, and answers one at a time when a tool writes and waits for each answer.
    let mut input = std::io::BufReader::with_capacity(INPUT_BUFFER, std::io::stdin().lock());
    let mut first = true;
    loop {
        let batch = read_lines(&mut input, ASK_BATCH).context("cannot read standard input")?;
        if batch.is_empty() {
            break;
        }
        let questions: Vec<&str> = batch.iter().map(String::as_str).collect();
        let embedded = knowledge.embed_all(&questions);
        for (question, embedded) in batch.iter().zip(&embedded) {
            // Replies in text are separated by a blank line; JSON lines need nothing.
            answer_one(question, embedded, !json && !std::mem::take(&mut first))?;
        }
    }
    Ok(Status::Fine)
}

/// The next line of input, waiting for it, then up to `max` in all of those already
/// received, without their line ends. Invalid UTF-8 is replaced, not refused: every input
/// line gets exactly one answer.
fn read_lines<R: std::io::Read>(input: &mut std::io::BufReader<R>, max: usize) -> std::io::Result<Vec<String>> {
    let mut lines = Vec::new();
    let mut line = Vec::new();
    while lines.len() < max && (lines.is_empty() || input.buffer().contains(&b'\n')) {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.strip_suffix('\n').unwrap_or(&text);
        lines.push(text.strip_suffix('\r').unwrap_or(text).to_owned());
    }
    Ok(lines)
}

/// `check`: validate config, model and corpus, printing every problem as `FILE:LINE: message`.
pub fn check(settings: &Settings) -> anyhow::Result<Status> {
    let config = match settings.load_config() {
        Ok(config) => config,
        Err(ConfigError::Invalid(problem)) => {
            println!("{problem}");
            return Ok(Status::ProblemsFound);
        }
        Err(error) => return Err(error.into()),
    };
    let model = load_model(&config)?;
    match Knowledge::load(&config, &model) {
        Ok(knowledge) => {
            let engine = &knowledge.engine;
            let corpus = engine.corpus();
            for warning in knowledge.warnings() {
                println!("{warning}");
            }
            println!(
                "ok: {} passages in {} sections, {} passage questions, {} synonyms, {} not-covered topics, \
                 {} red-flag categories, from {}{}",
                corpus.passages.len(),
                corpus.sections.len(),
                engine.passage_questions(),
                corpus.synonyms.entries.len(),
                engine.not_covered_topics(),
                knowledge.triage.categories().count(),
                config.corpus.dir.display(),
                match knowledge.warnings().len() {
                    0 => String::new(),
                    n => format!(", with {n} warning(s) above"),
                }
            );
            Ok(if knowledge.warnings().is_empty() { Status::Fine } else { Status::ProblemsFound })
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
    let model = load_model(&config)?;
    let knowledge = load_knowledge(&config, &model)?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let staff = runtime.block_on(open_staff_data(&config))?;
    let shared = Arc::new(Shared::new(config, knowledge, staff).context("cannot start the embedding thread")?);
    runtime.block_on(discord::run(token.trim(), shared, discord::shutdown_signal()))?;
    Ok(Status::Fine)
}

async fn open_staff_data(config: &Config) -> anyhow::Result<StaffData> {
    StaffData::open(&config.staff)
        .await
        .with_context(|| format!("cannot open the staff database ({:?})", config.staff.database))
}

/// `report`: the unanswered questions grouped, the passages people find least helpful, and
/// the latest staff actions, for staff to decide what content to add or improve.
pub fn report(settings: &Settings, top: usize) -> anyhow::Result<Status> {
    let config = settings.load_config()?;
    let model = load_model(&config)?;
    let knowledge = load_knowledge(&config, &model)?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let (groups, votes, actions) = runtime.block_on(async {
        let staff = open_staff_data(&config).await?;
        let read = async { tokio::try_join!(staff.unanswered_groups(), staff.votes(), staff.audit(top as u32)) };
        read.await.context("cannot read the staff database")
    })?;
    println!("{}", staff::unanswered_report(&groups, top, &knowledge));
    println!("\n{}", staff::least_helpful_report(&votes, top));
    println!("\n{}", staff::audit_report(&actions));
    Ok(Status::Fine)
}
