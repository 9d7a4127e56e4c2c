#!/usr/bin/python3
"""Builds mobility.pcap: the packets of a Mobile IPv4 deployment (ARP, RARP, agent advertisements,
registration requests and replies with extensions, GRE in every C/K/S combination, gretap, IP-in-IP,
ICMP errors), built with scapy (Debian python3-scapy) so that the bytes come from a builder no one here
wrote. Run: /usr/bin/python3 captures/samples/make.py captures/samples/mobility.pcap
"""
import struct
import sys
import logging
logging.getLogger('scapy.runtime').setLevel(logging.ERROR)
from socket import inet_aton
from scapy.all import *
from scapy.layers.mobileip import *

def agent_advertisement(flags, coas, seq):
    ext = struct.pack('!BBHHH', 16, 6 + 4 * len(coas), seq, 1800, flags) + b''.join(inet_aton(a) for a in coas)
    ext += struct.pack('!BB', 19, 1) + bytes([24])
    icmp = struct.pack('!BBHBBH', 9, 0, 0, 1, 2, 1800) + inet_aton('192.168.2.1') + struct.pack('!i', 0) + ext
    icmp = icmp[:2] + struct.pack('!H', checksum(icmp)) + icmp[4:]
    return Ether(src='02:00:00:00:02:01', dst='ff:ff:ff:ff:ff:ff')/IP(src='192.168.2.1', dst='224.0.0.1', ttl=1, proto=1)/Raw(icmp)
def rrq(flags, exts=b''):
    return Ether()/IP(src='192.168.2.1', dst='10.0.0.1', ttl=255)/UDP(sport=434, dport=434)/MobileIP()/MobileIPRRQ(flags=flags, lifetime=1800, homeaddr='10.0.0.5', haaddr='10.0.0.1', coaddr='192.168.2.1', id=0x0123456789abcdef)/Raw(exts)
mnha = struct.pack('!BBI', 32, 20, 0x100) + bytes(range(16))
fha = struct.pack('!BBI', 34, 20, 0x200) + bytes(range(16, 32))
utrq = struct.pack('!BBBBBBH', 144, 6, 0, 0, 0x80, 4, 0)
utrp = struct.pack('!BBBBHH', 44, 6, 0, 0, 0x8000, 110)
inner = IP(src='10.0.0.9', dst='10.0.0.5', ttl=63)/ICMP(type=8, id=7, seq=3)/b'payload'
packets = [
    Ether(src='02:00:00:00:00:01', dst='ff:ff:ff:ff:ff:ff')/ARP(op=1, hwsrc='02:00:00:00:00:01', psrc='10.0.0.1', pdst='10.0.0.2'),
    Ether(src='02:00:00:00:00:02', dst='02:00:00:00:00:01')/ARP(op=2, hwsrc='02:00:00:00:00:02', psrc='10.0.0.2', hwdst='02:00:00:00:00:01', pdst='10.0.0.1'),
    Ether(src='02:00:00:00:00:05', dst='ff:ff:ff:ff:ff:ff')/ARP(op=1, hwsrc='02:00:00:00:00:05', psrc='10.0.0.5', pdst='10.0.0.5'),
    Ether(src='02:00:00:00:00:05', dst='ff:ff:ff:ff:ff:ff', type=0x8035)/ARP(op=3, hwsrc='02:00:00:00:00:05', hwdst='02:00:00:00:00:05'),
    Ether()/Dot1Q(vlan=100, prio=5)/IP(src='10.0.0.9', dst='10.0.0.5')/ICMP(type=0, id=7, seq=3),
    agent_advertisement(0x1500 | 0x0400 | 0x0100, ['192.168.2.1'], 7),
    agent_advertisement(0xffe0, ['192.168.2.1', '192.168.2.2'], 65535),
    Ether()/IP(src='192.168.2.77', dst='224.0.0.11', ttl=1)/ICMP(type=10),
    rrq(0x80 | 0x08 | 0x02, mnha),
    rrq(0x40 | 0x20 | 0x10 | 0x01, mnha + fha),
    rrq(0x02, utrq + mnha),
    Ether()/IP(src='10.0.0.1', dst='192.168.2.1')/UDP(sport=434, dport=434)/MobileIP()/MobileIPRRP(code=0, lifetime=1800, homeaddr='10.0.0.5', haaddr='10.0.0.1', id=0x0123456789abcdef)/Raw(mnha),
    Ether()/IP(src='10.0.0.1', dst='192.168.2.1')/UDP(sport=434, dport=434)/MobileIP()/MobileIPRRP(code=133, lifetime=0, homeaddr='10.0.0.5', haaddr='10.0.0.1', id=42)/Raw(utrp + mnha),
    Ether()/IP(src='10.0.0.1', dst='192.168.2.1')/UDP(sport=434, dport=434)/MobileIP(type=4)/MobileIPTunnelData(nexthdr=4)/inner,
]
for c in (0, 1):
    for k in (0, 1):
        for s in (0, 1):
            packets.append(Ether()/IP(src='10.0.0.1', dst='192.168.2.1', tos=0x10, flags='DF')/GRE(chksum_present=c, key_present=k, key=0xdeadbeef, seqnum_present=s, sequence_number=2**32 - 1)/inner)
packets.append(Ether()/IP(src='10.0.0.1', dst='192.168.2.1')/GRE(proto=0x6558, key_present=1, key=9)/Ether(src='02:00:00:00:00:05', dst='02:00:00:00:00:09')/inner)
packets.append(Ether()/IP(src='10.0.0.1', dst='192.168.2.1', proto=4)/inner)
packets.append(Ether()/IP(src='10.0.0.1', dst='192.168.2.1')/ICMP(type=3, code=4, nexthopmtu=1476)/IP(src='10.0.0.9', dst='10.0.0.5', flags='DF', len=1500)/ICMP(type=8))
packets.append(Ether()/IP(src='10.0.0.1', dst='10.0.0.9')/ICMP(type=11, code=0)/IP(src='10.0.0.9', dst='10.0.0.5', ttl=1)/UDP(sport=5000, dport=6000))
packets.append(Ether()/IP(src='10.0.0.9', dst='10.0.0.5')/UDP(sport=5000, dport=6000)/b'data')
packets.append(Ether()/IP(src='10.0.0.9', dst='10.0.0.5')/UDP(sport=5000, dport=6000, chksum=0)/b'data')

# TCP sessions across the tunnel: a handshake with Linux's usual options, data with SACK, inside GRE.
packets.append(Ether()/IP(src='10.0.0.9', dst='10.0.0.5')/TCP(sport=40000, dport=22, flags='S', seq=3000000000, options=[('MSS', 1460), ('SAckOK', b''), ('Timestamp', (123456, 0)), ('NOP', None), ('WScale', 7)]))
packets.append(Ether()/IP(src='10.0.0.5', dst='10.0.0.9')/TCP(sport=22, dport=40000, flags='SA', seq=17, ack=3000000001, options=[('MSS', 1400), ('NOP', None), ('NOP', None), ('SAck', (1000, 2000, 3000, 4000))]))
packets.append(Ether()/IP(src='10.0.0.1', dst='192.168.2.1')/GRE(key_present=1, key=7, seqnum_present=1, sequence_number=99)/IP(src='10.0.0.9', dst='10.0.0.5')/TCP(sport=40000, dport=22, flags='PA', seq=3000000001, ack=18, window=502)/b'SSH-2.0-test')
for i, p in enumerate(packets):
    p.time = 1700000000 + i * 0.001
wrpcap(sys.argv[1], packets)
