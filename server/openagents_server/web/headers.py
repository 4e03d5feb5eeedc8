"""Response headers of the shell and its assets (ARCHITECTURE §6–7)."""

from __future__ import annotations

BUILD_HEADER = b"x-oa-build-id"
#: On /manifest.json: "on" while the kill switch is deployed, else "off".
KILLSWITCH_HEADER = b"x-oa-killswitch"
#: On /manifest.json: seconds between the shell's update checks.
UPDATE_CHECK_HEADER = b"x-oa-update-check-seconds"
COHORT_COOKIE = "oa_cohort"
COHORT_MAX_AGE_S = 400 * 24 * 3600  # browsers cap cookie lifetime at 400 days

def content_security_policy(style_hashes: list[str] | tuple[str, ...] = ()) -> str:
    """Pyodide needs 'wasm-unsafe-eval' (WebAssembly compilation) and nothing looser: no
    'unsafe-eval', no 'unsafe-inline', no CDN. Inline styles are allowed by their exact hashes
    (from the bundle's manifest); the boot config is an inert application/json script."""
    styles = " ".join(["'self'", *(f"'{h}'" for h in style_hashes)])
    return "; ".join((
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        f"style-src {styles}",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))


PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()" for feature in (
        "accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone", "payment", "usb",
    )
)

_COMMON: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"vary", b"Accept-Encoding"),
]
#: Content-hashed files: cache forever; a new build means new names.
ASSET_HEADERS: list[tuple[bytes, bytes]] = [
    (b"cache-control", b"public, max-age=31536000, immutable"),
    *_COMMON,
]
#: sw.js and manifest.json: always revalidate (ETag → 304).
NO_CACHE_HEADERS: list[tuple[bytes, bytes]] = [
    (b"cache-control", b"no-cache"),
    *_COMMON,
]


def shell_headers(style_hashes: list[str] | tuple[str, ...] = ()) -> list[tuple[bytes, bytes]]:
    """Headers of index.html, for every page route."""
    return [
        (b"cache-control", b"no-cache"),
        *_COMMON,
        (b"content-security-policy", content_security_policy(style_hashes).encode()),
        (b"referrer-policy", b"strict-origin-when-cross-origin"),
        (b"x-frame-options", b"DENY"),
        (b"permissions-policy", PERMISSIONS_POLICY.encode()),
        # No cross-origin window may hold a handle on the shell. Costs ~30 ms of first paint only in a tab
        # that starts at about:blank (a fresh renderer process); none for a visitor arriving from another
        # site, who changes process anyway (adr/0302).
        (b"cross-origin-opener-policy", b"same-origin"),
    ]


def cohort_cookie(key: str, secure: bool) -> bytes:
    """The per-device cohort key for canaries: not a secret, but nothing for scripts to touch."""
    attrs = f"{COHORT_COOKIE}={key}; Path=/; Max-Age={COHORT_MAX_AGE_S}; SameSite=Lax; HttpOnly"
    return (attrs + ("; Secure" if secure else "")).encode()
