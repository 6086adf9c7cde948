"""CPU is the only device; the names exist so PyTorch code that mentions devices runs."""


class device:
    """insitu.device(type="cpu", index=None): a device name, as torch.device. Only the CPU exists
    ("cpu" or "cpu:N"; an index is kept, and any CPU device equals any other); another type
    raises."""
    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        name, _, idx = str(type).partition(":")
        if name != "cpu":
            raise RuntimeError(
                f"insitu runs on the CPU only; device '{type}' is not available "
                "(insitu.cuda.is_available() is False)")
        self.type = "cpu"
        self.index = int(idx) if idx else index

    def __repr__(self):
        return "device(type='cpu')" if self.index is None else f"device(type='cpu', index={self.index})"

    def __str__(self):
        return "cpu" if self.index is None else f"cpu:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and other.type == self.type

    def __hash__(self):
        return hash(self.type)


CPU = device("cpu")


def check_device(d):
    """Accept None, 'cpu', device('cpu'); reject anything else with a clear error."""
    if d is None or d is CPU:
        return CPU
    return device(d)


class _Cuda:
    """insitu.cuda: present so that `torch.cuda.is_available()` checks work."""

    @staticmethod
    def is_available():
        return False

    @staticmethod
    def device_count():
        return 0

    @staticmethod
    def manual_seed(seed):
        pass

    @staticmethod
    def manual_seed_all(seed):
        pass


cuda = _Cuda()
_default_device = [CPU]


def set_default_device(d):
    """insitu.set_default_device(device): accepts only the CPU (or None), the one device there
    is."""
    _default_device[0] = check_device(d)


def get_default_device():
    """insitu.get_default_device(): the CPU device."""
    return _default_device[0]
