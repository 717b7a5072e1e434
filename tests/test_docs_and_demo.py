"""The README's code runs as written, and the demo trains on a short setting."""

from __future__ import annotations

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_readme_python_blocks_run():
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks, "README has no python examples"
    exec(compile("\n".join(blocks), "README.md", "exec"), {})


def test_readme_leads_with_the_ci_test_command():
    text = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    cmds = re.findall(r"```bash\n(.*?)\n```", text, re.S)
    assert "examples.digits" in cmds[0]
    assert "pytest" in cmds[1]
    assert cmds[1].strip() in ci


def test_demo_learns_the_spiral(capsys):
    from examples import demo

    acc = demo.main(["--steps", "150"])
    out = capsys.readouterr().out
    assert "gradcheck of the loss" in out and "passed" in out
    assert acc > 0.9
