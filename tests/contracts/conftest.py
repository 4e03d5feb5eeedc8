from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "protocol"


def load_fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())
