"""The user's Python alternative, as people first write it: an aiohttp app
that relays every request to the upstream with a new ClientSession per
request, reading each body whole before passing it on. Benchmark only: it
is the baseline the relay is compared with, not a recommendation.

usage: /usr/bin/python3 bench/seed_relay.py --upstream http://127.0.0.1:N
       [--port P]; prints "READY port=P" once listening.
"""

import argparse
import asyncio
import socket

import aiohttp
from aiohttp import web

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer",
              "transfer-encoding", "upgrade", "host", "content-length"}


def make_app(upstream):
    async def relay(request):
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() not in HOP_BY_HOP}
        body = await request.read()
        async with aiohttp.ClientSession(auto_decompress=False) as session:
            async with session.request(request.method,
                                       upstream + request.path_qs,
                                       headers=headers, data=body,
                                       allow_redirects=False) as r:
                data = await r.read()
                out = {k: v for k, v in r.headers.items()
                       if k.lower() not in HOP_BY_HOP}
                return web.Response(status=r.status, headers=out, body=data)

    app = web.Application(client_max_size=2 << 30)
    app.router.add_route("*", "/{tail:.*}", relay)
    return app


async def serve(args):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    runner = web.AppRunner(make_app(args.upstream.rstrip("/")),
                           access_log=None)
    await runner.setup()
    site = web.SockSite(runner, sock)
    await site.start()
    print("READY port=%d" % sock.getsockname()[1], flush=True)
    await asyncio.Event().wait()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--upstream", required=True)
    p.add_argument("--port", type=int, default=0)
    try:
        asyncio.run(serve(p.parse_args()))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
