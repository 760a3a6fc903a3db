//! `koban-bench`: the benchmarks' tools — a seeded generator of synthetic AWS organisations in
//! AWS CLI snapshot form (`gen`) and the serde_json parse floor of a snapshot (`parse-floor`),
//! driven by `bench/run.sh`; and the policy benchmark's request and IAM-account generators,
//! evaluation rate and answer comparison (`policy-*`, `iam-account`), driven by
//! `bench/policy.sh`.

mod error;
mod gen;
mod iac;
mod parse_floor;
mod policy;

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
    /// Write typical policy requests (the iam-simulate peer's JSON Lines format).
    PolicyRequests {
        #[arg(long, default_value_t = 100_000)]
        count: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
    },
    /// koban's in-process evaluation rate (one core) on a request file: requests built once,
    /// `decide` repeated until at least --min evaluations ran, cycling through all requests
    /// (cold) and window by window (warm).
    PolicyEval {
        file: PathBuf,
        #[arg(long, default_value_t = 2_000_000)]
        min: usize,
    },
    /// Compare the decisions of two answer files (koban's and the peer's), line by line.
    PolicyAgree { koban: PathBuf, peer: PathBuf },
    /// Write one IAM account with --roles roles and --policies managed policies (plus a
    /// secret and an organization) as a snapshot, for timing `koban who-can`.
    IamAccount {
        #[arg(long, default_value_t = 5000)]
        roles: usize,
        #[arg(long, default_value_t = 10_000)]
        policies: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
    },
    /// Load time of a generated CloudFormation template and of the synthetic organisation as
    /// Terraform state, beside the time merely parsing them takes (bench/iac.sh).
    Iac {
        /// Resources in the generated template.
        #[arg(long, default_value_t = 5000)]
        resources: usize,
        /// ENIs of the synthetic organisation rendered as Terraform state.
        #[arg(long, default_value_t = 100_000)]
        enis: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Where the generated files are written.
        #[arg(long)]
        out: PathBuf,
        /// Repetitions; the best is reported.
        #[arg(long, default_value_t = 3)]
        repeat: usize,
    },
    /// Time serde_json parsing every *.json file under DIR (files read into memory first).
    ParseFloor {
        dir: PathBuf,
        /// Repetitions; the best is reported.
        #[arg(long, default_value_t = 3)]
        repeat: usize,
    },
}

/// The allocator and settings of the `koban` binary (crates/cli/src/main.rs), so that loads are
/// timed as koban runs them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its place in `mi_option_e` of mimalloc.h, v2 and v3).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // SAFETY: sets an integer option, as the koban binary does at start.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
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
        Command::PolicyRequests { count, seed, out } => {
            policy::write_requests(&out, count, seed)?;
            eprintln!("koban-bench policy-requests: {count} requests seed={seed} -> {}", out.display());
        }
        Command::PolicyEval { file, min } => {
            let r = policy::eval_rate(&file, min)?;
            println!(
                "eval_requests={} evaluations={} seconds={:.3} evaluations_per_second={:.0} warm_window={} warm_seconds={:.3} warm_evaluations_per_second={:.0}",
                r.requests,
                r.evaluations,
                r.seconds,
                r.evaluations as f64 / r.seconds,
                policy::WARM_WINDOW,
                r.warm_seconds,
                r.evaluations as f64 / r.warm_seconds
            );
        }
        Command::PolicyAgree { koban, peer } => {
            let a = policy::agreement(&koban, &peer)?;
            println!("compared={} agree={} errors={}", a.compared, a.agree, a.errors);
        }
        Command::IamAccount { roles, policies, seed, out } => {
            let s = policy::account::generate(&out, roles, policies, seed)?;
            println!(
                "roles={} managed_policies={} inline_policies={} files={} bytes={} secret={}",
                s.roles,
                s.managed_policies,
                s.inline_policies,
                s.written.files,
                s.written.bytes,
                policy::account::secret_arn()
            );
        }
        Command::Iac { resources, enis, seed, out, repeat } => {
            let rows = iac::measure(&out, resources, enis, seed, repeat)?;
            print!("{}", iac::table(&rows));
        }
        Command::ParseFloor { dir, repeat } => {
            let floor = parse_floor::measure(&dir, repeat)?;
            println!("parse_floor_ms={:.3} files={} bytes={}", floor.best.as_secs_f64() * 1e3, floor.files, floor.bytes);
        }
    }
    Ok(())
}
