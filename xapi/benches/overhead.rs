//! Request overhead and pagination memory, against a loopback HTTP/1.1
//! server written here (keep-alive, fixed answers).
//!
//! * `cargo bench -p xapi --bench overhead`: criterion, `GET /2/users/me`
//!   through `xapi::Client` and through plain `reqwest` + `serde_json`.
//! * `overhead --ratios [--quick]`: the same two, interleaved round by round
//!   (each round sends a batch of requests per case); prints `result` lines
//!   with the best and median per-request time.
//! * `overhead --pagination-memory --pages N [--keep]`: follows `N` pages of
//!   `searchPostsRecent` (each answer is the generated search page) and
//!   prints how far the peak resident set grew, in units of the page's size.
//!   Method: the server, client and runtime are set up and the answer is in
//!   memory before measuring; `VmRSS` is read from `/proc/self/status`, the
//!   high-water mark is reset by writing `5` to `/proc/self/clear_refs`, the
//!   pages are pulled (each one joined, then dropped; with `--keep`, all
//!   kept until the end), and `VmHWM` is read again. `growth_pages` =
//!   `VmHWM - VmRSS before`, divided by the body size. Run it in a fresh
//!   process per measurement.
//!
//!   Two parts of it are printed apart. `code_pages` is the growth of
//!   `RssFile`: the binary's code of the request, decode and join paths,
//!   faulted in the first time it runs (once per process, whatever the
//!   number of pages). `data_pages` is the rest (`growth_pages -
//!   code_pages`): the anonymous memory at the peak, the figure that grows
//!   with what a pull holds. Nothing is decoded during the set-up (only the
//!   search page's bytes are read): with the pinned trim threshold, memory
//!   freed before the measurement stays resident, and a pull reusing it
//!   would not show in the figure. For the same reason the server writes
//!   each answer's page counter around the fixed answer instead of into a
//!   copy of it.
//!
//! The answers come from the generated payloads: `/2/users/me` answers
//! `{"data": <the first user of users_page.json>}`, everything else the search page.

use std::hint::black_box;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Buf, BytesMut};
use criterion::Criterion;
use futures::StreamExt;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use xapi::models::Get2UsersMeResponse;
use xapi::{Api, Client};

const TOKEN: &str = "bench-token";

// ---------------------------------------------------------------- payloads

mod common;
use common::{generate, payload_dir};

/// Reads a payload file, generating the payloads when it is missing.
fn read_payload(name: &str) -> Result<Vec<u8>, String> {
    let dir = payload_dir();
    if !dir.join("search_page.json").exists() || !dir.join("users_page.json").exists() {
        generate(&dir, 0)?;
    }
    let path: PathBuf = dir.join(name);
    std::fs::read(&path).map_err(|e| format!("reading {}: {e}", path.display()))
}

/// The search page alone, read without decoding anything.
fn load_search() -> Result<Vec<u8>, String> {
    read_payload("search_page.json")
}

/// The search page and a `/2/users/me` body, generated when missing.
fn load_bodies() -> Result<(Vec<u8>, Vec<u8>), String> {
    let search = load_search()?;
    let users: Value = serde_json::from_slice(&read_payload("users_page.json")?)
        .map_err(|e| format!("users_page.json: {e}"))?;
    let user = users
        .get("data")
        .and_then(|d| d.get(0))
        .cloned()
        .ok_or("users_page.json has no data[0]")?;
    let me = serde_json::to_vec(&serde_json::json!({ "data": user })).map_err(|e| e.to_string())?;
    Ok((search, me))
}

// ---------------------------------------------------------------- loopback server

struct Answers {
    me: Vec<u8>,
    search: Vec<u8>,
    /// [`counter_at`] of `search`, found once (a scan of the whole page).
    counter: Option<usize>,
    served: std::sync::atomic::AtomicUsize,
}

/// Where the last 8 characters of `answer`'s `next_token` value are (the
/// counter of [`connection`] takes their place, same length, so
/// `content-length` holds); `None` when it has no token that long.
fn counter_at(answer: &[u8]) -> Option<usize> {
    let key = b"\"next_token\":\"";
    let start = answer.windows(key.len()).position(|w| w == key)?;
    let from = start + key.len();
    let len = answer[from..].iter().position(|b| *b == b'"')?;
    (len >= 8).then(|| from + len - 8)
}

/// A fixed answer. Its window is large enough for every request of a run:
/// within one window the client only counts `remaining` down.
fn answer(body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         x-rate-limit-limit: 4000000000\r\nx-rate-limit-remaining: 3999999999\r\n\
         x-rate-limit-reset: 4102444800\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

async fn start_server(search: &[u8], me: &[u8]) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let search = answer(search);
    let answers = Arc::new(Answers {
        me: answer(me),
        counter: counter_at(&search),
        search,
        served: std::sync::atomic::AtomicUsize::new(0),
    });
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(connection(socket, answers.clone()));
        }
    });
    Ok(addr)
}

/// Serves one keep-alive connection: reads a request head, writes the fixed
/// answer for its path, repeats.
async fn connection(mut socket: TcpStream, answers: Arc<Answers>) {
    let _ = socket.set_nodelay(true);
    let mut buf = BytesMut::with_capacity(8 * 1024);
    loop {
        let end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            match socket.read_buf(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        };
        let target = buf[..end].split(|b| *b == b' ').nth(1).unwrap_or_default();
        let me = target.starts_with(b"/2/users/me");
        buf.advance(end);
        let written = match answers.counter {
            Some(at) if !me => {
                // Each page names a next token of its own (the client ends
                // a pull that sees one twice): the token's last 8
                // characters count the answers. Written around the fixed
                // answer, not into a copy of it, so that the server adds no
                // page-sized buffer to the process the memory mode measures.
                let n = answers
                    .served
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let digits = format!("{:08x}", n % (1 << 32));
                let (head, rest) = answers.search.split_at(at);
                let tail = rest.get(8..).unwrap_or_default();
                let mut reply = Buf::chain(Buf::chain(head, digits.as_bytes()), tail);
                socket.write_all_buf(&mut reply).await
            }
            _ if me => socket.write_all(&answers.me).await,
            _ => socket.write_all(&answers.search).await,
        };
        if written.is_err() {
            return;
        }
    }
}

// ---------------------------------------------------------------- the two clients

fn xapi_client(addr: SocketAddr) -> Client {
    Client::builder()
        .bearer_token(TOKEN)
        .base_url(format!("http://{addr}"))
        .build()
        .expect("client")
}

/// Plain reqwest with the same timeouts and user agent as `xapi::Client`'s defaults.
fn plain_client() -> reqwest::Client {
    xapi::tls::ensure_provider();
    reqwest::Client::builder()
        .user_agent(concat!("xapi-rust/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(Duration::from_secs(30))
        .build()
        .expect("reqwest client")
}

async fn xapi_get_me(client: &Client) -> usize {
    let me = client.users().get_me().send().await.expect("get_me");
    me.data
        .as_ref()
        .and_then(|u| u.id.as_ref())
        .map_or(0, |t| t.len())
}

async fn plain_get_me(http: &reqwest::Client, url: &str) -> usize {
    let response = http.get(url).bearer_auth(TOKEN).send().await.expect("send");
    assert!(
        response.status().is_success(),
        "status {}",
        response.status()
    );
    let body = response.bytes().await.expect("body");
    let me: Get2UsersMeResponse = serde_json::from_slice(&body).expect("decodes");
    me.data
        .as_ref()
        .and_then(|u| u.id.as_ref())
        .map_or(0, |t| t.len())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

// ---------------------------------------------------------------- ratios mode

fn report(case: &str, per_request: &mut [Duration]) {
    per_request.sort();
    let min = per_request.first().copied().unwrap_or_default();
    let median = per_request
        .get(per_request.len() / 2)
        .copied()
        .unwrap_or_default();
    println!(
        "result request {case} min_ns={} median_ns={} samples={}",
        min.as_nanos(),
        median.as_nanos(),
        per_request.len()
    );
}

fn ratios(quick: bool) -> Result<(), String> {
    let (search, me) = load_bodies()?;
    let (rounds, batch) = if quick { (60, 300) } else { (150, 500) };
    let rt = runtime();
    rt.block_on(async {
        let addr = start_server(&search, &me)
            .await
            .map_err(|e| e.to_string())?;
        let client = xapi_client(addr);
        let http = plain_client();
        let url = format!("http://{addr}/2/users/me");
        let mut times: [Vec<Duration>; 2] = [Vec::new(), Vec::new()];
        // Round 0 warms the connections up and is not counted.
        for round in 0..=rounds {
            for k in 0..2 {
                let case = (round + k) % 2;
                let t = Instant::now();
                let mut n = 0;
                for _ in 0..batch {
                    n += if case == 0 {
                        xapi_get_me(&client).await
                    } else {
                        plain_get_me(&http, &url).await
                    };
                }
                black_box(n);
                if round > 0 {
                    times[case].push(t.elapsed() / batch);
                }
            }
        }
        report("xapi", &mut times[0]);
        report("reqwest", &mut times[1]);
        Ok(())
    })
}

// ---------------------------------------------------------------- pagination memory

/// `VmRSS`, `VmHWM` and `RssFile` of this process, in KiB.
fn memory_kib() -> (u64, u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"), field("RssFile:"))
}

fn pagination_memory(pages: usize, keep: bool) -> Result<(), String> {
    let search = load_search()?;
    let me = b"{}".to_vec();
    let rt = runtime();
    rt.block_on(async {
        let addr = start_server(&search, &me).await.map_err(|e| e.to_string())?;
        let client = xapi_client(addr);
        let (before, _, file_before) = memory_kib();
        let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
        let mut stream = client
            .tweets()
            .search_recent("bench")
            .max_results(100)
            .pages()
            .max_pages(pages);
        let (mut got, mut posts, mut authors) = (0usize, 0usize, 0usize);
        let mut kept = Vec::new();
        while let Some(page) = stream.next().await {
            let page = page.map_err(|e| e.to_string())?;
            got += 1;
            for post in page.posts() {
                posts += 1;
                authors += usize::from(page.author(post).is_found());
            }
            if keep {
                kept.push(page);
            }
        }
        let (after, hwm, file_after) = memory_kib();
        drop(kept);
        if got != pages {
            return Err(format!("pulled {got} pages, expected {pages}"));
        }
        let page = search.len() as f64;
        let growth = hwm.saturating_sub(before) as f64 * 1024.0 / page;
        let code = file_after.saturating_sub(file_before) as f64 * 1024.0 / page;
        println!(
            "memory pages={got} posts={posts} authors={authors} page_bytes={} rss_before_kib={before} \
             rss_after_kib={after} hwm_kib={hwm} hwm_reset={} growth_pages={growth:.3} \
             code_pages={code:.3} data_pages={:.3}",
            search.len(),
            if reset { "yes" } else { "no" },
            (growth - code).max(0.0)
        );
        Ok(())
    })
}

// ---------------------------------------------------------------- criterion mode

fn criterion_benches(c: &mut Criterion, search: &[u8], me: &[u8]) {
    let rt = runtime();
    let addr = rt.block_on(start_server(search, me)).expect("server");
    let client = xapi_client(addr);
    let http = plain_client();
    let url = format!("http://{addr}/2/users/me");
    let mut g = c.benchmark_group("request");
    g.bench_function("xapi_get_me", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let t = Instant::now();
                for _ in 0..iters {
                    black_box(xapi_get_me(&client).await);
                }
                t.elapsed()
            })
        })
    });
    g.bench_function("reqwest_get_me", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let t = Instant::now();
                for _ in 0..iters {
                    black_box(plain_get_me(&http, &url).await);
                }
                t.elapsed()
            })
        })
    });
    g.finish();
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| args.iter().any(|a| a == name);
    let result = if flag("--pagination-memory") {
        let pages = args
            .iter()
            .position(|a| a == "--pages")
            .and_then(|i| args.get(i + 1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(100);
        pagination_memory(pages, flag("--keep"))
    } else if flag("--ratios") {
        ratios(flag("--quick"))
    } else {
        match load_bodies() {
            Ok((search, me)) => {
                let mut c = Criterion::default().configure_from_args();
                criterion_benches(&mut c, &search, &me);
                c.final_summary();
                Ok(())
            }
            Err(e) => {
                eprintln!("overhead bench skipped: {e}");
                Ok(())
            }
        }
    };
    if let Err(e) = result {
        eprintln!("overhead bench: {e}");
        std::process::exit(2);
    }
}
