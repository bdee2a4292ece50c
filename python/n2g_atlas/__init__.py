"""Read n2g atlases (docs/FORMATS.md, format version 2) with h5py and numpy."""

from .atlas import Atlas, Example, Graph, Neuron, open
from .compare import compare, match

__all__ = ["Atlas", "Example", "Graph", "Neuron", "compare", "match", "open"]
__version__ = "0.2.0"
