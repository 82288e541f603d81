"""Following a job on one keep-alive connection until it ends (the bench's job and source lines)."""
import json
import time


def follow(connection, headers, job):
    """Polls GET /jobs/{id} every 20 ms from `job` (its `data`) until it has ended; the last job."""
    while job["state"] not in ("succeeded", "failed", "cancelled"):
        time.sleep(0.02)
        connection.request("GET", f"/jobs/{job['id']}", headers=headers)
        job = json.loads(connection.getresponse().read())["data"]
    return job
