//! Red-flag triage on labelled messages and on the cases the product promises: every red
//! flag gets a notice at its tier or a more urgent one, ordinary sciatica talk gets none, the
//! notice comes first even without an answer, negated mentions and the semantic layer's
//! finds are worded as a condition, and broken rules are reported with file and line.
//!
//! The labelled sets run through both layers, as the bot runs them (the model reads each
//! message's clauses); the pattern tests run the rules alone.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::LazyLock;

use sciatica_bot::config::{Config, ReplyConfig, TriageConfig};
use sciatica_bot::embed::Vector;
use sciatica_bot::triage::{Assessment, Layer, Tier, Triage};
use sciatica_bot::{Knowledge, ToEmbed};
use serde::Deserialize;

/// The shipped corpus and model, loaded once for the tests of this file.
static KNOWLEDGE: LazyLock<Knowledge> = LazyLock::new(|| Knowledge::open(&Config::default()).unwrap());

/// Both layers on each message, the clauses embedded in one batch as `ask -` does. Triage
/// reads only the clauses' vectors: the whole message's own vector, read only by retrieval
/// when it has several clauses, is left out, which halves the model's work on these sets.
fn assess_all(messages: &[&str]) -> Vec<Assessment> {
    let wanted: Vec<ToEmbed> = messages.iter().map(|m| KNOWLEDGE.texts_to_embed(m)).collect();
    let retrieval_only = |w: &ToEmbed| usize::from(w.texts().count() > 1);
    let texts: Vec<&str> = wanted.iter().flat_map(|w| w.texts().skip(retrieval_only(w))).collect();
    let mut vectors = KNOWLEDGE.engine.embed_texts(&texts).into_iter();
    let assess = |wanted: ToEmbed| {
        let skipped = retrieval_only(&wanted);
        let read = vectors.by_ref().take(wanted.texts().count() - skipped);
        let embedded = wanted.with_vectors(std::iter::repeat_n(Vector::zero(), skipped).chain(read).collect());
        KNOWLEDGE.assess(&embedded)
    };
    wanted.into_iter().map(assess).collect()
}

fn assess(message: &str) -> Assessment {
    assess_all(&[message]).pop().unwrap()
}

/// Both layers leave every one of these messages without a flag.
fn assert_quiet(messages: &[&str]) {
    for (message, assessment) in messages.iter().zip(assess_all(messages)) {
        assert!(assessment.flags.is_empty(), "{message:?} -> {:?}", assessment.flags);
    }
}

#[derive(Deserialize)]
struct Labelled {
    text: String,
    red_flag: bool,
    tier: Option<Tier>,
    category: Option<String>,
    /// An ordinary message that names a red-flag symptom only to deny it ("no bladder
    /// problems"): marked in the later batches, since it gets the conditional notice by design.
    #[serde(default)]
    denies: bool,
}

fn rules() -> Triage {
    Triage::load(Path::new("corpus/red_flags.toml"), &TriageConfig::default()).expect("the shipped rules are valid")
}

/// Whether the rules alone flag `category` in `message`.
fn flagged_by_rules(triage: &Triage, message: &str, category: &str) -> bool {
    triage.assess(message, &[]).flags.iter().any(|f| f.category == category)
}

fn labelled(file: &str) -> Vec<Labelled> {
    let text = std::fs::read_to_string(Path::new("tests/data").join(file)).unwrap();
    text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// What a labelled set measured.
#[derive(Debug, Default)]
struct Figures {
    missed: usize,
    emergencies_missed: usize,
    false_alarms: usize,
    /// False alarms on ordinary messages that deny no symptom by name.
    false_alarms_denying_nothing: usize,
    negatives: usize,
}

/// Runs a labelled set through both layers; prints each miss and false alarm.
fn run(file: &str) -> Figures {
    run_showing(file, true)
}

/// [`run`], printing the messages only when `show`: a set still held out is never read.
fn run_showing(file: &str, show: bool) -> Figures {
    let messages = labelled(file);
    let texts: Vec<&str> = messages.iter().map(|m| m.text.as_str()).collect();
    let mut figures = Figures::default();
    for (message, assessment) in messages.iter().zip(assess_all(&texts)) {
        if message.red_flag {
            let wanted = message.tier.expect("positives have a tier");
            if assessment.tier().is_none_or(|got| got < wanted) || assessment.notice.is_none() {
                figures.missed += 1;
                figures.emergencies_missed += usize::from(wanted == Tier::Emergency);
                if show {
                    println!("MISS {wanted} {:?}: {:?} -> {:?}", message.category, message.text, assessment.flags);
                }
            }
        } else {
            figures.negatives += 1;
            if !assessment.flags.is_empty() {
                figures.false_alarms += 1;
                figures.false_alarms_denying_nothing += usize::from(!message.denies);
                if show {
                    println!("FALSE ALARM {:?} -> {:?}", message.text, assessment.flags);
                }
            }
        }
    }
    println!("{file}: {figures:?}");
    figures
}

#[test]
fn dev_set_every_red_flag_is_caught_and_ordinary_talk_is_left_alone() {
    let figures = run("redflags_dev.jsonl");
    assert_eq!(figures.missed, 0, "recall must be 100% at tier");
    assert_eq!(figures.negatives, 30);
    assert_eq!(figures.false_alarms, 0, "{figures:?}");
}

/// The held-out batches the rules and thresholds were tuned on (tests/data/README.md: each
/// was measured once, then read): every flag stays caught but thirty-two, each named below with
/// the batch's false alarms. A denial counted "direct" below was so when its batch was read;
/// since a symptom denied at the end of its match ("bum not numb", "leg's not weak") reads as
/// denied (step 55 of tests/data/README.md), nine of them (batches 38 to 50) are worded as a
/// condition. Kept on purpose:
/// - batch 5's three: a boss's heart attack in a message about the writer's sciatica, and
///   two harmless clauses the semantic layer finds close to a category's examples;
/// - batch 6's five: three such clauses (a tighter threshold would cost six to eight flags on
///   the same batch), a numb bum from a long wedding that wore off later in the sentence, and
///   "no numbness down below", whose negated mention gets the conditional notice by design;
///   and its one miss, a numbness whose place comes as a fragment sixteen words on, caught
///   since step 78 by the semantic layer;
/// - batch 7's two: a father's birthday clause close to two categories' examples, and "right
///   now" read as the right side (after normalising, "the left, right now" and "only the
///   right, now both" look the same);
/// - batch 8's four: "no numbness in my groin" and "no waterworks problems", whose negated
///   mentions get the conditional notice by design; tingling in the foot within a rule's
///   reach of "bum"; a clause the semantic layer finds close to trauma; and its one miss: a leg weak since the
///   morning, caught at the urgent tier only;
/// - batch 9's seven: two lists of negated red flags, tingling in the foot near "buttock"
///   again, a child's trampoline fall beside her sore knee, a video claiming sciatica can
///   mean cancer, and two clauses the semantic layer finds close to weakness and night pain;
///   and its one miss: legs "in a bucket of ice", with no symptom word;
/// - batch 10's two: a son's age beside the writer's own sciatica, and a grandfather's weak
///   leg after a stroke ("his leg is weak": whose leg is told by a pronoun, which the rules do
///   not follow);
/// - batch 11's six: "my waterworks are fine" and "no fever", negated mentions that get the
///   conditional notice by design; a numb bum on the bleachers that "came back" far along the
///   sentence; flu "last week? all better now" (the recovery is in the next sentence); and
///   two clauses the semantic layer finds close to saddle numbness ("new saddle") and to
///   weakness ("had some water and I'm fine now");
/// - batch 12's three: a friend's HIV beside "no back problems", and two clauses the semantic
///   layer finds close to sudden weakness (a dead leg after a nap on the train, and numbness
///   that "went as soon as I stood up and had a walk");
/// - batch 13's one: a clause the semantic layer finds close to the bladder ("sitting down on
///   the loo is an event", after leg day);
/// - batch 15's three: "definitely no fever" and "no numbness down there", negated mentions
///   that get the conditional notice by design, and a clause the semantic layer finds close
///   to trauma ("a bit sore after surfing all weekend"); its one miss: a leg that "went from
///   under me" with the time ("twice this morning") in the next sentence, caught at the
///   urgent tier only;
/// - batch 16's six: "no bladder or bowel problems, no numbness down there", negated mentions
///   that get the conditional notice by design; a husband's "weak bladder" (whose is told by a
///   pronoun); an aunt's spinal cancer, "spinal" read as back trouble she may share; sciatica
///   in both legs "years ago", cleared up far along the sentence; and two clauses the semantic
///   layer finds close to a category ("now it stops at my knee", to both legs; peeing a lot
///   when pregnant, to the bladder);
/// - batch 17's four: clauses the semantic layer finds close to a category ("now sciatica on
///   the other side", to both legs; a urine sample that "came back fine" and "feeling fine
///   now, no temperature", to a fever; peeing a lot after drinking water, to the bladder).
///   An exception for those words would also silence a fever or a bladder stated beside
///   them;
/// - batch 18's two: a mate's car accident whose back the clinic "sorted out" (recovered
///   trouble still reads as trouble he may have), and a clause the semantic layer finds
///   close to night pain ("a nuisance at night when I roll over", the sleep "straight
///   through" coming in the next clause);
/// - batch 19's four: a dog's "back leg weakness" (a pet is someone else, but leg weakness
///   is not a category quiet for others), a son's trampoline fall beside the writer's own
///   back, and two clauses the semantic layer finds close to both legs ("my sciatica side
///   is the other one", "thighs are sore" from riding);
/// - batch 20's one: an intake form's cancer question ticked "no history", a negated mention
///   that gets the conditional notice by design;
/// - batch 21's one: "no fever, just sniffly", a negated mention; and its two misses: a leg
///   that "just went" with "getting worse every hour" in the next sentence, caught at the
///   urgent tier only, and a "bum's gone numb" with nothing that tells it from a numb bum
///   after sitting;
/// - batches 22 to 26: none (batch 23's aunt who is "a cancer nurse" went quiet with method
///   27's "an oncology nurse"; "my oncology nurse" stays a flag);
/// - batch 27's five: "no numbness down below" and "no fever", negated mentions; an uncle's
///   "cancer of the spine", "spine" read as back trouble he may have had; a fever "last week"
///   with flu, recovered in the next sentence (a recent infection is on the clinical list);
///   and a clause the semantic layer finds close to both legs ("is it ok that my sciatica is
///   only on one side": an ordinary sentence for it cost a both-legs flag in batch 9);
/// - batch 28's five: "no problems with bladder or bowels" and an intake form's "no cancer",
///   negated mentions; a mate's dad's "tumour on his spine" and a friend who "had back pain
///   and it turned out to be cancer", the back read as trouble they may share; and "I can
///   walk fine", a clause the semantic layer finds close to sudden weakness (an ordinary
///   sentence for it cost batch 16's "I could walk this morning, now I can't");
/// - batch 29's five: four clauses the semantic layer finds close to a category (limping
///   from a stubbed toe, to sudden weakness; a grandad of 88 with back trouble "since his
///   army days", to a late first bout; a slip on ice that "didn't fall", to an accident; a
///   dad who "uses a chair", to sudden weakness), and a mum with dementia who has been
///   "wetting herself for a couple of years" (an exception for "for years" would silence a
///   symptom told beside it);
/// - batch 30's three: a back sore from moving house with "pain in the left leg too" (the
///   "too" of one leg beside the back, worded as a second leg is); a toilet seat so low that
///   getting up is "agony"; and "I can pee fine, feel everything fine", which the semantic
///   layer finds close to the bladder (an exception for "can pee fine" would also silence a
///   leak told beside it);
/// - batch 31's one: a clause about stepping off a kerb awkwardly, which the semantic layer
///   finds close to foot drop (an ordinary sentence for it cost batch 22 a flag, and an
///   exception for it would reach a dropped foot told beside it);
/// - batch 32's six: a grandad of 90 "still gardening every day with no back trouble", read as
///   a late first bout (an exception for "still ... with no back trouble" silenced "still
///   gardening with no back problems until this month when the sciatica started"); a GP who would "only worry if I had numbness down below or trouble
///   weeing, which I don't" (a hypothetical, denied at the end of the sentence); a slip off a
///   bus step with "no harm done" too far from the slip for an exception to reach; and three
///   clauses the semantic layer finds close to a category ("the pharmacist said that's normal"
///   to severe pain, the writer asking why doctors "always ask about peeing", and kidney
///   stones as "the worst pain of my life" to an accident; an ordinary sentence for the first
///   did not move it);
/// - batch 33's seven (eight when read; "nearly shat myself" at a noise is quiet since method
///   66): shoes ("can't walk in heels"), a kidney infection "when I was 19", a
///   nan's fall "last year" (each of their exceptions silenced a symptom told after "and now":
///   "can't walk in heels anymore and now my legs keep giving way since lunch", "fell off a
///   ladder last year and now I've fallen down the stairs", a fever now after sepsis "when I
///   was 19"), an intake form asking about osteoporosis, "incontinence care" at work, "nearly
///   shat myself" at a noise (its exception sat inside the match of "then I actually did and
///   could not hold it"), a chest tight "from bench pressing" (chest tightness after exertion
///   is kept on purpose), and a wee before a massage "nerves lol",
///   which the semantic layer finds close to the bladder (an ordinary sentence for it cost
///   batch 32 a flag); and its two misses: a bottom "like
///   I've been sat on a bag of ice" (ice packs are ordinary advice) and "the muscle back
///   there" that doesn't "do its job" with "zero seconds warning" (the rule needs the place
///   apart from the muscle's words, as in "... when I'm on the loo");
/// - batch 34's fourteen: negated mentions on an intake form, after "horror stories" read
///   online, and a leg that "didn't go from under me"; a friend's fall off a horse "last year"
///   (see batch 33's nan); a bum numb on a flight told in another
///   sentence, and one numbed by an office chair (an exception for the chair sat inside the
///   match of "makes my bum go numb and now it stays numb"); and eight clauses the semantic layer finds
///   close to a category (a fall in the step count, a dad of 80 and a grandad of 84 with
///   backache for decades, whose exceptions silenced a first bout told beside them, a patch of
///   numbness on a shin, pain "better by mid morning", "worse first thing", "every day a bit
///   less", sciatica down the back of the thigh); and its miss: "hubby and I tried last night"
///   sixteen words from "couldn't feel him", one more than a together rule allows;
/// - batch 35's five: legs "like jelly" after squats one byte beyond an exception's reach
///   (40 bytes, not widened for one message); a slip on the ice "back in January" that the
///   semantic layer finds close to an accident (an exception for a month gone by would also
///   silence a fall from a roof "back in March"); symptoms denied in a list; a mate's car crash
///   with his bruises (someone else's trouble may be what they ask about); and a wee halfway
///   through a massage, which the semantic layer finds close to the bladder (see batch 33's);
/// - batch 36's five: four messages that deny symptoms by name ("no chest pain, no fever",
///   "no bladder or bowel issues", a cold with "no fever", "never had cancer"), which get the
///   notice worded as a condition on purpose; and "tingly foot, sore bum", a foot's tingling
///   beside a sore bottom in one sentence (an exception for "sore bum" would silence "numb and
///   sore bum");
/// - batch 37's ten: nine messages that deny symptoms by name (seven get the notice worded as
///   a condition; "my doctor asked about saddle numbness ... I have neither" and "the physio
///   asked if I had any issues with my bladder ... I said no" put the denial after the
///   mention, where it is not read as one), and a friend's car accident beside "is it good for
///   sciatica too?", whose sciatica may be the friend's;
/// - batch 38's twelve: every one a message that denies symptoms by name (eleven worded as a
///   condition; in "no loss of bladder or bowel control" the bowel is four words past the
///   "no", beyond the reach of a negation, and gets the direct notice);
/// - batch 39's seventeen: twelve denials by name (two direct: "not because anything's numb or
///   not working", and "no changes with my waterworks or number twos", whose bowel words come
///   five words past the "no"), a mum's denials
///   told for her, a left foot "colder than my right since it started" (a comparison with the
///   other side; an exception for it silenced "weaker than my right and now the right is going
///   numb too"), a friend's car accident beside "is it good for sciatica too?" (as in batch
///   37), pain "excruciating when I first stand" that eases in minutes (an exception for the
///   easing silenced painkillers not touching it beside it), and sciatica "grumbly the whole
///   flight too", which the semantic layer finds close to both legs;
/// - batch 40's fourteen: twelve denials by name; leg pain that seems to "shrink back up"
///   with press-ups, read as a wasting leg (an exception for pain that shrinks silenced "my
///   calf muscle is wasting" beside it); and a double booking, "a total accident on my part",
///   which the semantic layer finds close to the bowel;
/// - batch 41's eleven: nine denials by name, a friend's car crash beside "normal one-sided
///   sciatica for me" (the writer's word comes after the trouble), and a delivery driver's
///   leg that aches "from the bum down to the calf" beside a foot that goes numb (a bottom and
///   a numb word within a together rule's reach, as batch 36's "tingly foot, sore bum");
/// - batch 42's fourteen: ten denials by name (three direct: symptoms listed past a
///   negation's reach, and "bladder and bowels completely normal", a denial told without a
///   negation); "sciatica down my left leg too", where "too" adds the leg to the back, not a
///   second side; the "old man shuffle to the kettle this morning" (an exception for the idiom
///   would silence weakness told within its reach); and two clauses the semantic layer finds
///   close to a category, going to the loo more while drinking three litres a day (an
///   ordinary sentence for it cost two flags of earlier batches) and a fall off a swing at 8;
/// - batch 43's thirteen: every one a message that denies symptoms by name, each worded as a
///   condition;
/// - batch 44's sixteen: fourteen denials by name (four direct: symptoms listed past a
///   negation's reach, or denied by "fine"), legs that ache "on both sides" after running
///   again (an exception for running or muscle soreness would silence "started running again
///   and my legs are numb on both sides"), and a sister's "spinal tumour" (her spine is back
///   trouble that may be what the message asks about);
/// - batch 45's eighteen: twelve denials by name (six direct; the semantic layer finds "the
///   codeine has bunged me up" close to pain getting worse), a nan's osteoporosis beside
///   "nothing on her back", a pain begun on a friend's sofa, "right side only. I'm fine,
///   right?" (the tag question reads as a second side), a mum's sciatica "in both legs when
///   she was pregnant" (an exception for a time gone by would silence "in both legs when I
///   woke up"), someone else's car crash that made the writer late, an aunt's cancer "in her
///   spine", and a thigh "a bit smaller" than the other from a knee operation ten years ago
///   (no exception of the leg-weakness rules speaks of an operation); and its miss: a leg
///   that "just stops working", caught at the urgent tier only, its "since the morning" told
///   in another sentence;
/// - batch 46's eighteen: fourteen denials by name (two direct, where the both-legs rule's
///   match begins before the denial: "pins and needles in the toes. Not both legs" and "no
///   numbness in the saddle area, both legs strong"), "accident at work? no lol" (the semantic layer hears a bowel accident),
///   a cold "but no fever", a mate's dad's cancer "in his spine", an aunt's cancer treatment
///   beside "a foot massage" (a foot is leg trouble that may be hers), and a dumbbell dropped
///   on a toe (close to the trauma examples);
/// - batch 47's twelve: every one a message that denies symptoms by name (three direct: a
///   negation inside the match, "my foot isn't dragging" and "knee doesn't give way", and an
///   intake form's questions answered after them, "neither applies to me");
/// - batch 48's fifteen: thirteen denials by name (four direct), a car that "broke down, not a
///   crash" (the crash rule's match holds the negation), and a phone dropped down the stairs,
///   "not me", which the semantic layer finds close to a fall; and its miss: pain "down one
///   leg for a month but since Sunday ... down the other one too", sixteen words from the one
///   leg to the other one, past a together rule's reach;
/// - batch 49's fourteen: ten denials by name (two direct, a negation inside the match: "leg's
///   not weak, foot's not dragging"), a back "worse at night" that turned out to be the
///   mattress, a sister's spinal tumour (her spine is back trouble that may be hers), "both my
///   legs are jelly" after leg day (an exception for the gym would silence numb legs after it),
///   and a lump that "turned out to be a harmless cyst", close to the cancer examples (an
///   ordinary sentence about a cyst took a spinal lump of batch 48 from the semantic layer);
///   and its miss: "getting thinner for no reason" beside "asking if I'm on a diet", where
///   the exception for a diet silences it;
/// - batch 50's thirteen: eleven denials by name (one direct, "bum not numb", a negation inside
///   the match; "numbness around my bottom and I haven't", answered after it, has been worded
///   as a condition since method 54), a friend's
///   car accident beside the friend's sciatica (which may be the friend's concern), and a trip
///   on a kerb that "sent a zap down my leg", close to the foot-drop examples;
/// - batch 51's fourteen: ten denials by name (all worded as a condition), bottoms numb on a
///   church's wooden chairs "just because" of them, a friend's car accident beside the
///   writer's own sciatica (an exception for the writer's trouble would silence a parent
///   writing for a child), a long warehouse story the semantic layer finds close to night
///   pain, and weight that "went up" close to the rapid-weakness examples; and its misses: a
///   cyclist's "whole area" still "completely dead" a week off the bike (numb told without a
///   saddle word), and a thigh gone from "that's odd" to "can't get off the sofa" in six
///   hours, caught at the urgent tier only, the hours seventeen words from the weakness;
/// - batch 52's fourteen: eleven denials by name (two direct, "my foot doesn't drag" and "asked
///   if I'd lost control ... and I haven't", both worded as a condition since method 54; one
///   found by the semantic layer: "waterworks are all normal" is close to the bladder
///   examples), years of
///   tablets for an overactive bladder, "nothing new or changed" (worded as a condition), a
///   limp the writer "walked out" of the clinic without, close to the rapid-weakness
///   examples, and a train seat that "is agony" for one buttock and leg (the bare word for
///   severe pain; an exception for sitting would reach a worsening stated beside it);
/// - batch 53's sixteen: twelve denials by name (one direct: "I don't have any history of
///   cancer", four words from the negation; a reach of four words was tried and dropped, it
///   turned six stated flags conditional), a cyclist's bottom numb "on the saddle for a bit,
///   gone by the evening" and a bottom numb on a church pew, "fine once I stood up" (an
///   exception for numbness that passed silenced "fine once I stood up, but since yesterday
///   it's numb again"), a booking "total accident on my part" close to the bowel examples,
///   and a gran's osteoporosis beside "nothing on her back" (her back, not denied by
///   "nothing", is trouble that may be hers); and its misses: a bottom like "sitting on a bag
///   of frozen peas that isn't there", its "bits and backside" in the next sentence, and a sex
///   life that "went from completely normal to nothing working in about a week", told of
///   "mine" after a question;
/// - batch 54's fourteen: eleven denials by name (one direct: "chest is fine, no chest pain",
///   a negation inside the match before a word that is no state), a childhood fall off a bike
///   "aged 8" beside "the worst pain ever" now, a grandad's cancer "in the 90s", and a first
///   walk in two weeks close to the rapid-weakness examples; and its misses: "wood's not
///   working" since Monday (slang no rule knows), and number twos that "just happen" without
///   "the feeling first", told in the next sentence;
/// - batch 55's sixteen: eleven denials by name (one direct: a leg "tingly to the foot.
///   Feeling down there is fine", a pattern that reaches across the full stop; keeping
///   patterns within a sentence lost five read flags), "Bieber fever",
///   chills when a therapist "found the spot" (an exception for chills at a moment would
///   reach a temperature told beside it), a nan's cancer "back in the 90s" beside her advice
///   for sciatica, "night night everyone" close to the night-pain examples, and a brother-in-
///   law's childhood car crash (quiet since method 57) whose "nothing dramatic" the semantic
///   layer finds close to the sexual-function examples; and its misses: a leg that "just
///   buckles", the day's change told in the sentence before (caught at the urgent tier
///   only), and a sex life whose "feeling is gone", told after the question;
/// - batch 56's eleven: eleven denials by name (one direct: "toilet paper feels normal", a
///   state after the match that no denial pattern reads); and its misses: one leg for years
///   and the other "doing the exact same burning thing" since yesterday, seventeen words
///   apart, and "an accident at the supermarket", told as "the number two kind" in the next
///   sentence;
/// - batch 57's twenty: thirteen denials by name (one direct: a form that "asked if I'd ever
///   injected drugs (no!)"), "worse in the mornings" in an anxious question about cauda
///   equina and a dad joking "like I'm 90" (both close to a category's examples), legs "jelly"
///   after a bootcamp, "right now it's just the usual left leg" ("right now" read as a side:
///   a first side told only as "the right" starts a match a word sooner and lost two read
///   flags), a neighbour's car crash beside her spinal rehab (trouble that is hers), a nan's
///   accident on the way to the toilet (bladder flags are not quiet for others: a parent
///   writes for a child), and a success story's weakness "in 2023" that "fully came back" (an
///   exception for a past year would reach a weakness told beside it).
/// - batch 58's eighteen: fourteen denials by name, all worded as a condition; a question
///   about what "would happen if sciatica went into both legs" (a hypothetical is told in the
///   words of a symptom; worded as a condition since method 61); getting up off the loo, close to a saddle example; a pal thrown off
///   a horse last summer who "did her back in" (trouble that is hers; "she's fine now" is in
///   the next sentence); and "my leg's tingly", which the rules read as "legs" (apostrophes
///   are dropped, so "leg's" and "legs" are one word).
/// - batch 59's fourteen: twelve denials by name, all worded as a condition; "what happens if
///   I ever get bladder problems", worded as a condition; and getting up from the sofa "stiff
///   first thing", close to a leg-weakness example.
/// - batch 60's miss: "the tingling's moved. It's not in my foot anymore, it's around my bum
///   and private area" (a sentence opening "it's" taken as going on with the one before
///   lost two read flags and made a pain "not even slightly touched. It's a 10/10" a denial);
///   its sixteen false alarms: ten denials by name, all worded as a condition; a cousin's
///   car crash and a nan's bowel trouble "years ago" in messages about the writer's own
///   sciatica; a hypothetical "what would it feel like if", worded as a condition; a cyst
///   "years ago", a trip over a scooter and a knee that gave way "on the dance floor" (the
///   tequila), close to a category's examples.
/// - batch 61's miss: a leg that "went floppy over the last few hrs, cant walk properly" (the
///   exception that keeps "can't walk properly" from reading as rapid weakness is close
///   enough to silence the match beside it; it gets leg weakness at the urgent tier); its
///   fourteen false alarms: thirteen denials by name, all worded as a condition, and a
///   shoulder lump that "turned out to be a knot", close to a cancer example.
/// - batch 62's miss: a night-shift nurse whose legs are both numb from the knees down after
///   her shift (the exception for legs tired from a long shift reads numbness too; narrowing
///   it to aches is left for a round that can measure it); its sixteen false alarms: all
///   sixteen denials by name, one direct (an intake form's question "about injecting drugs,
///   no i never have lol").
/// - batches 63 and 64: every flag caught; thirteen false alarms on each, all denials by
///   name, all worded as a condition.
/// - batch 65's two misses: a bottom "cold and far away" after sitting on the toilet, "still
///   like that" (the sitting exception reads it as numbness from sitting, and the group for
///   lasting numbness needs a numb word), and a husband of 58 with his first back pain told
///   in the next sentence; its fifteen false alarms: twelve denials by name, all worded as a
///   condition; a wee needed after a massage, close to a bladder example; and a new mother
///   "weak as anything by the evening" from a baby that doesn't sleep.
/// - batch 66: every flag caught; its nineteen false alarms: twelve denials by name (one
///   direct: toes "a bit numb but nothing in the saddle area", where the together rule
///   spans the denial), a slip off a bus step "not a big fall" (an exception for a fall told
///   as small silenced a ladder fall "not a big fall he says" and was dropped), a numb bum
///   after a meeting "gone once I walked", too far from the match for the exception, socks
///   that are "agony" to put on, and four clauses the semantic layer finds close to a
///   category (a jolt stepping off a kerb, legs "jelly" after leg day, a spin saddle, the loo
///   after coffee).
/// - batch 67: every flag caught; its sixteen false alarms: fourteen denials by name (four
///   worded directly: a pharmacist who "asked if I'd had any change in my bowels and I
///   haven't", a "minor fall" off a bus step, legs "fine for strength", a foot drop read
///   about), and two falls told as small that the semantic layer finds close to the trauma
///   examples (a trip over the dog's lead "onto the grass", a slip on ice that "bruised my
///   ego"): an exception for a fall told as small would also silence a real one.
/// - batch 68's miss: "I've not been able to come" a few days after a back injury, with no
///   word of sex in the message (as often said of a missed appointment); its fourteen false
///   alarms are all denials by name, all but one worded as a condition (the direct one:
///   "Weakness? Not really, the leg works fine", answered inside the match).
/// - batch 69: every flag caught; its thirteen false alarms are all denials by name, two
///   worded directly ("no signs of cauda equina, bladder fine" from an A&E visit, and pins
///   and needles in "only the left foot, nothing going on in the right leg").
/// - batch 70's two misses: "Writing for Jean who is 72. Jean has never had a sore back
///   before.", the age and the first time in two sentences, and numbness "in my left
///   buttock. Actually no, it's more in the middle", corrected in the next sentence (caught
///   since step 78 by the semantic layer); its
///   thirteen false alarms: twelve denials by name and a clause of lifting boxes, "back's
///   sore by the end of the day", that the semantic layer finds close to the trauma examples.
/// - the lay examples added in step 78 (for saddle numbness, sexual dysfunction, age and
///   injecting) add fifteen false alarms over batches 6 to 64, all worded as a condition,
///   and catch two flags more: each batch's limit below counts them. Most are clauses the
///   saddle examples sit close to (one buttock, a cold toilet seat, a tennis ball under the
///   bum), an older person's long-standing back near the age examples, and ordinary clauses
///   near the sexual examples ("bloods all normal", "sciatica came back after I moved the
///   fridge").
/// - batch 71's three misses: two likenesses set up for the reader whose set-up holds the
///   harmless reading ("you know when your bum goes to sleep from sitting too long? Mine's
///   like that but it hasn't woken up since yesterday", and legs in pins and needles "after
///   you sit cross-legged", that "doesn't go off" in both), which the sitting exception still
///   reads, and an intake form's "Age: 58. Previous back pain: none ever.", the age a
///   fragment of its own; its eighteen false alarms: fifteen denials by name (three direct:
///   a form's "Bladder/bowel changes: none", "left leg only, not both", "have you had
///   cancer? I haven't"), a Christmas "fever" in the house, cancer asked about as a side
///   effect, and a pain score "was 6 last week" close to the worsening examples.
/// - batch 72's miss: pain told by what it stopped over three days ("Today I couldn't even
///   get dressed for the pain. Yesterday I managed it, but it took half an hour."), with no
///   word of worsening; its twelve false alarms are all denials by name, one direct ("Both
///   legs are fine, it's only my left hip and buttock that ache").
#[test]
fn held_out_batches_tuned_on_stay_caught() {
    let batches = [
        ("redflags_heldout_tune.jsonl", 0, 0),
        ("redflags_heldout_report.jsonl", 0, 0),
        ("redflags_heldout2.jsonl", 0, 0),
        ("redflags_heldout3.jsonl", 0, 0),
        ("redflags_heldout4.jsonl", 0, 0),
        ("redflags_heldout5.jsonl", 0, 3),
        ("redflags_heldout6.jsonl", 0, 5),
        ("redflags_heldout7.jsonl", 0, 2),
        ("redflags_heldout8.jsonl", 1, 5),
        ("redflags_heldout9.jsonl", 1, 7),
        ("redflags_heldout10.jsonl", 0, 2),
        ("redflags_heldout11.jsonl", 0, 6),
        ("redflags_heldout12.jsonl", 0, 3),
        ("redflags_heldout13.jsonl", 0, 1),
        ("redflags_heldout14.jsonl", 0, 0),
        ("redflags_heldout15.jsonl", 1, 4),
        ("redflags_heldout16.jsonl", 0, 6),
        ("redflags_heldout17.jsonl", 0, 4),
        ("redflags_heldout18.jsonl", 0, 2),
        ("redflags_heldout19.jsonl", 0, 4),
        ("redflags_heldout20.jsonl", 0, 1),
        ("redflags_heldout21.jsonl", 2, 1),
        ("redflags_heldout22.jsonl", 0, 0),
        ("redflags_heldout23.jsonl", 0, 0),
        ("redflags_heldout24.jsonl", 0, 0),
        ("redflags_heldout25.jsonl", 0, 0),
        ("redflags_heldout26.jsonl", 0, 0),
        ("redflags_heldout27.jsonl", 0, 5),
        ("redflags_heldout28.jsonl", 0, 5),
        ("redflags_heldout29.jsonl", 0, 6),
        ("redflags_heldout30.jsonl", 0, 4),
        ("redflags_heldout31.jsonl", 0, 1),
        ("redflags_heldout32.jsonl", 0, 6),
        ("redflags_heldout33.jsonl", 2, 7),
        ("redflags_heldout34.jsonl", 1, 14),
        ("redflags_heldout35.jsonl", 0, 6),
        ("redflags_heldout36.jsonl", 0, 6),
        ("redflags_heldout37.jsonl", 0, 11),
        ("redflags_heldout38.jsonl", 0, 12),
        ("redflags_heldout39.jsonl", 0, 17),
        ("redflags_heldout40.jsonl", 0, 15),
        ("redflags_heldout41.jsonl", 0, 11),
        ("redflags_heldout42.jsonl", 0, 14),
        ("redflags_heldout43.jsonl", 0, 13),
        ("redflags_heldout44.jsonl", 0, 16),
        ("redflags_heldout45.jsonl", 1, 18),
        ("redflags_heldout46.jsonl", 0, 18),
        ("redflags_heldout47.jsonl", 0, 12),
        ("redflags_heldout48.jsonl", 1, 15),
        ("redflags_heldout49.jsonl", 1, 14),
        ("redflags_heldout50.jsonl", 0, 13),
        ("redflags_heldout51.jsonl", 2, 14),
        ("redflags_heldout52.jsonl", 0, 15),
        ("redflags_heldout53.jsonl", 2, 18),
        ("redflags_heldout54.jsonl", 2, 14),
        ("redflags_heldout55.jsonl", 2, 16),
        ("redflags_heldout56.jsonl", 2, 11),
        ("redflags_heldout57.jsonl", 0, 20),
        ("redflags_heldout58.jsonl", 0, 18),
        ("redflags_heldout59.jsonl", 0, 14),
        ("redflags_heldout60.jsonl", 1, 16),
        ("redflags_heldout61.jsonl", 1, 14),
        ("redflags_heldout62.jsonl", 1, 16),
        ("redflags_heldout63.jsonl", 0, 13),
        ("redflags_heldout64.jsonl", 0, 14),
        ("redflags_heldout65.jsonl", 2, 15),
        ("redflags_heldout66.jsonl", 0, 19),
        ("redflags_heldout67.jsonl", 0, 16),
        ("redflags_heldout68.jsonl", 1, 14),
        ("redflags_heldout69.jsonl", 0, 13),
        ("redflags_heldout70.jsonl", 1, 13),
        ("redflags_heldout71.jsonl", 3, 18),
        ("redflags_heldout72.jsonl", 1, 12),
    ];
    // The longest test of the suite, and the model's matrix products keep only about 1.3 of
    // two cores busy on one message at a time: a worker per core, each taking the next batch
    // from a shared counter, keeps 1.75 busy and cuts the wall time by a quarter (138 s to
    // 105 s in release). A failed assertion in a worker fails the test when the scope ends.
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..std::thread::available_parallelism().map_or(1, usize::from) {
            scope.spawn(|| {
                while let Some(&(file, misses, false_alarms)) = batches.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let figures = run(file);
                    assert!(figures.missed <= misses && figures.emergencies_missed <= misses, "{file}: {figures:?}");
                    assert!(figures.false_alarms <= false_alarms, "{file}: {figures:?}");
                }
            });
        }
    });
}

/// Held-out batch 73 is still held out: measured once with the current method (73) and never
/// read (recall 145/150, emergencies 85/88, false alarms 13/90, 2 of them on the 74 ordinary
/// messages that deny no symptom by name). It prints no message, so that a later change cannot
/// quietly lose what the method caught.
#[test]
fn held_out_batch_73_keeps_its_measured_figures_unread() {
    let figures = run_showing("redflags_heldout73.jsonl", false);
    assert!(figures.missed <= 5, "{figures:?}");
    assert!(figures.emergencies_missed <= 3, "{figures:?}");
    assert!(figures.false_alarms <= 13, "{figures:?}");
    assert!(figures.false_alarms_denying_nothing <= 2, "{figures:?}");
}

/// Our own wordings: at least three per category, and ordinary messages that share words
/// with red flags (a face cradle's numbness, a booking "accident", intentional weight loss).
#[test]
fn own_wordings_for_every_category() {
    let figures = run("redflags_own.jsonl");
    assert_eq!(figures.missed, 0);
    assert_eq!(figures.false_alarms, 0);
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
    let emergencies = [
        ("i wet myself this morning", "bladder_dysfunction"),
        ("cant feel my bits when i wipe", "saddle_numbness"),
        ("down below feels like I've had a dental injection", "saddle_numbness"),
        ("crapped myself in the queue at the bank without noticing", "bowel_dysfunction"),
        // An emoji for the word, and control told as a status after it.
        ("\u{1f4a9} control gone since this morning and my back is agony", "bowel_dysfunction"),
        // A fall down the stairs told by where it started and ended.
        (
            "Grandad missed the top step on Sunday and went all the way to the bottom, now his back is sore",
            "major_trauma",
        ),
        // A lost feeling with no subject is of the place named in the sentence before.
        ("My bum has been strange since the weekend. Cannot feel it when I sit in the car", "saddle_numbness"),
        // A leg that went dead under the person twice in a work shift; a job named is no cause.
        ("My leg went dead underneath me on the ward, second time on this shift", "rapid_weakness"),
        ("Since my back went I can't stay hard, no idea why", "sexual_dysfunction"),
        ("My son, a dancer, has shooting pain down both his legs since Saturday", "bilateral_symptoms"),
        // What the back took away, told as a list.
        ("This disc has taken my job, my hobbies and now my erections as well", "sexual_dysfunction"),
        // A day's change told as "yesterday ... today", and hours ago; a climax told as a
        // share of normal; a fall told by where from and onto; another person who soiled
        // themself.
        ("Yesterday just the usual ache, today my right leg is so weak I can barely get off the loo", "rapid_weakness"),
        ("my knee keeps buckling every few steps, started like 4 hrs ago", "rapid_weakness"),
        ("since the back flared, climaxing feels like maybe 20 percent of normal", "sexual_dysfunction"),
        ("He went off the top of the trailer onto concrete on Monday, back's been sore since", "major_trauma"),
        ("Dad pooed himself at the shops yesterday and his back is killing him", "bowel_dysfunction"),
        ("my partner and I tried last night, no response at all", "sexual_dysfunction"),
        ("since lunch she can only just get to the bathroom", "rapid_weakness"),
        ("since this morning she can't cross the kitchen without hanging onto the worktop", "rapid_weakness"),
        ("her leg has been losing its strength fast since lunchtime", "rapid_weakness"),
        ("I only go cos my wife reminds me to try, no urge at all", "bowel_dysfunction"),
        ("can sciatica stop me being able to finish? It's been like that since last week", "sexual_dysfunction"),
        // A sentence without a subject that tells when goes on with the one before it.
        ("my leg gave way. started this afternoon and its worse now", "rapid_weakness"),
        ("the weakness in her left leg has got so much worse since lunch", "rapid_weakness"),
        ("we had a roll over on the dual carriageway on Friday and my back has hurt since", "major_trauma"),
        ("in one afternoon he went from a limp to not being able to put weight on that leg", "rapid_weakness"),
        ("keep feeling like I need to go and then I'm stood there and nothing happens", "bladder_dysfunction"),
        ("my feet tingle, the pair of them, since friday", "bilateral_symptoms"),
        ("It's on both legs since yesterday.", "bilateral_symptoms"),
        ("numb down there", "saddle_numbness"),
        ("had to leg it at the supermarket and didn't make it, first time ever", "bowel_dysfunction"),
        ("my butt cheeks feel like they belong to somebody else since the weekend", "saddle_numbness"),
        ("since Sunday I can hardly pass any when I go to the loo", "bladder_dysfunction"),
        ("I have to strain for ages to pass water now", "bladder_dysfunction"),
        ("I don't even get the urge to wee any more", "bladder_dysfunction"),
        ("sciatica down one leg since March, and now it's going down the other one too", "bilateral_symptoms"),
        ("no idea which foot is worse, they're both tingling", "bilateral_symptoms"),
        ("numb and cold right where you'd sit, since yesterday", "saddle_numbness"),
        ("my bum feels frozen since yesterday", "saddle_numbness"),
        ("my back end has stopped telling me when it's time", "bowel_dysfunction"),
        ("had a few little leaks this week, never had that before", "bladder_dysfunction"),
        ("my knee went from fine to useless in a day", "rapid_weakness"),
        ("down on the bathroom floor, can't get back up, my leg's gone", "rapid_weakness"),
        ("since the flare there's no feeling at all when things get heated with my wife", "sexual_dysfunction"),
        ("couldnt get it up", "sexual_dysfunction"),
        ("Orgasms feel like they have been turned down since the flare.", "sexual_dysfunction"),
        ("his leg isn't working properly since this morning and it's getting worse through the day", "rapid_weakness"),
        (
            "my wife and I tried on Saturday and nothing happened down below, never had that before",
            "sexual_dysfunction",
        ),
        ("problems with my bladdder since tuesday", "bladder_dysfunction"),
        ("bit of incontinance lately", "bladder_dysfunction"),
        ("since my back went a bit of wee comes out whenever I laugh", "bladder_dysfunction"),
        ("stood at the loo ages waiting for something to happen, nothing", "bladder_dysfunction"),
        ("after a long drive my bum went numb and it has stayed numb for two days", "saddle_numbness"),
        ("sat at my desk all day and my bum is still numb the next morning", "saddle_numbness"),
        ("my bum went numb on the flight and it never wore off", "saddle_numbness"),
        ("tried with my girlfriend and felt pretty much nothing down there, like it wasn't me", "sexual_dysfunction"),
        ("couldn't come and didn't get any of the feeling I usually get", "sexual_dysfunction"),
        ("the ache in my back goes straight through into my chest", "chest_pain"),
        ("can't wee properly", "bladder_dysfunction"),
        ("can't pee properly", "bladder_dysfunction"),
        ("I can't feel when I need to poo", "bowel_dysfunction"),
        ("I can't feel when I need to poop", "bowel_dysfunction"),
        ("numb all round my bum and groin", "saddle_numbness"),
        ("NUMB  ALL  ROUND my bum... and GROIN!!", "saddle_numbness"),
        ("\u{201c}Can\u{2019}t feel\u{201d} my genitals", "saddle_numbness"),
        ("my gooch has gone numb", "saddle_numbness"),
        ("my bum cheeks feel like they've gone to sleep, like at the dentist", "saddle_numbness"),
        ("no morning wood for a week now, it's just stopped", "sexual_dysfunction"),
        ("pins and needles doon baith legs", "bilateral_symptoms"),
        ("flipped the quad bike on the farm on saturday", "major_trauma"),
        ("legs getting heavier and weaker every hour", "rapid_weakness"),
        ("everything goes numb while we are at it, only since my back went", "sexual_dysfunction"),
        ("since my disc went I seem to not be able to hold in gas at all", "bowel_dysfunction"),
        ("I've lost all sensation in my privates", "saddle_numbness"),
        ("a deaf sort of feeling round my back passage", "saddle_numbness"),
        ("I have to push on my belly to get my pee started", "bladder_dysfunction"),
        ("my knee gave way on the stairs, twice today now", "rapid_weakness"),
        ("over the course of the afternoon my legs went from wobbly to useless", "rapid_weakness"),
        ("my right leg feels like it belongs to someone else and it's worse by the hour", "rapid_weakness"),
        ("my seat has gone completely numb since yesterday", "saddle_numbness"),
        ("dad's sciatica flared and now he keeps messing himself, says he can't hold it", "bowel_dysfunction"),
        ("he keeps going soft halfway through since his back went", "sexual_dysfunction"),
        ("sat on the dunny twenty minutes and only a trickle came", "bladder_dysfunction"),
        ("I'm bursting but I just can't go, it's been hours", "bladder_dysfunction"),
        ("thought it was just wind and it wasn't, didn't feel a thing", "bowel_dysfunction"),
        ("my old fella won't work since the back went", "sexual_dysfunction"),
        ("Numb like I've been riding a horse for hours. Groin and bum.", "saddle_numbness"),
        ("he soiled the bed last night and slept right through it", "bowel_dysfunction"),
        ("she has messed herself twice today with no warning", "bowel_dysfunction"),
        ("I can't hold my motions any more", "bowel_dysfunction"),
        ("I stand there straining and it only comes out in a trickle", "bladder_dysfunction"),
        ("went head over heels down the stairs at work on Monday", "major_trauma"),
        ("it was only ever my left, but this morning it's in both", "bilateral_symptoms"),
        ("I fell from the hayloft last night and landed on my back", "major_trauma"),
        ("tripped at the top of the stairs and went all the way down, back's in bits", "major_trauma"),
        ("is ED a thing with a slipped disc? it's all stopped working", "sexual_dysfunction"),
        ("gone numb down under, is that the nerve?", "saddle_numbness"),
        ("been soiling a bit since the weekend", "bowel_dysfunction"),
        ("my back passage feels like it won't shut properly", "bowel_dysfunction"),
        ("weaker every time I try to stand", "rapid_weakness"),
        ("an hour ago I was fine, now I can barely make it to the loo", "rapid_weakness"),
        ("my groin feels muffled, like it's wrapped in cotton wool", "saddle_numbness"),
        ("I've got no control at the back end since the flare", "bowel_dysfunction"),
        ("two little wee accidents at work this week", "bladder_dysfunction"),
        ("my bladder feels distant, like it isn't part of me", "bladder_dysfunction"),
        ("both legs now, since Saturday", "bilateral_symptoms"),
        ("it's in both now. Left and right, all the way down.", "bilateral_symptoms"),
        ("I can climax but nothing comes out any more", "sexual_dysfunction"),
        ("I seem to lose the feeling of needing a poo", "bowel_dysfunction"),
        ("cnt feel when i need to pee since yesterday", "bladder_dysfunction"),
        ("my leg was fine until this morning, now it keeps giving way", "rapid_weakness"),
        ("he cannae haud his jobbies in since the back went", "bowel_dysfunction"),
        ("the sciatica is now going down both leg", "bilateral_symptoms"),
        ("can't finish with my wife since my back went", "sexual_dysfunction"),
        ("my pee just comes out without my control now", "bladder_dysfunction"),
        ("had an accident at work today, just didn't make it in time", "bladder_dysfunction"),
        ("I try to go and push and push but nothing, the muscles won't respond", "bowel_dysfunction"),
        ("was only ever the right leg, not just the right any more, the left is burning too", "bilateral_symptoms"),
        ("the pain has gone from one leg to both since the weekend", "bilateral_symptoms"),
        ("his left knee keeps folding under him and it's worse as the day goes on", "rapid_weakness"),
        ("the strength in my right leg is fading away since this morning", "rapid_weakness"),
        ("since the flare my orgasms feel muted, like the sound turned down", "sexual_dysfunction"),
        ("nothing happens in the bedroom at all since my back went", "sexual_dysfunction"),
        ("I can't feel it when my husband touches me, since Tuesday", "sexual_dysfunction"),
        ("a taxi clipped me on my bike and I went over the bonnet, back's sore", "major_trauma"),
        ("got tackled hard at rugby and two players landed on top of me, my back's been sore since", "major_trauma"),
        ("I think I've got urinary retention since the back went", "bladder_dysfunction"),
        ("he went in his pyjamas overnight and didn't wake up", "bowel_dysfunction"),
        ("haven't had a single erection since my back went last week", "sexual_dysfunction"),
        ("problems in the bedroom department since my disc went", "sexual_dysfunction"),
        ("only ever the right leg, but since yesterday the left one does the same", "bilateral_symptoms"),
        ("sudden weakness in my right leg since lunchtime", "rapid_weakness"),
        ("woke up and couldn't put any weight through my left leg", "rapid_weakness"),
        ("feels like an elephant is sitting on my chest", "chest_pain"),
        ("did bench press earlier and now there's a pain in my chest that goes through to my back", "chest_pain"),
        ("I've been going a bit without noticing since Friday", "bowel_dysfunction"),
        ("it's like the signals from my bum have been cut off", "bowel_dysfunction"),
        ("had a mishap this morning and didnae know till after", "bowel_dysfunction"),
        ("I have to strain to get the stream going since yesterday", "bladder_dysfunction"),
        ("the equipment's not responding since my back went", "sexual_dysfunction"),
        ("things have gone very quiet in the bedroom department since the disc went", "sexual_dysfunction"),
        ("always the left, but since lunch I've got it down the right leg as well", "bilateral_symptoms"),
        ("both my calves feel like they're in a vice since this morning", "bilateral_symptoms"),
        ("my leg cannae hold me, I cannae stand on it since this mornin", "rapid_weakness"),
        ("since breakfast my left leg feels less like mine every hour", "rapid_weakness"),
        ("snowboarding crash at the weekend, went into a fence, back's sore now", "major_trauma"),
        ("binned the motorbike on a bend on Sunday and my back's been bad since", "major_trauma"),
        ("my knee has given way twice since breakfast", "rapid_weakness"),
        ("it's going down the back of both legs now", "bilateral_symptoms"),
        ("got frisky with my husband last night and could not feel a thing", "sexual_dysfunction"),
        ("it's in baith my legs since Sunday", "bilateral_symptoms"),
        ("nothing works in that department since the back went", "sexual_dysfunction"),
        ("the old fella's been out of action since I hurt my back", "sexual_dysfunction"),
        ("she's clutching at her chest and says her back is worse", "chest_pain"),
        ("got to the loo too late twice since my back went", "bladder_dysfunction"),
        ("keep going to the toilet but only a few drops come", "bladder_dysfunction"),
        ("it comes out without me knowing, that end I mean", "bowel_dysfunction"),
        ("can't tell when I need a BM since the weekend", "bowel_dysfunction"),
        ("on the loo I can't feel the seat under me", "saddle_numbness"),
        ("my bits don't work since my back went", "sexual_dysfunction"),
        ("no feeling at all during relations with my wife now", "sexual_dysfunction"),
        ("burning down each leg at the same time since Monday", "bilateral_symptoms"),
        ("my knee went from under me twice this afternoon", "rapid_weakness"),
        ("the power in my leg has gone downhill since lunch", "rapid_weakness"),
        ("like a clamp squeezing my ribs front and back", "chest_pain"),
        ("when I pee I feel nothing at all since Sunday", "bladder_dysfunction"),
        ("I've had no urge to go for three days now", "bladder_dysfunction"),
        ("struggling with holding in wind since my back went", "bowel_dysfunction"),
        ("two accidents with my bowels this week", "bowel_dysfunction"),
        ("me and my wife tried last night and I couldn't finish", "sexual_dysfunction"),
        ("no stiffy since the back went, nothing", "sexual_dysfunction"),
        ("my legs are both at once now, they used to take turns", "bilateral_symptoms"),
        ("a tearing pain from my back into my chest", "chest_pain"),
        ("lost the strength in my leg in the space of a day", "rapid_weakness"),
        ("my knee keeps going from under me since the dinner", "rapid_weakness"),
        ("legs gone to jelly since smoko and they can't hold me up", "rapid_weakness"),
        ("he's lost all function in the bedroom department this week", "sexual_dysfunction"),
        ("my leg went from wobbly to useless in about five hours", "rapid_weakness"),
        ("it was the right at first, since Monday the left foot's gone numb too", "bilateral_symptoms"),
        ("now my other leg has the same burning", "bilateral_symptoms"),
        ("between legs where you sit is numb like sleeping", "saddle_numbness"),
        ("drying myself I couldn't really feel the towel between my legs", "saddle_numbness"),
        ("I strain and strain to start on the toilet and can't feel it passing", "bladder_dysfunction"),
        ("by 4 I couldnae even stand on it", "rapid_weakness"),
        ("now I can't take my weight on that leg at all", "rapid_weakness"),
        ("the weakness is spreading up my leg", "rapid_weakness"),
        ("it kept coming after and I could not stop it", "bowel_dysfunction"),
        ("messed meself on the bus and never felt a thing", "bowel_dysfunction"),
        ("caan feel myself go when I poo now", "bowel_dysfunction"),
        ("my legs went to rubber at lunch and they're worse by the hour", "rapid_weakness"),
        ("it got weaker with each step on the way back from the car", "rapid_weakness"),
        ("sciatica in both leg now, not one", "bilateral_symptoms"),
        ("it was just my left leg, now it's both", "bilateral_symptoms"),
        ("sciatica in my legs, see, both of them tingle now", "bilateral_symptoms"),
        ("his manhood isn't rising anymore since the disc thing", "sexual_dysfunction"),
        ("the van rolled twice on the motorway and my back's been bad since", "major_trauma"),
        ("she has difficulty to do pipi since yesterday", "bladder_dysfunction"),
        ("I feel I need to go but once I sit down, nothing", "bladder_dysfunction"),
        ("numb in the bit you sit on since yesterday", "saddle_numbness"),
        ("shooting pains down both legs now, left then right", "bilateral_symptoms"),
        ("thought I was just letting off wind but it wasn't, never felt it", "bowel_dysfunction"),
        ("the burning's started on the left side too, it was always the right", "bilateral_symptoms"),
        ("he has to push and push just to wee now", "bladder_dysfunction"),
        ("can't have a slash properly since yesterday, it won't start", "bladder_dysfunction"),
        ("on the toilet I can't push it out properly any more", "bowel_dysfunction"),
        ("before only my right leg, now also left leg is numb", "bilateral_symptoms"),
        ("zinging down both my calves since the weekend", "bilateral_symptoms"),
        ("by teatime I could barely stand on my left leg", "rapid_weakness"),
        ("since this morning it has become so weak I could not get up off the chair", "rapid_weakness"),
        ("my little man won't cooperate since the back went", "sexual_dysfunction"),
        ("my knee gave out on the stairs this morning and again now", "rapid_weakness"),
        ("skidded along the motorway on my hip and back last night", "major_trauma"),
        ("burning pain down each leg since Sunday", "bilateral_symptoms"),
        ("my undercarriage feels like it's asleep all the time now", "saddle_numbness"),
        ("it's been a whole day without being able to pee", "bladder_dysfunction"),
        ("he hasn't been able to finish in bed since the disc went", "sexual_dysfunction"),
        ("everything down below feels muted since Friday", "saddle_numbness"),
        ("both his legs feel like they're full of concrete since this morning", "bilateral_symptoms"),
        ("I can't tell if I've farted or not since the disc went", "bowel_dysfunction"),
        ("didn't even know I'd gone till I saw my boxers", "bowel_dysfunction"),
        ("he never noticed he'd done it, had to bin his pyjama bottoms", "bowel_dysfunction"),
        ("a bit numb around the rear end since yesterday", "saddle_numbness"),
        ("the muscles back there don't seem to do their job when I'm on the loo", "bowel_dysfunction"),
        ("been in the loo ages trying to wee and nothing is coming", "bladder_dysfunction"),
        ("caught short again, had to bin my knickers", "bowel_dysfunction"),
        ("never felt the need to go all day, my body just forgot to tell me", "bowel_dysfunction"),
        ("realised I'd messed myself at work and it just didn't register", "bowel_dysfunction"),
        ("came off at a roundabout and slid a fair way down the road", "major_trauma"),
        ("couldn't feel the shower on my you know area", "saddle_numbness"),
        ("when he came nothing came out at all, first time ever", "sexual_dysfunction"),
        ("had a dry orgasm last night, never had that before", "sexual_dysfunction"),
        ("sat and pushed for ages and couldn't tell if anything was happening", "bowel_dysfunction"),
        ("my leg went like jelly and I went straight down", "rapid_weakness"),
        ("my right leg was a bit weak yesterday but nothing like this", "rapid_weakness"),
        ("can't take a single step today, my knee keeps collapsing", "rapid_weakness"),
        ("double sciatica I reckon, in both bum cheeks and down both hamstrings", "bilateral_symptoms"),
        ("ED out of nowhere, could it be my back?", "sexual_dysfunction"),
        ("my dad's had a couple of accidents with his bowels since the fall", "bowel_dysfunction"),
        ("he's numb where the underwear touches since the weekend", "saddle_numbness"),
        ("my leg is so weak right now I fell over in the kitchen", "rapid_weakness"),
        ("my left leg isn't doing what I tell it since this morning", "rapid_weakness"),
        ("leg went dead weak over the last few hrs", "rapid_weakness"),
        ("got bucked off a horse on Sunday and my back's been bad since", "major_trauma"),
        ("she feels she needs to go but can't get it started, been to the loo six times", "bladder_dysfunction"),
        ("her sitting area has gone numb this morning", "saddle_numbness"),
        ("same pins and needles starting up in my right foot now", "bilateral_symptoms"),
        ("couldn't get my foot onto the bottom step by teatime", "rapid_weakness"),
        ("my number twos have gone strange and I don't get the urge any more", "bowel_dysfunction"),
        ("since the flare I can't clench my bum at all", "bowel_dysfunction"),
        ("my bowels just empty whenever they feel like it now", "bowel_dysfunction"),
        ("the right leg was fine at breakfast, today it just wouldn't work", "rapid_weakness"),
        ("it was only ever my left leg, now it's both at once", "bilateral_symptoms"),
        ("since the op I get there but nothing comes out", "sexual_dysfunction"),
        ("I was in the back seat when our Fiesta rolled over on the bypass", "major_trauma"),
        ("slipped and went right down the escalator on my backside", "major_trauma"),
        ("in the shower I couldn't feel the hot water on my seat area", "saddle_numbness"),
        ("everything below the belt has gone quiet since the back went on Monday", "sexual_dysfunction"),
        ("my husband messed himself in his sleep last night", "bowel_dysfunction"),
        ("this morning I can't even press the clutch, yesterday I drove fine", "rapid_weakness"),
        ("my knee folded as I got off the bus and I went down", "rapid_weakness"),
        ("leaked walking the dog, no idea it was happening", "bladder_dysfunction"),
        ("this morning my leg felt shaky and now it won't do what I tell it at all", "rapid_weakness"),
        ("today he's gone from walking fine to not being able to stand at all", "rapid_weakness"),
        ("since lunch she can't get to the toilet without me holding her up", "rapid_weakness"),
        ("I passed wind and more than wind came out", "bowel_dysfunction"),
        // "Felt", not only "feels"; a glove between the skin and the world; the part a
        // bike seat would touch; "#2" as the rules read it; the urge "to go" itself lost.
        ("the flannel felt strange between my legs this morning", "saddle_numbness"),
        ("it feels like I'm wearing thick gloves down there", "saddle_numbness"),
        ("the area where a bike seat touches has gone numb since friday", "saddle_numbness"),
        ("lost all control when I do a #2 now", "bowel_dysfunction"),
        ("I never get the urge to go any more, not for days", "bladder_dysfunction"),
        // The change told in the next sentence, opening with when; trying to go and can't,
        // or full and nothing comes; a long wait before it starts; the other side doing "the
        // exact same" thing; a thigh that "switched off".
        (
            "my dad's knee keeps folding under him on the way up to the loo late at night. this morning he was fine",
            "rapid_weakness",
        ),
        ("my husband is in the loo trying to go and can't", "bladder_dysfunction"),
        ("she says she feels full but nothing comes", "bladder_dysfunction"),
        ("I wait ages before the wee starts now", "bladder_dysfunction"),
        ("only ever my right leg, the left one is doing the exact same zappy thing this week", "bilateral_symptoms"),
        ("my thigh just switched off this morning", "rapid_weakness"),
        // A bottom like someone else's, told as a feeling; skid marks not felt; gone "a bit"
        // in the underwear; "pian"; "finsh"; a word before the bike; "now it's both at once".
        ("when I sit on the loo it feels like I'm sitting on someone else's bum", "saddle_numbness"),
        ("found skidmarks I never felt happen", "bowel_dysfunction"),
        ("went a bit in my pants at work today", "bowel_dysfunction"),
        ("chest pian and back pian together since this morning", "chest_pain"),
        ("cant finsh with the wife since my back went", "sexual_dysfunction"),
        ("stacked my road bike on the descent on saturday", "major_trauma"),
        ("it was just the left for months, so now it's both at once", "bilateral_symptoms"),
        // A sentence opening with "since" goes on with the one before it; a backside that no
        // longer keeps things in; "zero" sensation with sex.
        (
            "only ever had it in my left leg. since this morning the right one is doing the same thing",
            "bilateral_symptoms",
        ),
        ("my backside is struggling to keep things in these days", "bowel_dysfunction"),
        ("zero sensation with sex since the back went", "sexual_dysfunction"),
        // Legs that "both feel like"; "they're baith giving me gyp"; stopped to go, and
        // nothing; a bladder on strike; ages at the toilet before anything comes; a back door
        // that won't close; a bottom clenched and nothing happens; "meself"; a dentist's
        // numbing jab; nothing down there responding; a wreck.
        ("my calves both feel like they're full of ants since yesterday", "bilateral_symptoms"),
        ("which foot is worse, honestly they're baith giving me gyp", "bilateral_symptoms"),
        ("went to wee and nothing, tried again an hour later", "bladder_dysfunction"),
        ("my waterworks are on strike since the weekend", "bladder_dysfunction"),
        ("at the toilet I stand there ages before anything comes", "bladder_dysfunction"),
        ("his back door won't close properly since the fall, pants ruined", "bowel_dysfunction"),
        ("I try to clench my bottom and nothing happens", "bowel_dysfunction"),
        ("pooed meself in bed and never woke", "bowel_dysfunction"),
        ("my seat area feels like I've had a dentist's injection", "saddle_numbness"),
        ("down there nothing responds to anything since my back went", "sexual_dysfunction"),
        ("I was in a wreck on the highway on tuesday", "major_trauma"),
        // The bedroom that doesn't work; erections "shut down"; the need-to-go feeling
        // vanished; a bottom that stopped telling; knowing only when it's too late.
        ("stuff in the bedroom doesn't really work for me since the flare", "sexual_dysfunction"),
        ("his erections have shut down since his back went", "sexual_dysfunction"),
        ("the need to go feeling has vanished completely", "bowel_dysfunction"),
        ("my bum just stopped telling me things", "bowel_dysfunction"),
        ("I only realise I needed to go when it's too late", "bowel_dysfunction"),
        // Can't finish and nothing comes; soiled "yourself", as someone else says it.
        ("since the flare I can't finish, nothing comes", "sexual_dysfunction"),
        ("the carer told him you've soiled yourself again and he had no idea", "bowel_dysfunction"),
        // A likeness set up in one sentence and claimed in the next; a fall while carrying
        // someone, the writer's own with the subject left unsaid.
        ("You know the feeling when you're bursting for a wee? I just don't get that any more.", "bladder_dysfunction"),
        ("You know when you need a number two? Haven't had that feeling in three days.", "bowel_dysfunction"),
        ("Tripped carrying my toddler and went down the whole flight of stairs, landed on my back.", "major_trauma"),
        // Weakness called progressive, or timed by minutes or by the clock; a chest in a vice;
        // pain that crossed over to the other leg; feeling dimmed below the belt.
        ("I've had progressive weakness in my left leg over the weekend.", "rapid_weakness"),
        ("My leg gave way ten minutes ago.", "rapid_weakness"),
        ("Since 09:15 my right leg has been weak and wobbly.", "rapid_weakness"),
        ("It's like my chest is in a vice.", "chest_pain"),
        ("The burning has crossed over to my right leg as well now.", "bilateral_symptoms"),
        ("It's like someone dimmed everything below the belt.", "saddle_numbness"),
    ];
    let urgent = [
        ("on a scale of one to ten it's about a 15 today", "severe_worsening_pain"),
        // A child's age told first and the pain after; getting up as an event; an idiom for
        // no effort.
        ("My grandson's 9 and since the summer holidays he's had an ache low in his back", "age_onset"),
        ("Over the last few weeks standing up from the sofa has turned into a whole palaver", "leg_weakness"),
        ("I've dropped 5 kilos since August without lifting a finger", "weight_loss"),
        ("The left leg keeps going dead under me on the stairs", "leg_weakness"),
        // Injecting admitted with two small words before it; clothes named by the garment.
        ("he does also inject and he's not proud of it, his back is bad", "iv_drug_use"),
        ("Dad's trousers are hanging off him lately and nobody knows why", "weight_loss"),
        ("My daughter, a dancer, says her legs have gone weak over the last few weeks", "leg_weakness"),
        // An age beside a job at the start; the weight that dropped off, told as "it"; pain
        // "terrible" once lying down.
        ("Gardener, 61, never had a bad back in my life, now this", "age_onset"),
        ("Now it's all dropped off without me even trying, and my back has been aching", "weight_loss"),
        ("it's okay when I'm walking about but terrible once I lie down", "night_pain"),
        ("the strongest stuff over the counter does sweet FA", "severe_worsening_pain"),
        ("got to 61 without one single niggle in my back, now this", "age_onset"),
        ("mentioning the old injecting days in case it matters for my back", "iv_drug_use"),
        ("he injects, to be honest, that's why I'm worried about his back", "iv_drug_use"),
        ("I'm 58, never even a niggle in my back until this", "age_onset"),
        ("dropped 6 kg since the summer without meaning to", "weight_loss"),
        // A one-legged test failed, despite the gym exception's "squat".
        ("since the flare-up I can't do a single leg squat on the left, easy on the right", "leg_weakness"),
        // Screaming pain that goes on for days, not a leg that "was screaming" after a film.
        ("my back has been screaming with it all week", "severe_worsening_pain"),
        ("his toes won't pull up any more", "foot_drop"),
        ("she's in recovery from injecting and now her back is bad", "iv_drug_use"),
        ("my thongs keep slipping off my right foot now", "foot_drop"),
        ("been banging gear again and now my back is killing me", "iv_drug_use"),
        ("the tramadol is doing bugger all for this pain", "severe_worsening_pain"),
        ("the lad's 15 and keeps getting back ache", "age_onset"),
        ("10/10 pain and nothings helping", "severe_worsening_pain"),
        ("I have to lead with my good leg on the stairs now", "leg_weakness"),
        ("awake all night again, couldn't get comfy in any position", "night_pain"),
        ("lost a stone since summer, not on purpose", "weight_loss"),
        ("on the max dose of Nurofen and it keeps ramping up", "severe_worsening_pain"),
        ("I'm 14 and my back and leg hurt, never had it before", "age_onset"),
        ("it's worse as soon as I go to bed and grinds on till morning", "night_pain"),
        ("a month ago I did twenty calf raises, now I can't do a single calf raise on that side", "leg_weakness"),
        ("I take tablets every day since my kidney transplant", "immunosuppression"),
        // A friend "of mine" who shoots up; up on the toes; the worst pain a person has had; a
        // new knot on the spine, where the muscle's knot is never.
        ("a mate of mine shoots up most weekends and asked me to ask about his back", "iv_drug_use"),
        ("I can't push up on my toes on the left any more", "leg_weakness"),
        ("the pain in my hip is the worst I've ever had", "severe_worsening_pain"),
        ("there's a new knot on my spine that feels hard as bone", "back_lump_deformity"),
        ("the pain never lets up, day or night", "night_pain"),
        ("took naproxen and paracetamol and it hasn't touched it", "severe_worsening_pain"),
        ("a bone low in my back sticks out more than it did", "back_lump_deformity"),
        ("my belt's gone two notches tighter and I haven't been dieting", "weight_loss"),
        ("the pain has ramped up daily since it started", "severe_worsening_pain"),
        ("getting out of a chair is a proper job now, my leg hasn't got the push", "leg_weakness"),
        ("my foot's started slapping on the pavement", "foot_drop"),
        ("the pain increases every day and the medicine is not helping", "severe_worsening_pain"),
        ("ex IVDU, clean for years, now sciatica", "iv_drug_use"),
        ("he's been injecting crack again and now his back is agony", "iv_drug_use"),
        ("the second my head hits the pillow it aches and nothing shifts it", "night_pain"),
        ("there's a hard thing next to my spine like a small ball", "back_lump_deformity"),
        ("the ache ramps up once I'm in bed and nothing settles it", "night_pain"),
        ("my leg is every day more sore and the tablets from the chemist have no effect", "severe_worsening_pain"),
        ("my knee keeps giein way on the stairs these last weeks", "leg_weakness"),
        ("calf raises on the right are fine but on the left I can't even do one now", "leg_weakness"),
        ("never a niggle in 68 years and now sciatica", "age_onset"),
        ("breast ca 2019, now back pain that won't settle", "cancer_history"),
        ("my weight has dropped by 5 kg and I haven't been dieting", "weight_loss"),
        ("it's worse in my bed than anywhere and I cannae get comfy", "night_pain"),
        ("my sciatica has got steadily worse these three weeks", "severe_worsening_pain"),
        ("I use IV, will that matter for a massage?", "iv_drug_use"),
        ("temp 38.9 and my back is worse", "fever_infection"),
        ("the codeine does absolutely nothing for it", "severe_worsening_pain"),
        ("as soon as I lie down it ramps right up", "night_pain"),
        ("in bed turning over does nothing, it just aches", "night_pain"),
        ("going uphill my left leg runs out of strength", "leg_weakness"),
        ("my sciatica leg is weaker than the other, I noticed it doing lunges", "leg_weakness"),
        ("my left leg just doesn't have the strength it did", "leg_weakness"),
        ("tiptoe on the left side: collapse", "leg_weakness"),
        ("there's a new bump in the middle of my lower back", "back_lump_deformity"),
        ("her back has started hunching over these last months", "back_lump_deformity"),
        ("62 and never had back trouble in my life till now", "age_onset"),
        ("mi a drop weight an mi nah try", "weight_loss"),
        ("the scales say I'm losing weight and I'm eating same as ever", "weight_loss"),
        ("the max dose of co-codamol hasn't shifted it at all", "severe_worsening_pain"),
        ("there's a hard little ball under the skin on my back bone", "back_lump_deformity"),
        ("the naproxen is not even touching it", "severe_worsening_pain"),
        ("at night the pain is most strong and I walk the floor", "night_pain"),
        ("when I lie down it does not stop", "night_pain"),
        ("not eating any different and I've lost half a stone", "weight_loss"),
        ("lying down ramps the ache right up so I sleep sitting in the recliner", "night_pain"),
        ("61 y.o. and first time I've ever had back pain", "age_onset"),
        ("my oncology nurse says a gentle massage is fine now", "cancer_history"),
        ("I thought it was a pulled muscle but it turned out to be cancer", "cancer_history"),
        ("68, first ever bout of back pain, is that normal?", "age_onset"),
        ("at night it's relentless and no amount of rest helps", "night_pain"),
        ("the ache wakes me every single night at four", "night_pain"),
        ("standing up from the sofa has become a real mission, my leg just doesn't have the oomph", "leg_weakness"),
        ("there's a hump near my shoulder blades that wasn't there before", "back_lump_deformity"),
        ("my belt's gone in three notches and I'm eating the same", "weight_loss"),
        ("our 13 year old son keeps getting back ache, no injury", "age_onset"),
        ("dad's back has gone more stooped these last months", "back_lump_deformity"),
        ("paracetamol and naproxen and it still doesn't even touch the pain", "severe_worsening_pain"),
        ("I've lost 4kg this month and I'm eating pretty much the same as always", "weight_loss"),
        ("when I go to bed I can't find one position that works, it just throbs", "night_pain"),
        ("my leg hurts more when I lie down on my left side", "night_pain"),
        ("the pain never switches off, day or night", "night_pain"),
        ("In the night the pain is so bad I cannot lie in bed, I have to get up and walk around.", "night_pain"),
        (
            "I've been told I have thinning bones and now my back is really sore after a small fall.",
            "osteoporosis_steroids",
        ),
        ("the codeine isn't even taking the edge off", "severe_worsening_pain"),
        ("the ache doesn't settle even when I lie down", "night_pain"),
        ("my knee feels like it's about to give out on me", "leg_weakness"),
        ("my grandad's 81 and never had it before, now his back is killing him", "age_onset"),
        ("my posture has gone all stooped this month", "back_lump_deformity"),
        ("each week it's worse than the week before", "severe_worsening_pain"),
        ("the worst pain I've ever known, worse than childbirth", "severe_worsening_pain"),
        ("never had back trouble in all my 68 years, now sciatica out of nowhere", "age_onset"),
        // A relative's age in brackets; sciatica begun told as leg or hip pain.
        ("my grandad (81) has started getting leg pain, he's never had any problems", "age_onset"),
        ("my dad 72 started with hip pain last month", "age_onset"),
        // Pain that makes a person sick; nothing they take helps.
        ("pain got so bad last night I actually threw up", "severe_worsening_pain"),
        ("I was sick from the pain twice", "severe_worsening_pain"),
        ("nothing I try works, what else is there", "severe_worsening_pain"),
        ("it keeps ramping up day after day", "severe_worsening_pain"),
        // A leg run out of battery; nothing a doctor prescribed making a difference.
        ("my quads feel like they've run out of battery on the stairs", "leg_weakness"),
        ("nothing the GP prescribed is helping at all", "severe_worsening_pain"),
        // A dress size gone "without doing anything"; "not on diet"; "zero difference" from
        // painkillers; screaming pain.
        ("dropped a dress size without doing anything different", "weight_loss"),
        ("lost 5 kilos and not on diet", "weight_loss"),
        ("took the max dose of naproxen, zero difference", "severe_worsening_pain"),
        ("woke up with screaming pain down my leg", "severe_worsening_pain"),
        ("my mum's 77 and it's the first time she's ever had anything like it", "age_onset"),
    ];
    // A wee that comes out is a leak only when it comes out by itself: "a bit of" it, not "fine".
    assert!(!flagged_by_rules(&triage, "my wee comes out fine, it's only my back", "bladder_dysfunction"));
    // Toilet paper that feels like anything is a symptom only when it feels wrong; a lump
    // that a doctor said was a cyst is harmless however long the telling between them.
    assert!(!flagged_by_rules(&triage, "the toilet paper feels fine when I wipe, just checking", "saddle_numbness"));
    assert!(flagged_by_rules(&triage, "the toilet paper feels weird when I wipe", "saddle_numbness"));
    // Both legs strong is no symptom of both legs.
    assert!(!flagged_by_rules(&triage, "the legs are both strong, only pain in my right calf", "bilateral_symptoms"));
    // Back trouble "since his 20s" is not new at seventy.
    let long_standing = "he's 70 but he's had back trouble since his 20s, no chest pain";
    assert!(!flagged_by_rules(&triage, long_standing, "age_onset"));
    // A likeness set up and claimed as the harmless kind that passes stays quiet: the
    // exception in the set-up still reads the claim.
    let passes = "You know when your bum goes numb on a long drive? Mine does that too, then it's fine once I walk.";
    assert!(!flagged_by_rules(&triage, passes, "saddle_numbness"));
    let cyst = "had a lump on my spine ages ago that the doctor said was just a cyst, all fine";
    assert!(!flagged_by_rules(&triage, cyst, "back_lump_deformity"));
    // Squats at the gym explain weak legs; a squat down to a shelf that a leg no longer
    // manages does not.
    assert!(!flagged_by_rules(&triage, "legs weak after heavy squats yesterday", "leg_weakness"));
    let squat_down = "My left leg has got weaker, I can't squat down to the bottom shelf at work any more.";
    assert!(flagged_by_rules(&triage, squat_down, "leg_weakness"));
    // Standing on tiptoes is a test of one calf, not standing: weak, but not rapid weakness.
    assert!(flagged_by_rules(&triage, "I couldn't stand on my tiptoes on the left for weeks", "leg_weakness"));
    assert!(!flagged_by_rules(&triage, "I couldn't stand on my tiptoes on the left for weeks", "rapid_weakness"));
    for (cases, tier) in [(&emergencies[..], Tier::Emergency), (&urgent[..], Tier::Urgent)] {
        for (message, category) in cases {
            let assessment = triage.assess(message, &[]);
            assert!(
                assessment.flags.iter().any(|f| f.category == *category && f.tier == tier),
                "{message:?} -> {:?}",
                assessment.flags
            );
        }
    }
}

/// The ways people describe red flags that fixed word lists missed, in sentences of our own
/// (not from any labelled set): each is caught at its tier by one layer or the other.
#[test]
fn each_way_of_telling_a_red_flag_is_caught() {
    let cases: [(&str, &[(&str, Tier)]); 6] = [
        (
            "events told instead of functions named",
            &[
                ("the last two nights I woke up soaked and the sheets were wet through", Tier::Emergency),
                ("my mum has had to start wearing pads since her back went", Tier::Emergency),
                ("I sit on the loo and nothing comes even when I push", Tier::Emergency),
                ("didn't make it to the toilet in time twice this week", Tier::Emergency),
                ("found marks in my boxers I never felt happen", Tier::Emergency),
                ("I've woken up wet twice since my back went", Tier::Emergency),
                ("had a poo accident in bed, never happened before", Tier::Emergency),
                ("my backside doesn't seem to clench like it used to", Tier::Emergency),
                ("since the sciatica started he can't finish, it just doesn't happen", Tier::Emergency),
                ("he's on the strongest painkillers going and still cries when he turns over", Tier::Urgent),
                ("I'm stuck on the kitchen floor and can't get up, my leg won't work", Tier::Emergency),
            ],
        ),
        (
            "sensation as metaphor and everyday anatomy",
            &[
                ("it's like sitting on a rubber ring, I can't feel my seat", Tier::Emergency),
                ("feels like my bottom belongs to someone else when I wipe", Tier::Emergency),
                ("it's cold and dead down below", Tier::Emergency),
                ("both my cheeks are numb and have been all day", Tier::Emergency),
                ("haven't been able to do a number two for days and I can't feel the urge", Tier::Emergency),
                ("my foot slaps the pavement when I walk now", Tier::Urgent),
            ],
        ),
        (
            "extra words between",
            &[
                ("I can't really properly stand up any more since this morning", Tier::Emergency),
                ("I've got numbness in both of my legs", Tier::Emergency),
                ("numb in the back of both of my thighs", Tier::Emergency),
            ],
        ),
        (
            "an exception beside a symptom",
            &[
                ("I've lost a stone without trying to lose weight", Tier::Urgent),
                ("not dieting at all but my jeans are falling off me", Tier::Urgent),
            ],
        ),
        (
            "change told as a story",
            &[
                ("it was only ever my left leg, now the right one is going too", Tier::Emergency),
                ("fine this morning but I can't lift my foot tonight", Tier::Emergency),
                ("since about 2pm my right leg has turned into a dead weight", Tier::Emergency),
                ("the pain is getting worse every single day", Tier::Urgent),
                ("since Tuesday my legs keep giving way under me", Tier::Emergency),
                // The time told in a sentence of its own, after the symptom.
                ("my knee keeps buckling. First time was at breakfast, now it's every few steps", Tier::Emergency),
                ("over the past day my right leg has gone weak and wobbly", Tier::Emergency),
                ("the ache is escalating, worse than yesterday", Tier::Urgent),
                ("Dad is 70 and has just started with sciatica", Tier::Urgent),
                ("it's there day and night and no position helps", Tier::Urgent),
                ("her left leg isn't strong enough to get her up the step any more", Tier::Urgent),
            ],
        ),
        (
            "abbreviations and euphemisms",
            &[
                ("been having ED since the sciatica started", Tier::Emergency),
                ("weird tingling down below since yesterday", Tier::Emergency),
                ("my bits feel numb", Tier::Emergency),
                ("waterworks not right since my back went", Tier::Emergency),
                ("having trouble at the other end too, no warning", Tier::Emergency),
            ],
        ),
    ];
    for (pattern, messages) in cases {
        let texts: Vec<&str> = messages.iter().map(|(m, _)| *m).collect();
        for ((message, tier), assessment) in messages.iter().zip(assess_all(&texts)) {
            assert!(
                assessment.tier() >= Some(*tier) && assessment.notice.is_some(),
                "{pattern}: {message:?} -> {:?}",
                assessment.flags
            );
        }
    }
}

/// Idioms, other people's accidents and improvement share words with red flags.
#[test]
fn idioms_other_peoples_accidents_and_improvement_stay_quiet() {
    let messages = [
        "nearly had a heart attack at the price of parking",
        "we were hit by a car in the car park in 2015, all healed now",
        "my car was hit by a van in the car park, nobody hurt, just annoying with my sciatica",
        "my 10 week old is a hefty lump to carry and my back aches",
        "nearly shat myself when my back went on the stairs, just pain though",
        "it's worse when I first lie down but eases as soon as I roll onto my other side",
        "the grandkids were wetting themselves laughing at my stretches",
        "leg day wrecked me, both legs are jelly now, worth it",
        "my feet were both numb from the snow at the match",
        "it was getting worse but now she walks further every day",
        "the puppy wakes me at 5am for a wee, then my back is stiff",
        "had a lump in my throat at my daughter's wedding, then danced all night",
        "a little weakness in my legs after the 5k on Saturday, fine by the next morning",
        "I'm 64 and my sciatica has started again after a quiet winter",
        "cabin fever from resting at home all week",
        "my friend had a car accident last year and swears by massage",
        "it used to wake me at night, now it doesn't",
        "my bum goes numb on long haul flights, fine once I walk about",
        "the baby lies on my bladder 24/7 and I've got sciatica down my right leg",
        "this pain is killing me, do you have a slot on Friday",
        "the therapist's jokes had me nearly wetting myself, booking again",
        "feeling rough after a big night out, can I still come at ten?",
        "tripped on a step and stubbed my toe, nothing else hurt",
        "my grandad was thrown off a horse in the 60s, anyway my back is just stiff",
        "bit of an accident on my end, I booked the wrong day",
        "sciatica down the right leg, a bit better each day",
        "it used to wake me every night but it doesn't anymore",
        "do you offer oncology massage? it's for my friend",
        "my wife has had a weak bladder since the kids were born, she does her pelvic floor exercises",
        "my temperature is normal, just the usual sciatica",
        "I had a five day course of steroid tablets for my asthma last year, does that matter?",
        "both my knees click when I kneel, is that to do with sciatica?",
        "the pain eases when I lie down, is that normal?",
        "could I book 90 minutes for both calves and my back? it's only the left that's bad",
        "had the weirdest fever dream about my massage last night",
        "is a heat pad on my lower back ok between sessions?",
        "my bum went numb on the bleachers, back to normal the moment I stood up",
        "both legs ache after a 12 hour shift on my feet, same as every nurse",
        "transplanted the roses at the weekend and my back knows about it",
        "Mum has osteoporosis, I'm 40 with sciatica, should I worry about my bones?",
        "chest day at the gym yesterday, pecs are sore, sciatica the same as ever",
        "I put most of my weight on my left leg when I stand at the sink",
        "did a 5k parkrun yesterday, both legs sore, classic DOMS",
        "I use a steroid inhaler for hay fever, is that a problem?",
        "my ankle gave way on a trail run three years ago, fully healed now",
        "the kids have a temperature so can we move Friday?",
        "I can't stand the traffic on the way to your clinic",
        "had a bump in the car park, reversed into a bollard, I'm fine",
        "I might need to pop to the loo during the session",
        "numb bum for a bit after I get off the bike, like every cyclist",
        "my son had a fever so I checked mine, mine's normal",
        "fell over at netball and grazed my hands, no harm done",
        "had sciatica in both legs years back, all resolved now, just want a relaxing massage",
        "can you press on each leg at the same time with the stones?",
        "temp was 36.8 this morning, just a cold",
        "I've been pooped all week, the usual sciatica twinge",
        "crashed on the sofa after work and my leg aches as usual",
        "pain wakes me at night but if I roll onto my other side it settles",
        "could you do the backs of both legs? tight from marathon training",
        "had a fever back in the spring, all good now",
        "tingling down my leg when I sit too long, goes away when I walk",
        "had glandular fever as a teenager, is massage ok now?",
        "I work nights so my sciatica is worst on shift, lying down in the day sorts it",
        "I had a cancer scare last year but the biopsy was benign",
        "doing care work I'm bending constantly. Sciatica in the left leg",
        "both legs went to pins and needles on the bleachers, gone as soon as I stood",
        "after the massage my legs were floppy and relaxed for an hour, then fine",
        "the pain's gone from unbearable to just annoying since I started seeing you",
        "drove six hours and my sciatica is screaming now, sitting is the worst",
        "my forearms are weak as anything from climbing all week",
        "the ankles swelled on the flight, sciatica hasn't changed either way",
        "my back feels like it's been hit by a bus after the house move",
        "had flu last year but fine now, it's just the sciatica",
        "it wakes me at night now and then, once I stretch for a minute it settles",
        "my toddler's ear infection had us up all night, can we rebook?",
        "my quads are weak and tight from the summer off, what stretches?",
        "I usually need a wee halfway through a long massage, is that ok?",
        "my little one wet the bed so I might be ten minutes late",
        "I can walk on my heels and toes no problem, it's just my hip",
        "the tingly area on my calf is smaller every week",
        "is dry needling like injections? I'd like to try it for my glute",
        "my nan has had a weak bladder for decades, can she come with me?",
        "codeine has me a bit bunged up, any tips?",
        "numb patch on my left buttock, the usual sciatica side",
        "I'm a Cancer, star sign wise, so I love a hot stone massage",
        "the pads you put under my ankles were lovely, can I buy one?",
        "read that some creams are linked to cancer, are your oils safe?",
        "I've been weak-willed about my stretches this week, legs as usual",
        "hours in the saddle on the weekend ride, numb bum that goes the minute you get off",
        "that session took a weight off my chest, thank you",
        "I've got a shy bladder and can't pee in public toilets, is there a loo in the room?",
        "the tingling in my right calf has gone right down",
        "On my period this week, can I still come? I'll be wearing pads",
        "could driving every day be making my sciatica worse?",
        "I can walk and run fine, it's just an ache down one leg",
        "did the marathon on Sunday, both legs are like jelly",
        "I'm a Cancer so I worry about everything, is tingling after a massage normal?",
        "my flip flops slap on the tiles, sorry for the noise",
        "night time is the easiest part of my day now",
        "my foot went to sleep playing with my son on the floor, that's not sciatica is it",
        "my weak spot is my hamstrings, always have been",
        "can I pee before the massage or is that odd?",
        "the puppy keeps waking me at night, so I'm tired and my back's stiff",
        "had my flu jab today, the injection was in my arm, can I still come?",
        "my sister's an oncology nurse and recommended you, sciatica in my left leg",
        "worried the oil might leave an accident with my good trousers",
        "my mate came off his motorbike ages ago and swears by you, I just have desk sciatica",
        "right side buzzy at the back of the thigh, I've moved the wallet out of my pocket now",
        "lifted a chest freezer and my back's sore, right buttock aching",
        "bit of man flu this week, can I move my sciatica massage to Monday?",
        "I honestly thought sciatica was a kind of cancer until my GP explained it",
        "crashed my car in GTA last night, the sciatica is fine today",
        "heart attack moment when I saw the bill, but the back is better",
        "my hamstrings are tight on both sides from sitting all day",
        "I'm on steroids... the inhaler kind, for asthma. Is massage ok for my back?",
        "walked twelve miles along the coast path on Sunday and both legs are aching",
        "my blood pressure was through the roof at the GP, the back is no worse",
        "had a kidney infection in 2019, just the sciatica now",
        "lost a few pounds with a stomach bug last month, eating fine again",
        "had a lipoma taken off my back last year, can you massage round the scar?",
        "bum went numb on the hard pews at the christening, fine once I walked about",
        "legs like jelly after a night of dancing",
        "my leg was screaming after the long drive but it settled after a walk",
        "the scales say I've put on 4kg since I stopped the gym",
        "it used to wake me every night, now it's only now and then",
        "my sciatica was in both legs while I was pregnant, now just the right",
        "should the heat pad go on both sides or only the sore one?",
        "my son keeps pretending to have a bad back like his dad",
        "my toddler had a wee accident in your waiting room, so sorry",
        "the pain used to wake me up in the night but since the massage it's much better",
        "everyone says sciatica is worse at night, mine's worse at my desk",
        "my hip flexors feel tight all the time on my sciatica leg",
        "the puppy weed herself when I got home, then I did my sciatica stretches",
        "my left calf has always been weaker, ever since the football injury",
        "night time used to be a nightmare, now I sleep fine",
        "it used to keep me up at night, doesn't anymore",
        "my star sign's cancer, which explains the worrying",
        "work this week has been a total car crash",
        "had flu in March with a fever, been completely fine since",
        "heels and toes are fine on both sides, just pain down my left leg",
        "both calves ache after my long runs",
        "I was hobbling on Monday and now I'm back to normal",
        "had a fever back in February, all recovered",
        "can't lift my leg very high in the hamstring stretch",
        "dropped 3 dress sizes since I started running, chuffed about it",
        "I sat through a long meeting then my bum went numb",
        "long drive to Cornwall and now my bum is numb",
        "sat at my desk all day and since then my bum is numb",
        "I don't know why but I fart loads on the massage table, so embarrassing",
        "there's a numb patch in the area above my knee",
        "caught short with no warning on the motorway, had to find a services fast",
        "I can't feel my leg properly when I first get up in the bedroom",
        "the ache is muted since the massage and my groin feels fine",
        "the pain shoots up my back when I bend to tie my laces",
        "a zing shot up my leg when I sneezed",
        "the ache is worse at night if I lie on my left side, fine on my right",
        "twisted my knee at football, nothing to do with the sciatica",
        "one of my old school friends came off her bike last year, she recommended you",
        "my bum went numb after a four hour drive, fine once I got out",
        "my bum still goes numb when I sit too long at work",
        "mum's in the bedroom resting her back",
        "I couldn't come to my massage last week, sorry, no feeling better yet",
        "my cold has gone to my chest and my sciatica is playing up",
        "the stretch goes across my chest nicely",
        "my wife tried the theragun on my back and I felt basically nothing",
        "I couldn't finish the stretches and didn't get the feeling I usually get after yoga",
        "my 8 year old son jumped on my back and now my sciatica is flaring",
        "my back's getting more bent over the desk, need a better chair",
        "I'm eating the same as before and my back still hurts",
        "I can't find any position on the massage table that's comfortable for my neck",
        "honestly my brain never switches off at night, so I sleep badly, sciatica's fine",
        "can the sciatica stop you from finishing the race?",
        "it stops me finishing. I have to stop halfway through the walk",
        "I only go when the physio reminds me to stretch",
        "I'm a carer for my dad who is incontinent and lifting him hurts my back",
        "I wear compression socks on both legs for flights",
        "I sleep on both sides to ease it",
        "carrying my son around makes my sciatica worse",
        "I look after my son, my sciatica flares when I lift him",
        "my bum was numb for the whole flight, is that normal?",
        "I had a fall at work last year. Started physio today.",
        "I'm eating the same breakfast every day and my weight is stable",
        "my leg is worse in bed after a long shift, then it's fine by morning",
        "number of sessions you'd recommend for a sore bum?",
        "the pain went straight down my leg after sitting all day",
        "a hot bath takes the edge off",
        "it used to wake me every night but now I'm sleeping right through",
        "sciatica is on the left and my right knee aches from favouring the good side",
        "my knee collapsed into a squat at the gym and I went straight down, all good though",
        "when he came home nothing was ready, so we got a takeaway",
        "I pushed hard on the last set and couldn't tell if anything was happening with my form",
        "Ed from work said massage helps, is he right?",
        "I foam roll both hamstrings after the gym, good for sciatica?",
        "massage on both bum cheeks please, the left is worse",
        "can you massage where the underwear sits? the glutes are so tight",
        "my legs were so weak after the marathon I fell asleep on the sofa",
        "Can't wee in front of people at the gym, always been that way",
        "the scan showed a mild bulge at L5",
        "feel like I'm ancient getting out of bed",
        "booked for friday for my hip",
        "the dog won't do what I tell it and my leg is sore from chasing him",
        "I had no idea until today that massage helps, my legs feel weak after the gym though",
        "the car won't start, can't get it started and I need to go to work",
        "the same ache in my right leg every morning, as always",
        "bum went numb sitting on those hard benches at the gala, fine once I stood up",
        "my sitting area goes numb after a long drive but it's fine once I walk",
        "the TENS machine for my leg wouldn't work today, is it broken?",
        "my diary is empty this week so I can come any time",
        "I can't clench my fist properly since the wrist fracture",
        "I hit the sack early and slept fine, my leg is much better",
        "I rolled over in bed and a shooting pain went down my leg",
        "the escalator at the station is broken so I took the stairs and my leg ached",
        "the roof leaked again today, what a week, my back is sore",
        "the seat area of my car is too hard and my sciatica hates it",
        "I couldn't press the clutch properly because of the pain, clutch control is awful today",
        "both feet go numb when the cat sleeps on them, fine as soon as I wriggle",
        "it won't do what I tell it, the new massage gun, any tips?",
        "the baby won't settle at night and nothing settles her, my back aches from rocking",
        "passed wind in yoga and nearly died of embarrassment, does sciatica cause gas?",
        "My partner says my snoring is worse at night since the flare up.",
        "bone density results came back great, still got sciatica in the left leg",
        "My son (22) has sciatica from the gym, can he book in?",
        "lost weight deliberately this year, 8kg, sciatica better",
        "I have to get up at night for a wee, sciatica is fine",
        "had to run for the train and didn't make it, can I come at 3 instead?",
        "my flask leaked all over my trousers on the bus, what a morning",
        "I can walk fine, it's a dull ache at the back of my knee",
        "the puppy yanked me over on our walk, landed on my knees, back is fine",
        "Dropped a weight on my foot at the gym, my big toe is bruised.",
        "I've been rubbish at drinking enough water, is that why I'm stiff?",
        "stood at a gig for 2 hours and my legs ached after",
        "a bag of frozen peas on my bum last night helped a bit",
        "got the shivers after my cold water swim, back feels great",
        "had the chills last week, all better now, can I book?",
        "I've had a weak bladder since having my kids, is pelvic massage a thing?",
        "the weakness in my calf settled months ago, just want a maintenance massage",
        "our roof had a few little leaks since the storm, so the flat is damp",
        "had a kidney stone once, worst pain ever, this sciatica is nothing next to it",
        "my hip was screaming by the end of the long drive, is that normal with sciatica?",
        "I need to go to the gym but nothing happens with my motivation lol",
        // A crash when "we were kids", a fall at twelve; the weather unbearable, a biscuit tin
        // no one can walk past; a question about the form; the urge to go somewhere, a wait
        // for a bus (the new rules for a lost urge and a slow start stay within bounds).
        "we were in a bad car crash when we were kids, this sciatica is from my desk",
        "fell off the garage roof aged 12, sciatica now from my desk job",
        "this weather is unbearable, my back hates the damp",
        "can't walk past the biscuit tin without a nibble lol",
        "why does your questionnaire ask about cancer?",
        "I had a sudden urge to go to the gym",
        "I wait ages for the bus in the rain",
        "my husband's snoring keeps me up at night more than my sciatica does",
        "I'm hopeless and weak at stretching, can barely reach my knees",
        "Bowels regular as clockwork, it's only the leg that's grumbling",
        "codeine has bunged me up a bit, still going just not as often",
        "the strong painkillers have bunged me up, is that normal with painkillers?",
        "A colleague of mine fell off a ladder on Friday, is massage good for stiff shoulders?",
        "I was told I had a curved spine when I was a child, now my sciatica's playing up after gardening",
        "Does everyone need a pee straight after a massage or is it just me?",
        "I'm 68, my back comes and goes and I've learned to live with it, can I book?",
        "I've got arthritis in both knees and a bit of sciatica on the left, is massage ok?",
        "I'm a typical Cancer so I overthink everything, is this twinge normal?",
        "as a Cancer I'm a worrier, is it normal for sciatica to come and go?",
        "Massage was fab, both legs feel lighter, thank you",
    ];
    assert_quiet(&messages);
}

/// Someone else's accident, fever or cancer is no red flag of the writer's when the message
/// speaks of no back or leg trouble that may be theirs (denied trouble, or the writer's own,
/// is none); with such trouble anywhere in it, or with the writer in the same event, it is.
#[test]
fn someone_elses_illness_is_quiet_unless_the_message_speaks_of_back_trouble() {
    let triage = rules();
    let categories = |message: &str| -> Vec<String> {
        triage.assess(message, &[]).flags.into_iter().map(|f| f.category).collect::<Vec<_>>()
    };
    for message in [
        "my cousin had a motorbike crash, so I can't make Friday",
        "our cat has cancer, I might be late on Tuesday",
        "my daughter's got a fever so can we move the booking",
        "Running late, my flatmate has the flu and I'm making her soup",
        "my granddad had cancer years ago, just for the family history part of the form",
        // Trouble denied is none.
        "my aunt has osteoporosis and isn't in any pain, can she book a gentle massage?",
        "do you treat people who have had cancer? asking for my mum, she has no back problems",
        // The trouble told is the writer's own.
        "my nan is having cancer treatment, and lifting her has made my back sore",
        "cancel my 2pm please, my son has a fever",
        "my neighbour fell off a roof in the spring. Mine's just the usual sciatica from the desk",
        // A sentence that names no one goes on about the one named last: the writer.
        "My dad was in a car crash on Monday, he's OK, but the worry has set my sciatica off. Same place as always, left buttock down to the knee.",
        "Mum survived breast cancer and wants to book a relaxing session.",
        // A broken wrist is no back or leg trouble.
        "my friend fell off a ladder and fractured her wrist, so my leg pain will have to wait",
        // Someone who asked in the server is someone else.
        "someone asked about cancer and massage in here last week, my own sciatica is just the usual",
        // An ex is someone else too.
        "my ex crashed my car, so I'll be on the bus and a bit late",
        // The writer is the subject of the cancelling, not of the clause that names the child.
        "I have to cancel Thursday as my little boy has a fever",
    ] {
        assert!(categories(message).is_empty(), "{message:?} -> {:?}", categories(message));
    }
    for (message, category) in [
        ("my cousin had a motorbike crash and now his back is agony", "major_trauma"),
        ("my daughter has a fever. She says her lower back hurts", "fever_infection"),
        ("my dad had cancer years ago and now has sciatica out of nowhere", "cancer_history"),
        ("my sister and I were in a car crash on Sunday, can we book?", "major_trauma"),
        ("I had a car crash, my sister drove me here", "major_trauma"),
        // A sentence that names no one after the other person's: it may be theirs.
        ("My dad was in a car crash on Monday. Hip and back are really bad since.", "major_trauma"),
        ("my aunt has osteoporosis and her hip has been hurting", "osteoporosis_steroids"),
        ("my ex was in a car crash on Sunday and now her back is agony", "major_trauma"),
        ("my husband fell off a ladder and I think he hurt his back", "major_trauma"),
        ("was helping my brother with his shed, lost my footing and fell off the ladder", "major_trauma"),
        // The writer as the subject before the other person is named.
        ("I was helping my dad with his roof and fell off the ladder", "major_trauma"),
        // ... in the person's own clause.
        ("I slipped as I was carrying my son and fell down the stairs", "major_trauma"),
        // Still the writer's: a stubbed toe is harmless, toes that keep catching are not.
        ("I keep stubbing my toes on the kerb, my foot won't lift", "foot_drop"),
        // A "not" told before an "and" denies nothing after it.
        ("my uncle has lost a stone and he isn't trying to, and his back has been bad for weeks", "weight_loss"),
    ] {
        assert!(categories(message).iter().any(|c| c == category), "{message:?} -> {:?}", categories(message));
    }
}

/// Words apart, in either order, within one sentence: but not across sentences, and not
/// with the parts further apart than the rules allow.
#[test]
fn together_rules_need_one_sentence_and_a_short_distance() {
    let triage = rules();
    let flagged = |message: &str| flagged_by_rules(&triage, message, "weight_loss");
    assert!(flagged("lost a stone and honestly I have not been trying"));
    assert!(flagged("not even trying, yet the weight keeps going"));
    assert!(!flagged("I lost my keys on the bus. Not even trying to find them"));
    assert!(!flagged(&format!("lost weight {} and not trying", "then some other words go here ".repeat(4))));
    // Each concept's match is the one that keeps the span shortest, not the one starting
    // nearest: here the nearer "never had..." would stretch the span past 15 words.
    let age = |message: &str| flagged_by_rules(&triage, message, "age_onset");
    assert!(age("always been the fit one at work, 61 this year, swim twice weekly, never had so much as a twinge in my back till now"));
}

/// An exception cancels the harmless reading of the same words only: denied, or in another
/// sentence, it silences nothing.
#[test]
fn exceptions_never_silence_a_symptom_stated_beside_them() {
    let triage = rules();
    let weight = |message: &str| flagged_by_rules(&triage, message, "weight_loss");
    assert!(!weight("lost 5 kilos since I started a diet, not trying to brag"));
    assert!(weight("lost 5 kilos without trying to lose weight"));
    assert!(weight("I'm not on a diet and have lost weight without trying"));
    let saddle = |message: &str| flagged_by_rules(&triage, message, "saddle_numbness");
    assert!(!saddle("my bum goes numb after sitting all day"));
    assert!(saddle("I sat all day at my desk. Now my bum is numb and stays numb"));
    assert!(saddle("my bum has been numb all day"));
    let flags =
        |message: &str| -> Vec<String> { triage.assess(message, &[]).flags.into_iter().map(|f| f.category).collect() };
    let caught = |message: &str, category: &str| flagged_by_rules(&triage, message, category);
    // "the other leg is fine" is harmless; "my back is fine" beside both legs is not.
    assert!(flags("my right leg hurts and the left one is fine").is_empty());
    assert_eq!(flags("both legs are tingling but my back is fine"), ["bilateral_symptoms"]);
    // Feet numb from a cat asleep on them pass with a wriggle; numb feet that do not are a flag.
    assert!(caught("both feet numb since this morning and it doesn't go when I wriggle", "bilateral_symptoms"));
    // A cancer charity is harmless; cancer treated is not, whatever preposition comes before.
    assert!(flags("I'm doing a 10k for cancer research in May").is_empty());
    assert_eq!(flags("I had chemo for cancer of the lung in 2018"), ["cancer_history"]);
    // Sweat explains waking drenched (a night-sweat flag, not the bladder's); a wet bed beside it is not.
    assert!(!caught("woke up drenched in sweat again last night", "bladder_dysfunction"));
    assert!(caught("woke up drenched in sweat again last night", "fever_infection"));
    assert!(caught("woke up soaked in sweat and I had wet the bed as well", "bladder_dysfunction"));
    // A finish that "just doesn't happen" is a sign said right after it, not after a workout.
    assert!(!caught("I can't finish a workout at the gym, it just doesn't happen", "sexual_dysfunction"));
    // The strongest painkillers leaving someone in agony are a sign; prescription ones and an ache are not.
    assert!(!caught("I'm on prescription painkillers and it still hurts a bit", "severe_worsening_pain"));
    // A spilled drink explains wet clothes, not wetting oneself beside it.
    assert!(flags("my flask leaked all over my trousers on the bus").is_empty());
    assert!(caught("my coffee spilled and I wet myself without feeling it", "bladder_dysfunction"));
    // Pain that eases when moving is mechanical; "worse at night and goes down my leg" is not.
    assert!(flags("it's worse at night but it eases when I get up").is_empty());
    assert_eq!(flags("it's worse at night and goes down my leg"), ["night_pain"]);
    // A fever long over is history; a fever now, beside the same words, is not.
    assert!(flags("had a fever years ago, totally over it").is_empty());
    assert!(caught("fever and chills since last night and my back is agony", "fever_infection"));
    // A lump found benign is harmless; a new lump beside an old benign one is not.
    assert!(flags("the lump on my back turned out to be just a cyst").is_empty());
    assert_eq!(flags("I had a benign tumour removed and now there's a new lump on my back"), ["back_lump_deformity"]);
    // Good bone density is harmless; a later scan's thinning bones after a "but" are not.
    assert!(flags("my bone density is great, just sciatica").is_empty());
    assert_eq!(
        flags("my bone density was fine in 2019 but this year they found thinning bones"),
        ["osteoporosis_steroids"]
    );
    // Snoring worse at night is no pain; the pain worse at night beside it is.
    assert!(caught("my snoring is awful and the pain is worse at night, every night", "night_pain"));
    // Heels and toes fine is harmless; a "but" after it sets a dropped foot apart.
    assert!(flags("I can walk on my heels and tiptoes fine, the physio checked").is_empty());
    assert_eq!(
        flags("I can walk on my heels and toes fine but my foot has started slapping the ground"),
        ["foot_drop"]
    );
    // Night waking that used to come and has eased is harmless; that used to come and got
    // worse, or nights that used to be fine, are not.
    let night = |message: &str| flags(message).contains(&"night_pain".to_owned());
    assert!(!night("it used to wake me in the night but since the stretches it's mostly fine"));
    assert!(night("it used to wake me once a week but now it wakes me every night and it's constant"));
    assert!(night("nights used to be fine, it doesn't anymore, the pain is constant at night"));
    assert!(!night("the pain used to wake me at night, it doesn't bother me anymore"));
    // Ache that "doesn't let up anymore" is no easing, whatever "used to" came before it.
    assert!(night("it used to ache at night but it doesn't let up anymore, the pain wakes me every night now"));
    // A fever over and done with is history; "fine since the fever" and feeling hot again is not.
    assert!(flags("had flu in March with a fever, been completely fine since").is_empty());
    assert!(caught(
        "been totally fine since the fever on Monday but now my back is agony and I feel hot again",
        "fever_infection"
    ));
    // Someone old still active is no first bout; the writer's own first bout at 72 is.
    assert_eq!(
        flags("I'm 72 and was still gardening with no back problems until this month when the sciatica started"),
        ["age_onset"]
    );
    // Each message below has a harmless reading and a symptom told beside it: the symptom
    // is caught.
    for (message, category) in [
        // A harmless reading before a turn to a day ("and yesterday", "and since this morning")
        // leaves what comes after it alone, and none silences a symptom told after "and now".
        ("I was in a car crash last year and yesterday I came off my motorbike on the motorway", "major_trauma"),
        ("can't walk in heels anymore, and since this morning my legs keep giving way", "rapid_weakness"),
        ("when I was 19 I had sepsis, and now I have a fever and my back is killing me", "fever_infection"),
        ("my leg was weak for a second then it gave way completely and now I can't lift it", "rapid_weakness"),
        (
            "had the flu back in march, all recovered, but since yesterday I've got a fever and shivers again",
            "fever_infection",
        ),
        ("dropped 3 stone without trying, not chuffed at all", "weight_loss"),
        // Shivers after cold water are the cold; a temperature beside them is not.
        ("shivering after a cold shower and my temperature is 39", "fever_infection"),
        // Numbness from sitting passes; told as lasting beside the sitting, it is no such numbness.
        ("after a long drive my bum has been numb ever since", "saddle_numbness"),
        ("long drive yesterday and my bum is still numb", "saddle_numbness"),
        // Pain that shoots up the back is no injecting; injecting told beside it still is.
        ("I shoot up most days, and the pain shoots up my back", "iv_drug_use"),
        // A twisted ankle is no twisted spine; a spine gone twisted beside it is.
        ("twisted my ankle, and my spine has gone twisted and lopsided since Monday", "back_lump_deformity"),
        // Caring for someone incontinent is no sign; wetting oneself beside it is. A bottom numb on
        // the flight is sitting; told as lasting, it is not.
        ("I care for my nan who's incontinent, and since Monday I've wet myself twice too", "bladder_dysfunction"),
        ("my bum went numb on the flight and it's stayed numb for two days", "saddle_numbness"),
        ("my weight is stable but I've lost a stone since the summer without trying, eating the same", "weight_loss"),
        // The other hip sore from limping is no second side; the other leg tingling is, whatever
        // the writer thinks caused it.
        ("sciatica on the left, and now the right leg is tingling too from overcompensating", "bilateral_symptoms"),
        // A bladder shy in front of people is no sign; not weeing at all, alone, beside it is.
        ("can't wee in front of anyone, and since yesterday I can't wee at all even alone", "bladder_dysfunction"),
        // A bottom numb on hard benches is sitting; still numb two days later, it is not.
        ("my bum went numb sitting on the benches and it's still numb two days later", "saddle_numbness"),
        // A bump in a car park is no trauma; a person knocked down by a vehicle there is.
        ("my son got knocked down by a van in the supermarket car park and his back is killing him", "major_trauma"),
        // Not walking far is ordinary sciatica; no more than a couple of steps since this morning is not.
        ("since this morning she can't walk more than a couple of steps without her leg buckling", "rapid_weakness"),
        // A leg always a little weaker is no change; giving way since this morning beside it is.
        ("my left leg has always been a bit weaker, but since this morning it keeps giving way", "rapid_weakness"),
    ] {
        assert!(caught(message, category), "{message:?} should flag {category}");
    }
}

/// A context said anywhere in the message (`message_exceptions`) explains pads, in another
/// sentence too; denied, it explains nothing, and it never silences the group's other rules
/// or another group of the category.
#[test]
fn a_period_anywhere_in_the_message_explains_pads_and_nothing_else() {
    let triage = rules();
    let bladder = |message: &str| flagged_by_rules(&triage, message, "bladder_dysfunction");
    assert!(!bladder("Massage on my period, is that ok? I'll be using pads."));
    assert!(bladder("I've had to start wearing pads since the weekend."));
    assert!(bladder("Not my period or anything. I've had to start wearing pads."));
    assert!(bladder("On my period this week. I've wet myself twice and didn't feel it."));
}

/// A flag only the semantic layer found is a likeness, not a statement: the notice is worded
/// as a condition, and the JSON says which layer found it.
#[test]
fn the_semantic_layer_alone_gives_the_conditional_notice() {
    let message = "it's like sitting on a rubber ring, everything there feels far away";
    assert!(rules().assess(message, &[]).flags.is_empty(), "the rules alone should not see this one");
    let assessment = assess(message);
    let flag = assessment.flags.first().expect("the semantic layer sees it");
    assert_eq!((flag.category.as_str(), flag.tier, flag.layer), ("saddle_numbness", Tier::Emergency, Layer::Semantic));
    let notice = assessment.notice.unwrap();
    assert!(notice.contains("If you notice"), "{notice}");
    let evidence = assessment.evidence.iter().find(|e| e.category == "saddle_numbness").unwrap();
    assert!(evidence.flagged && evidence.margin > 0.0 && !evidence.example.is_empty(), "{evidence:?}");
    let stated = assess("I wet myself and it's like sitting on a rubber ring");
    assert!(stated.notice.unwrap().contains("Please get medical help now"));
}

/// A clause can sit close to a category's examples without a word the category cannot do
/// without (`semantic_needs`): one side named alone is not both legs, a chest that feels
/// lighter is not chest pain, a bus in an idiom is not the bladder.
#[test]
fn the_semantic_layer_needs_the_categorys_words_in_the_clause() {
    let messages = [
        "nah, just the left",
        "is it normal for sciatica to be on one side",
        "does sciatica ever affect only one side",
        "chest feels lighter after you worked on my shoulders",
        "my chest is loads looser now my posture is better",
        "feel like I've been hit by a bus after that session, in a good way",
    ];
    assert_quiet(&messages);
    let spreading = assess("it used to be only my left leg but now the right one burns as well");
    assert!(spreading.flags.iter().any(|f| f.category == "bilateral_symptoms"), "{:?}", spreading.flags);
}

#[test]
fn a_flag_said_in_passing_in_a_long_message_is_caught() {
    let rambling = format!(
        "{} oh and i havent been able to pee properly since monday {}",
        "so my sciatica has been up and down and work is busy and the kids are off school. ".repeat(20),
        "anyway do you have any slots on saturday? ".repeat(10)
    );
    assert_eq!(rules().assess(&rambling, &[]).tier(), Some(Tier::Emergency));
}

#[test]
fn ordinary_sciatica_talk_gets_no_notice() {
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
        let assessment = assess(message);
        assert!(assessment.flags.is_empty() && assessment.notice.is_none(), "{message:?} -> {:?}", assessment.flags);
    }
}

#[test]
fn several_flags_give_one_notice_at_the_most_urgent_tier_listing_each() {
    let assessment = rules().assess("had cancer years ago, now a fever, and since this morning I can't wee", &[]);
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
    let assessment = triage.assess("no bladder problems, just a sore leg", &[]);
    let notice = assessment.notice.expect("safety wins over politeness");
    assert!(notice.contains("If you notice"), "{notice}");
    assert!(notice.contains("\"bladder problems\""), "{notice}");
    let affirmed = triage.assess("I have bladder problems, no fever", &[]).notice.unwrap();
    assert!(affirmed.contains("Please get medical help now"), "{affirmed}");
    // Asked and answered "no" is denied too; answered "yes", it is not.
    let answered = triage.assess("Numb down there? No. Just a sore bum cheek.", &[]).notice.unwrap();
    assert!(answered.contains("If you notice"), "{answered}");
    let confirmed = triage.assess("Numb down there? Yes. Since this morning.", &[]).notice.unwrap();
    assert!(confirmed.contains("Please get medical help now"), "{confirmed}");
    let asked = "my physio asked if I'd had any change in my bowels, which I haven't";
    assert!(triage.assess(asked, &[]).notice.unwrap().contains("If you notice"), "{asked}");
    let none_there = "the nurse asked about any numbness in the saddle area and there isn't, phew";
    assert!(triage.assess(none_there, &[]).notice.unwrap().contains("If you notice"), "{none_there}");
    // A checklist answered inside the match ("bottom not numb") is denied; a symptom told by
    // a negation ("not working", "not strong enough") is stated.
    for checklist in ["the nurse asked: wee fine, bottom not numb, both legs strong", "my leg isn't weak at all"] {
        let assessment = triage.assess(checklist, &[]);
        assert!(assessment.flags.iter().all(|f| f.negated), "{checklist}: {:?}", assessment.flags);
        assert!(assessment.notice.unwrap().contains("If you notice"), "{checklist}");
    }
    for stated in ["my legs are not working since this morning", "her leg just isn't strong enough any more"] {
        let notice = triage.assess(stated, &[]).notice.unwrap();
        assert!(notice.contains("Please"), "{stated}: {notice}");
    }
    // A negation denies only in its own sentence and clause: after a full stop, a "but" or an
    // "and" that starts a new telling, the symptom is stated; "no bladder and bowel problems"
    // is still one denial.
    for stated in [
        "No fever. I wet myself last night without noticing",
        "no fever but I wet myself last night without noticing",
        "no fever and I've lost control of my bladder",
    ] {
        let notice = triage.assess(stated, &[]).notice.unwrap();
        assert!(notice.contains("Please get medical help now"), "{stated}: {notice}");
    }
    let denied = triage.assess("no bladder and bowel problems", &[]);
    assert!(denied.flags.iter().all(|f| f.negated), "{:?}", denied.flags);
    // Denied after the match ("... and I haven't"), or by its last words ("doesn't drag",
    // "nothing new or changed"), a symptom is worded as a condition; "and I haven't told anyone"
    // is no answer, and a negation before a long match does not deny a symptom stated inside it.
    // A mention told again after a denial is denied ("no chest pain" after "chest is fine"),
    // and so is a checklist of two states ("isn't dragging or catching").
    for denied in [
        "the physio asked if I'd lost control of my bladder or bowels and I haven't, he thinks it's a disc",
        "my foot doesn't drag at all, it's just sore round the ankle",
        "bladder wise nothing new or changed, just the leg",
        "my chest is all good, no chest tightness whatsoever, it's my hip",
        "bowels fine, no bowel problems at all, it's only my hip",
        "her foot isn't dragging or catching on anything, she just has a sore calf",
        // "Nothing like" denies; a question about what might come is answered as a condition;
        // "and I don't, it's only..." is an answer.
        "nothing like bladder trouble, just the buttock",
        "what would happen if I lost feeling in my groin?",
        "she asked if I had weakness in my legs and I don't, it's only the ache",
        "what could happen if it spreads into both legs?",
        "hypothetically, if I lost control of my bladder what then?",
        // Two answers in a row after a question of two parts; "all fine"; a lump denied at
        // the end of its match.
        "any numbness in the saddle or trouble peeing? nope, none",
        "she asked about a numb bum, all fine, it's just the leg",
        "sore back but no lump anywhere, I checked",
        // The second of a list denied together; both legs denied at the end of a match.
        "I haven't had any dribbling or trouble weeing, just the leg",
        "it's my left leg that hurts, not in both legs",
    ] {
        let assessment = triage.assess(denied, &[]);
        assert!(
            !assessment.flags.is_empty() && assessment.flags.iter().all(|f| f.negated),
            "{denied}: {:?}",
            assessment.flags
        );
        assert!(assessment.notice.unwrap().contains("If you notice"), "{denied}");
    }
    for stated in [
        "I've wet myself twice and I haven't told anyone yet",
        // A list that goes on with a new telling after its "or" is no denial of what follows.
        "I haven't been sleeping well or eating, and I've wet myself twice",
        // "Isn't one leg" is no denial when it goes on "it's both".
        "her sciatica isn't one leg now, it's both",
        // A symptom told by a negation is not answered by the "none" after it.
        "since the flare she's had no sensation during intimacy, none at all",
        // Its rapid-weakness pattern first matches from "holding", after "without".
        "Two days ago I was walking fine, now I can't reach the bathroom without holding the walls because my leg keeps giving out. It went downhill so fast.",
    ] {
        let notice = triage.assess(stated, &[]).notice.unwrap();
        assert!(notice.contains("Please get medical help now"), "{stated}: {notice}");
    }
}

#[test]
fn the_notice_names_the_clinics_phone_lines() {
    let config = TriageConfig { emergency_number: "911".into(), urgent_line: "your doctor's nurse line".into() };
    let triage = Triage::load(Path::new("corpus/red_flags.toml"), &config).unwrap();
    assert!(triage.assess("I wet myself", &[]).notice.unwrap().contains("call 911"));
    assert!(triage.assess("I have a fever", &[]).notice.unwrap().contains("your doctor's nurse line"));
}

#[test]
fn a_red_flag_without_a_question_gets_the_notice_first_then_the_no_answer_reply() {
    let knowledge = &*KNOWLEDGE;
    let response = sciatica_bot::respond(knowledge, &ReplyConfig::default(), "lol i wet myself last night");
    assert!(response.answer.is_none());
    let notice = response.notice.expect("a notice");
    assert!(response.reply.starts_with(&notice), "{}", response.reply);
    assert!(response.reply.contains("I don't have an answer"), "{}", response.reply);
    assert_eq!(response.red_flags[0].category, "bladder_dysfunction");
    assert_eq!(response.red_flags[0].matched, "wet myself");

    let answered = sciatica_bot::respond(knowledge, &ReplyConfig::default(), "are massage guns good? I have a fever");
    assert!(answered.answer.is_some());
    assert!(answered.reply.starts_with(&answered.notice.unwrap()));
}

#[test]
fn the_json_contract_carries_category_tier_and_matched_words() {
    let knowledge = &*KNOWLEDGE;
    let response = sciatica_bot::respond(knowledge, &ReplyConfig::default(), "fell off a ladder, both legs numb");
    let json = serde_json::to_value(&response).unwrap();
    let flags = json["red_flags"].as_array().unwrap();
    assert!(!flags.is_empty());
    for flag in flags {
        let keys: Vec<&str> = flag.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["category", "layer", "matched", "tier"]);
        assert!(["emergency", "urgent"].contains(&flag["tier"].as_str().unwrap()));
    }
    assert_eq!(json["notice"], response.notice.unwrap());
}

/// The problems of a rules text, completed with ten examples for its last category and an
/// ordinary list, so that only what the test wrote is wrong.
#[test]
fn a_word_list_may_use_another_defined_before_or_after_it() {
    let rules = format!(
        "{TIERS}\n[words]\nsymptom = '{{felt}}|sciatica'\nfelt = 'numb|tingling'\n\n[[flag]]\ncategory = \"a\"\ntier = \"emergency\"\npatterns = ['both legs {{symptom}}']\nexamples = {TEN}\n\n[ordinary]\nexamples = {TEN}\n{DENIALS}"
    );
    let triage =
        Triage::parse(Path::new("red_flags.toml"), &rules, &TriageConfig::default()).expect("the rules compile");
    for (message, flagged) in [("both legs tingling", true), ("both legs sciatica", true), ("both legs fine", false)] {
        assert_eq!(!triage.assess(message, &[]).flags.is_empty(), flagged, "{message}");
    }
}

fn problems_in(rules: &str) -> Vec<String> {
    problems_as_written(&format!("{rules}\nexamples = {TEN}\n\n[ordinary]\nexamples = {TEN}\n"))
}

/// The problems of a rules file, given its `[denials]` (at the end, so that the lines the
/// tests expect are the lines they wrote).
fn problems_as_written(rules: &str) -> Vec<String> {
    let path = Path::new("red_flags.toml");
    match Triage::parse(path, &format!("{rules}{DENIALS}"), &TriageConfig::default()) {
        Ok(_) => Vec::new(),
        Err(problems) => problems.iter().map(|p| p.to_string()).collect(),
    }
}

const TIERS: &str = "[tiers.emergency]\nsemantic = { similarity = 0.5, margin = 0.1 }\nnotice = \"Now: {mentioned}, call {emergency_number}\"\nif_notice = \"If you notice {mentioned}\"\n";
const TEN: &str = "['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10']";
const DENIALS: &str = "\n[denials]\nbefore = '\\bno ?$'\nturn = '\\bbut\\b'\nanswered_after = '^ no$'\nat_end = 'not numb$'\nbefore_exception = '\\bnot ?$'\n";

#[test]
fn broken_rules_are_reported_with_their_line() {
    let bad_regex = format!(
        "{TIERS}\n[[flag]]\ncategory = \"a\"\ntier = \"emergency\"\npatterns = [\n  'fine',\n  '(unclosed',\n]\n"
    );
    let problems = problems_in(&bad_regex);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("red_flags.toml:11: pattern does not compile"), "{problems:?}");

    let bad_needs = format!(
        "{TIERS}\n[[flag]]\ncategory = \"a\"\ntier = \"emergency\"\npatterns = ['x']\nsemantic_needs = '(both'\n"
    );
    let problems = problems_in(&bad_needs);
    assert!(problems[0].starts_with("red_flags.toml:10: pattern does not compile"), "{problems:?}");

    let bad_message_exception = format!(
        "{TIERS}\n[[flag]]\ncategory = \"a\"\ntier = \"emergency\"\npatterns = ['x']\nmessage_exceptions = ['[period']\n"
    );
    let problems = problems_in(&bad_message_exception);
    assert!(problems[0].starts_with("red_flags.toml:10: pattern does not compile"), "{problems:?}");

    let unknown_tier = format!("{TIERS}\n[[flag]]\ncategory = \"a\"\ntier = \"soonish\"\npatterns = ['x']\n");
    assert!(problems_in(&unknown_tier)[0].starts_with("red_flags.toml:8: unknown tier \"soonish\""));

    let tier_without_notice = format!("{TIERS}\n[[flag]]\ncategory = \"a\"\ntier = \"urgent\"\npatterns = ['x']\n");
    assert!(problems_in(&tier_without_notice)[0].starts_with("red_flags.toml:8: tier \"urgent\" has no notice"));

    let no_tier = format!("{TIERS}\n[[flag]]\ncategory = \"a\"\npatterns = ['x']\n");
    assert!(problems_in(&no_tier)[0].contains("missing field `tier`"), "{:?}", problems_in(&no_tier));

    let bad_placeholder = "[tiers.emergency]\nnotice = \"call {emergency_nmber}\"\nif_notice = \"x\"\nsemantic = { similarity = 0.5, margin = 0.1 }\n\n[[flag]]\ncategory = \"a\"\ntier = \"emergency\"\npatterns = ['x']\n";
    assert!(problems_in(bad_placeholder)[0].starts_with("red_flags.toml:1: unknown placeholder {emergency_nmber}"));

    let unknown_words =
        format!("{TIERS}\n[[flag]]\ncategory = \"a\"\ntier = \"emergency\"\npatterns = ['{{nope}} x']\n");
    assert!(problems_in(&unknown_words)[0].contains("unknown word list {nope}"));

    let cycle = format!(
        "{TIERS}\n[words]\nlimb = '{{leg}}|arm'\nleg = '{{limb}}|foot'\n\n[[flag]]\ncategory = \"a\"\ntier = \"emergency\"\npatterns = ['x']\n"
    );
    let problems = problems_in(&cycle);
    assert!(problems.iter().any(|p| p.starts_with("red_flags.toml:8: word list {leg} uses itself")), "{problems:?}");

    let malformed = format!("{TIERS}\n[[flag]\n");
    assert!(
        problems_in(&malformed)[0].starts_with("red_flags.toml:6: malformed TOML"),
        "{:?}",
        problems_in(&malformed)
    );

    let others_undefined = format!(
        "{TIERS}\n[[flag]]\ncategory = \"a\"\ntier = \"emergency\"\nquiet_for_others = true\npatterns = ['x']\n"
    );
    let problems = problems_in(&others_undefined);
    assert!(
        problems[0].starts_with("red_flags.toml:6: category \"a\" is quiet_for_others, but there is no [others]"),
        "{problems:?}"
    );
    let others_broken = format!("{TIERS}\n[others]\npeople = 'my (dog'\ntrouble = '{{nope}}'\n");
    let problems =
        problems_in(&format!("{others_broken}\n[[flag]]\ncategory = \"a\"\ntier = \"emergency\"\npatterns = ['x']\n"));
    assert!(problems[0].starts_with("red_flags.toml:7: pattern does not compile"), "{problems:?}");
    assert!(
        problems[1].starts_with("red_flags.toml:8:") && problems[1].contains("unknown word list {nope}"),
        "{problems:?}"
    );

    let broken_parts = format!(
        "{TIERS}\n[[flag]]\ncategory = \"a\"\ntier = \"emergency\"\nexceptions = [\n  '(diet',\n]\ntogether = [\n  ['fine', '{{nope}}'],\n]\n"
    );
    let problems = problems_in(&broken_parts);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].starts_with("red_flags.toml:10: pattern does not compile"), "{problems:?}");
    assert!(
        problems[1].starts_with("red_flags.toml:13:") && problems[1].contains("unknown word list {nope}"),
        "{problems:?}"
    );

    let huge =
        format!("{TIERS}\n[[flag]]\ncategory = \"a\"\ntier = \"emergency\"\npatterns = ['(\\w+ ){{0,100000}}x']\n");
    assert!(problems_in(&huge)[0].contains("pattern does not compile"), "{:?}", problems_in(&huge));
}

#[test]
fn examples_and_thresholds_are_checked_with_their_line() {
    let flag = |examples: &str| {
        format!("\n[[flag]]\ncategory = \"a\"\ntier = \"emergency\"\npatterns = ['x']\nexamples = {examples}\n")
    };
    let ordinary = format!("\n[ordinary]\nexamples = {TEN}\n");

    let few = format!("{TIERS}{}{ordinary}", flag("['one', 'two', 'three']"));
    let problems = problems_as_written(&few);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("red_flags.toml:6: category \"a\" has 3 examples"), "{problems:?}");

    let empty = format!(
        "{TIERS}{}{ordinary}",
        flag("[\n  's1', 's2', 's3', 's4', 's5',\n  '  ',\n  's6', 's7', 's8', 's9', 's10',\n]")
    );
    let problems = problems_as_written(&empty);
    assert_eq!(problems, ["red_flags.toml:12: an empty example"], "{problems:?}");

    let no_ordinary = format!("{TIERS}{}\n[ordinary]\nexamples = ['just one']\n", flag(TEN));
    let problems = problems_as_written(&no_ordinary);
    assert!(problems[0].starts_with("red_flags.toml:12: [ordinary] has 1 examples"), "{problems:?}");

    let out_of_range = format!("{}{}{ordinary}", TIERS.replace("0.5", "1.5"), flag(TEN));
    assert!(
        problems_as_written(&out_of_range)[0]
            .starts_with("red_flags.toml:2: semantic thresholds of emergency must be between 0 and 1"),
        "{:?}",
        problems_as_written(&out_of_range)
    );

    let without_thresholds =
        format!("{}{}{ordinary}", TIERS.replace("semantic = { similarity = 0.5, margin = 0.1 }\n", ""), flag(TEN));
    assert!(problems_as_written(&without_thresholds)[0].contains("missing field `semantic`"));

    let lone_together = format!(
        "{TIERS}\n[[flag]]\ncategory = \"a\"\ntier = \"emergency\"\ntogether = [['x']]\nexamples = {TEN}\n{ordinary}"
    );
    assert!(problems_as_written(&lone_together)[0]
        .starts_with("red_flags.toml:9: a `together` rule needs at least two parts"));
}

/// How a mention reads as denied is the rules file's `[denials]`, checked like the rules: a
/// broken pattern is reported at its line, a missing section is a problem.
#[test]
fn denials_come_from_the_rules_file_and_are_checked_with_their_line() {
    let rules = |denials: &str| {
        format!("{TIERS}\n[[flag]]\ncategory = \"a\"\ntier = \"emergency\"\npatterns = ['numb']\nexamples = {TEN}\n\n[ordinary]\nexamples = {TEN}\n{denials}")
    };
    let never = DENIALS.replace("\\bno ?$", "\\bnever ?$");
    let triage = Triage::parse(Path::new("red_flags.toml"), &rules(&never), &TriageConfig::default()).unwrap();
    let negated = |message: &str| triage.assess(message, &[]).flags.iter().all(|f| f.negated);
    assert!(negated("never numb"));
    assert!(!negated("no numb"), "\"no\" is not among these denials");

    let broken = rules(&DENIALS.replace("turn = '\\bbut\\b'", "turn = '(but'"));
    let problems = match Triage::parse(Path::new("red_flags.toml"), &broken, &TriageConfig::default()) {
        Err(problems) => problems.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        Ok(_) => Vec::new(),
    };
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("red_flags.toml:17: pattern does not compile"), "{problems:?}");

    let missing = Triage::parse(Path::new("red_flags.toml"), &rules(""), &TriageConfig::default()).unwrap_err();
    assert!(missing[0].message.contains("missing field `denials`"), "{missing:?}");
}

#[test]
fn missing_rules_are_a_problem_not_a_silent_off_switch() {
    let problems = Triage::load(Path::new("/nonexistent/red_flags.toml"), &TriageConfig::default()).unwrap_err();
    assert!(problems[0].message.contains("red-flag notices would be off"));
}
