"""Runs ``torch_reference.py bench`` unchanged and adds the process CPU time of its timed steps.

The reference script times each step with ``time.perf_counter()``; this wrapper hands it a
``time`` module whose ``perf_counter`` also records ``time.process_time()`` (all threads of the
process), so the CPU time of exactly the timed steps can be reported next to the wall time.
On a busy machine wall time mostly measures the neighbours; CPU time measures the work.

    /usr/bin/python3 bench/torch_bench.py --preset tiny --steps 10 --threads 2
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src" / "engine" / "parity"))
import torch_reference as tr  # noqa: E402

calls: list[tuple[float, float]] = []


def perf_counter() -> float:
    wall = time.perf_counter()
    calls.append((wall, time.process_time()))
    return wall


tr.time = types.SimpleNamespace(perf_counter=perf_counter)  # type: ignore[attr-defined]


def main() -> None:
    argv = ["bench", *sys.argv[1:]]
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        args = tr.build_parser().parse_args(argv)
        args.func(args)
    line = json.loads(captured.getvalue().strip().splitlines()[-1])
    # The script reads the clock once per warm-up step (2 of them), then twice per timed step.
    pairs = calls[2:]
    cpu = sorted((pairs[i + 1][1] - pairs[i][1]) * 1000.0 for i in range(0, len(pairs) - 1, 2))
    if cpu:
        line["cpu_ms_per_step"] = round(cpu[len(cpu) // 2], 1)
        line["cpu_util"] = round(line["cpu_ms_per_step"] / line["step_ms_median"], 2)
    line["warmup"] = 2
    line["loadavg"] = round(os.getloadavg()[0], 1)
    print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
