#!/usr/bin/python3
"""Builds the conformance replay cases in this directory (see make.py for the format): bare tunnel endpoints and a
foreign agent fed packets that the RFCs' MUST and MUST NOT rules are about, and expected to emit exactly what those
rules leave. Each case's docstring names the sections. Packets are built with scapy (Debian python3-scapy). Run with
/usr/bin/python3 from anywhere; it rewrites these cases only.
"""
from scapy.all import GRE, ICMP, IP, Ether, Raw, fragment, raw

from make import (ETHERNET, H1, H2, MAC_H1, MAC_H2, R1_WAN, R2_WAN, RAW_IPV4, at, case, gre, minimal, ping, reparse)
import make_mobility as mm

ROUTER = "203.0.113.1"  # a router inside the tunnel, between the two ends


def icmp_error(src, dst, icmp_type, code, quote, mtu=0, ident=0, tos=0xC0, ttl=64):
    """An ICMP error quoting `quote` (bytes): DSCP CS6 and TTL 64, as the toolkit's nodes and endpoints send them
    (RFC 1812 sec 4.3.2.5)."""
    icmp = ICMP(type=icmp_type, code=code, nexthopmtu=mtu) if icmp_type == 3 else ICMP(type=icmp_type, code=code)
    return IP(src=src, dst=dst, ttl=ttl, tos=tos, id=ident) / icmp / Raw(quote)


def quote_of(pkt, limit=576 - 28):
    """What a router quotes of an offending packet: as much as fits 576 bytes (RFC 1812 sec 4.3.2.3)."""
    return raw(pkt)[:limit]


def with_ttl(pkt, ttl):
    out = reparse(pkt)
    out.ttl = ttl
    del out.chksum
    return reparse(out)


def ipip(src, dst, inner, ident, ttl=None):
    return IP(src=src, dst=dst, id=ident, ttl=inner[IP].ttl if ttl is None else ttl, tos=inner[IP].tos & 0xFC,
              flags="DF" if inner[IP].flags.DF else 0, proto=4) / inner


def ipip_rules():
    """IP in IP (RFC 2003) as a bare endpoint, TTL inherited. Sending: an inner packet with TTL 0 is not encapsulated
    (sec 3.1 MUST NOT); one from the tunnel's exit point or from this end's own outer address is not tunnelled
    (sec 3.2 MUST NOT); one with TTL 5 goes, outer TTL 5. Receiving: an inner packet with TTL 0 is discarded
    (sec 3.1 MUST); one addressed to the far end, which sent it, would loop and is discarded (RFC 2784 sec 3.1)."""
    config = {"tunnel": {"type": "ipip", "local": R1_WAN, "remote": R2_WAN}}
    ttl0 = at(ping(H1, H2, 1, ttl=0), 0)
    ttl5 = at(ping(H1, H2, 2, ttl=5), 10)
    from_exit = at(ping(R2_WAN, H2, 3), 20)
    from_entry = at(ping(R1_WAN, H2, 4), 30)
    back_ttl0 = ping(H2, H1, 5, ttl=0, reply=True)
    to_far_end = ping(H2, R2_WAN, 6)
    fine = ping(H2, H1, 7, ttl=5, reply=True)
    outer_in = [at(ipip(R2_WAN, R1_WAN, back_ttl0, ident=1, ttl=60), 40),
                at(ipip(R2_WAN, R1_WAN, to_far_end, ident=2, ttl=60), 50),
                at(ipip(R2_WAN, R1_WAN, fine, ident=3, ttl=60), 60)]
    case("ipip-rfc2003-rules", config,
         [(RAW_IPV4, outer_in), (RAW_IPV4, [ttl0, ttl5, from_exit, from_entry])],
         [(RAW_IPV4, [at(ipip(R1_WAN, R2_WAN, ttl5, ident=0), 10)]), (RAW_IPV4, [at(fine, 60)])], multi=True)


def gre_rules():
    """GRE carrying IPv4 (RFC 2784) as a bare endpoint, TTL inherited: an inner packet with TTL 0 would leave with outer
    TTL 0 and is not encapsulated (RFC 2003 sec 3.1, RFC 1122 sec 3.2.1.7); a decapsulated payload with TTL 0 is
    discarded, and so is one addressed to the tunnel's far end (RFC 2784 sec 3.1: it would loop)."""
    config = {"tunnel": {"type": "gre", "local": R1_WAN, "remote": R2_WAN}}
    ttl0 = at(ping(H1, H2, 1, ttl=0), 0)
    ttl9 = at(ping(H1, H2, 2, ttl=9), 10)
    fine = ping(H2, H1, 5, reply=True)
    outer_in = [at(gre(R2_WAN, R1_WAN, ping(H2, H1, 3, ttl=0, reply=True), ident=1, ttl=60), 20),
                at(gre(R2_WAN, R1_WAN, ping(H2, R2_WAN, 4), ident=2, ttl=60), 30),
                at(gre(R2_WAN, R1_WAN, fine, ident=3, ttl=60), 40)]
    case("gre-rfc2784-rules", config,
         [(RAW_IPV4, outer_in), (RAW_IPV4, [ttl0, ttl9])],
         [(RAW_IPV4, [at(gre(R1_WAN, R2_WAN, ttl9, ident=0), 10)]), (RAW_IPV4, [at(fine, 40)])], multi=True)


def relay_case(name, config, encapsulate, overhead, describe):
    """ICMP from routers inside the tunnel (RFC 2003 sec 4, the table of sec 4.1; RFC 2784 sec 3 and RFC 2004 sec 3 refer
    to the same rules), with the tunnel MTU soft state of sec 5.1. See the callers for the case."""
    big_df = reparse(ping(H1, H2, 1, size=1400 - 28, df=True))
    sent = encapsulate(big_df, 0)
    mtu = 1300 - overhead
    big_again = reparse(ping(H1, H2, 2, size=1400 - 28, df=True))
    big_no_df = reparse(ping(H1, H2, 3, size=1400 - 28))
    small = reparse(ping(H1, H2, 4, size=100))
    sent_small = encapsulate(small, 3)
    inner_quote = quote_of(sent)[len(raw(sent)) - len(raw(big_df)):]  # the inner packet behind the outer headers, as quoted
    small_quote = raw(sent_small)[len(raw(sent_small)) - len(raw(small)):]
    outer_in = [
        # Datagram too big, next-hop MTU 1300: relayed to the sender (sec 4.1 MUST) with 1300 less the encapsulation (sec 5.1).
        at(icmp_error(ROUTER, R1_WAN, 3, 4, quote_of(sent), mtu=1300, tos=0), 10),
        # Network unreachable: relayed as network unreachable, code 0 (sec 4.1).
        at(icmp_error(ROUTER, R1_WAN, 3, 0, quote_of(sent_small), tos=0), 50),
        # Time exceeded: reported as host unreachable (sec 4.4 MUST).
        at(icmp_error(ROUTER, R1_WAN, 11, 0, quote_of(sent_small), tos=0), 60),
        # Port unreachable and source route failed: never relayed (sec 4.1 MUST NOT).
        at(icmp_error(ROUTER, R1_WAN, 3, 3, quote_of(sent_small), tos=0), 70),
        at(icmp_error(ROUTER, R1_WAN, 3, 5, quote_of(sent_small), tos=0), 80),
        # An old router's quote, the outer header and 8 bytes (RFC 792): no inner header, nothing to relay.
        at(icmp_error(ROUTER, R1_WAN, 11, 0, raw(sent_small)[:28], tos=0), 90),
    ]
    inner_in = [at(big_df, 0), at(big_again, 20), at(big_no_df, 30), at(small, 40)]
    fragments = fragment(big_no_df, fragsize=(mtu - 20) // 8 * 8)
    outer_out = [at(sent, 0)] + [at(encapsulate(f, 1 + i), 30) for i, f in enumerate(fragments)] + [at(sent_small, 40)]
    inner_out = [
        at(icmp_error(R1_WAN, H1, 3, 4, inner_quote, mtu=mtu), 10),
        # The next DF packet over the learned MTU is refused at the entry (soft state, sec 5.1), quoted whole up to 548 bytes.
        at(icmp_error(R1_WAN, H1, 3, 4, quote_of(big_again), mtu=mtu), 20),
        at(icmp_error(R1_WAN, H1, 3, 0, small_quote), 50),
        at(icmp_error(R1_WAN, H1, 3, 1, small_quote), 60),
    ]
    case(name, config, [(RAW_IPV4, outer_in), (RAW_IPV4, inner_in)], [(RAW_IPV4, outer_out), (RAW_IPV4, inner_out)], multi=True)


def gre_icmp_relay():
    """A bare GRE endpoint (RFC 2784 sec 3 applies RFC 2003's ICMP rules): overhead 24."""
    relay_case("gre-icmp-relay", {"tunnel": {"type": "gre", "local": R1_WAN, "remote": R2_WAN}},
               lambda inner, ident: reparse(gre(R1_WAN, R2_WAN, inner, ident=ident)), 24, "gre")


def ipip_icmp_relay():
    """A bare IP in IP endpoint (RFC 2003 sec 4.1): overhead 20."""
    relay_case("ipip-icmp-relay", {"tunnel": {"type": "ipip", "local": R1_WAN, "remote": R2_WAN}},
               lambda inner, ident: reparse(ipip(R1_WAN, R2_WAN, inner, ident=ident)), 20, "ipip")


def ipip_reachability():
    """RFC 2003 sec 5's reachability soft state at a bare IP in IP endpoint. A router inside the tunnel answers the first
    packet with host unreachable quoting only the outer header and 8 octets (RFC 792): no inner header, nothing to
    relay (sec 4). The next packet, from another sender, is still encapsulated and sent (sec 5: "but also encapsulates
    the datagram and forwards it into the tunnel"), and its sender is told host unreachable (sec 4.1's table). One
    error buys one report: the packet after that goes with no report."""
    config = {"tunnel": {"type": "ipip", "local": R1_WAN, "remote": R2_WAN}}
    h3 = "10.1.0.11"
    first = reparse(ping(H1, H2, 1))
    second = reparse(ping(h3, H2, 2))
    third = reparse(ping(h3, H2, 3))
    sent = [reparse(ipip(R1_WAN, R2_WAN, p, ident=i)) for i, p in enumerate([first, second, third])]
    outer_in = [at(icmp_error(ROUTER, R1_WAN, 3, 1, raw(sent[0])[:28], tos=0), 10)]
    inner_in = [at(first, 0), at(second, 20), at(third, 30)]
    outer_out = [at(sent[0], 0), at(sent[1], 20), at(sent[2], 30)]
    inner_out = [at(icmp_error(R1_WAN, h3, 3, 1, raw(second)), 20)]
    case("ipip-reachability", config, [(RAW_IPV4, outer_in), (RAW_IPV4, inner_in)],
         [(RAW_IPV4, outer_out), (RAW_IPV4, inner_out)], multi=True)


def ipip_ecn():
    """RFC 6040 compatibility mode at a bare IP in IP endpoint. Encapsulation (sec 4.1): the outer DSCP is the inner
    one, the outer ECN field Not-ECT whatever the inner says. Decapsulation (sec 4.2's table): outer CE over inner
    ECT(0) marks the inner CE; outer CE over inner Not-ECT MUST be dropped; outer ECT(1) over inner ECT(0) gives
    ECT(1); outer ECT(0) over inner Not-ECT leaves it Not-ECT."""
    config = {"tunnel": {"type": "ipip", "local": R1_WAN, "remote": R2_WAN}}
    inner = at(ping(H1, H2, 1, tos=0xB9), 0)  # DSCP EF (46), ECT(1)
    outer_out = at(IP(src=R1_WAN, dst=R2_WAN, id=0, ttl=64, tos=0xB8, proto=4) / inner, 0)
    cases = [(0x02, 0x03, 0x03), (0x00, 0x03, None), (0x02, 0x01, 0x01), (0x00, 0x02, 0x00)]  # (inner, outer, result)
    outer_in, inner_out = [], []
    for i, (inner_ecn, outer_ecn, result) in enumerate(cases):
        back = ping(H2, H1, 10 + i, reply=True, tos=0x28 | inner_ecn)
        outer_in.append(at(IP(src=R2_WAN, dst=R1_WAN, id=i, ttl=60, tos=0x28 | outer_ecn, proto=4) / back, 10 + 10 * i))
        if result is not None:
            inner_out.append(at(reparse(ping(H2, H1, 10 + i, reply=True, tos=0x28 | result)), 10 + 10 * i))
    case("ipip-rfc6040-ecn", config, [(RAW_IPV4, outer_in), (RAW_IPV4, [inner])],
         [(RAW_IPV4, [outer_out]), (RAW_IPV4, inner_out)], multi=True)


def foreign_agent_ipip():
    """The foreign agent of foreign-agent (make_mobility.py), its visitor registered asking for GRE (G and T). The home
    agent chooses IP in IP all the same, which every agent MUST decapsulate (RFC 5944 sec 4.1): the packet reaches the
    VM, TTL one less, for the agent forwards it onto the visitors' link (RFC 2003 sec 3.1, RFC 1812 sec 5.3.1). (A
    packet that arrives with TTL 1 and gets time exceeded is a unit test: tshark flags the TTL of the quote.)"""
    config = {"node": {
        "name": "fa",
        "interfaces": [{"name": "visitors", "mac": mm.MAC_FA_VISITORS, "address": mm.FA + "/24"},
                       {"name": "wan", "mac": mm.MAC_FA_WAN, "address": mm.FA_WAN + "/30"}],
        "routes": [{"prefix": "0.0.0.0/0", "via": mm.R3_WAN}],
        "arp": [{"interface": "wan", "address": mm.R3_WAN, "mac": mm.MAC_R3}],
        "roles": [{"type": "foreign-agent", "interface": "visitors", "maxLifetime": 600, "advertisementIntervalMs": 1000}],
    }}
    from_vm = Ether(src=mm.MAC_VM, dst=mm.MAC_FA_VISITORS)
    to_vm = Ether(src=mm.MAC_FA_VISITORS, dst=mm.MAC_VM)
    from_r3 = Ether(src=mm.MAC_R3, dst=mm.MAC_FA_WAN)
    to_r3 = Ether(src=mm.MAC_FA_WAN, dst=mm.MAC_R3)
    req = mm.request(mm.FLAGS_T_G, 300, mm.timestamp(20))
    accepted = mm.reply(0, 300, mm.timestamp(20))
    for_vm = ping(mm.CN, mm.VM, 1, ttl=61)
    visitors_in = [
        at(Ether(src=mm.MAC_VM, dst="ff:ff:ff:ff:ff:ff") / IP(src=mm.VM, dst="255.255.255.255", ttl=1, id=1) / ICMP(type=10, code=0), 10),
        at(from_vm / mm.udp434(mm.VM, mm.FA, req, ttl=255, ident=2), 20),
    ]
    wan_in = [
        at(from_r3 / mm.udp434(mm.HA, mm.FA, accepted, ttl=62, ident=1), 100),
        at(from_r3 / ipip(mm.HA, mm.FA, for_vm, ident=7, ttl=61), 200),
    ]
    visitors_out = [
        mm.advertisement(0, 1, 10),
        mm.advertisement(1, 2, 10),
        at(to_vm / mm.udp434(mm.FA, mm.VM, accepted, ttl=255, ident=1), 100),
        at(to_vm / with_ttl(for_vm, 60), 200),
        mm.advertisement(2, 4, 1010),
    ]
    wan_out = [
        at(to_r3 / mm.udp434(mm.FA, mm.HA, req, ttl=64, ident=3), 20),
    ]
    case("foreign-agent-ipip", config, [(ETHERNET, visitors_in), (ETHERNET, wan_in)],
         [(ETHERNET, visitors_out), (ETHERNET, wan_out)], multi=True)


def fa_config():
    return {"node": {
        "name": "fa",
        "interfaces": [{"name": "visitors", "mac": mm.MAC_FA_VISITORS, "address": mm.FA + "/24"},
                       {"name": "wan", "mac": mm.MAC_FA_WAN, "address": mm.FA_WAN + "/30"}],
        "routes": [{"prefix": "0.0.0.0/0", "via": mm.R3_WAN}],
        "arp": [{"interface": "wan", "address": mm.R3_WAN, "mac": mm.MAC_R3}],
        "roles": [{"type": "foreign-agent", "interface": "visitors", "maxLifetime": 600, "advertisementIntervalMs": 1000}],
    }}


def foreign_agent_icmp():
    """The foreign agent relays the VM's request; instead of a reply, the home agent's node answers with ICMP port
    unreachable quoting it (no home agent listens there). The VM hears at once, with code 82 "home agent port
    unreachable (ICMP error received)" (RFC 5944 sec 3.4, 3.7.1), from the agent, not after the 7 s timeout."""
    from_vm = Ether(src=mm.MAC_VM, dst=mm.MAC_FA_VISITORS)
    to_vm = Ether(src=mm.MAC_FA_VISITORS, dst=mm.MAC_VM)
    from_r3 = Ether(src=mm.MAC_R3, dst=mm.MAC_FA_WAN)
    to_r3 = Ether(src=mm.MAC_FA_WAN, dst=mm.MAC_R3)
    req = mm.request(mm.FLAGS_T_G, 300, mm.timestamp(20))
    relayed = mm.udp434(mm.FA, mm.HA, req, ttl=64, ident=3)
    as_received = with_ttl(relayed, 62)  # two routers on the way
    visitors_in = [
        at(Ether(src=mm.MAC_VM, dst="ff:ff:ff:ff:ff:ff") / IP(src=mm.VM, dst="255.255.255.255", ttl=1, id=1) / ICMP(type=10, code=0), 10),
        at(from_vm / mm.udp434(mm.VM, mm.FA, req, ttl=255, ident=2), 20),
    ]
    wan_in = [at(from_r3 / icmp_error(mm.HA, mm.FA, 3, 3, raw(as_received), ttl=62), 100)]
    denial = mm.struct.pack("!BBH4s4sQ", 3, 82, 0, mm.socket.inet_aton(mm.VM), mm.socket.inet_aton(mm.HA), mm.timestamp(20))
    visitors_out = [
        mm.advertisement(0, 1, 10),
        mm.advertisement(1, 2, 10),
        at(to_vm / mm.udp434(mm.FA, mm.VM, denial, ttl=255, ident=1), 100),
        mm.advertisement(2, 4, 1010),
    ]
    wan_out = [at(to_r3 / relayed, 20)]
    case("foreign-agent-icmp-errors", fa_config(), [(ETHERNET, visitors_in), (ETHERNET, wan_in)],
         [(ETHERNET, visitors_out), (ETHERNET, wan_out)], multi=True)


def home_agent_128():
    """A home agent on a link whose MTU (100) leaves no tunnel the 68 bytes every IPv4 link must carry (RFC 791
    sec 3.2): a valid, authenticated request is denied with 128 "reason unspecified" (RFC 5944 sec 3.4), no binding is
    made and nothing is announced."""
    config = {"node": {
        "name": "ha",
        "interfaces": [{"name": "home", "mac": mm.MAC_HA, "address": mm.HA + "/24", "mtu": 100}],
        "routes": [{"prefix": "0.0.0.0/0", "via": mm.R1}],
        "arp": [{"interface": "home", "address": mm.R1, "mac": mm.MAC_R1}],
        "roles": [{"type": "home-agent", "interface": "home", "maxLifetime": 600,
                   "mobileNodes": [{"homeAddress": mm.VM, "spi": mm.SPI, "key": mm.KEY.decode(), "mac": mm.MAC_VM}]}],
    }}
    first = mm.request(mm.FLAGS_T_G, 300, mm.timestamp(0))
    inputs = [at(Ether(src=mm.MAC_R1, dst=mm.MAC_HA) / mm.udp434(mm.FA, mm.HA, first, ttl=62, ident=1), 0)]
    expected = [at(Ether(src=mm.MAC_HA, dst=mm.MAC_R1) / mm.udp434(mm.HA, mm.FA, mm.reply(128, 0, mm.timestamp(0)), ttl=64, ident=1), 0)]
    case("home-agent-128", config, [(ETHERNET, inputs)], [(ETHERNET, expected)], multi=False)


def foreign_agent_flags():
    """Every flag the foreign agent sets is its configuration's (RFC 5944 sec 2.1.1): R off, H on, B held on (the agent
    is being drained), F on; M, G and T off because only IP in IP is offered and reverse tunnelling is unavailable.
    A new visitor's request is denied with 66, as B says (RFC 5944 sec 3.7.2.1)."""
    config = fa_config()
    config["node"]["roles"][0].update({"registrationRequired": False, "alsoHomeAgent": True, "busy": True,
                                       "encapsulations": ["ipip"], "reverseTunnel": "unavailable"})
    req = mm.request(0x00, 300, mm.timestamp(10))
    denial = mm.struct.pack("!BBH4s4sQ", 3, 66, 0, mm.socket.inet_aton(mm.VM), mm.socket.inet_aton(mm.HA), mm.timestamp(10))
    visitors_in = [at(Ether(src=mm.MAC_VM, dst=mm.MAC_FA_VISITORS) / mm.udp434(mm.VM, mm.FA, req, ttl=255, ident=2), 10)]
    flags = 0x4000 | 0x2000 | 0x1000  # B H F
    visitors_out = [
        mm.advertisement(0, 1, 10, flags=flags),
        at(Ether(src=mm.MAC_FA_VISITORS, dst=mm.MAC_VM) / mm.udp434(mm.FA, mm.VM, denial, ttl=255, ident=1), 10),
        mm.advertisement(1, 2, 1010, flags=flags),
    ]
    case("foreign-agent-flags", config, [(ETHERNET, visitors_in), (ETHERNET, [])], [(ETHERNET, visitors_out), (ETHERNET, [])], multi=True)


if __name__ == "__main__":
    ipip_rules()
    gre_rules()
    gre_icmp_relay()
    ipip_icmp_relay()
    ipip_reachability()
    ipip_ecn()
    foreign_agent_ipip()
    foreign_agent_icmp()
    home_agent_128()
    foreign_agent_flags()
