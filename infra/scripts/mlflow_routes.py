"""Print every HTTP route of the installed MLflow server as JSON.

The permission model's coverage test runs this with the project's Python
environment, so a new MLflow release cannot add a route that nobody has
classified. Two applications answer requests in `mlflow server` (uvicorn):

* the FastAPI app (`mlflow.server.fastapi_app`), whose own routes are tried
  first, and
* the Flask app (`mlflow.server.app`), mounted at `/` behind them.

Paths are written in the permission model's template syntax: `{name}` is one
non-empty segment, `{name+}` one or more segments (Flask `<path:...>`,
Starlette `{...:path}`). For each route the script also builds a sample
request path, and a few near misses of it, and reports which route MLflow
itself would dispatch each to, so the model's matcher can be checked against
MLflow's own precedence rules.

Usage: python mlflow_routes.py > routes.json
"""

import json
import os
import re
import sys
import warnings

# Routes move under a prefix when this is set; the model describes the default.
os.environ.pop("MLFLOW_STATIC_PREFIX", None)
warnings.filterwarnings("ignore")

IGNORED_METHODS = {"HEAD", "OPTIONS"}

FLASK_PARAM = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
STARLETTE_PARAM = re.compile(r"\{(?P<name>\w+)(?::(?P<converter>\w+))?\}")


class UnsupportedRoute(Exception):
    pass


def to_template(path, pattern):
    """Rewrite a Flask or Starlette route into the model's template syntax."""

    def replace(match):
        converter = match.group("converter")
        name = match.group("name")
        if converter in (None, "default", "string", "str"):
            return "{" + name + "}"
        if converter == "path":
            return "{" + name + "+}"
        # int, uuid, any(...) and friends would need their own matching rules.
        raise UnsupportedRoute(f"{path}: converter {converter!r} is not modelled")

    return pattern.sub(replace, path)


def sample_path(template):
    """A concrete request path for a template: params become s1, s2, ...;
    greedy params take two segments, so multi-segment matching is exercised."""
    counter = iter(range(1, 1000))

    def replace(match):
        n = next(counter)
        return f"g{n}/h{n}" if match.group(2) else f"s{n}"

    return re.sub(r"\{(\w+)(\+)?\}", replace, template)


def flask_routes(flask_app):
    for rule in flask_app.url_map.iter_rules():
        for method in sorted(set(rule.methods or ()) - IGNORED_METHODS):
            yield {
                "source": "flask",
                "method": method,
                "path": to_template(rule.rule, FLASK_PARAM),
                "handler": rule.endpoint,
            }


def fastapi_route_contexts(fastapi_app):
    """The app's routes with included routers resolved to their real paths.

    Recent FastAPI keeps `include_router` results wrapped (`_IncludedRouter`),
    so `app.routes` no longer lists the paths; `iter_route_contexts` (what
    FastAPI's own OpenAPI generator uses) resolves them. Older FastAPI copied
    included routes into `app.routes`, which can be read directly.
    """
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:
        return list(fastapi_app.routes)
    return list(iter_route_contexts(fastapi_app.routes))


def fastapi_routes(fastapi_app, flask_mount_app):
    from starlette.routing import Mount

    for context in fastapi_route_contexts(fastapi_app):
        app = getattr(context, "app", None)
        if isinstance(getattr(context, "original_route", context), Mount):
            if context.path in ("", "/") and _unwraps_to(app, flask_mount_app):
                continue  # the Flask app, listed rule by rule above
            raise UnsupportedRoute(f"unexpected mount at {context.path!r}")
        methods = getattr(context, "methods", None)
        if not methods:
            raise UnsupportedRoute(f"route without HTTP methods (websocket?): {context.path!r}")
        for method in sorted(set(methods) - IGNORED_METHODS):
            yield {
                "source": "fastapi",
                "method": method,
                "path": to_template(context.path, STARLETTE_PARAM),
                "handler": context.name,
                "regex": context.path_regex,
            }


def _unwraps_to(app, target):
    while app is not None:
        if app is target:
            return True
        app = getattr(app, "app", None)
    return False


def check_against_openapi(fastapi_app, routes):
    """Every operation FastAPI documents must have been found: guards against a
    FastAPI release that changes how included routers are stored."""
    strip = re.compile(r"\{(\w+)\+?\}")
    found = {(r["method"], strip.sub(r"{\1}", r["path"])) for r in routes}
    for path, operations in fastapi_app.openapi().get("paths", {}).items():
        for method in operations:
            key = (method.upper(), path)
            if method.upper() not in IGNORED_METHODS and key not in found:
                raise UnsupportedRoute(f"OpenAPI lists {key} but route enumeration missed it")


def dispatcher(fastapi_list, flask_app):
    """Which route MLflow runs for (method, path): FastAPI routes in order,
    then the Flask url map (static segments win over variables)."""
    from werkzeug.exceptions import HTTPException
    from werkzeug.routing import RequestRedirect

    adapter = flask_app.url_map.bind("localhost")

    def dispatch(method, path):
        for route in fastapi_list:
            if route["method"] == method and route["regex"].match(path):
                return route["path"]
        try:
            rule, _ = adapter.match(path, method=method, return_rule=True)
        except (HTTPException, RequestRedirect):
            return None
        return to_template(rule.rule, FLASK_PARAM)

    return dispatch


def main():
    import mlflow
    from mlflow.server import app as flask_app
    from mlflow.server.fastapi_app import app as fastapi_app

    from sagemaker_studio_mlflow.server.access_api import ROUTES as APP_ROUTES

    # Our server app answers these itself, in front of MLflow's routes.
    app_list = [
        {"source": "app", "method": method, "path": path, "handler": "access_api", "regex": re.compile(f"^{re.escape(path)}$")}
        for method, path in APP_ROUTES
    ]
    flask_list = list(flask_routes(flask_app))
    fastapi_list = list(fastapi_routes(fastapi_app, flask_app))
    check_against_openapi(fastapi_app, fastapi_list)
    dispatch = dispatcher(app_list + fastapi_list, flask_app)

    merged = {}
    for route in app_list + fastapi_list + flask_list:
        key = (route["method"], route["path"])
        entry = merged.setdefault(
            key,
            {"method": route["method"], "path": route["path"], "sources": [], "handlers": []},
        )
        if route["source"] not in entry["sources"]:
            entry["sources"].append(route["source"])
        if route["handler"] not in entry["handlers"]:
            entry["handlers"].append(route["handler"])

    routes = []
    for (method, path), entry in sorted(merged.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        sample = sample_path(path)
        entry["sample"] = sample
        entry["dispatchedTo"] = dispatch(method, sample)
        # Near misses: where MLflow sends them, the model must agree or deny.
        entry["probes"] = [
            {"path": probe, "dispatchedTo": dispatch(method, probe)}
            for probe in (sample + "/extra", sample + "/", sample.upper())
        ]
        routes.append(entry)

    json.dump({"mlflowVersion": mlflow.__version__, "routes": routes}, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    try:
        main()
    except UnsupportedRoute as error:
        sys.stderr.write(f"mlflow_routes.py: {error}\n")
        sys.exit(2)
