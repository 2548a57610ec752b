#!/usr/bin/env python3
"""A minimal SIP UDP responder for capturing scanners in a lab: answers
OPTIONS with 200, REGISTER/INVITE for existing extensions with a 401 digest
challenge and for others with 404, and everything else with 501; with
--accounts, a REGISTER whose digest response (RFC 2617, MD5, no qop) is
right for an account's password gets 200, a wrong one 403. It exists so
that tools like svwar, svcrack and Nmap's SIP scripts, which wait for
answers, run their course. Standard library only.

    sip-responder.py --listen 10.250.0.2 --extensions 100-105 --accounts admin:letmein --seconds 60
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


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


def digest_ok(authorization, method, password, realm):
    """Checks a digest response (RFC 2617 without qop) against `password`."""
    fields = dict(re.findall(r'(\w+)\s*=\s*"?([^",]*)"?', authorization))
    if not {"username", "nonce", "uri", "response"} <= set(fields):
        return False
    ha1 = md5("%s:%s:%s" % (fields["username"], fields.get("realm", realm), password))
    ha2 = md5("%s:%s" % (method, fields["uri"]))
    return fields["response"].lower() == md5("%s:%s:%s" % (ha1, fields["nonce"], ha2))


def respond(request, extensions, realm, accounts=None):
    accounts = accounts or {}
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
    elif method == "REGISTER" and user in accounts and header(request, "Authorization"):
        good = digest_ok(header(request, "Authorization"), method, accounts[user], realm)
        status, extra = ("200 OK", "Contact: <sip:%s@%s>;expires=3600\r\n" % (user, "lab.example")) if good \
            else ("403 Forbidden", "")
    elif method in ("REGISTER", "INVITE", "SUBSCRIBE"):
        if user in extensions or user in accounts:
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
    parser.add_argument("--accounts", default="", help="USER:PASSWORD,... whose digest REGISTER gets 200 when right")
    parser.add_argument("--seconds", type=float, default=60, help="stop after this long")
    arguments = parser.parse_args()
    first, last = (int(x) for x in arguments.extensions.split("-"))
    extensions = {str(n) for n in range(first, last + 1)}
    accounts = dict(item.split(":", 1) for item in arguments.accounts.split(",") if ":" in item)
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
        reply = respond(data.decode("utf-8", "replace"), extensions, arguments.realm, accounts)
        if reply:
            sock.sendto(reply, peer)
            answered += 1
    print("sip-responder: answered %d requests" % answered, file=sys.stderr)


if __name__ == "__main__":
    main()
