//! A loopback HTTP/1.1 server for fault injection: each request is answered
//! by a handler that can send any header bytes, cut a body after N bytes,
//! trickle it, announce a length it never sends, send an endless body, stall
//! after the headers, or play streamed lines with pauses. Every answer closes
//! its connection, so each request is a fresh one and a cut is a real cut.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A request as it arrived.
#[derive(Clone, Debug)]
pub struct Request {
    /// `GET`, `POST`, …
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    /// Headers, names in lower case, in order.
    pub headers: Vec<(String, String)>,
    /// The body (read by `Content-Length`).
    pub body: Vec<u8>,
}

impl Request {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A query value (percent-decoding `+` and `%XX` is left to the caller).
    pub fn query(&self, name: &str) -> Option<&str> {
        let (_, query) = self.target.split_once('?')?;
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
    }
}

/// How a body is sent.
#[derive(Clone, Debug)]
pub enum Body {
    /// All of it, with its `Content-Length`.
    Full(Vec<u8>),
    /// `Content-Length: announce`, then only `send`, then the connection closes.
    Cut {
        /// The announced length.
        announce: u64,
        /// What is actually sent.
        send: Vec<u8>,
    },
    /// All of it, with its `Content-Length`, one byte every `every`.
    Trickle {
        /// The bytes.
        data: Vec<u8>,
        /// The pause between bytes.
        every: Duration,
    },
    /// Chunked, `chunk` again and again, until the client hangs up.
    Endless {
        /// What each chunk holds.
        chunk: Vec<u8>,
    },
    /// Nothing after the headers, for a day (the connection stays open).
    Stall,
    /// Chunked pieces, each after its pause, then the end of the body.
    Pieces(Vec<(Duration, Vec<u8>)>),
}

/// An answer.
#[derive(Clone, Debug)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Headers, sent byte for byte (any value, valid or not).
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body.
    pub body: Body,
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), b"application/json".to_vec())],
            body: Body::Full(body.as_bytes().to_vec()),
        }
    }

    /// No answer at all: the connection is accepted and held open, silent.
    pub fn silent() -> Reply {
        Reply {
            status: 0,
            headers: vec![],
            body: Body::Stall,
        }
    }

    /// Adds a header with any value bytes.
    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Reply {
        self.headers
            .push((name.to_owned(), value.as_ref().to_vec()));
        self
    }

    /// Replaces the body.
    pub fn body(mut self, body: Body) -> Reply {
        self.body = body;
        self
    }
}

type Handler = dyn Fn(&Request, usize) -> Reply + Send + Sync;

/// The server: answers with `handler(request, index)`, `index` counting
/// requests from 0.
pub struct FaultServer {
    /// Base URL (`http://127.0.0.1:PORT`).
    pub url: String,
    log: Arc<Mutex<Log>>,
    task: tokio::task::JoinHandle<()>,
}

/// What the server remembers of the requests it got.
#[derive(Default)]
struct Log {
    /// Every request, unless the server only counts.
    requests: Vec<Request>,
    count: usize,
    only_count: bool,
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FaultServer {
    /// Starts serving on a free loopback port.
    pub async fn start(
        handler: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static,
    ) -> FaultServer {
        Self::serve_with(handler, false).await
    }

    /// [`FaultServer::start`], remembering only how many requests arrived
    /// (for long runs whose memory is measured).
    pub async fn start_counting(
        handler: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static,
    ) -> FaultServer {
        Self::serve_with(handler, true).await
    }

    async fn serve_with(
        handler: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static,
        only_count: bool,
    ) -> FaultServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let log = Arc::new(Mutex::new(Log {
            only_count,
            ..Log::default()
        }));
        let handler: Arc<Handler> = Arc::new(handler);
        let shared = log.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                let (log, handler) = (shared.clone(), handler.clone());
                tokio::spawn(async move {
                    let _ = serve(socket, &log, &*handler).await;
                });
            }
        });
        FaultServer { url, log, task }
    }

    /// Requests received so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.log
            .lock()
            .map(|l| l.requests.clone())
            .unwrap_or_default()
    }

    /// How many requests arrived.
    pub fn count(&self) -> usize {
        self.log.lock().map(|l| l.count).unwrap_or_default()
    }
}

async fn read_request(socket: &mut TcpStream) -> std::io::Result<Option<Request>> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    let end = loop {
        if let Some(at) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = socket.read(&mut buf).await?;
        if n == 0 {
            return Ok(None);
        }
        head.extend_from_slice(&buf[..n]);
    };
    let text = String::from_utf8_lossy(&head[..end]).into_owned();
    let mut lines = text.split("\r\n");
    let first = lines.next().unwrap_or_default();
    let mut words = first.split(' ');
    let method = words.next().unwrap_or_default().to_owned();
    let target = words.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = head[end + 4..].to_vec();
    while body.len() < length {
        let n = socket.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&buf[..n]);
    }
    Ok(Some(Request {
        method,
        target,
        headers,
        body,
    }))
}

async fn serve(mut socket: TcpStream, log: &Mutex<Log>, handler: &Handler) -> std::io::Result<()> {
    let Some(request) = read_request(&mut socket).await? else {
        return Ok(());
    };
    let index = {
        let mut log = log.lock().map_err(|_| std::io::ErrorKind::Other)?;
        if !log.only_count {
            log.requests.push(request.clone());
        }
        log.count += 1;
        log.count - 1
    };
    let reply = handler(&request, index);
    if reply.status == 0 {
        let mut probe = [0u8; 64];
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(86_400)) => {}
            _ = socket.read(&mut probe) => {}
        }
        return Ok(());
    }
    let mut head = format!("HTTP/1.1 {} Status\r\n", reply.status).into_bytes();
    for (name, value) in &reply.headers {
        head.extend_from_slice(name.as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value);
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"connection: close\r\n");
    match &reply.body {
        Body::Full(data) | Body::Trickle { data, .. } => {
            head.extend_from_slice(format!("content-length: {}\r\n", data.len()).as_bytes())
        }
        Body::Cut { announce, .. } => {
            head.extend_from_slice(format!("content-length: {announce}\r\n").as_bytes())
        }
        Body::Endless { .. } | Body::Pieces(_) => {
            head.extend_from_slice(b"transfer-encoding: chunked\r\n")
        }
        Body::Stall => head.extend_from_slice(b"content-length: 10\r\n"),
    }
    head.extend_from_slice(b"\r\n");
    socket.write_all(&head).await?;
    match reply.body {
        Body::Full(data) => socket.write_all(&data).await?,
        Body::Cut { send, .. } => {
            socket.write_all(&send).await?;
            socket.flush().await?;
            return Ok(()); // dropped: the connection closes short
        }
        Body::Trickle { data, every } => {
            for byte in data {
                socket.write_all(&[byte]).await?;
                socket.flush().await?;
                tokio::time::sleep(every).await;
            }
        }
        Body::Endless { chunk } => loop {
            socket
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await?;
            socket.write_all(&chunk).await?;
            socket.write_all(b"\r\n").await?;
        },
        Body::Stall => {
            let mut probe = [0u8; 64];
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(86_400)) => {}
                _ = socket.read(&mut probe) => {}
            }
            return Ok(());
        }
        Body::Pieces(pieces) => {
            for (pause, piece) in pieces {
                tokio::time::sleep(pause).await;
                socket
                    .write_all(format!("{:x}\r\n", piece.len()).as_bytes())
                    .await?;
                socket.write_all(&piece).await?;
                socket.write_all(b"\r\n").await?;
                socket.flush().await?;
            }
            socket.write_all(b"0\r\n\r\n").await?;
        }
    }
    socket.flush().await?;
    socket.shutdown().await
}
