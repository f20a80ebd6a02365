"""Every command the template's README and the post-render message print works as printed.

Each command is taken from the text and run by bash unchanged, in a folder laid out as the
text says (a checkout of the template, the folder a plugin goes in, ...). Not run here:
- the `gh:` addresses, which need GitHub: the same commands with a local path or archive are;
- the template's whole-suite command, which is CI's own (.ci/run): checked to be the same;
- the benchmarks, which take minutes (benchmarks/README.md).
The rendered README's commands: test_rendered_readme_commands.py.
"""

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest

from helpers import (
    PROMPT,
    TEMPLATE,
    TEST_VENV_BIN,
    UV,
    bash,
    block,
    commands,
    copy_template,
    git_repository,
    link_test_venv,
    shell_environ,
    tomllib,
)

TEMPLATE_README = (TEMPLATE / "README.md").read_text()


# The template's README: the quick start, in a checkout


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    """A checkout of the template, the quick start's render command run in it as printed."""
    root = tmp_path_factory.mktemp("quick-start")
    env = shell_environ(root / "home")
    folder = copy_template(root / "llm-plugin-template")
    render = block(TEMPLATE_README, "install -q cookiecutter")
    rendered = bash(render, folder, env)
    return {"folder": folder, "env": env, "render": rendered}


@pytest.fixture(scope="module")
def tried(checkout):
    """The quick start's "try the plugin" commands, run as printed after the render."""
    return bash(block(TEMPLATE_README, "llm install -e"), checkout["folder"], checkout["env"])


def test_quick_start_renders_the_default_instance(checkout):
    project = checkout["folder"] / "llm-markov"
    assert (project / "llm_markov.py").is_file()
    assert tomllib.loads((project / "pyproject.toml").read_text())["project"]["name"] == (
        "llm-markov"
    )


def test_quick_start_tries_the_plugin(tried):
    words = tried.stdout.splitlines()[-1].split()  # after what pip and llm install print
    assert len(words) == 20
    assert set(words) <= set(PROMPT.split())


def next_steps(message):
    """The post-render message's commands: its lines indented by two spaces, up to the note."""
    steps = message.split("The author is still")[0]
    return [line.strip() for line in steps.splitlines() if line.startswith("  ")]


def test_next_steps_work_as_printed_after_the_quick_start(checkout, tried, tmp_path):
    folder, project = checkout["folder"], checkout["folder"] / "llm-markov"
    steps = next_steps(checkout["render"].stderr)
    assert steps[0] == f"cd {project}"
    assert steps[-1] == f"llm install -e {project}"
    # After the quick start, llm is .venv/bin/llm (as the message says), and uv is installed.
    env = checkout["env"]
    env = {**env, "PATH": f"{folder / '.venv' / 'bin'}:{Path(UV).parent}:{env['PATH']}"}
    bash("llm uninstall -y llm-markov", tmp_path, env)
    result = bash("\n".join(steps), tmp_path, env)
    assert re.search(r"\d+ passed in ", result.stdout), result.stdout
    plugins = json.loads(bash("llm plugins", tmp_path, env).stdout)
    assert "llm-markov" in {plugin["name"] for plugin in plugins}


# The template's README: where to render from, and one's own defaults


def address_commands():
    return commands(block(TEMPLATE_README, "llm-plugin-template-main.zip"))


def test_every_address_is_the_quick_start_command_with_another_last_word():
    render = commands(block(TEMPLATE_README, "install -q cookiecutter"))[0].split(" && ")[-1]
    lines = address_commands()
    assert [line.split()[:-1] for line in lines] == [render.split()[:-1]] * len(lines)
    assert lines[-1] == ".venv/bin/cookiecutter --no-input gh:ORG/llm-plugin-template"


@pytest.mark.parametrize("command", address_commands()[:-1])  # gh: needs GitHub
def test_render_from_a_path_or_an_archive(command, tmp_path):
    env = shell_environ(tmp_path / "home")
    link_test_venv(tmp_path)
    copy_template(tmp_path / "path" / "to" / "llm-plugin-template")
    # As GitHub's Download ZIP makes it: one folder, named after the branch, holding the files.
    copy_template(tmp_path / "archive" / "llm-plugin-template-main")
    shutil.make_archive(str(tmp_path / "llm-plugin-template-main"), "zip", tmp_path / "archive")
    bash(command, tmp_path, env)
    assert (tmp_path / "llm-markov" / "llm_markov.py").is_file()


def test_own_defaults_in_the_user_config_set_the_author(tmp_path):
    env = shell_environ(tmp_path / "home", TEST_VENV_BIN)
    with open(env["COOKIECUTTER_CONFIG"], "a") as config:
        config.write(block(TEMPLATE_README, "default_context:", "yaml"))
    result = bash(f"cookiecutter --no-input {shlex.quote(str(TEMPLATE))}", tmp_path, env)
    project = tomllib.loads((tmp_path / "llm-markov" / "pyproject.toml").read_text())["project"]
    assert project["authors"] == [{"name": "Ada Lovelace", "email": "ada@example.com"}]
    assert project["urls"]["Homepage"] == "https://github.com/ada/llm-markov"
    assert "tutorial's" not in result.stderr


# The template's README: the kinds, keeping a plugin up to date, developing the template


def kind_commands():
    return commands(block(TEMPLATE_README, "model_kind=api"))


def test_readme_shows_every_kind():
    kinds = json.loads((TEMPLATE / "cookiecutter.json").read_text())["model_kind"]
    shown = " ".join(kind_commands())
    assert all(f"model_kind={kind}" in shown for kind in kinds[1:])
    assert "async_markov=yes" in shown


@pytest.mark.parametrize("command", kind_commands())
def test_readme_kind_command_renders_a_plugin(command, tmp_path):
    # "With cookiecutter on your PATH, in a checkout"
    env = shell_environ(tmp_path / "home", TEST_VENV_BIN)
    folder = copy_template(tmp_path / "llm-plugin-template")
    bash(command, folder, env)
    answers = dict(arg.split("=", 1) for arg in shlex.split(command) if "=" in arg)
    plugin_name = answers.get("plugin_name", "llm-markov")
    project = folder / plugin_name
    assert tomllib.loads((project / "pyproject.toml").read_text())["project"]["name"] == (
        plugin_name
    )
    module = plugin_name.replace("-", "_")
    # A module, or for the api kind a package
    assert (project / f"{module}.py").is_file() or (project / module / "__init__.py").is_file()


def test_readme_api_command_names_the_providers_url_and_model(tmp_path):
    [command] = [line for line in kind_commands() if "model_kind=api" in line]
    answers = dict(arg.split("=", 1) for arg in shlex.split(command) if "=" in arg)
    env = shell_environ(tmp_path / "home", TEST_VENV_BIN)
    folder = copy_template(tmp_path / "llm-plugin-template")
    bash(command, folder, env)
    package = answers["plugin_name"].replace("-", "_")
    module = folder / answers["plugin_name"] / package / "__init__.py"
    text = module.read_text()
    assert f'API_BASE = "{answers["api_base_url"]}"' in text
    assert f'DEFAULT_MODEL = "{answers["api_model"]}"' in text


def test_cruft_commands_work_as_printed(tmp_path):
    env = shell_environ(tmp_path / "home", TEST_VENV_BIN)
    git_repository(copy_template(tmp_path / "path" / "to" / "llm-plugin-template"))
    create = block(TEMPLATE_README, "cruft create")
    # Without --no-input cruft asks each question of the kind: Enter takes each default.
    bash(create, tmp_path, env, input="\n" * 30)
    project = tmp_path / "llm-markov"
    assert json.loads((project / ".cruft.json").read_text())["context"]["cookiecutter"]
    for line in commands(block(TEMPLATE_README, "cruft update")):
        result = bash(line, project, env)
        if line.startswith("cruft diff"):
            assert result.stdout == ""  # nothing changed yet: an empty patch
    assert bash("git status --porcelain", project, env).stdout == ""


def test_cruft_link_works_as_printed(tmp_path):
    env = shell_environ(tmp_path / "home", TEST_VENV_BIN)
    bash(f"cookiecutter --no-input {shlex.quote(str(TEMPLATE))}", tmp_path, env)
    project = tmp_path / "llm-markov"
    # "in the plugin's folder": the template's path is relative to it.
    git_repository(copy_template(project / "path" / "to" / "llm-plugin-template"))
    [link] = re.findall(r"`(cruft link [^`]+)`", TEMPLATE_README)
    bash(link, project, env, input="\n" * 30)
    assert bash("cruft check", project, env).returncode == 0


def test_the_template_suite_command_is_what_ci_runs():
    lines = (TEMPLATE / ".ci" / "run").read_text().splitlines()
    preamble = ("#", "set ", "cd ")
    [ci] = [line for line in lines if line.strip() and not line.startswith(preamble)]
    assert commands(block(TEMPLATE_README, "requirements-dev.txt")) == [ci]
