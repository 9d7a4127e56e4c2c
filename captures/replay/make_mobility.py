#!/usr/bin/python3
"""Builds the Mobile IP replay cases in this directory (see make.py for the format and docs/replay.md for the
roles): a home agent and a foreign agent, each a node of the toolkit's stack, fed the registration and data
frames of one VM's move and expected to emit what RFC 5944 and RFC 3024 ask of them.

Packets are built with scapy (Debian python3-scapy); registration messages are laid out by hand from RFC 5944
sec 3.3 and 3.4 and their authenticators computed with Python's hmac (HMAC-MD5 over the message up to and
including the SPI, RFC 5944 sec 3.5.1). Run with /usr/bin/python3 from anywhere; it rewrites both cases.
"""
import hashlib
import hmac
import socket
import struct

from scapy.all import ARP, GRE, ICMP, IP, UDP, Ether, Padding, Raw

from make import ETHERNET, MS, T0, at, case, gre, ping

NTP_EPOCH = 2208988800  # seconds from 1900-01-01 to 1970-01-01 (RFC 5905 sec 6)

HOME_LINK, FOREIGN_LINK = "10.1.0.0/24", "10.2.0.0/24"
R1, HA, VM = "10.1.0.1", "10.1.0.2", "10.1.0.42"
FA, CN, R3_WAN, FA_WAN = "10.2.0.1", "10.3.0.10", "192.0.2.6", "192.0.2.5"
MAC_R1, MAC_HA, MAC_VM = "02:00:00:00:01:01", "02:00:00:00:0a:02", "52:54:00:00:00:42"
MAC_FA_VISITORS, MAC_FA_WAN, MAC_R3 = "02:00:00:00:0f:01", "02:00:00:00:0f:02", "02:00:00:00:03:02"
SPI = 0x1000
KEY = b"vm-42 mobile-home key"
FLAGS_T_G = 0x0A  # G (0x08) and T (0x02), RFC 5944 sec 3.3 and RFC 3024 sec 3.2


def timestamp(ms):
    """RFC 5944 sec 5.7.1: the NTP-format time of day, seconds since 1900 and a binary fraction."""
    seconds = T0 + ms * MS + NTP_EPOCH
    whole = int(seconds)
    return (whole << 32) | int(round((seconds - whole) * (1 << 32)))


def authenticated(message):
    """Appends a Mobile-Home Authentication Extension (type 32, length 20, SPI, HMAC-MD5)."""
    covered = message + struct.pack("!BBI", 32, 20, SPI)
    return covered + hmac.new(KEY, covered, hashlib.md5).digest()


def request(flags, lifetime, ident, coa=FA):
    """RFC 5944 sec 3.3: type 1, flags, lifetime, home address, home agent, care-of address, identification."""
    return authenticated(struct.pack("!BBH4s4s4sQ", 1, flags, lifetime, socket.inet_aton(VM), socket.inet_aton(HA),
                                     socket.inet_aton(coa), ident))


def reply(code, lifetime, ident):
    """RFC 5944 sec 3.4: type 3, code, lifetime, home address, home agent, identification."""
    return authenticated(struct.pack("!BBH4s4sQ", 3, code, lifetime, socket.inet_aton(VM), socket.inet_aton(HA), ident))


def udp434(src, dst, payload, ttl, ident):
    return IP(src=src, dst=dst, ttl=ttl, id=ident) / UDP(sport=434, dport=434) / Raw(payload)


def padded(frame):
    """Ethernet minimum frame (60 bytes without FCS), as the agents' announcers build them."""
    missing = 60 - len(frame)
    return frame / Padding(b"\x00" * missing) if missing > 0 else frame


def garp(ms):
    """RFC 5944 sec 4.6: the home agent announces the VM's address at its own hardware address, as a request
    (RFC 5227 sec 2.3 announcement) and as a reply, from its own Ethernet address."""
    request_form = Ether(src=MAC_HA, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=MAC_HA, psrc=VM, hwdst="00:00:00:00:00:00", pdst=VM)
    reply_form = Ether(src=MAC_HA, dst="ff:ff:ff:ff:ff:ff") / ARP(op=2, hwsrc=MAC_HA, psrc=VM, hwdst=MAC_HA, pdst=VM)
    return [at(padded(request_form), ms), at(padded(reply_form), ms)]


def home_agent():
    """The home agent on the home link, behind r1. A request relayed by the foreign agent is accepted (GRE,
    reverse tunnelling): the agent announces the VM's address at its own hardware address three times, 500 ms
    apart, and replies. A packet for the VM goes into the GRE tunnel to the care-of address, TTL one less. A
    reverse-tunnelled packet from the VM comes out and is forwarded; one whose inner source has no binding to
    that care-of address is refused (RFC 3024 sec 6.1). A request with a forged authenticator gets 131; the
    first request replayed gets 133 with the agent's clock in the high-order half of the Identification."""
    config = {"node": {
        "name": "ha",
        "interfaces": [{"name": "home", "mac": MAC_HA, "address": HA + "/24"}],
        "routes": [{"prefix": "0.0.0.0/0", "via": R1}],
        "arp": [{"interface": "home", "address": R1, "mac": MAC_R1}],
        "roles": [{"type": "home-agent", "interface": "home", "maxLifetime": 600,
                   "mobileNodes": [{"homeAddress": VM, "spi": SPI, "key": KEY.decode(), "mac": MAC_VM}]}],
    }}
    from_r1 = Ether(src=MAC_R1, dst=MAC_HA)
    to_r1 = Ether(src=MAC_HA, dst=MAC_R1)
    first = request(FLAGS_T_G, 300, timestamp(0))
    forged = bytearray(request(FLAGS_T_G, 300, timestamp(400)))
    forged[-1] ^= 0x01
    to_vm = ping(CN, VM, 1, ttl=62)
    from_vm = ping(VM, CN, 1, ttl=63, reply=True)
    spoofed = ping("10.1.0.99", CN, 2, ttl=63, reply=True)
    inputs = [
        at(from_r1 / udp434(FA, HA, first, ttl=62, ident=1), 0),
        at(from_r1 / to_vm, 100),
        at(from_r1 / gre(FA, HA, from_vm, ident=0, ttl=61), 200),
        at(from_r1 / gre(FA, HA, spoofed, ident=1, ttl=61), 300),
        at(from_r1 / udp434(FA, HA, bytes(forged), ttl=62, ident=2), 400),
        at(from_r1 / udp434(FA, HA, first, ttl=62, ident=3), 1300),
    ]
    tunnelled = to_vm.copy()
    tunnelled.ttl = 61
    del tunnelled.chksum
    forwarded = from_vm.copy()
    forwarded.ttl = 62
    del forwarded.chksum
    agent_seconds = int(T0 + 1.3) + NTP_EPOCH  # the agent's clock when the replay arrives
    expected = [
        *garp(0),
        at(to_r1 / udp434(HA, FA, reply(0, 300, timestamp(0)), ttl=64, ident=1), 0),
        at(to_r1 / gre(HA, FA, tunnelled, ident=0, ttl=64), 100),
        at(to_r1 / forwarded, 200),
        at(to_r1 / udp434(HA, FA, reply(131, 0, timestamp(400)), ttl=64, ident=2), 400),
        *garp(500),
        *garp(1000),
        at(to_r1 / udp434(HA, FA, reply(133, 0, (agent_seconds << 32) | (timestamp(0) & 0xFFFFFFFF)), ttl=64, ident=3), 1300),
    ]
    case("home-agent", config, [(ETHERNET, inputs)], [(ETHERNET, expected)], multi=False)


def advertisement(sequence, ident, ms, flags=0x8000 | 0x1000 | 0x0800 | 0x0400 | 0x0100):
    """RFC 5944 sec 2.1: an ICMP router advertisement (lifetime 3 s, the agent's address at preference 0) with
    a Mobility Agent Advertisement Extension (registration lifetime 600, flags R F M G T unless told otherwise, care-of address
    10.2.0.1) and a Prefix-Lengths Extension (24), to all systems with TTL 1."""
    body = struct.pack("!4si", socket.inet_aton(FA), 0)
    body += struct.pack("!BBHHH4s", 16, 10, sequence, 600, flags, socket.inet_aton(FA))
    body += struct.pack("!BBB", 19, 1, 24)
    icmp = ICMP(type=9, code=0) / Raw(body)
    icmp.unused = (1 << 24) | (2 << 16) | 3  # one address, two words each, lifetime 3 s (RFC 1256 sec 3)
    return at(Ether(src=MAC_FA_VISITORS, dst="01:00:5e:00:00:01") / IP(src=FA, dst="224.0.0.1", ttl=1, id=ident) / icmp, ms)


def foreign_agent():
    """The foreign agent between the visitors' link and the WAN. It advertises when the replay starts (the clock
    starts at the first input frame, 10 ms) and every second after, and
    answers the VM's solicitation (to all systems: the VM's home address is not on this link). The VM's request
    (TTL 255, T and G) goes on to the home agent unchanged; the home agent's reply comes back to the VM's
    hardware address. GRE from the home agent is delivered to the VM, TTL one less; a packet from the VM to its home gateway's
    hardware address goes into the reverse tunnel, TTL one less (RFC 3024 sec 5.1); the VM's ARP request for its
    home gateway is answered with the agent's own hardware address."""
    config = {"node": {
        "name": "fa",
        "interfaces": [{"name": "visitors", "mac": MAC_FA_VISITORS, "address": FA + "/24"},
                       {"name": "wan", "mac": MAC_FA_WAN, "address": FA_WAN + "/30"}],
        "routes": [{"prefix": "0.0.0.0/0", "via": R3_WAN}],
        "arp": [{"interface": "wan", "address": R3_WAN, "mac": MAC_R3}],
        "roles": [{"type": "foreign-agent", "interface": "visitors", "maxLifetime": 600, "advertisementIntervalMs": 1000}],
    }}
    from_vm = Ether(src=MAC_VM, dst=MAC_FA_VISITORS)
    to_vm = Ether(src=MAC_FA_VISITORS, dst=MAC_VM)
    from_r3 = Ether(src=MAC_R3, dst=MAC_FA_WAN)
    to_r3 = Ether(src=MAC_FA_WAN, dst=MAC_R3)
    req = request(FLAGS_T_G, 300, timestamp(20))
    accepted = reply(0, 300, timestamp(20))
    for_vm = ping(CN, VM, 1, ttl=60)
    vm_out = ping(VM, CN, 1, ttl=64, reply=True)
    delivered = for_vm.copy()  # the agent forwards it onto the visitors' link: TTL one less (RFC 2003 sec 3.1)
    delivered.ttl = 59
    del delivered.chksum
    vm_out_tunnelled = vm_out.copy()
    vm_out_tunnelled.ttl = 63
    del vm_out_tunnelled.chksum
    visitors_in = [
        at(Ether(src=MAC_VM, dst="ff:ff:ff:ff:ff:ff") / IP(src=VM, dst="255.255.255.255", ttl=1, id=1) / ICMP(type=10, code=0), 10),
        at(from_vm / udp434(VM, FA, req, ttl=255, ident=2), 20),
        at(Ether(src=MAC_VM, dst="02:00:00:00:01:01") / vm_out, 300),
        at(Ether(src=MAC_VM, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=MAC_VM, psrc=VM, hwdst="00:00:00:00:00:00", pdst=R1), 400),
    ]
    wan_in = [
        at(from_r3 / udp434(HA, FA, accepted, ttl=62, ident=1), 100),
        at(from_r3 / gre(HA, FA, for_vm, ident=0, ttl=61), 200),
    ]
    visitors_out = [
        advertisement(0, 1, 10),
        advertisement(1, 2, 10),
        at(to_vm / udp434(FA, VM, accepted, ttl=255, ident=1), 100),
        at(to_vm / delivered, 200),
        at(to_vm / ARP(op=2, hwsrc=MAC_FA_VISITORS, psrc=R1, hwdst=MAC_VM, pdst=VM), 400),
        advertisement(2, 4, 1010),
    ]
    wan_out = [
        at(to_r3 / udp434(FA, HA, req, ttl=64, ident=3), 20),
        at(to_r3 / gre(FA, HA, vm_out_tunnelled, ident=0, ttl=64), 300),
    ]
    inputs = [(ETHERNET, visitors_in), (ETHERNET, wan_in)]
    case("foreign-agent", config, inputs, [(ETHERNET, visitors_out), (ETHERNET, wan_out)], multi=True)


if __name__ == "__main__":
    home_agent()
    foreign_agent()
