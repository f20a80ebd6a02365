import os
import signal
import sys

import pytest

from helpers import install_project, render, write_cookiecutter_config

# A pytest started with SIGINT ignored (as a shell does for a job in the background) would
# pass that on to the tests' own children: Ctrl-C tests would then wait forever.
signal.signal(signal.SIGINT, signal.default_int_handler)
# With PYTHONDONTWRITEBYTECODE every Python a test starts compiles llm again, about a second
# each: the children's environments (helpers.clean_environ) leave it out, and so does this one.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False


@pytest.fixture(scope="session", autouse=True)
def cookiecutter_config(tmp_path_factory):
    """Keep cookiecutter's replay files and clones out of the user's home folder."""
    config = write_cookiecutter_config(tmp_path_factory.mktemp("cookiecutter-home"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COOKIECUTTER_CONFIG", str(config))
        yield config


@pytest.fixture(scope="session")
def default_project(tmp_path_factory):
    """The default instance: cookiecutter --no-input, the tutorial's llm-markov."""
    return render(tmp_path_factory.mktemp("default"))


@pytest.fixture(scope="session")
def default_venv(default_project, tmp_path_factory):
    """An isolated environment with the real llm and the default instance installed."""
    return install_project(default_project, tmp_path_factory.mktemp("default-env") / "venv")
