//! What the content does not cover: the staff's `not_covered.toml` topics, compiled once per
//! corpus version, and the test of whether a question is about one of them while the chosen
//! passage is not.
//!
//! "How long does sciatica last?" is on topic, and the model finds passages close to it, but
//! none answers it: such a question gets the topic's redirect (a doctor, a pharmacist, the
//! clinic's desk) rather than a passage about something else.

use std::path::Path;

use regex::bytes::Regex;

use crate::corpus::{Cue, NotCoveredTopic, Problem};
use crate::search::analysis::{Analyzer, Word};
use crate::triage::{compile_pattern, normalize};

/// The compiled topics of one corpus version.
#[derive(Debug, Default)]
pub struct Scope {
    topics: Vec<Topic>,
}

#[derive(Debug)]
struct Topic {
    name: String,
    redirect: String,
    /// Each word or phrase as its stems, small words left out.
    words: Vec<Vec<String>>,
    patterns: Vec<Regex>,
}

/// A topic the question is about, and the cue that said so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopicHit {
    topic: usize,
    cue: CueRef,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CueRef {
    Word(usize),
    Pattern(usize),
}

/// A topic that applies to a question, as callers see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotCovered<'e> {
    pub topic: &'e str,
    pub redirect: &'e str,
}

/// A text as the cues are matched against it: its stems without small words, and its
/// normalised form for patterns.
pub struct Prepared {
    stems: Vec<String>,
    normalized: String,
}

impl Prepared {
    pub fn of_question(words: &[Word], text: &str) -> Prepared {
        let stems = words.iter().filter(|w| !w.is_stop_word()).map(|w| w.stem.clone()).collect();
        Prepared { stems, normalized: normalize(text) }
    }

    /// A passage, from its analysed terms (computed once, when the index is built).
    pub fn of_terms(stems: Vec<String>, text: &str) -> Prepared {
        Prepared { stems, normalized: normalize(text) }
    }
}

impl Scope {
    pub fn build(topics: &[NotCoveredTopic], analyzer: &Analyzer, file: &Path) -> Result<Scope, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut compiled = Vec::new();
        for topic in topics {
            let mut words = Vec::new();
            for Cue { text, line } in &topic.words {
                let stems = analyzer.terms(text);
                if stems.is_empty() {
                    problems.push(Problem::new(
                        file,
                        *line,
                        format!("\"{text}\" is only small words, which are ignored: use a more specific word"),
                    ));
                } else {
                    words.push(stems);
                }
            }
            let mut patterns = Vec::new();
            for Cue { text, line } in &topic.patterns {
                match compile_pattern(text) {
                    Ok(regex) => patterns.push(regex),
                    Err(message) => problems.push(Problem::new(file, *line, message)),
                }
            }
            compiled.push(Topic { name: topic.name.clone(), redirect: topic.redirect.clone(), words, patterns });
        }
        if problems.is_empty() {
            Ok(Scope { topics: compiled })
        } else {
            Err(problems)
        }
    }

    /// Every topic cue the question holds.
    pub fn hits(&self, question: &Prepared) -> Vec<TopicHit> {
        let mut hits = Vec::new();
        for (t, topic) in self.topics.iter().enumerate() {
            let words = topic.words.iter().enumerate().filter(|(_, w)| holds(&question.stems, w));
            hits.extend(words.map(|(i, _)| TopicHit { topic: t, cue: CueRef::Word(i) }));
            let patterns =
                topic.patterns.iter().enumerate().filter(|(_, p)| p.is_match(question.normalized.as_bytes()));
            hits.extend(patterns.map(|(i, _)| TopicHit { topic: t, cue: CueRef::Pattern(i) }));
        }
        hits
    }

    /// The first topic the question is about that the passage does not speak of itself: a
    /// passage that says "anti-inflammatory drugs" covers a question about them, one about
    /// stretching does not. A topic counts as covered when the passage holds any of the cues
    /// the question used for it ("anti-inflammatories... naproxen" is answered by the passage
    /// on anti-inflammatory drugs).
    pub fn uncovered(&self, hits: &[TopicHit], passage: Option<&Prepared>) -> Option<NotCovered<'_>> {
        let covered =
            |topic: usize| passage.is_some_and(|p| hits.iter().any(|hit| hit.topic == topic && self.matches(hit, p)));
        let hit = hits.iter().find(|hit| !covered(hit.topic))?;
        let topic = &self.topics[hit.topic];
        Some(NotCovered { topic: &topic.name, redirect: &topic.redirect })
    }

    fn matches(&self, hit: &TopicHit, text: &Prepared) -> bool {
        let topic = &self.topics[hit.topic];
        match hit.cue {
            CueRef::Word(i) => holds(&text.stems, &topic.words[i]),
            CueRef::Pattern(i) => topic.patterns[i].is_match(text.normalized.as_bytes()),
        }
    }

    /// What the cue was, for explanations: the word's stems or the pattern.
    pub fn describe(&self, hit: &TopicHit) -> String {
        let topic = &self.topics[hit.topic];
        match hit.cue {
            CueRef::Word(i) => format!("{}: word \"{}\"", topic.name, topic.words[i].join(" ")),
            CueRef::Pattern(i) => format!("{}: pattern {}", topic.name, topic.patterns[i].as_str()),
        }
    }

    pub fn len(&self) -> usize {
        self.topics.len()
    }
}

/// Whether `phrase` occurs in `stems` as a run of consecutive stems.
fn holds(stems: &[String], phrase: &[String]) -> bool {
    !phrase.is_empty() && stems.windows(phrase.len()).any(|window| window == phrase)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> (Scope, Analyzer) {
        let analyzer = Analyzer::new();
        let cue = |text: &str| Cue { text: text.to_owned(), line: 1 };
        let topics = [NotCoveredTopic {
            name: "medicines".into(),
            redirect: "Ask a pharmacist.".into(),
            words: vec![cue("painkiller"), cue("anti-inflammatory drug")],
            patterns: vec![cue(r"\bhow long (\w+ ){0,3}last\b")],
            line: 1,
        }];
        (Scope::build(&topics, &analyzer, Path::new("n.toml")).unwrap(), analyzer)
    }

    fn passage(analyzer: &Analyzer, text: &str) -> Prepared {
        Prepared::of_terms(analyzer.terms(text), text)
    }

    fn question(analyzer: &Analyzer, text: &str) -> Prepared {
        Prepared::of_question(&analyzer.words(text), text)
    }

    #[test]
    fn a_topic_applies_unless_the_passage_speaks_of_it() {
        let (scope, analyzer) = scope();
        let asked = question(&analyzer, "Which PAINKILLERS are best?");
        let hits = scope.hits(&asked);
        assert_eq!(hits.len(), 1);
        let stretching = passage(&analyzer, "Hold stretches for 20-30 seconds.");
        assert_eq!(scope.uncovered(&hits, Some(&stretching)).map(|n| n.topic), Some("medicines"));
        let about_it = passage(&analyzer, "Some people take a painkiller before.");
        assert_eq!(scope.uncovered(&hits, Some(&about_it)), None);
        let both = scope.hits(&question(&analyzer, "painkillers or anti-inflammatory drugs?"));
        assert_eq!(both.len(), 2);
        assert_eq!(scope.uncovered(&both, Some(&about_it)), None, "one cue of the topic in the passage covers it");
        assert!(scope.uncovered(&hits, None).is_some(), "with no passage at all, it applies");
    }

    #[test]
    fn phrases_skip_small_words_and_patterns_see_normalised_text() {
        let (scope, analyzer) = scope();
        assert_eq!(scope.hits(&question(&analyzer, "are the anti inflammatory drugs ok")).len(), 1);
        assert_eq!(scope.hits(&question(&analyzer, "How long will it LAST?!")).len(), 1);
        assert!(scope.hits(&question(&analyzer, "does massage help the pain")).is_empty());
    }

    #[test]
    fn a_bad_pattern_or_an_empty_word_is_a_problem_at_its_line() {
        let topics = [NotCoveredTopic {
            name: "x".into(),
            redirect: "y".into(),
            words: vec![Cue { text: "the".into(), line: 3 }],
            patterns: vec![Cue { text: "(unclosed".into(), line: 4 }],
            line: 1,
        }];
        let problems = Scope::build(&topics, &Analyzer::new(), Path::new("n.toml")).unwrap_err();
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [3, 4]);
    }
}
