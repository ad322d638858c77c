//! Support shared by the integration tests.

pub mod fake_discord;
// Used by some test binaries only.
#[allow(dead_code)]
pub mod postgres;
#[allow(dead_code)]
pub mod serve;
#[allow(dead_code)]
pub mod synthetic;

/// The `[model]` section of a config written outside the repository for a `serve` process: the
/// shipped model, and the vector cache the other tests fill, by absolute path, so the process
/// starts in seconds rather than embedding the whole corpus again.
pub fn shipped_model_section() -> String {
    let model = sciatica_bot::config::ModelConfig::default();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    format!("\n[model]\ndir = {:?}\ncache = {:?}\n", root.join(model.dir), root.join(model.cache))
}
