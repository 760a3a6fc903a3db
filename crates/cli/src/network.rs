//! `koban reach` and `koban exposure`: the network twin's questions.

use crate::args::Inputs;
use crate::load;
use crate::output::{code, fail, Run};
use crate::render;
use koban_net::reach::Protocol;
use koban_net::spec::Spec;
use koban_net::Engine;
use std::process::ExitCode;

/// The `--protocol` and `--port` arguments: a protocol koban knows, and a port only with tcp or udp.
pub fn traffic_args(protocol: &str, port: Option<u16>) -> Result<Protocol, String> {
    let proto = Protocol::parse(protocol).ok_or_else(|| format!("--protocol {protocol:?}: expected tcp, udp, icmp or all"))?;
    if port.is_some() && !matches!(proto, Protocol::Tcp | Protocol::Udp) {
        return Err("--port needs --protocol tcp or udp".into());
    }
    Ok(proto)
}

pub fn reach(run: &mut Run, inputs: &Inputs, from: &str, to: &str, protocol: &str, port: Option<u16>) -> ExitCode {
    let proto = match traffic_args(protocol, port) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let (twin, _) = match load::load_inputs(inputs) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let engine = Engine::new(&twin);
    run.loaded();
    let f = match Spec::parse(from, &twin) {
        Ok(s) => s,
        Err(e) => return fail(format!("--from: {e}")),
    };
    let t = match Spec::parse(to, &twin) {
        Ok(s) => s,
        Err(e) => return fail(format!("--to: {e}")),
    };
    let answer = koban_net::reach::reach(&engine, &f, &t, proto, port, from, to);
    run.emit(&answer, render::reach, &twin.diagnostics);
    code(!answer.reachable)
}

pub fn exposure(run: &mut Run, inputs: &Inputs) -> ExitCode {
    let (twin, _) = match load::load_inputs(inputs) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let engine = Engine::new(&twin);
    run.loaded();
    let answer = koban_net::exposure::exposure(&engine);
    run.emit(&answer, render::exposure, &twin.diagnostics);
    code(answer.total() > 0)
}
