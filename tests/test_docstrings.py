"""Every public function and class of the documented namespaces, and every public Tensor method
and property, carries a docstring of its own (the API reference is built from them), and each
namespace's `__all__` lists its public names (pdoc documents what `__all__` names)."""
import inspect
import types

import pytest

import insitu
import insitu.autograd
import insitu.linalg
import insitu.memory
import insitu.optim
import insitu.optim.lr_scheduler
import insitu.utils.data

NAMESPACES = {
    "insitu": insitu,
    "insitu.linalg": insitu.linalg,
    "insitu.autograd": insitu.autograd,
    "insitu.optim": insitu.optim,
    "insitu.optim.lr_scheduler": insitu.optim.lr_scheduler,
    "insitu.utils.data": insitu.utils.data,
    "insitu.memory": insitu.memory,
}


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


@pytest.mark.parametrize("name", NAMESPACES)
def test_namespace_lists_its_public_names(name):
    module = NAMESPACES[name]
    listed = getattr(module, "__all__", None)
    assert listed is not None, f"{name} has no __all__"
    assert len(set(listed)) == len(listed), f"{name}.__all__ repeats a name"
    unresolved = [n for n in listed if not hasattr(module, n)]
    assert not unresolved, f"{name}.__all__ names missing attributes: {unresolved}"
    # what the module itself defines (not what it imports for its own use) is listed
    prefix = getattr(module, "__name__", name)
    unlisted = [n for n, obj in vars(module).items()
                if not n.startswith("_") and n not in listed
                and not isinstance(obj, types.ModuleType) and callable(obj)
                and (getattr(obj, "__module__", None) or "").startswith(prefix)]
    assert not unlisted, f"{name} defines public names its __all__ leaves out: {unlisted}"


def test_the_top_namespace_lists_every_public_name():
    public = {n for n, obj in vars(insitu).items()
              if not n.startswith("_") and not isinstance(obj, types.ModuleType)}
    assert public <= set(insitu.__all__)
    internal = {"core", "ops", "methods", "creation", "backend", "runtime", "serialization"}
    assert not internal & set(insitu.__all__)
    namespace = {}
    exec("from insitu import *", namespace)
    assert namespace["Tensor"] is insitu.Tensor and namespace["linalg"] is insitu.linalg


@pytest.mark.parametrize("name", NAMESPACES)
def test_public_functions_and_classes_have_their_own_docstring(name):
    missing = [n for n, obj in _documented_members(NAMESPACES[name]) if _own_doc(obj) is None]
    assert not missing, f"{name}: no docstring for {missing}"


def _tensor_attribute_doc(raw):
    if isinstance(raw, property):
        return raw.__doc__ or (raw.fget.__doc__ if raw.fget is not None else None)
    if isinstance(raw, (staticmethod, classmethod)):
        return raw.__func__.__doc__
    return getattr(raw, "__doc__", None)


def test_tensor_methods_and_properties_have_docstrings():
    missing = []
    for name in dir(insitu.Tensor):
        if name.startswith("_"):
            continue
        raw = inspect.getattr_static(insitu.Tensor, name)
        if not (isinstance(raw, property) or callable(raw)):
            continue        # plain flags: is_cuda, layout, ...
        doc = _tensor_attribute_doc(raw)
        if not (isinstance(doc, str) and doc.strip()):
            missing.append(name)
    assert not missing, f"Tensor: no docstring for {missing}"


def test_the_tensor_class_documents_itself():
    assert _own_doc(insitu.Tensor) is not None
    assert _own_doc(insitu.Size) is not None and _own_doc(insitu.Generator) is not None


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
