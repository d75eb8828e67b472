"""torch.nn.ModuleList holds None as well as modules (optional layers: `ModuleList([norm if pre
else None, ...])`, `layers.append(None)`), and code reads the None back (`for norm, block in
zip(...)`, `if norm is not None`). MindSpore's CellList takes Cells only (TypeError).

OptionalCellList is a CellList with torch's ModuleList semantics for None entries: len,
iteration, indexing and slicing see the None entries; the Cells are registered under their
index in the whole list, so their parameters keep torch's names (`layers.2.weight` where entry 1
is None) and torch's state dict loads by name.

torch2ms writes this code into converted files whose ModuleList may be given None.
"""
from __future__ import annotations

import mindspore


class OptionalCellList(mindspore.nn.CellList):
    """torch.nn.ModuleList: a list of Cells in which an entry may be None."""

    def __init__(self, modules=None):
        super().__init__()
        object.__setattr__(self, "_entries", [])
        if modules is not None:  # torch's name for the argument
            self.extend(modules)

    def _prefix(self):
        # the container's own place in the model, read off a parameter the list already names
        # (as CellList does): a parameter `i.w` of the list is named `<prefix>i.w` once assigned
        for path, param in self.parameters_and_names():
            if param.name.endswith(path):
                return param.name[:len(param.name) - len(path)]
        return ""

    def _store(self, entries):
        """Hold `entries`: each Cell is registered under its index, its parameters renamed where
        its index changed."""
        for entry in entries:
            if entry is not None and not isinstance(entry, mindspore.nn.Cell):
                raise TypeError(f"{type(self).__name__} holds Cells or None, not {type(entry).__name__}")
        prefix = self._prefix()
        before = {id(cell): key for key, cell in self._cells.items()}
        cells = type(self._cells)()
        for index, entry in enumerate(entries):
            if entry is not None:
                if before.get(id(entry)) != str(index) and self._auto_prefix:
                    entry.update_parameters_name(prefix + str(index) + ".")
                cells[str(index)] = entry
        object.__setattr__(self, "_entries", list(entries))
        self._cells = cells

    def __len__(self):
        return len(self._entries)

    def __bool__(self):
        return bool(self._entries)

    def __iter__(self):
        return iter(list(self._entries))

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)(self._entries[index])
        return self._entries[index]

    def __setitem__(self, index, cell):
        entries = list(self._entries)
        entries[index] = cell
        self._store(entries)

    def __delitem__(self, index):
        entries = list(self._entries)
        del entries[index]
        self._store(entries)

    def __iadd__(self, cells):
        return self.extend(cells)

    def __add__(self, other):
        return type(self)([*self._entries, *other])

    def append(self, cell):
        self._store([*self._entries, cell])
        return self

    def extend(self, cells):
        self._store([*self._entries, *cells])
        return self

    def insert(self, index, cell):
        entries = list(self._entries)
        entries.insert(index, cell)
        self._store(entries)

    def pop(self, index=-1):
        entry = self._entries[index]
        del self[index]
        return entry
