"""Every kind's rendered tests under several Pythons, as the rendered CI's matrix runs them.

    .venv/bin/python tests/every_python.py 3.11 3.13 3.14 [--kind markov ...]

Each Python is given as uv takes it: a version, which uv finds (or downloads), or the path of
an interpreter. Each kind is rendered once, into a temporary folder, and its suite run there
with `uv run --python PYTHON pytest`, in an environment of its own for each Python. It prints
a line for each kind and Python, and the output of each suite that failed; the exit status
is 1 if any did. It takes minutes, so the template's suite does not run it
(tests/test_contributing_commands.py runs it with one kind and one Python).
"""

import argparse
import sys
import tempfile
from pathlib import Path

from helpers import KINDS, UV, clean_environ, render, run


def run_suite(project, python, environment):
    """The rendered project's tests under this Python; the finished process."""
    env = clean_environ(UV_PROJECT_ENVIRONMENT=str(environment))
    command = [UV, "run", "-q", "--python", python, "pytest", "-q", "-p", "no:cacheprovider"]
    return run(*command, cwd=project, env=env, check=False, timeout=1800)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pythons", nargs="+", help="Pythons as uv takes them: 3.13 or a path")
    parser.add_argument(
        "--kind", action="append", choices=list(KINDS), help="only this kind (repeatable)"
    )
    args = parser.parse_args()
    failed = 0
    with tempfile.TemporaryDirectory(prefix="every-python-") as folder:
        for kind in args.kind or list(KINDS):
            project = render(Path(folder) / kind, **KINDS[kind])
            for number, python in enumerate(args.pythons):
                result = run_suite(project, python, Path(folder) / f"{kind}-venv-{number}")
                lines = (result.stdout + result.stderr).strip().splitlines() or ["(no output)"]
                verdict = "passed" if result.returncode == 0 else "FAILED"
                print(f"{verdict}  {kind} on {python}: {lines[-1]}", flush=True)
                if result.returncode != 0:
                    failed += 1
                    print(result.stdout + result.stderr, flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
