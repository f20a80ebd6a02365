"""Check every answer before cookiecutter writes a single file.

A bad answer stops the render with one line: the field, the value and what
would be accepted. Cookiecutter then removes the project folder.
Only the first problem is reported: the later answers are often derived from
the earlier ones (module_name from plugin_name), so they fail for the same reason.
Every answer is checked wherever it comes from: a prompt, key=value, the user's
config, a replay file or .cruft.json.
"""

import builtins
import json
import keyword
import re
import sys
import unicodedata
import urllib.parse
from email.errors import HeaderParseError
from email.headerregistry import Address

# Letters and digits are ASCII only: [a-z] with re.IGNORECASE would also match the
# Kelvin sign and other letters that the packaging tools refuse.
PYPI_NAME = re.compile(r"[a-z0-9]([a-z0-9._-]*[a-z0-9])?", re.IGNORECASE | re.ASCII)
GITHUB_USER = re.compile(r"[a-z0-9](-?[a-z0-9])*", re.IGNORECASE | re.ASCII)
# What setuptools checks when it writes Author-email: the pyproject schema's idn-email
# format, then the stdlib's email.headerregistry.Address (see check_author_email).
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# What people type after llm -m: it is also a word in the README's shell examples,
# so no spaces, quotes or shell characters.
MODEL_ID = re.compile(r"[a-z0-9]([a-z0-9._:/@+-]*[a-z0-9])?", re.IGNORECASE | re.ASCII)
# A PEP 440 version in its normal form, the form the built package reports:
# '1.0', '2.0rc1', '1.0.post1', '1.0.dev2', '1!1.0', '1.0+local.1'.
NUMBER = r"(0|[1-9][0-9]*)"
VERSION = re.compile(
    rf"([1-9][0-9]*!)?{NUMBER}(\.{NUMBER})*((a|b|rc){NUMBER})?"
    rf"(\.post{NUMBER})?(\.dev{NUMBER})?(\+[a-z0-9]+(\.[a-z0-9]+)*)?"
)
# A host name (with letters of any script: httpx writes them as IDNA) or an IPv6 address.
URL_HOST = re.compile(r"[\w.-]+|[0-9a-f:.]+")
# The names llm uses for an API key (llm keys set NAME) and its environment variables.
API_KEY_NAME = re.compile(r"[a-z][a-z0-9-]*", re.ASCII)
API_ENV_PREFIX = re.compile(r"[A-Z][A-Z0-9_]*", re.ASCII)
# Tools write files named after the project and its version, such as the 40 more
# characters of a temporary llm_markov-0.1-0.editable-py3-none-any.whl: past 255
# characters in all, the file system refuses the name. Measured: a 211-character
# plugin_name with version 0.1 installs, 213 does not. These bounds leave room.
LONGEST_NAME = 100
LONGEST_VERSION = 50
# The kinds cookiecutter.json offers (local_extensions.py reads them from there).
MODEL_KINDS = json.loads(r'{{ model_kinds | tojson }}')  # fmt: skip
# Top-level modules of every distribution the rendered plugins install (llm, httpx2,
# pytest, the build backend hatchling and all they depend on): a plugin module of the
# same name hides one.
# tests/test_names_taken_by_llm.py derives this set from a fresh install and fails when
# a new release adds a module missing here.
LLM_DEPENDENCY_MODULES = {
    "_distutils_hack", "_pytest", "_yaml", "annotated_types", "anyio", "click",
    "click_default_group", "condense_json", "dateutil", "h11", "hatchling", "httpcore2",
    "httpx2", "idna", "iniconfig", "jiter", "llm", "openai", "packaging", "pathspec", "pip",
    "pluggy", "puremagic", "py", "pydantic", "pydantic_core", "pygments", "pytest",
    "setuptools", "sniffio", "sqlite_fts4", "sqlite_utils", "tabulate", "tomlkit",
    "trove_classifiers", "truststore", "typing_extensions", "typing_inspection", "tzdata",
    "ulid", "yaml",
    "pytest_recording", "vcr", "wrapt",
    # the dev group's type checker (mypy) and cog
    "ast_serialize", "cogapp", "librt", "mypy", "mypy_extensions", "mypyc",
}  # fmt: skip
# Modules Python, pip or setuptools treat specially: site imports sitecustomize at start-up,
# setup.py is a build script, python -m pip runs pip.
SPECIAL_MODULES = {"__main__", "__init__", "sitecustomize", "usercustomize", "setup", "pip"}
# The rendered project's own files and folders, whatever the kind (and a test module's
# name without test_): the plugin module would land on one of them.
# tests/test_pre_gen_hook.py fails when a rendered file is missing here (test_replies
# and test_tools are the api kind's next tests).
RENDERED_NAMES = {
    "tests", "scripts", "conftest", "helpers", "fake_api", "release", "plugin", "test_plugin",
    "odd_prompts", "test_odd_prompts", "model_discovery", "test_model_discovery", "client",
    "client_replies", "test_client_replies", "client_tools", "test_client_tools",
    "client_retries", "test_client_retries", "client_connections", "test_client_connections",
    "client_schemas_and_images", "test_client_schemas_and_images", "embeddings",
    "client_embeddings", "test_client_embeddings", "client_pdf_and_audio",
    "test_client_pdf_and_audio", "model_capabilities", "test_model_capabilities",
    "recorded", "test_recorded",
}  # fmt: skip
# llm's own model IDs and aliases (llm models, llm aliases): a plugin model with one of
# them would take over llm -m for it. tests/test_names_taken_by_llm.py keeps it current.
LLM_MODEL_IDS = {
    "3-large", "3-large-1024", "3-large-256", "3-small", "3-small-512", "3.5", "3.5-16k",
    "3.5-instruct", "4", "4-turbo", "4.1", "4.1-mini", "4.1-nano", "4o", "4o-mini", "4t", "ada",
    "ada-002", "chatgpt", "chatgpt-16k", "chatgpt-instruct", "gpt-3.5-turbo",
    "gpt-3.5-turbo-16k", "gpt-3.5-turbo-instruct", "gpt-4", "gpt-4-turbo",
    "gpt-4-turbo-2024-04-09", "gpt-4-turbo-preview", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano",
    "gpt-4o", "gpt-4o-mini", "gpt-5", "gpt-5-2025-08-07", "gpt-5-mini", "gpt-5-mini-2025-08-07",
    "gpt-5-nano", "gpt-5-nano-2025-08-07", "gpt-5.1", "gpt-5.2", "gpt-5.2-chat-latest",
    "gpt-5.4", "gpt-5.4-2026-03-05", "gpt-5.4-mini", "gpt-5.4-mini-2026-03-17", "gpt-5.4-nano",
    "gpt-5.4-nano-2026-03-17", "gpt-5.5", "gpt-5.5-2026-04-23", "gpt-5.6-luna", "gpt-5.6-sol",
    "gpt-5.6-terra", "gpt-6-astra", "gpt-6-luna", "gpt-6-sol", "gpt4", "o1", "o1-2024-12-17",
    "o3", "o3-mini", "o4-mini", "text-embedding-3-large", "text-embedding-3-large-1024",
    "text-embedding-3-large-256", "text-embedding-3-small", "text-embedding-3-small-512",
    "text-embedding-ada-002",
}  # fmt: skip
# llm's own commands (llm models, llm keys, ...): the api kind adds a command group named
# after its key (llm acme models), which would replace one of them.
# tests/test_names_taken_by_llm.py keeps it current.
LLM_COMMANDS = {
    "aliases", "chat", "collections", "embed", "embed-models", "embed-multi", "fragments",
    "install", "keys", "logs", "models", "openai", "plugins", "prompt", "schemas", "similar",
    "templates", "tools", "uninstall",
}  # fmt: skip
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
    words = re.findall(r"[a-z0-9]+", value.lower(), re.ASCII)
    return "-".join(words)[:LONGEST_NAME].strip("-") or "llm-my-plugin"


def too_long(value, limit):
    if len(value) > limit:
        return f"is {len(value)} characters long: use at most {limit}, as tools name files after it"


def check_plugin_name(value):
    if not PYPI_NAME.fullmatch(value):
        return (
            "is not a valid PyPI project name: use letters, digits, '-', '_' and '.',"
            f" starting and ending with a letter or digit (for example '{suggest_name(value)}')"
        )
    return too_long(value, LONGEST_NAME)


def check_module_name(value):
    if not (value.isascii() and value.isidentifier()) or keyword.iskeyword(value):
        return (
            "is not a valid Python module name: use ASCII letters, digits and '_',"
            " not starting with a digit (for example 'llm_my_plugin')"
        )
    name = value.lower()
    if name in LLM_DEPENDENCY_MODULES or name in sys.stdlib_module_names:
        return f"would hide a module llm needs: choose another name (for example 'llm_{value}')"
    if name in SPECIAL_MODULES:
        return f"is a name Python treats specially: choose another (for example 'llm_{value}')"
    if name in RENDERED_NAMES:
        return (
            "is the name of a file or folder the project already has:"
            f" choose another (for example 'llm_{value}')"
        )
    return too_long(value, LONGEST_NAME)


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
    if value in LLM_MODEL_IDS:
        return (
            "is already a model ID or alias of llm itself, and would take it over:"
            f" choose another (for example 'my-{value}')"
        )


def check_version(value):
    if not VERSION.fullmatch(value):
        return (
            "is not a PEP 440 version in its normal form (for example '0.1', '1.0.0' or '2.0rc1')"
        )
    return too_long(value, LONGEST_VERSION)


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
    if not value:
        return None
    try:
        # setuptools writes the address with Address too, and stops the build if it fails.
        accepted = EMAIL.fullmatch(value) and Address(addr_spec=value).addr_spec == value
    except (ValueError, HeaderParseError):
        accepted = False
    if not (value.isascii() and accepted):
        return (
            "is not an ASCII e-mail address the package metadata accepts:"
            " use name@example.com, or leave it empty"
        )


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


def check_api_key_name(value):
    # Derived from plugin_name, but a replay file or .cruft.json can hold any value.
    if not API_KEY_NAME.fullmatch(value):
        return (
            "is not a name for llm keys set: use lowercase letters, digits and '-',"
            " starting with a letter (for example 'acme', as llm-acme gives)"
        )


def check_api_env_prefix(value):
    if not API_ENV_PREFIX.fullmatch(value):
        return (
            "is not an environment variable prefix: use A-Z, digits and '_',"
            " starting with a letter (for example 'ACME', as llm-acme gives)"
        )


def check_api_base_url(value):
    # The plugin adds paths such as /chat/completions to it: a trailing slash is fine.
    example = "use the API's base URL (for example 'https://api.example.com/v1')"
    if not value.isprintable() or any(char.isspace() for char in value):
        return f"must not contain spaces or line breaks: {example}"
    if any(mark in value for mark in JINJA_MARKS):
        return NO_JINJA
    try:
        url = urllib.parse.urlsplit(value)
        port = url.port
    except ValueError:  # a port that is not a number, or a broken [IPv6] address
        url = port = None
    if not url or url.scheme not in ("http", "https") or not url.hostname or port == 0:
        return (
            "is not an http:// or https:// URL with a host (and, if it has one, a port"
            f" from 1 to 65535): {example}"
        )
    if not URL_HOST.fullmatch(url.hostname):
        return f"has a host name with characters no host name has: {example}"
    if url.username is not None or url.password is not None:
        return (
            "holds a user name or password, which the published plugin would carry:"
            " give the URL without them (users give their key with llm keys set)"
        )
    if "?" in value or "#" in value:
        return (
            "has a query or fragment ('?' or '#'), but the plugin adds paths such as"
            " /chat/completions to it: give the URL without them"
        )


def check_api_model(value):
    if any(char.isspace() for char in value):
        return "must not contain spaces: use the model's name as the API lists it"
    return check_one_line(value)


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
    "api_base_url": check_api_base_url,
    "api_model": check_api_model,
    "__api_key_name": check_api_key_name,
    "__api_env_prefix": check_api_env_prefix,
}


def shown(value):
    """The value as JSON on one line, with invisible characters escaped."""
    text = json.dumps(value, ensure_ascii=False)
    return "".join(char if char.isprintable() else json.dumps(char)[1:-1] for char in text)


def problem_with(field, value):
    """The one line that refuses this answer, or None if it is fine.

    local_extensions.py asks it too, about plugin_name, as soon as it is typed.
    """
    if isinstance(value, str) or field == "async_markov":
        error = CHECKS[field](value)
    else:
        error = "must be text"
    return f"Error: {field} {shown(value)} {error}" if error else None


def first_problem(answers):
    """A message for the first answer that would render a broken plugin, or None."""
    for field in CHECKS:
        problem = problem_with(field, answers.get(field))
        if problem:
            return problem
    return command_clash(answers)


def command_clash(answers):
    """The api kind adds `llm <key name>` commands: they must not replace one of llm's own."""
    name = answers["__api_key_name"]
    if answers["model_kind"] == "api" and name in LLM_COMMANDS:
        return (
            f"Error: plugin_name {shown(answers['plugin_name'])} would name the plugin's commands"
            f" 'llm {name}', replacing llm's own: choose another (for example 'llm-{name}-api')"
        )
    return None


def main():
    # The answers arrive as data, never as code: Jinja's tojson writes every quote
    # as an escape (' as \u0027), so no answer can end this raw string early.
    # The quotes must stay single: the JSON inside is full of double quotes.
    answers = json.loads(r'{{ cookiecutter | tojson }}')  # fmt: skip
    problem = first_problem(answers)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
