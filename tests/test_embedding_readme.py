"""The embedding kind's README as printed: its usage examples, and its path to a real model.

"Using a real model" replaces embed_texts() and the bag of words below it, and deletes the bag
of words' own tests: the rendered tests left must pass with any model. Its example library,
sentence-transformers, brings PyTorch (gigabytes on Linux), too much for CI: its code is applied
as printed and checked without the library installed (lint, and loading the plugin imports no
library); and the whole rendered suite runs with a stand-in of the same shape: another library
(mmh3), imported on first use, another number of dimensions, vectors not of length 1.
"""

import json
import re
import shlex
import sys
import textwrap
from contextlib import contextmanager

import pytest

from helpers import KINDS, blocks, commands, install_project, render, run

MODULE = KINDS["embedding"]["plugin_name"].replace("-", "_")
BAG_OF_WORDS_IMPORTS = "import hashlib\nimport math\nimport re\n"
BAG_OF_WORDS_TESTS = "# The bag of words itself"
LOADING_TEST = "test_loading_the_plugin_imports_no_library_beyond_llm"
# Feature hashing of character trigrams into 384 numbers (as many as all-MiniLM-L6-v2 gives)
# with the mmh3 library: texts that share letters come out close, as with the bag of words,
# but from a library llm does not import itself, and with vectors not scaled to length 1.
STAND_IN = """
DIMENSIONS = 384


def embed_texts(texts):
    # Imported on first use, as the README imports a real model's library
    import mmh3

    vectors = []
    for text in texts:
        vector = [0.0] * DIMENSIONS
        for trigram in trigrams(text):
            vector[mmh3.hash(trigram) % DIMENSIONS] += 1.0
        vectors.append(vector)
    return vectors


def trigrams(text):
    padded = f"  {text.lower()}  "
    return [padded[start : start + 3] for start in range(len(padded) - 2)]
"""


def replace_once(text, old, new):
    assert text.count(old) == 1, f"expected {old!r} once in:\n{text}"
    return text.replace(old, new)


def swap_model(module_text, code, imports):
    """The README's step 2: embed_texts() and everything below it replaced, and the imports."""
    text = module_text[: module_text.index("def embed_texts(")] + code.lstrip("\n")
    return replace_once(text, BAG_OF_WORDS_IMPORTS, imports).lstrip("\n")


def delete_bag_of_words_tests(tests_text):
    """The README's step 4: the tests after the comment it names deleted."""
    assert tests_text.count(BAG_OF_WORDS_TESTS) == 1
    return tests_text[: tests_text.index(BAG_OF_WORDS_TESTS)].rstrip() + "\n"


def readme_model_code(project):
    """The Python block of the rendered README's "Using a real model", as printed."""
    readme = (project / "README.md").read_text()
    section = readme[readme.index("### Using a real model") : readme.index("## Development")]
    # Its block is indented under a list item; its blank lines are part of the code
    [code] = re.findall(r"^ *```python\n(.*?)^ *```", section, re.DOTALL | re.MULTILINE)
    return textwrap.dedent(code)


@contextmanager
def edited(path, change):
    """The file changed by change(text) while the block runs, then as it was."""
    original = path.read_text()
    path.write_text(change(original))
    try:
        yield
    finally:
        path.write_text(original)


def failed_tests(venv, project, *pytest_args):
    """The names of the rendered tests that fail."""
    result = venv.python(
        "-m", "pytest", "-q", "-rf", "-p", "no:cacheprovider", *pytest_args,
        cwd=project, check=False,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return set(re.findall(r"^FAILED \S+::(\w+)", result.stdout, re.MULTILINE))


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The embedding kind as rendered, the bag of words, installed."""
    project = render(tmp_path_factory.mktemp("embedding"), **KINDS["embedding"])
    return project, install_project(project, tmp_path_factory.mktemp("embedding-env") / "venv")


@pytest.fixture(scope="module")
def rendered_module(installed):
    project, _ = installed
    return (project / f"{MODULE}.py").read_text()


def test_usage_examples_run_as_printed(installed, tmp_path):
    project, venv = installed
    readme = (project / "README.md").read_text()
    usage = readme[readme.index("## Usage") : readme.index("### Using a real model")]
    # The files the examples name: documents.json as the README describes it, and any file
    (tmp_path / "documents.json").write_text(
        json.dumps([{"id": "cats", "content": "Cats chase mice"}, {"id": "tea", "content": "Tea"}])
    )
    (tmp_path / "file.bin").write_bytes(b"Cats purr")
    lines = [line for block in blocks(usage) for line in commands(block)]
    assert len(lines) == 4
    printed = [venv.llm(*shlex.split(line)[1:], cwd=tmp_path).stdout for line in lines]
    embed, _, similar, binary = printed
    assert all(isinstance(value, float) for value in json.loads(embed) + json.loads(binary))
    assert json.loads(similar.splitlines()[0])["id"] == "cats"
    [python] = blocks(usage, "python")
    assert float(venv.python("-c", python, cwd=tmp_path).stdout) > 0


@pytest.fixture(scope="module")
def swapped(tmp_path_factory, rendered_module):
    """The embedding kind with the stand-in swapped in as the README says, installed."""
    project = render(tmp_path_factory.mktemp("swapped"), **KINDS["embedding"])
    (project / f"{MODULE}.py").write_text(swap_model(rendered_module, STAND_IN, ""))
    tests = project / "tests" / f"test_{MODULE}.py"
    tests.write_text(delete_bag_of_words_tests(tests.read_text()))
    pyproject = project / "pyproject.toml"
    pyproject.write_text(replace_once(pyproject.read_text(), '"llm",\n', '"llm",\n    "mmh3",\n'))
    venv = install_project(project, tmp_path_factory.mktemp("swapped-env") / "venv")
    return project, venv


def test_the_rendered_tests_pass_with_another_model(swapped):
    project, venv = swapped
    assert failed_tests(venv, project) == set()
    script = f"import {MODULE}; print(len({MODULE}.embed_texts(['a'])[0]))"
    assert venv.python("-c", script).stdout == "384\n"  # not the bag of words' 512


def test_they_fail_a_model_that_ignores_its_text(swapped):
    project, venv = swapped
    ignoring = "\n\ndef embed_texts(texts):\n    return [[1.0] * DIMENSIONS for _ in texts]\n"
    similarity_tests = {
        "test_similar_texts_are_closer_than_unrelated_ones",
        "test_embed_multi_and_similar_find_the_closest_document",
        "test_collection_api",
    }
    with edited(project / f"{MODULE}.py", lambda text: text + ignoring):
        failed = failed_tests(venv, project, "-k", " or ".join(similarity_tests))
    assert failed == similarity_tests


def test_they_fail_a_library_imported_when_the_plugin_loads(swapped):
    project, venv = swapped
    with edited(project / f"{MODULE}.py", lambda text: "import mmh3\n" + text):
        assert failed_tests(venv, project, "-k", LOADING_TEST) == {LOADING_TEST}


def test_the_readmes_model_code_is_clean_and_loads_without_its_library(swapped, rendered_module):
    # sentence-transformers is not installed: loading the plugin and listing its model must
    # not need it, which shows that the README's code imports the library only to embed.
    project, venv = swapped
    code = readme_model_code(project)
    real = swap_model(rendered_module, code, "import functools\nimport os\n")
    module = project / f"{MODULE}.py"
    with edited(module, lambda text: replace_once(real, "batch_size = 100", "batch_size = 32")):
        for ruff in [("check",), ("format", "--check")]:
            lint = run(sys.executable, "-m", "ruff", *ruff, "--no-cache", module, check=False)
            assert lint.returncode == 0, lint.stdout
        assert failed_tests(venv, project, "-k", f"{LOADING_TEST} or model_is_listed") == set()
