"""Every kind's render passes the checks of its ecosystem: Scientific Python's repo-review,
the type checker (mypy), the README's cog sections as generated, and Python 3.10's syntax
and standard library (vermin). The template itself passes repo-review, mypy and vermin too."""

import json
from types import SimpleNamespace

import pytest
import yaml

from helpers import (
    KINDS,
    TEMPLATE,
    TEST_VENV_BIN,
    copy_template,
    git,
    git_repository,
    install_project,
    render,
    run,
    tomllib,
)

# The checks a render leaves out, each with its reason in [tool.repo-review.ignore].
IGNORED = {"PY004", "PY007", "PC170", "PC180"}
# The kinds whose README lists options that cog writes: llm gives embedding models none.
WITH_OPTIONS = {"markov", "api"}


def tool(name, *args, cwd):
    """Run a tool of the test environment (requirements-dev.txt); its result."""
    return run(str(TEST_VENV_BIN / name), *args, cwd=cwd, check=False, timeout=300)


def repo_review(project):
    """repo-review's verdict on a git repository: {check: result}, None for a skipped one."""
    result = tool("repo-review", ".", "--format", "json", cwd=project)
    assert result.returncode in (0, 3), result.stdout + result.stderr  # 3: a check failed
    return {name: check["result"] for name, check in json.loads(result.stdout)["checks"].items()}


@pytest.fixture(scope="module", params=list(KINDS))
def rendered(request, tmp_path_factory):
    """A kind's render in a git repository, installed with its dev group."""
    root = tmp_path_factory.mktemp(request.param)
    answers = KINDS[request.param]
    project = git_repository(render(root, **answers), "Rendered")
    return SimpleNamespace(
        project=project,
        venv=install_project(project, root / "venv"),
        model_kind=answers.get("model_kind", "markov"),
    )


def test_repo_review_finds_no_failing_check(rendered):
    project = rendered.project
    results = repo_review(project)
    assert len(results) > 50  # every family of checks ran
    assert [name for name, passed in results.items() if passed is False] == []


def test_repo_review_skips_only_the_four_ignored_checks_each_with_its_reason(rendered):
    project = rendered.project
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    reasons = pyproject["tool"]["repo-review"]["ignore"]
    assert set(reasons) == IGNORED
    assert all(reason.strip() for reason in reasons.values())
    skipped = {name for name, passed in repo_review(project).items() if passed is None}
    assert IGNORED <= skipped


def test_repo_review_fails_a_render_without_warnings_as_errors(rendered, tmp_path):
    # The verdict is the checks', not a constant: a render that drops a setting fails.
    project = rendered.project
    copy = tmp_path / "copy"
    run("cp", "-r", project, copy)
    pyproject = copy / "pyproject.toml"
    text = pyproject.read_text()
    start = text.index("filterwarnings = [")
    pyproject.write_text(text[:start] + text[text.index("]\n", start) + 2 :])
    git(copy, "commit", "-q", "-am", "No filterwarnings")
    assert repo_review(copy)["PP309"] is False


def test_mypy_passes(rendered):
    project, venv = rendered.project, rendered.venv
    result = venv.run(venv.bin("mypy"), ".", cwd=project, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout


def test_mypy_reports_a_type_error_in_an_annotated_function(rendered):
    project, venv = rendered.project, rendered.venv
    (project / "typed_example.py").write_text("def double(n: int) -> int:\n    return str(n)\n")
    try:
        result = venv.run(venv.bin("mypy"), ".", cwd=project, check=False)
    finally:
        (project / "typed_example.py").unlink()
    assert result.returncode == 1
    assert "typed_example.py:2: error: Incompatible return value type" in result.stdout


def cog_check(rendered, **env):
    return rendered.venv.python(
        "-m", "cogapp", "--check", "README.md", cwd=rendered.project, check=False, **env
    )


def test_the_readme_is_as_cog_generates_it_and_cog_sees_an_edit(rendered):
    readme_path = rendered.project / "README.md"
    readme = readme_path.read_text()
    assert readme.count("[[[cog") == (rendered.model_kind in WITH_OPTIONS)
    if rendered.model_kind in WITH_OPTIONS:
        result = cog_check(rendered)
        assert result.returncode == 0, result.stdout + result.stderr
        # Run by an author in a narrow terminal, where llm wraps some lines to its width
        result = cog_check(rendered, COLUMNS="40")
        assert result.returncode == 0, result.stdout + result.stderr
        # An option's description as llm prints it, edited: the check fails
        edited = readme.replace("      Number of words to generate", "      Words")
        edited = edited.replace("      The most tokens to generate", "      Tokens")
        assert edited != readme
        readme_path.write_text(edited)
        try:
            result = cog_check(rendered)
        finally:
            readme_path.write_text(readme)
        assert result.returncode == 5, result.stdout + result.stderr
        assert "Check failed" in result.stdout + result.stderr


@pytest.mark.parametrize(
    "answers",
    [
        {"model_kind": "api", "plugin_name": "llm-zeta-ai", "model_id": "zeta/large-2.5@v1"},
        {"async_markov": True, "model_id": "chain:v2", "class_name": "Chain2"},
    ],
    ids=["api", "markov-async"],
)
def test_cog_finds_the_readme_current_whatever_the_names(answers, tmp_path):
    # The README names the model as llm lists it: the API's name (from the plugin's name)
    # or the class, and the model ID, whatever they are.
    project = render(tmp_path, **answers)
    venv = install_project(project, tmp_path / "venv")
    result = venv.python("-m", "cogapp", "--check", "README.md", cwd=project, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_code_keeps_to_python_3_10(rendered):
    project = rendered.project
    files = git(project, "ls-files", "*.py").stdout.split()
    (project / "newer_example.py").write_text("import tomllib\n\nprint(tomllib)\n")
    try:
        vermin = ["-t=3.10-", "--violations", "--eval-annotations", "--no-tips"]
        result = tool("vermin", *vermin, *files, cwd=project)
        newer = tool("vermin", *vermin, *files, "newer_example.py", cwd=project)
    finally:
        (project / "newer_example.py").unlink()
    assert result.returncode == 0, result.stdout + result.stderr
    assert newer.returncode != 0  # tomllib is Python 3.11's
    assert "'tomllib' module requires !2, 3.11" in newer.stdout


def test_the_template_itself_passes_repo_review(tmp_path):
    # As a clone holds it; its own [tool.repo-review.ignore] gives the reason for each check
    # that does not apply to a template (no package, no LICENSE of its own yet).
    template = git_repository(copy_template(tmp_path / "llm-plugin-template"))
    results = repo_review(template)
    assert [name for name, passed in results.items() if passed is False] == []
    assert results["PP309"] and results["MY100"] and results["PC140"] and results["GH102"]


def test_the_templates_own_python_passes_mypy():
    result = tool("mypy", cwd=TEMPLATE)  # the files in pyproject.toml's [tool.mypy]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout


def test_the_templates_own_python_keeps_to_python_3_10():
    # Its CI's oldest Python (.github/workflows/ci.yml), as for the renders above.
    files = git(TEMPLATE, "ls-files", "*.py").stdout.split()
    files = [name for name in files if not name.startswith("{{")]  # the rendered project
    vermin = ["-t=3.10-", "--violations", "--eval-annotations", "--no-tips", *files]
    result = tool("vermin", *vermin, cwd=TEMPLATE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "hooks/pre_gen_project.py" in files and "tests/helpers.py" in files


def test_the_templates_pre_commit_hooks_are_the_rendered_ones_at_the_same_versions():
    # One Dependabot group bumps a hook in both files (.github/dependabot.yml).
    template = yaml.safe_load((TEMPLATE / ".pre-commit-config.yaml").read_text())
    rendered = yaml.safe_load(
        (TEMPLATE / "{{cookiecutter.plugin_name}}" / ".pre-commit-config.yaml").read_text()
    )
    revs = {repo["repo"]: repo["rev"] for repo in template["repos"]}
    assert revs == {repo["repo"]: repo["rev"] for repo in rendered["repos"]}
    result = tool("pre-commit", "validate-config", ".pre-commit-config.yaml", cwd=TEMPLATE)
    assert result.returncode == 0, result.stdout + result.stderr
