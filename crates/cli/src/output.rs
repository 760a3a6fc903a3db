//! Writing answers: JSON (the answer struct with the input diagnostics, compact, buffered) or
//! text for people (diagnostics on stderr, the answer on stdout), and the `--timings` line.

use crate::args::Format;
use koban_model::Diagnostic;
use serde::Serialize;
use std::io::Write;
use std::time::Instant;

/// One command run: the output format and the clock for `--timings`.
pub struct Run {
    pub format: Format,
    timings: bool,
    start: Instant,
    loaded: Option<f64>,
    analysed: Option<f64>,
}

fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

impl Run {
    pub fn new(format: Format, timings: bool) -> Run {
        Run { format, timings, start: Instant::now(), loaded: None, analysed: None }
    }

    /// Mark the end of loading (the twin and its indexes are built).
    pub fn loaded(&mut self) {
        self.loaded = Some(ms_since(self.start));
    }

    /// Write an answer; marks the end of the analysis.
    pub fn emit<T: Serialize>(&mut self, answer: &T, text: impl FnOnce(&T) -> String, diagnostics: &[Diagnostic]) {
        self.analysed = Some(ms_since(self.start));
        match self.format {
            // `main` refuses SARIF and Markdown for commands that do not write them; the
            // commands that do write them through `emit_document`.
            Format::Json | Format::Sarif | Format::Markdown | Format::Eventbridge | Format::Guardduty => {
                #[derive(Serialize)]
                struct Envelope<'a, T: Serialize> {
                    #[serde(flatten)]
                    answer: &'a T,
                    diagnostics: &'a [Diagnostic],
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
                eprint!("{}", crate::render::diagnostics(diagnostics));
                print!("{}", text(answer));
            }
        }
    }

    /// Write a document rendered in the requested format (SARIF, Markdown); marks the end of
    /// the analysis.
    pub fn emit_document(&mut self, document: &str) {
        self.analysed = Some(ms_since(self.start));
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        if let Err(e) = out.write_all(document.as_bytes()).and_then(|_| out.flush()) {
            eprintln!("koban: writing the answer: {e}");
        }
    }

    /// Print `koban-timings {"load_ms":…,"analysis_ms":…,"output_ms":…}` when asked for.
    pub fn finish(&self) {
        if !self.timings {
            return;
        }
        let total = ms_since(self.start);
        let load = self.loaded.unwrap_or_default();
        let analysed = self.analysed.unwrap_or(total);
        eprintln!("koban-timings {{\"load_ms\":{load:.3},\"analysis_ms\":{:.3},\"output_ms\":{:.3}}}", analysed - load, total - analysed);
    }
}

/// Report a usage or input error (exit 2).
pub fn fail(msg: impl std::fmt::Display) -> std::process::ExitCode {
    eprintln!("koban: {msg}");
    std::process::ExitCode::from(2)
}

/// 1 when there is something to report, else 0.
pub fn code(found: bool) -> std::process::ExitCode {
    std::process::ExitCode::from(if found { 1 } else { 0 })
}
