"""Build torch2ms's wheel from the checkout's files, away from the checkout.

Shared by .ci/run (which installs the wheel and tests it) and tests/test_packaging.py. The
files are copied to a scratch folder first, so a build/ folder left in the checkout by an
earlier in-tree build (setuptools reuses build/lib and would ship files deleted since) cannot
leak in.

    python tests/support/wheel.py SCRATCH_DIR     prints the path of the built wheel
"""
import importlib.metadata
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List

REPO = Path(__file__).resolve().parents[2]


def source_files() -> List[str]:
    """Repository-relative paths of what the wheel is built from: pyproject.toml, README.md and
    torch2ms/ (tracked files and new ones git does not ignore; without git, the tree minus caches)."""
    wanted = ["pyproject.toml", "README.md", "torch2ms"]
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard",
                                 "--", *wanted], cwd=REPO, capture_output=True, check=True).stdout
        files = sorted({name for name in listed.decode().split("\0") if name and (REPO / name).is_file()})
    except (OSError, subprocess.CalledProcessError):  # not a git checkout, or no git
        files = ["pyproject.toml", "README.md"] + sorted(
            p.relative_to(REPO).as_posix() for p in (REPO / "torch2ms").rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
    if "torch2ms/__init__.py" not in files or "pyproject.toml" not in files:
        raise RuntimeError(f"no torch2ms sources found under {REPO}")
    return files


def _version(text: str):
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def local_setuptools_can_build() -> bool:
    """Whether this interpreter's setuptools satisfies the build-system pin and builds wheels by
    itself (bdist_wheel is built in from 70.1, before that it needs `wheel`): then the build
    needs no download. Otherwise pip builds in isolation, fetching setuptools from the registry."""
    try:
        import tomllib  # Python 3.11+
        have = importlib.metadata.version("setuptools")
    except (ImportError, importlib.metadata.PackageNotFoundError):
        return False
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    floors = [re.fullmatch(r"setuptools>=([\d.]+)", r) for r in pyproject["build-system"]["requires"]]
    floor = next((m.group(1) for m in floors if m), None)
    if floor is None:
        return False
    bdist_wheel = _version(have) >= (70, 1) or importlib.util.find_spec("wheel") is not None
    return _version(have) >= _version(floor) and bdist_wheel


def build_wheel(scratch: Path) -> Path:
    """Copy the sources to SCRATCH/src, build SCRATCH/dist/torch2ms-*.whl, return its path."""
    src, dist = scratch / "src", scratch / "dist"
    for name in source_files():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, src / name)
    no_isolation = ["--no-build-isolation"] if local_setuptools_can_build() else []
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", *no_isolation,
                           "-w", str(dist), str(src)], capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"building the wheel failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    wheels = sorted(dist.glob("torch2ms-*.whl"))
    if len(wheels) != 1:
        raise RuntimeError(f"expected one wheel in {dist}, found {wheels}")
    return wheels[0]


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    print(build_wheel(Path(sys.argv[1])))
