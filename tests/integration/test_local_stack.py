"""The local stack as its users meet it: sign-ins per role, and MLflow through the gateway."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from botocore.exceptions import ClientError
from mlflow import MlflowClient

from sagemaker_studio_mlflow.sigv4 import SigV4RequestAuthProvider

from .conftest import claims, sign_in

#: The built-in roles and those of the local stack's roles file.
ROLES = ["admins", "readers", "model-approvers"] + [
    role["name"] for role in json.loads((Path(__file__).resolve().parents[2] / "infra" / "roles.json").read_text())["roles"]
]


def test_stack_file_describes_every_part(stack):
    for key in ("gateway", "mlflow", "jupyterlab", "region"):
        assert stack[key], key
    assert set(stack["cognito"]) >= {"endpoint", "userPoolId", "clientId"}
    # One user per role, keyed by it; further users by their username, with their role.
    assert set(ROLES) <= set(stack["users"])
    assert "experimenters" in ROLES
    for key, user in stack["users"].items():
        assert set(user) >= {"username", "password", "accessKeyId", "secretAccessKey", "teams"}
        assert key in ROLES or (user["role"] in ROLES and key == user["username"])
    for team, seeded in stack["teams"].items():
        assert set(seeded) == {"members", "experiments", "registeredModels"}, team
        assert seeded["members"] == sorted(u["username"] for u in stack["users"].values() if team in u["teams"])
    # Every part listens on the loopback address only.
    for url in (stack["gateway"], stack["mlflow"], stack["jupyterlab"], stack["cognito"]["endpoint"]):
        assert url.startswith("http://127.0.0.1:"), url


@pytest.mark.parametrize("role", ROLES)
def test_each_seeded_user_signs_in_and_carries_their_group(stack, cognito, role):
    user = stack["users"][role]
    tokens = sign_in(cognito, stack, user["username"], user["password"])

    for kind in ("IdToken", "AccessToken"):
        token = claims(tokens[kind])
        assert sorted(token["cognito:groups"]) == sorted([role, *user["teams"]]), kind
        assert token["iss"].endswith("/" + stack["cognito"]["userPoolId"])
        assert token["token_use"] == ("id" if kind == "IdToken" else "access")
    assert claims(tokens["IdToken"])["aud"] == stack["cognito"]["clientId"]
    assert claims(tokens["AccessToken"])["username"] == user["username"]


def test_a_wrong_password_is_refused(stack, cognito):
    user = stack["users"]["admins"]
    with pytest.raises(ClientError) as error:
        sign_in(cognito, stack, user["username"], user["password"] + "x")
    # Amazon Cognito says NotAuthorizedException; cognito-local says InvalidPasswordException.
    assert error.value.response["Error"]["Code"] in {"NotAuthorizedException", "InvalidPasswordException"}


@pytest.fixture
def mlflow(stack, as_role) -> MlflowClient:
    as_role("readers")
    return MlflowClient(tracking_uri=stack["gateway"])


def experiment_id(client: MlflowClient, name: str) -> str:
    experiment = client.get_experiment_by_name(name)
    assert experiment is not None, f"experiment {name!r} is not seeded"
    return experiment.experiment_id


def test_seeded_runs_are_read_through_the_gateway(mlflow):
    names = {e.name for e in mlflow.search_experiments()}
    assert {"churn-prediction", "image-classifier"} <= names

    churn = experiment_id(mlflow, "churn-prediction")
    vision = experiment_id(mlflow, "image-classifier")
    runs = mlflow.search_runs([churn, vision], max_results=1000)
    assert len(runs) >= 30
    run = mlflow.search_runs([churn], filter_string="params.model = 'xgb'", max_results=1)[0]
    assert run.data.params["model"] == "xgb"
    assert {"rmse", "accuracy"} <= set(run.data.metrics)
    assert run.data.tags["dataset"] == "telco-churn-v3"
    history = mlflow.get_metric_history(run.info.run_id, "rmse")
    assert len(history) > 5
    assert [m.step for m in history] == sorted(m.step for m in history)


def test_the_parent_run_has_child_runs(mlflow):
    churn = experiment_id(mlflow, "churn-prediction")
    parent = mlflow.search_runs([churn], filter_string="attributes.run_name = 'xgb-sweep'")[0]
    children = mlflow.search_runs(
        [churn], filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'"
    )
    assert len(children) == 5


def test_the_registered_model_has_two_versions_and_an_artifact(mlflow, tmp_path):
    versions = mlflow.search_model_versions("name = 'churn-classifier'")
    assert sorted(int(v.version) for v in versions) == [1, 2]
    assert mlflow.get_model_version_by_alias("churn-classifier", "champion").version == "2"

    run_id = versions[0].run_id
    path = mlflow.download_artifacts(run_id, "feature_importance.json", str(tmp_path))
    with open(path) as f:
        assert "monthly_charges" in json.load(f)


def test_the_gateway_forwards_what_mlflow_answers_unchanged(stack, as_role, direct_client):
    as_role("readers")
    auth = SigV4RequestAuthProvider().get_auth()
    response = requests.post(
        f"{stack['gateway']}/api/2.0/mlflow/experiments/search", json={"max_results": 100}, timeout=10, auth=auth
    )
    assert response.status_code == 200, response.text
    through_gateway = sorted((e["experiment_id"], e["name"]) for e in response.json()["experiments"])
    in_store = sorted((e.experiment_id, e.name) for e in direct_client.search_experiments(max_results=100))
    assert through_gateway == in_store


def test_stack_file_names_the_organisations_identity_provider_and_its_seeded_people(stack):
    sso = stack["sso"]
    assert sso["provider"] == "LocalIdP"
    # One federated user per built-in role, and a team member.
    assert {"admins", "readers", "model-approvers"} <= set(sso["users"])
    assert any("org-forecasting" in user["groups"] for user in sso["users"].values())
    for user in sso["users"].values():
        assert set(user) == {"username", "password", "groups"}
    discovery = requests.get(f"{sso['issuer']}/.well-known/openid-configuration", timeout=10).json()
    assert discovery["issuer"] == sso["issuer"]
    assert "groups" in discovery["scopes_supported"] and discovery["response_types_supported"] == ["code"]
