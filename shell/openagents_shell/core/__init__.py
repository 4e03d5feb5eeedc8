"""The app core's async side: running effects and cancelling what a navigation makes stale."""
