//! sciatica-bot answers people's questions about sciatica from a massage clinic's own
//! article and FAQ, quoting the single best passage word for word or saying plainly that it
//! has no answer.
//!
//! The core is pure: [`respond`] takes a question's text and returns the reply, knowing
//! nothing of Discord. Modules, one idea each:
//! - [`corpus`]: the clinic's Markdown and TOML content, parsed and validated;
//! - [`search`]: the Tantivy index and the choice of passage (or of abstaining);
//! - [`triage`]: red-flag symptoms and the medical-referral notice;
//! - [`reply`]: the text posted, within Discord's limits;
//! - [`staff`]: the unanswered-questions log and the staff report;
//! - [`faq_edit`]: FAQ edits from Discord, validated, atomic and kept in history;
//! - [`discord`]: the serenity bot around all of the above;
//! - [`config`]: the settings in `config.toml`.

pub mod config;
pub mod corpus;
pub mod discord;
pub mod embed;
pub mod faq_edit;
pub mod reply;
pub mod search;
pub mod staff;
pub mod triage;

use serde::Serialize;

use config::{Config, ReplyConfig};
use corpus::Problem;
use search::{Answer, Engine, EngineError};
use triage::{RedFlag, Triage, RED_FLAGS_FILE};

/// Everything loaded from one version of the corpus: the answer engine and the red-flag
/// rules. It is immutable, so a reload builds a new one and swaps it in whole.
#[derive(Debug)]
pub struct Knowledge {
    pub engine: Engine,
    pub triage: Triage,
}

/// Why a corpus version could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{} problem(s):\n{}", .0.len(), .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Problem>),
    #[error(transparent)]
    Engine(EngineError),
}

impl LoadError {
    /// Every `FILE:LINE` problem behind the error.
    pub fn problems(&self) -> &[Problem] {
        match self {
            LoadError::Invalid(problems) => problems,
            LoadError::Engine(_) => &[],
        }
    }
}

impl Knowledge {
    /// Loads the corpus folder named by the config: passages, synonyms and red-flag rules.
    /// Problems in any of them are all reported together.
    pub fn load(config: &Config) -> Result<Knowledge, LoadError> {
        let dir = &config.corpus.dir;
        let engine = Engine::load(dir);
        let triage = Triage::load(&dir.join(RED_FLAGS_FILE), &config.triage);
        match (engine, triage) {
            (Ok(engine), Ok(triage)) => Ok(Knowledge { engine, triage }),
            (Err(error), triage) => {
                let mut problems = error.problems();
                if problems.is_empty() {
                    return Err(LoadError::Engine(error));
                }
                problems.extend(triage.err().unwrap_or_default());
                problems.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
                Err(LoadError::Invalid(problems))
            }
            (Ok(_), Err(problems)) => Err(LoadError::Invalid(problems)),
        }
    }
}

/// A question's text is read this far; the rest of a 100 KB paste is not a question.
pub const MAX_QUESTION_BYTES: usize = 4096;

/// Everything the bot decided about one question: the stable `ask --json` contract.
#[derive(Debug, Clone, Serialize)]
pub struct Response {
    pub question: String,
    pub answer: Option<AnswerView>,
    /// Every red flag found, most urgent first.
    pub red_flags: Vec<RedFlag>,
    /// The medical-referral notice the reply starts with, if any flag was found.
    pub notice: Option<String>,
    pub reply: String,
}

/// The chosen passage as the JSON contract shows it.
#[derive(Debug, Clone, Serialize)]
pub struct AnswerView {
    pub id: String,
    pub section: String,
    pub passage: String,
    pub source: String,
    pub score: f32,
}

impl From<&Answer<'_>> for AnswerView {
    fn from(answer: &Answer<'_>) -> AnswerView {
        let passage = answer.passage;
        AnswerView {
            id: passage.id.clone(),
            section: passage.section.clone(),
            passage: passage.text.clone(),
            source: passage.source.to_string(),
            score: answer.score,
        }
    }
}

/// Answers one question: text in, reply out. Red-flag triage reads the whole message,
/// whatever retrieval finds.
pub fn respond(knowledge: &Knowledge, config: &ReplyConfig, question: &str) -> Response {
    let assessment = knowledge.triage.assess(question);
    let answer = knowledge.engine.answer(searchable_part(question));
    let body = match &answer {
        Some(answer) => reply::Body::Answer(answer),
        None => {
            let corpus = knowledge.engine.corpus();
            reply::Body::NoAnswer { topics: corpus.topics().collect(), example: corpus.example_question() }
        }
    };
    let reply = reply::compose(assessment.notice.as_deref(), &body, config);
    Response {
        question: question.to_owned(),
        answer: answer.as_ref().map(AnswerView::from),
        red_flags: assessment.flags,
        notice: assessment.notice,
        reply,
    }
}

/// The start of the question, cut at a character boundary.
fn searchable_part(question: &str) -> &str {
    let mut end = question.len().min(MAX_QUESTION_BYTES);
    while !question.is_char_boundary(end) {
        end -= 1;
    }
    &question[..end]
}
