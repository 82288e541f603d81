"""Real calls through the client openapi-python-client generated from openapi.json.

Usage: INSIKT_KEY=<admin key> python calls.py BASE_URL  (with the generated package `insikt_client`
on PYTHONPATH).
Each answer is parsed by the generated models, so a field the spec calls required but the
server leaves out, or a status the spec does not list, fails here.
"""
import io
import os
import random
import sys

from insikt_client import AuthenticatedClient, Client
from insikt_client.api.airports import (change_airport, create_airport, delete_airport, get_airport,
                                        list_airports, upload_airports, upload_airports_under_airports)
from insikt_client.api.citizens import age_percentiles, birthdays, create_import, list_citizens, list_imports, patch_citizen
from insikt_client.api.keys import create_key, list_keys, revoke_key
from insikt_client.api.links import confirm, stage_update_airport
from insikt_client.api.operations import healthz, readyz
from insikt_client.models import (AgePercentiles, APIKeyCreated, APIKeyInput, APIKeyList, ImportPage, Role, Airport, AirportInput, AirportMergePatch, AirportPage,
                                  AirportResponse, Birthdays, Citizen, CitizenGender, CitizenPatch, Dst,
                                  HealthzResponse200, ImportCreated, ImportRequest, ListCitizensResponse200,
                                  PatchCitizenResponse200, Problem, ReadyzResponse200, Staged,
                                  UploadAirportsUnderAirportsFilesBody, UploadResult)
from insikt_client.types import File

calls = 0


def call(what, module, expected_status, expected_type, **arguments):
    """One call; its status and parsed type must be the expected ones."""
    global calls
    response = module.sync_detailed(client=client, **arguments)
    calls += 1
    if response.status_code != expected_status or not isinstance(response.parsed, expected_type):
        sys.exit(f"!! {what}: expected {expected_status} {expected_type.__name__}, got {int(response.status_code)} "
                 f"{type(response.parsed).__name__}: {response.content[:500]!r}")
    return response.parsed


def check(condition, what):
    if not condition:
        sys.exit(f"!! {what}")


# The key goes as Authorization: Bearer, the way the spec's security scheme tells the generator.
client = AuthenticatedClient(base_url=sys.argv[1], token=os.environ["INSIKT_KEY"], raise_on_unexpected_status=True, timeout=30)

call("healthz", healthz, 200, HealthzResponse200)
call("readyz", readyz, 200, ReadyzResponse200)

# Airports: create, read, change, stage and confirm an update, list, delete.
created = call("create an airport", create_airport, 201, AirportResponse, body=AirportInput(
    name="Client Field", city="Clientby", country="Sweden", latitude=59.5, longitude=17.25,
    dst=Dst.E, timezone=1.0)).data
check(isinstance(created, Airport) and created.name == "Client Field" and created.dst == Dst.E, f"created {created}")
check(created.iata is None and created.deleted_at is None, f"absent fields come back null: {created}")
read = call("get the airport", get_airport, 200, AirportResponse, id=created.id).data
check(read.to_dict() == created.to_dict(), f"read {read} != created {created}")
changed = call("merge-patch it", change_airport, 200, AirportResponse, id=created.id,
               body=AirportMergePatch(name="Client Field 2", iata="CLF")).data
check(changed.name == "Client Field 2" and changed.iata == "CLF" and changed.version == created.version + 1, f"changed {changed}")
staged = call("stage an update", stage_update_airport, 202, Staged, id=created.id, city="Otherby", altitude=12).data
check(staged.confirm == f"/confirmations/{staged.token}", f"staged {staged}")
confirmed = call("confirm it", confirm, 200, AirportResponse, token=staged.token).data
check(confirmed.city == "Otherby" and confirmed.altitude == 12, f"confirmed {confirmed}")
call("confirm it again", confirm, 410, Problem, token=staged.token)
page = call("list airports", list_airports, 200, AirportPage, limit=1, after=created.id - 1)
check([a.id for a in page.data] == [created.id], f"page {page}")
call("delete it", delete_airport, 204, type(None), id=created.id)
missing = call("get the deleted airport", get_airport, 404, Problem, id=created.id)
check(missing.status == 404 and missing.detail, f"problem {missing}")

# Uploads: the same CSV as a body (the generated client sends it as application/octet-stream) and as a multipart file.
upload_id = random.randrange(900_000_000, 2_000_000_000)


def airports_csv(name):
    return ("id,name,city,country,iata,icao,latitude,longitude,altitude,timezone,DST,tz,type,source\n"
            f'{upload_id},"{name}","Upby","Sweden",,,59.1,17.2,10,1,"E","Europe/Stockholm","airport","client"\n').encode()


stored = call("upload a CSV body", upload_airports, 200, UploadResult,
              body=File(payload=io.BytesIO(airports_csv("Uploaded")), file_name="airports.csv", mime_type="text/csv")).data
check((stored.rows, stored.inserted, stored.updated) == (1, 1, 0), f"upload {stored}")
stored = call("upload multipart", upload_airports_under_airports, 200, UploadResult, body=UploadAirportsUnderAirportsFilesBody(
    file=File(payload=io.BytesIO(airports_csv("Uploaded again")), file_name="airports.csv", mime_type="text/csv"))).data
check((stored.rows, stored.inserted, stored.updated) == (1, 0, 1), f"upload {stored}")
uploaded = call("get the uploaded airport", get_airport, 200, AirportResponse, id=upload_id).data
check(uploaded.name == "Uploaded again" and uploaded.iata is None and uploaded.dst == Dst.E, f"uploaded {uploaded}")
bad = call("upload a bad file", upload_airports, 400, Problem,
           body=File(payload=io.BytesIO(b"not,a,header\n"), mime_type="text/csv"))
check(bad.errors and bad.errors[0].detail, f"problem {bad}")
call("delete the uploaded airport", delete_airport, 204, type(None), id=upload_id)

# Citizens: store an import, read it, change one, and the two statistics.
people = [
    Citizen(citizen_id=1, town="Керчь", street="Иосифа Бродского", building="2", apartment=11, name="Мария",
            birth_date="23.11.1986", gender=CitizenGender.FEMALE, relatives=[2]),
    Citizen(citizen_id=2, town="Керчь", street="Иосифа Бродского", building="2", apartment=11, name="Иван",
            birth_date="17.04.1997", gender=CitizenGender.MALE, relatives=[1]),
]
import_id = call("store an import", create_import, 201, ImportCreated, body=ImportRequest(citizens=people)).data.import_id
stored_people = call("list its citizens", list_citizens, 200, ListCitizensResponse200, import_id=import_id).data
check([c.to_dict() for c in stored_people] == [c.to_dict() for c in people], f"citizens {stored_people}")
months = call("birthdays", birthdays, 200, Birthdays, import_id=import_id).data
presents = {m: [(p.citizen_id, p.presents) for p in getattr(months, f"field_{m}")] for m in range(1, 13)}
check(presents == {m: [(1, 1)] if m == 4 else [(2, 1)] if m == 11 else [] for m in range(1, 13)}, f"birthdays {presents}")
patched = call("patch a citizen", patch_citizen, 200, PatchCitizenResponse200, import_id=import_id, citizen_id=2,
               body=CitizenPatch(relatives=[])).data
check(patched.relatives == [], f"patched {patched}")
towns = call("age percentiles", age_percentiles, 200, AgePercentiles, import_id=import_id).data
check([t.town for t in towns] == ["Керчь"], f"percentiles {towns}")
call("list citizens of no import", list_citizens, 404, Problem, import_id=2**62)
page = call("list imports", list_imports, 200, ImportPage, limit=5)
check(import_id in [i.import_id for i in page.data], f"imports {page}")

# Keys: an admin makes a reader key; it reads, is refused a write, and stops working when revoked.
made = call("make a reader key", create_key, 201, APIKeyCreated,
            body=APIKeyInput(name="generated client", role=Role.READER)).data
check(made.key.startswith(f"ik_{made.id}_"), f"key {made.id}")
listed = call("list keys", list_keys, 200, APIKeyList).data
check(made.id in [k.id for k in listed], "the new key is listed")
reader = AuthenticatedClient(base_url=sys.argv[1], token=made.key, raise_on_unexpected_status=True, timeout=30)
client, admin = reader, client
call("read with the reader key", list_imports, 200, ImportPage, limit=1)
call("write with the reader key", create_import, 403, Problem, body=ImportRequest(citizens=people))
client = Client(base_url=sys.argv[1], raise_on_unexpected_status=True, timeout=30)
call("read without a key", list_imports, 401, Problem)
client = admin
call("revoke the reader key", revoke_key, 204, type(None), key_id=made.id)

print(f"the generated client made {calls} calls, each answered as the spec says")
