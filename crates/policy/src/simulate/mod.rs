//! Request simulation over JSON Lines in the input format of the `iam-simulate` peer
//! (`shared/peers/iam-simulate/README.md`): one request per line (or one JSON document
//! holding a request or an array of them), one answer line per request in input order with
//! `id`, `decision`, `error` and koban's `explanation`. Also [`validate_document`], the
//! library side of `koban policy validate`.
//!
//! A run reads lines in batches and answers a batch's lines in parallel (rayon) while it
//! reads the next, writing the answers in input order. Requests are read without building JSON trees ([`raw`]); policy
//! entries are parsed and validated once per distinct text ([`cache`]); [`request`] builds
//! the policy set and context, [`answer`] evaluates and serialises.

mod answer;
mod cache;
mod raw;
mod request;

use std::io::{BufRead, Write};

use rayon::prelude::*;
use serde::Serialize;
use serde_json::{Map, Value};
use thiserror::Error;

use crate::context::RequestContext;
use crate::evaluate::PolicySet;
use crate::explain::Decision;
use crate::validate::{validate_text, Finding, PolicyKind};
use answer::{answer_line, answer_parsed, parse, write, Answer};
use cache::PolicyCache;

/// A failure of the simulation run itself (not of one request, which is answered with an
/// `error` instead).
#[derive(Debug, Error)]
pub enum SimulateError {
    /// Reading the input failed.
    #[error("reading requests: {0}")]
    Read(#[source] std::io::Error),
    /// Writing an answer failed.
    #[error("writing answers: {0}")]
    Write(#[source] std::io::Error),
}

/// Counts of a simulation run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SimulateSummary {
    /// Requests answered.
    pub requests: usize,
    /// `allow` answers.
    pub allow: usize,
    /// `explicit-deny` answers.
    pub explicit_deny: usize,
    /// `implicit-deny` answers.
    pub implicit_deny: usize,
    /// Answers with an `error`.
    pub errors: usize,
    /// Threads the requests were answered on.
    pub threads: usize,
}

impl SimulateSummary {
    fn add(&mut self, other: &SimulateSummary) {
        self.requests += other.requests;
        self.allow += other.allow;
        self.explicit_deny += other.explicit_deny;
        self.implicit_deny += other.implicit_deny;
        self.errors += other.errors;
    }
}

/// Options of a simulation run.
#[derive(Debug, Clone, Copy, Default)]
pub struct SimulateOptions {
    /// Add `aws:PrincipalArn`, `aws:PrincipalAccount` and `aws:ResourceAccount` to every
    /// request that lacks them (the peer's `--derive-context`).
    pub derive_context: bool,
    /// Answer with the decision only (`"explanation": null`), as the peer's `--no-raw`
    /// answers without its summary.
    pub no_explain: bool,
}

/// Lines answered per batch; each batch is answered in parallel, then written in order.
const BATCH_LINES: usize = 8192;
/// Lines per parallel task.
const CHUNK_LINES: usize = 64;

/// Reads requests from `input`, writes one answer line per request to `output`.
pub fn simulate_jsonl(input: impl BufRead, output: impl Write) -> Result<SimulateSummary, SimulateError> {
    simulate_jsonl_with(input, output, SimulateOptions::default())
}

/// [`simulate_jsonl`] with options.
pub fn simulate_jsonl_with(
    mut input: impl BufRead,
    mut output: impl Write,
    options: SimulateOptions,
) -> Result<SimulateSummary, SimulateError> {
    let cache = PolicyCache::default();
    let mut summary = SimulateSummary { threads: rayon::current_num_threads(), ..SimulateSummary::default() };
    let mut out = Vec::new();
    let mut line = String::new();
    let mut line_no = 0usize;
    // The first request line decides the mode: JSON Lines, or one (pretty-printed) document.
    loop {
        line.clear();
        if input.read_line(&mut line).map_err(SimulateError::Read)? == 0 {
            return finish(output, summary);
        }
        line_no += 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with("//") {
            continue;
        }
        if let Ok(parsed) = parse(trimmed) {
            answer_parsed(&parsed, &cache, options, &mut out, &mut summary);
            break;
        }
        let mut rest = trimmed.to_string();
        rest.push('\n');
        input.read_to_string(&mut rest).map_err(SimulateError::Read)?;
        match parse(rest.trim()) {
            Ok(parsed) => answer_parsed(&parsed, &cache, options, &mut out, &mut summary),
            Err(e) => write(&Answer::failed(Value::Null, format!("input: invalid JSON: {e}")), &mut out, &mut summary),
        }
        output.write_all(&out).map_err(SimulateError::Write)?;
        return finish(output, summary);
    }
    output.write_all(&out).map_err(SimulateError::Write)?;
    // JSON Lines, in batches: while one batch is answered (in parallel), the next is read
    // and the previous one's answers are written.
    let mut current = Batch::default();
    let mut eof = current.read(&mut input, &mut line_no)?;
    loop {
        let mut next = Batch::default();
        let (answered, read) = std::thread::scope(|scope| {
            let worker = scope.spawn(|| current.answer(&cache, options));
            let read = if eof { Ok(true) } else { next.read(&mut input, &mut line_no) };
            (worker.join(), read)
        });
        let answered = answered.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        for (bytes, counts) in answered {
            output.write_all(&bytes).map_err(SimulateError::Write)?;
            summary.add(&counts);
        }
        if eof {
            return finish(output, summary);
        }
        eof = read?;
        current = next;
    }
}

/// Lines read for answering together: (line number, byte range in `text`).
#[derive(Default)]
struct Batch {
    text: String,
    spans: Vec<(usize, usize, usize)>,
}

impl Batch {
    /// Reads up to [`BATCH_LINES`] lines; true at the end of the input.
    fn read(&mut self, input: &mut impl BufRead, line_no: &mut usize) -> Result<bool, SimulateError> {
        while self.spans.len() < BATCH_LINES {
            let start = self.text.len();
            if input.read_line(&mut self.text).map_err(SimulateError::Read)? == 0 {
                return Ok(true);
            }
            *line_no += 1;
            self.spans.push((*line_no, start, self.text.len()));
        }
        Ok(false)
    }

    /// The answers to the batch's lines, in chunks, in order.
    fn answer(&self, cache: &PolicyCache, options: SimulateOptions) -> Vec<(Vec<u8>, SimulateSummary)> {
        self.spans
            .par_chunks(CHUNK_LINES)
            .map(|chunk| {
                let mut out = Vec::with_capacity(chunk.len() * 512);
                let mut counts = SimulateSummary::default();
                for &(no, start, end) in chunk {
                    let trimmed = self.text[start..end].trim();
                    if !trimmed.is_empty() && !trimmed.starts_with("//") {
                        answer_line(trimmed, no, cache, options, &mut out, &mut counts);
                    }
                }
                (out, counts)
            })
            .collect()
    }
}

fn finish(mut output: impl Write, summary: SimulateSummary) -> Result<SimulateSummary, SimulateError> {
    output.flush().map_err(SimulateError::Write)?;
    Ok(summary)
}

/// Answers one request value: `{"id", "decision", "error", "explanation"}`.
pub fn simulate_request(req: &Value, options: SimulateOptions) -> Value {
    let text = req.to_string();
    let answer = match parse(&text) {
        Ok(answer::Parsed::Object(obj)) => answer::answer_object(&obj, &PolicyCache::default(), options),
        _ => Answer::failed(Value::Null, "input: request must be a JSON object".into()),
    };
    serde_json::to_value(&answer).unwrap_or(Value::Null)
}

/// Evaluates one request value and returns only the decision (for tests and benchmarks).
pub fn decide_request(req: &Value) -> Result<Decision, String> {
    let (policies, ctx) = build_request(req, SimulateOptions::default())?;
    Ok(crate::evaluate::decide(&policies, &ctx))
}

/// Turns a request in the peer's format into a policy set and a request context.
pub fn build_request(req: &Value, options: SimulateOptions) -> Result<(PolicySet, RequestContext), String> {
    RequestBuilder::default().build(&req.to_string(), options)
}

/// Builds requests from their JSON text with one policy cache, so that requests carrying
/// the same documents share them parsed (as a simulation run does).
#[derive(Default)]
pub struct RequestBuilder {
    cache: PolicyCache,
}

impl RequestBuilder {
    /// The policy set and context of one request (a JSON object's text).
    pub fn build(&self, text: &str, options: SimulateOptions) -> Result<(PolicySet, RequestContext), String> {
        match parse(text.trim()) {
            Ok(answer::Parsed::Object(obj)) => request::build(&obj, &self.cache, options),
            Ok(_) => Err("input: request must be a JSON object".into()),
            Err(e) => Err(format!("input: invalid JSON: {e}")),
        }
    }
}

/// Validates policy text as a policy of `kind`: Access Analyzer-style findings, the
/// syntax errors among them (a document that does not parse yields one finding).
pub fn validate_document(text: &str, kind: PolicyKind) -> Vec<Finding> {
    validate_text(text, kind)
}

/// The findings as JSON (`{"findings": [...]}`), for `koban policy validate --format json`.
pub fn findings_json(findings: &[Finding]) -> Value {
    let mut m = Map::new();
    m.insert("findings".into(), serde_json::to_value(findings).unwrap_or(Value::Null));
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;

    fn run(input: &str, options: SimulateOptions) -> (Vec<Value>, SimulateSummary) {
        let mut out = Vec::new();
        let summary = simulate_jsonl_with(input.as_bytes(), &mut out, options).expect("simulate");
        let answers = String::from_utf8(out).expect("utf8").lines().map(|l| serde_json::from_str(l).expect("answer is JSON")).collect();
        (answers, summary)
    }

    #[test]
    fn lines_batches_errors_and_decision_only_answers() {
        let req = |id: &str, action: &str| {
            format!(
                r#"{{"id":"{id}","principal":"arn:aws:iam::111122223333:user/a","action":"{action}","resource":"arn:aws:s3:::b/k","resourceAccount":"111122223333","identityPolicies":[{DOC}]}}"#
            )
        };
        let input = format!(
            "// comment\n{}\n\n[{},{}]\nnot json\n5\n",
            req("a", "s3:GetObject"),
            req("b", "s3:PutObject"),
            req("c", "s3:GetObject")
        );
        let (answers, summary) = run(&input, SimulateOptions::default());
        let decisions: Vec<&Value> = answers.iter().map(|a| &a["decision"]).collect();
        assert_eq!(decisions, [&json!("allow"), &json!("implicit-deny"), &json!("allow"), &Value::Null, &Value::Null]);
        assert_eq!(answers[1]["id"], "b");
        assert!(answers[0]["explanation"].is_object());
        assert!(answers[3]["error"].as_str().is_some_and(|e| e.starts_with("input: line 5: invalid JSON")));
        assert_eq!(answers[4]["error"], "input: request must be a JSON object");
        assert_eq!((summary.requests, summary.allow, summary.implicit_deny, summary.errors), (5, 2, 1, 2));
        let (bare, _) = run(&input, SimulateOptions { no_explain: true, ..SimulateOptions::default() });
        assert_eq!(bare.iter().map(|a| &a["decision"]).collect::<Vec<_>>(), decisions);
        assert!(bare[0]["explanation"].is_null());
        // one pretty-printed document
        let (pretty, _) = run("{\n  \"id\": 1,\n  \"action\": \"s3:GetObject\", \"resource\": \"*\"\n}\n", SimulateOptions::default());
        assert_eq!(pretty.len(), 1);
        assert_eq!(pretty[0]["id"], 1);
    }
}
