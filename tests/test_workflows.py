"""The GitHub workflows: rendered intact, valid, and with least-privilege permissions."""

import re
import subprocess
import sys

import pytest
import yaml

from helpers import TEMPLATE, render

EXPRESSION = re.compile(r"\$\{\{.*?\}\}")
SOURCE_WORKFLOWS = TEMPLATE / "{{cookiecutter.plugin_name}}" / ".github" / "workflows"
TEMPLATE_CI = TEMPLATE / ".github" / "workflows" / "ci.yml"
PYTHON_VERSIONS = ["3.10", "3.11", "3.12", "3.13", "3.14"]


def load(path):
    workflow = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the key `on` as the boolean True.
    workflow["on"] = workflow.pop(True)
    return workflow


def validate(*paths):
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows"]
        + [str(path) for path in paths],
        check=False,
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def workflows(default_project):
    return default_project / ".github" / "workflows"


@pytest.fixture(scope="module")
def test_workflow(workflows):
    return load(workflows / "test.yml")


@pytest.fixture(scope="module")
def publish(workflows):
    return load(workflows / "publish.yml")


def test_the_plugin_has_a_test_and_a_publish_workflow(workflows):
    assert sorted(path.name for path in workflows.iterdir()) == ["publish.yml", "test.yml"]


@pytest.mark.parametrize("name", ["test.yml", "publish.yml"])
def test_every_github_expression_survives_rendering(workflows, name):
    source = (SOURCE_WORKFLOWS / name).read_text()
    rendered = (workflows / name).read_text()
    assert EXPRESSION.findall(rendered) == EXPRESSION.findall(source)
    assert EXPRESSION.findall(rendered)
    assert "{%" not in rendered
    assert "cookiecutter" not in rendered


def test_expressions_are_whole_in_the_parsed_workflows(test_workflow, publish):
    test_steps = test_workflow["jobs"]["test"]["steps"]
    setup_python = next(step for step in test_steps if "setup-python" in step.get("uses", ""))
    assert setup_python["with"]["python-version"] == "${{ matrix.python-version }}"
    tag_check = next(step for step in publish["jobs"]["build"]["steps"] if "env" in step)
    assert tag_check["env"] == {"TAG": "${{ github.event.release.tag_name }}"}


def test_workflows_pass_the_github_workflow_schema(workflows):
    result = validate(*sorted(workflows.iterdir()), TEMPLATE_CI)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok -- validation done" in result.stdout


def test_schema_check_catches_a_misspelt_permission(tmp_path):
    broken = tmp_path / "broken.yml"
    workflow = (
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
        "    permissions:\n      id-token: {}\n    steps:\n      - run: echo hi\n"
    )
    broken.write_text(workflow.format("writ"))
    assert validate(broken).returncode == 1
    broken.write_text(workflow.format("write"))
    assert validate(broken).returncode == 0


def test_tests_run_on_push_and_pull_request_for_python_3_10_to_3_14(test_workflow):
    assert {"push", "pull_request"} <= set(test_workflow["on"])
    assert test_workflow["jobs"]["test"]["strategy"]["matrix"]["python-version"] == PYTHON_VERSIONS


def test_tests_install_with_a_pip_that_knows_dependency_groups(test_workflow):
    commands = "\n".join(step.get("run", "") for step in test_workflow["jobs"]["test"]["steps"])
    assert 'python -m pip install --upgrade "pip>=25.1"' in commands
    assert "python -m pip install -e . --group dev" in commands
    assert "python -m pytest" in commands


def test_publish_runs_on_a_published_release(publish):
    assert publish["on"] == {"release": {"types": ["published"]}}


def test_publish_tests_then_builds_once_then_publishes(publish):
    jobs = publish["jobs"]
    assert jobs["test"]["uses"] == "./.github/workflows/test.yml"
    assert jobs["build"]["needs"] == "test"
    assert jobs["publish"]["needs"] == "build"
    build_commands = "\n".join(step.get("run", "") for step in jobs["build"]["steps"])
    assert build_commands.count("python -m build") == 1
    assert "python -m twine check --strict dist/*" in build_commands
    uploaded = [
        step for step in jobs["build"]["steps"] if "upload-artifact" in step.get("uses", "")
    ]
    downloaded = [
        step for step in jobs["publish"]["steps"] if "download-artifact" in step.get("uses", "")
    ]
    assert uploaded[0]["with"]["name"] == downloaded[0]["with"]["name"] == "dist"
    assert not any("run" in step for step in jobs["publish"]["steps"]), "publish only uploads"


def test_publish_uses_trusted_publishing_with_least_privilege(publish):
    assert publish["permissions"] == {"contents": "read"}
    jobs = publish["jobs"]
    assert jobs["publish"]["permissions"] == {"id-token": "write"}
    assert [name for name, job in jobs.items() if "id-token" in str(job)] == ["publish"]
    assert jobs["publish"]["environment"]["name"] == "release"
    publisher = jobs["publish"]["steps"][-1]
    assert publisher["uses"] == "pypa/gh-action-pypi-publish@release/v1"
    assert publisher["with"] == {"attestations": True}
    for secret_word in ("secrets", "password", "token:"):
        assert secret_word not in str(jobs["publish"]).lower()


def test_publish_environment_links_to_the_plugins_pypi_page(tmp_path):
    project = render(tmp_path, plugin_name="llm-tidy-words")
    publish = load(project / ".github" / "workflows" / "publish.yml")
    environment = publish["jobs"]["publish"]["environment"]
    assert environment["url"] == "https://pypi.org/project/llm-tidy-words/"


@pytest.mark.parametrize("name", ["test.yml", "publish.yml"])
def test_actions_are_pinned_to_a_major_version(workflows, name):
    uses = re.findall(r"uses: (\S+)", (workflows / name).read_text())
    assert uses
    for action in uses:
        assert action.startswith("./") or re.search(r"@(v\d+|release/v\d+)$", action), action


def test_checkouts_do_not_keep_the_token(workflows):
    for path in [*workflows.iterdir(), TEMPLATE_CI]:
        for job in load(path)["jobs"].values():
            for step in job.get("steps", []):
                if step.get("uses", "").startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False


def test_template_ci_runs_the_template_tests_on_push_and_pull_request():
    ci = load(TEMPLATE_CI)
    assert {"push", "pull_request"} <= set(ci["on"])
    assert ci["permissions"] == {"contents": "read"}
    commands = [step.get("run") for job in ci["jobs"].values() for step in job["steps"]]
    assert "bash .ci/run" in commands


@pytest.mark.parametrize("model_kind", ["api", "embedding"])
def test_every_model_kind_gets_the_same_workflows(workflows, tmp_path, model_kind):
    project = render(tmp_path, model_kind=model_kind)
    for name in ["test.yml", "publish.yml"]:
        rendered = (project / ".github" / "workflows" / name).read_text()
        assert rendered == (workflows / name).read_text()
    assert (project / "scripts" / "release.py").is_file()
