"""What a fan-out sends against: a ledger with one claim per chat and one row per message.

The fan-out (:mod:`.fanout`) does not care *what* it delivers, only that each (subject, chat)
is claimed before the first message and every message is written ``on_wire`` before its
request and ``confirmed`` after. Two subjects exist: an edition's digest
(``store.deliveries``, keyed by edition) and a broadcast (``store.broadcasts``, keyed by
broadcast). Each gets the same crash-resume and never-twice guarantees through this one
interface.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.storage.records import Claim, DeliveryRecord, DeliveryStatus

if TYPE_CHECKING:
    from bot.storage.broadcasts import Broadcasts
    from bot.storage.deliveries import Deliveries

__all__ = ["BroadcastLedger", "EditionLedger", "Ledger"]


class Ledger(Protocol):
    """The claims and message ledger of one subject (an edition's digest, a broadcast)."""

    @property
    def label(self) -> str:
        """How logs name the subject: ``edition 12``, ``broadcast 3``."""

    @property
    def subject_id(self) -> int: ...

    def claim(self, chat_id: int, owner: str) -> Claim | None: ...

    def put_on_wire(
        self, delivery_id: int, part: int, owner: str, renew: dt.timedelta | None = None
    ) -> bool: ...

    def confirm(self, delivery_id: int, part: int, message_id: int) -> None: ...

    def skip(self, delivery_id: int, part: int) -> None: ...

    def refused(self, delivery_id: int, part: int) -> None: ...

    def mark_sent(self, chat_id: int, status: DeliveryStatus = DeliveryStatus.SENT) -> None: ...

    def mark_failed(self, chat_id: int, error: str, retryable: bool) -> None: ...

    def get(self, chat_id: int) -> DeliveryRecord | None: ...


@dataclass(frozen=True, slots=True)
class EditionLedger:
    """An edition's digest: ``store.deliveries`` with the edition bound."""

    deliveries: Deliveries
    edition_id: int

    @property
    def label(self) -> str:
        return f"edition {self.edition_id}"

    @property
    def subject_id(self) -> int:
        return self.edition_id

    def claim(self, chat_id: int, owner: str) -> Claim | None:
        return self.deliveries.claim(self.edition_id, chat_id, owner)

    def put_on_wire(
        self, delivery_id: int, part: int, owner: str, renew: dt.timedelta | None = None
    ) -> bool:
        return self.deliveries.put_on_wire(delivery_id, part, owner, renew)

    def confirm(self, delivery_id: int, part: int, message_id: int) -> None:
        self.deliveries.confirm(delivery_id, part, message_id)

    def skip(self, delivery_id: int, part: int) -> None:
        self.deliveries.skip(delivery_id, part)

    def refused(self, delivery_id: int, part: int) -> None:
        self.deliveries.refused(delivery_id, part)

    def mark_sent(self, chat_id: int, status: DeliveryStatus = DeliveryStatus.SENT) -> None:
        self.deliveries.mark_sent(self.edition_id, chat_id, status)

    def mark_failed(self, chat_id: int, error: str, retryable: bool) -> None:
        self.deliveries.mark_failed(self.edition_id, chat_id, error, retryable)

    def get(self, chat_id: int) -> DeliveryRecord | None:
        return self.deliveries.get(self.edition_id, chat_id)


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

    def put_on_wire(
        self, delivery_id: int, part: int, owner: str, renew: dt.timedelta | None = None
    ) -> bool:
        return self.broadcasts.put_on_wire(delivery_id, part, owner, renew)

    def confirm(self, delivery_id: int, part: int, message_id: int) -> None:
        self.broadcasts.confirm_part(delivery_id, part, message_id)

    def skip(self, delivery_id: int, part: int) -> None:
        self.broadcasts.skip(delivery_id, part)

    def refused(self, delivery_id: int, part: int) -> None:
        self.broadcasts.refused(delivery_id, part)

    def mark_sent(self, chat_id: int, status: DeliveryStatus = DeliveryStatus.SENT) -> None:
        self.broadcasts.mark_sent(self.broadcast_id, chat_id, status)

    def mark_failed(self, chat_id: int, error: str, retryable: bool) -> None:
        self.broadcasts.mark_failed(self.broadcast_id, chat_id, error, retryable)

    def get(self, chat_id: int) -> DeliveryRecord | None:
        return self.broadcasts.get_delivery(self.broadcast_id, chat_id)
