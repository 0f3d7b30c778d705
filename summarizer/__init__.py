"""Baozhai text processing: edition parsing and TextRank summaries. Knows nothing of Telegram."""
