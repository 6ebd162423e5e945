"""Team permissions from Python: who may reach an experiment or a registered model.

Calls the gateway's ``studio-mlflow/access`` API (answered by the MLflow
server app, ``sagemaker_studio_mlflow/server/access_api.py``) at MLflow's
tracking URI, signed as every MLflow SDK call is (the package's SigV4
signer through the gateway). ``python -m sagemaker_studio_mlflow.permissions``
is its command line.
"""

from __future__ import annotations

from typing import Any

KINDS = ("experiment", "registered-model", "prompt")
LEVELS = ("read", "edit", "manage")
EVERYONE = "everyone"

_PATH = "/api/2.0/studio-mlflow/access"


class AccessRequestError(RuntimeError):
    """The server refused or could not answer; ``error_code`` is MLflow's."""

    def __init__(self, status: int, error_code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code


def _call(method: str, action: str, **params: str) -> dict[str, Any]:
    from mlflow.tracking import get_tracking_uri
    from mlflow.utils.credentials import get_default_host_creds
    from mlflow.utils.rest_utils import http_request

    creds = get_default_host_creds(get_tracking_uri())
    endpoint = f"{_PATH}/{action}"
    if method == "GET":
        response = http_request(creds, endpoint, "GET", params=params, max_retries=2)
    else:
        response = http_request(creds, endpoint, "POST", json=params, max_retries=2)
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    if response.status_code != 200:
        raise AccessRequestError(
            response.status_code,
            str(answer.get("error_code", "INTERNAL_ERROR")),
            str(answer.get("message", response.text[:500])),
        )
    return answer


def show(kind: str, id: str) -> dict[str, Any]:
    """``{"access": {"kind", "id", "restricted", "teams", "users"}, "canManage": bool}``."""
    return _call("GET", "get", kind=kind, id=id)


def grant(kind: str, id: str, team: str, level: str) -> dict[str, Any]:
    """Gives ``team`` (or ``everyone``, which opens the resource) ``level`` on it."""
    return _call("POST", "grant", kind=kind, id=id, team=team, level=level)


def revoke(kind: str, id: str, team: str) -> dict[str, Any]:
    """Takes ``team``'s grant away; ``everyone`` restricts the resource to its teams and managers."""
    return _call("POST", "revoke", kind=kind, id=id, team=team)
