"""A small ResNet on scikit-learn's digits, with in-place activations and residual additions and
without: identical losses, less activation memory in place.

    python examples/inplace_resnet.py --epochs 3 --plot resnet_losses.png

Same program as `python -m insitu resnet` (see insitu/resnet_demo.py).
"""
import sys

from insitu.resnet_demo import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
