//! `cargo xtask soak --seconds N`: the soak test (8 tasks paginating and one
//! stream against the fault server, 20% of answers faulty), which
//! `cargo test` leaves out.

use std::process::Command;

use anyhow::{Context, Result};

/// Options of `cargo xtask soak`.
#[derive(clap::Args)]
pub struct Args {
    /// How long to run (a release is soaked for 600).
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Seed of the fault schedule (the same seed gives the same faults).
    #[arg(long, default_value_t = 7)]
    seed: u64,
}

pub fn run(args: &Args) -> Result<bool> {
    let status = Command::new(env!("CARGO"))
        .args([
            "test",
            "-p",
            "xapi-tests",
            "--test",
            "it",
            "soak::soak",
            "--",
            "--ignored",
            "--nocapture",
            "--exact",
        ])
        .env("XAPI_SOAK_SECONDS", args.seconds.to_string())
        .env("XAPI_SOAK_SEED", args.seed.to_string())
        .status()
        .context("running cargo test")?;
    Ok(status.success())
}
