"""The tensor layer: dtypes, storage with its version counter, the Tensor class, printing."""
