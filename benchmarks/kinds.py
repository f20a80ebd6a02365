"""Sections 3 to 5 of run.py: every kind's start-up, the api kind's speed, the embedding kind's.

The api figures come from api.py and the embedding figures from embedding.py, run inside each
kind's environment; this module starts the local server, runs them and reports.
"""

import json
import re
from statistics import median

from common import BENCHMARKS, KINDS, install_kind, paired_ratio, wall_and_cpu, worker
from cookiecutter.exceptions import CookiecutterException
from fake_openai import FakeServer
from timing import rotations

from helpers import Venv

# What the api kind rendered as llm-acme reads: ACME_BASE_URL and ACME_API_KEY
API_ENV_PREFIX = "ACME"
API_MODEL = KINDS["api"]["model_id"]
# The kinds installed together for the whole-process figures (markov, async is markov again)
TOGETHER = ["markov", "api", "embedding"]


def api_environ(server):
    """Point the api plugin at the local server, with a key; llm's own model needs none."""
    return {
        f"{API_ENV_PREFIX}_BASE_URL": server.base("plugin"),
        f"{API_ENV_PREFIX}_API_KEY": "bench",
    }


def first_line(error):
    text = str(error).strip()
    return text.splitlines()[0] if text else repr(error)


# 3. Start-up -----------------------------------------------------------------------------------

IMPORT_GOAL_MS = 2
PROCESS_GOAL = 1.05
IMPORT_LINE = re.compile(r"import time:\s*(\d+) \|\s*(\d+) \| ( *)(\S+)")


def import_cost(stderr, module):
    """Microseconds `import module` takes beyond what llm already imported, and its top children."""
    children = []
    for line in stderr.splitlines():
        match = IMPORT_LINE.match(line)
        if not match:
            continue
        cumulative, indent, name = int(match[2]), match[3], match[4]
        if indent == "":
            if name == module:
                return cumulative, sorted(children, reverse=True)[:3]
            children = []
        elif indent == "  ":
            children.append((cumulative, name))
    raise ValueError(f"{module} is not in python -X importtime's output")


def startup(report, work):
    report.section(
        "3. Start-up: what importing each kind's module adds to `import llm`, and whole llm"
        " processes with every kind installed"
    )
    section = "startup"
    ready = {}
    for kind in KINDS:
        try:
            ready[kind] = install_kind(work, kind)
        except (CookiecutterException, AssertionError, OSError, KeyError, ValueError) as error:
            # A kind that does not render or install yet (being written): say so, carry on.
            goal = f"<= {IMPORT_GOAL_MS} ms"
            report.add(section, f"{kind}: not measured", first_line(error)[:60], goal, False)

    import_costs(report, ready)
    if all(kind in ready for kind in TOGETHER):
        whole_processes(report, work, [ready[kind] for kind in TOGETHER])
    else:
        report.add(section, "whole processes: not measured", "a kind is missing", "", False)


# The module's import, timed in CPU time by the process itself, and by -X importtime (wall)
TIMED_IMPORT = (
    "import llm, time; start = time.process_time(); import {}; print(time.process_time() - start)"
)


def import_costs(report, ready):
    """What importing each kind's module adds to `import llm`, in CPU and in wall time."""
    cpu, wall = {kind: [] for kind in ready}, {kind: [] for kind in ready}
    children = {}
    for repetition in range(11):  # the first run compiles .pyc files and is not counted
        for kind, installed in ready.items():
            code = TIMED_IMPORT.format(installed.module)
            result = installed.venv.python("-X", "importtime", "-c", code)
            microseconds, children[kind] = import_cost(result.stderr, installed.module)
            if repetition:
                cpu[kind].append(float(result.stdout) * 1000)
                wall[kind].append(microseconds / 1000)

    for kind, installed in ready.items():
        # Judged on CPU time: -X importtime's wall clock jumps on a busy machine.
        milliseconds, wall_ms = median(cpu[kind]), median(wall[kind])
        report.add(
            "startup",
            f"{kind} ({installed.module}), CPU (importtime)",
            f"{milliseconds:.2f} ms ({wall_ms:.2f} ms)",
            f"<= {IMPORT_GOAL_MS} ms",
            milliseconds <= IMPORT_GOAL_MS,
            {"cpu": milliseconds, "wall": wall_ms},
        )
        if milliseconds > IMPORT_GOAL_MS:
            heaviest = ", ".join(f"{name} {us / 1000:.1f} ms" for us, name in children[kind])
            report.note(f"  heaviest imports inside it: {heaviest or 'none, all its own code'}")


def together_and_bare(work, kinds):
    """One environment with every kind installed, and one with the same llm alone."""
    together = Venv.create(work / "together-venv")
    together.install(*[str(installed.project) for installed in kinds])
    version = together.python("-c", "from importlib.metadata import version; print(version('llm'))")
    version = version.stdout.strip()
    bare = Venv.create(work / "bare-venv")
    bare.install(f"llm=={version}")
    return together, bare


def whole_processes(report, work, kinds):
    """`llm --version` and `llm models`, as whole processes, with every kind and with none."""
    together, bare = together_and_bare(work, kinds)
    commands = {"llm --version": ["--version"], "llm models": ["models"]}
    runs = [(env, command) for env in ("together", "bare") for command in commands]
    samples = {run: [] for run in runs}
    with FakeServer.start() as server:
        environ = api_environ(server)
        venvs = {"together": together, "bare": bare}
        plugins = together.llm("plugins", **environ).stdout
        missing = [kind.project.name for kind in kinds if f'"{kind.project.name}"' not in plugins]
        if missing:
            raise AssertionError(f"{', '.join(missing)} not loaded with the others:\n{plugins}")
        for repetition, order in enumerate(rotations(runs, 21)):
            for env, command in order:
                venv = venvs[env]
                args = [venv.bin("llm"), *commands[command]]
                sample = wall_and_cpu(args, None, venv.environ(**environ))
                if repetition:  # the first round compiles .pyc files
                    samples[env, command].append(sample)

    for command in commands:
        clocks = {
            clock: {env: [s[index] for s in samples[env, command]] for env in ("together", "bare")}
            for index, clock in enumerate(("wall", "cpu"))
        }
        # Judged on CPU time (user + system): on a busy machine the wall clock is much noisier.
        ratio = paired_ratio(clocks["cpu"], "together", "bare")
        wall_ratio = paired_ratio(clocks["wall"], "together", "bare")
        bare_cpu, bare_wall = median(clocks["cpu"]["bare"]), median(clocks["wall"]["bare"])
        report.add(
            "startup",
            f"{command}, every kind / bare llm, CPU (wall)",
            f"{ratio:.3f}x ({wall_ratio:.3f}x)",
            f"<= {PROCESS_GOAL}",
            ratio <= PROCESS_GOAL,
            {"cpu": ratio, "wall": wall_ratio},
        )
        report.note(f"  bare llm: {bare_cpu * 1000:.0f} ms CPU ({bare_wall * 1000:.0f} ms wall)")


# 4. The api kind -------------------------------------------------------------------------------

STREAM_GOAL = 1.3  # the plugin's time / the floor's, one long streamed reply
OWN_GOAL = 0.25  # the plugin's CPU per streamed event / llm's own OpenAI-compatible model's
FIRST_TOKEN_GOAL_MS = 5  # the plugin's time to first token - the floor's
PROMPTS_GOAL = 1.2  # the plugin's time / the floor's, many prompts in one process
OURS = "what the plugin adds"  # beside the plugin / the floor in llm, printed, not judged


def api(report, work):
    report.section(
        "4. The api kind, against a local OpenAI-compatible server: the plugin through llm's"
        " Python API, the floor (httpx2 + json), llm's own OpenAI-compatible model"
    )
    installed = install_kind(work, "api")
    with FakeServer.start() as server:
        environ = api_environ(server)
        urls = ["--server", server.url, "--control", server.control, "--model", API_MODEL]

        def api_worker(mode, reps):
            return worker(installed.venv, "api.py", mode, *urls, "--reps", str(reps), **environ)

        streaming(report, api_worker("stream", 9))
        first_token(report, api_worker("first-token", 25))
        many_prompts(report, api_worker("prompts", 15))
        connections(report, installed.venv, server, urls, environ)


NAMES = {
    "floor": "floor",
    "llm floor": "floor in llm",
    "plugin": "plugin",
    "own": "llm's own",
}


def both_cpus(seconds):
    """Per run, the CPU seconds of client and server together.

    That is the time an idle machine would take (the server answers at once, on loopback), and
    unlike the wall clock it hardly moves when other processes share the machine.
    """
    return {
        name: [
            client + server
            for client, server in zip(times, seconds["server cpu"][name], strict=True)
        ]
        for name, times in seconds["cpu"].items()
    }


def ratio_row(report, label, seconds, name, base, goal, note="what llm adds"):
    """One contender's time / another's: CPU (client and server), judged; wall beside."""
    ratio = paired_ratio(both_cpus(seconds), name, base)
    wall_ratio = paired_ratio(seconds["wall"], name, base)
    report.add(
        "api",
        f"{label}, CPU (wall)",
        f"{ratio:.2f}x ({wall_ratio:.2f}x)",
        note if goal is None else f"<= {goal}",
        None if goal is None else ratio <= goal,
        {"cpu": ratio, "wall": wall_ratio},
    )


def seconds_row(report, label, seconds, name):
    client = median(seconds["cpu"][name])
    server = median(seconds["server cpu"][name])
    wall = median(seconds["wall"][name])
    report.add(
        "api",
        f"{label}: CPU client+server (wall)",
        f"{client:.3f} + {server:.3f} s ({wall:.3f} s)",
        value={"cpu": client, "server cpu": server, "wall": wall},
    )


def streaming(report, groups):
    floor, own = groups["against floor"], groups["against own"]
    for name in ("floor", "llm floor", "plugin"):
        seconds_row(report, f"stream, {NAMES[name]}", floor, name)
    seconds_row(report, f"stream, {NAMES['own']}", own, "own")
    ratio_row(report, "stream: floor in llm / floor", floor, "llm floor", "floor", None)
    ratio_row(report, "stream: plugin / floor in llm", floor, "plugin", "llm floor", None, OURS)
    ratio_row(report, "stream: plugin / floor", floor, "plugin", "floor", STREAM_GOAL)
    ratio_row(report, "stream, per event: plugin / llm's own", own, "plugin", "own", OWN_GOAL)
    cpu = both_cpus(own)
    per_event = {name: median(cpu[name]) / groups["events"] * 1e6 for name in ("plugin", "own")}
    report.note(
        f"  CPU per streamed event, client and server: plugin {per_event['plugin']:.0f} us,"
        f" llm's own {per_event['own']:.0f} us"
    )


def first_token(report, seconds):
    ms = {name: median(values) * 1000 for name, values in seconds.items()}
    for state in ("warm", "cold"):
        report.add(
            "api",
            f"first token, {state}: plugin / floor / own",
            " / ".join(f"{ms[f'{name} {state}']:.1f}" for name in ("plugin", "floor", "own"))
            + " ms",
            value={name: ms[f"{name} {state}"] for name in ("plugin", "floor", "own")},
        )
    report.note("  warm: a model (a client) that has answered before; cold: a new one")
    extra = ms["plugin warm"] - ms["floor warm"]
    report.add(
        "api",
        "first token, warm: plugin - floor",
        f"{extra:+.1f} ms",
        f"<= {FIRST_TOKEN_GOAL_MS} ms",
        extra <= FIRST_TOKEN_GOAL_MS,
        extra,
    )


def many_prompts(report, tasks):
    labels = {"conversation": "50 turns", "chain": "5 tool chains"}
    for task, figures in tasks.items():
        name, _, mode = task.partition(" ")
        label = f"{labels[name]}{', async' if mode else ''}"
        if "skipped" in figures:
            report.add("api", f"{label}: plugin / floor", "not measured", "", False)
            report.note(f"  {figures['skipped']}")
            continue
        if "llm floor" in figures["cpu"]:
            ratio_row(report, f"{label}: floor in llm / floor", figures, "llm floor", "floor", None)
            ours = f"{label}: plugin / floor in llm"
            ratio_row(report, ours, figures, "plugin", "llm floor", None, OURS)
        ratio_row(report, f"{label}: plugin / floor", figures, "plugin", "floor", PROMPTS_GOAL)
        cpu = both_cpus(figures)
        times = ", ".join(
            f"{NAMES[name]} {median(cpu[name]):.3f} ({median(figures['wall'][name]):.3f})"
            for name in cpu
        )
        own_wall, own_cpu = figures["own"]
        report.note(
            f"  CPU (wall) s: {times}; llm's own, one run: client CPU {own_cpu:.3f} "
            f"({own_wall:.3f}), {figures['own connections']} connections"
        )


def connections(report, venv, server, urls, environ):
    """The plugin's connections, counted by the server; how they end when the process exits."""
    ended_before = server.stats().get("plugin", {"ended": {}})["ended"]
    # Warnings on: an unclosed socket or event loop at exit shows on stderr.
    result = venv.python(
        "-W", "always::ResourceWarning", BENCHMARKS / "api.py", "connections", *urls, **environ
    )
    counts = json.loads(result.stdout)
    objects, threads = counts["objects"], counts["thread count"]
    rows = [
        ("conversation", f"50 turns on each of {objects} models", objects),
        ("conversation async", "the same, async", objects),
        ("chain", f"5 tool chains on each of {objects} models", objects),
        ("chain async", "the same, async", objects),
        ("threads", f"{threads} threads share one model", threads),
        ("threads async", f"{threads} async tasks share one model", threads),
    ]
    for key, label, most in rows:
        if key not in counts:
            report.add("api", f"connections: {label}", "not measured", f"1 to {most}", False)
            continue
        count = counts[key]
        ok = 1 <= count <= most
        report.add("api", f"connections: {label}", str(count), f"1 to {most}", ok, count)
    two_loops = counts["two event loops"]
    report.add(
        "api",
        "one async model, two asyncio.run() in turn",
        two_loops[:22],
        "works",
        two_loops == "works",
    )
    if two_loops != "works":
        report.note(f"  {two_loops}")

    after = server.wait_closed("plugin")
    ended = {
        how: number - ended_before.get(how, 0)
        for how, number in after["ended"].items()
        if number > ended_before.get(how, 0)
    }
    quiet = not result.stderr.strip()
    closed = after["open"] == 0 and set(ended) <= {"eof"}
    report.add(
        "api",
        "after exit: connections open, how they ended",
        f"{after['open']}, " + ", ".join(f"{n} {how}" for how, n in ended.items()),
        "0, all eof",
        closed,
        {"open": after["open"], "ended": ended},
    )
    report.note(f"  {counts['open before exit']} were open just before the process exited")
    report.add(
        "api",
        "stderr at exit, with ResourceWarnings on",
        "quiet" if quiet else f"{len(result.stderr.splitlines())} lines",
        "quiet",
        quiet,
        result.stderr[-2000:],
    )
    if not quiet:
        report.note("  " + " | ".join(result.stderr.strip().splitlines()[-5:]))


# 5. The embedding kind -------------------------------------------------------------------------

EMBED_TEXTS = 10_000
EMBED_GOAL = 0.8  # llm embed-multi's throughput / the plugin's embed_batch() called directly


def embedding(report, work):
    report.section(
        f"5. The embedding kind: llm embed-multi of {EMBED_TEXTS:,} short texts into a collection,"
        " against its embed_batch() called directly"
    )
    installed = install_kind(work, "embedding")
    model = KINDS["embedding"]["model_id"]
    reps = ["--texts", str(EMBED_TEXTS), "--reps", "3"]
    seconds = worker(installed.venv, "embedding.py", "--model", model, *reps)
    cpu, wall = seconds["cpu"], seconds["wall"]
    for name in ("direct", "embed-multi"):
        report.add(
            "embedding",
            f"{name}: CPU (wall)",
            f"{median(cpu[name]):.2f} s ({median(wall[name]):.2f} s)",
            value={"cpu": median(cpu[name]), "wall": median(wall[name])},
        )
    # Throughput is texts per second: its ratio is the inverse of the times' ratio. Judged on
    # CPU time: SQLite waits for the disk, and on a shared machine that wait is mostly noise.
    ratio = paired_ratio(cpu, "direct", "embed-multi")
    wall_ratio = paired_ratio(wall, "direct", "embed-multi")
    report.add(
        "embedding",
        "throughput, embed-multi / direct, CPU (wall)",
        f"{ratio:.2f}x ({wall_ratio:.2f}x)",
        f">= {EMBED_GOAL}",
        ratio >= EMBED_GOAL,
        {"cpu": ratio, "wall": wall_ratio},
    )
    llm_share = (median(cpu["embed-multi"]) - median(cpu["direct"])) / EMBED_TEXTS * 1e6
    plugin_share = median(cpu["direct"]) / EMBED_TEXTS * 1e6
    report.note(
        f"  per text: the plugin's embedding {plugin_share:.0f} us, llm's reading, hashing and"
        f" storing {llm_share:.0f} us (CPU); the whole `llm embed-multi` process: "
        f"{seconds['process']:.2f} s wall"
    )
