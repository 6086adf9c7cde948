"""Process-wide autograd mode flags, read on every operation (so: one tiny slotted object)."""


class _Mode:
    __slots__ = ("grad", "inference")

    def __init__(self):
        self.grad = True          # record graphs?
        self.inference = False    # inside inference_mode()?


mode = _Mode()
