//! `cargo xtask build-times`: how long the crates take to compile.
//!
//! Measures, each in its own target directory so nothing is shared:
//! a clean debug build of `xapi`, a rebuild after touching the generated
//! models (the edit-compile loop of someone working on the facade), and, as
//! a yardstick measured in the same run, a clean debug build of the
//! `twitter-v2` crate from crates.io in a scratch project (with rustls, like
//! ours). Prints a table and a final `build-times:` line.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::spec::root;

/// Arguments of `cargo xtask build-times`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Skip the yardstick crate (no download).
    #[arg(long)]
    pub no_yardstick: bool,
    /// Where to build (default: target/build-times).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

fn timed(what: &str, cmd: &mut Command) -> Result<Duration> {
    eprintln!("… {what}");
    let start = Instant::now();
    let status = cmd.status().with_context(|| format!("running {what}"))?;
    let elapsed = start.elapsed();
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(elapsed)
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

fn build_xapi(target: &Path) -> Command {
    let mut cmd = Command::new(cargo());
    cmd.current_dir(root())
        .env("CARGO_TARGET_DIR", target)
        .args(["build", "--quiet", "--package", "xapi"]);
    cmd
}

/// Runs the command.
pub fn run(args: &Args) -> Result<bool> {
    let base = args
        .dir
        .clone()
        .unwrap_or_else(|| root().join("target/build-times"));
    let xapi_target = base.join("xapi");
    let _ = std::fs::remove_dir_all(&xapi_target);
    let load_before = load();
    let clean = timed("clean debug build of xapi", &mut build_xapi(&xapi_target))?;
    let models = root().join("generated/src/models.rs");
    let touch = |path: &Path| -> Result<()> {
        let text = std::fs::read(path)?;
        std::fs::write(path, text)?;
        Ok(())
    };
    touch(&models)?;
    let rebuild = timed(
        "rebuild of xapi after touching generated/src/models.rs",
        &mut build_xapi(&xapi_target),
    )?;

    let yardstick = if args.no_yardstick {
        None
    } else {
        let dir = base.join("yardstick");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("src"))?;
        std::fs::write(
            dir.join("Cargo.toml"),
            "[package]\nname = \"yardstick\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\ntwitter-v2 = { version = \"0.1\", default-features = false, features = [\"oauth2\", \"rustls-tls\"] }\n\n\
             [workspace]\n",
        )?;
        std::fs::write(dir.join("src/main.rs"), "fn main() { let _ = std::any::type_name::<twitter_v2::TwitterApi<twitter_v2::authorization::BearerToken>>(); }\n")?;
        let fetch = Command::new(cargo())
            .current_dir(&dir)
            .args(["fetch", "--quiet"])
            .status()?;
        if !fetch.success() {
            bail!("could not fetch the yardstick crate");
        }
        let mut cmd = Command::new(cargo());
        cmd.current_dir(&dir)
            .env("CARGO_TARGET_DIR", dir.join("target"))
            .args(["build", "--quiet"]);
        Some(timed(
            "clean debug build of twitter-v2 (yardstick)",
            &mut cmd,
        )?)
    };
    let load_after = load();
    println!("| measurement | seconds |");
    println!("|---|---|");
    println!(
        "| clean debug build of xapi (all operations) | {:.1} |",
        clean.as_secs_f64()
    );
    println!(
        "| rebuild after touching generated models | {:.1} |",
        rebuild.as_secs_f64()
    );
    if let Some(y) = yardstick {
        println!(
            "| clean debug build of twitter-v2 0.1 | {:.1} |",
            y.as_secs_f64()
        );
    }
    println!(
        "build-times: xapi_clean_s={:.1} generated_touch_rebuild_s={:.1} yardstick_clean_s={} load={load_before}->{load_after}",
        clean.as_secs_f64(),
        rebuild.as_secs_f64(),
        yardstick.map_or("skipped".to_owned(), |y| format!("{:.1}", y.as_secs_f64()))
    );
    Ok(true)
}
