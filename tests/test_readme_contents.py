"""The README tells the truth about the template, and the rendered README and CHANGELOG
about the plugin.

The template README's prompt table and tree match what the template does (its commands
are run by test_readme_commands.py); the rendered README's badges point at the plugin's
own GitHub owner, and the CHANGELOG starts at the first version.
"""

import json
import re

import pytest

from helpers import (
    COOKIECUTTER,
    PROMPTED,
    TEMPLATE,
    blocks,
    cookiecutter_environ,
    load_module,
    render,
    run,
    tree,
)

README = (TEMPLATE / "README.md").read_text()


@pytest.fixture(scope="module")
def default_answers(tmp_path_factory):
    """The answers a default render records in cookiecutter's replay file."""
    home = tmp_path_factory.mktemp("answers-home")
    env = cookiecutter_environ(home)
    run(COOKIECUTTER, "--no-input", TEMPLATE, "-o", home / "out", cwd=TEMPLATE, env=env)
    [replay] = (home / "replay").glob("*.json")
    return json.loads(replay.read_text())["cookiecutter"]


# The template's README


def prompt_table_rows():
    return {
        match.group(1): match.group(0)
        for match in re.finditer(r"^\| `(\w+)` \|.*$", README, re.MULTILINE)
    }


def test_readme_prompt_table_gives_every_prompt_with_its_default(default_answers):
    rows = prompt_table_rows()
    assert set(rows) == set(PROMPTED)
    for key in PROMPTED:
        value = default_answers[key]
        shown = (
            "(empty)"
            if value == ""
            else f"`{json.dumps(value) if isinstance(value, bool) else value}`"
        )
        assert rows[key].split("|")[2].strip() == shown, rows[key]


def test_readme_prompt_table_names_the_kind_of_each_question_only_one_kind_is_asked():
    only_for_kind = load_module(TEMPLATE / "local_extensions.py", "readme_extensions").ONLY_FOR_KIND
    for key, row in prompt_table_rows().items():
        what = row.split("|")[3].strip()
        if key in only_for_kind:
            assert what.startswith(f"For `{only_for_kind[key]}`: "), row
        else:
            assert not what.startswith("For `"), row


def tree_block_paths(block):
    """The file paths a `tree`-style drawing lists, relative to its top folder."""
    folders, paths = [], set()
    for line in block.strip().splitlines()[1:]:
        name = line.lstrip("│├└─ ")
        depth = (len(line) - len(name)) // 4 - 1
        folders[depth:] = [name.rstrip("/")]
        if not name.endswith("/"):
            paths.add("/".join(folders))
    return paths


def test_readme_tree_is_the_default_instance(tmp_path):
    [block] = [block for block in blocks(README, "text") if block.startswith("llm-markov/")]
    assert tree_block_paths(block) == set(tree(render(tmp_path)))


# The rendered project


def test_changelog_starts_at_the_first_version(tmp_path):
    project = render(tmp_path, version="1.0.0a1", description="Adds *emphatic* <models>")
    changelog = (project / "CHANGELOG.md").read_text()
    assert changelog.startswith("# Changelog\n")
    assert "\n## 1.0.0a1\n" in changelog
    assert r"- First release: Adds \*emphatic\* \<models>" in changelog


def badges(project):
    return re.findall(
        r"^\[!\[(\w+)\]\((\S+)\)\]\((\S+)\)$", (project / "README.md").read_text(), re.MULTILINE
    )


def test_readme_badges_point_at_the_github_owner(tmp_path):
    project = render(tmp_path, plugin_name="llm-chain", github_username="octo-org")
    found = {name: (image, link) for name, image, link in badges(project)}
    assert set(found) == {"PyPI", "Tests", "License"}
    assert found["PyPI"][1] == "https://pypi.org/project/llm-chain/"
    repo = "https://github.com/octo-org/llm-chain"
    assert found["Tests"] == (
        f"{repo}/actions/workflows/test.yml/badge.svg",
        f"{repo}/actions/workflows/test.yml",
    )
    assert (project / ".github" / "workflows" / "test.yml").is_file()
    assert found["License"][1] == f"{repo}/blob/main/LICENSE"
    readme = (project / "README.md").read_text()
    assert readme.startswith("# llm-chain\n\n[![PyPI]")


def test_readme_has_no_badges_without_a_github_owner(tmp_path):
    project = render(tmp_path, github_username="")
    assert badges(project) == []
    assert "github.com" not in (project / "README.md").read_text()
