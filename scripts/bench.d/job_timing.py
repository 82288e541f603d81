"""Submits one import as a job (POST /imports, Prefer: respond-async) and follows it on the same
keep-alive connection. Prints "<job id> <ms to 202> <ms to succeeded> <state>": the time to
succeeded runs from just before the POST to the job's own finished_at (the server's clock at its
commit), so the polling's rate does not bound it. One process, one connection, a poll every 20 ms:
the follower costs the job it measures almost no CPU. Standard library only.
Usage: python3 job_timing.py HOST PORT KEY FILE"""
import datetime
import http.client
import json
import sys
import time

from job_follow import follow

host, port, key, path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
body = open(path, "rb").read()
headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
connection = http.client.HTTPConnection(host, port)
connection.connect()

started = time.time()
connection.request("POST", "/imports", body=body, headers={**headers, "Prefer": "respond-async"})
answer = connection.getresponse()
text = answer.read()
accepted = time.time()
if answer.status != 202:
    print(f"[insikt] jobs: POST /imports with Prefer answered {answer.status}: {text[:300]!r}", file=sys.stderr)
    print("0 0 0 none")
    sys.exit(0)
job = follow(connection, headers, json.loads(text)["data"])
finished = datetime.datetime.fromisoformat(job["finished_at"].replace("Z", "+00:00")).timestamp()
print(f"{job['id']} {(accepted - started) * 1000:.1f} {(finished - started) * 1000:.0f} {job['state']}")
