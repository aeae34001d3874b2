//! A loopback HTTP/1.1 server that plays scripted streaming connections:
//! chunks, pauses, cuts, and error answers, one script per connection. It
//! counts connections and the most that were open at once.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One step of a connection's script.
#[derive(Clone, Debug)]
pub enum Step {
    /// Send these bytes as one HTTP chunk.
    Chunk(Vec<u8>),
    /// Pause (virtual time under a paused runtime).
    Sleep(Duration),
    /// Close the connection without ending the body (a cut).
    Cut,
}

/// What one connection does.
#[derive(Clone, Debug)]
pub struct Script {
    /// Status code.
    pub status: u16,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// For a 2xx, the body steps; for others, `body` is sent whole.
    pub steps: Vec<Step>,
    /// Body of a non-2xx answer.
    pub body: String,
}

impl Script {
    /// A 200 that plays `steps` and then ends the body normally.
    pub fn ok(steps: Vec<Step>) -> Self {
        Script {
            status: 200,
            headers: vec![],
            steps,
            body: String::new(),
        }
    }

    /// An error answer.
    pub fn error(status: u16, body: &str) -> Self {
        Script {
            status,
            headers: vec![],
            steps: vec![],
            body: body.to_owned(),
        }
    }
}

/// Shared counters and recorded request lines.
#[derive(Default, Debug)]
pub struct Stats {
    /// Connections accepted.
    pub connections: AtomicUsize,
    /// Connections open right now.
    pub open: AtomicUsize,
    /// Most connections open at once.
    pub max_open: AtomicUsize,
    /// Request lines (`GET /path?query HTTP/1.1`), in order.
    pub requests: Mutex<Vec<String>>,
}

/// The server.
pub struct StreamServer {
    /// Base URL (`http://127.0.0.1:PORT`).
    pub url: String,
    /// Counters.
    pub stats: Arc<Stats>,
}

struct OpenGuard(Arc<Stats>);

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
    }
}

impl StreamServer {
    /// Starts serving `scripts`, one per connection; connections beyond the
    /// scripts get a 200 that stays silent for a day.
    pub async fn start(scripts: Vec<Script>) -> StreamServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let stats = Arc::new(Stats::default());
        let queue = Arc::new(Mutex::new(VecDeque::from(scripts)));
        let st = stats.clone();
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                let script =
                    queue.lock().expect("lock").pop_front().unwrap_or_else(|| {
                        Script::ok(vec![Step::Sleep(Duration::from_secs(86_400))])
                    });
                let st = st.clone();
                tokio::spawn(async move {
                    st.connections.fetch_add(1, Ordering::SeqCst);
                    let now = st.open.fetch_add(1, Ordering::SeqCst) + 1;
                    st.max_open.fetch_max(now, Ordering::SeqCst);
                    let _guard = OpenGuard(st.clone());
                    let _ = serve(socket, script, &st).await;
                });
            }
        });
        StreamServer { url, stats }
    }

    /// Request lines seen so far.
    pub fn requests(&self) -> Vec<String> {
        self.stats.requests.lock().expect("lock").clone()
    }
}

async fn serve(mut socket: TcpStream, script: Script, stats: &Stats) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = socket.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&head)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    stats.requests.lock().expect("lock").push(line);
    let reason = match script.status {
        200 => "OK",
        401 => "Unauthorized",
        429 => "Too Many Requests",
        503 => "Service Unavailable",
        _ => "Status",
    };
    let mut response = format!("HTTP/1.1 {} {}\r\n", script.status, reason);
    for (k, v) in &script.headers {
        response.push_str(&format!("{k}: {v}\r\n"));
    }
    if !(200..300).contains(&script.status) {
        response.push_str(&format!(
            "content-type: application/problem+json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{}",
            script.body.len(),
            script.body
        ));
        socket.write_all(response.as_bytes()).await?;
        return socket.shutdown().await;
    }
    response.push_str(
        "content-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n",
    );
    socket.write_all(response.as_bytes()).await?;
    for step in script.steps {
        match step {
            Step::Chunk(bytes) => {
                socket
                    .write_all(format!("{:x}\r\n", bytes.len()).as_bytes())
                    .await?;
                socket.write_all(&bytes).await?;
                socket.write_all(b"\r\n").await?;
                socket.flush().await?;
            }
            Step::Sleep(d) => {
                // Pause, but notice when the client hangs up meanwhile: a
                // connection the client closed no longer counts as open.
                let mut probe = [0u8; 64];
                tokio::select! {
                    _ = tokio::time::sleep(d) => {}
                    read = socket.read(&mut probe) => {
                        if matches!(read, Ok(0) | Err(_)) {
                            return Ok(());
                        }
                    }
                }
            }
            Step::Cut => return Ok(()),
        }
    }
    socket.write_all(b"0\r\n\r\n").await?;
    socket.shutdown().await
}
