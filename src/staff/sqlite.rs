//! The SQLite backend: one file, in WAL mode so readers never wait for a writer, shared by
//! every process on the machine. SQLite does its own locking between processes; within one,
//! the connection sits behind a mutex and every call runs on the blocking pool.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, TransactionBehavior};

use super::store::{counted, migrations, seconds, sql, stored, time_of, Store, StoreError};
use super::{AuditEntry, Unanswered, Votes};

/// How long a write waits for another process's write before it fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Sqlite {
    path: PathBuf,
    connection: Arc<Mutex<Connection>>,
}

impl Sqlite {
    pub async fn open(path: PathBuf) -> Result<Sqlite, StoreError> {
        let opened = path.clone();
        let connection = tokio::task::spawn_blocking(move || open_and_migrate(&opened))
            .await?
            .map_err(|source| StoreError::Sqlite { path: path.display().to_string(), source })?;
        Ok(Sqlite { path, connection: Arc::new(Mutex::new(connection)) })
    }

    /// Runs `work` on the connection off the async runtime.
    async fn with<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let connection = self.connection.clone();
        tokio::task::spawn_blocking(move || work(&mut connection.lock().unwrap_or_else(|e| e.into_inner())))
            .await?
            .map_err(|source| StoreError::Sqlite { path: self.path.display().to_string(), source })
    }
}

/// Opens and migrates, trying again while another process holds the file. The busy timeout
/// does not cover opening: SQLite returns "database is locked" at once, without waiting, when
/// another connection is switching a new file to WAL or recovering its log, which is exactly
/// when two processes start together on a fresh database.
fn open_and_migrate(path: &std::path::Path) -> rusqlite::Result<Connection> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match try_open_and_migrate(path) {
            Err(rusqlite::Error::SqliteFailure(error, _))
                if error.code == rusqlite::ErrorCode::DatabaseBusy && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            opened => return opened,
        }
    }
}

fn try_open_and_migrate(path: &std::path::Path) -> rusqlite::Result<Connection> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        // A missing folder shows up as SQLite's own "unable to open" on the next line.
        let _ = std::fs::create_dir_all(parent);
    }
    let mut connection = Connection::open(path)?;
    connection.busy_timeout(BUSY_TIMEOUT)?;
    connection.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: a vote acknowledged to someone is on disk, not only in the OS's cache.
    connection.pragma_update(None, "synchronous", "FULL")?;
    // IMMEDIATE takes the write lock before reading the version, so two processes starting
    // together migrate one after the other instead of both running the same step.
    let migration = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let ran: i64 = migration.pragma_query_value(None, "user_version", |row| row.get(0))?;
    // Only INTEGER PRIMARY KEY names SQLite's own row id, which numbers rows by itself.
    let steps = migrations("INTEGER PRIMARY KEY");
    for step in steps.iter().skip(usize::try_from(ran).unwrap_or(0)) {
        migration.execute_batch(step)?;
    }
    migration.pragma_update(None, "user_version", steps.len() as i64)?;
    migration.commit()?;
    Ok(connection)
}

#[async_trait::async_trait]
impl Store for Sqlite {
    async fn count_vote(&self, passage: &str, helpful: bool) -> Result<(), StoreError> {
        let passage = passage.to_owned();
        let (up, down) = if helpful { (1, 0) } else { (0, 1) };
        self.with(move |c| c.execute(sql::COUNT_VOTE, params![passage, up, down]).map(drop)).await
    }

    async fn votes(&self) -> Result<BTreeMap<String, Votes>, StoreError> {
        self.with(|c| {
            let mut statement = c.prepare(sql::VOTES)?;
            let rows = statement.query_map([], |row| {
                Ok((row.get(0)?, Votes { helpful: counted(row.get(1)?), not_helpful: counted(row.get(2)?) }))
            })?;
            rows.collect()
        })
        .await
    }

    async fn add_unanswered(&self, question: &Unanswered) -> Result<(), StoreError> {
        let (at, text) = (seconds(question.time), question.text.clone());
        self.with(move |c| c.execute(sql::ADD_UNANSWERED, params![at, text]).map(drop)).await
    }

    async fn unanswered(&self) -> Result<Vec<Unanswered>, StoreError> {
        self.with(|c| {
            let mut statement = c.prepare(sql::UNANSWERED)?;
            let rows =
                statement.query_map([], |row| Ok(Unanswered { time: time_of(row.get(0)?), text: row.get(1)? }))?;
            rows.collect()
        })
        .await
    }

    async fn forget_unanswered_before(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        let cutoff = seconds(cutoff);
        self.with(move |c| c.execute(sql::FORGET_UNANSWERED, params![cutoff]).map(|n| n as u64)).await
    }

    async fn add_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let entry = entry.clone();
        self.with(move |c| {
            let at = seconds(entry.time);
            c.execute(sql::ADD_AUDIT, params![at, entry.staff_id, entry.action, entry.detail, entry.outcome]).map(drop)
        })
        .await
    }

    async fn audit(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        self.with(move |c| {
            let mut statement = c.prepare(sql::AUDIT)?;
            let rows = statement.query_map(params![limit], |row| {
                Ok(AuditEntry {
                    time: time_of(row.get(0)?),
                    staff_id: row.get(1)?,
                    action: row.get(2)?,
                    detail: row.get(3)?,
                    outcome: row.get(4)?,
                })
            })?;
            rows.collect()
        })
        .await
    }

    async fn import_once(
        &self,
        votes: &BTreeMap<String, Votes>,
        unanswered: &[Unanswered],
    ) -> Result<bool, StoreError> {
        let (votes, unanswered) = (votes.clone(), unanswered.to_vec());
        self.with(move |c| {
            let import = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if import.execute(sql::CLAIM_IMPORT, params![seconds(Utc::now())])? == 0 {
                return Ok(false);
            }
            for (passage, counts) in &votes {
                import
                    .execute(sql::COUNT_VOTE, params![passage, stored(counts.helpful), stored(counts.not_helpful)])?;
            }
            for question in &unanswered {
                import.execute(sql::ADD_UNANSWERED, params![seconds(question.time), question.text])?;
            }
            import.commit()?;
            Ok(true)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Several processes starting at once on a file that does not exist yet: each must open
    /// it, and the schema must be made once. Threads stand in for processes: each has its own
    /// connection, and SQLite locks between connections of one process as between processes.
    #[test]
    fn many_openers_on_a_new_file_all_open_it() {
        let folder = tempfile::tempdir().unwrap();
        for round in 0..40 {
            let path = folder.path().join(format!("staff-{round}.sqlite3"));
            let openers: Vec<_> = (0..6)
                .map(|_| {
                    let path = path.clone();
                    std::thread::spawn(move || open_and_migrate(&path).map(drop))
                })
                .collect();
            for opener in openers {
                opener.join().unwrap().unwrap_or_else(|e| panic!("round {round}: {e}"));
            }
            let connection = Connection::open(&path).unwrap();
            let version: i64 = connection.pragma_query_value(None, "user_version", |row| row.get(0)).unwrap();
            assert_eq!(version, migrations("INTEGER PRIMARY KEY").len() as i64);
        }
    }
}
