"""python -m insitu [tour options] | python -m insitu train [options]"""
import sys


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "train":
        from .train_demo import main as train
        return train(argv[1:])
    from .tour import main as tour
    return tour(argv)


if __name__ == "__main__":
    sys.exit(main())
