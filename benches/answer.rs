//! What answering costs: one question end to end (analysis, search, reply) and building the
//! index for the shipped corpus. Run with `cargo bench`; the README quotes the medians.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use sciatica_bot::config::ReplyConfig;
use sciatica_bot::corpus::{Corpus, SYNONYMS_FILE};
use sciatica_bot::search::Engine;

fn questions(c: &mut Criterion) {
    let engine = Engine::load(Path::new("corpus")).unwrap();
    let config = ReplyConfig::default();
    let mut group = c.benchmark_group("answer");
    for (name, question) in [
        ("faq paraphrase", "are massage guns any good for sciatica?"),
        ("lay words and typos", "does masage help my bum pain when i sit at my desk"),
        ("out of scope", "how do I change my nickname on this server?"),
    ] {
        group.bench_function(name, |b| b.iter(|| sciatica_bot::respond(&engine, &config, black_box(question))));
    }
    group.finish();
}

fn index(c: &mut Criterion) {
    let corpus = Corpus::load(Path::new("corpus")).unwrap();
    let synonyms = Path::new("corpus").join(SYNONYMS_FILE);
    c.bench_function("index/build", |b| b.iter(|| Engine::build(black_box(corpus.clone()), &synonyms).unwrap()));
    c.bench_function("index/load and build", |b| b.iter(|| Engine::load(black_box(Path::new("corpus"))).unwrap()));
}

criterion_group!(benches, questions, index);
criterion_main!(benches);
