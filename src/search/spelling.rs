//! Spelling correction of a question's words against the words the corpus and the synonym
//! list know. A word that is real English (the model's vocabulary lists it) is never
//! "corrected": "insurance" is not a typo of "ensure", nor "server" of "sever".

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::sync::LazyLock;

use levenshtein_automata::{Distance, LevenshteinAutomatonBuilder, DFA, SINK_STATE};
use tantivy_fst::{Automaton, IntoStreamer, Map, Streamer};

use super::concepts::SynonymTable;
use super::vocabulary::Vocabulary;

/// Words shorter than this (in characters) are never spell-corrected: "leg", "pee", "hip"
/// are too close to too many other words.
const MIN_FUZZY_CHARS: usize = 5;
/// Words of this length or more may be two edits away from the word meant.
const TWO_EDIT_CHARS: usize = 8;

/// Spelling correction against the words the corpus and the synonym list know, through a
/// Levenshtein automaton over a finite-state map of them (term -> document frequency), so a
/// look-up visits only the words within reach, however large the vocabulary.
pub struct Speller {
    words: Map<Vec<u8>>,
}

static ONE_EDIT: LazyLock<LevenshteinAutomatonBuilder> = LazyLock::new(|| LevenshteinAutomatonBuilder::new(1, true));
static TWO_EDITS: LazyLock<LevenshteinAutomatonBuilder> = LazyLock::new(|| LevenshteinAutomatonBuilder::new(2, true));

impl Speller {
    pub fn new(vocabulary: &Vocabulary, synonyms: &SynonymTable) -> Speller {
        let mut words: BTreeMap<&str, u64> = vocabulary.terms().map(|(t, df)| (t, u64::from(df))).collect();
        for stem in synonyms.key_stems() {
            words.entry(stem.as_str()).or_insert(1);
        }
        let words = Map::from_iter(words).expect("keys come sorted and unique from a BTreeMap");
        Speller { words }
    }

    /// The closest known word, the most frequent among equally close ones.
    pub(super) fn correct(&self, stem: &str) -> Option<String> {
        let length = stem.chars().count();
        if length < MIN_FUZZY_CHARS || stem.chars().any(|c| c.is_ascii_digit()) {
            return None;
        }
        let builder = if length >= TWO_EDIT_CHARS { &*TWO_EDITS } else { &*ONE_EDIT };
        let dfa = builder.build_dfa(stem);
        let mut stream = self.words.search(Within(&dfa)).into_stream();
        let mut best: Option<(u8, Reverse<u64>, Vec<u8>)> = None;
        while let Some((term, doc_freq)) = stream.next() {
            if let Distance::Exact(edits) = dfa.eval(term) {
                let candidate = (edits, Reverse(doc_freq), term.to_vec());
                if best.as_ref().is_none_or(|b| candidate < *b) {
                    best = Some(candidate);
                }
            }
        }
        best.and_then(|(_, _, term)| String::from_utf8(term).ok())
    }
}

/// A Levenshtein DFA as an automaton the finite-state map can be searched with.
struct Within<'a>(&'a DFA);

impl Automaton for Within<'_> {
    type State = u32;

    fn start(&self) -> u32 {
        self.0.initial_state()
    }

    fn is_match(&self, state: &u32) -> bool {
        matches!(self.0.distance(*state), Distance::Exact(_))
    }

    fn can_match(&self, state: &u32) -> bool {
        *state != SINK_STATE
    }

    fn accept(&self, state: &u32, byte: u8) -> u32 {
        self.0.transition(*state, byte)
    }
}
