"""Example project: a tiny GPT language model."""
from .model import GPT, Block, CausalSelfAttention, MLP, build_model, example_inputs

__all__ = ["GPT", "Block", "CausalSelfAttention", "MLP", "build_model", "example_inputs"]
