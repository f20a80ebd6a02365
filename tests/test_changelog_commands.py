"""The commands CHANGELOG.md prints work as printed.

2026.12.0's section says that `cruft update` cannot update a project made before 46f46c4,
and gives the commands that do what cruft would: they run here, unchanged, in such a project
(made at 6e60e1b, the commit the section names), and bring it to HEAD as a fresh render.
"""

import json

import pytest

from helpers import CRUFT, TEMPLATE, TEST_VENV_BIN, bash, block, git, run, shell_environ, tree

CHANGELOG = (TEMPLATE / "CHANGELOG.md").read_text()
BEFORE_THE_FIX = "6e60e1b"


def cruft_create(folder, env, *options):
    folder.mkdir(parents=True)
    run(CRUFT, "create", "--no-input", *options, TEMPLATE, cwd=folder, env=env)
    return folder / "llm-markov"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("before-the-fix")
    env = shell_environ(root / "home", TEST_VENV_BIN)
    project = cruft_create(root / "projects", env, "--checkout", BEFORE_THE_FIX)
    bash("git init -q && git add -A && git commit -q -m Rendered", project, env)
    return {"root": root, "env": env, "path": project}


def test_the_changelog_names_the_commit_it_was_tried_from():
    assert f"such as {BEFORE_THE_FIX}:" in CHANGELOG


def test_cruft_update_stops_on_a_project_from_before_the_fix(project):
    update = run(
        CRUFT, "update", "--skip-apply-ask", cwd=project["path"], env=project["env"], check=False
    )
    assert "No filter named 'api_key_name'" in update.stderr
    assert git(project["path"], "status", "--porcelain").stdout == ""


def test_the_changelogs_commands_update_it_to_head(project):
    commands = block(CHANGELOG, "git apply -3")
    bash(commands, project["path"], project["env"])
    path = project["path"]
    state = json.loads((path / ".cruft.json").read_text())
    assert state["commit"] == git(TEMPLATE, "rev-parse", "HEAD").stdout.strip()
    fresh = cruft_create(project["root"] / "fresh", project["env"])
    updated = {name: data for name, data in tree(path).items() if not name.startswith(".git/")}
    assert updated.keys() == tree(fresh).keys()
    assert {n: d for n, d in updated.items() if n != ".cruft.json"} == {
        n: d for n, d in tree(fresh).items() if n != ".cruft.json"
    }
    check = run(CRUFT, "check", cwd=path, env=project["env"], check=False)
    assert check.returncode == 0, check.stdout + check.stderr
