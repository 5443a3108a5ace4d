"""The registry (spec strings, register_backend, entry points), the scripted backend, keys and
prices from the environment and the config file, and assembling the embedded model's weights."""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel

from agent.backends import (
    LLMRequest,
    LLMResponse,
    Message,
    available_backends,
    make_backend,
    parse_spec,
    register_backend,
    unregister_backend,
)
from agent.backends import weights as weights_mod
from agent.backends.config import cost_usd, find_api_key, parse_settings, redact
from agent.backends.scripted import ScriptedBackend
from agent.cli import main as cli_main
from agent.errors import BackendError, BackendUnavailable, InputError, InvalidOutput, RateLimited

DOCS = Path(__file__).resolve().parent.parent / "docs" / "backends.md"


class Move(BaseModel):
    plan: str
    code: str = ""


def req(text: str = "hello", output_type=None, **kw) -> LLMRequest:
    return LLMRequest(messages=[Message(role="user", content=text)], output_type=output_type, **kw)


# -- registry -----------------------------------------------------------------------------------
def test_parse_spec_and_unknown_scheme():
    assert parse_spec("openai:m@http://h:1/v1") == ("openai", "m@http://h:1/v1")
    assert parse_spec("local") == ("local", "")
    with pytest.raises(InputError, match="unknown backend 'nope'"):
        make_backend("nope:x")
    with pytest.raises(InputError, match="empty"):
        make_backend("  ")


def test_openai_spec_splits_model_and_url():
    b = make_backend("openai:org/model@v2@http://127.0.0.1:9/v1")
    assert (b.model, b.base_url, b.spec) == ("org/model@v2", "http://127.0.0.1:9/v1", "openai:org/model@v2@http://127.0.0.1:9/v1")
    o = make_backend("ollama:qwen2.5-coder:1.5b")
    assert o.spec == "ollama:qwen2.5-coder:1.5b" and o.base_url.endswith(":11434/v1") and o.model == "qwen2.5-coder:1.5b"


def test_register_backend_in_code():
    made = []

    def factory(rest, **settings):
        made.append((rest, settings))
        return ScriptedBackend(["x"], spec=f"replay:{rest}")

    register_backend("replay-test", factory, "replays a trace")
    try:
        b = make_backend("replay-test:t.jsonl", strict=True)
        assert b.spec == "replay:t.jsonl" and made == [("t.jsonl", {"strict": True})]
        assert any(i.scheme == "replay-test" and i.source == "registered" for i in available_backends())
        with pytest.raises(ValueError, match="already registered"):
            register_backend("replay-test", factory)
    finally:
        unregister_backend("replay-test")
    with pytest.raises(InputError):
        make_backend("replay-test:t.jsonl")


def test_unknown_setting_is_input_error():
    with pytest.raises(InputError, match="does not take that setting"):
        make_backend("scripted:echo", colour="blue")


def _doc_example() -> str:
    text = DOCS.read_text()
    marker = text.index("<!-- example: plugin")
    return re.search(r"```python\n(.*?)```", text[marker:], re.DOTALL).group(1)


async def test_documented_plugin_works_through_an_entry_point(tmp_path, monkeypatch):
    # Install the docs' example the way pip would: a module plus a dist-info with entry_points.txt.
    (tmp_path / "my_polya_backend.py").write_text(_doc_example())
    dist = tmp_path / "my_polya_backend-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: my-polya-backend\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[polya.backends]\nshout = my_polya_backend:make_shout\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "my_polya_backend", raising=False)

    info = {i.scheme: i for i in available_backends()}["shout"]
    assert info.source == "entry point my_polya_backend:make_shout"
    b = make_backend("shout:x", suffix="?")
    response = await b.complete(req("hi there"))
    assert (b.spec, response.text) == ("shout:x", "HI THERE?")

    class Shout(BaseModel):
        shout: str

    assert (await b.complete(req("ok", Shout))).parsed == {"shout": "OK?"}


# -- scripted -------------------------------------------------------------------------------------
async def test_scripted_answers_in_order_and_records_requests():
    b = ScriptedBackend(["plain text", {"plan": "p", "code": "print(1)"}, RateLimited("later")])
    assert (await b.complete(req())).text == "plain text"
    assert (await b.complete(req("go", Move))).parsed == {"plan": "p", "code": "print(1)"}
    with pytest.raises(RateLimited):
        await b.complete(req())
    with pytest.raises(BackendError, match="no scripted answer left"):
        await b.complete(req(purpose="judge"))
    assert [r.messages[0].content for r in b.requests] == ["hello", "go", "hello", "hello"]


async def test_scripted_validates_structured_answers():
    b = ScriptedBackend([{"code": "x"}, '{"plan": "ok"}', "not json"])
    with pytest.raises(InvalidOutput, match="plan"):
        await b.complete(req("a", Move))
    assert (await b.complete(req("b", Move))).parsed == {"plan": "ok", "code": ""}
    with pytest.raises(InvalidOutput, match="not valid JSON"):
        await b.complete(req("c", Move))


async def test_scripted_function_and_specs(tmp_path):
    b = ScriptedBackend(lambda r: {"plan": r.purpose, "code": ""})
    assert (await b.complete(req(output_type=Move, purpose="move:examples"))).parsed["plan"] == "move:examples"
    assert (await make_backend("scripted:echo").complete(req("say this"))).text == "say this"
    inline = make_backend('scripted:["one", {"plan": "two"}]')
    assert (await inline.complete(req())).text == "one"
    assert (await inline.complete(req(output_type=Move))).parsed["plan"] == "two"
    f = tmp_path / "answers.jsonl"
    f.write_text('"a"\n{"plan": "b"}\n')
    from_file = make_backend(f"scripted:{f}")
    assert [(await from_file.complete(req())).text for _ in range(2)] == ["a", '{"plan": "b"}']
    with pytest.raises(InputError, match="no such file"):
        make_backend("scripted:/nonexistent.json")
    assert isinstance(await ScriptedBackend([LLMResponse(text="r")]).complete(req()), LLMResponse)


# -- keys, config, prices -----------------------------------------------------------------------
def test_keys_from_environment_and_config(tmp_path, monkeypatch):
    for var in ("OPENAI_API_KEY", "OPENROUTER_API_KEY", "DEEPSEEK_API_KEY", "POLYA_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    cfg = tmp_path / "config.toml"
    cfg.write_text('[keys]\nopenrouter = "sk-or-from-config"\n\n[backend.openai]\nmax_retries = 7\n\n'
                   '[prices."cfg-model"]\ninput = 1.0\noutput = 3.0\n')
    monkeypatch.setenv("POLYA_CONFIG", str(cfg))
    assert find_api_key("https://openrouter.ai/api/v1") == "sk-or-from-config"
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-env")
    assert find_api_key("https://openrouter.ai/api/v1") == "sk-or-env"  # environment wins
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-ds")
    assert find_api_key("https://api.deepseek.com/v1") == "sk-ds"
    assert find_api_key(None) is None
    with pytest.raises(BackendUnavailable, match="OPENAI_API_KEY"):
        make_backend("openai:gpt-4o-mini")
    local = make_backend("openai:m@http://127.0.0.1:1/v1")  # local servers need no key
    assert local.client.max_retries == 7  # from [backend.openai]
    assert make_backend("openai:m@http://127.0.0.1:1/v1", max_retries=1).client.max_retries == 1
    assert cost_usd("cfg-model", 1_000_000, 0, 1_000_000) == pytest.approx(4.0)
    assert cost_usd("gpt-4o-mini-2024-07-18", 1_000_000, 0, 0) == pytest.approx(0.15)  # dated snapshot
    assert cost_usd("unknown-model", 10**6, 0, 10**6) == 0.0


def test_bad_config_is_one_clear_error(tmp_path, monkeypatch, capsys):
    cfg = tmp_path / "config.toml"
    cfg.write_text("[backend.openai\n")
    monkeypatch.setenv("POLYA_CONFIG", str(cfg))
    assert cli_main(["ping", "openai:m@http://127.0.0.1:1/v1"]) == 2
    err = capsys.readouterr().err
    assert "config.toml" in err and "TOML" in err and "Traceback" not in err


def test_keys_refused_on_the_command_line(capsys):
    with pytest.raises(InputError, match="not taken on the command line"):
        parse_settings(["api_key=sk-123"])
    assert parse_settings(["max_retries=5", "dialect=json_object", "extra_body={\"a\": 1}"]) == {
        "max_retries": 5, "dialect": "json_object", "extra_body": {"a": 1}}
    assert cli_main(["ping", "local:small", "--set", "api_key=sk-123"]) == 2
    assert "sk-123" not in capsys.readouterr().err


def test_redact():
    key = "sk-proj-abcdefghijklmnopqrstuvwxyz"
    assert key not in redact(f"bad key {key}", key) and key[:12] not in redact(f"got {key[:12]}...", key)


# -- weights ---------------------------------------------------------------------------------------
def _fake_parts(tmp_path: Path, chunks: list[bytes], prefix: str = "polyatest_part") -> None:
    for i, chunk in enumerate(chunks, start=1):
        data = tmp_path / "site" / f"{prefix}{i}" / "data"
        data.mkdir(parents=True)
        (data.parent / "__init__.py").write_text("")
        (data / f"part{i:02d}.bin").write_bytes(chunk)


@pytest.fixture
def fake_model(tmp_path, monkeypatch):
    chunks = [b"GGUF" + bytes(range(256)) * 3, b"second part", b"third"]
    _fake_parts(tmp_path, chunks)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    w = weights_mod.ModelWeights(alias="fake", filename="fake.gguf", package_prefix="polyatest_part", parts=3,
                                 sha256=hashlib.sha256(b"".join(chunks)).hexdigest(), extra="local-fake",
                                 description="a fake model")
    monkeypatch.setitem(weights_mod.MODELS, "fake", w)
    monkeypatch.setenv("POLYA_CACHE_DIR", str(tmp_path / "cache"))
    return w, b"".join(chunks), tmp_path


def test_weights_assembled_verified_and_cached(fake_model):
    w, whole, tmp = fake_model
    path = weights_mod.ensure_model("fake")
    assert path == tmp / "cache" / "models" / "fake.gguf" and path.read_bytes() == whole
    assert [p.name for p in path.parent.iterdir()] == ["fake.gguf"]  # no temporary file left
    mtime = path.stat().st_mtime_ns
    assert weights_mod.ensure_model("fake", verify=True) == path and path.stat().st_mtime_ns == mtime  # reused
    path.write_bytes(whole[:-1])  # truncated by a crash or a disk problem: assembled again
    assert weights_mod.ensure_model("fake").read_bytes() == whole


def test_weights_hash_mismatch_is_refused(fake_model, monkeypatch):
    w, _, tmp = fake_model
    monkeypatch.setitem(weights_mod.MODELS, "fake", weights_mod.ModelWeights(**{**w.__dict__, "sha256": "0" * 64}))
    with pytest.raises(BackendUnavailable, match="sha256 .* expected 0000.*reinstall") as info:
        weights_mod.ensure_model("fake")
    assert "pip install --force-reinstall 'polya-agent[local-fake]'" in str(info.value)
    assert not any((tmp / "cache" / "models").iterdir())  # nothing half-written left behind


def test_missing_weights_name_the_install_command(monkeypatch, tmp_path):
    w = weights_mod.ModelWeights(alias="absent", filename="absent.gguf", package_prefix="polyatest_absent_part",
                                 parts=2, sha256="0" * 64, extra="local", description="an absent model")
    monkeypatch.setitem(weights_mod.MODELS, "absent", w)
    monkeypatch.setenv("POLYA_CACHE_DIR", str(tmp_path))
    with pytest.raises(BackendUnavailable, match=r"pip install 'polya-agent\[local\]'"):
        make_backend("local:absent")
    with pytest.raises(BackendUnavailable, match="unknown embedded model"):
        make_backend("local:nonesuch")
    with pytest.raises(BackendUnavailable, match="no GGUF file"):
        make_backend(f"local:{tmp_path}/missing.gguf")


def test_polya_backends_lists_schemes(capsys):
    assert cli_main(["backends"]) == 0
    out = capsys.readouterr().out
    for scheme in ("local", "openai", "ollama", "scripted"):
        assert re.search(rf"^(ok |-- ) {scheme}\b", out, re.MULTILINE)
    assert "local:small" in out
