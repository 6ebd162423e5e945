"""The labs, executed top to bottom against the local stack, each as its role.

Each notebook runs in a fresh kernel whose environment is what a notebook of
that role has (``sdk_environment``: the gateway, our signer, the role's keys),
and the labs that make something run twice, as a user who runs one again:
the second run must pass too and must not make a second copy of what the
first one registered.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from sagemaker_studio_mlflow.labs import available_labs
from tests.integration.conftest import REPO, sdk_environment

ROLES = ["admins", "readers", "model-approvers"]


@pytest.fixture(scope="module")
def kernel_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Python kernel of this interpreter with nothing in its spec's ``env``: the test's environment decides."""
    share = tmp_path_factory.mktemp("jupyter")
    spec = share / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "Python 3", "language": "python"})
    )
    return share


def execute(lab: Path, env: dict[str, str], cwd: Path) -> dict[str, str]:
    """Runs the notebook in a new kernel; answers each code cell's printed output by cell id."""
    notebook = nbformat.read(lab, as_version=4)
    NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(cwd)}},
    ).execute(env=env)
    outputs = {}
    for cell in notebook.cells:
        if cell.cell_type == "code":
            outputs[cell.id] = "".join(
                output.get("text", "")
                for output in cell.outputs
                if output.get("output_type") == "stream"
            )
    return outputs


def cell_ids(lab: Path, tag: str) -> list[str]:
    return [
        cell.id
        for cell in nbformat.read(lab, as_version=4).cells
        if tag in cell.metadata.get("tags", [])
    ]


def test_there_is_a_lab_per_built_in_role() -> None:
    assert sorted(available_labs()) == sorted(ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_a_lab_runs_top_to_bottom_as_its_role(
    role: str,
    stack: dict,
    kernel_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(
        "JUPYTER_PATH", str(kernel_path)
    )  # where the kernel manager finds "python3"
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        # This checkout's package, whichever checkout the venv's editable install points to.
        "PYTHONPATH": str(REPO),
        **sdk_environment(stack, role),
    }
    lab = available_labs()[role]
    runs = [execute(lab, env, tmp_path) for _ in range(1 if role == "readers" else 2)]

    for outputs in runs:
        assert f"roles: {role}" in outputs["identity"]
        assert "expect some cells below to be refused" not in outputs["identity"]
        # The refusal is the gateway's or MLflow's, in words.
        refusals = "".join(outputs[cell] for cell in cell_ids(lab, "refusal"))
        assert "PERMISSION_DENIED" in refusals, refusals
        if role == "admins":
            assert "Missing Authentication Token" in refusals, refusals
        else:
            assert "You may not start a run (runs.create)" in refusals, refusals
            assert "Roles that may: admins." in refusals, refusals
        assert "Skipped: set MLFLOW_CROSS_ACCOUNT_ROLE_ARN" in outputs["cross-account"]
        jobs = outputs["job-local"] + outputs["job-helper"]
        if role == "admins":
            assert ": succeeded" in jobs, jobs
            assert "tagged with the job's ARN: arn:aws:sagemaker:" in jobs, jobs
        else:
            assert "PERMISSION_DENIED" in jobs, jobs

    if role == "admins":
        for outputs in runs:
            assert re.search(r"best: lr-0\.5-", outputs["compare"]), outputs["compare"]
            assert "champion predicts [0.25]" in outputs["approve"], outputs["approve"]
    if role == "model-approvers":
        first, second = runs
        # Registered once: the second run finds the version the first one made.
        assert re.search(r"version \d+ is models:/", first["register"]), first[
            "register"
        ]
        assert first["register"] == second["register"]
        assert "@champion is version" in second["approve"]
        assert (
            "You may not delete a registered model (registered-models.delete)"
            in second["refusal"]
        )
