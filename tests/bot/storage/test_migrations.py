"""Specification of the migrations: they build the schema the ORM models describe, on both
backends, from an empty database, and can be undone."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import URL

from bot.storage import engine as db
from bot.storage.fulltext import parse_query
from bot.storage.fulltext.schema import is_index_table
from bot.storage.models import Base
from bot.storage.store import Store

TABLES = {
    "papers",
    "editions",
    "articles",
    "subscribers",
    "subscriptions",
    "source_state",
    "deliveries",
    "delivery_messages",
    "leases",
    "ingested_files",
    "broadcasts",
    "broadcast_deliveries",
    "channels",
    "follows",
    "alerts",
}


def _diff(engine: sa.Engine, metadata: sa.MetaData) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": _not_the_index}
        )
        return compare_metadata(context, metadata)


def _not_the_index(name: str | None, type_: str, _parents: object) -> bool:
    return not (type_ == "table" and name is not None and is_index_table(name))


def _tables(engine: sa.Engine) -> set[str]:
    """The tables the models describe (the full-text index's own are left out)."""
    with engine.connect() as conn:
        return {t for t in sa.inspect(conn).get_table_names() if not is_index_table(t)}


def test_upgrade_takes_an_empty_database_to_head(db_url: str | URL) -> None:
    engine = db.make_engine(db_url)
    try:
        assert db.current_revision(engine) is None
        assert _tables(engine) == set()
        db.upgrade(engine)
        assert db.current_revision(engine) == db.head_revision()
        assert _tables(engine) == TABLES | {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_by_url_opens_its_own_connection(db_url: str | URL) -> None:
    db.upgrade(db_url)
    assert db.current_revision(db_url) == db.head_revision()


def test_orm_models_match_the_migrations(db_url: str | URL) -> None:
    engine = db.make_engine(db_url)
    try:
        db.upgrade(engine)
        assert _diff(engine, Base.metadata) == []
    finally:
        engine.dispose()


def test_the_comparison_would_notice_a_model_without_migration(db_url: str | URL) -> None:
    """Guards the test above against comparing nothing with nothing."""
    engine = db.make_engine(db_url)
    try:
        db.upgrade(engine)
        drifted = sa.MetaData()
        for table in Base.metadata.sorted_tables:
            table.to_metadata(drifted)
        sa.Table("subscribers", drifted, sa.Column("nickname", sa.Text()), extend_existing=True)
        diff = _diff(engine, drifted)
        assert [(d[0], d[3].name) for d in diff] == [("add_column", "nickname")]
    finally:
        engine.dispose()


def test_upgrade_at_head_is_a_no_op(db_url: str | URL) -> None:
    engine = db.make_engine(db_url)
    try:
        db.upgrade(engine)
        with engine.begin() as conn:
            conn.execute(
                sa.text("INSERT INTO papers (name, created_at) VALUES ('x', :t)"),
                {"t": "2024-07-01 00:00:00+00:00"},
            )
        db.upgrade(engine)
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM papers")).scalar() == 1
    finally:
        engine.dispose()


def test_downgrade_to_base_removes_everything_and_upgrade_rebuilds_it(db_url: str | URL) -> None:
    engine = db.make_engine(db_url)
    try:
        db.upgrade(engine)
        db.downgrade(engine, "base")
        assert db.current_revision(engine) is None
        assert _tables(engine) - {"alembic_version"} == set()
        db.upgrade(engine)
        assert _tables(engine) == TABLES | {"alembic_version"}
        assert _diff(engine, Base.metadata) == []
    finally:
        engine.dispose()


OPEN_AT = """
import sys, time
from bot.storage.store import Store
url, start = sys.argv[1], float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))
Store(url).close()
"""


@pytest.mark.parametrize("attempt", range(3))
def test_processes_opening_an_old_database_at_once_take_turns_migrating(
    db_url: str | URL, attempt: int
) -> None:
    url = db_url if isinstance(db_url, str) else db_url.render_as_string(hide_password=False)
    db.upgrade(url, "0006")
    start = time.time() + 2  # both past their imports, then at the same instant
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_AT, url, str(start)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    errors = [p.communicate(timeout=120)[1] for p in processes]
    assert [p.returncode for p in processes] == [0, 0], errors
    assert db.current_revision(url) == db.head_revision()


def test_an_sqlite_upgrade_holds_the_write_lock_from_its_first_migration_to_its_last(
    sqlite_url: str,
) -> None:
    # Alembic commits after each migration of its own: a process paused between two would
    # let another run the next and then fail running it again.
    db.upgrade(sqlite_url, "0006")
    engine = db.make_engine(sqlite_url)
    statements: list[str] = []
    sa.event.listen(
        engine, "before_cursor_execute", lambda _c, _cur, sql, *_a: statements.append(sql)
    )
    try:
        db.upgrade(engine)
    finally:
        engine.dispose()
    transactions = [s for s in statements if s.startswith(("BEGIN", "COMMIT"))]
    assert transactions == ["BEGIN IMMEDIATE"]  # and one commit, by the driver, after all
    assert db.current_revision(sqlite_url) == db.head_revision()


def test_migrations_need_no_alembic_ini() -> None:
    config = db.alembic_config()
    assert config.config_file_name is None
    assert (db.MIGRATIONS_DIR / "env.py").is_file()
    newest = max(p.name for p in (db.MIGRATIONS_DIR / "versions").glob("[0-9]*.py"))
    assert db.head_revision() == newest.split("_", 1)[0]


def test_readers_from_before_paper_choice_keep_every_paper(db_url: str | URL) -> None:
    """0002: every chat used to get every paper; after the upgrade it still does."""
    engine = db.make_engine(db_url)
    try:
        db.upgrade(engine, "0001")
        with engine.begin() as conn:
            now = {"t": "2024-07-01 00:00:00+00:00"}
            for name in ("甲报", "乙报"):
                conn.execute(
                    sa.text("INSERT INTO papers (name, created_at) VALUES (:n, :t)"),
                    {"n": name, **now},
                )
            conn.execute(
                sa.text(
                    "INSERT INTO subscribers (chat_id, language, active, created_at, updated_at)"
                    " VALUES (7, 'zh', true, :t, :t)"
                ),
                now,
            )
        db.upgrade(engine)
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT p.name, s.digest_mode FROM subscriptions x"
                    " JOIN papers p ON p.id = x.paper_id"
                    " JOIN subscribers s ON s.id = x.subscriber_id ORDER BY p.name"
                )
            ).all()
        assert [tuple(r) for r in rows] == [("乙报", "per_paper"), ("甲报", "per_paper")]
    finally:
        engine.dispose()


def _index_tables(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return {t for t in sa.inspect(conn).get_table_names() if is_index_table(t)}


def test_upgrade_creates_the_full_text_index_and_downgrade_removes_it(db_url: str | URL) -> None:
    engine = db.make_engine(db_url)
    try:
        db.upgrade(engine)
        expected = "article_fts" if engine.dialect.name == "sqlite" else "article_search"
        assert expected in _index_tables(engine)
        db.downgrade(engine, "0002")
        assert _index_tables(engine) == set()
    finally:
        engine.dispose()


def _archive_at_0002(engine: sa.Engine, articles: int) -> None:
    """An archive as 0002 left it: one paper, one edition, articles with ``body``."""
    now = "2024-07-01 00:00:00+00:00"
    with engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO papers (id, name, created_at) VALUES (1, '甲报', :t)"), {"t": now}
        )
        conn.execute(
            sa.text(
                "INSERT INTO editions (id, paper_id, date, content_hash, article_count,"
                " ingested_at) VALUES (1, 1, :d, 'h', :n, :t)"
            ),
            {"d": "2024-07-01", "n": articles, "t": now},
        )
        for number in range(1, articles + 1):
            paragraphs = ["全国总工会召开会议。", f"第{number}篇。"] if number % 2 else ["高温。"]
            conn.execute(
                sa.text(
                    "INSERT INTO articles (edition_id, number, title, paragraphs, captions,"
                    " summary, keywords, body) VALUES (1, :n, :title, :p, '[]', '[]', '[]', :b)"
                ),
                {
                    "n": number,
                    "title": f"标题{number}",
                    "p": json.dumps(paragraphs, ensure_ascii=False),
                    "b": "\n".join(paragraphs),
                },
            )


def test_upgrade_from_0002_indexes_the_existing_archive_with_progress_lines(
    db_url: str | URL, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.storage.fulltext import schema

    monkeypatch.setattr(schema, "BATCH", 2)
    engine = db.make_engine(db_url)
    try:
        db.upgrade(engine, "0002")
        _archive_at_0002(engine, 5)
        with caplog.at_level(logging.INFO, logger="bot.storage.fulltext.schema"):
            db.upgrade(engine, "0003")
        progress = [r.getMessage() for r in caplog.records if "search index" in r.getMessage()]
        assert progress[-1].startswith("search index: 5 of 5 articles")
        assert len(progress) == 3
        with engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("articles")}
        assert "body" not in columns
        db.upgrade(engine)
    finally:
        engine.dispose()
    with Store(db_url) as store:
        page = store.editions.search(parse_query("工会"), offset=0, limit=10)
        assert sorted(h.article.number for h in page.hits) == [1, 3, 5]
        assert store.editions.search(parse_query("高温"), offset=0, limit=10).total == 2


def test_downgrade_to_0002_gives_body_back_from_the_paragraphs(db_url: str | URL) -> None:
    engine = db.make_engine(db_url)
    try:
        db.upgrade(engine, "0002")
        _archive_at_0002(engine, 2)
        db.upgrade(engine)
        db.downgrade(engine, "0002")
        with engine.connect() as conn:
            bodies = conn.execute(sa.text("SELECT body FROM articles ORDER BY number")).scalars()
            assert list(bodies) == ["全国总工会召开会议。\n第1篇。", "高温。"]
    finally:
        engine.dispose()


@contextlib.contextmanager
def _postgres_archive_at(
    db_url: str | URL, revision: str, why_not_sqlite: str
) -> Iterator[sa.Engine]:
    """An engine on a database of three articles stored at 0002, then upgraded to
    ``revision``; skips on SQLite (``why_not_sqlite``: what the migration has nothing of)."""
    engine = db.make_engine(db_url)
    try:
        if engine.dialect.name == "sqlite":
            pytest.skip(f"{why_not_sqlite}: the migration changes nothing on SQLite")
        db.upgrade(engine, "0002")
        _archive_at_0002(engine, 3)
        db.upgrade(engine, revision)
        yield engine
    finally:
        engine.dispose()


def test_upgrade_to_0009_gives_existing_postgres_vectors_their_day_lexemes(
    db_url: str | URL, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.storage.fulltext import schema

    with _postgres_archive_at(db_url, "0008", "FTS5 keeps no day lexemes") as engine:
        with engine.begin() as conn:
            schema.remove_days(conn)  # vectors as stored before 0009
        with Store(db_url, migrate=False) as store:
            assert store.editions.search(parse_query("工会 2024-07"), offset=0, limit=10).total == 0
        with caplog.at_level(logging.INFO, logger="bot.storage.fulltext.schema"):
            db.upgrade(engine, "0009")
        assert caplog.records[-1].getMessage().startswith("day lexemes: 3 of 3 articles")
        db.upgrade(engine)
    with Store(db_url) as store:
        page = store.editions.search(parse_query("工会 2024-07"), offset=0, limit=10)
        assert sorted(h.article.number for h in page.hits) == [1, 3]


def test_upgrade_to_0012_marks_existing_postgres_vectors_the_server_cut(
    db_url: str | URL, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.storage.fulltext import schema
    from tests.bot.storage.helpers import add, article, edition

    speech = "".join(f"第{i}条，发展经济。" for i in range(300)) + "推动高质量发展。"
    engine = db.make_engine(db_url)
    try:
        if engine.dialect.name == "sqlite":
            pytest.skip("FTS5 keeps every position: the migration changes nothing on SQLite")
        db.upgrade(engine, "0011")
        with Store(db_url, migrate=False) as store:
            add(store, edition(dt.date(2024, 7, 9), article("讲话", speech), article("工会")))
        with engine.begin() as conn:
            assert schema.unmark_long(conn) == 1  # the vector as stored before 0012
        with Store(db_url, migrate=False) as store:
            assert store.editions.search(parse_query('"高质量发展"'), offset=0, limit=10).total == 0
        with caplog.at_level(logging.INFO, logger="bot.storage.fulltext.schema"):
            db.upgrade(engine, "0012")
        assert caplog.records[-1].getMessage().startswith("long vectors: 2 of 2 articles read")
        db.upgrade(engine)
    finally:
        engine.dispose()
    with Store(db_url) as store:
        page = store.editions.search(parse_query('"高质量发展"'), offset=0, limit=10)
        assert [h.article.title for h in page.hits] == ["讲话"]
        assert store.editions.search(parse_query("工会"), offset=0, limit=10).total == 1


def _terms_storage(engine: sa.Engine) -> str:
    with engine.connect() as conn:
        return str(
            conn.execute(
                sa.text(
                    "SELECT attstorage FROM pg_attribute"
                    " WHERE attrelid = 'article_search'::regclass AND attname = 'terms'"
                )
            ).scalar_one()
        )


def test_upgrade_to_0010_stores_existing_postgres_vectors_uncompressed(db_url: str | URL) -> None:
    with _postgres_archive_at(db_url, "0009", "FTS5 has no column storage") as engine:
        with engine.begin() as conn:  # as created before 0010
            conn.execute(
                sa.text("ALTER TABLE article_search ALTER COLUMN terms SET STORAGE EXTENDED")
            )
        db.upgrade(engine)
        assert _terms_storage(engine) == "e"
        db.downgrade(engine, "0009")
        assert _terms_storage(engine) == "x"
    with Store(db_url) as store:
        page = store.editions.search(parse_query("工会"), offset=0, limit=10)
        assert sorted(h.article.number for h in page.hits) == [1, 3]


def _automerge(engine: sa.Engine) -> int | None:
    with engine.connect() as conn:
        value = conn.execute(
            sa.text("SELECT v FROM article_fts_config WHERE k = 'automerge'")
        ).scalar()
    return None if value is None else int(value)


def test_upgrade_to_0011_has_fts5_merge_eight_segments_at_a_time(db_url: str | URL) -> None:
    engine = db.make_engine(db_url)
    try:
        if engine.dialect.name != "sqlite":
            pytest.skip("GIN has no segments to merge: the migration changes nothing here")
        db.upgrade(engine, "0002")
        _archive_at_0002(engine, 3)
        db.upgrade(engine, "0010")
        with engine.begin() as conn:  # as 0003 created the table before 0011
            conn.execute(sa.text("DELETE FROM article_fts_config WHERE k = 'automerge'"))
        assert _automerge(engine) is None  # FTS5's default: 4
        db.upgrade(engine)
        assert _automerge(engine) == 8
        db.downgrade(engine, "0010")
        assert _automerge(engine) == 4
    finally:
        engine.dispose()
    with Store(db_url) as store:
        page = store.editions.search(parse_query("工会"), offset=0, limit=10)
        assert sorted(h.article.number for h in page.hits) == [1, 3]


def test_a_new_sqlite_index_merges_eight_segments_at_a_time(db_url: str | URL) -> None:
    engine = db.make_engine(db_url)
    try:
        if engine.dialect.name != "sqlite":
            pytest.skip("GIN has no segments to merge")
        db.upgrade(engine)
        assert _automerge(engine) == 8
    finally:
        engine.dispose()


def _fts5_sql(engine: sa.Engine) -> str:
    with engine.connect() as conn:
        return str(
            conn.execute(
                sa.text("SELECT sql FROM sqlite_master WHERE name = 'article_fts'")
            ).scalar_one()
        )


def test_a_new_sqlite_index_indexes_each_terms_first_character(db_url: str | URL) -> None:
    engine = db.make_engine(db_url)
    try:
        if engine.dialect.name != "sqlite":
            pytest.skip("GIN answers a prefix from its own sorted keys")
        db.upgrade(engine)
        assert "prefix='1'" in _fts5_sql(engine)
    finally:
        engine.dispose()


def test_upgrade_to_0013_rebuilds_the_index_with_a_prefix_index_and_phrase_boundaries(
    db_url: str | URL, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.storage.fulltext import schema

    monkeypatch.setattr(schema, "BATCH", 2)
    engine = db.make_engine(db_url)
    sqlite = engine.dialect.name == "sqlite"
    try:
        db.upgrade(engine, "0002")
        _archive_at_0002(engine, 5)
        with engine.begin() as conn:  # two runs ending in 中 and 美: never the phrase 中、美
            conn.execute(
                sa.text(
                    "INSERT INTO articles (edition_id, number, title, paragraphs, captions,"
                    " summary, keywords, body) VALUES (1, 6, '两端', :p, '[]', '[]', '[]', '')"
                ),
                {"p": json.dumps(["他在会议中，强调完美。"], ensure_ascii=False)},
            )
        db.upgrade(engine, "0013")
        db.downgrade(engine, "0012")  # SQLite: the index as 0003-0012 built it
        if sqlite:
            assert "prefix" not in _fts5_sql(engine)
            with Store(db_url, migrate=False) as store:
                assert store.editions.search(parse_query("中、美"), offset=0, limit=10).total == 1
                assert store.editions.search(parse_query("会"), offset=0, limit=10).total == 4
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="bot.storage.fulltext.schema"):
            db.upgrade(engine)
        progress = [r.getMessage() for r in caplog.records if "search index" in r.getMessage()]
        assert progress[-1].startswith("search index: 6 of 6 articles")
        assert len(progress) == 3
        if sqlite:
            assert "prefix='1'" in _fts5_sql(engine)
    finally:
        engine.dispose()
    with Store(db_url) as store:
        page = store.editions.search(parse_query("会"), offset=0, limit=10)
        assert sorted(h.article.number for h in page.hits) == [1, 3, 5, 6]
        assert store.editions.search(parse_query("中、美"), offset=0, limit=10).total == 0
        assert store.editions.search(parse_query("高温"), offset=0, limit=10).total == 2


def test_upgrade_to_0015_stores_followed_topics_without_their_wrappings(db_url: str | URL) -> None:
    """0015: 《工会》 as an earlier release stored it becomes 工会; a reader who followed 工会
    again keeps one row, the one followed first; a term with nothing to drop is kept."""
    engine = db.make_engine(db_url)
    try:
        db.upgrade(engine, "0014")
        now = {"t": "2024-07-01 00:00:00+00:00"}
        with engine.begin() as conn:
            for chat_id in (7, 8):
                conn.execute(
                    sa.text(
                        "INSERT INTO subscribers (chat_id, language, active, created_at,"
                        " updated_at) VALUES (:c, 'zh', true, :t, :t)"
                    ),
                    {"c": chat_id, **now},
                )
            ids = dict(conn.execute(sa.text("SELECT chat_id, id FROM subscribers")).all())
            follows = [(7, "《工会》"), (7, "乡村 振兴"), (7, "工会"), (7, "c++"), (8, "#工会")]
            for chat_id, term in follows:
                conn.execute(
                    sa.text(
                        "INSERT INTO follows (subscriber_id, term, created_at) VALUES (:s, :w, :t)"
                    ),
                    {"s": ids[chat_id], "w": term, **now},
                )

        db.upgrade(engine)

        with Store(db_url, migrate=False) as store:
            assert store.follows.of(7) == ["工会", "乡村振兴", "c++"]
            assert store.follows.of(8) == ["工会"]
    finally:
        engine.dispose()
