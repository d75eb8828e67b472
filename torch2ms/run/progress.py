"""Progress of a run on the terminal."""
from __future__ import annotations

import shutil
import sys
import time


class Progress:
    """`[ 12/477] path` rewritten in place on a terminal; silent otherwise."""

    def __init__(self, total: int, enabled: bool, stream=sys.stderr):
        self.total, self.done, self.stream = total, 0, stream
        self.enabled = enabled and total > 1
        self._last = 0.0

    def advance(self, rel: str) -> None:
        self.done += 1
        now = time.monotonic()
        if not self.enabled or (now - self._last < 0.05 and self.done < self.total):
            return
        self._last = now
        width = shutil.get_terminal_size().columns - 1
        text = f"[{self.done:>{len(str(self.total))}}/{self.total}] {rel}"
        self.stream.write("\r" + text[:width].ljust(width))
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            width = shutil.get_terminal_size().columns - 1
            self.stream.write("\r" + " " * width + "\r")
            self.stream.flush()
