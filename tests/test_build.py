"""The default instance builds into a clean sdist and wheel that install and run on their own."""

import sys
import tarfile
import zipfile

import pytest

from helpers import PROMPT, Venv, run

SDIST = "llm_markov-0.1.tar.gz"
WHEEL = "llm_markov-0.1-py3-none-any.whl"


@pytest.fixture(scope="module")
def dist(default_project, tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "build", "--outdir", out, default_project)
    return out


def test_build_makes_the_tutorials_sdist_and_wheel(dist):
    assert {path.name for path in dist.iterdir()} == {SDIST, WHEEL}


def test_twine_check_strict_passes(dist):
    result = run(sys.executable, "-m", "twine", "check", "--strict", *sorted(dist.iterdir()))
    assert result.stdout.count("PASSED") == 2


def test_wheel_holds_the_module_licence_and_entry_point(dist):
    with zipfile.ZipFile(dist / WHEEL) as wheel:
        names = set(wheel.namelist())
        entry_points = wheel.read("llm_markov-0.1.dist-info/entry_points.txt").decode()
    assert "llm_markov.py" in names
    assert "llm_markov-0.1.dist-info/licenses/LICENSE" in names
    assert not any(name.startswith(("tests/", "scripts/")) for name in names)
    assert entry_points.split() == ["[llm]", "llm_markov", "=", "llm_markov"]


def test_sdist_holds_everything_needed_to_rebuild_and_test(dist):
    with tarfile.open(dist / SDIST) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert {"pyproject.toml", "README.md", "LICENSE", "llm_markov.py"} <= names
    assert any(name.startswith("tests/test_") for name in names)


def test_wheel_installs_into_a_clean_environment_and_runs(dist, tmp_path):
    venv = Venv.create(tmp_path / "venv")
    venv.install(str(dist / WHEEL))
    words = venv.llm("-m", "markov", PROMPT).stdout.split()
    assert len(words) == 20
    assert set(words) <= set(PROMPT.split())
