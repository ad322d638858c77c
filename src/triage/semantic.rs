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
/// clause (the closest one no exception reads as harmless, when one meets the thresholds), and
/// the nearest ordinary sentence to that clause.
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
    /// The thresholds are met, but an exception of the category reads every clause that meets
    /// them as harmless ("my neighbour fell off a ladder"); the strongest is shown.
    pub excepted: bool,
}

/// A clause's nearest example of one category, and by how much it is nearer to it than to
/// the nearest ordinary sentence.
struct NearestExample {
    clause: usize,
    example: usize,
    similarity: f32,
    margin: f32,
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
    /// clause)` says whether one of the category's exceptions reads the clause as harmless;
    /// a category's evidence is its strongest close clause not so read, else its strongest.
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
            let mut nearest_examples: Vec<NearestExample> = clauses
                .iter()
                .enumerate()
                .map(|(clause, text)| {
                    let (example, similarity) = nearest(category_vectors, &text.vector);
                    NearestExample { clause, example, similarity, margin: similarity - ordinary[clause].1 }
                })
                .collect();
            nearest_examples.sort_by(|a, b| b.margin.total_cmp(&a.margin));
            let close = |n: &NearestExample| n.similarity >= thresholds.similarity && n.margin >= thresholds.margin;
            // The strongest close clause the category's exceptions leave standing: an exception
            // read in one clause ("my neighbour fell off a ladder") never silences another.
            let standing = nearest_examples
                .iter()
                .filter(|n| close(n))
                .find(|n| !excepted(&examples.category, &clauses[n.clause].text));
            let (chosen, flagged) = match (standing, nearest_examples.first()) {
                (Some(standing), _) => (standing, true),
                (None, Some(strongest)) => (strongest, false),
                (None, None) => continue,
            };
            let (ordinary_index, ordinary_similarity) = ordinary[chosen.clause];
            evidence.push(Evidence {
                category: examples.category.clone(),
                tier: examples.tier,
                clause: clauses[chosen.clause].text.clone(),
                example: examples.texts[chosen.example].clone(),
                similarity: chosen.similarity,
                ordinary: self.ordinary.get(ordinary_index).cloned().unwrap_or_default(),
                ordinary_similarity,
                margin: chosen.margin,
                flagged,
                // Close, yet every close clause read as harmless.
                excepted: !flagged && close(chosen),
            });
        }
        evidence.sort_by(|a, b| b.margin.total_cmp(&a.margin));
        evidence
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A unit vector in the plane of the first two axes, at `degrees` from the first.
    fn at(degrees: f32) -> Vector {
        let mut values = [0.0; crate::embed::DIMENSIONS];
        (values[1], values[0]) = degrees.to_radians().sin_cos();
        Vector::from_slice(&values)
    }

    fn clause(text: &str, degrees: f32) -> Clause {
        Clause { text: text.to_owned(), vector: at(degrees) }
    }

    /// One emergency category whose example lies along the first axis, ordinary sentences
    /// along the second.
    fn layer() -> Semantic {
        let examples =
            vec![Examples { category: "trauma".into(), tier: Tier::Emergency, texts: vec!["I fell".into()] }];
        let thresholds = BTreeMap::from([(Tier::Emergency, Thresholds { similarity: 0.5, margin: 0.1 })]);
        let mut layer = Semantic::new(examples, vec!["my back aches".into()], thresholds);
        layer.vectors = Some(Vectors { categories: vec![vec![at(0.0)]], ordinary: vec![at(90.0)] });
        layer
    }

    #[test]
    fn an_exception_in_one_clause_leaves_a_close_clause_beside_it_standing() {
        let clauses = [clause("my neighbour fell off a ladder", 0.0), clause("then I fell down the stairs", 30.0)];
        let neighbour = |_: &str, text: &str| text.contains("neighbour");
        let evidence = layer().evidence(&clauses, neighbour);
        assert_eq!(evidence.len(), 1);
        assert!(evidence[0].flagged && !evidence[0].excepted);
        assert_eq!(evidence[0].clause, "then I fell down the stairs");

        // With every close clause read as harmless, the strongest is shown, excepted.
        let evidence = layer().evidence(&clauses, |_, _| true);
        assert!(!evidence[0].flagged && evidence[0].excepted);
        assert_eq!(evidence[0].clause, "my neighbour fell off a ladder");

        // A clause too far from the examples is neither flagged nor excepted.
        let evidence = layer().evidence(&[clause("the weather is nice", 80.0)], |_, _| true);
        assert!(!evidence[0].flagged && !evidence[0].excepted);
    }
}
