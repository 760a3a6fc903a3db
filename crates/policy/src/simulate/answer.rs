//! Answering: one request text (an object, or an array of them on one line) → answer lines
//! `{"id", "decision", "error", "explanation"}` appended to a byte buffer, with the run's
//! counts. Answers are serialised straight from the [`Explanation`], without an
//! intermediate JSON tree.

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;

use super::cache::PolicyCache;
use super::raw::{array, object, RawObject};
use super::request::build;
use super::{SimulateOptions, SimulateSummary};
use crate::evaluate::{decide, evaluate};
use crate::explain::{Decision, Explanation};

/// One answer line.
#[derive(Serialize)]
pub(crate) struct Answer {
    /// The request's `id`, echoed.
    pub id: Value,
    /// `allow`, `explicit-deny`, `implicit-deny`, or null with an error.
    pub decision: Option<Decision>,
    /// Why the request could not be answered.
    pub error: Option<String>,
    /// koban's explanation of the decision.
    pub explanation: Option<Explanation>,
}

impl Answer {
    pub(crate) fn failed(id: Value, error: String) -> Answer {
        Answer { id, decision: None, error: Some(error), explanation: None }
    }
}

/// Answers one request object.
pub(crate) fn answer_object(req: &RawObject<'_>, cache: &PolicyCache, options: SimulateOptions) -> Answer {
    let id = match req.get("id") {
        None => Value::Null,
        Some(raw) => match serde_json::from_str(raw) {
            Ok(v) => v,
            Err(e) => return Answer::failed(Value::Null, format!("input: id: {e}")),
        },
    };
    match build(req, cache, options) {
        Ok((policies, ctx)) if options.no_explain => Answer { id, decision: Some(decide(&policies, &ctx)), error: None, explanation: None },
        Ok((policies, ctx)) => {
            let e = evaluate(&policies, &ctx);
            Answer { id, decision: Some(e.decision), error: None, explanation: Some(e) }
        }
        Err(msg) => Answer::failed(id, msg),
    }
}

/// Answers a request given as any JSON value (only objects are requests).
pub(crate) fn answer_value(raw: &str, cache: &PolicyCache, options: SimulateOptions) -> Answer {
    match object(raw) {
        Some(req) => answer_object(&req, cache, options),
        None => Answer::failed(Value::Null, "input: request must be a JSON object".into()),
    }
}

/// Appends one answer line to `out` and counts it.
pub(crate) fn write(answer: &Answer, out: &mut Vec<u8>, summary: &mut SimulateSummary) {
    summary.requests += 1;
    match answer.decision {
        Some(Decision::Allow) => summary.allow += 1,
        Some(Decision::ExplicitDeny) => summary.explicit_deny += 1,
        Some(Decision::ImplicitDeny) => summary.implicit_deny += 1,
        None => summary.errors += 1,
    }
    // Serialising owned, well-formed values into a Vec cannot fail; should it, the line
    // still ends so that answers stay one per line.
    if serde_json::to_writer(&mut *out, answer).is_err() {
        out.extend_from_slice(br#"{"id":null,"decision":null,"error":"output: answer not serialisable","explanation":null}"#);
    }
    out.push(b'\n');
}

/// What one input text held.
pub(crate) enum Parsed<'a> {
    /// One request object.
    Object(RawObject<'a>),
    /// An array: a batch of requests.
    Batch(Vec<&'a str>),
    /// Valid JSON of another type (answered with an error).
    Other,
}

/// Reads one request text (a line, or the whole input as one document).
pub(crate) fn parse(text: &str) -> Result<Parsed<'_>, serde_json::Error> {
    if text.starts_with('{') {
        return serde_json::from_str::<RawObject>(text).map(Parsed::Object);
    }
    let raw: &RawValue = serde_json::from_str(text)?;
    Ok(match array(raw.get()) {
        Some(items) => Parsed::Batch(items),
        None => Parsed::Other,
    })
}

/// Answers everything one parsed text holds, in order.
pub(crate) fn answer_parsed(
    parsed: &Parsed<'_>,
    cache: &PolicyCache,
    options: SimulateOptions,
    out: &mut Vec<u8>,
    summary: &mut SimulateSummary,
) {
    match parsed {
        Parsed::Object(req) => write(&answer_object(req, cache, options), out, summary),
        Parsed::Batch(items) => {
            for item in items {
                write(&answer_value(item, cache, options), out, summary);
            }
        }
        Parsed::Other => write(&Answer::failed(Value::Null, "input: request must be a JSON object".into()), out, summary),
    }
}

/// Answers one line of JSON Lines input; an unparsable line gets an error answer.
pub(crate) fn answer_line(
    line: &str,
    line_no: usize,
    cache: &PolicyCache,
    options: SimulateOptions,
    out: &mut Vec<u8>,
    summary: &mut SimulateSummary,
) {
    match parse(line) {
        Ok(parsed) => answer_parsed(&parsed, cache, options, out, summary),
        Err(e) => write(&Answer::failed(Value::Null, format!("input: line {line_no}: invalid JSON: {e}")), out, summary),
    }
}
