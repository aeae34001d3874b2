//! Several processes, one rate budget: workers that share one app's
//! credentials and a Redis budget store stay within its limits together.
//!
//! The test starts `redis-server` (found on `PATH`) on a free loopback port
//! without persistence, and a loopback mock that allows 60 requests per
//! 3-second window (answering with the `x-rate-limit-*` headers, and 429 over
//! the limit), then runs 4 `budget-worker` processes of 50 requests each.
//! Without `redis-server` the test is skipped with a message, unless
//! `XAPI_REQUIRE_REDIS=1` (CI sets it), which makes that a failure.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use xapi_tests::fault_server::{FaultServer, Reply, Request};

const LIMIT: u64 = 60;
const WINDOW_SECS: u64 = 3;
const WORKERS: usize = 4;
const PER_WORKER: usize = 50;

/// What the mock saw in one window.
#[derive(Debug, Default, Clone, Copy)]
struct Window {
    /// Requests that arrived (served or not).
    arrived: u64,
    /// Answered 200.
    served: u64,
    /// Answered 429.
    refused: u64,
}

/// A mock of one endpoint with a limit of [`LIMIT`] per window, windows
/// aligned on multiples of [`WINDOW_SECS`] Unix seconds.
async fn limited_api() -> (FaultServer, Arc<Mutex<BTreeMap<u64, Window>>>) {
    let windows: Arc<Mutex<BTreeMap<u64, Window>>> = Arc::default();
    let seen = windows.clone();
    let server = FaultServer::start(move |_: &Request, _| {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let start = now - now % WINDOW_SECS;
        let reset = start + WINDOW_SECS;
        let mut windows = seen.lock().expect("windows");
        let w = windows.entry(start).or_default();
        w.arrived += 1;
        let reply = if w.served < LIMIT {
            w.served += 1;
            Reply::json(200, r#"{"data": {"id": "20", "text": "hello"}}"#)
        } else {
            w.refused += 1;
            Reply::json(429, r#"{"title": "Too Many Requests", "status": 429}"#)
        };
        reply
            .header("x-rate-limit-limit", LIMIT.to_string())
            .header("x-rate-limit-remaining", (LIMIT - w.served).to_string())
            .header("x-rate-limit-reset", reset.to_string())
    })
    .await;
    (server, windows)
}

/// `redis-server` on `PATH`.
fn redis_binary() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("redis-server"))
        .find(|candidate| candidate.is_file())
}

/// A Redis server of the test's own, stopped when dropped.
struct RedisServer {
    child: tokio::process::Child,
    url: String,
}

impl RedisServer {
    async fn start(binary: PathBuf) -> RedisServer {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = tokio::process::Command::new(binary)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start redis-server");
        let server = RedisServer {
            child,
            url: format!("redis://127.0.0.1:{port}"),
        };
        // Ready when it answers PING (at most 10 s).
        for _ in 0..200 {
            if let Ok(mut s) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
                let mut buf = [0u8; 7];
                if s.write_all(b"PING\r\n").await.is_ok()
                    && s.read_exact(&mut buf).await.is_ok()
                    && &buf == b"+PONG\r\n"
                {
                    return server;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("redis-server did not answer on port {port}");
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// Runs the workers (with `redis` as their budget store, or each with its
/// own) and returns what the mock saw and the workers' outputs.
async fn run_workers(redis: Option<&str>) -> (BTreeMap<u64, Window>, Vec<String>) {
    let (server, windows) = limited_api().await;
    let mut children = Vec::new();
    for _ in 0..WORKERS {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_budget-worker"));
        command
            .args(["--base-url", &server.url])
            .args(["--requests", &PER_WORKER.to_string(), "--tasks", "4"])
            .env_remove("XAPI_BASE_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(url) = redis {
            command.args(["--redis", url]);
        }
        children.push(command.spawn().expect("start budget-worker"));
    }
    let mut outputs = Vec::new();
    for child in children {
        // Bounded: four windows of work take about 15 s.
        let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
            .await
            .expect("a worker finished within 60 s")
            .expect("worker output");
        outputs.push(format!(
            "status {}: {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout).trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let seen = windows.lock().expect("windows").clone();
    (seen, outputs)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_share_one_budget_through_redis() {
    let Some(binary) = redis_binary() else {
        let required = std::env::var("XAPI_REQUIRE_REDIS").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "redis-server is not on PATH and XAPI_REQUIRE_REDIS=1"
        );
        eprintln!("skipped: redis-server is not on PATH (Debian: apt-get install redis-server)");
        return;
    };
    let redis = RedisServer::start(binary).await;
    let (windows, outputs) = run_workers(Some(&redis.url)).await;
    let served: u64 = windows.values().map(|w| w.served).sum();
    let refused: u64 = windows.values().map(|w| w.refused).sum();
    let busiest = windows.values().map(|w| w.arrived).max().unwrap_or(0);
    eprintln!("windows: {windows:?}");
    assert_eq!(refused, 0, "429s: {windows:?}\n{outputs:#?}");
    assert!(busiest <= LIMIT, "{busiest} in one window: {windows:?}");
    assert_eq!(served, (WORKERS * PER_WORKER) as u64, "{outputs:#?}");
    for out in &outputs {
        assert!(
            out.contains(&format!("served {PER_WORKER} failed 0")),
            "{outputs:#?}"
        );
    }
}

/// The same scenario with a budget per process: together the workers go
/// over the limit. Shows that the test above can fail; not run by default
/// (how far over depends on scheduling).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "demonstration: run with --ignored to see the limit exceeded without a shared store"]
async fn four_processes_with_their_own_budgets_exceed_the_limit() {
    let (windows, outputs) = run_workers(None).await;
    let refused: u64 = windows.values().map(|w| w.refused).sum();
    let busiest = windows.values().map(|w| w.arrived).max().unwrap_or(0);
    eprintln!("windows: {windows:?}\n{outputs:#?}");
    assert!(busiest > LIMIT && refused > 0, "{windows:?}");
}
