#!/usr/bin/env python3
"""Writes deterministic Ethernet pcap files of SIP scanning and background
traffic, with a ground-truth JSON file beside each capture.

Standard library only, so it runs with any python3. Scanners (every tool
of TOOLS.md with --tools all, each source at its own rate and start time,
plus a distributed campaign with --campaign; or a small
SIPVicious/Nmap/REGISTER set),
scanners over IPv6, INVITEs large enough to be IP-fragmented (IPv4 and
IPv6), attackers beyond scanning, benign phones, port probers, a spoofed
flood, non-SIP background (DNS over IPv4, VLAN and IPv6, QUIC-like UDP,
HTTPS segments) and malformed frames.

    scripts/sipgen.py --out traffic.pcap --sources 20 --packets-per-source 50 --seed 1
"""
import argparse
import json
import math
import random
import socket
import struct
import sys
import time as time_module

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


def ipv4(source: str, destination: str, protocol: int, payload: bytes, ttl: int = 64, ident: int = 0,
         fragment: int = 0) -> bytes:
    """`fragment`: the flags and offset field (MF = 0x2000, offset in 8-byte units)."""
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, fragment, ttl, protocol, 0,
                         ipv4_bytes(source), ipv4_bytes(destination))
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + payload


def udp(source_port: int, destination_port: int, payload: bytes) -> bytes:
    return struct.pack("!HHHH", source_port, destination_port, 8 + len(payload), 0) + payload


def ipv6(source: str, destination: str, next_header: int, payload: bytes, hop_limit: int = 64) -> bytes:
    return (struct.pack("!IHBB", 6 << 28, len(payload), next_header, hop_limit) + socket.inet_pton(socket.AF_INET6, source)
            + socket.inet_pton(socket.AF_INET6, destination) + payload)


def udp6(source: str, destination: str, source_port: int, destination_port: int, payload: bytes) -> bytes:
    """UDP over IPv6, with the checksum IPv6 requires (RFC 8200 8.1)."""
    length = 8 + len(payload)
    pseudo = (socket.inet_pton(socket.AF_INET6, source) + socket.inet_pton(socket.AF_INET6, destination)
              + struct.pack("!IxxxB", length, 17))
    header = struct.pack("!HHHH", source_port, destination_port, length, 0)
    value = checksum(pseudo + header + payload) or 0xFFFF
    return struct.pack("!HHHH", source_port, destination_port, length, value) + payload


def fragments_ipv4(source, destination, datagram, ident, mtu=1500, ttl=64):
    """An IPv4 datagram (UDP header and payload) cut into fragments."""
    step = (mtu - 20) // 8 * 8
    pieces = [datagram[i:i + step] for i in range(0, len(datagram), step)]
    return [ipv4(source, destination, 17, piece, ttl=ttl, ident=ident,
                 fragment=(0x2000 if n + 1 < len(pieces) else 0) | (n * step // 8)) for n, piece in enumerate(pieces)]


def fragments_ipv6(source, destination, datagram, ident, mtu=1280):
    """An IPv6 UDP datagram cut behind Fragment headers (RFC 8200 4.5)."""
    step = (mtu - 40 - 8) // 8 * 8
    pieces = [datagram[i:i + step] for i in range(0, len(datagram), step)]
    frames = []
    for n, piece in enumerate(pieces):
        offset_flags = (n * step // 8) << 3 | (1 if n + 1 < len(pieces) else 0)
        fragment_header = struct.pack("!BBHI", 17, 0, offset_flags, ident)
        frames.append(ipv6(source, destination, 44, fragment_header + piece))
    return frames


def uri_host(address):
    """An address as a SIP URI host: IPv6 in brackets (RFC 3261 25.1)."""
    return "[%s]" % address if ":" in address else address


def big_invite(src, sport, dst, dport, rng, number):
    """An INVITE with a long SDP offer (many codecs and candidates): more
    than one MTU, so the network fragments it."""
    lines = ["v=0", "o=- %d 1 IN IP4 %s" % (rng.getrandbits(31), src), "s=-", "c=IN IP4 %s" % src, "t=0 0",
             "m=audio %d RTP/AVP 0 8 9 18 101" % rng.randint(10000, 20000)]
    for index in range(60):
        lines.append("a=candidate:%d 1 UDP %d %s %d typ host" % (index, rng.getrandbits(31), src, rng.randint(10000, 60000)))
    body = "\r\n".join(lines) + "\r\n"
    call_id = "%x@%s" % (rng.getrandbits(64), src)
    src_host, dst_host = uri_host(src), uri_host(dst)
    head = ("INVITE sip:%s@%s SIP/2.0\r\n"
            "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK%x\r\n"
            "Max-Forwards: 70\r\n"
            "From: <sip:caller@%s>;tag=%x\r\n"
            "To: <sip:%s@%s>\r\n"
            "Call-ID: %s\r\n"
            "CSeq: 1 INVITE\r\n"
            "Contact: <sip:caller@%s:%d>\r\n"
            "User-Agent: friendly-scanner\r\n"
            "Content-Type: application/sdp\r\n"
            "Content-Length: %d\r\n\r\n" % (number, dst_host, src_host, sport, rng.getrandbits(48), src_host,
                                              rng.getrandbits(32), number, dst_host, call_id, src_host, sport, len(body)))
    return (head + body).encode()


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

# ------------------------------------------------------------------ Table I
# Every tool of TOOLS.md, as the paper describes it: the identifying header
# values (with [random] parts drawn per packet), the method, the source-port
# behaviour and the destination order. `k` holds SourceIP/DestIP/ports of
# the packet being built.

AGENTS = ["Zoiper rv2.8.20", "Linphone/3.6.1 (eXosip2/4.1.0)", "Grandstream GXP2000 1.2.5.3", "Yealink SIP-T46S 66.85.0.5",
          "Asterisk PBX 13.1.0", "FreePBX", "X-Lite release 1104o stamp 56125", "Cisco/SPA504G-7.5.5", "PolycomSoundPointIP-SPIP_550-UA/3.3.1",
          "MicroSIP/3.19.22", "Bria 3 release 3.5.5", "snom320/8.7.3.25"]
NAMES = ["polycom", "cisco", "admin", "office", "phone", "pbx", "voip", "sipuser"]


def rand_text(rng, count, alphabet="abcdefghijklmnopqrstuvwxyz0123456789"):
    return "".join(rng.choice(alphabet) for _ in range(count))


def phone_number(rng):
    return rng.choice(["4930", "4420", "3314", "9714", "2341", "8869"]) + "".join(rng.choice("0123456789") for _ in range(7))


def table_i_headers(tool, k, rng):
    """(method, request-URI user or None, [(name, value)...]) for one packet of `tool`."""
    S, D, SP, DP = k["src"], k["dst"], k["sport"], k["dport"]
    agent = rng.choice(AGENTS)
    if tool == 1:
        return "OPTIONS", "100", [("To", '"sipvicious"<sip:100@1.1.1.1>'), ("From", '"sipvicious"<sip:100@1.1.1.1>;tag=%x' % rng.getrandbits(64)),
                                  ("User-Agent", "friendly-scanner"), ("Contact", "sip:100@%s:%d" % (S, SP)), ("Accept", "application/sdp")]
    if tool == 2:
        return "OPTIONS", "100", [("To", '"sipvicious"<sip:100@1.1.1.1>'), ("From", '"sipvicious"<sip:100@1.1.1.1>;tag=%x' % rng.getrandbits(64)),
                                  ("User-Agent", agent), ("Contact", "sip:100@%s:%d" % (S, SP)), ("Accept", "application/sdp")]
    if tool == 3:
        name = rng.choice(NAMES)
        return "OPTIONS", "100", [("To", '"%s"<sip:100@1.1.1.1>' % name), ("From", '"%s"<sip:100@1.1.1.1>;tag=%x' % (name, rng.getrandbits(64))),
                                  ("User-Agent", agent), ("Contact", "sip:100@%s:%d" % (S, SP)), ("Accept", "application/sdp")]
    if tool == 4:
        return "OPTIONS", "100", [("To", '"AmooT"<sip:100@1.1.1.1>'), ("From", '"AmooT"<sip:100@1.1.1.1>;tag=%x' % rng.getrandbits(64)),
                                  ("User-Agent", agent), ("Contact", "sip:100@%s:%d" % (S, SP)), ("Accept", "application/sdp")]
    if tool in (5, 6, 7, 8):
        call_id, contact, sender, receiver = {
            5: ("50000", "nm@nm", "<sip:nm@nm>;tag=root", "<sip:nm2@nm2>"),
            6: ("50000", "test1@test1", "<sip:test1@test1>;tag=root", "<sip:test2@test2>"),
            7: ("97", "test1@test1", "<sip:a@a>;tag=1", "<sip:b@b>"),
            8: ("5000", "ag@ag", "<sip:ag@ag>;tag=root", "<sip:ag2@ag2>"),
        }[tool]
        headers = [("Via", "SIP/2.0/UDP nm;branch=foo;rport"), ("From", sender), ("To", receiver), ("Call-ID", call_id),
                   ("CSeq", "42 OPTIONS"), ("Max-Forwards", "70")]
        headers.append(("content-lnegth", "0") if tool == 8 else ("Content-Length", "0"))
        headers += [("Contact", "<sip:%s>" % contact), ("Accept", "application/sdp")]
        return "OPTIONS", None, headers
    if tool == 9:
        a, b = rand_text(rng, 8), rand_text(rng, 8)
        return "REGISTER", None, [("Contact", "<sip:%s@%s:%d>" % (a, S, SP)), ("To", "<sip:%s@%s:%d>" % (a, S, SP)),
                                  ("From", "<%s<sip:%s@%s:%d>;tag=hetfgeeb" % (b, b, D, DP)), ("Max-Forwards", "30"),
                                  ("Supported", "100rel"), ("User-Agent", rand_text(rng, 12))]
    if tool == 10:
        u = rand_text(rng, 8)
        return "REGISTER", None, [("Call-ID", "%s@%s" % (rand_text(rng, 10), S)), ("Contact", "<sip:%s@%s:%d>" % (u, S, SP)),
                                  ("From", "<sip:%s@%s:%d>;tag=%x" % (u, S, SP, rng.getrandbits(32))), ("To", "<sip:%s@%s:%d>" % (u, S, SP)),
                                  ("User-Agent", rand_text(rng, 8))]
    if tool == 11:
        return "INVITE", k["number"], [("Call-ID", "a123-bc2547-a159"), ("User-Agent", "Avaya one-X Deskphone"),
                                       ("From", "<sip:1000@%s>;tag=%x" % (D, rng.getrandbits(32))), ("To", "<sip:%s@%s>" % (k["number"], D))]
    if tool == 12:
        return "INVITE", k["number"], [("Call-ID", "a123-bc2547-a159"), ("Contact", "<sip:me@%s:%d>" % (S, SP)),
                                       ("From", "me<sip:me@%s>;tag=%x" % (D, rng.getrandbits(32))), ("To", "me<sip:me@%s>" % D), ("User-Agent", "pplsip")]
    if tool == 13:
        return "OPTIONS", "penetrationTest", [("Call-ID", "startrinityvoipsecuritytestsuite"), ("Contact", "sip:s3@%s:%d" % (S, SP)),
                                              ("From", "sip:startrinityFriendlyScanner@%s;tag=%x" % (S, rng.getrandbits(32))),
                                              ("To", "sip:penetrationTest@%s" % D), ("User-Agent", "StarTrinityFriendlyScanner")]
    if tool == 14:
        return "OPTIONS", "carol", [("Via", "SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds"), ("Call-ID", "a84b4c76e66710"),
                                    ("Contact", "<sip:alice@pc33.atlanta.com>"), ("From", "Alice<sip:alice@atlanta.com>;tag=1928301774"),
                                    ("To", "<sip:carol@chicago.com>")]
    if tool == 15:
        return "REGISTER", None, [("Call-ID", "%s@127.0.0.1" % rand_text(rng, 32, "0123456789abcdef")), ("Contact", "<sip:b@127.0.0.1>"),
                                  ("From", "<sip:b@127.0.0.1>;tag=%x" % rng.getrandbits(32)), ("To", "<sip:%s>" % D),
                                  ("Date", k["date"]), ("User-Agent", "Asterisk PBX")]
    if tool == 16:
        return "REGISTER", None, [("Contact", "<sip:99999@%s:%d>" % (S, SP)), ("Content-Length", "209"),
                                  ("From", "<sip:99999@%s:%d>;tag=%x" % (D, DP, rng.getrandbits(32))), ("To", "<sip:%s@%s>" % (phone_number(rng), D))]
    if tool == 17:
        n = "".join(rng.choice("0123456789") for _ in range(5))
        return "CANCEL", n, [("Call-ID", "%s@%s" % ("".join(rng.choice("0123456789") for _ in range(9)), rand_text(rng, 5, "abcdefghij"))),
                             ("From", "%s<sip:%s@%s:%d>;tag=%x" % (n, n, S, SP, rng.getrandbits(32))), ("To", "%s<sip:%s@%s:%d>" % (n, n, S, SP)),
                             ("x-nat", "nothing"), ("x-serialnumber", rand_text(rng, 10, "ABCDEF0123456789")), ("Server", "o2-IAD 6741-2.6.3.32")]
    if tool == 18:
        return "REGISTER", None, [("Contact", "<sip:adoom@%s:%d>" % (S, SP)), ("From", "<sip:adoom@%s>%s" % (D, rand_text(rng, 6))),
                                  ("To", "<sip:adoom@%s>" % D), ("User-Agent", "Cisco-SIPGateway/IOS-12.x")]
    if tool == 19:
        n = phone_number(rng)
        return "REGISTER", None, [("Contact", "sip:%s@0.0.0.0:%d" % (n, SP)), ("From", "%s<sip:%s@%s>;tag=%x" % (n, n, D, rng.getrandbits(32))),
                                  ("To", "%s<sip:%s@%s>" % (n, n, D)), ("User-Agent", "VOIP")]
    if tool == 20:
        return "INVITE", "01146441408560", [("Contact", "sip:%s:%d" % (D, SP)), ("From", "%s<sip:01146441408560@%s>;tag=%x" % (D, D, rng.getrandbits(32))),
                                            ("To", "01146441408560<sip:01146441408560@%s>" % D), ("User-Agent", agent)]
    if tool == 21:
        return "OPTIONS", None, [("Contact", "<sip:%s>" % D), ("From", "Nessus<sip:%s:%d>;tag=%x" % (D, DP, rng.getrandbits(32))),
                                 ("To", "Nessus<sip:%s:%d>" % (D, DP))]
    raise ValueError(tool)


TABLE_I = {  # id: (name, strategy, source port: "fixed5060", "fixed", "changing")
    1: ("sipvicious", "sequential", "fixed5060"), 2: ("sipvicious-changed-ua", "sequential", "fixed5060"),
    3: ("sipvicious-changed-fields", "sequential", "fixed5060"), 4: ("amoot", "sequential", "fixed5060"),
    5: ("nmap", "random-sequential", "changing"), 6: ("nmap-test", "random-sequential", "changing"),
    7: ("nmap-sip-a", "random-sequential", "changing"), 8: ("nmap-ag", "random-sequential", "changing"),
    9: ("100rel", "random", "fixed"), 10: ("random-user", "random", "fixed"), 11: ("a123", "random", "fixed"),
    12: ("pplsip", "sequential", "fixed"), 13: ("startrinity", "random", "fixed"), 14: ("a84b4c", "random-sequential", "fixed"),
    15: ("sip-b-localip", "random", "fixed"), 16: ("sip-99999", "sequential", "fixed"), 17: ("x-nat", "random", "fixed"),
    18: ("adoom", "sequential", "fixed"), 19: ("voip", "sequential", "fixed"), 20: ("01146441408560", "sequential", "fixed"),
    21: ("nessus", "sequential", "fixed"),
}


def build_table_i_request(tool, k, rng, sequence):
    method, user, headers = table_i_headers(tool, k, rng)
    names = {name.lower() for name, _ in headers}
    lines = []
    if "via" not in names:
        lines.append(("Via", "SIP/2.0/UDP %s:%d;branch=z9hG4bK%x" % (k["src"], k["sport"], rng.getrandbits(48))))
    lines += headers
    if "call-id" not in names:
        lines.append(("Call-ID", "%x%x" % (rng.getrandbits(64), rng.getrandbits(32))))
    if "cseq" not in names:
        lines.append(("CSeq", "%d %s" % (sequence, method)))
    if "max-forwards" not in names:
        lines.append(("Max-Forwards", "70"))
    if "content-length" not in names and "content-lnegth" not in names:
        lines.append(("Content-Length", "0"))
    uri = "sip:%s@%s" % (user, k["dst"]) if user else "sip:%s" % k["dst"]
    return ("%s %s SIP/2.0\r\n" % (method, uri) + "".join("%s: %s\r\n" % line for line in lines) + "\r\n").encode()


def destinations(strategy, base, count, rng):
    """Destination order inside the watched /16 (base = its first two octets)."""
    def address(n):
        return "%s.%s.%d.%d" % (base[0], base[1], (n >> 8) & 255, n & 255)
    if strategy == "sequential":
        start = rng.randint(256, 40000)
        return [address(start + i) for i in range(count)]
    if strategy == "random-sequential":
        # Random inside small netblocks, one after another (the paper's
        # Nmap-like order; it says only "small netblocks": 32 addresses
        # here, so that a source of a few dozen requests shows the sequence).
        out, block = [], rng.randint(8, 1600)
        while len(out) < count:
            hosts = list(range(32))
            rng.shuffle(hosts)
            out += [address(block * 32 + h) for h in hosts]
            block += 1
        return out[:count]
    return [address(rng.randint(256, 65535)) for _ in range(count)]


def scanner_address(index):
    """The index-th --tools all scanner: 203.0.113.1 onwards (250 a /24, to
    203.0.255.250), then 44.0.0.1 onwards for telescope-sized runs."""
    if index < 250 * 143:
        return "203.0.%d.%d" % (113 + index // 250, 1 + index % 250)
    index -= 250 * 143
    return "44.%d.%d.%d" % (index // 62500 % 256, index // 250 % 250, 1 + index % 250)


def attacker_requests(kind, rng, source, target, sport):
    """Requests of the attackers beyond scanning (seeds 001, 002), each with
    the behaviour a sensor should see: (payloads, behaviour)."""
    payloads = []
    agent = {"enumerator": "friendly-scanner", "bruteforce": "VaxSIPUserAgent/3.1", "sprayer": "sipcli/v1.8",
             "tollfraud": "Xman-SIPScanner 6.3", "premium": "PortSIP VoIP SDK 11.2.2"}[kind]
    def request(method, user, extra, cseq, uri_user=None):
        via = "SIP/2.0/UDP %s:%d;branch=z9hG4bK%x;rport" % (source, sport, rng.getrandbits(48))
        lines = [("Via", via), ("Max-Forwards", "70"), ("From", '"%s" <sip:%s@%s>;tag=%x' % (user, user, target, rng.getrandbits(32))),
                 ("To", "<sip:%s@%s>" % (uri_user or user, target)), ("Call-ID", "%x" % rng.getrandbits(80)),
                 ("CSeq", "%d %s" % (cseq, method)), ("Contact", "<sip:%s@%s:%d>" % (user, source, sport)),
                 ("User-Agent", agent)] + extra + [("Content-Length", "0")]
        uri = "sip:%s@%s" % (uri_user, target) if uri_user else "sip:%s" % target
        return ("%s %s SIP/2.0\r\n" % (method, uri) + "".join("%s: %s\r\n" % line for line in lines) + "\r\n").encode()
    def digest(user):
        return [("Authorization", 'Digest username="%s", realm="pbx", nonce="%x", uri="sip:%s", response="%032x"'
                 % (user, rng.getrandbits(64), target, rng.getrandbits(128)))]
    if kind == "enumerator":  # REGISTER to 60 extensions of one PBX (svwar-like)
        for extension in range(100, 160):
            payloads.append(request("REGISTER", str(extension), [], 1))
        return payloads, "extension_enumeration"
    if kind == "bruteforce":  # 60 digest attempts on 2 usernames
        for attempt in range(60):
            user = ("1001", "admin")[attempt % 2]
            payloads.append(request("REGISTER", user, digest(user), attempt + 1))
        return payloads, "credential_brute_force"
    if kind == "sprayer":  # a session spraying 30 usernames, 2 attempts each
        for attempt in range(60):
            user = str(200 + attempt // 2)
            payloads.append(request("REGISTER", user, digest(user), attempt + 1))
        return payloads, "password_spraying"
    if kind == "premium":  # calls to a German premium-rate number (0900), dialled nationally: toll fraud given --home-country DE
        for attempt in range(6):
            payloads.append(request("INVITE", "1000", [], attempt + 1, uri_user="09001234567"))
        return payloads, "call_attempts"
    # Toll fraud: one international number through several dial prefixes, then another.
    for number in ("46441408560", "972599123456"):
        for prefix in ("00", "011", "9011", "900", "+"):
            payloads.append(request("INVITE", "1000", [], 1, uri_user=prefix + number))
    return payloads, "call_attempts"


def benign_phone_events(rng, index, start, gap, home_base):
    """A phone of the watched network registering (digest) to its provider,
    refreshing, and a call: INVITE/100/180/200/ACK/BYE with SDP."""
    phone = "%s.%s.200.%d" % (home_base[0], home_base[1], 10 + index)
    registrar = "192.0.2.%d" % (50 + index % 3)
    port = 5060 + index
    user = str(2000 + index)
    agent = rng.choice(["Yealink SIP-T46S 66.85.0.5", "snom320/8.7.3.25", "Linphone/5.0.14"])
    frames = []
    time = start
    for refresh in range(3):
        call_id = "%x@%s" % (rng.getrandbits(64), phone)
        for cseq, auth in ((2 * refresh + 1, False), (2 * refresh + 2, True)):
            headers = [("Via", "SIP/2.0/UDP %s:%d;branch=z9hG4bK%x;rport" % (phone, port, rng.getrandbits(40))),
                       ("Max-Forwards", "70"), ("From", '"%s" <sip:%s@voip.example.net>;tag=%x' % (user, user, rng.getrandbits(32))),
                       ("To", '"%s" <sip:%s@voip.example.net>' % (user, user)), ("Call-ID", call_id), ("CSeq", "%d REGISTER" % cseq),
                       ("Contact", "<sip:%s@%s:%d>" % (user, phone, port)), ("Expires", "3600"), ("User-Agent", agent)]
            if auth:
                headers.append(("Authorization", 'Digest username="%s", realm="voip.example.net", nonce="%x", uri="sip:voip.example.net", '
                                                 'response="%032x", algorithm=MD5' % (user, rng.getrandbits(64), rng.getrandbits(128))))
            headers.append(("Content-Length", "0"))
            request = ("REGISTER sip:voip.example.net SIP/2.0\r\n" + "".join("%s: %s\r\n" % h for h in headers) + "\r\n").encode()
            frames.append((time, ethernet(ipv4(phone, registrar, 17, udp(port, 5060, request))), "request", phone))
            reply = sip_response(request, "200 OK" if auth else "401 Unauthorized")
            frames.append((time + 0.02, ethernet(ipv4(registrar, phone, 17, udp(5060, port, reply))), "response", phone))
            time += gap
        time += 600.0  # the next refresh, ten minutes later
    # One call out to a national number, through the provider.
    sdp = "v=0\r\no=- 1 1 IN IP4 %s\r\ns=call\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio 10000 RTP/AVP 0 8\r\n" % (phone, phone)
    call_id = "%x@%s" % (rng.getrandbits(64), phone)
    invite = ("INVITE sip:0301234567@voip.example.net SIP/2.0\r\nVia: SIP/2.0/UDP %s:%d;branch=z9hG4bK%x\r\nMax-Forwards: 70\r\n"
              "From: <sip:%s@voip.example.net>;tag=%x\r\nTo: <sip:0301234567@voip.example.net>\r\nCall-ID: %s\r\nCSeq: 20 INVITE\r\n"
              "Contact: <sip:%s@%s:%d>\r\nUser-Agent: %s\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s"
              % (phone, port, rng.getrandbits(40), user, rng.getrandbits(32), call_id, user, phone, port, agent, len(sdp), sdp)).encode()
    frames.append((time, ethernet(ipv4(phone, registrar, 17, udp(port, 5060, invite))), "request", phone))
    for status in ("100 Trying", "180 Ringing", "200 OK"):
        time += 0.5
        frames.append((time, ethernet(ipv4(registrar, phone, 17, udp(5060, port, sip_response(invite, status)))), "response", phone))
    for method, cseq in (("ACK", 20), ("BYE", 21)):
        time += 30.0 if method == "BYE" else 0.1
        request = ("%s sip:0301234567@voip.example.net SIP/2.0\r\nVia: SIP/2.0/UDP %s:%d;branch=z9hG4bK%x\r\nMax-Forwards: 70\r\n"
                   "From: <sip:%s@voip.example.net>;tag=1\r\nTo: <sip:0301234567@voip.example.net>;tag=2\r\nCall-ID: %s\r\n"
                   "CSeq: %d %s\r\nContent-Length: 0\r\n\r\n" % (method, phone, port, rng.getrandbits(40), user, call_id, cseq, method)).encode()
        frames.append((time, ethernet(ipv4(phone, registrar, 17, udp(port, 5060, request))), "request", phone))
        if method == "BYE":
            frames.append((time + 0.05, ethernet(ipv4(registrar, phone, 17, udp(5060, port, sip_response(request, "200 OK")))), "response", phone))
    return frames


def pbx_events(rng, index, start, home_base):
    """A PBX of the watched network (in its trusted /24) placing answered
    calls out through its provider's SBC to 25 distinct German national
    numbers (fixed lines in Berlin and Munich, mobiles): what an office
    does all day, and no toll fraud when the operator names the PBX with
    --trusted-net."""
    pbx = "%s.%s.250.%d" % (home_base[0], home_base[1], 5 + index)
    sbc = "192.0.2.60"
    agent = "Asterisk PBX 18.10.0"
    frames = []
    time = start
    for call in range(25):
        number = rng.choice(["030%d%06d", "089%d%06d", "0151%d%07d"]) % (rng.randint(2, 9), rng.randint(0, 10 ** 6 - 1))
        extension = str(200 + call % 12)
        call_id = "%x@%s" % (rng.getrandbits(64), pbx)
        tag = "%x" % rng.getrandbits(32)
        sdp = "v=0\r\no=- 1 1 IN IP4 %s\r\ns=Asterisk\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio 12000 RTP/AVP 8 0 101\r\n" % (pbx, pbx)
        def request(method, cseq, to_tag="", body=""):
            headers = [("Via", "SIP/2.0/UDP %s:5060;branch=z9hG4bK%x;rport" % (pbx, rng.getrandbits(40))), ("Max-Forwards", "70"),
                       ("From", '"%s" <sip:%s@%s>;tag=%s' % (extension, extension, pbx, tag)),
                       ("To", "<sip:%s@%s>%s" % (number, sbc, to_tag)), ("Contact", "<sip:%s@%s:5060>" % (extension, pbx)),
                       ("Call-ID", call_id), ("CSeq", "%d %s" % (cseq, method)), ("User-Agent", agent)]
            if body:
                headers.append(("Content-Type", "application/sdp"))
            headers.append(("Content-Length", str(len(body))))
            return ("%s sip:%s@%s SIP/2.0\r\n" % (method, number, sbc) + "".join("%s: %s\r\n" % h for h in headers) + "\r\n" + body).encode()
        invite = request("INVITE", 102, body=sdp)
        frames.append((time, ethernet(ipv4(pbx, sbc, 17, udp(5060, 5060, invite))), "request", pbx))
        for status in ("100 Trying", "180 Ringing", "200 OK"):
            time += 0.4
            frames.append((time, ethernet(ipv4(sbc, pbx, 17, udp(5060, 5060, sip_response(invite, status)))), "response", pbx))
        frames.append((time + 0.05, ethernet(ipv4(pbx, sbc, 17, udp(5060, 5060, request("ACK", 102, ";tag=as1")))), "request", pbx))
        time += rng.uniform(20, 200)
        bye = request("BYE", 103, ";tag=as1")
        frames.append((time, ethernet(ipv4(pbx, sbc, 17, udp(5060, 5060, bye))), "request", pbx))
        frames.append((time + 0.03, ethernet(ipv4(sbc, pbx, 17, udp(5060, 5060, sip_response(bye, "200 OK")))), "response", pbx))
        time += rng.uniform(1, 30)
    return frames


def multi_day(arguments, rng, home_base):
    """Campaigns across days (the paper's section VI) with their ground
    truth: --day-campaigns groups of --campaign-size hosts active on a shared
    day pattern (each host may miss one of its group's days), independent
    scanners on random days, and always-active hosts. Each source scans on
    each of its days at a random hour, with its tool of Table I.
    Returns (events, truth) or, with --events-out, writes sip_scan_flow
    events (one closed flow per source and day) instead of packets."""
    days = arguments.days
    day_seconds = 86400.0
    truth = {"days": days, "campaigns": {}, "independent": [], "always_active": []}
    plan = []  # (source, tool id, active days, group)
    used = set()
    for campaign in range(1, arguments.day_campaigns + 1):
        while True:  # a day pattern of its own, neither empty nor every day, unlike the others
            pattern = tuple(day for day in range(days) if rng.random() < 0.45)
            if 2 <= len(pattern) < days - 1 and all(len(set(pattern) ^ set(other)) >= 3 for other in used):
                used.add(pattern)
                break
        tool = 1 + (campaign - 1) % len(TABLE_I)
        members = []
        for member in range(arguments.campaign_size):
            source = "100.%d.%d.%d" % (64 + campaign // 250, campaign % 250, 1 + member)
            active = list(pattern)
            if len(active) > 2 and rng.random() < 0.15:
                active.remove(rng.choice(active))  # a host that missed a day of its campaign
            plan.append((source, tool, active, campaign))
            members.append(source)
        truth["campaigns"][str(campaign)] = {"days": list(pattern), "sources": members, "tool": TABLE_I[tool][0]}
    for index in range(arguments.independent):
        source = "172.%d.%d.%d" % (16 + index // 62500, (index // 250) % 250, 1 + index % 250)
        active = [day for day in range(days) if rng.random() < 0.3] or [rng.randrange(days)]
        plan.append((source, rng.choice(list(TABLE_I)), active, 0))
        truth["independent"].append(source)
    for index in range(arguments.always_active):
        source = "192.0.2.%d" % (1 + index)
        plan.append((source, 5, list(range(days)), -1))
        truth["always_active"].append(source)
    if arguments.events_out:
        write_day_events(arguments, rng, plan, day_seconds)
        return [], truth
    events = []
    date = "Sat, 13 Nov 2010 23:29:00 GMT"
    for source, tool, active, _ in plan:
        name, strategy, port_mode = TABLE_I[tool]
        for day in active:
            when = arguments.start + day * day_seconds + rng.uniform(0, day_seconds - 3600)
            sport = 5060 if port_mode == "fixed5060" else rng.randint(20000, 60000)
            for sequence, target in enumerate(destinations(strategy, home_base, arguments.packets_per_source, rng), 1):
                if port_mode == "changing":
                    sport = rng.randint(1024, 65535)
                k = {"src": source, "dst": target, "sport": sport, "dport": 5060, "number": "0046441408560", "date": date}
                payload = build_table_i_request(tool, k, rng, sequence)
                events.append((when, ethernet(ipv4(source, target, 17, udp(sport, 5060, payload), ttl=52))))
                when += 0.2
    return events, truth


def write_day_events(arguments, rng, plan, day_seconds):
    """Minimal sip_scan_flow lines (what `sipscope campaigns` reads), for
    inputs too large to replay in a test: 100,000 sources over 30 days."""
    def stamp(seconds):
        return time_module.strftime("%Y-%m-%dT%H:%M:%S", time_module.gmtime(seconds)) + ".000000Z"
    flow_id = 0
    with open(arguments.events_out, "w") as out:
        for source, tool, active, _ in plan:
            name, strategy, _ = TABLE_I[tool]
            for day in active:
                flow_id += 1
                start = arguments.start + day * day_seconds + rng.uniform(0, day_seconds - 3600)
                out.write(json.dumps({"timestamp": stamp(start + 60), "event_type": "sip_scan_flow", "schema_version": 2,
                                      "sensor": "sipgen", "flow_id": flow_id, "src_ip": source,
                                      "flow": {"start": stamp(start), "end": stamp(start + 60),
                                               "packets": arguments.packets_per_source, "state": "closed"},
                                      "tool": {"name": name}, "strategy": strategy}, separators=(",", ":")) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="pcap file to write; the ground truth goes to OUT.truth.json")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sources", type=int, default=10, help="scanning sources")
    parser.add_argument("--packets-per-source", type=int, default=20)
    parser.add_argument("--responders", type=int, default=3,
                        help="hosts of the watched network that answer scans (responses in the mirror)")
    parser.add_argument("--tools", default="sipvicious,nmap,register",
                        help="'all' for the 21 tools of TOOLS.md (one source each per --sources-per-tool), or the small "
                             "set of the end-to-end tests (default)")
    parser.add_argument("--sources-per-tool", type=int, default=2, help="with --tools all")
    parser.add_argument("--rate-range", default="2,5000",
                        help="with --tools all: LOW,HIGH requests per second; each source draws its rate log-uniformly")
    parser.add_argument("--window", type=float, default=60.0,
                        help="with --tools all: sources start at random times within this many seconds")
    parser.add_argument("--heavy-tail", type=float, default=0,
                        help="with --tools all: draw each source's requests from a Pareto law with this shape "
                             "(e.g. 1.2: most sources send 1-3, a few thousands), capped at --packets-per-source; "
                             "0 (default): every source sends --packets-per-source. A telescope or a /16 uplink sees "
                             "a scanner sweeping the Internet as a handful of packets")
    parser.add_argument("--visibility", type=float, default=1.0,
                        help="with --tools all: the share of each scanner's destinations the capture holds (a "
                             "telescope or mirror that sees part of the range: 0.3 keeps about 30 %%, at random)")
    parser.add_argument("--one-block", type=int, default=0,
                        help="with --tools all: N more SIPVicious sources scanning one /24 each in random order, "
                             "--packets-per-source of them: with repeats as svmap --randomize draws (even sources) "
                             "or each host once as ZMap and Masscan go (odd); truth: one_block, strategy random")
    parser.add_argument("--campaign", type=int, default=0,
                        help="with --tools all: N more SIPVicious sources scanning disjoint slices of the /16 together")
    parser.add_argument("--flood", type=int, default=0,
                        help="add this many SIPVicious OPTIONS, each from a new random source (a spoofed-source flood)")
    parser.add_argument("--attackers", action="store_true",
                        help="add an extension enumerator, a digest brute-forcer, a username sprayer, a toll-fraud caller "
                             "(international numbers) and a premium-rate caller (German 0900, seen given --home-country DE)")
    parser.add_argument("--benign", type=int, default=0, help="phones of the watched network (register, refresh, call)")
    parser.add_argument("--pbx", type=int, default=0,
                        help="PBXs of the watched network placing 25 answered calls each to distinct German national "
                             "numbers (truth: trusted_net, the /24 to give --trusted-net)")
    parser.add_argument("--ipv6-sources", type=int, default=0,
                        help="scanners over IPv6 (SIPVicious and Nmap style, alternately) into --home-net6")
    parser.add_argument("--home-net6", default="2001:db8:5060::/64", help="the watched IPv6 network")
    parser.add_argument("--fragmented", type=int, default=0,
                        help="sources sending INVITEs longer than the MTU, IP-fragmented (even: IPv4, odd: IPv6)")
    parser.add_argument("--probers", type=int, default=1,
                        help="sources that only probe SIP ports (empty UDP to 5061, TCP SYN to 5060/5061)")
    parser.add_argument("--background", type=float, default=0.5,
                        help="share of non-SIP background packets in the output, 0..0.99")
    parser.add_argument("--home-net", default="198.51.0.0/16", help="the watched /16 (scan targets)")
    parser.add_argument("--start", type=float, default=1767225600.0, help="capture start, seconds since the epoch")
    parser.add_argument("--gap", type=float, default=0.01, help="seconds between consecutive packets")
    days = parser.add_argument_group("campaigns across days (replaces the other traffic)")
    days.add_argument("--days", type=int, default=0,
                      help="write N days of scanning with campaign ground truth (truth: campaigns, independent, "
                           "always_active); --packets-per-source is per source and day")
    days.add_argument("--day-campaigns", type=int, default=5, help="groups of hosts active on a shared day pattern")
    days.add_argument("--campaign-size", type=int, default=10, help="hosts per campaign")
    days.add_argument("--independent", type=int, default=20, help="scanners active on random days of their own")
    days.add_argument("--always-active", type=int, default=6, help="hosts active on every day")
    days.add_argument("--events-out", default="",
                      help="with --days: write sip_scan_flow events to this file instead of packets (large inputs)")
    arguments = parser.parse_args()
    if arguments.days < 0 or (arguments.days and arguments.days < 3):
        parser.error("--days must be 0 (off) or at least 3")
    if not 0 <= arguments.background < 1:
        parser.error("--background must be in [0, 1)")
    try:
        arguments.rate_range = tuple(float(part) for part in arguments.rate_range.split(","))
        if len(arguments.rate_range) != 2 or not 0 < arguments.rate_range[0] <= arguments.rate_range[1]:
            raise ValueError
    except ValueError:
        parser.error("--rate-range must be LOW,HIGH with 0 < LOW <= HIGH")
    if not 0 < arguments.visibility <= 1:
        parser.error("--visibility must be in (0, 1]")
    if arguments.heavy_tail < 0:
        parser.error("--heavy-tail must be 0 (off) or a positive Pareto shape such as 1.2")

    rng = random.Random(arguments.seed)
    home_base = arguments.home_net.split("/")[0].split(".")[:2]
    responders = ["%s.%s.7.%d" % (home_base[0], home_base[1], 10 + i) for i in range(arguments.responders)]
    if arguments.days:
        return write_multi_day(arguments, rng, home_base)

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
    if arguments.tools == "all":
        # Replace the small test set with every tool of Table I.
        events.clear()
        truth["sources"].clear()
        truth["sip_requests"] = truth["sip_responses"] = 0
        time = arguments.start
        date = "Sat, 13 Nov 2010 23:29:00 GMT"
        source_index = 0
        low, high = arguments.rate_range
        window = arguments.window

        def scan(tool, source, targets, port_mode, rate, start, extra_truth):
            # SIPVicious binds 5060, or 5061 when 5060 is taken (one run in five here).
            if port_mode == "fixed5060":
                fixed_port = 5061 if rng.random() < 0.2 else 5060
            else:
                fixed_port = rng.randint(20000, 60000)
            number = "00" + rng.choice(["46441408560", "4930123456", "97259912345"])
            when = start
            for sequence, target in enumerate(targets, 1):
                sport = rng.randint(1024, 65535) if port_mode == "changing" else fixed_port
                k = {"src": source, "dst": target, "sport": sport, "dport": 5060, "number": number, "date": date}
                payload = build_table_i_request(tool, k, rng, sequence)
                events.append((when, ethernet(ipv4(source, target, 17, udp(sport, 5060, payload), ttl=rng.choice([49, 52, 113])))))
                when += rng.expovariate(rate)  # Poisson arrivals at the source's rate
            name, strategy, _ = TABLE_I[tool]
            truth["sources"][source] = dict({"tool": name, "table_id": tool, "strategy": strategy, "requests": len(targets),
                                             "rate_pps": round(rate, 2),
                                             "source_port": fixed_port if port_mode != "changing" else "changing"},
                                            **extra_truth)
            truth["sip_requests"] += len(targets)
            return when

        # Every source runs at its own rate (log-uniform in --rate-range)
        # and starts at a random time in --window: sources overlap in time
        # as on a real uplink.
        end_time = arguments.start
        for tool, (name, strategy, port_mode) in TABLE_I.items():
            for copy in range(arguments.sources_per_tool):
                source = scanner_address(source_index)
                source_index += 1
                rate = math.exp(rng.uniform(math.log(low), math.log(high)))
                start = arguments.start + rng.uniform(0, window)
                count = arguments.packets_per_source
                if arguments.heavy_tail:
                    count = min(count, int(rng.paretovariate(arguments.heavy_tail)))
                targets = destinations(strategy, home_base, count, rng)
                if arguments.visibility < 1:
                    targets = [target for target in targets if rng.random() < arguments.visibility] or targets[:1]
                end_time = max(end_time, scan(tool, source, targets, port_mode, rate, start, {}))
        # Scans confined to one /24 in random order: a random scan, however
        # small its block — drawn with repeats as svmap --randomize draws
        # (even sources), or each host once as ZMap and Masscan go (odd).
        truth["one_block"] = {}
        for index in range(arguments.one_block):
            source = "203.1.%d.%d" % (index // 250, 1 + index % 250)
            block = rng.randint(1, 250)
            count = min(arguments.packets_per_source, 254)
            hosts = [rng.randint(1, 254) for _ in range(count)] if index % 2 == 0 else rng.sample(range(1, 255), count)
            targets = ["%s.%s.%d.%d" % (home_base[0], home_base[1], block, host) for host in hosts]
            if arguments.visibility < 1:
                targets = [target for target in targets if rng.random() < arguments.visibility] or targets[:1]
            rate = math.exp(rng.uniform(math.log(low), math.log(high)))
            end_time = max(end_time, scan(1, source, targets, TABLE_I[1][2], rate, arguments.start + rng.uniform(0, window), {}))
            truth["one_block"][source] = dict(truth["sources"].pop(source), strategy="random")
        # A distributed campaign: one tool from many sources, each sweeping
        # its own slice of the watched /16 in parallel, at one shared rate.
        truth["campaigns"] = {}
        if arguments.campaign:
            tool = 1  # SIPVicious, the tool the paper sees run from many hosts at once
            rate = math.exp(rng.uniform(math.log(low), math.log(high)))
            start = arguments.start + rng.uniform(0, window)
            members = []
            for member in range(arguments.campaign):
                source = "100.64.%d.%d" % (member // 250, 1 + member % 250)  # RFC 6598 space: no other role here
                first = 256 + member * arguments.packets_per_source
                targets = ["%s.%s.%d.%d" % (home_base[0], home_base[1], (n >> 8) & 255, n & 255)
                           for n in range(first, first + arguments.packets_per_source)]
                end_time = max(end_time, scan(tool, source, targets, TABLE_I[tool][2], rate, start + rng.uniform(0, 1.0),
                                              {"campaign": 1}))
                members.append(source)
            truth["campaigns"]["1"] = {"tool": TABLE_I[tool][0], "sources": members, "rate_pps": round(rate, 2)}
        time = end_time
    for index in range(arguments.flood):
        source = "%d.%d.%d.%d" % (rng.randint(1, 223), rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))
        target = "%s.%s.%d.%d" % (home_base[0], home_base[1], rng.randint(0, 255), rng.randint(1, 254))
        payload = sip_options_sipvicious(source, 5060, target, 5060, rng)
        events.append((arguments.start + index * 0.0001, ethernet(ipv4(source, target, 17, udp(5060, 5060, payload)))))
        truth["sip_requests"] += 1
    truth["flood_packets"] = arguments.flood
    truth["attackers"] = {}
    if arguments.attackers:
        for index, kind in enumerate(("enumerator", "bruteforce", "sprayer", "tollfraud", "premium")):
            source = "198.19.%d.%d" % (index, 7)
            target = "%s.%s.9.9" % (home_base[0], home_base[1])
            sport = rng.randint(20000, 60000)
            payloads, behaviour = attacker_requests(kind, rng, source, target, sport)
            when = arguments.start + 5.0 + index
            for payload in payloads:
                events.append((when, ethernet(ipv4(source, target, 17, udp(sport, 5060, payload)))))
                when += 0.05
            truth["sip_requests"] += len(payloads)
            truth["attackers"][source] = {"kind": kind, "behaviour": behaviour, "requests": len(payloads)}
    # Scanners over IPv6: the same requests, addresses written as IPv6.
    prefix6 = arguments.home_net6.split("/")[0].rstrip(":")
    for index in range(arguments.ipv6_sources):
        source = "2001:db8:a::%x" % (index + 1)
        tool, build = (("sipvicious", sip_options_sipvicious) if index % 2 == 0 else ("nmap", sip_options_nmap))
        sport = 5060 if tool == "sipvicious" else None
        requests = arguments.packets_per_source
        for packet in range(requests):
            target = "%s::%x" % (prefix6, packet + 1)
            port = sport or rng.randint(1024, 65535)
            payload = build(uri_host(source), port, uri_host(target), 5060, rng)
            events.append((time, ethernet(ipv6(source, target, 17, udp6(source, target, port, 5060, payload), hop_limit=52),
                                          ethertype=0x86DD)))
            time += arguments.gap
        truth["sources"][source] = {"tool": tool, "requests": requests}
        truth["sip_requests"] += requests
    # INVITEs that do not fit one frame: the first fragment holds the UDP
    # header and the start of the message; the others are later fragments.
    truth["fragmented"] = {}
    truth["later_fragments"] = {"ipv4": 0, "ipv6": 0}
    for index in range(arguments.fragmented):
        family = "ipv4" if index % 2 == 0 else "ipv6"
        source = "198.19.100.%d" % (index + 1) if family == "ipv4" else "2001:db8:f::%x" % (index + 1)
        for packet in range(4):
            target = ("%s.%s.40.%d" % (home_base[0], home_base[1], packet + 1) if family == "ipv4"
                      else "%s::40:%x" % (prefix6, packet + 1))
            sport = rng.randint(20000, 60000)
            payload = big_invite(source, sport, target, 5060, rng, "0046441408560")
            if family == "ipv4":
                frames = fragments_ipv4(source, target, udp(sport, 5060, payload), ident=rng.getrandbits(16))
            else:
                frames = fragments_ipv6(source, target, udp6(source, target, sport, 5060, payload), ident=rng.getrandbits(32))
            for frame in frames:
                events.append((time, ethernet(frame, ethertype=0x0800 if family == "ipv4" else 0x86DD)))
                time += arguments.gap / 4
            truth["later_fragments"][family] += len(frames) - 1
        truth["fragmented"][source] = {"family": family, "requests": 4}
        truth["sip_requests"] += 4
    truth["benign"] = {}
    for index in range(arguments.benign):
        frames = benign_phone_events(rng, index, arguments.start + index * 3.0, 0.05, home_base)
        for when, frame, kind, phone in frames:
            events.append((when, frame))
            if kind == "request":
                truth["sip_requests"] += 1
            else:
                truth["sip_responses"] += 1
        truth["benign"][frames[0][3]] = {"requests": sum(1 for f in frames if f[2] == "request")}
    # PBXs in their own trusted /24: benign too, given --trusted-net.
    truth["trusted_net"] = "%s.%s.250.0/24" % (home_base[0], home_base[1])
    for index in range(arguments.pbx):
        frames = pbx_events(rng, index, arguments.start + 1.0 + index * 7.0, home_base)
        for when, frame, kind, _ in frames:
            events.append((when, frame))
            truth["sip_requests" if kind == "request" else "sip_responses"] += 1
        truth["benign"][frames[0][3]] = {"requests": sum(1 for f in frames if f[2] == "request"), "role": "pbx"}
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
        elif i % 8 == 3:  # VLAN-tagged DNS, to exercise the L2 path
            query = struct.pack("!HHHHHH", rng.getrandbits(16), 0x0100, 1, 0, 0, 0) + b"\x03www\x07example\x03org\x00\x00\x1c\x00\x01"
            frame = ethernet(ipv4(client, "198.51.7.53", 17, udp(rng.randint(1024, 65535), 53, query)), vlan=100)
        else:  # DNS over IPv6
            client6 = "2001:db8:c::%x" % (1 + i % 200)
            query = struct.pack("!HHHHHH", rng.getrandbits(16), 0x0100, 1, 0, 0, 0) + b"\x03www\x07example\x03net\x00\x00\x1c\x00\x01"
            frame = ethernet(ipv6(client6, "2001:db8:5060::53", 17, udp6(client6, "2001:db8:5060::53", rng.randint(1024, 65535), 53, query)),
                             ethertype=0x86DD)
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
    truth["benign_count"] = len(truth["benign"])
    write_pcap(arguments.out, events)
    with open(arguments.out + ".truth.json", "w") as out:
        json.dump(truth, out, indent=1, sort_keys=True)
    print("%s: %d packets (%d SIP from %d sources, %d background, %d malformed)" % (
        arguments.out, truth["packets"], truth["sip_packets"], truth["source_count"], truth["background_packets"],
        truth["malformed_packets"]), file=sys.stderr)
    return 0


def write_multi_day(arguments, rng, home_base):
    events, day_truth = multi_day(arguments, rng, home_base)
    truth = dict(day_truth, seed=arguments.seed, home_net=arguments.home_net, packets=len(events))
    if not arguments.events_out:
        events.sort(key=lambda item: item[0])
        write_pcap(arguments.out, events)
    with open(arguments.out + ".truth.json", "w") as out:
        json.dump(truth, out, indent=1, sort_keys=True)
    sources = sum(len(group["sources"]) for group in truth["campaigns"].values()) + len(truth["independent"]) + \
        len(truth["always_active"])
    print("%s: %d days, %d sources (%d campaigns), %s" % (
        arguments.events_out or arguments.out, arguments.days, sources, len(truth["campaigns"]),
        "events" if arguments.events_out else "%d packets" % len(events)), file=sys.stderr)
    return 0


def write_pcap(path, events):
    with open(path, "wb") as out:
        out.write(PCAP_GLOBAL_HEADER)
        for when, frame in events:
            seconds = int(when)
            micros = int(round((when - seconds) * 1e6))
            if micros == 1000000:
                seconds, micros = seconds + 1, 0
            out.write(struct.pack("<IIII", seconds, micros, len(frame), len(frame)))
            out.write(frame)


if __name__ == "__main__":
    sys.exit(main())
