"""Opens N Server-Sent Events streams on /events, then makes RATE writes a second for SECONDS and
measures, for each write, the time from its PATCH answer (the commit) to the event reaching a
client. Prints: "<opened> <p50 ms> <p99 ms> <events received>" (latency from the write's
acknowledgement to the event's arrival; an event that came first counts as 0). Standard library only.

N - 1 streams are held (and read) by a second process, like the other clients they stand for: the
measuring client's own latency then does not include reading 999 other sockets in Python.
Usage: python3 sse_streams.py HOST PORT KEY IMPORT_ID STREAMS RATE SECONDS READY_FILE
       python3 sse_streams.py --hold HOST PORT KEY IMPORT_ID STREAMS READY_FILE   (the holder)"""
import asyncio
import json
import subprocess
import sys
import time


def stream_request(import_id, key):
    return (f"GET /events?subject=/imports/{import_id}/&types=insikt.citizen. HTTP/1.1\r\nHost: x\r\n"
            f"Accept: text/event-stream\r\nAuthorization: Bearer {key}\r\n\r\n").encode()


async def open_stream(host, port, key, import_id):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(stream_request(import_id, key))
    await writer.drain()
    await reader.readuntil(b"\r\n\r\n")
    return reader, writer


async def hold(host, port, key, import_id, count, ready_file):
    """Opens `count` streams, reads and drops what they carry until stdin closes."""
    streams = [await open_stream(host, port, key, import_id) for _ in range(count)]

    async def drain(reader):
        while await reader.read(65536):
            pass

    drains = [asyncio.create_task(drain(reader)) for reader, _ in streams]
    open(ready_file, "w").write("ready")
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    for task in drains:
        task.cancel()
    for _, writer in streams:
        writer.close()


async def watch(host, port, key, import_id, arrived):
    reader, _ = await open_stream(host, port, key, import_id)
    buffer = b""
    while True:
        data = await reader.read(65536)
        if not data:
            return
        buffer += data
        for line in buffer.split(b"\n"):
            if line.startswith(b"data: "):
                name = json.loads(line[6:])["data"]["name"]
                arrived.setdefault(name, time.monotonic())
        buffer = buffer.rsplit(b"\n", 1)[-1]


async def patch(host, port, key, import_id, n, acknowledged):
    reader, writer = await asyncio.open_connection(host, port)
    body = json.dumps({"name": f"w{n}"}).encode()
    writer.write((f"PATCH /imports/{import_id}/citizens/1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n"
                  f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body)
    await writer.drain()
    await reader.read()
    acknowledged[f"w{n}"] = time.monotonic()
    writer.close()


async def measure(host, port, key, import_id, streams, rate, seconds, ready_file):
    held_ready = ready_file + ".held"
    holder = subprocess.Popen([sys.executable, __file__, "--hold", host, str(port), key, str(import_id),
                               str(streams - 1), held_ready], stdin=subprocess.PIPE)
    while holder.poll() is None:
        try:
            open(held_ready).close()
            break
        except FileNotFoundError:
            await asyncio.sleep(0.1)
    acknowledged = {}  # name -> when its PATCH answer arrived (the commit is before it)
    arrived = {}       # name -> when its event reached the watching stream
    watcher = asyncio.create_task(watch(host, port, key, import_id, arrived))
    await asyncio.sleep(0.5)
    open(ready_file, "w").write("ready")
    await asyncio.sleep(2)  # the caller reads the server's memory now
    for n in range(int(rate * seconds)):
        await patch(host, port, key, import_id, n, acknowledged)
        await asyncio.sleep(1 / rate)
    await asyncio.sleep(1)
    watcher.cancel()
    held = streams - 1 if holder.poll() is None else 0
    holder.communicate(b"")
    # An event may reach the stream before its PATCH's answer reaches this client: that counts
    # as no delay. Events that never came are counted apart.
    latencies = [max(0.0, arrived[name] - at) for name, at in acknowledged.items() if name in arrived]
    ordered = sorted(latencies) or [float("nan")]
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000
    print(f"{held + 1} {pick(0.5):.1f} {pick(0.99):.1f} {len(latencies)}")


if sys.argv[1] == "--hold":
    host, port, key, import_id, count, ready = sys.argv[2:8]
    asyncio.run(hold(host, int(port), key, int(import_id), int(count), ready))
else:
    host, port, key, import_id, streams, rate, seconds, ready = sys.argv[1:9]
    asyncio.run(measure(host, int(port), key, int(import_id), int(streams), float(rate), float(seconds), ready))
