import os
import stat

import pytest

from torch2ms.run import fileio


def leftovers(folder):
    return sorted(name for name in os.listdir(folder) if fileio.is_temp_name(name))


def test_atomic_write_replaces_content_and_keeps_given_mode(tmp_path):
    target = tmp_path / "script.py"
    target.write_bytes(b"old\n")
    os.chmod(target, 0o751)
    fileio.atomic_write(str(target), b"new\n", mode=0o751)
    assert target.read_bytes() == b"new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o751
    assert leftovers(tmp_path) == []


def test_atomic_write_new_file_gets_umask_mode(tmp_path):
    old_umask = os.umask(0o022)
    os.umask(old_umask)
    target = tmp_path / "fresh.py"
    fileio.atomic_write(str(target), b"x = 1\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~old_umask


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_failed_atomic_write_keeps_original_and_leaves_no_temp(tmp_path, monkeypatch, failing):
    target = tmp_path / "model.py"
    target.write_bytes(b"original\n")

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fileio.os, failing, broken)
    with pytest.raises(OSError):
        fileio.atomic_write(str(target), b"converted\n")
    monkeypatch.undo()
    assert target.read_bytes() == b"original\n"
    assert leftovers(tmp_path) == []


def test_interrupt_during_write_removes_temp(tmp_path, monkeypatch):
    target = tmp_path / "model.py"
    target.write_bytes(b"original\n")

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(fileio.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fileio.atomic_write(str(target), b"converted\n")
    monkeypatch.undo()
    assert target.read_bytes() == b"original\n"
    assert leftovers(tmp_path) == []


def test_temp_names_are_hidden_and_never_python(tmp_path, monkeypatch):
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append(os.path.basename(src))
        real_replace(src, dst)

    monkeypatch.setattr(fileio.os, "replace", spy)
    fileio.atomic_write(str(tmp_path / "net.py"), b"x\n")
    assert len(seen) == 1
    assert seen[0].startswith(".net.py" + fileio.TEMP_MARK)
    assert not seen[0].endswith(".py")
    assert fileio.is_temp_name(seen[0])
    assert not fileio.is_temp_name("net.py") and not fileio.is_temp_name(".hidden.py")


def test_backup_never_overwrites_an_existing_one(tmp_path):
    target = tmp_path / "model.py"
    target.write_bytes(b"v1\n")
    (tmp_path / "model.py.orig").write_bytes(b"user's own backup\n")
    first = fileio.make_backup(str(target))
    fileio.atomic_write(str(target), b"v2\n")
    second = fileio.make_backup(str(target))
    assert os.path.basename(first) == "model.py.orig.1"
    assert os.path.basename(second) == "model.py.orig.2"
    assert (tmp_path / "model.py.orig").read_bytes() == b"user's own backup\n"
    assert (tmp_path / "model.py.orig.1").read_bytes() == b"v1\n"
    assert (tmp_path / "model.py.orig.2").read_bytes() == b"v2\n"


def test_backup_survives_replacement_of_the_original(tmp_path):
    target = tmp_path / "model.py"
    target.write_bytes(b"original\n")
    os.chmod(target, 0o700)
    backup = fileio.make_backup(str(target))
    fileio.atomic_write(str(target), b"converted\n", mode=0o700)
    assert open(backup, "rb").read() == b"original\n"
    assert stat.S_IMODE(os.stat(backup).st_mode) == 0o700
    assert target.read_bytes() == b"converted\n"


def test_backup_copies_when_hard_links_are_not_supported(tmp_path, monkeypatch):
    target = tmp_path / "model.py"
    target.write_bytes(b"original\n")

    def no_links(src, dst):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(fileio.os, "link", no_links)
    backup = fileio.make_backup(str(target))
    assert backup.endswith("model.py.orig")
    assert open(backup, "rb").read() == b"original\n"
    assert os.stat(backup).st_ino != target.stat().st_ino


def test_atomic_copy_keeps_bytes_and_mode(tmp_path):
    src = tmp_path / "run.sh"
    src.write_bytes(b"#!/bin/sh\n\x00\xff binary-ish\n")
    os.chmod(src, 0o755)
    dst = tmp_path / "out" / "run.sh"
    dst.parent.mkdir()
    dst.write_bytes(b"stale")
    fileio.atomic_copy(str(src), str(dst))
    assert dst.read_bytes() == src.read_bytes()
    assert stat.S_IMODE(dst.stat().st_mode) == 0o755
    assert leftovers(dst.parent) == []


def test_atomic_symlink_replaces_an_existing_entry(tmp_path):
    link = tmp_path / "link.py"
    link.write_bytes(b"a regular file from an earlier run")
    fileio.atomic_symlink("target.py", str(link))
    assert os.readlink(link) == "target.py"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "data, message, line",
    [
        (b"x = 1\ny = '\x00'\n", "binary file", 2),
        (b"x = 1\n\ny = '\xff'\n", "cannot decode as utf-8", 3),
        (b"# coding: no-such-codec\nx = 1\n", "encoding", None),
    ],
)
def test_check_source_names_the_problem_and_line(data, message, line):
    with pytest.raises(fileio.SourceError) as caught:
        fileio.check_source(data)
    assert message in caught.value.message
    if line is not None:
        assert caught.value.line == line


@pytest.mark.parametrize(
    "data",
    [b"", b"\xef\xbb\xbfx = 1\n", b"x = 1\r\ny = 2\r\n", b"# -*- coding: latin-1 -*-\nx = '\xe9'\n"],
)
def test_check_source_accepts_valid_text(data):
    fileio.check_source(data)


def test_read_source_reports_unreadable_files(tmp_path):
    with pytest.raises(fileio.SourceError) as caught:
        fileio.read_source(str(tmp_path))  # a folder cannot be read as a file, even by root
    assert caught.value.message.startswith("cannot read")
