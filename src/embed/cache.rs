//! Vectors kept on disk between runs, keyed by a hash of the model and the text, so that a
//! restart or a reload embeds only the passages that changed (10,000 passages take minutes
//! to embed from nothing, and a second to read back).
//!
//! The file is a cache: if it is missing, unreadable or from another format, everything is
//! embedded again and it is rewritten; a failure to write it is logged, never fatal. New
//! vectors are appended (an edit adds one passage to a file of tens of megabytes); the file is
//! replaced whole (written beside, then renamed) only when it is new, damaged or full, so a
//! reader never sees half of it except a last entry being appended, which it ignores.
//!
//! Layout: the 8-byte magic, the vector length as u32, then entries of a 16-byte key and
//! that many f32, all little-endian.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use super::{Model, ModelError, Vector, DIMENSIONS};

const MAGIC: &[u8; 8] = b"SBVEC01\n";
const HEADER: usize = MAGIC.len() + 4;
const ENTRY: usize = 16 + DIMENSIONS * 4;
/// Beyond this many vectors the ones the current corpus does not use are dropped when the
/// file is rewritten, so old versions of the corpus do not grow it without end.
const MAX_ENTRIES: usize = 100_000;

/// The vectors of `texts`, in order: read from the cache file where it has them, computed
/// (and added to it) where it does not. With no `path`, everything is computed.
pub fn embed_cached(model: &Model, path: Option<&Path>, texts: &[&str]) -> Result<Vec<Vector>, ModelError> {
    let keys: Vec<u128> = texts.iter().map(|text| key(model, text)).collect();
    let (stored, whole) = path.map(read).unwrap_or_default();
    let mut found: Vec<Option<Vector>> = keys.iter().map(|k| stored.get(k).map(|v| Vector::from_slice(v))).collect();
    let mut missing: Vec<usize> = (0..texts.len()).filter(|&i| found[i].is_none()).collect();
    // The same text twice (a question repeated in two places) is embedded once.
    let mut seen = std::collections::HashSet::new();
    missing.retain(|&i| seen.insert(keys[i]));
    if missing.is_empty() {
        return Ok(found.into_iter().map(|v| v.expect("all found")).collect());
    }
    let computed = model.embed(&missing.iter().map(|&i| texts[i]).collect::<Vec<_>>())?;
    let mut new: HashMap<u128, Vector> = HashMap::new();
    for (&i, vector) in missing.iter().zip(computed) {
        new.insert(keys[i], vector);
    }
    for (slot, k) in found.iter_mut().zip(&keys) {
        if slot.is_none() {
            *slot = new.get(k).cloned();
        }
    }
    if let Some(path) = path {
        let written = if whole && stored.len() + new.len() <= MAX_ENTRIES {
            append(path, &new)
        } else {
            write(path, &stored, &new, &keys)
        };
        if let Err(error) = written {
            tracing::warn!(%error, path = %path.display(), "cannot write the vector cache; vectors will be computed again next time");
        }
    }
    Ok(found.into_iter().map(|v| v.expect("computed")).collect())
}

fn key(model: &Model, text: &str) -> u128 {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(&model.fingerprint().to_le_bytes());
    hasher.update(text.as_bytes());
    hasher.digest128()
}

/// Every vector in the file, and whether the file is whole (so that entries can be appended
/// to it); an absent, foreign or damaged file reads as empty.
fn read(path: &Path) -> (HashMap<u128, Vec<f32>>, bool) {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Default::default(),
        Err(error) => {
            tracing::warn!(%error, path = %path.display(), "cannot read the vector cache; embedding again");
            return Default::default();
        }
    };
    let header_ok = bytes.len() >= HEADER
        && &bytes[..MAGIC.len()] == MAGIC
        && bytes[MAGIC.len()..HEADER] == (DIMENSIONS as u32).to_le_bytes();
    if !header_ok {
        tracing::warn!(path = %path.display(), "the vector cache has another format; embedding again");
        return Default::default();
    }
    let whole = (bytes.len() - HEADER).is_multiple_of(ENTRY);
    // A partial entry at the end (a file cut short) is ignored: chunks_exact leaves it out.
    let vectors = bytes[HEADER..]
        .chunks_exact(ENTRY)
        .map(|entry| {
            let key = u128::from_le_bytes(entry[..16].try_into().expect("16 bytes"));
            let values =
                entry[16..].chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes"))).collect();
            (key, values)
        })
        .collect();
    (vectors, whole)
}

/// Adds the new vectors at the end of a whole file.
fn append(path: &Path, new: &HashMap<u128, Vector>) -> std::io::Result<()> {
    let mut bytes = Vec::with_capacity(new.len() * ENTRY);
    for (key, vector) in new {
        push_entry(&mut bytes, *key, vector.as_slice());
    }
    let mut file = std::fs::OpenOptions::new().append(true).open(path)?;
    // One write of whole entries: with O_APPEND, two processes adding at once do not
    // interleave inside it.
    file.write_all(&bytes)?;
    file.sync_all()
}

fn push_entry(bytes: &mut Vec<u8>, key: u128, values: &[f32]) {
    bytes.extend_from_slice(&key.to_le_bytes());
    values.iter().for_each(|v| bytes.extend_from_slice(&v.to_le_bytes()));
}

/// Rewrites the file with the new vectors, the ones in use, and as many others as fit.
fn write(
    path: &Path,
    stored: &HashMap<u128, Vec<f32>>,
    new: &HashMap<u128, Vector>,
    in_use: &[u128],
) -> std::io::Result<()> {
    let in_use: std::collections::HashSet<u128> = in_use.iter().copied().collect();
    let room = MAX_ENTRIES.saturating_sub(new.len() + in_use.len());
    let kept = stored
        .iter()
        .filter(|(k, _)| in_use.contains(k))
        .chain(stored.iter().filter(|(k, _)| !in_use.contains(k)).take(room))
        .filter(|(k, _)| !new.contains_key(k))
        .map(|(k, v)| (*k, v.as_slice()));
    let entries: Vec<(u128, &[f32])> = new.iter().map(|(k, v)| (*k, v.as_slice())).chain(kept).collect();

    let mut bytes = Vec::with_capacity(HEADER + entries.len() * ENTRY);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&(DIMENSIONS as u32).to_le_bytes());
    for (key, values) in entries {
        push_entry(&mut bytes, key, values);
    }
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder)?;
    let mut file = tempfile::NamedTempFile::new_in(folder)?;
    file.write_all(&bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}
