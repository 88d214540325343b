"""``pip install`` a built wheel, then ``hadr report`` in an empty folder: no checkout needed.

The wheel is built from a copy of the sources (``pip wheel --no-build-isolation``: nothing is
downloaded) and installed with ``--no-deps`` into a fresh virtual environment whose dependencies
are the test environment's own packages, added *after* the install through a ``.pth`` file (so
pip never sees the editable install of the checkout, and the wheel's ``hadr_model`` comes first
on ``sys.path``). The data files those dependencies install under their prefix (nbconvert's
templates) are passed with ``JUPYTER_PATH``; their kernel specs are not, so the report's kernel is
the new environment's own Python, which imports ``hadr_model`` from the wheel.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _can_build_wheels() -> bool:
    """setuptools builds wheels itself from 70.1 on; before, it needs the ``wheel`` package."""
    import setuptools

    major, minor = (int(part) for part in setuptools.__version__.split(".")[:2])
    return (major, minor) >= (70, 1) or importlib.util.find_spec("wheel") is not None


def _run(argv: list[str], **options) -> subprocess.CompletedProcess:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False, **options)
    assert done.returncode == 0, (argv, done.stdout[-2000:], done.stderr[-3000:])
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    if not _can_build_wheels():
        message = "building a wheel offline needs setuptools >= 70.1 or the 'wheel' package"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}: the installed-wheel test must run under CI=true")
        pytest.skip(message)
    root = tmp_path_factory.mktemp("installed")
    source = root / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "hadr_model", source / "hadr_model",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
          "--wheel-dir", str(root / "dist"), str(source)])
    (wheel,) = (root / "dist").glob("hadr_model-*.whl")
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)])
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (site / "_hadr_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    jupyter = root / "jupyter"          # the dependencies' data files, without their kernel specs
    jupyter.mkdir()
    (jupyter / "nbconvert").symlink_to(Path(sys.prefix) / "share" / "jupyter" / "nbconvert")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "JUPYTER", "VIRTUAL_ENV"))}
    env |= {"JUPYTER_PATH": str(jupyter), "JUPYTER_DATA_DIR": str(root / "jupyter-data"),
            "PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"}
    return root, venv, wheel, env


def test_wheel_ships_the_notebook_and_the_default_spec(installed):
    import zipfile

    _, _, wheel, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in ("hadr_model/notebooks/availability_report.ipynb", "hadr_model/specs/functions_platform.yaml",
                    "hadr_model/py.typed"):
        assert shipped in names, shipped
    assert not any(name.startswith(("tests/", "notebooks/", "data/")) for name in names)


def test_the_wheel_carries_the_version_the_package_reports(installed):
    # pyproject.toml reads the version from hadr_model/_version.py: one number, wherever it is read.
    _, venv, wheel, env = installed
    import hadr_model

    assert wheel.name.startswith(f"hadr_model-{hadr_model.__version__}-")
    code = "import importlib.metadata as m, hadr_model as h; print(m.version('hadr_model'), h.__version__)"
    assert _run([str(venv / "bin" / "python"), "-c", code], env=env).stdout.split() == [hadr_model.__version__] * 2


def test_installed_hadr_report_publishes_in_an_empty_folder(installed):
    root, venv, _, env = installed
    python = str(venv / "bin" / "python")
    where = _run([python, "-c", "import hadr_model; print(hadr_model.__file__)"], env=env, cwd=root).stdout
    assert where.strip().startswith(str(venv)), where                  # the wheel, not the checkout
    # The kernel the report starts: the new environment's own Python (no spec pins another one).
    spec = _run([python, "-c", "from jupyter_client.kernelspec import KernelSpecManager as K; "
                 "print(K().get_kernel_spec('python3').argv[0])"], env=env, cwd=root).stdout.strip()
    assert spec in ("python", "python3", python), spec
    empty = root / "work"
    empty.mkdir()
    done = _run([str(venv / "bin" / "hadr"), "report", "--runs", "40", "--disasters", "200"], env=env, cwd=empty)
    assert done.stdout.startswith("verdict: functions-platform: ")
    assert "Kernel is running over TCP without encryption" not in done.stderr     # no transport warning
    assert "hadr report: running the report notebook" in done.stderr            # progress, on stderr
    (page,) = [p for p in (empty / "reports").glob("*.html") if p.name != "index.html"]
    assert page.name == f"{page.stem}.html" and "-runs40-disasters200-seed0" in page.stem
    summary = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    assert summary["sections"]["montecarlo"] == "live" and summary["montecarlo"]["runs"] == 40
    assert summary["reproducibility"]["spec_file"] == "hadr_model/specs/functions_platform.yaml"
    text = page.read_text(encoding="utf-8")
    assert "Availability report: functions-platform" in text and str(root) not in text
