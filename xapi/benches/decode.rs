//! Decoding benchmarks: a search page, a users page and a slice of the
//! filtered stream, each decoded three ways: as a `serde_json::Value` (the
//! baseline), as our typed model, and as our typed model followed by a join of
//! every reference.
//!
//! Payloads come from `../shared/bench/gen_payloads.py`, generated into
//! `target/bench-payloads/` (and `target/bench-payloads/stream-10k/` for the
//! stream) when missing; `XAPI_BENCH_PAYLOADS` points elsewhere.
//!
//! Two modes:
//!
//! * `cargo bench -p xapi --bench decode`: criterion groups;
//! * `decode --ratios [--quick]` (what `cargo xtask bench` runs): the cases of
//!   one payload interleaved round by round, each iteration timed on its own,
//!   best-of and median printed as `result` lines, and the join's share of
//!   the typed-and-joined iterations as `join` lines (the stream times its
//!   join per message and takes the clock's own cost off). The stream group also
//!   times the framing alone (`frame_only`). `XAPI_BENCH_ONLY=group/case`
//!   runs one case and `XAPI_BENCH_ROUNDS=n` sets the rounds (for profiling).

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use reqwest::header::HeaderMap;
use serde_json::Value;
use xapi::join::Lookup;
use xapi::models::{
    FilteredStreamingTweetResponse, Get2TweetsSearchRecentResponse, Get2UsersByResponse, Tweet,
};
use xapi::runtime::Envelope;
use xapi::stream::{Frame, LineFramer};
use xapi::Response;
use xapi_generated::runtime::decode;

/// Messages of the stream slice.
const STREAM_MESSAGES: usize = 10_000;
/// Size of the chunks the stream slice is fed in.
const CHUNK: usize = 64 * 1024;

// ---------------------------------------------------------------- payloads

mod common;
use common::{generate, payload_dir};

struct Payloads {
    search: Vec<u8>,
    users: Vec<u8>,
    /// The first `STREAM_MESSAGES` lines of `stream.jsonl`, line endings kept.
    stream: Vec<u8>,
}

fn load_payloads() -> Result<Payloads, String> {
    let dir = payload_dir();
    if !dir.join("search_page.json").exists() || !dir.join("users_page.json").exists() {
        generate(&dir, 0)?;
    }
    let stream_dir = dir.join("stream-10k");
    if !stream_dir.join("stream.jsonl").exists() {
        generate(&stream_dir, STREAM_MESSAGES)?;
    }
    let read = |p: PathBuf| std::fs::read(&p).map_err(|e| format!("reading {}: {e}", p.display()));
    let search = read(dir.join("search_page.json"))?;
    let users = read(dir.join("users_page.json"))?;
    let mut stream = read(stream_dir.join("stream.jsonl"))?;
    // Keep the first STREAM_MESSAGES lines, whatever N the file was made with.
    let mut lines = 0;
    if let Some(end) = stream.iter().position(|b| {
        lines += usize::from(*b == b'\n');
        lines == STREAM_MESSAGES
    }) {
        stream.truncate(end + 1);
    }
    Ok(Payloads {
        search,
        users,
        stream,
    })
}

// ---------------------------------------------------------------- the work

/// Resolves every reference of `post`; returns how many lookups resolved
/// (found in `includes` or reported in a partial error).
fn join_post<T: Envelope>(page: &Response<T>, post: &Tweet) -> usize {
    fn hit<X>(l: &Lookup<'_, X>) -> usize {
        usize::from(matches!(l, Lookup::Found(_) | Lookup::Unavailable(_)))
    }
    let mut n = hit(&page.author(post));
    for (_, r) in page.referenced(post) {
        n += hit(&r);
        if let Lookup::Found(t) = r {
            n += hit(&page.author(t));
        }
    }
    n += page.media(post).iter().map(hit).sum::<usize>();
    n += hit(&page.poll(post));
    n += hit(&page.place(post));
    n += page
        .mentions(post)
        .iter()
        .map(|(_, l)| hit(l))
        .sum::<usize>();
    n += hit(&page.in_reply_to_user(post));
    n
}

/// One timed iteration: its total time and the part spent joining.
#[derive(Clone, Copy)]
struct Sample {
    total: Duration,
    join: Duration,
}

fn value_page(body: &[u8]) -> Sample {
    let t = Instant::now();
    let v: Value = serde_json::from_slice(body).expect("valid JSON");
    black_box(&v);
    drop(v);
    Sample {
        total: t.elapsed(),
        join: Duration::ZERO,
    }
}

fn typed_search(body: &[u8]) -> Sample {
    let t = Instant::now();
    let page: Get2TweetsSearchRecentResponse = decode(body).expect("decodes");
    black_box(&page);
    drop(page);
    Sample {
        total: t.elapsed(),
        join: Duration::ZERO,
    }
}

fn joined_search(body: &[u8]) -> (Sample, usize) {
    joined_search_with(body, |b| decode(b).expect("decodes"))
}

/// [`joined_search`] on the vectorised decoder (`simd` feature).
#[cfg(feature = "simd")]
fn fast_search(body: &[u8]) -> (Sample, usize) {
    joined_search_with(body, |b| xapi::runtime::decode_simd(b).expect("decodes"))
}

fn joined_search_with(
    body: &[u8],
    decoder: fn(&[u8]) -> Get2TweetsSearchRecentResponse,
) -> (Sample, usize) {
    let t0 = Instant::now();
    let decoded = decoder(body);
    let t1 = Instant::now();
    let page = Response::new(decoded, 200, HeaderMap::new(), None);
    let mut n = 0;
    for post in page.posts() {
        n += join_post(&page, post);
    }
    let t2 = Instant::now();
    black_box(n);
    drop(page);
    let sample = Sample {
        total: t0.elapsed(),
        join: t2 - t1,
    };
    (sample, n)
}

fn typed_users(body: &[u8]) -> Sample {
    let t = Instant::now();
    let page: Get2UsersByResponse = decode(body).expect("decodes");
    black_box(&page);
    drop(page);
    Sample {
        total: t.elapsed(),
        join: Duration::ZERO,
    }
}

fn joined_users(body: &[u8]) -> (Sample, usize) {
    let t0 = Instant::now();
    let decoded: Get2UsersByResponse = decode(body).expect("decodes");
    let t1 = Instant::now();
    let page = Response::new(decoded, 200, HeaderMap::new(), None);
    let mut n = 0;
    for user in page.data().into_iter().flatten() {
        n += usize::from(matches!(
            page.pinned_post(user),
            Lookup::Found(_) | Lookup::Unavailable(_)
        ));
    }
    let t2 = Instant::now();
    black_box(n);
    drop(page);
    let sample = Sample {
        total: t0.elapsed(),
        join: t2 - t1,
    };
    (sample, n)
}

/// Per-line `Value` parsing of the stream slice.
fn value_stream(data: &[u8]) -> Sample {
    let t = Instant::now();
    let mut n = 0usize;
    for line in data.split(|b| *b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        let v: Value = serde_json::from_slice(line).expect("valid JSON");
        n += usize::from(v.is_object());
    }
    black_box(n);
    Sample {
        total: t.elapsed(),
        join: Duration::ZERO,
    }
}

/// Framing alone (64 KiB chunks through `LineFramer`), to tell its share.
fn frame_stream(data: &[u8]) -> Sample {
    let t = Instant::now();
    let mut framer = LineFramer::new(xapi::stream::MAX_MESSAGE_BYTES);
    let mut n = 0usize;
    for chunk in data.chunks(CHUNK) {
        framer.push(chunk);
        while let Ok(Some(frame)) = framer.next_frame() {
            n += usize::from(matches!(frame, Frame::Message(_)));
        }
    }
    black_box(n);
    Sample {
        total: t.elapsed(),
        join: Duration::ZERO,
    }
}

/// What timing an empty region costs (two `Instant` reads), best of many:
/// the stream pipeline times its join per message, and this much of each
/// measurement is the clock, not the join.
fn timer_overhead() -> Duration {
    static OVERHEAD: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();
    *OVERHEAD.get_or_init(|| {
        let mut samples: Vec<Duration> = (0..20_000)
            .map(|_| {
                let t = Instant::now();
                black_box(&t);
                t.elapsed()
            })
            .collect();
        samples.sort();
        // The median: what a typical timed region pays for the clock.
        samples[samples.len() / 2]
    })
}

/// Our pipeline over the stream slice: framing (64 KiB chunks), decoding,
/// and, with `join`, a `Response` per message and every reference resolved.
/// The join is timed per message; the clock's own cost
/// ([`timer_overhead`]) is taken off the join's total.
fn typed_stream(data: &[u8], join: bool) -> (Sample, usize) {
    let clock = timer_overhead();
    let mut timed = 0u32;
    let t0 = Instant::now();
    let mut joining = Duration::ZERO;
    let mut framer = LineFramer::new(xapi::stream::MAX_MESSAGE_BYTES);
    let mut n = 0usize;
    for chunk in data.chunks(CHUNK) {
        framer.push(chunk);
        loop {
            match framer.next_frame() {
                Ok(Some(Frame::Message(line))) => {
                    let message: FilteredStreamingTweetResponse = decode(&line).expect("decodes");
                    if join {
                        let t = Instant::now();
                        let page = Response::new(message, 200, HeaderMap::new(), None);
                        for post in page.posts() {
                            n += join_post(&page, post);
                        }
                        joining += t.elapsed();
                        timed += 1;
                        drop(page);
                    } else {
                        n += usize::from(message.data.is_some());
                        drop(message);
                    }
                }
                Ok(Some(Frame::KeepAlive)) => {}
                Ok(None) => break,
                Err(held) => panic!("a line of {held} bytes exceeded the limit"),
            }
        }
    }
    black_box(n);
    let sample = Sample {
        total: t0.elapsed(),
        join: joining.saturating_sub(clock * timed),
    };
    (sample, n)
}

// ---------------------------------------------------------------- ratios mode

struct Stats {
    totals: Vec<Duration>,
    joins: Vec<Duration>,
    /// Join time as a share of the rest of the iteration, per iteration.
    join_shares: Vec<f64>,
}

impl Stats {
    fn new() -> Self {
        Stats {
            totals: Vec::new(),
            joins: Vec::new(),
            join_shares: Vec::new(),
        }
    }

    fn add(&mut self, s: Sample, joined: bool) {
        self.totals.push(s.total);
        if joined {
            self.joins.push(s.join);
            let rest = s.total.saturating_sub(s.join).as_secs_f64();
            if rest > 0.0 {
                self.join_shares.push(s.join.as_secs_f64() / rest);
            }
        }
    }
}

fn median_f64(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn report(group: &str, case: &str, stats: &mut Stats, bytes: usize) {
    stats.totals.sort();
    let min = stats.totals.first().copied().unwrap_or_default();
    let median = stats
        .totals
        .get(stats.totals.len() / 2)
        .copied()
        .unwrap_or_default();
    println!(
        "result {group} {case} min_ns={} median_ns={} samples={} bytes={bytes}",
        min.as_nanos(),
        median.as_nanos(),
        stats.totals.len()
    );
    if !stats.join_shares.is_empty() {
        let pct = 100.0 * median_f64(&mut stats.join_shares);
        stats.joins.sort();
        let min = stats.joins.first().copied().unwrap_or_default();
        let median = stats.joins[stats.joins.len() / 2];
        println!(
            "join {group} pct={pct:.3} min_ns={} median_ns={}",
            min.as_nanos(),
            median.as_nanos()
        );
    }
}

/// Runs `cases` interleaved: in every round each case runs `iters` timed
/// iterations, the order rotating from round to round; round 0 is a warm-up.
fn interleave(
    group: &str,
    bytes: usize,
    rounds: usize,
    iters: usize,
    cases: &mut [(&str, bool, &mut dyn FnMut() -> Sample)],
) {
    // `XAPI_BENCH_ONLY=group/case` runs one case alone (for profiling).
    let only = std::env::var("XAPI_BENCH_ONLY").ok();
    let wanted = |case: &str| {
        only.as_deref()
            .is_none_or(|o| o == format!("{group}/{case}"))
    };
    let mut stats: Vec<Stats> = cases.iter().map(|_| Stats::new()).collect();
    for round in 0..=rounds {
        for k in 0..cases.len() {
            let i = (round + k) % cases.len();
            let (name, joined, run) = &mut cases[i];
            if !wanted(name) {
                continue;
            }
            for _ in 0..iters {
                let s = run();
                if round > 0 {
                    stats[i].add(s, *joined);
                }
            }
        }
    }
    for ((name, _, _), st) in cases.iter().zip(stats.iter_mut()) {
        if !wanted(name) {
            continue;
        }
        report(group, name, st, bytes);
    }
}

fn ratios(quick: bool) -> Result<(), String> {
    let p = load_payloads()?;
    let (mut page_rounds, page_iters, mut stream_rounds) =
        if quick { (60, 8, 12) } else { (200, 10, 40) };
    // `XAPI_BENCH_ROUNDS=n` overrides the number of rounds (for profiling).
    if let Some(n) = std::env::var("XAPI_BENCH_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        (page_rounds, stream_rounds) = (n, n);
    }
    println!(
        "sizes tweet={} user={} media={} problem={}",
        std::mem::size_of::<Tweet>(),
        std::mem::size_of::<xapi::models::User>(),
        std::mem::size_of::<xapi::models::Media>(),
        std::mem::size_of::<xapi::models::Problem>()
    );

    // What the joins resolve, as a check that they work.
    let (_, search_hits) = joined_search(&p.search);
    let (_, users_hits) = joined_users(&p.users);
    let (_, stream_hits) = typed_stream(&p.stream, true);
    println!("check search_resolved={search_hits} users_resolved={users_hits} stream_resolved={stream_hits}");
    println!(
        "clock ns_per_timed_region={} (taken off the stream's per-message join times)",
        timer_overhead().as_nanos()
    );

    #[cfg(feature = "simd")]
    {
        let (_, fast_hits) = fast_search(&p.search);
        if fast_hits != search_hits {
            return Err(format!(
                "the vectorised decode resolved {fast_hits} lookups, the default one {search_hits}"
            ));
        }
    }
    interleave(
        "search",
        p.search.len(),
        page_rounds,
        page_iters,
        &mut [
            ("value", false, &mut || value_page(&p.search)),
            ("typed", false, &mut || typed_search(&p.search)),
            ("typed_join", true, &mut || joined_search(&p.search).0),
            // Typed decode and join on simd-json (`simd` feature).
            #[cfg(feature = "simd")]
            ("fast_join", false, &mut || fast_search(&p.search).0),
        ],
    );
    interleave(
        "users",
        p.users.len(),
        page_rounds,
        page_iters / 2,
        &mut [
            ("value", false, &mut || value_page(&p.users)),
            ("typed", false, &mut || typed_users(&p.users)),
            ("typed_join", true, &mut || joined_users(&p.users).0),
        ],
    );
    interleave(
        "stream",
        p.stream.len(),
        stream_rounds,
        1,
        &mut [
            ("value", false, &mut || value_stream(&p.stream)),
            ("typed", false, &mut || typed_stream(&p.stream, false).0),
            ("typed_join", true, &mut || typed_stream(&p.stream, true).0),
            ("frame_only", false, &mut || frame_stream(&p.stream)),
        ],
    );
    Ok(())
}

// ---------------------------------------------------------------- criterion mode

fn criterion_benches(c: &mut Criterion, p: &Payloads) {
    let mut g = c.benchmark_group("search_page");
    g.throughput(Throughput::Bytes(p.search.len() as u64));
    g.bench_function("value", |b| {
        b.iter(|| serde_json::from_slice::<Value>(black_box(&p.search)).expect("valid JSON"))
    });
    g.bench_function("typed", |b| {
        b.iter(|| decode::<Get2TweetsSearchRecentResponse>(black_box(&p.search)).expect("decodes"))
    });
    g.bench_function("typed_join", |b| {
        b.iter(|| joined_search(black_box(&p.search)).1)
    });
    g.finish();

    let mut g = c.benchmark_group("users_page");
    g.throughput(Throughput::Bytes(p.users.len() as u64));
    g.bench_function("value", |b| {
        b.iter(|| serde_json::from_slice::<Value>(black_box(&p.users)).expect("valid JSON"))
    });
    g.bench_function("typed", |b| {
        b.iter(|| decode::<Get2UsersByResponse>(black_box(&p.users)).expect("decodes"))
    });
    g.bench_function("typed_join", |b| {
        b.iter(|| joined_users(black_box(&p.users)).1)
    });
    g.finish();

    let mut g = c.benchmark_group("stream_10k");
    g.throughput(Throughput::Bytes(p.stream.len() as u64));
    g.sample_size(10);
    g.bench_function("value", |b| b.iter(|| value_stream(black_box(&p.stream))));
    g.bench_function("typed", |b| {
        b.iter(|| typed_stream(black_box(&p.stream), false).1)
    });
    g.bench_function("typed_join", |b| {
        b.iter(|| typed_stream(black_box(&p.stream), true).1)
    });
    g.finish();
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--ratios") {
        if let Err(e) = ratios(args.iter().any(|a| a == "--quick")) {
            eprintln!("decode bench: {e}");
            std::process::exit(2);
        }
        return;
    }
    let payloads = match load_payloads() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("decode bench skipped: {e}");
            return;
        }
    };
    let mut c = Criterion::default().configure_from_args();
    criterion_benches(&mut c, &payloads);
    c.final_summary();
}
