"""The template follows cookiecutter's conventions.

Prompts read as questions, each kind is asked only the questions it needs, choices and
yes/no answers are real JSON types, `--replay` renders the same project again, and no
local path ends up in a rendered project. The README's account of the prompts:
test_readme_contents.py.
"""

import json
import re
from pathlib import Path

import pytest

from helpers import (
    COOKIECUTTER,
    COOKIECUTTER_JSON,
    CRUFT,
    MODEL_KINDS,
    PROMPTED,
    TEMPLATE,
    cookiecutter_environ,
    copy_template,
    default_answers,
    git_repository,
    questions_asked,
    render,
    run,
    tree,
    type_in_terminal,
)

CONFIG = COOKIECUTTER_JSON
PROMPTS = CONFIG["__prompts__"]
EXTENSIONS = CONFIG["_extensions"]
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


# The questions each kind is asked

COMMON = [
    "plugin_name", "model_kind", "module_name", "model_id", "class_name", "description",
    "author_name", "author_email", "github_username", "version",
]  # fmt: skip
ASKED = {
    "markov": [*COMMON, "async_markov"],
    "api": [*COMMON, "api_base_url", "api_model"],
    "embedding": COMMON,
}


def ask(tmp_path, *args, typed, command=(COOKIECUTTER, TEMPLATE)):
    """An interactive render into tmp_path/out: these lines typed, one per question asked.

    Cookiecutter's config, and so its replay file, is in tmp_path/home.
    """
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    result = run(
        *command, *args,
        cwd=out, env=cookiecutter_environ(tmp_path / "home"),
        input="".join(line + "\n" for line in typed), check=False, timeout=120,
    )  # fmt: skip
    return result, out


def kind_number(kind):
    """What to type at the model_kind question for this kind: its number in the list."""
    return str(MODEL_KINDS.index(kind) + 1)


@pytest.mark.parametrize("kind", MODEL_KINDS)
def test_each_kind_is_asked_only_its_own_questions(tmp_path, kind):
    # Enter for every question but the kind's: a question more would meet the end of the
    # input, and cookiecutter would stop with "Aborted!".
    typed = ["", kind_number(kind)] + [""] * (len(ASKED[kind]) - 2)
    result, out = ask(tmp_path, typed=typed)
    assert result.returncode == 0, result.stdout + result.stderr
    asked = questions_asked(result.stdout)
    assert [key for key, _ in asked] == ASKED[kind]
    # Counted out of the questions asked, once the kind is chosen.
    longest = max(map(len, ASKED.values()))
    total = len(ASKED[kind])
    numbers = [f"1/{longest}", f"2/{longest}"] + [f"{n}/{total}" for n in range(3, total + 1)]
    assert [number for _, number in asked] == numbers
    [project] = out.iterdir()
    assert (project / "pyproject.toml").is_file()


def replayed(tmp_path):
    """The answers cookiecutter saved in its replay file."""
    [replay] = (tmp_path / "home" / "replay").glob("*.json")
    return json.loads(replay.read_text())["cookiecutter"]


def test_the_api_kind_is_asked_its_base_url_and_model_name(tmp_path):
    answers = {
        "plugin_name": "llm-moonshot",
        "model_kind": kind_number("api"),
        "api_base_url": "http://127.0.0.1:8080/v1",
        "api_model": "kimi-k2",
    }
    result, out = ask(tmp_path, typed=[answers.get(key, "") for key in ASKED["api"]])
    assert result.returncode == 0, result.stdout + result.stderr
    module = (out / "llm-moonshot" / "llm_moonshot" / "__init__.py").read_text()
    assert 'API_BASE = "http://127.0.0.1:8080/v1"' in module
    assert 'DEFAULT_MODEL = "kimi-k2"' in module
    assert replayed(tmp_path)["async_markov"] is False


def test_in_a_terminal_the_api_kind_is_asked_its_questions_as_they_come(tmp_path):
    # Each line is typed once its question waits: a question more would wait for ever.
    answers = {
        "plugin_name": "llm-moonshot",
        "model_kind": kind_number("api"),
        "api_base_url": "https://api.moonshot.ai/v1",
        "api_model": "kimi-k2",
    }
    lines = [answers.get(key, "") for key in ASKED["api"]]
    command = [COOKIECUTTER, TEMPLATE]
    status, output = type_in_terminal(command, lines, tmp_path, cookiecutter_environ(tmp_path))
    assert status == 0, output
    assert [key for key, _ in questions_asked(output)] == ASKED["api"]
    module = (tmp_path / "llm-moonshot" / "llm_moonshot" / "__init__.py").read_text()
    assert 'API_BASE = "https://api.moonshot.ai/v1"' in module
    assert 'DEFAULT_MODEL = "kimi-k2"' in module


def test_a_question_not_asked_keeps_its_value_given_as_key_value(tmp_path):
    # key=value sets a question's default: asked, Enter keeps it; not asked, it is kept too.
    typed = ["", kind_number("markov")] + [""] * (len(ASKED["markov"]) - 2)
    args = ["api_model=kimi-k2", "async_markov=yes"]
    result, out = ask(tmp_path, *args, typed=typed)
    assert result.returncode == 0, result.stdout + result.stderr
    answers = replayed(tmp_path)
    assert (answers["api_model"], answers["async_markov"]) == ("kimi-k2", True)
    assert "class AsyncMarkov" in (out / "llm-markov" / "llm_markov.py").read_text()


def test_without_input_the_api_kind_takes_them_as_key_value(tmp_path):
    project = render(
        tmp_path,
        model_kind="api",
        plugin_name="llm-moonshot",
        api_base_url="https://api.moonshot.ai/v1",
        api_model="kimi-k2-0905-preview",
    )
    module = (project / "llm_moonshot" / "__init__.py").read_text()
    assert 'API_BASE = "https://api.moonshot.ai/v1"' in module
    assert 'DEFAULT_MODEL = "kimi-k2-0905-preview"' in module


def test_without_input_api_model_is_the_model_id(tmp_path):
    project = render(tmp_path, model_kind="api", plugin_name="llm-acme")
    assert 'DEFAULT_MODEL = "acme"' in (project / "llm_acme" / "__init__.py").read_text()


def test_cruft_create_asks_each_kind_only_its_own_questions(tmp_path):
    template = git_repository(copy_template(tmp_path / "template"))
    answers = {"plugin_name": "llm-moonshot", "model_kind": kind_number("api"),
               "api_base_url": "https://api.moonshot.ai/v1", "api_model": "kimi-k2"}  # fmt: skip
    typed = [answers.get(key, "") for key in ASKED["api"]]
    result, out = ask(tmp_path, typed=typed, command=(CRUFT, "create", template))
    assert result.returncode == 0, result.stdout + result.stderr
    assert [key for key, _ in questions_asked(result.stdout)] == ASKED["api"]
    state = json.loads((out / "llm-moonshot" / ".cruft.json").read_text())
    recorded = state["context"]["cookiecutter"]
    assert (recorded["api_base_url"], recorded["api_model"]) == (
        "https://api.moonshot.ai/v1",
        "kimi-k2",
    )


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


def test_replay_of_an_interactive_api_render_renders_the_same_project(tmp_path):
    answers = {
        "plugin_name": "llm-acme",
        "model_kind": kind_number("api"),
        "api_base_url": "http://localhost:11434/v1",
    }
    result, out = ask(tmp_path, typed=[answers.get(key, "") for key in ASKED["api"]])
    assert result.returncode == 0, result.stdout + result.stderr
    env = cookiecutter_environ(tmp_path / "home")
    again = tmp_path / "again"
    run(COOKIECUTTER, "--replay", TEMPLATE, "-o", again, cwd=TEMPLATE, env=env)
    assert tree(again) == tree(out)
    module = (again / "llm-acme" / "llm_acme" / "__init__.py").read_text()
    assert 'API_BASE = "http://localhost:11434/v1"' in module


def test_a_replay_file_from_before_the_api_questions_asks_only_those(tmp_path):
    # Cookiecutter asks what a replay file lacks, without the file's answers to derive a
    # default from: api_model offers a placeholder instead of failing to render.
    answers = dict(default_answers(model_kind="api", plugin_name="llm-acme"))
    del answers["api_base_url"], answers["api_model"]
    replay = tmp_path / "earlier.json"
    replay.write_text(json.dumps({"cookiecutter": {**answers, "_extensions": EXTENSIONS}}))
    out = tmp_path / "out"
    result = run(
        COOKIECUTTER, "--replay-file", replay, TEMPLATE, "-o", out,
        env=cookiecutter_environ(tmp_path / "home"), input="http://127.0.0.1:8080/v1\n\n",
    )  # fmt: skip
    assert [key for key, _ in questions_asked(result.stdout)] == ["api_base_url", "api_model"]
    module = (out / "llm-acme" / "llm_acme" / "__init__.py").read_text()
    assert 'API_BASE = "http://127.0.0.1:8080/v1"' in module
    assert 'DEFAULT_MODEL = "my-model"' in module


def test_rendered_files_hold_no_local_paths(tmp_path):
    output = tmp_path / "output"
    project = render(output)
    local_paths = [str(output), str(TEMPLATE), str(Path.home())]
    for name, content in tree(project).items():
        text = content.decode(errors="replace")
        assert not any(path in text for path in local_paths), name
        assert "_output_dir" not in text and "_repo_dir" not in text, name
