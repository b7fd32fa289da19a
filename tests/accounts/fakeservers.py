"""Small threaded HTTP servers that speak BankID's RP API v6 and an OIDC provider's protocol."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Handler = Callable[[str, str, bytes, dict[str, str]], tuple[int, dict[str, Any] | str]]


@contextmanager
def serve(handler: Handler) -> Iterator[str]:
    class RequestHandler(BaseHTTPRequestHandler):
        def _handle(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, payload = handler(method, self.path, body, dict(self.headers))
            data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

        def do_POST(self) -> None:
            self._handle("POST")

        def do_GET(self) -> None:
            self._handle("GET")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
        assert not thread.is_alive(), "the fake server thread did not stop within 10 s"


class FakeBankId:
    """Remembers orders; each collect advances a scripted list of responses."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.scripts: dict[str, list[dict[str, Any]]] = {}
        self.slow_collect = 0.0
        self.counter = 0

    def __call__(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        data = json.loads(body or b"{}")
        endpoint = path.rsplit("/", 1)[-1]
        self.requests.append((endpoint, data))
        if headers.get("Content-Type") != "application/json":
            return 415, {"errorCode": "invalidParameters", "details": "content type"}
        if endpoint == "auth":
            if not data.get("endUserIp"):
                return 400, {"errorCode": "invalidParameters", "details": "endUserIp missing"}
            self.counter += 1
            ref = f"order-{self.counter}"
            self.scripts.setdefault(ref, [])
            return 200, {"orderRef": ref, "autoStartToken": f"ast-{self.counter}",
                         "qrStartToken": f"qst-{self.counter}", "qrStartSecret": f"qss-{self.counter}"}
        if endpoint == "collect":
            if self.slow_collect:
                time.sleep(self.slow_collect)
            ref = data.get("orderRef")
            if ref not in self.scripts:
                return 400, {"errorCode": "invalidParameters", "details": "No such order"}
            script = self.scripts[ref]
            step = script.pop(0) if len(script) > 1 else (script[0] if script else
                                                           {"status": "pending", "hintCode": "outstandingTransaction"})
            return 200, {"orderRef": ref, **step}
        if endpoint == "cancel":
            ref = data.get("orderRef")
            if ref not in self.scripts:
                return 400, {"errorCode": "invalidParameters", "details": "No such order"}
            self.scripts[ref] = [{"status": "failed", "hintCode": "cancelled"}]
            return 200, {}
        return 404, {"errorCode": "notFound", "details": path}
