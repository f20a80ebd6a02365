"""Every kind, from render to release: in a git repository of the render, the README's test
command passes and leaves the tree clean, the release script's dry run then passes, and the
sdist it built passes the same tests where it is unpacked.

The module is named apart from the project (llm-acme's code in `plugin_code`), so the build
cannot lean on the two names matching.
"""

import re
import tarfile
import zipfile
from pathlib import Path

import pytest

from helpers import (
    KINDS,
    MODEL_KINDS,
    UV,
    PackageIndex,
    bash,
    blocks,
    git,
    git_repository,
    render,
    shell_environ,
)

MODULE = "plugin_code"


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """An empty index that the dry runs check the version against, instead of PyPI."""
    server = PackageIndex(tmp_path_factory.mktemp("index"), ["update"])
    yield server
    server.close()


@pytest.fixture(scope="module", params=MODEL_KINDS)
def kind(request, tmp_path_factory, index):
    """One kind rendered into a git repository, then its tests, dry run and sdist run."""
    root = tmp_path_factory.mktemp(request.param)
    project = git_repository(render(root, **KINDS[request.param], module_name=MODULE))
    env = shell_environ(root / "home", Path(UV).parent)
    # The README's own test command, a block of its own (other blocks may run pytest too)
    [test_command] = [
        body
        for body in blocks((project / "README.md").read_text())
        if body.strip() == "uv run pytest"
    ]
    return {"project": project, "env": env, "test_command": test_command, "index": index}


def passed(result):
    """pytest's last line says that every test passed."""
    summary = result.stdout.strip().splitlines()[-1]
    return re.fullmatch(r"=+ \d+ passed in .* =+", summary) is not None


@pytest.fixture(scope="module")
def tested(kind):
    return bash(kind["test_command"], kind["project"], kind["env"], check=False)


@pytest.fixture(scope="module")
def dry_run(kind, tested):
    # The tools the script runs, beside the environment `uv run pytest` made.
    command = "uv run --with build --with twine python scripts/release.py --dry-run"
    env = {**kind["env"], "TWINE_REPOSITORY_URL": kind["index"].url}
    return bash(command, kind["project"], env, check=False)


def test_readme_test_command_passes(tested):
    assert passed(tested), tested.stdout + tested.stderr


def test_readme_test_command_leaves_the_tree_clean(kind, tested):
    # uv.lock and .venv are written, and ignored; nothing else is written.
    assert git(kind["project"], "status", "--porcelain").stdout == ""
    ignored = git(kind["project"], "status", "--porcelain", "--ignored").stdout
    assert "!! uv.lock\n" in ignored


def test_dry_run_then_passes(kind, dry_run):
    assert dry_run.returncode == 0, dry_run.stdout + dry_run.stderr
    name = kind["project"].name
    assert f"Dry run: built and checked {name} 0.1; uploaded nothing." in dry_run.stdout
    assert git(kind["project"], "status", "--porcelain").stdout == ""


def test_wheel_holds_the_plugins_code_under_its_own_name(kind, dry_run):
    # A module, or the api kind's package: what the render has under that name.
    project = kind["project"]
    [wheel] = project.glob("dist/*.whl")
    with zipfile.ZipFile(wheel) as archive:
        code = {name for name in archive.namelist() if ".dist-info/" not in name}
    rendered = {
        path.relative_to(project).as_posix()
        for path in [project / f"{MODULE}.py", *(project / MODULE).rglob("*.py")]
        if path.is_file()
    }
    assert rendered
    assert code == rendered


def test_sdist_tests_pass_where_it_is_unpacked(kind, dry_run, tmp_path):
    [sdist] = kind["project"].glob("dist/*.tar.gz")
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path, filter="data")
    [unpacked] = tmp_path.iterdir()
    assert not (unpacked / ".git").exists()
    result = bash(kind["test_command"], unpacked, kind["env"], check=False)
    assert passed(result), result.stdout + result.stderr
