"""Exhaustive solver for the countdown family: is it solvable, one shortest solution, how many solutions.

The search works on pools: the multiset of values on the board. A move takes two values a >= b
from the pool and puts back a op b. Pools are memoised, so the many orders that lead to the same
board are explored once.

Solution-count convention (documented in docs/problems.md):
  a solution is an ordered list of moves "a op b = c", two moves being the same when their values
  and operator are (a + b and b + a are one move; two equal numbers on the board are interchangeable);
  - digits (subset rules): the list ends at the first move that makes the target; moves with unused
    results are allowed; "x * 1" and "x / 1" are not counted (they change nothing). This reproduces
    `solutions_no_unit_moves` in problems/data/nyt_digits/solution_counts.jsonl (and, with
    `count_unit_moves=True`, `solutions_all_moves`);
  - game24 / countdown (use-all rules): the list has n - 1 moves and leaves only the target;
    every move counts (with 1 1 4 6 you must multiply by 1).
  If the target is one of the numbers under subset rules, the empty list is the one solution.
"""

from __future__ import annotations

from bisect import insort
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from agent.verify.countdown.rules import RuleSet, Value, fmt, get_rules, norm

MAX_SOLVER_NUMBERS = 7
INF = 1 << 30


@dataclass(frozen=True)
class SolveResult:
    solvable: bool
    shortest: str | None   # one shortest solution as an expression, e.g. "2 * 7 * 21 - 25"
    count: int             # number of solutions under the convention above
    steps: str | None = None  # the same solution as moves: "2 * 7 = 14; 14 * 21 = 294; 294 - 25 = 269"
    moves: int | None = None  # its number of moves


def _results(a: Value, b: Value, rules: RuleSet, unit: bool) -> list[tuple[str, Value, Value, Value]]:
    """Legal moves on a >= b as (op, left, right, result), one per distinct move."""
    out: list[tuple[str, Value, Value, Value]] = [("+", a, b, a + b)]
    if rules.positive_integers:
        if unit or b != 1:
            out.append(("*", a, b, a * b))
            if a % b == 0:
                out.append(("/", a, b, a // b))
        if a > b:
            out.append(("-", a, b, a - b))
        return out
    if unit or (a != 1 and b != 1):
        out.append(("*", a, b, a * b))
    out.append(("-", a, b, norm(a - b)))
    if a != b:
        out.append(("-", b, a, norm(b - a)))
    if b != 0 and (unit or b != 1):
        out.append(("/", a, b, norm(Fraction(a) / b)))
    if a != 0 and a != b and (unit or a != 1):
        out.append(("/", b, a, norm(Fraction(b) / a)))
    return out


def _pairs(pool: tuple[Value, ...]):
    """Distinct value pairs (a >= b) with the rest of the pool; the pool is sorted ascending, so
    equal values sit side by side and skipping repeats of a neighbour removes duplicate pairs."""
    n = len(pool)
    for i in range(n - 1):
        b = pool[i]
        if i and pool[i - 1] == b:
            continue
        for j in range(i + 1, n):
            a = pool[j]
            if j > i + 1 and pool[j - 1] == a:
                continue
            yield a, b, pool[:i] + pool[i + 1:j] + pool[j + 1:]


def _with(rest: tuple[Value, ...], c: Value) -> tuple[Value, ...]:
    lst = list(rest)
    insort(lst, c)
    return tuple(lst)


class _Search:
    """Count and shortest length for every pool reachable from the start, memoised."""

    def __init__(self, target: int, rules: RuleSet, unit: bool):
        self.target, self.rules, self.unit = target, rules, unit
        self.memo: dict[tuple[Value, ...], tuple[int, int]] = {}
        self.finish_cache: dict[Value, dict[Value, int]] = {}
        self.digits = rules.positive_integers and not rules.use_all

    def last_moves(self, x: Value, y: Value) -> int:
        """How many moves turn the pool {x, y} into the target."""
        a, b = (x, y) if x >= y else (y, x)
        return sum(1 for *_, c in _results(a, b, self.rules, self.unit) if c == self.target)

    def finishing(self, r: Value) -> dict[Value, int]:
        """For a last remaining value r: which values c make the target in one move with r, and in
        how many distinct moves. Turns the innermost level of the search into one dict lookup."""
        hit = self.finish_cache.get(r)
        if hit is None and self.digits:
            hit = self.finish_cache[r] = self._finishing_digits(r)
        if hit is None:
            t, hit = self.target, {}
            options = {t - r, t + r, r - t, t * r}
            if r != 0:
                options.add(norm(Fraction(t) / r))
            if t != 0:
                options.add(norm(Fraction(r) / t))
            for c in options:
                if self.rules.positive_integers and not (isinstance(c, int) and c > 0):
                    continue
                k = self.last_moves(c, r)
                if k:
                    hit[c] = k
            self.finish_cache[r] = hit
        return hit

    def _finishing_digits(self, r: int) -> dict[int, int]:
        """`finishing` on positive integers without Fractions (c op r or r op c == target)."""
        t, unit, out = self.target, self.unit, {}
        for c in {t - r, t + r, r - t, t * r, t // r if t % r == 0 else 0, r // t if r % t == 0 else 0}:
            if c <= 0:
                continue
            a, b = (c, r) if c >= r else (r, c)
            k = (a + b == t) + (a - b == t)
            if unit or b != 1:
                k += (a * b == t) + (a % b == 0 and a // b == t)
            if k:
                out[c] = k
        return out

    def visit(self, pool: tuple[Value, ...]) -> tuple[int, int]:
        """(number of solutions, fewest moves) from this pool of 3+ values; fewest is INF when unsolvable."""
        hit = self.memo.get(pool)
        if hit is not None:
            return hit
        if self.digits:
            return self.visit_digits(pool)
        t, subset, rules, unit = self.target, not self.rules.use_all, self.rules, self.unit
        count, best = 0, INF
        last_level = len(pool) == 3
        for a, b, rest in _pairs(pool):
            finish = self.finishing(rest[0]) if last_level else None
            for _, _, _, c in _results(a, b, rules, unit):
                if subset and c == t:
                    count += 1
                    best = 1
                elif finish is not None:
                    k = finish.get(c)
                    if k:
                        count += k
                        if best > 2:
                            best = 2
                else:
                    sub_count, sub_best = self.visit(_with(rest, c))
                    if sub_count:
                        count += sub_count
                        if best > sub_best + 1:
                            best = sub_best + 1
        self.memo[pool] = (count, best)
        return count, best

    def visit_digits(self, pool: tuple[int, ...]) -> tuple[int, int]:
        """`visit` specialised for subset rules on positive integers (Digits): the same answers,
        with the moves and the last level inlined, since this is the hot loop of the solver."""
        memo, target, unit = self.memo, self.target, self.unit
        count, best = 0, INF
        n = len(pool)
        for i in range(n - 1):
            b = pool[i]
            if i and pool[i - 1] == b:
                continue
            for j in range(i + 1, n):
                a = pool[j]
                if j > i + 1 and pool[j - 1] == a:
                    continue
                cs = [a + b]
                if a > b:
                    cs.append(a - b)
                if unit or b != 1:
                    cs.append(a * b)
                    if a % b == 0:
                        cs.append(a // b)
                if n == 3:
                    r = pool[3 - i - j]
                    finish = self.finish_cache.get(r)
                    if finish is None:
                        finish = self.finishing(r)
                    for c in cs:
                        if c == target:
                            count += 1
                            best = 1
                        else:
                            k = finish.get(c)
                            if k:
                                count += k
                                if best > 2:
                                    best = 2
                    continue
                rest = pool[:i] + pool[i + 1:j] + pool[j + 1:]
                for c in cs:
                    if c == target:
                        count += 1
                        best = 1
                        continue
                    if n == 4:  # the busiest level: place c among two sorted values by hand
                        r0, r1 = rest
                        key = (c, r0, r1) if c <= r0 else ((r0, c, r1) if c <= r1 else (r0, r1, c))
                    else:
                        lst = list(rest)
                        insort(lst, c)
                        key = tuple(lst)
                    sub = memo.get(key)
                    if sub is None:
                        sub = self.visit_digits(key)
                    if sub[0]:
                        count += sub[0]
                        if best > sub[1] + 1:
                            best = sub[1] + 1
        memo[pool] = (count, best)
        return count, best

    def fewest(self, pool: tuple[Value, ...]) -> int:
        if len(pool) == 1:
            return 0 if pool[0] == self.target else INF
        if len(pool) == 2:
            return 1 if self.last_moves(*pool) else INF
        return self.visit(pool)[1]

    def path(self, pool: tuple[Value, ...]) -> list[tuple[Value, str, Value, Value]]:
        """One shortest list of moves from `pool` (which must be solvable)."""
        moves = []
        while not (not self.rules.use_all and moves and moves[-1][3] == self.target):
            if len(pool) == 1:
                break
            want = self.fewest(pool)
            for a, b, rest in _pairs(pool):
                found = None
                for op, left, right, c in _results(a, b, self.rules, self.unit):
                    done = (c == self.target and (not self.rules.use_all or not rest))
                    if done and want == 1:
                        found = (left, op, right, c)
                        break
                    if rest and self.fewest(_with(rest, c)) == want - 1:
                        found = (left, op, right, c)
                        break
                if found:
                    moves.append(found)
                    pool = _with(rest, found[3])
                    break
            else:  # pragma: no cover - fewest() promised a path
                raise AssertionError("no move continues the shortest path")
        return moves


def _expression(numbers: list[int], moves: list[tuple[Value, str, Value, Value]]) -> str:
    """Turn moves into one expression with the fewest brackets, e.g. 2 * 7 * 21 - 25."""
    prec = {"+": 1, "-": 1, "*": 2, "/": 2}
    board: list[tuple[Value, str, int]] = [(n, str(n), 3) for n in numbers]  # value, text, precedence

    def take(v: Value) -> tuple[str, int]:
        # prefer the most recent value (an intermediate) over an unused original
        for i in range(len(board) - 1, -1, -1):
            if board[i][0] == v:
                _, text, p = board.pop(i)
                return text, p
        raise AssertionError(f"{v} is not on the board")

    text = ""
    for a, op, b, c in moves:
        ta, pa = take(a)
        tb, pb = take(b)
        if pa < prec[op]:
            ta = f"({ta})"
        if pb < prec[op] or (pb == prec[op] and op in "-/"):
            tb = f"({tb})"
        text = f"{ta} {op} {tb}"
        board.append((c, text, prec[op]))
    return text


def solve(numbers: list[int], target: int, rules: str | RuleSet, count_unit_moves: bool | None = None) -> SolveResult:
    """Exhaustive search. `count_unit_moves` overrides the rule set's counting convention."""
    rules = get_rules(rules)
    if len(numbers) > MAX_SOLVER_NUMBERS:
        raise ValueError(f"the exhaustive solver handles at most {MAX_SOLVER_NUMBERS} numbers, got {len(numbers)}")
    unit = rules.count_unit_moves if count_unit_moves is None else count_unit_moves
    pool = tuple(sorted(numbers))
    if not rules.use_all and target in pool:
        return SolveResult(True, str(target), 1, steps="", moves=0)
    if len(pool) == 1:
        ok = pool[0] == target
        return SolveResult(ok, str(target) if ok else None, int(ok), steps="" if ok else None, moves=0 if ok else None)
    search = _Search(target, rules, unit)
    count = search.visit(pool)[0] if len(pool) > 2 else search.last_moves(*pool)
    # With unit moves excluded from counting, a solution needing one (only under use-all rules)
    # still exists: find the shortest path with every legal move allowed.
    finder = search if (count or unit) else _Search(target, rules, True)
    if finder.fewest(pool) >= INF:
        return SolveResult(False, None, count)
    moves = finder.path(pool)
    steps = "; ".join(f"{fmt(a)} {op} {fmt(b)} = {fmt(c)}" for a, op, b, c in moves)
    return SolveResult(True, _expression(list(numbers), moves), count, steps=steps, moves=len(moves))


@lru_cache(maxsize=1 << 18)
def _reachable(pool: tuple[Value, ...], target: int, rules: RuleSet) -> bool:
    subset = not rules.use_all
    for a, b, rest in _pairs(pool):
        for *_, c in _results(a, b, rules, True):
            if c == target and (subset or not rest):
                return True
            if rest and _reachable(_with(rest, c), target, rules):
                return True
    return False


def reachable(numbers: list[Value], target: int, rules: str | RuleSet) -> bool:
    """Can `numbers` (e.g. the numbers left on a partial board) still make `target`? Memoised
    across calls, so the judge can ask about many partial states cheaply."""
    rules = get_rules(rules)
    pool = tuple(sorted(norm(Fraction(n)) if not isinstance(n, int) else n for n in numbers))
    if len(pool) > MAX_SOLVER_NUMBERS:
        raise ValueError(f"reachable() handles at most {MAX_SOLVER_NUMBERS} numbers, got {len(pool)}")
    if not pool:
        return False
    if target in pool and (not rules.use_all or len(pool) == 1):
        return True
    return _reachable(pool, target, rules)
