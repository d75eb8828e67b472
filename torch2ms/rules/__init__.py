"""The conversion rules, in the order the engine applies them to each node.

Each rule is a small class in its own module; its docstring says what it does and
tests/rules/ holds its input/output examples side by side.
"""
from torch2ms.rules.api_names import ApiNames
from torch2ms.rules.call_args import CallArgs
from torch2ms.rules.cell_classes import CellClasses
from torch2ms.rules.cell_modes import CellModes, TrainingFromTheStart
from torch2ms.rules.device_code import DeviceCode
from torch2ms.rules.graph_wrappers import GraphWrappers
from torch2ms.rules.init_calls import InitCalls
from torch2ms.rules.inplace_args import InplaceArgs
from torch2ms.rules.legacy_constructors import LegacyConstructors
from torch2ms.rules.python_dtypes import PythonDtypes
from torch2ms.rules.tensor_methods import TensorMethods
from torch2ms.rules.tensor_rewrites import TensorRewrites
from torch2ms.rules.wrapped_calls import WrappedCalls


def all_rules(extra=()):
    # Rules resolve torch names on the *original* node, so their order matters only
    # where two rewrite the same node: device code goes first (it may drop the node).
    return [CellClasses(), CellModes(), GraphWrappers(), DeviceCode(), InitCalls(), InplaceArgs(), LegacyConstructors(), CallArgs(), PythonDtypes(), WrappedCalls(), TensorMethods(), TensorRewrites(), ApiNames(), *extra,
            TrainingFromTheStart()]  # last: it wraps the finished call
