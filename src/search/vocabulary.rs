//! The corpus's terms, numbered, with how many passages hold each: the idf that weighs a
//! question's ideas, and the sets of terms each passage holds.
//!
//! This module only counts; what to look for in a question is `concepts`, and how to spell
//! it is `spelling`.

use std::collections::{BTreeSet, HashMap};
use std::ops::Bound;

/// Stems at least this long may match longer or shorter forms that share them as a prefix:
/// the stemmer leaves "reduc"/"reduct" and "sciatic"/"sciatica" apart.
const MIN_PREFIX_CHARS: usize = 5;
/// ... and only when the forms differ by at most this many characters.
const MAX_PREFIX_EXTRA: usize = 3;

/// A term's number in the vocabulary.
pub type TermId = u32;

/// A set of analysed terms as sorted vocabulary ids: tested many times per question, so it is
/// a binary search over a few dozen integers rather than string hashing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TermSet(Vec<TermId>);

impl TermSet {
    pub fn contains(&self, id: TermId) -> bool {
        self.0.binary_search(&id).is_ok()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = TermId> + '_ {
        self.0.iter().copied()
    }
}

impl FromIterator<TermId> for TermSet {
    fn from_iter<I: IntoIterator<Item = TermId>>(ids: I) -> TermSet {
        let mut ids: Vec<TermId> = ids.into_iter().collect();
        ids.sort_unstable();
        ids.dedup();
        TermSet(ids)
    }
}

/// The corpus's terms, numbered, with their document frequencies and the idf derived from them.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    ids: HashMap<String, TermId>,
    /// Document frequency by term id.
    doc_freq: Vec<u32>,
    /// The terms in order, to find the longer forms of a stem.
    sorted: BTreeSet<String>,
    docs: u32,
}

impl Vocabulary {
    /// Numbers every term of the documents (each document a list of analysed terms).
    pub fn new<'a, D, T>(documents: D) -> Vocabulary
    where
        D: IntoIterator<Item = T>,
        T: IntoIterator<Item = &'a str>,
    {
        let mut vocabulary = Vocabulary::default();
        for terms in documents {
            vocabulary.docs += 1;
            let ids: TermSet = terms.into_iter().map(|term| vocabulary.intern(term)).collect();
            for id in ids.iter() {
                vocabulary.doc_freq[id as usize] += 1;
            }
        }
        vocabulary.sorted = vocabulary.ids.keys().cloned().collect();
        vocabulary
    }

    fn intern(&mut self, term: &str) -> TermId {
        if let Some(&id) = self.ids.get(term) {
            return id;
        }
        let id = self.doc_freq.len() as TermId;
        self.ids.insert(term.to_owned(), id);
        self.doc_freq.push(0);
        id
    }

    pub fn id(&self, term: &str) -> Option<TermId> {
        self.ids.get(term).copied()
    }

    /// The known terms of a text's analysis, as a set.
    pub fn term_set<'a>(&self, terms: impl IntoIterator<Item = &'a str>) -> TermSet {
        terms.into_iter().filter_map(|t| self.id(t)).collect()
    }

    pub fn doc_freq(&self, term: &str) -> u32 {
        self.id(term).map_or(0, |id| self.doc_freq[id as usize])
    }

    pub fn contains(&self, term: &str) -> bool {
        self.ids.contains_key(term)
    }

    /// BM25's idf of a document frequency; a term the corpus lacks gets the largest value.
    pub fn idf(&self, doc_freq: u32) -> f32 {
        let n = self.docs as f32;
        let df = doc_freq.min(self.docs) as f32;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// Other forms of a stem the corpus holds: longer ones that start with it, and shorter
    /// ones it starts with, within a few characters.
    pub(super) fn related_forms<'v>(&'v self, stem: &'v str) -> impl Iterator<Item = &'v str> + 'v {
        let length = stem.len();
        let long_enough = length >= MIN_PREFIX_CHARS && stem.is_ascii();
        let longer = self
            .sorted
            .range::<str, _>((Bound::Excluded(stem), Bound::Unbounded))
            .take_while(move |t| long_enough && t.starts_with(stem))
            .filter(move |t| t.len() - length <= MAX_PREFIX_EXTRA)
            .map(String::as_str);
        let shorter = (MIN_PREFIX_CHARS.max(length.saturating_sub(MAX_PREFIX_EXTRA))..length)
            .filter(move |_| long_enough)
            .map(move |end| &stem[..end])
            .filter(|prefix| self.contains(prefix));
        longer.chain(shorter)
    }

    pub(super) fn terms(&self) -> impl Iterator<Item = (&str, u32)> + '_ {
        self.ids.iter().map(|(t, &id)| (t.as_str(), self.doc_freq[id as usize]))
    }
}
