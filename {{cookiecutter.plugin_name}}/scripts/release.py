"""Release this plugin by hand: the tutorial's `python -m build` and `twine upload`, with checks.

    python scripts/release.py [--dry-run] [--timeout SECONDS] [twine upload's options]

It uploads nothing if the git tree is dirty, the version is tagged on another commit or is
already on the index, the tests fail or `twine check --strict` fails. The index is the one
`twine upload` would use: PyPI, unless its options, TWINE_* variables or ~/.pypirc say otherwise.
"""

import argparse
import functools
import logging
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

try:  # the tools this script runs
    import build  # noqa: F401
    import pytest  # noqa: F401
    import twine  # noqa: F401
except ModuleNotFoundError as missing:
    # --group needs pip 25.1 or later: the pip of a new venv is often older.
    sys.exit(
        f'Error: missing {missing.name}: python -m pip install --upgrade "pip>=25.1" '
        "&& python -m pip install -e . --group dev build twine"
    )

import requests
from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename
from packaging.version import Version
from twine.commands.check import check
from twine.commands.upload import upload
from twine.exceptions import NonInteractive, TwineException
from twine.settings import Settings

if sys.version_info >= (3, 11):
    import tomllib
else:  # build brings tomli along on Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
# The longest --timeout: a day. Sockets cannot wait much longer (1e10 seconds overflows).
LONGEST_TIMEOUT = 24 * 60 * 60
PYPI = "https://pypi.org/simple/"  # the index publish.yml uploads to, as twine's default is
CREDENTIALS = "(set TWINE_USERNAME and TWINE_PASSWORD, or use ~/.pypirc)"


class TimedSettings(Settings):
    """twine's settings, with a time limit on each request to the index: twine sets none."""

    def create_repository(self):
        repository = super().create_repository()
        session = repository.session
        session.request = functools.partial(session.request, timeout=self.timeout)
        return repository


def seconds(text):
    """The value of --timeout: a number of seconds, more than 0 and at most a day."""
    value = float(text)
    if not 0 < value <= LONGEST_TIMEOUT:  # also refuses nan
        raise argparse.ArgumentTypeError(f"{text!r} is not above 0 and at most {LONGEST_TIMEOUT}")
    return value


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Test, build, check and upload this plugin.")
    parser.add_argument("--dry-run", action="store_true", help="stop before uploading")
    parser.add_argument("--timeout", type=seconds, default=60, help="seconds to wait for the index")
    Settings.register_argparse_arguments(parser)  # twine upload's options
    return parser.parse_args(argv)


def run(*command, **options):
    """Run a command in the project folder, by default with its output on the terminal."""
    return subprocess.run(command, cwd=ROOT, text=True, **options)


def check_git_tree_is_clean():
    # --untracked-files=all, whatever the user's status.showUntrackedFiles says; -z keeps
    # file names as they are, spaces and all.
    status = run(
        "git", "status", "--porcelain", "-z", "--untracked-files=all", ".", capture_output=True
    )
    if status.returncode != 0:
        sys.exit(f"Error: not a git repository: {ROOT} (git init, then commit your work)")
    if changes := changed_files(status.stdout):
        shown = ", ".join(changes[:5]) + (f" and {len(changes) - 5} more" if changes[5:] else "")
        sys.exit(
            f"Error: the git working tree has {len(changes)} uncommitted change(s): {shown}: "
            "commit them, or list them in .gitignore"
        )


def changed_files(porcelain):
    """The file names in `git status --porcelain -z`: "XY name", then the old name of a rename."""
    entries = iter(porcelain.split("\0"))
    names = []
    for entry in entries:
        if entry:
            names.append(entry[3:])
            if entry[0] in "RC":  # a rename or copy: the next entry is where it came from
                next(entries)
    return names


def read_project():
    """The project's name and version, from pyproject.toml."""
    with open(ROOT / "pyproject.toml", "rb") as file:
        project = tomllib.load(file).get("project", {})
    if "name" not in project or "version" not in project:
        sys.exit("Error: pyproject.toml needs a [project] name and a static version")
    return project["name"], project["version"]


def check_tag(version):
    """Refuse a tag for this version on another commit; the tag on HEAD, if any."""
    tags = run("git", "tag", "-l", version, f"v{version}", capture_output=True).stdout.split()
    on_head = run("git", "tag", "--points-at", "HEAD", capture_output=True).stdout.split()
    if elsewhere := set(tags) - set(on_head):  # publish.yml takes either tag
        sys.exit(f"Error: tag {elsewhere.pop()} is on another commit than HEAD: bump the version")
    return tags[0] if tags else None


def twine_settings(args):
    """The index and the credentials `twine upload` would use, asked for now if need be."""
    args.non_interactive = args.non_interactive or not sys.stdin.isatty()  # nowhere to ask
    section = args.repository
    try:
        settings = TimedSettings.from_argparse(args)
    except KeyError:  # twine's own error for a section with no URL
        sys.exit(f"Error: the [{section}] section of {args.config_file} needs a repository = URL")
    settings.timeout = args.timeout
    if not args.dry_run and not (settings.username and settings.password):
        sys.exit(f"Error: no username or password for the index {CREDENTIALS}")
    return settings


def simple_index_url(settings):
    """Where the index lists its files (PEP 503): https://upload.pypi.org/legacy/ at
    https://pypi.org/simple/, and an index such as http://host:8080/ at http://host:8080/simple/."""
    parts = urlsplit(settings.repository_config["repository"])
    path = parts.path.rstrip("/").removesuffix("/legacy")
    return f"{parts.scheme}://{parts.netloc.removeprefix('upload.')}{path}/simple/"


def files_on_index(settings, name, version):
    """This version's files on the index itself, never on an index it redirects to."""
    url = f"{simple_index_url(settings)}{canonicalize_name(name)}/"
    get = functools.partial(
        requests.get, url, allow_redirects=False, timeout=settings.timeout, verify=settings.cacert
    )
    response = get()
    if response.status_code in (401, 403):  # an index that lists files only to its users
        response = get(auth=(settings.username, settings.password))
    if response.is_redirect:  # such as pypiserver sending unknown projects on to PyPI
        print(f"Warning: not following {url} to {response.headers['Location']}", file=sys.stderr)
        return []
    if response.status_code == 404:
        return []
    response.raise_for_status()
    files = re.findall(r"<a\b[^>]*>([^<]+)</a>", response.text)  # each link's text: a file name
    return [file for file in files if version_of(file) == Version(version)]


def version_of(filename):
    """The version in a wheel or sdist file name: 0.4.0rc1, which is also 0.4.0-rc1."""
    parse = parse_wheel_filename if filename.endswith(".whl") else parse_sdist_filename
    try:
        return parse(filename)[1]
    except ValueError:  # neither a wheel nor an sdist
        return None


def check_version_is_new(settings, name, version):
    if on_index := files_on_index(settings, name, version):
        sys.exit(
            f"Error: {name} {version} is already on {simple_index_url(settings)} "
            f"({', '.join(on_index)}): bump the version in pyproject.toml"
        )


def build_and_check():
    """The sdist and the wheel, built afresh in dist/, then checked."""
    shutil.rmtree(ROOT / "dist", ignore_errors=True)
    if run(sys.executable, "-m", "build", "--quiet").returncode != 0:
        sys.exit("Error: python -m build failed (see its output above)")
    files = sorted(ROOT.glob("dist/*"))
    if check([str(file) for file in files], strict=True):
        sys.exit("Error: twine check --strict failed (see its report above)")
    return files


def upload_all(settings, files, name, version):
    """twine upload, a file at a time; if it stops, ask the index which files reached it."""
    try:
        for file in files:
            upload(settings, [str(file)])
    except (KeyboardInterrupt, OSError, TwineException) as error:
        try:
            listed = files_on_index(settings, name, version)
        except (KeyboardInterrupt, OSError, TwineException) as again:
            sys.exit(f"Error: {describe(error)}; could not list the index: {describe(again)}")
        uploaded = ", ".join(file.name for file in files if file.name in listed) or "nothing"
        rest = ", ".join(file.name for file in files if file.name not in listed) or "nothing"
        sys.exit(f"Error: {describe(error)}; uploaded: {uploaded}; not uploaded: {rest}")


def describe(error):
    """An error from twine or the index, in one line."""
    if isinstance(error, KeyboardInterrupt):
        return "interrupted"
    if isinstance(error, (requests.ConnectionError, requests.Timeout)):
        url = error.request.url
        while error.__context__:  # down to the first cause, such as Connection refused
            error = error.__context__
        return f"could not reach {url}: {error}"
    if isinstance(error, NonInteractive) or re.match("40[13] ", str(error)):
        error = f"{error} {CREDENTIALS}"
    return " ".join(str(error).split())


def release(args):
    print("==> Checking the git working tree and tags")
    check_git_tree_is_clean()
    name, version = read_project()
    tag = check_tag(version)
    settings = twine_settings(args)
    print(f"==> Checking that {name} {version} is not on {simple_index_url(settings)} yet")
    check_version_is_new(settings, name, version)
    print("==> Running the tests: python -m pytest")
    if run(sys.executable, "-m", "pytest").returncode != 0:
        sys.exit("Error: the tests failed: fix them before releasing")
    print("==> Building into dist/ and checking: python -m build, twine check --strict")
    files = build_and_check()
    if args.dry_run:
        return print(f"\nDry run: built and checked {name} {version}; uploaded nothing.")
    print(f"==> Uploading to {settings.repository_config['repository']}: twine upload")
    upload_all(settings, files, name, version)
    print_next_step(settings, name, version, tag)


def print_next_step(settings, name, version, tag):
    """Tag the release; a GitHub release for the tag runs publish.yml, which uploads to PyPI."""
    print(f"\nReleased {name} {version} to {settings.repository_config['repository']}")
    print("Next step:")
    print(f"  {'' if tag else f'git tag {version} && '}git push origin {tag or version}")
    if simple_index_url(settings) == PYPI:
        print(
            f"A GitHub release for this tag uploads nothing: publish.yml finds {version} on PyPI "
            "and stops."
        )
    else:
        print(f"Publishing a GitHub release for this tag would upload {version} to PyPI too.")


def main(argv=None):
    sys.stdout.reconfigure(line_buffering=True)  # each line before the output of the next step
    logging.basicConfig(format="%(message)s")  # twine's own warnings and errors, plain
    try:
        release(parse_args(argv))
    except KeyboardInterrupt:
        sys.exit("Error: interrupted before the upload: nothing was uploaded")
    except (OSError, ValueError, TwineException) as error:  # OSError includes requests' errors
        sys.exit(f"Error: {describe(error)}")


if __name__ == "__main__":
    main()
