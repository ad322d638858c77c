//! The answer engine: one immutable [`Engine`] per corpus version that holds the Tantivy
//! index, the passages with their vectors, the analysed synonyms and the not-covered topics,
//! and picks the single best passage for a question, says which uncovered topic it is about,
//! or finds nothing.
//!
//! Retrieval is hybrid: Tantivy's best hits by BM25 over the question's ideas, plus the
//! passages the embedding model finds closest, all scored by one [`Policy`] over lexical and
//! semantic [`Signals`]. It owns retrieval and the decision to abstain. It does not word
//! replies (that is `reply`), detect red flags (`triage`) or know where a question came from.

mod analysis;
mod concepts;
mod dense;
mod ranking;
mod scope;
mod spelling;
mod vocabulary;

use std::borrow::Cow;
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, DisjunctionMaxQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, STORED};
use tantivy::{doc, DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

pub use concepts::Concept;
pub use ranking::{Contribution, Gates, Policy, Signals, Verdict, Weights};
pub use scope::NotCovered;

use crate::corpus::{Corpus, CorpusError, Passage, Problem, NOT_COVERED_FILE, SYNONYMS_FILE};
use crate::embed::{Model, ModelError, Vector};
use analysis::Analyzer;
use concepts::{Lexicon, SynonymTable};
use dense::{Closeness, PassageVectors};
use scope::{Prepared, Scope, TopicHit};
use vocabulary::{TermId, TermSet, Vocabulary};

/// Field weights: a word in a FAQ question or a heading says more about a passage than the
/// same word in its body.
const TITLE_BOOST: f32 = 2.0;
const BODY_BOOST: f32 = 1.0;
const ASKED_BOOST: f32 = 1.0;
/// Tie breaker of the per-concept disjunction: a second wording of the same idea adds little.
const TIE_BREAKER: f32 = 0.1;
/// How many of Tantivy's best hits are candidates.
const LEXICAL_CANDIDATES: usize = 20;
/// How many of the passages closest in meaning are candidates too, whatever their words.
const DENSE_CANDIDATES: usize = 5;
/// Words of a multi-word wording may stand this far apart.
const PHRASE_SLOP: u32 = 2;
/// A concept found only elsewhere in the passage's section counts this much.
const SECTION_CREDIT: f32 = 0.3;

/// Why an engine could not be built.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Corpus(#[from] CorpusError),
    #[error("{} problem(s):\n{}", .0.len(), .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Problem>),
    #[error("building the search index failed: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error(transparent)]
    Model(#[from] ModelError),
}

impl EngineError {
    /// Every `FILE:LINE` problem behind the error, for `check` and staff reports.
    pub fn problems(&self) -> Vec<Problem> {
        match self {
            EngineError::Corpus(CorpusError::Invalid(problems)) | EngineError::Invalid(problems) => problems.clone(),
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

/// What the engine concluded about a question.
#[derive(Debug, Clone, Copy)]
pub enum Outcome<'e> {
    /// This passage answers it.
    Answer(Answer<'e>),
    /// It is about a topic the content does not cover; the redirect says who does.
    NotCovered(NotCovered<'e>),
    /// Nothing in the content answers it.
    NoAnswer,
}

impl<'e> Outcome<'e> {
    pub fn answer(&self) -> Option<&Answer<'e>> {
        match self {
            Outcome::Answer(answer) => Some(answer),
            _ => None,
        }
    }
}

#[derive(Clone, Copy)]
struct Fields {
    body: Field,
    title: Field,
    asked: Field,
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
    lexicon: Lexicon,
    /// Each passage with its title as not-covered topic cues are matched against it.
    prepared: Vec<Prepared>,
    vectors: PassageVectors,
    scope: Scope,
    model: Arc<Model>,
    policy: Policy,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("passages", &self.corpus.passages.len()).finish_non_exhaustive()
    }
}

/// A question read once: its words and its vector.
struct Reading<'q> {
    concepts: Vec<Concept>,
    prepared: Prepared,
    vector: &'q Vector,
}

/// Everything the engine worked out for one question: `answer` and `explain` both read it,
/// so they cannot disagree.
struct Evaluation {
    concepts: Vec<Concept>,
    /// Best first.
    candidates: Vec<Candidate>,
    verdict: Option<Verdict>,
    topic_hits: Vec<TopicHit>,
}

impl Engine {
    /// Reads, validates and indexes the corpus folder, embedding its passages with `model`
    /// (through the vector cache file, when there is one).
    pub fn load(dir: &Path, model: Arc<Model>, cache: Option<&Path>) -> Result<Engine, EngineError> {
        Engine::build(Corpus::load(dir)?, dir, model, cache)
    }

    /// Checks what a corpus's words decide without building anything from them (no index,
    /// no vectors): the synonyms' meanings must be in the content and the not-covered cues
    /// must be words. With `Corpus::load`, that is every content problem a build would find,
    /// at a fraction of its cost: how a FAQ edit is validated before it is written.
    pub fn validate(corpus: &Corpus, dir: &Path) -> Result<(), EngineError> {
        let analyzer = Analyzer::new();
        let words = CorpusWords::analyse(corpus, &analyzer);
        Lexical::compile(corpus, &analyzer, &words.vocabulary, dir).map(drop)
    }

    /// Indexes a valid corpus read from `dir` (which names the files in problems).
    pub fn build(corpus: Corpus, dir: &Path, model: Arc<Model>, cache: Option<&Path>) -> Result<Engine, EngineError> {
        let analyzer = Analyzer::new();
        let CorpusWords { analysed, asked, vocabulary } = CorpusWords::analyse(&corpus, &analyzer);
        let terms: Vec<PassageTerms> = analysed
            .iter()
            .zip(&asked)
            .map(|((title, body), asked)| PassageTerms {
                title: vocabulary.term_set(title.iter().map(String::as_str)),
                body: vocabulary.term_set(body.iter().map(String::as_str)),
                asked: vocabulary.term_set(asked.iter().map(String::as_str)),
                pairs: [title, body]
                    .iter()
                    .flat_map(|terms| terms.windows(2))
                    .filter_map(|pair| Some(pair_key(vocabulary.id(&pair[0])?, vocabulary.id(&pair[1])?)))
                    .collect(),
            })
            .collect();
        let prepared = corpus
            .passages
            .iter()
            .zip(&analysed)
            .map(|(p, (title, body))| {
                Prepared::of_terms([title.as_slice(), body].concat(), &format!("{}\n{}", title_of(p), p.text))
            })
            .collect();
        let section_terms = section_terms(&terms, &corpus.passages, corpus.sections.len());
        let Lexical { synonyms, scope } = Lexical::compile(&corpus, &analyzer, &vocabulary, dir)?;

        let indexing = TextFieldIndexing::default()
            .set_tokenizer(analysis::ANALYZER_NAME)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let text = TextOptions::default().set_indexing_options(indexing);
        let mut schema = Schema::builder();
        let fields = Fields {
            body: schema.add_text_field("body", text.clone()),
            title: schema.add_text_field("title", text.clone()),
            asked: schema.add_text_field("asked", text),
            ordinal: schema.add_u64_field("ordinal", STORED),
        };
        let index = Index::create_in_ram(schema.build());
        index.tokenizers().register(analysis::ANALYZER_NAME, analyzer.index_analyzer());

        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000)?;
        for (ordinal, passage) in corpus.passages.iter().enumerate() {
            writer.add_document(doc!(
                fields.body => passage.text.as_str(),
                fields.title => title_of(passage),
                fields.asked => passage.questions.join("\n"),
                fields.ordinal => ordinal as u64,
            ))?;
        }
        writer.commit()?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let ordinals = ordinals(&reader, fields.ordinal)?;
        let vectors = PassageVectors::build(&corpus.passages, &model, cache)?;
        let texts = corpus.passages.iter().flat_map(|p| [p.section.as_str(), p.text.as_str()]);
        let lexicon = Lexicon::new(vocabulary, synonyms, model.english_words().clone(), &analyzer, texts);
        Ok(Engine {
            reader,
            ordinals,
            fields,
            analyzer,
            corpus,
            terms,
            section_terms,
            lexicon,
            prepared,
            vectors,
            scope,
            model,
            policy: Policy::default(),
        })
    }

    pub fn corpus(&self) -> &Corpus {
        &self.corpus
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// How many passage questions (`questions.toml` and FAQ questions) the engine compares with.
    pub fn passage_questions(&self) -> usize {
        self.vectors.questions()
    }

    /// How many not-covered topics the engine knows.
    pub fn not_covered_topics(&self) -> usize {
        self.scope.len()
    }

    /// The model this engine's vectors come from.
    pub fn model(&self) -> &Arc<Model> {
        &self.model
    }

    /// What the model reads for a question: the question itself, or its words with the
    /// spelling fixed when some were misspelled ("masage" would reach the model as pieces
    /// that mean nothing).
    pub fn embedding_text<'q>(&self, question: &'q str) -> Cow<'q, str> {
        match self.lexicon.respelled(&self.analyzer.words(question)) {
            Some(respelled) => Cow::Owned(respelled),
            None => Cow::Borrowed(question),
        }
    }

    /// The question's vector, computed here, on the calling thread.
    pub fn embed(&self, question: &str) -> Vector {
        self.embed_all(&[question]).pop().unwrap_or_else(Vector::zero)
    }

    /// The vectors of many questions, computed together (a fraction of the cost of one at a
    /// time). When inference fails (it does not with a model that loaded), the questions are
    /// answered by their words alone.
    pub fn embed_all(&self, questions: &[&str]) -> Vec<Vector> {
        let texts: Vec<Cow<'_, str>> = questions.iter().map(|q| self.embedding_text(q)).collect();
        self.embed_texts(&texts.iter().map(|t| t.as_ref()).collect::<Vec<_>>())
    }

    /// The vectors of texts as given (no spelling fixed), computed together. When inference
    /// fails (it does not with a model that loaded), every vector is the zero vector, which
    /// is close to nothing: questions are answered by their words, messages triaged by the
    /// rules.
    pub fn embed_texts(&self, texts: &[&str]) -> Vec<Vector> {
        self.model.embed(texts).unwrap_or_else(|error| {
            tracing::warn!(%error, "cannot embed; answering by words and red-flag rules alone");
            vec![Vector::zero(); texts.len()]
        })
    }

    /// What the engine looks for in a question, after spelling and synonyms.
    pub fn concepts(&self, question: &str) -> Vec<Concept> {
        self.lexicon.concepts(&self.analyzer.question_words(question))
    }

    /// The best passage for the question, embedding it here.
    pub fn answer(&self, question: &str) -> Outcome<'_> {
        self.answer_embedded(question, &self.embed(question))
    }

    /// The best passage for a question whose vector is already known (computed in a batch,
    /// or on the embedding thread).
    pub fn answer_embedded(&self, question: &str, vector: &Vector) -> Outcome<'_> {
        let evaluation = self.evaluate(question, vector);
        self.outcome(&evaluation)
    }

    /// The concepts, the best candidates with every signal and its weight, and the decision,
    /// for `ask --explain`: staff can see why a passage won or why the bot abstained.
    pub fn explain(&self, question: &str, vector: &Vector) -> Explanation<'_> {
        let evaluation = self.evaluate(question, vector);
        let outcome = self.outcome(&evaluation);
        let best = evaluation.candidates.first();
        Explanation {
            concepts: evaluation.concepts.clone(),
            candidates: evaluation
                .candidates
                .iter()
                .map(|c| ExplainedCandidate {
                    passage: &self.corpus.passages[c.ordinal],
                    uncovered: self
                        .scope
                        .uncovered(&evaluation.topic_hits, Some(&self.prepared[c.ordinal]))
                        .map(|n| n.topic),
                    score: c.score,
                    contributions: self.policy.contributions(&c.signals),
                    signals: c.signals,
                })
                .collect(),
            verdict: evaluation.verdict,
            gates: best.map(|c| self.policy.explain_gates(&c.signals)),
            topic_cues: evaluation.topic_hits.iter().map(|hit| self.scope.describe(hit)).collect(),
            outcome,
        }
    }

    /// What staff could do about a question the bot did not answer: add it to a passage's
    /// questions, when a passage is close in meaning, or else declare its subject not
    /// covered, with the words that reveal it.
    pub fn suggest(&self, question: &str, vector: &Vector) -> Suggestion<'_> {
        let evaluation = self.evaluate(question, vector);
        match self.outcome(&evaluation) {
            Outcome::NotCovered(not_covered) => return Suggestion::Redirected { topic: not_covered.topic },
            Outcome::Answer(answer) => return Suggestion::Answered { passage: answer.passage },
            Outcome::NoAnswer => {}
        }
        if let Some(best) = evaluation.candidates.first().filter(|_| evaluation.verdict != Some(Verdict::TooFar)) {
            return Suggestion::PassageQuestion { passage: &self.corpus.passages[best.ordinal] };
        }
        let mut concepts = evaluation.concepts;
        // The words the content never uses reveal the subject best; failing those, the rarest.
        concepts.sort_by(|a, b| a.known.cmp(&b.known).then(b.weight.total_cmp(&a.weight)));
        let words = concepts.into_iter().take(3).map(|c| c.said).collect();
        Suggestion::NewTopic { words }
    }

    fn read<'q>(&self, text: &'q str, vector: &'q Vector) -> Reading<'q> {
        let words = self.analyzer.question_words(text);
        Reading { concepts: self.lexicon.concepts(&words), prepared: Prepared::of_question(&words, text), vector }
    }

    fn evaluate(&self, question: &str, vector: &Vector) -> Evaluation {
        let reading = self.read(question, vector);
        let candidates = self.ranked(&reading);
        let verdict = candidates.first().map(|best| self.policy.verdict(&best.signals));
        let topic_hits = self.scope.hits(&reading.prepared);
        Evaluation { concepts: reading.concepts, candidates, verdict, topic_hits }
    }

    /// The answer, unless the question is about a topic the chosen passage does not cover;
    /// with no answer, such a topic still gets its redirect.
    fn outcome(&self, evaluation: &Evaluation) -> Outcome<'_> {
        let best = evaluation.candidates.first().filter(|_| evaluation.verdict.is_some_and(Verdict::answers));
        let passage = best.map(|c| &self.corpus.passages[c.ordinal]);
        let overrides = best.is_some_and(|c| self.policy.overrides_topic(&c.signals));
        let prepared = best.map(|c| &self.prepared[c.ordinal]);
        if let Some(not_covered) = self.scope.uncovered(&evaluation.topic_hits, prepared).filter(|_| !overrides) {
            return Outcome::NotCovered(not_covered);
        }
        match (best, passage) {
            (Some(best), Some(passage)) => Outcome::Answer(Answer { passage, score: best.score }),
            _ => Outcome::NoAnswer,
        }
    }

    /// Candidates, best first: Tantivy's best hits and the passages closest in meaning.
    fn ranked(&self, reading: &Reading<'_>) -> Vec<Candidate> {
        let closeness = self.vectors.closeness(reading.vector);
        let hits = if reading.concepts.is_empty() { Vec::new() } else { self.lexical_hits(&reading.concepts) };
        // BM25 only breaks ties between passages that cover the question alike, so it is
        // taken relative to the best hit.
        let best_bm25 = hits.first().map_or(1.0, |(score, _)| score.max(f32::EPSILON));
        let mut pool: Vec<(usize, f32)> = hits.iter().map(|&(bm25, ordinal)| (ordinal, bm25 / best_bm25)).collect();
        let mut by_meaning: Vec<usize> = (0..closeness.len()).collect();
        let closer = |a: &usize, b: &usize| closeness[*b].best().total_cmp(&closeness[*a].best());
        // Only the closest few are wanted: a partial selection, not a sort of every passage.
        if by_meaning.len() > DENSE_CANDIDATES {
            by_meaning.select_nth_unstable_by(DENSE_CANDIDATES, closer);
            by_meaning.truncate(DENSE_CANDIDATES);
        }
        for ordinal in by_meaning {
            if !pool.iter().any(|&(o, _)| o == ordinal) {
                pool.push((ordinal, 0.0));
            }
        }
        let asked = Asked::new(&reading.concepts);
        let mut candidates: Vec<Candidate> = pool
            .into_iter()
            .map(|(ordinal, bm25)| {
                let signals = self.signals(ordinal, bm25, &asked, closeness[ordinal]);
                Candidate { ordinal, signals, score: self.policy.score(&signals) }
            })
            .collect();
        candidates.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.ordinal.cmp(&b.ordinal)));
        candidates
    }

    /// Tantivy's best passages for the concepts, with their BM25 scores.
    fn lexical_hits(&self, concepts: &[Concept]) -> Vec<(f32, usize)> {
        let query = self.query(concepts);
        let searcher = self.reader.searcher();
        match searcher.search(&query, &TopDocs::with_limit(LEXICAL_CANDIDATES).order_by_score()) {
            Ok(hits) => hits
                .into_iter()
                .map(|(bm25, address)| (bm25, self.ordinals[address.segment_ord as usize][address.doc_id as usize]))
                .collect(),
            Err(error) => {
                tracing::warn!(%error, "search failed");
                Vec::new()
            }
        }
    }

    /// Every signal of one passage for the question.
    fn signals(&self, ordinal: usize, bm25: f32, asked: &Asked<'_>, closeness: Closeness) -> Signals {
        let passage = &self.corpus.passages[ordinal];
        let terms = &self.terms[ordinal];
        let section = &self.section_terms[passage.section_index];
        let semantic = Signals {
            text_similarity: closeness.to_text,
            question_similarity: closeness.to_questions,
            ..Signals::default()
        };
        if asked.total_weight <= 0.0 {
            return semantic;
        }
        let mut with_section = 0.0;
        let mut in_passage = 0.0;
        let mut in_title = 0.0;
        for concept in asked.concepts {
            let title = concept.strength_in(&terms.title);
            let here = title.max(concept.strength_in(&terms.body)).max(concept.strength_in(&terms.asked));
            let nearby = SECTION_CREDIT * concept.strength_in(section);
            in_title += title * concept.weight;
            in_passage += here * concept.weight;
            with_section += here.max(nearby) * concept.weight;
        }
        let title_precision = if terms.title.is_empty() {
            0.0
        } else {
            terms.title.iter().filter(|&id| asked.terms.contains(id)).count() as f32 / terms.title.len() as f32
        };
        let adjacent: f32 = asked
            .concepts
            .windows(2)
            .filter(|pair| pair[0].adjacent_to(&pair[1], |a, b| terms.pairs.contains(&pair_key(a, b))))
            .map(|pair| pair[0].weight.min(pair[1].weight))
            .sum();
        let title_match = in_title / asked.total_weight * title_precision;
        Signals {
            coverage: in_passage / asked.total_weight,
            section_coverage: with_section / asked.total_weight,
            title_match,
            proximity: adjacent / asked.total_weight,
            bm25,
            // The first paragraph introduces its section's topic: it wins only when the
            // question asks about that topic, in proportion to how well the title matches.
            lead: if passage.position == 1 { title_match } else { 0.0 },
            ..semantic
        }
    }

    fn query(&self, concepts: &[Concept]) -> Box<dyn Query> {
        let fields =
            [(self.fields.title, TITLE_BOOST), (self.fields.body, BODY_BOOST), (self.fields.asked, ASKED_BOOST)];
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

/// The analysed words of every passage: its title and text, and the questions it answers.
struct CorpusWords {
    analysed: Vec<(Vec<String>, Vec<String>)>,
    asked: Vec<Vec<String>>,
    /// Numbered over all of them: a passage's questions are words people use for it.
    vocabulary: Vocabulary,
}

impl CorpusWords {
    fn analyse(corpus: &Corpus, analyzer: &Analyzer) -> CorpusWords {
        let analysed: Vec<(Vec<String>, Vec<String>)> =
            corpus.passages.iter().map(|p| (analyzer.terms(&title_of(p)), analyzer.terms(&p.text))).collect();
        let asked: Vec<Vec<String>> = corpus.passages.iter().map(|p| analyzer.terms(&p.questions.join("\n"))).collect();
        let documents = analysed.iter().zip(&asked);
        let vocabulary = Vocabulary::new(
            documents.map(|((title, body), asked)| title.iter().chain(body).chain(asked).map(String::as_str)),
        );
        CorpusWords { analysed, asked, vocabulary }
    }
}

/// The staff's word lists compiled against the corpus's words: both report problems with
/// FILE:LINE, together.
struct Lexical {
    synonyms: SynonymTable,
    scope: Scope,
}

impl Lexical {
    fn compile(
        corpus: &Corpus,
        analyzer: &Analyzer,
        vocabulary: &Vocabulary,
        dir: &Path,
    ) -> Result<Lexical, EngineError> {
        let synonyms = SynonymTable::build(&corpus.synonyms, analyzer, vocabulary, &dir.join(SYNONYMS_FILE));
        let scope = Scope::build(&corpus.not_covered, analyzer, &dir.join(NOT_COVERED_FILE));
        match (synonyms, scope) {
            (Ok(synonyms), Ok(scope)) => Ok(Lexical { synonyms, scope }),
            (synonyms, scope) => {
                let problems = synonyms.err().into_iter().chain(scope.err()).flatten().collect();
                Err(EngineError::Invalid(problems))
            }
        }
    }
}

/// The question's concepts with what is derived from them once for all candidates.
struct Asked<'c> {
    concepts: &'c [Concept],
    total_weight: f32,
    /// Every term any wording of the question uses.
    terms: TermSet,
}

impl<'c> Asked<'c> {
    fn new(concepts: &'c [Concept]) -> Asked<'c> {
        let terms = concepts
            .iter()
            .flat_map(|c| c.alternatives.iter().filter_map(|a| a.ids.as_ref()).flatten().copied())
            .collect();
        Asked { concepts, total_weight: concepts.iter().map(|c| c.weight).sum(), terms }
    }
}

/// What staff could add so that a question gets a better reply next time.
#[derive(Debug, Clone, PartialEq)]
pub enum Suggestion<'e> {
    /// It is answered now (the corpus changed since it was logged).
    Answered { passage: &'e Passage },
    /// It already gets this not-covered topic's redirect.
    Redirected { topic: &'e str },
    /// This passage is close in meaning: if it answers the question, add the question to its
    /// list in `questions.toml`.
    PassageQuestion { passage: &'e Passage },
    /// Nothing is close: if the clinic does not cover this subject, a `not_covered.toml`
    /// topic with these words would redirect it.
    NewTopic { words: Vec<String> },
}

/// A passage considered for a question, with its signals and the score they give it.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    ordinal: usize,
    signals: Signals,
    score: f32,
}

/// The analysed terms of one passage, by where they stand.
struct PassageTerms {
    /// The section heading and the paragraph's bold lead-in, or the FAQ question.
    title: TermSet,
    body: TermSet,
    /// The terms of the questions it answers (`questions.toml`): the words people use for
    /// what it says.
    asked: TermSet,
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
    /// Every candidate, best first.
    pub candidates: Vec<ExplainedCandidate<'e>>,
    /// The gates' verdict on the best candidate (none when there was no candidate).
    pub verdict: Option<Verdict>,
    /// The best candidate's values against the gates.
    pub gates: Option<String>,
    /// Each not-covered topic cue found in the question.
    pub topic_cues: Vec<String>,
    /// What the engine concluded: the same as `answer` gives.
    pub outcome: Outcome<'e>,
}

#[derive(Debug)]
pub struct ExplainedCandidate<'e> {
    pub passage: &'e Passage,
    /// The not-covered topic the question is about that this passage does not speak of.
    pub uncovered: Option<&'e str>,
    pub score: f32,
    pub signals: Signals,
    /// Each signal with its weight; their points add up to `score`.
    pub contributions: [Contribution; 8],
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
pub(crate) fn title_of(passage: &Passage) -> String {
    match &passage.label {
        Some(label) => format!("{}\n{label}", passage.section),
        None => passage.section.clone(),
    }
}

/// The terms of each section, heading included: those of its passages with their titles (a
/// passage's title is its section's heading and a lead-in from its own text).
fn section_terms(terms: &[PassageTerms], passages: &[Passage], sections: usize) -> Vec<TermSet> {
    let mut ids: Vec<Vec<TermId>> = vec![Vec::new(); sections];
    for (passage, terms) in passages.iter().zip(terms) {
        ids[passage.section_index].extend(terms.title.iter().chain(terms.body.iter()));
    }
    ids.into_iter().map(TermSet::from_iter).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn engine() -> Engine {
        let config = Config::default();
        let model = Arc::new(Model::load(&config.model.dir).unwrap());
        Engine::load(&config.corpus.dir, model, Some(&config.model.cache)).unwrap()
    }

    #[test]
    fn an_engine_can_be_shared_between_threads_and_swapped_whole() {
        fn shareable<T: Send + Sync + 'static>() {}
        shareable::<Engine>();
    }

    #[test]
    fn a_question_of_only_stop_words_finds_nothing() {
        let engine = engine();
        assert!(engine.concepts("what is it that you do, and how?").is_empty());
        assert!(engine.answer("what is it that you do, and how?").answer().is_none());
    }

    #[test]
    fn lists_and_their_lead_sentence_are_one_passage() {
        let engine = engine();
        let outcome = engine.answer("What are the symptoms of sciatica?");
        let answer = outcome.answer().expect("answered");
        assert!(answer.passage.text.starts_with("People with sciatica often feel:\n- Sharp or shooting pain"));
        assert_eq!(answer.passage.label.as_deref(), Some("People with sciatica often feel"));
    }

    #[test]
    fn a_question_about_an_uncovered_topic_gets_its_redirect() {
        let engine = engine();
        match engine.answer("which painkillers are best for sciatica, ibuprofen or paracetamol?") {
            Outcome::NotCovered(not_covered) => assert_eq!(not_covered.topic, "medicines"),
            other => panic!("expected the medicines redirect, got {other:?}"),
        }
    }
}
