"""Specification of the configuration: defaults, sources of values, strict validation."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import (
    DIRECTORY,
    HTTP_URL,
    NAME,
    NOT_IN_FILE,
    Config,
    ConfigError,
    DeliveryConfig,
    Invalid,
    LoggingConfig,
    ScheduleConfig,
    SummaryConfig,
    TelegramConfig,
    from_toml,
    integer,
    load_config,
    one_of,
    option,
    option_names,
    required,
    tables,
)
from bot.storage.engine import resolve_url
from tests.bot.rights import without_rights

REPO_CONFIG = Path(__file__).resolve().parents[2] / "config.toml"
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def write(tmp_path: Path, content: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def load(path: Path, **env: str) -> Config:
    return load_config(path, env=env)


# -- defaults and where the file comes from ----------------------------------------------------


def test_without_a_file_the_builtin_defaults_apply(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(None, env={})
    assert config.path is None
    assert config.telegram == TelegramConfig()
    assert config.schedule == ScheduleConfig()
    assert config.schedule.timezone == ZoneInfo("Asia/Shanghai")
    assert config.schedule.digest_time == dt.time(7, 30)
    assert config.schedule.poll_interval_seconds == 300
    assert config.summary == SummaryConfig(sentences=3)
    assert config.delivery == DeliveryConfig(25.0, 1.0)
    assert config.logging == LoggingConfig("INFO")
    assert config.storage.url == f"sqlite:///{tmp_path.resolve() / 'data' / 'baozhai.db'}"
    [paper] = config.papers
    assert paper.name == "浙江工人日报"
    assert paper.inbox == tmp_path.resolve() / "data" / "inbox" / "zjgrrb"
    assert paper.failed_dir == paper.inbox / "failed"


def test_documented_config_toml_states_exactly_the_defaults(tmp_path: Path) -> None:
    documented = load(Path(shutil.copy(REPO_CONFIG, tmp_path / "config.toml")))
    empty = load(write(tmp_path, "", name="empty.toml"))
    assert dataclasses.replace(documented, path=None) == dataclasses.replace(empty, path=None)


def test_config_toml_in_the_working_directory_is_read_by_default(
    tmp_path: Path, monkeypatch
) -> None:
    write(tmp_path, "[summary]\nsentences = 5\n")
    monkeypatch.chdir(tmp_path)
    config = load_config(None, env={})
    assert config.summary.sentences == 5
    assert config.path == (tmp_path / "config.toml").resolve()


def test_baozhai_config_env_names_the_file(tmp_path: Path, monkeypatch) -> None:
    path = write(tmp_path, "[summary]\nsentences = 4\n", name="elsewhere.toml")
    monkeypatch.chdir(tmp_path)
    assert load_config(None, env={"BAOZHAI_CONFIG": str(path)}).summary.sentences == 4


def test_an_explicitly_named_missing_file_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match=r"nope\.toml: config file not found"):
        load(missing)


def test_a_config_piped_in_is_read_with_paths_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch
) -> None:
    # `baozhai --config <(envsubst < baozhai.toml.in)`: a pipe, not a regular file.
    monkeypatch.chdir(tmp_path)
    read_end, write_end = os.pipe()
    os.write(write_end, '[[papers]]\nname = "甲"\ninbox = "in/a"\n'.encode())
    os.close(write_end)
    try:
        config = load(Path(f"/dev/fd/{read_end}"))
    finally:
        os.close(read_end)
    assert (config.papers[0].inbox, config.path) == (tmp_path.resolve() / "in" / "a", None)


def test_a_directory_named_as_the_config_file_is_called_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"a directory, not a config file"):
        load(tmp_path)


def test_a_config_in_a_folder_this_user_may_not_enter_is_a_clear_error(tmp_path: Path) -> None:
    # /etc/baozhai is often 0750: an operator running `baozhai status` as themselves.
    folder = tmp_path / "etc-baozhai"
    folder.mkdir()
    path = write(folder, "")
    said = without_rights(folder, lambda: load(path))
    assert said == f"raised ConfigError: {path}: cannot read: Permission denied"


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[schedule\ndigest_time = 1\n")
    with pytest.raises(ConfigError, match=r"config\.toml: not valid TOML"):
        load(path)


def test_a_file_saved_with_a_byte_order_mark_is_read_as_utf8(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xef\xbb\xbf" + b'[schedule]\ndigest_time = "06:45"\n')
    assert load(path).schedule.digest_time == dt.time(6, 45)


@pytest.mark.parametrize("mark", [b"", b"\xef\xbb\xbf"], ids=["plain", "after-a-byte-order-mark"])
def test_a_file_in_another_encoding_is_refused_saying_where_and_what_to_do(
    tmp_path: Path, mark: bytes
) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(mark + '[schedule]\ndigest_time = "06:45"\n# 报摘\n'.encode("gbk"))
    with pytest.raises(ConfigError, match=r"config\.toml: not UTF-8 \(byte 0xb1 on line 3\)"):
        load(path)


# -- the token ---------------------------------------------------------------------------------


def test_token_is_read_from_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, f'[telegram]\ntoken = "{TOKEN}"\n')
    assert load(path).telegram.token == TOKEN


def test_token_from_the_environment_wins_over_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[telegram]\ntoken = "1:file-token"\n')
    assert load(path, TELEGRAM_BOT_TOKEN=TOKEN).telegram.token == TOKEN


def test_empty_token_environment_variable_does_not_hide_the_file_token(tmp_path: Path) -> None:
    path = write(tmp_path, f'[telegram]\ntoken = "{TOKEN}"\n')
    assert load(path, TELEGRAM_BOT_TOKEN="").telegram.token == TOKEN


def test_token_never_appears_in_repr_or_str(tmp_path: Path) -> None:
    config = load(write(tmp_path, f'[telegram]\ntoken = "{TOKEN}"\n'))
    for text in (repr(config), str(config), repr(config.telegram), str(config.telegram)):
        assert TOKEN not in text
        assert TOKEN.split(":")[1] not in text


def test_a_malformed_token_is_rejected_without_echoing_it(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    with pytest.raises(ConfigError, match=r"\$TELEGRAM_BOT_TOKEN") as info:
        load(path, TELEGRAM_BOT_TOKEN='"123:secret value"')
    assert "secret" not in str(info.value)


def test_storage_repr_masks_a_database_password(tmp_path: Path) -> None:
    path = write(tmp_path, '[storage]\nurl = "postgresql+psycopg://bot:hunter2@db/baozhai"\n')
    config = load(path)
    assert "hunter2" not in repr(config)
    assert config.storage.url == "postgresql+psycopg://bot:hunter2@db/baozhai"


def test_storage_repr_masks_a_password_given_as_a_query_parameter(tmp_path: Path) -> None:
    url = "postgresql+psycopg://bot@db/baozhai?sslmode=require&password=hunter2"
    path = write(tmp_path, f'[storage]\nurl = "{url}"\n')
    shown = repr(load(path))
    assert "hunter2" not in shown
    assert "password=***" in shown


@pytest.mark.parametrize("where", ["file", "environment"])
def test_a_database_password_with_an_unescaped_at_is_refused_without_echoing_it(
    tmp_path: Path, where: str
) -> None:
    url = "postgresql+psycopg://bot:hun@ter2@db/baozhai"
    if where == "file":
        path, env = write(tmp_path, f'[storage]\nurl = "{url}"\n'), {}
    else:
        path, env = write(tmp_path, ""), {"BAOZHAI_STORAGE_URL": url}
    with pytest.raises(ConfigError, match=r'holds an "@": write it as %40') as info:
        load(path, **env)
    assert "ter2" not in str(info.value) and "hun" not in str(info.value)


def test_a_database_password_with_an_escaped_at_is_taken(tmp_path: Path) -> None:
    path = write(tmp_path, '[storage]\nurl = "postgresql+psycopg://bot:hun%40ter2@db/baozhai"\n')
    assert load(path).storage.url == "postgresql+psycopg://bot:hun%40ter2@db/baozhai"


# -- paths ---------------------------------------------------------------------------------------


def test_relative_paths_resolve_against_the_config_files_directory(
    tmp_path: Path, monkeypatch
) -> None:
    conf_dir = tmp_path / "etc"
    conf_dir.mkdir()
    write(
        conf_dir,
        '[storage]\nurl = "sqlite:///var/bz.db"\n\n'
        '[[papers]]\nname = "工人日报"\ninbox = "in/grrb"\n',
    )
    monkeypatch.chdir(tmp_path)  # somewhere else entirely
    config = load(Path("etc/config.toml"))
    base = conf_dir.resolve()
    assert config.storage.url == f"sqlite:///{base / 'var' / 'bz.db'}"
    assert config.papers[0].inbox == base / "in" / "grrb"
    assert config.base_dir == base


def test_absolute_paths_and_server_urls_are_kept(tmp_path: Path) -> None:
    inbox = tmp_path / "abs-inbox"
    path = write(
        tmp_path,
        '[storage]\nurl = "postgresql+psycopg://u@h:5433/db"\n\n'
        f'[[papers]]\nname = "A"\ninbox = "{inbox}"\n',
    )
    config = load(path)
    assert config.storage.url == "postgresql+psycopg://u@h:5433/db"
    assert config.papers[0].inbox == inbox.resolve()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///rel/x.db", "sqlite:////base/rel/x.db"),
        ("sqlite:////abs/x.db", "sqlite:////abs/x.db"),
        ("sqlite://", "sqlite://"),
        ("sqlite:///:memory:", "sqlite:///:memory:"),
        ("postgresql+psycopg://u:p%40ss@h/db", "postgresql+psycopg://u:p%40ss@h/db"),
    ],
)
def test_resolve_url_only_touches_relative_sqlite_files(url: str, expected: str) -> None:
    assert resolve_url(url, Path("/base")) == expected


def test_a_sqlite_file_under_the_home_directory_is_made_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert (
        resolve_url("sqlite:///~/baozhai/x.db", Path("/base"))
        == f"sqlite:///{tmp_path}/baozhai/x.db"
    )


def _two_inboxes(tmp_path: Path, first: str, second: str) -> Path:
    return write(
        tmp_path,
        f'[[papers]]\nname = "A"\ninbox = "{first}"\n\n'
        f'[[papers]]\nname = "B"\ninbox = "{second}"\n',
    )


def test_an_inbox_inside_another_papers_inbox_is_rejected(tmp_path: Path) -> None:
    # The outer paper would read in/hnrb/ as a dated folder of its own pages.
    path = _two_inboxes(tmp_path, "in", "in/hnrb")
    with pytest.raises(ConfigError) as info:
        load(path)
    message = str(info.value)
    inner = tmp_path.resolve() / "in" / "hnrb"
    assert message.startswith(f"{path}: [[papers]] #2 inbox: {inner} ")
    assert 'is inside the inbox of paper #1 "A"' in message
    assert "give each paper a folder of its own" in message


def test_an_inbox_holding_an_earlier_papers_inbox_is_rejected(tmp_path: Path) -> None:
    path = _two_inboxes(tmp_path, "in/hnrb", "in")
    with pytest.raises(ConfigError, match=r'#2 inbox: .* holds the inbox of paper #1 "A"'):
        load(path)


def test_an_inbox_inside_another_papers_done_folder_is_rejected(tmp_path: Path) -> None:
    # B would ingest A's ingested pages (done/YYYY-MM-DD/ reads as a dated folder) again.
    path = _two_inboxes(tmp_path, "in", "in/done")
    with pytest.raises(ConfigError, match=r'#2 inbox: .* is inside the inbox of paper #1 "A"'):
        load(path)


def test_an_inbox_reached_through_a_link_into_another_inbox_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "in" / "hnrb").mkdir(parents=True)
    (tmp_path / "hnrb").symlink_to(tmp_path / "in" / "hnrb")
    path = _two_inboxes(tmp_path, "in", "hnrb")
    with pytest.raises(ConfigError, match=r"#2 inbox: .* is inside the inbox of paper #1"):
        load(path)


def test_inboxes_side_by_side_with_a_common_prefix_are_accepted(tmp_path: Path) -> None:
    config = load(_two_inboxes(tmp_path, "in", "in2"))
    base = tmp_path.resolve()
    assert [p.inbox for p in config.papers] == [base / "in", base / "in2"]


def test_an_inbox_under_an_unknown_users_home_is_refused_by_name(tmp_path: Path) -> None:
    path = write(tmp_path, '[[papers]]\nname = "A"\ninbox = "~nosuchuser_xyz/in"\n')
    with pytest.raises(ConfigError) as info:
        load(path)
    assert str(info.value) == (
        f'{path}: [[papers]] #1 inbox: expected a directory path, got "~nosuchuser_xyz/in"'
        " (no home folder known for ~nosuchuser_xyz; write the path out in full)"
    )


@pytest.mark.parametrize("inbox", ["afile", "afile/in"])
def test_an_inbox_where_a_file_is_in_the_way_is_refused_at_load(tmp_path: Path, inbox: str) -> None:
    # Accepted, it failed every poll with FileExistsError or NotADirectoryError.
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    path = write(tmp_path, f'[[papers]]\nname = "A"\ninbox = "{inbox}"\n')
    with pytest.raises(ConfigError) as info:
        load(path)
    message = str(info.value)
    assert message.startswith(f"{path}: [[papers]] #1 inbox: ")
    assert f"({tmp_path.resolve() / 'afile'} is a file, not a folder; name a folder)" in message


def test_storage_url_from_the_environment_wins(tmp_path: Path) -> None:
    path = write(tmp_path, '[storage]\nurl = "sqlite:///a.db"\n')
    config = load(path, BAOZHAI_STORAGE_URL="sqlite:///b.db")
    assert config.storage.url == f"sqlite:///{tmp_path.resolve() / 'b.db'}"


# -- values --------------------------------------------------------------------------------------


def test_a_full_configuration_is_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[telegram]
api_base_url = "http://127.0.0.1:8081/bot"
admins = [42, -1001234567890]

[schedule]
timezone = "Europe/Berlin"
digest_time = "6:05"
poll_interval_seconds = 60
misfire_grace_seconds = 0

[[papers]]
name = "甲报"
inbox = "a"

[[papers]]
name = "乙报"
inbox = "b"

[summary]
sentences = 2

[delivery]
messages_per_second = 10
per_chat_interval_seconds = 0

[logging]
level = "debug"
""",
    )
    config = load(path)
    assert config.telegram.api_base_url == "http://127.0.0.1:8081/bot"
    assert config.telegram.admins == (42, -1001234567890)
    assert config.schedule == ScheduleConfig(ZoneInfo("Europe/Berlin"), dt.time(6, 5), 60, 0)
    assert [p.name for p in config.papers] == ["甲报", "乙报"]
    assert config.paper("乙报") is config.papers[1]
    assert config.summary.sentences == 2
    assert config.delivery.messages_per_second == 10.0
    assert config.delivery.per_chat_interval_seconds == 0.0
    assert config.logging.level == "DEBUG"


def test_a_toml_local_time_is_accepted_as_digest_time(tmp_path: Path) -> None:
    path = write(tmp_path, "[schedule]\ndigest_time = 07:45:00\n")
    assert load(path).schedule.digest_time == dt.time(7, 45)


def test_a_bad_digest_time_names_file_section_and_key(tmp_path: Path) -> None:
    path = write(tmp_path, '[schedule]\ndigest_time = "7:3x"\n')
    with pytest.raises(ConfigError) as info:
        load(path)
    assert str(info.value) == f'{path}: [schedule] digest_time: expected "HH:MM", got "7:3x"'


@pytest.mark.parametrize(
    "written", ["2024-07-01T07:30:00", "2024-07-01T07:30:00+08:00", "2024-07-01"]
)
def test_a_toml_date_given_for_a_time_is_echoed_in_toml_form_not_as_python(
    tmp_path: Path, written: str
) -> None:
    path = write(tmp_path, f"[schedule]\ndigest_time = {written}\n")
    with pytest.raises(ConfigError) as info:
        load(path)
    assert str(info.value) == f'{path}: [schedule] digest_time: expected "HH:MM", got {written}'


BAD_VALUES = [
    ('[schedule]\ndigest_time = "24:00"', "[schedule] digest_time"),
    ('[schedule]\ntimezone = "Mars/Olympus_Mons"', "[schedule] timezone"),
    ('[schedule]\ntimezone = "../../etc/passwd"', "[schedule] timezone"),
    ('[schedule]\npoll_interval_seconds = "300"', "[schedule] poll_interval_seconds"),
    ("[schedule]\npoll_interval_seconds = true", "[schedule] poll_interval_seconds"),
    ("[schedule]\npoll_interval_seconds = 0", "[schedule] poll_interval_seconds"),
    ("[schedule]\nmisfire_grace_seconds = -1", "[schedule] misfire_grace_seconds"),
    ("[schedule]\nmisfire_grace_seconds = 1000000000000000", "[schedule] misfire_grace_seconds"),
    ("[schedule]\npoll_interval_seconds = 1000000000000000", "[schedule] poll_interval_seconds"),
    ("[schedule]\nmax_edition_age_days = 1000000", "[schedule] max_edition_age_days"),
    ("[delivery]\ngroup_interval_seconds = 0", "[delivery] group_interval_seconds"),
    ('[telegram]\napi_base_url = "https://api.example/bot?x=1"', "[telegram] api_base_url"),
    ('[telegram]\nfile_base_url = "https://api.example/file/bot#a"', "[telegram] file_base_url"),
    ('[telegram]\nwebhook_url = "https://bot.example.org:9000/hook"', "[telegram] webhook_url"),
    ('[telegram]\nwebhook_listen = "not a host!"', "[telegram] webhook_listen"),
    ('[telegram]\nwebhook_secret = "hook"', "[telegram] webhook_secret"),
    ("[schedule]\nsettle_seconds = -1", "[schedule] settle_seconds"),
    ("[telegram]\ntoken = 123", "[telegram] token"),
    ('[telegram]\napi_base_url = "ftp://x"', "[telegram] api_base_url"),
    ('[telegram]\napi_base_url = "http://[::1/bot"', "[telegram] api_base_url"),
    ('[telegram]\nwebhook_url = "https://bot.example.org/tg+hook"', "[telegram] webhook_url"),
    ('[telegram]\nwebhook_url = "https://bot.example.org/电报"', "[telegram] webhook_url"),
    ('[telegram]\nadmins = ["me"]', "[telegram] admins"),
    ("[telegram]\nadmins = 42", "[telegram] admins"),
    ("[storage]\nurl = 5", "[storage] url"),
    ('[storage]\nurl = "not a url"', "[storage] url"),
    ('[storage]\nurl = ""', "[storage] url"),
    ("[summary]\nsentences = 0", "[summary] sentences"),
    ("[summary]\nsentences = 2.5", "[summary] sentences"),
    ("[delivery]\nmessages_per_second = 0", "[delivery] messages_per_second"),
    ("[delivery]\nmessages_per_second = 31", "[delivery] messages_per_second"),
    ("[delivery]\nper_chat_interval_seconds = -1", "[delivery] per_chat_interval_seconds"),
    ("[delivery]\nper_chat_interval_seconds = inf", "[delivery] per_chat_interval_seconds"),
    ('[logging]\nlevel = "LOUD"', "[logging] level"),
    ('[[papers]]\nname = "A"', "[[papers]] #1 inbox: expected exactly one of inbox or epaper"),
    (
        '[[papers]]\nname = "A"\ninbox = "a"\nepaper = "https://a.example/"',
        "[[papers]] #1 inbox: expected exactly one of inbox or epaper",
    ),
    ('[[papers]]\nname = "A"\nepaper = "https://a.example/"', "[[papers]] #1 template"),
    ('[[papers]]\nname = "A"\nepaper = "ftp://a.example/"', "[[papers]] #1 epaper"),
    ('[[papers]]\nname = "A"\ninbox = "a"\ntemplate = "founder"', "[[papers]] #1 template"),
    (
        '[[papers]]\nname = "A"\ninbox = "a"\npoll_minutes = 5',
        "[[papers]] #1 poll_minutes: only read with epaper",
    ),
    (
        '[[papers]]\nname = "A"\ninbox = "a"\ncomplete_within_minutes = 5',
        "[[papers]] #1 complete_within_minutes: only read with epaper",
    ),
    (
        '[[papers]]\nname = "A"\nepaper = "https://a/"\ntemplate = "nope"',
        "[[papers]] #1 template",
    ),
    (
        '[[papers]]\nname = "A"\nepaper = "https://a/"\ntemplate = "founder"\npoll_window = "8"',
        "[[papers]] #1 poll_window",
    ),
    (
        '[[papers]]\nname = "A"\ninbox = "a"\nsubscribe_by_default = 1',
        "[[papers]] #1 subscribe_by_default",
    ),
    ('[[papers]]\ninbox = "a"', "[[papers]] #1 name: missing"),
    ('[[papers]]\nname = ""\ninbox = "a"', "[[papers]] #1 name"),
    ('[[papers]]\nname = "A"\ninbox = 3', "[[papers]] #1 inbox"),
    (
        '[[papers]]\nname = "A"\ninbox = "a"\n[[papers]]\nname = "A"\ninbox = "b"',
        "[[papers]] #2 name: duplicate",
    ),
    (
        '[[papers]]\nname = "A"\ninbox = "a"\n[[papers]]\nname = "B"\ninbox = "./a"',
        "[[papers]] #2 inbox",
    ),
    ("papers = []", "[[papers]]: at least one"),
    (
        "".join(f'[[papers]]\nname = "P{n}"\ninbox = "in/{n}"\n' for n in range(101)),
        "[[papers]]: at most 100 papers, got 101",
    ),
    ('papers = "x"', "[[papers]]: expected an array of tables"),
    ('schedule = "07:30"', "[schedule]: expected a table"),
]


def test_a_webhook_secret_short_enough_to_guess_is_refused_without_echoing_it(
    tmp_path: Path,
) -> None:
    # 64 tries find a one-character secret; and the log masks the secret wherever it occurs,
    # so a short one (hook) would blank out common words.
    with pytest.raises(ConfigError) as info:
        load(write(tmp_path, '[telegram]\nwebhook_secret = "hook-hook"\n'))
    message = str(info.value)
    assert "at least 16" in message and "openssl rand -hex 32" in message
    assert "hook-hook" not in message


@pytest.mark.parametrize(
    "content",
    [
        '[telegram]\nwebhook_listen = "0.0.0.0"',
        '[telegram]\nwebhook_listen = "::"',
        '[telegram]\nwebhook_listen = "localhost"',
        '[telegram]\nwebhook_url = "https://bot.example.org:8443/hook"',
        "[schedule]\nmax_edition_age_days = 3650",
        "[delivery]\ngroup_interval_seconds = 3",
        '[telegram]\nwebhook_secret = "0123456789abcdef"',
        "".join(f'[[papers]]\nname = "P{n}"\ninbox = "in/{n}"\n' for n in range(100)),
    ],
)
def test_values_at_the_edges_of_their_range_are_taken(tmp_path: Path, content: str) -> None:
    extra = '\nwebhook_secret = "s3cret-s3cret-s3cret"' if "webhook_url" in content else ""
    load(write(tmp_path, content + extra + "\n"))


@pytest.mark.parametrize(("content", "names"), BAD_VALUES, ids=[b[1] for b in BAD_VALUES])
def test_every_bad_value_is_an_error_naming_file_and_key(
    tmp_path: Path, content: str, names: str
) -> None:
    path = write(tmp_path, content + "\n")
    with pytest.raises(ConfigError) as info:
        load(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert names in message


@pytest.mark.parametrize(
    ("content", "key"),
    [
        ('[schedule]\ndigest_tmie = "07:30"', "[schedule] digest_tmie: unknown key"),
        ('[telegram]\ntokn = "x"', "[telegram] tokn: unknown key"),
        ('[[papers]]\nname = "A"\ninbox = "a"\ninbx = "b"', "[[papers]] #1 inbx: unknown key"),
        ("[summary]\nsentence = 3", "[summary] sentence: unknown key"),
    ],
)
def test_an_unknown_key_is_rejected_by_name(tmp_path: Path, content: str, key: str) -> None:
    path = write(tmp_path, content + "\n")
    with pytest.raises(ConfigError, match=key.replace("[", r"\[").replace("]", r"\]")):
        load(path)


def test_an_unknown_section_is_rejected_by_name(tmp_path: Path) -> None:
    path = write(tmp_path, "[schedul]\ndigest_time = '07:30'\n")
    with pytest.raises(ConfigError, match=r"unknown section \[schedul\]"):
        load(path)


def test_config_is_immutable(tmp_path: Path) -> None:
    config = load(write(tmp_path, ""))
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.summary.sentences = 9  # type: ignore[misc]


# -- every option documented ----------------------------------------------------------------------


def documented_keys(text: str) -> dict[tuple[str, str], bool]:
    """(table, key) of every `key = value` line, and whether a comment explains it.

    A comment explains the key if it sits above it, possibly across the table's header and
    other keys it also covers ("change both").
    """
    lines = text.splitlines()
    keys: dict[tuple[str, str], bool] = {}
    table = ""
    for number, line in enumerate(lines):
        if re.match(r"^(?:#   )?\[\[?[\w.]+\]\]?$", line):
            table = line.removeprefix("#   ")
        elif match := re.match(r"^(?:#   )?(\w+)\s*=", line):
            # "#   key = value" is a documented example (an e-paper paper's keys)
            above = number - 1
            while above >= 0 and re.match(r"^(\w+\s*=|\[|#   \[)", lines[above]):
                above -= 1
            keys[(table, match.group(1))] = above >= 0 and lines[above].startswith("#")
    return keys


def test_every_option_is_documented_in_config_toml_and_nothing_else_is() -> None:
    documented = documented_keys(REPO_CONFIG.read_text(encoding="utf-8"))
    declared = set(option_names())
    assert declared - documented.keys() == set(), "options missing from config.toml"
    assert documented.keys() - declared == set(), "config.toml keys no dataclass declares"
    assert [key for key, explained in documented.items() if not explained] == []


# -- the declarations carry what an option needs (the shape of the options to come) -------------


@dataclass(frozen=True, slots=True)
class Poll:
    every_minutes: int = option(30, integer(1, 1440))


@dataclass(frozen=True, slots=True)
class Source:
    name: str = field(metadata=required(NAME))
    inbox: Path | None = option(None, DIRECTORY)
    epaper: str | None = option(None, HTTP_URL)
    template: str = option("founder", one_of("founder", "pc_layout", "rmrb_nbs"))
    poll: Poll = field(default_factory=Poll)

    def __post_init__(self) -> None:
        if (self.inbox is None) == (self.epaper is None):
            raise Invalid("expected exactly one of inbox or epaper", key="inbox")


@dataclass(frozen=True, slots=True)
class Webhook:
    url: str | None = option(None, HTTP_URL, env="X_WEBHOOK_URL")  # None: not set
    port: int = option(8443, integer(1, 65535))


@dataclass(frozen=True, slots=True)
class Root:
    path: Path | None = field(metadata=NOT_IN_FILE)
    sources: tuple[Source, ...] = field(
        metadata=tables("source", nonempty=True, unique=("name", "inbox", "epaper"))
    )
    webhook: Webhook = field(default_factory=Webhook)


def read_root(text: str, tmp_path: Path, **env: str) -> Root:
    import tomllib

    return from_toml(Root, tomllib.loads(text), where="x.toml", base=tmp_path, env=env, path=None)


def test_an_array_of_tables_with_alternative_keys_nested_tables_and_env(tmp_path: Path) -> None:
    root = read_root(
        "[webhook]\nport = 88\n"
        '[[sources]]\nname = "甲"\ninbox = "in/a"\n'
        '[[sources]]\nname = "乙"\nepaper = "https://e.example/"\ntemplate = "rmrb_nbs"\n'
        "[sources.poll]\nevery_minutes = 5\n",
        tmp_path,
        X_WEBHOOK_URL="https://hook.example/",
    )
    assert root.webhook == Webhook("https://hook.example/", 88)
    first, second = root.sources
    assert (first.inbox, first.epaper, first.poll) == (
        tmp_path.resolve() / "in" / "a",
        None,
        Poll(),
    )
    assert (second.inbox, second.epaper, second.template) == (
        None,
        "https://e.example/",
        "rmrb_nbs",
    )
    assert second.poll == Poll(5)
    assert set(option_names(Root)) == {
        ("[webhook]", "url"),
        ("[webhook]", "port"),
        *(("[[sources]]", key) for key in ("name", "inbox", "epaper", "template")),
        ("[[sources]] poll", "every_minutes"),
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '[[sources]]\nname = "A"',
            "[[sources]] #1 inbox: expected exactly one of inbox or epaper",
        ),
        (
            '[[sources]]\nname = "A"\ninbox = "a"\nepaper = "https://e/"',
            "[[sources]] #1 inbox: expected exactly one of inbox or epaper",
        ),
        (
            '[[sources]]\nname = "A"\nepaper = "https://e/"\n'
            '[[sources]]\nname = "B"\nepaper = "https://e/"',
            '[[sources]] #2 epaper: duplicate source epaper "https://e/" (as in #1)',
        ),
        (
            '[[sources]]\nname = "A"\ninbox = "a"\ntemplate = "x"',
            '[[sources]] #1 template: expected one of founder, pc_layout, rmrb_nbs, got "x"',
        ),
        (
            '[[sources]]\nname = "A"\ninbox = "a"\n[sources.poll]\nevery_minutes = 0',
            "[[sources]] #1 poll every_minutes: expected an integer from 1 to 1440, got 0",
        ),
        ('[webhook]\nport = 0\n[[sources]]\nname = "A"\ninbox = "a"', "[webhook] port"),
        (
            '[webhook]\nprot = 1\n[[sources]]\nname = "A"\ninbox = "a"',
            "[webhook] prot: unknown key (known keys: port, url)",
        ),
        ("", "[[sources]]: at least one source is needed"),
    ],
)
def test_declared_checks_name_the_key(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        read_root(content, tmp_path)
    assert str(info.value).startswith("x.toml: ")
    assert message in str(info.value)


def test_an_environment_value_is_blamed_on_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[webhook\] url \(from \$X_WEBHOOK_URL\): expected"):
        read_root('[[sources]]\nname = "A"\ninbox = "a"', tmp_path, X_WEBHOOK_URL="ftp://x")


def test_a_field_neither_option_nor_table_is_a_programming_error(tmp_path: Path) -> None:
    @dataclass(frozen=True)
    class Forgotten:
        retries: int = 3  # should have been option(3, integer(0))

    with pytest.raises(TypeError, match=r"Forgotten\.retries: declare it with option\(\)"):
        from_toml(Forgotten, {}, where="x.toml", base=tmp_path)


# -- paper sources ----------------------------------------------------------------------------


def test_the_config_knows_exactly_the_registered_epaper_templates() -> None:
    from bot.config import TEMPLATE_NAMES
    from bot.sources.epaper import template_names

    assert set(TEMPLATE_NAMES) == set(template_names())


def _epaper_paper(tmp_path: Path, extra: str = "") -> Config:
    path = tmp_path / "config.toml"
    path.write_text(
        '[[papers]]\nname = "A"\ninbox = "a"\n\n'
        f'[[papers]]\nname = "B"\nepaper = "https://b.example/"\ntemplate = "founder"\n{extra}',
        encoding="utf-8",
    )
    return load(path)


def test_an_epaper_paper_has_its_site_and_template_and_no_inbox(tmp_path: Path) -> None:
    paper = _epaper_paper(tmp_path).papers[1]
    assert (paper.kind, paper.epaper, paper.template, paper.inbox) == (
        "epaper",
        "https://b.example/",
        "founder",
        None,
    )
    with pytest.raises(ValueError, match="e-paper"):
        _ = paper.inbox_dir


def test_urls_are_taken_whatever_the_case_of_their_scheme_and_kept_in_lower_case(
    tmp_path: Path,
) -> None:
    # URL schemes are case-insensitive (RFC 3986, 3.1); lower case is their canonical form.
    path = write(
        tmp_path,
        '[telegram]\napi_base_url = "HTTP://127.0.0.1:8081/bot"\n'
        'webhook_url = "Https://bot.example.org/hook"\nwebhook_secret = "s3cret-s3cret-s3cret"\n\n'
        '[[papers]]\nname = "A"\nepaper = "HTTPS://epaper.example/"\ntemplate = "founder"\n',
    )
    config = load(path)
    assert config.telegram.api_base_url == "http://127.0.0.1:8081/bot"
    assert config.telegram.webhook_url == "https://bot.example.org/hook"
    assert config.papers[0].epaper == "https://epaper.example/"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://[bad/", "Invalid IPv6 URL"),
        ("https://", "names no host"),
        ("https://exa mple.com/", "the host contains a space"),
        ("http://epaper.example:99999/", "Port out of range"),
    ],
)
def test_an_epaper_url_that_does_not_parse_or_names_no_host_is_refused_at_load(
    tmp_path: Path, url: str, reason: str
) -> None:
    # Accepted, it failed every poll and every backfilled date with a traceback.
    path = write(tmp_path, f'[[papers]]\nname = "A"\nepaper = "{url}"\ntemplate = "founder"\n')
    with pytest.raises(ConfigError) as info:
        load(path)
    assert str(info.value).startswith(
        f'{path}: [[papers]] #1 epaper: expected an http(s) URL like "https://host.example/path/",'
        f' got "{url}" ({reason}'
    )


@pytest.mark.parametrize(
    ("window", "inside", "outside"),
    [
        ('"00:00-08:00"', dt.time(0, 0), dt.time(8, 0)),
        ('"22:00-06:00"', dt.time(23, 30), dt.time(12, 0)),
        ('"22:00-06:00"', dt.time(5, 59), dt.time(6, 0)),
    ],
)
def test_a_site_is_polled_only_inside_its_window(
    tmp_path: Path, window: str, inside: dt.time, outside: dt.time
) -> None:
    paper = _epaper_paper(tmp_path, f"poll_window = {window}\n").papers[1]
    assert paper.polls_at(inside)
    assert not paper.polls_at(outside)


@pytest.mark.parametrize("window", ['"00:00-00:00"', '"08:00 - 8:00"'])
def test_a_poll_window_with_equal_ends_is_refused_rather_than_never_polling(
    tmp_path: Path, window: str
) -> None:
    with pytest.raises(ConfigError) as info:
        _epaper_paper(tmp_path, f"poll_window = {window}\n")
    message = str(info.value)
    assert f"[[papers]] #2 poll_window: {window} has equal ends" in message
    assert "to poll all day, leave poll_window out" in message


def test_a_new_subscriber_gets_the_first_paper_unless_others_are_marked(tmp_path: Path) -> None:
    assert [p.name for p in _epaper_paper(tmp_path).default_papers] == ["A"]
    marked = _epaper_paper(tmp_path, "subscribe_by_default = true\n")
    assert [p.name for p in marked.default_papers] == ["B"]
