import os
import shutil

import pytest
from helpers import run_llm

# Load only this plugin, not others installed beside it. llm reads this
# variable when it is first imported, so it is set before any test imports llm.
os.environ["LLM_LOAD_PLUGINS"] = "{{ cookiecutter.plugin_name }}"


@pytest.fixture(scope="session")
def empty_logs_db(tmp_path_factory):
    """An empty logs database. llm makes its tables the first time it reads one,
    which takes a fifth of a second: do that once and give each test a copy."""
    path = tmp_path_factory.mktemp("llm") / "logs.db"
    path.touch()
    result = run_llm("logs", "list", "--database", str(path))
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(autouse=True)
def user_path(tmp_path, monkeypatch, empty_logs_db):
    """Give every test its own llm folder: keys, settings and a fresh logs database."""
    path = tmp_path / "llm-user-path"
    path.mkdir()
    shutil.copy(empty_logs_db, path / "logs.db")
    monkeypatch.setenv("LLM_USER_PATH", str(path))
    return path
{%- if cookiecutter.model_kind == 'api' %}


# The api kind: a fake API to talk to, and a key


@pytest.fixture
def api(monkeypatch):
    """A fake chat API on 127.0.0.1 that the plugin talks to instead of the real one."""
    from fake_api import FakeChatAPI

    import {{ cookiecutter.module_name }} as plugin

    with FakeChatAPI() as server:
        monkeypatch.setenv(plugin.API_BASE_ENV_VAR, server.url)
        yield server


@pytest.fixture
def key(monkeypatch):
    import {{ cookiecutter.module_name }} as plugin

    monkeypatch.setenv(plugin.KEY_ENV_VAR, "sk-from-env")
    return "sk-from-env"


@pytest.fixture
def refreshed(api, key):
    """The fake API once the plugin's refresh command has saved its models, and forgot it."""
    import {{ cookiecutter.module_name }} as plugin

    result = run_llm(plugin.KEY_NAME, "refresh")
    assert result.exit_code == 0, result.output
    api.requests.clear()
    return api


@pytest.fixture
def capable_model(monkeypatch):
    """The default model given every capability the client handles, whatever
    MODEL_CAPABILITIES says of it: the client's tests hold for any provider's models."""
    import {{ cookiecutter.module_name }} as plugin

    every = plugin.KNOWN_CAPABILITIES - {"embeddings"}
    monkeypatch.setitem(plugin.MODEL_CAPABILITIES, plugin.DEFAULT_MODEL, every)


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch):
    """Retries without the waits between them, so that the tests stay fast."""
    from {{ cookiecutter.module_name }} import client

    monkeypatch.setattr(client, "BACKOFF_SECONDS", 0)


# Answers recorded from an API (test_recorded.py)


@pytest.fixture(scope="module")
def vcr_config():
    """pytest-recording's settings for the tests marked @pytest.mark.vcr (test_recorded.py):
    the key stays out of the answers they record, in a header or in a URL."""
    return {
        "filter_headers": ["authorization"],
        "filter_query_parameters": ["key", "api_key"],
        # A compressed answer is saved as text, so that a cassette can be read and checked
        "decode_compressed_response": True,
    }
{%- endif %}
