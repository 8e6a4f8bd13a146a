"""The floor (issue #16): the pages a full pull reads, fetched with plain `requests` and
parsed with `orjson.loads`, nothing converted, checked or written.

No engine can pull a district faster than it can read it, so each scenario's time is
compared with this one. It asks for exactly what the client asks for (the same
collections, role filters, page size and number of requests in flight), with none of
the client's care: no address checks, retries, diagnosis of odd answers or NUL scan.
"""

from concurrent.futures import ThreadPoolExecutor

import orjson
import requests

TIMEOUT = 60


def _rows(body: bytes, envelopes: tuple[str, ...]) -> int:
    payload = orjson.loads(body)
    for key in envelopes:
        if isinstance(payload.get(key), list):
            return len(payload[key])
    return 0


def floor_fetch(*, connection) -> dict:
    """Every page of every collection a full pull of `connection` reads; the counts."""
    from django.conf import settings

    from bench.child import pull_entities
    from connections.services import connection_credentials
    from sis.oneroster import COLLECTIONS, SCOPES, role_filter
    from sis.records import Entity

    credentials = connection_credentials(connection=connection)
    limit, concurrency = settings.SIS_PAGE_SIZE, settings.SIS_CONCURRENCY
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_maxsize=concurrency * 2)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    token = session.post(
        credentials.oneroster_token_url,
        auth=(credentials.client_id, credentials.client_secret),
        data={"grant_type": "client_credentials", "scope": " ".join(SCOPES)},
        timeout=TIMEOUT,
    ).json()["access_token"]
    session.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})
    per_entity, pages = {}, 0
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for entity in (Entity.SCHOOLS, *pull_entities(connection=connection)):
            collection = COLLECTIONS[entity]
            url = credentials.oneroster_api_root + collection.path
            received = 0
            for role in collection.roles or (None,):
                base = {"filter": role_filter(role)} if role else {}

                def page(offset: int, base=base, url=url, collection=collection):
                    params = {**base, "limit": limit, "offset": offset}
                    response = session.get(url, params=params, timeout=TIMEOUT)
                    response.raise_for_status()
                    return response, _rows(response.content, collection.envelopes)

                first, rows = page(0)
                total = int(first.headers["X-Total-Count"])
                counts = [rows, *pool.map(lambda o: page(o)[1], range(limit, total, limit))]
                received += sum(counts)
                pages += len(counts)
            per_entity[str(entity)] = received
    session.close()
    return {"records": sum(per_entity.values()), "pages": pages, "per_entity": per_entity}
