"""`polya ping SPEC`: one small request and one structured request to a backend, with figures.

Prints, per call: latency, tokens, generated tokens per second, cached prompt tokens and the
structured-output dialect the backend settled on. Exit 0 when both calls worked, 1 when the
backend failed (one line saying why), 2 for a bad spec or setting.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time

from pydantic import BaseModel, Field

SYSTEM = "You are a concise assistant. Answer exactly what is asked."


class PingAnswer(BaseModel):
    """The structured ping: a fact small models get right."""

    shape: str = Field(description="the name of the shape")
    sides: int = Field(description="how many sides it has")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ping", help="send a small and a structured request to a backend and time them",
                       description="Check a backend: one plain and one structured (JSON schema) request.")
    p.add_argument("spec", help="backend spec: local, local:small, local:PATH.gguf, openai:MODEL[@URL], ollama:MODEL")
    p.add_argument("--threads", type=int, help="llama.cpp threads (local backends)")
    p.add_argument("--ctx", type=int, help="context size in tokens (local backends)")
    p.add_argument("--timeout", type=float, help="seconds per HTTP request (openai backends)")
    p.add_argument("--max-tokens", type=int, default=48, help="completion tokens per call (default 48)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", dest="settings",
                   help="any backend setting, e.g. --set max_retries=5 (repeatable; no API keys here)")
    p.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    p.set_defaults(func=main)


def _settings(args: argparse.Namespace) -> dict:
    from agent.backends.config import parse_settings

    settings = parse_settings(args.settings)
    for key, value in (("threads", args.threads), ("n_ctx", args.ctx), ("timeout", args.timeout)):
        if value is not None:
            settings[key] = value
    return settings


def _row(name: str, response, wall_s: float) -> dict:
    u = response.usage
    t = response.timings or {}
    # Generation speed: the server's own figure when it reports one (llama.cpp), else end to end.
    tps = t.get("predicted_per_second") or (u.completion_tokens / (response.latency_s or wall_s) if wall_s else None)
    return {"call": name, "wall_s": round(wall_s, 3), "latency_s": round(response.latency_s, 3),
            "prompt_tokens": u.prompt_tokens, "cached_tokens": u.cached_tokens,
            "completion_tokens": u.completion_tokens, "reasoning_tokens": u.reasoning_tokens,
            "tokens_per_s": round(tps, 1) if tps else None,
            "prompt_tokens_per_s": round(t["prompt_per_second"], 1) if t.get("prompt_per_second") else None,
            "cost_usd": u.cost_usd, "dialect": response.dialect, "model": response.model,
            "finish_reason": response.finish_reason}


async def _ping(spec: str, settings: dict, max_tokens: int) -> dict:
    from agent.backends import LLMRequest, Message, make_backend

    backend = make_backend(spec, **settings)
    out: dict = {"spec": backend.spec}
    try:
        plain = LLMRequest(messages=[Message(role="system", content=SYSTEM),
                                     Message(role="user", content="Reply with the single word: pong")],
                           max_tokens=max_tokens, temperature=0.0, seed=0, purpose="ping")
        structured = LLMRequest(messages=[Message(role="system", content=SYSTEM),
                                          Message(role="user", content="Which shape has six sides? Give its name "
                                                                       "and its number of sides.")],
                                output_type=PingAnswer, max_tokens=max_tokens, temperature=0.0, seed=0,
                                purpose="ping:structured")
        started = time.perf_counter()
        first = await backend.complete(plain)
        first_wall = time.perf_counter() - started
        started = time.perf_counter()
        second = await backend.complete(structured)
        second_wall = time.perf_counter() - started
        out["first_call_s"] = round(first_wall, 3)  # includes loading a local model
        model = getattr(backend, "_model", None)
        if model is not None and getattr(model, "load_s", None) is not None:
            out["model_load_s"] = model.load_s
            out["model_path"] = str(model.path)
        out["calls"] = [_row("plain", first, first_wall), _row("structured", second, second_wall)]
        out["reply"] = first.text
        out["parsed"] = second.parsed
        out["dialect"] = second.dialect
        out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    finally:
        await backend.aclose()
    return out


def main(args: argparse.Namespace) -> int:
    result = asyncio.run(_ping(args.spec, _settings(args), args.max_tokens))
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"backend   {result['spec']}")
    if "model_load_s" in result:
        print(f"model     {result['model_path']} (loaded in {result['model_load_s']:.2f}s)")
    print(f"first call {result['first_call_s']:.2f}s (includes any model load)")
    for row in result["calls"]:
        tps = f"{row['tokens_per_s']:.1f} tok/s generated" if row["tokens_per_s"] is not None else "-"
        if row["prompt_tokens_per_s"]:
            tps += f", {row['prompt_tokens_per_s']:.0f} tok/s prompt"
        extra = f", {row['reasoning_tokens']} reasoning" if row["reasoning_tokens"] else ""
        print(f"{row['call']:<11}{row['latency_s']:6.2f}s  {row['prompt_tokens']} prompt ({row['cached_tokens']} cached)"
              f" + {row['completion_tokens']} completion{extra}  {tps}"
              + (f"  ${row['cost_usd']:.6f}" if row["cost_usd"] else ""))
    print(f"reply     {result['reply'][:200]!r}")
    print(f"parsed    {json.dumps(result['parsed'])}")
    print(f"dialect   {result['dialect']}")
    print(f"peak RSS  {result['peak_rss_mb']:.0f} MB")
    sys.stdout.flush()
    return 0
