"""The history of a registered model (or prompt), from the MLflow app's audit events.

    python -m sagemaker_studio_mlflow.server.history --audit-log PATH [--json] MODEL_NAME

reads the JSON-line audit events (``-`` reads standard input) and prints every change
to the model: versions created, stages moved, aliases set or removed, renames,
deletions, tags and descriptions, each with when, who (user and principal) and the
request id. Only a 2xx answer is a change; attempts that were refused (by the gate or by
MLflow) or failed are listed apart. An event belongs to the model by its
``resources.model_name``: a rename is listed under the name it had, and what happened
after under the new one (the event does not hold the new name).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

Resources = Mapping[str, str]


def _version(resources: Resources) -> str:
    return f"version {resources.get('version', '?')}"


#: What a registry write did, in words, from the event's resource ids.
CHANGES: Mapping[str, Callable[[Resources], str]] = {
    "registered-models.create": lambda r: "registered model created",
    "registered-models.rename": lambda r: "registered model renamed",
    "registered-models.update": lambda r: "description changed",
    "registered-models.set-tag": lambda r: "tag set",
    "registered-models.delete-tag": lambda r: "tag removed",
    "registered-models.set-alias": lambda r: (
        f"alias {r.get('alias', '?')} set to {_version(r)}"
    ),
    "registered-models.delete-alias": lambda r: f"alias {r.get('alias', '?')} removed",
    "registered-models.delete": lambda r: "registered model deleted",
    "model-versions.create": lambda r: (
        f"{_version(r)} created" if "version" in r else "version created"
    ),
    "model-versions.transition-stage": lambda r: (
        f"{_version(r)} moved to stage {r.get('stage', '?')}"
    ),
    "model-versions.update": lambda r: f"{_version(r)}: description changed",
    "model-versions.set-tag": lambda r: f"{_version(r)}: tag set",
    "model-versions.delete-tag": lambda r: f"{_version(r)}: tag removed",
    "model-versions.delete": lambda r: f"{_version(r)} deleted",
}


@dataclass(frozen=True)
class Entry:
    """One event about the model."""

    time: str
    operation: str | None
    what: str
    user: str | None
    principal: str | None
    roles: tuple[str, ...]
    status: int
    request_id: str | None
    resources: Resources
    refusal: str | None

    def as_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "time": self.time,
            "operation": self.operation,
            "what": self.what,
            "user": self.user,
            "principal": self.principal,
            "roles": list(self.roles),
            "status": self.status,
            "requestId": self.request_id,
            "resources": dict(self.resources),
        }
        if self.refusal is not None:
            entry["refusal"] = self.refusal
        return entry


@dataclass(frozen=True)
class History:
    model: str
    changes: list[Entry]
    attempts: list[Entry]
    unreadable_lines: int

    def as_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "changes": [entry.as_json() for entry in self.changes],
            "refusedOrFailed": [entry.as_json() for entry in self.attempts],
            "unreadableLines": self.unreadable_lines,
        }


def _entry(event: Mapping[str, Any]) -> Entry | None:
    resources = event.get("resources")
    status = event.get("status")
    if not isinstance(resources, dict) or not isinstance(status, int):
        return None
    operation = event.get("operation")
    describe = CHANGES.get(operation) if isinstance(operation, str) else None
    roles = event.get("roles")
    return Entry(
        time=str(event.get("time", "")),
        operation=operation,
        what=describe(resources) if describe else str(operation or event.get("path")),
        user=event.get("user"),
        principal=event.get("principal"),
        roles=tuple(roles) if isinstance(roles, list) else (),
        status=status,
        request_id=event.get("requestId"),
        resources={key: str(value) for key, value in resources.items()},
        refusal=event.get("refusal"),
    )


def model_history(lines: Iterable[str], model: str) -> History:
    """The events of ``lines`` (audit JSON lines) about ``model``, in time order."""
    changes: list[Entry] = []
    attempts: list[Entry] = []
    unreadable = 0
    for line in lines:
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except ValueError:
            unreadable += 1
            continue
        entry = _entry(event) if isinstance(event, dict) else None
        if entry is None:
            unreadable += 1
        elif entry.resources.get("model_name") == model:
            (changes if 200 <= entry.status < 300 else attempts).append(entry)
    # Several workers append to one log: their lines need not be in time order.
    changes.sort(key=lambda entry: entry.time)
    attempts.sort(key=lambda entry: entry.time)
    return History(model, changes, attempts, unreadable)


def _who(entry: Entry) -> str:
    if entry.principal and entry.principal != entry.user:
        return f"{entry.user} ({entry.principal})"
    return str(entry.user)


def format_history(history: History) -> str:
    """The history as text: changes first, then the attempts that changed nothing."""
    lines = [f"History of {history.model!r}"]
    if not history.changes and not history.attempts:
        lines.append("No audit event names this model.")
    lines.append("")
    lines.append(f"Changes ({len(history.changes)}):")
    lines.extend(
        f"  {e.time}  {e.what}  by {_who(e)}  [{e.status}, request {e.request_id}]"
        for e in history.changes
    )
    lines.append("")
    lines.append(f"Refused or failed, nothing changed ({len(history.attempts)}):")
    lines.extend(
        f"  {e.time}  {e.what}  by {_who(e)}  "
        f"[{e.status}{', ' + e.refusal if e.refusal else ''}, request {e.request_id}]"
        for e in history.attempts
    )
    if history.unreadable_lines:
        lines.append("")
        lines.append(f"{history.unreadable_lines} line(s) of the log are not audit events.")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None, out: IO[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sagemaker_studio_mlflow.server.history",
        description="The history of a registered model (or prompt) from the audit events.",
    )
    parser.add_argument(
        "--audit-log",
        required=True,
        metavar="PATH",
        help="the JSON-line audit log (STUDIO_MLFLOW_AUDIT_LOG; - for standard input)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("model", metavar="MODEL_NAME")
    args = parser.parse_args(argv)
    out = out or sys.stdout
    try:
        if args.audit_log == "-":
            history = model_history(sys.stdin, args.model)
        else:
            with open(args.audit_log, encoding="utf-8", errors="replace") as log:
                history = model_history(log, args.model)
    except OSError as error:
        parser.exit(2, f"{parser.prog}: {args.audit_log}: {error.strerror or error}\n")
    if args.json:
        json.dump(history.as_json(), out, indent=2)
        out.write("\n")
    else:
        out.write(format_history(history))
    return 0


if __name__ == "__main__":
    sys.exit(main())
