"""The MLflow app's permission model: the artifact's operations, matched on decoded paths."""

from __future__ import annotations

import pytest

from sagemaker_studio_mlflow.server.path_template import (
    MAX_PATH_SEGMENTS,
    InvalidPathTemplateError,
    parse_path_template,
)
from sagemaker_studio_mlflow.server.permissions import (
    InvalidPermissionModelError,
    Operation,
    PermissionModel,
    UnknownOperationError,
    load_permission_model,
    read_artifact,
)

MODEL = load_permission_model()


def op(id: str, *templates: str, method: str = "GET", access: str = "read") -> Operation:
    return Operation(id=id, method=method, family="test", access=access, templates=templates)


def matched(model: PermissionModel, path: str, method: str = "GET") -> str | None:
    found = model.match(method, path)
    return None if found is None else found.operation.id


@pytest.mark.parametrize(
    "sample", read_artifact()["samples"], ids=lambda s: f"{s['method']} {s['path']}"
)
def test_every_sample_of_the_artifact_is_its_operation(sample: dict[str, str]) -> None:
    assert matched(MODEL, sample["path"], sample["method"]) == sample["operation"]


def test_the_artifact_has_samples_for_every_template() -> None:
    data = read_artifact()
    templates = sum(len(entry["templates"]) for entry in data["operations"])
    assert len(data["samples"]) == templates > 200


def test_path_parameters_are_returned() -> None:
    found = MODEL.match("GET", "/api/3.0/mlflow/traces/tr-1/assessments/a-2")
    assert found is not None
    assert found.operation.id == "traces.get-assessment"
    assert dict(found.params) == {"trace_id": "tr-1", "assessment_id": "a-2"}
    artifact = MODEL.match("GET", "/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts/m/x.pkl")
    assert artifact is not None
    assert dict(artifact.params) == {"artifact_path": "1/abc/artifacts/m/x.pkl"}


def test_a_decoded_separator_is_routed_as_mlflow_routes_it() -> None:
    # `traces/x%2Fassessments%2Fy` reaches MLflow as this path.
    assert matched(MODEL, "/api/3.0/mlflow/traces/x/assessments/y") == "traces.get-assessment"
    # `experiments/d%65lete` reaches MLflow as this one.
    assert matched(MODEL, "/api/2.0/mlflow/experiments/delete", "POST") == "experiments.delete"


def test_literal_beats_param_beats_greedy() -> None:
    model = PermissionModel(
        [
            op("literal", "/a/get"),
            op("suffixed", "/a/{x}:run"),
            op("param", "/a/{x}"),
            op("greedy", "/a/{x+}"),
        ],
        {},
    )
    assert matched(model, "/a/get") == "literal"
    assert matched(model, "/a/job:run") == "suffixed"
    assert matched(model, "/a/other") == "param"
    assert matched(model, "/a/b/c") == "greedy"
    # A suffix alone is no value.
    assert matched(model, "/a/:run") == "param"


def test_earlier_segments_decide_first() -> None:
    model = PermissionModel([op("early", "/a/lit/{y}"), op("late", "/a/{x}/lit")], {})
    assert matched(model, "/a/lit/lit") == "early"


def test_greedy_takes_the_most_specific_split() -> None:
    model = PermissionModel(
        [op("tags", "/m/{name+}/tags/{key+}"), op("get", "/m/{name+}")], {}
    )
    found = model.match("GET", "/m/a/b/tags/c/d")
    assert found is not None and found.operation.id == "tags"
    assert dict(found.params) == {"name": "a/b", "key": "c/d"}
    assert matched(model, "/m/a/b/tags") == "get"


def test_equally_specific_matches_are_no_match() -> None:
    model = PermissionModel([op("one", "/a/{x}/b"), op("two", "/a/{y}/{z}")], {})
    assert matched(model, "/a/v/b") == "one"
    tie = PermissionModel([op("one", "/a/{x}:go"), op("two", "/a/{y}o")], {})
    assert matched(tie, "/a/x:go") is None


def test_templates_of_one_shape_are_refused() -> None:
    with pytest.raises(InvalidPermissionModelError, match="both match"):
        PermissionModel([op("one", "/a/{x}"), op("two", "/a/{y}")], {})


@pytest.mark.parametrize(
    "path",
    [
        "/api/2.0/mlflow/runs/./get",
        "/api/2.0/mlflow/experiments/../runs/get",
        "/api/2.0/mlflow/runs/get/..",
        "/api/2.0/mlflow/runs/get/",
        "//api/2.0/mlflow/runs/get",
        "/api/2.0/mlflow//runs/get",
        "/api/2.0/mlflow/runs\\get",
        "api/2.0/mlflow/runs/get",
        "/API/2.0/mlflow/runs/get",
        "/api/2.0/mlflow/runs/get" + "/x" * MAX_PATH_SEGMENTS,
    ],
)
def test_paths_mlflow_might_read_otherwise_match_nothing(path: str) -> None:
    assert MODEL.match("GET", "/api/2.0/mlflow/runs/get") is not None
    assert MODEL.match("GET", path) is None


def test_parameters_take_no_empty_or_dot_segment() -> None:
    assert matched(MODEL, "/api/3.0/mlflow/traces/tr-1") == "traces.get-info"
    assert matched(MODEL, "/api/3.0/mlflow/traces/") is None
    assert matched(MODEL, "/api/3.0/mlflow/traces/..") is None
    assert matched(MODEL, "/api/2.0/mlflow-artifacts/artifacts/a//b") is None
    assert matched(MODEL, "/api/2.0/mlflow-artifacts/artifacts/a/./b") is None


def test_unknown_method_or_path_is_no_operation() -> None:
    assert MODEL.match("TRACE", "/api/2.0/mlflow/runs/get") is None
    assert MODEL.match("POST", "/api/2.0/mlflow/runs/get") is None
    assert MODEL.match("GET", "/api/2.0/mlflow/users/create") is None


def test_roles_decide_and_public_operations_need_none() -> None:
    delete = MODEL.operations["experiments.delete"]
    assert MODEL.allowed(delete, ["admins"])
    assert not MODEL.allowed(delete, ["readers"])
    assert not MODEL.allowed(delete, [])
    assert not MODEL.allowed(delete, ["not-a-role"])
    assert MODEL.allowed(MODEL.operations["runs.search"], ["readers"])
    assert MODEL.allowed(MODEL.operations["server.health"], [])


def test_a_deployment_role_table_replaces_the_built_in_roles() -> None:
    model = load_permission_model({"auditors": ["runs.search"]})
    assert model.allowed(model.operations["runs.search"], ["auditors"])
    assert not model.allowed(model.operations["runs.search"], ["readers"])
    with pytest.raises(UnknownOperationError, match='"runs.explode"'):
        load_permission_model({"auditors": ["runs.explode"]})


@pytest.mark.parametrize(
    "template", ["a/b", "/a/{b", "/a/{b}{c}", "/a/{b+}x", "/a/{b+}/{c+}", "/a/x}"]
)
def test_bad_templates_are_refused(template: str) -> None:
    with pytest.raises(InvalidPathTemplateError):
        parse_path_template(template)


def test_every_operation_has_words_and_a_refusal_names_the_roles_that_may() -> None:
    from sagemaker_studio_mlflow.server.permissions import load_refusal_wording

    model = load_permission_model(
        {"admins": ["experiments.update"], "curators": ["experiments.update"], "readers": []}
    )
    assert all(operation.words for operation in model.operations.values())
    rename = model.operations["experiments.update"]
    assert rename.words == "rename an experiment"
    assert load_refusal_wording().sentence(rename, ["readers"], model.roles_that_may(rename)) == (
        "You may not rename an experiment (experiments.update). Your roles: readers. "
        "Roles that may: admins, curators. Ask your MLflow administrator to add you to one of them."
    )
