"""A project made with cruft pulls a newer template with `cruft update`, keeping the author's edits.

The template is copied into a temp git repository, so the test can change it and commit,
as the template's maintainers would, without touching this checkout.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import TEMPLATE, clean_environ, copy_template

CRUFT = str(Path(sys.executable).parent / "cruft")
PLUGIN = "{{cookiecutter.plugin_name}}"
AUTHOR_FUNCTION = '\n\ndef author_helper():\n    return "written by the author"\n'
AUTHOR_CHANGELOG = "\n## 0.2\n\n- The author's own release note.\n"
TEMPLATE_README_LINE = "Rendered from a newer template."


def git_environ(home):
    """Git with a fixed identity and none of the user's settings (signing, hooks, ...)."""
    config = home / "gitconfig"
    config.write_text("[init]\n\tdefaultBranch = main\n")
    return clean_environ(
        GIT_CONFIG_GLOBAL=str(config),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="Test Author",
        GIT_AUTHOR_EMAIL="author@example.com",
        GIT_COMMITTER_NAME="Test Author",
        GIT_COMMITTER_EMAIL="author@example.com",
    )


def run(*args, cwd, env, check=True):
    result = subprocess.run(
        [str(arg) for arg in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    if check and result.returncode != 0:
        command = " ".join(map(str, args))
        raise AssertionError(
            f"{command} exited {result.returncode}\n{result.stdout}{result.stderr}"
        )
    return result


def commit_all(repo, message, env):
    run("git", "add", "-A", cwd=repo, env=env)
    run("git", "commit", "-q", "-m", message, cwd=repo, env=env)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A template repository and a project made from it with `cruft create`."""
    root = tmp_path_factory.mktemp("cruft")
    env = git_environ(root)
    template = copy_template(root / "template")
    run("git", "init", "-q", cwd=template, env=env)
    commit_all(template, "The template as it is today", env)

    projects = root / "projects"
    projects.mkdir()
    created = run(
        CRUFT,
        "create",
        "--no-input",
        template,
        "--extra-context",
        json.dumps({"plugin_name": "llm-chain", "model_id": "chain"}),
        cwd=projects,
        env=env,
    )
    project = projects / "llm-chain"
    run("git", "init", "-q", cwd=project, env=env)
    commit_all(project, "Rendered from the template", env)
    return {"root": root, "env": env, "template": template, "project": project, "created": created}


@pytest.fixture(scope="module")
def updated(workspace):
    """The author edits the project, the template improves, then the author runs cruft update."""
    env, template, project = workspace["env"], workspace["template"], workspace["project"]
    before_update = run(CRUFT, "check", cwd=project, env=env, check=False)

    with (project / "llm_chain.py").open("a") as module:
        module.write(AUTHOR_FUNCTION)
    with (project / "CHANGELOG.md").open("a") as changelog:
        changelog.write(AUTHOR_CHANGELOG)
    commit_all(project, "The author's own work", env)

    with (template / PLUGIN / "README.md").open("a") as readme:
        readme.write(f"\n{TEMPLATE_README_LINE}\n")
    (template / PLUGIN / "CONTRIBUTING.md").write_text(
        "# Contributing to {{ cookiecutter.plugin_name }}\n"
    )
    commit_all(template, "A newer template", env)
    after_template_change = run(CRUFT, "check", cwd=project, env=env, check=False)

    update = run(CRUFT, "update", "--skip-apply-ask", cwd=project, env=env)
    return {
        **workspace,
        "check_before_update": before_update,
        "check_after_template_change": after_template_change,
        "update": update,
    }


def cruft_state(project):
    return json.loads((project / ".cruft.json").read_text())


def test_cruft_create_records_the_template_commit_and_answers(workspace):
    state = cruft_state(workspace["project"])
    head = run("git", "rev-parse", "HEAD", cwd=workspace["template"], env=workspace["env"])
    assert state["commit"] == head.stdout.strip()
    assert state["context"]["cookiecutter"]["plugin_name"] == "llm-chain"
    assert state["context"]["cookiecutter"]["model_id"] == "chain"


def test_post_generation_hook_prints_the_next_steps(workspace):
    assert "Created llm-chain. Next steps:" in workspace["created"].stderr


def test_cruft_check_sees_when_the_template_moves_on(updated):
    assert updated["check_before_update"].returncode == 0, updated["check_before_update"].stdout
    assert updated["check_after_template_change"].returncode != 0
    assert "out of date" in updated["check_after_template_change"].stdout


def test_cruft_update_brings_the_template_change(updated):
    project = updated["project"]
    assert TEMPLATE_README_LINE in (project / "README.md").read_text()
    contributing = (project / "CONTRIBUTING.md").read_text()
    assert contributing == "# Contributing to llm-chain\n"


def test_cruft_update_keeps_the_authors_edits(updated):
    project = updated["project"]
    assert (project / "llm_chain.py").read_text().endswith(AUTHOR_FUNCTION)
    assert AUTHOR_CHANGELOG in (project / "CHANGELOG.md").read_text()


def test_cruft_update_changes_only_what_the_template_changed(updated):
    # The hooks run again for both the old and the new template; they must leave no trace.
    status = run("git", "status", "--porcelain", cwd=updated["project"], env=updated["env"])
    changed = {line[3:] for line in status.stdout.splitlines()}
    assert changed == {".cruft.json", "README.md", "CONTRIBUTING.md"}


def test_project_is_up_to_date_after_the_update(updated):
    head = run("git", "rev-parse", "HEAD", cwd=updated["template"], env=updated["env"])
    assert cruft_state(updated["project"])["commit"] == head.stdout.strip()
    check = run(CRUFT, "check", cwd=updated["project"], env=updated["env"], check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "up to date" in check.stdout


def test_cruft_answers_hold_no_local_paths(workspace, tmp_path_factory):
    # The template's address is recorded as the author gave it (here a temp folder; for a
    # real project gh:ORG/llm-plugin-template). Nothing else from this machine may be:
    # not the output folder, cookiecutter's folders, nor any other temp path of this run.
    text = (workspace["project"] / ".cruft.json").read_text()
    answers = cruft_state(workspace["project"])["context"]["cookiecutter"]
    assert not {"_output_dir", "_repo_dir", "_checkout"} & set(answers)
    assert answers["_template"] == str(workspace["template"])
    without_template = text.replace(str(workspace["template"]), "TEMPLATE")
    assert str(tmp_path_factory.getbasetemp()) not in without_template
    assert str(TEMPLATE) not in without_template
