"""cookiecutter -f renders over an earlier render and keeps every file it does not overwrite.

After other answers (another kind, another module name), the earlier module and tests stay
beside the new ones, and the rendered suite fails as they import what is gone. The post-gen
hook names those files; it deletes nothing, as some may be the author's own.
"""

import pytest
from cookiecutter.main import cookiecutter

from helpers import TEMPLATE

WARNING = "Warning: these files are not from this render (cookiecutter -f keeps an earlier one's):"


def render_over(output_dir, capfd, **answers):
    """Render with cookiecutter -f (overwrite_if_exists); what its hooks wrote on stderr."""
    capfd.readouterr()
    cookiecutter(
        str(TEMPLATE),
        no_input=True,
        output_dir=str(output_dir),
        overwrite_if_exists=True,
        extra_context=answers,
    )
    return capfd.readouterr().err


def named_files(stderr):
    lines = stderr.splitlines()
    if WARNING not in lines:
        return []
    start = lines.index(WARNING) + 1
    return [line.strip() for line in lines[start:] if line.startswith("  ")]


@pytest.mark.parametrize(
    ("answers", "left"),
    [
        # The api kind's module is a package, llm_markov/: the markov module stays beside it
        ({"model_kind": "api"}, ["llm_markov.py", "tests/test_odd_prompts.py"]),
        ({"module_name": "llm_chain"}, ["llm_markov.py", "tests/test_llm_markov.py"]),
    ],
    ids=["another kind", "another module name"],
)
def test_files_of_an_earlier_render_are_named(tmp_path, capfd, answers, left):
    render_over(tmp_path, capfd)
    (tmp_path / "llm-markov" / "notes.md").write_text("the author's own file")
    stderr = render_over(tmp_path, capfd, **answers)
    assert named_files(stderr) == left
    assert stderr.endswith(
        "Delete those an earlier render made: they import what this one does not have.\n"
    )
    for name in left:  # nothing is deleted
        assert (tmp_path / "llm-markov" / name).is_file()


@pytest.mark.parametrize("kind", ["markov", "api", "embedding"])
def test_the_same_answers_again_leave_nothing_to_name(tmp_path, capfd, kind):
    assert WARNING not in render_over(tmp_path, capfd, model_kind=kind)
    assert WARNING not in render_over(tmp_path, capfd, model_kind=kind)
