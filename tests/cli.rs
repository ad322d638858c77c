//! The `sciatica-bot` binary as users and tools run it: `ask` (text and the JSON contract,
//! one line per stdin line), `check` on good and broken corpora, and exit statuses.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn bot() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sciatica-bot"));
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

fn run_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut child =
        bot().args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn ask_prints_the_faq_answer_as_the_bot_would_post_it() {
    let output = bot().args(["ask", "Are massage guns good for sciatica?"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let reply = text(&output.stdout);
    assert!(
        reply.starts_with("**Are massage guns good for sciatica?**\n> Massage guns can help relieve muscle tension")
    );
    assert!(reply.contains("Source: corpus/faq.md:"), "{reply}");
    assert!(reply.contains("not medical advice"), "{reply}");
}

#[test]
fn ask_says_plainly_when_it_has_no_answer() {
    let output = bot().args(["ask", "What's the capital of France?"]).output().unwrap();
    let reply = text(&output.stdout);
    assert!(reply.contains("I don't have an answer"), "{reply}");
    assert!(reply.contains("What Is Sciatica And Why Does It Hurt"), "the topics are listed: {reply}");
    assert!(reply.contains("Try asking in other words"), "{reply}");
}

fn check_contract(line: &Value) {
    let object = line.as_object().expect("one JSON object");
    let keys: Vec<&str> = object.keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 6, "{keys:?}");
    for key in ["question", "answer", "not_covered", "red_flags", "notice", "reply"] {
        assert!(object.contains_key(key), "missing {key}");
    }
    assert!(line["not_covered"].is_null() || (line["not_covered"].is_string() && line["answer"].is_null()));
    assert!(line["question"].is_string());
    assert!(line["reply"].as_str().is_some_and(|r| !r.is_empty() && r.chars().count() <= 2000));
    assert!(line["red_flags"].is_array());
    assert!(line["notice"].is_null() || line["notice"].is_string());
    if let Some(answer) = line["answer"].as_object() {
        assert_eq!(answer.len(), 5);
        for key in ["id", "section", "passage", "source"] {
            assert!(answer[key].is_string(), "{key}");
        }
        assert!(answer["score"].is_number());
        let source = answer["source"].as_str().unwrap();
        let (file, number) = source.rsplit_once(':').unwrap();
        assert!(file.starts_with("corpus/") && file.ends_with(".md"), "{source}");
        assert!(number.parse::<usize>().is_ok(), "{source}");
    } else {
        assert!(line["answer"].is_null());
    }
}

#[test]
fn ask_json_follows_the_contract() {
    let output = bot().args(["ask", "--json", "Can massage make sciatica worse?"]).output().unwrap();
    let line: Value = serde_json::from_slice(&output.stdout).unwrap();
    check_contract(&line);
    assert_eq!(line["question"], "Can massage make sciatica worse?");
    assert_eq!(line["answer"]["id"], "faq/can-massage-make-sciatica-worse");
    assert_eq!(line["answer"]["section"], "Can massage make sciatica worse?");
    assert!(line["answer"]["passage"].as_str().unwrap().starts_with("Massage can temporarily increase discomfort"));
    assert_eq!(line["red_flags"], serde_json::json!([]));
}

#[test]
fn ask_json_stdin_gives_one_line_per_input_line_in_order() {
    let huge = "sciatica ".repeat(12_000);
    let mut input = Vec::new();
    input.extend_from_slice(b"Are massage guns good for sciatica?\n");
    input.extend_from_slice(b"\n");
    input.extend_from_slice(b"   \r\n");
    input.extend_from_slice(b"AND ( \" * ^ title: -x\n");
    input.extend_from_slice(b"caf\xc3\xa9 \xff\xfe invalid utf-8 \xc3\n");
    input.extend_from_slice("🙂 \u{202e}\u{200b} \u{7}\u{1b}[0m\n".as_bytes());
    input.extend_from_slice(huge.as_bytes());
    input.extend_from_slice(b"\nWhat is myofascial release?");
    let output = run_with_stdin(&["ask", "--json", "-"], &input);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let lines: Vec<Value> = text(&output.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 8);
    for line in &lines {
        check_contract(line);
    }
    assert_eq!(lines[0]["answer"]["id"], "faq/are-massage-guns-good-for-sciatica");
    for (i, line) in lines.iter().enumerate().skip(1).take(5) {
        assert!(line["answer"].is_null(), "line {i} was answered: {line}");
    }
    assert!(lines[4]["question"].as_str().unwrap().contains('\u{fffd}'));
    assert_eq!(lines[7]["question"], "What is myofascial release?");
    assert!(lines[7]["answer"]["passage"].as_str().unwrap().starts_with("Myofascial release targets the fascia"));
}

/// A tool that writes a question and waits for its answer before the next one gets it at
/// once: `ask -` batches only the questions that arrived together.
#[test]
fn ask_stdin_answers_each_line_as_it_comes() {
    use std::io::{BufRead, BufReader};
    let mut child = bot().args(["ask", "--json", "-"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let (lines, answers) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let _ = lines.send(line.unwrap());
        }
    });
    for question in ["Are massage guns good for sciatica?", "What is myofascial release?"] {
        writeln!(stdin, "{question}").unwrap();
        stdin.flush().unwrap();
        let answer = answers.recv_timeout(std::time::Duration::from_secs(20)).expect("an answer before more input");
        assert_eq!(serde_json::from_str::<Value>(&answer).unwrap()["question"], question);
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

/// A corpus folder with the given files, in a temporary directory.
fn corpus_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("corpus")).unwrap();
    for (name, content) in files {
        std::fs::write(dir.path().join("corpus").join(name), content).unwrap();
    }
    dir
}

fn check(corpus: &Path) -> (Option<i32>, String) {
    let output = bot().arg("check").arg("--corpus").arg(corpus).output().unwrap();
    (output.status.code(), text(&output.stdout))
}

#[test]
fn check_passes_the_shipped_corpus() {
    let output = bot().arg("check").output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stdout));
    assert!(text(&output.stdout).starts_with("ok: "));
}

#[test]
fn check_names_file_and_line_of_each_problem() {
    let dir = corpus_with(&[
        ("faq.md", "# FAQ\n\n## Does it help?\n\nYes.\n\n## Is it safe?\n\n## Does it help?\n\nAgain.\n"),
        ("article.md", "Stray words before any heading.\n\n## Causes\n\nDiscs.\n"),
        ("synonyms.toml", "[synonyms]\nbum = [\"buttock\"\n"),
    ]);
    let corpus = dir.path().join("corpus");
    let (status, out) = check(&corpus);
    assert_eq!(status, Some(1), "{out}");
    let shown = |file: &str, line: usize| format!("{}:{line}: ", corpus.join(file).display());
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.iter().any(|l| l.starts_with(&shown("article.md", 1)) && l.contains("outside any section")), "{out}");
    assert!(lines.iter().any(|l| l.starts_with(&shown("faq.md", 7)) && l.contains("has no answer")), "{out}");
    assert!(lines.iter().any(|l| l.starts_with(&shown("faq.md", 9)) && l.contains("duplicate heading")), "{out}");
    assert!(lines.iter().any(|l| l.starts_with(&shown("synonyms.toml", 2)) && l.contains("malformed TOML")), "{out}");
}

#[test]
fn check_reports_synonyms_that_cannot_help() {
    let dir = corpus_with(&[
        ("faq.md", "# FAQ\n\n## Does it help?\n\nYes, it helps the buttock.\n"),
        ("synonyms.toml", "[synonyms]\nbum = [\"buttock\"]\nice = [\"cold pack\"]\n"),
    ]);
    let (status, out) = check(&dir.path().join("corpus"));
    assert_eq!(status, Some(1), "{out}");
    assert!(out.contains("synonyms.toml:3: \"cold pack\" never occurs in the corpus"), "{out}");

    std::fs::write(dir.path().join("corpus/synonyms.toml"), "[synonyms]\nbum = [\"buttock\"]\nfoo = []\n").unwrap();
    let (status, out) = check(&dir.path().join("corpus"));
    assert_eq!(status, Some(1), "{out}");
    assert!(out.contains("synonyms.toml:3: \"foo\" needs at least one non-empty meaning"), "{out}");
}

#[test]
fn check_reports_a_bad_config_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[corpus]\ndir = \"corpus\"\n\n[reply]\nmax_topic = 3\n").unwrap();
    let output = bot().arg("check").arg("--config").arg(&config).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stdout).starts_with(&format!("{}:5: ", config.display())), "{}", text(&output.stdout));
}

#[test]
fn a_missing_corpus_means_could_not_run() {
    let missing = PathBuf::from("/nonexistent/corpus");
    let (status, _) = check(&missing);
    assert_eq!(status, Some(2));
    let output = bot().args(["ask", "hello", "--corpus", "/nonexistent/corpus"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("cannot"), "{}", text(&output.stderr));
}

#[test]
fn a_broken_corpus_stops_ask_with_the_problems() {
    let dir = corpus_with(&[("faq.md", "# FAQ\n\n## Empty?\n")]);
    let output = bot().args(["ask", "hello", "--corpus"]).arg(dir.path().join("corpus")).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("faq.md:3: the question \"Empty?\" has no answer"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn an_uncovered_topic_gets_its_redirect_and_a_red_flag_still_comes_first() {
    let output = bot()
        .args(["ask", "--json", "which painkillers are best for sciatica? also I wet myself this morning"])
        .output()
        .unwrap();
    let line: Value = serde_json::from_slice(&output.stdout).unwrap();
    check_contract(&line);
    assert!(line["answer"].is_null());
    assert_eq!(line["not_covered"], "medicines");
    let reply = line["reply"].as_str().unwrap();
    assert!(reply.starts_with(line["notice"].as_str().unwrap()), "{reply}");
    assert!(reply.contains("pharmacist"), "the staff's redirect is given: {reply}");
}

#[test]
fn explain_shows_every_signal_its_weight_and_the_decision() {
    let output = bot().args(["ask", "--explain", "is a theragun ok for sciatica"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let out = text(&output.stdout);
    let explain = &out[out.find("--- explain: answered with faq/are-massage-guns-good-for-sciatica").expect(&out)..];
    assert!(explain.contains("\ndecision: answers"), "{explain}");
    assert!(explain.contains("\ngates: question_similarity "), "{explain}");
    for signal in ["coverage", "section_coverage", "title_match", "proximity", "bm25", "lead", "text_similarity"] {
        assert!(explain.contains(&format!(" {signal} x")), "{signal} and its weight: {explain}");
    }
    assert!(explain.contains("concept \"theragun\""), "{explain}");

    let output = bot().args(["ask", "--explain", "how long does sciatica last?"]).output().unwrap();
    let out = text(&output.stdout);
    assert!(out.contains("--- explain: not covered: duration_outlook"), "{out}");
    assert!(out.contains("\nnot-covered topic cue: duration_outlook: "), "{out}");

    let output = bot().args(["ask", "--json", "--explain", "is a theragun ok for sciatica"]).output().unwrap();
    let line: Value = serde_json::from_slice(&output.stdout).unwrap();
    let candidates = line["explain"]["candidates"].as_array().unwrap();
    assert_eq!(candidates[0]["id"], line["answer"]["id"]);
    assert!(candidates[0]["signals"]["question_similarity"].as_f64().unwrap() > 0.5);
    assert!(line["explain"]["policy"]["gates"]["min_coverage"].is_number());
}

#[test]
fn a_missing_or_damaged_model_is_one_line_and_exit_2_for_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let missing = dir.path().join("no-model");
    std::fs::write(&config, format!("[corpus]\ndir = {corpus:?}\n[model]\ndir = {missing:?}\n")).unwrap();
    let damaged = dir.path().join("damaged");
    std::fs::create_dir(&damaged).unwrap();
    for name in ["config.json", "tokenizer.json"] {
        std::fs::copy(Path::new("models/all-MiniLM-L6-v2").join(name), damaged.join(name)).unwrap();
    }
    std::fs::write(damaged.join("model.safetensors"), b"\0\0\0\0 not weights").unwrap();
    let damaged_config = dir.path().join("damaged.toml");
    std::fs::write(&damaged_config, format!("[corpus]\ndir = {corpus:?}\n[model]\ndir = {damaged:?}\n")).unwrap();
    for (config, says) in
        [(&config, "the embedding model is missing"), (&damaged_config, "the embedding model is damaged")]
    {
        for args in [vec!["check"], vec!["ask", "hello"], vec!["serve"], vec!["report"]] {
            let output = bot().args(&args).arg("--config").arg(config).env("DISCORD_TOKEN", "x").output().unwrap();
            let stderr = text(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
            assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
            assert!(stderr.starts_with("sciatica-bot: ") && stderr.contains(says), "{args:?}: {stderr}");
        }
    }
}

#[test]
fn check_warns_about_passages_without_questions_and_questions_without_passages() {
    let red_flags = std::fs::read_to_string("corpus/red_flags.toml").unwrap();
    let dir = corpus_with(&[
        ("red_flags.toml", &red_flags),
        ("article.md", "# A\n\n## Causes\n\nDiscs press on the nerve.\n\nMuscles too.\n"),
        (
            "questions.toml",
            "[[passage]]\nid = \"article/causes/1\"\nbegins = \"Discs press\"\nquestions = [\"what causes it\", \"can a disc do it\"]\n\n\
             [[passage]]\nid = \"article/gone/1\"\nbegins = \"x\"\nquestions = [\"q\"]\n",
        ),
    ]);
    let corpus = dir.path().join("corpus");
    let (status, out) = check(&corpus);
    assert_eq!(status, Some(1), "warnings are problems to fix: {out}");
    let lines: Vec<&str> = out.lines().collect();
    let questions = corpus.join("questions.toml");
    assert!(lines.contains(&format!("{}:6: warning: no passage has the id \"article/gone/1\" (renamed or removed?): its questions are not used", questions.display()).as_str()), "{out}");
    assert!(
        lines.iter().any(|l| l.starts_with("corpus/article.md:7: warning: \"article/causes/2\" has 0 question(s)")),
        "{out}"
    );
    assert!(
        lines.last().unwrap().starts_with("ok: 2 passages")
            && lines.last().unwrap().ends_with("with 2 warning(s) above"),
        "{out}"
    );
}

#[test]
fn check_reports_bad_not_covered_topics_with_their_line() {
    let dir = corpus_with(&[
        ("faq.md", "# FAQ\n\n## Does it help?\n\nYes.\n"),
        ("not_covered.toml", "[[topic]]\nname = \"prices\"\nredirect = \"Ask the desk.\"\nwords = [\"price\"]\npatterns = ['(unclosed']\n"),
    ]);
    let corpus = dir.path().join("corpus");
    let (status, out) = check(&corpus);
    assert_eq!(status, Some(1), "{out}");
    assert!(
        out.starts_with(&format!("{}:5: pattern does not compile", corpus.join("not_covered.toml").display())),
        "{out}"
    );
}

#[test]
fn serve_without_a_token_says_what_to_set_and_exits_2() {
    let output = bot().arg("serve").env_remove("DISCORD_TOKEN").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("DISCORD_TOKEN is not set"), "{stderr}");
}

#[test]
fn report_groups_and_counts_unanswered_questions() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("unanswered.jsonl");
    // The log and votes file of an earlier version: the first run imports them into the
    // database; the question log is deleted then, the votes file is not imported twice.
    let days_ago = |days| (chrono::Utc::now() - chrono::Duration::days(days)).to_rfc3339();
    let lines = [
        serde_json::json!({"time": days_ago(200), "text": "a question older than keep_days"}),
        serde_json::json!({"time": days_ago(4), "text": "Is there parking?"}),
        serde_json::json!({"time": days_ago(3), "text": "do you sell gift vouchers"}),
        serde_json::json!({"time": days_ago(2), "text": "is there PARKING"}),
        serde_json::json!({"time": days_ago(1), "text": "Is there parking??"}),
    ];
    std::fs::write(&log, lines.map(|line| line.to_string()).join("\n")).unwrap();
    let config = dir.path().join("config.toml");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::write(
        &config,
        format!(
            "[corpus]\ndir = {:?}\n[model]\ndir = {:?}\n[staff]\nunanswered_log = \"unanswered.jsonl\"\nfeedback_file = \"votes.json\"\n",
            root.join("corpus"),
            root.join("models/all-MiniLM-L6-v2")
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("votes.json"),
        r#"{"faq/a": {"helpful": 5, "not_helpful": 1}, "faq/b": {"helpful": 0, "not_helpful": 3}, "faq/c": {"helpful": 2, "not_helpful": 0}}"#,
    )
    .unwrap();
    let output = bot().arg("report").arg("--config").arg(&config).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(!log.exists(), "the old question log is gone once imported");
    let again = bot().arg("report").arg("--config").arg(&config).output().unwrap();
    assert_eq!(text(&again.stdout), text(&output.stdout), "imported once");
    let report = text(&output.stdout);
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines[0], "Unanswered questions: 4 in 2 groups. Most frequent:");
    assert_eq!(lines[1], "   3 × Is there parking??");
    assert_eq!(lines[2], "       → already redirected (not covered: clinic_visits)");
    assert_eq!(lines[3], "   1 × do you sell gift vouchers");
    assert_eq!(lines[4], "       → already redirected (not covered: clinic_prices)");
    assert_eq!(lines[6], "Least helpful passages (not helpful / helpful):");
    assert_eq!(lines[7], "   3 / 0    faq/b");
    assert_eq!(lines[8], "   1 / 5    faq/a");
    assert_eq!(lines[10], "No staff actions recorded.");
    assert_eq!(lines.len(), 11, "passages nobody found unhelpful are not listed");
}
