"""Turning records into files: a :class:`Plan` (what would change) and :func:`apply` (write it).

The code lives in one module per concept; this module re-exports their names, which other
modules and tests import from here:

* :mod:`.frontmatter`: :class:`Front`, edits that change only the keys they name;
* :mod:`.merge_note`: :func:`merge_text`, records merged into one note's text (the rules);
* :mod:`.plan`: :class:`Plan` and :func:`build_plan`, what an import would do;
* :mod:`.write`: :func:`apply`, writing a plan to files;
* :mod:`.merge_people`: :func:`plan_merge` and :func:`apply_merge` (`vaultcrm merge A B`).
"""

from __future__ import annotations

from .frontmatter import (  # noqa: F401  (re-exported: these used to live here)
    Front,
    FrontmatterError,
    _load_header,
)
from .merge_note import (  # noqa: F401  (re-exported: these used to live here)
    MAX_LOG_TEXT,
    Context,
    Result,
    merge_text,
)
from .merge_people import (  # noqa: F401  (re-exported: these used to live here)
    PeopleMerge,
    apply_merge,
    plan_merge,
)
from .plan import (  # noqa: F401  (re-exported: these used to live here)
    MergeInto,
    NewNote,
    Plan,
    build_plan,
    context_for,
    region_of,
)
from .write import (  # noqa: F401  (re-exported: these used to live here)
    BULK_FILES,
    Applied,
    apply,
)
