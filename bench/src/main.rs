//! `koban-bench`: the network benchmark's tools — a seeded generator of synthetic AWS
//! organisations in AWS CLI snapshot form (`gen`) and the serde_json parse floor of a
//! snapshot (`parse-floor`). `bench/run.sh` drives both together with `koban`.

mod error;
mod gen;
mod parse_floor;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser)]
#[command(name = "koban-bench", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a synthetic organisation as an AWS CLI snapshot directory.
    Gen {
        /// Total number of ENIs (±2%); 50 per VPC on average, at most ~200k.
        #[arg(long)]
        enis: usize,
        /// Seed; the same seed gives byte-identical output.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Output directory (created; must be empty unless --force).
        #[arg(long)]
        out: PathBuf,
        /// Also list propagated routes in TransitGatewayRoutes/*.json.
        #[arg(long)]
        propagated_routes: bool,
        /// Write into a non-empty directory, overwriting files.
        #[arg(long)]
        force: bool,
    },
    /// Time serde_json parsing every *.json file under DIR (files read into memory first).
    ParseFloor {
        dir: PathBuf,
        /// Repetitions; the best is reported.
        #[arg(long, default_value_t = 3)]
        repeat: usize,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("koban-bench: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> error::Result<()> {
    match cli.command {
        Command::Gen { enis, seed, out, propagated_routes, force } => {
            let start = Instant::now();
            let summary = gen::generate(&gen::GenOptions { enis, seed, out, propagated_routes, force })?;
            eprintln!("koban-bench gen: {summary} seed={seed} gen_ms={:.1}", start.elapsed().as_secs_f64() * 1e3);
        }
        Command::ParseFloor { dir, repeat } => {
            let floor = parse_floor::measure(&dir, repeat)?;
            println!("parse_floor_ms={:.3} files={} bytes={}", floor.best.as_secs_f64() * 1e3, floor.files, floor.bytes);
        }
    }
    Ok(())
}
