"""The template follows cookiecutter's conventions.

Prompts read as questions, choices and yes/no answers are real JSON types, `--replay`
renders the same project again, and no local path ends up in a rendered project.
The README's account of the prompts: test_readme_contents.py.
"""

import json
import re
from pathlib import Path

import pytest

from helpers import (
    COOKIECUTTER,
    COOKIECUTTER_JSON,
    PROMPTED,
    TEMPLATE,
    cookiecutter_environ,
    render,
    run,
    tree,
)

CONFIG = COOKIECUTTER_JSON
PROMPTS = CONFIG["__prompts__"]
QUESTION = re.compile(r"^[A-Z].*[?:]( \(.+\))?$")
YES_NO_STRINGS = {"y", "n", "yes", "no", "true", "false", "on", "off"}


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
    env = cookiecutter_environ(tmp_path / "home")
    answers = ["plugin_name=llm-chain", "async_markov=yes", "github_username="]
    first, second = tmp_path / "first", tmp_path / "second"
    run(COOKIECUTTER, "--no-input", TEMPLATE, "-o", first, *answers, cwd=TEMPLATE, env=env)
    run(COOKIECUTTER, "--replay", TEMPLATE, "-o", second, cwd=TEMPLATE, env=env)

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
