//! The embedding side of retrieval: one vector per passage (its title and text) and one per
//! question it answers (`questions.toml`, and a FAQ entry's own question), computed once per
//! corpus version through the on-disk cache, and how close a question's vector is to each
//! passage.
//!
//! It measures closeness only. Whether closeness is enough to answer is the ranking policy's
//! decision (`ranking`): topic similarity is not proof that a passage answers.

use std::path::Path;

use crate::corpus::{Passage, PassageKind};
use crate::embed::cache::embed_cached;
use crate::embed::{dot, Model, ModelError, Vector, DIMENSIONS};

/// Vectors of one corpus version, in rows of `DIMENSIONS`.
#[derive(Debug, Default)]
pub struct PassageVectors {
    /// Row `i` is passage `i`'s title and text.
    passages: Vec<f32>,
    /// One row per question, and the ordinal of the passage that answers it.
    questions: Vec<f32>,
    question_owner: Vec<usize>,
}

/// How close a question is to one passage.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Closeness {
    /// Cosine to the passage's own text (with its title).
    pub to_text: f32,
    /// The best cosine to a question the passage answers: a paraphrase scores high here.
    pub to_questions: f32,
}

impl Closeness {
    /// The closer of the two.
    pub fn best(&self) -> f32 {
        self.to_text.max(self.to_questions)
    }
}

impl PassageVectors {
    pub fn build(passages: &[Passage], model: &Model, cache: Option<&Path>) -> Result<PassageVectors, ModelError> {
        let texts: Vec<String> = passages.iter().map(|p| format!("{}\n{}", super::title_of(p), p.text)).collect();
        let mut questions: Vec<&str> = Vec::new();
        let mut question_owner = Vec::new();
        for (ordinal, passage) in passages.iter().enumerate() {
            let own = (passage.kind == PassageKind::Faq).then_some(passage.section.as_str());
            for question in own.into_iter().chain(passage.questions.iter().map(String::as_str)) {
                questions.push(question);
                question_owner.push(ordinal);
            }
        }
        let all: Vec<&str> = texts.iter().map(String::as_str).chain(questions.iter().copied()).collect();
        let vectors = embed_cached(model, cache, &all)?;
        let (of_passages, of_questions) = vectors.split_at(passages.len());
        let flatten = |vectors: &[Vector]| vectors.iter().flat_map(|v| v.as_slice().iter().copied()).collect();
        Ok(PassageVectors { passages: flatten(of_passages), questions: flatten(of_questions), question_owner })
    }

    /// The closeness of the question to every passage, by ordinal.
    pub fn closeness(&self, question: &Vector) -> Vec<Closeness> {
        let question = question.as_slice();
        let mut closeness: Vec<Closeness> = self
            .passages
            .chunks_exact(DIMENSIONS)
            .map(|row| Closeness { to_text: dot(row, question), to_questions: 0.0 })
            .collect();
        for (row, &owner) in self.questions.chunks_exact(DIMENSIONS).zip(&self.question_owner) {
            let slot = &mut closeness[owner].to_questions;
            *slot = slot.max(dot(row, question));
        }
        closeness
    }

    pub fn questions(&self) -> usize {
        self.question_owner.len()
    }
}
