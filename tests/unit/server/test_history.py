"""The history of a model from audit lines as the MLflow app writes them."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from sagemaker_studio_mlflow.server.history import main, model_history

APPROVER = "arn:aws:iam::000000000000:user/approver"
READER = "arn:aws:iam::000000000000:user/reader"

# Out of time order on purpose (two workers append to one file), with another model's
# events, a read nobody was refused (not logged), and a line that is no event.
AUDIT_LINES = f"""\
{{"time":"2026-12-01T10:00:00.000Z","requestId":"r-1","principal":"{APPROVER}","user":"approver","roles":["approvers"],"authorization":"iam","operation":"registered-models.create","method":"POST","path":"/api/2.0/mlflow/registered-models/create","resources":{{"model_name":"fraud"}},"status":200,"durationMs":12.5}}
{{"time":"2026-12-01T10:05:00.000Z","requestId":"r-3","principal":"{APPROVER}","user":"approver","roles":["approvers"],"authorization":"iam","operation":"model-versions.transition-stage","method":"POST","path":"/api/2.0/mlflow/model-versions/transition-stage","resources":{{"model_name":"fraud","version":"1","stage":"Production"}},"status":200,"durationMs":9}}
{{"time":"2026-12-01T10:01:00.000Z","requestId":"r-2","principal":"{APPROVER}","user":"approver","roles":["approvers"],"authorization":"iam","operation":"model-versions.create","method":"POST","path":"/api/2.0/mlflow/model-versions/create","resources":{{"model_name":"fraud","run_id":"abc","version":"1"}},"status":200,"durationMs":30}}
{{"time":"2026-12-01T10:02:00.000Z","requestId":"r-9","principal":"{APPROVER}","user":"approver","roles":["approvers"],"authorization":"iam","operation":"model-versions.create","method":"POST","path":"/api/2.0/mlflow/model-versions/create","resources":{{"model_name":"churn","version":"1"}},"status":200,"durationMs":30}}
{{"time":"2026-12-01T10:06:00.000Z","requestId":"r-4","principal":"{READER}","user":"reader","roles":["readers"],"authorization":"iam","operation":"registered-models.set-alias","method":"POST","path":"/api/2.0/mlflow/registered-models/alias","resources":{{"model_name":"fraud","alias":"champion","version":"1"}},"status":403,"refusal":"permission","durationMs":1}}
not an audit event
{{"time":"2026-12-01T10:07:00.000Z","requestId":"r-5","principal":"alice","user":"alice","roles":["admins"],"authorization":"token","operation":"registered-models.set-alias","method":"POST","path":"/ajax-api/2.0/mlflow/registered-models/alias","resources":{{"model_name":"fraud","alias":"champion","version":"1"}},"status":200,"durationMs":4}}
{{"time":"2026-12-01T10:08:00.000Z","requestId":"r-6","principal":"alice","user":"alice","roles":["admins"],"authorization":"token","operation":"model-versions.delete","method":"DELETE","path":"/ajax-api/2.0/mlflow/model-versions/delete","resources":{{"model_name":"fraud","version":"7"}},"status":404,"durationMs":3}}
{{"time":"2026-12-01T10:09:00.000Z","requestId":"r-7","principal":"alice","user":"alice","roles":["admins"],"authorization":"token","operation":"registered-models.delete-alias","method":"DELETE","path":"/ajax-api/2.0/mlflow/registered-models/alias","resources":{{"model_name":"fraud","alias":"champion"}},"status":200,"durationMs":4}}
{{"time":"2026-12-01T10:10:00.000Z","requestId":"r-8","principal":"alice","user":"alice","roles":["admins"],"authorization":"token","operation":"model-versions.delete","method":"DELETE","path":"/ajax-api/2.0/mlflow/model-versions/delete","resources":{{"model_name":"fraud","version":"1"}},"status":200,"durationMs":4}}
{{"time":"2026-12-01T10:11:00.000Z","requestId":"r-10","principal":"alice","user":"alice","roles":["admins"],"authorization":"token","operation":"registered-models.rename","method":"POST","path":"/ajax-api/2.0/mlflow/registered-models/rename","resources":{{"model_name":"fraud"}},"status":200,"durationMs":4}}
"""


@pytest.fixture
def audit_log(tmp_path: Path) -> Path:
    log = tmp_path / "audit.jsonl"
    log.write_text(AUDIT_LINES)
    return log


def test_the_changes_in_time_order_with_who_and_when() -> None:
    history = model_history(AUDIT_LINES.splitlines(), "fraud")

    assert [(e.time[11:16], e.what, e.user, e.request_id) for e in history.changes] == [
        ("10:00", "registered model created", "approver", "r-1"),
        ("10:01", "version 1 created", "approver", "r-2"),
        ("10:05", "version 1 moved to stage Production", "approver", "r-3"),
        ("10:07", "alias champion set to version 1", "alice", "r-5"),
        ("10:09", "alias champion removed", "alice", "r-7"),
        ("10:10", "version 1 deleted", "alice", "r-8"),
        ("10:11", "registered model renamed", "alice", "r-10"),
    ]
    assert history.changes[0].principal == APPROVER


def test_refused_and_failed_attempts_are_not_changes() -> None:
    history = model_history(AUDIT_LINES.splitlines(), "fraud")

    assert [(e.what, e.user, e.status, e.refusal) for e in history.attempts] == [
        ("alias champion set to version 1", "reader", 403, "permission"),
        ("version 7 deleted", "alice", 404, None),
    ]
    assert history.unreadable_lines == 1


def test_another_model_has_its_own_history() -> None:
    history = model_history(AUDIT_LINES.splitlines(), "churn")

    assert [e.request_id for e in history.changes] == ["r-9"]
    assert history.attempts == []
    assert model_history(AUDIT_LINES.splitlines(), "fraud-2").changes == []


def test_the_cli_prints_the_history(audit_log: Path) -> None:
    out = io.StringIO()

    assert main(["--audit-log", str(audit_log), "fraud"], out=out) == 0

    text = out.getvalue()
    changes, attempts = text.split("Refused or failed, nothing changed (2):")
    assert "Changes (7):" in changes
    assert (
        f"2026-12-01T10:05:00.000Z  version 1 moved to stage Production  by approver ({APPROVER})"
        "  [200, request r-3]"
    ) in changes
    assert "by reader" not in changes
    assert "alias champion set to version 1  by reader" in attempts
    assert "[403, permission, request r-4]" in attempts
    assert "1 line(s) of the log are not audit events." in attempts


def test_the_cli_prints_json(audit_log: Path) -> None:
    out = io.StringIO()

    main(["--audit-log", str(audit_log), "--json", "fraud"], out=out)

    history = json.loads(out.getvalue())
    assert history["model"] == "fraud"
    assert history["changes"][1] == {
        "time": "2026-12-01T10:01:00.000Z",
        "operation": "model-versions.create",
        "what": "version 1 created",
        "user": "approver",
        "principal": APPROVER,
        "roles": ["approvers"],
        "status": 200,
        "requestId": "r-2",
        "resources": {"model_name": "fraud", "run_id": "abc", "version": "1"},
    }
    assert [e["refusal"] for e in history["refusedOrFailed"] if "refusal" in e] == ["permission"]


def test_the_module_runs_as_a_command(audit_log: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sagemaker_studio_mlflow.server.history", "--audit-log", "-", "churn"],
        input=audit_log.read_text(),
        capture_output=True,
        text=True,
        check=True,
    )

    assert "Changes (1):" in result.stdout
    assert "version 1 created  by approver" in result.stdout


def test_a_missing_log_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--audit-log", str(tmp_path / "none.jsonl"), "fraud"])

    assert exit_.value.code == 2
    assert "none.jsonl" in capsys.readouterr().err
