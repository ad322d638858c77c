//! What the clinic's staff see of the bot's use: the questions it could not answer, kept
//! without any identity, and the report that groups them so staff can decide what content
//! to add.
//!
//! This module owns the log's format and the report. It does not decide when a question
//! counts as unanswered (the Discord shell does) or edit the corpus.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// A logged question is cut to this many characters: enough to read, not a 100 KB paste.
const MAX_LOGGED_CHARS: usize = 500;

/// One line of the unanswered log. Deliberately nothing but the time and the words: no
/// user, channel or guild.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unanswered {
    pub time: String,
    pub text: String,
}

/// The append-only log of unanswered questions.
#[derive(Debug)]
pub struct UnansweredLog {
    path: PathBuf,
    /// Appends from several handlers at once must not interleave within a line.
    writing: Mutex<()>,
}

impl UnansweredLog {
    pub fn new(path: PathBuf) -> UnansweredLog {
        UnansweredLog { path, writing: Mutex::new(()) }
    }

    /// Appends a question (blocking file I/O: call it off the async runtime).
    pub fn append(&self, text: &str) -> std::io::Result<()> {
        let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.is_empty() {
            return Ok(());
        }
        let text = match text.char_indices().nth(MAX_LOGGED_CHARS) {
            Some((cut, _)) => text[..cut].to_owned(),
            None => text,
        };
        let entry = Unanswered { time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true), text };
        let line = serde_json::to_string(&entry).map_err(std::io::Error::other)?;
        let _one_at_a_time = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(parent) = self.path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&self.path)?;
        writeln!(file, "{line}")
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A group of questions that read the same once case and punctuation are ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The most recent wording, as someone typed it.
    pub example: String,
    pub count: usize,
}

/// Reads the log and groups it, most frequent first (ties: most recent first). Lines that
/// are not valid entries are skipped and counted.
pub fn group_unanswered(path: &Path) -> std::io::Result<(Vec<Group>, usize)> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e),
    };
    let mut groups: HashMap<String, (Group, usize)> = HashMap::new();
    let mut skipped = 0;
    for (order, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let Ok(entry) = serde_json::from_str::<Unanswered>(line) else {
            skipped += 1;
            continue;
        };
        let key = fold(&entry.text);
        if key.is_empty() {
            continue;
        }
        let slot = groups.entry(key).or_insert_with(|| (Group { example: String::new(), count: 0 }, 0));
        slot.0.count += 1;
        slot.0.example = entry.text;
        slot.1 = order;
    }
    let mut groups: Vec<(Group, usize)> = groups.into_values().collect();
    groups.sort_by(|(a, a_last), (b, b_last)| b.count.cmp(&a.count).then(b_last.cmp(a_last)));
    Ok((groups.into_iter().map(|(group, _)| group).collect(), skipped))
}

/// Lowercase words without punctuation: "Is there PARKING?!" and "is there parking" group.
fn fold(text: &str) -> String {
    text.to_lowercase().split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// The report as text: the `top` most frequent unanswered questions with their counts.
pub fn unanswered_report(groups: &[Group], top: usize) -> String {
    if groups.is_empty() {
        return "No unanswered questions logged.".to_owned();
    }
    let total: usize = groups.iter().map(|g| g.count).sum();
    let mut text = format!("Unanswered questions: {total} in {} groups. Most frequent:", groups.len());
    for group in groups.iter().take(top) {
        text.push_str(&format!("\n{:>4} × {}", group.count, group.example));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_holds_time_and_text_only_and_the_report_groups_by_folded_text() {
        let dir = tempfile::tempdir().unwrap();
        let log = UnansweredLog::new(dir.path().join("nested/unanswered.jsonl"));
        for question in ["Is there parking?", "is there PARKING", "Do you sell vouchers?", "is there parking!!", "  "] {
            log.append(question).unwrap();
        }
        let text = std::fs::read_to_string(log.path()).unwrap();
        for line in text.lines() {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            let keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(keys, ["text", "time"]);
        }
        let (groups, skipped) = group_unanswered(log.path()).unwrap();
        assert_eq!(skipped, 0);
        assert_eq!(
            groups,
            vec![
                Group { example: "is there parking!!".into(), count: 3 },
                Group { example: "Do you sell vouchers?".into(), count: 1 },
            ]
        );
        let report = unanswered_report(&groups, 10);
        assert!(report.starts_with("Unanswered questions: 4 in 2 groups."), "{report}");
        assert!(report.contains("   3 × is there parking!!"), "{report}");
    }

    #[test]
    fn broken_lines_are_skipped_and_a_missing_log_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.jsonl");
        assert_eq!(group_unanswered(&path).unwrap(), (vec![], 0));
        std::fs::write(&path, "{\"time\":\"t\",\"text\":\"a\"}\nnot json\n").unwrap();
        let (groups, skipped) = group_unanswered(&path).unwrap();
        assert_eq!((groups.len(), skipped), (1, 1));
    }

    #[test]
    fn a_huge_question_is_cut_before_it_is_logged() {
        let dir = tempfile::tempdir().unwrap();
        let log = UnansweredLog::new(dir.path().join("log.jsonl"));
        log.append(&"word ".repeat(10_000)).unwrap();
        let (groups, _) = group_unanswered(log.path()).unwrap();
        assert!(groups[0].example.chars().count() <= MAX_LOGGED_CHARS);
    }
}
