"""Fixtures for tests that run against the local stack (`npm run local -- up`)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sqlite3
import subprocess
from pathlib import Path

import boto3
import pytest

from sagemaker_studio_mlflow.sigv4 import PROVIDER_NAME, SigV4RequestAuthProvider

REPO = Path(__file__).resolve().parents[2]
STACK_FILE = REPO / ".local" / "stack.json"
MLFLOW_DB = REPO / ".local" / "mlflow" / "mlflow.db"
ARTIFACTS = REPO / ".local" / "mlflow" / "artifacts"


@pytest.fixture(scope="session")
def stack() -> dict:
    if not STACK_FILE.exists():
        pytest.fail(f"{STACK_FILE} is missing: start the local stack with `npm run local -- up`.")
    return json.loads(STACK_FILE.read_text())


@pytest.fixture(scope="session")
def cognito(stack):
    return boto3.client(
        "cognito-idp",
        endpoint_url=stack["cognito"]["endpoint"],
        region_name=stack["region"],
        # Unsigned-user calls only (sign-in); the admin API answers the operator key alone.
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def sign_in(cognito, stack: dict, username: str, password: str) -> dict:
    """USER_PASSWORD_AUTH, as the extension does against the local identity provider."""
    response = cognito.initiate_auth(
        ClientId=stack["cognito"]["clientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return response["AuthenticationResult"]


def claims(token: str) -> dict:
    """The payload of a JWT (signature checks are the authorizer's job, tested there)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def sdk_environment(stack: dict, role: str) -> dict:
    """What a notebook or job of `role` runs with: the gateway, our SigV4 signer, the role's keys."""
    user = stack["users"][role]
    return {
        "MLFLOW_TRACKING_URI": stack["gateway"],
        "MLFLOW_TRACKING_AUTH": PROVIDER_NAME,
        "AWS_ACCESS_KEY_ID": user["accessKeyId"],
        "AWS_SECRET_ACCESS_KEY": user["secretAccessKey"],
        "AWS_REGION": stack["region"],
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_EC2_METADATA_DISABLED": "true",
    }


@pytest.fixture
def as_role(stack, monkeypatch):
    """`as_role("readers")` makes the MLflow SDK in this test sign as that role."""

    def use(role: str) -> None:
        for name, value in sdk_environment(stack, role).items():
            monkeypatch.setenv(name, value)

    return use


def open_to_everyone(stack: dict, kind: str, key: str) -> None:
    """Opens a resource made behind MLflow's back (team permissions know only what MLflow's API
    made, and what the start of the next deploy opens), as the admin, through the gateway."""
    import requests

    saved = dict(os.environ)
    try:
        os.environ.update(sdk_environment(stack, "admins"))
        auth = SigV4RequestAuthProvider().get_auth()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    answer = requests.post(
        f"{stack['gateway']}/api/2.0/studio-mlflow/access/grant",
        json={"kind": kind, "id": key, "team": "everyone", "level": "manage"},
        auth=auth,
        timeout=30,
    )
    assert answer.status_code == 200, answer.text[:300]


@pytest.fixture(scope="module")
def direct_client(stack):
    """MLflow's store itself, behind the gateway's and MLflow's back: to set up and check what
    really changed. (MLflow's port answers only the gateway.) Artifacts are files under
    ARTIFACTS; read them there. What it creates is opened to everyone, as a deploy would."""
    from mlflow import MlflowClient

    class DirectClient(MlflowClient):
        def create_experiment(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            experiment_id = super().create_experiment(*args, **kwargs)
            open_to_everyone(stack, "experiment", experiment_id)
            return experiment_id

        def create_registered_model(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            model = super().create_registered_model(*args, **kwargs)
            open_to_everyone(stack, "registered-model", model.name)
            return model

    uri = database_uri(stack)
    return DirectClient(tracking_uri=uri, registry_uri=uri)


def database_uri(stack: dict) -> str:
    """MLflow's backend store, SQLite or PostgreSQL (`up --db`); a stack file without
    `database` was written before PostgreSQL was an option: SQLite."""
    return stack.get("database", {}).get("uri", f"sqlite:///{MLFLOW_DB}")


def _table_rows() -> dict[str, list[str]]:
    stack = json.loads(STACK_FILE.read_text())
    uri = database_uri(stack)
    if uri.startswith("sqlite:"):
        with sqlite3.connect(f"file:{MLFLOW_DB}?mode=ro", uri=True) as db:
            tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
            return {table: sorted(repr(row) for row in db.execute(f'SELECT * FROM "{table}"')) for table in tables}
    import sqlalchemy

    engine = sqlalchemy.create_engine(uri, poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.connect() as db:
            tables = sorted(sqlalchemy.inspect(db).get_table_names())
            return {
                table: sorted(repr(tuple(row)) for row in db.execute(sqlalchemy.text(f'SELECT * FROM "{table}"')))
                for table in tables
            }
    finally:
        engine.dispose()


def mlflow_state() -> str:
    """A digest of every row of every table and of every artifact file, read behind MLflow's back."""
    digest = hashlib.sha256()
    for table, rows in _table_rows().items():
        digest.update(f"{table}:{len(rows)}:{rows}".encode())
    for path in sorted(ARTIFACTS.rglob("*")):
        digest.update(str(path.relative_to(ARTIFACTS)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


ROLES = ["admins", "readers", "model-approvers"]


@pytest.fixture(scope="module")
def matrix() -> list[dict]:
    """Every operation's sample request and who may make it (`npm --prefix infra run access-matrix`)."""
    output = subprocess.run(
        ["npm", "--prefix", "infra", "run", "--silent", "access-matrix"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output)


@pytest.fixture(scope="module")
def credentials(stack, cognito) -> dict:
    """Per role: the SigV4 signer of its IAM keys, its Cognito access token and its username."""
    found = {}
    saved = dict(os.environ)
    try:
        for role in ROLES:
            os.environ.update(sdk_environment(stack, role))
            user = stack["users"][role]
            found[role] = {
                "auth": SigV4RequestAuthProvider().get_auth(),
                "token": sign_in(cognito, stack, user["username"], user["password"])["AccessToken"],
                "username": user["username"],
            }
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return found
