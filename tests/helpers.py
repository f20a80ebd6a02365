"""Render the template and run what it rendered in isolated environments."""

import os
import shutil
import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from cookiecutter.main import cookiecutter
from uv import find_uv_bin

TEMPLATE = Path(__file__).resolve().parent.parent
UV = find_uv_bin()


def render(output_dir, **answers):
    """Render the template without prompts; answers override the defaults."""
    project = cookiecutter(
        str(TEMPLATE), no_input=True, output_dir=str(output_dir), extra_context=answers
    )
    return Path(project)


def write_cookiecutter_config(home):
    """A cookiecutter config that keeps replay files and clones inside `home`."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "config.yaml"
    config.write_text(f"cookiecutters_dir: {home / 'templates'}\nreplay_dir: {home / 'replay'}\n")
    return config


def clean_environ(**extra):
    """The environment for a subprocess, without settings that leak in from outside."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LLM_", "VIRTUAL_ENV", "PYTHON", "PYTEST", "UV_PROJECT", "TWINE_"))
    }
    env.update(extra)
    return env


class Venv:
    """A virtual environment made with uv, and commands run inside it."""

    def __init__(self, path, user_path):
        self.path = Path(path)
        self.user_path = Path(user_path)

    @classmethod
    def create(cls, path, *, pip=False):
        path = Path(path)
        seed = ["--seed"] if pip else []
        subprocess.run([UV, "venv", "-q", "--python", sys.executable, *seed, str(path)], check=True)
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
        result = subprocess.run(
            [str(arg) for arg in args],
            cwd=cwd,
            env=self.environ(**extra_env),
            capture_output=True,
            text=True,
            input=input,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"{' '.join(map(str, args))} exited {result.returncode}\n"
                f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
            )
        return result

    def llm(self, *args, **kwargs):
        return self.run(self.bin("llm"), *args, **kwargs)

    def python(self, *args, **kwargs):
        return self.run(self.bin("python"), *args, **kwargs)


def install_project(project, venv_path):
    """A fresh environment with the rendered project installed editable, with its dev group."""
    venv = Venv.create(venv_path)
    venv.install("-e", ".", "--group", "dev", cwd=project)
    return venv


def template_files():
    """The template's files as a clone holds them: tracked and new, never ignored."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=TEMPLATE,
        env=clean_environ(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
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
