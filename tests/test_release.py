"""The rendered scripts/release.py, run for real against package indexes on 127.0.0.1.

pypiserver, served in the test process: `index` lists files only to its users, `public_index`
lists them to anyone, as PyPI does, and must stay empty; tests that upload get an index of
their own, which may fail or hang half way through. The default instance is released,
installed back and run; every refusal and every failure leaves the index as the script says.
publish.yml's check for a version on PyPI runs against these indexes too: whichever way a
version went up first, the other uploads nothing.
"""

import os
import signal
import subprocess
from urllib.parse import quote

import pytest
import yaml

from helpers import (
    PASSWORD,
    PROMPT,
    USER,
    PackageIndex,
    Venv,
    commit_all,
    git,
    git_repository,
    install_project,
    load_module,
    refusing_port,
    render,
    silent_port,
)

CREDENTIALS = {"TWINE_USERNAME": USER, "TWINE_PASSWORD": PASSWORD}
HINT = "(set TWINE_USERNAME and TWINE_PASSWORD, or use ~/.pypirc)"
# What the release script asks for when a tool is missing: the README's install lines, which
# tests/test_rendered_readme_commands.py runs as printed in a venv whose pip is too old for --group.
INSTALL_COMMAND = (
    'python -m pip install --upgrade "pip>=25.1" '
    "&& python -m pip install -e . --group dev build twine"
)
# A release needs the project's tests to pass, not all of them to run: a few keep it quick.
FEW_TESTS = {"PYTEST_ADDOPTS": "-k 'installed or unfinished'"}


def dist_files(version):
    return [f"llm_markov-{version}-py3-none-any.whl", f"llm_markov-{version}.tar.gz"]


def commit(project, message, version=None):
    """Commit every change, with pyproject.toml's version set to `version` if given."""
    if version:
        pyproject = project / "pyproject.toml"
        pyproject.write_text(
            pyproject.read_text().replace('version = "0.1"', f'version = "{version}"')
        )
    commit_all(project, message)


def home(project):
    """The HOME of the project's releases, where the test puts ~/.pypirc if it wants one."""
    folder = project.parent / "home"
    folder.mkdir(exist_ok=True)
    return folder


def start_release(venv, project, *args, **env):
    """python scripts/release.py ARGS in the project, with no terminal and an empty keyring."""
    env = venv.environ(
        HOME=str(home(project)),
        GIT_CONFIG_GLOBAL=os.devnull,
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        **env,
    )
    return subprocess.Popen(
        [venv.bin("python"), "scripts/release.py", *args], cwd=project, env=env, text=True,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def finish(process, timeout=600):
    stdout, stderr = process.communicate(timeout=timeout)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def run_release(venv, project, *args, **env):
    return finish(start_release(venv, project, *args, **env))


def steps(result):
    return [line for line in result.stdout.splitlines() if line.startswith("==> ")]


def error_line(result):
    """The script's refusal: one line, its last word, and no traceback anywhere."""
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    assert result.stderr.endswith(f"{errors[0]}\n")
    return errors[0]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """The index llm-markov is released to: only its users may list, download or upload."""
    server = PackageIndex(tmp_path_factory.mktemp("index"), ["list", "download", "update"])
    yield server
    server.close()


@pytest.fixture(scope="module")
def public_index(tmp_path_factory):
    """The index refused releases aim at: it lists files to anyone, and must stay empty."""
    server = PackageIndex(tmp_path_factory.mktemp("public-index"), ["update"])
    yield server
    server.close()


@pytest.fixture
def fresh_index(tmp_path):
    """An empty index of the test's own that lists files to anyone, as PyPI does."""
    server = PackageIndex(tmp_path / "index", ["update"])
    yield server
    server.close()


@pytest.fixture(scope="module")
def committed_project(tmp_path_factory):
    """The default instance as its author would release it: rendered, then committed."""
    project = render(tmp_path_factory.mktemp("release-render"))
    return git_repository(project, "First version")


@pytest.fixture(scope="module")
def venv(committed_project, tmp_path_factory):
    """The author's development environment: the plugin, its tests, build and twine."""
    venv = install_project(committed_project, tmp_path_factory.mktemp("release-env") / "venv")
    # pip too, as `python -m venv` gives the author: build then installs into its isolated
    # environments with it, instead of putting a pip of their own in each (seconds a build).
    venv.install("build", "twine", "pip")
    return venv


def clone(committed_project, folder):
    """A fresh checkout of the committed project."""
    git(folder, "clone", "-q", str(committed_project), "llm-markov")
    return folder / "llm-markov"


@pytest.fixture
def project(committed_project, tmp_path):
    return clone(committed_project, tmp_path)


@pytest.fixture(scope="module")
def released(committed_project, venv, index, tmp_path_factory):
    """llm-markov 0.1 released to the index; the project and the script's output."""
    project = clone(committed_project, tmp_path_factory.mktemp("released"))
    result = run_release(venv, project, "--repository-url", index.url, **CREDENTIALS)
    assert result.returncode == 0, result.stdout + result.stderr
    return project, result


def test_release_uploads_the_sdist_and_the_wheel(released, index):
    assert index.files() == dist_files("0.1")


def test_release_shows_each_step_then_the_next_steps(released, index):
    _, result = released
    assert steps(result) == [
        "==> Checking the git working tree and tags",
        f"==> Checking that llm-markov 0.1 is not on {index.url}simple/ yet",
        "==> Running the tests: python -m pytest",
        "==> Building into dist/ and checking: python -m build, twine check --strict",
        f"==> Uploading to {index.url}: twine upload",
    ]
    assert " passed" in result.stdout
    assert result.stdout.count("PASSED") == 2
    assert result.stdout.endswith(
        f"Released llm-markov 0.1 to {index.url}\nNext step:\n"
        "  git tag 0.1 && git push origin 0.1\n"
        "Publishing a GitHub release for this tag would upload 0.1 to PyPI too.\n"
    )
    assert "Error" not in result.stderr


def test_released_plugin_installs_from_the_index_and_runs(released, index, tmp_path):
    project, _ = released
    venv = Venv.create(tmp_path / "venv")
    # --index outranks PyPI, which also has an llm-markov 0.1 (the tutorial author's).
    simple = index.url.replace("//", f"//{USER}:{quote(PASSWORD)}@") + "simple/"
    venv.install("--index", simple, "llm-markov==0.1")
    installed = venv.python("-c", "import llm_markov; print(open(llm_markov.__file__).read())")
    assert installed.stdout == (project / "llm_markov.py").read_text() + "\n"
    assert '"version": "0.1"' in venv.llm("plugins").stdout
    words = venv.llm("-m", "markov", PROMPT).stdout.split()
    assert len(words) == 20
    assert set(words) <= set(PROMPT.split())


# twine reads the section named in [distutils]; the % in the URL and the password stay as is.
PYPIRC = f"""\
[distutils]
index-servers = local

[local]
repository = {{url}}?from=%7Epypirc
username = {USER}
password = {PASSWORD}
"""


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--repository-url", "{url}"], CREDENTIALS),
        (["--repository", "local"], {}),
        ([], {"TWINE_REPOSITORY_URL": "{url}", **CREDENTIALS}),
        ([], {"TWINE_REPOSITORY": "local"}),
    ],
    ids=[
        "--repository-url",
        "--repository in ~/.pypirc",
        "TWINE_REPOSITORY_URL",
        "TWINE_REPOSITORY",
    ],
)
def test_second_release_of_the_same_version_is_refused(released, venv, index, args, env):
    # The index lists its files only to its users: the check logs in as twine would.
    project, _ = released
    (home(project) / ".pypirc").write_text(PYPIRC.format(url=index.url))
    args = [arg.format(url=index.url) for arg in args]
    env = {key: value.format(url=index.url) for key, value in env.items()}
    result = run_release(venv, project, *args, **env)
    assert error_line(result) == (
        f"Error: llm-markov 0.1 is already on {index.url}simple/ "
        f"({', '.join(dist_files('0.1'))}): bump the version in pyproject.toml"
    )
    assert "Running the tests" not in result.stdout
    assert index.files() == dist_files("0.1")


def test_next_version_is_released_beside_the_last_one(venv, project, fresh_index):
    # A version bump and a second run: 0.1 on the index is no reason to refuse 0.2.
    for name in dist_files("0.1"):
        (fresh_index.packages / name).write_bytes(b"the last release")
    commit(project, "Version 0.2", version="0.2")
    args = ["--repository-url", fresh_index.url]
    result = run_release(venv, project, *args, **CREDENTIALS, **FEW_TESTS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert fresh_index.files() == sorted(dist_files("0.1") + dist_files("0.2"))


def test_version_is_compared_in_normal_form(venv, project, fresh_index):
    # 0.4.0-rc1 in pyproject.toml is 0.4.0rc1 in file names. An earlier release that
    # stopped half way left its sdist on the index: this one must not add a wheel to it.
    (fresh_index.packages / "llm_markov-0.4.0rc1.tar.gz").write_bytes(b"an earlier upload")
    commit(project, "Version 0.4.0-rc1", version="0.4.0-rc1")
    args = ["--repository-url", fresh_index.url]
    result = run_release(venv, project, *args, **CREDENTIALS, **FEW_TESTS)
    assert error_line(result) == (
        f"Error: llm-markov 0.4.0-rc1 is already on {fresh_index.url}simple/ "
        "(llm_markov-0.4.0rc1.tar.gz): bump the version in pyproject.toml"
    )
    assert fresh_index.files() == ["llm_markov-0.4.0rc1.tar.gz"]


@pytest.mark.parametrize(
    ("stop", "reason"),
    [
        ("interrupt", "interrupted"),
        ("fail", "503 Server Error: Service Unavailable for url: {url}"),
        ("hang", "could not reach {url}: timed out"),
    ],
    ids=["Ctrl-C", "index fails", "index never answers"],
)
def test_upload_stopped_half_way_says_which_files_reached_the_index(
    venv, project, tmp_path, stop, reason
):
    index = PackageIndex(tmp_path / "index", ["update"], stop_at=2, hold=stop != "fail")
    timeout = ["--timeout", "3"] if stop == "hang" else []
    args = ["--repository-url", index.url, *timeout]
    process = start_release(venv, project, *args, **CREDENTIALS, **FEW_TESTS)
    try:
        if stop == "interrupt":  # Ctrl-C while the second file is on its way
            assert index.holding.wait(timeout=600)
            process.send_signal(signal.SIGINT)
            # It stops at once, well within the default time limit of 60 seconds.
            result = finish(process, timeout=30)
        else:
            result = finish(process)
    finally:
        process.kill()
        index.close()
    wheel, sdist = dist_files("0.1")
    assert error_line(result) == (
        f"Error: {reason.format(url=index.url)}; uploaded: {wheel}; not uploaded: {sdist}"
    )
    assert index.files() == [wheel]


def test_index_that_never_answers_is_given_up_on(venv, project):
    with silent_port() as port:
        url = f"http://127.0.0.1:{port}/"
        result = run_release(venv, project, "--repository-url", url, "--timeout", "1", "--dry-run")
    assert error_line(result) == f"Error: could not reach {url}simple/llm-markov/: timed out"


def test_unreachable_index_is_refused(venv, project):
    with refusing_port() as port:
        url = f"http://127.0.0.1:{port}/"
        result = run_release(venv, project, "--repository-url", url, "--dry-run")
    assert error_line(result) == (
        f"Error: could not reach {url}simple/llm-markov/: [Errno 111] Connection refused"
    )


@pytest.mark.parametrize("name", ["index", "public_index"])
def test_wrong_credentials_give_a_clear_error(venv, project, name, request):
    server = request.getfixturevalue(name)
    before = server.files()
    wrong = {"TWINE_USERNAME": USER, "TWINE_PASSWORD": "wrong", **FEW_TESTS}
    result = run_release(venv, project, "--repository-url", server.url, **wrong)
    if name == "index":  # it lists files only to its users: refused before the tests
        expected = f"for url: {server.url}simple/llm-markov/ {HINT}"
    else:  # refused at the upload, which says what reached the index: nothing
        expected = f"for url: {server.url} {HINT}; uploaded: nothing; not uploaded: "
        expected += ", ".join(dist_files("0.1"))
    assert error_line(result).endswith(expected)
    assert server.files() == before


@pytest.mark.parametrize(
    ("env", "error"),
    [
        ({}, "Credential not found for username."),
        ({"TWINE_USERNAME": USER}, "Credential not found for password."),
        ({"TWINE_USERNAME": USER, "TWINE_PASSWORD": ""}, "no username or password for the index"),
    ],
    ids=["no username", "no password", "empty password"],
)
def test_missing_credentials_without_a_terminal_give_one_line(
    venv, project, public_index, env, error
):
    result = run_release(venv, project, "--repository-url", public_index.url, **env)
    assert error_line(result) == f"Error: {error} {HINT}"
    assert steps(result) == ["==> Checking the git working tree and tags"]


MORE_INFO = "More info: https://packaging.python.org/specifications/pypirc/"


@pytest.mark.parametrize(
    ("pypirc", "error"),
    [
        ("repository = http://127.0.0.1/\n", f"Malformed configuration in ~/.pypirc. {MORE_INFO}"),
        ("[pypi]\n", f"Missing 'local' section from ~/.pypirc. {MORE_INFO}"),
        (
            "[distutils]\nindex-servers = local\n\n[local]\nusername = alice\n",
            "the [local] section of ~/.pypirc needs a repository = URL",
        ),
    ],
    ids=["no section header", "no such section", "no URL"],
)
def test_odd_pypirc_gives_one_line(venv, project, pypirc, error):
    (home(project) / ".pypirc").write_text(pypirc)
    result = run_release(venv, project, "--repository", "local", "--dry-run")
    assert error_line(result) == f"Error: {error}"


def test_dry_run_builds_and_checks_but_uploads_nothing(venv, project, public_index):
    # A tag for this version on HEAD is where a release should be made from.
    git(project, "tag", "-a", "v0.1", "-m", "Version 0.1")
    args = ["--repository-url", public_index.url, "--dry-run"]
    result = run_release(venv, project, *args, **FEW_TESTS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(path.name for path in (project / "dist").iterdir()) == dist_files("0.1")
    assert result.stdout.count("PASSED") == 2
    assert "Dry run: built and checked llm-markov 0.1; uploaded nothing." in result.stdout
    assert not any("Uploading" in step for step in steps(result))
    assert public_index.files() == []


def test_check_reads_only_the_target_index_and_says_where_it_points(venv, project, tmp_path):
    # Like pypiserver by default, the index sends projects it lacks on to another index,
    # which has an llm-markov 0.1 of its own: no reason to refuse, and that index is asked
    # nothing. Running no tests stops the release right after the check.
    elsewhere = PackageIndex(tmp_path / "elsewhere", ["update"])
    for name in dist_files("0.1"):
        (elsewhere.packages / name).write_bytes(b"another project's release")
    index = PackageIndex(tmp_path / "index", ["update"], fallback_url=f"{elsewhere.url}simple/")
    args = ["--repository-url", index.url, "--dry-run"]
    result = run_release(venv, project, *args, PYTEST_ADDOPTS="-k no_such_test")
    index.close()
    elsewhere.close()
    assert error_line(result) == "Error: the tests failed: fix them before releasing"
    origin = f"{index.url}simple/llm-markov/"
    assert f"Warning: not following {origin} to {elsewhere.url}simple/llm-markov/" in result.stderr
    assert elsewhere.paths == []


@pytest.mark.parametrize("tag", ["0.1", "v0.1"])
def test_version_tagged_on_another_commit_is_refused(venv, project, public_index, tag):
    git(project, "tag", tag)
    commit(project, "A commit after the tag")
    result = run_release(venv, project, "--repository-url", public_index.url, **CREDENTIALS)
    assert error_line(result) == (
        f"Error: tag {tag} is on another commit than HEAD: bump the version"
    )


def dirty_by_editing(project):
    with open(project / "README.md", "a") as readme:
        readme.write("\nAn unfinished thought\n")
    return "1 uncommitted change(s): README.md"


def dirty_by_adding(project):
    (project / "notes.txt").write_text("not committed yet\n")
    return "1 uncommitted change(s): notes.txt"


def dirty_by_adding_where_git_status_hides_it(project):
    git(project, "config", "status.showUntrackedFiles", "no")
    return dirty_by_adding(project)


def dirty_by_renaming_a_file_with_a_space(project):
    (project / "my notes.txt").write_text("not committed yet\n")
    git(project, "add", "my notes.txt")
    git(project, "mv", "CHANGELOG.md", "HISTORY.md")
    return "2 uncommitted change(s): HISTORY.md, my notes.txt"


def dirty_by_adding_many(project):
    for number in range(7):
        (project / f"draft{number}.txt").write_text("not committed yet\n")
    return (
        "7 uncommitted change(s): draft0.txt, draft1.txt, draft2.txt, draft3.txt, draft4.txt"
        " and 2 more"
    )


@pytest.mark.parametrize(
    "make_dirty",
    [
        dirty_by_editing,
        dirty_by_adding,
        dirty_by_adding_where_git_status_hides_it,
        dirty_by_renaming_a_file_with_a_space,
        dirty_by_adding_many,
    ],
)
def test_dirty_tree_is_refused_naming_the_files(venv, project, public_index, make_dirty):
    changes = make_dirty(project)
    result = run_release(venv, project, "--repository-url", public_index.url)
    assert error_line(result) == (
        f"Error: the git working tree has {changes}: commit them, or list them in .gitignore"
    )
    assert steps(result) == ["==> Checking the git working tree and tags"]
    assert not (project / "dist").exists()


def test_failing_test_is_refused_before_anything_is_built(venv, project, public_index):
    (project / "tests" / "test_unfinished.py").write_text(
        "def test_unfinished():\n    assert False\n"
    )
    commit(project, "An unfinished test")
    result = run_release(
        venv, project, "--repository-url", public_index.url, **CREDENTIALS, **FEW_TESTS
    )
    assert error_line(result) == "Error: the tests failed: fix them before releasing"
    assert "1 failed" in result.stdout
    assert not (project / "dist").exists()


def test_broken_readme_is_refused_by_twine_check(venv, project, public_index):
    (project / "README.rst").write_text("llm-markov\n==========\n\n.. image::\n")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"README.md"', '"README.rst"'))
    commit(project, "A README PyPI cannot render")
    args = ["--repository-url", public_index.url]
    result = run_release(venv, project, *args, **CREDENTIALS, **FEW_TESTS)
    assert error_line(result) == "Error: twine check --strict failed (see its report above)"
    assert "`long_description` has syntax errors in markup" in result.stderr
    assert public_index.files() == []


@pytest.mark.parametrize(
    ("installed", "missing"),
    [((), "build"), (("build",), "pytest"), (("build", "pytest"), "twine")],
)
def test_missing_tools_give_the_install_command(project, tmp_path, installed, missing):
    bare = Venv.create(tmp_path / "bare")
    if installed:
        bare.install(*installed)
    result = run_release(bare, project)
    assert error_line(result) == f"Error: missing {missing}: {INSTALL_COMMAND}"
    assert steps(result) == []


def test_pypi_is_the_default_index(project, monkeypatch, tmp_path):
    # Resolved by twine, without asking pypi.org anything: no ~/.pypirc, no TWINE_*.
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in [name for name in os.environ if name.startswith("TWINE_")]:
        monkeypatch.delenv(name)
    release = load_module(project / "scripts" / "release.py", "release")
    settings = release.twine_settings(release.parse_args(["--dry-run"]))
    assert settings.repository_config["repository"] == "https://upload.pypi.org/legacy/"
    assert release.simple_index_url(settings) == "https://pypi.org/simple/"


# One version, one way: publish.yml's step that looks for the version on PyPI, run as
# GitHub runs it (bash -eo pipefail), pointed at a local index instead of PyPI.


def publish_workflow(project):
    return yaml.safe_load((project / ".github" / "workflows" / "publish.yml").read_text())


def check_pypi(venv, project, index_url, tmp_path):
    """Run publish.yml's "on PyPI already?" step: its result and what it told GitHub."""
    [step] = [step for step in publish_workflow(project)["jobs"]["build"]["steps"]
              if step.get("id") == "pypi"]  # fmt: skip
    assert step["env"] == {"SIMPLE_INDEX": "https://pypi.org/simple/"}
    github_output = tmp_path / "github-output"
    github_output.write_text("")
    result = venv.run(
        "bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"], cwd=project,
        check=False, SIMPLE_INDEX=f"{index_url}simple/", GITHUB_OUTPUT=str(github_output),
    )  # fmt: skip
    return result, github_output.read_text()


def test_workflow_uploads_nothing_for_a_version_the_script_released(
    venv, project, fresh_index, tmp_path
):
    result = run_release(venv, project, "--repository-url", fresh_index.url, **CREDENTIALS)
    assert result.returncode == 0, result.stdout + result.stderr
    checked, told = check_pypi(venv, project, fresh_index.url, tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert told == "new=false\n"
    wheel, sdist = dist_files("0.1")
    assert checked.stdout == (
        f"::notice::llm-markov 0.1 is on PyPI already ({wheel}, {sdist}), released another"
        " way, such as scripts/release.py: nothing to upload\n"
    )
    # With new=false the build and upload steps and the publish job do not run.
    jobs = publish_workflow(project)["jobs"]
    assert jobs["build"]["outputs"] == {"new": "${{ steps.pypi.outputs.new }}"}
    build_steps = jobs["build"]["steps"]
    after_check = build_steps[[step.get("id") for step in build_steps].index("pypi") + 1 :]
    assert [step.get("if") for step in after_check] == ["steps.pypi.outputs.new == 'true'"] * 2
    assert jobs["publish"]["if"] == "needs.build.outputs.new == 'true'"
    assert fresh_index.files() == dist_files("0.1")


@pytest.mark.parametrize(
    ("on_index", "version", "new"),
    [
        ([], "0.1", "true"),
        (dist_files("0.1"), "0.2", "true"),
        (["llm_markov-0.4.0rc1.tar.gz"], "0.4.0-rc1", "false"),
    ],
    ids=["first release", "next version", "same version in another spelling"],
)
def test_workflow_builds_only_a_version_not_on_pypi_yet(
    venv, project, fresh_index, tmp_path, on_index, version, new
):
    for name in on_index:
        (fresh_index.packages / name).write_bytes(b"an earlier release")
    commit(project, f"Version {version}", version=version)
    checked, told = check_pypi(venv, project, fresh_index.url, tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert told == f"new={new}\n"
    assert ("::notice::" in checked.stdout) == (new == "false")


def test_workflow_stops_when_pypi_cannot_be_asked(venv, project, tmp_path):
    with refusing_port() as port:
        checked, told = check_pypi(venv, project, f"http://127.0.0.1:{port}/", tmp_path)
    assert checked.returncode == 1
    assert "Connection refused" in checked.stderr
    assert told == ""


def test_script_refuses_a_version_the_workflow_released(venv, project, fresh_index):
    # The workflow's build step as printed, then the upload pypa/gh-action-pypi-publish makes.
    [build] = [step for step in publish_workflow(project)["jobs"]["build"]["steps"]
               if step.get("name") == "Build the sdist and the wheel"]  # fmt: skip
    venv.run("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", build["run"], cwd=project)
    upload = [venv.bin("python"), "-m", "twine", "upload", "--repository-url", fresh_index.url]
    venv.run(*upload, *sorted((project / "dist").iterdir()), **CREDENTIALS)
    assert fresh_index.files() == dist_files("0.1")
    result = run_release(venv, project, "--repository-url", fresh_index.url, **CREDENTIALS)
    assert error_line(result).startswith(f"Error: llm-markov 0.1 is already on {fresh_index.url}")
    assert fresh_index.files() == dist_files("0.1")


def test_after_a_release_to_pypi_the_script_says_a_github_release_uploads_nothing(
    project, monkeypatch, tmp_path, capsys
):
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.pypirc: twine's default, PyPI
    for name in [name for name in os.environ if name.startswith("TWINE_")]:
        monkeypatch.delenv(name)
    release = load_module(project / "scripts" / "release.py", "release")
    settings = release.twine_settings(release.parse_args(["--dry-run"]))
    release.print_next_step(settings, "llm-markov", "0.2", tag="v0.2")
    assert capsys.readouterr().out == (
        "\nReleased llm-markov 0.2 to https://upload.pypi.org/legacy/\nNext step:\n"
        "  git push origin v0.2\n"
        "A GitHub release for this tag uploads nothing: publish.yml finds 0.2 on PyPI and stops.\n"
    )
