"""The requests scripts/compare-instructions counts, on one keep-alive connection each: warm-up,
then per phase: zero callgrind's counters, send the requests, dump (files .1, .2, .3 in order)."""
import http.client
import json
import os
import subprocess
import sys

port, key, count, pid, prefix = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
auth = {"Authorization": f"Bearer {key}"}
connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)


def request(method, path, body=None, headers=None):
    connection.request(method, path, body=body, headers=headers or {})
    answer = connection.getresponse()
    data = answer.read()
    if answer.status >= 300:
        sys.exit(f"{method} {path}: {answer.status} {data[:300]!r}")
    return data


def callgrind(option, phase):
    subprocess.run(["callgrind_control", option, pid], check=True, stdout=subprocess.DEVNULL)
    if option == "-d":
        base = f"{prefix}.{pid}.out."
        folder = os.path.dirname(prefix)
        dumps = [f for f in os.listdir(folder)
                 if os.path.join(folder, f).startswith(base) and f.rsplit(".", 1)[-1].isdigit()]
        newest = max(dumps, key=lambda f: int(f.rsplit(".", 1)[-1]))
        os.rename(os.path.join(folder, newest), base + phase)


with open(os.path.join(root, "Tests/Fixtures/airports.csv"), "rb") as f:
    request("POST", "/upload", f.read(), {**auth, "Content-Type": "text/csv"})
citizens = [{"citizen_id": i, "town": f"Town {i % 7}", "street": "Street", "building": "1", "apartment": i,
             "name": f"Person {i}", "birth_date": f"{1 + i % 28:02d}.{1 + i % 12:02d}.{1950 + i % 60}",
             "gender": "male" if i % 2 else "female", "relatives": []} for i in range(1, 101)]
body = json.dumps({"citizens": citizens}).encode()
for _ in range(200):
    request("GET", "/healthz")
    request("GET", "/airports/3469", headers=auth)
for _ in range(10):
    request("POST", "/imports", body, {**auth, "Content-Type": "application/json"})

for phase, send in (("healthz", lambda: request("GET", "/healthz")),
                    ("airport", lambda: request("GET", "/airports/3469", headers=auth)),
                    ("import", None)):
    callgrind("-z", phase)
    if send:
        for _ in range(count):
            send()
    else:
        for _ in range(100):
            request("POST", "/imports", body, {**auth, "Content-Type": "application/json"})
    callgrind("-d", phase)
print(f"counted {count} GETs per phase and 100 imports on port {port}")
