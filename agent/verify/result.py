"""What every verifier returns."""

from __future__ import annotations

from pydantic import BaseModel


class VerifyResult(BaseModel):
    ok: bool                       # the verifier accepts the candidate
    verified: bool = True          # False for kinds with no exact verifier (proof, open)
    reason: str                    # "correct", or the exact reason for the rejection
    normalized: str | None = None  # the candidate as the verifier read it (steps, a sympy form, terms)
    readable: bool = True          # False when no answer could be read from the candidate at all

    @classmethod
    def correct(cls, normalized: str | None = None) -> VerifyResult:
        return cls(ok=True, reason="correct", normalized=normalized)

    @classmethod
    def reject(cls, reason: str, normalized: str | None = None) -> VerifyResult:
        return cls(ok=False, reason=reason, normalized=normalized)

    @classmethod
    def unreadable(cls, reason: str) -> VerifyResult:
        return cls(ok=False, reason=reason, readable=False)
