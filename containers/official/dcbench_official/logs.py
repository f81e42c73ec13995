"""Upstream's training log lines, as open_clip 2.16.1 and open_lm 9bb92ef print them, and the optimizer
step each one reports (tested against the output of real runs: test/integration/official/).

open_clip (`training/train.py`, every --log-every-n-steps batches and at each pseudo-epoch's last):
  Train Epoch: 0 [ 4096/20480 (20%)] Data (t): 6.927 Batch (t): 76.395, 53.6162/s, 53.6162/s/gpu
  LR: 0.000001 Logit Scale: 14.286 Contrastive_loss: 8.7067 (8.7067) Loss: 8.7067 (8.7067)
open_lm (`open_lm/train.py`, every --log-every-n-steps steps, at an epoch's last and at total - 1):
  Train Epoch: 0 [ 512/3072 (17%)] Loss: 11.321 Data (t): 1.981 Batch (t): 61.871, 132.405/s,
  132.405/s/gpu LR: 0.000002
open_lm also prints, before training, the steps each checkpoint ends at:
  ==> Checkpoint 1, steps 6, tokens seen 49152
Both print `Start epoch N` when a pseudo-epoch starts (N > 0 first: a resumed run).

The bracket counts samples (open_clip: images; open_lm: sequences) seen in the epoch by all ranks:
batch_count x per-rank batch x accumulation (open_clip) x world size. `LR` is printed with 6 decimals,
the loss as the mean of the last logging window (open_lm, 3 decimals) or the latest value (open_clip).
"""

import math
import re

TRAIN_LINE = re.compile(r"Train Epoch: (\d+) \[\s*(\d+)/(\d+) \(")
LOSS = re.compile(r"(?<![A-Za-z_])Loss: ([-+0-9.eE]+|nan|inf)")
LR = re.compile(r"\bLR: ([-+0-9.eE]+)")
RATE = re.compile(r"Batch \(t\): [0-9.]+, ([-+0-9.eE]+)/s,")
LOGIT_SCALE = re.compile(r"Logit Scale: ([-+0-9.eE]+)")
START_EPOCH = re.compile(r"\| Start epoch (\d+)\s*$")
PRECOUNT = re.compile(r"==> Checkpoint (\d+), steps (\d+), tokens seen (\d+)")


def arg_value(args, flag, default=None):
    """The value after `flag` in an argument list (the last one wins, as argparse does)."""
    value = default
    for i, a in enumerate(args[:-1]):
        if a == flag:
            value = args[i + 1]
    return value


def parse_train_line(line):
    """{epoch, seen, per_epoch, loss, lr, rate[, logit_scale]} of a `Train Epoch:` line, else None."""
    m = TRAIN_LINE.search(line)
    if not m:
        return None
    row = {"epoch": int(m.group(1)), "seen": int(m.group(2)), "per_epoch": int(m.group(3))}
    for key, pattern in (("loss", LOSS), ("lr", LR), ("rate", RATE), ("logit_scale", LOGIT_SCALE)):
        found = pattern.search(line)
        if found:
            row[key] = float(found.group(1))
    return row


def parse_start_epoch(line):
    m = START_EPOCH.search(line)
    return int(m.group(1)) if m else None


class ClipSteps:
    """open_clip's step arithmetic (`get_wds_dataset` with --dataset-resampled, `train_one_epoch`):
    batches per epoch = ceil(ceil(samples / (batch x world)) / workers) x workers micro-batches, of
    which every --accum-freq make one optimizer step; steps run epoch x per-epoch + batch_count."""

    unit = "samples"

    def __init__(self, args, world):
        self.per_gpu = int(arg_value(args, "--batch-size", "64"))
        self.accum = int(arg_value(args, "--accum-freq", "1"))
        self.world = world
        workers = max(1, int(arg_value(args, "--workers", "1")))
        samples = int(arg_value(args, "--train-num-samples"))
        batches = math.ceil(math.ceil(samples / (self.per_gpu * world)) / workers) * workers
        self.per_epoch = batches // self.accum
        self.total = self.per_epoch * int(arg_value(args, "--epochs", "32"))
        self.per_step = self.per_gpu * self.accum * world

    def note(self, line):
        """open_clip prints no totals: nothing to learn from other lines."""

    def epoch_start(self, epoch):
        return epoch * self.per_epoch

    def step_of(self, row):
        return self.epoch_start(row["epoch"]) + row["seen"] // self.per_step


class LmSteps:
    """open_lm's step arithmetic: an epoch's steps depend on the shards it draws, so the cumulative step
    at each checkpoint comes from open_lm's own precount lines; a step is the epoch's first step plus the
    batches seen in it (the bracket counts sequences of the global batch)."""

    unit = "tokens"

    def __init__(self, args, world, seq_len):
        self.global_batch = int(arg_value(args, "--global-batch-size"))
        self.seq_len = seq_len
        self.per_step = self.global_batch * seq_len
        samples = int(arg_value(args, "--train-num-samples")) // seq_len
        # main.py's total_steps, until the precount lines say it exactly
        self.total = samples * int(arg_value(args, "--epochs", "1")) // self.global_batch
        self.checkpoints = {}

    def note(self, line):
        m = PRECOUNT.search(line)
        if m:
            self.checkpoints[int(m.group(1))] = int(m.group(2))
            self.total = max(self.checkpoints.values())

    def epoch_start(self, epoch):
        return 0 if epoch == 0 else self.checkpoints.get(epoch, 0)

    def step_of(self, row):
        return self.epoch_start(row["epoch"]) + row["seen"] // self.global_batch
