//! Gateway events in: which messages to read, and which command, form or button an
//! interaction is for. The handler only routes: what to say comes from `conversation`,
//! `commands` and `feedback`, and everything leaves through `send`. Logs say what happened,
//! never what was asked or by whom.

use std::sync::{Arc, OnceLock};

use serenity::all::{
    async_trait, Command, CommandInteraction, ConnectionStage, Context, CreateAutocompleteResponse,
    CreateInteractionResponse, EventHandler, GuildId, Interaction, Message, Ready, ShardStageUpdateEvent, UserId,
};

use super::commands::{self, is_staff, Reply, Said};
use super::conversation::Trigger;
use super::send::{self, Pending};
use super::{feedback, Shared};

pub struct Handler {
    shared: Arc<Shared>,
    /// The bot's own user, known from READY.
    me: OnceLock<UserId>,
    /// Set once the commands are registered: a session that identifies again after an
    /// invalid session gets READY again, and need not register again.
    registered: std::sync::atomic::AtomicBool,
}

impl Handler {
    pub fn new(shared: Arc<Shared>) -> Handler {
        Handler { shared, me: OnceLock::new(), registered: std::sync::atomic::AtomicBool::new(false) }
    }

    fn trigger(&self, ctx: &Context, message: &Message) -> Option<Trigger> {
        let me = *self.me.get()?;
        if message.author.bot || message.webhook_id.is_some() || message.author.id == me {
            return None;
        }
        if message.guild_id.is_none() {
            Some(Trigger::DirectMessage)
        } else if message.mentions_user_id(me) || mentions_my_role(ctx, message, me) {
            Some(Trigger::Mention)
        } else if self.shared.config.discord.listen_channels.contains(&message.channel_id.get()) {
            Some(Trigger::Listening)
        } else {
            None
        }
    }

    /// The reply to a slash command: refused here to anyone but staff for a staff command, so
    /// no command can forget the check.
    async fn command<'a>(&'a self, command: &'a CommandInteraction) -> Reply<'a> {
        let Some(known) = commands::find(&command.data.name) else {
            tracing::warn!(command = %command.data.name, "unknown command");
            return Reply::Now(Said::private("This command is no longer in use."));
        };
        if known.staff_only && !is_staff(&self.shared.config, command.member.as_deref()) {
            tracing::info!(command = known.name, "staff command refused");
            return Reply::Now(Said::private(format!("Sorry, only clinic staff can use /{}.", known.name)));
        }
        (known.run)(&self.shared, command).await
    }

    fn autocomplete(&self, command: &CommandInteraction) -> CreateAutocompleteResponse {
        let Some(known) = commands::find(&command.data.name) else { return CreateAutocompleteResponse::new() };
        match known.autocomplete {
            Some(suggest) if !known.staff_only || is_staff(&self.shared.config, command.member.as_deref()) => {
                suggest(&self.shared, command)
            }
            _ => CreateAutocompleteResponse::new(),
        }
    }

    /// Registers [`commands::ALL`] globally, or in the configured guilds; registering in
    /// guilds also empties the global list, which would otherwise show every command twice.
    async fn register_commands(&self, ctx: &Context) {
        let definitions: Vec<_> = commands::ALL.iter().map(commands::SlashCommand::definition).collect();
        let guilds = &self.shared.config.discord.guild_ids;
        let global = if guilds.is_empty() { definitions.clone() } else { Vec::new() };
        if let Err(error) = Command::set_global_commands(&ctx.http, global).await {
            tracing::warn!(%error, "cannot register the global commands");
        }
        for guild in guilds {
            if let Err(error) = GuildId::new(*guild).set_commands(&ctx.http, definitions.clone()).await {
                tracing::warn!(%error, guild, "cannot register the guild commands");
            }
        }
    }
}

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, ready: Ready) {
        let _ = self.me.set(ready.user.id);
        tracing::info!(shard = ?ready.shard.map(|s| (s.id.0, s.total)), "connected");
        self.shared.metrics.gateway(ctx.shard_id.0, true);
        let first_shard = ready.shard.is_none_or(|s| s.id.0 == 0);
        if first_shard && !self.registered.swap(true, std::sync::atomic::Ordering::SeqCst) {
            self.register_commands(&ctx).await;
        }
    }

    async fn shard_stage_update(&self, _ctx: Context, event: ShardStageUpdateEvent) {
        self.shared.metrics.gateway(event.shard_id.0, event.new == ConnectionStage::Connected);
    }

    async fn message(&self, ctx: Context, message: Message) {
        let Some(trigger) = self.trigger(&ctx, &message) else { return };
        let Some(outgoing) = self.shared.reply_to(trigger, message.author.id.get(), &message.content).await else {
            return;
        };
        send::reply(&ctx.http, &message, outgoing).await;
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let outcome = match &interaction {
            Interaction::Command(command) => {
                send::respond(&ctx.http, Pending::Command(command), self.command(command).await).await
            }
            Interaction::Autocomplete(command) => {
                let choices = self.autocomplete(command);
                command.create_response(&ctx.http, CreateInteractionResponse::Autocomplete(choices)).await
            }
            Interaction::Modal(modal) => {
                let reply = commands::faq::form_submitted(&self.shared, modal)
                    .unwrap_or_else(|| Reply::Now(Said::private("This form is no longer in use.")));
                send::respond(&ctx.http, Pending::Modal(modal), reply).await
            }
            Interaction::Component(click) => {
                // A vote is acknowledged once it is stored: behind other processes' writes that
                // can take longer than Discord waits, so it is deferred like a slow command.
                let work = Box::pin(feedback::clicked(&self.shared, click));
                send::respond(&ctx.http, Pending::Click(click), Reply::Later { private: true, work }).await
            }
            _ => Ok(()),
        };
        if let Err(error) = outcome {
            tracing::warn!(%error, kind = ?interaction.kind(), "cannot answer an interaction");
        }
    }
}

/// Whether the message mentions the role Discord manages for the bot in its server: people
/// pick it from the same list as the bot itself, and mean the bot.
fn mentions_my_role(ctx: &Context, message: &Message, me: UserId) -> bool {
    let Some(guild) = message.guild_id.and_then(|id| ctx.cache.guild(id)) else { return false };
    message.mention_roles.iter().any(|role| guild.roles.get(role).is_some_and(|role| role.tags.bot_id == Some(me)))
}
