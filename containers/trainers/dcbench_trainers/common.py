"""What both tiny trainers share: the DCBENCH_* environment, `@dcbench ` progress events, atomic
writes, checkpoints and resume, metrics.jsonl, learning-rate schedules and the training loop with its
SIGTERM handling (docs/containers.md)."""

import glob
import json
import math
import os
import re
import shutil
import signal
import sys
import time

import torch

CHECKPOINT_RE = re.compile(r"^step_(\d{8})\.pt$")
KEEP_CHECKPOINTS = 2


class UsageError(Exception):
    """Unusable input (data, recipe): reported as an `error` event and exit status 2."""


class Stopped(Exception):
    """SIGTERM/SIGINT outside the step loop."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


class Distributed:
    """The processes of one run (docs/slurm.md): torchrun's environment (RANK, WORLD_SIZE, MASTER_ADDR,
    MASTER_PORT, LOCAL_RANK) when several train it, else one process. Every rank reads the same global
    batches and trains on its equal slice of each; rank 0 alone prints events and writes the run's files."""

    def __init__(self, environ=None):
        e = os.environ if environ is None else environ
        self.world = int(e.get("WORLD_SIZE") or 1)
        self.rank = int(e.get("RANK") or 0)
        self.local_rank = int(e.get("LOCAL_RANK") or 0)
        self.enabled = self.world > 1
        self.main = self.rank == 0

    def start(self, device):
        if not self.enabled:
            return
        import datetime
        import torch.distributed as dist

        if device == "cuda":
            torch.cuda.set_device(self.local_rank)
        dist.init_process_group("nccl" if device == "cuda" else "gloo", init_method="env://", world_size=self.world, rank=self.rank, timeout=datetime.timedelta(minutes=30))

    def slice(self, tensor):
        """This rank's rows of a global batch (the batch splits evenly: bench checks the split)."""
        if not self.enabled:
            return tensor
        if tensor.shape[0] % self.world:
            raise UsageError("a global batch of %d does not split over %d processes" % (tensor.shape[0], self.world))
        return tensor.chunk(self.world)[self.rank]

    def _all_reduce(self, tensor, op):
        import torch.distributed as dist

        dist.all_reduce(tensor, op=op)
        return tensor

    def sum_grads(self, params, scale=1.0):
        """Adds up the ranks' gradients (one flat all_reduce), times `scale`."""
        if not self.enabled:
            return
        import torch.distributed as dist

        grads = [p.grad for p in params if p.grad is not None]
        flat = torch.cat([g.reshape(-1) for g in grads])
        self._all_reduce(flat, dist.ReduceOp.SUM)
        if scale != 1.0:
            flat.mul_(scale)
        offset = 0
        for g in grads:
            g.copy_(flat[offset:offset + g.numel()].view_as(g))
            offset += g.numel()

    def mean(self, value):
        if not self.enabled:
            return value
        import torch.distributed as dist

        return float(self._all_reduce(torch.tensor([float(value)], dtype=torch.float64), dist.ReduceOp.SUM).item()) / self.world

    def max_int(self, value):
        """The largest of the ranks' values: a signal seen by one rank stops them all at the same step."""
        if not self.enabled:
            return value
        import torch.distributed as dist

        return int(self._all_reduce(torch.tensor([int(value)], dtype=torch.int64), dist.ReduceOp.MAX).item())

    def all_gather(self, tensor):
        """Every rank's tensor, concatenated in rank order (no gradient through the others' parts)."""
        import torch.distributed as dist

        parts = [torch.empty_like(tensor) for _ in range(self.world)]
        dist.all_gather(parts, tensor.detach().contiguous())
        return parts

    def barrier(self):
        if self.enabled:
            import torch.distributed as dist

            dist.barrier()

    def stop(self):
        if self.enabled:
            import torch.distributed as dist

            dist.destroy_process_group()


DIST = Distributed()


def emit(event, **fields):
    """One machine-readable progress line on stdout (rank 0 only)."""
    if not DIST.main:
        return
    sys.stdout.write("@dcbench " + json.dumps({"event": event, **fields}, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def log(message):
    if not DIST.main:
        return
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


class Env:
    """The DCBENCH_* environment of a run."""

    def __init__(self, environ=None):
        e = os.environ if environ is None else environ
        missing = [k for k in ("DCBENCH_DATA", "DCBENCH_OUT") if not e.get(k)]
        if missing:
            raise UsageError("environment: %s not set (docs/containers.md)" % ", ".join(missing))
        self.data = e["DCBENCH_DATA"]
        self.out = e["DCBENCH_OUT"]
        self.recipe_path = e.get("DCBENCH_RECIPE") or os.path.join(self.out, "recipe.json")
        self.threads = _positive_int(e, "DCBENCH_THREADS", default=max(1, os.cpu_count() or 1))
        self.gpus = _positive_int(e, "DCBENCH_GPUS", default=0, allow_zero=True)
        self.max_steps = _positive_int(e, "DCBENCH_MAX_STEPS", default=None)
        self.device = "cuda" if self.gpus > 0 and torch.cuda.is_available() else "cpu"


def _positive_int(environ, name, default, allow_zero=False):
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise UsageError("environment: %s=%r is not an integer" % (name, raw)) from None
    if value < 0 or (value == 0 and not allow_zero):
        raise UsageError("environment: %s=%r must be %s" % (name, raw, "≥ 0" if allow_zero else "> 0"))
    return value


def read_recipe(path):
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except FileNotFoundError:
        raise UsageError("%s: not found; the harness writes recipe.json before starting the trainer" % path) from None
    except ValueError as error:
        raise UsageError("%s: not valid JSON (%s)" % (path, error)) from None
    if not isinstance(doc, dict) or doc.get("format") != "dcbench.recipe/1":
        raise UsageError('%s: expected "format": "dcbench.recipe/1"' % path)
    for key in ("benchmark", "scale", "recipe_hash", "recipe", "derived"):
        if key not in doc:
            raise UsageError("%s: missing %r" % (path, key))
    return doc


def need(mapping, key, where):
    if key not in mapping or mapping[key] is None:
        raise UsageError("recipe.json: %s.%s is missing" % (where, key))
    return mapping[key]


# ---------------------------------------------------------------------------------------------- files


def write_atomic(path, data):
    """Writes bytes or text to `path` via a temp file beside it and a rename."""
    tmp = "%s.tmp-%d" % (path, os.getpid())
    with open(tmp, "wb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_json_atomic(path, obj):
    write_atomic(path, json.dumps(obj, indent=2) + "\n")


def remove_temp_files(directory):
    for path in glob.glob(os.path.join(directory, "*.tmp-*")):
        shutil.rmtree(path, ignore_errors=True) if os.path.isdir(path) else os.remove(path)


# ---------------------------------------------------------------------------------------- checkpoints


def list_checkpoints(directory):
    """(step, path) of every checkpoint, oldest first."""
    found = []
    if os.path.isdir(directory):
        for name in os.listdir(directory):
            m = CHECKPOINT_RE.match(name)
            if m:
                found.append((int(m.group(1)), os.path.join(directory, name)))
    return sorted(found)


def load_latest_checkpoint(directory, recipe_hash):
    """The newest checkpoint whose recipe hash matches, or None. Unreadable ones are skipped."""
    for step, path in reversed(list_checkpoints(directory)):
        try:
            state = torch.load(path, map_location="cpu")
        except Exception as error:  # a checkpoint cut short by a kill: fall back to the previous one
            log("skipping unreadable checkpoint %s (%s)" % (path, str(error).splitlines()[0] if str(error) else type(error).__name__))
            continue
        if state.get("recipe_hash") != recipe_hash:
            log("skipping checkpoint %s: made for another recipe" % path)
            continue
        return state
    return None


def save_checkpoint(directory, state):
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "step_%08d.pt" % state["step"])
    tmp = "%s.tmp-%d" % (path, os.getpid())
    torch.save(state, tmp)
    os.replace(tmp, path)
    for _, old in list_checkpoints(directory)[:-KEEP_CHECKPOINTS]:
        os.remove(old)
    return path


def truncate_metrics(path, step):
    """Drops metrics.jsonl lines past `step` (and any torn last line), so steps stay strictly increasing."""
    if not os.path.exists(path):
        return
    kept = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if isinstance(row, dict) and isinstance(row.get("step"), int) and row["step"] <= step:
                kept.append(json.dumps(row, separators=(",", ":")) + "\n")
    write_atomic(path, "".join(kept))


# ------------------------------------------------------------------------------------------ schedules


def cosine_lr(step, base_lr, warmup, steps, min_lr=0.0):
    """open_clip's / open_lm's `cosine_lr` for the 0-based optimizer step: linear warmup
    base_lr·(step+1)/warmup, then cosine from base_lr to min_lr over the remaining steps."""
    if step < warmup:
        return base_lr * (step + 1) / warmup
    e = step - warmup
    es = steps - warmup
    return min_lr + 0.5 * (1 + math.cos(math.pi * e / es)) * (base_lr - min_lr) if es > 0 else min_lr


def set_threads(threads):
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass  # already set (only possible once per process)


# ------------------------------------------------------------------------------------------ the loop


class Task:
    """What a trainer plugs into `run`. Subclasses set the attributes and implement the methods."""

    count_key = "samples"  # or "tokens": names samples_seen / tokens_seen and the throughput key
    model = None
    optimizer = None
    steps_total = 0
    steps_per_epoch = 0
    count_per_step = 0

    def batches(self, epoch, skip):
        """Batches of pseudo-epoch `epoch`, the first `skip` of them skipped (resume)."""
        raise NotImplementedError

    def lr_at(self, step):
        raise NotImplementedError

    def train_step(self, batch, lr):
        """One optimizer step; returns (loss, extra metric fields)."""
        raise NotImplementedError

    def export(self, model_dir):
        """Writes the model directory's files into `model_dir`; returns their names."""
        raise NotImplementedError


class _Signals:
    def __init__(self):
        self.code = None
        self.in_loop = False

    def install(self):
        signal.signal(signal.SIGTERM, self._handle)
        signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum, _frame):
        self.code = 128 + signum
        if not self.in_loop:
            raise Stopped(self.code)


def run(env, doc, task):
    """Trains `task` per docs/containers.md and returns the exit status."""
    signals = _Signals()
    signals.install()
    out = env.out
    ckpt_dir = os.path.join(out, "checkpoints")
    metrics_path = os.path.join(out, "metrics.jsonl")
    final_path = os.path.join(out, "final.json")
    main = DIST.main
    if main:
        os.makedirs(ckpt_dir, exist_ok=True)
        remove_temp_files(out)
        remove_temp_files(ckpt_dir)
    DIST.barrier()

    state = load_latest_checkpoint(ckpt_dir, doc["recipe_hash"])
    step = 0
    prior_seconds = 0.0
    prior_attempts = 0
    if state is not None:
        task.model.load_state_dict(state["model"])
        task.optimizer.load_state_dict(state["optimizer"])
        step = int(state["step"])
        prior_seconds = float(state.get("train_seconds", 0.0))
        prior_attempts = int(state.get("attempts", 0))
    if main:
        truncate_metrics(metrics_path, step)

    target = task.steps_total if env.max_steps is None else min(task.steps_total, env.max_steps)
    emit("start", steps_total=task.steps_total, resumed_from_step=step, device=env.device, threads=env.threads, processes=DIST.world)
    count_key = task.count_key + "_seen"
    rate_key = task.count_key + "_per_second"

    trained = 0
    started = time.time()
    last_loss = state.get("loss") if state is not None else None

    def snapshot():
        return {
            "model": task.model.state_dict(),
            "optimizer": task.optimizer.state_dict(),
            "step": step,
            "epoch": (step - 1) // task.steps_per_epoch if step > 0 else 0,
            "recipe_hash": doc["recipe_hash"],
            "train_seconds": prior_seconds + (time.time() - started),
            "attempts": prior_attempts + (1 if trained > 0 else 0),
            "loss": last_loss,
        }

    def checkpoint():
        if main:
            path = save_checkpoint(ckpt_dir, snapshot())
            emit("checkpoint", step=step, path=os.path.relpath(path, out))
        DIST.barrier()

    def stop_code():
        """The signal any rank got (0: none), so every rank stops after the same step."""
        return DIST.max_int(signals.code or 0) if DIST.enabled else (signals.code or 0)

    train_elapsed = 0.0
    if step < target:
        if main and os.path.exists(final_path):
            os.remove(final_path)  # the outputs of an earlier stop no longer describe the run
        signals.in_loop = True
        agreed = 0
        with open(metrics_path if main else os.devnull, "a", encoding="utf-8") as metrics:
            while step < target:
                epoch = step // task.steps_per_epoch
                skip = step - epoch * task.steps_per_epoch
                before = step
                for batch in task.batches(epoch, skip):
                    agreed = stop_code()
                    if agreed:
                        break
                    lr = task.lr_at(step)
                    t0 = time.time()
                    loss, extra = task.train_step(batch, lr)
                    step += 1
                    trained += 1
                    last_loss = loss
                    elapsed = prior_seconds + (time.time() - started)
                    row = {
                        "step": step,
                        "steps_total": task.steps_total,
                        "epoch": epoch,
                        count_key: step * task.count_per_step,
                        "loss": round(loss, 6),
                        "lr": lr,
                        rate_key: round(task.count_per_step / max(time.time() - t0, 1e-9), 1),
                        "elapsed_seconds": round(elapsed, 3),
                        **extra,
                    }
                    metrics.write(json.dumps(row, separators=(",", ":")) + "\n")
                    metrics.flush()
                    emit("step", **row)
                    if step % task.steps_per_epoch == 0 or step == target:
                        break
                if agreed:
                    break
                if step == before:
                    raise UsageError("%s: the training data ran out in pseudo-epoch %d" % (env.data, epoch))
                if not math.isfinite(last_loss if last_loss is not None else 0.0):
                    raise UsageError("training diverged: loss %r at step %d" % (last_loss, step))
                checkpoint()
        signals.in_loop = False
        train_elapsed = time.time() - started
        agreed = agreed or stop_code()
        if agreed:
            if trained > 0:
                checkpoint()
            log("stopped by signal at step %d" % step)
            return agreed

    complete = step >= task.steps_total
    model_dir = os.path.join(out, "model")
    if not main:
        DIST.barrier()  # rank 0 exports and writes final.json
        return 0
    if trained > 0 or not os.path.exists(os.path.join(model_dir, "model.json")):
        tmp_dir = "%s.tmp-%d" % (model_dir, os.getpid())
        shutil.rmtree(tmp_dir, ignore_errors=True)
        os.makedirs(tmp_dir)
        files = task.export(tmp_dir)
        shutil.rmtree(model_dir, ignore_errors=True)
        os.replace(tmp_dir, model_dir)
        emit("export", files=sorted("model/" + f for f in files))

    final = {
        "format": "dcbench.final/1",
        "benchmark": doc["benchmark"],
        "scale": doc["scale"],
        "recipe_hash": doc["recipe_hash"],
        "complete": complete,
        "steps": step,
        "steps_total": task.steps_total,
        count_key: step * task.count_per_step,
        "final_loss": None if last_loss is None else round(last_loss, 6),
        "train_seconds": round(prior_seconds + (train_elapsed if trained > 0 else 0.0), 3),
        "attempts": prior_attempts + (1 if trained > 0 else 0),
    }
    write_json_atomic(final_path, final)
    emit("done", **final)
    DIST.barrier()
    return 0
