#!/usr/bin/env python3
"""A TCP relay that delays and "loses", for the hosts rig (ops/hosts.sh) on kernels without
tc netem: every byte from either end reaches the other DELAY ms later, and a segment that would
have been lost holds its stream as TCP's recovery would.

    ops/relay.py --delay-ms 50 --loss 0.01 10.77.0.254:7411=10.77.0.2:7411 [LISTEN=TARGET ...]

A relay carries TCP streams, which lose nothing, so loss is shown as what it costs a stream:
data is read in pieces of up to 64 KiB, a piece of n bytes counts as ceil(n / 1448) packets,
each lost with probability LOSS; a piece with a lost packet, and everything behind it (the
stream stays in order), comes one round trip late when at least 4 packets follow the loss in
the piece (fast retransmit: three duplicate acknowledgements), else 200 ms plus a round trip
late (a retransmission timeout). Not shown: congestion control's smaller window after a loss,
and any bandwidth limit. A stream holds at most 8 MiB in flight each way; its reader waits
beyond that.

Runs until SIGTERM or SIGINT. Prints a line a connection to stderr; at its end, the bytes
relayed and the pieces held as lost.
"""
import argparse
import asyncio
import math
import random
import signal
import sys
import time

MSS = 1448
PIECE = 64 * 1024
IN_FLIGHT = 8 * 1024 * 1024
MIN_RTO = 0.2

stats = {'bytes': 0, 'pieces': 0, 'lost': 0, 'connections': 0}


def endpoint(text):
    host, _, port = text.rpartition(':')
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f'not HOST:PORT: {text!r}')
    return host, int(port)


def mapping(text):
    listen, sep, target = text.partition('=')
    if not sep:
        raise argparse.ArgumentTypeError(f'not LISTEN=TARGET: {text!r}')
    return endpoint(listen), endpoint(target)


async def pump(reader, writer, delay, loss, rng):
    """Copies reader to writer, each piece due `delay` seconds after it was read (later if
    lost), in order."""
    rtt = 2 * delay
    queue = asyncio.Queue()
    room = asyncio.Semaphore(IN_FLIGHT // PIECE)

    async def read():
        last_due = 0.0
        while True:
            await room.acquire()
            data = await reader.read(PIECE)
            due = time.monotonic() + delay
            if data:
                packets = math.ceil(len(data) / MSS)
                first_lost = next((i for i in range(packets) if rng.random() < loss), None)
                stats['pieces'] += 1
                if first_lost is not None:
                    stats['lost'] += 1
                    due += rtt if packets - first_lost - 1 >= 4 else MIN_RTO + rtt
            last_due = max(last_due, due)
            await queue.put((last_due, data))
            if not data:
                return

    async def write():
        while True:
            due, data = await queue.get()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            room.release()
            if not data:
                if writer.can_write_eof():
                    writer.write_eof()
                return
            writer.write(data)
            stats['bytes'] += len(data)
            await writer.drain()

    await asyncio.gather(read(), write())


async def serve(listen, target, delay, loss, seed):
    async def on_connection(client_reader, client_writer):
        peer = client_writer.get_extra_info('peername')
        stats['connections'] += 1
        try:
            server_reader, server_writer = await asyncio.open_connection(*target)
        except OSError as e:
            print(f'relay {listen[0]}:{listen[1]}: {peer} -> {target[0]}:{target[1]}: {e}',
                  file=sys.stderr)
            client_writer.close()
            return
        print(f'relay {listen[0]}:{listen[1]}: {peer[0]}:{peer[1]} -> {target[0]}:{target[1]}',
              file=sys.stderr)
        rng = random.Random(f'{seed}/{peer}')
        try:
            await asyncio.gather(pump(client_reader, server_writer, delay, loss, rng),
                                 pump(server_reader, client_writer, delay, loss, rng))
        except (ConnectionError, OSError):
            pass
        finally:
            client_writer.close()
            server_writer.close()

    server = await asyncio.start_server(on_connection, *listen, reuse_address=True)
    async with server:
        await server.serve_forever()


async def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--delay-ms', type=float, default=0.0, help='one way, each direction')
    parser.add_argument('--loss', type=float, default=0.0, help='probability a packet is lost')
    parser.add_argument('--seed', default='1')
    parser.add_argument('maps', nargs='+', type=mapping, metavar='LISTEN=TARGET')
    args = parser.parse_args()
    if not 0 <= args.loss < 1:
        parser.error('--loss must be in [0, 1)')
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    servers = [asyncio.create_task(serve(listen, target, args.delay_ms / 1000, args.loss, args.seed))
               for listen, target in args.maps]
    waiter = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait([waiter, *servers], return_when=asyncio.FIRST_COMPLETED)
    for task in done:
        if task is not waiter:
            task.result()  # a listen that failed: its error, exit 1
    print(f"relay: {stats['connections']} connections, {stats['bytes']:,} bytes, "
          f"{stats['lost']:,} of {stats['pieces']:,} pieces held as lost", file=sys.stderr)


if __name__ == '__main__':
    asyncio.run(main())
