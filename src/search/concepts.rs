//! From a question's words to what to look for: spelling fixed, lay phrases expanded with
//! the synonym list, stop words dropped, and each remaining idea weighted by how rare it is
//! in the corpus.
//!
//! The result is a list of [`Concept`]s; building the Tantivy query and scoring passages
//! from them is the engine's job, not this module's.

use std::collections::{HashMap, HashSet};

use crate::corpus::{Problem, Synonyms};
use crate::embed::EnglishWords;
use crate::search::analysis::{Analyzer, Word};
use crate::search::spelling::Speller;
use crate::search::vocabulary::{TermId, TermSet, Vocabulary};

/// How much a synonym counts against the word the person actually used.
const SYNONYM_BOOST: f32 = 0.9;
/// How much the content words of a lay phrase count without its small words.
const PARTIAL_PHRASE_BOOST: f32 = 0.5;
/// How much a spelling correction counts.
const CORRECTION_BOOST: f32 = 0.85;
/// How much another form of the same word counts ("reduce" for "reduction").
const RELATED_FORM_BOOST: f32 = 0.8;
/// How much an everyday English word the corpus never uses (or any number) weighs against an
/// answer, relative to an unknown rare word.
const ORDINARY_UNKNOWN_WORD: f32 = 0.25;
/// How much an idea said in the story around a question counts ("I moved house last week.
/// Is heat or ice better?"): it colours the question, it is not what is asked.
const ASIDE_WEIGHT: f32 = 0.25;
/// A question longer than this many words is read only this far: it is not a question.
pub const MAX_WORDS: usize = 256;

/// One way to say an idea: the terms that must all occur (in order, for a phrase).
#[derive(Debug, Clone, PartialEq)]
pub struct Alternative {
    pub terms: Vec<String>,
    /// The terms' vocabulary ids; `None` when the corpus lacks one of them.
    pub ids: Option<Vec<TermId>>,
    pub boost: f32,
}

impl Alternative {
    fn new(terms: Vec<String>, boost: f32, vocabulary: &Vocabulary) -> Alternative {
        let ids = terms.iter().map(|t| vocabulary.id(t)).collect();
        Alternative { terms, ids, boost }
    }
}

/// One idea of the question and the ways the corpus may word it.
#[derive(Debug, Clone, PartialEq)]
pub struct Concept {
    /// What the person wrote, folded, for diagnostics.
    pub said: String,
    pub alternatives: Vec<Alternative>,
    /// How much finding this idea matters: the inverse document frequency of its best known
    /// wording, or of an unseen word when the corpus has no wording for it.
    pub weight: f32,
    /// Whether the corpus holds any of its wordings at all.
    pub known: bool,
}

impl Concept {
    /// How well a passage holding these terms expresses the idea: the boost of the best
    /// wording it holds (1 for the person's own words), or 0.
    pub fn strength_in(&self, terms: &TermSet) -> f32 {
        self.alternatives
            .iter()
            .filter(|alt| alt.ids.as_ref().is_some_and(|ids| ids.iter().all(|&id| terms.contains(id))))
            .map(|alt| alt.boost)
            .fold(0.0, f32::max)
    }
}

impl Concept {
    /// Whether some one-word wording of this idea and of `next` satisfy `adjacent`.
    pub fn adjacent_to(&self, next: &Concept, adjacent: impl Fn(TermId, TermId) -> bool) -> bool {
        let single = |c: &Concept| -> Vec<TermId> {
            c.alternatives
                .iter()
                .filter_map(|a| match a.ids.as_deref() {
                    Some([id]) => Some(*id),
                    _ => None,
                })
                .collect()
        };
        let theirs = single(next);
        single(self).into_iter().any(|a| theirs.iter().any(|&b| adjacent(a, b)))
    }
}

/// A lay phrase, as stems, and the corpus wordings it stands for.
#[derive(Debug, Clone)]
struct SynonymRule {
    key: Vec<String>,
    meanings: Vec<Vec<String>>,
}

/// The synonym list, analysed once per engine.
#[derive(Debug, Clone, Default)]
pub struct SynonymTable {
    /// Longest keys first, so "slipped disc" wins over "disc".
    rules: Vec<SynonymRule>,
    /// Stems that appear in some key, so they count as known words for spelling.
    key_stems: HashSet<String>,
}

impl SynonymTable {
    /// Stems that appear in some key: they count as known words for spelling.
    pub(super) fn key_stems(&self) -> impl Iterator<Item = &String> {
        self.key_stems.iter()
    }

    /// Analyses the staff's list; a rule whose words vanish in analysis, or whose meaning
    /// the corpus never uses, is a problem to fix, not something to ignore silently.
    pub fn build(
        synonyms: &Synonyms,
        analyzer: &Analyzer,
        vocabulary: &Vocabulary,
        file: &std::path::Path,
    ) -> Result<SynonymTable, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut rules = Vec::new();
        for entry in &synonyms.entries {
            let key: Vec<String> = analyzer.words(&entry.phrase).into_iter().map(|w| w.stem).collect();
            if key.is_empty() {
                problems.push(Problem::new(file, entry.line, format!("\"{}\" has no words", entry.phrase)));
                continue;
            }
            let mut meanings = Vec::new();
            for meaning in &entry.means {
                let terms = analyzer.terms(meaning);
                if terms.is_empty() {
                    problems.push(Problem::new(
                        file,
                        entry.line,
                        format!("\"{meaning}\" is only common words, which the search ignores"),
                    ));
                } else if let Some(missing) = terms.iter().find(|t| !vocabulary.contains(t)) {
                    problems.push(Problem::new(
                        file,
                        entry.line,
                        format!(
                            "\"{meaning}\" never occurs in the corpus (no word like \"{missing}\"), so it cannot help"
                        ),
                    ));
                } else {
                    meanings.push(terms);
                }
            }
            rules.push(SynonymRule { key, meanings });
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        rules.sort_by_key(|rule| std::cmp::Reverse(rule.key.len()));
        let key_stems = rules.iter().flat_map(|rule| rule.key.iter().cloned()).collect();
        Ok(SynonymTable { rules, key_stems })
    }

    /// The longest rule whose key starts the question here, and how many of the question's
    /// words it spans. Small words between the key's words are passed over, so "slipped a
    /// disc" matches "slipped disc".
    fn longest_match(&self, stems: &[String], words: &[Word]) -> Option<(&SynonymRule, usize)> {
        self.rules.iter().find_map(|rule| {
            let mut used = 0;
            for (k, key) in rule.key.iter().enumerate() {
                while k > 0 && used < stems.len() && stems[used] != *key && words[used].is_stop_word() {
                    used += 1;
                }
                if stems.get(used) != Some(key) {
                    return None;
                }
                used += 1;
            }
            Some((rule, used))
        })
    }
}

/// What the engine knows of words: the corpus's vocabulary, the staff's synonyms, the
/// spelling corrector, which words are ordinary English, and how the corpus spells each stem.
pub struct Lexicon {
    pub vocabulary: Vocabulary,
    pub synonyms: SynonymTable,
    pub speller: Speller,
    pub english: EnglishWords,
    /// A word of the corpus for each stem ("massag" -> "massage"), to write a corrected
    /// question out again for the embedding model.
    spellings: HashMap<String, String>,
}

impl Lexicon {
    /// `texts` are the corpus's texts, from which each stem's most common spelling is taken.
    pub fn new<'t>(
        vocabulary: Vocabulary,
        synonyms: SynonymTable,
        english: EnglishWords,
        analyzer: &Analyzer,
        texts: impl IntoIterator<Item = &'t str>,
    ) -> Lexicon {
        let speller = Speller::new(&vocabulary, &synonyms);
        let mut counts: HashMap<String, HashMap<String, usize>> = HashMap::new();
        for text in texts {
            for word in analyzer.words(text).into_iter().filter(|w| !w.is_stop_word()) {
                *counts.entry(word.stem).or_default().entry(word.folded).or_default() += 1;
            }
        }
        let spellings = counts
            .into_iter()
            .filter_map(|(stem, words)| {
                let best = words.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))?;
                Some((stem, best.0))
            })
            .collect();
        Lexicon { vocabulary, synonyms, speller, english, spellings }
    }

    /// Each word's stem, misspellings fixed against the corpus, and whether it was fixed. A
    /// word the corpus, the synonyms or ordinary English know is what the person meant.
    fn spelled(&self, words: &[Word]) -> Vec<(String, bool)> {
        words
            .iter()
            .map(|word| {
                let known = word.is_stop_word()
                    || self.vocabulary.contains(&word.stem)
                    || self.synonyms.key_stems.contains(&word.stem)
                    || self.english.rank(&word.folded).is_some();
                match (known, self.speller.correct(&word.stem).filter(|_| !known)) {
                    (false, Some(fixed)) => (fixed, true),
                    _ => (word.stem.clone(), false),
                }
            })
            .collect()
    }

    /// The question written out again with its misspelled words corrected ("whats the best
    /// masage" -> "whats the best massage"), or `None` when nothing was misspelled. The model
    /// reads a misspelled word as meaningless pieces, so it is given the corrected text.
    pub fn respelled(&self, words: &[Word]) -> Option<String> {
        let words = &words[..words.len().min(MAX_WORDS)];
        let spelled = self.spelled(words);
        if !spelled.iter().any(|(_, fixed)| *fixed) {
            return None;
        }
        let respelled: Vec<&str> = words
            .iter()
            .zip(&spelled)
            .map(|(word, (stem, fixed))| match fixed {
                true => self.spellings.get(stem).map_or(stem.as_str(), String::as_str),
                false => word.folded.as_str(),
            })
            .collect();
        Some(respelled.join(" "))
    }

    /// The question's words turned into concepts to search for.
    pub fn concepts(&self, words: &[Word]) -> Vec<Concept> {
        let Lexicon { vocabulary, synonyms, english, .. } = self;
        let words = &words[..words.len().min(MAX_WORDS)];
        let corrected = self.spelled(words);
        let stems: Vec<String> = corrected.iter().map(|(stem, _)| stem.clone()).collect();

        let mut concepts: Vec<Concept> = Vec::new();
        let mut i = 0;
        while i < words.len() {
            let said_of = |n: usize| words[i..i + n].iter().map(|w| w.folded.as_str()).collect::<Vec<_>>().join(" ");
            let (concept, used) = if let Some((rule, n)) = synonyms.longest_match(&stems[i..], &words[i..]) {
                let mut alternatives = Vec::new();
                let own: Vec<String> = stems[i..i + n]
                    .iter()
                    .zip(&words[i..i + n])
                    .filter(|(_, w)| !w.is_stop_word())
                    .map(|(s, _)| s.clone())
                    .collect();
                if !own.is_empty() {
                    // "long" alone is not "how long": a phrase cut down to its content words counts less.
                    let boost = if own.len() < rule.key.len() { PARTIAL_PHRASE_BOOST } else { 1.0 };
                    alternatives.push(Alternative::new(own, boost, vocabulary));
                }
                alternatives
                    .extend(rule.meanings.iter().map(|m| Alternative::new(m.clone(), SYNONYM_BOOST, vocabulary)));
                let aside = words[i..i + n].iter().all(|w| w.aside);
                (Some(concept(said_of(n), alternatives, vocabulary, false, aside)), n)
            } else if words[i].is_stop_word() || is_stray_letter(&words[i]) {
                (None, 1)
            } else {
                let boost = if corrected[i].1 { CORRECTION_BOOST } else { 1.0 };
                let mut alternatives = vec![Alternative::new(vec![stems[i].clone()], boost, vocabulary)];
                alternatives.extend(
                    vocabulary
                        .related_forms(&stems[i])
                        .map(|form| Alternative::new(vec![form.to_owned()], boost * RELATED_FORM_BOOST, vocabulary)),
                );
                let ordinary = english.rank(&words[i].folded).is_some();
                (Some(concept(said_of(1), alternatives, vocabulary, ordinary, words[i].aside)), 1)
            };
            if let Some(concept) = concept {
                if !concepts.iter().any(|c| c.alternatives == concept.alternatives) {
                    concepts.push(concept);
                }
            }
            i += used;
        }
        concepts
    }
}

/// A single letter other than a digit ("x", "u") is noise, not a topic.
fn is_stray_letter(word: &Word) -> bool {
    let mut chars = word.folded.chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if !c.is_ascii_digit())
}

/// A concept weighs what its wordings together weigh: the more passages hold any of them,
/// the less finding one says. A phrase is counted by its rarest word. `ordinary`: the word
/// is everyday English, so its absence from the corpus says less than the absence of a rare
/// term ("normal", "car" against "spondylolisthesis"). `aside`: it was said in the story
/// around the question, not in the question.
fn concept(
    said: String,
    mut alternatives: Vec<Alternative>,
    vocabulary: &Vocabulary,
    ordinary: bool,
    aside: bool,
) -> Concept {
    let mut seen = HashSet::new();
    alternatives.retain(|alt| seen.insert(alt.terms.clone()));
    let doc_freq: u32 =
        alternatives.iter().map(|alt| alt.terms.iter().map(|t| vocabulary.doc_freq(t)).min().unwrap_or(0)).sum();
    let known = doc_freq > 0;
    // A number ("31 weeks", the "1" of a mention's "<@1>") says how much or how long, rarely
    // what the question is about, even when the corpus happens to use it ("1. Deep Tissue").
    let number = said.bytes().all(|b| b.is_ascii_digit());
    let scale = if (!known && ordinary) || number { ORDINARY_UNKNOWN_WORD } else { 1.0 };
    let scale = if aside { scale * ASIDE_WEIGHT } else { scale };
    Concept { said, alternatives, weight: vocabulary.idf(doc_freq) * scale, known }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::SynonymEntry;

    fn fixture() -> (Analyzer, Lexicon) {
        let analyzer = Analyzer::new();
        let docs: Vec<Vec<String>> = [
            "The piriformis muscle in the buttock and sciatica",
            "Massage guns help sciatica. Herniated discs cause it",
            "Sciatica pain and massage sessions",
            "The sciatic nerve",
            "Severe pain",
        ]
        .iter()
        .map(|t| analyzer.terms(t))
        .collect();
        let vocabulary = Vocabulary::new(docs.iter().map(|d| d.iter().map(String::as_str)));
        let synonyms = Synonyms {
            entries: vec![
                SynonymEntry { phrase: "bum".into(), means: vec!["buttock".into()], line: 1 },
                SynonymEntry { phrase: "slipped disc".into(), means: vec!["herniated disc".into()], line: 2 },
                SynonymEntry { phrase: "theragun".into(), means: vec!["massage gun".into()], line: 3 },
            ],
        };
        let table = SynonymTable::build(&synonyms, &analyzer, &vocabulary, std::path::Path::new("s.toml")).unwrap();
        let english = ["insurance", "server", "normal"].iter().enumerate().map(|(i, w)| (w.to_string(), i as u32));
        let texts = ["Massage helps", "a massage gun"];
        (analyzer, Lexicon::new(vocabulary, table, english.collect(), &Analyzer::new(), texts))
    }

    fn said(question: &str) -> Vec<(String, Vec<Vec<String>>)> {
        let (analyzer, lexicon) = fixture();
        lexicon
            .concepts(&analyzer.words(question))
            .into_iter()
            .map(|c| (c.said, c.alternatives.into_iter().map(|a| a.terms).collect()))
            .collect()
    }

    fn terms(list: &[&[&str]]) -> Vec<Vec<String>> {
        list.iter().map(|alt| alt.iter().map(|t| t.to_string()).collect()).collect()
    }

    #[test]
    fn a_misspelled_question_is_written_out_with_the_corpus_spelling() {
        let (analyzer, lexicon) = fixture();
        assert_eq!(lexicon.respelled(&analyzer.words("is a masage gun OK?")).as_deref(), Some("is a massage gun ok"));
        assert_eq!(lexicon.respelled(&analyzer.words("is a massage gun ok")), None, "nothing to fix, nothing changed");
    }

    #[test]
    fn multi_word_lay_phrases_expand() {
        assert_eq!(
            said("I slipped a disc"),
            vec![("slipped a disc".to_owned(), terms(&[&["slip", "disc"], &["herniat", "disc"]]))]
        );
    }

    #[test]
    fn misspellings_are_fixed_against_the_vocabulary_but_short_words_are_not() {
        let concepts = said("sciatca masage leg");
        assert_eq!(concepts[0].1[0], vec!["sciatica".to_owned()]);
        assert_eq!(concepts[1].1, terms(&[&["massag"]]));
        assert_eq!(concepts[2].1, terms(&[&["leg"]]));
    }

    #[test]
    fn a_misspelled_lay_word_still_reaches_its_synonym() {
        assert_eq!(said("theragn")[0].1, terms(&[&["theragun"], &["massag", "gun"]]));
    }

    #[test]
    fn unknown_words_weigh_most_and_common_words_least() {
        let (analyzer, lexicon) = fixture();
        let concepts = lexicon.concepts(&analyzer.words("sciatica piriformis pancakes"));
        assert_eq!(concepts.len(), 3);
        assert!(concepts[0].weight < concepts[1].weight);
        assert!(concepts[1].weight < concepts[2].weight);
        assert!(!concepts[2].known && concepts[1].known);
    }

    #[test]
    fn real_english_words_are_not_typos_and_weigh_less_than_rare_unknown_words() {
        assert_eq!(said("server")[0].1, terms(&[&["server"]]), "not corrected to \"severe\"");
        let (analyzer, lexicon) = fixture();
        let concepts = lexicon.concepts(&analyzer.words("normal spondylolisthesis"));
        assert!(!concepts[0].known && !concepts[1].known);
        assert!(concepts[0].weight < concepts[1].weight);
    }

    #[test]
    fn other_forms_of_a_long_stem_count_but_short_stems_stay_exact() {
        assert_eq!(said("sciatic")[0].1, terms(&[&["sciatic"], &["sciatica"]]));
        assert_eq!(said("herniation")[0].1, terms(&[&["herniat"]]));
        assert_eq!(said("gun")[0].1, terms(&[&["gun"]]));
    }

    #[test]
    fn synonyms_that_point_nowhere_are_reported() {
        let (analyzer, lexicon) = fixture();
        let vocabulary = &lexicon.vocabulary;
        let synonyms =
            Synonyms { entries: vec![SynonymEntry { phrase: "ice".into(), means: vec!["cold pack".into()], line: 4 }] };
        let problems =
            SynonymTable::build(&synonyms, &analyzer, vocabulary, std::path::Path::new("s.toml")).unwrap_err();
        assert_eq!(problems[0].line, 4);
        assert!(problems[0].message.contains("never occurs"), "{}", problems[0]);
    }
}
