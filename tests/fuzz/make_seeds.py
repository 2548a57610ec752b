#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora, one folder per target. Deterministic.
  parser/  every frame of a generated capture (mode byte 0 + frame) and the
           SIP messages of the unit tests and TOOLS.md (mode byte 1 + payload)
  tools/   the shipped tool database, each of its entries alone, and broken
           entries of the kinds the loader must name
  config/  the shipped sample configuration, each of its settings alone, and
           lines the checker must refuse"""
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

MESSAGES = [
    # RFC 3261 24.2 F1
    "INVITE sip:bob@biloxi.com SIP/2.0\r\nVia: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\nMax-Forwards: 70\r\n"
    "To: Bob <sip:bob@biloxi.com>\r\nFrom: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.com\r\nCSeq: 314159 INVITE\r\nContact: <sip:alice@pc33.atlanta.com>\r\n"
    "Content-Type: application/sdp\r\nContent-Length: 142\r\n\r\nv=0\r\no=alice 2890844526 2890844526 IN IP4 pc33.atlanta.com\r\n"
    "s=-\r\nc=IN IP4 pc33.atlanta.com\r\nt=0 0\r\nm=audio 3456 RTP/AVP 0 1 3 99\r\na=rtpmap:0 PCMU/8000\r\n",
    "SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP bobspc.biloxi.com:5060;branch=z9hG4bKnashds7;received=192.0.2.4\r\n"
    "To: Bob <sip:bob@biloxi.com>;tag=2493k59kd\r\nFrom: Bob <sip:bob@biloxi.com>;tag=456248\r\n"
    "Call-ID: 843817637684230@998sdasdh09\r\nCSeq: 1826 REGISTER\r\n"
    "WWW-Authenticate: Digest realm=\"atlanta.example.com\", qop=\"auth\", nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\"\r\n"
    "Content-Length: 0\r\n\r\n",
    "REGISTER sip:registrar.biloxi.com SIP/2.0\r\nv: SIP/2.0/UDP bobspc.biloxi.com:5060;branch=z9hG4bKnashds7\r\n"
    "Max-Forwards: 70\r\nt: Bob <sip:bob@biloxi.com>\r\nf: Bob <sip:bob@biloxi.com>;tag=456248\r\ni: 843817637684230@998sdasdh09\r\n"
    "CSeq: 1826 REGISTER\r\nm: <sip:bob@192.0.2.4>\r\nExpires: 7200\r\n"
    "Authorization: Digest username=\"bob\", realm=\"atlanta.example.com\", nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\", "
    "uri=\"sips:ss2.biloxi.example.com\", response=\"dfe56131d1958046689d83306477ecc\"\r\nl: 0\r\n\r\n",
    "OPTIONS sip:ag SIP/2.0\r\nVia: SIP/2.0/UDP ag;branch=foo\r\nFrom: <sip:ag@ag>;tag=root\r\nTo: <sip:ag2@ag2>\r\n"
    "Call-ID: 5000\r\nCSeq: 42 OPTIONS\r\nMax-Forwards: 70\r\ncontent-lnegth: 0\r\nContact: <sip:ag@ag>\r\n\r\n",
    "CANCEL sip:12345@198.51.100.7 SIP/2.0\nCall-ID: 123456789@abcde\nFrom: 12345<sip:12345@203.0.113.9:5060>\n"
    "x-nat: nothing\nx-serialnumber: AB12CD34EF\nServer: o2-IAD 6741-2.6.3.32\nSubject: folded\n  continuation\n\n",
    "REGISTER sip:198.51.100.7 SIP/2.0\r\nFrom: <sip:99999@198.51.100.7:5060>\r\nContent-Length: 209\r\n\r\n",
]


BROKEN_TOOLS = [
    "[tool]\nid = 1\nname = a\nfamily = a\nrequire user-agent = (\n",
    "[tool]\nid = 1\nname = a\nfamily = a\nrequire user-agent = x\n[tool]\nid = 1\nname = b\nfamily = b\n"
    "require user-agent = y\n",
    "[tool]\nid = 2\nname = \xff\xfe\nfamily = a\nrequire from = x\n",
    "[tool]\nid = 3\nname = c\nstrategy = nowhere\nexpect to = .\nforbid via = SourceIP\n",
    "require = \n[tool\nid=\n",
]

BROKEN_CONFIG = [
    "[sensor]\nworkers = 2\n",
    "evnets = x\n",
    "timeout = nan\n",
    "reassembly-timeout = inf\nactive-timeout = -1\n",
    "home-net = 10.0.0.0/33\nalert-method = INVITE=x\n",
    "workers: 2\n",
]


def write_files(folder, prefix, texts):
    os.makedirs(folder, exist_ok=True)
    for index, text in enumerate(texts):
        with open(os.path.join(folder, "%s-%02d" % (prefix, index)), "wb") as handle:
            handle.write(text if isinstance(text, bytes) else text.encode("latin-1"))


def tool_seeds(out):
    with open(os.path.join(ROOT, "fingerprint", "tools.conf"), "rb") as handle:
        database = handle.read()
    entries = [b"[tool]" + part for part in database.split(b"[tool]")[1:]]
    write_files(os.path.join(out, "tools"), "shipped", [database] + entries)
    write_files(os.path.join(out, "tools"), "broken", BROKEN_TOOLS)


def config_seeds(out):
    with open(os.path.join(ROOT, "scripts", "service", "sipscope.conf"), "rb") as handle:
        sample = handle.read()
    settings = [line.lstrip(b"# ") for line in sample.splitlines() if b"=" in line]
    write_files(os.path.join(out, "config"), "sample", [sample] + settings)
    write_files(os.path.join(out, "config"), "broken", BROKEN_CONFIG)


def main():
    root_out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus")
    tool_seeds(root_out)
    config_seeds(root_out)
    out = os.path.join(root_out, "parser")
    os.makedirs(out, exist_ok=True)
    for index, message in enumerate(MESSAGES):
        with open(os.path.join(out, "message-%02d" % index), "wb") as handle:
            handle.write(b"\x01" + message.encode())
    with tempfile.TemporaryDirectory() as directory:
        capture = os.path.join(directory, "seeds.pcap")
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "sipgen.py"), "--out", capture, "--sources", "6",
                        "--packets-per-source", "5", "--seed", "9"], check=True, stderr=subprocess.DEVNULL)
        with open(capture, "rb") as handle:
            data = handle.read()
        offset, index = 24, 0
        while offset + 16 <= len(data):
            _, _, captured, _ = struct.unpack("<IIII", data[offset:offset + 16])
            frame = data[offset + 16:offset + 16 + captured]
            with open(os.path.join(out, "frame-%03d" % index), "wb") as handle:
                handle.write(b"\x00" + frame)
            offset += 16 + captured
            index += 1
    print("seeds in %s" % root_out)


if __name__ == "__main__":
    main()
