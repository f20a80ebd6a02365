"""Finish the render: tell the author what to do next.

It changes no files, so cruft can re-run it on every update. It writes to
stderr, never stdout: `cruft diff` prints a patch on stdout for `git apply`.
"""

import json
import os
import shlex
import sys
from pathlib import Path

# Answers arrive as data, never as code (see pre_gen_project.py).
ANSWERS = json.loads(r'{{ cookiecutter | tojson }}')  # fmt: skip
# The defaults in cookiecutter.json: the tutorial's author, for the tutorial's plugin.
TUTORIAL_AUTHOR = {"author_name": "Simon Willison", "github_username": "simonw"}


def next_steps(answers, project):
    folder = shlex.quote(str(project))
    return [
        f"Created {answers['plugin_name']}. Next steps:",
        f"  cd {folder}",
        "  uv run pytest        # its tests, with uv (https://docs.astral.sh/uv/)",
        "  uv run llm plugins   # llm and the plugin, in the project's .venv",
        "Or install it into an llm of your own (on your PATH; after the template's quick",
        "start it is .venv/bin/llm):",
        f"  llm install -e {folder}",
    ]


def tutorial_author_note(answers):
    """A reminder when the author fields are still the tutorial's."""
    kept = [
        f"{key} {answers[key]!r}" for key, value in TUTORIAL_AUTHOR.items() if answers[key] == value
    ]
    if not kept:
        return []
    return [
        f"The author is still the tutorial's: {', '.join(kept)}.",
        "If that is not you, edit pyproject.toml and README.md, and set your own defaults",
        "once in ~/.cookiecutterrc (or the file COOKIECUTTER_CONFIG names):",
        "  default_context:",
        '    author_name: "Your Name"',
        '    github_username: "your-github-name"',
    ]


def main():
    message = "\n".join(next_steps(ANSWERS, Path.cwd()) + tutorial_author_note(ANSWERS))
    try:
        # Straight to stderr's file descriptor, so no buffer is left to fail at exit.
        os.write(2, os.fsencode(message + "\n"))
    except OSError:
        # No stderr (2>&-), a full disk, a reader gone (2>&1 | head): the project is
        # fine, and a failing hook would make cookiecutter delete it.
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
