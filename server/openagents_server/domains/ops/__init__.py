"""Operations: routing controls (maintenance, disabled routes, driver overrides), the admin console's
API, the smoke stream and the ``openagents ops``/``openagents smoke`` commands. See docs/ops/."""
