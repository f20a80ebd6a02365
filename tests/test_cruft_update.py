"""A project made with cruft pulls a newer template with `cruft update`, keeping the author's edits.

The template is copied into a temp git repository, so the test can change it and commit,
as the template's maintainers would, without touching this checkout.
"""

import json
import re

import pytest

from helpers import (
    CRUFT,
    TEMPLATE,
    commit_all,
    copy_template,
    git,
    git_environ,
    git_repository,
    questions_asked,
    run,
)

PLUGIN = "{{cookiecutter.plugin_name}}"
AUTHOR_FUNCTION = '\n\ndef author_helper():\n    return "written by the author"\n'
AUTHOR_CHANGELOG = "\n## 0.2\n\n- The author's own release note.\n"
TEMPLATE_README_LINE = "Rendered from a newer template."


def cruft(*args, cwd, check=True):
    return run(CRUFT, *args, cwd=cwd, env=git_environ(), check=check)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A template repository and a project made from it with `cruft create`."""
    root = tmp_path_factory.mktemp("cruft")
    template = git_repository(copy_template(root / "template"), "The template as it is today")
    projects = root / "projects"
    projects.mkdir()
    answers = json.dumps({"plugin_name": "llm-chain", "model_id": "chain"})
    created = cruft("create", "--no-input", template, "--extra-context", answers, cwd=projects)
    project = git_repository(projects / "llm-chain", "Rendered from the template")
    return {"root": root, "template": template, "project": project, "created": created}


@pytest.fixture(scope="module")
def updated(workspace):
    """The author edits the project, the template improves, then the author runs cruft update."""
    template, project = workspace["template"], workspace["project"]
    before_update = cruft("check", cwd=project, check=False)

    with (project / "llm_chain.py").open("a") as module:
        module.write(AUTHOR_FUNCTION)
    with (project / "CHANGELOG.md").open("a") as changelog:
        changelog.write(AUTHOR_CHANGELOG)
    commit_all(project, "The author's own work")

    with (template / PLUGIN / "README.md").open("a") as readme:
        readme.write(f"\n{TEMPLATE_README_LINE}\n")
    (template / PLUGIN / "CONTRIBUTING.md").write_text(
        "# Contributing to {{ cookiecutter.plugin_name }}\n"
    )
    commit_all(template, "A newer template")
    after_template_change = cruft("check", cwd=project, check=False)

    update = cruft("update", "--skip-apply-ask", cwd=project)
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
    head = git(workspace["template"], "rev-parse", "HEAD")
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


def test_cruft_update_prints_no_next_steps(updated):
    # cruft renders both commits into temporary folders it deletes once compared: the
    # post-gen hook's next steps would name them.
    output = updated["update"].stdout + updated["update"].stderr
    assert "Next steps" not in output
    assert "llm install -e" not in output


def test_cruft_diff_prints_the_authors_edits_alone(updated):
    # The patch on stdout, for git apply; the hook, run again in cruft's render, says nothing.
    diff = cruft("diff", cwd=updated["project"])
    assert diff.stderr == ""
    assert AUTHOR_FUNCTION.strip().splitlines()[0] in diff.stdout
    changed = set(re.findall(r"^diff --git upstream-template-old/(\S+) ", diff.stdout, re.M))
    assert changed == {"llm_chain.py", "CHANGELOG.md"}


def test_cruft_update_changes_only_what_the_template_changed(updated):
    # The hooks run again for both the old and the new template; they must leave no trace.
    status = git(updated["project"], "status", "--porcelain")
    changed = {line[3:] for line in status.stdout.splitlines()}
    assert changed == {".cruft.json", "README.md", "CONTRIBUTING.md"}


def test_project_is_up_to_date_after_the_update(updated):
    head = git(updated["template"], "rev-parse", "HEAD")
    assert cruft_state(updated["project"])["commit"] == head.stdout.strip()
    check = cruft("check", cwd=updated["project"], check=False)
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


# From a release before the api kind asked for its base URL and model name

EARLIER_API_BASE = "https://api.example.com/v1"


def as_released_before_the_api_questions(template):
    """Make the template what it was before api_base_url and api_model: no such answers to
    check, and the api files had the example URL and the model ID written in."""
    config = json.loads((template / "cookiecutter.json").read_text())
    for key in ("api_base_url", "api_model"):
        del config[key], config["__prompts__"][key]
    (template / "cookiecutter.json").write_text(json.dumps(config, indent=2) + "\n")
    hook = template / "hooks" / "pre_gen_project.py"
    checks = '    "api_base_url": check_api_base_url,\n    "api_model": check_api_model,\n'
    replace(hook, checks, "")
    # Wherever the rendered files use the two answers, the earlier release had these
    for path in (template / PLUGIN).rglob("*"):
        if path.is_file() and "cookiecutter.api_" in path.read_text():
            text = path.read_text().replace("cookiecutter.api_model", "cookiecutter.model_id")
            path.write_text(text.replace("cookiecutter.api_base_url", f"'{EARLIER_API_BASE}'"))


def replace(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


@pytest.fixture(scope="module")
def earlier_projects(tmp_path_factory):
    """An async markov and an api project made by the earlier release, and the template
    repository, now at this release."""
    root = tmp_path_factory.mktemp("earlier")
    template = copy_template(root / "template")
    as_released_before_the_api_questions(template)
    git_repository(template, "The earlier release")
    projects = root / "projects"
    projects.mkdir()
    made = {}
    for name, answers in {
        "llm-chain": {"plugin_name": "llm-chain", "async_markov": True},
        "llm-acme": {"plugin_name": "llm-acme", "model_kind": "api", "model_id": "acme"},
    }.items():
        cruft(
            "create", "--no-input", template, "--extra-context", json.dumps(answers), cwd=projects
        )
        made[name] = git_repository(projects / name, "Rendered from the earlier release")
    copy_template(template)  # this release, over the earlier one
    commit_all(template, "This release")
    return made


def test_an_async_markov_project_keeps_its_async_model_through_the_update(earlier_projects):
    project = earlier_projects["llm-chain"]
    assert "async_markov" in cruft_state(project)["context"]["cookiecutter"]
    module = (project / "llm_chain.py").read_text()
    assert "class AsyncChain" in module
    cruft("update", "--skip-apply-ask", cwd=project)
    assert (project / "llm_chain.py").read_text() == module
    answers = cruft_state(project)["context"]["cookiecutter"]
    assert answers["async_markov"] is True
    # The new questions took their defaults, without asking.
    assert answers["api_base_url"] == EARLIER_API_BASE


def test_an_api_project_keeps_its_url_and_model_through_the_update(earlier_projects):
    # With -i cruft asks the questions again, the project's answers as defaults: Enter
    # takes each, and only the api kind's questions are asked.
    project = earlier_projects["llm-acme"]
    module = (project / "llm_acme" / "__init__.py").read_text()
    update = run(
        CRUFT, "update", "-i", "--skip-apply-ask",
        cwd=project, env=git_environ(), input="\n" * 12, timeout=120,
    )  # fmt: skip
    asked = [key for key, _ in questions_asked(update.stdout)]
    assert asked[-2:] == ["api_base_url", "api_model"]
    assert "async_markov" not in asked
    assert (project / "llm_acme" / "__init__.py").read_text() == module
    answers = cruft_state(project)["context"]["cookiecutter"]
    assert (answers["api_base_url"], answers["api_model"]) == (EARLIER_API_BASE, "acme")
