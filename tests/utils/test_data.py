"""utils.data: datasets, samplers, collation and DataLoader, against torch.utils.data."""
from collections import namedtuple

import numpy as np
import pytest

import insitu
from insitu.utils import data as D

torch = pytest.importorskip("torch")
TD = torch.utils.data


def _tensors(n=10):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n) % 4
    return x, y


def _as_lists(batches):
    return [[t.tolist() for t in b] for b in batches]


@pytest.mark.parametrize("batch_size,drop_last", [(3, False), (3, True), (5, False), (1, False),
                                                  (20, False)])
def test_sequential_batches_match_torch(batch_size, drop_last):
    x, y = _tensors()
    mine = D.DataLoader(D.TensorDataset(insitu.tensor(x), insitu.tensor(y)),
                        batch_size=batch_size, drop_last=drop_last)
    theirs = TD.DataLoader(TD.TensorDataset(torch.tensor(x), torch.tensor(y)),
                           batch_size=batch_size, drop_last=drop_last)
    assert len(mine) == len(theirs)
    assert _as_lists(mine) == _as_lists(theirs)
    first = next(iter(mine))
    assert isinstance(first, list) and first[0].dtype is insitu.float32 and \
        first[1].dtype is insitu.int64


def test_shuffle_is_a_permutation_and_reproducible_with_a_generator():
    x, y = _tensors(50)
    ds = D.TensorDataset(insitu.tensor(x), insitu.tensor(y))

    def epoch(seed):
        g = insitu.Generator()
        g.manual_seed(seed)
        loader = D.DataLoader(ds, batch_size=8, shuffle=True, generator=g)
        return [i for _, yb in loader for i in yb.tolist()], [r[0] for xb, _ in loader
                                                              for r in xb.tolist()]

    a, b, c = epoch(1), epoch(1), epoch(2)
    assert a == b and a != c
    assert sorted(a[1]) == sorted(x[:, 0].tolist())          # every sample exactly once


def test_tensor_fast_path_gives_the_same_batches_as_generic_collation():
    x, y = _tensors(23)
    ds = D.TensorDataset(insitu.tensor(x), insitu.tensor(y))
    for shuffle in (False, True):
        g1, g2 = insitu.Generator(), insitu.Generator()
        g1.manual_seed(5)
        g2.manual_seed(5)
        fast = D.DataLoader(ds, batch_size=4, shuffle=shuffle, generator=g1, drop_last=True)
        slow = D.DataLoader(ds, batch_size=4, shuffle=shuffle, generator=g2, drop_last=True,
                            collate_fn=lambda b: D.default_collate(b))
        assert _as_lists(fast) == _as_lists(slow)


def test_default_collate_matches_torch():
    Point = namedtuple("Point", "x y")
    samples = [
        [{"a": np.float32(1.5), "b": (np.ones(2, np.float32), 3), "s": "u"},
         {"a": np.float32(2.5), "b": (np.zeros(2, np.float32), 4), "s": "v"}],
        [(1.0, 2), (3.0, 4)],
        [Point(1, 2.0), Point(3, 4.0)],
        [np.array([1, 2]), np.array([3, 4])],
    ]
    for batch in samples:
        mine = D.default_collate(batch)
        theirs = TD.default_collate(batch)
        assert _structure(mine) == _structure(theirs)
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal"):
        D.default_collate([[1, 2], [3]])


def _structure(obj):
    if hasattr(obj, "tolist") and hasattr(obj, "dtype"):
        return ("tensor", str(obj.dtype).split(".")[-1], obj.tolist())
    if isinstance(obj, dict):
        return {k: _structure(v) for k, v in obj.items()}
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return (type(obj).__name__,) + tuple(_structure(v) for v in obj)
    if isinstance(obj, (list, tuple)):
        return type(obj).__name__, [_structure(v) for v in obj]
    return obj


def test_custom_dataset_with_dict_samples():
    class Squares(D.Dataset):
        def __len__(self):
            return 7

        def __getitem__(self, i):
            return {"x": insitu.tensor([float(i)]), "y": i * i}

    batches = list(D.DataLoader(Squares(), batch_size=3))
    assert len(batches) == 3
    assert batches[0]["x"].tolist() == [[0.0], [1.0], [2.0]]
    assert batches[2]["y"].tolist() == [36]


def test_iterable_dataset_and_no_batching():
    class Count(D.IterableDataset):
        def __iter__(self):
            return iter(range(7))

    assert [b.tolist() for b in D.DataLoader(Count(), batch_size=3)] == [[0, 1, 2], [3, 4, 5],
                                                                        [6]]
    assert [b.tolist() for b in D.DataLoader(Count(), batch_size=3, drop_last=True)] == \
        [[0, 1, 2], [3, 4, 5]]
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        D.DataLoader(Count(), shuffle=True)
    x, y = _tensors(4)
    unbatched = list(D.DataLoader(D.TensorDataset(insitu.tensor(x), insitu.tensor(y)),
                                  batch_size=None))
    assert len(unbatched) == 4 and unbatched[1][0].tolist() == [3.0, 4.0, 5.0]


def test_samplers_and_loader_argument_errors():
    x, y = _tensors(10)
    ds = D.TensorDataset(insitu.tensor(x), insitu.tensor(y))
    bs = D.BatchSampler(D.SequentialSampler(ds), 4, drop_last=False)
    assert list(bs) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] and len(bs) == 3
    loader = D.DataLoader(ds, batch_sampler=bs)
    assert len(loader) == 3
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        D.DataLoader(ds, batch_sampler=bs, batch_size=2)
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        D.DataLoader(ds, sampler=D.SequentialSampler(ds), shuffle=True)
    with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
        D.BatchSampler(D.SequentialSampler(ds), 0, False)
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        D.TensorDataset(insitu.zeros(3), insitu.zeros(4))
    rs = D.RandomSampler(ds, replacement=True, num_samples=25)
    draws = list(rs)
    assert len(draws) == 25 and all(0 <= i < 10 for i in draws)


def test_random_split_and_subsets():
    x, y = _tensors(10)
    ds = D.TensorDataset(insitu.tensor(x), insitu.tensor(y))
    g = insitu.Generator()
    g.manual_seed(0)
    a, b = D.random_split(ds, [0.7, 0.3], generator=g)
    assert len(a) == 7 and len(b) == 3
    assert sorted(a.indices + b.indices) == list(range(10))
    assert a[0][1].item() == y[a.indices[0]]
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        D.random_split(ds, [3, 3])
    both = D.ConcatDataset([a, b])
    assert len(both) == 10 and both[7][1].item() == y[b.indices[0]]
