import json
from importlib.metadata import version

from helpers import run_llm

PLUGIN_NAME = {{ cookiecutter.plugin_name | python_string }}


def test_plugin_is_installed():
    result = run_llm("plugins")
    assert result.exit_code == 0, result.output
    plugins = {plugin["name"]: plugin for plugin in json.loads(result.output)}
    # The version comes from the installed package, so a version bump needs no test edit
    assert plugins[PLUGIN_NAME] == {
        "name": PLUGIN_NAME,
{%- if cookiecutter.model_kind == 'embedding' %}
        "hooks": ["register_embedding_models"],
{%- elif cookiecutter.model_kind == 'api' %}
        "hooks": ["register_commands", "register_embedding_models", "register_models"],
{%- else %}
        "hooks": ["register_models"],
{%- endif %}
        "version": version(PLUGIN_NAME),
    }
