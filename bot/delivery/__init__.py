"""Delivery: getting digests to chats the way Telegram wants it.

Holds the :class:`Pacer` (global and per-chat rates, :mod:`.pacer`) and the fan-out of one
edition's digest, of a reader's papers in one combined message, or of one broadcast, to every
subscriber with its error handling (:mod:`.fanout`), against the ledger of what it sends
(:mod:`.ledger`).

May import: python-telegram-bot, :mod:`bot.render`, :mod:`bot.storage` and :mod:`bot.errors`.
Never the handlers (:mod:`bot.components`) or the Application wiring.
"""

from bot.delivery.fanout import (
    DeliveryPolicy,
    DeliveryReport,
    LeaseLost,
    deliver_broadcast,
    deliver_combined,
    deliver_edition,
    retry_seconds,
)
from bot.delivery.lease import LeaseKeeper, new_holder_id, sender_lease
from bot.delivery.pacer import Pacer

__all__ = [
    "DeliveryPolicy",
    "DeliveryReport",
    "LeaseKeeper",
    "LeaseLost",
    "Pacer",
    "deliver_broadcast",
    "deliver_combined",
    "deliver_edition",
    "new_holder_id",
    "retry_seconds",
    "sender_lease",
]
