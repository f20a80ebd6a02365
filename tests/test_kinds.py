"""Every model kind and toggle renders a working plugin.

Each render is installed in its own environment with the real llm; its own tests
pass, `llm plugins` lists it, and it works through llm's commands as a user runs them.
The default markov render is covered by test_default_instance.py.
"""

import ast
import base64
import json
import math
import os
import signal
import subprocess
import tomllib

import pytest

from helpers import KINDS, PROMPT, blocks, install_project, load_module, refusing_port, render

# The hooks each render registers: every kind and toggle but the default markov.
HOOKS = {
    "markov-async": ["register_models"],
    "api": ["register_commands", "register_models"],
    "embedding": ["register_embedding_models"],
}
EMBEDDING_MODEL = KINDS["embedding"]["model_id"]
EMBEDDING_MODULE = KINDS["embedding"]["plugin_name"].replace("-", "_")
ANSWER = "Pelicans are large water birds"
NO_KEY_ERROR = (
    "Error: No key found - add one using 'llm keys set acme'"
    " or set the ACME_API_KEY environment variable\n"
)
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


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


@pytest.mark.parametrize("kind", list(HOOKS))
def test_rendered_plugin_passes_its_own_tests(installed, kind):
    project, venv = installed(kind)
    result = venv.python("-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=project)
    summary = result.stdout.strip().splitlines()[-1]
    assert " passed" in summary
    assert "skipped" not in summary


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
                "llm_acme.py",
                "tests/conftest.py",
                "tests/helpers.py",
                "tests/fake_api.py",
                "tests/test_connections.py",
                "tests/test_llm_acme.py",
                "tests/test_model_discovery.py",
                "tests/test_plugin.py",
                "tests/test_replies.py",
                "tests/test_retries.py",
                "tests/test_schemas_and_images.py",
                "tests/test_tools.py",
            },
            ["llm>=0.33", "httpx2"],
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
    found = {str(path.relative_to(project)) for path in project.glob("*.py")}
    found |= {str(path.relative_to(project)) for path in project.glob("tests/*.py")}
    assert found == python_files
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["dependencies"] == dependencies


def test_the_default_markov_render_has_nothing_of_the_other_kinds(default_project):
    assert not (default_project / "tests" / "fake_api.py").exists()
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


# The api kind, against the fake API of the rendered project's own tests.


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


@pytest.fixture
def acme(installed, api):
    """Run llm in the api kind's environment, pointed at the fake API, with a key."""
    _, venv = installed("api")

    def run(*args, check=True, **env):
        env = {"ACME_BASE_URL": api.url, "ACME_API_KEY": "sk-env", **env}
        return venv.llm(*args, check=check, **env)

    return run


def test_api_without_a_key_names_the_key(installed, api):
    _, venv = installed("api")
    result = venv.llm("-m", "acme", "hi", check=False, ACME_BASE_URL=api.url)
    assert result.returncode == 1
    assert result.stderr == NO_KEY_ERROR
    assert api.requests == []


def test_api_streams_and_sends_the_conversation(acme, api):
    first = acme("-m", "acme", "Tell me about pelicans", "-s", "Be brief")
    second = acme("-c", "And herons?", "--no-stream", "-o", "temperature", "0.3")
    assert first.stdout == second.stdout == ANSWER + "\n"
    [(path, headers, body), (_, _, follow_up)] = api.requests
    assert (path, headers["Authorization"]) == ("/v1/chat/completions", "Bearer sk-env")
    assert (body["model"], body["stream"]) == ("acme", True)
    assert follow_up["stream"] is False
    assert follow_up["temperature"] == 0.3
    assert follow_up["messages"] == [
        {"role": "system", "content": "Be brief"},
        {"role": "user", "content": "Tell me about pelicans"},
        {"role": "assistant", "content": ANSWER},
        {"role": "user", "content": "And herons?"},
    ]
    logs = json.loads(acme("logs", "-n", "2", "--json").stdout)
    # The fake API counts words as tokens
    assert [(entry["input_tokens"], entry["output_tokens"]) for entry in logs] == [(6, 5), (13, 5)]


def test_api_key_from_llm_keys_set_and_async(installed, api):
    _, venv = installed("api")
    venv.llm("keys", "set", "acme", "--value", "sk-stored")
    try:
        result = venv.llm("--async", "-m", "acme", "hi", ACME_BASE_URL=api.url)
    finally:
        (venv.user_path / "keys.json").unlink()  # the other tests expect no stored key
    assert result.stdout == ANSWER + "\n"
    assert api.last_headers["Authorization"] == "Bearer sk-stored"


def test_api_that_cannot_be_reached_is_a_clear_error(installed):
    _, venv = installed("api")
    with refusing_port() as port:
        url = f"http://127.0.0.1:{port}"
        result = venv.llm("-m", "acme", "hi", check=False, ACME_BASE_URL=url, ACME_API_KEY="sk")
    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: Could not reach the API at {url}/chat/completions: ")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("flags", [[], ["--no-stream"], ["--async"]])
def test_api_tool_round_trip(installed, acme, api, flags):
    _, venv = installed("api")
    llm_version = venv.python("-c", "import importlib.metadata as m; print(m.version('llm'))")
    api.reply_next(tool_calls=[("llm_version", "{}")])
    result = acme("-m", "acme", "-T", "llm_version", "Which version of llm?", *flags)
    assert result.stdout == ANSWER + "\n"
    (_, _, first), (_, _, second) = api.requests
    assert [tool["function"]["name"] for tool in first["tools"]] == ["llm_version"]
    call, tool_result = second["messages"][1:]
    assert call["tool_calls"][0]["function"] == {"name": "llm_version", "arguments": "{}"}
    assert tool_result == {
        "role": "tool",
        "tool_call_id": call["tool_calls"][0]["id"],
        "content": llm_version.stdout.strip(),
    }


def test_api_is_listed_among_models_with_tools_and_schemas(acme):
    assert "Acme: acme\n" in acme("models", "--tools", "--schemas").stdout


def test_api_schema_goes_as_a_response_format(acme, api):
    api.reply_next(content='{"name": "Cleo", "age": 3}')
    result = acme("-m", "acme", "Invent a dog", "--schema", "name, age int")
    assert json.loads(result.stdout) == {"name": "Cleo", "age": 3}
    response_format = api.last_body["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["schema"]["required"] == ["name", "age"]


def test_api_image_goes_as_an_image_url(acme, api, tmp_path):
    image = tmp_path / "image.png"
    image.write_bytes(PNG)
    acme("-m", "acme", "Describe it", "-a", str(image))
    [message] = api.last_body["messages"]
    data_url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert message["content"] == [
        {"type": "text", "text": "Describe it"},
        {"type": "image_url", "image_url": {"url": data_url}},
    ]


def test_api_refresh_models_and_a_discovered_model(installed, acme, api):
    _, venv = installed("api")
    try:
        assert acme("acme", "refresh").stdout == "acme/acme-large\nacme/acme-small\n"
        assert api.requests[0][0] == "/v1/models"
        api.requests.clear()
        # Loading llm, and so the plugin, sends nothing: only prompts and refresh do
        assert acme("acme", "models").stdout == "acme/acme-large\nacme/acme-small\n"
        assert "Acme: acme/acme-small\n" in acme("models").stdout
        acme("--version")
        assert api.requests == []
        assert acme("-m", "acme/acme-small", "hi").stdout == ANSWER + "\n"
        assert api.last_body["model"] == "acme-small"
    finally:
        (venv.user_path / "acme-models.json").unlink(missing_ok=True)


def test_api_retries_a_busy_api_then_gives_one_clear_error(acme, api):
    api.reply_next(status=503, body="busy", headers={"Retry-After": "0"})
    assert acme("-m", "acme", "hi").stdout == ANSWER + "\n"
    assert len(api.requests) == 2
    for _ in range(3):
        api.reply_next(status=500, body="still down", headers={"Retry-After": "0"})
    result = acme("-m", "acme", "hi", check=False)
    assert result.returncode == 1
    assert result.stderr == (
        "Error: 500 Internal Server Error: the API could not answer. The API said: still down."
        " It asks to try again in 0 seconds\n"
    )
    assert len(api.requests) == 5


@pytest.mark.parametrize("flags", [[], ["--async"]])
def test_api_stream_cut_off_is_an_error(acme, api, flags):
    api.reply_next(end_early=True)
    result = acme("-m", "acme", "hi", *flags, check=False)
    assert result.returncode == 1
    assert result.stdout == ANSWER
    assert result.stderr == (
        "Error: The reply ended early: the API closed the stream before saying it was complete."
        " Try again.\n"
    )


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


def test_api_chat_keeps_one_connection(acme, api):
    result = acme("chat", "-m", "acme", input="One\nTwo\nThree\nquit\n")
    assert result.stdout.count(ANSWER) == 3
    assert len(api.requests) == 3
    assert api.connections == 1


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


def test_api_readme_examples_run(installed, api, tmp_path):
    project, venv = installed("api")
    (tmp_path / "pelican.jpg").write_bytes(PNG)
    commands = [
        line.replace("MODEL-ID", "acme-small")
        for block in readme_examples(project, "bash")
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
        for name in ["acme-models.json", "aliases.json"]:
            (venv.user_path / name).unlink(missing_ok=True)
    results, printed = json.loads(result.stdout)
    assert [command for command, *_ in results] == commands
    for command, exit_code, stderr, exception in results:
        if "temperature 3" in command:
            assert stderr.startswith("Error: temperature\n"), command
        else:
            assert exit_code == 0, f"{command}\n{stderr}\n{exception}"
    assert all(output.strip() for output in printed), printed
    assert api.last_body["model"] == "acme"


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
    [module] = project.glob("*.py")
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
    assert venv.python("-c", script, LLM_LOAD_PLUGINS="").stdout == "['llm_acme']\n"


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
