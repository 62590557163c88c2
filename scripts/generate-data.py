#!/usr/bin/env python3
"""Regenerates the example dataset under data/ (deterministic: same bytes on every run).

The committed files are what the example application reads; run this only to change them:
    python3 scripts/generate-data.py data
Tables: customers (CSV), products (newline-delimited JSON), orders (one CSV per month of 2024).
They carry what real exports carry: nulls (empty CSV fields, JSON null), dates, decimal prices,
orders whose customer is unknown, and a mix of order states.
"""
import json
import os
import random
import sys
from datetime import date, timedelta

COUNTRIES = ["DE", "FR", "ES", "IT", "NL", "PL", "SE", "US", "GB", "JP", "BR", "IN"]
SEGMENTS = ["consumer", "small_business", "enterprise"]
CATEGORIES = ["books", "electronics", "garden", "kitchen", "sports", "toys", "clothing", "office"]
STATUSES = ["completed"] * 16 + ["cancelled"] * 2 + ["returned", "pending"]
FIRST = ["Ada", "Ben", "Chen", "Dana", "Emil", "Fatima", "Gus", "Hana", "Ivan", "Jia", "Kofi", "Lena",
         "Mateo", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Uma", "Viktor", "Wen", "Yara"]
LAST = ["Meyer", "Dubois", "Garcia", "Rossi", "de Vries", "Nowak", "Berg", "Smith", "Jones", "Sato",
        "Silva", "Patel", "Kim", "Okafor", "Novak", "Larsen"]
NOUNS = ["Lamp", "Kettle", "Novel", "Drill", "Ball", "Puzzle", "Jacket", "Stapler", "Rake", "Phone",
         "Blender", "Atlas", "Racket", "Robot", "Scarf", "Notebook"]
ADJECTIVES = ["Classic", "Smart", "Compact", "Deluxe", "Eco", "Pro", "Mini", "Ultra"]

CUSTOMERS = 2000
PRODUCTS = 200
ORDERS_PER_MONTH = 5000


def main(out):
    rng = random.Random(20241125)
    os.makedirs(os.path.join(out, "orders"), exist_ok=True)

    with open(os.path.join(out, "customers.csv"), "w", newline="\n") as f:
        f.write("customer_id,name,email,country,segment,signup_date\n")
        for cid in range(1, CUSTOMERS + 1):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            email = "" if rng.random() < 0.05 else f"{first}.{last}{cid}@example.com".lower().replace(" ", "")
            segment = "" if rng.random() < 0.03 else rng.choice(SEGMENTS)
            signup = date(2019, 1, 1) + timedelta(days=rng.randrange(0, 5 * 365))
            name = f"{first} {last}"
            f.write(f"{cid},{name},{email},{rng.choice(COUNTRIES)},{segment},{signup.isoformat()}\n")

    prices = {}
    with open(os.path.join(out, "products.json"), "w", newline="\n") as f:
        for pid in range(1, PRODUCTS + 1):
            price = rng.randrange(199, 49999) / 100
            prices[pid] = price
            record = {
                "product_id": pid,
                "name": f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {pid}",
                "category": None if rng.random() < 0.03 else rng.choice(CATEGORIES),
                "price": price,
                "active": rng.random() > 0.1,
            }
            f.write(json.dumps(record) + "\n")

    order_id = 100000
    for month in range(1, 13):
        first_day = date(2024, month, 1)
        days = ((date(2024 + month // 12, month % 12 + 1, 1)) - first_day).days
        with open(os.path.join(out, "orders", f"orders-2024-{month:02d}.csv"), "w", newline="\n") as f:
            f.write("order_id,customer_id,product_id,quantity,unit_price,discount,order_date,status\n")
            for _ in range(ORDERS_PER_MONTH):
                order_id += 1
                # About 1% of orders reference customers missing from the customer export.
                cid = rng.randrange(1, CUSTOMERS + 1) if rng.random() > 0.01 else rng.randrange(CUSTOMERS + 1, CUSTOMERS + 200)
                pid = rng.randrange(1, PRODUCTS + 1)
                quantity = rng.choice([1, 1, 1, 2, 2, 3, 4, 5, 10])
                discount = "" if rng.random() < 0.6 else f"{rng.choice([0.05, 0.1, 0.15, 0.2, 0.25]):.2f}"
                day = first_day + timedelta(days=rng.randrange(0, days))
                f.write(f"{order_id},{cid},{pid},{quantity},{prices[pid]:.2f},{discount},{day.isoformat()},{rng.choice(STATUSES)}\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "data")
