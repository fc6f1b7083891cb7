"""The user's buyer-to-profile map: which Compact profile a buyer's notices are checked by.

A TOML file, ``ocds-buyers.toml`` beside the user profiles folder (or the file named by
``CTRACK_OCDS_BUYERS``)::

    [buyers]
    "Gloucestershire County Council" = "gloucestershire"
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from commission_tracker.aggregates.errors import InvalidFact

BUYERS_ENV = "CTRACK_OCDS_BUYERS"
BUYERS_FILE = "ocds-buyers.toml"


def buyers_file() -> Path:
    """The user's buyer-to-profile map (``CTRACK_OCDS_BUYERS``, else beside the profiles)."""
    named = os.environ.get(BUYERS_ENV)
    if named:
        return Path(named).expanduser()
    from commission_tracker.rules.profiles import user_profiles_dir

    return user_profiles_dir().parent / BUYERS_FILE


def load_buyers(path: Path | None = None) -> dict[str, str]:
    """``{buyer name (case-folded): profile}`` from ``[buyers]`` in the map, if there is one."""
    path = path or buyers_file()
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InvalidFact(f"The buyer-to-profile map {path} cannot be read ({error}).") from None
    buyers = document.get("buyers", {})
    if not isinstance(buyers, dict) or not all(isinstance(v, str) for v in buyers.values()):
        raise InvalidFact(f'{path} needs a [buyers] table of "buyer name" = "profile" lines.')
    return {" ".join(str(k).split()).casefold(): v for k, v in buyers.items()}
