"""The default render is the tutorial's llm-markov, and it works through llm for real."""

import difflib
import json
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from helpers import PROMPT, TEST_VENV_BIN, install_project, run, tomllib

# The tutorial's finished plugin file, as published
TUTORIAL_FILE = Path(__file__).parent / "tutorial_llm_markov.py"
# The crash fixes, the seed option, modern typing and the rest that earns its lines
MOST_CHANGED_LINES = 30


def code_lines(source):
    """The lines of code, both files formatted alike: no comments, ruff's format, no blanks."""
    code = "\n".join(line for line in source.splitlines() if not line.strip().startswith("#"))
    ruff = [TEST_VENV_BIN / "ruff", "format", "--isolated", "--line-length", "100"]
    formatted = run(*ruff, "--stdin-filename", "module.py", "-", input=code).stdout
    return [line for line in formatted.splitlines() if line.strip()]


def test_the_module_is_the_tutorials_finished_file_with_few_changes(default_project):
    theirs = code_lines(TUTORIAL_FILE.read_text())
    ours = code_lines((default_project / "llm_markov.py").read_text())
    diff = list(difflib.unified_diff(theirs, ours, "tutorial", "llm_markov.py", n=0, lineterm=""))
    changed = [line for line in diff[2:] if line.startswith(("+", "-"))]
    assert 0 < len(changed) <= MOST_CHANGED_LINES, "\n".join(diff)


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
    assert pyproject["dependency-groups"]["dev"] == ["pytest>=9", "mypy", "cogapp"]


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
    [model] = json.loads(default_venv.llm("models", "--json", "-m", "markov").stdout)
    assert (model["model_id"], model["can_stream"], model["aliases"]) == ("markov", True, [])


def test_prints_twenty_words_from_the_prompt(default_venv):
    words = default_venv.llm("-m", "markov", PROMPT).stdout.split()
    assert len(words) == 20
    assert set(words) <= set(PROMPT.split())


def test_tutorial_option_error(default_venv):
    result = default_venv.llm("-m", "markov", PROMPT, "-o", "length", "-1", check=False)
    assert result.returncode == 1
    # Word for word what the tutorial prints (llm's and pydantic's words around the plugin's)
    assert result.stderr == "Error: length\n  Value error, length must be >= 2\n"


def test_tutorial_options_with_and_without_streaming(default_venv):
    for extra in ([], ["--no-stream"]):
        result = default_venv.llm(
            "-m", "markov", PROMPT, "-o", "length", "20", "-o", "delay", "0.001", *extra
        )
        assert len(result.stdout.split()) == 20


def test_logs_show_the_last_prompt_as_the_tutorial_shows(default_venv):
    response = default_venv.llm("-m", "markov", PROMPT).stdout
    [entry] = json.loads(default_venv.llm("logs", "-n", "1", "--json").stdout)
    assert (entry["model"], entry["prompt"], entry["system"]) == ("markov", PROMPT, None)
    assert entry["options_json"] == {}
    # Each word is yielded with a space after it, the last one too
    assert entry["response"] == response.rstrip("\n")
    assert entry["response"].endswith(" ")


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
    assert (result.returncode, result.stdout) == (1, b"")
    # One line from Python naming the character; its wording is Python's
    [line] = result.stderr.decode().splitlines()
    assert line.startswith("Error: ")
    assert default_venv.llm("logs", "-n", "0", "--json").stdout == logged


def test_ctrl_c_stops_a_slow_answer_without_a_traceback(default_venv):
    command = [default_venv.bin("llm"), "-m", "markov", PROMPT, "-o", "delay", "10"]
    env = default_venv.environ(PYTHONUNBUFFERED="1")
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as llm:
        assert llm.stdout.read(1)  # the first word comes at once, then a ten-second wait
        llm.send_signal(signal.SIGINT)
        _, stderr = llm.communicate(timeout=30)
    assert llm.returncode == 1
    # One line from click, whatever its wording, and no traceback
    assert len(stderr.decode().strip().splitlines()) == 1
