"""Run every benchmark in bench/ with its defaults: `python -m bench` (`make bench`).

Each module is run as if by `python -m bench.<name>`: it parses its own (here empty)
command line and prints its own table.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def benchmarks() -> list[str]:
    """Every module of this package that has a main(), in name order."""
    here = str(Path(__file__).parent)
    return sorted(f"bench.{m.name}" for m in pkgutil.iter_modules([here]) if not m.name.startswith("_"))


def main() -> None:
    names = benchmarks()
    for name in names:
        module = importlib.import_module(name)
        if not callable(getattr(module, "main", None)):
            continue
        print(f"== {name}", flush=True)
        start = time.perf_counter()
        sys.argv = [name]  # the defaults, not this command's arguments
        module.main()
        print(f"== {name} done in {time.perf_counter() - start:.0f}s\n", flush=True)


if __name__ == "__main__":
    main()
