"""sagemaker_studio_mlflow.jobs: a training job's environment, its source dir, the SDK's arguments."""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import types
import zipfile
from pathlib import Path

import pytest

import sagemaker_studio_mlflow
from sagemaker_studio_mlflow import jobs, sigv4

GATEWAY = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/"
WHEEL = (
    f"sagemaker_studio_mlflow-{sagemaker_studio_mlflow.__version__}-py3-none-any.whl"
)


# --- job_environment -----------------------------------------------------------


def test_the_environment_defaults_to_the_notebooks_tracking_uri_and_region(monkeypatch):
    # The region is the fixture's, eu-west-1.
    monkeypatch.setenv("MLFLOW_TRACKING_URI", GATEWAY)
    assert jobs.job_environment() == {
        "MLFLOW_TRACKING_URI": GATEWAY,
        "MLFLOW_TRACKING_AUTH": sigv4.PROVIDER_NAME,
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }


def test_explicit_arguments_win_and_add_the_experiment_and_the_parent_run(monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://elsewhere")
    environment = jobs.job_environment(
        experiment="churn",
        parent_run_id="abc123",
        tracking_uri=GATEWAY,
        region="us-west-2",
    )
    assert environment == {
        "MLFLOW_TRACKING_URI": GATEWAY,
        "MLFLOW_TRACKING_AUTH": sigv4.PROVIDER_NAME,
        "AWS_REGION": "us-west-2",
        "AWS_DEFAULT_REGION": "us-west-2",
        "MLFLOW_EXPERIMENT_NAME": "churn",
        jobs.PARENT_RUN_ENV: "abc123",
    }
    assert jobs.PARENT_RUN_ENV == "SAGEMAKER_STUDIO_MLFLOW_PARENT_RUN_ID"
    assert all(isinstance(value, str) for value in environment.values())


def test_the_region_comes_from_the_default_region_or_the_aws_config(
    monkeypatch, tmp_path
):
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-southeast-2")
    assert jobs.job_environment(tracking_uri=GATEWAY)["AWS_REGION"] == "ap-southeast-2"

    monkeypatch.delenv("AWS_DEFAULT_REGION")
    config = tmp_path / "config"
    config.write_text("[default]\nregion = ca-central-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    assert (
        jobs.job_environment(tracking_uri=GATEWAY)["AWS_DEFAULT_REGION"]
        == "ca-central-1"
    )


def test_no_tracking_uri_or_no_region_says_what_to_set(monkeypatch):
    with pytest.raises(ValueError, match="MLFLOW_TRACKING_URI"):
        jobs.job_environment()
    monkeypatch.delenv("AWS_REGION")
    with pytest.raises(ValueError, match="AWS_REGION"):
        jobs.job_environment(tracking_uri=GATEWAY)


# --- prepare_source_dir ----------------------------------------------------------


@pytest.fixture
def source_dir(tmp_path) -> Path:
    directory = tmp_path / "my-job"
    directory.mkdir()
    (directory / "train.py").write_text("print('training')\n")
    (directory / "requirements.txt").write_text(
        "# the model\nscikit-learn==1.5.2\n\n--extra-index-url https://example.com/simple\n"
    )
    return directory


def test_the_signer_is_added_and_the_users_requirements_are_kept(source_dir):
    assert jobs.prepare_source_dir(source_dir) == source_dir
    lines = (source_dir / "requirements.txt").read_text().splitlines()
    assert lines[:4] == [
        "# the model",
        "scikit-learn==1.5.2",
        "",
        "--extra-index-url https://example.com/simple",
    ]
    assert lines[-1] == f"./{WHEEL}"
    assert {p.name for p in source_dir.iterdir()} == {
        "requirements.txt",
        "train.py",
        WHEEL,
    }


def test_preparing_twice_changes_nothing(source_dir):
    jobs.prepare_source_dir(source_dir)
    requirements = (source_dir / "requirements.txt").read_bytes()
    wheel = (source_dir / WHEEL).read_bytes()
    stamp = (source_dir / "requirements.txt").stat().st_mtime_ns

    jobs.prepare_source_dir(str(source_dir))
    assert (source_dir / "requirements.txt").read_bytes() == requirements
    assert (source_dir / "requirements.txt").stat().st_mtime_ns == stamp
    assert (source_dir / WHEEL).read_bytes() == wheel
    assert {p.name for p in source_dir.iterdir()} == {
        "requirements.txt",
        "train.py",
        WHEEL,
    }


def test_an_older_wheel_and_its_line_are_replaced(source_dir):
    old = "sagemaker_studio_mlflow-0.0.9-py3-none-any.whl"
    (source_dir / old).write_bytes(b"old")
    (source_dir / "requirements.txt").write_text(f"./{old}\npandas\n")
    jobs.prepare_source_dir(source_dir)
    assert (source_dir / "requirements.txt").read_text().splitlines()[0] == "pandas"
    assert (source_dir / "requirements.txt").read_text().count(".whl") == 1
    assert not (source_dir / old).exists()
    assert (source_dir / WHEEL).exists()


def test_a_source_dir_without_requirements_gets_them(tmp_path):
    jobs.prepare_source_dir(tmp_path)
    lines = (tmp_path / "requirements.txt").read_text().splitlines()
    assert lines[-1] == f"./{WHEEL}"
    assert [line for line in lines if not line.startswith("#")] == [f"./{WHEEL}"]


def test_the_shipped_example_is_left_alone_and_copied_instead(tmp_path):
    with pytest.raises(ValueError, match="copy_example"):
        jobs.prepare_source_dir(jobs.EXAMPLE_SOURCE_DIR)
    assert not list(jobs.EXAMPLE_SOURCE_DIR.glob("*.whl"))

    copy = jobs.copy_example(tmp_path / "example")
    jobs.prepare_source_dir(copy)
    lines = (copy / "requirements.txt").read_text().splitlines()
    assert {"mlflow-skinny>=3,<4", "boto3", f"./{WHEEL}"} <= set(lines)
    assert (copy / "train.py").exists()


def test_a_missing_source_dir_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        jobs.prepare_source_dir(tmp_path / "nowhere")


# --- the signer's wheel ------------------------------------------------------------


def test_the_wheel_holds_the_package_without_the_front_end_and_registers_only_the_signer(
    source_dir,
):
    jobs.prepare_source_dir(source_dir)
    with zipfile.ZipFile(source_dir / WHEEL) as archive:
        names = archive.namelist()
        dist_info = (
            f"sagemaker_studio_mlflow-{sagemaker_studio_mlflow.__version__}.dist-info"
        )
        assert {
            "sagemaker_studio_mlflow/__init__.py",
            "sagemaker_studio_mlflow/sigv4.py",
            "sagemaker_studio_mlflow/jobs/__init__.py",
            "sagemaker_studio_mlflow/server/permission_model.json",
        } <= set(names)
        assert not [
            n
            for n in names
            if "/labextension/" in n or "/example/" in n or "__pycache__" in n
        ]
        metadata = archive.read(f"{dist_info}/METADATA").decode()
        assert "Name: sagemaker-studio-mlflow\n" in metadata
        assert f"Version: {sagemaker_studio_mlflow.__version__}\n" in metadata
        assert "Requires-Dist" not in metadata
        assert archive.read(f"{dist_info}/entry_points.txt").decode() == (
            "[mlflow.request_auth_provider]\n"
            f"{sigv4.PROVIDER_NAME} = sagemaker_studio_mlflow.sigv4:SigV4RequestAuthProvider\n"
        )
        # RECORD has every other file's hash and size, as installers check.
        record = archive.read(f"{dist_info}/RECORD").decode().splitlines()
        assert len(record) == len(names)
        for line in record:
            name, digest, size = line.rsplit(",", 2)
            if name == f"{dist_info}/RECORD":
                continue
            data = archive.read(name)
            expected = (
                base64.urlsafe_b64encode(hashlib.sha256(data).digest())
                .rstrip(b"=")
                .decode()
            )
            assert (digest, int(size)) == (f"sha256={expected}", len(data)), name


def test_pip_installs_the_wheel_and_mlflow_finds_the_signer_in_it(source_dir, tmp_path):
    jobs.prepare_source_dir(source_dir)
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            "--disable-pip-version-check",
            "--target",
            str(target),
            str(source_dir / WHEEL),
        ],
        check=True,
    )
    probe = (
        "import importlib.metadata as m, sagemaker_studio_mlflow.sigv4 as s;"
        "[e] = [e for e in m.entry_points(group='mlflow.request_auth_provider') if e.name == s.PROVIDER_NAME];"
        "print(e.load().__module__, s.__file__)"
    )
    output = subprocess.run(
        [sys.executable, "-c", probe],
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert output == [
        "sagemaker_studio_mlflow.sigv4",
        str(target / "sagemaker_studio_mlflow" / "sigv4.py"),
    ]


# --- the SageMaker Python SDK's arguments ---------------------------------------------


class FakeSourceCode:
    """Stands in for the SDK's SourceCode (a pydantic model of these fields)."""

    def __init__(
        self, source_dir=None, requirements=None, entry_script=None, command=None
    ):
        self.source_dir, self.requirements, self.entry_script, self.command = (
            source_dir,
            requirements,
            entry_script,
            command,
        )


@pytest.fixture
def sdk(monkeypatch):
    """Installs a stand-in SourceCode where SDK 3 (`version=3`) or SDK 2 (`version=2`) has it."""

    def install(version: int) -> None:
        for name in (
            "sagemaker",
            "sagemaker.core",
            "sagemaker.core.training",
            "sagemaker.modules",
        ):
            monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
        for name in jobs._SOURCE_CODE_MODULES:
            monkeypatch.delitem(sys.modules, name, raising=False)
        module = (
            "sagemaker.core.training.configs"
            if version == 3
            else "sagemaker.modules.configs"
        )
        configs = types.ModuleType(module)
        configs.SourceCode = FakeSourceCode
        monkeypatch.setitem(sys.modules, module, configs)

    return install


@pytest.mark.parametrize("version", [3, 2])
def test_model_trainer_arguments_are_a_prepared_source_code_and_the_environment(
    sdk, source_dir, version
):
    sdk(version)
    arguments = jobs.model_trainer_arguments(
        source_dir, experiment="churn", tracking_uri=GATEWAY, environment={"EXTRA": "1"}
    )
    assert set(arguments) == {"source_code", "environment"}
    source_code = arguments["source_code"]
    assert isinstance(source_code, FakeSourceCode)
    assert (
        source_code.source_dir,
        source_code.entry_script,
        source_code.requirements,
    ) == (
        str(source_dir),
        "train.py",
        "requirements.txt",
    )
    assert arguments["environment"] == {
        **jobs.job_environment(experiment="churn", tracking_uri=GATEWAY),
        "EXTRA": "1",
    }
    assert (source_dir / WHEEL).exists()


def test_model_trainer_arguments_without_the_sdk_say_what_to_install(
    monkeypatch, source_dir
):
    for name in jobs._SOURCE_CODE_MODULES:
        monkeypatch.setitem(sys.modules, name, None)  # import fails
    with pytest.raises(ImportError, match="pip install sagemaker"):
        jobs.model_trainer_arguments(source_dir, tracking_uri=GATEWAY)
    assert not (source_dir / WHEEL).exists()


def test_estimator_arguments_are_the_entry_point_the_prepared_source_dir_and_the_environment(
    source_dir,
):
    arguments = jobs.estimator_arguments(
        source_dir, entry_point="fit.py", parent_run_id="p1", tracking_uri=GATEWAY
    )
    assert arguments == {
        "entry_point": "fit.py",
        "source_dir": str(source_dir),
        "environment": jobs.job_environment(parent_run_id="p1", tracking_uri=GATEWAY),
    }
    assert (source_dir / WHEEL).exists()
