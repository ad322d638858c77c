//! Red-flag triage on labelled messages and on the cases the product promises: every red
//! flag gets a notice at its tier or a more urgent one, ordinary sciatica talk gets none, the
//! notice comes first even without an answer, negated mentions are worded as a condition,
//! and broken rules are reported with file and line.

use std::collections::BTreeMap;
use std::path::Path;

use sciatica_bot::config::{Config, ReplyConfig, TriageConfig};
use sciatica_bot::triage::{Tier, Triage};
use sciatica_bot::Knowledge;
use serde::Deserialize;

#[derive(Deserialize)]
struct Labelled {
    text: String,
    red_flag: bool,
    tier: Option<Tier>,
    category: Option<String>,
}

fn rules() -> Triage {
    Triage::load(Path::new("corpus/red_flags.toml"), &TriageConfig::default()).expect("the shipped rules are valid")
}

fn labelled(file: &str) -> Vec<Labelled> {
    let text = std::fs::read_to_string(Path::new("tests/data").join(file)).unwrap();
    text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// Runs a labelled set; returns (missed positives, false alarms), printing each.
fn run(file: &str) -> (usize, usize, usize) {
    let triage = rules();
    let (mut missed, mut false_alarms, mut negatives) = (0, 0, 0);
    for message in labelled(file) {
        let assessment = triage.assess(&message.text);
        if message.red_flag {
            let wanted = message.tier.expect("positives have a tier");
            if assessment.tier().is_none_or(|got| got < wanted) || assessment.notice.is_none() {
                missed += 1;
                println!("MISS {wanted} {:?}: {:?} -> {:?}", message.category, message.text, assessment.flags);
            }
        } else {
            negatives += 1;
            if !assessment.flags.is_empty() {
                false_alarms += 1;
                println!("FALSE ALARM {:?} -> {:?}", message.text, assessment.flags);
            }
        }
    }
    println!("{file}: {missed} missed, {false_alarms}/{negatives} false alarms");
    (missed, false_alarms, negatives)
}

#[test]
fn dev_set_every_red_flag_is_caught_and_ordinary_talk_is_left_alone() {
    let (missed, false_alarms, negatives) = run("redflags_dev.jsonl");
    assert_eq!(missed, 0, "recall must be 100%");
    assert_eq!(negatives, 30);
    assert!(false_alarms <= 1, "{false_alarms} of {negatives} ordinary messages got a notice");
}

/// Our own wordings: at least three per category, and ordinary messages that share words
/// with red flags (a face cradle's numbness, a booking "accident", intentional weight loss).
#[test]
fn own_wordings_for_every_category() {
    let (missed, false_alarms, _) = run("redflags_own.jsonl");
    assert_eq!(missed, 0);
    assert_eq!(false_alarms, 0);
    let mut per_category: BTreeMap<String, usize> = BTreeMap::new();
    for message in labelled("redflags_own.jsonl").into_iter().filter(|m| m.red_flag) {
        *per_category.entry(message.category.unwrap()).or_default() += 1;
    }
    for (category, tier) in rules().categories() {
        let count = per_category.get(category).copied().unwrap_or(0);
        assert!(count >= 3, "{category} ({tier}) has only {count} wordings of our own");
    }
}

#[test]
fn lay_words_misspellings_and_words_apart_are_caught() {
    let triage = rules();
    for (message, category) in [
        ("i wet myself this morning", "bladder_dysfunction"),
        ("cant feel my bits when i wipe", "saddle_numbness"),
        ("numb down there", "saddle_numbness"),
        ("couldnt get it up", "sexual_dysfunction"),
        ("problems with my bladdder since tuesday", "bladder_dysfunction"),
        ("bit of incontinance lately", "bladder_dysfunction"),
        ("can't wee properly", "bladder_dysfunction"),
        ("can't pee properly", "bladder_dysfunction"),
        ("I can't feel when I need to poo", "bowel_dysfunction"),
        ("I can't feel when I need to poop", "bowel_dysfunction"),
        ("numb all round my bum and groin", "saddle_numbness"),
        ("NUMB  ALL  ROUND my bum... and GROIN!!", "saddle_numbness"),
        ("\u{201c}Can\u{2019}t feel\u{201d} my genitals", "saddle_numbness"),
    ] {
        let assessment = triage.assess(message);
        assert!(
            assessment.flags.iter().any(|f| f.category == category && f.tier == Tier::Emergency),
            "{message:?} -> {:?}",
            assessment.flags
        );
    }
}

#[test]
fn a_flag_said_in_passing_in_a_long_message_is_caught() {
    let rambling = format!(
        "{} oh and i havent been able to pee properly since monday {}",
        "so my sciatica has been up and down and work is busy and the kids are off school. ".repeat(20),
        "anyway do you have any slots on saturday? ".repeat(10)
    );
    assert_eq!(rules().assess(&rambling).tier(), Some(Tier::Emergency));
}

#[test]
fn ordinary_sciatica_talk_gets_no_notice() {
    let triage = rules();
    for message in [
        "pain down one leg",
        "I have pain down my left leg",
        "tingling in one foot",
        "sitting makes it worse",
        "it's worse after sitting",
        "can you massage both legs",
        "where is the bathroom",
        "my pain went from 8/10 to 3/10",
        "how many sessions do I need?",
        "does massage help sciatica?",
        "",
    ] {
        let assessment = triage.assess(message);
        assert!(assessment.flags.is_empty() && assessment.notice.is_none(), "{message:?} -> {:?}", assessment.flags);
    }
}

#[test]
fn several_flags_give_one_notice_at_the_most_urgent_tier_listing_each() {
    let assessment = rules().assess("had cancer years ago, now a fever, and since this morning I can't wee");
    assert_eq!(assessment.tier(), Some(Tier::Emergency));
    let notice = assessment.notice.unwrap();
    assert_eq!(notice.matches("⚠️").count(), 1, "{notice}");
    assert!(notice.contains("999") && notice.contains("emergency"), "{notice}");
    for said in ["\"cancer\"", "\"fever\"", "\"cant wee\""] {
        assert!(notice.contains(said), "{said} missing from {notice}");
    }
}

#[test]
fn a_negated_mention_still_gets_the_notice_worded_as_a_condition() {
    let triage = rules();
    let assessment = triage.assess("no bladder problems, just a sore leg");
    let notice = assessment.notice.expect("safety wins over politeness");
    assert!(notice.contains("If you notice"), "{notice}");
    assert!(notice.contains("\"bladder problems\""), "{notice}");
    let affirmed = triage.assess("I have bladder problems, no fever").notice.unwrap();
    assert!(affirmed.contains("Please get medical help now"), "{affirmed}");
}

#[test]
fn the_notice_names_the_clinics_phone_lines() {
    let config = TriageConfig { emergency_number: "911".into(), urgent_line: "your doctor's nurse line".into() };
    let triage = Triage::load(Path::new("corpus/red_flags.toml"), &config).unwrap();
    assert!(triage.assess("I wet myself").notice.unwrap().contains("call 911"));
    assert!(triage.assess("I have a fever").notice.unwrap().contains("your doctor's nurse line"));
}

#[test]
fn a_red_flag_without_a_question_gets_the_notice_first_then_the_no_answer_reply() {
    let knowledge = Knowledge::open(&Config::default()).unwrap();
    let response = sciatica_bot::respond(&knowledge, &ReplyConfig::default(), "lol i wet myself last night");
    assert!(response.answer.is_none());
    let notice = response.notice.expect("a notice");
    assert!(response.reply.starts_with(&notice), "{}", response.reply);
    assert!(response.reply.contains("I don't have an answer"), "{}", response.reply);
    assert_eq!(response.red_flags[0].category, "bladder_dysfunction");
    assert_eq!(response.red_flags[0].matched, "wet myself");

    let answered = sciatica_bot::respond(&knowledge, &ReplyConfig::default(), "are massage guns good? I have a fever");
    assert!(answered.answer.is_some());
    assert!(answered.reply.starts_with(&answered.notice.unwrap()));
}

#[test]
fn the_json_contract_carries_category_tier_and_matched_words() {
    let knowledge = Knowledge::open(&Config::default()).unwrap();
    let response = sciatica_bot::respond(&knowledge, &ReplyConfig::default(), "fell off a ladder, both legs numb");
    let json = serde_json::to_value(&response).unwrap();
    let flags = json["red_flags"].as_array().unwrap();
    assert!(!flags.is_empty());
    for flag in flags {
        let keys: Vec<&str> = flag.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["category", "matched", "tier"]);
        assert!(["emergency", "urgent"].contains(&flag["tier"].as_str().unwrap()));
    }
    assert_eq!(json["notice"], response.notice.unwrap());
}

fn problems_in(rules: &str) -> Vec<String> {
    let path = Path::new("red_flags.toml");
    match Triage::parse(path, rules, &TriageConfig::default()) {
        Ok(_) => Vec::new(),
        Err(problems) => problems.iter().map(|p| p.to_string()).collect(),
    }
}

const TIERS: &str = "[tiers.emergency]\nnotice = \"Now: {mentioned}, call {emergency_number}\"\nif_notice = \"If you notice {mentioned}\"\n";

#[test]
fn broken_rules_are_reported_with_their_line() {
    let bad_regex = format!(
        "{TIERS}\n[[flag]]\ncategory = \"a\"\ntier = \"emergency\"\npatterns = [\n  'fine',\n  '(unclosed',\n]\n"
    );
    let problems = problems_in(&bad_regex);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("red_flags.toml:10: pattern does not compile"), "{problems:?}");

    let unknown_tier = format!("{TIERS}\n[[flag]]\ncategory = \"a\"\ntier = \"soonish\"\npatterns = ['x']\n");
    assert!(problems_in(&unknown_tier)[0].starts_with("red_flags.toml:7: unknown tier \"soonish\""));

    let tier_without_notice = format!("{TIERS}\n[[flag]]\ncategory = \"a\"\ntier = \"urgent\"\npatterns = ['x']\n");
    assert!(problems_in(&tier_without_notice)[0].starts_with("red_flags.toml:7: tier \"urgent\" has no notice"));

    let no_tier = format!("{TIERS}\n[[flag]]\ncategory = \"a\"\npatterns = ['x']\n");
    assert!(problems_in(&no_tier)[0].contains("missing field `tier`"), "{:?}", problems_in(&no_tier));

    let bad_placeholder = "[tiers.emergency]\nnotice = \"call {emergency_nmber}\"\nif_notice = \"x\"\n\n[[flag]]\ncategory = \"a\"\ntier = \"emergency\"\npatterns = ['x']\n";
    assert!(problems_in(bad_placeholder)[0].starts_with("red_flags.toml:1: unknown placeholder {emergency_nmber}"));

    let unknown_words =
        format!("{TIERS}\n[[flag]]\ncategory = \"a\"\ntier = \"emergency\"\npatterns = ['{{nope}} x']\n");
    assert!(problems_in(&unknown_words)[0].contains("unknown word list {nope}"));

    let malformed = format!("{TIERS}\n[[flag]\n");
    assert!(
        problems_in(&malformed)[0].starts_with("red_flags.toml:5: malformed TOML"),
        "{:?}",
        problems_in(&malformed)
    );

    let huge =
        format!("{TIERS}\n[[flag]]\ncategory = \"a\"\ntier = \"emergency\"\npatterns = ['(\\w+ ){{0,100000}}x']\n");
    assert!(problems_in(&huge)[0].contains("pattern does not compile"), "{:?}", problems_in(&huge));
}

#[test]
fn missing_rules_are_a_problem_not_a_silent_off_switch() {
    let problems = Triage::load(Path::new("/nonexistent/red_flags.toml"), &TriageConfig::default()).unwrap_err();
    assert!(problems[0].message.contains("red-flag notices would be off"));
}
