//! Decodes response bodies as an operation's response (run through `cargo xtask decode`).

use clap::Parser;

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use xapi_generated::runtime::{json_equivalent, Operation};

/// Arguments of `cargo xtask decode`.
#[derive(clap::Parser)]
#[command(
    name = "cargo xtask decode",
    about = "Decodes response bodies as an operation's response"
)]
pub struct Args {
    /// Operation id (`searchPostsRecent`) or `"METHOD /2/path/{template}"`.
    #[arg(long)]
    pub op: String,
    /// HTTP status the bodies came with: 2xx decodes the success model, any other the error model.
    #[arg(long)]
    pub status: u16,
    /// Treat each non-empty line as one message of a streaming operation.
    #[arg(long)]
    pub stream: bool,
    /// Re-serialise each decoded value and compare it with the input.
    #[arg(long)]
    pub roundtrip: bool,
    /// Write each re-serialised value to DIR/<input file name>.
    #[arg(long)]
    pub emit: Option<PathBuf>,
    /// Files to decode.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// Runs the include-join on a decoded body: every post's references
/// (author, referenced posts, media, poll, place, mentions, reply-to user)
/// and every user's pinned post are resolved. Returns how many lookups ran;
/// a panic in the join is reported as a failure.
pub fn join_check(body: &[u8]) -> Result<usize, String> {
    use xapi::join::{Index, Joiner};
    use xapi::models::{Expansions, Problem, Tweet, User};
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
        return Ok(0);
    };
    let includes: Option<Expansions> = value
        .get("includes")
        .and_then(|v| serde_json::from_value(v.clone()).ok());
    let errors: Vec<Problem> = value
        .get("errors")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    let items: Vec<serde_json::Value> = match value.get("data") {
        Some(serde_json::Value::Array(items)) => items.clone(),
        Some(item @ serde_json::Value::Object(_)) => vec![item.clone()],
        _ => Vec::new(),
    };
    std::panic::catch_unwind(|| {
        let index = Index::new(includes.as_ref(), &errors);
        let joiner = Joiner::new(includes.as_ref(), &errors, None, &index);
        let mut lookups = 0;
        for item in &items {
            if item.get("text").is_some() {
                if let Ok(post) = serde_json::from_value::<Tweet>(item.clone()) {
                    let expanded = joiner.expand(&post);
                    lookups += 6 + expanded.referenced.len() + expanded.media.len();
                }
            } else if item.get("username").is_some() {
                if let Ok(user) = serde_json::from_value::<User>(item.clone()) {
                    let _ = joiner.pinned_post(&user);
                    lookups += 1;
                }
            }
        }
        lookups
    })
    .map_err(|_| "the include-join panicked".to_owned())
}

/// Outcome of decoding one body (or one stream line).
pub struct Outcome {
    pub reencoded: Option<serde_json::Value>,
    pub error: Option<(String, String)>,
}

/// Decodes one body as `op`'s response with `status`.
pub fn decode_one(
    op: &Operation,
    status: u16,
    stream: bool,
    body: &[u8],
    roundtrip: bool,
) -> Outcome {
    let Some(result) = xapi_tests::dispatch(op.id, status, stream, body) else {
        let why = if stream {
            format!("{} is not a streaming operation", op.id)
        } else {
            format!("{} is a streaming operation: pass --stream", op.id)
        };
        return Outcome {
            reencoded: None,
            error: Some((".".to_owned(), why)),
        };
    };
    match result {
        Err(failure) => Outcome {
            reencoded: None,
            error: Some((failure.path, failure.reason)),
        },
        Ok(value) => {
            let mut error = None;
            if (200..300).contains(&status) {
                if let Err(why) = join_check(body) {
                    error = Some((".".to_owned(), why));
                }
            }
            if roundtrip {
                match serde_json::from_slice::<serde_json::Value>(body) {
                    Ok(original) => {
                        if let Err((path, why)) = json_equivalent(&original, &value) {
                            error = Some((path, why));
                        }
                    }
                    Err(e) => error = Some((".".to_owned(), e.to_string())),
                }
            }
            Outcome {
                reencoded: Some(value),
                error,
            }
        }
    }
}

pub fn run(args: &Args) -> Result<bool> {
    let Some(op) = xapi_generated::ops::find(&args.op) else {
        bail!(
            "unknown operation {:?} (use an operation id or \"METHOD /2/path\")",
            args.op
        );
    };
    if let Some(dir) = &args.emit {
        std::fs::create_dir_all(dir)?;
    }
    let (mut passed, mut failed) = (0usize, 0usize);
    for file in &args.files {
        let bytes = match std::fs::read(file) {
            Ok(b) => b,
            Err(e) => {
                println!("err {}: .: cannot read: {e}", file.display());
                failed += 1;
                continue;
            }
        };
        let mut emitted = Vec::new();
        if args.stream {
            let mut file_ok = true;
            for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                let outcome = decode_one(op, args.status, true, line, args.roundtrip);
                if let Some(v) = &outcome.reencoded {
                    emitted.push(serde_json::to_string(v)?);
                }
                if let Some((path, why)) = outcome.error {
                    println!("err {}:{}: {path}: {why}", file.display(), i + 1);
                    file_ok = false;
                    failed += 1;
                } else {
                    passed += 1;
                }
            }
            if file_ok {
                println!("ok {}", file.display());
            }
            if args.emit.is_some() {
                emitted.push(String::new());
            }
        } else {
            let outcome = decode_one(op, args.status, false, &bytes, args.roundtrip);
            if let Some(v) = &outcome.reencoded {
                emitted.push(serde_json::to_string_pretty(v)?);
            }
            match outcome.error {
                Some((path, why)) => {
                    println!("err {}: {path}: {why}", file.display());
                    failed += 1;
                }
                None => {
                    println!("ok {}", file.display());
                    passed += 1;
                }
            }
        }
        if let Some(dir) = &args.emit {
            let name = file
                .file_name()
                .map(Path::new)
                .unwrap_or(Path::new("out.json"));
            std::fs::write(dir.join(name), emitted.join("\n"))?;
        }
    }
    println!("{passed} passed, {failed} failed");
    Ok(failed == 0)
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::FAILURE,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::from(2)
        }
    }
}
