"""The names cookiecutter.json derives from the answers, through local_extensions.py's filters."""

import pytest
from cookiecutter.exceptions import CookiecutterException

from helpers import TEMPLATE, default_answers, load_module, rendered_hook

filters = load_module(TEMPLATE / "local_extensions.py", "template_local_extensions")


@pytest.mark.parametrize(
    "plugin_name, module_name, model_id, api_key_name, env_prefix",
    [
        ("llm-markov", "llm_markov", "markov", "markov", "MARKOV"),
        ("LLM-Acme-Cloud", "llm_acme_cloud", "acme-cloud", "acme-cloud", "ACME_CLOUD"),
        ("llm_acme.cloud", "llm_acme_cloud", "llm_acme.cloud", "acme-cloud", "ACME_CLOUD"),
        ("llm.x", "llm_x", "llm.x", "x", "X"),
        ("acme", "acme", "acme", "acme", "ACME"),
        ("llm-3d", "llm_3d", "3d", "llm-3d", "LLM_3D"),
        ("3d", "3d", "3d", "llm-3d", "LLM_3D"),
        ("llm-llm-x", "llm_llm_x", "llm-x", "llm-x", "LLM_X"),
    ],
)
def test_names_derived_from_the_plugin_name(
    plugin_name, module_name, model_id, api_key_name, env_prefix
):
    assert filters.module_name(plugin_name) == module_name
    assert filters.model_id(plugin_name) == model_id
    assert filters.api_key_name(plugin_name) == api_key_name
    assert filters.env_prefix(filters.api_key_name(plugin_name)) == env_prefix


@pytest.mark.parametrize(
    "model_id, class_name",
    [("markov", "Markov"), ("embed-demo", "EmbedDemo"), ("3d", "Model3d"), ("a.b:c", "ABC")],
)
def test_a_class_name_from_a_model_id(model_id, class_name):
    assert filters.capwords(model_id) == class_name


@pytest.fixture(scope="module")
def hook(tmp_path_factory):
    return rendered_hook(tmp_path_factory.mktemp("hook"))


@pytest.mark.parametrize(
    "plugin_name, accepted",
    [
        ("", "(for example 'llm-my-plugin')"),
        ("   ", "(for example 'llm-my-plugin')"),
        (".", "(for example 'llm-my-plugin')"),
        ("..", "(for example 'llm-my-plugin')"),
        ("llm-a/llm-b", "(for example 'llm-a-llm-b')"),
        ("/tmp/llm-evil", "(for example 'tmp-llm-evil')"),
        ("../llm-evil", "(for example 'llm-evil')"),
        ("llm-a\\llm-b", "(for example 'llm-a-llm-b')"),
        ("llm-a\0b", "(for example 'llm-a-b')"),
        ("é" * 128, "(for example 'llm-my-plugin')"),
        ("x" * 256, "use at most 100"),
        ("x" * 101, "use at most 100"),
        # Not a folder problem, but refused as soon as it is typed, before the next question.
        ("Moonshot Plugin", "(for example 'moonshot-plugin')"),
        ("-llm-x", "(for example 'llm-x')"),
    ],
)
def test_a_plugin_name_the_hook_refuses_stops_the_derivation(hook, plugin_name, accepted):
    # Cookiecutter would make folders of some of them, or fail to, before the pre-gen hook
    # runs; the refusal is the hook's own line.
    for derive in (filters.module_name, filters.model_id, filters.api_key_name):
        with pytest.raises(CookiecutterException) as refusal:
            derive(plugin_name)
        assert str(refusal.value) == hook.problem_with("plugin_name", plugin_name)
        assert accepted in str(refusal.value)


def test_cookiecutter_json_derives_its_names_with_the_filters():
    answers = default_answers(plugin_name="llm_acme.cloud")
    assert {key: answers[key] for key in ("module_name", "model_id", "class_name")} == {
        "module_name": "llm_acme_cloud",
        "model_id": "llm_acme.cloud",
        "class_name": "LlmAcmeCloud",
    }
    assert (answers["__api_key_name"], answers["__api_env_prefix"]) == ("acme-cloud", "ACME_CLOUD")
