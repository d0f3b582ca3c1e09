"""Replace providers' ids by keyed hashes (design §6): the warehouse never holds a provider's ids."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

import polars as pl

from kim.contract import TABLES

# 128 bits of HMAC-SHA-256 are plenty to keep ~10^7 ids collision-free and keep the warehouse small.
PSEUDONYM_HEX_CHARS = 32


def keyed_hash(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX_CHARS]


class _KeyedHasher:
    """keyed_hash with the key's inner and outer SHA-256 states computed once (RFC 2104): the same
    digest as hmac.new, at well under half the cost per id, which matters at millions of ids."""

    BLOCK = 64  # SHA-256 block size in bytes

    def __init__(self, key: bytes) -> None:
        if len(key) > self.BLOCK:
            key = hashlib.sha256(key).digest()
        key = key.ljust(self.BLOCK, b"\0")
        self._inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in key))
        self._outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in key))

    def __call__(self, message: str) -> str:
        inner = self._inner.copy()
        inner.update(message.encode("utf-8"))
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()[:PSEUDONYM_HEX_CHARS]


class Pseudonymiser:
    """HMAC pseudonyms under one key, remembering those already made: a provider's monthly
    snapshots repeat the same ids, so consecutive deliveries reuse them. The memory holds only
    pseudonyms being made now and is never written anywhere; `forget()` empties it (between
    providers, to bound its size)."""

    def __init__(self, key: str) -> None:
        self._hash = _KeyedHasher(key.encode("utf-8"))
        self._known: dict[str, str] = {}

    def forget(self) -> None:
        self._known.clear()

    def _mapping(self, values: pl.Series, scope_prefix: str) -> dict[str, str]:
        # One HMAC per distinct id not seen before, not per row: ids repeat a lot.
        distinct = values.drop_nulls().unique().to_list()
        known, keyed = self._known, self._hash
        for value in distinct:
            message = scope_prefix + value
            if message not in known:
                known[message] = keyed(message)
        return {value: known[scope_prefix + value] for value in distinct}

    def table(self, frame: pl.DataFrame, table: str, provider_id: str) -> pl.DataFrame:
        """Hash every id column. Provider-scoped ids are hashed together with the provider id, so
        equal case numbers at two providers stay distinct; person ids are cross-provider and
        hashed alone."""
        replacements = []
        for column in TABLES[table]:
            if column.type != "id":
                continue
            prefix = f"{provider_id}\x1f" if column.id_scope == "provider" else "person\x1f"
            mapping = self._mapping(frame[column.name], prefix)
            replacements.append(pl.col(column.name).replace_strict(mapping, default=None, return_dtype=pl.String))
        return frame.with_columns(replacements) if replacements else frame


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
