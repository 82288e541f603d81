"""Starts one pull of a source (POST /sources/{id}/runs) and follows its job on the same
keep-alive connection, a poll every 20 ms. Prints "<ms to finished> <state> <rows>": from just
before the POST to the job's own finished_at (the server's clock at its commit). Standard
library only. Usage: python3 source_pull.py HOST PORT KEY SOURCE_ID"""
import datetime
import http.client
import json
import sys
import time

from job_follow import follow

host, port, key, source = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
headers = {"Authorization": f"Bearer {key}"}
connection = http.client.HTTPConnection(host, port)
connection.connect()
started = time.time()
connection.request("POST", f"/sources/{source}/runs", headers=headers)
answer = connection.getresponse()
text = answer.read()
if answer.status != 202:
    print(f"[insikt] sources: POST /sources/{source}/runs answered {answer.status}: {text[:300]!r}", file=sys.stderr)
    print("0 none 0")
    sys.exit(0)
job = follow(connection, headers, json.loads(text)["data"])
if job["state"] != "succeeded":
    print(f"[insikt] sources: the pull ended {job['state']}: {json.dumps(job.get('error'))[:300]}", file=sys.stderr)
finished = datetime.datetime.fromisoformat(job["finished_at"].replace("Z", "+00:00")).timestamp()
rows = (job.get("result") or {}).get("rows", 0)
print(f"{(finished - started) * 1000:.0f} {job['state']} {rows}")
