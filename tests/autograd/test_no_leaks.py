"""A long training loop keeps a flat memory footprint: graphs, saved tensors and nodes are freed
after each backward, and nothing accumulates in module-level state."""
import gc
import tracemalloc

import insitu


def _step(w, b, x, y):
    out = (x.matmul(w) + b).relu()
    loss = ((out - y) * (out - y)).mean()
    loss.backward()
    with insitu.no_grad():
        w.sub_(0.01 * w.grad)
        b.sub_(0.01 * b.grad)
    w.grad = None
    b.grad = None
    return loss


def test_ten_thousand_steps_keep_a_flat_footprint():
    insitu.manual_seed(0)
    w = insitu.randn(8, 4, requires_grad=True)
    b = insitu.zeros(4, requires_grad=True)
    x, y = insitu.randn(16, 8), insitu.randn(16, 4)
    for _ in range(500):            # warm caches (dtype keys, node classes)
        _step(w, b, x, y)
    gc.collect()
    alloc0, objects0 = insitu.memory.allocated(), len(gc.get_objects())
    for _ in range(10_000):
        _step(w, b, x, y)
    gc.collect()
    assert insitu.memory.allocated() == alloc0          # exact: no tensor storage kept
    assert len(gc.get_objects()) - objects0 < 50        # no graph objects kept
    # and no slow growth of anything else (tracemalloc is slow: a shorter run)
    tracemalloc.start()
    traced0 = tracemalloc.get_traced_memory()[0]
    for _ in range(1_000):
        _step(w, b, x, y)
    gc.collect()
    traced1 = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert traced1 - traced0 < 16 * 1024                # 16 bytes per step would show


def test_unused_graph_is_freed_without_backward():
    x = insitu.randn(1000, requires_grad=True)
    gc.collect()
    before = insitu.memory.allocated()
    for _ in range(100):
        y = x.exp().sin()            # saves tensors; never backpropagated
        del y
    assert insitu.memory.allocated() == before
    assert x._storage.saved == 0     # every SavedTensor released its storage
