"""Reverse-mode automatic differentiation that stays exact under in-place operations."""
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode,
                        is_grad_enabled)
from .engine import backward, grad
from . import anomaly as anomaly_mode
from .anomaly import detect_anomaly, set_detect_anomaly
from .strict import strict_inplace
from .version_tracking import region_versions, set_version_tracking, get_version_tracking
from .node import Node
from .function import Function, FunctionCtx, once_differentiable
from .gradcheck import gradcheck, gradgradcheck, GradcheckError
from . import graph
from .graph import (can_mutate, saved_bytes, allow_mutation_on_saved_tensors,
                    warn_inplace_copies, InplaceCopyWarning, AdvancedIndexingCopyWarning)

__all__ = ["backward", "grad", "Function", "FunctionCtx", "once_differentiable", "Node",
           "no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "detect_anomaly", "set_detect_anomaly", "gradcheck", "gradgradcheck", "GradcheckError",
           "strict_inplace", "region_versions", "set_version_tracking", "get_version_tracking",
           "can_mutate", "saved_bytes", "allow_mutation_on_saved_tensors", "warn_inplace_copies",
           "InplaceCopyWarning", "AdvancedIndexingCopyWarning", "graph", "function", "grad_mode",
           "anomaly", "anomaly_mode"]
