//! How triage reads a message: normalised for the rules (lowercase ASCII, no punctuation),
//! with the sentences kept apart, since a symptom and its context count together only within
//! one sentence; and cut into clauses, the pieces the semantic layer compares with its
//! examples ("my back's been bad for weeks but now I keep wetting myself" is two things).
//!
//! It does not decide anything: the rules and the semantic layer do.

use std::ops::Range;

use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

/// At most this many clauses of a message are embedded: a long paste costs a bounded time.
pub const MAX_CLAUSES: usize = 24;
/// A piece of fewer words than this is not a clause on its own ("ok", "lol", "thanks"): it
/// joins the clause before it.
const MIN_CLAUSE_WORDS: usize = 3;
/// A sentence of fewer words than this ("Groin and bum.") belongs to the one before it.
const MIN_SENTENCE_WORDS: usize = 4;
/// How a sentence starts when it goes on telling the one before it: with no subject of its
/// own ("My left leg just folds. Started a few hours ago."), with when, or with "it" for the
/// thing just told. It belongs to that one, so a symptom and its time still count together.
const CONTINUATIONS: &[&str] = &[
    "started",
    "starting",
    "began",
    "begun",
    "came on",
    "kicked in",
    "happened",
    "been like this",
    "been like that",
    "getting worse",
    "got worse",
    "getting weaker",
    "got weaker",
    // What is new, told after the symptom: "At 72 Dad's started with back pain. Never had it
    // before." "Leg keeps buckling. First time was this morning, now it's every few steps."
    "never had",
    "never happened",
    "first time",
    // A sentence that opens with when tells the change in the one before it: "Her leg keeps
    // collapsing under her. This morning she was walking."
    "this morning",
    "this afternoon",
    "this evening",
    "last night",
    "yesterday",
    "today",
    "tonight",
    // "Started in my right leg. Since yesterday the left one is doing the same."
    "since",
    // A sentence whose subject is the thing just told, starting: "Is ED a thing with a bad
    // disc? It came on three days ago."
    "it came on",
    "it started",
    "it began",
    "it kicked in",
    "it happened",
    // A feeling lost, told with no subject, is of the place just named: "My backside has gone
    // on strike. Can't feel a thing when I sit down."
    "cant feel",
    "cannot feel",
    "couldnt feel",
    "no feeling",
];
/// How a sentence starts when it only sets up a likeness for the next to claim: "You know when
/// your bum goes to sleep from sitting? Mine's like that since yesterday." The symptom is in
/// the set-up and the claim ("mine's like that", "I don't get it anymore") in the next
/// sentence, which belongs to it.
const SET_UPS: &[&str] = &["you know when", "you know how", "you know that feeling", "you know the feeling"];
/// Characters that end a sentence.
const SENTENCE_ENDS: &[char] = &['.', '!', '?', ';', '\n', '\u{2026}'];
/// Words that start a new clause inside a sentence.
const CLAUSE_WORDS: &[&str] = &["but", "although", "though", "because", "cos", "however", "whereas", "plus"];

/// Emoji that people write in place of a word the rules know ("💩 control gone"), each read
/// as its word between spaces; other emoji are spaces, as symbols are.
const EMOJI_WORDS: &[(char, &str)] =
    &[('\u{1f4a9}', " poo "), ('\u{1f6bd}', " toilet "), ('\u{1f351}', " bum "), ('\u{1f346}', " penis ")];

/// The message as the patterns see it: lowercase ASCII, accents folded, apostrophes dropped
/// ("can't" -> "cant"), a few emoji as their word, other punctuation, symbols and letters of
/// other scripts as spaces, letters repeated three times or more cut to two ("bladdder" ->
/// "bladder"), spaces collapsed. ASCII keeps the patterns' automata small, so a 100 KB message
/// stays fast.
pub fn normalize(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut last: Option<char> = None;
    let mut run = 0;
    let mut utf8 = [0; 4];
    for c in message.nfkd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase) {
        // An emoji's word goes through the same steps as the letters typed would.
        let read_as = EMOJI_WORDS
            .iter()
            .find(|&&(emoji, _)| emoji == c)
            .map_or_else(|| &*c.encode_utf8(&mut utf8), |&(_, word)| word);
        for c in read_as.chars() {
            let c = match c {
                '\'' | '\u{2019}' | '\u{2018}' | '`' | '\u{b4}' => continue,
                c if c.is_ascii_alphanumeric() => c,
                _ => ' ',
            };
            if c == ' ' && (last == Some(' ') || last.is_none()) {
                continue;
            }
            run = if Some(c) == last { run + 1 } else { 1 };
            if run > 2 && c.is_alphabetic() {
                continue;
            }
            out.push(c);
            last = Some(c);
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// A message normalised, knowing where its sentences are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalized {
    /// The whole message, normalised; sentences are separated by one space, as words are.
    pub text: String,
    /// Each sentence's byte range in `text`, in order.
    pub sentences: Vec<Range<usize>>,
}

impl Normalized {
    pub fn new(message: &str) -> Normalized {
        let mut text = String::with_capacity(message.len());
        let mut sentences: Vec<Range<usize>> = Vec::new();
        // The last sentence is a set-up (see [`SET_UPS`]) whose claim has not come yet.
        let mut awaiting_claim = false;
        for piece in pieces_between_full_stops(message) {
            let sentence = normalize(piece);
            if sentence.is_empty() {
                continue;
            }
            if !text.is_empty() {
                text.push(' ');
            }
            let start = text.len();
            text.push_str(&sentence);
            let fragment = sentence.split(' ').count() < MIN_SENTENCE_WORDS;
            match sentences.last_mut() {
                // "Numb like after a long bike ride. Groin and bum.": a fragment finishes the
                // sentence before it, so a symptom and its place still count together.
                Some(previous) if fragment || continues(&sentence) || awaiting_claim => {
                    // A fragment ("Well.") is not yet the claim a set-up waits for.
                    awaiting_claim &= fragment;
                    previous.end = text.len()
                }
                _ => {
                    awaiting_claim = starts_with_any(&sentence, SET_UPS);
                    sentences.push(start..text.len())
                }
            }
        }
        Normalized { text, sentences }
    }

    /// The range of the sentence a byte offset is in.
    pub fn sentence_at(&self, offset: usize) -> Range<usize> {
        let index = self.sentences.partition_point(|s| s.end < offset);
        self.sentences.get(index).cloned().unwrap_or(offset..offset)
    }
}

/// Whether a normalised sentence goes on with the one before it (see [`CONTINUATIONS`]).
fn continues(sentence: &str) -> bool {
    starts_with_any(sentence, CONTINUATIONS)
}

/// Whether a normalised sentence starts with one of `starts`, as whole words: "startled" does
/// not start with the word "started".
fn starts_with_any(sentence: &str, starts: &[&str]) -> bool {
    starts.iter().any(|start| sentence.strip_prefix(start).is_some_and(|rest| rest.is_empty() || rest.starts_with(' ')))
}

/// The sentences of a message, split where [`SENTENCE_ENDS`] are, except at an ellipsis:
/// "on steroids... the inhaler kind" is one thought with a pause in it.
fn pieces_between_full_stops(message: &str) -> Vec<&str> {
    let mut start = 0;
    let mut pieces = Vec::new();
    let mut chars = message.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let ellipsis = c == '\u{2026}' || (c == '.' && chars.peek().is_some_and(|&(_, next)| next == '.'));
        if ellipsis {
            // The whole run of dots is the pause.
            while chars.next_if(|&(_, next)| next == '.' || next == '\u{2026}').is_some() {}
            continue;
        }
        if SENTENCE_ENDS.contains(&c) {
            pieces.push(&message[start..at]);
            start = at + c.len_utf8();
        }
    }
    pieces.push(&message[start..]);
    pieces
}

/// The clauses of a message, as the person wrote them: sentences, cut again at commas and
/// at words such as "but" and "because"; fragments too short to mean anything on their own
/// join the clause before them. At most [`MAX_CLAUSES`].
pub fn clauses(message: &str) -> Vec<String> {
    let mut clauses: Vec<String> = Vec::new();
    for sentence in message.split(SENTENCE_ENDS) {
        let mut pieces: Vec<String> = Vec::new();
        for part in sentence.split(',') {
            let mut current = String::new();
            for word in part.split_whitespace() {
                let bare = word.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
                if CLAUSE_WORDS.contains(&bare.as_str()) && !current.is_empty() {
                    pieces.push(std::mem::take(&mut current));
                }
                if !current.is_empty() {
                    current.push(' ');
                }
                current.push_str(word);
            }
            if !current.is_empty() {
                pieces.push(current);
            }
        }
        // Short fragments join the clause before them, or the next one at a sentence's start.
        let mut merged: Vec<String> = Vec::new();
        for piece in pieces {
            match merged.last_mut() {
                Some(last) if words(&piece) < MIN_CLAUSE_WORDS || words(last) < MIN_CLAUSE_WORDS => {
                    last.push_str(", ");
                    last.push_str(&piece);
                }
                _ => merged.push(piece),
            }
        }
        match (clauses.last_mut(), merged.as_slice()) {
            // A whole sentence too short to stand alone ("Help!") joins the one before.
            (Some(last), [only]) if words(only) < MIN_CLAUSE_WORDS => {
                last.push_str(". ");
                last.push_str(only);
            }
            _ => clauses.extend(merged),
        }
        if clauses.len() >= MAX_CLAUSES {
            clauses.truncate(MAX_CLAUSES);
            break;
        }
    }
    clauses
}

fn words(text: &str) -> usize {
    text.split_whitespace().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalising_folds_case_accents_apostrophes_and_stutters() {
        assert_eq!(
            normalize("I CAN'T feel my Bladdder!!! Incontinance… naïve"),
            "i cant feel my bladder incontinance naive"
        );
        assert_eq!(normalize("\u{1f4a9} control = gone!!\u{1f4a9}\u{1f4a9}"), "poo control gone poo poo");
        assert_eq!(normalize("numb \u{1f351}\u{1f622}"), "numb bum");
        assert_eq!(normalize("  wee\u{200b}-wee  😀 8/10 "), "wee wee 8 10");
        assert_eq!(normalize("peeeeing"), "peeing");
    }

    /// The text of each sentence the reading found, in order.
    fn sentences_of(normalized: &Normalized) -> Vec<&str> {
        normalized.sentences.iter().map(|s| &normalized.text[s.clone()]).collect()
    }

    /// The sentences of a message, as [`sentences_of`] lists them.
    fn sentences(message: &str) -> Vec<String> {
        sentences_of(&Normalized::new(message)).into_iter().map(str::to_owned).collect()
    }

    #[test]
    fn sentences_are_normalised_apart_and_found_by_offset() {
        let normalized = Normalized::new("Numb bum?! After sitting all day. Wee... fine");
        assert_eq!(normalized.text, "numb bum after sitting all day wee fine");
        // "Wee" and "fine" are fragments: they finish the sentence before them.
        assert_eq!(sentences_of(&normalized), ["numb bum", "after sitting all day wee fine"]);
        assert_eq!(normalized.sentence_at(2), 0..8);
        assert_eq!(normalized.sentence_at(12), 9..39);
        assert_eq!(
            sentences("Numb like after a long ride on a bike. Groin and bum. My back is killing me."),
            ["numb like after a long ride on a bike groin and bum", "my back is killing me"]
        );
        assert_eq!(Normalized::new("  ... ").sentences, Vec::<Range<usize>>::new());
        // A sentence with no subject that tells when goes on with the one before it; one
        // that starts with a subject does not.
        assert_eq!(
            sentences("My leg just folds. Started a few hours ago. I started physio last week."),
            ["my leg just folds started a few hours ago", "i started physio last week"]
        );
        // So does one that tells what is new: the first time, or never before.
        assert_eq!(
            sentences("Dad's back went. Never had it before. First time was Monday. He is seventy this year."),
            ["dads back went never had it before first time was monday", "he is seventy this year"]
        );
        // So does one that opens with when, telling the change, and one whose subject is the
        // thing just told, starting.
        assert_eq!(
            sentences("Her leg keeps giving way. This morning she was walking. It came on fast. I am her sister."),
            ["her leg keeps giving way this morning she was walking it came on fast", "i am her sister"]
        );
        // So does a feeling lost with no subject: it is the place just named that is numb.
        assert_eq!(
            sentences("My backside has gone on strike. Can't feel a thing sitting. I can feel my feet."),
            ["my backside has gone on strike cant feel a thing sitting", "i can feel my feet"]
        );
        // A sentence that sets up a likeness for the reader goes on into the one that claims
        // it; the next after that stands alone.
        assert_eq!(
            sentences("You know when your foot goes to sleep? Well. Mine's like that all day. My back is fine."),
            ["you know when your foot goes to sleep well mines like that all day", "my back is fine"]
        );
        // An ellipsis is a pause, not a full stop; a run of full stops that ends a sentence
        // is an ellipsis too.
        assert_eq!(
            sentences("On steroids... the inhaler kind\u{2026} for asthma. My back is sore.."),
            ["on steroids the inhaler kind for asthma", "my back is sore"]
        );
    }

    #[test]
    fn clauses_split_at_commas_and_but_and_keep_short_fragments_attached() {
        assert_eq!(
            clauses("my back has been bad for weeks but now I keep wetting myself, lol. Help! Can you massage it?"),
            ["my back has been bad for weeks", "but now I keep wetting myself, lol. Help", "Can you massage it"]
        );
        assert_eq!(clauses("Ok, so, numb down there"), ["Ok, so, numb down there"]);
        assert!(clauses("").is_empty());
        assert_eq!(clauses(&"one two three. ".repeat(100)).len(), MAX_CLAUSES);
    }
}
