//! How cost grows with the corpus: synthetic corpora of about 60, 1,000 and 10,000 passages
//! (the real article and FAQ, plus generated sections in the same vocabulary), measuring
//! index build time with the vectors cached, per-question latency end to end (criterion's
//! median, and p50 and p99 printed from 2,000 timed questions), the peak memory of a process
//! that loads the corpus and answers, and a reload after one FAQ edit with the cache warm.
//! `cargo bench --bench scale`. The first run embeds every generated passage (minutes at
//! 10,000); later runs read the vectors from the cache.

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use sciatica_bot::config::{Config, ReplyConfig};
use sciatica_bot::corpus::Corpus;
use sciatica_bot::embed::Model;
use sciatica_bot::faq_edit::{self, FaqEdit};
use sciatica_bot::search::Engine;
use sciatica_bot::Knowledge;

#[path = "../tests/common/synthetic.rs"]
mod synthetic;
use synthetic::synthetic_corpus;

const SIZES: [usize; 3] = [60, 1_000, 10_000];

fn questions() -> Vec<String> {
    let text = std::fs::read_to_string("tests/data/retrieval_dev.jsonl").unwrap();
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|q| q["question"].as_str().unwrap().to_owned())
        .collect()
}

/// Peak memory of a fresh `sciatica-bot ask --json -` process that loads the corpus and
/// answers every question: read from its `/proc` status before it exits.
fn peak_memory_megabytes(dir: &Path, questions: &[String]) -> u64 {
    use std::io::{BufRead, Write};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sciatica-bot"))
        .args(["ask", "--json", "-", "--corpus"])
        .arg(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for question in questions {
        writeln!(stdin, "{question}").unwrap();
    }
    stdin.flush().unwrap();
    let mut answers = std::io::BufReader::new(child.stdout.take().unwrap());
    for _ in questions {
        let mut line = String::new();
        answers.read_line(&mut line).unwrap();
    }
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
    drop(stdin);
    child.wait().unwrap();
    let peak_kb = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .unwrap_or(0);
    peak_kb / 1000
}

fn scale(c: &mut Criterion) {
    // As `main` does, before any thread starts.
    sciatica_bot::embed::settle_thread_count();
    let questions = questions();
    let reply = ReplyConfig::default();
    let model = Arc::new(Model::load(&Config::default().model.dir).unwrap());
    for size in SIZES {
        let dir = tempfile::tempdir().unwrap();
        synthetic_corpus(size, dir.path());
        let mut config = Config::default();
        config.corpus.dir = dir.path().to_path_buf();
        config.staff.history_dir = dir.path().join("history");

        let started = Instant::now();
        let knowledge = Knowledge::load(&config, &model).unwrap();
        eprintln!("scale {size}: first load {:?} (embeds what the cache lacks)", started.elapsed());
        let memory = peak_memory_megabytes(dir.path(), &questions);
        let passages = knowledge.engine.corpus().passages.len();

        let mut timings: Vec<Duration> = (0..2_000)
            .map(|i| {
                let started = Instant::now();
                black_box(sciatica_bot::respond(&knowledge, &reply, &questions[i % questions.len()]));
                started.elapsed()
            })
            .collect();
        timings.sort();
        eprintln!(
            "scale {passages} passages: question end to end p50 {:?}, p99 {:?}; peak memory of a process answering {} questions: {memory} MB",
            timings[timings.len() / 2],
            timings[timings.len() * 99 / 100],
            questions.len()
        );

        let mut group = c.benchmark_group("scale");
        group.sample_size(10);
        group.bench_with_input(BenchmarkId::new("question", passages), &knowledge, |b, knowledge| {
            let mut i = 0;
            b.iter(|| {
                i += 1;
                sciatica_bot::respond(knowledge, &reply, black_box(&questions[i % questions.len()]))
            })
        });
        let corpus = Corpus::load(dir.path()).unwrap();
        let cache = Some(config.model.cache.as_path());
        group.bench_with_input(BenchmarkId::new("index build", passages), &corpus, |b, corpus| {
            b.iter(|| Engine::build(black_box(corpus.clone()), dir.path(), model.clone(), cache).unwrap())
        });
        group.finish();

        // What staff wait for: the edit validated against the whole corpus and written, then
        // the reload that makes it live; only the new entry is embedded.
        let edit = FaqEdit::Add {
            question: format!("Do you offer hot stone massage ({size})?"),
            answer: "Yes: hot stone massage is offered at the clinic.".to_owned(),
        };
        let started = Instant::now();
        faq_edit::apply(&edit, &config).unwrap();
        let edited = started.elapsed();
        let reloaded = Knowledge::load(&config, &model).unwrap();
        eprintln!(
            "scale {passages} passages: FAQ edit validated and written in {edited:?}, live after a reload in {:?} in all",
            started.elapsed()
        );
        black_box(reloaded);
    }
}

criterion_group!(benches, scale);
criterion_main!(benches);
