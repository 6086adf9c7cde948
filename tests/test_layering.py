"""The package's layering holds: imports only go down, no module-level import cycles, and few
function-level imports of insitu modules, each saying which cycle it breaks.

    core (and backend, memory) -> creation -> autograd machinery -> ops -> custom Functions,
    gradcheck, interop, runtime -> methods -> nn, optim, utils, serialization -> the package,
    its tour and demo

The graph is read from the source with `ast`, nothing is imported.
"""
import ast
import pathlib

SRC = pathlib.Path(__file__).resolve().parents[1] / "src" / "insitu"

# a module's layer: the first matching prefix wins
LAYERS = [
    ("backend", 0), ("memory", 0), ("core", 1), ("creation", 2),
    ("autograd.function", 5), ("autograd.gradcheck", 5), ("autograd", 3),
    ("interop", 5), ("runtime", 5),
    ("ops", 4), ("methods", 6),
    ("nn", 7), ("optim", 7), ("utils", 7), ("serialization", 7),
    ("tour", 9), ("train_demo", 9), ("resnet_demo", 9), ("__main__", 9), ("", 9),
]
MAX_FUNCTION_LEVEL = 20


def _modules():
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).with_suffix("")
        parts = list(rel.parts)
        is_pkg = parts[-1] == "__init__"
        if is_pkg:
            parts = parts[:-1]
        yield ".".join(parts), is_pkg, path


MODULES = {name: (is_pkg, path) for name, is_pkg, path in _modules()}


def layer(name):
    for prefix, rank in LAYERS:
        if name == prefix or name.startswith(prefix + ".") or prefix == "":
            return rank
    raise AssertionError(name)


def _resolve(module, is_pkg, node):
    """The insitu modules an import statement loads (submodules named by `from x import y`
    included; names that are not modules are attributes of x)."""
    if isinstance(node, ast.Import):
        return [a.name[len("insitu."):] for a in node.names if a.name.startswith("insitu.")]
    if node.level == 0:
        if not (node.module or "").startswith("insitu"):
            return []
        base = node.module[len("insitu"):].lstrip(".")
    else:
        parts = module.split(".") if module else []
        if not is_pkg:
            parts = parts[:-1]
        parts = parts[:len(parts) - (node.level - 1)] if node.level > 1 else parts
        base = ".".join(parts + ([node.module] if node.module else []))
    found = []
    for a in node.names:
        sub = f"{base}.{a.name}" if base else a.name
        found.append(sub if sub in MODULES else base)
    return [f for f in found if f in MODULES]


def _imports(module, is_pkg, path):
    """(module-level targets, [(line, target, commented)] function-level)."""
    tree = ast.parse(path.read_text())
    lines = path.read_text().splitlines()
    top, nested = set(), []

    def visit(node, depth):
        for child in ast.iter_child_nodes(node):
            inside = depth or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                 ast.Lambda))
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                targets = _resolve(module, is_pkg, child)
                if inside:
                    here = lines[child.lineno - 1]
                    above = lines[child.lineno - 2] if child.lineno > 1 else ""
                    commented = "#" in here or above.strip().startswith("#")
                    nested.extend((child.lineno, t, commented) for t in targets)
                else:
                    top.update(targets)
            visit(child, inside)
    visit(tree, False)
    return top, nested


GRAPH = {}
NESTED = []
for _name, (_is_pkg, _path) in MODULES.items():
    _top, _nested = _imports(_name, _is_pkg, _path)
    # a package's __init__ re-exporting its own parts is not a dependency of those parts
    GRAPH[_name] = {t for t in _top if t != _name and not (_is_pkg and t.startswith(_name + "."))}
    NESTED.extend((_name, line, t, c) for line, t, c in _nested)


def test_imports_only_go_down():
    up = [(m, t) for m, targets in GRAPH.items() for t in targets if layer(t) > layer(m)]
    assert not up, "imports that go up a layer: " + ", ".join(f"{m} -> {t}" for m, t in up)


def test_no_module_level_import_cycle():
    state, stack, cycles = {}, [], []

    def walk(m):
        state[m] = 1
        stack.append(m)
        for t in sorted(GRAPH.get(m, ())):
            if state.get(t) == 1:
                cycles.append(stack[stack.index(t):] + [t])
            elif t not in state:
                walk(t)
        stack.pop()
        state[m] = 2
    for m in sorted(GRAPH):
        if m not in state:
            walk(m)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_few_function_level_imports_each_explained():
    assert len(NESTED) < MAX_FUNCTION_LEVEL, [f"{m}:{line} -> {t}" for m, line, t, _ in NESTED]
    unexplained = [f"{m}:{line} -> {t}" for m, line, t, c in NESTED if not c]
    assert not unexplained, "function-level imports without a comment: " + ", ".join(unexplained)
