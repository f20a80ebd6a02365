"""A bad answer stops the render: one clear line, no traceback, nothing left behind.

Every case runs the real `cookiecutter` command, as a user would.
"""

import ast
import json
import re
import subprocess
import sys
import tomllib

import pytest
from cookiecutter.generate import generate_context
from cookiecutter.prompt import prompt_for_config

from helpers import TEMPLATE, clean_environ, render

PROMPTED_FIELDS = [
    key for key in json.loads((TEMPLATE / "cookiecutter.json").read_text()) if key[0] != "_"
]


def run_cookiecutter(output_dir, *args, answers=None, replay_file=None, cwd=None):
    """The cookiecutter command: --no-input with key=value args, typed answers or a replay."""
    if answers is not None:
        options = []
    elif replay_file is not None:
        options = ["--replay-file", str(replay_file)]
    else:
        options = ["--no-input"]
    return subprocess.run(
        [sys.executable, "-m", "cookiecutter", *options, str(TEMPLATE), *args, "-o", output_dir],
        input="".join(answer + "\n" for answer in answers or []),
        check=False,
        capture_output=True,
        text=True,
        env=clean_environ(),
        cwd=cwd,
        timeout=120,
    )


def typed(**answers):
    """What a user types at the prompts: these answers, Enter for the others."""
    return [answers.get(field, "") for field in PROMPTED_FIELDS]


def everything_under(path):
    return sorted(str(item.relative_to(path)) for item in path.rglob("*")) if path.exists() else []


def assert_refused(result, field, value, accepted):
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Traceback" not in output
    # One line: split only at newlines, as a terminal does.
    [line] = result.stderr.rstrip("\n").split("\n")
    start = f"Error: {field} "
    assert line.startswith(start)
    # The value is shown exactly, as a JSON string with invisible characters escaped.
    shown, end = json.JSONDecoder().raw_decode(line, len(start))
    assert shown == value
    assert line[len(start) : end].isprintable()
    assert accepted in line[end:]


BAD_ANSWERS = [
    # The decision: a name with spaces is refused, with the PyPI-style name to use instead.
    ("plugin_name", "My Plugin", "(for example 'my-plugin')"),
    ("plugin_name", "3d class!", "(for example '3d-class')"),
    ("plugin_name", "-llm-markov", "starting and ending with a letter or digit"),
    ("plugin_name", "llm-", "(for example 'llm')"),
    ("plugin_name", "llm-märkov", "use letters, digits, '-', '_' and '.'"),
    ("plugin_name", "llm markov\n", "(for example 'llm-markov')"),
    ("module_name", "class", "use ASCII letters, digits and '_'"),
    ("module_name", "3d", "not starting with a digit"),
    ("module_name", "llm-markov", "use ASCII letters, digits and '_'"),
    ("module_name", "märkov", "use ASCII letters, digits and '_'"),
    ("module_name", "json", "(for example 'llm_json')"),
    ("module_name", "llm", "(for example 'llm_llm')"),
    ("module_name", "pydantic", "would hide a module the plugin needs"),
    ("model_id", "my model", "(for example 'my-model')"),
    ("model_id", "-markov", "starting and ending with a letter or digit"),
    ("model_id", "mark=ov", "use letters, digits and . _ : / @ + -"),
    ("model_id", "#markov", "use letters, digits and . _ : / @ + -"),
    ("model_id", "mar`kov`", "use letters, digits and . _ : / @ + -"),
    ("class_name", "3D", "starting with a capital letter"),
    ("class_name", "markov", "starting with a capital letter"),
    ("class_name", "My Model", "(for example 'MyModel')"),
    ("class_name", "My_Model", "CapWords"),
    ("class_name", "None", "would hide a name the plugin uses"),
    ("class_name", "Exception", "would hide a name the plugin uses"),
    ("class_name", "Options", "would hide a name the plugin uses"),
    ("description", "One line\nand another", "must be a single line"),
    ("description", "One line\x85and another", "must be a single line"),
    ("description", "One line\u2028and another", "must be a single line"),
    ("description", "A bell\x07", "control characters"),
    ("description", " leading space", "must not start or end with whitespace"),
    ("description", "trailing tab\t", "must not start or end with whitespace"),
    ("description", "x" * 513, "512-character summary limit"),
    ("author_name", "Willison, Simon", "must not contain a comma"),
    ("author_name", "Simon\nWillison", "must be a single line"),
    ("author_email", "simon", "use name@example.com, or leave it empty"),
    ("author_email", "simon@", "use name@example.com"),
    ("author_email", "simon@example", "use name@example.com"),
    ("author_email", "simon@exa mple.com", "use name@example.com"),
    ("author_email", "Simon <simon@example.com>", "use name@example.com"),
    ("author_email", "zoë@example.com", "ASCII e-mail address"),
    ("author_email", "simon@example.com\nBcc: x@example.com", "use name@example.com"),
    ("github_username", "-simonw", "letters, digits and single hyphens"),
    ("github_username", "simon--w", "letters, digits and single hyphens"),
    ("github_username", "simon_w", "letters, digits and single hyphens"),
    ("github_username", "simon w", "letters, digits and single hyphens"),
    ("github_username", "s" * 40, "at most 39 characters"),
    ("version", "one", "(for example '0.1', '1.0.0' or '2.0rc1')"),
    ("version", "1.0 beta", "PEP 440"),
    ("version", "v1.0", "in its normal form"),
    ("version", "1.0-1", "in its normal form"),
    ("version", "01.0", "in its normal form"),
    ("version", "1.0a", "in its normal form"),
]


@pytest.mark.parametrize("field, value, accepted", BAD_ANSWERS)
def test_a_bad_answer_on_the_command_line_is_refused(tmp_path, field, value, accepted):
    out = tmp_path / "out"
    out.mkdir()
    result = run_cookiecutter(out, f"{field}={value}", cwd=tmp_path)
    assert_refused(result, field, value, accepted)
    assert everything_under(tmp_path) == ["out"]


@pytest.mark.parametrize(
    "field, value, accepted",
    [
        ("plugin_name", "My Plugin", "(for example 'my-plugin')"),
        ("description", "Uses {{ 7*7 }} braces", "must not contain '{{', '{%' or '{#'"),
        ("description", "Uses {% if %} tags", "must not contain '{{', '{%' or '{#'"),
        ("author_name", "{# Simon #}", "must not contain '{{', '{%' or '{#'"),
        ("version", "v1", "in its normal form"),
    ],
)
def test_a_bad_typed_answer_is_refused(tmp_path, field, value, accepted):
    result = run_cookiecutter(tmp_path, answers=typed(**{field: value}))
    assert_refused(result, field, value, accepted)
    assert everything_under(tmp_path) == []


def test_an_empty_plugin_name_is_refused(tmp_path):
    # An empty name makes the output folder itself the project folder, so
    # cookiecutter only runs the hook if it creates that folder, and removes it after.
    out = tmp_path / "new-folder"
    result = run_cookiecutter(out, "plugin_name=")
    assert_refused(result, "plugin_name", "", "(for example 'llm-my-plugin')")
    assert everything_under(tmp_path) == []


def test_an_empty_plugin_name_into_an_existing_folder_writes_nothing(tmp_path):
    # Cookiecutter refuses this itself, before the hook runs.
    result = run_cookiecutter(tmp_path, "plugin_name=")
    assert result.returncode != 0
    assert "directory already exists" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert everything_under(tmp_path) == []


@pytest.mark.parametrize(
    "name, empty_folders_left",
    [
        ("llm-a/llm-b", ["llm-a"]),
        ("llm-a/../../llm-b", ["llm-a"]),
        ("../llm-evil", []),
        ("{tmp_path}/llm-evil", []),
        ("..", []),
    ],
)
def test_a_plugin_name_with_a_path_in_it_is_refused(tmp_path, name, empty_folders_left):
    # Cookiecutter creates the project folder, and any folders above it, before
    # the hook runs; on failure it removes only the project folder itself.
    # So nothing is written, but the folders above it are left behind, empty.
    name = name.format(tmp_path=tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    result = run_cookiecutter(out, f"plugin_name={name}", cwd=tmp_path)
    if name == "..":
        # The parent folder exists, so cookiecutter refuses it before the hook runs.
        assert result.returncode != 0
        assert "directory already exists" in result.stdout
    else:
        assert_refused(result, "plugin_name", name, "is not a valid PyPI project name")
    assert everything_under(out) == empty_folders_left
    assert all(path.is_dir() for path in out.rglob("*"))
    assert everything_under(tmp_path) == ["out"] + [f"out/{path}" for path in empty_folders_left]


def default_answers(monkeypatch):
    """The answers cookiecutter --no-input would use, as cookiecutter works them out."""
    monkeypatch.syspath_prepend(TEMPLATE)  # where cookiecutter finds local_extensions
    context = generate_context(context_file=TEMPLATE / "cookiecutter.json")
    return prompt_for_config(context, no_input=True)


@pytest.mark.parametrize(
    "field, value, accepted",
    [
        ("model_kind", "chat", "choose one of markov, api, embedding"),
        ("async_markov", "maybe", "must be a yes/no answer"),
        ("description", 42, "must be text"),
    ],
)
def test_a_bad_answer_in_a_replay_file_is_refused(tmp_path, monkeypatch, field, value, accepted):
    replay = tmp_path / "replay.json"
    answers = {**default_answers(monkeypatch), field: value}
    replay.write_text(json.dumps({"cookiecutter": answers}))
    out = tmp_path / "out"
    out.mkdir()
    result = run_cookiecutter(out, replay_file=replay)
    assert_refused(result, field, value, accepted)
    assert everything_under(out) == []


@pytest.mark.parametrize(
    "field, value, message",
    [
        (
            "model_kind",
            "chat",
            (
                "chat provided for choice variable model_kind, but the choices are"
                " ['markov', 'api', 'embedding']."
            ),
        ),
        (
            "async_markov",
            "maybe",
            "maybe provided for variable async_markov could not be converted to a boolean.",
        ),
    ],
)
def test_a_choice_outside_the_choices_is_refused_by_cookiecutter(tmp_path, field, value, message):
    # Cookiecutter checks choices and yes/no answers itself, before it loads any
    # of the template's code, and shows its own traceback: the message is its last line.
    out = tmp_path / "out"
    out.mkdir()
    result = run_cookiecutter(out, f"{field}={value}")
    assert result.returncode != 0
    assert result.stderr.splitlines()[-1] == f"ValueError: {message}"
    assert everything_under(out) == []


CODE_IN_ANSWERS = [
    "'''); import os; os.system('touch PWNED') #",
    '"""); import os; os.system("touch PWNED") #',
    "\\'); __import__('os').system('touch PWNED') #",
    "\"]}; import os; os.system('touch PWNED') #",
]


@pytest.mark.parametrize("value", CODE_IN_ANSWERS)
@pytest.mark.parametrize("field", ["description", "author_name"])
def test_python_in_an_answer_is_only_text(tmp_path, field, value):
    value = value.replace(";", "").replace(",", "") if field == "author_name" else value
    result = run_cookiecutter(tmp_path / "out", f"{field}={value}", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not list(tmp_path.rglob("PWNED"))
    project = tomllib.loads((tmp_path / "out/llm-markov/pyproject.toml").read_text())["project"]
    assert {"description": project["description"], "author_name": project["authors"][0]["name"]}[
        field
    ] == value


JINJA_THAT_RUNS_CODE = "{{ cycler.__init__.__globals__.os.system('touch PWNED') }}"


@pytest.mark.parametrize("field", ["description", "author_name"])
def test_a_typed_template_is_refused_and_never_run(tmp_path, field):
    # Typed answers are stored (in .cruft.json and replay files) and cruft feeds them
    # back to cookiecutter as templates on every update: so Jinja is refused up front.
    result = run_cookiecutter(tmp_path, answers=typed(**{field: JINJA_THAT_RUNS_CODE}))
    assert_refused(result, field, JINJA_THAT_RUNS_CODE, "must not contain '{{', '{%' or '{#'")
    assert not list(tmp_path.rglob("PWNED"))
    assert everything_under(tmp_path) == []


def test_command_line_values_are_templates_to_cookiecutter(tmp_path):
    # Cookiecutter renders key=value arguments like its own defaults: {{ 7*7 }}
    # arrives as 49. Wrapped in {% raw %}, the braces reach the hook and are refused.
    rendered = run_cookiecutter(tmp_path / "a", "description=Adds {{ 7*7 }} words")
    assert rendered.returncode == 0, rendered.stdout + rendered.stderr
    project = tomllib.loads((tmp_path / "a/llm-markov/pyproject.toml").read_text())["project"]
    assert project["description"] == "Adds 49 words"

    raw = run_cookiecutter(tmp_path / "b", "description={% raw %}Adds {{ 7*7 }}{% endraw %}")
    assert_refused(raw, "description", "Adds {{ 7*7 }}", "must not contain '{{', '{%' or '{#'")


def taken_class_names():
    """TAKEN_CLASS_NAMES, read from the hook's source (Jinja only fills in a string there)."""
    hook = ast.parse((TEMPLATE / "hooks" / "pre_gen_project.py").read_text())
    [value] = [
        node.value
        for node in hook.body
        if isinstance(node, ast.Assign) and node.targets[0].id == "TAKEN_CLASS_NAMES"
    ]
    return ast.literal_eval(value)


def top_level_names(module):
    """Every name a module defines or imports at its top level."""
    for node in ast.parse(module.read_text()).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield from (alias.asname or alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node.name
        elif isinstance(node, ast.Assign):
            yield from (target.id for target in node.targets if isinstance(target, ast.Name))


@pytest.mark.parametrize(
    "answers",
    [
        {"async_markov": True},
        {"model_kind": "api"},
        {"model_kind": "embedding"},
    ],
)
def test_an_accepted_class_name_cannot_hide_a_name_the_module_uses(tmp_path, answers):
    # The hook accepts CapWords names without '_' that are not in TAKEN_CLASS_NAMES.
    project = render(tmp_path, plugin_name="llm-zebra", class_name="Zebra", **answers)
    names = set(top_level_names(project / "llm_zebra.py")) - {"Zebra", "AsyncZebra"}
    capwords = {name for name in names if re.fullmatch(r"[A-Z][A-Za-z0-9]*", name)}
    assert capwords <= taken_class_names()
