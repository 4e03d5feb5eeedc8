"""Agent payments: a custodial Lightning wallet per person, its spend policy, receipts, the payment
backends (LND REST, fake) and the L402 client that pays paywalls within the policy."""
