//! The `koban` binary: parses the command line, loads the inputs, runs the engine the
//! subcommand asks for and renders the answer. Exit codes: 0 answered and nothing to report,
//! 1 answered with findings (or "not reachable" for `reach`), 2 bad usage or unreadable input.

mod args;
mod load;
mod policy;
mod render;

use args::{Cli, Command, Format, Inputs};
use clap::Parser;
use koban_net::reach::Protocol;
use koban_net::spec::Spec;
use koban_net::Engine;
use serde::Serialize;
use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

fn emit<T: Serialize>(
    format: Format,
    answer: &T,
    text: impl FnOnce(&T) -> String,
    diagnostics: &[koban_model::Diagnostic],
    analysed: &mut Option<f64>,
    t1: Instant,
) {
    *analysed = Some(t1.elapsed().as_secs_f64() * 1000.0);
    match format {
        Format::Json => {
            #[derive(Serialize)]
            struct Envelope<'a, T: Serialize> {
                #[serde(flatten)]
                answer: &'a T,
                diagnostics: &'a [koban_model::Diagnostic],
            }
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
            let written = serde_json::to_writer(&mut out, &Envelope { answer, diagnostics }).and_then(|_| {
                out.write_all(b"\n").map_err(serde_json::Error::io)?;
                out.flush().map_err(serde_json::Error::io)
            });
            if let Err(e) = written {
                eprintln!("koban: writing the answer: {e}");
            }
        }
        Format::Text => {
            eprint!("{}", render::diagnostics(diagnostics));
            print!("{}", text(answer));
        }
    }
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("koban: {msg}");
    ExitCode::from(2)
}

fn run(cli: Cli) -> ExitCode {
    let t0 = Instant::now();
    let inputs: &Inputs = match &cli.command {
        Command::Reach { inputs, .. } | Command::Exposure { inputs } | Command::Check { inputs } => inputs,
        Command::Policy { command } => return policy::run(command, cli.format),
    };
    let (twin, _config) = match load::load(&inputs.inputs, inputs.config.as_deref()) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let engine = Engine::new(&twin);
    let load_ms = t0.elapsed().as_secs_f64() * 1000.0;
    let t1 = Instant::now();
    let mut analysed = None;
    let code = match &cli.command {
        Command::Reach { from, to, protocol, port, .. } => {
            let Some(proto) = Protocol::parse(protocol) else {
                return fail(format!("--protocol {protocol:?}: expected tcp, udp, icmp or all"));
            };
            if port.is_some() && !matches!(proto, Protocol::Tcp | Protocol::Udp) {
                return fail("--port needs --protocol tcp or udp");
            }
            let f = match Spec::parse(from, &twin) {
                Ok(s) => s,
                Err(e) => return fail(format!("--from: {e}")),
            };
            let t = match Spec::parse(to, &twin) {
                Ok(s) => s,
                Err(e) => return fail(format!("--to: {e}")),
            };
            let answer = koban_net::reach::reach(&engine, &f, &t, proto, *port, from, to);
            emit(cli.format, &answer, render::reach, &twin.diagnostics, &mut analysed, t1);
            if answer.reachable {
                0
            } else {
                1
            }
        }
        Command::Exposure { .. } => {
            let answer = koban_net::exposure::exposure(&engine);
            emit(cli.format, &answer, render::exposure, &twin.diagnostics, &mut analysed, t1);
            if answer.total() > 0 {
                1
            } else {
                0
            }
        }
        Command::Policy { .. } => 2,
        Command::Check { .. } => {
            let report = koban_intent::run_checks(&engine);
            emit(cli.format, &report, render::check, &twin.diagnostics, &mut analysed, t1);
            if report.findings.is_empty() {
                0
            } else {
                1
            }
        }
    };
    if cli.timings {
        let analysis_ms = analysed.unwrap_or_default();
        let output_ms = t1.elapsed().as_secs_f64() * 1000.0 - analysis_ms;
        eprintln!("koban-timings {{\"load_ms\":{load_ms:.3},\"analysis_ms\":{analysis_ms:.3},\"output_ms\":{output_ms:.3}}}");
    }
    ExitCode::from(code)
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    run(cli)
}
