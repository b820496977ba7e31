"""One session per article, as in a notebook: which earlier blocks a block needs.

A block sees the names the blocks above it define (imports, helpers,
constants, data). Rather than run every block before every figure, each
block's needs are found from its code, as knitr's ``autodep`` does: the
names it uses (also inside its functions) that it does not define itself
before using them, each resolved to the last block above that defines it,
and those blocks' own needs in turn. A block that calls a method on a name
(``model.fit(...)``, ``data.append(...)``) or assigns into it
(``x[0] = ...``) counts as defining it anew, since it may have changed it.

A block whose first line is ``# rnn-figures: skip`` is neither run nor
needed (a block that downloads a dataset, say). Pure ``ast``; a block that
does not parse defines and needs nothing (it fails on its own if run).
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable
from dataclasses import dataclass, field

SKIP_MARKER = "# rnn-figures: skip"
BUILTINS = frozenset(dir(builtins))
# What the prelude gives every snippet (article/prelude.py): never an earlier block's.
PRELUDE_NAMES = frozenset({"np", "tf", "keras", "layers", "ops", "Sequential", "Model"})
FUNCTION_LIKE = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


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
    """What a block needs from above and what it defines."""

    needs: set[str] = field(default_factory=set)
    defines: set[str] = field(default_factory=set)  # bound, or changed in place
    imports: set[str] = field(default_factory=set)  # modules: calling np.sum(...) changes nothing

    def to_json(self) -> list[list[str]]:
        return [sorted(self.needs), sorted(self.defines), sorted(self.imports)]

    @classmethod
    def from_json(cls, data: list[list[str]]) -> Names:
        needs, defines, imports = data
        return cls(set(needs), set(defines), set(imports))


def _target_names(target: ast.AST) -> set[str]:
    """Names bound (or changed in place) by an assignment target."""
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    if isinstance(target, ast.Tuple | ast.List):
        return set().union(*(_target_names(element) for element in target.elts)) if target.elts else set()
    if isinstance(target, ast.Attribute | ast.Subscript):  # x.a = ..., x[0] = ...: x changed
        return _root_name(target)
    return set()


def _root_name(node: ast.AST) -> set[str]:
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return {node.id} if isinstance(node, ast.Name) else set()


def _outside_functions(statement: ast.stmt):
    """The nodes of a statement that run when it runs: not the bodies of the
    functions and classes it defines (they run when called)."""
    todo: list[ast.AST] = [statement]
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, FUNCTION_LIKE):
            continue  # (a def's decorators and defaults are left out: rarely a block's data)
        todo.extend(ast.iter_child_nodes(node))


def _bound_by(statement: ast.stmt) -> set[str]:
    """Names a top-level statement binds or changes."""
    bound: set[str] = set()
    if isinstance(statement, FUNCTION_LIKE):
        bound.add(statement.name)
    for node in _outside_functions(statement):
        if isinstance(node, ast.Import | ast.ImportFrom):
            bound |= {alias.asname or alias.name.split(".")[0] for alias in node.names if alias.name != "*"}
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                bound |= _target_names(target)
        elif isinstance(node, ast.AugAssign | ast.AnnAssign | ast.For | ast.AsyncFor | ast.NamedExpr):
            bound |= _target_names(node.target)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            bound |= _target_names(node.optional_vars)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            bound |= _root_name(node.func.value)  # model.fit(...): model may have changed
    return bound


def _loaded(statement: ast.stmt) -> set[str]:
    """Every name a statement reads, inside its functions too (they may run later)."""
    return {
        node.id
        for node in ast.walk(statement)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }


def _locals_of_functions(statement: ast.stmt) -> set[str]:
    """Parameters and local names of the functions a statement defines."""
    local: set[str] = set()
    for node in ast.walk(statement):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            arguments = node.args
            for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
                local.add(argument.arg)
            for extra in (arguments.vararg, arguments.kwarg):
                if extra is not None:
                    local.add(extra.arg)
            if not isinstance(node, ast.Lambda):
                for inner in node.body:
                    local |= _bound_by(inner)
        elif isinstance(node, ast.comprehension):
            local |= _target_names(node.target)
    return local


def _expression_needs(node: ast.AST | None, names: Names) -> None:
    if node is not None:
        names.needs |= (
            {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
            - names.defines
            - BUILTINS
            - PRELUDE_NAMES
        )


def _visit(statements: list[ast.stmt], names: Names) -> None:
    """Statements in order: what each reads before the block has defined it."""
    for statement in statements:
        if isinstance(statement, ast.For | ast.AsyncFor):
            _expression_needs(statement.iter, names)
            names.defines |= _target_names(statement.target)
            _visit(statement.body + statement.orelse, names)
        elif isinstance(statement, ast.While | ast.If):
            _expression_needs(statement.test, names)
            _visit(statement.body + statement.orelse, names)
        elif isinstance(statement, ast.With | ast.AsyncWith):
            for item in statement.items:
                _expression_needs(item.context_expr, names)
                if item.optional_vars is not None:
                    names.defines |= _target_names(item.optional_vars)
            _visit(statement.body, names)
        elif isinstance(statement, ast.Try):
            _visit(statement.body, names)
            for handler in statement.handlers:
                _expression_needs(handler.type, names)
                if handler.name:
                    names.defines.add(handler.name)
                _visit(handler.body, names)
            _visit(statement.orelse + statement.finalbody, names)
        else:
            used = _loaded(statement) - _locals_of_functions(statement) - BUILTINS - PRELUDE_NAMES
            names.needs |= used - names.defines
            bound = _bound_by(statement)
            names.defines |= bound
            if isinstance(statement, ast.Import | ast.ImportFrom):
                names.imports |= bound


def names_of(code: str) -> Names:
    """What a block needs from the blocks above it, and what it defines."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return Names()
    names = Names()
    _visit(tree.body, names)
    return names


def setups(blocks: list[CodeBlock], analyse: Callable[[str], Names] = names_of) -> dict[int, list[CodeBlock]]:
    """For each block (by fence line), the earlier blocks it needs, in article
    order. ``analyse`` is :func:`names_of`, or one that remembers its answers."""
    known = [(block, analyse(block.code)) for block in blocks if not block.skipped]
    modules = set().union(*(names.imports for _, names in known)) if known else set()
    # Calling a module's function (np.random.rand) does not make a block its definer.
    defining = [names.defines - (modules - names.imports) for _, names in known]
    direct: list[set[int]] = []
    for position, (_, names) in enumerate(known):
        definers = (
            next((earlier for earlier in range(position - 1, -1, -1) if name in defining[earlier]), None)
            for name in names.needs
        )
        direct.append({definer for definer in definers if definer is not None})
    result: dict[int, list[CodeBlock]] = {}
    for position, (block, _) in enumerate(known):
        needed: set[int] = set()
        todo = list(direct[position])
        while todo:
            earlier = todo.pop()
            if earlier not in needed:
                needed.add(earlier)
                todo += direct[earlier]
        result[block.fence_line] = [known[i][0] for i in sorted(needed)]
    return result
