"""Every public name of insitu.nn documents itself: each namespace declares `__all__`, and every
function, class and public method that nn defines has a docstring of its own, which the API
reference (pdoc) then shows. A removed docstring fails here, naming the object."""
import importlib
import inspect
import pkgutil

import pytest

import insitu.nn

NAMESPACES = ["insitu.nn", "insitu.nn.functional", "insitu.nn.init", "insitu.nn.utils",
              "insitu.nn.utils.rnn", "insitu.nn.parameter", "insitu.nn.modules"]

# overrides that only format the repr's arguments: Module.extra_repr says what they all do
INHERITS_DOC = {"extra_repr"}


def _defined_in_nn(obj):
    # names nn imports from the rest of the package are documented where they are defined
    return (getattr(obj, "__module__", None) or "").startswith("insitu.nn")


def _public_objects(module):
    """`(name, object)` for the names in `__all__` and the public functions and classes nn
    defines that dir() shows; submodules excluded."""
    names = set(getattr(module, "__all__", ()))
    for name in dir(module):
        obj = getattr(module, name)
        if not name.startswith("_") and (inspect.isclass(obj) or callable(obj)) \
                and _defined_in_nn(obj):
            names.add(name)
    return [(name, getattr(module, name)) for name in sorted(names)
            if not inspect.ismodule(getattr(module, name))]


def _all_modules():
    """Every module of the nn package, the private ones too (their public helpers included)."""
    names = ["insitu.nn"] + [m.name for m in pkgutil.walk_packages(insitu.nn.__path__,
                                                                    "insitu.nn.")]
    return [importlib.import_module(n) for n in names]


def _own_doc(obj):
    """The docstring `obj` declares itself: a class's own `__doc__` (never a base's), a
    function's, a property's getter's."""
    if inspect.isclass(obj):
        doc = vars(obj).get("__doc__")
    elif isinstance(obj, property):
        doc = obj.__doc__ or (obj.fget.__doc__ if obj.fget else None)
    elif isinstance(obj, (classmethod, staticmethod)):
        doc = obj.__func__.__doc__
    else:
        doc = getattr(obj, "__doc__", None)
        if doc is not None and not inspect.isfunction(obj) and doc == type(obj).__doc__:
            doc = None     # a callable instance showing its class's docstring has none of its own
    return (doc or "").strip()


def _names():
    seen, out = set(), []
    for ns in NAMESPACES:
        for name, obj in _public_objects(importlib.import_module(ns)):
            if id(obj) not in seen:
                seen.add(id(obj))
                out.append((f"{ns}.{name}", obj))
    return out


def _methods():
    """`(qualified name, class, attribute)` for each public method and property that a class of
    nn (a public one or one of its bases) defines."""
    out, seen = [], set()
    classes = [obj for _, obj in _names() if inspect.isclass(obj)]
    for cls in classes:
        for klass in cls.__mro__:
            if not _defined_in_nn(klass) or klass in seen:
                continue
            seen.add(klass)
            for name, attr in vars(klass).items():
                if name.startswith("_"):
                    continue
                if isinstance(attr, (property, classmethod, staticmethod)) \
                        or inspect.isfunction(attr):
                    out.append((f"{klass.__module__}.{klass.__qualname__}.{name}", klass, attr))
    return out


NAMES = _names()
METHODS = _methods()


def test_the_walk_finds_the_public_api():
    # a walk that silently found nothing would pass every check below
    qualnames = {q for q, _ in NAMES}
    assert {"insitu.nn.Module", "insitu.nn.functional.relu", "insitu.nn.init.kaiming_uniform_",
            "insitu.nn.utils.clip_grad_norm_", "insitu.nn.utils.rnn.pack_padded_sequence",
            "insitu.nn.Parameter"} <= qualnames
    assert len(NAMES) > 250
    methods = {q for q, _, _ in METHODS}
    assert "insitu.nn.modules.module.Module.named_parameters" in methods
    assert "insitu.nn.modules.linear.Linear.forward" in methods
    assert len(METHODS) > 200


@pytest.mark.parametrize("ns", NAMESPACES)
def test_each_namespace_declares_all(ns):
    module = importlib.import_module(ns)
    assert isinstance(getattr(module, "__all__", None), (list, tuple)), f"{ns} has no __all__"
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert not missing, f"{ns}.__all__ names what it lacks: {missing}"
    assert len(set(module.__all__)) == len(module.__all__), f"{ns}.__all__ repeats a name"


@pytest.mark.parametrize("ns", NAMESPACES)
def test_all_lists_every_public_name_defined_in_nn(ns):
    # a public function or class left out of __all__ would vanish from the API reference
    module = importlib.import_module(ns)
    left_out = [n for n, _ in _public_objects(module) if n not in module.__all__]
    assert not left_out, f"{ns}.__all__ leaves out {left_out}"


def test_every_module_of_nn_has_a_docstring():
    undocumented = [m.__name__ for m in _all_modules() if not (m.__doc__ or "").strip()]
    assert not undocumented


def test_every_public_helper_of_nn_modules_has_a_docstring():
    # functions and classes a module defines without a leading underscore, exported or not
    undocumented = []
    for module in _all_modules():
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and not _own_doc(obj):
                undocumented.append(f"{module.__name__}.{name}")
    assert not undocumented


@pytest.mark.parametrize("qualname,obj", NAMES, ids=[q for q, _ in NAMES])
def test_public_name_has_its_own_docstring(qualname, obj):
    doc = _own_doc(obj)
    assert doc, f"{qualname} has no docstring of its own"
    _check_summary_line(qualname, doc)


def _check_summary_line(qualname, doc):
    # a one-line summary first, the details after a blank line (what pdoc and help() show first)
    lines = doc.splitlines()
    assert lines[0].strip(), f"{qualname}'s docstring starts with an empty line"
    assert len(lines) == 1 or not lines[1].strip(), \
        f"{qualname}'s docstring does not open with a one-line summary: {lines[0]!r}"


@pytest.mark.parametrize("qualname,klass,attr", METHODS, ids=[q for q, _, _ in METHODS])
def test_public_method_has_a_docstring(qualname, klass, attr):
    name = qualname.rsplit(".", 1)[1]
    doc = _own_doc(attr)
    if not doc and name in INHERITS_DOC:
        # an override may lean on the documented base method, which pdoc shows for it
        doc = (inspect.getdoc(getattr(klass, name)) or "").strip()
        base = next(k for k in klass.__mro__[1:] if name in vars(k))
        assert _defined_in_nn(base), f"{qualname} inherits its docstring from {base}"
    assert doc, f"{qualname} has no docstring"
    _check_summary_line(qualname, doc)


@pytest.mark.parametrize("ns", ["insitu.nn", "insitu.nn.functional", "insitu.nn.init",
                                "insitu.nn.utils", "insitu.nn.utils.rnn"])
def test_the_api_reference_documents_every_exported_name(ns):
    # pdoc documents a module's __all__, re-exported names included, with their docstrings
    pdoc_doc = pytest.importorskip("pdoc.doc")
    module = importlib.import_module(ns)
    page = pdoc_doc.Module(module)
    members = page.members
    submodules = {m.name for m in page.submodules}
    for name in module.__all__:
        if inspect.ismodule(getattr(module, name)):
            assert name in submodules, f"the reference of {ns} has no page for {name}"
            continue
        assert name in members, f"the reference page of {ns} lacks {name}"
        assert members[name].docstring, f"the reference shows no docstring for {ns}.{name}"
