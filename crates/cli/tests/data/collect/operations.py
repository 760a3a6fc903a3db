"""The AWS operations in a moto recording (MOTO_RECORDER_FILEPATH), one JSON object a line:
{"service": …, "operation": …, "method": …, "path": …}. The service is the signing name of the
request's SigV4 credential scope (elasticloadbalancing printed as the CLI's elbv2); the
operation comes from the query protocol's Action, the JSON protocols' X-Amz-Target, or, for
the REST APIs (Route 53, GuardDuty, Inspector, S3), from the method, path and query.

  python3 operations.py RECORDING
"""
import base64
import json
import re
import sys
from urllib.parse import parse_qs, urlparse

# (service, method, path pattern, query key that must be present or None, operation)
REST = [
    ("route53", "GET", r"^/2013-04-01/hostedzone$", None, "ListHostedZones"),
    ("route53", "GET", r"^/2013-04-01/hostedzone/[^/]+$", None, "GetHostedZone"),
    ("route53", "GET", r"^/2013-04-01/hostedzone/[^/]+/rrset$", None, "ListResourceRecordSets"),
    ("guardduty", "GET", r"^/detector$", None, "ListDetectors"),
    ("guardduty", "GET", r"^/detector/[^/]+$", None, "GetDetector"),
    ("guardduty", "GET", r"^/detector/[^/]+/member$", None, "ListMembers"),
    ("inspector2", "POST", r"^/status/batch/get$", None, "BatchGetAccountStatus"),
    ("s3", "GET", r"^/$", None, "ListBuckets"),
    ("s3", "GET", r"^/[^/]+/?$", "policy", "GetBucketPolicy"),
]

for line in open(sys.argv[1], encoding="utf-8"):
    line = line.strip()
    if not line:
        continue
    r = json.loads(line)
    headers = {k.lower(): v for k, v in r.get("headers", {}).items()}
    url = urlparse(r["url"])
    if url.path.startswith("/moto-api"):
        continue
    m = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request", headers.get("authorization", ""))
    service = m.group(1) if m else "?"
    service = {"elasticloadbalancing": "elbv2"}.get(service, service)
    body = r.get("body") or ""
    if r.get("body_encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    op = None
    if "x-amz-target" in headers:
        op = headers["x-amz-target"].split(".")[-1]
    else:
        qs = parse_qs(body) if isinstance(body, str) else {}
        qs.update(parse_qs(url.query))
        if "Action" in qs:
            op = qs["Action"][0]
    if op is None:
        query = parse_qs(url.query, keep_blank_values=True)
        op = next((name for svc, method, pat, key, name in REST
                   if svc == service and method == r["method"] and re.match(pat, url.path) and (key is None or key in query)), None)
    print(json.dumps({"service": service, "operation": op or f"{r['method']} {url.path}", "method": r["method"], "path": url.path}))
