"""The MLflow container's entry point: the backend store URI it builds from the task's environment."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ENTRYPOINT = Path(__file__).resolve().parents[2] / "infra" / "mlflow-image" / "entrypoint.py"
spec = importlib.util.spec_from_file_location("mlflow_entrypoint", ENTRYPOINT)
entrypoint = importlib.util.module_from_spec(spec)
spec.loader.exec_module(entrypoint)

ENV = {
    "DB_HOST": "db.cluster-abc.us-east-1.rds.amazonaws.com",
    "DB_PORT": "5432",
    "DB_NAME": "mlflow",
    "DB_USER": "mlflow",
}


def test_a_password_with_any_characters_survives_the_uri() -> None:
    password = "p@ss:w/o#rd?%&=+ "
    uri = entrypoint.backend_store_uri({**ENV, "DB_PASSWORD": password})
    parts = urlsplit(uri)
    assert parts.scheme == "postgresql"
    assert parts.hostname == ENV["DB_HOST"]
    assert parts.port == 5432
    assert parts.path == "/mlflow"
    assert unquote(parts.password) == password
    assert unquote(parts.username) == "mlflow"


@pytest.mark.parametrize("missing", ["DB_HOST", "DB_PASSWORD"])
def test_a_missing_setting_stops_the_container_naming_it(missing: str) -> None:
    env = {**ENV, "DB_PASSWORD": "secret"}
    env[missing] = ""
    with pytest.raises(SystemExit, match=missing):
        entrypoint.backend_store_uri(env)
