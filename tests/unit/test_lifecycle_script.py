"""The lifecycle script itself: shellcheck clean, and within Studio's size limit."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted((ROOT / "lifecycle-config").glob("*.sh"))

# Studio takes a lifecycle configuration of at most 16,384 characters, base64-encoded.
STUDIO_LIMIT = 16_384
# What the CDK app writes in front of it: ten settings with a deployment’s values.
HEADER_ALLOWANCE = 2_048


def test_there_are_scripts() -> None:
    assert [script.name for script in SCRIPTS] == ["install-extension.sh"]


def test_shellcheck_finds_nothing() -> None:
    shellcheck = Path(sys.executable).with_name("shellcheck")
    result = subprocess.run([str(shellcheck), "--severity=style", *map(str, SCRIPTS)],
                            check=False, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_script_and_its_settings_fit_in_a_lifecycle_configuration() -> None:
    for script in SCRIPTS:
        encoded = base64.b64encode(script.read_bytes())
        assert len(encoded) + HEADER_ALLOWANCE <= STUDIO_LIMIT, f"{script.name}: {len(encoded)} characters"
