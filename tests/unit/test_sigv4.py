"""The SigV4 request auth provider, checked against a verifier written from AWS's spec.

Requests go to a server on 127.0.0.1 (the ``gateway`` fixture) that reads them
as they arrived and recomputes the signature with ``sigv4_verifier``, which
shares no code with botocore or with the provider.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import io
import sys
import warnings
from pathlib import Path
from unittest import mock
from urllib.parse import unquote, urlsplit

import pytest
import requests

from sagemaker_studio_mlflow import sigv4
from sagemaker_studio_mlflow.sigv4 import (
    PROVIDER_NAME,
    SigV4ConfigurationError,
    SigV4RequestAuthProvider,
    SigV4RequestsAuth,
    canonical_wire_url,
)

from .conftest import (
    ACCESS_KEY,
    REGION,
    SECRET_KEY,
    SESSION_TOKEN,
    TEMP_ACCESS_KEY,
    TEMP_SECRET_KEY,
    Gateway,
)
from .sigv4_verifier import SignatureMismatch, canonical_query, query_pairs, verify

SEARCH = "/api/2.0/mlflow/registered-models/search"
ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts/0/0123abcd/artifacts"

QUERIES = {
    "spaces and quotes": [("filter", "name = 'my model'"), ("max_results", "10")],
    "plus, equals, ampersand": [("filter", "tags.`a+b` = 'c&d=e'"), ("page_token", "YWJj+/==")],
    "repeated keys": [("run_ids", "r2"), ("run_ids", "r1"), ("run_ids", "r 3"), ("metric_key", "loss")],
    "double quotes, unicode, reserved": [("q", 'naïve "x" (y) * ! ~ / ? # %'), ("empty", "")],
}


def auth() -> SigV4RequestsAuth:
    return SigV4RequestAuthProvider().get_auth()


def decoded_query(target: str) -> list[tuple[str, str]]:
    """The query as the server reads it."""
    return [(n.decode(), v.decode()) for n, v in query_pairs(urlsplit(target).query)]


# --- the verifier itself -----------------------------------------------------------


# Two requests of AWS's published SigV4 test suite ("get-vanilla" and
# "get-vanilla-query-order-key-case") with their published signatures.
AWS_SUITE_SECRETS = {"AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}


@pytest.mark.parametrize(
    ("target", "signature"),
    [
        ("/", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        ("/?Param2=value2&Param1=value1", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
    ],
)
def test_the_verifier_accepts_aws_test_suite_requests(target: str, signature: str) -> None:
    headers = {
        "host": ["example.amazonaws.com"],
        "x-amz-date": ["20150830T123600Z"],
        "authorization": [
            ("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            f"SignedHeaders=host;x-amz-date, Signature={signature}")
        ],
    }
    kwargs = {"headers": headers, "body": b"", "secrets": AWS_SUITE_SECRETS, "region": "us-east-1", "service": "service"}
    verify(method="GET", target=target, **kwargs)
    with pytest.raises(SignatureMismatch):
        verify(method="GET", target=target + ("&" if "?" in target else "?") + "x=1", **kwargs)
    with pytest.raises(SignatureMismatch):
        verify(method="POST", target=target, **kwargs)


def test_the_verifier_reads_spaces_and_plus_as_a_server_does() -> None:
    assert canonical_query("b=x+y&a=%2B&b=x%20a") == "a=%2B&b=x%20a&b=x%20y"


# --- requests signed by the provider -------------------------------------------------


@pytest.mark.parametrize("params", QUERIES.values(), ids=QUERIES.keys())
def test_get_with_query_is_accepted_and_means_the_same(gateway: Gateway, params) -> None:
    response = requests.get(gateway.url + SEARCH, params=params, auth=auth(), timeout=10)

    assert response.status_code == 200, gateway.last.refusal
    received = gateway.last
    assert received.verified.signed_headers == ["host", "x-amz-date"]
    assert received.headers["host"] == [urlsplit(gateway.url).netloc]
    # The server reads the same names and values, in the same order.
    assert decoded_query(received.target) == params


def test_wire_path_and_query_are_already_in_sigv4_encoding(gateway: Gateway) -> None:
    """So a verifier that takes the raw query, or reads + otherwise, computes the same."""
    path = ARTIFACTS + "/it's (v2)+final.txt"
    requests.get(gateway.url + path, params=QUERIES["plus, equals, ampersand"], auth=auth(), timeout=10)

    target = gateway.last.target
    raw_path, _, raw_query = target.partition("?")
    assert "+" not in target and "'" not in target and "(" not in target
    assert "&".join(sorted(raw_query.split("&"))) == canonical_query(raw_query)
    assert unquote(raw_path) == path
    assert gateway.last.verified is not None


def test_canonical_wire_url_keeps_the_meaning() -> None:
    url = "https://h.example:8443/a%20b/c(d)+e/%2F/x~y?z&q=a+b&p=%2b&&r=%7e#frag"
    assert canonical_wire_url(url) == "https://h.example:8443/a%20b/c%28d%29%2Be/%2F/x~y?z&q=a%20b&p=%2B&r=~#frag"
    assert canonical_wire_url("http://h/") == "http://h/"


def test_post_json(gateway: Gateway) -> None:
    body = {"name": "model 'a'", "tags": [{"key": "k", "value": "v+w é"}]}
    response = requests.post(gateway.url + "/api/2.0/mlflow/registered-models/create", json=body, auth=auth(), timeout=10)

    assert response.status_code == 200, gateway.last.refusal
    assert requests.compat.json.loads(gateway.last.body) == body


def test_put_from_a_file_streams_the_exact_bytes(gateway: Gateway, tmp_path) -> None:
    content = bytes(range(256)) * 4096 + b"tail"
    path = tmp_path / "model.bin"
    path.write_bytes(content)

    with open(path, "rb") as file:
        file.seek(1000)  # a body is sent from where the file stands
        prepared = requests.Request("PUT", gateway.url + ARTIFACTS + "/my model.bin", data=file, auth=auth()).prepare()
        assert prepared.body is file, "a seekable file is not read into memory"
        assert file.tell() == 1000, "hashing put the file back where it was"
        with requests.Session() as session:
            response = session.send(prepared, timeout=10)

    assert response.status_code == 200, gateway.last.refusal
    assert gateway.last.body == content[1000:]
    assert gateway.last.headers["content-length"] == [str(len(content) - 1000)]


def test_put_from_a_generator_is_buffered_with_a_length(gateway: Gateway) -> None:
    chunks = (part for part in [b"first,", b"", b"second"])
    response = requests.put(gateway.url + ARTIFACTS + "/gen.txt", data=chunks, auth=auth(), timeout=10)

    assert response.status_code == 200, gateway.last.refusal
    assert gateway.last.body == b"first,second"
    assert "transfer-encoding" not in gateway.last.headers
    assert gateway.last.headers["content-length"] == ["12"]


@pytest.mark.parametrize(
    "data",
    ["naïve text", io.StringIO("naïve text"), io.BytesIO(b"bytes io"), bytearray(b"array"), b""],
    ids=["str", "text file", "bytes file", "bytearray", "empty"],
)
def test_other_bodies(gateway: Gateway, data) -> None:
    expected = {str: lambda d: d.encode(), io.StringIO: lambda d: d.getvalue().encode(),
                io.BytesIO: lambda d: d.getvalue(), bytearray: bytes, bytes: bytes}[type(data)](data)
    response = requests.put(gateway.url + ARTIFACTS + "/x", data=data, auth=auth(), timeout=10)

    assert response.status_code == 200, gateway.last.refusal
    assert gateway.last.body == expected


def test_multipart_upload(gateway: Gateway) -> None:
    files = {"file": ("a b.txt", b"hello", "text/plain")}
    response = requests.post(gateway.url + "/api/2.0/mlflow/upload", files=files, auth=auth(), timeout=10)
    assert response.status_code == 200, gateway.last.refusal


def test_temporary_credentials_sign_the_session_token(gateway: Gateway, monkeypatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", TEMP_ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", TEMP_SECRET_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    response = requests.get(gateway.url + SEARCH, params={"filter": "a b"}, auth=auth(), timeout=10)

    assert response.status_code == 200, gateway.last.refusal
    assert gateway.last.verified.signed_headers == ["host", "x-amz-date", "x-amz-security-token"]
    assert gateway.last.headers["x-amz-security-token"] == [SESSION_TOKEN]


def test_expiring_credentials_are_refreshed_for_each_request(gateway: Gateway) -> None:
    from botocore.credentials import RefreshableCredentials

    keys = [(ACCESS_KEY, SECRET_KEY, None), (TEMP_ACCESS_KEY, TEMP_SECRET_KEY, SESSION_TOKEN)]
    calls = []

    def refresh() -> dict:
        access, secret, token = keys[len(calls) % 2]
        calls.append(access)
        # Expiring within botocore's refresh window: each use refreshes.
        expiry = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=5)
        return {"access_key": access, "secret_key": secret, "token": token, "expiry_time": expiry.isoformat()}

    credentials = RefreshableCredentials.create_from_metadata(refresh(), refresh, "unit-test")
    signer = SigV4RequestsAuth(credentials, REGION)
    for _ in range(3):
        assert requests.get(gateway.url + SEARCH, auth=signer, timeout=10).status_code == 200

    assert [r.verified.access_key for r in gateway.received] == [TEMP_ACCESS_KEY, ACCESS_KEY, TEMP_ACCESS_KEY]
    assert "x-amz-security-token" not in gateway.received[1].headers


def test_signing_again_replaces_every_auth_header(gateway: Gateway) -> None:
    request = requests.Request(
        "GET", gateway.url + SEARCH, params={"a": "b c"},
        headers={"Authorization": "Bearer mlflow-token", "X-Amz-Security-Token": "stale"},
    ).prepare()
    signer = auth()
    signer(request)
    signer(request)  # as a retry would

    assert request.headers["Authorization"].startswith("AWS4-HMAC-SHA256 ")
    assert "X-Amz-Security-Token" not in request.headers
    with requests.Session() as session:
        assert session.send(request, timeout=10).status_code == 200, gateway.last.refusal
    assert len(gateway.last.headers["authorization"]) == 1


def test_same_signature_as_botocore_on_the_request_as_received(gateway: Gateway) -> None:
    """botocore, given what arrived on the wire and the same time, writes the same header."""
    from botocore.auth import SigV4Auth as BotocoreSigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    now = datetime.datetime(2026, 1, 2, 3, 4, 5)
    with mock.patch("botocore.auth.get_current_datetime", return_value=now):
        requests.put(gateway.url + ARTIFACTS + "/a b+c.txt", params=QUERIES["repeated keys"],
                     data=b"payload", auth=auth(), timeout=10)
        received = gateway.last
        rebuilt = AWSRequest("PUT", gateway.url + received.target, headers={"Host": received.headers["host"][0]},
                             data=received.body)
        BotocoreSigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "execute-api", REGION).add_auth(rebuilt)
    assert received.headers["authorization"] == [rebuilt.headers["Authorization"]]
    assert received.headers["x-amz-date"] == ["20260102T030405Z"]


# --- MLflow's stock signer, for comparison ---------------------------------------------


@pytest.fixture
def stock():
    from requests_auth_aws_sigv4 import AWSSigV4

    return AWSSigV4("execute-api", region=REGION, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)


def test_stock_signer_is_accepted_on_a_plain_query(gateway: Gateway, stock) -> None:
    """The control: the verifier accepts the stock signer where it follows the spec."""
    response = requests.get(gateway.url + SEARCH, params={"max_results": "10"}, auth=stock, timeout=10)
    assert response.status_code == 200, gateway.last.refusal


@pytest.mark.parametrize(
    ("case", "path", "params", "deviation"),
    [
        ("space in the query", SEARCH, [("filter", "name = 'x'")], "filter=name+%3D+%27x%27"),
        ("repeated key", SEARCH, [("run_ids", "r1"), ("run_ids", "r2")], "run_ids=r2\n"),
        ("space in the path", ARTIFACTS + "/my file.txt", [], "/my%20file.txt\n"),
    ],
)
def test_stock_signer_is_refused_where_the_provider_is_accepted(
    gateway: Gateway, stock, case, path, params, deviation
) -> None:
    refused = requests.get(gateway.url + path, params=params, auth=stock, timeout=10)
    assert refused.status_code == 403, case
    # The stock signer's canonical request, rebuilt from its own code path.
    prepared = requests.Request("GET", gateway.url + path, params=params).prepare()
    with mock.patch("requests_auth_aws_sigv4.log") as log:
        stock(prepared)
    stock_canonical = next(c.args[1] for c in log.debug.call_args_list if c.args[0].startswith("Canonical Request"))
    assert deviation in stock_canonical

    accepted = requests.get(gateway.url + path, params=params, auth=auth(), timeout=10)
    assert accepted.status_code == 200, gateway.last.refusal


def test_stock_signer_cannot_sign_a_file_body(gateway: Gateway, stock, tmp_path) -> None:
    """How MLflow uploads artifacts (PUT with an open file): mlflow issue #15051."""
    path = tmp_path / "artifact.txt"
    path.write_bytes(b"artifact")
    with open(path, "rb") as file, pytest.raises(AttributeError, match="encode"):
        requests.put(gateway.url + ARTIFACTS + "/artifact.txt", data=file, auth=stock, timeout=10)
    with open(path, "rb") as file:
        response = requests.put(gateway.url + ARTIFACTS + "/artifact.txt", data=file, auth=auth(), timeout=10)
    assert response.status_code == 200, gateway.last.refusal


# --- the plugin in MLflow ---------------------------------------------------------------


def test_entry_point_is_installed() -> None:
    entry_points = importlib.metadata.entry_points(group="mlflow.request_auth_provider")
    ours = [ep for ep in entry_points if ep.name == PROVIDER_NAME]
    assert len(ours) == 1, f"not registered; reinstall the package (pip install -e .): {entry_points}"
    assert ours[0].load() is SigV4RequestAuthProvider


def test_mlflow_discovers_the_provider_and_fetches_its_auth() -> None:
    from mlflow.tracking.request_auth.abstract_request_auth_provider import (
        RequestAuthProvider,
    )
    from mlflow.tracking.request_auth.registry import (
        RequestAuthProviderRegistry,
        fetch_auth,
    )

    registry = RequestAuthProviderRegistry()
    registry.register_entrypoints()
    providers = [p for p in registry if p.get_name() == PROVIDER_NAME]
    assert len(providers) == 1
    assert isinstance(providers[0], RequestAuthProvider)
    assert isinstance(fetch_auth(PROVIDER_NAME), SigV4RequestsAuth)


def test_mlflow_tracking_auth_signs_the_sdk_requests(gateway: Gateway, monkeypatch) -> None:
    from mlflow import MlflowClient
    from mlflow.utils.credentials import get_default_host_creds

    monkeypatch.setenv("MLFLOW_TRACKING_AUTH", PROVIDER_NAME)
    assert get_default_host_creds(gateway.url).auth == PROVIDER_NAME

    models = MlflowClient(tracking_uri=gateway.url).search_registered_models(filter_string="name = 'my model'")

    assert list(models) == []
    assert gateway.received and all(r.verified for r in gateway.received), [r.refusal for r in gateway.received]
    # MLflow adds its own clause (backticks, !=) to the filter.
    query = dict(decoded_query(gateway.last.target))
    assert query["filter"].startswith("name = 'my model' AND tag.`mlflow.prompt.is_prompt` != ")


def test_mlflow_artifact_upload_through_the_proxy(gateway: Gateway, monkeypatch, tmp_path) -> None:
    from mlflow.store.artifact.http_artifact_repo import HttpArtifactRepository

    monkeypatch.setenv("MLFLOW_TRACKING_AUTH", PROVIDER_NAME)
    local = tmp_path / "my model (v1).txt"
    local.write_bytes(b"weights " * 1000)

    HttpArtifactRepository(gateway.url + ARTIFACTS).log_artifact(str(local), "sub dir")

    received = gateway.last
    assert received.method == "PUT" and received.verified, received.refusal
    assert unquote(urlsplit(received.target).path) == ARTIFACTS + "/sub dir/my model (v1).txt"
    assert received.body == local.read_bytes()


def test_mlflow_stock_sigv4_is_refused_for_the_same_search(gateway: Gateway, monkeypatch) -> None:
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("MLFLOW_TRACKING_AWS_SIGV4", "true")
    with pytest.raises(MlflowException, match="signature does not match"):
        MlflowClient(tracking_uri=gateway.url).search_registered_models(filter_string="name = 'my model'")


# --- errors that say what to do -------------------------------------------------------------


def test_no_credentials(monkeypatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(SigV4ConfigurationError, match="AWS_ACCESS_KEY_ID.*AWS_PROFILE"):
        SigV4RequestAuthProvider().get_auth()


def test_no_credentials_through_mlflow(gateway: Gateway, monkeypatch) -> None:
    from mlflow import MlflowClient

    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("MLFLOW_TRACKING_AUTH", PROVIDER_NAME)
    with pytest.raises(SigV4ConfigurationError, match="found no AWS credentials"):
        MlflowClient(tracking_uri=gateway.url).search_registered_models()
    assert gateway.received == []


def test_no_region(monkeypatch) -> None:
    monkeypatch.delenv("AWS_REGION")
    with pytest.raises(SigV4ConfigurationError, match="set AWS_REGION"):
        SigV4RequestAuthProvider().get_auth()


def test_region_from_the_profile(monkeypatch, tmp_path) -> None:
    config = tmp_path / "config"
    config.write_text("[profile studio]\nregion = ap-southeast-2\n")
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_PROFILE", "studio")
    assert SigV4RequestAuthProvider().get_auth().region == "ap-southeast-2"
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    assert SigV4RequestAuthProvider().get_auth().region == "us-west-2"
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    assert SigV4RequestAuthProvider().get_auth().region == "eu-central-1"


def test_without_botocore(monkeypatch) -> None:
    for name in [m for m in sys.modules if m == "botocore" or m.startswith("botocore.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "botocore", None)
    with pytest.raises(ImportError, match="pip install boto3"):
        SigV4RequestAuthProvider().get_auth()


def test_the_verifier_refuses_a_changed_body(gateway: Gateway) -> None:
    """The check is not vacuous: the same signature over other bytes is refused."""
    request = requests.Request("PUT", gateway.url + ARTIFACTS + "/x", data=b"signed").prepare()
    auth()(request)
    request.body = b"sent!!"
    with requests.Session() as session:
        assert session.send(request, timeout=10).status_code == 403
    assert "signature does not match" in gateway.last.refusal


# --- both signers set -------------------------------------------------------------------
#
# MLflow signs with its stock signer whenever MLFLOW_TRACKING_AWS_SIGV4 is true, and never asks
# MLFLOW_TRACKING_AUTH's provider then (mlflow/utils/rest_utils.py, `if host_creds.aws_sigv4:
# ... elif host_creds.auth:`), so nothing of ours would run: a request header provider, which
# MLflow consults on every request, warns instead.


@pytest.fixture
def fresh_process(monkeypatch) -> None:
    """As if nothing had warned yet in this process."""
    monkeypatch.setattr(sigv4, "_stock_signer_warned", False)


def warnings_of(calls: int) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        provider = sigv4.StockSignerCheck()
        for _ in range(calls):
            assert provider.in_context() is False
    return [w for w in caught if issubclass(w.category, sigv4.StockSignerWarning)]


def test_both_signers_set_warns_once(monkeypatch, fresh_process) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_AUTH", PROVIDER_NAME)
    monkeypatch.setenv("MLFLOW_TRACKING_AWS_SIGV4", "True")
    caught = warnings_of(3)
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "Unset MLFLOW_TRACKING_AWS_SIGV4" in message
    assert f"MLFLOW_TRACKING_AUTH={PROVIDER_NAME}" in message
    assert warnings_of(1) == []


@pytest.mark.parametrize(
    "environment",
    [
        {"MLFLOW_TRACKING_AUTH": PROVIDER_NAME},
        {"MLFLOW_TRACKING_AWS_SIGV4": "true"},
        {"MLFLOW_TRACKING_AUTH": PROVIDER_NAME, "MLFLOW_TRACKING_AWS_SIGV4": "false"},
        {
            "MLFLOW_TRACKING_AUTH": "another-provider",
            "MLFLOW_TRACKING_AWS_SIGV4": "true",
        },
    ],
)
def test_one_signer_alone_does_not_warn(
    monkeypatch, fresh_process, environment
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert warnings_of(2) == []


def test_mlflow_warns_through_its_request_header_providers(
    gateway: Gateway, monkeypatch, fresh_process
) -> None:
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException
    from mlflow.tracking.request_header import registry

    # As the installed entry point registers it.
    providers = registry.RequestHeaderProviderRegistry()
    providers.register(sigv4.StockSignerCheck)
    monkeypatch.setattr(registry, "_request_header_provider_registry", providers)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("MLFLOW_TRACKING_AUTH", PROVIDER_NAME)
    monkeypatch.setenv("MLFLOW_TRACKING_AWS_SIGV4", "true")
    with pytest.warns(
        sigv4.StockSignerWarning, match="MLflow signs with its own signer"
    ), pytest.raises(MlflowException):
        MlflowClient(tracking_uri=gateway.url).search_registered_models(
            filter_string="name = 'my model'"
        )
    # The stock signer signed, not ours: the verifier refused its query's `+`.
    assert gateway.last.refusal is not None


def test_the_check_is_an_installed_request_header_provider() -> None:
    import tomllib

    pyproject = tomllib.loads(
        (Path(__file__).parents[2] / "pyproject.toml").read_text()
    )
    providers = pyproject["project"]["entry-points"]["mlflow.request_header_provider"]
    assert providers == {
        "sagemaker-studio-mlflow-stock-signer-check": "sagemaker_studio_mlflow.sigv4:StockSignerCheck"
    }
