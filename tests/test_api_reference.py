"""The API reference builds from the docstrings (the README's command, run here so it cannot
rot): a page per public namespace, carrying the docstrings the package declares."""
import html

import pytest

PUBLIC = ["insitu", "insitu.nn", "insitu.nn.functional", "insitu.nn.init", "insitu.optim",
          "insitu.optim.lr_scheduler", "insitu.linalg", "insitu.autograd", "insitu.memory",
          "insitu.utils.data"]


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
