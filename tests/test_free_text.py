"""Free text comes out valid and unchanged in every file it lands in.

Each render is compared with a render of plain marker words: parsing every
file (TOML, Python, YAML, JSON, Markdown) of both must give the same result,
once the markers are replaced by the text that was typed.
"""

import ast
import contextlib
import io
import json
import tempfile
import tomllib
from pathlib import Path

import pytest
import yaml
from cookiecutter.exceptions import FailedHookException
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from helpers import Venv, render

FREE_TEXT_FIELDS = ("description", "author_name")
MARKERS = {"description": "Xdescriptionmarker", "author_name": "Xauthornamemarker"}
MODEL_KINDS = ("markov", "api", "embedding")
MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])

NASTY_TEXTS = [
    "double \"quotes\" and single 'quotes'",
    "'''triple''' and \"\"\"triple\"\"\"",
    "back\\slash \\n \\u0041 \\x41",
    "a trailing backslash \\",
    "\\\\",
    "emoji 🦙🐪 and 👨‍👩‍👧 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "tab\tin\tthe middle",
    "<b>not bold</b> <!-- no comment --> <script>",
    "&amp; & &copy; &#65;",
    "# not a heading",
    "- not a list",
    "1. not a list either",
    "*not em* _nor this_ **nor** `code` ~~struck~~",
    "[a link](https://example.com) ![img](x.png) <https://example.com>",
    "| a | table |",
    "non-Latin: Ελληνικά Русский 中文 日本語 한국어 العربية עברית हिन्दी",
    "curly { braces } and %s and {0} and ${HOME} and $(ls)",
    "'''); import os; os.system('touch PWNED') #",
    "ends with a colon: and # a hash",
    "=== ---",
    "trailing dot.",
    "x" * 512,
]


def render_quietly(output_dir, **answers):
    """Render with these answers, the free text written literally (not as Jinja)."""
    for field in FREE_TEXT_FIELDS:
        if field in answers:
            answers[field] = "{% raw %}" + answers[field] + "{% endraw %}"
    with contextlib.redirect_stdout(io.StringIO()):
        return render(output_dir, **answers)


def inline_text(token):
    """The text a reader sees in a Markdown inline token."""
    parts = {"softbreak": "\n", "hardbreak": "\n"}
    return "".join(parts.get(child.type, child.content) for child in token.children)


def parse(path):
    """What a file means, as its own format's parser reads it."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".toml":
        return tomllib.loads(text)
    if path.suffix in (".yml", ".yaml"):
        return yaml.safe_load(text)
    if path.suffix == ".json":
        return json.loads(text)
    if path.suffix == ".py":
        compile(text, str(path), "exec")
        nodes = list(ast.walk(ast.parse(text)))
        # The string values, and the shape of the code: no text may turn into code.
        strings = [node.value for node in nodes if isinstance(node, ast.Constant)]
        return {"strings": strings, "nodes": [type(node).__name__ for node in nodes]}
    if path.suffix == ".md":
        tokens = MARKDOWN.parse(text)
        return [
            (token.type, token.tag, inline_text(token) if token.children else token.content)
            for token in tokens
        ]
    return text


def parse_project(project):
    return {
        str(path.relative_to(project)): parse(path)
        for path in sorted(project.rglob("*"))
        if path.is_file()
    }


def replace_markers(value, texts):
    """The parsed marker render, with each marker replaced by its field's text."""
    if isinstance(value, str):
        for field, text in texts.items():
            value = value.replace(MARKERS[field], text)
        return value
    if isinstance(value, dict):
        return {
            replace_markers(key, texts): replace_markers(item, texts) for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return type(value)(replace_markers(item, texts) for item in value)
    return value


@pytest.fixture(scope="module")
def marker_projects(tmp_path_factory):
    """Each kind of project, parsed, rendered with the markers as free text."""
    projects = {}
    for kind in MODEL_KINDS:
        output = tmp_path_factory.mktemp(f"markers-{kind}")
        projects[kind] = parse_project(render_quietly(output, model_kind=kind, **MARKERS))
    return projects


def assert_round_trips(marker_projects, kind, texts):
    with tempfile.TemporaryDirectory() as output:
        files = parse_project(render_quietly(output, model_kind=kind, **texts))
    expected = replace_markers(marker_projects[kind], texts)
    assert files.keys() == expected.keys()
    for name, meaning in files.items():
        assert meaning == expected[name], f"{name} does not say what was typed"


def test_the_markers_land_in_the_metadata_and_the_readme(marker_projects):
    # Guards the comparison below: the markers must reach the files being checked.
    for kind, files in marker_projects.items():
        project = files["pyproject.toml"]["project"]
        assert project["description"] == MARKERS["description"], kind
        assert project["authors"] == [{"name": MARKERS["author_name"]}], kind
        assert ("inline", "", MARKERS["description"]) in files["README.md"], kind


@pytest.mark.parametrize("text", NASTY_TEXTS)
def test_nasty_text_round_trips_in_every_file(marker_projects, text):
    author = text.replace(",", " ")[:100]
    assert_round_trips(marker_projects, "markov", {"description": text, "author_name": author})


def one_line_text(*, without=""):
    """Any text the hook accepts: one line, no edge spaces, no Jinja marks."""
    characters = st.characters(
        exclude_categories=("Cc", "Cs", "Zl", "Zp"), exclude_characters=without
    ) | st.sampled_from("\t\"'\\<>&#*_`[]()!|~{}%=-.:")
    return st.text(characters, min_size=1, max_size=40).filter(
        lambda text: text == text.strip() and not any(m in text for m in ("{{", "{%", "{#"))
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    description=one_line_text(),
    author_name=one_line_text(without=","),
    kind=st.sampled_from(MODEL_KINDS),
)
def test_any_one_line_text_round_trips_in_every_file(
    marker_projects, description, author_name, kind
):
    texts = {"description": description, "author_name": author_name}
    assert_round_trips(marker_projects, kind, texts)


@settings(max_examples=25, deadline=None)
@given(
    field=st.sampled_from(FREE_TEXT_FIELDS),
    before=one_line_text(),
    line_break=st.sampled_from(["\n", "\r\n", "\r", "\x0b", "\x0c", "\x85", "\u2028", "\u2029"]),
    after=one_line_text(without=","),
)
def test_text_with_a_line_break_is_refused(field, before, line_break, after):
    with tempfile.TemporaryDirectory() as output:
        with pytest.raises(FailedHookException):
            render_quietly(output, **{field: before + line_break + after})
        assert list(Path(output).iterdir()) == []


def test_nasty_text_installs_and_loads_in_llm(tmp_path):
    description = "Says \"hi\" & 'bye' <b> \\ #1 🦙 日本語 {braces}\ttab \\"
    author = 'Zoë O\'Brien "Z" <🦙> \\'
    project = render_quietly(
        tmp_path, description=description, author_name=author, author_email="zoe@example.com"
    )
    venv = Venv.create(tmp_path / "venv")
    venv.install(project)
    plugins = json.loads(venv.llm("plugins").stdout)
    assert {"name": "llm-markov", "hooks": ["register_models"], "version": "0.1"} in plugins
    assert venv.llm("-m", "markov", "the cat sat", "-o", "length", "3").stdout.count(" ") == 3
    script = (
        "import email.utils, json, importlib.metadata as m; d = m.metadata('llm-markov');"
        " print(json.dumps([d['Summary'], email.utils.parseaddr(d['Author-email'])]))"
    )
    summary, (name, address) = json.loads(venv.python("-c", script).stdout)
    assert summary == description
    assert (name, address) == (author, "zoe@example.com")
