"""Reasoning models through the `openai` backend, with response shapes as such servers send them:
OpenAI o-series (hidden reasoning, counted in usage), DeepSeek-R1 (`reasoning_content`),
OpenRouter/Ollama (`reasoning`), and models that think in `<think>` blocks inside the content."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from agent.backends import LLMRequest, Message, make_backend
from agent.backends.openai_compat import is_reasoning_model
from agent.backends.structured import split_reasoning
from tests.fault_server import Fault


class Answer(BaseModel):
    answer: int


def request(**kw) -> LLMRequest:
    return LLMRequest(messages=[Message(role="user", content="6*7?")], output_type=Answer, max_tokens=256,
                      temperature=0.7, top_p=0.9, seed=3, **kw)


# As returned by OpenAI for o3-mini / o4-mini (abridged ids).
O_SERIES = {
    "id": "chatcmpl-abc", "object": "chat.completion", "created": 1735000000, "model": "o3-mini-2025-01-31",
    "choices": [{"index": 0, "finish_reason": "stop",
                 "message": {"role": "assistant", "content": '{"answer":42}', "refusal": None, "annotations": []}}],
    "usage": {"prompt_tokens": 120, "completion_tokens": 210, "total_tokens": 330,
              "prompt_tokens_details": {"cached_tokens": 64, "audio_tokens": 0},
              "completion_tokens_details": {"reasoning_tokens": 192, "audio_tokens": 0,
                                            "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}},
    "service_tier": "default", "system_fingerprint": None}

# DeepSeek-R1 (deepseek-reasoner): reasoning in `reasoning_content`, cache hits under its own names.
DEEPSEEK_R1 = {
    "id": "e1", "object": "chat.completion", "created": 1737000000, "model": "deepseek-reasoner",
    "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                 "message": {"role": "assistant", "content": '{"answer": 42}',
                             "reasoning_content": "6 times 7: 6*7 = 42."}}],
    "usage": {"prompt_tokens": 30, "completion_tokens": 80, "total_tokens": 110,
              "prompt_tokens_details": {"cached_tokens": 0}, "prompt_cache_hit_tokens": 0,
              "prompt_cache_miss_tokens": 30, "completion_tokens_details": {"reasoning_tokens": 60}},
    "system_fingerprint": "fp_x"}


async def test_o_series_request_and_usage(fault_server):
    fault_server.default = Fault(body=O_SERIES)
    b = make_backend(f"openai:o3-mini@{fault_server.base_url}", max_retries=0)
    response = await b.complete(request(reasoning_effort="low"))
    body = fault_server.requests[0].json
    assert body["max_completion_tokens"] == 256 and "max_tokens" not in body
    assert "temperature" not in body and "top_p" not in body  # o-series refuse them
    assert body["reasoning_effort"] == "low" and body["seed"] == 3
    assert response.parsed == {"answer": 42}
    u = response.usage
    assert (u.prompt_tokens, u.completion_tokens, u.reasoning_tokens, u.cached_tokens) == (120, 210, 192, 64)
    # o3-mini list price: 1.10 in, 0.55 cached in, 4.40 out per million (reasoning billed as output).
    assert u.cost_usd == pytest.approx((56 * 1.10 + 64 * 0.55 + 210 * 4.40) / 1e6)
    await b.aclose()


async def test_non_reasoning_model_keeps_sampling_and_no_effort(fault_server):
    fault_server.default = Fault.completion('{"answer": 42}')
    b = make_backend(f"openai:gpt-4o-mini@{fault_server.base_url}", max_retries=0)
    await b.complete(request(reasoning_effort="high"))
    body = fault_server.requests[0].json
    assert body["temperature"] == 0.7 and body["max_tokens"] == 256 and "reasoning_effort" not in body
    await b.aclose()


async def test_deepseek_r1_reasoning_content(fault_server):
    fault_server.default = Fault(body=DEEPSEEK_R1)
    b = make_backend(f"openai:deepseek-reasoner@{fault_server.base_url}", max_retries=0)
    response = await b.complete(request())
    assert response.parsed == {"answer": 42}
    assert response.reasoning == "6 times 7: 6*7 = 42."
    assert response.usage.reasoning_tokens == 60
    await b.aclose()


async def test_think_block_in_content_is_stripped_before_parsing(fault_server):
    content = '<think>\nLet me multiply. 6*7 is 42. Output {"answer": 41}? No.\n</think>\n\n{"answer": 42}'
    fault_server.default = Fault.completion(content)
    b = make_backend(f"openai:qwq@{fault_server.base_url}", max_retries=0)
    response = await b.complete(request())
    assert response.parsed == {"answer": 42}  # not the 41 inside the thoughts
    assert "Let me multiply" in response.reasoning and "<think>" not in response.text
    await b.aclose()


async def test_openrouter_reasoning_field_and_plain_text(fault_server):
    fault_server.default = Fault.completion("42", message={"reasoning": "quick sum"})
    b = make_backend(f"openai:some/model@{fault_server.base_url}", max_retries=0)
    response = await b.complete(LLMRequest(messages=[Message(role="user", content="6*7?")], max_tokens=8))
    assert (response.text, response.reasoning, response.parsed) == ("42", "quick sum", None)
    await b.aclose()


def test_split_reasoning_shapes():
    assert split_reasoning({"content": "<think>a</think>b"}) == ("b", "a")
    assert split_reasoning({"content": "plan</think> answer"}) == ("answer", "plan")  # template opened <think>
    assert split_reasoning({"content": "<think>never closed"}) == ("", "never closed")  # cut by max_tokens
    assert split_reasoning({"content": None, "reasoning_content": "r"}) == ("", "r")
    assert split_reasoning({"content": "x"}) == ("x", None)


def test_reasoning_model_names():
    assert all(map(is_reasoning_model, ["o1", "o3-mini", "o4-mini-2025-04-16", "openai/o3", "gpt-5-mini"]))
    assert not any(map(is_reasoning_model, ["gpt-4o", "deepseek-reasoner", "qwen2.5", "ollama"]))


async def test_reasoning_setting_forces_the_reasoning_dialect(fault_server):
    fault_server.default = Fault.completion('{"answer": 42}')
    b = make_backend(f"openai:my-r1@{fault_server.base_url}", reasoning=True, token_param="max_tokens",
                     max_retries=0)
    await b.complete(request(reasoning_effort="medium"))
    body = fault_server.requests[0].json
    assert body["max_tokens"] == 256 and body["reasoning_effort"] == "medium" and "temperature" not in body
    await b.aclose()
