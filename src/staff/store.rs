//! The staff data's storage: one small trait, an SQLite backend for a bot on one machine and
//! a PostgreSQL backend for bots on several. Both run the same SQL (parameters written `$1`,
//! which SQLite reads positionally too), so they cannot drift apart in what they store.
//!
//! This module owns the schema and its migrations and the one-time import of the JSON files
//! of earlier versions. It does not mask text, hash voters or decide what to keep: `staff`
//! does, before anything reaches a backend.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::{AuditEntry, Unanswered, Votes};
use crate::config::Database;

/// Why the staff data could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("SQLite database {path}: {source}")]
    Sqlite { path: String, source: rusqlite::Error },
    // tokio-postgres errors name the server and the failing step, never the password.
    #[error("PostgreSQL database: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("the PostgreSQL URL is not valid: {0}")]
    BadUrl(String),
    #[error("the staff database task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// The staff data as rows. Every method is one transaction.
#[async_trait::async_trait]
pub trait Store: Send + Sync {
    /// Adds one to a passage's "helpful" or "not helpful" count, as one atomic increment.
    async fn count_vote(&self, passage: &str, helpful: bool) -> Result<(), StoreError>;
    async fn votes(&self) -> Result<BTreeMap<String, Votes>, StoreError>;
    async fn add_unanswered(&self, question: &Unanswered) -> Result<(), StoreError>;
    /// Every stored unanswered question, oldest first.
    async fn unanswered(&self) -> Result<Vec<Unanswered>, StoreError>;
    /// Deletes the unanswered questions asked before `cutoff`; returns how many.
    async fn forget_unanswered_before(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError>;
    async fn add_audit(&self, entry: &AuditEntry) -> Result<(), StoreError>;
    /// The `limit` most recent staff actions, newest first.
    async fn audit(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError>;
    /// Stores the data of earlier versions unless an import already happened; returns whether
    /// this call imported. Two processes starting at once import once between them.
    async fn import_once(&self, votes: &BTreeMap<String, Votes>, unanswered: &[Unanswered])
        -> Result<bool, StoreError>;
}

/// Opens (creating if needed) and migrates the database the config names.
pub async fn open(database: &Database, password: Option<String>) -> Result<Box<dyn Store>, StoreError> {
    Ok(match database {
        Database::Sqlite(path) => Box::new(super::sqlite::Sqlite::open(path.clone()).await?),
        Database::Postgres(url) => Box::new(super::postgres::Postgres::connect(url, password).await?),
    })
}

/// The schema, one migration per step; a database records how many ran. Append only: an
/// edited migration would never reach a database that already ran it. `{key}` stands for the
/// dialect's auto-numbered primary key; every other type means the same in both.
const MIGRATIONS: &[&str] = &["
    CREATE TABLE votes (passage TEXT PRIMARY KEY, helpful BIGINT NOT NULL, not_helpful BIGINT NOT NULL);
    CREATE TABLE unanswered (id {key}, asked_at BIGINT NOT NULL, text TEXT NOT NULL);
    CREATE INDEX unanswered_by_time ON unanswered (asked_at);
    CREATE TABLE audit (id {key}, at BIGINT NOT NULL, staff_id TEXT NOT NULL,
                        action TEXT NOT NULL, detail TEXT NOT NULL, outcome TEXT NOT NULL);
    CREATE TABLE imports (name TEXT PRIMARY KEY, at BIGINT NOT NULL);
"];

/// The migrations in a dialect whose auto-numbered primary key is written `key`.
pub(super) fn migrations(key: &str) -> Vec<String> {
    MIGRATIONS.iter().map(|step| step.replace("{key}", key)).collect()
}

/// The statements both backends run.
pub(super) mod sql {
    pub const COUNT_VOTE: &str = "INSERT INTO votes (passage, helpful, not_helpful) VALUES ($1, $2, $3)
        ON CONFLICT (passage) DO UPDATE
        SET helpful = votes.helpful + excluded.helpful, not_helpful = votes.not_helpful + excluded.not_helpful";
    pub const VOTES: &str = "SELECT passage, helpful, not_helpful FROM votes";
    pub const ADD_UNANSWERED: &str = "INSERT INTO unanswered (asked_at, text) VALUES ($1, $2)";
    pub const UNANSWERED: &str = "SELECT asked_at, text FROM unanswered ORDER BY asked_at, id";
    pub const FORGET_UNANSWERED: &str = "DELETE FROM unanswered WHERE asked_at < $1";
    pub const ADD_AUDIT: &str = "INSERT INTO audit (at, staff_id, action, detail, outcome) VALUES ($1, $2, $3, $4, $5)";
    pub const AUDIT: &str =
        "SELECT at, staff_id, action, detail, outcome FROM audit ORDER BY at DESC, id DESC LIMIT $1";
    /// Inserting the marker is what claims the import: a second process's insert finds the
    /// row (or waits for the first transaction, then finds it) and imports nothing.
    pub const CLAIM_IMPORT: &str =
        "INSERT INTO imports (name, at) VALUES ('json-files', $1) ON CONFLICT (name) DO NOTHING";
}

/// A stored time: whole seconds since 1970, which both dialects sort and compare alike.
pub(super) fn seconds(time: DateTime<Utc>) -> i64 {
    time.timestamp()
}

pub(super) fn time_of(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap_or_default()
}

/// A count as both dialects store it: a signed 64-bit integer.
pub(super) fn stored(count: u64) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

pub(super) fn counted(stored: i64) -> u64 {
    u64::try_from(stored).unwrap_or(0)
}
