"""Every command CONTRIBUTING.md prints works as printed, in a checkout with its `.venv`.

The commands that make `.venv` and run the whole suite are the README's (test_readme_commands.py);
the benchmarks take minutes (benchmarks/README.md), and tests/every_python.py runs here with one
kind on one Python.
"""

import re
import sys

from helpers import TEMPLATE, bash, block, copy_template, link_test_venv, shell_environ

GUIDE = (TEMPLATE / "CONTRIBUTING.md").read_text()


def run_block(containing, tmp_path, edit=lambda command: command):
    """Run the guide's block that holds this text, in a copy of the template with `.venv`."""
    folder = copy_template(tmp_path / "llm-plugin-template")
    link_test_venv(folder)
    return bash(edit(block(GUIDE, containing)), folder, shell_environ(tmp_path / "home"))


def test_one_module_command_runs_that_module(tmp_path):
    result = run_block("pytest tests/", tmp_path)
    assert re.search(r"\d+ passed", result.stdout), result.stdout


def test_a_scratch_render_runs_its_own_tests(tmp_path):
    result = run_block("-o ../scratch", tmp_path)
    assert re.search(r"\d+ passed", result.stdout), result.stdout
    assert (tmp_path / "scratch" / "llm-scratch" / "pyproject.toml").is_file()


def test_the_lint_command_passes_on_the_template(tmp_path):
    result = run_block("ruff check", tmp_path)
    assert "All checks passed!" in result.stdout, result.stdout
    assert "already formatted" in result.stdout, result.stdout


def test_every_python_runs_a_kinds_rendered_tests_on_each_python_given(tmp_path):
    # As printed it takes minutes, and Pythons this machine may not have: here one kind,
    # on the Python of `.venv`.
    def one_kind_on_this_python(command):
        assert " 3.11 3.13 3.14" in command
        return command.replace(" 3.11 3.13 3.14", f" {sys.executable} --kind markov")

    result = run_block("tests/every_python.py", tmp_path, one_kind_on_this_python)
    [line] = result.stdout.splitlines()
    assert line.startswith(f"passed  markov on {sys.executable}: ")
    assert re.search(r"\d+ passed", line), line
