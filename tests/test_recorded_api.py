"""The api kind's recorded tests (pytest-recording), in one render and one environment.

The cassette it ships replays with no server and no key, whatever the API's address and model;
a missing cassette, or a request the cassette has no answer for, fails the test. The rendered
README's recipe, run as printed against the fake API served by hand in place of the provider,
records a cassette without the key, which the tests then replay with the server gone; a key in
a URL stays out too, and a compressed answer is saved as text. Other kinds render none of it.
"""

import re
import shlex
import shutil
import signal
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from helpers import KINDS, TEMPLATE, UV, bash, block, refusing_port, render, shell_environ, tomllib

RECORDED = Path("tests", "test_recorded.py")
CASSETTES = Path("tests", "cassettes", "test_recorded")
# A key no cassette could hold by chance
KEY = "sk-distinctive-7f3a9c"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The api kind with an address and a model of its own, neither the cassette's: its API is
    the fake API that the recipe's test serves by hand on that port. Its environment is uv's."""
    with refusing_port() as port:
        pass  # a free port, for the fake API to take
    answers = {"api_base_url": f"http://127.0.0.1:{port}/v1", "api_model": "acme-large"}
    project = render(tmp_path_factory.mktemp("render"), **KINDS["api"], **answers)
    home = tmp_path_factory.mktemp("home")
    env = shell_environ(home, project / ".venv" / "bin", Path(UV).parent)
    env = {name: value for name, value in env.items() if not name.startswith("ACME_")}
    bash("uv sync -q", project, env)
    tests = shutil.copytree(project / "tests", home / "tests-as-rendered")
    return SimpleNamespace(project=project, port=port, env=env, tests=tests)


@pytest.fixture
def project(rendered):
    """The rendered project, its tests put back as rendered after each test."""
    yield rendered.project
    shutil.rmtree(rendered.project / "tests")
    shutil.copytree(rendered.tests, rendered.project / "tests")


def recorded_tests(rendered, *options, **env):
    """Run the recorded tests, warnings as errors; --block-network makes any connection fail."""
    command = f"uv run pytest {RECORDED} -W error -p no:cacheprovider {' '.join(options)}"
    return bash(command, rendered.project, {**rendered.env, **env}, check=False)


def summary(result):
    return result.stdout.strip().splitlines()[-1]


def only_cassette(project):
    [cassette] = (project / CASSETTES).iterdir()
    return cassette


def test_the_shipped_cassette_replays_with_no_server_and_no_key(rendered, project):
    # As recorded: Jinja leaves the cassette as it is
    [template_cassette] = (TEMPLATE / "{{cookiecutter.plugin_name}}" / CASSETTES).iterdir()
    assert only_cassette(project).read_bytes() == template_cassette.read_bytes()
    result = recorded_tests(rendered, "--block-network")
    assert result.returncode == 0, result.stdout
    assert re.fullmatch(r"=+ 1 passed in .* =+", summary(result)), result.stdout


def test_the_address_and_key_of_the_shell_change_nothing(rendered, project):
    # Left set from trying the plugin against a local server, as the README does
    shell = {"ACME_BASE_URL": "http://127.0.0.1:9/v1", "ACME_API_KEY": KEY}
    result = recorded_tests(rendered, "--block-network", **shell)
    assert result.returncode == 0, result.stdout
    assert re.fullmatch(r"=+ 1 passed in .* =+", summary(result)), result.stdout


def test_a_missing_cassette_fails(rendered, project):
    shutil.rmtree(project / CASSETTES)
    result = recorded_tests(rendered)
    assert result.returncode == 1, result.stdout
    assert "1 failed" in summary(result)
    assert "CannotOverwriteExistingCassetteException" in result.stdout
    assert not (project / CASSETTES).exists()  # nothing was recorded


def test_a_request_the_cassette_has_no_answer_for_fails(rendered, project):
    module = project / RECORDED
    source = module.read_text()
    assert '8000/v1"' in source
    module.write_text(source.replace('8000/v1"', '8000/v2"'))
    result = recorded_tests(rendered)
    assert result.returncode == 1, result.stdout
    assert "1 failed" in summary(result)
    assert "CannotOverwriteExistingCassetteException" in result.stdout


def recipe(readme):
    """The README's recipe: the line step 1 writes, and the commands of step 2."""
    start = readme.index("### Recorded tests")
    section = readme[start : readme.index("\n### ", start)]
    [line] = re.findall(r"`(RECORDED_FROM = [^`]+)`", section)
    return line, block(section, "--record-mode=once")


def test_the_readme_recipe_records_from_the_provider_without_the_key(rendered, project):
    readme = (project / "README.md").read_text()
    line, commands = recipe(readme)
    module = project / RECORDED
    [shipped] = [old for old in module.read_text().splitlines() if old.startswith("RECORDED_FROM")]
    module.write_text(module.read_text().replace(shipped, line))
    # The provider: the fake API served by hand as the README serves it, at the plugin's address
    serve = block(readme, "tests/fake_api.py --port").strip()
    serve = re.sub(r"--port \d+", f"--port {rendered.port}", serve)
    bash(f"llm keys set acme --value {KEY}", project, rendered.env)
    server = subprocess.Popen(
        shlex.split(serve), cwd=project, env=rendered.env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert f":{rendered.port}/v1" in server.stdout.readline()  # serving
        recorded = bash(commands, project, rendered.env, check=False)
    finally:
        server.send_signal(signal.SIGINT)  # Ctrl-C
        server.communicate(timeout=60)
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    cassette = only_cassette(project).read_text()
    assert f"uri: http://127.0.0.1:{rendered.port}/v1/chat/completions" in cassette
    assert '"model":"acme-large"' in cassette  # the provider's own model
    assert KEY not in cassette
    assert "authorization" not in cassette.lower()
    # Replayed as CI does: the server gone, no key
    result = recorded_tests(rendered, "--block-network")
    assert result.returncode == 0, result.stdout
    assert re.fullmatch(r"=+ 1 passed in .* =+", summary(result)), result.stdout


KEY_IN_A_URL = f"""
import httpx2
import pytest
from fake_api import FakeChatAPI


@pytest.mark.vcr
def test_a_key_in_a_url():
    with FakeChatAPI() as api, httpx2.Client() as client:
        client.get(f"{{api.url}}/models?key={KEY}&api_key={KEY}&page=2")
"""


def test_vcr_config_keeps_a_key_out_of_a_url(rendered, project):
    (project / "tests" / "test_key_in_a_url.py").write_text(KEY_IN_A_URL)
    command = "uv run pytest tests/test_key_in_a_url.py -W error -p no:cacheprovider"
    bash(f"{command} --record-mode=once", project, rendered.env)
    [cassette] = (project / "tests" / "cassettes" / "test_key_in_a_url").iterdir()
    text = cassette.read_text()
    assert KEY not in text
    assert "/v1/models?page=2\n" in text  # the rest of the URL is kept


COMPRESSED_ANSWER = """
import gzip
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx2
import pytest

ANSWER = b"data: [DONE]\\n\\n"
PORT = {port}  # the same when replayed: vcr.py matches the port


class Gzipped(BaseHTTPRequestHandler):
    def do_GET(self):
        body = gzip.compress(ANSWER)
        self.send_response(200)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.mark.vcr
def test_a_compressed_answer():
    with ThreadingHTTPServer(("127.0.0.1", PORT), Gzipped) as server, httpx2.Client() as client:
        threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
        try:
            assert client.get(f"http://127.0.0.1:{{PORT}}/v1").content == ANSWER
        finally:
            server.shutdown()
"""


def test_vcr_config_saves_a_compressed_answer_as_text(rendered, project):
    # As real providers send their answers: readable in the cassette, and replayed
    with refusing_port() as port:
        pass  # a free port, for the module's server to take
    (project / "tests" / "test_compressed.py").write_text(COMPRESSED_ANSWER.format(port=port))
    command = "uv run pytest tests/test_compressed.py -W error -p no:cacheprovider"
    bash(f"{command} --record-mode=once", project, rendered.env)
    [cassette] = (project / "tests" / "cassettes" / "test_compressed").iterdir()
    assert "string: 'data: [DONE]" in cassette.read_text()
    assert "content-encoding" not in cassette.read_text().lower()
    # Replayed with the network blocked: the cassette answers, decompressed once and for all
    bash(f"{command} --block-network", project, rendered.env)


def dev_dependencies(project):
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    return [re.match(r"[\w-]+", name)[0] for name in pyproject["dependency-groups"]["dev"]]


def test_only_the_api_kind_has_recorded_tests(rendered, tmp_path):
    assert {"pytest-recording", "vcrpy"} <= set(dev_dependencies(rendered.project))
    for kind, answers in KINDS.items():
        if answers.get("model_kind") != "api":
            project = render(tmp_path / kind, **answers)
            assert not (project / "tests" / "cassettes").exists(), kind
            assert not {"pytest-recording", "vcrpy"} & set(dev_dependencies(project)), kind
            assert "vcr" not in (project / "tests" / "conftest.py").read_text(), kind
