//! Answer quality on the labelled question sets, scored exactly as `shared/eval/README.md`
//! says: a hit is a returned passage of at most 900 characters that holds one of the gold
//! phrases after folding case and punctuation; an out-of-scope question must get no passage
//! (no answer, or a not-covered topic's redirect).
//!
//! Which set says what (tests/data/README.md has the protocol):
//! - `retrieval_dev.jsonl` and `retrieval_own.jsonl`: the team's own sets, used while building
//!   the lexical rules; regression guards;
//! - `retrieval_calibration.jsonl`, written apart and frozen before any measurement: its `tune`
//!   half set the first weights and gates; its `test` half measured that method once, and then
//!   joined the tuning pool; a regression guard now;
//! - `retrieval_heldout.jsonl`, written apart after that and frozen before any measurement:
//!   method 2 measured once on it; then it joined the tuning pool of method 3; a guard now;
//! - `retrieval_heldout2.jsonl`, written apart after that and frozen before any measurement:
//!   method 3 measured once on it; the figure the README reports.
//! - `retrieval_heldout3.jsonl`, written apart and frozen before any measurement: method 3
//!   (unchanged) measured once on it too, and never read; its misses are not printed.

use std::sync::LazyLock;

use sciatica_bot::config::Config;
use sciatica_bot::search::Outcome;
use sciatica_bot::Knowledge;
use serde::Deserialize;

static KNOWLEDGE: LazyLock<Knowledge> =
    LazyLock::new(|| Knowledge::open(&Config::default()).expect("the shipped model and corpus load"));

#[derive(Deserialize)]
struct Question {
    id: String,
    question: String,
    answerable: bool,
    gold: Vec<String>,
    /// `answerable`, `on_topic_not_covered` or `off_topic`; the team's sets leave it out.
    kind: Option<String>,
    split: Option<String>,
}

#[derive(Debug, Default)]
struct Score {
    hits: usize,
    answerable: usize,
    abstained: usize,
    out_of_scope: usize,
    /// Out of scope but about sciatica or the clinic: the hard kind.
    on_topic_abstained: usize,
    on_topic: usize,
}

impl Score {
    fn hit_rate(&self) -> f32 {
        self.hits as f32 / self.answerable as f32
    }

    fn abstention(&self) -> f32 {
        self.abstained as f32 / self.out_of_scope as f32
    }
}

fn fold(text: &str) -> String {
    let lowered = text.to_lowercase();
    let spaced: String =
        lowered.chars().map(|c| if c.is_ascii_lowercase() || c.is_ascii_digit() { c } else { ' ' }).collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn questions(set: &str, split: Option<&str>) -> Vec<Question> {
    let text = std::fs::read_to_string(std::path::Path::new("tests/data").join(set)).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| serde_json::from_str::<Question>(line).unwrap())
        .filter(|q| split.is_none() || q.split.as_deref() == split)
        .collect()
}

fn score(set: &str, split: Option<&str>) -> Score {
    score_showing(set, split, true)
}

/// Scores a set; with `show` false it prints no question, for a set still held out.
fn score_showing(set: &str, split: Option<&str>, show: bool) -> Score {
    let engine = &KNOWLEDGE.engine;
    let questions = questions(set, split);
    let texts: Vec<&str> = questions.iter().map(|q| q.question.as_str()).collect();
    let vectors = engine.embed_all(&texts);
    let mut score = Score::default();
    for (q, vector) in questions.iter().zip(&vectors) {
        let outcome = engine.answer_embedded(&q.question, vector);
        let answer = outcome.answer();
        let ok = if q.answerable {
            score.answerable += 1;
            answer.is_some_and(|a| {
                let passage = fold(&a.passage.text);
                a.passage.text.chars().count() <= 900 && q.gold.iter().any(|g| passage.contains(&fold(g)))
            })
        } else {
            score.out_of_scope += 1;
            let on_topic = q.kind.as_deref() == Some("on_topic_not_covered");
            score.on_topic += usize::from(on_topic);
            score.on_topic_abstained += usize::from(on_topic && answer.is_none());
            answer.is_none()
        };
        if ok {
            if q.answerable {
                score.hits += 1;
            } else {
                score.abstained += 1;
            }
        } else if show {
            let got = match outcome {
                Outcome::Answer(a) => a.passage.id.clone(),
                Outcome::NotCovered(n) => format!("(not covered: {})", n.topic),
                Outcome::NoAnswer => "(abstained)".to_owned(),
            };
            println!("MISS {} {:?} -> {got}", q.id, q.question);
        }
    }
    println!(
        "{set} {}: hit@1 {}/{} = {:.3}; out of scope abstained {}/{} = {:.3} (on topic {}/{})",
        split.unwrap_or("all"),
        score.hits,
        score.answerable,
        score.hit_rate(),
        score.abstained,
        score.out_of_scope,
        score.abstention(),
        score.on_topic_abstained,
        score.on_topic
    );
    score
}

#[test]
fn dev_set_meets_the_quality_bar() {
    let score = score("retrieval_dev.jsonl", None);
    assert!(score.hit_rate() >= 0.90, "hit@1 {:.3} is below 0.90", score.hit_rate());
    assert!(
        score.abstained >= 9,
        "abstained on only {}/{} out-of-scope questions",
        score.abstained,
        score.out_of_scope
    );
}

/// Our own lay wordings (slang, typos, British and American usage), written apart from the
/// dev set. They were used while tuning, so they guard against regressions rather than
/// measure unseen questions.
#[test]
fn own_lay_wordings_stay_answered() {
    let score = score("retrieval_own.jsonl", None);
    assert!(score.hit_rate() >= 0.85, "hit@1 {:.3} is below 0.85", score.hit_rate());
    assert!(score.abstention() >= 0.88, "abstained on only {}/{}", score.abstained, score.out_of_scope);
}

/// The weights and gates were tuned on the whole calibration set: a regression guard
/// (116/134 = 0.866, 63/68 abstained when method 3 was frozen).
#[test]
fn calibration_set_stays_where_it_was_tuned() {
    let score = score("retrieval_calibration.jsonl", None);
    assert!(score.hit_rate() >= 0.85, "hit@1 {:.3} is below 0.85", score.hit_rate());
    assert!(score.abstention() >= 0.92, "abstained on only {}/{}", score.abstained, score.out_of_scope);
}

/// The first held-out set measured method 2 once (hit@1 93/124 = 0.750, abstained 64/69);
/// its misses were then read and it joined the tuning pool of method 3: a regression guard
/// (105/124 = 0.847, 67/69 when method 3 was frozen).
#[test]
fn first_held_out_set_stays_where_it_was_tuned() {
    let score = score("retrieval_heldout.jsonl", None);
    assert!(score.hit_rate() >= 0.84, "hit@1 {:.3} is below 0.84", score.hit_rate());
    assert!(score.abstention() >= 0.95, "abstained on only {}/{}", score.abstained, score.out_of_scope);
}

/// The second held-out set, never tuned on, measured once for method 3: hit@1 97/133 = 0.729,
/// out of scope abstained 62/71 = 0.873 (on topic 43/51). The abstention meets the bar of 0.85
/// set for it, hit@1 does not meet its 0.80. The test guards the measured figures against
/// regressions; it does not claim the bar.
#[test]
fn second_held_out_set_holds_its_measured_figures() {
    let score = score("retrieval_heldout2.jsonl", None);
    assert!(score.hit_rate() >= 0.729, "hit@1 {:.3} is below the measured 0.729", score.hit_rate());
    assert!(score.abstention() >= 0.87, "abstained on only {}/{}", score.abstained, score.out_of_scope);
}

/// The third held-out set, never tuned on and never read, measured once for method 3 (the
/// same method as on the second set): hit@1 104/137 = 0.759, out of scope abstained 62/70 =
/// 0.886 (on topic 42/50). It prints no question, so that it stays unread for the next
/// method's measurement; the test guards the measured figures, it does not claim the bar.
#[test]
fn third_held_out_set_holds_its_measured_figures_unread() {
    let score = score_showing("retrieval_heldout3.jsonl", None, false);
    assert!(score.hits >= 104, "hit@1 {}/{} is below the measured 104", score.hits, score.answerable);
    assert!(score.abstained >= 62, "abstained on only {}/{}", score.abstained, score.out_of_scope);
}

/// `ask --explain` must tell the truth: its outcome is the answer's, and the best
/// candidate's score is the sum of the contributions it lists.
#[test]
fn explain_and_answer_agree() {
    let engine = &KNOWLEDGE.engine;
    let mut questions: Vec<String> = Vec::new();
    for set in ["retrieval_dev.jsonl", "retrieval_own.jsonl", "retrieval_calibration.jsonl", "retrieval_heldout.jsonl"]
    {
        questions.extend(self::questions(set, None).into_iter().map(|q| q.question));
    }
    let texts: Vec<&str> = questions.iter().map(String::as_str).collect();
    let vectors = engine.embed_all(&texts);
    let (mut answered, mut redirected) = (0, 0);
    for (question, vector) in texts.iter().zip(&vectors) {
        let explanation = engine.explain(question, vector);
        let described = |outcome: &Outcome<'_>| match outcome {
            Outcome::Answer(a) => format!("answer {} {}", a.passage.id, a.score),
            Outcome::NotCovered(n) => format!("not covered {}", n.topic),
            Outcome::NoAnswer => "none".to_owned(),
        };
        assert_eq!(described(&explanation.outcome), described(&engine.answer_embedded(question, vector)), "{question}");
        match explanation.outcome {
            Outcome::Answer(answer) => {
                answered += 1;
                let best = &explanation.candidates[0];
                assert_eq!(best.passage.id, answer.passage.id);
                assert!(explanation.verdict.is_some_and(|v| v.answers()), "{question}");
                let sum: f32 = best.contributions.iter().map(|c| c.points()).sum();
                assert!((sum - answer.score).abs() < 1e-5, "{question}: {sum} vs {}", answer.score);
            }
            Outcome::NotCovered(_) => {
                redirected += 1;
                assert!(!explanation.topic_cues.is_empty(), "a redirect names the cue that fired: {question}");
            }
            Outcome::NoAnswer => {
                assert!(!explanation.verdict.is_some_and(|v| v.answers()) || explanation.candidates.is_empty())
            }
        }
    }
    assert!(answered > 100 && redirected > 10, "{answered} answered, {redirected} redirected");
}
