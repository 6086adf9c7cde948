"""An MLP on scikit-learn's digits with insitu: in-place optimizer vs an out-of-place update.

    python examples/train_digits.py --epochs 20 --plot loss_curve.png

Same program as `python -m insitu train` (see insitu/train_demo.py).
"""
import sys

from insitu.train_demo import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
