#!/usr/bin/env python3
"""Writes deterministic Ethernet pcap files of SIP scanning and background
traffic, with a ground-truth JSON file beside each capture.

Standard library only, so it runs with any python3. This is the small first
version the end-to-end tests need (SIPVicious- and Nmap-style OPTIONS
scanners, a REGISTER scanner, responses from the watched network, non-SIP
background, malformed frames); the full generator of every tool in
TOOLS.md is tracked separately.

    scripts/sipgen.py --out traffic.pcap --sources 20 --packets-per-source 50 --seed 1
"""
import argparse
import json
import random
import struct
import sys

PCAP_GLOBAL_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv4_bytes(text: str) -> bytes:
    return bytes(int(part) for part in text.split("."))


def ethernet(payload: bytes, ethertype: int = 0x0800, vlan: int | None = None) -> bytes:
    header = b"\x02\x00\x00\x00\x00\x01" + b"\x02\x00\x00\x00\x00\x02"
    if vlan is not None:
        header += struct.pack("!HH", 0x8100, vlan)
    return header + struct.pack("!H", ethertype) + payload


def ipv4(source: str, destination: str, protocol: int, payload: bytes, ttl: int = 64, ident: int = 0) -> bytes:
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0, ttl, protocol, 0,
                         ipv4_bytes(source), ipv4_bytes(destination))
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + payload


def udp(source_port: int, destination_port: int, payload: bytes) -> bytes:
    return struct.pack("!HHHH", source_port, destination_port, 8 + len(payload), 0) + payload


def sip_options_sipvicious(src, sport, dst, dport, rng):
    call_id = "%x" % rng.getrandbits(100)
    tag = "%x" % rng.getrandbits(64)
    branch = "z9hG4bK-%d-%d" % (rng.getrandbits(30), rng.getrandbits(20))
    return ("OPTIONS sip:100@%s SIP/2.0\r\n"
            "Via: SIP/2.0/UDP %s:%d;branch=%s;rport\r\n"
            "Max-Forwards: 70\r\n"
            "To: \"sipvicious\"<sip:100@1.1.1.1>\r\n"
            "From: \"sipvicious\"<sip:100@1.1.1.1>;tag=%s\r\n"
            "User-Agent: friendly-scanner\r\n"
            "Call-ID: %s\r\n"
            "Contact: sip:100@%s:%d\r\n"
            "CSeq: 1 OPTIONS\r\n"
            "Accept: application/sdp\r\n"
            "Content-Length: 0\r\n\r\n" % (dst, src, sport, branch, tag, call_id, src, sport)).encode()


def sip_options_nmap(src, sport, dst, dport, rng):
    return ("OPTIONS sip:nm SIP/2.0\r\n"
            "Via: SIP/2.0/UDP nm;branch=foo;rport\r\n"
            "From: <sip:nm@nm>;tag=root\r\n"
            "To: <sip:nm2@nm2>\r\n"
            "Call-ID: 50000\r\n"
            "CSeq: 42 OPTIONS\r\n"
            "Max-Forwards: 70\r\n"
            "Content-Length: 0\r\n"
            "Contact: <sip:nm@nm>\r\n"
            "Accept: application/sdp\r\n\r\n").encode()


def sip_register_custom(src, sport, dst, dport, rng):
    user = "%d" % rng.randint(100, 999)
    return ("REGISTER sip:%s SIP/2.0\r\n"
            "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK%08x\r\n"
            "From: <sip:%s@%s>;tag=%08x\r\n"
            "To: <sip:%s@%s>\r\n"
            "Call-ID: %08x@%s\r\n"
            "CSeq: 1 REGISTER\r\n"
            "Contact: <sip:%s@%s:%d>\r\n"
            "Max-Forwards: 70\r\n"
            "User-Agent: Asterisk PBX\r\n"
            "Expires: 3600\r\n"
            "Content-Length: 0\r\n\r\n" % (dst, src, sport, rng.getrandbits(32), user, dst, rng.getrandbits(32), user,
                                           dst, rng.getrandbits(32), src, user, src, sport)).encode()


def sip_response(request: bytes, status: str) -> bytes:
    """A response echoing the request's Via, From, To, Call-ID and CSeq."""
    lines = request.decode().split("\r\n")
    kept = [line for line in lines if line.split(":", 1)[0].lower() in ("via", "from", "to", "call-id", "cseq")]
    return ("SIP/2.0 %s\r\n" % status + "\r\n".join(kept) + "\r\nServer: examplepbx\r\nContent-Length: 0\r\n\r\n").encode()


SCANNERS = {
    "sipvicious": (sip_options_sipvicious, "fixed"),
    "nmap": (sip_options_nmap, "random"),
    "register": (sip_register_custom, "fixed"),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="pcap file to write; the ground truth goes to OUT.truth.json")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sources", type=int, default=10, help="scanning sources")
    parser.add_argument("--packets-per-source", type=int, default=20)
    parser.add_argument("--responders", type=int, default=3,
                        help="hosts of the watched network that answer scans (responses in the mirror)")
    parser.add_argument("--probers", type=int, default=1,
                        help="sources that only probe SIP ports (empty UDP to 5061, TCP SYN to 5060/5061)")
    parser.add_argument("--background", type=float, default=0.5,
                        help="share of non-SIP background packets in the output, 0..0.99")
    parser.add_argument("--home-net", default="198.51.0.0/16", help="the watched /16 (scan targets)")
    parser.add_argument("--start", type=float, default=1767225600.0, help="capture start, seconds since the epoch")
    parser.add_argument("--gap", type=float, default=0.01, help="seconds between consecutive packets")
    arguments = parser.parse_args()
    if not 0 <= arguments.background < 1:
        parser.error("--background must be in [0, 1)")

    rng = random.Random(arguments.seed)
    home_base = arguments.home_net.split("/")[0].split(".")[:2]
    responders = ["%s.%s.7.%d" % (home_base[0], home_base[1], 10 + i) for i in range(arguments.responders)]

    events = []  # (time, frame, kind)
    truth = {"seed": arguments.seed, "home_net": arguments.home_net, "sources": {}, "packets": 0, "sip_packets": 0,
             "sip_requests": 0, "sip_responses": 0, "background_packets": 0, "malformed_packets": 0}
    time = arguments.start
    names = sorted(SCANNERS)
    for index in range(arguments.sources):
        tool = names[index % len(names)]
        build, port_mode = SCANNERS[tool]
        source = "203.0.%d.%d" % (113 + index // 250, 1 + index % 250)
        fixed_port = 5060 if index % 7 else 5061
        requests = 0
        for packet in range(arguments.packets_per_source):
            target = "%s.%s.%d.%d" % (home_base[0], home_base[1], packet // 254, 1 + packet % 254)
            if packet % 5 == 0 and responders:
                target = responders[packet % len(responders)]
            sport = fixed_port if port_mode == "fixed" else rng.randint(1024, 65535)
            payload = build(source, sport, target, 5060, rng)
            frame = ethernet(ipv4(source, target, 17, udp(sport, 5060, payload), ttl=rng.choice([49, 52, 113])))
            events.append((time, frame))
            requests += 1
            time += arguments.gap
            if target in responders:
                reply = sip_response(payload, "200 OK" if b"OPTIONS" in payload[:8] else "401 Unauthorized")
                events.append((time, ethernet(ipv4(target, source, 17, udp(5060, sport, reply)))))
                truth["sip_responses"] += 1
                time += arguments.gap
        truth["sources"][source] = {"tool": tool, "requests": requests}
        truth["sip_requests"] += requests
    truth["sip_packets"] = truth["sip_requests"] + truth["sip_responses"]

    # Port probers (seed 002): no SIP at all, only transport-level probes.
    truth["probers"] = {}
    for index in range(arguments.probers):
        source = "198.18.%d.%d" % (index // 250, 1 + index % 250)
        probes = {"udp_empty": 0, "tcp_syn": 0}
        for packet in range(30):
            target = "%s.%s.%d.%d" % (home_base[0], home_base[1], 20 + packet // 254, 1 + packet % 254)
            if packet % 2 == 0:
                frame = ethernet(ipv4(source, target, 17, udp(rng.randint(1024, 65535), 5061, b""), ttl=241))
                probes["udp_empty"] += 1
            else:
                port = 5060 if packet % 4 == 1 else 5061
                syn = struct.pack("!HHIIBBHHH", rng.randint(1024, 65535), port, rng.getrandbits(32), 0, 0x50, 0x02, 1024, 0, 0)
                frame = ethernet(ipv4(source, target, 6, syn, ttl=241))
                probes["tcp_syn"] += 1
            events.append((time, frame))
            time += arguments.gap
        truth["probers"][source] = probes

    sip_count = len(events)
    background = int(sip_count * arguments.background / (1 - arguments.background)) if arguments.background else 0
    for i in range(background):
        when = arguments.start + rng.random() * (time - arguments.start)
        kind = i % 4
        client = "192.0.2.%d" % (1 + i % 200)
        if kind == 0:  # DNS query
            query = struct.pack("!HHHHHH", rng.getrandbits(16), 0x0100, 1, 0, 0, 0) + b"\x07example\x03com\x00\x00\x01\x00\x01"
            frame = ethernet(ipv4(client, "198.51.7.53", 17, udp(rng.randint(1024, 65535), 53, query)))
        elif kind == 1:  # QUIC-like long header
            frame = ethernet(ipv4(client, "198.51.7.80", 17, udp(rng.randint(1024, 65535), 443, bytes([0xC3]) + rng.randbytes(1199))))
        elif kind == 2:  # TCP segment of an HTTPS stream
            tcp = struct.pack("!HHIIBBHHH", 443, rng.randint(1024, 65535), rng.getrandbits(32), rng.getrandbits(32), 0x50, 0x18, 502, 0, 0)
            frame = ethernet(ipv4("198.51.7.80", client, 6, tcp + b"\x17\x03\x03" + rng.randbytes(800)))
        else:  # VLAN-tagged DNS, to exercise the L2 path
            query = struct.pack("!HHHHHH", rng.getrandbits(16), 0x0100, 1, 0, 0, 0) + b"\x03www\x07example\x03org\x00\x00\x1c\x00\x01"
            frame = ethernet(ipv4(client, "198.51.7.53", 17, udp(rng.randint(1024, 65535), 53, query)), vlan=100)
        events.append((when, frame))
        truth["background_packets"] += 1
    # A few malformed frames: truncated IPv4 and an ARP frame.
    for i in range(3):
        events.append((arguments.start + i * 0.5, ethernet(ipv4_bytes("10.0.0.1") * 3)))
        truth["malformed_packets"] += 1
    events.append((arguments.start + 1.5, ethernet(b"\x00\x01\x08\x00\x06\x04\x00\x01" + bytes(20), ethertype=0x0806)))
    truth["malformed_packets"] += 1

    events.sort(key=lambda item: item[0])
    truth["packets"] = len(events)
    truth["source_count"] = len(truth["sources"])
    truth["prober_count"] = len(truth["probers"])
    with open(arguments.out, "wb") as out:
        out.write(PCAP_GLOBAL_HEADER)
        for when, frame in events:
            seconds = int(when)
            micros = int(round((when - seconds) * 1e6))
            if micros == 1000000:
                seconds, micros = seconds + 1, 0
            out.write(struct.pack("<IIII", seconds, micros, len(frame), len(frame)))
            out.write(frame)
    with open(arguments.out + ".truth.json", "w") as out:
        json.dump(truth, out, indent=1, sort_keys=True)
    print("%s: %d packets (%d SIP from %d sources, %d background, %d malformed)" % (
        arguments.out, truth["packets"], truth["sip_packets"], truth["source_count"], truth["background_packets"],
        truth["malformed_packets"]), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
