//! The command line (DESIGN.md "Command line"): global `--format` and `--timings`, one
//! subcommand per question.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Parser)]
#[command(
    name = "koban",
    version,
    about = "Offline digital twin of a secured AWS landing zone: proves or refutes network intent with evidence."
)]
pub struct Cli {
    /// Output format: text for people, json for scripts (stable, `schema`-versioned).
    #[arg(long, global = true, value_enum, default_value = "text")]
    pub format: Format,
    /// Print load and analysis times to stderr as `koban-timings {json}`.
    #[arg(long, global = true)]
    pub timings: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Args)]
pub struct Inputs {
    /// AWS CLI snapshot directories or files (see docs/snapshot.md).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// koban.yaml with named networks; by default a koban.yaml in or above the first input.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Can packets from one endpoint reach another? Paths hop by hop, what is blocked where.
    /// Exit 0 when reachable, 1 when not.
    Reach {
        #[command(flatten)]
        inputs: Inputs,
        /// Source: i-…, eni-…, subnet-…, vpc-…, an IPv4 address or CIDR, `internet`, or a named network.
        #[arg(long)]
        from: String,
        /// Destination, same forms as --from.
        #[arg(long)]
        to: String,
        /// tcp, udp, icmp or all.
        #[arg(long, default_value = "all")]
        protocol: String,
        /// Destination port (TCP/UDP).
        #[arg(long)]
        port: Option<u16>,
    },
    /// Every interface, protocol and port range reachable from the internet and from each
    /// named network, with a witness path. Exit 1 when anything is exposed.
    Exposure {
        #[command(flatten)]
        inputs: Inputs,
    },
    /// Run the landing-zone checks. Exit 1 when any check finds something.
    Check {
        #[command(flatten)]
        inputs: Inputs,
    },
    /// AWS policy language without a twin: simulate requests, validate documents.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PolicyType {
    Identity,
    Resource,
    Scp,
    Rcp,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Answer JSON Lines requests in the shared/peers/iam-simulate input format, one answer
    /// line per request (`id`, `decision`, `error`, `explanation`). Reads FILE or stdin.
    Simulate {
        /// Request file (JSON Lines, or one JSON document); `-` or absent for stdin.
        file: Option<PathBuf>,
    },
    /// Validate policy documents like IAM Access Analyzer. Exit 1 when any finding is an error
    /// or security warning.
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Which kind of policy the documents are.
        #[arg(long = "type", value_enum, default_value = "identity")]
        policy_type: PolicyType,
    },
}
