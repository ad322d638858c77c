//! What an operator sees from outside the bot: `/healthz` (200 when the gateway is connected
//! and a corpus version is live, 503 otherwise) and `/metrics` in Prometheus text format, on
//! `[ops] listen`.
//!
//! This module owns the metrics and their small HTTP server. It decides nothing about
//! answers: the Discord shell reports what happened, and no metric carries message text or
//! user identity.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::triage::RedFlag;
use crate::Knowledge;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TierLabel {
    tier: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VersionLabel {
    version: String,
}

/// The bot's counters, as one process sees them.
pub struct Metrics {
    registry: Registry,
    answers: Counter,
    abstentions: Counter,
    red_flags: Family<TierLabel, Counter>,
    cooldown_refusals: Counter,
    reloads: Family<OutcomeLabel, Counter>,
    reply_seconds: Histogram,
    corpus_passages: Gauge,
    /// One series, set to 1, labelled with the live corpus version's content hash.
    corpus_version: Family<VersionLabel, Gauge>,
    /// Each shard this process runs, and whether it is connected now.
    shards: Mutex<HashMap<u32, bool>>,
}

impl Metrics {
    pub fn new(knowledge: &Knowledge) -> Metrics {
        let mut metrics = Metrics {
            registry: Registry::with_prefix("sciatica_bot"),
            answers: Counter::default(),
            abstentions: Counter::default(),
            red_flags: Family::default(),
            cooldown_refusals: Counter::default(),
            reloads: Family::default(),
            // 1 ms to about 16 s: an answer is milliseconds, a busy embedding queue seconds.
            reply_seconds: Histogram::new(exponential_buckets(0.001, 2.0, 15)),
            corpus_passages: Gauge::default(),
            corpus_version: Family::default(),
            shards: Mutex::default(),
        };
        let registry = &mut metrics.registry;
        registry.register("answers", "Questions answered with a passage", metrics.answers.clone());
        registry.register("abstentions", "Questions with no answer", metrics.abstentions.clone());
        registry.register("red_flags", "Messages given a red-flag notice, by tier", metrics.red_flags.clone());
        registry.register(
            "cooldown_refusals",
            "Questions asked inside the cooldown",
            metrics.cooldown_refusals.clone(),
        );
        registry.register("reloads", "Corpus reloads, by outcome", metrics.reloads.clone());
        registry.register("reply_seconds", "Time to compute a reply", metrics.reply_seconds.clone());
        registry.register("corpus_passages", "Passages in the live corpus version", metrics.corpus_passages.clone());
        registry.register(
            "corpus_version",
            "The live corpus version (its content hash)",
            metrics.corpus_version.clone(),
        );
        metrics.corpus_live(knowledge);
        metrics
    }

    /// A reply computed in `took` (embedding, triage, ranking).
    pub fn computed(&self, took: Duration) {
        self.reply_seconds.observe(took.as_secs_f64());
    }

    /// A question answered with a passage, or not.
    pub fn answered(&self, answered: bool) {
        if answered {
            self.answers.inc();
        } else {
            self.abstentions.inc();
        }
    }

    /// A red-flag notice was given for `flags`: counted once, at the most urgent tier the
    /// person did not deny.
    pub fn red_flag_notice(&self, flags: &[RedFlag]) {
        if let Some(tier) = flags.iter().filter(|flag| !flag.negated).map(|flag| flag.tier).max() {
            self.red_flags.get_or_create(&TierLabel { tier: tier.to_string() }).inc();
        }
    }

    pub fn cooldown_refused(&self) {
        self.cooldown_refusals.inc();
    }

    /// A reload finished: `Some` with the new version when it went live, `None` when refused.
    pub fn reloaded(&self, live: Option<&Knowledge>) {
        let outcome = if live.is_some() { "ok" } else { "refused" };
        self.reloads.get_or_create(&OutcomeLabel { outcome: outcome.to_owned() }).inc();
        if let Some(knowledge) = live {
            self.corpus_live(knowledge);
        }
    }

    fn corpus_live(&self, knowledge: &Knowledge) {
        let passages = &knowledge.engine.corpus().passages;
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        for passage in passages {
            for part in [&passage.id, &passage.section, &passage.text] {
                hasher.update(part.as_bytes());
                hasher.update(&[0]);
            }
        }
        self.corpus_passages.set(i64::try_from(passages.len()).unwrap_or(i64::MAX));
        self.corpus_version.clear();
        self.corpus_version.get_or_create(&VersionLabel { version: format!("{:016x}", hasher.digest()) }).set(1);
    }

    /// Shard `shard` connected (READY, RESUMED) or lost its connection.
    pub fn gateway(&self, shard: u32, connected: bool) {
        self.shards.lock().unwrap_or_else(|e| e.into_inner()).insert(shard, connected);
    }

    /// Healthy: every shard of this process connected to the gateway. A corpus version is
    /// always live once the bot runs, since a refused version never replaces the live one.
    pub fn healthy(&self) -> bool {
        let shards = self.shards.lock().unwrap_or_else(|e| e.into_inner());
        !shards.is_empty() && shards.values().all(|&connected| connected)
    }

    /// Every metric in Prometheus text format.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry).expect("writing to a String cannot fail");
        text
    }
}

/// Takes the address first, so a port already in use stops the bot at start with a clear
/// error rather than leaving an operator without health checks.
pub async fn bind(listen: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(listen).await
}

/// Serves `/healthz` and `/metrics` for as long as the task runs.
pub async fn serve(listener: tokio::net::TcpListener, metrics: Arc<Metrics>) -> std::io::Result<()> {
    let app = Router::new().route("/healthz", get(health)).route("/metrics", get(exposition)).with_state(metrics);
    axum::serve(listener, app).await
}

async fn health(State(metrics): State<Arc<Metrics>>) -> impl IntoResponse {
    if metrics.healthy() {
        (StatusCode::OK, "ok\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "the Discord gateway is not connected\n")
    }
}

async fn exposition(State(metrics): State<Arc<Metrics>>) -> impl IntoResponse {
    let content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    ([(header::CONTENT_TYPE, content_type)], metrics.encode())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn health_is_503_until_every_shard_is_connected() {
        let knowledge = Knowledge::open(&crate::config::Config::default()).unwrap();
        let metrics = Arc::new(Metrics::new(&knowledge));
        let listener = bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(serve(listener, metrics.clone()));
        let status = || async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
            stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
            let mut response = String::new();
            stream.read_to_string(&mut response).await.unwrap();
            response[9..12].to_owned()
        };
        assert_eq!(status().await, "503", "no shard connected yet");
        metrics.gateway(0, true);
        metrics.gateway(1, false);
        assert_eq!(status().await, "503", "one of two shards down");
        metrics.gateway(1, true);
        assert_eq!(status().await, "200");
        metrics.gateway(0, false);
        assert_eq!(status().await, "503", "a shard lost its connection");
    }
}
