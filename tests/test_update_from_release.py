"""Each kind, made with `cruft create` at the previous release and edited as an author would,
updates with `cruft update` to this commit: it conflicts only where CHANGELOG.md says an update
needs the author's hand (and those steps, followed, resolve it), the author's edits stay, the
rendered suite passes, and `cruft check` and `cruft diff` then say what the README says.

The previous release is the newest commit before HEAD that changed VERSION; HEAD is what the
update goes to, as cruft takes the newest commit of the template's repository. So this module
tests what is committed, and needs the repository's whole history.
"""

import json
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from helpers import CRUFT, KINDS, MODEL_KINDS, TEMPLATE, UV, commit_all, git, run, shell_environ

DESCRIPTION = "Acme's models, for LLM: the author's own summary"
INTRODUCTION = "The author's own introduction, in a paragraph of their own."
API_BASE = "https://api.acme.test/v2"
DEFAULT_MODEL = "acme-large"
AUTHOR_TEST = """\
from importlib.metadata import metadata


def test_the_summary_is_the_authors():
    assert metadata({plugin_name})["Summary"] == {description}
"""
# The heading of a release section's list of the files an update may conflict in.
NEEDS_YOUR_HAND = "### Where an update needs your hand"
# One item of that list: the file, then the steps, in one of these forms.
STEPS = {
    "take the template's": re.compile(r"take the template's version, then make your edits again"),
    "keep yours": re.compile(r"keep yours"),
    "moved": re.compile(r"moved to `(?P<to>[^`]+)`: make your edits there, then delete it"),
}
ITEM = re.compile(r"`(?P<path>[^`]+)`(?: \((?P<kinds>[a-z, -]+)\))?: (?P<steps>.+)", re.DOTALL)
CONFLICT_MARKERS = re.compile(r"^(<{7}|>{7}) ", re.MULTILINE)


def template_git(*args, repo=TEMPLATE):
    return git(repo, *args).stdout.strip()


def previous_release(repo=TEMPLATE):
    """The newest commit before HEAD that changed VERSION, and the version it set."""
    if template_git("rev-parse", "--is-shallow-repository", repo=repo) == "true":
        pytest.fail(
            f"{repo} is a shallow clone: the previous release is found in the history of"
            " VERSION, so fetch the whole history first (git fetch --unshallow; in GitHub"
            " Actions, actions/checkout with fetch-depth: 0)"
        )
    head = template_git("rev-parse", "HEAD", repo=repo)
    changes = template_git("rev-list", "HEAD", "--", "VERSION", repo=repo).split()
    releases = [commit for commit in changes if commit != head]
    if not releases:
        pytest.fail("no commit before HEAD sets VERSION: there is no previous release")
    return releases[0], template_git("show", f"{releases[0]}:VERSION", repo=repo)


def release_sections(changelog):
    """CHANGELOG.md's sections, newest first, as (version, text)."""
    parts = re.split(r"^## (\S+)[^\n]*$", changelog, flags=re.MULTILINE)
    return list(zip(parts[1::2], parts[2::2], strict=True))


def steps_in(section):
    """The section's list of files an update may conflict in: {(path, kind): (step, argument)}."""
    if NEEDS_YOUR_HAND not in section:
        return {}
    listing = section.split(NEEDS_YOUR_HAND, 1)[1].split("\n### ", 1)[0]
    found = {}
    for text in re.split(r"^- ", listing, flags=re.MULTILINE)[1:]:
        item = ITEM.match(" ".join(text.split()))
        assert item, f"CHANGELOG.md: {NEEDS_YOUR_HAND!r} lists {text!r}, not `file`: steps"
        matches = [(name, form.match(item["steps"])) for name, form in STEPS.items()]
        [(name, match)] = [(name, match) for name, match in matches if match] or [(None, None)]
        if name is None:
            raise AssertionError(
                f"CHANGELOG.md: no steps the update test knows for {item['path']!r}:"
                f" {item['steps']!r}; begin them with one of: {', '.join(STEPS)}"
            )
        kinds = item["kinds"].split(", ") if item["kinds"] else MODEL_KINDS
        unknown = set(kinds) - set(MODEL_KINDS)
        assert not unknown, f"CHANGELOG.md: no such kind {unknown} for {item['path']!r}"
        for kind in kinds:
            found[item["path"], kind] = (name, match.groupdict().get("to"))
    return found


def needs_your_hand_since(version, changelog):
    """What the sections after this release allow: {(path, kind): (step, argument)}; where
    two sections list a file, the newer's steps."""
    sections = release_sections(changelog)
    versions = [each for each, _ in sections]
    assert version in versions, f"CHANGELOG.md has no section '## {version}'"
    allowed = {}
    for _, text in reversed(sections[: versions.index(version)]):
        allowed.update(steps_in(text))
    return allowed


class Update:
    """One kind: rendered at the previous release, edited, updated to HEAD, resolved, tested."""

    def __init__(self, kind, root, release):
        self.kind, self.root, self.release = kind, root, release
        self.answers = KINDS[kind]
        self.env = shell_environ(root / "home", Path(UV).parent, Path(CRUFT).parent)
        self.projects = root / "projects"
        self.edits = {}  # path: a function that makes the author's edit to the file's text

    def cruft(self, *args, cwd, check=True):
        return run(CRUFT, *args, cwd=cwd, env=self.env, check=check)

    def create(self, folder, *checkout):
        """A cruft render of the template (at this commit), committed in a git repository."""
        folder.mkdir(parents=True)
        self.cruft(
            "create", "--no-input", *checkout, TEMPLATE,
            "--extra-context", json.dumps(self.answers), cwd=folder,
        )  # fmt: skip
        [project] = [path for path in folder.iterdir() if path.is_dir()]
        git(project, "init", "-q")
        commit_all(project, "Rendered from llm-plugin-template")
        return project

    def run_all(self):
        self.project = self.create(self.projects, "--checkout", self.release)
        self.answers_used = json.loads((self.project / ".cruft.json").read_text())["context"]
        self.module = self.answers_used["cookiecutter"]["module_name"]
        self.make_the_authors_edits()
        commit_all(self.project, "The author's own work")
        self.update = self.cruft("update", "--skip-apply-ask", cwd=self.project, check=False)
        self.fresh = self.create(
            self.root / "fresh", "--checkout", template_git("rev-parse", "HEAD")
        )
        self.conflicts = self.conflicted()
        return self

    def edit(self, path, change):
        """Make an edit and remember it, to make it again where the changelog says so."""
        self.edits.setdefault(path, []).append(change)
        self.change(path, change)

    def change(self, path, change):
        file = self.project / path
        text = file.read_text()
        changed = change(text)
        assert changed != text, f"the author's edit found nothing to change in {path}"
        file.write_text(changed)

    def make_the_authors_edits(self):
        plugin_name = self.answers_used["cookiecutter"]["plugin_name"]
        summary = self.answers_used["cookiecutter"]["description"]
        self.edit("pyproject.toml", lambda text: replace_line(text, "description = ", DESCRIPTION))
        self.edit("README.md", lambda text: introduce(text, summary))
        if self.kind == "api":
            settings = f"{self.module}/__init__.py"
            self.edit(settings, lambda text: replace_assignment(text, "API_BASE", API_BASE))
            self.edit(
                settings, lambda text: replace_assignment(text, "DEFAULT_MODEL", DEFAULT_MODEL)
            )
        test = self.project / "tests" / "test_authors_own.py"
        test.write_text(
            AUTHOR_TEST.format(
                plugin_name=json.dumps(plugin_name), description=json.dumps(DESCRIPTION)
            )
        )

    def conflicted(self):
        """The files the update left for the author: marked conflicted by git, beside a .rej
        file, or deleted by the template and still there."""
        unmerged = git(self.project, "diff", "--name-only", "--diff-filter=U").stdout.split()
        rejected = [
            str(path.relative_to(self.project).with_suffix(""))
            for path in self.project.rglob("*.rej")
        ]
        first = git(self.project, "rev-list", "--max-parents=0", "HEAD").stdout.strip()
        rendered_then = git(self.project, "ls-tree", "-r", "--name-only", first).stdout.split()
        left = [
            name
            for name in rendered_then
            if not (self.fresh / name).exists() and (self.project / name).exists()
        ]
        return sorted({*unmerged, *rejected, *left})

    def allowed(self, allowed):
        """The changelog's items for this kind, by the path they name in this project."""
        return {
            self.concrete(path): steps
            for (path, kind), steps in allowed.items()
            if kind == self.kind
        }

    def follow_the_changelog(self, allowed):
        """Resolve each conflict the changelog allows, with its steps, as an author would."""
        mine = self.allowed(allowed)
        for path in self.conflicts:
            if path not in mine:
                continue
            step, argument = mine[path]
            if step == "take the template's" and not (self.fresh / path).exists():
                (self.project / path).unlink()  # the template deleted it
            elif step == "take the template's":
                shutil.copyfile(self.fresh / path, self.project / path)
                self.make_again(path, path)
            elif step == "keep yours":
                self.keep_yours(path)
            else:
                self.make_again(path, self.concrete(argument))
                (self.project / path).unlink(missing_ok=True)
            (self.project / f"{path}.rej").unlink(missing_ok=True)
        git(self.project, "add", "-A")

    def concrete(self, pattern):
        return pattern.replace("<module>", self.module)

    def make_again(self, edited, path):
        """The author's edits of one file, made again in this one (where it moved)."""
        for change in self.edits.get(edited, []):
            self.change(path, change)
        if path != edited:
            self.edits[path] = self.edits.pop(edited)

    def keep_yours(self, path):
        """In each conflict of the file, the author's lines; the template's elsewhere."""
        if git(self.project, "ls-files", "--unmerged", "--", path).stdout:
            # git merge-file's order: the current file (the author's), the base, the other.
            sides = []
            for stage, side in ((2, "yours"), (1, "base"), (3, "template")):
                sides.append(self.root / f"{side}.txt")
                sides[-1].write_text(git(self.project, "show", f":{stage}:{path}").stdout)
            merged = run("git", "merge-file", "-p", "--ours", *sides, check=False)
            (self.project / path).write_text(merged.stdout)


def replace_line(text, start, value):
    """The line starting with `start` given this string value, as TOML and Python write it."""
    line = re.search(rf"^{re.escape(start)}.*$", text, re.MULTILINE)
    assert line, f"the author's edit finds no line starting with {start!r}"
    return text[: line.start()] + start + json.dumps(value) + text[line.end() :]


def replace_assignment(text, name, value):
    return replace_line(text, f"{name} = ", value)


def introduce(readme, summary):
    """The author's README: their description in place of the template's (a line that holds
    it, escaped for Markdown as rendered), and a paragraph of their own after it."""
    lines = readme.split("\n")
    found = [i for i, line in enumerate(lines) if summary in line.replace("\\", "")]
    assert found, f"the README holds the description {summary!r} on no line"
    line = lines[found[0]].replace("\\", "").replace(summary, DESCRIPTION)
    lines[found[0] : found[0] + 1] = [line, "", INTRODUCTION]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def release():
    return previous_release()


@pytest.fixture(scope="module")
def allowed(release):
    changelog = template_git("show", "HEAD:CHANGELOG.md")
    return needs_your_hand_since(release[1], changelog)


@pytest.fixture(scope="module")
def updates(tmp_path_factory, release, allowed):
    """Every kind updated, its conflicts resolved where the changelog allows, its suite run."""

    def one(kind, root):
        update = Update(kind, root, release[0]).run_all()
        update.follow_the_changelog(allowed)
        update.check = update.cruft("check", cwd=update.project, check=False)
        update.diff = update.cruft("diff", cwd=update.project, check=False)
        # The README's test command: the project's own settings say which warnings fail it.
        update.suite = run(
            UV, "run", "pytest", "-v", "-p", "no:cacheprovider",
            cwd=update.project, env=update.env, check=False, timeout=900,
        )  # fmt: skip
        return update

    roots = [tmp_path_factory.mktemp(f"update-{kind}") for kind in MODEL_KINDS]
    with ThreadPoolExecutor(len(MODEL_KINDS)) as pool:
        return dict(zip(MODEL_KINDS, pool.map(one, MODEL_KINDS, roots), strict=True))


@pytest.fixture(params=MODEL_KINDS)
def update(request, updates):
    return updates[request.param]


def test_the_previous_release_is_the_last_version_before_head(release):
    commit, version = release
    assert template_git("merge-base", "--is-ancestor", commit, "HEAD") == ""
    assert commit != template_git("rev-parse", "HEAD")
    assert re.fullmatch(r"\d{4}\.\d{1,2}\.\d+", version)
    assert f"\n## {version}\n" in (TEMPLATE / "CHANGELOG.md").read_text()


def test_a_shallow_clone_fails_naming_the_missing_history(tmp_path):
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", TEMPLATE.as_uri(), shallow)
    with pytest.raises(pytest.fail.Exception, match="shallow clone: .* fetch the whole history"):
        previous_release(shallow)


def test_every_file_the_changelog_lists_has_steps_the_test_knows():
    # steps_in fails, naming the item, for steps in no form the test can follow.
    for _, section in release_sections((TEMPLATE / "CHANGELOG.md").read_text()):
        for (path, kind), (step, argument) in steps_in(section).items():
            assert not path.startswith("/") and step in STEPS, (path, kind, step, argument)
            assert kind in MODEL_KINDS


def test_the_update_conflicts_only_where_the_changelog_says(update, allowed, release):
    mine = update.allowed(allowed)
    unexpected = [path for path in update.conflicts if path not in mine]
    assert not unexpected, (
        f"cruft update of the {update.kind} kind from {release[1]} ({release[0][:7]}) to HEAD"
        f" left conflicts in {', '.join(unexpected)}. CHANGELOG.md allows"
        f" {', '.join(sorted(mine)) or 'none'} for this kind under {NEEDS_YOUR_HAND!r} in"
        " the sections after that release. List each file there with its steps (the forms"
        " are at the top of CHANGELOG.md), or make the template's change apply cleanly.\n"
        f"cruft update said:\n{update.update.stdout}\n{update.update.stderr}"
    )


def test_following_the_changelog_leaves_no_conflict(update):
    status = git(update.project, "status", "--porcelain").stdout
    assert not re.search(r"^(UU|AA|DU|UD) ", status, re.MULTILINE), status
    assert not list(update.project.rglob("*.rej"))
    tracked = git(update.project, "ls-files").stdout.split()
    marked = [name for name in tracked if CONFLICT_MARKERS.search(read(update.project / name))]
    assert not marked, f"conflict markers left in {marked}"


def test_the_update_reaches_head(update):
    state = json.loads((update.project / ".cruft.json").read_text())
    assert state["commit"] == template_git("rev-parse", "HEAD"), update.update.stderr


def test_the_authors_edits_are_kept(update):
    project = update.project
    assert f'description = "{DESCRIPTION}"' in (project / "pyproject.toml").read_text()
    readme = (project / "README.md").read_text()
    assert re.search(f"^{re.escape(DESCRIPTION)}.*\n\n{re.escape(INTRODUCTION)}\n", readme, re.M)
    assert (
        (project / "tests" / "test_authors_own.py")
        .read_text()
        .startswith("from importlib.metadata import metadata\n")
    )
    if update.kind == "api":
        settings = (project / update.module / "__init__.py").read_text()
        assert f'\nAPI_BASE = "{API_BASE}"\n' in settings
        assert f'\nDEFAULT_MODEL = "{DEFAULT_MODEL}"\n' in settings


def test_the_rendered_suite_passes_after_the_update(update):
    assert update.suite.returncode == 0, update.suite.stdout[-4000:] + update.suite.stderr
    summary = update.suite.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"=+ \d+ passed in .* =+", summary), summary
    assert "tests/test_authors_own.py::test_the_summary_is_the_authors PASSED" in (
        update.suite.stdout
    )


def test_cruft_check_says_up_to_date(update):
    assert update.check.returncode == 0, update.check.stdout + update.check.stderr
    assert "up to date" in update.check.stdout


def test_cruft_diff_shows_the_authors_edits_alone(update):
    # What differs from the template at HEAD: the files the author edited, and those the
    # changelog had them keep their own lines in; nothing on stderr (the hook is quiet).
    assert update.diff.returncode == 0, update.diff.stderr
    assert update.diff.stderr == ""
    changed = set(re.findall(r"^diff --git upstream-template-old/(\S+) ", update.diff.stdout, re.M))
    edited = {path for path in update.edits if (update.project / path).exists()}
    kept = {path for path in update.conflicts if (update.project / path).exists()}
    assert edited <= changed <= edited | kept, update.diff.stdout


def read(path):
    try:
        return path.read_text()
    except (UnicodeDecodeError, IsADirectoryError):
        return ""
