//! Media upload (API v2, chunked), alt text and subtitles.
//!
//! An upload is four steps, all driven by [`MediaUploader`]:
//!
//! 1. `initializeMediaUpload` declares the media type, the size and the
//!    category and gets a media id;
//! 2. `appendMediaUpload` sends the bytes in segments (multipart form with a
//!    `segment_index` field and a `media` part), one segment in memory at a
//!    time, read straight into the request body; a segment that fails with a transport error or a 5xx answer is
//!    sent again (twice by default) without restarting the upload;
//! 3. `finalizeMediaUpload` closes the upload;
//! 4. when X processes the media (videos, GIFs), `getMediaUploadStatus` is
//!    polled, waiting `processing_info.check_after_secs` between checks,
//!    until the state is `succeeded` or `failed`.
//!
//! ```no_run
//! use xapi::posts::NewPost;
//! use xapi::Client;
//!
//! # async fn run(client: Client) -> Result<(), Box<dyn std::error::Error>> {
//! // Type and category from the extension: .mp4 is video/mp4, tweet_video.
//! let video = client.upload_file("clip.mp4").await?;
//! client.set_alt_text(&video.id, "A cat playing the piano").await?;
//!
//! // Or configured: chunk size, retries, progress.
//! let image = client
//!     .media_upload()
//!     .chunk_size(1 << 20)
//!     .on_progress(|sent, total| eprintln!("{sent}/{total} bytes"))
//!     .upload_path("photo.jpg")
//!     .await?;
//! client.create_post(NewPost::text("New video").media([video.id, image.id])).await?;
//! # Ok(()) }
//! ```
//!
//! Limits taken from API document 2.159: `total_bytes` at most
//! 17179869184 (`MediaUploadConfigRequest.total_bytes.maximum`), segment
//! indexes 0 to 999 (`MediaSegments.maximum`, so at most 1000 segments), alt
//! text at most 1000 characters (`AltText.text.maxLength`), subtitle
//! language codes matching `^[A-Z]{2}$` (`SubtitleLanguageCode.pattern`).
//! The reason of a failed processing is read from
//! `processing_info.error`, which X sends but the document does not declare.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use std::path::Path;
use std::time::Duration;

use crate::answer::error::Error;
use crate::answer::response::Response;
use crate::client::Client;
use crate::models::{
    AltText, GetMediaUploadStatusCommand, MediaCategorySubtitles, MediaUploadAppendResponse,
    MediaUploadConfigRequest, MediaUploadResponse, MediaUploadResponseData, MetadataCreateRequest,
    MetadataCreateRequestMetadata, MetadataCreateResponse, ProcessingInfo, ProcessingInfoState,
    Subtitles, SubtitlesCreateRequest, SubtitlesCreateResponse, SubtitlesDeleteRequest,
    SubtitlesDeleteResponse,
};
use crate::Api;
use crate::Text;

mod upload;
pub use upload::MediaUploader;

/// The use the media is for (`media_category`): `tweet_image`,
/// `tweet_video`, `subtitles`…
pub use crate::models::MediaCategory;
/// The media type declared at initialisation (`media_type`).
pub use crate::models::MediaUploadConfigRequestMediaType as MediaType;

/// Default size of one appended segment: 4 MiB.
pub const DEFAULT_CHUNK_SIZE: usize = 4 * 1024 * 1024;
/// Largest segment X accepts in one append: 5 MB.
pub const MAX_CHUNK_SIZE: usize = 5_000_000;
/// Default number of times a failed segment is sent again.
pub const DEFAULT_APPEND_RETRIES: u32 = 2;
/// Largest upload: `MediaUploadConfigRequest.total_bytes.maximum`.
pub const MAX_TOTAL_BYTES: u64 = 17_179_869_184;
/// Most segments: `segment_index` runs from 0 to `MediaSegments.maximum` (999).
pub const MAX_SEGMENTS: u64 = 1000;
/// Longest alt text: `AltText.text.maxLength`.
pub const MAX_ALT_TEXT_CHARS: usize = 1000;
/// Wait between status checks when X does not say (`check_after_secs` missing).
const DEFAULT_CHECK_AFTER: Duration = Duration::from_secs(1);

/// What went wrong during an upload.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UploadError {
    /// A request failed or was refused before sending (API error, transport,
    /// invalid parameter, decode).
    #[error(transparent)]
    Request(#[from] Error),
    /// Reading the media failed.
    #[error("cannot read the media: {0}")]
    Read(#[source] std::io::Error),
    /// The source ended before the declared length.
    #[error("the media ended after {read} bytes, {declared} were declared")]
    SourceTooShort {
        /// The declared length.
        declared: u64,
        /// What could be read.
        read: u64,
    },
    /// The source holds more bytes than declared.
    #[error("the media holds more than the {declared} bytes declared")]
    SourceTooLong {
        /// The declared length.
        declared: u64,
    },
    /// X could not process the media (`processing_info.state = failed`).
    #[error("media {media_id}: processing failed: {message}")]
    ProcessingFailed {
        /// The media id.
        media_id: String,
        /// `processing_info.error.code`, when given.
        code: Option<i64>,
        /// `processing_info.error.name`, when given.
        name: Option<String>,
        /// `processing_info.error.message`, or a description of what X sent.
        message: String,
        /// The whole processing info of the last status.
        info: Box<ProcessingInfo>,
    },
    /// Processing took longer than [`MediaUploader::processing_timeout`].
    #[error("media {media_id}: still {state} after waiting {waited:?} for processing")]
    ProcessingTimedOut {
        /// The media id.
        media_id: String,
        /// The last state seen.
        state: String,
        /// Time waited between status checks.
        waited: Duration,
    },
    /// The upload stopped after X had accepted its start: `resume` says
    /// where to go on ([`MediaUploader::resume`]) without sending a segment
    /// twice or starting over; `source` says why it stopped.
    #[error("media {}: upload stopped before segment {}: {source}", resume.media_id, resume.next_segment)]
    Interrupted {
        /// Where to resume.
        resume: UploadResume,
        /// Why it stopped.
        #[source]
        source: Box<UploadError>,
    },
    /// An answer lacked something the upload cannot go on without.
    #[error("{operation}: unexpected answer: {reason}")]
    UnexpectedResponse {
        /// Operation id.
        operation: &'static str,
        /// What was missing.
        reason: String,
    },
}

impl UploadError {
    /// The request error, when the failure was a request.
    pub fn request_error(&self) -> Option<&Error> {
        match self {
            UploadError::Request(e) => Some(e),
            UploadError::Interrupted { source, .. } => source.request_error(),
            _ => None,
        }
    }

    /// Where to resume, when the upload can be resumed.
    pub fn resume_point(&self) -> Option<&UploadResume> {
        match self {
            UploadError::Interrupted { resume, .. } => Some(resume),
            _ => None,
        }
    }
}

/// Where an interrupted upload goes on: the media id X gave it, the first
/// segment not accepted yet, and the chunk size and length it was started
/// with (a resumed upload must use the same, over the same bytes).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadResume {
    /// The media id.
    pub media_id: String,
    /// The first segment X has not accepted (`segments` when all were:
    /// only finalising is left).
    pub next_segment: u64,
    /// The chunk size of the upload.
    pub chunk_size: usize,
    /// The declared length.
    pub total_bytes: u64,
}

impl UploadResume {
    /// A resume point, e.g. one saved from an earlier run.
    pub fn new(
        media_id: impl Into<String>,
        next_segment: u64,
        chunk_size: usize,
        total_bytes: u64,
    ) -> Self {
        UploadResume {
            media_id: media_id.into(),
            next_segment,
            chunk_size,
            total_bytes,
        }
    }
}

/// A finished upload.
#[derive(Clone, Debug, PartialEq)]
pub struct UploadedMedia {
    /// The media id to attach to a post.
    pub id: String,
    /// The media key, when X sent it.
    pub media_key: Option<String>,
    /// Size X reports, when it does.
    pub size: Option<i64>,
    /// Seconds after which the upload expires if not used.
    pub expires_after_secs: Option<i64>,
    /// The last processing info (`None` for media X does not process).
    pub processing_info: Option<ProcessingInfo>,
    /// Bytes sent.
    pub total_bytes: u64,
    /// Segments appended.
    pub segments: u32,
    /// Append attempts that failed and were made again.
    pub append_retries: u32,
    /// Status checks made after finalising.
    pub status_checks: u32,
}

/// The media type and category for a file, from its extension:
/// `jpg`/`jpeg`/`png`/`webp` → `tweet_image`, `gif` → `tweet_gif`,
/// `mp4`/`mov` → `tweet_video`, `srt`/`vtt` → `subtitles`.
pub fn media_kind_for_path(path: impl AsRef<Path>) -> Option<(MediaType, MediaCategory)> {
    let extension = path.as_ref().extension()?.to_str()?.to_ascii_lowercase();
    Some(match extension.as_str() {
        "jpg" | "jpeg" => (MediaType::ImageJpeg, MediaCategory::TweetImage),
        "png" => (MediaType::ImagePng, MediaCategory::TweetImage),
        "webp" => (MediaType::ImageWebp, MediaCategory::TweetImage),
        "gif" => (MediaType::ImageGif, MediaCategory::TweetGif),
        "mp4" => (MediaType::VideoMp4, MediaCategory::TweetVideo),
        "mov" => (MediaType::VideoQuicktime, MediaCategory::TweetVideo),
        "srt" => (MediaType::TextSrt, MediaCategory::Subtitles),
        "vtt" => (MediaType::TextVtt, MediaCategory::Subtitles),
        _ => return None,
    })
}

/// Media: uploads, alt text, subtitles. These need user-context credentials
/// with the `media.write` scope.
impl Client {
    /// Starts a configured upload (chunk size, retries, progress…).
    pub fn media_upload(&self) -> MediaUploader<'_> {
        MediaUploader::new(self)
    }

    /// Uploads a file with the defaults, the media type and category chosen
    /// from its extension (jpg, jpeg, png, webp, gif, mp4, mov, srt, vtt).
    pub async fn upload_file(&self, path: impl AsRef<Path>) -> Result<UploadedMedia, UploadError> {
        self.media_upload().upload_path(path).await
    }

    /// Sets the alt text of uploaded media (`createMediaMetadata`), at most
    /// 1000 characters.
    pub async fn set_alt_text(
        &self,
        media_id: impl Into<String>,
        text: impl Into<String>,
    ) -> Result<Response<MetadataCreateResponse>, Error> {
        const OP: &str = "createMediaMetadata";
        let media_id = media_id.into();
        let text = text.into();
        if !crate::write::posts::is_valid_id(&media_id) {
            return Err(invalid(OP, "id", id_rule(&media_id)));
        }
        let chars = text.chars().count();
        if chars > MAX_ALT_TEXT_CHARS {
            return Err(invalid(
                OP,
                "metadata.alt_text.text",
                format!("must be at most {MAX_ALT_TEXT_CHARS} characters long (is {chars})"),
            ));
        }
        let body = MetadataCreateRequest {
            id: Some(media_id.into()),
            metadata: Some(MetadataCreateRequestMetadata {
                alt_text: Some(AltText {
                    text: Some(text.into()),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        self.media().create_metadata().body(body).send().await
    }

    /// Attaches uploaded subtitles (a `subtitles` upload of an `.srt` or
    /// `.vtt` file) to a video (`createMediaSubtitles`). `language_code` is
    /// two capital letters (`EN`), `display_name` the name shown (`English`).
    pub async fn create_subtitles(
        &self,
        video_media_id: impl Into<String>,
        category: MediaCategorySubtitles,
        subtitles_media_id: impl Into<String>,
        language_code: impl Into<String>,
        display_name: impl Into<String>,
    ) -> Result<Response<SubtitlesCreateResponse>, Error> {
        const OP: &str = "createMediaSubtitles";
        let video_media_id = video_media_id.into();
        let subtitles_media_id = subtitles_media_id.into();
        let language_code = language_code.into();
        check_media_id(OP, "id", &video_media_id)?;
        check_media_id(OP, "subtitles.id", &subtitles_media_id)?;
        check_language_code(OP, "subtitles.language_code", &language_code)?;
        let body = SubtitlesCreateRequest {
            id: Some(video_media_id.into()),
            media_category: Some(category),
            subtitles: Some(Subtitles {
                id: Some(subtitles_media_id.into()),
                language_code: Some(language_code.into()),
                display_name: Some(Text::from(Into::<String>::into(display_name))),
                ..Default::default()
            }),
            ..Default::default()
        };
        self.media().create_subtitles().body(body).send().await
    }

    /// Removes the subtitles in `language_code` from a video
    /// (`deleteMediaSubtitles`).
    pub async fn delete_subtitles(
        &self,
        video_media_id: impl Into<String>,
        category: MediaCategorySubtitles,
        language_code: impl Into<String>,
    ) -> Result<Response<SubtitlesDeleteResponse>, Error> {
        const OP: &str = "deleteMediaSubtitles";
        let video_media_id = video_media_id.into();
        let language_code = language_code.into();
        check_media_id(OP, "id", &video_media_id)?;
        check_language_code(OP, "language_code", &language_code)?;
        let body = SubtitlesDeleteRequest {
            id: Some(video_media_id.into()),
            media_category: Some(category),
            language_code: Some(language_code.into()),
            ..Default::default()
        };
        self.media().delete_subtitles().body(body).send().await
    }

    /// The upload status of `media_id` (`getMediaUploadStatus`, command `STATUS`).
    pub async fn media_upload_status(
        &self,
        media_id: impl Into<String>,
    ) -> Result<Response<MediaUploadResponse>, Error> {
        self.media()
            .get_upload_status(media_id)
            .command(GetMediaUploadStatusCommand::Status)
            .send()
            .await
    }
}

fn id_rule(id: &str) -> String {
    format!("{id:?} is not a media id (pattern ^[0-9]{{1,19}}$)")
}

fn check_media_id(operation: &'static str, parameter: &str, id: &str) -> Result<(), Error> {
    if crate::write::posts::is_valid_id(id) {
        Ok(())
    } else {
        Err(invalid(operation, parameter, id_rule(id)))
    }
}

fn check_language_code(operation: &'static str, parameter: &str, code: &str) -> Result<(), Error> {
    if code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(invalid(
            operation,
            parameter,
            format!("{code:?} must be two capital letters (pattern ^[A-Z]{{2}}$)"),
        ))
    }
}

fn invalid(operation: &'static str, parameter: &str, rule: impl Into<String>) -> Error {
    Error::InvalidRequest {
        operation,
        parameter: parameter.to_owned(),
        rule: rule.into(),
    }
}
