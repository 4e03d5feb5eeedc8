"""SQL fragments shared by several domains' read paths (one round trip for a credential lookup)."""

#: The user's memberships as JSON, so a request needs a single round trip to know who is calling.
MEMBERSHIPS_JSON = """(SELECT coalesce(json_agg(json_build_object(
        'org_id', m.org_id, 'org_slug', o.slug, 'org_name', o.name, 'role', m.role,
        'role_scopes', m.role_scopes, 'default_org', m.default_org,
        'personal', o.personal_owner_id IS NOT NULL) ORDER BY m.default_org DESC, o.created_at, o.id), '[]')
     FROM org_memberships m JOIN orgs o ON o.id = m.org_id WHERE m.user_id = u.id) AS memberships"""
