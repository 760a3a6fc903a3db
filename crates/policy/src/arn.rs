//! Amazon Resource Names: splitting an ARN into its six colon-separated parts, and ARN
//! patterns matched part by part (the Resource element and the `Arn*` condition operators),
//! where a wildcard never crosses a colon between the first five parts.

use crate::context::RequestContext;
use crate::pattern::{Pattern, PatternSyntax, Unresolved};

/// The parts of an ARN: `arn:partition:service:region:account:resource`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    /// `aws`, `aws-cn`, `aws-us-gov`, …
    pub partition: &'a str,
    /// The service prefix (`s3`, `iam`, …).
    pub service: &'a str,
    /// The Region, empty for global resources.
    pub region: &'a str,
    /// The 12-digit account id, empty for S3 buckets and objects.
    pub account: &'a str,
    /// Everything after the fifth colon (may itself contain colons and slashes).
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Splits `text` into ARN parts; `None` unless it starts with `arn:` and has six parts.
    pub fn parse(text: &'a str) -> Option<Arn<'a>> {
        let mut it = text.splitn(6, ':');
        if it.next()? != "arn" {
            return None;
        }
        Some(Arn { partition: it.next()?, service: it.next()?, region: it.next()?, account: it.next()?, resource: it.next()? })
    }
}

/// Whether `s` is a 12-digit AWS account id.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// An ARN pattern, compiled once.
#[derive(Debug, Clone, PartialEq)]
pub enum ArnPattern {
    /// Six parts, matched part by part (`arn` literal first).
    Parts {
        /// partition, service, region, account.
        head: Box<[Pattern; 4]>,
        /// The resource part.
        resource: Pattern,
    },
    /// Fewer than six parts (`*`, or a malformed ARN): matched as one string.
    Whole(Pattern),
}

impl ArnPattern {
    /// Compiles a pattern string; `variables` is true for policy Version 2012-10-17.
    pub fn compile(text: &str, variables: bool) -> ArnPattern {
        let syntax = PatternSyntax { wildcards: true, variables, ignore_case: false };
        let mut it = text.splitn(6, ':');
        let first = it.next();
        let parts: Vec<&str> = it.collect();
        if first == Some("arn") && parts.len() == 5 {
            let head = [
                Pattern::compile(parts[0], syntax),
                Pattern::compile(parts[1], syntax),
                Pattern::compile(parts[2], syntax),
                Pattern::compile(parts[3], syntax),
            ];
            ArnPattern::Parts { head: Box::new(head), resource: Pattern::compile(parts[4], syntax) }
        } else {
            ArnPattern::Whole(Pattern::compile(text, syntax))
        }
    }

    /// Whether the pattern is `*` (every resource).
    pub fn is_match_all(&self) -> bool {
        matches!(self, ArnPattern::Whole(p) if p.is_match_all())
    }

    /// Whether the pattern has the six ARN parts.
    pub fn is_arn(&self) -> bool {
        matches!(self, ArnPattern::Parts { .. })
    }

    /// Whether any part references a policy variable.
    pub fn has_variables(&self) -> bool {
        match self {
            ArnPattern::Parts { head, resource } => resource.has_variables() || head.iter().any(Pattern::has_variables),
            ArnPattern::Whole(p) => p.has_variables(),
        }
    }

    /// Matches a concrete ARN (or `*` for actions without resources).
    pub fn matches(&self, text: &str, ctx: &RequestContext) -> Result<bool, Unresolved> {
        self.matches_parsed(text, || Arn::parse(text), ctx)
    }

    /// Matches the request's resource, whose ARN parts the context holds already.
    pub fn matches_resource(&self, ctx: &RequestContext) -> Result<bool, Unresolved> {
        self.matches_parsed(ctx.resource(), || ctx.resource_arn(), ctx)
    }

    fn matches_parsed<'t>(&self, text: &'t str, arn: impl FnOnce() -> Option<Arn<'t>>, ctx: &RequestContext) -> Result<bool, Unresolved> {
        match self {
            ArnPattern::Whole(p) => p.matches(text, ctx),
            ArnPattern::Parts { head, resource } => {
                let Some(arn) = arn() else {
                    return Ok(false);
                };
                Ok(head[0].matches(arn.partition, ctx)?
                    && head[1].matches(arn.service, ctx)?
                    && head[2].matches(arn.region, ctx)?
                    && head[3].matches(arn.account, ctx)?
                    && resource.matches(arn.resource, ctx)?)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts() {
        let a = Arn::parse("arn:aws:s3:::bucket/key:with:colons").unwrap();
        assert_eq!(a.service, "s3");
        assert_eq!(a.account, "");
        assert_eq!(a.resource, "bucket/key:with:colons");
        assert!(Arn::parse("arn:aws:s3").is_none());
        assert!(Arn::parse("*").is_none());
    }

    #[test]
    fn segment_matching() {
        let ctx = RequestContext::builder().build();
        let p = ArnPattern::compile("arn:aws:sqs:*:111122223333:queue*", true);
        assert_eq!(p.matches("arn:aws:sqs:us-east-1:111122223333:queue1", &ctx), Ok(true));
        let on = |r: &str| RequestContext::builder().resource(r).build();
        assert_eq!(p.matches_resource(&on("arn:aws:sqs:us-east-1:111122223333:queue1")), Ok(true));
        assert_eq!(p.matches_resource(&on("arn:aws:sqs:us-east-1:111122223333")), Ok(false));
        assert_eq!(on("arn:aws:s3:::b/k:x").resource_arn().map(|a| a.resource), Some("b/k:x"));
        assert_eq!(p.matches("arn:aws:sqs:us-east-1:444455556666:queue1", &ctx), Ok(false));
        // a wildcard in the region does not swallow the account
        let p = ArnPattern::compile("arn:aws:sqs:*:queue1", true);
        assert_eq!(p.matches("arn:aws:sqs:us-east-1:111122223333:queue1", &ctx), Ok(true));
        assert!(!p.is_arn());
        assert!(ArnPattern::compile("*", true).is_match_all());
    }
}
