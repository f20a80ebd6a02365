"""The message after a render: on stderr only, never in the way, and honest about the author.

Tools read stdout: `cruft diff` prints a patch there for `git apply`. So the post-render hook
writes to stderr, and a stderr it cannot write to must not cost the render. (That its
commands work as printed is tested in test_readme_commands.py.)
"""

import json
import shlex

import pytest

from helpers import TEMPLATE, TEST_VENV_BIN, bash, copy_template, git_repository, shell_environ

TUTORIAL_NOTE = "The author is still the tutorial's: "


@pytest.fixture
def env(tmp_path):
    """Cookiecutter, cruft and git on PATH, with settings of their own, none of the user's."""
    return shell_environ(tmp_path / "home", TEST_VENV_BIN)


def render(tmp_path, env, *answers, redirect=""):
    command = f"cookiecutter --no-input {shlex.quote(str(TEMPLATE))} -o out {' '.join(answers)}"
    return bash(f"{command} {redirect}", tmp_path, env)


def test_the_message_goes_to_stderr_and_stdout_stays_empty(tmp_path, env):
    result = render(tmp_path, env)
    assert result.stdout == ""
    assert result.stderr.startswith("Created llm-markov. Next steps:\n")
    assert f"  cd {tmp_path / 'out' / 'llm-markov'}\n" in result.stderr


def test_the_cd_step_works_as_printed_whatever_the_folder_is_called(tmp_path, env):
    folder = tmp_path / "Plugins & 'drafts' $HOME"
    command = f"cookiecutter --no-input {shlex.quote(str(TEMPLATE))} -o {shlex.quote(str(folder))}"
    [cd] = [line for line in bash(command, tmp_path, env).stderr.splitlines() if " cd " in line]
    assert bash(f"{cd} && pwd", tmp_path, env).stdout == f"{folder / 'llm-markov'}\n"


@pytest.mark.parametrize(
    "redirect",
    ["2>&-", "2>/dev/full", "2>&1 | true"],
    ids=["stderr closed", "stderr full", "reader gone"],
)
def test_a_stderr_that_cannot_be_written_costs_nothing(tmp_path, env, redirect):
    # A failing post-render hook makes cookiecutter delete the project it has just written.
    result = render(tmp_path, env, redirect=redirect)
    assert result.stdout == ""
    assert (tmp_path / "out" / "llm-markov" / "llm_markov.py").is_file()


@pytest.mark.parametrize(
    "answers, kept",
    [
        ([], "author_name 'Simon Willison', github_username 'simonw'."),
        (["author_name='Ada Lovelace'"], "github_username 'simonw'."),
        (["github_username="], "author_name 'Simon Willison'."),
        (["author_name='Ada Lovelace'", "github_username=ada"], None),
    ],
)
def test_the_message_points_out_the_tutorials_author(tmp_path, env, answers, kept):
    stderr = render(tmp_path, env, *answers).stderr
    if kept is None:
        assert TUTORIAL_NOTE not in stderr
    else:
        assert f"{TUTORIAL_NOTE}{kept}\n" in stderr
        assert "  default_context:\n" in stderr


def test_the_tutorials_author_is_the_default_answer():
    defaults = json.loads((TEMPLATE / "cookiecutter.json").read_text())
    hook = (TEMPLATE / "hooks" / "post_gen_project.py").read_text()
    tutorial = {key: defaults[key] for key in ("author_name", "github_username")}
    assert f"TUTORIAL_AUTHOR = {json.dumps(tutorial)}\n" in hook


@pytest.fixture
def cruft_project(tmp_path, env):
    """A project made with `cruft create` from a git copy of the template, committed."""
    template = git_repository(copy_template(tmp_path / "template"))
    created = bash(f"cruft create --no-input {template}", tmp_path, env)
    project = tmp_path / "llm-markov"
    git_repository(project, "Rendered")
    return {"project": project, "created": created}


def test_cruft_create_prints_the_message_on_stderr(cruft_project):
    assert cruft_project["created"].stdout == ""
    assert "Created llm-markov. Next steps:" in cruft_project["created"].stderr


def test_cruft_diff_prints_only_a_patch_for_git_apply(cruft_project, env):
    project = cruft_project["project"]
    assert bash("cruft diff", project, env).stdout == ""
    with (project / "llm_markov.py").open("a") as module:
        module.write("\n# The author's own line\n")
    patch = bash("cruft diff", project, env).stdout
    assert patch.startswith("diff --git ")
    # The patch takes the project back to the template: git apply takes it as it is.
    bash("cruft diff | git apply", project, env)
    assert bash("git status --porcelain", project, env).stdout == ""
    assert bash("cruft diff", project, env).stdout == ""
