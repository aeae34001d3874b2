//! `cargo xtask build-times`: how long the crates take to compile.
//!
//! Measures, each in its own target directory so nothing is shared:
//!
//! * a clean debug build of `xapi` with its default features (every API area);
//! * a clean debug build of `xapi` with a minimal set of areas
//!   (`--no-default-features --features rustls,tweets,stream` unless
//!   `--minimal` says otherwise: a program that searches and streams);
//! * a rebuild after touching the generated models (the edit-compile loop of
//!   someone working on the facade), with every area;
//! * as a yardstick measured in the same run, a clean debug build of the
//!   `twitter-v2` crate from crates.io in a scratch project (with rustls, like
//!   ours).
//!
//! Prints a table, the targets (touch-rebuild at most 10 s; the minimal clean
//! build no slower than the yardstick's) and a final `build-times:` line with
//! the load average before and after, since the figures depend on it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::spec::root;

/// Longest acceptable rebuild after touching the generated models.
const TOUCH_REBUILD_TARGET: Duration = Duration::from_secs(10);

/// Arguments of `cargo xtask build-times`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Skip the yardstick crate (no download).
    #[arg(long)]
    pub no_yardstick: bool,
    /// Features of the minimal build (with `--no-default-features`).
    #[arg(long, default_value = "rustls,tweets,stream")]
    pub minimal: String,
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

/// `cargo build -p xapi` into `target`; `features` is `None` for the
/// defaults, or the list to build with instead of them.
fn build_xapi(target: &Path, features: Option<&str>) -> Command {
    let mut cmd = Command::new(cargo());
    cmd.current_dir(root())
        .env("CARGO_TARGET_DIR", target)
        .args(["build", "--quiet", "--package", "xapi"]);
    if let Some(features) = features {
        cmd.args(["--no-default-features", "--features", features]);
    }
    cmd
}

fn clean_build(target: &Path, what: &str, features: Option<&str>) -> Result<Duration> {
    let _ = std::fs::remove_dir_all(target);
    timed(what, &mut build_xapi(target, features))
}

fn yardstick(base: &Path) -> Result<Duration> {
    let dir = base.join("yardstick");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"yardstick\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\ntwitter-v2 = { version = \"0.1\", default-features = false, features = [\"oauth2\", \"rustls-tls\"] }\n\n\
         [workspace]\n",
    )?;
    std::fs::write(
        dir.join("src/main.rs"),
        "fn main() { let _ = std::any::type_name::<twitter_v2::TwitterApi<twitter_v2::authorization::BearerToken>>(); }\n",
    )?;
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
    timed("clean debug build of twitter-v2 (yardstick)", &mut cmd)
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "missed"
    }
}

/// Runs the command.
pub fn run(args: &Args) -> Result<bool> {
    let base = args
        .dir
        .clone()
        .unwrap_or_else(|| root().join("target/build-times"));
    let load_before = load();

    let full_target = base.join("xapi");
    let full = clean_build(
        &full_target,
        "clean debug build of xapi (default features: every area)",
        None,
    )?;
    let models = root().join("generated/src/models.rs");
    let text = std::fs::read(&models)?;
    std::fs::write(&models, text)?;
    let rebuild = timed(
        "rebuild of xapi after touching generated/src/models.rs",
        &mut build_xapi(&full_target, None),
    )?;
    let minimal = clean_build(
        &base.join("xapi-minimal"),
        &format!("clean debug build of xapi (--features {})", args.minimal),
        Some(&args.minimal),
    )?;
    let yardstick = if args.no_yardstick {
        None
    } else {
        Some(yardstick(&base)?)
    };
    let load_after = load();

    let secs = |d: Duration| format!("{:.1}", d.as_secs_f64());
    println!("| measurement | seconds |");
    println!("|---|---|");
    println!("| clean debug build of xapi, every area | {} |", secs(full));
    println!(
        "| clean debug build of xapi, --features {} | {} |",
        args.minimal,
        secs(minimal)
    );
    println!(
        "| rebuild after touching generated models, every area | {} |",
        secs(rebuild)
    );
    if let Some(y) = yardstick {
        println!("| clean debug build of twitter-v2 0.1 | {} |", secs(y));
    }
    println!();
    println!(
        "target: touch-rebuild <= {} s: {}",
        TOUCH_REBUILD_TARGET.as_secs(),
        verdict(rebuild <= TOUCH_REBUILD_TARGET)
    );
    match yardstick {
        Some(y) => println!(
            "target: minimal clean build <= twitter-v2 clean build: {}",
            verdict(minimal <= y)
        ),
        None => println!("target: minimal clean build <= twitter-v2 clean build: not measured"),
    }
    println!(
        "build-times: xapi_clean_s={} xapi_minimal_clean_s={} generated_touch_rebuild_s={} yardstick_clean_s={} load={load_before}->{load_after}",
        secs(full),
        secs(minimal),
        secs(rebuild),
        yardstick.map_or("skipped".to_owned(), secs)
    );
    Ok(true)
}
