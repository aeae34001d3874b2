//! What the benches share: where the workspace and the payloads are.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace folder (the parent of the xapi crate).
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// Where the generated payloads are: `XAPI_BENCH_PAYLOADS`, or
/// `target/bench-payloads` in the workspace.
pub fn payload_dir() -> PathBuf {
    std::env::var_os("XAPI_BENCH_PAYLOADS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/bench-payloads"))
}

/// Runs the payload generator into `out`, with `stream_messages` stream
/// lines (0: none).
#[allow(dead_code)] // not every bench generates
pub fn generate(out: &Path, stream_messages: usize) -> Result<(), String> {
    let script = workspace_root().join("../shared/bench/gen_payloads.py");
    let status = Command::new("python3")
        .arg(&script)
        .arg("--out")
        .arg(out)
        .arg("--stream-messages")
        .arg(stream_messages.to_string())
        .status()
        .map_err(|e| format!("running {}: {e}", script.display()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} failed: {status}", script.display()))
    }
}
