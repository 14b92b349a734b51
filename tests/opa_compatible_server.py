"""OPA's Data API (POST /v1/data/<path> with {"input": ...}) served over HTTP from the same bundle.

No OPA binary can be installed on these machines (not in Debian, PyPI or npm), so the remote engine's
client is exercised against this server: real HTTP, real opa-python-client, real Rego evaluation by
rego-cpp, OPA's request and response shapes ({"result": ...}, {} when undefined).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from regopy import Interpreter

from node.adapters.policy.bundle import PolicyBundle


class OpaCompatibleServer:
    def __init__(self, bundle: PolicyBundle, garbage: bool = False) -> None:
        rego = Interpreter()
        for name, source in bundle.modules.items():
            rego.add_module(name, source)
        rego.add_data_json(json.dumps(bundle.data))
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def do_POST(self) -> None:
                if not self.path.startswith("/v1/data/"):
                    self.send_error(404)
                    return
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                ref = "data." + self.path.removeprefix("/v1/data/").replace("/", ".")
                with lock:
                    rego.set_input(body.get("input", {}))
                    out = str(rego.query(f"x = {ref}"))
                answer: Any = {} if out == "undefined" else {"result": json.loads(out)["bindings"]["x"]}
                payload = b"<html>proxy error</html>" if garbage else json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> OpaCompatibleServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
