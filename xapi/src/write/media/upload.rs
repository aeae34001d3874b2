//! The chunked upload itself: initialise, append segments (each retried on
//! its own), finalise, wait for processing; resumable from an
//! [`UploadResume`].
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncReadExt};

use super::*;
use crate::client::decode_response;
type ProgressFn<'c> = Box<dyn FnMut(u64, u64) + Send + 'c>;

/// A configured media upload; start one with [`Client::media_upload`].
#[must_use = "an upload does nothing until one of the upload_* methods is awaited"]
pub struct MediaUploader<'c> {
    client: &'c Client,
    media_type: Option<MediaType>,
    category: Option<MediaCategory>,
    chunk_size: usize,
    append_retries: u32,
    retry_delay: Duration,
    processing_timeout: Duration,
    additional_owners: Vec<String>,
    shared: Option<bool>,
    progress: Option<ProgressFn<'c>>,
    resume: Option<UploadResume>,
}

impl std::fmt::Debug for MediaUploader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaUploader")
            .field("media_type", &self.media_type)
            .field("category", &self.category)
            .field("chunk_size", &self.chunk_size)
            .field("append_retries", &self.append_retries)
            .field("processing_timeout", &self.processing_timeout)
            .finish_non_exhaustive()
    }
}

/// Where the bytes come from.
enum Source<'r> {
    Bytes(Bytes),
    Reader(Box<dyn AsyncRead + Unpin + Send + 'r>),
}

impl Source<'_> {
    /// Appends the next `len` bytes to `out` (fewer only at the end of the
    /// source); returns how many were appended. Reads go straight into
    /// `out`, so a segment is in memory once.
    async fn read_into(&mut self, out: &mut Vec<u8>, len: usize) -> Result<usize, std::io::Error> {
        match self {
            Source::Bytes(bytes) => {
                let take = len.min(bytes.len());
                out.extend_from_slice(&bytes.split_to(take));
                Ok(take)
            }
            Source::Reader(reader) => {
                let start = out.len();
                out.resize(start.saturating_add(len), 0);
                let mut filled = 0usize;
                while filled < len {
                    let Some(rest) = out.get_mut(start.saturating_add(filled)..) else {
                        break;
                    };
                    let n = reader.read(rest).await?;
                    if n == 0 {
                        break;
                    }
                    filled = filled.saturating_add(n);
                }
                out.truncate(start.saturating_add(filled));
                Ok(filled)
            }
        }
    }

    /// Whether anything is left after the declared length.
    async fn has_more(&mut self) -> Result<bool, std::io::Error> {
        match self {
            Source::Bytes(bytes) => Ok(!bytes.is_empty()),
            Source::Reader(reader) => {
                let mut probe = [0u8; 1];
                Ok(reader.read(&mut probe).await? > 0)
            }
        }
    }
}

impl<'c> MediaUploader<'c> {
    pub(super) fn new(client: &'c Client) -> Self {
        MediaUploader {
            client,
            media_type: None,
            category: None,
            chunk_size: DEFAULT_CHUNK_SIZE,
            append_retries: DEFAULT_APPEND_RETRIES,
            retry_delay: Duration::from_secs(1),
            processing_timeout: Duration::from_secs(15 * 60),
            additional_owners: Vec::new(),
            shared: None,
            progress: None,
            resume: None,
        }
    }

    /// Goes on with an interrupted upload instead of starting one: no new
    /// media id, the segments X accepted are skipped in the source (which
    /// must hold the same bytes), and the chunk size is the one it was
    /// started with.
    pub fn resume(mut self, at: UploadResume) -> Self {
        self.chunk_size = at.chunk_size;
        self.resume = Some(at);
        self
    }

    /// The media type (`media_type`); required for bytes and readers,
    /// guessed from the extension for files.
    pub fn media_type(mut self, media_type: MediaType) -> Self {
        self.media_type = Some(media_type);
        self
    }

    /// The category (`media_category`); guessed from the extension for
    /// files, otherwise left to X's default.
    pub fn category(mut self, category: MediaCategory) -> Self {
        self.category = Some(category);
        self
    }

    /// Size of one segment in bytes (default 4 MiB). Memory use is about one
    /// segment; X accepts segments of up to 5 MB.
    pub fn chunk_size(mut self, bytes: usize) -> Self {
        self.chunk_size = bytes;
        self
    }

    /// How many times a segment that failed with a transport error or a 5xx
    /// answer is sent again (default 2).
    pub fn append_retries(mut self, retries: u32) -> Self {
        self.append_retries = retries;
        self
    }

    /// Wait before sending a failed segment again (default 1 s, times the
    /// attempt number).
    pub fn retry_delay(mut self, delay: Duration) -> Self {
        self.retry_delay = delay;
        self
    }

    /// Longest total wait for X to process the media (default 15 minutes).
    pub fn processing_timeout(mut self, timeout: Duration) -> Self {
        self.processing_timeout = timeout;
        self
    }

    /// Other users who may use the media (`additional_owners`).
    pub fn additional_owners<I, S>(mut self, user_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.additional_owners
            .extend(user_ids.into_iter().map(Into::into));
        self
    }

    /// Whether the media is shared (`shared`).
    pub fn shared(mut self, shared: bool) -> Self {
        self.shared = Some(shared);
        self
    }

    /// Called after every appended segment with (bytes sent, total bytes).
    pub fn on_progress(mut self, progress: impl FnMut(u64, u64) + Send + 'c) -> Self {
        self.progress = Some(Box::new(progress));
        self
    }

    /// Uploads a file, read one segment at a time. The media type and
    /// category come from the extension unless set.
    pub async fn upload_path(
        mut self,
        path: impl AsRef<Path>,
    ) -> Result<UploadedMedia, UploadError> {
        let path = path.as_ref();
        if self.media_type.is_none() {
            let Some((media_type, category)) = media_kind_for_path(path) else {
                return Err(invalid(
                    "initializeMediaUpload",
                    "media_type",
                    format!(
                        "cannot tell the media type of {}: use an extension among jpg, jpeg, \
                         png, webp, gif, mp4, mov, srt, vtt or set media_type",
                        path.display()
                    ),
                )
                .into());
            };
            self.media_type = Some(media_type);
            self.category.get_or_insert(category);
        }
        let file = tokio::fs::File::open(path)
            .await
            .map_err(UploadError::Read)?;
        let total = file.metadata().await.map_err(UploadError::Read)?.len();
        self.run(Source::Reader(Box::new(file)), total).await
    }

    /// Uploads bytes already in memory (set [`media_type`](Self::media_type)).
    pub async fn upload_bytes(self, bytes: impl Into<Bytes>) -> Result<UploadedMedia, UploadError> {
        let bytes = bytes.into();
        let total = bytes.len() as u64;
        self.run(Source::Bytes(bytes), total).await
    }

    /// Uploads `total_bytes` bytes read from `reader`, one segment at a time
    /// (set [`media_type`](Self::media_type)). The reader must hold exactly
    /// `total_bytes` bytes.
    pub async fn upload_reader<R>(
        self,
        reader: R,
        total_bytes: u64,
    ) -> Result<UploadedMedia, UploadError>
    where
        R: AsyncRead + Unpin + Send,
    {
        self.run(Source::Reader(Box::new(reader)), total_bytes)
            .await
    }

    async fn run(self, mut source: Source<'_>, total: u64) -> Result<UploadedMedia, UploadError> {
        let segments = self.check(total)?;
        let init_body = self.init_body(total);
        let MediaUploader {
            client,
            chunk_size,
            append_retries,
            retry_delay,
            processing_timeout,
            mut progress,
            resume,
            ..
        } = self;
        let (id, init) = match &resume {
            Some(at) => {
                check_resume(at, total)?;
                skip(&mut source, at.next_segment, at.chunk_size, total).await?;
                (at.media_id.clone(), None)
            }
            None => {
                let (id, init) = initialize(client, init_body).await?;
                (id, Some(init))
            }
        };
        let first = resume.as_ref().map_or(0, |at| at.next_segment);
        let interrupted = |next_segment: u64, source: UploadError| UploadError::Interrupted {
            resume: UploadResume::new(id.clone(), next_segment, chunk_size, total),
            source: Box::new(source),
        };
        let chunk = chunk_size as u64;
        let mut sent = first.saturating_mul(chunk).min(total);
        let mut retries_used = 0u32;
        let boundary = format!("xapi-{:032x}", rand::random::<u128>());
        for segment in first..segments {
            let len = usize::try_from(chunk.min(total.saturating_sub(sent))).unwrap_or(chunk_size);
            let body = segment_body(&mut source, &boundary, segment, len, total, sent)
                .await
                .map_err(|e| match e {
                    // The source does not hold what was declared: resuming
                    // over the same source would not help.
                    e @ UploadError::SourceTooShort { .. } => e,
                    other => interrupted(segment, other),
                })?;
            let attempt = Segment {
                media_id: &id,
                boundary: &boundary,
                body,
            };
            let retried = append_with_retries(client, attempt, append_retries, retry_delay)
                .await
                .map_err(|e| interrupted(segment, e.into()))?;
            retries_used = retries_used.saturating_add(retried);
            sent = sent.saturating_add(len as u64);
            if let Some(progress) = progress.as_mut() {
                progress(sent, total);
            }
        }
        if source.has_more().await.map_err(UploadError::Read)? {
            return Err(UploadError::SourceTooLong { declared: total });
        }
        let mut uploaded = UploadedMedia {
            id: id.clone(),
            media_key: None,
            size: None,
            expires_after_secs: None,
            processing_info: None,
            total_bytes: total,
            segments: u32::try_from(segments).unwrap_or(u32::MAX),
            append_retries: retries_used,
            status_checks: 0,
        };
        if let Some(d) = init.as_ref().and_then(|i| i.data.as_ref()) {
            absorb(&mut uploaded, d);
        }
        finish(client, &mut uploaded, processing_timeout)
            .await
            .map_err(|e| match e {
                // Finalising can be tried again; processing failures are final.
                e @ UploadError::Request(_) => interrupted(segments, e),
                other => other,
            })?;
        Ok(uploaded)
    }

    /// Checks the settings against X's limits; returns the segment count.
    fn check(&self, total: u64) -> Result<u64, UploadError> {
        const INIT: &str = "initializeMediaUpload";
        if self.media_type.is_none() {
            return Err(invalid(INIT, "media_type", "is required").into());
        }
        if self.chunk_size == 0 || self.chunk_size > MAX_CHUNK_SIZE {
            return Err(invalid(
                INIT,
                "chunk_size",
                format!(
                    "must be 1 to {MAX_CHUNK_SIZE} bytes (is {})",
                    self.chunk_size
                ),
            )
            .into());
        }
        if total == 0 {
            return Err(invalid(INIT, "total_bytes", "the media is empty").into());
        }
        if total > MAX_TOTAL_BYTES {
            return Err(invalid(
                INIT,
                "total_bytes",
                format!("must be at most {MAX_TOTAL_BYTES} (is {total})"),
            )
            .into());
        }
        let segments = total.div_ceil(self.chunk_size as u64);
        if segments > MAX_SEGMENTS {
            return Err(invalid(
                INIT,
                "segment_index",
                format!(
                    "{total} bytes in chunks of {} make {segments} segments; \
                     segment_index goes up to 999: use larger chunks",
                    self.chunk_size
                ),
            )
            .into());
        }
        Ok(segments)
    }

    /// The body of the request that starts the upload.
    fn init_body(&self, total: u64) -> MediaUploadConfigRequest {
        MediaUploadConfigRequest {
            media_type: self.media_type.clone(),
            media_category: self.category.clone(),
            total_bytes: i64::try_from(total).ok(),
            additional_owners: (!self.additional_owners.is_empty())
                .then(|| self.additional_owners.iter().map(Text::from).collect()),
            shared: self.shared,
            ..Default::default()
        }
    }
}

/// Starts the upload; returns the media id and the answer.
async fn initialize(
    client: &Client,
    body: MediaUploadConfigRequest,
) -> Result<(String, MediaUploadResponse), UploadError> {
    const INIT: &str = "initializeMediaUpload";
    let init = client
        .media()
        .initialize_upload()
        .body(body)
        .send()
        .await?
        .into_body();
    let Some(id) = init
        .data
        .as_ref()
        .and_then(|d| d.id.as_deref().map(str::to_owned))
    else {
        return Err(UploadError::UnexpectedResponse {
            operation: INIT,
            reason: "no data.id (media id) in the answer".into(),
        });
    };
    Ok((id, init))
}

/// A resume point must fit the upload it resumes.
fn check_resume(at: &UploadResume, total: u64) -> Result<(), UploadError> {
    const APPEND: &str = "appendMediaUpload";
    check_media_id(APPEND, "media_id", &at.media_id)?;
    if at.total_bytes != total {
        return Err(invalid(
            APPEND,
            "total_bytes",
            format!(
                "the upload being resumed declared {} bytes, the source holds {total}",
                at.total_bytes
            ),
        )
        .into());
    }
    Ok(())
}

/// Reads past the segments an interrupted upload already sent.
async fn skip(
    source: &mut Source<'_>,
    segments: u64,
    chunk_size: usize,
    total: u64,
) -> Result<(), UploadError> {
    let mut left = segments.saturating_mul(chunk_size as u64).min(total);
    let mut scratch = Vec::with_capacity(chunk_size.min(1 << 20));
    while left > 0 {
        scratch.clear();
        let want = usize::try_from(left.min(1 << 20)).unwrap_or(1 << 20);
        let read = source
            .read_into(&mut scratch, want)
            .await
            .map_err(UploadError::Read)?;
        if read == 0 {
            return Err(UploadError::SourceTooShort {
                declared: total,
                read: total.saturating_sub(left),
            });
        }
        left = left.saturating_sub(read as u64);
    }
    Ok(())
}

/// The multipart body of one segment, its bytes read from `source`.
async fn segment_body(
    source: &mut Source<'_>,
    boundary: &str,
    segment: u64,
    len: usize,
    total: u64,
    sent: u64,
) -> Result<Bytes, UploadError> {
    let head = multipart_head(boundary, segment);
    let tail = multipart_tail(boundary);
    let mut body = Vec::with_capacity(head.len().saturating_add(len).saturating_add(tail.len()));
    body.extend_from_slice(head.as_bytes());
    let read = source
        .read_into(&mut body, len)
        .await
        .map_err(UploadError::Read)?;
    if read < len {
        return Err(UploadError::SourceTooShort {
            declared: total,
            read: sent.saturating_add(read as u64),
        });
    }
    body.extend_from_slice(tail.as_bytes());
    Ok(Bytes::from(body))
}

/// Finalises the upload and waits for X's processing, within `timeout`.
async fn finish(
    client: &Client,
    uploaded: &mut UploadedMedia,
    timeout: Duration,
) -> Result<(), UploadError> {
    let finalized = client
        .media()
        .finalize_upload(uploaded.id.as_str())
        .send()
        .await?
        .into_body();
    let mut data = finalized.data;
    let mut waited = Duration::ZERO;
    loop {
        if let Some(d) = &data {
            absorb(uploaded, d);
        }
        let Some(info) = data.and_then(|d| d.processing_info) else {
            return Ok(());
        };
        match &info.state {
            None | Some(ProcessingInfoState::Succeeded) => {
                uploaded.processing_info = Some(info);
                return Ok(());
            }
            Some(ProcessingInfoState::Failed) => {
                return Err(processing_failed(&uploaded.id, info));
            }
            Some(other) => {
                let state = other.to_string();
                let wait = info
                    .check_after_secs
                    .and_then(|s| u64::try_from(s).ok())
                    .filter(|s| *s > 0)
                    .map_or(DEFAULT_CHECK_AFTER, Duration::from_secs);
                uploaded.processing_info = Some(info);
                if waited.saturating_add(wait) > timeout {
                    return Err(UploadError::ProcessingTimedOut {
                        media_id: uploaded.id.clone(),
                        state,
                        waited,
                    });
                }
                tokio::time::sleep(wait).await;
                waited = waited.saturating_add(wait);
                uploaded.status_checks = uploaded.status_checks.saturating_add(1);
                let status = client
                    .media()
                    .get_upload_status(uploaded.id.as_str())
                    .command(GetMediaUploadStatusCommand::Status)
                    .send()
                    .await?
                    .into_body();
                data = status.data;
            }
        }
    }
}

fn absorb(uploaded: &mut UploadedMedia, data: &MediaUploadResponseData) {
    if data.media_key.is_some() {
        uploaded.media_key = data.media_key.as_deref().map(str::to_owned);
    }
    if data.size.is_some() {
        uploaded.size = data.size;
    }
    if data.expires_after_secs.is_some() {
        uploaded.expires_after_secs = data.expires_after_secs;
    }
}

fn processing_failed(media_id: &str, info: ProcessingInfo) -> UploadError {
    let error = info.extra.get("error");
    let field = |name: &str| error.and_then(|e| e.get(name));
    let code = field("code").and_then(|c| {
        c.as_i64()
            .or_else(|| c.as_str().and_then(|s| s.parse().ok()))
    });
    let name = field("name").and_then(|n| n.as_str()).map(str::to_owned);
    let message = field("message")
        .and_then(|m| m.as_str())
        .map(str::to_owned)
        .or_else(|| name.clone())
        .unwrap_or_else(|| "X gave no reason (no processing_info.error)".to_owned());
    UploadError::ProcessingFailed {
        media_id: media_id.to_owned(),
        code,
        name,
        message,
        info: Box::new(info),
    }
}

/// Whether a failed append is worth sending again.
fn is_retryable(error: &Error) -> bool {
    match error {
        Error::Transport { .. } => true,
        Error::Api(api) => api.status >= 500,
        _ => false,
    }
}

/// The multipart form of one `appendMediaUpload` request, ready to send
/// (and to send again).
struct Segment<'a> {
    media_id: &'a str,
    boundary: &'a str,
    body: Bytes,
}

/// Everything of the form before the segment's bytes: the `segment_index`
/// field and the headers of the `media` part.
fn multipart_head(boundary: &str, segment: u64) -> String {
    format!(
        "--{boundary}\r\n\
         Content-Disposition: form-data; name=\"segment_index\"\r\n\r\n\
         {segment}\r\n\
         --{boundary}\r\n\
         Content-Disposition: form-data; name=\"media\"; filename=\"media\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
}

/// Everything of the form after the segment's bytes.
fn multipart_tail(boundary: &str) -> String {
    format!("\r\n--{boundary}--\r\n")
}

/// Appends one segment, sending it again on transport errors and 5xx
/// answers; returns how many extra attempts were needed.
async fn append_with_retries(
    client: &Client,
    segment: Segment<'_>,
    retries: u32,
    delay: Duration,
) -> Result<u32, Error> {
    let mut attempt = 0u32;
    loop {
        match append_once(client, &segment).await {
            Ok(()) => return Ok(attempt),
            Err(error) if attempt < retries && is_retryable(&error) => {
                attempt = attempt.saturating_add(1);
                tracing::debug!(
                    media_id = segment.media_id,
                    attempt,
                    error = %error,
                    "appendMediaUpload failed, sending the segment again"
                );
                tokio::time::sleep(delay.saturating_mul(attempt)).await;
            }
            Err(error) => return Err(error),
        }
    }
}

/// Sends one segment. The multipart body is assembled here rather than with
/// `reqwest::multipart`, whose streamed bodies cannot be cloned: a body in
/// one buffer can go through the client's rate-limit and retry handling,
/// and be sent again without reading the media again.
async fn append_once(client: &Client, segment: &Segment<'_>) -> Result<(), Error> {
    let builder = client.media().append_upload(segment.media_id);
    let operation = builder.operation();
    let mut request = client.build_request(operation, builder.parts())?;
    let content_type = format!("multipart/form-data; boundary={}", segment.boundary);
    let content_type = reqwest::header::HeaderValue::from_str(&content_type)
        .map_err(|e| invalid(operation.id, "content-type", e.to_string()))?;
    request
        .headers_mut()
        .insert(reqwest::header::CONTENT_TYPE, content_type);
    *request.body_mut() = Some(reqwest::Body::from(segment.body.clone()));
    let response = client.execute(operation, request).await?;
    decode_response::<MediaUploadAppendResponse>(operation, response, None).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_extensions() {
        let kind = |p: &str| media_kind_for_path(p).map(|(t, c)| (t.to_string(), c.to_string()));
        let pair = |t: &str, c: &str| Some((t.to_owned(), c.to_owned()));
        assert_eq!(kind("a.JPG"), pair("image/jpeg", "tweet_image"));
        assert_eq!(kind("a.jpeg"), pair("image/jpeg", "tweet_image"));
        assert_eq!(kind("a.png"), pair("image/png", "tweet_image"));
        assert_eq!(kind("a.webp"), pair("image/webp", "tweet_image"));
        assert_eq!(kind("a.gif"), pair("image/gif", "tweet_gif"));
        assert_eq!(kind("dir/a.mp4"), pair("video/mp4", "tweet_video"));
        assert_eq!(kind("a.mov"), pair("video/quicktime", "tweet_video"));
        assert_eq!(kind("a.srt"), pair("text/srt", "subtitles"));
        assert_eq!(kind("a.vtt"), pair("text/vtt", "subtitles"));
        assert_eq!(kind("a.txt"), None);
        assert_eq!(kind("noextension"), None);
    }

    #[test]
    fn failed_processing_carries_the_reason() {
        let info: ProcessingInfo = serde_json::from_value(serde_json::json!({
            "state": "failed",
            "progress_percent": 40,
            "error": { "code": 1, "name": "InvalidMedia", "message": "Unsupported video format" }
        }))
        .expect("decodes");
        match processing_failed("7", info) {
            UploadError::ProcessingFailed {
                media_id,
                code,
                name,
                message,
                ..
            } => {
                assert_eq!(media_id, "7");
                assert_eq!(code, Some(1));
                assert_eq!(name.as_deref(), Some("InvalidMedia"));
                assert_eq!(message, "Unsupported video format");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn retryable_errors() {
        let invalid = invalid("appendMediaUpload", "id", "bad");
        assert!(!is_retryable(&invalid));
    }

    #[test]
    fn language_codes() {
        assert!(check_language_code("x", "l", "EN").is_ok());
        assert!(check_language_code("x", "l", "en").is_err());
        assert!(check_language_code("x", "l", "ENG").is_err());
    }
}
