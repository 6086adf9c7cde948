"""Process-wide autograd mode flags, read on every operation (so: one tiny slotted object)."""


class _Mode:
    __slots__ = ("grad", "inference", "enabled", "anomaly", "anomaly_nan")

    def __init__(self):
        self.grad = True          # record graphs? (never inside inference_mode)
        self.inference = False    # inside inference_mode()?
        self.enabled = True       # grad mode as set by the user: inside inference_mode,
                                  # enable_grad() turns it on but nothing is recorded
        self.anomaly = False      # record each node's forward stack (autograd.anomaly)?
        self.anomaly_nan = True   # ... and raise when a backward returns nan?


mode = _Mode()
