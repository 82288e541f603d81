#!/usr/bin/env python3
"""A fake Insikt jobs API for testing `insikt import` / `insikt upload` without the real server.

    fake_jobs_server.py [--port N] [--key KEY] [--rows-per-step N]

Answers like jobs.md says the real one does:
  POST /imports (application/json), POST /upload (text/csv), with Authorization: Bearer KEY
    -> 202, Location: /jobs/{id}, Retry-After: 1, {"data": job}   (401/415/400 problems before a job)
  GET /jobs/{id}     each GET moves the job one step: queued, running (progress rising), then
                     succeeded, or failed with the errors the file has:
                     a citizen whose "name" is empty -> {"pointer": "/citizens/3/name", ...};
                     a CSV line whose 7th field (latitude) is not in -90..90 -> {"line", "column"}
  DELETE /jobs/{id}  queued: cancelled at once; running: cancelled at the next GET; 202 (200 when ended)
  GET /_fake/log     the other requests so far, "METHOD path" each (for tests)
A job takes max(2, rows / rows-per-step) running steps. --port 0 picks a free port; the port is
printed on the first line of stdout.
"""
import argparse
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
JOBS = {}
LOG = []
COUNTER = {"job": 0, "import": 0}


def problem(status, title, detail, errors=None):
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    return body


def check_import(body):
    """(rows, errors) of a citizens import; None when it is not JSON at all."""
    try:
        document = json.loads(body)
    except ValueError:
        return None
    citizens = document.get("citizens") if isinstance(document, dict) else None
    if not isinstance(citizens, list):
        return 0, [{"pointer": "/citizens", "detail": "must be an array of citizens"}]
    errors = []
    for index, citizen in enumerate(citizens):
        name = citizen.get("name") if isinstance(citizen, dict) else None
        if not isinstance(name, str) or not name.strip():
            errors.append({"pointer": f"/citizens/{index}/name", "detail": "must be a non-empty string"})
    return len(citizens), errors


def check_upload(body):
    rows, errors = 0, []
    for number, line in enumerate(body.decode("utf-8", "replace").splitlines(), start=1):
        if not line.strip() or (number == 1 and line.startswith("id,")):
            continue
        rows += 1
        fields = line.split(",")
        try:
            latitude = float(fields[6])
            good = -90 <= latitude <= 90
        except (IndexError, ValueError):
            good = False
        if not good:
            errors.append({"line": number, "column": "latitude", "detail": "must be a number from -90 to 90"})
    return rows, errors


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-insikt"
    key = "fake-key"
    rows_per_step = 5000

    def log_message(self, *args):
        pass

    def answer(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        is_problem = isinstance(body, dict) and "title" in body
        self.send_header("Content-Type", "application/problem+json" if is_problem else "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def authorized(self):
        if self.headers.get("Authorization") == f"Bearer {self.key}":
            return True
        self.answer(401, problem(401, "Unauthorized", "Send an API key: Authorization: Bearer <key>."),
                    [("WWW-Authenticate", "Bearer")])
        return False

    def record(self):
        with LOCK:
            LOG.append(f"{self.command} {self.path}")

    def job_answer(self, job, status=200):
        view = {k: v for k, v in job.items() if not k.startswith("_")}
        headers = [] if job["state"] in ("succeeded", "failed", "cancelled") else [("Retry-After", "1")]
        if status == 202:
            headers.append(("Location", f"/jobs/{job['id']}"))
        self.answer(status, {"data": view}, headers)

    def do_POST(self):
        self.record()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if not self.authorized():
            return
        media = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if self.path == "/imports":
            if media != "application/json":
                return self.answer(415, problem(415, "Unsupported Media Type", "Send the import as application/json."))
            checked = check_import(body)
            if checked is None:
                return self.answer(400, problem(400, "Bad Request", "The body is not JSON."))
            kind = "import"
        elif self.path in ("/upload", "/airports/upload"):
            if media != "text/csv":
                return self.answer(415, problem(415, "Unsupported Media Type", "Upload the CSV as text/csv."))
            checked = check_upload(body)
            kind = "airports_upload"
        else:
            return self.answer(404, problem(404, "Not Found", f"No route POST {self.path}."))
        rows, errors = checked
        with LOCK:
            COUNTER["job"] += 1
            job = {"id": COUNTER["job"], "kind": kind, "state": "queued", "progress": 0, "processed": 0,
                   "bytes": {"done": len(body), "total": len(body)}, "attempts": 0,
                   "created_at": "2026-01-01T00:00:00Z", "started_at": None, "finished_at": None,
                   "actor": "fake", "result": None, "error": None,
                   "_rows": rows, "_errors": errors, "_step": 0,
                   "_steps": max(2, -(-rows // self.rows_per_step)), "_cancel": False}
            JOBS[job["id"]] = job
        self.job_answer(job, 202)

    def job_for(self, path):
        try:
            job_id = int(path.rsplit("/", 1)[1])
        except ValueError:
            job_id = -1
        job = JOBS.get(job_id)
        if job is None:
            self.answer(404, problem(404, "Not Found", f"There is no job {path.rsplit('/', 1)[1]}."))
        return job

    def do_GET(self):
        if self.path == "/_fake/log":
            with LOCK:
                return self.answer(200, {"data": list(LOG)})
        self.record()
        if not self.path.startswith("/jobs/") or not self.authorized():
            if not self.path.startswith("/jobs/"):
                self.answer(404, problem(404, "Not Found", f"No route GET {self.path}."))
            return
        with LOCK:
            job = self.job_for(self.path)
            if job is None:
                return
            advance(job)
            self.job_answer(job)

    def do_DELETE(self):
        self.record()
        if not self.path.startswith("/jobs/") or not self.authorized():
            return
        with LOCK:
            job = self.job_for(self.path)
            if job is None:
                return
            if job["state"] in ("succeeded", "failed", "cancelled"):
                return self.job_answer(job, 200)
            if job["state"] == "queued":
                finish(job, "cancelled")
            else:
                job["_cancel"] = True
            view = {k: v for k, v in job.items() if not k.startswith("_")}
            self.answer(202, {"data": view}, [("Retry-After", "1")])


def advance(job):
    """One step further, as a GET sees it."""
    if job["state"] in ("succeeded", "failed", "cancelled"):
        return
    if job["_cancel"]:
        return finish(job, "cancelled")
    job["_step"] += 1
    step, steps = job["_step"], job["_steps"]
    if step == 1:
        return  # the first GET still sees it queued
    if step <= steps + 1:
        job["state"] = "running"
        job["started_at"] = job["started_at"] or "2026-01-01T00:00:01Z"
        job["progress"] = round((step - 1) / (steps + 1), 3)
        job["processed"] = int(job["_rows"] * job["progress"])
        return
    if job["_errors"]:
        title = "Bad Request"
        what = "citizens" if job["kind"] == "import" else "rows"
        error = problem(400, title, f"{len(job['_errors'])} {what} are invalid; nothing was stored.", job["_errors"])
        return finish(job, "failed", error=error)
    COUNTER["import"] += 1
    if job["kind"] == "import":
        result = {"import_id": COUNTER["import"], "href": f"/imports/{COUNTER['import']}"}
    else:
        result = {"rows": job["_rows"], "inserted": job["_rows"], "updated": 0}
    job["progress"], job["processed"] = 1, job["_rows"]
    finish(job, "succeeded", result=result)


def finish(job, state, result=None, error=None):
    job["state"], job["result"], job["error"] = state, result, error
    job["finished_at"] = "2026-01-01T00:00:02Z"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--key", default="fake-key")
    parser.add_argument("--rows-per-step", type=int, default=5000)
    args = parser.parse_args()
    Handler.key = args.key
    Handler.rows_per_step = args.rows_per_step
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
