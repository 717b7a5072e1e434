"""The README's code runs as written, and the demo trains on a short setting."""

from __future__ import annotations

import json
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


def test_demo_learns_the_spiral(capsys, tmp_path):
    from examples import demo

    acc = demo.main(["--steps", "150", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "gradcheck of the loss" in out and "passed" in out
    assert acc > 0.9
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["gradcheck_passed"] is True and report["steps"] == 150


def test_demo_takes_the_flags_every_example_takes(tmp_path):
    from examples import demo

    demo.main(["--quick", "--out", str(tmp_path), "--seed", "1"])
    assert json.loads((tmp_path / "report.json").read_text())["steps"] == 60
