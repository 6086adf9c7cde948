"""Every public function and class of the documented namespaces, every public method and
property of those classes, and every public Tensor method and property carries a docstring (the
API reference is built from them), and each namespace's `__all__` lists its public names (pdoc
documents what `__all__` names, re-exports included)."""
import importlib
import inspect
import types

import pytest

import insitu

# the public namespaces the API reference documents; more (insitu.nn, ...) are appended as
# they get their docstrings
NAMESPACES = [
    "insitu",
    "insitu.linalg",
    "insitu.autograd",
    "insitu.autograd.function",
    "insitu.autograd.graph",
    "insitu.autograd.anomaly",
    "insitu.autograd.grad_mode",
    "insitu.optim",
    "insitu.optim.lr_scheduler",
    "insitu.utils",
    "insitu.utils.data",
    "insitu.utils.dlpack",
    "insitu.utils.hooks",
    "insitu.memory",
    "insitu.serialization",
    "insitu.compat",
    "insitu.backends",
    "insitu.interop",
    "insitu.interop.dlpack",
    "insitu.return_types",
]

# names a namespace module defines for the package's own use, not part of its API
INTERNAL = {
    "insitu.autograd.anomaly": {"record", "report", "apply_checked"},
    "insitu.autograd.graph": {"copy_for_backward"},
    "insitu.autograd.function": {"DelayedError"},
    "insitu.interop.dlpack": {"tensor_dlpack", "tensor_dlpack_device"},
    "insitu.serialization": {"read_all", "where_of"},
}


def _module(name):
    return importlib.import_module(name)


def _own_doc(obj):
    """A class's docstring only counts when the class itself declares it (not a base's)."""
    if isinstance(obj, type):
        doc = obj.__dict__.get("__doc__")
    else:
        doc = getattr(obj, "__doc__", None)
    return doc if isinstance(doc, str) and doc.strip() else None


def _documented_members(module):
    for name in module.__all__:
        obj = getattr(module, name)
        if isinstance(obj, types.ModuleType) or not callable(obj):
            continue
        yield name, obj


def _undocumented(module):
    """The names in module.__all__ that are functions or classes without a docstring of their
    own, and the values (dtypes, flags objects, generators) whose insitu class has none."""
    missing = [n for n, obj in _documented_members(module) if _own_doc(obj) is None]
    for name in module.__all__:
        obj = getattr(module, name)
        if isinstance(obj, types.ModuleType) or callable(obj):
            continue
        cls = type(obj)
        if cls.__module__.startswith("insitu") and _own_doc(cls) is None:
            missing.append(name)
    return missing


def _member_doc(cls, name):
    """The docstring pdoc shows for a class member: its own, or the one it overrides."""
    raw = inspect.getattr_static(cls, name)
    if isinstance(raw, property):
        return raw.__doc__ or (raw.fget.__doc__ if raw.fget is not None else None)
    return inspect.getdoc(getattr(cls, name))


def _undocumented_class_members(module):
    missing = []
    for name, cls in _documented_members(module):
        if not isinstance(cls, type) or cls is insitu.Tensor:
            continue
        for member in vars(cls):
            raw = vars(cls)[member]
            if member.startswith("_") or not (isinstance(raw, property) or callable(raw)
                                              or isinstance(raw, (staticmethod, classmethod))):
                continue
            doc = _member_doc(cls, member)
            if not (isinstance(doc, str) and doc.strip()):
                missing.append(f"{name}.{member}")
    return missing


@pytest.mark.parametrize("name", NAMESPACES)
def test_namespace_lists_its_public_names(name):
    module = _module(name)
    listed = getattr(module, "__all__", None)
    assert listed is not None, f"{name} has no __all__"
    assert len(set(listed)) == len(listed), f"{name}.__all__ repeats a name"
    unresolved = [n for n in listed if not hasattr(module, n)]
    assert not unresolved, f"{name}.__all__ names missing attributes: {unresolved}"
    # what the module itself defines (not what it imports for its own use) is listed
    internal = INTERNAL.get(name, set())
    unlisted = [n for n, obj in vars(module).items()
                if not n.startswith("_") and n not in listed and n not in internal
                and not isinstance(obj, types.ModuleType) and callable(obj)
                and (getattr(obj, "__module__", None) or "").startswith(name)]
    assert not unlisted, f"{name} defines public names its __all__ leaves out: {unlisted}"


def test_the_top_namespace_lists_what_dir_offers():
    """insitu.__all__ is dir(insitu)'s public names, less the modules the package is built
    from; the submodules it lists are the public namespaces."""
    def is_module(n):
        return isinstance(getattr(insitu, n), types.ModuleType)
    offered = {n for n in dir(insitu) if not n.startswith("_")}
    listed = set(insitu.__all__)
    assert {n for n in offered if not is_module(n)} == {n for n in listed if not is_module(n)}
    submodules = {n for n in listed if is_module(n)}
    assert submodules <= offered
    assert {f"insitu.{n}" for n in submodules} - {"insitu.nn"} <= set(NAMESPACES)
    internal = {"core", "ops", "methods", "creation", "backend", "runtime"}
    assert not internal & listed
    namespace = {}
    exec("from insitu import *", namespace)
    assert namespace["Tensor"] is insitu.Tensor and namespace["linalg"] is insitu.linalg


@pytest.mark.parametrize("name", NAMESPACES)
def test_public_functions_and_classes_have_their_own_docstring(name):
    missing = _undocumented(_module(name))
    assert not missing, f"{name}: no docstring for {missing}"


@pytest.mark.parametrize("name", NAMESPACES)
def test_public_classes_document_their_methods_and_properties(name):
    missing = _undocumented_class_members(_module(name))
    assert not missing, f"{name}: no docstring for {missing}"


def test_a_removed_docstring_is_caught(monkeypatch):
    monkeypatch.setattr(insitu.linalg.norm, "__doc__", None)
    assert _undocumented(insitu.linalg) == ["norm"]
    monkeypatch.setattr(insitu.optim.SGD, "__doc__", "")
    assert "SGD" in _undocumented(insitu.optim)
    monkeypatch.setattr(insitu.optim.Optimizer.zero_grad, "__doc__", None)
    assert "Optimizer.zero_grad" in _undocumented_class_members(insitu.optim)
    monkeypatch.setattr(insitu.Tensor.mul_, "__doc__", None)
    assert "mul_" in _tensor_undocumented()


def _tensor_attribute_doc(raw):
    if isinstance(raw, property):
        return raw.__doc__ or (raw.fget.__doc__ if raw.fget is not None else None)
    if isinstance(raw, (staticmethod, classmethod)):
        return raw.__func__.__doc__
    return getattr(raw, "__doc__", None)


def _tensor_undocumented():
    missing = []
    for name in dir(insitu.Tensor):
        if name.startswith("_"):
            continue
        raw = inspect.getattr_static(insitu.Tensor, name)
        if not (isinstance(raw, property) or callable(raw)
                or isinstance(raw, (staticmethod, classmethod))):
            continue        # plain flags: is_cuda, layout, ...
        doc = _tensor_attribute_doc(raw)
        if not (isinstance(doc, str) and doc.strip()):
            missing.append(name)
    return missing


def test_tensor_methods_and_properties_have_docstrings():
    missing = _tensor_undocumented()
    assert not missing, f"Tensor: no docstring for {missing}"


def test_the_tensor_class_documents_itself():
    assert _own_doc(insitu.Tensor) is not None
    assert _own_doc(insitu.Size) is not None and _own_doc(insitu.Generator) is not None
    assert _own_doc(insitu.dtype) is not None and isinstance(insitu.float32, insitu.dtype)


def test_generated_entry_points_document_their_op():
    """A table op's function, method, in-place twin and operators each get a docstring made
    from its declaration: what it computes, the schema, the forms, and what its node keeps."""
    from insitu.ops.codegen import entry_points
    from insitu.ops.op_docs import SUMMARIES
    from insitu.ops.table import _ALL_OPS
    public = [op for op in _ALL_OPS if op.variants or op.operators]
    assert [op.name for op in public if op.name not in SUMMARIES] == []
    for op in public:
        for kind, fn in entry_points(op).items():
            doc = fn.__doc__
            assert op.schema in doc and doc.splitlines()[0].endswith("."), (op.name, kind)
            if op.differentiable:
                assert f"Backward: {op.derivative.name}" in doc, (op.name, kind)


def test_what_a_generated_docstring_says_the_node_keeps():
    doc = insitu.Tensor.mul_.__doc__
    assert doc.startswith("Tensor.mul_(self, other): self times other")
    assert "for self's gradient, other (version-checked)" in doc
    assert "for other's gradient, a copy of self's old value" in doc
    assert "self after the write (no copy)" in insitu.Tensor.exp_.__doc__
    assert "the result" in insitu.exp.__doc__ and "out=None" in insitu.exp.__doc__
    assert insitu.add.__doc__.startswith("insitu.add(input, other, *, alpha=1, out=None): input")
