"""Everything the tool knows about APIs: plain data (data/) and typed loaders, no libcst.

    record("torch.Tensor.flip")   one record per torch API: its target, table rows, correction,
                                  argument rule, other forms, evidence (records.py)
    explain("F.relu")             the same as text (`torch2ms explain F.relu`)

Modules by kind: store (reading and schema checks), tables (the seed's reference tables),
inventory (what exists in MindSpore 2.10 and torch 2.13), lookup (target of a name:
corrections, tables, verified mappings, priority rule), arg_rules, extras (forms beyond the
tables, initialisers, Tensor method facts), reasons (why a reference is flagged), records.
"""
from torch2ms.knowledge.arg_rules import ArgRule
from torch2ms.knowledge.reasons import Reason
from torch2ms.knowledge.records import ApiRecord, explain, record
from torch2ms.knowledge.store import KnowledgeError

__all__ = ["ApiRecord", "ArgRule", "KnowledgeError", "Reason", "explain", "record"]
