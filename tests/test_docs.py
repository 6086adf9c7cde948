"""The python blocks of the docs run as written (each document's blocks in turn, in one
namespace that starts with `import insitu`)."""
import pathlib
import re
import warnings

import pytest

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs"
RUNNABLE = ["ARCHITECTURE.md", "guide.md", "aliasing.md"]


@pytest.mark.parametrize("name", RUNNABLE)
def test_python_blocks_run(name, capsys):
    blocks = re.findall(r"```python\n(.*?)```", (DOCS / name).read_text(), re.S)
    assert blocks
    namespace = {}
    exec("import insitu", namespace)
    for i, block in enumerate(blocks):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(compile(block, f"{name}[{i}]", "exec"), namespace)
