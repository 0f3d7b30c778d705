"""What a fan-out sends against: a ledger with one claim per chat and one row per message.

The fan-out (:mod:`.fanout`) does not care *what* it delivers, only that each (subject, chat)
is claimed before the first message and every message is written ``on_wire`` before its
request and ``confirmed`` after. Three subjects exist: an edition's digest
(``store.deliveries``, keyed by edition), a combined digest of several editions per chat
(``store.deliveries`` again, its rows claimed as one *bundle*) and a broadcast
(``store.broadcasts``, keyed by broadcast). Each gets the same crash-resume and never-twice
guarantees through this one interface.

What is recorded after the sending (``mark_sent``, ``mark_failed``, ``get``) is given the
claim it follows: a digest's claim may lead a bundle (``Claim.covers``), and the chat id may
have changed on the way (a group that migrated).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from bot.storage.records import Claim, DeliveryRecord, DeliveryStatus

if TYPE_CHECKING:
    from bot.storage.broadcasts import Broadcasts
    from bot.storage.deliveries import Deliveries

__all__ = ["BroadcastLedger", "BundleLedger", "EditionLedger", "Ledger"]


class Ledger(Protocol):
    """The claims and message ledger of one subject (an edition's digest, a broadcast)."""

    @property
    def label(self) -> str:
        """How logs name the subject: ``edition 12``, ``broadcast 3``."""

    @property
    def subject_id(self) -> int: ...

    def claim(self, chat_id: int, owner: str) -> Claim | None:
        """The right to send the chat one digest (or message); None when nothing is owed or
        another live sender has it."""

    def owes_more(self, chat_id: int, delivered: Claim) -> bool:
        """After ``delivered`` went out: whether another :meth:`claim` may find more for the
        chat in this run (a combined digest that first resumed an earlier one)."""

    def restart(self, claim: Claim, owner: str) -> bool:
        """Empty the ledger of a ``changed`` claim (rendered from an earlier version of its
        editions) so its digest goes out again whole; False once the claim is not ``owner``'s."""

    def put_on_wire(
        self, delivery_id: int, part: int, owner: str, renew: dt.timedelta | None = None
    ) -> bool: ...

    def confirm(
        self, delivery_id: int, part: int, message_id: int, rendered_from: str | None
    ) -> None:
        """Telegram answered with ``message_id``; recorded if the claim still sends the
        version ``rendered_from`` (its ``Claim.rendered_from``)."""

    def skip(self, delivery_id: int, part: int) -> None: ...

    def refused(self, delivery_id: int, part: int) -> None: ...

    def mark_sent(
        self, claim: Claim, chat_id: int, status: DeliveryStatus = DeliveryStatus.SENT
    ) -> None: ...

    def mark_failed(
        self, claim: Claim, chat_id: int, error: str, retryable: bool, owner: str
    ) -> None:
        """Record that ``owner``'s send failed, unless another sender took the claim over."""

    def get(self, claim: Claim, chat_id: int) -> DeliveryRecord | None: ...


class _DigestRows:
    """The message ledger and outcomes of digests, shared by :class:`EditionLedger` and
    :class:`BundleLedger`: both record on ``store.deliveries``, against the claim's lead
    edition (whose row carries a bundle); they differ only in what they claim."""

    __slots__ = ()
    deliveries: Deliveries

    def restart(self, claim: Claim, owner: str) -> bool:
        return self.deliveries.restart(claim, owner)

    def put_on_wire(
        self, delivery_id: int, part: int, owner: str, renew: dt.timedelta | None = None
    ) -> bool:
        return self.deliveries.put_on_wire(delivery_id, part, owner, renew)

    def confirm(
        self, delivery_id: int, part: int, message_id: int, rendered_from: str | None
    ) -> None:
        self.deliveries.confirm(delivery_id, part, message_id, rendered_from)

    def skip(self, delivery_id: int, part: int) -> None:
        self.deliveries.skip(delivery_id, part)

    def refused(self, delivery_id: int, part: int) -> None:
        self.deliveries.refused(delivery_id, part)

    def mark_sent(
        self, claim: Claim, chat_id: int, status: DeliveryStatus = DeliveryStatus.SENT
    ) -> None:
        self.deliveries.mark_sent(claim.edition_id, chat_id, status)

    def mark_failed(
        self, claim: Claim, chat_id: int, error: str, retryable: bool, owner: str
    ) -> None:
        self.deliveries.mark_failed(claim.edition_id, chat_id, error, retryable, owner=owner)

    def get(self, claim: Claim, chat_id: int) -> DeliveryRecord | None:
        return self.deliveries.get(claim.edition_id, chat_id)


@dataclass(frozen=True, slots=True)
class EditionLedger(_DigestRows):
    """An edition's digest: ``store.deliveries`` with the edition bound. A combined digest
    holding the edition that an earlier run left unfinished is resumed whole here (its claim
    covers the bundle; ``Deliveries.claim_bundle``): never re-sent apart."""

    deliveries: Deliveries
    edition_id: int

    @property
    def label(self) -> str:
        return f"edition {self.edition_id}"

    @property
    def subject_id(self) -> int:
        return self.edition_id

    def claim(self, chat_id: int, owner: str) -> Claim | None:
        return self.deliveries.claim_bundle([self.edition_id], chat_id, owner)

    def owes_more(self, chat_id: int, delivered: Claim) -> bool:
        return False  # the claim covered this edition (alone or in its bundle)


@dataclass(slots=True)
class BundleLedger(_DigestRows):
    """Combined digests: ``store.deliveries`` with, per chat, the editions owed to it in this
    run. A claim covers as many of them as ``Deliveries.claim_bundle`` gives (an unfinished
    bundle of an earlier run first, whole); the fan-out claims again while some are left.
    What is recorded acts on the claim's lead edition, whose row carries the whole bundle."""

    deliveries: Deliveries
    editions: Sequence[int]
    due: Mapping[int, Sequence[int]]
    _left: dict[int, list[int]] = field(default_factory=dict, init=False)

    @property
    def label(self) -> str:
        return f"combined digest of editions {list(self.editions)}"

    @property
    def subject_id(self) -> int:
        return self.editions[0]

    def claim(self, chat_id: int, owner: str) -> Claim | None:
        left = self._left.get(chat_id)
        if left is None:
            left = self._left[chat_id] = list(self.due.get(chat_id, ()))
        if not left:
            return None
        return self.deliveries.claim_bundle(left, chat_id, owner)

    def owes_more(self, chat_id: int, delivered: Claim) -> bool:
        left = [e for e in self._left.get(chat_id, ()) if e not in delivered.covers]
        self._left[chat_id] = left
        return bool(left)


@dataclass(frozen=True, slots=True)
class BroadcastLedger:
    """A broadcast: ``store.broadcasts`` with the broadcast bound (one message per chat)."""

    broadcasts: Broadcasts
    broadcast_id: int

    @property
    def label(self) -> str:
        return f"broadcast {self.broadcast_id}"

    @property
    def subject_id(self) -> int:
        return self.broadcast_id

    def claim(self, chat_id: int, owner: str) -> Claim | None:
        return self.broadcasts.claim(self.broadcast_id, chat_id, owner)

    def owes_more(self, chat_id: int, delivered: Claim) -> bool:
        return False  # one message per chat

    def restart(self, claim: Claim, owner: str) -> bool:
        return False  # a broadcast's text never changes: its claims are never ``changed``

    def put_on_wire(
        self, delivery_id: int, part: int, owner: str, renew: dt.timedelta | None = None
    ) -> bool:
        return self.broadcasts.put_on_wire(delivery_id, part, owner, renew)

    def confirm(
        self, delivery_id: int, part: int, message_id: int, rendered_from: str | None
    ) -> None:
        self.broadcasts.confirm_part(delivery_id, part, message_id)  # one text: no versions

    def skip(self, delivery_id: int, part: int) -> None:
        self.broadcasts.skip(delivery_id, part)

    def refused(self, delivery_id: int, part: int) -> None:
        self.broadcasts.refused(delivery_id, part)

    def mark_sent(
        self, claim: Claim, chat_id: int, status: DeliveryStatus = DeliveryStatus.SENT
    ) -> None:
        self.broadcasts.mark_sent(self.broadcast_id, chat_id, status)

    def mark_failed(
        self, claim: Claim, chat_id: int, error: str, retryable: bool, owner: str
    ) -> None:
        self.broadcasts.mark_failed(self.broadcast_id, chat_id, error, retryable, owner=owner)

    def get(self, claim: Claim, chat_id: int) -> DeliveryRecord | None:
        return self.broadcasts.get_delivery(self.broadcast_id, chat_id)
