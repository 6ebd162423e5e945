"""Tracing from a notebook or job through the gateway: the traced call's spans are
logged (OTLP `POST /v1/traces` included) with the role's signature, and a
reader's traces are refused."""

from __future__ import annotations

import json
import logging
import time
import uuid

import mlflow
from mlflow import MlflowClient

from .conftest import REPO

GATEWAY_LOG = REPO / ".local" / "logs" / "gateway.log"
SPAN_EXPORT = "/v1/traces"


@mlflow.trace
def tokenize(text: str) -> list[str]:
    return text.split()


@mlflow.trace
def count(words: list[str]) -> int:
    return len(words)


@mlflow.trace(name="answer")
def answer(text: str) -> int:
    return count(tokenize(text))


def gateway_answers(offset: int) -> dict[str, list[int]]:
    """The statuses the gateway logged since `offset`, by request path."""
    urls: dict[str, str] = {}
    statuses: dict[str, int] = {}
    with GATEWAY_LOG.open("rb") as log:
        log.seek(offset)
        for line in log:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if "req" in entry:
                urls[entry["reqId"]] = entry["req"]["url"].split("?")[0]
            if "res" in entry:
                statuses[entry["reqId"]] = entry["res"]["statusCode"]
    answers: dict[str, list[int]] = {}
    for request_id, path in urls.items():
        if request_id in statuses:
            answers.setdefault(path, []).append(statuses[request_id])
    return answers


def use_gateway(stack: dict, experiment_id: str) -> None:
    mlflow.set_tracking_uri(stack["gateway"])
    mlflow.tracing.reset()  # the exporter picks up this role's settings
    mlflow.set_experiment(experiment_id=experiment_id)


def test_an_admin_s_traced_call_is_stored_with_all_its_spans(stack, as_role):
    as_role("admins")
    client = MlflowClient(tracking_uri=stack["gateway"])
    experiment_id = client.create_experiment(f"traced-{uuid.uuid4().hex[:8]}")
    use_gateway(stack, experiment_id)
    offset = GATEWAY_LOG.stat().st_size

    assert answer("spans reach MLflow through the gateway") == 6
    trace_id = mlflow.get_last_active_trace_id()
    mlflow.flush_trace_async_logging()

    trace = mlflow.get_trace(trace_id, flush=True)
    assert sorted(span.name for span in trace.data.spans) == ["answer", "count", "tokenize"]
    found = client.search_traces(locations=[experiment_id], flush=True)
    assert [t.info.trace_id for t in found] == [trace_id]
    assert sorted(span.name for span in found[0].data.spans) == ["answer", "count", "tokenize"]

    time.sleep(0.5)  # the gateway's log line follows its answer
    answers = gateway_answers(offset)
    assert answers.get(SPAN_EXPORT), f"the SDK sent no spans to {SPAN_EXPORT}: {answers}"
    refused = {path: s for path, s in answers.items() if {401, 403} & set(s)}
    assert refused == {}


def test_a_reader_s_trace_is_refused_with_permission_denied(stack, as_role, direct_client):
    experiment_id = direct_client.create_experiment(f"reader-traced-{uuid.uuid4().hex[:8]}")
    as_role("readers")
    use_gateway(stack, experiment_id)
    # MLflow's loggers do not propagate: listen on its own.
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    logging.getLogger("mlflow").addHandler(handler)
    try:
        assert answer("the traced function still answers") == 5
        mlflow.flush_trace_async_logging()
    finally:
        logging.getLogger("mlflow").removeHandler(handler)

    # What the user sees: the export's error, in MLflow's words.
    assert any("PERMISSION_DENIED" in record.getMessage() for record in records), [
        record.getMessage() for record in records
    ]
    assert list(direct_client.search_traces(locations=[experiment_id])) == []
