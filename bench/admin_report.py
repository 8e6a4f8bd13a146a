"""The admin benchmark's RESULTS.md section: one row per page and role."""

from bench.admin_pages import PAGE_MS, PAGE_QUERIES, ROLES, Measured
from bench.report import section_header

SQL_SHOWN = 160


def _met(m: Measured) -> str:
    if m.met:
        return "met"
    why = []
    if m.status != 200:
        why.append(f"HTTP {m.status}")
    if m.judged_ms >= PAGE_MS:
        why.append(f"{m.judged_ms:.0f} ms" + (" to the first bytes" if m.page.export else ""))
    if m.queries > m.query_limit:
        why.append(f"{m.queries} queries > {m.query_limit}")
    return "**not met** (" + ", ".join(why) + ")"


def _table(results: list[Measured]) -> list[str]:
    by_page: dict[str, dict[str, Measured]] = {}
    for m in results:
        by_page.setdefault(m.page.name, {})[m.role] = m
    header = "| page | " + " | ".join(f"{role}: ms · queries · met" for role in ROLES) + " |"
    rows = [header, "|---|" + "---|" * len(ROLES)]
    for name, roles in by_page.items():
        cells = []
        for role in ROLES:
            m = roles.get(role)
            first = f" (first bytes {m.first_byte_ms:.0f})" if m and m.page.export else ""
            cells.append(f"{m.ms:.0f}{first} · {m.queries} · {_met(m)}" if m else "—")
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return rows


def _slowest(results: list[Measured]) -> list[str]:
    notes = []
    for m in sorted(results, key=lambda m: -m.slowest_ms)[:5]:
        sql = " ".join(m.slowest_sql.split())
        sql = sql if len(sql) <= SQL_SHOWN else sql[: SQL_SHOWN - 1] + "…"
        notes.append(f"- {m.page.name} ({m.role}): {m.slowest_ms:.0f} ms in `{sql}`")
    return notes


def admin_section(*, results: list[Measured], loaded, run: dict) -> str:
    rows = ", ".join(f"{name} {count:,}" for name, count in loaded.rows.items())
    load = "; ".join(f"{name} {s:.0f} s" for name, s in loaded.seconds.items())
    exports = [r for r in results if r.page.export]
    met = sum(r.met for r in results)
    took = run["load_seconds"]
    title = (
        f"{run['database']} — admin at scale: {run['districts']} districts of "
        f"{run['students']:,} students"
    )
    lines = [
        *section_header(title=title, run=run),
        "",
        f"Server time (median of {run['repeat']} views after one unmeasured, in-process "
        f"with the Django test client) and SQL queries (the most of any view) per page "
        f"and role. Target: under {PAGE_MS} ms and at most {PAGE_QUERIES} queries (the "
        f"CSV export: its first bytes under {PAGE_MS} ms, its whole time and rate below, "
        f"and a bounded number of queries per chunk of rows). "
        f"{met} of {len(results)} met.",
        "",
        *_table(results),
        "",
        f"- Rows: {rows}.",
        f"- Load: {load}" + (f"; {took:.0f} s in all." if took else " (a database loaded before)."),
        *(
            f"- {r.page.name} ({r.role}): {r.rows:,} rows, {r.body_bytes / 1e6:.1f} MB in "
            f"{r.ms / 1000:.1f} s, {r.rows / (r.ms / 1000):,.0f} rows/s; first bytes after "
            f"{r.first_byte_ms:.0f} ms."
            for r in exports
        ),
        "- Slowest statements:",
        *(f"  {line}" for line in _slowest(results)),
        "",
    ]
    return "\n".join(lines)
