"""Finish the render: tell the author what to do next.

It changes no files (it only removes the api kind's package folder from the
other kinds' renders, where it is empty), so cruft can re-run it on every update. It writes to
stderr, never stdout: `cruft diff` prints a patch on stdout for `git apply`.

In the renders cruft makes only to compare (`cruft update`, `cruft diff`) it prints nothing:
their folders are gone by the time anyone reads the message.
"""

import json
import os
import shlex
import sys
from pathlib import Path

import jinja2

# Answers arrive as data, never as code (see pre_gen_project.py).
ANSWERS = json.loads(r'{{ cookiecutter | tojson }}')  # fmt: skip
# The defaults in cookiecutter.json: the tutorial's author, for the tutorial's plugin.
TUTORIAL_AUTHOR = {"author_name": "Simon Willison", "github_username": "simonw"}
# The template's folder of project files (local_extensions.py says where the template is).
TEMPLATE_DIR = json.loads(r'{{ template_dir | tojson }}')  # fmt: skip
PROJECT_FOLDER = Path(TEMPLATE_DIR, "{% raw %}{{cookiecutter.plugin_name}}{% endraw %}")
# True in a render cruft deletes once compared (see cruft_scratch_render in local_extensions.py).
SCRATCH_RENDER = json.loads(r'{{ cruft_scratch_render() | tojson }}')  # fmt: skip


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


def rendered_files(answers):
    """The project's files as this render named them.

    A name that renders empty is a file the answers leave out (the other kinds' modules).
    """
    names = jinja2.Environment()
    files = set()
    for path in PROJECT_FOLDER.rglob("*"):
        parts = [
            names.from_string(part).render(cookiecutter=answers)
            for part in path.relative_to(PROJECT_FOLDER).parts
        ]
        if path.is_file() and all(parts):
            files.add(Path(*parts))
    return files


def left_from_before(answers, project):
    """Python files in the template's folders that this render did not write.

    `cookiecutter -f` renders over an earlier render and keeps what it does not
    overwrite: after another kind or module name, the old module and tests stay,
    and the tests fail as they import what is no longer there.
    """
    rendered = rendered_files(answers)
    found = [*project.glob("*.py"), *project.glob("tests/*.py"), *project.glob("scripts/*.py")]
    return sorted(
        str(path.relative_to(project))
        for path in found
        if path.relative_to(project) not in rendered
    )


def left_from_before_note(answers, project):
    left = left_from_before(answers, project)
    if not left:
        return []
    return [
        "Warning: these files are not from this render (cookiecutter -f keeps an earlier one's):",
        *(f"  {name}" for name in left),
        "Delete those an earlier render made: they import what this one does not have.",
    ]


def remove_empty_api_folders(answers, project):
    """The api kind's folders (its package, its recorded test's cassettes), which every
    other kind leaves empty: their files' names render empty for them. (A folder whose
    name renders empty is refused by cookiecutter, which then finds the project folder
    already there.) Inner folders first, so that their parent is then empty."""
    for name in (answers["module_name"], "tests/cassettes/test_recorded", "tests/cassettes"):
        folder = project / name
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def main():
    project = Path.cwd()
    remove_empty_api_folders(ANSWERS, project)
    if SCRATCH_RENDER:
        return 0
    message = "\n".join(
        next_steps(ANSWERS, project)
        + tutorial_author_note(ANSWERS)
        + left_from_before_note(ANSWERS, project)
    )
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
