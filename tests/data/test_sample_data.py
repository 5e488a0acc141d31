"""The bundled sample dump is what data/sample/generate.py writes, and gold.json covers every record once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CHECK = Path(__file__).with_name("sample_gold_check.py")


def test_sample_dump_matches_its_generator_and_gold() -> None:
    result = subprocess.run([sys.executable, str(CHECK)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK: 37 records")
