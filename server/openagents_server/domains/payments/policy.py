"""The spend policy: a pure decision over one payment, made under the wallet's row lock.

Reason codes (stable, shown as ``error.reason``): ``over_payment_cap``, ``over_daily_budget``,
``host_not_allowed``, ``approval_required``, ``insufficient_balance``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from openagents_server.errors import Forbidden

#: Defaults of a new wallet (sats): 1 000 per payment, 10 000 a day, approval above 5 000.
DEFAULT_MAX_PAYMENT_MSAT = 1_000_000
DEFAULT_DAILY_BUDGET_MSAT = 10_000_000
DEFAULT_APPROVAL_THRESHOLD_MSAT = 5_000_000
#: The routing fee a payment may spend unless the caller says otherwise: 1 % of the amount, at least
#: 1 sat (anchor: common wallet defaults; LND's own default is 5 % for small payments).
FEE_LIMIT_PPM = 10_000
MIN_FEE_LIMIT_MSAT = 1_000


class PolicyRefusal(Forbidden):
    default_code = "spend_policy_refused"


@dataclass(frozen=True, slots=True)
class SpendPolicy:
    max_payment_msat: int
    daily_budget_msat: int
    approval_threshold_msat: int | None
    allowed_hosts: tuple[str, ...]


def default_fee_limit(amount_msat: int) -> int:
    return max(MIN_FEE_LIMIT_MSAT, -(-amount_msat * FEE_LIMIT_PPM // 1_000_000))


def host_allowed(patterns: tuple[str, ...], host: str, port: int | None) -> bool:
    """``example.com``, ``*.example.com`` or ``host:port`` entries; case-insensitive."""
    host = host.lower()
    names = {host, f"{host}:{port}"} if port else {host}
    return any(fnmatchcase(name, pattern.lower()) for pattern in patterns for name in names)


def decide(policy: SpendPolicy, *, amount_msat: int, fee_limit_msat: int, spent_today_msat: int,
           balance_msat: int, host: str | None = None, port: int | None = None, approved: bool = False) -> None:
    """Raise :class:`PolicyRefusal` (403, with a reason) unless this payment may go ahead."""
    if host is not None and not host_allowed(policy.allowed_hosts, host, port):
        raise PolicyRefusal(message=f"{host} is not on the wallet's allowed hosts.", reason="host_not_allowed")
    if amount_msat > policy.max_payment_msat:
        raise PolicyRefusal(message=f"{amount_msat // 1000} sats is over the per-payment cap of "
                            f"{policy.max_payment_msat // 1000} sats.", reason="over_payment_cap",
                            details={"limit_msat": policy.max_payment_msat})
    if spent_today_msat + amount_msat + fee_limit_msat > policy.daily_budget_msat:
        raise PolicyRefusal(message="This payment would exceed today's budget.", reason="over_daily_budget",
                            details={"limit_msat": policy.daily_budget_msat, "spent_today_msat": spent_today_msat})
    if policy.approval_threshold_msat is not None and amount_msat > policy.approval_threshold_msat and not approved:
        raise PolicyRefusal(message="Payments this large need a person's approval (approved=true from a signed-in "
                            "session).", reason="approval_required",
                            details={"threshold_msat": policy.approval_threshold_msat})
    if balance_msat < amount_msat + fee_limit_msat:
        raise PolicyRefusal("insufficient_balance", "The wallet's balance does not cover this payment and its fee cap.",
                            reason="insufficient_balance", details={"balance_msat": balance_msat})
