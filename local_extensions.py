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

# CommonMark lets a backslash escape any ASCII punctuation character.
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


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


def markdown_text(text: str) -> str:
    """Text that Markdown renders exactly as typed, on one line."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", str(text))


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
