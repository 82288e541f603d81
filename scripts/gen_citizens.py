#!/usr/bin/env python3
"""Writes a deterministic citizens import: gen_citizens.py COUNT LINKS [SEED] > import.json

Realistic strings (Cyrillic, Latin with diacritics, CJK), symmetric relatives, valid dates."""
import json
import random
import sys

TOWNS = ["Москва", "Санкт-Петербург", "Керчь", "Göteborg", "Malmö", "Zürich", "Tromsø", "São Paulo", "東京", "Łódź"]
STREETS = ["Льва Толстого", "Иосифа Бродского", "Storgatan", "Main Street", "Rue de la Paix", "Via Roma", "Kungsgatan"]
FIRST = ["Иван", "Мария", "Sergei", "Anna", "José", "Zoë", "Björn", "小龍", "Ольга", "Liam"]
LAST = ["Иванов", "Романова", "Svensson", "Núñez", "O'Brien", "Müller", "Lindqvist", "李", "Петров", "Smith"]


def main():
    count = int(sys.argv[1])
    links = int(sys.argv[2])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 2019)
    relatives = {}
    for _ in range(links):
        a, b = rng.randint(1, count), rng.randint(1, count)
        relatives.setdefault(a, set()).add(b)
        relatives.setdefault(b, set()).add(a)
    out = sys.stdout
    out.write('{"citizens":[')
    for cid in range(1, count + 1):
        citizen = {
            "citizen_id": cid,
            "town": rng.choice(TOWNS),
            "street": rng.choice(STREETS),
            "building": f"{rng.randint(1, 200)}к{rng.randint(1, 9)}стр{rng.randint(1, 5)}",
            "apartment": rng.randint(1, 999),
            "name": f"{rng.choice(LAST)} {rng.choice(FIRST)} {rng.choice(FIRST)}ович",
            "birth_date": f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.randint(1940, 2015)}",
            "gender": rng.choice(["male", "female"]),
            "relatives": sorted(relatives.get(cid, ())),
        }
        if cid > 1:
            out.write(",")
        out.write(json.dumps(citizen, ensure_ascii=False, separators=(",", ":")))
    out.write("]}")


if __name__ == "__main__":
    main()
