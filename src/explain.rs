//! `ask --explain`: the engine's [`Explanation`] and triage's flags and semantic evidence,
//! as text for staff or as JSON for tools, both read from the same values the reply came
//! from.

use std::io::Write;

use sciatica_bot::search::{Explanation, Outcome, Policy};
use sciatica_bot::triage::semantic::Evidence;
use sciatica_bot::Response;
use serde_json::{json, Value};

/// How many candidates the text shows; the JSON has them all.
const SHOWN: usize = 5;
/// How many of the semantic layer's nearest categories the text shows besides those it
/// flagged; the JSON has them all.
const NEAREST_SHOWN: usize = 3;

fn evidence_line(evidence: &Evidence) -> String {
    format!(
        "{} {} ({}): clause {:?} ~ example {:?} {:.3}; nearest ordinary {:?} {:.3}; margin {:.3}",
        match (evidence.flagged, evidence.excepted) {
            (true, _) => "semantic FLAG",
            (false, true) => "semantic EXCEPTED",
            (false, false) => "semantic near",
        },
        evidence.category,
        evidence.tier,
        evidence.clause,
        evidence.example,
        evidence.similarity,
        evidence.ordinary,
        evidence.ordinary_similarity,
        evidence.margin,
    )
}

/// Which layer found each flag, and the semantic layer's nearest categories.
pub fn write_triage(response: &Response, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "\n--- explain: red flags")?;
    if response.red_flags.is_empty() {
        writeln!(out, "no red flag")?;
    }
    for flag in &response.red_flags {
        writeln!(out, "{} ({}) by {}: {:?}", flag.category, flag.tier, flag.layer, flag.matched)?;
    }
    let mut nearest = 0;
    for evidence in &response.triage_evidence {
        if !evidence.flagged {
            if nearest == NEAREST_SHOWN {
                continue;
            }
            nearest += 1;
        }
        writeln!(out, "{}", evidence_line(evidence))?;
    }
    Ok(())
}

pub fn triage_to_json(response: &Response) -> Value {
    json!({ "red_flags": response.red_flags, "semantic": response.triage_evidence })
}

fn outcome(explanation: &Explanation<'_>) -> String {
    match explanation.outcome {
        Outcome::Answer(answer) => format!("answered with {}", answer.passage.id),
        Outcome::NotCovered(topic) => format!("not covered: {} (redirect given)", topic.topic),
        Outcome::NoAnswer => "no answer".to_owned(),
    }
}

pub fn write(explanation: &Explanation<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "\n--- explain: {}", outcome(explanation))?;
    match explanation.verdict {
        Some(verdict) => writeln!(out, "decision: {verdict}")?,
        None => writeln!(out, "decision: no candidate passage")?,
    }
    if let Some(gates) = &explanation.gates {
        writeln!(out, "gates: {gates}")?;
    }
    for cue in &explanation.topic_cues {
        writeln!(out, "not-covered topic cue: {cue}")?;
    }
    for concept in &explanation.concepts {
        let wordings: Vec<String> = concept.alternatives.iter().map(|a| a.terms.join(" ")).collect();
        let known = if concept.known { "" } else { ", not in corpus" };
        writeln!(out, "concept {:?} weight {:.2}{known}: {}", concept.said, concept.weight, wordings.join(" | "))?;
    }
    let weights: Vec<String> = explanation
        .candidates
        .first()
        .map(|c| c.contributions.iter().map(|p| format!("{} x{}", p.signal, p.weight)).collect())
        .unwrap_or_default();
    writeln!(out, "score = {}", weights.join(" + "))?;
    for candidate in explanation.candidates.iter().take(SHOWN) {
        let parts: Vec<String> = candidate
            .contributions
            .iter()
            .filter(|p| p.weight != 0.0)
            // Adding 0.0 turns an empty sum's -0.0 into 0.0.
            .map(|p| format!("{} {:.3}", p.signal, p.value + 0.0))
            .collect();
        writeln!(out, "{:>7.3}  {}  [{}]", candidate.score, candidate.passage.id, parts.join(", "))?;
    }
    Ok(())
}

pub fn to_json(explanation: &Explanation<'_>, policy: &Policy) -> Value {
    json!({
        "outcome": outcome(explanation),
        "verdict": explanation.verdict,
        "gates": explanation.gates,
        "policy": policy,
        "topic_cues": explanation.topic_cues,
        "concepts": explanation.concepts.iter().map(|c| json!({
            "said": c.said,
            "weight": c.weight,
            "known": c.known,
            "wordings": c.alternatives.iter().map(|a| a.terms.join(" ")).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "candidates": explanation.candidates.iter().map(|c| json!({
            "id": c.passage.id,
            "score": c.score,
            "signals": c.signals,
            "passage": c.passage.text,
            "uncovered": c.uncovered,
        })).collect::<Vec<_>>(),
    })
}
