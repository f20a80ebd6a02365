"""The default instance builds into a complete sdist and a wheel of its module, and neither a
build nor an editable install leaves anything in the project's tree."""

import email
import sys
import tarfile
import zipfile

import pytest

from helpers import PROMPT, Venv, git, git_repository, render, run

SDIST = "llm_markov-0.1.tar.gz"
WHEEL = "llm_markov-0.1-py3-none-any.whl"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """The default instance, committed, as its author builds it."""
    return git_repository(render(tmp_path_factory.mktemp("build")))


@pytest.fixture(scope="module")
def dist(project, tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "build", "--outdir", out, project)
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
    assert {name for name in names if ".dist-info/" not in name} == {"llm_markov.py"}
    assert "llm_markov-0.1.dist-info/licenses/LICENSE" in names
    assert entry_points.split() == ["[llm]", "llm_markov", "=", "llm_markov"]


def test_sdist_holds_every_file_of_the_project(project, dist):
    # Tests with their conftest.py and helpers.py included, so they run where it is unpacked
    # (tests/test_every_kind_releases.py runs them there).
    with tarfile.open(dist / SDIST) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    files = git(project, "ls-files").stdout.split()
    assert {"tests/conftest.py", "tests/helpers.py", "scripts/release.py"} <= set(files)
    assert names == {*files, "PKG-INFO"}


def test_changelog_url_is_the_changelog_file(project, dist):
    with zipfile.ZipFile(dist / WHEEL) as wheel:
        metadata = email.message_from_bytes(wheel.read("llm_markov-0.1.dist-info/METADATA"))
    urls = dict(url.split(", ", 1) for url in metadata.get_all("Project-URL"))
    assert urls["Changelog"] == "https://github.com/simonw/llm-markov/blob/main/CHANGELOG.md"
    assert (project / "CHANGELOG.md").is_file()
    assert git(project, "ls-files", "CHANGELOG.md").stdout == "CHANGELOG.md\n"


def test_build_and_editable_install_leave_the_tree_clean(project, tmp_path):
    # No *.egg-info beside the module: git status stays empty, ignored files included.
    run(sys.executable, "-m", "build", "--outdir", tmp_path / "dist", project)
    venv = Venv.create(tmp_path / "venv")
    venv.install("-e", project)
    assert git(project, "status", "--porcelain", "--ignored").stdout == ""
    assert '"name": "llm-markov"' in venv.llm("plugins").stdout


def test_wheel_installs_into_a_clean_environment_and_runs(dist, tmp_path):
    venv = Venv.create(tmp_path / "venv")
    venv.install(str(dist / WHEEL))
    words = venv.llm("-m", "markov", PROMPT).stdout.split()
    assert len(words) == 20
    assert set(words) <= set(PROMPT.split())
