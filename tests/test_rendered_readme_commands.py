"""Every command the rendered README prints works as printed.

Each command is taken from the README and run by bash unchanged, in the plugin's folder (or
the folder above, for `cd llm-markov`), with an `llm` on PATH where the README assumes one.
Not run here: `llm install llm-markov`, which would install the tutorial's plugin from PyPI,
not this one. The release recipe runs as printed against indexes on 127.0.0.1, that
~/.pypirc names; tests/test_release.py runs its script through every refusal.
"""

import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from helpers import (
    FENCED_BLOCK,
    KINDS,
    PASSWORD,
    PROMPT,
    TEST_VENV_BIN,
    USER,
    UV,
    PackageIndex,
    Venv,
    bash,
    block,
    commands,
    copy_template,
    git_repository,
    install_project,
    load_module,
    render,
    run,
    shell_environ,
)

# In a checkout of the template: the rendered tests must not take the template's pytest settings


@pytest.fixture(scope="module")
def in_a_checkout(tmp_path_factory):
    """The default instance rendered inside a checkout of the template, as the quick start does."""
    root = tmp_path_factory.mktemp("checkout")
    env = shell_environ(root / "home", TEST_VENV_BIN)
    folder = copy_template(root / "llm-plugin-template")
    bash("cookiecutter --no-input .", folder, env)
    return {"project": folder / "llm-markov", "env": shell_environ(root / "home")}


def summary(result):
    """The last line pytest printed, with its counts."""
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("way", ["uv", "pip"])
def test_test_commands_pass_inside_a_checkout_of_the_template(in_a_checkout, way):
    # The template's own pytest settings (-n, --dist) sit in the folder above.
    project = in_a_checkout["project"]
    readme = (project / "README.md").read_text()
    env = in_a_checkout["env"]
    if way == "uv":
        script = block(readme, "uv run pytest")
        env = {**env, "PATH": f"{Path(UV).parent}:{env['PATH']}"}
    else:
        script = block(readme, "python -m pytest")
    result = bash(script, project, env)
    assert re.fullmatch(r"=+ \d+ passed in .* =+", summary(result)), result.stdout


# In the default instance, with llm on PATH


@pytest.fixture(scope="module")
def llm_with_pip(tmp_path_factory):
    """An environment like a user's: llm installed, with pip for `llm install`."""
    venv = Venv.create(tmp_path_factory.mktemp("llm-env") / "venv", pip=True)
    venv.install("llm")
    return venv


@pytest.fixture
def user_shell(llm_with_pip, tmp_path):
    """A shell whose `llm` is that environment's."""
    env = shell_environ(tmp_path / "home", llm_with_pip.path / "bin")
    env["LLM_USER_PATH"] = str(llm_with_pip.user_path)
    return env


@pytest.fixture
def installed(default_project, llm_with_pip):
    # What `llm install -e` does, with uv: pip's own isolated build takes seconds each time.
    # test_development_commands_install_the_plugin runs `llm install -e .` as printed.
    llm_with_pip.install("-e", default_project)
    return default_project


def test_development_commands_install_the_plugin(default_project, llm_with_pip, user_shell):
    script = block((default_project / "README.md").read_text(), "llm install -e .")
    result = bash(script, default_project.parent, user_shell)
    plugins = json.loads(result.stdout[result.stdout.rindex("\n[\n") :])  # after pip's output
    assert {"name": "llm-markov", "hooks": ["register_models"], "version": "0.1"} in plugins


def output_after(readme, containing):
    """The unlabelled block printed right after the bash block holding a command: its output."""
    found = [(lang, body) for _, lang, body in FENCED_BLOCK.findall(readme)]
    [index] = [i for i, (lang, body) in enumerate(found) if lang == "bash" and containing in body]
    lang, body = found[index + 1]
    assert lang == ""
    return body


def test_usage_commands_print_what_the_readme_shows(installed, user_shell, tmp_path):
    readme = (installed / "README.md").read_text()
    usage = [block(readme, f'-m markov "{PROMPT}"\n'), *commands(block(readme, "-o delay 0.1"))]
    for command in usage:
        words = bash(command, tmp_path, user_shell).stdout.split()
        assert len(words) == 20
        assert set(words) <= set(PROMPT.split())
    refused = bash(block(readme, "-o length -1"), tmp_path, user_shell, check=False)
    assert refused.returncode == 1
    assert refused.stderr == output_after(readme, "-o length -1")


def test_async_usage_command_works_as_printed(llm_with_pip, user_shell, tmp_path):
    project = render(tmp_path / "async", plugin_name="llm-chain", async_markov=True)
    llm_with_pip.install("-e", project)
    command = block((project / "README.md").read_text(), "--async")
    assert command == f'llm --async -m chain "{PROMPT}"\n'
    words = bash(command, tmp_path, user_shell).stdout.split()
    assert len(words) == 20
    assert set(words) <= set(PROMPT.split())


def test_iconv_command_answers_a_latin_1_file(installed, user_shell, tmp_path):
    (tmp_path / "notes.txt").write_bytes("café naïve the cat".encode("latin-1"))
    result = bash(block((installed / "README.md").read_text(), "iconv"), tmp_path, user_shell)
    assert set(result.stdout.split()) <= {"café", "naïve", "the", "cat"}


def test_python_example_runs(installed, llm_with_pip, user_shell, tmp_path):
    code = block((installed / "README.md").read_text(), "import llm", "python")
    result = run(llm_with_pip.bin("python"), "-c", code, cwd=tmp_path, env=user_shell, timeout=60)
    assert len(result.stdout.split()) == 10


def test_code_style_commands_work_as_printed(default_project, tmp_path):
    env = shell_environ(tmp_path / "home", Path(UV).parent)
    project = shutil.copytree(default_project, tmp_path / "llm-markov")
    bash("git init -q && git add -A", project, env)
    readme = (project / "README.md").read_text()
    bash(block(readme, "pre-commit install"), project, env)
    assert "pre-commit" in (project / ".git" / "hooks" / "pre-commit").read_text()
    by_hand = re.search(r"by hand with `(uvx ruff check \.)` and `(uvx ruff format \.)`", readme)
    bash("\n".join(by_hand.groups()), project, env)
    assert bash("git diff --stat", project, env).stdout == ""  # nothing left to fix or format


def test_recovery_command_uninstalls_the_plugin(installed, llm_with_pip, user_shell, tmp_path):
    assert "llm-markov" in llm_with_pip.llm("plugins").stdout
    command = block((installed / "README.md").read_text(), "uninstall").strip()
    assert command == "LLM_LOAD_PLUGINS='' llm uninstall llm-markov -y"
    bash(command, tmp_path, user_shell)
    assert "llm-markov" not in llm_with_pip.llm("plugins").stdout


# The release recipe, by hand, in a new venv whose pip knows no --group


PYPIRC = f"""\
[distutils]
index-servers =
    pypi
    testpypi

[pypi]
repository = {{pypi}}
username = {USER}
password = {PASSWORD}

[testpypi]
repository = {{testpypi}}
username = {USER}
password = {PASSWORD}
"""


def bundled_pip(python):
    """The version of pip that `python -m venv` puts in a new venv."""
    found = run(python, "-c", "import ensurepip; print(ensurepip.version())").stdout.strip()
    return tuple(int(part) for part in found.split(".")[:2])


def test_release_recipe_works_as_printed_with_an_old_pip(tmp_path):
    # python3 is the interpreter of these tests, outside their venv: up to Python 3.12 (CI's
    # oldest job runs 3.11) the pip of its new venvs is older than 25.1, as with the Pythons
    # of Debian 12 or Ubuntu 24.04. Newer Pythons bring a newer pip: the recipe works there too.
    python_bin = Path(sys.base_prefix) / "bin"
    if sys.version_info < (3, 13):
        assert bundled_pip(python_bin / "python3") < (25, 1), "this test needs an older pip"
    project = git_repository(render(tmp_path / "render"))
    readme = (project / "README.md").read_text()
    recipe = block(readme, "scripts/release.py --dry-run")
    pypi = PackageIndex(tmp_path / "pypi", ["update"])
    testpypi = PackageIndex(tmp_path / "testpypi", ["update"])
    env = shell_environ(tmp_path / "home", python_bin)
    env["HOME"] = str(tmp_path / "home")
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    (tmp_path / "home" / ".pypirc").write_text(PYPIRC.format(pypi=pypi.url, testpypi=testpypi.url))
    try:
        result = bash(recipe, project, env, input="")
    finally:
        pypi.close()
        testpypi.close()
    files = ["llm_markov-0.1-py3-none-any.whl", "llm_markov-0.1.tar.gz"]
    assert pypi.files() == testpypi.files() == files
    assert "Dry run: built and checked llm-markov 0.1; uploaded nothing." in result.stdout
    assert result.stdout.count("Released llm-markov 0.1 to") == 2
    # Where a tool is missing, the release script asks for the same install lines.
    bare = Venv.create(tmp_path / "bare")
    refused = bare.python("scripts/release.py", "--dry-run", cwd=project, check=False)
    install = " && ".join(line for line in commands(recipe) if line.startswith("python -m pip"))
    assert refused.stderr == f"Error: missing build: {install}\n"


# The api kind's keys: which one wins, and the README's --key example as printed


@pytest.fixture(scope="module")
def acme(tmp_path_factory):
    """The api kind installed, its fake API running, llm pointed at it with a key in the
    environment."""
    project = render(tmp_path_factory.mktemp("acme"), **KINDS["api"])
    venv = install_project(project, tmp_path_factory.mktemp("acme-env") / "venv")
    fake_api = load_module(project / "tests" / "fake_api.py", "readme_fake_api")
    with fake_api.FakeChatAPI() as api:
        env = venv.environ(ACME_BASE_URL=api.url, ACME_API_KEY="sk-env")
        yield {"project": project, "api": api, "env": env}


def key_sent(acme, *options):
    """The key a prompt sends to the API, with these options."""
    bash(f'llm -m acme "Say hello" {" ".join(options)}', acme["project"], acme["env"])
    return acme["api"].requests[-1][1]["Authorization"].removeprefix("Bearer ")


def test_stored_key_wins_over_the_environment_and_key_option_over_both(acme):
    readme = (acme["project"] / "README.md").read_text()
    assert "then the key stored with `llm keys set acme`, then `ACME_API_KEY`" in readme
    assert key_sent(acme) == "sk-env"
    bash("llm keys set acme --value sk-stored", acme["project"], acme["env"])
    assert key_sent(acme) == "sk-stored"
    assert key_sent(acme, "--key", "sk-given") == "sk-given"
    # The README's example: a second stored key, named with --key.
    example = block(readme, "--key acme-work")
    bash(example, acme["project"], acme["env"], input="sk-work\n")
    assert acme["api"].requests[-1][1]["Authorization"] == "Bearer sk-work"
    # The README's way back to the environment variable: delete the stored entry.
    keys_path = Path(bash("llm keys path", acme["project"], acme["env"]).stdout.strip())
    keys = json.loads(keys_path.read_text())
    del keys["acme"]
    keys_path.write_text(json.dumps(keys))
    assert key_sent(acme) == "sk-env"
