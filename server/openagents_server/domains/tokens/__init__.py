"""Personal access tokens: created by a signed-in person, shown once, revocable."""
