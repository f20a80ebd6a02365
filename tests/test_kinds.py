"""Every model kind and toggle renders a working plugin.

Each render is installed in its own environment with the real llm; its own tests
pass, `llm plugins` lists it, and it works through llm's commands as a user runs them.
The default markov render is covered by test_default_instance.py.
"""

import ast
import json
import math
import threading
import tomllib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from helpers import install_project, refusing_port, render

KINDS = {
    "markov-async": {"async_markov": True},
    "api": {"model_kind": "api", "plugin_name": "llm-acme", "model_id": "acme"},
    "embedding": {"model_kind": "embedding", "plugin_name": "llm-bag", "model_id": "bag"},
}
HOOKS = {
    "markov-async": ["register_models"],
    "api": ["register_models"],
    "embedding": ["register_embedding_models"],
}
PROMPT = "the cat sat on the mat"
ANSWER = "Pelicans are large water birds"
NO_KEY_ERROR = (
    "Error: No key found - add one using 'llm keys set acme'"
    " or set the ACME_API_KEY environment variable\n"
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


@pytest.mark.parametrize("kind", list(KINDS))
def test_rendered_plugin_passes_its_own_tests(installed, kind):
    project, venv = installed(kind)
    result = venv.python("-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=project)
    summary = result.stdout.strip().splitlines()[-1]
    assert " passed" in summary
    assert "skipped" not in summary


@pytest.mark.parametrize("kind", list(KINDS))
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
                "tests/fake_api.py",
                "tests/test_llm_acme.py",
                "tests/test_plugin.py",
            },
            ["llm>=0.33", "httpx2"],
        ),
        (
            "embedding",
            {"llm_bag.py", "tests/conftest.py", "tests/test_llm_bag.py", "tests/test_plugin.py"},
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
    words = venv.llm("--async", "-m", "markov", PROMPT, "-o", "length", "6").stdout.split()
    assert len(words) == 6
    assert set(words) <= set(PROMPT.split())
    assert "Markov (async): markov" in venv.llm("models", "--async").stdout


# The api kind, against a chat-completions server that this module runs itself.


class ChatHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.received.append((self.path, self.headers["Authorization"], body))
        usage = {"prompt_tokens": 11, "completion_tokens": 5, "total_tokens": 16}
        if body["stream"]:
            pieces = [ANSWER[start : start + 5] for start in range(0, len(ANSWER), 5)]
            events = [{"choices": [{"index": 0, "delta": {"content": text}}]} for text in pieces]
            events.append({"choices": [], "usage": usage})
            data = "".join(f"data: {json.dumps(event)}\n\n" for event in events)
            self.reply(data + "data: [DONE]\n\n", "text/event-stream")
        else:
            message = {"role": "assistant", "content": ANSWER}
            reply = {"id": "cmpl-1", "choices": [{"index": 0, "message": message}], "usage": usage}
            self.reply(json.dumps(reply), "application/json")

    def reply(self, text, content_type):
        data = text.encode()
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def chat_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), ChatHandler)
    server.received = []
    threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def server_url(server):
    host, port = server.server_address
    return f"http://{host}:{port}/v1"


def test_api_without_a_key_names_the_key(installed, chat_server):
    _, venv = installed("api")
    result = venv.llm("-m", "acme", "hi", check=False, ACME_BASE_URL=server_url(chat_server))
    assert result.returncode == 1
    assert result.stderr == NO_KEY_ERROR
    assert chat_server.received == []


def test_api_streams_and_sends_the_conversation(installed, chat_server):
    _, venv = installed("api")
    env = {"ACME_BASE_URL": server_url(chat_server), "ACME_API_KEY": "sk-env"}
    first = venv.llm("-m", "acme", "Tell me about pelicans", "-s", "Be brief", **env)
    second = venv.llm("-c", "And herons?", "--no-stream", "-o", "temperature", "0.3", **env)
    assert first.stdout == second.stdout == ANSWER + "\n"
    [(path, auth, body), (_, _, follow_up)] = chat_server.received
    assert (path, auth) == ("/v1/chat/completions", "Bearer sk-env")
    assert (body["model"], body["stream"]) == ("acme", True)
    assert follow_up["stream"] is False
    assert follow_up["temperature"] == 0.3
    assert follow_up["messages"] == [
        {"role": "system", "content": "Be brief"},
        {"role": "user", "content": "Tell me about pelicans"},
        {"role": "assistant", "content": ANSWER},
        {"role": "user", "content": "And herons?"},
    ]
    logs = json.loads(venv.llm("logs", "-n", "2", "--json").stdout)
    assert [(entry["input_tokens"], entry["output_tokens"]) for entry in logs] == [(11, 5)] * 2


def test_api_key_from_llm_keys_set_and_async(installed, chat_server):
    _, venv = installed("api")
    venv.llm("keys", "set", "acme", "--value", "sk-stored")
    try:
        result = venv.llm("--async", "-m", "acme", "hi", ACME_BASE_URL=server_url(chat_server))
    finally:
        (venv.user_path / "keys.json").unlink()  # the other tests expect no stored key
    assert result.stdout == ANSWER + "\n"
    assert chat_server.received[-1][1] == "Bearer sk-stored"


def test_api_that_cannot_be_reached_is_a_clear_error(installed):
    _, venv = installed("api")
    with refusing_port() as port:
        url = f"http://127.0.0.1:{port}"
        result = venv.llm("-m", "acme", "hi", check=False, ACME_BASE_URL=url, ACME_API_KEY="sk")
    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: Could not reach the API at {url}/chat/completions: ")
    assert "Traceback" not in result.stderr


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
    vector = json.loads(venv.llm("embed", "-m", "bag", "-c", "Pelicans eat fish").stdout)
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
    venv.llm("embed-multi", "birds", str(documents), "-m", "bag", "--store")
    lines = venv.llm("similar", "birds", "-c", "which birds eat fish?").stdout.splitlines()
    matches = [json.loads(line) for line in lines]
    assert matches[0]["id"] == "pelican"
    assert matches[0]["content"] == "Pelicans scoop fish into their big beaks"
    assert "birds" in venv.llm("collections", "list").stdout
