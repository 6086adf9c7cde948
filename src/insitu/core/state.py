"""Process-wide autograd mode flags, read on every operation (so: one tiny slotted object)."""


class _Mode:
    __slots__ = ("grad", "inference", "enabled")

    def __init__(self):
        self.grad = True          # record graphs? (never inside inference_mode)
        self.inference = False    # inside inference_mode()?
        self.enabled = True       # grad mode as set by the user: inside inference_mode,
                                  # enable_grad() turns it on but nothing is recorded


mode = _Mode()
