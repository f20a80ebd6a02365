"""Check every answer before cookiecutter writes a single file.

A bad answer stops the render with one line: the field, the value and what
would be accepted. Cookiecutter then removes the project folder.
Only the first problem is reported: the later answers are often derived from
the earlier ones (module_name from plugin_name), so they fail for the same reason.
"""

import builtins
import json
import keyword
import re
import sys
import unicodedata

# The answers arrive as data, never as code: Jinja's tojson writes every quote
# as an escape (' as \u0027), so no answer can end this raw string early.
# The quotes must stay single: the JSON inside is full of double quotes.
ANSWERS = json.loads(r'{{ cookiecutter | tojson }}')  # fmt: skip

PYPI_NAME = re.compile(r"[a-z0-9]([a-z0-9._-]*[a-z0-9])?", re.IGNORECASE)
GITHUB_USER = re.compile(r"[a-z0-9](-?[a-z0-9])*", re.IGNORECASE)
# ASCII only: package metadata cannot carry a non-ASCII address.
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", re.ASCII)
# What people type after llm -m: it also has to be an entry point name and a
# word in the README's shell examples, so no spaces, quotes or shell characters.
MODEL_ID = re.compile(r"[a-z0-9]([a-z0-9._:/@+-]*[a-z0-9])?", re.IGNORECASE)
# A PEP 440 version in its normal form, the form the built package reports:
# '1.0', '2.0rc1', '1.0.post1', '1.0.dev2', '1!1.0', '1.0+local.1'.
NUMBER = r"(0|[1-9][0-9]*)"
VERSION = re.compile(
    rf"([1-9][0-9]*!)?{NUMBER}(\.{NUMBER})*((a|b|rc){NUMBER})?"
    rf"(\.post{NUMBER})?(\.dev{NUMBER})?(\+[a-z0-9]+(\.[a-z0-9]+)*)?"
)
MODEL_KINDS = ("markov", "api", "embedding")
# Modules the plugin imports: a plugin module with one of these names would hide them.
TAKEN_MODULE_NAMES = {
    "llm",
    "tests",
    "scripts",
    "conftest",
    "fake_api",
    "click",
    "pydantic",
    "pluggy",
    "httpx2",
    "openai",
    "yaml",
    "sqlite_utils",
    "setuptools",
    "pytest",
}
# Classes the plugin modules import or define beside the model class.
TAKEN_CLASS_NAMES = {"Field", "Options", "TextPart"}
# Line and paragraph separators, control characters and lone surrogates.
NOT_ONE_LINE = {"Zl", "Zp", "Cc", "Cs"}
PYPI_SUMMARY_LIMIT = 512
# Cookiecutter renders this file with Jinja first: the raw block keeps these braces. {% raw %}
JINJA_MARKS = ("{{", "{%", "{#")
NO_JINJA = (
    "must not contain '{{', '{%' or '{#': cruft feeds stored answers back to"
    " cookiecutter as templates on every update"
)
# {% endraw %}


def suggest_name(value):
    words = re.findall(r"[a-z0-9]+", value.lower())
    return "-".join(words) or "llm-my-plugin"


def check_plugin_name(value):
    if not PYPI_NAME.fullmatch(value):
        return (
            "is not a valid PyPI project name: use letters, digits, '-', '_' and '.',"
            f" starting and ending with a letter or digit (for example '{suggest_name(value)}')"
        )


def check_module_name(value):
    if not (value.isascii() and value.isidentifier()) or keyword.iskeyword(value):
        return (
            "is not a valid Python module name: use ASCII letters, digits and '_',"
            " not starting with a digit (for example 'llm_my_plugin')"
        )
    if value in TAKEN_MODULE_NAMES or value in sys.stdlib_module_names:
        return (
            f"would hide a module the plugin needs: choose another name (for example 'llm_{value}')"
        )


def check_class_name(value):
    # CapWords without '_', as PEP 8 names classes, cannot clash with the modules' functions
    # or their CONSTANTS_WITH_UNDERSCORES (test_answer_validation.py keeps it so).
    if not (value.isascii() and value.isidentifier() and value[0].isupper()) or "_" in value:
        return (
            "is not a CapWords Python class name: use ASCII letters and digits,"
            " starting with a capital letter (for example 'MyModel')"
        )
    if value in TAKEN_CLASS_NAMES or keyword.iskeyword(value) or hasattr(builtins, value):
        return f"would hide a name the plugin uses: choose another name (for example 'My{value}')"


def check_model_id(value):
    if not MODEL_ID.fullmatch(value):
        return (
            "is not a usable model ID: use letters, digits and . _ : / @ + -,"
            " starting and ending with a letter or digit (for example 'my-model')"
        )


def check_version(value):
    if not VERSION.fullmatch(value):
        return (
            "is not a PEP 440 version in its normal form (for example '0.1', '1.0.0' or '2.0rc1')"
        )


def check_one_line(value):
    if not value.strip():
        return "must not be empty"
    if value != value.strip():
        return "must not start or end with whitespace"
    if any(unicodedata.category(char) in NOT_ONE_LINE and char != "\t" for char in value):
        return "must be a single line of text: remove line breaks and control characters"
    if any(mark in value for mark in JINJA_MARKS):
        return NO_JINJA


def check_description(value):
    if len(value) > PYPI_SUMMARY_LIMIT:
        return f"is longer than PyPI's {PYPI_SUMMARY_LIMIT}-character summary limit: shorten it"
    return check_one_line(value)


def check_author_name(value):
    if "," in value:
        return "must not contain a comma (package metadata separates authors with commas)"
    return check_one_line(value)


def check_author_email(value):
    if value and not EMAIL.fullmatch(value):
        return "is not a plausible ASCII e-mail address: use name@example.com, or leave it empty"


def check_github_username(value):
    if value and (len(value) > 39 or not GITHUB_USER.fullmatch(value)):
        return (
            "is not a valid GitHub user or organisation: letters, digits and single hyphens,"
            " at most 39 characters, or leave it empty"
        )


def check_model_kind(value):
    if value not in MODEL_KINDS:
        return "is not a model kind: choose one of " + ", ".join(MODEL_KINDS)


def check_async_markov(value):
    if not isinstance(value, bool):
        return "must be a yes/no answer (true or false)"


CHECKS = {
    "plugin_name": check_plugin_name,
    "model_kind": check_model_kind,
    "module_name": check_module_name,
    "model_id": check_model_id,
    "class_name": check_class_name,
    "description": check_description,
    "author_name": check_author_name,
    "author_email": check_author_email,
    "github_username": check_github_username,
    "version": check_version,
    "async_markov": check_async_markov,
}


def shown(value):
    """The value as JSON on one line, with invisible characters escaped."""
    text = json.dumps(value, ensure_ascii=False)
    return "".join(char if char.isprintable() else json.dumps(char)[1:-1] for char in text)


def first_problem(answers):
    """A message for the first answer that would render a broken plugin, or None."""
    for field, check in CHECKS.items():
        value = answers[field]
        if isinstance(value, str) or field == "async_markov":
            error = check(value)
        else:
            error = "must be text"
        if error:
            return f"Error: {field} {shown(value)} {error}"
    return None


def main():
    problem = first_problem(ANSWERS)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
