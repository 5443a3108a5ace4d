"""Read a Polya trace with nothing but the standard library: one line per step (move, attack, key
finding, verifier, judge), then totals. Streams the file, so any size works; skips a torn last line;
reads a gzipped trace (`NAME.jsonl.gz`, as in docs/results) the same way.

    python docs/examples/read_trace.py traces/examples/nyt-269-local-small.jsonl
"""

from __future__ import annotations

import gzip
import json
import sys
from collections import defaultdict

READABLE_VERSIONS = (1, 2)


def events(path):
    blocks = {}                          # prompt blocks defined so far in this file
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                if not line.endswith("\n"):          # the run was killed mid-write: use the rest
                    print(f"(line {lineno} is torn; ignored)", file=sys.stderr)
                    return
                raise
            if event.get("schema_version") not in READABLE_VERSIONS:
                raise SystemExit(f"{path}:{lineno}: schema_version {event.get('schema_version')}, expected one of {READABLE_VERSIONS}")
            if event["type"] == "llm_call":
                restore_prompts(event, blocks)
            yield event


def restore_prompts(event, blocks):
    """Schema 2 stores repeated prompt lines once per file (docs/traces.md, "Prompt blocks"): put
    each message's `content` back from its `content_parts`, and the request's output schema."""
    request = event["request"]
    for message in request.get("messages", []):
        if "content_parts" in message:
            text = []
            for part in message.pop("content_parts"):
                if isinstance(part, str):
                    text.append(part)
                elif "def" in part:
                    blocks[part["def"]] = part["text"]
                    text.append(part["text"])
                else:
                    text.extend(blocks[ref] for ref in part["ref"])
            message["content"] = "".join(text)
            if "content_id" in message:
                blocks[message.pop("content_id")] = message["content"]
    if "output_schema_id" in request:
        blocks[request.pop("output_schema_id")] = request.get("output_schema")
    if "output_schema_ref" in request:
        request["output_schema"] = blocks[request.pop("output_schema_ref")]


def main(path: str) -> None:
    tokens = defaultdict(int)            # step -> prompt + completion tokens
    paid = replayed = 0
    end = None
    for e in events(path):
        kind = e["type"]
        if kind == "run_start":
            print(f"{e['problem']['id']}: backend {e['backend']}, policy {e['policy']}, seed {e['seed']}")
        elif kind == "llm_call":
            usage = (e.get("response") or {}).get("usage", {})
            tokens[e["step"]] += usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0)
            replayed += e["replayed"]
            paid += not e["replayed"]
        elif kind == "move_end":
            f = e["findings"]
            found = (f["candidates"] or f["counterexamples"] or f["conjectures"] or f["examples"] or f["facts"] or ["-"])[0]
            print(f"step {e['step']:>2} {e['move']:<15} [{e['attack_id']}] +{e['new_findings']} {found[:60]}")
        elif kind == "verification":
            print(f"         verifier {e['candidate']!r}: {'correct' if e['ok'] else e['reason']}")
        elif kind == "verdict":
            print(f"         judge {e['decision']} progress {e['progress']:.2f}  ({tokens[e['step']]} tokens this step)")
        elif kind == "run_end":
            end = e
    if end is None:
        print("run did not finish (no run_end): `polya resume` continues it")
    else:
        used = end["used"]
        print(f"status {end['status']} answer {end['answer']} | {used['steps']} steps, {used['llm_calls']} LLM calls "
              f"({paid} paid, {replayed} replayed), {used['prompt_tokens'] + used['completion_tokens']} tokens, "
              f"{used['wall_s']:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1])
