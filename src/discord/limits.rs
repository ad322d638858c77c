//! Discord's size limits, and the one function every text the bot sends goes through to fit
//! them. Discord refuses a body over a limit outright (and serenity refuses a long message
//! before sending it), so an unfitted text means the person gets nothing at all.
//!
//! This module owns the numbers and the cutting; it does not decide what is said.

use crate::reply::cut_at_boundary;

/// A field with a documented length limit, in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// A message's or an interaction response's `content`.
    Content,
    /// A text input's pre-filled `value` in a form.
    FormValue,
    /// A form's title, or a text input's label.
    FormLabel,
    /// An autocomplete choice's name (its value is an id, never cut).
    ChoiceName,
}

impl Limit {
    pub const fn chars(self) -> usize {
        match self {
            Limit::Content => 2000,
            Limit::FormValue => 4000,
            Limit::FormLabel => 45,
            Limit::ChoiceName => 100,
        }
    }
}

/// `text` unchanged if it fits `limit`; otherwise as many whole lines as fit, then
/// "… and N more" naming the lines left out. A first line too long on its own is cut at a
/// word boundary.
pub fn fit(text: &str, limit: Limit) -> String {
    let room = limit.chars();
    if text.chars().count() <= room {
        return text.to_owned();
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut kept = String::new();
    for (shown, line) in lines.iter().enumerate() {
        let tail = more(lines.len() - shown);
        let needed = kept.chars().count() + usize::from(shown > 0) + line.chars().count() + tail.chars().count();
        if needed > room {
            if shown == 0 {
                // One line alone is too long: keep what fits of it, so the reply still says something.
                let budget = room.saturating_sub(tail.chars().count() + 1);
                kept = format!("{}…", cut_at_boundary(line, budget).trim_end());
                return format!("{kept}{}", more(lines.len() - 1));
            }
            return format!("{kept}{tail}");
        }
        if shown > 0 {
            kept.push('\n');
        }
        kept.push_str(line);
    }
    kept
}

/// The tail naming `left_out` lines; nothing when none are.
fn more(left_out: usize) -> String {
    match left_out {
        0 => String::new(),
        n => format!("\n… and {n} more"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_that_fits_is_unchanged() {
        assert_eq!(fit("short\ntext", Limit::Content), "short\ntext");
        let exact = "é".repeat(2000);
        assert_eq!(fit(&exact, Limit::Content), exact);
    }

    #[test]
    fn a_long_list_keeps_whole_lines_and_says_how_many_are_left_out() {
        let lines: Vec<String> = (0..200).map(|n| format!("`/srv/bot/corpus/faq.md:{n}: a problem`")).collect();
        let fitted = fit(&lines.join("\n"), Limit::Content);
        assert!(fitted.chars().count() <= 2000, "{}", fitted.chars().count());
        let kept: Vec<&str> = fitted.lines().collect();
        let (tail, shown) = kept.split_last().unwrap();
        assert_eq!(*tail, format!("… and {} more", 200 - shown.len()));
        assert_eq!(shown, &lines[..shown.len()]);
        assert!(shown.len() > 40, "as many lines as fit are kept");
    }

    #[test]
    fn one_long_line_is_cut_at_a_word() {
        let line = "word ".repeat(30);
        let fitted = fit(&line, Limit::FormLabel);
        assert!(fitted.chars().count() <= 45);
        assert!(fitted.ends_with("word…"), "{fitted}");
        let two = format!("{line}\nsecond");
        let fitted = fit(&two, Limit::FormLabel);
        assert!(fitted.chars().count() <= 45, "{fitted}");
        assert!(fitted.ends_with("… and 1 more"), "{fitted}");
    }
}
