//! The `koban` binary: parses the command line and hands each subcommand to its module, which
//! loads the inputs, runs the engine and renders the answer. Exit codes: 0 answered and
//! nothing to report, 1 answered with findings (or "not reachable" for `reach`), 2 bad usage
//! or unreadable input.

mod args;
mod load;
mod network;
mod output;
mod policy;
mod render;

use args::{Cli, Command};
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let mut run = output::Run::new(cli.format, cli.timings);
    let code = match &cli.command {
        Command::Reach { inputs, from, to, protocol, port } => network::reach(&mut run, inputs, from, to, protocol, *port),
        Command::Exposure { inputs } => network::exposure(&mut run, inputs),
        Command::Check { inputs } => network::check(&mut run, inputs),
        Command::Policy { command } => policy::run(command, cli.format),
    };
    run.finish();
    code
}
