"""Does `polya bench --concurrency N` pay off against a slow remote model?

Starts a tiny OpenAI-compatible server on 127.0.0.1 that waits a fixed latency before every reply
(a stand-in for a remote API), then runs the same bench — 40 problems, one policy — once with
--concurrency 1 and once with --concurrency 8 through the real `openai` backend, and reports the
wall-time ratio (ideal: 1/8 = 0.125).

    python benchmarks/bench_concurrency.py [--latency 0.5] [--problems 40] [--concurrency 8] [--policy cot]

The server answers every structured request with an object that fills the requested JSON schema
(strings "1+2", lists empty, enums their first value): the answers are wrong, which is fine, this
measures the harness, not the model.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def fill(schema: dict, defs: dict) -> object:
    if "$ref" in schema:
        return fill(defs[schema["$ref"].split("/")[-1]], defs)
    if "enum" in schema:
        return schema["enum"][0]
    if "anyOf" in schema:
        return fill(schema["anyOf"][0], defs)
    kind = schema.get("type")
    if kind == "object":
        return {k: fill(v, defs) for k, v in schema.get("properties", {}).items()}
    return {"string": "1+2", "array": [], "integer": 1, "number": 0.5, "boolean": False}.get(kind)


def make_handler(latency: float, counter: dict):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"   # keep-alive, as real servers do (Content-Length is always sent)

        def log_message(self, *args):  # quiet
            pass

        def do_POST(self):  # noqa: N802 - the stdlib's name
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            with counter["lock"]:
                counter["calls"] += 1
                counter["in_flight"] += 1
                counter["max_in_flight"] = max(counter["max_in_flight"], counter["in_flight"])
            time.sleep(latency)
            fmt = body.get("response_format") or {}
            schema = (fmt.get("json_schema") or {}).get("schema") or fmt.get("schema") or {}
            content = json.dumps(fill(schema, schema.get("$defs", {}))) if schema else "Answer: 1+2"
            reply = {"id": "x", "object": "chat.completion", "created": int(time.time()), "model": body.get("model", "m"),
                     "choices": [{"index": 0, "finish_reason": "stop",
                                  "message": {"role": "assistant", "content": content}}],
                     "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}}
            data = json.dumps(reply).encode()
            with counter["lock"]:
                counter["in_flight"] -= 1
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def start_server(latency: float):
    counter = {"calls": 0, "in_flight": 0, "max_in_flight": 0, "lock": threading.Lock()}
    # socketserver's listen backlog is 5: with 8 clients connecting at once, a SYN beyond it is
    # dropped and the kernel retries it after 1 s, which alone cost 0.154 instead of 0.125.
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(latency, counter))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, counter


def run(url: str, suite: Path, out: Path, concurrency: int, policy: str) -> float:
    import asyncio

    from agent.bench.runner import BenchConfig, load_suites, plan_tasks, run_bench
    from agent.problems.models import Budget

    config = BenchConfig(suites=[str(suite)], policies=[policy], backend=f"openai:latency-test@{url}",
                         budget=Budget(steps=12, tokens=100_000), concurrency=concurrency, out=out)
    tasks = plan_tasks(load_suites([str(suite)]), [policy], limit=None, seed=0)
    started = time.perf_counter()
    rows = asyncio.run(run_bench(config, tasks))
    elapsed = time.perf_counter() - started
    errors = [r for r in rows if r.harness_error]
    if errors:
        raise SystemExit(f"{len(errors)} runs failed, e.g. {errors[0].harness_error}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--latency", type=float, default=0.5, help="seconds the server waits per call")
    ap.add_argument("--problems", type=int, default=40)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--policy", default="cot")
    args = ap.parse_args()
    server, counter = start_server(args.latency)
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        suite = tmp / "suite.yaml"
        suite.write_text("suite: latency\nproblems:\n" + "".join(
            f"  - {{id: p{i:02d}, kind: countdown, rules: game24, numbers: [1, 2, 3, {4 + i % 9}], target: 24}}\n"
            for i in range(args.problems)))
        run(url, suite, tmp / "warm", args.concurrency, args.policy)   # imports and first-use costs, untimed
        counter["calls"] = 0
        seq = run(url, suite, tmp / "seq", 1, args.policy)
        calls_seq, counter["max_in_flight"] = counter["calls"], 0
        par = run(url, suite, tmp / "par", args.concurrency, args.policy)
        calls_par = counter["calls"] - calls_seq
    server.shutdown()
    print(f"policy {args.policy}, {args.problems} problems, server latency {args.latency}s per call")
    print(f"concurrency 1: {seq:.2f}s ({calls_seq} calls)")
    print(f"concurrency {args.concurrency}: {par:.2f}s ({calls_par} calls, at most {counter['max_in_flight']} in flight)")
    print(f"ratio {par / seq:.3f} (ideal {1 / args.concurrency:.3f}); speed-up {seq / par:.2f}x")


if __name__ == "__main__":
    main()
