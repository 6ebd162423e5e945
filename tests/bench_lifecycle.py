"""What the Studio lifecycle configuration costs a space's start, and how much room it has.

Plays a space's start (tests/studio.py: a fresh environment for /opt/conda, the
wheel from a local folder) and times, side by side in one run, the script's
first run (install) against later runs on the same environment (the start of
a space whose wheel has not changed), and the script against Studio's limits:
16,384 characters of base64 and 5 minutes. Needs the local stack for the
settings only. Run with ``npm run bench`` or ``.venv/bin/python -m tests.bench_lifecycle``.
"""

from __future__ import annotations

import base64
import json
import statistics
import tempfile
import time
from pathlib import Path

from tests import studio

ROUNDS = 5
STUDIO_SIZE_LIMIT = 16_384
STUDIO_TIME_LIMIT_S = 300.0


def timed_run(prefix: Path, home: Path, wheel: Path, settings: dict[str, str]) -> float:
    started = time.perf_counter()
    result = studio.run_lifecycle(prefix, home, wheel, settings)
    elapsed = time.perf_counter() - started
    if result.returncode != 0 or "done" not in result.stdout:
        raise SystemExit(f"the lifecycle script failed:\n{result.stdout}\n{result.stderr}")
    return elapsed


def main() -> None:
    stack = json.loads(studio.STACK_FILE.read_text())
    settings = studio.deployment(stack)
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        bucket = root / "s3"
        bucket.mkdir()
        wheel = studio.build_wheel(bucket)
        wheel_kib = wheel.stat().st_size / 1024
        installs, repeats = [], []
        for round_ in range(ROUNDS):
            # A new space each round: its first start installs, the next ones find the wheel.
            prefix, home = root / f"conda-{round_}", root / f"home-{round_}"
            home.mkdir()
            studio.make_conda_prefix(prefix)
            installs.append(timed_run(prefix, home, wheel, settings))
            repeats.append(timed_run(prefix, home, wheel, settings))

    script = studio.SCRIPT.read_bytes()
    encoded = len(base64.b64encode(script))
    install, repeat = statistics.median(installs), statistics.median(repeats)
    rows = [
        ("script, base64 characters", f"{encoded:,}", f"{STUDIO_SIZE_LIMIT:,}", encoded / STUDIO_SIZE_LIMIT),
        ("first start: fetch, install, configure", f"{install:.2f} s", f"{STUDIO_TIME_LIMIT_S:.0f} s",
         install / STUDIO_TIME_LIMIT_S),
        ("later start, same wheel", f"{repeat:.2f} s", f"{install:.2f} s", repeat / install),
        ("wheel", f"{wheel_kib:.0f} KiB", "", None),
    ]
    print(f"Studio lifecycle configuration (medians of {ROUNDS} new spaces)")
    print(f"{'':42}{'measured':>12}{'against':>12}{'ratio':>9}")
    for name, measured, against, ratio in rows:
        print(f"{name:42}{measured:>12}{against:>12}{'' if ratio is None else f'{ratio:.3f}×':>9}")


if __name__ == "__main__":
    main()
