//! Hot reload: watch the corpus folder and, when staff save, rebuild and swap the knowledge
//! in the background. Bursts of saves (editors write several times) make one rebuild; a
//! broken edit keeps the previous version serving and is reported to the staff channel.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};

use super::{refusal_report, tell_staff, Shared};

/// How long the folder must stay quiet before a rebuild: editors save in bursts.
const QUIET_PERIOD: Duration = Duration::from_millis(400);

/// Starts watching; the returned watcher must be kept alive for as long as the bot runs.
pub fn watch_corpus(shared: Arc<Shared>, http: Arc<serenity::http::Http>) -> notify::Result<RecommendedWatcher> {
    let (changed, mut changes) = tokio::sync::mpsc::unbounded_channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let relevant = event.is_ok_and(|event| {
            matches!(event.kind, EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_))
                && event.paths.iter().any(|path| is_corpus_file(path))
        });
        if relevant {
            let _ = changed.send(());
        }
    })?;
    watcher.watch(&shared.config.corpus.dir, RecursiveMode::NonRecursive)?;
    tokio::spawn(async move {
        while changes.recv().await.is_some() {
            loop {
                match tokio::time::timeout(QUIET_PERIOD, changes.recv()).await {
                    Ok(Some(())) => continue,
                    Ok(None) => return,
                    Err(_quiet) => break,
                }
            }
            match shared.reload().await {
                Ok(report) => {
                    tracing::info!(passages = report.passages, "corpus reloaded after an edit");
                    tell_staff(&shared, &http, &format!("Corpus edited. {}", report.summary())).await;
                }
                Err(error) => tell_staff(&shared, &http, &refusal_report("Corpus edit not applied", &error)).await,
            }
        }
    });
    Ok(watcher)
}

/// The corpus's own files, not editors' temporary and backup files.
fn is_corpus_file(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    let extension_fits = path.extension().is_some_and(|e| e == "md" || e == "toml");
    extension_fits && !name.starts_with('.') && !name.starts_with('#')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_corpus_files_count() {
        assert!(is_corpus_file(Path::new("corpus/faq.md")));
        assert!(is_corpus_file(Path::new("corpus/red_flags.toml")));
        for other in
            ["corpus/.faq.md.swp", "corpus/faq.md~", "corpus/.#faq.md", "corpus/faq.md.tmp", "corpus/notes.txt"]
        {
            assert!(!is_corpus_file(Path::new(other)), "{other}");
        }
    }
}
