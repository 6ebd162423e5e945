"""The app's settings: each problem stops it at start, naming the variable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sagemaker_studio_mlflow.server.config import (
    AUDIT_LOG,
    IDENTITIES,
    PREVIOUS_PROOF,
    PROOF,
    ROLES,
    AuditLogSettingError,
    ConfigError,
    InvalidJsonSettingError,
    InvalidSettingShapeError,
    MissingSettingError,
    UnknownOperationSettingError,
    UnsupportedSettingError,
    WeakProofError,
    load_settings,
)
from sagemaker_studio_mlflow.server.identity import Identity

GOOD_PROOF = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def environ(tmp_path: Path) -> dict[str, str]:
    return {PROOF: GOOD_PROOF, AUDIT_LOG: str(tmp_path / "audit.jsonl")}


def test_the_minimal_settings(environ: dict[str, str]) -> None:
    settings = load_settings(environ)
    assert settings.proofs == (GOOD_PROOF,)
    assert settings.identities == {}
    assert set(settings.model.roles) == {"admins", "model-approvers", "readers"}
    assert settings.audit.target == environ[AUDIT_LOG]


def test_every_setting(environ: dict[str, str]) -> None:
    environ[PREVIOUS_PROOF] = "p" * 40
    environ[ROLES] = json.dumps({"auditors": ["runs.search"], "admins": ["experiments.create"]})
    environ[IDENTITIES] = json.dumps(
        {"arn:aws:sts::1:assumed-role/studio-alice": {"user": "alice", "roles": ["auditors"]}}
    )
    environ[AUDIT_LOG] = "-"
    settings = load_settings(environ)
    assert settings.proofs == (GOOD_PROOF, "p" * 40)
    assert settings.model.roles["auditors"] == {"runs.search"}
    assert settings.identities == {
        "arn:aws:sts::1:assumed-role/studio-alice": Identity("alice", ("auditors",))
    }


@pytest.mark.parametrize(
    ("changes", "error", "variable"),
    [
        ({PROOF: ""}, MissingSettingError, PROOF),
        ({PROOF: GOOD_PROOF[:-1]}, WeakProofError, PROOF),
        ({PROOF: GOOD_PROOF + " x"}, WeakProofError, PROOF),
        ({PREVIOUS_PROOF: "short"}, WeakProofError, PREVIOUS_PROOF),
        ({AUDIT_LOG: ""}, MissingSettingError, AUDIT_LOG),
        ({ROLES: "{not json"}, InvalidJsonSettingError, ROLES),
        ({ROLES: '{"readers": "runs.search"}'}, InvalidSettingShapeError, ROLES),
        ({ROLES: '{"readers": ["runs.explode"]}'}, UnknownOperationSettingError, ROLES),
        ({IDENTITIES: "[1"}, InvalidJsonSettingError, IDENTITIES),
        ({IDENTITIES: '{"arn:aws:iam::1:user/a": {"user": "a"}}'}, InvalidSettingShapeError, IDENTITIES),
        ({IDENTITIES: '{"arn:aws:iam::1:user/a": {"user": "", "roles": []}}'}, InvalidSettingShapeError, IDENTITIES),
        (
            {IDENTITIES: '{"arn:aws:sts::1:assumed-role/r/Session": {"user": "a", "roles": []}}'},
            InvalidSettingShapeError,
            IDENTITIES,
        ),
        (
            {IDENTITIES: '{"arn:aws:iam::1:user/a": {"user": "a", "roles": ["superusers"]}}'},
            InvalidSettingShapeError,
            IDENTITIES,
        ),
        ({"_MLFLOW_STATIC_PREFIX": "/mlflow"}, UnsupportedSettingError, "_MLFLOW_STATIC_PREFIX"),
    ],
)
def test_a_bad_setting_is_named(
    environ: dict[str, str], changes: dict[str, str], error: type[ConfigError], variable: str
) -> None:
    with pytest.raises(error) as raised:
        load_settings({**environ, **changes})
    assert raised.value.variable == variable
    assert str(raised.value).startswith(f"{variable}: ")


def test_an_audit_log_that_cannot_be_written_is_named(environ: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(AuditLogSettingError, match=AUDIT_LOG):
        load_settings({**environ, AUDIT_LOG: str(tmp_path / "file" / "audit.jsonl")})


def test_the_proof_is_never_in_an_error(environ: dict[str, str]) -> None:
    weak = "secret-but-too-short"
    with pytest.raises(WeakProofError) as raised:
        load_settings({**environ, PROOF: weak})
    assert weak not in str(raised.value)
