"""The baseline: a bare Litestar app returning the same JSON as ``/healthz``, no middleware."""

from litestar import Litestar, get


@get("/healthz", sync_to_thread=False)
def healthz() -> dict[str, dict[str, str]]:
    return {"data": {"status": "ok"}}


app = Litestar([healthz])
