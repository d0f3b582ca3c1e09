"""Replace providers' ids by keyed hashes (design §6): the warehouse never holds a provider's ids."""

from __future__ import annotations

import hashlib
import hmac

import polars as pl

from transforms.exchange_format import TABLES

# 128 bits of HMAC-SHA-256 are plenty to keep ~10^7 ids collision-free and keep the warehouse small.
PSEUDONYM_HEX_CHARS = 32


def keyed_hash(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX_CHARS]


def _hash_values(values: pl.Series, key: bytes, scope_prefix: str) -> dict[str, str]:
    # One HMAC per distinct id, not per row: ids repeat a lot (case_id in contacts).
    distinct = values.drop_nulls().unique().to_list()
    return {value: keyed_hash(key, scope_prefix + value) for value in distinct}


def pseudonymise_table(frame: pl.DataFrame, table: str, provider_id: str, key: str) -> pl.DataFrame:
    """Hash every id column. Provider-scoped ids are hashed together with the provider id, so equal
    case numbers at two providers stay distinct; person ids are cross-provider and hashed alone."""
    key_bytes = key.encode("utf-8")
    replacements = []
    for column in TABLES[table]:
        if column.type != "id":
            continue
        prefix = f"{provider_id}\x1f" if column.id_scope == "provider" else "person\x1f"
        mapping = _hash_values(frame[column.name], key_bytes, prefix)
        replacements.append(
            pl.col(column.name).replace_strict(mapping, default=None, return_dtype=pl.String)
        )
    return frame.with_columns(replacements) if replacements else frame


def key_fingerprint(key: str) -> str:
    """Identifies a key without revealing it."""
    return keyed_hash(key.encode("utf-8"), "kim-monitor key fingerprint")
