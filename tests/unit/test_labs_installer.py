"""The labs' installer: the lab of the kernels' role into a home, once, never over a user's copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from sagemaker_studio_mlflow import labs
from sagemaker_studio_mlflow.labs.__main__ import main
from sagemaker_studio_mlflow.server.permissions import load_permission_model

MODEL = load_permission_model()


def found(*roles: str, operations: frozenset[str] | None = None) -> dict:
    return {
        "kind": "ok",
        "gatewayUrl": "https://gateway.example/prod",
        "identity": {
            "principal": "arn:aws:sts::111122223333:assumed-role/x/y",
            "user": "y",
            "roles": list(roles),
            "operations": sorted(
                MODEL.operations_of(roles) if operations is None else operations
            ),
        },
    }


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch):
    """Sets what the gateway answers to the installer's identity call."""
    answers: list[dict] = []

    def answer(_environ) -> dict:
        return answers[-1]

    monkeypatch.setattr(labs, "fetch_identity", answer)
    monkeypatch.setattr(labs, "default_kernel_env", dict)
    return answers.append


def test_a_new_home_gets_the_lab_of_the_kernels_role(gateway, tmp_path: Path) -> None:
    gateway(found("model-approvers"))
    outcome = labs.install(tmp_path)
    lab = tmp_path / "mlflow-lab-model-approvers.ipynb"
    assert outcome.installed and outcome.path == lab
    assert lab.read_bytes() == labs.available_labs()["model-approvers"].read_bytes()
    assert [path.name for path in tmp_path.glob("*.ipynb")] == [lab.name]


def test_an_edited_lab_is_left_as_it_is(gateway, tmp_path: Path) -> None:
    gateway(found("readers"))
    lab = labs.install(tmp_path).path
    lab.write_text("my notes")
    outcome = labs.install(tmp_path)
    assert not outcome.installed
    assert "left as it is" in outcome.message
    assert lab.read_text() == "my notes"


def test_a_deleted_lab_stays_deleted_unless_asked_for(gateway, tmp_path: Path) -> None:
    gateway(found("readers"))
    lab = labs.install(tmp_path).path
    lab.unlink()
    outcome = labs.install(tmp_path)
    assert not lab.exists()
    assert "is gone since: not put back" in outcome.message
    assert "--role readers" in outcome.message
    assert labs.install(tmp_path, role="readers").installed
    assert lab.exists()


def test_a_lab_the_user_has_under_its_name_is_never_overwritten(
    gateway, tmp_path: Path
) -> None:
    gateway(found("admins"))
    mine = tmp_path / "mlflow-lab-admins.ipynb"
    mine.write_text("mine")
    assert "left as it is" in labs.install(tmp_path, role="admins").message
    assert mine.read_text() == "mine"


def test_a_new_role_gets_its_lab_and_keeps_the_old_one(gateway, tmp_path: Path) -> None:
    gateway(found("readers"))
    labs.install(tmp_path)
    gateway(found("model-approvers"))
    assert labs.install(tmp_path).installed
    assert sorted(path.name for path in tmp_path.glob("*.ipynb")) == [
        "mlflow-lab-model-approvers.ipynb",
        "mlflow-lab-readers.ipynb",
    ]


def test_several_roles_get_the_lab_of_the_one_that_allows_most(
    gateway, tmp_path: Path
) -> None:
    gateway(found("readers", "admins"))
    assert labs.install(tmp_path).role == "admins"


def test_an_operator_defined_role_gets_the_lab_of_the_largest_role_it_covers(
    gateway, tmp_path: Path
) -> None:
    # Readers who may also log runs, say.
    gateway(
        found(
            "experimenters",
            operations=MODEL.operations_of(["readers"]) | {"runs.create"},
        )
    )
    assert labs.install(tmp_path).role == "readers"


def test_a_role_with_less_than_any_lab_gets_none(gateway, tmp_path: Path) -> None:
    gateway(found("auditors", operations=frozenset({"experiments.get"})))
    outcome = labs.install(tmp_path)
    assert outcome.role is None and not list(tmp_path.iterdir())
    assert "none is for the kernels' roles (auditors)" in outcome.message


def test_an_unknown_role_says_why_and_puts_nothing(gateway, tmp_path: Path) -> None:
    gateway(
        {
            "kind": "unreachable",
            "gatewayUrl": "https://x",
            "message": "The MLflow gateway at https://x did not answer.",
        }
    )
    outcome = labs.install(tmp_path)
    assert outcome.role is None and not list(tmp_path.iterdir())
    assert outcome.message == (
        f"no MLflow lab put in {tmp_path}: the kernels' role is unknown. The MLflow gateway at https://x did not answer."
    )


def test_the_command_line_prints_one_line_and_says_by_its_status_whether_a_lab_was_chosen(
    gateway, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gateway({"kind": "refused", "gatewayUrl": "https://x", "message": "refused."})
    assert main(["install", "--home", str(tmp_path)]) == 1
    assert capsys.readouterr().out.startswith(f"no MLflow lab put in {tmp_path}")
    assert main(["install", "--home", str(tmp_path), "--role", "readers"]) == 0
    assert (
        capsys.readouterr().out
        == f"put the MLflow lab for readers in {tmp_path / 'mlflow-lab-readers.ipynb'}\n"
    )
    assert main(["install", "--home", str(tmp_path), "--role", "readers"]) == 0
    assert "left as it is" in capsys.readouterr().out


def test_all_puts_every_lab_and_leaves_those_there_alone(
    gateway, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "mlflow-lab-admins.ipynb").write_text("mine")
    assert main(["install", "--home", str(tmp_path), "--all"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(labs.available_labs())
    assert (tmp_path / "mlflow-lab-admins.ipynb").read_text() == "mine"
    for role in labs.available_labs():
        assert (tmp_path / labs.lab_file_name(role)).exists()
