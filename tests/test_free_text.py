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
from pathlib import Path

import pytest
import yaml
from cookiecutter.exceptions import FailedHookException
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from helpers import MODEL_KINDS, TEMPLATE, Venv, render, tomllib

FREE_TEXT_FIELDS = ("description", "author_name")
MARKERS = {"description": "Xdescriptionmarker", "author_name": "Xauthornamemarker"}
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
    """The text a reader sees in a Markdown inline token, with any markup named in it."""
    return "".join(
        child.content if child.type == "text" else f"\0{child.type}\0" for child in token.children
    )


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


# A render and its parsing take about a second: 20 examples for each kind.
@pytest.mark.parametrize("kind", MODEL_KINDS)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(description=one_line_text(), author_name=one_line_text(without=","))
def test_any_one_line_text_round_trips_in_every_file(
    marker_projects, kind, description, author_name
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


def test_plain_text_lands_in_the_markdown_files_as_typed(tmp_path):
    description = 'Acme\'s "fast" models & more, for snake_case fans: 1.5x faster #1'
    project = render_quietly(tmp_path, description=description)
    assert f"\n\n{description}\n\n" in (project / "README.md").read_text()
    assert f"\n- First release: {description}\n" in (project / "CHANGELOG.md").read_text()


# The markdown_text filter on its own


@pytest.fixture(scope="module")
def markdown_text():
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(TEMPLATE)  # where cookiecutter finds local_extensions
        from local_extensions import markdown_text

        return markdown_text


def reads_as_typed(source, text, prefix=""):
    """Markdown source that renders as one paragraph (or list item) of exactly the text."""
    blocks = [
        (token.type, inline_text(token) if token.children else token.content)
        for token in MARKDOWN.parse(source)
        if token.type in ("inline", "html_block", "fence", "code_block", "hr")
        or token.type.endswith("_open")
    ]
    paragraph = [("paragraph_open", ""), ("inline", prefix + text)]
    return blocks in (paragraph, [("bullet_list_open", ""), ("list_item_open", ""), *paragraph])


LEFT_AS_TYPED = [
    'Acme\'s "fast" models & more',
    "snake_case_name, 5 * 3, #hashtag, 1.5x, a < b > c, [x, ~5, 50%",
    "one ` backtick and | pipes | here",
    "####### seven hashes",
    "& &copy and &1;",
    "back\\slash",
]
# Markup only at the start of a line: escaped there, left alone after other text.
AT_LINE_START = [
    ("# not a heading", r"\# not a heading"),
    ("###", r"\###"),
    ("- not a list", r"\- not a list"),
    ("+ not a list", r"\+ not a list"),
    ("* not a list", r"\* not a list"),
    ("1. not a list", r"1\. not a list"),
    ("2024) was a year", r"2024\) was a year"),
    ("> not a quote", r"\> not a quote"),
    (">>no space", r"\>>no space"),
    ("---", r"\---"),
    ("- - -", r"\- - -"),
    ("<div class", r"\<div class"),
]
# Markup wherever it is: escaped alike in both places.
ANYWHERE = [
    ("***", r"\*\*\*"),
    ("_a_ and __b__", r"\_a\_ and \_\_b\_\_"),
    ("*em* and **strong**", r"\*em\* and \*\*strong\*\*"),
    ("`code` and ``more``", r"\`code\` and \`\`more\`\`"),
    ("```", r"\`\`\`"),
    ("~~struck~~", r"\~\~struck\~\~"),
    ("[a link](https://x.org)", r"\[a link](https://x.org)"),
    ("![an image](x.png)", r"!\[an image](x.png)"),
    ("[^1] and [ref]: /url", r"\[^1] and \[ref]: /url"),
    ("<b>bold</b>", r"\<b>bold\</b>"),
    ("<!-- note -->", r"\<!-- note -->"),
    ("<https://x.org>", r"\<https://x.org>"),
    ("&amp; &copy; &#65; &#x41;", r"\&amp; \&copy; \&#65; \&#x41;"),
    ("a trailing backslash \\", "a trailing backslash \\\\"),
    ("escaped \\* star", "escaped \\\\* star"),
]


def assert_escaped(markdown_text, text, in_a_paragraph, after_other_text):
    assert markdown_text(text) == in_a_paragraph
    assert markdown_text(text, line_start=False) == after_other_text
    assert reads_as_typed(in_a_paragraph, text)
    assert reads_as_typed(f"- First release: {after_other_text}", text, "First release: ")


@pytest.mark.parametrize("text", LEFT_AS_TYPED)
def test_markdown_text_leaves_plain_text_as_typed(markdown_text, text):
    assert_escaped(markdown_text, text, text, text)


@pytest.mark.parametrize("text, escaped", AT_LINE_START)
def test_markdown_text_escapes_line_start_markup_only_at_a_line_start(markdown_text, text, escaped):
    assert_escaped(markdown_text, text, escaped, text)


@pytest.mark.parametrize("text, escaped", ANYWHERE)
def test_markdown_text_escapes_inline_markup_everywhere(markdown_text, text, escaped):
    assert_escaped(markdown_text, text, escaped, escaped)


def markdown_like_text():
    """One-line text made mostly of what Markdown reads as markup, and a few letters."""
    markup = st.sampled_from(list("\\<>&#;*_`~[]()!|{}=-+.:/?") + [" ", "1.", "www."])
    words = st.sampled_from(["a", "x9", "é", "🦙", "<b>", "</b>", "<!--", "&amp;", "&#65;", "](x)"])
    return st.lists(markup | words, min_size=1, max_size=12).map("".join).map(str.strip)


@settings(max_examples=1000, deadline=None)
@given(text=one_line_text() | markdown_like_text().filter(bool))
def test_markdown_text_reads_as_typed_wherever_it_lands(markdown_text, text):
    assert reads_as_typed(markdown_text(text), text)
    after = markdown_text(text, line_start=False)
    assert reads_as_typed(f"- First release: {after}", text, "First release: ")


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


@pytest.mark.parametrize(
    "field, constant, value",
    [
        ("api_model", "DEFAULT_MODEL", "acme\"large'\\"),
        ("api_model", "DEFAULT_MODEL", "模型/🦙"),
        ("api_base_url", "API_BASE", "https://api.example.com/v1/\"'\\"),
        ("api_base_url", "API_BASE", "https://bücher.example/ü"),
    ],
)
def test_the_api_answers_land_in_the_module_unchanged(tmp_path, field, constant, value):
    project = render_quietly(tmp_path, model_kind="api", plugin_name="llm-acme", **{field: value})
    module = ast.parse((project / "llm_acme" / "__init__.py").read_text())
    [found] = [
        ast.literal_eval(node.value)
        for node in module.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == constant
    ]
    assert found == value
