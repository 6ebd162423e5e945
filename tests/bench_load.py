"""Many clients at once: the local gateway against MLflow alone, side by side in one run.

N SDK clients, each a thread with its own HTTP session and run, log batches of 50 metrics
(``runs/log-batch``) as fast as they are answered, while M UI clients search the bench's
runs (``runs/search`` on ``/ajax-api``, one search a second each, as people paging). The
same load runs through the gateway (SDK calls signed by our SigV4 signer with the admins'
keys, UI calls with a reader's Cognito token) and directly against MLflow (with what the
gateway would tell it: its proof and the caller), in alternating slices (gateway, direct,
direct, gateway) so both sides meet the same machine. Requests are signed before the clock
starts: latency is the server side's, not the signer's. Each request is tried once, with a
60 s timeout: an error is counted, never retried.

Afterwards every point is counted in MLflow's database: a point is lost when its batch was
acknowledged (200) and it is not stored. The bench's own CPU is printed beside the
gateway's and MLflow's, so a client-bound run shows as one.

Needs the local stack (``npm run local -- up``). Writes only to the experiment
``bench-load`` (new runs each time). Run with ``npm run bench:load`` or
``.venv/bin/python -m tests.bench_load --sdk-clients 200 --seconds 60 --ui-clients 20``;
the flags' defaults come from ``BENCH_LOAD_SDK_CLIENTS``, ``BENCH_LOAD_SECONDS`` and
``BENCH_LOAD_UI_CLIENTS``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests
import sqlalchemy

from sagemaker_studio_mlflow.sigv4 import SigV4RequestAuthProvider
from tests.integration.conftest import (
    MLFLOW_DB,
    REPO,
    STACK_FILE,
    sdk_environment,
    sign_in,
)

STATE_FILE = REPO / ".local" / "state.json"
PROCESSES_FILE = REPO / ".local" / "processes.json"
EXPERIMENT = "bench-load"
METRICS_PER_BATCH = 50
REQUEST_TIMEOUT_S = 60.0
UI_PAUSE_S = 1.0
SIDES = ("gateway", "direct")
# Each side's time in two slices, in this order: neither always goes first or last.
SLICES = ("gateway", "direct", "direct", "gateway")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def principal(username: str) -> str:
    """The ARN the local gateway names for a seeded user's access key (infra/local/config.ts)."""
    return f"arn:aws:iam::000000000000:user/{username}"


@dataclass
class Side:
    """How a client reaches MLflow on one side: the base URL and what each kind of call carries."""

    base: str
    sdk_headers: dict[str, str]
    ui_headers: dict[str, str]
    sdk_auth: Callable[[], requests.auth.AuthBase | None]


def sides(stack: dict, proof: str, token: str) -> dict[str, Side]:
    admin, reader = stack["users"]["admins"], stack["users"]["readers"]
    saved = dict(os.environ)
    os.environ.update(sdk_environment(stack, "admins"))
    try:
        signer = SigV4RequestAuthProvider().get_auth()
    finally:
        os.environ.clear()
        os.environ.update(saved)

    def vouched(authorization: str, who: str, roles: str) -> dict[str, str]:
        return {
            "X-Gateway-Authorization": authorization,
            "X-Gateway-Principal": who,
            "X-Gateway-Roles": roles,
            "X-Gateway-Request-Id": "bench-load",
            "X-Gateway-Proof": proof,
        }

    return {
        "gateway": Side(stack["gateway"], {}, {"Authorization": f"Bearer {token}"}, lambda: signer),
        "direct": Side(
            stack["mlflow"],
            vouched("iam", principal(admin["username"]), ""),
            vouched("token", reader["username"], "readers"),
            lambda: None,
        ),
    }


@dataclass
class Tally:
    """What one side's clients of one kind saw."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] += 1


def error_kind(response: requests.Response) -> str:
    try:
        answer = response.json()
        said = f"{answer.get('error_code', '')}: {answer.get('message', '')}"
    except ValueError:
        said = response.text
    return f"{response.status_code} {' '.join(said.split())}"[:90]


def timed(session: requests.Session, prepared: requests.PreparedRequest, tally: Tally) -> bool:
    started = time.perf_counter()
    try:
        response = session.send(prepared, timeout=REQUEST_TIMEOUT_S)
    except requests.RequestException as error:
        tally.error(type(error).__name__)
        return False
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        tally.error(error_kind(response))
        return False
    tally.latencies_ms.append(elapsed)
    return True


@dataclass
class SdkClient:
    """One training job: its run on each side and the points acknowledged in it."""

    runs: dict[str, str]
    step: int = 0
    sent: Counter[str] = field(default_factory=Counter)
    acknowledged: Counter[str] = field(default_factory=Counter)

    def log(self, side_name: str, side: Side, stop: threading.Event, tally: Tally) -> None:
        session = requests.Session()
        url = f"{side.base}/api/2.0/mlflow/runs/log-batch"
        while not stop.is_set():
            timestamp = int(time.time() * 1000)
            metrics = [
                {"key": f"m{i}", "value": random.random(), "timestamp": timestamp, "step": self.step}
                for i in range(METRICS_PER_BATCH)
            ]
            self.step += 1
            request = requests.Request(
                "POST",
                url,
                data=json.dumps({"run_id": self.runs[side_name], "metrics": metrics}),
                headers={"Content-Type": "application/json", **side.sdk_headers},
                auth=side.sdk_auth(),
            )
            prepared = session.prepare_request(request)
            self.sent[side_name] += METRICS_PER_BATCH
            if timed(session, prepared, tally):
                self.acknowledged[side_name] += METRICS_PER_BATCH
        session.close()


def search(side: Side, experiment_id: str, stop: threading.Event, tally: Tally) -> None:
    session = requests.Session()
    body = json.dumps(
        {"experiment_ids": [experiment_id], "max_results": 100, "order_by": ["attributes.start_time DESC"]}
    )
    while not stop.is_set():
        request = requests.Request(
            "POST",
            f"{side.base}/ajax-api/2.0/mlflow/runs/search",
            data=body,
            headers={"Content-Type": "application/json", **side.ui_headers},
        )
        timed(session, session.prepare_request(request), tally)
        stop.wait(UI_PAUSE_S)
    session.close()


def direct_call(side: Side, route: str, body: dict) -> dict:
    response = requests.post(
        f"{side.base}/api/2.0/mlflow/{route}", json=body, headers=side.sdk_headers, timeout=REQUEST_TIMEOUT_S
    )
    response.raise_for_status()
    return response.json()


def experiment_id(direct: Side) -> str:
    found = direct_call(
        direct, "experiments/search", {"filter": f"name = '{EXPERIMENT}'", "max_results": 1, "view_type": "ALL"}
    ).get("experiments", [])
    if found:
        if found[0]["lifecycle_stage"] == "deleted":
            direct_call(direct, "experiments/restore", {"experiment_id": found[0]["experiment_id"]})
        return found[0]["experiment_id"]
    return direct_call(direct, "experiments/create", {"name": EXPERIMENT})["experiment_id"]


def process_cpu_seconds() -> dict[str, float]:
    """CPU seconds used so far by the gateway's and MLflow's processes, their children included."""
    started = {entry["name"]: entry["pid"] for entry in json.loads(PROCESSES_FILE.read_text())}
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        ticks[int(entry.name)] = int(fields[11]) + int(fields[12])

    def tree(pid: int) -> int:
        return ticks.get(pid, 0) + sum(tree(child) for child, parent in parents.items() if parent == pid)

    return {name: tree(started[name]) / CLOCK_TICKS for name in ("gateway", "mlflow") if name in started}


def run_slice(
    side_name: str, side: Side, clients: list[SdkClient], ui_clients: int, experiment: str, seconds: float,
    sdk: Tally, ui: Tally, cpu: Counter[str],
) -> None:
    stop = threading.Event()
    threads = [threading.Thread(target=client.log, args=(side_name, side, stop, sdk)) for client in clients]
    threads += [threading.Thread(target=search, args=(side, experiment, stop, ui)) for _ in range(ui_clients)]
    before_processes, before_bench = process_cpu_seconds(), time.process_time()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    sdk.seconds += elapsed
    ui.seconds += elapsed
    cpu["bench"] += time.process_time() - before_bench
    for name, used in process_cpu_seconds().items():
        cpu[name] += used - before_processes.get(name, 0.0)


def stored_points(store_uri: str, runs: list[str]) -> Counter[str]:
    engine = sqlalchemy.create_engine(store_uri)
    query = sqlalchemy.text(
        "SELECT run_uuid, COUNT(*) FROM metrics WHERE run_uuid IN :runs GROUP BY run_uuid"
    ).bindparams(sqlalchemy.bindparam("runs", expanding=True))
    with engine.connect() as connection:
        counted = Counter({run: count for run, count in connection.execute(query, {"runs": runs})})
    engine.dispose()
    return counted


def percentile(sorted_ms: list[float], p: float) -> float:
    if not sorted_ms:
        return float("nan")
    return sorted_ms[min(len(sorted_ms) - 1, int(p / 100 * len(sorted_ms)))]


def report(args: argparse.Namespace, sdk: dict[str, Tally], ui: dict[str, Tally], clients: list[SdkClient],
           stored: Counter[str], cpu: dict[str, Counter[str]]) -> bool:
    print(
        f"Load: {args.sdk_clients} SDK clients (log-batch, {METRICS_PER_BATCH} metrics) + {args.ui_clients} UI "
        f"clients (runs/search, {UI_PAUSE_S:.0f} s apart), {args.seconds:.0f} s per side in slices "
        f"{' / '.join(SLICES)}; {os.cpu_count()} CPUs"
    )
    print(f"{'':34}{'gateway':>12}{'direct':>12}{'gateway/direct':>16}")

    def row(name: str, values: dict[str, float], digits: int = 1) -> None:
        ratio = values["gateway"] / values["direct"] if values["direct"] else float("nan")
        cells = "".join(f"{values[side]:>12.{digits}f}" for side in SIDES)
        print(f"{name:34}{cells}{ratio:>16.2f}")

    for label, tallies in (("SDK log-batch", sdk), ("UI runs/search", ui)):
        latencies = {side: sorted(tallies[side].latencies_ms) for side in SIDES}
        row(f"{label}, per second", {s: len(latencies[s]) / tallies[s].seconds for s in SIDES})
        row(f"{label}, p50 ms", {s: percentile(latencies[s], 50) for s in SIDES})
        row(f"{label}, p99 ms", {s: percentile(latencies[s], 99) for s in SIDES})
    for name in ("bench", "gateway", "mlflow"):
        if any(name in cpu[side] for side in SIDES):
            row(f"CPU cores used: {name}", {s: cpu[s][name] / sdk[s].seconds for s in SIDES}, 2)

    counts: dict[str, dict[str, int]] = {}
    errors = {side: sdk[side].errors + ui[side].errors for side in SIDES}
    for side in SIDES:
        acknowledged = {client.runs[side]: client.acknowledged[side] for client in clients}
        for name, value in (
            ("points sent", sum(client.sent[side] for client in clients)),
            ("points acknowledged", sum(acknowledged.values())),
            ("points stored", sum(stored[run] for run in acknowledged)),
            ("points lost (acknowledged, not stored)", sum(max(0, n - stored[run]) for run, n in acknowledged.items())),
            ("points stored, not acknowledged", sum(max(0, stored[run] - n) for run, n in acknowledged.items())),
            ("errors", sum(errors[side].values())),
        ):
            counts.setdefault(name, {})[side] = value
    for kind in sorted(set(errors["gateway"]) | set(errors["direct"])):
        counts[f"  {kind}"] = {side: errors[side][kind] for side in SIDES}
    for name, values in counts.items():
        print(f"{name[:90]:34}" + "".join(f"{values[side]:>12,}" for side in SIDES))
    lost = counts["points lost (acknowledged, not stored)"]
    clean = not any(lost.values()) and not any(counts["errors"].values())
    return clean


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sdk-clients", type=int, default=int(os.environ.get("BENCH_LOAD_SDK_CLIENTS", "50")))
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_LOAD_SECONDS", "30")),
                        help="each side's time (two slices of half)")
    parser.add_argument("--ui-clients", type=int, default=int(os.environ.get("BENCH_LOAD_UI_CLIENTS", "5")))
    parser.add_argument("--store-uri", default=os.environ.get("BENCH_LOAD_STORE_URI"),
                        help="MLflow's database, where the points are counted (default: the stack's)")
    args = parser.parse_args()

    if not STACK_FILE.exists():
        raise SystemExit(f"{STACK_FILE} is missing: start the local stack with `npm run local -- up`.")
    stack = json.loads(STACK_FILE.read_text())
    if args.store_uri is None:
        args.store_uri = stack.get("database", {}).get("uri", f"sqlite:///{MLFLOW_DB}")
    proof = json.loads(STATE_FILE.read_text())["gatewayProof"]
    import boto3

    cognito = boto3.client("cognito-idp", endpoint_url=stack["cognito"]["endpoint"], region_name=stack["region"],
                           aws_access_key_id="local", aws_secret_access_key="local")
    reader = stack["users"]["readers"]
    token = sign_in(cognito, stack, reader["username"], reader["password"])["AccessToken"]
    by_name = sides(stack, proof, token)
    experiment = experiment_id(by_name["direct"])

    def new_client(_: int) -> SdkClient:
        return SdkClient({side: direct_call(by_name["direct"], "runs/create", {"experiment_id": experiment})
                          ["run"]["info"]["run_id"] for side in SIDES})

    with ThreadPoolExecutor(8) as pool:
        clients = list(pool.map(new_client, range(args.sdk_clients)))

    sdk = {side: Tally() for side in SIDES}
    ui = {side: Tally() for side in SIDES}
    cpu: dict[str, Counter[str]] = {side: Counter() for side in SIDES}
    for side in SLICES:
        run_slice(side, by_name[side], clients, args.ui_clients, experiment, args.seconds / 2,
                  sdk[side], ui[side], cpu[side])

    runs = [client.runs[side] for client in clients for side in SIDES]
    clean = report(args, sdk, ui, clients, stored_points(args.store_uri, runs), cpu)
    raise SystemExit(0 if clean else 1)


if __name__ == "__main__":
    main()
