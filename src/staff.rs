//! What the clinic's staff see of the bot's use: the questions it could not answer and the
//! "Helpful" / "Not helpful" votes on each passage, both kept without any identity, and the
//! report that turns them into what content to add or improve.
//!
//! This module owns those files' formats and the report. It does not decide when a question
//! counts as unanswered or render buttons (the Discord shell does), or edit the corpus.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasher, RandomState};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::corpus::{NOT_COVERED_FILE, QUESTIONS_FILE};
use crate::embed::Vector;
use crate::search::Suggestion;
use crate::Knowledge;

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

/// The report as text: the `top` most frequent unanswered questions with their counts, and,
/// given the current knowledge, what content would answer or redirect each (this embeds each
/// question: call it off the async runtime).
pub fn unanswered_report(groups: &[Group], top: usize, knowledge: &Knowledge) -> String {
    if groups.is_empty() {
        return "No unanswered questions logged.".to_owned();
    }
    let total: usize = groups.iter().map(|g| g.count).sum();
    let mut text = format!("Unanswered questions: {total} in {} groups. Most frequent:", groups.len());
    let shown = &groups[..groups.len().min(top)];
    let questions: Vec<&str> = shown.iter().map(|g| crate::searchable_part(&g.example)).collect();
    let vectors = knowledge.engine.embed_all(&questions);
    for ((group, question), vector) in shown.iter().zip(&questions).zip(&vectors) {
        text.push_str(&format!("\n{:>4} × {}", group.count, group.example));
        text.push_str(&format!("\n       → {}", advice(knowledge, question, vector)));
    }
    text
}

fn advice(knowledge: &Knowledge, question: &str, vector: &Vector) -> String {
    match knowledge.engine.suggest(question, vector) {
        Suggestion::Answered { passage } => format!("answered now, by {}", passage.id),
        Suggestion::Redirected { topic } => format!("already redirected (not covered: {topic})"),
        Suggestion::PassageQuestion { passage } => format!(
            "a missing passage question? If \"{}\" ({}) answers it, add it to that passage in {QUESTIONS_FILE}",
            passage.id, passage.source
        ),
        Suggestion::NewTopic { words } => format!(
            "a new topic? If the clinic doesn't cover it, add a topic to {NOT_COVERED_FILE} with words such as {}",
            words.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// The votes one passage received.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Votes {
    pub helpful: u64,
    pub not_helpful: u64,
}

/// Votes per passage id, persisted as JSON. One vote per person per answer: who voted on what
/// is remembered only as keyed hashes in memory (the key is new each run), never written.
#[derive(Debug)]
pub struct FeedbackStore {
    path: PathBuf,
    votes: Mutex<BTreeMap<String, Votes>>,
    voted: Mutex<HashSet<u64>>,
    hasher: RandomState,
}

impl FeedbackStore {
    /// Opens the store, reading earlier votes if the file exists and is readable.
    pub fn open(path: PathBuf) -> FeedbackStore {
        let votes = read_votes(&path).unwrap_or_default();
        FeedbackStore { path, votes: Mutex::new(votes), voted: Mutex::new(HashSet::new()), hasher: RandomState::new() }
    }

    /// Counts a vote unless this person already voted on this answer; returns whether it
    /// counted. Writes the file (blocking I/O: call it off the async runtime).
    pub fn vote(&self, person: u64, answer: u64, passage: &str, helpful: bool) -> std::io::Result<bool> {
        let key = self.hasher.hash_one((person, answer));
        if !self.voted.lock().unwrap_or_else(|e| e.into_inner()).insert(key) {
            return Ok(false);
        }
        let mut votes = self.votes.lock().unwrap_or_else(|e| e.into_inner());
        let entry = votes.entry(passage.to_owned()).or_default();
        if helpful {
            entry.helpful += 1;
        } else {
            entry.not_helpful += 1;
        }
        write_atomically(&self.path, &serde_json::to_string_pretty(&*votes).map_err(std::io::Error::other)?)?;
        Ok(true)
    }
}

/// The votes file, or nothing if there is none yet.
pub fn read_votes(path: &Path) -> std::io::Result<BTreeMap<String, Votes>> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).map_err(std::io::Error::other),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(e) => Err(e),
    }
}

fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let temporary = path.with_extension("json.tmp");
    std::fs::write(&temporary, text)?;
    std::fs::rename(&temporary, path)
}

/// The passages people found least helpful: most "not helpful" votes first, then the
/// lowest share of "helpful".
pub fn least_helpful_report(votes: &BTreeMap<String, Votes>, top: usize) -> String {
    let mut rated: Vec<(&String, &Votes)> = votes.iter().filter(|(_, v)| v.not_helpful > 0).collect();
    if rated.is_empty() {
        return "No passage has been voted not helpful.".to_owned();
    }
    rated.sort_by(|(a_id, a), (b_id, b)| {
        b.not_helpful.cmp(&a.not_helpful).then(a.helpful.cmp(&b.helpful)).then(a_id.cmp(b_id))
    });
    let mut text = String::from("Least helpful passages (not helpful / helpful):");
    for (id, votes) in rated.into_iter().take(top) {
        text.push_str(&format!("\n{:>4} / {:<4} {id}", votes.not_helpful, votes.helpful));
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
        let knowledge = Knowledge::open(&crate::config::Config::default()).unwrap();
        let report = unanswered_report(&groups, 10, &knowledge);
        assert!(report.starts_with("Unanswered questions: 4 in 2 groups."), "{report}");
        assert!(report.contains("   3 × is there parking!!\n       → already redirected (not covered: "), "{report}");
        assert_eq!(report.matches("→").count(), 2, "advice for each group: {report}");
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
    fn one_vote_per_person_per_answer_and_no_identity_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feedback.json");
        let store = FeedbackStore::open(path.clone());
        assert!(store.vote(4_242_424_242, 1, "faq/a", false).unwrap());
        assert!(!store.vote(4_242_424_242, 1, "faq/a", true).unwrap(), "a second click on the same answer");
        assert!(store.vote(4_242_424_242, 2, "faq/a", false).unwrap(), "another answer");
        assert!(store.vote(7, 1, "faq/a", true).unwrap(), "another person");
        assert!(store.vote(7, 3, "faq/b", true).unwrap());
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("4242424242"), "{text}");
        let votes = read_votes(&path).unwrap();
        assert_eq!(votes["faq/a"], Votes { helpful: 1, not_helpful: 2 });
        assert_eq!(FeedbackStore::open(path.clone()).votes.lock().unwrap().len(), 2, "votes survive a restart");
        let report = least_helpful_report(&votes, 5);
        assert_eq!(report, "Least helpful passages (not helpful / helpful):\n   2 / 1    faq/a");
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
