import os

import pytest

# Load only this plugin, not others installed beside it. llm reads this
# variable when it is first imported, so it is set before any test imports llm.
os.environ["LLM_LOAD_PLUGINS"] = "{{ cookiecutter.plugin_name }}"


@pytest.fixture(autouse=True)
def user_path(tmp_path, monkeypatch):
    """Give every test its own llm folder: keys, settings and the logs database."""
    path = tmp_path / "llm-user-path"
    monkeypatch.setenv("LLM_USER_PATH", str(path))
    return path
