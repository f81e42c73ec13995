#!/usr/bin/env bash
# A real two-node SLURM cluster on this one host, for the integration tests (issue 19 item 7):
# munged with a private key and socket, slurmctld, and slurmd n1 + n2, all as root, without systemd,
# with every piece of state (config, key, spool, logs, pid files) under one folder.
#
#   .ci/slurm-up.sh [DIR]        start it (idempotent: a cluster already up is left as it is)
#   .ci/slurm-up.sh --down [DIR] stop it (cancels every job first: stopping slurmd does not kill them)
#
# DIR defaults to $DCBENCH_SLURM_DIR, else /tmp/dcbench-slurm. It installs nothing: .ci/run installs
# Debian's slurm-wlm and munge. On success it prints `SLURM_CONF=DIR/slurm.conf`; every SLURM client
# (sbatch, squeue, …) must run with that variable set.
set -euo pipefail

down=0
if [ "${1:-}" = "--down" ]; then down=1; shift; fi
DIR="${1:-${DCBENCH_SLURM_DIR:-/tmp/dcbench-slurm}}"
CPUS="${DCBENCH_SLURM_CPUS:-2}"
export SLURM_CONF="$DIR/slurm.conf"

for tool in munged slurmctld slurmd sbatch scontrol; do
  command -v "$tool" >/dev/null 2>&1 || { echo "slurm-up: $tool not found (apt-get install slurm-wlm munge)" >&2; exit 3; }
done

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
stop_pid() {
  if running "$1"; then
    local pid; pid="$(cat "$1")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$1"
}

if [ "$down" = 1 ]; then
  mkdir -p "$DIR"; exec 9>"$DIR/.lock"; flock 9
  if running "$DIR/run/slurmctld.pid"; then scancel --full --quiet --user="$(id -un)" 2>/dev/null || true; sleep 1; fi
  stop_pid "$DIR/run/slurmd-n1.pid"
  stop_pid "$DIR/run/slurmd-n2.pid"
  stop_pid "$DIR/run/slurmctld.pid"
  stop_pid "$DIR/run/munged.pid"
  echo "slurm-up: stopped the cluster in $DIR"
  exit 0
fi

mkdir -p "$DIR"/{run,log,state,spool/n1,spool/n2,munge}
# test files run in parallel workers and each starts the cluster: one at a time
exec 9>"$DIR/.lock"
flock 9
chmod 700 "$DIR/munge"
if [ ! -s "$DIR/munge/munge.key" ]; then
  head -c 1024 /dev/urandom >"$DIR/munge/munge.key"
  chmod 400 "$DIR/munge/munge.key"
fi

host="$(hostname -s)"
# config_overrides lets each slurmd declare the CPUs written here, whatever the host has; cred_expire
# is also how long a requeued job waits before it may start again (121 s by default).
cat >"$DIR/slurm.conf.new" <<EOF
ClusterName=dcbench
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$DIR/munge/munge.socket,cred_expire=10
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool/%n
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd-%n.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd-%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/log/jobcomp.txt
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
SlurmdParameters=config_overrides
MinJobAge=3600
KillWait=10
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=n[1-2] NodeHostname=$host NodeAddr=127.0.0.1 Port=[17001-17002] CPUs=$CPUS State=UNKNOWN
PartitionName=debug Nodes=n[1-2] Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
EOF
if ! cmp -s "$DIR/slurm.conf.new" "$DIR/slurm.conf"; then
  mv "$DIR/slurm.conf.new" "$DIR/slurm.conf"
  # a changed configuration: restart whatever runs with the old one
  stop_pid "$DIR/run/slurmd-n1.pid"; stop_pid "$DIR/run/slurmd-n2.pid"; stop_pid "$DIR/run/slurmctld.pid"
else
  rm -f "$DIR/slurm.conf.new"
fi

if ! running "$DIR/run/munged.pid"; then
  # 9>&-: the daemons must not inherit the lock, or they would hold it for as long as they run
  munged 9>&- --key-file="$DIR/munge/munge.key" --socket="$DIR/munge/munge.socket" --pid-file="$DIR/run/munged.pid" \
    --log-file="$DIR/log/munged.log" --seed-file="$DIR/munge/munge.seed" --force
fi
if ! running "$DIR/run/slurmctld.pid"; then slurmctld -f "$SLURM_CONF" 9>&-; fi
for n in n1 n2; do
  if ! running "$DIR/run/slurmd-$n.pid"; then slurmd -f "$SLURM_CONF" -N "$n" 9>&-; fi
done

# Ready when both nodes answer and are idle (or allocated: a cluster that was already up).
for _ in $(seq 1 100); do
  states="$(sinfo -h -N -o '%N %t' 2>/dev/null | sort -u || true)"
  if [ "$(printf '%s\n' "$states" | grep -cE '^n[12] (idle|alloc|mix)$')" = 2 ]; then
    echo "SLURM_CONF=$SLURM_CONF"
    exit 0
  fi
  # a node left down by an earlier run (killed slurmd) comes back once its slurmd answers
  scontrol update nodename=n[1-2] state=resume >/dev/null 2>&1 || true
  sleep 0.2
done
echo "slurm-up: the nodes did not come up: $(printf '%s' "$states" | tr '\n' ' '); see $DIR/log/" >&2
tail -5 "$DIR/log/slurmctld.log" >&2 || true
exit 3
