"""Error types shared by every part of Polya.

The CLI maps `InputError` (and subclasses) to one clear message and exit status 2. Backend errors
are recorded in traces and shown to the judge; anything else is a bug in Polya and raises.
"""

from __future__ import annotations


class PolyaError(Exception):
    """Base class for errors Polya reports to the user instead of raising a traceback."""

    exit_code = 1


class InputError(PolyaError):
    """Bad input from the user: a problem file, a config, a trace, a CLI argument. Exit status 2.

    `where` names the file (and field or position) so the message can point at it.
    """

    exit_code = 2

    def __init__(self, message: str, where: str | None = None):
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class BackendError(PolyaError):
    """A model backend failed after its retries. `retryable` says whether trying later may help.

    `usage` holds what the failed call(s) still cost (e.g. a reply cut off mid-JSON and its repair),
    so budgets count tokens that were spent even when no answer came back."""

    retryable = False

    def __init__(self, message: str = "", *, usage=None):
        super().__init__(message)
        self.usage = usage


class BackendUnavailable(BackendError):
    """The backend cannot be used here at all (weights missing, wheel unsupported, bad spec)."""


class BackendTimeout(BackendError):
    retryable = True


class RateLimited(BackendError):
    retryable = True


class ServerError(BackendError):
    retryable = True


class InvalidOutput(BackendError):
    """The model's output could not be parsed or did not match the requested schema, even after repair."""


class BudgetExceeded(PolyaError):
    """Raised inside the loop when a budget guard trips; the run ends with status `budget`."""


class AnswerReserve(BudgetExceeded):
    """A call other than an answer attempt would spend the tokens the loop keeps for its answer.
    The loop catches it and attempts; anything else sees a BudgetExceeded."""


class ReplayDivergence(PolyaError):
    """A rerun asked for something the recorded trace does not hold at this point."""

    exit_code = 1
