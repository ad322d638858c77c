//! The sentence-embedding model shipped in `models/` (all-MiniLM-L6-v2): loading it from
//! local files, and turning texts into unit vectors whose dot product is their cosine
//! similarity, as sentence-transformers computes them (mean pooling over the tokens, then
//! L2 normalisation).
//!
//! This module owns the model, its vectors and their cache on disk ([`cache`]), and the
//! queue that batches questions for it off the async runtime ([`queue`]). It does not decide
//! what a similarity means for an answer: that is `search`'s job. Nothing here reaches the
//! network; a missing or damaged model folder is a [`ModelError`], never a panic.

pub mod cache;
mod packed;
pub mod queue;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use candle_core::{DType, Device};
use candle_nn::VarBuilder;
use tokenizers::{Encoding, Tokenizer, TruncationParams, TruncationStrategy};

use packed::{Config, Encoder};

/// The folder of the shipped model, relative to the config file's folder.
pub const DEFAULT_MODEL_DIR: &str = "models/all-MiniLM-L6-v2";
/// The length of every vector.
pub const DIMENSIONS: usize = 384;
/// Texts longer than this many tokens are cut, as sentence-transformers does for this model.
/// (The tokenizer file itself says 128 and pads everything to it; both are overridden.)
const MAX_TOKENS: usize = 256;
/// In the WordPiece vocabulary, whole words start after the reserved and single-character
/// entries, in roughly descending order of frequency in English.
const FIRST_WHOLE_WORD_ID: u32 = 1996;

const CONFIG_FILE: &str = "config.json";
const TOKENIZER_FILE: &str = "tokenizer.json";
const WEIGHTS_FILE: &str = "model.safetensors";

/// Sets `RAYON_NUM_THREADS`, unless it is already set, to the number of threads the process
/// may run at once. Call it first thing in `main`, before any thread starts: the environment
/// is not safe to change while other threads read it.
///
/// The matrix library asks how many threads to use on every matrix product, and without the
/// variable it counts the physical cores by reading `/proc/cpuinfo` each time (34 µs a read,
/// some fifty products a question): on the two-core development machine that was 2 to 4 ms of
/// a question's 7 to 11 ms of inference. With the variable set, the answer is one environment
/// read. The count is the one rayon itself would choose, which also respects a container's
/// CPU limit, where a count of physical cores would not.
pub fn settle_thread_count() {
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        std::env::set_var("RAYON_NUM_THREADS", threads.to_string());
    }
}

/// Why the model could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(
        "the embedding model is missing: {} not found (restore models/ from the repository, or set [model] dir in config.toml)",
        .0.display()
    )]
    Missing(PathBuf),
    #[error("the embedding model is damaged: {}: {reason} (restore models/ from the repository)", file.display())]
    Damaged { file: PathBuf, reason: String },
    #[error("the embedding model failed on a text: {0}")]
    Inference(String),
}

/// A unit vector: the meaning of one text.
#[derive(Debug, Clone, PartialEq)]
pub struct Vector(Box<[f32]>);

impl Vector {
    /// Cosine similarity with another unit vector.
    pub fn cosine(&self, other: &Vector) -> f32 {
        dot(&self.0, &other.0)
    }

    pub fn as_slice(&self) -> &[f32] {
        &self.0
    }

    /// The vector of nothing: similar to nothing (every cosine is 0).
    pub fn zero() -> Vector {
        Vector(vec![0.0; DIMENSIONS].into_boxed_slice())
    }

    pub(crate) fn from_slice(values: &[f32]) -> Vector {
        Vector(values.into())
    }
}

/// The dot product of two rows of numbers: the cosine, for unit vectors.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Eight running sums instead of one: a single sum is a chain the compiler may not reorder,
    // eight independent ones become SIMD lanes (the semantic red-flag layer takes thousands
    // of these per message).
    let mut sums = [0.0f32; 8];
    let (a_chunks, b_chunks) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a_chunks.remainder().iter().zip(b_chunks.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in a_chunks.zip(b_chunks) {
        for lane in 0..8 {
            sums[lane] += x[lane] * y[lane];
        }
    }
    sums.iter().sum::<f32>() + tail
}

/// Whole English words the model's vocabulary lists, with their rank by frequency (0 is the
/// most frequent): a word in it is a real word, not a typo.
#[derive(Debug, Clone, Default)]
pub struct EnglishWords(HashMap<String, u32>);

impl FromIterator<(String, u32)> for EnglishWords {
    fn from_iter<I: IntoIterator<Item = (String, u32)>>(words: I) -> EnglishWords {
        EnglishWords(words.into_iter().collect())
    }
}

impl EnglishWords {
    /// The word's frequency rank, if it is a known English word (lowercase, unaccented).
    pub fn rank(&self, word: &str) -> Option<u32> {
        self.0.get(word).copied()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The loaded model: tokenizer and BERT weights, on the CPU.
pub struct Model {
    tokenizer: Tokenizer,
    encoder: Encoder,
    fingerprint: u128,
    english: EnglishWords,
    /// How many texts went through the model, for tests that a question never re-embeds
    /// the corpus.
    embedded: AtomicU64,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model").field("fingerprint", &format_args!("{:032x}", self.fingerprint)).finish_non_exhaustive()
    }
}

impl Model {
    /// Loads the model folder: `config.json`, `tokenizer.json` and `model.safetensors`
    /// (f16 or f32 weights, computed in f32).
    pub fn load(dir: &Path) -> Result<Model, ModelError> {
        if !dir.is_dir() {
            return Err(ModelError::Missing(dir.to_path_buf()));
        }
        let read = |name: &str| -> Result<(PathBuf, Vec<u8>), ModelError> {
            let path = dir.join(name);
            match std::fs::read(&path) {
                Ok(bytes) => Ok((path, bytes)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ModelError::Missing(path)),
                Err(e) => Err(ModelError::Damaged { file: path, reason: e.to_string() }),
            }
        };
        let (config_path, config_bytes) = read(CONFIG_FILE)?;
        let (tokenizer_path, tokenizer_bytes) = read(TOKENIZER_FILE)?;
        let (weights_path, weights) = read(WEIGHTS_FILE)?;
        let damaged = |file: &Path| {
            let file = file.to_path_buf();
            move |reason: String| ModelError::Damaged { file, reason }
        };

        let config: Config = serde_json::from_slice(&config_bytes).map_err(|e| damaged(&config_path)(e.to_string()))?;
        if config.hidden_size != DIMENSIONS {
            return Err(damaged(&config_path)(format!(
                "hidden_size is {}, the bot expects {DIMENSIONS}",
                config.hidden_size
            )));
        }
        if config.hidden_act != "gelu" {
            return Err(damaged(&config_path)(format!(
                "hidden_act is {:?}, the bot computes \"gelu\"",
                config.hidden_act
            )));
        }
        let mut tokenizer =
            Tokenizer::from_bytes(&tokenizer_bytes).map_err(|e| damaged(&tokenizer_path)(e.to_string()))?;
        tokenizer
            .with_padding(None)
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                strategy: TruncationStrategy::LongestFirst,
                ..Default::default()
            }))
            .map_err(|e| damaged(&tokenizer_path)(e.to_string()))?;

        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        for bytes in [&config_bytes, &tokenizer_bytes, &weights] {
            hasher.update(&(bytes.len() as u64).to_le_bytes());
            hasher.update(bytes);
        }
        let fingerprint = hasher.digest128();
        // The safe loader: it copies the weights rather than mapping the file, which costs
        // 45 MB once and keeps a file changed underneath the process from being undefined
        // behaviour.
        let weights = VarBuilder::from_buffered_safetensors(weights, DType::F32, &Device::Cpu)
            .map_err(|e| damaged(&weights_path)(e.to_string()))?;
        let encoder = Encoder::load(weights, &config).map_err(|e| damaged(&weights_path)(e.to_string()))?;
        let english = english_words(&tokenizer);
        let model = Model { tokenizer, encoder, fingerprint, english, embedded: AtomicU64::new(0) };
        // A file can parse and still be wrong (a truncated tensor, another model's
        // tokenizer): one embedding now turns that into a load error rather than a failure
        // on the first question.
        model.embed(&["sciatica"]).map_err(|e| damaged(&weights_path)(e.to_string()))?;
        Ok(model)
    }

    /// A hash of the model's files: vectors computed by another model are never reused.
    pub fn fingerprint(&self) -> u128 {
        self.fingerprint
    }

    pub fn english_words(&self) -> &EnglishWords {
        &self.english
    }

    /// How many texts this model has embedded since it was loaded.
    pub fn texts_embedded(&self) -> u64 {
        self.embedded.load(Ordering::Relaxed)
    }

    /// The vectors of the texts, in order, computed in as few passes of the model as they
    /// fit (see [`packed`]); an empty text gets the vector of the model's empty input.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vector>, ModelError> {
        self.embedded.fetch_add(texts.len() as u64, Ordering::Relaxed);
        // A text given twice is read once: a message of one clause is its own clause, and
        // the model's time goes by tokens.
        let mut distinct: Vec<&str> = Vec::with_capacity(texts.len());
        let mut seen: HashMap<&str, usize> = HashMap::with_capacity(texts.len());
        let slots: Vec<usize> = texts
            .iter()
            .map(|&text| {
                *seen.entry(text).or_insert_with(|| {
                    distinct.push(text);
                    distinct.len() - 1
                })
            })
            .collect();
        let encodings =
            self.tokenizer.encode_batch(distinct, true).map_err(|e| ModelError::Inference(e.to_string()))?;
        let encodings: Vec<&Encoding> = encodings.iter().collect();
        let pooled = self.encoder.pooled(&encodings).map_err(|e| ModelError::Inference(e.to_string()))?;
        let vectors: Vec<Vector> = pooled.into_iter().map(normalised).collect();
        Ok(slots.into_iter().map(|slot| vectors[slot].clone()).collect())
    }
}

fn normalised(mut values: Vec<f32>) -> Vector {
    let norm = dot(&values, &values).sqrt().max(1e-12);
    values.iter_mut().for_each(|v| *v /= norm);
    Vector(values.into_boxed_slice())
}

fn english_words(tokenizer: &Tokenizer) -> EnglishWords {
    EnglishWords(
        tokenizer
            .get_vocab(false)
            .into_iter()
            .filter(|(word, id)| {
                *id >= FIRST_WHOLE_WORD_ID && word.len() > 1 && word.bytes().all(|b| b.is_ascii_lowercase())
            })
            .map(|(word, id)| (word, id - FIRST_WHOLE_WORD_ID))
            .collect(),
    )
}
