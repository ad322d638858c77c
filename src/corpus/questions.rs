//! `questions.toml`: the questions each passage answers, written by staff from the passage
//! text. The search engine compares a person's question with them (paraphrase is what the
//! embedding model is good at), so they decide which passage people get.
//!
//! Passages are named by their positional ids, which shift when a paragraph is inserted;
//! each entry therefore says how its passage `begins`, and an entry whose passage no longer
//! begins that way is left out with a warning rather than attached to the wrong paragraph.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::{parse_toml, Lines, Passage, PassageKind, Problem};

/// The name of the file inside the corpus folder.
pub const QUESTIONS_FILE: &str = "questions.toml";

/// Fewer questions than this (a FAQ entry's own question included) is worth a warning.
const MIN_QUESTIONS: usize = 2;
/// A question is a sentence, not a paragraph.
const MAX_QUESTION_CHARS: usize = 300;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionsFile {
    #[serde(default)]
    passage: Vec<Spanned<Entry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    id: Spanned<String>,
    begins: Spanned<String>,
    questions: Vec<Spanned<String>>,
}

/// Gives each passage its questions from the file's text (empty when there is no file);
/// malformed entries are errors, entries that no longer fit a passage and passages left
/// with too few questions are warnings.
pub(super) fn attach(path: &Path, text: &str, passages: &mut [Passage], problems: &mut Vec<Problem>) {
    let file: QuestionsFile = match parse_toml(path, text) {
        Ok(file) => file,
        Err(problem) => {
            problems.push(problem);
            return;
        }
    };
    let by_id: HashMap<String, usize> = passages.iter().enumerate().map(|(i, p)| (p.id.clone(), i)).collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let lines = Lines::new(text);
    for entry in file.passage {
        let line = lines.line(entry.span().start);
        let entry = entry.into_inner();
        let id = entry.id.get_ref().trim();
        if let Some(first) = seen.insert(id.to_owned(), line) {
            problems.push(Problem::new(path, line, format!("\"{id}\" is listed twice (first at line {first})")));
            continue;
        }
        let mut questions = Vec::new();
        for question in &entry.questions {
            let at = lines.line(question.span().start);
            let question = question.get_ref().trim();
            if question.is_empty() {
                problems.push(Problem::new(path, at, "empty question"));
            } else if question.chars().count() > MAX_QUESTION_CHARS {
                problems.push(Problem::new(
                    path,
                    at,
                    format!("a question of over {MAX_QUESTION_CHARS} characters: write the question, not the answer"),
                ));
            } else {
                questions.push(question.to_owned());
            }
        }
        let Some(&ordinal) = by_id.get(id) else {
            problems.push(Problem::warning(
                path,
                line,
                format!("no passage has the id \"{id}\" (renamed or removed?): its questions are not used"),
            ));
            continue;
        };
        let passage = &mut passages[ordinal];
        let begins = entry.begins.get_ref().trim();
        if begins.is_empty() || !passage.text.starts_with(begins) {
            let start: String = passage.text.chars().take(begins.chars().count().max(30)).collect();
            problems.push(Problem::warning(
                path,
                lines.line(entry.begins.span().start),
                format!(
                    "\"{id}\" now begins \"{start}\", not \"{begins}\": were paragraphs added or moved? \
                     Its questions are not used until `id` and `begins` name the same passage"
                ),
            ));
            continue;
        }
        passage.questions = questions;
    }
    for passage in passages.iter() {
        let own = usize::from(passage.kind == PassageKind::Faq);
        let count = passage.questions.len() + own;
        if count < MIN_QUESTIONS {
            problems.push(Problem::warning(
                Path::new(&passage.source.file),
                passage.source.line,
                format!(
                    "\"{}\" has {count} question(s) in {QUESTIONS_FILE}: add {MIN_QUESTIONS} to 5 that it answers, \
                     so people's own wordings find it",
                    passage.id
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::SourceLocation;

    fn passage(id: &str, text: &str, kind: PassageKind) -> Passage {
        Passage {
            id: id.to_owned(),
            section: "S".to_owned(),
            label: None,
            kind,
            text: text.to_owned(),
            source: SourceLocation { file: "corpus/a.md".to_owned(), line: 7 },
            position: 1,
            section_index: 0,
            questions: Vec::new(),
        }
    }

    fn attached(text: &str) -> (Vec<Passage>, Vec<Problem>) {
        let mut passages = vec![
            passage("a/s/1", "Massage helps by relaxing muscles.", PassageKind::Article),
            passage("faq/q", "Yes, it can.", PassageKind::Faq),
        ];
        let mut problems = Vec::new();
        attach(Path::new("questions.toml"), text, &mut passages, &mut problems);
        (passages, problems)
    }

    #[test]
    fn questions_reach_the_passage_they_name() {
        let (passages, problems) = attached(
            "[[passage]]\nid = \"a/s/1\"\nbegins = \"Massage helps\"\nquestions = [\"why does massage work\", \"how does it help\"]\n\
             [[passage]]\nid = \"faq/q\"\nbegins = \"Yes\"\nquestions = [\"can it?\"]\n",
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(passages[0].questions, ["why does massage work", "how does it help"]);
        assert_eq!(passages[1].questions, ["can it?"]);
    }

    #[test]
    fn a_shifted_or_missing_passage_is_a_warning_with_its_line() {
        let (passages, problems) = attached(
            "[[passage]]\nid = \"a/s/1\"\nbegins = \"Heat helps\"\nquestions = [\"a\", \"b\"]\n\n\
             [[passage]]\nid = \"a/s/9\"\nbegins = \"x\"\nquestions = [\"c\"]\n",
        );
        assert!(passages[0].questions.is_empty(), "not attached to the wrong paragraph");
        let shown: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert!(shown[0].starts_with("questions.toml:3: warning: \"a/s/1\" now begins \"Massage helps"), "{shown:?}");
        assert!(shown[1].starts_with("questions.toml:6: warning: no passage has the id \"a/s/9\""), "{shown:?}");
        // The article passage is now without questions; the FAQ entry has its own question.
        assert!(shown[2].starts_with("corpus/a.md:7: warning: \"a/s/1\" has 0 question(s)"), "{shown:?}");
        assert!(shown[3].contains("\"faq/q\" has 1 question(s)"), "{shown:?}");
        assert!(problems.iter().all(|p| p.severity == crate::corpus::Severity::Warning));
    }

    #[test]
    fn malformed_entries_are_errors() {
        let (_, problems) = attached("[[passage]]\nid = \"a/s/1\"\nbegins = \"Massage\"\nquestions = [\"  \"]\n");
        assert_eq!(problems[0].to_string(), "questions.toml:4: empty question");
        let (_, problems) = attached("[[passage]]\nid = \"a/s/1\"\nquestions = [\"q\"]\n");
        assert!(problems[0].message.contains("missing field `begins`"), "{}", problems[0]);
        let twice = "[[passage]]\nid = \"faq/q\"\nbegins = \"Yes\"\nquestions = [\"q\"]\n";
        let (_, problems) = attached(&format!("{twice}{twice}"));
        assert_eq!(problems[0].to_string(), "questions.toml:5: \"faq/q\" is listed twice (first at line 1)");
    }
}
