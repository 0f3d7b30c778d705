"""The fetcher against a real local server: politeness, limits, retries, decoding."""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import logging
import time
import tracemalloc
import zlib
from collections.abc import Callable

import pytest

from bot.errors import FetchError, ResponseTooLargeError, UnsupportedURLError
from bot.sources.epaper import Fetcher, FetchLimits, Validators
from bot.sources.epaper.fetch import is_public_address
from tests.bot.sources.epaper.server import LOCAL, SiteServer
from tests.bot.sources.epaper.sites import Resource

PAGE = "<html><body><p>正文</p></body></html>".encode()


async def test_user_agent_names_the_bot_its_version_and_contact(
    server: SiteServer, fetcher: Fetcher
) -> None:
    server.site["/a.htm"] = Resource(PAGE)
    await fetcher.get(server.url("/a.htm"))
    assert server.hits[0].user_agent == "Baozhai/0.1.0 (+https://example.org/baozhai)"


async def test_gbk_bytes_declared_gb2312_in_the_header_decode_as_gb18030(
    server: SiteServer, fetcher: Fetcher
) -> None:
    text = "<html><body><p>朱镕基考察堃坝</p></body></html>"  # 镕 and 堃 are not in GB2312
    server.site["/gb.htm"] = Resource(text.encode("gbk"), content_type="text/html; charset=gb2312")
    fetched = await fetcher.get(server.url("/gb.htm"))
    assert fetched.text == text
    assert fetched.encoding == "gb18030"


async def test_gbk_bytes_declared_gb2312_in_a_meta_tag_decode_as_gb18030(
    server: SiteServer, fetcher: Fetcher
) -> None:
    text = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
    text += "</head><body><p>朱镕基</p></body></html>"
    server.site["/gb.htm"] = Resource(text.encode("gb18030"), content_type="text/html")
    fetched = await fetcher.get(server.url("/gb.htm"))
    assert fetched.text == text


async def test_undeclared_bytes_that_are_not_utf8_decode_as_gb18030(
    server: SiteServer, fetcher: Fetcher
) -> None:
    text = "<p>浙江工人日报</p>"
    server.site["/x.htm"] = Resource(text.encode("gb18030"), content_type="text/html")
    assert (await fetcher.get(server.url("/x.htm"))).text == text


async def test_a_404_is_a_fetch_error_with_its_status_and_is_not_retried(
    server: SiteServer, fetcher: Fetcher
) -> None:
    with pytest.raises(FetchError) as caught:
        await fetcher.get(server.url("/gone.htm"))
    assert caught.value.status == 404
    assert server.statuses() == [404]


async def test_a_slow_response_times_out_as_a_fetch_error(server: SiteServer) -> None:
    server.site["/slow.htm"] = Resource(PAGE, delay=3.0)
    limits = FetchLimits(
        allow_addresses=LOCAL, timeout=0.2, attempts=2, backoff_initial=0.01, backoff_jitter=0.0
    )
    started = time.monotonic()
    async with Fetcher(limits) as fetcher:
        with pytest.raises(FetchError, match=r"timed out after 0\.2 s"):
            await fetcher.get(server.url("/slow.htm"))
    assert time.monotonic() - started < 1.5


async def test_two_failures_then_success_is_retried_with_growing_backoff(
    server: SiteServer,
) -> None:
    server.site["/flaky.htm"] = Resource(PAGE, fail_first=2)
    limits = FetchLimits(
        allow_addresses=LOCAL, attempts=3, backoff_initial=0.1, backoff_jitter=0.0, backoff_max=1.0
    )
    started = time.monotonic()
    async with Fetcher(limits) as fetcher:
        fetched = await fetcher.get(server.url("/flaky.htm"))
    assert fetched.status == 200
    assert server.statuses() == [503, 503, 200]
    assert time.monotonic() - started >= 0.1 + 0.2  # waited 0.1 s, then 0.2 s


async def test_each_retry_is_logged_once_with_its_url_and_the_reason_for_it(
    server: SiteServer, fetcher: Fetcher, caplog: pytest.LogCaptureFixture
) -> None:
    server.site["/flaky.htm"] = Resource(PAGE, fail_first=1)
    caplog.set_level(logging.INFO, logger="bot.sources")
    await fetcher.get(server.url("/flaky.htm"))
    said = [r.getMessage() for r in caplog.records if r.name.startswith("bot.sources")]
    assert said == [f"{server.url('/flaky.htm')}: HTTP 503; try 2 of 3"]


async def test_retries_stop_after_the_configured_attempts(
    server: SiteServer, fetcher: Fetcher
) -> None:
    server.site["/down.htm"] = Resource(PAGE, fail_first=10)
    with pytest.raises(FetchError) as caught:
        await fetcher.get(server.url("/down.htm"))
    assert caught.value.status == 503
    assert server.statuses() == [503, 503, 503]


async def test_retry_after_is_honoured_up_to_the_backoff_cap(server: SiteServer) -> None:
    server.site["/busy.htm"] = Resource(PAGE, fail_first=1, headers={"Retry-After": "3600"})
    limits = FetchLimits(
        allow_addresses=LOCAL, attempts=2, backoff_initial=0.0, backoff_jitter=0.0, backoff_max=0.3
    )
    started = time.monotonic()
    async with Fetcher(limits) as fetcher:
        await fetcher.get(server.url("/busy.htm"))
    assert 0.3 <= time.monotonic() - started < 1.5


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/a.htm", "file:///etc/passwd", "javascript:x"])
async def test_a_non_http_url_is_refused_before_any_request(url: str, fetcher: Fetcher) -> None:
    with pytest.raises(UnsupportedURLError, match="only http and https"):
        await fetcher.get(url)


async def test_a_redirect_to_a_non_http_url_is_refused(
    server: SiteServer, fetcher: Fetcher
) -> None:
    server.site["/r.htm"] = Resource(status=302, headers={"Location": "ftp://127.0.0.1/x"})
    with pytest.raises(UnsupportedURLError):
        await fetcher.get(server.url("/r.htm"))


async def test_a_response_larger_than_the_limit_is_refused(server: SiteServer) -> None:
    server.site["/big.htm"] = Resource(b"x" * 5000)
    async with Fetcher(FetchLimits(allow_addresses=LOCAL, max_bytes=4096)) as fetcher:
        with pytest.raises(ResponseTooLargeError, match="larger than 4096 bytes"):
            await fetcher.get(server.url("/big.htm"))


async def test_a_redirect_loop_stops_at_the_redirect_limit(server: SiteServer) -> None:
    server.site["/a.htm"] = Resource(status=302, headers={"Location": "/b.htm"})
    server.site["/b.htm"] = Resource(status=302, headers={"Location": "/a.htm"})
    async with Fetcher(FetchLimits(allow_addresses=LOCAL, max_redirects=3)) as fetcher:
        with pytest.raises(FetchError, match="more than 3 redirects"):
            await fetcher.get(server.url("/a.htm"))
    assert len(server.hits) == 4  # the first request and three redirects


async def test_a_redirect_is_followed_and_reported(server: SiteServer, fetcher: Fetcher) -> None:
    server.site["/old.htm"] = Resource(status=301, headers={"Location": "/new.htm"})
    server.site["/new.htm"] = Resource(PAGE)
    fetched = await fetcher.get(server.url("/old.htm"))
    assert fetched.final_url == server.url("/new.htm")


async def test_validators_make_a_conditional_request_answered_304(
    server: SiteServer, fetcher: Fetcher
) -> None:
    server.site["/a.htm"] = Resource(PAGE)
    first = await fetcher.get(server.url("/a.htm"))
    again = await fetcher.get(server.url("/a.htm"), first.validators)
    assert first.validators.etag and first.validators.last_modified
    assert again.not_modified and again.text is None
    assert [(h.status, h.conditional) for h in server.hits] == [(200, False), (304, True)]


async def test_a_changed_resource_answers_200_to_old_validators(
    server: SiteServer, fetcher: Fetcher
) -> None:
    server.site["/a.htm"] = Resource(PAGE)
    first = await fetcher.get(server.url("/a.htm"))
    server.site["/a.htm"] = Resource(PAGE + b"<p>more</p>")
    again = await fetcher.get(server.url("/a.htm"), first.validators)
    assert again.status == 200 and again.text is not None and "more" in again.text


async def test_requests_in_flight_per_site_stay_within_the_limit(server: SiteServer) -> None:
    for n in range(8):
        server.site[f"/{n}.htm"] = Resource(PAGE, delay=0.05)
    async with Fetcher(FetchLimits(allow_addresses=LOCAL, per_site=2)) as fetcher:
        await asyncio.gather(*(fetcher.get(server.url(f"/{n}.htm")) for n in range(8)))
    assert server.max_in_flight == 2


def test_empty_validators_send_no_conditional_headers() -> None:
    assert Validators().headers() == {}
    assert not Validators()


async def test_a_validator_a_header_cannot_carry_is_not_kept_and_the_next_poll_still_works(
    server: SiteServer, fetcher: Fetcher
) -> None:
    # httpx sends printable ASCII only: kept, this ETag made every later request raise.
    server.site["/a.htm"] = Resource(PAGE, headers={"ETag": '"版面"'}, validators=False)
    first = await fetcher.get(server.url("/a.htm"))
    again = await fetcher.get(server.url("/a.htm"), first.validators)
    assert first.validators.etag is None
    assert again.text == PAGE.decode()


def test_a_kept_validator_a_header_cannot_carry_makes_no_conditional_header() -> None:
    # As an older cache may hold one.
    kept = Validators(etag='"版面"', last_modified="Mon, 01 Jul 2024 00:00:00 GMT")
    assert kept.headers() == {"If-Modified-Since": "Mon, 01 Jul 2024 00:00:00 GMT"}


@pytest.mark.parametrize(
    ("encoding", "pack"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data, wbits=-15)),  # raw deflate, as some send
    ],
)
async def test_a_compressed_page_is_inflated(
    server: SiteServer, fetcher: Fetcher, encoding: str, pack: Callable[[bytes], bytes]
) -> None:
    server.site["/z.htm"] = Resource(pack(PAGE), headers={"Content-Encoding": encoding})
    assert (await fetcher.get(server.url("/z.htm"))).text == PAGE.decode()


async def test_a_body_that_does_not_inflate_is_a_fetch_error_and_is_not_retried(
    server: SiteServer, fetcher: Fetcher
) -> None:
    server.site["/z.htm"] = Resource(b"not gzip at all" * 10, headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError, match="does not inflate"):
        await fetcher.get(server.url("/z.htm"))
    assert server.statuses() == [200]


async def test_a_gzip_bomb_is_refused_without_inflating_more_than_the_limit(
    server: SiteServer,
) -> None:
    limit = 1024 * 1024
    bomb = gzip.compress(b"\0" * (64 * limit), 9)  # 64 MiB of zeros in ~64 KiB
    server.site["/bomb.htm"] = Resource(bomb, headers={"Content-Encoding": "gzip"})
    tracemalloc.start()
    try:
        async with Fetcher(
            FetchLimits(allow_addresses=LOCAL, max_bytes=limit, attempts=1)
        ) as fetcher:
            with pytest.raises(ResponseTooLargeError):
                await fetcher.get(server.url("/bomb.htm"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * limit  # httpx inflated each 64 KiB read whole: ~64 MiB at once


@pytest.mark.parametrize("encoding", ["none", "UTF-8", "identity"])
async def test_a_content_encoding_nobody_knows_is_read_as_none(
    server: SiteServer, fetcher: Fetcher, encoding: str
) -> None:
    # Misconfigured servers send these; httpx read them as no encoding, and so do we.
    server.site["/x.htm"] = Resource(PAGE, headers={"Content-Encoding": encoding})
    assert (await fetcher.get(server.url("/x.htm"))).text == PAGE.decode()


async def test_a_content_encoding_not_asked_for_is_a_fetch_error(
    server: SiteServer, fetcher: Fetcher
) -> None:
    server.site["/br.htm"] = Resource(PAGE, headers={"Content-Encoding": "br"})
    with pytest.raises(FetchError, match="not asked for"):
        await fetcher.get(server.url("/br.htm"))
    assert server.hits[0].path == "/br.htm"


async def test_a_redirect_to_another_host_that_is_not_public_is_refused(
    server: SiteServer, fetcher: Fetcher
) -> None:
    inside = server.url("/internal").replace("127.0.0.1", "localhost")
    server.site["/moved.htm"] = Resource(status=302, headers={"Location": inside})
    server.site["/internal"] = Resource(b"secret")
    with pytest.raises(UnsupportedURLError, match="not public"):
        await fetcher.get(server.url("/moved.htm"))
    assert [hit.path for hit in server.hits] == ["/moved.htm"]


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2400:da00::6666", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("100.64.0.1", False),  # carrier-grade NAT
        ("169.254.169.254", False),  # a cloud's metadata service
        ("0.0.0.0", False),
        ("224.0.0.1", False),  # multicast
        ("::1", False),
        ("fd00::1", False),
        ("fe80::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped
        ("::ffff:8.8.8.8", True),
        ("2002:7f00:1::1", False),  # 6to4 of 127.0.0.1
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
        ("64:ff9b::808:808", True),
    ],
)
def test_which_addresses_are_public(address: str, public: bool) -> None:
    assert is_public_address(ipaddress.ip_address(address)) is public


async def test_without_the_allowance_the_local_server_itself_is_refused_unasked(
    server: SiteServer,
) -> None:
    server.site["/a.htm"] = Resource(PAGE)
    async with Fetcher(FetchLimits()) as fetcher:
        with pytest.raises(UnsupportedURLError, match=r"127\.0\.0\.1 is not public"):
            await fetcher.get(server.url("/a.htm"))
    assert server.hits == []


@pytest.mark.parametrize(
    "host",
    [
        "127.1",  # forms the resolver reads as 127.0.0.1 too
        "2130706433",
        "0x7f000001",
        "localhost",  # a name resolving to 127.0.0.1
    ],
)
async def test_the_allowed_address_in_another_form_or_by_name_is_refused_unasked(
    server: SiteServer, fetcher: Fetcher, host: str
) -> None:
    server.site["/a.htm"] = Resource(PAGE)
    with pytest.raises(UnsupportedURLError, match="not public"):
        await fetcher.get(server.url("/a.htm").replace("127.0.0.1", host))
    assert server.hits == []


@pytest.mark.parametrize("dot", ["。", "．", "｡"])
async def test_an_address_written_with_ideographic_full_stops_is_the_address_it_spells(
    inside: SiteServer, fetcher: Fetcher, dot: str
) -> None:
    inside.site["/latest/meta-data"] = Resource(b"secret")
    url = inside.url("/latest/meta-data").replace("127.0.0.2", dot.join(("127", "0", "0", "2")))
    with pytest.raises(UnsupportedURLError, match=r"127\.0\.0\.2 is not public"):
        await fetcher.get(url)
    assert inside.hits == []


async def test_a_redirect_to_a_private_address_in_ideographic_full_stops_is_refused(
    server: SiteServer, inside: SiteServer, fetcher: Fetcher
) -> None:
    target = inside.url("/internal").replace("127.0.0.2", "127。0。0。2")
    server.site["/moved.htm"] = Resource(status=302, headers={"Location": target})
    inside.site["/internal"] = Resource(b"secret")
    with pytest.raises(UnsupportedURLError, match="not public"):
        await fetcher.get(server.url("/moved.htm"))
    assert [hit.path for hit in server.hits] == ["/moved.htm"]
    assert inside.hits == []


async def test_a_redirect_off_the_site_a_request_is_within_is_refused(
    server: SiteServer, elsewhere: SiteServer, fetcher: Fetcher
) -> None:
    server.site["/moved.htm"] = Resource(status=302, headers={"Location": elsewhere.url("/a")})
    elsewhere.site["/a"] = Resource(PAGE)
    with pytest.raises(UnsupportedURLError, match="off the site") as caught:
        await fetcher.get(server.url("/moved.htm"), within=server.url("/"))
    assert elsewhere.hits == []
    # Named by the address asked for (the one an operator configured), saying where it leads.
    assert caught.value.url == server.url("/moved.htm")
    assert caught.value.reason == f"redirected off the site, to {elsewhere.url('/a')}"


async def test_a_304_to_an_unconditional_request_is_a_fetch_error(
    server: SiteServer, fetcher: Fetcher
) -> None:
    server.site["/odd.htm"] = Resource(status=304, validators=False)
    with pytest.raises(FetchError, match="304 to an unconditional request") as caught:
        await fetcher.get(server.url("/odd.htm"))
    assert caught.value.status == 304


@pytest.mark.parametrize(
    "retry_after",
    ["0", "Mon, 01 Jan 2001 00:00:00 GMT", "²", "soon", "-5", "1e9"],
    ids=["zero", "past-date", "superscript-two", "word", "negative", "exponent"],
)
async def test_a_retry_after_of_no_usable_time_still_waits_the_backoff(
    server: SiteServer, retry_after: str
) -> None:
    # No time (0, a date gone by) or no number of seconds at all ("²".isdigit() is true, yet
    # float("²") fails): the retry waits the backoff, and no header turns it into a crash.
    server.site["/busy.htm"] = Resource(PAGE, fail_first=1, headers={"Retry-After": retry_after})
    limits = FetchLimits(
        allow_addresses=LOCAL, attempts=2, backoff_initial=0.3, backoff_jitter=0.0, backoff_max=1.0
    )
    async with Fetcher(limits) as fetcher:
        await fetcher.get(server.url("/busy.htm"))
    assert [hit.status for hit in server.hits] == [503, 200]
    assert server.hits[1].at - server.hits[0].at >= 0.3


async def test_a_429_holds_every_request_to_its_site_for_the_retry_after(
    server: SiteServer,
) -> None:
    server.site["/busy.htm"] = Resource(PAGE, status=429, headers={"Retry-After": "1"})
    server.site["/a.htm"] = Resource(PAGE)
    limits = FetchLimits(allow_addresses=LOCAL, attempts=1, backoff_initial=0.01, backoff_max=5.0)
    async with Fetcher(limits) as fetcher:
        with pytest.raises(FetchError):
            await fetcher.get(server.url("/busy.htm"))
        await fetcher.get(server.url("/a.htm"))
    busy, other = server.hits
    assert (busy.status, other.status) == (429, 200)
    assert other.at - busy.at >= 0.95


async def test_a_request_a_hold_would_keep_past_its_retry_budget_fails_unasked(
    server: SiteServer,
) -> None:
    server.site["/busy.htm"] = Resource(PAGE, status=429, headers={"Retry-After": "3600"})
    server.site["/a.htm"] = Resource(PAGE)
    limits = FetchLimits(allow_addresses=LOCAL, attempts=3, retry_budget=2.0, backoff_max=60.0)
    started = time.monotonic()
    async with Fetcher(limits) as fetcher:
        with pytest.raises(FetchError, match="beyond the retry budget") as caught:
            await fetcher.get(server.url("/busy.htm"))
        assert caught.value.status == 429
        with pytest.raises(FetchError, match="beyond the retry budget"):
            await fetcher.get(server.url("/a.htm"))
    assert [hit.path for hit in server.hits] == ["/busy.htm"]
    assert time.monotonic() - started < 1.5
