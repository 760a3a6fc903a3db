//! Running Graphviz's `dot` (Debian package `graphviz`) to lay out the diagrams as SVG, and
//! adding the attributes the page's script finds elements by.
//!
//! Many graphs go through one `dot` process (it reads graph after graph from its input and
//! writes one SVG document per graph); the graphs are split over one process per core.

use crate::diagram::{Diagram, Element};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::process::{Command, Stdio};

/// The `dot` binary; `KOBAN_DOT` overrides it.
pub fn dot_binary() -> String {
    std::env::var("KOBAN_DOT").unwrap_or_else(|_| "dot".to_string())
}

#[derive(Debug, thiserror::Error)]
pub enum GraphvizError {
    #[error(
        "Graphviz's `dot` ({binary}) could not be started ({source}): `koban report` lays out its diagram with it; install Debian's `graphviz` package (apt-get install graphviz) or set KOBAN_DOT"
    )]
    Missing { binary: String, source: std::io::Error },
    #[error("Graphviz's `dot` failed (exit status {status}): {stderr}")]
    Failed { status: String, stderr: String },
    #[error("Graphviz's `dot` wrote {got} SVG documents for {expected} graphs")]
    Count { expected: usize, got: usize },
    #[error("talking to Graphviz's `dot`: {0}")]
    Io(#[from] std::io::Error),
}

/// Lay out graphs with one `dot` process; one SVG document per graph, in order.
fn run_dot(binary: &str, extra: &[&str], graphs: &[&str]) -> Result<Vec<String>, GraphvizError> {
    if graphs.is_empty() {
        return Ok(Vec::new());
    }
    let mut child = Command::new(binary)
        .arg("-Tsvg")
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| GraphvizError::Missing { binary: binary.to_string(), source })?;
    let input: String = graphs.concat();
    let mut stdin = child.stdin.take().ok_or_else(|| std::io::Error::other("no stdin"))?;
    let mut stdout = child.stdout.take().ok_or_else(|| std::io::Error::other("no stdout"))?;
    let mut stderr = child.stderr.take().ok_or_else(|| std::io::Error::other("no stderr"))?;
    let (out, err) = std::thread::scope(|s| {
        let writer = s.spawn(move || stdin.write_all(input.as_bytes()));
        let err_reader = s.spawn(move || {
            let mut e = String::new();
            let _ = stderr.read_to_string(&mut e);
            e
        });
        let mut out = String::new();
        let read = stdout.read_to_string(&mut out);
        let wrote = writer.join().unwrap_or_else(|_| Err(std::io::Error::other("writer thread panicked")));
        let err = err_reader.join().unwrap_or_default();
        (read.and(wrote).map(|_| out), err)
    });
    let status = child.wait()?;
    if !status.success() {
        return Err(GraphvizError::Failed { status: status.to_string(), stderr: err.trim().to_string() });
    }
    let out = out?;
    let docs: Vec<String> = out.split_inclusive("</svg>\n").filter(|d| d.contains("<svg")).map(str::to_string).collect();
    if docs.len() != graphs.len() {
        return Err(GraphvizError::Count { expected: graphs.len(), got: docs.len() });
    }
    Ok(docs)
}

/// Lay out one batch; when `dot` fails on it (its spline router gives up on some graphs with
/// clusters), lay the graphs out one by one, with polyline and then straight edges for a
/// graph whose curved edges cannot be routed.
fn run_batch(binary: &str, graphs: &[&str]) -> Result<Vec<String>, GraphvizError> {
    match run_dot(binary, &[], graphs) {
        Ok(svgs) => Ok(svgs),
        Err(e @ GraphvizError::Missing { .. }) => Err(e),
        Err(first) => {
            let mut out = Vec::with_capacity(graphs.len());
            for g in graphs {
                let one = run_dot(binary, &[], &[g])
                    .or_else(|_| run_dot(binary, &["-Gsplines=polyline"], &[g]))
                    .or_else(|_| run_dot(binary, &["-Gsplines=line"], &[g]));
                match one {
                    Ok(mut svg) => out.append(&mut svg),
                    Err(_) => return Err(first),
                }
            }
            Ok(out)
        }
    }
}

/// Lay out every graph, spread over one `dot` process per core.
pub fn render_all(graphs: &[&str]) -> Result<Vec<String>, GraphvizError> {
    let binary = dot_binary();
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, 8);
    let per = graphs.len().div_ceil(workers).max(1);
    let results: Vec<Result<Vec<String>, GraphvizError>> = std::thread::scope(|s| {
        let handles: Vec<_> = graphs.chunks(per).map(|c| s.spawn(|| run_batch(&binary, c))).collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(GraphvizError::Failed { status: "panic".into(), stderr: String::new() })))
            .collect()
    });
    let mut out = Vec::with_capacity(graphs.len());
    for r in results {
        out.extend(r?);
    }
    Ok(out)
}

fn attr_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The SVG element of one laid-out diagram, ready to inline in HTML: the XML prologue and
/// `dot`'s titles dropped, the elements' `data-*` attributes added.
pub fn finish_svg(svg: &str, diagram: &Diagram) -> String {
    let by_id: HashMap<&str, &Element> = diagram.elements.iter().map(|e| (e.svg_id.as_str(), e)).collect();
    let body = svg.find("<svg").map(|i| &svg[i..]).unwrap_or(svg);
    let mut out = String::with_capacity(body.len() + diagram.elements.len() * 64);
    for line in body.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("<title>") || trimmed.starts_with("<!--") {
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix("<g id=\"") {
            let id = rest.split('"').next().unwrap_or("");
            if let Some(el) = by_id.get(id) {
                let mut attrs = String::new();
                for (k, v) in &el.attrs {
                    attrs.push_str(&format!(" {k}=\"{}\"", attr_escape(v)));
                }
                let head = format!("<g id=\"{id}\"");
                out.push_str(&trimmed.replacen(&head, &format!("{head}{attrs}"), 1));
                out.push('\n');
                if let Some(t) = el.attrs.iter().find(|(k, _)| *k == "data-resource") {
                    out.push_str(&format!("<title>{}</title>\n", attr_escape(&t.1)));
                }
                continue;
            }
        }
        if trimmed.starts_with("<svg") {
            out.push_str(&trimmed.replacen("<svg", &format!("<svg id=\"{}\" class=\"diagram\"", diagram.id), 1));
            out.push('\n');
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_binary_names_the_package() {
        let err = run_batch("/nonexistent/dot-for-koban-test", &["digraph { a }"]).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("graphviz") && err.contains("apt-get install graphviz"), "{err}");
    }
}
