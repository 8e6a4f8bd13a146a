"""Paged OneRoster list responses: limit/offset, X-Total-Count, Link, filter, sort, fields."""

from collections.abc import Callable
from urllib.parse import urlencode

from sandbox import query
from sandbox.store import Collection
from sandbox.wire import Request, Response

DEFAULT_LIMIT = 100


def paging_parse(request: Request, max_limit: int) -> tuple[int, int]:
    try:
        limit = request.query_int("limit", DEFAULT_LIMIT)
        offset = request.query_int("offset", 0)
    except ValueError as exc:
        raise query.QueryError("invaliddata", "limit and offset must be integers") from exc
    if limit < 1 or offset < 0:
        raise query.QueryError("invaliddata", "limit must be at least 1 and offset at least 0")
    return min(limit, max_limit), offset


def link_header(
    request: Request, base_path: str, limit: int, offset: int, total: int, *, host: str = ""
) -> str:
    url = f"{request.scheme}://{host or request.host}{base_path}{request.path}"
    params = {k: v for k, v in request.query.items() if k not in ("limit", "offset")}

    def link(at: int, rel: str) -> str:
        return f'<{url}?{urlencode({**params, "limit": limit, "offset": at})}>; rel="{rel}"'

    links = [link(0, "first")]
    if offset > 0:
        links.append(link(max(0, offset - limit), "prev"))
    if offset + limit < total:
        links.append(link(offset + limit, "next"))
    links.append(link(max(0, (total - 1) // limit * limit), "last"))
    return ", ".join(links)


def _indices(
    request: Request,
    collection: Collection,
    base_key: tuple,
    base: Callable[[], list[int]] | None,
    rejected: list[str],
) -> list[int] | None:
    text = request.query.get("filter") or ""
    if text and rejected:
        query.filter_refuse(text, collection, rejected)
    sort = request.query.get("sort") or ""
    order = (request.query.get("orderBy") or "asc").lower()
    if base is None and not text and not sort:
        return None

    def compute() -> list[int]:
        rows = list(range(len(collection))) if base is None else base()
        if text:
            rows = query.filter_apply(text, collection, rows)
        if sort:
            rows = query.sort_apply(sort, order, collection, rows)
        return rows

    return collection.view(("q", base_key, text, sort, order), compute)


def page_response(
    request: Request,
    *,
    collection: Collection,
    base_key: tuple,
    base: Callable[[], list[int]] | None,
    max_limit: int,
    base_path: str,
    api_path: str,
    lock,
    behaviours,
) -> Response:
    """One page of a (possibly filtered, sorted, trimmed) collection view."""
    limit, offset = paging_parse(request, max_limit)
    wanted = (
        query.fields_parse(request.query["fields"], collection)
        if request.query.get("fields")
        else None
    )
    with lock:
        indices = _indices(request, collection, base_key, base, behaviours.rejected_filters)
        if indices is None:
            total = len(collection)
            rows = collection.rows[offset : offset + limit]
        else:
            total = len(indices)
            rows = [collection.rows[i] for i in indices[offset : offset + limit]]
    if wanted:
        rows = [query.fields_select(r, wanted) for r in rows]
    body = b'{"' + collection.key.encode() + b'":[' + b",".join(rows) + b"]}"
    headers = [
        ("X-Total-Count", str(total)),
        ("Link", link_header(request, base_path, limit, offset, total, host=behaviours.link_host)),
    ]
    return Response(200, body, headers=headers, page_key=(api_path, offset))


def single_response(request: Request, collection: Collection, index: int) -> Response:
    row = collection.rows[index]
    if request.query.get("fields"):
        row = query.fields_select(row, query.fields_parse(request.query["fields"], collection))
    return Response(200, b'{"' + collection.single.encode() + b'":' + row + b"}")
