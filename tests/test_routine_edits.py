"""A rendered plugin's own tests survive an author's routine edits, for every kind.

Each test renders a kind, makes the edits to the plugin's module an author makes (an alias
for the registered model, an option, a second registered model; in the api kind, the default
model's capabilities trimmed, as its README says), checks through llm that each
edit took, and runs the rendered suite: every test must still pass. The edits are made on the
syntax tree's positions, so they find the hook's first `register(...)` call and the `Options`
class wherever the module keeps them, however they are formatted.
"""

import ast
import json
from pathlib import Path

import pytest

from helpers import KINDS, install_project, render, tomllib

ALIAS = "my-alias"
SECOND_MODEL_ID = "my-second-model"
OPTION = "my_option"
HOOKS = ("register_models", "register_embedding_models")


def plugin_module(project):
    """The file llm loads the plugin from: a module, or a package's __init__.py."""
    entry_points = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    [module] = entry_points["entry-points"]["llm"].values()
    path = project / module.replace(".", "/")
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def offset(source, lineno, col_offset):
    """The index in source of a syntax tree position (its column counts UTF-8 bytes)."""
    lines = source.splitlines(keepends=True)
    before = "".join(lines[: lineno - 1])
    return len(before) + len(lines[lineno - 1].encode()[:col_offset].decode())


def hook(tree):
    """The module's first hook of HOOKS: the chat models' in a module with both."""
    hooks = {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name in HOOKS
    }
    return hooks[next(name for name in HOOKS if name in hooks)]


def first_register_call(tree):
    """The hook's first statement that is a call of register(...)."""
    for statement in hook(tree).body:
        call = getattr(statement, "value", None)
        if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "register":
            return statement
    raise AssertionError("the hook calls register() in no statement of its own")


def add_alias(source):
    """register(Model(), ...) becomes register(Model(), ..., aliases=("my-alias",))."""
    call = first_register_call(ast.parse(source)).value
    closing = offset(source, call.end_lineno, call.end_col_offset) - 1
    arguments = source[:closing].rstrip()
    comma = "" if arguments.endswith((",", "(")) else ","
    return f'{arguments}{comma} aliases=("{ALIAS}",)){source[closing + 1 :]}'


def add_option(source):
    """A new field at the end of the Options class."""
    tree = ast.parse(source)
    [options, *_] = [
        node for node in ast.walk(tree) if isinstance(node, ast.ClassDef) and node.name == "Options"
    ]
    indent = " " * options.body[0].col_offset
    lines = source.splitlines(keepends=True)
    field = f"{indent}{OPTION}: int | None = None\n"
    return "".join(lines[: options.end_lineno] + [field] + lines[options.end_lineno :])


def add_second_model(source):
    """A second register(...) call after the first: the same classes with another model ID.

    A class that takes its model ID as its first argument gets the new one there; a class
    with a model_id attribute gets a subclass that sets it.
    """
    tree = ast.parse(source)
    statement = first_register_call(tree)
    models, subclasses = [], []
    for model in statement.value.args:
        if model.args:
            model.args[0] = ast.Constant(SECOND_MODEL_ID)
            models.append(ast.unparse(model))
        else:
            name = ast.unparse(model.func)
            subclasses.append(
                f"\n\nclass Second{name}({name}):\n    model_id = {SECOND_MODEL_ID!r}\n"
            )
            models.append(f"Second{name}()")
    lines = source.splitlines(keepends=True)
    call = f"{' ' * statement.col_offset}register({', '.join(models)})\n"
    edited = lines[: statement.end_lineno] + [call] + lines[statement.end_lineno :]
    return "".join(edited) + "".join(subclasses)


def trim_capabilities(source):
    """The api kind's default model made text-only, as its README says to trim its entry in
    MODEL_CAPABILITIES to what the provider's model takes."""
    start = source.index("    DEFAULT_MODEL: {")
    return source[:start] + "    DEFAULT_MODEL: set()," + source[source.index("\n", start) :]


def is_embedding(source):
    return hook(ast.parse(source)).name == "register_embedding_models"


def model_info(venv, model_id, embedding):
    """What llm's Python API has for an ID: the model's ID and its options' names."""
    get = "get_embedding_model" if embedding else "get_model"
    script = (
        "import json, sys, llm\n"
        f"model = llm.{get}(sys.argv[1])\n"
        "options = getattr(model, 'Options', None)\n"
        "print(json.dumps([model.model_id, list(options.model_fields) if options else []]))"
    )
    return json.loads(venv.python("-c", script, model_id).stdout)


def took_alias(venv, model_id, embedding):
    assert model_info(venv, ALIAS, embedding)[0] == model_id


def took_option(venv, model_id, embedding):
    assert OPTION in model_info(venv, model_id, embedding)[1]


def took_second_model(venv, model_id, embedding):
    assert model_info(venv, SECOND_MODEL_ID, embedding)[0] == SECOND_MODEL_ID
    assert model_info(venv, model_id, embedding)[0] == model_id


def took_trim(venv, model_id, embedding):
    script = (
        "import sys, llm\n"
        "model = llm.get_model(sys.argv[1])\n"
        "print(model.supports_tools, model.supports_schema, sorted(model.attachment_types))"
    )
    assert venv.python("-c", script, model_id).stdout.split() == ["False", "False", "[]"]


EDITS = {
    "alias": (add_alias, took_alias),
    "option": (add_option, took_option),
    "second model": (add_second_model, took_second_model),
    "trimmed capabilities": (trim_capabilities, took_trim),
}


def edits_for(kind):
    """The edits an author of this kind can make: llm's embedding models have no options,
    and only the api kind has a table of capabilities."""
    model_kind = KINDS[kind].get("model_kind")
    return [
        edit
        for edit in EDITS
        if not (model_kind == "embedding" and edit == "option")
        and not (model_kind != "api" and edit == "trimmed capabilities")
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_rendered_tests_pass_after_the_routine_edits(tmp_path, kind):
    # All the edits at once, as an author makes them over time: one run of the suite per kind
    project = render(tmp_path, **KINDS[kind])
    module = plugin_module(project)
    embedding = is_embedding(module.read_text())
    for edit in edits_for(kind):
        make_edit, _ = EDITS[edit]
        module.write_text(make_edit(module.read_text()))
    venv = install_project(project, tmp_path / "venv")
    model_id = KINDS[kind].get("model_id", "markov")
    for edit in edits_for(kind):
        _, took = EDITS[edit]
        took(venv, model_id, embedding)
    result = venv.python("-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=project, check=False)
    summary = result.stdout.strip().splitlines()[-1]
    assert result.returncode == 0, result.stdout[-6000:]
    assert " passed" in summary
    assert "skipped" not in summary


@pytest.mark.parametrize("edit", EDITS)
def test_each_edit_changes_the_module_and_keeps_it_python(tmp_path, edit):
    # On the form the api kind writes: one register() call spread over several lines
    source = (
        "import llm\n\n\n@llm.hookimpl\ndef register_models(register):\n"
        "    register(\n        Acme(MODEL_ID, DEFAULT_MODEL),\n"
        "        AsyncAcme(MODEL_ID, DEFAULT_MODEL),\n    )\n    register(Other())\n\n\n"
        "class Acme:\n    class Options:\n        temperature: float | None = None\n"
        '\n\nMODEL_CAPABILITIES = {\n    DEFAULT_MODEL: {"tools", "images"},\n}\n'
    )
    make_edit, _ = EDITS[edit]
    edited = make_edit(source)
    assert edited != source
    ast.parse(edited)
    expected = {
        "alias": 'AsyncAcme(MODEL_ID, DEFAULT_MODEL), aliases=("my-alias",))\n',
        "option": "    temperature: float | None = None\n        my_option: int | None = None\n",
        "second model": "    )\n    register(Acme('my-second-model', DEFAULT_MODEL), "
        "AsyncAcme('my-second-model', DEFAULT_MODEL))\n    register(Other())\n",
        "trimmed capabilities": "MODEL_CAPABILITIES = {\n    DEFAULT_MODEL: set(),\n}\n",
    }[edit]
    assert expected in edited


def test_plugin_module_is_found_for_a_module_or_a_package(tmp_path):
    pyproject = '[project]\nname = "x"\n[project.entry-points.llm]\nx = "llm_x"\n'
    (tmp_path / "pyproject.toml").write_text(pyproject)
    assert plugin_module(tmp_path) == tmp_path / "llm_x.py"
    (tmp_path / "llm_x").mkdir()
    assert plugin_module(tmp_path) == Path(tmp_path / "llm_x" / "__init__.py")
