"""The targets of issue #7, checked against a run's figures."""

FIRST_RECORDS_PER_SECOND = 20_000
FIRST_MAX_RATIO = 3.0
NOCHANGE_MAX_RATIO = 1.5
DELTA_MAX_SHARE = 0.10
PEAK_RSS_MB = 500
LATENCY_MAX_RATIO = 1.5
NOT_MEASURED = ("not measured", "—")


def _met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def _rate(result: dict) -> float:
    return result["records"] / result["wall"]


def _first_rate(r: dict) -> tuple[str, str]:
    if "first" not in r:
        return NOT_MEASURED
    rate = _rate(r["first"])
    return f"{rate:,.0f} records/s", _met(rate >= FIRST_RECORDS_PER_SECOND)


def _ratio(r: dict, name: str, base: str, limit: float) -> tuple[str, str]:
    if name not in r or base not in r:
        return NOT_MEASURED
    value = r[name]["wall"] / r[base]["wall"]
    return f"{value:.2f}x", _met(value <= limit)


def _zero_rows(r: dict) -> tuple[str, str]:
    if "nochange" not in r:
        return NOT_MEASURED
    res = r["nochange"]
    figure = (
        f"{res['roster_rows']:,} rows in {res['roster_statements']:,} statements; "
        f"tables changed: {', '.join(res['changed_tables']) or 'none'}"
    )
    return figure, _met(res["roster_rows"] == 0 and not res["changed_tables"])


def _delta(r: dict) -> tuple[str, str]:
    if "delta" not in r or "first" not in r:
        return NOT_MEASURED
    share = r["delta"]["wall"] / r["first"]["wall"]
    return f"{share:.1%} of the first pull", _met(share < DELTA_MAX_SHARE)


def _memory(r: dict) -> tuple[str, str]:
    pulls = {n: res["peak_rss_mb"] for n, res in r.items() if n != "fetch"}
    if not pulls:
        return NOT_MEASURED
    worst = max(pulls, key=pulls.get)
    return f"{pulls[worst]:.0f} MB ({worst})", _met(pulls[worst] < PEAK_RSS_MB)


def targets_evaluate(results: dict) -> list[tuple[str, str, str]]:
    """(target, figure, met / not met / not measured) for each target of the issue."""
    checks = [
        (f"first full pull ≥ {FIRST_RECORDS_PER_SECOND:,} records/s (a PostgreSQL target)",
         _first_rate(results)),
        (f"first full pull ≤ {FIRST_MAX_RATIO:g}x fetch-only",
         _ratio(results, "first", "fetch", FIRST_MAX_RATIO)),
        ("no-change pull writes zero rows", _zero_rows(results)),
        (f"no-change pull ≤ {NOCHANGE_MAX_RATIO:g}x fetch-only",
         _ratio(results, "nochange", "fetch", NOCHANGE_MAX_RATIO)),
        (f"delta pull of 1% < {DELTA_MAX_SHARE:.0%} of the first pull's time", _delta(results)),
        (f"peak RSS of the pulling process < {PEAK_RSS_MB} MB", _memory(results)),
        (f"first pull with latency ≤ {LATENCY_MAX_RATIO:g}x without",
         _ratio(results, "latency", "first", LATENCY_MAX_RATIO)),
    ]  # fmt: skip
    return [(target, figure, met) for target, (figure, met) in checks]
