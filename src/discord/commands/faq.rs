//! `/faq add|edit|remove`, for staff, and the form `add` and `edit` open. Edits start from the
//! entry's Markdown in `faq.md` (not the plain text the bot quotes), so links and emphasis
//! survive a save; an entry too long for a Discord form is left to the file.

use serenity::all::{
    ActionRowComponent, CommandDataOptionValue, CommandInteraction, CommandOptionType, CreateActionRow,
    CreateAutocompleteResponse, CreateCommand, CreateCommandOption, CreateInputText, CreateModal, InputTextStyle,
    ModalInteraction,
};

use super::{is_staff, string_option, Reply, Said, SlashCommand, Work};
use crate::corpus::PassageKind;
use crate::discord::limits::{fit, Limit};
use crate::discord::Shared;
use crate::faq_edit::{self, FaqEdit, FaqSource};

pub(super) const COMMAND: SlashCommand =
    SlashCommand { name: "faq", staff_only: true, define, run, autocomplete: Some(autocomplete) };

/// Custom ids of the forms; an edit form carries the id of the entry it edits.
const FAQ_ADD: &str = "faq:add";
const FAQ_EDIT: &str = "faq:edit:";
/// A custom id holds at most 100 characters, so an entry id a form can carry holds 91.
const MAX_ID_CHARS: usize = 100 - FAQ_EDIT.len();
/// The question is one heading line; the answer is what a form's paragraph holds.
const MAX_QUESTION_CHARS: usize = 200;

fn define(command: CreateCommand) -> CreateCommand {
    command
        .description("Staff: add, edit or remove a FAQ entry")
        .add_option(CreateCommandOption::new(CommandOptionType::SubCommand, "add", "Add a question and its answer"))
        .add_option(question_option("edit", "Edit a question or its answer"))
        .add_option(question_option("remove", "Remove a question and its answer"))
}

fn question_option(name: &str, description: &str) -> CreateCommandOption {
    CreateCommandOption::new(CommandOptionType::SubCommand, name, description).add_sub_option(
        CreateCommandOption::new(CommandOptionType::String, "question", "The FAQ question")
            .required(true)
            .max_length(MAX_ID_CHARS as u16)
            .set_autocomplete(true),
    )
}

fn run<'a>(shared: &'a Shared, command: &'a CommandInteraction) -> Work<'a, Reply<'a>> {
    Box::pin(async move {
        let Some(sub) = command.data.options.first() else {
            return Reply::Now(Said::private("Choose add, edit or remove."));
        };
        let chosen = match &sub.value {
            CommandDataOptionValue::SubCommand(options) => string_option(options, "question").map(str::to_owned),
            _ => None,
        };
        match (sub.name.as_str(), chosen) {
            ("add", _) => Reply::Form(form(FAQ_ADD, "Add a FAQ entry", None)),
            ("edit", Some(id)) => edit_form(shared, id).await,
            ("remove", Some(id)) => Reply::Later {
                private: true,
                work: Box::pin(apply(shared, command.user.id.get(), FaqEdit::Remove { id })),
            },
            _ => Reply::Now(Said::private("Choose a question from the list.")),
        }
    })
}

/// The form to edit entry `id`, filled with its source; or why there is none.
async fn edit_form<'a>(shared: &'a Shared, id: String) -> Reply<'a> {
    let config = shared.config.clone();
    let wanted = id.clone();
    let source = tokio::task::spawn_blocking(move || faq_edit::source(&config, &wanted)).await;
    let not_found =
        || Reply::Now(Said::private(format!("There is no FAQ entry `{id}` to edit: choose one from the list.")));
    match source {
        Ok(Ok(Some(entry))) if id.chars().count() <= MAX_ID_CHARS => {
            let (question, answer) = (entry.question.chars().count(), entry.answer.chars().count());
            if question > MAX_QUESTION_CHARS || answer > Limit::FormValue.chars() {
                return Reply::Now(Said::private(format!(
                    "`{id}` is too long for a Discord form ({question} characters of question, at most \
                     {MAX_QUESTION_CHARS}; {answer} of answer, at most {}): edit it in `faq.md` in the corpus folder.",
                    Limit::FormValue.chars()
                )));
            }
            Reply::Form(form(&format!("{FAQ_EDIT}{id}"), "Edit a FAQ entry", Some(&entry)))
        }
        Ok(Ok(_)) => not_found(),
        Ok(Err(error)) => Reply::Now(Said::private(format!("Cannot read the FAQ: {error}"))),
        Err(error) => Reply::Now(Said::private(format!("Cannot read the FAQ: {error}"))),
    }
}

/// The question and answer form, filled in when editing. An empty field is left out rather
/// than sent empty, which Discord has refused at times.
fn form(custom_id: &str, title: &str, entry: Option<&FaqSource>) -> CreateModal {
    let mut question =
        CreateInputText::new(InputTextStyle::Short, "Question", "question").max_length(MAX_QUESTION_CHARS as u16);
    let mut answer = CreateInputText::new(InputTextStyle::Paragraph, "Answer (Markdown)", "answer")
        .max_length(Limit::FormValue.chars() as u16);
    if let Some(entry) = entry {
        if !entry.question.is_empty() {
            question = question.value(&entry.question);
        }
        if !entry.answer.is_empty() {
            answer = answer.value(fit(&entry.answer, Limit::FormValue));
        }
    }
    CreateModal::new(custom_id, fit(title, Limit::FormLabel))
        .components(vec![CreateActionRow::InputText(question), CreateActionRow::InputText(answer)])
}

/// A submitted form: checked again for staff (a form outlives the command that opened it),
/// then written and made live. `None` for a form this command did not open.
pub(crate) fn form_submitted<'a>(shared: &'a Shared, modal: &'a ModalInteraction) -> Option<Reply<'a>> {
    let field = |name: &str| {
        modal.data.components.iter().flat_map(|row| &row.components).find_map(|component| match component {
            ActionRowComponent::InputText(input) if input.custom_id == name => input.value.clone(),
            _ => None,
        })
    };
    let (question, answer) = (field("question").unwrap_or_default(), field("answer").unwrap_or_default());
    let edit = match modal.data.custom_id.strip_prefix(FAQ_EDIT) {
        Some(id) => FaqEdit::Replace { id: id.to_owned(), question, answer },
        None if modal.data.custom_id == FAQ_ADD => FaqEdit::Add { question, answer },
        None => return None,
    };
    if !is_staff(&shared.config, modal.member.as_ref()) {
        return Some(Reply::Now(Said::private("Sorry, only clinic staff can edit the FAQ.")));
    }
    Some(Reply::Later { private: true, work: Box::pin(apply(shared, modal.user.id.get(), edit)) })
}

/// Makes the edit and records it in the audit log, whatever its outcome.
async fn apply(shared: &Shared, staff_id: u64, edit: FaqEdit) -> Said {
    let (verb, action, target) = match &edit {
        FaqEdit::Add { question, .. } => ("Added", "faq add", question.clone()),
        FaqEdit::Replace { id, .. } => ("Updated", "faq edit", id.clone()),
        FaqEdit::Remove { id } => ("Removed", "faq remove", id.clone()),
    };
    let (text, outcome) = match shared.edit_faq(edit).await {
        Ok(id) => {
            tracing::info!(verb, "FAQ edited from Discord");
            (
                format!("{verb} `{id}`: it is live now. The previous faq.md is kept in the history folder."),
                format!("saved as {id}"),
            )
        }
        Err(error) => {
            tracing::warn!(%error, "FAQ edit refused");
            (format!("Not saved, the FAQ is unchanged: {error}"), format!("refused: {error}"))
        }
    };
    shared.staff.record(staff_id, action, &target, &outcome).await;
    Said::private(text)
}

/// Suggestions for `question:`: FAQ questions containing what was typed, whose ids a form can
/// carry.
fn autocomplete(shared: &Shared, command: &CommandInteraction) -> CreateAutocompleteResponse {
    let typed = command.data.autocomplete().map(|o| o.value.to_lowercase()).unwrap_or_default();
    let knowledge = shared.knowledge();
    let matching = knowledge.engine.corpus().passages.iter().filter(|p| {
        p.kind == PassageKind::Faq && p.section.to_lowercase().contains(&typed) && p.id.chars().count() <= MAX_ID_CHARS
    });
    matching.take(25).fold(CreateAutocompleteResponse::new(), |choices, passage| {
        choices.add_string_choice(fit(&passage.section, Limit::ChoiceName), passage.id.clone())
    })
}
