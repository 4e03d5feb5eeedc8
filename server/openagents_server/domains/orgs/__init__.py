"""Orgs: memberships, the active org, roles, scopes and the topic ACL."""
