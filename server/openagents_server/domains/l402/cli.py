"""``openagents l402 demo URL``: the whole L402 loop against a running server, step by step (issue 25).

An API client (token of a platform admin: it may create the paywall). Steps, each printed as it ends:

1. ``paywall``   — use the enabled paywall on ``--prefix``, or create one (``--price`` sats);
2. ``challenge`` — GET the paywalled path with no credential: must be ``402`` with an L402 challenge;
3. ``wallet``    — make sure the caller has a wallet with enough balance (funded through the server's
   Lightning backend — the fake one in local/test);
4. ``pay``       — pay the challenge's invoice (``POST /api/agent-payments/pay``): the preimage;
5. ``retry``     — GET again with ``Authorization: L402 <macaroon>:<preimage>``: must be ``200``.

Exit 0 when all pass; otherwise exit 1 and the message names the failed step.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from openagents_server.domains.l402 import challenge as l402

l402_cli = typer.Typer(no_args_is_help=True, help="L402: run the paywall → 402 → pay → retry demo")
console = Console(stderr=True)
STEPS = ("paywall", "challenge", "wallet", "pay", "retry")


class StepFailed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Demo:
    http: httpx.Client
    auth: dict[str, str]
    prefix: str
    path: str
    price: int
    found: dict[str, Any] = field(default_factory=dict)

    def call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise StepFailed(f"{method} {url}: {exc}") from None

    def data(self, answer: httpx.Response, expected: tuple[int, ...], what: str) -> dict[str, Any]:
        if answer.status_code not in expected:
            raise StepFailed(f"{what}: {answer.status_code} {_error(answer)}")
        return answer.json()["data"]

    def paywall(self) -> str:
        listed = self.data(self.call("GET", "/api/l402/paywalls", headers=self.auth), (200,), "listing paywalls")
        for wall in listed["paywalls"]:
            if wall["route_prefix"] == self.prefix and wall["enabled"]:
                self.found["paywall"] = wall
                return f"using paywall {wall['id']} on {self.prefix} ({wall['price_sats']} sats)"
        created = self.data(self.call("POST", "/api/l402/paywalls", headers=self.auth, json={
            "name": "CLI demo", "route_prefix": self.prefix, "price_sats": self.price}), (201,), "creating the paywall")
        self.found["paywall"] = created
        return f"created paywall {created['id']} on {self.prefix} ({created['price_sats']} sats)"

    def challenge(self) -> str:
        answer = self.call("GET", self.path)
        if answer.status_code != 402:
            raise StepFailed(f"GET {self.path} without a credential answered {answer.status_code}, not 402")
        found = l402.find_challenge(answer.headers.get_list("www-authenticate"))
        if found is None:
            raise StepFailed("the 402 has no L402 challenge in WWW-Authenticate")
        self.found["challenge"] = found
        return f"402 with an invoice ({found.invoice[:24]}…)"

    def wallet(self) -> str:
        price = int(self.found["paywall"]["price_sats"])
        self.data(self.call("POST", "/api/agent-payments/wallet", headers=self.auth, json={}), (200, 201),
                  "creating the wallet")
        balance = self.data(self.call("GET", "/api/agents/me/balance", headers=self.auth), (200,), "reading the balance")
        have = int(balance.get("balance_msat", 0)) // 1000
        if have >= price:
            return f"wallet has {have} sats"
        need = max(price * 10, 100)
        self.data(self.call("POST", "/api/agent-payments/invoice", headers=self.auth, json={"amount_sats": need}),
                  (200, 201), "funding the wallet")
        return f"wallet funded with {need} sats (the server's Lightning backend)"

    def pay(self) -> str:
        found: l402.Challenge = self.found["challenge"]
        paid = self.data(self.call("POST", "/api/agent-payments/pay", headers=self.auth,
                                   json={"invoice": found.invoice, "approved": True}), (200, 201), "paying the invoice")
        preimage = (paid.get("receipt") or {}).get("preimage")
        if paid.get("status") not in (None, "succeeded") or not preimage:
            raise StepFailed(f"the payment did not succeed (status {paid.get('status')})")
        self.found["preimage"] = preimage
        self.found["payment_hash"] = paid.get("payment_hash")
        return f"paid {paid.get('amount_sats', '?')} sats, payment hash {str(paid.get('payment_hash'))[:16]}…"

    def retry(self) -> str:
        found: l402.Challenge = self.found["challenge"]
        header = l402.credential_header(found.macaroon, self.found["preimage"])
        answer = self.call("GET", self.path, headers={"Authorization": header})
        if answer.status_code != 200:
            raise StepFailed(f"GET {self.path} with the credential answered {answer.status_code} {_error(answer)}")
        self.found["body"] = answer.text[:500]
        return f"200 ({len(answer.content)} bytes)"


def _error(answer: httpx.Response) -> str:
    try:
        error = answer.json().get("error", {})
        return f"{error.get('code', '')}: {error.get('message', '')}".strip(": ")
    except ValueError:
        return answer.text[:200]


@l402_cli.command("demo")
def demo(
    url: str = typer.Argument(..., help="the server, e.g. http://127.0.0.1:8000"),
    token: str = typer.Option(..., "--token", envvar="OPENAGENTS_TOKEN", help="a platform admin's token"),
    prefix: str = typer.Option("/api/demo", "--prefix", help="route prefix of the paywall to use or create"),
    path: str = typer.Option("/api/demo/fortune", "--path", help="the paywalled path to buy"),
    price: int = typer.Option(21, "--price", min=1, help="price in sats of a paywall this creates"),
    as_json: bool = typer.Option(False, "--json", help="print the steps as JSON on stdout"),
) -> None:
    """Run paywall → 402 → pay → retry against URL; exit 1 naming the step that failed."""
    results: list[dict[str, Any]] = []
    failed: str | None = None
    with httpx.Client(base_url=url.rstrip("/"), timeout=30) as http:
        run = Demo(http, {"Authorization": f"Bearer {token}"}, prefix, path, price)
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console,
                      transient=True) as progress:
            task = progress.add_task("l402 demo", total=len(STEPS))
            for step in STEPS:
                progress.update(task, description=f"l402 demo: {step}")
                try:
                    detail = getattr(run, step)()
                except StepFailed as exc:
                    failed = step
                    results.append({"step": step, "ok": False, "detail": exc.message})
                    progress.console.print(f"[red]✗ {step}[/]: {exc.message}")
                    break
                results.append({"step": step, "ok": True, "detail": detail})
                progress.console.print(f"[green]✓ {step}[/]: {detail}")
                progress.advance(task)
    if as_json:
        sys.stdout.write(json.dumps({"ok": failed is None, "failed_step": failed, "steps": results,
                                     "body": run.found.get("body")}) + "\n")
    if failed:
        console.print(f"[red]l402 demo failed at step {failed!r}[/]")
        raise typer.Exit(1)
    console.print(f"[green]l402 demo passed[/]: {run.found.get('body', '')[:200]}")
