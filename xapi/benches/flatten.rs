//! Flattening archived pages, as `xapi flatten` does, against merely
//! parsing the same file into `serde_json::Value`.
//!
//! The shared search-page payload (`search_page.json`, from
//! `../shared/bench/gen_payloads.py`) is written on one line and repeated
//! into a JSON Lines file of about 100 MB (20 MB with `--quick`) under
//! `target/bench-payloads/`. Two cases, interleaved round by round and timed
//! one iteration at a time:
//!
//! * `flatten`: read the file line by line, decode each page, join its
//!   includes into each post, write one post per line to a file;
//! * `value`: read the file line by line and parse each page into a
//!   `serde_json::Value`.
//!
//! `flatten --ratios [--quick]` prints `result flatten <case> min_ns=…
//! median_ns=… bytes=…` lines (what `cargo xtask bench` reads).

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use xapi::research::flatten::flatten_page;

mod common;
use common::payload_dir;

/// Writes the JSON Lines file of `target_bytes` (or more) made of the
/// search page; returns its path and size.
fn build_file(target_bytes: usize) -> Result<(PathBuf, usize), String> {
    let dir = payload_dir();
    let page_path = dir.join("search_page.json");
    let page = std::fs::read(&page_path).map_err(|e| {
        format!(
            "reading {} (run cargo xtask bench): {e}",
            page_path.display()
        )
    })?;
    let value: serde_json::Value =
        serde_json::from_slice(&page).map_err(|e| format!("search_page.json: {e}"))?;
    let mut line = serde_json::to_vec(&value).map_err(|e| e.to_string())?;
    line.push(b'\n');
    let path = dir.join(format!("flatten-{}mb.jsonl", target_bytes >> 20));
    let copies = target_bytes.div_ceil(line.len());
    let size = copies * line.len();
    if std::fs::metadata(&path).map(|m| m.len() as usize).ok() != Some(size) {
        let mut out = BufWriter::new(std::fs::File::create(&path).map_err(|e| e.to_string())?);
        for _ in 0..copies {
            out.write_all(&line).map_err(|e| e.to_string())?;
        }
        out.flush().map_err(|e| e.to_string())?;
    }
    Ok((path, size))
}

fn flatten_file(input: &Path, output: &Path) -> usize {
    let mut reader = BufReader::with_capacity(1 << 20, std::fs::File::open(input).expect("open"));
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(output).expect("create"));
    let mut line = Vec::with_capacity(1 << 20);
    let mut buf = Vec::with_capacity(1 << 16);
    let mut posts = 0;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).expect("read") == 0 {
            break;
        }
        posts += flatten_page(&line, |item| {
            buf.clear();
            item.write_json(&mut buf)?;
            buf.push(b'\n');
            out.write_all(&buf)
        })
        .expect("flatten");
    }
    out.flush().expect("flush");
    posts
}

fn parse_values(input: &Path) -> usize {
    let mut reader = BufReader::with_capacity(1 << 20, std::fs::File::open(input).expect("open"));
    let mut line = Vec::with_capacity(1 << 20);
    let mut pages = 0;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).expect("read") == 0 {
            break;
        }
        let value: serde_json::Value = serde_json::from_slice(&line).expect("parse");
        pages += usize::from(value.is_object());
        std::hint::black_box(value);
    }
    pages
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--ratios") {
        // Under `cargo bench` without the ratio mode: nothing to compare.
        eprintln!("flatten: run with --ratios (cargo xtask bench)");
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let (mb, rounds) = if quick { (20usize, 3) } else { (100usize, 5) };
    let (input, size) = match build_file(mb << 20) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("flatten: {e}");
            std::process::exit(1);
        }
    };
    let output = payload_dir().join("flatten-out.jsonl");
    let mut times: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    let mut posts = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        posts = flatten_file(&input, &output);
        times[0].push(t.elapsed().as_nanos() as f64);
        let t = Instant::now();
        std::hint::black_box(parse_values(&input));
        times[1].push(t.elapsed().as_nanos() as f64);
    }
    let _ = std::fs::remove_file(&output);
    for (case, t) in ["flatten", "value"].iter().zip(times.iter_mut()) {
        t.sort_by(f64::total_cmp);
        let min = t.first().copied().unwrap_or(f64::NAN);
        let median = t.get(t.len() / 2).copied().unwrap_or(f64::NAN);
        println!("result flatten {case} min_ns={min:.0} median_ns={median:.0} bytes={size} posts={posts}");
    }
}
