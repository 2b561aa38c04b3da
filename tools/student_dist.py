"""Build the student copy of the course: ``dist/student/`` and ``dist/student.zip``, with no answer in them.

    python -m tools.student_dist [--out DIR] [--replace]        # or: make student-dist

The copy holds what a student needs and nothing an instructor keeps:

- ``notebooks/``: the lectures and the glossary, as they are (they name assignments, never ``release/`` paths);
- ``assignments/<assignment>/*.ipynb``: the student versions from ``release/`` (the student's working copy);
- ``nnlab/``: the whole helper package with its resources (MNIST, the pre-trained network, their checksums);
- generated ``pyproject.toml`` (packages only ``nnlab``) and ``requirements.txt`` (the repository's ranges);
- from ``tools/student_copy/``: a student ``nbgrader_config.py`` (course id and exchange only), a ``Makefile``
  with two commands (``make lab``, ``make check``), ``check_copy.py`` (what ``make check`` runs) and ``README.md``.

Never ``source/``, ``grader/``, ``tools/``, ``tests/``, ``benchmarks/``, the gradebook or any student's
submission; the build fails if an nbgrader solution or hidden-test marker reaches any file.

A rebuild replaces the previous copy only if it is exactly what the previous build wrote (file hashes kept
in ``dist/.student.manifest.json``), so a student's edits in ``dist/student/`` are never deleted silently:
the build refuses and names the files, unless ``--replace`` is given. What ``make`` creates inside the copy
(``.venv/``, ``*.egg-info/``, ``__pycache__/``) is regenerated and does not count.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import zipfile
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser, as vendored by pip
    from pip._vendor import tomli as tomllib

from nnlab.course import COURSE_ID

from .course import HIDDEN_TESTS, REPO_ROOT, SOLUTION, assignments

TEMPLATES = Path(__file__).resolve().parent / "student_copy"
DEFAULT_OUT = REPO_ROOT / "dist" / "student"
ZIP_FOLDER = f"{COURSE_ID}-student"  # the one top-level folder inside the zip

MARKERS = (*SOLUTION, *HIDDEN_TESTS)
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", ".DS_Store")
# A lecture's path to an assignment in the repository, and where the copy keeps it.


class Refused(RuntimeError):
    """The output holds files a previous build did not write: the message names them."""


def zip_path(out: Path) -> Path:
    return out.with_name(out.name + ".zip")


def manifest_path(out: Path) -> Path:
    return out.with_name(f".{out.name}.manifest.json")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _regenerated(relative: Path) -> bool:
    """What `make` or Python create inside a copy and rebuild on demand: never a student's work."""
    top = relative.parts[0]
    return top == ".venv" or top.endswith(".egg-info") or "__pycache__" in relative.parts


def file_hashes(root: Path) -> dict[str, str]:
    """SHA-256 of every file under ``root`` (POSIX relative paths), regenerated files left out."""
    hashes = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if (path.is_file() or path.is_symlink()) and not _regenerated(relative):
            hashes[relative.as_posix()] = sha256(path) if path.is_file() else "symlink"
    return hashes


def foreign_files(out: Path) -> list[str]:
    """Files in ``out`` (and its zip) that the previous build did not write, or that changed since."""
    manifest_file = manifest_path(out)
    manifest = json.loads(manifest_file.read_text()) if manifest_file.is_file() else {"files": {}, "zip": None}
    problems = []
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        return [f"{out.name} itself (not a folder a build wrote)"]
    if out.exists():
        for relative, digest in file_hashes(out).items():
            if relative not in manifest["files"]:
                problems.append(f"{relative} (not written by a build)")
            elif manifest["files"][relative] != digest:
                problems.append(f"{relative} (changed since the build)")
    zip_file = zip_path(out)
    if zip_file.exists() and sha256(zip_file) != manifest.get("zip"):
        problems.append(f"{zip_file.name} beside it (not the zip of the last build)")
    return problems


def _check_output_location(out: Path) -> None:
    """Refuse outputs whose replacement could delete the course itself (``--out .``, ``--out notebooks``)."""
    if out == REPO_ROOT or out in REPO_ROOT.parents or out == Path.home():
        raise Refused(f"refusing to build into {out}: choose a new folder, e.g. dist/student")
    if REPO_ROOT in out.parents and (REPO_ROOT / "dist") not in [out, *out.parents]:
        raise Refused(f"refusing to build into {out}: inside the repository the copy goes under dist/")


# ---------------------------------------------------------------------------------------------- contents


def _assignments() -> list[str]:
    """Assignments in course order; each must have its student version in ``release/``."""
    names = assignments(REPO_ROOT)
    missing = [name for name in names if not any((REPO_ROOT / "release" / name).glob("*.ipynb"))]
    if missing:
        raise RuntimeError(f"release/ has no student version of {', '.join(missing)}: run `make release` first")
    return names


def _copy_lectures(target: Path) -> None:
    shutil.copytree(REPO_ROOT / "notebooks", target, ignore=SKIP)


def _copy_assignments(target: Path, names: list[str]) -> None:
    for name in names:
        (target / name).mkdir(parents=True)
        for notebook in sorted((REPO_ROOT / "release" / name).glob("*.ipynb")):
            shutil.copy2(notebook, target / name / notebook.name)
        others = [p.name for p in (REPO_ROOT / "release" / name).iterdir() if p.suffix != ".ipynb"]
        if others:
            print(f"note: release/{name}/ also holds {', '.join(sorted(others))}: not copied (notebooks only)")


def _toml(value) -> str:
    """A TOML value for the strings and lists of strings a pyproject needs (JSON strings are TOML strings)."""
    if isinstance(value, list):
        return "[\n" + "".join(f"    {json.dumps(item)},\n" for item in value) + "]"
    return json.dumps(value)


def student_pyproject() -> str:
    """The repository's project metadata, packaging only ``nnlab`` with its package data."""
    repo = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    project = repo["project"]
    package_data = repo["tool"]["setuptools"]["package-data"]["nnlab"]
    lines = [
        "# The course's helper package, installed from this folder by `make` (requirements.txt: `-e .`).",
        "[build-system]",
        f"requires = {_toml(repo['build-system']['requires'])}",
        f"build-backend = {_toml(repo['build-system']['build-backend'])}",
        "",
        "[project]",
    ]
    for key in ("name", "version", "description"):
        lines.append(f"{key} = {_toml(project[key])}")
    lines += [
        'readme = "README.md"',
        f"requires-python = {_toml(project['requires-python'])}",
        f"dependencies = {_toml(project['dependencies'])}",
        "",
        "[tool.setuptools]",
        'packages = ["nnlab"]',
        "",
        "[tool.setuptools.package-data]",
        f"nnlab = {_toml(package_data)}",
    ]
    return "\n".join(lines) + "\n"


def student_requirements() -> str:
    """The repository's requirement lines (same ranges, ``-e .`` for nnlab), with a student's header."""
    lines = [line.strip() for line in (REPO_ROOT / "requirements.txt").read_text().splitlines()]
    requirements = [line for line in lines if line and not line.startswith("#")]
    if "-e ." not in requirements:
        requirements.append("-e .")
    header = [
        "# Everything the course needs (Python 3.10 to 3.12); `make lab` and `make check` install it into .venv.",
        "# The last line installs the course's helper package nnlab from this folder.",
    ]
    return "\n".join(header + requirements) + "\n"


def _course_map(names: list[str]) -> str:
    rows = ["| topic | lecture | assignment |", "| --- | --- | --- |"]
    for lecture in sorted((REPO_ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(lecture.read_text(encoding="utf-8"))["cells"]
        first = "".join(cells[0]["source"]).splitlines()[0] if cells and cells[0]["source"] else lecture.stem
        title = first.lstrip("#").strip()
        assignment = next((n for n in names if n == lecture.stem), None)
        notebooks = sorted((REPO_ROOT / "release" / assignment).glob("*.ipynb")) if assignment else []
        where = ", ".join(f"`assignments/{assignment}/{nb.name}`" for nb in notebooks) or "(none: read it first)"
        rows.append(f"| {title} | `notebooks/{lecture.name}` | {where} |")
    return "\n".join(rows)


def write_copy(target: Path) -> None:
    """Write the whole student copy into the empty folder ``target``."""
    names = _assignments()
    _copy_lectures(target / "notebooks")
    _copy_assignments(target / "assignments", names)
    shutil.copytree(REPO_ROOT / "nnlab", target / "nnlab", ignore=SKIP)
    (target / "pyproject.toml").write_text(student_pyproject())
    (target / "requirements.txt").write_text(student_requirements())
    for name in ("nbgrader_config.py", "Makefile", "check_copy.py"):
        shutil.copy(TEMPLATES / name, target / name)
    readme = (TEMPLATES / "README.md").read_text(encoding="utf-8")
    readme = readme.replace("@COURSE_ID@", COURSE_ID).replace("@COURSE_MAP@", _course_map(names))
    (target / "README.md").write_text(readme, encoding="utf-8")


def markers_in(root: Path) -> list[str]:
    """Files under ``root`` that contain an nbgrader solution or hidden-test marker."""
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if any(marker.encode() in data for marker in MARKERS):
            found.append(path.relative_to(root).as_posix())
    return found


def write_zip(source: Path, destination: Path) -> None:
    """Zip every file of ``source`` under one top-level folder, in a stable order."""
    with zipfile.ZipFile(destination, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            archive.write(path, f"{ZIP_FOLDER}/{path.relative_to(source).as_posix()}")


# ------------------------------------------------------------------------------------------------- build


def build(out: Path = DEFAULT_OUT, replace: bool = False) -> dict:
    """Build the copy in ``out`` and its zip beside it; return what was written (files, sizes).

    Raises `Refused` (naming the files) if ``out`` or its zip holds anything the previous build did not
    write, unless ``replace`` is true.
    """
    out = Path(out).absolute()
    _check_output_location(out)
    if not replace:
        problems = foreign_files(out)
        if problems:
            more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
            shown = "\n  ".join(problems[:20]) + more
            raise Refused(
                f"{out} holds files that the previous build did not write (a student's work?):\n  {shown}\n"
                f"Nothing was changed. Move them somewhere safe, or rebuild with --replace to delete them."
            )
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(f".{out.name}.building")
    new_zip = out.with_name(f".{out.name}.zip.building")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        write_copy(staging)
        leaking = markers_in(staging)
        if leaking:
            raise RuntimeError(f"solution or hidden-test markers in {', '.join(leaking)}: nothing was written")
        write_zip(staging, new_zip)
        files = file_hashes(staging)
        if out.is_dir() and not out.is_symlink():
            shutil.rmtree(out)
        elif out.exists() or out.is_symlink():
            out.unlink()
        staging.rename(out)
        new_zip.replace(zip_path(out))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        new_zip.unlink(missing_ok=True)
    manifest = {"files": files, "zip": sha256(zip_path(out))}
    manifest_path(out).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return {
        "files": len(files),
        "bytes": sum((out / f).stat().st_size for f in files),
        "zip_bytes": zip_path(out).stat().st_size,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder of the copy (default: dist/student)")
    parser.add_argument("--replace", action="store_true", help="replace the copy even if files in it were changed")
    args = parser.parse_args(argv)
    try:
        summary = build(args.out, replace=args.replace)
    except RuntimeError as error:  # Refused, or a course that cannot be copied (no release/, a marker)
        print(f"student-dist: {error}", file=sys.stderr)
        return 1
    out = args.out.absolute()
    print(
        f"Student copy: {out} ({summary['files']} files, {summary['bytes'] / 1e6:.1f} MB) and "
        f"{zip_path(out)} ({summary['zip_bytes'] / 1e6:.1f} MB). Students run `make lab`; `make check` tests it."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
