"""Release this plugin to PyPI, or to another package index, by hand.

    python scripts/release.py [--repository-url URL | --repository NAME] [--dry-run]

It runs the LLM plugin tutorial's release steps in order and stops, uploading
nothing, at the first problem: missing tools, a dirty git tree, a version that is
already on the index, failing tests, or a build that `twine check --strict` rejects.
--dry-run does everything but the upload. PyPI is the default index; twine's
environment variables (TWINE_USERNAME, TWINE_PASSWORD, TWINE_REPOSITORY_URL, ...)
and ~/.pypirc are honoured. Needs `python -m pip install build twine`.
"""

import argparse
import configparser
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
PYPI_UPLOAD_URL = "https://upload.pypi.org/legacy/"
KNOWN_REPOSITORIES = {"pypi": PYPI_UPLOAD_URL, "testpypi": "https://test.pypi.org/legacy/"}


class Refusal(Exception):
    """A reason not to release, shown to the user as one line."""


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Test, build, check and upload this plugin.")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--repository-url", metavar="URL", help="the index's upload URL")
    target.add_argument("--repository", metavar="NAME", help="a repository named in ~/.pypirc")
    parser.add_argument("--dry-run", action="store_true", help="stop before uploading")
    return parser.parse_args(argv)


def step(message):
    print(f"==> {message}", flush=True)


def check_tools():
    missing = [name for name in ("build", "twine") if importlib.util.find_spec(name) is None]
    if missing:
        raise Refusal(f"missing {' and '.join(missing)}: python -m pip install build twine")


def check_git_tree_is_clean():
    try:
        result = subprocess.run(
            ["git", "status", "--porcelain", "."],
            check=False,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
    except FileNotFoundError:
        raise Refusal("git is not installed, so the working tree cannot be checked") from None
    if result.returncode != 0:
        raise Refusal(f"not a git repository: {ROOT} (git init, then commit your work)")
    if result.stdout.strip():
        changed = len(result.stdout.splitlines())
        raise Refusal(
            f"the git working tree has {changed} uncommitted change(s): "
            "commit or stash them first (see git status)"
        )


def read_project():
    """The project's name and version, from pyproject.toml."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # build brings tomli along on Python 3.10
        import tomli as tomllib
    with open(ROOT / "pyproject.toml", "rb") as file:
        project = tomllib.load(file).get("project", {})
    if "name" not in project or "version" not in project:
        raise Refusal("pyproject.toml needs a [project] name and a static version")
    return project["name"], project["version"]


def target_upload_url(args):
    """The upload URL twine will use, resolved the way twine does it."""
    # twine prefers a repository URL, given or from TWINE_REPOSITORY_URL, to a repository name.
    url = args.repository_url or os.environ.get("TWINE_REPOSITORY_URL")
    if url:
        return url
    name = args.repository or os.environ.get("TWINE_REPOSITORY") or "pypi"
    pypirc = configparser.ConfigParser()
    pypirc.read(Path("~/.pypirc").expanduser())
    if pypirc.has_option(name, "repository"):
        return pypirc.get(name, "repository")
    if name in KNOWN_REPOSITORIES:
        return KNOWN_REPOSITORIES[name]
    raise Refusal(f"no repository called {name!r} in ~/.pypirc")


def simple_index_url(upload_url):
    """Where the index behind an upload URL lists its files (PEP 503).

    https://upload.pypi.org/legacy/ lists at https://pypi.org/simple/, and an
    index such as pypiserver at http://host:8080/ lists at http://host:8080/simple/.
    """
    parts = urllib.parse.urlsplit(upload_url)
    host = parts.netloc.removeprefix("upload.")
    path = parts.path.rstrip("/").removesuffix("/legacy")
    return f"{parts.scheme}://{host}{path}/simple/"


class FileLinks(HTMLParser):
    """Collects the file names a simple index page links to."""

    def __init__(self):
        super().__init__()
        self.names = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            path = urllib.parse.urlsplit(href).path
            self.names.append(urllib.parse.unquote(path.rsplit("/", 1)[-1]))


def files_on_index(index_url, name):
    """The file names the index holds for this project; none if it has never heard of it."""
    normalized = re.sub(r"[-_.]+", "-", name).lower()
    url = f"{index_url}{normalized}/"
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            page = response.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return []
        raise Refusal(f"could not read {url}: HTTP {error.code} {error.reason}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise Refusal(f"could not reach the index at {url}: {reason}") from None
    links = FileLinks()
    links.feed(page)
    return links.names


def version_of(filename):
    """The version in a wheel or sdist file name, such as llm_markov-0.1.tar.gz."""
    if filename.endswith(".whl"):
        return filename.split("-")[1]
    stem = re.sub(r"\.(tar\.gz|zip|tar\.bz2)$", "", filename)
    return stem.rsplit("-", 1)[-1]


def check_version_is_new(name, version, upload_url):
    index_url = simple_index_url(upload_url)
    taken = [file for file in files_on_index(index_url, name) if version_of(file) == version]
    if taken:
        raise Refusal(
            f"{name} {version} is already on {index_url} ({', '.join(taken)}): "
            "bump the version in pyproject.toml"
        )


def run(*command):
    """Run a command in the project folder; its output goes straight to the terminal."""
    return subprocess.run(command, check=False, cwd=ROOT).returncode


def run_and_keep_output(*command):
    """Run a command, showing its output as it comes and keeping a copy of it."""
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = bytearray()
    # read1 returns what is there so far, so prompts without a newline still show.
    while chunk := process.stdout.read1(4096):
        sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()
        output += chunk
    return process.wait(), output.decode("utf-8", errors="replace")


def twine_reason(output):
    """twine's own error message, as one line, without colours."""
    lines = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", output).splitlines()
    for level in ("ERROR", "WARNING"):
        for start, line in enumerate(lines):
            if line.startswith(level):
                message = [line.removeprefix(level).strip()]
                # twine indents the rest of a message under its first line.
                for more in lines[start + 1 :]:
                    if not more.startswith(" ") or not more.strip():
                        break
                    message.append(more.strip())
                return " ".join(message)
    return "twine gave no reason; see its output above"


def run_tests():
    if importlib.util.find_spec("pytest") is None:
        raise Refusal("pytest is not installed: python -m pip install -e . --group dev")
    if run(sys.executable, "-m", "pytest") != 0:
        raise Refusal("the tests failed: fix them before releasing")


def build():
    shutil.rmtree(DIST, ignore_errors=True)
    if run(sys.executable, "-m", "build", "--quiet") != 0:
        raise Refusal("python -m build failed (see its output above)")
    return sorted(str(path.relative_to(ROOT)) for path in DIST.iterdir())


def check_dist(files):
    code, output = run_and_keep_output(sys.executable, "-m", "twine", "check", "--strict", *files)
    if code != 0:
        raise Refusal(f"twine check --strict failed: {twine_reason(output)}")


def upload(files, args):
    command = [sys.executable, "-m", "twine", "upload", "--disable-progress-bar"]
    if args.repository_url:
        command += ["--repository-url", args.repository_url]
    if args.repository:
        command += ["--repository", args.repository]
    code, output = run_and_keep_output(*command, *files)
    if code != 0:
        reason = twine_reason(output)
        if re.search(r"\b(401|403)\b", reason):
            reason += " (check TWINE_USERNAME and TWINE_PASSWORD, or ~/.pypirc)"
        raise Refusal(f"twine upload failed: {reason}")


def next_steps(name, version, upload_url):
    lines = [
        f"Released {name} {version} to {upload_url}",
        "Next steps:",
        f"  git tag {version} && git push origin {version}",
        f"  then describe it on GitHub: Releases > Draft a new release > tag {version}",
    ]
    if upload_url == PYPI_UPLOAD_URL:
        lines.append(
            f"  (publishing that release also runs publish.yml, which will fail to upload {version}"
            " again: release each version one way only)"
        )
    return "\n".join(lines)


def release(args):
    step("Checking that build and twine are installed")
    check_tools()
    step("Checking that the git working tree is clean")
    check_git_tree_is_clean()
    name, version = read_project()
    upload_url = target_upload_url(args)
    step(f"Checking that {name} {version} is not on {simple_index_url(upload_url)} yet")
    check_version_is_new(name, version, upload_url)
    step("Running the tests: python -m pytest")
    run_tests()
    step("Building the sdist and the wheel into dist/: python -m build")
    files = build()
    step(f"Checking {', '.join(files)}: twine check --strict")
    check_dist(files)
    if args.dry_run:
        print(f"\nDry run: built and checked {name} {version}; uploaded nothing.")
        return
    step(f"Uploading to {upload_url}: twine upload")
    upload(files, args)
    print(f"\n{next_steps(name, version, upload_url)}")


def main(argv=None):
    args = parse_args(argv)
    try:
        release(args)
    except Refusal as refusal:
        print(f"Error: {refusal}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Error: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
