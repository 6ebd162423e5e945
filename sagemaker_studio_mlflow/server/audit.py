"""The audit trail: one JSON line per state-changing request and per refusal.

An event names who (principal, user, roles, how authorized), what (the
operation id, method, decoded path and the ids of the resources involved),
when (UTC, milliseconds), the final status and the duration. It never holds
a body, a header, a token, a signature, the proof, or the value of a
parameter, metric or tag: resource ids are taken from a fixed list of keys
(top-level keys of a JSON body or of the query string, path parameters, and
for a successful write the created object in the answer), nothing else.

The log is a file opened for appending (each event one ``write`` of one
line, so the lines of several worker processes do not interleave) or, for
``-``, standard output.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from .permissions import Operation

STDOUT = "-"

#: Request keys that name a resource, and the event's name for it.
RESOURCE_KEYS: Mapping[str, str] = {
    "experiment_id": "experiment_id",
    "run_id": "run_id",
    "run_uuid": "run_id",
    "version": "version",
    "alias": "alias",
    "stage": "stage",
    "trace_id": "trace_id",
    "request_id": "trace_id",
    "model_id": "model_id",
}
#: In the model registry a ``name`` is a registered model's.
REGISTRY_FAMILY = "registry"
REGISTRY_NAME = ("name", "model_name")
#: Team permissions' API (``access_api``): what, and for which team at which level.
ACCESS_FAMILY = "access"
ACCESS_KEYS: Mapping[str, str] = {"kind": "kind", "id": "resource_id", "team": "team", "level": "level"}

#: A longer value is not an id: it is left out.
MAX_ID_LENGTH = 512
#: Larger bodies (artifacts, say) are not searched for ids.
MAX_READ_BYTES = 1024 * 1024
#: Where in an answer the created object's ids are looked for (``run.info.run_id``).
_ANSWER_DEPTH = 3
#: Parts of an answer that hold values, not ids of what was written.
_ANSWER_SKIPPED = frozenset({"data", "params", "metrics", "tags", "inputs", "outputs"})


class AuditLogNotWritableError(OSError):
    """The audit log cannot be opened for appending."""


class AuditLog:
    """Appends events to a file descriptor, one line per ``write``, under a lock."""

    def __init__(self, fd: int, target: str, owned: bool) -> None:
        self._fd = fd
        self._owned = owned
        self._lock = threading.Lock()
        self.target = target

    def write(self, event: Mapping[str, Any]) -> None:
        line = (json.dumps(event, separators=(",", ":"), ensure_ascii=True) + "\n").encode()
        with self._lock:
            view = memoryview(line)
            while view:
                view = view[os.write(self._fd, view) :]

    def close(self) -> None:
        if self._owned:
            os.close(self._fd)


def open_audit_log(target: str) -> AuditLog:
    """The log named by ``STUDIO_MLFLOW_AUDIT_LOG``: a path, or ``-`` for standard output."""
    if target == STDOUT:
        return AuditLog(sys.stdout.fileno(), target, owned=False)
    path = Path(target)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    except OSError as error:
        raise AuditLogNotWritableError(f"{target}: {error.strerror or error}") from error
    return AuditLog(fd, str(path), owned=True)


def event_time(timestamp: float) -> str:
    """ISO-8601 in UTC with milliseconds: ``2026-12-01T16:01:00.123Z``."""
    moment = datetime.datetime.fromtimestamp(timestamp, tz=datetime.timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _id_value(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value)
    return text if 0 < len(text) <= MAX_ID_LENGTH else None


def _names(operation: Operation | None) -> Mapping[str, str]:
    if operation is not None and operation.family == ACCESS_FAMILY:
        return ACCESS_KEYS
    if operation is not None and operation.family == REGISTRY_FAMILY:
        return {**RESOURCE_KEYS, REGISTRY_NAME[0]: REGISTRY_NAME[1]}
    return RESOURCE_KEYS


def _add(resources: dict[str, str], names: Mapping[str, str], items: Iterable[tuple[str, object]]) -> None:
    for key, value in items:
        name = names.get(key)
        if name is None or name in resources:
            continue
        text = _id_value(value)
        if text is not None:
            resources[name] = text


def _json_object(body: bytes | None) -> dict[str, Any] | None:
    if not body or len(body) > MAX_READ_BYTES or body.lstrip()[:1] != b"{":
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def request_resources(
    operation: Operation | None,
    params: Mapping[str, str],
    query_string: bytes,
    body: bytes | None,
) -> dict[str, str]:
    """The ids a request names: path parameters first, then the query, then a JSON body."""
    names = _names(operation)
    resources: dict[str, str] = {}
    _add(resources, names, params.items())
    query = parse_qsl(query_string.decode("latin-1"), keep_blank_values=False)
    _add(resources, names, query)
    data = _json_object(body)
    if data is not None:
        _add(resources, names, data.items())
    return resources


def add_answer_resources(
    resources: dict[str, str], operation: Operation | None, answer: bytes | None
) -> None:
    """Completes a write's ids from its answer (the created run's, the new version's)."""
    names = _names(operation)
    level = [_json_object(answer)]
    for _depth in range(_ANSWER_DEPTH):
        below: list[dict[str, Any] | None] = []
        for data in level:
            if data is None:
                continue
            _add(resources, names, data.items())
            below.extend(
                value
                for key, value in data.items()
                if isinstance(value, dict) and key not in _ANSWER_SKIPPED
            )
        level = below


def audit_event(
    *,
    started: float,
    duration: float,
    request_id: str | None,
    principal: str | None,
    user: str | None,
    roles: Iterable[str],
    authorization: str | None,
    operation: Operation | None,
    method: str,
    path: str,
    resources: Mapping[str, str],
    status: int,
    refusal: str | None,
) -> dict[str, Any]:
    """One event, with the contract's fields in a fixed order."""
    event: dict[str, Any] = {
        "time": event_time(started),
        "requestId": request_id,
        "principal": principal,
        "user": user,
        "roles": list(roles),
        "authorization": authorization,
        "operation": None if operation is None else operation.id,
        "method": method,
        "path": path,
        "resources": dict(resources),
        "status": status,
    }
    if refusal is not None:
        event["refusal"] = refusal
    event["durationMs"] = round(duration * 1000, 3)
    return event
