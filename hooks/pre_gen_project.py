"""Check every answer before cookiecutter writes a single file.

A bad answer stops the render with one line per problem: the field, the value
and what would be accepted. Cookiecutter then removes the project folder.
"""

import json
import keyword
import re
import sys

# The answers arrive as data, never as code: Jinja's tojson writes every quote
# as an escape (' as \u0027), so no answer can end this raw string early.
ANSWERS = json.loads(r'{{ cookiecutter | tojson }}')

PYPI_NAME = re.compile(r"^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$", re.IGNORECASE)
GITHUB_USER = re.compile(r"^[a-z0-9](-?[a-z0-9])*$", re.IGNORECASE)
EMAIL = re.compile(r"^[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[^@\s<>,;\"'.]+$")
# PEP 440's own pattern (as in the packaging library), matched whole.
PEP440_VERSION = re.compile(
    r"""^\s*v?
    (?:(?:[0-9]+)!)?
    (?:[0-9]+(?:\.[0-9]+)*)
    (?:[-_.]?(?:alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?:[0-9]+)?)?
    (?:(?:-(?:[0-9]+))|(?:[-_.]?(?:post|rev|r)[-_.]?(?:[0-9]+)?))?
    (?:[-_.]?dev[-_.]?(?:[0-9]+)?)?
    (?:\+(?:[a-z0-9]+(?:[-_.][a-z0-9]+)*))?
    \s*$""",
    re.VERBOSE | re.IGNORECASE,
)
MODEL_KINDS = ("markov", "api", "embedding")
# Names the rendered module and its tests already use for something else.
TAKEN_MODULE_NAMES = {"llm", "tests", "scripts", "conftest", "pydantic", "httpx2"}
TAKEN_CLASS_NAMES = {"None", "True", "False", "Options", "Field", "llm"}
PYPI_SUMMARY_LIMIT = 512


def suggest_name(value):
    words = re.findall(r"[a-z0-9]+", value.lower())
    return "-".join(words) or "llm-my-plugin"


def check_plugin_name(value):
    if not PYPI_NAME.match(value):
        return (
            "is not a valid PyPI project name: use letters, digits, '-', '_' and '.',"
            f" starting and ending with a letter or digit (for example '{suggest_name(value)}')"
        )


def check_module_name(value):
    if not value.isidentifier() or keyword.iskeyword(value):
        return "is not a valid Python module name: use letters, digits and '_' (for example 'llm_my_plugin')"
    if value in TAKEN_MODULE_NAMES or value in sys.stdlib_module_names:
        return "would shadow a module the plugin needs: choose another name (for example 'llm_" + value + "')"


def check_class_name(value):
    if not value.isidentifier() or keyword.iskeyword(value) or value in TAKEN_CLASS_NAMES:
        return "is not a usable Python class name: use letters, digits and '_' (for example 'MyModel')"


def check_model_id(value):
    if not value or any(char.isspace() or not char.isprintable() for char in value):
        return "must be non-empty with no spaces or control characters (for example 'my-model')"


def check_version(value):
    if not PEP440_VERSION.match(value):
        return "is not a PEP 440 version (for example '0.1' or '1.0.0')"


def check_one_line(value):
    if not value.strip():
        return "must not be empty"
    if any(char in value for char in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"):
        return "must be a single line: remove the line breaks"


def check_description(value):
    if len(value) > PYPI_SUMMARY_LIMIT:
        return f"is longer than PyPI's {PYPI_SUMMARY_LIMIT}-character summary limit: shorten it"
    return check_one_line(value)


def check_author_name(value):
    if "," in value:
        return "must not contain a comma (Python package metadata separates authors with commas)"
    return check_one_line(value)


def check_author_email(value):
    if value and not EMAIL.match(value):
        return "is not a plausible e-mail address: use name@example.com, or leave it empty"


def check_github_username(value):
    if value and (len(value) > 39 or not GITHUB_USER.match(value)):
        return "is not a valid GitHub user or organisation: letters, digits and single hyphens, at most 39, or leave it empty"


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


def problems(answers):
    """One message for every answer that would render a broken plugin."""
    for field, check in CHECKS.items():
        value = answers[field]
        error = check(value) if isinstance(value, (str, bool)) else "must be text"
        if error:
            yield f"Error: {field} {json.dumps(value, ensure_ascii=False)} {error}"


def main():
    errors = list(problems(ANSWERS))
    for error in errors:
        print(error, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
