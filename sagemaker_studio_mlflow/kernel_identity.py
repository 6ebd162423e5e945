"""Whom notebooks act as in MLflow: the kernels' identity, as the gateway knows it.

A notebook's MLflow SDK signs its requests with the AWS credentials of the
space (in SageMaker Studio the execution role, on the local stack the
readers' keys) and sends them to ``MLFLOW_TRACKING_URI``; the MLflow panel
and the run browser act as the Cognito user instead. This module makes the
call a kernel would make, ``GET /iam/identity`` on the gateway, signed with
``sigv4.SigV4RequestsAuth``, and says who the gateway found, or why it could
not be asked, in words a user can act on.

The kernels' environment is the Jupyter server's own with their kernel
spec's ``env`` on top (where the Studio lifecycle configuration puts
``MLFLOW_TRACKING_URI``, ``MLFLOW_TRACKING_AUTH`` and ``AWS_REGION``).
Credentials come from botocore's standard chain, as the SDK's do.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import Any, Literal, TypedDict, Union

from .server.identity import IDENTITY_PATH
from .sigv4 import PROVIDER_NAME, SigV4RequestsAuth

#: How long the gateway may take to answer, in seconds.
TIMEOUT_SECONDS = 10.0

ProblemKind = Literal["not-configured", "unreachable", "refused", "failed"]


class CallerIdentity(TypedDict):
    """What the gateway answers (``ICallerIdentity`` in ``src/contract.ts``)."""

    principal: str
    user: str
    roles: list[str]
    operations: list[str]


class IdentityFound(TypedDict):
    kind: Literal["ok"]
    gatewayUrl: str
    identity: CallerIdentity


class IdentityProblem(TypedDict):
    kind: ProblemKind
    gatewayUrl: str
    message: str


#: What the Jupyter endpoint answers (``KernelIdentityAnswer`` in ``src/identity/kernel.ts``).
IdentityAnswer = Union[IdentityFound, IdentityProblem]


class _Problem(Exception):
    def __init__(self, kind: ProblemKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def kernel_environment(server: Mapping[str, str], kernel_spec_env: Mapping[str, str]) -> dict[str, str]:
    """The environment a kernel starts with: the server's, its kernel spec's ``env`` on top."""
    return {**server, **kernel_spec_env}


def identity_url(environ: Mapping[str, str]) -> str:
    """``<MLFLOW_TRACKING_URI>/iam/identity``; a problem when notebooks are not set up to sign."""
    tracking_uri = environ.get("MLFLOW_TRACKING_URI", "").strip()
    if not tracking_uri.startswith(("https://", "http://")):
        raise _Problem(
            "not-configured",
            "Notebooks are not connected to the MLflow gateway: MLFLOW_TRACKING_URI is not set "
            "to its URL in the kernels' environment.",
        )
    if environ.get("MLFLOW_TRACKING_AUTH", "") != PROVIDER_NAME:
        raise _Problem(
            "not-configured",
            f"Notebooks do not sign their MLflow requests: set MLFLOW_TRACKING_AUTH={PROVIDER_NAME} "
            "in the kernels' environment.",
        )
    return tracking_uri.rstrip("/") + IDENTITY_PATH


_session: Any = None
_session_lock = threading.Lock()


def _credentials() -> Any:
    """botocore's credentials (refreshed when a role's expire), from one session per process."""
    global _session
    try:
        import botocore.session
        from botocore.exceptions import BotoCoreError
    except ImportError:
        raise _Problem(
            "not-configured", "Notebooks cannot sign MLflow requests: botocore (boto3) is not installed."
        ) from None
    try:
        with _session_lock:
            if _session is None:
                _session = botocore.session.Session()
            credentials = _session.get_credentials()
    except BotoCoreError as error:  # the chain's own failures: an expired SSO session, the metadata service
        raise _Problem("not-configured", f"Notebooks cannot sign MLflow requests: {error}") from None
    if credentials is None:
        raise _Problem(
            "not-configured",
            "Notebooks have no AWS credentials to sign MLflow requests with (no execution role, "
            "access key or profile found).",
        )
    return credentials


def _region(environ: Mapping[str, str]) -> str:
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
    if not region and _session is not None:
        region = _session.get_config_variable("region")
    if not region:
        raise _Problem(
            "not-configured",
            "Notebooks cannot sign MLflow requests: AWS_REGION (the gateway's region) is not set.",
        )
    return str(region)


def _refusal_message(response: Any) -> str:
    """The gateway's own words (MLflow's error format), else its status."""
    try:
        message = response.json().get("message")
    except (ValueError, AttributeError):
        message = None
    return message if isinstance(message, str) and message else f"HTTP {response.status_code}"


def _identity(data: Any) -> CallerIdentity:
    def strings(value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValueError
        return list(value)

    if not isinstance(data, dict) or not all(isinstance(data.get(key), str) for key in ("principal", "user")):
        raise ValueError
    return {
        "principal": data["principal"],
        "user": data["user"],
        "roles": strings(data.get("roles")),
        "operations": strings(data.get("operations")),
    }


def fetch_identity(environ: Mapping[str, str] | None = None, timeout: float = TIMEOUT_SECONDS) -> IdentityAnswer:
    """Ask the gateway whom a kernel with this environment acts as; a problem is an answer too."""
    environ = os.environ if environ is None else environ
    gateway_url = environ.get("MLFLOW_TRACKING_URI", "").strip()
    try:
        url = identity_url(environ)
        credentials = _credentials()
        auth = SigV4RequestsAuth(credentials, _region(environ))
        import requests
        from botocore.exceptions import BotoCoreError

        try:
            response = requests.get(url, auth=auth, timeout=timeout, headers={"Accept": "application/json"})
        except requests.RequestException as error:
            raise _Problem("unreachable", f"The MLflow gateway at {gateway_url} did not answer: {error}") from None
        except BotoCoreError as error:  # refreshing a role's credentials failed
            raise _Problem("not-configured", f"Notebooks cannot sign MLflow requests: {error}") from None
        if response.status_code in (401, 403):
            raise _Problem(
                "refused",
                f"The MLflow gateway refused the notebooks' credentials: {_refusal_message(response)}",
            )
        if response.status_code != 200:
            raise _Problem(
                "failed",
                f"The MLflow gateway could not say whom notebooks act as: {_refusal_message(response)}",
            )
        try:
            identity = _identity(response.json())
        except ValueError:
            raise _Problem(
                "failed", f"The MLflow gateway at {gateway_url} gave an answer that names no identity."
            ) from None
    except _Problem as problem:
        return {"kind": problem.kind, "gatewayUrl": gateway_url, "message": problem.message}
    return {"kind": "ok", "gatewayUrl": gateway_url, "identity": identity}
