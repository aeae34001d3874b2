//! The batch compliance round trip: create a job, upload the ids to the
//! job's `upload_url`, poll until the job is `complete`, download and parse
//! its JSON Lines result. Each step works from the job id alone, so a round
//! trip cut anywhere is resumed with [`resume`] (a job whose upload window
//! has not closed is uploaded to again; one in progress is polled; one
//! complete is downloaded).
//!
//! The job's status values are those of the API document: `created`
//! (waiting for its upload), `in_progress`, `complete`, `failed`,
//! `expired`. The upload and download URLs are storage links, not the API:
//! they get no credentials.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use std::collections::VecDeque;
use std::time::Duration;

use bytes::Bytes;
use xapi_generated::runtime::RequestParts;

use crate::answer::error::Error;
use crate::client::body::{read_capped, Answer, ReadFault};
use crate::client::budget::RateLimit;
use crate::client::{api_error, Client};
use crate::models::{ComplianceJob, ComplianceJobStatus};
use crate::research::pages::operation;

/// What a job checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JobKind {
    /// Post ids.
    Tweets,
    /// User ids.
    Users,
}

impl JobKind {
    /// The API's name (`tweets`, `users`).
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Tweets => "tweets",
            JobKind::Users => "users",
        }
    }
}

/// How a round trip waits for a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Polling {
    /// Between two status checks (default 30 s).
    pub interval: Duration,
    /// Longest wait for `complete` (default 24 h).
    pub max_wait: Duration,
}

impl Default for Polling {
    fn default() -> Self {
        Polling {
            interval: Duration::from_secs(30),
            max_wait: Duration::from_secs(24 * 3600),
        }
    }
}

setters!(Polling {
    interval: Duration,
    max_wait: Duration,
});

/// The result of a job: the file as downloaded and its lines parsed (one
/// object per id that needs action: `id`, `action`, `reason`, `created_at`,
/// `redacted_at`, and any other key, in order).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Outcome {
    /// The job, as last polled.
    pub job: ComplianceJob,
    /// The result file, byte for byte.
    pub body: Bytes,
    /// Its lines, parsed.
    pub results: Vec<serde_json::Value>,
}

#[derive(serde::Deserialize, serde::Serialize)]
struct JobBody {
    data: Option<ComplianceJob>,
}

impl xapi_generated::runtime::Model for JobBody {}

fn job_of(operation: &'static str, body: JobBody) -> Result<ComplianceJob, Error> {
    body.data.ok_or_else(|| Error::InvalidRequest {
        operation,
        parameter: "data".into(),
        rule: "the answer holds no job".into(),
    })
}

/// Creates a job of `kind`, named `name`.
pub async fn create_job(
    client: &Client,
    kind: JobKind,
    name: Option<&str>,
) -> Result<ComplianceJob, Error> {
    let op = operation("createComplianceJobs")?;
    let mut parts = RequestParts::new(op);
    let mut body = serde_json::json!({ "type": kind.as_str() });
    if let (Some(name), Some(obj)) = (name, body.as_object_mut()) {
        obj.insert("name".into(), name.into());
    }
    parts.set_body(&body);
    let answer = client.send_operation::<JobBody>(op, parts).await?;
    job_of(op.id, answer.into_body())
}

/// The job `id`, as it is now.
pub async fn job(client: &Client, id: &str) -> Result<ComplianceJob, Error> {
    let op = operation("getComplianceJobsById")?;
    let mut parts = RequestParts::new(op);
    parts.set_path("id", id.to_owned());
    let answer = client.send_operation::<JobBody>(op, parts).await?;
    job_of(op.id, answer.into_body())
}

fn job_id(job: &ComplianceJob) -> &str {
    job.id.as_deref().unwrap_or("?")
}

/// A storage request (no credentials) under the client's deadline; a
/// status outside 2xx is the error, with the body read under the cap.
async fn storage_response(
    client: &Client,
    what: &'static str,
    request: reqwest::RequestBuilder,
) -> Result<reqwest::Response, Error> {
    let request = match client.inner.deadline {
        Some(d) => request.timeout(d),
        None => request,
    };
    let response = request.send().await.map_err(|source| Error::Transport {
        operation: what,
        source,
    })?;
    if response.status().is_success() {
        return Ok(response);
    }
    let answer = read_whole(client, what, response).await?;
    Err(Error::Api(Box::new(api_error(
        what,
        answer.status,
        answer.headers,
        RateLimit::default(),
        answer.body,
    ))))
}

/// Reads a storage answer whole, at most the client's body cap.
async fn read_whole(
    client: &Client,
    what: &'static str,
    response: reqwest::Response,
) -> Result<Answer, Error> {
    read_capped(response, client.inner.max_body)
        .await
        .map_err(|fault| match fault {
            ReadFault::Http(source) => Error::Transport {
                operation: what,
                source,
            },
            ReadFault::TooLarge(announced) => Error::TooLarge {
                operation: what,
                limit: client.inner.max_body,
                announced,
            },
        })
}

/// Uploads `ids` (one per line) to the job's `upload_url`.
pub async fn upload(client: &Client, job: &ComplianceJob, ids: &[String]) -> Result<(), Error> {
    let url = job
        .upload_url
        .as_deref()
        .ok_or_else(|| Error::InvalidRequest {
            operation: "complianceUpload",
            parameter: "upload_url".into(),
            rule: format!("job {} has no upload URL", job_id(job)),
        })?;
    let mut body = ids.join("\n");
    body.push('\n');
    let request = client
        .inner
        .http
        .put(url)
        .header(reqwest::header::CONTENT_TYPE, "text/plain")
        .body(body);
    let response = storage_response(client, "complianceUpload", request).await?;
    read_whole(client, "complianceUpload", response)
        .await
        .map(drop)
}

/// Polls job `id` until it is `complete` (and returns it); `failed` and
/// `expired` end the wait with an error naming the status.
pub async fn wait(client: &Client, id: &str, polling: Polling) -> Result<ComplianceJob, Error> {
    let started = tokio::time::Instant::now();
    loop {
        let job = job(client, id).await?;
        match &job.status {
            Some(ComplianceJobStatus::Complete) => return Ok(job),
            Some(ComplianceJobStatus::Failed) | Some(ComplianceJobStatus::Expired) => {
                let status = job.status.as_ref().map(|s| s.as_str()).unwrap_or("?");
                return Err(Error::InvalidRequest {
                    operation: "getComplianceJobsById",
                    parameter: "status".into(),
                    rule: format!("compliance job {id} is {status}"),
                });
            }
            _ => {}
        }
        if started.elapsed().saturating_add(polling.interval) > polling.max_wait {
            return Err(Error::Timeout {
                operation: "getComplianceJobsById",
                after: polling.max_wait,
            });
        }
        tokio::time::sleep(polling.interval).await;
    }
}

fn download_url(job: &ComplianceJob) -> Result<&str, Error> {
    job.download_url
        .as_deref()
        .ok_or_else(|| Error::InvalidRequest {
            operation: DOWNLOAD,
            parameter: "download_url".into(),
            rule: format!("job {} has no download URL", job_id(job)),
        })
}

const DOWNLOAD: &str = "complianceDownload";

/// Downloads a complete job's result and parses its lines (blank lines
/// skipped; a line that is not JSON is an error). The whole file is held
/// in memory, so it must fit under the client's body cap
/// ([`max_body_bytes`](crate::ClientBuilder::max_body_bytes)); for files
/// of any size, [`download_lines`] hands each line over as it arrives.
pub async fn download(client: &Client, job: ComplianceJob) -> Result<Outcome, Error> {
    let response =
        storage_response(client, DOWNLOAD, client.inner.http.get(download_url(&job)?)).await?;
    let body = read_whole(client, DOWNLOAD, response).await?.body;
    let mut results = Vec::new();
    for line in body.split(|&b| b == b'\n') {
        if line.trim_ascii().is_empty() {
            continue;
        }
        results.push(parse_line(line)?);
    }
    Ok(Outcome { job, body, results })
}

fn parse_line(line: &[u8]) -> Result<serde_json::Value, Error> {
    crate::client::decode_body::<serde_json::Value>(DOWNLOAD, 200, line)
}

/// Downloads a complete job's result line by line: the stream yields each
/// line that is not blank (trimmed, without its newline) as soon as it has
/// arrived, so a file of any size is handled in the memory of one chunk
/// and one line. A line is at most the client's body cap long; a line over
/// it, a cut connection or an error status is the stream's last item.
pub fn download_lines<'a>(
    client: &'a Client,
    job: &'a ComplianceJob,
) -> impl futures::Stream<Item = Result<Bytes, Error>> + Send + 'a {
    let state = Lines {
        response: None,
        pending: Vec::new(),
        ready: VecDeque::new(),
        failed: None,
        done: false,
    };
    futures::stream::unfold(state, move |mut state| async move {
        loop {
            if let Some(line) = state.ready.pop_front() {
                return Some((Ok(line), state));
            }
            if let Some(e) = state.failed.take() {
                return Some((Err(e), state));
            }
            if state.done {
                return None;
            }
            if let Err(e) = state.advance(client, job).await {
                // The lines before the fault are still given, then it.
                state.done = true;
                state.failed = Some(e);
            }
        }
    })
}

fn line_too_long(cap: usize) -> Error {
    Error::TooLarge {
        operation: DOWNLOAD,
        limit: cap,
        announced: None,
    }
}

/// Where [`download_lines`] is in the file.
struct Lines {
    response: Option<reqwest::Response>,
    /// The start of a line whose end has not arrived yet.
    pending: Vec<u8>,
    /// Whole lines not yet yielded.
    ready: VecDeque<Bytes>,
    /// The fault that ends the stream, given after the lines before it.
    failed: Option<Error>,
    done: bool,
}

impl Lines {
    /// Reads one more chunk (sending the request first), and files the
    /// lines it ends.
    async fn advance(&mut self, client: &Client, job: &ComplianceJob) -> Result<(), Error> {
        let response = match &mut self.response {
            Some(r) => r,
            None => {
                let request = client.inner.http.get(download_url(job)?);
                self.response
                    .insert(storage_response(client, DOWNLOAD, request).await?)
            }
        };
        let chunk = response.chunk().await.map_err(|source| Error::Transport {
            operation: DOWNLOAD,
            source,
        })?;
        let cap = client.inner.max_body;
        let Some(chunk) = chunk else {
            self.done = true;
            let last = Bytes::from(std::mem::take(&mut self.pending));
            self.file(last);
            return Ok(());
        };
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', &chunk) {
            let head = chunk.slice(start..end);
            start = end.saturating_add(1);
            if self.pending.is_empty() {
                if head.len() > cap {
                    return Err(line_too_long(cap));
                }
                self.file(head);
            } else {
                self.hold(&head, cap)?;
                let line = Bytes::from(std::mem::take(&mut self.pending));
                self.file(line);
            }
        }
        let rest = chunk.slice(start..);
        self.hold(&rest, cap)
    }

    fn hold(&mut self, part: &[u8], cap: usize) -> Result<(), Error> {
        if self.pending.len().saturating_add(part.len()) > cap {
            return Err(line_too_long(cap));
        }
        self.pending.extend_from_slice(part);
        Ok(())
    }

    fn file(&mut self, line: Bytes) {
        let at = line
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(line.len());
        let to = line
            .iter()
            .rposition(|b| !b.is_ascii_whitespace())
            .map_or(at, |i| i.saturating_add(1));
        if at < to {
            self.ready.push_back(line.slice(at..to));
        }
    }
}

/// The whole round trip for `ids`: create, upload, wait, download.
/// `on_job` is told the job as soon as it exists, so that the caller can
/// save its id for [`resume`].
pub async fn round_trip(
    client: &Client,
    kind: JobKind,
    ids: &[String],
    polling: Polling,
    on_job: impl FnOnce(&ComplianceJob),
) -> Result<Outcome, Error> {
    let created = create_job(client, kind, None).await?;
    on_job(&created);
    upload(client, &created, ids).await?;
    let id = job_id(&created).to_owned();
    let done = wait(client, &id, polling).await?;
    download(client, done).await
}

/// Continues the round trip of job `id` from wherever it stopped: uploads
/// `ids` again when the job is still `created`, then waits and downloads.
pub async fn resume(
    client: &Client,
    id: &str,
    ids: &[String],
    polling: Polling,
) -> Result<Outcome, Error> {
    let done = resume_until_complete(client, id, ids, polling).await?;
    download(client, done).await
}

/// [`resume`] up to the download: uploads `ids` again when job `id` is
/// still `created`, then waits until it is `complete` and returns it, for
/// [`download`] or [`download_lines`].
pub async fn resume_until_complete(
    client: &Client,
    id: &str,
    ids: &[String],
    polling: Polling,
) -> Result<ComplianceJob, Error> {
    let current = job(client, id).await?;
    if current.status == Some(ComplianceJobStatus::Created) {
        upload(client, &current, ids).await?;
    }
    wait(client, id, polling).await
}
