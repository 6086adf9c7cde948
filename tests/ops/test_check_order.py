"""Which refusal comes first when a call breaks several rules, against PyTorch: the op's own
argument checks (sub on bool, pow's negative integer power), then its TensorIterator's (memory
overlap, shapes, the cast of the result), then its kernel's (a dtype without a kernel, alpha)."""
import pytest

import insitu

torch = pytest.importorskip("torch")

from differential import outcome  # noqa: E402




CASES = [
    # fuzz seeds 1, 2, 3: sub's bool refusal before alpha's; alpha checked on the common dtype,
    # after the cast check
    lambda m: m.ones(3, dtype=m.bool).sub(False, alpha=0.5),
    lambda m: m.ones((), dtype=m.bool).sub_(False, alpha=0.5),
    lambda m: m.ones(3, dtype=m.bool).sub(1, alpha=0.5),
    lambda m: m.ones(3, dtype=m.int64).sub(m.ones(3, dtype=m.bool), alpha=0.5),
    lambda m: m.tensor([[-1, 4], [5, 5]]).sub_(-1.5, alpha=0.5),
    lambda m: m.ones(3, dtype=m.int64).sub(-1.5, alpha=0.5),
    lambda m: m.ones(3, dtype=m.int64).add_(1, alpha=0.5),
    lambda m: m.ones(3, dtype=m.bool).add(True, alpha=0.5),
    lambda m: m.ones(3, dtype=m.int64).add(m.ones(3, dtype=m.int64), alpha=True),
    lambda m: m.ones(3).add(m.ones(3), alpha=True),
    lambda m: m.ones(3, dtype=m.bool).add(True, alpha=True),
    lambda m: m.sub(m.ones(3, dtype=m.int64), 1.5, alpha=0.5, out=m.ones(3, dtype=m.int64)),
    lambda m: m.rsub(m.ones(3, dtype=m.int64), 1.5, alpha=0.5),
    lambda m: m.ones(3, dtype=m.int64).sub_(m.ones(2), alpha=0.5),
    # fuzz seed 1: pow's negative integer power before the cast check
    lambda m: m.ones((2, 1, 3), dtype=m.float64).isnan().pow_(-2),
    lambda m: m.ones(3, dtype=m.int64).pow_(-2),
    lambda m: m.pow(m.ones(3, dtype=m.int64), -2, out=m.ones(3, dtype=m.bool)),
    lambda m: m.ones(3, dtype=m.int64).pow_(-2.0),
    lambda m: m.ones(3, 1, dtype=m.bool).expand(3, 3).pow_(-2),
    # fuzz seed 3: shapes before the cast of the result into self
    lambda m: m.ones(3, dtype=m.int64).add_(m.ones(2)),
    lambda m: m.ones(3, dtype=m.int64).remainder_(m.ones(2)),
    lambda m: m.ones(3, dtype=m.int64).copysign_(m.ones(2)),
    lambda m: m.ones(3, dtype=m.bool).gcd_(m.ones(3, 3, dtype=m.int64)),
    lambda m: m.ones(2, dtype=m.int32).addcmul_(m.ones(2, 2), m.ones(2, 2)),
    lambda m: m.ones((), dtype=m.int32).addcmul_(m.ones(2, 2), m.ones(2, 2)),
    lambda m: m.ones(2, dtype=m.bool).nextafter_(m.ones(2, 2)),
    lambda m: m.logaddexp(m.ones(3, dtype=m.int64), m.ones(2), out=m.ones(3, dtype=m.int64)),
    lambda m: m.ones(3, dtype=m.bool).lerp_(m.ones(3, dtype=m.bool), -1.0),
    # fuzz seed 3: out of place too, the shapes before a kernel's dtype refusal; rsub's shapes
    # in the order it subtracts them
    lambda m: m.ones(0, dtype=m.int64).gcd(m.ones(3, dtype=m.float64)),
    lambda m: m.lcm(m.ones(0, dtype=m.int64), m.ones(3, dtype=m.float64)),
    lambda m: m.ones(0, dtype=m.int64).nextafter(m.ones(3, dtype=m.int64)),
    lambda m: m.rsub(m.ones(2, 3), m.ones(5)),
    lambda m: m.rsub(m.ones(2, 3), m.ones(2, 5)),
    # fuzz seed 3: a float tensor to a bool exponent has no ldexp kernel
    lambda m: m.ones(3).ldexp(m.ones(3, dtype=m.bool)),
    lambda m: m.ones(3).ldexp_(m.ones(3, dtype=m.bool)),
    lambda m: m.ldexp(m.ones(3), m.ones(3, dtype=m.bool), out=m.ones(3)),
    lambda m: m.ones(3, dtype=m.bool).ldexp(m.ones(3, dtype=m.bool)),
    lambda m: m.ones(3, dtype=m.int64).ldexp(m.ones(3, dtype=m.bool)),
    # fuzz seed 2: ldexp's own cast check of out= comes before the shapes of its parts
    lambda m: m.ldexp(m.ones(1, 3, dtype=m.int64), m.ones(0, 3, 1),
                      out=m.ones(1, 3, dtype=m.int64)),
    lambda m: m.ldexp(m.ones(3), m.ones(2), out=m.ones(3, dtype=m.int64)),
    lambda m: m.ldexp(m.ones(3, requires_grad=True), m.ones(3), out=m.ones(3, dtype=m.int64)),
    # fuzz seed 2: a partial overlap before the shapes
    lambda m: _overlap_then_shape(m),
]


def _overlap_then_shape(m):
    x4 = m.arange(3).movedim(0, -1)
    x4.detach()[0].le_(x4)


@pytest.mark.parametrize("case", CASES)
def test_first_refusal_as_torch(case):
    assert outcome(lambda: case(insitu)) == outcome(lambda: case(torch))


def test_out_is_left_as_it_was_when_the_kernel_refuses():
    # fuzz seed 1: lcm(out=) of float operands has no kernel. PyTorch resizes `out` first;
    # insitu refuses before it (docs/differences.md, failed-writes-write-nothing)
    shapes = []
    for lib in (torch, insitu):
        out = lib.arange(4, dtype=lib.float32)
        with pytest.raises(NotImplementedError):
            lib.bitwise_and(lib.ones(2, 3), lib.ones(3), out=out)
        shapes.append(tuple(out.shape))
        assert out._version == 0
    assert shapes == [(2, 3), (4,)]


def test_a_kernel_refusal_comes_before_the_inference_write_refusal():
    outcomes = []
    for lib in (torch, insitu):
        with lib.inference_mode():
            out = lib.zeros(3)
        outcomes.append(outcome(lambda: lib.bitwise_and(lib.ones(3), lib.ones(3), out=out)))
    assert outcomes[0] == outcomes[1]
