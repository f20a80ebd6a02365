import os
import shutil

import pytest

# Load only this plugin, not others installed beside it. llm reads this
# variable when it is first imported, so it is set before any test imports llm.
os.environ["LLM_LOAD_PLUGINS"] = "{{ cookiecutter.plugin_name }}"


@pytest.fixture(scope="session")
def empty_logs_db(tmp_path_factory):
    """An empty logs database. llm makes its tables the first time it reads one,
    which takes a fifth of a second: do that once and give each test a copy."""
    from click.testing import CliRunner
    from llm.cli import cli

    path = tmp_path_factory.mktemp("llm") / "logs.db"
    path.touch()
    result = CliRunner().invoke(cli, ["logs", "list", "--database", str(path)])
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
