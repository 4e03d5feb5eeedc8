"""L402: selling access to this platform's routes for Lightning payments (paywalls, challenges,
credentials, settlements, deployments) and the L402 primitives the buying side shares."""
