"""MLflow's answers while its database is down, between the gate and MLflow (``unavailable.py``)."""

from __future__ import annotations

import json

import pytest
import sqlalchemy.exc
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import TEMPORARILY_UNAVAILABLE
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.types import Receive, Scope, Send

from sagemaker_studio_mlflow.server.refusal import REFUSAL_HEADER
from sagemaker_studio_mlflow.server.unavailable import DatabaseUnavailable

from .asgi_client import Client

DRIVER_MESSAGE = (
    '(psycopg2.OperationalError) connection to server at "db.internal", port 5432 failed: '
    "Connection refused"
)


def answering(response):
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await response(scope, receive, send)

    return app


def raising(error: BaseException, answer_first: bool = False):
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if answer_first:
            # Starlette's ServerErrorMiddleware: a 500, then the error raised on.
            await PlainTextResponse("Internal Server Error", status_code=500)(scope, receive, send)
        raise error

    return app


def operational_error() -> sqlalchemy.exc.OperationalError:
    return sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception(DRIVER_MESSAGE))


def assert_worded_unavailable(answer) -> None:
    assert answer.status_code == 503
    body = answer.json()
    assert body["error_code"] == "TEMPORARILY_UNAVAILABLE"
    assert body["message"].startswith("TEMPORARILY_UNAVAILABLE: MLflow cannot reach its database")
    for internal in ("psycopg2", "db.internal", "5432", "sqlalche"):
        assert internal not in answer.text
    assert answer.headers["retry-after"] == "5"
    assert answer.headers[REFUSAL_HEADER] == "database"


def test_mlflows_own_503_keeps_its_status_and_code_in_words_naming_no_internals() -> None:
    mlflow_answer = JSONResponse(
        json.loads(MlflowException(DRIVER_MESSAGE, error_code=TEMPORARILY_UNAVAILABLE).serialize_as_json()),
        status_code=503,
    )
    assert_worded_unavailable(Client(DatabaseUnavailable(answering(mlflow_answer))).get("/api/x"))


@pytest.mark.parametrize("answer_first", [False, True])
def test_a_database_error_that_escapes_a_route_is_a_503_not_a_500(answer_first: bool) -> None:
    wrapped = MlflowException("store failed")
    wrapped.__cause__ = operational_error()
    app = DatabaseUnavailable(raising(wrapped, answer_first=answer_first))
    assert_worded_unavailable(Client(app).get("/graphql"))


def test_other_errors_and_answers_pass_through_as_they_come() -> None:
    teapot = JSONResponse({"error_code": "TEMPORARILY_UNAVAILABLE"}, status_code=418)
    answer = Client(DatabaseUnavailable(answering(teapot))).get("/")
    assert (answer.status_code, answer.json()) == (418, {"error_code": "TEMPORARILY_UNAVAILABLE"})
    busy = JSONResponse({"error_code": "RESOURCE_EXHAUSTED", "message": "busy"}, status_code=503)
    answer = Client(DatabaseUnavailable(answering(busy))).get("/")
    assert (answer.status_code, answer.json()["message"]) == (503, "busy")
    with pytest.raises(ValueError):
        Client(DatabaseUnavailable(raising(ValueError("a bug")))).get("/")
