"""The pre-gen hook's checks, one answer at a time.

The hook is rendered with cookiecutter's own Jinja environment (which loads
local_extensions.py, as a real render does) and imported, so first_problem() runs
on plain dictionaries, fast. test_answer_validation.py runs the real command.
"""

import json

import pytest

from helpers import MODEL_KINDS, default_answers, render, rendered_hook


@pytest.fixture(scope="module", name="default_answers")
def default_answers_fixture():
    """The answers of cookiecutter --no-input, as cookiecutter works them out."""
    return default_answers()


@pytest.fixture(scope="module")
def hook(tmp_path_factory):
    return rendered_hook(tmp_path_factory.mktemp("hook"))


def problem(hook, answers, **changes):
    return hook.first_problem({**answers, **changes})


def test_the_default_answers_pass(hook, default_answers):
    assert problem(hook, default_answers) is None


def test_the_kinds_are_those_cookiecutter_json_offers(hook, default_answers):
    assert hook.MODEL_KINDS == MODEL_KINDS
    for kind in MODEL_KINDS:
        assert problem(hook, default_answers, model_kind=kind) is None


@pytest.mark.parametrize(
    "field, value",
    [
        ("plugin_name", "llm-a"),
        ("plugin_name", "a" * 100),
        ("plugin_name", "llm.markov_2"),
        ("module_name", "m" * 100),
        ("module_name", "llm_default_plugins"),
        ("model_id", "gpt-4o-mini-2"),
        ("model_id", "my/gpt-4o"),
        ("model_id", "llm.default_plugins.openai_models"),
        ("author_email", "john.doe@example.com"),
        ("author_email", "j+tag@mail.example.co.uk"),
        ("author_email", "a_b-c@x-y.io"),
        ("github_username", "a" * 39),
        ("version", "1" + ".0" * 24),
        ("version", "1!2.0rc1.post3.dev4+local.5"),
        ("__api_key_name", "llm-3d"),
        ("__api_env_prefix", "LLM_3D"),
        # The plugin adds /chat/completions after stripping a trailing slash.
        ("api_base_url", "https://api.example.com/v1/"),
        ("api_base_url", "http://127.0.0.1:8080/v1"),
        ("api_base_url", "http://localhost:11434/v1"),
        ("api_base_url", "http://[::1]:8080/v1"),
        ("api_base_url", "https://api.example.com"),
        ("api_base_url", "https://gateway.example.com/openai/deployments/x/v1"),
        ("api_base_url", "HTTPS://API.EXAMPLE.COM/v1"),
        ("api_base_url", "https://bücher.example/v1"),
        ("api_base_url", "http://my_service:8000/v1"),
        ("api_base_url", "https://host:65535/v1"),
        ("api_model", "kimi-k2-0905-preview"),
        ("api_model", "accounts/fireworks/models/llama-v3p1-8b-instruct"),
        ("api_model", "qwen2.5:7b"),
    ],
)
def test_an_edge_answer_that_works_passes(hook, default_answers, field, value):
    assert problem(hook, default_answers, **{field: value}) is None


KELVIN = "\u212a"  # K: re.IGNORECASE matches it with k, but no packaging tool does.


@pytest.mark.parametrize(
    "field, value, accepted",
    [
        ("plugin_name", "3d class!", "(for example '3d-class')"),
        ("plugin_name", "-llm-markov", "starting and ending with a letter or digit"),
        ("plugin_name", "llm-", "(for example 'llm')"),
        ("plugin_name", "llm-märkov", "use letters, digits, '-', '_' and '.'"),
        ("plugin_name", "llm markov\n", "(for example 'llm-markov')"),
        ("plugin_name", "llm-" + "a" * 97, "is 101 characters long: use at most 100"),
        ("module_name", "class", "use ASCII letters, digits and '_'"),
        ("module_name", "3d", "not starting with a digit"),
        ("module_name", "llm-markov", "use ASCII letters, digits and '_'"),
        ("module_name", "märkov", "use ASCII letters, digits and '_'"),
        ("module_name", "json", "(for example 'llm_json')"),
        ("module_name", "llm", "(for example 'llm_llm')"),
        ("module_name", "ulid", "would hide a module llm needs"),
        ("module_name", "click_default_group", "would hide a module llm needs"),
        ("module_name", "__main__", "is a name Python treats specially"),
        ("module_name", "sitecustomize", "is a name Python treats specially"),
        ("model_id", "my model", "(for example 'my-model')"),
        ("model_id", "-markov", "starting and ending with a letter or digit"),
        ("model_id", "mark=ov", "use letters, digits and . _ : / @ + -"),
        ("model_id", "#markov", "use letters, digits and . _ : / @ + -"),
        ("model_id", "mar`kov`", "use letters, digits and . _ : / @ + -"),
        ("class_name", "3D", "starting with a capital letter"),
        ("class_name", "markov", "starting with a capital letter"),
        ("class_name", "My_Model", "CapWords"),
        ("class_name", "None", "would hide a name the plugin uses"),
        ("class_name", "Exception", "would hide a name the plugin uses"),
        ("class_name", "Options", "would hide a name the plugin uses"),
        ("description", "One line\x85and another", "must be a single line"),
        ("description", "One line\u2028and another", "must be a single line"),
        ("description", "A bell\x07", "control characters"),
        ("description", " leading space", "must not start or end with whitespace"),
        ("description", "trailing tab\t", "must not start or end with whitespace"),
        ("description", "x" * 513, "512-character summary limit"),
        ("author_name", "Simon\nWillison", "must be a single line"),
        ("author_email", "simon", "use name@example.com, or leave it empty"),
        ("author_email", "simon@", "use name@example.com"),
        ("author_email", "simon@example", "use name@example.com"),
        ("author_email", "simon@exa mple.com", "use name@example.com"),
        ("author_email", "Simon <simon@example.com>", "use name@example.com"),
        ("author_email", "zoë@example.com", "ASCII e-mail address"),
        ("author_email", ".a@x.com", "the package metadata accepts"),
        ("github_username", "-simonw", "letters, digits and single hyphens"),
        ("github_username", "simon--w", "letters, digits and single hyphens"),
        ("github_username", "simon_w", "letters, digits and single hyphens"),
        ("github_username", "simon w", "letters, digits and single hyphens"),
        ("github_username", "s" * 40, "at most 39 characters"),
        ("version", "one", "(for example '0.1', '1.0.0' or '2.0rc1')"),
        ("version", "1.0 beta", "PEP 440"),
        ("version", "1.0-1", "in its normal form"),
        ("version", "01.0", "in its normal form"),
        ("version", "1.0a", "in its normal form"),
        ("version", "1" + ".0" * 25, "use at most 50"),
        ("plugin_name", "", "(for example 'llm-my-plugin')"),
        ("plugin_name", "   ", "(for example 'llm-my-plugin')"),
        ("plugin_name", "llm-a/llm-b", "(for example 'llm-a-llm-b')"),
        ("plugin_name", f"llm-mar{KELVIN}ov", "(for example 'llm-markov')"),
        ("plugin_name", "llm-ſ", "use letters, digits"),
        ("plugin_name", "a" * 101, "use at most 100"),
        ("module_name", "m" * 101, "use at most 100"),
        ("module_name", f"{KELVIN}elvin", "ASCII letters"),
        ("github_username", f"{KELVIN}elvin", "letters, digits and single hyphens"),
        ("model_id", f"{KELVIN}", "use letters, digits"),
        ("version", "1" + ".0" * 25, "use at most 50"),
        ("version", "1.٠", "PEP 440"),
        ("author_email", "john..doe@example.com", "package metadata accepts"),
        ("author_email", ".a@x.com", "package metadata accepts"),
        ("author_email", "a.@x.com", "package metadata accepts"),
        ("author_email", "a@x..com", "package metadata accepts"),
        ("author_email", "a@x.com.", "package metadata accepts"),
        ("author_email", "a@x", "package metadata accepts"),
        ("author_email", "a@@x.com", "package metadata accepts"),
        ("author_email", "a@x.com ", "package metadata accepts"),
        ("author_email", '"a b"@x.com', "package metadata accepts"),
        ("author_email", "Simon <simon@example.com>", "package metadata accepts"),
        ("author_email", "zoë@example.com", "ASCII e-mail address"),
        ("author_email", "a@exämple.com", "ASCII e-mail address"),
        ("__api_key_name", 'x"); import os #', "is not a name for llm keys set"),
        ("__api_key_name", "Acme", "is not a name for llm keys set"),
        ("__api_env_prefix", "ACME-1", "is not an environment variable prefix"),
        ("__api_env_prefix", "", "is not an environment variable prefix"),
        ("model_kind", "chat", "choose one of " + ", ".join(MODEL_KINDS)),
        ("async_markov", "maybe", "must be a yes/no answer"),
        ("async_markov", None, "must be a yes/no answer"),
        ("description", 42, "must be text"),
        ("__api_key_name", None, "must be text"),
        ("api_base_url", "", "is not an http:// or https:// URL with a host"),
        ("api_base_url", "api.example.com/v1", "is not an http:// or https:// URL with a host"),
        ("api_base_url", "ftp://api.example.com/v1", "is not an http:// or https:// URL"),
        ("api_base_url", "https://", "(for example 'https://api.example.com/v1')"),
        ("api_base_url", "https:///v1", "is not an http:// or https:// URL with a host"),
        ("api_base_url", "https://:8080/v1", "is not an http:// or https:// URL with a host"),
        ("api_base_url", "https://host:99999/v1", "a port from 1 to 65535"),
        ("api_base_url", "https://host:0/v1", "a port from 1 to 65535"),
        ("api_base_url", "https://host:abc/v1", "a port from 1 to 65535"),
        ("api_base_url", "https://[::1/v1", "is not an http:// or https:// URL with a host"),
        ("api_base_url", "https://api.example.com\\v1", "characters no host name has"),
        ("api_base_url", " https://api.example.com/v1", "must not contain spaces"),
        ("api_base_url", "https://api.example.com/v1\n", "must not contain spaces or line breaks"),
        ("api_base_url", "https://api.example.com/v 1", "must not contain spaces"),
        ("api_base_url", "https://key:secret@api.example.com/v1", "user name or password"),
        ("api_base_url", "https://token@api.example.com/v1", "give the URL without them"),
        ("api_base_url", "https://api.example.com/v1?api-version=1", "query or fragment"),
        ("api_base_url", "https://api.example.com/v1#docs", "query or fragment"),
        ("api_base_url", "https://api.example.com/v1?", "query or fragment"),
        ("api_base_url", "https://{{host}}/v1", "must not contain '{{', '{%' or '{#'"),
        ("api_base_url", None, "must be text"),
        ("api_model", "", "must not be empty"),
        ("api_model", "kimi k2", "must not contain spaces"),
        ("api_model", "kimi-k2\n", "must not contain spaces"),
        ("api_model", "{{model}}", "must not contain '{{', '{%' or '{#'"),
    ],
)
def test_a_bad_answer_names_the_field_and_the_fix(hook, default_answers, field, value, accepted):
    message = problem(hook, default_answers, **{field: value})
    start = f"Error: {field} "
    assert message.startswith(start)
    # The value, shown exactly as JSON with invisible characters escaped, on one line.
    shown, end = json.JSONDecoder().raw_decode(message, len(start))
    assert shown == value
    assert message.isprintable()
    assert accepted in message[end:]


@pytest.mark.parametrize("plugin_name", ["llm-models", "keys", "llm-embed-multi", "llm-openai"])
def test_an_api_plugin_named_after_an_llm_command_is_refused(hook, default_answers, plugin_name):
    key_name = plugin_name.removeprefix("llm-")
    answers = {**default_answers, "plugin_name": plugin_name, "__api_key_name": key_name}
    message = hook.first_problem({**answers, "model_kind": "api"})
    assert message == (
        f'Error: plugin_name "{plugin_name}" would name the plugin\'s commands'
        f" 'llm {key_name}', replacing llm's own: choose another (for example"
        f" 'llm-{key_name}-api')"
    )
    # The other kinds add no commands.
    assert hook.first_problem(answers) is None


def test_a_missing_answer_is_refused(hook, default_answers):
    # A replay file or .cruft.json edited by hand can lose an answer.
    answers = {key: value for key, value in default_answers.items() if key != "__api_key_name"}
    assert hook.first_problem(answers).startswith("Error: __api_key_name null must be text")


@pytest.mark.parametrize(
    "module_name",
    [
        # llm's own dependencies, and theirs: hiding one breaks llm.
        "ulid",
        "puremagic",
        "click_default_group",
        "condense_json",
        "sqlite_utils",
        "httpcore2",
        "pydantic_core",
        "typing_extensions",
        "_pytest",
        "Click",
        # The standard library.
        "json",
        "asyncio",
        # What Python, pip and setuptools treat specially.
        "__main__",
        "sitecustomize",
        "usercustomize",
        "pip",
        "setup",
    ],
)
def test_a_module_name_that_hides_a_module_is_refused(hook, default_answers, module_name):
    message = problem(hook, default_answers, module_name=module_name)
    assert message.startswith(f'Error: module_name "{module_name}" ')
    assert f"(for example 'llm_{module_name}')" in message


@pytest.mark.parametrize("model_id", ["gpt-4o-mini", "4o", "gpt-4.1", "ada-002", "chatgpt"])
def test_a_model_id_llm_already_has_is_refused(hook, default_answers, model_id):
    message = problem(hook, default_answers, model_id=model_id)
    assert "is already a model ID or alias of llm itself" in message
    assert f"(for example 'my-{model_id}')" in message


@pytest.fixture(scope="module")
def rendered_names(tmp_path_factory):
    """Every Python file's stem and top-level folder of every kind's render."""
    names = set()
    for kind in MODEL_KINDS:
        module = f"zz_{kind}"
        project = render(tmp_path_factory.mktemp(kind), model_kind=kind, module_name=module)
        for path in project.rglob("*"):
            relative = path.relative_to(project)
            if path.is_dir() and len(relative.parts) == 1 and path.name != module:
                names.add(path.name)
            elif path.suffix == ".py" and path.stem not in (module, f"test_{module}"):
                names.add(path.stem)
                names.add(path.stem.removeprefix("test_"))
    return names


def test_every_rendered_file_name_is_refused_as_a_module_name(
    hook, default_answers, rendered_names
):
    # A module of the same name would land on that file (test_<module>.py on a test file)
    # or be hidden by that folder: odd_prompts once sent two files to one path.
    assert {"conftest", "tests", "odd_prompts", "test_plugin", "plugin"} <= rendered_names
    identifiers = {name for name in rendered_names if name.isidentifier()}
    for name in identifiers:
        assert problem(hook, default_answers, module_name=name), name


def test_hook_messages_stay_on_one_line_for_any_text(hook, default_answers):
    for field in ("plugin_name", "module_name", "model_id", "author_email", "version"):
        for value in ("a\nb", "a\u2028b", "a\x00b", "\ud800", "a\x1b[31mb"):
            message = problem(hook, default_answers, **{field: value})
            assert message.isprintable(), (field, value)
