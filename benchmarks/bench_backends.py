"""Benchmark of the `local` backend against raw xllamacpp on the same loaded model, in one process.

    python benchmarks/bench_backends.py                 # local:small, 1 thread, 5 rounds
    python benchmarks/bench_backends.py --spec local --rounds 5 --threads 1 --json out.json

Measures (run it on an otherwise idle machine; it reports the load average it saw):
  1. first-call latency including model load (the first thing this process does), and peak RSS;
  2. generated tokens/s and prompt tokens/s, raw `Server.handle_chat_completions` vs
     `LocalBackend.complete`, alternating call by call so load changes hit both sides alike;
     wall-clock times (the overhead is ours), medians over the rounds;
  3. the prefix cache across 10 calls that share the system prompt and problem, as the solving
     loop makes them (each call a different move asking about the same problem).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agent.backends import LLMRequest, Message, make_backend  # noqa: E402
from agent.backends.structured import chat_body  # noqa: E402

SYSTEM = ("You are Polya, a careful problem solver. You work in small steps called moves: play with examples, "
          "look for patterns, hunt counterexamples, work backwards from the goal, reframe the problem, or attempt "
          "a full answer. Each move reads the notebook of facts found so far and returns new findings. Be precise "
          "with arithmetic; every claim you make is checked by a verifier, and wrong claims are reported back to "
          "you as facts. Prefer short, checkable statements over long explanations.")
PROBLEM = ("Problem (NYT Digits): reach the target 269 from the numbers 2, 3, 7, 20, 21, 25. You may use + - * / "
           "on whole numbers, each number at most once, and not every number has to be used. Intermediate "
           "results must be positive integers.\nNotebook: 2*7 = 14; 14*21 = 294; 294 - 25 = 269 is a candidate "
           "to check; 20 + 3 = 23 is unused so far.")
MOVES = ["Move: examples. List three products of two given numbers.",
         "Move: patterns. What do the products near 269 have in common?",
         "Move: backwards. What must be subtracted from 294 to reach 269?",
         "Move: counterexamples. Is any number used twice in 2*7*21-25?",
         "Move: reframe. Restate the goal as reaching 294 first.",
         "Move: attempt. Give one full expression for 269.",
         "Judge: is the current line of attack making progress? One sentence.",
         "Move: examples. List two sums of three given numbers.",
         "Move: backwards. Which pairs of given numbers multiply to more than 250?",
         "Controller: which move should come next, and why? One sentence."]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def request(user: str, max_tokens: int, system: str = SYSTEM) -> LLMRequest:
    return LLMRequest(messages=[Message(role="system", content=system), Message(role="user", content=f"{PROBLEM}\n\n{user}")],
                      max_tokens=max_tokens, temperature=0.0, seed=42)


async def main() -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--spec", default="local:small")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--gen-tokens", type=int, default=64)
    ap.add_argument("--json", help="write the figures here too")
    args = ap.parse_args()
    out: dict = {"spec": args.spec, "threads": args.threads, "rounds": args.rounds, "gen_tokens": args.gen_tokens,
                 "loadavg_start": os.getloadavg()[0]}

    # 1. first call, model load included
    backend = make_backend(args.spec, threads=args.threads, n_ctx=4096)
    rss_before = rss_mb()
    started = time.perf_counter()
    first = await backend.complete(request("Say ready.", 8))
    out["first_call_s"] = round(time.perf_counter() - started, 3)
    out["model_load_s"] = backend._model.load_s
    out["first_call_tokens"] = first.usage.completion_tokens
    out["rss_before_load_mb"] = round(rss_before, 1)
    server = backend._model.server

    # 2. raw vs ours, alternating. Generation: same prompt, fully cached after the first call, so
    # the wall time is almost all decoding. Prompt: cache off, one output token.
    gen_req = request(MOVES[5], args.gen_tokens)
    pp_req = request(MOVES[0], 1)
    gen_body = chat_body(gen_req, gen_req.messages, None)
    pp_body = {**chat_body(pp_req, pp_req.messages, None), "cache_prompt": False}
    pp_backend = make_backend(args.spec, threads=args.threads, n_ctx=4096, extra_body={"cache_prompt": False})
    server.handle_chat_completions(gen_body)  # warm the cache for the generation prompt
    figures: dict[str, list[float]] = {k: [] for k in ("raw_gen", "ours_gen", "raw_pp", "ours_pp")}
    for i in range(args.rounds):
        for side in (("raw", "ours") if i % 2 == 0 else ("ours", "raw")):
            t = time.perf_counter()
            if side == "raw":
                data = server.handle_chat_completions(gen_body)
                n = data["usage"]["completion_tokens"]
            else:
                n = (await backend.complete(gen_req)).usage.completion_tokens
            figures[f"{side}_gen"].append(n / (time.perf_counter() - t))
            t = time.perf_counter()
            if side == "raw":
                data = server.handle_chat_completions(pp_body)
                n = data["usage"]["prompt_tokens"]
            else:
                n = (await pp_backend.complete(pp_req)).usage.prompt_tokens
            figures[f"{side}_pp"].append(n / (time.perf_counter() - t))
    med = {k: round(statistics.median(v), 2) for k, v in figures.items()}
    out["tokens_per_s"] = med
    out["overhead_gen_pct"] = round(100 * (1 - med["ours_gen"] / med["raw_gen"]), 2)
    out["overhead_pp_pct"] = round(100 * (1 - med["ours_pp"] / med["raw_pp"]), 2)
    out["prompt_tokens_measured"] = (await pp_backend.complete(pp_req)).usage.prompt_tokens

    # 3. prefix cache across a solving-loop-like sequence. A fresh run id opens the system prompt,
    # so the first call starts cold (llama.cpp's RAM cache would otherwise restore earlier prompts).
    system = f"Run {time.time_ns()}. {SYSTEM}"
    seq = []
    for move in MOVES:
        r = await backend.complete(request(move, 16, system))
        seq.append({"prompt": r.usage.prompt_tokens, "cached": r.usage.cached_tokens, "latency_s": round(r.latency_s, 3)})
    total_prompt = sum(s["prompt"] for s in seq)
    total_cached = sum(s["cached"] for s in seq)
    out["prefix_cache"] = {"calls": seq, "prompt_tokens": total_prompt, "cached_tokens": total_cached,
                           "cached_fraction": round(total_cached / total_prompt, 3)}
    # 4. the layer's own cost per call, independent of machine load: the same backend code with the
    # model replaced by a stub that returns a recorded answer at once.
    recorded = server.handle_chat_completions(gen_body)

    class Instant:
        path, lock = backend._model.path, None

        def chat(self, body):
            return recorded

    stub = make_backend(args.spec, threads=args.threads)
    stub._model = Instant()
    n, t = 200, time.perf_counter()
    for _ in range(n):
        await stub.complete(gen_req)
    per_call_ms = 1000 * (time.perf_counter() - t) / n
    out["layer_ms_per_call"] = round(per_call_ms, 3)
    out["layer_share_of_gen_call_pct"] = round(100 * per_call_ms / 1000 / (args.gen_tokens / med["raw_gen"]), 3)
    out["peak_rss_mb"] = round(rss_mb(), 1)
    out["loadavg_end"] = os.getloadavg()[0]
    await backend.aclose()
    return out, args.json


def report(out: dict) -> None:
    t = out["tokens_per_s"]
    print(f"backend {out['spec']}, {out['threads']} thread(s), {out['rounds']} rounds, "
          f"load average {out['loadavg_start']:.1f} -> {out['loadavg_end']:.1f}")
    print(f"first call incl. model load: {out['first_call_s']:.2f}s (load {out['model_load_s']:.2f}s); "
          f"peak RSS {out['peak_rss_mb']:.0f} MB (before load {out['rss_before_load_mb']:.0f} MB)")
    print(f"{'':22}{'raw xllamacpp':>15}{'local backend':>15}{'overhead':>10}")
    print(f"{'generated tok/s':22}{t['raw_gen']:>15.2f}{t['ours_gen']:>15.2f}{out['overhead_gen_pct']:>9.2f}%")
    print(f"{'prompt tok/s':22}{t['raw_pp']:>15.2f}{t['ours_pp']:>15.2f}{out['overhead_pp_pct']:>9.2f}%"
          f"   ({out['prompt_tokens_measured']} prompt tokens, cache off)")
    print(f"layer cost per call (stub model): {out['layer_ms_per_call']:.2f} ms = "
          f"{out['layer_share_of_gen_call_pct']:.3f}% of one {out['gen_tokens']}-token generation call here")
    pc = out["prefix_cache"]
    print(f"prefix cache over {len(pc['calls'])} calls sharing system prompt + problem: "
          f"{pc['cached_tokens']}/{pc['prompt_tokens']} prompt tokens from cache ({100 * pc['cached_fraction']:.0f}%)")
    print("  per call (prompt/cached): " + ", ".join(f"{c['prompt']}/{c['cached']}" for c in pc["calls"]))


if __name__ == "__main__":
    result, json_path = asyncio.run(main())
    report(result)
    if json_path:
        Path(json_path).write_text(json.dumps(result, indent=2))
