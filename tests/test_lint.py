"""Every kind renders ruff-clean code, and tool configs that the tools themselves accept."""

import sys

import pytest
import yaml

from helpers import KINDS, TEMPLATE, render, run

RUFF_PRE_COMMIT = "https://github.com/astral-sh/ruff-pre-commit"


def tool(*args, cwd):
    """Run a tool from the test environment; its exit status and output."""
    return run(sys.executable, "-m", *args, cwd=cwd, check=False, timeout=300)


@pytest.fixture(scope="module", params=list(KINDS))
def project(request, tmp_path_factory):
    return render(tmp_path_factory.mktemp(request.param), **KINDS[request.param])


def test_rendered_code_passes_ruff_check(project):
    result = tool("ruff", "check", "--no-cache", ".", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr


def test_rendered_code_is_ruff_formatted(project):
    result = tool("ruff", "format", "--check", "--no-cache", ".", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr


def test_rendered_ruff_settings_catch_unsorted_imports_and_old_typing(project):
    # The settings select more than ruff's defaults: a sloppy file must fail them.
    sloppy = "import sys\nimport os\nfrom typing import Optional\n\nx: Optional[int] = None\n"
    (project / "sloppy_example.py").write_text(sloppy + "print(os, sys, x)\n")
    try:
        result = tool("ruff", "check", "--no-cache", "--output-format", "concise", ".", cwd=project)
    finally:
        (project / "sloppy_example.py").unlink()
    assert result.returncode == 1
    assert "I001" in result.stdout  # import order
    assert "UP045" in result.stdout or "UP007" in result.stdout  # int | None


def test_pre_commit_config_is_valid(project):
    result = tool("pre_commit", "validate-config", ".pre-commit-config.yaml", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr


def test_pre_commit_runs_ruff_at_a_pinned_version(project):
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    [ruff] = [repo for repo in config["repos"] if repo["repo"] == RUFF_PRE_COMMIT]
    assert [hook["id"] for hook in ruff["hooks"]] == ["ruff-check", "ruff-format"]
    assert ruff["rev"].startswith("v")
    assert all(part.isdigit() for part in ruff["rev"][1:].split("."))


def test_dependabot_updates_github_actions_weekly(project):
    config = yaml.safe_load((project / ".github" / "dependabot.yml").read_text())
    assert config["version"] == 2
    updates = {update["package-ecosystem"]: update for update in config["updates"]}
    assert updates["github-actions"]["schedule"]["interval"] == "weekly"
    assert updates["github-actions"]["directory"] == "/"


def test_dependabot_config_matches_its_schema(project):
    result = tool(
        "check_jsonschema",
        "--builtin-schema",
        "vendor.dependabot",
        ".github/dependabot.yml",
        cwd=project,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]])
def test_the_templates_own_python_passes_ruff(command):
    # The hooks are Jinja too, but only inside strings, so ruff reads them as Python. The
    # rendered project's Jinja sources are left out by pyproject.toml's extend-exclude.
    result = tool("ruff", *command, "--no-cache", ".", cwd=TEMPLATE)
    assert result.returncode == 0, result.stdout + result.stderr
