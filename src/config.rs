//! `config.toml`: where the corpus lives and the fixed wording around answers.
//!
//! Every key has a default, so a config file only holds what it changes, and relative paths
//! resolve against the folder of the config file. This module reads and validates settings;
//! it does not read the corpus itself.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::corpus::{line_of, Problem};

/// The default config path, relative to the working directory.
pub const DEFAULT_PATH: &str = "config.toml";

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub corpus: CorpusConfig,
    pub model: ModelConfig,
    pub reply: ReplyConfig,
    pub triage: TriageConfig,
    pub discord: DiscordConfig,
    pub staff: StaffConfig,
    pub ops: OpsConfig,
}

/// Where the staff workflow keeps its data; paths are relative to the config file's folder.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StaffConfig {
    /// The votes, unanswered questions and audit log: an SQLite file, or a `postgres://` URL.
    pub database: Database,
    /// The environment variable holding the PostgreSQL password: never config.toml.
    pub database_password_env: String,
    /// Unanswered questions older than this many days are deleted.
    pub keep_days: u32,
    /// Where the previous `faq.md` is kept before each edit made from Discord.
    pub history_dir: PathBuf,
    /// The JSON-lines log of unanswered questions of earlier versions, imported once.
    pub unanswered_log: PathBuf,
    /// The JSON vote counts of earlier versions, imported once.
    pub feedback_file: PathBuf,
}

impl Default for StaffConfig {
    fn default() -> StaffConfig {
        StaffConfig {
            database: Database::Sqlite(PathBuf::from("data/staff.sqlite3")),
            database_password_env: "SCIATICA_DB_PASSWORD".to_owned(),
            keep_days: 90,
            history_dir: PathBuf::from("data/faq-history"),
            unanswered_log: PathBuf::from("data/unanswered.jsonl"),
            feedback_file: PathBuf::from("data/feedback.json"),
        }
    }
}

/// Which database holds the staff data.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum Database {
    /// A file, so a single process needs nothing set up.
    Sqlite(PathBuf),
    /// A server shared by bots on several machines: `postgres://user@host/db`, no password.
    Postgres(String),
}

impl TryFrom<String> for Database {
    type Error = String;

    fn try_from(text: String) -> Result<Database, String> {
        if !(text.starts_with("postgres://") || text.starts_with("postgresql://")) {
            return Ok(Database::Sqlite(PathBuf::from(text)));
        }
        // A password in the URL would sit in config.toml and in every error that quotes it.
        let authority = text.split_once("://").map_or("", |(_, rest)| rest.split('/').next().unwrap_or(""));
        let in_userinfo = authority.rsplit_once('@').is_some_and(|(user, _)| user.contains(':'));
        let in_query =
            text.split_once('?').is_some_and(|(_, query)| query.split('&').any(|p| p.starts_with("password=")));
        if in_userinfo || in_query {
            return Err("[staff] database: put the password in the environment variable, not in the URL".to_owned());
        }
        Ok(Database::Postgres(text))
    }
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::Sqlite(path) => write!(f, "SQLite {}", path.display()),
            Database::Postgres(url) => write!(f, "PostgreSQL {url}"),
        }
    }
}

/// What an operator sees from outside.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OpsConfig {
    /// Where `/healthz` and `/metrics` are served, such as "127.0.0.1:9102"; off when absent.
    pub listen: Option<std::net::SocketAddr>,
}

/// The sentence-embedding model and where its vectors are kept between runs.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelConfig {
    /// The model folder (`config.json`, `tokenizer.json`, `model.safetensors`).
    pub dir: PathBuf,
    /// The vector cache: passages already embedded are read from here, not embedded again.
    pub cache: PathBuf,
}

impl Default for ModelConfig {
    fn default() -> ModelConfig {
        ModelConfig { dir: PathBuf::from(crate::embed::DEFAULT_MODEL_DIR), cache: PathBuf::from("data/vectors.bin") }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CorpusConfig {
    /// The corpus folder; relative to the config file's folder.
    pub dir: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReplyConfig {
    /// The standing line under every reply.
    pub disclaimer: String,
    /// How many topics the "no answer" reply lists at most.
    pub max_topics: usize,
}

impl Default for CorpusConfig {
    fn default() -> CorpusConfig {
        CorpusConfig { dir: PathBuf::from("corpus") }
    }
}

impl Default for ReplyConfig {
    fn default() -> ReplyConfig {
        ReplyConfig {
            disclaimer: "General information from the clinic's own articles, not medical advice. \
                         For a diagnosis or treatment plan, talk to a doctor or your therapist."
                .to_owned(),
            max_topics: 12,
        }
    }
}

/// The phone lines the red-flag notices name; they differ by country.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TriageConfig {
    /// For emergencies (999 in the UK, 911 in the US and Canada, 112 in the EU, 000 in Australia).
    pub emergency_number: String,
    /// For urgent, non-emergency advice (NHS 111 in England).
    pub urgent_line: String,
}

impl Default for TriageConfig {
    fn default() -> TriageConfig {
        TriageConfig { emergency_number: "999".to_owned(), urgent_line: "NHS 111".to_owned() }
    }
}

/// How the bot runs on Discord. The token is never here: it comes from `DISCORD_TOKEN`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DiscordConfig {
    /// Register the slash commands in these guilds (instant); empty means globally.
    pub guild_ids: Vec<u64>,
    /// Channels where every message is read and answered when the bot has something to say
    /// (an answer or a red-flag notice). Needs the privileged Message Content intent.
    pub listen_channels: Vec<u64>,
    /// How long a user waits between two answers; 0 turns the cooldown off.
    pub cooldown_seconds: u64,
    /// Members with one of these roles may use the staff commands (as may anyone with the
    /// Manage Server permission).
    pub staff_role_ids: Vec<u64>,
    /// Slash-command answers visible only to the person who asked.
    pub ephemeral_answers: bool,
    /// A Discord-compatible HTTP proxy (twilight-http-proxy, nirn-proxy) that every REST call
    /// goes to instead of discord.com; the proxy then owns rate limits.
    pub rest_proxy: Option<String>,
    pub shards: ShardsConfig,
    /// A channel where the bot reports corpus reloads (what changed, or the `FILE:LINE`
    /// problems that kept the previous version serving).
    pub staff_channel: Option<u64>,
    /// Watch the corpus folder and reload it when staff save a file.
    pub watch_corpus: bool,
}

impl Default for DiscordConfig {
    fn default() -> DiscordConfig {
        DiscordConfig {
            guild_ids: Vec::new(),
            listen_channels: Vec::new(),
            cooldown_seconds: 10,
            staff_role_ids: Vec::new(),
            ephemeral_answers: false,
            rest_proxy: None,
            shards: ShardsConfig::default(),
            staff_channel: None,
            watch_corpus: true,
        }
    }
}

/// Which gateway shards this process runs: by default all of them, as many as Discord
/// recommends; or `first..=last` of `total`, so several processes can share a large bot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShardsConfig {
    pub total: Option<u32>,
    pub first: Option<u32>,
    pub last: Option<u32>,
}

/// Why a config file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {}: {source}", path.display())]
    Unreadable { path: PathBuf, source: std::io::Error },
    #[error("{0}")]
    Invalid(Problem),
}

impl Config {
    /// Reads a config file; a missing file at the default path means "all defaults", a
    /// missing file that was asked for by name is an error.
    pub fn load(path: &Path, explicit: bool) -> Result<Config, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => String::new(),
            Err(source) => return Err(ConfigError::Unreadable { path: path.to_path_buf(), source }),
        };
        let mut config: Config = toml::from_str(&text).map_err(|e| {
            let line = e.span().map_or(1, |span| line_of(&text, span.start));
            ConfigError::Invalid(Problem::new(path, line, e.message().to_owned()))
        })?;
        let base = path.parent().unwrap_or(Path::new(""));
        config.corpus.dir = base.join(&config.corpus.dir);
        config.model.dir = base.join(&config.model.dir);
        config.model.cache = base.join(&config.model.cache);
        config.staff.unanswered_log = base.join(&config.staff.unanswered_log);
        config.staff.history_dir = base.join(&config.staff.history_dir);
        config.staff.feedback_file = base.join(&config.staff.feedback_file);
        if let Database::Sqlite(file) = &mut config.staff.database {
            *file = base.join(&*file);
        }
        config.discord.shards.validate().map_err(|message| ConfigError::Invalid(Problem::new(path, 1, message)))?;
        Ok(config)
    }
}

impl ShardsConfig {
    fn validate(&self) -> Result<(), String> {
        match (self.total, self.first, self.last) {
            (None, None, None) | (Some(_), None, None) => Ok(()),
            (Some(total), Some(first), Some(last)) if first <= last && last < total => Ok(()),
            (Some(total), Some(first), Some(last)) => {
                Err(format!("[discord.shards] first ({first}) <= last ({last}) < total ({total}) does not hold"))
            }
            _ => Err("[discord.shards] needs total, or total with both first and last".to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_url_never_carries_a_password() {
        let database = |url: &str| Database::try_from(url.to_owned());
        assert_eq!(database("data/staff.sqlite3"), Ok(Database::Sqlite(PathBuf::from("data/staff.sqlite3"))));
        assert!(matches!(database("postgres://bot@db.internal/sciatica"), Ok(Database::Postgres(_))));
        for url in ["postgres://bot:hunter2@db.internal/sciatica", "postgresql://db/sciatica?user=bot&password=hunter2"]
        {
            let refused = database(url).unwrap_err();
            assert!(refused.contains("environment variable") && !refused.contains("hunter2"), "{refused}");
        }
    }

    #[test]
    fn a_file_holds_only_what_it_changes() {
        let config: Config = toml::from_str("[reply]\nmax_topics = 3\n").unwrap();
        assert_eq!(config.reply.max_topics, 3);
        assert_eq!(config.corpus, CorpusConfig::default());
        assert_eq!(config.reply.disclaimer, ReplyConfig::default().disclaimer);
    }

    #[test]
    fn relative_paths_resolve_against_the_config_folder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "[corpus]\ndir = \"content\"\n").unwrap();
        let config = Config::load(&path, true).unwrap();
        assert_eq!(config.corpus.dir, dir.path().join("content"));
    }

    #[test]
    fn unknown_keys_are_reported_with_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "[reply]\nmax_topics = 3\ncolour = \"red\"\n").unwrap();
        match Config::load(&path, true) {
            Err(ConfigError::Invalid(problem)) => assert_eq!(problem.line, 3, "{problem}"),
            other => panic!("expected an invalid config, got {other:?}"),
        }
    }

    #[test]
    fn shard_ranges_must_fit_their_total() {
        let shards = |total, first, last| ShardsConfig { total, first, last }.validate();
        assert!(shards(None, None, None).is_ok());
        assert!(shards(Some(4), None, None).is_ok());
        assert!(shards(Some(4), Some(2), Some(3)).is_ok());
        assert!(shards(Some(4), Some(3), Some(4)).is_err());
        assert!(shards(None, Some(0), Some(0)).is_err());
    }

    #[test]
    fn a_missing_file_is_an_error_only_when_named() {
        let missing = Path::new("/nonexistent/config.toml");
        assert!(Config::load(missing, false).is_ok());
        assert!(matches!(Config::load(missing, true), Err(ConfigError::Unreadable { .. })));
    }
}
