"""Polya: metacognitive problem solving with language models."""

__version__ = "0.1.0"


def __getattr__(name: str):
    # `agent.solve` / `agent.asolve` without importing langgraph for every `import agent`.
    if name in ("solve", "asolve", "RunResult"):
        from agent.loop import run

        return getattr(run, name)
    raise AttributeError(name)
