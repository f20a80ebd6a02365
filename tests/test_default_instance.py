"""The default render is the tutorial's llm-markov, and it works through llm for real."""

import json
import shutil
import signal
import subprocess
import tomllib

import pytest

from helpers import PROMPT, install_project


def test_rendered_project_passes_its_own_tests(default_project, default_venv):
    result = default_venv.python(
        "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=default_project
    )
    assert " passed" in result.stdout
    assert "failed" not in result.stdout


def test_rendered_tests_pass_after_a_version_bump(default_project, tmp_path):
    # The release script and publish.yml run these tests for every release after the first.
    project = shutil.copytree(default_project, tmp_path / "llm-markov")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('version = "0.1"', 'version = "0.2"', 1))
    venv = install_project(project, tmp_path / "venv")
    result = venv.python("-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=project)
    assert " passed" in result.stdout
    assert "failed" not in result.stdout
    plugins = json.loads(venv.llm("plugins").stdout)
    assert {"name": "llm-markov", "hooks": ["register_models"], "version": "0.2"} in plugins


def test_pyproject_has_the_tutorials_metadata(default_project):
    pyproject = tomllib.loads((default_project / "pyproject.toml").read_text())
    project = pyproject["project"]
    assert project["name"] == "llm-markov"
    assert project["version"] == "0.1"
    assert project["description"] == "Plugin for LLM adding a Markov chain generating model"
    assert project["readme"] == "README.md"
    assert project["authors"] == [{"name": "Simon Willison"}]
    assert project["license"] == "Apache-2.0"
    assert project["dependencies"] == ["llm"]
    assert project["urls"] == {
        "Homepage": "https://github.com/simonw/llm-markov",
        "Changelog": "https://github.com/simonw/llm-markov/blob/main/CHANGELOG.md",
        "Issues": "https://github.com/simonw/llm-markov/issues",
        "CI": "https://github.com/simonw/llm-markov/actions",
    }
    assert project["entry-points"] == {"llm": {"llm_markov": "llm_markov"}}
    assert pyproject["dependency-groups"]["dev"] == ["pytest"]


def test_installed_metadata(default_venv):
    fields = [
        "Name",
        "Version",
        "Summary",
        "Author",
        "License-Expression",
        "Requires-Python",
        "Requires-Dist",
    ]
    script = (
        "import json, sys, importlib.metadata as m; d = m.distribution('llm-markov'); "
        "print(json.dumps({k: d.metadata.get_all(k) for k in sys.argv[1:]}))"
    )
    metadata = json.loads(default_venv.python("-c", script, *fields).stdout)
    assert metadata == {
        "Name": ["llm-markov"],
        "Version": ["0.1"],
        "Summary": ["Plugin for LLM adding a Markov chain generating model"],
        "Author": ["Simon Willison"],
        "License-Expression": ["Apache-2.0"],
        "Requires-Python": [">=3.10"],
        "Requires-Dist": ["llm"],
    }


def test_llm_plugins_lists_it(default_venv):
    plugins = json.loads(default_venv.llm("plugins").stdout)
    assert {"name": "llm-markov", "hooks": ["register_models"], "version": "0.1"} in plugins


def test_llm_models_lists_markov(default_venv):
    assert "Markov: markov" in default_venv.llm("models").stdout


def test_prints_twenty_words_from_the_prompt(default_venv):
    words = default_venv.llm("-m", "markov", PROMPT).stdout.split()
    assert len(words) == 20
    assert set(words) <= set(PROMPT.split())


def test_tutorial_option_error(default_venv):
    result = default_venv.llm("-m", "markov", PROMPT, "-o", "length", "-1", check=False)
    assert result.returncode == 1
    assert result.stderr == "Error: length\n  Value error, length must be >= 2\n"


def test_tutorial_options_with_and_without_streaming(default_venv):
    for extra in ([], ["--no-stream"]):
        result = default_venv.llm(
            "-m", "markov", PROMPT, "-o", "length", "20", "-o", "delay", "0.001", *extra
        )
        assert len(result.stdout.split()) == 20


def test_logs_show_the_last_prompt_and_its_options(default_venv):
    response = default_venv.llm(
        "-m", "markov", PROMPT, "-o", "length", "5", "-o", "delay", "0.001"
    ).stdout
    [entry] = json.loads(default_venv.llm("logs", "-n", "1", "--json").stdout)
    assert entry["model"] == "markov"
    assert entry["prompt"] == PROMPT
    assert entry["options_json"] == {"length": 5, "delay": 0.001}
    assert entry["response"].split() == response.split()


LATIN_1 = "café naïve the cat".encode("latin-1")
NOT_UTF8 = (
    "Error: The prompt holds bytes that are not UTF-8 text: convert it first, "
    "for example with iconv -f latin1 -t utf-8\n"
)


@pytest.mark.parametrize("where", ["argv", "stdin", "system"])
def test_latin_1_bytes_get_one_error_line_and_nothing_logged(default_venv, where):
    # Python hands such bytes on as lone surrogates: from argv always, from stdin with
    # surrogateescape, which the C.UTF-8 locale and this run ask for. (In other locales
    # llm itself cannot read them from stdin: the rendered README says so.)
    default_venv.llm("-m", "markov", PROMPT)  # so that there is a log to compare
    logged = default_venv.llm("logs", "-n", "0", "--json").stdout
    args, stdin = {
        "argv": (["markov", LATIN_1], None),
        "stdin": (["markov"], LATIN_1),
        "system": (["markov", PROMPT, "-s", LATIN_1], None),
    }[where]
    env = default_venv.environ(PYTHONIOENCODING="utf-8:surrogateescape")
    result = subprocess.run(
        [default_venv.bin("llm"), "-m", *args], input=stdin, capture_output=True, env=env
    )
    assert (result.returncode, result.stdout, result.stderr.decode()) == (1, b"", NOT_UTF8)
    assert default_venv.llm("logs", "-n", "0", "--json").stdout == logged


def test_ctrl_c_stops_a_slow_answer_without_a_traceback(default_venv):
    command = [default_venv.bin("llm"), "-m", "markov", PROMPT, "-o", "delay", "10"]
    env = default_venv.environ(PYTHONUNBUFFERED="1")
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as llm:
        assert llm.stdout.read(1)  # the first word comes at once, then a ten-second wait
        llm.send_signal(signal.SIGINT)
        _, stderr = llm.communicate(timeout=30)
    assert (llm.returncode, stderr.decode().strip()) == (1, "Aborted!")  # click's words
