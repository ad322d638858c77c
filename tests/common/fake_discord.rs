//! A fake Discord for tests: REST and gateway on 127.0.0.1, enough for an unmodified
//! serenity client to connect, receive dispatches and send replies. Every REST request and
//! every IDENTIFY is recorded for the test to read; dispatches are injected by the test and
//! routed to the gateway session of the right shard, as Discord does.

#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
}

pub struct FakeDiscord {
    pub base: String,
    requests: mpsc::UnboundedReceiver<Recorded>,
    /// Everything received so far, matched or not.
    pub seen: Vec<Recorded>,
    dispatches: broadcast::Sender<Value>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

#[derive(Clone)]
struct Fake {
    base: Arc<Mutex<String>>,
    record: mpsc::UnboundedSender<Recorded>,
    dispatches: broadcast::Sender<Value>,
    next_id: Arc<AtomicU64>,
    shards: u32,
}

impl FakeDiscord {
    /// Starts a fake that tells clients to run `shards` shards.
    pub async fn start(shards: u32) -> FakeDiscord {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (record, requests) = mpsc::unbounded_channel();
        let (dispatches, _) = broadcast::channel(4096);
        let fake = Fake {
            base: Arc::new(Mutex::new(base.clone())),
            record,
            dispatches: dispatches.clone(),
            next_id: Arc::new(AtomicU64::new(900_000)),
            shards,
        };
        let app = Router::new()
            .route("/api/v10/gateway", get(gateway))
            .route("/api/v10/gateway/bot", get(gateway_bot))
            .route("/gateway", get(upgrade))
            .fallback(any(rest))
            .with_state(fake);
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        FakeDiscord { base, requests, seen: Vec::new(), dispatches, shutdown: Some(shutdown) }
    }

    /// Sends a dispatch (`t`, `d`) to the session of the shard it belongs to.
    pub fn dispatch(&self, kind: &str, data: Value) {
        self.dispatches.send(json!({"t": kind, "d": data})).expect("a gateway session is listening");
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

    /// Every message and interaction response the bot sent so far.
    pub fn sent_bodies(&self) -> Vec<&Recorded> {
        self.seen
            .iter()
            .filter(|r| r.method == "POST" && (r.path.ends_with("/messages") || r.path.ends_with("/callback")))
            .collect()
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

/// Asserts that a message or interaction body lets nobody be pinged. Forms (type 9) and
/// autocomplete choices (type 8) carry no message and cannot ping.
pub fn assert_no_pings(request: &Recorded) {
    if request.path.ends_with("/callback") && matches!(request.body["type"].as_u64(), Some(8 | 9)) {
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

/// One gateway session: HELLO, IDENTIFY, READY, then heartbeats acknowledged and the
/// dispatches of this session's shard forwarded.
async fn session(mut socket: WebSocket, fake: Fake) {
    let mut dispatches = fake.dispatches.subscribe();
    let hello = json!({"op": 10, "d": {"heartbeat_interval": 41250}});
    if socket.send(Frame::Text(hello.to_string().into())).await.is_err() {
        return;
    }
    let mut shard = (0u64, 1u64);
    let mut sequence = 0u64;
    loop {
        tokio::select! {
            frame = socket.recv() => {
                let Some(Ok(frame)) = frame else { return };
                let Frame::Text(text) = frame else { continue };
                let Ok(payload) = serde_json::from_str::<Value>(&text) else { continue };
                match payload["op"].as_u64() {
                    Some(1) => {
                        let ack = json!({"op": 11});
                        if socket.send(Frame::Text(ack.to_string().into())).await.is_err() { return; }
                    }
                    Some(2) => {
                        let identify = payload["d"].clone();
                        if let Some([id, total]) = identify["shard"].as_array().map(|s| [s[0].as_u64().unwrap_or(0), s[1].as_u64().unwrap_or(1)]) {
                            shard = (id, total);
                        }
                        let authorization = identify["token"].as_str().unwrap_or_default().to_owned();
                        let _ = fake.record.send(Recorded { method: "IDENTIFY".into(), path: "/gateway".into(), body: identify, authorization, at: std::time::Instant::now() });
                        sequence += 1;
                        let base = fake.base.lock().unwrap().replace("http://", "ws://");
                        let ready = json!({"op": 0, "s": sequence, "t": "READY", "d": {
                            "v": 10,
                            "user": bot_user(),
                            "guilds": [],
                            "session_id": format!("session-{}", shard.0),
                            "resume_gateway_url": format!("{base}/gateway"),
                            "shard": [shard.0, shard.1],
                            "application": {"id": APPLICATION_ID.to_string(), "flags": 0}
                        }});
                        if socket.send(Frame::Text(ready.to_string().into())).await.is_err() { return; }
                    }
                    _ => {}
                }
            }
            dispatch = dispatches.recv() => {
                let Ok(dispatch) = dispatch else { return };
                if shard_of(&dispatch["d"], shard.1) != shard.0 { continue; }
                sequence += 1;
                let frame = json!({"op": 0, "s": sequence, "t": dispatch["t"], "d": dispatch["d"]});
                if socket.send(Frame::Text(frame.to_string().into())).await.is_err() { return; }
            }
        }
    }
}

/// Discord's rule: a guild's events go to shard `(guild_id >> 22) % total`; DMs to shard 0.
fn shard_of(data: &Value, total: u64) -> u64 {
    let guild = data["guild_id"].as_str().and_then(|g| g.parse::<u64>().ok());
    guild.map_or(0, |g| (g >> 22) % total.max(1))
}

/// REST: record every call; answer the few routes the bot uses, 404 the rest.
async fn rest(State(fake): State<Fake>, request: Request) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let authorization =
        request.headers().get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let bytes = axum::body::to_bytes(request.into_body(), 10 * 1024 * 1024).await.unwrap_or_default();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let _ = fake.record.send(Recorded {
        method: method.clone(),
        path: path.clone(),
        body: body.clone(),
        authorization,
        at: std::time::Instant::now(),
    });
    let parts: Vec<&str> = path.trim_start_matches("/api/v10/").split('/').collect();
    match (method.as_str(), parts.as_slice()) {
        ("POST", ["channels", channel, "messages"]) => {
            let id = fake.next_id.fetch_add(1, Ordering::Relaxed);
            let mut message = message_json(
                id,
                channel.parse().unwrap_or(0),
                None,
                bot_user(),
                body["content"].as_str().unwrap_or(""),
                vec![],
            );
            message["message_reference"] = body["message_reference"].clone();
            Json(message).into_response()
        }
        ("POST", ["interactions", _, _, "callback"]) => StatusCode::NO_CONTENT.into_response(),
        ("PUT", ["applications", _, "commands"]) | ("PUT", ["applications", _, "guilds", _, "commands"]) => {
            Json(json!([])).into_response()
        }
        _ => (StatusCode::NOT_FOUND, Json(json!({"message": format!("not faked: {method} {path}"), "code": 0})))
            .into_response(),
    }
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

/// An autocomplete INTERACTION_CREATE (type 4) for `/name sub option:typed`.
pub fn autocomplete_json(
    id: u64,
    name: &str,
    sub: &str,
    option: &str,
    typed: &str,
    guild: u64,
    invoker: Value,
) -> Value {
    let options =
        json!([{"name": sub, "type": 1, "options": [{"name": option, "type": 3, "value": typed, "focused": true}]}]);
    let mut interaction = command_json(id, name, options, Some(guild), invoker, &[], 0);
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
