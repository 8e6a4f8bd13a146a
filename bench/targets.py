"""The targets of issue #16, against the floor (plain requests + orjson), checked against
a run's figures. The ratios are of wall time; each figure also says where the CPU went."""

# (first full pull, no-change pull) at most this many times the floor, per database.
FLOOR_RATIOS = {"postgresql": (3.0, 1.5), "sqlite": (5.0, 2.0)}
DELTA_MAX_SHARE = 0.05
PEAK_RSS_MB = 300
LATENCY_MAX_RATIO = 1.3
NOT_MEASURED = ("not measured", "—")


def _met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def vendor_of(database: str) -> str:
    """'postgresql' or 'sqlite' from a database's description ('PostgreSQL 15.2')."""
    return "sqlite" if database.lower().startswith("sqlite") else "postgresql"


def cpu_where(result: dict) -> str:
    """Where a scenario's CPU seconds went: the puller, the SIS, the database."""
    cpu = result.get("cpu")
    if not cpu:
        return ""
    return (
        f"CPU s: puller {cpu['puller']:.1f}, database {cpu['database']:.1f}, SIS {cpu['sis']:.1f}"
    )


def _ratio(r: dict, name: str, base: str, limit: float) -> tuple[str, str]:
    if name not in r or base not in r:
        return NOT_MEASURED
    value = r[name]["wall"] / r[base]["wall"]
    where = cpu_where(r[name])
    return f"{value:.2f}x" + (f" ({where})" if where else ""), _met(value <= limit)


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
    pulls = {n: res["peak_rss_mb"] for n, res in r.items() if n not in ("floor", "fetch")}
    if not pulls:
        return NOT_MEASURED
    worst = max(pulls, key=pulls.get)
    return f"{pulls[worst]:.0f} MB ({worst})", _met(pulls[worst] < PEAK_RSS_MB)


def targets_evaluate(results: dict, *, database: str) -> list[tuple[str, str, str]]:
    """(target, figure, met / not met / not measured) for each target of the issue, with
    the limits of the run's database."""
    first, nochange = FLOOR_RATIOS[vendor_of(database)]
    checks = [
        (f"first full pull ≤ {first:g}x floor", _ratio(results, "first", "floor", first)),
        (f"no-change pull ≤ {nochange:g}x floor",
         _ratio(results, "nochange", "floor", nochange)),
        ("no-change pull writes zero rows", _zero_rows(results)),
        (f"delta pull of 1% < {DELTA_MAX_SHARE:.0%} of the first pull's time", _delta(results)),
        (f"peak RSS of the pulling process < {PEAK_RSS_MB} MB", _memory(results)),
        (f"first pull with SIS latency ≤ {LATENCY_MAX_RATIO:g}x without",
         _ratio(results, "latency", "first", LATENCY_MAX_RATIO)),
    ]  # fmt: skip
    return [(target, figure, met) for target, (figure, met) in checks]
