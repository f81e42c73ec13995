"""`python3 -m dcbench_trainers.launch --nnodes N --nproc_per_node P --node_rank R --master_addr A
--master_port PORT -m MODULE`: starts this node's P trainer processes with torchrun's static-rendezvous
environment (RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, GROUP_RANK, MASTER_ADDR, MASTER_PORT),
forwards SIGTERM/SIGINT/SIGUSR1 to them as SIGTERM (they checkpoint) and exits with the first failing
status, stopping the others. The SLURM executor runs it once per node (docs/slurm.md).

Why not torchrun: Debian bookworm's torch 1.13 `torch.distributed.run` fails on its Python 3.11 before it
starts a worker (`Std.from_str` returns None), and the tiny trainers need no elastic restarts. The GPU
images' scripts use torchrun itself."""

import argparse
import os
import signal
import subprocess
import sys
import time


def parse(argv):
    p = argparse.ArgumentParser(prog="dcbench_trainers.launch")
    p.add_argument("--nnodes", type=int, required=True)
    p.add_argument("--nproc_per_node", type=int, required=True)
    p.add_argument("--node_rank", type=int, required=True)
    p.add_argument("--master_addr", required=True)
    p.add_argument("--master_port", type=int, required=True)
    p.add_argument("-m", dest="module", required=True)
    args, rest = p.parse_known_args(argv)
    if args.nnodes < 1 or args.nproc_per_node < 1 or not 0 <= args.node_rank < args.nnodes:
        p.error("need nnodes ≥ 1, nproc_per_node ≥ 1 and 0 ≤ node_rank < nnodes")
    return args, rest


def main(argv=None):
    args, rest = parse(sys.argv[1:] if argv is None else argv)
    world = args.nnodes * args.nproc_per_node
    children = []
    for local in range(args.nproc_per_node):
        env = dict(os.environ)
        env.update({
            "RANK": str(args.node_rank * args.nproc_per_node + local),
            "LOCAL_RANK": str(local),
            "WORLD_SIZE": str(world),
            "LOCAL_WORLD_SIZE": str(args.nproc_per_node),
            "GROUP_RANK": str(args.node_rank),
            "MASTER_ADDR": args.master_addr,
            "MASTER_PORT": str(args.master_port),
        })
        children.append(subprocess.Popen([sys.executable, "-m", args.module, *rest], env=env))

    stopping = {"signal": None}

    def forward(signum, _frame):
        stopping["signal"] = signum
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1):
        signal.signal(sig, forward)

    status = 0
    while any(child.poll() is None for child in children):
        for child in children:
            code = child.poll()
            if code is not None and code != 0 and status == 0:
                # one rank failed: the others would wait for it in a collective forever
                status = code if code > 0 else 128 - code
                forward(signal.SIGTERM, None)
        time.sleep(0.2)
    for child in children:
        code = child.returncode
        if code != 0 and status == 0:
            status = code if code > 0 else 128 - code
    return status


if __name__ == "__main__":
    sys.exit(main())
