//! Shared helpers for the contract and integration tests.
#![deny(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

pub mod fault_server;
pub mod stream_server;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// The API document, which the repository does not hold: `$XAPI_SPEC`,
/// `spec/openapi.json`, or the shared copy beside the workspace, the first
/// that is a file.
pub fn find_document() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("XAPI_SPEC").map(PathBuf::from),
        Some(root().join("spec/openapi.json")),
        Some(root().join("../shared/x-api/openapi-2.159.json")),
    ];
    candidates.into_iter().flatten().find(|p| p.is_file())
}

/// One fixture file: `tests/fixtures/<operationId>/<status>_<label>.json[l]`.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// Operation id (the folder name).
    pub operation: String,
    /// HTTP status (the file name's prefix).
    pub status: u16,
    /// Whether the file holds one message per line.
    pub stream: bool,
    /// Path of the file.
    pub path: PathBuf,
}

impl Fixture {
    /// Short name for messages: `operation/file`.
    pub fn name(&self) -> String {
        format!(
            "{}/{}",
            self.operation,
            self.path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        )
    }

    /// The bodies in the file: the whole file, or each non-empty line.
    pub fn bodies(&self) -> Vec<(usize, Vec<u8>)> {
        let bytes = std::fs::read(&self.path).unwrap_or_default();
        if !self.stream {
            return vec![(0, bytes)];
        }
        bytes
            .split(|b| *b == b'\n')
            .enumerate()
            .map(|(i, l)| (i + 1, l.strip_suffix(b"\r").unwrap_or(l).to_vec()))
            .filter(|(_, l)| !l.iter().all(u8::is_ascii_whitespace))
            .collect()
    }
}

/// Every fixture, sorted by path.
pub fn fixtures() -> Vec<Fixture> {
    let dir = root().join("tests/fixtures");
    let mut out = Vec::new();
    let Ok(ops) = std::fs::read_dir(&dir) else {
        return out;
    };
    for op in ops.flatten() {
        if !op.path().is_dir() {
            continue;
        }
        let operation = op.file_name().to_string_lossy().into_owned();
        let Ok(files) = std::fs::read_dir(op.path()) else {
            continue;
        };
        for file in files.flatten() {
            let name = file.file_name().to_string_lossy().into_owned();
            let stream = name.ends_with(".jsonl");
            if !stream && !name.ends_with(".json") {
                continue;
            }
            let Some(status) = name.get(..3).and_then(|s| s.parse().ok()) else {
                continue;
            };
            out.push(Fixture {
                operation: operation.clone(),
                status,
                stream,
                path: file.path(),
            });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// Decodes one body as `operation`'s response for `status` and serialises it
/// back: a 2xx through the operation's success model (or, with `stream`, its
/// message model), any other status through the problem model. `None` when
/// the operation has no such decoder.
pub fn dispatch(
    operation: &str,
    status: u16,
    stream: bool,
    body: &[u8],
) -> Option<Result<serde_json::Value, xapi_generated::runtime::DecodeFailure>> {
    if !(200..300).contains(&status) {
        return Some(xapi_generated::runtime::reencode::<
            xapi_generated::models::Problem,
        >(body));
    }
    if stream {
        xapi_generated::ops::reencode_stream_message(operation, body)
    } else {
        xapi_generated::ops::reencode_success(operation, body)
    }
}

/// Decodes one body as the fixture's operation/status and serialises it back.
pub fn reencode(fixture: &Fixture, body: &[u8]) -> Result<serde_json::Value, String> {
    match dispatch(&fixture.operation, fixture.status, fixture.stream, body) {
        Some(result) => result.map_err(|f| f.to_string()),
        None => Err(format!("no decoder for {}", fixture.operation)),
    }
}

/// Decodes `body` and checks that nothing is lost in the round trip.
pub fn roundtrip(fixture: &Fixture, body: &[u8]) -> Result<(), String> {
    let original: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let back = reencode(fixture, body)?;
    xapi_generated::runtime::json_equivalent(&original, &back)
        .map_err(|(path, why)| format!("{path}: {why}"))
}
