//! A bot as an operator runs it: a folder holding a copy of the corpus and a config file, and
//! `sciatica-bot serve` started on it, then stopped with SIGTERM as systemd stops it.

use std::path::{Path, PathBuf};

use super::fake_discord::WAIT;

/// Copies the shipped corpus's files into `dir`, which must exist.
pub fn copy_corpus_to(dir: &Path) {
    for entry in std::fs::read_dir("corpus").unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
    }
}

/// A copy of the shipped corpus that a test may edit.
pub fn corpus_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_corpus_to(dir.path());
    dir
}

/// A folder holding `corpus/`, a copy of the shipped corpus, where `serve` keeps its data.
pub fn bot_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("corpus")).unwrap();
    copy_corpus_to(&dir.path().join("corpus"));
    dir
}

/// Writes `settings` and the shipped model's section to `folder/name`, and returns its path.
pub fn write_config(folder: &Path, name: &str, settings: &str) -> PathBuf {
    let config = folder.join(name);
    std::fs::write(&config, format!("{settings}{}", super::shipped_model_section())).unwrap();
    config
}

/// `sciatica-bot serve` on `config` with `token`, reaching the fake Discord on 127.0.0.1
/// whatever proxy the machine sets. The process is killed if the test ends before it stops.
pub fn serve(config: &Path, token: &str) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_sciatica-bot"));
    command
        .arg("serve")
        .arg("--config")
        .arg(config)
        .env("DISCORD_TOKEN", token)
        .env("NO_PROXY", "127.0.0.1")
        .kill_on_drop(true);
    command
}

/// Sends `signal` (such as "-KILL") to `child`.
pub fn signal(child: &tokio::process::Child, signal: &str) {
    let pid = child.id().expect("the process is running").to_string();
    assert!(std::process::Command::new("kill").args([signal, &pid]).status().unwrap().success());
}

/// Stops `child` with SIGTERM and asserts that it exits cleanly and in time.
pub async fn stop(child: &mut tokio::process::Child) {
    signal(child, "-TERM");
    let status = tokio::time::timeout(WAIT, child.wait()).await.expect("stops on SIGTERM").unwrap();
    assert!(status.success(), "exit status {status:?}");
}
