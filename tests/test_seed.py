"""Every example of the seed text, run with `import insitu as torch`, prints exactly what the seed
shows (the expected outputs are PyTorch's own, quoted by the seed)."""
import importlib.util
import pathlib

import pytest

SEED_CHECKS = pathlib.Path("/work/shared/checks/seed_examples.py")


def _load_cases():
    if not SEED_CHECKS.exists():
        return None
    spec = importlib.util.spec_from_file_location("seed_examples", SEED_CHECKS)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


_SEED = _load_cases()
_CASES = _SEED.CASES if _SEED is not None else []


@pytest.mark.skipif(_SEED is None, reason="seed examples file is absent")
@pytest.mark.parametrize("name,code,expected", _CASES, ids=[c[0] for c in _CASES])
def test_seed_example_prints_expected_output(name, code, expected):
    assert _SEED.run_case("insitu", code) == expected.strip()


@pytest.mark.skipif(_SEED is None, reason="seed examples file is absent")
def test_seed_has_cases():
    assert len(_CASES) > 0


@pytest.mark.skipif(_SEED is None, reason="seed examples file is absent")
@pytest.mark.parametrize("name,code,expected", _CASES, ids=[c[0] for c in _CASES])
def test_seed_expected_output_is_torchs(name, code, expected):
    pytest.importorskip("torch")
    assert _SEED.run_case("torch", code) == expected.strip()
