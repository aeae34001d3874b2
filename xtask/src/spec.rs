//! Finding, verifying and loading the API document.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// `spec/provenance.toml`.
#[derive(Debug, Deserialize)]
pub struct Provenance {
    /// Version `generated/` is produced from.
    pub base: String,
    /// Known documents.
    #[serde(rename = "document")]
    pub documents: Vec<Document>,
}

/// One known document.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct Document {
    pub version: String,
    pub sha256: String,
    pub source: String,
    #[serde(default)]
    pub role: String,
}

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Reads `spec/provenance.toml`.
pub fn provenance() -> Result<Provenance> {
    let path = root().join("spec/provenance.toml");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// Reads `spec/overlay.toml`.
pub fn overlay() -> Result<String> {
    let path = root().join("spec/overlay.toml");
    std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
}

/// A verified document.
pub struct Loaded {
    pub path: PathBuf,
    pub text: String,
    pub version: String,
    pub is_base: bool,
}

/// Hex sha256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Chooses the document: `--spec`, else `$XAPI_SPEC`, else `spec/openapi.json`,
/// and refuses one whose sha256 `spec/provenance.toml` does not record.
pub fn load(explicit: Option<&Path>) -> Result<Loaded> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => match std::env::var_os("XAPI_SPEC") {
            Some(p) if !p.is_empty() => PathBuf::from(p),
            _ => root().join("spec/openapi.json"),
        },
    };
    let bytes = std::fs::read(&path).with_context(|| {
        format!(
            "cannot read the API document at {} (pass --spec PATH, set XAPI_SPEC, or place it at spec/openapi.json)",
            path.display()
        )
    })?;
    let digest = sha256_hex(&bytes);
    let prov = provenance()?;
    let Some(doc) = prov.documents.iter().find(|d| d.sha256 == digest) else {
        let known: Vec<String> = prov
            .documents
            .iter()
            .map(|d| format!("{} ({})", d.version, d.sha256))
            .collect();
        bail!(
            "refusing {}: its sha256 {digest} is not recorded in spec/provenance.toml (known: {})",
            path.display(),
            known.join(", ")
        );
    };
    let text = String::from_utf8(bytes).context("the document is not UTF-8")?;
    Ok(Loaded {
        path,
        text,
        version: doc.version.clone(),
        is_base: doc.version == prov.base,
    })
}
