//! The answer engine: one immutable [`Engine`] per corpus version that holds the Tantivy
//! index, the passages and the analysed synonyms, and picks the single best passage for a
//! question, or none when nothing in the corpus answers it.
//!
//! It owns retrieval and the decision to abstain. It does not word replies (that is
//! `reply`), detect red flags (`triage`) or know where a question came from.

mod analysis;
mod concepts;
mod spelling;
mod vocabulary;

use std::collections::HashSet;
use std::path::Path;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, DisjunctionMaxQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, STORED};
use tantivy::{doc, DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

pub use concepts::Concept;

use crate::corpus::{Corpus, CorpusError, Passage, Problem, Section, SYNONYMS_FILE};
use analysis::Analyzer;
use concepts::SynonymTable;
use spelling::Speller;
use vocabulary::{TermId, TermSet, Vocabulary};

/// Field weights: a word in a FAQ question or a heading says more about a passage than the
/// same word in its body.
const TITLE_BOOST: f32 = 2.0;
const BODY_BOOST: f32 = 1.0;
/// Tie breaker of the per-concept disjunction: a second wording of the same idea adds little.
const TIE_BREAKER: f32 = 0.1;
/// How many of Tantivy's best hits are re-scored by coverage.
const CANDIDATES: usize = 20;
/// Words of a multi-word wording may stand this far apart.
const PHRASE_SLOP: u32 = 2;
/// A concept found only elsewhere in the passage's section counts this much.
const SECTION_CREDIT: f32 = 0.3;
/// Ranking weights on top of coverage (see `candidate`).
const TITLE_WEIGHT: f32 = 1.0;
const BM25_WEIGHT: f32 = 0.15;
/// Two of the question's ideas side by side in a passage ("piriformis stretch").
const PROXIMITY_WEIGHT: f32 = 0.5;
/// The least share of the question's weight the best passage must hold to be given as an
/// answer; calibrated on the labelled questions in `tests/data` (see `tests/retrieval.rs`).
const MIN_COVERAGE: f32 = 0.4;
/// A section's first paragraph usually introduces or defines its topic.
const LEAD_WEIGHT: f32 = 0.2;

/// Why an engine could not be built.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Corpus(#[from] CorpusError),
    #[error("{} problem(s) in the synonyms:\n{}", .0.len(), .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"))]
    Synonyms(Vec<Problem>),
    #[error("building the search index failed: {0}")]
    Index(#[from] tantivy::TantivyError),
}

impl EngineError {
    /// Every `FILE:LINE` problem behind the error, for `check` and staff reports.
    pub fn problems(&self) -> Vec<Problem> {
        match self {
            EngineError::Corpus(CorpusError::Invalid(problems)) | EngineError::Synonyms(problems) => problems.clone(),
            _ => Vec::new(),
        }
    }
}

/// The passage chosen for a question.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'e> {
    pub passage: &'e Passage,
    pub score: f32,
}

#[derive(Clone, Copy)]
struct Fields {
    body: Field,
    title: Field,
    ordinal: Field,
}

/// Everything needed to answer questions about one version of the corpus.
pub struct Engine {
    reader: IndexReader,
    /// Passage ordinal of each document, by segment and document id: read once here so a
    /// question never fetches stored documents.
    ordinals: Vec<Vec<usize>>,
    fields: Fields,
    analyzer: Analyzer,
    corpus: Corpus,
    /// The analysed terms of each passage, for coverage.
    terms: Vec<PassageTerms>,
    section_terms: Vec<TermSet>,
    vocabulary: Vocabulary,
    synonyms: SynonymTable,
    speller: Speller,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("passages", &self.corpus.passages.len()).finish_non_exhaustive()
    }
}

impl Engine {
    /// Reads, validates and indexes the corpus folder.
    pub fn load(dir: &Path) -> Result<Engine, EngineError> {
        Engine::build(Corpus::load(dir)?, &dir.join(SYNONYMS_FILE))
    }

    /// Indexes a valid corpus. `synonyms_file` names the file in synonym problems.
    pub fn build(corpus: Corpus, synonyms_file: &Path) -> Result<Engine, EngineError> {
        let analyzer = Analyzer::new();
        let analysed: Vec<(Vec<String>, Vec<String>)> =
            corpus.passages.iter().map(|p| (analyzer.terms(&title_of(p)), analyzer.terms(&p.text))).collect();
        let vocabulary =
            Vocabulary::new(analysed.iter().map(|(title, body)| title.iter().chain(body).map(String::as_str)));
        let terms: Vec<PassageTerms> = analysed
            .iter()
            .map(|(title, body)| PassageTerms {
                title: vocabulary.term_set(title.iter().map(String::as_str)),
                body: vocabulary.term_set(body.iter().map(String::as_str)),
                pairs: [title, body]
                    .iter()
                    .flat_map(|terms| terms.windows(2))
                    .filter_map(|pair| Some(pair_key(vocabulary.id(&pair[0])?, vocabulary.id(&pair[1])?)))
                    .collect(),
            })
            .collect();
        let section_texts = section_texts(&corpus.passages, &corpus.sections);
        let section_terms: Vec<TermSet> = section_texts
            .iter()
            .map(|text| vocabulary.term_set(analyzer.terms(text).iter().map(String::as_str)))
            .collect();
        let synonyms = SynonymTable::build(&corpus.synonyms, &analyzer, &vocabulary, synonyms_file)
            .map_err(EngineError::Synonyms)?;

        let indexing = TextFieldIndexing::default()
            .set_tokenizer(analysis::ANALYZER_NAME)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let text = TextOptions::default().set_indexing_options(indexing);
        let mut schema = Schema::builder();
        let fields = Fields {
            body: schema.add_text_field("body", text.clone()),
            title: schema.add_text_field("title", text),

            ordinal: schema.add_u64_field("ordinal", STORED),
        };
        let index = Index::create_in_ram(schema.build());
        index.tokenizers().register(analysis::ANALYZER_NAME, analyzer.index_analyzer());

        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000)?;
        for (ordinal, passage) in corpus.passages.iter().enumerate() {
            writer.add_document(doc!(
                fields.body => passage.text.as_str(),
                fields.title => title_of(passage),
                fields.ordinal => ordinal as u64,
            ))?;
        }
        writer.commit()?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let speller = Speller::new(&vocabulary, &synonyms);
        let ordinals = ordinals(&reader, fields.ordinal)?;
        Ok(Engine { reader, ordinals, fields, analyzer, corpus, terms, section_terms, vocabulary, synonyms, speller })
    }

    pub fn corpus(&self) -> &Corpus {
        &self.corpus
    }

    /// What the engine looks for in a question, after spelling and synonyms.
    pub fn concepts(&self, question: &str) -> Vec<Concept> {
        concepts::concepts(&self.analyzer.words(question), &self.vocabulary, &self.synonyms, &self.speller)
    }

    /// The best passage for the question, or `None` when the corpus does not answer it.
    pub fn answer(&self, question: &str) -> Option<Answer<'_>> {
        let concepts = self.concepts(question);
        let best = self.ranked(&concepts).into_iter().next()?;
        self.answers(&best).then(|| self.to_answer(&best))
    }

    /// The concepts and the best candidates with the signals behind their scores, for
    /// `ask --explain`: staff can see why a passage won or why the bot abstained.
    pub fn explain(&self, question: &str) -> Explanation<'_> {
        let concepts = self.concepts(question);
        let ranked = self.ranked(&concepts);
        let answered = ranked.first().is_some_and(|best| self.answers(best));
        let candidates = ranked
            .iter()
            .take(5)
            .map(|c| ExplainedCandidate {
                answer: self.to_answer(c),
                bm25: c.bm25,
                coverage: c.coverage,
                title_match: c.title_match,
                covered: c.covered,
                missed_known: c.missed_known,
            })
            .collect();
        Explanation { concepts, candidates, answered }
    }

    fn to_answer(&self, candidate: &Candidate) -> Answer<'_> {
        Answer { passage: &self.corpus.passages[candidate.ordinal], score: candidate.score }
    }

    /// Candidates, best first, re-scored by how much of the question they cover.
    fn ranked(&self, concepts: &[Concept]) -> Vec<Candidate> {
        if concepts.is_empty() {
            return Vec::new();
        }
        let query = self.query(concepts);
        let searcher = self.reader.searcher();
        let hits = match searcher.search(&query, &TopDocs::with_limit(CANDIDATES).order_by_score()) {
            Ok(hits) => hits,
            Err(error) => {
                tracing::warn!(%error, "search failed");
                return Vec::new();
            }
        };
        let total_weight: f32 = concepts.iter().map(|c| c.weight).sum();
        let asked: TermSet = concepts
            .iter()
            .flat_map(|c| c.alternatives.iter().filter_map(|a| a.ids.as_ref()).flatten().copied())
            .collect();
        // BM25 only breaks ties between passages that cover the question alike, so it is
        // taken relative to the best hit; it never decides whether to answer.
        let best_bm25 = hits.first().map_or(1.0, |(score, _)| score.max(f32::EPSILON));
        let mut candidates: Vec<Candidate> = hits
            .into_iter()
            .map(|(bm25, address)| {
                let ordinal = self.ordinals[address.segment_ord as usize][address.doc_id as usize];
                self.candidate(ordinal, bm25, best_bm25, concepts, total_weight, &asked)
            })
            .collect();
        candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
        candidates
    }

    fn candidate(
        &self,
        ordinal: usize,
        bm25: f32,
        best_bm25: f32,
        concepts: &[Concept],
        total_weight: f32,
        asked: &TermSet,
    ) -> Candidate {
        let passage = &self.corpus.passages[ordinal];
        let terms = &self.terms[ordinal];
        let section = &self.section_terms[passage.section_index];
        let mut coverage = 0.0;
        let mut in_passage = 0.0;
        let mut in_title = 0.0;
        let mut missed_known = 0.0;
        for concept in concepts {
            let title = concept.strength_in(&terms.title);
            let here = title.max(concept.strength_in(&terms.body));
            let nearby = SECTION_CREDIT * concept.strength_in(section);
            in_title += title * concept.weight;
            in_passage += here * concept.weight;
            coverage += here.max(nearby) * concept.weight;
            if concept.known {
                missed_known += (1.0 - here) * concept.weight;
            }
        }
        let title_precision = if terms.title.is_empty() {
            0.0
        } else {
            terms.title.iter().filter(|&id| asked.contains(id)).count() as f32 / terms.title.len() as f32
        };
        let coverage = coverage / total_weight;
        let adjacent: f32 = concepts
            .windows(2)
            .filter(|pair| pair[0].adjacent_to(&pair[1], |a, b| terms.pairs.contains(&pair_key(a, b))))
            .map(|pair| pair[0].weight.min(pair[1].weight))
            .sum();
        let title_match = in_title / total_weight * title_precision;
        // The first paragraph introduces its section's topic: it wins only when the question
        // asks about that topic, in proportion to how well the title matches.
        let lead = if passage.position == 1 { LEAD_WEIGHT * title_match } else { 0.0 };
        let proximity = adjacent / total_weight;
        let score = coverage
            + TITLE_WEIGHT * title_match
            + PROXIMITY_WEIGHT * proximity
            + BM25_WEIGHT * bm25 / best_bm25
            + lead;
        Candidate {
            ordinal,
            bm25,
            coverage: in_passage / total_weight,
            covered: in_passage,
            missed_known,
            title_match,
            score,
        }
    }

    /// Whether the best passage answers the question at all: it must hold a large enough
    /// share of what the question is about, where a word the corpus has never seen counts in
    /// full against it ("tennis elbow", "parking", "bitcoin") and common words count little.
    fn answers(&self, best: &Candidate) -> bool {
        best.bm25 > 0.0 && best.covered > 0.0 && best.coverage >= MIN_COVERAGE
    }

    fn query(&self, concepts: &[Concept]) -> Box<dyn Query> {
        let fields = [(self.fields.title, TITLE_BOOST), (self.fields.body, BODY_BOOST)];
        let clauses = concepts
            .iter()
            .map(|concept| {
                let mut wordings: Vec<Box<dyn Query>> = Vec::new();
                for alternative in &concept.alternatives {
                    for (field, field_boost) in fields {
                        let query: Box<dyn Query> = match alternative.terms.as_slice() {
                            [term] => Box::new(TermQuery::new(
                                Term::from_field_text(field, term),
                                IndexRecordOption::WithFreqs,
                            )),
                            terms => {
                                let terms = terms.iter().enumerate().map(|(i, t)| (i, Term::from_field_text(field, t)));
                                Box::new(PhraseQuery::new_with_offset_and_slop(terms.collect(), PHRASE_SLOP))
                            }
                        };
                        wordings.push(Box::new(BoostQuery::new(query, field_boost * alternative.boost)));
                    }
                }
                let weight: Box<dyn Query> = Box::new(DisjunctionMaxQuery::with_tie_breaker(wordings, TIE_BREAKER));
                (Occur::Should, weight)
            })
            .collect();
        Box::new(BooleanQuery::new(clauses))
    }
}

/// A passage Tantivy found, with the scores the final choice is made from.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    ordinal: usize,
    bm25: f32,
    /// The weighted share of the question's concepts the passage (with its title) holds.
    coverage: f32,
    /// How well the title and the question match each other.
    title_match: f32,
    /// The weight of the concepts found, and of the known ones missed.
    covered: f32,
    missed_known: f32,
    score: f32,
}

/// The analysed terms of one passage, by where they stand.
struct PassageTerms {
    /// The section heading and the paragraph's bold lead-in, or the FAQ question.
    title: TermSet,
    body: TermSet,
    /// Terms that stand next to each other (stop words aside), either way round.
    pairs: HashSet<u64>,
}

/// One key for two adjacent terms, whatever their order.
fn pair_key(a: TermId, b: TermId) -> u64 {
    let (low, high) = if a <= b { (a, b) } else { (b, a) };
    (u64::from(low) << 32) | u64::from(high)
}

/// Why the engine answered as it did.
#[derive(Debug)]
pub struct Explanation<'e> {
    pub concepts: Vec<Concept>,
    pub candidates: Vec<ExplainedCandidate<'e>>,
    pub answered: bool,
}

#[derive(Debug)]
pub struct ExplainedCandidate<'e> {
    pub answer: Answer<'e>,
    pub bm25: f32,
    pub coverage: f32,
    pub title_match: f32,
    pub covered: f32,
    pub missed_known: f32,
}

/// The passage ordinal stored in each document of the index.
fn ordinals(reader: &IndexReader, field: Field) -> tantivy::Result<Vec<Vec<usize>>> {
    let searcher = reader.searcher();
    let mut ordinals = Vec::new();
    for (segment, segment_reader) in searcher.segment_readers().iter().enumerate() {
        let mut of_segment = Vec::with_capacity(segment_reader.max_doc() as usize);
        for doc_id in 0..segment_reader.max_doc() {
            let doc: TantivyDocument = searcher.doc(DocAddress::new(segment as u32, doc_id))?;
            let ordinal = doc
                .get_first(field)
                .and_then(|v| v.as_u64())
                .ok_or_else(|| tantivy::TantivyError::InternalError(format!("document {doc_id} has no ordinal")))?;
            of_segment.push(ordinal as usize);
        }
        ordinals.push(of_segment);
    }
    Ok(ordinals)
}

/// What a passage is titled by: its heading, and its bold lead-in if it has one.
fn title_of(passage: &Passage) -> String {
    match &passage.label {
        Some(label) => format!("{}\n{label}", passage.section),
        None => passage.section.clone(),
    }
}

/// The whole text of each section, heading included, indexed beside each of its passages.
fn section_texts(passages: &[Passage], sections: &[Section]) -> Vec<String> {
    let mut texts: Vec<String> = sections.iter().map(|s| s.title.clone()).collect();
    for passage in passages {
        let text = &mut texts[passage.section_index];
        text.push('\n');
        text.push_str(&passage.text);
    }
    texts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_engine_can_be_shared_between_threads_and_swapped_whole() {
        fn shareable<T: Send + Sync + 'static>() {}
        shareable::<Engine>();
    }

    #[test]
    fn a_question_of_only_stop_words_finds_nothing() {
        let engine = Engine::load(Path::new("corpus")).unwrap();
        assert!(engine.concepts("what is it that you do, and how?").is_empty());
        assert!(engine.answer("what is it that you do, and how?").is_none());
    }

    #[test]
    fn lists_and_their_lead_sentence_are_one_passage() {
        let engine = Engine::load(Path::new("corpus")).unwrap();
        let answer = engine.answer("What are the symptoms of sciatica?").unwrap();
        assert!(answer.passage.text.starts_with("People with sciatica often feel:\n- Sharp or shooting pain"));
        assert_eq!(answer.passage.label.as_deref(), Some("People with sciatica often feel"));
    }
}
