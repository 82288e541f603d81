"""Opens N Server-Sent Events streams on /events, then makes RATE writes a second for SECONDS and
measures, for each write, the time from its PATCH answer (the commit) to the event reaching a
client. Prints: "<opened> <p50 ms> <p99 ms> <events received>" (latency from the write's
acknowledgement to the event's arrival; an event that came first counts as 0). Standard library only.
Usage: python3 sse_streams.py HOST PORT KEY IMPORT_ID STREAMS RATE SECONDS PIDFILE_OUT"""
import asyncio
import json
import sys
import time

host, port, key, import_id = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
streams, rate, seconds = int(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7])
ready_file = sys.argv[8]
acknowledged = {}  # name -> when its PATCH answer arrived (the commit is before it)
arrived = {}       # name -> when its event reached the watching stream


async def open_stream(index, watch):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write((f"GET /events?subject=/imports/{import_id}/&types=insikt.citizen. HTTP/1.1\r\nHost: x\r\n"
                  f"Accept: text/event-stream\r\nAuthorization: Bearer {key}\r\n\r\n").encode())
    await writer.drain()
    await reader.readuntil(b"\r\n\r\n")
    if not watch:
        return reader, writer
    buffer = b""
    while True:
        data = await reader.read(65536)
        if not data:
            return reader, writer
        buffer += data
        for line in buffer.split(b"\n"):
            if line.startswith(b"data: "):
                name = json.loads(line[6:])["data"]["name"]
                arrived.setdefault(name, time.monotonic())
        buffer = buffer.rsplit(b"\n", 1)[-1]


async def patch(n):
    reader, writer = await asyncio.open_connection(host, port)
    body = json.dumps({"name": f"w{n}"}).encode()
    writer.write((f"PATCH /imports/{import_id}/citizens/1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n"
                  f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body)
    await writer.drain()
    await reader.read()
    acknowledged[f"w{n}"] = time.monotonic()
    writer.close()


async def main():
    idle = [await open_stream(i, False) for i in range(streams - 1)]
    watcher = asyncio.create_task(open_stream(streams - 1, True))
    await asyncio.sleep(0.5)
    open(ready_file, "w").write("ready")
    await asyncio.sleep(2)  # the caller reads the server's memory now
    for n in range(int(rate * seconds)):
        await patch(n)
        await asyncio.sleep(1 / rate)
    await asyncio.sleep(1)
    watcher.cancel()
    for _, writer in idle:
        writer.close()
    # An event may reach the stream before its PATCH's answer reaches this client: that counts
    # as no delay. Events that never came are counted apart.
    latencies = [max(0.0, arrived[name] - at) for name, at in acknowledged.items() if name in arrived]
    ordered = sorted(latencies) or [float("nan")]
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000
    print(f"{len(idle) + 1} {pick(0.5):.1f} {pick(0.99):.1f} {len(latencies)}")

asyncio.run(main())
