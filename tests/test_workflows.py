"""The GitHub workflows: rendered intact, valid, pinned, least-privilege, linter-clean."""

import re
import subprocess
import sys

import pytest
import yaml

from helpers import KINDS, TEMPLATE, render
from workflow_linters import actionlint, install_actionlint, zizmor, zizmor_findings

EXPRESSION = re.compile(r"\$\{\{.*?\}\}")
SOURCE_WORKFLOWS = TEMPLATE / "{{cookiecutter.plugin_name}}" / ".github" / "workflows"
TEMPLATE_CI = TEMPLATE / ".github" / "workflows" / "ci.yml"
TEMPLATE_DEPENDABOT = TEMPLATE / ".github" / "dependabot.yml"
PYTHON_VERSIONS = ["3.10", "3.11", "3.12", "3.13", "3.14"]
# A `uses:` line pinned to a commit, with the release it is as a comment.
PINNED = re.compile(
    r"uses: (?P<action>[\w.-]+/[\w.-]+)@(?P<sha>[0-9a-f]{40}) # (?P<version>v\d+\.\d+\.\d+)$"
)
USES = re.compile(r"^\s*(?:- )?uses: (\S+)")
UNPINNED_CHECKOUT = """\
on: push
permissions: {}
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v5
        with:
          persist-credentials: false
"""
ONE_STEP = """\
on: push
permissions: {}
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: echo fine
"""


def load(path):
    workflow = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the key `on` as the boolean True.
    workflow["on"] = workflow.pop(True)
    return workflow


def uses_lines(path):
    return [line.strip() for line in path.read_text().splitlines() if USES.match(line)]


def all_workflows(project):
    return [*sorted((project / ".github" / "workflows").iterdir()), TEMPLATE_CI]


def validate(*paths, schema="vendor.github-workflows"):
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema]
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


@pytest.fixture(scope="module", params=KINDS, ids=str)
def kind_project(request, tmp_path_factory):
    """The project rendered for one kind or toggle."""
    return render(tmp_path_factory.mktemp(request.param), **KINDS[request.param])


@pytest.fixture(scope="module")
def actionlint_installed():
    install_actionlint()


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


def test_every_kinds_workflows_are_yaml_that_passes_the_workflow_schema(kind_project):
    workflows = kind_project / ".github" / "workflows"
    for path in workflows.iterdir():
        assert load(path)["jobs"], path
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


def test_lint_job_runs_the_pre_commit_hooks_on_every_file(test_workflow, default_project):
    # The hooks and their versions are .pre-commit-config.yaml's: one place to bump them.
    lint = test_workflow["jobs"]["lint"]
    commands = "\n".join(step.get("run", "") for step in lint["steps"])
    assert "python -m pip install pre-commit" in commands
    assert "pre-commit run --all-files --show-diff-on-failure" in commands
    config = yaml.safe_load((default_project / ".pre-commit-config.yaml").read_text())
    hooks = [hook["id"] for repo in config["repos"] for hook in repo["hooks"]]
    assert {"ruff-check", "ruff-format", "mypy", "codespell", "zizmor"} <= set(hooks)


def publishing_form(readme):
    """The README's table of the fields of PyPI's publisher form: {field: value}."""
    section = readme[readme.index("### Through GitHub") : readme.index("### By hand")]
    rows = re.findall(r"^ *\| (.+?) \| (.+?) \|$", section, re.MULTILINE)
    return {field: value.strip("`") for field, value in rows[2:]}  # after the header rows


def test_readme_fills_pypis_publisher_form_with_what_the_workflow_is(default_project, publish):
    readme = (default_project / "README.md").read_text()
    assert publishing_form(readme) == {
        "PyPI Project Name (pending publishers only)": "llm-markov",
        "Owner": "simonw",
        "Repository name": "llm-markov",
        "Workflow name": "publish.yml",
        "Environment name": publish["jobs"]["publish"]["environment"]["name"],
    }
    assert (default_project / ".github" / "workflows" / "publish.yml").is_file()
    # A project first released by hand is on PyPI already: its own publishing page, not a
    # pending publisher.
    assert "<https://pypi.org/manage/account/publishing/>" in readme
    assert "<https://pypi.org/manage/project/llm-markov/settings/publishing/>" in readme
    assert "first released by hand" in readme


def test_readme_publisher_form_without_a_github_user(tmp_path):
    project = render(tmp_path, github_username="")
    owner = publishing_form((project / "README.md").read_text())["Owner"]
    assert owner == "the GitHub user or organisation that owns the repository"


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
    assert publisher["uses"].startswith("pypa/gh-action-pypi-publish@")
    assert publisher["with"] == {"attestations": True}
    for secret_word in ("secrets", "password", "token:"):
        assert secret_word not in str(jobs["publish"]).lower()


def test_publish_environment_links_to_the_plugins_pypi_page(tmp_path):
    project = render(tmp_path, plugin_name="llm-tidy-words")
    publish = load(project / ".github" / "workflows" / "publish.yml")
    environment = publish["jobs"]["publish"]["environment"]
    assert environment["url"] == "https://pypi.org/project/llm-tidy-words/"


def test_every_action_is_pinned_to_a_release_commit(kind_project):
    for path in all_workflows(kind_project):
        lines = uses_lines(path)
        assert lines, path
        for line in lines:
            assert line.startswith("uses: ./") or PINNED.search(line), f"{path}: {line}"


def test_each_action_is_pinned_to_the_same_release_everywhere(workflows):
    pins = {}
    for path in all_workflows(workflows.parent.parent):
        for line in uses_lines(path):
            if pinned := PINNED.search(line):
                pins.setdefault(pinned["action"], set()).add((pinned["sha"], pinned["version"]))
    assert {"actions/checkout", "pypa/gh-action-pypi-publish"} <= set(pins)
    assert {action: len(releases) for action, releases in pins.items()} == dict.fromkeys(pins, 1)


def test_zizmor_finds_nothing_in_every_kinds_github_folder(kind_project):
    # Its workflows and its dependabot.yml, as `zizmor .` in the plugin would audit them.
    files = sorted(path for path in (kind_project / ".github").rglob("*.yml"))
    assert len(files) == 3
    result = zizmor(*files)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout


def test_actionlint_finds_nothing_in_every_kinds_workflows(kind_project, actionlint_installed):
    result = actionlint(*sorted((kind_project / ".github" / "workflows").iterdir()))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_both_linters_find_nothing_in_the_templates_own_github_folder(actionlint_installed):
    result = zizmor(TEMPLATE_CI, TEMPLATE_DEPENDABOT)
    assert result.returncode == 0, result.stdout + result.stderr
    result = actionlint(TEMPLATE_CI)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_only_finding_kept_is_the_self_repository_one_the_readme_explains(workflows):
    # Without the ignore comments, zizmor reports exactly the findings they keep.
    kept = zizmor_findings("--no-ignores", *sorted(workflows.iterdir()), TEMPLATE_CI)
    assert kept == ["self-repository"]
    ignores = re.findall(r"# zizmor: ignore\[([\w,-]+)\]", (workflows / "publish.yml").read_text())
    assert ignores == ["self-repository"]
    assert "zizmor: ignore[self-repository]" in (TEMPLATE / "README.md").read_text()


def test_zizmor_reports_an_action_pinned_to_a_tag(tmp_path):
    workflow = tmp_path / ".github" / "workflows" / "unpinned.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(UNPINNED_CHECKOUT)
    assert zizmor_findings(workflow) == ["unpinned-uses"]
    [checkout] = [PINNED.search(line)[0] for line in uses_lines(TEMPLATE_CI) if "checkout@" in line]
    workflow.write_text(UNPINNED_CHECKOUT.replace("uses: actions/checkout@v5", checkout))
    assert zizmor_findings(workflow) == []


@pytest.mark.parametrize(
    ("step", "reported"),
    [
        (
            "- run: echo ${{ github.event.issue.title }}",
            '"github.event.issue.title" is potentially',
        ),
        ("- uses: actions/checkout", 'specifying action "actions/checkout" in invalid format'),
    ],
    ids=["untrusted-input-in-a-script", "action-without-a-ref"],
)
def test_actionlint_reports_a_broken_workflow(tmp_path, actionlint_installed, step, reported):
    workflow = tmp_path / "broken.yml"
    workflow.write_text(ONE_STEP)
    assert actionlint(workflow).returncode == 0
    workflow.write_text(ONE_STEP.replace("- run: echo fine", step))
    result = actionlint(workflow)
    assert result.returncode == 1, result.stdout + result.stderr
    assert reported in result.stdout


def test_checkouts_do_not_keep_the_token(workflows):
    for path in [*workflows.iterdir(), TEMPLATE_CI]:
        for job in load(path)["jobs"].values():
            for step in job.get("steps", []):
                if step.get("uses", "").startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False


def test_template_ci_runs_on_the_oldest_and_newest_python_its_tests_support():
    # The rendered matrix's oldest and newest (the template's own code is checked for
    # Python 3.10 by tests/test_ecosystem_checks.py).
    matrix = load(TEMPLATE_CI)["jobs"]["test"]["strategy"]["matrix"]["python-version"]
    assert matrix == [PYTHON_VERSIONS[0], PYTHON_VERSIONS[-1]]


def test_template_ci_runs_the_template_tests_on_push_and_pull_request():
    ci = load(TEMPLATE_CI)
    assert {"push", "pull_request"} <= set(ci["on"])
    assert ci["permissions"] == {"contents": "read"}
    commands = [step.get("run") for job in ci["jobs"].values() for step in job["steps"]]
    assert "bash .ci/run" in commands


def without_cog_check(workflow_text):
    """A workflow without its step that checks the README's cog sections, if it has one."""
    return re.sub(r"\n +- name: Check that the README's.*\n.*cogapp --check.*", "", workflow_text)


def test_every_kind_gets_the_same_workflows_but_for_its_name(workflows, kind_project):
    for name in ["test.yml", "publish.yml"]:
        rendered = (kind_project / ".github" / "workflows" / name).read_text()
        default = (workflows / name).read_text()
        assert without_cog_check(rendered).replace(kind_project.name, "NAME") == (
            without_cog_check(default).replace("llm-markov", "NAME")
        )
    assert (kind_project / "scripts" / "release.py").is_file()


def test_the_tests_check_the_readmes_cog_sections_where_it_has_them(kind_project):
    # The embedding kind's README has none: llm gives embedding models no options to list
    # (tests/test_ecosystem_checks.py checks which kinds have them).
    test_yml = (kind_project / ".github" / "workflows" / "test.yml").read_text()
    has_cog = "[[[cog" in (kind_project / "README.md").read_text()
    assert ("python -m cogapp --check README.md" in test_yml) is has_cog


def test_the_workflow_sources_are_yaml_whose_pins_dependabot_can_read(workflows):
    # Dependabot parses each file of the folder it watches as YAML, Jinja and all.
    for source in SOURCE_WORKFLOWS.iterdir():
        assert yaml.safe_load(source.read_text())["jobs"], source
        assert uses_lines(source) == uses_lines(workflows / source.name)


def test_dependabot_watches_the_templates_own_and_its_rendered_workflows():
    config = yaml.safe_load(TEMPLATE_DEPENDABOT.read_text())
    [actions] = [
        entry for entry in config["updates"] if entry["package-ecosystem"] == "github-actions"
    ]
    watched = set()
    for directory in actions["directories"]:
        # For "/" Dependabot reads /.github/workflows; elsewhere the folder itself.
        pattern = ".github/workflows" if directory == "/" else directory.lstrip("/")
        watched |= set(TEMPLATE.glob(pattern))
    assert watched == {TEMPLATE_CI.parent, SOURCE_WORKFLOWS}
    assert actions["groups"]["actions"]["group-by"] == "dependency-name"
    assert all(entry["cooldown"]["default-days"] >= 7 for entry in config["updates"])
    result = validate(TEMPLATE_DEPENDABOT, schema="vendor.dependabot")
    assert result.returncode == 0, result.stdout + result.stderr
