"""python -m insitu [tour options] | python -m insitu train [options]"""
import sys

from .tour import main as tour
from .train_demo import main as train


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "train":
        return train(argv[1:])
    return tour(argv)


if __name__ == "__main__":
    sys.exit(main())
