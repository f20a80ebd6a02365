"""`cruft update` renders each commit of the template with that commit's local_extensions.py.

cruft renders the project's commit and the newest one in a single process, from one
checkout: Python would import local_extensions.py once, so a filter added by a newer
template would be missing and every update would fail.
"""

import json
import subprocess
import sys
from pathlib import Path

from helpers import clean_environ, copy_template

CRUFT = str(Path(sys.executable).parent / "cruft")
NEW_FILTER = """

def shout(text):
    return text.upper() + "!"
"""


def run(*args, cwd, env):
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, (
        f"{args} exited {result.returncode}\n{result.stdout}{result.stderr}"
    )
    return result


def commit_all(repo, env):
    run("git", "add", "-A", cwd=repo, env=env)
    run("git", "commit", "-q", "-m", "change", cwd=repo, env=env)


def test_cruft_update_uses_the_newer_templates_filters(tmp_path):
    (tmp_path / "gitconfig").write_text("[init]\n\tdefaultBranch = main\n")
    env = clean_environ(
        GIT_CONFIG_GLOBAL=str(tmp_path / "gitconfig"),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="Test",
        GIT_AUTHOR_EMAIL="test@example.com",
        GIT_COMMITTER_NAME="Test",
        GIT_COMMITTER_EMAIL="test@example.com",
    )
    template = copy_template(tmp_path / "template")
    run("git", "init", "-q", cwd=template, env=env)
    commit_all(template, env)
    answers = json.dumps({"plugin_name": "llm-chain"})
    run(
        CRUFT,
        "create",
        "--no-input",
        str(template),
        "--extra-context",
        answers,
        cwd=tmp_path,
        env=env,
    )
    project = tmp_path / "llm-chain"
    run("git", "init", "-q", cwd=project, env=env)
    commit_all(project, env)

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
    commit_all(template, env)

    run(CRUFT, "update", "--skip-apply-ask", cwd=project, env=env)
    assert (project / "NOTE.md").read_text() == "LLM-CHAIN!\n"
