"""The functional activations declared in `ops.activation` (leaky_relu, elu, gelu, silu), as the
entry points `nn.functional` calls."""
from ..ops.activation import FUNCTIONAL
from ..ops.codegen import entry_points

_GEN = {name: entry_points(op) for name, op in FUNCTIONAL.items()}

leaky_relu_out = _GEN["leaky_relu"]["function"]
leaky_relu_inplace = _GEN["leaky_relu_"]["inplace"]
elu_out = _GEN["elu"]["function"]
elu_inplace = _GEN["elu_"]["inplace"]
gelu_out = _GEN["gelu"]["function"]
silu_out = _GEN["silu"]["function"]
silu_inplace = _GEN["silu"]["inplace"]
