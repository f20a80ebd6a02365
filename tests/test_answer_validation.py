"""A bad answer stops the render: one clear line, no traceback, nothing left behind.

Every case runs the real `cookiecutter` (or `cruft create`) command, as a user would.
test_pre_gen_hook.py checks the hook's rules one answer at a time.
"""

import ast
import json
import re
import sys
from pathlib import Path

import pytest

from helpers import (
    CRUFT,
    MODEL_KINDS,
    PROMPTED,
    TEMPLATE,
    clean_environ,
    copy_template,
    default_answers,
    git_repository,
    hook_constant,
    questions_asked,
    render,
    run,
    tomllib,
    type_in_terminal,
    write_cookiecutter_config,
)


def run_cookiecutter(output_dir, *args, answers=None, replay_file=None, cwd=None, config=None):
    """The cookiecutter command: --no-input with key=value args, typed answers or a replay."""
    if answers is not None:
        options = []
    elif replay_file is not None:
        options = ["--replay-file", str(replay_file)]
    else:
        options = ["--no-input"]
    return run(
        sys.executable, "-m", "cookiecutter", *options, TEMPLATE, *args, "-o", output_dir,
        input="".join(answer + "\n" for answer in answers or []),
        env=clean_environ(**({"COOKIECUTTER_CONFIG": str(config)} if config else {})),
        cwd=cwd,
        check=False,
        timeout=120,
    )  # fmt: skip


def typed(**answers):
    """What a user types at the prompts of the default kind: these answers, Enter for the
    others (markov is not asked the api kind's questions)."""
    return [answers.get(field, "") for field in PROMPTED if not field.startswith("api_")]


def everything_under(path):
    return sorted(str(item.relative_to(path)) for item in path.rglob("*")) if path.exists() else []


def assert_refused(result, field, value, accepted):
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Traceback" not in output
    # Nothing on stdout but the questions asked (each ends with ": "): not cookiecutter's
    # "Stopping generation" nor its "Hook script failed".
    assert result.stdout == "" or result.stdout.endswith(": ")
    # One line: split only at newlines, as a terminal does.
    [line] = result.stderr.rstrip("\n").split("\n")
    start = f"Error: {field} "
    assert line.startswith(start)
    # The value is shown exactly, as a JSON string with invisible characters escaped.
    shown, end = json.JSONDecoder().raw_decode(line, len(start))
    assert shown == value
    assert line[len(start) : end].isprintable()
    assert accepted in line[end:]


# A few end-to-end: test_pre_gen_hook.py checks every rule, one answer at a time.
BAD_ANSWERS = [
    # The decision: a name with spaces is refused, with the PyPI-style name to use instead.
    ("plugin_name", "My Plugin", "(for example 'my-plugin')"),
    ("plugin_name", "llm-mar\u212aov", "(for example 'llm-markov')"),
    ("module_name", "pydantic", "would hide a module llm needs"),
    ("module_name", "odd_prompts", "is the name of a file or folder the project already has"),
    ("model_id", "gpt-4o-mini", "is already a model ID or alias of llm itself"),
    ("class_name", "My Model", "(for example 'MyModel')"),
    ("description", "One line\nand another", "must be a single line"),
    ("author_name", "Willison, Simon", "must not contain a comma"),
    ("author_email", "john..doe@example.com", "the package metadata accepts"),
    ("author_email", "simon@example.com\nBcc: x@example.com", "use name@example.com"),
    ("github_username", "\u212aelvin", "letters, digits and single hyphens"),
    ("version", "v1.0", "in its normal form"),
    ("api_base_url", "ftp://api.example.com/v1", "is not an http:// or https:// URL"),
    ("api_base_url", "https://key:secret@api.example.com/v1", "user name or password"),
    ("api_model", "kimi k2", "must not contain spaces"),
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


@pytest.mark.parametrize(
    "name, accepted",
    [
        ("Moonshot Plugin", "(for example 'moonshot-plugin')"),
        ("moonshot plugin", "(for example 'moonshot-plugin')"),
        ("llm-a/llm-b", "(for example 'llm-a-llm-b')"),
        ("-llm-x", "(for example 'llm-x')"),
        ("llm-" + "x" * 97, "use at most 100"),
    ],
)
def test_a_bad_typed_plugin_name_is_refused_before_the_next_question(tmp_path, name, accepted):
    # Only the name is typed: a second question would meet the end of the input, and
    # cookiecutter would stop with "Aborted!" instead of the hook's line.
    result = run_cookiecutter(tmp_path, answers=[name])
    assert_refused(result, "plugin_name", name, accepted)
    assert [key for key, _ in questions_asked(result.stdout)] == ["plugin_name"]
    assert everything_under(tmp_path) == []


def test_a_bad_plugin_name_typed_in_a_terminal_is_refused_before_the_next_question(tmp_path):
    command = [sys.executable, "-m", "cookiecutter", TEMPLATE]
    status, output = type_in_terminal(command, ["Moonshot Plugin"], tmp_path, clean_environ())
    assert status == 1
    assert "Traceback" not in output
    assert output.splitlines()[-1] == (
        'Error: plugin_name "Moonshot Plugin" is not a valid PyPI project name: use letters,'
        " digits, '-', '_' and '.', starting and ending with a letter or digit"
        " (for example 'moonshot-plugin')"
    )
    assert [key for key, _ in questions_asked(output)] == ["plugin_name"]
    assert everything_under(tmp_path) == []


def test_a_bad_typed_base_url_is_refused_in_one_line(tmp_path):
    # The api kind's questions: the name, the kind, eight more, the base URL and the model.
    url = "https://api.example.com/v1?key=secret"
    api = str(MODEL_KINDS.index("api") + 1)
    result = run_cookiecutter(tmp_path, answers=["llm-acme", api, *[""] * 8, url, ""])
    assert_refused(result, "api_base_url", url, "query or fragment")
    assert everything_under(tmp_path) == []


@pytest.mark.parametrize("how, name", [("key=value", ""), ("key=value", "  "), ("typed", "  ")])
def test_an_empty_or_blank_plugin_name_is_refused_by_the_template(tmp_path, how, name):
    # Cookiecutter would use the output folder itself ("." already exists), before the
    # hook runs: the filter deriving module_name from plugin_name refuses it first.
    # (Typing nothing at all is pressing Enter: the default name.)
    if how == "typed":
        result = run_cookiecutter(tmp_path, answers=typed(plugin_name=name))
        name = ""  # the prompt strips what is typed
    else:
        result = run_cookiecutter(tmp_path, f"plugin_name={name}")
    assert_refused(result, "plugin_name", name, "(for example 'llm-my-plugin')")
    assert everything_under(tmp_path) == []


@pytest.mark.parametrize(
    "name, suggestion",
    [
        ("llm-a/llm-b", "llm-a-llm-b"),
        ("llm-a/../../llm-b", "llm-a-llm-b"),
        ("../llm-evil", "llm-evil"),
        ("{tmp_path}/llm-evil", None),
        ("..", "llm-my-plugin"),
        (".", "llm-my-plugin"),
    ],
)
def test_a_plugin_name_with_a_path_in_it_leaves_nothing_behind(tmp_path, name, suggestion):
    # Cookiecutter creates the project folder, and any folders above it, before the
    # hook runs, and removes only the project folder: so the name is refused before.
    name = name.format(tmp_path=tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    result = run_cookiecutter(out, f"plugin_name={name}", cwd=tmp_path)
    assert_refused(result, "plugin_name", name, "is not a valid PyPI project name")
    if suggestion:
        assert result.stderr.rstrip().endswith(f"(for example '{suggestion}')")
    assert everything_under(tmp_path) == ["out"]


@pytest.mark.parametrize(
    "field, value, accepted",
    [
        ("model_kind", "chat", "choose one of markov, api, embedding"),
        ("async_markov", "maybe", "must be a yes/no answer"),
        ("description", 42, "must be text"),
        # Private answers are never asked, but a replay file holds them like any other.
        ("__api_key_name", 'acme"; import os #', "is not a name for llm keys set"),
        ("__api_env_prefix", "ACME\nX", "is not an environment variable prefix"),
        ("module_name", "odd_prompts", "is the name of a file or folder the project already has"),
    ],
)
def test_a_bad_answer_in_a_replay_file_is_refused(tmp_path, monkeypatch, field, value, accepted):
    replay = tmp_path / "replay.json"
    answers = {**default_answers(), field: value}
    replay.write_text(json.dumps({"cookiecutter": answers}))
    out = tmp_path / "out"
    out.mkdir()
    result = run_cookiecutter(out, replay_file=replay)
    assert_refused(result, field, value, accepted)
    assert everything_under(out) == []


def test_a_plugin_name_too_long_for_a_folder_is_refused_before_any(tmp_path):
    name = "llm-" + "a" * 300
    result = run_cookiecutter(tmp_path, f"plugin_name={name}")
    assert_refused(result, "plugin_name", name, "use at most 100")
    assert everything_under(tmp_path) == []


def test_a_second_render_into_the_same_folder_is_refused(tmp_path):
    first = run_cookiecutter(tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    before = everything_under(tmp_path)
    again = run_cookiecutter(tmp_path)
    folder = tmp_path / "llm-markov"
    assert_refused(again, "plugin_name", "llm-markov", f"is already a folder, {folder}:")
    assert everything_under(tmp_path) == before
    # Asked for, cookiecutter overwrites it.
    overwrite = run_cookiecutter(tmp_path, "--overwrite-if-exists")
    assert overwrite.returncode == 0, overwrite.stdout + overwrite.stderr


def test_a_path_written_into_a_replay_file_leaves_only_an_empty_folder(tmp_path, monkeypatch):
    # The limit the README gives: a replay file is rendered without asking, so nothing of the
    # template runs before cookiecutter makes llm-a/llm-b. The hook refuses it in one line and
    # cookiecutter removes llm-b; only llm-a stays, empty: cookiecutter alone could avoid it.
    replay = tmp_path / "replay.json"
    answers = {**default_answers(), "plugin_name": "llm-a/llm-b"}
    replay.write_text(json.dumps({"cookiecutter": answers}))
    out = tmp_path / "out"
    out.mkdir()
    result = run_cookiecutter(out, replay_file=replay)
    assert_refused(result, "plugin_name", "llm-a/llm-b", "(for example 'llm-a-llm-b')")
    assert everything_under(out) == ["llm-a"]
    assert (out / "llm-a").is_dir()


def test_a_refused_answer_is_fixed_in_the_replay_file_without_retyping(tmp_path):
    # The README's way back: cookiecutter saved every answer in its replay file before
    # the hook ran; correct the refused one there and render from the file.
    config = write_cookiecutter_config(tmp_path / "home")
    answers = typed(
        plugin_name="llm-zebra",
        description="Stripes, typed once",
        author_name="Zoë Zebra",
        author_email="zoe..zebra@example.com",
        version="0.3",
    )
    refused = run_cookiecutter(tmp_path, answers=answers, config=config)
    assert_refused(refused, "author_email", "zoe..zebra@example.com", "name@example.com")
    replay_file = Path("home", "replay", f"{TEMPLATE.name}.json")
    assert everything_under(tmp_path) == [
        "home",
        "home/config.yaml",
        "home/replay",
        str(replay_file),
    ]

    replay_file = tmp_path / replay_file
    replay = json.loads(replay_file.read_text())
    replay["cookiecutter"]["author_email"] = "zoe.zebra@example.com"
    replay_file.write_text(json.dumps(replay))
    out = tmp_path / "out"
    rendered = run_cookiecutter(out, replay_file=replay_file, config=config)
    assert rendered.returncode == 0, rendered.stdout + rendered.stderr
    project = tomllib.loads((out / "llm-zebra" / "pyproject.toml").read_text())["project"]
    assert project["description"] == "Stripes, typed once"
    assert project["authors"] == [{"name": "Zoë Zebra", "email": "zoe.zebra@example.com"}]
    assert project["version"] == "0.3"


def config_with_defaults(home, **defaults):
    """A cookiecutter user config whose default_context holds these answers, in order."""
    config = write_cookiecutter_config(home)
    lines = [f"  {field}: {json.dumps(value)}" for field, value in defaults.items()]
    config.write_text(config.read_text() + "default_context:\n" + "\n".join(lines) + "\n")
    return config


@pytest.mark.parametrize(
    "field, value",
    [("async_markov", "maybe"), ("model_kind", "chat")],
)
def test_a_default_cookiecutter_cannot_apply_is_refused(tmp_path, field, value):
    # Cookiecutter only warns about it and then skips it and every default after it:
    # here the author's own name would silently become the tutorial's.
    config = config_with_defaults(tmp_path / "home", **{field: value}, author_name="Zoë")
    out = tmp_path / "out"
    out.mkdir()
    result = run_cookiecutter(out, config=config)
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    # Cookiecutter's warning comes first (two lines); the last line is the template's.
    last = result.stderr.rstrip("\n").split("\n")[-1]
    assert last.startswith(f'Error: {field} "{value}" in the default_context of your cookiecutter')
    assert last.endswith("fix it there, as cookiecutter would skip it and every default after it")
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
    module = project / "llm_zebra.py"
    if not module.exists():
        module = project / "llm_zebra" / "__init__.py"  # the api kind's package
    names = set(top_level_names(module)) - {"Zebra", "AsyncZebra"}
    capwords = {name for name in names if re.fullmatch(r"[A-Z][A-Za-z0-9]*", name)}
    assert capwords <= hook_constant("TAKEN_CLASS_NAMES")


@pytest.fixture(scope="module")
def template_repository(tmp_path_factory):
    """A git repository holding this template's files, for cruft to clone."""
    return git_repository(copy_template(tmp_path_factory.mktemp("cruft-template") / "template"))


def run_cruft_create(template, output_dir, answers, config=None):
    return run(
        CRUFT, "create", "--no-input", template, "--extra-context", json.dumps(answers),
        cwd=output_dir,
        env=clean_environ(**({"COOKIECUTTER_CONFIG": str(config)} if config else {})),
        check=False,
        timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize(
    "field, value, accepted",
    [
        ("author_email", "john..doe@example.com", "use name@example.com"),
        ("module_name", "condense_json", "would hide a module llm needs"),
        ("plugin_name", "llm-a/llm-b", "(for example 'llm-a-llm-b')"),
        ("plugin_name", "", "(for example 'llm-my-plugin')"),
        ("plugin_name", "a" * 256, "use at most 100"),
        ("plugin_name", "Moonshot Plugin", "(for example 'moonshot-plugin')"),
    ],
)
def test_cruft_create_refuses_in_one_line(tmp_path, template_repository, field, value, accepted):
    # Without the template's help cruft adds a traceback of about 95 lines to the hook's line.
    result = run_cruft_create(template_repository, tmp_path, {field: value})
    assert_refused(result, field, value, accepted)
    assert result.stdout == ""
    assert everything_under(tmp_path) == []


def test_cruft_create_refuses_a_bad_typed_plugin_name_before_the_next_question(
    tmp_path, template_repository
):
    result = run(
        CRUFT, "create", template_repository,
        cwd=tmp_path, env=clean_environ(), input="Moonshot Plugin\n", check=False, timeout=120,
    )  # fmt: skip
    assert_refused(result, "plugin_name", "Moonshot Plugin", "(for example 'moonshot-plugin')")
    assert [key for key, _ in questions_asked(result.stdout)] == ["plugin_name"]
    assert everything_under(tmp_path) == []


def test_cruft_create_refuses_a_default_it_cannot_apply(tmp_path, template_repository):
    config = config_with_defaults(tmp_path / "home", async_markov="maybe")
    out = tmp_path / "out"
    out.mkdir()
    result = run_cruft_create(template_repository, out, {}, config=config)
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    last = result.stderr.rstrip("\n").split("\n")[-1]
    assert last.startswith('Error: async_markov "maybe" in the default_context')
    assert everything_under(out) == []


def test_a_second_cruft_create_into_the_same_folder_is_refused(tmp_path, template_repository):
    first = run_cruft_create(template_repository, tmp_path, {})
    assert first.returncode == 0, first.stdout + first.stderr
    before = everything_under(tmp_path)
    again = run_cruft_create(template_repository, tmp_path, {})
    assert_refused(again, "plugin_name", "llm-markov", "is already a folder")
    assert everything_under(tmp_path) == before
