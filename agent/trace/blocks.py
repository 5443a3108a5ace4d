"""Prompt text stored once per trace.

Every LLM call carries its whole prompt, and most of it repeats from call to call: the system
prompt, the problem, the hints, the older part of the notebook. The writer stores each repeated
line once: a message's `content` becomes `content_parts`, a list whose items are

- a string: literal text;
- `{"def": ID, "text": T}`: a block defined here, kept for the rest of the file;
- `{"ref": [ID, ...]}`: blocks defined earlier in the same file, in order.

The message's content is the items' texts joined, in order; when the message has `content_id`,
the joined text is also a block under that ID, so a whole message seen before is one ref (the
system prompt, a repeated task); otherwise blocks are lines (each with its newline) of at least
`MIN_BLOCK` characters, and shorter lines stay literal. The request's `output_schema`, the same
for every call of a purpose, is stored once too: a later request has `output_schema_ref: ID`
instead (the first carries `output_schema_id: ID`). IDs are content hashes, so a resumed trace
that defines a block again defines it with the same text. The reader
(`agent.trace.reader`) restores `content` before anything else sees the event, so rerun, fork,
view and every report read the whole prompt as before; traces without `content_parts` (schema 1)
read unchanged.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from agent.errors import InputError

MIN_BLOCK = 24


def _block_id(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=6).hexdigest()


class BlockWriter:
    """The writer's side: which blocks this file already holds.

    Every prompt line goes through here (a 200-step run splits ~30,000 lines), so the common case
    (a line this file already defined) is one dict lookup, and a line is hashed only once."""

    def __init__(self) -> None:
        self.known: set[str] = set()
        self._text_ids: dict[str, str] = {}   # text -> ID, for texts whose ID is in `known`
        self._schemas: dict[int, tuple[Any, str]] = {}   # id(schema) -> (schema, ID): see _schema_id

    def _schema_id(self, schema: dict[str, Any]) -> str:
        # A type's schema is one shared dict (agent.backends.base._json_schema, never mutated), so
        # it is hashed once per object; the entry keeps the object alive, so its id() is not reused.
        hit = self._schemas.get(id(schema))
        if hit is None or hit[0] is not schema:
            if len(self._schemas) >= 64:        # fresh dicts each call (an odd caller): stay small
                self._schemas.clear()
            hit = self._schemas[id(schema)] = (schema, _block_id(json.dumps(schema, sort_keys=True)))
        return hit[1]

    def compress_request(self, request: dict[str, Any]) -> dict[str, Any]:
        out = dict(request)
        schema = request.get("output_schema")
        if isinstance(schema, dict):
            sid = self._schema_id(schema)
            if sid in self.known:
                del out["output_schema"]
                out["output_schema_ref"] = sid
            else:
                self.known.add(sid)
                out["output_schema_id"] = sid
        messages = request.get("messages")
        if isinstance(messages, list):
            out["messages"] = [self._message(m) for m in messages]
        return out

    def _message(self, message: Any) -> Any:
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, str) or len(content) < MIN_BLOCK:
            return message
        rest = {k: v for k, v in message.items() if k != "content"}
        whole = self._text_ids.get(content)
        if whole is None:
            whole = _block_id(content)
        if whole in self.known:
            self._text_ids[content] = whole
            return {**rest, "content_parts": [{"ref": [whole]}]}
        # the lines first: a one-line message's line has the message's own ID, and must be
        # defined, not referenced; then the reader keeps the joined text under `content_id`
        parts = self._parts(content)
        self.known.add(whole)
        self._text_ids[content] = whole
        return {**rest, "content_id": whole, "content_parts": parts}

    def _parts(self, content: str) -> list[Any]:
        parts: list[Any] = []
        refs: list[str] | None = None     # the ID list of the last part, when that part is a ref
        literal = False                   # whether the last part is literal text
        known, text_ids = self.known, self._text_ids
        for line in content.splitlines(keepends=True):
            bid = text_ids.get(line)      # only texts of MIN_BLOCK characters or more are in it
            if bid is None:
                if len(line) < MIN_BLOCK:
                    if literal:
                        parts[-1] += line
                    else:
                        parts.append(line)
                        literal, refs = True, None
                    continue
                bid = _block_id(line)
                text_ids[line] = bid
                if bid not in known:      # (an ID can be known under another text: a whole message)
                    known.add(bid)
                    parts.append({"def": bid, "text": line})
                    literal, refs = False, None
                    continue
            if refs is None:
                refs = []
                parts.append({"ref": refs})
                literal = False
            refs.append(bid)
        return parts


class BlockReader:
    """The reader's side: blocks defined so far in this file."""

    def __init__(self, *, lenient: bool = False) -> None:
        self.blocks: dict[str, Any] = {}    # ID -> text (or a schema dict)
        # lenient: a block this reader never saw becomes a placeholder, for readers that skip the
        # lines they do not need (the summary reads most llm_call lines without their prompts)
        self.lenient = lenient

    def expand_event(self, raw: dict[str, Any], where: str) -> None:
        """Restore `content` in an llm_call's request messages, in place."""
        request = raw.get("request")
        messages = request.get("messages") if isinstance(request, dict) else None
        if not isinstance(messages, list):
            return
        for message in messages:
            if isinstance(message, dict) and "content_parts" in message:
                message["content"] = self._join(message.pop("content_parts"), where)
                if "content_id" in message:
                    self.blocks[message.pop("content_id")] = message["content"]
        sid = request.pop("output_schema_id", None)
        if sid is not None:
            self.blocks[sid] = request.get("output_schema")
        ref = request.pop("output_schema_ref", None)
        if ref is not None:
            if ref not in self.blocks:
                raise InputError(f"output schema {ref!r} is used before it is defined", where=where)
            request["output_schema"] = self.blocks[ref]    # shared, not copied: readers do not mutate it

    def _join(self, parts: Any, where: str) -> str:
        if not isinstance(parts, list):
            raise InputError("content_parts must be a list", where=where)
        text: list[str] = []
        blocks = self.blocks
        for part in parts:
            if type(part) is str:
                text.append(part)
                continue
            if not isinstance(part, dict):
                raise InputError(f"a content part must be text, a def or a ref, got {part!r:.80}", where=where)
            refs = part.get("ref")
            if refs is not None:
                try:
                    if self.lenient and isinstance(refs, list):
                        text.extend([blocks.get(bid, f"[prompt block {bid} not read]") for bid in refs])
                    else:
                        text.extend([blocks[bid] for bid in refs])
                except (KeyError, TypeError):
                    missing = next((b for b in refs if b not in blocks), refs) if isinstance(refs, list) else refs
                    raise InputError(f"prompt block {missing!r} is used before it is defined "
                                     "(a trace cut at the front, or lines out of order)", where=where) from None
            elif "def" in part and isinstance(part.get("text"), str):
                blocks[part["def"]] = part["text"]
                text.append(part["text"])
            else:
                raise InputError(f"a content part must be text, a def or a ref, got {part!r:.80}", where=where)
        return "".join(text)
