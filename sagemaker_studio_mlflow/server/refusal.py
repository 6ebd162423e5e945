"""The app's own refusals, in MLflow's error format.

The body is what MLflow answers with (``{"error_code": ..., "message": ...}``),
so its clients report them as they do MLflow's own errors; the header
``X-Studio-Mlflow-Refusal`` names the reason, which tells this gate's
refusals from MLflow's.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.types import Send

from .permissions import Operation

REFUSAL_HEADER = "x-studio-mlflow-refusal"

PROOF = "proof"
METHOD_OVERRIDE = "method-override"
UNKNOWN_ROUTE = "unknown-route"
PERMISSION = "permission"
#: MLflow's auth app refused: team permissions (``access``).
TEAMS = "teams"
PAYLOAD = "payload"
DATABASE = "database"
#: Seconds a client is asked to wait before it tries again while the database is down.
DATABASE_RETRY_AFTER = 5


@dataclass(frozen=True)
class Refusal:
    status: int
    error_code: str
    reason: str
    message: str
    #: Whether the body names the reason too (``"details": {"reason": ...}``), for
    #: clients that cannot read the header across origins (the browser).
    reason_in_body: bool = False

    def body(self) -> bytes:
        body: dict[str, object] = {"error_code": self.error_code, "message": self.message}
        if self.reason_in_body:
            body["details"] = {"reason": self.reason}
        return json.dumps(body).encode()


def proof_refusal() -> Refusal:
    return Refusal(
        401,
        "UNAUTHENTICATED",
        PROOF,
        "UNAUTHENTICATED: the request did not come through the gateway",
    )


def method_override_refusal(header: str) -> Refusal:
    return Refusal(
        400,
        "INVALID_PARAMETER_VALUE",
        METHOD_OVERRIDE,
        f"INVALID_PARAMETER_VALUE: the {header} header is not accepted: "
        "send the request with its own method",
    )


def unknown_route_refusal(method: str, path: str) -> Refusal:
    # The model lists every route MLflow serves (its coverage test), so MLflow itself
    # would answer 404 here too; the MLflow UI probes such routes (`users/current`).
    return Refusal(
        404,
        "ENDPOINT_NOT_FOUND",
        UNKNOWN_ROUTE,
        f"ENDPOINT_NOT_FOUND: {method} {path} is no operation of the permission model",
    )


def permission_refusal(sentence: str) -> Refusal:
    """The caller's roles do not allow the operation: the model's sentence says it in words.

    ``sentence`` is ``RefusalWording.sentence`` (``permissions.py``): what was
    refused, the caller's roles, the roles that may, whom to ask.
    """
    return Refusal(403, "PERMISSION_DENIED", PERMISSION, sentence)


def team_refusal(operation: Operation | None, teams: Sequence[str]) -> Refusal:
    """MLflow's auth app refused: the resource is restricted to teams, or needs a higher level."""
    action = operation.words if operation is not None and operation.words else "do this"
    yours = ", ".join(teams) if teams else "none"
    return Refusal(
        403,
        "PERMISSION_DENIED",
        TEAMS,
        f"You may not {action} here: it is restricted to teams, and yours (teams: {yours}) "
        "have no access or too low a level. Ask its managers (Access in the run browser) "
        "or an MLflow administrator to grant one of your teams access.",
        reason_in_body=True,
    )


def payload_refusal(limit: int) -> Refusal:
    return Refusal(
        413,
        "INVALID_PARAMETER_VALUE",
        PAYLOAD,
        f"INVALID_PARAMETER_VALUE: the request body is larger than {limit} bytes",
    )


def database_unavailable_refusal() -> Refusal:
    """MLflow's database does not answer: MLflow's own code and status (503), in words
    that name no host, driver or query. The SDK retries a 503 by itself."""
    return Refusal(
        503,
        "TEMPORARILY_UNAVAILABLE",
        DATABASE,
        "TEMPORARILY_UNAVAILABLE: MLflow cannot reach its database right now; nothing was "
        f"changed by this request. Try again in a few seconds (Retry-After: {DATABASE_RETRY_AFTER}).",
    )


async def send_refusal(send: Send, refusal: Refusal) -> None:
    body = refusal.body()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (REFUSAL_HEADER.encode(), refusal.reason.encode()),
    ]
    if refusal.status == 503:
        headers.append((b"retry-after", str(DATABASE_RETRY_AFTER).encode()))
    await send(
        {
            "type": "http.response.start",
            "status": refusal.status,
            "headers": headers,
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})
