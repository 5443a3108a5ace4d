"""The real model: the in-process `local:small` backend, and the `openai` backend against the same
loaded model served by llama.cpp over HTTP on 127.0.0.1. Small token caps; structure, not quality."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import BaseModel, Field

from agent.backends import LLMRequest, Message, make_backend
from agent.backends.llamacpp import loaded_models
from agent.cli import main as cli_main
from tests.fault_server import Fault, FaultServer

pytestmark = pytest.mark.e2e

SYSTEM = "You are a careful assistant for arithmetic puzzles. Be brief."
PROBLEM = "Problem: reach 24 from the numbers 4 7 8 8 using + - * / and each number once."


class Step(BaseModel):
    idea: str = Field(description="one short idea")
    numbers_used: list[int]


def ask(user: str, output_type=None, max_tokens: int = 24) -> LLMRequest:
    return LLMRequest(messages=[Message(role="system", content=SYSTEM), Message(role="user", content=f"{PROBLEM}\n{user}")],
                      output_type=output_type, max_tokens=max_tokens, temperature=0.0, seed=1)


async def test_local_plain_completion(local_small):
    response = await local_small.backend.complete(ask("Say one word."))
    assert response.text and response.finish_reason in ("stop", "length")
    assert response.usage.prompt_tokens > 20 and 0 < response.usage.completion_tokens <= 24
    assert response.model == "qwen2.5-coder-0.5b-instruct" and response.latency_s > 0
    assert response.timings and response.timings["predicted_n"] == response.usage.completion_tokens


async def test_local_structured_output_is_validated(local_small):
    response = await local_small.backend.complete(ask("Give one idea as JSON.", Step, max_tokens=80))
    assert response.dialect == "json_schema"
    Step.model_validate(response.parsed)  # the contract: parsed validates against output_type
    assert set(response.parsed) == {"idea", "numbers_used"}


async def test_local_counts_a_prompt_exactly_before_sending_it(local_small):
    request = ask("Name one operation, in one word.", max_tokens=4)   # text: no repair round to add a prompt
    counted = await local_small.backend.count_prompt_tokens(request.messages)
    response = await local_small.backend.complete(request)
    assert counted == response.usage.prompt_tokens          # the token ceiling works with the true size


async def test_local_prefix_cache_is_hit_across_calls(local_small):
    await local_small.backend.complete(ask("First question: name one operation.", max_tokens=4))
    second = await local_small.backend.complete(ask("Second question: name a number.", max_tokens=4))
    # The system prompt and problem (about 50 tokens) are served from llama.cpp's cache.
    assert second.usage.cached_tokens >= 40


async def test_same_model_is_loaded_once_and_calls_serialise(local_small):
    other = make_backend("local:small")  # a second backend naming the same model shares it
    before = {id(m) for m in loaded_models()}
    results = await asyncio.gather(other.complete(ask("A.", max_tokens=3)),
                                   local_small.backend.complete(ask("B.", max_tokens=3)))
    assert all(r.usage.completion_tokens > 0 for r in results)
    assert {id(m) for m in loaded_models()} == before


async def test_openai_backend_against_llamacpp_server(local_small):
    b = make_backend(f"openai:small@{local_small.base_url}", max_retries=0, timeout=120)
    plain = await b.complete(ask("Say one word."))
    assert plain.text and plain.usage.prompt_tokens > 20 and plain.usage.completion_tokens > 0
    structured = await b.complete(ask("Give one idea as JSON.", Step, max_tokens=80))
    assert structured.dialect == "json_schema"  # llama.cpp's server takes strict json_schema
    Step.model_validate(structured.parsed)
    assert structured.usage.cached_tokens > 0 and structured.usage.cost_usd == 0.0
    await b.aclose()


async def test_fault_injected_between_real_calls(local_small):
    upstream = local_small.base_url.removesuffix("/v1")
    with FaultServer(upstream=upstream) as proxy:
        proxy.push(Fault.error(503, retry_after=0.05))
        b = make_backend(f"openai:small@{proxy.base_url}", max_retries=1, timeout=120)
        response = await b.complete(ask("Say one word.", max_tokens=3))
        assert response.usage.completion_tokens > 0 and len(proxy.requests) == 2
        await b.aclose()


def test_polya_ping_openai_against_llamacpp_server(local_small, capsys):
    assert cli_main(["ping", f"openai:local@{local_small.base_url}", "--max-tokens", "40", "--json"]) == 0
    import json

    out = json.loads(capsys.readouterr().out)
    assert out["dialect"] == "json_schema" and isinstance(out["parsed"]["sides"], int)
    assert [c["call"] for c in out["calls"]] == ["plain", "structured"]
    assert all(c["completion_tokens"] > 0 for c in out["calls"])


def test_polya_ping_local_small(local_small, capsys):
    assert cli_main(["ping", "local:small", "--max-tokens", "40"]) == 0
    out = capsys.readouterr().out
    assert "dialect   json_schema" in out and "tok/s generated" in out and "cached)" in out
