"""Parses argument lists with the real upstream parser inside an official image (test helper).

stdin: a JSON object {name: [arg, ...]}; argv[1]: `clip` (open_clip 2.16.1's training.params.parse_args)
or `lm` (open_lm's open_lm.params.parse_args). stdout: one JSON object {name: vars(parsed)} — values
that JSON cannot hold are written as their str(). A list the parser refuses exits non-zero (argparse
prints why), so a refused flag fails the test with upstream's own message.
"""

import json
import sys


def plain(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return str(value)


def main():
    kind = sys.argv[1]
    if kind == "clip":
        from training.params import parse_args
    elif kind == "lm":
        from open_lm.params import parse_args
    else:
        raise SystemExit("usage: parse_upstream_args.py {clip|lm} < lists.json")
    lists = json.load(sys.stdin)
    out = {}
    for name, args in lists.items():
        out[name] = {k: plain(v) for k, v in vars(parse_args(list(args))).items()}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
