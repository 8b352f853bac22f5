#!/usr/bin/python3
"""An aiohttp agent behind fcgi-relay that reads the forwarding headers
with the relay as its only trusted hop.

The relay appends the address the web server saw (REMOTE_ADDR) to the
client's X-Forwarded-For (or Forwarded) chain, and sets X-Forwarded-Proto
and X-Forwarded-Host itself from what the web server saw (a client's copies
of those two never pass). So, for a request whose peer is the relay:

- the client is the LAST X-Forwarded-For entry (or the last Forwarded
  element's for=): everything before it is whatever the client sent and
  may be forged;
- the scheme and host for URLs the app builds are X-Forwarded-Proto and
  X-Forwarded-Host (Forwarded: the last element's proto= and host=).

A request from any other peer is taken at face value: its headers are
ignored. Read only the style the relay sends (its forwarded_headers
setting): with x-forwarded, a Forwarded header comes from the client.

    forwarded_app.py --port 8080 [--relay-addr 127.0.0.1 ...]
    forwarded_app.py --unix /run/agent.sock      # every peer is the relay
    forwarded_app.py --style rfc7239 ...         # relay: forwarded_headers = rfc7239

GET any path answers JSON: client, scheme, host, the absolute URL built
from them, and whether the forwarding headers were trusted.
"""
import argparse
import socket

from aiohttp import web


def last_list_item(values):
    """Last entry of a comma-separated header that may be repeated."""
    items = [v.strip() for v in ",".join(values).split(",") if v.strip()]
    return items[-1] if items else None


def forwarded_last(values):
    """RFC 7239: the parameters of the last element (quoted strings may
    hold commas and semicolons)."""
    text, elements, cur, quoted = ",".join(values), [], "", False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            elements.append(cur)
            cur = ""
        else:
            cur += ch
    elements.append(cur)
    params = {}
    for pair in elements[-1].split(";"):
        name, _, value = pair.strip().partition("=")
        params[name.lower()] = value.strip('"')
    return params


def strip_port(node):
    """'[2001:db8::1]:4711' -> '2001:db8::1', '192.0.2.1:80' -> '192.0.2.1'."""
    if node.startswith("["):
        return node[1:node.index("]")]
    return node.split(":")[0] if node.count(":") == 1 else node


def peer_is_relay(request, relay_addrs):
    sock = request.transport.get_extra_info("socket") if request.transport else None
    if sock is not None and sock.family == socket.AF_UNIX:
        return True     # who may connect is decided by the socket's mode
    peer = request.transport.get_extra_info("peername") if request.transport else None
    return bool(peer) and peer[0] in relay_addrs


def origin(request):
    """(client, scheme, host, trusted) for this request."""
    app = request.app
    peer = request.transport.get_extra_info("peername") if request.transport else None
    client = peer[0] if isinstance(peer, (tuple, list)) else "unix"
    scheme, host = request.scheme, request.host
    if not peer_is_relay(request, app["relay_addrs"]):
        return client, scheme, host, False
    if app["style"] == "rfc7239":
        values = request.headers.getall("Forwarded", [])
        p = forwarded_last(values) if values else {}
        client = strip_port(p.get("for", client))
        scheme, host = p.get("proto", scheme), p.get("host", host)
    else:
        client = last_list_item(request.headers.getall("X-Forwarded-For", [])) or client
        scheme = request.headers.get("X-Forwarded-Proto", scheme)
        host = request.headers.get("X-Forwarded-Host", host)
    return client, scheme, host, True


async def whoami(request):
    client, scheme, host, trusted = origin(request)
    return web.json_response({
        "client": client, "scheme": scheme, "host": host, "trusted": trusted,
        "url": "%s://%s%s" % (scheme, host, request.rel_url),
        # the raw chain, to show what was ignored
        "chain": ", ".join(request.headers.getall(
            "Forwarded" if request.app["style"] == "rfc7239" else "X-Forwarded-For", [])),
    })


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--unix")
    ap.add_argument("--relay-addr", action="append",
                    help="the relay's address (default 127.0.0.1 and ::1)")
    ap.add_argument("--style", choices=("x-forwarded", "rfc7239"),
                    default="x-forwarded")
    args = ap.parse_args()
    app = web.Application()
    app["relay_addrs"] = set(args.relay_addr or ("127.0.0.1", "::1"))
    app["style"] = args.style
    app.router.add_get("/{tail:.*}", whoami)
    if args.unix:
        web.run_app(app, path=args.unix, print=None)
    else:
        web.run_app(app, host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
