#!/usr/bin/env python3
"""A minimal SIP UDP responder for capturing scanners in a lab: answers
OPTIONS with 200, REGISTER/INVITE for existing extensions with a 401 digest
challenge and for others with 404, and everything else with 501. It exists
so that tools like svwar, svcrack and Nmap's SIP scripts, which wait for
answers, run their course. Standard library only.

    sip-responder.py --listen 10.250.0.2 --extensions 100-105 --seconds 60
"""
import argparse
import hashlib
import re
import socket
import sys
import time


def header(message, name, compact=None):
    pattern = r"^(?:%s%s)\s*:\s*(.*)$" % (re.escape(name), "|" + re.escape(compact) if compact else "")
    match = re.search(pattern, message, re.IGNORECASE | re.MULTILINE)
    return match.group(1).strip() if match else ""


def respond(request, extensions, realm):
    first = request.split("\r\n", 1)[0].split("\n", 1)[0]
    parts = first.split()
    if len(parts) < 3 or parts[2] != "SIP/2.0":
        return None
    method, uri = parts[0], parts[1]
    user = re.search(r"sips?:([^@;>]+)@", uri) or re.search(r"sips?:([^@;>]+)@", header(request, "To", "t"))
    user = user.group(1) if user else ""
    if method == "ACK":
        return None
    if method == "OPTIONS":
        status, extra = "200 OK", "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REGISTER\r\nAccept: application/sdp\r\n"
    elif method in ("REGISTER", "INVITE", "SUBSCRIBE"):
        if user in extensions:
            nonce = hashlib.md5(("%s%f" % (user, time.time())).encode()).hexdigest()
            status = "401 Unauthorized"
            extra = 'WWW-Authenticate: Digest algorithm=MD5, realm="%s", nonce="%s"\r\n' % (realm, nonce)
        else:
            status, extra = "404 Not Found", ""
    elif method in ("CANCEL", "BYE"):
        status, extra = "481 Call/Transaction Does Not Exist", ""
    else:
        status, extra = "501 Not Implemented", ""
    lines = ["SIP/2.0 " + status]
    for name, compact in (("Via", "v"), ("From", "f"), ("To", "t"), ("Call-ID", "i"), ("CSeq", None)):
        value = header(request, name, compact)
        if value:
            if name == "To" and ";tag=" not in value:
                value += ";tag=lab%d" % (hash(value) & 0xFFFF)
            lines.append("%s: %s" % (name, value))
    return ("\r\n".join(lines) + "\r\n" + extra + "Server: lab-pbx\r\nContent-Length: 0\r\n\r\n").encode()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listen", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=5060)
    parser.add_argument("--extensions", default="100-105", help="existing extensions, FIRST-LAST")
    parser.add_argument("--realm", default="lab.example")
    parser.add_argument("--seconds", type=float, default=60, help="stop after this long")
    arguments = parser.parse_args()
    first, last = (int(x) for x in arguments.extensions.split("-"))
    extensions = {str(n) for n in range(first, last + 1)}
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((arguments.listen, arguments.port))
    sock.settimeout(0.5)
    deadline = time.monotonic() + arguments.seconds
    answered = 0
    while time.monotonic() < deadline:
        try:
            data, peer = sock.recvfrom(65535)
        except socket.timeout:
            continue
        reply = respond(data.decode("utf-8", "replace"), extensions, arguments.realm)
        if reply:
            sock.sendto(reply, peer)
            answered += 1
    print("sip-responder: answered %d requests" % answered, file=sys.stderr)


if __name__ == "__main__":
    main()
