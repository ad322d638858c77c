//! A fake Discord for tests: REST and gateway on 127.0.0.1, enough for an unmodified
//! serenity client to connect, receive dispatches and send replies. Every REST request and
//! every IDENTIFY is recorded for the test to read, with the status the fake answered;
//! dispatches are injected by the test and routed to the gateway session of the right shard,
//! as Discord does.
//!
//! It refuses what Discord refuses (`shared/notes/discord-limits.md`): a body over a
//! documented limit (400, 50035), an interaction answered after 3 s (404, 10062) or answered
//! twice (400, 40060), a reply to a deleted message unless `fail_if_not_exists` is false (400),
//! a post where the bot may not write (403, 50013), and one 429 when a test asks for it.

#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::ws::{Message as Frame, WebSocket, WebSocketUpgrade};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::sync::{broadcast, mpsc};

/// The bot's own user id and application id in every test.
pub const BOT_ID: u64 = 1000;
pub const APPLICATION_ID: u64 = 2000;
/// The guild every fake session says the bot is in, and the role Discord manages for the bot there.
pub const GUILD_ID: u64 = 81_985_512_345_678_901;
pub const BOT_ROLE_ID: u64 = 3000;
/// How long any wait in a test may take before it fails.
pub const WAIT: Duration = Duration::from_secs(20);

/// One request the bot made: a REST call, or an IDENTIFY on the gateway (method "IDENTIFY").
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub body: Value,
    /// Who made it: the Authorization header, or the token of an IDENTIFY.
    pub authorization: String,
    /// When the fake received it.
    pub at: std::time::Instant,
    /// The HTTP status the fake answered (101 for an IDENTIFY).
    pub status: u16,
    /// Why the fake refused it, as Discord would say.
    pub refusal: Option<String>,
}

/// How long an interaction token accepts its initial response, and then edits.
pub const INTERACTION_DEADLINE: Duration = Duration::from_secs(3);
const EDIT_DEADLINE: Duration = Duration::from_secs(15 * 60);

/// What the fake remembers to refuse what Discord refuses.
#[derive(Default)]
struct Ledger {
    /// Interactions dispatched, by token.
    interactions: HashMap<String, Dispatched>,
    deleted_messages: HashSet<u64>,
    forbidden_channels: HashSet<u64>,
    /// How many of the next requests get a 429.
    rate_limited: u32,
}

struct Dispatched {
    at: Instant,
    responded: bool,
}

pub struct FakeDiscord {
    pub base: String,
    requests: mpsc::UnboundedReceiver<Recorded>,
    /// Everything received so far, matched or not.
    pub seen: Vec<Recorded>,
    sessions: Sessions,
    control: broadcast::Sender<Gateway>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    ledger: Arc<Mutex<Ledger>>,
}

/// The open gateway sessions' queues of dispatches. Each session gets its own queue, which
/// drops a dispatch once sent: a ring buffer shared by all would keep the last thousands of
/// messages alive and blur the burst test's count of the heap.
#[derive(Clone, Default)]
struct Sessions(Arc<Mutex<Vec<mpsc::UnboundedSender<Value>>>>);

impl Sessions {
    fn open(&self) -> mpsc::UnboundedReceiver<Value> {
        let (sender, receiver) = mpsc::unbounded_channel();
        self.0.lock().unwrap().push(sender);
        receiver
    }
}

/// What the gateway does to the sessions it holds, as Discord does at times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gateway {
    /// op 7: reconnect and resume.
    Reconnect,
    /// op 9: the session is invalid; `true` if it may be resumed, `false` to identify again.
    InvalidSession(bool),
    /// The socket closes with no word (a network drop).
    Drop,
}

#[derive(Clone)]
struct Fake {
    base: Arc<Mutex<String>>,
    record: mpsc::UnboundedSender<Recorded>,
    sessions: Sessions,
    control: broadcast::Sender<Gateway>,
    next_id: Arc<AtomicU64>,
    shards: u32,
    ledger: Arc<Mutex<Ledger>>,
}

impl FakeDiscord {
    /// Starts a fake that tells clients to run `shards` shards.
    pub async fn start(shards: u32) -> FakeDiscord {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (record, requests) = mpsc::unbounded_channel();
        let sessions = Sessions::default();
        let ledger = Arc::new(Mutex::new(Ledger::default()));
        let (control, _) = broadcast::channel(16);
        let fake = Fake {
            base: Arc::new(Mutex::new(base.clone())),
            record,
            sessions: sessions.clone(),
            control: control.clone(),
            next_id: Arc::new(AtomicU64::new(900_000)),
            shards,
            ledger: ledger.clone(),
        };
        let app = Router::new()
            .route("/api/v10/gateway", get(gateway))
            .route("/api/v10/gateway/bot", get(gateway_bot))
            .route("/gateway", get(upgrade))
            .fallback(any(rest))
            .with_state(fake);
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        // Discord is not in the bot's process: the fake runs on its own thread and runtime, so
        // when it times a response it sees when the response left the bot, not when a bot busy
        // with a burst let the fake's own tasks run.
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let server = axum::serve(listener, app).with_graceful_shutdown(async {
                    let _ = stopped.await;
                });
                server.await.unwrap();
            });
        });
        FakeDiscord { base, requests, seen: Vec::new(), sessions, control, shutdown: Some(shutdown), ledger }
    }

    /// Sends a dispatch (`t`, `d`) to the session of the shard it belongs to. An interaction's
    /// 3 s start now.
    pub fn dispatch(&self, kind: &str, data: Value) {
        if kind == "INTERACTION_CREATE" {
            let token = data["token"].as_str().unwrap_or_default().to_owned();
            self.ledger.lock().unwrap().interactions.insert(token, Dispatched { at: Instant::now(), responded: false });
        }
        let dispatch = json!({"t": kind, "d": data});
        let mut sessions = self.sessions.0.lock().unwrap();
        sessions.retain(|session| session.send(dispatch.clone()).is_ok());
        assert!(!sessions.is_empty(), "a gateway session is listening");
    }

    /// Does `what` to every open gateway session.
    pub fn gateway(&self, what: Gateway) {
        self.control.send(what).expect("a gateway session is open");
    }

    /// Message `id` is deleted: a reply that must reference it fails from now on.
    pub fn delete_message(&self, id: u64) {
        self.ledger.lock().unwrap().deleted_messages.insert(id);
    }

    /// The bot may not post in `channel` from now on (403 Missing Permissions).
    pub fn forbid_channel(&self, channel: u64) {
        self.ledger.lock().unwrap().forbidden_channels.insert(channel);
    }

    /// The next `count` REST requests get a 429 with a short `retry_after`.
    pub fn rate_limit_next(&self, count: u32) {
        self.ledger.lock().unwrap().rate_limited = count;
    }

    /// Tokens of the dispatched interactions that never got their initial response.
    pub fn unanswered_interactions(&self) -> Vec<String> {
        let ledger = self.ledger.lock().unwrap();
        let mut tokens: Vec<String> =
            ledger.interactions.iter().filter(|(_, i)| !i.responded).map(|(t, _)| t.clone()).collect();
        tokens.sort();
        tokens
    }

    /// Waits for the next request that `wanted` accepts; fails the test after [`WAIT`].
    pub async fn expect(&mut self, what: &str, wanted: impl Fn(&Recorded) -> bool) -> Recorded {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.requests.recv()).await {
                Ok(Some(request)) => {
                    self.seen.push(request.clone());
                    if wanted(&request) {
                        return request;
                    }
                }
                Ok(None) => panic!("the fake stopped while waiting for {what}"),
                Err(_) => panic!("no {what} within {WAIT:?}; seen: {:#?}", self.seen),
            }
        }
    }

    /// The next request, whatever it is (kept in `seen` too).
    pub async fn next(&mut self) -> Option<Recorded> {
        let request = self.requests.recv().await?;
        self.seen.push(request.clone());
        Some(request)
    }

    /// The next request, not kept in `seen`: for a test that checks each request as it comes,
    /// and measures memory, which the fake's own record would otherwise grow.
    pub async fn take(&mut self) -> Option<Recorded> {
        self.requests.recv().await
    }

    /// Like [`FakeDiscord::expect`], but also accepts a request that already arrived.
    pub async fn saw_or_expect(&mut self, what: &str, wanted: impl Fn(&Recorded) -> bool) -> Recorded {
        match self.seen.iter().find(|r| wanted(r)) {
            Some(request) => request.clone(),
            None => self.expect(what, wanted).await,
        }
    }

    /// Collects whatever arrives within `grace`, for checks that something did not happen.
    pub async fn drain(&mut self, grace: Duration) {
        let deadline = tokio::time::Instant::now() + grace;
        while let Ok(Some(request)) = tokio::time::timeout_at(deadline, self.requests.recv()).await {
            self.seen.push(request);
        }
    }

    /// The message the bot posted in reply to message `id`.
    pub async fn reply_to(&mut self, id: u64) -> String {
        let request = self
            .saw_or_expect(&format!("a reply to message {id}"), |r| {
                r.method == "POST"
                    && r.path.ends_with("/messages")
                    && r.body["message_reference"]["message_id"].as_str().and_then(|m| m.parse::<u64>().ok())
                        == Some(id)
            })
            .await;
        request.body["content"].as_str().unwrap().to_owned()
    }

    /// The bot's response to interaction `id`.
    pub async fn callback(&mut self, id: u64) -> Value {
        let prefix = format!("/api/v10/interactions/{id}/");
        self.saw_or_expect(&format!("a response to interaction {id}"), |r| {
            r.method == "POST" && r.path.starts_with(&prefix)
        })
        .await
        .body
    }

    /// What the person sees for interaction `id`: its response's message, or, when the bot
    /// deferred it, the edit that replaced the deferral, with the deferral's flags (64 when
    /// private) and `"deferred": true`.
    pub async fn response(&mut self, id: u64) -> Value {
        let callback = self.callback(id).await;
        if callback["type"] != json!(5) {
            return callback["data"].clone();
        }
        let original = format!("/token-{id}/messages/@original");
        let edit = self
            .saw_or_expect(&format!("the edit of deferred interaction {id}"), |r| {
                r.method == "PATCH" && r.path.ends_with(&original)
            })
            .await;
        let mut message = edit.body;
        message["flags"] = callback["data"]["flags"].clone();
        message["deferred"] = json!(true);
        message
    }

    /// Every message, interaction response and response edit the bot sent so far.
    pub fn sent_bodies(&self) -> Vec<&Recorded> {
        self.seen.iter().filter(|r| is_message_body(r)).collect()
    }

    /// Every request the fake refused so far, with Discord's reason.
    pub fn refused(&self) -> Vec<&Recorded> {
        self.seen.iter().filter(|r| r.status >= 400).collect()
    }

    pub fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        self.stop();
    }
}

fn is_message_body(request: &Recorded) -> bool {
    (request.method == "POST" && (request.path.ends_with("/messages") || request.path.ends_with("/callback")))
        || (request.method == "PATCH" && request.path.ends_with("/messages/@original"))
}

/// Asserts that a message or interaction body lets nobody be pinged. Forms (type 9),
/// autocomplete choices (type 8) and deferrals (types 5 and 6) carry no message and cannot ping.
pub fn assert_no_pings(request: &Recorded) {
    if request.path.ends_with("/callback") && matches!(request.body["type"].as_u64(), Some(5 | 6 | 8 | 9)) {
        return;
    }
    if !is_message_body(request) {
        return;
    }
    let body = if request.path.ends_with("/callback") { &request.body["data"] } else { &request.body };
    let allowed = &body["allowed_mentions"];
    assert!(allowed.is_object(), "no allowed_mentions in {} {}: {body}", request.method, request.path);
    assert_eq!(allowed["parse"], json!([]), "{allowed}");
    for key in ["users", "roles"] {
        assert!(allowed[key].as_array().is_none_or(|ids| ids.is_empty()), "{allowed}");
    }
    assert_ne!(allowed["replied_user"], json!(true), "{allowed}");
}

async fn gateway(State(fake): State<Fake>) -> Json<Value> {
    let base = fake.base.lock().unwrap().replace("http://", "ws://");
    Json(json!({"url": format!("{base}/gateway")}))
}

async fn gateway_bot(State(fake): State<Fake>) -> Json<Value> {
    let base = fake.base.lock().unwrap().replace("http://", "ws://");
    Json(json!({
        "url": format!("{base}/gateway"),
        "shards": fake.shards,
        "session_start_limit": {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
    }))
}

async fn upgrade(ws: WebSocketUpgrade, State(fake): State<Fake>) -> Response {
    ws.on_upgrade(move |socket| session(socket, fake))
}

/// One gateway session: HELLO, then IDENTIFY answered with READY and GUILD_CREATE (or RESUME
/// with RESUMED), heartbeats acknowledged, the dispatches of this session's shard forwarded
/// (a guild message's content blanked unless it mentions the bot or the Message Content intent
/// was given), and the test's [`Gateway`] events played.
async fn session(mut socket: WebSocket, fake: Fake) {
    let mut dispatches = fake.sessions.open();
    let mut control = fake.control.subscribe();
    let hello = json!({"op": 10, "d": {"heartbeat_interval": 41250}});
    if socket.send(Frame::Text(hello.to_string().into())).await.is_err() {
        return;
    }
    let mut shard = (0u64, 1u64);
    let mut sequence = 0u64;
    let mut message_content = false;
    let record = |method: &str, body: Value, authorization: String| {
        let _ = fake.record.send(Recorded {
            method: method.into(),
            path: "/gateway".into(),
            body,
            authorization,
            at: Instant::now(),
            status: 101,
            refusal: None,
        });
    };
    loop {
        let mut out = Vec::new();
        tokio::select! {
            frame = socket.recv() => {
                let Some(Ok(frame)) = frame else { return };
                let Frame::Text(text) = frame else { continue };
                let Ok(payload) = serde_json::from_str::<Value>(&text) else { continue };
                match payload["op"].as_u64() {
                    Some(1) => out.push(json!({"op": 11})),
                    Some(2) => {
                        let identify = payload["d"].clone();
                        if let Some([id, total]) = identify["shard"].as_array().map(|s| [s[0].as_u64().unwrap_or(0), s[1].as_u64().unwrap_or(1)]) {
                            shard = (id, total);
                        }
                        message_content = identify["intents"].as_u64().is_some_and(|i| i & MESSAGE_CONTENT != 0);
                        let authorization = identify["token"].as_str().unwrap_or_default().to_owned();
                        record("IDENTIFY", identify, authorization);
                        let base = fake.base.lock().unwrap().replace("http://", "ws://");
                        sequence += 1;
                        out.push(json!({"op": 0, "s": sequence, "t": "READY", "d": {
                            "v": 10,
                            "user": bot_user(),
                            "guilds": [{"id": GUILD_ID.to_string(), "unavailable": true}],
                            "session_id": format!("session-{}", shard.0),
                            "resume_gateway_url": format!("{base}/gateway"),
                            "shard": [shard.0, shard.1],
                            "application": {"id": APPLICATION_ID.to_string(), "flags": 0}
                        }}));
                        if shard_of(&json!({"guild_id": GUILD_ID.to_string()}), shard.1) == shard.0 {
                            sequence += 1;
                            out.push(json!({"op": 0, "s": sequence, "t": "GUILD_CREATE", "d": guild_json(GUILD_ID)}));
                        }
                    }
                    Some(6) => {
                        let resume = payload["d"].clone();
                        let authorization = resume["token"].as_str().unwrap_or_default().to_owned();
                        record("RESUME", resume, authorization);
                        sequence += 1;
                        out.push(json!({"op": 0, "s": sequence, "t": "RESUMED", "d": {}}));
                    }
                    _ => {}
                }
            }
            dispatch = dispatches.recv() => {
                let Some(mut dispatch) = dispatch else { return };
                if shard_of(&dispatch["d"], shard.1) != shard.0 { continue; }
                let data = &dispatch["d"];
                let mentions_bot = data["mentions"].as_array().is_some_and(|m| m.iter().any(|u| u["id"].as_str().and_then(|id| id.parse().ok()) == Some(BOT_ID)));
                if dispatch["t"] == "MESSAGE_CREATE" && data["guild_id"].is_string() && !mentions_bot && !message_content {
                    dispatch["d"]["content"] = json!("");
                }
                sequence += 1;
                out.push(json!({"op": 0, "s": sequence, "t": dispatch["t"], "d": dispatch["d"]}));
            }
            what = control.recv() => {
                match what {
                    Ok(Gateway::Reconnect) => out.push(json!({"op": 7, "d": null})),
                    Ok(Gateway::InvalidSession(resumable)) => out.push(json!({"op": 9, "d": resumable})),
                    Ok(Gateway::Drop) | Err(_) => return,
                }
            }
        }
        for frame in out {
            if socket.send(Frame::Text(frame.to_string().into())).await.is_err() {
                return;
            }
        }
    }
}

/// The Message Content intent's bit.
const MESSAGE_CONTENT: u64 = 1 << 15;

/// The GUILD_CREATE that follows READY, with what the cache needs: the channel, the everyone
/// role, and the role Discord manages for the bot (mentioning it addresses the bot).
pub fn guild_json(guild: u64) -> Value {
    let role = |id: u64, name: &str, managed: bool| {
        let mut role = json!({
            "id": id.to_string(), "name": name, "color": 0, "hoist": false, "position": 0,
            "permissions": "0", "managed": managed, "mentionable": false, "flags": 0,
            "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null}
        });
        if managed {
            role["tags"] = json!({"bot_id": BOT_ID.to_string()});
        }
        role
    };
    json!({
        "id": guild.to_string(),
        "name": "Clinic",
        "icon": null,
        "owner_id": "1",
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": [role(guild, "@everyone", false), role(BOT_ROLE_ID, "sciatica-bot", true)],
        "emojis": [],
        "features": [],
        "mfa_level": 0,
        "system_channel_flags": 0,
        "premium_tier": 0,
        "preferred_locale": "en-GB",
        "nsfw_level": 0,
        "premium_progress_bar_enabled": false,
        "stickers": [],
        "joined_at": "2026-01-01T00:00:00.000000+00:00",
        "large": false,
        "unavailable": false,
        "member_count": 2,
        "members": [],
        "channels": [{"id": "500", "type": 0, "guild_id": guild.to_string(), "name": "sciatica", "position": 0, "permission_overwrites": [], "nsfw": false}],
        "threads": [],
        "presences": [],
        "voice_states": [],
        "stage_instances": [],
        "guild_scheduled_events": []
    })
}

/// Discord's rule: a guild's events go to shard `(guild_id >> 22) % total`; DMs to shard 0.
fn shard_of(data: &Value, total: u64) -> u64 {
    let guild = data["guild_id"].as_str().and_then(|g| g.parse::<u64>().ok());
    guild.map_or(0, |g| (g >> 22) % total.max(1))
}

/// REST: answer the routes the bot uses as Discord would, refusals included; 404 the rest;
/// record every call with its outcome.
async fn rest(State(fake): State<Fake>, request: Request) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let authorization =
        request.headers().get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let bytes = axum::body::to_bytes(request.into_body(), 10 * 1024 * 1024).await.unwrap_or_default();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let at = Instant::now();
    let (status, refusal, response) = answer(&fake, &method, &path, &body, at);
    let _ = fake.record.send(Recorded {
        method,
        path,
        body,
        authorization,
        at,
        status: status.as_u16(),
        refusal: refusal.as_ref().map(|(_, why)| why.clone()),
    });
    match refusal {
        Some((code, why)) if status == StatusCode::TOO_MANY_REQUESTS => (
            status,
            [("retry-after", "0.2"), ("x-ratelimit-scope", "user")],
            Json(json!({"message": why, "retry_after": 0.2, "global": false, "code": code})),
        )
            .into_response(),
        Some((code, why)) => (status, Json(json!({"message": why, "code": code}))).into_response(),
        None => (status, Json(response)).into_response(),
    }
}

/// Discord's answer to one REST call: the status, the refusal (code and message) if any, and
/// the body of a success.
fn answer(
    fake: &Fake,
    method: &str,
    path: &str,
    body: &Value,
    at: Instant,
) -> (StatusCode, Option<(u64, String)>, Value) {
    let refuse = |status: StatusCode, code: u64, why: String| (status, Some((code, why)), Value::Null);
    let mut ledger = fake.ledger.lock().unwrap();
    if ledger.rate_limited > 0 {
        ledger.rate_limited -= 1;
        return refuse(StatusCode::TOO_MANY_REQUESTS, 0, "You are being rate limited.".into());
    }
    let parts: Vec<&str> = path.trim_start_matches("/api/v10/").split('/').collect();
    match (method, parts.as_slice()) {
        ("POST", ["channels", channel, "messages"]) => {
            let channel: u64 = channel.parse().unwrap_or(0);
            if ledger.forbidden_channels.contains(&channel) {
                return refuse(StatusCode::FORBIDDEN, 50013, "Missing Permissions".into());
            }
            let reference = &body["message_reference"];
            let referenced = reference["message_id"].as_str().and_then(|m| m.parse::<u64>().ok());
            if referenced.is_some_and(|m| ledger.deleted_messages.contains(&m))
                && reference["fail_if_not_exists"] != json!(false)
            {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    50035,
                    "Invalid Form Body: message_reference: Unknown message".into(),
                );
            }
            if let Some(why) = message_violation(body) {
                return refuse(StatusCode::BAD_REQUEST, 50035, why);
            }
            let id = fake.next_id.fetch_add(1, Ordering::Relaxed);
            let mut message =
                message_json(id, channel, None, bot_user(), body["content"].as_str().unwrap_or(""), vec![]);
            message["message_reference"] = body["message_reference"].clone();
            (StatusCode::OK, None, message)
        }
        ("POST", ["interactions", _, token, "callback"]) => {
            let Some(interaction) = ledger.interactions.get_mut(*token) else {
                return refuse(StatusCode::NOT_FOUND, 10062, "Unknown interaction".into());
            };
            if at.duration_since(interaction.at) > INTERACTION_DEADLINE {
                return refuse(StatusCode::NOT_FOUND, 10062, "Unknown interaction".into());
            }
            if interaction.responded {
                return refuse(StatusCode::BAD_REQUEST, 40060, "Interaction has already been acknowledged.".into());
            }
            if let Some(why) = callback_violation(body) {
                return refuse(StatusCode::BAD_REQUEST, 50035, why);
            }
            interaction.responded = true;
            (StatusCode::NO_CONTENT, None, Value::Null)
        }
        ("PATCH", ["webhooks", _, token, "messages", "@original"]) => {
            match ledger.interactions.get(*token) {
                Some(interaction) if interaction.responded && at.duration_since(interaction.at) <= EDIT_DEADLINE => {}
                Some(_) | None => return refuse(StatusCode::NOT_FOUND, 10008, "Unknown Message".into()),
            }
            if let Some(why) = message_violation(body) {
                return refuse(StatusCode::BAD_REQUEST, 50035, why);
            }
            let id = fake.next_id.fetch_add(1, Ordering::Relaxed);
            (
                StatusCode::OK,
                None,
                message_json(id, 500, None, bot_user(), body["content"].as_str().unwrap_or(""), vec![]),
            )
        }
        ("PUT", ["applications", _, "commands"]) | ("PUT", ["applications", _, "guilds", _, "commands"]) => {
            match commands_violation(body) {
                Some(why) => refuse(StatusCode::BAD_REQUEST, 50035, why),
                None => (StatusCode::OK, None, json!([])),
            }
        }
        _ => refuse(StatusCode::NOT_FOUND, 0, format!("not faked: {method} {path}")),
    }
}

fn chars(value: &Value) -> usize {
    value.as_str().map_or(0, |s| s.chars().count())
}

/// Why Discord would refuse a message body (content and components), if it would.
fn message_violation(body: &Value) -> Option<String> {
    if chars(&body["content"]) > 2000 {
        return Some(format!("content: {} characters, at most 2000", chars(&body["content"])));
    }
    let rows = body["components"].as_array().map(Vec::as_slice).unwrap_or_default();
    if rows.len() > 5 {
        return Some("components: more than 5 rows".into());
    }
    let mut ids = HashSet::new();
    for button in rows.iter().flat_map(|row| row["components"].as_array().map(Vec::as_slice).unwrap_or_default()) {
        if chars(&button["label"]) > 80 {
            return Some("button label over 80 characters".into());
        }
        let id = button["custom_id"].as_str().unwrap_or_default();
        if id.is_empty() || id.chars().count() > 100 || !ids.insert(id) {
            return Some(format!("button custom_id {id:?}: 1-100 characters, unique"));
        }
    }
    None
}

/// Why Discord would refuse an interaction response, if it would.
fn callback_violation(body: &Value) -> Option<String> {
    let data = &body["data"];
    match body["type"].as_u64() {
        Some(4 | 7) => message_violation(data),
        Some(5 | 6) => None,
        Some(8) => {
            let choices = data["choices"].as_array().map(Vec::as_slice).unwrap_or_default();
            if choices.len() > 25 {
                return Some("choices: at most 25".into());
            }
            choices.iter().find_map(|choice| {
                let (name, value) = (chars(&choice["name"]), chars(&choice["value"]));
                (name == 0 || name > 100 || value > 100)
                    .then(|| format!("choice: name {name} characters (1-100), value {value} (at most 100)"))
            })
        }
        Some(9) => {
            let (id, title) = (chars(&data["custom_id"]), chars(&data["title"]));
            if id == 0 || id > 100 || title == 0 || title > 45 {
                return Some(format!("modal: custom_id {id} characters (1-100), title {title} (1-45)"));
            }
            let rows = data["components"].as_array().map(Vec::as_slice).unwrap_or_default();
            if rows.is_empty() || rows.len() > 5 {
                return Some("modal: 1-5 components".into());
            }
            rows.iter().flat_map(|row| row["components"].as_array().map(Vec::as_slice).unwrap_or_default()).find_map(
                |input| {
                    let (label, id) = (chars(&input["label"]), chars(&input["custom_id"]));
                    let max = input["max_length"].as_u64().unwrap_or(4000);
                    let value = input.get("value");
                    let valid = (1..=45).contains(&label)
                        && (1..=100).contains(&id)
                        && matches!(input["style"].as_u64(), Some(1 | 2))
                        && (1..=4000).contains(&max)
                        && input["min_length"].as_u64().is_none_or(|min| min <= 4000)
                        && value.is_none_or(|v| (1..=max as usize).contains(&chars(v)));
                    (!valid).then(|| format!("text input {input}: label 1-45, value 1-{max} characters or left out"))
                },
            )
        }
        other => Some(format!("unknown interaction response type {other:?}")),
    }
}

/// Why Discord would refuse a command list, if it would.
fn commands_violation(body: &Value) -> Option<String> {
    static NAME: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"^[-_'\p{Ll}\p{Lo}\p{N}]{1,32}$").unwrap());
    fn options_violation(options: &[Value]) -> Option<String> {
        if options.len() > 25 {
            return Some("more than 25 options".into());
        }
        let mut optional_seen = false;
        for option in options {
            let name = option["name"].as_str().unwrap_or_default();
            let description = chars(&option["description"]);
            if !NAME.is_match(name) || description == 0 || description > 100 {
                return Some(format!("option {name:?}: name or description out of bounds"));
            }
            if option["max_length"].as_u64().is_some_and(|max| max == 0 || max > 6000) {
                return Some(format!("option {name:?}: max_length 1-6000"));
            }
            let required = option["required"].as_bool().unwrap_or(false);
            if required && optional_seen {
                return Some(format!("option {name:?}: required options come first"));
            }
            optional_seen |= !required && option["type"].as_u64().is_some_and(|t| t > 2);
            if let Some(why) = options_violation(option["options"].as_array().map(Vec::as_slice).unwrap_or_default()) {
                return Some(why);
            }
        }
        None
    }
    let commands = body.as_array()?;
    commands.iter().find_map(|command| {
        let name = command["name"].as_str().unwrap_or_default();
        let description = chars(&command["description"]);
        if !NAME.is_match(name) || description == 0 || description > 100 {
            return Some(format!("command {name:?}: name or description out of bounds"));
        }
        if command
            .get("default_member_permissions")
            .is_some_and(|p| !p.is_null() && p.as_str().and_then(|p| p.parse::<u64>().ok()).is_none())
        {
            return Some(format!("command {name:?}: default_member_permissions is a permission bit set as a string"));
        }
        if command.to_string().len() > 8000 {
            return Some(format!("command {name:?}: over 8000 characters"));
        }
        options_violation(command["options"].as_array().map(Vec::as_slice).unwrap_or_default())
    })
}

pub fn bot_user() -> Value {
    json!({"id": BOT_ID.to_string(), "username": "sciatica-bot", "discriminator": "0000", "bot": true, "avatar": null, "global_name": null})
}

pub fn user(id: u64, name: &str, bot: bool) -> Value {
    json!({"id": id.to_string(), "username": name, "discriminator": "0000", "bot": bot, "avatar": null, "global_name": null})
}

/// A MESSAGE_CREATE payload; `guild` None makes it a direct message.
pub fn message_json(
    id: u64,
    channel: u64,
    guild: Option<u64>,
    author: Value,
    content: &str,
    mentions: Vec<Value>,
) -> Value {
    let mut message = json!({
        "id": id.to_string(),
        "channel_id": channel.to_string(),
        "author": author,
        "content": content,
        "timestamp": "2026-11-25T12:00:00.000000+00:00",
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": mentions,
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": false,
        "type": 0
    });
    if let Some(guild) = guild {
        message["guild_id"] = json!(guild.to_string());
    }
    message
}

/// An INTERACTION_CREATE payload for a slash command; `member` (roles, permissions) in a
/// guild, or a plain user in a DM when `guild` is None.
pub fn command_json(
    id: u64,
    name: &str,
    options: Value,
    guild: Option<u64>,
    invoker: Value,
    roles: &[u64],
    permissions: u64,
) -> Value {
    let mut interaction = json!({
        "id": id.to_string(),
        "application_id": APPLICATION_ID.to_string(),
        "type": 2,
        "data": {"id": "3000", "name": name, "type": 1, "options": options},
        "channel_id": "500",
        "token": format!("token-{id}"),
        "version": 1,
        "locale": "en-GB",
        "entitlements": [],
        "attachment_size_limit": 8388608,
        "app_permissions": "0"
    });
    match guild {
        Some(guild) => {
            interaction["guild_id"] = json!(guild.to_string());
            interaction["member"] = json!({
                "user": invoker,
                "roles": roles.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
                "deaf": false,
                "mute": false,
                "flags": 0,
                "joined_at": "2026-01-01T00:00:00.000000+00:00",
                "permissions": permissions.to_string()
            });
        }
        None => interaction["user"] = invoker,
    }
    interaction
}

/// An INTERACTION_CREATE payload for a submitted form (type 5) in a guild.
pub fn modal_json(
    id: u64,
    custom_id: &str,
    fields: &[(&str, &str)],
    guild: u64,
    invoker: Value,
    roles: &[u64],
) -> Value {
    let mut interaction = command_json(id, "", json!([]), Some(guild), invoker, roles, 0);
    interaction["type"] = json!(5);
    interaction["data"] = json!({
        "custom_id": custom_id,
        "components": fields.iter().map(|(name, value)| json!({
            "type": 1,
            "components": [{"type": 4, "custom_id": name, "value": value}]
        })).collect::<Vec<_>>()
    });
    interaction
}

/// An autocomplete INTERACTION_CREATE (type 4) for `/name sub option:typed`, by a member with
/// `roles`.
#[allow(clippy::too_many_arguments)]
pub fn autocomplete_json(
    id: u64,
    name: &str,
    sub: &str,
    option: &str,
    typed: &str,
    guild: u64,
    invoker: Value,
    roles: &[u64],
) -> Value {
    let options =
        json!([{"name": sub, "type": 1, "options": [{"name": option, "type": 3, "value": typed, "focused": true}]}]);
    let mut interaction = command_json(id, name, options, Some(guild), invoker, roles, 0);
    interaction["type"] = json!(4);
    interaction
}

/// A button click (type 3) on message `message` posted by the bot in `channel`.
pub fn click_json(id: u64, custom_id: &str, message: u64, channel: u64, guild: u64, invoker: Value) -> Value {
    let mut interaction = command_json(id, "", json!([]), Some(guild), invoker, &[], 0);
    interaction["type"] = json!(3);
    interaction["channel_id"] = json!(channel.to_string());
    interaction["data"] = json!({"custom_id": custom_id, "component_type": 2});
    interaction["message"] = message_json(message, channel, Some(guild), bot_user(), "an answer", vec![]);
    interaction
}
