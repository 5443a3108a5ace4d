"""The `openai` backend against a real HTTP server on 127.0.0.1 that the test scripts (tests/fault_server.py):
rate limits, server errors, timeouts, dropped connections, broken bodies, bad structured output.
Each case checks how many requests reached the server, then success or the typed error."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from agent.backends import LLMRequest, Message, make_backend
from agent.backends.config import register_price
from agent.errors import (
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    InvalidOutput,
    RateLimited,
    ServerError,
)
from tests.fault_server import Fault, FaultServer


class Verdict(BaseModel):
    decision: str
    progress: float


def plain(**kw) -> LLMRequest:
    return LLMRequest(messages=[Message(role="user", content="hi")], max_tokens=8, **kw)


def structured(**kw) -> LLMRequest:
    return LLMRequest(messages=[Message(role="system", content="judge"), Message(role="user", content="how far?")],
                      output_type=Verdict, max_tokens=32, **kw)


def backend(server: FaultServer, retries: int = 2, **kw):
    # Fast backoff so the tests take milliseconds; the SDK's retry loop is what runs.
    return make_backend(f"openai:fault-model@{server.base_url}", max_retries=retries, backoff_initial=0.01,
                        backoff_max=0.05, timeout=kw.pop("timeout", 5.0), **kw)


async def test_429_with_retry_after_then_success(fault_server):
    fault_server.push(Fault.error(429, "slow down", retry_after=0.3), Fault.completion("hello"))
    b = backend(fault_server)
    response = await b.complete(plain())
    assert response.text == "hello"
    assert len(fault_server.requests) == 2
    gap = fault_server.requests[1].at - fault_server.requests[0].at
    assert gap >= 0.25, "Retry-After was not honoured (backoff alone is 0.01 s)"
    await b.aclose()


async def test_retry_after_ms_is_honoured(fault_server):
    fault_server.push(Fault.error(503, retry_after_ms=250), Fault.completion("ok"))
    b = backend(fault_server)
    assert (await b.complete(plain())).text == "ok"
    assert fault_server.requests[1].at - fault_server.requests[0].at >= 0.2
    await b.aclose()


async def test_429_forever_is_rate_limited_after_retries(fault_server):
    fault_server.default = Fault.error(429, "quota", retry_after=0.01)
    b = backend(fault_server, retries=3)
    with pytest.raises(RateLimited, match="rate limited"):
        await b.complete(plain())
    assert len(fault_server.requests) == 4  # 1 + 3 retries
    await b.aclose()


async def test_500s_then_success(fault_server):
    fault_server.push(Fault.error(500), Fault.error(502), Fault.completion("fine"))
    b = backend(fault_server, retries=2)
    assert (await b.complete(plain())).text == "fine"
    assert len(fault_server.requests) == 3
    await b.aclose()


async def test_500_forever_is_server_error(fault_server):
    fault_server.default = Fault.error(500, "boom")
    b = backend(fault_server, retries=2)
    with pytest.raises(ServerError, match="boom") as info:
        await b.complete(plain())
    assert info.value.retryable
    assert len(fault_server.requests) == 3
    await b.aclose()


async def test_timeout_is_retried_then_typed(fault_server):
    fault_server.default = Fault.hang(30)
    b = backend(fault_server, retries=1, timeout=0.3)
    with pytest.raises(BackendTimeout, match="timed out"):
        await b.complete(plain())
    assert len(fault_server.requests) == 2
    await b.aclose()


async def test_dropped_connection_then_success(fault_server):
    fault_server.push(Fault.dropped(), Fault.completion("after drop"))
    b = backend(fault_server)
    assert (await b.complete(plain())).text == "after drop"
    assert len(fault_server.requests) == 2
    await b.aclose()


async def test_dropped_forever_is_server_error(fault_server):
    fault_server.default = Fault.dropped()
    b = backend(fault_server, retries=2)
    with pytest.raises(ServerError, match="connection failed"):
        await b.complete(plain())
    assert len(fault_server.requests) == 3
    await b.aclose()


async def test_connection_refused_is_unavailable():
    with FaultServer() as server:
        url = server.base_url
    b = make_backend(f"openai:m@{url}", max_retries=1, backoff_initial=0.01)  # nothing listens there now
    with pytest.raises(BackendUnavailable, match="cannot connect"):
        await b.complete(plain())
    await b.aclose()


async def test_body_that_is_not_json(fault_server):
    fault_server.push(Fault.raw('{"choices": [{"message": '))
    b = backend(fault_server)
    with pytest.raises(ServerError, match="not valid JSON"):
        await b.complete(plain())
    assert len(fault_server.requests) == 1
    await b.aclose()


async def test_empty_choice_list(fault_server):
    fault_server.push(Fault(body={"id": "x", "object": "chat.completion", "created": 0, "model": "m", "choices": []}))
    b = backend(fault_server)
    with pytest.raises(ServerError, match="no choices"):
        await b.complete(plain())
    assert len(fault_server.requests) == 1
    await b.aclose()


async def test_invalid_json_output_is_repaired_once(fault_server):
    fault_server.push(Fault.completion('{"decision": "persist", "progress": 0.4'),  # truncated
                      Fault.completion('{"decision": "persist", "progress": 0.4}'))
    b = backend(fault_server)
    response = await b.complete(structured())
    assert response.parsed == {"decision": "persist", "progress": 0.4}
    assert len(fault_server.requests) == 2
    repair = fault_server.requests[1].json["messages"]
    assert repair[-2]["role"] == "assistant" and "not valid JSON" in repair[-1]["content"]
    assert response.usage.prompt_tokens == 20  # both calls counted
    await b.aclose()


async def test_no_repair_round_when_the_request_forbids_it(fault_server):
    fault_server.push(Fault.completion('{"decision": "persist", "progress": 0.4'),
                      Fault.completion('{"decision": "persist", "progress": 0.4}'))
    b = backend(fault_server)
    with pytest.raises(InvalidOutput, match="no repair") as err:
        await b.complete(structured().model_copy(update={"repair": False}))
    assert len(fault_server.requests) == 1 and err.value.usage.prompt_tokens == 10   # its tokens still count
    await b.aclose()


async def test_schema_violation_repaired_or_typed_error(fault_server):
    fault_server.push(Fault.completion('{"decision": "persist", "progress": "far"}'),
                      Fault.completion('{"decision": "persist"}'))
    b = backend(fault_server)
    with pytest.raises(InvalidOutput, match="progress"):
        await b.complete(structured())
    assert len(fault_server.requests) == 2  # one repair attempt, no more
    assert "progress" in fault_server.requests[1].json["messages"][-1]["content"]
    await b.aclose()


async def test_prose_around_json_is_accepted(fault_server):
    fault_server.push(Fault.completion('Sure!\n```json\n{"decision": "switch", "progress": 0.1}\n```'))
    b = backend(fault_server)
    assert (await b.complete(structured())).parsed == {"decision": "switch", "progress": 0.1}
    await b.aclose()


def _reject(kinds: set[str], status: int = 400):
    """A server that refuses the given response_format types and answers the rest."""
    def respond(req):
        fmt = (req.json or {}).get("response_format") or {}
        if fmt.get("type") in kinds:
            return Fault.error(status, f"response_format type {fmt.get('type')} is not supported")
        return Fault.completion('{"decision": "persist", "progress": 0.5}')
    return respond


async def test_dialect_falls_back_to_json_object_with_schema(fault_server):
    fault_server.default = _reject({"json_schema"}, status=422)  # llama-cpp-python's server answers so
    b = backend(fault_server)
    first = await b.complete(structured())
    assert first.dialect == "json_object" and first.parsed["progress"] == 0.5
    sent = fault_server.requests[1].json
    assert sent["response_format"]["schema"]["required"] == ["decision", "progress"]
    assert "JSON schema" in sent["messages"][-1]["content"]
    assert sent["messages"][0] == {"role": "system", "content": "judge"}  # system prompt untouched (prefix cache)
    await b.complete(structured())
    assert len(fault_server.requests) == 3  # settled: no second probe
    await b.aclose()


async def test_dialect_falls_back_to_instruction(fault_server):
    fault_server.default = _reject({"json_schema", "json_object"})
    b = backend(fault_server)
    response = await b.complete(structured())
    assert response.dialect == "instruction"
    last = fault_server.requests[-1].json
    assert "response_format" not in last and '"progress"' in last["messages"][-1]["content"]
    await b.aclose()


async def test_strict_json_schema_is_sent_first(fault_server):
    fault_server.default = Fault.completion('{"decision": "persist", "progress": 0.5}')
    b = backend(fault_server)
    assert (await b.complete(structured())).dialect == "json_schema"
    fmt = fault_server.requests[0].json["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["schema"]["additionalProperties"] is False
    await b.aclose()


async def test_plain_400_is_not_retried(fault_server):
    fault_server.default = Fault.error(400, "context length exceeded")
    b = backend(fault_server)
    with pytest.raises(BackendError, match="context length") as info:
        await b.complete(plain())
    assert not info.value.retryable and len(fault_server.requests) == 1
    await b.aclose()


async def test_api_key_never_in_errors(fault_server, monkeypatch):
    secret = "sk-test-0123456789abcdefSECRET"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    # A server that echoes the key back, as some do in their 401 messages.
    fault_server.default = lambda req: Fault.error(401, f"invalid key {req.headers.get('authorization')}")
    b = make_backend(f"openai:m@{fault_server.base_url}", max_retries=0)
    assert fault_server.requests == [] and secret not in repr(b) and secret not in b.spec
    with pytest.raises(BackendUnavailable) as info:
        await b.complete(plain())
    assert fault_server.requests[0].headers["authorization"] == f"Bearer {secret}"  # it was sent...
    assert secret not in str(info.value) and secret[:12] not in str(info.value)  # ...and never shown
    await b.aclose()


async def test_sampling_settings_pass_through_and_usage(fault_server):
    register_price("fault-model", input=1.0, cached_input=0.5, output=2.0)
    fault_server.default = Fault.completion("x", usage={
        "prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100,
        "prompt_tokens_details": {"cached_tokens": 400}})
    b = backend(fault_server)
    response = await b.complete(plain(seed=7, temperature=0.2, stop=["\n"]))
    body = fault_server.requests[0].json
    assert body["seed"] == 7 and body["temperature"] == 0.2 and body["stop"] == ["\n"] and body["max_tokens"] == 8
    await b.complete(plain())
    assert "temperature" not in fault_server.requests[1].json and "seed" not in fault_server.requests[1].json
    u = response.usage
    assert (u.prompt_tokens, u.completion_tokens, u.cached_tokens) == (1000, 100, 400)
    assert u.cost_usd == pytest.approx((600 * 1.0 + 400 * 0.5 + 100 * 2.0) / 1e6)
    await b.aclose()


async def test_fault_server_forwards_to_upstream_between_faults():
    with FaultServer(Fault.completion("from upstream")) as upstream, FaultServer(upstream=upstream.url) as proxy:
        proxy.push(Fault.error(500))
        b = backend(proxy)
        assert (await b.complete(plain())).text == "from upstream"
        assert len(proxy.requests) == 2 and len(upstream.requests) == 1
        await b.aclose()


async def test_a_500_that_names_the_response_format_is_a_refusal_not_a_fault(fault_server):
    """llama-cpp-python's server (0.3.x) answers strict json_schema with HTTP 500 and a pydantic
    message; the probe must fall back at once, without spending the retry budget on it."""
    def respond(req):
        fmt = (req.json or {}).get("response_format") or {}
        if fmt.get("type") == "json_schema":
            return Fault.error(500, "1 validation error for CreateChatCompletionRequest\nresponse_format.type\n"
                                    "  Input should be 'text' or 'json_object'")
        return Fault.completion('{"decision": "persist", "progress": 0.5}')
    fault_server.default = respond
    b = backend(fault_server)
    first = await b.complete(structured())
    assert first.dialect == "json_object" and len(fault_server.requests) == 2     # no retry of the 500
    await b.complete(structured())
    assert len(fault_server.requests) == 3 and b.dialect == "json_object"         # kept for the endpoint
    await b.aclose()


async def test_a_500_that_does_not_name_the_format_is_still_retried_as_a_server_fault(fault_server):
    fault_server.push(Fault.error(500, "out of memory"), Fault.completion('{"decision": "persist", "progress": 0.5}'))
    b = backend(fault_server)
    response = await b.complete(structured())
    assert response.dialect == "json_schema" and len(fault_server.requests) == 2   # retried once, same dialect
    await b.aclose()


def test_set_reaches_the_backend_from_run_bench_and_resume(tmp_path):
    from agent.backends import register_backend
    from agent.cli import main as cli
    from tests.loop_helpers import FunctionBackend

    seen: list[dict] = []

    def factory(rest, **settings):
        seen.append(settings)
        return FunctionBackend()

    register_backend("capture", factory, replace=True)
    problem = tmp_path / "p.yaml"
    problem.write_text("id: p\nkind: countdown\nrules: digits\nnumbers: [2, 3, 7, 20, 21, 25]\ntarget: 269\n")
    trace = tmp_path / "run.jsonl"
    assert cli(["run", str(problem), "--backend", "capture", "--set", "dialect=json_object", "--set", "timeout=7",
                "--trace", str(trace), "--quiet"]) == 0
    assert seen[-1] == {"dialect": "json_object", "timeout": 7}
    suite = tmp_path / "s.yaml"
    suite.write_text("suite: s\nproblems:\n  - {id: m1, kind: countdown, rules: game24, numbers: [1, 2, 3, 4], target: 24}\n")
    assert cli(["bench", str(suite), "--policies", "random", "--backend", "capture", "--set", "max_retries=5",
                "--out", str(tmp_path / "b"), "--no-progress"]) == 0
    assert seen[-1] == {"max_retries": 5}
    lines = trace.read_text().splitlines()
    killed = tmp_path / "killed.jsonl"
    killed.write_text("\n".join(lines[:3]) + "\n")           # a run killed early
    cli(["resume", str(killed), "--backend", "capture", "--set", "timeout=9", "--trace", str(tmp_path / "r.jsonl"),
         "--quiet"])
    assert seen[-1] == {"timeout": 9}
