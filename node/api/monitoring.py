"""Readiness and Prometheus metrics: what a hospital's monitoring asks of a running node.

``/ready`` checks what a request needs (database at the schema head, policy engine, node key, chain) and
answers 503 naming the failed check. ``/metrics`` exposes HTTP counters and latencies (by route template,
never the raw path or query, which may hold identifiers) and the node's own counters read from the
database at scrape time, so they are right whichever process (API, worker, CLI) did the work.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any

import httpx
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from node.adapters.db.health import read_counters, schema_heads, schema_revisions
from node.bootstrap import Container

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def readiness(c: Container) -> dict[str, str]:
    """Each dependency's state: "ok" or a short reason (no secrets, no data)."""
    checks: dict[str, str] = {}
    try:
        current = schema_revisions(c.engine)
        checks["database"] = "ok"
        checks["migrations"] = "ok" if current == set(schema_heads()) else "not at head: run hnode migrate"
    except Exception as exc:  # noqa: BLE001 - any failure to reach the database makes the node unready
        checks["database"] = f"unreachable ({type(exc).__name__})"
        checks["migrations"] = "unknown"
    try:
        c.policy.decide("usage", {})  # a deny is fine: the engine answered
        checks["policy"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["policy"] = f"unavailable ({type(exc).__name__})"
    try:
        c.signer.public_key_hex  # noqa: B018 - loads the key if it is not loaded yet
        checks["node_key"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["node_key"] = f"not loaded ({type(exc).__name__})"
    checks["chain"] = _chain_state(c)
    return checks


def _chain_state(c: Container) -> str:
    url = c.settings.chain_rpc_url
    if not url:
        return "ok"  # the embedded chain lives in this node's data directory
    try:
        r = httpx.post(
            url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}, timeout=1.0
        )
        r.raise_for_status()
        return "ok" if "result" in r.json() else "unexpected answer"
    except Exception as exc:  # noqa: BLE001
        return f"unreachable ({type(exc).__name__})"


class NodeCollector(Collector):
    """The node's counters as its database holds them."""

    def __init__(self, c: Container) -> None:
        self._c = c

    def collect(self) -> Iterator[Any]:
        n = read_counters(self._c.engine)
        uses = CounterMetricFamily("hnode_metered_uses", "Metered uses of data products", labels=["mode"])
        for mode, count in sorted(n.uses_by_mode.items()):
            uses.add_metric([mode], count)
        yield uses
        decisions = CounterMetricFamily(
            "hnode_usage_decisions",
            "Usage decisions by outcome (success, denied, failed)",
            labels=["outcome"],
        )
        for outcome, count in sorted(n.decisions.items()):
            decisions.add_metric([outcome], count)
        yield decisions
        yield GaugeMetricFamily(
            "hnode_epsilon_spent", "Privacy budget spent over all contracts", n.epsilon_spent
        )
        yield GaugeMetricFamily(
            "hnode_anchor_queue_depth", "Digests waiting to be anchored", n.outbox_pending
        )
        age = 0.0
        if n.outbox_oldest_created_us is not None:
            age = max(0.0, (self._c.clock.now_us() - n.outbox_oldest_created_us) / 1e6)
        yield GaugeMetricFamily("hnode_anchor_queue_oldest_seconds", "Age of the oldest queued digest", age)
        imports = CounterMetricFamily("hnode_imports", "Asset imports by outcome", labels=["outcome"])
        for outcome, count in sorted(n.imports.items()):
            imports.add_metric([outcome], count)
        yield imports
        contracts = GaugeMetricFamily("hnode_contracts", "Contracts by state", labels=["state"])
        for state, count in sorted(n.contracts_by_state.items()):
            contracts.add_metric([str(state)], count)
        yield contracts


class Metrics:
    """One registry per app: HTTP request counts and latencies, and the node's counters."""

    def __init__(self, c: Container) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "hnode_http_requests",
            "HTTP requests by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "hnode_http_request_seconds",
            "HTTP request latency by method and route template",
            ["method", "route"],
            registry=self.registry,
        )
        self.registry.register(NodeCollector(c))


class MetricsMiddleware:
    """Counts and times every HTTP request (a plain ASGI wrapper: cheaper than BaseHTTPMiddleware)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self._app = app
        self._m = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        start = time.perf_counter()
        status = [500]

        async def send_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            await send(message)

        try:
            await self._app(scope, receive, send_status)
        finally:
            template = getattr(scope.get("route"), "path", None) or "unmatched"
            method = str(scope.get("method", ""))
            self._m.requests.labels(method, template, str(status[0])).inc()
            self._m.latency.labels(method, template).observe(time.perf_counter() - start)
