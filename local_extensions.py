"""Jinja filters that write user-typed text safely into each kind of file.

Every free-text answer (description, author name, ...) passes through one of
these filters wherever it lands, so quotes, backslashes, control characters
and emoji come out valid and unchanged.

Cookiecutter imports this module in its own process, so it also quiets the
traceback cookiecutter prints when the pre-gen hook refuses an answer.
"""

import json
import logging
import re

from cookiecutter.exceptions import FailedHookException
from jinja2.ext import Extension

# TOML basic strings allow every character except these, which need escapes.
_TOML_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}
_TOML_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f\x7f]')
_TOML_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")

# Markdown reads some characters as markup only in some places. markdown_text puts a
# backslash before each one where Markdown would read it so, and nowhere else, so that
# the Markdown source reads as typed: "Acme's fast models & more" stays as it is.

# Emphasis, strikethrough and code spans need an opening and a closing mark.
_MD_PAIRED = "*_~`"
_MD_MARKUP = re.compile(
    r"\\(?=[!-/:-@\[-`{-~]|$)"  # a backslash that would escape what follows, or end a line
    r"|\[(?=.*\])"  # a link, image or footnote: [text](url), ![alt](src), [^1]
    r"|<(?=[A-Za-z/!?].*>)"  # HTML, a comment or an autolink
    r"|&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]*;)"  # an entity: &amp; &#65;
)
# Only at the start of a line: a heading, a list item, a quote, a thematic break, HTML.
# An ordered list item ("1. ") is escaped at its dot, everything else at its first mark.
_MD_LINE_START = re.compile(
    r"(?P<number>\d{1,9})[.)](?=[ \t]|$)"
    r"|(#{1,6}|[-+*])(?=[ \t]|$)"
    r"|>"
    r"|(?P<rule>[-*_])([ \t]*(?P=rule)){2,}[ \t]*$"
    r"|<(?=[A-Za-z/!?])"
)


def _toml_escape(match: re.Match) -> str:
    char = match.group()
    return _TOML_ESCAPES.get(char) or f"\\u{ord(char):04X}"


def toml_string(text: str) -> str:
    """A TOML basic string, quotes included. Astral characters stay literal."""
    return '"' + _TOML_NEEDS_ESCAPE.sub(_toml_escape, str(text)) + '"'


def toml_key(text: str) -> str:
    """A TOML key: bare when TOML allows it, else a quoted string."""
    return text if _TOML_BARE_KEY.match(text) else toml_string(text)


def python_string(text: str) -> str:
    """A double-quoted Python string literal, quotes included."""
    return json.dumps(str(text), ensure_ascii=False)


def markdown_text(text: str, line_start: bool = True) -> str:
    """One line of text that Markdown renders exactly as typed, escaped only where needed.

    With line_start, the text begins a line (a paragraph); without, it follows other text
    on its line (a list item's words), where a leading '#' or '1.' is plain text.
    """
    text = str(text)
    marks = {match.start() for match in _MD_MARKUP.finditer(text)}
    for char in _MD_PAIRED:
        # An underscore between letters or digits (snake_case) never marks emphasis.
        found = [i for i, c in enumerate(text) if c == char and not _inside_word(text, i)]
        if len(found) >= 2:
            marks.update(found)
    if line_start and (match := _MD_LINE_START.match(text)):
        marks.add(match.end("number") if match.group("number") else 0)
    return "".join("\\" + char if i in marks else char for i, char in enumerate(text))


def _inside_word(text: str, index: int) -> bool:
    return (
        text[index] == "_"
        and 0 < index < len(text) - 1
        and text[index - 1].isalnum()
        and text[index + 1].isalnum()
    )


def capwords(text: str) -> str:
    """A class name from a model ID: 'embed-demo' gives 'EmbedDemo', '3d' gives 'Model3d'."""
    name = "".join(word[:1].upper() + word[1:] for word in re.findall(r"[A-Za-z0-9]+", text))
    return name if name[:1].isalpha() else "Model" + name


class _WithoutHookTraceback(logging.Filter):
    """Drop the traceback from cookiecutter's "Stopping generation" message.

    The hook has already said what is wrong in one line; the traceback of
    cookiecutter's own code that follows it only buries that line.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], FailedHookException):
            record.exc_info = None
        return True


# Cookiecutter 2.7 logs hook failures from cookiecutter.hooks, earlier versions from .generate.
for _name in ("cookiecutter.hooks", "cookiecutter.generate"):
    logging.getLogger(_name).addFilter(_WithoutHookTraceback())


class EscapeExtension(Extension):
    def __init__(self, environment):
        super().__init__(environment)
        environment.filters["toml_string"] = toml_string
        environment.filters["toml_key"] = toml_key
        environment.filters["python_string"] = python_string
        environment.filters["markdown_text"] = markdown_text
        environment.filters["capwords"] = capwords
