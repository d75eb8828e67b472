"""Reading sources and writing results so that no file is ever seen half-written.

Every write goes to a temp file in the destination's own directory (same file system,
so the final os.replace is atomic), is fsync'ed, then renamed over the target. The
folder is not fsync'ed after the rename: that only decides whether a power cut keeps
the old or the new file, both whole, and costs a journal commit per file.
A crash leaves either the old file or the new one, plus at worst a temp file whose
name (`.NAME.torch2ms-tmp-XXXX`) is hidden, recognisable and never ends in `.py`.
"""
from __future__ import annotations

import io
import os
import shutil
import tempfile
import tokenize
from typing import Optional, Tuple

TEMP_MARK = ".torch2ms-tmp-"
BACKUP_SUFFIX = ".orig"

_UMASK = os.umask(0)
os.umask(_UMASK)


class SourceError(Exception):
    """A source file that cannot be handed to the converter (binary, undecodable, unreadable)."""

    def __init__(self, message: str, line: Optional[int] = None):
        super().__init__(message)
        self.message = message
        self.line = line


def is_temp_name(name: str) -> bool:
    return name.startswith(".") and TEMP_MARK in name


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def source_encoding(data: bytes) -> str:
    """The encoding Python itself would use (PEP 263 cookie, BOM, else UTF-8)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:  # it does not say which of the two first lines is wrong
        line = 1 if b"coding" in data.split(b"\n", 1)[0] else 2
        raise SourceError(f"bad encoding declaration: {exc.msg}", line) from None
    return encoding


def check_source(data: bytes) -> None:
    """Raise SourceError unless `data` is text Python could read."""
    nul = data.find(b"\0")
    if nul >= 0:
        raise SourceError("binary file (contains NUL bytes), not Python source", _line_of(data, nul))
    encoding = source_encoding(data)
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"cannot decode as {encoding}: byte 0x{data[exc.start]:02x} is invalid"
            " (wrong encoding or missing coding declaration)",
            _line_of(data, exc.start),
        ) from None


def read_source(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}") from None
    check_source(data)
    return data


def decode_source(data: bytes) -> str:
    return data.decode(source_encoding(data))


def _temp_for(path: str):
    directory, name = os.path.split(path)
    fd, temp = tempfile.mkstemp(prefix=f".{name}{TEMP_MARK}", dir=directory or ".")
    return fd, temp


def _set_metadata(fd: int, mode: Optional[int], owner: Optional[Tuple[int, int]]) -> None:
    if owner is not None and owner != (os.geteuid(), os.getegid()):
        try:  # rewriting someone else's file as root must not make it root's
            os.fchown(fd, *owner)
        except OSError:
            pass
    # After chown, which clears set-user-ID bits. None: what open() gives a new file.
    os.fchmod(fd, 0o666 & ~_UMASK if mode is None else mode)


def atomic_write(path: str, data: bytes, mode: Optional[int] = None,
                 owner: Optional[Tuple[int, int]] = None) -> None:
    """Replace `path` with `data`, giving it permission bits `mode` and (uid, gid) `owner`."""
    fd, temp = _temp_for(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            _set_metadata(handle.fileno(), mode, owner)
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        _remove_quietly(temp)
        raise


def atomic_copy(src: str, dst: str) -> None:
    """Copy bytes, mode and times of `src` onto `dst`, atomically."""
    fd, temp = _temp_for(dst)
    try:
        with os.fdopen(fd, "wb") as out, open(src, "rb") as inp:
            shutil.copyfileobj(inp, out)
            out.flush()
            os.fsync(out.fileno())
        shutil.copystat(src, temp)
        os.replace(temp, dst)
    except BaseException:
        _remove_quietly(temp)
        raise


def atomic_symlink(target: str, dst: str) -> None:
    directory, name = os.path.split(dst)
    temp = os.path.join(directory, f".{name}{TEMP_MARK}{os.getpid()}")
    _remove_quietly(temp)
    os.symlink(target, temp)
    try:
        os.replace(temp, dst)
    except BaseException:
        _remove_quietly(temp)
        raise


def backup_names(path: str):
    yield path + BACKUP_SUFFIX
    number = 1
    while True:
        yield f"{path}{BACKUP_SUFFIX}.{number}"
        number += 1


def make_backup(path: str) -> str:
    """Keep the current content of `path` under the first free `path.orig[.N]`.

    A hard link costs nothing and is atomic; it keeps the old inode once `path` is
    replaced. os.link never overwrites, so an existing backup is never clobbered.
    """
    for candidate in backup_names(path):
        try:
            os.link(path, candidate)
            return candidate
        except FileExistsError:
            continue
        except OSError:  # no hard links on this file system: copy instead
            if os.path.lexists(candidate):
                continue
            atomic_copy(path, candidate)
            return candidate
    raise AssertionError("unreachable")


def _remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
