//! Reloading under load: questions asked in a tight loop while the corpus is rebuilt and
//! swapped twenty times all get whole, valid answers from one version or the other.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use sciatica_bot::config::Config;
use sciatica_bot::discord::Shared;
use sciatica_bot::Knowledge;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn questions_in_a_tight_loop_during_twenty_reloads_all_get_valid_answers() {
    let corpus = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir("corpus").unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, corpus.path().join(path.file_name().unwrap())).unwrap();
    }
    let mut config = Config::default();
    config.corpus.dir = corpus.path().to_path_buf();
    let data = tempfile::tempdir().unwrap();
    config.staff.database = sciatica_bot::config::Database::Sqlite(data.path().join("staff.sqlite3"));
    let staff = sciatica_bot::staff::StaffData::open(&config.staff).await.unwrap();
    let shared = Arc::new(Shared::new(config.clone(), Knowledge::open(&config).unwrap(), staff).unwrap());
    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicUsize::new(0));
    let askers: Vec<_> = (0..2)
        .map(|_| {
            let (shared, stop, answered, reply) =
                (shared.clone(), stop.clone(), answered.clone(), config.reply.clone());
            tokio::task::spawn_blocking(move || {
                while !stop.load(Ordering::Relaxed) {
                    let knowledge = shared.knowledge();
                    let response = sciatica_bot::respond(&knowledge, &reply, "Are massage guns good for sciatica?");
                    let answer = response.answer.expect("every question gets its answer during reloads");
                    assert_eq!(answer.id, "faq/are-massage-guns-good-for-sciatica");
                    assert!(answer.passage.starts_with("Massage guns can help"), "{}", answer.passage);
                    answered.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let faq = corpus.path().join("faq.md");
    let original = std::fs::read_to_string(&faq).unwrap();
    for round in 0..20 {
        let extra = format!("\n## Question number {round}?\n\nAnswer number {round}.\n");
        std::fs::write(&faq, format!("{original}{extra}")).unwrap();
        let report = shared.reload().await.expect("a valid corpus reloads");
        assert_eq!(report.added, [format!("faq/question-number-{round}")]);
    }
    stop.store(true, Ordering::Relaxed);
    for asker in askers {
        asker.await.unwrap();
    }
    assert!(answered.load(Ordering::Relaxed) > 20, "the askers ran throughout");
}
