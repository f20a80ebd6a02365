"""Every model kind and toggle renders a working plugin.

Each render is installed in its own environment with the real llm; `llm plugins` lists
it, and it works through llm's commands as a user runs them.
The default markov render is covered by test_default_instance.py. What a rendered
suite already covers through llm's Python API and CliRunner is not tested again here:
only what needs llm's own processes (signals, exit, the README's commands as printed).
"""

import ast
import json
import math
import os
import re
import shlex
import signal
import subprocess

import pytest

from helpers import (
    KINDS,
    PROMPT,
    bash,
    block,
    blocks,
    install_project,
    load_module,
    render,
    tomllib,
)

# The hooks each render registers: every kind and toggle but the default markov.
HOOKS = {
    "markov-async": ["register_models"],
    "api": ["register_commands", "register_embedding_models", "register_models"],
    "embedding": ["register_embedding_models"],
}
EMBEDDING_MODEL = KINDS["embedding"]["model_id"]
EMBEDDING_MODULE = KINDS["embedding"]["plugin_name"].replace("-", "_")
ANSWER = "Pelicans are large water birds"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """Render and install each kind once for this module: {kind: (project, venv)}."""
    cache = {}

    def get(kind):
        if kind not in cache:
            project = render(tmp_path_factory.mktemp(kind), **KINDS[kind])
            venv = install_project(project, tmp_path_factory.mktemp(f"{kind}-env") / "venv")
            cache[kind] = (project, venv)
        return cache[kind]

    return get


# Each kind's own suite runs in test_every_kind_releases.py (as its README says) and in
# test_routine_edits.py (after an author's edits), not again here.


@pytest.mark.parametrize("kind", list(HOOKS))
def test_llm_plugins_lists_it_with_its_hooks(installed, kind):
    project, venv = installed(kind)
    name = tomllib.loads((project / "pyproject.toml").read_text())["project"]["name"]
    plugins = json.loads(venv.llm("plugins").stdout)
    assert {"name": name, "hooks": HOOKS[kind], "version": "0.1"} in plugins


@pytest.mark.parametrize(
    "kind, python_files, dependencies",
    [
        (
            "api",
            {
                "llm_acme/__init__.py",
                "llm_acme/client.py",
                "llm_acme/embeddings.py",
                "tests/conftest.py",
                "tests/helpers.py",
                "tests/fake_api.py",
                "tests/test_client_connections.py",
                "tests/test_client_embeddings.py",
                "tests/test_client_pdf_and_audio.py",
                "tests/test_client_replies.py",
                "tests/test_client_retries.py",
                "tests/test_client_schemas_and_images.py",
                "tests/test_client_tools.py",
                "tests/test_llm_acme.py",
                "tests/test_model_capabilities.py",
                "tests/test_model_discovery.py",
                "tests/test_plugin.py",
                "tests/test_recorded.py",
            },
            ["llm>=0.33", "httpx2>=2.10"],
        ),
        (
            "embedding",
            {
                f"{EMBEDDING_MODULE}.py",
                "tests/conftest.py",
                "tests/helpers.py",
                f"tests/test_{EMBEDDING_MODULE}.py",
                "tests/test_plugin.py",
            },
            ["llm"],
        ),
    ],
)
def test_a_render_holds_only_what_its_kind_needs(tmp_path, kind, python_files, dependencies):
    project = render(tmp_path, **KINDS[kind])
    found = {str(path.relative_to(project)) for path in project.rglob("*.py")}
    assert found - {"scripts/release.py"} == python_files
    # The api kind's package folder is left out of the other kinds' renders, not left empty
    folders = {path.name for path in project.iterdir() if path.is_dir()}
    assert folders - {".github", "scripts", "tests"} == {
        name.partition("/")[0] for name in python_files if "/" in name and "tests/" not in name
    }
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["dependencies"] == dependencies


def test_the_default_markov_render_has_nothing_of_the_other_kinds(default_project):
    assert not (default_project / "tests" / "fake_api.py").exists()
    assert not (default_project / "llm_markov").exists()  # the api kind's package folder
    module = (default_project / "llm_markov.py").read_text()
    assert "AsyncModel" not in module  # the async twin is off by default
    assert "asyncio" not in module


def test_markov_async_works_from_the_command_line(installed):
    _, venv = installed("markov-async")
    model = KINDS["markov-async"]["model_id"]
    words = venv.llm("--async", "-m", model, PROMPT, "-o", "length", "6").stdout.split()
    assert len(words) == 6
    assert set(words) <= set(PROMPT.split())
    assert f" (async): {model}\n" in venv.llm("models", "--async").stdout


# The api kind, against the fake API of the rendered project's own tests: what needs llm's own
# processes. Its rendered suite covers the rest (tools, schemas, images, refresh, retries, ...).


@pytest.fixture(scope="module")
def fake_api(installed):
    """The rendered tests/fake_api.py, loaded into this process: it needs only the stdlib."""
    project, _ = installed("api")
    return load_module(project / "tests" / "fake_api.py", "rendered_fake_api")


@pytest.fixture
def api(fake_api):
    with fake_api.FakeChatAPI() as server:
        server.answer = ANSWER
        yield server


@pytest.mark.parametrize("flags", [[], ["--async"]])
def test_api_ctrl_c_in_the_middle_of_an_answer(installed, api, flags):
    _, venv = installed("api")
    api.reply_next(stall=60)
    process = subprocess.Popen(
        [venv.bin("llm"), "-m", "acme", "hi", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=venv.environ(ACME_BASE_URL=api.url, ACME_API_KEY="sk"),
    )
    try:
        first_word = os.read(process.stdout.fileno(), 100)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert first_word == b"Pelicans "
    assert process.returncode == 1
    assert stderr.decode().strip() == "Aborted!"  # click's message, and no traceback


def readme_examples(project, language):
    """The code blocks of a language in the rendered README's Usage section."""
    readme = (project / "README.md").read_text()
    return blocks(readme[readme.index("## Usage") : readme.index("## Development")], language)


# Run in the api kind's environment, in one process (an llm process apiece would cost a second
# each): each command through llm's own CLI, as click's CliRunner runs it, then each Python
# example; it prints what each gave, as JSON.
README_EXAMPLES_SCRIPT = """
import contextlib, io, json, shlex, sys
from click.testing import CliRunner
from llm.cli import cli

commands, examples = json.load(sys.stdin)
results = []
for command in commands:
    stdin = "quit\\n" if command.startswith("llm chat") else ""
    result = CliRunner().invoke(cli, shlex.split(command)[1:], input=stdin)
    results.append([command, result.exit_code, result.stderr, repr(result.exception)])
printed = []
for example in examples:
    with contextlib.redirect_stdout(io.StringIO()) as output:
        exec(example, {"__name__": "__main__"})
    printed.append(output.getvalue())
print(json.dumps([results, printed]))
"""


# The files the README's examples attach or embed, each a few bytes of its kind
README_FILES = {
    "report.pdf": b"%PDF-1.4\n%%EOF\n",
    "recording.wav": b"RIFF$\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00@\x1f"
    b"\x00\x00\x80>\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00",
    "recording.mp3": b"\xff\xfb\x90\x00" + bytes(100),
    "birds.csv": b"id,content\npelican,Pelicans scoop fish\nowl,Owls hunt mice at night\n",
}


def test_api_readme_examples_run(installed, fake_api, api, tmp_path):
    project, venv = installed("api")
    (tmp_path / "pelican.jpg").write_bytes(fake_api.PNG)
    for name, content in README_FILES.items():
        (tmp_path / name).write_bytes(content)
    commands = [
        line.replace("MODEL-ID", "acme-mini")
        for block in readme_examples(project, "bash")
        if "_BASE_URL=" not in block  # the session against a fake API served by hand, below
        for line in block.splitlines()
        # Not: comments, the interactive key prompt, an image URL (a download)
        if line.startswith("llm ") and "keys set" not in line and "https://" not in line
    ]
    examples = readme_examples(project, "python")
    assert len(commands) >= 20
    assert len(examples) >= 3
    try:
        result = venv.python(
            "-c", README_EXAMPLES_SCRIPT, input=json.dumps([commands, examples]), cwd=tmp_path,
            ACME_BASE_URL=api.url, ACME_API_KEY="sk",
        )  # fmt: skip
    finally:
        for name in ["acme-models.json", "aliases.json", "embeddings.db"]:
            (venv.user_path / name).unlink(missing_ok=True)
    results, printed = json.loads(result.stdout)
    assert [command for command, *_ in results] == commands
    for command, exit_code, stderr, exception in results:
        if "temperature 3" in command:
            assert stderr.startswith("Error: temperature\n"), command
        else:
            assert exit_code == 0, f"{command}\n{stderr}\n{exception}"
    assert all(output.strip() for output in printed), printed
    bodies = [body for _, _, body in api.requests if body]
    assert {body["model"] for body in bodies} == {"acme", "acme-mini", "acme-embed"}
    parts = [
        part
        for body in bodies
        for message in body.get("messages", [])
        if isinstance(message["content"], list)
        for part in message["content"]
    ]
    formats = {part["input_audio"]["format"] for part in parts if part["type"] == "input_audio"}
    assert formats == {"wav", "mp3"}
    assert {part["type"] for part in parts} == {"text", "image_url", "file", "input_audio"}
    [similar] = [stderr for command, _, stderr, _ in results if command.startswith("llm similar")]
    assert similar == ""


def test_api_bad_embedding_reply_is_one_error_line_from_llm_itself(installed, api):
    _, venv = installed("api")
    env = {"ACME_BASE_URL": api.url, "ACME_API_KEY": "sk"}
    api.reply_next(status=200, body='{"data": [{"index": 0, "embedding": ["x"]}]}')
    result = venv.llm("embed", "-m", "acme-embed", "-c", "hi", check=False, **env)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith("Error: ")
    assert len(result.stderr.splitlines()) == 1


CLIENTS_SCRIPT = """
import asyncio, threading, llm

model = llm.get_model("acme")
for stream in (True, False, True):
    model.prompt("hi", stream=stream).text()
threads = [threading.Thread(target=lambda: model.prompt("hi").text()) for _ in range(3)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()

async_model = llm.get_async_model("acme")

async def prompts():
    for stream in (True, False):
        await async_model.prompt("hi", stream=stream).text()

asyncio.run(prompts())
asyncio.run(prompts())
print("done")
"""


def test_api_clients_are_reused_and_closed_cleanly(installed, api):
    _, venv = installed("api")
    env = {"ACME_BASE_URL": api.url, "ACME_API_KEY": "sk"}
    # Every unclosed socket or transport would show as a ResourceWarning
    result = venv.python("-W", "always::ResourceWarning", "-c", CLIENTS_SCRIPT, **env)
    assert (result.stdout, result.stderr) == ("done\n", "")
    assert len(api.requests) == 3 + 3 + 2 + 2
    # The sync model's connection (and at most one per extra thread), one per event loop
    assert api.connections <= 1 + 3 + 2


def module_constants(path):
    """The module-level NAME = "literal" assignments of a Python file."""
    tree = ast.parse(path.read_text())
    return {
        node.targets[0].id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
    }


@pytest.mark.parametrize(
    "answers, key_name, env_prefix",
    [
        ({"plugin_name": "llm-acme"}, "acme", "ACME"),
        ({"plugin_name": "My.Plugin_x"}, "my-plugin-x", "MY_PLUGIN_X"),
        ({"plugin_name": "acme-llm"}, "acme-llm", "ACME_LLM"),
        # A shell variable cannot start with a digit, nor an llm keys name with a hyphen
        ({"plugin_name": "llm-3d", "class_name": "ThreeD"}, "llm-3d", "LLM_3D"),
    ],
)
def test_api_key_names_come_from_the_plugin_name(tmp_path, answers, key_name, env_prefix):
    project = render(tmp_path, model_kind="api", **answers)
    [module] = project.glob("*/__init__.py")
    constants = module_constants(module)
    assert constants["KEY_NAME"] == key_name
    assert constants["KEY_ENV_VAR"] == f"{env_prefix}_API_KEY"
    assert constants["API_BASE_ENV_VAR"] == f"{env_prefix}_BASE_URL"


def test_importing_the_api_plugin_adds_no_modules_beyond_llm(installed):
    _, venv = installed("api")
    script = (
        "import sys, llm; before = set(sys.modules); import llm_acme; "
        "print(sorted(set(sys.modules) - before))"
    )
    # Nor its client, until a model is made: llm --version, llm logs and others use none
    assert venv.python("-c", script, LLM_LOAD_PLUGINS="").stdout == "['llm_acme']\n"


def by_hand_session(project):
    """The rendered README's commands that serve the fake API by hand, and those to run
    in another terminal against it."""
    readme = (project / "README.md").read_text()
    start = readme.index("### Trying it without a provider")
    section = readme[start : readme.index("\n### ", start + 1)]
    return block(section, "tests/fake_api.py --port").strip(), block(section, "_BASE_URL=")


def test_api_fake_api_served_by_hand_as_the_readme_shows(installed, tmp_path):
    project, venv = installed("api")
    serve, session = by_hand_session(project)
    printed_port = re.search(r"--port (\d+)", serve)[1]
    # As printed, but on a port the system picks: the printed one may be taken here
    process = subprocess.Popen(
        shlex.split(serve.replace(f"--port {printed_port}", "--port 0")),
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=venv.environ(),
    )
    try:
        first_line = process.stdout.readline()
        port = re.search(r"http://127\.0\.0\.1:(\d+)/v1", first_line)[1]
        env = {**venv.environ(), "LLM_USER_PATH": str(tmp_path / "llm-user-path")}
        result = bash(session.replace(printed_port, port), cwd=project, env=env)
        process.send_signal(signal.SIGINT)  # Ctrl-C
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert (process.returncode, stderr) == (0, "")
    llm_version = venv.python("-c", "import importlib.metadata as m; print(m.version('llm'))")
    assert result.stdout.splitlines() == [
        "acme/acme",
        "acme/acme-mini",
        "acme/acme-embed",
        "Hello from the fake API",
        f"The tool returned: {llm_version.stdout.strip()}",
        f"I cannot see images, but I got 1: http://127.0.0.1:{port}/v1/pelican.png",
    ]
    assert "llm_version" in result.stderr  # --td shows the call


# The embedding kind


def test_embedding_through_llm_commands(installed, tmp_path):
    _, venv = installed("embedding")
    vector = json.loads(venv.llm("embed", "-m", EMBEDDING_MODEL, "-c", "Pelicans eat fish").stdout)
    assert len(vector) == 512
    assert math.sqrt(sum(value * value for value in vector)) == pytest.approx(1.0)

    documents = tmp_path / "birds.json"
    documents.write_text(
        json.dumps(
            [
                {"id": "pelican", "content": "Pelicans scoop fish into their big beaks"},
                {"id": "owl", "content": "Owls hunt mice at night"},
                {"id": "swift", "content": "Swifts sleep while they fly"},
            ]
        )
    )
    venv.llm("embed-multi", "birds", str(documents), "-m", EMBEDDING_MODEL, "--store")
    lines = venv.llm("similar", "birds", "-c", "which birds eat fish?").stdout.splitlines()
    matches = [json.loads(line) for line in lines]
    assert matches[0]["id"] == "pelican"
    assert matches[0]["content"] == "Pelicans scoop fish into their big beaks"
    assert "birds" in venv.llm("collections", "list").stdout
