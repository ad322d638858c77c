//! What answering costs: one question end to end (triage, analysis, search, reply), red-flag
//! triage alone, and building the index for the shipped corpus. Run with `cargo bench`; the README quotes the medians.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use sciatica_bot::config::Config;
use sciatica_bot::config::ReplyConfig;
use sciatica_bot::corpus::{Corpus, SYNONYMS_FILE};
use sciatica_bot::search::Engine;
use sciatica_bot::Knowledge;

fn questions(c: &mut Criterion) {
    let knowledge = Knowledge::load(&Config::default()).unwrap();
    let config = ReplyConfig::default();
    let mut group = c.benchmark_group("answer");
    for (name, question) in [
        ("faq paraphrase", "are massage guns any good for sciatica?"),
        ("lay words and typos", "does masage help my bum pain when i sit at my desk"),
        ("out of scope", "how do I change my nickname on this server?"),
    ] {
        group.bench_function(name, |b| b.iter(|| sciatica_bot::respond(&knowledge, &config, black_box(question))));
    }
    group.finish();
}

fn triage(c: &mut Criterion) {
    let knowledge = Knowledge::load(&Config::default()).unwrap();
    let mut group = c.benchmark_group("triage");
    let rambling = "evening all. my sciatica has been flaring since i started my new job (standing all day on a hard \
                    floor) and the physio exercises help a bit. the reason im posting is ive got tingles and a dead \
                    feeling round my back passage and the tops of my inner thighs since the flare up, not sure if \
                    thats part of it? also do u do sunday appointments";
    for (name, message) in [
        ("ordinary message", "sitting makes it worse, any tips for my desk?"),
        ("rambling message with a flag", rambling),
    ] {
        group.bench_function(name, |b| b.iter(|| knowledge.triage.assess(black_box(message))));
    }
    let huge = "my back has been bad and ".repeat(4000);
    group.bench_function("100 KB message", |b| b.iter(|| knowledge.triage.assess(black_box(&huge))));
    group.finish();
}

fn index(c: &mut Criterion) {
    let corpus = Corpus::load(Path::new("corpus")).unwrap();
    let synonyms = Path::new("corpus").join(SYNONYMS_FILE);
    c.bench_function("index/build", |b| b.iter(|| Engine::build(black_box(corpus.clone()), &synonyms).unwrap()));
    let config = Config::default();
    c.bench_function("index/load and build", |b| b.iter(|| Knowledge::load(black_box(&config)).unwrap()));
}

criterion_group!(benches, questions, triage, index);
criterion_main!(benches);
