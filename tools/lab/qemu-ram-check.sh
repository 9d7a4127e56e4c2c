#!/bin/bash
# Checks QEMU's own live migration for pages it did not send again: migrates a guest between two QEMU processes on this
# host (the destination started with -S so that it never runs), dumps both guests' physical memory with QMP pmemsave
# while both are stopped, and counts the 4 KiB pages that differ. After a completed migration there should be none.
#
#   tools/lab/qemu-ram-check.sh IMAGE_DIR [shared|anon] [SECONDS_BEFORE_MIGRATING] [RUNS]
#
# IMAGE_DIR is a guest made by 'netmob lab vm build' (vmlinuz, initramfs.gz). shared: the guest's RAM on a shared file
# (memory-backend-file,share=on, as the lab's shared-file and page-engine modes run it); anon: QEMU's own RAM. A short
# wait migrates the guest while it boots (it writes much of its memory then). Needs qemu-system-x86 and socat; TCG.
set -euo pipefail
image=${1:?give a guest image directory}; kind=${2:-anon}; wait=${3:-1.5}; runs=${4:-1}
[ -f "$image/vmlinuz" ] && [ -f "$image/initramfs.gz" ] || { echo "$image: no vmlinuz and initramfs.gz (netmob lab vm build)" >&2; exit 2; }
case $kind in shared|anon) ;; *) echo "$kind: give shared or anon" >&2; exit 2 ;; esac
work=$(mktemp -d /tmp/qemu-ram-check.XXXXXX)
cleanup() { for p in "$work"/*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null || true; done; rm -rf "$work" /dev/shm/"$(basename "$work")"-*; }
trap cleanup EXIT
port=$((20000 + RANDOM % 20000))
qmp() { printf '{"execute":"qmp_capabilities"}\n%s\n' "$2" | socat -t5 - "UNIX-CONNECT:$work/$1.qmp" | tail -1; }
for run in $(seq 1 "$runs"); do
    args=(-nodefaults -no-user-config -display none -accel tcg -m 128 -kernel "$image/vmlinuz" -initrd "$image/initramfs.gz" -append console=ttyS0)
    for side in src dst; do
        extra=()
        if [ "$kind" = shared ]; then
            ram=/dev/shm/$(basename "$work")-$side; rm -f "$ram"; truncate -s 128M "$ram"
            extra=(-object "memory-backend-file,id=ram0,size=128M,mem-path=$ram,share=on" -machine memory-backend=ram0)
        fi
        [ $side = dst ] && extra+=(-S -incoming "tcp:127.0.0.1:$port")
        rm -f "$work/$side.qmp"
        qemu-system-x86_64 "${args[@]}" "${extra[@]}" -serial "file:$work/$side.log" -qmp "unix:$work/$side.qmp,server=on,wait=off" -daemonize -pidfile "$work/$side.pid"
    done
    sleep "$wait"
    qmp src "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"tcp:127.0.0.1:$port\"}}" > /dev/null
    status=unknown
    for _ in $(seq 1 120); do
        answer=$(qmp src '{"execute":"query-migrate"}')
        status=$(echo "$answer" | grep -o '"status": "[a-z-]*"' | head -1 | cut -d'"' -f4)
        [ "$status" = completed ] || [ "$status" = failed ] && break
        sleep 0.5
    done
    for side in src dst; do qmp $side "{\"execute\":\"pmemsave\",\"arguments\":{\"val\":0,\"size\":134217728,\"filename\":\"$work/$side.mem\"}}" > /dev/null; done
    for _ in $(seq 1 50); do [ "$(stat -c %s "$work/dst.mem" 2>/dev/null || echo 0)" = 134217728 ] && [ "$(stat -c %s "$work/src.mem" 2>/dev/null || echo 0)" = 134217728 ] && break; sleep 0.1; done
    pages=$({ cmp -l "$work/src.mem" "$work/dst.mem" || true; } | awk '{c[int(($1-1)/4096)]=1} END {print length(c)}')
    echo "run $run ($kind RAM, migrated after ${wait}s): migration $status, $pages page(s) differ between the stopped source and the destination"
    for side in src dst; do kill "$(cat "$work/$side.pid")" 2>/dev/null || true; rm -f "$work/$side.pid" "$work/$side.mem"; done
    sleep 0.5
done
