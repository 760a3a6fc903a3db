//! The page: one HTML document with the styles, the script, the diagram font and the report's
//! data inlined, and a Content-Security-Policy that forbids every network fetch, so it opens
//! offline. Findings, checks and inputs are written as HTML here (readable without the
//! script); the interactive parts (path picker, exposure and reach tables) are drawn by the
//! script from the embedded data.

use crate::data::ReportData;
use crate::diagram::Diagram;
use crate::graphviz::finish_svg;
use base64::Engine as _;
use std::fmt::Write;

const CSS: &str = include_str!("assets/report.css");
const JS: &str = include_str!("assets/report.js");

/// HTML text escaping.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// JSON for a `<script type="application/json">` element: `<` escaped so no `</script>` can
/// end it early.
pub fn script_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}")).replace('<', "\\u003c")
}

/// The font `dot` measured the labels with (DejaVu Sans, found through fontconfig), as a data
/// URL, so the page draws labels at the width they were laid out for on any machine.
fn font_face() -> Option<String> {
    let out = std::process::Command::new("fc-match").args(["-f", "%{file}", "DejaVu Sans"]).output().ok()?;
    let path = String::from_utf8(out.stdout).ok()?;
    if !path.ends_with(".ttf") {
        return None;
    }
    let bytes = std::fs::read(path.trim()).ok()?;
    let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
    Some(format!("@font-face{{font-family:\"DejaVu Sans\";src:url(data:font/ttf;base64,{b64}) format(\"truetype\");}}\n"))
}

fn badge(ok: bool, yes: &str, no: &str) -> String {
    if ok {
        format!("<span class=\"badge ok\">{}</span>", esc(yes))
    } else {
        format!("<span class=\"badge warn\">{}</span>", esc(no))
    }
}

fn header(o: &mut String, d: &ReportData) {
    let traffic = match d.traffic.port {
        Some(p) => format!("{}/{p}", d.traffic.protocol),
        None => d.traffic.protocol.clone(),
    };
    let incomplete = format!(
        "incomplete: {} input error(s), {} warning(s), {} unknown(s)",
        d.summary.input_errors,
        d.summary.input_warnings,
        d.unknowns.len() + d.checks.unknowns.len()
    );
    let _ = writeln!(
        o,
        "<header><h1>koban report</h1><div class=\"meta\">inputs: <code>{}</code> \u{b7} paths for {} traffic \u{b7} {} {}</div></header>",
        esc(&d.inputs.join(" ")),
        esc(&traffic),
        esc(&d.generator),
        badge(d.complete, "complete", &incomplete)
    );
}

fn summary(o: &mut String, d: &ReportData) {
    let s = &d.summary;
    let reachable = d.reach.pairs.iter().filter(|p| p.reachable).count();
    let uninspected = d.reach.pairs.iter().filter(|p| p.paths.iter().any(|x| !x.inspected || !x.reply_inspected)).count();
    let cards = [
        ("accounts", s.accounts.to_string(), ""),
        ("VPCs", s.vpcs.to_string(), ""),
        ("subnets", s.subnets.to_string(), ""),
        ("instances", format!("{} ({} running)", s.instances, s.live_instances), ""),
        ("interfaces", s.network_interfaces.to_string(), ""),
        ("high findings", s.findings_high.to_string(), if s.findings_high > 0 { "bad" } else { "good" }),
        ("medium findings", s.findings_medium.to_string(), if s.findings_medium > 0 { "warn" } else { "good" }),
        ("low findings", s.findings_low.to_string(), ""),
        ("exposed interfaces", s.exposed_interfaces.to_string(), ""),
        ("reachable pairs", format!("{reachable} of {}", s.reach_pairs), ""),
        ("pairs with uninspected paths", uninspected.to_string(), if uninspected > 0 { "bad" } else { "good" }),
    ];
    o.push_str("<section id=\"summary\" class=\"cards\">");
    for (k, v, cls) in cards {
        let _ = write!(o, "<div class=\"card {cls}\"><div class=\"v\">{}</div><div class=\"k\">{}</div></div>", esc(&v), esc(k));
    }
    o.push_str("</section>\n");
}

fn legend(o: &mut String) {
    o.push_str(
        "<div class=\"legend\"><span><svg width=\"36\" height=\"10\"><line x1=\"0\" y1=\"5\" x2=\"36\" y2=\"5\" class=\"lg-ok\"/></svg> \
         every path on it crosses an inspection (GWLB) endpoint</span><span><svg width=\"36\" height=\"10\"><line x1=\"0\" y1=\"5\" \
         x2=\"36\" y2=\"5\" class=\"lg-bypass\"/></svg> some path on it bypasses inspection</span><span><svg width=\"36\" height=\"10\">\
         <line x1=\"0\" y1=\"5\" x2=\"36\" y2=\"5\" class=\"lg-plain\"/></svg> attachment</span><span class=\"sw instance\">EC2</span>\
         <span class=\"sw nat\">NAT / IGW</span><span class=\"sw gwlb\">GWLB endpoint / appliance</span><span class=\"sw vpce\">interface \
         endpoint</span><span class=\"sw tgw\">Transit Gateway</span><span class=\"sw stopped\">stopped</span></div>\n",
    );
}

fn diagrams(o: &mut String, d: &ReportData, diagrams: &[Diagram], svgs: &[String]) {
    let large = d.summary.large;
    o.push_str("<section id=\"diagram\"><h2>Diagram</h2>");
    legend(o);
    let _ = writeln!(
        o,
        "<div class=\"toolbar\"><button type=\"button\" id=\"expand-all\">expand all VPCs</button> <button type=\"button\" \
         id=\"collapse-all\">collapse all</button> <button type=\"button\" id=\"clear\">clear highlight</button> <span class=\"hint\">{}</span></div>",
        if large {
            "large twin: VPCs are collapsed; open one (or pick a path) to draw it"
        } else {
            "click a node or a finding to see its paths; open or close accounts and VPCs"
        }
    );
    let svg_of =
        |id: &str| -> String { diagrams.iter().zip(svgs).find(|(dg, _)| dg.id == id).map(|(dg, s)| finish_svg(s, dg)).unwrap_or_default() };
    if let Some(ov) = diagrams.iter().find(|x| x.kind == "overview") {
        let _ = writeln!(
            o,
            "<details class=\"diagram-box overview\" id=\"overview\" {}><summary>Organisation: {} account(s), {} VPC(s), {} Transit Gateway(s)</summary><div class=\"svgwrap\">{}</div></details>",
            if large || d.vpcs.len() > 1 { "open" } else { "" },
            d.accounts.len(),
            d.vpcs.len(),
            d.transit_gateways.len(),
            svg_of(&ov.id)
        );
    }
    for a in &d.accounts {
        if a.vpcs.is_empty() {
            continue;
        }
        let _ = writeln!(
            o,
            "<details class=\"account\" data-account=\"{}\" open><summary>account {} \u{b7} {} VPC(s)</summary>",
            esc(&a.id),
            esc(&a.id),
            a.vpcs.len()
        );
        for vid in &a.vpcs {
            let Some(dg) = diagrams.iter().find(|x| x.vpc.as_deref() == Some(vid.as_str())) else { continue };
            let Some(v) = d.vpcs.iter().find(|v| &v.id == vid) else { continue };
            let cidrs: Vec<String> = v.cidrs.iter().map(|c| c.cidr.clone()).collect();
            let summary = format!(
                "VPC {}{} \u{b7} {} \u{b7} {} subnet(s), {} instance(s)",
                v.name.as_ref().map(|n| format!("{n} ")).unwrap_or_default(),
                v.id,
                cidrs.join(", "),
                v.availability_zones.iter().map(|z| z.subnets.len()).sum::<usize>(),
                v.instances
            );
            let svg = svg_of(&dg.id);
            if large {
                let _ = writeln!(
                    o,
                    "<details class=\"vpc diagram-box\" data-vpc=\"{}\"><summary>{}</summary><div class=\"svgwrap\"></div><template>{}</template></details>",
                    esc(vid),
                    esc(&summary),
                    svg
                );
            } else {
                let _ = writeln!(
                    o,
                    "<details class=\"vpc diagram-box\" data-vpc=\"{}\" open><summary>{}</summary><div class=\"svgwrap\">{}</div></details>",
                    esc(vid),
                    esc(&summary),
                    svg
                );
            }
        }
        o.push_str("</details>\n");
    }
    o.push_str("</section>\n");
}

fn checks(o: &mut String, d: &ReportData) {
    o.push_str("<section id=\"checks\"><h2>Landing-zone checks</h2><table class=\"checks\"><tr><th>check</th><th>status</th><th>findings</th><th>rule</th></tr>");
    for c in &d.checks.checks {
        let _ = write!(
            o,
            "<tr><td><code>{}</code></td><td><span class=\"status {}\">{}</span></td><td>{}</td><td>{}</td></tr>",
            esc(c.id),
            esc(c.status),
            esc(c.status),
            c.findings,
            esc(c.title)
        );
    }
    o.push_str("</table>\n");
    for (label, cls) in [("HIGH", "high"), ("MEDIUM", "medium"), ("LOW", "low")] {
        let fs: Vec<(usize, &koban_findings::Finding)> = d
            .checks
            .findings
            .iter()
            .enumerate()
            .filter(|(_, f)| serde_json::to_value(f.severity.label).ok().and_then(|v| v.as_str().map(|s| s == label)).unwrap_or(false))
            .collect();
        if fs.is_empty() {
            continue;
        }
        let _ = writeln!(o, "<h3 class=\"sev {cls}\">{label} ({})</h3>", fs.len());
        for (i, f) in fs {
            let rationale = koban_intent::CATALOGUE.iter().find(|c| c.id == f.source).map(|c| c.rationale).unwrap_or("");
            let _ = writeln!(
                o,
                "<article class=\"finding {cls}\" id=\"finding-{i}\" data-finding=\"{i}\" data-source=\"{}\" data-resource=\"{}\">\
                 <h4><span class=\"sevv\">{:.1}</span> <code>{}</code> {}</h4>\
                 <p>{}</p><p class=\"why\">{}</p><p class=\"fix\"><b>Remediation:</b> {}</p>\
                 <p class=\"ids\">type <code>{}</code> \u{b7} resource <code>{}</code> \u{b7} id <code>{}</code> \
                 <button type=\"button\" class=\"show-finding\" data-finding=\"{i}\">show path on the diagram</button></p></article>",
                esc(&f.source),
                esc(&f.resource),
                f.severity.value,
                esc(&f.source),
                esc(&f.title),
                esc(&f.description),
                esc(rationale),
                esc(&f.remediation),
                esc(&f.finding_type),
                esc(&f.resource),
                esc(&f.id)
            );
        }
    }
    if !d.checks.unknowns.is_empty() {
        let _ = write!(o, "<h3>What the checks could not see ({})</h3><ul class=\"unknowns\">", d.checks.unknowns.len());
        for u in &d.checks.unknowns {
            let _ = write!(o, "<li>{}</li>", esc(u));
        }
        o.push_str("</ul>");
    }
    o.push_str("</section>\n");
}

fn policy(o: &mut String, d: &ReportData) {
    let _ = write!(o, "<section id=\"policy\"><h2>Who can read the landing-zone secrets</h2>");
    if d.policy.available {
        let _ = write!(o, "<p>{}</p>", esc(&d.policy.note));
        for a in &d.policy.answers {
            who_can(o, a);
        }
    } else {
        let _ = write!(o, "<p class=\"notice\">Not available: {}</p>", esc(&d.policy.note));
    }
    o.push_str("</section>\n");
}

/// One `who-can` answer: the principals that can, with their access per origin.
fn who_can(o: &mut String, a: &serde_json::Value) {
    let text = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
    let list = |v: &serde_json::Value| v.as_array().cloned().unwrap_or_default();
    let principals = list(&a["principals"]);
    let _ = write!(
        o,
        "<h3 class=\"secret\"><code>{}</code> \u{b7} {} principal(s) can <code>{}</code></h3>",
        esc(&text(&a["resource"])),
        principals.len(),
        esc(&text(&a["action"]))
    );
    if principals.is_empty() {
        o.push_str("<p>No principal can, from any origin koban knows.</p>");
    } else {
        o.push_str("<table class=\"who\"><tr><th>principal</th><th>kind</th><th>access</th><th>from</th><th>decided by</th></tr>");
        for p in &principals {
            let origins = list(&p["origins"]);
            let from: Vec<String> = origins.iter().map(|x| format!("{} ({})", text(&x["origin"]), text(&x["access"]))).collect();
            let by: std::collections::BTreeSet<String> = origins.iter().flat_map(|x| list(&x["decided_by"])).map(|v| text(&v)).collect();
            let by: Vec<String> = by.into_iter().collect();
            let _ = write!(
                o,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&text(&p["principal"])),
                esc(&text(&p["kind"])),
                esc(&text(&p["access"])),
                esc(&from.join("; ")),
                esc(&by.join("; "))
            );
        }
        o.push_str("</table>");
    }
    let unknowns: Vec<String> = list(&a["unknowns"]).iter().map(text).collect();
    if !unknowns.is_empty() {
        let _ = write!(o, "<p class=\"more\">unknown: {}</p>", esc(&unknowns.join("; ")));
    }
}

fn detection(o: &mut String, d: &ReportData) {
    let _ = write!(o, "<section id=\"detection\"><h2>Detection and vulnerability findings</h2>");
    if !d.detection.available {
        let _ = write!(o, "<p class=\"notice\">{}</p>", esc(&d.detection.note));
        if !d.detection.logs.is_empty() {
            o.push_str("<ul class=\"logs\">");
            for l in &d.detection.logs {
                let _ = write!(o, "<li><code>{}</code> \u{2014} detection not yet available</li>", esc(l));
            }
            o.push_str("</ul>");
        }
    } else {
        let _ = write!(o, "<p>{}</p>", esc(&d.detection.note));
        for f in &d.detection.findings {
            let _ = write!(
                o,
                "<article class=\"finding\"><h4><span class=\"sevv\">{:.1}</span> <code>{}</code> {}</h4><p>{}</p><p class=\"fix\"><b>Remediation:</b> {}</p></article>",
                f.severity.value,
                esc(&f.finding_type),
                esc(&f.title),
                esc(&f.description),
                esc(&f.remediation)
            );
        }
    }
    o.push_str("</section>\n");
}

fn inputs(o: &mut String, d: &ReportData) {
    o.push_str("<section id=\"inputs\"><h2>Input problems and unknowns</h2>");
    if d.diagnostics.is_empty() && d.unknowns.is_empty() {
        o.push_str("<p>Every input file was read; nothing met is outside the model.</p>");
    }
    if !d.diagnostics.is_empty() {
        let _ = write!(
            o,
            "<p class=\"notice\">Parts of the input could not be read ({} problem(s)). Answers that touch them list them as unknown.</p><table class=\"diags\"><tr><th>severity</th><th>where</th><th>problem</th><th>resource</th></tr>",
            d.diagnostics.len()
        );
        for g in &d.diagnostics {
            let sev = match g.severity {
                koban_model::Severity::Error => "error",
                koban_model::Severity::Warning => "warning",
            };
            let _ = write!(
                o,
                "<tr class=\"{sev}\"><td>{sev}</td><td><code>{}</code></td><td>{}</td><td><code>{}</code></td></tr>",
                esc(&g.origin.to_string()),
                esc(&g.message),
                esc(g.resource.as_deref().unwrap_or(""))
            );
        }
        o.push_str("</table>");
    }
    if !d.unknowns.is_empty() {
        let _ = write!(o, "<h3>Not modelled ({})</h3><ul class=\"unknowns\">", d.unknowns.len());
        for u in &d.unknowns {
            let _ = write!(o, "<li>{}</li>", esc(u));
        }
        o.push_str("</ul>");
    }
    o.push_str("</section>\n");
}

fn panel(o: &mut String) {
    o.push_str(
        "<aside id=\"panel\"><section id=\"picker\"><h2>Paths</h2>\
         <label>from <select id=\"src\"></select></label><label>to <select id=\"dst\"></select></label>\
         <div class=\"dir\"><label><input type=\"radio\" name=\"dir\" value=\"forward\" checked> forward</label> \
         <label><input type=\"radio\" name=\"dir\" value=\"reply\"> replies</label></div>\
         <div id=\"verdict\" class=\"verdict\"></div><div id=\"path-list\"></div></section></aside>\n",
    );
}

/// The whole page.
pub fn page(d: &ReportData, dg: &[Diagram], svgs: &[String]) -> String {
    let mut o = String::with_capacity(svgs.iter().map(String::len).sum::<usize>() + (1 << 20));
    o.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
    o.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; font-src data:; img-src data:\">\n",
    );
    o.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = write!(o, "<title>koban report \u{2014} {}</title>\n<style>\n", esc(&d.inputs.join(" ")));
    if let Some(f) = font_face() {
        o.push_str(&f);
    }
    o.push_str(CSS);
    o.push_str("</style></head><body>\n");
    header(&mut o, d);
    o.push_str("<div id=\"layout\">\n");
    panel(&mut o);
    o.push_str("<main>\n");
    summary(&mut o, d);
    diagrams(&mut o, d, dg, svgs);
    checks(&mut o, d);
    o.push_str(
        "<section id=\"exposure\"><h2>Exposure per interface</h2><p>Every interface reachable from the internet or a named network, \
         with the ports and whether its witness path and replies cross inspection. Click a row to draw its path.</p>\
         <input type=\"search\" class=\"filter\" data-table=\"exposure-table\" placeholder=\"filter (id, subnet, port, …)\">\
         <div id=\"exposure-table\"></div></section>\n",
    );
    o.push_str(
        "<section id=\"reach\"><h2>Reachability pairs</h2><p>koban reach for every (internet or named network) \u{2192} instance and \
         instance \u{2192} (internet or named network) pair. Click a row to draw its paths.</p>\
         <input type=\"search\" class=\"filter\" data-table=\"reach-table\" placeholder=\"filter (id, verdict, …)\">\
         <div id=\"reach-table\"></div></section>\n",
    );
    policy(&mut o, d);
    detection(&mut o, d);
    inputs(&mut o, d);
    o.push_str("</main></div>\n<script type=\"application/json\" id=\"koban-data\">");
    o.push_str(&script_json(d));
    o.push_str("</script>\n<script>\n");
    o.push_str(JS);
    o.push_str("</script>\n</body></html>\n");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_json_cannot_close_its_script_element() {
        let s = script_json(&serde_json::json!({ "tag": "</script><script>alert(1)</script>" }));
        assert!(!s.contains("</script"));
        let back: serde_json::Value = serde_json::from_str(&s).unwrap_or_default();
        assert_eq!(back["tag"], "</script><script>alert(1)</script>");
    }

    #[test]
    fn html_escaping_covers_attributes_and_text() {
        assert_eq!(esc("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }
}
