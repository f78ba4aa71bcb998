"""A realistic go-live vendor fixture, generated deterministically (same seed, same vendors).

About 300 Stampli vendors and 290 NAV vendors, keyed differently (Stampli `S-10xx` ids, NAV `V1xxxx` numbers):
- true pairs whose Stampli side has the usual noise: legal-suffix variants (Inc / Inc. / Incorporated / none),
  case and punctuation, one-letter typos, tax ids formatted differently or missing, ZIP+4, reformatted phones,
  missing e-mails;
- a few true pairs with almost nothing to go on (moved, no tax id, no e-mail, no phone): these belong in review;
- chains: one name in several cities, each a separate NAV vendor, and Stampli namesakes in a city NAV lacks;
- group companies: the same name as a NAV vendor but another tax id;
- vendors only Stampli has, and vendors only NAV has.

`python vendor_fixture.py DIR` writes stampli_vendors.csv, nav_vendors.csv and truth.csv for a look.
"""

from __future__ import annotations

import csv
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SEED = 15
SYLLABLES = [
    "ka",
    "ro",
    "lin",
    "ver",
    "dan",
    "mo",
    "tex",
    "ar",
    "bel",
    "cor",
    "dex",
    "fin",
    "gar",
    "hol",
    "ion",
    "jas",
    "kel",
    "lum",
    "mar",
    "nor",
    "pax",
    "quin",
    "ros",
    "sol",
    "tar",
    "ul",
    "vin",
    "wes",
    "yor",
    "zen",
    "bri",
    "cal",
    "dur",
    "eth",
    "fal",
    "gro",
    "hul",
    "ist",
    "jor",
    "kra",
    "lev",
    "mul",
    "nex",
    "orb",
    "pel",
    "qua",
    "rev",
    "sig",
    "tov",
    "umb",
    "vel",
    "wyn",
    "xan",
    "yel",
    "zor",
]
NOUNS = (
    "Traders",
    "Logistics",
    "Office Supply",
    "Electric",
    "Foods",
    "Consulting",
    "Printing",
    "Machinery",
    "Software",
    "Plumbing",
    "Freight",
    "Packaging",
    "Industries",
    "Metals",
    "Textiles",
    "Labs",
    "Builders",
    "Analytics",
)
SUFFIXES = (("Inc.", "Inc", "Incorporated", ""), ("LLC", "L.L.C.", "llc", ""), ("Ltd", "Limited", "Ltd.", ""))
CITIES = (
    ("Chicago", "IL", "60601"),
    ("Denver", "CO", "80202"),
    ("Austin", "TX", "78701"),
    ("Seattle", "WA", "98101"),
    ("Boston", "MA", "02108"),
    ("Atlanta", "GA", "30303"),
    ("Phoenix", "AZ", "85004"),
    ("Portland", "OR", "97204"),
    ("Miami", "FL", "33130"),
    ("Columbus", "OH", "43215"),
    ("Nashville", "TN", "37203"),
    ("Madison", "WI", "53703"),
)


@dataclass
class Company:
    stem: str
    noun: str
    suffix_family: int
    city: tuple[str, str, str]
    tax_id: str
    phone: str
    domain: str
    extra: dict[str, Any] = field(default_factory=dict)

    def name(self, suffix: str) -> str:
        base = f"{self.stem} {self.noun}"
        return f"{base}, {suffix}" if suffix.startswith("Inc") and suffix else f"{base} {suffix}".strip()


@dataclass
class Fixture:
    stampli: list[dict[str, Any]]
    nav: list[dict[str, Any]]
    truth: dict[str, str]  # Stampli vendor_id -> NAV number, for every true pair
    hard: set[str]  # Stampli ids of true pairs with too little evidence for high confidence


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.stems: set[str] = set()
        self.tax_ids: set[str] = set()
        self.nav_number = 10000
        self.stampli_number = 1000

    def stem(self) -> str:
        while True:
            word = "".join(self.rng.choice(SYLLABLES) for _ in range(self.rng.choice((2, 3)))).capitalize()
            if word not in self.stems and len(word) >= 5:
                self.stems.add(word)
                return word

    def tax_id(self) -> str:
        while True:
            digits = f"{self.rng.randrange(10, 99)}-{self.rng.randrange(1000000, 9999999)}"
            if digits not in self.tax_ids:
                self.tax_ids.add(digits)
                return digits

    def phone(self) -> str:
        return f"{self.rng.randrange(200, 989)}{self.rng.randrange(200, 999)}{self.rng.randrange(1000, 9999)}"

    def company(self, stem: str | None = None, city: tuple[str, str, str] | None = None) -> Company:
        stem = stem or self.stem()
        return Company(
            stem=stem,
            noun=self.rng.choice(NOUNS),
            suffix_family=self.rng.randrange(len(SUFFIXES)),
            city=city or self.rng.choice(CITIES),
            tax_id=self.tax_id(),
            phone=self.phone(),
            domain=f"{stem.lower()}.com",
        )

    def next_nav(self) -> str:
        self.nav_number += 10
        return f"V{self.nav_number}"

    def next_stampli(self) -> str:
        self.stampli_number += 1
        return f"S-{self.stampli_number}"

    # -- the two sides' spellings ------------------------------------------------------------------------------
    def nav_record(self, company: Company, number: str, *, with_tax_id: bool = True) -> dict[str, Any]:
        city, state, postal = company.city
        phone = company.phone
        return {
            "number": number,
            "displayName": company.name(SUFFIXES[company.suffix_family][0]),
            "city": city,
            "state": state,
            "postalCode": postal,
            "country": "US",
            "email": f"ap@{company.domain}",
            "phoneNumber": f"({phone[:3]}) {phone[3:6]}-{phone[6:]}",
            "taxRegistrationNumber": company.tax_id if with_tax_id else "",
        }

    def stampli_record(self, company: Company, vendor_id: str, *, noisy: bool = True) -> dict[str, Any]:
        rng = self.rng
        city, state, postal = company.city
        name = company.name(rng.choice(SUFFIXES[company.suffix_family]))
        if noisy and rng.random() < 0.25:
            name = self.typo(name)
        if noisy and rng.random() < 0.15:
            name = name.upper()
        if noisy and rng.random() < 0.1:
            name = name.replace(",", "").replace(".", "")
        tax = company.tax_id
        roll = rng.random()
        if roll < 0.3:
            tax = ""
        elif roll < 0.45:
            tax = tax.replace("-", "")
        elif roll < 0.55:
            tax = "US" + tax.replace("-", "")
        phone = company.phone
        phone_text = rng.choice((f"{phone[:3]}-{phone[3:6]}-{phone[6:]}", f"+1 {phone}", phone, ""))
        return {
            "vendor_id": vendor_id,
            "vendor_name": name,
            "city": city,
            "state": state,
            "postal_code": postal + ("-" + str(rng.randrange(1000, 9999)) if rng.random() < 0.1 else ""),
            "country": "US",
            "email": "" if rng.random() < 0.2 else f"{rng.choice(('billing', 'ar', 'invoices'))}@{company.domain}",
            "phone": phone_text,
            "tax_id": tax,
        }

    def typo(self, name: str) -> str:
        words = name.split(" ")
        long_words = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
        if not long_words:
            return name
        i = self.rng.choice(long_words)
        word = words[i]
        at = self.rng.randrange(1, len(word) - 1)
        kind = self.rng.choice(("drop", "swap", "replace"))
        if kind == "drop":
            word = word[:at] + word[at + 1 :]
        elif kind == "swap":
            word = word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]
        else:
            word = word[:at] + self.rng.choice("aeiou") + word[at + 1 :]
        words[i] = word
        return " ".join(words)


def generate(seed: int = SEED) -> Fixture:
    gen = _Generator(seed)
    stampli: list[dict[str, Any]] = []
    nav: list[dict[str, Any]] = []
    truth: dict[str, str] = {}
    hard: set[str] = set()

    # Ordinary true pairs.
    for _ in range(230):
        company = gen.company()
        number, vendor_id = gen.next_nav(), gen.next_stampli()
        nav.append(gen.nav_record(company, number, with_tax_id=gen.rng.random() < 0.85))
        stampli.append(gen.stampli_record(company, vendor_id))
        truth[vendor_id] = number

    # True pairs with almost nothing in common but the name: moved, no tax id, no e-mail, no phone.
    for _ in range(5):
        company = gen.company()
        number, vendor_id = gen.next_nav(), gen.next_stampli()
        nav.append(gen.nav_record(company, number, with_tax_id=False))
        record = gen.stampli_record(company, vendor_id, noisy=False)
        moved_to = next(c for c in CITIES if c != company.city)
        record.update(city=moved_to[0], state=moved_to[1], postal_code=moved_to[2], email="", phone="", tax_id="")
        stampli.append(record)
        truth[vendor_id] = number
        hard.add(vendor_id)

    # Chains: one name in three cities in NAV (own tax ids), Stampli knows two of them, plus a namesake in a city
    # NAV does not have.
    for _ in range(8):
        stem = gen.stem()
        cities = gen.rng.sample(CITIES, 4)
        branches = [gen.company(stem=stem, city=city) for city in cities]
        for branch in branches[1:]:
            branch.noun, branch.suffix_family = branches[0].noun, branches[0].suffix_family
        for branch in branches[:3]:
            branch.extra["nav"] = gen.next_nav()
            nav.append(gen.nav_record(branch, branch.extra["nav"]))
        for branch in branches[:2]:
            vendor_id = gen.next_stampli()
            stampli.append(gen.stampli_record(branch, vendor_id))
            truth[vendor_id] = branch.extra["nav"]
        stampli.append(gen.stampli_record(branches[3], gen.next_stampli()))

    # Group companies: NAV's name, another tax id (a sister company Stampli pays separately).
    for _ in range(10):
        company = gen.company()
        nav.append(gen.nav_record(company, gen.next_nav()))
        sister = gen.company(stem=company.stem, city=company.city)
        sister.noun, sister.suffix_family = company.noun, company.suffix_family
        sister.domain = f"{company.stem.lower()}-group.com"
        record = gen.stampli_record(sister, gen.next_stampli(), noisy=False)
        record["tax_id"] = sister.tax_id
        stampli.append(record)

    # Only in Stampli, only in NAV.
    for _ in range(40):
        stampli.append(gen.stampli_record(gen.company(), gen.next_stampli()))
    for _ in range(25):
        nav.append(gen.nav_record(gen.company(), gen.next_nav()))

    gen.rng.shuffle(stampli)
    gen.rng.shuffle(nav)
    return Fixture(stampli=stampli, nav=nav, truth=truth, hard=hard)


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    fixture = generate()
    write_csv(target / "stampli_vendors.csv", fixture.stampli)
    write_csv(target / "nav_vendors.csv", fixture.nav)
    write_csv(target / "truth.csv", [{"vendor_id": k, "nav_number": v} for k, v in sorted(fixture.truth.items())])
    print(f"{len(fixture.stampli)} Stampli vendors, {len(fixture.nav)} NAV vendors, {len(fixture.truth)} true pairs")
