"""Every MLflow route × every role through the running gateway, against the permission model.

The rows come from the model itself (`npm --prefix infra run access-matrix`): one concrete
request per path template, with the roles allowed to perform it. Each request is sent as
each role (SigV4 with the role's keys on the SDK's routes, the role's Cognito token on the
UI's) and anonymously. A request the gateway refuses carries API Gateway's `x-amzn-ErrorType`; one it
lets through is answered by MLflow.

The requests are built so that MLflow itself refuses to act on the ones that get through:
their bodies are not JSON and they carry a foreign `Origin`, which MLflow's own security
middleware refuses for state changes. So MLflow's data must be exactly as before, which
also shows that no refused request reached it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import ClassVar

import requests

from .conftest import ROLES, mlflow_state

FOREIGN_ORIGIN = "http://matrix.invalid"


class LetThrough:
    """MLflow took longer than the gateway ever takes to refuse: the request got through."""

    status_code = 0
    text = "(MLflow still working)"
    headers: ClassVar[dict] = {}


def send(session: requests.Session, base: str, row: dict, role: str | None, credentials: dict):
    """One row's request as `role` (anonymous for None), to the gateway at `base`."""
    headers = {"Origin": FOREIGN_ORIGIN}
    kwargs = {}
    if row["method"] != "GET":
        headers["Content-Type"] = "application/json"
        kwargs["data"] = b"{"
    if role is not None and row["authorization"] == "iam":
        kwargs["auth"] = credentials[role]["auth"]
    if role is not None and row["authorization"] == "token":
        headers["Authorization"] = f"Bearer {credentials[role]['token']}"
    try:
        return session.request(
            row["method"], base + row["path"], headers=headers, timeout=(5, 3), allow_redirects=False, **kwargs
        )
    except requests.ReadTimeout:
        # A few MLflow routes wait on the internet (the AI gateway's model list).
        return LetThrough()


def decide_all(stack: dict, matrix: list[dict], role: str | None, credentials: dict) -> list[tuple]:
    with requests.Session() as session:
        return [(row, role, send(session, stack["gateway"], row, role, credentials)) for row in matrix]


def test_every_route_gets_exactly_what_the_model_says_for_every_role(stack, matrix, credentials):
    before = mlflow_state()
    wrong = []
    counts = {"allowed": 0, "refused": 0}
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = pool.map(lambda role: decide_all(stack, matrix, role, credentials), [*ROLES, None])
    for row, role, response in (result for per_role in results for result in per_role):
        refused = "x-amzn-errortype" in response.headers
        expected = row["access"] == "public" or role in row["allowed"]
        counts["refused" if refused else "allowed"] += 1
        if refused == expected:
            wrong.append(
                f"{role or 'anonymous'} {row['method']} {row['path']} ({row['operation']}): "
                f"{'refused' if refused else 'let through'} with {response.status_code} {response.text[:120]}"
            )
        elif refused:
            # Refusals say why: 401 without credentials, 403 with the wrong ones.
            assert response.status_code == (403 if role is not None or row["authorization"] == "iam" else 401)
    assert wrong == [], f"{len(wrong)} wrong decisions:\n" + "\n".join(wrong[:50])
    assert counts["allowed"] > 800 and counts["refused"] > 800
    assert mlflow_state() == before, "a request through the gateway changed MLflow"
