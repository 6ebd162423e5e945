"""Bad tokens, bad signatures and path tricks through the running gateway.

Each case is refused with the status API Gateway would give, carries its `x-amzn-ErrorType`,
and leaves MLflow exactly as it was. Forged tokens are signed with cognito-local's own key,
which is public (it ships in the npm package): the local stack is for development only.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import http.client
import json
import re
import subprocess
import time
import uuid
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

import botocore.auth
import jwt
import mlflow
import pytest
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from .conftest import ARTIFACTS, REPO, claims, mlflow_state, sign_in

COGNITO_LOCAL_KEY = REPO / "infra" / "node_modules" / "cognito-local" / "lib" / "keys" / "cognitoLocal.private.json"

# A write readers may not do; the experiment would be gone if it got through.
DELETE_PATH = "/api/2.0/mlflow/experiments/delete"
AJAX_DELETE_PATH = "/ajax-api/2.0/mlflow/experiments/delete"


@pytest.fixture(scope="module")
def target(direct_client) -> dict:
    """A throwaway experiment whose deletion would show that a request got through."""
    experiment_id = direct_client.create_experiment(f"bad-input-{uuid.uuid4().hex[:8]}")
    return {"experiment_id": experiment_id, "body": json.dumps({"experiment_id": experiment_id}).encode()}


def raw_request(stack: dict, method: str, path: str, headers: dict, body: bytes = b"") -> tuple[int, dict, str]:
    """Sends the path byte for byte: no client-side normalisation of dots, slashes or case."""
    url = urlsplit(stack["gateway"])
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        headers = {"Host": url.netloc, **headers}
        if body or method in {"POST", "PUT", "PATCH", "DELETE"}:
            headers.setdefault("Content-Length", str(len(body)))
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode()
    finally:
        connection.close()


# --- tokens ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def admin_token(stack, cognito) -> str:
    user = stack["users"]["admins"]
    return sign_in(cognito, stack, user["username"], user["password"])["AccessToken"]


@pytest.fixture(scope="module")
def forge(stack, admin_token):
    """Signs a copy of a real admin access token with changed claims, header or key."""
    jwk = json.loads(COGNITO_LOCAL_KEY.read_text())["jwk"]
    pool_key = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(jwk))
    real_header = jwt.get_unverified_header(admin_token)

    def make(changes: dict | None = None, *, header: dict | None = None, key=None, algorithm="RS256") -> str:
        payload = {**claims(admin_token), **(changes or {})}
        payload = {k: v for k, v in payload.items() if v is not None}
        return jwt.encode(
            payload, key or pool_key, algorithm=algorithm, headers={"kid": real_header["kid"], **(header or {})}
        )

    return make


def b64(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def token_cases(admin_token: str, forge) -> dict:
    now = int(time.time())
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    header, payload, signature = admin_token.split(".")
    pool_public_key = jwt.algorithms.RSAAlgorithm.from_jwk(
        json.dumps(json.loads(COGNITO_LOCAL_KEY.read_text())["jwk"])
    ).public_key()
    public_pem = pool_public_key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    # The classic confusion attack: HS256 keyed with the pool's public key.
    hmac_header = b64({"alg": "HS256", "typ": "JWT", "kid": jwt.get_unverified_header(admin_token)["kid"]})
    hmac_signature = (
        base64.urlsafe_b64encode(hmac.new(public_pem, f"{hmac_header}.{payload}".encode(), hashlib.sha256).digest())
        .rstrip(b"=")
        .decode()
    )
    return {
        "missing": None,
        "malformed": "Bearer not-a-jwt",
        "expired": "Bearer " + forge({"exp": now - 60, "iat": now - 3600}),
        "not yet valid": "Bearer " + forge({"nbf": now + 600}),
        "wrong issuer": "Bearer " + forge({"iss": "http://127.0.0.1:1/local_other"}),
        "wrong client": "Bearer " + forge({"client_id": "another-client"}),
        "wrong token use": "Bearer " + forge({"token_use": "id"}),
        "alg none": f"Bearer {b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        "HMAC-signed with the public key": f"Bearer {hmac_header}.{payload}.{hmac_signature}",
        "unknown kid": "Bearer " + forge(header={"kid": "not-a-pool-key"}, key=other_key),
        "signed by another key": "Bearer " + forge(key=other_key),
        "tampered payload": f"Bearer {header}.{b64({**claims(admin_token), 'cognito:groups': ['admins', 'x']})}.{signature}",
        "no group": "Bearer " + forge({"cognito:groups": None}),
        "unknown group": "Bearer " + forge({"cognito:groups": ["data-scientists"]}),
    }


EXPECTED_TOKEN_REFUSALS = {
    "no group": (403, "AccessDeniedException"),
    "unknown group": (403, "AccessDeniedException"),
}


def test_bad_tokens_are_refused_and_change_nothing(stack, admin_token, forge, target):
    # The real token works, so each refusal below is down to what was changed.
    status, _, _ = raw_request(
        stack, "GET", "/ajax-api/2.0/mlflow/experiments/get?experiment_id=0", {"Authorization": f"Bearer {admin_token}"}
    )
    assert status == 200
    before = mlflow_state()
    outcomes = {}
    for case, authorization in token_cases(admin_token, forge).items():
        headers = {"Content-Type": "application/json"}
        if authorization is not None:
            headers["Authorization"] = authorization
        status, response_headers, body = raw_request(stack, "POST", AJAX_DELETE_PATH, headers, target["body"])
        outcomes[case] = (status, response_headers.get("x-amzn-errortype"))
        assert authorization is None or authorization.split(" ", 1)[1] not in body
    expected = {
        case: EXPECTED_TOKEN_REFUSALS.get(case, (401, "UnauthorizedException")) for case in outcomes
    }
    assert outcomes == expected
    assert mlflow_state() == before


# --- SigV4 ----------------------------------------------------------------------------


def signed_headers(
    stack: dict,
    method: str,
    path: str,
    body: bytes,
    *,
    access_key: str | None = None,
    secret: str | None = None,
    region: str | None = None,
    service: str = "execute-api",
    at: datetime.datetime | None = None,
) -> dict:
    """Headers of a request signed by botocore as the readers' role, with any part overridden."""
    user = stack["users"]["readers"]
    credentials = Credentials(access_key or user["accessKeyId"], secret or user["secretAccessKey"])
    request = AWSRequest(method=method, url=stack["gateway"] + path, data=body, headers={})
    request.context["payload_signing_enabled"] = True
    with mock.patch.object(
        botocore.auth, "get_current_datetime", return_value=at or datetime.datetime.now(datetime.timezone.utc)
    ):
        botocore.auth.SigV4Auth(credentials, service, region or stack["region"]).add_auth(request)
    return dict(request.headers.items())


def test_bad_signatures_are_refused_and_change_nothing(stack, direct_client, target):
    body = target["body"]
    read_path = f"/api/2.0/mlflow/experiments/get?experiment_id={target['experiment_id']}"
    # A good signature of the readers' role reads, so each refusal below is down to what was changed.
    status, _, _ = raw_request(stack, "GET", read_path, signed_headers(stack, "GET", read_path, b""))
    assert status == 200

    now = datetime.datetime.now(datetime.timezone.utc)
    admin = stack["users"]["admins"]

    def case(method="POST", path=DELETE_PATH, send_body=body, sign_body=body, sign_path=None, extra=None, **kwargs):
        headers = signed_headers(stack, method, sign_path or path, sign_body, **kwargs)
        headers.update(extra or {})
        headers["Content-Type"] = "application/json"
        status, response_headers, _ = raw_request(stack, method, path, headers, send_body)
        return status, response_headers.get("x-amzn-errortype")

    before = mlflow_state()
    outcomes = {
        "missing": raw_request(stack, "POST", DELETE_PATH, {"Content-Type": "application/json"}, body)[0:2],
        "wrong key": case(access_key="AKIANOTAREALKEY00000"),
        "wrong secret": case(secret="not-the-secret"),
        "wrong region": case(region="eu-west-1"),
        "wrong service": case(service="s3"),
        "stale date": case(at=now - datetime.timedelta(minutes=6)),
        "future date": case(at=now + datetime.timedelta(minutes=6)),
        "body changed": case(sign_body=b'{"experiment_id": "0"}'),
        "path changed": case(sign_path="/api/2.0/mlflow/experiments/search"),
        "signed header changed": case(extra={"X-Amz-Date": (now - datetime.timedelta(seconds=1)).strftime("%Y%m%dT%H%M%SZ")}),
        # The admins' key with the readers' secret: the key decides the role, the secret must match it.
        "another role's key": case(access_key=admin["accessKeyId"]),
    }
    outcomes["missing"] = (outcomes["missing"][0], outcomes["missing"][1].get("x-amzn-errortype"))
    assert {name: status for name, (status, _) in outcomes.items()} == {name: 403 for name in outcomes}
    assert all(error_type for _, error_type in outcomes.values()), outcomes
    assert outcomes["missing"][1] == "MissingAuthenticationTokenException"
    assert outcomes["wrong key"][1] == "UnrecognizedClientException"
    # A good signature of the readers' role is refused too: readers may not delete.
    assert case() == (403, "AccessDeniedException")
    assert mlflow_state() == before
    assert direct_client.get_experiment(target["experiment_id"]).lifecycle_stage == "active"


# --- path tricks ----------------------------------------------------------------------

PATH_TRICKS = {
    "dot segments": "/api/2.0/mlflow/experiments/get/../delete",
    "encoded dot segments": "/api/2.0/mlflow/experiments/get/%2e%2e/delete",
    "double slash": "/api/2.0/mlflow//experiments/delete",
    "encoded slash": "/api/2.0/mlflow/experiments%2Fdelete",
    "trailing slash": "/api/2.0/mlflow/experiments/delete/",
    "case change": "/api/2.0/mlflow/Experiments/Delete",
    "semicolon parameter": "/api/2.0/mlflow/experiments/delete;x=1",
    "semicolon on a read": "/api/2.0/mlflow/experiments/search;/../delete",
    "backslash": "/api/2.0/mlflow/experiments\\delete",
}


@pytest.mark.parametrize("trick", PATH_TRICKS)
def test_path_tricks_never_reach_a_write_the_role_may_not_do(stack, target, trick):
    path = PATH_TRICKS[trick]
    before = mlflow_state()
    # Signed correctly for exactly the path sent, by the readers' role.
    headers = {**signed_headers(stack, "POST", path, target["body"]), "Content-Type": "application/json"}
    status, response_headers, _ = raw_request(stack, "POST", path, headers, target["body"])
    assert status in {400, 403, 404}
    assert response_headers.get("x-amzn-errortype")
    assert mlflow_state() == before


@pytest.mark.parametrize(
    "header", ["X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"]
)
def test_method_override_headers_are_refused(stack, target, header):
    path = "/api/2.0/mlflow/experiments/search"
    body = b"{}"
    before = mlflow_state()
    headers = {**signed_headers(stack, "POST", path, body), "Content-Type": "application/json", header: "DELETE"}
    status, response_headers, _ = raw_request(stack, "POST", path, headers, body)
    assert (status, response_headers.get("x-amzn-errortype")) == (400, "BadRequestException")
    assert mlflow_state() == before


def test_head_is_not_a_get(stack):
    # HEAD lands on the API root's greedy resource (ANY), whose IAM policy allows GET only.
    path = "/api/2.0/mlflow/experiments/get?experiment_id=0"
    status, response_headers, _ = raw_request(stack, "HEAD", path, signed_headers(stack, "HEAD", path, b""))
    assert status == 403
    assert response_headers.get("x-amzn-errortype") == "AccessDeniedException"


# --- API Gateway's payload limit ---------------------------------------------------------

MAX_PAYLOAD_BYTES = 10 * 1024 * 1024


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_bodies_over_10_mb_get_api_gateways_413_in_mlflows_format(stack, signed):
    path = "/api/2.0/mlflow/runs/log-batch"
    body = b" " * (MAX_PAYLOAD_BYTES + 1)
    headers = signed_headers(stack, "POST", path, body) if signed else {}
    headers["Content-Type"] = "application/json"
    before = mlflow_state()
    status, response_headers, text = raw_request(stack, "POST", path, headers, body)
    assert status == 413, text
    assert response_headers.get("x-amzn-errortype") == "BadRequestException"
    assert response_headers.get("content-type", "").startswith("application/json")
    answer = json.loads(text)
    assert answer == {
        "error_code": "INVALID_PARAMETER_VALUE",
        "message": "The request is larger than the gateway\u2019s 10 MB; large artifacts go to S3 directly.",
    }
    assert mlflow_state() == before


# --- what real HTTP clients send -------------------------------------------------------


def test_curl_uploads_over_1_mb_with_expect_100_continue(
    stack, admin_token, direct_client, tmp_path
):
    """curl sends `Expect: 100-continue` with any upload over 1 MB and waits for the 100."""
    experiment_id = direct_client.create_experiment(f"expect-{uuid.uuid4().hex[:8]}")
    run = direct_client.create_run(experiment_id)
    blob = tmp_path / "model.bin"
    blob.write_bytes(bytes(range(256)) * (2 * 1024 * 1024 // 256))
    path = f"/ajax-api/2.0/mlflow-artifacts/artifacts/{experiment_id}/{run.info.run_id}/artifacts/model.bin"
    done = subprocess.run(
        ["curl", "-sS", "-v", "-o", "/dev/null", "-w", "%{http_code}", "-T", str(blob)]
        + ["-H", f"Authorization: Bearer {admin_token}", stack["gateway"] + path],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "> Expect: 100-continue" in done.stderr
    assert "< HTTP/1.1 100 Continue" in done.stderr
    assert done.stdout == "200", done.stderr
    stored = ARTIFACTS / experiment_id / run.info.run_id / "artifacts" / "model.bin"
    assert stored.read_bytes() == blob.read_bytes()


def test_an_empty_json_body_reaches_mlflow_empty(stack, admin_token, direct_client):
    """An empty `.json` artifact is uploaded as an empty body with a JSON content type."""
    experiment_id = direct_client.create_experiment(f"empty-{uuid.uuid4().hex[:8]}")
    run_id = direct_client.create_run(experiment_id).info.run_id
    path = f"/ajax-api/2.0/mlflow-artifacts/artifacts/{experiment_id}/{run_id}/artifacts/empty.json"
    headers = {"Authorization": f"Bearer {admin_token}", "Content-Type": "application/json"}
    status, _, text = raw_request(stack, "PUT", path, headers, b"")
    assert status == 200, text
    stored = ARTIFACTS / experiment_id / run_id / "artifacts" / "empty.json"
    assert stored.read_bytes() == b""


def test_stray_hop_by_hop_headers_end_at_the_gateway(stack, admin_token):
    status, _, text = raw_request(
        stack,
        "GET",
        "/ajax-api/2.0/mlflow/experiments/search?max_results=1",
        {
            "Authorization": f"Bearer {admin_token}",
            "Keep-Alive": "timeout=5, max=100",
            "Upgrade": "websocket",
        },
    )
    assert status == 200, text
    assert "experiments" in json.loads(text)


@pytest.mark.parametrize(
    "query", ["filter=%zz", "filter=%", "filter=name%2", "max%zzresults=1"]
)
@pytest.mark.parametrize("signed", [False, True], ids=["token", "signed"])
def test_malformed_query_escapes_get_400_in_mlflows_format(
    stack, admin_token, query, signed
):
    path = f"/{'api' if signed else 'ajax-api'}/2.0/mlflow/experiments/search?{query}"
    headers = (
        signed_headers(stack, "GET", path, b"")
        if signed
        else {"Authorization": f"Bearer {admin_token}"}
    )
    status, response_headers, text = raw_request(stack, "GET", path, headers)
    assert status == 400, text
    assert response_headers.get("x-amzn-errortype") == "BadRequestException"
    answer = json.loads(text)
    assert answer["error_code"] == "INVALID_PARAMETER_VALUE"
    assert "malformed escape" in answer["message"]


# --- what one request may cost -----------------------------------------------------------

MAX_COSTLY_BODY_BYTES = 64 * 1024
MLFLOW_UI_BUNDLE = (
    Path(mlflow.__file__).parent / "server" / "js" / "build" / "static" / "js"
)


def ui_graphql_documents() -> dict[str, str]:
    """Every GraphQL query the installed MLflow UI sends, by name, as its bundle holds them."""
    documents = {}
    for script in MLFLOW_UI_BUNDLE.glob("*.js"):
        text = script.read_text(errors="replace")
        for found in re.finditer(r"(?:query|mutation) ([A-Z]\w*)\(", text):
            start = text.rfind("`", 0, found.start())
            end = text.find("`", found.end())
            if start >= 0 and end > 0 and "{" in text[start:end]:
                documents[found.group(1)] = text[start + 1 : end].replace("\\n", "\n")
    return documents


def test_the_mlflow_uis_graphql_queries_pass(stack, admin_token, direct_client):
    documents = ui_graphql_documents()
    assert {"GetRun", "SearchRuns", "MlflowGetExperimentQuery"} <= documents.keys()
    assert max(len(document) for document in documents.values()) > 1000
    experiment_id = direct_client.create_experiment(f"graphql-{uuid.uuid4().hex[:8]}")
    run_id = direct_client.create_run(experiment_id).info.run_id
    variables = {
        "data": {"runId": run_id, "experimentIds": [experiment_id]},
        "input": {"experimentId": experiment_id},
    }
    headers = {
        "Authorization": f"Bearer {admin_token}",
        "Content-Type": "application/json",
    }
    for name, document in documents.items():
        body = json.dumps(
            {"query": document, "operationName": name, "variables": variables}
        ).encode()
        status, _, text = raw_request(stack, "POST", "/graphql", headers, body)
        assert (name, status) == (name, 200), text


def test_the_sdks_largest_searches_pass(stack, as_role, direct_client):
    experiment_id = direct_client.create_experiment(f"largest-{uuid.uuid4().hex[:8]}")
    run_ids = [direct_client.create_run(experiment_id).info.run_id for _ in range(3)]
    as_role("readers")
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=stack["gateway"])
    # MLflow's own most per page, and a filter naming 1,500 run ids (~55 KB).
    assert len(client.search_runs([experiment_id], max_results=50000)) == 3
    named = run_ids + [uuid.uuid4().hex for _ in range(1497)]
    run_filter = "attributes.run_id IN ({})".format(
        ", ".join(f"'{run_id}'" for run_id in named)
    )
    assert 50_000 < len(run_filter) < MAX_COSTLY_BODY_BYTES
    assert len(client.search_runs([experiment_id], filter_string=run_filter)) == 3
    # The pandas search's default: 100,000 runs, in pages.
    assert len(mlflow.search_runs([experiment_id])) == 3


@pytest.mark.parametrize(
    "path, field",
    [
        ("/graphql", "query"),
        ("/ajax-api/2.0/mlflow/runs/search", "filter"),
        ("/api/2.0/mlflow/runs/search", "filter"),
    ],
)
def test_costly_bodies_are_refused_quickly_in_mlflows_format(
    stack, admin_token, path, field
):
    body = json.dumps(
        {field: "params.a = '" + "x" * (1024 * 1024) + "'", "experiment_ids": ["0"]}
    ).encode()
    if path.startswith("/api/"):
        headers = signed_headers(stack, "POST", path, body)
    else:
        headers = {"Authorization": f"Bearer {admin_token}"}
    headers["Content-Type"] = "application/json"
    started = time.monotonic()
    status, response_headers, text = raw_request(stack, "POST", path, headers, body)
    assert time.monotonic() - started < 2
    assert status == 400, text
    assert response_headers.get("x-amzn-errortype") == "BadRequestException"
    answer = json.loads(text)
    assert answer["error_code"] == "INVALID_PARAMETER_VALUE"
    assert "64 KB" in answer["message"]
