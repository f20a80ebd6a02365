"""The template follows cookiecutter's conventions, and its README tells the truth.

Prompts read as questions, choices and yes/no answers are real JSON types, `--replay`
renders the same project again, no local path ends up in a rendered project, and the
README's prompt table and tree match what the template does (its commands are run by
test_readme_commands.py).
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import TEMPLATE, clean_environ, render, write_cookiecutter_config

COOKIECUTTER = str(Path(sys.executable).parent / "cookiecutter")
CONFIG = json.loads((TEMPLATE / "cookiecutter.json").read_text())
PROMPTS = CONFIG["__prompts__"]
# Keys starting with "_" are cookiecutter's own or rendered without a question.
PROMPTED = [key for key in CONFIG if not key.startswith("_")]
QUESTION = re.compile(r"^[A-Z].*[?:]( \(.+\))?$")
FENCED_BLOCK = re.compile(r"```(\w*)\n(.*?)```", re.DOTALL)
README = (TEMPLATE / "README.md").read_text()
YES_NO_STRINGS = {"y", "n", "yes", "no", "true", "false", "on", "off"}


def readme_blocks(language):
    return [body for lang, body in FENCED_BLOCK.findall(README) if lang == language]


def isolated_cookiecutter_env(home):
    """Cookiecutter with its own config, so replay files land in a folder the test owns."""
    return clean_environ(COOKIECUTTER_CONFIG=str(write_cookiecutter_config(home)))


def run(args, cwd, env):
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (
        f"{args} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    )
    return result


def tree(root):
    """Every file under root, by relative path, with its content."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def default_answers(tmp_path_factory):
    """The answers a default render records in cookiecutter's replay file."""
    home = tmp_path_factory.mktemp("answers-home")
    env = isolated_cookiecutter_env(home)
    run([COOKIECUTTER, "--no-input", str(TEMPLATE), "-o", str(home / "out")], TEMPLATE, env)
    [replay] = (home / "replay").glob("*.json")
    return json.loads(replay.read_text())["cookiecutter"]


# Prompts and JSON types


@pytest.mark.parametrize("key", PROMPTED)
def test_every_prompt_reads_as_a_question(key):
    prompt = PROMPTS[key]
    question = prompt["__prompt__"] if isinstance(prompt, dict) else prompt
    assert QUESTION.match(question), question


def test_prompts_name_only_real_keys():
    assert set(PROMPTS) <= set(PROMPTED)


def test_choices_are_json_lists_with_a_label_for_each_choice():
    choices = {key: value for key, value in CONFIG.items() if isinstance(value, list)}
    assert "model_kind" in choices
    assert choices["model_kind"][0] == "markov", "the default render is the tutorial's plugin"
    for key, values in choices.items():
        if key.startswith("_"):
            continue
        assert all(isinstance(value, str) for value in values)
        assert set(PROMPTS[key]) - {"__prompt__"} == set(values)


def test_yes_no_answers_are_json_booleans():
    assert CONFIG["async_markov"] is False
    for key in PROMPTED:
        value = CONFIG[key]
        assert not (isinstance(value, str) and value.lower() in YES_NO_STRINGS), key


# --replay and local paths


def test_replay_renders_the_same_project(tmp_path):
    env = isolated_cookiecutter_env(tmp_path / "home")
    answers = ["plugin_name=llm-chain", "async_markov=yes", "github_username="]
    first, second = tmp_path / "first", tmp_path / "second"
    run([COOKIECUTTER, "--no-input", str(TEMPLATE), "-o", str(first), *answers], TEMPLATE, env)
    run([COOKIECUTTER, "--replay", str(TEMPLATE), "-o", str(second)], TEMPLATE, env)

    [replay] = (tmp_path / "home" / "replay").glob("*.json")
    recorded = json.loads(replay.read_text())["cookiecutter"]
    assert recorded["async_markov"] is True
    assert recorded["plugin_name"] == "llm-chain"
    assert tree(second) == tree(first)
    assert "llm-chain/llm_chain.py" in tree(second)


def test_rendered_files_hold_no_local_paths(tmp_path):
    output = tmp_path / "output"
    project = render(output)
    local_paths = [str(output), str(TEMPLATE), str(Path.home())]
    for name, content in tree(project).items():
        text = content.decode(errors="replace")
        assert not any(path in text for path in local_paths), name
        assert "_output_dir" not in text and "_repo_dir" not in text, name


# The template's README


def test_readme_prompt_table_gives_every_prompt_with_its_default(default_answers):
    rows = {
        match.group(1): match.group(0)
        for match in re.finditer(r"^\| `(\w+)` \|.*$", README, re.MULTILINE)
    }
    assert set(rows) == set(PROMPTED)
    for key in PROMPTED:
        value = default_answers[key]
        shown = (
            "(empty)"
            if value == ""
            else f"`{json.dumps(value) if isinstance(value, bool) else value}`"
        )
        assert rows[key].split("|")[2].strip() == shown, rows[key]


def tree_block_paths(block):
    """The file paths a `tree`-style drawing lists, relative to its top folder."""
    folders, paths = [], set()
    for line in block.strip().splitlines()[1:]:
        name = line.lstrip("│├└─ ")
        depth = (len(line) - len(name)) // 4 - 1
        folders[depth:] = [name.rstrip("/")]
        if not name.endswith("/"):
            paths.add("/".join(folders))
    return paths


def test_readme_tree_is_the_default_instance(tmp_path):
    [block] = [block for block in readme_blocks("text") if block.startswith("llm-markov/")]
    assert tree_block_paths(block) == set(tree(render(tmp_path)))


# The rendered project


def test_changelog_starts_at_the_first_version(tmp_path):
    project = render(tmp_path, version="1.0.0a1", description="Adds *emphatic* <models>")
    changelog = (project / "CHANGELOG.md").read_text()
    assert changelog.startswith("# Changelog\n")
    assert "\n## 1.0.0a1\n" in changelog
    assert r"- First release: Adds \*emphatic\* \<models>" in changelog


def badges(project):
    return re.findall(
        r"^\[!\[(\w+)\]\((\S+)\)\]\((\S+)\)$", (project / "README.md").read_text(), re.MULTILINE
    )


def test_readme_badges_point_at_the_github_owner(tmp_path):
    project = render(tmp_path, plugin_name="llm-chain", github_username="octo-org")
    found = {name: (image, link) for name, image, link in badges(project)}
    assert set(found) == {"PyPI", "Tests", "License"}
    assert found["PyPI"][1] == "https://pypi.org/project/llm-chain/"
    repo = "https://github.com/octo-org/llm-chain"
    assert found["Tests"] == (
        f"{repo}/actions/workflows/test.yml/badge.svg",
        f"{repo}/actions/workflows/test.yml",
    )
    assert (project / ".github" / "workflows" / "test.yml").is_file()
    assert found["License"][1] == f"{repo}/blob/main/LICENSE"
    readme = (project / "README.md").read_text()
    assert readme.startswith("# llm-chain\n\n[![PyPI]")


def test_readme_has_no_badges_without_a_github_owner(tmp_path):
    project = render(tmp_path, github_username="")
    assert badges(project) == []
    assert "github.com" not in (project / "README.md").read_text()
