"""Normalisation of the vendor fields the matching rules compare.

Two spellings of one vendor differ in case, accents, punctuation, legal-form suffixes ("Inc." / "Incorporated" /
none), the country prefix of a VAT number and the formatting of phone numbers; these functions remove exactly
those differences and nothing that tells two real companies apart (the city, the words of the name).
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

# Legal forms that say nothing about which company it is. Multi-word forms are matched as whole token sequences.
LEGAL_SUFFIXES: frozenset[str] = frozenset(
    {
        "inc",
        "incorporated",
        "llc",
        "llp",
        "lp",
        "ltd",
        "limited",
        "corp",
        "corporation",
        "co",
        "company",
        "plc",
        "gmbh",
        "ag",
        "kg",
        "sa",
        "sas",
        "sarl",
        "srl",
        "spa",
        "bv",
        "nv",
        "ab",
        "as",
        "oy",
        "pty",
        "pvt",
        "pc",
        "pllc",
        "lda",
        "kft",
        "sro",
    }
)
MULTI_WORD_SUFFIXES: tuple[tuple[str, ...], ...] = (("l", "l", "c"), ("s", "a"), ("b", "v"), ("n", "v"), ("a", "g"))
# Free mailbox providers: a shared domain there says nothing about being the same company.
FREE_MAIL_DOMAINS: frozenset[str] = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "msn.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "proton.me",
        "protonmail.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "mail.com",
    }
)
# Long legal forms are often misspelt ("Limted", "Incoporated"): a last word this close to one is that form.
LONG_LEGAL_FORMS: tuple[str, ...] = ("incorporated", "limited", "corporation", "company")
MISSPELT_FORM_SIMILARITY = 0.8
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_NON_ALNUM_UPPER = re.compile(r"[^0-9A-Z]+")


def ascii_fold(text: str) -> str:
    """'Müller Straße' → 'muller strasse' (accents dropped, ß expanded, lower-case)."""
    decomposed = unicodedata.normalize("NFKD", text.replace("ß", "ss").replace("ẞ", "SS"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def name_tokens(name: str | None) -> tuple[str, ...]:
    """The words that identify a company: folded, punctuation removed, '&' read as 'and', a leading 'the' and
    trailing legal forms dropped ('The Fabrikam, Inc.' → ('fabrikam',))."""
    if not name:
        return ()
    folded = ascii_fold(name).replace("&", " and ").replace("+", " and ")
    # "L.L.C." and "S.A." become single letters once the dots go: glue dotted initials first.
    folded = re.sub(r"\b((?:[a-z]\.){2,})", lambda m: m.group(1).replace(".", ""), folded)
    tokens = [t for t in _NON_ALNUM.split(folded.replace("'", "")) if t]
    if tokens and tokens[0] == "the" and len(tokens) > 1:
        tokens = tokens[1:]
    changed = True
    dropped = False
    while changed and len(tokens) > 1:
        changed = False
        if tokens[-1] in LEGAL_SUFFIXES or _misspelt_legal_form(tokens[-1]) or (dropped and tokens[-1] == "and"):
            tokens.pop()
            changed = dropped = True
            continue
        for form in MULTI_WORD_SUFFIXES:
            if len(tokens) > len(form) and tuple(tokens[-len(form) :]) == form:
                del tokens[-len(form) :]
                changed = dropped = True
                break
    return tuple(tokens)


def _misspelt_legal_form(word: str) -> bool:
    return len(word) >= 6 and any(
        SequenceMatcher(None, word, form).ratio() >= MISSPELT_FORM_SIMILARITY for form in LONG_LEGAL_FORMS
    )


def normalize_name(name: str | None) -> str:
    return " ".join(name_tokens(name))


def normalize_tax_id(value: str | None, country: str | None = None) -> str:
    """Upper-case alphanumerics; an EU-style two-letter country prefix is dropped ('DE 123-456' and '123456' are
    one number) so that NAV's VAT Registration No. and Stampli's tax id compare."""
    if not value:
        return ""
    cleaned = _NON_ALNUM_UPPER.sub("", ascii_fold(value).upper())
    if len(cleaned) > 4 and cleaned[:2].isalpha() and cleaned[2:].isdigit():
        cleaned = cleaned[2:]
    # A tax id of only zeros or a single repeated digit is a placeholder, not an identity.
    if not cleaned or len(set(cleaned)) == 1:
        return ""
    return cleaned


def normalize_postal_code(value: str | None, country: str | None = None) -> str:
    """Upper-case alphanumerics; a US ZIP+4 compares by its first five digits."""
    if not value:
        return ""
    cleaned = _NON_ALNUM_UPPER.sub("", value.upper())
    if len(cleaned) == 9 and cleaned.isdigit():
        cleaned = cleaned[:5]
    return cleaned


def email_domain(value: str | None) -> str:
    """The company domain of an e-mail address; empty for free mailbox providers and malformed addresses."""
    if not value or "@" not in value:
        return ""
    domain = value.rsplit("@", 1)[1].strip().strip(">").casefold()
    if "." not in domain or domain in FREE_MAIL_DOMAINS:
        return ""
    return domain


def normalize_phone(value: str | None) -> str:
    """The last ten digits (drops country codes and formatting); fewer than seven digits is no phone number."""
    if not value:
        return ""
    digits = re.sub(r"\D", "", value)
    if len(digits) < 7:
        return ""
    return digits[-10:]


def normalize_city(value: str | None) -> str:
    return " ".join(t for t in _NON_ALNUM.split(ascii_fold(value or "")) if t)
