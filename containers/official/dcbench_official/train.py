"""`python3 -m dcbench_official train {clip|lm} -- <args>`: one attempt of upstream training under the
container contract (docs/containers.md): metrics.jsonl and `@dcbench` events from upstream's log lines,
SIGTERM forwarded, and after a finished run the export of model/ and final.json.

Upstream saves checkpoints only when a pseudo-epoch ends (open_clip: `epoch_latest.pt`; open_lm:
`epoch_N.pt` + `optimizer_N.pt` + `stats_N.pt`) and `--resume latest` restarts from there: an attempt
stopped mid-epoch resumes at the epoch's first step, so the metrics of the steps after it are dropped
when the next attempt starts (they are trained again).
"""

import json
import os
import signal
import subprocess
import sys
import time

from . import logs

OUT = os.environ.get("DCBENCH_OUT", "/out")
DATA = os.environ.get("DCBENCH_DATA", "/data")
RECIPE = os.environ.get("DCBENCH_RECIPE", os.path.join(OUT, "recipe.json"))

MODULES = {"clip": "training.main", "lm": "open_lm.main"}


def emit(event, **fields):
    sys.stdout.write("@dcbench " + json.dumps({"event": event, **fields}, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def write_json_atomic(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def env_int(name, default):
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def model_seq_len(args):
    """open_lm's --model JSON (relative to the working directory, as DCLM passes it) gives seq_len."""
    with open(logs.arg_value(args, "--model"), encoding="utf-8") as f:
        return int(json.load(f)["seq_len"])


def step_counter(kind, args, world):
    return logs.ClipSteps(args, world) if kind == "clip" else logs.LmSteps(args, world, model_seq_len(args))


def command(kind, args, world):
    module = MODULES[kind]
    if world <= 1:
        return [sys.executable, "-m", module, *args]
    # Debian's torch has no libuv; USE_LIBUV=0 (set below) makes torchrun use its older TCPStore.
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=%d" % world, "-m", module, *args]


def truncate_metrics(path, step):
    """Keeps the metrics rows up to `step` (the checkpoint this attempt resumes from)."""
    if not os.path.exists(path):
        return
    with open(path, encoding="utf-8") as f:
        rows = [line for line in f if line.strip() and json.loads(line).get("step", 0) <= step]
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.writelines(rows)
    os.replace(path + ".tmp", path)


class Follower:
    """Turns upstream's output lines into metrics rows and events."""

    def __init__(self, kind, counter, metrics_path, threads, device):
        self.kind, self.counter, self.metrics_path = kind, counter, metrics_path
        self.threads, self.device = threads, device
        self.started = time.time()
        self.last_step = 0
        self.last_loss = None
        self.resumed = None

    def line(self, line):
        self.counter.note(line)
        epoch = logs.parse_start_epoch(line)
        if epoch is not None and self.resumed is None:
            self.resumed = self.counter.epoch_start(epoch)
            truncate_metrics(self.metrics_path, self.resumed)
            self.last_step = self.resumed
            emit("start", steps_total=self.counter.total, resumed_from_step=self.resumed, device=self.device, threads=self.threads)
            return
        row = logs.parse_train_line(line)
        if row is None:
            return
        step = self.counter.step_of(row)
        if step <= self.last_step:
            return
        self.last_step = step
        self.last_loss = row.get("loss", self.last_loss)
        unit = self.counter.unit
        metrics = {
            "step": step,
            "steps_total": self.counter.total,
            "epoch": row["epoch"],
            unit + "_seen": step * self.counter.per_step,
            "loss": self.last_loss,
            "lr": row.get("lr"),
            unit + "_per_second": row.get("rate"),
            "elapsed_seconds": round(time.time() - self.started, 3),
        }
        if "logit_scale" in row:
            metrics["logit_scale"] = row["logit_scale"]
        with open(self.metrics_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(metrics) + "\n")
        emit("step", **metrics)


def run_upstream(kind, args, follower, world):
    env = dict(os.environ, PYTHONUNBUFFERED="1", USE_LIBUV="0")
    child = subprocess.Popen(command(kind, args, world), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1, env=env, start_new_session=True)
    stopping = {"signal": None}

    def forward(signum, _frame):
        stopping["signal"] = signum
        try:
            os.killpg(child.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for line in child.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        follower.line(line.rstrip("\n"))
    code = child.wait()
    return code, stopping["signal"]


def finish(kind, args, doc, follower, seconds, export):
    """After upstream finished: export model/, then final.json (written last)."""
    files = export(kind, args, doc)
    emit("export", files=["model/" + f for f in files])
    final_path = os.path.join(OUT, "final.json")
    previous = {}
    if os.path.exists(final_path):
        with open(final_path, encoding="utf-8") as f:
            previous = json.load(f)
    counter = follower.counter
    final = {
        "format": "dcbench.final/1",
        "benchmark": doc["benchmark"],
        "scale": doc["scale"],
        "recipe_hash": doc["recipe_hash"],
        "complete": True,
        # upstream exited 0: it trained its whole schedule (open_lm never logs its last step)
        "steps": counter.total,
        "steps_total": counter.total,
        counter.unit + "_seen": counter.total * counter.per_step,
        "final_loss": follower.last_loss,
        "metrics_every_n_steps": int(logs.arg_value(args, "--log-every-n-steps", "100")),
        "train_seconds": round(previous.get("train_seconds", 0) + seconds, 3),
        "attempts": previous.get("attempts", 0) + 1,
    }
    write_json_atomic(final_path, final)
    emit("done", **final)


def main(kind, args, export):
    with open(RECIPE, encoding="utf-8") as f:
        doc = json.load(f)
    if os.environ.get("DCBENCH_MAX_STEPS"):
        emit("error", message="DCBENCH_MAX_STEPS: the upstream trainers checkpoint only when a pseudo-epoch ends, so a stop mid-epoch cannot be resumed where it stopped; use bench train --smoke for a short run")
        return 2
    world = max(1, env_int("DCBENCH_GPUS", 1))
    threads = env_int("DCBENCH_THREADS", 0)
    if threads > 0:
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    device = "cuda" if env_int("DCBENCH_GPUS", 0) > 0 else "cpu"
    follower = Follower(kind, step_counter(kind, args, world), os.path.join(OUT, "metrics.jsonl"), threads, device)
    started = time.time()
    code, stopped = run_upstream(kind, args, follower, world)
    if stopped is not None:
        return 128 + stopped
    if code != 0:
        emit("error", message="%s exited with status %d at step %d (see logs/train.log)" % (MODULES[kind], code, follower.last_step))
        # a signal death reads as 128 + signal; 130/143 would read as an interruption, which it was not
        code = 128 - code if code < 0 else code
        return 1 if code in (130, 143) else code
    finish(kind, args, doc, follower, time.time() - started, export)
    return 0

