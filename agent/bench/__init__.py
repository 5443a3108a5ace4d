"""`polya bench`: run suites x policies under one backend and one per-problem budget, append one
result row per finished run to a JSONL file (resumable), and summarise: table, CSV, plot, HTML,
and judge calibration for countdown-family problems."""

from agent.bench.results import ResultRow, read_rows
from agent.bench.runner import BenchConfig, Task, plan_tasks, run_bench
from agent.bench.summary import PolicySummary, summarize

__all__ = ["BenchConfig", "PolicySummary", "ResultRow", "Task", "plan_tasks", "read_rows", "run_bench", "summarize"]
