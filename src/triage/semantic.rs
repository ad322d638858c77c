//! The semantic second layer of triage: lay sentences per red-flag category ("woke up
//! soaked", "it's like sitting on a rubber ring") and one list of ordinary sciatica
//! sentences, embedded once per corpus version by the shipped model. A clause of a message
//! flags a category when it is close enough to that category's examples, and closer to them
//! than to any ordinary sentence by the tier's margin.
//!
//! It catches wordings no pattern foresaw; it never replaces the rules. A category it alone
//! finds gets the tier's notice in its conditional wording ("If you notice ..."), since a
//! nearest neighbour is a likeness, not a statement. The examples, the ordinary sentences and
//! the thresholds are data in `red_flags.toml`; this module owns the comparison and the
//! evidence `ask --explain` shows.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::Tier;
use crate::embed::cache::embed_cached;
use crate::embed::{Model, ModelError, Vector};

/// When a clause flags a category of a tier.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Cosine to the category's nearest example at least this.
    pub similarity: f32,
    /// That cosine minus the cosine to the nearest ordinary sentence at least this.
    pub margin: f32,
}

/// One clause of a message and its vector.
#[derive(Debug, Clone)]
pub struct Clause {
    pub text: String,
    pub vector: Vector,
}

/// A category's lay sentences.
#[derive(Debug)]
pub(super) struct Examples {
    pub category: String,
    pub tier: Tier,
    pub texts: Vec<String>,
}

/// The layer of one corpus version: examples, ordinary sentences and thresholds, and their
/// vectors once [`Semantic::embed`] has run.
#[derive(Debug)]
pub(super) struct Semantic {
    pub examples: Vec<Examples>,
    pub ordinary: Vec<String>,
    pub thresholds: BTreeMap<Tier, Thresholds>,
    vectors: Option<Vectors>,
}

#[derive(Debug)]
struct Vectors {
    /// One list per entry of `examples`, in the same order.
    categories: Vec<Vec<Vector>>,
    ordinary: Vec<Vector>,
}

/// Why a category was, or was nearly, flagged: its nearest example to the message's closest
/// clause, and the nearest ordinary sentence to that clause.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    pub category: String,
    pub tier: Tier,
    pub clause: String,
    pub example: String,
    pub similarity: f32,
    pub ordinary: String,
    pub ordinary_similarity: f32,
    pub margin: f32,
    /// The thresholds are met and no exception of the category reads the clause as harmless.
    pub flagged: bool,
    /// An exception of the category matched in the clause ("my neighbour fell off a ladder").
    pub excepted: bool,
}

impl Semantic {
    pub fn new(examples: Vec<Examples>, ordinary: Vec<String>, thresholds: BTreeMap<Tier, Thresholds>) -> Semantic {
        Semantic { examples, ordinary, thresholds, vectors: None }
    }

    /// Embeds the examples and ordinary sentences (from the vector cache where it has them).
    pub fn embed(&mut self, model: &Model, cache: Option<&Path>) -> Result<(), ModelError> {
        let mut texts: Vec<&str> = self.ordinary.iter().map(String::as_str).collect();
        for examples in &self.examples {
            texts.extend(examples.texts.iter().map(String::as_str));
        }
        let mut vectors = embed_cached(model, cache, &texts)?.into_iter();
        let ordinary = vectors.by_ref().take(self.ordinary.len()).collect();
        let categories = self.examples.iter().map(|e| vectors.by_ref().take(e.texts.len()).collect()).collect();
        self.vectors = Some(Vectors { categories, ordinary });
        Ok(())
    }

    /// Every category's best evidence over the clauses, the strongest margin first; empty
    /// until the examples are embedded or when there are no clauses. `excepted(category,
    /// clause)` says whether one of the category's exceptions reads the clause as harmless.
    pub fn evidence(&self, clauses: &[Clause], excepted: impl Fn(&str, &str) -> bool) -> Vec<Evidence> {
        let Some(vectors) = &self.vectors else { return Vec::new() };
        let nearest = |candidates: &[Vector], vector: &Vector| -> (usize, f32) {
            candidates.iter().map(|c| c.cosine(vector)).enumerate().fold((0, f32::NEG_INFINITY), |best, (i, s)| {
                if s > best.1 {
                    (i, s)
                } else {
                    best
                }
            })
        };
        let ordinary: Vec<(usize, f32)> = clauses.iter().map(|c| nearest(&vectors.ordinary, &c.vector)).collect();
        let mut evidence = Vec::new();
        for (examples, category_vectors) in self.examples.iter().zip(&vectors.categories) {
            let Some(thresholds) = self.thresholds.get(&examples.tier) else { continue };
            let best = clauses
                .iter()
                .zip(&ordinary)
                .map(|(clause, &(o, o_sim))| {
                    let (e, sim) = nearest(category_vectors, &clause.vector);
                    (clause, e, sim, o, o_sim, sim - o_sim)
                })
                .max_by(|a, b| a.5.total_cmp(&b.5));
            let Some((clause, e, similarity, o, ordinary_similarity, margin)) = best else { continue };
            let close = similarity >= thresholds.similarity && margin >= thresholds.margin;
            let excepted = close && excepted(&examples.category, &clause.text);
            evidence.push(Evidence {
                category: examples.category.clone(),
                tier: examples.tier,
                clause: clause.text.clone(),
                example: examples.texts[e].clone(),
                similarity,
                ordinary: self.ordinary.get(o).cloned().unwrap_or_default(),
                ordinary_similarity,
                margin,
                flagged: close && !excepted,
                excepted,
            });
        }
        evidence.sort_by(|a, b| b.margin.total_cmp(&a.margin));
        evidence
    }
}
