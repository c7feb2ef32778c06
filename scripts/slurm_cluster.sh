#!/usr/bin/env bash
# A real single-node Slurm cluster for the tests: installs Debian's
# slurm-wlm and munge where they are missing (root and apt needed), writes a
# cluster configuration under a state folder and starts munged, slurmctld and
# slurmd there. Clients find the cluster through SLURM_CONF, which `start`
# prints as an `export` line.
#
# Usage: scripts/slurm_cluster.sh start STATE_DIR   # prints: export SLURM_CONF=...
#        scripts/slurm_cluster.sh stop STATE_DIR
set -euo pipefail
action="${1:?start or stop}"
state="$(mkdir -p "${2:?state folder}" && cd "$2" && pwd)"
conf="$state/slurm.conf"

stop() {
    for pidfile in "$state"/slurmd.pid "$state"/slurmctld.pid "$state"/munged.pid; do
        [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
    done
}

if [ "$action" = stop ]; then
    stop
    exit 0
fi

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        echo "slurm_cluster: slurm-wlm and munge are not installed, and installing them needs root and apt" >&2
        exit 2
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slurm-wlm munge >&2
fi

host="$(hostname -s)"
# Two free ports, so clusters of parallel test runs do not collide.
read -r ctld_port slurmd_port < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks: s.bind(("", 0))
print(*[s.getsockname()[1] for s in socks])')
cpus="$(nproc)"
memory_mb="$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512 ))"
mkdir -p "$state/spool" "$state/ctld" "$state/munge" "$state/log"
user="$(id -un)"

# munge: its own key and socket under the state folder.
key="$state/munge/munge.key"
[ -f "$key" ] || head -c 1024 /dev/urandom > "$key"
chmod 0400 "$key"
munged --force --key-file "$key" --socket "$state/munge/munge.socket" \
    --pid-file "$state/munged.pid" --log-file "$state/log/munged.log" \
    --seed-file "$state/munge/munge.seed"

cat > "$conf" <<CONF
ClusterName=emoshift-test
SlurmctldHost=$host
SlurmUser=$user
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$state/munge/munge.socket
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
ReturnToService=2
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmdSpoolDir=$state/spool
StateSaveLocation=$state/ctld
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MinJobAge=600
NodeName=$host CPUs=$cpus RealMemory=$memory_mb State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF

export SLURM_CONF="$conf"
slurmctld -f "$conf"
slurmd -f "$conf"
for _ in $(seq 60); do
    if sinfo -h -o '%T' 2>/dev/null | grep -q idle; then
        echo "export SLURM_CONF=$conf"
        exit 0
    fi
    sleep 0.5
done
echo "slurm_cluster: the node did not come up; logs in $state/log" >&2
stop
exit 1
