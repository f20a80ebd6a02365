"""The api kind's measurements, run by kinds.py inside an environment with the rendered plugin.

The contenders talk to the same local server (fake_openai.py) and get the same bytes:
- "plugin": llm's Python API with the rendered api plugin (its base URL comes from the
  environment, ending in /plugin/v1);
- "own": llm's own OpenAI-compatible model, an extra-openai-models.yaml entry that this
  script writes into LLM_USER_PATH (base URL ending in /own/v1);
- "floor": httpx2 used directly, one keep-alive client, parsing each event's JSON (/floor/v1);
- "llm floor": the floor's loop inside a tiny llm model, to show what llm itself adds.
Every contender's answer is checked against the text the server sent: a short or wrong answer
stops the benchmark. It prints one JSON object. Modes:

    python api.py stream       one reply of 20,000 events, read to the end
    python api.py first-token  time until the first text arrives
    python api.py prompts      a 50-turn conversation and 5 tool chains of 10 steps, sync and async
    python api.py connections  connections per model object, across threads and event loops

Options: --server URL --control URL --model MODEL_ID --reps N (kinds.py passes them).
"""

import argparse
import asyncio
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from functools import partial

import fake_openai as server
import httpx2
import llm
from timing import interleave, interleave_async, rotations, timed, timed_async

OWN_MODEL = "bench-own-openai"
STREAM_EVENTS = 20_000
TURNS = 50
CHAINS = 5  # tool chains of server.TOOL_STEPS steps, one after the other: one timed run
TIMEOUT = 60


class BenchmarkError(Exception):
    """A contender answered wrongly: the figures would mean nothing."""


def expect(what, got, wanted):
    if got != wanted:
        raise BenchmarkError(
            f"{what}: got {str(got)[:100]!r} ({len(str(got))} characters), "
            f"expected {str(wanted)[:100]!r} ({len(str(wanted))} characters)"
        )


# The floor: httpx2 and json, nothing else ---------------------------------------------------


class Reply:
    """What the floor gathers from one streamed reply: its text and its tool calls."""

    def __init__(self):
        self.texts = []
        self.calls = {}

    def read(self, line):
        if not line.startswith("data: ") or line == "data: [DONE]":
            return
        for choice in json.loads(line[6:])["choices"]:
            delta = choice["delta"]
            if delta.get("content"):
                self.texts.append(delta["content"])
            for call in delta.get("tool_calls") or []:
                gathered = self.calls.setdefault(call["index"], {"name": "", "arguments": ""})
                gathered["id"] = call.get("id") or gathered.get("id")
                function = call.get("function") or {}
                gathered["name"] += function.get("name") or ""
                gathered["arguments"] += function.get("arguments") or ""

    @property
    def text(self):
        return "".join(self.texts)

    def assistant_message(self):
        calls = [
            {
                "id": call["id"],
                "type": "function",
                "function": {"name": call["name"], "arguments": call["arguments"]},
            }
            for call in self.calls.values()
        ]
        return {"role": "assistant", "content": self.text or None, "tool_calls": calls}


def add_one(n: int) -> int:
    """Add one to a number."""
    return n + 1


TOOL_SCHEMA = {
    "type": "function",
    "function": {
        "name": server.TOOL_NAME,
        "description": "Add one to a number.",
        "parameters": {
            "type": "object",
            "properties": {"n": {"type": "integer"}},
            "required": ["n"],
        },
    },
}


class Floor:
    """Requests as a hand-written client makes them: one keep-alive httpx2 client."""

    def __init__(self, base_url):
        self.url = base_url + "/chat/completions"
        self.headers = {"Authorization": "Bearer bench"}

    def body(self, messages, tools):
        body = {"model": server.MODEL, "messages": messages, "stream": True}
        body["stream_options"] = {"include_usage": True}
        if tools:
            body["tools"] = [TOOL_SCHEMA]
        return body

    def lines(self, client, messages, tools=False):
        """The reply's lines, as they arrive."""
        body = self.body(messages, tools)
        with client.stream("POST", self.url, json=body, headers=self.headers) as response:
            response.raise_for_status()
            yield from response.iter_lines()

    def request(self, client, messages, tools=False, on_first_text=None):
        reply = Reply()
        for line in self.lines(client, messages, tools):
            reply.read(line)
            if on_first_text and reply.texts:
                on_first_text()
                on_first_text = None
        return reply

    async def request_async(self, client, messages, tools=False):
        reply = Reply()
        body = self.body(messages, tools)
        async with client.stream("POST", self.url, json=body, headers=self.headers) as response:
            response.raise_for_status()
            async for line in response.aiter_lines():
                reply.read(line)
        return reply


class FloorInLlm(llm.Model):
    """The floor's loop as an llm model: what llm itself adds, so the best a plugin can do."""

    model_id = "floor-in-llm"
    can_stream = True
    supports_tools = True

    def __init__(self, floor, client):
        self.floor = floor
        self.client = client

    def execute(self, prompt, stream, response, conversation):
        messages = [message for llm_message in prompt.messages for message in api(llm_message)]
        reply = Reply()
        for line in self.floor.lines(self.client, messages, tools=bool(prompt.tools)):
            seen = len(reply.texts)
            reply.read(line)
            yield from reply.texts[seen:]
        for call in reply.calls.values():
            arguments = json.loads(call["arguments"])
            response.add_tool_call(llm.ToolCall(call["name"], arguments, call["id"]))


def api(message):
    """An llm message as the API's messages: one, or one per tool result."""
    if message.role == "tool":
        return [
            {"role": "tool", "tool_call_id": part.tool_call_id, "content": part.output}
            for part in message.parts
        ]
    text = "".join(getattr(part, "text", "") for part in message.parts)
    calls = [
        {
            "id": part.tool_call_id,
            "type": "function",
            "function": {"name": part.name, "arguments": json.dumps(part.arguments)},
        }
        for part in message.parts
        if isinstance(part, llm.parts.ToolCallPart)
    ]
    if calls:
        return [{"role": message.role, "content": text or None, "tool_calls": calls}]
    return [{"role": message.role, "content": text}]


def tool_results(reply):
    """The floor runs the tools the reply asked for: their result messages."""
    return [
        {
            "role": "tool",
            "tool_call_id": call["id"],
            "content": str(add_one(**json.loads(call["arguments"]))),
        }
        for call in reply.calls.values()
    ]


# What each contender does, sync and async ---------------------------------------------------


def floor_conversation(floor, client):
    messages = []
    for turn in range(TURNS):
        messages.append({"role": "user", "content": f"turn {turn}"})
        reply = floor.request(client, messages)
        expect(f"floor, turn {turn}", reply.text, server.reply_text(server.SHORT_REPLY_TOKENS))
        messages.append({"role": "assistant", "content": reply.text})


async def floor_conversation_async(floor, client):
    messages = []
    for turn in range(TURNS):
        messages.append({"role": "user", "content": f"turn {turn}"})
        reply = await floor.request_async(client, messages)
        expect(f"floor, turn {turn}", reply.text, server.reply_text(server.SHORT_REPLY_TOKENS))
        messages.append({"role": "assistant", "content": reply.text})


def floor_chains(floor, client):
    for _ in range(CHAINS):
        messages = [{"role": "user", "content": "chain"}]
        for _ in range(server.TOOL_STEPS):
            reply = floor.request(client, messages, tools=True)
            messages += [reply.assistant_message(), *tool_results(reply)]
        reply = floor.request(client, messages, tools=True)
        expect("floor, tool chain", reply.text, server.final_chain_text())


async def floor_chains_async(floor, client):
    for _ in range(CHAINS):
        messages = [{"role": "user", "content": "chain"}]
        for _ in range(server.TOOL_STEPS):
            reply = await floor.request_async(client, messages, tools=True)
            messages += [reply.assistant_message(), *tool_results(reply)]
        reply = await floor.request_async(client, messages, tools=True)
        expect("floor, tool chain", reply.text, server.final_chain_text())


def llm_conversation(name, model):
    conversation = model.conversation()
    for turn in range(TURNS):
        text = conversation.prompt(f"turn {turn}").text()
        expect(f"{name}, turn {turn}", text, server.reply_text(server.SHORT_REPLY_TOKENS))


async def llm_conversation_async(name, model):
    conversation = model.conversation()
    for turn in range(TURNS):
        text = await conversation.prompt(f"turn {turn}").text()
        expect(f"{name}, turn {turn}", text, server.reply_text(server.SHORT_REPLY_TOKENS))


class CountedTool:
    """add_one for llm, counting its calls: a chain that skips a step is caught."""

    def __init__(self):
        self.calls = []

    def tool(self):
        def add_one(n: int) -> int:
            """Add one to a number."""
            self.calls.append(n)
            return n + 1

        return add_one

    def check(self, name):
        expect(f"{name}, tool calls", self.calls, list(range(1, server.TOOL_STEPS + 1)))


def llm_chains(name, model):
    for _ in range(CHAINS):
        counted = CountedTool()
        text = model.chain("chain", tools=[counted.tool()]).text()
        expect(f"{name}, tool chain", text, server.final_chain_text())
        counted.check(name)


async def llm_chains_async(name, model):
    for _ in range(CHAINS):
        counted = CountedTool()
        text = await model.chain("chain", tools=[counted.tool()]).text()
        expect(f"{name}, tool chain", text, server.final_chain_text())
        counted.check(name)


# llm's models --------------------------------------------------------------------------------


def setup_own_model(server_urls):
    """llm's own OpenAI-compatible model pointed at our server: its extra-openai-models.yaml."""
    entry = {
        "model_id": OWN_MODEL,
        "model_name": server.MODEL,
        "api_base": server_urls.base("own"),
        "supports_tools": True,
    }
    # JSON is YAML, and llm reads this file with yaml.safe_load
    (llm.user_dir() / "extra-openai-models.yaml").write_text(json.dumps([entry]))


def models(args, async_=False):
    get = llm.get_async_model if async_ else llm.get_model
    return {"plugin": get(args.model), "own": get(OWN_MODEL)}


# Modes ---------------------------------------------------------------------------------------


def user(text):
    return {"role": "user", "content": text}


def stream(args, urls):
    """One long reply, streamed and read to the end, by each contender."""
    prompt = f"stream {STREAM_EVENTS}"
    expected = server.reply_text(STREAM_EVENTS)
    floor, client = Floor(urls.base("floor")), httpx2.Client(timeout=TIMEOUT)
    chosen = {**models(args), "llm floor": FloorInLlm(floor, client)}

    def through_llm(name):
        text = "".join(chosen[name].prompt(prompt))
        expect(f"{name}, {prompt}", text, expected)

    def through_floor():
        expect(f"floor, {prompt}", floor.request(client, [user(prompt)]).text, expected)

    for name, model in chosen.items():  # a short first reply, not counted: connections open
        expect(f"{name}, stream 10", "".join(model.prompt("stream 10")), server.reply_text(10))
    expect(
        "floor, stream 10", floor.request(client, [user("stream 10")]).text, server.reply_text(10)
    )
    # llm's own model takes seconds where the others take a fraction of one: it is timed
    # against the plugin apart, so that the others' repetitions stay close together in time.
    runs = {"plugin": partial(through_llm, "plugin"), "own": partial(through_llm, "own")}
    against_own = interleave(runs, max(2, args.reps // 3), urls.cpu)
    runs = {name: partial(through_llm, name) for name in ("plugin", "llm floor")}
    runs["floor"] = through_floor
    return {
        "against floor": interleave(runs, args.reps, urls.cpu),
        "against own": against_own,
        "events": STREAM_EVENTS,
    }


def first_token(args, urls):
    """Seconds from the call to the first text: on a connection already open (warm), and on a
    new model object or client, whose creation counts (cold)."""
    expected = server.reply_text(2)
    floor = Floor(urls.base("floor"))
    warm_models, warm_client = models(args), httpx2.Client(timeout=TIMEOUT)

    def through_llm(name, model):
        start = time.perf_counter()
        chunks = iter(model.prompt("first token"))
        first = next(text for text in chunks if text)
        elapsed = time.perf_counter() - start
        expect(f"{name}, first token", first + "".join(chunks), expected)
        return elapsed

    def through_floor(client=None):
        arrived = []
        start = time.perf_counter()
        with httpx2.Client(timeout=TIMEOUT) if client is None else nullcontext(client) as client:
            reply = floor.request(
                client,
                [user("first token")],
                on_first_text=lambda: arrived.append(time.perf_counter()),
            )
        expect("floor, first token", reply.text, expected)
        return arrived[0] - start

    runs = {"floor warm": partial(through_floor, warm_client), "floor cold": through_floor}
    for name, model in warm_models.items():
        runs[f"{name} warm"] = partial(through_llm, name, model)
        # A new model object for every repetition, made before the clock starts
        runs[f"{name} cold"] = lambda name=name: through_llm(name, models(args)[name])
    for name, run in runs.items():
        if "warm" in name:
            run()  # connections open
    seconds = {name: [] for name in runs}
    for order in rotations(list(runs), args.reps):
        for name in order:
            seconds[name].append(runs[name]())
    return seconds


TASKS = {
    "conversation": (llm_conversation, floor_conversation),
    "chain": (llm_chains, floor_chains),
}
ASYNC_TASKS = {
    "conversation": (llm_conversation_async, floor_conversation_async),
    "chain": (llm_chains_async, floor_chains_async),
}


def unsupported(task, chosen):
    """Why a task cannot run on these models, or None."""
    if task == "chain" and not chosen["plugin"].supports_tools:
        return "the plugin's model does not support tools"
    return None


def contenders(through_llm, through_floor, model, floor, client):
    """The plugin's model and the floor's client, each doing the same task."""
    return {
        "plugin": partial(through_llm, "plugin", model),
        "floor": partial(through_floor, floor, client),
    }


def prompts(args, urls):
    """Many prompts on one model object (one keep-alive client for the floor), timed.

    The plugin and the floor run each task once before the clock starts (that opens their
    connections), then args.reps times, interleaved. llm's own model, much slower (a new
    client for every prompt), runs once, for comparison, and its connections are counted.
    """
    floor, chosen, result = Floor(urls.base("floor")), models(args), {}
    with httpx2.Client(timeout=TIMEOUT) as client:
        for task, (through_llm, through_floor) in TASKS.items():
            if reason := unsupported(task, chosen):
                result[task] = {"skipped": reason}
                continue
            runs = contenders(through_llm, through_floor, chosen["plugin"], floor, client)
            # What llm itself adds to each prompt
            runs["llm floor"] = partial(through_llm, "llm floor", FloorInLlm(floor, client))
            for run in runs.values():
                run()
            result[task] = interleave(runs, args.reps, urls.cpu)
            before = urls.accepted()
            result[task]["own"] = timed(partial(through_llm, "own", chosen["own"]))
            result[task]["own connections"] = urls.opened_since(before)["own"]
    for task, figures in asyncio.run(prompts_async(args, urls)).items():
        result[f"{task} async"] = figures
    return result


async def prompts_async(args, urls):
    floor, chosen, result = Floor(urls.base("floor")), models(args, async_=True), {}
    async with httpx2.AsyncClient(timeout=TIMEOUT) as client:
        for task, (through_llm, through_floor) in ASYNC_TASKS.items():
            if reason := unsupported(task, chosen):
                result[task] = {"skipped": reason}
                continue
            runs = contenders(through_llm, through_floor, chosen["plugin"], floor, client)
            for run in runs.values():
                await run()
            result[task] = await interleave_async(runs, args.reps, urls.cpu)
            before = urls.accepted()
            result[task]["own"] = await timed_async(partial(through_llm, "own", chosen["own"]))
            result[task]["own connections"] = urls.opened_since(before)["own"]
    return result


OBJECTS = 2  # model objects, each with its own conversation or chain
THREADS = 4  # threads (or concurrent tasks) sharing one model object
SHORT_TURNS = 10  # turns of each thread's conversation


def connections(args, urls):
    """The plugin's connections, per model object, across threads and event loops.

    Its connections are left open at exit, to the plugin: kinds.py checks how they end.
    """
    result = {"objects": OBJECTS, "thread count": THREADS}

    def count(label, run):
        before = urls.accepted()
        run()
        result[label] = urls.opened_since(before)["plugin"]

    def plugin():
        return llm.get_model(args.model)

    def each_object(task):
        for _ in range(OBJECTS):
            task("plugin", plugin())

    count("conversation", partial(each_object, llm_conversation))
    if not unsupported("chain", models(args)):
        count("chain", partial(each_object, llm_chains))
    shared = plugin()

    def in_threads():
        with ThreadPoolExecutor(THREADS) as pool:
            for thread in [pool.submit(short_conversation, shared) for _ in range(THREADS)]:
                thread.result()

    count("threads", in_threads)
    for label, figure in asyncio.run(connections_async(args, urls)).items():
        result[f"{label} async"] = figure
    result["two event loops"] = two_event_loops(args)
    result["open before exit"] = urls.stats()["plugin"]["open"]
    return result


def short_conversation(model):
    conversation = model.conversation()
    for turn in range(SHORT_TURNS):
        text = conversation.prompt(f"turn {turn}").text()
        expect(f"plugin, turn {turn}", text, server.reply_text(server.SHORT_REPLY_TOKENS))


async def short_conversation_async(model):
    conversation = model.conversation()
    for turn in range(SHORT_TURNS):
        text = await conversation.prompt(f"turn {turn}").text()
        expect(f"plugin, turn {turn}", text, server.reply_text(server.SHORT_REPLY_TOKENS))


async def connections_async(args, urls):
    result = {}

    def plugin():
        return llm.get_async_model(args.model)

    async def count(label, task):
        before = urls.accepted()
        for _ in range(OBJECTS):
            await task("plugin", plugin())
        result[label] = urls.opened_since(before)["plugin"]

    await count("conversation", llm_conversation_async)
    if not unsupported("chain", models(args, async_=True)):
        await count("chain", llm_chains_async)
    shared = plugin()
    before = urls.accepted()
    await asyncio.gather(*(short_conversation_async(shared) for _ in range(THREADS)))
    result["threads"] = urls.opened_since(before)["plugin"]
    return result


def two_event_loops(args):
    """One async model object used by two asyncio.run() calls, one after the other."""
    model = llm.get_async_model(args.model)
    try:
        for _ in range(2):
            asyncio.run(short_conversation_async(model))
    except Exception as error:  # reported as the figure; the other figures still stand
        return f"{type(error).__name__}: {error}"[:200]
    return "works"


MODES = {
    "stream": stream,
    "first-token": first_token,
    "prompts": prompts,
    "connections": connections,
}


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mode", choices=list(MODES))
    parser.add_argument("--server", required=True, help="the fake server's URL")
    parser.add_argument("--control", required=True, help="its control URL")
    parser.add_argument("--model", required=True, help="the plugin's model ID")
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args(argv)
    urls = server.FakeServer(args.server, args.control)
    setup_own_model(urls)
    json.dump(MODES[args.mode](args, urls), sys.stdout)


if __name__ == "__main__":
    main()
