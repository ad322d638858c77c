//! The shipped model against sentence-transformers itself: vectors computed once with
//! sentence-transformers from the original f32 model (`scripts/reference_vectors.py`) must
//! match ours (candle, f16 weights) within 1e-3. Also: a broken model folder is an error,
//! never a panic, and the vector cache gives back exactly what the model computed.

use std::path::Path;
use std::sync::LazyLock;

use sciatica_bot::embed::cache::embed_cached;
use sciatica_bot::embed::{Model, ModelError, DEFAULT_MODEL_DIR};
use serde::Deserialize;

static MODEL: LazyLock<Model> =
    LazyLock::new(|| Model::load(Path::new(DEFAULT_MODEL_DIR)).expect("the shipped model loads"));

#[derive(Deserialize)]
struct References {
    max_seq_length: usize,
    sentences: Vec<Reference>,
}

#[derive(Deserialize)]
struct Reference {
    text: String,
    vector: Vec<f32>,
}

#[test]
fn vectors_match_sentence_transformers() {
    let references: References =
        serde_json::from_str(&std::fs::read_to_string("tests/data/reference_vectors.json").unwrap()).unwrap();
    assert_eq!(references.max_seq_length, 256);
    let texts: Vec<&str> = references.sentences.iter().map(|r| r.text.as_str()).collect();
    // All at once (packed into one pass) and one at a time must both agree.
    let batched = MODEL.embed(&texts).unwrap();
    for (reference, ours) in references.sentences.iter().zip(&batched) {
        let alone = &MODEL.embed(&[reference.text.as_str()]).unwrap()[0];
        for vector in [ours, alone] {
            let worst = reference.vector.iter().zip(vector.as_slice()).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
            assert!(worst < 1e-3, "{:?}: differs by {worst}", reference.text);
        }
    }
}

#[test]
fn similar_meanings_are_close_and_different_ones_are_not() {
    let v = MODEL
        .embed(&["my bum hurts when I sit", "pain in the buttocks when sitting", "the price of a massage"])
        .unwrap();
    let close = v[0].cosine(&v[1]);
    let far = v[0].cosine(&v[2]);
    assert!((close - 0.787).abs() < 0.01, "{close}");
    assert!(far < 0.2, "{far}");
}

#[test]
fn the_model_knows_english_words_from_its_vocabulary() {
    let words = MODEL.english_words();
    assert!(words.len() > 15_000, "{}", words.len());
    assert!(words.rank("insurance").is_some() && words.rank("server").is_some());
    assert!(words.rank("the").unwrap() < words.rank("insurance").unwrap());
    assert!(words.rank("sciatca").is_none() && words.rank("##ing").is_none());
}

fn copy_model_to(dir: &Path) {
    for name in ["config.json", "tokenizer.json", "model.safetensors"] {
        std::fs::copy(Path::new(DEFAULT_MODEL_DIR).join(name), dir.join(name)).unwrap();
    }
}

#[test]
fn a_missing_or_damaged_model_is_an_error_naming_the_file() {
    let missing = Model::load(Path::new("no/such/model")).unwrap_err();
    assert!(matches!(missing, ModelError::Missing(_)), "{missing}");

    let dir = tempfile::tempdir().unwrap();
    copy_model_to(dir.path());
    std::fs::remove_file(dir.path().join("tokenizer.json")).unwrap();
    let error = Model::load(dir.path()).unwrap_err();
    assert!(matches!(&error, ModelError::Missing(p) if p.ends_with("tokenizer.json")), "{error}");

    type Damage = fn(&[u8]) -> Vec<u8>;
    let damage: [(&str, Damage); 5] = [
        ("model.safetensors", |b| b[..b.len() / 2].to_vec()),
        ("model.safetensors", |_| b"not a model".to_vec()),
        ("tokenizer.json", |_| b"{\"not\": \"a tokenizer\"}".to_vec()),
        ("config.json", |b| b[..10].to_vec()),
        // Another activation than the one the forward pass computes.
        ("config.json", |b| String::from_utf8_lossy(b).replace("\"gelu\"", "\"relu\"").into_bytes()),
    ];
    for (name, damaged) in damage {
        copy_model_to(dir.path());
        let original = std::fs::read(dir.path().join(name)).unwrap();
        std::fs::write(dir.path().join(name), damaged(&original)).unwrap();
        let error = Model::load(dir.path()).unwrap_err();
        assert!(matches!(&error, ModelError::Damaged { file, .. } if file.ends_with(name)), "{name}: {error}");
        assert!(!error.to_string().contains('\n'), "one line: {error}");
    }
}

#[test]
fn the_cache_returns_what_the_model_computed_and_only_adds_what_is_new() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vectors.bin");
    let texts = ["sciatica and massage", "heat or cold", "sciatica and massage"];
    let first = embed_cached(&MODEL, Some(&path), &texts).unwrap();
    assert_eq!(first, MODEL.embed(&texts).unwrap());
    let size = std::fs::metadata(&path).unwrap().len();
    let entry = 16 + 384 * 4;
    assert_eq!(size, 12 + 2 * entry, "a repeated text is stored once");

    let again = embed_cached(&MODEL, Some(&path), &texts[..2]).unwrap();
    assert_eq!(again, first[..2]);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), size, "nothing new, nothing written");

    let more = embed_cached(&MODEL, Some(&path), &["heat or cold", "a new passage"]).unwrap();
    assert_eq!(more[0], first[1]);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), size + entry, "appended");

    // A file cut short inside its last entry is rewritten whole, never appended to.
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(size + entry - 100).unwrap();
    let cut = embed_cached(&MODEL, Some(&path), &["heat or cold", "a new passage", "one more"]).unwrap();
    assert_eq!(cut[..2], more[..]);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), size + 2 * entry, "four whole entries");

    // A damaged cache is rebuilt, not trusted.
    std::fs::write(&path, b"SBVEC01\ngarbage").unwrap();
    assert_eq!(embed_cached(&MODEL, Some(&path), &texts).unwrap(), first);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), size);
}

#[test]
fn a_question_embeds_itself_and_never_the_corpus() {
    use sciatica_bot::config::{Config, ReplyConfig};
    let config = Config::default();
    let model = std::sync::Arc::new(Model::load(&config.model.dir).unwrap());
    let knowledge = sciatica_bot::Knowledge::load(&config, &model).unwrap();
    let before = model.texts_embedded();
    for question in ["does massage help my bum pain", "how often should i book", "what is sciatica?"] {
        sciatica_bot::respond(&knowledge, &ReplyConfig::default(), question);
    }
    assert_eq!(model.texts_embedded() - before, 3, "one text per question, nothing else");
}

/// A message of several clauses embeds each clause for the semantic red-flag layer, unless its
/// rules already find an emergency: then that layer could neither raise the tier nor make the
/// wording direct, so it does not run and its clauses are not read.
#[test]
fn clauses_are_embedded_only_while_the_semantic_layer_could_change_the_notice() {
    use sciatica_bot::config::{Config, ReplyConfig};
    use sciatica_bot::triage::{clauses, Clause};
    let config = Config::default();
    let model = std::sync::Arc::new(Model::load(&config.model.dir).unwrap());
    let knowledge = sciatica_bot::Knowledge::load(&config, &model).unwrap();
    let texts_read = |message: &str| {
        let before = model.texts_embedded();
        let response = sciatica_bot::respond(&knowledge, &ReplyConfig::default(), message);
        (model.texts_embedded() - before, response)
    };
    let (read, _) = texts_read("my back has been sore for weeks, the left leg tingles, can massage help?");
    assert_eq!(read, 4, "the question and its three clauses");
    let (read, response) = texts_read("my back has been sore for weeks, I wet myself last night, can massage help?");
    assert_eq!(read, 1, "the question only: the rules found an emergency");
    assert!(response.notice.unwrap().contains("Please get medical help now"));
    // Given the clauses' vectors anyway, the semantic layer stays out of such a message.
    let message = "my back is agony, I wet myself last night and didn't feel it";
    let texts = clauses(message);
    let vectors = model.embed(&texts.iter().map(String::as_str).collect::<Vec<_>>()).unwrap();
    let clauses: Vec<Clause> = texts.into_iter().zip(vectors).map(|(text, vector)| Clause { text, vector }).collect();
    let assessment = knowledge.triage.assess(message, &clauses);
    assert!(assessment.evidence.is_empty(), "{:?}", assessment.evidence);
    assert!(!assessment.flags.is_empty());
}
