"""Graph introspection and drawing: next_functions, make_dot, plot_dot_graph."""

import numpy as np
import pytest

import autograd as ag
import nn
from autograd.graph import AccumulateGrad, Node
from autograd.viz import Digraph, graph_of, make_dot, plot_dot_graph


def _model_loss():
    ag.manual_seed(0)
    m = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    x = ag.randn(5, 4)
    return m, m(x).pow(2).mean() + m[0].weight.abs().sum()


def _leaves_by_next_functions(fn):
    """The leaves reached through next_functions, walked as torchviz walks them."""
    seen, found, stack = set(), [], [fn]
    while stack:
        f = stack.pop()
        if f is None or f in seen:
            continue
        seen.add(f)
        if hasattr(f, "variable"):
            found.append(f.variable)
        stack.extend(g for g, _ in f.next_functions)
    return found


def test_next_functions_edges():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    c = ag.tensor([3.0, 4.0])
    y = (x * c).tanh() * x
    (tanh, _), (acc, _) = y.grad_fn.next_functions
    assert repr(tanh) == "<TanhBackward>" and isinstance(tanh, Node)
    assert isinstance(acc, AccumulateGrad) and acc.variable is x
    ((mul, _),) = tanh.next_functions
    assert mul.next_functions == ((AccumulateGrad(x), 0),)  # c needs no gradient: trailing
    assert (c * x).grad_fn.next_functions == ((None, 0), (AccumulateGrad(x), 0))
    assert x.sum().grad_fn.next_functions == ((AccumulateGrad(x), 0),)  # no axis entries
    assert AccumulateGrad(x) == AccumulateGrad(x) and len({AccumulateGrad(x), acc}) == 1
    assert AccumulateGrad(x) != AccumulateGrad(c) and acc.next_functions == ()


def test_next_functions_reach_every_parameter():
    m, loss = _model_loss()
    leaves = _leaves_by_next_functions(loss.grad_fn)
    assert {id(t) for t in leaves} == {id(p) for p in m.parameters()}
    assert len(leaves) == 4  # the shared first weight (two paths) is one node


def test_next_functions_match_torch_structure():
    torch = pytest.importorskip("torch")

    def shape(fn, leaf_name):
        if fn is None:
            return None
        if hasattr(fn, "variable"):
            return leaf_name[id(fn.variable)]
        return [shape(g, leaf_name) for g, _ in fn.next_functions]

    a, b = np.random.default_rng(0).standard_normal((2, 3))
    ta, tb = ag.tensor(a, requires_grad=True), ag.tensor(b, requires_grad=True)
    pa, pb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    ours = shape(((ta * tb).exp() + ta.sin()).sum().grad_fn, {id(ta): "a", id(tb): "b"})
    theirs = shape(((pa * pb).exp() + pa.sin()).sum().grad_fn, {id(pa): "a", id(pb): "b"})
    assert ours == theirs == [[[["a", "b"]], ["a"]]]


def test_graph_of_kinds_and_direction():
    m, loss = _model_loss()
    nodes, edges = graph_of(loss)
    kinds = sorted(k for k, _ in nodes.values())
    assert kinds.count("output") == 1 and kinds.count("leaf") == 4
    assert kinds.count("op") == 8  # 2 linear, relu, pow, mean, abs, sum, add
    out_key = next(k for k, (kind, _) in nodes.items() if kind == "output")
    assert [a for a, b in edges if b == out_key] == [id(loss.grad_fn)]
    leaf_keys = {k for k, (kind, _) in nodes.items() if kind == "leaf"}
    assert not any(b in leaf_keys for _, b in edges)  # edges run input -> op -> output
    assert sum(a == id(m[0].weight) for a, _ in edges) == 2  # used by linear and abs


def test_graph_of_leaf_and_constant_outputs():
    w = ag.tensor([1.0], requires_grad=True)
    nodes, edges = graph_of([w, ag.tensor([2.0])])
    assert sorted(k for k, _ in nodes.values()) == ["leaf", "output", "output"]
    assert edges == [(id(w), ("out", id(w)))]
    with pytest.raises(TypeError, match="output 1 is a ndarray"):
        graph_of([w, np.zeros(2)])


def test_make_dot_source_names_params_and_saved():
    m, loss = _model_loss()
    g = make_dot(loss, params=dict(m.named_parameters()), show_saved=True, show_attrs=True)
    src = g.source
    assert src.startswith("digraph {") and src.rstrip().endswith("}")
    for text in ("0.weight\\n(3, 4)", "2.bias\\n(2)", "LinearBackward0", "ReluBackward0"):
        assert text in src
    assert "saved: (5, 4) float32" in src  # the first linear keeps its input
    assert src.count(" -> ") == len(graph_of(loss)[1]) == len(g.edges)
    assert "<released>" not in src
    loss.backward()
    assert "<released>" in make_dot(loss, show_saved=True).source
    assert repr(g).startswith("<Digraph: 13 nodes")
    with pytest.raises(TypeError, match="'w' is a list"):
        make_dot(loss, params={"w": [1.0]})


def test_dot_labels_are_escaped():
    g = Digraph({"a": ('say "hi"\\n', "lightblue")}, [])
    assert 'label="say \\"hi\\"\\\\n"' in g.source


def test_long_chain_does_not_recurse():
    x = ag.tensor([0.5], requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y * 1.0001
    g = make_dot(y)
    assert len(g.nodes) == 20_002
    layers, _ = g._layers()
    assert len(layers) == 20_002


def test_render_matplotlib_and_plot_dot_graph(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.setattr("shutil.which", lambda name: None)  # no Graphviz: matplotlib draws
    m, loss = _model_loss()
    g = make_dot(loss, params=dict(m.named_parameters()))
    path = g.render(str(tmp_path / "graph"), format="png")
    assert path.endswith("graph.png")
    assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    svg = plot_dot_graph(loss, to_file=str(tmp_path / "g.svg"))
    text = open(svg).read()
    assert "<svg" in text
    dot = plot_dot_graph(loss, verbose=True, to_file=str(tmp_path / "g.dot"))
    src = open(dot).read()
    assert "(3, 4) float32" in src and "-> (5, 3) float32" in src  # dtypes, record outputs
    with pytest.raises(RuntimeError, match="'dot' program is not on PATH"):
        g.render(str(tmp_path / "x"), engine="dot")
    with pytest.raises(ValueError, match="format must be one of"):
        g.render(str(tmp_path / "x"), format="gif")
    with pytest.raises(ValueError, match="engine must be"):
        g.render(str(tmp_path / "x"), engine="neato")


def test_render_uses_dot_when_installed(tmp_path, monkeypatch):
    calls = []

    def fake_run(cmd, input, check):  # noqa: A002 - subprocess.run's name
        calls.append((cmd, input))
        open(cmd[-1], "w").write("drawn")

    monkeypatch.setattr("shutil.which", lambda name: "/usr/bin/dot")
    monkeypatch.setattr("subprocess.run", fake_run)
    x = ag.tensor([1.0], requires_grad=True)
    g = make_dot((x * 2).sum())
    path = g.render(str(tmp_path / "g.pdf"), format="pdf")
    assert path == str(tmp_path / "g.pdf") and open(path).read() == "drawn"
    ((cmd, stdin),) = calls
    assert cmd[:2] == ["/usr/bin/dot", "-Tpdf"] and stdin == g.source.encode()


def test_name_is_torchs():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    assert x.sin().grad_fn.name() == "SinBackward0"
    assert (x * x).sum().grad_fn.name() == "SumBackward0"
    acc = x.sin().grad_fn.next_functions[0][0]
    assert acc.name() == "torch::autograd::AccumulateGrad"

    class MyExp(ag.Function):
        @staticmethod
        def forward(ctx, v):
            y = v.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, gy):
            (y,) = ctx.saved_tensors
            return gy * y

    y = MyExp.apply(x)
    assert y.grad_fn.name() == "MyExpBackward"
    assert "MyExpBackward\\n" not in make_dot(y.sum()).source.replace("MyExpBackward", "", 1)
    assert '"MyExpBackward"' in make_dot(y).source


def test_matplotlib_drawing_refuses_huge_graphs(tmp_path, monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    x = ag.tensor([0.5], requires_grad=True)
    y = x
    for _ in range(2100):
        y = y * 1.0001
    with pytest.raises(RuntimeError, match="too many for the matplotlib drawing"):
        make_dot(y).render(str(tmp_path / "big"))
    assert make_dot(y).save(str(tmp_path / "big.dot")).endswith("big.dot")
