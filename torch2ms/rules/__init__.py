"""The conversion rules, in the order the engine applies them to each node.

Each rule is a small class in its own module, carrying its EXAMPLES (rules/base.py).
Rules resolve torch names on the *original* node, so order matters only where two rewrite
the same node: device code goes early (it may drop the node), argument forms before the
renames, and the active profile's rules come after the core ones. Adding a rule: its module,
and one line here.
"""
from torch2ms.rules.api_names import ApiNames
from torch2ms.rules.backend_choices import BackendChoices
from torch2ms.rules.byte_masks import ByteMasks
from torch2ms.rules.call_args import CallArgs
from torch2ms.rules.cell_classes import CellClasses
from torch2ms.rules.class_bases import ClassBases
from torch2ms.rules.cell_modes import CellModes
from torch2ms.rules.container_args import ContainerArgs
from torch2ms.rules.checkpoints import Checkpoints
from torch2ms.rules.data_loading import DataLoading
from torch2ms.rules.device_code import DeviceCode
from torch2ms.rules.einops_calls import EinopsCalls
from torch2ms.rules.feature_checks import FeatureChecks
from torch2ms.rules.grad_checkpointing import GradientCheckpointing
from torch2ms.rules.graph_wrappers import GraphWrappers
from torch2ms.rules.helper_calls import HelperCalls
from torch2ms.rules.in_place import InPlaceMethods
from torch2ms.rules.init_calls import InitCalls
from torch2ms.rules.inplace_args import InplaceArgs
from torch2ms.rules.layer_hooks import LayerHooks
from torch2ms.rules.layer_sizes import LayerSizes
from torch2ms.rules.layer_values import LayerValues
from torch2ms.rules.legacy_constructors import LegacyConstructors
from torch2ms.rules.method_forms import MethodForms
from torch2ms.rules.module_lookups import ModuleLookups
from torch2ms.rules.object_kinds import ObjectKinds
from torch2ms.rules.optimizer_params import OptimizerParams
from torch2ms.rules.pair_results import PairResults
from torch2ms.rules.python_dtypes import PythonDtypes
from torch2ms.rules.sequential_cells import SequentialCells
from torch2ms.rules.tensor_methods import TensorMethods
from torch2ms.rules.torch_internals import TorchInternals
from torch2ms.rules.torch_libraries import TorchLibraries
from torch2ms.rules.training_from_the_start import TrainingFromTheStart
from torch2ms.rules.type_annotations import TypeAnnotations
from torch2ms.rules.training_step import TrainingStep
from torch2ms.rules.wrapped_calls import WrappedCalls

CORE = (
    ObjectKinds,
    CellClasses,
    CellModes,
    OptimizerParams,
    DataLoading,
    Checkpoints,
    GraphWrappers,
    FeatureChecks,
    DeviceCode,
    BackendChoices,
    ModuleLookups,
    GradientCheckpointing,
    InitCalls,
    InplaceArgs,
    LegacyConstructors,
    CallArgs,
    PythonDtypes,
    WrappedCalls,
    TensorMethods,
    MethodForms,
    InPlaceMethods,
    PairResults,
    TorchLibraries,
    EinopsCalls,
    ApiNames,
    HelperCalls,
    LayerValues,
    TypeAnnotations,
    ClassBases,
    LayerSizes,
    TorchInternals,
    SequentialCells,
    LayerHooks,
    ContainerArgs,
    ByteMasks,
)
# After the profile's rules: it wraps finished calls (the others rewrite the call itself).
FINISHING = (TrainingFromTheStart, TrainingStep)

REGISTRY = CORE + FINISHING


def instances(profile_rules=()):
    """Fresh rule objects for one file: the core rules, the profile's, the finishing ones."""
    return [*(rule() for rule in CORE), *profile_rules, *(rule() for rule in FINISHING)]
