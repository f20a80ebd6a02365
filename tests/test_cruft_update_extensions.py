"""`cruft update` renders each commit of the template with that commit's local_extensions.py.

cruft renders the project's commit and the newest one in a single process, from one
checkout: Python would import local_extensions.py once, so a filter added by a newer
template would be missing and every update would fail.
"""

import json

from helpers import CRUFT, commit_all, copy_template, git_environ, git_repository, run

NEW_FILTER = """

def shout(text):
    return text.upper() + "!"
"""


def test_cruft_update_uses_the_newer_templates_filters(tmp_path):
    env = git_environ()
    template = git_repository(copy_template(tmp_path / "template"))
    answers = json.dumps({"plugin_name": "llm-chain"})
    run(CRUFT, "create", "--no-input", template, "--extra-context", answers, cwd=tmp_path, env=env)
    project = git_repository(tmp_path / "llm-chain", "project")

    # The newer template adds a filter and a file that uses it.
    extensions = template / "local_extensions.py"
    source = extensions.read_text().replace(
        '        environment.filters["capwords"] = capwords\n',
        '        environment.filters["capwords"] = capwords\n'
        '        environment.filters["shout"] = shout\n',
    )
    extensions.write_text(source + NEW_FILTER)
    (template / "{{cookiecutter.plugin_name}}" / "NOTE.md").write_text(
        "{{ cookiecutter.plugin_name | shout }}\n"
    )
    commit_all(template, "template")

    run(CRUFT, "update", "--skip-apply-ask", cwd=project, env=env)
    assert (project / "NOTE.md").read_text() == "LLM-CHAIN!\n"
