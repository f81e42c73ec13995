"""The contract side of dcbench's official images (docs/containers.md, docs/official.md).

`python3 -m dcbench_official train {clip|lm} -- <upstream args>` runs the real upstream entry point
(open_clip 2.16.1 `training.main`, open_lm 9bb92ef `open_lm.main`) with the argument list the harness
built, turns upstream's log lines into metrics.jsonl and `@dcbench` events, and after a finished run
exports the checkpoint to dcbench's model folder and writes final.json.

`python3 -m dcbench_official export --spec FILE` exports a checkpoint (from a dcbench run or trained
elsewhere) to a model folder; `python3 -m dcbench_official parse {clip|lm} -- <args>` runs only the
upstream argument parser and prints what it parsed (the dry-run check).

Pure standard library at import time: torch and the upstream packages are imported by the functions
that need them, so the log parsing is testable with any python3.
"""
