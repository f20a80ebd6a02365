"""Interleaved timing, shared by the workers that run inside plugin environments (stdlib only).

Each repetition times every contender once, back to back, in an order that rotates from one
repetition to the next, so a noisy neighbour slows every contender alike. Wall-clock and CPU
seconds are both kept: CPU time is what a busy machine disturbs least.
"""

import gc
import time


def timed(function):
    """Wall-clock and CPU seconds of function()."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    function()
    return time.perf_counter() - wall, time.process_time() - cpu


async def timed_async(function):
    """Wall-clock and CPU seconds of await function()."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    await function()
    return time.perf_counter() - wall, time.process_time() - cpu


def rotations(names, reps):
    """The order of each repetition: names, rotated by one more each time."""
    for repetition in range(reps):
        shift = repetition % len(names)
        yield names[shift:] + names[:shift]


def empty_seconds(names, server_cpu):
    clocks = ["wall", "cpu", "server cpu"] if server_cpu else ["wall", "cpu"]
    return {clock: {name: [] for name in names} for clock in clocks}


def interleave(runs, reps, server_cpu=None):
    """Time each of runs (name: function) once per repetition; wall and CPU seconds per name.

    server_cpu, if given, returns the CPU seconds a server process has used so far: the server's
    share of each run is recorded too ("server cpu").
    """
    seconds = empty_seconds(runs, server_cpu)
    for order in rotations(list(runs), reps):
        for name in order:
            before = server_cpu() if server_cpu else None
            wall, cpu = timed(runs[name])
            if server_cpu:
                seconds["server cpu"][name].append(server_cpu() - before)
            seconds["wall"][name].append(wall)
            seconds["cpu"][name].append(cpu)
    return seconds


async def interleave_async(runs, reps, server_cpu=None):
    """interleave() for coroutine functions, all in one event loop."""
    seconds = empty_seconds(runs, server_cpu)
    for order in rotations(list(runs), reps):
        for name in order:
            before = server_cpu() if server_cpu else None
            wall, cpu = await timed_async(runs[name])
            if server_cpu:
                seconds["server cpu"][name].append(server_cpu() - before)
            seconds["wall"][name].append(wall)
            seconds["cpu"][name].append(cpu)
    return seconds
