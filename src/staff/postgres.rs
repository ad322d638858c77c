//! The PostgreSQL backend, for bots spread over several machines. The password comes from the
//! environment, never from the URL. A dropped connection is opened again on the next call.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use tokio::sync::Mutex;
use tokio_postgres::{Client, NoTls};

use super::store::{counted, migrations, seconds, sql, stored, time_of, Store, StoreError};
use super::{AuditEntry, Unanswered, Votes};

/// Any fixed number: the key of the advisory lock that serialises migrations.
const MIGRATION_LOCK: i64 = 0x5c1a_71ca;

pub struct Postgres {
    config: tokio_postgres::Config,
    /// One connection per process is plenty for votes and questions; a transaction needs it
    /// to itself, so calls take turns.
    client: Mutex<Client>,
}

impl Postgres {
    pub async fn connect(url: &str, password: Option<String>) -> Result<Postgres, StoreError> {
        let mut config = tokio_postgres::Config::from_str(url).map_err(|e| StoreError::BadUrl(e.to_string()))?;
        if let Some(password) = password {
            config.password(password);
        }
        let mut client = connect(&config).await?;
        migrate(&mut client).await?;
        Ok(Postgres { config, client: Mutex::new(client) })
    }

    /// The connection, opened again if the server dropped it.
    async fn client(&self) -> Result<tokio::sync::MutexGuard<'_, Client>, StoreError> {
        let mut client = self.client.lock().await;
        if client.is_closed() {
            *client = connect(&self.config).await?;
        }
        Ok(client)
    }
}

async fn connect(config: &tokio_postgres::Config) -> Result<Client, StoreError> {
    let (client, connection) = config.connect(NoTls).await?;
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::warn!(%error, "the PostgreSQL connection ended");
        }
    });
    Ok(client)
}

async fn migrate(client: &mut Client) -> Result<(), StoreError> {
    let migration = client.transaction().await?;
    migration.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await?;
    migration.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (steps BIGINT NOT NULL)").await?;
    let ran: i64 = match migration.query_opt("SELECT steps FROM schema_version", &[]).await? {
        Some(row) => row.get(0),
        None => {
            migration.execute("INSERT INTO schema_version (steps) VALUES (0)", &[]).await?;
            0
        }
    };
    let steps = migrations("BIGSERIAL PRIMARY KEY");
    for step in steps.iter().skip(usize::try_from(ran).unwrap_or(0)) {
        migration.batch_execute(step).await?;
    }
    migration.execute("UPDATE schema_version SET steps = $1", &[&(steps.len() as i64)]).await?;
    migration.commit().await?;
    Ok(())
}

#[async_trait::async_trait]
impl Store for Postgres {
    async fn count_vote(&self, passage: &str, helpful: bool) -> Result<(), StoreError> {
        let (up, down): (i64, i64) = if helpful { (1, 0) } else { (0, 1) };
        self.client().await?.execute(sql::COUNT_VOTE, &[&passage, &up, &down]).await?;
        Ok(())
    }

    async fn votes(&self) -> Result<BTreeMap<String, Votes>, StoreError> {
        let rows = self.client().await?.query(sql::VOTES, &[]).await?;
        Ok(rows
            .iter()
            .map(|row| {
                let votes = Votes { helpful: counted(row.get(1)), not_helpful: counted(row.get(2)) };
                (row.get(0), votes)
            })
            .collect())
    }

    async fn add_unanswered(&self, question: &Unanswered) -> Result<(), StoreError> {
        self.client().await?.execute(sql::ADD_UNANSWERED, &[&seconds(question.time), &question.text]).await?;
        Ok(())
    }

    async fn unanswered(&self) -> Result<Vec<Unanswered>, StoreError> {
        let rows = self.client().await?.query(sql::UNANSWERED, &[]).await?;
        Ok(rows.iter().map(|row| Unanswered { time: time_of(row.get(0)), text: row.get(1) }).collect())
    }

    async fn forget_unanswered_before(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(self.client().await?.execute(sql::FORGET_UNANSWERED, &[&seconds(cutoff)]).await?)
    }

    async fn add_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let at = seconds(entry.time);
        let values: [&(dyn tokio_postgres::types::ToSql + Sync); 5] =
            [&at, &entry.staff_id, &entry.action, &entry.detail, &entry.outcome];
        self.client().await?.execute(sql::ADD_AUDIT, &values).await?;
        Ok(())
    }

    async fn audit(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = self.client().await?.query(sql::AUDIT, &[&i64::from(limit)]).await?;
        Ok(rows
            .iter()
            .map(|row| AuditEntry {
                time: time_of(row.get(0)),
                staff_id: row.get(1),
                action: row.get(2),
                detail: row.get(3),
                outcome: row.get(4),
            })
            .collect())
    }

    async fn import_once(
        &self,
        votes: &BTreeMap<String, Votes>,
        unanswered: &[Unanswered],
    ) -> Result<bool, StoreError> {
        let mut client = self.client().await?;
        let import = client.transaction().await?;
        if import.execute(sql::CLAIM_IMPORT, &[&seconds(Utc::now())]).await? == 0 {
            return Ok(false);
        }
        for (passage, counts) in votes {
            import.execute(sql::COUNT_VOTE, &[passage, &stored(counts.helpful), &stored(counts.not_helpful)]).await?;
        }
        for question in unanswered {
            import.execute(sql::ADD_UNANSWERED, &[&seconds(question.time), &question.text]).await?;
        }
        import.commit().await?;
        Ok(true)
    }
}
