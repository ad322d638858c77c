//! What the clinic's staff see of the bot's use: the questions it could not answer, the
//! "Helpful" / "Not helpful" votes on each passage, and an audit log of staff actions, kept in
//! a database (`store`) with no patient identity, and the reports that turn them into what
//! content to add or improve.
//!
//! This module owns what is kept and how: questions masked (`mask`) and cut before they are
//! stored and deleted after `keep_days`, votes counted once per person per answer without
//! storing who voted. It does not decide when a question counts as unanswered or render
//! buttons (the Discord shell does), or edit the corpus.

mod mask;
mod postgres;
mod sqlite;
pub mod store;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasher, RandomState};
use std::path::Path;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::Deserialize;

pub use mask::mask;
pub use store::{Store, StoreError};

use crate::config::StaffConfig;
use crate::corpus::{NOT_COVERED_FILE, QUESTIONS_FILE};
use crate::embed::Vector;
use crate::search::Suggestion;
use crate::Knowledge;

/// A stored question is cut to this many characters: enough to read, not a 100 KB paste.
const MAX_STORED_CHARS: usize = 500;

/// An unanswered question as stored: the time and the masked words, and deliberately nothing
/// else (no user, channel or guild).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unanswered {
    pub time: DateTime<Utc>,
    pub text: String,
}

/// One staff action. Staff are not patients: their actions are kept with their Discord id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub time: DateTime<Utc>,
    pub staff_id: String,
    /// What was done: "faq add", "faq edit", "faq remove", "reload".
    pub action: String,
    /// What it touched, such as the passage id.
    pub detail: String,
    pub outcome: String,
}

/// The staff data of one process: the store, and who voted on what, as keyed hashes whose
/// key is made at start and never leaves this process (a restart forgets who voted).
pub struct StaffData {
    store: Box<dyn Store>,
    keep_days: u32,
    voted: Mutex<HashSet<u64>>,
    hasher: RandomState,
}

impl StaffData {
    /// Opens and migrates the database, imports the JSON files of earlier versions the first
    /// time, and deletes unanswered questions older than `keep_days`.
    pub async fn open(config: &StaffConfig) -> Result<StaffData, OpenError> {
        let password = std::env::var(&config.database_password_env).ok();
        let store = store::open(&config.database, password).await?;
        let data =
            StaffData { store, keep_days: config.keep_days, voted: Mutex::default(), hasher: RandomState::new() };
        data.import_earlier_files(config).await?;
        data.forget_old().await?;
        Ok(data)
    }

    /// Counts a vote unless this person already voted on this answer; returns whether it
    /// counted. When the count fails the vote is not remembered, so a second click retries.
    pub async fn vote(&self, person: u64, answer: u64, passage: &str, helpful: bool) -> Result<bool, StoreError> {
        let key = self.hasher.hash_one((person, answer));
        if !self.voted.lock().unwrap_or_else(|e| e.into_inner()).insert(key) {
            return Ok(false);
        }
        let counted = self.store.count_vote(passage, helpful).await;
        if counted.is_err() {
            self.voted.lock().unwrap_or_else(|e| e.into_inner()).remove(&key);
        }
        counted.map(|()| true)
    }

    /// Stores a question the bot could not answer, masked and cut.
    pub async fn log_unanswered(&self, text: &str) -> Result<(), StoreError> {
        match storable(text) {
            Some(text) => self.store.add_unanswered(&Unanswered { time: Utc::now(), text }).await,
            None => Ok(()),
        }
    }

    /// Deletes unanswered questions older than `keep_days`; returns how many.
    pub async fn forget_old(&self) -> Result<u64, StoreError> {
        let cutoff = Utc::now() - chrono::Duration::days(i64::from(self.keep_days));
        self.store.forget_unanswered_before(cutoff).await
    }

    /// The stored unanswered questions, grouped.
    pub async fn unanswered_groups(&self) -> Result<Vec<Group>, StoreError> {
        Ok(group_unanswered(&self.store.unanswered().await?))
    }

    pub async fn votes(&self) -> Result<BTreeMap<String, Votes>, StoreError> {
        self.store.votes().await
    }

    /// Records a staff action; a failure is logged, never in the way of the action itself.
    pub async fn record(&self, staff_id: u64, action: &str, detail: &str, outcome: &str) {
        let entry = AuditEntry {
            time: Utc::now(),
            staff_id: staff_id.to_string(),
            action: action.to_owned(),
            detail: detail.to_owned(),
            outcome: outcome.to_owned(),
        };
        if let Err(error) = self.store.add_audit(&entry).await {
            tracing::warn!(%error, action, "cannot record a staff action");
        }
    }

    /// The `limit` most recent staff actions, newest first.
    pub async fn audit(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        self.store.audit(limit).await
    }

    pub fn store(&self) -> &dyn Store {
        &*self.store
    }

    /// Imports `feedback.json` and `unanswered.jsonl` once (masked, as new questions are),
    /// then deletes the old question log: from then on its questions live in the database,
    /// under `keep_days`. The votes file is left where it was.
    async fn import_earlier_files(&self, config: &StaffConfig) -> Result<(), OpenError> {
        let (votes_file, log_file) = (config.feedback_file.clone(), config.unanswered_log.clone());
        let (votes, questions) = tokio::task::spawn_blocking(move || read_earlier_files(&votes_file, &log_file))
            .await
            .map_err(StoreError::from)??;
        if votes.is_empty() && questions.is_empty() {
            return Ok(());
        }
        if self.store.import_once(&votes, &questions).await? {
            tracing::info!(
                passages = votes.len(),
                questions = questions.len(),
                "imported the JSON files of an earlier version"
            );
        }
        match std::fs::remove_file(&config.unanswered_log) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(OpenError::Earlier { path: config.unanswered_log.display().to_string(), source: e })
            }
            _ => Ok(()),
        }
    }
}

/// Why the staff data could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot import {path}: {source}")]
    Earlier { path: String, source: std::io::Error },
}

/// The question as it is stored: whitespace collapsed, cut, masked; nothing if it is blank.
fn storable(text: &str) -> Option<String> {
    let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = match text.char_indices().nth(MAX_STORED_CHARS) {
        Some((cut, _)) => &text[..cut],
        None => &text,
    };
    Some(mask(text)).filter(|text| !text.is_empty())
}

/// A line of the question log of earlier versions.
#[derive(Deserialize)]
struct EarlierQuestion {
    time: String,
    text: String,
}

fn read_earlier_files(votes: &Path, log: &Path) -> Result<(BTreeMap<String, Votes>, Vec<Unanswered>), OpenError> {
    let earlier = |path: &Path, source| OpenError::Earlier { path: path.display().to_string(), source };
    let votes = match std::fs::read_to_string(votes) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| earlier(votes, std::io::Error::other(e)))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
        Err(e) => return Err(earlier(votes, e)),
    };
    let lines = match std::fs::read_to_string(log) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(earlier(log, e)),
    };
    // A line that is not an entry was never readable by the report either: it is skipped.
    let questions = lines
        .lines()
        .filter_map(|line| serde_json::from_str::<EarlierQuestion>(line).ok())
        .filter_map(|entry| {
            let time = DateTime::parse_from_rfc3339(&entry.time).map_or_else(|_| Utc::now(), |t| t.to_utc());
            storable(&entry.text).map(|text| Unanswered { time, text })
        })
        .collect();
    Ok((votes, questions))
}

/// A group of questions that read the same once case and punctuation are ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The most recent wording, as someone typed it.
    pub example: String,
    pub count: usize,
}

/// Groups questions that read the alike, most frequent first (ties: most recent first).
pub fn group_unanswered(questions: &[Unanswered]) -> Vec<Group> {
    let mut groups: HashMap<String, (Group, usize)> = HashMap::new();
    for (order, question) in questions.iter().enumerate() {
        let key = fold(&question.text);
        if key.is_empty() {
            continue;
        }
        let slot = groups.entry(key).or_insert_with(|| (Group { example: String::new(), count: 0 }, 0));
        slot.0.count += 1;
        slot.0.example.clone_from(&question.text);
        slot.1 = order;
    }
    let mut groups: Vec<(Group, usize)> = groups.into_values().collect();
    groups.sort_by(|(a, a_last), (b, b_last)| b.count.cmp(&a.count).then(b_last.cmp(a_last)));
    groups.into_iter().map(|(group, _)| group).collect()
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub struct Votes {
    pub helpful: u64,
    pub not_helpful: u64,
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

/// The latest staff actions, newest first, one line each.
pub fn audit_report(actions: &[AuditEntry]) -> String {
    if actions.is_empty() {
        return "No staff actions recorded.".to_owned();
    }
    let mut text = String::from("Latest staff actions:");
    for action in actions {
        let when = action.time.format("%Y-%m-%d %H:%M UTC");
        text.push_str(&format!(
            "\n{when}  {}  {} {}: {}",
            action.staff_id, action.action, action.detail, action.outcome
        ));
    }
    text
}
