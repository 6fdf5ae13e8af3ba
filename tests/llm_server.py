"""A scripted chat model over real HTTP, for tests: OpenAI's chat-completions API (JSON and SSE
streaming) and Ollama's /api/chat (NDJSON streaming), on a loopback port.

The reply is written by a script function that reads the request's messages, so a test can cite
the passage ids the answerer really sent ("the passage that says 30 days is P3").
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Script = Callable[[list[dict]], str]

_PASSAGE = re.compile(r'<passage id="(P\d+)" source="[^"]*">\n(.*?)\n</passage>', re.S)


def passages(messages: list[dict]) -> dict[str, str]:
    """{id: text} of the passages in the last user message."""
    user = [m for m in messages if m.get("role") in ("user", "human")][-1]["content"]
    return dict(_PASSAGE.findall(user))


def passage_with(messages: list[dict], *needles: str) -> str:
    """The id of the passage holding every needle (case-insensitive); AssertionError when none."""
    for pid, text in passages(messages).items():
        if all(n.lower() in text.lower() for n in needles):
            return pid
    raise AssertionError(f"no passage given to the model holds {needles!r}: {list(passages(messages))}")


class ScriptedLLM:
    def __init__(self, script: Script, delay: float = 0.0, piece_chars: int = 12):
        self.script = script
        self.delay = delay  # seconds before the first byte of the reply
        self.piece_chars = piece_chars
        self.requests: list[dict] = []
        self.errors: list[BaseException] = []
        self._server: ThreadingHTTPServer | None = None

    def __enter__(self) -> ScriptedLLM:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                owner.requests.append({"path": self.path, "body": None})
                self.send_error(404)

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                owner.requests.append({"path": self.path, "body": body})
                try:
                    reply = owner.script(body.get("messages") or [])
                    if owner.delay:
                        time.sleep(owner.delay)
                    if self.path.rstrip("/").endswith("/chat/completions"):
                        self._openai(body, reply)
                    elif self.path.rstrip("/") == "/api/chat":
                        self._ollama(body, reply)
                    else:
                        self.send_error(404)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)
                except Exception as exc:  # surfaced by the test, not swallowed
                    owner.errors.append(exc)
                    raise

            def _pieces(self, reply: str) -> list[str]:
                n = owner.piece_chars
                return [reply[i:i + n] for i in range(0, len(reply), n)] or [""]

            def _openai(self, body: dict, reply: str):
                model = body.get("model", "scripted")
                if not body.get("stream"):
                    data = json.dumps({
                        "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": model,
                        "choices": [{"index": 0, "message": {"role": "assistant", "content": reply},
                                     "finish_reason": "stop"}],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for i, piece in enumerate(self._pieces(reply)):
                    delta = {"content": piece} if i else {"role": "assistant", "content": piece}
                    self._event({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0, "model": model,
                                 "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
                self._event({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0, "model": model,
                             "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

            def _event(self, data: dict):
                self.wfile.write(b"data: " + json.dumps(data).encode() + b"\n\n")
                self.wfile.flush()

            def _ollama(self, body: dict, reply: str):
                model = body.get("model", "scripted")
                base = {"model": model, "created_at": "2026-01-01T00:00:00Z"}
                final = {**base, "message": {"role": "assistant", "content": ""}, "done": True, "done_reason": "stop",
                         "total_duration": 1, "load_duration": 1, "prompt_eval_count": 1, "prompt_eval_duration": 1,
                         "eval_count": 1, "eval_duration": 1}
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.end_headers()
                if body.get("stream", True):
                    for piece in self._pieces(reply):
                        line = {**base, "message": {"role": "assistant", "content": piece}, "done": False}
                        self.wfile.write(json.dumps(line).encode() + b"\n")
                        self.wfile.flush()
                else:
                    final["message"]["content"] = reply
                self.wfile.write(json.dumps(final).encode() + b"\n")
                self.wfile.flush()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def openai_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def ollama_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"
