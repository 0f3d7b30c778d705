"""Baozhai's Telegram side: config, storage, scheduling, sources, delivery and handlers."""
