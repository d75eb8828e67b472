"""Progress of a run.

On a terminal, `[ 12/477] path` is rewritten in place. Elsewhere (a CI log, a pipe) a line
like `torch2ms: 120/477 files (25%), 31 s` is written every few seconds, the first one only
after that much time, so short runs print nothing; `lines` mode (--progress) writes one line
per file.
"""
from __future__ import annotations

import shutil
import sys
import time

EVERY_S = 5.0  # seconds between two lines when the output is not a terminal


class Progress:
    def __init__(self, total: int, enabled: bool, stream=sys.stderr, mode: str = "bar", every: float = EVERY_S):
        """mode: "bar" (rewritten in place), "periodic" (a line every `every` seconds), "lines"
        (a line per file), or "auto": bar on a terminal, periodic elsewhere."""
        self.total, self.done, self.stream = total, 0, stream
        if mode == "auto":
            mode = "bar" if is_terminal(stream) else "periodic"
        self.mode = mode if enabled and total > 1 else "off"
        self.every = every
        self._start = time.monotonic()
        self._last = self._start if self.mode == "periodic" else 0.0
        self.enabled = self.mode == "bar"  # the in-place bar must be wiped before other output

    def advance(self, rel: str) -> None:
        self.done += 1
        now = time.monotonic()
        if self.mode == "lines":
            self._line(f"[{self.done:>{len(str(self.total))}}/{self.total}] {rel}")
        elif self.mode == "periodic":
            if now - self._last >= self.every and self.done < self.total:
                self._last = now
                self._line(f"torch2ms: {self.done}/{self.total} files ({100 * self.done // self.total}%), "
                           f"{now - self._start:.0f} s")
        elif self.mode == "bar":
            if now - self._last < 0.05 and self.done < self.total:
                return
            self._last = now
            width = shutil.get_terminal_size().columns - 1
            text = f"[{self.done:>{len(str(self.total))}}/{self.total}] {rel}"
            self.stream.write("\r" + text[:width].ljust(width))
            self.stream.flush()

    def _line(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.mode == "bar":
            width = shutil.get_terminal_size().columns - 1
            self.stream.write("\r" + " " * width + "\r")
            self.stream.flush()


def is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
