"""A stand-in for the Airbyte API (an external system): a real HTTP server that records requests and answers
`POST /v1/jobs` and `POST /v1/applications/token` with scripted statuses."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class AirbyteApiStandIn:
    job_statuses: list[int] = field(default_factory=list)  # consumed in order; 200 once exhausted
    token_lifetime: int = 180
    jobs: list[dict[str, Any]] = field(default_factory=list)
    token_requests: list[dict[str, Any]] = field(default_factory=list)
    issued_tokens: list[str] = field(default_factory=list)
    url: str = ""
    _lock: threading.Condition = field(default_factory=threading.Condition)

    def wait_for_jobs(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        with self._lock:
            self._lock.wait_for(lambda: len(self.jobs) >= count, timeout)
            return list(self.jobs)


@pytest.fixture
def airbyte_api() -> Iterator[AirbyteApiStandIn]:
    api = AirbyteApiStandIn()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            if self.path == "/v1/applications/token":
                with api._lock:
                    api.token_requests.append(body)
                    token = f"token-{len(api.token_requests)}"
                    api.issued_tokens.append(token)
                self._answer(200, {"access_token": token, "token_type": "Bearer", "expires_in": api.token_lifetime})
                return
            if self.path == "/v1/jobs":
                with api._lock:
                    status = api.job_statuses.pop(0) if api.job_statuses else 200
                    api.jobs.append(
                        {"body": body, "authorization": self.headers.get("Authorization"), "status": status}
                    )
                    api._lock.notify_all()
                if status == 200:
                    self._answer(200, {"jobId": len(api.jobs), "status": "pending", "jobType": "sync"})
                else:
                    self._answer(status, {"message": "A sync is already running" if status == 409 else "no"})
                return
            self._answer(404, {"message": "not found"})

        def _answer(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield api
    server.shutdown()
    server.server_close()
