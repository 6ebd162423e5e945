"""The caller, not the client, is the author of what it creates in MLflow.

MLflow 3.17 takes authors from the request: the SDK sends the notebook's login name
(``getpass``) as a run's ``user_id`` and ``mlflow.user`` tag, and anyone can send any
other. The gate rewrites the body of each request that names an author
(:func:`claim_authorship`) and, after MLflow answered 2xx, writes what MLflow's handler
never takes from a request (:func:`record_authorship`). ``user`` is the caller's name
as the gate resolved it (a Cognito username, or the user an IAM principal maps to).

What MLflow 3.17 can carry, entity by entity (the operation ids are those of
``permission_model.json``; the ``/api`` and ``/ajax-api`` spellings share them):

- Runs: ``user_id`` (the run browser's User column) and the ``mlflow.user`` tag.
  ``runs.create`` gets both; ``runs.set-tag`` and ``runs.log-batch`` setting
  ``mlflow.user`` set the caller's instead; ``runs.create-promptlab-run`` gets
  ``user_id`` in the body and the tag afterwards (its handler would fail on a tag sent in
  the body). ``runs.update`` carries no author in 3.17 (run id, status, end time, name).
- Experiments, registered models (prompts are registered models tagged
  ``mlflow.prompt.is_prompt``) and logged models: no author field; their create
  operations get the ``mlflow.user`` tag, and setting that tag later sets the caller's.
  ``RegisteredModel.user_id`` exists in the API but the SQL store keeps none.
- Model versions (prompt versions too): ``user_id``, which ``model-versions.create``'s
  handler never writes: :func:`record_authorship` writes it through the registry store
  (SQL stores only; with a file store the version stays without author). A
  ``mlflow.user`` tag a client puts on a version is replaced, none is added.
- Evaluation datasets: ``created_by`` and ``last_updated_by`` come from the
  ``mlflow.user`` key of the JSON ``tags`` of ``datasets.create`` (set) and of each
  record's ``tags`` in ``datasets.upsert-records`` (set: the records' authors and the
  dataset's last updater); ``datasets.set-tags`` setting that key sets the caller's.
- Issues and the AI gateway's secrets, endpoints, model definitions, bindings and
  budgets: ``created_by``/``updated_by`` request fields, set to the caller.

Not covered, because 3.17 takes these authors from elsewhere than the request body:
review queues and MCP servers are stamped from MLflow's own auth plugin
(``flask.g.mlflow_authenticated_user``, ``request.state.username``; unset without it),
guardrails and prompt optimization jobs from the server process's login name. A
client can still delete an ``mlflow.user`` tag (``*.delete-tag``): the audit trail
records who did. Traces have no author: their ``mlflow.trace.user`` metadata is the
traced application's end user, which only the application knows.

The rewritten body parses as MLflow parses it (``flask.Request.get_json(force=True,
silent=True)``, then once more if that gives a string: older clients double-encode):
an empty or unparsable body, ``null``, a list or a string are an empty request to
MLflow (it goes on with an empty message), so they become the author fields alone; a
number or a boolean, which MLflow fails on, is returned unchanged. Protobuf parses a
message up to the first field it cannot parse and MLflow goes on with that part: the
author fields come first in the rewritten object and the author tag first in its
list, the other fields keep their order. Everything else keeps its value;
the gate must send the new body's length.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from mlflow.utils.mlflow_tags import MLFLOW_USER

_logger = logging.getLogger(__name__)

Body = dict[str, Any]
_Claim = Callable[[Body, str], Body]


def _camel(name: str) -> str:
    """The JSON name protobuf also accepts for a field (``user_id`` → ``userId``)."""
    first, *rest = name.split("_")
    return first + "".join(part.capitalize() for part in rest)


def _first(body: Body, fields: dict[str, Any]) -> Body:
    """``body`` with ``fields`` (snake_case names) first and no other spelling of them.

    Only for values that parse: protobuf stops at the first field it cannot parse, and
    a valid field moved to the front leaves what the others mean as it was.
    """
    spellings = set(fields) | {_camel(name) for name in fields}
    return {**fields, **{key: value for key, value in body.items() if key not in spellings}}


def _set(body: Body, name: str, value: Any) -> Body:
    """``body`` with ``name`` set: in its place if it is there (its value may not parse), else first."""
    return {**body, name: value} if name in body else {name: value, **body}


def _author_field(*names: str) -> _Claim:
    """Request fields that hold the author."""

    def claim(body: Body, user: str) -> Body:
        return _first(body, dict.fromkeys(names, user))

    return claim


def _tag_list(tags: Any, user: str, *, add: bool) -> Any:
    """A ``[{key, value}]`` list with the author tag: first and alone if ``add``, else
    the caller's value wherever a client set one. Anything but a list stays as it is."""
    if not isinstance(tags, list):
        return [{"key": MLFLOW_USER, "value": user}] if add and tags is None else tags
    if add:
        others = [t for t in tags if not (isinstance(t, dict) and t.get("key") == MLFLOW_USER)]
        return [{"key": MLFLOW_USER, "value": user}, *others]
    return [
        {**t, "value": user} if isinstance(t, dict) and t.get("key") == MLFLOW_USER else t
        for t in tags
    ]


def _tags(*, add: bool, author_fields: tuple[str, ...] = ()) -> _Claim:
    """A ``tags`` list of ``{key, value}`` (and fields that hold the author)."""

    def claim(body: Body, user: str) -> Body:
        if add or "tags" in body:
            body = _set(body, "tags", _tag_list(body.get("tags"), user, add=add))
        return _first(body, dict.fromkeys(author_fields, user))

    return claim


def _single_tag(body: Body, user: str) -> Body:
    """A ``{key, value}`` set-tag request: the author tag gets the caller's value."""
    if body.get("key") != MLFLOW_USER:
        return body
    return {**body, "value": user}


def _promptlab_run(body: Body, user: str) -> Body:
    # Its handler reads the body without protobuf: no camelCase spelling, and tags it
    # passes to the store as they are (an added dict would fail there): the tag is
    # written afterwards, see record_authorship.
    claimed = {**body, "user_id": user}
    if "tags" in claimed:
        claimed["tags"] = _tag_list(claimed["tags"], user, add=False)
    return claimed


def _json_tag_map(value: Any, user: str, *, add: bool) -> Any:
    """A JSON-encoded ``{key: value}`` tag map (datasets) with the author tag."""
    if value is None:
        return json.dumps({MLFLOW_USER: user}) if add else None
    if not isinstance(value, str):
        return value
    try:
        tags = json.loads(value)
    except (ValueError, RecursionError):
        return value
    if not isinstance(tags, dict) or (not add and MLFLOW_USER not in tags):
        return value
    return json.dumps({**tags, MLFLOW_USER: user})


def _dataset_tags(*, add: bool) -> _Claim:
    def claim(body: Body, user: str) -> Body:
        tags = _json_tag_map(body.get("tags"), user, add=add)
        return body if tags is None else _set(body, "tags", tags)

    return claim


def _dataset_records(body: Body, user: str) -> Body:
    """Each record's ``tags`` name who created or last updated it."""
    try:
        records = json.loads(body["records"])
    except (KeyError, TypeError, ValueError, RecursionError):
        return body
    if not isinstance(records, list):
        return body
    for record in records:
        if isinstance(record, dict) and isinstance(record.get("tags", {}), dict):
            record["tags"] = {**record.get("tags", {}), MLFLOW_USER: user}
    return {**body, "records": json.dumps(records)}


_CLAIMS: dict[str, _Claim] = {
    "runs.create": _tags(add=True, author_fields=("user_id",)),
    "runs.set-tag": _single_tag,
    "runs.log-batch": _tags(add=False),
    "runs.create-promptlab-run": _promptlab_run,
    "experiments.create": _tags(add=True),
    "experiments.set-tag": _single_tag,
    "registered-models.create": _tags(add=True),
    "registered-models.set-tag": _single_tag,
    "model-versions.create": _tags(add=False),
    "model-versions.set-tag": _single_tag,
    "logged-models.create": _tags(add=True),
    "logged-models.set-tags": _tags(add=False),
    "datasets.create": _dataset_tags(add=True),
    "datasets.set-tags": _dataset_tags(add=False),
    "datasets.upsert-records": _dataset_records,
    "issues.create": _author_field("created_by"),
    "gateway-secrets.create": _author_field("created_by"),
    "gateway-secrets.update": _author_field("updated_by"),
    "gateway-endpoints.create": _author_field("created_by"),
    "gateway-endpoints.update": _author_field("updated_by"),
    "gateway-endpoints.attach-model": _author_field("created_by"),
    "gateway-endpoints.create-binding": _author_field("created_by"),
    "gateway-model-definitions.create": _author_field("created_by"),
    "gateway-model-definitions.update": _author_field("updated_by"),
    "gateway-budgets.create": _author_field("created_by"),
    "gateway-budgets.update": _author_field("updated_by"),
}


def _as_mlflow_reads(body: bytes) -> Body | None:
    """The JSON object MLflow's handlers read from ``body``; ``None`` where they fail on it."""
    try:
        parsed = json.loads(body)
    except ValueError:  # Flask's get_json(silent=True): None, an empty request to MLflow
        return {}
    except RecursionError:  # too deep for MLflow's json.loads too, which has less stack left
        return None
    if isinstance(parsed, str):  # double-encoded by an older client
        try:
            parsed = json.loads(parsed)
        except (ValueError, RecursionError):  # MLflow's second json.loads raises
            return None
    if isinstance(parsed, dict):
        return parsed
    # protobuf parses nothing from null, a list or a string, and MLflow goes on with the
    # empty message; a number or a boolean fails its schema check (TypeError).
    return {} if parsed is None or isinstance(parsed, (list, str)) else None


def claim_authorship(operation_id: str, user: str, body: bytes) -> bytes:
    """The body to forward for ``operation_id``: every author it names is ``user``."""
    claim = _CLAIMS.get(operation_id)
    if claim is None:
        return body
    parsed = _as_mlflow_reads(body)
    if parsed is None:
        return body
    return json.dumps(claim(parsed, user)).encode()


def _json_object(body: bytes) -> Body:
    try:
        parsed = json.loads(body)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _record_model_version_author(user: str, response: Body) -> None:
    from mlflow.server.handlers import _get_model_registry_store
    from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore

    version = response.get("model_version") or {}
    name, number = version.get("name"), version.get("version")
    store = _get_model_registry_store()
    if not (name and number) or not isinstance(store, SqlAlchemyStore):
        return
    # The lookup update_model_version uses (the request's workspace, no deleted version).
    with store.ManagedSessionMaker(read_only=False) as session:
        row = store._get_sql_model_version(session, name=name, version=number)
        row.user_id = user
        session.add(row)


def _record_run_author_tag(user: str, response: Body) -> None:
    from mlflow.entities import RunTag
    from mlflow.server.handlers import _get_tracking_store

    run_id = ((response.get("run") or {}).get("info") or {}).get("run_id")
    if run_id:
        _get_tracking_store().set_tag(run_id, RunTag(MLFLOW_USER, user))


_RECORDS: dict[str, Callable[[str, Body], None]] = {
    "model-versions.create": _record_model_version_author,
    "runs.create-promptlab-run": _record_run_author_tag,
}


def record_authorship(operation_id: str, user: str, response_body: bytes) -> None:
    """After MLflow's 2xx answer to ``operation_id``: the authors its handler does not write.

    The answer has gone to the client by then: a failure is logged, not raised.
    """
    record = _RECORDS.get(operation_id)
    if record is None:
        return
    try:
        record(user, _json_object(response_body))
    except Exception:
        _logger.exception("Could not record %s as the author (%s)", user, operation_id)
