#!/usr/bin/env bash
# A one-node Slurm cluster on localhost, for trying `dlgrade slurm` and for its test:
#
#   scripts/slurm-cluster.sh start  [DIR]   configure and start munged, slurmctld and slurmd
#   scripts/slurm-cluster.sh status [DIR]   say which daemons run, and what sinfo sees
#   scripts/slurm-cluster.sh stop   [DIR]   cancel the cluster's jobs, stop the daemons it started
#
# Everything the cluster writes (slurm.conf, gres.conf, the munge key and socket, state, spool,
# logs, pid files) lives under DIR (default /tmp/dlgrade-slurm), so it cannot clash with a
# system Slurm or munged, and `stop` leaves DIR in place for its logs. `start` prints, on stdout
# and nothing else, the environment Slurm's commands need to find this cluster:
#
#   eval "$(scripts/slurm-cluster.sh start)"   # then sbatch, squeue, sinfo ... talk to it
#
# Two partitions hold the one node: `cpu` (the default) and `gpu`. The node advertises one `gpu`
# generic resource with /dev/null for its device file (there is no GPU), so that jobs can ask for
# --gres=gpu:1 as on a real GPU partition. It runs as root (slurmd must, to start jobs as their
# users) and needs no cgroups and no accounting database.
set -euo pipefail

usage() {
  echo "usage: $0 start|stop|status [DIR]   (DIR default: /tmp/dlgrade-slurm)" >&2
  exit 2
}
say() { echo "slurm-cluster: $*" >&2; }
die() { say "$*"; exit 1; }

[ $# -ge 1 ] && [ $# -le 2 ] || usage
action=$1
dir=$(realpath -m "${2:-/tmp/dlgrade-slurm}")
conf=$dir/etc/slurm.conf
# The node's name is what slurmd is told it is (-N); the controller's must be this host's own
# short name, or slurmctld refuses to run as its controller.
host=$(hostname -s)
node=dlgrade-node
timeout=${SLURM_CLUSTER_TIMEOUT:-60}

need_packages() {
  local missing=()
  for cmd in munged mungekey slurmctld slurmd sbatch sinfo squeue scancel; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
  done
  [ ${#missing[@]} -eq 0 ] || die "not installed: ${missing[*]} (install them: apt-get install -y slurm-wlm munge)"
}

# The pid a daemon wrote, if that process is still that daemon (a pid can be reused).
running_pid() {
  local file=$1 name=$2 pid
  [ -s "$file" ] || return 1
  pid=$(tr -dc 0-9 <"$file")
  [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = "$name" ] && echo "$pid"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

show_env() {
  echo "export SLURM_CONF=$conf"
}

# A start that failed leaves no daemon behind: its logs are shown, then what it started is stopped.
fail_start() {
  log_tails
  stop >/dev/null 2>&1 || true
  die "$* (the daemons it started are stopped again; their logs are in $dir/log)"
}

log_tails() {
  for f in "$dir"/log/*.log; do
    [ -f "$f" ] || continue
    echo "--- $f (last 20 lines)" >&2
    tail -n 20 "$f" >&2
  done
}

write_config() {
  local ctld_port slurmd_port cpus
  ctld_port=$(free_port)
  slurmd_port=$(free_port)
  while [ "$slurmd_port" = "$ctld_port" ]; do slurmd_port=$(free_port); done
  cpus=$(nproc)
  mkdir -p "$dir"/{etc,munge,state,spool,log,run}
  # munged refuses a key folder that others can write, and warns when its socket's folder is not
  # searchable by every user (a job's user must reach the socket).
  chmod 711 "$dir"/munge
  cat >"$conf" <<EOF
# Written by scripts/slurm-cluster.sh: a one-node cluster on localhost, all of it under $dir.
ClusterName=dlgrade
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
# This cluster's own munged, on its own socket: the system's, if any, is left alone.
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket.2
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
# No cgroups: jobs are tracked by their process tree, and not confined to their cores.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
# No accounting database: sacct has nothing to show, squeue and scontrol do.
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# The node is back in service as soon as its slurmd registers with a valid configuration (a
# restarted cluster reuses the state under DIR, where the node may be recorded as down).
ReturnToService=2
# Without kill_invalid_depend in SchedulerParameters, a job whose dependency can no longer be met
# (a shard failed or was cancelled) stays pending, Reason=DependencyNeverSatisfied, until cancelled.
# Finished jobs stay visible to squeue and scontrol for ten minutes.
MinJobAge=600
SlurmctldTimeout=30
SlurmdTimeout=30
GresTypes=gpu
NodeName=$node NodeHostname=$host NodeAddr=127.0.0.1 CPUs=$cpus Gres=gpu:1 State=UNKNOWN
PartitionName=cpu Nodes=$node Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=$node MaxTime=INFINITE State=UP
EOF
  # One gpu, standing in for a real one: jobs that ask for --gres=gpu:1 are scheduled here, one
  # at a time. gres/gpu drops a gpu that names no device file ("Removing file-less GPU"), so it
  # names /dev/null; without cgroups nothing is bound or hidden, and the job sees no device.
  cat >"$dir/etc/gres.conf" <<EOF
NodeName=$node Name=gpu Count=1 File=/dev/null
EOF
  [ -s "$dir/munge/munge.key" ] || mungekey --create --keyfile="$dir/munge/munge.key" --force >/dev/null
  chmod 600 "$dir/munge/munge.key"
}

start_munged() {
  running_pid "$dir/run/munged.pid" munged >/dev/null && return 0
  munged --socket="$dir/munge/munge.socket.2" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/run/munged.pid" --log-file="$dir/log/munged.log" \
    --seed-file="$dir/munge/munged.seed" --force \
    || fail_start "munged did not start"
}

start_slurm() {
  running_pid "$dir/run/slurmctld.pid" slurmctld >/dev/null || SLURM_CONF=$conf slurmctld -f "$conf" \
    || fail_start "slurmctld did not start"
  running_pid "$dir/run/slurmd.pid" slurmd >/dev/null || SLURM_CONF=$conf slurmd -f "$conf" -N "$node" \
    || fail_start "slurmd did not start"
}

wait_idle() {
  local waited=0 state=''
  while [ "$waited" -lt "$timeout" ]; do
    state=$(SLURM_CONF=$conf sinfo -h -n "$node" -o %T 2>/dev/null | sort -u | tr '\n' ' ' || true)
    # Exactly these: a suffix (idle*, idle~, idle#) says the node is not responding or not ready.
    case "$state" in
      'idle '|'mixed '|'allocated ') return 0 ;;
      *inval*|*drain*)
        fail_start "the node registered but is not usable (sinfo: $state): $(SLURM_CONF=$conf sinfo -h -R -o %E 2>/dev/null | head -1); the daemons' logs are above" ;;
    esac
    sleep 1
    waited=$((waited + 1))
  done
  fail_start "the node is not idle after ${timeout}s (sinfo says: ${state:-nothing}); the daemons' logs are above (set SLURM_CLUSTER_TIMEOUT to wait longer)"
}

start() {
  need_packages
  [ "$(id -u)" -eq 0 ] || die "slurmd starts jobs as their users and must run as root (run: sudo $0 start $dir)"
  # munged's socket and slurmd's per-step sockets (spool/<node>_<job>.<step>) live under DIR, and a
  # Unix socket's path holds at most 107 bytes.
  [ ${#dir} -le 60 ] || die "$dir: too long a path for the cluster's sockets (at most 60 characters): give a shorter DIR"
  mkdir -p "$dir"
  local begun
  begun=$(date +%s%N)
  if running_pid "$dir/run/slurmctld.pid" slurmctld >/dev/null && [ -f "$conf" ]; then
    say "already running in $dir"
  else
    write_config
    start_munged
    start_slurm
  fi
  wait_idle
  say "one node ($node, $(nproc) CPUs, gres gpu:1) idle in partitions cpu (default) and gpu after $(( ($(date +%s%N) - begun) / 1000000 )) ms; logs in $dir/log"
  show_env
}

stop_daemon() {
  local name=$1 pid waited=0
  pid=$(running_pid "$dir/run/$name.pid" "$name") || return 0
  kill -TERM "$pid"
  while [ -d "/proc/$pid" ] && [ "$waited" -lt 20 ]; do sleep 0.5; waited=$((waited + 1)); done
  if [ -d "/proc/$pid" ]; then
    say "$name (pid $pid) did not stop in 10 s: killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  say "stopped $name (pid $pid)"
}

stop() {
  if running_pid "$dir/run/slurmctld.pid" slurmctld >/dev/null; then
    export SLURM_CONF=$conf
    scancel --user="$(id -un)" 2>/dev/null || true
    # Let the jobs' steps end while slurmd is still there to reap them.
    local waited=0
    while [ -n "$(squeue -h -o %i 2>/dev/null)" ] && [ "$waited" -lt 30 ]; do sleep 0.5; waited=$((waited + 1)); done
  fi
  stop_daemon slurmd
  stop_daemon slurmctld
  stop_daemon munged
  say "stopped; $dir is left in place (its logs are in $dir/log)"
}

status() {
  local any=0 pid
  for name in munged slurmctld slurmd; do
    if pid=$(running_pid "$dir/run/$name.pid" "$name"); then
      say "$name: running (pid $pid)"
      any=1
    else
      say "$name: not running"
    fi
  done
  [ "$any" -eq 1 ] || return 1
  SLURM_CONF=$conf sinfo >&2 || true
  show_env
}

if [ "$action" != start ] && [ ! -d "$dir" ]; then die "$dir: no such folder (no cluster was started there)"; fi
case "$action" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) usage ;;
esac
