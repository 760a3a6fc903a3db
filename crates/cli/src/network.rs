//! `koban reach` and `koban exposure`: the network twin's questions.

use crate::args::Inputs;
use crate::load;
use crate::output::{code, fail, Run};
use crate::render;
use koban_net::reach::Protocol;
use koban_net::spec::Spec;
use koban_net::Engine;
use std::process::ExitCode;

pub fn reach(run: &mut Run, inputs: &Inputs, from: &str, to: &str, protocol: &str, port: Option<u16>) -> ExitCode {
    let Some(proto) = Protocol::parse(protocol) else {
        return fail(format!("--protocol {protocol:?}: expected tcp, udp, icmp or all"));
    };
    if port.is_some() && !matches!(proto, Protocol::Tcp | Protocol::Udp) {
        return fail("--port needs --protocol tcp or udp");
    }
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
