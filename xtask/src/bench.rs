//! `cargo xtask bench`.

use anyhow::{bail, Result};

/// Arguments of `cargo xtask bench`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Arguments (not yet defined).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub rest: Vec<String>,
}

/// Runs the command.
pub fn run(_args: &Args) -> Result<bool> {
    bail!("cargo xtask bench is not available yet")
}
