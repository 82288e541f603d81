#!/usr/bin/env python3
"""Writes a deterministic airports CSV in the OpenFlights format: gen_airports.py ROWS [SEED] > file.csv

Quoted strings with commas and doubled quotes, NULL (empty unquoted) and "" fields, fractional
time zones, no newline after the last line, like the real file. Ids start at FIRST_ID, far above
the real file's (OpenFlights ends near 14,110): an upload is an upsert by id, and generated rows
with the real ids replaced the real airports."""
import random
import sys

NAMES = ["Goroka Airport", "Magdeburg \"City\" Airport", "Winnipeg / St. Andrews Airport", "Köln, Bonn", "São Paulo–Guarulhos", "東京国際空港"]
CITIES = ["Goroka", "Magdeburg", "Winnipeg", "Köln", "São Paulo", "Tokyo", ""]
COUNTRIES = ["Papua New Guinea", "Germany", "Canada", "Brazil", "Japan", "India"]
FIRST_ID = 100_000_001
TZ = ["Pacific/Port_Moresby", "Europe/Berlin", "America/Winnipeg", "America/Sao_Paulo", "Asia/Tokyo", "Asia/Kolkata"]


def main():
    rows = int(sys.argv[1])
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    out = sys.stdout
    out.write("id,name,city,country,iata,icao,latitude,longitude,altitude,timezone,DST,tz,type,source")
    for i in range(FIRST_ID, FIRST_ID + rows):
        q = lambda s: '"' + s.replace('"', '""') + '"'
        iata = q("".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(3))) if rng.random() < 0.8 else ""
        tz = rng.choice([str(rng.randint(-11, 12)), "5.75", "-3.5", "9.5"]) if rng.random() < 0.95 else ""
        out.write("\n" + ",".join([
            str(i), q(rng.choice(NAMES)), q(rng.choice(CITIES)), q(rng.choice(COUNTRIES)), iata,
            q("".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(4))),
            repr(rng.uniform(-90, 90)), repr(rng.uniform(-180, 180)), str(rng.randint(-100, 14000)), tz,
            q(rng.choice("EASOZNU")) if tz else "", q(rng.choice(TZ)) if tz else "", q("airport"), q("OurAirports"),
        ]))


if __name__ == "__main__":
    main()
