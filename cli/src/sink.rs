//! Where lines go: standard output, or a file kept safe.
//!
//! A file output is never destroyed: an existing, non-empty file is refused
//! unless `--resume` or `--overwrite` is given, and nothing is written (or
//! truncated) before the first line is ready, so an error before the first
//! page leaves it as it was. Each line is written whole and flushed to disk
//! before the checkpoint `OUT.xapi-state` is advanced, by writing a new
//! checkpoint beside it and renaming it over the old one. The checkpoint
//! records the file's length after the last line it covers: a resume cuts
//! the file back to that length, which drops a torn last line and any line
//! written after the last checkpoint, so every page ends up in the file
//! exactly once.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The checkpoint of a run writing to a file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// The subcommand.
    pub command: String,
    /// Its arguments (the output flags left out).
    pub arguments: Value,
    /// Where to continue from: `next_token`, `done_ids`, `job_id`, …
    pub cursor: Value,
    /// Lines written.
    pub pages: u64,
    /// Items (posts, users, messages) in them.
    pub items: u64,
    /// Length of the output file after the last line covered.
    pub bytes: u64,
    /// Whether the run finished.
    pub done: bool,
}

impl State {
    /// The count the cursor keeps under `key` (`done_ids`, `lines`), 0 when
    /// it keeps none.
    pub fn cursor_count(&self, key: &str) -> u64 {
        self.cursor.get(key).and_then(Value::as_u64).unwrap_or(0)
    }
}

/// How an existing output may be treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Refuse a non-empty file.
    Fresh,
    /// Continue from the checkpoint.
    Resume,
    /// Replace it (once the first line is ready).
    Overwrite,
}

enum Target {
    Stdout(io::Stdout),
    File {
        path: PathBuf,
        state_path: PathBuf,
        /// Opened on the first line.
        file: Option<File>,
        /// Whether to cut the file back to `state.bytes` (resume) or to
        /// nothing (fresh, overwrite) when opening it.
        resume: bool,
    },
}

/// An output with its checkpoint.
pub struct Sink {
    target: Target,
    /// The checkpoint (kept in memory for standard output too).
    pub state: State,
}

/// The checkpoint's path for `out`.
pub fn state_path(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".xapi-state");
    PathBuf::from(name)
}

fn refuse(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::AlreadyExists, message)
}

impl Sink {
    /// Opens `out` (`None` or `-`: standard output) for `command` with
    /// `arguments`, per `mode`. Nothing is written yet.
    pub fn open(
        out: Option<&Path>,
        mode: Mode,
        command: &str,
        arguments: Value,
    ) -> io::Result<Sink> {
        let fresh = State {
            command: command.to_owned(),
            arguments,
            ..Default::default()
        };
        let path = match out {
            Some(p) if p != Path::new("-") => p.to_owned(),
            _ => {
                if mode == Mode::Resume {
                    return Err(refuse(
                        "--resume needs an output file (standard output cannot be resumed)".into(),
                    ));
                }
                return Ok(Sink {
                    target: Target::Stdout(io::stdout()),
                    state: fresh,
                });
            }
        };
        let state_path = state_path(&path);
        let len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let mut state = fresh.clone();
        let mut resume = false;
        match mode {
            Mode::Fresh if len > 0 => {
                return Err(refuse(format!(
                    "{} exists and is not empty: give --resume to continue it or --overwrite to replace it",
                    path.display()
                )))
            }
            Mode::Resume => match std::fs::read(&state_path) {
                Ok(bytes) => {
                    let saved: State = serde_json::from_slice(&bytes).map_err(|e| {
                        io::Error::new(
                            io::ErrorKind::InvalidData,
                            format!("{} is not a checkpoint: {e}", state_path.display()),
                        )
                    })?;
                    if saved.command != fresh.command || saved.arguments != fresh.arguments {
                        return Err(refuse(format!(
                            "{} was written by `{}` with other arguments ({}); resume it with the same ones, or give another output",
                            path.display(),
                            saved.command,
                            saved.arguments
                        )));
                    }
                    if saved.bytes > len {
                        return Err(refuse(format!(
                            "{} is shorter ({len} bytes) than its checkpoint says ({} bytes): it was changed since",
                            path.display(),
                            saved.bytes
                        )));
                    }
                    state = saved;
                    resume = true;
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound && len == 0 => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    return Err(refuse(format!(
                        "{} has no checkpoint ({}): it cannot be resumed; give --overwrite to replace it",
                        path.display(),
                        state_path.display()
                    )))
                }
                Err(e) => return Err(e),
            },
            _ => {}
        }
        Ok(Sink {
            target: Target::File {
                path,
                state_path,
                file: None,
                resume,
            },
            state,
        })
    }

    /// Whether the run this output continues had finished.
    pub fn finished(&self) -> bool {
        self.state.done
    }

    fn file(&mut self) -> io::Result<Option<&mut File>> {
        let Target::File {
            path, file, resume, ..
        } = &mut self.target
        else {
            return Ok(None);
        };
        if file.is_none() {
            let mut f = OpenOptions::new()
                .create(true)
                .write(true)
                .truncate(false)
                .open(&*path)?;
            let keep = if *resume { self.state.bytes } else { 0 };
            f.set_len(keep)?;
            use std::io::Seek;
            f.seek(io::SeekFrom::Start(keep))?;
            *file = Some(f);
        }
        Ok(file.as_mut())
    }

    /// Writes `line` (a newline is added), then advances the checkpoint:
    /// `items` more items, the new `cursor`.
    pub fn write(&mut self, line: &[u8], items: u64, cursor: Value) -> io::Result<()> {
        match self.file()? {
            Some(f) => {
                let mut whole = Vec::with_capacity(line.len() + 1);
                whole.extend_from_slice(line);
                whole.push(b'\n');
                f.write_all(&whole)?;
                f.flush()?;
                f.sync_data()?;
                self.state.bytes = self.state.bytes.saturating_add(whole.len() as u64);
            }
            None => {
                if let Target::Stdout(out) = &mut self.target {
                    let mut out = out.lock();
                    out.write_all(line)?;
                    out.write_all(b"\n")?;
                    out.flush()?;
                }
            }
        }
        self.state.pages = self.state.pages.saturating_add(1);
        self.state.items = self.state.items.saturating_add(items);
        self.state.cursor = cursor;
        self.save()
    }

    /// Advances the checkpoint without a line (a cursor move).
    pub fn checkpoint(&mut self, cursor: Value) -> io::Result<()> {
        self.state.cursor = cursor;
        self.save()
    }

    /// Marks the run finished (the output file is created even when empty).
    pub fn finish(&mut self) -> io::Result<()> {
        self.file()?;
        self.state.done = true;
        self.save()
    }

    fn save(&self) -> io::Result<()> {
        let Target::File { state_path, .. } = &self.target else {
            return Ok(());
        };
        let mut tmp = state_path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        {
            let mut f = File::create(&tmp)?;
            serde_json::to_writer_pretty(&mut f, &self.state)?;
            f.write_all(b"\n")?;
            f.sync_data()?;
        }
        std::fs::rename(&tmp, state_path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resume_cuts_back_to_the_checkpoint_and_refuses_other_arguments() {
        let dir = tempfile::tempdir().expect("dir");
        let out = dir.path().join("out.jsonl");
        let args = serde_json::json!({"query": "a"});
        let mut sink = Sink::open(Some(&out), Mode::Fresh, "search", args.clone()).expect("open");
        sink.write(b"{\"n\":1}", 1, serde_json::json!({"next_token": "t"}))
            .expect("write");
        drop(sink);
        // A torn line after the checkpoint.
        let mut f = OpenOptions::new().append(true).open(&out).expect("append");
        f.write_all(b"{\"n\":2,\"da").expect("torn");
        drop(f);
        assert!(Sink::open(Some(&out), Mode::Fresh, "search", args.clone()).is_err());
        let other = serde_json::json!({"query": "b"});
        assert!(Sink::open(Some(&out), Mode::Resume, "search", other).is_err());
        let mut sink = Sink::open(Some(&out), Mode::Resume, "search", args).expect("resume");
        assert_eq!(sink.state.cursor["next_token"], "t");
        sink.write(b"{\"n\":2}", 1, Value::Null).expect("write");
        sink.finish().expect("finish");
        let text = std::fs::read_to_string(&out).expect("read");
        assert_eq!(text, "{\"n\":1}\n{\"n\":2}\n");
        assert_eq!(sink.state.items, 2);
    }
}
