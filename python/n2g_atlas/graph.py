"""A neuron's trie as stored in /graphs: nodes, edges, paths, and what it fires on."""

import math
from dataclasses import dataclass
from typing import List, Optional, Tuple

IGNORE = -1  # the wildcard token


@dataclass
class Node:
    token: int             # token id, IGNORE for the wildcard
    parent: Optional[int]  # index in Graph.nodes, None under the root
    importance: float      # largest activation (first level) or importance (context)
    end: Optional[float]   # END value where a path ends here, else None
    activator: bool


@dataclass
class Path:
    activating: str              # the token the neuron fires on
    context: List[Optional[str]]  # context tokens walking backwards, None for any token
    end: float                   # the END value (normalised activation it predicts)

    def __str__(self):
        before = " ".join("*" if t is None else repr(t) for t in reversed(self.context))
        return f"{before + ' ' if before else ''}[{self.activating!r}] -> {self.end:.2f}"


class Graph:
    def __init__(self, tokens, parents, importance, ends, activators, vocab):
        self._vocab = vocab
        self.nodes = [
            Node(int(t), None if p < 0 else int(p), float(i), None if math.isnan(e) else float(e), bool(a))
            for t, p, i, e, a in zip(tokens, parents, importance, ends, activators)
        ]

    def __len__(self):
        return len(self.nodes)

    def text(self, token: int) -> Optional[str]:
        if token == IGNORE:
            return None
        return self._vocab[token] if 0 <= token < len(self._vocab) else f"#{token}"

    @property
    def edges(self) -> List[Tuple[int, int]]:
        """(parent, child) node indices."""
        return [(n.parent, i) for i, n in enumerate(self.nodes) if n.parent is not None]

    @property
    def activating(self) -> List[str]:
        """First-level tokens the neuron fires on, strongest first."""
        first = [n for n in self.nodes if n.parent is None and n.activator]
        return [self.text(n.token) for n in sorted(first, key=lambda n: (-n.importance, n.token))]

    @property
    def context(self) -> List[str]:
        return sorted({self.text(n.token) for n in self.nodes if n.parent is not None and n.token != IGNORE})

    def paths(self) -> List[Path]:
        """Every path that ends (has an END value), first-level token first."""
        out = []
        for i, node in enumerate(self.nodes):
            if node.end is None:
                continue
            chain = []
            j = i
            while j is not None:
                chain.append(self.nodes[j])
                j = self.nodes[j].parent
            chain.reverse()
            out.append(Path(self.text(chain[0].token), [self.text(n.token) for n in chain[1:]], node.end))
        return out
