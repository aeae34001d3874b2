//! `cargo xtask bench [--quick]`: generates the benchmark payloads when
//! missing, builds the `xapi` benches (bench profile), runs them in their
//! ratio modes and prints a table; the last line gives the ratios.
//!
//! Method: each bench process runs with glibc's mmap and trim thresholds
//! pinned (`MALLOC_MMAP_THRESHOLD_`, `MALLOC_TRIM_THRESHOLD_`), so that large
//! buffers come from the heap and stay there from one iteration to the next.
//! The cases of one payload are interleaved round by round and every
//! iteration is timed on its own; ratios compare the best iterations of the
//! same run (`value time / our time`: above 1 we are faster). The join's
//! overhead is the median, over the joined iterations, of the time spent
//! joining divided by the rest of the iteration (the larger of the two pages
//! is reported). The pagination figure is the growth of the peak resident set
//! while following 100 pages, divided by the size of one page's body (the
//! median of five fresh processes; see `xapi/benches/overhead.rs`), with
//! its data part (`pagination_data_pages`: without the code faulted in on
//! the first request) beside it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::spec;

/// Arguments of `cargo xtask bench`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Fewer rounds (about a minute once the benches are built).
    #[arg(long)]
    pub quick: bool,
    /// Pages followed by the pagination memory measurement.
    #[arg(long, default_value_t = 100)]
    pub pages: usize,
}

/// Pinned glibc allocator settings for the bench processes.
const MALLOC_ENV: [(&str, &str); 2] = [
    ("MALLOC_MMAP_THRESHOLD_", "33554432"),
    ("MALLOC_TRIM_THRESHOLD_", "268435456"),
];

/// Stream messages in the stream payload.
const STREAM_MESSAGES: &str = "10000";

/// Best and median time of one case.
#[derive(Debug, Clone, Copy)]
struct Timing {
    min_ns: f64,
    median_ns: f64,
    bytes: f64,
}

/// Runs the command.
pub fn run(args: &Args) -> Result<bool> {
    let root = spec::root();
    let started = Instant::now();
    ensure_payloads(&root)?;

    let build_started = Instant::now();
    let exes = build(&root)?;
    let build_secs = build_started.elapsed().as_secs_f64();
    let exe = |name: &str| {
        exes.get(name)
            .cloned()
            .with_context(|| format!("cargo built no `{name}` bench"))
    };
    let (decode, overhead, flatten) = (exe("decode")?, exe("overhead")?, exe("flatten")?);

    let mode: &[&str] = if args.quick {
        &["--ratios", "--quick"]
    } else {
        &["--ratios"]
    };
    let decode_out = run_bench(&root, &decode, mode)?;
    let overhead_out = run_bench(&root, &overhead, mode)?;
    let flatten_out = run_bench(&root, &flatten, mode)?;
    // The resident set depends on how the answers were cut into reads: each
    // memory figure is the median of five fresh processes.
    let pages = args.pages.to_string();
    let memory = |pages: &str| -> Result<String> {
        let mut runs = (0..5)
            .map(|_| run_bench(&root, &overhead, &["--pagination-memory", "--pages", pages]))
            .collect::<Result<Vec<String>>>()?;
        runs.sort_by(|a, b| growth_of(a).total_cmp(&growth_of(b)));
        Ok(runs.swap_remove(2))
    };
    let memory_one = memory("1")?;
    let memory_many = memory(&pages)?;

    let mut timings: BTreeMap<(String, String), Timing> = BTreeMap::new();
    let mut joins: BTreeMap<String, f64> = BTreeMap::new();
    let mut checks = String::new();
    for line in decode_out
        .lines()
        .chain(overhead_out.lines())
        .chain(flatten_out.lines())
    {
        let mut words = line.split_whitespace();
        match words.next() {
            Some("result") => {
                let (Some(group), Some(case)) = (words.next(), words.next()) else {
                    continue;
                };
                let kv = pairs(line);
                timings.insert(
                    (group.to_owned(), case.to_owned()),
                    Timing {
                        min_ns: kv.get("min_ns").copied().unwrap_or(f64::NAN),
                        median_ns: kv.get("median_ns").copied().unwrap_or(f64::NAN),
                        bytes: kv.get("bytes").copied().unwrap_or(f64::NAN),
                    },
                );
            }
            Some("join") => {
                if let (Some(group), Some(pct)) = (words.next(), pairs(line).get("pct")) {
                    joins.insert(group.to_owned(), *pct);
                }
            }
            Some("check") => checks = line.trim_start_matches("check ").to_owned(),
            _ => {}
        }
    }
    let get = |g: &str, c: &str| {
        timings
            .get(&(g.to_owned(), c.to_owned()))
            .copied()
            .with_context(|| format!("the benches printed no `{g} {c}` result"))
    };
    let mem = |out: &str| {
        out.lines()
            .find(|l| l.starts_with("memory "))
            .map(pairs)
            .context("the pagination measurement printed no `memory` line")
    };
    let (mem_one, mem_many) = (mem(&memory_one)?, mem(&memory_many)?);

    println!();
    println!(
        "{:<8} {:<11} {:>11} {:>11} {:>9} {:>10} {:>10}",
        "payload", "case", "best", "median", "MB/s", "x value", "x (med)"
    );
    for group in ["search", "users", "stream"] {
        let value = get(group, "value")?;
        for case in ["value", "typed", "typed_join", "fast_join"] {
            // `fast_join` (the `simd` feature) is measured on search pages only.
            let t = match get(group, case) {
                Ok(t) => t,
                Err(_) if case == "fast_join" => continue,
                Err(e) => return Err(e),
            };
            println!(
                "{:<8} {:<11} {:>11} {:>11} {:>9.0} {:>10.2} {:>10.2}",
                group,
                case,
                human(t.min_ns),
                human(t.median_ns),
                t.bytes / t.min_ns * 1e3,
                value.min_ns / t.min_ns,
                value.median_ns / t.median_ns
            );
        }
    }
    if let (Ok(frame), Ok(ours)) = (get("stream", "frame_only"), get("stream", "typed_join")) {
        println!(
            "{:<8} {:<11} {:>11} {:>11} {:>9.0}   ({:.1}% of the stream pipeline)",
            "stream",
            "frame_only",
            human(frame.min_ns),
            human(frame.median_ns),
            frame.bytes / frame.min_ns * 1e3,
            100.0 * frame.min_ns / ours.min_ns
        );
    }
    // `xapi flatten` (read, decode, join, write JSON Lines) of ~100 MB of
    // search pages, against parsing the same file into `Value`.
    let flatten_value = get("flatten", "value")?;
    for case in ["value", "flatten"] {
        let t = get("flatten", case)?;
        println!(
            "{:<8} {:<11} {:>11} {:>11} {:>9.0} {:>10.2} {:>10.2}",
            "flatten",
            case,
            human(t.min_ns),
            human(t.median_ns),
            t.bytes / t.min_ns * 1e3,
            flatten_value.min_ns / t.min_ns,
            flatten_value.median_ns / t.median_ns
        );
    }
    let (xapi, plain) = (get("request", "xapi")?, get("request", "reqwest")?);
    for (name, t) in [("xapi", xapi), ("reqwest", plain)] {
        println!(
            "{:<8} {:<11} {:>11} {:>11}",
            "request",
            name,
            human(t.min_ns),
            human(t.median_ns)
        );
    }
    let join_of = |g: &str| joins.get(g).copied().unwrap_or(f64::NAN);
    println!(
        "join overhead: search {:.2}%  users {:.2}%  stream {:.2}% (median share of joined iterations)",
        join_of("search"),
        join_of("users"),
        join_of("stream")
    );
    if !checks.is_empty() {
        println!("lookups resolved: {checks}");
    }
    let figure = |m: &BTreeMap<String, f64>, key: &str| m.get(key).copied().unwrap_or(f64::NAN);
    let growth = |m: &BTreeMap<String, f64>| figure(m, "growth_pages");
    println!(
        "pagination: peak RSS growth {:.2} pages over {} pages (code {:.2}, data {:.2}), \
         {:.2} pages over 1 page (code {:.2}, data {:.2}) \
         (page = {:.0} B, high-water reset: {}; median of 5 processes)",
        growth(&mem_many),
        args.pages,
        figure(&mem_many, "code_pages"),
        figure(&mem_many, "data_pages"),
        growth(&mem_one),
        figure(&mem_one, "code_pages"),
        figure(&mem_one, "data_pages"),
        mem_many.get("page_bytes").copied().unwrap_or(f64::NAN),
        if memory_many.contains("hwm_reset=yes") {
            "yes"
        } else {
            "no"
        }
    );
    println!(
        "build {build_secs:.1}s, total {:.1}s{}",
        started.elapsed().as_secs_f64(),
        if args.quick { " (--quick)" } else { "" }
    );

    let search_value = get("search", "value")?.min_ns;
    let users_value = get("users", "value")?.min_ns;
    let ratio = |base: f64, g: &str, c: &str| -> Result<f64> { Ok(base / get(g, c)?.min_ns) };
    println!(
        "ratios: search_typed_vs_value={:.2} search_join_vs_value={:.2} join_overhead_pct={:.2} \
         users_typed_vs_value={:.2} stream_vs_value={:.2} request_overhead_pct={:.2} \
         pagination_peak_pages={:.2} pagination_data_pages={:.2} flatten_vs_value={:.2} \
         search_fast_vs_value={:.2}",
        ratio(search_value, "search", "typed")?,
        ratio(search_value, "search", "typed_join")?,
        join_of("search").max(join_of("users")),
        ratio(users_value, "users", "typed")?,
        ratio(get("stream", "value")?.min_ns, "stream", "typed_join")?,
        (xapi.min_ns / plain.min_ns - 1.0) * 100.0,
        growth(&mem_many),
        figure(&mem_many, "data_pages"),
        ratio(flatten_value.min_ns, "flatten", "flatten")?,
        ratio(search_value, "search", "fast_join")?
    );
    Ok(true)
}

/// The `growth_pages` figure of a pagination run's output.
fn growth_of(out: &str) -> f64 {
    out.lines()
        .find(|l| l.starts_with("memory "))
        .and_then(|l| pairs(l).get("growth_pages").copied())
        .unwrap_or(f64::NAN)
}

/// `key=number` pairs of a line.
fn pairs(line: &str) -> BTreeMap<String, f64> {
    line.split_whitespace()
        .filter_map(|w| w.split_once('='))
        .filter_map(|(k, v)| v.parse().ok().map(|v| (k.to_owned(), v)))
        .collect()
}

fn human(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.1} µs", ns / 1e3)
    }
}

/// Generates the payloads into `target/bench-payloads/` (pages) and
/// `target/bench-payloads/stream-10k/` (stream) when missing.
fn ensure_payloads(root: &Path) -> Result<()> {
    let script = root.join("../shared/bench/gen_payloads.py");
    let dir = root.join("target/bench-payloads");
    let stream_dir = dir.join("stream-10k");
    let wanted = [
        (&dir, "search_page.json", "0"),
        (&stream_dir, "stream.jsonl", STREAM_MESSAGES),
    ];
    for (out, file, messages) in wanted {
        let missing = !out.join(file).exists()
            || (file == "search_page.json" && !out.join("users_page.json").exists());
        if !missing {
            continue;
        }
        if !script.exists() {
            bail!("{} not found", script.display());
        }
        eprintln!("generating payloads into {}", out.display());
        let status = Command::new("python3")
            .arg(&script)
            .arg("--out")
            .arg(out)
            .args(["--stream-messages", messages])
            .status()
            .context("running python3")?;
        if !status.success() {
            bail!("{} failed: {status}", script.display());
        }
    }
    Ok(())
}

/// Builds the `xapi` benches (with the `simd` feature, which only adds the
/// vectorised decoder the decode bench compares); returns their executables
/// by name.
fn build(root: &Path) -> Result<BTreeMap<String, PathBuf>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("building the benches (cargo bench -p xapi --features simd --no-run)");
    let output = Command::new(cargo)
        .current_dir(root)
        .args([
            "bench",
            "-p",
            "xapi",
            "--bench",
            "decode",
            "--bench",
            "overhead",
            "--bench",
            "flatten",
            // The vectorised decode of the search page (`fast_join`).
            "--features",
            "simd",
            "--no-run",
            "--message-format=json-render-diagnostics",
        ])
        .stderr(Stdio::inherit())
        .output()
        .context("running cargo bench --no-run")?;
    if !output.status.success() {
        bail!("building the benches failed");
    }
    let mut exes = BTreeMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if msg["reason"] != "compiler-artifact" {
            continue;
        }
        let is_bench = msg["target"]["kind"]
            .as_array()
            .is_some_and(|k| k.iter().any(|k| k == "bench"));
        if let (true, Some(name), Some(exe)) = (
            is_bench,
            msg["target"]["name"].as_str(),
            msg["executable"].as_str(),
        ) {
            exes.insert(name.to_owned(), PathBuf::from(exe));
        }
    }
    Ok(exes)
}

/// Runs one bench executable with the pinned allocator settings; returns its stdout.
fn run_bench(root: &Path, exe: &Path, args: &[&str]) -> Result<String> {
    let name = exe
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    eprintln!("running {name} {}", args.join(" "));
    let output = Command::new(exe)
        .current_dir(root)
        .args(args)
        .envs(MALLOC_ENV)
        .env("XAPI_BENCH_PAYLOADS", root.join("target/bench-payloads"))
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("running {}", exe.display()))?;
    if !output.status.success() {
        bail!("{name} {} failed: {}", args.join(" "), output.status);
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
