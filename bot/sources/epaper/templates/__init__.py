"""The e-paper templates by name: one pure module each (``founder``, ``pc_layout``,
``rmrb_nbs``).

Adding a fourth: write ``templates/<name>.py`` exposing ``TEMPLATE`` (a
:class:`bot.sources.epaper.model.Template`), add it to ``_BUILT_IN`` below, and build its
fixture site in ``tests/bot/sources/epaper/sites.py``.
"""

from __future__ import annotations

from bot.sources.epaper.model import Template
from bot.sources.epaper.templates import founder, pc_layout, rmrb_nbs

__all__ = ["get_template", "register", "template_names"]

_BUILT_IN = (founder.TEMPLATE, pc_layout.TEMPLATE, rmrb_nbs.TEMPLATE)
_REGISTRY: dict[str, Template] = {template.name: template for template in _BUILT_IN}


def register(template: Template) -> None:
    """Make ``template`` known by its name; a name already taken is refused."""
    if template.name in _REGISTRY and _REGISTRY[template.name] is not template:
        raise ValueError(f"an e-paper template named {template.name!r} exists already")
    _REGISTRY[template.name] = template


def get_template(name: str) -> Template:
    """The template called ``name``; KeyError naming the known ones otherwise."""
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise KeyError(f"unknown e-paper template {name!r} (known: {known})") from None


def template_names() -> tuple[str, ...]:
    """The known templates' names, sorted (for config validation and help texts)."""
    return tuple(sorted(_REGISTRY))
