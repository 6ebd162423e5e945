"""A SigV4 verifier written from AWS's description of the algorithm, for the tests.

It reads a request the way a server receives it (method, request target,
headers, body bytes) and recomputes the signature independently of botocore:

* canonical URI: each path segment percent-decoded, then URI-encoded twice
  (the rule for every service but S3), after removing empty and dot segments;
* canonical query: each name and value decoded as a form (``+`` is a space),
  URI-encoded once, sorted by name and then by value;
* canonical headers: the headers named in ``SignedHeaders``, lower-cased, with
  values trimmed and inner runs of spaces collapsed;
* payload: hex SHA-256 of the body bytes;
* signing key: HMAC-SHA256 chain over date, region, service, ``aws4_request``.

URI-encoding leaves ``A-Z a-z 0-9 - _ . ~`` alone and writes every other byte
as ``%XX`` with upper-case hex.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass

UNRESERVED = set((string.ascii_letters + string.digits + "-_.~").encode())
AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request, SignedHeaders=(?P<signed>[a-z0-9;-]+), "
    r"Signature=(?P<signature>[0-9a-f]{64})$"
)


class SignatureMismatch(AssertionError):
    pass


def uri_encode(data: bytes) -> str:
    return "".join(chr(b) if b in UNRESERVED else f"%{b:02X}" for b in data)


def percent_decode(text: str) -> bytes:
    """Decode %XX escapes; anything else (including a stray %) stays as it is."""
    out = bytearray()
    raw = text.encode("utf-8")
    i = 0
    while i < len(raw):
        if raw[i] == ord("%") and _is_hex(raw[i + 1 : i + 3]):
            out.append(int(raw[i + 1 : i + 3], 16))
            i += 3
        else:
            out.append(raw[i])
            i += 1
    return bytes(out)


def _is_hex(pair: bytes) -> bool:
    return len(pair) == 2 and all(chr(c) in string.hexdigits for c in pair)


def canonical_uri(raw_path: str) -> str:
    segments: list[str] = []
    for segment in raw_path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        once = uri_encode(percent_decode(segment))
        segments.append(uri_encode(once.encode("ascii")))
    path = "/" + "/".join(segments)
    if raw_path.endswith("/") and segments:
        path += "/"
    return path


def query_pairs(raw_query: str) -> list[tuple[bytes, bytes]]:
    """What a server reads from the query: decoded names and values, in order."""
    pairs = []
    for item in raw_query.split("&"):
        if not item:
            continue
        name, _, value = item.partition("=")
        pairs.append((percent_decode(name.replace("+", " ")), percent_decode(value.replace("+", " "))))
    return pairs


def canonical_query(raw_query: str) -> str:
    encoded = sorted((uri_encode(n), uri_encode(v)) for n, v in query_pairs(raw_query))
    return "&".join(f"{n}={v}" for n, v in encoded)


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


@dataclass
class Verified:
    access_key: str
    signed_headers: list[str]
    canonical_request: str


def verify(
    *,
    method: str,
    target: str,
    headers: Mapping[str, list[str]],
    body: bytes,
    secrets: Mapping[str, str],
    region: str,
    service: str,
    now: datetime.datetime | None = None,
    max_skew: datetime.timedelta = datetime.timedelta(minutes=5),
) -> Verified:
    """Check the request's signature; raise SignatureMismatch saying why not.

    ``headers`` maps lower-case names to every value received for them;
    ``secrets`` maps access key ids to secret keys.
    """
    authorization = headers.get("authorization", [])
    if len(authorization) != 1:
        raise SignatureMismatch(f"expected one Authorization header, got {authorization!r}")
    match = AUTHORIZATION.match(authorization[0])
    if not match:
        raise SignatureMismatch(f"malformed Authorization header: {authorization[0]!r}")
    if match["key"] not in secrets:
        raise SignatureMismatch(f"unknown access key {match['key']!r}")
    if (match["region"], match["service"]) != (region, service):
        raise SignatureMismatch(f"scope {match['region']}/{match['service']} is not {region}/{service}")

    signed = match["signed"].split(";")
    if signed != sorted(signed) or "host" not in signed or "x-amz-date" not in signed:
        raise SignatureMismatch(f"SignedHeaders {match['signed']!r} must be sorted and hold host and x-amz-date")
    amz_date = headers.get("x-amz-date", [""])[0]
    timestamp = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    if amz_date[:8] != match["date"]:
        raise SignatureMismatch("the credential scope's date is not the X-Amz-Date's")
    if now is not None and abs(now - timestamp) > max_skew:
        raise SignatureMismatch(f"X-Amz-Date {amz_date} is too far from now")

    canonical_headers = ""
    for name in signed:
        if name not in headers:
            raise SignatureMismatch(f"signed header {name!r} was not sent")
        value = ",".join(" ".join(v.split()) for v in headers[name])
        canonical_headers += f"{name}:{value}\n"

    path, _, query = target.partition("?")
    canonical_request = "\n".join([
        method.upper(),
        canonical_uri(path),
        canonical_query(query),
        canonical_headers,
        match["signed"],
        hashlib.sha256(body).hexdigest(),
    ])
    scope = f"{match['date']}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join([
        "AWS4-HMAC-SHA256",
        amz_date,
        scope,
        hashlib.sha256(canonical_request.encode("utf-8")).hexdigest(),
    ])
    key = ("AWS4" + secrets[match["key"]]).encode("utf-8")
    for part in (match["date"], region, service, "aws4_request"):
        key = _hmac(key, part)
    expected = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, match["signature"]):
        raise SignatureMismatch(f"signature does not match; canonical request was:\n{canonical_request}")
    return Verified(match["key"], signed, canonical_request)
