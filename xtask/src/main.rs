//! Developer commands: `cargo xtask regen`, `cargo xtask decode`.

mod bench;
mod build_times;
mod drift;
mod fuzz;
mod soak;
mod spec;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "xtask", about = "Development commands for the xapi workspace")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerates `generated/` from the API document.
    Regen {
        /// The API document (else $XAPI_SPEC, else spec/openapi.json).
        #[arg(long)]
        spec: Option<PathBuf>,
        /// Write nothing; print a unified diff and fail if `generated/` is stale.
        #[arg(long)]
        check: bool,
        /// Write the crate to this directory instead of `generated/`.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Reports the changes between two versions of the API document.
    Drift(drift::Args),
    /// Runs each fuzz target for a while.
    Fuzz(fuzz::Args),
    /// Runs the benchmarks and prints the ratios.
    Bench(bench::Args),
    /// Runs the soak test: paging and a stream against injected faults.
    Soak(soak::Args),
    /// Measures clean and incremental build times.
    BuildTimes(build_times::Args),
    /// Decodes response bodies as an operation's response and reports failures
    /// (`cargo xtask decode --help` for the options).
    #[command(disable_help_flag = true)]
    Decode {
        /// Arguments passed to the decoder.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Regen { spec, check, out } => regen(spec.as_deref(), check, out.as_deref()),
        Command::Decode { args } => run_tool("xapi-decode", &args),
        Command::Drift(args) => drift::run(&args),
        Command::Fuzz(args) => fuzz::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::BuildTimes(args) => build_times::run(&args),
        Command::Soak(args) => soak::run(&args),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn regen(spec_path: Option<&Path>, check: bool, out: Option<&Path>) -> Result<bool> {
    let loaded = spec::load(spec_path)?;
    if !loaded.is_base && out.is_none() {
        bail!(
            "{} is version {}, not the base version; pass --out DIR to generate it elsewhere",
            loaded.path.display(),
            loaded.version
        );
    }
    let overlay = spec::overlay()?;
    let renames_path = spec::root().join("spec/renames.toml");
    let renames = std::fs::read_to_string(&renames_path)
        .with_context(|| format!("reading {}", renames_path.display()))?;
    let generated =
        xapi_codegen::generate(&loaded.text, &overlay, &renames).map_err(anyhow::Error::msg)?;
    let target = match out {
        Some(dir) => dir.to_path_buf(),
        None => spec::root().join("generated"),
    };
    if out.is_some() {
        write_manifest_copy(&target)?;
    }
    if check {
        let mut stale = false;
        for (rel, content) in &generated.files {
            let path = target.join(rel);
            let current = std::fs::read_to_string(&path).unwrap_or_default();
            if current != *content {
                stale = true;
                let diff = similar::TextDiff::from_lines(&current, content);
                print!(
                    "{}",
                    diff.unified_diff()
                        .context_radius(3)
                        .header(&format!("a/generated/{rel}"), &format!("b/generated/{rel}"))
                );
            }
        }
        for extra in stray_files(&target.join("src"), &generated.files)? {
            stale = true;
            println!("--- a/generated/{extra}\n+++ /dev/null\n(file is not produced by regen)");
        }
        if stale {
            eprintln!("generated/ is stale: run `cargo xtask regen`");
            return Ok(false);
        }
        eprintln!(
            "generated/ is up to date ({} operations, {} models, {} overlay patches, document {})",
            generated.operations, generated.models, generated.patches, loaded.version
        );
        return Ok(true);
    }
    for (rel, content) in &generated.files {
        let path = target.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        if std::fs::read_to_string(&path).ok().as_deref() != Some(content.as_str()) {
            std::fs::write(&path, content)
                .with_context(|| format!("writing {}", path.display()))?;
        }
    }
    for extra in stray_files(&target.join("src"), &generated.files)? {
        std::fs::remove_file(target.join(&extra))?;
    }
    let lines: usize = generated.files.values().map(|c| c.lines().count()).sum();
    eprintln!(
        "wrote {} ({} files, {lines} lines): {} operations, {} models, {} overlay patches, document {}",
        target.display(),
        generated.files.len(),
        generated.operations,
        generated.models,
        generated.patches,
        loaded.version
    );
    Ok(true)
}

/// Runs one of the workspace's tool binaries (which depend on the generated
/// crate, unlike `regen`, which must work even when `generated/` is broken).
fn run_tool(bin: &str, args: &[String]) -> Result<bool> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = std::process::Command::new(cargo)
        .current_dir(spec::root())
        .args([
            "run",
            "--quiet",
            "--package",
            "xapi-tests",
            "--bin",
            bin,
            "--",
        ])
        .args(args)
        .status()
        .with_context(|| format!("running {bin}"))?;
    Ok(status.success())
}

fn stray_files(src: &Path, files: &xapi_codegen::Output) -> Result<Vec<String>> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(src) {
        for entry in entries {
            let entry = entry?;
            let rel = format!("src/{}", entry.file_name().to_string_lossy());
            if rel.ends_with(".rs") && !files.contains_key(&rel) {
                out.push(rel);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// For `--out`, gives the directory a manifest so it builds as a crate.
fn write_manifest_copy(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir.join("src"))?;
    let manifest = std::fs::read_to_string(spec::root().join("generated/Cargo.toml"))?;
    let root = spec::root();
    let root_manifest = std::fs::read_to_string(root.join("Cargo.toml"))?;
    let standalone = standalone_manifest(&manifest, &root_manifest);
    std::fs::write(dir.join("Cargo.toml"), standalone)?;
    Ok(())
}

/// Turns the workspace-inheriting manifest of `generated/` into a standalone one.
fn standalone_manifest(manifest: &str, root_manifest: &str) -> String {
    let root: toml::Table = root_manifest.parse().unwrap_or_default();
    let deps = root
        .get("workspace")
        .and_then(|w| w.get("dependencies"))
        .and_then(|d| d.as_table())
        .cloned()
        .unwrap_or_default();
    let mut out = String::new();
    for line in manifest.lines() {
        let trimmed = line.trim();
        if trimmed.ends_with(".workspace = true") {
            let key = trimmed.trim_end_matches(".workspace = true").trim();
            let value = match key {
                "version" => "\"0.0.0\"".to_owned(),
                "edition" => "\"2021\"".to_owned(),
                "rust-version" => "\"1.88\"".to_owned(),
                "license" => "\"MIT OR Apache-2.0\"".to_owned(),
                _ => continue,
            };
            out.push_str(&format!("{key} = {value}\n"));
        } else if let Some((name, _)) = trimmed.split_once("= { workspace = true }") {
            let name = name.trim();
            match deps.get(name) {
                Some(v) => out.push_str(&format!("{name} = {v}\n")),
                None => out.push_str(&format!("{line}\n")),
            }
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push_str("\n[workspace]\n");
    out
}
