"""Every named URL pattern of the product, and the URLs it makes from a set of parameter
values: the walk of tests/test_confidential.py and tests/pages/test_form_inputs.py, so a new
page or endpoint is walked without editing either."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch


def named_patterns(
    resolver: URLResolver | None = None, namespace: str = "", prefix: str = ""
) -> list[tuple[str, list[str], str]]:
    """(URL name, parameter names, the pattern's text) for every named pattern."""
    out = []
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            out += named_patterns(p, ns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern) and p.name:
            params = list(p.pattern.regex.groupindex)
            if "format" not in params:  # the router's .json duplicates
                out.append((namespace + p.name, params, prefix + str(p.pattern)))
    return out


def urls_of(name: str, params: list[str], values: list[str]) -> list[str]:
    """Every URL of pattern `name` with each parameter taken from `values` (the ones that reverse)."""
    combos: list[list[str]] = [[]]
    for _param in params:
        combos = [[*c, v] for c in combos for v in values]
    urls = []
    for combo in combos:
        try:
            urls.append(reverse(name, kwargs=dict(zip(params, combo, strict=True))))
        except NoReverseMatch:
            continue
    return urls
