"""Checks, from inside the VPC, that nothing but the gateway reaches MLflow.

Run it in a Studio space (a terminal, or ``!python -m …`` in a notebook) or in
a training job that runs in the VPC::

    python -m sagemaker_studio_mlflow.reachability

Concurrently, with short TCP connect timeouts, it tries MLflow's internal load
balancer (each of its addresses, on its listener's port and on MLflow's port)
and every host address of the subnets MLflow's tasks run in (on MLflow's
port), and it fetches the gateway's public ``health`` route, which the gateway
passes on to MLflow. A direct attempt that is refused, times out or finds no
route is what a sealed deployment gives; one that connects means that from
here MLflow can be called without the gateway, so without its authorization.

Exit status:

* 0: the gateway answers, and no direct attempt connected;
* 1: a direct attempt connected (the gateway can be bypassed from here);
* 2: the check could not be made: the gateway did not answer, the load
  balancer's name did not resolve, a connection failed for another reason, or
  there was nothing to try (check the settings).

Settings come from the file the Studio lifecycle configuration writes
(``<sys.prefix>/share/sagemaker-studio-mlflow/reachability.json``, or
``--settings``); the flags override them, and ``MLFLOW_TRACKING_URI`` stands
in for a missing gateway URL. A training job has no such file: pass the
stack's outputs as flags.

The module uses the standard library only and imports nothing of its package,
so it also runs as a plain script (``python reachability.py``) in an image
without the package.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import ipaddress
import json
import os
import socket
import sys
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union
from urllib.parse import urlsplit

IPNetwork = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]

SETTINGS_FILE = Path(sys.prefix, "share", "sagemaker-studio-mlflow", "reachability.json")

# A /22 (the task subnets of a new VPC): larger ranges take minutes and are
# rarely what was meant.
MAX_SUBNET_ADDRESSES = 1024
DEFAULT_TIMEOUT = 1.0
GATEWAY_TIMEOUT = 10.0
# Connections in flight at once: well under the usual limit of 1,024 open files.
CONCURRENCY = 256

# What an attempt found. Only the first three prove that nothing answers.
REFUSED = "refused"
TIMED_OUT = "timed out"
UNREACHABLE = "no route"
CONNECTED = "connected"
SEALED = frozenset({REFUSED, TIMED_OUT, UNREACHABLE})

LOAD_BALANCER = "load balancer"
TASK_SUBNET = "task subnet"
GATEWAY = "gateway"


class SettingsError(Exception):
    """The probe's settings are missing or wrong; the message says which."""


@dataclass(frozen=True)
class Settings:
    gateway_url: str
    load_balancer: str
    """MLflow's load balancer, a DNS name or address; empty: not tried."""
    load_balancer_port: int | None
    """Its listener's port, if known."""
    mlflow_port: int | None
    subnets: tuple[IPNetwork, ...]
    timeout: float


@dataclass(frozen=True)
class Attempt:
    """One direct TCP connection attempt."""

    target: str
    address: str
    port: int
    result: str
    subnet: IPNetwork | None = None

    @property
    def connected(self) -> bool:
        return self.result == CONNECTED

    @property
    def sealed(self) -> bool:
        return self.result in SEALED


@dataclass(frozen=True)
class GatewayCheck:
    url: str
    port: int
    status: int | None
    error: str | None = None

    @property
    def answers(self) -> bool:
        return self.status == 200

    @property
    def result(self) -> str:
        return f"HTTP {self.status}" if self.status is not None else str(self.error)


@dataclass(frozen=True)
class Report:
    gateway: GatewayCheck
    attempts: tuple[Attempt, ...]

    @property
    def exit_code(self) -> int:
        if any(attempt.connected for attempt in self.attempts):
            return 1
        if not self.gateway.answers or not self.attempts or not all(a.sealed for a in self.attempts):
            return 2
        return 0


def subnet(cidr: str) -> IPNetwork:
    """A task subnet to scan: a network address with its prefix, a /22 at most."""
    try:
        network = ipaddress.ip_network(cidr.strip())
    except ValueError as error:
        raise SettingsError(f"{cidr!r} is not a subnet's CIDR such as 10.0.4.0/22: {error}") from None
    if network.num_addresses > MAX_SUBNET_ADDRESSES:
        raise SettingsError(
            f"{network} has {network.num_addresses:,} addresses; the probe scans subnets of at most "
            f"{MAX_SUBNET_ADDRESSES:,} (an IPv4 /22): pass the CIDRs of MLflow's task subnets, not the VPC's"
        )
    return network


def host_addresses(network: IPNetwork) -> list[str]:
    """Every host address of a subnet (a /32 or /128 is its one address)."""
    return [str(address) for address in network.hosts()] or [str(network.network_address)]


def host_and_port(value: str) -> tuple[str, int | None]:
    """``HOST[:PORT]`` split; the port is None when not given."""
    host, separator, port = value.strip().rpartition(":")
    if separator and port.isdigit() and host and ":" not in host:
        return host, tcp_port(port)
    return value.strip(), None


def tcp_port(value: str | int) -> int:
    try:
        port = int(value)
    except ValueError:
        raise SettingsError(f"{value!r} is not a TCP port") from None
    if not 0 < port < 65536:
        raise SettingsError(f"{value!r} is not a TCP port (1 to 65535)")
    return port


def read_settings_file(path: Path) -> dict[str, Any]:
    """The lifecycle configuration's settings for the probe; none when the file is absent."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise SettingsError(f"cannot read {path}: {error}") from None
    try:
        settings = json.loads(text)
    except ValueError as error:
        raise SettingsError(f"{path} is not JSON: {error}") from None
    if not isinstance(settings, dict):
        raise SettingsError(f"{path} is not a JSON object")
    return settings


def resolve_settings(args: argparse.Namespace, environ: dict[str, str] | None = None) -> Settings:
    """The flags, else the settings file, else (for the gateway) ``MLFLOW_TRACKING_URI``."""
    environ = dict(os.environ) if environ is None else environ
    stored = read_settings_file(Path(args.settings))
    gateway_url = args.gateway_url or str(stored.get("gatewayUrl") or "") or environ.get("MLFLOW_TRACKING_URI", "")
    if urlsplit(gateway_url).scheme not in ("http", "https"):
        raise SettingsError(
            "the gateway's URL is unknown: pass --gateway-url https://…/prod/ (the stack's GatewayUrl output)"
        )
    load_balancer, load_balancer_port = host_and_port(args.load_balancer or str(stored.get("loadBalancer") or ""))
    port_setting = args.port if args.port is not None else stored.get("mlflowPort")
    mlflow_port = tcp_port(port_setting) if port_setting not in (None, "") else None
    cidrs = args.subnet if args.subnet else [str(cidr) for cidr in stored.get("taskSubnets") or []]
    subnets = tuple(subnet(cidr) for cidr in cidrs)
    if subnets and mlflow_port is None:
        raise SettingsError("MLflow's port is unknown: pass --port (the stack's MlflowPort output)")
    if load_balancer and mlflow_port is None and load_balancer_port is None:
        raise SettingsError("the load balancer's port is unknown: pass --load-balancer HOST:PORT or --port")
    if args.timeout <= 0:
        raise SettingsError("--timeout must be a positive number of seconds")
    return Settings(
        gateway_url=gateway_url,
        load_balancer=load_balancer,
        load_balancer_port=load_balancer_port,
        mlflow_port=mlflow_port,
        subnets=subnets,
        timeout=args.timeout,
    )


async def connect(address: str, port: int, timeout: float, limit: asyncio.Semaphore) -> str:
    """What one TCP connection attempt finds (the connection is closed at once)."""
    async with limit:
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(address, port), timeout)
        except asyncio.TimeoutError:
            return TIMED_OUT
        except ConnectionRefusedError:
            return REFUSED
        except OSError as error:
            if error.errno == errno.ETIMEDOUT:
                return TIMED_OUT
            if error.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
                return UNREACHABLE
            return f"error: {error.strerror or error}"
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return CONNECTED


async def load_balancer_addresses(name: str) -> list[str]:
    """The load balancer's addresses (one per zone); a name that does not resolve raises OSError."""
    infos = await asyncio.get_running_loop().getaddrinfo(name, None, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def check_gateway(url: str) -> GatewayCheck:
    """An HTTPS GET of the gateway's public ``health`` route, which MLflow answers through it."""
    health = url.rstrip("/") + "/health"
    parts = urlsplit(health)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    request = urllib.request.Request(health, headers={"User-Agent": "sagemaker-studio-mlflow-reachability"})
    try:
        with urllib.request.urlopen(request, timeout=GATEWAY_TIMEOUT) as answer:
            return GatewayCheck(health, port, answer.status)
    except urllib.error.HTTPError as error:
        return GatewayCheck(health, port, error.code)
    except urllib.error.URLError as error:
        reason = error.reason
        text = TIMED_OUT if isinstance(reason, socket.timeout) else f"no answer: {reason}"
        return GatewayCheck(health, port, None, text)
    except (OSError, ValueError) as error:
        text = TIMED_OUT if isinstance(error, socket.timeout) else f"no answer: {error}"
        return GatewayCheck(health, port, None, text)


async def run_probe(settings: Settings) -> Report:
    """Every direct attempt and the gateway check, all at once."""
    limit = asyncio.Semaphore(CONCURRENCY)
    loop = asyncio.get_running_loop()
    gateway = loop.run_in_executor(None, check_gateway, settings.gateway_url)

    planned: list[tuple[str, str, int, IPNetwork | None]] = []
    unresolved: list[Attempt] = []
    if settings.load_balancer:
        ports = sorted({p for p in (settings.load_balancer_port, settings.mlflow_port) if p is not None})
        try:
            addresses = await load_balancer_addresses(settings.load_balancer)
        except OSError as error:
            unresolved = [
                Attempt(LOAD_BALANCER, settings.load_balancer, port, f"unresolved: {error}") for port in ports
            ]
        else:
            planned += [(LOAD_BALANCER, address, port, None) for address in addresses for port in ports]
    port = settings.mlflow_port
    for network in settings.subnets if port is not None else ():
        planned += [(TASK_SUBNET, address, port, network) for address in host_addresses(network)]

    results = await asyncio.gather(
        *(connect(address, port, settings.timeout, limit) for _, address, port, _ in planned)
    )
    attempts = unresolved + [
        Attempt(target, address, port, result, network)
        for (target, address, port, network), result in zip(planned, results)
    ]
    return Report(await gateway, tuple(attempts))


def verdict(rows: Sequence[Attempt]) -> str:
    if any(row.connected for row in rows):
        return "BYPASS"
    return "ok" if all(row.sealed for row in rows) else "unchecked"


def table(report: Report) -> str:
    """One line per load balancer attempt, one per subnet (and one per address in it that is not sealed)."""
    gateway = report.gateway
    rows = [
        ("target", "address", "port", "result", "verdict"),
        (GATEWAY, gateway.url, str(gateway.port), gateway.result, "ok" if gateway.answers else "no answer"),
    ]
    subnets: dict[IPNetwork, list[Attempt]] = {}
    for attempt in report.attempts:
        if attempt.subnet is None:
            rows.append((attempt.target, attempt.address, str(attempt.port), attempt.result, verdict([attempt])))
        else:
            subnets.setdefault(attempt.subnet, []).append(attempt)
    for network, attempts in subnets.items():
        counts = Counter(attempt.result for attempt in attempts)
        summary = ", ".join(f"{count:,} {result}" for result, count in counts.most_common())
        rows.append((
            TASK_SUBNET,
            f"{network} ({len(attempts):,} address{'' if len(attempts) == 1 else 'es'})",
            str(attempts[0].port),
            summary,
            verdict(attempts),
        ))
        rows += [
            (TASK_SUBNET, a.address, str(a.port), a.result, verdict([a])) for a in attempts if not a.sealed
        ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows)


def conclusion(report: Report) -> str:
    code = report.exit_code
    attempts = report.attempts
    if code == 1:
        bypasses = sum(attempt.connected for attempt in attempts)
        return (
            f"BYPASS: {bypasses:,} direct attempt(s) connected. From here MLflow can be called without the "
            "gateway and its authorization; see 'Check that only the gateway reaches MLflow' in docs/operations.md."
        )
    if not report.gateway.answers:
        return (
            f"NOT CHECKED: the gateway did not answer 200 at {report.gateway.url} ({report.gateway.result}); "
            "check --gateway-url (the stack's GatewayUrl output)."
        )
    if not attempts:
        return (
            "NOT CHECKED: nothing to try directly; pass --load-balancer and --subnet "
            "(the stack's MlflowLoadBalancer and MlflowTaskSubnetCidrs outputs)."
        )
    if code == 2:
        unchecked = sum(not attempt.sealed for attempt in attempts)
        return f"NOT CHECKED: {unchecked:,} direct attempt(s) neither connected nor were refused (see the table)."
    return (
        f"SEALED: only the gateway answers; {len(attempts):,} direct attempt(s) were refused, timed out "
        "or found no route."
    )


def parser() -> argparse.ArgumentParser:
    parse = argparse.ArgumentParser(
        prog="python -m sagemaker_studio_mlflow.reachability",
        description=(
            "Check that nothing but the gateway reaches MLflow from here: tries MLflow's load balancer and "
            "task subnets directly and the gateway's health route. Exit status 0: sealed; 1: a direct "
            "attempt connected; 2: the check could not be made."
        ),
    )
    parse.add_argument("--gateway-url", help="the gateway's URL, https://…/prod/ (the GatewayUrl output)")
    parse.add_argument(
        "--load-balancer",
        metavar="HOST[:PORT]",
        help="MLflow's load balancer and its listener's port (the MlflowLoadBalancer output)",
    )
    parse.add_argument(
        "--subnet",
        action="append",
        metavar="CIDR",
        help=(
            f"a subnet of MLflow's tasks, every address of which is tried on MLflow's port; repeatable, "
            f"{MAX_SUBNET_ADDRESSES:,} addresses (a /22) at most each (the MlflowTaskSubnetCidrs output)"
        ),
    )
    parse.add_argument("--port", help="the port MLflow listens on in its tasks (the MlflowPort output)")
    parse.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help=f"seconds a TCP connection attempt may take (default {DEFAULT_TIMEOUT})",
    )
    parse.add_argument(
        "--settings",
        default=str(SETTINGS_FILE),
        help="the settings the lifecycle configuration wrote (default %(default)s)",
    )
    return parse


def main(argv: Sequence[str] | None = None) -> int:
    parse = parser()
    args = parse.parse_args(argv)
    try:
        settings = resolve_settings(args)
    except SettingsError as error:
        print(f"{parse.prog}: {error}", file=sys.stderr)
        return 2
    report = asyncio.run(run_probe(settings))
    print(table(report))
    print()
    print(conclusion(report))
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
