"""One session per article, as in a notebook: which earlier blocks a block needs.

The reference is a notebook: every block above a block runs before it, in
one namespace. A block above may be left out only when leaving it out cannot
change a result, and that is decided from its code alone (``ast``, as
knitr's ``autodep`` does, but conservative):

- A *quiet* block only binds names: imports, constants, literal data,
  functions and classes, calls of pure builtins (``print``, ``len``, ...)
  and of NumPy-like modules for their value (``x = np.array(...)``). It
  changes no object, no global state and makes no Keras object (so it takes
  no layer name). A quiet block is needed only when a block that runs reads
  a name it binds (also inside that block's functions, which may be called
  later).
- Every other block may change what later blocks see (``model.fit(...)``,
  an alias trained, a helper called, ``np.set_printoptions``, a layer made,
  whose name counts on): every block below needs it.

A block whose first line is ``# rnn-figures: skip`` is neither run nor
needed (a block that downloads a dataset, say). A block that does not parse
is needed like any other block that is not quiet (it fails on its own).
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .prelude import PRELUDE_MODULES

SKIP_MARKER = "# rnn-figures: skip"
BUILTINS = frozenset(dir(builtins))
FUNCTION_LIKE = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
# Builtins whose call changes nothing the blocks below can see.
PURE_BUILTINS = frozenset(
    [
        "print",
        "len",
        "range",
        "list",
        "tuple",
        "dict",
        "set",
        "frozenset",
        "str",
        "int",
        "float",
        "bool",
        "complex",
        "zip",
        "enumerate",
        "sorted",
        "reversed",
        "min",
        "max",
        "sum",
        "abs",
        "round",
        "isinstance",
        "issubclass",
        "repr",
        "format",
        "any",
        "all",
        "divmod",
        "pow",
        "chr",
        "ord",
        "hex",
        "bin",
        "oct",
        "hash",
        "id",
        "type",
        "slice",
    ]
)
# Modules whose functions, called for their value, change nothing and make no Keras object.
PURE_MODULES = frozenset(
    [
        "numpy",
        "math",
        "random",
        "string",
        "re",
        "itertools",
        "collections",
        "json",
        "functools",
        "operator",
        "statistics",
    ]
)
# Names that read or change a namespace in ways no analysis follows.
DYNAMIC = frozenset({"eval", "exec", "globals", "locals", "vars", "__import__", "compile"})


@dataclass
class CodeBlock:
    """A fenced Python block of the article."""

    code: str
    fence_line: int

    @property
    def first_line(self) -> int:
        return self.fence_line + 1

    @property
    def skipped(self) -> bool:
        return self.code.lstrip().startswith(SKIP_MARKER)


@dataclass
class Names:
    """What a block reads from above, what it binds, and whether it is quiet."""

    needs: set[str] = field(default_factory=set)  # read before bound, also in its functions
    defines: set[str] = field(default_factory=set)
    quiet: bool = False  # only binds names: see the module's docstring
    dynamic: bool = False  # eval, globals(), ...: it may read any name

    def to_json(self) -> list[Any]:
        return [sorted(self.needs), sorted(self.defines), self.quiet, self.dynamic]

    @classmethod
    def from_json(cls, data: list[Any]) -> Names:
        needs, defines, quiet, dynamic = data
        return cls(set(needs), set(defines), bool(quiet), bool(dynamic))


def _target_names(target: ast.AST) -> set[str]:
    """Names an assignment target binds (``x.a = ...``, ``x[0] = ...`` bind none)."""
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    if isinstance(target, ast.Tuple | ast.List):
        return set().union(*(_target_names(element) for element in target.elts))
    return set()


def _runs_now(node: ast.AST) -> Iterator[ast.AST]:
    """The nodes under ``node`` that run when it runs: not the bodies of the
    functions it defines (a class body runs; its methods' bodies do not)."""
    todo: list[ast.AST] = [node]
    while todo:
        current = todo.pop()
        yield current
        if isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef):
            evaluated = [*current.decorator_list, *current.args.defaults, *current.args.kw_defaults]
            todo += [n for n in [*evaluated, current.returns] if n is not None]
        elif isinstance(current, ast.Lambda):
            todo += [n for n in [*current.args.defaults, *current.args.kw_defaults] if n is not None]
        else:
            todo += [child for child in ast.iter_child_nodes(current) if child is not None]


def _bound_by(node: ast.AST) -> set[str]:
    """Names a statement binds when it runs (not inside the functions it defines)."""
    bound: set[str] = set()
    for child in _runs_now(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(child.name)
        elif isinstance(child, ast.Import | ast.ImportFrom):
            bound |= {alias.asname or alias.name.split(".")[0] for alias in child.names if alias.name != "*"}
        elif isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store | ast.Del):
            bound.add(child.id)
        elif isinstance(child, ast.ExceptHandler) and child.name:
            bound.add(child.name)
    return bound


def _function_locals(function: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> set[str]:
    """A function's parameters and the names its body binds (not its ``global``
    ones): ``rng.integers(n)`` in its body reads the outer ``rng``."""
    arguments = function.args
    local = {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]}
    local |= {extra.arg for extra in (arguments.vararg, arguments.kwarg) if extra is not None}
    if isinstance(function, ast.Lambda):
        return local
    declared: set[str] = set()
    for statement in function.body:
        local |= _bound_by(statement)
        declared |= {n for node in _runs_now(statement) if isinstance(node, ast.Global) for n in node.names}
    return local - declared


def _loads(nodes: Iterable[ast.AST]) -> set[str]:
    """The names read among ``nodes`` (``x += 1`` reads ``x``)."""
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            found.add(node.id)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            found.add(node.target.id)
    return found


def _late_reads(statement: ast.stmt) -> set[str]:
    """The outer names the functions a statement defines read (when called)."""
    reads: set[str] = set()
    for node in ast.walk(statement):
        if isinstance(node, FUNCTION_LIKE):
            inner = _function_locals(node)
            comprehension = {
                n
                for sub in ast.walk(node)
                if isinstance(sub, ast.comprehension)
                for n in _target_names(sub.target)
            }
            reads |= _loads(ast.walk(node)) - inner - comprehension
    return reads


def _reads_now(statement: ast.stmt) -> set[str]:
    """The names a statement reads when it runs (comprehension variables are its own)."""
    nodes = list(_runs_now(statement))
    own = {n for node in nodes if isinstance(node, ast.comprehension) for n in _target_names(node.target)}
    return _loads(nodes) - own


def _read(expression: ast.AST | None, names: Names) -> None:
    if expression is not None:
        reads = {
            n.id for n in _runs_now(expression) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
        }
        names.needs |= reads - names.defines - BUILTINS


def _visit(statements: list[ast.stmt], names: Names) -> None:
    """Statements in order: what each reads before the block has bound it."""
    for statement in statements:
        names.needs |= _late_reads(statement) - names.defines - BUILTINS
        if isinstance(statement, ast.For | ast.AsyncFor):
            _read(statement.iter, names)
            names.defines |= _target_names(statement.target)
            _visit(statement.body + statement.orelse, names)
        elif isinstance(statement, ast.While | ast.If):
            _read(statement.test, names)
            _visit(statement.body + statement.orelse, names)
        elif isinstance(statement, ast.With | ast.AsyncWith):
            for item in statement.items:
                _read(item.context_expr, names)
                names.defines |= _target_names(item.optional_vars) if item.optional_vars else set()
            _visit(statement.body, names)
        elif isinstance(statement, ast.Try):
            _visit(statement.body, names)
            for handler in statement.handlers:
                _read(handler.type, names)
                names.defines |= {handler.name} if handler.name else set()
                _visit(handler.body, names)
            _visit(statement.orelse + statement.finalbody, names)
        else:
            names.needs |= _reads_now(statement) - names.defines - BUILTINS
            names.defines |= _bound_by(statement)


def names_of(code: str) -> Names:
    """What a block reads from the blocks above it, what it binds, whether it is quiet."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return Names()
    names = Names()
    _visit(tree.body, names)
    every_name = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    names.dynamic = bool(every_name & DYNAMIC)
    names.quiet = not names.dynamic and is_quiet(tree, names)
    return names


def _module_aliases(tree: ast.Module) -> set[str]:
    """The names the block or the prelude give pure modules."""
    aliases = {name for name, module in PRELUDE_MODULES.items() if module.split(".")[0] in PURE_MODULES}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            aliases |= {a.asname or a.name for a in node.names if a.name.split(".")[0] in PURE_MODULES}
    return aliases | (PURE_MODULES & {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)})


def _root(node: ast.AST) -> ast.AST:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node


def is_quiet(tree: ast.Module, names: Names) -> bool:
    """Whether running the block only binds names (see the module's docstring)."""
    modules = _module_aliases(tree)
    own = names.defines - names.needs  # bound by the block before any read: its own objects

    def pure_call(call: ast.Call, statement: ast.stmt) -> bool:
        func = call.func
        if isinstance(func, ast.Name):
            return func.id in PURE_BUILTINS and func.id not in names.defines
        root = _root(func)
        for_value = not (isinstance(statement, ast.Expr) and statement.value is call)
        return for_value and isinstance(root, ast.Name) and root.id in modules

    for statement in tree.body:
        if isinstance(statement, ast.ImportFrom) and any(a.name == "*" for a in statement.names):
            return False
        for node in _runs_now(statement):
            if isinstance(node, ast.Call) and not pure_call(node, statement):
                return False
            if isinstance(
                node, ast.AugAssign | ast.Delete | ast.Global | ast.Nonlocal | ast.With | ast.AsyncWith
            ):
                return False
            if isinstance(node, ast.Attribute | ast.Subscript) and isinstance(node.ctx, ast.Store | ast.Del):
                return False
            if isinstance(node, ast.Attribute) and not _root_is(node, modules):
                return False  # a property of an object may run anything
            if isinstance(node, ast.Subscript | ast.BinOp | ast.UnaryOp | ast.Compare | ast.For) and not (
                _operands_own(node, own | modules)
            ):
                return False  # an operator on an object from above may make a Keras op
    return True


def _root_is(node: ast.Attribute, modules: set[str]) -> bool:
    root = _root(node)
    return isinstance(root, ast.Name) and root.id in modules


def _operands_own(node: ast.AST, own: set[str]) -> bool:
    """Whether the names an operator works on are the block's own (or modules)."""
    operands: list[ast.AST] = {
        ast.Subscript: lambda n: [n.value],
        ast.BinOp: lambda n: [n.left, n.right],
        ast.UnaryOp: lambda n: [n.operand],
        ast.Compare: lambda n: [n.left, *n.comparators],
        ast.For: lambda n: [n.iter],
    }[type(node)](node)
    return all(
        not (isinstance(operand, ast.Name) and operand.id not in own and operand.id not in BUILTINS)
        for operand in operands
    )


def _needs_of(position: int, known: list[Names]) -> set[int]:
    """The blocks (positions) the block at ``position`` needs: every one above
    that is not quiet, and the quiet ones that bind a name a needed block reads."""
    needed = {earlier for earlier in range(position) if not known[earlier].quiet}
    todo = [position, *needed]
    while todo:
        reader = todo.pop()
        above = range(reader)
        if known[reader].dynamic:
            found = set(above)
        else:
            found = {q for q in above if known[q].quiet and known[q].defines & known[reader].needs}
        todo += sorted(found - needed)
        needed |= found
    return needed


def needed_blocks(
    blocks: list[CodeBlock], analyse: Callable[[str], Names] = names_of
) -> dict[int, list[CodeBlock]]:
    """For each block (by fence line), the earlier blocks it needs, in article
    order. ``analyse`` is :func:`names_of`, or one that remembers its answers."""
    kept = [block for block in blocks if not block.skipped]
    known = [analyse(block.code) for block in kept]
    return {
        block.fence_line: [kept[i] for i in sorted(_needs_of(position, known))]
        for position, block in enumerate(kept)
    }


def sources(
    blocks: list[CodeBlock], analyse: Callable[[str], Names] = names_of
) -> dict[int, list[CodeBlock]]:
    """For each block (by fence line), the earlier blocks that bind a name it
    reads, and theirs in turn: where its objects come from (a helper that
    builds its model, say), not all it needs."""
    kept = [block for block in blocks if not block.skipped]
    known = [analyse(block.code) for block in kept]
    result: dict[int, list[CodeBlock]] = {}
    for position, block in enumerate(kept):
        found: set[int] = set()
        todo = [position]
        while todo:
            reader = todo.pop()
            binders = {earlier for earlier in range(reader) if known[earlier].defines & known[reader].needs}
            todo += sorted(binders - found)
            found |= binders
        result[block.fence_line] = [kept[i] for i in sorted(found)]
    return result
