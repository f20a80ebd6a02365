"""The names llm already uses, read from a fresh install of llm, match what the hook refuses.

The pre-gen hook refuses a module name that would hide a module of llm's dependency
tree and a model ID llm already has; it holds both sets as data. These tests install
what every kind of rendered plugin installs, derive both sets again from that install
and fail when a new release of llm (or of a dependency) adds a name the hook misses.
"""

import json

import pytest

from helpers import MODEL_KINDS, Venv, hook_constant, render, tomllib

# Run in the environment: the top-level modules of every distribution that the given
# requirements install, following Requires-Dist (without extras) for this platform.
DEPENDENCY_MODULES = """
import json, sys
from importlib import metadata
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

names, tree = [Requirement(line).name for line in sys.argv[1:]], set()
while names:
    name = canonicalize_name(names.pop())
    if name not in tree:
        tree.add(name)
        for line in metadata.distribution(name).requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                names.append(requirement.name)
modules = {
    module
    for module, owners in metadata.packages_distributions().items()
    if module.isidentifier() and module != "__pycache__"
    and any(canonicalize_name(owner) in tree for owner in owners)
}
print(json.dumps(sorted(modules)))
"""

# Run in the environment: llm's own model IDs and aliases, chat and embedding.
LLM_MODEL_IDS = """
import json, llm
models = llm.get_models_with_aliases() + llm.get_embedding_models_with_aliases()
names = {name for each in models for name in [each.model.model_id, *each.aliases]}
print(json.dumps(sorted(names)))
"""


def rendered_requirements(output_dir):
    """What the rendered projects of every kind install: to run, to test and to build."""
    requirements = set()
    for kind in MODEL_KINDS:
        project = render(output_dir / kind, model_kind=kind)
        pyproject = tomllib.loads((project / "pyproject.toml").read_text())
        requirements.update(pyproject["project"]["dependencies"])
        requirements.update(pyproject["dependency-groups"]["dev"])
        requirements.update(pyproject["build-system"]["requires"])
    return sorted(requirements)


@pytest.fixture(scope="module")
def llm_env(tmp_path_factory):
    """A fresh environment with the newest releases of what the rendered plugins need."""
    root = tmp_path_factory.mktemp("llm-names")
    requirements = rendered_requirements(root / "renders")
    venv = Venv.create(root / "venv")
    venv.install(*requirements)
    return venv, requirements


def test_every_module_of_llms_dependency_tree_is_refused(llm_env):
    venv, requirements = llm_env
    found = set(json.loads(venv.python("-c", DEPENDENCY_MODULES, *requirements).stdout))
    # Guards the derivation itself: these must be in the tree.
    assert {"llm", "click", "ulid", "puremagic", "condense_json", "httpx2", "pytest"} <= found
    assert {"pydantic_core", "annotated_types", "httpcore2", "setuptools"} <= found
    missing = found - hook_constant("LLM_DEPENDENCY_MODULES")
    assert not missing, f"add to LLM_DEPENDENCY_MODULES in hooks/pre_gen_project.py: {missing}"


def test_llms_own_model_ids_and_aliases_are_refused(llm_env):
    venv, _ = llm_env
    # LLM_LOAD_PLUGINS="" loads llm's default plugins only.
    found = set(json.loads(venv.python("-c", LLM_MODEL_IDS, LLM_LOAD_PLUGINS="").stdout))
    assert {"gpt-4o-mini", "4o-mini", "text-embedding-3-small"} <= found
    assert hook_constant("LLM_MODEL_IDS") == found, (
        "update LLM_MODEL_IDS in hooks/pre_gen_project.py"
    )


def test_llms_own_commands_are_refused_as_api_key_names(llm_env):
    venv, _ = llm_env
    script = "import json; from llm.cli import cli; print(json.dumps(sorted(cli.commands)))"
    found = set(json.loads(venv.python("-c", script, LLM_LOAD_PLUGINS="").stdout))
    assert {"models", "keys", "openai"} <= found
    assert hook_constant("LLM_COMMANDS") == found, "update LLM_COMMANDS in hooks/pre_gen_project.py"


def test_a_plugin_is_registered_under_its_module_name_whatever_its_model_id(llm_env, tmp_path):
    # The entry point was once named after the model ID: this one made every llm command fail,
    # because pluggy refused llm's own plugin registered under the same name.
    venv, _ = llm_env
    model_id = "llm.default_plugins.openai_models"
    project = render(tmp_path, model_id=model_id, class_name="Markov")
    venv.install("--no-deps", "-e", project)
    plugins = json.loads(venv.llm("plugins").stdout)
    assert [plugin["name"] for plugin in plugins] == ["llm-markov"]
    models = venv.llm("models", "list").stdout
    assert f"Markov: {model_id}" in models
    assert "gpt-4o-mini" in models
    words = venv.llm("-m", model_id, "the cat sat on the mat", "-o", "length", "4").stdout
    assert len(words.split()) == 4
