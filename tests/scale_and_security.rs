//! Running at scale and under attack: two `serve` processes sharing two shards, secrets kept
//! out of logs, staff commands closed to others, and no path from user text to a file outside
//! the corpus.

mod common;

use std::process::Stdio;

use common::fake_discord::{bot_user, message_json, user, FakeDiscord, BOT_ID, WAIT};
use common::serve::{bot_folder, serve, stop, write_config};
use tokio::process::Child;

/// Guild ids whose events Discord routes to shard 0 and shard 1 of 2: `(id >> 22) % 2`.
const GUILD_ON_SHARD_0: u64 = 2 << 22;
const GUILD_ON_SHARD_1: u64 = 3 << 22;

/// `serve` with `token` on a copy of the corpus and the config `settings`, its logs dropped.
/// The folder must live as long as the process.
fn serve_quietly(settings: &str, token: &str) -> (tempfile::TempDir, Child) {
    let folder = bot_folder();
    let config = write_config(folder.path(), "bot.toml", settings);
    let child = serve(&config, token).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    (folder, child)
}

#[tokio::test(flavor = "multi_thread")]
async fn two_processes_each_run_their_shard_and_answer_its_messages() {
    let mut fake = FakeDiscord::start(2).await;
    let config = |first: u32| {
        format!(
            "[discord]\nrest_proxy = \"{}\"\nguild_ids = [{GUILD_ON_SHARD_0}]\ncooldown_seconds = 0\n\n[discord.shards]\ntotal = 2\nfirst = {first}\nlast = {first}\n",
            fake.base
        )
    };
    let (_zero, mut first) = serve_quietly(&config(0), "token-of-process-zero");
    let (_one, mut second) = serve_quietly(&config(1), "token-of-process-one");

    let mut shards = Vec::new();
    for _ in 0..2 {
        let identify = fake.expect("an IDENTIFY", |r| r.method == "IDENTIFY").await;
        shards.push((identify.authorization.clone(), identify.body["shard"].clone()));
    }
    shards.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        shards,
        [
            ("Bot token-of-process-one".to_owned(), serde_json::json!([1, 2])),
            ("Bot token-of-process-zero".to_owned(), serde_json::json!([0, 2])),
        ]
    );
    fake.saw_or_expect("the command registration by shard 0", |r| r.method == "PUT").await;

    let ask = format!("<@{BOT_ID}> are massage guns good for sciatica?");
    for (id, guild) in [(1, GUILD_ON_SHARD_0), (2, GUILD_ON_SHARD_1), (3, GUILD_ON_SHARD_1), (4, GUILD_ON_SHARD_0)] {
        fake.dispatch(
            "MESSAGE_CREATE",
            message_json(id, 500, Some(guild), user(42, "a", false), &ask, vec![bot_user()]),
        );
    }
    for (id, process) in [("1", "zero"), ("2", "one"), ("3", "one"), ("4", "zero")] {
        let reply = fake
            .saw_or_expect(&format!("the reply to message {id}"), |r| {
                r.method == "POST" && r.body["message_reference"]["message_id"] == id
            })
            .await;
        assert_eq!(reply.authorization, format!("Bot token-of-process-{process}"), "message {id}");
    }
    fake.drain(std::time::Duration::from_millis(300)).await;
    let replies = fake.seen.iter().filter(|r| r.method == "POST" && r.path.ends_with("/messages")).count();
    assert_eq!(replies, 4, "each message answered once, by its shard's process only");
    stop(&mut first).await;
    stop(&mut second).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_token_never_appears_in_logs_even_when_discord_refuses_it() {
    // A proxy address where nothing listens: every call fails, and errors are logged.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let folder = bot_folder();
    let config = write_config(folder.path(), "bot.toml", &format!("[discord]\nrest_proxy = \"{dead}\"\n"));
    let token = "MTIzNDU2Nzg5.secret-token-value.XyZ";
    let output = serve(&config, token).env("RUST_LOG", "trace").output();
    let output = tokio::time::timeout(WAIT, output).await.expect("gives up in time").unwrap();
    assert_eq!(output.status.code(), Some(2), "cannot run without Discord");
    let everything = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(!everything.is_empty());
    for secret in [token, "secret-token-value", "MTIzNDU2Nzg5"] {
        assert!(!everything.contains(secret), "the token leaked: {everything}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_commands_are_refused_in_direct_messages() {
    let mut fake = FakeDiscord::start(1).await;
    let (_folder, mut bot) =
        serve_quietly(&format!("[discord]\nrest_proxy = \"{}\"\nstaff_role_ids = [77]\n", fake.base), "token");
    fake.expect("the command registration", |r| r.method == "PUT").await;
    let options = serde_json::json!([{"name": "add", "type": 1, "options": []}]);
    for (id, name, options) in
        [(1, "reload", serde_json::json!([])), (2, "unanswered", serde_json::json!([])), (3, "faq", options)]
    {
        let dm = common::fake_discord::command_json(id, name, options, None, user(42, "a", false), &[], 0);
        fake.dispatch("INTERACTION_CREATE", dm);
        let response = fake.callback(id).await;
        let content = response["data"]["content"].as_str().unwrap_or_default();
        assert!(content.contains("only clinic staff"), "/{name} in a DM: {response}");
        assert_eq!(response["data"]["flags"], 64);
    }
    stop(&mut bot).await;
}

/// Regexes are built only from constants and from the staff's rules file; nothing builds a
/// query parser. A structural guard: new code that compiles patterns elsewhere must justify it.
#[test]
fn user_text_never_reaches_a_query_parser_or_a_regex_compiler() {
    const CONSTRUCTORS: [&str; 4] = ["Regex::new(", "RegexBuilder::new(", "RegexSetBuilder::new(", "RegexSet::new("];
    let mut sites: Vec<(String, String)> = Vec::new();
    let mut stack = vec![std::path::PathBuf::from("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(!text.contains("QueryParser"), "{} builds a query parser", path.display());
            for (number, line) in text.lines().enumerate() {
                for constructor in CONSTRUCTORS {
                    if let Some(at) = line.find(constructor) {
                        let site = format!("{}:{}: {}", path.display(), number + 1, line.trim());
                        sites.push((site, line[at + constructor.len()..].to_owned()));
                    }
                }
            }
        }
    }
    for (site, argument) in &sites {
        let constant = argument.starts_with("r\"") || argument.starts_with(|c: char| c.is_ascii_uppercase());
        let rules = site.starts_with("src/triage/mod.rs")
            && (argument.starts_with("&sources") || argument.starts_with("&expanded)"));
        assert!(
            constant || rules,
            "a regex is compiled from something other than a constant or the rules file: {site}"
        );
    }
    assert!(sites.len() >= 4, "{sites:#?}");
}

#[test]
fn faq_edits_cannot_write_outside_the_corpus_whatever_the_input() {
    use sciatica_bot::config::Config;
    use sciatica_bot::faq_edit::{self, FaqEdit};
    let root = bot_folder();
    let corpus = root.path().join("corpus");
    let mut config = Config::default();
    config.corpus.dir = corpus.clone();
    config.staff.history_dir = root.path().join("history");
    let hostile = ["../../../etc/passwd", "/etc/shadow", "..\\..\\x", "faq/../../escape", "\0", "con:"];
    for text in hostile {
        let _ = faq_edit::apply(&FaqEdit::Remove { id: text.to_owned() }, &config);
        let _ = faq_edit::apply(
            &FaqEdit::Replace { id: text.to_owned(), question: text.to_owned(), answer: text.to_owned() },
            &config,
        );
        let _ = faq_edit::apply(
            &FaqEdit::Add { question: format!("{text} question?"), answer: format!("{text}\n# {text}") },
            &config,
        );
    }
    let mut files = Vec::new();
    let mut stack = vec![root.path().to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path.strip_prefix(root.path()).unwrap().to_path_buf());
            }
        }
    }
    for file in files {
        let allowed = file.starts_with("history") || (file.starts_with("corpus") && file.components().count() == 2);
        assert!(allowed, "an edit wrote {}", file.display());
    }
    // The lock file that edits take turns on is the one file an edit may add.
    let shipped: Vec<_> = std::fs::read_dir("corpus").unwrap().collect();
    let left: Vec<_> =
        std::fs::read_dir(&corpus).unwrap().flatten().filter(|e| e.file_name() != faq_edit::LOCK_FILE).collect();
    assert_eq!(left.len(), shipped.len(), "no new file in the corpus");
}

#[test]
fn huge_and_malformed_corpus_files_are_rejected_with_a_clear_error() {
    let folder = bot_folder();
    let corpus = folder.path().join("corpus");
    let huge = format!("# FAQ\n\n## Big?\n\n{}\n", "word ".repeat(400_000));
    std::fs::write(corpus.join("faq.md"), huge).unwrap();
    std::fs::write(corpus.join("notes.md"), [0xff, 0xfe, 0x00, 0x9f, b'\n']).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_sciatica-bot"))
        .arg("check")
        .arg("--corpus")
        .arg(&corpus)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(report.contains("faq.md:1: file is") && report.contains("over the limit"), "{report}");
    assert!(report.contains("notes.md:1: the file is not valid UTF-8"), "{report}");
}
