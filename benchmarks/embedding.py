"""The embedding kind's throughput, run by kinds.py inside an environment with the kind installed.

Two ways to embed the same short texts, interleaved, in one process, printed as JSON seconds:
- "direct": the plugin's embed_batch() called on all of them, the floor;
- "embed-multi": `llm embed-multi COLLECTION texts.csv -m MODEL -d DB`, llm's command (run
  through click in this process, so that llm's start-up is not counted), into a new database.
Then `llm embed-multi` once more as a whole process, for comparison.

    python embedding.py --model embed-demo --texts 10000 --reps 3
"""

import argparse
import csv
import json
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import llm
from click.testing import CliRunner
from generation import make_prompt
from llm.cli import cli
from timing import interleave


def short_texts(count, seed=7):
    """count texts of 5 to 15 made-up words each."""
    rng = random.Random(seed)
    words = make_prompt(count * 15).split()
    texts, start = [], 0
    for _ in range(count):
        length = rng.randint(5, 15)
        texts.append(" ".join(words[start : start + length]))
        start += length
    return texts


def stored(database, collection):
    with sqlite3.connect(database) as db:
        query = "select count(*) from embeddings join collections on collections.id = collection_id"
        return db.execute(query + " where collections.name = ?", [collection]).fetchone()[0]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True)
    parser.add_argument("--texts", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="embed-bench-"))
    texts = short_texts(args.texts)
    source = folder / "texts.csv"
    with source.open("w", newline="") as file:
        csv.writer(file).writerows([("id", "content"), *enumerate(texts)])
    model = llm.get_embedding_model(args.model)
    databases = iter(folder / f"run-{number}.db" for number in range(1000))

    def direct():
        vectors = list(model.embed_batch(texts))
        if len(vectors) != len(texts) or not all(vectors):
            raise AssertionError(f"embed_batch gave {len(vectors)} vectors for {len(texts)}")

    def embed_multi(command=None):
        database = next(databases)
        arguments = ["embed-multi", "texts", str(source), "-m", args.model, "-d", str(database)]
        if command:
            subprocess.run([*command, *arguments], check=True, capture_output=True)
        else:
            result = CliRunner().invoke(cli, arguments)
            if result.exit_code != 0:
                raise AssertionError(f"llm embed-multi failed: {result.output}")
        if stored(database, "texts") != len(texts):
            raise AssertionError(f"llm embed-multi stored {stored(database, 'texts')} vectors")

    result = interleave({"direct": direct, "embed-multi": embed_multi}, args.reps)
    llm_command = [str(Path(sys.executable).parent / "llm")]
    start = time.perf_counter()
    embed_multi(llm_command)
    result["process"] = time.perf_counter() - start
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
