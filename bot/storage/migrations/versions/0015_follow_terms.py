"""Followed topics stored as ``/follow`` stores them now: without wrapping punctuation.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 14:00:00

Releases before 0015 kept what a reader wrapped a topic in (``《工会》``, ``#工会``, ``乡村 振兴``)
as part of the term. Such a term never matched an edition until the matcher learned to
normalise, and a reader who then followed ``工会`` again had two rows for one topic, both
listed by ``/following``. Each term becomes :func:`bot.ingest.follows.normalize_term` of
itself; where a reader then has one topic twice, the row followed first stays. Terms that
normalise to nothing are left as they are (``/unfollow`` of the same text removes them).
Nothing to undo: a normalised term is a valid term of every release.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.ingest.follows import normalize_term

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHUNK = 500  # ids per DELETE (SQLite caps the parameters of one statement)
_FOLLOWS = sa.table(
    "follows",
    sa.column("id", sa.Integer),
    sa.column("subscriber_id", sa.Integer),
    sa.column("term", sa.String),
)


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(_FOLLOWS.c.id, _FOLLOWS.c.subscriber_id, _FOLLOWS.c.term).order_by(_FOLLOWS.c.id)
    ).all()
    normal = {row.id: normalize_term(row.term) or row.term for row in rows}
    kept: dict[tuple[int, str], int] = {}
    drop: list[int] = []
    for row in rows:  # in the order followed: the first row of a topic stays
        key = (row.subscriber_id, normal[row.id])
        if key in kept:
            drop.append(row.id)
        else:
            kept[key] = row.id
    terms = {row.id: row.term for row in rows}
    rename = [{"row": i, "normal": normal[i]} for i in kept.values() if normal[i] != terms[i]]
    # The duplicates go first: a renamed row may take the term a dropped row had.
    for start in range(0, len(drop), _CHUNK):
        chunk = drop[start : start + _CHUNK]
        conn.execute(sa.delete(_FOLLOWS).where(_FOLLOWS.c.id.in_(chunk)))
    if rename:
        conn.execute(
            sa.update(_FOLLOWS)
            .where(_FOLLOWS.c.id == sa.bindparam("row"))
            .values(term=sa.bindparam("normal")),
            rename,
        )


def downgrade() -> None:
    pass
