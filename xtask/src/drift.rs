//! `cargo xtask drift`.

use anyhow::{bail, Result};

/// Arguments of `cargo xtask drift`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Arguments (not yet defined).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub rest: Vec<String>,
}

/// Runs the command.
pub fn run(_args: &Args) -> Result<bool> {
    bail!("cargo xtask drift is not available yet")
}
