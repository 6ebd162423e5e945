"""Team permissions through the local stack: members and non-members, on both the SDK's and the UI's paths.

The seed restricts team-a's experiment and registered model to team-a (edit). The
reader (readers), alice (model-approvers) and carol (experimenters, the role of
``infra/roles.json``) are in team-a; the approver (model-approvers) and the
experimenters' own user are not; the admin is MLflow's admin. Roles still decide
which operations exist; teams decide which restricted resources each reaches.
"""

from __future__ import annotations

import os

import pytest
import requests

from sagemaker_studio_mlflow.sigv4 import SigV4RequestAuthProvider

from .conftest import sdk_environment, sign_in

#: Who calls, and their key in stack.json's users.
CALLERS = {
    "admins": "admins",
    "readers": "readers",
    "approver": "model-approvers",
    "alice": "alice",
    "carol": "carol",
    "experimenter": "experimenters",
}


@pytest.fixture(scope="module")
def team(stack) -> dict:
    seeded = stack["teams"]["team-a"]
    return {"experiment": seeded["experiments"][0], "model": seeded["registeredModels"][0]}


@pytest.fixture(scope="module")
def callers(stack, cognito) -> dict:
    """Per caller: a SigV4 signer of its keys (the SDK's path) and its Cognito access token (the UI's)."""
    found = {}
    saved = dict(os.environ)
    try:
        for who, key in CALLERS.items():
            user = stack["users"][key]
            os.environ.update(sdk_environment(stack, key))
            found[who] = {
                "auth": SigV4RequestAuthProvider().get_auth(),
                "token": sign_in(cognito, stack, user["username"], user["password"])["AccessToken"],
            }
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return found


def call(stack, callers, who: str, path: str, via: str, method: str = "GET", **kwargs) -> requests.Response:
    """``via`` "sdk": ``/api/2.0/...`` signed with SigV4; "ui": ``/ajax-api/2.0/...`` with the token."""
    if via == "sdk":
        url, extra = f"{stack['gateway']}/api/2.0/{path}", {"auth": callers[who]["auth"]}
    else:
        url = f"{stack['gateway']}/ajax-api/2.0/{path}"
        extra = {"headers": {"Authorization": f"Bearer {callers[who]['token']}"}}
    return requests.request(method, url, timeout=30, **extra, **kwargs)


VIAS = ("sdk", "ui")


@pytest.mark.parametrize("via", VIAS)
def test_members_read_the_restricted_experiment_its_runs_and_artifacts_and_others_do_not(
    stack, callers, team, via
):
    experiment = team["experiment"]
    runs = call(stack, callers, "admins", "mlflow/runs/search", via, "POST", json={"experiment_ids": [experiment]})
    run_id = runs.json()["runs"][0]["info"]["run_id"]
    for who, allowed in (("admins", True), ("readers", True), ("alice", True), ("approver", False)):
        got = call(stack, callers, who, f"mlflow/experiments/get?experiment_id={experiment}", via)
        assert (got.status_code == 200) is allowed, (who, got.status_code, got.text[:200])
        run = call(stack, callers, who, f"mlflow/runs/get?run_id={run_id}", via)
        assert (run.status_code == 200) is allowed, (who, run.text[:200])
        listed = call(stack, callers, who, f"mlflow/artifacts/list?run_id={run_id}", via)
        assert (listed.status_code == 200) is allowed, (who, listed.text[:200])
        if not allowed:
            for refused in (got, run, listed):
                assert refused.status_code == 403
                body = refused.json()
                assert body["error_code"] == "PERMISSION_DENIED"
                assert "restricted to teams" in body["message"] and "Ask its managers" in body["message"]
                # The browser cannot read the reason's header across origins: the body names it.
                assert body["details"] == {"reason": "teams"}


@pytest.mark.parametrize("via", VIAS)
def test_a_restricted_experiment_never_appears_in_a_non_members_searches_and_paging_stays_whole(
    stack, callers, team, via
):
    def every_experiment(who: str) -> list[str]:
        ids, token = [], None
        while True:
            body = {"max_results": 1, **({"page_token": token} if token else {})}
            page = call(stack, callers, who, "mlflow/experiments/search", via, "POST", json=body).json()
            ids += [e["experiment_id"] for e in page.get("experiments", [])]
            token = page.get("next_page_token")
            if not token:
                return ids

    everything = every_experiment("admins")
    outsider, member = every_experiment("approver"), every_experiment("readers")
    assert len(outsider) == len(set(outsider)) and len(member) == len(set(member))
    assert team["experiment"] not in outsider
    assert team["experiment"] in member
    assert sorted(outsider) == sorted(e for e in everything if e != team["experiment"])
    assert sorted(member) == sorted(everything)
    runs = call(
        stack, callers, "approver", "mlflow/runs/search", via, "POST", json={"experiment_ids": [team["experiment"]]}
    )
    # MLflow's auth app leaves out what the caller may not see, as for any other search.
    assert runs.status_code == 403 or runs.json().get("runs", []) == [], runs.text[:200]


@pytest.mark.parametrize("via", VIAS)
def test_the_restricted_model_and_its_versions_reach_members_only(stack, callers, team, via):
    model = team["model"]
    for who, allowed in (("readers", True), ("alice", True), ("approver", False)):
        got = call(stack, callers, who, f"mlflow/registered-models/get?name={model}", via)
        assert (got.status_code == 200) is allowed, (who, got.text[:200])
        version = call(stack, callers, who, f"mlflow/model-versions/get?name={model}&version=1", via)
        assert (version.status_code == 200) is allowed, (who, version.text[:200])
        names = [
            m["name"]
            for m in call(stack, callers, who, "mlflow/registered-models/search?max_results=100", via)
            .json()
            .get("registered_models", [])
        ]
        assert (model in names) is allowed, who


def test_writes_need_the_role_and_the_teams_level(stack, callers, team):
    model = team["model"]
    description = {"name": model, "description": "edited by alice"}
    # alice: a member (edit) whose role changes models.
    edited = call(stack, callers, "alice", "mlflow/registered-models/update", "sdk", "PATCH", json=description)
    assert edited.status_code == 200, edited.text[:200]
    # the approver has the same role but is not in the team.
    refused = call(stack, callers, "approver", "mlflow/registered-models/update", "sdk", "PATCH", json=description)
    assert refused.status_code == 403
    # the reader is in the team, but readers change nothing.
    reader = call(stack, callers, "readers", "mlflow/registered-models/update", "ui", "PATCH", json=description)
    assert reader.status_code == 403 and "readers" in reader.json()["message"]
    # nobody but the admin writes runs of team-a's experiment: no other role may.
    runs = call(
        stack, callers, "admins", "mlflow/runs/search", "sdk", "POST", json={"experiment_ids": [team["experiment"]]}
    )
    run_id = runs.json()["runs"][0]["info"]["run_id"]
    tag = {"run_id": run_id, "key": "checked", "value": "yes"}
    assert call(stack, callers, "admins", "mlflow/runs/set-tag", "sdk", "POST", json=tag).status_code == 200
    assert call(stack, callers, "alice", "mlflow/runs/set-tag", "sdk", "POST", json=tag).status_code == 403


def test_managing_access_needs_manage_and_a_grant_takes_effect_at_once(stack, callers, team):
    model = team["model"]
    grant = {"kind": "registered-model", "id": model, "team": "team-b", "level": "read"}
    shown = call(stack, callers, "alice", f"studio-mlflow/access/get?kind=registered-model&id={model}", "ui")
    assert shown.status_code == 200
    assert shown.json()["access"]["restricted"] is True
    assert {"team": "team-a", "level": "edit"} in shown.json()["access"]["teams"]
    assert shown.json()["canManage"] is False

    refused = call(stack, callers, "alice", "studio-mlflow/access/grant", "ui", "POST", json=grant)
    assert refused.status_code == 403 and "needs manage" in refused.json()["message"]
    hidden = call(stack, callers, "approver", f"studio-mlflow/access/get?kind=registered-model&id={model}", "sdk")
    assert hidden.status_code == 404 and "restricted to teams you are not in" in hidden.json()["message"]

    manage = {"kind": "registered-model", "id": model, "team": "team-a", "level": "manage"}
    try:
        assert call(stack, callers, "admins", "studio-mlflow/access/grant", "sdk", "POST", json=manage).status_code == 200
        # The reader is in team-a too, but readers may not change access: the view offers it no grant.
        reader_view = call(stack, callers, "readers", f"studio-mlflow/access/get?kind=registered-model&id={model}", "ui")
        assert reader_view.json()["canManage"] is False
        # Now alice manages it: she opens it to everyone to read.
        opened = {"kind": "registered-model", "id": model, "team": "everyone", "level": "read"}
        answer = call(stack, callers, "alice", "studio-mlflow/access/grant", "ui", "POST", json=opened)
        assert answer.status_code == 200, answer.text[:200]
        assert answer.json()["access"]["restricted"] is False
        got = call(stack, callers, "approver", f"mlflow/registered-models/get?name={model}", "sdk")
        assert got.status_code == 200
        # ... to read only: the approver's role would change it, the level does not let it.
        description = {"name": model, "description": "edited by the approver"}
        edit = call(stack, callers, "approver", "mlflow/registered-models/update", "sdk", "PATCH", json=description)
        assert edit.status_code == 403
    finally:
        restrict = {"kind": "registered-model", "id": model, "team": "everyone"}
        call(stack, callers, "admins", "studio-mlflow/access/revoke", "sdk", "POST", json=restrict)
        edit_level = {**manage, "level": "edit"}
        call(stack, callers, "admins", "studio-mlflow/access/grant", "sdk", "POST", json=edit_level)
    assert call(stack, callers, "approver", f"mlflow/registered-models/get?name={model}", "sdk").status_code == 403


def test_bad_access_requests_are_refused_in_mlflows_format(stack, callers, team):
    for body in (
        {"kind": "run", "id": "1", "team": "team-a", "level": "read"},
        {"kind": "experiment", "id": team["experiment"], "team": "team-a", "level": "owner"},
        {"kind": "experiment", "id": team["experiment"], "team": "../admins", "level": "read"},
    ):
        answer = call(stack, callers, "admins", "studio-mlflow/access/grant", "sdk", "POST", json=body)
        assert answer.status_code == 400, body
        assert answer.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    missing = call(stack, callers, "admins", "studio-mlflow/access/get?kind=experiment&id=999999", "sdk")
    assert missing.status_code == 404


@pytest.fixture(scope="module")
def team_run(stack, team) -> dict:
    """A run of team-a's experiment with a text artifact and a trace, logged by the admin's SDK."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    from mlflow import MlflowClient

    saved = dict(os.environ)
    try:
        os.environ.update(sdk_environment(stack, "admins"))
        client = MlflowClient(tracking_uri=stack["gateway"])
        run = client.create_run(team["experiment"], run_name="team-a-artifacts")
        client.log_text(run.info.run_id, "team-a only", "notes/secret.txt")
        client.set_terminated(run.info.run_id)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    script = Path(__file__).resolve().parents[2] / "ui-tests" / "log_trace.py"
    logged = subprocess.run(
        [sys.executable, str(script), team["experiment"], "admins"], capture_output=True, text=True, check=True
    )
    return {"run_id": run.info.run_id, "experiment_id": run.info.experiment_id,
            "trace_id": json.loads(logged.stdout)["traceId"]}


MEMBERS = (("readers", True), ("alice", True), ("approver", False))


@pytest.mark.parametrize("via", VIAS)
def test_artifact_downloads_follow_the_restricted_experiment(stack, callers, team_run, via):
    run_id, experiment_id = team_run["run_id"], team_run["experiment_id"]
    for who, allowed in MEMBERS:
        # The SDK's download through MLflow's artifact proxy, and (a token's path only) the MLflow UI's.
        base = stack["gateway"]
        extra = (
            {"auth": callers[who]["auth"]}
            if via == "sdk"
            else {"headers": {"Authorization": f"Bearer {callers[who]['token']}"}}
        )
        root = "api" if via == "sdk" else "ajax-api"
        proxied = requests.get(
            f"{base}/{root}/2.0/mlflow-artifacts/artifacts/{experiment_id}/{run_id}/artifacts/notes/secret.txt",
            timeout=30, **extra,
        )
        answers = [proxied]
        if via == "ui":
            answers.append(requests.get(
                f"{base}/get-artifact", params={"path": "notes/secret.txt", "run_uuid": run_id}, timeout=30, **extra
            ))
        for answer in answers:
            assert (answer.status_code == 200) is allowed, (who, answer.url, answer.status_code, answer.text[:200])
            assert ("team-a only" in answer.text) is allowed, (who, answer.url)


@pytest.mark.parametrize("via", VIAS)
def test_traces_follow_the_restricted_experiment(stack, callers, team, team_run, via):
    trace_id = team_run["trace_id"]
    for who, allowed in MEMBERS:
        info = call(stack, callers, who, f"mlflow/traces/{trace_id}/info", via)
        assert (info.status_code == 200) is allowed, (who, info.status_code, info.text[:200])
        found = call(
            stack, callers, who, "mlflow/traces", via,
            params={"experiment_ids": team["experiment"], "max_results": 100},
        )
        ids = [t.get("request_id") or t.get("trace_id") for t in found.json().get("traces", [])] \
            if found.status_code == 200 else []
        assert (trace_id in ids) is allowed, (who, found.status_code, found.text[:200])


def test_graphql_answers_only_what_the_caller_reaches(stack, callers, team):
    query = (
        "query MlflowGetExperimentQuery($input: MlflowGetExperimentInput) "
        "{ mlflowGetExperiment(input: $input) { experiment { experimentId name } } }"
    )
    for who, allowed in MEMBERS:
        answer = requests.post(
            f"{stack['gateway']}/graphql",
            json={"query": query, "operationName": "MlflowGetExperimentQuery",
                  "variables": {"input": {"experimentId": team["experiment"]}}},
            headers={"Authorization": f"Bearer {callers[who]['token']}"},
            timeout=30,
        )
        assert ("team-a-forecasts" in answer.text) is allowed, (who, answer.status_code, answer.text[:300])


#: Both may track (experimenters); only carol is in team-a.
TRACKERS = (("carol", True), ("experimenter", False))


def upload(stack, callers, who: str, via: str, experiment_id: str, run_id: str, name: str) -> requests.Response:
    """An artifact put through MLflow's artifact proxy, as the SDK (signed) or the UI (token) does."""
    root, extra = (
        ("api", {"auth": callers[who]["auth"]})
        if via == "sdk"
        else ("ajax-api", {"headers": {"Authorization": f"Bearer {callers[who]['token']}"}})
    )
    url = f"{stack['gateway']}/{root}/2.0/mlflow-artifacts/artifacts/{experiment_id}/{run_id}/artifacts/{name}"
    return requests.put(url, data=f"written by {who}".encode(), timeout=30, **extra)


@pytest.mark.parametrize("via", VIAS)
def test_a_member_whose_role_tracks_writes_the_teams_experiment_runs_and_artifacts_and_a_non_member_does_not(
    stack, callers, team_run, via
):
    experiment, run_id = team_run["experiment_id"], team_run["run_id"]
    for who, allowed in TRACKERS:
        metric = {"key": f"{who}-{via}", "value": 1.0, "timestamp": 0, "step": 0}
        answers = {
            "experiment tag": call(stack, callers, who, "mlflow/experiments/set-experiment-tag", via, "POST",
                                   json={"experiment_id": experiment, "key": f"by-{who}", "value": via}),
            "new run": call(stack, callers, who, "mlflow/runs/create", via, "POST",
                            json={"experiment_id": experiment, "run_name": f"{who}-{via}"}),
            "run tag": call(stack, callers, who, "mlflow/runs/set-tag", via, "POST",
                            json={"run_id": run_id, "key": f"by-{who}", "value": via}),
            "metric": call(stack, callers, who, "mlflow/runs/log-batch", via, "POST",
                           json={"run_id": run_id, "metrics": [metric]}),
            "artifact": upload(stack, callers, who, via, experiment, run_id, f"{who}-{via}.txt"),
        }
        for what, answer in answers.items():
            assert (answer.status_code == 200) is allowed, (who, what, answer.status_code, answer.text[:200])
            if not allowed:
                # The role allows it: the refusal is the team's.
                assert answer.json()["error_code"] == "PERMISSION_DENIED", (what, answer.text[:200])
                assert answer.json()["details"] == {"reason": "teams"}, (what, answer.text[:200])
    # What the member wrote is there, and nothing of the other's.
    run = call(stack, callers, "admins", f"mlflow/runs/get?run_id={run_id}", "sdk").json()["run"]
    tags = {tag["key"]: tag["value"] for tag in run["data"]["tags"]}
    metrics = {metric["key"] for metric in run["data"].get("metrics", [])}
    assert tags.get("by-carol") == via and "by-experimenter" not in tags
    assert f"carol-{via}" in metrics and f"experimenter-{via}" not in metrics
    files = call(stack, callers, "admins", f"mlflow/artifacts/list?run_id={run_id}", "sdk").json().get("files", [])
    names = {file["path"] for file in files}
    assert f"carol-{via}.txt" in names and f"experimenter-{via}.txt" not in names


def test_an_experimenter_manages_what_it_creates_and_a_team_member_without_manage_does_not(stack, callers):
    created = call(stack, callers, "experimenter", "mlflow/experiments/create", "sdk", "POST",
                   json={"name": f"experimenters-own-{os.getpid()}"})
    assert created.status_code == 200, created.text[:200]
    experiment = created.json()["experiment_id"]
    query = f"studio-mlflow/access/get?kind=experiment&id={experiment}"
    assert call(stack, callers, "experimenter", query, "ui").json()["canManage"] is True
    # Its creator gives team-a edit and restricts it: carol reaches it, the approver no more.
    grant = {"kind": "experiment", "id": experiment, "team": "team-a", "level": "edit"}
    assert call(stack, callers, "experimenter", "studio-mlflow/access/grant", "ui", "POST", json=grant).status_code == 200
    restrict = {"kind": "experiment", "id": experiment, "team": "everyone"}
    assert call(stack, callers, "experimenter", "studio-mlflow/access/revoke", "ui", "POST", json=restrict).status_code == 200
    assert call(stack, callers, "experimenter", query, "sdk").json()["access"]["restricted"] is True
    get = f"mlflow/experiments/get?experiment_id={experiment}"
    assert call(stack, callers, "carol", get, "sdk").status_code == 200
    assert call(stack, callers, "approver", get, "sdk").status_code == 403
    # carol edits it, but may not manage it: edit is not manage.
    shown = call(stack, callers, "carol", query, "ui").json()
    assert shown["canManage"] is False
    share = {"kind": "experiment", "id": experiment, "team": "team-b", "level": "read"}
    refused = call(stack, callers, "carol", "studio-mlflow/access/grant", "ui", "POST", json=share)
    assert refused.status_code == 403 and "needs manage" in refused.json()["message"]
    run = call(stack, callers, "carol", "mlflow/runs/create", "sdk", "POST", json={"experiment_id": experiment})
    assert run.status_code == 200, run.text[:200]
