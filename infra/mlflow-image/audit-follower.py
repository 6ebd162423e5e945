"""Ships MLflow's audit events: each complete line of the audit file, once appended, to stdout.

Runs in a container of its own beside MLflow in the same task, on a volume both mount; the
awslogs driver of this container sends its stdout to the audit log group. The file is named by
STUDIO_MLFLOW_AUDIT_LOG, the setting MLflow's app writes it by.

- How far it has shipped is kept next to the file (`<file>.shipped`, the file's inode and the
  offset), written after each batch has been flushed: a restarted follower goes on from there.
  A crash between the two sends that batch again (the events carry their request id); no line
  is skipped.
- A line still being written (no newline yet) waits for its end.
- A file replaced (rotated) is read to its end before the new one is followed from its start;
  a file truncated is followed from its start.
- On SIGTERM (the task stopping: ECS stops MLflow, which depends on this container, first) it
  ships what is left and exits.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import BinaryIO

AUDIT_LOG = "STUDIO_MLFLOW_AUDIT_LOG"
POLL_SECONDS = 0.25


class Follower:
    def __init__(self, path: Path, out: BinaryIO) -> None:
        self.path = path
        self.out = out
        self.state_path = path.with_name(path.name + ".shipped")
        self.file: BinaryIO | None = None
        self.inode = 0
        self.offset = 0
        self.pending = b""

    def _open(self) -> bool:
        """Opens the file if it exists, at the saved offset when it is the file saved."""
        try:
            self.file = self.path.open("rb")
        except FileNotFoundError:
            return False
        stat = os.fstat(self.file.fileno())
        saved = self._saved()
        offset = saved.get("offset", 0) if saved.get("inode") == stat.st_ino else 0
        # Shorter than where it had got to: truncated meanwhile, read from its start.
        self.inode, self.offset, self.pending = stat.st_ino, offset if offset <= stat.st_size else 0, b""
        self.file.seek(self.offset)
        return True

    def _saved(self) -> dict[str, int]:
        try:
            saved = json.loads(self.state_path.read_text())
        except (FileNotFoundError, ValueError):
            return {}
        return saved if isinstance(saved, dict) else {}

    def _save(self) -> None:
        partial = self.state_path.with_name(self.state_path.name + ".tmp")
        partial.write_text(json.dumps({"inode": self.inode, "offset": self.offset}))
        os.replace(partial, self.state_path)

    def _drain(self) -> int:
        """Ships every complete line from the offset to the end of the open file."""
        assert self.file is not None
        shipped = 0
        while chunk := self.file.read(1 << 16):
            lines = (self.pending + chunk).split(b"\n")
            self.pending = lines.pop()
            if lines:
                batch = b"".join(line + b"\n" for line in lines)
                self.out.write(batch)
                self.out.flush()
                self.offset += len(batch)
                shipped += len(lines)
                self._save()
        return shipped

    def ship(self) -> int:
        """One pass: ships what was appended, following a replaced or truncated file."""
        if self.file is None and not self._open():
            return 0
        shipped = self._drain()
        try:
            current = os.stat(self.path)
        except FileNotFoundError:
            return shipped
        if current.st_ino != self.inode:
            # Replaced: the old file is read to its end above, the new one from its start.
            shipped += self._drain()
            self.file.close()
            self.file = None
            if self._open():
                shipped += self._drain()
        elif current.st_size < self.offset:
            self.file.seek(0)
            self.offset, self.pending = 0, b""
            self._save()
            shipped += self._drain()
        return shipped


def main() -> None:
    name = os.environ.get(AUDIT_LOG, "")
    if not name or name == "-":
        sys.exit(f"audit-follower: {AUDIT_LOG} must name the audit file")
    follower = Follower(Path(name), sys.stdout.buffer)
    stopping = False

    def stop(_signal: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while not stopping:
        follower.ship()
        time.sleep(POLL_SECONDS)
    follower.ship()


if __name__ == "__main__":
    main()
