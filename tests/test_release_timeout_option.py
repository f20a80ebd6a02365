"""The rendered scripts/release.py's --timeout: a value no socket can wait is refused
by the option itself, in one line, before any step runs."""

import subprocess
import sys

import pytest

from helpers import clean_environ, render


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return render(tmp_path_factory.mktemp("release-timeout"))


def release(project, *args):
    # The template's own environment has what the script imports: build, pytest, twine.
    return subprocess.run(
        [sys.executable, "scripts/release.py", *args],
        cwd=project,
        env=clean_environ(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "1e10"])
def test_timeout_no_socket_can_wait_is_refused_by_the_option(project, value):
    # Before, 0, -1 and nan failed at the first request, and inf or 1e10 with a traceback
    # (OverflowError: timestamp out of range for platform time_t).
    result = release(project, "--timeout", value, "--repository-url", "http://127.0.0.1:9/")
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == (
        f"release.py: error: argument --timeout: '{value}' is not above 0 and at most 86400"
    )
    assert "Traceback" not in result.stderr


def test_timeout_of_a_day_is_accepted(project):
    # The project is not a git repository: the first step refuses it, after the option passed.
    result = release(project, "--timeout", "86400", "--dry-run")
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.startswith("Error: not a git repository")
