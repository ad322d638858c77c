//! Masking what identifies someone in a question before it is stored: phone numbers, email
//! addresses, links and Discord mentions. Health questions are kept for staff to read; who
//! asked them, or how to reach them, is not.

use std::sync::LazyLock;

use regex::{Captures, Regex};

/// What is masked, in the order it is looked for: a link can hold an address or digits, an
/// address can hold digits.
static PATTERNS: LazyLock<[(Regex, &str); 4]> = LazyLock::new(|| {
    let fixed = "a fixed pattern compiles";
    [
        (
            Regex::new(r"(?i)\b(?:https?://|www\.)\S+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|io|co|uk|gg)/\S*")
                .expect(fixed),
            "[link]",
        ),
        (Regex::new(r"(?i)\b[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+\b").expect(fixed), "[email]"),
        (Regex::new(r"<(?:@[!&]?|#)\d+>|@(?:everyone|here)\b").expect(fixed), "[mention]"),
        // Digits with the separators people type between them; only a run of seven or more
        // digits is a phone number, so "L4-L5", "2 weeks" and "3 x 10 minutes" stay.
        (Regex::new(r"\+?\(?\d(?:[\s().-]{0,2}\d)+").expect(fixed), "[phone]"),
    ]
});

/// The smallest number of digits taken for a phone number.
const PHONE_DIGITS: usize = 7;

/// The text with phone numbers, email addresses, links and mentions replaced by a marker.
pub fn mask(text: &str) -> String {
    let mut text = text.to_owned();
    for (pattern, marker) in PATTERNS.iter() {
        let replaced = pattern.replace_all(&text, |found: &Captures| {
            let found = &found[0];
            let is_short_number =
                *marker == "[phone]" && found.chars().filter(char::is_ascii_digit).count() < PHONE_DIGITS;
            if is_short_number {
                found.to_owned()
            } else {
                (*marker).to_owned()
            }
        });
        text = replaced.into_owned();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn contact_details_and_mentions_are_masked() {
        let cases = [
            ("call me on 07700 900123 about my sciatica", "call me on [phone] about my sciatica"),
            ("my number is +44 (0)20 7946-0958.", "my number is [phone]."),
            ("email jo.bloggs+back@example.co.uk please", "email [email] please"),
            ("see https://example.com/a?b=1 and www.example.org", "see [link] and [link]"),
            (
                "as <@123456789012345678> said to <@!42> in <#77> @everyone",
                "as [mention] said to [mention] in [mention] [mention]",
            ),
        ];
        for (question, stored) in cases {
            assert_eq!(mask(question), stored);
        }
    }

    #[test]
    fn numbers_that_are_not_contact_details_stay() {
        for question in [
            "pain at L4-L5 for 2 weeks",
            "3 x 10 minutes twice a day",
            "since 2019, about 45 minutes",
            "is 60 or 90 minutes better",
            "i'm 5'11 and 80kg",
        ] {
            assert_eq!(mask(question), question);
        }
    }
}
