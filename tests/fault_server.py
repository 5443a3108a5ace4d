"""A small HTTP server on 127.0.0.1 whose every answer a test scripts: status codes, Retry-After,
delays, dropped connections, broken JSON, any body — or a pass-through to a real upstream server.

    with FaultServer() as srv:                         # or the `fault_server` pytest fixture
        srv.push(Fault.error(429, retry_after=0.1), Fault.completion("hi"))
        backend = make_backend(f"openai:m@{srv.base_url}")
        ...
        assert len(srv.requests) == 2                  # every request, with its parsed JSON body

Answers are taken from the queue filled by `push()` in order; when it is empty, `default` answers
(a Fault, or a callable(RecordedRequest) -> Fault). With `upstream="http://127.0.0.1:PORT"`, the
default forwards each request there, so faults can be injected between real calls of a whole run:
`srv.push(Fault.error(500))` makes just the next call fail.

Only loopback: the server binds 127.0.0.1 and the upstream must be a loopback URL too.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlparse


@dataclass
class Fault:
    """One scripted answer."""

    status: int = 200
    body: Any = None                 # dict/list -> JSON; str/bytes -> sent as is
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0             # wait before answering (a slow server, or a timeout when large)
    drop: bool = False               # close the connection without answering
    passthrough: bool = False        # forward to the upstream server (after delay_s)
    content_type: str = "application/json"

    # -- constructors for the usual cases ----------------------------------------------------
    @classmethod
    def completion(cls, content: str = "ok", *, model: str = "fault-model", finish_reason: str = "stop",
                   usage: dict[str, Any] | None = None, message: dict[str, Any] | None = None,
                   **kwargs: Any) -> Fault:
        """A well-formed chat completion whose message content is `content` (extra message fields in `message`)."""
        msg = {"role": "assistant", "content": content, **(message or {})}
        body = {"id": "chatcmpl-fault", "object": "chat.completion", "created": 0, "model": model,
                "choices": [{"index": 0, "message": msg, "finish_reason": finish_reason}],
                "usage": usage or {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}
        return cls(body=body, **kwargs)

    @classmethod
    def error(cls, status: int, message: str = "scripted failure", *, retry_after: float | None = None,
              retry_after_ms: float | None = None, **kwargs: Any) -> Fault:
        headers = dict(kwargs.pop("headers", {}))
        if retry_after is not None:
            headers["Retry-After"] = f"{retry_after:g}"
        if retry_after_ms is not None:
            headers["retry-after-ms"] = f"{retry_after_ms:g}"
        body = {"error": {"message": message, "type": "fault", "code": status}}
        return cls(status=status, body=body, headers=headers, **kwargs)

    @classmethod
    def dropped(cls, delay_s: float = 0.0) -> Fault:
        return cls(drop=True, delay_s=delay_s)

    @classmethod
    def hang(cls, seconds: float = 30.0) -> Fault:
        """Answer only after `seconds` (the client should time out first)."""
        return cls.completion("too late", delay_s=seconds)

    @classmethod
    def raw(cls, body: str | bytes, status: int = 200, content_type: str = "application/json") -> Fault:
        """A body sent byte for byte, e.g. truncated JSON."""
        return cls(status=status, body=body, content_type=content_type)

    @classmethod
    def forward(cls, delay_s: float = 0.0) -> Fault:
        return cls(passthrough=True, delay_s=delay_s)


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]          # names lower-cased
    body: bytes
    at: float                        # time.monotonic() when it arrived

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except json.JSONDecodeError:
            return None


Responder = Fault | Callable[[RecordedRequest], Fault]


class FaultServer:
    def __init__(self, default: Responder | None = None, *, upstream: str | None = None, port: int = 0):
        if upstream is not None and urlparse(upstream).hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("FaultServer forwards only to loopback servers")
        self.upstream = upstream.rstrip("/") if upstream else None
        self.default: Responder = default or (Fault.forward() if upstream else Fault.error(500, "nothing scripted"))
        self.requests: list[RecordedRequest] = []
        self._queue: deque[Responder] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- control ---------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """OpenAI-style base URL (`.../v1`)."""
        return self.url + "/v1"

    def push(self, *answers: Responder) -> FaultServer:
        """Queue answers for the next requests, in order."""
        with self._lock:
            self._queue.extend(answers)
        return self

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()
            self.requests.clear()

    @property
    def pending(self) -> int:
        """Scripted answers not yet used."""
        with self._lock:
            return len(self._queue)

    def start(self) -> FaultServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"fault-server-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping in a delay
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- serving -----------------------------------------------------------------------------------
    def _next(self, request: RecordedRequest) -> Fault:
        with self._lock:
            self.requests.append(request)
            responder = self._queue.popleft() if self._queue else self.default
        return responder(request) if callable(responder) else responder

    def _forward(self, request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
        if not self.upstream:
            return 502, {"Content-Type": "application/json"}, b'{"error": {"message": "no upstream"}}'
        up = urlparse(self.upstream)
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=600)
        try:
            headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "connection")}
            conn.request(request.method, up.path.rstrip("/") + request.path, body=request.body or None, headers=headers)
            resp = conn.getresponse()
            return resp.status, {"Content-Type": resp.getheader("Content-Type", "application/json")}, resp.read()
        finally:
            conn.close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                request = RecordedRequest(self.command, self.path, headers, body, time.monotonic())
                fault = server._next(request)
                if fault.delay_s and server._stopping.wait(fault.delay_s):
                    return  # server stopping: give up quietly
                try:
                    if fault.drop:
                        self.close_connection = True
                        self.connection.shutdown(socket.SHUT_RDWR)
                        return
                    if fault.passthrough:
                        status, headers, payload = server._forward(request)
                    else:
                        status, headers = fault.status, {"Content-Type": fault.content_type, **fault.headers}
                        payload = fault.body
                        if not isinstance(payload, (bytes, str)):
                            payload = json.dumps(payload if payload is not None else {})
                        if isinstance(payload, str):
                            payload = payload.encode()
                    self.send_response(status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError, OSError):
                    pass  # the client gave up (a timeout test): nothing to answer

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        return Handler
