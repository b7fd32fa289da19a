"""The condition language: tokenizer, recursive-descent parser, compiler to closures.

Three-valued (Kleene) logic: every condition evaluates to True, False or None (unknown).

Grammar::

    expr    := or_expr
    or_expr := and_expr ("or" and_expr)*
    and_expr:= not_expr ("and" not_expr)*
    not_expr:= "not" not_expr | compare
    compare := operand [ ("==" | "!=" | "<" | "<=" | ">" | ">=") operand
                       | "in" list | "has" string ]
    operand := "(" expr ")" | IDENT | NUMBER | DURATION | STRING | "true" | "false"
    list    := "[" [literal ("," literal)* [","]] "]"

A bare finding id means "answered yes". Identifiers `age_years`, `age_months`, `age_days` and `sex`
are context variables; every other identifier is a finding id.

Evaluation environment: a mapping from finding id / context name to value. A missing key (or
None) is unknown. Closures take `(env, escalated)`: `escalated` is the set of findings whose "don't
know" has been given twice; an atom on such a finding takes the value that makes the whole
condition true (it is compiled knowing whether it sits under an odd number of `not`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from vardlots.triage.model import DAYS_PER_MONTH, DAYS_PER_YEAR, DURATION_UNIT_HOURS

CONTEXT_VARIABLES: Final = frozenset({"age_years", "age_months", "age_days", "sex"})
KEYWORDS: Final = frozenset({"and", "or", "not", "in", "has", "true", "false"})
COMPARE_OPS: Final = ("==", "!=", "<=", ">=", "<", ">")

TV = bool | None  # three-valued truth
Env = Mapping[str, Any]
Evaluator = Callable[[Env, Collection[str]], TV]
PendingFn = Callable[[Env, Collection[str], list[str]], TV]


class ExpressionError(ValueError):
    """A condition that does not parse. `position` is a 0-based character offset."""

    def __init__(self, message: str, source: str, position: int, where: str = "") -> None:
        self.message = message
        self.source = source
        self.position = position
        self.where = where
        pointer = " " * position + "^"
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}{message} at column {position + 1}\n    {source}\n    {pointer}")


# ----------------------------------------------------------------------------------------------
# Tokens
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # ident, number, duration, string, op, lpar, rpar, lbr, rbr, comma, kw, end
    value: Any
    pos: int


_TOKEN_RE: Final = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<duration>\d+(?:\.\d+)?(?:min|h|d|w)\b)
  | (?P<number>-?\d+(?:\.\d+)?)(?![A-Za-z_])
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<string>'[^']*'|"[^"]*")
  | (?P<op>==|!=|<=|>=|<|>)
  | (?P<lpar>\()
  | (?P<rpar>\))
  | (?P<lbr>\[)
  | (?P<rbr>\])
  | (?P<comma>,)
    """,
    re.VERBOSE,
)
_DURATION_SPLIT: Final = re.compile(r"(\d+(?:\.\d+)?)(min|h|d|w)")


def tokenize(source: str, where: str = "") -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(source):
        m = _TOKEN_RE.match(source, pos)
        if not m:
            raise ExpressionError(f"unexpected character {source[pos]!r}", source, pos, where)
        kind = m.lastgroup
        text = m.group()
        assert kind is not None
        if kind == "ws":
            pass
        elif kind == "duration":
            dm = _DURATION_SPLIT.fullmatch(text)
            assert dm is not None
            tokens.append(Token("duration", float(dm.group(1)) * DURATION_UNIT_HOURS[dm.group(2)], pos))
        elif kind == "number":
            tokens.append(Token("number", float(text), pos))
        elif kind == "ident":
            if text in KEYWORDS:
                tokens.append(Token("kw", text, pos))
            elif text in ("AND", "OR", "NOT"):
                raise ExpressionError(f"write {text.lower()!r} in lower case", source, pos, where)
            else:
                tokens.append(Token("ident", text, pos))
        elif kind == "string":
            tokens.append(Token("string", text[1:-1], pos))
        else:
            tokens.append(Token(kind, text, pos))
        pos = m.end()
    tokens.append(Token("end", None, len(source)))
    return tokens


# ----------------------------------------------------------------------------------------------
# AST
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Lit:
    value: Any  # float, str, bool, tuple (list literal)
    kind: str  # number, duration, string, bool, list
    pos: int


@dataclass(frozen=True, slots=True)
class Ref:
    name: str
    pos: int

    @property
    def is_context(self) -> bool:
        return self.name in CONTEXT_VARIABLES


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node
    pos: int


@dataclass(frozen=True, slots=True)
class BoolOp:
    op: str  # and | or
    operands: tuple[Node, ...]
    pos: int


@dataclass(frozen=True, slots=True)
class Compare:
    op: str  # == != < <= > >= in has
    left: Node
    right: Node
    pos: int


Node = Lit | Ref | Not | BoolOp | Compare


class _Parser:
    def __init__(self, source: str, where: str) -> None:
        self.source = source
        self.where = where
        self.tokens = tokenize(source, where)
        self.i = 0

    def error(self, message: str, tok: Token | None = None) -> ExpressionError:
        t = tok or self.tokens[self.i]
        return ExpressionError(message, self.source, t.pos, self.where)

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def at_kw(self, word: str) -> bool:
        t = self.peek()
        return t.kind == "kw" and t.value == word

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise self.error("empty condition")
        node = self.or_expr()
        if self.peek().kind != "end":
            t = self.peek()
            raise self.error(f"unexpected {t.value!r}; expected 'and', 'or' or the end", t)
        return node

    def or_expr(self) -> Node:
        first = self.peek()
        items = [self.and_expr()]
        while self.at_kw("or"):
            self.take()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else BoolOp("or", tuple(items), first.pos)

    def and_expr(self) -> Node:
        first = self.peek()
        items = [self.not_expr()]
        while self.at_kw("and"):
            self.take()
            items.append(self.not_expr())
        return items[0] if len(items) == 1 else BoolOp("and", tuple(items), first.pos)

    def not_expr(self) -> Node:
        if self.at_kw("not"):
            t = self.take()
            if self.at_kw("in"):
                raise self.error("'not in' is not supported; write 'not (x in [...])'")
            return Not(self.not_expr(), t.pos)
        return self.compare()

    def compare(self) -> Node:
        left = self.operand()
        t = self.peek()
        if t.kind == "op":
            self.take()
            right = self.operand()
            return Compare(t.value, left, right, t.pos)
        if t.kind == "kw" and t.value == "in":
            self.take()
            lst = self.list_literal()
            return Compare("in", left, lst, t.pos)
        if t.kind == "kw" and t.value == "has":
            self.take()
            s = self.take()
            if s.kind != "string":
                raise self.error("'has' needs a quoted option id, e.g. has 'face'", s)
            return Compare("has", left, Lit(s.value, "string", s.pos), t.pos)
        return left

    def operand(self) -> Node:
        t = self.take()
        if t.kind == "lpar":
            node = self.or_expr()
            close = self.take()
            if close.kind != "rpar":
                raise self.error("missing ')'", close)
            return node
        if t.kind == "ident":
            return Ref(t.value, t.pos)
        if t.kind in ("number", "duration", "string"):
            return Lit(t.value, t.kind, t.pos)
        if t.kind == "kw" and t.value in ("true", "false"):
            return Lit(t.value == "true", "bool", t.pos)
        if t.kind == "lbr":
            self.i -= 1
            return self.list_literal()
        if t.kind == "end":
            raise self.error("condition ends too early", t)
        raise self.error(f"unexpected {t.value!r}", t)

    def list_literal(self) -> Lit:
        t = self.take()
        if t.kind != "lbr":
            raise self.error("expected a list like ['a', 'b']", t)
        values: list[Any] = []
        kinds: set[str] = set()
        while self.peek().kind != "rbr":
            v = self.take()
            if v.kind not in ("string", "number", "duration"):
                raise self.error("a list may only hold quoted strings or numbers", v)
            values.append(v.value)
            kinds.add(v.kind)
            if self.peek().kind == "comma":
                self.take()
            elif self.peek().kind != "rbr":
                raise self.error("expected ',' or ']'")
        self.take()
        if len(kinds) > 1:
            raise self.error("a list must not mix strings and numbers", t)
        return Lit(tuple(values), "list", t.pos)


# ----------------------------------------------------------------------------------------------
# Compilation
# ----------------------------------------------------------------------------------------------


def _context_scale(name: str) -> float:
    """Factor from hours (duration literal) to the unit of a context variable."""
    return {"age_days": 1 / 24, "age_months": 1 / (24 * DAYS_PER_MONTH),
            "age_years": 1 / (24 * DAYS_PER_YEAR)}.get(name, 1.0)


def _literal_value(lit: Lit, other: Node) -> Any:
    if lit.kind == "duration" and isinstance(other, Ref) and other.is_context:
        return lit.value * _context_scale(other.name)
    return lit.value


def _norm(v: Any) -> Any:
    """Normalise a stored value for comparison with a literal."""
    if isinstance(v, bool):
        return "yes" if v else "no"
    return v


def _compile(node: Node, positive: bool) -> Evaluator:
    if isinstance(node, BoolOp):
        parts = tuple(_compile(n, positive) for n in node.operands)
        if node.op == "and":
            def and_(env: Env, esc: Collection[str]) -> TV:
                result: TV = True
                for p in parts:
                    v = p(env, esc)
                    if v is False:
                        return False
                    if v is None:
                        result = None
                return result
            return and_

        def or_(env: Env, esc: Collection[str]) -> TV:
            result: TV = False
            for p in parts:
                v = p(env, esc)
                if v is True:
                    return True
                if v is None:
                    result = None
            return result
        return or_

    if isinstance(node, Not):
        inner = _compile(node.operand, not positive)

        def not_(env: Env, esc: Collection[str]) -> TV:
            v = inner(env, esc)
            return None if v is None else not v
        return not_

    if isinstance(node, Ref):
        name = node.name
        if node.is_context:
            def ctx_truth(env: Env, esc: Collection[str]) -> TV:
                v = env.get(name)
                return None if v is None else bool(v)
            return ctx_truth

        def ref(env: Env, esc: Collection[str]) -> TV:
            v = env.get(name)
            if v is None:
                return positive if esc and name in esc else None
            if v is True:
                return True
            if v is False:
                return False
            if isinstance(v, frozenset):
                return bool(v)
            return None if v == "unknown" else bool(v)
        return ref

    if isinstance(node, Lit):
        const = bool(node.value)

        def lit(env: Env, esc: Collection[str]) -> TV:
            return const
        return lit

    # Compare
    return _compile_compare(node, positive)


def _compile_compare(node: Compare, positive: bool) -> Evaluator:
    op = node.op
    left, right = node.left, node.right
    # Put the finding/context reference on the left when the literal was written first.
    if isinstance(left, Lit) and isinstance(right, Ref) and op in COMPARE_OPS:
        left, right = right, left
        op = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(op, op)

    def operand_getter(n: Node, other: Node) -> tuple[Callable[[Env], Any], str | None]:
        if isinstance(n, Ref):
            nm = n.name
            return (lambda env: env.get(nm)), (None if n.is_context else nm)
        if isinstance(n, Lit):
            val = _literal_value(n, other)
            if isinstance(val, tuple):
                val = frozenset(val)
            return (lambda env: val), None
        sub = _compile(n, positive)
        return (lambda env: sub(env, ())), None

    get_l, name_l = operand_getter(left, right)
    get_r, name_r = operand_getter(right, left)
    names = tuple(n for n in (name_l, name_r) if n)

    test: Callable[[Any, Any], bool]
    if op == "==":
        def test(a: Any, b: Any) -> bool:
            return bool(_norm(a) == _norm(b))
    elif op == "!=":
        def test(a: Any, b: Any) -> bool:
            return bool(_norm(a) != _norm(b))
    elif op == "<":
        def test(a: Any, b: Any) -> bool:
            return bool(a < b)
    elif op == "<=":
        def test(a: Any, b: Any) -> bool:
            return bool(a <= b)
    elif op == ">":
        def test(a: Any, b: Any) -> bool:
            return bool(a > b)
    elif op == ">=":
        def test(a: Any, b: Any) -> bool:
            return bool(a >= b)
    elif op == "in":
        def test(a: Any, b: Any) -> bool:
            if isinstance(a, frozenset):  # multi_choice: any of
                return bool(a & b)
            return _norm(a) in b
    else:  # has
        def test(a: Any, b: Any) -> bool:
            if isinstance(a, frozenset):
                return b in a
            return bool(a == b)

    def compare(env: Env, esc: Collection[str]) -> TV:
        a = get_l(env)
        b = get_r(env)
        if a is None or b is None:
            if esc:
                for nm in names:
                    if nm in esc:
                        return positive
            return None
        try:
            return test(a, b)
        except TypeError:
            return None
    return compare


@dataclass(frozen=True)
class Expression:
    """A parsed and compiled condition."""

    source: str
    ast: Node
    findings: tuple[str, ...]  # referenced finding ids, left to right, unique
    evaluate: Evaluator = field(repr=False, compare=False)
    _pending: PendingFn = field(repr=False, compare=False)

    def __call__(self, env: Env, escalated: Collection[str] = ()) -> TV:
        return self.evaluate(env, escalated)

    def pending(self, env: Env, escalated: Collection[str] = ()) -> tuple[TV, list[str]]:
        """The value and the unanswered findings that could still decide it, left to right."""
        out: list[str] = []
        value = self._pending(env, escalated, out)
        return value, out


def parse(source: str, where: str = "") -> Expression:
    """Parse and compile `source`; raises ExpressionError with `where` in the message."""
    if not isinstance(source, str):
        raise ExpressionError("a condition must be a string", str(source), 0, where)
    ast = _Parser(source, where).parse()
    return Expression(
        source, ast, referenced_findings(ast), _compile(ast, True), _compile_pending(ast, True)
    )


def referenced_findings(node: Node) -> tuple[str, ...]:
    """Finding ids referenced by the expression, left to right, without repeats."""
    out: list[str] = []

    def walk(n: Node) -> None:
        if isinstance(n, Ref):
            if not n.is_context and n.name not in out:
                out.append(n.name)
        elif isinstance(n, Not):
            walk(n.operand)
        elif isinstance(n, BoolOp):
            for c in n.operands:
                walk(c)
        elif isinstance(n, Compare):
            walk(n.left)
            walk(n.right)

    walk(node)
    return tuple(out)


def iter_nodes(node: Node) -> list[Node]:
    out: list[Node] = [node]
    if isinstance(node, Not):
        out += iter_nodes(node.operand)
    elif isinstance(node, BoolOp):
        for c in node.operands:
            out += iter_nodes(c)
    elif isinstance(node, Compare):
        out += iter_nodes(node.left) + iter_nodes(node.right)
    return out


def _compile_pending(node: Node, positive: bool) -> PendingFn:
    """Like `_compile`, but also appends the findings of unknown subtrees that could still decide
    the value (left to right): in `a and b` with `a` false nothing is pending."""
    if isinstance(node, BoolOp):
        parts = tuple(_compile_pending(n, positive) for n in node.operands)
        is_and = node.op == "and"
        stop = not is_and  # and stops on False, or stops on True

        def boolop(env: Env, esc: Collection[str], out: list[str]) -> TV:
            bufs: list[list[str]] = []
            unknown = False
            for p in parts:
                buf: list[str] = []
                v = p(env, esc, buf)
                if v is stop:
                    return stop
                if v is None:
                    unknown = True
                    bufs.append(buf)
            if not unknown:
                return not stop
            for buf in bufs:
                for f in buf:
                    if f not in out:
                        out.append(f)
            return None
        return boolop

    if isinstance(node, Not):
        inner = _compile_pending(node.operand, not positive)

        def not_(env: Env, esc: Collection[str], out: list[str]) -> TV:
            v = inner(env, esc, out)
            return None if v is None else not v
        return not_

    evaluate = _compile(node, positive)
    names = referenced_findings(node)

    def atom(env: Env, esc: Collection[str], out: list[str]) -> TV:
        v = evaluate(env, esc)
        if v is None:
            for f in names:
                if env.get(f) is None and f not in out:
                    out.append(f)
        return v
    return atom
