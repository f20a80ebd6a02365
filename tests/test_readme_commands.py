"""The commands the rendered README gives work as written, on a fresh environment."""

import re
import shutil
import subprocess

import pytest

from helpers import Venv, clean_environ

BASH_BLOCK = re.compile(r"```bash\n(.*?)```", re.DOTALL)


def readme_block(project, containing):
    """The README's bash block that contains the given command."""
    blocks = BASH_BLOCK.findall((project / "README.md").read_text())
    [block] = [block for block in blocks if containing in block]
    return block


@pytest.fixture(scope="module")
def llm_with_pip(tmp_path_factory):
    """An environment like a user's: llm installed, with pip for `llm install`."""
    venv = Venv.create(tmp_path_factory.mktemp("llm-env") / "venv", pip=True)
    venv.install("llm")
    return venv


def test_pip_development_commands_run_the_tests(default_project, tmp_path):
    project = shutil.copytree(default_project, tmp_path / "llm-markov")
    commands = readme_block(project, "--group dev")
    result = subprocess.run(
        ["bash", "-euc", commands],
        cwd=project,
        env=clean_environ(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\d+ passed", result.stdout)


def test_llm_install_editable_loads_the_plugin(default_project, llm_with_pip):
    llm_with_pip.llm("install", "-e", str(default_project))
    assert '"name": "llm-markov"' in llm_with_pip.llm("plugins").stdout
    words = llm_with_pip.llm("-m", "markov", "the cat sat on the mat").stdout.split()
    assert len(words) == 20


def test_recovery_command_uninstalls_the_plugin(default_project, llm_with_pip):
    llm_with_pip.llm("install", "-e", str(default_project))
    assert "llm-markov" in llm_with_pip.llm("plugins").stdout
    command = readme_block(default_project, "uninstall").strip()
    assert command == "LLM_LOAD_PLUGINS='' llm uninstall llm-markov -y"
    llm_with_pip.run("bash", "-c", command)
    assert "llm-markov" not in llm_with_pip.llm("plugins").stdout
