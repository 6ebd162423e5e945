"""The permission model, as exported from ``infra/`` (``permission_model.json``).

The artifact is generated (``npm --prefix infra run --silent permission-model``)
and never edited by hand: this module only reads it. It gives the operations
(method, path templates, access) and the built-in roles; a deployment passes
its own role table (``STUDIO_MLFLOW_ROLES``), which may only name operations
of the artifact. A request is the operation whose template matches its method
and decoded path most specifically; no match, or two equally specific ones,
is no operation (deny).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .path_template import (
    PathTemplate,
    TemplateMatch,
    compare_ranks,
    match_path_template,
    parse_path_template,
    path_segments,
    template_shape,
)

ARTIFACT = Path(__file__).with_name("permission_model.json")

#: Operations anyone may perform (the UI shell, health, version).
PUBLIC = "public"
WRITE = "write"


@dataclass(frozen=True)
class Operation:
    id: str
    method: str
    family: str
    access: str
    templates: tuple[str, ...]
    #: What it does, in words ("rename an experiment"), from the model.
    words: str = ""

    @property
    def is_write(self) -> bool:
        return self.access == WRITE


@dataclass(frozen=True)
class OperationMatch:
    """The operation a request performs, and its path parameters' values."""

    operation: Operation
    params: Mapping[str, str]


class InvalidPermissionModelError(ValueError):
    """The artifact is not what ``infra/src/permissions/export.ts`` writes."""


class UnknownOperationError(ValueError):
    """A role table names an operation the model does not have."""

    def __init__(self, role: str, operation_id: str) -> None:
        super().__init__(f'role "{role}" names unknown operation "{operation_id}"')
        self.role = role
        self.operation_id = operation_id


_Candidate = tuple[tuple[str, ...], Operation, PathTemplate]


class PermissionModel:
    """Operations by method, the role table, and the decision."""

    def __init__(
        self,
        operations: Iterable[Operation],
        roles: Mapping[str, Iterable[str]],
    ) -> None:
        self.operations: dict[str, Operation] = {}
        # Templates without a greedy parameter by (method, number of segments),
        # the others by method, each with its literal prefix: a path is matched
        # against the few templates that may match it.
        # A template of literals only is the most specific match there can be
        # (another with the same literals would have the same shape).
        self._literal: dict[tuple[str, str], Operation] = {}
        self._fixed: dict[tuple[str, int], list[_Candidate]] = {}
        self._greedy: dict[str, list[_Candidate]] = {}
        shapes: dict[str, str] = {}
        for operation in operations:
            if operation.id in self.operations:
                raise InvalidPermissionModelError(f'duplicate operation id "{operation.id}"')
            self.operations[operation.id] = operation
            for source in operation.templates:
                template = parse_path_template(source)
                shape = f"{operation.method} {template_shape(template)}"
                if shape in shapes:
                    raise InvalidPermissionModelError(
                        f"{operation.id} and {shapes[shape]} both match {shape}"
                    )
                shapes[shape] = operation.id
                candidate = (template.literal_prefix, operation, template)
                if len(template.literal_prefix) == len(template.segments):
                    self._literal[(operation.method, source)] = operation
                elif template.is_greedy:
                    self._greedy.setdefault(operation.method, []).append(candidate)
                else:
                    key = (operation.method, len(template.segments))
                    self._fixed.setdefault(key, []).append(candidate)
        self.roles: dict[str, frozenset[str]] = {}
        for role, ids in roles.items():
            for operation_id in ids:
                if operation_id not in self.operations:
                    raise UnknownOperationError(role, operation_id)
            self.roles[role] = frozenset(ids)
        self._public = frozenset(op.id for op in self.operations.values() if op.access == PUBLIC)

    def match(self, method: str, path: str) -> OperationMatch | None:
        """The operation of (method, decoded path), or None: deny."""
        segments = path_segments(path)
        if segments is None:
            return None
        literal = self._literal.get((method, path))
        if literal is not None:
            return OperationMatch(literal, {})
        candidates = self._fixed.get((method, len(segments)), []) + self._greedy.get(method, [])
        best: tuple[Operation, TemplateMatch] | None = None
        tied = False
        for prefix, operation, template in candidates:
            if tuple(segments[: len(prefix)]) != prefix:
                continue
            found = match_path_template(template, segments)
            if found is None:
                continue
            order = -1 if best is None else compare_ranks(found.ranks, best[1].ranks)
            if order < 0:
                best = (operation, found)
                tied = False
            elif order == 0 and best is not None and operation is not best[0]:
                tied = True
        if tied or best is None:
            return None
        return OperationMatch(best[0], best[1].params)

    def roles_that_may(self, operation: Operation) -> list[str]:
        """The roles of the table that allow the operation, sorted."""
        return sorted(role for role, ids in self.roles.items() if operation.id in ids)

    def operations_of(self, roles: Iterable[str]) -> frozenset[str]:
        """The operation ids the roles allow (unknown roles grant nothing); public ones left out."""
        return frozenset().union(*(self.roles.get(role, frozenset()) for role in roles)) - self._public

    def allowed(self, operation: Operation, roles: Iterable[str]) -> bool:
        """Whether any of the roles (unknown ones grant nothing) allows the operation."""
        if operation.id in self._public:
            return True
        return any(operation.id in self.roles.get(role, ()) for role in roles)


def _operation(entry: Any) -> Operation:
    try:
        return Operation(
            id=str(entry["id"]),
            method=str(entry["method"]),
            family=str(entry["family"]),
            access=str(entry["access"]),
            templates=tuple(str(t) for t in entry["templates"]),
            words=str(entry.get("words", "")),
        )
    except (KeyError, TypeError) as error:
        raise InvalidPermissionModelError(f"bad operation entry {entry!r}") from error


def read_artifact(path: Path = ARTIFACT) -> dict[str, Any]:
    """The artifact's data, as generated."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("operations"), list):
        raise InvalidPermissionModelError(f"{path} has no operations")
    return data


def load_permission_model(
    roles: Mapping[str, Iterable[str]] | None = None, path: Path = ARTIFACT
) -> PermissionModel:
    """The artifact's operations with the given role table, or the artifact's built-in roles."""
    data = read_artifact(path)
    operations = [_operation(entry) for entry in data["operations"]]
    return PermissionModel(operations, data.get("roles", {}) if roles is None else roles)


@dataclass(frozen=True)
class RefusalWording:
    """The refusal's sentence as the model words it (``words.ts``, ``REFUSAL_TEMPLATE``)."""

    template: str
    no_roles: str

    def sentence(self, operation: Operation, roles: Iterable[str], allowed: Iterable[str]) -> str:
        def listed(names: Iterable[str]) -> str:
            return ", ".join(names) or self.no_roles

        return self.template.format(
            action=operation.words or operation.id,
            operation=operation.id,
            roles=listed(roles),
            allowed=listed(allowed),
        )


def load_refusal_wording(path: Path = ARTIFACT) -> RefusalWording:
    """The refusal's sentence of the artifact."""
    refusal = read_artifact(path).get("refusal")
    if not isinstance(refusal, dict):
        raise InvalidPermissionModelError(f"{path} has no refusal wording")
    return RefusalWording(template=str(refusal["template"]), no_roles=str(refusal["noRoles"]))
