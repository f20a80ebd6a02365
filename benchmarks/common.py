"""What run.py's sections share: the report, rendering, installing, running workers."""

import json
import os
import re
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from statistics import median

BENCHMARKS = Path(__file__).resolve().parent
TEMPLATE = BENCHMARKS.parent
sys.path.insert(0, str(TEMPLATE / "tests"))

from helpers import Venv, tomllib  # noqa: E402
from helpers import render as render_loudly  # noqa: E402

# Every plugin kind the template renders, with the answers that select it.
KINDS = {
    "markov": {},
    "markov, async": {"async_markov": True},
    "api": {"plugin_name": "llm-acme", "model_id": "acme", "model_kind": "api"},
    "embedding": {
        "model_kind": "embedding",
        "plugin_name": "llm-embed-demo",
        "model_id": "embed-demo",
    },
}


class Report:
    """Rows of (figure, measured, goal, verdict), printed as they come and saved as JSON."""

    def __init__(self):
        self.rows = []

    def section(self, title):
        print(f"\n{title}", flush=True)

    def add(self, section, figure, measured, goal="", ok=None, value=None):
        verdict = {True: "ok", False: "MISSED", None: ""}[ok]
        self.rows.append(
            {
                "section": section,
                "figure": figure,
                "measured": measured,
                "goal": goal,
                "ok": ok,
                "value": value,
            }
        )
        print(f"  {figure:<48} {measured:>26}  {goal:<18} {verdict}", flush=True)

    def note(self, text):
        print(f"  {text}", flush=True)

    def summary(self):
        goals = [row for row in self.rows if row["ok"] is not None]
        missed = [row for row in goals if not row["ok"]]
        print(f"\n{len(goals) - len(missed)} of {len(goals)} goals met.")
        for row in missed:
            print(f"  missed: {row['figure']}: {row['measured']} (goal {row['goal']})")
        return not missed


def render(output_dir, **answers):
    """Render the template without the post-generation hook's "next steps" in our output.

    A failed render still raises, with its message.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)  # the hook is a subprocess writing to file descriptor 2
    try:
        return render_loudly(output_dir, **answers)
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def run(args, cwd=None, env=None):
    """Run a command; fail loudly with its output if it fails."""
    result = subprocess.run(
        [str(arg) for arg in args], check=False, cwd=cwd, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(map(str, args))} exited {result.returncode}\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result


def stopwatch(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def wall_and_cpu(command, cwd, env):
    """Wall-clock and CPU seconds (user + system) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, _ = stopwatch(run, command, cwd, env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def worker(venv, script, *args, **env):
    """Run a benchmark script in a plugin's environment and read the JSON it prints."""
    return json.loads(venv.python(BENCHMARKS / script, *args, timeout=1200, **env).stdout)


def paired_ratio(times, name, base):
    """Median of per-repetition ratios: each repetition timed name and base back to back."""
    return median([t / b for t, b in zip(times[name], times[base], strict=True)])


@dataclass
class Installed:
    """A rendered kind, installed (not editable, as users get it) in its own environment."""

    project: Path
    module: str  # the plugin's module, as its entry point names it
    venv: Venv


def install_kind(work, kind):
    """Render one kind and install it, once per benchmark run."""
    folder = work / "kinds" / re.sub(r"\W+", "-", kind)
    if not folder.exists():
        render(folder, **KINDS[kind])
    [project] = [path for path in folder.iterdir() if (path / "pyproject.toml").exists()]
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    [module] = set(pyproject["project"]["entry-points"]["llm"].values())
    top = module.split(".")[0]
    if not ((project / f"{top}.py").exists() or (project / top).is_dir()):
        raise FileNotFoundError(f"rendered without its module {module}")
    venv_path = folder / "venv"
    if not (venv_path / "bin" / "llm").exists():
        Venv.create(venv_path).install(str(project))
    return Installed(project, module, Venv(venv_path, folder / "llm-user-path"))
