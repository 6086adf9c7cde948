"""python -m insitu [--elements N]     the tour (in-place basics, then measured time and memory)
python -m insitu run script.py [args]  run an unmodified PyTorch script on insitu
python -m insitu coverage [--refresh | --write]   which of PyTorch's names insitu has
python -m insitu train [options]     a small training demo
python -m insitu resnet [options]    in-place activations in a small ResNet, trained on digits

The `insitu` console script is the same command."""
import sys

from .compat import main as run
from .coverage import main as coverage
from .tour import main as tour
from .train_demo import main as train
from .resnet_demo import main as resnet

COMMANDS = {"run": run, "coverage": coverage, "train": train, "resnet": resnet}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in COMMANDS:
        return COMMANDS[argv[0]](argv[1:])
    return tour(argv)


if __name__ == "__main__":
    sys.exit(main())
