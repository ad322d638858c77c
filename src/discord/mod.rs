//! The Discord shell around the answering core: a serenity client that answers `/ask`,
//! `/topics`, mentions, direct messages and (optionally) every message of chosen channels,
//! with per-user cooldowns, the staff command `/reload`, and no pings ever.
//!
//! This module owns connecting, sharding, what the handlers share, and reloads; its
//! submodules own routing (`handler`), what is said to a question (`conversation`), the slash
//! commands (`commands`, one file each), the feedback buttons, and sending within Discord's
//! limits (`send`, `limits`), and the threads the core's CPU work runs on (`workers`). The
//! answer itself comes from [`crate::respond_embedded`] and [`crate::reply`].

mod commands;
mod conversation;
mod cooldown;
mod feedback;
mod handler;
mod limits;
mod send;
mod watch;
mod workers;

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::ArcSwap;
use serenity::all::{ClientBuilder, GatewayIntents, HttpBuilder};

use crate::config::Config;
use crate::embed::queue::EmbedQueue;
use crate::faq_edit::{self, EditError, FaqEdit};
use crate::ops::{self, Metrics};
use crate::staff::StaffData;
use crate::{Knowledge, LoadError};
use cooldown::Cooldowns;
use handler::Handler;
use workers::Workers;

/// The environment variable the token is read from; it is never read from a file.
pub const TOKEN_VARIABLE: &str = "DISCORD_TOKEN";

/// Why the bot could not run.
#[derive(Debug, thiserror::Error)]
pub enum DiscordError {
    #[error("{TOKEN_VARIABLE} is not set: set it to the bot token from the Discord developer portal")]
    MissingToken,
    // serenity's errors name routes and status codes, never the token.
    #[error("Discord client error: {0}")]
    Client(#[from] serenity::Error),
    #[error("cannot serve /healthz and /metrics on {listen}: {source}")]
    Ops { listen: std::net::SocketAddr, source: std::io::Error },
}

/// What the handlers share: the settings, the current knowledge (swapped whole on reload)
/// and the cooldowns.
pub struct Shared {
    config: Config,
    knowledge: ArcSwap<Knowledge>,
    cooldowns: Mutex<Cooldowns>,
    staff: Arc<StaffData>,
    metrics: Arc<Metrics>,
    /// Questions are embedded here, on one thread off the async runtime, in batches.
    embedder: EmbedQueue,
    /// Serialises reloads, so two staff members reloading at once cannot interleave.
    reloading: tokio::sync::Mutex<()>,
    /// One kept thread per core for the core's CPU work.
    workers: Workers,
}

impl Shared {
    /// Starts the embedding thread for the knowledge's model; fails only if no thread can be
    /// started.
    pub fn new(config: Config, knowledge: Knowledge, staff: StaffData) -> std::io::Result<Shared> {
        let cooldowns = Mutex::new(Cooldowns::new(Duration::from_secs(config.discord.cooldown_seconds)));
        let metrics = Arc::new(Metrics::new(&knowledge));
        let model = knowledge.engine.model().clone();
        Ok(Shared {
            config,
            knowledge: ArcSwap::from_pointee(knowledge),
            cooldowns,
            staff: Arc::new(staff),
            metrics,
            embedder: EmbedQueue::start(model)?,
            reloading: tokio::sync::Mutex::new(()),
            workers: Workers::start()?,
        })
    }

    /// Rebuilds the knowledge from the corpus folder off the async runtime, and swaps it in
    /// only if it is valid; questions go on being answered from the old one meanwhile.
    pub async fn reload(&self) -> Result<ReloadReport, LoadError> {
        let _one_at_a_time = self.reloading.lock().await;
        let config = self.config.clone();
        let model = self.knowledge().engine.model().clone();
        let loaded = tokio::task::spawn_blocking(move || Knowledge::load(&config, &model))
            .await
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic.into_panic()))
            .inspect_err(|_| self.metrics.reloaded(None))?;
        self.metrics.reloaded(Some(&loaded));
        let before = self.knowledge.load_full();
        let report = ReloadReport::between(&before, &loaded);
        self.knowledge.store(Arc::new(loaded));
        Ok(report)
    }

    /// Writes a FAQ edit (validated, atomic, the old file kept) and makes it live at once.
    pub async fn edit_faq(&self, edit: FaqEdit) -> Result<String, EditError> {
        let config = self.config.clone();
        let id = tokio::task::spawn_blocking(move || faq_edit::apply(&edit, &config))
            .await
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic.into_panic()))?;
        // The edit was validated against the whole corpus, so the reload only fails if someone
        // broke another file meanwhile; the edit is saved either way and the watcher reports it.
        if let Err(error) = self.reload().await {
            tracing::warn!(%error, "reload after a FAQ edit failed");
        }
        Ok(id)
    }

    /// The vectors of a message (its question and clauses) and what the red-flag rules found
    /// in it, all computed off the async runtime with one version of the knowledge, the one
    /// that answers. If the model fails, the question is answered by its words and triaged by
    /// the rules.
    pub async fn embed(&self, knowledge: &Arc<Knowledge>, question: &str) -> crate::Embedded {
        let (knowledge, question) = (knowledge.clone(), question.to_owned());
        let wanted = self.workers.run(move || knowledge.texts_to_embed(&question)).await;
        let texts = wanted.texts().map(str::to_owned).collect();
        let vectors = self.embedder.embed(texts).await.unwrap_or_else(|error| {
            tracing::warn!(%error, "cannot embed a message; answering by its words and rules alone");
            Vec::new()
        });
        wanted.with_vectors(vectors)
    }

    /// The knowledge of the moment; hold it for one message, never across a reload.
    pub fn knowledge(&self) -> Arc<Knowledge> {
        self.knowledge.load_full()
    }
}

/// What changed in a reload, for the staff member who asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReloadReport {
    pub passages: usize,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
}

impl ReloadReport {
    fn between(before: &Knowledge, after: &Knowledge) -> ReloadReport {
        let old: std::collections::BTreeMap<&str, &str> =
            before.engine.corpus().passages.iter().map(|p| (p.id.as_str(), p.text.as_str())).collect();
        let new: std::collections::BTreeMap<&str, &str> =
            after.engine.corpus().passages.iter().map(|p| (p.id.as_str(), p.text.as_str())).collect();
        let added = new.keys().filter(|id| !old.contains_key(*id)).map(|id| id.to_string()).collect();
        let removed = old.keys().filter(|id| !new.contains_key(*id)).map(|id| id.to_string()).collect();
        let changed = new
            .iter()
            .filter(|(id, text)| old.get(*id).is_some_and(|o| o != *text))
            .map(|(id, _)| id.to_string())
            .collect();
        ReloadReport { passages: new.len(), added, removed, changed }
    }

    /// A short summary for Discord.
    pub fn summary(&self) -> String {
        if self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty() {
            return format!("Reloaded: no changes ({} passages).", self.passages);
        }
        let list = |label: &str, ids: &[String]| {
            if ids.is_empty() {
                String::new()
            } else {
                let shown: Vec<&str> = ids.iter().take(10).map(String::as_str).collect();
                let more = if ids.len() > shown.len() {
                    format!(" and {} more", ids.len() - shown.len())
                } else {
                    String::new()
                };
                format!("\n{label} ({}): {}{more}", ids.len(), shown.join(", "))
            }
        };
        format!(
            "Reloaded: {} passages.{}{}{}",
            self.passages,
            list("Added", &self.added),
            list("Changed", &self.changed),
            list("Removed", &self.removed)
        )
    }
}

/// The gateway intents: guild messages and DMs, and message content only when the bot
/// listens to whole channels (mentions and DMs carry their content without it).
pub fn intents(config: &Config) -> GatewayIntents {
    let mut intents = GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES | GatewayIntents::DIRECT_MESSAGES;
    if !config.discord.listen_channels.is_empty() {
        intents |= GatewayIntents::MESSAGE_CONTENT;
    }
    intents
}

/// Allowed mentions that allow nothing: no `@everyone`, no user, no role, no reply ping.
pub(crate) fn no_pings() -> serenity::all::CreateAllowedMentions {
    serenity::all::CreateAllowedMentions::new().empty_users().empty_roles().replied_user(false)
}

/// What staff are told when a corpus version is refused: the previous one keeps answering,
/// and each `FILE:LINE` problem is listed. Each problem is also logged.
pub(crate) fn refusal_report(heading: &str, error: &LoadError) -> String {
    let problems = error.problems();
    let mut text = format!("{heading}: the previous version is still answering.");
    if problems.is_empty() {
        text.push_str(&format!("\n{error}"));
    }
    for problem in problems {
        tracing::warn!(%problem, "corpus refused");
    }
    // Every problem is listed: what does not fit in a message is cut when it is sent, with
    // the number left out.
    for problem in problems {
        text.push_str(&format!("\n`{problem}`"));
    }
    text
}

/// Posts a report to the staff channel, if one is set.
pub(crate) async fn tell_staff(shared: &Shared, http: &serenity::http::Http, text: &str) {
    let Some(channel) = shared.config.discord.staff_channel else { return };
    send::to_channel(http, serenity::all::ChannelId::new(channel), text).await;
}

/// Runs the bot until `shutdown` completes or every shard has stopped.
pub async fn run(
    token: &str,
    shared: Arc<Shared>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), DiscordError> {
    let config = &shared.config;
    let mut http = HttpBuilder::new(token);
    if let Some(proxy) = config.discord.rest_proxy.as_deref().filter(|p| !p.is_empty()) {
        // The proxy owns rate limits; serenity's own limiter would bypass the proxy.
        http = http.proxy(proxy.trim_end_matches('/')).ratelimiter_disabled(true);
    }
    let intents = intents(config);
    let shards = config.discord.shards.clone();
    let mut client =
        ClientBuilder::new_with_http(http.build(), intents).event_handler(Handler::new(shared.clone())).await?;
    let _watcher = if shared.config.discord.watch_corpus {
        match watch::watch_corpus(shared.clone(), client.http.clone()) {
            Ok(watcher) => Some(watcher),
            Err(error) => {
                tracing::warn!(%error, "cannot watch the corpus folder: use /reload after edits");
                None
            }
        }
    } else {
        None
    };
    let shard_manager = client.shard_manager.clone();
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("shutting down");
        shard_manager.shutdown_all().await;
    });
    // Tasks that live as long as the client: aborted when it stops.
    let mut beside = tokio::task::JoinSet::new();
    if let Some(listen) = config.ops.listen {
        let listener = ops::bind(listen).await.map_err(|source| DiscordError::Ops { listen, source })?;
        let metrics = shared.metrics.clone();
        beside.spawn(async move {
            if let Err(error) = ops::serve(listener, metrics).await {
                tracing::warn!(%error, "the /healthz and /metrics server stopped");
            }
        });
    }
    beside.spawn(forget_old_questions(shared.clone()));
    let started = match (shards.total, shards.first, shards.last) {
        // serenity's range is read as first..=last: it starts `end - start + 1` shards.
        (Some(total), Some(first), Some(last)) => client.start_shard_range(first..last, total).await,
        (Some(total), _, _) => client.start_shards(total).await,
        _ => client.start_autosharded().await,
    };
    beside.abort_all();
    Ok(started?)
}

/// Deletes unanswered questions past `keep_days` every hour; the store also does at start.
async fn forget_old_questions(shared: Arc<Shared>) {
    let mut hourly = tokio::time::interval(Duration::from_secs(60 * 60));
    loop {
        hourly.tick().await;
        match shared.staff.forget_old().await {
            Ok(0) => {}
            Ok(forgotten) => tracing::info!(forgotten, "deleted unanswered questions past keep_days"),
            Err(error) => tracing::warn!(%error, "cannot delete old unanswered questions"),
        }
    }
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                let _ = interrupt.await;
                return;
            }
        };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
