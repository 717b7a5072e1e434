"""Drawing the recorded graph: ``make_dot`` (torchviz's) and ``plot_dot_graph`` (DeZero's).

The graph is walked from the outputs back through their records (``grad_fn``) to the leaves
that require grad, as backward would, and written as Graphviz DOT source. Each record is a box
named by its ``name()`` (``MulBackward0``); each leaf is a blue box with its name (from
``params``) and shape; each output a green box with its shape. ``Digraph.render`` draws it
with Graphviz's ``dot`` program when it is installed, else with matplotlib (a layered drawing:
inputs at the top, outputs at the bottom), so a picture comes out on any machine with either.

    import autograd as ag
    from autograd.viz import make_dot

    y = model(x).sum()
    g = make_dot(y, params=dict(model.named_parameters()))
    print(g.source)             # the DOT text
    g.render("graph", format="png")   # graph.png
"""

from __future__ import annotations

import os
import shutil

from .function import RELEASED, Function
from .tensor import Tensor

__all__ = ["Digraph", "graph_of", "make_dot", "plot_dot_graph"]

_LEAF, _OUTPUT, _OP, _SAVED = "lightblue", "darkolivegreen1", "lightgray", "orange"
_FORMATS = ("png", "svg", "pdf")


def _shape(a) -> str:
    return "(" + ", ".join(str(int(n)) for n in a.shape) + ")"


def _dtype(a) -> str:
    return str(a.dtype)


def graph_of(outputs):
    """The graph behind ``outputs`` (a Tensor or a sequence of Tensors).

    Returns ``(nodes, edges)``: ``nodes`` maps a key to ``(kind, obj)`` with kind "output"
    (obj: an output Tensor), "op" (obj: a record, a ``Function``) or "leaf" (obj: a leaf
    Tensor that requires grad); ``edges`` lists ``(src_key, dst_key)`` in the direction the
    forward pass ran (input -> op -> output). Records are visited once each, with an explicit
    stack (a 10^6-long chain is fine). Outputs that do not require grad appear alone.
    """
    outs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    for i, t in enumerate(outs):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"make_dot: outputs must be Tensors, but output {i} is a {type(t).__name__}"
            )
    nodes, edges, stack = {}, [], []

    def visit(obj):
        key = id(obj)
        if key not in nodes:
            kind = "leaf" if isinstance(obj, Tensor) else "op"
            nodes[key] = (kind, obj)
            if kind == "op":
                stack.append(obj)
        return key

    for t in outs:
        key = ("out", id(t))
        if key in nodes:
            continue
        nodes[key] = ("output", t)
        if t._node is not None:
            edges.append((visit(t._node), key))
        elif t._rg:
            edges.append((visit(t), key))
    while stack:
        rec = stack.pop()
        for p in rec.parents or ():
            if p is not None:
                edges.append((visit(p), id(rec)))
    return nodes, edges


def _saved_shapes(rec) -> list:
    saved = rec._saved
    if saved is RELEASED:
        return ["<released>"]
    out = []
    for obj, _, _ in saved or ():
        shape = getattr(obj, "shape", None)
        if shape is not None:
            out.append(f"{_shape(obj)} {_dtype(obj)}" if hasattr(obj, "dtype") else str(shape))
    return out


_BASE_SLOTS = frozenset(Function.__slots__) | {"_ctx"}


def _attrs(rec, limit: int) -> list:
    """``name=value`` for the facts a record kept from its forward (an axis, a shape)."""
    found = {}
    for klass in type(rec).__mro__:
        for name in getattr(klass, "__slots__", ()):
            if name not in _BASE_SLOTS and not name.startswith("__") and hasattr(rec, name):
                found.setdefault(name, getattr(rec, name))
    found.update(getattr(rec, "__dict__", {}))
    lines = []
    for name, v in found.items():
        if name.startswith("_") or callable(v):
            continue
        text = repr(v)
        lines.append(f"{name}={text if len(text) <= limit else text[: limit - 3] + '...'}")
    return lines


class Digraph:
    """A drawn graph: ``source`` (Graphviz DOT text), ``save`` and ``render``.

    nodes: key -> (label, colour); edges: (src, dst) pairs. Mirrors the parts of the
    ``graphviz.Digraph`` that torchviz users call.
    """

    def __init__(self, nodes: dict, edges: list):
        self.nodes = nodes
        self.edges = edges

    @property
    def source(self) -> str:
        """The graph as DOT text (feed it to Graphviz's ``dot``)."""
        names = {k: f"n{i}" for i, k in enumerate(self.nodes)}
        lines = [
            "digraph {",
            '  graph [size="12,12"]',
            "  node [align=left fontname=monospace fontsize=10 height=0.2 shape=box style=filled]",
        ]
        for key, (label, colour) in self.nodes.items():
            text = label.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            lines.append(f'  {names[key]} [label="{text}" fillcolor={colour}]')
        for a, b in self.edges:
            lines.append(f"  {names[a]} -> {names[b]}")
        lines.append("}")
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        return self.source

    def __repr__(self) -> str:
        return f"<Digraph: {len(self.nodes)} nodes, {len(self.edges)} edges>"

    def save(self, filename: str) -> str:
        """Write the DOT source to ``filename``; returns the path."""
        with open(filename, "w", encoding="utf-8") as f:
            f.write(self.source)
        return filename

    def render(self, filename: str = "graph", format: str = "png", engine: str = "auto") -> str:  # noqa: A002
        """Draw the graph to ``filename.format`` (png, svg or pdf); returns that path.

        engine: "dot" (Graphviz's program, which must be on PATH), "matplotlib" (a layered
        drawing), or "auto": dot when installed, else matplotlib. A ``filename`` that already
        ends in ``.format`` is used as is.
        """
        if format not in _FORMATS:
            raise ValueError(f"Digraph.render: format must be one of {_FORMATS}, got {format!r}")
        if engine not in ("auto", "dot", "matplotlib"):
            raise ValueError(
                f"Digraph.render: engine must be 'auto', 'dot' or 'matplotlib', got {engine!r}"
            )
        path = filename if filename.endswith("." + format) else f"{filename}.{format}"
        dot = shutil.which("dot")
        if engine == "dot" and dot is None:
            raise RuntimeError(
                "Digraph.render: Graphviz's 'dot' program is not on PATH; install graphviz, "
                "or pass engine='matplotlib'"
            )
        if dot is not None and engine != "matplotlib":
            import subprocess

            subprocess.run([dot, f"-T{format}", "-o", path], input=self.source.encode(), check=True)
            return path
        self._draw(path)
        return path

    def _layers(self):
        """Each node's layer and position in it: a node sits one layer below its deepest
        input, an input just above its first user; each layer is ordered by the mean position
        of its neighbours, sweeping down, up and down again (fewer crossings)."""
        preds = {k: [] for k in self.nodes}
        succs = {k: [] for k in self.nodes}
        for a, b in self.edges:
            preds[b].append(a)
            succs[a].append(b)
        depth = {}
        for key in self.nodes:  # longest path from an input, iteratively
            stack = [(key, False)]
            while stack:
                k, done = stack.pop()
                if k in depth:
                    continue
                if done:
                    depth[k] = 1 + max((depth[p] for p in preds[k]), default=-1)
                    continue
                stack.append((k, True))
                stack.extend((p, False) for p in preds[k] if p not in depth)
        for k in self.nodes:
            if not preds[k] and succs[k]:
                depth[k] = min(depth[c] for c in succs[k]) - 1
        layers = [[] for _ in range(1 + max(depth.values(), default=0))]
        for k in self.nodes:
            layers[depth[k]].append(k)
        pos = {k: float(i) for layer in layers for i, k in enumerate(layer)}
        for order, near in ((layers, preds), (layers[::-1], succs), (layers, preds)):
            for layer in order:
                bary = {k: sum(pos[p] for p in near[k]) / len(near[k]) if near[k] else pos[k]
                        for k in layer}  # fmt: skip
                layer.sort(key=bary.__getitem__)
                for i, k in enumerate(layer):
                    pos[k] = i - (len(layer) - 1) / 2
        return layers, pos

    def _draw(self, path: str) -> None:
        if len(self.nodes) > _MPL_MAX_NODES:
            raise RuntimeError(
                f"Digraph.render: {len(self.nodes):,} nodes are too many for the matplotlib "
                f"drawing (at most {_MPL_MAX_NODES:,}); install Graphviz's 'dot', or write the "
                "DOT text with save()"
            )
        try:
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure
        except ImportError:
            raise RuntimeError(
                "Digraph.render: neither Graphviz's 'dot' program nor matplotlib is installed; "
                "install one, or write the DOT text with save()"
            ) from None
        layers, pos = self._layers()
        width = max(len(layer) for layer in layers)
        fig = Figure(figsize=(min(2.2 * width + 1, 60), min(1.0 * len(layers) + 1, 120)))
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_axis_off()
        xy = {}
        for r, layer in enumerate(layers):
            for k in layer:
                xy[k] = (pos[k], -r)
        for a, b in self.edges:
            ax.annotate(
                "", xy=xy[b], xytext=xy[a],
                arrowprops={"arrowstyle": "->", "color": "0.35", "shrinkA": 9, "shrinkB": 9},
            )  # fmt: skip
        for k, (label, colour) in self.nodes.items():
            ax.text(
                *xy[k], label, ha="center", va="center", family="monospace", fontsize=8,
                bbox={"boxstyle": "round,pad=0.3", "fc": _MPL_COLOURS.get(colour, colour)},
            )  # fmt: skip
        ax.set_xlim(-width / 2 - 0.5, width / 2 + 0.5)
        ax.set_ylim(-len(layers) + 0.5, 0.5)
        fig.savefig(path)


_MPL_MAX_NODES = 2000  # beyond this the drawing takes minutes and is unreadable anyway
_MPL_COLOURS = {_OUTPUT: "#caff70", _LEAF: "#add8e6", _OP: "#d3d3d3", _SAVED: "#ffa500"}


def make_dot(var, params=None, show_attrs: bool = False, show_saved: bool = False,
             max_attr_chars: int = 50) -> Digraph:  # fmt: skip
    """The graph that produced ``var`` (a Tensor or a sequence of them), as torchviz draws it.

    params: optional ``{name: Tensor}`` (``dict(model.named_parameters())``) naming the leaves.
    show_attrs: list each record's forward facts (an axis, a shape); show_saved: the shapes
    and dtypes of what each record saved for backward (``<released>`` after a backward that
    freed them). Returns a ``Digraph``; ``.source`` is the DOT text, ``.render()`` draws it.
    """
    names = {}
    if params is not None:
        items = params.items() if isinstance(params, dict) else params
        for name, t in items:
            if not isinstance(t, Tensor):
                raise TypeError(
                    f"make_dot: params must map names to Tensors, but {name!r} is a "
                    f"{type(t).__name__}"
                )
            names[id(t)] = name
    nodes, edges = graph_of(var)
    drawn = {}
    for key, (kind, obj) in nodes.items():
        if kind == "op":
            lines = [obj.name()]
            if show_attrs:
                lines += _attrs(obj, max_attr_chars)
            if show_saved:
                lines += [f"saved: {s}" for s in _saved_shapes(obj)]
            drawn[key] = ("\n".join(lines), _OP)
        else:
            name = names.get(id(obj), "")
            label = f"{name}\n{_shape(obj._data)}" if name else _shape(obj._data)
            drawn[key] = (label, _LEAF if kind == "leaf" else _OUTPUT)
    return Digraph(drawn, edges)


def plot_dot_graph(output, verbose: bool = True, to_file: str = "graph.png") -> str:
    """DeZero's ``plot_dot_graph``: draw the graph behind ``output`` (a Tensor) to ``to_file``.

    verbose: add each tensor's dtype and each record's output shape and dtype. The format
    comes from the file's extension (png, svg or pdf; ``.dot`` writes the DOT text). Returns
    the path written.
    """
    g = make_dot(output)
    if verbose:
        nodes, _ = graph_of(output)
        for key, (kind, obj) in nodes.items():
            label, colour = g.nodes[key]
            if kind == "op":
                label += f"\n-> ({', '.join(map(str, obj.oshape))}) {obj.odtype}"
            else:
                label += f" {_dtype(obj._data)}"
            g.nodes[key] = (label, colour)
    base, ext = os.path.splitext(to_file)
    if ext == ".dot":
        return g.save(to_file)
    fmt = ext.lstrip(".") or "png"
    return g.render(base if ext else to_file, format=fmt)
