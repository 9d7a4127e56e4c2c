#!/usr/bin/python3
"""Builds the `netmob replay` cases in this directory: for each case, the input capture (in.pcap or
in.pcapng), the target's configuration (config.json) and the capture the target must emit
(expected.pcap or expected.pcapng).

Packets, inputs and expected outputs alike, are built with scapy (Debian python3-scapy) from what the
RFCs and ip-link(8) say the target must do; multi-interface captures are joined with Wireshark's mergecap,
one interface per file in order (-I none: never merged). Run with /usr/bin/python3 from anywhere; it rewrites every case.
"""
import json
import os
import struct
import subprocess
import tempfile
import socket

from scapy.all import GRE, ICMP, IP, Ether, Raw, fragment, raw, wrpcap
from scapy.utils import checksum

HERE = os.path.dirname(os.path.abspath(__file__))
T0 = 1_700_000_000.0  # 2023-11-14T22:13:20Z
MS = 0.001
RAW_IPV4 = 228  # LINKTYPE_IPV4
ETHERNET = 1

# The world of every case: h1 - lan1 - r1 ==[GRE over the WAN]== r2 - lan2 - h2
H1, H2 = "10.1.0.10", "10.2.0.10"
R1_LAN, R2_LAN = "10.1.0.1", "10.2.0.1"
R1_WAN, R2_WAN = "192.0.2.1", "192.0.2.2"
MAC_H1, MAC_H2 = "02:00:00:00:00:10", "02:00:00:00:00:20"
MAC_R1_LAN, MAC_R1_WAN = "02:00:00:00:01:01", "02:00:00:00:01:02"
MAC_R2_WAN, MAC_R2_LAN = "02:00:00:00:02:01", "02:00:00:00:02:02"
KEY = 0x0A0B0C0D
ECHO_ID = 0x4E4D


def at(pkt, ms):
    pkt.time = T0 + ms * MS
    return pkt


def ping(src, dst, seq, ttl=64, size=32, df=False, tos=0, reply=False):
    data = bytes((i * 7 + seq) & 0xFF for i in range(size))
    return IP(src=src, dst=dst, ttl=ttl, id=1000 + seq, flags="DF" if df else 0, tos=tos) / \
        ICMP(type=0 if reply else 8, id=ECHO_ID, seq=seq) / Raw(data)


def gre(src, dst, inner, ident, ttl=None, key=None, seq=None, csum=False, proto=0x0800, df=False, tos=None):
    inner_ip = inner if proto == 0x0800 else inner[IP]
    g = GRE(proto=proto)
    if csum:
        g.chksum_present = 1
    if key is not None:
        g.key_present = 1
        g.key = key
    if seq is not None:
        g.seqnum_present = 1
        g.sequence_number = seq
    outer_tos = (inner_ip.tos & 0xFC) if tos is None else tos
    return IP(src=src, dst=dst, id=ident, ttl=inner_ip.ttl if ttl is None else ttl,
              tos=outer_tos, flags="DF" if df or inner_ip.flags.DF else 0) / g / inner


def reparse(pkt):
    """The packet as bytes on the wire, parsed back, so computed fields (lengths, checksums) are fixed."""
    return pkt.__class__(raw(pkt))


def icmp_too_big(router, offender, mtu, ident=0):
    """RFC 1191 fragmentation needed as the toolkit's routers send it: DSCP CS6 (RFC 1812 sec 4.3.2.5),
    TTL 64, quoting as much of the offender as fits 576 bytes (RFC 1812 sec 4.3.2.3)."""
    quote = raw(offender)[:576 - 28]
    return IP(src=router, dst=offender[IP].src, ttl=64, tos=0xC0, id=ident) / ICMP(type=3, code=4, nexthopmtu=mtu) / Raw(quote)


def minimal(encapsulator, exit_, inner):
    """RFC 2004 sec 3: the original header rewritten, the forwarding header after it."""
    ip = inner[IP]
    with_source = ip.src != encapsulator
    fwd = struct.pack("!BBH4s", ip.proto, 0x80 if with_source else 0, 0, socket.inet_aton(ip.dst))
    if with_source:
        fwd += socket.inet_aton(ip.src)
    fwd = fwd[:2] + struct.pack("!H", checksum(fwd)) + fwd[4:]
    return IP(src=encapsulator, dst=exit_, id=ip.id, ttl=ip.ttl, tos=ip.tos, flags=ip.flags, proto=55) / Raw(fwd + raw(ip.payload))


def write(path, interfaces):
    """interfaces: list of (linktype, [packets]). One interface: classic pcap. Several: pcapng via mergecap."""
    if path.endswith(".pcap"):
        (linktype, packets), = interfaces
        wrpcap(path, packets, linktype=linktype)
        return
    with tempfile.TemporaryDirectory() as tmp:
        parts = []
        for i, (linktype, packets) in enumerate(interfaces):
            part = os.path.join(tmp, f"{i}.pcap")
            wrpcap(part, packets, linktype=linktype)
            parts.append(part)
        subprocess.run(["mergecap", "-F", "pcapng", "-I", "none", "-w", path, *parts], check=True)


def case(name, config, inputs, expected, multi):
    folder = os.path.join(HERE, name)
    os.makedirs(folder, exist_ok=True)
    for old in os.listdir(folder):
        os.remove(os.path.join(folder, old))
    ext = "pcapng" if multi else "pcap"
    write(os.path.join(folder, f"in.{ext}"), inputs)
    write(os.path.join(folder, f"expected.{ext}"), expected)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")


def gre_endpoint():
    """r1's GRE endpoint alone: key both ways, sequence numbers both ways, checksums out. Inner packets are
    encapsulated; received packets with the wrong key, no sequence number or a bad checksum are dropped
    (ip-link(8)); a reordered pair comes out in order."""
    config = {"tunnel": {"type": "gre", "local": R1_WAN, "remote": R2_WAN, "key": KEY, "seq": True, "ocsum": True}}
    inner_in = [at(ping(H1, H2, s), 10 * s) for s in range(3)]
    outer_out = [at(gre(R1_WAN, R2_WAN, p, ident=s, key=KEY, seq=s, csum=True), 10 * s) for s, p in enumerate(inner_in)]
    replies = [ping(H2, H1, s, reply=True, ttl=63) for s in range(5)]
    bad_csum = reparse(gre(R2_WAN, R1_WAN, replies[4], ident=9, key=KEY, seq=3, csum=True))
    bad_csum[GRE].chksum ^= 0x0101
    outer_in = [
        at(gre(R2_WAN, R1_WAN, replies[0], ident=0, key=KEY, seq=0), 100),
        at(gre(R2_WAN, R1_WAN, replies[2], ident=2, key=KEY, seq=2), 110),
        at(gre(R2_WAN, R1_WAN, replies[1], ident=1, key=KEY, seq=1), 120),
        at(gre(R2_WAN, R1_WAN, replies[4], ident=7, key=KEY + 1, seq=3), 130),  # wrong key
        at(gre(R2_WAN, R1_WAN, replies[4], ident=8, key=KEY), 140),  # no sequence number
        at(bad_csum, 150),  # checksum does not verify
        at(gre(R2_WAN, R1_WAN, replies[3], ident=3, key=KEY, seq=3), 160),
    ]
    inner_out = [at(replies[0], 100), at(replies[1], 120), at(replies[2], 120), at(replies[3], 160)]
    case("gre-endpoint", config,
         [(RAW_IPV4, outer_in), (RAW_IPV4, inner_in)],
         [(RAW_IPV4, outer_out), (RAW_IPV4, inner_out)], multi=True)


def gre_reorder_timer():
    """RFC 2890 sec 2.2 receive window, MAX_PERFLOW_BUFFER 4, OUTOFORDER_TIMER 50 ms: gaps given up when the
    timer runs out, a straggler after that is late and dropped, a full window releases its oldest."""
    config = {"tunnel": {"type": "gre", "local": R1_WAN, "remote": R2_WAN, "iseq": True,
                         "maxPerflowBuffer": 4, "outOfOrderTimerMs": 50}}
    p = {s: ping(H2, H1, s, reply=True) for s in range(13)}
    arrivals = [(0, 0), (2, 10), (3, 20), (5, 30), (1, 90), (6, 100), (8, 110), (9, 120), (10, 130), (11, 140), (12, 150)]
    outer_in = [at(gre(R2_WAN, R1_WAN, p[s], ident=s, seq=s), t) for s, t in arrivals]
    # 2 and 3 wait from 10 and 20 ms: at 60 ms 2 has waited 50 ms, so 1 is given up and both go out;
    # 5 has waited since 30 ms and goes out at 80 ms past 4; 1 at 90 ms is late; 6 is next in order;
    # 8..11 fill the window; 12 finds it full, so 8 goes out past 7 and 9..12 follow in order.
    deliveries = [(0, 0), (2, 60), (3, 60), (5, 80), (6, 100), (8, 150), (9, 150), (10, 150), (11, 150), (12, 150)]
    inner_out = [at(p[s].copy(), t) for s, t in deliveries]
    case("gre-reorder-timer", config, [(RAW_IPV4, outer_in)], [(RAW_IPV4, inner_out)], multi=False)


def gre_endpoint_mtu():
    """Tunnel MTU: a 1000-byte underlay leaves 976. A DF packet over it is answered with ICMP
    fragmentation-needed carrying 976 from the tunnel's address; one without DF is fragmented (RFC 791)
    before encapsulation; one that fits goes through whole."""
    config = {"tunnel": {"type": "gre", "local": R1_WAN, "remote": R2_WAN, "underlayMtu": 1000}}
    too_big_df = at(ping(H1, H2, 1, size=1000 - 28, df=True), 0)
    too_big = at(ping(H1, H2, 2, size=1200 - 28), 10)
    fits = at(ping(H1, H2, 3, size=976 - 28, df=True), 20)
    fragments = fragment(reparse(too_big), fragsize=952)
    outer_out = [at(gre(R1_WAN, R2_WAN, f, ident=i), 10) for i, f in enumerate(fragments)]
    outer_out.append(at(gre(R1_WAN, R2_WAN, fits, ident=len(fragments)), 20))
    inner_out = [at(icmp_too_big(R1_WAN, too_big_df, 976), 0)]
    case("gre-endpoint-mtu", config,
         [(RAW_IPV4, []), (RAW_IPV4, [too_big_df, too_big, fits])],
         [(RAW_IPV4, outer_out), (RAW_IPV4, inner_out)], multi=True)


def ipip_endpoint():
    """IP in IP (RFC 2003) with a fixed outer TTL of 32 and the inner DSCP inherited."""
    config = {"tunnel": {"type": "ipip", "local": R1_WAN, "remote": R2_WAN, "ttl": 32, "tos": "inherit"}}
    inner = at(ping(H1, H2, 1, tos=0xB8), 0)
    reply = ping(H2, H1, 1, reply=True, ttl=63)
    outer_in = at(IP(src=R2_WAN, dst=R1_WAN, id=5, ttl=60) / reply, 10)
    outer_out = at(IP(src=R1_WAN, dst=R2_WAN, id=0, ttl=32, tos=0xB8, proto=4) / inner, 0)
    case("ipip-endpoint", config,
         [(RAW_IPV4, [outer_in]), (RAW_IPV4, [inner])],
         [(RAW_IPV4, [outer_out]), (RAW_IPV4, [at(reply, 10)])], multi=True)


def minimal_endpoint():
    """Minimal encapsulation (RFC 2004): the original header rewritten, the forwarding header with the
    original source, and back."""
    config = {"tunnel": {"type": "minimal", "local": R1_WAN, "remote": R2_WAN}}
    inner = at(ping(H1, H2, 1), 0)
    reply = ping(H2, H1, 1, reply=True, ttl=63)
    outer_in = at(minimal(R2_WAN, R1_WAN, reply), 10)
    case("minimal-endpoint", config,
         [(RAW_IPV4, [outer_in]), (RAW_IPV4, [inner])],
         [(RAW_IPV4, [at(minimal(R1_WAN, R2_WAN, inner), 0)]), (RAW_IPV4, [at(reply, 10)])], multi=True)


def gretap_endpoint():
    """gretap: Ethernet frames in GRE with protocol type 0x6558 and a key, both ways."""
    config = {"tunnel": {"type": "gretap", "local": R1_WAN, "remote": R2_WAN, "key": 5}}
    frame = at(Ether(src=MAC_H1, dst=MAC_H2) / ping(H1, H2, 1), 0)
    back = Ether(src=MAC_H2, dst=MAC_H1) / ping(H2, H1, 1, reply=True)
    outer_in = at(gre(R2_WAN, R1_WAN, back, ident=0, key=5, proto=0x6558), 10)
    outer_out = at(gre(R1_WAN, R2_WAN, frame, ident=0, key=5, proto=0x6558), 0)
    case("gretap-endpoint", config,
         [(RAW_IPV4, [outer_in]), (ETHERNET, [frame])],
         [(RAW_IPV4, [outer_out]), (ETHERNET, [at(back, 10)])], multi=True)


def router(name, wan, lan, mac_wan, mac_lan, local, remote, tunnel_address, far_lan, far_tunnel, arp, tunnel):
    return {"node": {
        "name": name,
        "interfaces": [
            {"name": "wan", "mac": mac_wan, "address": wan + "/30"},
            {"name": "lan", "mac": mac_lan, "address": lan + "/24"},
        ],
        "tunnels": [dict({"name": "gre1", "type": "gre", "local": local, "remote": remote,
                          "address": tunnel_address + "/30"}, **tunnel)],
        "routes": [{"prefix": far_lan, "via": far_tunnel, "interface": "gre1"}],
        "arp": arp,
    }}


def gre_router():
    """r2 as a router: GRE from r1 arrives reordered on the WAN and leaves on the LAN in order, TTL one less;
    one sequence number never comes and the window gives it up after OUTOFORDER_TIMER (100 ms). h2's replies
    are routed into the tunnel and leave on the WAN with the key and sequence numbers 0, 1, 2 ..."""
    arp = [{"interface": "lan", "address": H2, "mac": MAC_H2}, {"interface": "wan", "address": R1_WAN, "mac": MAC_R1_WAN}]
    config = router("r2", R2_WAN, R2_LAN, MAC_R2_WAN, MAC_R2_LAN, R2_WAN, R1_WAN, "10.255.0.2", "10.1.0.0/24", "10.255.0.1",
                    arp, {"key": 77, "seq": True})

    def from_r1(seq, ms):
        return at(Ether(src=MAC_R1_WAN, dst=MAC_R2_WAN) / gre(R1_WAN, R2_WAN, ping(H1, H2, seq, ttl=63), ident=seq, key=77, seq=seq), ms)

    def to_h2(seq, ms):
        return at(Ether(src=MAC_R2_LAN, dst=MAC_H2) / ping(H1, H2, seq, ttl=62), ms)

    wan_in = [from_r1(0, 0), from_r1(2, 10), from_r1(1, 20), from_r1(4, 30), from_r1(5, 40)]
    lan_out = [to_h2(0, 0), to_h2(1, 20), to_h2(2, 20), to_h2(4, 130), to_h2(5, 130)]
    lan_in = [at(Ether(src=MAC_H2, dst=MAC_R2_LAN) / ping(H2, H1, s, reply=True), 200 + 10 * s) for s in range(3)]
    wan_out = [at(Ether(src=MAC_R2_WAN, dst=MAC_R1_WAN) / gre(R2_WAN, R1_WAN, ping(H2, H1, s, reply=True, ttl=63), ident=s, key=77, seq=s),
                  200 + 10 * s) for s in range(3)]
    case("gre-router", config, [(ETHERNET, wan_in), (ETHERNET, lan_in)], [(ETHERNET, wan_out), (ETHERNET, lan_out)], multi=True)


def gre_router_mtu():
    """r1 as a router in front of a GRE tunnel with key and sequence numbers: tunnel MTU 1500 - 20 - 12 = 1468.
    A 1480-byte DF packet from h1 is answered with fragmentation-needed (MTU 1468) from r1's LAN address;
    the same without DF is fragmented by r1 to the tunnel MTU, each fragment in its own GRE packet."""
    arp = [{"interface": "lan", "address": H1, "mac": MAC_H1}, {"interface": "wan", "address": R2_WAN, "mac": MAC_R2_WAN}]
    config = router("r1", R1_WAN, R1_LAN, MAC_R1_WAN, MAC_R1_LAN, R1_WAN, R2_WAN, "10.255.0.1", "10.2.0.0/24", "10.255.0.2",
                    arp, {"okey": 77, "oseq": True})
    big_df = ping(H1, H2, 1, size=1480 - 28, df=True)
    big = ping(H1, H2, 2, size=1480 - 28)
    lan_in = [at(Ether(src=MAC_H1, dst=MAC_R1_LAN) / big_df, 0), at(Ether(src=MAC_H1, dst=MAC_R1_LAN) / big, 10)]
    lan_out = [at(Ether(src=MAC_R1_LAN, dst=MAC_H1) / icmp_too_big(R1_LAN, big_df, 1468, ident=1), 0)]
    forwarded = reparse(big)
    forwarded.ttl = 63
    del forwarded.chksum
    fragments = fragment(reparse(forwarded), fragsize=1448)
    wan_out = [at(Ether(src=MAC_R1_WAN, dst=MAC_R2_WAN) / gre(R1_WAN, R2_WAN, f, ident=i, key=77, seq=i), 10) for i, f in enumerate(fragments)]
    case("gre-router-mtu", config, [(ETHERNET, []), (ETHERNET, lan_in)], [(ETHERNET, wan_out), (ETHERNET, lan_out)], multi=True)


if __name__ == "__main__":
    gre_endpoint()
    gre_reorder_timer()
    gre_endpoint_mtu()
    ipip_endpoint()
    minimal_endpoint()
    gretap_endpoint()
    gre_router()
    gre_router_mtu()
