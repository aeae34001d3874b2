//! Replaying archived pages offline.
//!
//! Archiving tools write one raw API response page per line (JSONL). These
//! functions read such a file — or every `.jsonl`/`.json` file of a directory,
//! in name order — into typed pages with the same include-join as live
//! responses. Reading is streaming, one line at a time, so memory stays
//! bounded by the largest line, whatever the archive's size.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use std::path::{Path, PathBuf};

use futures::stream::{self, Stream, StreamExt};
use tokio::io::AsyncBufReadExt;
use xapi_generated::runtime::Model;

use crate::answer::response::Response;

/// A line of an archive that could not be read or decoded.
#[derive(Debug, thiserror::Error)]
#[error("{}:{line}: {reason}", path.display())]
pub struct ArchiveError {
    /// The file.
    pub path: PathBuf,
    /// 1-based line number (0 when the file itself failed).
    pub line: usize,
    /// What went wrong (for decode failures, with the JSON path).
    pub reason: String,
}

/// The files of an archive: `path` itself, or the `.jsonl`/`.json` files of
/// a directory in name order.
pub fn archive_files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl" || e == "json"))
        .collect();
    files.sort();
    Ok(files)
}

/// Reads the pages of an archive as `T` (e.g. the search response model).
/// Blank lines are skipped.
pub fn replay<T: Model + Send + 'static>(
    path: impl AsRef<Path>,
) -> impl Stream<Item = Result<Response<T>, ArchiveError>> {
    let root = path.as_ref().to_path_buf();
    let files = match archive_files(&root) {
        Ok(files) => Ok(files),
        Err(e) => Err(ArchiveError {
            path: root.clone(),
            line: 0,
            reason: e.to_string(),
        }),
    };
    let files_stream = match files {
        Ok(files) => stream::iter(files.into_iter().map(Ok)).left_stream(),
        Err(e) => stream::iter(vec![Err(e)]).right_stream(),
    };
    files_stream.flat_map(|file: Result<PathBuf, ArchiveError>| match file {
        Err(e) => stream::iter(vec![Err(e)]).boxed(),
        Ok(path) => replay_file::<T>(path).boxed(),
    })
}

fn replay_file<T: Model + Send + 'static>(
    path: PathBuf,
) -> impl Stream<Item = Result<Response<T>, ArchiveError>> {
    struct St {
        path: PathBuf,
        lines: Option<tokio::io::Lines<tokio::io::BufReader<tokio::fs::File>>>,
        line: usize,
        done: bool,
    }
    let st = St {
        path,
        lines: None,
        line: 0,
        done: false,
    };
    stream::unfold(st, |mut st| async move {
        if st.done {
            return None;
        }
        if st.lines.is_none() {
            match tokio::fs::File::open(&st.path).await {
                Ok(f) => st.lines = Some(tokio::io::BufReader::with_capacity(1 << 16, f).lines()),
                Err(e) => {
                    st.done = true;
                    let err = ArchiveError {
                        path: st.path.clone(),
                        line: 0,
                        reason: e.to_string(),
                    };
                    return Some((Err(err), st));
                }
            }
        }
        loop {
            let next = match st.lines.as_mut() {
                Some(lines) => lines.next_line().await,
                None => Ok(None),
            };
            st.line = st.line.saturating_add(1);
            match next {
                Ok(None) => return None,
                Err(e) => {
                    st.done = true;
                    let err = ArchiveError {
                        path: st.path.clone(),
                        line: st.line,
                        reason: e.to_string(),
                    };
                    return Some((Err(err), st));
                }
                Ok(Some(text)) if text.trim().is_empty() => continue,
                Ok(Some(text)) => {
                    let item = xapi_generated::runtime::decode::<T>(text.as_bytes())
                        .map(|body| Response::new(body, 200, Default::default(), None))
                        .map_err(|f| ArchiveError {
                            path: st.path.clone(),
                            line: st.line,
                            reason: f.to_string(),
                        });
                    return Some((item, st));
                }
            }
        }
    })
}
