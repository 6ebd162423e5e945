"""Print, as JSON, every endpoint the installed MLflow's Python client can call.

The gateway authorizes a route by who calls it: whatever MLflow's client and
CLI call must take SigV4. A test runs this with the project's Python
environment and checks each endpoint against the API's routes, so an MLflow
release cannot add a client call the gateway would refuse for want of a
token. The endpoints are read from MLflow's own code:

* the REST stores' tables of protobuf APIs (`_METHOD_TO_INFO` and friends:
  the path and method of each API);
* the `endpoint=` arguments in the REST stores' modules (and the mixins
  they are built from), read from the source: string literals and f-strings,
  module-level string constants resolved, local variables and helper
  functions followed, any other `{expr}` written as a path parameter; the
  method comes from an explicit `method=` or from the API's table entry;
* the OTLP span export (`OTLP_TRACES_PATH`, POST);
* the mlflow-artifacts repository, whose calls are recorded by running its
  methods against a stand-in for `http_request`.

An `endpoint=` the script cannot read is listed under `unresolved`, so the
test fails rather than skip it.

Usage: python mlflow_client_routes.py > client-routes.json
"""

import ast
import contextlib
import inspect
import json
import os
import sys
import tempfile
import textwrap
import warnings
from types import SimpleNamespace
from unittest import mock

warnings.filterwarnings("ignore")

ARTIFACT_URI = "mlflow-artifacts:/0/run-id/artifacts"
TRACKING_URI = "http://gateway.invalid"


class Unresolved(Exception):
    pass


def info_entries(info):
    """A `_METHOD_TO_INFO` value: one (path, method) tuple or a list of them."""
    return info if isinstance(info, list) else [info]


def api_tables(store_classes):
    """Every `*METHOD_TO_INFO` table of the stores and their modules:
    {api class: [(path, method)]}. The tracking store looks APIs up in its
    `/api/3.0` table only when they are among its `_V3_APIS`."""
    tables = {}
    for store in store_classes:
        module = inspect.getmodule(store)
        owners = [(store, getattr(store, "_V3_APIS", None)), (module, None)]
        for owner, v3_apis in owners:
            for name in dir(owner):
                if not name.endswith("METHOD_TO_INFO"):
                    continue
                for api, info in getattr(owner, name).items():
                    if name.startswith("_V3") and v3_apis is not None and api not in v3_apis:
                        continue
                    tables.setdefault(api, []).extend(info_entries(info))
    return tables


def refers_to(node, name):
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))


class ModuleReader:
    """Reads the endpoint expressions of one module's source."""

    def __init__(self, module):
        self.module = module
        self.tree = ast.parse(inspect.getsource(module))
        self.parents = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node

    def enclosing_function(self, node):
        while node is not None and not isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef)
        ):
            node = self.parents.get(node)
        return node

    def functions_named(self, name):
        return [
            node
            for node in ast.walk(self.tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name
        ]

    def paths(self, node, depth=0, env=None):
        """The paths an expression can evaluate to, as templates; `env` binds
        a helper's parameters to what its callers pass."""
        env = env or {}
        if depth > 8:
            raise Unresolved(ast.unparse(node))
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.JoinedStr):
            results = [""]
            for part in node.values:
                if isinstance(part, ast.Constant):
                    pieces = [part.value]
                else:
                    pieces = self.part_paths(part.value, depth, env)
                results = [r + p for r in results for p in pieces]
            return results
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return [
                a + b
                for a in self.paths(node.left, depth + 1, env)
                for b in self.paths(node.right, depth + 1, env)
            ]
        if isinstance(node, ast.IfExp):
            return self.paths(node.body, depth + 1, env) + self.paths(
                node.orelse, depth + 1, env
            )
        if isinstance(node, (ast.Name, ast.Attribute)):
            value = self.constant(node)
            if value is not None:
                return [value]
            if isinstance(node, ast.Name):
                if node.id in env:
                    return env[node.id]
                return self.local_paths(node, depth, env)
        if isinstance(node, ast.Call):
            return self.returned_paths(node, depth)
        raise Unresolved(ast.unparse(node))

    def part_paths(self, node, depth, env):
        """An f-string's `{expr}`: a path piece when it resolves to one, else a
        path parameter (an ID, a quoted name)."""
        try:
            return self.paths(node, depth + 1, env)
        except Unresolved:
            name = node.id if isinstance(node, ast.Name) else "param"
            return ["{" + name + "}"]

    def constant(self, node):
        """A module-level string constant the expression names, if it does."""
        if isinstance(node, ast.Name):
            value = getattr(self.module, node.id, None)
            return value if isinstance(value, str) else None
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            owner = getattr(self.module, node.value.id, None)
            value = getattr(owner, node.attr, None) if owner is not None else None
            return value if isinstance(value, str) else None
        return None

    def local_paths(self, name, depth, env):
        """The values a local variable is assigned in its function."""
        function = self.enclosing_function(name)
        values = [
            assign.value
            for assign in ast.walk(function or self.tree)
            if isinstance(assign, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == name.id for t in assign.targets)
        ]
        if function is not None and any(a.arg == name.id for a in function.args.args):
            values = values or [ast.Constant("{" + name.id + "}")]
        if not values:
            raise Unresolved(name.id)
        # `x = f"{x}?..."` extends the variable's other values.
        extends = [v for v in values if refers_to(v, name.id)]
        base = [p for v in values if v not in extends for p in self.paths(v, depth + 1, env)]
        extended_env = {**env, name.id: base}
        return base + [p for v in extends for p in self.paths(v, depth + 1, extended_env)]

    def returned_paths(self, call, depth):
        """What a helper (a function of this module or an imported one) returns."""
        func = call.func
        if isinstance(func, ast.Name):
            target = getattr(self.module, func.id, None)
            if inspect.isfunction(target):
                reader = ModuleReader(inspect.getmodule(target))
                tree = ast.parse(textwrap.dedent(inspect.getsource(target)))
                return reader.returns(tree.body[0], depth)
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in ("self", "cls")
        ):
            definitions = self.functions_named(func.attr)
            if definitions:
                return [p for d in definitions for p in self.returns(d, depth)]
        raise Unresolved(ast.unparse(call))

    def returns(self, function, depth):
        values = [
            node.value
            for node in ast.walk(function)
            if isinstance(node, ast.Return) and node.value is not None
        ]
        if not values:
            raise Unresolved(function.name)
        return [path for value in values for path in self.paths(value, depth + 1)]

    def endpoint_calls(self):
        """Each call with an `endpoint=` argument: (call, endpoint, method node)."""
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.Call):
                continue
            keywords = {k.arg: k.value for k in node.keywords if k.arg}
            if "endpoint" in keywords:
                yield node, keywords["endpoint"], keywords.get("method")


def rest_store_endpoints(store_classes, tables, endpoints, unresolved):
    modules = {
        inspect.getmodule(cls)
        for store in store_classes
        for cls in store.__mro__
        if cls.__module__.startswith("mlflow.store.") and "abstract" not in cls.__module__
    }
    for module in sorted(modules, key=lambda m: m.__name__):
        reader = ModuleReader(module)
        for call, endpoint, method_node in reader.endpoint_calls():
            where = f"{module.__name__}:{call.lineno}"
            if isinstance(endpoint, ast.Constant) and endpoint.value is None:
                continue  # the API's own path, from its table
            try:
                for method, env in call_methods(reader, call, method_node, tables):
                    for path in reader.paths(endpoint, env=env):
                        path = path.split("?", 1)[0]
                        endpoints.append({"method": method, "path": path, "source": where})
            except Unresolved as error:
                unresolved.append({"source": where, "expression": str(error)})


def call_methods(reader, call, method_node, tables):
    """The HTTP methods of a call, each with the parameter bindings it holds
    under: its `method=`, the method its callers pass a helper, or its API's
    table entry."""
    if method_node is None:
        if call.args and isinstance(call.args[0], ast.Name):
            api = getattr(reader.module, call.args[0].id, None)
            if api in tables:
                return [(method, {}) for method in sorted({m for _, m in tables[api]})]
        raise Unresolved(f"{ast.unparse(call.func)}: no method= and no API")
    if isinstance(method_node, ast.Constant) and isinstance(method_node.value, str):
        return [(method_node.value, {})]
    helper = reader.enclosing_function(call)
    if isinstance(method_node, ast.Name) and helper is not None:
        parameters = [a.arg for a in helper.args.args]
        if method_node.id in parameters:
            return helper_call_methods(reader, helper, parameters, method_node.id)
    raise Unresolved(f"method={ast.unparse(method_node)}")


def helper_call_methods(reader, helper, parameters, method_parameter):
    """A helper that takes the method and path from its callers: every call
    of it in the module, its arguments bound to its parameters."""
    results = []
    for node in ast.walk(reader.tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name != helper.name:
            continue
        bound = dict(zip(parameters[1:] if parameters[:1] == ["self"] else parameters, node.args))
        bound.update({k.arg: k.value for k in node.keywords if k.arg})
        method = bound.pop(method_parameter, None)
        if not (isinstance(method, ast.Constant) and isinstance(method.value, str)):
            raise Unresolved(f"{helper.name}(...) at line {node.lineno}: method not a literal")
        env = {
            parameter: reader.part_paths(argument, 0, {})
            for parameter, argument in bound.items()
        }
        results.append((method.value, env))
    if not results:
        raise Unresolved(f"{helper.name}: never called")
    return results


def artifact_endpoints(endpoints):
    """Run the mlflow-artifacts repository's calls and record each request."""
    from mlflow.store.artifact import http_artifact_repo
    from mlflow.store.artifact.mlflow_artifacts_repo import MlflowArtifactsRepository

    calls = []

    def record(host_creds, endpoint, method, *args, **kwargs):
        calls.append((host_creds.host, endpoint, method))
        return SimpleNamespace(
            status_code=200,
            ok=True,
            headers={},
            text="{}",
            json=lambda: {"files": [], "upload_id": "u", "credentials": [], "url": "http://x"},
            iter_content=lambda chunk_size=None: iter([b""]),
            raise_for_status=lambda: None,
            close=lambda: None,
        )

    repo = MlflowArtifactsRepository(ARTIFACT_URI, tracking_uri=TRACKING_URI)
    with (
        mock.patch.object(http_artifact_repo, "http_request", side_effect=record),
        mock.patch.object(http_artifact_repo, "augmented_raise_for_status"),
        tempfile.TemporaryDirectory() as directory,
    ):
        local_file = os.path.join(directory, "model.pkl")
        with open(local_file, "wb") as f:
            f.write(b"x")
        attempts = [
            lambda: repo.log_artifact(local_file, "dir"),
            lambda: repo.list_artifacts("dir"),
            lambda: repo._download_file("dir/model.pkl", os.path.join(directory, "out")),
            lambda: repo._get_presigned_download_url("dir/model.pkl"),
            lambda: repo.create_multipart_upload(local_file, 1, "dir"),
            lambda: repo.complete_multipart_upload(local_file, "u", [], "dir"),
            lambda: repo.abort_multipart_upload(local_file, "u", "dir"),
            lambda: repo.delete_artifacts("dir"),
        ]
        for attempt in attempts:
            # The request is recorded before its answer is read: what the
            # stand-in answers makes the repository fail, and that is fine.
            with contextlib.suppress(Exception):
                attempt()
    for host, endpoint, method in calls:
        prefix = host.split(TRACKING_URI, 1)[1] if host.startswith(TRACKING_URI) else None
        if prefix is None:
            continue
        path = "/" + (prefix.strip("/") + "/" + endpoint.lstrip("/")).strip("/")
        endpoints.append({"method": method, "path": path, "source": "mlflow-artifacts"})


def main():
    import mlflow
    from mlflow.store.model_registry.rest_store import RestStore as RegistryRestStore
    from mlflow.store.tracking.rest_store import RestStore as TrackingRestStore
    from mlflow.tracing.utils.otlp import OTLP_TRACES_PATH

    stores = [TrackingRestStore, RegistryRestStore]
    tables = api_tables(stores)
    endpoints = [
        {"method": method, "path": path, "source": f"{api.__name__} (API table)"}
        for api, entries in tables.items()
        for path, method in entries
    ]
    unresolved = []
    rest_store_endpoints(stores, tables, endpoints, unresolved)
    endpoints.append({"method": "POST", "path": OTLP_TRACES_PATH, "source": "OTLP_TRACES_PATH"})
    artifact_endpoints(endpoints)

    unique = {(e["method"], e["path"]): e for e in endpoints}
    json.dump(
        {
            "mlflowVersion": mlflow.__version__,
            "endpoints": sorted(unique.values(), key=lambda e: (e["path"], e["method"])),
            "unresolved": unresolved,
        },
        sys.stdout,
        indent=1,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
