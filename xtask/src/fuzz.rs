//! `cargo xtask fuzz`: runs each fuzz target of `fuzz/` for a while.
//!
//! Needs a nightly toolchain and `cargo-fuzz` (`cargo install cargo-fuzz`);
//! without them it says so and succeeds. Corpora live in
//! `target/fuzz-corpus/<target>`, seeded from `tests/fixtures` on every run;
//! crash reproducers go to `target/fuzz-artifacts/<target>/`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};

use crate::spec;

/// The fuzz targets of `fuzz/fuzz_targets`.
pub const TARGETS: &[&str] = &["decode", "framing", "validate"];

/// Statuses the `decode` target's second byte chooses from (same table as
/// `fuzz/fuzz_targets/decode.rs`).
const STATUSES: [u16; 8] = [200, 201, 400, 401, 403, 404, 429, 503];

/// Arguments of `cargo xtask fuzz`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Seconds of fuzzing per target (the build is not counted).
    #[arg(long, default_value_t = 60)]
    pub seconds: u64,
    /// Run only this target (decode, framing or validate).
    #[arg(long)]
    pub target: Option<String>,
    /// Sanitizer passed to cargo-fuzz (`none`, `address`, …). The crates
    /// forbid unsafe code; the targets look for panics and broken invariants.
    #[arg(long, default_value = "none")]
    pub sanitizer: String,
    /// Only write the seed corpora, do not build or run anything.
    #[arg(long)]
    pub seed_only: bool,
}

/// What one run reported.
#[derive(Debug, Default)]
struct Stats {
    runs: Option<u64>,
    seconds: Option<u64>,
    exec_per_sec: Option<u64>,
    corpus: Option<String>,
    coverage: Option<u64>,
    artifact: Option<String>,
}

/// Runs the command.
pub fn run(args: &Args) -> Result<bool> {
    let root = spec::root();
    let targets: Vec<&str> = match &args.target {
        Some(t) if TARGETS.contains(&t.as_str()) => vec![t.as_str()],
        Some(t) => bail!("unknown fuzz target {t:?} (known: {})", TARGETS.join(", ")),
        None => TARGETS.to_vec(),
    };
    let corpus_root = root.join("target/fuzz-corpus");
    for target in &targets {
        let dir = corpus_root.join(target);
        let written = seed(&root, target, &dir)?;
        println!("seeded {}: {written} file(s)", dir.display());
    }
    if args.seed_only {
        return Ok(true);
    }

    if !succeeds(Command::new("cargo").args(["+nightly", "--version"])) {
        println!("skipped: no nightly toolchain (rustup toolchain install nightly)");
        return Ok(true);
    }
    if !succeeds(Command::new("cargo").args(["+nightly", "fuzz", "--version"])) {
        println!("skipped: cargo-fuzz is not installed (cargo install cargo-fuzz)");
        return Ok(true);
    }

    let fuzz_dir = root.join("fuzz");
    // One build for all targets (they share the instrumented libraries).
    let started = Instant::now();
    let mut build = Command::new("cargo");
    build
        .current_dir(&root)
        .args(["+nightly", "fuzz", "build", "--sanitizer"])
        .arg(&args.sanitizer)
        .arg("--fuzz-dir")
        .arg(&fuzz_dir);
    if let [one] = targets.as_slice() {
        build.arg(one);
    }
    if !build
        .status()
        .context("running cargo fuzz build")?
        .success()
    {
        bail!("cargo fuzz build failed");
    }
    println!(
        "built the fuzz targets in {:.0} s",
        started.elapsed().as_secs_f64()
    );

    let mut ok = true;
    for target in &targets {
        let artifacts = root.join("target/fuzz-artifacts").join(target);
        std::fs::create_dir_all(&artifacts)?;
        let started = Instant::now();
        let output = Command::new("cargo")
            .current_dir(&root)
            .args(["+nightly", "fuzz", "run", target, "--sanitizer"])
            .arg(&args.sanitizer)
            .arg("--fuzz-dir")
            .arg(&fuzz_dir)
            .arg(corpus_root.join(target))
            .arg("--")
            .arg(format!("-max_total_time={}", args.seconds))
            .arg(format!("-artifact_prefix={}/", artifacts.display()))
            .args(["-print_final_stats=1", "-timeout=10", "-rss_limit_mb=2048"])
            .stdin(Stdio::null())
            .stdout(Stdio::inherit())
            .stderr(Stdio::piped())
            .output()
            .context("running cargo fuzz run")?;
        let ran = started.elapsed().as_secs_f64();
        let log = String::from_utf8_lossy(&output.stderr);
        let stats = parse_stats(&log);
        let tail: Vec<&str> = log.lines().rev().take(40).collect();
        let verdict = if output.status.success() {
            "ok".to_owned()
        } else {
            ok = false;
            for line in tail.iter().rev() {
                eprintln!("{line}");
            }
            format!(
                "FAILED ({}; reproduce: cargo +nightly fuzz run {target} --fuzz-dir fuzz {})",
                output.status,
                stats.artifact.as_deref().unwrap_or("<artifact>")
            )
        };
        println!(
            "fuzz {target}: {verdict}: {} runs in {} s ({} exec/s), coverage {}, corpus {}; wall {ran:.0} s",
            stats.runs.map_or("?".to_owned(), |r| r.to_string()),
            stats.seconds.map_or("?".to_owned(), |r| r.to_string()),
            stats.exec_per_sec.map_or("?".to_owned(), |r| r.to_string()),
            stats.coverage.map_or("?".to_owned(), |r| r.to_string()),
            stats.corpus.as_deref().unwrap_or("?"),
        );
    }
    Ok(ok)
}

fn succeeds(command: &mut Command) -> bool {
    command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Reads libFuzzer's final statistics from its log.
fn parse_stats(log: &str) -> Stats {
    let mut stats = Stats::default();
    for line in log.lines() {
        let number_after = |key: &str| -> Option<u64> {
            line.split_once(key)
                .and_then(|(_, rest)| rest.split_whitespace().next())
                .and_then(|n| n.parse().ok())
        };
        if let Some(n) = number_after("stat::number_of_executed_units:") {
            stats.runs = Some(n);
        } else if let Some(n) = number_after("stat::average_exec_per_sec:") {
            stats.exec_per_sec = Some(n);
        } else if line.starts_with('#') {
            if let Some(n) = number_after(" cov: ") {
                stats.coverage = Some(n);
            }
            if let Some((_, rest)) = line.split_once(" corp: ") {
                stats.corpus = rest.split_whitespace().next().map(str::to_owned);
            }
        }
        if let Some(rest) = line.strip_prefix("Done ") {
            let words: Vec<&str> = rest.split_whitespace().collect();
            if let [runs, "runs", "in", secs, ..] = words.as_slice() {
                stats.runs = stats.runs.or(runs.parse().ok());
                stats.seconds = secs.parse().ok();
            }
        }
        if let Some((_, path)) = line.split_once("Test unit written to ") {
            stats.artifact = Some(path.trim().to_owned());
        }
    }
    stats
}

/// Writes the seed inputs of `target` into `dir`; returns how many are new.
fn seed(root: &Path, target: &str, dir: &Path) -> Result<usize> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let inputs = match target {
        "decode" => decode_seeds(root)?,
        "framing" => framing_seeds(root)?,
        "validate" => validate_seeds(root)?,
        other => bail!("no seeds for {other}"),
    };
    let mut written = 0;
    for input in inputs {
        let name = hex(&Sha256::digest(&input));
        let path = dir.join(&name[..40]);
        if !path.exists() {
            std::fs::write(&path, &input).with_context(|| format!("writing {}", path.display()))?;
            written += 1;
        }
    }
    Ok(written)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Operation ids in the order of `OPERATIONS` with every feature on (read
/// from the generated table, since this tool does not depend on the
/// generated crate). The table lists the operations' statics by name; each
/// static's `id` is read from its definition.
fn operation_ids(root: &Path) -> Result<Vec<String>> {
    let path = root.join("generated/src/ops.rs");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    operation_ids_of(&text).with_context(|| format!("reading the table of {}", path.display()))
}

fn operation_ids_of(text: &str) -> Result<Vec<String>> {
    let mut ids_by_static = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(rest) = line.strip_prefix("pub static ") else {
            continue;
        };
        let Some((name, ty)) = rest.split_once(':') else {
            continue;
        };
        if !ty.trim_start().starts_with("crate::runtime::Operation =") {
            continue;
        }
        let id = lines
            .next()
            .and_then(|l| l.trim().strip_prefix("id: \""))
            .and_then(|l| l.split_once('"'))
            .map(|(id, _)| id.to_owned())
            .with_context(|| format!("no id on the line after `pub static {name}`"))?;
        ids_by_static.insert(name.trim().to_owned(), id);
    }
    let start = text
        .find("pub static OPERATIONS")
        .context("no OPERATIONS table")?;
    let mut ids = Vec::new();
    for line in text[start..].lines().skip(1) {
        let line = line.trim();
        if line == "];" {
            break;
        }
        if line.is_empty() || line.starts_with("#[") || line.starts_with("//") {
            continue;
        }
        let name = line.trim_end_matches(',');
        let id = ids_by_static
            .get(name)
            .with_context(|| format!("OPERATIONS lists {name}, which is not defined"))?;
        ids.push(id.clone());
    }
    if ids.is_empty() {
        bail!("OPERATIONS lists no operation");
    }
    if ids.len() != ids_by_static.len() {
        bail!(
            "OPERATIONS lists {} operations, {} are defined",
            ids.len(),
            ids_by_static.len()
        );
    }
    Ok(ids)
}

/// Fixture files: (operation, status, stream, path).
fn fixtures(root: &Path) -> Result<Vec<(String, u16, bool, PathBuf)>> {
    let dir = root.join("tests/fixtures");
    let mut out = Vec::new();
    for op in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
        let op = op?;
        if !op.path().is_dir() {
            continue;
        }
        let name = op.file_name().to_string_lossy().into_owned();
        for file in std::fs::read_dir(op.path())? {
            let file = file?;
            let fname = file.file_name().to_string_lossy().into_owned();
            let stream = fname.ends_with(".jsonl");
            if !stream && !fname.ends_with(".json") {
                continue;
            }
            let Some(status) = fname.get(..3).and_then(|s| s.parse().ok()) else {
                continue;
            };
            out.push((name.clone(), status, stream, file.path()));
        }
    }
    out.sort_by(|a, b| a.3.cmp(&b.3));
    Ok(out)
}

fn lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    bytes
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
}

/// `[operation index, status index] + body` for every fixture body.
fn decode_seeds(root: &Path) -> Result<Vec<Vec<u8>>> {
    let ids = operation_ids(root)?;
    let index: BTreeMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let mut out = Vec::new();
    for (op, status, stream, path) in fixtures(root)? {
        let Some(&i) = index.get(op.as_str()) else {
            continue;
        };
        let Ok(op_byte) = u8::try_from(i) else {
            continue;
        };
        let status_byte = STATUSES
            .iter()
            .position(|s| *s == status)
            .unwrap_or(if (200..300).contains(&status) { 0 } else { 2 });
        let bytes = std::fs::read(&path)?;
        let bodies: Vec<&[u8]> = if stream {
            lines(&bytes).collect()
        } else {
            vec![&bytes]
        };
        for body in bodies {
            let mut input = vec![op_byte, status_byte as u8];
            input.extend_from_slice(body);
            out.push(input);
        }
    }
    Ok(out)
}

/// Stream fixtures, whole and cut in a few places.
fn framing_seeds(root: &Path) -> Result<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    for (_, _, stream, path) in fixtures(root)? {
        if !stream {
            continue;
        }
        let payload = std::fs::read(&path)?;
        let mut whole = vec![0u8];
        whole.extend_from_slice(&payload);
        out.push(whole);
        let len = payload.len().max(1);
        let mut cut = vec![3u8];
        for k in 1..=3usize {
            let at = u16::try_from(len * k / 4 % 65_536).unwrap_or(0);
            cut.extend_from_slice(&at.to_le_bytes());
        }
        cut.extend_from_slice(&payload);
        out.push(cut);
    }
    out.push(b"\x00{\"a\":1}\r\n\r\n{\"b\":2}\n\r\n{\"c\"".to_vec());
    Ok(out)
}

/// One input per operation: every parameter set to a plausible value.
/// Bodies the `validate` seeds carry, in turn (the first is none).
const SEED_BODIES: [&str; 6] = [
    "",
    "{}",
    r#"{"text":"hi","media":{"media_ids":["1"]}}"#,
    r#"{"name":"n","type":"tweets"}"#,
    r#"{"conversation_type":"Group","participant_ids":["1","2"],"message":{"text":"a"}}"#,
    r#"{"add":[{"value":"cats","tag":"t"}]}"#,
];

fn validate_seeds(root: &Path) -> Result<Vec<Vec<u8>>> {
    let count = operation_ids(root)?.len().min(256);
    let values: [&[u8]; 4] = [b"1146654567674912769", b"rust", b"10", b"id,text"];
    let mut out = Vec::new();
    for i in 0..count {
        let mut input = vec![i as u8];
        let body = SEED_BODIES[i % SEED_BODIES.len()].as_bytes();
        input.extend_from_slice(&(body.len() as u16).to_le_bytes());
        input.extend_from_slice(body);
        for k in 0..8 {
            let v = values[(i + k) % values.len()];
            input.push(1);
            input.push(v.len() as u8);
            input.extend_from_slice(v);
        }
        out.push(input);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = r#"///Operation `b`.
#[cfg(feature = "x")]
pub static B_OP: crate::runtime::Operation = crate::runtime::Operation {
    id: "bOp",
    method: "GET",
};
pub static A_OP: crate::runtime::Operation = crate::runtime::Operation {
    id: "aOp",
    method: "GET",
};
pub static OPERATIONS: &[crate::runtime::Operation] = &[
    A_OP,
    #[cfg(feature = "x")]
    B_OP,
];
"#;

    #[test]
    fn ids_follow_the_order_of_the_table() {
        assert_eq!(operation_ids_of(TABLE).expect("table"), ["aOp", "bOp"]);
    }

    #[test]
    fn a_table_naming_an_undefined_static_is_refused() {
        let broken = TABLE.replace("    B_OP,\n", "    C_OP,\n");
        let err = operation_ids_of(&broken).expect_err("C_OP is not defined");
        assert!(err.to_string().contains("C_OP"), "{err}");
    }

    #[test]
    fn the_generated_table_lists_every_operation_in_order() {
        let ids = operation_ids(&spec::root()).expect("generated/src/ops.rs");
        let fixtures = std::fs::read_dir(spec::root().join("tests/fixtures"))
            .expect("fixtures")
            .count();
        assert!(
            ids.len() >= fixtures,
            "{} ids, {fixtures} fixture dirs",
            ids.len()
        );
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted, "OPERATIONS is sorted by operation id");
    }
}
