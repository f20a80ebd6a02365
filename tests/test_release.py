"""The rendered scripts/release.py, run for real against a package index on 127.0.0.1.

The index is pypiserver with a password for uploads. The default instance is released
to it, installed back from it and run; every refusal leaves the index as it was.
"""

import base64
import hashlib
import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from helpers import Venv, clean_environ, install_project, refusing_port, render

USER, PASSWORD = "alice", "correct horse"
PROMPT = "the cat sat on the mat"
DIST_FILES = ["llm_markov-0.1-py3-none-any.whl", "llm_markov-0.1.tar.gz"]
# A test release must never prompt for a password or reach for the user's keyring.
QUIET_TWINE = {
    "TWINE_NON_INTERACTIVE": "1",
    "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
}


class PackageIndex:
    """pypiserver on a free port of 127.0.0.1, serving one folder; uploads need a password."""

    def __init__(self, folder):
        self.packages = folder / "packages"
        self.packages.mkdir()
        # Apache's {SHA} htpasswd line: weak, but all a throwaway test index needs.
        digest = base64.b64encode(hashlib.sha1(PASSWORD.encode()).digest()).decode()
        (folder / "htpasswd").write_text(f"{USER}:{{SHA}}{digest}\n")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = folder / "pypiserver.log"
        command = [
            sys.executable, "-m", "pypiserver", "run",
            "--host", "127.0.0.1", "--port", str(self.port),
            "--authenticate", "update", "--passwords", str(folder / "htpasswd"),
            # Unknown projects would otherwise redirect to pypi.org, which has a real llm-markov.
            "--disable-fallback",
            str(self.packages),
        ]  # fmt: skip
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        self.wait_until_it_answers()

    def wait_until_it_answers(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"pypiserver exited:\n{self.log.read_text()}")
            try:
                urllib.request.urlopen(f"{self.url}simple/", timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"pypiserver did not answer within {timeout}s")

    def files(self):
        return sorted(path.name for path in self.packages.iterdir())

    def snapshot(self):
        return {path.name: path.stat() for path in self.packages.iterdir()}

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def git(project, *args):
    """git with a fixed identity and none of the user's own settings."""
    return subprocess.run(
        ["git", "-c", "user.name=Release Test", "-c", "user.email=release@example.com", *args],
        cwd=project,
        check=True,
        capture_output=True,
        text=True,
        env=clean_environ(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1"),
    )


def run_release(venv, project, *args, **env):
    """python scripts/release.py ARGS in the project, with the venv's Python."""
    return venv.python(
        "scripts/release.py", *args, cwd=project, check=False, input="", **QUIET_TWINE, **env
    )


def steps(result):
    return [line for line in result.stdout.splitlines() if line.startswith("==> ")]


def error_line(result):
    """The script's refusal: one line, its last word, and no traceback anywhere."""
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    assert result.stderr.endswith(f"{errors[0]}\n")
    return errors[0]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """The index llm-markov 0.1 is released to."""
    server = PackageIndex(tmp_path_factory.mktemp("index"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def empty_index(tmp_path_factory):
    """An index that must stay empty: dry runs and refused releases aim at it."""
    server = PackageIndex(tmp_path_factory.mktemp("empty-index"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def committed_project(tmp_path_factory):
    """The default instance as its author would release it: rendered, then committed."""
    project = render(tmp_path_factory.mktemp("release-render"))
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "First version")
    return project


@pytest.fixture(scope="module")
def venv(committed_project, tmp_path_factory):
    """The author's development environment: the plugin, its tests, build and twine."""
    venv = install_project(committed_project, tmp_path_factory.mktemp("release-env") / "venv")
    venv.install("build", "twine")
    return venv


def clone(committed_project, folder):
    """A fresh checkout of the committed project."""
    git(folder, "clone", "-q", str(committed_project), "llm-markov")
    return folder / "llm-markov"


@pytest.fixture
def project(committed_project, tmp_path):
    return clone(committed_project, tmp_path)


@pytest.fixture(scope="module")
def released(committed_project, venv, index, tmp_path_factory):
    """llm-markov 0.1 released to the index; the project and the script's output."""
    project = clone(committed_project, tmp_path_factory.mktemp("released"))
    result = run_release(
        venv, project, "--repository-url", index.url, TWINE_USERNAME=USER, TWINE_PASSWORD=PASSWORD
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return project, result


def test_release_uploads_the_sdist_and_the_wheel(released, index):
    assert index.files() == DIST_FILES


def test_release_shows_each_step_then_the_next_steps(released, index):
    _, result = released
    assert steps(result) == [
        "==> Checking that build and twine are installed",
        "==> Checking that the git working tree is clean",
        f"==> Checking that llm-markov 0.1 is not on {index.url}simple/ yet",
        "==> Running the tests: python -m pytest",
        "==> Building the sdist and the wheel into dist/: python -m build",
        (
            "==> Checking dist/llm_markov-0.1-py3-none-any.whl, dist/llm_markov-0.1.tar.gz:"
            " twine check --strict"
        ),
        f"==> Uploading to {index.url}: twine upload",
    ]
    assert " passed" in result.stdout
    assert result.stdout.count("PASSED") == 2
    assert f"Released llm-markov 0.1 to {index.url}" in result.stdout
    assert "git tag 0.1 && git push origin 0.1" in result.stdout
    assert "Draft a new release" in result.stdout
    assert "Error" not in result.stderr


def test_released_plugin_installs_from_the_index_and_runs(released, index, tmp_path):
    project, _ = released
    venv = Venv.create(tmp_path / "venv")
    # --index outranks PyPI, which also has an llm-markov 0.1 (the tutorial author's).
    venv.install("--index", f"{index.url}simple/", "llm-markov==0.1")
    installed = venv.python("-c", "import llm_markov; print(open(llm_markov.__file__).read())")
    assert installed.stdout == (project / "llm_markov.py").read_text() + "\n"
    assert '"version": "0.1"' in venv.llm("plugins").stdout
    words = venv.llm("-m", "markov", PROMPT).stdout.split()
    assert len(words) == 20
    assert set(words) <= set(PROMPT.split())


@pytest.mark.parametrize("target", ["--repository-url", "--repository", "TWINE_REPOSITORY_URL"])
def test_second_release_of_the_same_version_is_refused(released, venv, index, target, tmp_path):
    project, _ = released
    before = index.snapshot()
    home = tmp_path / "home"
    home.mkdir()
    (home / ".pypirc").write_text(f"[local]\nrepository = {index.url}\n")
    args = {
        "--repository-url": ["--repository-url", index.url],
        "--repository": ["--repository", "local"],
        "TWINE_REPOSITORY_URL": [],
    }[target]
    env = {"TWINE_REPOSITORY_URL": index.url} if target == "TWINE_REPOSITORY_URL" else {}
    result = run_release(
        venv, project, *args, HOME=home, TWINE_USERNAME=USER, TWINE_PASSWORD=PASSWORD, **env
    )
    assert error_line(result) == (
        f"Error: llm-markov 0.1 is already on {index.url}simple/ "
        f"({', '.join(DIST_FILES)}): bump the version in pyproject.toml"
    )
    assert "Running the tests" not in result.stdout
    assert index.snapshot() == before


def test_pypi_is_the_default_index(project, monkeypatch, tmp_path):
    # Resolved as twine does, without asking pypi.org anything: no ~/.pypirc, no TWINE_*.
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("TWINE_REPOSITORY", raising=False)
    monkeypatch.delenv("TWINE_REPOSITORY_URL", raising=False)
    spec = importlib.util.spec_from_file_location("release", project / "scripts" / "release.py")
    release = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(release)
    upload_url = release.target_upload_url(release.parse_args([]))
    assert upload_url == "https://upload.pypi.org/legacy/"
    assert release.simple_index_url(upload_url) == "https://pypi.org/simple/"


def test_wrong_credentials_give_a_clear_error(venv, project, empty_index):
    result = run_release(
        venv,
        project,
        TWINE_REPOSITORY_URL=empty_index.url,
        TWINE_USERNAME=USER,
        TWINE_PASSWORD="wrong",
    )
    error = error_line(result)
    assert error.startswith(
        f"Error: twine upload failed: HTTPError: 403 Forbidden from {empty_index.url}"
    )
    assert error.endswith("(check TWINE_USERNAME and TWINE_PASSWORD, or ~/.pypirc)")
    assert empty_index.files() == []


def test_dry_run_builds_and_checks_but_uploads_nothing(venv, project, empty_index):
    result = run_release(venv, project, "--repository-url", empty_index.url, "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(path.name for path in (project / "dist").iterdir()) == DIST_FILES
    assert result.stdout.count("PASSED") == 2
    assert "Dry run: built and checked llm-markov 0.1; uploaded nothing." in result.stdout
    assert not any("Uploading" in step for step in steps(result))
    assert empty_index.files() == []


def dirty_by_editing(project):
    with open(project / "README.md", "a") as readme:
        readme.write("\nAn unfinished thought\n")


def dirty_by_adding(project):
    (project / "notes.txt").write_text("not committed yet\n")


@pytest.mark.parametrize("make_dirty", [dirty_by_editing, dirty_by_adding])
def test_dirty_tree_is_refused_before_anything_is_built(venv, project, empty_index, make_dirty):
    make_dirty(project)
    result = run_release(venv, project, "--repository-url", empty_index.url)
    assert error_line(result) == (
        "Error: the git working tree has 1 uncommitted change(s): "
        "commit or stash them first (see git status)"
    )
    assert len(steps(result)) == 2
    assert not (project / "dist").exists()
    assert empty_index.files() == []


def test_failing_test_is_refused_before_anything_is_built(venv, project, empty_index):
    (project / "tests" / "test_unfinished.py").write_text(
        "def test_unfinished():\n    assert False\n"
    )
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "An unfinished test")
    result = run_release(venv, project, "--repository-url", empty_index.url)
    assert error_line(result) == "Error: the tests failed: fix them before releasing"
    assert "1 failed" in result.stdout
    assert not (project / "dist").exists()
    assert empty_index.files() == []


def test_broken_readme_is_refused_by_twine_check(venv, project, empty_index):
    (project / "README.rst").write_text("llm-markov\n==========\n\n.. image::\n")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"README.md"', '"README.rst"'))
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "A README PyPI cannot render")
    result = run_release(
        venv,
        project,
        "--repository-url",
        empty_index.url,
        TWINE_USERNAME=USER,
        TWINE_PASSWORD=PASSWORD,
    )
    assert error_line(result).startswith(
        "Error: twine check --strict failed: `long_description` has syntax errors in markup"
    )
    assert not any("Uploading" in step for step in steps(result))
    assert empty_index.files() == []


def test_unreachable_index_is_refused(venv, project):
    with refusing_port() as port:
        url = f"http://127.0.0.1:{port}/"
        result = run_release(venv, project, "--repository-url", url)
    assert error_line(result).startswith(
        f"Error: could not reach the index at {url}simple/llm-markov/: "
    )
    assert not (project / "dist").exists()


@pytest.mark.parametrize(
    ("installed", "missing"),
    [((), "build and twine"), (("build",), "twine"), (("twine",), "build")],
)
def test_missing_build_or_twine_gives_the_install_command(project, tmp_path, installed, missing):
    bare = Venv.create(tmp_path / "bare")
    if installed:
        bare.install(*installed)
    result = run_release(bare, project)
    assert error_line(result) == f"Error: missing {missing}: python -m pip install build twine"
    assert steps(result) == ["==> Checking that build and twine are installed"]


def test_script_is_ruff_clean(committed_project):
    for check in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *check, "scripts/release.py"],
            check=False,
            cwd=committed_project,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stdout + result.stderr
