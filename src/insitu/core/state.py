"""Process-wide autograd mode flags, read on every operation (so: one tiny slotted object)."""


class _Mode:
    __slots__ = ("grad", "inference", "anomaly", "anomaly_nan")

    def __init__(self):
        self.grad = True          # record graphs?
        self.inference = False    # inside inference_mode()?
        self.anomaly = False      # record each node's forward stack (autograd.anomaly)?
        self.anomaly_nan = True   # ... and raise when a backward returns nan?


mode = _Mode()
