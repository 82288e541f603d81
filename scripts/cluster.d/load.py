#!/usr/bin/env python3
"""The load and the checks of `scripts/cluster test` (shared/spec/scale.md), run in the client
namespace: writes (imports also as jobs) and reads through the load balancer, two SSE consumers
that resume with Last-Event-ID, a webhook receiver; app1 killed mid-load while it runs a big job
(which app2 must run after the lease), then the primary killed and db2 promoted; at the end
every acknowledged write and job is checked in the new primary, the API, the feed, the streams
and the webhooks. Prints what it measured; exits 1 when a check fails."""
import argparse
import base64
import collections
import datetime
import hashlib
import hmac
import http.client
import http.server
import json
import random
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid

# How long a job may take to end once nothing holds it back (app1's takeover job after the kill,
# the jobs queued behind it after the load): a hang guard, not a speed target. The release
# build's takeover ends about 13 s after the kill on a quiet machine; a debug build took 57 s,
# and a release build on a machine busy with two other test runs missed a 60 s bound.
JOB_END_GUARD = 240

args = None
reader_key = None                # a key of the reader role: the reads that carry no write's token
stop = threading.Event()
lock = threading.Lock()
acked = []                      # every 2xx write, with what identifies it
outcomes = collections.Counter()  # "POST /imports 201", "PATCH ... 503", "GET ... error: timeout"
write_times = []                # (monotonic time it was sent, answered, ok) of each write attempt
sent = threading.local()        # .at: when this thread's last request was sent
failures = []


def fail(message):
    with lock:
        failures.append(message)
    print(f"FAIL: {message}", flush=True)


def request(method, path, body=None, headers=None, timeout=10, base=None, key=None):
    """One request on a fresh connection through the load balancer (or to `base`, one server),
    with the admin key (or `key`): (status, headers, body) or (None, None, error text)."""
    url = urllib.parse.urlsplit(base or args.base)
    connection = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=timeout)
    all_headers = {"Authorization": f"Bearer {key or args.key}"}
    if body is not None and not isinstance(body, bytes):
        body = json.dumps(body).encode()
        all_headers["Content-Type"] = "application/json"
    all_headers.update(headers or {})
    sent.at = time.monotonic()
    try:
        connection.request(method, path, body=body, headers=all_headers)
        response = connection.getresponse()
        return response.status, {name.lower(): value for name, value in response.getheaders()}, response.read()
    except Exception as error:  # noqa: BLE001 - every failure is counted by kind
        return None, None, f"{type(error).__name__}"
    finally:
        connection.close()


def record(method, route, status, error):
    kind = str(status) if status is not None else f"error: {error}"
    with lock:
        outcomes[f"{method} {route} {kind}"] += 1
        if method != "GET":
            write_times.append((sent.at, time.monotonic(), status is not None and 200 <= status < 300))


def token():
    return uuid.uuid4().hex[:12]


# --- the writes and reads ------------------------------------------------------------------

def citizen(k, name, street):
    """`street` marks the import (a patch changes only names)."""
    return {"citizen_id": k, "town": "Rigby", "street": street, "building": "1", "apartment": k,
            "name": name, "birth_date": "01.02.1990", "gender": "female", "relatives": []}


def do_import():
    t = token()
    count = 3
    status, _, body = request("POST", "/imports", {"citizens": [citizen(k, f"L{t}-{k}", f"S{t}") for k in range(1, count + 1)]})
    record("POST", "/imports", status, body if status is None else None)
    if status == 201:
        import_id = json.loads(body)["data"]["import_id"]
        with lock:
            acked.append({"kind": "import", "id": import_id, "street": f"S{t}", "count": count, "patchable": list(range(1, count + 1)),
                          "at": time.monotonic()})


def do_patch():
    with lock:
        candidates = [a for a in acked if a["kind"] == "import" and a["patchable"]]
        target = random.choice(candidates) if candidates else None
        k = target["patchable"].pop() if target else None
    if target is None:
        return do_import()
    name = f"P{token()}"
    status, _, body = request("PATCH", f"/imports/{target['id']}/citizens/{k}", {"name": name})
    record("PATCH", "/imports/{id}/citizens/{cid}", status, body if status is None else None)
    if status == 200:
        with lock:
            acked.append({"kind": "patch", "import": target["id"], "citizen": k, "name": name})


def do_upload():
    t = token()
    ids = [random.randint(300_000_000, 2_000_000_000) for _ in range(2)]
    lines = ["id,name,city,country,iata,icao,latitude,longitude,altitude,timezone,DST,tz,type,source"]
    lines += [f'{i},"U{t}","Rig","S",,,1,2,3,1,"E","x","y","z"' for i in ids]
    status, _, body = request("POST", "/upload", ("\n".join(lines) + "\n").encode(), {"Content-Type": "text/csv"})
    record("POST", "/upload", status, body if status is None else None)
    if status == 200:
        with lock:
            acked.append({"kind": "upload", "ids": ids, "token": t})


def do_airport():
    t = token()
    status, headers, body = request("POST", "/airports", {"name": f"A{t}", "city": "Rig", "country": "S", "latitude": 1.5, "longitude": 2.5})
    record("POST", "/airports", status, body if status is None else None)
    if status == 201:
        airport_id = json.loads(body)["data"]["id"]
        with lock:
            acked.append({"kind": "airport", "id": airport_id, "token": t, "patchable": True, "at": time.monotonic()})
        read_own_write(f"/airports/{airport_id}", headers)


def read_own_write(path, write_headers):
    """Read your writes: another key (the reader) sends back the write's Insikt-Consistency at
    once; it must see the write whichever server and database answers."""
    consistency = (write_headers or {}).get("insikt-consistency")
    if not consistency:
        return fail(f"the answer to the write of {path} has no Insikt-Consistency header")
    status, _, body = request("GET", path, headers={"Insikt-Consistency": consistency}, key=reader_key or None)
    record("GET", "read your write", status, body if status is None else None)
    if status is not None and status not in (200, 503):
        fail(f"GET {path} with the write's Insikt-Consistency {consistency} answered {status}: {body[:200]!r}")


def do_airport_patch():
    with lock:
        candidates = [a for a in acked if a["kind"] == "airport" and a["patchable"]]
        target = random.choice(candidates) if candidates else None
        if target:
            target["patchable"] = False
    if target is None:
        return do_airport()
    city = f"C{token()}"
    status, _, body = request("PATCH", f"/airports/{target['id']}", {"city": city})
    record("PATCH", "/airports/{id}", status, body if status is None else None)
    if status == 200:
        with lock:
            acked.append({"kind": "airport_patch", "id": target["id"], "city": city})


def do_read():
    """A read by the reader key, without a token: a replica up to the servers' --read-max-lag
    (1 s) behind may answer, so it reads what was written more than 2 s ago."""
    settled = time.monotonic() - 2
    with lock:
        airports = [a["id"] for a in acked if a["kind"] == "airport" and a["at"] < settled]
        imports = [a["id"] for a in acked if a["kind"] == "import" and a["at"] < settled]
    if airports and random.random() < 0.6:
        status, _, body = request("GET", f"/airports/{random.choice(airports)}", key=reader_key or None)
        record("GET", "/airports/{id}", status, body if status is None else None)
        if status is not None and status not in (200, 503):
            fail(f"GET /airports/{{id}} answered {status}")
    elif imports:
        status, _, body = request("GET", f"/imports/{random.choice(imports)}/citizens", key=reader_key or None)
        record("GET", "/imports/{id}/citizens", status, body if status is None else None)


def do_job():
    """An import as a job (POST /imports with Prefer: respond-async): the 202's Location is
    logged, and at the end the job must have succeeded with its import stored once."""
    t = token()
    status, headers, body = request("POST", "/imports", {"citizens": [citizen(1, f"J{t}-1", f"S{t}")]}, {"Prefer": "respond-async"})
    record("POST", "/imports (async)", status, body if status is None else None)
    if status == 202:
        with lock:
            acked.append({"kind": "job", "location": headers.get("location"), "street": f"S{t}", "count": 1})
    elif status is not None and 200 <= status < 300:
        fail(f"POST /imports with Prefer: respond-async answered {status}, not 202 with a job")


OPERATIONS = [(do_import, 3), (do_patch, 3), (do_upload, 2), (do_airport, 2), (do_airport_patch, 2), (do_read, 6),
              (do_job, 1)]


def worker():
    functions = [f for f, weight in OPERATIONS for _ in range(weight)]
    while not stop.is_set():
        random.choice(functions)()
        time.sleep(0.03)


# --- the event stream and the webhooks -----------------------------------------------------

class StreamConsumer(threading.Thread):
    """GET /events as Server-Sent Events from `after`; reconnects with Last-Event-ID."""

    def __init__(self, name, after):
        super().__init__(daemon=True, name=name)
        self.after = after
        self.seen = []
        self.reconnects = 0
        self.last_id = None
        self.done = threading.Event()

    def run(self):
        url = urllib.parse.urlsplit(args.base)
        while not self.done.is_set():
            headers = {"Authorization": f"Bearer {args.key}", "Accept": "text/event-stream"}
            path = "/events"
            if self.last_id is not None:
                headers["Last-Event-ID"] = str(self.last_id)
            else:
                path += f"?after={self.after}"
            connection = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=5)
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                if response.status != 200:
                    response.read()
                    time.sleep(0.5)
                    continue
                while not self.done.is_set():
                    line = response.readline()
                    if not line:
                        break
                    if line.startswith(b"id: "):
                        event_id = int(line[4:].strip())
                        if self.last_id is not None and event_id <= self.last_id:
                            fail(f"{self.name}: event {event_id} came after {self.last_id}")
                        self.seen.append(event_id)
                        self.last_id = event_id
            except Exception:  # noqa: BLE001 - a timeout between events or a lost server: reconnect
                pass
            finally:
                connection.close()
            if not self.done.is_set():
                self.reconnects += 1
                time.sleep(0.2)


class Receiver(http.server.BaseHTTPRequestHandler):
    secret = b""
    received = collections.defaultdict(int)  # event id -> deliveries with a valid signature
    invalid = []
    answered = collections.Counter()

    def do_POST(self):  # noqa: N802 - the http.server name
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        webhook_id = self.headers.get("webhook-id", "")
        timestamp = self.headers.get("webhook-timestamp", "")
        signed = f"{webhook_id}.{timestamp}.".encode() + body
        expected = base64.b64encode(hmac.new(Receiver.secret, signed, hashlib.sha256).digest()).decode()
        signatures = [s.split(",", 1)[1] for s in self.headers.get("webhook-signature", "").split() if s.startswith("v1,")]
        with lock:
            if any(hmac.compare_digest(expected, s) for s in signatures):
                Receiver.received[int(webhook_id)] += 1
            else:
                Receiver.invalid.append(webhook_id)
        # The first try of every 200th event fails, to exercise retries (a delivery waits for the
        # one before it to the same endpoint, so each failure holds the queue for a retry's wait).
        first_try = Receiver.answered[webhook_id] == 0
        Receiver.answered[webhook_id] += 1
        self.send_response(500 if first_try and webhook_id.isdigit() and int(webhook_id) % 200 == 0 else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *arguments):
        pass


# --- jobs ----------------------------------------------------------------------------------

TERMINAL = ("succeeded", "failed", "cancelled")


def get_job(location, base=None):
    status, _, body = request("GET", location, base=base)
    return json.loads(body)["data"] if status == 200 else None


def job_log(location, base=None):
    """Every line of GET {job}/log ("<time> <text>")."""
    lines = []
    while True:
        status, _, body = request("GET", f"{location}/log?from={len(lines)}&size=100", base=base)
        if status != 200:
            return lines
        page = json.loads(body)
        lines += page["log"]
        if not page["log"] or len(lines) >= page["total"]:
            return lines


def app_of(server):
    """app1 or app2 for a server name of the jobs' log (host:pid:random), else the name."""
    parts = server.split(":")
    pid = int(parts[-2]) if len(parts) >= 3 and parts[-2].isdigit() else None
    return {args.app1_pid: "app1", args.app2_pid: "app2"}.get(pid, server)


def log_time(line):
    return datetime.datetime.strptime(line.split(" ", 1)[0], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()


class Takeover:
    """The job that app1 holds when it is killed: big enough to be still running then. It is
    sent to app1 itself (not through lb), so app1's runners are woken for it at once."""

    def __init__(self, count):
        self.count = count
        self.street = f"T{token()}"
        # citizen()'s fields written as text: json.dumps of a million dicts takes seconds.
        self.body = ('{"citizens":[' + ",".join(
            f'{{"citizen_id":{k},"town":"Rigby","street":"{self.street}","building":"1","apartment":{k},"name":"J{k}",'
            f'"birth_date":"01.02.1990","gender":"female","relatives":[]}}' for k in range(1, count + 1)) + "]}").encode()
        self.write = None       # its entry in `acked`
        self.progress = None    # its progress when app1 was killed
        self.killed = None      # time.monotonic() and time.time() right after the kill
        self.killed_wall = None
        self.ended = None       # time.monotonic() when it was first seen terminal through lb
        self.rerun_after = None  # seconds from the kill to app2's claim (the job's log)
        self.job = None

    def start(self):
        """Submits the job and waits until app1 runs it and has begun storing citizens; returns
        what went wrong, or None."""
        for _ in range(3):
            status, headers, body = request("POST", "/imports", self.body, {"Prefer": "respond-async", "Content-Type": "application/json"},
                                            timeout=120, base=args.app1)
            if status != 202:
                return f"the takeover job: POST /imports (async, {self.count} citizens) to app1 answered {status}: {body[:300]!r}"
            location = headers.get("location")
            self.write = {"kind": "job", "location": location, "street": self.street, "count": self.count}
            with lock:
                acked.append(self.write)
            job, deadline = None, time.monotonic() + 60
            # Reading the body is the first tenth of an import's progress: past it, citizens are
            # being copied in the job's open transaction.
            while time.monotonic() < deadline:
                job = get_job(location, base=args.app1)
                if job and (job["state"] in TERMINAL or (job["state"] == "running" and job["progress"] > 0.1)):
                    break
                time.sleep(0.05)
            if job is None or job["state"] not in ("running", *TERMINAL):
                return f"the takeover job {location} is still {job and job['state']} 60 s after it was submitted to app1"
            if job["state"] != "running":
                return (f"the takeover job {location} had ended ({job['state']}) before app1 could be killed: it must still be "
                        f"running then (make it bigger: --takeover-citizens, now {self.count})")
            starts = [line for line in job_log(location, base=args.app1) if "started (attempt 1) on " in line]
            runner = app_of(starts[0].rsplit(" on ", 1)[1]) if starts else None
            if runner == "app1":
                self.progress = job["progress"]
                return None
            # app2's poll found it before app1's runners did: not a takeover; stop it and try again.
            print(f"[cluster] the takeover job {location} was started by {runner}, not app1; cancelling it and submitting another", flush=True)
            request("DELETE", location)
            with lock:
                acked.remove(self.write)
            self.write = None
        return "three takeover jobs submitted to app1 were each started by app2 first"

    def killed_now(self):
        self.killed, self.killed_wall = time.monotonic(), time.time()

    def finished(self):
        """Polled after the kill: True once the job is terminal (through lb)."""
        job = get_job(self.write["location"])
        if job and job["state"] in TERMINAL:
            self.job, self.ended = job, time.monotonic()
            return True
        return False

    def check(self):
        """It succeeded on app2 after app1's lease ran out, after a run on app1 that stored nothing
        (check_jobs and check_database check its import like every job's)."""
        location = self.write["location"]
        if self.job is None:
            job = get_job(location)
            log = "\n    ".join(job_log(location)[-15:])
            fail(f"the takeover job {location} did not end within {args.job_lease + JOB_END_GUARD:.0f} s of the kill of app1: "
                 f"{json.dumps(job)}\n  its log's last lines:\n    {log}")
            # What the database says of it: the row's lease and who waits on what.
            for name, host in args.nodes.items():
                try:
                    row = psql(host, f"SELECT state, locked_by, lease_until, now(), attempts FROM jobs WHERE id = {location.rsplit('/', 1)[-1]}")
                    activity = psql(host, "SELECT pid, application_name, client_addr, state, xact_start, wait_event_type, wait_event, "
                                          "left(regexp_replace(query, '\\s+', ' ', 'g'), 100) FROM pg_stat_activity "
                                          "WHERE datname = 'insikt' AND state <> 'idle'")
                    print(f"[cluster] {name}: job row {row}; active sessions:", flush=True)
                    for line in activity:
                        print("    " + " | ".join(line), flush=True)
                except Exception as error:  # a standby or a node that is down
                    print(f"[cluster] {name}: {error}", flush=True)
            return
        if self.job["state"] != "succeeded":
            return fail(f"the takeover job {location} ended {self.job['state']}: {self.job['error']}")
        lines = job_log(location)
        reruns = [line for line in lines if " expired: running again from the start " in line]
        if self.job["attempts"] < 2 or not reruns:
            return fail(f"the takeover job {location} ran once (attempts {self.job['attempts']}): app1 was not running it when it was killed")
        # "<time> the lease of <server> expired: running again from the start (attempt n) on <server>"
        text = reruns[0].split(" ", 1)[1]
        held_by = app_of(text.removeprefix("the lease of ").split(" ", 1)[0])
        taken_by = app_of(text.rsplit(" on ", 1)[1])
        self.rerun_after = log_time(reruns[0]) - self.killed_wall
        if held_by != "app1" or taken_by != "app2":
            fail(f"the takeover job {location}: the lease of {held_by} expired and {taken_by} ran it (expected app1 then app2)")
        # The last heartbeat before the kill set the lease at most one beat (0.5 s) earlier.
        if self.rerun_after < args.job_lease - 0.6:
            fail(f"the takeover job {location} was run again {self.rerun_after:.1f} s after app1 was killed, before its {args.job_lease:g} s lease ended")


def check_jobs(seconds):
    """Every job acknowledged with 202 ends `succeeded` (polled through lb for at most `seconds`),
    its result's href is its import (`GET /imports/{id}`, with its count) and its citizens are there;
    check_database then finds that import once in the database."""
    jobs = [w for w in acked if w["kind"] == "job"]
    pending = []
    for write in jobs:
        if write["location"]:
            pending.append(write)
        else:
            fail(f"a job for street {write['street']} was accepted with 202 without a Location")
    deadline = time.monotonic() + seconds
    while pending:
        for write in list(pending):
            job = get_job(write["location"])
            if job and job["state"] in TERMINAL:
                write["job"] = job
                pending.remove(write)
        if not pending or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    for write in pending:
        job = get_job(write["location"])
        fail(f"job {write['location']} is still {job and job['state']} {seconds} s after the load stopped")
    for write in jobs:
        job = write.get("job")
        if job is None:
            continue
        if job["state"] != "succeeded":
            fail(f"job {write['location']} ended {job['state']}: {job['error']}")
            continue
        result = job.get("result") or {}
        write["id"], href = result.get("import_id"), result.get("href")
        if not isinstance(write["id"], int) or not href:
            fail(f"job {write['location']} succeeded without an import_id and href in its result: {result}")
            continue
        status, _, body = request("GET", href)
        summary = json.loads(body).get("data") if status == 200 else None
        if href != f"/imports/{write['id']}" or not summary or (summary["import_id"], summary["citizens"]) != (write["id"], write["count"]):
            fail(f"job {write['location']}: GET {href} answered {status} {summary}, expected import {write['id']} of {write['count']} citizens")
            continue
        if write["count"] > 1000:
            continue  # the takeover job's citizens are checked in SQL
        status, _, body = request("GET", f"{href}/citizens")
        citizens = json.loads(body)["data"] if status == 200 else None
        if citizens is None or len(citizens) != write["count"] or any(c["street"] != write["street"] for c in citizens):
            fail(f"job {write['location']}: GET {href}/citizens answered {status} with "
                 f"{'no' if citizens is None else len(citizens)} citizens, expected {write['count']} of {write['street']}")


# --- checks --------------------------------------------------------------------------------

def psql(host, sql):
    output = subprocess.run([args.psql, "-h", host, "-U", "insikt", "-d", "insikt", "-AtF", "\t", "-c", sql],
                            capture_output=True, text=True, timeout=30, check=True).stdout
    return [line.split("\t") for line in output.splitlines() if line]


def feed_after(position):
    events, after = [], position
    while True:
        status, _, body = request("GET", f"/events?after={after}&limit=1000")
        if status != 200:
            fail(f"GET /events?after={after} answered {status}")
            return events
        page = json.loads(body)["data"]
        if not page:
            return events
        events += page
        after = page[-1]["id"]


def check_database(host):
    """Every acknowledged write is in the database at `host` exactly once; returns how many are not."""
    citizens = collections.defaultdict(dict)
    for import_id, street, count in psql(host, "SELECT import_id, street, count(*) FROM citizens WHERE town = 'Rigby' GROUP BY 1, 2"):
        citizens[street][int(import_id)] = int(count)
    half = psql(host, """SELECT i.import_id, i.citizen_count, count(c.import_id) FROM imports i
                         LEFT JOIN citizens c USING (import_id) GROUP BY 1, 2
                         HAVING i.citizen_count IS DISTINCT FROM count(c.import_id) OR count(c.import_id) = 0""")
    for row in half:
        # The rig makes no empty import: one without citizens is a leftover too (of a job's run
        # on a server that was killed, say).
        fail(f"import {row[0]} is half-stored: citizen_count {row[1]}, {row[2]} citizens")
    names = {(int(i), int(c)): n for i, c, n in psql(host, "SELECT import_id, citizen_id, name FROM citizens WHERE name LIKE 'P%'")}
    airports = collections.defaultdict(list)
    for airport_id, name, city in psql(host, "SELECT id, name, city FROM airports WHERE deleted_at IS NULL AND (name LIKE 'A%' OR name LIKE 'U%')"):
        airports[name].append((int(airport_id), city))
    cities = {i: c for rows in airports.values() for i, c in rows}
    before = len(failures)
    for write in acked:
        kind = write["kind"]
        if kind == "import" or (kind == "job" and "id" in write):
            stored = citizens.get(write["street"], {})
            if stored != {write["id"]: write["count"]}:
                fail(f"import {write['id']} ({write['street']}): stored as {stored}")
        elif kind == "patch":
            if names.get((write["import"], write["citizen"])) != write["name"]:
                fail(f"patch of /imports/{write['import']}/citizens/{write['citizen']} to {write['name']} is not there")
        elif kind == "upload":
            stored = sorted(i for i, _ in airports.get(f"U{write['token']}", []))
            if stored != sorted(write["ids"]):
                fail(f"upload U{write['token']}: rows {write['ids']} stored as {stored}")
        elif kind == "airport":
            stored = [i for i, _ in airports.get(f"A{write['token']}", [])]
            if stored != [write["id"]]:
                fail(f"airport A{write['token']} (id {write['id']}) stored as {stored}")
        elif kind == "airport_patch":
            if cities.get(write["id"]) != write["city"]:
                fail(f"patch of /airports/{write['id']} to city {write['city']} is not there")
    return len(failures) - before


def check_feed(events):
    by_subject = collections.defaultdict(set)
    uploads = 0
    for event in events:
        by_subject[event["subject"]].add(event["type"])
        uploads += event["type"] == "insikt.airports.uploaded"
    wanted = {"import": lambda w: (f"/imports/{w['id']}", "insikt.import.created"),
              "patch": lambda w: (f"/imports/{w['import']}/citizens/{w['citizen']}", "insikt.citizen.updated"),
              "airport": lambda w: (f"/airports/{w['id']}", "insikt.airport.created"),
              "airport_patch": lambda w: (f"/airports/{w['id']}", "insikt.airport.updated")}
    for write in acked:
        expected = [wanted[write["kind"]](write)] if write["kind"] in wanted else []
        if write["kind"] == "job" and "id" in write:
            expected = [(write["location"], "insikt.job.succeeded"), (f"/imports/{write['id']}", "insikt.import.created")]
        for subject, kind in expected:
            if kind not in by_subject.get(subject, set()):
                fail(f"no {kind} event for {subject}")
    acked_uploads = sum(w["kind"] == "upload" for w in acked)
    if uploads < acked_uploads:
        fail(f"{acked_uploads} acknowledged uploads but {uploads} insikt.airports.uploaded events")


# --- the run -------------------------------------------------------------------------------

def run_command(command):
    subprocess.run(command, shell=True, check=True, timeout=60)


def wait_until(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def patroni_status(address, path):
    """The status of Patroni's REST API `GET path` on a database node; None when it does not answer."""
    connection = http.client.HTTPConnection(address, 8008, timeout=1)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    except Exception:  # noqa: BLE001 - a node that is down or cut off
        return None
    finally:
        connection.close()


def how_rejoined(node):
    """What Patroni's log on `node` says it did to follow the new leader."""
    try:
        with open(f"{args.rig}/{node}/patroni.log", errors="replace") as log:
            text = log.read()
    except OSError:
        return "its log is not readable"
    if "pg_rewind exit code=0" in text:
        return "pg_rewind"
    if "Removing data directory" in text:
        return "a fresh copy after pg_rewind failed"
    return "no rewind needed"


def leaders():
    """The database nodes whose Patroni says they lead (GET /primary answers 200)."""
    return [name for name, address in args.nodes.items() if patroni_status(address, "/primary") == 200]


def replica_share():
    """Of the reads app2 served on the routes that may read from a replica, the percentage
    replicas served (its /metrics); None when it does not say."""
    status, _, body = request("GET", "/metrics", base=args.app2)
    if status != 200:
        return None
    counts = {}
    print("[cluster] app2's reads: " + ", ".join(line for line in body.decode().splitlines()
                                                 if line.startswith(("db_reads_total", "db_replica_"))), flush=True)
    for line in body.decode().splitlines():
        for target in ("primary", "replica"):
            if line.startswith(f'db_reads_total{{target="{target}"}} '):
                counts[target] = float(line.split()[-1])
    total = sum(counts.values())
    return 100 * counts.get("replica", 0) / total if total else None


def kill_app1(takeover, problem, began):
    """kill -9 of app1 while it runs the takeover job; returns once that job has ended (bounded)."""
    if problem:
        fail(problem)
    else:
        print(f"[cluster] {time.monotonic() - began:5.1f} s: job {takeover.write['location']} ({takeover.count} citizens) "
              f"running on app1, progress {takeover.progress:.2f}", flush=True)
    print(f"[cluster] {time.monotonic() - began:5.1f} s: kill -9 app1", flush=True)
    run_command(args.kill_app)
    takeover.killed_now()
    if problem is None:
        wait_until(takeover.finished, args.job_lease + JOB_END_GUARD)
        print(f"[cluster] {time.monotonic() - began:5.1f} s: job {takeover.write['location']} "
              + (f"{takeover.job['state']}, attempts {takeover.job['attempts']}" if takeover.job else "not ended"), flush=True)


def first_write_after(moment):
    """When the first write sent after `moment` was acknowledged; None before one is."""
    with lock:
        return min((answered for sent_at, answered, ok in write_times if ok and sent_at > moment), default=None)


def primary_steps(began):
    """The pg_ctl rig: kill -9 of db1, `pg_ctl promote` of db2 2 s later. Returns (the new
    primary's address, seconds from the kill to the first acknowledged write, the kill's time)."""
    print(f"[cluster] {time.monotonic() - began:5.1f} s: kill -9 db1 (primary and its PgBouncer)", flush=True)
    killed = time.monotonic()
    run_command(args.kill_primary)
    time.sleep(2)
    print(f"[cluster] {time.monotonic() - began:5.1f} s: promote db2", flush=True)
    run_command(args.promote)
    promoted = time.monotonic()
    wait_until(lambda: first_write_after(promoted) is not None, 60)
    first = first_write_after(promoted)
    print(f"[cluster] {time.monotonic() - began:5.1f} s: first write after the promotion "
          + ("none yet" if first is None else f"at {first - began:.1f} s"), flush=True)
    if first is None:
        fail("no write succeeded within 60 s of the promotion")
    else:
        print(f"[cluster] failover: first successful write {first - promoted:.2f} s after the promotion "
              f"({first - killed:.2f} s after the primary was killed; target ≤ 10 s)")
        if first - promoted > 10:
            fail(f"the failover took {first - promoted:.1f} s (target ≤ 10 s)")
    time.sleep(args.phase)
    return args.db2, (first - killed if first else None), killed


def patroni_steps(began):
    """The Patroni rig: kill -9 of the leader's node (PostgreSQL, Patroni, PgBouncer); Patroni
    promotes the synchronous standby by itself. Then the new leader's link is cut for longer than
    the TTL: the others elect a leader, the isolated one never acknowledges a write (probed from
    inside its namespace) and, back on the network, rejoins as a replica (pg_rewind). Returns
    (the last leader's address, the failover's seconds, the partition's seconds)."""
    first_leaders = leaders()
    if len(first_leaders) != 1:
        fail(f"before the kill the leaders are {first_leaders}, not one")
        return None, None, None
    old = first_leaders[0]
    print(f"[cluster] {time.monotonic() - began:5.1f} s: kill -9 {old} (the leader: PostgreSQL, Patroni, PgBouncer)", flush=True)
    run_command(f"{args.kill_node} {old}")
    killed = time.monotonic()
    wait_until(lambda: first_write_after(killed) is not None, 60)
    first = first_write_after(killed)
    failover = first - killed if first else None
    if first is None:
        fail("no write succeeded within 60 s of the leader's kill")
        return None, None, None
    new = None
    if wait_until(lambda: len(leaders()) == 1, 30):
        new = leaders()[0]
    print(f"[cluster] {time.monotonic() - began:5.1f} s: first acknowledged write {failover:.1f} s after the kill; "
          f"leader now {new}", flush=True)
    if failover > 15:
        fail(f"the failover took {failover:.1f} s (goal ≤ 15 s)")
    if new is None or new == old:
        fail(f"no new leader after the kill of {old} (leaders: {leaders()})")
        return None, failover, None
    time.sleep(args.phase)
    # The partition is of a healthy cluster: the new leader has a synchronous standby again (the
    # other survivor follows it, after a pg_rewind when it had received more of the dead
    # leader's log than the promoted one).
    if not wait_until(lambda: any(patroni_status(address, "/sync") == 200 for name, address in args.nodes.items() if name != new), 60):
        fail(f"{new} has no synchronous standby 60 s after it was promoted")
    print(f"[cluster] {time.monotonic() - began:5.1f} s: {new} has a synchronous standby; cut {new} off the network", flush=True)
    cut = time.monotonic()
    run_command(f"{args.cut} {new}")
    probes, other = collections.Counter(), None
    while time.monotonic() - cut < args.ttl + 5:
        outcome = subprocess.run(f"{args.probe} {new}", shell=True, capture_output=True, text=True, timeout=10).stdout.strip()
        probes["acknowledged" if outcome == "acknowledged" else "refused"] += 1
        if outcome == "acknowledged":
            fail(f"{new}, cut off from the others, acknowledged a write {time.monotonic() - cut:.1f} s after the cut")
        if other is None:
            elected = [name for name in leaders() if name != new]
            if elected:
                other = elected[0]
                print(f"[cluster] {time.monotonic() - began:5.1f} s: {other} leads, {time.monotonic() - cut:.1f} s after the cut", flush=True)
        time.sleep(0.5)
    run_command(f"{args.heal} {new}")
    partition = time.monotonic() - cut
    print(f"[cluster] {time.monotonic() - began:5.1f} s: {new} back on the network after {partition:.1f} s; "
          f"writes on it meanwhile: {probes['acknowledged']} acknowledged, {probes['refused']} refused or unanswered", flush=True)
    if other is None:
        fail(f"no other node took the lead while {new} was cut off")
    def streams_from_leader():
        now_leading = leaders()
        if len(now_leading) != 1 or patroni_status(args.nodes[new], "/replica") != 200:
            return False
        try:
            return psql(args.nodes[now_leading[0]], "SELECT count(*) FROM pg_stat_replication "
                        f"WHERE application_name = '{new}' AND state = 'streaming'") == [["1"]]
        except subprocess.SubprocessError:
            return False
    rejoined = wait_until(streams_from_leader, 90)
    print(f"[cluster] {time.monotonic() - began:5.1f} s: {new} "
          + (f"rejoined as a replica, streaming from the leader ({how_rejoined(new)})" if rejoined else "did not rejoin"), flush=True)
    if not rejoined:
        fail(f"{new} did not rejoin as a replica within 90 s of the partition's end")
    final = leaders()
    if len(final) != 1:
        fail(f"after the partition the leaders are {final}, not one")
        return None, failover, partition
    time.sleep(args.phase / 2)
    return args.nodes[final[0]], failover, partition


def main():
    global args, reader_key
    parser = argparse.ArgumentParser()
    for name in ("--base", "--key", "--receiver", "--psql", "--kill-app", "--app1"):
        parser.add_argument(name, required=True)
    for name in ("--db1", "--db2", "--kill-primary", "--promote"):
        parser.add_argument(name, help="the pg_ctl rig")
    parser.add_argument("--patroni", action="store_true", help="the Patroni rig: the steps of patroni_steps")
    for name in ("--db-nodes", "--kill-node", "--cut", "--heal", "--probe", "--app2"):
        parser.add_argument(name, help="the Patroni rig (--db-nodes: name=address,...; the commands get a node's name)")
    parser.add_argument("--ttl", type=float, default=10, help="Patroni's TTL in the rig")
    parser.add_argument("--rig", default="/tmp/insikt-rig", help="the rig's directory (the nodes' Patroni logs)")
    for name in ("--app1-pid", "--app2-pid"):
        parser.add_argument(name, type=int, required=True, help="the server's process id (the jobs' log names servers by it)")
    parser.add_argument("--job-lease", type=float, required=True, help="the servers' --job-lease")
    parser.add_argument("--takeover-citizens", type=int, default=800_000, help="the job app1 runs when it is killed")
    parser.add_argument("--phase", type=float, default=8.0, help="seconds of load between the steps")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    args.nodes = dict(item.split("=", 1) for item in args.db_nodes.split(",")) if args.db_nodes else {}

    host, port = args.receiver.split(":")
    server = http.server.ThreadingHTTPServer((host, int(port)), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    status, _, body = request("POST", "/webhooks", {"url": f"http://{args.receiver}/hook", "description": "scripts/cluster"})
    if status != 201:
        print(f"FAIL: POST /webhooks answered {status}: {body!r}")
        return 1
    Receiver.secret = base64.b64decode(json.loads(body)["data"]["secret"].removeprefix("whsec_"))
    status, _, body = request("POST", "/keys", {"name": "scripts/cluster reader", "role": "reader"})
    if status != 201:
        print(f"FAIL: POST /keys answered {status}: {body!r}")
        return 1
    reader_key = json.loads(body)["data"]["key"]
    # Each server reloads the keys every 2 s: the key is used once both know it.
    servers = [args.app1] + ([args.app2] if args.app2 else [])
    if not wait_until(lambda: all(request("GET", "/imports?limit=1", base=server, key=reader_key)[0] == 200 for server in servers), 15):
        print("FAIL: the servers do not accept the reader key 15 s after it was made")
        return 1
    first_primary = args.nodes[leaders()[0]] if args.patroni else args.db1
    start = int(psql(first_primary, "SELECT coalesce(max(id), 0) FROM events")[0][0])
    takeover = Takeover(args.takeover_citizens)
    streams = [StreamConsumer(f"sse{i}", start) for i in range(2)]
    for stream in streams:
        stream.start()
    workers = [threading.Thread(target=worker, daemon=True) for _ in range(args.workers)]
    began = time.monotonic()
    for thread in workers:
        thread.start()

    time.sleep(args.phase)
    problem = takeover.start()
    kill_app1(takeover, problem, began)
    # The database steps begin once the takeover job has ended (bounded), so they do not meet it.
    time.sleep(max(0.0, takeover.killed + args.phase - time.monotonic()))
    if args.patroni:
        primary, failover, partition = patroni_steps(began)
    else:
        primary, failover, killed = primary_steps(began)
        partition = None
    stop.set()
    for thread in workers:
        thread.join(15)
    elapsed = time.monotonic() - began
    print(f"[cluster] {elapsed:5.1f} s: load stopped; checking", flush=True)

    # The end of the feed, then every stream and the receiver catch up with it.
    events = feed_after(start)
    end = int(events[-1]["id"]) if events else start
    for stream in streams:
        if not wait_until(lambda: stream.last_id is not None and stream.last_id >= end, 30):
            fail(f"{stream.name} stopped at {stream.last_id}, the feed ends at {end}")
        stream.done.set()
    ids = [int(e["id"]) for e in events]
    if not wait_until(lambda: all(Receiver.received.get(i) for i in ids), 120):
        missing = [i for i in ids if not Receiver.received.get(i)]
        fail(f"{len(missing)} of {len(ids)} events never reached the webhook receiver with a valid signature: {missing[:10]}")
    if Receiver.invalid:
        fail(f"{len(Receiver.invalid)} webhook deliveries had an invalid signature: {Receiver.invalid[:5]}")
    for stream in streams:
        missed = sorted(set(ids) - set(stream.seen))
        if missed:
            fail(f"{stream.name} missed {len(missed)} events (after {stream.reconnects} reconnects): {missed[:10]}")
    check_jobs(JOB_END_GUARD)
    if problem is None:
        takeover.check()
    lost = check_database(primary) if primary else len(acked)
    check_feed(events)
    if not args.patroni:
        in_recovery = psql(args.db2, "SELECT pg_is_in_recovery()")[0][0]
        if in_recovery != "f":
            fail("db2 is still a standby")

    # --- what was measured ---
    kinds = collections.Counter(w["kind"] for w in acked)
    total = sum(outcomes.values())
    print(f"[cluster] {total} requests in {elapsed:.1f} s through nginx; acknowledged writes: "
          + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))
    print("[cluster] answers by kind:")
    for key, n in sorted(outcomes.items()):
        print(f"    {n:6d}  {key}")
    print(f"[cluster] feed: {len(ids)} events; streams: " + ", ".join(f"{s.name} {len(set(s.seen))} events, {s.reconnects} reconnects" for s in streams))
    deliveries = sum(Receiver.received.values())
    print(f"[cluster] webhooks: {len([i for i in ids if Receiver.received.get(i)])} of {len(ids)} events received, {deliveries} valid deliveries")
    jobs = [w for w in acked if w["kind"] == "job"]
    succeeded = sum(1 for w in jobs if w.get("job", {}).get("state") == "succeeded")
    print(f"[cluster] jobs: {len(jobs)} accepted with 202, {succeeded} succeeded (each import stored once)")
    if problem is None and takeover.job is not None and takeover.rerun_after is not None:
        print(f"[cluster] takeover: job {takeover.write['location']} ({takeover.count} citizens) held by app1 at progress "
              f"{takeover.progress:.2f} when it was killed; app2 ran it again {takeover.rerun_after:.1f} s after the kill "
              f"(lease {args.job_lease:g} s, attempt {takeover.job['attempts']}); {takeover.job['state']} "
              f"{takeover.ended - takeover.killed:.1f} s after the kill")
    share = replica_share() if args.app2 else None
    print(f"[cluster] {len(failures)} checks failed" if failures else "[cluster] all checks passed")
    if args.patroni:
        print(f"cluster: failover {failover or 0:.1f} s, partition {partition or 0:.1f} s, acknowledged writes {len(acked)}, "
              f"lost {lost}, replica reads {share or 0:.0f} %", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
