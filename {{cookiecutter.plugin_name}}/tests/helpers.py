"""Helpers the tests share. Fixtures are in conftest.py."""

{% if cookiecutter.model_kind == 'api' -%}
import json
import socket
from contextlib import contextmanager

{% endif -%}
from click.testing import CliRunner


def run_llm(*args, input=None):
    """Run an llm command in this process, as a user would type it."""
    from llm.cli import cli

    return CliRunner().invoke(cli, list(args), input=input)
{%- if cookiecutter.model_kind == 'api' %}


# The api kind's helpers. They import llm and the plugin only when called: conftest.py
# sets LLM_LOAD_PLUGINS before llm is first imported.


def listed_model_ids(*flags):
    """The IDs of the models `llm models` lists, with these flags (such as --tools)."""
    result = run_llm("models", "--json", *flags)
    assert result.exit_code == 0, result.output
    return [model["model_id"] for model in json.loads(result.output)]


def assert_names_the_key(output):
    """A missing key is one Error: line that says how to give one."""
    import {{ cookiecutter.module_name }} as plugin

    assert output.startswith("Error: ")
    assert len(output.splitlines()) == 1
    assert f"llm keys set {plugin.KEY_NAME}" in output
    assert plugin.KEY_ENV_VAR in output


def chunk(delta, finish_reason=None):
    """The data of one streamed event: a piece of the reply, as the API sends it."""
    return json.dumps({"choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]})


@contextmanager
def refusing_address():
    """An http:// address on 127.0.0.1 that refuses every connection while the block runs:
    its socket is bound but not listening."""
    with socket.socket() as unanswered:
        unanswered.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{unanswered.getsockname()[1]}"
{%- endif %}
