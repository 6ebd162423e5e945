"""The SDK's refusals in words: API Gateway's IAM refusal becomes the permission model's sentence."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sagemaker_studio_mlflow.sigv4 import PROVIDER_NAME, refusal_in_words

ROLE = "arn:aws:sts::123456789012:assumed-role/StudioReaders/SageMaker"
IAM_REFUSAL = {
    "error_code": "PERMISSION_DENIED",
    "message": f"User: {ROLE} is not authorized to perform: execute-api:Invoke on resource: "
    "arn:aws:execute-api:eu-west-1:123456789012:abc/prod/POST/api/2.0/mlflow/experiments/create",
}
SENTENCE = (
    "You may not create an experiment (experiments.create). "
    "Your roles: those of the IAM identity assumed-role/StudioReaders. "
    "Roles that may: admins. Ask your MLflow administrator to add you to one of them."
)


def explained(method: str, url: str, body: object, status: int = 403) -> dict[str, str] | None:
    raw = refusal_in_words(method, url, status, json.dumps(body).encode())
    return None if raw is None else json.loads(raw)


def test_api_gateways_iam_refusal_is_said_in_words_behind_the_stage() -> None:
    url = "https://abc.execute-api.eu-west-1.amazonaws.com/prod/api/2.0/mlflow/experiments/create"
    answer = explained("POST", url, IAM_REFUSAL)
    assert answer == {"error_code": "PERMISSION_DENIED", "message": SENTENCE}


def test_the_local_gateways_refusal_of_an_iam_user_names_the_user() -> None:
    body = {**IAM_REFUSAL, "message": IAM_REFUSAL["message"].replace(ROLE, "arn:aws:iam::000000000000:user/reader")}
    answer = explained("POST", "http://127.0.0.1:5580/api/2.0/mlflow/experiments/create", body)
    assert answer is not None
    assert "Your roles: those of the IAM identity user/reader." in answer["message"]


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (403, {"error_code": "PERMISSION_DENIED", "message": "You may not delete a run (runs.delete). ..."}),
        (403, {"error_code": "PERMISSION_DENIED", "message": "The security token included in the request is invalid."}),
        # A bad signature: the gateway's message names the fix for MLflow's stock signer; kept as is.
        (
            403,
            {
                "error_code": "PERMISSION_DENIED",
                "message": "The gateway refused the request's AWS signature ... unset MLFLOW_TRACKING_AWS_SIGV4 and "
                f"set MLFLOW_TRACKING_AUTH={PROVIDER_NAME} ...",
                "gateway_message": "The request signature we calculated does not match the signature you provided.",
            },
        ),
        (404, IAM_REFUSAL),
        (403, "not json"),
    ],
)
def test_other_answers_pass_as_they_are(status: int, body: object) -> None:
    assert explained("POST", "http://gw/prod/api/2.0/mlflow/experiments/create", body, status) is None


def test_a_path_that_is_no_operation_keeps_api_gateways_text() -> None:
    assert explained("POST", "http://gw/prod/api/2.0/mlflow/no/such/thing", IAM_REFUSAL) is None


@pytest.fixture
def refusing_gateway() -> Iterator[str]:
    """A loopback server that refuses every request as API Gateway refuses an IAM caller."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            payload = json.dumps(IAM_REFUSAL).encode()
            self.send_response(403)
            self.send_header("Content-Type", "application/json")
            self.send_header("x-amzn-ErrorType", "AccessDeniedException")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/prod"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_mlflows_exception_is_one_line_in_words(refusing_gateway: str, monkeypatch: pytest.MonkeyPatch) -> None:
    mlflow = pytest.importorskip("mlflow")
    from mlflow.exceptions import RestException

    monkeypatch.setenv("MLFLOW_TRACKING_AUTH", PROVIDER_NAME)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    client = mlflow.MlflowClient(tracking_uri=refusing_gateway)
    with pytest.raises(RestException) as refused:
        client.create_experiment("refused")
    assert str(refused.value) == f"PERMISSION_DENIED: {SENTENCE}"
    assert "\n" not in str(refused.value)
