//! `not_covered.toml`: the on-topic subjects the clinic's content does not answer (medicines,
//! scans, prices, how long sciatica lasts...), each with the words that reveal it and a
//! redirect that tells the person who can answer it.
//!
//! This module reads and validates the file's shape. Analysing the words, compiling the
//! patterns and deciding when a topic applies to a question is `search`'s job.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::{parse_toml, Lines, Problem};

/// The name of the file inside the corpus folder.
pub const NOT_COVERED_FILE: &str = "not_covered.toml";

/// A redirect is said instead of a passage, inside a reply that may also carry a red-flag
/// notice: it stays short.
pub const MAX_REDIRECT_CHARS: usize = 300;

/// A subject the content does not cover, and who does.
#[derive(Debug, Clone, PartialEq)]
pub struct NotCoveredTopic {
    /// A short identifier (`medicines`), for logs and the JSON output.
    pub name: String,
    /// What the bot says instead of a passage.
    pub redirect: String,
    /// Words or phrases, matched whatever their ending.
    pub words: Vec<Cue>,
    /// Regular expressions over the normalised message.
    pub patterns: Vec<Cue>,
    pub line: usize,
}

/// One word, phrase or pattern of a topic, with its line for problems.
#[derive(Debug, Clone, PartialEq)]
pub struct Cue {
    pub text: String,
    pub line: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TopicsFile {
    #[serde(default)]
    topic: Vec<Spanned<TopicEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TopicEntry {
    name: String,
    redirect: String,
    #[serde(default)]
    words: Vec<Spanned<String>>,
    #[serde(default)]
    patterns: Vec<Spanned<String>>,
}

pub(super) fn parse(path: &Path, text: &str, problems: &mut Vec<Problem>) -> Vec<NotCoveredTopic> {
    let file: TopicsFile = match parse_toml(path, text) {
        Ok(file) => file,
        Err(problem) => {
            problems.push(problem);
            return Vec::new();
        }
    };
    let mut topics = Vec::new();
    let mut names: HashMap<String, usize> = HashMap::new();
    let lines = Lines::new(text);
    for entry in file.topic {
        let line = lines.line(entry.span().start);
        let entry = entry.into_inner();
        let before = problems.len();
        let mut problem = |message: String| problems.push(Problem::new(path, line, message));
        let name = entry.name.trim().to_owned();
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
            problem(format!("topic name \"{name}\": use lowercase letters, digits and underscores"));
        } else if let Some(first) = names.insert(name.clone(), line) {
            problem(format!("topic \"{name}\" appears twice (first at line {first})"));
        }
        let redirect = entry.redirect.trim().to_owned();
        if redirect.is_empty() {
            problem(format!("topic \"{name}\" has an empty redirect: say who can answer it"));
        } else if redirect.chars().count() > MAX_REDIRECT_CHARS {
            problem(format!("the redirect of \"{name}\" is over {MAX_REDIRECT_CHARS} characters: shorten it"));
        }
        if entry.words.is_empty() && entry.patterns.is_empty() {
            problem(format!("topic \"{name}\" has no words or patterns, so it can never apply"));
        }
        let mut cues = |list: Vec<Spanned<String>>| -> Vec<Cue> {
            let mut cues = Vec::new();
            for cue in list {
                let line = lines.line(cue.span().start);
                let cue = cue.into_inner().trim().to_owned();
                if cue.is_empty() {
                    problems.push(Problem::new(path, line, "an empty word or pattern"));
                } else {
                    cues.push(Cue { text: cue, line });
                }
            }
            cues
        };
        let words = cues(entry.words);
        let patterns = cues(entry.patterns);
        if problems.len() == before {
            topics.push(NotCoveredTopic { name, redirect, words, patterns, line });
        }
    }
    topics
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> (Vec<NotCoveredTopic>, Vec<String>) {
        let mut problems = Vec::new();
        let topics = parse(Path::new("not_covered.toml"), text, &mut problems);
        (topics, problems.iter().map(|p| p.to_string()).collect())
    }

    #[test]
    fn a_topic_keeps_its_cues_and_their_lines() {
        let (topics, problems) = parsed(
            "[[topic]]\nname = \"medicines\"\nredirect = \"Ask a pharmacist.\"\nwords = [\n  \"ibuprofen\",\n  \"painkiller\",\n]\npatterns = ['\\bpills?\\b']\n",
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(topics[0].name, "medicines");
        assert_eq!(topics[0].words[1], Cue { text: "painkiller".into(), line: 6 });
        assert_eq!(topics[0].patterns[0].text, "\\bpills?\\b");
    }

    #[test]
    fn bad_topics_are_reported_at_their_line() {
        let long = "x".repeat(MAX_REDIRECT_CHARS + 1);
        let (topics, problems) = parsed(&format!(
            "[[topic]]\nname = \"Prices!\"\nredirect = \"Ask us.\"\nwords = [\"price\"]\n\n\
             [[topic]]\nname = \"a\"\nredirect = \"{long}\"\nwords = [\"\"]\n\n\
             [[topic]]\nname = \"b\"\nredirect = \" \"\n"
        ));
        assert!(topics.is_empty());
        assert_eq!(
            problems,
            [
                "not_covered.toml:1: topic name \"Prices!\": use lowercase letters, digits and underscores",
                "not_covered.toml:6: the redirect of \"a\" is over 300 characters: shorten it",
                "not_covered.toml:9: an empty word or pattern",
                "not_covered.toml:11: topic \"b\" has an empty redirect: say who can answer it",
                "not_covered.toml:11: topic \"b\" has no words or patterns, so it can never apply",
            ]
        );
    }
}
