"""The AWS operations in a moto recording (MOTO_RECORDER_FILEPATH), one JSON object a line:
{"service": …, "operation": …, "method": …, "path": …}. The service is the signing name of the
request's SigV4 credential scope (elasticloadbalancing printed as the CLI's elbv2); the
operation comes from the query protocol's Action, the JSON protocols' X-Amz-Target, or, for
Route 53's REST API, from the method and path.

  python3 operations.py RECORDING
"""
import base64
import json
import re
import sys
from urllib.parse import parse_qs, urlparse

ROUTE53 = [
    (r"^/2013-04-01/hostedzone$", "ListHostedZones"),
    (r"^/2013-04-01/hostedzone/[^/]+$", "GetHostedZone"),
    (r"^/2013-04-01/hostedzone/[^/]+/rrset$", "ListResourceRecordSets"),
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
    if op is None and service == "route53" and r["method"] == "GET":
        op = next((name for pat, name in ROUTE53 if re.match(pat, url.path)), None)
    print(json.dumps({"service": service, "operation": op or f"{r['method']} {url.path}", "method": r["method"], "path": url.path}))
