//! The Discord bot end to end: the real serenity client, driven by `sciatica_bot::discord`,
//! against a fake Discord (REST and gateway) on 127.0.0.1 reached through `rest_proxy`.

mod common;

use std::path::Path;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use common::fake_discord::{
    assert_no_pings, autocomplete_json, bot_user, click_json, command_json, message_json, modal_json, user,
    FakeDiscord, Gateway, BOT_ID, BOT_ROLE_ID, WAIT,
};
use common::serve::{bot_folder, corpus_copy, serve, stop, write_config};
use sciatica_bot::config::{Config, Database};
use sciatica_bot::discord::{self, Shared};
use sciatica_bot::embed::Model;
use sciatica_bot::staff::{store, StaffData, Votes};
use sciatica_bot::Knowledge;
use serde_json::json;
use tokio::sync::oneshot;

/// One model for every bot in this test process, as one process has one model: a model per
/// bot would make the memory figures of the burst test about how many tests run at once.
static MODEL: LazyLock<Arc<Model>> =
    LazyLock::new(|| Arc::new(Model::load(&Config::default().model.dir).expect("the shipped model loads")));

const GUILD: u64 = common::fake_discord::GUILD_ID;
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
    /// The bot's staff database, as staff tools read it.
    async fn store(&self) -> Box<dyn store::Store> {
        let database = Database::Sqlite(self.files.path().join("staff.sqlite3"));
        store::open(&database, None).await.unwrap()
    }

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
        config.staff.database = Database::Sqlite(files.path().join("staff.sqlite3"));
        config.staff.unanswered_log = files.path().join("unanswered.jsonl");
        config.staff.feedback_file = files.path().join("feedback.json");
        config.staff.history_dir = files.path().join("history");
        configure(&mut config);
        let knowledge = Knowledge::load(&config, &MODEL).expect("the corpus loads");
        let staff = StaffData::open(&config.staff).await.expect("the staff database opens");
        let shared = Arc::new(Shared::new(config, knowledge, staff).unwrap());
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

    /// Stops the bot cleanly and checks what Discord would: every body it sent was accepted
    /// (within the limits, in time, answered once) and lets nobody be pinged, and every
    /// interaction got its response.
    async fn finish(mut self) {
        self.fake.drain(Duration::from_millis(200)).await;
        let refused: Vec<_> = self.fake.refused().iter().map(|r| (&r.method, &r.path, &r.refusal)).collect();
        assert!(refused.is_empty(), "Discord would refuse: {refused:#?}");
        assert_eq!(self.fake.unanswered_interactions(), Vec::<String>::new(), "interactions never answered");
        let sent = self.fake.sent_bodies();
        assert!(!sent.is_empty());
        for request in sent {
            assert_no_pings(request);
        }
        self.stop().await;
    }

    /// Stops the bot cleanly, for a test that checked every body as it came.
    async fn stop(mut self) {
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
    let autocomplete = autocomplete_json(8, "faq", "edit", "question", "gun", GUILD, user(4, "a", false), &[]);
    serde_json::from_value::<serenity::all::CommandInteraction>(autocomplete).unwrap();
    let click = click_json(9, "feedback:up:x", 10, CHANNEL, GUILD, user(4, "a", false));
    serde_json::from_value::<serenity::all::ComponentInteraction>(click).unwrap();
    serde_json::from_value::<serenity::all::Guild>(common::fake_discord::guild_json(GUILD)).unwrap();
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
    let response = bot.fake.response(30).await;
    let content = response["content"].as_str().unwrap();
    assert!(content.contains("Massage can temporarily increase discomfort"), "{content}");
    assert_eq!(response["flags"], 64, "ephemeral_answers makes the answer visible to the asker only");

    bot.command(31, "topics", json!([]), &[], 0);
    let topics = bot.fake.response(31).await;
    let content = topics["content"].as_str().unwrap();
    assert!(content.contains("What Is Sciatica And Why Does It Hurt"), "{content}");
    // Lesser defect: the five techniques people come for are `###` sections, and were never named.
    for technique in ["Deep Tissue Massage For Sciatica", "Swedish Technique For Sciatic Nerve Pain", "Trigger Point"] {
        assert!(content.contains(technique), "{content}");
    }
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
    bot.fake.response(131).await;
    bot.command(132, "ask", ask("Are massage guns good for sciatica?"), &[], 0);
    bot.fake.response(132).await;
    let stored = bot.store().await;
    let deadline = std::time::Instant::now() + WAIT;
    let questions = loop {
        let questions = stored.unanswered().await.unwrap();
        if questions.len() >= 2 || std::time::Instant::now() > deadline {
            break questions;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let texts: Vec<&str> = questions.iter().map(|q| q.text.as_str()).collect();
    assert_eq!(texts, ["is there parking at the clinic?", "Is there PARKING at the clinic"], "kept without mentions");

    bot.command(133, "unanswered", json!([]), &[], 0);
    let refused = bot.fake.response(133).await;
    assert!(refused["content"].as_str().unwrap().contains("only clinic staff"));
    bot.command(134, "unanswered", json!([]), &[STAFF_ROLE], 0);
    let report = bot.fake.response(134).await;
    let content = report["content"].as_str().unwrap();
    assert!(content.contains("2 × Is there PARKING at the clinic"), "{content}");
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn reload_is_refused_to_members_and_done_for_staff() {
    let corpus = corpus_copy();
    let dir = corpus.path().to_path_buf();
    let mut bot = Running::start(|c| c.corpus.dir = dir.clone()).await;

    bot.command(70, "reload", json!([]), &[], 0);
    let refused = bot.fake.response(70).await;
    assert!(refused["content"].as_str().unwrap().contains("only clinic staff"), "{refused}");
    assert_eq!(refused["flags"], 64, "the refusal is visible only to the member");

    let faq = dir.join("faq.md");
    let mut text = std::fs::read_to_string(&faq).unwrap();
    text.push_str("\n## Do you offer hot stone massage?\n\nYes, hot stone massage is offered on weekdays.\n");
    std::fs::write(&faq, &text).unwrap();
    bot.command(71, "reload", json!([]), &[STAFF_ROLE], 0);
    let done = bot.fake.response(71).await;
    let content = done["content"].as_str().unwrap();
    assert!(content.contains("Added (1): faq/do-you-offer-hot-stone-massage"), "{content}");
    bot.command(72, "ask", ask("do you do hot stone massage?"), &[], 0);
    let answer = bot.fake.response(72).await;
    assert!(answer["content"].as_str().unwrap().contains("hot stone massage is offered"), "{answer}");

    std::fs::write(&faq, format!("{text}\n## An empty question?\n")).unwrap();
    bot.command(73, "reload", json!([]), &[], MANAGE_GUILD);
    let broken = bot.fake.response(73).await;
    let content = broken["content"].as_str().unwrap();
    assert!(content.contains("Not reloaded") && content.contains("faq.md:"), "{content}");
    bot.command(74, "ask", ask("do you do hot stone massage?"), &[], 0);
    let still = bot.fake.response(74).await;
    assert!(still["content"].as_str().unwrap().contains("hot stone massage is offered"), "{still}");
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_4000_character_question_gets_a_reply_within_discords_limit() {
    let mut bot = Running::start(|_| {}).await;
    let long =
        format!("are massage guns good for sciatica? {}", "I have been wondering about this for ages. ".repeat(100));
    assert!(long.chars().count() >= 4000);
    bot.command(80, "ask", ask(&long[..4000]), &[], 0);
    let response = bot.fake.response(80).await;
    assert!(response["content"].as_str().unwrap().chars().count() <= 2000);
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
    bot.fake.response(91).await;
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
    let folder = bot_folder();
    let settings = format!("[discord]\nrest_proxy = \"{}\"\nguild_ids = [{GUILD}]\n", fake.base);
    let config = write_config(folder.path(), "bot.toml", &settings);
    let token = "test-token-kept-SECRET-4242";
    let mut child = serve(&config, token)
        .env("RUST_LOG", "trace")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
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

    stop(&mut child).await;
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
    assert!(bot.fake.response(140).await["content"].as_str().unwrap().contains("hot stone massage is offered"));

    std::fs::write(&faq, format!("{text}\n## An empty question?\n")).unwrap();
    let report = bot.fake.expect("a problem report", |r| r.method == "POST" && r.path == staff_post).await;
    let content = report.body["content"].as_str().unwrap();
    assert!(content.contains("not applied") && content.contains("faq.md:"), "{content}");
    bot.command(141, "ask", ask("do you do hot stone massage?"), &[], 0);
    assert!(bot.fake.response(141).await["content"].as_str().unwrap().contains("hot stone massage is offered"));

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
    let refused = bot.fake.response(150).await;
    assert!(refused["content"].as_str().unwrap().contains("only clinic staff"), "{refused}");

    bot.command(151, "faq", faq_subcommand("add", None), &[STAFF_ROLE], 0);
    let form = bot.fake.callback(151).await;
    assert_eq!(form["type"], 9, "a form opens: {form}");
    assert_eq!(form["data"]["custom_id"], "faq:add");

    let fields =
        [("question", "Do you offer hot stone massage?"), ("answer", "Yes, hot stone massage is offered on weekdays.")];
    let forged = modal_json(152, "faq:add", &fields, GUILD, user(42, "member", false), &[]);
    bot.fake.dispatch("INTERACTION_CREATE", forged);
    assert!(bot.fake.response(152).await["content"].as_str().unwrap().contains("only clinic staff"));
    assert_eq!(std::fs::read_to_string(dir.join("faq.md")).unwrap(), before, "a forged form changes nothing");

    bot.fake.dispatch(
        "INTERACTION_CREATE",
        modal_json(153, "faq:add", &fields, GUILD, user(42, "member", false), &[STAFF_ROLE]),
    );
    let saved = bot.fake.response(153).await;
    let content = saved["content"].as_str().unwrap();
    assert!(content.contains("Added `faq/do-you-offer-hot-stone-massage`"), "{content}");
    assert_eq!(saved["flags"], 64);
    bot.command(154, "ask", ask("do you do hot stone massage?"), &[], 0);
    assert!(bot.fake.response(154).await["content"].as_str().unwrap().contains("hot stone massage is offered"));
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
        autocomplete_json(159, "faq", "edit", "question", "GUNS", GUILD, user(41, "member", false), &[]),
    );
    assert_eq!(bot.fake.callback(159).await["data"]["choices"], json!([]), "no suggestions for members");
    bot.fake.dispatch(
        "INTERACTION_CREATE",
        autocomplete_json(160, "faq", "edit", "question", "GUNS", GUILD, user(42, "m", false), &[STAFF_ROLE]),
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
    assert!(bot.fake.response(162).await["content"].as_str().unwrap().contains("Updated"));
    bot.command(163, "ask", ask("are massage guns good for sciatica?"), &[], 0);
    assert!(bot.fake.response(163).await["content"].as_str().unwrap().contains("Use them gently"));

    // Removing the only passage a synonym points to would break the corpus: refused, with the line.
    bot.command(164, "faq", faq_subcommand("remove", Some("faq/are-massage-guns-good-for-sciatica")), &[STAFF_ROLE], 0);
    let refused = bot.fake.response(164).await["content"].as_str().unwrap().to_owned();
    assert!(refused.contains("Not saved") && refused.contains("synonyms.toml:"), "{refused}");

    let id = "faq/what-type-of-massage-is-best-for-sciatica-nerve-pain";
    bot.command(165, "faq", faq_subcommand("remove", Some(id)), &[STAFF_ROLE], 0);
    let removed = bot.fake.response(165).await["content"].as_str().unwrap().to_owned();
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
    let content = bot.fake.response(170).await["content"].as_str().unwrap().to_owned();
    assert!(content.starts_with("Not saved, the FAQ is unchanged: cannot write"), "{content}");
    assert_eq!(std::fs::read_to_string(dir.join("faq.md")).unwrap(), before);

    std::fs::remove_dir(dir.join(".faq.md.tmp")).unwrap();
    let breaking = [("question", "Can massage make sciatica worse?"), ("answer", "A duplicate question.")];
    bot.fake.dispatch(
        "INTERACTION_CREATE",
        modal_json(171, "faq:add", &breaking, GUILD, user(42, "m", false), &[STAFF_ROLE]),
    );
    let content = bot.fake.response(171).await["content"].as_str().unwrap().to_owned();
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
    assert!(bot.fake.response(181).await["content"].as_str().unwrap().starts_with("Thanks"));
    bot.fake.dispatch(
        "INTERACTION_CREATE",
        click_json(182, down, answer_id, CHANNEL, GUILD, user(4_242_424_242, "a", false)),
    );
    assert!(bot.fake.response(182).await["content"].as_str().unwrap().contains("already"));
    bot.fake.dispatch("INTERACTION_CREATE", click_json(183, down, answer_id, CHANNEL, GUILD, user(43, "b", false)));
    assert!(bot.fake.response(183).await["content"].as_str().unwrap().starts_with("Thanks"));

    let votes = bot.store().await.votes().await.unwrap();
    let counted = Votes { helpful: 0, not_helpful: 2 };
    assert_eq!(votes, [("faq/are-massage-guns-good-for-sciatica".to_owned(), counted)].into());
    bot.finish().await;
}

/// Defect: a third `/ask` within the cooldown got no response at all, and the second one's
/// "please wait" was public. With the real cooldown on, every `/ask` gets exactly one response:
/// an answer, then a private "please wait", with the notice first for a red flag.
#[tokio::test(flavor = "multi_thread")]
async fn every_ask_within_the_cooldown_gets_a_private_response() {
    let mut bot = Running::start(|c| c.discord.cooldown_seconds = 600).await;
    bot.command(300, "ask", ask("are massage guns good for sciatica?"), &[], 0);
    let answer = bot.fake.response(300).await;
    assert!(answer["content"].as_str().unwrap().contains("Massage guns can help"), "{answer}");
    assert_ne!(answer["flags"], 64, "answers are public unless ephemeral_answers is set");
    let mut waits = Vec::new();
    for id in 301..=303 {
        bot.command(id, "ask", ask("how often should I get a massage?"), &[], 0);
        let wait = bot.fake.response(id).await;
        assert!(wait["content"].as_str().unwrap().contains("please wait"), "{id}: {wait}");
        waits.push(wait);
    }
    for wait in waits {
        assert_eq!(wait["flags"], 64, "a \"please wait\" is only for the person who asked: {wait}");
    }
    bot.command(304, "ask", ask("I can't feel when I pee since yesterday"), &[], 0);
    let notice = bot.fake.response(304).await;
    let content = notice["content"].as_str().unwrap();
    assert!(content.starts_with("⚠️") && content.contains("please wait"), "{content}");
    assert_eq!(notice["flags"], 64);
    bot.finish().await;
}

/// A copy of the shipped corpus in a deep folder, as clinics keep them, so that every problem
/// line names a long path.
fn corpus_copy_deep() -> (tempfile::TempDir, std::path::PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("clinic-shared-drive/website-content-maintained-by-reception/sciatica-bot/corpus");
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir("corpus").unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
    }
    (root, dir)
}

/// Defect: a `/reload` with many problems made a reply over 2,000 characters, which serenity
/// refused to send, so staff saw "did not respond" exactly when they needed the list.
#[tokio::test(flavor = "multi_thread")]
async fn a_reload_with_many_problems_lists_what_fits_and_counts_the_rest() {
    let (_root, dir) = corpus_copy_deep();
    let mut bot = Running::start(|c| c.corpus.dir = dir.clone()).await;
    let faq = dir.join("faq.md");
    let mut text = std::fs::read_to_string(&faq).unwrap();
    for n in 0..40 {
        text.push_str(&format!("\n## An empty question number {n}?\n"));
    }
    std::fs::write(&faq, text).unwrap();
    bot.command(310, "reload", json!([]), &[STAFF_ROLE], 0);
    let report = bot.fake.response(310).await;
    let content = report["content"].as_str().unwrap();
    assert!(content.starts_with("Not reloaded"), "{content}");
    assert!(content.chars().count() <= 2000, "{}", content.chars().count());
    let tail = content.lines().last().unwrap();
    let listed = content.lines().filter(|l| l.contains("faq.md:")).count();
    assert_eq!(tail, format!("… and {} more", 40 - listed), "{content}");
    bot.finish().await;
}

/// A bot on a corpus copy with two more FAQ entries: one with Markdown, one longer than a
/// Discord form holds.
async fn bot_with_a_markdown_entry_and_a_long_one() -> (tempfile::TempDir, Running) {
    let (corpus, mut bot) = Running::on_a_corpus_copy(|_| {}).await;
    let faq = corpus.path().join("faq.md");
    let mut text = std::fs::read_to_string(&faq).unwrap();
    text.push_str("\n## Can I book online?\n\nYes, on [our booking page](https://example.com/book), *any* day.\n");
    let long_answer = "Sciatica massage sessions are planned around how you feel on the day. ".repeat(60);
    text.push_str(&format!("\n## What happens in a first session?\n\n{long_answer}\n"));
    std::fs::write(&faq, text).unwrap();
    bot.command(320, "reload", json!([]), &[STAFF_ROLE], 0);
    assert!(bot.fake.response(320).await["content"].as_str().unwrap().starts_with("Reloaded"));
    (corpus, bot)
}

/// Defect: `/faq edit` opened a form with the plain text of the answer, so saving lost its
/// Markdown (a link came back as its words). The form holds the entry's Markdown.
#[tokio::test(flavor = "multi_thread")]
async fn faq_edit_starts_from_the_entrys_markdown() {
    let (_corpus, mut bot) = bot_with_a_markdown_entry_and_a_long_one().await;
    bot.command(321, "faq", faq_subcommand("edit", Some("faq/can-i-book-online")), &[STAFF_ROLE], 0);
    let form = bot.fake.callback(321).await;
    assert_eq!(form["type"], 9, "{form}");
    let answer = &form["data"]["components"][1]["components"][0]["value"];
    assert_eq!(answer, "Yes, on [our booking page](https://example.com/book), *any* day.");
    bot.finish().await;
}

/// Defect: `/faq edit` on an answer over 4,000 characters opened a form Discord refuses. Such
/// an entry is left to the file, with a clear word.
#[tokio::test(flavor = "multi_thread")]
async fn an_entry_too_long_for_a_form_is_left_to_the_file() {
    let (_corpus, mut bot) = bot_with_a_markdown_entry_and_a_long_one().await;
    bot.command(322, "faq", faq_subcommand("edit", Some("faq/what-happens-in-a-first-session")), &[STAFF_ROLE], 0);
    let refused = bot.fake.response(322).await;
    let content = refused["content"].as_str().unwrap();
    assert!(content.contains("too long for a Discord form") && content.contains("faq.md"), "{content}");
    assert_eq!(refused["flags"], 64);
    bot.finish().await;
}

/// Defects: `/faq edit` accepted an article passage's id and then failed, and an id of ~2,000
/// typed characters made a "no such entry" reply too long to send.
#[tokio::test(flavor = "multi_thread")]
async fn faq_edit_of_an_article_passage_or_a_huge_id_gets_a_reply_that_fits() {
    let mut bot = Running::start(|_| {}).await;
    let article = "article/what-is-sciatica-and-why-does-it-hurt/1";
    bot.command(323, "faq", faq_subcommand("edit", Some(article)), &[STAFF_ROLE], 0);
    assert!(bot.fake.response(323).await["content"].as_str().unwrap().contains("There is no FAQ entry"));
    let typed = "x".repeat(2_000);
    bot.command(324, "faq", faq_subcommand("edit", Some(&typed)), &[STAFF_ROLE], 0);
    let content = bot.fake.response(324).await["content"].as_str().unwrap().to_owned();
    assert!(content.starts_with("There is no FAQ entry") && content.chars().count() <= 2000, "{content}");
    bot.finish().await;
}

/// Defect: a reply to a question deleted meanwhile was refused by Discord, red-flag notice
/// included, because the reference did not set `fail_if_not_exists: false`.
#[tokio::test(flavor = "multi_thread")]
async fn a_question_deleted_before_the_reply_still_gets_its_notice() {
    let mut bot = Running::start(|_| {}).await;
    bot.fake.delete_message(330);
    bot.say(330, 42, &format!("<@{BOT_ID}> my legs both went weak and I can't feel the toilet paper"), true);
    let reply = bot.fake.reply_to(330).await;
    assert!(reply.starts_with("⚠️"), "{reply}");
    bot.finish().await;
}

/// A channel where the bot may not post answers 403: the bot logs it, does not retry (every
/// refusal counts toward Discord's limit of invalid requests), and goes on answering elsewhere.
#[tokio::test(flavor = "multi_thread")]
async fn a_channel_the_bot_may_not_post_in_is_not_retried_and_nothing_else_stops() {
    let mut bot = Running::start(|_| {}).await;
    bot.fake.forbid_channel(CHANNEL + 7);
    let question = format!("<@{BOT_ID}> are massage guns good for sciatica?");
    bot.fake.dispatch(
        "MESSAGE_CREATE",
        message_json(390, CHANNEL + 7, Some(GUILD), user(42, "someone", false), &question, vec![bot_user()]),
    );
    bot.say(391, 43, &question, true);
    assert!(bot.fake.reply_to(391).await.contains("Massage guns"));
    bot.fake.drain(Duration::from_millis(1500)).await;
    let refused: Vec<u16> = bot.fake.refused().iter().map(|r| r.status).collect();
    assert_eq!(refused, [403], "one attempt, no retry");
    bot.stop().await;
}

/// Lesser defects: staff commands were visible to every member, and moving from global to
/// guild registration left the old global commands in the picker. The registered bodies are
/// also checked against Discord's rules by the fake.
#[tokio::test(flavor = "multi_thread")]
async fn staff_commands_are_hidden_from_members_and_only_one_list_is_registered() {
    let mut bot = Running::start(|_| {}).await;
    let guild_path = format!("/guilds/{GUILD}/commands");
    let guild =
        bot.fake.saw_or_expect("the guild commands", |r| r.method == "PUT" && r.path.ends_with(&guild_path)).await;
    let global = bot
        .fake
        .saw_or_expect("the global list", |r| {
            r.method == "PUT"
                && r.path.ends_with(&format!("/applications/{}/commands", common::fake_discord::APPLICATION_ID))
        })
        .await;
    assert_eq!(global.body, json!([]), "registering in guilds empties the global list");
    let commands = guild.body.as_array().unwrap();
    let by_name = |name: &str| commands.iter().find(|c| c["name"] == name).unwrap().clone();
    for staff in ["reload", "faq", "unanswered"] {
        assert_eq!(by_name(staff)["default_member_permissions"], "32", "{staff}: Manage Server");
        assert_eq!(by_name(staff)["contexts"], json!([0]), "{staff}: guild only");
    }
    for everyone in ["ask", "topics"] {
        assert!(by_name(everyone)["default_member_permissions"].is_null(), "{everyone}");
    }
    let edit = by_name("faq")["options"].as_array().unwrap().iter().find(|o| o["name"] == "edit").unwrap().clone();
    assert!(edit["options"][0]["max_length"].as_u64().is_some_and(|max| max <= 91), "{edit}");

    // The run-time check stays: a member whose server admin showed them the command is refused.
    bot.command(340, "unanswered", json!([]), &[], 0);
    assert!(bot.fake.response(340).await["content"].as_str().unwrap().contains("only clinic staff"));
    bot.finish().await;
}

/// Lesser defect: behind a REST proxy serenity's limiter is off, and a 429 that reached the
/// bot dropped the reply. It is retried once.
#[tokio::test(flavor = "multi_thread")]
async fn a_reply_refused_with_429_is_sent_again() {
    let mut bot = Running::start(|_| {}).await;
    bot.fake.rate_limit_next(1);
    bot.say(350, 42, &format!("<@{BOT_ID}> are massage guns good for sciatica?"), true);
    let reply = bot.fake.expect("the reply, sent again", |r| r.status == 200 && r.path.ends_with("/messages")).await;
    assert!(reply.body["content"].as_str().unwrap().contains("Massage guns"), "{:?}", reply.body);
    let refused: Vec<u16> = bot.fake.refused().iter().map(|r| r.status).collect();
    assert_eq!(refused, [429], "one 429, then the reply went through");
    bot.stop().await;
}

/// The gateway as Discord runs it: RECONNECT, INVALID_SESSION (resumable or not) and a socket
/// dropped with no word. Each time the bot comes back, resuming or identifying again, and
/// answers the next question; it registers its commands once.
#[tokio::test(flavor = "multi_thread")]
async fn the_bot_comes_back_after_reconnects_invalid_sessions_and_dropped_sockets() {
    let mut bot = Running::start(|_| {}).await;
    let events = [Gateway::Reconnect, Gateway::InvalidSession(true), Gateway::InvalidSession(false), Gateway::Drop];
    for (n, event) in events.into_iter().enumerate() {
        bot.fake.gateway(event);
        let back = bot.fake.expect("a new session", |r| r.method == "RESUME" || r.method == "IDENTIFY").await;
        // The new session is listening once it has spoken; READY or RESUMED is on its way.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let id = 360 + n as u64;
        bot.say(id, 42, &format!("<@{BOT_ID}> are massage guns good for sciatica?"), true);
        let reply = bot.fake.reply_to(id).await;
        assert!(reply.contains("Massage guns"), "after {event:?} ({}): {reply}", back.method);
    }
    let registrations = bot.fake.seen.iter().filter(|r| r.method == "PUT" && r.path.contains("/guilds/")).count();
    assert_eq!(registrations, 1, "commands are registered once per process");
    bot.finish().await;
}

/// Lesser defect: mentioning the role Discord manages for the bot (offered beside the bot in
/// the mention list) was not taken as addressing the bot. The guild and its roles come from
/// GUILD_CREATE after READY, as on Discord, so the cache is real.
#[tokio::test(flavor = "multi_thread")]
async fn mentioning_the_bots_own_role_addresses_the_bot() {
    // Listening elsewhere asks for the Message Content intent, without which a message that
    // mentions only a role arrives without its text.
    let mut bot = Running::start(|c| c.discord.listen_channels = vec![CHANNEL + 1]).await;
    let mut message = message_json(
        370,
        CHANNEL,
        Some(GUILD),
        user(42, "someone", false),
        &format!("<@&{BOT_ROLE_ID}> are massage guns good for sciatica?"),
        vec![],
    );
    message["mention_roles"] = json!([BOT_ROLE_ID.to_string()]);
    bot.fake.dispatch("MESSAGE_CREATE", message);
    assert!(bot.fake.reply_to(370).await.contains("Massage guns"));
    // Another role is not the bot.
    let mut other = message_json(371, CHANNEL, Some(GUILD), user(42, "someone", false), "<@&77> hello all", vec![]);
    other["mention_roles"] = json!(["77"]);
    bot.fake.dispatch("MESSAGE_CREATE", other);
    bot.fake.drain(Duration::from_millis(1500)).await;
    assert!(!bot.fake.sent_bodies().iter().any(|r| r.body["message_reference"]["message_id"] == "371"));
    bot.finish().await;
}

/// Defect: nothing was deferred, so at 10,000 passages `/faq add` answered after 4-6 s, when
/// the interaction had expired, and staff saw "interaction failed" although it was saved.
/// `/reload` and a saved `/faq add` form at 10,000 passages are answered within Discord's 3 s
/// by a deferral, then the deferral is replaced by what was done. Minutes the first time (the
/// generated passages are embedded into the vector cache): `cargo test -- --ignored`.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "10,000 passages; minutes on a cold vector cache: run with --ignored"]
async fn reload_and_faq_add_at_ten_thousand_passages_are_deferred_then_finished() {
    let corpus = tempfile::tempdir().unwrap();
    common::synthetic::synthetic_corpus(10_000, corpus.path());
    let dir = corpus.path().to_path_buf();
    let started = std::time::Instant::now();
    let mut bot = Running::start(|c| c.corpus.dir = dir.clone()).await;
    println!("a bot on 10,000 passages started in {:.1} s", started.elapsed().as_secs_f64());

    let faq = dir.join("faq.md");
    let mut text = std::fs::read_to_string(&faq).unwrap();
    text.push_str("\n## Do you offer hot stone massage?\n\nYes, hot stone massage is offered on weekdays.\n");
    std::fs::write(&faq, text).unwrap();
    bot.command(380, "reload", json!([]), &[STAFF_ROLE], 0);
    let reload = bot.fake.response(380).await;
    assert!(reload["content"].as_str().unwrap().contains("Added (1)"), "{reload}");

    let fields = [("question", "Do you offer couples massage?"), ("answer", "Not at the moment.")];
    bot.fake.dispatch(
        "INTERACTION_CREATE",
        modal_json(381, "faq:add", &fields, GUILD, user(42, "m", false), &[STAFF_ROLE]),
    );
    let added = bot.fake.response(381).await;
    assert!(added["content"].as_str().unwrap().contains("Added `faq/do-you-offer-couples-massage`"), "{added}");
    // The fake refuses a first response after 3 s, so `finish` failing on nothing refused is
    // the test; how each went is printed for the README.
    for (id, response) in [(380, &reload), (381, &added)] {
        let at = |wanted: &dyn Fn(&common::fake_discord::Recorded) -> bool| {
            bot.fake.seen.iter().find(|r| wanted(r)).map(|r| r.at)
        };
        let first = at(&|r| r.path.ends_with(&format!("/{id}/token-{id}/callback"))).unwrap();
        let last = at(&|r| r.method == "PATCH" && r.path.contains(&format!("/token-{id}/"))).unwrap_or(first);
        println!(
            "interaction {id}: first response {} then the result {:.2} s later",
            if response["deferred"] == json!(true) { "a deferral" } else { "the result" },
            (last - first).as_secs_f64()
        );
    }
    bot.finish().await;
}

/// Counts the heap bytes this test process has live, so the burst test can tell a leak from
/// a busy machine: resident memory also moves with the allocator's caches and the queue's
/// depth, live bytes only with what the program still holds.
struct CountingAllocator;

static LIVE_HEAP_BYTES: std::sync::atomic::AtomicIsize = std::sync::atomic::AtomicIsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; the counter is only
// bookkeeping beside it.
unsafe impl std::alloc::GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        let pointer = unsafe { std::alloc::System.alloc(layout) };
        if !pointer.is_null() {
            LIVE_HEAP_BYTES.fetch_add(layout.size() as isize, std::sync::atomic::Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: std::alloc::Layout) {
        unsafe { std::alloc::System.dealloc(pointer, layout) };
        LIVE_HEAP_BYTES.fetch_sub(layout.size() as isize, std::sync::atomic::Ordering::Relaxed);
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        let moved = unsafe { std::alloc::System.realloc(pointer, layout, new_size) };
        if !moved.is_null() {
            LIVE_HEAP_BYTES.fetch_add(new_size as isize - layout.size() as isize, std::sync::atomic::Ordering::Relaxed);
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Heap bytes live in this process once what was in flight has settled: the least of ten
/// readings a tenth of a second apart, since work still finishing (a connection's buffers, a
/// thread winding down) only ever adds to the count.
async fn settled_heap_bytes() -> i64 {
    let mut least = i64::MAX;
    for _ in 0..10 {
        least = least.min(LIVE_HEAP_BYTES.load(std::sync::atomic::Ordering::Relaxed) as i64);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    least
}

/// What one burst measured.
struct Burst {
    replies: usize,
    /// How many of the burst's `/ask` were deferred before their answer.
    deferred: usize,
    /// The longest an `/ask` waited for its first response (Discord allows 3 s).
    slowest_first_response: Duration,
    seconds: f64,
    p50: Duration,
    p99: Duration,
}

/// Sends `users` × 10 messages as fast as the gateway takes them, from users numbered from
/// `first_user`, with a `/ask` from every tenth user, and checks every reply: Discord accepts
/// each body, every `/ask` is answered, each message answered at most once, one answer and
/// one "please wait" per user, and a notice for every red flag.
async fn burst(bot: &mut Running, users: u64, first_user: u64) -> Burst {
    let per_user = 10u64;
    let questions =
        ["are massage guns good for sciatica?", "what is myofascial release?", "how often should I get a massage?"];
    let mut red_flags = std::collections::HashSet::new();
    let mut asked = std::collections::HashMap::new();
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
        // Every tenth user also uses /ask: its answer waits behind the burst in the embedding
        // queue, and must still reach Discord within 3 s (deferred, then edited).
        if user % 10 == 0 {
            let id = 5_000_000 + first_user + user;
            let invoker = common::fake_discord::user(500_000 + first_user + user, "asker", false);
            bot.fake.dispatch(
                "INTERACTION_CREATE",
                command_json(id, "ask", ask(questions[0]), Some(GUILD), invoker, &[], 0),
            );
            asked.insert(format!("token-{id}"), std::time::Instant::now());
        }
    }
    // Per user, two of their messages get a reply (the answer and one "please wait"), and so
    // does every red flag: its notice comes alone, or on the answer or the "please wait" when
    // the bot reads it first, so a flagged user gets two replies or three. Until all have
    // come the wait is long, so a busy machine cannot cut a burst short; then a short wait
    // catches any reply sent twice.
    let all_came = |replies: &std::collections::HashMap<u64, Vec<String>>| {
        red_flags.iter().all(|id| replies.contains_key(id))
            && (0..users).all(|user| (0..per_user).filter(|&k| replies.contains_key(&message_id(user, k))).count() >= 2)
    };
    let mut slash_answered = std::collections::HashSet::new();
    let mut deferred = 0;
    let mut slowest_first_response = Duration::ZERO;
    let mut replies: std::collections::HashMap<u64, Vec<String>> = std::collections::HashMap::new();
    let mut latencies = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120 + users / 2);
    let mut last_reply = started;
    loop {
        let grace = if slash_answered.len() == asked.len() && all_came(&replies) {
            Duration::from_millis(1500)
        } else {
            Duration::from_secs(30)
        };
        let wait = grace.min(deadline.saturating_duration_since(tokio::time::Instant::now()));
        let Ok(Some(request)) = tokio::time::timeout(wait, bot.fake.take()).await else { break };
        assert!(
            request.status < 400,
            "Discord would refuse {} {}: {:?}",
            request.method,
            request.path,
            request.refusal
        );
        assert_no_pings(&request);
        if let Some((token, dispatched)) = asked.iter().find(|(token, _)| request.path.contains(&format!("/{token}/")))
        {
            if request.path.ends_with("/callback") {
                slowest_first_response = slowest_first_response.max(request.at.duration_since(*dispatched));
            }
            let deferral = request.body["type"] == json!(5);
            deferred += usize::from(deferral);
            if !deferral {
                assert!(request.body.to_string().contains("Massage guns"), "{}", request.body);
                slash_answered.insert(token.clone());
            }
            continue;
        }
        let Some(id) = request.body["message_reference"]["message_id"].as_str().and_then(|i| i.parse::<u64>().ok())
        else {
            continue;
        };
        let Some(sent) = sent_at.get(&id) else { continue };
        latencies.push(request.at.duration_since(*sent));
        last_reply = last_reply.max(request.at);
        replies.entry(id).or_default().push(request.body["content"].as_str().unwrap_or_default().to_owned());
    }
    assert_eq!(slash_answered.len(), asked.len(), "every /ask in the burst was answered");
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
        deferred,
        slowest_first_response,
        seconds: last_reply.duration_since(started).as_secs_f64(),
        p50: latencies[latencies.len() / 2],
        p99: latencies[latencies.len() * 99 / 100],
    }
}

/// 2,000 messages from 200 users as fast as the gateway sends them (ten times more with
/// `SCIATICA_LONG_TESTS=1`), after a warm-up burst, eight times: every message that should be answered is answered
/// exactly once, cooldowns hold, red-flag notices are never dropped, the bot keeps running, and nothing accumulates:
/// the heap bytes still live once the queue has drained do not grow burst after burst.
#[tokio::test(flavor = "multi_thread")]
async fn a_burst_of_two_thousand_messages_is_answered_exactly_as_it_should_be() {
    let users = if std::env::var_os("SCIATICA_LONG_TESTS").is_some() { 2_000 } else { 200 };
    let mut bot = Running::start_alone(|c| c.discord.cooldown_seconds = 3600).await;
    // The warm-up burst fills what is built once (the serenity cache, the embedding thread's
    // buffers), so later bursts measure only what each one adds.
    let mut runs = vec![burst(&mut bot, users, 0).await];
    let mut live = Vec::new();
    for n in 1..=MEASURED_BURSTS {
        runs.push(burst(&mut bot, users, n * users).await);
        live.push(settled_heap_bytes().await);
    }
    for (n, run) in runs.iter().enumerate() {
        println!(
            "burst {n}: {} messages, {} replies in {:.2} s ({:.0} messages/s), p50 {:?}, p99 {:?} from dispatch to reply; {} of {} /ask deferred, the slowest first response after {:?}",
            users * 10,
            run.replies,
            run.seconds,
            (users * 10) as f64 / run.seconds,
            run.p50,
            run.p99,
            run.deferred,
            users / 10,
            run.slowest_first_response
        );
    }
    let megabytes: Vec<String> = live.iter().map(|bytes| format!("{:.2}", *bytes as f64 / 1e6)).collect();
    println!(
        "live heap after bursts 1 to {MEASURED_BURSTS}: {} MB; resident {} MB",
        megabytes.join(" / "),
        resident_bytes() / 1_000_000
    );
    // Each burst brings 200 new users, whom the cooldown table keeps for the hour: tens of
    // bytes each, and the table doubles now and then, so allow 1 KB each. Anything kept per
    // message (a reply, a vector, a request, a regex cache per new thread) would be more than
    // that, and in most bursts; a buffer that grows to a new high-water mark (one more pooled
    // HTTP connection when the burst is busier, a longer queue) grows in one burst, not in
    // most. So the median of the seven growths is held to the allowance: measured 0.03 to
    // 0.07 MB, with single bursts up to 1.1 MB.
    let allowed = users as i64 * 1_000;
    let mut growths: Vec<i64> = live.windows(2).map(|pair| pair[1] - pair[0]).collect();
    growths.sort_unstable();
    let median = growths[growths.len() / 2];
    assert!(median < allowed, "the heap grew in most bursts: {live:?} bytes");
    assert!(!bot.task.is_finished(), "the bot is still running");
    bot.stop().await;
}

/// Bursts after the warm-up whose settled heap is measured: seven growths between them.
const MEASURED_BURSTS: u64 = 8;

/// Resident memory of this process, in bytes: printed beside the live heap for the README.
fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    pages * 4096
}

/// A GET over plain HTTP/1.1: the status code and the body.
async fn http_get(address: std::net::SocketAddr, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
    (status, response.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()).unwrap_or_default())
}

/// The value of the sample `series` (name and labels as exported) in a Prometheus exposition.
fn sample(exposition: &str, series: &str) -> Option<f64> {
    exposition.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test(flavor = "multi_thread")]
async fn healthz_and_metrics_tell_an_operator_how_the_bot_is_doing() {
    let address = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let mut bot = Running::start(|c| c.ops.listen = Some(address)).await;
    let (status, body) = http_get(address, "/healthz").await;
    assert_eq!((status, body.as_str()), (200, "ok\n"), "connected, with a corpus version live");

    bot.say(600, 61, &format!("<@{BOT_ID}> are massage guns good for sciatica?"), true);
    bot.fake.reply_to(600).await;
    bot.say(601, 62, &format!("<@{BOT_ID}> do you sell gift vouchers?"), true);
    bot.fake.reply_to(601).await;
    bot.say(602, 63, &format!("<@{BOT_ID}> I can't control my bladder since my back went"), true);
    bot.fake.reply_to(602).await;
    bot.command(603, "reload", json!([]), &[STAFF_ROLE], 0);
    bot.fake.response(603).await;

    let (status, metrics) = http_get(address, "/metrics").await;
    assert_eq!(status, 200);
    let value = |series: &str| sample(&metrics, series).unwrap_or_else(|| panic!("no {series} in:\n{metrics}"));
    assert_eq!(value("sciatica_bot_answers_total"), 1.0);
    assert_eq!(value("sciatica_bot_abstentions_total"), 2.0);
    assert_eq!(value("sciatica_bot_red_flags_total{tier=\"emergency\"}"), 1.0);
    assert_eq!(value("sciatica_bot_reloads_total{outcome=\"ok\"}"), 1.0);
    assert_eq!(value("sciatica_bot_reply_seconds_count"), 3.0);
    let passages = Knowledge::load(&Config::default(), &MODEL).unwrap().engine.corpus().passages.len();
    assert_eq!(value("sciatica_bot_corpus_passages"), passages as f64);
    assert!(metrics.lines().any(|l| l.starts_with("sciatica_bot_corpus_version{version=\"") && l.ends_with("} 1")));
    assert!(!metrics.contains("bladder") && !metrics.contains("\"61\""), "no message text or user in metrics");
    bot.finish().await;
}
