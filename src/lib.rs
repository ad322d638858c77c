//! sciatica-bot answers people's questions about sciatica from a massage clinic's own
//! article and FAQ, quoting the single best passage word for word or saying plainly that it
//! has no answer.
//!
//! The core is pure: [`respond`] takes a question's text and returns the reply, knowing
//! nothing of Discord. Modules, one idea each:
//! - [`corpus`]: the clinic's Markdown and TOML content, parsed and validated;
//! - [`search`]: hybrid retrieval (Tantivy and the embedding model) and the choice of
//!   passage, of a not-covered topic's redirect, or of abstaining;
//! - [`embed`]: the shipped sentence-embedding model, its vector cache and its queue;
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
pub mod ops;
pub mod reply;
pub mod search;
pub mod staff;
pub mod triage;

use serde::Serialize;

use std::sync::Arc;

use config::{Config, ReplyConfig};
use corpus::{Corpus, Problem};
use embed::{Model, Vector};
use search::{Answer, Engine, EngineError, Outcome};
use triage::semantic::Evidence;
use triage::{Assessment, Clause, RedFlag, RuleFindings, Triage, RED_FLAGS_FILE};

/// Everything loaded from one version of the corpus: the answer engine and the red-flag
/// rules. It is immutable, so a reload builds a new one and swaps it in whole. The model is
/// not part of a version: it is loaded once per process and shared.
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
    #[error(transparent)]
    Model(#[from] embed::ModelError),
}

impl LoadError {
    /// Every `FILE:LINE` problem behind the error.
    pub fn problems(&self) -> &[Problem] {
        match self {
            LoadError::Invalid(problems) => problems,
            LoadError::Engine(_) | LoadError::Model(_) => &[],
        }
    }
}

impl Knowledge {
    /// Loads the corpus folder named by the config: passages, their questions and vectors,
    /// synonyms, not-covered topics and red-flag rules. Problems in any of them are all
    /// reported together.
    pub fn load(config: &Config, model: &Arc<Model>) -> Result<Knowledge, LoadError> {
        let dir = &config.corpus.dir;
        let engine = Engine::load(dir, model.clone(), Some(&config.model.cache));
        let triage = Triage::load(&dir.join(RED_FLAGS_FILE), &config.triage);
        let (engine, mut triage) = together(engine, triage)?;
        triage.embed_examples(model, Some(&config.model.cache))?;
        Ok(Knowledge { engine, triage })
    }

    /// Finds every problem `load` would find in the corpus folder, without building the index
    /// or reading vectors: how an edit is checked before it is written.
    pub fn validate(config: &Config) -> Result<(), LoadError> {
        let dir = &config.corpus.dir;
        let engine = Corpus::load(dir).map_err(EngineError::from).and_then(|corpus| Engine::validate(&corpus, dir));
        let triage = Triage::load(&dir.join(RED_FLAGS_FILE), &config.triage);
        together(engine, triage).map(drop)
    }

    /// Loads the model named by the config, then the corpus: for a process that answers
    /// from one model (the command line, tests).
    pub fn open(config: &Config) -> Result<Knowledge, LoadError> {
        let model = Arc::new(Model::load(&config.model.dir)?);
        Knowledge::load(config, &model)
    }

    /// What the model reads for one message: the question as retrieval embeds it, then, when
    /// the message has more than one clause, each clause for triage's semantic layer (a
    /// message of one clause is compared by the question's own vector). The red-flag rules
    /// read the whole message first, once: where they find an emergency there are no clauses
    /// to read, since the semantic layer does not run on it.
    pub fn texts_to_embed(&self, question: &str) -> ToEmbed {
        let rules = self.triage.rules(question);
        let searchable = searchable_part(question);
        let clauses = if rules.include_an_emergency() { Vec::new() } else { triage::clauses(searchable) };
        ToEmbed { question: self.engine.embedding_text(searchable).into_owned(), clauses, rules }
    }

    /// Red-flag triage of a message the model read (both layers; the rules' findings come
    /// with the vectors).
    pub fn assess(&self, embedded: &Embedded) -> Assessment {
        self.triage.assess_after_rules(&embedded.rules, &embedded.clauses)
    }

    /// The vectors of many messages, computed in one batch. When inference fails (it does
    /// not with a model that loaded), the messages are answered by their words and rules.
    pub fn embed_all(&self, questions: &[&str]) -> Vec<Embedded> {
        let wanted: Vec<ToEmbed> = questions.iter().map(|q| self.texts_to_embed(q)).collect();
        let texts: Vec<&str> = wanted.iter().flat_map(ToEmbed::texts).collect();
        let mut vectors = self.engine.embed_texts(&texts);
        let mut embedded = Vec::with_capacity(wanted.len());
        for wanted in wanted.into_iter().rev() {
            let rest = vectors.len() - wanted.texts().count();
            embedded.push(wanted.with_vectors(vectors.split_off(rest)));
        }
        embedded.reverse();
        embedded
    }

    /// What staff should fix although this version loaded (`check` lists them).
    pub fn warnings(&self) -> &[Problem] {
        &self.engine.corpus().warnings
    }
}

/// Both halves of a corpus version, or every FILE:LINE problem of both, sorted.
fn together<E>(engine: Result<E, EngineError>, triage: Result<Triage, Vec<Problem>>) -> Result<(E, Triage), LoadError> {
    match (engine, triage) {
        (Ok(engine), Ok(triage)) => Ok((engine, triage)),
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

/// The texts of one message the model must read, from [`Knowledge::texts_to_embed`].
#[derive(Debug, Clone)]
pub struct ToEmbed {
    question: String,
    clauses: Vec<String>,
    rules: RuleFindings,
}

impl ToEmbed {
    /// In order: the question, then the clauses if there are several.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        let clauses = if self.clauses.len() > 1 { &self.clauses[..] } else { &[] };
        std::iter::once(self.question.as_str()).chain(clauses.iter().map(String::as_str))
    }

    /// Pairs the texts with their vectors, one per text of [`ToEmbed::texts`] in order; a
    /// missing vector (a failed inference) leaves the question to its words and the clauses
    /// to the rules.
    pub fn with_vectors(self, vectors: Vec<Vector>) -> Embedded {
        let mut vectors = vectors.into_iter();
        let question = vectors.next().unwrap_or_else(Vector::zero);
        let clauses = match self.clauses.len() {
            1 => self.clauses.into_iter().map(|text| Clause { text, vector: question.clone() }).collect(),
            _ => self.clauses.into_iter().zip(vectors).map(|(text, vector)| Clause { text, vector }).collect(),
        };
        Embedded { question, clauses, rules: self.rules }
    }
}

/// One message as the model read it.
#[derive(Debug, Clone)]
pub struct Embedded {
    /// The question's vector, for retrieval.
    pub question: Vector,
    /// Its clauses and their vectors, for triage.
    pub clauses: Vec<Clause>,
    /// What the red-flag rules found in it, read before it was embedded.
    pub rules: RuleFindings,
}

/// A question's text is read this far; the rest of a 100 KB paste is not a question.
pub const MAX_QUESTION_BYTES: usize = 4096;

/// Everything the bot decided about one question: the stable `ask --json` contract.
#[derive(Debug, Clone, Serialize)]
pub struct Response {
    pub question: String,
    pub answer: Option<AnswerView>,
    /// The not-covered topic the question is about, when that is why there is no answer.
    pub not_covered: Option<String>,
    /// Every red flag found, most urgent first.
    pub red_flags: Vec<RedFlag>,
    /// The medical-referral notice the reply starts with, if any flag was found.
    pub notice: Option<String>,
    pub reply: String,
    /// The semantic layer's evidence, for `ask --explain`.
    #[serde(skip)]
    pub triage_evidence: Vec<Evidence>,
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

/// Answers one question: text in, reply out, computing the question's vector here. Red-flag
/// triage reads the whole message, whatever retrieval finds.
pub fn respond(knowledge: &Knowledge, config: &ReplyConfig, question: &str) -> Response {
    let embedded = knowledge.embed_all(&[question]).pop().expect("one vector set per message");
    respond_embedded(knowledge, config, question, &embedded)
}

/// [`respond`] for a message the model read already, in a batch or on the embedding thread
/// (the texts of [`Knowledge::texts_to_embed`]).
pub fn respond_embedded(knowledge: &Knowledge, config: &ReplyConfig, question: &str, embedded: &Embedded) -> Response {
    let assessment = knowledge.assess(embedded);
    let outcome = knowledge.engine.answer_embedded(searchable_part(question), &embedded.question);
    let corpus = knowledge.engine.corpus();
    let body = match &outcome {
        Outcome::Answer(answer) => reply::Body::Answer(answer),
        Outcome::NotCovered(not_covered) => {
            reply::Body::NotCovered { redirect: not_covered.redirect, example: corpus.example_question() }
        }
        Outcome::NoAnswer => {
            reply::Body::NoAnswer { topics: corpus.topics().collect(), example: corpus.example_question() }
        }
    };
    let reply = reply::compose(assessment.notice.as_deref(), &body, config);
    Response {
        question: question.to_owned(),
        answer: outcome.answer().map(AnswerView::from),
        not_covered: match outcome {
            Outcome::NotCovered(not_covered) => Some(not_covered.topic.to_owned()),
            _ => None,
        },
        red_flags: assessment.flags,
        notice: assessment.notice,
        reply,
        triage_evidence: assessment.evidence,
    }
}

/// The start of the question, cut at a character boundary: what is searched and embedded.
pub fn searchable_part(question: &str) -> &str {
    let mut end = question.len().min(MAX_QUESTION_BYTES);
    while !question.is_char_boundary(end) {
        end -= 1;
    }
    &question[..end]
}
