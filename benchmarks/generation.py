"""Generation measurements, run by run.py inside a virtual environment that has a plugin installed.

The rendered model and the tutorial's own class (its finished plugin file, unchanged, in
tests/tutorial_llm_markov.py) both run through llm's Python API. It needs only llm and the
plugin, and prints one JSON object. Modes:

    python generation.py ratio --reps 3 [--delay0]   times: ours, the tutorial's (twice), 2 ways
    python generation.py check                       same output as the tutorial's? delays?
    python generation.py scale --words 10000 --reps 5  time and peak memory for one prompt size
"""

import argparse
import gc
import importlib.util
import json
import random
import sys
import time
import tracemalloc
from collections import Counter
from itertools import pairwise
from pathlib import Path

import llm
from timing import interleave

MODEL_ID = "markov"
PROMPT_WORDS = 200_000
GENERATED_WORDS = 100_000
TUTORIAL_FILE = Path(__file__).resolve().parent.parent / "tests" / "tutorial_llm_markov.py"


def load_tutorial():
    """The tutorial's plugin file as a module (not registered with llm: its class is used as is)."""
    spec = importlib.util.spec_from_file_location("tutorial_llm_markov", TUTORIAL_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_prompt(words, seed=2024):
    """Reproducible text: Zipf-distributed made-up words from a 20,000-word vocabulary."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocabulary = ["".join(rng.choices(letters, k=rng.randint(2, 9))) for _ in range(20_000)]
    weights = [1 / rank for rank in range(1, len(vocabulary) + 1)]
    return " ".join(rng.choices(vocabulary, weights, k=words))


def no_stream(model, text, length, **options):
    return model.prompt(text, length=length, stream=False, **options).text()


def stream(model, text, length, **options):
    """Iterate the response, chunk by chunk, as a streaming caller does."""
    return list(model.prompt(text, length=length, stream=True, **options))


def contenders():
    """The rendered model (llm finds it by its ID) and the tutorial's class."""
    return llm.get_model(MODEL_ID), load_tutorial().Markov()


def ratio(args):
    """Interleaved repetitions: each one times every way back to back, rotating the order.

    The tutorial's class runs twice ("again": a second object of it), so that the ratio
    between two runs of the same code shows how far the machine's noise alone moves a ratio.
    """
    ours, tutorial = contenders()
    again = load_tutorial().Markov()
    text = make_prompt(PROMPT_WORDS)
    options = {"delay": 0} if args.delay0 else {}
    runs = {}
    for name, way in (("no_stream", no_stream), ("stream", stream)):
        runs[f"tutorial_{name}"] = lambda way=way: way(tutorial, text, GENERATED_WORDS)
        runs[f"again_{name}"] = lambda way=way: way(again, text, GENERATED_WORDS)
        runs[name] = lambda way=way: way(ours, text, GENERATED_WORDS, **options)
    return interleave(runs, args.reps)


def ngram_counts(words, order):
    return Counter(zip(*(words[i:] for i in range(order)), strict=False))


def total_variation(a, b, order):
    """Distance between the n-gram frequencies of two word sequences (0 = same, 1 = disjoint)."""
    counts_a, counts_b = ngram_counts(a, order), ngram_counts(b, order)
    total_a, total_b = sum(counts_a.values()), sum(counts_b.values())
    keys = counts_a.keys() | counts_b.keys()
    return sum(abs(counts_a[k] / total_a - counts_b[k] / total_b) for k in keys) / 2


def unique_successor_generate(transitions, length):
    """A deliberately wrong generator (successors deduplicated): shows the check can fail."""
    unique = {word: sorted(set(options)) for word, options in transitions.items()}
    all_words = list(transitions)
    next_word = random.choice(all_words)
    for _ in range(length):
        yield next_word
        next_word = random.choice(unique.get(next_word) or all_words)


def check(args):
    ours, tutorial = contenders()
    text = make_prompt(PROMPT_WORDS)
    result = {}

    # Seeded: ours with -o seed reproduces the tutorial's class after random.seed(), word for word.
    exact = []
    for seed in (1, 2, 3):
        random.seed(seed)
        expected = no_stream(tutorial, text, GENERATED_WORDS)
        got_no_stream = no_stream(ours, text, GENERATED_WORDS, seed=seed)
        got_stream = "".join(stream(ours, text, GENERATED_WORDS, seed=seed))
        exact.append(got_no_stream == expected and got_stream == expected)
    result["seeded_identical"] = all(exact)

    # Unseeded: n-gram frequencies as close to the tutorial's as two runs of the tutorial's are.
    words = no_stream(ours, text, GENERATED_WORDS).split()
    first = no_stream(tutorial, text, GENERATED_WORDS).split()
    second = no_stream(tutorial, text, GENERATED_WORDS).split()
    transitions = load_tutorial().build_markov_table(text)
    wrong = list(unique_successor_generate(transitions, GENERATED_WORDS))
    for order, name in ((1, "unigram"), (2, "bigram")):
        result[f"{name}_tv_ours"] = total_variation(words, first, order)
        result[f"{name}_tv_tutorial_vs_tutorial"] = total_variation(second, first, order)
        result[f"{name}_tv_wrong_generator"] = total_variation(wrong, first, order)

    # With a delay, chunks are single words spaced by the delay, streamed or not.
    delay, length = 0.01, 10
    arrivals, chunks = [], []
    start = time.perf_counter()
    for chunk in ours.prompt(text, length=length, delay=delay, stream=True):
        arrivals.append(time.perf_counter())
        chunks.append(chunk)
    gaps = [later - earlier for earlier, later in pairwise(arrivals)]
    result["delay_stream_chunks"] = len(chunks)
    result["delay_stream_one_word_per_chunk"] = all(len(c.split()) == 1 for c in chunks)
    result["delay_stream_min_gap"] = min(gaps)
    result["delay_stream_first_chunk_after"] = arrivals[0] - start
    start = time.perf_counter()
    text_no_stream = no_stream(ours, text, length, delay=delay)
    result["delay_no_stream_seconds"] = time.perf_counter() - start
    result["delay_no_stream_words"] = len(text_no_stream.split())
    result["delay"] = delay
    result["delay_length"] = length
    return result


def peak_memory(function, *args):
    gc.collect()
    tracemalloc.start()
    try:
        function(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def scale(args):
    """One prompt size: generate as many words as the prompt has, without streaming."""
    ours, tutorial = contenders()
    text = make_prompt(args.words)
    runs = {
        "tutorial": lambda: no_stream(tutorial, text, args.words),
        "ours": lambda: no_stream(ours, text, args.words),
    }
    seconds = interleave(runs, args.reps)
    memory = {
        "tutorial": peak_memory(no_stream, tutorial, text, args.words),
        "ours": peak_memory(no_stream, ours, text, args.words),
    }
    return {"seconds": seconds, "peak_bytes": memory}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=["ratio", "check", "scale"])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--words", type=int, default=PROMPT_WORDS)
    parser.add_argument("--delay0", action="store_true", help="pass delay=0 to the model")
    args = parser.parse_args(argv)
    result = {"ratio": ratio, "check": check, "scale": scale}[args.mode](args)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
