"""Run a few calls at once on the threads insitu may use (`insitu.get_num_threads()`).

The fused optimizer updates (`_fused.sweep`) cut a large parameter into blocks; with more than
one thread allowed, the blocks are dealt to the calling thread and to helper threads kept for the
process. NumPy's ufuncs, its casting copies and BLAS calls made through ctypes release the GIL
while they work on a block, so the threads compute at the same time; each keeps its own scratch
buffers (thread-local), made on its first block.
"""
import os
import queue
import threading

_helpers = []           # [(task queue, done queue)], one per helper thread, made as needed
_lock = threading.Lock()
_busy = threading.Lock()  # held while the helpers work for one caller


def _forget_helpers():
    """A forked child has none of its parent's threads: it makes its own helpers."""
    global _lock, _busy
    _helpers.clear()
    _lock, _busy = threading.Lock(), threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_helpers)


def _serve(tasks, done):
    while True:
        fn, args = tasks.get()
        try:
            fn(*args)
            done.put(None)
        except BaseException as exc:        # handed to the caller, raised there
            done.put(exc)


def _helper(i):
    with _lock:
        while len(_helpers) <= i:
            tasks, done = queue.SimpleQueue(), queue.SimpleQueue()
            threading.Thread(target=_serve, args=(tasks, done), daemon=True,
                             name=f"insitu-optim-{len(_helpers)}").start()
            _helpers.append((tasks, done))
        return _helpers[i]


def run_all(fn, arg_lists):
    """fn(*args) for each args of `arg_lists`: the first on this thread, the others on helper
    threads, all at once; returns when all are done, raising the first error. While another
    thread's calls hold the helpers, all run here, one after another."""
    if not _busy.acquire(blocking=False):
        for args in arg_lists:
            fn(*args)
        return
    try:
        _run_all(fn, arg_lists)
    finally:
        _busy.release()


def _run_all(fn, arg_lists):
    used = [_helper(i) for i in range(len(arg_lists) - 1)]
    for (tasks, _), args in zip(used, arg_lists[1:]):
        tasks.put((fn, args))
    error = None
    try:
        fn(*arg_lists[0])
    except BaseException as exc:
        error = exc
    for _, done in used:
        raised = done.get()
        if error is None:
            error = raised
    if error is not None:
        raise error
