"""Replace providers' ids by keyed hashes (design §6): the warehouse never holds a provider's ids."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

import duckdb
import polars as pl

from kim.contract import TABLES, Column

# 128 bits of HMAC-SHA-256 are plenty to keep ~10^7 ids collision-free and keep the warehouse small.
PSEUDONYM_HEX_CHARS = 32


def keyed_hash(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX_CHARS]


# HMAC-SHA-256 (RFC 2104) as a DuckDB expression: sha256(outer pad || sha256(inner pad || message)),
# vectorised over a column, on both cores. The pads are bound as parameters, never written into the
# SQL; `scope` is the message's prefix (the provider or "person"), as in keyed_hash.
HMAC_OF_IDS = """
SELECT scope, value,
       left(sha256($outer_pad || unhex(sha256($inner_pad || encode(scope || value)))), $hex_chars) AS pseudonym
FROM ids
"""
HMAC_BLOCK = 64  # SHA-256 block size in bytes
PSEUDONYM_COLUMN = "__pseudonym"
EMPTY_MAPPING = pl.DataFrame(schema={"value": pl.String, "pseudonym": pl.String})


def hmac_pads(key: bytes) -> tuple[bytes, bytes]:
    """The key's inner and outer HMAC pads (RFC 2104)."""
    if len(key) > HMAC_BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(HMAC_BLOCK, b"\0")
    return bytes(byte ^ 0x36 for byte in key), bytes(byte ^ 0x5C for byte in key)


def _scope(column: Column, provider_id: str) -> str:
    """Provider-scoped ids are hashed together with the provider id, so equal case numbers at two
    providers stay distinct; person ids are cross-provider and hashed alone."""
    return f"{provider_id}\x1f" if column.id_scope == "provider" else "person\x1f"


class Pseudonymiser:
    """HMAC pseudonyms under one key, computed inside an in-memory DuckDB: one query per delivery
    over the distinct (scope, id) pairs of all its tables (a case id recurs in five tables), about
    1 µs per id on two cores where hashlib called from Python per id took 3-5x longer. Nothing is
    kept between calls and nothing is written anywhere."""

    def __init__(self, key: str, threads: int | None = None) -> None:
        self._inner_pad, self._outer_pad = hmac_pads(key.encode("utf-8"))
        self._con = duckdb.connect(config={"threads": threads} if threads else {})

    def _pseudonyms(self, ids: pl.DataFrame) -> pl.DataFrame:
        parameters = {
            "outer_pad": self._outer_pad,
            "inner_pad": self._inner_pad,
            "hex_chars": PSEUDONYM_HEX_CHARS,
        }
        self._con.register("ids", ids.to_arrow())
        try:
            return self._con.sql(HMAC_OF_IDS, params=parameters).pl()
        finally:
            self._con.unregister("ids")

    def tables(self, frames: dict[str, pl.DataFrame], provider_id: str) -> dict[str, pl.DataFrame]:
        """Every id column of every table replaced by its pseudonym."""
        id_columns = [(table, column) for table in frames for column in TABLES[table] if column.type == "id"]
        if not id_columns:
            return dict(frames)
        ids = pl.concat(
            [
                frames[table].select(
                    scope=pl.lit(_scope(column, provider_id)), value=pl.col(column.name).cast(pl.String)
                )
                for table, column in id_columns
            ]
        )
        pseudonyms = self._pseudonyms(ids.drop_nulls().unique())
        by_scope = {
            scope: frame.drop("scope") for (scope,), frame in pseudonyms.partition_by("scope", as_dict=True).items()
        }
        hashed = {}
        for table, frame in frames.items():
            for column in (column for column in TABLES[table] if column.type == "id"):
                mapping = by_scope.get(_scope(column, provider_id), EMPTY_MAPPING).rename(
                    {"value": column.name, "pseudonym": PSEUDONYM_COLUMN}
                )
                # a left join keeps the frame's row order; a missing id stays missing
                frame = (
                    frame.with_columns(pl.col(column.name).cast(pl.String))
                    .join(mapping, on=column.name, how="left", maintain_order="left")
                    .with_columns(pl.col(PSEUDONYM_COLUMN).alias(column.name))
                    .drop(PSEUDONYM_COLUMN)
                )
            hashed[table] = frame
        return hashed

    def table(self, frame: pl.DataFrame, table: str, provider_id: str) -> pl.DataFrame:
        """One table's id columns replaced by their pseudonyms."""
        return self.tables({table: frame}, provider_id)[table]


# The stored fingerprint of the key (design §6): a salted, slow KDF, so that whoever reads the
# warehouse cannot test guesses of the key offline at hash speed. scrypt with N = 2^15, r = 8
# takes about 0.1 s and 32 MiB per guess.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
SCRYPT_MAXMEM = 64 * 1024 * 1024
FINGERPRINT_SCHEME = "scrypt"
LEGACY_LABEL = "kim-monitor key fingerprint"


def key_fingerprint(key: str, salt: bytes | None = None) -> str:
    """'scrypt$N$r$p$<salt hex>$<digest hex>': identifies a key without revealing it."""
    salt = secrets.token_bytes(16) if salt is None else salt
    digest = _scrypt(key, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return "$".join([FINGERPRINT_SCHEME, str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), salt.hex(), digest.hex()])


def _scrypt(key: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(key.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=SCRYPT_MAXMEM, dklen=32)


def is_legacy_fingerprint(stored: str) -> bool:
    """A fingerprint of the first warehouses (one fast HMAC, no salt): to be replaced."""
    return not stored.startswith(FINGERPRINT_SCHEME + "$")


@functools.lru_cache(maxsize=8)  # every delivery of a run checks the same key: one scrypt per run
def fingerprint_matches(key: str, stored: str) -> bool:
    """Whether `key` is the key `stored` was made from (either scheme), in constant time."""
    if is_legacy_fingerprint(stored):
        return hmac.compare_digest(keyed_hash(key.encode("utf-8"), LEGACY_LABEL), stored)
    try:
        _, n, r, p, salt, digest = stored.split("$")
        found = _scrypt(key, bytes.fromhex(salt), int(n), int(r), int(p))
    except ValueError:
        return False  # a damaged fingerprint matches no key
    return hmac.compare_digest(found.hex(), digest)
