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

use std::time::Duration;

use bytes::Bytes;
use xapi_generated::runtime::RequestParts;

use crate::answer::error::Error;
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

/// A storage request (no credentials), failing on a status outside 2xx.
async fn storage(
    client: &Client,
    what: &'static str,
    request: reqwest::RequestBuilder,
) -> Result<Bytes, Error> {
    let transport = |source| Error::Transport {
        operation: what,
        source,
    };
    let request = match client.inner.deadline {
        Some(d) => request.timeout(d),
        None => request,
    };
    let response = request.send().await.map_err(transport)?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.map_err(transport)?;
    if !(200..300).contains(&status) {
        return Err(Error::Api(Box::new(api_error(
            what,
            status,
            headers,
            RateLimit::default(),
            body,
        ))));
    }
    Ok(body)
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
    storage(client, "complianceUpload", request).await.map(drop)
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

/// Downloads a complete job's result and parses its lines (blank lines
/// skipped; a line that is not JSON is an error).
pub async fn download(client: &Client, job: ComplianceJob) -> Result<Outcome, Error> {
    let url = job
        .download_url
        .as_deref()
        .ok_or_else(|| Error::InvalidRequest {
            operation: "complianceDownload",
            parameter: "download_url".into(),
            rule: format!("job {} has no download URL", job_id(&job)),
        })?;
    let body = storage(client, "complianceDownload", client.inner.http.get(url)).await?;
    let mut results = Vec::new();
    for line in body.split(|&b| b == b'\n') {
        if line.trim_ascii().is_empty() {
            continue;
        }
        results.push(crate::client::decode_body::<serde_json::Value>(
            "complianceDownload",
            200,
            line,
        )?);
    }
    Ok(Outcome { job, body, results })
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
    let current = job(client, id).await?;
    if current.status == Some(ComplianceJobStatus::Created) {
        upload(client, &current, ids).await?;
    }
    let done = wait(client, id, polling).await?;
    download(client, done).await
}
