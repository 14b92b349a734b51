"""The partner's DSP callback endpoint for transfers: the node posts its TransferStartMessage (the data
address with a single-use token) to ``{callbackAddress}/transfers/{consumerPid}/start``. A small HTTP(S)
server on the partner's side receives it; the node requires an https callbackAddress, so either give the
listener a certificate or put it behind the partner's TLS reverse proxy."""

from __future__ import annotations

import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from hnode_partner.client import PartnerError

MAX_BODY = 64 * 1024


class CallbackListener:
    def __init__(self, host: str, port: int, cert: Path | None = None, key: Path | None = None) -> None:
        self._messages: dict[str, dict[str, Any]] = {}
        self._arrived = threading.Condition()
        self._server = ThreadingHTTPServer((host, port), self._handler())
        if cert is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(cert, key)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="dsp-callbacks")

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def __enter__(self) -> CallbackListener:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait_start(self, consumer_pid: str, timeout_s: float) -> dict[str, Any]:
        """The TransferStartMessage for ``consumer_pid`` (or its termination, which raises)."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: consumer_pid in self._messages, timeout_s):
                raise PartnerError(
                    f"no TransferStartMessage within {timeout_s:g} s: is the callback address reachable "
                    "from the hospital?",
                    "callback_timeout",
                )
            message = self._messages.pop(consumer_pid)
        if message.get("@type") != "TransferStartMessage":
            raise PartnerError("the hospital terminated the transfer", "transfer_terminated")
        return message

    def _received(self, consumer_pid: str, message: dict[str, Any]) -> None:
        with self._arrived:
            self._messages[consumer_pid] = message
            self._arrived.notify_all()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                parts = self.path.rstrip("/").split("/")
                length = int(self.headers.get("Content-Length") or 0)
                if len(parts) < 4 or parts[-3] != "transfers" or not 0 < length <= MAX_BODY:
                    self.send_response(404)
                    self.end_headers()
                    return
                try:
                    message = json.loads(self.rfile.read(length))
                except ValueError:
                    self.send_response(400)
                    self.end_headers()
                    return
                if parts[-1] in ("start", "termination") and isinstance(message, dict):
                    listener._received(parts[-2], message)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *_: Any) -> None:  # no request lines (they name transfers) on stderr
                return

        return Handler
