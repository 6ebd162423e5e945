"""AWS Signature Version 4 for the MLflow Python SDK, as an MLflow auth plugin.

MLflow behind Amazon API Gateway (``AWS_IAM`` authorization) needs every
``/api/*`` request signed for the ``execute-api`` service. MLflow's own
switch, ``MLFLOW_TRACKING_AWS_SIGV4=true``, uses ``requests-auth-aws-sigv4``,
whose canonical request differs from the one a verifier computes (repeated
query keys, spaces sent as ``+``, paths, file bodies), so a faithful verifier
refuses some of its requests. This module is an MLflow request auth provider
that signs with botocore's ``SigV4Auth`` instead. Enable it with::

    MLFLOW_TRACKING_AUTH=sagemaker-studio-mlflow-sigv4
    AWS_REGION=<the gateway's region>      # or AWS_DEFAULT_REGION / the profile's region

and leave ``MLFLOW_TRACKING_AWS_SIGV4`` unset: when it is true MLflow signs
with its own signer and never asks this provider. With both set, this module
warns once per process (``StockSignerWarning``, from ``StockSignerCheck``, a
request header provider MLflow consults on every request).
Credentials come from botocore's standard chain: environment variables, the
shared config and credentials files (``AWS_PROFILE``), SSO, web identity,
container credentials (SageMaker, ECS) and the instance metadata service.

How a request is signed
-----------------------
The request is signed as it goes on the wire, after ``requests`` prepared it:

* URL: the path and query are first rewritten in the encoding SigV4 uses
  (RFC 3986: every byte but ``A-Z a-z 0-9 - _ . ~`` percent-encoded, a space
  as ``%20``, never ``+``), with the same meaning for the server: in the query
  ``+`` means a space, as ``requests`` and MLflow's server read it. Verifiers
  disagree on how they read ``+`` and characters such as ``'`` or ``(``; in
  that form every reading gives the same canonical request.
* Signed headers: ``host``, ``x-amz-date`` and, with temporary credentials,
  ``x-amz-security-token``. Other headers may be changed by proxies and are
  left out of the signature.
* Body: the SHA-256 of the exact bytes sent. ``bytes`` as is; ``str`` is
  replaced by its UTF-8 bytes (what urllib3 sends); a seekable binary file
  (MLflow's artifact uploads, ``open(path, "rb")``) is hashed from its current
  position to the end and put back where it was, so it still streams from
  disk; any other body (generators, pipes, text files) is read into memory
  once and sent as those bytes.

Credentials are looked up again for every request (``get_frozen_credentials``),
so expiring role credentials are refreshed before they run out.

Refusals in words
-----------------
API Gateway refuses a signed request its IAM policy does not allow with its
own text (``User: arn:… is not authorized to perform: execute-api:Invoke on
resource: arn:…``). A response hook turns that answer into MLflow's error
format with the permission model's words (the ``permission_model.json``
packaged with this module): what was refused, the IAM identity that asked,
the roles that may and whom to ask, so MLflow's exception reads in one line.
Other answers, the MLflow app's own refusals (already in words) included,
pass as they are.

A refusal of the signature itself (API Gateway's ``INVALID_SIGNATURE``)
already names the fix for MLflow's own signer; it passes as it is.

Nothing here is imported by the JupyterLab extension; botocore is imported
only when MLflow first asks this provider for auth.
"""

from __future__ import annotations

import io
import json
import os
import re
import threading
import warnings
from functools import lru_cache
from typing import Any
from urllib.parse import quote, unquote, unquote_to_bytes, urlsplit, urlunsplit

from requests.auth import AuthBase

PROVIDER_NAME = "sagemaker-studio-mlflow-sigv4"
SERVICE_NAME = "execute-api"

# RFC 3986 unreserved characters besides letters and digits: what SigV4's
# UriEncode leaves as they are.
_UNRESERVED = "-_.~"
_CHUNK = 1024 * 1024

# The settings that pick credentials or the region; a change to any of them
# gives a new botocore session.
_ENV_KEYS = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
)


class SigV4ConfigurationError(RuntimeError):
    """No AWS credentials or no region: the message says what to set."""


def _import_botocore() -> Any:
    try:
        import botocore.auth
        import botocore.awsrequest
        import botocore.session
    except ImportError as error:
        raise ImportError(
            f"MLFLOW_TRACKING_AUTH={PROVIDER_NAME} signs requests with botocore, "
            "which is not installed. Install it with: pip install boto3"
        ) from error
    return botocore


# --- the URL as SigV4 encodes it ----------------------------------------------


def _uri_encode(raw: bytes) -> str:
    return quote(raw, safe=_UNRESERVED)


def _encode_path(path: str) -> str:
    """Each segment decoded, then encoded again; ``/`` and ``%2F`` keep their roles."""
    return "/".join(_uri_encode(unquote_to_bytes(segment)) for segment in path.split("/"))


def _encode_query(query: str) -> str:
    """Each name and value decoded as a form (``+`` is a space), then encoded again.

    The order is kept; empty pairs (``a=1&&b=2``) are dropped; a name without
    ``=`` stays without it (SigV4 treats it as an empty value either way).
    """
    pairs = []
    for pair in query.split("&"):
        if not pair:
            continue
        name, equals, value = pair.partition("=")
        encoded = _uri_encode(unquote_to_bytes(name.replace("+", " ")))
        if equals:
            encoded += "=" + _uri_encode(unquote_to_bytes(value.replace("+", " ")))
        pairs.append(encoded)
    return "&".join(pairs)


def canonical_wire_url(url: str) -> str:
    """The URL with its path and query in SigV4's encoding; same meaning for the server."""
    parts = urlsplit(url)
    return urlunsplit(
        (parts.scheme, parts.netloc, _encode_path(parts.path), _encode_query(parts.query), parts.fragment)
    )


# --- the body as it is sent ---------------------------------------------------


def _is_text(body: Any) -> bool:
    mode = getattr(body, "mode", None)
    return isinstance(body, io.TextIOBase) or (isinstance(mode, str) and "b" not in mode)


def _seekable_binary(body: Any) -> bool:
    if not all(hasattr(body, name) for name in ("read", "seek", "tell")) or _is_text(body):
        return False
    try:
        if hasattr(body, "seekable") and not body.seekable():
            return False
        body.tell()
    except (OSError, ValueError):
        return False
    return True


def _read_all(body: Any) -> bytes:
    """A body that cannot be rewound, read once as urllib3 would send it (str as UTF-8)."""
    if hasattr(body, "read"):
        chunks: Any = iter(lambda: body.read(_CHUNK), "" if _is_text(body) else b"")
    else:
        chunks = iter(body)
    out = bytearray()
    for chunk in chunks:
        out += chunk.encode("utf-8") if isinstance(chunk, str) else bytes(chunk)
    return bytes(out)


def _body_to_sign(request: Any) -> Any:
    """The body botocore hashes: the bytes that will be sent, or the file they are read from.

    ``bytes`` and seekable binary files are signed as they are (botocore hashes
    a file from its current position and puts it back there). Any other body
    is replaced in ``request`` by its bytes, sent with ``Content-Length``
    rather than chunked, so that the bytes hashed are the bytes sent.
    """
    body = request.body
    if body is None or isinstance(body, bytes):
        return body
    if isinstance(body, (bytearray, memoryview)):
        return bytes(body)
    if isinstance(body, str):
        body = body.encode("utf-8")
    elif _seekable_binary(body):
        return body
    else:
        body = _read_all(body)
    request.body = body
    request.headers.pop("Transfer-Encoding", None)
    request.headers["Content-Length"] = str(len(body))
    return body


# --- credentials and region -----------------------------------------------------

_resolved: dict[tuple[str | None, ...], tuple[Any, str]] = {}
_resolved_lock = threading.Lock()


def _resolve() -> tuple[Any, str]:
    """botocore's credentials object (refreshable when the source expires) and the region."""
    key = tuple(os.environ.get(name) for name in _ENV_KEYS)
    with _resolved_lock:
        cached = _resolved.get(key)
        if cached is None:
            botocore = _import_botocore()
            session = botocore.session.Session()
            credentials = session.get_credentials()
            if credentials is None:
                raise SigV4ConfigurationError(
                    f"MLFLOW_TRACKING_AUTH={PROVIDER_NAME} found no AWS credentials. Set "
                    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for "
                    "temporary credentials), or AWS_PROFILE, or run where a role supplies them "
                    "(SageMaker execution role, container or instance credentials)."
                )
            region = (
                os.environ.get("AWS_REGION")
                or os.environ.get("AWS_DEFAULT_REGION")
                or session.get_config_variable("region")
            )
            if not region:
                raise SigV4ConfigurationError(
                    f"MLFLOW_TRACKING_AUTH={PROVIDER_NAME} needs the API Gateway's AWS region: "
                    "set AWS_REGION (or AWS_DEFAULT_REGION, or region in the AWS profile)."
                )
            _resolved.clear()
            cached = _resolved[key] = (credentials, region)
    return cached


# --- refusals in words ----------------------------------------------------------

# API Gateway's text for a signed request the caller's IAM policy does not allow.
_IAM_REFUSAL = re.compile(r"User: (\S+) is not authorized to perform: execute-api:Invoke")


@lru_cache(maxsize=1)
def _permission_model() -> Any:
    from .server.permissions import load_permission_model, load_refusal_wording

    return load_permission_model(), load_refusal_wording()


def _identity(principal: str) -> str:
    """The IAM identity as a person reads it: ``assumed-role/Name`` (no session) or ``user/name``."""
    resource = principal.split(":", 5)[-1]
    if resource.startswith("assumed-role/"):
        return "/".join(resource.split("/")[:2])
    return resource


def _operation_of(model: Any, method: str, url: str) -> Any:
    """The operation of the request, with the gateway's stage (``/prod``) before the API path."""
    segments = unquote(urlsplit(url).path).split("/")
    for start in range(1, min(len(segments), 4)):
        found = model.match(method, "/" + "/".join(segments[start:]))
        if found is not None:
            return found.operation
    return None


def refusal_in_words(method: str, url: str, status: int, body: bytes) -> bytes | None:
    """MLflow's error body in words for API Gateway's IAM refusal, or None to keep the answer."""
    if status != 403:
        return None
    try:
        answer = json.loads(body)
    except ValueError:
        return None
    message = answer.get("message") if isinstance(answer, dict) else None
    found = _IAM_REFUSAL.search(message) if isinstance(message, str) else None
    if found is None:
        return None
    model, wording = _permission_model()
    operation = _operation_of(model, method, url)
    if operation is None:
        return None
    sentence = wording.sentence(
        operation,
        [f"those of the IAM identity {_identity(found.group(1))}"],
        model.roles_that_may(operation),
    )
    return json.dumps({"error_code": "PERMISSION_DENIED", "message": sentence}).encode()


def _explain_refusal(response: Any, **_: Any) -> Any:
    """``requests`` response hook: API Gateway's IAM refusal becomes one in words."""
    request = response.request
    explained = refusal_in_words(request.method, request.url, response.status_code, response.content)
    if explained is not None:
        response._content = explained
        response.headers["Content-Type"] = "application/json"
        response.headers["Content-Length"] = str(len(explained))
    return response


# --- requests auth and the MLflow provider ----------------------------------------


class SigV4RequestsAuth(AuthBase):
    """``requests`` auth that signs a prepared request for ``execute-api`` with botocore."""

    def __init__(self, credentials: Any, region: str, service: str = SERVICE_NAME) -> None:
        self._credentials = credentials
        self.region = region
        self.service = service

    def __call__(self, request: Any) -> Any:
        botocore = _import_botocore()
        frozen = self._credentials.get_frozen_credentials()
        if not frozen.access_key or not frozen.secret_key:
            raise SigV4ConfigurationError(
                f"MLFLOW_TRACKING_AUTH={PROVIDER_NAME}: the AWS credentials have no access key "
                "or secret key."
            )

        request.url = canonical_wire_url(request.url)
        body = _body_to_sign(request)

        # Only what is signed goes into botocore's request: Host when the
        # caller set one (otherwise botocore derives it from the URL the way
        # urllib3 writes it: no port when it is the scheme's default), and
        # botocore adds X-Amz-Date and X-Amz-Security-Token.
        headers = {}
        if "Host" in request.headers:
            headers["Host"] = request.headers["Host"]
        aws_request = botocore.awsrequest.AWSRequest(
            method=request.method, url=request.url, headers=headers, data=body
        )
        # The body is hashed over https too (API Gateway does not accept
        # UNSIGNED-PAYLOAD for execute-api).
        aws_request.context["payload_signing_enabled"] = True
        botocore.auth.SigV4Auth(frozen, self.service, self.region).add_auth(aws_request)

        for name in ("Authorization", "X-Amz-Date", "X-Amz-Security-Token"):
            request.headers.pop(name, None)
            if name in aws_request.headers:
                request.headers[name] = aws_request.headers[name]
        request.register_hook("response", _explain_refusal)
        return request


try:
    from mlflow.tracking.request_auth.abstract_request_auth_provider import (
        RequestAuthProvider as _ProviderBase,
    )
except ImportError:  # MLflow is what loads this module; without it, keep it importable
    _ProviderBase = object  # type: ignore[assignment,misc]


class SigV4RequestAuthProvider(_ProviderBase):  # type: ignore[misc,valid-type]
    """MLflow request auth provider ``sagemaker-studio-mlflow-sigv4``.

    Registered under the ``mlflow.request_auth_provider`` entry point group and
    picked by ``MLFLOW_TRACKING_AUTH=sagemaker-studio-mlflow-sigv4``.
    """

    def get_name(self) -> str:
        return PROVIDER_NAME

    def get_auth(self) -> SigV4RequestsAuth:
        credentials, region = _resolve()
        return SigV4RequestsAuth(credentials, region)


# --- MLflow's own signer set as well ------------------------------------------------


class StockSignerWarning(UserWarning):
    """MLFLOW_TRACKING_AWS_SIGV4 and this provider are both set; MLflow uses its own signer."""


STOCK_SIGNER_VARIABLE = "MLFLOW_TRACKING_AWS_SIGV4"

_stock_signer_warned = False
_stock_signer_lock = threading.Lock()


def _stock_signer_enabled() -> bool:
    """``MLFLOW_TRACKING_AWS_SIGV4`` as MLflow reads it (``true`` or ``1``, any case)."""
    return os.environ.get(STOCK_SIGNER_VARIABLE, "").lower() in ("true", "1")


def warn_if_stock_signer_wins() -> None:
    """Warns once per process when MLflow's own signer is set next to this provider.

    MLflow checks ``MLFLOW_TRACKING_AWS_SIGV4`` before ``MLFLOW_TRACKING_AUTH``
    (``mlflow.utils.rest_utils.http_request``), so its own signer signs and
    the gateway refuses some requests (queries with spaces or repeated keys,
    escaped paths) and artifact uploads fail before they are sent.
    """
    global _stock_signer_warned
    if _stock_signer_warned or not _stock_signer_enabled():
        return
    if os.environ.get("MLFLOW_TRACKING_AUTH") != PROVIDER_NAME:
        return
    with _stock_signer_lock:
        if _stock_signer_warned:
            return
        _stock_signer_warned = True
    warnings.warn(
        f"{STOCK_SIGNER_VARIABLE} is set, so MLflow signs with its own signer and not with "
        f"MLFLOW_TRACKING_AUTH={PROVIDER_NAME}; the gateway refuses some of its requests "
        "(queries with spaces or repeated keys) and artifact uploads fail. "
        f"Unset {STOCK_SIGNER_VARIABLE} to sign with MLFLOW_TRACKING_AUTH={PROVIDER_NAME}.",
        StockSignerWarning,
        stacklevel=2,
    )


try:
    from mlflow.tracking.request_header.abstract_request_header_provider import (
        RequestHeaderProvider as _HeaderProviderBase,
    )
except ImportError:  # as above: importable without MLflow
    _HeaderProviderBase = object  # type: ignore[assignment,misc]


class StockSignerCheck(_HeaderProviderBase):  # type: ignore[misc,valid-type]
    """MLflow request header provider that adds no header: it warns when both signers are set.

    Registered under the ``mlflow.request_header_provider`` entry point group,
    which MLflow consults for every request whichever signer it uses.
    """

    def in_context(self) -> bool:
        warn_if_stock_signer_wins()
        return False

    def request_headers(self) -> dict[str, str]:
        return {}
