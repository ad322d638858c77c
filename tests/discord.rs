//! The Discord bot end to end: the real serenity client, driven by `sciatica_bot::discord`,
//! against a fake Discord (REST and gateway) on 127.0.0.1 reached through `rest_proxy`.

mod common;

use std::path::Path;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use common::fake_discord::{
    assert_no_pings, autocomplete_json, bot_user, click_json, command_json, message_json, modal_json, user,
    FakeDiscord, BOT_ID, WAIT,
};
use sciatica_bot::config::Config;
use sciatica_bot::discord::{self, Shared};
use sciatica_bot::embed::Model;
use sciatica_bot::Knowledge;
use serde_json::json;
use tokio::sync::oneshot;

/// One model for every bot in this test process, as one process has one model: a model per
/// bot would make the memory figures of the burst test about how many tests run at once.
static MODEL: LazyLock<Arc<Model>> =
    LazyLock::new(|| Arc::new(Model::load(&Config::default().model.dir).expect("the shipped model loads")));

const GUILD: u64 = 81_985_512_345_678_901;
const CHANNEL: u64 = 500;
const STAFF_ROLE: u64 = 77;
const MANAGE_GUILD: u64 = 1 << 5;

/// Tests run in parallel in this process, and resident memory is the process's: the burst
/// test measures it while no other bot runs, the others share their turns.
static MEMORY_TURN: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

enum Turn {
    Shared(#[allow(dead_code)] tokio::sync::RwLockReadGuard<'static, ()>),
    Alone(#[allow(dead_code)] tokio::sync::RwLockWriteGuard<'static, ()>),
}

/// A bot connected to a fresh fake Discord, ready (its commands registered).
struct Running {
    /// Held for the bot's whole life.
    _turn: Turn,
    fake: FakeDiscord,
    /// Holds the unanswered log and anything else the bot writes.
    files: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<(), discord::DiscordError>>,
}

impl Running {
    async fn start(configure: impl FnOnce(&mut Config)) -> Running {
        Running::start_in(Turn::Shared(MEMORY_TURN.read().await), configure).await
    }

    /// A bot that runs while no other test's bot does.
    async fn start_alone(configure: impl FnOnce(&mut Config)) -> Running {
        Running::start_in(Turn::Alone(MEMORY_TURN.write().await), configure).await
    }

    async fn start_in(turn: Turn, configure: impl FnOnce(&mut Config)) -> Running {
        let mut fake = FakeDiscord::start(1).await;
        let mut config = Config::default();
        config.discord.rest_proxy = Some(fake.base.clone());
        config.discord.guild_ids = vec![GUILD];
        config.discord.staff_role_ids = vec![STAFF_ROLE];
        config.discord.cooldown_seconds = 0;
        // Tests that edit the corpus and /reload must not race the watcher; the watcher test turns it on.
        config.discord.watch_corpus = false;
        let files = tempfile::tempdir().unwrap();
        config.staff.unanswered_log = files.path().join("unanswered.jsonl");
        config.staff.feedback_file = files.path().join("feedback.json");
        config.staff.history_dir = files.path().join("history");
        configure(&mut config);
        let knowledge = Knowledge::load(&config, &MODEL).expect("the corpus loads");
        let shared = Arc::new(Shared::new(config, knowledge).unwrap());
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(discord::run("test-token", shared, async {
            let _ = stopped.await;
        }));
        fake.expect("the command registration", |r| r.method == "PUT" && r.path.ends_with("/commands")).await;
        Running { _turn: turn, fake, files, stop: Some(stop), task }
    }

    fn say(&self, id: u64, author: u64, content: &str, mention_bot: bool) {
        let mentions = if mention_bot { vec![bot_user()] } else { vec![] };
        self.fake.dispatch(
            "MESSAGE_CREATE",
            message_json(id, CHANNEL, Some(GUILD), user(author, "someone", false), content, mentions),
        );
    }

    fn command(&self, id: u64, name: &str, options: serde_json::Value, roles: &[u64], permissions: u64) {
        self.fake.dispatch(
            "INTERACTION_CREATE",
            command_json(id, name, options, Some(GUILD), user(42, "member", false), roles, permissions),
        );
    }

    /// A bot answering from a copy of the corpus that the test may edit.
    async fn on_a_corpus_copy(configure: impl FnOnce(&mut Config)) -> (tempfile::TempDir, Running) {
        let corpus = corpus_copy();
        let dir = corpus.path().to_path_buf();
        let running = Running::start(|c| {
            c.corpus.dir = dir;
            configure(c);
        })
        .await;
        (corpus, running)
    }

    /// The next request the bot makes, recorded like the others.
    async fn fake_next(&mut self) -> Option<common::fake_discord::Recorded> {
        self.fake.next().await
    }

    /// Stops the bot cleanly and checks every body it sent lets nobody be pinged.
    async fn finish(mut self) {
        self.fake.drain(Duration::from_millis(200)).await;
        let sent = self.fake.sent_bodies();
        assert!(!sent.is_empty());
        for request in sent {
            assert_no_pings(request);
        }
        let _ = self.stop.take().unwrap().send(());
        let result = tokio::time::timeout(WAIT, self.task).await.expect("the bot stops in time").unwrap();
        assert!(result.is_ok(), "{result:?}");
    }
}

fn ask(question: &str) -> serde_json::Value {
    json!([{"name": "question", "type": 3, "value": question}])
}

#[test]
fn fixtures_deserialize_into_serenity_types() {
    let message = message_json(1, 2, Some(3), user(4, "a", false), "hi", vec![bot_user()]);
    serde_json::from_value::<serenity::all::Message>(message).unwrap();
    let command = command_json(5, "ask", ask("q"), Some(GUILD), user(4, "a", false), &[1], 0);
    serde_json::from_value::<serenity::all::CommandInteraction>(command).unwrap();
    let dm_command = command_json(6, "reload", json!([]), None, user(4, "a", false), &[], 0);
    serde_json::from_value::<serenity::all::CommandInteraction>(dm_command).unwrap();
    let modal = modal_json(7, "faq:add", &[("question", "q"), ("answer", "a")], GUILD, user(4, "a", false), &[1]);
    serde_json::from_value::<serenity::all::ModalInteraction>(modal).unwrap();
    let autocomplete = autocomplete_json(8, "faq", "edit", "question", "gun", GUILD, user(4, "a", false));
    serde_json::from_value::<serenity::all::CommandInteraction>(autocomplete).unwrap();
    let click = click_json(9, "feedback:up:x", 10, CHANNEL, GUILD, user(4, "a", false));
    serde_json::from_value::<serenity::all::ComponentInteraction>(click).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mention_is_answered_as_a_reply_with_the_right_passage() {
    let mut bot = Running::start(|_| {}).await;
    bot.say(10, 42, &format!("<@{BOT_ID}> are massage guns good for sciatica?"), true);
    let reply = bot.fake.reply_to(10).await;
    assert!(reply.starts_with("**Are massage guns good for sciatica?**\n> Massage guns can help"), "{reply}");

    bot.say(11, 42, &format!("<@{BOT_ID}>"), true);
    let help = bot.fake.reply_to(11).await;
    assert!(help.contains("/ask") && help.contains("I can answer questions about"), "{help}");
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_red_flag_reply_starts_with_the_notice() {
    let mut bot = Running::start(|_| {}).await;
    bot.say(20, 42, &format!("<@{BOT_ID}> does massage help sciatica? since yesterday I can't feel when I pee"), true);
    let reply = bot.fake.reply_to(20).await;
    assert!(reply.starts_with("⚠️ **Please get medical help now.**"), "{reply}");
    assert!(reply.contains("999"), "{reply}");
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn slash_ask_and_topics_are_answered_through_the_interaction_callback() {
    let mut bot = Running::start(|c| c.discord.ephemeral_answers = true).await;
    bot.command(30, "ask", ask("Can massage make sciatica worse?"), &[], 0);
    let response = bot.fake.callback(30).await;
    assert_eq!(response["type"], 4);
    let content = response["data"]["content"].as_str().unwrap();
    assert!(content.contains("Massage can temporarily increase discomfort"), "{content}");
    assert_eq!(response["data"]["flags"], 64, "ephemeral_answers makes the answer visible to the asker only");

    bot.command(31, "topics", json!([]), &[], 0);
    let topics = bot.fake.callback(31).await;
    let content = topics["data"]["content"].as_str().unwrap();
    assert!(content.contains("What Is Sciatica And Why Does It Hurt"), "{content}");
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_direct_message_is_answered() {
    let mut bot = Running::start(|_| {}).await;
    let dm = message_json(40, 600, None, user(43, "dm-user", false), "What is myofascial release?", vec![]);
    bot.fake.dispatch("MESSAGE_CREATE", dm);
    let reply = bot.fake.reply_to(40).await;
    assert!(reply.contains("Myofascial release targets the fascia"), "{reply}");
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bots_webhooks_and_the_bot_itself_are_never_answered() {
    let mut bot = Running::start(|_| {}).await;
    let question = format!("<@{BOT_ID}> does massage help sciatica?");
    bot.fake.dispatch(
        "MESSAGE_CREATE",
        message_json(50, CHANNEL, Some(GUILD), user(44, "other-bot", true), &question, vec![bot_user()]),
    );
    bot.fake
        .dispatch("MESSAGE_CREATE", message_json(51, CHANNEL, Some(GUILD), bot_user(), &question, vec![bot_user()]));
    let mut hook = message_json(52, CHANNEL, Some(GUILD), user(45, "hook", false), &question, vec![bot_user()]);
    hook["webhook_id"] = json!("46");
    bot.fake.dispatch("MESSAGE_CREATE", hook);
    bot.say(53, 42, &question, true);
    bot.fake.reply_to(53).await;
    bot.fake.drain(Duration::from_millis(500)).await;
    let replied_to: Vec<String> = bot
        .fake
        .sent_bodies()
        .iter()
        .filter_map(|r| r.body["message_reference"]["message_id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(replied_to, ["53"]);
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_asking_too_soon_is_told_once_then_ignored_except_for_red_flags() {
    let mut bot = Running::start(|c| c.discord.cooldown_seconds = 3600).await;
    bot.say(60, 42, &format!("<@{BOT_ID}> does massage help sciatica?"), true);
    assert!(bot.fake.reply_to(60).await.contains("Massage helps sciatica pain"));
    bot.say(61, 42, &format!("<@{BOT_ID}> what is myofascial release?"), true);
    let wait = bot.fake.reply_to(61).await;
    assert!(wait.starts_with("You're asking quickly: please wait"), "{wait}");
    bot.say(62, 42, &format!("<@{BOT_ID}> what is trigger point therapy?"), true);
    bot.say(63, 42, &format!("<@{BOT_ID}> and I have numbness in my groin"), true);
    let notice = bot.fake.reply_to(63).await;
    assert!(notice.starts_with("⚠️") && notice.contains("please wait"), "{notice}");
    bot.say(64, 99, &format!("<@{BOT_ID}> what is trigger point therapy?"), true);
    assert!(bot.fake.reply_to(64).await.contains("Trigger"), "another user is not held back");
    bot.fake.drain(Duration::from_millis(300)).await;
    assert!(
        !bot.fake.sent_bodies().iter().any(|r| r.body["message_reference"]["message_id"] == "62"),
        "the second too-soon question got a reply"
    );
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn listened_channels_get_answers_and_notices_but_chatter_is_left_alone() {
    let mut bot = Running::start(|c| c.discord.listen_channels = vec![CHANNEL]).await;
    let identify = bot.fake.seen.iter().find(|r| r.method == "IDENTIFY").unwrap().body.clone();
    let message_content = 1 << 15;
    assert_eq!(
        identify["intents"].as_u64().unwrap() & message_content,
        message_content,
        "listening needs Message Content"
    );
    bot.say(110, 42, "haha same, see you all on saturday", false);
    bot.say(111, 42, "so I think I wet myself last night", false);
    assert!(bot.fake.reply_to(111).await.starts_with("⚠️"));
    bot.say(112, 42, "anyone know if massage guns are good for sciatica?", false);
    assert!(bot.fake.reply_to(112).await.contains("Massage guns can help"));
    bot.fake.drain(Duration::from_millis(300)).await;
    assert!(!bot.fake.sent_bodies().iter().any(|r| r.body["message_reference"]["message_id"] == "110"));
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn without_listen_channels_only_mentions_are_read_and_no_privileged_intent_is_asked() {
    let mut bot = Running::start(|_| {}).await;
    let identify = bot.fake.seen.iter().find(|r| r.method == "IDENTIFY").unwrap().body.clone();
    assert_eq!(identify["intents"].as_u64().unwrap() & (1 << 15), 0);
    bot.say(120, 42, "are massage guns good for sciatica?", false);
    bot.say(121, 42, &format!("<@{BOT_ID}> are massage guns good for sciatica?"), true);
    bot.fake.reply_to(121).await;
    bot.fake.drain(Duration::from_millis(300)).await;
    assert!(!bot.fake.sent_bodies().iter().any(|r| r.body["message_reference"]["message_id"] == "120"));
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn unanswered_questions_are_logged_without_identity_and_shown_to_staff() {
    let mut bot = Running::start(|_| {}).await;
    bot.say(130, 4_242_424_242, &format!("<@{BOT_ID}> <@555> is there parking at the clinic?"), true);
    bot.fake.reply_to(130).await;
    bot.command(131, "ask", ask("Is there PARKING at the clinic"), &[], 0);
    bot.fake.callback(131).await;
    bot.command(132, "ask", ask("Are massage guns good for sciatica?"), &[], 0);
    bot.fake.callback(132).await;
    let log_path = bot.files.path().join("unanswered.jsonl");
    let deadline = std::time::Instant::now() + WAIT;
    let log = loop {
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        if log.lines().count() >= 2 || std::time::Instant::now() > deadline {
            break log;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(log.lines().count(), 2, "{log}");
    assert!(!log.contains("4242424242") && !log.contains("555") && !log.contains(&GUILD.to_string()), "{log}");
    assert!(!log.contains(&CHANNEL.to_string()), "{log}");

    bot.command(133, "unanswered", json!([]), &[], 0);
    let refused = bot.fake.callback(133).await;
    assert!(refused["data"]["content"].as_str().unwrap().contains("only clinic staff"));
    bot.command(134, "unanswered", json!([]), &[STAFF_ROLE], 0);
    let report = bot.fake.callback(134).await;
    let content = report["data"]["content"].as_str().unwrap();
    assert!(content.contains("2 × Is there PARKING at the clinic"), "{content}");
    bot.finish().await;
}

/// A copy of the shipped corpus that a test may edit.
fn corpus_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir("corpus").unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    dir
}

#[tokio::test(flavor = "multi_thread")]
async fn reload_is_refused_to_members_and_done_for_staff() {
    let corpus = corpus_copy();
    let dir = corpus.path().to_path_buf();
    let mut bot = Running::start(|c| c.corpus.dir = dir.clone()).await;

    bot.command(70, "reload", json!([]), &[], 0);
    let refused = bot.fake.callback(70).await;
    assert!(refused["data"]["content"].as_str().unwrap().contains("only clinic staff"), "{refused}");
    assert_eq!(refused["data"]["flags"], 64, "the refusal is visible only to the member");

    let faq = dir.join("faq.md");
    let mut text = std::fs::read_to_string(&faq).unwrap();
    text.push_str("\n## Do you offer hot stone massage?\n\nYes, hot stone massage is offered on weekdays.\n");
    std::fs::write(&faq, &text).unwrap();
    bot.command(71, "reload", json!([]), &[STAFF_ROLE], 0);
    let done = bot.fake.callback(71).await;
    let content = done["data"]["content"].as_str().unwrap();
    assert!(content.contains("Added (1): faq/do-you-offer-hot-stone-massage"), "{content}");
    bot.command(72, "ask", ask("do you do hot stone massage?"), &[], 0);
    let answer = bot.fake.callback(72).await;
    assert!(answer["data"]["content"].as_str().unwrap().contains("hot stone massage is offered"), "{answer}");

    std::fs::write(&faq, format!("{text}\n## An empty question?\n")).unwrap();
    bot.command(73, "reload", json!([]), &[], MANAGE_GUILD);
    let broken = bot.fake.callback(73).await;
    let content = broken["data"]["content"].as_str().unwrap();
    assert!(content.contains("Not reloaded") && content.contains("faq.md:"), "{content}");
    bot.command(74, "ask", ask("do you do hot stone massage?"), &[], 0);
    let still = bot.fake.callback(74).await;
    assert!(still["data"]["content"].as_str().unwrap().contains("hot stone massage is offered"), "{still}");
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_4000_character_question_gets_a_reply_within_discords_limit() {
    let mut bot = Running::start(|_| {}).await;
    let long =
        format!("are massage guns good for sciatica? {}", "I have been wondering about this for ages. ".repeat(100));
    assert!(long.chars().count() >= 4000);
    bot.command(80, "ask", ask(&long[..4000]), &[], 0);
    let response = bot.fake.callback(80).await;
    assert!(response["data"]["content"].as_str().unwrap().chars().count() <= 2000);
    bot.say(81, 42, &format!("<@{BOT_ID}> {}", &long[..4000]), true);
    assert!(bot.fake.reply_to(81).await.chars().count() <= 2000);
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mentions_in_a_question_never_ping_anyone() {
    let mut bot = Running::start(|_| {}).await;
    bot.say(90, 42, &format!("<@{BOT_ID}> @everyone @here <@123> <@&77> does massage help sciatica?"), true);
    let reply = bot.fake.reply_to(90).await;
    assert!(!reply.contains("@everyone") && !reply.contains("<@123>"), "{reply}");
    bot.command(91, "ask", ask("@everyone <@123> does massage help sciatica?"), &[], 0);
    bot.fake.callback(91).await;
    bot.finish().await;
}

#[test]
fn the_corpus_copy_helper_copies_everything() {
    let copy = corpus_copy();
    assert!(Path::new(&copy.path().join("red_flags.toml")).exists());
}

/// The binary as a black box: only `DISCORD_TOKEN` and a config that names the REST proxy.
#[tokio::test(flavor = "multi_thread")]
async fn serve_holds_a_session_with_any_discord_compatible_endpoint() {
    let mut fake = FakeDiscord::start(1).await;
    let dir = corpus_copy();
    std::fs::create_dir(dir.path().join("corpus")).unwrap();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::rename(&path, dir.path().join("corpus").join(path.file_name().unwrap())).unwrap();
        }
    }
    let config = dir.path().join("bot.toml");
    let settings = format!("[discord]\nrest_proxy = \"{}\"\nguild_ids = [{GUILD}]\n", fake.base);
    std::fs::write(&config, settings + &common::shipped_model_section()).unwrap();
    let token = "test-token-kept-SECRET-4242";
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_sciatica-bot"))
        .arg("serve")
        .arg("--config")
        .arg(&config)
        .env("DISCORD_TOKEN", token)
        .env("RUST_LOG", "trace")
        .env("NO_PROXY", "127.0.0.1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    // Read the logs as they come, or a full pipe would block the bot.
    let mut stderr = child.stderr.take().unwrap();
    let logs = tokio::spawn(async move {
        let mut logs = Vec::new();
        tokio::io::AsyncReadExt::read_to_end(&mut stderr, &mut logs).await.map(|_| logs)
    });
    let identify = fake.expect("an IDENTIFY", |r| r.method == "IDENTIFY").await;
    assert!(identify.body["token"].as_str().unwrap().ends_with(token), "the token reaches Discord, and only Discord");
    fake.expect("the command registration", |r| {
        r.method == "PUT" && r.path.ends_with(&format!("/guilds/{GUILD}/commands"))
    })
    .await;
    fake.dispatch(
        "MESSAGE_CREATE",
        message_json(
            100,
            CHANNEL,
            Some(GUILD),
            user(4_242_424_242, "someone", false),
            &format!("<@{BOT_ID}> what is sciatica?"),
            vec![bot_user()],
        ),
    );
    let reply = fake.reply_to(100).await;
    assert!(reply.contains("Sciatica refers to pain that follows the path of the sciatic nerve"), "{reply}");

    let pid = child.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = tokio::time::timeout(WAIT, child.wait()).await.expect("stops on SIGTERM").unwrap();
    assert!(status.success(), "exit status {status:?}");
    let logs = logs.await.unwrap().unwrap();
    let logs = String::from_utf8_lossy(&logs);
    assert!(!logs.is_empty(), "trace logs were written");
    assert!(!logs.contains(token) && !logs.contains("SECRET-4242"), "the token appears in the logs");
    assert!(!logs.contains("what is sciatica"), "message text appears in the logs");
    assert!(!logs.contains("4242424242"), "a user id appears in the logs");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_saved_edit_goes_live_and_a_broken_one_is_reported_while_the_old_answers_stay() {
    const STAFF_CHANNEL: u64 = 700;
    let corpus = corpus_copy();
    let dir = corpus.path().to_path_buf();
    let mut bot = Running::start(|c| {
        c.corpus.dir = dir.clone();
        c.discord.staff_channel = Some(STAFF_CHANNEL);
        c.discord.watch_corpus = true;
    })
    .await;
    let staff_post = format!("/api/v10/channels/{STAFF_CHANNEL}/messages");

    // An editor saving in a burst: several writes, one rebuild.
    let faq = dir.join("faq.md");
    let mut text = std::fs::read_to_string(&faq).unwrap();
    text.push_str("\n## Do you offer hot stone massage?\n\nYes, hot stone massage is offered on weekdays.\n");
    for _ in 0..5 {
        std::fs::write(&faq, &text).unwrap();
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let report = bot.fake.expect("a reload report", |r| r.method == "POST" && r.path == staff_post).await;
    let content = report.body["content"].as_str().unwrap();
    assert!(content.contains("Added (1): faq/do-you-offer-hot-stone-massage"), "{content}");
    bot.command(140, "ask", ask("do you do hot stone massage?"), &[], 0);
    assert!(bot.fake.callback(140).await["data"]["content"].as_str().unwrap().contains("hot stone massage is offered"));

    std::fs::write(&faq, format!("{text}\n## An empty question?\n")).unwrap();
    let report = bot.fake.expect("a problem report", |r| r.method == "POST" && r.path == staff_post).await;
    let content = report.body["content"].as_str().unwrap();
    assert!(content.contains("not applied") && content.contains("faq.md:"), "{content}");
    bot.command(141, "ask", ask("do you do hot stone massage?"), &[], 0);
    assert!(bot.fake.callback(141).await["data"]["content"].as_str().unwrap().contains("hot stone massage is offered"));

    bot.fake.drain(Duration::from_millis(800)).await;
    let reports = bot.fake.seen.iter().filter(|r| r.method == "POST" && r.path == staff_post).count();
    assert_eq!(reports, 2, "a burst of saves makes one rebuild");
    bot.finish().await;
}

fn faq_subcommand(sub: &str, id: Option<&str>) -> serde_json::Value {
    let options = match id {
        Some(id) => json!([{"name": "question", "type": 3, "value": id}]),
        None => json!([]),
    };
    json!([{"name": sub, "type": 1, "options": options}])
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_add_a_faq_entry_from_discord_and_it_is_live_at_once_and_after_a_restart() {
    let (corpus, mut bot) = Running::on_a_corpus_copy(|_| {}).await;
    let dir = corpus.path().to_path_buf();
    let history_dir = bot.files.path().join("history");
    let before = std::fs::read_to_string(dir.join("faq.md")).unwrap();

    bot.command(150, "faq", faq_subcommand("add", None), &[], 0);
    let refused = bot.fake.callback(150).await;
    assert!(refused["data"]["content"].as_str().unwrap().contains("only clinic staff"), "{refused}");

    bot.command(151, "faq", faq_subcommand("add", None), &[STAFF_ROLE], 0);
    let form = bot.fake.callback(151).await;
    assert_eq!(form["type"], 9, "a form opens: {form}");
    assert_eq!(form["data"]["custom_id"], "faq:add");

    let fields =
        [("question", "Do you offer hot stone massage?"), ("answer", "Yes, hot stone massage is offered on weekdays.")];
    let forged = modal_json(152, "faq:add", &fields, GUILD, user(42, "member", false), &[]);
    bot.fake.dispatch("INTERACTION_CREATE", forged);
    assert!(bot.fake.callback(152).await["data"]["content"].as_str().unwrap().contains("only clinic staff"));
    assert_eq!(std::fs::read_to_string(dir.join("faq.md")).unwrap(), before, "a forged form changes nothing");

    bot.fake.dispatch(
        "INTERACTION_CREATE",
        modal_json(153, "faq:add", &fields, GUILD, user(42, "member", false), &[STAFF_ROLE]),
    );
    let saved = bot.fake.callback(153).await;
    let content = saved["data"]["content"].as_str().unwrap();
    assert!(content.contains("Added `faq/do-you-offer-hot-stone-massage`"), "{content}");
    assert_eq!(saved["data"]["flags"], 64);
    bot.command(154, "ask", ask("do you do hot stone massage?"), &[], 0);
    assert!(bot.fake.callback(154).await["data"]["content"].as_str().unwrap().contains("hot stone massage is offered"));
    let kept: Vec<_> = std::fs::read_dir(&history_dir).unwrap().collect();
    assert_eq!(kept.len(), 1, "the previous faq.md is kept");
    bot.finish().await;

    let mut config = Config::default();
    config.corpus.dir = dir.clone();
    let restarted = Knowledge::load(&config, &MODEL).unwrap();
    let outcome = restarted.engine.answer("do you do hot stone massage?");
    let answer = outcome.answer().expect("still there after a restart");
    assert_eq!(answer.passage.id, "faq/do-you-offer-hot-stone-massage");
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_edit_and_remove_entries_chosen_by_autocomplete() {
    let (corpus, mut bot) = Running::on_a_corpus_copy(|_| {}).await;
    let dir = corpus.path().to_path_buf();
    let history_dir = bot.files.path().join("history");
    bot.fake.dispatch(
        "INTERACTION_CREATE",
        autocomplete_json(160, "faq", "edit", "question", "GUNS", GUILD, user(42, "m", false)),
    );
    let choices = bot.fake.callback(160).await;
    assert_eq!(choices["type"], 8);
    assert_eq!(
        choices["data"]["choices"],
        json!([{"name": "Are massage guns good for sciatica?", "value": "faq/are-massage-guns-good-for-sciatica"}])
    );

    bot.command(161, "faq", faq_subcommand("edit", Some("faq/are-massage-guns-good-for-sciatica")), &[STAFF_ROLE], 0);
    let form = bot.fake.callback(161).await;
    assert_eq!(form["data"]["custom_id"], "faq:edit:faq/are-massage-guns-good-for-sciatica");
    let prefilled = form["data"]["components"][1]["components"][0]["value"].as_str().unwrap();
    assert!(prefilled.starts_with("Massage guns can help"), "{form}");

    let fields = [
        ("question", "Are massage guns good for sciatica?"),
        ("answer", "Use them gently, on low settings, away from the nerve path."),
    ];
    bot.fake.dispatch(
        "INTERACTION_CREATE",
        modal_json(
            162,
            "faq:edit:faq/are-massage-guns-good-for-sciatica",
            &fields,
            GUILD,
            user(42, "m", false),
            &[STAFF_ROLE],
        ),
    );
    assert!(bot.fake.callback(162).await["data"]["content"].as_str().unwrap().contains("Updated"));
    bot.command(163, "ask", ask("are massage guns good for sciatica?"), &[], 0);
    assert!(bot.fake.callback(163).await["data"]["content"].as_str().unwrap().contains("Use them gently"));

    // Removing the only passage a synonym points to would break the corpus: refused, with the line.
    bot.command(164, "faq", faq_subcommand("remove", Some("faq/are-massage-guns-good-for-sciatica")), &[STAFF_ROLE], 0);
    let refused = bot.fake.callback(164).await["data"]["content"].as_str().unwrap().to_owned();
    assert!(refused.contains("Not saved") && refused.contains("synonyms.toml:"), "{refused}");

    let id = "faq/what-type-of-massage-is-best-for-sciatica-nerve-pain";
    bot.command(165, "faq", faq_subcommand("remove", Some(id)), &[STAFF_ROLE], 0);
    let removed = bot.fake.callback(165).await["data"]["content"].as_str().unwrap().to_owned();
    assert!(removed.contains("Removed"), "{removed}");
    assert!(!std::fs::read_to_string(dir.join("faq.md")).unwrap().contains("What type of massage"));
    assert_eq!(std::fs::read_dir(&history_dir).unwrap().count(), 2, "each edit keeps the previous file");
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_write_leaves_the_corpus_unchanged_and_tells_the_staff_member() {
    let (corpus, mut bot) = Running::on_a_corpus_copy(|_| {}).await;
    let dir = corpus.path().to_path_buf();
    let before = std::fs::read_to_string(dir.join("faq.md")).unwrap();
    // Where the new file would be written is taken by a folder: the write fails even as root.
    std::fs::create_dir(dir.join(".faq.md.tmp")).unwrap();
    let fields = [("question", "Do you offer hot stone massage?"), ("answer", "Yes.")];
    bot.fake.dispatch(
        "INTERACTION_CREATE",
        modal_json(170, "faq:add", &fields, GUILD, user(42, "m", false), &[STAFF_ROLE]),
    );
    let content = bot.fake.callback(170).await["data"]["content"].as_str().unwrap().to_owned();
    assert!(content.starts_with("Not saved, the FAQ is unchanged: cannot write"), "{content}");
    assert_eq!(std::fs::read_to_string(dir.join("faq.md")).unwrap(), before);

    std::fs::remove_dir(dir.join(".faq.md.tmp")).unwrap();
    let breaking = [("question", "Can massage make sciatica worse?"), ("answer", "A duplicate question.")];
    bot.fake.dispatch(
        "INTERACTION_CREATE",
        modal_json(171, "faq:add", &breaking, GUILD, user(42, "m", false), &[STAFF_ROLE]),
    );
    let content = bot.fake.callback(171).await["data"]["content"].as_str().unwrap().to_owned();
    assert!(content.contains("would break the corpus") && content.contains("faq.md:"), "{content}");
    assert_eq!(std::fs::read_to_string(dir.join("faq.md")).unwrap(), before);
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn answers_carry_feedback_buttons_and_a_click_counts_once_per_person() {
    let mut bot = Running::start(|_| {}).await;
    bot.say(180, 42, &format!("<@{BOT_ID}> are massage guns good for sciatica?"), true);
    let posted = bot
        .fake
        .expect("the answer", |r| r.method == "POST" && r.body["message_reference"]["message_id"] == "180")
        .await;
    let buttons = &posted.body["components"][0]["components"];
    let ids: Vec<&str> = buttons.as_array().unwrap().iter().map(|b| b["custom_id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["feedback:up:faq/are-massage-guns-good-for-sciatica", "feedback:down:faq/are-massage-guns-good-for-sciatica"]
    );

    let down = "feedback:down:faq/are-massage-guns-good-for-sciatica";
    let answer_id = 900_123;
    bot.fake.dispatch(
        "INTERACTION_CREATE",
        click_json(181, down, answer_id, CHANNEL, GUILD, user(4_242_424_242, "a", false)),
    );
    assert!(bot.fake.callback(181).await["data"]["content"].as_str().unwrap().starts_with("Thanks"));
    bot.fake.dispatch(
        "INTERACTION_CREATE",
        click_json(182, down, answer_id, CHANNEL, GUILD, user(4_242_424_242, "a", false)),
    );
    assert!(bot.fake.callback(182).await["data"]["content"].as_str().unwrap().contains("already"));
    bot.fake.dispatch("INTERACTION_CREATE", click_json(183, down, answer_id, CHANNEL, GUILD, user(43, "b", false)));
    assert!(bot.fake.callback(183).await["data"]["content"].as_str().unwrap().starts_with("Thanks"));

    let votes = std::fs::read_to_string(bot.files.path().join("feedback.json")).unwrap();
    let votes: serde_json::Value = serde_json::from_str(&votes).unwrap();
    assert_eq!(votes, json!({"faq/are-massage-guns-good-for-sciatica": {"helpful": 0, "not_helpful": 2}}));
    bot.finish().await;
}

/// Resident memory of this process, in bytes.
fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    pages * 4096
}

/// What one burst measured.
struct Burst {
    replies: usize,
    seconds: f64,
    p50: Duration,
    p99: Duration,
}

/// Sends `users` × 10 messages as fast as the gateway takes them, from users numbered from
/// `first_user`, and checks every reply: each message answered at most once, one answer and
/// one "please wait" per user, and a notice for every red flag.
async fn burst(bot: &mut Running, users: u64, first_user: u64) -> Burst {
    let per_user = 10u64;
    let questions =
        ["are massage guns good for sciatica?", "what is myofascial release?", "how often should I get a massage?"];
    let mut red_flags = std::collections::HashSet::new();
    let mut sent_at = std::collections::HashMap::new();
    let started = std::time::Instant::now();
    let message_id = |user: u64, k: u64| 1_000_000 + (first_user + user) * per_user + k;
    for user in 0..users {
        for k in 0..per_user {
            let id = message_id(user, k);
            let text = if user % 4 == 0 && k == 5 {
                red_flags.insert(id);
                "I can't feel when I pee since yesterday".to_owned()
            } else {
                questions[(k % 3) as usize].to_owned()
            };
            sent_at.insert(id, std::time::Instant::now());
            bot.say(id, 10_000 + first_user + user, &format!("<@{BOT_ID}> {text}"), true);
        }
    }
    // Per user: one answer, one "please wait", and a notice for a red flag not among those two.
    let minimum = users * 2 + red_flags.len() as u64 / 2;
    let mut replies: std::collections::HashMap<u64, Vec<String>> = std::collections::HashMap::new();
    let mut latencies = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120 + users / 2);
    let mut last_reply = started;
    loop {
        let count: usize = replies.values().map(Vec::len).sum();
        let grace = if count as u64 >= minimum { Duration::from_millis(1500) } else { Duration::from_secs(30) };
        let wait = grace.min(deadline.saturating_duration_since(tokio::time::Instant::now()));
        let Ok(Some(request)) = tokio::time::timeout(wait, bot.fake_next()).await else { break };
        let Some(id) = request.body["message_reference"]["message_id"].as_str().and_then(|i| i.parse::<u64>().ok())
        else {
            continue;
        };
        let Some(sent) = sent_at.get(&id) else { continue };
        latencies.push(request.at.duration_since(*sent));
        last_reply = last_reply.max(request.at);
        replies.entry(id).or_default().push(request.body["content"].as_str().unwrap_or_default().to_owned());
    }
    assert!(replies.values().all(|r| r.len() == 1), "a message was answered twice");
    for id in &red_flags {
        let reply = replies.get(id).unwrap_or_else(|| panic!("red-flag message {id} got no reply"));
        assert!(reply[0].starts_with("⚠️"), "{}", reply[0]);
    }
    for user in 0..users {
        let ids: Vec<u64> = (0..per_user).map(|k| message_id(user, k)).collect();
        let flagged = ids.iter().filter(|id| red_flags.contains(id)).count();
        let theirs: Vec<&String> = ids.iter().filter_map(|id| replies.get(id)).flatten().collect();
        let answers = theirs.iter().filter(|r| !r.contains("please wait")).count();
        let unflagged = ids.iter().filter(|id| !red_flags.contains(id) && replies.contains_key(id)).count();
        assert_eq!(answers, 1, "user {user}: {theirs:#?}");
        assert!(unflagged <= 2 && theirs.len() >= 2 && theirs.len() <= 2 + flagged, "user {user}: {theirs:#?}");
    }
    latencies.sort();
    Burst {
        replies: replies.values().map(Vec::len).sum(),
        seconds: last_reply.duration_since(started).as_secs_f64(),
        p50: latencies[latencies.len() / 2],
        p99: latencies[latencies.len() * 99 / 100],
    }
}

/// 2,000 messages from 200 users as fast as the gateway sends them (ten times more with
/// `SCIATICA_LONG_TESTS=1`), after a warm-up burst, twice: every message that should be answered is answered exactly
/// once, cooldowns hold, red-flag notices are never dropped, the bot keeps running, and a
/// second burst takes no more memory than the first (nothing accumulates).
#[tokio::test(flavor = "multi_thread")]
async fn a_burst_of_two_thousand_messages_is_answered_exactly_as_it_should_be() {
    let users = if std::env::var_os("SCIATICA_LONG_TESTS").is_some() { 2_000 } else { 200 };
    let mut bot = Running::start_alone(|c| c.discord.cooldown_seconds = 3600).await;
    // Warm up with a first burst, so the baseline includes what the embedding thread's
    // largest batches allocate once (the allocator keeps it for the next burst).
    let warm_up = burst(&mut bot, users, 0).await;
    let baseline = resident_bytes();
    let first = burst(&mut bot, users, users).await;
    let after_first = resident_bytes();
    let second = burst(&mut bot, users, 2 * users).await;
    let after_second = resident_bytes();
    for (n, run) in [(0, &warm_up), (1, &first), (2, &second)] {
        println!(
            "burst {n}: {} messages, {} replies in {:.2} s ({:.0} messages/s), p50 {:?}, p99 {:?} from dispatch to reply",
            users * 10,
            run.replies,
            run.seconds,
            (users * 10) as f64 / run.seconds,
            run.p50,
            run.p99
        );
    }
    println!(
        "resident memory: {} MB after the warm-up burst, {} MB after the first, {} MB after the second",
        baseline / 1_000_000,
        after_first / 1_000_000,
        after_second / 1_000_000
    );
    assert!(after_first < baseline + 64_000_000, "memory grew from {baseline} to {after_first} bytes");
    assert!(after_second < after_first + 16_000_000, "a second burst kept growing: {after_first} to {after_second}");
    assert!(!bot.task.is_finished(), "the bot is still running");
    bot.finish().await;
}
