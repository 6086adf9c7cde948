"""The API reference builds from the docstrings (the README's command, run here so it cannot
rot): a page per public namespace, carrying the docstrings the package declares."""
import html
import importlib
import re

import pytest

PUBLIC = ["insitu", "insitu.nn", "insitu.nn.functional", "insitu.nn.init", "insitu.optim",
          "insitu.optim.lr_scheduler", "insitu.linalg", "insitu.autograd", "insitu.memory",
          "insitu.utils.data", "insitu.autograd.function", "insitu.autograd.graph",
          "insitu.autograd.anomaly", "insitu.autograd.grad_mode", "insitu.utils",
          "insitu.utils.dlpack", "insitu.utils.hooks", "insitu.serialization", "insitu.compat",
          "insitu.backends", "insitu.interop", "insitu.interop.dlpack", "insitu.return_types"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    pdoc = pytest.importorskip("pdoc")
    out = tmp_path_factory.mktemp("api")
    pdoc.pdoc("insitu", output_directory=out)
    return out


@pytest.mark.parametrize("module", PUBLIC)
def test_a_page_per_public_namespace(reference, module):
    page = reference.joinpath(*module.split(".")).with_suffix(".html")
    assert page.is_file(), f"no reference page for {module}"


def test_pages_carry_the_declared_docstrings(reference):
    import insitu
    text = html.unescape((reference / "insitu.html").read_text())
    for fn in (insitu.add, insitu.mul):
        last = fn.__doc__.strip().splitlines()[-1].strip()
        assert last in text, f"{fn.__name__}'s docstring is not in the reference"
    nn_page = html.unescape((reference / "insitu" / "nn.html").read_text())
    assert insitu.nn.Module.__doc__.strip().splitlines()[0] in nn_page


@pytest.mark.parametrize("module", [m for m in PUBLIC if not m.startswith("insitu.nn")])
def test_a_page_documents_every_name_its_module_lists(reference, module):
    """pdoc documents what `__all__` names, re-exports included: each has its entry."""
    import types
    page = reference.joinpath(*module.split(".")).with_suffix(".html")
    ids = set(re.findall(r'id="([^"]+)"', page.read_text()))
    listed = importlib.import_module(module).__all__
    missing = [n for n in listed if n not in ids
               and not isinstance(getattr(importlib.import_module(module), n), types.ModuleType)]
    assert not missing, f"{module}'s reference page has no entry for {missing}"
