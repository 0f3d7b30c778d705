"""Handlers and jobs, one module per concern (the app in ``bot.app`` wires them)."""
