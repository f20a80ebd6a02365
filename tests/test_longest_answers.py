"""The longest names the hook accepts still render, install (uv and pip) and build.

Tools name files after the project and its version: past 255 characters the file
system refuses them. A 213-character plugin_name once rendered but did not install.
"""

import sys

import pytest

from helpers import Venv, render, run

LONGEST_PLUGIN_NAME = "llm-" + "l" * 96  # 100 characters, the hook's limit
LONGEST_VERSION = "10" + ".0" * 24  # 50 characters, the hook's limit
MODULE = LONGEST_PLUGIN_NAME.replace("-", "_")
MODEL_ID = LONGEST_PLUGIN_NAME.removeprefix("llm-")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return render(
        tmp_path_factory.mktemp("longest"), plugin_name=LONGEST_PLUGIN_NAME, version=LONGEST_VERSION
    )


def test_the_longest_answers_are_the_hooks_limits(project):
    assert (len(LONGEST_PLUGIN_NAME), len(LONGEST_VERSION)) == (100, 50)
    assert (project / f"{MODULE}.py").is_file()
    assert (project / "tests" / f"test_{MODULE}.py").is_file()


@pytest.mark.parametrize("installer", ["uv", "pip"])
def test_the_longest_names_install_editable_and_run(project, tmp_path, installer):
    venv = Venv.create(tmp_path / "venv", pip=installer == "pip")
    if installer == "pip":
        venv.run(venv.bin("python"), "-m", "pip", "install", "-q", "-e", ".", cwd=project)
    else:
        venv.install("-e", ".", cwd=project)
    assert len(venv.llm("-m", MODEL_ID, "the cat sat", "-o", "length", "2").stdout.split()) == 2


def test_the_longest_names_build_and_the_wheel_installs(project, tmp_path):
    run(sys.executable, "-m", "build", "--outdir", tmp_path / "dist", project)
    [wheel] = (tmp_path / "dist").glob("*.whl")
    assert wheel.name == f"{MODULE}-{LONGEST_VERSION}-py3-none-any.whl"
    venv = Venv.create(tmp_path / "venv")
    venv.install(wheel)
    assert len(venv.llm("-m", MODEL_ID, "the cat sat", "-o", "length", "2").stdout.split()) == 2
