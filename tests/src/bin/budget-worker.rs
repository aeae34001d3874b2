//! One worker of the shared-budget test (`it::shared_budget`): sends
//! `--requests` post lookups to `--base-url`, `--tasks` at a time, with the
//! rate-limit budget kept in Redis at `--redis` (or in this process when it
//! is not given), and prints how many were served.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use clap::Parser;
use xapi::rate_limit::RedisBudgetStore;
use xapi::Api;

/// Arguments.
#[derive(clap::Parser)]
#[command(
    name = "budget-worker",
    about = "Sends requests through one shared rate-limit budget"
)]
struct Args {
    /// The mock API (loopback).
    #[arg(long)]
    base_url: String,
    /// `redis://127.0.0.1:PORT`; without it the budget is this process's own.
    #[arg(long)]
    redis: Option<String>,
    /// Requests to send.
    #[arg(long, default_value_t = 50)]
    requests: usize,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 4)]
    tasks: usize,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let args = Args::parse();
    let mut builder = xapi::Client::builder()
        .bearer_token("one-app-token")
        .base_url(args.base_url.clone());
    if let Some(url) = &args.redis {
        let store = RedisBudgetStore::connect(url)
            .await
            .context("connecting to Redis")?;
        builder = builder.rate_budget_store(Arc::new(store));
    }
    let client = builder.build()?;
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..args.tasks.max(1) {
        let (client, next, total) = (client.clone(), next.clone(), args.requests);
        tasks.spawn(async move {
            let (mut served, mut failed) = (0usize, 0usize);
            while next.fetch_add(1, Ordering::Relaxed) < total {
                match client.tweets().get_by_id("20").send().await {
                    Ok(_) => served += 1,
                    Err(e) => {
                        eprintln!("request failed: {e}");
                        failed += 1;
                    }
                }
            }
            (served, failed)
        });
    }
    let (mut served, mut failed) = (0usize, 0usize);
    while let Some(done) = tasks.join_next().await {
        let (s, f) = done.context("a task panicked")?;
        served += s;
        failed += f;
    }
    println!("served {served} failed {failed}");
    if failed > 0 {
        bail!("{failed} request(s) failed");
    }
    Ok(())
}
