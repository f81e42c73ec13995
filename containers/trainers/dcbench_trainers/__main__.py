"""`python3 -m dcbench_trainers`: trains the recipe in $DCBENCH_RECIPE on $DCBENCH_DATA into
$DCBENCH_OUT (docs/containers.md). Exit 0 finished or stopped at DCBENCH_MAX_STEPS, 2 unusable input,
143 stopped by SIGTERM (checkpoint saved)."""

import os
import sys

# BLAS/OpenMP pools are sized when torch loads: set them from the CPU budget first. Passive waiting:
# spinning OpenMP workers on a shared or oversubscribed CPU made steps ~5x slower in our measurements.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
_threads = os.environ.get("DCBENCH_THREADS", "")
if _threads.isdigit() and int(_threads) > 0:
    for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_name, _threads)


def main():
    from . import common

    try:
        env = common.Env()
        doc = common.read_recipe(env.recipe_path)
        common.set_threads(env.threads)
        common.DIST.start(env.device)
        if doc["benchmark"] == "datacomp":
            from .clip_train import ClipTask as TaskClass
        elif doc["benchmark"] == "dclm":
            from .gpt_train import GptTask as TaskClass
        else:
            raise common.UsageError("%s: benchmark %r; expected datacomp or dclm" % (env.recipe_path, doc["benchmark"]))
        task = TaskClass(env, doc)
        try:
            return common.run(env, doc, task)
        finally:
            common.DIST.stop()
    except common.UsageError as error:
        common.emit("error", message=str(error))
        sys.stderr.write("error: %s\n" % error)
        return 2
    except common.Stopped as stopped:
        return stopped.code


if __name__ == "__main__":
    sys.exit(main())
