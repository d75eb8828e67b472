"""The conversion rules, in the order the engine applies them to each node.

Each rule is a small class in its own module; its docstring says what it does and
tests/rules/ holds its input/output examples side by side.
"""
from torch2ms.rules.api_names import ApiNames
from torch2ms.rules.cell_classes import CellClasses
from torch2ms.rules.device_code import DeviceCode
from torch2ms.rules.inplace_args import InplaceArgs
from torch2ms.rules.tensor_methods import TensorMethods


def all_rules():
    # Rules reading a call's original torch name run before ApiNames rewrote it
    # only in the sense of hook order on the same node; each uses `original` to resolve.
    return [CellClasses(), DeviceCode(), InplaceArgs(), TensorMethods(), ApiNames()]
