//! Turning text into the terms the index holds: one English analyzer for passages and
//! questions alike (word split, lowercase, accent folding, stop words, Snowball stems).
//!
//! Questions need one thing more than passages: the stop words themselves, because lay
//! phrases such as "pins and needles" or "how many" are matched against the synonym list
//! before the stop words are dropped. [`Analyzer::words`] keeps them, marked.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter,
    TextAnalyzer,
};

/// The name the analyzer is registered under in the index.
pub const ANALYZER_NAME: &str = "clinic_en";

/// Words that carry no topic: function words, question words, chat filler, and the pieces
/// SimpleTokenizer leaves of contractions ("don't" -> "don", "t"). Words that say what a
/// question asks about (often, many, long, best, sleep...) are deliberately not here.
#[rustfmt::skip]
const STOP_WORDS: &[&str] = &[
    // articles, pronouns, determiners
    "a", "an", "the", "i", "me", "my", "mine", "myself", "we", "us", "our", "ours", "you", "your", "yours", "yourself",
    "he", "him", "his", "she", "her", "hers", "it", "its", "itself", "they", "them", "their", "theirs", "this", "that",
    "these", "those", "there", "here", "someone", "something", "anyone", "anything", "everyone", "everything",
    "somebody", "anybody", "one", "ones", "all", "any", "each", "every", "some", "such", "other", "another", "own",
    "same", "both", "either", "neither", "many",
    // auxiliaries and modals
    "am", "is", "are", "was", "were", "be", "been", "being", "have", "has", "had", "having", "do", "does", "did",
    "doing", "done", "will", "would", "shall", "should", "can", "could", "may", "might", "must", "ought", "get", "gets",
    "got", "getting", "need", "needs", "take", "takes", "use", "used", "using", "rather",
    // verbs too general to say what a question is about
    "give", "gives", "gave", "giving", "given", "go", "goes", "going", "went", "come", "comes", "coming", "came",
    "put", "puts", "let", "lets", "say", "says", "said", "try", "tries", "trying", "tried",
    // prepositions and conjunctions (not the ones of time, such as "between" sessions or "after" a massage)
    "to", "of", "in", "on", "at", "by", "for", "with", "about", "into", "through", "from", "up", "down", "out", "off",
    "over", "under", "again", "then", "once", "and", "but", "if", "or", "nor", "because", "as", "until", "while", "so",
    "than", "too", "very", "just", "also", "not", "no", "only", "more", "most", "much", "really", "even", "still",
    "yet", "already", "against", "around", "within", "per",
    // question words: what a question asks is carried by the words around them
    "what", "whats", "which", "who", "whom", "whose", "where", "when", "why", "how", "hows", "whether",
    // asking and chatting
    "tell", "know", "explain", "question", "wondering", "wonder", "curious", "please", "pls", "plz", "thanks",
    "thank", "thx", "hi", "hello", "hey", "hiya", "lol", "ok", "okay", "yes", "yeah", "yep", "guys", "folks",
    "anyway", "im", "ive", "id", "youre", "dont", "doesnt", "didnt", "cant", "wont", "isnt", "arent", "wasnt",
    "shouldnt", "wouldnt", "couldnt", "thats", "theres", "lot", "lots", "bit", "kind", "sort", "mean", "means",
    "want", "like", "think", "way", "ways", "thing", "things", "stuff",
    // adverbs that colour a question without changing what it asks
    "exactly", "actually", "basically", "literally", "honestly", "seriously", "probably", "maybe", "perhaps",
    "definitely", "quite", "pretty", "instead", "otherwise", "ever", "anymore", "else", "though", "although",
    "however", "currently", "recently", "lately", "right", "now", "today", "generally", "usually", "typically",
    // contraction fragments
    "s", "t", "d", "ll", "m", "re", "ve", "don", "doesn", "didn", "isn", "aren", "wasn", "weren", "won", "wouldn",
    "shouldn", "couldn", "hasn", "haven", "hadn", "ain",
];

/// One word of a question: its folded form (to recognise stop words and synonyms) and its
/// stem (what the index holds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub folded: String,
    pub stem: String,
    /// Said beside the question: in a message that asks in some sentences, the others
    /// ("I've had it since I moved house.") tell the story, not what is asked.
    pub aside: bool,
}

impl Word {
    pub fn is_stop_word(&self) -> bool {
        STOP_WORDS.contains(&self.folded.as_str())
    }
}

/// The analyzers, built once per engine and cloned per use (tantivy needs `&mut`).
#[derive(Clone)]
pub struct Analyzer {
    /// What the index uses for every text field.
    index: TextAnalyzer,
    /// The same chain without stop words and stems, for questions.
    words: TextAnalyzer,
    /// The stemmer alone, for one word at a time.
    stem: TextAnalyzer,
}

impl Default for Analyzer {
    fn default() -> Analyzer {
        Analyzer::new()
    }
}

impl Analyzer {
    pub fn new() -> Analyzer {
        let index = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .filter(StopWordFilter::remove(STOP_WORDS.iter().map(|w| w.to_string())))
            .filter(Stemmer::new(Language::English))
            .build();
        let words = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .build();
        let stem = TextAnalyzer::builder(RawTokenizer::default()).filter(Stemmer::new(Language::English)).build();
        Analyzer { index, words, stem }
    }

    /// The analyzer to register in the index.
    pub fn index_analyzer(&self) -> TextAnalyzer {
        self.index.clone()
    }

    /// The indexed terms of a text, in order.
    pub fn terms(&self, text: &str) -> Vec<String> {
        let mut analyzer = self.index.clone();
        let mut stream = analyzer.token_stream(text);
        let mut terms = Vec::new();
        stream.process(&mut |token| terms.push(token.text.clone()));
        terms
    }

    /// Every word of a question, stop words included, with its stem.
    pub fn words(&self, text: &str) -> Vec<Word> {
        let mut analyzer = self.words.clone();
        let mut stream = analyzer.token_stream(text);
        let mut folded = Vec::new();
        stream.process(&mut |token| folded.push(token.text.clone()));
        folded.into_iter().map(|folded| Word { stem: self.stem_of(&folded), folded, aside: false }).collect()
    }

    /// The words of a message, each marked as part of a question or said aside: when some
    /// sentences end with a question mark, the words of the others are asides.
    pub fn question_words(&self, text: &str) -> Vec<Word> {
        let sentences = sentences(text);
        let asks = |s: &str| s.trim_end().ends_with('?');
        let any_asks = sentences.iter().any(|s| asks(s));
        sentences
            .into_iter()
            .flat_map(|sentence| {
                let aside = any_asks && !asks(sentence);
                self.words(sentence).into_iter().map(move |word| Word { aside, ..word })
            })
            .collect()
    }

    fn stem_of(&self, folded: &str) -> String {
        let mut analyzer = self.stem.clone();
        let mut stream = analyzer.token_stream(folded);
        let mut stem = String::new();
        stream.process(&mut |token| stem = token.text.clone());
        stem
    }
}

/// A text cut after each `.`, `!` or `?` that a space or the end follows, and at line ends.
fn sentences(text: &str) -> Vec<&str> {
    let mut sentences = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next_is_space = chars.peek().is_none_or(|&(_, n)| n.is_whitespace());
        if c == '\n' || (matches!(c, '.' | '!' | '?') && next_is_space) {
            let end = i + c.len_utf8();
            if !text[start..end].trim().is_empty() {
                sentences.push(&text[start..end]);
            }
            start = end;
        }
    }
    if !text[start..].trim().is_empty() {
        sentences.push(&text[start..]);
    }
    sentences
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passages_lose_stop_words_and_endings() {
        let terms = Analyzer::new().terms("What are the Symptoms of Sciatica? Naïve sessions don't help");
        assert_eq!(terms, vec!["symptom", "sciatica", "naiv", "session", "help"]);
    }

    #[test]
    fn question_words_keep_stop_words_marked() {
        let words = Analyzer::new().words("How often sessions?");
        let stop: Vec<bool> = words.iter().map(Word::is_stop_word).collect();
        assert_eq!(stop, vec![true, false, false]);
        assert_eq!(words[2].stem, "session");
        assert_eq!(words[1].folded, "often");
    }

    #[test]
    fn sentences_that_do_not_ask_are_asides_when_another_one_asks() {
        let analyzer = Analyzer::new();
        let words = analyzer.question_words("Moved house last week. My back hurts!\nIs heat ok? thanks");
        let aside: Vec<(&str, bool)> = words.iter().map(|w| (w.folded.as_str(), w.aside)).collect();
        assert_eq!(aside[0], ("moved", true));
        assert_eq!(aside[6], ("hurts", true));
        assert_eq!(aside[7..10], [("is", false), ("heat", false), ("ok", false)]);
        assert_eq!(aside[10], ("thanks", true));
        assert!(analyzer.question_words("no question mark. just words").iter().all(|w| !w.aside));
        assert_eq!(sentences("v2.0 is out... ok?"), ["v2.0 is out...", " ok?"]);
    }

    #[test]
    fn odd_text_gives_no_terms_rather_than_an_error() {
        let analyzer = Analyzer::new();
        for text in ["", "   ", "🙂🙂", "\u{202e}\u{200b}", "\0\x07", "AND ( \" * ^ :"] {
            assert!(analyzer.terms(text).is_empty(), "{text:?}");
        }
    }
}
