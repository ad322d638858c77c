//! What answering costs with the shipped corpus: one question end to end (the vectors of the
//! question and its clauses, both triage layers, hybrid retrieval, reply), the same with the
//! vectors already computed,
//! the model alone (loading, one question, 2,000 questions in batches), red-flag triage
//! alone, and building the knowledge (vectors read from the cache). Run with
//! `cargo bench --bench answer`; the README quotes the medians.

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use sciatica_bot::config::{Config, ReplyConfig};
use sciatica_bot::corpus::Corpus;
use sciatica_bot::embed::Model;
use sciatica_bot::search::Engine;
use sciatica_bot::triage;
use sciatica_bot::Knowledge;

/// A long message with a red flag in passing: six clauses for the semantic layer.
const RAMBLING: &str = "evening all. my sciatica has been flaring since i started my new job (standing all day on a \
                        hard floor) and the physio exercises help a bit. the reason im posting is ive got tingles and \
                        a dead feeling round my back passage and the tops of my inner thighs since the flare up, not \
                        sure if thats part of it? also do u do sunday appointments";

const QUESTIONS: [(&str, &str); 3] = [
    ("faq paraphrase", "are massage guns any good for sciatica?"),
    ("lay words and typos", "does masage help my bum pain when i sit at my desk"),
    ("out of scope", "how do I change my nickname on this server?"),
];

fn questions(c: &mut Criterion) {
    // As `main` does, before any thread starts: this group runs first.
    sciatica_bot::embed::settle_thread_count();
    let knowledge = Knowledge::open(&Config::default()).unwrap();
    let config = ReplyConfig::default();
    let mut group = c.benchmark_group("answer");
    for (name, question) in QUESTIONS {
        group.bench_function(name, |b| b.iter(|| sciatica_bot::respond(&knowledge, &config, black_box(question))));
    }
    group.bench_function("rambling message with a flag", |b| {
        b.iter(|| sciatica_bot::respond(&knowledge, &config, black_box(RAMBLING)))
    });
    for (name, question) in QUESTIONS {
        let embedded = knowledge.embed_all(&[question]).pop().unwrap();
        group.bench_function(format!("{name}, vectors known"), |b| {
            b.iter(|| sciatica_bot::respond_embedded(&knowledge, &config, black_box(question), &embedded))
        });
    }
    group.finish();
}

/// Every labelled red-flag message in `tests/data`, in a fixed order.
fn labelled_messages() -> Vec<String> {
    let mut files: Vec<_> = std::fs::read_dir("tests/data")
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.file_name().unwrap().to_string_lossy().starts_with("redflags_"))
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|path| {
            let text = std::fs::read_to_string(path).unwrap();
            text.lines()
                .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                .map(|m| m["text"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Triage and answer of whole messages as people write them: every labelled red-flag message
/// (short ones, and rambling ones of many clauses), timed one at a time end to end; p50 and
/// p99 are printed, criterion times the longest.
fn messages(c: &mut Criterion) {
    let knowledge = Knowledge::open(&Config::default()).unwrap();
    let config = ReplyConfig::default();
    let messages = labelled_messages();
    let mut timings: Vec<std::time::Duration> = messages
        .iter()
        .map(|message| {
            let started = std::time::Instant::now();
            black_box(sciatica_bot::respond(&knowledge, &config, message));
            started.elapsed()
        })
        .collect();
    timings.sort();
    eprintln!(
        "{} labelled messages, triage and answer end to end: p50 {:?}, p99 {:?}, max {:?}",
        messages.len(),
        timings[timings.len() / 2],
        timings[timings.len() * 99 / 100],
        timings[timings.len() - 1]
    );
    let longest = messages.iter().max_by_key(|m| triage::clauses(m).len()).unwrap();
    let mut group = c.benchmark_group("message");
    group.bench_function(format!("the labelled message of most clauses ({})", triage::clauses(longest).len()), |b| {
        b.iter(|| sciatica_bot::respond(&knowledge, &config, black_box(longest)))
    });
    group.finish();
}

fn model(c: &mut Criterion) {
    let dir = Config::default().model.dir;
    let mut group = c.benchmark_group("model");
    group.sample_size(10);
    group.bench_function("load", |b| b.iter(|| Model::load(black_box(&dir)).unwrap()));
    let model = Model::load(&dir).unwrap();
    group.bench_function("one question", |b| b.iter(|| model.embed(&[black_box(QUESTIONS[0].1)]).unwrap()));
    // Distinct texts: the model reads a repeated text once, so copies would time nothing.
    let messages = labelled_messages();
    let batch: Vec<&str> = messages.iter().take(2_000).map(String::as_str).collect();
    group.bench_function("2000 labelled messages in batches", |b| b.iter(|| model.embed(black_box(&batch)).unwrap()));
    group.finish();
}

fn triage(c: &mut Criterion) {
    let knowledge = Knowledge::open(&Config::default()).unwrap();
    let mut group = c.benchmark_group("triage");
    for (name, message) in [
        ("ordinary message", "sitting makes it worse, any tips for my desk?"),
        ("rambling message with a flag", RAMBLING),
    ] {
        group.bench_function(format!("{name}, rules"), |b| b.iter(|| knowledge.triage.assess(black_box(message), &[])));
        let clauses = knowledge.embed_all(&[message]).pop().unwrap().clauses;
        group.bench_function(format!("{name}, rules and semantic, vectors known"), |b| {
            b.iter(|| knowledge.triage.assess(black_box(message), &clauses))
        });
    }
    let huge = "my back has been bad and ".repeat(4000);
    group.bench_function("100 KB message, rules", |b| b.iter(|| knowledge.triage.assess(black_box(&huge), &[])));
    group.finish();
}

fn index(c: &mut Criterion) {
    let config = Config::default();
    let model = Arc::new(Model::load(&config.model.dir).unwrap());
    let corpus = Corpus::load(Path::new("corpus")).unwrap();
    let cache = Some(config.model.cache.as_path());
    let mut group = c.benchmark_group("index");
    group.bench_function("build (vectors from the cache)", |b| {
        b.iter(|| Engine::build(black_box(corpus.clone()), Path::new("corpus"), model.clone(), cache).unwrap())
    });
    group.bench_function("load and build", |b| b.iter(|| Knowledge::load(black_box(&config), &model).unwrap()));
    group.finish();
}

criterion_group!(benches, questions, messages, model, triage, index);
criterion_main!(benches);
