#!/usr/bin/python3
"""What a TCG guest's TCP peer sees when the guest resumes in a fresh QEMU process, against a pause in place.

A guest booted from a 'netmob lab vm build' image runs on a bridge in a network namespace of its own (10.9.0.0/24),
a TCP echo session from that namespace to the guest's echo port keeps 4 KiB round trips going, and then
  1. the guest is stopped (QMP stop), left PAUSE seconds, and resumed (cont) in the same QEMU process, RUNS times;
  2. QEMU's own migration moves it, RUNS times, each time to a fresh QEMU process on the other TAP of the same bridge
     (loopback TCP; announce-self at the resume);
  3. it is paused in place twice more in the last QEMU process.
Nothing else changes: no tunnel, no agent, no route. Per event it prints QEMU's downtime (for a migration), how long
after the resume the first echo round trip completed, and the longest round trip in flight across the pause (the
stall). Needs root, qemu-system-x86 and iproute2; TCG.

    tools/lab/qemu-fresh-process-stall.py IMAGE_DIR [PAUSE_SECONDS] [RUNS]
"""
import json, os, socket, subprocess, sys, tempfile, threading, time

ECHO_PORT = 7
READY = b"netmob-guest: ready"


def usage(message):
    print(f"qemu-fresh-process-stall: {message}", file=sys.stderr)
    sys.exit(2)


def parse_args():
    if len(sys.argv) < 2: usage("give a guest image directory (netmob lab vm build)")
    image = sys.argv[1]
    if not (os.path.isfile(os.path.join(image, "vmlinuz")) and os.path.isfile(os.path.join(image, "initramfs.gz"))):
        usage(f"{image}: no vmlinuz and initramfs.gz (netmob lab vm build)")
    try:
        pause = float(sys.argv[2]) if len(sys.argv) > 2 else 0.08
        runs = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    except ValueError:
        usage("PAUSE_SECONDS is a number, RUNS a whole number")
    if not 0 < pause <= 10: usage(f"pause {pause}: give 0-10 seconds")
    if not 1 <= runs <= 100: usage(f"runs {runs}: give 1-100")
    return image, pause, runs


class Qmp:
    """A QMP client on a Unix socket: commands one at a time, events kept with QEMU's timestamps."""

    def __init__(self, path, bound=30):
        end = time.time() + bound
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.time() > end: raise TimeoutError(f"no QMP server at {path}")
                time.sleep(0.05)
        self.file = self.sock.makefile("rw")
        self.events = []
        self.file.readline()
        self.cmd("qmp_capabilities")

    def _read(self):
        line = self.file.readline()
        if not line: raise ConnectionError("QEMU closed its monitor")
        message = json.loads(line)
        if "event" in message:
            self.events.append(message["event"])
            return None
        return message

    def cmd(self, name, **arguments):
        self.file.write(json.dumps({"execute": name, "arguments": arguments}) + "\n")
        self.file.flush()
        while True:
            message = self._read()
            if message is None: continue
            if "error" in message: raise RuntimeError(f"{name}: {message['error'].get('desc')}")
            return message.get("return")

    def wait_event(self, name, bound=60):
        self.sock.settimeout(bound)
        while name not in self.events: self._read()
        self.events.remove(name)
        self.sock.settimeout(None)


def main():
    image, pause, runs = parse_args()
    if os.environ.get("QEMU_STALL_NS") is None:
        if os.geteuid() != 0: usage("needs root (a network namespace, TAP devices)")
        ns = f"nmstall{os.getpid()}"
        run = lambda *a: subprocess.run(["ip", *a], check=True)
        run("netns", "add", ns)
        try:
            for a in (["link", "set", "lo", "up"], ["link", "add", "br0", "type", "bridge"], ["addr", "add", "10.9.0.1/24", "dev", "br0"],
                      ["link", "set", "br0", "up"]):
                run("-n", ns, *a)
            for tap in ("t1", "t2"):
                run("-n", ns, "tuntap", "add", tap, "mode", "tap")
                run("-n", ns, "link", "set", tap, "master", "br0", "up")
            env = dict(os.environ, QEMU_STALL_NS=ns)
            return subprocess.run(["ip", "netns", "exec", ns, sys.executable, *sys.argv], env=env).returncode
        finally:
            subprocess.run(["ip", "netns", "del", ns])
    work = tempfile.mkdtemp(prefix="qemu-stall-")
    processes = []
    samples = []  # (completed at, round trip) in seconds
    stop = threading.Event()

    def qemu(name, tap, incoming=None):
        monitor = os.path.join(work, name + ".qmp")
        args = ["qemu-system-x86_64", "-name", name, "-nodefaults", "-no-user-config", "-no-reboot", "-display", "none", "-accel", "tcg",
                "-m", "128", "-kernel", os.path.join(image, "vmlinuz"), "-initrd", os.path.join(image, "initramfs.gz"),
                "-append", "console=ttyS0 panic=-1 ip=10.9.0.50::10.9.0.1:255.255.255.0:guest:eth0:off",
                "-serial", "file:" + os.path.join(work, name + ".log"), "-qmp", f"unix:{monitor},server=on,wait=off",
                "-netdev", f"tap,id=net0,ifname={tap},script=no,downscript=no",
                "-device", "virtio-net-pci,netdev=net0,mac=02:00:00:00:00:50,romfile="]
        if incoming: args += ["-incoming", incoming]
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(process)
        return process, Qmp(monitor)

    def echo():
        pattern = bytes(range(256)) * 16
        with socket.create_connection(("10.9.0.50", ECHO_PORT), timeout=30) as session:
            session.settimeout(None)
            while not stop.is_set():
                sent = time.time()
                session.sendall(pattern)
                got = b""
                while len(got) < len(pattern):
                    chunk = session.recv(len(pattern) - len(got))
                    if not chunk: raise ConnectionError("the guest closed the echo session")
                    got += chunk
                if got != pattern: raise ValueError("the echo came back different")
                done = time.time()
                samples.append((done, done - sent))

    def after(resumed):
        first = next((done for done, _ in samples if done >= resumed), None)
        stall = max((rtt for done, rtt in samples if done >= resumed and done - rtt <= resumed), default=None)
        return (f"{(first - resumed) * 1000:.1f}" if first else "-"), (f"{stall * 1000:.1f}" if stall else "-")

    try:
        current, monitor = qemu("g0", "t1")
        end = time.time() + 60
        while READY not in open(os.path.join(work, "g0.log"), "rb").read():
            if time.time() > end: raise TimeoutError("the guest did not boot within 60 s")
            time.sleep(0.1)
        threading.Thread(target=echo, daemon=True).start()
        time.sleep(3)
        recent = sorted(rtt for _, rtt in samples[-200:])
        if not recent: raise RuntimeError("the echo session carried nothing")
        print(f"echo round trip, steady: median {recent[len(recent) // 2] * 1000:.2f} ms")

        def in_place(label):
            monitor.cmd("stop")
            time.sleep(pause)
            resumed = time.time()
            monitor.cmd("cont")
            time.sleep(2)
            first, stall = after(resumed)
            print(f"{label}: paused {pause * 1000:.0f} ms in the same process; first echo {first} ms after the resume; stall {stall} ms")

        for i in range(runs): in_place(f"in place #{i + 1}")
        tap = "t1"
        for i in range(runs):
            tap = "t2" if tap == "t1" else "t1"
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            process, destination = qemu(f"g{i + 1}", tap, f"tcp:127.0.0.1:{port}")
            monitor.cmd("migrate", uri=f"tcp:127.0.0.1:{port}")
            destination.wait_event("RESUME")
            resumed = time.time()
            destination.cmd("announce-self", initial=50, max=550, rounds=5, step=100)
            downtime = monitor.cmd("query-migrate").get("downtime")
            time.sleep(2)
            first, stall = after(resumed)
            print(f"moved #{i + 1} to a fresh QEMU process by QEMU's migration: downtime {downtime} ms; first echo {first} ms after the resume; stall {stall} ms")
            monitor.cmd("quit")
            current.wait(10)
            current, monitor = process, destination
            time.sleep(1)
        for i in range(2): in_place(f"in place in the last process #{i + 1}")
        return 0
    except (OSError, TimeoutError, RuntimeError, ValueError, ConnectionError) as e:
        print(f"qemu-fresh-process-stall: {e}", file=sys.stderr)
        return 1
    finally:
        stop.set()
        for process in processes:
            if process.poll() is None: process.kill()
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    sys.exit(main())
