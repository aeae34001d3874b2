//! Replays an archive of raw API pages (JSONL: one response body per line,
//! or a directory of such files) offline, with the same include-join as live
//! responses, and prints a summary.
//!
//! ```text
//! cargo run --release --example archive_replay -- PATH            # search/timeline pages
//! cargo run --release --example archive_replay -- --stream PATH   # filtered-stream messages
//! ```
//!
//! Memory stays bounded by the largest line: lines are read and dropped one
//! at a time.

use futures::StreamExt;
use xapi::models::{FilteredStreamingTweetResponse, Get2TweetsSearchRecentResponse};

#[derive(Default)]
struct Totals {
    pages: u64,
    posts: u64,
    authors_found: u64,
    errors: u64,
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let stream = args.first().is_some_and(|a| a == "--stream");
    if stream {
        args.remove(0);
    }
    let Some(path) = args.first() else {
        eprintln!("usage: archive_replay [--stream] PATH");
        std::process::exit(2);
    };
    let mut totals = Totals::default();
    if stream {
        let mut pages = Box::pin(xapi::archive::replay::<FilteredStreamingTweetResponse>(
            path,
        ));
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => {
                    totals.pages += 1;
                    if let Some(post) = page.data.as_ref() {
                        totals.posts += 1;
                        totals.authors_found += u64::from(page.author(post).is_found());
                    }
                }
                Err(e) => {
                    totals.errors += 1;
                    eprintln!("{e}");
                }
            }
        }
    } else {
        let mut pages = Box::pin(xapi::archive::replay::<Get2TweetsSearchRecentResponse>(
            path,
        ));
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => {
                    totals.pages += 1;
                    for post in page.posts() {
                        totals.posts += 1;
                        totals.authors_found += u64::from(page.author(post).is_found());
                    }
                }
                Err(e) => {
                    totals.errors += 1;
                    eprintln!("{e}");
                }
            }
        }
    }
    println!(
        "{} pages, {} posts, {} authors joined, {} bad lines; peak RSS {} KiB",
        totals.pages,
        totals.posts,
        totals.authors_found,
        totals.errors,
        peak_rss_kib().map_or("?".into(), |k| k.to_string())
    );
    Ok(())
}
