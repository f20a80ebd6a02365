"""Render the template and run what it rendered in isolated environments.

The one home of the template tests' helpers: rendering, the kinds and their answers,
running commands (in an environment, in bash, in git), ports and package indexes on 127.0.0.1.
"""

import ast
import base64
import hashlib
import importlib.util
import json
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import threading
import warnings
from contextlib import contextmanager
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from cookiecutter.environment import StrictEnvironment
from cookiecutter.generate import generate_context
from cookiecutter.main import cookiecutter
from cookiecutter.prompt import prompt_for_config
from uv import find_uv_bin

# For the tests: Python 3.10 has no tomllib, and tomli is the same parser (requirements-dev.txt)
if sys.version_info >= (3, 11):
    import tomllib as tomllib
else:
    import tomli as tomllib  # noqa: F401 (for the tests, as above)

with warnings.catch_warnings():  # pypiserver imports cgi and crypt, which Python deprecates
    warnings.simplefilter("ignore", DeprecationWarning)
    import pypiserver

TEMPLATE = Path(__file__).resolve().parent.parent
UV = find_uv_bin()
# cookiecutter, cruft, ruff and the other tools of the test environment, as a user's PATH has
TEST_VENV_BIN = Path(sys.executable).parent
COOKIECUTTER = str(TEST_VENV_BIN / "cookiecutter")
CRUFT = str(TEST_VENV_BIN / "cruft")
PROMPT = "the cat sat on the mat"

COOKIECUTTER_JSON = json.loads((TEMPLATE / "cookiecutter.json").read_text())
# The answers asked for: keys starting with "_" are cookiecutter's own or never asked.
PROMPTED = [key for key in COOKIECUTTER_JSON if not key.startswith("_")]
PROMPTS = COOKIECUTTER_JSON["__prompts__"]
# The kinds cookiecutter.json offers, the first being the default, the tutorial's.
MODEL_KINDS = COOKIECUTTER_JSON["model_kind"]
# Each kind and toggle rendered with the answers the template's README gives as examples.
# A kind cookiecutter.json adds is rendered with names of its own until it has a row here.
KIND_ANSWERS = {
    "markov": {},
    "api": {"plugin_name": "llm-acme", "model_id": "acme"},
    "embedding": {"plugin_name": "llm-bag-of-words", "model_id": "bag-of-words"},
}
KINDS = {
    kind: {"model_kind": kind, **KIND_ANSWERS.get(kind, {"plugin_name": f"llm-{kind}"})}
    for kind in MODEL_KINDS
}
KINDS["markov-async"] = {
    "plugin_name": "llm-markov-async",
    "model_id": "markov-async",  # as derived from plugin_name, written out for the tests
    "async_markov": True,
}


def question(key):
    """The question cookiecutter prints for a key (a choice's, above its list of choices)."""
    prompt = PROMPTS[key]
    return prompt["__prompt__"] if isinstance(prompt, dict) else prompt


def questions_asked(output):
    """The keys an interactive render asked for, in order, each with its number, as "3/11".

    Cookiecutter prints each question after "[3/11] ", wrapped to the terminal's width.
    """
    text = " ".join(output.split())
    found = []
    for key in PROMPTED:
        match = re.search(rf"\[(\d+/\d+)\] {re.escape(' '.join(question(key).split()))}", text)
        if match:
            found.append((match.start(), key, match[1]))
    return [(key, number) for _, key, number in sorted(found)]


ANSI_CODE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
QUESTION_NUMBER = re.compile(r"\[\d+/\d+\] ")


def type_in_terminal(args, lines, cwd, env, timeout=120):
    """Run a command in a pseudo-terminal, as a user would, typing each line once the next
    question waits for it. Returns the exit status and all it printed, colours removed.

    A question more than there are lines fails, naming what was printed."""
    primary, secondary = os.openpty()
    process = subprocess.Popen(
        [str(arg) for arg in args], stdin=secondary, stdout=secondary, stderr=secondary,
        cwd=cwd, env=env, start_new_session=True,
    )  # fmt: skip
    os.close(secondary)
    output, typed = "", 0
    try:
        while select.select([primary], [], [], timeout)[0]:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # the command ended: its side of the terminal is closed
                chunk = b""
            if not chunk:
                return process.wait(timeout), output
            output = ANSI_CODE.sub("", output + chunk.decode(errors="replace"))
            waiting = len(QUESTION_NUMBER.findall(output)) > typed and output.endswith(": ")
            if waiting and typed < len(lines):
                os.write(primary, lines[typed].encode() + b"\n")
                typed += 1
        process.kill()
        raise AssertionError(f"{args[0]} still waits after {timeout}s, having printed:\n{output}")
    finally:
        os.close(primary)


FENCED_BLOCK = re.compile(r"^( *)```(\w*)\n(.*?)^\1```", re.DOTALL | re.MULTILINE)


def blocks(text, language="bash"):
    """The fenced code blocks of a Markdown text in one language, without their indent."""
    return [
        # A blank line inside the block keeps its line break, whatever its indent
        "".join(
            line.removeprefix(indent) if line.strip() else line.lstrip(" \t")
            for line in body.splitlines(keepends=True)
        )
        for indent, lang, body in FENCED_BLOCK.findall(text)
        if lang == language
    ]


def block(text, containing, language="bash"):
    """The one code block that contains the given text."""
    [found] = [body for body in blocks(text, language) if containing in body]
    return found


def commands(block_text):
    """The command lines of a block, comments and all, as a user would paste them."""
    return [line for line in block_text.splitlines() if line.strip()]


def render(output_dir, **answers):
    """Render the template without prompts; answers override the defaults."""
    project = cookiecutter(
        str(TEMPLATE), no_input=True, output_dir=str(output_dir), extra_context=answers
    )
    return Path(project)


def default_answers(**extra_context):
    """The answers cookiecutter --no-input would use (with these given), as it works them out."""
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(TEMPLATE))  # where cookiecutter finds local_extensions
        context = generate_context(TEMPLATE / "cookiecutter.json", extra_context=extra_context)
        return prompt_for_config(context, no_input=True)


def rendered_hook(folder):
    """hooks/pre_gen_project.py rendered as cookiecutter renders it (with the default answers
    and local_extensions.py loaded), imported as a module: its checks run on plain values."""
    context = {"cookiecutter": default_answers()}
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(TEMPLATE))
        environment = StrictEnvironment(context=context, keep_trailing_newline=True)
    source = (TEMPLATE / "hooks" / "pre_gen_project.py").read_text()
    path = Path(folder) / "pre_gen_project.py"
    path.write_text(environment.from_string(source).render(**context))
    return load_module(path, "pre_gen_project")


def load_module(path, name):
    """Import a Python file as a module of this name."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def hook_constant(name):
    """A literal the pre-gen hook holds as data, read from its source (Jinja fills in nothing
    there)."""
    hook = ast.parse((TEMPLATE / "hooks" / "pre_gen_project.py").read_text())
    [value] = [
        node.value
        for node in hook.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == name
    ]
    return ast.literal_eval(value)


def write_cookiecutter_config(home):
    """A cookiecutter config that keeps replay files and clones inside `home`."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "config.yaml"
    config.write_text(f"cookiecutters_dir: {home / 'templates'}\nreplay_dir: {home / 'replay'}\n")
    return config


def cookiecutter_environ(home):
    """Cookiecutter with its own config, so replay files land in a folder the test owns."""
    return clean_environ(COOKIECUTTER_CONFIG=str(write_cookiecutter_config(home)))


def tree(root):
    """Every file under root, by relative path, with its content."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def clean_environ(**extra):
    """The environment for a subprocess, without settings that leak in from outside.

    PYTHON* goes too: PYTHONDONTWRITEBYTECODE would make every child Python compile llm
    afresh, a second each time.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LLM_", "VIRTUAL_ENV", "PYTHON", "PYTEST", "UV_PROJECT", "TWINE_"))
    }
    env.update(extra)
    return env


def run(*args, cwd=None, env=None, check=True, input=None, timeout=600):
    """Run a command (by default in clean_environ()); its output is text.

    With check, a failure raises an error that shows the command and everything it printed.
    """
    result = subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=clean_environ() if env is None else env,
        capture_output=True,
        text=True,
        input=input,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(map(str, args))}\nexited {result.returncode}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
    return result


def git_environ(**extra):
    """Git with a fixed identity and none of the user's settings (signing, hooks, ...)."""
    return clean_environ(
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_COUNT="1",
        GIT_CONFIG_KEY_0="init.defaultBranch",
        GIT_CONFIG_VALUE_0="main",
        GIT_AUTHOR_NAME="Test Author",
        GIT_AUTHOR_EMAIL="author@example.com",
        GIT_COMMITTER_NAME="Test Author",
        GIT_COMMITTER_EMAIL="author@example.com",
        **extra,
    )


def git(repo, *args, check=True):
    """git in a repository, with git_environ()."""
    return run("git", *args, cwd=repo, env=git_environ(), check=check)


def commit_all(repo, message):
    """Commit every change in the repository, even none."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)


def git_repository(path, message="The template"):
    """Make a folder a git repository holding its files in one commit."""
    git(path, "init", "-q")
    commit_all(path, message)
    return path


def shell_environ(home, *bins):
    """A user's shell: these folders first on PATH, and nothing shared with the real home."""
    home.mkdir(parents=True, exist_ok=True)
    env = git_environ()
    return {
        **env,
        "PATH": os.pathsep.join([*map(str, bins), env["PATH"]]),
        "COOKIECUTTER_CONFIG": str(write_cookiecutter_config(home / "cookiecutter")),
        "LLM_USER_PATH": str(home / "llm-user-path"),
        "UV_PYTHON": sys.executable,
        "UV_PYTHON_DOWNLOADS": "never",
    }


def bash(script, cwd, env, check=True, input=None):
    """Run lines as bash runs them from a terminal, stopping at the first that fails."""
    return run(
        "bash", "-euo", "pipefail", "-c", script,
        cwd=cwd, env=env, check=check, input=input, timeout=900,
    )  # fmt: skip


class Venv:
    """A virtual environment made with uv, and commands run inside it."""

    def __init__(self, path, user_path):
        self.path = Path(path)
        self.user_path = Path(user_path)

    @classmethod
    def create(cls, path, *, pip=False):
        path = Path(path)
        seed = ["--seed"] if pip else []
        run(UV, "venv", "-q", "--python", sys.executable, *seed, path)
        return cls(path, path.parent / f"{path.name}-llm-user-path")

    def bin(self, name):
        return str(self.path / "bin" / name)

    def install(self, *args, cwd=None):
        """uv pip install into this environment."""
        self.run(UV, "pip", "install", "-q", "--python", self.bin("python"), *args, cwd=cwd)

    def environ(self, **extra):
        return clean_environ(
            VIRTUAL_ENV=str(self.path),
            PATH=f"{self.path / 'bin'}{os.pathsep}{os.environ['PATH']}",
            LLM_USER_PATH=str(self.user_path),
            **extra,
        )

    def run(self, *args, cwd=None, check=True, input=None, timeout=600, **extra_env):
        """Run a command in this environment; its output is text."""
        env = self.environ(**extra_env)
        return run(*args, cwd=cwd, env=env, check=check, input=input, timeout=timeout)

    def llm(self, *args, **kwargs):
        return self.run(self.bin("llm"), *args, **kwargs)

    def python(self, *args, **kwargs):
        return self.run(self.bin("python"), *args, **kwargs)


def link_test_venv(folder):
    """`.venv` in this folder: the development environment, with cookiecutter, cruft and uv."""
    (folder / ".venv").symlink_to(TEST_VENV_BIN.parent, target_is_directory=True)


def install_project(project, venv_path):
    """A fresh environment with the rendered project installed editable, with its dev group."""
    venv = Venv.create(venv_path)
    venv.install("-e", ".", "--group", "dev", cwd=project)
    return venv


def template_files():
    """The template's files as a clone holds them: tracked and new, never ignored."""
    listed = git(TEMPLATE, "ls-files", "--cached", "--others", "--exclude-standard", "-z").stdout
    return [name for name in listed.split("\0") if name and (TEMPLATE / name).is_file()]


def copy_template(destination):
    """A copy of the template's files, for tests that change or move the template."""
    for name in template_files():
        target = Path(destination) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(TEMPLATE / name, target)
    return Path(destination)


@contextmanager
def refusing_port():
    """A port on 127.0.0.1 that refuses every connection while the block runs.

    It is bound but not listening, so no other process can take it meanwhile.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@contextmanager
def silent_port():
    """A port on 127.0.0.1 that accepts connections and never answers, while the block runs."""
    with socket.create_server(("127.0.0.1", 0)) as sock:
        yield sock.getsockname()[1]


# Package indexes on 127.0.0.1, for releases. A % in the password, as in many real ones:
# ~/.pypirc must not trip over it.
USER, PASSWORD = "alice", "correct%horse"


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    def handle_error(self, request, client_address):
        pass  # such as a client gone while its upload was held


class PackageIndex:
    """pypiserver on a free port of 127.0.0.1, serving one folder; `authenticate` says what
    needs the password. Projects it lacks go on to `fallback_url`, if there is one.
    From upload `stop_at` on, it answers uploads 503, or with hold=True never."""

    def __init__(self, folder, authenticate, fallback_url=None, stop_at=None, hold=False):
        self.packages = folder / "packages"
        self.packages.mkdir(parents=True)
        # Apache's {SHA} htpasswd line: weak, but all a throwaway test index needs.
        digest = base64.b64encode(hashlib.sha1(PASSWORD.encode()).digest()).decode()
        (folder / "htpasswd").write_text(f"{USER}:{{SHA}}{digest}\n")
        fallback = {"fallback_url": fallback_url} if fallback_url else {"disable_fallback": True}
        self.pypiserver = pypiserver.app(
            roots=[self.packages],
            authenticate=authenticate,
            password_file=str(folder / "htpasswd"),
            **fallback,
        )
        self.stop_at, self.hold, self.uploads, self.paths = stop_at, hold, 0, []
        self.holding, self.closing = threading.Event(), threading.Event()
        self.server = make_server("127.0.0.1", 0, self.app, ThreadingWSGIServer, QuietHandler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/"

    def app(self, environ, start_response):
        self.paths.append(environ["PATH_INFO"])
        if environ["REQUEST_METHOD"] == "POST":
            self.uploads += 1
            if self.stop_at and self.uploads >= self.stop_at:
                environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))  # all of the upload
                self.holding.set()
                if self.hold:
                    self.closing.wait()
                start_response("503 Service Unavailable", [])
                return []
        return self.pypiserver(environ, start_response)

    def files(self):
        return sorted(path.name for path in self.packages.iterdir())

    def close(self):
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()
