"""The TCP echo server and client of the ``server`` benchmark.

The same ``handle_echo`` runs in both servers: imported into a terminal
ipython (``%fg asyncio.start_server(handle_echo, '127.0.0.1', 0)`` then
``%bg server.serve_forever()``), and under plain ``asyncio.run`` in
``python -m benchmarks.echo serve`` (``--uvloop``: under ``uvloop.run``).

``python -m benchmarks.echo client PORT --connections C --duration S
--max-trips N`` does echo round trips over C connections until S seconds
or N round trips in all, whichever comes first, and prints one JSON line:
``{"trips": ..., "seconds": ..., "loop": ...}``.  ``python -m
benchmarks.echo clients`` does the same for each line ``PORT C S N`` it
reads on stdin, one JSON line each, until stdin closes.  It uses uvloop when it is
installed (a cheaper client leaves more of the machine to the server).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

MESSAGE = b"x" * 63 + b"\n"


async def handle_echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Echo every line back until the client closes."""
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            writer.write(line)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def serve() -> None:
    server = await asyncio.start_server(handle_echo, "127.0.0.1", 0)
    print(f"<port-{server.sockets[0].getsockname()[1]}>", flush=True)
    await server.serve_forever()


async def _connection(port: int, deadline: float, budget: list[int]) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    trips = 0
    size = len(MESSAGE)
    try:
        while budget[0] > 0 and time.perf_counter() < deadline:
            budget[0] -= 1
            writer.write(MESSAGE)
            reply = await reader.readexactly(size)
            if reply != MESSAGE:
                raise RuntimeError(f"bad echo: {reply!r}")
            trips += 1
    finally:
        writer.close()
    return trips


async def client(port: int, connections: int, duration: float, max_trips: int) -> dict:
    started = time.perf_counter()
    deadline = started + duration
    budget = [max_trips]
    counts = await asyncio.wait_for(
        asyncio.gather(*(_connection(port, deadline, budget) for _ in range(connections))),
        duration + 10,
    )
    return {"trips": sum(counts), "seconds": time.perf_counter() - started}


def _run(coro):
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro), "asyncio"
    return uvloop.run(coro) if hasattr(uvloop, "run") else _uvloop_run(uvloop, coro), "uvloop"


def _uvloop_run(uvloop, coro):
    uvloop.install()
    return asyncio.run(coro)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.echo")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="serve on 127.0.0.1 (a free port, printed) under asyncio.run")
    serve_parser.add_argument("--uvloop", action="store_true", help="under uvloop.run instead")
    client_parser = commands.add_parser("client", help="round trips against PORT; prints JSON")
    client_parser.add_argument("port", type=int)
    client_parser.add_argument("--connections", type=int, default=4)
    client_parser.add_argument("--duration", type=float, default=2.0)
    client_parser.add_argument("--max-trips", type=int, default=1_000_000)
    commands.add_parser(
        "clients",
        help="read 'PORT CONNECTIONS DURATION MAX_TRIPS' lines on stdin, answer each with a JSON line",
    )
    args = parser.parse_args(argv)
    if args.command == "clients":
        # One process for many runs: no interpreter start-up between them.
        for line in sys.stdin:
            port, connections, duration, max_trips = line.split()
            result, loop = _run(client(int(port), int(connections), float(duration), int(max_trips)))
            result["loop"] = loop
            print(json.dumps(result), flush=True)
        return 0
    if args.command == "serve":
        try:
            if args.uvloop:
                _run(serve())
            else:
                asyncio.run(serve())
        except KeyboardInterrupt:
            pass
        return 0
    result, loop = _run(client(args.port, args.connections, args.duration, args.max_trips))
    result["loop"] = loop
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
