//! Synthetic corpora of any size for the scale bench and the long tests: the shipped article
//! and FAQ, plus generated sections in their vocabulary, the same for every run (fixed seed),
//! so the vector cache filled by one run serves the next.

use std::path::Path;

/// Generated passages per file, to stay well under the 1 MiB file limit.
const PASSAGES_PER_FILE: usize = 400;

/// A small deterministic generator (xorshift64*), so every run benchmarks the same corpus.
struct Random(u64);

impl Random {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    }
}

/// Writes a corpus of about `passages` passages into `dir`: the shipped files, then generated
/// sections of three to six paragraphs, each paragraph two to four sentences of the real
/// article's words.
pub fn synthetic_corpus(passages: usize, dir: &Path) {
    let mut real = 0;
    let mut vocabulary = Vec::new();
    for entry in std::fs::read_dir("corpus").unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
        if path.extension().is_some_and(|e| e == "md") {
            let text = std::fs::read_to_string(&path).unwrap();
            real += text.split("\n\n").filter(|p| !p.starts_with('#') && !p.trim().is_empty()).count();
            vocabulary
                .extend(text.split_whitespace().map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase()));
        }
    }
    vocabulary.retain(|w| w.len() > 2);
    let mut random = Random(0x5eed);
    let word = |random: &mut Random| vocabulary[random.below(vocabulary.len())].clone();
    let (mut written, mut file, mut section) = (real, 0, 0);
    while written < passages {
        let mut text = format!("# Generated notes {file}\n");
        let mut in_file = 0;
        while in_file < PASSAGES_PER_FILE && written < passages {
            section += 1;
            let heading: Vec<String> = (0..4).map(|_| word(&mut random)).collect();
            text.push_str(&format!("\n## Section {section}: {}\n", heading.join(" ")));
            for _ in 0..3 + random.below(4) {
                let sentences: Vec<String> = (0..2 + random.below(3))
                    .map(|_| {
                        let words: Vec<String> = (0..10 + random.below(16)).map(|_| word(&mut random)).collect();
                        let mut sentence = words.join(" ");
                        sentence[..1].make_ascii_uppercase();
                        format!("{sentence}.")
                    })
                    .collect();
                text.push_str(&format!("\n{}\n", sentences.join(" ")));
                written += 1;
                in_file += 1;
            }
        }
        std::fs::write(dir.join(format!("generated-{file:03}.md")), text).unwrap();
        file += 1;
    }
}
