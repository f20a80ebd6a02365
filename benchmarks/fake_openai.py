"""A local OpenAI-compatible chat server for the api benchmarks, that counts connections.

Standard library only: run.py starts it with its own Python, api.py (inside the plugin's
environment) imports it for the expected replies. Every client sees the same bytes: the reply
depends only on the request's messages, never on which client sent it.

    python benchmarks/fake_openai.py
    # prints {"api": URL, "control": URL}, then serves until its stdin closes

Clients put a tag first in the path (http://HOST:PORT/plugin/v1/chat/completions), so the
server can count each contender's connections apart. `GET CONTROL/stats` (a second port, whose
connections are not counted) returns, per tag, the connections accepted, still open, and how
each one ended: "eof" (the client closed it), "reset" (the client reset it) or "server" (the
server closed it, e.g. after `Connection: close`); `GET CONTROL/cpu` the CPU seconds it has used.

What it answers, by the last message:
- user "stream N": N content events, as fast as the socket takes them
- user "first token": one content event, then a pause of FIRST_TOKEN_PAUSE, then the end
- a request with tools: a call to `add_one` until the conversation holds TOOL_STEPS results
- anything else: a short reply of SHORT_REPLY_TOKENS events
Streamed (server-sent events, one HTTP chunk per event) when the request asks, JSON otherwise.
"""

import json
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL = "bench"
CREATED = 1_700_000_000
FIRST_TOKEN_PAUSE = 0.05
TOOL_STEPS = 10
SHORT_REPLY_TOKENS = 20
TOOL_NAME = "add_one"


def tokens(count):
    """The reply's tokens: short made-up words, each with its space."""
    return [f"w{index % 997} " for index in range(count)]


def reply_text(count):
    return "".join(tokens(count))


def final_chain_text():
    return f"Done after {TOOL_STEPS} calls."


def chunk(delta, finish_reason=None):
    return {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": MODEL,
        "system_fingerprint": "fp_bench",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
    }


def usage_chunk(completion_tokens):
    usage = {"prompt_tokens": 10, "completion_tokens": completion_tokens, "total_tokens": 0}
    usage["total_tokens"] = usage["prompt_tokens"] + completion_tokens
    return {**chunk({}), "choices": [], "usage": usage}


def text_events(texts):
    """The JSON of each event of a streamed text reply, as OpenAI sends them."""
    events = [chunk({"role": "assistant", "content": texts[0]})]
    events += [chunk({"content": text}) for text in texts[1:]]
    events.append(chunk({}, "stop"))
    events.append(usage_chunk(len(texts)))
    return [json.dumps(event) for event in events] + ["[DONE]"]


def tool_call_events(step):
    """A streamed call to add_one(n=step): name first, then the arguments in two pieces."""
    call = {"index": 0, "id": f"call_{step}", "type": "function"}
    first = {**call, "function": {"name": TOOL_NAME, "arguments": ""}}
    events = [chunk({"role": "assistant", "content": None, "tool_calls": [first]})]
    for piece in ('{"n": ', f"{step}}}"):
        events.append(chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}))
    events.append(chunk({}, "tool_calls"))
    events.append(usage_chunk(5))
    return [json.dumps(event) for event in events] + ["[DONE]"]


def sse_chunks(events):
    """Each event as one HTTP chunk (chunked transfer encoding), then the last chunk."""
    chunks = []
    for data in events:
        payload = f"data: {data}\n\n".encode()
        chunks.append(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
    return chunks, b"0\r\n\r\n"


def completion(message, finish_reason, completion_tokens):
    return {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": CREATED,
        "model": MODEL,
        "choices": [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason}
        ],
        "usage": {
            "prompt_tokens": 10,
            "completion_tokens": completion_tokens,
            "total_tokens": 10 + completion_tokens,
        },
    }


def content_text(message):
    """A message's text: OpenAI allows a string or a list of parts."""
    content = message.get("content") or ""
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content


def answer(body):
    """(kind, argument) of the reply a request gets."""
    messages = body.get("messages") or [{}]
    if body.get("tools"):
        done = sum(1 for message in messages if message.get("role") == "tool")
        return ("tool", done + 1) if done < TOOL_STEPS else ("final", None)
    prompt = content_text(messages[-1]).strip()
    if prompt.startswith("stream "):
        return "text", int(prompt.split()[1])
    if prompt == "first token":
        return "first", None
    return "text", SHORT_REPLY_TOKENS


class Replies:
    """Streamed replies, made once and kept: the same bytes for every request."""

    def __init__(self):
        self.lock = threading.Lock()
        self.cache = {}

    def streamed(self, kind, argument):
        with self.lock:
            if (kind, argument) not in self.cache:
                self.cache[kind, argument] = self.make(kind, argument)
            return self.cache[kind, argument]

    def make(self, kind, argument):
        if kind == "tool":
            return sse_chunks(tool_call_events(argument))
        if kind == "final":
            return sse_chunks(text_events([final_chain_text()]))
        if kind == "first":
            return sse_chunks(text_events(tokens(2)))
        return sse_chunks(text_events(tokens(argument)))


def whole(kind, argument):
    """A reply that is not streamed."""
    if kind == "tool":
        arguments = json.dumps({"n": argument})
        function = {"name": TOOL_NAME, "arguments": arguments}
        call = {"id": f"call_{argument}", "type": "function", "function": function}
        message = {"role": "assistant", "content": None, "tool_calls": [call]}
        return completion(message, "tool_calls", 5)
    count = 2 if kind == "first" else argument
    text = final_chain_text() if kind == "final" else reply_text(count)
    return completion({"role": "assistant", "content": text}, "stop", count or 1)


class Connections:
    """Accepted, open and ended connections, per tag."""

    def __init__(self):
        self.lock = threading.Lock()
        self.accepted = Counter()
        self.open = Counter()
        self.ended = Counter()  # (tag, how)
        self.requests = Counter()

    def opened(self, tag):
        with self.lock:
            self.accepted[tag] += 1
            self.open[tag] += 1

    def request(self, tag):
        with self.lock:
            self.requests[tag] += 1

    def closed(self, tag, how):
        with self.lock:
            self.open[tag] -= 1
            self.ended[tag, how] += 1

    def snapshot(self):
        with self.lock:
            tags = set(self.accepted)
            return {
                tag: {
                    "accepted": self.accepted[tag],
                    "open": self.open[tag],
                    "requests": self.requests[tag],
                    "ended": {how: n for (t, how), n in self.ended.items() if t == tag},
                }
                for tag in tags
            }


class JSONHandler(BaseHTTPRequestHandler):
    def send_json(self, value, status=200):
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        pass  # quiet


class APIHandler(JSONHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real APIs do
    disable_nagle_algorithm = True  # headers and body leave at once, as from a real server

    def handle(self):
        """Serve requests until the connection ends; count it under its first request's tag."""
        self.tag = None
        try:
            super().handle()
            how = "eof" if self.raw_requestline == b"" else "server"
        except (ConnectionResetError, BrokenPipeError):
            how = "reset"
        if self.tag is None:
            self.tag = "(no request)"
            self.server.connections.opened(self.tag)
        self.server.connections.closed(self.tag, how)

    def path_tag(self):
        tag, _, rest = self.path.lstrip("/").partition("/")
        if self.tag is None:
            self.tag = tag
            self.server.connections.opened(tag)
        self.server.connections.request(tag)
        return "/" + rest

    def do_GET(self):
        if self.path_tag() == "/v1/models":
            models = {"object": "list", "data": [{"id": MODEL, "object": "model"}]}
            self.send_json(models)
        else:
            self.send_json({"error": {"message": "not found"}}, 404)

    def do_POST(self):
        path = self.path_tag()
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if path != "/v1/chat/completions":
            self.send_json({"error": {"message": f"not found: {path}"}}, 404)
            return
        kind, argument = answer(body)
        if not body.get("stream"):
            self.send_json(whole(kind, argument))
            return
        chunks, last = self.server.replies.streamed(kind, argument)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if kind == "first":
            self.wfile.write(chunks[0])
            self.wfile.flush()
            time.sleep(FIRST_TOKEN_PAUSE)
            chunks = chunks[1:]
        self.wfile.write(b"".join(chunks) + last)


class ControlHandler(JSONHandler):
    def do_GET(self):
        if self.path == "/cpu":
            # The CPU seconds this process has used: clients compare it before and after a run
            self.send_json(time.process_time())
        else:
            self.send_json(self.server.connections.snapshot())


def serve():
    api = ThreadingHTTPServer(("127.0.0.1", 0), APIHandler)
    api.daemon_threads = True
    api.replies = Replies()
    api.connections = Connections()
    control = ThreadingHTTPServer(("127.0.0.1", 0), ControlHandler)
    control.connections = api.connections
    for server in (api, control):
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    urls = {
        name: "http://{}:{}".format(*server.server_address)
        for name, server in (("api", api), ("control", control))
    }
    print(json.dumps(urls), flush=True)
    sys.stdin.read()  # serve until whoever started us closes our stdin


class FakeServer:
    """A running server, seen from outside: its URLs and its connection counts."""

    def __init__(self, api, control):
        self.url = api
        self.control = control

    @classmethod
    @contextmanager
    def start(cls):
        """Run the server in a process of its own, so it takes no time from the clients'."""
        process = subprocess.Popen(
            [sys.executable, __file__], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        try:
            yield cls(**json.loads(process.stdout.readline()))
        finally:
            process.stdin.close()
            process.wait(timeout=30)

    def base(self, tag):
        """The base URL a contender uses: its connections are counted under `tag`."""
        return f"{self.url}/{tag}/v1"

    def stats(self):
        with urllib.request.urlopen(self.control + "/stats", timeout=60) as reply:
            return json.load(reply)

    def cpu(self):
        """The CPU seconds the server has used so far."""
        with urllib.request.urlopen(self.control + "/cpu", timeout=60) as reply:
            return json.load(reply)

    def accepted(self):
        return {tag: figures["accepted"] for tag, figures in self.stats().items()}

    def opened_since(self, before):
        """Connections accepted since `before` (an accepted() result), per tag."""
        now = self.accepted()
        return Counter({tag: now[tag] - before.get(tag, 0) for tag in now})

    def wait_closed(self, tag, seconds=5):
        """The tag's figures once none of its connections is open (or the time is up)."""
        deadline = time.monotonic() + seconds
        figures = self.stats()[tag]
        while figures["open"] and time.monotonic() < deadline:
            time.sleep(0.05)
            figures = self.stats()[tag]
        return figures


if __name__ == "__main__":
    serve()
