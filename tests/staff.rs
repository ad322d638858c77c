//! Staff data in a real database: the same checks against SQLite and against a throwaway
//! PostgreSQL server, then `serve` processes sharing one database through the fake Discord:
//! two shards counting clicks at once, a process killed mid-burst, two FAQ edits at once.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;
use common::fake_discord::{click_json, modal_json, user, FakeDiscord, GUILD_ID};
use common::postgres::ThrowawayPostgres;
use common::serve::{bot_folder, serve, signal, stop, write_config};
use sciatica_bot::config::{Database, StaffConfig};
use sciatica_bot::staff::{StaffData, Unanswered, Votes};
use serde_json::json;
use tokio::process::Child;

/// The staff settings for `database`, with the JSON files of an earlier version in `dir`.
fn staff_config(database: Database, dir: &Path) -> StaffConfig {
    StaffConfig {
        database,
        unanswered_log: dir.join("unanswered.jsonl"),
        feedback_file: dir.join("feedback.json"),
        history_dir: dir.join("history"),
        ..StaffConfig::default()
    }
}

/// Every check of the store, on a database nobody used yet.
async fn the_store_keeps_what_staff_need_and_nothing_that_identifies(database: Database) {
    let dir = tempfile::tempdir().unwrap();
    let config = staff_config(database, dir.path());

    // An upgrade: the JSON files are imported once, even by two processes starting together.
    std::fs::write(&config.feedback_file, r#"{"faq/old": {"helpful": 2, "not_helpful": 5}}"#).unwrap();
    let days_ago = |days| (Utc::now() - chrono::Duration::days(days)).to_rfc3339();
    let earlier = [
        json!({"time": days_ago(6), "text": "do you take card? call 07700 900123"}).to_string(),
        "not an entry".to_owned(),
        json!({"time": days_ago(5), "text": "is there parking"}).to_string(),
    ];
    std::fs::write(&config.unanswered_log, earlier.join("\n")).unwrap();
    let (first, second) = tokio::join!(StaffData::open(&config), StaffData::open(&config));
    let (first, second) = (first.unwrap(), second.unwrap());
    assert_eq!(first.votes().await.unwrap()["faq/old"], Votes { helpful: 2, not_helpful: 5 }, "imported once");
    let imported = first.store().unanswered().await.unwrap();
    assert_eq!(
        imported.iter().map(|q| q.text.as_str()).collect::<Vec<_>>(),
        ["do you take card? call [phone]", "is there parking"],
        "imported masked, in order, the broken line skipped"
    );
    assert!(!config.unanswered_log.exists(), "the old question log is gone once imported");
    assert!(config.feedback_file.exists(), "the votes file is left where it was");
    drop(StaffData::open(&config).await.unwrap());
    assert_eq!(first.votes().await.unwrap()["faq/old"], Votes { helpful: 2, not_helpful: 5 }, "not imported again");

    // Votes: two processes' worth of concurrent clicks, each counted once per person per answer.
    let clicks = |data: StaffData, offset: u64| async move {
        let mut counted = 0;
        for n in 0..150u64 {
            let (person, answer) = (offset + n, n % 4);
            let passage = if n % 3 == 0 { "faq/a" } else { "faq/b" };
            counted += u32::from(data.vote(person, answer, passage, n % 2 == 0).await.unwrap());
            assert!(!data.vote(person, answer, passage, true).await.unwrap(), "a second click on the same answer");
        }
        (data, counted)
    };
    let (a, b) = tokio::join!(tokio::spawn(clicks(first, 0)), tokio::spawn(clicks(second, 1_000)));
    let ((first, a), (second, b)) = (a.unwrap(), b.unwrap());
    assert_eq!((a, b), (150, 150));
    let votes = second.votes().await.unwrap();
    let expected = |passage: &str| {
        let mut votes = Votes::default();
        for n in (0..150u64).filter(|n| (n % 3 == 0) == (passage == "faq/a")) {
            if n % 2 == 0 {
                votes.helpful += 2
            } else {
                votes.not_helpful += 2
            }
        }
        votes
    };
    assert_eq!((votes["faq/a"], votes["faq/b"]), (expected("faq/a"), expected("faq/b")));

    // Questions: masked before they are stored, cut, grouped; older than keep_days deleted.
    first.log_unanswered("Is there PARKING?? my email is jo@example.com").await.unwrap();
    first.log_unanswered(&"word ".repeat(20_000)).await.unwrap();
    first.log_unanswered(" \n ").await.unwrap();
    let stored = first.store().unanswered().await.unwrap();
    assert_eq!(stored.len(), 4, "the blank question is not stored");
    assert_eq!(stored[2].text, "Is there PARKING?? my email is [email]");
    assert!(stored[3].text.chars().count() <= 500);
    let groups = first.unanswered_groups().await.unwrap();
    assert_eq!(groups[0].count, 1);
    let old = Unanswered { time: Utc::now() - chrono::Duration::days(91), text: "an old question".to_owned() };
    first.store().add_unanswered(&old).await.unwrap();
    let recent = Unanswered { time: Utc::now() - chrono::Duration::days(89), text: "a recent one".to_owned() };
    first.store().add_unanswered(&recent).await.unwrap();
    assert_eq!(first.forget_old().await.unwrap(), 1, "only the question older than 90 days");
    let kept: Vec<String> = first.store().unanswered().await.unwrap().into_iter().map(|q| q.text).collect();
    assert!(kept.contains(&"a recent one".to_owned()) && !kept.contains(&"an old question".to_owned()), "{kept:?}");

    // Staff actions: kept with the staff member's id, newest first.
    first.record(77, "faq edit", "faq/a", "saved as faq/a").await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    second.record(78, "reload", "corpus", "refused: the corpus has problems").await;
    let actions = first.audit(10).await.unwrap();
    let seen: Vec<(&str, &str)> = actions.iter().map(|a| (a.staff_id.as_str(), a.action.as_str())).collect();
    assert_eq!(seen, [("78", "reload"), ("77", "faq edit")]);
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_keeps_what_staff_need_and_nothing_that_identifies() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nested/staff.sqlite3");
    the_store_keeps_what_staff_need_and_nothing_that_identifies(Database::Sqlite(file.clone())).await;
    // The write-ahead log holds what was not yet checkpointed into the file: both are read.
    let mut bytes = std::fs::read(&file).unwrap();
    bytes.extend(std::fs::read(file.with_extension("sqlite3-wal")).unwrap_or_default());
    assert!(bytes.windows(10).any(|w| w == b"is there p"), "the check reads the stored text");
    for identity in ["07700", "jo@example.com"] {
        assert!(!bytes.windows(identity.len()).any(|w| w == identity.as_bytes()), "{identity} is in the file");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn postgresql_keeps_what_staff_need_and_nothing_that_identifies() {
    let server = tokio::task::spawn_blocking(ThrowawayPostgres::start).await.unwrap();
    let database = Database::try_from(server.url.clone()).unwrap();
    the_store_keeps_what_staff_need_and_nothing_that_identifies(database).await;
}

/// A guild whose events go to the other shard of two than `GUILD_ID`'s: Discord routes a
/// guild to shard `(id >> 22) % total`.
const OTHER_GUILD: u64 = GUILD_ID + (1 << 22);
const STAFF_ROLE: u64 = 77;

/// A `serve` process for shard `shard` of `total`, logging warnings only, straight to the
/// test's output: what went wrong, if anything did.
fn serve_shard(folder: &Path, fake: &FakeDiscord, shard: u32, total: u32, database: &str) -> Child {
    let settings = format!(
        "[discord]\nrest_proxy = \"{}\"\nguild_ids = [{GUILD_ID}, {OTHER_GUILD}]\nstaff_role_ids = [{STAFF_ROLE}]\n\
         cooldown_seconds = 0\n[discord.shards]\ntotal = {total}\nfirst = {shard}\nlast = {shard}\n\
         [staff]\ndatabase = \"{database}\"\n",
        fake.base
    );
    let config = write_config(folder, &format!("shard-{shard}.toml"), &settings);
    serve(&config, "test-token").env("RUST_LOG", "warn").stdout(std::process::Stdio::null()).spawn().unwrap()
}

/// Waits until each of `processes` identified, and the commands were registered in both
/// guilds (by the process running shard 0): from then on a dispatch reaches its shard.
async fn wait_until_ready(fake: &mut FakeDiscord, processes: usize) {
    for _ in 0..processes {
        fake.expect("an IDENTIFY", |r| r.method == "IDENTIFY").await;
    }
    for guild in [GUILD_ID, OTHER_GUILD] {
        let path = format!("/guilds/{guild}/commands");
        fake.saw_or_expect("a command registration", |r| r.method == "PUT" && r.path.ends_with(&path)).await;
    }
}

/// Whether interaction `id`'s response, deferred or not, thanked for a vote counted.
fn thanked(fake: &FakeDiscord, id: u64) -> bool {
    let callback = format!("/api/v10/interactions/{id}/");
    let original = format!("/token-{id}/messages/@original");
    fake.seen.iter().any(|r| {
        let content = if r.path.starts_with(&callback) { &r.body["data"]["content"] } else { &r.body["content"] };
        (r.path.starts_with(&callback) || r.path.ends_with(&original))
            && r.status < 300
            && content.as_str().is_some_and(|text| text.starts_with("Thanks"))
    })
}

fn vote_click(id: u64, n: u64, guild: u64, passage: &str, helpful: bool) -> serde_json::Value {
    let custom_id = format!("feedback:{}:{passage}", if helpful { "up" } else { "down" });
    click_json(id, &custom_id, 700_000 + n % 5, 500, guild, user(50_000 + n, "member", false))
}

async fn two_shard_processes_count_every_click_exactly(database: String) {
    let mut fake = FakeDiscord::start(2).await;
    let folder = bot_folder();
    let mut shards =
        [serve_shard(folder.path(), &fake, 0, 2, &database), serve_shard(folder.path(), &fake, 1, 2, &database)];
    wait_until_ready(&mut fake, 2).await;
    let mut expected: BTreeMap<String, Votes> = BTreeMap::new();
    let mut id = 10_000;
    for n in 0..500u64 {
        for guild in [GUILD_ID, OTHER_GUILD] {
            let (passage, helpful) = (format!("faq/p{}", n % 7), n % 3 != 0);
            let votes = expected.entry(passage.clone()).or_default();
            if helpful {
                votes.helpful += 1
            } else {
                votes.not_helpful += 1
            }
            id += 1;
            fake.dispatch("INTERACTION_CREATE", vote_click(id, n, guild, &passage, helpful));
        }
    }
    for id in 10_001..=id {
        fake.response(id).await;
        assert!(thanked(&fake, id), "click {id} was not counted: {:#?}", fake.response(id).await);
    }
    for process in &mut shards {
        stop(process).await;
    }
    let store = sciatica_bot::staff::store::open(&Database::try_from(database).unwrap(), None).await.unwrap();
    let stored = store.votes().await.unwrap();
    assert_eq!(stored, expected, "every click counted once, by whichever process received it");
}

#[tokio::test(flavor = "multi_thread")]
async fn two_shard_processes_sharing_sqlite_count_every_click_exactly() {
    let dir = tempfile::tempdir().unwrap();
    two_shard_processes_count_every_click_exactly(dir.path().join("staff.sqlite3").display().to_string()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_shard_processes_sharing_postgresql_count_every_click_exactly() {
    let server = tokio::task::spawn_blocking(ThrowawayPostgres::start).await.unwrap();
    two_shard_processes_count_every_click_exactly(server.url.clone()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_process_killed_mid_burst_keeps_every_vote_it_acknowledged() {
    let mut fake = FakeDiscord::start(1).await;
    let folder = bot_folder();
    let database = folder.path().join("staff.sqlite3");
    let bot = serve_shard(folder.path(), &fake, 0, 1, &database.display().to_string());
    wait_until_ready(&mut fake, 1).await;
    // One passage per click, so each acknowledgement names the vote it stands for.
    let clicks = 2_000u64;
    for n in 0..clicks {
        fake.dispatch("INTERACTION_CREATE", vote_click(20_000 + n, n, GUILD_ID, &format!("faq/v{n}"), true));
    }
    let mut acknowledged = 0;
    while acknowledged < 200 {
        let request = fake.next().await.expect("the fake runs");
        acknowledged += u32::from(
            request.body["data"]["content"].as_str().is_some_and(|t| t.starts_with("Thanks"))
                || request.body["content"].as_str().is_some_and(|t| t.starts_with("Thanks")),
        );
    }
    signal(&bot, "-KILL");
    fake.drain(Duration::from_millis(500)).await;
    let acknowledged: Vec<u64> = (0..clicks).filter(|n| thanked(&fake, 20_000 + n)).collect();
    assert!(
        acknowledged.len() >= 200 && acknowledged.len() < clicks as usize,
        "killed mid-burst: {}",
        acknowledged.len()
    );
    let store = sciatica_bot::staff::store::open(&Database::Sqlite(database), None).await.expect("the database opens");
    let stored = store.votes().await.unwrap();
    for n in acknowledged {
        assert_eq!(
            stored.get(&format!("faq/v{n}")),
            Some(&Votes { helpful: 1, not_helpful: 0 }),
            "acknowledged vote {n}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_faq_edits_through_two_processes_both_land() {
    let mut fake = FakeDiscord::start(2).await;
    let folder = bot_folder();
    let database = folder.path().join("staff.sqlite3").display().to_string();
    let mut shards =
        [serve_shard(folder.path(), &fake, 0, 2, &database), serve_shard(folder.path(), &fake, 1, 2, &database)];
    wait_until_ready(&mut fake, 2).await;
    let staff = |id: u64, guild: u64, question: &str| {
        let fields = [("question", question), ("answer", "Yes, from Monday to Saturday.")];
        modal_json(id, "faq:add", &fields, guild, user(40 + id, "staff", false), &[STAFF_ROLE])
    };
    fake.dispatch("INTERACTION_CREATE", staff(1, GUILD_ID, "Do you open on weekends?"));
    fake.dispatch("INTERACTION_CREATE", staff(2, OTHER_GUILD, "Can I book online?"));
    for id in [1, 2] {
        let response = fake.response(id).await;
        assert!(response["content"].as_str().unwrap().starts_with("Added `"), "{response:#}");
    }
    let faq = std::fs::read_to_string(folder.path().join("corpus/faq.md")).unwrap();
    assert!(faq.contains("## Do you open on weekends?") && faq.contains("## Can I book online?"), "{faq}");
    for process in &mut shards {
        stop(process).await;
    }
    let store = sciatica_bot::staff::store::open(&Database::Sqlite(PathBuf::from(database)), None).await.unwrap();
    let mut actions: Vec<(String, String)> =
        store.audit(10).await.unwrap().into_iter().map(|a| (a.staff_id, a.action)).collect();
    actions.sort();
    assert_eq!(actions, [("41".into(), "faq add".into()), ("42".into(), "faq add".into())]);
}
