//! The `koban` binary: parses the command line and hands each subcommand to its module, which
//! loads the inputs, runs the engine and renders the answer. Exit codes: 0 answered and
//! nothing to report, 1 answered with findings (or "not reachable" for `reach`), 2 bad usage
//! or unreadable input.

mod access;
mod args;
mod check;
mod collect;
mod detect;
mod dns;
mod findings;
mod findings_io;
mod load;
mod network;
mod output;
mod policy;
mod render;
mod report;
mod vulns;

use args::{Cli, Command};
use clap::Parser;
use std::process::ExitCode;

/// mimalloc: koban's readers build millions of small JSON values and packet-set vectors on
/// every core, where glibc's per-thread arenas spend their time growing heaps.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its place in `mi_option_e` of mimalloc.h, v2 and v3).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // koban runs once and exits: memory freed between phases is kept for the next one instead
    // of being returned to the OS after 10 ms and faulted back in as freshly zeroed pages, which
    // cost a fifth of the CPU time of `koban check` at 100k interfaces.
    // SAFETY: sets an integer option; mimalloc reads options at any time and allows this call
    // before or after allocations.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    if let Some(msg) = cli.format.unsupported_by(&cli.command) {
        return output::fail(msg);
    }
    let mut run = output::Run::new(cli.format, cli.timings);
    let code = match &cli.command {
        Command::Reach { inputs, from, to, protocol, port } => network::reach(&mut run, inputs, from, to, protocol, *port),
        Command::Exposure { inputs } => network::exposure(&mut run, inputs),
        Command::Check { inputs, scopes } => check::check(&mut run, inputs, scopes),
        Command::Checks => check::catalogue(&mut run),
        Command::Resolve { inputs, from, name } => dns::resolve(&mut run, inputs, from, name),
        Command::Report { inputs, output, logs, protocol, port } => report::run(&mut run, inputs, output, logs, protocol, *port),
        Command::Can { inputs, request, principal, from } => access::can(&mut run, inputs, request, principal.as_deref(), from.as_deref()),
        Command::WhoCan { inputs, request } => access::who_can(&mut run, inputs, request),
        Command::Policy { command } => policy::run(command, cli.format),
        Command::Vulns(args) => vulns::vulns(&mut run, args),
        Command::Vulndb { command } => vulns::vulndb(&mut run, command),
        Command::Findings { command } => findings::run(&mut run, command),
        Command::Detect(args) => detect::detect(&mut run, args),
        Command::Convert(args) => detect::convert(&mut run, args),
        Command::Collect(args) => collect::collect(&mut run, args),
    };
    run.finish();
    code
}
