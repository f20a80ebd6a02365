"""Jinja filters that write user-typed text safely into each kind of file.

Every free-text answer (description, author name, ...) passes through one of
these filters wherever it lands, so quotes, backslashes, control characters
and emoji come out valid and unchanged.

It also holds the names derived from the answers (module name, model ID,
API key name), so that cookiecutter.json keeps only simple expressions.

Cookiecutter and cruft load EscapeExtension in their own process whenever they
set up a render's Jinja environment: before the first question and before any
file is written. The section "Workarounds" below holds what the template does
about cookiecutter's and cruft's own behaviour, each in one function saying what
it works around, in which version, and when it can go. Importing this module
only defines its functions.
"""

import contextlib
import functools
import json
import logging
import re
import sys
import traceback
import types
from pathlib import Path

import click
import cookiecutter.prompt
import jinja2
from cookiecutter.config import get_user_config
from cookiecutter.exceptions import CookiecutterException, FailedHookException
from cookiecutter.generate import apply_overwrites_to_context
from jinja2.ext import Extension

TEMPLATE_CONTEXT = Path(__file__).with_name("cookiecutter.json")
HOOK = Path(__file__).with_name("hooks") / "pre_gen_project.py"

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


def module_name(plugin_name: str) -> str:
    """The Python module: 'llm-markov' gives 'llm_markov', 'llm.x' gives 'llm_x'."""
    return re.sub(r"[-.]", "_", folder_name(plugin_name).lower())


def model_id(plugin_name: str) -> str:
    """The model ID: plugin_name without a leading 'llm-', so 'llm-markov' gives 'markov'."""
    return folder_name(plugin_name).lower().removeprefix("llm-")


def api_key_name(plugin_name: str) -> str:
    """The name for `llm keys set`: 'llm_acme.cloud' gives 'acme-cloud', 'llm-3d' keeps 'llm-'."""
    short = re.sub(r"[_.]", "-", folder_name(plugin_name).lower()).removeprefix("llm-")
    return short if short[:1].isalpha() else "llm-" + short


def env_prefix(key_name: str) -> str:
    """The environment variables' prefix: 'acme-cloud' gives 'ACME_CLOUD'."""
    return key_name.upper().replace("-", "_")


def _model_kinds() -> list[str]:
    """The kinds cookiecutter.json offers, for the pre-gen hook to check against."""
    return json.loads(TEMPLATE_CONTEXT.read_text())["model_kind"]


# The questions only one kind needs, and that kind: the others are not asked them.
ONLY_FOR_KIND = {"async_markov": "markov", "api_base_url": "api", "api_model": "api"}
QUESTION_NUMBER = re.compile(r"\[(\d+)/(\d+)\]")


class EscapeExtension(Extension):
    """The filters and globals above, and the workarounds below, for each render."""

    def __init__(self, environment):
        super().__init__(environment)
        environment.filters["toml_string"] = toml_string
        environment.filters["python_string"] = python_string
        environment.filters["markdown_text"] = markdown_text
        environment.filters["capwords"] = capwords
        environment.filters["module_name"] = module_name
        environment.filters["model_id"] = model_id
        environment.filters["api_key_name"] = api_key_name
        environment.filters["env_prefix"] = env_prefix
        environment.globals["model_kinds"] = _model_kinds()
        environment.globals["template_dir"] = template_dir()
        environment.globals["cruft_scratch_render"] = cruft_scratch_render
        refuse_user_defaults_cookiecutter_would_skip()
        keep_a_hook_refusal_to_one_line()
        ask_only_where_it_applies()
        import_again_for_the_next_commit()


# Workarounds
#
# Each works around one behaviour of cookiecutter (2.7.1) or cruft (2.16.0, on typer
# 0.29), says which, and can go when upstream changes it; the template's tests fail if
# one stops working. Those that run at each render are called from EscapeExtension.


def import_again_for_the_next_commit() -> None:
    """Forget this module once its filters are in place, so that the next render imports it again.

    `cruft update` renders the project's commit of the template and the newest one in one
    process, from one checkout; cookiecutter imports "local_extensions" by name, and Python
    keeps the first import. Without this, the newest commit would be rendered with the
    filters of the old one (and fail with "No filter named ..." for a filter added since).
    Commits before 46f46c4 (2026-11-24) lack it, so cruft cannot update from them
    (CHANGELOG.md, 2026.12.0). It can go once cruft renders each commit in its own process.
    """
    sys.modules.pop(__name__, None)


def cruft_scratch_render() -> bool:
    """Whether cruft renders the template only to compare it, in a folder it then deletes.

    `cruft update` renders the project's commit and the newest one into temporary
    folders, and `cruft diff` the project's commit; cruft 2.16 runs the template's hooks
    there too, with nothing to tell them apart from `cruft create` (cruft issues #143
    and #199). The post-gen hook asks this, while cookiecutter renders it, so as not
    to print next steps naming a folder that will be gone. Called from the hook's Jinja,
    so the call stack is that of the render.
    """
    comparing = {"cruft._commands.update", "cruft._commands.diff"}
    return any(
        frame.f_globals.get("__name__") in comparing for frame, _ in traceback.walk_stack(None)
    )


def template_dir() -> str:
    """Where the template is, for the post-gen hook to name the files this render wrote.

    Cookiecutter 2.7 gives hooks `_repo_dir` relative to a folder they do not know
    ("." for a local template), and cruft gives them none.
    """
    return str(TEMPLATE_CONTEXT.parent)


def _command_line():
    """The click context of the command running, or None under a program using cookiecutter's API.

    Cookiecutter's command line is a click program; cruft's is a typer one, and
    typer 0.20 and later run it on their own copy of click (typer._click), whose
    context click's get_current_context does not see. Used by _refuse and folder_name.
    """
    getters = [click.get_current_context]
    with contextlib.suppress(ImportError):
        from typer._click.globals import get_current_context

        getters.append(get_current_context)
    return next(filter(None, (getter(silent=True) for getter in getters)), None)


def _refuse(message: str):
    """Stop the render with this one line.

    Under a command line the process ends with it: cruft 2.16 (typer's rich tracebacks)
    would print a traceback of about 95 lines for an exception, and cookiecutter 2.7 one
    for an exception other than its own. A program calling cookiecutter's API gets an
    exception to catch instead.
    """
    if _command_line():
        sys.exit(message)
    raise CookiecutterException(message)


@functools.cache
def _hook():
    """The pre-gen hook as a module, so that an answer can be refused as soon as it is typed.

    The hook is a Jinja template too, rendered here with this module's globals, as
    cookiecutter renders it, but without answers: it then only defines its checks.
    """
    environment = jinja2.Environment(
        keep_trailing_newline=True, undefined=jinja2.StrictUndefined, extensions=[EscapeExtension]
    )
    rendered = environment.from_string(HOOK.read_text()).render(cookiecutter={})
    hook = types.ModuleType("pre_gen_project")
    exec(compile(rendered, str(HOOK), "exec"), hook.__dict__)
    return hook


def folder_name(plugin_name: str) -> str:
    """plugin_name, once the pre-gen hook accepts it and it makes one new folder; else stop.

    Works around cookiecutter 2.7, which makes the project folder before the pre-gen hook
    can check the name: '' or '..' makes it use a folder that exists, 'llm-a/llm-b' makes
    'llm-a' too (and leaves it behind), a NUL or more than 255 bytes make it fail with a
    traceback, and so does a folder already there (under cruft). And a name such as
    'My Plugin' would be refused only after every other question. The filters above
    derive names from plugin_name through this while the answers are asked, and
    cookiecutter.json derives __api_key_name right after plugin_name: so the hook's own
    check runs before the next question. It can go once cookiecutter checks answers
    before it makes any folder.
    """
    refused = _hook().problem_with("plugin_name", plugin_name)
    if refused:
        _refuse(refused)
    command = _command_line()
    options = command.params if command else {}
    if "output_dir" in options and not options.get("overwrite_if_exists"):
        folder = Path(options["output_dir"], plugin_name)
        if folder.exists():
            _refuse(
                f"Error: plugin_name {json.dumps(plugin_name)} is already a folder, {folder}:"
                " choose another name, or move that folder away"
            )
    return plugin_name


def refuse_user_defaults_cookiecutter_would_skip() -> None:
    """Refuse a default_context entry of the user's config that cookiecutter cannot apply.

    Cookiecutter 2.7 only warns about such an entry (async_markov: maybe, "Invalid default
    received") and then skips it and every entry after it, so the render would silently
    lose those answers (cookiecutter issue #2219). It can go once cookiecutter applies the
    entries after an invalid one, or refuses it.
    """
    command = _command_line()
    params = command.params if command else {}
    config = get_user_config(params.get("config_file"), params.get("default_config") or False)
    context = json.loads(TEMPLATE_CONTEXT.read_text())
    for field, value in config["default_context"].items():
        try:
            apply_overwrites_to_context(context, {field: value})
        except ValueError as error:
            _refuse(
                f"Error: {field} {json.dumps(value)} in the default_context of your cookiecutter"
                f" config is refused ({error}): fix it there, as cookiecutter would skip it"
                " and every default after it"
            )


class _StopAfterHookRefusal(logging.Filter):
    """Under a command line, end the process quietly once the pre-gen hook has refused.

    The hook has said what is wrong in one line, and cookiecutter has removed the
    project folder by the time it logs "Stopping generation". Left alone, cookiecutter
    would add that message and "Hook script failed (exit status: 1)", and cruft a
    traceback of about 95 lines, burying the hook's line. A program calling
    cookiecutter's API still gets its FailedHookException, so the log drops only
    the traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], FailedHookException):
            if _command_line():
                sys.exit(1)
            record.exc_info = None
        return True


def keep_a_hook_refusal_to_one_line() -> None:
    """Filter cookiecutter's log of a failed hook (see _StopAfterHookRefusal).

    Cookiecutter 2.7 logs hook failures from cookiecutter.hooks, earlier versions from
    cookiecutter.generate. It can go once cookiecutter and cruft report a failed hook
    without a traceback.
    """
    for name in ("cookiecutter.hooks", "cookiecutter.generate"):
        logger = logging.getLogger(name)
        if not any(type(each).__name__ == "_StopAfterHookRefusal" for each in logger.filters):
            logger.addFilter(_StopAfterHookRefusal())


def ask_only_where_it_applies() -> None:
    """Ask the questions of ONLY_FOR_KIND only once their kind is chosen.

    Cookiecutter 2.7 has no conditional questions: its prompt loop (prompt_for_config, which
    cruft runs too) asks every key of cookiecutter.json that does not start with "_", and
    each key must stay one, as key=value, replay files and .cruft.json set only those.
    The loop asks through three functions of cookiecutter.prompt, which it looks up at
    each question, and sets up the Jinja environment (so this runs) before the first:
    these wrappers note the kind chosen, answer another kind's question with its default,
    as --no-input would, without asking, and count only the questions asked in the
    "[3/11]" before each. Nothing else changes: the answers are those of --no-input,
    replay and cruft update. Should a cookiecutter release rename these functions, every
    question is asked again; it can go once cookiecutter has conditional questions
    (cookiecutter issues #913 and #1914).
    """
    context = json.loads(TEMPLATE_CONTEXT.read_text())
    questions = [key for key in context if not key.startswith("_")]
    chosen: dict[str, object] = {}

    def asked(kind):
        return [key for key in questions if ONLY_FOR_KIND.get(key, kind) == kind]

    # Until the kind is chosen, the count is out of the most questions a kind is asked.
    most = max(len(asked(kind)) for kind in context["model_kind"])

    def numbered(key, prefix):
        number = QUESTION_NUMBER.search(prefix)
        if not number or int(number[2]) != len(questions):
            return prefix  # not the loop over every question
        keys = asked(chosen["model_kind"]) if "model_kind" in chosen else questions[:most]
        return QUESTION_NUMBER.sub(f"[{keys.index(key) + 1}/{len(keys)}]", prefix, count=1)

    def reader(ask):
        # Called as ask(key, default, prompts, prefix): the default of a choice is its list.
        def read(key, default, *args, **kwargs):
            kind = chosen.get("model_kind")
            if kind and ONLY_FOR_KIND.get(key, kind) != kind:
                return default[0] if isinstance(default, list) else default
            if len(args) >= 2:
                args = (args[0], numbered(key, args[1]), *args[2:])
            answer = ask(key, default, *args, **kwargs)
            if key == "model_kind":
                chosen[key] = answer
            return answer

        read.asks = ask
        return read

    for name in ("read_user_choice", "read_user_yes_no", "read_user_variable"):
        ask = getattr(cookiecutter.prompt, name, None)
        if ask:
            # Each render sets up environments more than once, each importing this module
            # again (import_again_for_the_next_commit): wrap the original only, once.
            setattr(cookiecutter.prompt, name, reader(getattr(ask, "asks", ask)))
