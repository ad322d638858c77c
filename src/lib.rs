//! sciatica-bot answers people's questions about sciatica from a massage clinic's own
//! article and FAQ, quoting the single best passage word for word or saying plainly that it
//! has no answer.
//!
//! The core is pure: [`respond`] takes a question's text and returns the reply, knowing
//! nothing of Discord. Modules, one idea each:
//! - [`corpus`]: the clinic's Markdown and TOML content, parsed and validated;
//! - [`search`]: the Tantivy index and the choice of passage (or of abstaining);
//! - [`reply`]: the text posted, within Discord's limits;
//! - [`config`]: the settings in `config.toml`.

pub mod config;
pub mod corpus;
pub mod reply;
pub mod search;

use serde::Serialize;

use config::ReplyConfig;
use search::{Answer, Engine};

/// A question's text is read this far; the rest of a 100 KB paste is not a question.
pub const MAX_QUESTION_BYTES: usize = 4096;

/// Everything the bot decided about one question: the stable `ask --json` contract.
#[derive(Debug, Clone, Serialize)]
pub struct Response {
    pub question: String,
    pub answer: Option<AnswerView>,
    /// Filled by red-flag triage once it lands; always present so the contract is stable.
    pub red_flags: [(); 0],
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

/// Answers one question: text in, reply out.
pub fn respond(engine: &Engine, config: &ReplyConfig, question: &str) -> Response {
    let answer = engine.answer(searchable_part(question));
    let reply = match &answer {
        Some(answer) => reply::answered(answer, config),
        None => {
            let corpus = engine.corpus();
            let example = corpus.sections.iter().find(|s| s.kind == corpus::PassageKind::Faq && s.is_topic);
            reply::no_answer(corpus.topics(), example.map(|s| s.title.as_str()), config)
        }
    };
    Response {
        question: question.to_owned(),
        answer: answer.as_ref().map(AnswerView::from),
        red_flags: [],
        notice: None,
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
