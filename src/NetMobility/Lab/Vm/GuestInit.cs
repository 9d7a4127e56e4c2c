namespace NetMobility.Lab.Vm;

/// <summary>
/// The guest's /init, a busybox shell script: it mounts the kernel's file systems, loads the virtio network
/// modules in dependency order, configures the interface from the kernel command line's
/// <c>ip=ADDRESS::GATEWAY:NETMASK:HOSTNAME:DEVICE:off</c>, and starts the services the lab talks to. Everything
/// it reports goes to the console (ttyS0), one line each, prefixed "netmob-guest:".
/// </summary>
internal static class GuestInit
{
    /// <summary>TCP echo: every byte sent comes back, in order (busybox nc, one process per connection).</summary>
    public const int EchoPort = 7;

    /// <summary>HTTP: busybox httpd serving /www (index.html holds <see cref="IndexPage"/>).</summary>
    public const int HttpPort = 80;

    /// <summary>Checksummed stream: reads until the client closes its sending half, then answers the MD5 of every byte read, as md5sum prints it.</summary>
    public const int DigestPort = 9000;

    /// <summary>
    /// Memory writer's control: a client sends a number and a newline, and from then on the guest rewrites that many MiB of
    /// a file in its RAM (random bytes, in place) and then rests a second, over and over (0 stops it); the answer is
    /// "write-rate N". The kernel command line's <c>netmob.write=N</c> sets the rate at boot.
    /// </summary>
    public const int WriterPort = 9001;

    /// <summary>The line the init prints once the services run.</summary>
    public const string ReadyLine = "netmob-guest: ready";

    public const string IndexPage = "netmob guest\n";

    /// <summary>The modules loaded, in this order (each needs the ones before it); those the kernel has built in are absent and skipped.</summary>
    public static readonly string[] Modules =
        ["virtio_ring", "virtio", "virtio_pci_modern_dev", "virtio_pci_legacy_dev", "virtio_pci", "failover", "net_failover", "virtio_net"];

    public static string Script => $$"""
        #!/bin/busybox sh
        /bin/busybox --install -s /bin
        mkdir -p /proc /sys /dev /tmp
        mount -t proc proc /proc
        mount -t sysfs sysfs /sys
        mount -t devtmpfs devtmpfs /dev 2>/dev/null
        say() { echo "netmob-guest: $*" > /dev/console; }
        say "init on $(uname -r)"
        for m in {{string.Join(' ', Modules)}}; do
          [ -e /lib/modules/$m.ko ] || continue
          insmod /lib/modules/$m.ko || say "insmod $m failed"
        done
        spec=
        for word in $(cat /proc/cmdline); do
          case "$word" in ip=*) spec=${word#ip=} ;; esac
        done
        IFS=: read -r addr peer gw mask host dev rest <<EOF
        $spec
        EOF
        [ -n "$dev" ] || dev=eth0
        [ -n "$mask" ] || mask=255.255.255.0
        [ -n "$host" ] && hostname "$host"
        ifconfig lo 127.0.0.1 up
        n=0
        while [ ! -e /sys/class/net/$dev ] && [ $n -lt 200 ]; do usleep 50000; n=$((n + 1)); done
        if [ -z "$addr" ]; then
          say "no ip= on the kernel command line"
        elif ifconfig "$dev" "$addr" netmask "$mask" up; then
          [ -n "$gw" ] && route add default gw "$gw"
          say "$dev $addr netmask $mask gateway ${gw:-none} mac $(cat /sys/class/net/$dev/address)"
        else
          say "could not configure $dev"
        fi
        echo 0 > /tmp/write-rate
        for word in $(cat /proc/cmdline); do
          case "$word" in netmob.write=*) echo "${word#netmob.write=}" > /tmp/write-rate ;; esac
        done
        cat > /bin/write-rate <<'RATE'
        #!/bin/busybox sh
        read -r n
        n=$(echo "$n" | tr -d '\r')
        case "$n" in ''|*[!0-9]*) echo "not a number of MiB: $n"; exit 1 ;; esac
        echo "$n" > /tmp/write-rate
        echo "write-rate $n"
        RATE
        chmod +x /bin/write-rate
        (while :; do
          n=$(cat /tmp/write-rate)
          [ "$n" -gt 0 ] 2>/dev/null && dd if=/dev/urandom of=/tmp/dirty bs=1M count="$n" conv=notrunc 2>/dev/null
          sleep 1
        done) &
        nc -ll -p {{WriterPort}} -e /bin/write-rate &
        nc -ll -p {{EchoPort}} -e /bin/cat &
        nc -ll -p {{DigestPort}} -e /bin/md5sum &
        httpd -p {{HttpPort}} -h /www
        # Ready means listening: the servers started in the background may not have bound their ports yet.
        listening() { grep -qiE ":$(printf '%04X' "$1") [0-9A-F]+:0000 0A" /proc/net/tcp /proc/net/tcp6 2>/dev/null; }
        for port in {{EchoPort}} {{DigestPort}} {{WriterPort}} {{HttpPort}}; do
          n=0
          while ! listening "$port" && [ $n -lt 500 ]; do usleep 10000; n=$((n + 1)); done
          listening "$port" || say "port $port is not listening"
        done
        say "ready $addr"
        while :; do sleep 3600; done
        """.Replace("\r\n", "\n") + "\n";
}
