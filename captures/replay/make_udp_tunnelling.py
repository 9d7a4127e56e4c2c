#!/usr/bin/python3
"""Builds the RFC 3519 replay cases in this directory (see make.py for the format, make_mobility.py for the world):
a home agent that a foreign agent's registration reaches through a NAT, and one that it reaches directly. The UDP
Tunnel Request and Reply extensions are laid out by hand from RFC 3519 sec 3.1 and 3.2, the tunnel data header from
sec 3.3; everything else is scapy's. Run with /usr/bin/python3 from anywhere; it rewrites these cases only.
"""
import struct

from scapy.all import GRE, ICMP, IP, UDP, Ether, Raw
from scapy.utils import checksum

import make_mobility as mm
from make import ETHERNET, R1_WAN, R2_WAN, at, case, ping, reparse
from make_conformance import relay_case

NAT = "198.51.100.1"   # the NAT in front of the foreign agent, as the home agent sees it
NAT_PORT = 49152       # the outside port the NAT gave the foreign agent's port 434
TUNNEL_DATA = 4        # RFC 3519 sec 3.3: message type of a tunnel data message
IPIP, GRE_PROTO, MINIMAL = 4, 47, 55


def udp_tunnel_request(encapsulation=IPIP, force=False, subtype=0):
    """RFC 3519 sec 3.1: type 144, length 6, sub-type, reserved 1, F R and reserved 2, encapsulation, reserved 3."""
    return struct.pack("!BBBBBBH", 144, 6, subtype, 0, 0x80 if force else 0, encapsulation, 0)


def udp_tunnel_reply(keepalive, code=0, force=False):
    """RFC 3519 sec 3.2: type 44, length 6, sub-type 0, reply code, F and reserved, keepalive interval (seconds)."""
    return struct.pack("!BBBBHH", 44, 6, 0, code, 0x8000 if force else 0, keepalive)


T, G, M = 0x02, 0x08, 0x10   # RFC 5944 sec 3.3 request flags: reverse tunnelling, GRE, minimal encapsulation
# RFC 5944 sec 2.1.1 advertisement flags R F M G T, and U (RFC 3519 sec 3.4: the agent supports UDP tunnelling, as an
# agent with udpTunnel on does)
ADVERTISED_WITH_U = 0x8000 | 0x1000 | 0x0800 | 0x0400 | 0x0100 | 0x0080


def relayed_request(lifetime, ident, extension, flags=T):
    """The foreign agent's relay of the VM's request: the node's part up to its authenticator unchanged, the UDP Tunnel
    Request after it (RFC 3519 sec 3.1: the care-of address is the agent's, so the agent adds it)."""
    return mm.request(flags, lifetime, ident) + extension


def reply_with(code, lifetime, ident, extension=b""):
    """RFC 5944 sec 3.4 reply; the UDP Tunnel Reply goes before the Mobile-Home authenticator, which covers it."""
    fixed = struct.pack("!BBH4s4sQ", 3, code, lifetime, mm.socket.inet_aton(mm.VM), mm.socket.inet_aton(mm.HA), ident)
    return mm.authenticated(fixed + extension)


def tunnel_data(src, dst, sport, dport, inner, ident, ttl=64, carries=IPIP):
    """RFC 3519 sec 4.2: IP in IP behind UDP and the 4-octet tunnel data header (next header 4), outer TOS and DF from the inner;
    with carries=47 (sec 3.3), a 4-octet GRE header (RFC 2784, protocol type IPv4) between the tunnel data header and the inner;
    with carries=55, minimal encapsulation (minimal_inside)."""
    if carries == MINIMAL:
        return minimal_inside(src, dst, sport, dport, inner)
    behind = GRE(proto=0x0800) / inner if carries == GRE_PROTO else inner
    return IP(src=src, dst=dst, id=ident, ttl=ttl, tos=inner[IP].tos & 0xFC, flags="DF" if inner[IP].flags.DF else 0) / \
        UDP(sport=sport, dport=dport) / Raw(struct.pack("!BBH", TUNNEL_DATA, carries, 0)) / behind


def minimal_inside(src, dst, sport, dport, inner):
    """Next Header 55 (RFC 3519 sec 3.1.4, 3.3) as RFC 2004 sec 3 does it: the inner header is the outer one (its TOS, ID,
    DF and TTL kept; protocol UDP, the tunnel's ends), and a 12-octet minimal forwarding header, S set, with the original
    protocol, destination and source, goes between the tunnel data header and the inner payload."""
    ip = inner[IP]
    forwarding = struct.pack("!BBH4s4s", ip.proto, 0x80, 0, mm.socket.inet_aton(ip.dst), mm.socket.inet_aton(ip.src))
    forwarding = forwarding[:2] + struct.pack("!H", checksum(forwarding)) + forwarding[4:]
    return IP(src=src, dst=dst, id=ip.id, ttl=ip.ttl, tos=ip.tos, flags=ip.flags) / UDP(sport=sport, dport=dport) / \
        Raw(struct.pack("!BBH", TUNNEL_DATA, MINIMAL, 0) + forwarding + bytes(ip.payload))


def udp(src, dst, sport, dport, payload, ttl, ident):
    return IP(src=src, dst=dst, ttl=ttl, id=ident) / UDP(sport=sport, dport=dport) / Raw(payload)


def home_agent_config(**role):
    config = {"node": {
        "name": "ha",
        "interfaces": [{"name": "home", "mac": mm.MAC_HA, "address": mm.HA + "/24"}],
        "routes": [{"prefix": "0.0.0.0/0", "via": mm.R1}],
        "arp": [{"interface": "home", "address": mm.R1, "mac": mm.MAC_R1}],
        "roles": [{"type": "home-agent", "interface": "home", "maxLifetime": 600,
                   "mobileNodes": [{"homeAddress": mm.VM, "spi": mm.SPI, "key": mm.KEY.decode(), "mac": mm.MAC_VM}]}],
    }}
    config["node"]["roles"][0].update(role)
    return config


def home_agent_through_nat():
    """The foreign agent's relayed request reaches the home agent from the NAT's address and port, not from its care-of
    address: the agent sees a NAT (RFC 3519 sec 4.6) and accepts, with a UDP Tunnel Reply "will do tunnelling" and the
    keepalive interval, 110 s (sec 3.2), sent back through the mapping. A packet for the VM goes to the NAT's address
    and port as a tunnel data message (sec 3.3, 4.2); one from the VM in the tunnel comes out and is forwarded, TTL one
    less; a keepalive (an ICMP echo request from the far end to this one, inside the tunnel, sec 4.9) goes no further.
    Then two requests it cannot serve: one whose Encapsulation names no encapsulation (17, UDP; sec 3.1.4: 139, requested
    encapsulation unavailable) and one whose extension has sub-type 1 (134, poorly formed); the binding stays as it was."""
    from_r1 = Ether(src=mm.MAC_R1, dst=mm.MAC_HA)
    to_r1 = Ether(src=mm.MAC_HA, dst=mm.MAC_R1)
    first = relayed_request(300, mm.timestamp(0), udp_tunnel_request())
    to_vm = ping(mm.CN, mm.VM, 1, ttl=62)
    tunnelled = to_vm.copy()
    tunnelled.ttl = 61
    del tunnelled.chksum
    from_vm = ping(mm.VM, mm.CN, 1, ttl=63, reply=True)
    forwarded = from_vm.copy()
    forwarded.ttl = 62
    del forwarded.chksum
    keepalive = IP(src=mm.FA, dst=mm.HA, ttl=64, id=1) / ICMP(type=8, id=434, seq=1)
    udp_inside = relayed_request(300, mm.timestamp(400), udp_tunnel_request(17))
    subtype_1 = relayed_request(300, mm.timestamp(450), udp_tunnel_request(subtype=1))
    inputs = [
        at(from_r1 / udp(NAT, mm.HA, NAT_PORT, 434, first, ttl=60, ident=1), 0),
        at(from_r1 / to_vm, 100),
        at(from_r1 / tunnel_data(NAT, mm.HA, NAT_PORT, 434, from_vm, ident=2, ttl=60), 200),
        at(from_r1 / tunnel_data(NAT, mm.HA, NAT_PORT, 434, keepalive, ident=3, ttl=60), 300),
        at(from_r1 / udp(NAT, mm.HA, NAT_PORT, 434, udp_inside, ttl=60, ident=4), 400),
        at(from_r1 / udp(NAT, mm.HA, NAT_PORT, 434, subtype_1, ttl=60, ident=5), 450),
    ]
    expected = [
        *mm.garp(0),
        at(to_r1 / udp(mm.HA, NAT, 434, NAT_PORT, reply_with(0, 300, mm.timestamp(0), udp_tunnel_reply(110)), ttl=64, ident=1), 0),
        at(to_r1 / tunnel_data(mm.HA, NAT, 434, NAT_PORT, tunnelled, ident=0), 100),
        at(to_r1 / forwarded, 200),
        at(to_r1 / udp(mm.HA, NAT, 434, NAT_PORT, reply_with(139, 0, mm.timestamp(400)), ttl=64, ident=2), 400),
        at(to_r1 / udp(mm.HA, NAT, 434, NAT_PORT, reply_with(134, 0, mm.timestamp(450)), ttl=64, ident=3), 450),
        *mm.garp(500),
        *mm.garp(1000),
    ]
    case("home-agent-udp-nat", home_agent_config(), [(ETHERNET, inputs)], [(ETHERNET, expected)], multi=False)


def home_agent_without_nat():
    """A home agent whose UDP tunnelling is turned off. The foreign agent's request with a UDP Tunnel Request comes from
    its care-of address: no NAT, no F flag, so nothing asks for UDP (RFC 3519 sec 4.6): accepted, no reply extension,
    and a packet for the VM goes in plain IP in IP. A request with F set, which forces UDP tunnelling (sec 3.1.1),
    is denied with 142, UDP encapsulation unavailable (sec 3.4), and the binding stays."""
    from_r1 = Ether(src=mm.MAC_R1, dst=mm.MAC_HA)
    to_r1 = Ether(src=mm.MAC_HA, dst=mm.MAC_R1)
    first = relayed_request(300, mm.timestamp(0), udp_tunnel_request())
    forced = relayed_request(300, mm.timestamp(300), udp_tunnel_request(force=True))
    to_vm = ping(mm.CN, mm.VM, 1, ttl=62)
    tunnelled = to_vm.copy()
    tunnelled.ttl = 61
    del tunnelled.chksum
    inputs = [
        at(from_r1 / mm.udp434(mm.FA, mm.HA, first, ttl=62, ident=1), 0),
        at(from_r1 / to_vm, 100),
        at(from_r1 / mm.udp434(mm.FA, mm.HA, forced, ttl=62, ident=2), 300),
    ]
    expected = [
        *mm.garp(0),
        at(to_r1 / mm.udp434(mm.HA, mm.FA, reply_with(0, 300, mm.timestamp(0)), ttl=64, ident=1), 0),
        at(to_r1 / IP(src=mm.HA, dst=mm.FA, id=0, ttl=64, proto=4) / tunnelled, 100),
        at(to_r1 / mm.udp434(mm.HA, mm.FA, reply_with(142, 0, mm.timestamp(300)), ttl=64, ident=2), 300),
        *mm.garp(500),
        *mm.garp(1000),
    ]
    case("home-agent-udp-no-nat", home_agent_config(udpTunnelling=False), [(ETHERNET, inputs)], [(ETHERNET, expected)], multi=False)


def home_agent_gre_inside_udp():
    """GRE inside UDP, negotiated (RFC 3519 sec 3.1.4: the Encapsulation field is an IP protocol number, 47 GRE). Through
    the NAT, a request asking for GRE inside is accepted with a UDP Tunnel Reply; a packet for the VM goes to the NAT's
    mapping as a tunnel data message with Next Header 47 and a 4-octet GRE header (sec 3.3); one from the VM the same way
    comes out and is forwarded. A renewal through the same mapping asks for IP in IP (4): accepted, and the tunnel is
    replaced: the next packet for the VM goes with Next Header 4, a GRE one from the VM (the old kind) goes no further,
    and an IP in IP one is forwarded."""
    from_r1 = Ether(src=mm.MAC_R1, dst=mm.MAC_HA)
    to_r1 = Ether(src=mm.MAC_HA, dst=mm.MAC_R1)
    gre = relayed_request(300, mm.timestamp(0), udp_tunnel_request(GRE_PROTO))
    ipip = relayed_request(300, mm.timestamp(300), udp_tunnel_request(IPIP))

    def to_vm(seq):
        return ping(mm.CN, mm.VM, seq, ttl=62)

    def tunnelled(seq):
        p = to_vm(seq).copy()
        p.ttl = 61
        del p.chksum
        return p

    def from_vm(seq):
        return ping(mm.VM, mm.CN, seq, ttl=63, reply=True)

    def forwarded(seq):
        p = from_vm(seq).copy()
        p.ttl = 62
        del p.chksum
        return p

    inputs = [
        at(from_r1 / udp(NAT, mm.HA, NAT_PORT, 434, gre, ttl=60, ident=1), 0),
        at(from_r1 / to_vm(1), 100),
        at(from_r1 / tunnel_data(NAT, mm.HA, NAT_PORT, 434, from_vm(1), ident=2, ttl=60, carries=GRE_PROTO), 200),
        at(from_r1 / udp(NAT, mm.HA, NAT_PORT, 434, ipip, ttl=60, ident=3), 300),
        at(from_r1 / to_vm(2), 400),
        at(from_r1 / tunnel_data(NAT, mm.HA, NAT_PORT, 434, from_vm(2), ident=4, ttl=60, carries=GRE_PROTO), 450),
        at(from_r1 / tunnel_data(NAT, mm.HA, NAT_PORT, 434, from_vm(3), ident=5, ttl=60), 480),
    ]
    expected = [
        *mm.garp(0),
        at(to_r1 / udp(mm.HA, NAT, 434, NAT_PORT, reply_with(0, 300, mm.timestamp(0), udp_tunnel_reply(110)), ttl=64, ident=1), 0),
        at(to_r1 / tunnel_data(mm.HA, NAT, 434, NAT_PORT, tunnelled(1), ident=0, carries=GRE_PROTO), 100),
        at(to_r1 / forwarded(1), 200),
        at(to_r1 / udp(mm.HA, NAT, 434, NAT_PORT, reply_with(0, 300, mm.timestamp(300), udp_tunnel_reply(110)), ttl=64, ident=2), 300),
        at(to_r1 / tunnel_data(mm.HA, NAT, 434, NAT_PORT, tunnelled(2), ident=0), 400),
        at(to_r1 / forwarded(3), 480),
        *mm.garp(500),
        *mm.garp(1000),
    ]
    case("home-agent-udp-gre", home_agent_config(), [(ETHERNET, inputs)], [(ETHERNET, expected)], multi=False)


def home_agent_minimal_inside_udp():
    """Minimal encapsulation inside UDP (RFC 3519 sec 3.1.4: Encapsulation 55, which sec 3.3's Next Header also lists).
    Through the NAT, a request asking for it is accepted with a UDP Tunnel Reply; a packet for the VM goes to the NAT's
    mapping with its own header as the outer one (TTL one less, its ID and TOS kept) and a minimal forwarding header
    behind the tunnel data header (RFC 2004 sec 3); one from the VM the same way comes out with its header restored and
    is forwarded; a keepalive the same way goes no further."""
    from_r1 = Ether(src=mm.MAC_R1, dst=mm.MAC_HA)
    to_r1 = Ether(src=mm.MAC_HA, dst=mm.MAC_R1)
    request = relayed_request(300, mm.timestamp(0), udp_tunnel_request(MINIMAL))
    to_vm = ping(mm.CN, mm.VM, 1, ttl=62, tos=0xb8)
    tunnelled = to_vm.copy()
    tunnelled.ttl = 61
    del tunnelled.chksum
    from_vm = ping(mm.VM, mm.CN, 1, ttl=63, reply=True)
    forwarded = from_vm.copy()
    forwarded.ttl = 59
    del forwarded.chksum
    arrived = from_vm.copy()
    arrived.ttl = 60   # the outer header is the inner one: the hops on the way count against the inner TTL
    del arrived.chksum
    keepalive = IP(src=mm.FA, dst=mm.HA, ttl=64, id=1) / ICMP(type=8, id=434, seq=1)
    inputs = [
        at(from_r1 / udp(NAT, mm.HA, NAT_PORT, 434, request, ttl=60, ident=1), 0),
        at(from_r1 / to_vm, 100),
        at(from_r1 / tunnel_data(NAT, mm.HA, NAT_PORT, 434, arrived, ident=0, carries=MINIMAL), 200),
        at(from_r1 / tunnel_data(NAT, mm.HA, NAT_PORT, 434, keepalive, ident=0, carries=MINIMAL), 300),
    ]
    expected = [
        *mm.garp(0),
        at(to_r1 / udp(mm.HA, NAT, 434, NAT_PORT, reply_with(0, 300, mm.timestamp(0), udp_tunnel_reply(110)), ttl=64, ident=1), 0),
        at(to_r1 / tunnel_data(mm.HA, NAT, 434, NAT_PORT, tunnelled, ident=0, carries=MINIMAL), 100),
        at(to_r1 / forwarded, 200),
        *mm.garp(500),
        *mm.garp(1000),
    ]
    case("home-agent-udp-minimal", home_agent_config(), [(ETHERNET, inputs)], [(ETHERNET, expected)], multi=False)


def foreign_agent_udp(name="foreign-agent-udp", flags=T, carries=IPIP):
    """A foreign agent behind a NAT, told to ask for UDP tunnelling (`udpTunnel: request`). It relays the VM's request
    (T) with a UDP Tunnel Request after the node's authenticator (RFC 3519 sec 3.1), IP in IP inside, no F. In
    foreign-agent-udp-gre the VM asks for GRE (T and G): the agent's extension names GRE (47, sec 3.1.4) and every
    tunnel data message, the keepalive too, carries a GRE header before the inner packet (sec 3.3); in
    foreign-agent-udp-minimal the VM asks for minimal encapsulation (T and M): the extension names 55 and every tunnel data
    message is minimal encapsulation inside UDP (minimal_inside). The home
    agent's reply accepts with a UDP Tunnel Reply, keepalive interval 2 s (sec 3.2); the reply goes on to the VM. Its
    advertisements set U (sec 3.4) beside R F M G T. A
    tunnel data message from the home agent (sec 3.3) is delivered to the VM, TTL one less; the VM's packet to its home
    gateway goes into the reverse tunnel as a tunnel data message from the agent's port 434 to the home agent's. Two
    seconds after that, nothing else having gone in, the agent sends a keepalive (sec 4.9): an ICMP echo request from
    its address to the home agent's, inside the tunnel."""
    config = {"node": {
        "name": "fa",
        "interfaces": [{"name": "visitors", "mac": mm.MAC_FA_VISITORS, "address": mm.FA + "/24"},
                       {"name": "wan", "mac": mm.MAC_FA_WAN, "address": mm.FA_WAN + "/30"}],
        "routes": [{"prefix": "0.0.0.0/0", "via": mm.R3_WAN}],
        "arp": [{"interface": "wan", "address": mm.R3_WAN, "mac": mm.MAC_R3}],
        "roles": [{"type": "foreign-agent", "interface": "visitors", "maxLifetime": 600, "advertisementIntervalMs": 1000,
                   "udpTunnel": "request"}],
    }, "settleMs": 2500}
    from_vm = Ether(src=mm.MAC_VM, dst=mm.MAC_FA_VISITORS)
    to_vm = Ether(src=mm.MAC_FA_VISITORS, dst=mm.MAC_VM)
    from_r3 = Ether(src=mm.MAC_R3, dst=mm.MAC_FA_WAN)
    to_r3 = Ether(src=mm.MAC_FA_WAN, dst=mm.MAC_R3)
    req = mm.request(flags, 300, mm.timestamp(20))
    accepted = reply_with(0, 300, mm.timestamp(20), udp_tunnel_reply(2))
    for_vm = ping(mm.CN, mm.VM, 1, ttl=60)
    delivered = for_vm.copy()
    delivered.ttl = 59
    del delivered.chksum
    vm_out = ping(mm.VM, mm.CN, 1, ttl=64, reply=True)
    vm_out_tunnelled = vm_out.copy()
    vm_out_tunnelled.ttl = 63
    del vm_out_tunnelled.chksum
    keepalive = IP(src=mm.FA, dst=mm.HA, ttl=64, id=1) / ICMP(type=8, id=434, seq=1)
    visitors_in = [
        at(Ether(src=mm.MAC_VM, dst="ff:ff:ff:ff:ff:ff") / IP(src=mm.VM, dst="255.255.255.255", ttl=1, id=1) / ICMP(type=10, code=0), 10),
        at(from_vm / mm.udp434(mm.VM, mm.FA, req, ttl=255, ident=2), 20),
        at(Ether(src=mm.MAC_VM, dst="02:00:00:00:01:01") / vm_out, 300),
    ]
    wan_in = [
        at(from_r3 / mm.udp434(mm.HA, mm.FA, accepted, ttl=50, ident=1), 100),
        at(from_r3 / tunnel_data(mm.HA, mm.FA, 434, 434, for_vm, ident=0, ttl=50, carries=carries), 200),
    ]
    visitors_out = [
        mm.advertisement(0, 1, 10, flags=ADVERTISED_WITH_U),
        mm.advertisement(1, 2, 10, flags=ADVERTISED_WITH_U),
        at(to_vm / mm.udp434(mm.FA, mm.VM, accepted, ttl=255, ident=1), 100),
        at(to_vm / delivered, 200),
        mm.advertisement(2, 4, 1010, flags=ADVERTISED_WITH_U),
        mm.advertisement(3, 5, 2010, flags=ADVERTISED_WITH_U),
    ]
    wan_out = [
        at(to_r3 / mm.udp434(mm.FA, mm.HA, relayed_request(300, mm.timestamp(20), udp_tunnel_request(carries), flags), ttl=64, ident=3), 20),
        at(to_r3 / tunnel_data(mm.FA, mm.HA, 434, 434, vm_out_tunnelled, ident=0, carries=carries), 300),
        at(to_r3 / tunnel_data(mm.FA, mm.HA, 434, 434, keepalive, ident=1, carries=carries), 2300),
    ]
    case(name, config, [(ETHERNET, visitors_in), (ETHERNET, wan_in)],
         [(ETHERNET, visitors_out), (ETHERNET, wan_out)], multi=True)


def foreign_agent_udp_swap():
    """A visitor of a foreign agent behind a NAT changes what its UDP tunnel carries (RFC 3519 sec 3.1.4). Registered
    with G, its tunnel carries GRE (Next Header 47). Its renewal without G is relayed asking for IP in IP (4); while it
    is pending, an IP in IP tunnel data message from the home agent (which switched on accepting, its reply still on
    the way) is delivered: the new kind's tunnel is ready. The reply accepts; a GRE one (the old kind) then goes no
    further, the VM's packet goes into the reverse tunnel as IP in IP, and two seconds later the keepalive does too."""
    config = {"node": {
        "name": "fa",
        "interfaces": [{"name": "visitors", "mac": mm.MAC_FA_VISITORS, "address": mm.FA + "/24"},
                       {"name": "wan", "mac": mm.MAC_FA_WAN, "address": mm.FA_WAN + "/30"}],
        "routes": [{"prefix": "0.0.0.0/0", "via": mm.R3_WAN}],
        "arp": [{"interface": "wan", "address": mm.R3_WAN, "mac": mm.MAC_R3}],
        "roles": [{"type": "foreign-agent", "interface": "visitors", "maxLifetime": 600, "advertisementIntervalMs": 1000,
                   "udpTunnel": "request"}],
    }, "settleMs": 2500}
    from_vm = Ether(src=mm.MAC_VM, dst=mm.MAC_FA_VISITORS)
    to_vm = Ether(src=mm.MAC_FA_VISITORS, dst=mm.MAC_VM)
    from_r3 = Ether(src=mm.MAC_R3, dst=mm.MAC_FA_WAN)
    to_r3 = Ether(src=mm.MAC_FA_WAN, dst=mm.MAC_R3)
    first = mm.request(T | G, 300, mm.timestamp(20))
    renewal = mm.request(T, 300, mm.timestamp(300))
    accepted_first = reply_with(0, 300, mm.timestamp(20), udp_tunnel_reply(2))
    accepted_renewal = reply_with(0, 300, mm.timestamp(300), udp_tunnel_reply(2))

    def for_vm(seq):
        return ping(mm.CN, mm.VM, seq, ttl=60)

    def delivered(seq):
        p = for_vm(seq).copy()
        p.ttl = 59
        del p.chksum
        return p

    vm_out = ping(mm.VM, mm.CN, 1, ttl=64, reply=True)
    vm_out_tunnelled = vm_out.copy()
    vm_out_tunnelled.ttl = 63
    del vm_out_tunnelled.chksum
    keepalive = IP(src=mm.FA, dst=mm.HA, ttl=64, id=1) / ICMP(type=8, id=434, seq=1)
    visitors_in = [
        at(Ether(src=mm.MAC_VM, dst="ff:ff:ff:ff:ff:ff") / IP(src=mm.VM, dst="255.255.255.255", ttl=1, id=1) / ICMP(type=10, code=0), 10),
        at(from_vm / mm.udp434(mm.VM, mm.FA, first, ttl=255, ident=2), 20),
        at(from_vm / mm.udp434(mm.VM, mm.FA, renewal, ttl=255, ident=3), 300),
        at(Ether(src=mm.MAC_VM, dst="02:00:00:00:01:01") / vm_out, 600),
    ]
    wan_in = [
        at(from_r3 / mm.udp434(mm.HA, mm.FA, accepted_first, ttl=50, ident=1), 100),
        at(from_r3 / tunnel_data(mm.HA, mm.FA, 434, 434, for_vm(1), ident=0, ttl=50, carries=GRE_PROTO), 200),
        at(from_r3 / tunnel_data(mm.HA, mm.FA, 434, 434, for_vm(2), ident=0, ttl=50), 350),
        at(from_r3 / mm.udp434(mm.HA, mm.FA, accepted_renewal, ttl=50, ident=2), 400),
        at(from_r3 / tunnel_data(mm.HA, mm.FA, 434, 434, for_vm(3), ident=1, ttl=50, carries=GRE_PROTO), 500),
    ]
    visitors_out = [
        mm.advertisement(0, 1, 10, flags=ADVERTISED_WITH_U),
        mm.advertisement(1, 2, 10, flags=ADVERTISED_WITH_U),
        at(to_vm / mm.udp434(mm.FA, mm.VM, accepted_first, ttl=255, ident=1), 100),
        at(to_vm / delivered(1), 200),
        at(to_vm / delivered(2), 350),
        at(to_vm / mm.udp434(mm.FA, mm.VM, accepted_renewal, ttl=255, ident=2), 400),
        mm.advertisement(2, 5, 1010, flags=ADVERTISED_WITH_U),
        mm.advertisement(3, 6, 2010, flags=ADVERTISED_WITH_U),
        mm.advertisement(4, 7, 3010, flags=ADVERTISED_WITH_U),
    ]
    wan_out = [
        at(to_r3 / mm.udp434(mm.FA, mm.HA, relayed_request(300, mm.timestamp(20), udp_tunnel_request(GRE_PROTO), T | G), ttl=64, ident=3), 20),
        at(to_r3 / mm.udp434(mm.FA, mm.HA, relayed_request(300, mm.timestamp(300), udp_tunnel_request(IPIP), T), ttl=64, ident=4), 300),
        at(to_r3 / tunnel_data(mm.FA, mm.HA, 434, 434, vm_out_tunnelled, ident=0), 600),
        at(to_r3 / tunnel_data(mm.FA, mm.HA, 434, 434, keepalive, ident=1), 2600),
    ]
    case("foreign-agent-udp-swap", config, [(ETHERNET, visitors_in), (ETHERNET, wan_in)],
         [(ETHERNET, visitors_out), (ETHERNET, wan_out)], multi=True)


def nat_in_front_of_a_foreign_agent():
    """The NAT the foreign-agent-udp cases sit behind, as a node of its own (role `nat`, NAPT, RFC 3022 sec 2.2) between
    the foreign agent's WAN link (inside) and the WAN (outside), UDP mappings idle for 2.5 s expiring (`udpIdleTimeoutMs`).
    The agent's relayed request with a UDP Tunnel Request leaves from the NAT's address and its first port, 49152: the
    home agent sees a NAT there (RFC 3519 sec 4.6). The reply and tunnel data to that address and port come in to the
    agent's 434; the agent's tunnel data and keepalive go out through the same mapping, TTL one less each way, UDP
    checksums right. Tunnel data to a port nothing mapped goes no further (filtering, RFC 4787 sec 5); one 1950 ms after
    the last packet out still gets in, and the keepalive 2 s after that packet keeps the mapping (same port); one 2600 ms
    after the keepalive does not get in: the mapping lapsed, which is what the keepalives are for (RFC 3519 sec 4.9)."""
    mac_nat_outside, mac_wan = "02:00:00:00:03:03", "02:00:00:00:04:01"
    wan_router = "198.51.100.254"
    config = {"node": {
        "name": "nat",
        "interfaces": [{"name": "inside", "mac": mm.MAC_R3, "address": mm.R3_WAN + "/30"},
                       {"name": "outside", "mac": mac_nat_outside, "address": NAT + "/24"}],
        "routes": [{"prefix": "0.0.0.0/0", "via": wan_router}, {"prefix": "10.2.0.0/24", "via": mm.FA_WAN}],
        "arp": [{"interface": "outside", "address": wan_router, "mac": mac_wan},
                {"interface": "inside", "address": mm.FA_WAN, "mac": mm.MAC_FA_WAN}],
        "roles": [{"type": "nat", "inside": "inside", "outside": "outside", "udpIdleTimeoutMs": 2500}],
    }}
    from_fa = Ether(src=mm.MAC_FA_WAN, dst=mm.MAC_R3)
    to_fa = Ether(src=mm.MAC_R3, dst=mm.MAC_FA_WAN)
    from_wan = Ether(src=mac_wan, dst=mac_nat_outside)
    to_wan = Ether(src=mac_nat_outside, dst=mac_wan)
    request = relayed_request(300, mm.timestamp(20), udp_tunnel_request())
    accepted = reply_with(0, 300, mm.timestamp(20), udp_tunnel_reply(2))

    def for_vm(seq):
        return ping(mm.CN, mm.VM, seq, ttl=60)

    vm_out = ping(mm.VM, mm.CN, 1, ttl=63, reply=True)
    keepalive = IP(src=mm.FA, dst=mm.HA, ttl=64, id=1) / ICMP(type=8, id=434, seq=1)
    inside_in = [
        at(from_fa / mm.udp434(mm.FA, mm.HA, request, ttl=64, ident=3), 20),
        at(from_fa / tunnel_data(mm.FA, mm.HA, 434, 434, vm_out, ident=0), 300),
        at(from_fa / tunnel_data(mm.FA, mm.HA, 434, 434, keepalive, ident=1), 2300),
    ]
    outside_in = [
        at(from_wan / udp(mm.HA, NAT, 434, NAT_PORT, accepted, ttl=50, ident=1), 100),
        at(from_wan / tunnel_data(mm.HA, NAT, 434, NAT_PORT, for_vm(1), ident=0, ttl=50), 200),
        at(from_wan / tunnel_data(mm.HA, NAT, 434, NAT_PORT + 1, for_vm(2), ident=1, ttl=50), 250),
        at(from_wan / tunnel_data(mm.HA, NAT, 434, NAT_PORT, for_vm(3), ident=2, ttl=50), 2250),
        at(from_wan / tunnel_data(mm.HA, NAT, 434, NAT_PORT, for_vm(4), ident=3, ttl=50), 4900),
    ]
    inside_out = [
        at(to_fa / udp(mm.HA, mm.FA, 434, 434, accepted, ttl=49, ident=1), 100),
        at(to_fa / tunnel_data(mm.HA, mm.FA, 434, 434, for_vm(1), ident=0, ttl=49), 200),
        at(to_fa / tunnel_data(mm.HA, mm.FA, 434, 434, for_vm(3), ident=2, ttl=49), 2250),
    ]
    outside_out = [
        at(to_wan / udp(NAT, mm.HA, NAT_PORT, 434, request, ttl=63, ident=3), 20),
        at(to_wan / tunnel_data(NAT, mm.HA, NAT_PORT, 434, vm_out, ident=0, ttl=63), 300),
        at(to_wan / tunnel_data(NAT, mm.HA, NAT_PORT, 434, keepalive, ident=1, ttl=63), 2300),
    ]
    case("nat-mipudp", config, [(ETHERNET, inside_in), (ETHERNET, outside_in)],
         [(ETHERNET, inside_out), (ETHERNET, outside_out)], multi=True)


def udp_icmp_relay():
    """A bare UDP tunnel endpoint (`mipudp`) and ICMP from routers inside the tunnel: RFC 3519 sec 4.2 puts an IP in IP
    packet behind the UDP and tunnel data headers, so RFC 2003 sec 4-5 apply as they are, with 32 octets of
    encapsulation. A datagram too big quoting the outer IPv4 and UDP headers lowers the tunnel MTU to 1300 - 32 and is
    relayed to the inner sender; the rest as in ipip-icmp-relay (make_conformance.py)."""
    relay_case("mipudp-icmp-relay", {"tunnel": {"type": "mipudp", "local": R1_WAN, "remote": R2_WAN}},
               lambda inner, ident: reparse(tunnel_data(R1_WAN, R2_WAN, 434, 434, inner, ident=ident, ttl=inner[IP].ttl)), 32, "mipudp")


if __name__ == "__main__":
    home_agent_through_nat()
    home_agent_without_nat()
    home_agent_gre_inside_udp()
    home_agent_minimal_inside_udp()
    foreign_agent_udp()
    foreign_agent_udp("foreign-agent-udp-gre", T | G, GRE_PROTO)
    foreign_agent_udp("foreign-agent-udp-minimal", T | M, MINIMAL)
    foreign_agent_udp_swap()
    nat_in_front_of_a_foreign_agent()
    udp_icmp_relay()
